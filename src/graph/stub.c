/* The function-backed transport with a virtual clock (stub.h). */
#include "graph/stub.h"

#include <stdlib.h>
#include <string.h>

#include "graph/decode.h"
#include "graph/url.h"
#include "util/json.h"
#include "util/xalloc.h"

struct pending {
	char *method;
	char *url;
	struct ads_graph_params headers;
	char *body;
	size_t body_len;
	size_t max_body;
	bool may_write;
	void *tag;
};

struct stub {
	ads_graph_stub_fn fn;
	void *ctx;
	int64_t now;
	int64_t latency;
	struct pending *v;
	size_t nr, alloc;
	struct ads_graph_stub_stats stats;
};

static int stub_start(void *vctx, const struct ads_http_request *req, void *tag,
                      struct ads_error *err)
{
	struct stub *s = vctx;
	struct pending *p;

	(void)err;
	ADS_ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	p = &s->v[s->nr++];
	memset(p, 0, sizeof(*p));
	p->method = xstrdup(req->method);
	p->url = xstrdup(req->url);
	ads_graph_params_copy(&p->headers, req->headers);
	p->body = xmalloc(req->body_len + 1);
	if (req->body_len)
		memcpy(p->body, req->body, req->body_len);
	p->body[req->body_len] = '\0';
	p->body_len = req->body_len;
	p->max_body = req->max_body;
	p->may_write = req->may_write;
	p->tag = tag;
	return 0;
}

static void release_pending(struct pending *p)
{
	free(p->method);
	free(p->url);
	ads_graph_params_release(&p->headers);
	free(p->body);
}

static void stub_wait(void *vctx, int64_t timeout_ms,
                      ads_graph_transport_done_fn done, void *arg)
{
	struct stub *s = vctx;
	struct pending *batch;
	size_t n;

	if (!s->nr) {
		if (timeout_ms > 0)
			s->now += timeout_ms;
		return;
	}
	/* Answer what is in flight now; requests started by the callbacks
	 * belong to the next round. */
	batch = s->v;
	n = s->nr;
	s->v = NULL;
	s->nr = s->alloc = 0;
	s->now += s->latency;
	s->stats.rounds++;
	if (n > s->stats.max_in_flight)
		s->stats.max_in_flight = n;
	for (size_t i = 0; i < n; i++) {
		struct pending *p = &batch[i];
		struct ads_http_request req = {
			.method = p->method,
			.url = p->url,
			.headers = &p->headers,
			.body = p->body,
			.body_len = p->body_len,
			.max_body = p->max_body,
			.may_write = p->may_write,
		};
		struct ads_http_response resp;

		ads_http_response_init(&resp);
		resp.status = 200;
		s->fn(s->ctx, &req, &resp);
		if (!resp.error && p->max_body && resp.body.len > p->max_body) {
			resp.error = ADS_ETOOBIG;
			free(resp.errmsg);
			resp.errmsg =
			        xasprintf("response larger than %zu bytes; "
			                  "refused to keep memory bounded",
			                  p->max_body);
			ads_buf_reset(&resp.body);
		}
		if (resp.error && !resp.errmsg)
			resp.errmsg = xstrdup("simulated transport failure");
		if (resp.error)
			resp.status = resp.status == 200 ? 0 : resp.status;
		resp.elapsed_ms = s->latency;
		s->stats.requests++;
		done(arg, p->tag, &resp);
		ads_http_response_release(&resp);
		release_pending(p);
	}
	free(batch);
}

static int64_t stub_now(void *vctx)
{
	return ((struct stub *)vctx)->now;
}

static void stub_free(void *vctx)
{
	struct stub *s = vctx;

	for (size_t i = 0; i < s->nr; i++)
		release_pending(&s->v[i]);
	free(s->v);
	free(s);
}

static const struct ads_graph_transport_ops stub_ops = {
	.start = stub_start,
	.wait = stub_wait,
	.now_ms = stub_now,
	.free = stub_free,
};

void ads_graph_transport_stub_new(struct ads_graph_transport **out,
                                  ads_graph_stub_fn fn, void *ctx)
{
	struct ads_graph_transport *t = xcalloc(1, sizeof(*t));
	struct stub *s = xcalloc(1, sizeof(*s));

	s->fn = fn;
	s->ctx = ctx;
	/* Not 0: "never" and "the beginning of time" must differ. */
	s->now = 1000000;
	s->latency = 10;
	t->ops = &stub_ops;
	t->ctx = s;
	*out = t;
}

void ads_graph_stub_set_latency(struct ads_graph_transport *t,
                                int64_t latency_ms)
{
	((struct stub *)t->ctx)->latency = latency_ms;
}

void ads_graph_stub_get_stats(const struct ads_graph_transport *t,
                              struct ads_graph_stub_stats *st)
{
	const struct stub *s = t->ctx;

	*st = s->stats;
	st->now_ms = s->now;
}

/* --- the fake Graph ----------------------------------------------------- */

struct fake {
	ads_graph_fake_fn fn;
	ads_graph_fake_request_fn on_request;
	void *ctx;
};

/* "/v25.0/act_1/ads" or "v25.0/act_1/ads" -> "act_1/ads". */
static const char *strip_version(const char *p)
{
	while (*p == '/')
		p++;
	if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9') {
		const char *q = p + 1;

		while ((*q >= '0' && *q <= '9') || *q == '.')
			q++;
		if (*q == '/' || !*q)
			p = *q ? q + 1 : q;
	}
	while (*p == '/')
		p++;
	return p;
}

static void fake_call_release(struct ads_graph_fake_call *c)
{
	ads_graph_params_release(&c->params);
	ads_graph_params_release(&c->headers);
}

static void fake_answer_init(struct ads_graph_fake_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->status = 200;
	ads_buf_init(&a->body);
}

static void fake_answer_release(struct ads_graph_fake_answer *a)
{
	ads_graph_params_release(&a->headers);
	ads_buf_release(&a->body);
}

static const char *credential(const struct ads_graph_params *headers,
                              const struct ads_graph_params *params)
{
	const char *auth = ads_graph_params_iget(headers, "Authorization");

	if (auth && !strncmp(auth, "OAuth ", 6))
		return auth + 6;
	if (auth && !strncmp(auth, "Bearer ", 7))
		return auth + 7;
	return ads_graph_params_get(params, "access_token");
}

static bool named_value(void *ctx, struct ads_buf *out, const char *name,
                        const char *path, const char *ref, size_t reflen)
{
	json_t *body = json_object_get(ctx, name);

	(void)ref;
	(void)reflen;
	return body && ads_graph_jsonpath(out, body, path) > 0;
}

/* Replaces {result=NAME:PATH} in s using the named answers. */
static char *resolve_refs(const char *s, json_t *named, bool *failed)
{
	bool ok = true;
	char *r = ads_graph_refs_rewrite(s, named_value, named, &ok);

	if (!ok)
		*failed = true;
	return r;
}

static json_t *answer_item(struct ads_graph_fake_answer *a)
{
	json_t *headers = json_array();

	for (size_t i = 0; i < a->headers.nr; i++)
		json_array_append_new(headers,
		                      json_pack("{s:s,s:s}", "name",
		                                a->headers.v[i].key, "value",
		                                a->headers.v[i].value));
	return json_pack("{s:I,s:o,s:s#}", "code", (json_int_t)a->status,
	                 "headers", headers, "body", a->body.buf,
	                 (int)a->body.len);
}

static void fake_batch(struct fake *f, const char *batch, const char *token,
                       const char *proof, struct ads_http_response *resp)
{
	json_t *items = json_loads(batch, 0, NULL), *item, *out, *named;
	bool drop = false;
	size_t i;

	if (!json_is_array(items)) {
		resp->status = 400;
		ads_buf_addstr(&resp->body,
		               "{\"error\":{\"message\":\"batch is not a JSON "
		               "array\",\"type\":\"GraphBatchException\"}}");
		json_decref(items);
		return;
	}
	out = json_array();
	named = json_object();
	json_array_foreach(items, i, item) {
		struct ads_graph_fake_call c;
		struct ads_graph_fake_answer a;
		const char *rel = ads_json_str(item, "relative_url");
		const char *body = ads_json_str(item, "body");
		const char *name = ads_json_str(item, "name");
		json_t *hs = json_object_get(item, "headers"), *h;
		char *relc, *q, *resolved;
		bool failed = false;
		size_t j;

		memset(&c, 0, sizeof(c));
		fake_answer_init(&a);
		c.method = ads_json_str(item, "method");
		if (!c.method)
			c.method = "GET";
		resolved = resolve_refs(rel ? rel : "", named, &failed);
		relc = resolved;
		q = strchr(relc, '?');
		if (q)
			*q++ = '\0';
		c.path = strip_version(relc);
		if (q)
			ads_graph_params_parse_query(&c.params, q);
		if (body) {
			char *rb = resolve_refs(body, named, &failed);

			ads_graph_params_parse_query(&c.params, rb);
			free(rb);
		}
		json_array_foreach(hs, j, h)
			if (json_is_string(h))
				ads_graph_params_add_header_line(
				        &c.headers, json_string_value(h),
				        json_string_length(h));
		c.token = ads_graph_params_get(&c.params, "access_token");
		if (!c.token)
			c.token = token;
		c.proof = proof;
		c.in_batch = true;
		c.index = i;
		c.batch_size = json_array_size(items);
		if (failed) {
			a.status = 400;
			ads_buf_addstr(
			        &a.body,
			        "{\"error\":{\"message\":\"a request this "
			        "one depends on failed\",\"code\":100,"
			        "\"type\":\"OAuthException\"}}");
		} else {
			f->fn(f->ctx, &c, &a);
		}
		drop |= a.drop;
		if (a.null_item) {
			json_array_append_new(out, json_null());
		} else {
			json_array_append_new(out, answer_item(&a));
			if (name && a.status == 200)
				json_object_set_new(
				        named, name,
				        json_loadb(a.body.buf, a.body.len,
				                   JSON_DECODE_ANY, NULL));
		}
		fake_answer_release(&a);
		fake_call_release(&c);
		free(resolved);
	}
	if (drop) {
		resp->error = ADS_EHTTP;
		resp->errmsg = xstrdup("connection dropped (simulated)");
	} else {
		char *text = json_dumps(out, JSON_COMPACT);

		ads_buf_addstr(&resp->body, text);
		free(text);
	}
	json_decref(named);
	json_decref(out);
	json_decref(items);
}

static void fake_handle(void *ctx, const struct ads_http_request *req,
                        struct ads_http_response *resp)
{
	struct fake *f = ctx;
	struct ads_graph_url u = ADS_GRAPH_URL_INIT;
	struct ads_graph_fake_call c;
	struct ads_graph_fake_answer a;
	const char *batch;

	if (f->on_request && f->on_request(f->ctx, req, resp))
		return;
	memset(&c, 0, sizeof(c));
	if (ads_graph_url_parse(&u, req->url, NULL)) {
		resp->status = 400;
		return;
	}
	c.method = req->method;
	c.path = strip_version(u.path);
	if (u.query)
		ads_graph_params_parse_query(&c.params, u.query);
	if (req->body && !strcmp(req->method, "POST"))
		ads_graph_params_parse_query(&c.params, req->body);
	ads_graph_params_copy(&c.headers, req->headers);
	c.token = credential(&c.headers, &c.params);
	c.proof = ads_graph_params_get(&c.params, "appsecret_proof");
	batch = ads_graph_params_get(&c.params, "batch");
	if (!strcmp(req->method, "POST") && !*c.path && batch) {
		fake_batch(f, batch, c.token, c.proof, resp);
		goto out;
	}
	fake_answer_init(&a);
	f->fn(f->ctx, &c, &a);
	if (a.drop) {
		resp->error = ADS_EHTTP;
		resp->errmsg = xstrdup("connection dropped (simulated)");
	} else {
		resp->status = a.status;
		ads_buf_add(&resp->body, a.body.buf, a.body.len);
		ads_graph_params_copy(&resp->headers, &a.headers);
	}
	fake_answer_release(&a);
out:
	fake_call_release(&c);
	ads_graph_url_release(&u);
}

/* The fake's state lives as long as the transport: freed with it. */
struct fake_stub {
	struct stub base; /* first: the stub ops see a struct stub */
	struct fake fake;
};

void ads_graph_transport_fake_new(struct ads_graph_transport **out,
                                  ads_graph_fake_fn fn,
                                  ads_graph_fake_request_fn on_request,
                                  void *ctx)
{
	struct ads_graph_transport *t;
	struct fake_stub *fs = xcalloc(1, sizeof(*fs));

	fs->fake.fn = fn;
	fs->fake.on_request = on_request;
	fs->fake.ctx = ctx;
	fs->base.fn = fake_handle;
	fs->base.ctx = &fs->fake;
	fs->base.now = 1000000;
	fs->base.latency = 10;
	t = xcalloc(1, sizeof(*t));
	t->ops = &stub_ops;
	t->ctx = &fs->base;
	*out = t;
}
