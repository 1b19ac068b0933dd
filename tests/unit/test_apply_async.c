/*
 * Unit tests for apply's async request sets (src/apply/asyncads.c)
 * against the fake Graph on its virtual clock, with a worker that runs
 * the sets' requests one after another at a given pace: every ad settles
 * exactly once, polls come when the pace says the sets are done, slow
 * sets give their unstarted tail back (cancelled, never made) when the
 * budget pays for batches and never otherwise, a set whose create lost
 * its answer is found by name, and sets a killed run left are cancelled
 * and waited for together. Then the executor (apply.c) against the
 * in-process emulator with a slow worker: ads the sets give back are made
 * in batches, with lost answers and null items, never twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "apply/asyncads.h"
#include "apply/journal.h"
#include "emulator/config.h"
#include "emulator/emulator.h"
#include "graph/read.h"
#include "graph/stub.h"
#include "plan/plan.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define ACCOUNT "act_9"

enum rstate { R_INITIAL, R_SUCCESS, R_CANCELED };

struct freq {
	char *label;
	json_t *spec;
	enum rstate st;
	char *ad;
};

struct fset {
	char *id, *name;
	int64_t created;
	struct freq *r;
	size_t n;
};

struct server {
	struct ads_graph *g;
	double pace; /* requests per second */
	int64_t worker; /* when the worker is free again */
	struct fset sets[256];
	size_t nsets;
	size_t ads, polls, deletes, reads, creates;
	bool drop_first_create;
};

static int64_t now_of(struct server *s)
{
	return ads_graph_now(s->g);
}

/* Runs the queue, first in first out, up to now. */
static void advance(struct server *s)
{
	int64_t now = now_of(s), step = (int64_t)(1000.0 / s->pace);

	for (size_t k = 0; k < s->nsets; k++) {
		struct fset *f = &s->sets[k];

		for (size_t i = 0; i < f->n; i++) {
			int64_t start =
			        s->worker > f->created ? s->worker : f->created;

			if (f->r[i].st != R_INITIAL)
				continue;
			if (start + step > now)
				return;
			s->worker = start + step;
			f->r[i].st = R_SUCCESS;
			f->r[i].ad = xasprintf("%zu", 9000 + s->ads++);
		}
	}
}

static struct fset *find(struct server *s, const char *id)
{
	for (size_t k = 0; k < s->nsets; k++)
		if (!strcmp(s->sets[k].id, id))
			return &s->sets[k];
	return NULL;
}

static void counts(struct ads_buf *b, const struct fset *f)
{
	size_t n[3] = { 0, 0, 0 };

	for (size_t i = 0; i < f->n; i++)
		n[f->r[i].st]++;
	ads_buf_addf(b,
	             "{\"id\":\"%s\",\"is_completed\":%s,\"total_count\":%zu,"
	             "\"initial_count\":%zu,\"in_progress_count\":0,"
	             "\"success_count\":%zu,\"error_count\":0,"
	             "\"canceled_count\":%zu}",
	             f->id, n[R_INITIAL] ? "false" : "true", f->n, n[R_INITIAL],
	             n[R_SUCCESS], n[R_CANCELED]);
}

static void serve(void *ctx, const struct ads_graph_fake_call *c,
                  struct ads_graph_fake_answer *a)
{
	struct server *s = ctx;
	struct fset *f;

	advance(s);
	if (!strcmp(c->method, "POST") &&
	    !strcmp(c->path, ACCOUNT "/asyncadrequestsets")) {
		json_t *specs = json_loads(
		        ads_graph_params_get(&c->params, "ad_specs"), 0, NULL);
		json_t *spec;
		size_t i;

		assert_true(json_is_array(specs));
		f = &s->sets[s->nsets++];
		f->id = xasprintf("77%zu", s->nsets);
		f->name = xstrdup(ads_graph_params_get(&c->params, "name"));
		f->created = now_of(s);
		f->n = json_array_size(specs);
		f->r = xcalloc(f->n, sizeof(*f->r));
		json_array_foreach(specs, i, spec) {
			json_t *l = json_loads(ads_json_str(spec, "adlabels"),
			                       0, NULL);

			f->r[i].label = xstrdup(
			        ads_json_str(json_array_get(l, 0), "name"));
			f->r[i].spec = json_incref(spec);
			json_decref(l);
		}
		json_decref(specs);
		s->creates++;
		ads_buf_addf(&a->body, "{\"id\":\"%s\"}", f->id);
		if (s->drop_first_create) {
			s->drop_first_create = false;
			a->drop = true;
		}
		return;
	}
	if (!strcmp(c->method, "GET") &&
	    !strcmp(c->path, ACCOUNT "/asyncadrequestsets")) {
		ads_buf_addstr(&a->body, "{\"data\":[");
		for (size_t k = 0; k < s->nsets; k++) {
			bool open = false;

			for (size_t i = 0; i < s->sets[k].n; i++)
				open |= s->sets[k].r[i].st == R_INITIAL;
			ads_buf_addf(&a->body,
			             "%s{\"id\":\"%s\",\"name\":\"%s\","
			             "\"is_completed\":%s}",
			             k ? "," : "", s->sets[k].id,
			             s->sets[k].name, open ? "false" : "true");
		}
		ads_buf_addstr(&a->body, "]}");
		return;
	}
	if (!strcmp(c->method, "GET") && !*c->path) {
		char *ids = xstrdup(ads_graph_params_get(&c->params, "ids"));
		char *save = NULL;
		bool first = true;

		s->polls++;
		ads_buf_addstr(&a->body, "{");
		for (char *id = strtok_r(ids, ",", &save); id;
		     id = strtok_r(NULL, ",", &save)) {
			f = find(s, id);
			assert_non_null(f);
			ads_buf_addf(&a->body, "%s\"%s\":", first ? "" : ",",
			             id);
			counts(&a->body, f);
			first = false;
		}
		ads_buf_addstr(&a->body, "}");
		free(ids);
		return;
	}
	if (!strcmp(c->method, "GET") && ads_ends_with(c->path, "/requests")) {
		char *id = xstrndup(c->path, strlen(c->path) - 9);

		f = find(s, id);
		free(id);
		assert_non_null(f);
		s->reads++;
		ads_buf_addstr(&a->body, "{\"data\":[");
		for (size_t i = 0; i < f->n; i++) {
			char *in = json_dumps(f->r[i].spec, JSON_COMPACT);
			const char *st = f->r[i].st == R_SUCCESS    ? "SUCCESS"
			                 : f->r[i].st == R_CANCELED ? "CANCELED"
			                                            : "INITIAL";

			ads_buf_addf(&a->body,
			             "%s{\"id\":\"r%zu\",\"status\":\"%s\","
			             "\"input\":{\"adgroup_spec\":%s}",
			             i ? "," : "", i, st, in);
			if (f->r[i].ad)
				ads_buf_addf(&a->body,
				             ",\"result\":{\"id\":\"%s\"}",
				             f->r[i].ad);
			ads_buf_addstr(&a->body, "}");
			free(in);
		}
		ads_buf_addstr(&a->body, "]}");
		return;
	}
	if (!strcmp(c->method, "DELETE") && (f = find(s, c->path))) {
		s->deletes++;
		for (size_t i = 0; i < f->n; i++)
			if (f->r[i].st == R_INITIAL)
				f->r[i].st = R_CANCELED;
		ads_buf_addstr(&a->body, "{\"success\":true}");
		return;
	}
	a->status = 400;
	ads_buf_addf(&a->body,
	             "{\"error\":{\"message\":\"unexpected %s %s\","
	             "\"code\":100}}",
	             c->method, c->path);
}

struct fixture {
	struct server srv;
	struct ads_graph *g;
	struct ads_apply_async *a;
	struct ads_graph_async_poll poll;
	/* per item (user index) */
	unsigned settled[2000];
	enum ads_graph_outcome outcome[2000];
	bool canceled[2000], final[2000];
	char *id[2000];
	char *labels[2000]; /* the items' labels, borrowed by the group */
	/* the budget the group sees */
	bool with_budget;
	size_t budget;
	double batches_per_s;
};

static void on_settled(void *ctx, struct ads_apply_async_item *it)
{
	struct fixture *f = ctx;

	assert_true(it->user < 2000);
	f->settled[it->user]++;
	f->outcome[it->user] = it->outcome;
	f->canceled[it->user] = it->canceled;
	f->final[it->user] = it->final;
	free(f->id[it->user]);
	f->id[it->user] = it->id ? xstrdup(it->id) : NULL;
	assert_non_null(it->set);
}

static void on_budget(void *ctx, struct ads_apply_async_budget *out)
{
	struct fixture *f = ctx;

	out->requests = f->budget;
	out->batches_per_s = f->batches_per_s;
}

static struct fixture *setup(double pace)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct ads_graph_transport *t;
	struct ads_graph_config cfg;
	struct ads_error err = ADS_ERROR_INIT;

	f->srv.pace = pace;
	ads_graph_transport_fake_new(&t, serve, NULL, &f->srv);
	ads_graph_stub_set_latency(t, 50);
	ads_graph_config_init(&cfg);
	cfg.api_version = "v25.0";
	cfg.access_token = "EAABasyncapply0123456789";
	cfg.transport = t;
	cfg.backoff_base_ms = 1;
	assert_int_equal(ads_graph_new(&f->g, &cfg, &err), 0);
	f->srv.g = f->g;
	ads_graph_async_poll_init(&f->poll);
	f->poll.first_ms = 500;
	f->poll.max_ms = 10000;
	return f;
}

static void start(struct fixture *f)
{
	struct ads_apply_async_config cfg = {
		.g = f->g,
		.account = ACCOUNT,
		.poll = &f->poll,
		.budget = f->with_budget ? on_budget : NULL,
		.settled = on_settled,
		.ctx = f,
	};

	f->a = ads_apply_async_new(&cfg);
}

static void teardown(struct fixture *f)
{
	ads_apply_async_free(f->a);
	ads_graph_free(f->g);
	for (size_t k = 0; k < f->srv.nsets; k++) {
		for (size_t i = 0; i < f->srv.sets[k].n; i++) {
			free(f->srv.sets[k].r[i].label);
			free(f->srv.sets[k].r[i].ad);
			json_decref(f->srv.sets[k].r[i].spec);
		}
		free(f->srv.sets[k].r);
		free(f->srv.sets[k].id);
		free(f->srv.sets[k].name);
	}
	for (size_t i = 0; i < 2000; i++) {
		free(f->id[i]);
		free(f->labels[i]);
	}
	free(f);
}

/* n ads labelled "L<i>", submitted as one group. */
static void submit(struct fixture *f, size_t n, size_t *nsets)
{
	struct ads_apply_async_item *items = xcalloc(n, sizeof(*items));
	struct ads_error err = ADS_ERROR_INIT;

	for (size_t i = 0; i < n; i++) {
		char *l = xasprintf("[{\"name\":\"L%zu\"}]", i);

		if (!f->labels[i])
			f->labels[i] = xasprintf("L%zu", i);
		items[i].spec = json_pack("{s:s,s:s,s:s}", "name", f->labels[i],
		                          "adset_id", "42", "adlabels", l);
		items[i].label = f->labels[i];
		items[i].user = i;
		free(l);
	}
	assert_int_equal(ads_apply_async_submit(f->a, items, n, 1000,
	                                        "adsctl:unit:r1:1", nsets,
	                                        &err),
	                 0);
	for (size_t i = 0; i < n; i++)
		json_decref(items[i].spec);
	free(items);
}

/* How many ads the server made for label i (0 or 1, never 2). */
static size_t made(const struct server *s, size_t i)
{
	char *l = xasprintf("L%zu", i);
	size_t n = 0;

	for (size_t k = 0; k < s->nsets; k++)
		for (size_t j = 0; j < s->sets[k].n; j++)
			n += !strcmp(s->sets[k].r[j].label, l) &&
			     s->sets[k].r[j].st == R_SUCCESS;
	free(l);
	return n;
}

static void test_fast_sets(void **state)
{
	struct fixture *f = setup(1000);
	struct ads_error err = ADS_ERROR_INIT;
	size_t nsets = 0, moved = 1;

	(void)state;
	start(f);
	submit(f, 100, &nsets);
	/* spread over sets of at least ADS_APPLY_ASYNC_SET_MIN */
	assert_int_equal(nsets, 100 / ADS_APPLY_ASYNC_SET_MIN);
	assert_int_equal(f->srv.creates, nsets);
	assert_int_equal(ads_apply_async_pending(f->a), 100);
	assert_int_equal(ads_apply_async_wait(f->a, &moved, &err), 0);
	assert_int_equal(moved, 0);
	assert_int_equal(ads_apply_async_pending(f->a), 0);
	for (size_t i = 0; i < 100; i++) {
		assert_int_equal(f->settled[i], 1);
		assert_int_equal(f->outcome[i], ADS_GRAPH_OK);
		assert_non_null(f->id[i]);
		assert_int_equal(made(&f->srv, i), 1);
	}
	/* one read of every set's results, in one batch request */
	assert_int_equal(f->srv.reads, nsets);
	assert_true(f->srv.polls <= 3);
	teardown(f);
}

static void test_polls_follow_the_pace(void **state)
{
	struct fixture *f = setup(100);
	struct ads_error err = ADS_ERROR_INIT;
	size_t nsets = 0, moved = 1;
	int64_t t0;

	(void)state;
	start(f);
	t0 = ads_graph_now(f->g);
	submit(f, 1000, &nsets);
	assert_int_equal(nsets, ADS_APPLY_ASYNC_SETS);
	assert_int_equal(ads_apply_async_wait(f->a, &moved, &err), 0);
	assert_int_equal(moved, 0);
	/* 1000 requests at 100 a second: done 10 s after the creates; the
	 * wait saw it within a poll's shortest interval and a round trip
	 * or two, with a handful of polls (doubling from 0.5 s up to 10 s
	 * would take 6 and see it up to 5 s late) */
	assert_true(f->srv.worker - t0 >= 10000);
	assert_true(ads_graph_now(f->g) - f->srv.worker <= 400);
	assert_true(f->srv.polls <= 4);
	for (size_t i = 0; i < 1000; i++) {
		assert_int_equal(f->settled[i], 1);
		assert_int_equal(f->outcome[i], ADS_GRAPH_OK);
	}
	teardown(f);
}

static void test_slow_sets_give_back_their_tail(void **state)
{
	struct fixture *f = setup(100);
	struct ads_error err = ADS_ERROR_INIT;
	size_t nsets = 0, moved = 0, canceled = 0, ok = 0;

	(void)state;
	f->with_budget = true;
	f->budget = 40;
	f->batches_per_s = 20;
	start(f);
	submit(f, 1000, &nsets);
	assert_int_equal(ads_apply_async_wait(f->a, &moved, &err), 0);
	/* the first poll shows 100 a second: batches would be faster */
	assert_true(moved > 0);
	assert_true(f->srv.deletes >= 1);
	for (size_t i = 0; i < 1000; i++) {
		if (!f->settled[i])
			continue;
		assert_int_equal(f->settled[i], 1);
		assert_int_equal(f->outcome[i], ADS_GRAPH_SKIPPED);
		assert_true(f->canceled[i] && f->final[i]);
		assert_int_equal(made(&f->srv, i), 0);
		canceled++;
	}
	assert_int_equal(canceled, moved);
	/* 40 requests: 10 ads a batch, less the cancel, the read and the
	 * group's own polls and reads */
	assert_true(canceled <= 400);
	assert_int_equal(ads_apply_async_pending(f->a), 1000 - canceled);
	/* the other sets go on and end */
	f->budget = 0;
	assert_int_equal(ads_apply_async_wait(f->a, &moved, &err), 0);
	assert_int_equal(moved, 0);
	for (size_t i = 0; i < 1000; i++) {
		assert_int_equal(f->settled[i], 1);
		if (f->canceled[i])
			continue;
		assert_int_equal(f->outcome[i], ADS_GRAPH_OK);
		assert_int_equal(made(&f->srv, i), 1);
		ok++;
	}
	assert_int_equal(ok + canceled, 1000);
	teardown(f);
}

static void test_no_tail_without_cause(void **state)
{
	struct fixture *f;
	struct ads_error err = ADS_ERROR_INIT;
	size_t nsets, moved;

	(void)state;
	/* fast sets: batches would not be sooner */
	f = setup(1000);
	f->with_budget = true;
	f->budget = 1000;
	f->batches_per_s = 20;
	start(f);
	submit(f, 1000, &nsets);
	assert_int_equal(ads_apply_async_wait(f->a, &moved, &err), 0);
	assert_int_equal(moved, 0);
	assert_int_equal(f->srv.deletes, 0);
	teardown(f);
	/* slow sets, but no budget for batches */
	f = setup(100);
	f->with_budget = true;
	f->budget = 5;
	f->batches_per_s = 20;
	start(f);
	submit(f, 1000, &nsets);
	assert_int_equal(ads_apply_async_wait(f->a, &moved, &err), 0);
	assert_int_equal(moved, 0);
	assert_int_equal(f->srv.deletes, 0);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(f->outcome[i], ADS_GRAPH_OK);
	teardown(f);
}

static void test_lost_create_found_by_name(void **state)
{
	struct fixture *f = setup(1000);
	struct ads_error err = ADS_ERROR_INIT;
	size_t nsets = 0, moved;

	(void)state;
	f->srv.drop_first_create = true;
	start(f);
	submit(f, 60, &nsets);
	/* the answer was lost, the sets were made: found, never again */
	assert_int_equal(nsets, 3);
	assert_int_equal(f->srv.creates, 3);
	assert_int_equal(ads_apply_async_wait(f->a, &moved, &err), 0);
	for (size_t i = 0; i < 60; i++) {
		assert_int_equal(f->outcome[i], ADS_GRAPH_OK);
		assert_int_equal(made(&f->srv, i), 1);
	}
	teardown(f);
}

static void test_abandon(void **state)
{
	struct fixture *f = setup(10);
	size_t nsets;

	(void)state;
	start(f);
	submit(f, 40, &nsets);
	ads_apply_async_abandon(f->a);
	assert_int_equal(ads_apply_async_pending(f->a), 0);
	for (size_t i = 0; i < 40; i++) {
		/* the sets go on: never send these again in this run */
		assert_int_equal(f->settled[i], 1);
		assert_int_equal(f->outcome[i], ADS_GRAPH_UNKNOWN);
		assert_false(f->final[i]);
	}
	teardown(f);
}

static void test_settle_left_sets(void **state)
{
	struct fixture *f = setup(10);
	struct ads_error err = ADS_ERROR_INIT;
	size_t nsets = 0, n = 0;

	(void)state;
	start(f);
	submit(f, 100, &nsets);
	assert_int_equal(nsets, 5);
	/* the run that made them dies; the next one waits for them */
	ads_apply_async_free(f->a);
	f->a = NULL;
	assert_int_equal(ads_apply_async_settle(&n, f->g, ACCOUNT,
	                                        "adsctl:unit:", &f->poll, NULL,
	                                        &err),
	                 0);
	assert_int_equal(n, 5);
	/* one batch request cancels them all */
	assert_int_equal(f->srv.deletes, 5);
	for (size_t k = 0; k < f->srv.nsets; k++)
		for (size_t i = 0; i < f->srv.sets[k].n; i++)
			assert_int_not_equal(f->srv.sets[k].r[i].st, R_INITIAL);
	/* nothing open with the prefix: nothing to do */
	assert_int_equal(ads_apply_async_settle(&n, f->g, ACCOUNT,
	                                        "adsctl:unit:", &f->poll, NULL,
	                                        &err),
	                 0);
	assert_int_equal(n, 0);
	teardown(f);
}

/* --- the executor with a slow async worker ---------------------------- */

#define EMU_TOKEN   "apply-async-unit-token-0123456789"
#define EMU_ACCOUNT "act_78"

static struct ads_emulator *slow_emulator(double fault_rate)
{
	struct ads_emulator_config ec;
	struct ads_emulator *emu;
	struct ads_error err = ADS_ERROR_INIT;

	ads_emulator_config_init(&ec);
	ec.env_token = xstrdup(EMU_TOKEN);
	ec.rt.seed = 11;
	/* 50 ads a second: slower than batches */
	ec.rt.async_per_tick = 1;
	ec.rt.async_tick_ms = 20;
	ec.rt.fault_rate[ADS_EMU_FAULT_NULL_ITEM] = fault_rate;
	ec.rt.fault_rate[ADS_EMU_FAULT_DROP] = fault_rate;
	assert_int_equal(ads_emulator_start(&emu, &ec, &err), 0);
	ads_emulator_config_release(&ec);
	return emu;
}

static size_t add_step(struct ads_plan *p, enum ads_kind kind,
                       const char *address, const char *edge, json_t *params)
{
	struct ads_plan_step *s =
	        ads_plan_add_step(p, ADS_ACTION_CREATE, kind, address);
	char *l = xasprintf("adsctl:unit:%s", address);

	json_object_set_new(params, "adlabels",
	                    json_pack("[{s:s}]", "name", l));
	ads_strvec_push(&s->labels, l);
	free(l);
	ads_plan_step_add_request(
	        s, "POST", json_sprintf("%s/%s", EMU_ACCOUNT, edge), params);
	return p->nsteps - 1;
}

/* A campaign, an ad set, a creative and n ads using both. */
static struct ads_plan *ads_plan_of(size_t n)
{
	struct ads_plan *p = ads_plan_new();
	size_t c, s, cr;

	p->stack = xstrdup("unit");
	p->account = xstrdup(EMU_ACCOUNT);
	c = add_step(p, ADS_KIND_CAMPAIGN, "campaigns.c", "campaigns",
	             json_pack("{s:s,s:s,s:[],s:b,s:s}", "name", "C",
	                       "objective", "OUTCOME_TRAFFIC",
	                       "special_ad_categories",
	                       "is_adset_budget_sharing_enabled", 0, "status",
	                       "PAUSED"));
	s = add_step(p, ADS_KIND_AD_SET, "campaigns.c.ad_sets.s", "adsets",
	             json_pack("{s:s,s:o,s:i,s:s,s:s,s:{s:{s:[s]}},s:s}",
	                       "name", "S", "campaign_id",
	                       ads_plan_ref("campaigns.c"), "daily_budget",
	                       2500, "billing_event", "IMPRESSIONS",
	                       "optimization_goal", "LINK_CLICKS", "targeting",
	                       "geo_locations", "countries", "DE", "status",
	                       "PAUSED"));
	ads_plan_step_add_dep(&p->steps[s], c);
	cr = add_step(p, ADS_KIND_CREATIVE, "creatives.k", "adcreatives",
	              json_pack("{s:s,s:{s:s,s:{s:s,s:s}}}", "name", "K",
	                        "object_story_spec", "page_id", "111",
	                        "link_data", "link", "https://shop.example/",
	                        "message", "Hello"));
	for (size_t i = 0; i < n; i++) {
		char *addr = xasprintf("campaigns.c.ad_sets.s.ads.a%zu", i);
		size_t a = add_step(
		        p, ADS_KIND_AD, addr, "ads",
		        json_pack("{s:s,s:o,s:{s:o},s:s}", "name", addr,
		                  "adset_id",
		                  ads_plan_ref("campaigns.c.ad_sets.s"),
		                  "creative", "creative_id",
		                  ads_plan_ref("creatives.k"), "status",
		                  "PAUSED"));

		ads_plan_step_add_dep(&p->steps[a], s);
		ads_plan_step_add_dep(&p->steps[a], cr);
		free(addr);
	}
	ads_plan_count(p);
	return p;
}

/* Ads of the account per label: every count must be 1. */
static void check_each_once(struct ads_graph *g, const struct ads_plan *p,
                            const struct ads_apply_result *res)
{
	struct ads_graph_params gp = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_map seen = ADS_MAP_INIT;
	json_t *ads = NULL, *ad, *l;
	size_t i, j;

	ads_graph_params_set(&gp, "fields", "id,adlabels");
	assert_int_equal(ads_graph_list(&ads, g, EMU_ACCOUNT "/ads", &gp, &err),
	                 0);
	json_array_foreach(ads, i, ad) {
		json_array_foreach(json_object_get(ad, "adlabels"), j, l) {
			const char *name = ads_json_str(l, "name");

			assert_null(ads_map_get(&seen, name)); /* never two */
			ads_map_put(&seen, name, (void *)ad);
		}
	}
	for (i = 0; i < p->nsteps; i++) {
		if (p->steps[i].kind != ADS_KIND_AD)
			continue;
		ad = ads_map_get(&seen, p->steps[i].labels.v[0]);
		if (res->steps[i].state == ADS_APPLY_DONE) {
			assert_non_null(ad);
			assert_string_equal(ads_json_str(ad, "id"),
			                    res->steps[i].id);
		} else {
			/* only an unknown outcome may leave an ad behind */
			assert_true(!ad ||
			            res->steps[i].state == ADS_APPLY_UNKNOWN);
		}
	}
	ads_map_release(&seen, NULL);
	json_decref(ads);
	ads_graph_params_release(&gp);
}

static void run_slow(double fault_rate, size_t *moved)
{
	struct ads_emulator *emu = slow_emulator(fault_rate);
	struct ads_graph_config gc;
	struct ads_graph *g;
	struct ads_plan *p = ads_plan_of(150);
	struct ads_apply_result res = { 0 };
	struct ads_apply_options opt = {
		.async_min = 20,
		/* a request per object: room for every batch */
		.request_ratio = 1,
	};
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_journal *j = NULL;
	struct ads_buf data = ADS_BUF_INIT;
	char tmpl[] = "/tmp/adsctl-apply-async.XXXXXX";
	char *cmd, *line, *save = NULL;
	int rc;

	assert_non_null(mkdtemp(tmpl));
	ads_graph_config_init(&gc);
	gc.api_url = ads_emulator_url(emu);
	gc.api_version = "v25.0";
	gc.access_token = EMU_TOKEN;
	gc.account = EMU_ACCOUNT;
	gc.backoff_base_ms = 1;
	gc.backoff_max_ms = 2;
	assert_int_equal(ads_graph_new(&g, &gc, &err), 0);
	assert_int_equal(ads_journal_open(&j, tmpl, 1800000000, 1, &err), 0);
	opt.journal = j;
	rc = ads_apply_run(&res, g, p, &opt, &err);
	if (fault_rate == 0)
		assert_int_equal(rc, 0);
	else
		assert_true(rc == 0 || rc == ADS_EPARTIAL);
	assert_true(res.async_sets >= 1);
	check_each_once(g, p, &res);
	/* the ads a cancelled set gave back went through batches: the
	 * journal shows the set, then the batch */
	assert_int_equal(ads_read_file(&data, ads_journal_path(j), 0, NULL), 0);
	*moved = 0;
	for (line = strtok_r(data.buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *rec = json_loads(line, 0, NULL);
		json_t *reqs = json_object_get(rec, "requests");
		const char *kind = ads_json_str(rec, "kind");

		if (kind && !strcmp(kind, "ad") && json_array_size(reqs) == 2 &&
		    json_object_get(json_array_get(reqs, 0), "async_set") &&
		    !json_object_get(json_array_get(reqs, 1), "async_set"))
			(*moved)++;
		json_decref(rec);
	}
	ads_journal_close(j);
	ads_buf_release(&data);
	ads_apply_result_release(&res);
	ads_plan_free(p);
	ads_error_release(&err);
	ads_graph_free(g);
	ads_emulator_stop(emu, NULL);
	ads_emulator_free(emu);
	cmd = xasprintf("rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_executor_moves_slow_ads(void **state)
{
	size_t moved = 0;

	(void)state;
	run_slow(0, &moved);
	assert_true(moved > 0);
}

static void test_executor_with_faults(void **state)
{
	size_t moved = 0;

	(void)state;
	/* lost answers and null items everywhere: each ad once at most,
	 * and the ones done are the ones there */
	run_slow(0.15, &moved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_sets),
		cmocka_unit_test(test_polls_follow_the_pace),
		cmocka_unit_test(test_slow_sets_give_back_their_tail),
		cmocka_unit_test(test_no_tail_without_cause),
		cmocka_unit_test(test_lost_create_found_by_name),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_settle_left_sets),
		cmocka_unit_test(test_executor_moves_slow_ads),
		cmocka_unit_test(test_executor_with_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
