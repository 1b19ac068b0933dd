/*
 * The wording of validation failures, private to src/schema/: how a value,
 * a type, a limit and the place of a failure are named in a message meant
 * for a marketer ("'daily_budget' must be an integer, not a string").
 */
#ifndef ADS_SCHEMA_MESSAGE_H
#define ADS_SCHEMA_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "schema/compile.h"
#include "util/buf.h"

/* One step of an instance path: an object key, or an array index. */
struct sch_seg {
	const char *key; /* NULL for an array index */
	size_t index;
};

/*
 * Appends what a message is about: "'daily_budget'", "item 3 of
 * 'countries'", "the value" at the root; "field name 'x'" in key mode
 * (propertyNames). The keys below depth `from` are all named, as a dotted
 * path ("'call_to_action.type'"), back to the nearest list item; pass
 * from = depth for the last key alone.
 */
void sch_msg_subject(struct ads_buf *out, const struct sch_seg *path,
                     size_t depth, size_t from, bool key_mode);
/* 'text' (shortened when long), 12, 1.5, true, null, a mapping, a list. */
void sch_msg_value(struct ads_buf *out, const json_t *v);
/* How a value's type reads after "not": "a string", "true", "empty". */
void sch_msg_actual_type(struct ads_buf *out, const json_t *v);
/* The types of a `type` mask: "a string or an integer". */
void sch_msg_types(struct ads_buf *out, unsigned mask);
void sch_msg_number(struct ads_buf *out, const struct sch_num *n);
/*
 * ": expected one of A, B, C" for up to 12 values, else a pointer to the
 * manifest reference, or nothing when the caller suggests a value (the
 * renderer adds " (did you mean 'X'?)": one parenthesis, not two).
 */
void sch_msg_enum_list(struct ads_buf *out, const json_t *vals, bool suggested);
/*
 * Describes the form a subschema accepts, for "must be one of: ...":
 * "a mapping with 'ref'", "a string", "'FIXED'". False when it cannot say.
 */
bool sch_msg_describe(struct ads_buf *out, const struct sch_node *n);

#endif
