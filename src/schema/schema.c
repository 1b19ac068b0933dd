/*
 * The public face of the schema module (schema.h): schema sets, adsctl's
 * built-in schemas, and validation entry points. The work is done by
 * compile.c (schemas into node graphs) and validate.c (the walk).
 */
#include "schema/schema.h"

#include <stdlib.h>
#include <string.h>

#include "schema/compile.h"
#include "schema/validate.h"
#include "util/embedded.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define BUILTIN_BASE "https://adsctl.dev/schemas/"

/* Bounds for hostile regular expressions (backtracking steps, heap). */
#define REGEX_MATCH_LIMIT 1000000
#define REGEX_HEAP_KIB    (16u * 1024)

/* PCRE2 allocates through xmalloc, so it aborts rather than fail on OOM. */
static void *pcre_alloc(size_t size, void *data)
{
	(void)data;
	return xmalloc(size);
}

static void pcre_free(void *p, void *data)
{
	(void)data;
	free(p);
}

struct ads_schema_set *ads_schema_set_new(void)
{
	struct ads_schema_set *set = xcalloc(1, sizeof(*set));
	pcre2_general_context *g;

	ads_map_init(&set->uris);
	g = pcre2_general_context_create(pcre_alloc, pcre_free, NULL);
	set->gcontext = g;
	set->ccontext = pcre2_compile_context_create(g);
	/* ECMA-262's \u{...}; see docs/internals/schema.md */
	pcre2_set_compile_extra_options(set->ccontext, PCRE2_EXTRA_ALT_BSUX);
	set->mcontext = pcre2_match_context_create(g);
	pcre2_set_match_limit(set->mcontext, REGEX_MATCH_LIMIT);
	pcre2_set_heap_limit(set->mcontext, REGEX_HEAP_KIB);
	set->match = pcre2_match_data_create(1, g);
	set->scratch = json_string("");
	if (!set->gcontext || !set->scratch)
		abort(); /* jansson or PCRE2 could not allocate a few bytes */
	return set;
}

void ads_schema_set_free(struct ads_schema_set *set)
{
	if (!set)
		return;
	sch_release_all(set);
	pcre2_compile_context_free(set->ccontext);
	pcre2_match_context_free(set->mcontext);
	pcre2_match_data_free(set->match);
	pcre2_general_context_free(set->gcontext);
	json_decref(set->scratch);
	free(set);
}

int ads_schema_set_add(struct ads_schema_set *set, const char *uri,
                       json_t *schema, struct ads_error *err)
{
	return ads_schema_set_add_many(set, 1, &uri, &schema, err);
}

int ads_schema_set_add_many(struct ads_schema_set *set, size_t n,
                            const char *const *uris, json_t *const *schemas,
                            struct ads_error *err)
{
	struct sch_input *in = xcalloc(n + 1, sizeof(*in));
	int ret;

	for (size_t i = 0; i < n; i++) {
		in[i].uri = uris[i];
		in[i].json = schemas[i];
	}
	ret = sch_compile(set, in, n, err);
	free(in);
	return ret;
}

bool ads_schema_set_has(struct ads_schema_set *set, const char *uri)
{
	struct sch_node *n;

	return sch_lookup(&n, set, uri, NULL) == 0;
}

int ads_schema_set_builtin(struct ads_schema_set **out, struct ads_error *err)
{
	struct ads_schema_set *set = ads_schema_set_new();
	struct ads_strvec uris = ADS_STRVEC_INIT;
	json_t **docs = NULL;
	size_t n = 0, alloc = 0;
	int ret = 0;

	for (const struct ads_embedded_file *f = ads_embedded_schemas; f->path;
	     f++) {
		const char *slash;
		json_t *doc;

		if (!ads_starts_with(f->path, "schemas/") ||
		    !ads_ends_with(f->path, ".json"))
			continue;
		slash = strrchr(f->path, '/');
		ret = ads_json_parse(&doc, f->data, f->len, f->path, err);
		if (ret)
			goto out;
		ADS_ALLOC_GROW(docs, n + 1, alloc);
		docs[n++] = doc;
		ads_strvec_pushf(&uris, BUILTIN_BASE "%s", slash + 1);
	}
	ret = ads_schema_set_add_many(set, n, (const char *const *)uris.v, docs,
	                              err);
out:
	for (size_t i = 0; i < n; i++)
		json_decref(docs[i]);
	free(docs);
	ads_strvec_release(&uris);
	if (ret) {
		ads_error_prefix(err, "built-in schemas");
		ads_schema_set_free(set);
		return ret;
	}
	*out = set;
	return 0;
}

int ads_schema_validate_at(struct ads_schema_set *set, const char *uri,
                           const char *base_ptr, const json_t *instance,
                           ads_schema_failure_fn fn, void *ctx,
                           struct ads_error *err)
{
	struct sch_node *root;
	int ret = sch_lookup(&root, set, uri, err);

	if (ret)
		return ret;
	return sch_validate(set, root, base_ptr, instance, fn, ctx, err);
}

int ads_schema_validate(struct ads_schema_set *set, const char *uri,
                        const json_t *instance, ads_schema_failure_fn fn,
                        void *ctx, struct ads_error *err)
{
	return ads_schema_validate_at(set, uri, "", instance, fn, ctx, err);
}
