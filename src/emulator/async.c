/*
 * The async worker (see async.h). Each tick it finishes the requests it
 * started in the previous tick and starts up to async_per_tick more, so a
 * poller sees INITIAL, IN_PROGRESS, then SUCCESS or ERROR. Requests run
 * through emu_graph_call() like any other call (without accounting).
 */
#include "emulator/async.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emulator/batch.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define MAX_ADBATCH 1000 /* 003:L17320 */

/*
 * A set keeps its requests (they are read back as `input` and saved with
 * the state) but never the credentials they came with: the async worker
 * runs them without a token, and the token must not reach the state file
 * or /_emulator/state.
 */
static const char *const credentials[] = { "access_token", "appsecret_proof",
	                                   NULL };

/* s (a query string, or a body when body) without its credentials, owned
 * by the caller; NULL when it has none (s is then kept as it is). */
static char *strip_credentials(const char *s, bool body)
{
	struct emu_params p = EMU_PARAMS_INIT;
	struct ads_buf b = ADS_BUF_INIT;
	bool found = false;

	if (body)
		emu_parse_body_string(&p, s);
	else
		emu_params_parse_query(&p, s, strlen(s));
	for (size_t i = 0; credentials[i]; i++)
		found = found || emu_params_get(&p, credentials[i]);
	if (found)
		emu_params_encode(&b, &p, credentials);
	emu_params_release(&p);
	return found ? ads_buf_detach(&b, NULL) : NULL;
}

/* Whether a batch-style header ("Name: value" or {name, value}) carries
 * credentials. */
static bool auth_header(json_t *h)
{
	const char *s = json_is_string(h) ? json_string_value(h)
	                                  : ads_json_str(h, "name");

	return s && !strncasecmp(s, "authorization", 13) &&
	       (!s[13] || s[13] == ':' || s[13] == ' ');
}

/* What a set stores of item it (a new reference): a copy without
 * credentials, in its keys and, for adbatch items, in relative_url, body
 * and headers. */
static json_t *stored_input(json_t *it, bool adbatch)
{
	json_t *c = json_deep_copy(it);
	const char *u = ads_json_str(c, "relative_url");
	const char *body = ads_json_str(c, "body");
	json_t *headers = json_object_get(c, "headers");
	const char *q = u ? strchr(u, '?') : NULL;
	char *t;

	for (size_t i = 0; credentials[i]; i++)
		json_object_del(c, credentials[i]);
	if (!adbatch)
		return c;
	if (q && (t = strip_credentials(q + 1, false))) {
		char *nu = *t ? xasprintf("%.*s?%s", (int)(q - u), u, t)
		              : xstrndup(u, (size_t)(q - u));

		json_object_set_new(c, "relative_url", json_string(nu));
		free(nu);
		free(t);
	}
	if (body && (t = strip_credentials(body, true))) {
		json_object_set_new(c, "body", json_string(t));
		free(t);
	}
	for (size_t i = json_array_size(headers); i-- > 0;)
		if (auth_header(json_array_get(headers, i)))
			json_array_remove(headers, i);
	return c;
}

void emu_async_create(struct emu_ctx *ctx, const struct emu_req *req,
                      struct emu_resp *resp, struct emu_account *a,
                      const char *edge)
{
	bool adsets = !strcmp(edge, "asyncadrequestsets");
	const char *name = emu_params_get(&req->params, "name");
	const char *list =
	        emu_params_get(&req->params, adsets ? "ad_specs" : "adbatch");
	const char *mode = emu_params_get(&req->params, "notification_mode");
	const char *uri = emu_params_get(&req->params, "notification_uri");
	json_t *items = list ? json_loads(list, 0, NULL) : NULL;
	int64_t now = emu_now(ctx);
	struct emu_obj *set;
	size_t i;
	json_t *it;

	for (i = 0; i < req->params.nr; i++) {
		const char *k = req->params.v[i].key;

		if (strcmp(k, "name") && strcmp(k, "ad_specs") &&
		    strcmp(k, "adbatch") && strcmp(k, "notification_mode") &&
		    strcmp(k, "notification_uri") &&
		    strcmp(k, "access_token") && strcmp(k, "appsecret_proof") &&
		    strcmp(k, "fields") && strcmp(k, "method")) {
			emu_resp_invalid(
			        resp, k,
			        "(#100) Invalid parameter: %s is not a "
			        "parameter of this endpoint",
			        k);
			goto out;
		}
	}
	if (!name || !*name) {
		emu_resp_invalid(resp, "name",
		                 "(#100) The parameter name is required");
		goto out;
	}
	if (!list) {
		emu_resp_invalid(resp, adsets ? "ad_specs" : "adbatch",
		                 "(#100) The parameter %s is required",
		                 adsets ? "ad_specs" : "adbatch");
		goto out;
	}
	if (!json_is_array(items) || !json_array_size(items)) {
		emu_resp_invalid(
		        resp, adsets ? "ad_specs" : "adbatch",
		        "(#100) param %s must be a non-empty JSON array",
		        adsets ? "ad_specs" : "adbatch");
		goto out;
	}
	if (json_array_size(items) > MAX_ADBATCH) {
		emu_resp_invalid(resp, adsets ? "ad_specs" : "adbatch",
		                 "(#100) At most %d requests per async request "
		                 "set",
		                 MAX_ADBATCH);
		goto out;
	}
	/* 003:L15544: notification_mode OFF|ON_COMPLETE, or 0|1 */
	if (mode && !strcmp(mode, "0"))
		mode = "OFF";
	else if (mode && !strcmp(mode, "1"))
		mode = "ON_COMPLETE";
	if (mode && strcmp(mode, "OFF") && strcmp(mode, "ON_COMPLETE")) {
		emu_resp_invalid(
		        resp, "notification_mode",
		        "(#100) param notification_mode must be one of "
		        "{OFF, ON_COMPLETE}");
		goto out;
	}
	json_array_foreach(items, i, it) {
		if (!json_is_object(it) ||
		    (!adsets && !ads_json_str(it, "relative_url"))) {
			emu_resp_invalid(resp, adsets ? "ad_specs" : "adbatch",
			                 "(#100) %s[%zu] must be an object%s",
			                 adsets ? "ad_specs" : "adbatch", i,
			                 adsets ? "" : " with a relative_url");
			goto out;
		}
	}
	set = emu_store_new(&ctx->store, a, EMU_ASYNC_SET, now);
	json_object_set_new(set->f, "name", json_string(name));
	json_object_set_new(set->f, "notification_mode",
	                    json_string(mode ? mode : "OFF"));
	if (uri)
		json_object_set_new(set->f, "notification_uri",
		                    json_string(uri));
	json_object_set_new(set->f, "notification_status",
	                    json_string("not_sent"));
	json_object_set_new(
	        set->f, "type",
	        json_string(adsets ? "ASYNC_ADGROUP_CREATION" : "BATCH_API"));
	json_array_foreach(items, i, it) {
		struct emu_obj *r =
		        emu_store_new(&ctx->store, a, EMU_ASYNC_REQ, now);
		const char *scope =
		        adsets ? ads_json_str(it, "adset_id") : NULL;

		r->parent = set;
		emu_objvec_push(&set->kids, r);
		json_object_set_new(r->f, "status", json_string("INITIAL"));
		json_object_set_new(
		        r->f, "type",
		        json_string(adsets ? "ASYNC_ADGROUP_CREATION"
		                           : "BATCH_API"));
		if (adsets)
			json_object_set_new(r->f, "input",
			                    json_pack("{s:s,s:o}", "account_id",
			                              a->digits, "adgroup_spec",
			                              stored_input(it, false)));
		else
			json_object_set_new(r->f, "input",
			                    stored_input(it, true));
		json_object_set_new(r->f, "scope_object_id",
		                    json_string(scope ? scope : a->digits));
	}
	emu_objvec_push(&ctx->store.pending, set);
	/* No wake-up: the worker keeps its pace (one tick per tick_ms)
	 * however many sets arrive, as a queue at Meta would. */
	emu_resp_json(resp, 200, json_pack("{s:s}", "id", set->id));
out:
	json_decref(items);
}

bool emu_async_cancel(struct emu_ctx *ctx, struct emu_obj *o, int64_t now)
{
	(void)ctx;
	if (o->kind == EMU_ASYNC_REQ) {
		const char *st = ads_json_str(o->f, "status");

		if (!st || strcmp(st, "INITIAL"))
			return false;
		json_object_set_new(o->f, "status", json_string("CANCELED"));
		o->updated = now;
		return true;
	}
	for (size_t i = 0; i < o->kids.nr; i++) {
		struct emu_obj *r = o->kids.v[i];
		const char *st = ads_json_str(r->f, "status");

		if (st && !strcmp(st, "INITIAL")) {
			json_object_set_new(r->f, "status",
			                    json_string("CANCELED"));
			r->updated = now;
		}
	}
	/* a set can always be "canceled": what already ran stays done */
	o->updated = now;
	return true;
}

/* --- the worker ------------------------------------------------------------
 */

struct job {
	char *req_id;
	char *set_id;
	char *method;
	char *path; /* relative url */
	char *body; /* urlencoded, or NULL */
	json_t *spec; /* ad spec (asyncadrequestsets) */
	json_t *results; /* the set's earlier results, for references */
	char *bad; /* unresolved reference */
};

static void job_free(struct job *j)
{
	free(j->req_id);
	free(j->set_id);
	free(j->method);
	free(j->path);
	free(j->body);
	free(j->bad);
	json_decref(j->spec);
	json_decref(j->results);
}

/* Results of a set's finished named requests, for {result=} references. */
static json_t *set_results(const struct emu_obj *set)
{
	json_t *r = json_object();

	for (size_t i = 0; i < set->kids.nr; i++) {
		const struct emu_obj *q = set->kids.v[i];
		const char *name =
		        ads_json_str(json_object_get(q->f, "input"), "name");
		const char *st = ads_json_str(q->f, "status");

		if (name && st && !strcmp(st, "SUCCESS"))
			json_object_set(r, name,
			                json_object_get(q->f, "result"));
	}
	return r;
}

/* Appends the names r references ({result=NAME:…}, raw or encoded). */
static void ref_names(struct ads_strvec *out, const char *s)
{
	char *dec;
	const char *p;

	if (!s)
		return;
	dec = xstrdup(s);
	ads_url_decode(dec, true);
	for (p = strstr(dec, "{result="); p; p = strstr(p + 1, "{result=")) {
		const char *colon = strchr(p + 8, ':');

		if (colon)
			ads_strvec_push_nodup(
			        out, xstrndup(p + 8, (size_t)(colon - p - 8)));
	}
	free(dec);
}

/* Whether r references a request of its set that has not finished:
 * dependent requests run after what they depend on (003:L17320). */
static bool waits(const struct emu_obj *set, const struct emu_obj *r)
{
	json_t *in = json_object_get(r->f, "input");
	struct ads_strvec names = ADS_STRVEC_INIT;
	bool wait = false;

	ref_names(&names, ads_json_str(in, "relative_url"));
	ref_names(&names, ads_json_str(in, "body"));
	for (size_t i = 0; names.nr && i < set->kids.nr && !wait; i++) {
		const struct emu_obj *q = set->kids.v[i];
		const char *name =
		        ads_json_str(json_object_get(q->f, "input"), "name");
		const char *st = ads_json_str(q->f, "status");

		wait = q != r && name && st &&
		       (!strcmp(st, "INITIAL") || !strcmp(st, "IN_PROGRESS")) &&
		       ads_strvec_contains(&names, name);
	}
	ads_strvec_release(&names);
	return wait;
}

/* Under the exclusive lock: starts up to n requests; returns how many. */
static size_t start_jobs(struct emu_ctx *ctx, struct job *jobs, size_t n,
                         int64_t now)
{
	size_t got = 0;

	for (size_t s = 0; s < ctx->store.pending.nr && got < n; s++) {
		struct emu_obj *set = ctx->store.pending.v[s];
		json_t *results = NULL;

		bool blocked = false;

		for (size_t i = set->next_req; i < set->kids.nr && got < n;
		     i++) {
			struct emu_obj *r = set->kids.v[i];
			const char *st = ads_json_str(r->f, "status");
			json_t *in = json_object_get(r->f, "input");
			struct job *j = &jobs[got];

			if (!st || strcmp(st, "INITIAL"))
				continue;
			if (waits(set, r)) {
				blocked = true;
				continue;
			}
			if (!blocked)
				set->next_req = i + 1;
			memset(j, 0, sizeof(*j));
			j->req_id = xstrdup(r->id);
			j->set_id = xstrdup(set->id);
			if (json_object_get(in, "adgroup_spec")) {
				j->method = xstrdup("POST");
				j->path = xasprintf("act_%s/ads",
				                    set->acct->digits);
				j->spec = json_deep_copy(
				        json_object_get(in, "adgroup_spec"));
			} else {
				const char *m = ads_json_str(in, "method");
				const char *u =
				        ads_json_str(in, "relative_url");
				const char *b = ads_json_str(in, "body");

				if (!results)
					results = set_results(set);
				j->method = xstrdup(m ? m : "POST");
				j->path = emu_subst_refs(u, results, &j->bad);
				if (j->path && b)
					j->body = emu_subst_refs(b, results,
					                         &j->bad);
				j->results = json_incref(results);
			}
			json_object_set_new(r->f, "status",
			                    json_string("IN_PROGRESS"));
			r->updated = now;
			got++;
		}
		json_decref(results);
	}
	return got;
}

static void run_job(struct emu_ctx *ctx, struct job *j, json_t **result,
                    bool *ok)
{
	struct emu_req req;
	struct emu_resp resp;

	*ok = false;
	if (j->bad || !j->path) {
		*result = json_pack("[{s:i,s:s}]", "error_code", 100,
		                    "error_message",
		                    "(#100) This request depends on a request "
		                    "that failed");
		return;
	}
	emu_req_init(&req);
	emu_resp_init(&resp);
	req.origin = EMU_FROM_ASYNC;
	req.method = !strcasecmp(j->method, "DELETE") ? "DELETE"
	             : !strcasecmp(j->method, "GET")  ? "GET"
	                                              : "POST";
	{
		const char *q = strchr(j->path, '?');
		char *p = xstrndup(j->path,
		                   q ? (size_t)(q - j->path) : strlen(j->path));

		ads_url_decode(p, false);
		emu_req_set_path(&req, p);
		free(p);
		if (q)
			emu_params_parse_query(&req.params, q + 1,
			                       strlen(q + 1));
	}
	if (j->body)
		emu_parse_body_string(&req.params, j->body);
	if (j->results && !emu_subst_params(&req.params, j->results, &j->bad)) {
		*result = json_pack("[{s:i,s:s}]", "error_code", 100,
		                    "error_message",
		                    "(#100) This request depends on a request "
		                    "that failed");
		emu_req_release(&req);
		emu_resp_release(&resp);
		return;
	}
	if (j->spec) {
		const char *k;
		json_t *v;

		json_object_foreach(j->spec, k, v) {
			if (json_is_string(v)) {
				emu_params_add(&req.params, k,
				               json_string_value(v),
				               json_string_length(v), NULL);
			} else {
				char *t = json_dumps(
				        v, JSON_COMPACT | JSON_ENCODE_ANY);

				emu_params_add(&req.params, k, t, strlen(t),
				               NULL);
				free(t);
			}
		}
	}
	emu_graph_call(ctx, &req, &resp);
	if (resp.status < 400 && resp.body) {
		*ok = true;
		*result = json_incref(resp.body);
	} else {
		json_t *err = json_object_get(resp.body, "error");
		const char *msg = ads_json_str(err, "message");

		/* 003:L16990: errors as [{error_code, error_message}] */
		*result =
		        json_pack("[{s:I,s:s}]", "error_code",
		                  (json_int_t)json_integer_value(
		                          json_object_get(err, "code")),
		                  "error_message", msg ? msg : "unknown error");
	}
	emu_req_release(&req);
	emu_resp_release(&resp);
}

/* Under the exclusive lock: records what the requests of jobs did. */
static void finish_jobs(struct emu_ctx *ctx, struct job *jobs, json_t **results,
                        bool *oks, size_t n, int64_t now)
{
	for (size_t i = 0; i < n; i++) {
		struct emu_obj *r = emu_store_get(&ctx->store, jobs[i].req_id);

		if (!r)
			continue;
		json_object_set_new(r->f, "status",
		                    json_string(oks[i] ? "SUCCESS" : "ERROR"));
		json_object_set(r->f, "result", results[i]);
		r->updated = now;
	}
}

/*
 * Under the exclusive lock: completed sets leave the queue. A set is open
 * while it has a request in flight (among the n just started) or an
 * INITIAL one at or after next_req (before it, none is INITIAL).
 */
static void leave_queue(struct emu_ctx *ctx, const struct job *inflight,
                        size_t n, int64_t now)
{
	for (size_t s = 0; s < ctx->store.pending.nr;) {
		struct emu_obj *set = ctx->store.pending.v[s];
		bool open = false;

		for (size_t i = 0; i < n && !open; i++)
			open = !strcmp(inflight[i].set_id, set->id);
		for (size_t i = set->next_req; i < set->kids.nr && !open; i++) {
			const char *st =
			        ads_json_str(set->kids.v[i]->f, "status");

			open = st && !strcmp(st, "INITIAL");
		}
		if (open) {
			s++;
			continue;
		}
		set->updated = now;
		memmove(&ctx->store.pending.v[s], &ctx->store.pending.v[s + 1],
		        (ctx->store.pending.nr - s - 1) * sizeof(void *));
		ctx->store.pending.nr--;
	}
}

/* The requests one tick started; the next tick runs and finishes them. */
struct emu_async_work {
	struct job *jobs;
	json_t **results;
	bool *oks;
	size_t n, cap;
};

/* One tick, with ctx->tick_mu held. */
static void tick(struct emu_ctx *ctx, struct emu_async_tick *out)
{
	struct emu_async_work *w = ctx->work;
	struct ads_emulator_runtime rt;
	size_t n;

	/* finish last tick's requests */
	if (w->n) {
		for (size_t i = 0; i < w->n; i++)
			run_job(ctx, &w->jobs[i], &w->results[i], &w->oks[i]);
		pthread_rwlock_wrlock(&ctx->store.lock);
		finish_jobs(ctx, w->jobs, w->results, w->oks, w->n,
		            emu_now(ctx));
		pthread_rwlock_unlock(&ctx->store.lock);
		emu_limits_count(&ctx->limits, &ctx->limits.async_processed,
		                 w->n);
		for (size_t i = 0; i < w->n; i++) {
			job_free(&w->jobs[i]);
			json_decref(w->results[i]);
		}
		out->finished += w->n;
		w->n = 0;
	}
	/* the knobs as they are now, not as they were when the worker went
	 * to sleep */
	emu_limits_runtime(&ctx->limits, &rt);
	n = rt.async_per_tick ? rt.async_per_tick : 1;
	if (n > w->cap) {
		w->jobs = xreallocarray(w->jobs, n, sizeof(*w->jobs));
		w->results = xreallocarray(w->results, n, sizeof(*w->results));
		w->oks = xreallocarray(w->oks, n, sizeof(*w->oks));
		w->cap = n;
	}
	pthread_rwlock_wrlock(&ctx->store.lock);
	w->n = start_jobs(ctx, w->jobs, n, emu_now(ctx));
	/* sets with nothing left to run (canceled ones too) leave */
	leave_queue(ctx, w->jobs, w->n, emu_now(ctx));
	out->pending = ctx->store.pending.nr;
	pthread_rwlock_unlock(&ctx->store.lock);
	out->started += w->n;
}

bool emu_async_tick(struct emu_ctx *ctx, bool manual,
                    struct emu_async_tick *out)
{
	struct emu_async_tick ignored;
	bool ran = false;

	if (!out)
		out = &ignored;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&ctx->tick_mu);
	if (!manual) {
		struct ads_emulator_runtime rt;

		/* read under tick_mu: once emu_async_quiesce() returned, a
		 * paused worker starts no tick */
		emu_limits_runtime(&ctx->limits, &rt);
		if (rt.async_paused)
			goto out;
	}
	tick(ctx, out);
	ran = true;
out:
	pthread_mutex_unlock(&ctx->tick_mu);
	return ran;
}

void emu_async_forget(struct emu_ctx *ctx)
{
	struct emu_async_work *w = ctx->work;

	for (size_t i = 0; i < w->n; i++)
		job_free(&w->jobs[i]);
	w->n = 0;
}

void emu_async_quiesce(struct emu_ctx *ctx)
{
	pthread_mutex_lock(&ctx->tick_mu);
	pthread_mutex_unlock(&ctx->tick_mu);
}

static void add_ms(struct timespec *ts, unsigned ms)
{
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

/*
 * Ticks once per async.tick_ms, measured from the previous tick: new sets
 * do not wake it (a queue at Meta keeps its pace however many sets
 * arrive), and a spurious wake-up does not tick early. A change of the
 * runtime settings wakes it (emu_async_retune()) to re-read tick_ms.
 */
static void *worker(void *arg)
{
	struct emu_ctx *ctx = arg;
	struct timespec last;

	clock_gettime(CLOCK_REALTIME, &last);
	for (;;) {
		struct ads_emulator_runtime rt;
		struct timespec due = last;
		bool stop;
		int rc = 0;

		emu_limits_runtime(&ctx->limits, &rt);
		add_ms(&due, rt.async_tick_ms);
		pthread_mutex_lock(&ctx->worker_mu);
		if (!ctx->worker_stop && !ctx->worker_retune)
			rc = pthread_cond_timedwait(&ctx->worker_cv,
			                            &ctx->worker_mu, &due);
		stop = ctx->worker_stop;
		ctx->worker_retune = false;
		pthread_mutex_unlock(&ctx->worker_mu);
		if (stop)
			break;
		if (rc != ETIMEDOUT)
			continue; /* woken: the deadline is recomputed */
		emu_async_tick(ctx, false, NULL);
		clock_gettime(CLOCK_REALTIME, &last);
	}
	return NULL;
}

void emu_async_retune(struct emu_ctx *ctx)
{
	pthread_mutex_lock(&ctx->worker_mu);
	ctx->worker_retune = true;
	pthread_cond_signal(&ctx->worker_cv);
	pthread_mutex_unlock(&ctx->worker_mu);
}

void emu_async_init(struct emu_ctx *ctx)
{
	pthread_mutex_init(&ctx->worker_mu, NULL);
	pthread_cond_init(&ctx->worker_cv, NULL);
	pthread_mutex_init(&ctx->tick_mu, NULL);
	ctx->worker_stop = false;
	ctx->worker_retune = false;
	ctx->worker_running = false;
	ctx->work = xcalloc(1, sizeof(*ctx->work));
}

void emu_async_release(struct emu_ctx *ctx)
{
	struct emu_async_work *w = ctx->work;

	emu_async_stop(ctx);
	/* requests started but never run stay IN_PROGRESS in the state;
	 * loading it makes them INITIAL again (store.c) */
	if (w) {
		emu_async_forget(ctx);
		free(w->jobs);
		free(w->results);
		free(w->oks);
		free(w);
	}
	ctx->work = NULL;
	pthread_mutex_destroy(&ctx->tick_mu);
	pthread_cond_destroy(&ctx->worker_cv);
	pthread_mutex_destroy(&ctx->worker_mu);
}

int emu_async_start(struct emu_ctx *ctx)
{
	ctx->worker_stop = false;
	if (pthread_create(&ctx->worker, NULL, worker, ctx))
		return -1;
	ctx->worker_running = true;
	return 0;
}

void emu_async_stop(struct emu_ctx *ctx)
{
	if (!ctx->worker_running)
		return;
	pthread_mutex_lock(&ctx->worker_mu);
	ctx->worker_stop = true;
	pthread_cond_signal(&ctx->worker_cv);
	pthread_mutex_unlock(&ctx->worker_mu);
	pthread_join(ctx->worker, NULL);
	ctx->worker_running = false;
}
