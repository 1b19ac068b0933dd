/*
 * One Graph call: routing, accounting (statistics, rate limits, faults),
 * locking and ETags. Reads run under the store's shared lock (read.c),
 * writes under its exclusive lock (write.c).
 */
#include "emulator/graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emulator/read.h"
#include "emulator/write.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/xalloc.h"

int64_t emu_now(struct emu_ctx *ctx)
{
	return emu_clock_now(&ctx->clock);
}

void emu_trace_id(char out[32])
{
	static const char al[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static uint64_t counter;
	struct timespec ts;
	uint64_t h;

	clock_gettime(CLOCK_REALTIME, &ts);
	h = emu_mix64((uint64_t)ts.tv_nsec ^
	              __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	out[0] = 'A';
	for (int i = 1; i < 25; i++) {
		if (i % 10 == 0)
			h = emu_mix64(h);
		out[i] = al[h % 62];
		h /= 62;
	}
	out[25] = '\0';
}

void emu_etag(const char *body, size_t len, char out[48])
{
	char hex[ADS_SHA256_HEX_LEN + 1];

	ads_sha256_hex(body, len, hex);
	snprintf(out, 48, "\"%.40s\"", hex);
}

void emu_req_init(struct emu_req *r)
{
	memset(r, 0, sizeof(*r));
	emu_params_init(&r->params);
	r->method = "GET";
}

void emu_req_release(struct emu_req *r)
{
	free(r->path);
	emu_params_release(&r->params);
	free(r->if_none_match);
	free(r->token);
	emu_req_init(r);
}

bool emu_req_set_path(struct emu_req *r, const char *path)
{
	const char *p = path;
	size_t len;

	while (*p == '/')
		p++;
	r->version[0] = '\0';
	if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9') {
		const char *s = p + 1;

		while (*s >= '0' && *s <= '9')
			s++;
		if (*s == '.' && s[1] >= '0' && s[1] <= '9') {
			s++;
			while (*s >= '0' && *s <= '9')
				s++;
			if (*s == '/' || !*s) {
				if ((size_t)(s - p) >= sizeof(r->version))
					return false;
				memcpy(r->version, p, (size_t)(s - p));
				r->version[s - p] = '\0';
				p = s;
				while (*p == '/')
					p++;
			}
		}
	}
	len = strlen(p);
	while (len && p[len - 1] == '/')
		len--;
	free(r->path);
	r->path = xstrndup(p, len);
	return true;
}

void emu_resp_init(struct emu_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
}

void emu_resp_release(struct emu_resp *r)
{
	json_decref(r->body);
	free(r->text);
	free(r->raw);
	free(r->etag);
	free(r->account);
	emu_resp_init(r);
}

void emu_resp_json(struct emu_resp *r, int status, json_t *body)
{
	json_decref(r->body);
	free(r->text);
	r->text = NULL;
	r->text_len = 0;
	free(r->raw);
	r->raw = NULL;
	r->status = status;
	r->body = body;
}

const char *emu_resp_text(struct emu_resp *r, size_t *len)
{
	if (r->body && !r->text) {
		r->text = json_dumps(r->body, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!r->text) /* a tree jansson built: only out of memory */
			abort();
		r->text_len = strlen(r->text);
	}
	if (len)
		*len = r->body ? r->text_len : 0;
	return r->body ? r->text : NULL;
}

static void vresp_error(struct emu_resp *r, const struct emu_err *e,
                        const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

static void vresp_error(struct emu_resp *r, const struct emu_err *e,
                        const char *fmt, va_list ap)
{
	json_t *err = json_object(), *root = json_object();
	char trace[32];
	char *msg = xvasprintf(fmt, ap);

	json_object_set_new(err, "message", json_string(msg));
	json_object_set_new(err, "type",
	                    json_string(e->type ? e->type : "OAuthException"));
	json_object_set_new(err, "code", json_integer(e->code));
	if (e->subcode)
		json_object_set_new(err, "error_subcode",
		                    json_integer(e->subcode));
	json_object_set_new(err, "is_transient",
	                    e->transient ? json_true() : json_false());
	if (e->title)
		json_object_set_new(err, "error_user_title",
		                    json_string(e->title));
	if (e->user_msg)
		json_object_set_new(err, "error_user_msg",
		                    json_string(e->user_msg));
	if (e->blame) {
		json_t *spec = json_array(), *path = json_array();
		struct ads_strvec parts = ADS_STRVEC_INIT;

		/* not strtok(): its hidden state is shared by every thread */
		ads_strvec_split(&parts, e->blame, '.');
		for (size_t i = 0; i < parts.nr; i++)
			if (*parts.v[i])
				json_array_append_new(path,
				                      json_string(parts.v[i]));
		ads_strvec_release(&parts);
		json_array_append_new(spec, path);
		json_object_set_new(
		        err, "error_data",
		        json_pack("{s:o}", "blame_field_specs", spec));
	}
	emu_trace_id(trace);
	json_object_set_new(err, "fbtrace_id", json_string(trace));
	json_object_set_new(root, "error", err);
	free(msg);
	emu_resp_json(r, e->http ? e->http : 400, root);
}

void emu_resp_error(struct emu_resp *r, const struct emu_err *e,
                    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresp_error(r, e, fmt, ap);
	va_end(ap);
}

void emu_resp_invalid(struct emu_resp *r, const char *blame, const char *fmt,
                      ...)
{
	struct emu_err e = { .code = 100, .blame = blame };
	va_list ap;

	va_start(ap, fmt);
	vresp_error(r, &e, fmt, ap);
	va_end(ap);
}

/* --- authentication ---------------------------------------------------- */

static bool token_ok(const struct emu_ctx *ctx, const char *token)
{
	if (!token || !*token)
		return false;
	if (ctx->cfg.ntokens) {
		for (size_t i = 0; i < ctx->cfg.ntokens; i++)
			if (!strcmp(ctx->cfg.tokens[i], token))
				return true;
		return false;
	}
	if (ctx->cfg.env_token && *ctx->cfg.env_token)
		return !strcmp(ctx->cfg.env_token, token);
	return true;
}

bool emu_graph_auth(struct emu_ctx *ctx, const char *token, const char *proof,
                    struct emu_resp *resp)
{
	struct emu_err e = { .code = 190 };

	if (!token || !*token) {
		emu_resp_error(resp, &e,
		               "An active access token must be used to query "
		               "information about the current user.");
		return false;
	}
	if (!token_ok(ctx, token)) {
		emu_resp_error(resp, &e, "Invalid OAuth access token.");
		return false;
	}
	if (ctx->cfg.app_secret) {
		char want[ADS_SHA256_HEX_LEN + 1];

		/* 003:L16259: HMAC-SHA256 of the token keyed by the secret */
		ads_hmac_sha256_hex(ctx->cfg.app_secret,
		                    strlen(ctx->cfg.app_secret), token,
		                    strlen(token), want);
		if (!proof || !*proof) {
			struct emu_err e2 = { .code = 100 };

			emu_resp_error(resp, &e2,
			               "API calls from the server require an "
			               "appsecret_proof argument");
			return false;
		}
		if (strcmp(proof, want)) {
			struct emu_err e2 = { .code = 100 };

			emu_resp_error(
			        resp, &e2,
			        "Invalid appsecret_proof provided in the "
			        "API argument");
			return false;
		}
	}
	return true;
}

/* --- routing and accounting -------------------------------------------- */

/* The account and use case a call is charged to, and its stats route. */
struct charge {
	char digits[32];
	enum ads_emulator_buc buc;
	char route[96];
	bool write;
};

static enum ads_emulator_buc buc_of_edge(const char *edge)
{
	if (!strcmp(edge, "customaudiences") || !strcmp(edge, "users") ||
	    !strcmp(edge, "usersreplace"))
		return ADS_EMU_BUC_CUSTOM_AUDIENCE;
	return ADS_EMU_BUC_ADS_MANAGEMENT;
}

/* Under the shared lock: who pays for this call. */
static void classify(struct emu_ctx *ctx, const struct emu_req *req,
                     struct charge *c)
{
	const char *path = req->path;
	const char *slash = strchr(path, '/');
	char first[64];
	size_t flen = slash ? (size_t)(slash - path) : strlen(path);
	const char *edge = slash ? slash + 1 : "";

	memset(c, 0, sizeof(*c));
	c->write = strcmp(req->method, "GET") != 0;
	c->buc = ADS_EMU_BUC_ADS_MANAGEMENT;
	if (flen >= sizeof(first))
		flen = sizeof(first) - 1;
	memcpy(first, path, flen);
	first[flen] = '\0';
	if (!*path) {
		snprintf(c->route, sizeof(c->route), "%s /", req->method);
		return;
	}
	if (emu_is_account_id(first)) {
		snprintf(c->digits, sizeof(c->digits), "%.24s", first + 4);
		c->buc = buc_of_edge(edge);
		snprintf(c->route, sizeof(c->route), "%s /act%s%s", req->method,
		         *edge ? "/" : "", edge);
		return;
	}
	snprintf(c->route, sizeof(c->route), "%s /{id}%s%.40s", req->method,
	         *edge ? "/" : "", edge);
	{
		const struct emu_obj *o = emu_store_get(&ctx->store, first);

		if (o && o->acct) {
			snprintf(c->digits, sizeof(c->digits), "%.24s",
			         o->acct->digits);
			c->buc = emu_kinds[o->kind].buc;
		}
		if (*edge)
			c->buc = o && o->kind == EMU_AUDIENCE
			                 ? ADS_EMU_BUC_CUSTOM_AUDIENCE
			                 : buc_of_edge(edge);
	}
}

static void throttle_error(struct emu_resp *resp, enum ads_emulator_buc buc)
{
	struct emu_err e = { .subcode = 2446079 };

	if (buc == ADS_EMU_BUC_CUSTOM_AUDIENCE) {
		/* 003:L13184 */
		e.code = 80003;
		emu_resp_error(
		        resp, &e,
		        "(#80003) There have been too many calls to this "
		        "ad-account. Wait a bit and try again. For more "
		        "info, please refer to https://developers."
		        "facebook.com/docs/graph-api/overview/"
		        "rate-limiting#custom-audience.");
	} else {
		/* 003:L13183, L14260 */
		e.code = 80004;
		emu_resp_error(
		        resp, &e,
		        "(#80004) There have been too many calls to this "
		        "ad-account. Wait a bit and try again. For more "
		        "info, please refer to https://developers."
		        "facebook.com/docs/graph-api/overview/"
		        "rate-limiting#ads-management.");
	}
}

static void transient_error(struct emu_resp *resp, uint32_t pick)
{
	struct emu_err e = { 0 };

	switch (pick % 4) {
	case 0:
		e.code = 1;
		e.http = 500;
		e.transient = true;
		emu_resp_error(resp, &e, "An unknown error occurred");
		break;
	case 1:
		e.code = 2;
		e.http = 500;
		e.transient = true;
		emu_resp_error(resp, &e,
		               "An unexpected error has occurred. Please retry "
		               "your request later.");
		break;
	case 2:
		e.code = 17;
		e.subcode = 2446079;
		emu_resp_error(resp, &e, "(#17) User request limit reached");
		break;
	default:
		e.code = 613;
		emu_resp_error(
		        resp, &e,
		        "(#613) Calls to this api have exceeded the rate "
		        "limit.");
		break;
	}
}

static void http_5xx(struct emu_resp *resp, uint32_t pick)
{
	static const int codes[] = { 500, 502, 503 };
	int status = codes[pick % 3];

	emu_resp_json(resp, status, NULL);
	if (status == 500) {
		struct emu_err e = { .code = 2,
			             .http = 500,
			             .transient = true };

		emu_resp_error(resp, &e, "Service temporarily unavailable");
	} else {
		resp->raw = xstrdup(status == 502 ? "Bad Gateway\n"
		                                  : "Service Unavailable\n");
	}
}

bool emu_graph_batch_fault(struct emu_ctx *ctx, struct emu_resp *resp)
{
	uint32_t pick;

	if (!emu_limits_batch_fault(&ctx->limits, &pick))
		return false;
	/* the whole batch fails before any item runs, as a proxy's or a
	 * front end's 5xx would; clients must survive it (and retry) */
	http_5xx(resp, pick);
	return true;
}

/* Charges a call; false when it is refused (throttled: resp is set). */
static bool charge(struct emu_ctx *ctx, const struct charge *c,
                   struct emu_resp *resp)
{
	struct emu_usage u;

	emu_limits_charge(&ctx->limits, c->digits[0] ? c->digits : NULL, c->buc,
	                  emu_now(ctx), &u);
	free(resp->account);
	resp->account = c->digits[0] ? xstrdup(c->digits) : NULL;
	if (u.throttled) {
		throttle_error(resp, c->buc);
		return false;
	}
	return true;
}

/* Charges each id of a ?ids= read: every one counts (003:L13216). */
static bool charge_ids(struct emu_ctx *ctx, const struct emu_req *req,
                       struct emu_resp *resp)
{
	const char *ids = emu_params_get(&req->params, "ids");
	struct ads_strvec v = ADS_STRVEC_INIT;
	bool ok = true;

	if (!ids)
		return true;
	emu_split_ids(&v, ids);
	for (size_t i = 0; i < v.nr && ok; i++) {
		struct charge c;
		struct emu_req sub;

		emu_req_init(&sub);
		sub.method = "GET";
		sub.path = xstrdup(v.v[i]);
		pthread_rwlock_rdlock(&ctx->store.lock);
		classify(ctx, &sub, &c);
		pthread_rwlock_unlock(&ctx->store.lock);
		if (i)
			emu_limits_call(&ctx->limits, "GET /?ids");
		ok = charge(ctx, &c, resp);
		emu_req_release(&sub);
	}
	ads_strvec_release(&v);
	return ok;
}

void emu_graph_call(struct emu_ctx *ctx, struct emu_req *req,
                    struct emu_resp *resp)
{
	struct charge c;
	uint64_t call = 0;
	uint32_t pick = 0;
	bool is_get = !strcmp(req->method, "GET");

	pthread_rwlock_rdlock(&ctx->store.lock);
	classify(ctx, req, &c);
	pthread_rwlock_unlock(&ctx->store.lock);

	if (req->origin != EMU_FROM_ASYNC) {
		call = emu_limits_call(&ctx->limits, c.route);
		if (req->origin == EMU_FROM_HTTP &&
		    emu_limits_fault(&ctx->limits, call, ADS_EMU_FAULT_HTTP_5XX,
		                     &pick)) {
			http_5xx(resp, pick);
			return;
		}
		if (emu_limits_fault(&ctx->limits, call,
		                     ADS_EMU_FAULT_TRANSIENT, &pick)) {
			transient_error(resp, pick);
			return;
		}
		if (emu_limits_fault(&ctx->limits, call, ADS_EMU_FAULT_THROTTLE,
		                     &pick)) {
			throttle_error(resp, c.buc);
			return;
		}
		if (!*req->path && is_get) {
			if (!charge_ids(ctx, req, resp))
				return;
		} else if (!charge(ctx, &c, resp)) {
			return;
		}
		if (req->origin == EMU_FROM_BATCH &&
		    emu_limits_fault(&ctx->limits, call,
		                     ADS_EMU_FAULT_NULL_ITEM, NULL)) {
			/* a timed-out item: not executed, comes back null */
			resp->null_item = true;
			return;
		}
	}

	if (is_get) {
		pthread_rwlock_rdlock(&ctx->store.lock);
		emu_read(ctx, req, resp);
		pthread_rwlock_unlock(&ctx->store.lock);
	} else if (!strcmp(req->method, "POST") ||
	           !strcmp(req->method, "DELETE")) {
		pthread_rwlock_wrlock(&ctx->store.lock);
		emu_write(ctx, req, resp);
		pthread_rwlock_unlock(&ctx->store.lock);
	} else {
		struct emu_err e = { .code = 100, .subcode = 33 };

		emu_resp_error(resp, &e, "Unsupported %s request.",
		               req->method);
	}

	if (c.write && req->origin != EMU_FROM_ASYNC && resp->status < 400 &&
	    emu_limits_fault(&ctx->limits, call, ADS_EMU_FAULT_DROP, NULL)) {
		/* the side effect happened; the reply never arrives */
		if (req->origin == EMU_FROM_BATCH)
			resp->null_item = true;
		else
			resp->drop = true;
		return;
	}

	if (is_get && resp->status == 200 && resp->body) {
		size_t len;
		const char *text = emu_resp_text(resp, &len);
		char tag[48];

		emu_etag(text, len, tag);
		resp->etag = xstrdup(tag);
		if (req->if_none_match && strstr(req->if_none_match, tag)) {
			/* 004:L291: still counts against rate limits */
			emu_resp_json(resp, 304, NULL);
			emu_limits_count(&ctx->limits,
			                 &ctx->limits.not_modified, 1);
		}
	}
}
