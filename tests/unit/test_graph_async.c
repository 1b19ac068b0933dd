/*
 * Unit tests for async request sets (src/graph/async.c) against the fake
 * Graph: creating a set, polling with growing intervals until it is
 * complete, collecting per-request outcomes in the shapes Meta uses, and
 * giving up after a timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/async.h"
#include "graph/stub.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

struct server {
	int polls;
	int complete_after; /* polls; <0 never */
	int drop_create;
	char *specs; /* ad_specs as received */
	char *name;
};

static void serve(void *ctx, const struct ads_graph_fake_call *c,
                  struct ads_graph_fake_answer *a)
{
	struct server *s = ctx;

	if (!strcmp(c->method, "POST") &&
	    (ads_ends_with(c->path, "/asyncadrequestsets") ||
	     ads_ends_with(c->path, "/async_batch_requests"))) {
		const char *v = ads_graph_params_get(&c->params, "ad_specs");

		if (!v)
			v = ads_graph_params_get(&c->params, "adbatch");
		free(s->specs);
		free(s->name);
		s->specs = xstrdup(v ? v : "");
		s->name = xstrdup(ads_graph_params_get(&c->params, "name"));
		ads_buf_addstr(&a->body, "{\"id\":\"6012384857989\"}");
		a->drop = s->drop_create;
		return;
	}
	if (!strcmp(c->path, "6012384857989")) {
		bool done;

		s->polls++;
		done = s->complete_after >= 0 && s->polls > s->complete_after;

		ads_buf_addf(
		        &a->body,
		        "{\"id\":\"6012384857989\",\"owner_id\":12345,"
		        "\"name\":\"x\",\"is_completed\":%s,\"total_count\":"
		        "4,\"success_count\":%d,\"error_count\":%d}",
		        done ? "true" : "false", done ? 2 : 0, done ? 2 : 0);
		return;
	}
	if (!strcmp(c->path, "6012384857989/requests")) {
		ads_buf_addstr(
		        &a->body,
		        "{\"data\":["
		        "{\"id\":\"r1\",\"status\":\"SUCCESS\",\"result\":{\"id\":"
		        "\"6012384860989\"},\"scope_object_id\":\"23843029496460629"
		        "\",\"input\":{\"adgroup_spec\":{\"name\":\"hotel 50\"}}},"
		        "{\"id\":\"r2\",\"status\":\"Error\",\"result\":[{\"error_"
		        "code\":1487901,\"error_message\":\"Budget too low\"}]},"
		        "{\"id\":\"r3\",\"status\":\"success\",\"result\":\"{\\\"id"
		        "\\\":6012384860990}\"},"
		        "{\"id\":\"r4\",\"status\":\"ERROR\",\"result\":{\"error\":"
		        "{\"message\":\"Invalid parameter\",\"code\":100}}}"
		        "],\"paging\":{\"cursors\":{\"after\":\"x\"}}}");
		return;
	}
	a->status = 404;
	ads_buf_addstr(&a->body,
	               "{\"error\":{\"message\":\"no\",\"code\":803}}");
}

struct fixture {
	struct server srv;
	struct ads_graph *g;
	struct ads_graph_transport *t;
};

static void setup(struct fixture *f)
{
	struct ads_graph_config cfg;
	struct ads_error err = ADS_ERROR_INIT;

	memset(f, 0, sizeof(*f));
	ads_graph_transport_fake_new(&f->t, serve, NULL, &f->srv);
	ads_graph_config_init(&cfg);
	cfg.api_version = "v25.0";
	cfg.access_token = "EAABasynctest012345";
	cfg.transport = f->t;
	assert_int_equal(ads_graph_new(&f->g, &cfg, &err), 0);
}

static void teardown(struct fixture *f)
{
	ads_graph_free(f->g);
	free(f->srv.specs);
	free(f->srv.name);
}

static void test_create_and_wait(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_async_set set = ADS_GRAPH_ASYNC_SET_INIT;
	struct ads_graph_stub_stats st;
	json_t *specs = json_pack("[{s:s,s:s},{s:s}]", "name", "ad 1",
	                          "adset_id", "42", "name", "ad 2");
	char *id = NULL;
	int64_t t0;

	(void)state;
	setup(&f);
	assert_int_equal(ads_graph_async_ads_create(&id, f.g, "act_77",
	                                            "spring", specs, &err),
	                 0);
	assert_string_equal(id, "6012384857989");
	assert_string_equal(f.srv.name, "spring");
	assert_non_null(strstr(f.srv.specs, "\"adset_id\":\"42\""));
	f.srv.complete_after = 3;
	ads_graph_stub_get_stats(f.t, &st);
	t0 = st.now_ms;
	assert_int_equal(ads_graph_async_wait(&set, f.g, id, NULL, &err), 0);
	ads_graph_stub_get_stats(f.t, &st);
	/* Polled 4 times, 2 s then doubling: 2 + 4 + 8 + 16 s. */
	assert_int_equal(f.srv.polls, 4);
	assert_true(st.now_ms - t0 >= 30000);
	assert_true(set.completed);
	assert_int_equal(set.total, 4);
	assert_int_equal(set.nr, 4);
	assert_int_equal(set.succeeded, 2);
	assert_int_equal(set.failed, 2);
	assert_int_equal(set.v[0].outcome, ADS_GRAPH_OK);
	assert_string_equal(set.v[0].object_id, "6012384860989");
	assert_string_equal(set.v[0].scope_object_id, "23843029496460629");
	assert_string_equal(
	        ads_json_str(json_object_get(set.v[0].input, "adgroup_spec"),
	                     "name"),
	        "hotel 50");
	assert_int_equal(set.v[1].outcome, ADS_GRAPH_FAILED);
	assert_int_equal(set.v[1].err.api_code, 1487901);
	assert_non_null(strstr(set.v[1].err.msg, "Budget too low"));
	/* A result encoded as a string, a numeric id. */
	assert_int_equal(set.v[2].outcome, ADS_GRAPH_OK);
	assert_string_equal(set.v[2].object_id, "6012384860990");
	assert_int_equal(set.v[3].err.api_code, 100);
	ads_graph_async_set_release(&set);
	free(id);
	json_decref(specs);
	teardown(&f);
}

static void test_timeout_and_errors(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_async_set set = ADS_GRAPH_ASYNC_SET_INIT;
	struct ads_graph_async_poll poll = { 1000, 5000, 60000 };
	json_t *empty = json_array(), *big = json_array();
	char *id = NULL;

	(void)state;
	setup(&f);
	f.srv.complete_after = -1;
	assert_int_equal(
	        ads_graph_async_wait(&set, f.g, "6012384857989", &poll, &err),
	        ADS_EUNKNOWN);
	assert_non_null(strstr(err.msg, "not complete after"));
	assert_false(set.completed);
	assert_true(f.srv.polls >= 10 && f.srv.polls <= 16);
	ads_error_release(&err);
	ads_graph_async_set_release(&set);

	assert_int_equal(ads_graph_async_wait(&set, f.g, "404", &poll, &err),
	                 ADS_EAPI);
	ads_error_release(&err);
	ads_graph_async_set_release(&set);
	assert_int_equal(ads_graph_async_wait(&set, f.g, "a/b", &poll, &err),
	                 ADS_EINVALID);
	ads_error_release(&err);

	assert_int_equal(
	        ads_graph_async_ads_create(&id, f.g, "1", "n", empty, &err),
	        ADS_EINVALID);
	ads_error_release(&err);
	for (int i = 0; i < 1001; i++)
		json_array_append_new(big, json_object());
	assert_int_equal(
	        ads_graph_async_batch_create(&id, f.g, "1", "n", big, &err),
	        ADS_EINVALID);
	ads_error_release(&err);
	/* The answer to the create is lost: unknown, not resent. */
	f.srv.drop_create = 1;
	json_array_append_new(empty, json_object());
	assert_int_equal(
	        ads_graph_async_batch_create(&id, f.g, "1", "n", empty, &err),
	        ADS_EUNKNOWN);
	assert_null(id);
	ads_error_release(&err);
	json_decref(empty);
	json_decref(big);
	teardown(&f);
}

static void test_decode_request(void **state)
{
	struct ads_graph_async_request r;
	json_t *v;

	(void)state;
	v = json_loads("{\"id\":5,\"status\":\"IN_PROGRESS\"}", 0, NULL);
	ads_graph_async_decode_request(&r, v);
	assert_int_equal(r.outcome, ADS_GRAPH_UNKNOWN);
	assert_string_equal(r.id, "5");
	assert_int_equal(r.err.code, ADS_EUNKNOWN);
	json_decref(v);
	ads_graph_async_request_release(&r);
	v = json_loads("{\"status\":\"SUCCESS\",\"result\":{}}", 0, NULL);
	ads_graph_async_decode_request(&r, v);
	assert_int_equal(r.outcome, ADS_GRAPH_UNKNOWN);
	json_decref(v);
	ads_graph_async_request_release(&r);
	v = json_loads("{\"status\":\"user_canceled\",\"result\":7}", 0, NULL);
	ads_graph_async_decode_request(&r, v);
	assert_int_equal(r.outcome, ADS_GRAPH_FAILED);
	json_decref(v);
	ads_graph_async_request_release(&r);
	/* Garbage of every kind: no crash. */
	v = json_loads("[1,{\"status\":[]}]", 0, NULL);
	ads_graph_async_decode_request(&r, v);
	assert_int_equal(r.outcome, ADS_GRAPH_UNKNOWN);
	json_decref(v);
	ads_graph_async_request_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_wait),
		cmocka_unit_test(test_timeout_and_errors),
		cmocka_unit_test(test_decode_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
