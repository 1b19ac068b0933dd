/*
 * The schema compiler: turns JSON Schema documents into struct sch_node
 * graphs (compile.h). It checks every keyword's type, compiles regular
 * expressions with PCRE2, registers $id/$anchor/$dynamicAnchor URIs,
 * resolves $ref and $dynamicRef to node pointers, and refuses schemas that
 * would apply themselves to the same value forever. A batch either compiles
 * completely or leaves the set as it was.
 */
#include "schema/compile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema/uri.h"
#include "util/strutil.h"
#include "util/xalloc.h"

const char *const ads_schema_unsupported[] = {
	"$vocabulary", /* every 2020-12 vocabulary is always on */
	NULL,
};

struct compiler {
	struct ads_schema_set *set;
	size_t node_mark, res_mark, doc_mark; /* rollback points */
	struct ads_strvec uris; /* keys this batch added to set->uris */
	struct ads_buf ptr; /* JSON Pointer of the node within its resource */
	size_t pending; /* nodes before this index have their refs resolved */
	struct ads_error *err;
	bool failed;
	int code; /* what finish() returns on failure */
};

/* The ECMA-262-like dialect of PCRE2 that `pattern` is compiled in. */
#define SCH_PCRE2_OPTIONS                                    \
	(PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX | \
	 PCRE2_ALLOW_EMPTY_CLASS)

static bool fail(struct compiler *c, const struct sch_node *n, const char *kw,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool fail(struct compiler *c, const struct sch_node *n, const char *kw,
                 const char *fmt, ...)
{
	struct ads_buf b = ADS_BUF_INIT;
	va_list ap;

	if (c->failed)
		return false;
	c->failed = true;
	c->code = n ? ADS_EINVALID : ADS_ENOTFOUND;
	if (n) {
		ads_buf_addf(&b, "schema %s", n->loc);
		if (kw)
			ads_schema_pointer_push(&b, kw);
		ads_buf_addstr(&b, ": ");
	}
	va_start(ap, fmt);
	ads_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ads_error_set(c->err, c->code, "%s", b.buf);
	ads_buf_release(&b);
	return false;
}

bool sch_type_matches(unsigned mask, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return mask & SCH_OBJECT;
	case JSON_ARRAY:
		return mask & SCH_ARRAY;
	case JSON_STRING:
		return mask & SCH_STRING;
	case JSON_INTEGER:
		return mask & (SCH_INTEGER | SCH_NUMBER);
	case JSON_REAL: {
		double d = json_real_value(v);

		if (mask & SCH_NUMBER)
			return true;
		return (mask & SCH_INTEGER) && isfinite(d) && d == floor(d);
	}
	case JSON_TRUE:
	case JSON_FALSE:
		return mask & SCH_BOOLEAN;
	case JSON_NULL:
		return mask & SCH_NULL;
	}
	return false;
}

static unsigned type_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "null", SCH_NULL },       { "boolean", SCH_BOOLEAN },
		{ "object", SCH_OBJECT },   { "array", SCH_ARRAY },
		{ "number", SCH_NUMBER },   { "string", SCH_STRING },
		{ "integer", SCH_INTEGER },
	};

	for (size_t i = 0; i < ADS_ARRAY_SIZE(names); i++)
		if (!strcmp(names[i].name, name))
			return names[i].bit;
	return 0;
}

/* ---- registration and bookkeeping -------------------------------- */

static void add_node(struct ads_schema_set *set, struct sch_node *n)
{
	ADS_ALLOC_GROW(set->nodes, set->nnodes + 1, set->anodes);
	set->nodes[set->nnodes++] = n;
}

static struct sch_resource *new_resource(struct compiler *c, const char *uri,
                                         struct sch_doc *doc)
{
	struct ads_schema_set *set = c->set;
	struct sch_resource *r = xcalloc(1, sizeof(*r));

	r->uri = xstrdup(uri);
	r->doc = doc;
	ADS_ALLOC_GROW(set->res, set->nres + 1, set->ares);
	set->res[set->nres++] = r;
	return r;
}

static bool register_uri(struct compiler *c, const char *uri,
                         struct sch_node *n, const char *kw)
{
	struct sch_node *old = ads_map_get(&c->set->uris, uri);

	if (old == n)
		return true;
	if (old)
		return fail(c, n, kw, "'%s' is already the URI of %s", uri,
		            old->loc);
	ads_map_put(&c->set->uris, uri, n);
	ads_strvec_push(&c->uris, uri);
	return true;
}

static void free_node(struct sch_node *n)
{
	if (!n)
		return;
	free(n->loc);
	ads_map_release(&n->enum_strs, NULL);
	pcre2_code_free(n->pattern.re);
	free(n->prefix_items.v);
	free(n->props);
	ads_map_release(&n->propmap, NULL);
	for (size_t i = 0; i < n->npattern_props; i++)
		pcre2_code_free(n->pattern_props[i].re);
	free(n->pattern_props);
	free(n->required);
	for (size_t i = 0; i < n->ndep_required; i++)
		free(n->dep_required[i].required);
	free(n->dep_required);
	free(n->dep_schemas);
	free(n->known_props);
	free(n->all_of.v);
	free(n->any_of.v);
	free(n->one_of.v);
	free(n->ref_uri);
	free(n->dynref_uri);
	free(n);
}

static void free_resource(struct sch_resource *r)
{
	free(r->uri);
	free(r->dyn_anchors);
	free(r);
}

static void free_doc(struct sch_doc *d)
{
	ads_ptrmap_release(&d->nodes, NULL);
	json_decref(d->json);
	free(d);
}

/* Undoes everything the batch added: URIs, nodes, resources, documents. */
static void rollback(struct compiler *c)
{
	struct ads_schema_set *set = c->set;

	for (size_t i = 0; i < c->uris.nr; i++)
		ads_map_remove(&set->uris, c->uris.v[i]);
	for (size_t i = c->node_mark; i < set->nnodes; i++) {
		struct sch_node *n = set->nodes[i];
		struct ads_ptrmap *m = &n->res->doc->nodes;

		if (!n->is_bool && ads_ptrmap_get(m, n->json) == n)
			ads_ptrmap_remove(m, n->json);
		free_node(n);
	}
	set->nnodes = c->node_mark;
	for (size_t i = c->res_mark; i < set->nres; i++)
		free_resource(set->res[i]);
	set->nres = c->res_mark;
	for (size_t i = c->doc_mark; i < set->ndocs; i++)
		free_doc(set->docs[i]);
	set->ndocs = c->doc_mark;
}

void sch_release_all(struct ads_schema_set *set)
{
	for (size_t i = 0; i < set->nnodes; i++)
		free_node(set->nodes[i]);
	free(set->nodes);
	for (size_t i = 0; i < set->nres; i++)
		free_resource(set->res[i]);
	free(set->res);
	for (size_t i = 0; i < set->ndocs; i++)
		free_doc(set->docs[i]);
	free(set->docs);
	ads_map_release(&set->uris, NULL);
	set->nodes = NULL;
	set->res = NULL;
	set->docs = NULL;
	set->nnodes = set->anodes = set->nres = set->ares = 0;
	set->ndocs = set->adocs = 0;
}

/* ---- keyword decoding -------------------------------------------- */

static struct sch_node *compile_node(struct compiler *c, const json_t *j,
                                     struct sch_resource *res);

/* Compiles the subschema at kw[/key][/idx]. */
static struct sch_node *sub(struct compiler *c, const json_t *v,
                            struct sch_resource *res, const char *kw,
                            const char *key, long idx)
{
	size_t len = c->ptr.len;
	struct sch_node *n;

	ads_schema_pointer_push(&c->ptr, kw);
	if (key)
		ads_schema_pointer_push(&c->ptr, key);
	if (idx >= 0)
		ads_buf_addf(&c->ptr, "/%ld", idx);
	n = compile_node(c, v, res);
	ads_buf_setlen(&c->ptr, len);
	return n;
}

static bool get_num(struct compiler *c, struct sch_node *n, const char *kw,
                    struct sch_num *out)
{
	const json_t *v = json_object_get(n->json, kw);

	if (!v)
		return true;
	if (json_is_integer(v)) {
		out->is_int = true;
		out->i = json_integer_value(v);
		out->d = (double)out->i;
	} else if (json_is_real(v)) {
		out->d = json_real_value(v);
	} else {
		return fail(c, n, kw, "must be a number");
	}
	out->set = true;
	n->has |= SCH_HAS_NUMBER;
	return true;
}

/* A non-negative integer (2.0 counts as 2); *out is left alone if absent. */
static bool get_count(struct compiler *c, struct sch_node *n, const char *kw,
                      json_int_t *out, unsigned has)
{
	const json_t *v = json_object_get(n->json, kw);

	if (!v)
		return true;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = json_integer_value(v);
	} else if (json_is_real(v) && json_real_value(v) >= 0 &&
	           json_real_value(v) == floor(json_real_value(v)) &&
	           json_real_value(v) < 9.2e18) {
		*out = (json_int_t)json_real_value(v);
	} else {
		return fail(c, n, kw, "must be a non-negative integer");
	}
	n->has |= has;
	return true;
}

static bool get_string(struct compiler *c, struct sch_node *n, const char *kw,
                       const char **out)
{
	const json_t *v = json_object_get(n->json, kw);

	if (!v)
		return true;
	if (!json_is_string(v))
		return fail(c, n, kw, "must be a string");
	*out = json_string_value(v);
	return true;
}

static bool get_schema(struct compiler *c, struct sch_node *n,
                       struct sch_resource *res, const char *kw,
                       struct sch_node **out, unsigned has)
{
	const json_t *v = json_object_get(n->json, kw);

	if (!v)
		return true;
	*out = sub(c, v, res, kw, NULL, -1);
	n->has |= has;
	return *out != NULL;
}

static bool get_list(struct compiler *c, struct sch_node *n,
                     struct sch_resource *res, const char *kw,
                     struct sch_list *out, unsigned has)
{
	const json_t *v = json_object_get(n->json, kw);
	const json_t *item;
	size_t i;

	if (!v)
		return true;
	if (!json_is_array(v) || !json_array_size(v))
		return fail(c, n, kw, "must be a non-empty array of schemas");
	out->v = xcalloc(json_array_size(v), sizeof(*out->v));
	json_array_foreach(v, i, item) {
		out->v[i] = sub(c, item, res, kw, NULL, (long)i);
		if (!out->v[i])
			return false;
		out->nr++;
	}
	n->has |= has;
	return true;
}

/* Compiles the members of an object of schemas ($defs, properties ...). */
static bool get_schema_map(struct compiler *c, struct sch_node *n,
                           struct sch_resource *res, const char *kw,
                           struct sch_prop **out, size_t *nout, unsigned has)
{
	const json_t *v = json_object_get(n->json, kw);
	const char *key;
	const json_t *val;
	size_t i = 0;

	if (!v)
		return true;
	if (!json_is_object(v))
		return fail(c, n, kw, "must be an object of schemas");
	if (out)
		*out = xcalloc(json_object_size(v) + 1, sizeof(**out));
	json_object_foreach(sch_unconst(v), key, val) {
		struct sch_node *s = sub(c, val, res, kw, key, -1);

		if (!s)
			return false;
		if (out) {
			(*out)[i].name = key;
			(*out)[i].schema = s;
			i++;
		}
	}
	if (nout)
		*nout = i;
	n->has |= has;
	return true;
}

static bool get_string_array(struct compiler *c, struct sch_node *n,
                             const char *kw, const json_t *v, const char ***out,
                             size_t *nout)
{
	const json_t *item;
	size_t i;

	if (!json_is_array(v))
		return fail(c, n, kw, "must be an array of strings");
	*out = xcalloc(json_array_size(v) + 1, sizeof(**out));
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return fail(c, n, kw, "must be an array of strings");
		(*out)[i] = json_string_value(item);
	}
	*nout = json_array_size(v);
	return true;
}

/* ECMA-262 General_Category names (Table 67) that PCRE2 spells short. */
static const char *const gc_names[][2] = {
	{ "Letter", "L" },
	{ "Cased_Letter", "LC" },
	{ "Uppercase_Letter", "Lu" },
	{ "Lowercase_Letter", "Ll" },
	{ "Titlecase_Letter", "Lt" },
	{ "Modifier_Letter", "Lm" },
	{ "Other_Letter", "Lo" },
	{ "Mark", "M" },
	{ "Combining_Mark", "M" },
	{ "Nonspacing_Mark", "Mn" },
	{ "Spacing_Mark", "Mc" },
	{ "Enclosing_Mark", "Me" },
	{ "Number", "N" },
	{ "Decimal_Number", "Nd" },
	{ "digit", "Nd" },
	{ "Letter_Number", "Nl" },
	{ "Other_Number", "No" },
	{ "Punctuation", "P" },
	{ "punct", "P" },
	{ "Connector_Punctuation", "Pc" },
	{ "Dash_Punctuation", "Pd" },
	{ "Open_Punctuation", "Ps" },
	{ "Close_Punctuation", "Pe" },
	{ "Initial_Punctuation", "Pi" },
	{ "Final_Punctuation", "Pf" },
	{ "Other_Punctuation", "Po" },
	{ "Symbol", "S" },
	{ "Math_Symbol", "Sm" },
	{ "Currency_Symbol", "Sc" },
	{ "Modifier_Symbol", "Sk" },
	{ "Other_Symbol", "So" },
	{ "Separator", "Z" },
	{ "Space_Separator", "Zs" },
	{ "Line_Separator", "Zl" },
	{ "Paragraph_Separator", "Zp" },
	{ "Other", "C" },
	{ "Control", "Cc" },
	{ "cntrl", "Cc" },
	{ "Format", "Cf" },
	{ "Surrogate", "Cs" },
	{ "Private_Use", "Co" },
	{ "Unassigned", "Cn" },
};

/* ECMA-262 \s: WhiteSpace and LineTerminator, beyond ASCII. */
#define ECMA_SPACE                                                            \
	"\\s\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000" \
	"\\ufeff"

/*
 * Rewrites the parts of an ECMA-262 pattern that PCRE2 reads differently:
 * \s and \S cover Unicode spaces, and \p{Letter}, \p{gc=Lu} and the other
 * General_Category spellings become PCRE2's short names.
 */
static void ecma_to_pcre2(struct ads_buf *out, const char *p, size_t len)
{
	const char *end = p + len;
	bool in_class = false;

	while (p < end) {
		if (*p == '\\' && p + 1 < end) {
			char e = p[1];
			const char *close;

			if (e == 's' || e == 'S') {
				if (in_class && e == 's')
					ads_buf_addstr(out, ECMA_SPACE);
				else if (in_class)
					ads_buf_addstr(out, "\\S");
				else
					ads_buf_addstr(
					        out,
					        e == 's' ? "[" ECMA_SPACE "]"
					                 : "[^" ECMA_SPACE "]");
				p += 2;
				continue;
			}
			if ((e == 'p' || e == 'P') && p + 2 < end &&
			    p[2] == '{' &&
			    (close = memchr(p + 3, '}',
			                    (size_t)(end - p - 3)))) {
				const char *name = p + 3;
				size_t nlen = (size_t)(close - name);
				const char *mapped = NULL;

				if (nlen > 17 &&
				    !strncmp(name, "General_Category=", 17))
					name += 17, nlen -= 17;
				else if (nlen > 3 && !strncmp(name, "gc=", 3))
					name += 3, nlen -= 3;
				for (size_t i = 0; i < ADS_ARRAY_SIZE(gc_names);
				     i++)
					if (strlen(gc_names[i][0]) == nlen &&
					    !strncmp(gc_names[i][0], name,
					             nlen))
						mapped = gc_names[i][1];
				ads_buf_addch(out, '\\');
				ads_buf_addch(out, e);
				ads_buf_addch(out, '{');
				if (mapped)
					ads_buf_addstr(out, mapped);
				else
					ads_buf_add(out, name, nlen);
				ads_buf_addch(out, '}');
				p = close + 1;
				continue;
			}
			ads_buf_add(out, p, 2);
			p += 2;
			continue;
		}
		if (*p == '[' && !in_class)
			in_class = true;
		else if (*p == ']' && in_class)
			in_class = false;
		ads_buf_addch(out, *p++);
	}
}

static bool compile_regex(struct compiler *c, struct sch_node *n,
                          const char *kw, const char *src, size_t len,
                          pcre2_code **out)
{
	int code;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[256];
	struct ads_buf pat = ADS_BUF_INIT;

	ecma_to_pcre2(&pat, src, len);
	*out = pcre2_compile((PCRE2_SPTR)pat.buf, pat.len, SCH_PCRE2_OPTIONS,
	                     &code, &off, c->set->ccontext);
	ads_buf_release(&pat);
	if (!*out) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return fail(c, n, kw, "invalid regular expression '%s': %s",
		            src, (char *)msg);
	}
	/* JIT is an optimisation: fall back to the interpreter without it. */
	(void)pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
	return true;
}

static bool compile_type(struct compiler *c, struct sch_node *n)
{
	const json_t *v = json_object_get(n->json, "type"), *item;
	size_t i;

	if (!v)
		return true;
	if (json_is_string(v)) {
		n->types = type_bit(json_string_value(v));
		if (!n->types)
			return fail(c, n, "type", "unknown type '%s'",
			            json_string_value(v));
		return true;
	}
	if (!json_is_array(v))
		return fail(c, n, "type", "must be a type name or an array");
	json_array_foreach(v, i, item) {
		unsigned bit = json_is_string(item)
		                       ? type_bit(json_string_value(item))
		                       : 0;

		if (!bit)
			return fail(c, n, "type",
			            "must list type names (null, boolean, "
			            "object, array, number, string, integer)");
		n->types |= bit;
	}
	/* "type": [] allows nothing; keep it distinguishable from absent */
	if (!n->types)
		n->types = 1u << 7;
	return true;
}

static bool compile_enum(struct compiler *c, struct sch_node *n)
{
	const json_t *v = json_object_get(n->json, "enum"), *item;
	size_t i;

	n->const_val = json_object_get(n->json, "const");
	if (n->const_val)
		n->has |= SCH_HAS_VALUE;
	if (!v)
		return true;
	if (!json_is_array(v))
		return fail(c, n, "enum", "must be an array");
	n->enum_vals = v;
	n->has |= SCH_HAS_VALUE;
	json_array_foreach(v, i, item) {
		if (json_is_string(item) && !memchr(json_string_value(item), 0,
		                                    json_string_length(item)))
			ads_map_put(&n->enum_strs, json_string_value(item),
			            sch_unconst(item));
		else
			n->enum_has_nonstr = true;
	}
	return true;
}

static bool compile_numbers(struct compiler *c, struct sch_node *n)
{
	if (!get_num(c, n, "minimum", &n->minimum) ||
	    !get_num(c, n, "maximum", &n->maximum) ||
	    !get_num(c, n, "exclusiveMinimum", &n->xminimum) ||
	    !get_num(c, n, "exclusiveMaximum", &n->xmaximum) ||
	    !get_num(c, n, "multipleOf", &n->multiple_of))
		return false;
	if (n->multiple_of.set && !(n->multiple_of.d > 0))
		return fail(c, n, "multipleOf", "must be greater than 0");
	return true;
}

static bool compile_strings(struct compiler *c, struct sch_node *n)
{
	const json_t *v = json_object_get(n->json, "pattern");

	if (!get_count(c, n, "minLength", &n->min_length, SCH_HAS_STRING) ||
	    !get_count(c, n, "maxLength", &n->max_length, SCH_HAS_STRING))
		return false;
	if (!v)
		return true;
	if (!json_is_string(v))
		return fail(c, n, "pattern", "must be a string");
	n->pattern.source = json_string_value(v);
	n->has |= SCH_HAS_STRING;
	return compile_regex(c, n, "pattern", json_string_value(v),
	                     json_string_length(v), &n->pattern.re);
}

static bool compile_arrays(struct compiler *c, struct sch_node *n,
                           struct sch_resource *res)
{
	const json_t *v = json_object_get(n->json, "items");

	if (v && json_is_array(v))
		return fail(c, n, "items",
		            "must be a schema (draft 2020-12 spells a tuple "
		            "'prefixItems')");
	if (!get_list(c, n, res, "prefixItems", &n->prefix_items,
	              SCH_HAS_ARRAY) ||
	    !get_schema(c, n, res, "items", &n->items, SCH_HAS_ARRAY) ||
	    !get_schema(c, n, res, "contains", &n->contains, SCH_HAS_ARRAY) ||
	    !get_schema(c, n, res, "unevaluatedItems", &n->unevaluated_items,
	                SCH_HAS_ARRAY) ||
	    !get_count(c, n, "minContains", &n->min_contains, 0) ||
	    !get_count(c, n, "maxContains", &n->max_contains, 0) ||
	    !get_count(c, n, "minItems", &n->min_items, SCH_HAS_ARRAY) ||
	    !get_count(c, n, "maxItems", &n->max_items, SCH_HAS_ARRAY))
		return false;
	v = json_object_get(n->json, "uniqueItems");
	if (v) {
		if (!json_is_boolean(v))
			return fail(c, n, "uniqueItems",
			            "must be true or false");
		n->unique_items = json_is_true(v);
		n->has |= SCH_HAS_ARRAY;
	}
	return true;
}

static int cmp_prop(const void *a, const void *b)
{
	const struct sch_prop *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static bool compile_objects(struct compiler *c, struct sch_node *n,
                            struct sch_resource *res)
{
	const json_t *v;
	const char *key;
	const json_t *val;
	size_t i = 0;

	if (!get_schema_map(c, n, res, "properties", &n->props, &n->nprops,
	                    SCH_HAS_OBJECT))
		return false;
	for (i = 0; i < n->nprops; i++)
		ads_map_put(&n->propmap, n->props[i].name, n->props[i].schema);
	/* sorted, so that suggestions and messages do not depend on order */
	if (n->nprops)
		qsort(n->props, n->nprops, sizeof(*n->props), cmp_prop);

	v = json_object_get(n->json, "patternProperties");
	if (v) {
		if (!json_is_object(v))
			return fail(c, n, "patternProperties",
			            "must be an object of schemas");
		n->pattern_props = xcalloc(json_object_size(v) + 1,
		                           sizeof(struct sch_pattern));
		i = 0;
		json_object_foreach(sch_unconst(v), key, val) {
			struct sch_pattern *p = &n->pattern_props[i];

			p->source = key;
			n->npattern_props = ++i;
			if (!compile_regex(c, n, "patternProperties", key,
			                   strlen(key), &p->re))
				return false;
			p->schema =
			        sub(c, val, res, "patternProperties", key, -1);
			if (!p->schema)
				return false;
		}
		n->has |= SCH_HAS_OBJECT;
	}
	if (!get_schema(c, n, res, "additionalProperties", &n->additional,
	                SCH_HAS_OBJECT) ||
	    !get_schema(c, n, res, "propertyNames", &n->property_names,
	                SCH_HAS_OBJECT) ||
	    !get_schema(c, n, res, "unevaluatedProperties",
	                &n->unevaluated_props, SCH_HAS_OBJECT) ||
	    !get_count(c, n, "minProperties", &n->min_props, SCH_HAS_OBJECT) ||
	    !get_count(c, n, "maxProperties", &n->max_props, SCH_HAS_OBJECT) ||
	    !get_schema_map(c, n, res, "dependentSchemas", &n->dep_schemas,
	                    &n->ndep_schemas, SCH_HAS_OBJECT))
		return false;

	v = json_object_get(n->json, "required");
	if (v) {
		if (!get_string_array(c, n, "required", v, &n->required,
		                      &n->nrequired))
			return false;
		n->has |= SCH_HAS_OBJECT;
	}
	v = json_object_get(n->json, "dependentRequired");
	if (v) {
		if (!json_is_object(v))
			return fail(c, n, "dependentRequired",
			            "must be an object of string arrays");
		n->dep_required = xcalloc(json_object_size(v) + 1,
		                          sizeof(*n->dep_required));
		i = 0;
		json_object_foreach(sch_unconst(v), key, val) {
			struct sch_dep_required *d = &n->dep_required[i];

			d->name = key;
			n->ndep_required = ++i;
			if (!get_string_array(c, n, "dependentRequired", val,
			                      &d->required, &d->nrequired))
				return false;
		}
		n->has |= SCH_HAS_OBJECT;
	}
	return true;
}

static bool valid_anchor(const char *s)
{
	/* NCName-like: a letter or '_', then letters, digits, - _ . */
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	      *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

static bool compile_anchor(struct compiler *c, struct sch_node *n,
                           struct sch_resource *res, const char *kw)
{
	const char *name = NULL;
	char *uri;
	bool ok;

	if (!get_string(c, n, kw, &name))
		return false;
	if (!name)
		return true;
	if (!valid_anchor(name))
		return fail(c, n, kw, "'%s' is not a valid anchor name", name);
	uri = xasprintf("%s#%s", res->uri, name);
	ok = register_uri(c, uri, n, kw);
	free(uri);
	if (ok && !strcmp(kw, "$dynamicAnchor")) {
		n->dyn_anchor = name;
		ADS_ALLOC_GROW(res->dyn_anchors, res->ndyn + 1, res->adyn);
		res->dyn_anchors[res->ndyn].name = name;
		res->dyn_anchors[res->ndyn].schema = n;
		res->ndyn++;
	}
	return ok;
}

static bool compile_refs(struct compiler *c, struct sch_node *n,
                         struct sch_resource *res)
{
	const char *ref = NULL, *dynref = NULL;

	if (!get_string(c, n, "$ref", &ref) ||
	    !get_string(c, n, "$dynamicRef", &dynref))
		return false;
	if (ref) {
		n->ref_uri = ads_schema_uri_resolve(res->uri, ref);
		n->has |= SCH_HAS_INPLACE;
	}
	if (dynref) {
		const char *hash = strchr(dynref, '#');

		n->dynref_uri = ads_schema_uri_resolve(res->uri, dynref);
		/* only a plain-name fragment can be dynamic */
		if (hash && valid_anchor(hash + 1))
			n->dynref_anchor = hash + 1;
		n->has |= SCH_HAS_INPLACE;
	}
	return true;
}

static bool compile_keywords(struct compiler *c, struct sch_node *n,
                             struct sch_resource *res)
{
	const char *schema_uri = NULL;

	if (!get_string(c, n, "$schema", &schema_uri) ||
	    !get_string(c, n, "x-message", &n->xmessage) ||
	    !compile_anchor(c, n, res, "$anchor") ||
	    !compile_anchor(c, n, res, "$dynamicAnchor") ||
	    !get_schema_map(c, n, res, "$defs", NULL, NULL, 0) ||
	    !compile_type(c, n) || !compile_enum(c, n) ||
	    !compile_numbers(c, n) || !compile_strings(c, n) ||
	    !compile_arrays(c, n, res) || !compile_objects(c, n, res) ||
	    !compile_refs(c, n, res) ||
	    !get_list(c, n, res, "allOf", &n->all_of, SCH_HAS_INPLACE) ||
	    !get_list(c, n, res, "anyOf", &n->any_of, SCH_HAS_INPLACE) ||
	    !get_list(c, n, res, "oneOf", &n->one_of, SCH_HAS_INPLACE) ||
	    !get_schema(c, n, res, "not", &n->not_schema, SCH_HAS_INPLACE) ||
	    !get_schema(c, n, res, "if", &n->if_schema, SCH_HAS_INPLACE) ||
	    !get_schema(c, n, res, "then", &n->then_schema, 0) ||
	    !get_schema(c, n, res, "else", &n->else_schema, 0))
		return false;
	if (n->ndep_schemas)
		n->has |= SCH_HAS_INPLACE;
	return true;
}

static struct sch_node *new_node(struct compiler *c, const json_t *j,
                                 struct sch_resource *res)
{
	struct sch_node *n = xcalloc(1, sizeof(*n));

	n->json = j;
	n->res = res;
	n->loc = xasprintf("%s#%s", res->uri, c->ptr.buf);
	n->min_length = n->max_length = -1;
	n->min_items = n->max_items = -1;
	n->min_props = n->max_props = -1;
	n->min_contains = 1;
	n->max_contains = -1;
	add_node(c->set, n);
	return n;
}

/*
 * A subschema with its own $id starts a new resource: its URI is
 * registered, and pointers inside it are relative to it.
 */
static bool enter_id(struct compiler *c, struct sch_node *n,
                     struct sch_resource **res, char **saved_ptr)
{
	const char *id = NULL, *frag;
	char *uri, *base;
	bool ok = true;

	if (!get_string(c, n, "$id", &id))
		return false;
	if (!id)
		return true;
	uri = ads_schema_uri_resolve((*res)->uri, id);
	base = ads_schema_uri_split(uri, &frag);
	if (*frag) {
		ok = fail(c, n, "$id",
		          "'%s' must not have a fragment (use $anchor)", id);
	} else if (strcmp(base, (*res)->uri)) {
		struct sch_resource *r = new_resource(c, base, (*res)->doc);

		r->root = n;
		n->res = r;
		*res = r;
		*saved_ptr = ads_buf_detach(&c->ptr, NULL);
		free(n->loc);
		n->loc = xasprintf("%s#", base);
		ok = register_uri(c, base, n, "$id");
	}
	free(uri);
	free(base);
	return ok;
}

static struct sch_node *compile_node(struct compiler *c, const json_t *j,
                                     struct sch_resource *res)
{
	struct sch_node *n;
	char *saved_ptr = NULL;
	bool ok;

	if (c->failed)
		return NULL;
	if (json_is_object(j)) {
		n = ads_ptrmap_get(&res->doc->nodes, j);
		if (n)
			return n;
	} else if (!json_is_boolean(j)) {
		struct sch_node where = { .loc = NULL };
		char *loc = xasprintf("%s#%s", res->uri, c->ptr.buf);

		where.loc = loc;
		fail(c, &where, NULL,
		     "a schema must be an object or a boolean");
		free(loc);
		return NULL;
	}
	n = new_node(c, j, res);
	if (json_is_boolean(j)) {
		n->is_bool = true;
		n->bool_val = json_is_true(j);
		return n;
	}
	ads_ptrmap_put(&res->doc->nodes, j, n);
	ok = enter_id(c, n, &res, &saved_ptr) && compile_keywords(c, n, res);
	if (saved_ptr) {
		ads_buf_reset(&c->ptr);
		ads_buf_addstr(&c->ptr, saved_ptr);
		free(saved_ptr);
	}
	return ok ? n : NULL;
}

/* ---- reference resolution ---------------------------------------- */

/* Finds or compiles the node at an absolute URI with optional fragment. */
static struct sch_node *resolve(struct compiler *c, const char *uri,
                                const struct sch_node *from, const char *kw)
{
	const char *frag;
	char *base = ads_schema_uri_split(uri, &frag);
	struct sch_node *root = ads_map_get(&c->set->uris, base), *n = NULL;
	struct ads_buf dec = ADS_BUF_INIT;

	if (!root) {
		fail(c, from, kw,
		     "cannot resolve '%s': no schema has the URI '%s'", uri,
		     base);
		goto out;
	}
	ads_buf_addstr(&dec, frag);
	if (dec.len)
		ads_buf_setlen(&dec, ads_url_decode(dec.buf, false));
	if (!dec.len) {
		n = root;
	} else if (dec.buf[0] == '/') {
		const json_t *j = ads_schema_pointer_get(root->json, dec.buf);
		struct ads_buf saved = c->ptr;

		if (!j) {
			fail(c, from, kw,
			     "cannot resolve '%s': no such location", uri);
			goto out;
		}
		/* a location that is not a known subschema: compile it now */
		ads_buf_init(&c->ptr);
		ads_buf_addstr(&c->ptr, dec.buf);
		n = compile_node(c, j, root->res);
		ads_buf_release(&c->ptr);
		c->ptr = saved;
	} else {
		char *key = xasprintf("%s#%s", base, frag);

		n = ads_map_get(&c->set->uris, key);
		free(key);
		if (!n)
			fail(c, from, kw, "cannot resolve '%s': no such anchor",
			     uri);
	}
out:
	ads_buf_release(&dec);
	free(base);
	return n;
}

static bool resolve_pending(struct compiler *c)
{
	struct ads_schema_set *set = c->set;

	/* resolving may compile more nodes; they join the end of the list */
	for (; c->pending < set->nnodes; c->pending++) {
		struct sch_node *n = set->nodes[c->pending];

		if (n->ref_uri && !n->ref) {
			n->ref = resolve(c, n->ref_uri, n, "$ref");
			if (!n->ref)
				return false;
		}
		if (n->dynref_uri && !n->dynref) {
			n->dynref = resolve(c, n->dynref_uri, n, "$dynamicRef");
			if (!n->dynref)
				return false;
		}
	}
	return true;
}

/* ---- graph checks ------------------------------------------------ */

/* The k-th subschema applied to the same instance as n, or NULL. */
static struct sch_node *inplace_child(const struct sch_node *n, size_t k)
{
	const struct sch_list *lists[] = { &n->all_of, &n->any_of, &n->one_of };
	struct sch_node *singles[] = { n->ref,         n->dynref,
		                       n->not_schema,  n->if_schema,
		                       n->then_schema, n->else_schema };

	for (size_t i = 0; i < ADS_ARRAY_SIZE(lists); i++) {
		if (k < lists[i]->nr)
			return lists[i]->v[k];
		k -= lists[i]->nr;
	}
	if (k < n->ndep_schemas)
		return n->dep_schemas[k].schema;
	k -= n->ndep_schemas;
	for (size_t i = 0; i < ADS_ARRAY_SIZE(singles); i++) {
		if (!singles[i])
			continue;
		if (!k)
			return singles[i];
		k--;
	}
	return NULL;
}

enum { WHITE = 0, GREY = 1, BLACK = 2 };

struct frame {
	struct sch_node *n;
	size_t next;
};

/*
 * Refuses a cycle of in-place applicators ($ref, allOf, ...): validating
 * through it would apply a schema to the same value forever.
 */
static bool check_cycles(struct compiler *c)
{
	struct ads_schema_set *set = c->set;
	struct frame *stack = NULL;
	size_t nr = 0, alloc = 0;
	bool ok = true;

	for (size_t i = c->node_mark; ok && i < set->nnodes; i++) {
		if (set->nodes[i]->mark != WHITE)
			continue;
		ADS_ALLOC_GROW(stack, nr + 1, alloc);
		stack[nr++] = (struct frame){ set->nodes[i], 0 };
		set->nodes[i]->mark = GREY;
		while (nr) {
			struct frame *f = &stack[nr - 1];
			struct sch_node *child = inplace_child(f->n, f->next++);

			if (!child) {
				f->n->mark = BLACK;
				nr--;
			} else if (child->mark == GREY) {
				ok = fail(c, child, NULL,
				          "this schema applies itself to the "
				          "same value without end (a $ref "
				          "loop through %s)",
				          f->n->loc);
				break;
			} else if (child->mark == WHITE) {
				child->mark = GREY;
				ADS_ALLOC_GROW(stack, nr + 1, alloc);
				stack[nr++] = (struct frame){ child, 0 };
			}
		}
		nr = 0;
	}
	free(stack);
	return ok;
}

struct names {
	const char **v; /* borrowed from the schema documents */
	size_t nr, alloc;
	struct ads_map seen;
};

/* Collects the property names declared where n applies in place. */
static void collect_known(const struct sch_node *n, struct ads_ptrmap *visited,
                          struct names *out)
{
	struct sch_node *child;

	if (ads_ptrmap_get(visited, n))
		return;
	ads_ptrmap_put(visited, n, (void *)1);
	for (size_t i = 0; i < n->nprops; i++) {
		if (ads_map_has(&out->seen, n->props[i].name))
			continue;
		ads_map_put(&out->seen, n->props[i].name, NULL);
		ADS_ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		out->v[out->nr++] = n->props[i].name;
	}
	for (size_t k = 0; (child = inplace_child(n, k)); k++)
		collect_known(child, visited, out);
}

/*
 * For unevaluatedProperties, the names to suggest for an unknown field are
 * all those declared by the subschemas that apply in place (allOf, $ref..).
 */
static void prepare_suggestions(struct compiler *c)
{
	struct ads_schema_set *set = c->set;

	for (size_t i = c->node_mark; i < set->nnodes; i++) {
		struct sch_node *n = set->nodes[i];
		struct ads_ptrmap visited = ADS_PTRMAP_INIT;
		struct names names = { NULL, 0, 0, ADS_MAP_INIT };

		if (!n->unevaluated_props)
			continue;
		collect_known(n, &visited, &names);
		n->known_props = names.v;
		n->nknown_props = names.nr;
		ads_map_release(&names.seen, NULL);
		ads_ptrmap_release(&visited, NULL);
	}
}

/* ---- batches ----------------------------------------------------- */

static void begin(struct compiler *c, struct ads_schema_set *set,
                  struct ads_error *err)
{
	memset(c, 0, sizeof(*c));
	c->set = set;
	c->node_mark = c->pending = set->nnodes;
	c->res_mark = set->nres;
	c->doc_mark = set->ndocs;
	ads_strvec_init(&c->uris);
	ads_buf_init(&c->ptr);
	c->err = err;
}

static int finish(struct compiler *c)
{
	int ret = 0;

	if (!c->failed && resolve_pending(c) && check_cycles(c)) {
		prepare_suggestions(c);
	} else {
		rollback(c);
		ret = c->code ? c->code : ADS_EINVALID;
	}
	ads_strvec_release(&c->uris);
	ads_buf_release(&c->ptr);
	return ret;
}

static bool compile_doc(struct compiler *c, const struct sch_input *in)
{
	struct ads_schema_set *set = c->set;
	struct sch_doc *doc = xcalloc(1, sizeof(*doc));
	char *uri = ads_schema_uri_resolve("", in->uri);
	struct sch_resource *res;
	struct sch_node *root;

	doc->json = json_incref(in->json);
	ADS_ALLOC_GROW(set->docs, set->ndocs + 1, set->adocs);
	set->docs[set->ndocs++] = doc;
	/* a root $id starts its own resource; the name given is an alias */
	res = new_resource(c, uri, doc);
	ads_buf_reset(&c->ptr);
	root = compile_node(c, in->json, res);
	if (root) {
		res->root = root;
		if (!register_uri(c, uri, root, NULL))
			root = NULL;
	}
	free(uri);
	return root != NULL;
}

int sch_compile(struct ads_schema_set *set, const struct sch_input *in,
                size_t n, struct ads_error *err)
{
	struct compiler c;

	begin(&c, set, err);
	for (size_t i = 0; i < n && !c.failed; i++)
		if (!compile_doc(&c, &in[i]))
			break;
	return finish(&c);
}

int sch_lookup(struct sch_node **out, struct ads_schema_set *set,
               const char *uri, struct ads_error *err)
{
	struct compiler c;
	struct sch_node *n = ads_map_get(&set->uris, uri);
	char *abs, *base;
	const char *frag;
	int ret = 0;

	/* the common case, a URI as registered, needs no parsing */
	if (n) {
		*out = n;
		return 0;
	}
	abs = ads_schema_uri_resolve("", uri);
	base = ads_schema_uri_split(abs, &frag);
	n = ads_map_get(&set->uris, abs);
	if (!n && !ads_map_has(&set->uris, base)) {
		ret = ads_error_set(err, ADS_ENOTFOUND, "unknown schema '%s'",
		                    uri);
	} else if (!n) {
		/* a pointer into a document: may compile its target now */
		begin(&c, set, err);
		n = resolve(&c, abs, NULL, NULL);
		ret = finish(&c);
	}
	free(base);
	free(abs);
	if (!ret)
		*out = n;
	return ret;
}
