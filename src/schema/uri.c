/*
 * RFC 3986 reference resolution and RFC 6901 JSON Pointers for the schema
 * compiler. Only the compiler calls these: validation never parses a URI.
 */
#include "schema/uri.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* The five components of a URI reference; each part is a slice of it. */
struct slice {
	const char *p;
	size_t len;
	bool set;
};

struct uriref {
	struct slice scheme, authority, path, query, fragment;
};

static struct slice mkslice(const char *p, size_t len)
{
	struct slice s = { p, len, true };

	return s;
}

static void parse(struct uriref *u, const char *s)
{
	const char *p = s, *end;

	memset(u, 0, sizeof(*u));
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (isalpha((unsigned char)*p)) {
		const char *q = p + 1;

		while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' ||
		       *q == '.')
			q++;
		if (*q == ':') {
			u->scheme = mkslice(p, (size_t)(q - p));
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		end = p + strcspn(p, "/?#");
		u->authority = mkslice(p, (size_t)(end - p));
		p = end;
	}
	end = p + strcspn(p, "?#");
	u->path = mkslice(p, (size_t)(end - p));
	p = end;
	if (*p == '?') {
		p++;
		end = p + strcspn(p, "#");
		u->query = mkslice(p, (size_t)(end - p));
		p = end;
	}
	if (*p == '#') {
		p++;
		u->fragment = mkslice(p, strlen(p));
	}
}

/* Drops the last segment (and its '/') written to out after base. */
static void drop_last_segment(struct ads_buf *out, size_t base)
{
	size_t i = out->len;

	while (i > base && out->buf[i - 1] != '/')
		i--;
	ads_buf_setlen(out, i > base ? i - 1 : base);
}

/* RFC 3986 §5.2.4, appending the result to out. */
static void remove_dot_segments(struct ads_buf *out, const char *in, size_t len)
{
	char *buf = xstrndup(in, len);
	char *p = buf;
	size_t base = out->len;

	while (*p) {
		if (!strncmp(p, "../", 3)) {
			p += 3;
		} else if (!strncmp(p, "./", 2)) {
			p += 2;
		} else if (!strncmp(p, "/./", 3)) {
			p += 2;
		} else if (!strcmp(p, "/.")) {
			p[1] = '\0';
		} else if (!strncmp(p, "/../", 4)) {
			p += 3;
			drop_last_segment(out, base);
		} else if (!strcmp(p, "/..")) {
			p += 2;
			*p = '/';
			drop_last_segment(out, base);
		} else if (!strcmp(p, ".") || !strcmp(p, "..")) {
			break;
		} else {
			size_t n = (*p == '/') + strcspn(p + (*p == '/'), "/");

			ads_buf_add(out, p, n);
			p += n;
		}
	}
	free(buf);
}

static void add_slice(struct ads_buf *b, const struct slice *s)
{
	ads_buf_add(b, s->p, s->len);
}

char *ads_schema_uri_resolve(const char *base, const char *ref)
{
	struct uriref b, r;
	struct ads_buf out = ADS_BUF_INIT;
	const struct slice *scheme, *authority, *query;

	parse(&b, base);
	parse(&r, ref);
	if (r.scheme.set) {
		scheme = &r.scheme;
		authority = &r.authority;
		query = &r.query;
	} else {
		scheme = &b.scheme;
		if (r.authority.set) {
			authority = &r.authority;
			query = &r.query;
		} else {
			authority = &b.authority;
			query = (r.path.len || r.query.set) ? &r.query
			                                    : &b.query;
		}
	}
	if (scheme->set) {
		for (size_t i = 0; i < scheme->len; i++)
			ads_buf_addch(&out,
			              tolower((unsigned char)scheme->p[i]));
		ads_buf_addch(&out, ':');
	}
	if (authority->set) {
		ads_buf_addstr(&out, "//");
		add_slice(&out, authority);
	}
	if (r.scheme.set || r.authority.set ||
	    (r.path.len && r.path.p[0] == '/')) {
		remove_dot_segments(&out, r.path.p, r.path.len);
	} else if (!r.path.len) {
		add_slice(&out, &b.path);
	} else {
		/* §5.2.3 merge: the base path up to its last '/' + ref */
		struct ads_buf merged = ADS_BUF_INIT;
		const char *slash = NULL;

		for (size_t i = 0; i < b.path.len; i++)
			if (b.path.p[i] == '/')
				slash = b.path.p + i;
		if (b.authority.set && !b.path.len)
			ads_buf_addch(&merged, '/');
		else if (slash)
			ads_buf_add(&merged, b.path.p,
			            (size_t)(slash - b.path.p) + 1);
		add_slice(&merged, &r.path);
		remove_dot_segments(&out, merged.buf, merged.len);
		ads_buf_release(&merged);
	}
	if (query->set) {
		ads_buf_addch(&out, '?');
		add_slice(&out, query);
	}
	if (r.fragment.set && r.fragment.len) {
		ads_buf_addch(&out, '#');
		add_slice(&out, &r.fragment);
	}
	return ads_buf_detach(&out, NULL);
}

char *ads_schema_uri_split(const char *uri, const char **frag)
{
	const char *hash = strchr(uri, '#');

	if (!hash) {
		*frag = uri + strlen(uri);
		return xstrdup(uri);
	}
	*frag = hash + 1;
	return xstrndup(uri, (size_t)(hash - uri));
}

/* Parses an array index token: digits only, no leading zero. */
static bool parse_index(const char *tok, size_t *out)
{
	size_t v = 0;

	if (!*tok || (tok[0] == '0' && tok[1]))
		return false;
	for (; *tok; tok++) {
		if (!isdigit((unsigned char)*tok) || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*tok - '0');
	}
	*out = v;
	return true;
}

const json_t *ads_schema_pointer_get(const json_t *root, const char *ptr)
{
	struct ads_buf tok = ADS_BUF_INIT;
	const json_t *cur = root;

	if (*ptr && *ptr != '/')
		return NULL;
	while (cur && *ptr == '/') {
		size_t idx;

		ptr++;
		ads_buf_reset(&tok);
		for (; *ptr && *ptr != '/'; ptr++) {
			if (*ptr == '~' && ptr[1] == '0')
				ads_buf_addch(&tok, '~'), ptr++;
			else if (*ptr == '~' && ptr[1] == '1')
				ads_buf_addch(&tok, '/'), ptr++;
			else
				ads_buf_addch(&tok, *ptr);
		}
		if (json_is_object(cur))
			cur = json_object_get(cur, tok.buf);
		else if (json_is_array(cur) && parse_index(tok.buf, &idx))
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
	}
	ads_buf_release(&tok);
	return cur;
}

void ads_schema_pointer_push(struct ads_buf *out, const char *token)
{
	ads_buf_addch(out, '/');
	for (; *token; token++) {
		if (*token == '~')
			ads_buf_addstr(out, "~0");
		else if (*token == '/')
			ads_buf_addstr(out, "~1");
		else
			ads_buf_addch(out, *token);
	}
}
