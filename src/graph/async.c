/* Async request sets: submit, poll with backoff, collect (async.h). */
#include "graph/async.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph/decode.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

static const char set_fields[] =
        "id,name,is_completed,total_count,initial_count,in_progress_count,"
        "success_count,error_count,canceled_count";
static const char request_fields[] = "id,status,result,input,scope_object_id";

void ads_graph_async_poll_init(struct ads_graph_async_poll *p)
{
	p->first_ms = 2000;
	p->max_ms = 30000;
	p->timeout_ms = 3600 * 1000;
}

void ads_graph_async_request_release(struct ads_graph_async_request *r)
{
	free(r->id);
	free(r->status);
	free(r->object_id);
	free(r->scope_object_id);
	json_decref(r->input);
	json_decref(r->result);
	ads_error_release(&r->err);
}

void ads_graph_async_set_release(struct ads_graph_async_set *s)
{
	for (size_t i = 0; i < s->nr; i++)
		ads_graph_async_request_release(&s->v[i]);
	free(s->v);
	free(s->id);
	memset(s, 0, sizeof(*s));
}

static char *id_string(const json_t *v)
{
	int64_t n;

	if (json_is_string(v) && json_string_length(v))
		return xstrdup(json_string_value(v));
	if (ads_json_as_int64(v, &n))
		return xasprintf("%lld", (long long)n);
	return NULL;
}

/* JSON that may arrive encoded as a string: decoded, else as is. */
static json_t *maybe_decoded(const json_t *v)
{
	json_t *d;

	if (!json_is_string(v))
		return json_incref(ads_json_mut(v));
	d = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
	return d ? d : json_incref(ads_json_mut(v));
}

/* error_code/error_message in an object, a list of them, or "error". */
static void result_error(struct ads_error *err, const json_t *result,
                         const char *id)
{
	const json_t *e =
	        json_is_array(result) ? json_array_get(result, 0) : result;
	const json_t *inner = json_object_get(e, "error");
	const char *msg;
	int64_t code = 0;

	if (json_is_object(inner)) {
		ads_graph_error_from_json(err, inner, 0, NULL);
		ads_error_prefix(err, "async request %s", id);
		return;
	}
	msg = ads_json_str(e, "error_message");
	if (!msg)
		msg = ads_json_str(e, "message");
	ads_json_as_int64(json_object_get(e, "error_code"), &code);
	ads_error_set(err, ADS_EAPI, "async request %s: %s", id,
	              msg ? msg : "failed without a message");
	err->api_code = code > INT32_MIN && code < INT32_MAX ? (int)code : 0;
	err->api_user_title =
	        ads_json_str(e, "error_user_title")
	                ? xstrdup(ads_json_str(e, "error_user_title"))
	                : NULL;
	err->api_user_msg = ads_json_str(e, "error_user_msg")
	                            ? xstrdup(ads_json_str(e, "error_user_msg"))
	                            : NULL;
}

/* Whether the upper-cased s contains word (statuses vary in case). */
static bool upper_contains(const char *s, const char *word)
{
	char *u = xstrdup(s);
	bool found;

	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	found = strstr(u, word) != NULL;
	free(u);
	return found;
}

void ads_graph_async_decode_request(struct ads_graph_async_request *out,
                                    const json_t *req)
{
	const char *status = ads_json_str(req, "status");
	const char *id;

	memset(out, 0, sizeof(*out));
	out->id = id_string(json_object_get(req, "id"));
	id = out->id ? out->id : "?";
	out->status = xstrdup(status ? status : "");
	out->scope_object_id =
	        id_string(json_object_get(req, "scope_object_id"));
	out->input = maybe_decoded(json_object_get(req, "input"));
	out->result = maybe_decoded(json_object_get(req, "result"));
	/* Case varies between the docs' pages (api-semantics §6.2). */
	if (ads_str_ieq(out->status, "SUCCESS")) {
		out->object_id = id_string(json_object_get(out->result, "id"));
		out->outcome = ADS_GRAPH_OK;
		if (!out->object_id) {
			out->outcome = ADS_GRAPH_UNKNOWN;
			ads_error_set(&out->err, ADS_EUNKNOWN,
			              "async request %s succeeded without the "
			              "id of what it made",
			              id);
		}
	} else if (ads_str_ieq(out->status, "ERROR") ||
	           upper_contains(out->status, "CANCELED") ||
	           ads_str_ieq(out->status, "ERROR_CONFLICTS")) {
		out->outcome = ADS_GRAPH_FAILED;
		if (ads_str_ieq(out->status, "ERROR"))
			result_error(&out->err, out->result, id);
		else
			ads_error_set(&out->err, ADS_EAPI,
			              "async request %s: %s", id, out->status);
	} else {
		out->outcome = ADS_GRAPH_UNKNOWN;
		ads_error_set(&out->err, ADS_EUNKNOWN,
		              "async request %s still '%s'", id,
		              *out->status ? out->status : "without status");
	}
}

static int create_set(char **set_id, struct ads_graph *g, const char *account,
                      const char *edge, const char *name, const char *key,
                      const json_t *specs, struct ads_error *err)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	char *path;
	json_t *body = NULL;
	char *id;
	int ret;

	if (!json_is_array(specs) || !json_array_size(specs))
		return ads_error_set(err, ADS_EINVALID,
		                     "an async request set needs a non-empty "
		                     "list of requests");
	path = xasprintf(
	        "act_%s/%s",
	        ads_starts_with(account, "act_") ? account + 4 : account, edge);
	ads_graph_params_set(&p, "name", name);
	ads_graph_params_set_json(&p, key, specs);
	if (!strcmp(edge, "asyncadrequestsets"))
		ads_graph_params_set(&p, "notification_mode", "OFF");
	ret = ads_graph_post(&body, g, path, &p, 0, err);
	if (!ret) {
		id = id_string(json_object_get(body, "id"));
		if (id)
			*set_id = id;
		else
			ret = ads_error_set(
			        err, ADS_EUNKNOWN,
			        "POST %s: the answer has no id of the "
			        "new request set",
			        path);
	}
	json_decref(body);
	free(path);
	ads_graph_params_release(&p);
	return ret;
}

int ads_graph_async_ads_create(char **set_id, struct ads_graph *g,
                               const char *account, const char *name,
                               const json_t *ad_specs, struct ads_error *err)
{
	return create_set(set_id, g, account, "asyncadrequestsets", name,
	                  "ad_specs", ad_specs, err);
}

int ads_graph_async_batch_create(char **set_id, struct ads_graph *g,
                                 const char *account, const char *name,
                                 const json_t *adbatch, struct ads_error *err)
{
	if (json_array_size(adbatch) > 1000)
		return ads_error_set(err, ADS_EINVALID,
		                     "an async batch holds at most 1000 "
		                     "requests, not %zu",
		                     json_array_size(adbatch));
	return create_set(set_id, g, account, "async_batch_requests", name,
	                  "adbatch", adbatch, err);
}

/* --- waiting ------------------------------------------------------------ */

struct waiter {
	struct ads_graph *g;
	char *set_id;
	struct ads_graph_async_poll poll;
	struct ads_graph_async_set *out;
	int64_t started, interval;
	json_t *requests;
	ads_graph_done_fn done;
	void *ctx;
};

static void waiter_finish(struct waiter *w, const struct ads_error *err)
{
	if (w->done)
		w->done(w->ctx, err);
	json_decref(w->requests);
	free(w->set_id);
	free(w);
}

static size_t count(const json_t *set, const char *key)
{
	int64_t n;

	return ads_json_as_int64(json_object_get(set, key), &n) && n > 0
	               ? (size_t)n
	               : 0;
}

static bool is_true(const json_t *v)
{
	int64_t n;
	const char *s = json_string_value(v);

	if (json_is_true(v))
		return true;
	if (s)
		return ads_str_ieq(s, "true") || !strcmp(s, "1");
	return ads_json_as_int64(v, &n) && n != 0;
}

static void requests_done(void *ctx, const struct ads_error *err)
{
	struct waiter *w = ctx;
	size_t i, n = json_array_size(w->requests);
	json_t *r;

	if (err) {
		waiter_finish(w, err);
		return;
	}
	w->out->v = xcalloc(n ? n : 1, sizeof(*w->out->v));
	json_array_foreach(w->requests, i, r) {
		struct ads_graph_async_request *q = &w->out->v[w->out->nr++];

		ads_graph_async_decode_request(q, r);
		w->out->succeeded += q->outcome == ADS_GRAPH_OK;
		w->out->failed += q->outcome == ADS_GRAPH_FAILED;
	}
	waiter_finish(w, NULL);
}

static void poll_set(struct waiter *w, int64_t delay);

static void set_polled(void *ctx, struct ads_graph_result *res)
{
	struct waiter *w = ctx;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	char *path;
	size_t done;

	if (res->outcome != ADS_GRAPH_OK) {
		waiter_finish(w, &res->err);
		return;
	}
	w->out->total = count(res->body, "total_count");
	done = count(res->body, "success_count") +
	       count(res->body, "error_count") +
	       count(res->body, "canceled_count");
	ads_report_progress(ads_graph_reporter(w->g), "async ad creation", done,
	                    w->out->total);
	if (!is_true(json_object_get(res->body, "is_completed"))) {
		int64_t elapsed = ads_graph_now(w->g) - w->started;

		if (elapsed >= w->poll.timeout_ms) {
			ads_error_set(
			        &err, ADS_EUNKNOWN,
			        "async request set %s is not complete "
			        "after %lld s (%zu of %zu done); it goes on "
			        "at Meta: wait for it again",
			        w->set_id, (long long)(elapsed / 1000), done,
			        w->out->total);
			waiter_finish(w, &err);
			ads_error_release(&err);
			return;
		}
		w->interval = w->interval * 2 > w->poll.max_ms
		                      ? w->poll.max_ms
		                      : w->interval * 2;
		poll_set(w, w->interval);
		return;
	}
	w->out->completed = true;
	path = xasprintf("%s/requests", w->set_id);
	ads_graph_params_set(&p, "fields", request_fields);
	w->requests = json_array();
	ads_graph_list_submit(w->g, path, &p, w->requests, requests_done, w,
	                      &err);
	ads_error_release(&err);
	ads_graph_params_release(&p);
	free(path);
}

static void poll_set(struct waiter *w, int64_t delay)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_call c = {
		.method = "GET",
		.path = w->set_id,
		.params = &p,
		.flags = ADS_GRAPH_NO_CACHE | ADS_GRAPH_NO_BATCH,
		.delay_ms = delay,
		.fn = set_polled,
		.ctx = w,
	};
	struct ads_error err = ADS_ERROR_INIT;

	ads_graph_params_set(&p, "fields", set_fields);
	if (ads_graph_submit(w->g, &c, &err))
		waiter_finish(w, &err);
	ads_error_release(&err);
	ads_graph_params_release(&p);
}

int ads_graph_async_wait_submit(struct ads_graph *g, const char *set_id,
                                const struct ads_graph_async_poll *poll,
                                struct ads_graph_async_set *out,
                                ads_graph_done_fn done, void *ctx,
                                struct ads_error *err)
{
	struct waiter *w;

	if (!set_id || !*set_id || strchr(set_id, '/') || strchr(set_id, '?'))
		return ads_error_set(err, ADS_EINVALID,
		                     "invalid async request set id '%s'",
		                     set_id ? set_id : "");
	w = xcalloc(1, sizeof(*w));
	w->g = g;
	w->set_id = xstrdup(set_id);
	if (poll)
		w->poll = *poll;
	else
		ads_graph_async_poll_init(&w->poll);
	if (w->poll.first_ms < 1)
		w->poll.first_ms = 1;
	if (w->poll.max_ms < w->poll.first_ms)
		w->poll.max_ms = w->poll.first_ms;
	w->out = out;
	ads_graph_async_set_release(out);
	out->id = xstrdup(set_id);
	w->done = done;
	w->ctx = ctx;
	w->started = ads_graph_now(g);
	w->interval = w->poll.first_ms;
	poll_set(w, w->interval);
	return 0;
}

struct sync_wait {
	struct ads_error err;
	bool done;
};

static void sync_done(void *ctx, const struct ads_error *err)
{
	struct sync_wait *s = ctx;

	s->done = true;
	if (err)
		ads_error_copy(&s->err, err);
}

int ads_graph_async_wait(struct ads_graph_async_set *out, struct ads_graph *g,
                         const char *set_id,
                         const struct ads_graph_async_poll *poll,
                         struct ads_error *err)
{
	struct sync_wait s = { .done = false };
	int ret;

	ret = ads_graph_async_wait_submit(g, set_id, poll, out, sync_done, &s,
	                                  err);
	if (!ret)
		ret = ads_graph_run(g, err);
	if (ads_error_is_set(&s.err)) {
		ret = s.err.code;
		ads_error_release(err);
		ads_error_move(err, &s.err);
	} else if (!ret && !s.done) {
		ret = ads_error_set(err, ADS_ERROR, "wait did not finish");
	}
	return ret;
}
