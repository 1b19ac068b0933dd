/*
 * struct ads_graph_params: an ordered list of key/value strings. Graph
 * requests carry their parameters in one (query string for GET and DELETE,
 * form body for POST), and HTTP responses their headers.
 */
#ifndef ADS_GRAPH_PARAMS_H
#define ADS_GRAPH_PARAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct ads_graph_param {
	char *key; /* owned */
	char *value; /* owned */
};

struct ads_graph_params {
	struct ads_graph_param *v;
	size_t nr, alloc;
};
#define ADS_GRAPH_PARAMS_INIT \
	{                     \
		NULL, 0, 0    \
	}

void ads_graph_params_init(struct ads_graph_params *p);
void ads_graph_params_release(struct ads_graph_params *p);
/* Replaces dst (released first) with a deep copy of src (may be NULL). */
void ads_graph_params_copy(struct ads_graph_params *dst,
                           const struct ads_graph_params *src);

/* Sets key to a copy of value, replacing the first existing value. */
void ads_graph_params_set(struct ads_graph_params *p, const char *key,
                          const char *value);
void ads_graph_params_setf(struct ads_graph_params *p, const char *key,
                           const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/*
 * Sets key to the compact JSON encoding of v: Graph takes structured
 * parameters (targeting, filtering, effective_status...) as JSON strings
 * inside form fields (reference/api-semantics.md §1).
 */
void ads_graph_params_set_json(struct ads_graph_params *p, const char *key,
                               const json_t *v);
/*
 * Sets every member of the JSON object obj (NULL or not an object: none):
 * strings as they are, every other value as ads_graph_params_set_json
 * encodes it. How a request described in JSON (a plan's parameters)
 * becomes Graph form fields.
 */
void ads_graph_params_set_object(struct ads_graph_params *p, const json_t *obj);
/* Appends key=value even if key exists (HTTP headers may repeat). */
void ads_graph_params_add(struct ads_graph_params *p, const char *key,
                          const char *value);
/* Appends a header line "Name: value" split at the first colon. */
void ads_graph_params_add_header_line(struct ads_graph_params *p,
                                      const char *line, size_t len);
/* The first value of key (exact match), or NULL. Borrowed. */
const char *ads_graph_params_get(const struct ads_graph_params *p,
                                 const char *key);
/* The first value of key compared ASCII case-insensitively (headers). */
const char *ads_graph_params_iget(const struct ads_graph_params *p,
                                  const char *key);
/* Removes every entry of key; returns whether one was removed. */
bool ads_graph_params_remove(struct ads_graph_params *p, const char *key);

/*
 * Appends "k1=v1&k2=v2" percent-encoded (RFC 3986). With keep_refs, batch
 * references "{result=NAME:JSONPATH}" inside values are kept literal so
 * that Graph can substitute them (003:L13513-13527, L17195).
 */
void ads_graph_params_encode(struct ads_buf *out,
                             const struct ads_graph_params *p, bool keep_refs);
/*
 * Appends the pairs of a query string ("a=1&b=%20") to p, decoding
 * percent escapes and '+'.
 */
void ads_graph_params_parse_query(struct ads_graph_params *p,
                                  const char *query);

#endif
