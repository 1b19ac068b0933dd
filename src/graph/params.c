/* Ordered key/value lists for request parameters and headers (params.h). */
#include "graph/params.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

void ads_graph_params_init(struct ads_graph_params *p)
{
	p->v = NULL;
	p->nr = p->alloc = 0;
}

void ads_graph_params_release(struct ads_graph_params *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		free(p->v[i].key);
		free(p->v[i].value);
	}
	free(p->v);
	ads_graph_params_init(p);
}

void ads_graph_params_copy(struct ads_graph_params *dst,
                           const struct ads_graph_params *src)
{
	ads_graph_params_release(dst);
	if (!src)
		return;
	for (size_t i = 0; i < src->nr; i++)
		ads_graph_params_add(dst, src->v[i].key, src->v[i].value);
}

static void add_owned(struct ads_graph_params *p, char *key, char *value)
{
	ADS_ALLOC_GROW(p->v, p->nr + 1, p->alloc);
	p->v[p->nr].key = key;
	p->v[p->nr].value = value;
	p->nr++;
}

void ads_graph_params_add(struct ads_graph_params *p, const char *key,
                          const char *value)
{
	add_owned(p, xstrdup(key), xstrdup(value ? value : ""));
}

static void set_owned(struct ads_graph_params *p, const char *key, char *value)
{
	for (size_t i = 0; i < p->nr; i++) {
		if (!strcmp(p->v[i].key, key)) {
			free(p->v[i].value);
			p->v[i].value = value;
			return;
		}
	}
	add_owned(p, xstrdup(key), value);
}

void ads_graph_params_set(struct ads_graph_params *p, const char *key,
                          const char *value)
{
	set_owned(p, key, xstrdup(value ? value : ""));
}

void ads_graph_params_setf(struct ads_graph_params *p, const char *key,
                           const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = xvasprintf(fmt, ap);
	va_end(ap);
	set_owned(p, key, v);
}

void ads_graph_params_set_json(struct ads_graph_params *p, const char *key,
                               const json_t *v)
{
	struct ads_buf b = ADS_BUF_INIT;

	/* Compact; key order means nothing to Graph, sorted is reproducible. */
	ads_json_dump_canonical(&b, v);
	set_owned(p, key, ads_buf_detach(&b, NULL));
}

void ads_graph_params_set_object(struct ads_graph_params *p, const json_t *obj)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return;
	json_object_foreach(ads_json_mut(obj), k, v) {
		if (json_is_string(v))
			ads_graph_params_set(p, k, json_string_value(v));
		else
			ads_graph_params_set_json(p, k, v);
	}
}

void ads_graph_params_add_header_line(struct ads_graph_params *p,
                                      const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	const char *v, *end = line + len;
	size_t klen;

	if (!colon)
		return;
	klen = (size_t)(colon - line);
	while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
		klen--;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
	                   end[-1] == ' ' || end[-1] == '\t'))
		end--;
	add_owned(p, xstrndup(line, klen), xstrndup(v, (size_t)(end - v)));
}

const char *ads_graph_params_get(const struct ads_graph_params *p,
                                 const char *key)
{
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->v[i].key, key))
			return p->v[i].value;
	return NULL;
}

const char *ads_graph_params_iget(const struct ads_graph_params *p,
                                  const char *key)
{
	for (size_t i = 0; i < p->nr; i++)
		if (ads_str_ieq(p->v[i].key, key))
			return p->v[i].value;
	return NULL;
}

bool ads_graph_params_remove(struct ads_graph_params *p, const char *key)
{
	size_t j = 0;
	bool removed = false;

	for (size_t i = 0; i < p->nr; i++) {
		if (!strcmp(p->v[i].key, key)) {
			free(p->v[i].key);
			free(p->v[i].value);
			removed = true;
			continue;
		}
		p->v[j++] = p->v[i];
	}
	p->nr = j;
	return removed;
}

/* Encodes s, copying "{result=...}" spans literally when keep_refs. */
static void encode_value(struct ads_buf *out, const char *s, bool keep_refs)
{
	while (*s) {
		const char *ref = keep_refs ? strstr(s, "{result=") : NULL;
		const char *close = ref ? strchr(ref, '}') : NULL;

		if (!ref || !close) {
			ads_url_encode(out, s, strlen(s));
			return;
		}
		ads_url_encode(out, s, (size_t)(ref - s));
		ads_buf_add(out, ref, (size_t)(close + 1 - ref));
		s = close + 1;
	}
}

void ads_graph_params_encode(struct ads_buf *out,
                             const struct ads_graph_params *p, bool keep_refs)
{
	for (size_t i = 0; i < p->nr; i++) {
		if (i)
			ads_buf_addch(out, '&');
		ads_url_encode(out, p->v[i].key, strlen(p->v[i].key));
		ads_buf_addch(out, '=');
		encode_value(out, p->v[i].value, keep_refs);
	}
}

void ads_graph_params_parse_query(struct ads_graph_params *p, const char *query)
{
	while (query && *query) {
		size_t len = strcspn(query, "&");
		char *pair = xstrndup(query, len);
		char *eq = strchr(pair, '=');
		char *value = xstrdup(eq ? eq + 1 : "");

		if (eq)
			*eq = '\0';
		if (*pair) {
			ads_url_decode(pair, true);
			ads_url_decode(value, true);
			add_owned(p, pair, value);
		} else {
			free(pair);
			free(value);
		}
		query += len;
		if (*query == '&')
			query++;
	}
}
