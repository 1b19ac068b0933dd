/*
 * Hash maps (see map.h). Both kinds share one linear-probing table; they
 * differ only in how a key is hashed, compared, copied and freed.
 */
#include "util/map.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define SLOT_EMPTY   0
#define SLOT_DELETED 1

struct keyops {
	uint64_t (*hash)(const void *key);
	bool (*eq)(const void *a, const void *b);
	const void *(*copy)(const void *key);
	void (*drop)(const void *key);
};

uint64_t ads_hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t fix_hash(uint64_t h)
{
	return h <= SLOT_DELETED ? h + 2 : h;
}

static uint64_t str_hash(const void *k)
{
	return fix_hash(ads_hash_bytes(k, strlen(k)));
}

static bool str_eq(const void *a, const void *b)
{
	return !strcmp(a, b);
}

static const void *str_copy(const void *k)
{
	return xstrdup(k);
}

static void str_drop(const void *k)
{
	free((void *)(uintptr_t)k);
}

static uint64_t ptr_hash(const void *k)
{
	uint64_t x = (uint64_t)(uintptr_t)k;

	/* splitmix64 finaliser: pointers are aligned, spread their bits */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return fix_hash(x);
}

static bool ptr_eq(const void *a, const void *b)
{
	return a == b;
}

static const void *ptr_copy(const void *k)
{
	return k;
}

static void ptr_drop(const void *k)
{
	(void)k;
}

static const struct keyops str_ops = { str_hash, str_eq, str_copy, str_drop };
static const struct keyops ptr_ops = { ptr_hash, ptr_eq, ptr_copy, ptr_drop };

static struct ads_map_slot *find(const struct ads_map_table *t,
                                 const struct keyops *ops, const void *key,
                                 uint64_t h)
{
	size_t mask, i;

	if (!t->cap)
		return NULL;
	mask = t->cap - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct ads_map_slot *s = &t->slots[i];

		if (s->hash == SLOT_EMPTY)
			return NULL;
		if (s->hash == h && ops->eq(s->key, key))
			return s;
	}
}

static void rehash(struct ads_map_table *t, size_t cap)
{
	struct ads_map_slot *old = t->slots;
	size_t oldcap = t->cap;

	t->slots = xcalloc(cap, sizeof(*t->slots));
	t->cap = cap;
	t->used = t->nr;
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].hash <= SLOT_DELETED)
			continue;
		for (j = old[i].hash & (cap - 1); t->slots[j].hash;
		     j = (j + 1) & (cap - 1))
			;
		t->slots[j] = old[i];
	}
	free(old);
}

static void *put(struct ads_map_table *t, const struct keyops *ops,
                 const void *key, void *val)
{
	uint64_t h = ops->hash(key);
	struct ads_map_slot *s = find(t, ops, key, h);
	size_t i;

	if (s) {
		void *prev = s->val;

		s->val = val;
		return prev;
	}
	if ((t->used + 1) * 4 >= t->cap * 3)
		rehash(t, t->cap ? (t->nr * 2 >= t->cap ? t->cap * 2 : t->cap)
		                 : 16);
	for (i = h & (t->cap - 1); t->slots[i].hash > SLOT_DELETED;
	     i = (i + 1) & (t->cap - 1))
		;
	if (t->slots[i].hash == SLOT_EMPTY)
		t->used++;
	t->slots[i].key = ops->copy(key);
	t->slots[i].val = val;
	t->slots[i].hash = h;
	t->nr++;
	return NULL;
}

static void *get(const struct ads_map_table *t, const struct keyops *ops,
                 const void *key)
{
	struct ads_map_slot *s = find(t, ops, key, ops->hash(key));

	return s ? s->val : NULL;
}

static void *del(struct ads_map_table *t, const struct keyops *ops,
                 const void *key)
{
	struct ads_map_slot *s = find(t, ops, key, ops->hash(key));
	void *val;

	if (!s)
		return NULL;
	val = s->val;
	ops->drop(s->key);
	s->key = NULL;
	s->val = NULL;
	s->hash = SLOT_DELETED;
	t->nr--;
	return val;
}

static void release(struct ads_map_table *t, const struct keyops *ops,
                    void (*free_val)(void *))
{
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].hash <= SLOT_DELETED)
			continue;
		ops->drop(t->slots[i].key);
		if (free_val)
			free_val(t->slots[i].val);
	}
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

#define T(m)  (&(m)->t)
#define CT(m) (&(m)->t)

void ads_map_init(struct ads_map *m)
{
	memset(m, 0, sizeof(*m));
}

void ads_map_release(struct ads_map *m, void (*free_val)(void *))
{
	release(T(m), &str_ops, free_val);
}

void *ads_map_put(struct ads_map *m, const char *key, void *val)
{
	return put(T(m), &str_ops, key, val);
}

void *ads_map_get(const struct ads_map *m, const char *key)
{
	return get(CT(m), &str_ops, key);
}

bool ads_map_has(const struct ads_map *m, const char *key)
{
	return find(CT(m), &str_ops, key, str_hash(key)) != NULL;
}

void *ads_map_remove(struct ads_map *m, const char *key)
{
	return del(T(m), &str_ops, key);
}

bool ads_map_next(const struct ads_map *m, size_t *it, const char **k, void **v)
{
	for (; *it < m->t.cap; (*it)++) {
		const struct ads_map_slot *s = &m->t.slots[*it];

		if (s->hash <= SLOT_DELETED)
			continue;
		if (k)
			*k = s->key;
		if (v)
			*v = s->val;
		(*it)++;
		return true;
	}
	return false;
}

void ads_ptrmap_init(struct ads_ptrmap *m)
{
	memset(m, 0, sizeof(*m));
}

void ads_ptrmap_release(struct ads_ptrmap *m, void (*free_val)(void *))
{
	release(T(m), &ptr_ops, free_val);
}

void *ads_ptrmap_put(struct ads_ptrmap *m, const void *key, void *val)
{
	return put(T(m), &ptr_ops, key, val);
}

void *ads_ptrmap_get(const struct ads_ptrmap *m, const void *key)
{
	return get(CT(m), &ptr_ops, key);
}

void *ads_ptrmap_remove(struct ads_ptrmap *m, const void *key)
{
	return del(T(m), &ptr_ops, key);
}
