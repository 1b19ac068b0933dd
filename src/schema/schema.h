/*
 * A JSON Schema (draft 2020-12) validator over jansson, with PCRE2 for
 * `pattern` and `patternProperties`. Schemas are compiled once into a set
 * keyed by URI ($id, or the name they were added under), so $ref across
 * files resolves without I/O; validation reports every failure, each with a
 * message a marketer can read and, for unknown properties and enum values,
 * the nearest valid name.
 */
#ifndef ADS_SCHEMA_SCHEMA_H
#define ADS_SCHEMA_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

struct ads_schema_set;

/*
 * Draft 2020-12 keywords the validator does not act on, NULL-terminated.
 * tests/schema-suite/SKIPPED.md gives the reasons; a test keeps the two
 * lists equal.
 */
extern const char *const ads_schema_unsupported[];

/* One validation failure. Strings are borrowed for the callback's duration. */
struct ads_schema_failure {
	const char *instance_ptr; /* JSON Pointer of the failing value */
	bool at_key; /* the problem is the key itself (unknown property) */
	const char *keyword; /* "enum", "additionalProperties", ... */
	const char *schema_ptr; /* absolute keyword location (URI#pointer) */
	const char *message; /* "unknown field 'daly_budget'" */
	const char *suggestion; /* "daily_budget", or NULL */
};

typedef void (*ads_schema_failure_fn)(void *ctx,
                                      const struct ads_schema_failure *f);

/* An empty set; add schemas with ads_schema_set_add(). Owned by caller. */
struct ads_schema_set *ads_schema_set_new(void);
void ads_schema_set_free(struct ads_schema_set *set);
/*
 * Adds a schema document under uri (its $id, if any, is registered too;
 * embedded $id/$anchor resources as well). The set takes a reference.
 * Fails with ADS_EINVALID on a schema it cannot compile (bad regex,
 * unresolvable $ref found at compile time, wrong keyword types).
 */
int ads_schema_set_add(struct ads_schema_set *set, const char *uri,
                       json_t *schema, struct ads_error *err);
/*
 * Adds n documents as one batch, so that they may $ref each other in any
 * order. All or nothing: on failure the set is unchanged.
 */
int ads_schema_set_add_many(struct ads_schema_set *set, size_t n,
                            const char *const *uris, json_t *const *schemas,
                            struct ads_error *err);
/* Whether uri (with an optional #fragment) names a schema of the set. */
bool ads_schema_set_has(struct ads_schema_set *set, const char *uri);
/*
 * The set of adsctl's own schemas (the JSON files of schemas/, compiled
 * into the binary), each registered as "https://adsctl.dev/schemas/<file>"
 * and under its $id. An empty table gives an empty set. *out is owned by
 * the caller (ads_schema_set_free()).
 */
int ads_schema_set_builtin(struct ads_schema_set **out, struct ads_error *err);

/*
 * Validates instance against the schema at uri (a document URI, optionally
 * with a #fragment). Calls fn for every failure, in document order; fn may
 * be NULL to only count them. Returns the number of failures (0 = valid)
 * or a negative ads_errcode (err set) when uri is unknown. The set is not
 * changed by validation except that a #/pointer fragment not seen before
 * is compiled on first use. Thread-compatible: one set may be used by one
 * thread at a time.
 */
int ads_schema_validate(struct ads_schema_set *set, const char *uri,
                        const json_t *instance, ads_schema_failure_fn fn,
                        void *ctx, struct ads_error *err);
/*
 * Like ads_schema_validate() for a value that sits at JSON Pointer base_ptr
 * of a larger document (e.g. "/campaigns/spring_sale"): failure pointers
 * start with base_ptr, so they locate in that document, and messages name
 * the value by its key ('spring_sale'). Also returns ADS_ETOOBIG when a
 * hostile schema needs more nesting or work than the validator allows.
 */
int ads_schema_validate_at(struct ads_schema_set *set, const char *uri,
                           const char *base_ptr, const json_t *instance,
                           ads_schema_failure_fn fn, void *ctx,
                           struct ads_error *err);

#endif
