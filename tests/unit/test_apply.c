/*
 * Unit tests for the executor (src/apply/apply.c) against the in-process
 * emulator, with plans built step by step: dependent creates chained in
 * one batch request, a failure skipping what depends on it and holding
 * back every activation, plans refused before anything is sent, unknown
 * outcomes settled by label (adopted, or never sent twice), interrupts,
 * and the journal's records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/journal.h"
#include "apply/lookup.h"
#include "emulator/config.h"
#include "emulator/emulator.h"
#include "graph/client.h"
#include "graph/read.h"
#include "plan/plan.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/interrupt.h"
#include "util/json.h"
#include "util/xalloc.h"

#define TOKEN   "apply-unit-test-token-0123456789"
#define ACCOUNT "act_77"
#define STACK   "unit"

struct fixture {
	struct ads_emulator *emu;
	struct ads_graph *g;
};

/* An emulator (with faults at rate for kind, when rate > 0) and a
 * client of it. */
static void start(struct fixture *f, int kind, double rate)
{
	struct ads_emulator_config ec;
	struct ads_graph_config gc;
	struct ads_error err = ADS_ERROR_INIT;

	ads_emulator_config_init(&ec);
	ec.env_token = xstrdup(TOKEN);
	ec.rt.seed = 7;
	if (kind >= 0)
		ec.rt.fault_rate[kind] = rate;
	assert_int_equal(ads_emulator_start(&f->emu, &ec, &err), 0);
	ads_emulator_config_release(&ec);
	ads_graph_config_init(&gc);
	gc.api_url = ads_emulator_url(f->emu);
	gc.api_version = "v25.0";
	gc.access_token = TOKEN;
	gc.account = ACCOUNT;
	gc.backoff_base_ms = 1;
	gc.backoff_max_ms = 2;
	gc.governor.throttle_base_ms = 1;
	assert_int_equal(ads_graph_new(&f->g, &gc, &err), 0);
	ads_error_release(&err);
}

static void stop(struct fixture *f)
{
	ads_graph_free(f->g);
	ads_emulator_stop(f->emu, NULL);
	ads_emulator_free(f->emu);
}

/* The live objects of an edge (archived and deleted ones hidden). */
static size_t count(struct fixture *f, const char *edge)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	char *path = xasprintf("%s/%s", ACCOUNT, edge);
	json_t *items = NULL;
	size_t n;

	ads_graph_params_set(&p, "fields", "id,status");
	assert_int_equal(ads_graph_list(&items, f->g, path, &p, &err), 0);
	n = json_array_size(items);
	json_decref(items);
	ads_graph_params_release(&p);
	free(path);
	return n;
}

static char *label(const char *address)
{
	return xasprintf("adsctl:%s:%s", STACK, address);
}

/* A create step of a campaign, ad set or ad, with its label. */
static size_t add_create(struct ads_plan *p, enum ads_kind kind,
                         const char *address, json_t *params)
{
	static const char *const edges[] = {
		[ADS_KIND_CAMPAIGN] = "campaigns",
		[ADS_KIND_AD_SET] = "adsets",
		[ADS_KIND_AD] = "ads",
	};
	struct ads_plan_step *s =
	        ads_plan_add_step(p, ADS_ACTION_CREATE, kind, address);
	char *l = label(address);

	json_object_set_new(params, "status", json_string("PAUSED"));
	json_object_set_new(params, "adlabels",
	                    json_pack("[{s:s}]", "name", l));
	ads_strvec_push(&s->labels, l);
	free(l);
	ads_plan_step_add_request(
	        s, "POST", json_sprintf("%s/%s", ACCOUNT, edges[kind]), params);
	return p->nsteps - 1;
}

static size_t add_activate(struct ads_plan *p, enum ads_kind kind,
                           const char *address, size_t dep)
{
	struct ads_plan_step *s =
	        ads_plan_add_step(p, ADS_ACTION_ACTIVATE, kind, address);

	ads_plan_step_add_request(s, "POST", ads_plan_ref(address),
	                          json_pack("{s:s}", "status", "ACTIVE"));
	ads_plan_step_add_dep(s, dep);
	return p->nsteps - 1;
}

static json_t *campaign_params(const char *name)
{
	return json_pack("{s:s,s:s,s:[],s:b}", "name", name, "objective",
	                 "OUTCOME_TRAFFIC", "special_ad_categories",
	                 "is_adset_budget_sharing_enabled", 0);
}

static json_t *adset_params(const char *campaign, int budget)
{
	return json_pack("{s:s,s:o,s:i,s:s,s:s,s:{s:{s:[s]}}}", "name", "Set",
	                 "campaign_id", ads_plan_ref(campaign), "daily_budget",
	                 budget, "billing_event", "IMPRESSIONS",
	                 "optimization_goal", "LINK_CLICKS", "targeting",
	                 "geo_locations", "countries", "DE");
}

static struct ads_plan *new_plan(void)
{
	struct ads_plan *p = ads_plan_new();

	p->stack = xstrdup(STACK);
	p->account = xstrdup(ACCOUNT);
	return p;
}

/* A campaign, an ad set under it and the activation of the ad set. */
static struct ads_plan *campaign_and_set(int budget)
{
	struct ads_plan *p = new_plan();
	size_t c = add_create(p, ADS_KIND_CAMPAIGN, "campaigns.c",
	                      campaign_params("C"));
	size_t s = add_create(p, ADS_KIND_AD_SET, "campaigns.c.ad_sets.s",
	                      adset_params("campaigns.c", budget));

	ads_plan_step_add_dep(&p->steps[s], c);
	add_activate(p, ADS_KIND_AD_SET, "campaigns.c.ad_sets.s", s);
	ads_plan_count(p);
	return p;
}

static void test_chained_creates(void **state)
{
	struct fixture f;
	struct ads_plan *p = campaign_and_set(2500);
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = { 0 };
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	start(&f, -1, 0);
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), 0);
	assert_int_equal(res.count[ADS_APPLY_DONE], 3);
	assert_non_null(res.steps[0].id);
	assert_non_null(res.steps[1].id);
	/* the activation acted on the ad set just made */
	assert_string_equal(res.steps[2].id, res.steps[1].id);
	/* campaign and ad set in one batch request ({result=...}), the
	 * activation in a second: two HTTP requests in all */
	assert_int_equal(res.stats.http_requests, 2);
	assert_int_equal(res.stats.batch_requests, 2);
	assert_int_equal(res.waves, 2);
	assert_int_equal(count(&f, "campaigns"), 1);
	assert_int_equal(count(&f, "adsets"), 1);
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	stop(&f);
}

static void test_failure_holds_back(void **state)
{
	struct fixture f;
	/* a budget below the account's minimum (100): refused by Meta */
	struct ads_plan *p = campaign_and_set(1);
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = { 0 };
	struct ads_error err = ADS_ERROR_INIT;
	size_t ad;

	(void)state;
	/* and an ad under the ad set: skipped */
	ad = add_create(p, ADS_KIND_AD, "campaigns.c.ad_sets.s.ads.a",
	                json_pack("{s:s,s:o,s:{s:s}}", "name", "A", "adset_id",
	                          ads_plan_ref("campaigns.c.ad_sets.s"),
	                          "creative", "creative_id", "1"));
	ads_plan_step_add_dep(&p->steps[ad], 1);
	start(&f, -1, 0);
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), ADS_EPARTIAL);
	assert_int_equal(res.steps[0].state, ADS_APPLY_DONE);
	assert_int_equal(res.steps[1].state, ADS_APPLY_FAILED);
	assert_true(res.steps[1].err.api_code != 0);
	assert_non_null(res.steps[1].err.fbtrace_id);
	assert_int_equal(res.steps[3].state, ADS_APPLY_SKIPPED);
	assert_non_null(strstr(res.steps[3].err.msg, "campaigns.c.ad_sets.s"));
	/* the activation of anything waits for everything */
	assert_int_equal(res.steps[2].state, ADS_APPLY_SKIPPED);
	assert_non_null(strstr(res.steps[2].err.msg, "not activated"));
	assert_int_equal(count(&f, "adsets"), 0);
	assert_int_equal(count(&f, "ads"), 0);
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	stop(&f);
}

static void test_refused_plans(void **state)
{
	struct fixture f;
	struct ads_plan *p = new_plan();
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = { 0 };
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_stats st;

	(void)state;
	start(&f, -1, 0);
	/* a placeholder that no step creates */
	add_create(p, ADS_KIND_AD_SET, "campaigns.x.ad_sets.s",
	           adset_params("campaigns.x", 2500));
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), ADS_EINVALID);
	assert_non_null(strstr(err.msg, "campaigns.x"));
	ads_error_release(&err);
	ads_plan_free(p);
	/* a dependency on a step that runs after it */
	p = campaign_and_set(2500);
	ads_plan_step_add_dep(&p->steps[0], 2);
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), ADS_EINVALID);
	ads_graph_get_stats(f.g, &st);
	assert_int_equal(st.http_requests, 0); /* nothing was sent */
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	stop(&f);
}

/* Every write is made and its answer lost: found by label, adopted. */
static void test_unknown_adopted(void **state)
{
	struct fixture f;
	struct ads_plan *p = new_plan();
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = { 0 };
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	add_create(p, ADS_KIND_CAMPAIGN, "campaigns.c", campaign_params("C"));
	add_create(p, ADS_KIND_CAMPAIGN, "campaigns.d", campaign_params("D"));
	start(&f, ADS_EMU_FAULT_DROP, 1.0);
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), 0);
	assert_true(res.steps[0].adopted && res.steps[1].adopted);
	assert_int_equal(res.adopted, 2);
	assert_int_equal(res.recreated, 0);
	assert_int_equal(count(&f, "campaigns"), 2); /* not 4 */
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	stop(&f);
}

/* Every batch item comes back null and is not executed: looked up, not
 * found, sent again, until the rounds are spent; never two. */
static void test_unknown_never_twice(void **state)
{
	struct fixture f;
	struct ads_plan *p = new_plan();
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = { .unknown_rounds = 3 };
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	add_create(p, ADS_KIND_CAMPAIGN, "campaigns.c", campaign_params("C"));
	start(&f, ADS_EMU_FAULT_NULL_ITEM, 1.0);
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), ADS_EPARTIAL);
	assert_int_equal(res.steps[0].state, ADS_APPLY_UNKNOWN);
	assert_true(res.steps[0].recreated);
	assert_int_equal(count(&f, "campaigns"), 0);
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	stop(&f);
}

/* A label lookup trusts its filter only when it finds the canary. */
static void test_lookup_canary(void **state)
{
	struct fixture f;
	struct ads_plan *p = new_plan();
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = { 0 };
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_stats a, b, c;
	char *lc = label("campaigns.c"), *ld = label("campaigns.d");
	const char *labels[] = { lc, "adsctl:unit:campaigns.nothing" };
	json_t *found = NULL;

	(void)state;
	add_create(p, ADS_KIND_CAMPAIGN, "campaigns.c", campaign_params("C"));
	add_create(p, ADS_KIND_CAMPAIGN, "campaigns.d", campaign_params("D"));
	start(&f, -1, 0);
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), 0);
	ads_graph_get_stats(f.g, &a);
	/* the canary is found with its id: one filtered read */
	assert_int_equal(ads_apply_lookup_labels(&found, f.g, ACCOUNT,
	                                         ADS_KIND_CAMPAIGN, labels, 2,
	                                         ld, res.steps[1].id, &err),
	                 0);
	ads_graph_get_stats(f.g, &b);
	assert_int_equal(b.http_requests - a.http_requests, 1);
	assert_int_equal(json_array_size(json_object_get(found, lc)), 1);
	assert_string_equal(json_string_value(json_array_get(
	                            json_object_get(found, lc), 0)),
	                    res.steps[0].id);
	assert_int_equal(json_array_size(json_object_get(
	                         found, "adsctl:unit:campaigns.nothing")),
	                 0);
	assert_null(json_object_get(found, ld)); /* not asked for */
	json_decref(found);
	/* a canary the filter does not find: the whole edge is read */
	assert_int_equal(ads_apply_lookup_labels(&found, f.g, ACCOUNT,
	                                         ADS_KIND_CAMPAIGN, labels, 2,
	                                         ld, "999", &err),
	                 0);
	ads_graph_get_stats(f.g, &c);
	assert_int_equal(c.http_requests - b.http_requests, 2);
	assert_int_equal(json_array_size(json_object_get(found, lc)), 1);
	json_decref(found);
	free(lc);
	free(ld);
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	stop(&f);
}

static void test_interrupted(void **state)
{
	struct fixture f;
	struct ads_plan *p = campaign_and_set(2500);
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = { 0 };
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	start(&f, -1, 0);
	ads_interrupt_request();
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), ADS_EINTR);
	ads_interrupt_reset();
	assert_true(res.interrupted);
	assert_int_equal(res.count[ADS_APPLY_PENDING], 3);
	assert_int_equal(count(&f, "campaigns"), 0);
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	stop(&f);
}

static void test_journal_records(void **state)
{
	char tmpl[] = "/tmp/adsctl-apply-test.XXXXXX";
	struct fixture f;
	struct ads_plan *p = campaign_and_set(2500);
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = { 0 };
	struct ads_apply_info info = {
		.commit = "0123456789abcdef0123456789abcdef01234567",
	};
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_journal *j = NULL;
	struct ads_buf data = ADS_BUF_INIT;
	char commit[41];
	char *cmd;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	start(&f, -1, 0);
	assert_int_equal(ads_journal_open(&j, tmpl, 1800000000, 1, &err), 0);
	opt.journal = j;
	assert_int_equal(ads_apply_journal_start(j, p, &info, &err), 0);
	assert_int_equal(ads_apply_run(&res, f.g, p, &opt, &err), 0);
	assert_int_equal(ads_apply_journal_end(j, p, &res, &info, &err), 0);
	assert_int_equal(ads_read_file(&data, ads_journal_path(j), 0, NULL), 0);
	assert_non_null(strstr(data.buf, "\"event\":\"apply_start\""));
	assert_non_null(strstr(data.buf, "\"event\":\"wave\""));
	assert_non_null(
	        strstr(data.buf, "\"address\":\"campaigns.c.ad_sets.s\""));
	assert_non_null(strstr(data.buf, "\"result\":\"done\""));
	assert_null(strstr(data.buf, TOKEN));
	ads_journal_close(j);
	/* drift's baseline */
	assert_int_equal(ads_journal_last_success(commit, tmpl, &err), 0);
	assert_string_equal(commit, info.commit);
	ads_buf_release(&data);
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	stop(&f);
	cmd = xasprintf("rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chained_creates),
		cmocka_unit_test(test_failure_holds_back),
		cmocka_unit_test(test_refused_plans),
		cmocka_unit_test(test_unknown_adopted),
		cmocka_unit_test(test_unknown_never_twice),
		cmocka_unit_test(test_lookup_canary),
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_journal_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
