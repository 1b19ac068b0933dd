/*
 * The emulator's object store: every ad account, campaign, ad set, ad,
 * creative, audience, label, image, video and async request set, indexed
 * by id (O(1) lookups) and kept per account and per parent in creation
 * order (paging by binary search on the sequence number, never O(n^2)).
 *
 * Locking: the store's rwlock is taken by the callers (graph.c): readers
 * share it, writers hold it exclusively for one Graph call at a time.
 */
#ifndef ADS_EMULATOR_STORE_H
#define ADS_EMULATOR_STORE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/clock.h"
#include "emulator/emulator.h"
#include "util/error.h"
#include "util/map.h"

enum emu_kind {
	EMU_CAMPAIGN,
	EMU_ADSET,
	EMU_AD,
	EMU_CREATIVE,
	EMU_AUDIENCE,
	EMU_LABEL,
	EMU_IMAGE,
	EMU_VIDEO,
	EMU_ASYNC_SET,
	EMU_ASYNC_REQ,
	EMU_NKINDS,
};

struct emu_kind_info {
	const char *name; /* "campaign", as in /_emulator/state */
	const char *node; /* spec node, "Campaign" */
	const char *edge; /* account edge, "campaigns" */
	enum ads_emulator_buc buc;
};
extern const struct emu_kind_info emu_kinds[EMU_NKINDS];
/* The kind named name ("campaign"), or -1. */
int emu_kind_by_name(const char *name);

struct emu_obj;

struct emu_objvec {
	struct emu_obj **v;
	size_t nr, alloc;
};

void emu_objvec_push(struct emu_objvec *v, struct emu_obj *o);
/* Index of the first element with seq >= seq (v is in seq order). */
size_t emu_objvec_lower(const struct emu_objvec *v, uint64_t seq);

/* A set of 128-bit member digests (custom audience members). */
struct emu_memberset {
	uint8_t (*slots)[16];
	size_t cap, nr;
};

void emu_memberset_release(struct emu_memberset *s);
bool emu_memberset_add(struct emu_memberset *s, const uint8_t d[16]);
bool emu_memberset_del(struct emu_memberset *s, const uint8_t d[16]);

/* A usersreplace session in progress. */
struct emu_replace {
	int64_t session_id;
	int64_t last_seq;
	int64_t received;
	struct emu_memberset staged;
};

struct emu_account {
	char *id; /* "act_123" */
	const char *digits; /* "123", inside id */
	char *currency;
	char *timezone_name;
	int64_t min_daily_budget;
	int64_t created;
	struct emu_objvec lists[EMU_NKINDS];
	struct ads_map labels; /* name -> struct emu_obj * */
	struct ads_map images; /* hash -> struct emu_obj * */
	struct ads_map story_ids; /* object_story_id -> creative */
};

struct emu_obj {
	char *id;
	enum emu_kind kind;
	struct emu_account *acct;
	json_t *f; /* stored fields, in read-back form */
	uint64_t seq; /* creation order */
	int64_t created, updated; /* epoch seconds */
	int64_t review_until; /* ads: PENDING_REVIEW until then */
	bool gone; /* removed (audiences, images): reads fail */
	struct emu_obj *parent; /* ad set's campaign, ad's ad set, ... */
	struct emu_objvec kids; /* campaign's ad sets, ad set's ads, set's */
	struct emu_objvec ads; /* campaign's ads */
	struct emu_memberset *members; /* audiences */
	struct emu_replace *replace; /* audiences: usersreplace session */
	size_t next_req; /* async sets: no INITIAL request before this one */
};

struct emu_store {
	pthread_rwlock_t lock;
	const struct ads_emulator_config *cfg; /* account defaults */
	struct emu_clock *clock; /* accounts' creation times; may be NULL */
	struct ads_map objs; /* id -> struct emu_obj * */
	struct ads_map accts; /* "act_N" -> struct emu_account * */
	struct emu_objvec pending; /* async sets not yet completed */
	uint64_t next_id;
	uint64_t seq;
};

void emu_store_init(struct emu_store *s, const struct ads_emulator_config *cfg);
void emu_store_release(struct emu_store *s);
/* Drops every object and account (POST /_emulator/reset). */
void emu_store_clear(struct emu_store *s);

/* True for "act_" followed by 1-20 digits. */
bool emu_is_account_id(const char *id);
/* The account (created with the configured defaults when absent). */
struct emu_account *emu_store_account(struct emu_store *s, const char *id);
struct emu_account *emu_store_find_account(const struct emu_store *s,
                                           const char *id);
/* A new object with a fresh id, registered in the store and its account. */
struct emu_obj *emu_store_new(struct emu_store *s, struct emu_account *a,
                              enum emu_kind kind, int64_t now);
/* Registers an object under a given id (images: "<acct>:<hash>"). */
struct emu_obj *emu_store_new_with_id(struct emu_store *s,
                                      struct emu_account *a, enum emu_kind kind,
                                      const char *id, int64_t now);
struct emu_obj *emu_store_get(const struct emu_store *s, const char *id);
size_t emu_store_count(const struct emu_store *s);

/* Persistence: a JSON document written atomically. */
int emu_store_save(struct emu_store *s, const char *path,
                   struct ads_error *err);
int emu_store_load(struct emu_store *s, const char *path,
                   struct ads_error *err);
/* The whole state as JSON (GET /_emulator/state). */
json_t *emu_store_dump(const struct emu_store *s);
/* One object as JSON with its bookkeeping (GET /_emulator/objects/ID). */
json_t *emu_obj_dump(const struct emu_obj *o);

/* The configured status of an object ("ACTIVE" when unset). */
const char *emu_obj_status(const struct emu_obj *o);

#endif
