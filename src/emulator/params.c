/*
 * Request parameter parsing for the emulator: query strings, urlencoded
 * and multipart/form-data bodies, and JSON bodies (see params.h).
 */
#include "emulator/params.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/strutil.h"
#include "util/xalloc.h"

void emu_params_init(struct emu_params *p)
{
	p->v = NULL;
	p->nr = p->alloc = 0;
}

void emu_params_release(struct emu_params *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		free(p->v[i].key);
		free(p->v[i].val);
		free(p->v[i].filename);
	}
	free(p->v);
	emu_params_init(p);
}

void emu_params_add(struct emu_params *p, const char *key, const char *val,
                    size_t len, const char *filename)
{
	struct emu_param_kv *kv;

	ADS_ALLOC_GROW(p->v, p->nr + 1, p->alloc);
	kv = &p->v[p->nr++];
	kv->key = xstrdup(key);
	kv->val = xmalloc(len + 1);
	memcpy(kv->val, val, len);
	kv->val[len] = '\0';
	kv->len = len;
	kv->filename = filename ? xstrdup(filename) : NULL;
}

void emu_params_remove(struct emu_params *p, const char *key)
{
	size_t j = 0;

	for (size_t i = 0; i < p->nr; i++) {
		if (!strcmp(p->v[i].key, key)) {
			free(p->v[i].key);
			free(p->v[i].val);
			free(p->v[i].filename);
			continue;
		}
		p->v[j++] = p->v[i];
	}
	p->nr = j;
}

void emu_params_set(struct emu_params *p, const char *key, const char *val)
{
	emu_params_remove(p, key);
	emu_params_add(p, key, val, strlen(val), NULL);
}

const char *emu_params_get(const struct emu_params *p, const char *key)
{
	for (size_t i = p->nr; i-- > 0;)
		if (!p->v[i].filename && !strcmp(p->v[i].key, key))
			return p->v[i].val;
	return NULL;
}

const struct emu_param_kv *emu_params_file(const struct emu_params *p,
                                           const char *key)
{
	for (size_t i = p->nr; i-- > 0;)
		if (p->v[i].filename && !strcmp(p->v[i].key, key))
			return &p->v[i];
	return NULL;
}

void emu_params_copy(struct emu_params *dst, const struct emu_params *src)
{
	for (size_t i = 0; i < src->nr; i++)
		emu_params_add(dst, src->v[i].key, src->v[i].val, src->v[i].len,
		               src->v[i].filename);
}

void emu_params_parse_query(struct emu_params *p, const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(stop - s));
		char *k, *v;

		if (stop > s) {
			k = xstrndup(s, (size_t)((eq ? eq : stop) - s));
			v = eq ? xstrndup(eq + 1, (size_t)(stop - eq - 1))
			       : xstrdup("");
			ads_url_decode(k, true);
			ads_url_decode(v, true);
			if (*k)
				emu_params_add(p, k, v, strlen(v), NULL);
			free(k);
			free(v);
		}
		s = amp ? amp + 1 : end;
	}
}

static bool parse_json_body(struct emu_params *p, const char *body, size_t len,
                            const char **why)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *key;
	json_t *val;

	if (!root || !json_is_object(root)) {
		json_decref(root);
		*why = "the request body is not a JSON object";
		return false;
	}
	json_object_foreach(root, key, val) {
		if (json_is_string(val)) {
			emu_params_add(p, key, json_string_value(val),
			               json_string_length(val), NULL);
		} else if (json_is_null(val)) {
			emu_params_add(p, key, "", 0, NULL);
		} else {
			char *s =
			        json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);

			emu_params_add(p, key, s, strlen(s), NULL);
			free(s);
		}
	}
	json_decref(root);
	return true;
}

/* The value of attribute name in a header such as `form-data; name="x"`. */
static char *header_attr(const char *h, size_t hlen, const char *name)
{
	size_t nlen = strlen(name);
	const char *end = h + hlen;

	for (const char *s = h; s + nlen + 1 < end; s++) {
		const char *v;
		const char *q;

		if (strncasecmp(s, name, nlen) || s[nlen] != '=')
			continue;
		if (s > h && s[-1] != ' ' && s[-1] != ';' && s[-1] != '\t')
			continue;
		v = s + nlen + 1;
		if (v < end && *v == '"') {
			v++;
			q = memchr(v, '"', (size_t)(end - v));
			if (!q)
				return NULL;
		} else {
			q = v;
			while (q < end && *q != ';' && *q != ' ' && *q != '\r')
				q++;
		}
		return xstrndup(v, (size_t)(q - v));
	}
	return NULL;
}

static const char *mem_find(const char *hay, size_t hlen, const char *needle,
                            size_t nlen)
{
	if (nlen == 0 || hlen < nlen)
		return NULL;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		const char *c = memchr(hay + i, needle[0], hlen - i - nlen + 1);

		if (!c)
			return NULL;
		i = (size_t)(c - hay);
		if (!memcmp(c, needle, nlen))
			return c;
	}
	return NULL;
}

static bool parse_multipart(struct emu_params *p, const char *ctype,
                            const char *body, size_t len, const char **why)
{
	char *boundary = header_attr(ctype, strlen(ctype), "boundary");
	struct ads_buf delim = ADS_BUF_INIT;
	const char *s = body, *end = body + len;
	bool ok = false;

	if (!boundary || !*boundary) {
		*why = "multipart/form-data without a boundary";
		goto out;
	}
	ads_buf_addf(&delim, "--%s", boundary);
	s = mem_find(s, len, delim.buf, delim.len);
	if (!s) {
		*why = "multipart body without its boundary";
		goto out;
	}
	for (;;) {
		const char *hdr, *hend, *data, *next;
		char *name = NULL, *filename = NULL;

		s += delim.len;
		if (end - s >= 2 && s[0] == '-' && s[1] == '-')
			break; /* closing delimiter */
		if (end - s >= 2 && s[0] == '\r' && s[1] == '\n')
			s += 2;
		hdr = s;
		hend = mem_find(hdr, (size_t)(end - hdr), "\r\n\r\n", 4);
		if (!hend) {
			*why = "multipart part without headers";
			goto out;
		}
		data = hend + 4;
		/* The part ends at CRLF + delimiter. */
		{
			struct ads_buf d2 = ADS_BUF_INIT;

			ads_buf_addf(&d2, "\r\n%s", delim.buf);
			next = mem_find(data, (size_t)(end - data), d2.buf,
			                d2.len);
			ads_buf_release(&d2);
		}
		if (!next) {
			*why = "multipart part without a closing boundary";
			goto out;
		}
		for (const char *l = hdr; l < hend;) {
			const char *eol =
			        mem_find(l, (size_t)(hend - l), "\r\n", 2);
			size_t llen = (size_t)((eol ? eol : hend) - l);

			if (llen > 20 &&
			    !strncasecmp(l, "content-disposition:", 20)) {
				free(name);
				free(filename);
				name = header_attr(l, llen, "name");
				filename = header_attr(l, llen, "filename");
			}
			l = eol ? eol + 2 : hend;
		}
		if (name) {
			emu_params_add(p, name, data, (size_t)(next - data),
			               filename ? filename : NULL);
		}
		free(name);
		free(filename);
		s = next + 2;
	}
	ok = true;
out:
	free(boundary);
	ads_buf_release(&delim);
	return ok;
}

bool emu_params_parse_body(struct emu_params *p, const char *ctype,
                           const char *body, size_t len, const char **why)
{
	size_t i = 0;

	*why = NULL;
	if (!len)
		return true;
	if (ctype && !strncasecmp(ctype, "multipart/form-data", 19))
		return parse_multipart(p, ctype, body, len, why);
	if (ctype && !strncasecmp(ctype, "application/json", 16))
		return parse_json_body(p, body, len, why);
	if (ctype &&
	    !strncasecmp(ctype, "application/x-www-form-urlencoded", 33)) {
		emu_params_parse_query(p, body, len);
		return true;
	}
	while (i < len && (body[i] == ' ' || body[i] == '\n' ||
	                   body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i < len && body[i] == '{')
		return parse_json_body(p, body, len, why);
	emu_params_parse_query(p, body, len);
	return true;
}

void emu_params_encode(struct ads_buf *out, const struct emu_params *p,
                       const char *const *skip)
{
	bool first = true;

	for (size_t i = 0; i < p->nr; i++) {
		bool skipped = false;

		if (p->v[i].filename)
			continue;
		for (size_t j = 0; skip && skip[j]; j++)
			if (!strcmp(skip[j], p->v[i].key))
				skipped = true;
		/* Only the last value of a repeated key counts in Graph. */
		if (!skipped && emu_params_get(p, p->v[i].key) != p->v[i].val)
			skipped = true;
		if (skipped)
			continue;
		if (!first)
			ads_buf_addch(out, '&');
		first = false;
		ads_url_encode(out, p->v[i].key, strlen(p->v[i].key));
		ads_buf_addch(out, '=');
		ads_url_encode(out, p->v[i].val, p->v[i].len);
	}
}
