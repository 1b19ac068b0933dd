/* Token files, appsecret_proof and redaction of secrets (secret.h). */
#include "graph/secret.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/strutil.h"
#include "util/xalloc.h"

int ads_graph_read_token_file(char **token, const char *path,
                              struct ads_error *err)
{
	struct ads_buf b = ADS_BUF_INIT;
	struct stat st;
	int fd, ret = 0;
	ssize_t n;

	/* Open first, then fstat: no window between the check and the read. */
	fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return ads_error_set(err,
		                     errno == ENOENT ? ADS_ENOTFOUND : ADS_EIO,
		                     "cannot open token file '%s': %s", path,
		                     strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = ads_error_set(err, ADS_EIO,
		                    "cannot read token file '%s': %s", path,
		                    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = ads_error_set(err, ADS_EAUTH,
		                    "token file '%s' is not a regular file",
		                    path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		ret = ads_error_set(
		        err, ADS_EAUTH,
		        "token file '%s' is accessible by group or others "
		        "(mode %03o); restrict it with 'chmod 600 %s'",
		        path, (unsigned)(st.st_mode & 0777), path);
		goto out;
	}
	for (;;) {
		ads_buf_grow(&b, 4096);
		n = read(fd, b.buf + b.len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = ads_error_set(err, ADS_EIO,
			                    "cannot read token file '%s': %s",
			                    path, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		ads_buf_setlen(&b, b.len + (size_t)n);
		if (b.len > ADS_GRAPH_TOKEN_FILE_MAX) {
			ret = ads_error_set(
			        err, ADS_EAUTH,
			        "token file '%s' is larger than %d "
			        "bytes; it should hold only the token",
			        path, ADS_GRAPH_TOKEN_FILE_MAX);
			goto out;
		}
	}
	ads_buf_trim(&b);
	if (!b.len) {
		ret = ads_error_set(err, ADS_EAUTH, "token file '%s' is empty",
		                    path);
		goto out;
	}
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.buf[i];

		if (isspace(c) || iscntrl(c)) {
			ret = ads_error_set(
			        err, ADS_EAUTH,
			        "token file '%s' holds more than one "
			        "word; it should hold only the token",
			        path);
			goto out;
		}
	}
	*token = ads_buf_detach(&b, NULL);
out:
	/* The buffer held the token: wipe it before freeing. */
	if (b.alloc)
		memset(b.buf, 0, b.alloc);
	ads_buf_release(&b);
	close(fd);
	return ret;
}

void ads_graph_appsecret_proof(const char *app_secret, const char *token,
                               char out[ADS_SHA256_HEX_LEN + 1])
{
	ads_hmac_sha256_hex(app_secret, strlen(app_secret), token,
	                    strlen(token), out);
}

/* Parameter names whose values are always redacted, whatever they are. */
static const char *const secret_params[] = {
	"access_token",      "appsecret_proof", "client_secret",
	"fb_exchange_token", "input_token",
};

/* Length of a credential value starting at s (up to a delimiter). */
static size_t value_len(const char *s)
{
	size_t n = 0;

	while (s[n] && !isspace((unsigned char)s[n]) &&
	       !strchr("&\"'<>#,;()[]{}\\", s[n]))
		n++;
	return n;
}

/*
 * If a parameter assignment "name=" or a JSON member "name": "..." or an
 * "OAuth x"/"Bearer x" credential starts at s, returns the length of the
 * prefix to keep and sets *vlen to the length of the value to redact.
 */
static size_t match_credential(const char *s, size_t *vlen)
{
	for (size_t i = 0; i < ADS_ARRAY_SIZE(secret_params); i++) {
		size_t n = strlen(secret_params[i]);
		const char *p = s + n;

		if (strncasecmp(s, secret_params[i], n))
			continue;
		if (*p == '=') {
			*vlen = value_len(p + 1);
			return n + 1;
		}
		if (*p == '"' || *p == '\'') {
			p++;
			while (*p == ' ')
				p++;
			if (*p != ':')
				continue;
			p++;
			while (*p == ' ')
				p++;
			if (*p != '"' && *p != '\'')
				continue;
			p++;
			*vlen = value_len(p);
			return (size_t)(p - s);
		}
	}
	if (!strncasecmp(s, "OAuth ", 6) || !strncasecmp(s, "Bearer ", 7)) {
		size_t n = s[0] == 'O' || s[0] == 'o' ? 6 : 7;

		*vlen = value_len(s + n);
		/* "OAuth Exception" in prose is not a credential: tokens are
		 * long. */
		return *vlen >= 16 ? n : 0;
	}
	return 0;
}

static const char *find_secret(const char *text,
                               const struct ads_graph_secrets *s, size_t *len)
{
	const char *best = NULL;

	for (size_t i = 0; s && i < s->nr; i++) {
		const char *hit;
		size_t n;

		if (!s->v[i])
			continue;
		n = strlen(s->v[i]);
		if (n < ADS_GRAPH_SECRET_MIN_SCRUB)
			continue;
		hit = strstr(text, s->v[i]);
		if (hit && (!best || hit < best)) {
			best = hit;
			*len = n;
		}
	}
	return best;
}

void ads_graph_redact(struct ads_buf *out, const char *text,
                      const struct ads_graph_secrets *s)
{
	struct ads_buf tmp = ADS_BUF_INIT;
	const char *p;
	size_t len = 0;

	/* First every literal secret, wherever it hides. */
	while ((p = find_secret(text, s, &len))) {
		ads_buf_add(&tmp, text, (size_t)(p - text));
		ads_buf_addstr(&tmp, ADS_GRAPH_REDACTED);
		text = p + len;
	}
	ads_buf_addstr(&tmp, text);

	/* Then the values of credential parameters, whatever they hold. */
	p = tmp.buf;
	while (*p) {
		size_t vlen = 0, keep = 0;

		if (p == tmp.buf || !isalnum((unsigned char)p[-1]))
			keep = match_credential(p, &vlen);
		if (keep && vlen &&
		    strncmp(p + keep, ADS_GRAPH_REDACTED,
		            strlen(ADS_GRAPH_REDACTED))) {
			ads_buf_add(out, p, keep);
			ads_buf_addstr(out, ADS_GRAPH_REDACTED);
			p += keep + vlen;
			continue;
		}
		if (keep) {
			ads_buf_add(out, p, keep);
			p += keep;
			continue;
		}
		ads_buf_addch(out, *p++);
	}
	ads_buf_release(&tmp);
}

char *ads_graph_redact_dup(const char *text, const struct ads_graph_secrets *s)
{
	struct ads_buf b = ADS_BUF_INIT;

	ads_graph_redact(&b, text ? text : "", s);
	return ads_buf_detach(&b, NULL);
}

/* find_bytes() is a GNU extension; this is all we need of it. */
static const char *find_bytes(const char *hay, size_t hlen, const char *needle,
                              size_t nlen)
{
	const char *p = hay, *end = hay + hlen;

	if (!nlen || hlen < nlen)
		return NULL;
	while ((p = memchr(p, needle[0], (size_t)(end - p))) &&
	       (size_t)(end - p) >= nlen) {
		if (!memcmp(p, needle, nlen))
			return p;
		p++;
	}
	return NULL;
}

/* Replaces literal secrets in b, NUL bytes and all; true if any. */
static bool scrub_literals(struct ads_buf *b, const struct ads_graph_secrets *s)
{
	bool found = false;

	for (size_t i = 0; s && i < s->nr; i++) {
		struct ads_buf out = ADS_BUF_INIT;
		const char *p, *start;
		size_t n;

		if (!s->v[i] ||
		    (n = strlen(s->v[i])) < ADS_GRAPH_SECRET_MIN_SCRUB)
			continue;
		start = b->buf;
		while ((p = find_bytes(start, b->len - (size_t)(start - b->buf),
		                       s->v[i], n))) {
			ads_buf_add(&out, start, (size_t)(p - start));
			ads_buf_addstr(&out, ADS_GRAPH_REDACTED);
			start = p + n;
		}
		if (start == b->buf) {
			ads_buf_release(&out);
			continue;
		}
		ads_buf_add(&out, start, b->len - (size_t)(start - b->buf));
		ads_buf_release(b);
		*b = out;
		found = true;
	}
	return found;
}

bool ads_graph_scrub(struct ads_buf *b, const struct ads_graph_secrets *s)
{
	bool found, params = false;
	char *clean;

	if (!b->len)
		return false;
	found = scrub_literals(b, s);
	for (size_t i = 0; i < ADS_ARRAY_SIZE(secret_params) && !params; i++)
		params = find_bytes(b->buf, b->len, secret_params[i],
		                    strlen(secret_params[i])) != NULL;
	/* A body with NUL bytes is not JSON and is never shown; only
	 * NUL-free text goes through the parameter redaction. */
	if (!params || memchr(b->buf, '\0', b->len))
		return found;
	clean = ads_graph_redact_dup(b->buf, s);
	if (strcmp(clean, b->buf))
		found = true;
	ads_buf_reset(b);
	ads_buf_addstr(b, clean);
	free(clean);
	return found;
}

static void redact_field(char **field, const struct ads_graph_secrets *s)
{
	char *clean;

	if (!*field)
		return;
	clean = ads_graph_redact_dup(*field, s);
	free(*field);
	*field = clean;
}

void ads_graph_redact_error(struct ads_error *err,
                            const struct ads_graph_secrets *s)
{
	if (!err)
		return;
	redact_field(&err->msg, s);
	redact_field(&err->file, s);
	redact_field(&err->api_type, s);
	redact_field(&err->api_user_title, s);
	redact_field(&err->api_user_msg, s);
	redact_field(&err->fbtrace_id, s);
	redact_field(&err->api_blame, s);
}
