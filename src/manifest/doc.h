/*
 * One manifest file as a JSON tree (jansson) that remembers where every
 * value came from. The YAML is read with libyaml's event API; plain scalars
 * are typed by the YAML 1.2 core schema (so `NO` stays a string), anchors
 * and aliases are expanded, `<<` merge keys are applied, and duplicate keys
 * are errors. Multiple documents in one file are refused.
 *
 * Locations are kept per container member, not per json_t: jansson shares
 * true/false/null singletons, so a pointer cannot identify them.
 */
#ifndef ADS_MANIFEST_DOC_H
#define ADS_MANIFEST_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/diag.h"
#include "util/error.h"

/* Limits that turn hostile or broken input into a clear error. */
#define ADS_MANIFEST_MAX_BYTES (4u << 20) /* per file */
#define ADS_MANIFEST_MAX_DEPTH 64 /* nesting of maps and lists */
#define ADS_MANIFEST_MAX_NODES 1000000 /* after alias expansion */

struct ads_doc {
	char *path; /* as shown in diagnostics, e.g. "campaigns/spring.yaml" */
	json_t *root; /* owned reference; an empty file gives an empty object */
	void *priv; /* private to doc.c: container -> member locations */
};

enum ads_loc_part {
	ADS_LOC_VALUE, /* where the value starts */
	ADS_LOC_KEY, /* where its key starts (object members only) */
};

/*
 * Parses YAML text. display_path names the file in diagnostics (it is
 * copied). Every problem found is appended to diags; returns 0 when a usable
 * tree was built (*out owned by the caller, free with ads_doc_free()) and
 * ADS_EINVALID when not (then *out is untouched and diags says why).
 */
int ads_doc_parse(struct ads_doc **out, const char *display_path,
                  const char *data, size_t len, struct ads_diags *diags);
/*
 * Reads fs_path (at most ADS_MANIFEST_MAX_BYTES) and parses it. Returns as
 * ads_doc_parse(), or ADS_ENOTFOUND / ADS_EIO when the file cannot be read;
 * every failure also leaves a diagnostic naming display_path.
 */
int ads_doc_load(struct ads_doc **out, const char *fs_path,
                 const char *display_path, struct ads_diags *diags);
void ads_doc_free(struct ads_doc *doc);

/*
 * Location look-ups. They answer for the containers of doc->root as parsed
 * (alias copies included) and return false for anything else, e.g. values
 * a caller added later. Values copied by an alias sit where the alias is
 * written; what is inside them, where the anchor defined it. Merged (<<)
 * members keep the location of their definition.
 */
/* The location of the container itself (an object or array of this doc). */
bool ads_doc_loc(const struct ads_doc *doc, const json_t *container,
                 struct ads_srcloc *out);
/* The location of obj[key] (its key or its value). */
bool ads_doc_member_loc(const struct ads_doc *doc, const json_t *obj,
                        const char *key, enum ads_loc_part part,
                        struct ads_srcloc *out);
/* The location of arr[index]. */
bool ads_doc_item_loc(const struct ads_doc *doc, const json_t *arr,
                      size_t index, struct ads_srcloc *out);
/*
 * The location of the value at a JSON Pointer (RFC 6901, "" = root). When
 * the pointer leads outside the tree, the deepest existing ancestor's
 * location is given and false is returned; true when found exactly.
 */
bool ads_doc_locate(const struct ads_doc *doc, const char *pointer,
                    enum ads_loc_part part, struct ads_srcloc *out);

#endif
