/*
 * The validator, private to src/schema/: a walk of an instance against a
 * compiled node (compile.h) that collects every failure with its message.
 */
#ifndef ADS_SCHEMA_VALIDATE_H
#define ADS_SCHEMA_VALIDATE_H

#include <jansson.h>

#include "schema/compile.h"
#include "schema/schema.h"
#include "util/error.h"

/*
 * Validates instance against root and calls fn (which may be NULL) for
 * every failure, in document order. base_ptr is the JSON Pointer of
 * instance within its document ("" for the root): failure pointers start
 * with it and it names the value in messages. Returns the number of
 * failures, or ADS_ETOOBIG (err set) when the schema and the value need
 * more work or deeper nesting than the validator allows.
 */
int sch_validate(struct ads_schema_set *set, const struct sch_node *root,
                 const char *base_ptr, const json_t *instance,
                 ads_schema_failure_fn fn, void *ctx, struct ads_error *err);

#endif
