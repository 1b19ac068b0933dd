/* Unit tests for src/schema/: keywords, messages, suggestions, $ref. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* Every failure of one validation, as "ptr|keyword|message|suggestion". */
struct seen {
	struct ads_strvec lines;
	struct ads_strvec keys; /* pointers of at_key failures */
};

static void collect(void *ctx, const struct ads_schema_failure *f)
{
	struct seen *s = ctx;

	ads_strvec_pushf(&s->lines, "%s|%s|%s|%s", f->instance_ptr, f->keyword,
	                 f->message, f->suggestion ? f->suggestion : "");
	if (f->at_key)
		ads_strvec_push(&s->keys, f->instance_ptr);
	assert_non_null(f->schema_ptr);
	assert_non_null(strchr(f->schema_ptr, '#'));
}

static json_t *parse(const char *text)
{
	struct ads_error err = ADS_ERROR_INIT;
	json_t *v = NULL;

	if (ads_json_parse(&v, text, strlen(text), "test", &err))
		fail_msg("bad test JSON: %s", err.msg);
	return v;
}

static struct ads_schema_set *set_with(const char *uri, const char *schema)
{
	struct ads_schema_set *set = ads_schema_set_new();
	struct ads_error err = ADS_ERROR_INIT;
	json_t *s = parse(schema);

	if (ads_schema_set_add(set, uri, s, &err))
		fail_msg("schema does not compile: %s", err.msg);
	json_decref(s);
	return set;
}

/* Validates instance text; returns the failure count, fills *seen. */
static int run(struct ads_schema_set *set, const char *uri,
               const char *instance, struct seen *seen)
{
	struct ads_error err = ADS_ERROR_INIT;
	json_t *inst = parse(instance);
	int n;

	ads_strvec_init(&seen->lines);
	ads_strvec_init(&seen->keys);
	n = ads_schema_validate(set, uri, inst, collect, seen, &err);
	if (n < 0)
		fail_msg("validate failed: %s", err.msg);
	assert_int_equal((size_t)n, seen->lines.nr);
	json_decref(inst);
	return n;
}

static void seen_release(struct seen *s)
{
	ads_strvec_release(&s->lines);
	ads_strvec_release(&s->keys);
}

/* One schema, one instance, exactly the expected failure lines. */
static void expect(const char *schema, const char *instance, ...)
{
	struct ads_schema_set *set =
	        set_with("https://t.example/s.json", schema);
	struct seen seen;
	va_list ap;
	size_t i = 0;
	const char *line;

	run(set, "https://t.example/s.json", instance, &seen);
	va_start(ap, instance);
	while ((line = va_arg(ap, const char *))) {
		if (i >= seen.lines.nr)
			fail_msg("missing failure '%s'", line);
		assert_string_equal(seen.lines.v[i], line);
		i++;
	}
	va_end(ap);
	if (i != seen.lines.nr)
		fail_msg("unexpected failure '%s'", seen.lines.v[i]);
	seen_release(&seen);
	ads_schema_set_free(set);
}

static int add_error(const char *schema, char **msg)
{
	struct ads_schema_set *set = ads_schema_set_new();
	struct ads_error err = ADS_ERROR_INIT;
	json_t *s = parse(schema);
	int ret =
	        ads_schema_set_add(set, "https://t.example/bad.json", s, &err);

	*msg = xstrdup(err.msg ? err.msg : "");
	ads_error_release(&err);
	json_decref(s);
	ads_schema_set_free(set);
	return ret;
}

static void test_type(void **state)
{
	(void)state;
	expect("{\"properties\": {\"daily_budget\": {\"type\": \"integer\"}}}",
	       "{\"daily_budget\": \"20000\"}",
	       "/daily_budget|type|'daily_budget' must be an integer, not a "
	       "string: write 20000 without quotes|",
	       NULL);
	/* that advice beats an x-message; other strings get the x-message */
	expect("{\"properties\": {\"b\": {\"type\": \"integer\", "
	       "\"x-message\": \"budgets are in minor units\"}}}",
	       "{\"b\": \"-20\"}",
	       "/b|type|'b' must be an integer, not a string: write -20 "
	       "without quotes|",
	       NULL);
	expect("{\"properties\": {\"b\": {\"type\": \"integer\", "
	       "\"x-message\": \"budgets are in minor units\"}}}",
	       "{\"b\": \"20 EUR\"}", "/b|type|budgets are in minor units|",
	       NULL);
	expect("{\"properties\": {\"targeting\": {\"type\": \"object\"}, "
	       "\"countries\": {\"type\": \"array\"}}}",
	       "{\"targeting\": [1], \"countries\": {\"a\": 1}}",
	       "/targeting|type|'targeting' must be a mapping, not a list|",
	       "/countries|type|'countries' must be a list, not a mapping|",
	       NULL);
	expect("{\"type\": [\"string\", \"integer\"]}", "null",
	       "|type|the value must be a string or an integer, not empty|",
	       NULL);
	expect("{\"type\": \"boolean\"}", "1.5",
	       "|type|the value must be true or false, not a decimal number|",
	       NULL);
	/* 2.0 is an integer; 2.5 is not */
	expect("{\"type\": \"integer\"}", "2.0", NULL);
	expect("{\"type\": \"number\"}", "2", NULL);
}

static void test_required_and_unknown(void **state)
{
	struct ads_schema_set *set;
	struct seen seen;
	(void)state;

	expect("{\"type\": \"object\", \"required\": [\"name\", \"objective\"]}",
	       "{\"name\": \"x\"}",
	       "|required|missing required field 'objective'|", NULL);
	set = set_with("s.json",
	               "{\"properties\": {\"daily_budget\": {}, \"name\": {}},"
	               " \"additionalProperties\": false}");
	assert_int_equal(run(set, "s.json",
	                     "{\"name\": 1, \"daly_budget\": 5, \"zzz\": 1}",
	                     &seen),
	                 2);
	assert_string_equal(seen.lines.v[0],
	                    "/daly_budget|additionalProperties|unknown field "
	                    "'daly_budget'|daily_budget");
	assert_string_equal(seen.lines.v[1],
	                    "/zzz|additionalProperties|unknown field 'zzz'|");
	/* unknown fields are reported at the key */
	assert_int_equal(seen.keys.nr, 2);
	seen_release(&seen);
	ads_schema_set_free(set);
	/* a misspelt required field is one mistake: the unknown field */
	expect("{\"required\": [\"name\", \"objective\", \"status\"], "
	       "\"properties\": {\"name\": {}, \"objective\": {}, "
	       "\"status\": {}}, \"additionalProperties\": false}",
	       "{\"name\": \"x\", \"objectve\": 1}",
	       "|required|missing required field 'status'|",
	       "/objectve|additionalProperties|unknown field 'objectve'|"
	       "objective",
	       NULL);
}

static void test_enum(void **state)
{
	(void)state;
	expect("{\"properties\": {\"objective\": {\"enum\": "
	       "[\"OUTCOME_APP_PROMOTION\", \"OUTCOME_SALES\", "
	       "\"OUTCOME_LEADS\"]}}}",
	       "{\"objective\": \"OUTCOME_SALE\"}",
	       "/objective|enum|'OUTCOME_SALE' is not a valid value for "
	       "'objective': expected one of OUTCOME_APP_PROMOTION, "
	       "OUTCOME_SALES, OUTCOME_LEADS|OUTCOME_SALES",
	       NULL);
	/* the suggestion ignores case */
	expect("{\"enum\": [\"ACTIVE\", \"PAUSED\"]}", "\"paused\"",
	       "|enum|'paused' is not a valid value: expected one of ACTIVE, "
	       "PAUSED|PAUSED",
	       NULL);
	/* up to 12 values are listed; a longer list is in the reference */
	expect("{\"properties\": {\"c\": {\"enum\": [\"A\", \"B\", \"C\", "
	       "\"D\", \"E\", \"F\", \"G\", \"H\", \"I\", \"J\", \"K\", "
	       "\"L\"]}}}",
	       "{\"c\": \"ZZZZ\"}",
	       "/c|enum|'ZZZZ' is not a valid value for 'c': expected one of "
	       "A, B, C, D, E, F, G, H, I, J, K, L|",
	       NULL);
	expect("{\"properties\": {\"c\": {\"enum\": [\"A\", \"B\", \"C\", "
	       "\"D\", \"E\", \"F\", \"G\", \"H\", \"I\", \"J\", \"K\", "
	       "\"L\", \"SHOP_NOW\"]}}}",
	       "{\"c\": \"ZZZZ\"}",
	       "/c|enum|'ZZZZ' is not a valid value for 'c': see the manifest "
	       "reference for the valid values|",
	       NULL);
	/* with a near miss, the suggestion is the one clause */
	expect("{\"properties\": {\"c\": {\"enum\": [\"A\", \"B\", \"C\", "
	       "\"D\", \"E\", \"F\", \"G\", \"H\", \"I\", \"J\", \"K\", "
	       "\"L\", \"SHOP_NOW\"]}}}",
	       "{\"c\": \"SHOP_NOWW\"}",
	       "/c|enum|'SHOP_NOWW' is not a valid value for 'c'|SHOP_NOW",
	       NULL);
	/* a nested field is named by its path, back to a list item */
	expect("{\"properties\": {\"spec\": {\"properties\": {\"cta\": "
	       "{\"properties\": {\"type\": {\"enum\": [\"SHOP_NOW\"]}}}, "
	       "\"list\": {\"items\": {\"properties\": {\"type\": "
	       "{\"enum\": [\"SHOP_NOW\"]}}}}}}}}",
	       "{\"spec\": {\"cta\": {\"type\": 1}, \"list\": [{\"type\": 2}]}}",
	       "/spec/cta/type|enum|1 is not a valid value for "
	       "'spec.cta.type': expected SHOP_NOW|",
	       "/spec/list/0/type|enum|2 is not a valid value for 'type': "
	       "expected SHOP_NOW|",
	       NULL);
	/* strings with NUL bytes are compared in full */
	expect("{\"enum\": [\"a\\u0000b\", \"a\"]}", "\"a\\u0000b\"", NULL);
	expect("{\"enum\": [\"a\"]}", "\"a\\u0000b\"",
	       "|enum|'a' is not a valid value: expected a|a", NULL);
	/* numbers compare by value: 1.0 is in [1, 2] */
	expect("{\"enum\": [1, 2, {\"a\": [true]}]}", "1.0", NULL);
	expect("{\"enum\": [1, 2, {\"a\": [true]}]}", "{\"a\": [true]}", NULL);
	expect("{\"enum\": [1, 2]}", "\"1\"",
	       "|enum|'1' is not a valid value: expected one of 1, 2|", NULL);
}

static void test_numbers(void **state)
{
	(void)state;
	expect("{\"properties\": {\"b\": {\"minimum\": 100, \"maximum\": "
	       "1000, \"multipleOf\": 5}, \"r\": {\"exclusiveMinimum\": 0, "
	       "\"exclusiveMaximum\": 1}}}",
	       "{\"b\": 7, \"r\": 1}", "/b|minimum|'b' must be at least 100|",
	       "/b|multipleOf|'b' must be a multiple of 5|",
	       "/r|exclusiveMaximum|'r' must be less than 1|", NULL);
	expect("{\"maximum\": 1000}", "1000.5",
	       "|maximum|the value must be at most 1000|", NULL);
	expect("{\"exclusiveMinimum\": 0.5}", "0.5",
	       "|exclusiveMinimum|the value must be greater than 0.5|", NULL);
	expect("{\"multipleOf\": 0.01}", "19.99", NULL);
	/* exact for integers beyond 2^53 */
	expect("{\"maximum\": 9007199254740992}", "9007199254740993",
	       "|maximum|the value must be at most 9007199254740992|", NULL);
}

static void test_strings(void **state)
{
	(void)state;
	/* code points, not bytes */
	expect("{\"maxLength\": 5}", "\"h\\u00e9llo\"", NULL);
	expect("{\"properties\": {\"name\": {\"minLength\": 1, \"maxLength\": "
	       "3}}}",
	       "{\"name\": \"\\u00e9\\u00e9\\u00e9\\u00e9\"}",
	       "/name|maxLength|'name' must be at most 3 characters long (it "
	       "has 4)|",
	       NULL);
	expect("{\"properties\": {\"name\": {\"minLength\": 1}}}",
	       "{\"name\": \"\"}", "/name|minLength|'name' must not be empty|",
	       NULL);
	expect("{\"properties\": {\"stack\": {\"pattern\": "
	       "\"^[a-z0-9-]+$\"}}}",
	       "{\"stack\": \"Acme EU\"}",
	       "/stack|pattern|'Acme EU' is not in the expected format for "
	       "'stack' (it must match ^[a-z0-9-]+$)|",
	       NULL);
	/* ECMA-262 semantics: $ does not match before a final newline */
	expect("{\"pattern\": \"^a$\"}", "\"a\\n\"",
	       "|pattern|'a\n' is not in the expected format (it must match "
	       "^a$)|",
	       NULL);
	/* \p{Letter} and Unicode \s, as ECMA-262 reads them */
	expect("{\"pattern\": \"^\\\\p{Letter}+\\\\s\\\\d$\"}",
	       "\"\\u00e9t\\u00e9\\u00a01\"", NULL);
	/* patterns search, they are not anchored */
	expect("{\"pattern\": \"b\"}", "\"abc\"", NULL);
}

static void test_arrays(void **state)
{
	(void)state;
	expect("{\"properties\": {\"countries\": {\"minItems\": 1, "
	       "\"uniqueItems\": true}, \"l\": {\"maxItems\": 2}}}",
	       "{\"countries\": [\"DE\", \"AT\", \"DE\"], \"l\": [1, 2, 3]}",
	       "/countries|uniqueItems|'countries' must not list the same "
	       "value twice ('DE' is item 1 and item 3)|",
	       "/l|maxItems|'l' must have at most 2 items (it has 3)|", NULL);
	expect("{\"properties\": {\"countries\": {\"minItems\": 1}}}",
	       "{\"countries\": []}",
	       "/countries|minItems|'countries' must not be empty|", NULL);
	expect("{\"properties\": {\"countries\": {\"items\": {\"type\": "
	       "\"string\", \"minLength\": 2}}}}",
	       "{\"countries\": [\"DE\", 4, \"A\"]}",
	       "/countries/1|type|item 2 of 'countries' must be a string, not "
	       "an integer|",
	       "/countries/2|minLength|item 3 of 'countries' must be at least "
	       "2 characters long (it has 1)|",
	       NULL);
	expect("{\"prefixItems\": [{\"type\": \"string\"}], \"items\": false}",
	       "[\"a\", 1, 2]",
	       "|items|the value must have at most 1 item (it has 3)|", NULL);
	expect("{\"properties\": {\"f\": {\"contains\": {\"const\": "
	       "\"SHOP_NOW\"}}}}",
	       "{\"f\": [\"LEARN_MORE\"]}",
	       "/f|contains|'f' must include 'SHOP_NOW'|", NULL);
	expect("{\"contains\": {\"type\": \"integer\"}, \"minContains\": 2, "
	       "\"maxContains\": 3}",
	       "[1, \"a\"]",
	       "|minContains|the value must have at least 2 matching items "
	       "(it has 1)|",
	       NULL);
	/* 1 and 1.0 are the same value */
	expect("{\"uniqueItems\": true}", "[1, 1.0]",
	       "|uniqueItems|the value must not list the same value twice (1 "
	       "is item 1 and item 2)|",
	       NULL);
	expect("{\"uniqueItems\": true}",
	       "[{\"a\": 1, \"b\": 2}, {\"b\": 2, \"a\": 1.5}]", NULL);
}

static void test_objects(void **state)
{
	struct ads_schema_set *set;
	struct seen seen;
	(void)state;

	expect("{\"minProperties\": 1, \"dependentRequired\": {\"bid_amount\":"
	       " [\"bid_strategy\"]}}",
	       "{\"bid_amount\": 5}",
	       "|dependentRequired|missing field 'bid_strategy' (required when "
	       "'bid_amount' is set)|",
	       NULL);
	expect("{\"minProperties\": 1}", "{}",
	       "|minProperties|the value must not be empty|", NULL);
	expect("{\"patternProperties\": {\"^x-\": {\"type\": \"string\"}}, "
	       "\"additionalProperties\": false}",
	       "{\"x-a\": \"ok\", \"x-b\": 1}",
	       "/x-b|type|'x-b' must be a string, not an integer|", NULL);
	expect("{\"dependentSchemas\": {\"a\": {\"required\": [\"b\"]}}}",
	       "{\"a\": 1}", "|required|missing required field 'b'|", NULL);
	expect("{\"properties\": {\"old\": false}}", "{\"old\": 1}",
	       "/old|false|field 'old' is not allowed here|", NULL);
	/* propertyNames: the key is the subject, reported at the key */
	set = set_with("s.json", "{\"propertyNames\": {\"pattern\": "
	                         "\"^[a-z_]+$\"}}");
	assert_int_equal(run(set, "s.json", "{\"ok\": 1, \"Bad\": 2}", &seen),
	                 1);
	assert_string_equal(seen.lines.v[0],
	                    "/Bad|pattern|'Bad' is not a valid field name (it "
	                    "must match ^[a-z_]+$)|");
	assert_int_equal(seen.keys.nr, 1);
	seen_release(&seen);
	ads_schema_set_free(set);
	/* pointers escape ~ and / */
	expect("{\"additionalProperties\": {\"type\": \"string\"}}",
	       "{\"a/b~c\": 1}",
	       "/a~1b~0c|type|'a/b~c' must be a string, not an integer|", NULL);
}

static void test_const_not(void **state)
{
	(void)state;
	expect("{\"properties\": {\"status\": {\"const\": \"PAUSED\"}}}",
	       "{\"status\": \"ACTIVE\"}",
	       "/status|const|'status' must be 'PAUSED'|", NULL);
	expect("{\"not\": {\"required\": [\"daily_budget\", "
	       "\"lifetime_budget\"]}}",
	       "{\"daily_budget\": 1, \"lifetime_budget\": 2}",
	       "|not|'daily_budget' and 'lifetime_budget' cannot be used "
	       "together|",
	       NULL);
	expect("{\"properties\": {\"s\": {\"not\": {\"enum\": [\"DELETED\"]}}}}",
	       "{\"s\": \"DELETED\"}",
	       "/s|not|'DELETED' is not allowed for 's'|", NULL);
	expect("{\"not\": {\"type\": \"array\"}}", "[]",
	       "|not|the value is not allowed in this form|", NULL);
}

static void test_alternatives(void **state)
{
	static const char *creative =
	        "{\"properties\": {\"creative\": {\"oneOf\": ["
	        "{\"type\": \"object\", \"required\": [\"ref\"], "
	        "\"properties\": {\"ref\": {\"type\": \"string\"}}, "
	        "\"additionalProperties\": false},"
	        "{\"type\": \"string\"}]}}}";
	static const char *kinds =
	        "{\"anyOf\": ["
	        "{\"properties\": {\"kind\": {\"const\": \"image\"}, \"hash\": "
	        "{\"type\": \"string\"}}, \"required\": [\"kind\"]},"
	        "{\"properties\": {\"kind\": {\"const\": \"video\"}, "
	        "\"video_id\": {\"type\": \"string\"}}, \"required\": "
	        "[\"kind\", \"video_id\"]}]}";
	(void)state;

	expect(creative, "{\"creative\": \"hero\"}", NULL);
	expect(creative, "{\"creative\": {\"ref\": \"creatives.hero\"}}", NULL);
	/* no branch has the value's type */
	expect(creative, "{\"creative\": 5}",
	       "/creative|oneOf|'creative' must be one of: a mapping with "
	       "'ref', a string|",
	       NULL);
	/* the branch of the right type explains what is wrong */
	expect(creative, "{\"creative\": {\"ref\": 5, \"reff\": 1}}",
	       "/creative/ref|type|'ref' must be a string, not an integer|",
	       "/creative/reff|additionalProperties|unknown field 'reff'|ref",
	       NULL);
	/* a const discriminator picks the branch */
	expect(kinds, "{\"kind\": \"video\"}",
	       "|required|missing required field 'video_id'|", NULL);
	expect(kinds, "{\"kind\": \"image\", \"hash\": 1}",
	       "/hash|type|'hash' must be a string, not an integer|", NULL);
	expect("{\"anyOf\": [{\"$ref\": \"#/$defs/a\"}, {\"allOf\": [{\"type\":"
	       " \"null\"}]}], \"$defs\": {\"a\": {\"type\": \"array\"}}}",
	       "1", "|anyOf|the value must be one of: a list, empty (null)|",
	       NULL);
	expect("{\"anyOf\": [{\"if\": true, \"then\": {\"type\": \"string\"}}, "
	       "{\"if\": true, \"then\": {\"type\": \"null\"}}]}",
	       "1", "|anyOf|the value does not match any of the allowed forms|",
	       NULL);
	expect("{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 0}]}", "5",
	       "|oneOf|the value matches more than one allowed form|", NULL);
}

static void test_xmessage(void **state)
{
	static const char *rule =
	        "{\"allOf\": [{"
	        "\"if\": {\"properties\": {\"objective\": {\"const\": "
	        "\"OUTCOME_SALES\"}}, \"required\": [\"objective\"]},"
	        "\"then\": {\"required\": [\"promoted_object\"], "
	        "\"properties\": {\"promoted_object\": {\"required\": "
	        "[\"pixel_id\"]}}},"
	        "\"x-message\": \"sales campaigns need a promoted_object with a "
	        "pixel_id\"}],"
	        "\"properties\": {\"name\": {\"pattern\": \"^[A-Z]{2}_\", "
	        "\"x-message\": \"campaign names start with a country code, "
	        "e.g. DE_spring\"}}}";
	(void)state;

	expect(rule, "{\"objective\": \"OUTCOME_SALES\"}",
	       "|required|sales campaigns need a promoted_object with a "
	       "pixel_id|",
	       NULL);
	expect(rule,
	       "{\"objective\": \"OUTCOME_SALES\", \"promoted_object\": {}}",
	       "/promoted_object|required|sales campaigns need a "
	       "promoted_object with a pixel_id|",
	       NULL);
	/* one failure per location under an x-message, suggestions kept */
	expect("{\"properties\": {\"creative\": {\"type\": \"object\", "
	       "\"required\": [\"ref\", \"x\"], \"properties\": {\"ref\": "
	       "{}}, \"additionalProperties\": false, \"x-message\": \"write { "
	       "ref: creatives.KEY }\"}}}",
	       "{\"creative\": {\"reff\": 1}}",
	       "/creative|required|write { ref: creatives.KEY }|",
	       "/creative/reff|additionalProperties|write { ref: creatives.KEY "
	       "}|ref",
	       NULL);
	/* the misspelling says it all, unless something else is missing */
	expect("{\"properties\": {\"creative\": {\"type\": \"object\", "
	       "\"required\": [\"ref\"], \"properties\": {\"ref\": "
	       "{}}, \"additionalProperties\": false, \"x-message\": \"write { "
	       "ref: creatives.KEY }\"}}}",
	       "{\"creative\": {\"reff\": 1}}",
	       "/creative/reff|additionalProperties|write { ref: creatives.KEY "
	       "}|ref",
	       NULL);
	expect(rule, "{\"objective\": \"OUTCOME_LEADS\", \"name\": \"spring\"}",
	       "/name|pattern|campaign names start with a country code, e.g. "
	       "DE_spring|",
	       NULL);
}

static void test_refs(void **state)
{
	struct ads_schema_set *set = ads_schema_set_new();
	struct ads_error err = ADS_ERROR_INIT;
	struct seen seen;
	const char *uris[] = { "https://adsctl.dev/schemas/campaign.json",
		               "https://adsctl.dev/schemas/common.json" };
	json_t *docs[2];
	(void)state;

	/* campaign refers to common, which is added after it */
	docs[0] = parse(
	        "{\"type\": \"object\", \"properties\": {"
	        "\"daily_budget\": {\"$ref\": \"common.json#/$defs/"
	        "money\"}, \"status\": {\"$ref\": \"common.json#status\"}}}");
	docs[1] = parse("{\"$defs\": {\"money\": {\"type\": \"integer\", "
	                "\"minimum\": 100}, \"st\": {\"$anchor\": \"status\", "
	                "\"enum\": [\"ACTIVE\", \"PAUSED\"]}}}");
	assert_int_equal(ads_schema_set_add_many(set, 2, uris, docs, &err), 0);
	assert_int_equal(run(set, uris[0],
	                     "{\"daily_budget\": 5, \"status\": \"ACTIV\"}",
	                     &seen),
	                 2);
	assert_string_equal(seen.lines.v[0],
	                    "/daily_budget|minimum|'daily_budget' must be at "
	                    "least 100|");
	assert_string_equal(seen.lines.v[1],
	                    "/status|enum|'ACTIV' is not a valid value for "
	                    "'status': expected one of ACTIVE, PAUSED|ACTIVE");
	seen_release(&seen);
	/* a fragment names a subschema directly */
	assert_int_equal(run(set,
	                     "https://adsctl.dev/schemas/common.json#/$defs/"
	                     "money",
	                     "50", &seen),
	                 1);
	seen_release(&seen);
	assert_true(ads_schema_set_has(set, uris[1]));
	assert_false(ads_schema_set_has(set, "https://adsctl.dev/nope.json"));
	assert_int_equal(ads_schema_validate(set, "https://adsctl.dev/x.json",
	                                     docs[0], NULL, NULL, &err),
	                 ADS_ENOTFOUND);
	assert_non_null(strstr(err.msg, "unknown schema"));
	ads_error_release(&err);
	json_decref(docs[0]);
	json_decref(docs[1]);
	ads_schema_set_free(set);
}

static void test_compile_errors(void **state)
{
	char *msg;
	(void)state;

	assert_int_equal(add_error("{\"properties\": {\"a\": {\"pattern\": "
	                           "\"(unclosed\"}}}",
	                           &msg),
	                 ADS_EINVALID);
	assert_non_null(strstr(msg, "#/properties/a/pattern: invalid regular "
	                            "expression '(unclosed'"));
	free(msg);
	assert_int_equal(add_error("{\"$ref\": \"other.json#/x\"}", &msg),
	                 ADS_EINVALID);
	assert_non_null(strstr(msg, "cannot resolve "
	                            "'https://t.example/other.json#/x'"));
	free(msg);
	assert_int_equal(add_error("{\"$ref\": \"#/$defs/missing\"}", &msg),
	                 ADS_EINVALID);
	assert_non_null(strstr(msg, "no such location"));
	free(msg);
	assert_int_equal(add_error("{\"type\": \"text\"}", &msg), ADS_EINVALID);
	assert_non_null(strstr(msg, "#/type: unknown type 'text'"));
	free(msg);
	assert_int_equal(add_error("{\"minLength\": -1}", &msg), ADS_EINVALID);
	free(msg);
	assert_int_equal(add_error("{\"required\": \"a\"}", &msg),
	                 ADS_EINVALID);
	free(msg);
	assert_int_equal(add_error("{\"items\": [{}]}", &msg), ADS_EINVALID);
	assert_non_null(strstr(msg, "prefixItems"));
	free(msg);
	assert_int_equal(add_error("{\"properties\": {\"a\": 5}}", &msg),
	                 ADS_EINVALID);
	assert_non_null(strstr(msg, "must be an object or a boolean"));
	free(msg);
	/* schemas that would apply themselves to one value forever */
	assert_int_equal(add_error("{\"$ref\": \"#\"}", &msg), ADS_EINVALID);
	assert_non_null(strstr(msg, "without end"));
	free(msg);
	assert_int_equal(add_error("{\"$defs\": {\"a\": {\"allOf\": [{\"$ref\":"
	                           " \"#/$defs/b\"}]}, \"b\": {\"anyOf\": "
	                           "[{\"$ref\": \"#/$defs/a\"}]}}}",
	                           &msg),
	                 ADS_EINVALID);
	free(msg);
	/* recursion through a child value is fine */
	assert_int_equal(add_error("{\"properties\": {\"next\": {\"$ref\": "
	                           "\"#\"}}}",
	                           &msg),
	                 0);
	free(msg);
}

static void test_rollback(void **state)
{
	struct ads_schema_set *set = ads_schema_set_new();
	struct ads_error err = ADS_ERROR_INIT;
	json_t *bad = parse("{\"$id\": \"https://t.example/a.json\", "
	                    "\"$anchor\": \"x\", \"pattern\": \"(\"}");
	json_t *good = parse("{\"$id\": \"https://t.example/a.json\", "
	                     "\"$anchor\": \"x\", \"type\": \"string\"}");
	struct seen seen;
	(void)state;

	assert_int_equal(ads_schema_set_add(set, "a", bad, &err), ADS_EINVALID);
	ads_error_release(&err);
	assert_false(ads_schema_set_has(set, "https://t.example/a.json"));
	/* the failed add registered nothing: the same URIs are free */
	assert_int_equal(ads_schema_set_add(set, "a", good, &err), 0);
	assert_int_equal(run(set, "https://t.example/a.json#x", "1", &seen), 1);
	seen_release(&seen);
	/* a second document with the same $id is refused */
	assert_int_equal(ads_schema_set_add(set, "b", good, &err),
	                 ADS_EINVALID);
	assert_non_null(strstr(err.msg, "already"));
	ads_error_release(&err);
	json_decref(bad);
	json_decref(good);
	ads_schema_set_free(set);
}

static void test_unevaluated(void **state)
{
	static const char *schema =
	        "{\"$defs\": {\"base\": {\"properties\": {\"name\": {\"type\": "
	        "\"string\"}, \"daily_budget\": {\"type\": \"integer\"}}}},"
	        "\"allOf\": [{\"$ref\": \"#/$defs/base\"}],"
	        "\"properties\": {\"objective\": {}},"
	        "\"unevaluatedProperties\": false}";
	(void)state;

	expect(schema,
	       "{\"name\": \"a\", \"objective\": 1, \"daily_budget\": 1}",
	       NULL);
	/* unknown through allOf/$ref, with a suggestion from the base */
	expect(schema, "{\"name\": \"a\", \"daly_budget\": 1}",
	       "/daly_budget|unevaluatedProperties|unknown field "
	       "'daly_budget'|daily_budget",
	       NULL);
	/* a field of the base with a bad value is not also unknown */
	expect(schema, "{\"daily_budget\": \"x\"}",
	       "/daily_budget|type|'daily_budget' must be an integer, not a "
	       "string|",
	       NULL);
	expect("{\"prefixItems\": [{}], \"unevaluatedItems\": false}",
	       "{\"l\": 1}", NULL);
	expect("{\"properties\": {\"l\": {\"prefixItems\": [{}], "
	       "\"unevaluatedItems\": false}}}",
	       "{\"l\": [1, 2]}",
	       "/l/1|unevaluatedItems|item 2 of 'l' is not allowed here|",
	       NULL);
}

static int count_failures(struct ads_schema_set *set, const char *uri,
                          const char *base, const char *instance,
                          struct seen *seen)
{
	struct ads_error err = ADS_ERROR_INIT;
	json_t *inst = parse(instance);
	int n;

	ads_strvec_init(&seen->lines);
	ads_strvec_init(&seen->keys);
	n = ads_schema_validate_at(set, uri, base, inst, collect, seen, &err);
	json_decref(inst);
	ads_error_release(&err);
	return n;
}

/* Validating instance at base (of c.json) gives exactly the failure want. */
static void expect_one_failure(struct ads_schema_set *set, const char *base,
                               const char *instance, const char *want)
{
	struct seen seen;

	assert_int_equal(count_failures(set, "c.json", base, instance, &seen),
	                 1);
	assert_string_equal(seen.lines.v[0], want);
	seen_release(&seen);
}

static void test_validate_at(void **state)
{
	struct ads_schema_set *set =
	        set_with("c.json",
	                 "{\"type\": \"object\", \"required\": [\"name\"], "
	                 "\"properties\": {\"name\": {\"type\": \"string\"}}}");
	(void)state;

	expect_one_failure(set, "/campaigns/spring_sale", "5",
	                   "/campaigns/spring_sale|type|'spring_sale' must be "
	                   "a mapping, not an integer|");
	expect_one_failure(set, "/list/2", "{\"name\": 1}",
	                   "/list/2/name|type|'name' must be a string, not an "
	                   "integer|");
	expect_one_failure(set, "/list/2", "[]",
	                   "/list/2|type|item 3 of 'list' must be a mapping, "
	                   "not a list|");
	/* a missing field names the mapping by its path (an address) */
	expect_one_failure(set, "/campaigns/spring_sale", "{}",
	                   "/campaigns/spring_sale|required|campaigns."
	                   "spring_sale: missing required field 'name'|");
	expect_one_failure(set, "/list/2", "{}",
	                   "/list/2|required|missing required field 'name'|");
	ads_schema_set_free(set);
}

static void test_every_failure(void **state)
{
	struct ads_schema_set *set =
	        set_with("s.json",
	                 "{\"additionalProperties\": {\"type\": \"integer\"}}");
	struct ads_buf inst = ADS_BUF_INIT;
	struct seen seen;
	(void)state;

	ads_buf_addch(&inst, '{');
	for (int i = 0; i < 500; i++)
		ads_buf_addf(&inst, "%s\"f%d\": \"x\"", i ? "," : "", i);
	ads_buf_addch(&inst, '}');
	assert_int_equal(run(set, "s.json", inst.buf, &seen), 500);
	assert_string_equal(seen.lines.v[499],
	                    "/f499|type|'f499' must be an integer, not a "
	                    "string|");
	seen_release(&seen);
	ads_buf_release(&inst);
	ads_schema_set_free(set);
}

static void test_limits(void **state)
{
	struct ads_schema_set *set = set_with(
	        "s.json", "{\"$defs\": {\"l\": {\"items\": {\"$ref\": "
	                  "\"#/$defs/l\"}}}, \"$ref\": \"#/$defs/l\"}");
	struct ads_error err = ADS_ERROR_INIT;
	json_t *deep = json_array(), *cur = deep;
	(void)state;

	for (int i = 0; i < 800; i++) {
		json_t *next = json_array();

		json_array_append_new(cur, next);
		cur = next;
	}
	assert_int_equal(
	        ads_schema_validate(set, "s.json", deep, NULL, NULL, &err),
	        ADS_ETOOBIG);
	ads_error_release(&err);
	json_decref(deep);
	ads_schema_set_free(set);
}

static void test_builtin(void **state)
{
	struct ads_schema_set *set = NULL;
	struct ads_error err = ADS_ERROR_INIT;
	(void)state;

	/* whatever schemas/ holds today (possibly nothing) must compile */
	if (ads_schema_set_builtin(&set, &err))
		fail_msg("built-in schemas: %s", err.msg);
	assert_non_null(set);
	ads_schema_set_free(set);
}

static void test_dynamic_ref(void **state)
{
	struct ads_schema_set *set = ads_schema_set_new();
	struct ads_error err = ADS_ERROR_INIT;
	const char *uris[] = { "https://t.example/list.json",
		               "https://t.example/strings.json" };
	json_t *docs[2];
	struct seen seen;
	(void)state;

	/* a generic list whose items a referring schema specialises */
	docs[0] = parse("{\"$dynamicAnchor\": \"item\", \"$defs\": {\"list\": "
	                "{\"type\": \"array\", \"items\": {\"$dynamicRef\": "
	                "\"#item\"}}}}");
	docs[1] = parse("{\"$ref\": \"list.json#/$defs/list\", \"$defs\": "
	                "{\"s\": {\"$dynamicAnchor\": \"item\", \"type\": "
	                "\"string\"}}}");
	assert_int_equal(ads_schema_set_add_many(set, 2, uris, docs, &err), 0);
	assert_int_equal(run(set, uris[1], "[\"a\", 1]", &seen), 1);
	assert_string_equal(seen.lines.v[0],
	                    "/1|type|item 2 must be a string, not an integer|");
	seen_release(&seen);
	json_decref(docs[0]);
	json_decref(docs[1]);
	ads_schema_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_required_and_unknown),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_const_not),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_xmessage),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_unevaluated),
		cmocka_unit_test(test_validate_at),
		cmocka_unit_test(test_every_failure),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_dynamic_ref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
