/*
 * The location table (see loctab.h). The index is rebuilt from the record
 * vector when it grows, which also drops forgotten records from it; records
 * are never moved, so an index slot stays valid until the next rebuild.
 */
#include "manifest/loctab.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void ads_loctab_init(struct ads_loctab *t)
{
	memset(t, 0, sizeof(*t));
	ads_arena_init(&t->strings);
}

void ads_loctab_release(struct ads_loctab *t)
{
	free(t->ci);
	free(t->slots);
	free(t->members);
	free(t->items);
	ads_arena_release(&t->strings);
	ads_loctab_init(t);
}

static size_t slot_of(const json_t *node, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)node;

	/* Fibonacci hashing; allocations are 16-aligned, drop those bits */
	x = (x >> 4) * 0x9E3779B97F4A7C15ULL;
	return (size_t)(x >> 32) & (cap - 1);
}

static void index_insert(struct ads_loctab *t, uint32_t idx)
{
	size_t i = slot_of(t->ci[idx].node, t->cap);

	while (t->slots[i])
		i = (i + 1) & (t->cap - 1);
	t->slots[i] = idx + 1;
}

static void rebuild(struct ads_loctab *t, size_t cap)
{
	free(t->slots);
	t->slots = xcalloc(cap, sizeof(*t->slots));
	t->cap = cap;
	for (size_t i = 0; i < t->nci; i++)
		if (t->ci[i].node)
			index_insert(t, (uint32_t)i);
}

static void add(struct ads_loctab *t, const struct ads_cinfo *ci)
{
	/* Slots hold forgotten records too until the next rebuild */
	if ((t->nci + 1) * 4 > t->cap * 3)
		rebuild(t, t->cap ? t->cap * 2 : 64);
	ADS_ALLOC_GROW(t->ci, t->nci + 1, t->aci);
	t->ci[t->nci] = *ci;
	index_insert(t, (uint32_t)t->nci);
	t->nci++;
	t->nlive++;
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
	struct ads_cinfo ci = { node, self, (uint32_t)t->nmembers, (uint32_t)n,
		                1 };

	if (n) {
		ADS_ALLOC_GROW(t->members, t->nmembers + n, t->amembers);
		memcpy(t->members + t->nmembers, members, n * sizeof(*members));
		qsort(t->members + t->nmembers, n, sizeof(*members),
		      cmp_member);
		t->nmembers += n;
	}
	add(t, &ci);
}

void ads_loctab_add_array(struct ads_loctab *t, const json_t *node,
                          struct ads_pos self, const struct ads_pos *items,
                          size_t n)
{
	struct ads_cinfo ci = { node, self, (uint32_t)t->nitems, (uint32_t)n,
		                0 };

	if (n) {
		ADS_ALLOC_GROW(t->items, t->nitems + n, t->aitems);
		memcpy(t->items + t->nitems, items, n * sizeof(*items));
		t->nitems += n;
	}
	add(t, &ci);
}

void ads_loctab_add_copy(struct ads_loctab *t, const json_t *node,
                         const struct ads_cinfo *like)
{
	struct ads_cinfo ci = *like;

	ci.node = node;
	add(t, &ci);
}

static struct ads_cinfo *lookup(const struct ads_loctab *t, const json_t *node)
{
	size_t i;

	if (!t->cap || !node)
		return NULL;
	for (i = slot_of(node, t->cap); t->slots[i];
	     i = (i + 1) & (t->cap - 1)) {
		struct ads_cinfo *ci = &t->ci[t->slots[i] - 1];

		if (ci->node == node)
			return ci;
	}
	return NULL;
}

bool ads_loctab_get(const struct ads_loctab *t, const json_t *node,
                    struct ads_cinfo *out)
{
	const struct ads_cinfo *ci = lookup(t, node);

	if (!ci)
		return false;
	*out = *ci;
	return true;
}

void ads_loctab_forget(struct ads_loctab *t, const json_t *node)
{
	struct ads_cinfo *ci = lookup(t, node);

	if (ci) {
		ci->node = NULL;
		t->nlive--;
	}
}

const struct ads_member_loc *ads_loctab_member(const struct ads_loctab *t,
                                               const struct ads_cinfo *ci,
                                               const char *key)
{
	struct ads_member_loc k = { .key = key };

	if (!ci || !ci->is_obj || !ci->n)
		return NULL;
	return bsearch(&k, t->members + ci->start, ci->n, sizeof(k),
	               cmp_member);
}
