/*
 * The HTTP seam of the Graph client: a small vtable that starts requests
 * and reports finished ones, with its own clock. The real one drives
 * libcurl's multi interface (several transfers in flight, keep-alive,
 * HTTP/2 multiplexing where the server offers it); graph/stub.h answers
 * from a function with a virtual clock, so tests need no sockets and no
 * waiting.
 */
#ifndef ADS_GRAPH_TRANSPORT_H
#define ADS_GRAPH_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/params.h"
#include "util/buf.h"
#include "util/error.h"

struct ads_http_request {
	const char *method; /* "GET", "POST", "DELETE" */
	const char *url; /* absolute */
	const struct ads_graph_params *headers; /* name -> value; may be NULL */
	const char *body; /* form body or NULL */
	size_t body_len;
	long timeout_ms; /* whole transfer; 0 = none */
	long connect_timeout_ms;
	size_t max_body; /* larger responses fail with ADS_ETOOBIG */
	/*
	 * The request may change something on the server (any method but
	 * GET, or a batch holding one): it must reach the server at most
	 * once per start(). The curl transport sends it over a connection
	 * of its own, never a reused one: libcurl resends a request by
	 * itself when a reused connection dies before any byte of the
	 * answer, which the server may have executed already.
	 */
	bool may_write;
};

struct ads_http_response {
	long status; /* 0 when no response arrived */
	struct ads_graph_params headers;
	struct ads_buf body;
	int error; /* 0, or ADS_EHTTP / ADS_ETOOBIG when the transfer failed */
	bool not_sent; /* failed before the request reached the server */
	bool timed_out;
	char *errmsg; /* what failed, for humans; owned */
	int64_t elapsed_ms;
};

void ads_http_response_init(struct ads_http_response *r);
void ads_http_response_release(struct ads_http_response *r);

/*
 * Called once per finished transfer with the tag given to start(). resp
 * belongs to the transport and is released after the call returns; the
 * callee may take its contents (e.g. swap the body out).
 */
typedef void (*ads_graph_transport_done_fn)(void *arg, void *tag,
                                            struct ads_http_response *resp);

struct ads_graph_transport_ops {
	/* Starts req (copied; the caller's strings may go away). */
	int (*start)(void *ctx, const struct ads_http_request *req, void *tag,
	             struct ads_error *err);
	/*
	 * Runs transfers for at most timeout_ms (0: do not block) and calls
	 * done for each transfer that finished. With nothing in flight it
	 * just lets the time pass.
	 */
	void (*wait)(void *ctx, int64_t timeout_ms,
	             ads_graph_transport_done_fn done, void *arg);
	/* A monotonic clock in milliseconds. */
	int64_t (*now_ms)(void *ctx);
	/* Aborts what is in flight and frees ctx. */
	void (*free)(void *ctx);
};

struct ads_graph_transport {
	const struct ads_graph_transport_ops *ops;
	void *ctx;
};

/*
 * The libcurl transport. max_connections bounds the connections per host
 * (the client's in-flight limit). Reads reuse kept-alive connections;
 * requests with may_write open a new one (see above), which later reads
 * may reuse. *out is owned by the caller.
 */
int ads_graph_transport_curl_new(struct ads_graph_transport **out,
                                 unsigned max_connections,
                                 struct ads_error *err);
/* Frees any transport; accepts NULL. */
void ads_graph_transport_free(struct ads_graph_transport *t);

#endif
