/*
 * struct ads_arena: a bump allocator for many small objects that all die
 * together (per-node data of a parsed document). Allocation never fails
 * (it goes through xmalloc); nothing is freed until ads_arena_release().
 */
#ifndef ADS_UTIL_ARENA_H
#define ADS_UTIL_ARENA_H

#include <stddef.h>

struct ads_arena_chunk;

struct ads_arena {
	struct ads_arena_chunk *head; /* the chunk being filled */
	size_t used, cap; /* of head's data */
};
#define ADS_ARENA_INIT     \
	{                  \
		NULL, 0, 0 \
	}

void ads_arena_init(struct ads_arena *a);
/* Frees every chunk; the arena is empty and reusable afterwards. */
void ads_arena_release(struct ads_arena *a);
/*
 * Returns size bytes aligned for any object type, owned by the arena and
 * valid until ads_arena_release(). Not zeroed.
 */
void *ads_arena_alloc(struct ads_arena *a, size_t size);
/* Copies n bytes of s and a NUL terminator into the arena. */
char *ads_arena_strndup(struct ads_arena *a, const char *s, size_t n);
/* Copies size bytes of p into the arena. */
void *ads_arena_memdup(struct ads_arena *a, const void *p, size_t size);

#endif
