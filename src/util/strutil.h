/*
 * String helpers shared by the client and the emulator: URL and form
 * encoding, base64, Graph API time formats, and "did you mean" suggestions.
 */
#ifndef ADS_UTIL_STRUTIL_H
#define ADS_UTIL_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

bool ads_starts_with(const char *s, const char *prefix);
bool ads_ends_with(const char *s, const char *suffix);
/* Whether JSON pointer ptr is base or inside it ("/a/b" in "/a"). */
bool ads_pointer_within(const char *ptr, const char *base);
/* ASCII case-insensitive equality. */
bool ads_str_ieq(const char *a, const char *b);

/* Appends s percent-encoded (RFC 3986 unreserved characters kept). */
void ads_url_encode(struct ads_buf *out, const char *s, size_t len);
/*
 * Decodes %XX escapes and, when plus_is_space, '+' as ' ' in place.
 * Returns the new length; malformed escapes are kept literally.
 */
size_t ads_url_decode(char *s, bool plus_is_space);

void ads_base64_encode(struct ads_buf *out, const void *data, size_t len);
/* Decodes standard base64 (whitespace ignored); false if malformed. */
bool ads_base64_decode(struct ads_buf *out, const char *s, size_t len);

/*
 * Parses the time formats the Marketing API accepts on write
 * (reference/api-semantics.md §11.2; 003:L15170, L15236): ISO 8601 with
 * 'T' or ' ', offsets "+0000", "+00:00", "Z" or a zone name (UTC, GMT,
 * PST, PDT, MST, MDT, CST, CDT, EST, EDT), a bare date (UTC midnight), or
 * UNIX seconds. Returns false if s is none of these.
 */
bool ads_time_parse(const char *s, int64_t *epoch);
/* Formats like Graph read-backs: "2027-03-01T00:00:00+0000" (UTC). */
void ads_time_format(int64_t epoch, char out[32]);

/* Damerau-Levenshtein distance with unit costs (git's levenshtein.c). */
size_t ads_edit_distance(const char *a, const char *b);
/*
 * The candidate closest to word, or NULL if none is close enough to be a
 * plausible typo. Comparison ignores ASCII case. Borrowed from cands.
 */
const char *ads_suggest(const char *word, const char *const *cands,
                        size_t ncands);

#endif
