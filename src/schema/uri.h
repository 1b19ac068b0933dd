/*
 * URI references and JSON Pointers as JSON Schema uses them: resolving a
 * $ref or $id against its base URI (RFC 3986 §5.2) and walking a pointer
 * fragment (RFC 6901) through a document. Private to src/schema/.
 */
#ifndef ADS_SCHEMA_URI_H
#define ADS_SCHEMA_URI_H

#include <jansson.h>
#include <stdbool.h>

#include "util/buf.h"

/*
 * Resolves ref against base (RFC 3986 §5.2.2, with dot segments removed).
 * base may be relative or empty; then the result is as relative as they
 * are. An empty fragment ("x#") is dropped. Returns an owned string.
 */
char *ads_schema_uri_resolve(const char *base, const char *ref);

/*
 * Splits uri at its first '#': returns an owned copy of the part before it
 * and points *frag into uri after the '#' (or at "" when there is none).
 */
char *ads_schema_uri_split(const char *uri, const char **frag);

/*
 * The value at JSON Pointer ptr ("" or "/a/0/b", ~0 and ~1 unescaped) under
 * root, or NULL when it leads nowhere. Borrowed from root.
 */
const json_t *ads_schema_pointer_get(const json_t *root, const char *ptr);

/* Appends "/" and token escaped for a JSON Pointer (~ as ~0, / as ~1). */
void ads_schema_pointer_push(struct ads_buf *out, const char *token);

#endif
