/* The emulator's admin endpoints (see admin.h). */
#include "emulator/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/async.h"
#include "emulator/spec.h"
#include "emulator/write.h"
#include "util/json.h"
#include "util/xalloc.h"

static void admin_error(struct emu_resp *resp, int status, const char *msg)
{
	emu_resp_json(resp, status, json_pack("{s:s}", "error", msg));
}

/* POST /_emulator/edit {"id", "fields": {...}}: an edit in Ads Manager. */
static void edit(struct emu_ctx *ctx, json_t *req, struct emu_resp *resp)
{
	const char *id = ads_json_str(req, "id");
	json_t *fields = json_object_get(req, "fields");
	struct emu_obj *o;
	const struct emu_node *node;
	json_t *conv = json_object();
	const char *k;
	json_t *v;

	if (!id || !json_is_object(fields)) {
		admin_error(resp, 400,
		            "edit needs {\"id\": ..., \"fields\": {...}}");
		json_decref(conv);
		return;
	}
	pthread_rwlock_wrlock(&ctx->store.lock);
	o = emu_store_get(&ctx->store, id);
	if (!o) {
		admin_error(resp, 404, "no such object");
		goto out;
	}
	node = emu_spec_node(emu_kinds[o->kind].node);
	/* type sanity against the node's readable fields, no create rules */
	json_object_foreach(fields, k, v) {
		const struct emu_field *f = emu_spec_field(node, k);
		struct emu_resp tmp;
		const char *type;
		json_t *c;

		if (!strcmp(k, "id") || (!f && strcmp(k, "creative_id"))) {
			char msg[200];

			snprintf(msg, sizeof(msg), "%s has no field '%s'",
			         emu_kinds[o->kind].node, k);
			admin_error(resp, 400, msg);
			goto out;
		}
		if (json_is_null(v)) {
			json_object_set_new(conv, k, json_null());
			continue;
		}
		emu_resp_init(&tmp);
		/* the write type (budgets are integers), else the read type */
		{
			const struct emu_param *p = emu_spec_param(
			        emu_spec_endpoint(emu_kinds[o->kind].node,
			                          "POST", ""),
			        k);

			if (!p)
				p = emu_spec_param(
				        emu_spec_endpoint(
				                "AdAccount", "POST",
				                emu_kinds[o->kind].edge),
				        k);
			type = p ? p->type : f ? f->type : "string";
		}
		c = emu_convert(type, v, k, &tmp);
		if (!c) {
			const char *msg = ads_json_str(
			        json_object_get(tmp.body, "error"), "message");

			admin_error(resp, 400, msg ? msg : "bad value");
			emu_resp_release(&tmp);
			goto out;
		}
		emu_resp_release(&tmp);
		if (f && !strcmp(f->type, "string") && json_is_integer(v)) {
			json_decref(c);
			c = json_sprintf("%lld",
			                 (long long)json_integer_value(v));
		}
		json_object_set_new(conv, k, c);
	}
	json_object_foreach(conv, k, v) {
		if (json_is_null(v))
			json_object_del(o->f, k);
		else
			json_object_set(o->f, k, v);
	}
	emu_touch(o, emu_now(ctx));
	emu_apply_defaults(ctx, o);
	emu_resp_json(resp, 200, emu_obj_dump(o));
out:
	pthread_rwlock_unlock(&ctx->store.lock);
	json_decref(conv);
}

static bool get_num(json_t *o, const char *k, double *out)
{
	json_t *v = json_object_get(o, k);

	if (!v)
		return false;
	*out = json_number_value(v);
	return json_is_number(v);
}

/* POST /_emulator/async/tick [{"ticks": n}]: the async worker's ticks,
 * run now, whether or not async.paused is set. */
static void async_tick(struct emu_ctx *ctx, json_t *req, struct emu_resp *resp)
{
	json_t *n = json_object_get(req, "ticks");
	struct emu_async_tick sum = { 0 }, one;
	json_int_t ticks = 1;

	if (n && (!json_is_integer(n) || json_integer_value(n) < 1 ||
	          json_integer_value(n) > 10000)) {
		admin_error(resp, 400, "ticks must be an integer, 1 to 10000");
		return;
	}
	if (n)
		ticks = json_integer_value(n);
	for (json_int_t i = 0; i < ticks; i++) {
		emu_async_tick(ctx, true, &one);
		sum.started += one.started;
		sum.finished += one.finished;
		sum.pending = one.pending;
	}
	emu_resp_json(resp, 200,
	              json_pack("{s:I,s:I,s:I}", "started",
	                        (json_int_t)sum.started, "finished",
	                        (json_int_t)sum.finished, "pending",
	                        (json_int_t)sum.pending));
}

/* GET|POST /_emulator/clock [{"advance": seconds, "frozen": bool}]. */
static void clock_admin(struct emu_ctx *ctx, bool post, json_t *req,
                        struct emu_resp *resp)
{
	json_t *adv = json_object_get(req, "advance");
	json_t *frozen = json_object_get(req, "frozen");
	const char *k;
	json_t *v;

	if (post) {
		json_object_foreach(req, k, v) {
			if (strcmp(k, "advance") && strcmp(k, "frozen")) {
				admin_error(resp, 400,
				            "clock takes \"advance\" (seconds) "
				            "and \"frozen\" (true or false)");
				return;
			}
		}
		if (!json_is_object(req) ||
		    (adv &&
		     (!json_is_integer(adv) || json_integer_value(adv) < 0)) ||
		    (frozen && !json_is_boolean(frozen))) {
			admin_error(resp, 400,
			            "clock takes \"advance\" (seconds, >= 0) "
			            "and \"frozen\" (true or false)");
			return;
		}
		/* freeze first: {"frozen": true, "advance": 60} is exact */
		if (frozen)
			emu_clock_freeze(&ctx->clock, json_is_true(frozen));
		if (adv)
			emu_clock_advance(&ctx->clock, json_integer_value(adv));
	}
	emu_resp_json(resp, 200, emu_clock_json(&ctx->clock));
}

void emu_admin(struct emu_ctx *ctx, const char *method, const char *path,
               const char *body, size_t len, struct emu_resp *resp)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	json_t *req = NULL;

	if (post && len) {
		req = json_loadb(body, len, 0, NULL);
		if (!req) {
			admin_error(resp, 400, "the body is not JSON");
			return;
		}
	}
	if (get && !strcmp(path, "state")) {
		pthread_rwlock_rdlock(&ctx->store.lock);
		emu_resp_json(resp, 200, emu_store_dump(&ctx->store));
		pthread_rwlock_unlock(&ctx->store.lock);
	} else if (get && !strncmp(path, "objects/", 8)) {
		const struct emu_obj *o;

		pthread_rwlock_rdlock(&ctx->store.lock);
		o = emu_store_get(&ctx->store, path + 8);
		if (o)
			emu_resp_json(resp, 200, emu_obj_dump(o));
		else
			admin_error(resp, 404, "no such object");
		pthread_rwlock_unlock(&ctx->store.lock);
	} else if (post && !strcmp(path, "edit")) {
		edit(ctx, req, resp);
	} else if (get && !strcmp(path, "stats")) {
		json_t *s = emu_limits_stats(&ctx->limits);

		pthread_rwlock_rdlock(&ctx->store.lock);
		json_object_set_new(
		        s, "objects",
		        json_integer((json_int_t)emu_store_count(&ctx->store)));
		pthread_rwlock_unlock(&ctx->store.lock);
		emu_resp_json(resp, 200, s);
	} else if (post && !strcmp(path, "stats/reset")) {
		emu_limits_reset_stats(&ctx->limits);
		emu_resp_json(resp, 200, json_pack("{s:b}", "success", 1));
	} else if (post && !strcmp(path, "config")) {
		struct ads_emulator_config tmp;
		struct ads_error err = ADS_ERROR_INIT;

		/* apply on a copy of the runtime knobs, all or nothing */
		memset(&tmp, 0, sizeof(tmp));
		ads_emulator_config_init(&tmp);
		emu_limits_runtime(&ctx->limits, &tmp.rt);
		if (!json_is_object(req) ||
		    ads_emulator_config_apply(&tmp, req, &err)) {
			admin_error(resp, 400,
			            err.msg ? err.msg
			                    : "config must be an object");
		} else if (json_object_get(req, "tokens") ||
		           json_object_get(req, "app_secret") ||
		           json_object_get(req, "accounts") ||
		           json_object_get(req, "defaults") ||
		           json_object_get(req, "data_file") ||
		           json_object_get(req, "port") ||
		           json_object_get(req, "max_body_bytes") ||
		           json_object_get(req, "max_connections")) {
			admin_error(resp, 400,
			            "only runtime settings (latency, faults, "
			            "rate limits, paging, async, review) can "
			            "change while serving");
		} else {
			emu_limits_set_runtime(&ctx->limits, &tmp.rt);
			/* a new seed starts a new fault sequence */
			if (json_object_get(req, "seed"))
				emu_limits_reset_calls(&ctx->limits);
			/* paused: no tick of the worker's runs once this
			 * answer is sent */
			if (tmp.rt.async_paused)
				emu_async_quiesce(ctx);
			emu_async_retune(ctx);
			emu_resp_json(resp, 200,
			              json_pack("{s:b}", "success", 1));
		}
		ads_error_release(&err);
		ads_emulator_config_release(&tmp);
		(void)get_num;
	} else if (post && !strcmp(path, "async/tick")) {
		async_tick(ctx, req, resp);
	} else if ((get || post) && !strcmp(path, "clock")) {
		clock_admin(ctx, post, req, resp);
	} else if (post && !strcmp(path, "reset")) {
		/* no tick in between: a request it started would run in the
		 * new, empty store */
		pthread_mutex_lock(&ctx->tick_mu);
		pthread_rwlock_wrlock(&ctx->store.lock);
		emu_store_clear(&ctx->store);
		pthread_rwlock_unlock(&ctx->store.lock);
		emu_async_forget(ctx);
		pthread_mutex_unlock(&ctx->tick_mu);
		emu_limits_reset_windows(&ctx->limits);
		emu_limits_reset_stats(&ctx->limits);
		emu_resp_json(resp, 200, json_pack("{s:b}", "success", 1));
	} else {
		admin_error(resp, 404, "unknown admin endpoint");
	}
	json_decref(req);
}
