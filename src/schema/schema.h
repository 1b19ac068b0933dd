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

/* One validation failure. Strings are borrowed for the callback's duration. */
struct ads_schema_failure {
	const char *instance_ptr; /* JSON Pointer of the failing value */
	bool at_key;     /* the problem is the key itself (unknown property) */
	const char *keyword;    /* "enum", "additionalProperties", ... */
	const char *schema_ptr; /* absolute keyword location (URI#pointer) */
	const char *message;    /* "unknown field 'daly_budget'" */
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
 * The set of adsctl's own schemas (schemas/*.json, compiled into the
 * binary), each registered as "https://adsctl.dev/schemas/<file>".
 */
int ads_schema_set_builtin(struct ads_schema_set **out,
			   struct ads_error *err);

/*
 * Validates instance against the schema at uri (a document URI, optionally
 * with a #fragment). Calls fn for every failure. Returns the number of
 * failures (0 = valid) or a negative ads_errcode (err set) when uri is
 * unknown. Thread-compatible: one set may be used by one thread at a time.
 */
int ads_schema_validate(struct ads_schema_set *set, const char *uri,
			const json_t *instance, ads_schema_failure_fn fn,
			void *ctx, struct ads_error *err);

#endif
