/*
 * The compiled form of a schema set, private to src/schema/. Every schema
 * object becomes a struct sch_node whose keywords are decoded into fields:
 * $ref targets are node pointers, regular expressions are compiled, limits
 * are numbers. The validator (validate.c) walks these nodes and never
 * parses a URI, a pointer or a regular expression.
 */
#ifndef ADS_SCHEMA_COMPILE_H
#define ADS_SCHEMA_COMPILE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"
#include "util/map.h"

/* Bits of sch_node.types. */
enum sch_type {
	SCH_NULL = 1 << 0,
	SCH_BOOLEAN = 1 << 1,
	SCH_OBJECT = 1 << 2,
	SCH_ARRAY = 1 << 3,
	SCH_NUMBER = 1 << 4,
	SCH_STRING = 1 << 5,
	SCH_INTEGER = 1 << 6,
};

/* Which groups of keywords a node carries, so validation skips the rest. */
enum sch_has {
	SCH_HAS_NUMBER = 1 << 0, /* minimum ... multipleOf */
	SCH_HAS_STRING = 1 << 1, /* minLength, maxLength, pattern */
	SCH_HAS_ARRAY = 1 << 2, /* items ... uniqueItems */
	SCH_HAS_OBJECT = 1 << 3, /* properties ... dependentSchemas */
	SCH_HAS_INPLACE = 1 << 4, /* $ref, allOf ... if/then/else */
	SCH_HAS_VALUE = 1 << 5, /* enum, const */
};

/* A numeric limit, kept exact for integers. */
struct sch_num {
	bool set;
	bool is_int;
	json_int_t i;
	double d;
};

struct sch_node;

struct sch_prop {
	const char *name; /* borrowed from the schema document */
	struct sch_node *schema;
};

struct sch_pattern {
	const char *source; /* borrowed */
	pcre2_code *re;
	struct sch_node *schema; /* NULL for the `pattern` keyword */
};

struct sch_dep_required {
	const char *name;
	const char **required; /* borrowed strings */
	size_t nrequired;
};

/* A list of subschemas (allOf, anyOf, oneOf, prefixItems). */
struct sch_list {
	struct sch_node **v;
	size_t nr;
};

struct sch_doc;

/* A schema resource: a document root or a subschema with its own $id. */
struct sch_resource {
	char *uri; /* absolute, without fragment */
	struct sch_node *root;
	struct sch_doc *doc;
	struct sch_prop *dyn_anchors; /* $dynamicAnchor name -> node */
	size_t ndyn, adyn;
};

/* One added document: its JSON (a reference is held) and its nodes. */
struct sch_doc {
	json_t *json;
	struct ads_ptrmap nodes; /* schema json_t * -> struct sch_node * */
};

struct sch_node {
	const json_t *json; /* borrowed from the document */
	char *loc; /* absolute location, "uri#/json/pointer" */
	struct sch_resource *res;
	bool is_bool, bool_val;
	unsigned has; /* enum sch_has */
	unsigned types; /* enum sch_type; 0 when there is no `type` */
	unsigned char mark; /* scratch for graph walks in compile.c */
	const char *xmessage; /* x-message, borrowed */

	/* enum / const */
	const json_t *enum_vals; /* array, borrowed; NULL when absent */
	struct ads_map enum_strs; /* the string members, for lookups */
	bool enum_has_nonstr; /* some members are not strings */
	const json_t *const_val; /* borrowed; NULL when absent */

	/* numbers */
	struct sch_num minimum, maximum, xminimum, xmaximum, multiple_of;

	/* strings */
	json_int_t min_length, max_length; /* -1 when absent */
	struct sch_pattern pattern; /* re NULL when absent */

	/* arrays */
	struct sch_list prefix_items;
	struct sch_node *items;
	struct sch_node *contains;
	json_int_t min_contains, max_contains; /* 1 and -1 by default */
	json_int_t min_items, max_items;
	bool unique_items;
	struct sch_node *unevaluated_items;

	/* objects */
	struct sch_prop *props;
	size_t nprops;
	struct ads_map propmap; /* name -> struct sch_node * */
	struct sch_pattern *pattern_props;
	size_t npattern_props;
	struct sch_node *additional;
	struct sch_node *property_names;
	const char **required;
	size_t nrequired;
	json_int_t min_props, max_props;
	struct sch_dep_required *dep_required;
	size_t ndep_required;
	struct sch_prop *dep_schemas;
	size_t ndep_schemas;
	struct sch_node *unevaluated_props;
	const char **known_props; /* suggestions for unevaluatedProperties */
	size_t nknown_props;

	/* in-place applicators */
	struct sch_list all_of, any_of, one_of;
	struct sch_node *not_schema, *if_schema, *then_schema, *else_schema;
	char *ref_uri; /* $ref resolved against the base; owned */
	struct sch_node *ref;
	char *dynref_uri; /* $dynamicRef, likewise */
	struct sch_node *dynref;
	const char *dynref_anchor; /* the anchor name if it may be dynamic */
	const char *dyn_anchor; /* this node's $dynamicAnchor */
};

struct ads_schema_set {
	struct ads_map uris; /* absolute URI or URI#anchor -> struct sch_node */
	struct sch_node **nodes; /* every node, owned */
	size_t nnodes, anodes;
	struct sch_resource **res; /* owned */
	size_t nres, ares;
	struct sch_doc **docs; /* owned */
	size_t ndocs, adocs;
	pcre2_general_context *gcontext;
	pcre2_compile_context *ccontext;
	pcre2_match_context *mcontext;
	pcre2_match_data *match;
	json_t *scratch; /* a string reused for propertyNames */
};

/* One document to compile: the URI it is added under and its JSON. */
struct sch_input {
	const char *uri;
	json_t *json;
};

/*
 * Compiles the documents into set as one batch, so that they may refer to
 * each other in any order. On failure the set is as it was before and err
 * says which keyword of which schema is wrong.
 */
int sch_compile(struct ads_schema_set *set, const struct sch_input *in,
                size_t n, struct ads_error *err);

/*
 * The node at uri (absolute, with an optional fragment). May compile the
 * target of a pointer fragment on first use. Fails with ADS_ENOTFOUND.
 */
int sch_lookup(struct sch_node **out, struct ads_schema_set *set,
               const char *uri, struct ads_error *err);

/* Frees every compiled node, resource and document of set. */
void sch_release_all(struct ads_schema_set *set);

/*
 * jansson's iteration API takes non-const pointers although it does not
 * modify; this drops the qualifier for it without a cast warning.
 */
static inline json_t *sch_unconst(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* Whether a JSON value is of one of the types in mask. */
bool sch_type_matches(unsigned mask, const json_t *v);

#endif
