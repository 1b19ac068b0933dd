/*
 * Open-addressing hash maps: struct ads_map from strings (copied) and
 * struct ads_ptrmap from pointers (not dereferenced) to borrowed void *.
 */
#ifndef ADS_UTIL_MAP_H
#define ADS_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ads_map_slot {
	const void *key; /* owned char * for ads_map; the pointer for ptrmap */
	void *val;
	uint64_t hash; /* 0 marks an empty slot, 1 a deleted one */
};

/* The table both kinds share; use the typed wrappers below. */
struct ads_map_table {
	struct ads_map_slot *slots;
	size_t cap, nr, used; /* nr live entries; used = live + deleted */
};

struct ads_map {
	struct ads_map_table t;
};
#define ADS_MAP_INIT                  \
	{                             \
		{                     \
			NULL, 0, 0, 0 \
		}                     \
	}

void ads_map_init(struct ads_map *m);
/* Frees the keys; calls free_val on every value when not NULL. */
void ads_map_release(struct ads_map *m, void (*free_val)(void *));
/* Inserts or replaces; returns the previous value or NULL. */
void *ads_map_put(struct ads_map *m, const char *key, void *val);
void *ads_map_get(const struct ads_map *m, const char *key);
bool ads_map_has(const struct ads_map *m, const char *key);
/* Removes key; returns its value or NULL. */
void *ads_map_remove(struct ads_map *m, const char *key);
/*
 * Iterates: for (size_t it = 0; ads_map_next(m, &it, &k, &v);) ...
 * Order is unspecified. k and v may be NULL.
 */
bool ads_map_next(const struct ads_map *m, size_t *it, const char **k,
                  void **v);

struct ads_ptrmap {
	struct ads_map_table t;
};
#define ADS_PTRMAP_INIT               \
	{                             \
		{                     \
			NULL, 0, 0, 0 \
		}                     \
	}

void ads_ptrmap_init(struct ads_ptrmap *m);
void ads_ptrmap_release(struct ads_ptrmap *m, void (*free_val)(void *));
void *ads_ptrmap_put(struct ads_ptrmap *m, const void *key, void *val);
void *ads_ptrmap_get(const struct ads_ptrmap *m, const void *key);
void *ads_ptrmap_remove(struct ads_ptrmap *m, const void *key);
static inline size_t ads_map_count(const struct ads_map *m)
{
	return m->t.nr;
}

/* 64-bit FNV-1a; the maps' string hash, usable for other tables. */
uint64_t ads_hash_bytes(const void *data, size_t len);

#endif
