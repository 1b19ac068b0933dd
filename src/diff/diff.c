/*
 * Field-by-field comparison of a resource's declared fields with its live
 * object, under the rules of rules.c: only what is declared is compared,
 * after the normalisations of DESIGN.md §5 (numbers vs numeric strings,
 * time zones, unordered lists, enum case, server defaults).
 */
#include "diff/diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

void ads_diff_init(struct ads_diff *d)
{
	memset(d, 0, sizeof(*d));
}

void ads_diff_release(struct ads_diff *d)
{
	for (size_t i = 0; i < d->nr; i++) {
		free(d->v[i].field);
		json_decref(d->v[i].before);
		json_decref(d->v[i].after);
	}
	free(d->v);
	ads_diff_init(d);
}

/* A placeholder for an object the plan creates: never equal to a value. */
static bool is_placeholder(const json_t *v)
{
	return json_is_object(v) && json_object_size(v) == 1 &&
	       json_is_string(json_object_get(v, "ref"));
}

/* Empty declared values equal absent live ones ("declare [] to clear"). */
static bool is_empty(const json_t *v)
{
	return !v || json_is_null(v) ||
	       (json_is_array(v) && !json_array_size(v)) ||
	       (json_is_object(v) && !json_object_size(v)) ||
	       (json_is_string(v) && !*json_string_value(v));
}

/*
 * Graph returns some structured fields as JSON text (rule, lookalike_spec
 * in older versions): a string live value of a structured desired one is
 * parsed. Returns a new reference or NULL (then use live as is).
 */
static json_t *parse_live(const json_t *desired, const json_t *live)
{
	if (!json_is_string(live) ||
	    !(json_is_object(desired) || json_is_array(desired)))
		return NULL;
	return json_loads(json_string_value(live), 0, NULL);
}

static bool as_number(const json_t *v, double *out)
{
	char *end;
	const char *s;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	if (!*s)
		return false;
	*out = strtod(s, &end);
	return !*end && isfinite(*out);
}

static int as_bool(const json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v) &&
	    (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		return (int)json_integer_value(v);
	if (s && (!strcmp(s, "true") || !strcmp(s, "1")))
		return 1;
	if (s && (!strcmp(s, "false") || !strcmp(s, "0")))
		return 0;
	return -1;
}

static bool as_time(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	return json_is_string(v) && ads_time_parse(json_string_value(v), out);
}

static char *child_path(const char *path, const char *key)
{
	return xasprintf("%s.%s", path, key);
}

static bool eq(enum ads_kind kind, const char *path, const json_t *d,
               const json_t *l);

/* Scalars: JSON equality, numbers = numeric strings, booleans = 0/1. */
static bool eq_scalar(const json_t *d, const json_t *l, bool icase)
{
	double x, y;
	int a, b;

	if (json_equal(d, l))
		return true;
	if (json_is_string(d) && json_is_string(l))
		return icase &&
		       ads_str_ieq(json_string_value(d), json_string_value(l));
	if (json_is_boolean(d) || json_is_boolean(l)) {
		a = as_bool(d);
		b = as_bool(l);
		return a >= 0 && a == b;
	}
	return as_number(d, &x) && as_number(l, &y) && x == y;
}

/* Declared keys of an object, each by its own rule (server keys pass). */
static bool eq_object(enum ads_kind kind, const char *path, const json_t *d,
                      const json_t *l)
{
	const char *k;
	json_t *v;

	if (!json_is_object(l))
		return false;
	json_object_foreach(ads_json_mut(d), k, v) {
		char *cp = child_path(path, k);
		bool same = eq(kind, cp, v, json_object_get(l, k));

		free(cp);
		if (!same)
			return false;
	}
	return true;
}

static bool eq_list(enum ads_kind kind, const char *path, const json_t *d,
                    const json_t *l);

/* A list item: objects by their declared keys, the rest as scalars. */
static bool eq_item(enum ads_kind kind, const char *path, const json_t *d,
                    const json_t *l)
{
	if (is_placeholder(d))
		return json_equal(d, l);
	if (json_is_object(d))
		return eq_object(kind, path, d, l);
	if (json_is_array(d))
		return eq_list(kind, path, d, l);
	return eq_scalar(d, l, true);
}

/* Every declared item matches a distinct live item (and, for sets, no
 * live item is left over). */
static bool eq_set(enum ads_kind kind, const char *path, const json_t *d,
                   const json_t *l, bool subset)
{
	size_t nd = json_array_size(d), nl = json_array_size(l);
	bool *used, ok = true;

	if (!json_is_array(l))
		return false;
	if (subset ? nd > nl : nd != nl)
		return false;
	used = xcalloc(nl + 1, sizeof(*used));
	for (size_t i = 0; ok && i < nd; i++) {
		size_t j;

		for (j = 0; j < nl; j++)
			if (!used[j] &&
			    eq_item(kind, path, json_array_get(d, i),
			            json_array_get(l, j)))
				break;
		if (j == nl)
			ok = false;
		else
			used[j] = true;
	}
	free(used);
	return ok;
}

static bool eq_list(enum ads_kind kind, const char *path, const json_t *d,
                    const json_t *l)
{
	if (!json_is_array(l) || json_array_size(d) != json_array_size(l))
		return false;
	for (size_t i = 0; i < json_array_size(d); i++)
		if (!eq_item(kind, path, json_array_get(d, i),
		             json_array_get(l, i)))
			return false;
	return true;
}

/* The description without the trailing "[adsctl ...]" marker. */
static size_t description_len(const char *s)
{
	const char *m = NULL;
	size_t n;

	for (const char *p = strstr(s, "[adsctl "); p;
	     p = strstr(p + 1, "[adsctl "))
		m = p;
	n = m && strchr(m, ']') && !strchr(m, ']')[1] ? (size_t)(m - s)
	                                              : strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t'))
		n--;
	return n;
}

static bool eq_rule(enum ads_kind kind, const char *path,
                    const struct ads_field_rule *rule, const json_t *d,
                    const json_t *l)
{
	int64_t x, y;

	if (is_placeholder(d))
		return json_equal(d, l); /* only placeholders of one address */
	if (is_empty(d) && is_empty(l))
		return true;
	if (!l || json_is_null(l) || json_is_null(d))
		return false;
	switch (rule->type) {
	case ADS_DIFF_IGNORE:
	case ADS_DIFF_CONTENT:
	case ADS_DIFF_MEMBERS:
		return true;
	case ADS_DIFF_MONEY:
		if (ads_json_as_int64(d, &x) && ads_json_as_int64(l, &y))
			return x == y;
		return eq_scalar(d, l, false);
	case ADS_DIFF_TIME:
		if (as_time(d, &x) && as_time(l, &y))
			return x == y;
		return eq_scalar(d, l, false);
	case ADS_DIFF_ENUM:
		return eq_scalar(d, l, true);
	case ADS_DIFF_SET:
	case ADS_DIFF_SUBSET:
		if (!json_is_array(d))
			return eq_scalar(d, l, true);
		return eq_set(kind, path, d, l, rule->type == ADS_DIFF_SUBSET);
	case ADS_DIFF_LIST:
		if (!json_is_array(d))
			return eq_scalar(d, l, false);
		return eq_list(kind, path, d, l);
	case ADS_DIFF_COMPOUND:
		if (!json_is_object(d))
			return eq_scalar(d, l, false);
		return eq_object(kind, path, d, l);
	case ADS_DIFF_CREATIVE:
		/* desired {"creative_id": X} (or a spec), live {"id": Y} */
		if (json_is_object(d) && json_object_get(d, "creative_id"))
			return json_is_object(l) &&
			       eq_scalar(json_object_get(d, "creative_id"),
			                 json_object_get(l, "id"), false);
		return eq_scalar(d, l, false);
	case ADS_DIFF_DESCRIPTION:
		if (json_is_string(d) && json_is_string(l)) {
			const char *a = json_string_value(d);
			const char *b = json_string_value(l);
			size_t na = description_len(a), nb = description_len(b);

			return na == nb && !memcmp(a, b, na);
		}
		return eq_scalar(d, l, false);
	case ADS_DIFF_SCALAR:
		break;
	}
	return eq_scalar(d, l, false);
}

static bool eq(enum ads_kind kind, const char *path, const json_t *d,
               const json_t *l)
{
	const struct ads_field_rule *rule = ads_diff_rule(kind, path, d);
	json_t *parsed = parse_live(d, l);
	bool same = eq_rule(kind, path, rule, d, parsed ? parsed : l);

	json_decref(parsed);
	return same;
}

bool ads_diff_equal(enum ads_kind kind, const char *path, const json_t *desired,
                    const json_t *live)
{
	return eq(kind, path, desired, live);
}

/* --- differences ----------------------------------------------------- */

/* Values as the plan shows them: amounts as integers. */
static json_t *shown(const struct ads_field_rule *rule, const json_t *v,
                     bool live_side)
{
	int64_t n;

	if (!v)
		return NULL;
	if (rule->type == ADS_DIFF_MONEY && ads_json_as_int64(v, &n))
		return json_integer(n);
	if (rule->type == ADS_DIFF_CREATIVE && json_is_object(v)) {
		const json_t *id =
		        json_object_get(v, live_side ? "id" : "creative_id");

		if (id)
			return json_deep_copy(id);
	}
	if (rule->type == ADS_DIFF_DESCRIPTION && live_side &&
	    json_is_string(v)) {
		const char *s = json_string_value(v);

		return json_stringn(s, description_len(s));
	}
	return json_deep_copy(v);
}

static void add_entry(struct ads_diff *out, const char *path,
                      const struct ads_field_rule *rule,
                      const struct ads_field_rule *top, const json_t *d,
                      const json_t *l)
{
	struct ads_diff_entry *e;

	ADS_ALLOC_GROW(out->v, out->nr + 1, out->alloc);
	e = &out->v[out->nr++];
	e->field = xstrdup(path);
	e->before = l && !json_is_null(l) ? shown(rule, l, true) : NULL;
	e->after = d ? shown(rule, d, false) : NULL;
	e->rule = rule;
	e->top = top ? top : rule;
}

static void descend(struct ads_diff *out, enum ads_kind kind, const char *path,
                    const json_t *d, const json_t *l,
                    const struct ads_field_rule *top)
{
	const struct ads_field_rule *rule = ads_diff_rule(kind, path, d);
	bool immutable;
	json_t *parsed = parse_live(d, l);

	if (parsed)
		l = parsed;
	if (!top)
		top = rule;
	immutable = (top->flags | rule->flags) & ADS_FIELD_IMMUTABLE;
	if (rule->type == ADS_DIFF_IGNORE ||
	    (rule->flags & ADS_FIELD_WRITE_ONLY))
		goto out;
	if (rule->type == ADS_DIFF_COMPOUND && json_is_object(d) &&
	    json_is_object(l) && !is_placeholder(d)) {
		const char *k;
		json_t *v;

		json_object_foreach(ads_json_mut(d), k, v) {
			char *cp = child_path(path, k);

			descend(out, kind, cp, v, json_object_get(l, k), top);
			free(cp);
		}
		goto out;
	}
	if (eq_rule(kind, path, rule, d, l))
		goto out;
	add_entry(out, path, rule, top, d, l);
	if (immutable && !out->immutable)
		out->immutable = out->v[out->nr - 1].field;
out:
	json_decref(parsed);
}

void ads_diff_fields(struct ads_diff *out, enum ads_kind kind,
                     const json_t *desired, const json_t *live,
                     const char *const *skip)
{
	const char *k;
	json_t *v;

	json_object_foreach(ads_json_mut(desired), k, v) {
		bool skipped = false;

		for (size_t i = 0; skip && skip[i]; i++)
			if (!strcmp(skip[i], k))
				skipped = true;
		if (skipped || !ads_live_readable(kind, k))
			continue;
		descend(out, kind, k, v, json_object_get(live, k), NULL);
	}
}

json_t *ads_diff_merge(const json_t *live, const json_t *desired)
{
	json_t *parsed = parse_live(desired, live);
	json_t *out;
	const char *k;
	json_t *v;

	if (parsed)
		live = parsed;
	if (!json_is_object(live) || !json_is_object(desired) ||
	    is_placeholder(desired)) {
		json_decref(parsed);
		return json_deep_copy(desired);
	}
	out = json_deep_copy(live);
	json_object_foreach(ads_json_mut(desired), k, v)
		json_object_set_new(out, k,
		                    ads_diff_merge(json_object_get(out, k), v));
	json_decref(parsed);
	return out;
}
