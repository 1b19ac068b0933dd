/*
 * Unit tests for the write scheduler (src/graph/write.c) against a fake
 * Graph that creates objects, checks Meta's batch rules on every batch it
 * receives (50 items, 10 ad creates, one ad-set write per campaign), and
 * injects faults: null items, dropped connections, transient and
 * throttling errors. Creates with unknown outcome are never resent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/stub.h"
#include "graph/write.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define TOKEN "EAABwritetest0123456789"

struct server {
	int next_id;
	int creates; /* objects made */
	int updates;
	int calls;
	/* Rule violations seen. */
	int too_many_items, too_many_ads, same_campaign;
	/* Per batch being served. */
	int batch_ads;
	struct ads_strvec batch_campaigns;
	struct ads_strvec log; /* "POST act_1/campaigns name=..." */
	/* Faults: the n-th create (1-based) answers null, etc. */
	int null_create, drop_batch, transient_create, throttle_update,
	        fail_name_len;
	const char *fail_name; /* creates with this name are refused */
	int max_batch;
};

static bool is_create(const struct ads_graph_fake_call *c)
{
	return !strcmp(c->method, "POST") && ads_starts_with(c->path, "act_");
}

static void serve(void *ctx, const struct ads_graph_fake_call *c,
                  struct ads_graph_fake_answer *a)
{
	struct server *s = ctx;
	const char *name = ads_graph_params_get(&c->params, "name");
	const char *campaign = ads_graph_params_get(&c->params, "campaign_id");
	const char *adset = ads_graph_params_get(&c->params, "adset_id");

	s->calls++;
	if (c->in_batch && c->index == 0) {
		s->batch_ads = 0;
		ads_strvec_release(&s->batch_campaigns);
		if (c->batch_size > 50)
			s->too_many_items++;
		if ((int)c->batch_size > s->max_batch)
			s->max_batch = (int)c->batch_size;
	}
	ads_strvec_pushf(&s->log, "%s %s %s%s%s%s%s", c->method, c->path,
	                 name ? name : "", campaign ? " campaign=" : "",
	                 campaign ? campaign : "", adset ? " adset=" : "",
	                 adset ? adset : "");
	if (ads_ends_with(c->path, "/ads") && is_create(c) &&
	    ++s->batch_ads > 10)
		s->too_many_ads++;
	if (ads_ends_with(c->path, "/adsets") || campaign) {
		if (campaign &&
		    ads_strvec_contains(&s->batch_campaigns, campaign))
			s->same_campaign++;
		if (campaign)
			ads_strvec_push(&s->batch_campaigns, campaign);
	}
	if (is_create(c)) {
		int n = s->creates + 1;

		if (s->fail_name && name && !strcmp(name, s->fail_name)) {
			a->status = 400;
			ads_buf_addstr(
			        &a->body,
			        "{\"error\":{\"message\":\"Invalid "
			        "parameter\",\"code\":100,\"error_subcode\""
			        ":1487901,\"error_user_title\":\"Budget too "
			        "low\"}}");
			return;
		}
		if (s->transient_create && s->transient_create-- > 0) {
			a->status = 500;
			ads_buf_addstr(&a->body,
			               "{\"error\":{\"message\":\"Service "
			               "temporarily unavailable\",\"code\":2,"
			               "\"is_transient\":true}}");
			return;
		}
		s->creates++;
		ads_buf_addf(&a->body, "{\"id\":\"%d\"}", 1000 + s->next_id++);
		if (n == s->null_create)
			a->null_item = true;
		if (s->drop_batch && s->drop_batch-- == 1)
			a->drop = true;
		return;
	}
	if (s->throttle_update && s->throttle_update-- > 0) {
		a->status = 400;
		ads_buf_addstr(&a->body, "{\"error\":{\"message\":\"(#17) User "
		                         "request limit reached\",\"code\":17,"
		                         "\"error_subcode\":2446079}}");
		return;
	}
	s->updates++;
	ads_buf_addstr(&a->body, "{\"success\":true}");
}

struct fixture {
	struct server srv;
	struct ads_graph *g;
	struct ads_graph_transport *t;
	struct ads_graph_writes *w;
};

static void setup(struct fixture *f)
{
	struct ads_graph_config cfg;
	struct ads_error err = ADS_ERROR_INIT;

	memset(f, 0, sizeof(*f));
	ads_graph_transport_fake_new(&f->t, serve, NULL, &f->srv);
	ads_graph_config_init(&cfg);
	cfg.api_version = "v25.0";
	cfg.access_token = TOKEN;
	cfg.transport = f->t;
	cfg.seed = 7;
	assert_int_equal(ads_graph_new(&f->g, &cfg, &err), 0);
	f->w = ads_graph_writes_new(f->g);
}

static void teardown(struct fixture *f)
{
	assert_int_equal(f->srv.too_many_items, 0);
	assert_int_equal(f->srv.too_many_ads, 0);
	assert_int_equal(f->srv.same_campaign, 0);
	ads_graph_writes_free(f->w);
	ads_graph_free(f->g);
	ads_strvec_release(&f->srv.log);
	ads_strvec_release(&f->srv.batch_campaigns);
}

/* Adds a create of kind under path with name and extra params. */
static struct ads_graph_op *create(struct fixture *f, enum ads_graph_op_kind k,
                                   const char *path, const char *name,
                                   const char *key, const char *value)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_op_spec spec = {
		.path = path,
		.params = &p,
		.kind = k,
		.create = true,
	};
	struct ads_graph_op *op = NULL;
	struct ads_error err = ADS_ERROR_INIT;

	ads_graph_params_set(&p, "name", name);
	ads_graph_params_set(&p, "status", "PAUSED");
	if (key)
		ads_graph_params_set(&p, key, value);
	assert_int_equal(ads_graph_writes_add(&op, f->w, &spec, &err), 0);
	ads_graph_params_release(&p);
	return op;
}

static struct ads_graph_op *campaign(struct fixture *f, const char *name)
{
	return create(f, ADS_GRAPH_OP_CAMPAIGN, "act_1/campaigns", name, NULL,
	              NULL);
}

static struct ads_graph_op *adset(struct fixture *f, const char *name,
                                  struct ads_graph_op *c, const char *cid)
{
	char *ref = c ? ads_graph_op_ref(c, NULL) : xstrdup(cid);
	struct ads_graph_op *op = create(f, ADS_GRAPH_OP_ADSET, "act_1/adsets",
	                                 name, "campaign_id", ref);

	free(ref);
	return op;
}

static struct ads_graph_op *ad(struct fixture *f, const char *name,
                               struct ads_graph_op *s, const char *sid)
{
	char *ref = s ? ads_graph_op_ref(s, NULL) : xstrdup(sid);
	struct ads_graph_op *op =
	        create(f, ADS_GRAPH_OP_AD, "act_1/ads", name, "adset_id", ref);

	free(ref);
	return op;
}

static size_t round_trips(struct fixture *f)
{
	struct ads_graph_stats st;

	ads_graph_get_stats(f->g, &st);
	return st.round_trips;
}

static void test_chain_in_one_batch(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_op *c, *s, *a[3];
	char buf[64];

	(void)state;
	setup(&f);
	c = campaign(&f, "C");
	s = adset(&f, "S", c, NULL);
	for (int i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "A%d", i);
		a[i] = ad(&f, buf, s, NULL);
	}
	assert_int_equal(ads_graph_writes_run(f.w, &err), 0);
	assert_int_equal(ads_graph_writes_batches(f.w), 1);
	assert_int_equal(round_trips(&f), 1);
	assert_string_equal(ads_graph_op_id(c), "1000");
	assert_string_equal(ads_graph_op_id(s), "1001");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ads_graph_op_outcome(a[i]), ADS_GRAPH_OK);
		assert_int_equal(ads_graph_op_batch(a[i]), 1);
	}
	/* Graph resolved the references inside the batch. */
	assert_string_equal(f.srv.log.v[1],
	                    "POST act_1/adsets S campaign=1000");
	assert_int_equal(f.srv.creates, 5);
	teardown(&f);
}

static void test_batch_rules(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_op *c1, *c2;
	char buf[64];

	(void)state;
	setup(&f);
	/* 25 ads under an existing ad set: batches of at most 10 ads. */
	for (int i = 0; i < 25; i++) {
		snprintf(buf, sizeof(buf), "ad%d", i);
		ad(&f, buf, NULL, "555");
	}
	/* 4 ad sets of one campaign, 4 of another: 4 batches at least. */
	c1 = campaign(&f, "C1");
	c2 = campaign(&f, "C2");
	for (int i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "s1-%d", i);
		adset(&f, buf, c1, NULL);
		snprintf(buf, sizeof(buf), "s2-%d", i);
		adset(&f, buf, NULL, "777");
	}
	/* 100 updates: at most 50 per batch. */
	for (int i = 0; i < 100; i++) {
		struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
		struct ads_graph_op_spec spec = { .params = &p };
		struct ads_graph_op *op;

		snprintf(buf, sizeof(buf), "%d", 9000 + i);
		spec.path = buf;
		ads_graph_params_set(&p, "name", "renamed");
		assert_int_equal(ads_graph_writes_add(&op, f.w, &spec, &err),
		                 0);
		ads_graph_params_release(&p);
	}
	assert_int_equal(ads_graph_writes_run(f.w, &err), 0);
	assert_int_equal(f.srv.creates, 25 + 2 + 8);
	assert_int_equal(f.srv.updates, 100);
	assert_true(f.srv.max_batch <= 50);
	assert_int_equal(ads_graph_op_outcome(c2), ADS_GRAPH_OK);
	/* The ad sets of C1 (a reference until C1 exists) and of 777 were
	 * spread one per batch; the ads 10 at a time. */
	assert_true(ads_graph_writes_batches(f.w) >= 4);
	teardown(&f);
}

static void test_dependent_waits_for_id(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_op *s, *last = NULL;
	char buf[64];

	(void)state;
	setup(&f);
	ads_graph_writes_set_limits(f.w, 5, 0);
	s = adset(&f, "S", NULL, "42");
	for (int i = 0; i < 8; i++) {
		snprintf(buf, sizeof(buf), "A%d", i);
		last = ad(&f, buf, s, NULL);
	}
	assert_int_equal(ads_graph_writes_run(f.w, &err), 0);
	/* S and 4 ads in batch 1; the other 4 after S's id was known, with
	 * the id written in (not a reference to another batch). */
	assert_int_equal(ads_graph_op_batch(last), 2);
	assert_int_equal(round_trips(&f), 2);
	assert_string_equal(f.srv.log.v[8], "POST act_1/ads A7 adset=1000");
	teardown(&f);
}

static void test_unknown_create_is_not_resent(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_op *c, *s, *other;

	(void)state;
	setup(&f);
	f.srv.null_create = 1; /* the campaign's answer is lost */
	c = campaign(&f, "C");
	s = adset(&f, "S", c, NULL);
	other = campaign(&f, "D");
	assert_int_equal(ads_graph_writes_run(f.w, &err), ADS_EPARTIAL);
	assert_non_null(strstr(err.msg, "1 unknown, 1 not sent"));
	ads_error_release(&err);
	assert_int_equal(ads_graph_op_outcome(c), ADS_GRAPH_UNKNOWN);
	assert_int_equal(ads_graph_op_error(c)->code, ADS_EUNKNOWN);
	assert_int_equal(ads_graph_op_outcome(s), ADS_GRAPH_SKIPPED);
	assert_non_null(strstr(ads_graph_op_error(s)->msg, "unknown outcome"));
	assert_int_equal(ads_graph_op_outcome(other), ADS_GRAPH_OK);
	/* The campaign was made once and not sent again. */
	assert_int_equal(f.srv.creates, 2);

	/* The caller found it by its label: the ad set goes on. */
	ads_graph_op_resolve(c, "1000");
	assert_int_equal(ads_graph_writes_run(f.w, &err), 0);
	assert_int_equal(ads_graph_op_outcome(s), ADS_GRAPH_OK);
	assert_string_equal(f.srv.log.v[f.srv.log.nr - 1],
	                    "POST act_1/adsets S campaign=1000");
	assert_int_equal(f.srv.creates, 3);
	teardown(&f);
}

static void test_reset_resends(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_op *c, *u;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_op_spec spec = { .path = "321", .params = &p };

	(void)state;
	setup(&f);
	f.srv.drop_batch = 1; /* the connection drops after the batch ran */
	c = campaign(&f, "C");
	ads_graph_params_set(&p, "name", "x");
	assert_int_equal(ads_graph_writes_add(&u, f.w, &spec, &err), 0);
	ads_graph_params_release(&p);
	assert_int_equal(ads_graph_writes_run(f.w, &err), ADS_EPARTIAL);
	ads_error_release(&err);
	/* The create is unknown; the update was simply sent again. */
	assert_int_equal(ads_graph_op_outcome(c), ADS_GRAPH_UNKNOWN);
	assert_int_equal(ads_graph_op_outcome(u), ADS_GRAPH_OK);
	assert_int_equal(f.srv.updates, 2);
	assert_int_equal(f.srv.creates, 1);
	/* The caller decides it was not made after all. */
	ads_graph_op_reset(c);
	assert_int_equal(ads_graph_writes_run(f.w, &err), 0);
	assert_int_equal(f.srv.creates, 2);
	teardown(&f);
}

static void test_retries_and_failures(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_op *c, *bad, *child;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_op_spec spec = { .path = "321", .params = &p };
	struct ads_graph_op *u;

	(void)state;
	setup(&f);
	f.srv.transient_create = 1; /* Graph says no, transiently */
	f.srv.throttle_update = 1;
	f.srv.fail_name = "BAD";
	c = campaign(&f, "C");
	bad = campaign(&f, "BAD");
	child = adset(&f, "S", bad, NULL);
	ads_graph_params_set(&p, "daily_budget", "2000");
	assert_int_equal(ads_graph_writes_add(&u, f.w, &spec, &err), 0);
	ads_graph_params_release(&p);
	assert_int_equal(ads_graph_writes_run(f.w, &err), ADS_EPARTIAL);
	assert_non_null(strstr(err.msg, "Invalid parameter"));
	ads_error_release(&err);
	/* A definite transient refusal: made on the second try. */
	assert_int_equal(ads_graph_op_outcome(c), ADS_GRAPH_OK);
	/* A throttled update: waited, then made. */
	assert_int_equal(ads_graph_op_outcome(u), ADS_GRAPH_OK);
	assert_int_equal(f.srv.updates, 1);
	/* A refusal for good, and what depended on it. */
	assert_int_equal(ads_graph_op_outcome(bad), ADS_GRAPH_FAILED);
	assert_string_equal(ads_graph_op_error(bad)->api_user_title,
	                    "Budget too low");
	assert_int_equal(ads_graph_op_outcome(child), ADS_GRAPH_SKIPPED);
	assert_non_null(strstr(ads_graph_op_error(child)->msg, "which failed"));
	assert_int_equal(ads_graph_writes_count(f.w, ADS_GRAPH_OK), 2);
	teardown(&f);
}

static void test_add_checks(void **state)
{
	struct fixture f;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_op_spec spec = {
		.path = "99",
		.params = &p,
		.kind = ADS_GRAPH_OP_ADSET,
	};
	struct ads_graph_op *op = NULL;

	(void)state;
	setup(&f);
	ads_graph_params_set(&p, "name", "x");
	assert_int_equal(ads_graph_writes_add(&op, f.w, &spec, &err),
	                 ADS_EINVALID);
	assert_non_null(strstr(err.msg, "does not say its campaign"));
	ads_error_release(&err);
	spec.campaign = "12";
	assert_int_equal(ads_graph_writes_add(&op, f.w, &spec, &err), 0);
	spec.kind = ADS_GRAPH_OP_OTHER;
	ads_graph_params_set(&p, "x", "{result=op7:$.id}");
	assert_int_equal(ads_graph_writes_add(&op, f.w, &spec, &err),
	                 ADS_EINVALID);
	assert_non_null(strstr(err.msg, "'op7'"));
	ads_error_release(&err);
	ads_graph_params_release(&p);
	assert_int_equal(ads_graph_writes_size(f.w), 1);
	assert_int_equal(ads_graph_writes_run(f.w, &err), 0);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_in_one_batch),
		cmocka_unit_test(test_batch_rules),
		cmocka_unit_test(test_dependent_waits_for_id),
		cmocka_unit_test(test_unknown_create_is_not_resent),
		cmocka_unit_test(test_reset_resends),
		cmocka_unit_test(test_retries_and_failures),
		cmocka_unit_test(test_add_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
