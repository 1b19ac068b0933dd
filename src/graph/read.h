/*
 * Reading many objects in few round trips, for live/: lists that follow
 * paging to the end, multi-reads by id (ids=, 50 per call), and the same
 * edge of many parents at once. Each comes as a _submit form that runs
 * alongside everything else queued on the client (ads_graph_run() drives
 * them; independent reads share batches and connections) and as a
 * synchronous form that submits and runs.
 *
 * Page sizes shrink by half when Graph asks for less data per call
 * (code 1, "Please reduce the amount of data"), and ids= chunks are
 * split when Graph reports an id it does not know, so that one deleted
 * object does not fail a read of 50.
 */
#ifndef ADS_GRAPH_READ_H
#define ADS_GRAPH_READ_H

#include <jansson.h>
#include <stddef.h>

#include "graph/client.h"
#include "util/buf.h"
#include "util/error.h"

/* Ids per ids= call (Graph's limit on multi-id reads). */
#define ADS_GRAPH_IDS_MAX 50
/* A list is cut off (ADS_ETOOBIG) after this many pages. */
#define ADS_GRAPH_MAX_PAGES 100000

/*
 * Called once when a read finished: err is NULL on success, else the
 * first failure (the output then holds what was read before it). The
 * _submit functions fail only for bad arguments, and then never call it.
 */
typedef void (*ads_graph_done_fn)(void *ctx, const struct ads_error *err);

/*
 * Lists an edge ("act_1/campaigns", "120001/ads") with params (fields,
 * filtering, effective_status...; limit defaults to the client's
 * page_size), following paging to the end and appending every item to
 * items (a JSON array, borrowed until done is called). Edges hide
 * ARCHIVED objects unless the filter asks for them (003:L16926).
 */
int ads_graph_list_submit(struct ads_graph *g, const char *path,
                          const struct ads_graph_params *params, json_t *items,
                          ads_graph_done_fn done, void *ctx,
                          struct ads_error *err);
/* Called after each page a list read appended, with its item count. */
typedef void (*ads_graph_page_fn)(void *ctx, size_t n);
/*
 * ads_graph_list_submit() that also calls page(ctx, n) after every page
 * (for progress); page may be NULL.
 */
int ads_graph_list_submit_paged(struct ads_graph *g, const char *path,
                                const struct ads_graph_params *params,
                                json_t *items, ads_graph_page_fn page,
                                ads_graph_done_fn done, void *ctx,
                                struct ads_error *err);
/* Synchronous: *items is a new array owned by the caller. */
int ads_graph_list(json_t **items, struct ads_graph *g, const char *path,
                   const struct ads_graph_params *params,
                   struct ads_error *err);

/*
 * Lists "<parent>/<edge>" for each of n parents (duplicates read once),
 * all at once: the engine packs the first pages into batches (50 parents
 * per batch request, max_in_flight requests at a time), then the further
 * pages of the parents that have more. out (an object, borrowed until
 * done) gets parent id -> array of items.
 */
int ads_graph_list_edges_submit(struct ads_graph *g, const char *const *parents,
                                size_t n, const char *edge,
                                const struct ads_graph_params *params,
                                json_t *out, ads_graph_done_fn done, void *ctx,
                                struct ads_error *err);
int ads_graph_list_edges(json_t **out, struct ads_graph *g,
                         const char *const *parents, size_t n, const char *edge,
                         const struct ads_graph_params *params,
                         struct ads_error *err);

/*
 * Reads n objects by id (duplicates read once) with params (fields...),
 * ADS_GRAPH_IDS_MAX per ids= call, the calls packed into batches. out (an
 * object, borrowed until done) gets id -> object. Ids that Graph reports
 * as nonexistent or inaccessible (100/33, 803) are appended to missing
 * (borrowed; may be NULL, then they are an error).
 */
int ads_graph_get_ids_submit(struct ads_graph *g, const char *const *ids,
                             size_t n, const struct ads_graph_params *params,
                             json_t *out, struct ads_strvec *missing,
                             ads_graph_done_fn done, void *ctx,
                             struct ads_error *err);
int ads_graph_get_ids(json_t **out, struct ads_strvec *missing,
                      struct ads_graph *g, const char *const *ids, size_t n,
                      const struct ads_graph_params *params,
                      struct ads_error *err);

#endif
