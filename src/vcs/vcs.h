/*
 * Git through libgit2 (DESIGN.md §8): a project's manifests at any revision
 * without a checkout, the commit and dirty state stamped into saved plans
 * and the apply journal, and `git rev-parse`-style revision specs.
 *
 * A struct ads_vcs is a repository opened from a project directory: the
 * repository is discovered upwards from that directory (as git does), and
 * the project's place in it (its path relative to the work tree root,
 * "examples/simple" or "" at the root) is remembered, so that every
 * operation below is about the project's files only.
 *
 * libgit2 is initialised by the first ads_vcs_open() and shut down by the
 * last ads_vcs_free() (libgit2 counts the calls itself). A struct ads_vcs
 * and the sources made from it must be used by one thread at a time.
 */
#ifndef ADS_VCS_VCS_H
#define ADS_VCS_VCS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

/* Length of a full commit id in hex (SHA-1). */
#define ADS_VCS_HEXSZ 40
/* How many dirty paths a provenance lists (it counts all of them). */
#define ADS_VCS_DIRTY_LIST 20
/*
 * The directory under a project where adsctl keeps its own files (the
 * emulator's state, DESIGN.md §3); changes there do not make a project
 * dirty.
 */
#define ADS_VCS_STATE_DIR ".adsctl"

struct ads_vcs;

/*
 * Opens the repository that contains project_dir (which must exist),
 * searching upwards as git does without crossing file systems. Returns
 * ADS_ENOTFOUND (err set to "'DIR' is not in a git repository") when there
 * is none, ADS_EINVALID for a bare repository (no work tree to hold a
 * project), ADS_EIO when the repository cannot be read (including
 * libgit2's refusal of a repository owned by another user). *out is owned
 * by the caller (ads_vcs_free).
 */
int ads_vcs_open(struct ads_vcs **out, const char *project_dir,
                 struct ads_error *err);
void ads_vcs_free(struct ads_vcs *vcs);

/* The work tree root: absolute, real path, ending in '/'; borrowed. */
const char *ads_vcs_workdir(const struct ads_vcs *vcs);
/*
 * The project's path relative to the work tree root, '/'-separated, no
 * trailing '/': "" at the root, "examples/simple" below it; borrowed.
 */
const char *ads_vcs_project_path(const struct ads_vcs *vcs);
/* The libgit2 repository, for the rest of vcs/; borrowed. */
struct git_repository *ads_vcs_git(const struct ads_vcs *vcs);
/*
 * For the rest of vcs/: ads_error_set() with libgit2's last error message
 * appended ("cannot read 'HEAD': reference 'refs/heads/x' not found").
 */
int ads_vcs_git_error(struct ads_error *err, enum ads_errcode code,
                      const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Where a project's files stand in git, for saved plans and the journal. */
struct ads_vcs_provenance {
	bool in_repo; /* false: not a git repository, all else empty */
	bool has_commit; /* false: HEAD is unborn (no commit yet) */
	char commit[ADS_VCS_HEXSZ + 1]; /* HEAD's commit id, full hex */
	char short_id[ADS_VCS_HEXSZ + 1]; /* its unique abbreviation */
	char *branch; /* "main"; NULL when detached; owned */
	/*
	 * Modified, staged, deleted, renamed, conflicted or untracked (not
	 * ignored) files under the project directory, other than under
	 * ADS_VCS_STATE_DIR. Files elsewhere in the repository do not count.
	 */
	bool dirty;
	size_t ndirty; /* how many such files */
	/* The first ADS_VCS_DIRTY_LIST of them, relative to the project. */
	struct ads_strvec dirty_paths;
};

void ads_vcs_provenance_init(struct ads_vcs_provenance *prov);
void ads_vcs_provenance_release(struct ads_vcs_provenance *prov);

/*
 * Fills prov (which must be initialised; it is released first) for the
 * project of vcs. prov is left released on failure.
 */
int ads_vcs_provenance(struct ads_vcs_provenance *prov, struct ads_vcs *vcs,
                       struct ads_error *err);
/*
 * Like ads_vcs_provenance() for the project at project_dir, opening and
 * closing the repository. A directory outside any repository is a normal
 * answer: 0 with prov->in_repo false.
 */
int ads_vcs_provenance_of_dir(struct ads_vcs_provenance *prov,
                              const char *project_dir, struct ads_error *err);

/*
 * Resolves a `git rev-parse`-style spec (HEAD~1, main, v1.2, a short id,
 * main@{1}, a full id) to the commit it names, peeling tags, and writes the
 * commit id in full hex to out. Errors name the spec:
 *   ADS_ENOTFOUND "unknown revision 'mian' (did you mean 'main'?)"
 *   ADS_EINVALID  "ambiguous revision 'ab12'", "invalid revision 'a..b'",
 *                 "revision 'v1:x.yaml' is a blob, not a commit"
 * out is untouched on failure.
 */
int ads_vcs_resolve(char out[ADS_VCS_HEXSZ + 1], struct ads_vcs *vcs,
                    const char *spec, struct ads_error *err);

#endif
