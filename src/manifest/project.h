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

/* Where project files come from: the working tree, or a git revision. */
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

/* A source reading the directory root from the file system. */
void ads_source_fs(struct ads_source *src, const char *root);

/*
 * Loads adsctl.yaml and every file its `include` globs match (sorted,
 * without duplicates, relative to the root). Problems with individual files
 * go to diags and loading continues with the others. Returns ADS_ENOTFOUND
 * (err set) when root has no adsctl.yaml, ADS_EINVALID when adsctl.yaml
 * itself cannot be parsed, 0 otherwise; *out is owned by the caller.
 */
int ads_project_load(struct ads_project **out, const char *root,
                     const struct ads_source *src, struct ads_diags *diags,
                     struct ads_error *err);
void ads_project_free(struct ads_project *p);

#endif
