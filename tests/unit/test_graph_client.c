/*
 * Unit tests for the Graph client's engine (src/graph/client.c) against
 * the fake Graph of graph/stub.h: what goes on the wire (versioned URLs,
 * the token in a header and never in a URL, appsecret_proof), batching of
 * reads, retries, throttling pauses, unknown outcomes that are never
 * resent, authentication aborts, the ETag cache, body size caps,
 * interrupts, and a hostile server that echoes the token everywhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/client.h"
#include "graph/secret.h"
#include "graph/stub.h"
#include "util/interrupt.h"
#include "util/xalloc.h"

#define TOKEN  "EAABtest0123456789abcdefTOKEN"
#define SECRET "appsecret-for-tests"

/* --- fixtures ----------------------------------------------------------- */

struct server;
typedef void (*script_fn)(struct server *s, const struct ads_graph_fake_call *c,
                          struct ads_graph_fake_answer *a);

struct server {
	script_fn script;
	int calls; /* logical calls seen */
	int direct; /* of which outside a batch */
	int posts;
	int n; /* free counter for scripts */
	struct ads_strvec log; /* "METHOD path" per call */
	struct ads_strvec urls; /* raw request URLs */
	struct ads_strvec auth; /* Authorization headers seen */
	struct ads_strvec bodies; /* raw request bodies */
	struct ads_strvec may_write; /* "write"/"read" per HTTP request */
	bool token_ok; /* every call carried the token */
	bool (*on_request)(struct server *s, const struct ads_http_request *req,
	                   struct ads_http_response *resp);
};

struct capture {
	struct ads_buf all;
	int messages;
};

static void capture_msg(void *ctx, enum ads_report_kind kind, const char *msg)
{
	struct capture *c = ctx;

	ads_buf_addf(&c->all, "%d:%s\n", (int)kind, msg);
	c->messages++;
}

static void serve(void *ctx, const struct ads_graph_fake_call *c,
                  struct ads_graph_fake_answer *a)
{
	struct server *s = ctx;

	s->calls++;
	s->direct += !c->in_batch;
	s->posts += !strcmp(c->method, "POST");
	if (!c->token || strcmp(c->token, TOKEN))
		s->token_ok = false;
	ads_strvec_pushf(&s->log, "%s %s", c->method, c->path);
	s->script(s, c, a);
}

static bool on_request(void *ctx, const struct ads_http_request *req,
                       struct ads_http_response *resp)
{
	struct server *s = ctx;
	const char *auth = ads_graph_params_iget(req->headers, "Authorization");

	ads_strvec_push(&s->urls, req->url);
	ads_strvec_push(&s->auth, auth ? auth : "");
	ads_strvec_push(&s->bodies, req->body ? req->body : "");
	ads_strvec_push(&s->may_write, req->may_write ? "write" : "read");
	return s->on_request ? s->on_request(s, req, resp) : false;
}

struct fixture {
	struct server srv;
	struct capture cap;
	struct ads_reporter rep;
	struct ads_graph *g;
	struct ads_graph_transport *t;
};

static void setup_with(struct fixture *f, script_fn script,
                       void (*tweak)(struct ads_graph_config *cfg))
{
	struct ads_graph_config cfg;
	struct ads_error err = ADS_ERROR_INIT;

	memset(f, 0, sizeof(*f));
	ads_interrupt_reset();
	f->srv.script = script;
	f->srv.token_ok = true;
	ads_buf_init(&f->cap.all);
	f->rep.message = capture_msg;
	f->rep.ctx = &f->cap;
	ads_graph_transport_fake_new(&f->t, serve, on_request, &f->srv);
	ads_graph_config_init(&cfg);
	cfg.api_version = "v25.0";
	cfg.access_token = TOKEN;
	cfg.app_secret = SECRET;
	cfg.transport = f->t;
	cfg.reporter = &f->rep;
	cfg.seed = 42;
	if (tweak)
		tweak(&cfg);
	assert_int_equal(ads_graph_new(&f->g, &cfg, &err), 0);
}

static void teardown(struct fixture *f)
{
	ads_graph_free(f->g);
	ads_strvec_release(&f->srv.log);
	ads_strvec_release(&f->srv.urls);
	ads_strvec_release(&f->srv.auth);
	ads_strvec_release(&f->srv.bodies);
	ads_strvec_release(&f->srv.may_write);
	ads_buf_release(&f->cap.all);
	ads_interrupt_reset();
}

static void json_answer(struct ads_graph_fake_answer *a, long status,
                        const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void json_answer(struct ads_graph_fake_answer *a, long status,
                        const char *fmt, ...)
{
	va_list ap;

	a->status = status;
	ads_buf_reset(&a->body);
	va_start(ap, fmt);
	ads_buf_vaddf(&a->body, fmt, ap);
	va_end(ap);
}

/* Echoes the path as the object's id. */
static void echo_id(struct server *s, const struct ads_graph_fake_call *c,
                    struct ads_graph_fake_answer *a)
{
	(void)s;
	json_answer(a, 200, "{\"id\":\"%s\",\"name\":\"n\"}", c->path);
}

/* Records each callback's result. */
struct got {
	int n;
	enum ads_graph_outcome outcome[256];
	enum ads_graph_class cls[256];
	char *id[256];
	char *msg[256];
	bool cached[256];
};

static void record(void *ctx, struct ads_graph_result *res)
{
	struct got *g = ctx;
	int i = g->n++;
	const char *id = json_string_value(json_object_get(res->body, "id"));

	assert_true(i < 256);
	g->outcome[i] = res->outcome;
	g->cls[i] = res->cls;
	g->id[i] = id ? xstrdup(id) : NULL;
	g->msg[i] = res->err.msg ? xstrdup(res->err.msg) : NULL;
	g->cached[i] = res->cached;
}

static void got_release(struct got *g)
{
	for (int i = 0; i < g->n; i++) {
		free(g->id[i]);
		free(g->msg[i]);
	}
	memset(g, 0, sizeof(*g));
}

static void submit(struct fixture *f, const char *method, const char *path,
                   unsigned flags, struct got *got)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_call c = {
		.method = method,
		.path = path,
		.params = &p,
		.flags = flags,
		.fn = record,
		.ctx = got,
	};
	struct ads_error err = ADS_ERROR_INIT;

	ads_graph_params_set(&p, "fields", "id,name");
	if (!strcmp(method, "POST"))
		ads_graph_params_set(&p, "name", "x");
	assert_int_equal(ads_graph_submit(f->g, &c, &err), 0);
	ads_graph_params_release(&p);
}

static void run_ok(struct fixture *f)
{
	struct ads_error err = ADS_ERROR_INIT;

	assert_int_equal(ads_graph_run(f->g, &err), 0);
}

static struct ads_graph_stub_stats stub_stats(struct fixture *f)
{
	struct ads_graph_stub_stats st;

	ads_graph_stub_get_stats(f->t, &st);
	return st;
}

/* --- the wire ----------------------------------------------------------- */

static void test_direct_get(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	json_t *body = NULL;
	char proof[65];

	(void)state;
	setup_with(&f, echo_id, NULL);
	ads_graph_params_set(&p, "fields", "id,name,targeting{geo_locations}");
	assert_int_equal(ads_graph_get(&body, f.g, "/120001", &p, &err), 0);
	assert_string_equal(json_string_value(json_object_get(body, "id")),
	                    "120001");
	json_decref(body);
	assert_int_equal(f.srv.urls.nr, 1);
	ads_graph_appsecret_proof(SECRET, TOKEN, proof);
	{
		char *want =
		        xasprintf("https://graph.facebook.com/v25.0/120001?"
		                  "fields=id%%2Cname%%2Ctargeting%%7Bgeo_"
		                  "locations%%7D&appsecret_proof=%s",
		                  proof);

		assert_string_equal(f.srv.urls.v[0], want);
		free(want);
	}
	/* The token travels in the Authorization header only. */
	assert_string_equal(f.srv.auth.v[0], "OAuth " TOKEN);
	assert_null(strstr(f.srv.urls.v[0], TOKEN));
	assert_true(f.srv.token_ok);
	/* -v trace: the request, without the proof. */
	assert_non_null(strstr(f.cap.all.buf, "GET /v25.0/120001?fields="));
	assert_null(strstr(f.cap.all.buf, proof));

	/* A POST carries its parameters and the proof in the body. */
	assert_int_equal(
	        ads_graph_post(&body, f.g, "act_1/campaigns", &p, 0, &err), 0);
	json_decref(body);
	assert_string_equal(f.srv.urls.v[1],
	                    "https://graph.facebook.com/v25.0/act_1/campaigns");
	assert_non_null(strstr(f.srv.bodies.v[1], "appsecret_proof="));
	assert_null(strstr(f.srv.bodies.v[1], TOKEN));
	ads_graph_params_release(&p);
	teardown(&f);
}

static void test_reads_are_batched(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_stats st;
	char path[32];

	(void)state;
	setup_with(&f, echo_id, NULL);
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "%d", 1000 + i);
		submit(&f, "GET", path, 0, &got);
	}
	run_ok(&f);
	assert_int_equal(got.n, 200);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(got.outcome[i], ADS_GRAPH_OK);
		snprintf(path, sizeof(path), "%d", 1000 + i);
		assert_string_equal(got.id[i], path);
	}
	ads_graph_get_stats(f.g, &st);
	/* 200 reads, 4 connections: 4 batches of 50, all at once. */
	assert_int_equal(st.http_requests, 4);
	assert_int_equal(st.batch_requests, 4);
	assert_int_equal(st.round_trips, 1);
	assert_int_equal(stub_stats(&f).rounds, 1);
	assert_int_equal(stub_stats(&f).max_in_flight, 4);
	assert_int_equal(f.srv.direct, 0);
	/* The batch POST carries the token in its body, as Graph requires,
	 * and include_headers so item usage headers reach the governor. */
	assert_non_null(strstr(f.srv.bodies.v[0], "access_token=" TOKEN));
	assert_non_null(strstr(f.srv.bodies.v[0], "include_headers=true"));
	assert_string_equal(f.srv.urls.v[0],
	                    "https://graph.facebook.com/v25.0/");
	got_release(&got);

	/* Few reads: plain GETs, one per connection. */
	submit(&f, "GET", "1", 0, &got);
	submit(&f, "GET", "2", 0, &got);
	submit(&f, "GET", "3", 0, &got);
	run_ok(&f);
	assert_int_equal(got.n, 3);
	assert_int_equal(f.srv.direct, 3);
	got_release(&got);
	teardown(&f);
}

/* Fails the first n calls with a transient error, then echoes. */
static void flaky(struct server *s, const struct ads_graph_fake_call *c,
                  struct ads_graph_fake_answer *a)
{
	if (s->n-- > 0) {
		json_answer(
		        a, 500,
		        "{\"error\":{\"message\":\"An unexpected error has "
		        "occurred. Please retry your request later.\",\"type"
		        "\":\"OAuthException\",\"is_transient\":true,\"code\":"
		        "2,\"fbtrace_id\":\"F\"}}");
		return;
	}
	echo_id(s, c, a);
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_retry_transient(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_stats st;
	int64_t t0;

	(void)state;
	setup_with(&f, flaky, NULL);
	f.srv.n = 2;
	t0 = stub_stats(&f).now_ms;
	submit(&f, "GET", "7", 0, &got);
	run_ok(&f);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.outcome[0], ADS_GRAPH_OK);
	assert_int_equal(f.srv.calls, 3);
	ads_graph_get_stats(f.g, &st);
	assert_int_equal(st.retries, 2);
	/* Backoff: at least half of 1 s + 2 s passed (equal jitter). */
	assert_true(stub_stats(&f).now_ms - t0 >= 1500);
	/* The first retry is for -v only; the second shows by default, so
	 * that a run waiting on a failing server never sits silent. */
	assert_int_equal(count_str(f.cap.all.buf, "0:retrying in"), 1);
	assert_int_equal(count_str(f.cap.all.buf, "1:retrying in"), 1);
	got_release(&got);

	/* A create that got a definite transient error was not made: it is
	 * sent again. */
	f.srv.n = 1;
	f.srv.calls = 0;
	submit(&f, "POST", "act_1/campaigns", 0, &got);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_OK);
	assert_int_equal(f.srv.calls, 2);
	got_release(&got);

	/* Bounded: 1 + max_retries attempts, then the error. */
	f.srv.n = 100;
	f.srv.calls = 0;
	submit(&f, "GET", "8", 0, &got);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_FAILED);
	assert_int_equal(got.cls[0], ADS_GRAPH_RETRY);
	assert_int_equal(f.srv.calls, 6);
	assert_non_null(strstr(got.msg[0], "GET 8: An unexpected error"));
	got_release(&got);
	teardown(&f);
}

/* The connection drops after the server acted (a create that happened). */
static void dropping(struct server *s, const struct ads_graph_fake_call *c,
                     struct ads_graph_fake_answer *a)
{
	echo_id(s, c, a);
	if (s->n-- > 0)
		a->drop = true;
}

static void test_unknown_never_resent(void **state)
{
	struct fixture f;
	struct got got = { 0 };

	(void)state;
	setup_with(&f, dropping, NULL);
	f.srv.n = 1;
	submit(&f, "POST", "act_1/campaigns", 0, &got);
	run_ok(&f);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.outcome[0], ADS_GRAPH_UNKNOWN);
	assert_non_null(strstr(got.msg[0], "may or may not"));
	/* Exactly one create reached the server. */
	assert_int_equal(f.srv.posts, 1);
	got_release(&got);

	/* An idempotent update is simply sent again. */
	f.srv.n = 1;
	f.srv.posts = 0;
	submit(&f, "POST", "120001", ADS_GRAPH_IDEMPOTENT, &got);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_OK);
	assert_int_equal(f.srv.posts, 2);
	got_release(&got);

	/* So is a read. */
	f.srv.n = 1;
	f.srv.calls = 0;
	submit(&f, "GET", "120001", 0, &got);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_OK);
	assert_int_equal(f.srv.calls, 2);
	got_release(&got);
	teardown(&f);
}

/* Connection refused before anything was sent: safe to resend a create. */
static bool refuse_first(struct server *s, const struct ads_http_request *req,
                         struct ads_http_response *resp)
{
	(void)req;
	if (s->n-- <= 0)
		return false;
	resp->error = ADS_EHTTP;
	resp->not_sent = true;
	resp->errmsg = xstrdup("Could not connect to server");
	return true;
}

static void test_not_sent_is_resent(void **state)
{
	struct fixture f;
	struct got got = { 0 };

	(void)state;
	setup_with(&f, echo_id, NULL);
	f.srv.on_request = refuse_first;
	f.srv.n = 2;
	submit(&f, "POST", "act_1/campaigns", 0, &got);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_OK);
	assert_int_equal(f.srv.posts, 1);
	assert_int_equal(f.srv.urls.nr, 3);
	got_release(&got);
	teardown(&f);
}

/* Timeouts in a batch: null items. */
static void null_items(struct server *s, const struct ads_graph_fake_call *c,
                       struct ads_graph_fake_answer *a)
{
	echo_id(s, c, a);
	if (c->in_batch && c->index % 2 == 0 && s->n-- > 0)
		a->null_item = true;
}

static void test_null_batch_items(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_call calls[4];
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	char path[16];

	(void)state;
	setup_with(&f, null_items, NULL);
	f.srv.n = 1000;
	/* Reads: null items are retried until answered. */
	f.srv.n = 3;
	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "%d", i);
		submit(&f, "GET", path, 0, &got);
	}
	run_ok(&f);
	assert_int_equal(got.n, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(got.outcome[i], ADS_GRAPH_OK);
	got_release(&got);

	/* Creates in a pre-packed batch: null means unknown. */
	f.srv.n = 1;
	ads_graph_params_set(&p, "name", "c");
	for (int i = 0; i < 4; i++) {
		memset(&calls[i], 0, sizeof(calls[i]));
		calls[i].method = "POST";
		calls[i].path = "act_1/campaigns";
		calls[i].params = &p;
		calls[i].fn = record;
		calls[i].ctx = &got;
	}
	calls[3].flags = ADS_GRAPH_IDEMPOTENT;
	assert_int_equal(ads_graph_submit_batch(f.g, calls, 4, &err), 0);
	run_ok(&f);
	assert_int_equal(got.n, 4);
	assert_int_equal(got.outcome[0], ADS_GRAPH_UNKNOWN);
	assert_int_equal(got.outcome[1], ADS_GRAPH_OK);
	assert_int_equal(got.outcome[2], ADS_GRAPH_OK);
	assert_int_equal(got.outcome[3], ADS_GRAPH_OK);
	got_release(&got);
	/* Idempotent calls in a pre-packed batch come back FAILED/RETRY for
	 * their owner to resend (graph/write.c). */
	f.srv.n = 1;
	calls[0].flags = ADS_GRAPH_IDEMPOTENT;
	assert_int_equal(ads_graph_submit_batch(f.g, calls, 1, &err), 0);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_FAILED);
	assert_int_equal(got.cls[0], ADS_GRAPH_RETRY);
	got_release(&got);
	ads_graph_params_release(&p);
	assert_int_equal(ads_graph_submit_batch(f.g, calls, 0, &err),
	                 ADS_EINVALID);
	ads_error_release(&err);
	teardown(&f);
}

/* A throttled account: BUC header with an estimate, code 80004. */
static void throttling(struct server *s, const struct ads_graph_fake_call *c,
                       struct ads_graph_fake_answer *a)
{
	if (s->n-- > 0) {
		ads_graph_params_add(
		        &a->headers, "X-Business-Use-Case-Usage",
		        "{\"123\":[{\"type\":\"ads_management\",\"call_count\":"
		        "100,\"total_cputime\":20,\"total_time\":20,\"estimated_"
		        "time_to_regain_access\":2}]}");
		json_answer(
		        a, 400,
		        "{\"error\":{\"message\":\"(#80004) There have been "
		        "too many calls to this ad-account.\",\"type\":\"OAuth"
		        "Exception\",\"code\":80004,\"error_subcode\":2446079}}");
		return;
	}
	ads_graph_params_add(
	        &a->headers, "X-Business-Use-Case-Usage",
	        "{\"123\":[{\"type\":\"ads_management\",\"call_"
	        "count\":10,\"estimated_time_to_regain_access\":0}]"
	        "}");
	echo_id(s, c, a);
}

static void test_throttle_waits(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_stats st;
	int64_t t0;

	(void)state;
	setup_with(&f, throttling, NULL);
	f.srv.n = 1;
	t0 = stub_stats(&f).now_ms;
	submit(&f, "GET", "act_123/campaigns", 0, &got);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_OK);
	assert_int_equal(f.srv.calls, 2);
	/* Meta said 2 minutes; the client waited that long, once. */
	assert_true(stub_stats(&f).now_ms - t0 >= 120000);
	assert_true(stub_stats(&f).now_ms - t0 < 130000);
	assert_non_null(strstr(f.cap.all.buf,
	                       "rate limited by Meta for act_123: waiting 2m"));
	ads_graph_get_stats(f.g, &st);
	assert_int_equal(st.throttled, 1);
	assert_true(st.paused_ms >= 119000);
	got_release(&got);
	teardown(&f);
}

/* Usage climbs: the governor slows to one call at a time, spaced. */
static void busy(struct server *s, const struct ads_graph_fake_call *c,
                 struct ads_graph_fake_answer *a)
{
	(void)s;
	ads_graph_params_add(&a->headers, "X-Ad-Account-Usage",
	                     "{\"acc_id_util_pct\": 90, \"reset_time_duration\""
	                     ": 30}");
	echo_id(s, c, a);
}

static void tweak_no_batch(struct ads_graph_config *cfg)
{
	cfg->account = "act_5";
}

static void test_governor_slows_down(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	int64_t t0;

	(void)state;
	setup_with(&f, busy, tweak_no_batch);
	submit(&f, "GET", "1", 0, &got);
	run_ok(&f);
	assert_non_null(strstr(f.cap.all.buf,
	                       "Meta API usage for act_5 is at 90%: slowing"));
	t0 = stub_stats(&f).now_ms;
	for (int i = 0; i < 4; i++)
		submit(&f, "GET", "1", ADS_GRAPH_NO_CACHE, &got);
	run_ok(&f);
	assert_int_equal(got.n, 5);
	/* One at a time, 90% of 75..95 -> 2.25 s apart. */
	assert_int_equal(stub_stats(&f).max_in_flight, 1);
	assert_true(stub_stats(&f).now_ms - t0 >= 3 * 2250);
	got_release(&got);
	teardown(&f);
}

static void auth_fail(struct server *s, const struct ads_graph_fake_call *c,
                      struct ads_graph_fake_answer *a)
{
	(void)c;
	(void)s;
	json_answer(
	        a, 400,
	        "{\"error\":{\"message\":\"Error validating access token: "
	        "Session has expired\",\"type\":\"OAuthException\",\"code\":"
	        "190,\"error_subcode\":463}}");
}

static void test_auth_aborts(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	setup_with(&f, auth_fail, NULL);
	submit(&f, "GET", "1", 0, &got);
	assert_int_equal(ads_graph_run(f.g, &err), ADS_EAUTH);
	assert_non_null(strstr(err.msg, "Meta refused the access token"));
	assert_int_equal(err.api_code, 190);
	ads_error_release(&err);
	assert_int_equal(got.outcome[0], ADS_GRAPH_FAILED);
	assert_int_equal(got.cls[0], ADS_GRAPH_AUTH);
	/* The client takes no more calls. */
	{
		struct ads_graph_call c = { .path = "2" };

		assert_int_equal(ads_graph_submit(f.g, &c, &err), ADS_EAUTH);
		ads_error_release(&err);
	}
	assert_int_equal(f.srv.calls, 1);
	got_release(&got);
	teardown(&f);
}

/* ETag support: 304 when the client's validator matches. */
static void etags(struct server *s, const struct ads_graph_fake_call *c,
                  struct ads_graph_fake_answer *a)
{
	const char *inm = ads_graph_params_iget(&c->headers, "If-None-Match");

	if (inm && !strcmp(inm, "\"v1\"")) {
		s->n++;
		a->status = 304;
		return;
	}
	ads_graph_params_add(&a->headers, "ETag", "\"v1\"");
	echo_id(s, c, a);
}

static void test_etag_cache(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_stats st;
	char path[16];

	(void)state;
	setup_with(&f, etags, NULL);
	submit(&f, "GET", "42", 0, &got);
	run_ok(&f);
	assert_false(got.cached[0]);
	submit(&f, "GET", "42", 0, &got);
	run_ok(&f);
	assert_int_equal(got.outcome[1], ADS_GRAPH_OK);
	assert_true(got.cached[1]);
	assert_string_equal(got.id[1], "42");
	assert_int_equal(f.srv.n, 1);
	got_release(&got);
	/* Inside batches too (004:L325-343). */
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%d", 50 + i);
		submit(&f, "GET", path, 0, &got);
	}
	run_ok(&f);
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%d", 50 + i);
		submit(&f, "GET", path, 0, &got);
	}
	run_ok(&f);
	assert_int_equal(got.n, 20);
	for (int i = 10; i < 20; i++) {
		assert_true(got.cached[i]);
		assert_string_equal(got.id[i], got.id[i - 10]);
	}
	ads_graph_get_stats(f.g, &st);
	assert_int_equal(st.cache_hits, 11);
	got_release(&got);
	teardown(&f);
}

static void huge(struct server *s, const struct ads_graph_fake_call *c,
                 struct ads_graph_fake_answer *a)
{
	(void)c;
	(void)s;
	ads_buf_addstr(&a->body, "{\"data\":[");
	while (a->body.len < (2u << 20))
		ads_buf_addstr(&a->body, "{\"id\":\"1234567890\"},");
	ads_buf_addstr(&a->body, "{}]}");
}

static void tweak_small_body(struct ads_graph_config *cfg)
{
	cfg->max_body = 1u << 20;
}

static void test_body_cap(void **state)
{
	struct fixture f;
	struct got got = { 0 };

	(void)state;
	setup_with(&f, huge, tweak_small_body);
	submit(&f, "GET", "act_1/ads", 0, &got);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_FAILED);
	assert_non_null(strstr(got.msg[0], "larger than 1048576 bytes"));
	/* Not retried: it would only be as big again. */
	assert_int_equal(f.srv.calls, 1);
	got_release(&got);
	teardown(&f);
}

/* A proxy's HTML page, then the real answer. */
static bool html_first(struct server *s, const struct ads_http_request *req,
                       struct ads_http_response *resp)
{
	(void)req;
	if (s->n-- <= 0)
		return false;
	resp->status = 502;
	ads_buf_addstr(&resp->body, "<html><head><title>502 Bad Gateway"
	                            "</title></head></html>");
	return true;
}

static void test_html_then_ok(void **state)
{
	struct fixture f;
	struct got got = { 0 };

	(void)state;
	setup_with(&f, echo_id, NULL);
	f.srv.on_request = html_first;
	f.srv.n = 2;
	submit(&f, "GET", "9", 0, &got);
	submit(&f, "POST", "act_1/ads", 0, &got);
	run_ok(&f);
	assert_int_equal(got.n, 2);
	/* The read is retried; the create may have reached Meta behind the
	 * proxy: unknown. */
	for (int i = 0; i < 2; i++) {
		if (got.id[i] && !strcmp(got.id[i], "9"))
			assert_int_equal(got.outcome[i], ADS_GRAPH_OK);
		else
			assert_int_equal(got.outcome[i], ADS_GRAPH_UNKNOWN);
	}
	got_release(&got);
	teardown(&f);
}

/* A whole batch refused as throttled: the reads wait and go again. */
static bool throttle_batch(struct server *s, const struct ads_http_request *req,
                           struct ads_http_response *resp)
{
	(void)req;
	if (s->n-- <= 0)
		return false;
	resp->status = 400;
	ads_graph_params_add(&resp->headers, "X-App-Usage",
	                     "{\"call_count\":100}");
	ads_buf_addstr(&resp->body,
	               "{\"error\":{\"message\":\"(#4) Application request "
	               "limit reached\",\"type\":\"OAuthException\",\"code\":"
	               "4,\"is_transient\":true}}");
	return true;
}

static void test_batch_throttled_whole(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	char path[16];

	(void)state;
	setup_with(&f, echo_id, NULL);
	f.srv.on_request = throttle_batch;
	f.srv.n = 1;
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%d", i);
		submit(&f, "GET", path, 0, &got);
	}
	run_ok(&f);
	assert_int_equal(got.n, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(got.outcome[i], ADS_GRAPH_OK);
	assert_non_null(strstr(f.cap.all.buf,
	                       "rate limited by Meta for this app: waiting"));
	got_release(&got);
	teardown(&f);
}

/* A batch answered with the wrong number of items. */
static bool short_batch(struct server *s, const struct ads_http_request *req,
                        struct ads_http_response *resp)
{
	if (strcmp(req->method, "POST") || s->n-- <= 0)
		return false;
	ads_buf_addstr(&resp->body, "[{\"code\":200,\"body\":\"{}\"}]");
	return true;
}

static void test_batch_wrong_length(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_call calls[2];
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	setup_with(&f, echo_id, NULL);
	f.srv.on_request = short_batch;
	f.srv.n = 1;
	memset(calls, 0, sizeof(calls));
	calls[0].method = calls[1].method = "POST";
	calls[0].path = calls[1].path = "act_1/adsets";
	calls[0].fn = calls[1].fn = record;
	calls[0].ctx = calls[1].ctx = &got;
	assert_int_equal(ads_graph_submit_batch(f.g, calls, 2, &err), 0);
	run_ok(&f);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.outcome[0], ADS_GRAPH_UNKNOWN);
	assert_int_equal(got.outcome[1], ADS_GRAPH_UNKNOWN);
	assert_non_null(strstr(got.msg[0], "1 items for 2 requests"));
	got_release(&got);
	teardown(&f);
}

/* References between the calls of one batch stay for Graph to resolve. */
static void test_batch_references(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_call calls[2];
	struct ads_graph_params p0 = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_params p1 = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	setup_with(&f, echo_id, NULL);
	ads_graph_params_set(&p0, "name", "campaign");
	ads_graph_params_set(&p1, "campaign_id", "{result=c1:$.id}");
	memset(calls, 0, sizeof(calls));
	calls[0].method = calls[1].method = "POST";
	calls[0].path = "act_1/campaigns";
	calls[0].name = "c1";
	calls[0].params = &p0;
	calls[1].path = "act_1/adsets";
	calls[1].params = &p1;
	calls[0].fn = calls[1].fn = record;
	calls[0].ctx = calls[1].ctx = &got;
	assert_int_equal(ads_graph_submit_batch(f.g, calls, 2, &err), 0);
	run_ok(&f);
	assert_int_equal(got.outcome[0], ADS_GRAPH_OK);
	assert_int_equal(got.outcome[1], ADS_GRAPH_OK);
	assert_non_null(strstr(f.srv.bodies.v[0],
	                       "campaign_id%3D%7Bresult%3Dc1%3A%24.id%7D"));
	assert_non_null(strstr(f.srv.bodies.v[0],
	                       "%22omit_response_on_success%22%3Afalse"));
	ads_graph_params_release(&p0);
	ads_graph_params_release(&p1);
	got_release(&got);
	teardown(&f);
}

/*
 * Every request that may write tells the transport so (the curl transport
 * then never sends it over a reused connection, which libcurl could
 * resend by itself): creates, updates, deletes, and batches holding any
 * of them; reads and batches of reads do not.
 */
static void test_may_write(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_call calls[2];
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	char path[32];

	(void)state;
	setup_with(&f, echo_id, NULL);
	submit(&f, "GET", "1", 0, &got);
	run_ok(&f);
	submit(&f, "POST", "act_1/campaigns", 0, &got);
	run_ok(&f);
	submit(&f, "POST", "2", ADS_GRAPH_IDEMPOTENT, &got);
	run_ok(&f);
	submit(&f, "DELETE", "3", 0, &got);
	run_ok(&f);
	for (int i = 0; i < 8; i++) { /* packed into batches of reads */
		snprintf(path, sizeof(path), "%d", 100 + i);
		submit(&f, "GET", path, 0, &got);
	}
	run_ok(&f);
	assert_int_equal(f.srv.may_write.nr, 4 + 4);
	assert_string_equal(f.srv.may_write.v[0], "read");
	assert_string_equal(f.srv.may_write.v[1], "write");
	assert_string_equal(f.srv.may_write.v[2], "write");
	assert_string_equal(f.srv.may_write.v[3], "write");
	for (size_t i = 4; i < 8; i++) {
		assert_non_null(strstr(f.srv.bodies.v[i], "batch="));
		assert_string_equal(f.srv.may_write.v[i], "read");
	}
	/* A batch with one write among reads. */
	memset(calls, 0, sizeof(calls));
	ads_graph_params_set(&p, "name", "x");
	calls[0].method = "GET";
	calls[0].path = "4";
	calls[1].method = "POST";
	calls[1].path = "act_1/campaigns";
	calls[1].params = &p;
	calls[0].fn = calls[1].fn = record;
	calls[0].ctx = calls[1].ctx = &got;
	assert_int_equal(ads_graph_submit_batch(f.g, calls, 2, &err), 0);
	run_ok(&f);
	assert_int_equal(f.srv.may_write.nr, 9);
	assert_non_null(strstr(f.srv.bodies.v[8], "batch="));
	assert_string_equal(f.srv.may_write.v[8], "write");
	assert_int_equal(got.n, 4 + 8 + 2);
	for (int i = 0; i < got.n; i++)
		assert_int_equal(got.outcome[i], ADS_GRAPH_OK);
	ads_graph_params_release(&p);
	got_release(&got);
	teardown(&f);
}

static void interrupt_in_callback(void *ctx, struct ads_graph_result *res)
{
	record(ctx, res);
	ads_interrupt_request();
}

static void test_interrupt(void **state)
{
	struct fixture f;
	struct got got = { 0 };
	struct ads_graph_call c = { .path = "4",
		                    .fn = interrupt_in_callback,
		                    .ctx = &got };
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	setup_with(&f, flaky, NULL);
	/* "2" and "3" fail and wait for a retry when "4" interrupts. */
	f.srv.n = 2;
	submit(&f, "GET", "2", 0, &got);
	submit(&f, "GET", "3", 0, &got);
	assert_int_equal(ads_graph_submit(f.g, &c, &err), 0);
	assert_int_equal(ads_graph_run(f.g, &err), ADS_EINTR);
	ads_error_release(&err);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.outcome[0], ADS_GRAPH_OK);
	assert_string_equal(got.id[0], "4");
	assert_int_equal(got.outcome[1], ADS_GRAPH_SKIPPED);
	assert_int_equal(got.outcome[2], ADS_GRAPH_SKIPPED);
	assert_non_null(strstr(got.msg[1], "not sent: interrupted"));
	assert_int_equal(f.srv.calls, 3);
	got_release(&got);
	teardown(&f);
}

/* A hostile server echoes the token everywhere it can. */
static void leaky(struct server *s, const struct ads_graph_fake_call *c,
                  struct ads_graph_fake_answer *a)
{
	ads_graph_params_add(&a->headers, "ETag", "\"" TOKEN "\"");
	ads_graph_params_add(&a->headers, "X-Business-Use-Case-Usage",
	                     "{\"" TOKEN "\":[{\"type\":\"x\",\"call_count\":"
	                     "99,\"estimated_time_to_regain_access\":1}]}");
	if (s->n++ % 2)
		json_answer(a, 400,
		            "{\"error\":{\"message\":\"bad token " TOKEN "\","
		            "\"code\":100,\"error_user_msg\":\"" TOKEN "\","
		            "\"error_user_title\":\"access_token=" TOKEN "\","
		            "\"fbtrace_id\":\"" TOKEN "\",\"error_data\":{"
		            "\"blame_field_specs\":[[\"" TOKEN "\"]]}}}");
	else
		json_answer(a, 200,
		            "{\"id\":\"%s\",\"data\":[{\"t\":\"" TOKEN "\"}],"
		            "\"paging\":{\"next\":\"https://graph.facebook.com/"
		            "v25.0/x?access_token=" TOKEN "&after=A\"}}",
		            c->path);
}

static void check_no_token(void *ctx, struct ads_graph_result *res)
{
	char *dump = res->body ? json_dumps(res->body, JSON_ENCODE_ANY) : NULL;

	(void)ctx;
	if (dump)
		assert_null(strstr(dump, TOKEN));
	free(dump);
	if (res->etag)
		assert_null(strstr(res->etag, TOKEN));
	if (res->err.msg) {
		assert_null(strstr(res->err.msg, TOKEN));
		assert_null(strstr(res->err.msg, SECRET));
	}
	if (res->err.api_user_msg)
		assert_null(strstr(res->err.api_user_msg, TOKEN));
	if (res->err.api_user_title)
		assert_null(strstr(res->err.api_user_title, TOKEN));
	if (res->err.fbtrace_id)
		assert_null(strstr(res->err.fbtrace_id, TOKEN));
	if (res->err.api_blame)
		assert_null(strstr(res->err.api_blame, TOKEN));
}

static void test_token_never_leaks(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	char path[16];
	char proof[65];

	(void)state;
	setup_with(&f, leaky, NULL);
	ads_graph_appsecret_proof(SECRET, TOKEN, proof);
	/* Direct calls, batched calls, writes, failures, retries. */
	for (int i = 0; i < 12; i++) {
		struct ads_graph_call c = {
			.method = i % 3 == 2 ? "POST" : "GET",
			.path = path,
			.fn = check_no_token,
		};

		snprintf(path, sizeof(path), "act_9/x%d", i);
		assert_int_equal(ads_graph_submit(f.g, &c, &err), 0);
		if (i == 0)
			run_ok(&f);
	}
	run_ok(&f);
	assert_true(f.cap.messages > 5);
	/* Every message the reporter got, at every verbosity. */
	assert_null(strstr(f.cap.all.buf, TOKEN));
	assert_null(strstr(f.cap.all.buf, proof));
	assert_null(strstr(f.cap.all.buf, SECRET));
	/* And the errors of the sync helpers. */
	f.srv.n = 1;
	assert_int_equal(ads_graph_get(NULL, f.g, "act_9/y", NULL, &err),
	                 ADS_EAPI);
	assert_null(strstr(err.msg, TOKEN));
	assert_null(strstr(err.api_user_msg, TOKEN));
	ads_error_release(&err);
	teardown(&f);
}

static void test_config_checks(void **state)
{
	struct ads_graph_config cfg;
	struct ads_graph *g = NULL;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	ads_graph_config_init(&cfg);
	cfg.api_version = "v25.0";
	cfg.access_token = TOKEN;
	cfg.api_url = "http://graph.example.com";
	assert_int_equal(ads_graph_new(&g, &cfg, &err), ADS_EINVALID);
	assert_non_null(strstr(err.msg, "https"));
	ads_error_release(&err);
	cfg.api_url = NULL;
	cfg.api_version = "25";
	assert_int_equal(ads_graph_new(&g, &cfg, &err), ADS_EINVALID);
	ads_error_release(&err);
	cfg.api_version = "v25.0";
	cfg.access_token = "";
	assert_int_equal(ads_graph_new(&g, &cfg, &err), ADS_EAUTH);
	assert_non_null(strstr(err.msg, "ADSCTL_ACCESS_TOKEN"));
	ads_error_release(&err);
	assert_null(g);
}

static void test_split_link(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	char *path = NULL;

	(void)state;
	setup_with(&f, echo_id, NULL);
	assert_int_equal(ads_graph_split_link(
	                         &path, &p, f.g,
	                         "https://graph.facebook.com/v24.0/act_1/ads?"
	                         "access_token=X&fields=id&limit=25&offset=50&"
	                         "appsecret_proof=Y",
	                         &err),
	                 0);
	assert_string_equal(path, "act_1/ads");
	assert_int_equal(p.nr, 3);
	assert_null(ads_graph_params_get(&p, "access_token"));
	assert_string_equal(ads_graph_params_get(&p, "offset"), "50");
	free(path);
	ads_graph_params_release(&p);
	assert_int_equal(ads_graph_split_link(&path, &p, f.g,
	                                      "https://evil.example.com/v25.0/"
	                                      "act_1/ads?after=x",
	                                      &err),
	                 ADS_EINVALID);
	assert_non_null(strstr(err.msg, "another server"));
	ads_error_release(&err);
	assert_int_equal(ads_graph_split_link(&path, &p, f.g,
	                                      "http://graph.facebook.com/x",
	                                      &err),
	                 ADS_EINVALID);
	ads_error_release(&err);
	assert_int_equal(
	        ads_graph_split_link(&path, &p, f.g, "not a url", &err),
	        ADS_EINVALID);
	ads_error_release(&err);
	ads_graph_params_release(&p);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_get),
		cmocka_unit_test(test_reads_are_batched),
		cmocka_unit_test(test_retry_transient),
		cmocka_unit_test(test_unknown_never_resent),
		cmocka_unit_test(test_not_sent_is_resent),
		cmocka_unit_test(test_null_batch_items),
		cmocka_unit_test(test_throttle_waits),
		cmocka_unit_test(test_governor_slows_down),
		cmocka_unit_test(test_auth_aborts),
		cmocka_unit_test(test_etag_cache),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_html_then_ok),
		cmocka_unit_test(test_batch_throttled_whole),
		cmocka_unit_test(test_batch_wrong_length),
		cmocka_unit_test(test_batch_references),
		cmocka_unit_test(test_may_write),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_token_never_leaks),
		cmocka_unit_test(test_config_checks),
		cmocka_unit_test(test_split_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
