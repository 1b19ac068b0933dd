/*
 * Unit tests of live state (src/live/): labels and markers, loading raw
 * fixtures, identity and its ambiguities, mapping against a model, the
 * fields read, and the fetch itself against a scripted Graph (stub).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/stub.h"
#include "live/live.h"
#include "lib/tproject.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v)
		fail_msg("bad test JSON: %s", e.text);
	return v;
}

static void test_labels(void **state)
{
	char *stack, *addr, dg[ADS_DIGEST_LABEL_LEN + 1];

	(void)state;
	assert_true(ads_live_parse_label("adsctl:acme:campaigns.a", &stack,
	                                 &addr, dg));
	assert_string_equal(stack, "acme");
	assert_string_equal(addr, "campaigns.a");
	assert_string_equal(dg, "");
	free(stack);
	free(addr);
	assert_true(ads_live_parse_label("adsctl:acme:creatives.h@0123456789ab",
	                                 &stack, &addr, dg));
	assert_string_equal(addr, "creatives.h");
	assert_string_equal(dg, "0123456789ab");
	free(stack);
	free(addr);
	assert_false(ads_live_parse_label("adsctl:acme:creatives.h@01234",
	                                  &stack, &addr, dg));
	assert_false(ads_live_parse_label("other:acme:campaigns.a", &stack,
	                                  &addr, dg));
	assert_false(
	        ads_live_parse_label("adsctl::campaigns.a", &stack, &addr, dg));
	assert_false(ads_live_parse_label("adsctl:Acme:campaigns.a", &stack,
	                                  &addr, dg));
	assert_false(ads_live_parse_label(NULL, &stack, &addr, dg));
}

static void test_marker(void **state)
{
	char *stack, *addr, members[65];
	size_t n;
	char d64[65];

	(void)state;
	memset(d64, 'a', 64);
	d64[64] = '\0';
	assert_true(ads_live_parse_marker("Buyers  [adsctl s:audiences.b]",
	                                  &stack, &addr, members, &n));
	assert_string_equal(stack, "s");
	assert_string_equal(addr, "audiences.b");
	assert_string_equal(members, "");
	assert_int_equal(n, 6);
	free(stack);
	free(addr);
	{
		char *desc =
		        xasprintf("[adsctl s:audiences.b members=%s]", d64);

		assert_true(ads_live_parse_marker(desc, &stack, &addr, members,
		                                  &n));
		assert_string_equal(members, d64);
		assert_int_equal(n, 0);
		free(stack);
		free(addr);
		free(desc);
	}
	/* the marker must end the description */
	assert_false(ads_live_parse_marker("[adsctl s:audiences.b] more",
	                                   &stack, &addr, members, &n));
	assert_false(
	        ads_live_parse_marker("no marker", &stack, &addr, members, &n));
	assert_false(ads_live_parse_marker("[adsctl s:audiences.b members=x]",
	                                   &stack, &addr, members, &n));
}

#define LBL(x) "{\"id\":\"9\",\"name\":\"" x "\"}"

static const char *const fixture =
        "{\"account\":{\"id\":\"act_1\",\"currency\":\"EUR\","
        "\"min_daily_budget\":\"100\"},"
        "\"campaigns\":["
        " {\"id\":\"1\",\"name\":\"A\",\"effective_status\":\"ACTIVE\","
        "  \"adlabels\":[" LBL(
                "adsctl:s:campaigns.a") "]},"
                                        " {\"id\":\"2\",\"name\":\"A old\",\"effective_status\":\"ARCHIVED\","
                                        "  \"adlabels\":[" LBL("adsctl:s:campaigns.a") "]},"
                                                                                       " {\"id\":\"3\",\"name\":\"B\",\"effective_status\":\"PAUSED\"},"
                                                                                       " {\"id\":\"4\",\"name\":\"C\",\"effective_status\":\"PAUSED\","
                                                                                       "  \"adlabels\":[" LBL("adsctl:t:campaigns.c") "]},"
                                                                                                                                      " {\"id\":\"5\",\"name\":\"D\",\"effective_status\":\"PAUSED\","
                                                                                                                                      "  \"adlabels\":[" LBL("adsctl:s:campaigns.d") "," LBL(
                                                                                                                                              "adsctl:s:campaigns.e") "]}],"
                                                                                                                                                                      "\"adcreatives\":["
                                                                                                                                                                      " {\"id\":\"10\",\"adlabels\":[" LBL("adsctl:s:creatives.h") "," LBL("adsctl:s:creatives.h@aaaaaaaaaaaa") "]},"
                                                                                                                                                                                                                                                                                " {\"id\":\"11\",\"adlabels\":[" LBL("adsctl:s:creatives.h") "," LBL("adsctl:s:creatives.h@bbbbbbbbbbbb") "]}],"
                                                                                                                                                                                                                                                                                                                                                                                          "\"ads\":[{\"id\":\"20\",\"adset_id\":\"30\",\"creative\":{\"id\":"
                                                                                                                                                                                                                                                                                                                                                                                          "\"11\"},\"adlabels\":[" LBL(
                                                                                                                                                                                                                                                                                                                                                                                                  "adsctl:s:campaigns.a.ad_sets.x.ads.y") "]}],"
                                                                                                                                                                                                                                                                                                                                                                                                                                          "\"customaudiences\":[{\"id\":\"40\",\"description\":\"[adsctl "
                                                                                                                                                                                                                                                                                                                                                                                                                                          "s:audiences.u]\"}]}";

static void test_load_and_roles(void **state)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_live *l;
	json_t *raw = J(fixture);
	const struct ads_live_slot *s;

	(void)state;
	assert_int_equal(ads_live_load(&l, raw, "s", &err), 0);
	assert_string_equal(l->currency, "EUR");
	assert_int_equal(l->min_daily_budget, 100);
	assert_int_equal(l->nobjs, 9);
	/* unlabelled (3) and contradictory (5) objects are unmanaged */
	assert_int_equal(l->unmanaged[ADS_KIND_CAMPAIGN], 2);
	assert_int_equal(l->foreign[ADS_KIND_CAMPAIGN], 1);
	assert_int_equal(l->notes.nr, 1);
	assert_non_null(strstr(l->notes.v[0], "contradictory"));
	/* one live and one archived campaign with a label: no ambiguity */
	assert_int_equal(l->ndups, 0);
	ads_live_map(l, NULL);
	s = ads_live_slot(l, "campaigns.a");
	assert_int_equal(s->nr, 2);
	assert_string_equal(s->current->id, "1");
	assert_int_equal(ads_live_by_id(l, "2")->role, ADS_LIVE_RETIRED);
	assert_string_equal(ads_live_by_id(l, "20")->creative_id, "11");
	assert_string_equal(ads_live_by_id(l, "20")->parent_id, "30");
	assert_string_equal(ads_live_by_id(l, "11")->digest, "bbbbbbbbbbbb");
	assert_string_equal(ads_live_get(l, "audiences.u")->id, "40");
	assert_int_equal(strlen(ads_live_fingerprint(ads_live_by_id(l, "1"))),
	                 16);
	ads_live_free(l);
	json_decref(raw);
}

static void test_ambiguity(void **state)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_live *l;
	json_t *raw = J(
	        "{\"campaigns\":["
	        "{\"id\":\"1\",\"effective_status\":\"ACTIVE\","
	        "\"adlabels\":[" LBL(
	                "adsctl:s:campaigns.a") "]},"
	                                        "{\"id\":\"2\",\"effective_status\":\"PAUSED\","
	                                        "\"adlabels\":[" LBL(
	                                                "adsctl:s:campaigns.a") "]}],"
	                                                                        "\"adcreatives\":["
	                                                                        "{\"id\":\"3\",\"adlabels\":[" LBL(
	                                                                                "adsctl:s:creatives.h@aaaaaaaaaaaa") "]},"
	                                                                                                                     "{\"id\":\"4\",\"adlabels\":[" LBL(
	                                                                                                                             "adsctl:s:creatives.h@aaaaaaaaaaaa") "]}]}");

	(void)state;
	assert_int_equal(ads_live_load(&l, raw, "s", &err), 0);
	assert_int_equal(l->ndups, 2);
	assert_string_equal(l->dups[0].label, "adsctl:s:campaigns.a");
	assert_int_equal(l->dups[0].ids.nr, 2);
	assert_string_equal(l->dups[1].label,
	                    "adsctl:s:creatives.h@aaaaaaaaaaaa");
	ads_live_free(l);
	json_decref(raw);
}

static void test_bad_fixture(void **state)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_live *l = NULL;
	json_t *raw = J("{\"ads\":[{\"name\":\"no id\"}]}");

	(void)state;
	assert_int_equal(ads_live_load(&l, raw, "s", &err), ADS_EINVALID);
	assert_null(l);
	assert_non_null(strstr(err.msg, "ads[0] has no id"));
	ads_error_release(&err);
	json_decref(raw);
	raw = J("{\"ads\":{}}");
	assert_int_equal(ads_live_load(&l, raw, "s", &err), ADS_EINVALID);
	ads_error_release(&err);
	json_decref(raw);
}

static const char *const project[] = {
	"adsctl.yaml",
	"stack: s\naccount: act_1\ninclude: [r.yaml]\n",
	"r.yaml",
	"campaigns:\n"
	"  a:\n"
	"    name: A\n"
	"    objective: OUTCOME_TRAFFIC\n"
	"    special_ad_categories: []\n"
	"    status: PAUSED\n"
	"    daily_budget: 2000\n"
	"creatives:\n"
	"  h:\n"
	"    name: H\n"
	"    object_story_spec:\n"
	"      page_id: \"1\"\n"
	"      link_data: { link: \"https://x.example\", message: hi }\n",
	NULL,
};

static void test_map_versions(void **state)
{
	struct tproject *t = tproject_new(project);
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_live *l;
	char digest[65], *text;
	json_t *raw;

	(void)state;
	ads_resource_content_digest(ads_model_find(t->m, "creatives.h"),
	                            digest);
	text = xasprintf(
	        "{\"adcreatives\":["
	        "{\"id\":\"10\",\"adlabels\":[" LBL("adsctl:s:creatives.h") "," LBL(
	                "adsctl:s:creatives.h@aaaaaaaaaaaa") "]},"
	                                                     "{\"id\":\"11\",\"adlabels\":[" LBL(
	                                                             "adsctl:s:creatives.h") ",{\"name\":"
	                                                                                     "\"adsctl:s:creatives.h@"
	                                                                                     "%.12s\"}]}]}",
	        digest);
	raw = J(text);
	assert_int_equal(ads_live_load(&l, raw, "s", &err), 0);
	ads_live_map(l, t->m);
	assert_string_equal(ads_live_get(l, "creatives.h")->id, "11");
	assert_int_equal(ads_live_by_id(l, "10")->role, ADS_LIVE_SUPERSEDED);
	assert_null(ads_live_previous(l, "creatives.h"));
	ads_live_free(l);
	json_decref(raw);
	free(text);
	tproject_free(t);
}

static void test_fields(void **state)
{
	struct tproject *t = tproject_new(project);
	struct ads_buf b = ADS_BUF_INIT;

	(void)state;
	ads_live_fields(&b, ADS_KIND_CAMPAIGN, t->m);
	/* identity first, then the declared readable fields, sorted */
	assert_true(ads_starts_with(b.buf, "id,name,adlabels,"));
	assert_non_null(strstr(b.buf, ",objective,special_ad_categories"));
	assert_null(strstr(b.buf, "status,status"));
	ads_buf_reset(&b);
	ads_live_fields(&b, ADS_KIND_CREATIVE, t->m);
	/* creative content is identified by the version label */
	assert_string_equal(b.buf, "id,name,status,adlabels");
	ads_buf_release(&b);
	tproject_free(t);
}

/* --- the fetch against a scripted Graph ------------------------------ */

struct graph_script {
	size_t calls;
	bool saw_archived_filter;
	bool saw_hashes;
};

static void fake(void *ctx, const struct ads_graph_fake_call *call,
                 struct ads_graph_fake_answer *ans)
{
	struct graph_script *g = ctx;
	const char *st =
	        ads_graph_params_get(&call->params, "effective_status");
	const char *after = ads_graph_params_get(&call->params, "after");

	g->calls++;
	if (!strcmp(call->path, "act_1")) {
		ads_buf_addstr(&ans->body, "{\"id\":\"act_1\",\"currency\":"
		                           "\"JPY\"}");
		return;
	}
	if (st && strstr(st, "ARCHIVED") && !strstr(st, "DELETED"))
		g->saw_archived_filter = true;
	if (ads_graph_params_get(&call->params, "hashes"))
		g->saw_hashes = true;
	if (!strcmp(call->path, "act_1/campaigns") && !after) {
		/* two pages: the fetch must follow paging */
		ads_buf_addstr(
		        &ans->body,
		        "{\"data\":[{\"id\":\"1\",\"adlabels\":[" LBL(
		                "adsctl:s:campaigns.a") "]}],"
		                                        "\"paging\":{"
		                                        "\"cursors\":{"
		                                        "\"after\":"
		                                        "\"c1\"},\"next\":"
		                                        "\"http://"
		                                        "127.0.0.1/v25.0/"
		                                        "act_1/campaigns?"
		                                        "after=c1\"}}");
		return;
	}
	if (!strcmp(call->path, "act_1/campaigns")) {
		ads_buf_addstr(&ans->body,
		               "{\"data\":[{\"id\":\"2\",\"effective_status\":"
		               "\"ARCHIVED\"}]}");
		return;
	}
	ads_buf_addstr(&ans->body, "{\"data\":[]}");
}

static void test_fetch(void **state)
{
	struct graph_script g = { 0 };
	struct ads_graph_config cfg;
	struct ads_graph *graph;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_live *l;
	struct tproject *t = tproject_new(project);
	struct ads_live_query q = { .account = "act_1",
		                    .stack = "s",
		                    .model = t->m };

	(void)state;
	ads_graph_config_init(&cfg);
	cfg.api_url = "http://127.0.0.1";
	cfg.api_version = "v25.0";
	cfg.access_token = "secret-token";
	ads_graph_transport_fake_new(&cfg.transport, fake, NULL, &g);
	assert_int_equal(ads_graph_new(&graph, &cfg, &err), 0);
	assert_int_equal(ads_live_fetch(&l, graph, &q, &err), 0);
	assert_string_equal(l->currency, "JPY");
	assert_int_equal(l->nobjs, 2);
	assert_true(g.saw_archived_filter);
	assert_false(g.saw_hashes); /* no images in the manifests */
	/* the account and 5 edges at once, then the second page */
	assert_int_equal(g.calls, 7);
	assert_true(l->round_trips <= 3);
	assert_non_null(ads_live_by_id(l, "2"));
	assert_true(ads_live_by_id(l, "2")->archived);
	ads_live_free(l);
	ads_graph_free(graph);
	tproject_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_marker),
		cmocka_unit_test(test_load_and_roles),
		cmocka_unit_test(test_ambiguity),
		cmocka_unit_test(test_bad_fixture),
		cmocka_unit_test(test_map_versions),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_fetch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
