/*
 * The Graph client's engine (client.h): a queue of calls, a dispatcher
 * that turns them into HTTP requests (direct, or packed into Graph
 * batches) within the in-flight limit and the governor's pace, and the
 * decoding, classification, retry and delivery of every answer.
 */
#include "graph/client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/etag.h"
#include "graph/secret.h"
#include "graph/url.h"
#include "util/interrupt.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Longest single wait, so that interrupts are noticed quickly. */
#define WAIT_SLICE_MS 500

struct group;

/* One queued call. */
struct unit {
	struct group *group; /* set for calls of ads_graph_submit_batch() */
	char *method;
	char *path;
	char *name;
	char *account; /* digits, or NULL */
	const char *buc; /* static string */
	struct ads_graph_params params;
	unsigned flags;
	char *key; /* ETag cache key (GETs), or NULL */
	bool has_refs; /* params hold {result=...} references */
	bool skip_cache; /* retry after a 304 we could not serve */
	unsigned attempts, throttles;
	int64_t not_before;
	size_t depth; /* round trips this call waited for before submission */
	ads_graph_result_fn fn;
	void *ctx;
};

struct group {
	struct unit **units;
	size_t n;
};

/* One HTTP request in flight. */
struct transfer {
	struct ads_graph *g;
	struct unit **units;
	size_t n;
	struct group *group; /* freed with the transfer */
	bool batch;
	size_t depth;
	char *desc; /* "GET /v25.0/act_1/ads?..." (redacted) for -v */
	struct ads_buf url, body;
	struct ads_graph_params headers;
	/* Distinct (account, buc) pairs, for the governor. */
	char **accounts;
	const char **bucs;
	size_t npairs;
};

/* A queued entry: a single call or a batch-only group. */
struct entry {
	struct unit *unit;
	struct group *group;
};

struct ads_graph {
	struct ads_graph_config cfg; /* strings point at the copies below */
	char *api_url, *version, *token, *app_secret, *account;
	char proof[ADS_SHA256_HEX_LEN + 1];
	struct ads_graph_url base;
	struct ads_graph_secrets secrets;
	struct ads_reporter reporter; /* redacts, then forwards */
	const struct ads_reporter *user_reporter;
	struct ads_graph_transport *transport;
	struct ads_graph_governor *gov;
	struct ads_graph_etag_cache *cache;
	struct entry *queue;
	size_t nqueue, alloc_queue;
	size_t inflight;
	bool running;
	bool aborted;
	bool interrupted;
	struct ads_error abort_err;
	size_t cur_depth;
	int64_t retry_notice_at; /* when the next INFO retry line may show */
	unsigned read_batch_max;
	uint64_t rng;
	struct ads_graph_stats stats;
};

/* --- configuration ---------------------------------------------------- */

void ads_graph_config_init(struct ads_graph_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_in_flight = 4;
	cfg->connect_timeout_ms = 15000;
	cfg->timeout_ms = 300000;
	cfg->max_retries = 5;
	cfg->max_throttle_waits = 10;
	cfg->backoff_base_ms = 1000;
	cfg->backoff_max_ms = 60000;
	cfg->max_body = 64u << 20;
	cfg->page_size = 200;
	cfg->read_batch_max = ADS_GRAPH_BATCH_MAX;
	cfg->etag_cache_max = 32u << 20;
	ads_graph_governor_config_init(&cfg->governor);
}

static void redacting_message(void *ctx, enum ads_report_kind kind,
                              const char *msg)
{
	struct ads_graph *g = ctx;
	char *clean = ads_graph_redact_dup(msg, &g->secrets);

	ads_report(g->user_reporter, kind, "%s", clean);
	free(clean);
}

static void forward_progress(void *ctx, const char *what, size_t done,
                             size_t total)
{
	struct ads_graph *g = ctx;

	ads_report_progress(g->user_reporter, what, done, total);
}

static void report(struct ads_graph *g, enum ads_report_kind kind,
                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(struct ads_graph *g, enum ads_report_kind kind,
                   const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!g->user_reporter || !g->user_reporter->message)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	redacting_message(g, kind, msg);
	free(msg);
}

static bool valid_version(const char *v)
{
	const char *p = v;

	if (!v || *p++ != 'v' || !(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '.' || !(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !*p;
}

static char *strip_act(const char *account)
{
	if (!account || !*account)
		return NULL;
	if (ads_starts_with(account, "act_"))
		account += 4;
	return *account ? xstrdup(account) : NULL;
}

char *ads_graph_account_of_path(const char *path)
{
	size_t n;

	if (!path)
		return NULL;
	while (*path == '/')
		path++;
	if (!ads_starts_with(path, "act_"))
		return NULL;
	path += 4;
	n = strspn(path, "0123456789");
	return n ? xstrndup(path, n) : NULL;
}

int ads_graph_new(struct ads_graph **out, const struct ads_graph_config *cfg,
                  struct ads_error *err)
{
	struct ads_graph *g;
	const char *url = cfg->api_url ? cfg->api_url : ADS_GRAPH_DEFAULT_URL;
	struct ads_graph_transport *t = cfg->transport;
	int ret;

	ret = ads_graph_check_base_url(url, err);
	if (ret)
		return ret;
	if (!valid_version(cfg->api_version))
		return ads_error_set(err, ADS_EINVALID,
		                     "invalid API version '%s' (expected the "
		                     "form v25.0)",
		                     cfg->api_version ? cfg->api_version : "");
	if (!cfg->access_token || !*cfg->access_token)
		return ads_error_set(err, ADS_EAUTH,
		                     "no access token (set ADSCTL_ACCESS_TOKEN "
		                     "or use --token-file)");
	if (!t) {
		ret = ads_graph_transport_curl_new(
		        &t, cfg->max_in_flight ? cfg->max_in_flight : 4, err);
		if (ret)
			return ret;
	}
	g = xcalloc(1, sizeof(*g));
	g->cfg = *cfg;
	g->api_url = xstrdup(url);
	while (ads_ends_with(g->api_url, "/"))
		g->api_url[strlen(g->api_url) - 1] = '\0';
	g->version = xstrdup(cfg->api_version);
	g->token = xstrdup(cfg->access_token);
	g->account = strip_act(cfg->account);
	g->secrets.v[g->secrets.nr++] = g->token;
	if (cfg->app_secret && *cfg->app_secret) {
		g->app_secret = xstrdup(cfg->app_secret);
		ads_graph_appsecret_proof(g->app_secret, g->token, g->proof);
		g->secrets.v[g->secrets.nr++] = g->proof;
		g->secrets.v[g->secrets.nr++] = g->app_secret;
	}
	g->cfg.api_url = g->api_url;
	g->cfg.api_version = g->version;
	g->cfg.access_token = g->token;
	g->cfg.app_secret = g->app_secret;
	g->cfg.account = g->account;
	g->cfg.transport = NULL;
	if (!g->cfg.max_in_flight)
		g->cfg.max_in_flight = 4;
	if (!g->cfg.page_size)
		g->cfg.page_size = 200;
	if (!g->cfg.read_batch_max ||
	    g->cfg.read_batch_max > ADS_GRAPH_BATCH_MAX)
		g->cfg.read_batch_max = ADS_GRAPH_BATCH_MAX;
	if (!g->cfg.max_body)
		g->cfg.max_body = 64u << 20;
	if (!g->cfg.backoff_base_ms)
		g->cfg.backoff_base_ms = 1000;
	if (g->cfg.backoff_max_ms < g->cfg.backoff_base_ms)
		g->cfg.backoff_max_ms = g->cfg.backoff_base_ms;
	g->read_batch_max = g->cfg.read_batch_max;
	ads_graph_url_parse(&g->base, g->api_url, NULL);
	g->user_reporter = cfg->reporter;
	g->reporter.message = redacting_message;
	g->reporter.progress = forward_progress;
	g->reporter.ctx = g;
	g->cfg.reporter = &g->reporter;
	g->transport = t;
	g->gov = ads_graph_governor_new(&cfg->governor, &g->reporter);
	if (cfg->etag_cache_max)
		g->cache = ads_graph_etag_cache_new(cfg->etag_cache_max);
	g->rng = cfg->seed ? cfg->seed
	                   : (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)g;
	*out = g;
	return 0;
}

static void free_unit(struct unit *u)
{
	if (!u)
		return;
	free(u->method);
	free(u->path);
	free(u->name);
	free(u->account);
	free(u->key);
	ads_graph_params_release(&u->params);
	free(u);
}

static void free_group(struct group *grp)
{
	if (!grp)
		return;
	free(grp->units);
	free(grp);
}

void ads_graph_free(struct ads_graph *g)
{
	if (!g)
		return;
	/* Transfers in flight are aborted with the transport; their units
	 * are freed here without callbacks. */
	ads_graph_transport_free(g->transport);
	for (size_t i = 0; i < g->nqueue; i++) {
		struct entry *e = &g->queue[i];

		if (e->group) {
			for (size_t j = 0; j < e->group->n; j++)
				free_unit(e->group->units[j]);
			free_group(e->group);
		}
		free_unit(e->unit);
	}
	free(g->queue);
	ads_graph_governor_free(g->gov);
	ads_graph_etag_cache_free(g->cache);
	ads_graph_url_release(&g->base);
	ads_error_release(&g->abort_err);
	if (g->token)
		memset(g->token, 0, strlen(g->token));
	if (g->app_secret)
		memset(g->app_secret, 0, strlen(g->app_secret));
	memset(g->proof, 0, sizeof(g->proof));
	free(g->api_url);
	free(g->version);
	free(g->token);
	free(g->app_secret);
	free(g->account);
	free(g);
}

const struct ads_graph_config *ads_graph_config_of(const struct ads_graph *g)
{
	return &g->cfg;
}

const struct ads_reporter *ads_graph_reporter(const struct ads_graph *g)
{
	return &g->reporter;
}

int64_t ads_graph_now(const struct ads_graph *g)
{
	return g->transport->ops->now_ms(g->transport->ctx);
}

char *ads_graph_redact_text(const struct ads_graph *g, const char *text)
{
	return ads_graph_redact_dup(text, &g->secrets);
}

int ads_graph_split_link(char **path, struct ads_graph_params *params,
                         const struct ads_graph *g, const char *url,
                         struct ads_error *err)
{
	struct ads_graph_url u = ADS_GRAPH_URL_INIT;
	const char *p, *prefix = g->base.path;
	size_t plen = strlen(prefix);
	int ret;

	ret = ads_graph_url_parse(&u, url, err);
	if (ret) {
		ads_error_prefix(err, "unusable paging link");
		return ret;
	}
	if (!ads_graph_url_same_origin(&u, &g->base)) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "paging link points to another server "
		                    "('%s'); not following it with the access "
		                    "token",
		                    u.host);
		goto out;
	}
	p = u.path;
	while (plen && prefix[plen - 1] == '/')
		plen--;
	if (plen && !strncmp(p, prefix, plen) && (!p[plen] || p[plen] == '/'))
		p += plen;
	while (*p == '/')
		p++;
	/* Drop the version segment, whichever it is: ours is added back. */
	if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9') {
		const char *slash = strchr(p, '/');
		char *seg =
		        xstrndup(p, slash ? (size_t)(slash - p) : strlen(p));

		if (valid_version(seg))
			p = slash ? slash + 1 : p + strlen(p);
		free(seg);
	}
	if (u.query) {
		ads_graph_params_parse_query(params, u.query);
		ads_graph_params_remove(params, "access_token");
		ads_graph_params_remove(params, "appsecret_proof");
	}
	*path = xstrdup(p);
out:
	ads_graph_url_release(&u);
	return ret;
}

static double next_random(struct ads_graph *g)
{
	/* splitmix64: cheap, seedable, good enough for jitter. */
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) / (double)(1ull << 53);
}

int64_t ads_graph_backoff_ms(struct ads_graph *g, unsigned attempt)
{
	double d = (double)g->cfg.backoff_base_ms;

	for (unsigned i = 1; i < attempt && d < (double)g->cfg.backoff_max_ms;
	     i++)
		d *= 2;
	if (d > (double)g->cfg.backoff_max_ms)
		d = (double)g->cfg.backoff_max_ms;
	/* "Equal jitter": half fixed, half random. */
	return (int64_t)(d / 2 + d / 2 * next_random(g));
}

int64_t ads_graph_retry_delay(struct ads_graph *g, unsigned attempt,
                              const char *why)
{
	int64_t delay = ads_graph_backoff_ms(g, attempt);
	int64_t now = ads_graph_now(g);
	enum ads_report_kind kind = ADS_REPORT_DEBUG;
	char dur[32];

	g->stats.retries++;
	if (attempt >= 2 && now >= g->retry_notice_at) {
		kind = ADS_REPORT_INFO;
		g->retry_notice_at = now + ADS_GRAPH_RETRY_NOTICE_MS;
	}
	ads_graph_format_duration(dur, sizeof(dur), delay);
	report(g, kind, "retrying in %s (attempt %u of %u): %s", dur,
	       attempt + 1, g->cfg.max_retries + 1, why);
	return delay;
}

void ads_graph_get_stats(const struct ads_graph *g, struct ads_graph_stats *st)
{
	*st = g->stats;
}

/* --- submission --------------------------------------------------------- */

static struct unit *make_unit(struct ads_graph *g,
                              const struct ads_graph_call *c)
{
	struct unit *u = xcalloc(1, sizeof(*u));
	const char *path = c->path ? c->path : "";

	while (*path == '/')
		path++;
	u->method = xstrdup(c->method ? c->method : "GET");
	u->path = xstrdup(path);
	u->name = c->name ? xstrdup(c->name) : NULL;
	u->account = c->account ? strip_act(c->account)
	                        : ads_graph_account_of_path(path);
	if (!u->account && g->account)
		u->account = xstrdup(g->account);
	u->buc = ads_graph_buc_type_for_path(path);
	ads_graph_params_copy(&u->params, c->params);
	u->flags = c->flags;
	if (!strcmp(u->method, "GET") || !strcmp(u->method, "DELETE"))
		u->flags |= ADS_GRAPH_IDEMPOTENT;
	u->has_refs = strstr(u->path, "{result=") != NULL;
	for (size_t i = 0; i < u->params.nr; i++)
		if (strstr(u->params.v[i].value, "{result="))
			u->has_refs = true;
	if (!strcmp(u->method, "GET") && !(u->flags & ADS_GRAPH_NO_CACHE) &&
	    g->cache && !u->has_refs) {
		struct ads_buf k = ADS_BUF_INIT;

		ads_buf_addstr(&k, u->path);
		if (u->params.nr) {
			ads_buf_addch(&k, '?');
			ads_graph_params_encode(&k, &u->params, false);
		}
		u->key = ads_buf_detach(&k, NULL);
	}
	u->throttles = c->throttles;
	if (c->delay_ms > 0)
		u->not_before = ads_graph_now(g) + c->delay_ms;
	u->depth = g->cur_depth;
	u->fn = c->fn;
	u->ctx = c->ctx;
	return u;
}

static void enqueue(struct ads_graph *g, struct unit *u, struct group *grp)
{
	ADS_ALLOC_GROW(g->queue, g->nqueue + 1, g->alloc_queue);
	g->queue[g->nqueue].unit = u;
	g->queue[g->nqueue].group = grp;
	g->nqueue++;
}

static int refuse_if_aborted(struct ads_graph *g, struct ads_error *err)
{
	if (g->interrupted)
		return ads_error_set(err, ADS_EINTR, "interrupted");
	if (!g->aborted)
		return 0;
	ads_error_copy(err, &g->abort_err);
	return ADS_EAUTH;
}

int ads_graph_submit(struct ads_graph *g, const struct ads_graph_call *call,
                     struct ads_error *err)
{
	int ret = refuse_if_aborted(g, err);

	if (ret)
		return ret;
	enqueue(g, make_unit(g, call), NULL);
	return 0;
}

int ads_graph_submit_batch(struct ads_graph *g,
                           const struct ads_graph_call *calls, size_t n,
                           struct ads_error *err)
{
	struct group *grp;
	int ret = refuse_if_aborted(g, err);

	if (ret)
		return ret;
	if (!n || n > ADS_GRAPH_BATCH_MAX)
		return ads_error_set(err, ADS_EINVALID,
		                     "a batch holds 1 to %d calls, not %zu",
		                     ADS_GRAPH_BATCH_MAX, n);
	grp = xcalloc(1, sizeof(*grp));
	grp->units = xcalloc(n, sizeof(*grp->units));
	grp->n = n;
	for (size_t i = 0; i < n; i++) {
		grp->units[i] = make_unit(g, &calls[i]);
		grp->units[i]->group = grp;
		/* Answered as they come, never from the cache: a 304 could
		 * not be asked again within its batch. */
		free(grp->units[i]->key);
		grp->units[i]->key = NULL;
	}
	enqueue(g, NULL, grp);
	return 0;
}

/* --- delivery ----------------------------------------------------------- */

static void result_init(struct ads_graph_result *res)
{
	memset(res, 0, sizeof(*res));
}

/* Hands res to the unit's callback, then frees both. */
static void deliver(struct ads_graph *g, struct unit *u,
                    struct ads_graph_result *res, size_t depth)
{
	size_t saved = g->cur_depth;

	if (res->outcome != ADS_GRAPH_OK)
		ads_graph_redact_error(&res->err, &g->secrets);
	g->stats.calls++;
	g->cur_depth = depth;
	if (u->fn)
		u->fn(u->ctx, res);
	g->cur_depth = saved;
	json_decref(res->body);
	ads_error_release(&res->err);
	free_unit(u);
}

static void skip_unit(struct ads_graph *g, struct unit *u,
                      const struct ads_error *why)
{
	struct ads_graph_result res;

	result_init(&res);
	res.outcome = ADS_GRAPH_SKIPPED;
	ads_error_copy(&res.err, why);
	ads_error_prefix(&res.err, "%s %s: not sent", u->method,
	                 *u->path ? u->path : "/");
	deliver(g, u, &res, g->cur_depth);
}

/* Delivers SKIPPED to everything queued (abort or interrupt). */
static void drop_queue(struct ads_graph *g, const struct ads_error *why)
{
	struct entry *q = g->queue;
	size_t n = g->nqueue;

	g->queue = NULL;
	g->nqueue = g->alloc_queue = 0;
	for (size_t i = 0; i < n; i++) {
		if (q[i].group) {
			for (size_t j = 0; j < q[i].group->n; j++)
				skip_unit(g, q[i].group->units[j], why);
			free_group(q[i].group);
		}
		if (q[i].unit)
			skip_unit(g, q[i].unit, why);
	}
	free(q);
}

/* --- building requests -------------------------------------------------- */

static void add_auth_header(struct ads_graph *g, struct ads_graph_params *h)
{
	struct ads_buf b = ADS_BUF_INIT;

	ads_buf_addf(&b, "OAuth %s", g->token);
	ads_graph_params_add(h, "Authorization", b.buf);
	memset(b.buf, 0, b.len);
	ads_buf_release(&b);
}

static void base_path(struct ads_graph *g, struct ads_buf *url)
{
	ads_buf_addf(url, "%s/%s/", g->api_url, g->version);
}

/* "act_1/ads?fields=..." for logs and batch items. */
static void relative_url(struct ads_buf *out, const struct unit *u)
{
	ads_buf_addstr(out, u->path);
	if (u->params.nr && strcmp(u->method, "POST")) {
		ads_buf_addch(out, '?');
		ads_graph_params_encode(out, &u->params, u->has_refs);
	}
}

static const char *cached_etag(struct ads_graph *g, const struct unit *u)
{
	if (!u->key || u->skip_cache)
		return NULL;
	return ads_graph_etag_lookup(g->cache, u->key);
}

static void build_direct(struct ads_graph *g, struct transfer *t)
{
	struct unit *u = t->units[0];
	const char *etag = cached_etag(g, u);
	struct ads_buf desc = ADS_BUF_INIT;

	base_path(g, &t->url);
	ads_buf_addstr(&t->url, u->path);
	add_auth_header(g, &t->headers);
	if (!strcmp(u->method, "POST")) {
		ads_graph_params_encode(&t->body, &u->params, false);
		if (*g->proof)
			ads_buf_addf(&t->body, "%sappsecret_proof=%s",
			             t->body.len ? "&" : "", g->proof);
	} else {
		if (u->params.nr || *g->proof)
			ads_buf_addch(&t->url, '?');
		ads_graph_params_encode(&t->url, &u->params, false);
		if (*g->proof)
			ads_buf_addf(&t->url, "%sappsecret_proof=%s",
			             u->params.nr ? "&" : "", g->proof);
	}
	if (etag)
		ads_graph_params_add(&t->headers, "If-None-Match", etag);
	ads_buf_addf(&desc, "%s %s", u->method,
	             t->url.buf + strlen(g->api_url));
	t->desc = ads_graph_redact_dup(desc.buf, &g->secrets);
	ads_buf_release(&desc);
}

static json_t *batch_item(struct ads_graph *g, const struct unit *u)
{
	json_t *item = json_object();
	struct ads_buf b = ADS_BUF_INIT;
	const char *etag = cached_etag(g, u);

	json_object_set_new(item, "method", json_string(u->method));
	relative_url(&b, u);
	json_object_set_new(item, "relative_url", json_string(b.buf));
	ads_buf_reset(&b);
	if (!strcmp(u->method, "POST")) {
		ads_graph_params_encode(&b, &u->params, u->has_refs);
		json_object_set_new(item, "body", json_string(b.buf));
		/* Keep the ids of creates that later items reference. */
		json_object_set_new(item, "omit_response_on_success",
		                    json_false());
	}
	if (u->name)
		json_object_set_new(item, "name", json_string(u->name));
	if (etag) {
		ads_buf_reset(&b);
		ads_buf_addf(&b, "If-None-Match: %s", etag);
		json_object_set_new(item, "headers", json_pack("[s]", b.buf));
	}
	ads_buf_release(&b);
	return item;
}

static void build_batch(struct ads_graph *g, struct transfer *t)
{
	json_t *items = json_array();
	char *encoded;
	size_t gets = 0;

	base_path(g, &t->url);
	add_auth_header(g, &t->headers);
	for (size_t i = 0; i < t->n; i++) {
		json_array_append_new(items, batch_item(g, t->units[i]));
		gets += !strcmp(t->units[i]->method, "GET");
	}
	encoded = json_dumps(items, JSON_COMPACT);
	json_decref(items);
	/* The token is required at the top level of a batch even when the
	 * items carry their own (003:L13591). */
	ads_buf_addstr(&t->body, "access_token=");
	ads_url_encode(&t->body, g->token, strlen(g->token));
	if (*g->proof)
		ads_buf_addf(&t->body, "&appsecret_proof=%s", g->proof);
	ads_buf_addstr(&t->body, "&include_headers=true&batch=");
	ads_url_encode(&t->body, encoded, strlen(encoded));
	free(encoded);
	t->desc = xasprintf("POST /%s/ (batch of %zu: %zu reads, %zu writes)",
	                    g->version, t->n, gets, t->n - gets);
}

/* --- dispatch ----------------------------------------------------------- */

static bool pair_seen(const struct transfer *t, const char *account,
                      const char *buc)
{
	for (size_t i = 0; i < t->npairs; i++)
		if (!strcmp(t->bucs[i], buc) &&
		    ((!t->accounts[i] && !account) ||
		     (t->accounts[i] && account &&
		      !strcmp(t->accounts[i], account))))
			return true;
	return false;
}

static void transport_done(void *arg, void *tag,
                           struct ads_http_response *resp);

static void start_transfer(struct ads_graph *g, struct unit **units, size_t n,
                           struct group *grp)
{
	struct transfer *t = xcalloc(1, sizeof(*t));
	struct ads_http_request req;
	struct ads_error err = ADS_ERROR_INIT;
	int64_t now = ads_graph_now(g);

	t->g = g;
	t->units = units;
	t->n = n;
	t->group = grp;
	t->batch = grp || n > 1 || units[0]->has_refs;
	ads_buf_init(&t->url);
	ads_buf_init(&t->body);
	for (size_t i = 0; i < n; i++) {
		if (units[i]->depth > t->depth)
			t->depth = units[i]->depth;
		if (!pair_seen(t, units[i]->account, units[i]->buc)) {
			t->accounts = xreallocarray(t->accounts, t->npairs + 1,
			                            sizeof(*t->accounts));
			t->bucs = xreallocarray(t->bucs, t->npairs + 1,
			                        sizeof(*t->bucs));
			t->accounts[t->npairs] =
			        units[i]->account ? xstrdup(units[i]->account)
			                          : NULL;
			t->bucs[t->npairs] = units[i]->buc;
			t->npairs++;
		}
	}
	t->depth++;
	if (t->batch)
		build_batch(g, t);
	else
		build_direct(g, t);
	for (size_t i = 0; i < t->npairs; i++)
		ads_graph_governor_sent(g->gov, t->accounts[i], t->bucs[i],
		                        now);
	g->inflight++;
	g->stats.http_requests++;
	g->stats.batch_requests += t->batch;
	if (t->depth > g->stats.round_trips)
		g->stats.round_trips = t->depth;

	memset(&req, 0, sizeof(req));
	req.method = t->batch ? "POST" : units[0]->method;
	req.url = t->url.buf;
	req.headers = &t->headers;
	req.body = t->body.len ? t->body.buf : NULL;
	req.body_len = t->body.len;
	req.timeout_ms = g->cfg.timeout_ms;
	req.connect_timeout_ms = g->cfg.connect_timeout_ms;
	req.max_body = g->cfg.max_body;
	/* Idempotent writes too: a delete resent by libcurl after it took
	 * effect would be reported as failed ("does not exist"), and the
	 * client's own retries are visible (-v, stats) where libcurl's are
	 * not. */
	for (size_t i = 0; i < n; i++)
		req.may_write |= strcmp(units[i]->method, "GET") != 0;
	if (!strcmp(req.method, "POST") && !req.body)
		req.body = "";
	if (g->transport->ops->start(g->transport->ctx, &req, t, &err)) {
		/* Could not even start: answer as a transport failure that
		 * never reached the server. */
		struct ads_http_response resp;

		ads_http_response_init(&resp);
		resp.error = ADS_EHTTP;
		resp.not_sent = true;
		resp.errmsg = xstrdup(err.msg ? err.msg : "cannot send");
		transport_done(g, t, &resp);
		ads_http_response_release(&resp);
	}
	ads_error_release(&err);
}

static bool unit_ready(struct ads_graph *g, const struct unit *u, int64_t now,
                       int64_t *wake)
{
	int64_t at = u->not_before, d;

	if (at <= now) {
		d = ads_graph_governor_delay(g->gov, u->account, u->buc, now);
		at = now + d;
	}
	if (at > now) {
		if (at < *wake)
			*wake = at;
		return false;
	}
	return true;
}

static bool entry_ready(struct ads_graph *g, const struct entry *e, int64_t now,
                        int64_t *wake)
{
	if (e->unit)
		return unit_ready(g, e->unit, now, wake);
	for (size_t i = 0; i < e->group->n; i++)
		if (!unit_ready(g, e->group->units[i], now, wake))
			return false;
	return true;
}

static bool packable(const struct entry *e)
{
	return e->unit && !strcmp(e->unit->method, "GET") &&
	       !(e->unit->flags & ADS_GRAPH_NO_BATCH) && !e->unit->has_refs;
}

static void compact_queue(struct ads_graph *g)
{
	size_t j = 0;

	for (size_t i = 0; i < g->nqueue; i++)
		if (g->queue[i].unit || g->queue[i].group)
			g->queue[j++] = g->queue[i];
	g->nqueue = j;
}

/*
 * Starts what may start; returns the time the next queued call becomes
 * ready (INT64_MAX when none is waiting).
 */
static int64_t dispatch(struct ads_graph *g)
{
	int64_t now = ads_graph_now(g), wake;

	if (!g->interrupted && ads_interrupt_requested()) {
		struct ads_error why = ADS_ERROR_INIT;

		g->interrupted = true;
		ads_error_set(&why, ADS_EINTR, "interrupted");
		drop_queue(g, &why);
		ads_error_release(&why);
	}
	if (g->aborted)
		drop_queue(g, &g->abort_err);
	for (;;) {
		size_t free_slots = g->cfg.max_in_flight - g->inflight;
		size_t ready_reads = 0, take, n = 0;
		struct unit **units;
		struct entry *first_other = NULL;

		wake = INT64_MAX;
		if (!free_slots || !g->nqueue)
			break;
		/* Pre-packed batches (writes) first, in order. */
		for (size_t i = 0; i < g->nqueue; i++) {
			struct entry *e = &g->queue[i];

			struct group *grp = e->group;

			if (!grp || !entry_ready(g, e, now, &wake))
				continue;
			/* Detach first: callbacks may grow the queue. */
			e->group = NULL;
			start_transfer(g, grp->units, grp->n, grp);
			goto next;
		}
		for (size_t i = 0; i < g->nqueue; i++) {
			struct entry *e = &g->queue[i];

			if (!e->unit || !entry_ready(g, e, now, &wake))
				continue;
			if (packable(e))
				ready_reads++;
			else if (!first_other)
				first_other = e;
		}
		if (ready_reads) {
			/* Spread the reads over the free connections: the
			 * fewest batches that keep them all busy. */
			take = (ready_reads + free_slots - 1) / free_slots;
			if (take > g->read_batch_max)
				take = g->read_batch_max;
			units = xcalloc(take, sizeof(*units));
			for (size_t i = 0; i < g->nqueue && n < take; i++) {
				struct entry *e = &g->queue[i];
				int64_t ignore = INT64_MAX;

				if (!e->unit || !packable(e) ||
				    !unit_ready(g, e->unit, now, &ignore))
					continue;
				units[n++] = e->unit;
				e->unit = NULL;
			}
			start_transfer(g, units, n, NULL);
			goto next;
		}
		if (first_other) {
			units = xcalloc(1, sizeof(*units));
			units[0] = first_other->unit;
			first_other->unit = NULL;
			first_other = NULL;
			start_transfer(g, units, 1, NULL);
			goto next;
		}
		break;
next:
		compact_queue(g);
		now = ads_graph_now(g);
	}
	compact_queue(g);
	/* When the next waiting call becomes ready; calls that are ready but
	 * lack a free connection wait for a transfer to finish. */
	wake = INT64_MAX;
	for (size_t i = 0; i < g->nqueue; i++)
		entry_ready(g, &g->queue[i], now, &wake);
	return wake;
}

/* --- answers ------------------------------------------------------------ */

static void requeue(struct ads_graph *g, struct unit *u, int64_t delay,
                    size_t depth)
{
	u->not_before = ads_graph_now(g) + delay;
	u->depth = depth;
	enqueue(g, u, NULL);
}

static void set_unknown(struct ads_graph_result *res, const struct unit *u,
                        const struct ads_error *why)
{
	const char *what = why && why->msg ? why->msg : "no answer";

	res->outcome = ADS_GRAPH_UNKNOWN;
	ads_error_release(&res->err);
	ads_error_set(&res->err, ADS_EUNKNOWN,
	              "%s %s: no definite answer (%s); the change may or may "
	              "not have been made",
	              u->method, *u->path ? u->path : "/", what);
	res->err.http_status = why ? why->http_status : 0;
}

static void abort_run(struct ads_graph *g, const struct ads_error *cause)
{
	if (g->aborted)
		return;
	g->aborted = true;
	ads_error_copy(&g->abort_err, cause);
	g->abort_err.code = ADS_EAUTH;
	ads_error_prefix(&g->abort_err,
	                 "Meta refused the access token; get a new one "
	                 "(system user tokens do not expire)");
	ads_graph_redact_error(&g->abort_err, &g->secrets);
}

/*
 * Finishes one call with what came back. answered: Graph gave a definite
 * answer (a body, or an error object) rather than nothing; not_sent: the
 * request provably never reached the server. body is taken over.
 */
static void finish_unit(struct ads_graph *g, struct unit *u, long status,
                        json_t *body, const char *raw, size_t rawlen,
                        const char *etag, struct ads_error *err, bool answered,
                        bool not_sent, size_t depth)
{
	struct ads_graph_result res;
	bool raw_unit = u->group != NULL;
	char *clean_etag = NULL;

	result_init(&res);
	res.status = status;
	res.body = body;

	if (!err->code && status == 304) {
		json_t *cached = u->key && !u->skip_cache
		                         ? ads_graph_etag_body(g->cache, u->key)
		                         : NULL;

		if (!cached) {
			/* Nothing to serve: ask again without a validator. */
			u->skip_cache = true;
			json_decref(res.body);
			requeue(g, u, 0, depth);
			return;
		}
		json_decref(res.body);
		res.body = cached;
		res.cached = true;
		res.status = 200;
		g->stats.cache_hits++;
	}
	if (!err->code) {
		res.outcome = ADS_GRAPH_OK;
		if (etag) {
			clean_etag = ads_graph_redact_dup(etag, &g->secrets);
			res.etag = clean_etag;
		}
		if (etag && u->key && raw && !res.cached)
			ads_graph_etag_store(g->cache, u->key, etag, raw,
			                     rawlen);
		deliver(g, u, &res, depth);
		free(clean_etag);
		return;
	}

	ads_error_move(&res.err, err);
	res.cls = ads_graph_classify(&res.err);
	if (ads_graph_error_is_batch_timeout(&res.err))
		answered = false; /* 960: it may have run */
	if (not_sent) {
		answered = true; /* provably not executed: safe to resend */
		res.cls = ADS_GRAPH_RETRY;
	}
	res.outcome = ADS_GRAPH_FAILED;
	if (!answered && !(u->flags & ADS_GRAPH_IDEMPOTENT)) {
		struct ads_error why = ADS_ERROR_INIT;

		ads_error_move(&why, &res.err);
		set_unknown(&res, u, &why);
		ads_error_release(&why);
		report(g, ADS_REPORT_DEBUG, "%s", res.err.msg);
		deliver(g, u, &res, depth);
		return;
	}
	if (res.cls == ADS_GRAPH_AUTH) {
		abort_run(g, &res.err);
		deliver(g, u, &res, depth);
		return;
	}
	if (res.cls == ADS_GRAPH_WAIT) {
		g->stats.throttled++;
		res.retry_after_ms = ads_graph_governor_throttled(
		        g->gov, u->account, u->buc, &res.err, u->throttles,
		        next_random(g), ads_graph_now(g));
		if (!raw_unit && u->throttles < g->cfg.max_throttle_waits) {
			u->throttles++;
			json_decref(res.body);
			ads_error_release(&res.err);
			requeue(g, u, res.retry_after_ms, depth);
			return;
		}
	}
	if (res.cls == ADS_GRAPH_RETRY && !raw_unit &&
	    !((u->flags & ADS_GRAPH_SHRINKABLE) &&
	      ads_graph_error_wants_less_data(&res.err)) &&
	    u->attempts < g->cfg.max_retries) {
		int64_t delay =
		        ads_graph_retry_delay(g, ++u->attempts, res.err.msg);

		json_decref(res.body);
		ads_error_release(&res.err);
		requeue(g, u, delay, depth);
		return;
	}
	deliver(g, u, &res, depth);
}

static void free_transfer(struct transfer *t)
{
	for (size_t i = 0; i < t->npairs; i++)
		free(t->accounts[i]);
	free(t->accounts);
	free(t->bucs);
	if (t->group)
		free_group(t->group); /* owns the units array */
	else
		free(t->units);
	free(t->desc);
	ads_buf_release(&t->url);
	if (t->body.alloc)
		memset(t->body.buf, 0, t->body.len); /* it held the token */
	ads_buf_release(&t->body);
	ads_graph_params_release(&t->headers);
	free(t);
}

/* The whole transfer failed or was refused: the same answer for all. */
static void finish_all(struct ads_graph *g, struct transfer *t, long status,
                       const struct ads_error *err, bool answered,
                       bool not_sent)
{
	for (size_t i = 0; i < t->n; i++) {
		struct ads_error e = ADS_ERROR_INIT;

		ads_error_copy(&e, err);
		if (t->batch)
			ads_error_prefix(&e, "%s %s", t->units[i]->method,
			                 *t->units[i]->path ? t->units[i]->path
			                                    : "/");
		finish_unit(g, t->units[i], status, NULL, NULL, 0, NULL, &e,
		            answered, not_sent, t->depth);
		ads_error_release(&e);
	}
}

static void finish_batch(struct ads_graph *g, struct transfer *t, json_t *top,
                         long status)
{
	struct ads_graph_batch_item *items = NULL;
	struct ads_error err = ADS_ERROR_INIT;

	if (ads_graph_decode_batch(&items, t->n, top, NULL, &err)) {
		err.http_status = status;
		finish_all(g, t, status, &err, false, false);
		ads_error_release(&err);
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct unit *u = t->units[i];
		struct ads_graph_batch_item *it = &items[i];
		const char *raw = NULL;
		size_t rawlen = 0;
		json_t *el = json_array_get(top, i), *b;
		char *ctx =
		        xasprintf("%s %s", u->method, *u->path ? u->path : "/");

		ads_graph_governor_observe(g->gov, u->account, &it->headers,
		                           ads_graph_now(g));
		if (it->err.code) {
			/* Label the item's error with its call. */
			char *old = it->err.msg;

			it->err.msg = xasprintf(
			        "%s: %s", ctx,
			        ads_starts_with(old, "batch item: ") ? old + 12
			                                             : old);
			free(old);
		}
		b = json_object_get(el, "body");
		if (json_is_string(b)) {
			raw = json_string_value(b);
			rawlen = json_string_length(b);
		}
		finish_unit(g, u, it->code, it->body, raw, rawlen,
		            ads_graph_params_iget(&it->headers, "ETag"),
		            &it->err, it->answered, false, t->depth);
		it->body = NULL;
		free(ctx);
	}
	ads_graph_batch_items_free(items, t->n);
}

static void transport_done(void *arg, void *tag, struct ads_http_response *resp)
{
	struct ads_graph *g = arg;
	struct transfer *t = tag;
	struct ads_error err = ADS_ERROR_INIT;
	json_t *body = NULL;
	const char *what;

	for (size_t i = 0; i < t->npairs; i++)
		ads_graph_governor_finished(g->gov, t->accounts[i], t->bucs[i]);
	g->inflight--;
	g->stats.bytes_received += resp->body.len;
	ads_graph_scrub(&resp->body, &g->secrets);
	if (!resp->error)
		ads_graph_governor_observe(g->gov,
		                           t->n ? t->units[0]->account : NULL,
		                           &resp->headers, ads_graph_now(g));
	what = resp->errmsg ? resp->errmsg : "transfer failed";
	if (resp->error)
		report(g, ADS_REPORT_DEBUG, "%s -> failed after %lld ms: %s",
		       t->desc, (long long)resp->elapsed_ms, what);
	else
		report(g, ADS_REPORT_DEBUG,
		       "%s -> HTTP %ld, %lld ms, %zu bytes", t->desc,
		       resp->status, (long long)resp->elapsed_ms,
		       resp->body.len);

	if (resp->error) {
		ads_error_set(&err, resp->error, "%s", what);
		if (!t->batch)
			ads_error_prefix(&err, "%s %s", t->units[0]->method,
			                 *t->units[0]->path ? t->units[0]->path
			                                    : "/");
		else
			ads_error_prefix(&err, "batch request");
		err.http_status = resp->status;
		/* No usable answer: unknown for writes. An oversized body
		 * is not retried either (ADS_ETOOBIG classifies as FAIL). */
		finish_all(g, t, resp->status, &err, false, resp->not_sent);
		goto out;
	}
	if (ads_graph_decode_body(&body, resp->status, resp->body.buf,
	                          resp->body.len,
	                          t->batch ? "batch request" : NULL, &err)) {
		bool answered = err.code == ADS_EAPI;

		if (!t->batch)
			ads_error_prefix(&err, "%s %s", t->units[0]->method,
			                 *t->units[0]->path ? t->units[0]->path
			                                    : "/");
		if (t->batch && err.code == ADS_EAPI &&
		    ads_graph_error_wants_less_data(&err) &&
		    g->read_batch_max > 1) {
			/* "Too much data" for the whole batch: smaller
			 * batches of reads from now on (sdk-behaviors §1.4). */
			g->read_batch_max = (g->read_batch_max + 1) / 2;
		}
		finish_all(g, t, resp->status, &err, answered, false);
		goto out;
	}
	if (t->batch) {
		finish_batch(g, t, body, resp->status);
		json_decref(body);
	} else {
		finish_unit(g, t->units[0], resp->status, body, resp->body.buf,
		            resp->body.len,
		            ads_graph_params_iget(&resp->headers, "ETag"), &err,
		            true, false, t->depth);
	}
out:
	ads_error_release(&err);
	free_transfer(t);
}

int ads_graph_run(struct ads_graph *g, struct ads_error *err)
{
	const struct ads_graph_transport_ops *ops = g->transport->ops;

	if (g->running)
		return ads_error_set(err, ADS_ERROR,
		                     "ads_graph_run() called from a callback");
	g->running = true;
	for (;;) {
		int64_t wake = dispatch(g), now, timeout;

		if (!g->inflight && !g->nqueue)
			break;
		now = ads_graph_now(g);
		timeout = wake == INT64_MAX ? WAIT_SLICE_MS : wake - now;
		if (timeout > WAIT_SLICE_MS)
			timeout = WAIT_SLICE_MS;
		if (timeout < 0)
			timeout = 0;
		if (!g->inflight && timeout == 0)
			timeout = 1;
		ops->wait(g->transport->ctx, timeout, transport_done, g);
		if (!g->inflight && g->nqueue)
			g->stats.paused_ms += ads_graph_now(g) - now;
	}
	g->running = false;
	/* What is submitted from now on follows everything answered so far:
	 * round_trips counts sequential round trips across runs too. */
	g->cur_depth = g->stats.round_trips;
	if (g->aborted) {
		ads_error_copy(err, &g->abort_err);
		return ADS_EAUTH;
	}
	if (g->interrupted) {
		g->interrupted = false;
		return ads_error_set(err, ADS_EINTR, "interrupted");
	}
	return 0;
}

/* --- synchronous helpers ------------------------------------------------ */

struct sync_call {
	json_t *body;
	struct ads_error err;
	int rc;
	bool done;
};

int ads_graph_result_errcode(const struct ads_graph_result *res)
{
	switch (res->outcome) {
	case ADS_GRAPH_OK:
		return 0;
	case ADS_GRAPH_UNKNOWN:
		return ADS_EUNKNOWN;
	default:
		return res->err.code ? res->err.code : ADS_ERROR;
	}
}

static void sync_done(void *ctx, struct ads_graph_result *res)
{
	struct sync_call *s = ctx;

	s->done = true;
	s->rc = ads_graph_result_errcode(res);
	if (s->rc) {
		ads_error_move(&s->err, &res->err);
		return;
	}
	s->body = res->body;
	res->body = NULL;
}

static int sync_call(json_t **out, struct ads_graph *g, const char *method,
                     const char *path, const struct ads_graph_params *params,
                     unsigned flags, struct ads_error *err)
{
	struct sync_call s = { .body = NULL };
	struct ads_graph_call c = {
		.method = method,
		.path = path,
		.params = params,
		.flags = flags,
		.fn = sync_done,
		.ctx = &s,
	};
	int ret;

	ret = ads_graph_submit(g, &c, err);
	if (ret)
		return ret;
	ret = ads_graph_run(g, err);
	if (!s.done) {
		ads_error_release(&s.err);
		return ret ? ret : ads_error_set(err, ADS_ERROR, "no answer");
	}
	if (s.rc) {
		ads_error_move(err, &s.err);
		json_decref(s.body);
		return s.rc;
	}
	ads_error_release(&s.err);
	if (ret || !out) {
		json_decref(s.body);
		return ret;
	}
	*out = s.body;
	return 0;
}

int ads_graph_get(json_t **out, struct ads_graph *g, const char *path,
                  const struct ads_graph_params *params, struct ads_error *err)
{
	return sync_call(out, g, "GET", path, params, 0, err);
}

int ads_graph_post(json_t **out, struct ads_graph *g, const char *path,
                   const struct ads_graph_params *params, unsigned flags,
                   struct ads_error *err)
{
	return sync_call(out, g, "POST", path, params, flags, err);
}

int ads_graph_delete(json_t **out, struct ads_graph *g, const char *path,
                     const struct ads_graph_params *params,
                     struct ads_error *err)
{
	return sync_call(out, g, "DELETE", path, params, ADS_GRAPH_IDEMPOTENT,
	                 err);
}
