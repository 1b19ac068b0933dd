/*
 * `adsctl import` (DESIGN.md §4 "Adoption"): turns existing objects of an
 * ad account into manifests that plan to zero changes, then marks them as
 * the stack's own (ad labels; the description marker for custom
 * audiences), so that the next plan maps them to their addresses.
 *
 * Two stages, so that nothing is labelled unless valid manifests describe
 * it:
 *  1. ads_import_read() reads the account (campaigns with their ad sets
 *     and ads, the creatives those ads use, custom audiences) and builds
 *     the manifest documents in memory: only the fields a manifest may
 *     declare and the API returns, without the values Meta fills in by
 *     default; stable keys from the objects' names; references between
 *     what is imported ({ ref: ... }), literal ids and image hashes for
 *     the rest;
 *  2. after the caller wrote the files and built the model from them,
 *     ads_import_label() attaches the labels and markers.
 */
#ifndef ADS_APPLY_IMPORT_H
#define ADS_APPLY_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "graph/client.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/report.h"

/* What to import; empty lists: everything not owned by another stack. */
struct ads_import_select {
	struct ads_strvec campaigns; /* ids */
	struct ads_strvec audiences;
	struct ads_strvec creatives;
};

/* One file to write: root is its tree ({"campaigns": {...}}). */
struct ads_import_file {
	char *path; /* relative to the project: "campaigns/spring_sale.yaml" */
	json_t *root; /* owned */
};

/* One imported object and where it went. */
struct ads_import_object {
	enum ads_kind kind;
	char *id;
	char *address; /* "campaigns.spring_sale.ad_sets.de_broad" */
	char *name;
	/* audiences: the description without a marker (NULL if none) */
	char *description;
};

struct ads_import {
	char *account, *stack; /* owned */
	struct ads_import_file *files;
	size_t nfiles, alloc_files;
	struct ads_import_object *objs;
	size_t nobjs, alloc_objs;
	/* Objects left out, and why ("campaign 123 is labelled for stack
	 * x"). Owned strings. */
	struct ads_strvec notes;
};

void ads_import_free(struct ads_import *imp);

/*
 * Reads what sel names from account through g and builds the manifests
 * for stack. Fails with the client's error; ADS_ENOTFOUND when a selected
 * id is not in the account (or is archived); ADS_EINVALID when nothing is
 * left to import. *out is owned by the caller (ads_import_free).
 */
int ads_import_read(struct ads_import **out, struct ads_graph *g,
                    const char *account, const char *stack,
                    const struct ads_import_select *sel,
                    const struct ads_reporter *reporter, struct ads_error *err);

/* The adsctl.yaml of a new project for imp. */
json_t *ads_import_settings(const struct ads_import *imp,
                            const char *api_version);

/*
 * Attaches the identity of every imported object, as m (the model built
 * from the written manifests) declares it: ad labels through
 * POST /<id>/adlabels (a creative also gets its version label, made from
 * its content digest), and the marker at the end of each audience's
 * description. One batch of updates, retried like any update. Returns 0,
 * or ADS_EPARTIAL (err names the first object that failed) when some
 * could not be labelled: import can be run again.
 */
int ads_import_label(size_t *labelled, struct ads_graph *g,
                     const struct ads_import *imp, const struct ads_model *m,
                     struct ads_error *err);

#endif
