/*
 * The Graph API client: configuration, authentication, and the engine
 * that every call goes through (DESIGN.md §7).
 *
 * Callers describe calls (struct ads_graph_call) and submit them; nothing
 * is sent until ads_graph_run(), which keeps up to max_in_flight HTTP
 * requests going until every submitted call has been answered, calling
 * each call's callback as its answer arrives. Callbacks may submit more
 * calls (the next page, the children of what was just read), so
 * independent work overlaps and dependent work follows as soon as it can.
 *
 * Under the hood the engine:
 *  - packs queued reads into Graph batch requests when there are more of
 *    them than free connections (up to 50 per batch), so that N
 *    independent reads cost about N / (50 * max_in_flight) round trips;
 *  - signs every request (appsecret_proof) and sends the token in the
 *    Authorization header or the POST body, never in a URL;
 *  - retries what failed transiently (reads and idempotent writes) with
 *    jittered exponential backoff, up to max_retries; waits out
 *    throttling through the governor (graph/ratelimit.h);
 *  - never sends a create twice: when no definite answer came back (a
 *    timeout, a dropped connection, a null batch item), the outcome is
 *    ADS_GRAPH_UNKNOWN and the caller decides (by looking up its label);
 *  - answers repeated GETs from the ETag cache on 304;
 *  - scrubs the token and the proof from every body, message and error.
 *
 * Higher-level reads (paging, ids= chunks, edges of many parents) are in
 * graph/read.h, write sets with batch scheduling in graph/write.h, async
 * request sets in graph/async.h. docs/internals/graph.md has the design.
 */
#ifndef ADS_GRAPH_CLIENT_H
#define ADS_GRAPH_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/decode.h"
#include "graph/params.h"
#include "graph/ratelimit.h"
#include "graph/transport.h"
#include "util/error.h"
#include "util/report.h"

#define ADS_GRAPH_DEFAULT_URL "https://graph.facebook.com"
/* Graph's limit on operations per batch (003:L13406). */
#define ADS_GRAPH_BATCH_MAX 50

struct ads_graph_config {
	const char *api_url; /* NULL: ADS_GRAPH_DEFAULT_URL */
	const char *api_version; /* "v25.0" (required) */
	const char *access_token; /* required; copied */
	const char *app_secret; /* NULL: calls are not signed */
	/* The ad account calls are for when their path does not say
	 * ("act_123" or "123"); keys the governor. May be NULL. */
	const char *account;
	unsigned max_in_flight; /* concurrent HTTP requests (default 4) */
	long connect_timeout_ms; /* default 15 s */
	long timeout_ms; /* per HTTP request (default 300 s) */
	unsigned max_retries; /* transient failures per call (default 5) */
	unsigned max_throttle_waits; /* throttled answers per call (10) */
	int64_t backoff_base_ms; /* first retry delay (default 1 s) */
	int64_t backoff_max_ms; /* longest retry delay (default 60 s) */
	size_t max_body; /* largest response accepted (default 64 MiB) */
	unsigned page_size; /* `limit` of list reads (default 200) */
	unsigned read_batch_max; /* reads per batch request (default 50) */
	size_t etag_cache_max; /* bytes of cached bodies; 0 disables */
	struct ads_graph_governor_config governor;
	const struct ads_reporter *reporter; /* -v traces, pauses; borrowed */
	/* NULL: libcurl. Otherwise owned by the client once ads_graph_new()
	 * succeeds (graph/stub.h for tests). */
	struct ads_graph_transport *transport;
	uint64_t seed; /* for backoff jitter; 0 picks one from the clock */
};

/* Fills the defaults; api_version and access_token remain to be set. */
void ads_graph_config_init(struct ads_graph_config *cfg);

struct ads_graph;

/*
 * Creates a client. Fails with ADS_EINVALID for a bad URL (HTTPS is
 * required except to loopback) or version, ADS_EAUTH without a token.
 * *out is owned by the caller (ads_graph_free()).
 */
int ads_graph_new(struct ads_graph **out, const struct ads_graph_config *cfg,
                  struct ads_error *err);
void ads_graph_free(struct ads_graph *g);

enum ads_graph_outcome {
	ADS_GRAPH_OK = 1, /* the call succeeded */
	ADS_GRAPH_FAILED, /* Graph answered with an error; nothing happened */
	ADS_GRAPH_UNKNOWN, /* no definite answer: a write may have happened */
	ADS_GRAPH_SKIPPED, /* never sent: interrupted, or the run aborted */
};

/* The answer to one call, handed to its callback. */
struct ads_graph_result {
	enum ads_graph_outcome outcome;
	enum ads_graph_class cls; /* what the failure calls for */
	long status; /* HTTP status (the item's, in a batch); 0 if none */
	/* The decoded body; owned by the result. A callback that keeps it
	 * takes it (sets body to NULL) or increfs it. */
	json_t *body;
	const char *etag; /* ETag of the answer, or NULL; borrowed */
	bool cached; /* a 304 answered from the ETag cache */
	int64_t retry_after_ms; /* after a throttle: the pause decided */
	struct ads_error err; /* set unless outcome == ADS_GRAPH_OK */
};

typedef void (*ads_graph_result_fn)(void *ctx, struct ads_graph_result *res);

enum ads_graph_call_flags {
	/* May be sent again when no definite answer came (GET, DELETE,
	 * updates). GETs are always idempotent. */
	ADS_GRAPH_IDEMPOTENT = 1 << 0,
	/* Never answer from or store in the ETag cache (polls). */
	ADS_GRAPH_NO_CACHE = 1 << 1,
	/* Send on its own, never inside a batch. */
	ADS_GRAPH_NO_BATCH = 1 << 2,
	/* Hand "reduce the amount of data" errors (code 1) to the callback
	 * at once instead of retrying: the caller asks for less. */
	ADS_GRAPH_SHRINKABLE = 1 << 3,
};

/* One call. Strings are copied by the submit functions. */
struct ads_graph_call {
	const char *method; /* "GET" (default when NULL), "POST", "DELETE" */
	/* Relative to the versioned base, without a leading slash:
	 * "act_1/campaigns", "120001", "" (the root, for ids=). */
	const char *path;
	const struct ads_graph_params *params; /* may be NULL */
	unsigned flags; /* enum ads_graph_call_flags */
	/* Batch item name, for {result=NAME:...} references. */
	const char *name;
	/* The ad account ("act_1" or "1"); NULL: from path or config. */
	const char *account;
	/* Consecutive throttles this call already met (for the backoff of
	 * callers that retry themselves, i.e. graph/write.c). */
	unsigned throttles;
	/* Not sent before this many milliseconds from now (a retry). */
	int64_t delay_ms;
	ads_graph_result_fn fn; /* may be NULL */
	void *ctx;
};

/*
 * Queues one call; the engine may batch it with other reads and retries
 * it as described above. Fails only when the client can take no more
 * calls (after an authentication failure: ADS_EAUTH).
 */
int ads_graph_submit(struct ads_graph *g, const struct ads_graph_call *call,
                     struct ads_error *err);
/*
 * Queues n calls (1..50) that must travel together in one batch request,
 * in this order: {result=NAME:...} references between them are resolved
 * by Graph (003:L13513). The engine neither splits, merges nor retries
 * them: every callback gets its call's outcome (OK, FAILED with cls, or
 * UNKNOWN) and the caller decides. graph/write.h builds on this.
 */
int ads_graph_submit_batch(struct ads_graph *g,
                           const struct ads_graph_call *calls, size_t n,
                           struct ads_error *err);

/*
 * Sends queued calls until all are answered, calling their callbacks.
 * Returns 0, or ADS_EAUTH when Meta refused the credentials (every call
 * not yet answered is then SKIPPED, and the client stays unusable), or
 * ADS_EINTR when ads_interrupt_request() was called (calls in flight are
 * finished, the others SKIPPED). Not reentrant: callbacks submit, never
 * run.
 */
int ads_graph_run(struct ads_graph *g, struct ads_error *err);

/*
 * Synchronous helpers: submit one call, run, and return its body (a new
 * reference in *out, NULL for an empty body; out may be NULL) or its
 * error. A POST whose outcome is unknown fails with ADS_EUNKNOWN.
 */
int ads_graph_get(json_t **out, struct ads_graph *g, const char *path,
                  const struct ads_graph_params *params, struct ads_error *err);
int ads_graph_post(json_t **out, struct ads_graph *g, const char *path,
                   const struct ads_graph_params *params, unsigned flags,
                   struct ads_error *err);
int ads_graph_delete(json_t **out, struct ads_graph *g, const char *path,
                     const struct ads_graph_params *params,
                     struct ads_error *err);
/* The error code for a failed result (ADS_EUNKNOWN, the API error...). */
int ads_graph_result_errcode(const struct ads_graph_result *res);

/* What the client did so far (for -v summaries and benchmarks). */
struct ads_graph_stats {
	size_t calls; /* logical calls answered */
	size_t http_requests; /* HTTP requests sent */
	size_t batch_requests; /* of which Graph batches */
	size_t retries; /* calls sent again after a transient failure */
	size_t throttled; /* throttled answers */
	size_t cache_hits; /* 304s answered from the ETag cache */
	/* Sequential round trips: the longest chain of HTTP requests each
	 * sent after an answer it may depend on (a call submitted from a
	 * callback, or after ads_graph_run() returned, follows what was
	 * answered before it). */
	size_t round_trips;
	size_t bytes_received; /* response bodies */
	int64_t paused_ms; /* time spent with nothing to send */
};
void ads_graph_get_stats(const struct ads_graph *g, struct ads_graph_stats *st);

/* Settings other graph/ modules read. */
const struct ads_graph_config *ads_graph_config_of(const struct ads_graph *g);
const struct ads_reporter *ads_graph_reporter(const struct ads_graph *g);
/* The client's monotonic clock (the transport's; virtual in tests). */
int64_t ads_graph_now(const struct ads_graph *g);
/* A jittered exponential backoff for the attempt-th retry (1-based). */
int64_t ads_graph_backoff_ms(struct ads_graph *g, unsigned attempt);
/*
 * The backoff for the attempt-th retry (1-based) of a call that failed
 * with a transient error (why), and the user told of it: every retry at
 * -v; from the second retry of a call on, at normal verbosity too, at most
 * one line per ADS_GRAPH_RETRY_NOTICE_MS, so that a run waiting on an
 * unreachable or failing server never sits silent.
 */
#define ADS_GRAPH_RETRY_NOTICE_MS 5000
int64_t ads_graph_retry_delay(struct ads_graph *g, unsigned attempt,
                              const char *why);
/* Redacts the client's secrets from text (graph/secret.h). Owned. */
char *ads_graph_redact_text(const struct ads_graph *g, const char *text);
/*
 * Turns a paging link (paging.next) into a path and parameters relative to
 * the versioned base, after checking that it points back at the client's
 * own server (the token must not follow a link elsewhere). The link's
 * access_token and appsecret_proof are dropped: the client adds its own.
 * *path is owned by the caller; params are appended to.
 */
int ads_graph_split_link(char **path, struct ads_graph_params *params,
                         const struct ads_graph *g, const char *url,
                         struct ads_error *err);
/* "act_123" -> "123"; NULL when path names no ad account. Owned. */
char *ads_graph_account_of_path(const char *path);

#endif
