/*
 * Async request sets, for large ad creation (reference/api-semantics.md
 * §6): submit a set of ad specs (asyncadrequestsets) or of batch
 * operations (async_batch_requests), poll the set with growing intervals
 * until Meta says it is complete (polls count against the rate limit,
 * sdk-behaviors §1.5), then collect the outcome of every request.
 */
#ifndef ADS_GRAPH_ASYNC_H
#define ADS_GRAPH_ASYNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/client.h"
#include "graph/read.h"
#include "util/error.h"

/* One request of a set. */
struct ads_graph_async_request {
	char *id;
	/* OK (SUCCESS), FAILED (ERROR, CANCELED...), UNKNOWN (not finished
	 * when the set was read). */
	enum ads_graph_outcome outcome;
	char *status; /* as Meta spelled it */
	char *object_id; /* result.id of a success: the new ad */
	char *scope_object_id; /* the parent (the ad set of a new ad) */
	json_t *input; /* the spec sent (adgroup_spec), owned; may be NULL */
	json_t *result; /* raw result, owned; may be NULL */
	struct ads_error err; /* the request's error when it failed */
};

struct ads_graph_async_set {
	char *id;
	bool completed;
	size_t total, succeeded, failed;
	struct ads_graph_async_request *v;
	size_t nr;
};
#define ADS_GRAPH_ASYNC_SET_INIT              \
	{                                     \
		NULL, false, 0, 0, 0, NULL, 0 \
	}

void ads_graph_async_set_release(struct ads_graph_async_set *s);

/*
 * POST act_<account>/asyncadrequestsets with ad_specs (a JSON array of ad
 * specs) and name (003:L15527-15565). *set_id is owned by the caller.
 * Fails with ADS_EUNKNOWN when no definite answer came: the set may exist
 * (look for it by name in act_<account>/asyncadrequestsets).
 */
int ads_graph_async_ads_create(char **set_id, struct ads_graph *g,
                               const char *account, const char *name,
                               const json_t *ad_specs, struct ads_error *err);
/*
 * POST act_<account>/async_batch_requests with adbatch (a JSON array of
 * {name, relative_url, body}, at most 1000) and name (003:L17316-17350).
 */
int ads_graph_async_batch_create(char **set_id, struct ads_graph *g,
                                 const char *account, const char *name,
                                 const json_t *adbatch, struct ads_error *err);

struct ads_graph_async_poll {
	int64_t first_ms; /* first poll after (default 2 s) */
	int64_t max_ms; /* longest interval (default 30 s) */
	int64_t timeout_ms; /* give up after (default 1 h) */
};
void ads_graph_async_poll_init(struct ads_graph_async_poll *p);

/*
 * Polls set_id until it is complete, then reads its requests into out
 * (released first; filled on success, partly on failure). poll may be
 * NULL for the defaults. Gives up with ADS_EUNKNOWN after the timeout
 * (the set goes on at Meta's: wait again). The _submit form calls done
 * once; it fails only for bad arguments.
 */
int ads_graph_async_wait_submit(struct ads_graph *g, const char *set_id,
                                const struct ads_graph_async_poll *poll,
                                struct ads_graph_async_set *out,
                                ads_graph_done_fn done, void *ctx,
                                struct ads_error *err);
int ads_graph_async_wait(struct ads_graph_async_set *out, struct ads_graph *g,
                         const char *set_id,
                         const struct ads_graph_async_poll *poll,
                         struct ads_error *err);

/*
 * Decodes one request object into out (whose contents the caller then
 * releases with ads_graph_async_request_release()); any JSON is accepted.
 */
void ads_graph_async_decode_request(struct ads_graph_async_request *out,
                                    const json_t *req);
void ads_graph_async_request_release(struct ads_graph_async_request *r);

#endif
