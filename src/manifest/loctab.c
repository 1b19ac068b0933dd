/*
 * The location table (see loctab.h). Records never move, so the index
 * holds their addresses; growing the index rehashes the live records and
 * drops the forgotten ones.
 */
#include "manifest/loctab.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void ads_loctab_init(struct ads_loctab *t)
{
	t->slots = NULL;
	t->cap = 0;
	t->used = 0;
	ads_arena_init(&t->arena);
}

void ads_loctab_release(struct ads_loctab *t)
{
	free(t->slots);
	ads_arena_release(&t->arena);
	ads_loctab_init(t);
}

static size_t slot_of(const json_t *node, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)node;

	/* Fibonacci hashing; allocations are 16-aligned, drop those bits */
	x = (x >> 4) * 0x9E3779B97F4A7C15ULL;
	return (size_t)(x >> 32) & (cap - 1);
}

static void index_insert(struct ads_cinfo **slots, size_t cap,
                         struct ads_cinfo *ci)
{
	size_t i = slot_of(ci->node, cap);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = ci;
}

static void grow(struct ads_loctab *t)
{
	size_t live = 0, cap;
	struct ads_cinfo **slots;

	for (size_t i = 0; i < t->cap; i++)
		live += t->slots[i] && t->slots[i]->node;
	cap = t->cap ? t->cap : 64;
	while ((live + 1) * 2 > cap)
		cap *= 2;
	slots = xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i] && t->slots[i]->node)
			index_insert(slots, cap, t->slots[i]);
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	t->used = live;
}

static void add(struct ads_loctab *t, struct ads_cinfo *ci)
{
	/* at most 3/4 full, forgotten records included */
	if ((t->used + 1) * 4 > t->cap * 3)
		grow(t);
	index_insert(t->slots, t->cap, ci);
	t->used++;
}

static struct ads_cinfo *new_record(struct ads_loctab *t, const json_t *node,
                                    struct ads_pos self, size_t n, bool is_obj)
{
	struct ads_cinfo *ci = ads_arena_alloc(&t->arena, sizeof(*ci));

	ci->node = node;
	ci->self = self;
	ci->members = NULL;
	ci->n = (uint32_t)n;
	ci->is_obj = is_obj;
	return ci;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct ads_member_loc *)a)->key,
	              ((const struct ads_member_loc *)b)->key);
}

void ads_loctab_add_object(struct ads_loctab *t, const json_t *node,
                           struct ads_pos self,
                           const struct ads_member_loc *members, size_t n)
{
	struct ads_cinfo *ci = new_record(t, node, self, n, true);

	if (n) {
		struct ads_member_loc *run = ads_arena_memdup(
		        &t->arena, members, n * sizeof(*members));

		qsort(run, n, sizeof(*run), cmp_member);
		ci->members = run;
	}
	add(t, ci);
}

void ads_loctab_add_array(struct ads_loctab *t, const json_t *node,
                          struct ads_pos self, const struct ads_pos *items,
                          size_t n)
{
	struct ads_cinfo *ci = new_record(t, node, self, n, false);

	if (n)
		ci->items =
		        ads_arena_memdup(&t->arena, items, n * sizeof(*items));
	add(t, ci);
}

void ads_loctab_add_copy(struct ads_loctab *t, const json_t *node,
                         const struct ads_cinfo *like)
{
	struct ads_cinfo *ci = ads_arena_memdup(&t->arena, like, sizeof(*ci));

	ci->node = node;
	add(t, ci);
}

static struct ads_cinfo *lookup(const struct ads_loctab *t, const json_t *node)
{
	if (!t->cap || !node)
		return NULL;
	for (size_t i = slot_of(node, t->cap); t->slots[i];
	     i = (i + 1) & (t->cap - 1))
		if (t->slots[i]->node == node)
			return t->slots[i];
	return NULL;
}

const struct ads_cinfo *ads_loctab_get(const struct ads_loctab *t,
                                       const json_t *node)
{
	return lookup(t, node);
}

void ads_loctab_forget(struct ads_loctab *t, const json_t *node)
{
	struct ads_cinfo *ci = lookup(t, node);

	/* its slot stays taken (probe chains run through it) until grow() */
	if (ci)
		ci->node = NULL;
}

const struct ads_member_loc *ads_loctab_member(const struct ads_cinfo *ci,
                                               const char *key)
{
	struct ads_member_loc k = { .key = key };

	if (!ci || !ci->is_obj || !ci->n)
		return NULL;
	return bsearch(&k, ci->members, ci->n, sizeof(k), cmp_member);
}
