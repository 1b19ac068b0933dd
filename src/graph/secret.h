/*
 * The access token and what is derived from it: reading it from a file
 * safely, signing calls with appsecret_proof, and scrubbing it (and the
 * proof and app secret) from everything the client hands out: reporter
 * messages, error messages and response bodies (paging links embed it).
 */
#ifndef ADS_GRAPH_SECRET_H
#define ADS_GRAPH_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/error.h"

/* Larger token files are refused (real tokens are a few hundred bytes). */
#define ADS_GRAPH_TOKEN_FILE_MAX 65536

/*
 * Reads an access token from path into *token (owned by the caller).
 * Refuses (ADS_EAUTH) a file that group or others may read, saying how to
 * fix it (chmod 600), an empty file, or one whose first line holds
 * whitespace or control characters. Surrounding whitespace is trimmed.
 */
int ads_graph_read_token_file(char **token, const char *path,
                              struct ads_error *err);

/* hex(HMAC-SHA256(key = app_secret, msg = token)) (003:L16255-16285). */
void ads_graph_appsecret_proof(const char *app_secret, const char *token,
                               char out[ADS_SHA256_HEX_LEN + 1]);

/*
 * The secrets of one client. Literal occurrences are replaced only for
 * secrets of at least ADS_GRAPH_SECRET_MIN_SCRUB bytes, so that a test
 * token like "t" does not mangle every 't' of a response.
 */
#define ADS_GRAPH_SECRET_MIN_SCRUB 8
#define ADS_GRAPH_REDACTED         "[redacted]"

struct ads_graph_secrets {
	const char *v[3]; /* token, appsecret_proof, app secret; borrowed */
	size_t nr;
};

/*
 * Appends text to out with every secret replaced by "[redacted]", and the
 * values of access_token= / appsecret_proof= / client_secret= parameters
 * (in URLs, forms or JSON) and of "OAuth"/"Bearer" credentials as well,
 * whatever they hold. s may be NULL (parameters are still redacted).
 */
void ads_graph_redact(struct ads_buf *out, const char *text,
                      const struct ads_graph_secrets *s);
/* Like ads_graph_redact() into a new string owned by the caller. */
char *ads_graph_redact_dup(const char *text, const struct ads_graph_secrets *s);
/*
 * Replaces literal secrets inside b (a response body) in place; returns
 * true if it replaced any.
 */
bool ads_graph_scrub(struct ads_buf *b, const struct ads_graph_secrets *s);
/* Redacts every string of err (message, Meta's texts, blame fields). */
void ads_graph_redact_error(struct ads_error *err,
                            const struct ads_graph_secrets *s);

#endif
