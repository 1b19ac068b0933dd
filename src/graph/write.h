/*
 * Write sets, for apply/: creates, updates and deletes sent through Graph
 * batch requests, packed by a scheduler that keeps Meta's rules:
 *  - at most 50 operations per batch (003:L13406);
 *  - at most 10 ad creates per batch (003:L17172);
 *  - never two ad-set writes of the same campaign in one batch
 *    (003:L13408);
 *  - an operation that needs another's result (its params or path hold
 *    "{result=NAME:$.id}", see ads_graph_op_ref()) travels in the same
 *    batch when it fits, after it, so that Graph resolves the reference;
 *    otherwise it waits until the id is known and the reference is
 *    replaced by the id itself;
 *  - independent batches go out in parallel (the client's in-flight
 *    limit), each as soon as what it needs is known.
 *
 * Every operation ends with an outcome: OK (with the answer and the id of
 * a new object), FAILED (Graph said no: the error), UNKNOWN (a create that
 * got no definite answer: a null batch item, a dropped connection, a
 * timeout; it is never sent again by the set), or SKIPPED (not sent: an
 * operation it depends on did not succeed, or the run stopped). Updates
 * and deletes are retried on transient failures, creates only when Graph
 * answered with an error (then nothing was made).
 *
 * The caller resolves UNKNOWN creates (apply/ looks the object up by its
 * ad label), then marks each with ads_graph_op_resolve() (it exists) or
 * ads_graph_op_reset() (it does not), and runs the set again: the
 * operations that were waiting on them proceed.
 */
#ifndef ADS_GRAPH_WRITE_H
#define ADS_GRAPH_WRITE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "graph/client.h"
#include "graph/read.h"
#include "util/error.h"

/* Meta's per-batch limit on ad creates (003:L17172). */
#define ADS_GRAPH_AD_CREATES_MAX 10

enum ads_graph_op_kind {
	ADS_GRAPH_OP_OTHER = 0,
	ADS_GRAPH_OP_CAMPAIGN,
	ADS_GRAPH_OP_ADSET,
	ADS_GRAPH_OP_AD,
	ADS_GRAPH_OP_CREATIVE,
	ADS_GRAPH_OP_AUDIENCE,
	ADS_GRAPH_OP_IMAGE,
};

struct ads_graph_op_spec {
	const char *method; /* "POST" (default) or "DELETE" */
	/* "act_1/campaigns" for a create, "<id>" for an update or delete;
	 * may hold a reference "{result=NAME:$.id}". */
	const char *path;
	const struct ads_graph_params *params; /* copied */
	enum ads_graph_op_kind kind;
	bool create; /* makes a new object: never resent blindly */
	/* Ad-set writes: the campaign (an id or a reference), when the
	 * params hold no campaign_id (updates, deletes). */
	const char *campaign;
	void *user; /* the caller's, see ads_graph_op_user() */
};

struct ads_graph_writes;
struct ads_graph_op;

/* An empty set writing through g (borrowed). Owned by the caller. */
struct ads_graph_writes *ads_graph_writes_new(struct ads_graph *g);
void ads_graph_writes_free(struct ads_graph_writes *w);
/* Lower limits than Meta's, e.g. for tests (0 keeps the default). */
void ads_graph_writes_set_limits(struct ads_graph_writes *w, unsigned batch_max,
                                 unsigned ad_creates_max);

/*
 * Adds an operation (owned by the set; *op is borrowed). Fails with
 * ADS_EINVALID when a reference names no earlier operation of the set or
 * an ad-set write does not say its campaign.
 */
int ads_graph_writes_add(struct ads_graph_op **op, struct ads_graph_writes *w,
                         const struct ads_graph_op_spec *spec,
                         struct ads_error *err);
/*
 * The reference to op's result at jsonpath (NULL: "$.id"), e.g.
 * "{result=op3:$.id}", for the params or path of a later operation.
 * Owned by the caller.
 */
char *ads_graph_op_ref(const struct ads_graph_op *op, const char *jsonpath);

/*
 * Sends every operation not yet done (alongside anything else queued on
 * the client) and calls done once all have an outcome or wait on one
 * that is not OK. The synchronous form runs the client; it returns 0
 * when every operation is OK, else ADS_EPARTIAL with err summing up (or
 * ADS_EAUTH / ADS_EINTR when the run stopped).
 */
void ads_graph_writes_submit(struct ads_graph_writes *w, ads_graph_done_fn done,
                             void *ctx);
int ads_graph_writes_run(struct ads_graph_writes *w, struct ads_error *err);

size_t ads_graph_writes_size(const struct ads_graph_writes *w);
/* The i-th operation in the order added. */
struct ads_graph_op *ads_graph_writes_op(const struct ads_graph_writes *w,
                                         size_t i);
/* How many operations have outcome o. */
size_t ads_graph_writes_count(const struct ads_graph_writes *w,
                              enum ads_graph_outcome o);
/* Batch requests sent so far. */
size_t ads_graph_writes_batches(const struct ads_graph_writes *w);

/* Outcome (0 while never run), answer, id, error, name, user pointer. */
enum ads_graph_outcome ads_graph_op_outcome(const struct ads_graph_op *op);
const json_t *ads_graph_op_body(const struct ads_graph_op *op);
const char *ads_graph_op_id(const struct ads_graph_op *op);
const struct ads_error *ads_graph_op_error(const struct ads_graph_op *op);
const char *ads_graph_op_name(const struct ads_graph_op *op);
void *ads_graph_op_user(const struct ads_graph_op *op);
/* Which batch request (1-based) last carried op, 0 if none. */
size_t ads_graph_op_batch(const struct ads_graph_op *op);

/* An UNKNOWN (or any) create did happen: its object is id. */
void ads_graph_op_resolve(struct ads_graph_op *op, const char *id);
/* It did not happen: the next run sends it again. */
void ads_graph_op_reset(struct ads_graph_op *op);

#endif
