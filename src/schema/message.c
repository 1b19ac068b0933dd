/*
 * Message wording for schema failures (message.h). Field names come from
 * the instance path; types use the words of YAML users ("a mapping", "a
 * list"); values are shown as written, shortened when long.
 */
#include "schema/message.h"

#include <string.h>

#include "util/xalloc.h"

#define MAX_SHOWN_BYTES 60 /* of a string value in a message */
#define MAX_ENUM_SHOWN  12

void sch_msg_subject(struct ads_buf *out, const struct sch_seg *path,
                     size_t depth, size_t from, bool key_mode)
{
	size_t k = depth, j;

	if (key_mode && depth && path[depth - 1].key) {
		ads_buf_addf(out, "field name '%s'", path[depth - 1].key);
		return;
	}
	while (k && !path[k - 1].key)
		k--;
	/* innermost index first: "item 2 of item 1 of 'matrix'" */
	for (size_t i = depth; i > k; i--) {
		ads_buf_addf(out, "item %zu", path[i - 1].index + 1);
		if (i - 1 > k || k)
			ads_buf_addstr(out, " of ");
	}
	if (k) {
		/* the keys down from `from`, or from the nearest list item */
		for (j = k - 1; j > from && path[j - 1].key; j--)
			;
		ads_buf_addch(out, '\'');
		for (size_t i = j; i < k; i++) {
			if (i > j)
				ads_buf_addch(out, '.');
			ads_buf_addstr(out, path[i].key);
		}
		ads_buf_addch(out, '\'');
	} else if (depth == 0)
		ads_buf_addstr(out, "the value");
}

void sch_msg_value(struct ads_buf *out, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t len = strlen(s);

		if (len <= MAX_SHOWN_BYTES) {
			ads_buf_addf(out, "'%s'", s);
			break;
		}
		/* cut at a character boundary, not inside a UTF-8 sequence */
		len = MAX_SHOWN_BYTES;
		while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
		ads_buf_addch(out, '\'');
		ads_buf_add(out, s, len);
		ads_buf_addstr(out, "...'");
		break;
	}
	case JSON_INTEGER:
		ads_buf_addf(out, "%" JSON_INTEGER_FORMAT,
		             json_integer_value(v));
		break;
	case JSON_REAL:
		ads_buf_addf(out, "%.15g", json_real_value(v));
		break;
	case JSON_TRUE:
		ads_buf_addstr(out, "true");
		break;
	case JSON_FALSE:
		ads_buf_addstr(out, "false");
		break;
	case JSON_NULL:
		ads_buf_addstr(out, "null");
		break;
	case JSON_OBJECT:
		ads_buf_addstr(out, "a mapping");
		break;
	case JSON_ARRAY:
		ads_buf_addstr(out, "a list");
		break;
	}
}

void sch_msg_actual_type(struct ads_buf *out, const json_t *v)
{
	if (json_is_string(v))
		ads_buf_addstr(out, "a string");
	else if (json_is_integer(v))
		ads_buf_addstr(out, "an integer");
	else if (json_is_real(v))
		ads_buf_addstr(out, "a decimal number");
	else if (json_is_null(v))
		ads_buf_addstr(out, "empty");
	else
		sch_msg_value(out, v); /* true, false, a mapping, a list */
}

void sch_msg_types(struct ads_buf *out, unsigned mask)
{
	static const struct {
		unsigned bit;
		const char *words;
	} names[] = {
		{ SCH_OBJECT, "a mapping" },  { SCH_ARRAY, "a list" },
		{ SCH_STRING, "a string" },   { SCH_INTEGER, "an integer" },
		{ SCH_NUMBER, "a number" },   { SCH_BOOLEAN, "true or false" },
		{ SCH_NULL, "empty (null)" },
	};
	const char *picked[ADS_ARRAY_SIZE(names)];
	size_t n = 0;

	if (mask & SCH_NUMBER)
		mask &= ~(unsigned)SCH_INTEGER;
	for (size_t i = 0; i < ADS_ARRAY_SIZE(names); i++)
		if (mask & names[i].bit)
			picked[n++] = names[i].words;
	if (!n) {
		ads_buf_addstr(out, "nothing");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			ads_buf_addstr(out, i == n - 1 ? " or " : ", ");
		ads_buf_addstr(out, picked[i]);
	}
}

void sch_msg_number(struct ads_buf *out, const struct sch_num *n)
{
	if (n->is_int)
		ads_buf_addf(out, "%" JSON_INTEGER_FORMAT, n->i);
	else
		ads_buf_addf(out, "%.15g", n->d);
}

void sch_msg_enum_list(struct ads_buf *out, const json_t *vals, bool suggested)
{
	const json_t *v;
	size_t i;

	if (json_array_size(vals) > MAX_ENUM_SHOWN) {
		/* a near miss helps more than the way to a long list */
		if (!suggested)
			ads_buf_addstr(out, ": see the manifest reference for "
			                    "the valid values");
		return;
	}
	ads_buf_addstr(out, ": expected ");
	if (json_array_size(vals) > 1)
		ads_buf_addstr(out, "one of ");
	json_array_foreach(vals, i, v) {
		if (i)
			ads_buf_addstr(out, ", ");
		if (json_is_string(v))
			ads_buf_addstr(out, json_string_value(v));
		else
			sch_msg_value(out, v);
	}
}

static void quoted_list(struct ads_buf *out, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			ads_buf_addstr(out, i == n - 1 ? " and " : ", ");
		ads_buf_addf(out, "'%s'", names[i]);
	}
}

static bool describe(struct ads_buf *out, const struct sch_node *n,
                     unsigned depth)
{
	size_t len = out->len;

	if (depth > 8 || n->is_bool)
		return false;
	if (n->const_val) {
		sch_msg_value(out, n->const_val);
		return true;
	}
	if (n->types) {
		sch_msg_types(out, n->types);
		if ((n->types & SCH_OBJECT) && n->nrequired) {
			ads_buf_addstr(out, " with ");
			quoted_list(out, n->required, n->nrequired);
		}
		return true;
	}
	if (n->ref && describe(out, n->ref, depth + 1))
		return true;
	if (n->dynref && describe(out, n->dynref, depth + 1))
		return true;
	for (size_t i = 0; i < n->all_of.nr; i++)
		if (describe(out, n->all_of.v[i], depth + 1))
			return true;
	for (int pass = 0; pass < 2; pass++) {
		const struct sch_list *l = pass ? &n->one_of : &n->any_of;

		for (size_t i = 0; i < l->nr; i++) {
			if (out->len > len)
				ads_buf_addstr(out, " or ");
			if (!describe(out, l->v[i], depth + 1)) {
				ads_buf_setlen(out, len);
				return false;
			}
		}
		if (out->len > len)
			return true;
	}
	return false;
}

bool sch_msg_describe(struct ads_buf *out, const struct sch_node *n)
{
	return describe(out, n, 0);
}
