/*
 * struct ads_buf: a growable, always NUL-terminated byte buffer (git's
 * strbuf). buf is never NULL: an empty buffer points at a shared "".
 */
#ifndef ADS_UTIL_BUF_H
#define ADS_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct ads_buf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char ads_buf_slop[];
#define ADS_BUF_INIT                                      \
	{                                                 \
		.buf = ads_buf_slop, .len = 0, .alloc = 0 \
	}

void ads_buf_init(struct ads_buf *b);
/* Frees the contents; the buffer is empty and reusable afterwards. */
void ads_buf_release(struct ads_buf *b);
/* Empties the buffer, keeping its allocation. */
void ads_buf_reset(struct ads_buf *b);
/* Makes room for at least extra more bytes (plus the NUL). */
void ads_buf_grow(struct ads_buf *b, size_t extra);
void ads_buf_setlen(struct ads_buf *b, size_t len);
void ads_buf_add(struct ads_buf *b, const void *data, size_t len);
void ads_buf_addstr(struct ads_buf *b, const char *s);
void ads_buf_addch(struct ads_buf *b, int c);
void ads_buf_addf(struct ads_buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void ads_buf_vaddf(struct ads_buf *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
/* Appends s repeated n times. */
void ads_buf_addchars(struct ads_buf *b, int c, size_t n);
/*
 * Hands the contents to the caller as a malloc'd string (owned by the
 * caller; never NULL) and leaves the buffer empty. *len may be NULL.
 */
char *ads_buf_detach(struct ads_buf *b, size_t *len);
void ads_buf_trim(struct ads_buf *b);
bool ads_buf_endswith(const struct ads_buf *b, const char *suffix);

/* struct ads_strvec: a NULL-terminated vector of owned strings. */
struct ads_strvec {
	char **v;
	size_t nr;
	size_t alloc;
};
#define ADS_STRVEC_INIT    \
	{                  \
		NULL, 0, 0 \
	}

void ads_strvec_init(struct ads_strvec *sv);
void ads_strvec_release(struct ads_strvec *sv);
/* Appends a copy of s; returns the stored copy (borrowed). */
const char *ads_strvec_push(struct ads_strvec *sv, const char *s);
const char *ads_strvec_pushf(struct ads_strvec *sv, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Appends s, taking ownership of it. */
void ads_strvec_push_nodup(struct ads_strvec *sv, char *s);
void ads_strvec_sort(struct ads_strvec *sv);
bool ads_strvec_contains(const struct ads_strvec *sv, const char *s);
/* Splits s at every occurrence of sep, appending the pieces. */
void ads_strvec_split(struct ads_strvec *sv, const char *s, char sep);

#endif
