/*
 * Bump allocator (see arena.h). Chunks grow geometrically up to 1 MiB so a
 * small document costs one small malloc and a large one few big ones;
 * requests larger than a chunk get a chunk of their own.
 */
#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define ARENA_ALIGN     alignof(max_align_t)
#define ARENA_MIN_CHUNK 4096u
#define ARENA_MAX_CHUNK (1u << 20)

struct ads_arena_chunk {
	struct ads_arena_chunk *prev;
	alignas(max_align_t) unsigned char data[];
};

void ads_arena_init(struct ads_arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->cap = 0;
}

void ads_arena_release(struct ads_arena *a)
{
	struct ads_arena_chunk *c = a->head;

	while (c) {
		struct ads_arena_chunk *prev = c->prev;

		free(c);
		c = prev;
	}
	ads_arena_init(a);
}

void *ads_arena_alloc(struct ads_arena *a, size_t size)
{
	struct ads_arena_chunk *c;
	size_t need, cap;

	if (size > SIZE_MAX / 4)
		size = SIZE_MAX / 4; /* xmalloc will fail loudly on it */
	need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (a->head) {
		/* Round up after packed strings */
		size_t at = (a->used + ARENA_ALIGN - 1) &
		            ~(size_t)(ARENA_ALIGN - 1);

		if (at <= a->cap && a->cap - at >= need) {
			a->used = at + need;
			return a->head->data + at;
		}
	}
	cap = a->cap ? a->cap * 2 : ARENA_MIN_CHUNK;
	if (cap > ARENA_MAX_CHUNK)
		cap = ARENA_MAX_CHUNK;
	if (cap < need)
		cap = need;
	c = xmalloc(sizeof(*c) + cap);
	if (a->head && need > a->cap - a->used && cap == need &&
	    a->cap - a->used > ARENA_MIN_CHUNK) {
		/*
		 * An oversized request while the current chunk still has
		 * room: slip the new chunk in behind it so the room is kept.
		 */
		c->prev = a->head->prev;
		a->head->prev = c;
		return c->data;
	}
	c->prev = a->head;
	a->head = c;
	a->cap = cap;
	a->used = need;
	return c->data;
}

char *ads_arena_strndup(struct ads_arena *a, const char *s, size_t n)
{
	char *p;

	/* Strings need no alignment: pack them */
	if (a->head && n < a->cap - a->used) {
		p = (char *)a->head->data + a->used;
		a->used += n + 1;
	} else {
		p = ads_arena_alloc(a, n + 1);
	}

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *ads_arena_memdup(struct ads_arena *a, const void *p, size_t size)
{
	void *q = ads_arena_alloc(a, size);

	if (size)
		memcpy(q, p, size);
	return q;
}
