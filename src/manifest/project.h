/*
 * A project (DESIGN.md §2): adsctl.yaml at the root, plus the resource files
 * its `include` globs name. Files are read through a struct ads_source so
 * that vcs/ can load a project from a git revision without a checkout.
 */
#ifndef ADS_MANIFEST_PROJECT_H
#define ADS_MANIFEST_PROJECT_H

#include <stddef.h>

#include "manifest/doc.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/error.h"

#define ADS_PROJECT_FILE "adsctl.yaml"

/*
 * Where project files come from: the working tree, or a git revision.
 * ads_project_load() may call read from several threads, but never two
 * calls at once (a lock serialises them), so a source needs no locking of
 * its own; it must not rely on thread-local state between calls.
 */
struct ads_source {
	/* Appends the file at rel (relative to the project root) to out. */
	int (*read)(void *ctx, const char *rel, struct ads_buf *out, size_t max,
	            struct ads_error *err);
	/* Appends the sorted relative paths matching a glob(7) pattern. */
	int (*glob)(void *ctx, const char *pattern, struct ads_strvec *out,
	            struct ads_error *err);
	void *ctx;
	const char *describe; /* "working tree" or "commit 1a2b3c4" */
};

struct ads_project {
	char *root; /* the project directory as given; owned */
	struct ads_doc *main; /* adsctl.yaml */
	struct ads_doc **docs; /* every loaded file, main first; owned */
	size_t ndocs, alloc;
	const struct ads_source *src; /* borrowed */
};

/*
 * A source reading the directory root from the file system. root is
 * borrowed (keep it alive as long as src). glob matches regular files only
 * (symbolic links followed), sorted, as paths relative to root; patterns
 * that are absolute or leave root fail with ADS_EINVALID.
 */
void ads_source_fs(struct ads_source *src, const char *root);

/*
 * Loads adsctl.yaml and every file its `include` globs match (sorted,
 * without duplicates, relative to the root). Problems with individual files
 * go to diags and loading continues with the others: a file that cannot be
 * read or parsed is left out of docs, a pattern that matches nothing is a
 * warning, a pattern that is absolute or leaves the root an error.
 * Diagnostics name files as ads_path_join(root, rel), a path the user can
 * open. Returns ADS_ENOTFOUND (err set) when root has no adsctl.yaml,
 * ADS_EINVALID (err set) when adsctl.yaml itself cannot be parsed or is
 * not a map, another error when it cannot be read, 0 otherwise; *out is
 * owned by the caller. Files are parsed on several threads when there are
 * many (the result does not depend on it).
 */
int ads_project_load(struct ads_project **out, const char *root,
                     const struct ads_source *src, struct ads_diags *diags,
                     struct ads_error *err);
void ads_project_free(struct ads_project *p);

#endif
