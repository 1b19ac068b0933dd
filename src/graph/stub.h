/*
 * A transport that answers from a function instead of a socket, on a
 * virtual clock: the unit tests of graph/ and of the layers above it
 * (live/, apply/) script Graph's answers with it, check the requests sent,
 * and count round trips, without a server and without waiting for
 * backoffs or rate-limit pauses to pass.
 *
 * Every request started is "in flight" until the client next waits; then
 * all of them are answered in the order they were started, as one round
 * trip that takes latency_ms of virtual time. With nothing in flight, a
 * wait just advances the clock.
 */
#ifndef ADS_GRAPH_STUB_H
#define ADS_GRAPH_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/params.h"
#include "graph/transport.h"
#include "util/buf.h"

/*
 * Answers req by filling resp (status 200 and an empty body unless set).
 * Setting resp->error simulates a transport failure (with not_sent or
 * timed_out as needed). req and its strings live for the call only.
 */
typedef void (*ads_graph_stub_fn)(void *ctx, const struct ads_http_request *req,
                                  struct ads_http_response *resp);

struct ads_graph_stub_stats {
	size_t requests; /* HTTP requests answered */
	size_t rounds; /* waits that answered at least one request */
	size_t max_in_flight; /* most requests answered in one round */
	int64_t now_ms; /* the virtual clock */
};

/*
 * A fake Graph on top of the stub: it undoes the client's encoding so the
 * handler sees one logical call at a time, whether it came alone or
 * inside a batch, with its parameters decoded and {result=NAME:PATH}
 * references already replaced by earlier items' answers (003:L13513).
 */
struct ads_graph_fake_call {
	const char *method; /* of the call (not of the batch POST) */
	const char *path; /* without version or leading slash: "act_1/ads" */
	struct ads_graph_params params; /* query and form parameters */
	struct ads_graph_params headers; /* item or request headers */
	const char *token; /* the access token that came with it, or NULL */
	const char *proof; /* appsecret_proof, or NULL */
	bool in_batch;
	size_t index; /* position in the batch */
	size_t batch_size; /* 0 when not in a batch */
};

struct ads_graph_fake_answer {
	long status; /* default 200 */
	struct ads_graph_params headers;
	struct ads_buf body; /* JSON text */
	bool null_item; /* in a batch: the element is null (timed out) */
	bool drop; /* the connection drops after the call took effect */
};

typedef void (*ads_graph_fake_fn)(void *ctx,
                                  const struct ads_graph_fake_call *call,
                                  struct ads_graph_fake_answer *ans);
/*
 * Before the calls of a request are handled: may fail the whole request
 * (status, body) or its transfer (resp->error), e.g. a throttled batch.
 * Return true when resp is the answer. May be NULL.
 */
typedef bool (*ads_graph_fake_request_fn)(void *ctx,
                                          const struct ads_http_request *req,
                                          struct ads_http_response *resp);

/* A stub transport serving fn as Graph would; *out owned by the caller. */
void ads_graph_transport_fake_new(struct ads_graph_transport **out,
                                  ads_graph_fake_fn fn,
                                  ads_graph_fake_request_fn on_request,
                                  void *ctx);

/* A new stub transport calling fn(ctx, ...); *out owned by the caller. */
void ads_graph_transport_stub_new(struct ads_graph_transport **out,
                                  ads_graph_stub_fn fn, void *ctx);
/* Virtual time each round trip takes (default 10 ms). */
void ads_graph_stub_set_latency(struct ads_graph_transport *t,
                                int64_t latency_ms);
void ads_graph_stub_get_stats(const struct ads_graph_transport *t,
                              struct ads_graph_stub_stats *st);

#endif
