/*
 * Live state: the objects of an ad account that adsctl could own, fetched
 * in few round trips and mapped to manifest addresses by identity
 * (DESIGN.md §4; docs/internals/identity.md has the rules, and
 * docs/internals/plan.md the fetch).
 *
 * A struct ads_live is built in two stages:
 *  1. loading: the raw reads (the account node and its edges, as Graph
 *     returned them) are parsed into objects, and each object's identity
 *     is read from its ad labels or its audience marker. Loading is
 *     independent of the manifests, so the same raw document serves
 *     fetches (ads_live_fetch) and fixtures (ads_live_load);
 *  2. mapping (ads_live_map): against a model, each address gets its
 *     current object; other versions of a creative are superseded, and
 *     archived duplicates of a live object are retired.
 *
 * The raw document ("fixture") is a JSON object:
 *   {"account": {id, currency, timezone_name, min_daily_budget, ...},
 *    "campaigns": [...], "adsets": [...], "ads": [...],
 *    "adcreatives": [...], "customaudiences": [...], "adimages": [...]}
 * each array holding the objects as the account edge returned them.
 */
#ifndef ADS_LIVE_LIVE_H
#define ADS_LIVE_LIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/client.h"
#include "model/model.h"
#include "util/error.h"
#include "util/map.h"
#include "util/report.h"

/* "adsctl:" starts every ad label adsctl attaches. */
#define ADS_LABEL_PREFIX "adsctl:"
/* ADS_DIGEST_LABEL_LEN (the digest in a creative's version label) and
 * ADS_LABEL_NAME_MAX are in model/model.h, with ads_model_label(). */

enum ads_live_role {
	ADS_LIVE_CURRENT, /* the object of its address */
	/* a creative version whose digest is not the declared one (or the
	 * address is no longer declared and another version is current) */
	ADS_LIVE_SUPERSEDED,
	/* archived, while another object with the same label is live: the
	 * remains of a replace */
	ADS_LIVE_RETIRED,
	ADS_LIVE_UNMANAGED, /* no adsctl label: never touched */
	ADS_LIVE_FOREIGN, /* labelled by another stack: ignored */
};

struct ads_live_object {
	enum ads_kind kind;
	char *id; /* Graph id; for images, the hash */
	/* From the label (or marker): "campaigns.spring". NULL when
	 * unmanaged or foreign. Owned. */
	char *address;
	/* Creatives: the ADS_DIGEST_LABEL_LEN hex of the version label
	 * ("adsctl:<stack>:<address>@<digest12>"); "" when it has none. */
	char digest[ADS_DIGEST_LABEL_LEN + 1];
	/* Audiences: members=<digest> of the marker; "" when none. */
	char members[65];
	/* The object as read (owned): the requested fields, and Graph's. */
	json_t *fields;
	/* Borrowed from fields; NULL when absent. status is the configured
	 * status (`configured_status`, else `status`). */
	const char *name, *status, *effective_status, *updated_time;
	char *parent_id; /* ad set: campaign_id; ad: adset_id; else NULL */
	char *creative_id; /* ad: creative.id; else NULL */
	/* ARCHIVED, itself or through its campaign or ad set. */
	bool archived;
	enum ads_live_role role;
	/* ads_live_fingerprint()'s cache; "" until asked for. */
	char fp_digest[17];
};

/* Several live objects that carry the same identity. */
struct ads_live_dup {
	enum ads_kind kind;
	char *label; /* the label or marker they share; owned */
	struct ads_strvec ids;
};

struct ads_live {
	char *account; /* "act_123" */
	char *stack;
	char *currency; /* "EUR"; NULL if the account did not say */
	char *timezone; /* "Europe/Berlin" or NULL */
	int64_t min_daily_budget; /* minor units; 0 if unknown */
	json_t *raw; /* the raw document it was loaded from; owned */

	struct ads_live_object **objs; /* in the raw document's order */
	size_t nobjs, alloc_objs;
	struct ads_map by_id; /* id -> object (images: hash) */
	/* address -> struct ads_live_slot (every object with that
	 * identity, of this stack) */
	struct ads_map by_address;

	/*
	 * Ambiguities found while loading: two non-archived campaigns, ad
	 * sets or ads with one label, two creatives with one version label,
	 * two audiences with one marker. ads_plan_build refuses to plan.
	 */
	struct ads_live_dup *dups;
	size_t ndups, alloc_dups;
	/* Objects whose identity could not be read (several labels of this
	 * stack, a label of the wrong kind): left alone, named here. */
	struct ads_strvec notes;
	size_t unmanaged[ADS_KIND_COUNT]; /* without an adsctl identity */
	size_t foreign[ADS_KIND_COUNT]; /* of other stacks */

	/* How the fetch went (zero for loaded fixtures). */
	size_t graph_calls, http_requests, round_trips;
	bool mapped; /* ads_live_map ran */
};

/* The objects sharing one address, in the raw document's order. */
struct ads_live_slot {
	struct ads_live_object **v;
	size_t nr, alloc;
	struct ads_live_object *current; /* set by ads_live_map, or NULL */
};

/*
 * Loads live state from a raw document (see above) for the given stack.
 * The live state takes a reference to raw, which must not change
 * afterwards. Fails with ADS_EINVALID when it does not have
 * that shape. *out is owned by the caller (ads_live_free).
 */
int ads_live_load(struct ads_live **out, const json_t *raw, const char *stack,
                  struct ads_error *err);
void ads_live_free(struct ads_live *l);

/* What ads_live_fetch reads, and how. */
struct ads_live_query {
	const char *account; /* "act_123" */
	const char *stack;
	/* The manifests: which fields to read per kind (those declared plus
	 * identity fields) and which image hashes to look up. */
	const struct ads_model *model;
	/* A second revision of the manifests whose declared fields are read
	 * too (drift compares two revisions); may be NULL. */
	const struct ads_model *also;
	const struct ads_reporter *reporter; /* progress; may be NULL */
};

/*
 * Reads the account and every campaign, ad set, ad, creative and custom
 * audience of it (ARCHIVED ones included, DELETED never), and the images
 * whose hashes the manifests use, through g: all account edges at once,
 * in large pages. Then loads them as ads_live_load does (not mapped).
 * Fails with the graph client's error (ADS_EAPI, ADS_EAUTH, ADS_EHTTP,
 * ADS_EINTR). *out is owned by the caller.
 */
int ads_live_fetch(struct ads_live **out, struct ads_graph *g,
                   const struct ads_live_query *q, struct ads_error *err);

/*
 * The creative version a declared creative's ads use now, when none of
 * its versions has the declared content (the plan replaces it): the
 * version most managed ads point at, else the newest. NULL otherwise.
 * Borrowed. Needs a mapped live state.
 */
struct ads_live_object *ads_live_previous(const struct ads_live *l,
                                          const char *address);
/*
 * Reads the content fields (those the manifest declares) of the previous
 * version of every creative m replaces, in one round of ids= reads, and
 * adds them to those objects' fields, so that the plan can show what
 * changed field by field. Needs a mapped live state.
 */
int ads_live_fetch_previous(struct ads_live *l, struct ads_graph *g,
                            const struct ads_model *m, struct ads_error *err);

/*
 * Maps the loaded objects to the addresses of m: sets each slot's
 * current object and the roles of the others (docs/internals/
 * identity.md). May be called again with another model (drift maps one
 * live state against two revisions).
 */
void ads_live_map(struct ads_live *l, const struct ads_model *m);

/*
 * The digest half of an object's fingerprint (with updated_time, what a
 * saved plan records): the first 16 hex of the SHA-256 of the canonical
 * JSON of every field read but effective_status, which Graph changes on
 * its own (an ad leaving review). Borrowed from o.
 */
const char *ads_live_fingerprint(struct ads_live_object *o);

/* The current object of address, or NULL. Borrowed. */
struct ads_live_object *ads_live_get(const struct ads_live *l,
                                     const char *address);
/* Every object of this stack with that address, or NULL. Borrowed. */
const struct ads_live_slot *ads_live_slot(const struct ads_live *l,
                                          const char *address);
/* The object with that id (an image: that hash), or NULL. Borrowed. */
struct ads_live_object *ads_live_by_id(const struct ads_live *l,
                                       const char *id);

/*
 * The fields ads_live_fetch requests for a kind: identity fields plus
 * the readable fields the resources of that kind declare in m (m may be
 * NULL: identity fields only). Appended to out as a comma-separated
 * list, as Graph's `fields` parameter takes it.
 */
void ads_live_fields(struct ads_buf *out, enum ads_kind kind,
                     const struct ads_model *m);

/*
 * Whether Graph returns a top-level field of a kind on read (from Meta's
 * field specs, graph-api-specs/specs/<Node>.json). Fields that are not
 * readable are write-only: sent on create, never read nor compared.
 */
bool ads_live_readable(enum ads_kind kind, const char *field);

/*
 * Parses an adsctl ad label: "adsctl:<stack>:<address>" or, for creative
 * versions, "adsctl:<stack>:<address>@<digest12>". On success *stack and
 * *address are new strings (owned by the caller) and digest receives the
 * 12 hex or "". False for labels adsctl did not write.
 */
bool ads_live_parse_label(const char *label, char **stack, char **address,
                          char digest[ADS_DIGEST_LABEL_LEN + 1]);
/*
 * Parses the marker at the end of an audience description
 * ("... [adsctl <stack>:<address> members=<digest>]"); *stack and *address
 * owned by the caller; members gets the digest or "". *text_len (may be
 * NULL) gets the length of the description before the marker, trailing
 * blanks excluded. False when there is no marker.
 */
bool ads_live_parse_marker(const char *description, char **stack,
                           char **address, char members[65], size_t *text_len);

#endif
