/*
 * The validator: a recursive walk of an instance against compiled nodes.
 *
 * Two modes share the walk. In check mode (v->out == NULL) only validity
 * matters and the walk stops at the first failure; it is used for `not`,
 * `if`, `contains` and for trying anyOf/oneOf branches. In collect mode
 * every failure is recorded with its message; a failed anyOf/oneOf is then
 * walked again branch by branch to report the most relevant branch.
 *
 * unevaluatedProperties/unevaluatedItems need to know which members the
 * other keywords looked at. Nodes that carry them pass an "evaluated" bit
 * set (struct evals) down to the subschemas applied in place; branches
 * that fail do not contribute, as the specification says.
 */
#include "schema/validate.h"

#include <stdlib.h>
#include <string.h>

#include "schema/message.h"
#include "schema/uri.h"
#include "schema/value.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Guards against hostile schemas: nesting depth and total work. */
#define MAX_NEST  1000
#define MAX_STEPS (64u << 20)

struct failure {
	char *ptr;
	const char *keyword; /* static or borrowed from the schema */
	char *schema_ptr;
	char *message;
	const char *suggestion; /* borrowed from the schema */
	const char *missing; /* required: the field, borrowed */
	bool at_key;
	bool precise; /* its words beat an x-message: keep them */
	size_t depth; /* of ptr, in path segments */
};

struct fvec {
	struct failure *v;
	size_t nr, alloc;
};

struct vctx {
	struct ads_schema_set *set;
	struct sch_seg *path;
	size_t depth, apath;
	struct fvec *out; /* NULL in check mode */
	unsigned nest;
	size_t steps;
	bool exhausted;
	const struct sch_resource **scope; /* dynamic scope, outermost first */
	size_t nscope, ascope;
	bool key_mode; /* validating a property name (propertyNames) */
	size_t base; /* depth where the innermost schema document applies */
};

/* Which members of the current object or array have been evaluated. */
struct evals {
	uint64_t *bits;
	size_t n;
};

static bool vnode(struct vctx *v, const struct sch_node *n, const json_t *inst,
                  struct evals *ev);

/* ---- bookkeeping ------------------------------------------------- */

static void push_key(struct vctx *v, const char *key)
{
	ADS_ALLOC_GROW(v->path, v->depth + 1, v->apath);
	v->path[v->depth].key = key;
	v->path[v->depth].index = 0;
	v->depth++;
}

static void push_index(struct vctx *v, size_t index)
{
	ADS_ALLOC_GROW(v->path, v->depth + 1, v->apath);
	v->path[v->depth].key = NULL;
	v->path[v->depth].index = index;
	v->depth++;
}

static void ev_init(struct evals *ev, size_t n)
{
	ev->n = n;
	ev->bits = xcalloc(n / 64 + 1, sizeof(uint64_t));
}

static void ev_set(struct evals *ev, size_t i)
{
	if (ev && i < ev->n)
		ev->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool ev_get(const struct evals *ev, size_t i)
{
	return ev->bits[i / 64] & ((uint64_t)1 << (i % 64));
}

static void ev_merge(struct evals *dst, const struct evals *src)
{
	if (!dst)
		return;
	for (size_t i = 0; i < dst->n / 64 + 1; i++)
		dst->bits[i] |= src->bits[i];
}

static void ev_release(struct evals *ev)
{
	free(ev->bits);
	ev->bits = NULL;
}

/* A fresh, empty set shaped like ev, or none when ev is NULL. */
static struct evals *ev_scratch(struct evals *tmp, const struct evals *ev)
{
	if (!ev)
		return NULL;
	ev_init(tmp, ev->n);
	return tmp;
}

static void free_failure(struct failure *f)
{
	free(f->ptr);
	free(f->schema_ptr);
	free(f->message);
}

static void fvec_release(struct fvec *fv)
{
	for (size_t i = 0; i < fv->nr; i++)
		free_failure(&fv->v[i]);
	free(fv->v);
	fv->v = NULL;
	fv->nr = fv->alloc = 0;
}

static void fvec_push(struct fvec *fv, const struct failure *f)
{
	ADS_ALLOC_GROW(fv->v, fv->nr + 1, fv->alloc);
	fv->v[fv->nr++] = *f;
}

static char *instance_pointer(const struct vctx *v)
{
	struct ads_buf b = ADS_BUF_INIT;

	for (size_t i = 0; i < v->depth; i++) {
		if (v->path[i].key)
			ads_schema_pointer_push(&b, v->path[i].key);
		else
			ads_buf_addf(&b, "/%zu", v->path[i].index);
	}
	return ads_buf_detach(&b, NULL);
}

/*
 * Records a failure whose message is in msg (taken over). Returns false so
 * that callers can write `ok = report(...)`.
 */
static bool report(struct vctx *v, const struct sch_node *n, const char *kw,
                   bool at_key, const char *suggestion, struct ads_buf *msg)
{
	struct failure f;
	struct ads_buf sp = ADS_BUF_INIT;

	if (!v->out) {
		ads_buf_release(msg);
		return false;
	}
	ads_buf_addstr(&sp, n->loc);
	if (kw)
		ads_schema_pointer_push(&sp, kw);
	f.ptr = instance_pointer(v);
	f.keyword = kw ? kw : "false";
	f.schema_ptr = ads_buf_detach(&sp, NULL);
	f.message = ads_buf_detach(msg, NULL);
	f.suggestion = suggestion;
	f.missing = NULL;
	f.precise = false;
	f.at_key = at_key || v->key_mode;
	f.depth = v->depth;
	fvec_push(v->out, &f);
	return false;
}

static void subject(const struct vctx *v, struct ads_buf *b)
{
	sch_msg_subject(b, v->path, v->depth, v->depth, v->key_mode);
}

/*
 * Appends " for 'x'" naming the subject; nothing at the root. The value
 * comes first in such a message, so the field is named by its path in
 * the value its schema document describes ("'call_to_action.type'" in a
 * creative): a leaf like 'type' alone could be one of many.
 */
static void for_subject(const struct vctx *v, struct ads_buf *b)
{
	if (!v->depth)
		return;
	ads_buf_addstr(b, " for ");
	sch_msg_subject(b, v->path, v->depth, v->base, v->key_mode);
}

/* The name of the member being validated ("" at the root). */
static const char *field_name(const struct vctx *v)
{
	return v->depth && v->path[v->depth - 1].key ? v->path[v->depth - 1].key
	                                             : "";
}

/* ---- value keywords ---------------------------------------------- */

static bool in_enum(const struct sch_node *n, const json_t *inst)
{
	const json_t *item;
	size_t i;

	if (json_is_string(inst)) {
		/* looked up as a C string: recheck for embedded NULs */
		const json_t *hit =
		        ads_map_get(&n->enum_strs, json_string_value(inst));

		if (hit && sch_json_equal(hit, inst))
			return true;
		if (!n->enum_has_nonstr)
			return false;
	}
	json_array_foreach(n->enum_vals, i, item)
		if (sch_json_equal(item, inst))
			return true;
	return false;
}

static const char *suggest_enum(const struct sch_node *n, const json_t *inst)
{
	const char **cands;
	const char *best;
	const json_t *item;
	size_t i, nr = 0;

	if (!json_is_string(inst))
		return NULL;
	cands = xcalloc(json_array_size(n->enum_vals) + 1, sizeof(*cands));
	json_array_foreach(n->enum_vals, i, item)
		if (json_is_string(item))
			cands[nr++] = json_string_value(item);
	best = ads_suggest(json_string_value(inst), cands, nr);
	free(cands);
	return best;
}

static bool check_value(struct vctx *v, const struct sch_node *n,
                        const json_t *inst)
{
	bool ok = true;
	struct ads_buf m = ADS_BUF_INIT;

	if (n->const_val && !sch_json_equal(n->const_val, inst)) {
		if (!v->out)
			return false; /* check mode: no words needed */
		subject(v, &m);
		ads_buf_addstr(&m, " must be ");
		sch_msg_value(&m, n->const_val);
		ok = report(v, n, "const", false, NULL, &m);
		if (!v->out)
			return false;
	}
	if (n->enum_vals && !in_enum(n, inst)) {
		const char *suggestion;

		if (!v->out)
			return false; /* check mode: no words needed */
		suggestion = suggest_enum(n, inst);
		sch_msg_value(&m, inst);
		if (v->key_mode) {
			ads_buf_addstr(&m, " is not a valid field name");
		} else {
			ads_buf_addstr(&m, " is not a valid value");
			for_subject(v, &m);
		}
		sch_msg_enum_list(&m, n->enum_vals, suggestion != NULL);
		ok = report(v, n, "enum", false, suggestion, &m);
	}
	return ok;
}

static bool check_number(struct vctx *v, const struct sch_node *n,
                         const json_t *inst)
{
	static const struct {
		size_t off;
		const char *kw, *words;
		int bad; /* sch_num_cmp() results that fail */
	} limits[] = {
		{ offsetof(struct sch_node, minimum), "minimum", "at least",
		  -1 },
		{ offsetof(struct sch_node, maximum), "maximum", "at most", 1 },
		{ offsetof(struct sch_node, xminimum), "exclusiveMinimum",
		  "greater than", 0 },
		{ offsetof(struct sch_node, xmaximum), "exclusiveMaximum",
		  "less than", 0 },
	};
	bool ok = true;

	for (size_t i = 0; i < ADS_ARRAY_SIZE(limits); i++) {
		const struct sch_num *lim =
		        (const struct sch_num *)((const char *)n +
		                                 limits[i].off);
		int c;
		bool bad;
		struct ads_buf m = ADS_BUF_INIT;

		if (!lim->set)
			continue;
		c = sch_num_cmp(inst, lim);
		if (i < 2)
			bad = c == limits[i].bad;
		else
			bad = i == 2 ? c <= 0 : c >= 0;
		if (!bad)
			continue;
		if (!v->out)
			return false; /* check mode: no words needed */
		subject(v, &m);
		ads_buf_addf(&m, " must be %s ", limits[i].words);
		sch_msg_number(&m, lim);
		ok = report(v, n, limits[i].kw, false, NULL, &m);
		if (!v->out)
			return false;
	}
	if (n->multiple_of.set && !sch_multiple_of(inst, &n->multiple_of)) {
		struct ads_buf m = ADS_BUF_INIT;

		if (!v->out)
			return false; /* check mode: no words needed */
		subject(v, &m);
		ads_buf_addstr(&m, " must be a multiple of ");
		sch_msg_number(&m, &n->multiple_of);
		ok = report(v, n, "multipleOf", false, NULL, &m);
	}
	return ok;
}

/* Runs a compiled regular expression; PCRE2 errors count as no match. */
static int regex_match(struct vctx *v, pcre2_code *re, const char *s,
                       size_t len)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, v->set->match,
	                     v->set->mcontext);

	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static bool check_string(struct vctx *v, const struct sch_node *n,
                         const json_t *inst)
{
	const char *s = json_string_value(inst);
	size_t bytes = json_string_length(inst);
	bool ok = true;

	if (n->min_length >= 0 || n->max_length >= 0) {
		size_t len = sch_utf8_length(s, bytes);
		struct ads_buf m = ADS_BUF_INIT;

		if (n->min_length >= 0 && len < (size_t)n->min_length) {
			if (!v->out)
				return false; /* check mode: no words needed */
			subject(v, &m);
			if (n->min_length == 1)
				ads_buf_addstr(&m, " must not be empty");
			else
				ads_buf_addf(
				        &m,
				        " must be at least %" JSON_INTEGER_FORMAT
				        " characters long (it has %zu)",
				        n->min_length, len);
			ok = report(v, n, "minLength", false, NULL, &m);
		}
		if (n->max_length >= 0 && len > (size_t)n->max_length) {
			if (!v->out)
				return false; /* check mode: no words needed */
			subject(v, &m);
			ads_buf_addf(&m,
			             " must be at most %" JSON_INTEGER_FORMAT
			             " characters long (it has %zu)",
			             n->max_length, len);
			ok = report(v, n, "maxLength", false, NULL, &m);
		}
		if (!ok && !v->out)
			return false;
	}
	if (n->pattern.re) {
		int rc = regex_match(v, n->pattern.re, s, bytes);
		struct ads_buf m = ADS_BUF_INIT;

		if (rc == 1)
			return ok;
		if (!v->out)
			return false; /* check mode: no words needed */
		sch_msg_value(&m, inst);
		if (rc < 0) {
			ads_buf_addstr(&m, " could not be checked against the "
			                   "pattern ");
		} else if (v->key_mode) {
			ads_buf_addstr(&m, " is not a valid field name "
			                   "(it must match ");
		} else {
			ads_buf_addstr(&m, " is not in the expected format");
			for_subject(v, &m);
			ads_buf_addstr(&m, " (it must match ");
		}
		ads_buf_addstr(&m, n->pattern.source);
		if (rc >= 0)
			ads_buf_addch(&m, ')');
		ok = report(v, n, "pattern", false, NULL, &m);
	}
	return ok;
}

/* ---- arrays ------------------------------------------------------ */

struct hashed {
	uint64_t h;
	size_t i;
};

static int cmp_hashed(const void *a, const void *b)
{
	const struct hashed *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Finds two equal items by sorting their hashes: O(n log n). */
static bool find_duplicate(const json_t *arr, size_t *first, size_t *second)
{
	size_t n = json_array_size(arr);
	struct hashed *h;
	bool found = false;

	if (n < 2)
		return false;
	h = xcalloc(n, sizeof(*h));
	for (size_t i = 0; i < n; i++) {
		h[i].h = sch_json_hash(json_array_get(arr, i));
		h[i].i = i;
	}
	qsort(h, n, sizeof(*h), cmp_hashed);
	for (size_t i = 0; i < n && !found; i++)
		for (size_t j = i + 1; j < n && h[j].h == h[i].h; j++)
			if (sch_json_equal(json_array_get(arr, h[i].i),
			                   json_array_get(arr, h[j].i))) {
				*first = h[i].i;
				*second = h[j].i;
				found = true;
				break;
			}
	free(h);
	return found;
}

/*
 * "'countries' must have at least 2 items (it has 1)"; a minimum of one
 * reads "must not be empty".
 */
static bool report_count(struct vctx *v, const struct sch_node *n,
                         const char *kw, const char *noun, size_t have,
                         json_int_t limit, bool at_least)
{
	struct ads_buf m = ADS_BUF_INIT;

	if (!v->out)
		return false; /* check mode: no words needed */
	subject(v, &m);
	if (at_least && limit == 1 && !have)
		ads_buf_addstr(&m, " must not be empty");
	else
		ads_buf_addf(&m,
		             " must have %s %" JSON_INTEGER_FORMAT
		             " %s%s (it has %zu)",
		             at_least ? "at least" : "at most", limit, noun,
		             limit == 1 ? "" : "s", have);
	return report(v, n, kw, false, NULL, &m);
}

static bool check_contains(struct vctx *v, const struct sch_node *n,
                           const json_t *inst, struct evals *ev)
{
	struct fvec *saved = v->out;
	size_t matches = 0, size = json_array_size(inst);

	v->out = NULL;
	for (size_t i = 0; i < size && !v->exhausted; i++) {
		push_index(v, i);
		if (vnode(v, n->contains, json_array_get(inst, i), NULL)) {
			matches++;
			ev_set(ev, i);
		}
		v->depth--;
	}
	v->out = saved;
	if (n->max_contains >= 0 && matches > (size_t)n->max_contains)
		return report_count(v, n, "maxContains", "matching item",
		                    matches, n->max_contains, false);
	if (matches >= (size_t)n->min_contains)
		return true;
	if (n->contains->const_val && n->min_contains == 1) {
		struct ads_buf m = ADS_BUF_INIT;

		if (!v->out)
			return false; /* check mode: no words needed */
		subject(v, &m);
		ads_buf_addstr(&m, " must include ");
		sch_msg_value(&m, n->contains->const_val);
		return report(v, n, "contains", false, NULL, &m);
	}
	return report_count(v, n,
	                    n->min_contains == 1 ? "contains" : "minContains",
	                    "matching item", matches, n->min_contains, true);
}

static bool check_array(struct vctx *v, const struct sch_node *n,
                        const json_t *inst, struct evals *ev)
{
	size_t size = json_array_size(inst), i, first, second;
	bool ok = true;

	if (n->min_items >= 0 && size < (size_t)n->min_items)
		ok = report_count(v, n, "minItems", "item", size, n->min_items,
		                  true);
	if (n->max_items >= 0 && size > (size_t)n->max_items)
		ok = report_count(v, n, "maxItems", "item", size, n->max_items,
		                  false);
	if (!ok && !v->out)
		return false;
	if (n->unique_items && find_duplicate(inst, &first, &second)) {
		struct ads_buf m = ADS_BUF_INIT;

		if (!v->out)
			return false; /* check mode: no words needed */
		subject(v, &m);
		ads_buf_addstr(&m, " must not list the same value twice (");
		sch_msg_value(&m, json_array_get(inst, first));
		ads_buf_addf(&m, " is item %zu and item %zu)", first + 1,
		             second + 1);
		ok = report(v, n, "uniqueItems", false, NULL, &m);
		if (!v->out)
			return false;
	}
	for (i = 0; i < size && i < n->prefix_items.nr; i++) {
		push_index(v, i);
		if (!vnode(v, n->prefix_items.v[i], json_array_get(inst, i),
		           NULL))
			ok = false;
		v->depth--;
		ev_set(ev, i);
		if (!ok && !v->out)
			return false;
	}
	if (n->items && i < size && n->items->is_bool && !n->items->bool_val) {
		ok = report_count(v, n, "items", "item", size, (json_int_t)i,
		                  false);
	} else if (n->items) {
		for (; i < size; i++) {
			push_index(v, i);
			if (!vnode(v, n->items, json_array_get(inst, i), NULL))
				ok = false;
			v->depth--;
			ev_set(ev, i);
			if (!ok && !v->out)
				return false;
		}
	}
	if (n->contains && !check_contains(v, n, inst, ev))
		ok = false;
	return ok;
}

/* ---- objects ----------------------------------------------------- */

static bool unknown_field(struct vctx *v, const struct sch_node *n,
                          const char *kw, const char *key,
                          const char *const *names, size_t nnames)
{
	struct ads_buf m = ADS_BUF_INIT;

	if (!v->out)
		return false; /* check mode: no words needed */
	ads_buf_addf(&m, "unknown field '%s'", key);
	return report(v, n, kw, true,
	              v->out ? ads_suggest(key, names, nnames) : NULL, &m);
}

static const char **declared_names(const struct sch_node *n)
{
	const char **names = xcalloc(n->nprops + 1, sizeof(*names));

	for (size_t i = 0; i < n->nprops; i++)
		names[i] = n->props[i].name;
	return names;
}

static bool check_property_name(struct vctx *v, const struct sch_node *n,
                                const char *key)
{
	json_t *name = v->set->scratch;
	bool ok, saved = v->key_mode;

	/* one string reused for every key: no allocation per member */
	if (json_string_set(name, key) < 0)
		return true; /* not UTF-8: jansson objects cannot hold it */
	v->key_mode = true;
	ok = vnode(v, n->property_names, name, NULL);
	v->key_mode = saved;
	return ok;
}

static bool check_members(struct vctx *v, const struct sch_node *n,
                          const json_t *inst, struct evals *ev)
{
	const char *key;
	json_t *val;
	size_t i = 0;
	bool ok = true;

	json_object_foreach(sch_unconst(inst), key, val) {
		bool matched = false;
		struct sch_node *s;

		push_key(v, key);
		if (n->property_names && !check_property_name(v, n, key))
			ok = false;
		if (n->nprops && (s = ads_map_get(&n->propmap, key))) {
			matched = true;
			if (!vnode(v, s, val, NULL))
				ok = false;
		}
		for (size_t p = 0; p < n->npattern_props; p++) {
			const struct sch_pattern *pp = &n->pattern_props[p];

			if (regex_match(v, pp->re, key, strlen(key)) != 1)
				continue;
			matched = true;
			if (!vnode(v, pp->schema, val, NULL))
				ok = false;
		}
		if (!matched && n->additional) {
			matched = true;
			if (n->additional->is_bool &&
			    !n->additional->bool_val) {
				const char **names =
				        v->out ? declared_names(n) : NULL;

				ok = unknown_field(v, n, "additionalProperties",
				                   key, names, n->nprops);
				free(names);
			} else if (!vnode(v, n->additional, val, NULL)) {
				ok = false;
			}
		}
		v->depth--;
		if (matched)
			ev_set(ev, i);
		i++;
		if ((!ok && !v->out) || v->exhausted)
			return false;
	}
	return ok;
}

/* Whether path[from, to) holds keys only, no list index. */
static bool keys_only(const struct vctx *v, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (!v->path[i].key)
			return false;
	return true;
}

/*
 * "missing required field 'x'", which points at the mapping's first key:
 * a mapping that a schema document of its own describes (a campaign in a
 * resource file) is named first by its path, which is its address
 * ("campaigns.spring: "), and a field below it by its path from there
 * ("'targeting.geo_locations'").
 */
static void missing_field(const struct vctx *v, struct ads_buf *m,
                          const char *name)
{
	bool named = v->base && v->base <= v->depth && keys_only(v, 0, v->base);

	for (size_t i = 0; named && i < v->base; i++)
		ads_buf_addf(m, "%s%s", i ? "." : "", v->path[i].key);
	if (named)
		ads_buf_addstr(m, ": ");
	ads_buf_addstr(m, "missing required field '");
	if (!named || !keys_only(v, v->base, v->depth)) {
		ads_buf_addf(m, "%s'", name);
		return;
	}
	for (size_t i = v->base; i < v->depth; i++)
		ads_buf_addf(m, "%s.", v->path[i].key);
	ads_buf_addf(m, "%s'", name);
}

static bool check_object(struct vctx *v, const struct sch_node *n,
                         const json_t *inst, struct evals *ev)
{
	size_t size = json_object_size(inst);
	bool ok = true;
	struct ads_buf m = ADS_BUF_INIT;

	for (size_t i = 0; i < n->nrequired; i++) {
		if (json_object_get(inst, n->required[i]))
			continue;
		if (!v->out)
			return false; /* check mode: no words needed */
		missing_field(v, &m, n->required[i]);
		ok = report(v, n, "required", false, NULL, &m);
		if (!v->out)
			return false;
		v->out->v[v->out->nr - 1].missing = n->required[i];
	}
	for (size_t i = 0; i < n->ndep_required; i++) {
		const struct sch_dep_required *d = &n->dep_required[i];

		if (!json_object_get(inst, d->name))
			continue;
		for (size_t k = 0; k < d->nrequired; k++) {
			if (json_object_get(inst, d->required[k]))
				continue;
			if (!v->out)
				return false; /* check mode: no words needed */
			ads_buf_addf(&m,
			             "missing field '%s' (required when '%s' "
			             "is set)",
			             d->required[k], d->name);
			ok = report(v, n, "dependentRequired", false, NULL, &m);
			if (!v->out)
				return false;
		}
	}
	if (n->min_props >= 0 && size < (size_t)n->min_props)
		ok = report_count(v, n, "minProperties", "field", size,
		                  n->min_props, true);
	if (n->max_props >= 0 && size > (size_t)n->max_props)
		ok = report_count(v, n, "maxProperties", "field", size,
		                  n->max_props, false);
	if (!ok && !v->out)
		return false;
	if ((n->nprops || n->npattern_props || n->additional ||
	     n->property_names) &&
	    !check_members(v, n, inst, ev))
		ok = false;
	return ok;
}

/* ---- in-place applicators ---------------------------------------- */

/* Branch scores for choosing which failed alternative to report. */
struct branch {
	struct fvec f;
	bool type_mismatch; /* the value is not of this branch's type */
	bool const_mismatch; /* a discriminating member has another value */
};

static void score_branch(const struct vctx *v, struct branch *b)
{
	for (size_t i = 0; i < b->f.nr; i++) {
		const struct failure *f = &b->f.v[i];

		if (f->depth == v->depth && !strcmp(f->keyword, "type"))
			b->type_mismatch = true;
		if (f->depth == v->depth + 1 && !strcmp(f->keyword, "const"))
			b->const_mismatch = true;
	}
}

static bool better(const struct branch *a, const struct branch *b)
{
	if (!b)
		return true;
	if (a->const_mismatch != b->const_mismatch)
		return !a->const_mismatch;
	return a->f.nr < b->f.nr;
}

static bool report_no_form(struct vctx *v, const struct sch_node *n,
                           const struct sch_list *l, const char *kw)
{
	struct ads_buf m = ADS_BUF_INIT, forms = ADS_BUF_INIT;

	for (size_t i = 0; i < l->nr; i++) {
		size_t before = forms.len;

		if (forms.len)
			ads_buf_addstr(&forms, ", ");
		if (!sch_msg_describe(&forms, l->v[i]))
			ads_buf_setlen(&forms, before);
	}
	subject(v, &m);
	if (forms.len)
		ads_buf_addf(&m, " must be one of: %s", forms.buf);
	else
		ads_buf_addstr(&m, " does not match any of the allowed forms");
	ads_buf_release(&forms);
	return report(v, n, kw, false, NULL, &m);
}

/*
 * anyOf (one = false) and oneOf (one = true). Branches are tried in check
 * mode; only when that fails, and failures are wanted, is each branch
 * walked again to find the one whose failures are worth reporting.
 */
static bool check_alternatives(struct vctx *v, const struct sch_node *n,
                               const struct sch_list *l, bool one,
                               const json_t *inst, struct evals *ev)
{
	struct fvec *saved = v->out;
	struct branch *br, *best = NULL;
	size_t nvalid = 0;
	bool all_mismatch = true;
	const char *kw = one ? "oneOf" : "anyOf";

	v->out = NULL;
	for (size_t i = 0; i < l->nr && !v->exhausted; i++) {
		struct evals tmp, *t = ev_scratch(&tmp, ev);

		if (vnode(v, l->v[i], inst, t)) {
			nvalid++;
			if (t)
				ev_merge(ev, t);
		}
		if (t)
			ev_release(t);
		if (nvalid && !one && !ev)
			break;
		if (one && nvalid > 1 && !ev)
			break;
	}
	v->out = saved;
	if (one ? nvalid == 1 : nvalid > 0)
		return true;
	if (!saved || v->exhausted)
		return false;
	if (nvalid > 1) {
		struct ads_buf m = ADS_BUF_INIT;

		subject(v, &m);
		ads_buf_addstr(&m, " matches more than one allowed form");
		return report(v, n, kw, false, NULL, &m);
	}
	br = xcalloc(l->nr, sizeof(*br));
	for (size_t i = 0; i < l->nr; i++) {
		v->out = &br[i].f;
		vnode(v, l->v[i], inst, NULL);
		score_branch(v, &br[i]);
		if (!br[i].type_mismatch) {
			all_mismatch = false;
			if (better(&br[i], best))
				best = &br[i];
		}
	}
	v->out = saved;
	if (all_mismatch || !best || !best->f.nr) {
		report_no_form(v, n, l, kw);
	} else {
		for (size_t i = 0; i < best->f.nr; i++)
			fvec_push(saved, &best->f.v[i]);
		best->f.nr = 0;
	}
	for (size_t i = 0; i < l->nr; i++)
		fvec_release(&br[i].f);
	free(br);
	return false;
}

static bool check_not(struct vctx *v, const struct sch_node *n,
                      const json_t *inst)
{
	struct fvec *saved = v->out;
	const struct sch_node *s = n->not_schema;
	struct ads_buf m = ADS_BUF_INIT;
	bool matched;

	v->out = NULL;
	matched = vnode(v, s, inst, NULL);
	v->out = saved;
	if (!matched || v->exhausted)
		return !matched;
	if (s->nrequired && json_is_object(inst)) {
		for (size_t i = 0; i < s->nrequired; i++) {
			if (i)
				ads_buf_addstr(&m, i == s->nrequired - 1
				                           ? " and "
				                           : ", ");
			ads_buf_addf(&m, "'%s'", s->required[i]);
		}
		ads_buf_addstr(&m, s->nrequired == 1
		                           ? " is not allowed here"
		                           : " cannot be used together");
	} else if ((s->const_val || s->enum_vals) && !json_is_object(inst) &&
	           !json_is_array(inst)) {
		sch_msg_value(&m, inst);
		ads_buf_addstr(&m, " is not allowed");
		for_subject(v, &m);
	} else {
		subject(v, &m);
		ads_buf_addstr(&m, " is not allowed in this form");
	}
	return report(v, n, "not", false, NULL, &m);
}

static bool check_if(struct vctx *v, const struct sch_node *n,
                     const json_t *inst, struct evals *ev)
{
	struct fvec *saved = v->out;
	struct evals tmp, *t = ev_scratch(&tmp, ev);
	bool cond;

	v->out = NULL;
	cond = vnode(v, n->if_schema, inst, t);
	v->out = saved;
	if (t) {
		if (cond)
			ev_merge(ev, t);
		ev_release(t);
	}
	if (cond && n->then_schema)
		return vnode(v, n->then_schema, inst, ev);
	if (!cond && n->else_schema)
		return vnode(v, n->else_schema, inst, ev);
	return true;
}

/* The target of $dynamicRef: the outermost matching dynamic anchor. */
static const struct sch_node *dynamic_target(const struct vctx *v,
                                             const struct sch_node *n)
{
	const struct sch_node *t = n->dynref;

	if (!n->dynref_anchor || !t->dyn_anchor ||
	    strcmp(t->dyn_anchor, n->dynref_anchor))
		return t;
	for (size_t i = 0; i < v->nscope; i++) {
		const struct sch_resource *r = v->scope[i];

		for (size_t k = 0; k < r->ndyn; k++)
			if (!strcmp(r->dyn_anchors[k].name, n->dynref_anchor))
				return r->dyn_anchors[k].schema;
	}
	return t;
}

static bool check_inplace(struct vctx *v, const struct sch_node *n,
                          const json_t *inst, struct evals *ev)
{
	bool ok = true;

#define STEP(cond)                            \
	do {                                  \
		if (!(cond)) {                \
			ok = false;           \
			if (!v->out)          \
				return false; \
		}                             \
	} while (0)

	if (n->ref)
		STEP(vnode(v, n->ref, inst, ev));
	if (n->dynref)
		STEP(vnode(v, dynamic_target(v, n), inst, ev));
	for (size_t i = 0; i < n->all_of.nr; i++)
		STEP(vnode(v, n->all_of.v[i], inst, ev));
	if (n->any_of.nr)
		STEP(check_alternatives(v, n, &n->any_of, false, inst, ev));
	if (n->one_of.nr)
		STEP(check_alternatives(v, n, &n->one_of, true, inst, ev));
	if (n->not_schema)
		STEP(check_not(v, n, inst));
	if (n->if_schema)
		STEP(check_if(v, n, inst, ev));
	if (json_is_object(inst))
		for (size_t i = 0; i < n->ndep_schemas; i++)
			if (json_object_get(inst, n->dep_schemas[i].name))
				STEP(vnode(v, n->dep_schemas[i].schema, inst,
				           ev));
#undef STEP
	return ok;
}

/* ---- unevaluated* ------------------------------------------------ */

static bool check_unevaluated(struct vctx *v, const struct sch_node *n,
                              const json_t *inst, struct evals *ev)
{
	bool ok = true;
	size_t i = 0;

	if (json_is_object(inst) && n->unevaluated_props) {
		const struct sch_node *u = n->unevaluated_props;
		const char *key;
		json_t *val;

		json_object_foreach(sch_unconst(inst), key, val) {
			if (ev_get(ev, i)) {
				i++;
				continue;
			}
			push_key(v, key);
			if (u->is_bool && !u->bool_val)
				ok = unknown_field(
				        v, n, "unevaluatedProperties", key,
				        n->known_props, n->nknown_props);
			else if (!vnode(v, u, val, NULL))
				ok = false;
			v->depth--;
			ev_set(ev, i++);
			if (!ok && !v->out)
				return false;
		}
	}
	if (json_is_array(inst) && n->unevaluated_items) {
		const struct sch_node *u = n->unevaluated_items;

		for (i = 0; i < json_array_size(inst); i++) {
			if (ev_get(ev, i))
				continue;
			push_index(v, i);
			if (u->is_bool && !u->bool_val && !v->out) {
				ok = false;
			} else if (u->is_bool && !u->bool_val) {
				struct ads_buf m = ADS_BUF_INIT;

				subject(v, &m);
				ads_buf_addstr(&m, " is not allowed here");
				ok = report(v, n, "unevaluatedItems", false,
				            NULL, &m);
			} else if (!vnode(v, u, json_array_get(inst, i),
			                  NULL)) {
				ok = false;
			}
			v->depth--;
			ev_set(ev, i);
			if (!ok && !v->out)
				return false;
		}
	}
	return ok;
}

/* ---- the walk ---------------------------------------------------- */

static bool report_false(struct vctx *v, const struct sch_node *n)
{
	struct ads_buf m = ADS_BUF_INIT;
	bool member = v->depth && v->path[v->depth - 1].key && !v->key_mode;

	if (!v->out)
		return false; /* check mode: no words needed */
	if (member) {
		ads_buf_addf(&m, "field '%s' is not allowed here",
		             field_name(v));
	} else {
		subject(v, &m);
		ads_buf_addstr(&m, " is not allowed here");
	}
	return report(v, n, NULL, member, NULL, &m);
}

/* "2500": a number in quotes, which YAML reads as a string. */
static bool quoted_integer(const json_t *inst)
{
	const char *s = json_string_value(inst);
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (*s == '-')
		s++;
	return len <= 20 && *s && strspn(s, "0123456789") == strlen(s);
}

static bool report_type(struct vctx *v, const struct sch_node *n,
                        const json_t *inst)
{
	struct ads_buf m = ADS_BUF_INIT;
	bool quoted =
	        (n->types & (SCH_INTEGER | SCH_NUMBER)) && quoted_integer(inst);

	if (!v->out)
		return false; /* check mode: no words needed */
	subject(v, &m);
	ads_buf_addstr(&m, " must be ");
	sch_msg_types(&m, n->types);
	ads_buf_addstr(&m, ", not ");
	sch_msg_actual_type(&m, inst);
	if (quoted)
		ads_buf_addf(&m, ": write %s without quotes",
		             json_string_value(inst));
	report(v, n, "type", false, NULL, &m);
	/* more to the point than any x-message ("budgets are in ...") */
	v->out->v[v->out->nr - 1].precise = quoted;
	return false;
}

/*
 * x-message: the schema author's words replace every failure found under
 * this schema object, once per instance location (the first failure there
 * keeps its keyword; the first suggestion there is kept).
 */
static void apply_xmessage(struct vctx *v, const struct sch_node *n,
                           size_t mark)
{
	struct fvec *o = v->out;
	size_t w = mark;

	for (size_t r = mark; r < o->nr; r++) {
		struct failure *same = NULL;

		for (size_t k = mark; k < w && !same; k++)
			if (!strcmp(o->v[k].ptr, o->v[r].ptr))
				same = &o->v[k];
		if (same) {
			if (!same->suggestion)
				same->suggestion = o->v[r].suggestion;
			/* it stands for more than one missing field now */
			same->missing = NULL;
			free_failure(&o->v[r]);
			continue;
		}
		if (!o->v[r].precise) {
			free(o->v[r].message);
			o->v[r].message = xstrdup(n->xmessage);
		}
		o->v[w++] = o->v[r];
	}
	o->nr = w;
}

static bool enter(struct vctx *v, const struct sch_node *n, bool *pushed)
{
	if (v->exhausted)
		return false;
	if (++v->steps > MAX_STEPS || v->nest >= MAX_NEST) {
		v->exhausted = true;
		return false;
	}
	v->nest++;
	*pushed = !v->nscope || v->scope[v->nscope - 1] != n->res;
	if (*pushed) {
		ADS_ALLOC_GROW(v->scope, v->nscope + 1, v->ascope);
		v->scope[v->nscope++] = n->res;
	}
	return true;
}

static bool vnode(struct vctx *v, const struct sch_node *n, const json_t *inst,
                  struct evals *ev)
{
	struct evals local = { NULL, 0 }, *use = ev;
	size_t mark = v->out ? v->out->nr : 0, base = v->base;
	bool ok = true, pushed;

	if (n->is_bool)
		return n->bool_val || report_false(v, n);
	if (!enter(v, n, &pushed))
		return false;
	if (n == n->res->root)
		v->base = v->depth;
	if (n->types && !sch_type_matches(n->types, inst)) {
		/* the node's other keywords would only repeat this */
		ok = report_type(v, n, inst);
		goto out;
	}
	if ((n->has & SCH_HAS_VALUE) && !check_value(v, n, inst)) {
		ok = false;
		if (!v->out)
			goto out;
	}
	if ((json_is_object(inst) && n->unevaluated_props) ||
	    (json_is_array(inst) && n->unevaluated_items)) {
		ev_init(&local, json_is_object(inst) ? json_object_size(inst)
		                                     : json_array_size(inst));
		use = &local;
	}
	switch (json_typeof(inst)) {
	case JSON_INTEGER:
	case JSON_REAL:
		if ((n->has & SCH_HAS_NUMBER) && !check_number(v, n, inst))
			ok = false;
		break;
	case JSON_STRING:
		if ((n->has & SCH_HAS_STRING) && !check_string(v, n, inst))
			ok = false;
		break;
	case JSON_ARRAY:
		if ((n->has & SCH_HAS_ARRAY) && !check_array(v, n, inst, use))
			ok = false;
		break;
	case JSON_OBJECT:
		if ((n->has & SCH_HAS_OBJECT) && !check_object(v, n, inst, use))
			ok = false;
		break;
	default:
		break;
	}
	if (!ok && !v->out)
		goto out;
	if ((n->has & SCH_HAS_INPLACE) && !check_inplace(v, n, inst, use))
		ok = false;
	if ((ok || v->out) && use == &local &&
	    !check_unevaluated(v, n, inst, use))
		ok = false;
	if (use == &local && ev && (ok || v->out))
		ev_merge(ev, &local);
out:
	if (v->out && n->xmessage && v->out->nr > mark)
		apply_xmessage(v, n, mark);
	ev_release(&local);
	v->base = base;
	if (pushed)
		v->nscope--;
	v->nest--;
	return ok && !v->exhausted;
}

/* ---- entry point ------------------------------------------------- */

/* key = "a\nb", a key of two strings for a map (a: its first alen bytes). */
static void pair_key(struct ads_buf *key, const char *a, size_t alen,
                     const char *b)
{
	ads_buf_reset(key);
	ads_buf_add(key, a, alen);
	ads_buf_addch(key, '\n');
	ads_buf_addstr(key, b);
}

/* Drops failures that repeat an earlier one (same place, same words). */
static void dedupe(struct fvec *fv)
{
	struct ads_map seen = ADS_MAP_INIT;
	struct ads_buf key = ADS_BUF_INIT;
	size_t w = 0;

	for (size_t r = 0; r < fv->nr; r++) {
		pair_key(&key, fv->v[r].ptr, strlen(fv->v[r].ptr),
		         fv->v[r].message);
		if (ads_map_has(&seen, key.buf)) {
			free_failure(&fv->v[r]);
			continue;
		}
		ads_map_put(&seen, key.buf, NULL);
		fv->v[w++] = fv->v[r];
	}
	fv->nr = w;
	ads_buf_release(&key);
	ads_map_release(&seen, NULL);
}

/*
 * Drops "missing required field 'x'" where an unknown field of the same
 * mapping is a near miss of x ("did you mean 'x'?"): that one mistake,
 * a misspelling, is said better by the unknown field, at its own line.
 */
static void drop_misspelt_required(struct fvec *fv)
{
	struct ads_map meant = ADS_MAP_INIT;
	struct ads_buf key = ADS_BUF_INIT;
	size_t w = 0;

	for (size_t r = 0; r < fv->nr; r++) {
		const struct failure *f = &fv->v[r];
		const char *slash = strrchr(f->ptr, '/');

		if (!f->at_key || !f->suggestion || !slash)
			continue;
		pair_key(&key, f->ptr, (size_t)(slash - f->ptr), f->suggestion);
		ads_map_put(&meant, key.buf, NULL);
	}
	for (size_t r = 0; r < fv->nr; r++) {
		if (fv->v[r].missing && ads_map_count(&meant)) {
			pair_key(&key, fv->v[r].ptr, strlen(fv->v[r].ptr),
			         fv->v[r].missing);
			if (ads_map_has(&meant, key.buf)) {
				free_failure(&fv->v[r]);
				continue;
			}
		}
		fv->v[w++] = fv->v[r];
	}
	fv->nr = w;
	ads_buf_release(&key);
	ads_map_release(&meant, NULL);
}

/* Splits base_ptr into path segments (owned copies in keys). */
static void push_base(struct vctx *v, const char *base_ptr,
                      struct ads_strvec *keys)
{
	struct ads_strvec raw = ADS_STRVEC_INIT;

	if (!*base_ptr)
		return;
	ads_strvec_split(&raw, base_ptr + (*base_ptr == '/'), '/');
	for (size_t i = 0; i < raw.nr; i++) {
		struct ads_buf tok = ADS_BUF_INIT;

		for (const char *p = raw.v[i]; *p; p++) {
			if (p[0] == '~' && (p[1] == '0' || p[1] == '1'))
				ads_buf_addch(&tok, *++p == '0' ? '~' : '/');
			else
				ads_buf_addch(&tok, *p);
		}
		ads_strvec_push_nodup(keys, ads_buf_detach(&tok, NULL));
	}
	ads_strvec_release(&raw);
	for (size_t i = 0; i < keys->nr; i++) {
		/* an all-digit token is an array index in messages */
		const char *k = keys->v[i];
		size_t idx = 0;
		bool digits = *k && (k[0] != '0' || !k[1]);

		for (const char *p = k; *p && digits; p++) {
			digits = *p >= '0' && *p <= '9';
			idx = idx * 10 + (size_t)(*p - '0');
		}
		if (digits)
			push_index(v, idx);
		else
			push_key(v, k);
	}
}

int sch_validate(struct ads_schema_set *set, const struct sch_node *root,
                 const char *base_ptr, const json_t *instance,
                 ads_schema_failure_fn fn, void *ctx, struct ads_error *err)
{
	struct vctx v;
	struct fvec out = { NULL, 0, 0 };
	struct ads_strvec keys = ADS_STRVEC_INIT;
	int ret;

	memset(&v, 0, sizeof(v));
	v.set = set;
	v.out = &out;
	push_base(&v, base_ptr ? base_ptr : "", &keys);
	vnode(&v, root, instance, NULL);
	if (v.exhausted) {
		ret = ads_error_set(err, ADS_ETOOBIG,
		                    "schema %s: validation needs more work or "
		                    "nesting than allowed",
		                    root->loc);
		goto out;
	}
	dedupe(&out);
	drop_misspelt_required(&out);
	for (size_t i = 0; fn && i < out.nr; i++) {
		const struct failure *f = &out.v[i];
		struct ads_schema_failure pub = {
			.instance_ptr = f->ptr,
			.at_key = f->at_key,
			.keyword = f->keyword,
			.schema_ptr = f->schema_ptr,
			.message = f->message,
			.suggestion = f->suggestion,
		};

		fn(ctx, &pub);
	}
	ret = out.nr > (size_t)INT32_MAX ? INT32_MAX : (int)out.nr;
out:
	fvec_release(&out);
	free(v.path);
	free(v.scope);
	ads_strvec_release(&keys);
	return ret;
}
