/*
 * Unit tests for src/graph/read.c against the fake Graph: paging to the
 * end by cursor or by link, page-size halving when Graph asks for less
 * data, loop detection, edges of many parents in few round trips, and
 * ids= multi-reads that isolate unknown ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/read.h"
#include "graph/stub.h"
#include "util/xalloc.h"

#define TOKEN "EAABreadtest0123456789"

struct server {
	int calls;
	int max_limit; /* code 1 "reduce the amount of data" above this */
	int items; /* children per parent / items in the list */
	bool link_paging; /* paging.next only, offset based */
	bool stuck; /* always the same cursor */
	const char *missing; /* an id Graph does not know */
	const char *omit; /* an id left out of answers, without error */
	int omit_times; /* how many answers leave it out */
	struct ads_strvec seen; /* "path limit" of every call */
};

static int param_int(const struct ads_graph_fake_call *c, const char *k,
                     int dflt)
{
	const char *v = ads_graph_params_get(&c->params, k);

	return v ? atoi(v) : dflt;
}

static void page(struct server *s, const struct ads_graph_fake_call *c,
                 struct ads_graph_fake_answer *a)
{
	int limit = param_int(c, "limit", 25);
	int start = param_int(c, "after", 0);
	int end;

	if (s->link_paging)
		start = param_int(c, "offset", 0);
	if (s->max_limit && limit > s->max_limit) {
		a->status = 500;
		ads_buf_addstr(&a->body,
		               "{\"error\":{\"code\":1,\"message\":\"Please "
		               "reduce the amount of data you're asking for, "
		               "then retry your request\"}}");
		return;
	}
	end = start + limit < s->items ? start + limit : s->items;
	ads_buf_addstr(&a->body, "{\"data\":[");
	for (int i = start; i < end; i++)
		ads_buf_addf(&a->body, "%s{\"id\":\"%s-%d\"}",
		             i > start ? "," : "", c->path, i);
	ads_buf_addstr(&a->body, "]");
	if (end < s->items) {
		if (s->link_paging)
			ads_buf_addf(
			        &a->body,
			        ",\"paging\":{\"next\":\"https://graph."
			        "facebook.com/v25.0/%s?access_token=%s&limit=%d"
			        "&offset=%d\"}",
			        c->path, TOKEN, limit, end);
		else
			ads_buf_addf(
			        &a->body,
			        ",\"paging\":{\"cursors\":{\"before\":\"0\","
			        "\"after\":\"%d\"},\"next\":\"https://graph."
			        "facebook.com/v25.0/%s?after=%d\"}",
			        s->stuck ? 0 : end, c->path,
			        s->stuck ? 0 : end);
	} else {
		ads_buf_addf(&a->body,
		             ",\"paging\":{\"cursors\":{\"after\":"
		             "\"%d\"}}",
		             end);
	}
	ads_buf_addch(&a->body, '}');
}

static void ids(struct server *s, const struct ads_graph_fake_call *c,
                struct ads_graph_fake_answer *a)
{
	struct ads_strvec v = ADS_STRVEC_INIT;
	const char *list = ads_graph_params_get(&c->params, "ids");

	if (!list) { /* the root without ids: not a page */
		ads_buf_addstr(&a->body, "{\"id\":\"me\"}");
		return;
	}
	ads_strvec_split(&v, list, ',');
	if (v.nr > 50) {
		a->status = 400;
		ads_buf_addstr(&a->body, "{\"error\":{\"code\":100,\"message\":"
		                         "\"too many ids\"}}");
		goto out;
	}
	for (size_t i = 0; i < v.nr; i++) {
		if (s->missing && !strcmp(v.v[i], s->missing)) {
			a->status = 400;
			ads_buf_addf(
			        &a->body,
			        "{\"error\":{\"code\":100,\"error_subcode\":33,"
			        "\"message\":\"Object with ID '%s' does not "
			        "exist\"}}",
			        v.v[i]);
			goto out;
		}
	}
	ads_buf_addch(&a->body, '{');
	for (size_t i = 0, n = 0; i < v.nr; i++) {
		if (s->omit && !strcmp(v.v[i], s->omit) && s->omit_times) {
			s->omit_times--;
			continue;
		}
		ads_buf_addf(&a->body, "%s\"%s\":{\"id\":\"%s\",\"f\":\"%s\"}",
		             n++ ? "," : "", v.v[i], v.v[i],
		             ads_graph_params_get(&c->params, "fields"));
	}
	ads_buf_addch(&a->body, '}');
out:
	ads_strvec_release(&v);
}

static void serve(void *ctx, const struct ads_graph_fake_call *c,
                  struct ads_graph_fake_answer *a)
{
	struct server *s = ctx;

	s->calls++;
	ads_strvec_pushf(&s->seen, "%s %d", c->path, param_int(c, "limit", 0));
	if (!*c->path)
		ids(s, c, a);
	else
		page(s, c, a);
}

struct fixture {
	struct server srv;
	struct ads_graph *g;
	struct ads_graph_transport *t;
};

static void setup(struct fixture *f, unsigned page_size)
{
	struct ads_graph_config cfg;
	struct ads_error err = ADS_ERROR_INIT;

	memset(f, 0, sizeof(*f));
	ads_graph_transport_fake_new(&f->t, serve, NULL, &f->srv);
	ads_graph_config_init(&cfg);
	cfg.api_version = "v25.0";
	cfg.access_token = TOKEN;
	cfg.transport = f->t;
	cfg.page_size = page_size;
	cfg.seed = 1;
	assert_int_equal(ads_graph_new(&f->g, &cfg, &err), 0);
}

static void teardown(struct fixture *f)
{
	ads_graph_free(f->g);
	ads_strvec_release(&f->srv.seen);
}

static size_t round_trips(struct fixture *f)
{
	struct ads_graph_stats st;

	ads_graph_get_stats(f->g, &st);
	return st.round_trips;
}

static void test_list_cursor(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	json_t *items = NULL;

	(void)state;
	setup(&f, 100);
	f.srv.items = 250;
	ads_graph_params_set(&p, "fields", "id,name");
	ads_graph_params_set(&p, "effective_status",
	                     "[\"ACTIVE\",\"ARCHIVED\"]");
	assert_int_equal(ads_graph_list(&items, f.g, "act_1/ads", &p, &err), 0);
	assert_int_equal(json_array_size(items), 250);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(items, 249), "id")),
	                    "act_1/ads-249");
	assert_int_equal(f.srv.calls, 3);
	assert_int_equal(round_trips(&f), 3);
	json_decref(items);
	ads_graph_params_release(&p);
	teardown(&f);
}

static void test_list_link_and_shrink(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	json_t *items = NULL;

	(void)state;
	setup(&f, 400);
	f.srv.items = 230;
	f.srv.link_paging = true;
	f.srv.max_limit = 60;
	assert_int_equal(
	        ads_graph_list(&items, f.g, "act_1/adsets", NULL, &err), 0);
	assert_int_equal(json_array_size(items), 230);
	for (size_t i = 0; i < 230; i++) {
		char want[32];

		snprintf(want, sizeof(want), "act_1/adsets-%zu", i);
		assert_string_equal(json_string_value(json_object_get(
		                            json_array_get(items, i), "id")),
		                    want);
	}
	/* 400 -> 200 -> 100 -> 50 fits; then pages of 50 by link. */
	assert_string_equal(f.srv.seen.v[0], "act_1/adsets 400");
	assert_string_equal(f.srv.seen.v[3], "act_1/adsets 50");
	assert_int_equal(f.srv.calls, 3 + 5);
	json_decref(items);
	teardown(&f);
}

static void test_list_stuck_cursor(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	json_t *items = NULL;

	(void)state;
	setup(&f, 10);
	f.srv.items = 100;
	f.srv.stuck = true;
	assert_int_equal(ads_graph_list(&items, f.g, "act_1/ads", NULL, &err),
	                 ADS_EHTTP);
	assert_non_null(strstr(err.msg, "paging did not advance"));
	assert_null(items);
	ads_error_release(&err);
	/* Wrong shape. */
	assert_int_equal(ads_graph_list(&items, f.g, "", NULL, &err),
	                 ADS_EHTTP);
	assert_non_null(strstr(err.msg, "without a 'data' list"));
	ads_error_release(&err);
	teardown(&f);
}

static void test_list_edges(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	const char *parents[101];
	char names[100][16];
	json_t *out = NULL;
	struct ads_graph_stats st;

	(void)state;
	setup(&f, 25);
	f.srv.items = 60; /* 3 pages of 25 each */
	for (int i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		parents[i] = names[i];
	}
	parents[100] = "c7"; /* a duplicate */
	ads_graph_params_set(&p, "fields", "id,name,creative{id}");
	assert_int_equal(
	        ads_graph_list_edges(&out, f.g, parents, 101, "ads", &p, &err),
	        0);
	assert_int_equal(json_object_size(out), 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(
		        json_array_size(json_object_get(out, names[i])), 60);
	/* 300 page reads: 3 rounds of 100 calls, each round spread over the
	 * 4 connections as 4 batches of 25. */
	assert_int_equal(f.srv.calls, 300);
	ads_graph_get_stats(f.g, &st);
	assert_int_equal(st.round_trips, 3);
	assert_int_equal(st.http_requests, 12);
	json_decref(out);
	ads_graph_params_release(&p);
	teardown(&f);
}

static void test_get_ids(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_strvec missing = ADS_STRVEC_INIT;
	const char *idv[130];
	char names[130][16];
	json_t *out = NULL;

	(void)state;
	setup(&f, 25);
	for (int i = 0; i < 130; i++) {
		snprintf(names[i], sizeof(names[i]), "%d", 5000 + i % 120);
		idv[i] = names[i];
	}
	ads_graph_params_set(&p, "fields", "id,name");
	assert_int_equal(
	        ads_graph_get_ids(&out, &missing, f.g, idv, 130, &p, &err), 0);
	assert_int_equal(json_object_size(out), 120);
	assert_int_equal(missing.nr, 0);
	assert_string_equal(json_string_value(json_object_get(
	                            json_object_get(out, "5077"), "f")),
	                    "id,name");
	/* 120 distinct ids: 3 calls (50, 50, 20) in one round trip. */
	assert_int_equal(f.srv.calls, 3);
	assert_int_equal(round_trips(&f), 1);
	json_decref(out);

	/* One unknown id: the chunk is split until it is isolated. */
	f.srv.missing = "5033";
	f.srv.calls = 0;
	assert_int_equal(
	        ads_graph_get_ids(&out, &missing, f.g, idv, 130, &p, &err), 0);
	assert_int_equal(json_object_size(out), 119);
	assert_int_equal(missing.nr, 1);
	assert_string_equal(missing.v[0], "5033");
	assert_null(json_object_get(out, "5033"));
	/* log2(50) splits, two calls each, plus the other chunks. */
	assert_true(f.srv.calls <= 3 + 2 * 6);
	json_decref(out);
	/* Without a missing list it is an error. */
	assert_int_equal(ads_graph_get_ids(&out, NULL, f.g, idv, 130, &p, &err),
	                 ADS_EAPI);
	assert_non_null(strstr(err.msg, "does not exist"));
	ads_error_release(&err);

	/* An answer that leaves an id out (no error): asked again once. */
	f.srv.missing = NULL;
	f.srv.omit = "5077";
	f.srv.omit_times = 1;
	f.srv.calls = 0;
	assert_int_equal(ads_graph_get_ids(&out, NULL, f.g, idv, 130, &p, &err),
	                 0);
	assert_int_equal(json_object_size(out), 120);
	assert_int_equal(f.srv.calls, 4);
	json_decref(out);
	/* Left out twice: missing, or an error without a missing list. */
	f.srv.omit_times = 2;
	ads_strvec_release(&missing);
	assert_int_equal(
	        ads_graph_get_ids(&out, &missing, f.g, idv, 130, &p, &err), 0);
	assert_int_equal(missing.nr, 1);
	assert_string_equal(missing.v[0], "5077");
	json_decref(out);
	f.srv.omit_times = 2;
	assert_int_equal(ads_graph_get_ids(&out, NULL, f.g, idv, 130, &p, &err),
	                 ADS_EHTTP);
	assert_non_null(strstr(err.msg, "leaves out 1 of the ids"));
	ads_error_release(&err);
	ads_strvec_release(&missing);
	ads_graph_params_release(&p);
	teardown(&f);
}

static void test_bad_arguments(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	json_t *o = json_object(), *a = json_array();

	(void)state;
	setup(&f, 25);
	assert_int_equal(
	        ads_graph_list_submit(f.g, "x", NULL, o, NULL, NULL, &err),
	        ADS_EINVALID);
	ads_error_release(&err);
	assert_int_equal(ads_graph_get_ids_submit(f.g, NULL, 0, NULL, a, NULL,
	                                          NULL, NULL, &err),
	                 ADS_EINVALID);
	ads_error_release(&err);
	/* Nothing to read: done at once. */
	json_decref(o);
	assert_int_equal(ads_graph_get_ids(&o, NULL, f.g, NULL, 0, NULL, &err),
	                 0);
	assert_int_equal(json_object_size(o), 0);
	assert_int_equal(f.srv.calls, 0);
	json_decref(o);
	json_decref(a);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_cursor),
		cmocka_unit_test(test_list_link_and_shrink),
		cmocka_unit_test(test_list_stuck_cursor),
		cmocka_unit_test(test_list_edges),
		cmocka_unit_test(test_get_ids),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
