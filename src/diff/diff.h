/*
 * Desired vs live, field by field (DESIGN.md §5). You own what you
 * declare: only the fields a manifest declares are compared, each with
 * the normalisation its rule names. Every rule lives in one table
 * (rules.c) that this code reads: per kind and field path, how values
 * compare, whether the field can change in place, and what a change
 * costs. docs/internals/plan.md lists the table.
 */
#ifndef ADS_DIFF_DIFF_H
#define ADS_DIFF_DIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "live/live.h"
#include "model/model.h"

/* How the values of a field compare (and how render shows them). */
enum ads_diff_type {
	/* JSON equality, with numbers equal to numeric strings and
	 * booleans to 0/1 and "true"/"false" (Graph reads back strings) */
	ADS_DIFF_SCALAR,
	ADS_DIFF_MONEY, /* an amount in minor units of the account currency */
	ADS_DIFF_TIME, /* an instant: compared as epoch seconds, any zone */
	ADS_DIFF_ENUM, /* compared ignoring ASCII case */
	ADS_DIFF_SET, /* a list whose order Graph does not keep */
	ADS_DIFF_LIST, /* an ordered list, items compared by their rules */
	/* a list to which the server adds its own items: every declared
	 * item must be live (tracking_specs, 003:L12125) */
	ADS_DIFF_SUBSET,
	/* an object: every declared key compares by its own rule, keys the
	 * server adds are tolerated; updates send the live value with the
	 * declared subtree merged in */
	ADS_DIFF_COMPOUND,
	ADS_DIFF_CREATIVE, /* ad.creative: {creative_id} vs live {id} */
	ADS_DIFF_DESCRIPTION, /* audience description: the marker ignored */
	ADS_DIFF_MEMBERS, /* audience member list: digests */
	ADS_DIFF_CONTENT, /* creative content: digests */
	ADS_DIFF_IGNORE, /* never compared (write-only, read-only) */
};
/* "scalar", "money", "time", ...: the plan JSON names. */
const char *ads_diff_type_name(enum ads_diff_type t);
int ads_diff_type_parse(enum ads_diff_type *out, const char *name);

enum ads_field_flags {
	/* Graph cannot change it in place: a change means replace */
	ADS_FIELD_IMMUTABLE = 1 << 0,
	/* accepted on write, never returned on read: not compared */
	ADS_FIELD_WRITE_ONLY = 1 << 1,
	/* a change restarts the learning phase */
	ADS_FIELD_LEARNING = 1 << 2,
	/* a change sends the ads back to review (003:L12533-12545) */
	ADS_FIELD_REVIEW = 1 << 3,
	/* a budget: its changes move daily spend; over 20% reset learning */
	ADS_FIELD_BUDGET = 1 << 4,
	/* sent as the live value with the declared subtree merged in */
	ADS_FIELD_MERGE = 1 << 5,
};

struct ads_field_rule {
	enum ads_kind kind;
	/* dotted path from the resource's fields, list items transparent:
	 * "targeting.geo_locations.countries" */
	const char *path;
	enum ads_diff_type type;
	unsigned flags; /* enum ads_field_flags */
	const char *source; /* seed line or reference section */
};

/*
 * The rule for a field: the table's row for (kind, path), else a default
 * made from the shape of the declared value (object: compound; list:
 * ordered list; anything else: scalar). Never NULL; borrowed (static or
 * owned by the library).
 */
const struct ads_field_rule *ads_diff_rule(enum ads_kind kind, const char *path,
                                           const json_t *desired);
/* The table, for documentation and tests. */
size_t ads_diff_rule_count(void);
const struct ads_field_rule *ads_diff_rule_at(size_t i);

/* One field that differs. */
struct ads_diff_entry {
	char *field; /* dotted path; owned */
	json_t *before; /* live; NULL when absent. Owned reference. */
	json_t *after; /* desired; NULL when absent. Owned reference. */
	const struct ads_field_rule *rule;
	/* the rule of its top-level field ("targeting" for
	 * "targeting.age_min"): learning and review flags live there */
	const struct ads_field_rule *top;
};

struct ads_diff {
	struct ads_diff_entry *v;
	size_t nr, alloc;
	/* The first immutable field that differs (a replace), or NULL;
	 * borrowed from v. */
	const char *immutable;
};
#define ADS_DIFF_INIT            \
	{                        \
		NULL, 0, 0, NULL \
	}

void ads_diff_init(struct ads_diff *d);
void ads_diff_release(struct ads_diff *d);

/*
 * Compares the desired fields of one resource (its Graph payload: refs
 * replaced by live ids, or by placeholders {"ref": ADDRESS} for objects
 * not created yet) with the live object's fields, appending one entry per
 * differing leaf: objects are descended into (a compound's declared keys
 * only), lists and scalars compare whole. Top-level keys in skip (may be
 * NULL) are left out. Write-only and ignored fields are never compared.
 */
void ads_diff_fields(struct ads_diff *out, enum ads_kind kind,
                     const json_t *desired, const json_t *live,
                     const char *const *skip);

/* Whether a desired value equals a live one under the rule of path. */
bool ads_diff_equal(enum ads_kind kind, const char *path, const json_t *desired,
                    const json_t *live);

/*
 * What an update sends for a compound field: a deep copy of live with
 * every key of desired put in (objects merged recursively; lists and
 * scalars replaced), so that the parts adsctl does not manage survive
 * (DESIGN.md §5). New reference owned by the caller; a copy of desired
 * when live is not an object.
 */
json_t *ads_diff_merge(const json_t *live, const json_t *desired);

#endif
