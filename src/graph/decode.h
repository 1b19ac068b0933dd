/*
 * Decoding what the Graph API sends back, defensively: response bodies
 * (JSON, or the HTML page of a proxy, or half a body), error objects,
 * batch responses with their per-item {code, headers, body} and null
 * items, and pages of an edge. Every function here accepts hostile input
 * and fails with a clear error rather than trusting a shape.
 */
#ifndef ADS_GRAPH_DECODE_H
#define ADS_GRAPH_DECODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "graph/params.h"
#include "util/error.h"

/* What the client does about a failed call (reference/api-semantics §9.2). */
enum ads_graph_class {
	ADS_GRAPH_FAIL = 0, /* permanent: report it */
	ADS_GRAPH_RETRY, /* transient: retry with backoff, within a bound */
	ADS_GRAPH_WAIT, /* throttled: wait for the rate limit, then retry */
	ADS_GRAPH_AUTH, /* credentials refused: abort the whole run */
};

/*
 * Fills err (code ADS_EAPI) from the value of a Graph "error" member:
 * message, type, code, error_subcode, is_transient, error_user_title/msg,
 * fbtrace_id and blame fields from error_data, which may be an object or
 * a JSON-encoded string (sdk-behaviors §1.3). A non-object error (a bare
 * string) becomes the message. context ("GET act_1/ads") prefixes the
 * message when not NULL.
 */
void ads_graph_error_from_json(struct ads_error *err, const json_t *error,
                               long http_status, const char *context);

/*
 * Decodes one HTTP response body. On success *out is the JSON value (a new
 * reference; NULL for an empty 2xx or 304 body) and a bare `true` body (old
 * Graph DELETEs) becomes {"success":true}. Fails with ADS_EAPI when the
 * body is a Graph error object, and with ADS_EHTTP when the body is not
 * JSON (an HTML error page, a truncated body) or the status is an error
 * without a Graph error object. err->http_status is set either way.
 */
int ads_graph_decode_body(json_t **out, long status, const char *body,
                          size_t len, const char *context,
                          struct ads_error *err);

/* How to handle a failure (err must be set). */
enum ads_graph_class ads_graph_classify(const struct ads_error *err);
/* A throttling code (4, 17, 32, 341, 613, 80000-80014 or their subcodes). */
bool ads_graph_code_is_throttle(int code, int subcode);
/*
 * Graph code 1 asking for less data per call ("Please reduce the amount
 * of data you're asking for"): the caller halves its page or chunk size.
 */
bool ads_graph_error_wants_less_data(const struct ads_error *err);
/* Code 960: a batch item that timed out (sdk-behaviors §1.4). */
bool ads_graph_error_is_batch_timeout(const struct ads_error *err);

/* One element of a batch response. */
struct ads_graph_batch_item {
	bool answered; /* false: the element was null or unreadable */
	long code; /* the item's HTTP status */
	struct ads_graph_params headers;
	json_t *body; /* decoded body (owned), NULL if none */
	struct ads_error err; /* set when the item failed or was malformed */
};

/*
 * Decodes a batch response (the top-level value, already parsed) of
 * expected items into *items (an array of expected entries, owned by the
 * caller, free with ads_graph_batch_items_free()). Fails with ADS_EHTTP
 * when the value is not an array of that length. A null element or one
 * that is not an object with an integer code has answered == false and
 * err set (the client then treats its outcome as unknown).
 */
int ads_graph_decode_batch(struct ads_graph_batch_item **items, size_t expected,
                           const json_t *response, const char *context,
                           struct ads_error *err);
void ads_graph_batch_items_free(struct ads_graph_batch_item *items, size_t n);

/*
 * Reads one page of an edge: *data (borrowed) is its "data" array, *next
 * the paging.next URL and *after the paging.cursors.after cursor (both
 * borrowed, NULL when absent). Fails with ADS_EHTTP when the page is not
 * an object with a "data" array or paging has the wrong types.
 */
int ads_graph_decode_page(const json_t *page, json_t **data, const char **next,
                          const char **after, struct ads_error *err);

/*
 * Evaluates a batch-reference JSONPath ("$.id", "$.images.*.hash",
 * "$.data.*.id") on v and appends the matching scalars to out, joined by
 * commas as Graph does. Returns the number of values appended, or -1 when
 * the path is not of that dotted form.
 */
int ads_graph_jsonpath(struct ads_buf *out, const json_t *v, const char *path);

/*
 * Called for each batch reference {result=NAME:PATH} by
 * ads_graph_refs_rewrite(): appends what replaces it to out (ref/reflen
 * is the reference's own text, to keep it) and returns false when it
 * cannot be replaced.
 */
typedef bool (*ads_graph_ref_fn)(void *ctx, struct ads_buf *out,
                                 const char *name, const char *path,
                                 const char *ref, size_t reflen);
/*
 * s with every {result=NAME:PATH} replaced by what fn appends; *ok is
 * cleared if fn failed for one. Owned by the caller.
 */
char *ads_graph_refs_rewrite(const char *s, ads_graph_ref_fn fn, void *ctx,
                             bool *ok);

#endif
