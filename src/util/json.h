/* jansson helpers used across layers. */
#ifndef ADS_UTIL_JSON_H
#define ADS_UTIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"

/*
 * Parses len bytes of JSON (any value at the top, duplicate keys refused).
 * On success *out is a new reference owned by the caller. On failure err
 * says "line L column C: what", prefixed with what (may be NULL).
 */
int ads_json_parse(json_t **out, const char *data, size_t len, const char *what,
                   struct ads_error *err);
/* Reads and parses a file of at most max bytes (0 = no limit). */
int ads_json_load_file(json_t **out, const char *path, size_t max,
                       struct ads_error *err);
/* Appends the compact, key-sorted encoding of v (a canonical form). */
void ads_json_dump_canonical(struct ads_buf *out, const json_t *v);
/* Appends the indented, key-ordered encoding of v followed by '\n'. */
void ads_json_dump_pretty(struct ads_buf *out, const json_t *v);
/* The string member key of obj, or NULL if absent or not a string. */
const char *ads_json_str(const json_t *obj, const char *key);
/*
 * Reads an integer that may be a JSON integer, a real with no fraction, or
 * a numeric string (Graph returns budgets as "20000"). False otherwise.
 */
bool ads_json_as_int64(const json_t *v, int64_t *out);
/*
 * v without const, for jansson's iteration and lookup functions, which
 * take non-const values even when they only read: callers must not
 * change what they get.
 */
json_t *ads_json_mut(const json_t *v);
/* SHA-256 hex of the canonical encoding of v. */
void ads_json_digest(const json_t *v, char out[65]);

#endif
