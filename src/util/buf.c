/* Growable buffers and string vectors (see buf.h). */
#include "util/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

char ads_buf_slop[1];

void ads_buf_init(struct ads_buf *b)
{
	b->buf = ads_buf_slop;
	b->len = 0;
	b->alloc = 0;
}

void ads_buf_release(struct ads_buf *b)
{
	if (b->alloc)
		free(b->buf);
	ads_buf_init(b);
}

void ads_buf_reset(struct ads_buf *b)
{
	if (b->alloc)
		ads_buf_setlen(b, 0);
}

void ads_buf_grow(struct ads_buf *b, size_t extra)
{
	bool fresh = !b->alloc;

	if (b->len + extra + 1 <= b->alloc)
		return;
	if (fresh)
		b->buf = NULL;
	ADS_ALLOC_GROW(b->buf, b->len + extra + 1, b->alloc);
	if (fresh)
		b->buf[0] = '\0';
}

void ads_buf_setlen(struct ads_buf *b, size_t len)
{
	if (!b->alloc) {
		if (!len)
			return;
		ads_buf_grow(b, len);
	}
	b->len = len;
	b->buf[len] = '\0';
}

void ads_buf_add(struct ads_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	ads_buf_grow(b, len);
	memcpy(b->buf + b->len, data, len);
	ads_buf_setlen(b, b->len + len);
}

void ads_buf_addstr(struct ads_buf *b, const char *s)
{
	ads_buf_add(b, s, strlen(s));
}

void ads_buf_addch(struct ads_buf *b, int c)
{
	ads_buf_grow(b, 1);
	b->buf[b->len] = (char)c;
	ads_buf_setlen(b, b->len + 1);
}

void ads_buf_addchars(struct ads_buf *b, int c, size_t n)
{
	if (!n)
		return;
	ads_buf_grow(b, n);
	memset(b->buf + b->len, c, n);
	ads_buf_setlen(b, b->len + n);
}

void ads_buf_vaddf(struct ads_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	ads_buf_grow(b, (size_t)n);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	ads_buf_setlen(b, b->len + (size_t)n);
}

void ads_buf_addf(struct ads_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ads_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *ads_buf_detach(struct ads_buf *b, size_t *len)
{
	char *s;

	if (len)
		*len = b->len;
	s = b->alloc ? b->buf : xstrdup("");
	ads_buf_init(b);
	return s;
}

void ads_buf_trim(struct ads_buf *b)
{
	size_t start = 0;

	while (b->len && isspace((unsigned char)b->buf[b->len - 1]))
		b->len--;
	while (start < b->len && isspace((unsigned char)b->buf[start]))
		start++;
	if (!b->alloc)
		return;
	memmove(b->buf, b->buf + start, b->len - start);
	ads_buf_setlen(b, b->len - start);
}

bool ads_buf_endswith(const struct ads_buf *b, const char *suffix)
{
	size_t n = strlen(suffix);

	return b->len >= n && !memcmp(b->buf + b->len - n, suffix, n);
}

void ads_strvec_init(struct ads_strvec *sv)
{
	sv->v = NULL;
	sv->nr = 0;
	sv->alloc = 0;
}

void ads_strvec_release(struct ads_strvec *sv)
{
	for (size_t i = 0; i < sv->nr; i++)
		free(sv->v[i]);
	free(sv->v);
	ads_strvec_init(sv);
}

void ads_strvec_push_nodup(struct ads_strvec *sv, char *s)
{
	ADS_ALLOC_GROW(sv->v, sv->nr + 2, sv->alloc);
	sv->v[sv->nr++] = s;
	sv->v[sv->nr] = NULL;
}

const char *ads_strvec_push(struct ads_strvec *sv, const char *s)
{
	ads_strvec_push_nodup(sv, xstrdup(s));
	return sv->v[sv->nr - 1];
}

const char *ads_strvec_pushf(struct ads_strvec *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ads_strvec_push_nodup(sv, xvasprintf(fmt, ap));
	va_end(ap);
	return sv->v[sv->nr - 1];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ads_strvec_sort(struct ads_strvec *sv)
{
	if (sv->nr > 1)
		qsort(sv->v, sv->nr, sizeof(*sv->v), cmp_str);
}

bool ads_strvec_contains(const struct ads_strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->nr; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

void ads_strvec_split(struct ads_strvec *sv, const char *s, char sep)
{
	const char *p;

	while ((p = strchr(s, sep))) {
		ads_strvec_push_nodup(sv, xstrndup(s, (size_t)(p - s)));
		s = p + 1;
	}
	ads_strvec_push(sv, s);
}
