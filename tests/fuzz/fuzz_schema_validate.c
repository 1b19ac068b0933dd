/*
 * Fuzz target for src/schema/: arbitrary bytes as JSON, used twice.
 *  1. As a schema: it compiles or is refused with an error, and when it
 *     compiles, validating fixed instances (and the input itself) ends in
 *     a count of well-formed failures or ADS_ETOOBIG, never a crash, hang
 *     or leak ($ref loops included).
 *  2. As an instance: validated against a fixed schema that uses most
 *     keywords, and against adsctl's own resource-file schema.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"
#include "util/json.h"

#define MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const instances[] = {
	"null",
	"true",
	"0",
	"-1.5",
	"1e308",
	"\"\"",
	"\"abc\\u00e9\"",
	"[]",
	"[1, \"a\", [null], 1.0, {\"a\": 1}]",
	"{}",
	"{\"a\": 1, \"b\": {\"c\": [1, 2]}, \"ref\": \"x\", \"d\": \"\"}",
};

/* A fixed schema that exercises most keywords on the instance side. */
static const char fixed_schema[] =
	"{\"$id\": \"https://fuzz.example/fixed.json\","
	" \"$defs\": {"
	"  \"node\": {\"$dynamicAnchor\": \"node\", \"type\": \"object\","
	"   \"properties\": {\"kids\": {\"type\": \"array\", \"items\":"
	"    {\"$dynamicRef\": \"#node\"}, \"maxItems\": 8}},"
	"   \"x-message\": \"a node has kids\"},"
	"  \"money\": {\"type\": \"integer\", \"minimum\": 100,"
	"   \"multipleOf\": 5}"
	" },"
	" \"type\": [\"object\", \"array\", \"string\"],"
	" \"minProperties\": 1, \"maxProperties\": 40,"
	" \"properties\": {"
	"  \"name\": {\"type\": \"string\", \"minLength\": 1,"
	"   \"maxLength\": 20, \"pattern\": \"^[A-Z]{2}_\\\\w+$\"},"
	"  \"status\": {\"enum\": [\"ACTIVE\", \"PAUSED\", 1, null]},"
	"  \"budget\": {\"$ref\": \"#/$defs/money\"},"
	"  \"tree\": {\"$ref\": \"#/$defs/node\"},"
	"  \"kind\": {\"const\": \"image\"},"
	"  \"creative\": {\"oneOf\": [{\"type\": \"object\", \"required\":"
	"   [\"ref\"]}, {\"type\": \"string\", \"format\": \"uri\"}]},"
	"  \"list\": {\"prefixItems\": [{\"type\": \"string\"}],"
	"   \"contains\": {\"type\": \"integer\"}, \"maxContains\": 2,"
	"   \"uniqueItems\": true, \"unevaluatedItems\": {\"type\": \"number\"}}"
	" },"
	" \"patternProperties\": {\"^x-\": true},"
	" \"propertyNames\": {\"maxLength\": 30},"
	" \"dependentRequired\": {\"budget\": [\"name\"]},"
	" \"dependentSchemas\": {\"kind\": {\"required\": [\"creative\"]}},"
	" \"allOf\": [{\"if\": {\"properties\": {\"status\": {\"const\":"
	"  \"ACTIVE\"}}}, \"then\": {\"required\": [\"budget\"]}, \"else\":"
	"  {\"not\": {\"required\": [\"budget\", \"tree\"]}}}],"
	" \"anyOf\": [{\"type\": \"object\"}, {\"items\": {\"type\": "
	"  \"string\"}}, {\"pattern\": \"^a\"}],"
	" \"unevaluatedProperties\": false}";

struct state {
	struct ads_schema_set *fixed;
	struct ads_schema_set *builtin;
	json_t *instances[sizeof(instances) / sizeof(instances[0])];
};

/* Reads every field of every failure, so sanitizers check them. */
static void touch(void *ctx, const struct ads_schema_failure *f)
{
	size_t *sum = ctx;

	*sum += strlen(f->instance_ptr) + strlen(f->keyword) +
	        strlen(f->schema_ptr) + strlen(f->message) + f->at_key;
	if (f->suggestion)
		*sum += strlen(f->suggestion);
	if (!f->message[0])
		abort(); /* every failure says something */
}

static struct state *state(void)
{
	static struct state st;
	struct ads_error err = ADS_ERROR_INIT;
	json_t *schema;

	if (st.fixed)
		return &st;
	st.fixed = ads_schema_set_new();
	if (ads_json_parse(&schema, fixed_schema, strlen(fixed_schema), NULL,
	                   &err) ||
	    ads_schema_set_add(st.fixed, "fixed.json", schema, &err))
		abort();
	json_decref(schema);
	if (ads_schema_set_builtin(&st.builtin, &err))
		abort();
	for (size_t i = 0; i < sizeof(instances) / sizeof(instances[0]); i++)
		if (ads_json_parse(&st.instances[i], instances[i],
		                   strlen(instances[i]), NULL, &err))
			abort();
	return &st;
}

static void validate(struct ads_schema_set *set, const char *uri,
                     const json_t *inst)
{
	struct ads_error err = ADS_ERROR_INIT;
	size_t sum = 0;
	int n = ads_schema_validate(set, uri, inst, touch, &sum, &err);

	if (n < 0 && n != ADS_ETOOBIG && n != ADS_ENOTFOUND &&
	    n != ADS_EINVALID)
		abort();
	ads_error_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state *st = state();
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_schema_set *set;
	json_t *doc;

	if (size > MAX_INPUT ||
	    ads_json_parse(&doc, (const char *)data, size, NULL, &err)) {
		ads_error_release(&err);
		return 0;
	}

	set = ads_schema_set_new();
	if (!ads_schema_set_add(set, "https://fuzz.example/input.json", doc,
	                        &err)) {
		for (size_t i = 0; i < sizeof(st->instances) / sizeof(json_t *);
		     i++)
			validate(set, "https://fuzz.example/input.json",
			         st->instances[i]);
		validate(set, "https://fuzz.example/input.json", doc);
		validate(set, "https://fuzz.example/input.json#/$defs/a",
		         st->instances[10]);
	}
	ads_error_release(&err);
	ads_schema_set_free(set);

	validate(st->fixed, "https://fuzz.example/fixed.json", doc);
	validate(st->builtin,
	         "https://adsctl.dev/schemas/resources.schema.json", doc);
	json_decref(doc);
	return 0;
}
