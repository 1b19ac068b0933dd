/*
 * Allocation that never returns NULL: on exhaustion the process aborts with
 * a message, so call sites need no checks (git's xmalloc, tmux's xmalloc).
 */
#ifndef ADS_UTIL_XALLOC_H
#define ADS_UTIL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Like xrealloc() for nmemb elements of size bytes, checking the product. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a new string formatted as by printf; owned by the caller. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
        __attribute__((format(printf, 1, 0)));

/*
 * Grows the array x (of *nr used and *alloc allocated elements) so that it
 * can hold at least n elements; the git ALLOC_GROW idiom.
 */
#define ADS_ALLOC_GROW(x, n, alloc)                                        \
	do {                                                               \
		if ((n) > (alloc)) {                                       \
			size_t ads_grow_ = (alloc) < 8 ? 8 : (alloc);      \
			while (ads_grow_ < (n))                            \
				ads_grow_ = ads_grow_ / 2 * 3 + 8;         \
			(x) = xreallocarray((x), ads_grow_, sizeof(*(x))); \
			(alloc) = ads_grow_;                               \
		}                                                          \
	} while (0)

#define ADS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
