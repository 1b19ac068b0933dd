/*
 * Finding the objects of creates whose outcome is unknown (a timeout, a
 * null batch item, a dropped connection) by the identity they were sent
 * with (docs/internals/identity.md): an ad label for campaigns, ad sets,
 * ads and creatives, the description marker for custom audiences. apply
 * adopts what is found and creates again only what is not, so an unknown
 * outcome never makes a duplicate.
 */
#ifndef ADS_APPLY_LOOKUP_H
#define ADS_APPLY_LOOKUP_H

#include <jansson.h>
#include <stddef.h>

#include "graph/client.h"
#include "model/model.h"
#include "util/error.h"

/*
 * The account edge that lists a kind: "campaigns", "adsets", "ads",
 * "adcreatives", "customaudiences", "adimages", "advideos". Static.
 */
const char *ads_apply_kind_edge(enum ads_kind kind);

/* Labels per filtered read (the filter's value list). */
#define ADS_APPLY_LOOKUP_CHUNK 50

/*
 * For each of the n labels (exact ad label names), the ids of the objects
 * of kind (campaign, ad set, ad or creative) in account that carry it and
 * are neither archived nor deleted, read with one filtered list per
 * ADS_APPLY_LOOKUP_CHUNK labels, all in one run of the client. canary
 * (may be NULL) is the label of an object known to exist with id
 * canary_id: when the filtered read does not find it (or there is no
 * canary), the filter cannot be trusted to have found everything and the
 * whole edge is read instead. *out (a new JSON object owned by the
 * caller) maps every label asked for to an array of ids (empty when
 * none). Fails with the client's error; *out is then not set.
 */
int ads_apply_lookup_labels(json_t **out, struct ads_graph *g,
                            const char *account, enum ads_kind kind,
                            const char *const *labels, size_t n,
                            const char *canary, const char *canary_id,
                            struct ads_error *err);

/*
 * The custom audiences of account that carry a marker of stack: *out (a
 * new JSON object owned by the caller) maps each marker's address to an
 * array of ids. One list read of the account's audiences (they are few).
 */
int ads_apply_lookup_audiences(json_t **out, struct ads_graph *g,
                               const char *account, const char *stack,
                               struct ads_error *err);

#endif
