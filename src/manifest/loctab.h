/*
 * The location table of one document, private to src/manifest/: for every
 * object and array of the tree, where it starts and where each of its
 * members (key and value) or items starts.
 *
 * It is built for a project of millions of nodes: records and their
 * position runs are cut from an arena (nothing is ever moved or copied
 * again once written, and alias copies share runs), and an open-addressing
 * index of record pointers finds the record of a container.
 */
#ifndef ADS_MANIFEST_LOCTAB_H
#define ADS_MANIFEST_LOCTAB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

struct ads_pos {
	unsigned line, col; /* 1-based */
};

struct ads_member_loc {
	const char *key; /* in the table's arena */
	struct ads_pos key_pos, val_pos;
};

struct ads_cinfo {
	const json_t *node; /* NULL once forgotten */
	struct ads_pos self;
	union {
		const struct ads_member_loc *members; /* sorted by key */
		const struct ads_pos *items;
	};
	uint32_t n; /* number of members or items */
	bool is_obj;
};

struct ads_loctab {
	struct ads_cinfo **slots; /* open addressing; NULL = empty */
	size_t cap; /* a power of two, or 0 */
	size_t used; /* occupied slots, forgotten ones too */
	struct ads_arena arena; /* records, runs and keys */
};

void ads_loctab_init(struct ads_loctab *t);
void ads_loctab_release(struct ads_loctab *t);
/*
 * Records an object's members (copied, then sorted by key) or an array's
 * items. The keys must live in t->arena.
 */
void ads_loctab_add_object(struct ads_loctab *t, const json_t *node,
                           struct ads_pos self,
                           const struct ads_member_loc *members, size_t n);
void ads_loctab_add_array(struct ads_loctab *t, const json_t *node,
                          struct ads_pos self, const struct ads_pos *items,
                          size_t n);
/* Records node with the same locations as like (an alias copy). */
void ads_loctab_add_copy(struct ads_loctab *t, const json_t *node,
                         const struct ads_cinfo *like);
/* The record of node, or NULL; valid until the table is released. */
const struct ads_cinfo *ads_loctab_get(const struct ads_loctab *t,
                                       const json_t *node);
/* Forgets node (it is about to be freed; its address may be reused). */
void ads_loctab_forget(struct ads_loctab *t, const json_t *node);
/* The member of an object record with this key, or NULL. */
const struct ads_member_loc *ads_loctab_member(const struct ads_cinfo *ci,
                                               const char *key);

#endif
