/*
 * Unit tests of the diff (src/diff/): the normalisations of DESIGN.md §5
 * against read-backs shaped like Meta's (and the emulator's), the rules
 * table, and compound merges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diff/diff.h"
#include "util/json.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);

	if (!v)
		fail_msg("bad test JSON: %s: %s", text, e.text);
	return v;
}

/* Whether desired equals live for field path of kind. */
static bool same(enum ads_kind kind, const char *path, const char *d,
                 const char *l)
{
	json_t *dv = J(d), *lv = l ? J(l) : NULL;
	bool r = ads_diff_equal(kind, path, dv, lv);

	json_decref(dv);
	json_decref(lv);
	return r;
}

static void test_numbers_and_strings(void **state)
{
	(void)state;
	/* 000:L196: budgets come back as numeric strings */
	assert_true(same(ADS_KIND_AD_SET, "daily_budget", "2500", "\"2500\""));
	assert_false(same(ADS_KIND_AD_SET, "daily_budget", "2500", "\"2600\""));
	assert_true(same(ADS_KIND_AD_SET, "targeting.age_min", "25", "\"25\""));
	assert_true(same(ADS_KIND_AUDIENCE, "lookalike_spec.ratio", "0.02",
	                 "\"0.02\""));
	assert_true(same(ADS_KIND_CAMPAIGN, "is_adset_budget_sharing_enabled",
	                 "false", "\"0\""));
	assert_true(same(ADS_KIND_CAMPAIGN, "is_adset_budget_sharing_enabled",
	                 "true", "true"));
	assert_false(same(ADS_KIND_CAMPAIGN, "is_adset_budget_sharing_enabled",
	                  "true", "false"));
	/* names are not enums: case matters */
	assert_false(
	        same(ADS_KIND_CAMPAIGN, "name", "\"Spring\"", "\"spring\""));
}

static void test_times(void **state)
{
	(void)state;
	assert_true(same(ADS_KIND_AD_SET, "end_time",
	                 "\"2027-03-01T00:00:00Z\"",
	                 "\"2027-03-01T00:00:00+0000\""));
	assert_true(same(ADS_KIND_AD_SET, "start_time",
	                 "\"2027-03-01T01:00:00+01:00\"",
	                 "\"2027-03-01T00:00:00+0000\""));
	assert_true(same(ADS_KIND_AD_SET, "start_time", "1803859200",
	                 "\"2027-03-01T00:00:00+0000\""));
	assert_false(same(ADS_KIND_AD_SET, "end_time",
	                  "\"2027-03-01T00:00:00-0800\"",
	                  "\"2027-03-01T00:00:00+0000\""));
}

static void test_sets_and_enums(void **state)
{
	(void)state;
	assert_true(same(ADS_KIND_AD_SET, "targeting.geo_locations.countries",
	                 "[\"DE\",\"AT\"]", "[\"AT\",\"DE\"]"));
	assert_false(same(ADS_KIND_AD_SET, "targeting.geo_locations.countries",
	                  "[\"DE\",\"AT\"]", "[\"AT\",\"DE\",\"CH\"]"));
	assert_true(
	        same(ADS_KIND_CAMPAIGN, "special_ad_categories", "[]", "[]"));
	/* declared [] equals a live field that is absent */
	assert_true(
	        same(ADS_KIND_CAMPAIGN, "special_ad_categories", "[]", NULL));
	assert_true(same(ADS_KIND_CAMPAIGN, "objective", "\"outcome_sales\"",
	                 "\"OUTCOME_SALES\""));
	/* custom audiences read back as [{id,name}] */
	assert_true(same(ADS_KIND_AD_SET, "targeting.custom_audiences",
	                 "[{\"id\":\"2\"},{\"id\":\"1\"}]",
	                 "[{\"id\":\"1\",\"name\":\"a\"},{\"id\":\"2\","
	                 "\"name\":\"b\"}]"));
	/* an ordered list keeps its order */
	assert_false(same(ADS_KIND_AD_SET, "frequency_control_specs",
	                  "[{\"event\":\"A\"},{\"event\":\"B\"}]",
	                  "[{\"event\":\"B\"},{\"event\":\"A\"}]"));
	/* tracking_specs: the server adds objective defaults */
	assert_true(same(ADS_KIND_AD, "tracking_specs",
	                 "[{\"action.type\":[\"offsite_conversion\"],"
	                 "\"fb_pixel\":[\"1\"]}]",
	                 "[{\"action.type\":[\"offsite_conversion\"],"
	                 "\"fb_pixel\":[\"1\"]},{\"action.type\":"
	                 "[\"link_click\"]}]"));
}

static void test_compound_server_defaults(void **state)
{
	struct ads_diff d = ADS_DIFF_INIT;
	json_t *want = J("{\"targeting\":{\"geo_locations\":{\"countries\":"
	                 "[\"DE\"]},\"age_min\":25}}");
	/* emulator/Meta defaults: age_max, location_types, brand safety */
	json_t *live = J("{\"targeting\":{\"geo_locations\":{\"countries\":"
	                 "[\"DE\"],\"location_types\":[\"home\",\"recent\"]},"
	                 "\"age_min\":25,\"age_max\":65,"
	                 "\"brand_safety_content_filter_levels\":"
	                 "[\"FACEBOOK_STANDARD\"]}}");

	(void)state;
	ads_diff_fields(&d, ADS_KIND_AD_SET, want, live, NULL);
	assert_int_equal(d.nr, 0);
	json_object_set_new(json_object_get(want, "targeting"), "age_max",
	                    json_integer(54));
	ads_diff_fields(&d, ADS_KIND_AD_SET, want, live, NULL);
	assert_int_equal(d.nr, 1);
	assert_string_equal(d.v[0].field, "targeting.age_max");
	assert_int_equal(json_integer_value(d.v[0].before), 65);
	assert_int_equal(json_integer_value(d.v[0].after), 54);
	/* the change resets learning through its top-level field */
	assert_true(d.v[0].top->flags & ADS_FIELD_LEARNING);
	assert_null(d.immutable);
	ads_diff_release(&d);
	json_decref(want);
	json_decref(live);
}

static void test_immutable_and_money(void **state)
{
	struct ads_diff d = ADS_DIFF_INIT;
	json_t *want = J("{\"objective\":\"OUTCOME_SALES\",\"daily_budget\":"
	                 "3000,\"name\":\"x\"}");
	json_t *live = J("{\"objective\":\"OUTCOME_TRAFFIC\",\"daily_budget\":"
	                 "\"2000\",\"name\":\"x\"}");

	(void)state;
	ads_diff_fields(&d, ADS_KIND_CAMPAIGN, want, live, NULL);
	assert_int_equal(d.nr, 2);
	assert_non_null(d.immutable);
	assert_string_equal(d.immutable, "objective");
	/* money is shown as integers on both sides */
	assert_string_equal(d.v[1].field, "daily_budget");
	assert_true(json_is_integer(d.v[1].before));
	assert_int_equal(json_integer_value(d.v[1].before), 2000);
	assert_int_equal(d.v[1].rule->type, ADS_DIFF_MONEY);
	ads_diff_release(&d);
	json_decref(want);
	json_decref(live);
}

static void test_write_only_and_creative(void **state)
{
	struct ads_diff d = ADS_DIFF_INIT;
	/* origin_audience_id is never returned: not compared */
	json_t *want = J("{\"origin_audience_id\":\"5\",\"name\":\"a\"}");
	json_t *live = J("{\"name\":\"a\"}");

	(void)state;
	ads_diff_fields(&d, ADS_KIND_AUDIENCE, want, live, NULL);
	assert_int_equal(d.nr, 0);
	json_decref(want);
	json_decref(live);
	/* ad.creative: {creative_id} against the live {id} */
	assert_true(same(ADS_KIND_AD, "creative", "{\"creative_id\":\"7\"}",
	                 "{\"id\":\"7\"}"));
	assert_false(same(ADS_KIND_AD, "creative", "{\"creative_id\":\"7\"}",
	                  "{\"id\":\"8\"}"));
	/* a placeholder (a new object) never equals a live value */
	assert_false(same(ADS_KIND_AD, "creative",
	                  "{\"creative_id\":{\"ref\":\"creatives.a\"}}",
	                  "{\"id\":\"8\"}"));
	/* the audience marker is adsctl's, not the user's */
	assert_true(same(ADS_KIND_AUDIENCE, "description", "\"Buyers\"",
	                 "\"Buyers [adsctl s:audiences.b]\""));
	assert_false(same(ADS_KIND_AUDIENCE, "description", "\"Buyers\"",
	                  "\"Sellers [adsctl s:audiences.b]\""));
	ads_diff_release(&d);
}

static void test_merge(void **state)
{
	json_t *live = J("{\"geo_locations\":{\"countries\":[\"DE\"],"
	                 "\"location_types\":[\"home\",\"recent\"]},"
	                 "\"age_min\":18,\"flexible_spec\":[{\"a\":1}]}");
	json_t *want = J("{\"geo_locations\":{\"countries\":[\"AT\"]},"
	                 "\"age_min\":21}");
	json_t *m = ads_diff_merge(live, want);
	json_t *expect = J("{\"geo_locations\":{\"countries\":[\"AT\"],"
	                   "\"location_types\":[\"home\",\"recent\"]},"
	                   "\"age_min\":21,\"flexible_spec\":[{\"a\":1}]}");

	(void)state;
	assert_true(json_equal(m, expect));
	json_decref(m);
	/* a live value that is JSON text is parsed first */
	json_decref(live);
	live = J("\"{\\\"a\\\":1}\"");
	json_decref(want);
	want = J("{\"b\":2}");
	m = ads_diff_merge(live, want);
	assert_int_equal(json_integer_value(json_object_get(m, "a")), 1);
	json_decref(m);
	json_decref(live);
	json_decref(want);
	json_decref(expect);
}

static void test_rules_table(void **state)
{
	json_t *obj = json_object();

	(void)state;
	assert_true(ads_diff_rule_count() > 50);
	for (size_t i = 0; i < ads_diff_rule_count(); i++) {
		const struct ads_field_rule *r = ads_diff_rule_at(i);

		/* every row says where it comes from */
		assert_non_null(r->source);
		assert_true(strlen(r->source) > 2);
		/* and is the row found for its path */
		assert_ptr_equal(ads_diff_rule(r->kind, r->path, NULL), r);
	}
	assert_int_equal(
	        ads_diff_rule(ADS_KIND_AD_SET, "targeting.foo", obj)->type,
	        ADS_DIFF_COMPOUND);
	/* creative content fields change only through a new creative */
	assert_true(ads_diff_rule(ADS_KIND_CREATIVE, "object_story_spec", obj)
	                    ->flags &
	            ADS_FIELD_IMMUTABLE);
	assert_true(ads_live_readable(ADS_KIND_CAMPAIGN, "daily_budget"));
	assert_false(
	        ads_live_readable(ADS_KIND_AUDIENCE, "origin_audience_id"));
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_and_strings),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_sets_and_enums),
		cmocka_unit_test(test_compound_server_defaults),
		cmocka_unit_test(test_immutable_and_money),
		cmocka_unit_test(test_write_only_and_creative),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_rules_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
