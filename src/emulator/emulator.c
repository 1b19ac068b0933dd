/*
 * The emulator's lifecycle and its HTTP front (libmicrohttpd): one thread
 * per connection (so an injected latency delays only its own request),
 * 127.0.0.1 only, request bodies capped, every Graph request turned into a
 * struct emu_req for graph.c or batch.c, and admin requests sent to
 * admin.c.
 */
#include "emulator/emulator.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emulator/admin.h"
#include "emulator/async.h"
#include "emulator/batch.h"
#include "emulator/graph.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct ads_emulator {
	struct emu_ctx ctx;
	struct MHD_Daemon *daemon;
	unsigned port;
	bool stopped;
};

struct conn {
	struct ads_buf body;
	bool too_big;
};

static void quiet_logger(void *cls, const char *fmt, va_list ap)
{
	/* library code never prints (STYLE.md) */
	(void)cls;
	(void)fmt;
	(void)ap;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *value)
{
	struct emu_params *p = cls;

	(void)kind;
	if (key)
		emu_params_add(p, key, value ? value : "",
		               value ? strlen(value) : 0, NULL);
	return MHD_YES;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct emu_ctx *ctx,
                                 struct emu_resp *r, bool graph, bool suppress)
{
	struct MHD_Response *mr;
	char *text;
	size_t len = 0;
	enum MHD_Result ret;
	int status = r->status;

	if (emu_resp_text(r, &len)) {
		/* the reply takes the text the ETag was computed over: a
		 * large page is serialised once, not twice */
		text = r->text;
		r->text = NULL;
	} else {
		text = xstrdup(r->raw ? r->raw : "");
		len = strlen(text);
	}
	mr = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!mr) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(mr, "Content-Type",
	                        r->raw ? "text/html; charset=utf-8"
	                               : "application/json; charset=UTF-8");
	if (graph) {
		struct ads_strvec names = ADS_STRVEC_INIT,
		                  vals = ADS_STRVEC_INIT;
		char trace[32];

		MHD_add_response_header(mr, "facebook-api-version", "v25.0");
		emu_trace_id(trace);
		MHD_add_response_header(mr, "x-fb-trace-id", trace);
		if (r->etag)
			MHD_add_response_header(mr, "ETag", r->etag);
		emu_limits_headers(&ctx->limits, r->account, emu_now(ctx),
		                   &names, &vals);
		for (size_t i = 0; i < names.nr; i++)
			MHD_add_response_header(mr, names.v[i], vals.v[i]);
		ads_strvec_release(&names);
		ads_strvec_release(&vals);
	}
	if (suppress && status != 304)
		status = 200;
	ret = MHD_queue_response(c, (unsigned)status, mr);
	MHD_destroy_response(mr);
	return ret;
}

/* The access token: query/body parameter, or Authorization header. */
static char *find_token(struct MHD_Connection *c, const struct emu_params *p)
{
	const char *t = emu_params_get(p, "access_token");
	const char *h;

	if (t)
		return xstrdup(t);
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (h &&
	    (!strncasecmp(h, "Bearer ", 7) || !strncasecmp(h, "OAuth ", 6))) {
		h = strchr(h, ' ');
		while (*h == ' ')
			h++;
		return xstrdup(h);
	}
	return NULL;
}

static enum MHD_Result graph_request(struct emu_ctx *ctx,
                                     struct MHD_Connection *c, const char *url,
                                     const char *method, struct conn *cn)
{
	struct emu_req req;
	struct emu_resp resp;
	struct ads_emulator_runtime rt;
	const char *why = NULL;
	const char *ctype;
	const char *inm;
	enum MHD_Result ret;
	bool suppress;

	emu_limits_enter(&ctx->limits);
	emu_limits_runtime(&ctx->limits, &rt);
	if (rt.latency_ms)
		sleep_ms(rt.latency_ms);
	emu_req_init(&req);
	emu_resp_init(&resp);
	req.origin = EMU_FROM_HTTP;
	req.method = !strcmp(method, "GET")      ? "GET"
	             : !strcmp(method, "POST")   ? "POST"
	             : !strcmp(method, "DELETE") ? "DELETE"
	                                         : "OTHER";
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg,
	                          &req.params);
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (cn->too_big) {
		struct emu_err e = { .code = 100, .http = 413 };

		emu_resp_error(
		        &resp, &e,
		        "(#100) The request body is larger than %zu bytes",
		        ctx->cfg.max_body_bytes);
		goto reply;
	}
	if (!emu_params_parse_body(&req.params, ctype, cn->body.buf,
	                           cn->body.len, &why)) {
		emu_resp_invalid(&resp, NULL, "(#100) %s", why);
		goto reply;
	}
	if (!emu_req_set_path(&req, url)) {
		struct emu_err e = { .code = 2500 };

		emu_resp_error(&resp, &e, "Unknown path components: %s", url);
		goto reply;
	}
	inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	if (inm)
		req.if_none_match = xstrdup(inm);
	req.token = find_token(c, &req.params);
	if (!strcmp(req.method, "OTHER")) {
		struct emu_err e = { .code = 100, .subcode = 33 };

		emu_resp_error(&resp, &e, "Unsupported %s request.", method);
		goto reply;
	}
	if (!emu_graph_auth(ctx, req.token,
	                    emu_params_get(&req.params, "appsecret_proof"),
	                    &resp))
		goto reply;
	if (!*req.path && !strcmp(req.method, "POST") &&
	    emu_params_get(&req.params, "batch")) {
		if (!emu_graph_batch_fault(ctx, &resp))
			emu_batch(ctx, &req, &resp);
	} else
		emu_graph_call(ctx, &req, &resp);
reply:
	suppress =
	        emu_params_get(&req.params, "suppress_http_code") &&
	        !strcmp(emu_params_get(&req.params, "suppress_http_code"), "1");
	if (resp.drop)
		ret = MHD_NO; /* committed; the connection just closes */
	else
		ret = send_resp(c, ctx, &resp, true, suppress);
	emu_req_release(&req);
	emu_resp_release(&resp);
	emu_limits_leave(&ctx->limits);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	struct ads_emulator *emu = cls;
	struct conn *cn = *con_cls;

	(void)version;
	if (!cn) {
		cn = xcalloc(1, sizeof(*cn));
		ads_buf_init(&cn->body);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		if (cn->body.len + *upload_size > emu->ctx.cfg.max_body_bytes)
			cn->too_big = true;
		else
			ads_buf_add(&cn->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strncmp(url, "/_emulator/", 11)) {
		struct emu_resp resp;
		enum MHD_Result ret;

		emu_resp_init(&resp);
		emu_admin(&emu->ctx, method, url + 11, cn->body.buf,
		          cn->body.len, &resp);
		ret = send_resp(c, &emu->ctx, &resp, false, false);
		emu_resp_release(&resp);
		return ret;
	}
	return graph_request(&emu->ctx, c, url, method, cn);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn) {
		ads_buf_release(&cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

static char *dupornull(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void copy_config(struct ads_emulator_config *dst,
                        const struct ads_emulator_config *src)
{
	*dst = *src;
	dst->data_file = dupornull(src->data_file);
	dst->env_token = dupornull(src->env_token);
	dst->app_secret = dupornull(src->app_secret);
	dst->default_currency =
	        xstrdup(src->default_currency ? src->default_currency : "USD");
	dst->default_timezone =
	        xstrdup(src->default_timezone ? src->default_timezone
	                                      : "America/Los_Angeles");
	dst->tokens = NULL;
	dst->ntokens = 0;
	for (size_t i = 0; i < src->ntokens; i++)
		ads_emulator_config_add_token(dst, src->tokens[i]);
	dst->accounts = xcalloc(src->naccounts + 1, sizeof(*dst->accounts));
	for (size_t i = 0; i < src->naccounts; i++) {
		dst->accounts[i] = src->accounts[i];
		dst->accounts[i].id = xstrdup(src->accounts[i].id);
		dst->accounts[i].currency =
		        dupornull(src->accounts[i].currency);
		dst->accounts[i].timezone_name =
		        dupornull(src->accounts[i].timezone_name);
	}
}

int ads_emulator_start(struct ads_emulator **out,
                       const struct ads_emulator_config *cfg,
                       struct ads_error *err)
{
	struct ads_emulator *emu = xcalloc(1, sizeof(*emu));
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	int rc = 0;

	copy_config(&emu->ctx.cfg, cfg);
	emu_clock_init(&emu->ctx.clock);
	emu_store_init(&emu->ctx.store, &emu->ctx.cfg);
	emu->ctx.store.clock = &emu->ctx.clock;
	emu_limits_init(&emu->ctx.limits, &emu->ctx.cfg.rt);
	emu_async_init(&emu->ctx);
	if (emu->ctx.cfg.data_file && ads_file_exists(emu->ctx.cfg.data_file)) {
		rc = emu_store_load(&emu->ctx.store, emu->ctx.cfg.data_file,
		                    err);
		if (rc)
			goto fail;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)cfg->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	emu->daemon = MHD_start_daemon(
	        MHD_USE_THREAD_PER_CONNECTION |
	                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
	        0, NULL, NULL, handler, emu, MHD_OPTION_SOCK_ADDR,
	        (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, completed,
	        emu, MHD_OPTION_CONNECTION_LIMIT,
	        (unsigned)emu->ctx.cfg.max_connections,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	        MHD_OPTION_EXTERNAL_LOGGER, quiet_logger, NULL, MHD_OPTION_END);
	if (!emu->daemon) {
		rc = ads_error_set(err, ADS_EIO,
		                   "cannot listen on 127.0.0.1:%u (is the port "
		                   "in use?)",
		                   cfg->port);
		goto fail;
	}
	info = MHD_get_daemon_info(emu->daemon, MHD_DAEMON_INFO_BIND_PORT);
	emu->port = info ? info->port : cfg->port;
	snprintf(emu->ctx.base_url, sizeof(emu->ctx.base_url),
	         "http://127.0.0.1:%u", emu->port);
	if (emu_async_start(&emu->ctx)) {
		rc = ads_error_set(err, ADS_ERROR,
		                   "cannot start the async worker thread");
		goto fail;
	}
	*out = emu;
	return 0;
fail:
	if (emu->daemon)
		MHD_stop_daemon(emu->daemon);
	emu_async_release(&emu->ctx);
	emu_limits_release(&emu->ctx.limits);
	emu_store_release(&emu->ctx.store);
	emu_clock_release(&emu->ctx.clock);
	ads_emulator_config_release(&emu->ctx.cfg);
	free(emu);
	return rc;
}

const char *ads_emulator_url(const struct ads_emulator *emu)
{
	return emu->ctx.base_url;
}

unsigned ads_emulator_port(const struct ads_emulator *emu)
{
	return emu->port;
}

int ads_emulator_save(struct ads_emulator *emu, struct ads_error *err)
{
	int rc;

	if (!emu->ctx.cfg.data_file)
		return 0;
	/* never between a tick running a request and marking it done: the
	 * state would hold it IN_PROGRESS with its effect already applied */
	pthread_mutex_lock(&emu->ctx.tick_mu);
	pthread_rwlock_rdlock(&emu->ctx.store.lock);
	rc = emu_store_save(&emu->ctx.store, emu->ctx.cfg.data_file, err);
	pthread_rwlock_unlock(&emu->ctx.store.lock);
	pthread_mutex_unlock(&emu->ctx.tick_mu);
	return rc;
}

int ads_emulator_stop(struct ads_emulator *emu, struct ads_error *err)
{
	if (emu->stopped)
		return 0;
	emu->stopped = true;
	MHD_stop_daemon(emu->daemon);
	emu->daemon = NULL;
	emu_async_stop(&emu->ctx);
	return ads_emulator_save(emu, err);
}

void ads_emulator_free(struct ads_emulator *emu)
{
	struct ads_error err = ADS_ERROR_INIT;

	if (!emu)
		return;
	ads_emulator_stop(emu, &err);
	ads_error_release(&err);
	emu_async_release(&emu->ctx);
	emu_limits_release(&emu->ctx.limits);
	emu_store_release(&emu->ctx.store);
	emu_clock_release(&emu->ctx.clock);
	ads_emulator_config_release(&emu->ctx.cfg);
	free(emu);
}
