/*
 * The project's files at a git revision, as a struct ads_source for
 * ads_project_load() (manifest/project.h): `adsctl diff REV1 REV2` and
 * `plan --rev` read manifests from the object database, without a checkout.
 */
#ifndef ADS_VCS_SOURCE_H
#define ADS_VCS_SOURCE_H

#include "manifest/project.h"
#include "util/error.h"
#include "vcs/vcs.h"

/*
 * A struct ads_source reading the project's files from one commit's tree,
 * for ads_project_load(). Paths are relative to the project directory, as
 * in the working tree: "." and "..", and symbolic links committed in the
 * tree, are followed as the file system would follow them, but nothing
 * outside the repository can be reached.
 *
 * read: the blob's bytes as committed (no smudge filters run). Fails with
 *   ADS_ENOTFOUND when the path does not exist at the commit (or leaves
 *   the repository), ADS_ETOOBIG when the blob is larger than max bytes
 *   (0 = no limit; checked before the blob is loaded), ADS_EIO for a
 *   directory, a submodule, a symlink loop or a Git LFS pointer (whose
 *   content is not in the repository).
 * glob: glob(3) semantics per '/'-separated component (`*`, `?`, `[...]`,
 *   `\` escapes; a leading '.' must be matched explicitly; `**` is `*`).
 *   Matches files only (directories name the way, they are not results),
 *   appended sorted and without duplicates, spelled as the pattern spells
 *   its literal components. No match is not an error; ADS_EINVALID for an
 *   absolute pattern or one that leaves the repository.
 * describe: "commit 1a2b3c4".
 */
struct ads_vcs_source;

/*
 * Makes a source for the commit that spec names (any spec that
 * ads_vcs_resolve() accepts, a full id included). *out is owned by the
 * caller (ads_vcs_source_free) and borrows vcs, which must outlive it.
 */
int ads_vcs_source_open(struct ads_vcs_source **out, struct ads_vcs *vcs,
                        const char *spec, struct ads_error *err);
void ads_vcs_source_free(struct ads_vcs_source *vsrc);
/* The struct ads_source to pass to ads_project_load(); borrowed. */
const struct ads_source *ads_vcs_source_get(const struct ads_vcs_source *vsrc);
/*
 * Parsed trees are kept for the life of a source (libgit2 caches only
 * small ones), up to this many entries in all (about 64 bytes each); the
 * cache is emptied when it would grow beyond.
 */
#define ADS_VCS_TREE_CACHE (1u << 20)
/* Changes that limit (0: keep no tree beyond its use). */
void ads_vcs_source_set_tree_cache(struct ads_vcs_source *vsrc, size_t entries);
/* The commit the source reads, full hex; borrowed. */
const char *ads_vcs_source_commit(const struct ads_vcs_source *vsrc);

#endif
