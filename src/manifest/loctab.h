/*
 * The location table of one document, private to src/manifest/: for every
 * object and array of the tree, where it starts and where each of its
 * members (key and value) or items starts.
 *
 * It is built for size, since a project may hold millions of nodes: one
 * vector of 24-byte container records, an open-addressing index of 32-bit
 * slots over it, and shared vectors of member and item positions that the
 * records point into by offset (so alias copies share them).
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
	const char *key; /* owned by the table's arena */
	struct ads_pos key_pos, val_pos;
};

struct ads_cinfo {
	const json_t *node; /* NULL once forgotten */
	struct ads_pos self;
	uint32_t start; /* first entry in members or items */
	uint32_t n:31; /* number of entries */
	uint32_t is_obj:1;
};

struct ads_loctab {
	struct ads_cinfo *ci;
	size_t nci, aci;
	uint32_t *slots; /* index into ci plus one; 0 = empty */
	size_t cap; /* a power of two, or 0 */
	size_t nlive;
	struct ads_member_loc *members; /* objects': each run sorted by key */
	size_t nmembers, amembers;
	struct ads_pos *items;
	size_t nitems, aitems;
	struct ads_arena strings; /* the keys */
};

void ads_loctab_init(struct ads_loctab *t);
void ads_loctab_release(struct ads_loctab *t);
/*
 * Records an object's members (copied, then sorted by key) or an array's
 * items. The keys must already live in t->strings (or be shared with an
 * earlier record).
 */
void ads_loctab_add_object(struct ads_loctab *t, const json_t *node,
                           struct ads_pos self,
                           const struct ads_member_loc *members, size_t n);
void ads_loctab_add_array(struct ads_loctab *t, const json_t *node,
                          struct ads_pos self, const struct ads_pos *items,
                          size_t n);
/* Records node with the same locations as an earlier record (alias copy). */
void ads_loctab_add_copy(struct ads_loctab *t, const json_t *node,
                         const struct ads_cinfo *like);
/* Copies node's record to *out; false when node is unknown. */
bool ads_loctab_get(const struct ads_loctab *t, const json_t *node,
                    struct ads_cinfo *out);
/* Forgets node (it is about to be freed; its address may be reused). */
void ads_loctab_forget(struct ads_loctab *t, const json_t *node);
/* The member of an object record with this key, or NULL. */
const struct ads_member_loc *ads_loctab_member(const struct ads_loctab *t,
                                               const struct ads_cinfo *ci,
                                               const char *key);

#endif
