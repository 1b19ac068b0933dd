/*
 * The libcurl multi transport (transport.h): one multi handle whose
 * connection cache gives keep-alive, HTTP/2 multiplexing over TLS where
 * offered, bounded response sizes, and error reports that say whether the
 * request could have reached the server (a create that never left this
 * machine may be sent again; one that timed out may not).
 *
 * Writes never travel over a reused connection. When a reused connection
 * dies before a single byte of the answer, libcurl sends the request
 * again on a new connection without telling the application
 * (Curl_retry_request() in lib/transfer.c retries only when
 * conn->bits.reuse is set; no option turns that off in libcurl 7.88, and
 * curl/curl#18417, which proposes one, is not merged). The server may
 * have executed the first send before the connection died, so a create
 * would be made twice. CURLOPT_FRESH_CONNECT gives a write a connection
 * no earlier transfer used, so that path cannot trigger; if that
 * connection dies, the transfer fails (CURLE_GOT_NOTHING,
 * CURLE_RECV_ERROR...) and the client reports the outcome as unknown.
 * The other resend libcurl makes, after an HTTP/2 REFUSED_STREAM, is
 * safe: the server declares such a stream unprocessed (RFC 9113 §8.7).
 * The connection is kept afterwards (no CURLOPT_FORBID_REUSE): reads may
 * reuse it, and a read resent by libcurl is harmless.
 */
#include "graph/transport.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buildinfo.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Response headers beyond this are refused: no server needs that much. */
#define MAX_HEADER_BYTES (1024 * 1024)

void ads_http_response_init(struct ads_http_response *r)
{
	memset(r, 0, sizeof(*r));
	ads_buf_init(&r->body);
}

void ads_http_response_release(struct ads_http_response *r)
{
	ads_graph_params_release(&r->headers);
	ads_buf_release(&r->body);
	free(r->errmsg);
	ads_http_response_init(r);
}

struct xfer {
	struct xfer *prev, *next; /* the transport's active list */
	CURL *easy;
	void *tag;
	struct curl_slist *hdrs;
	char *body;
	struct ads_http_response resp;
	size_t max_body;
	size_t header_bytes;
	bool overflow;
	int64_t started;
	char errbuf[CURL_ERROR_SIZE];
};

struct curl_ctx {
	CURLM *multi;
	int running;
	struct xfer *active; /* transfers added to the multi handle */
};

static void link_xfer(struct curl_ctx *c, struct xfer *x)
{
	x->next = c->active;
	if (c->active)
		c->active->prev = x;
	c->active = x;
}

static void unlink_xfer(struct curl_ctx *c, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		c->active = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	if (x->resp.body.len + len > x->max_body) {
		x->overflow = true;
		return 0; /* aborts the transfer: bounded memory */
	}
	ads_buf_add(&x->resp.body, data, len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	x->header_bytes += len;
	if (x->header_bytes > MAX_HEADER_BYTES) {
		x->overflow = true;
		return 0;
	}
	/* A new status line (after 100 Continue) starts a new header set. */
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		ads_graph_params_release(&x->resp.headers);
		return len;
	}
	ads_graph_params_add_header_line(&x->resp.headers, data, len);
	return len;
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	free(x->body);
	ads_http_response_release(&x->resp);
	free(x);
}

static int curl_start(void *vctx, const struct ads_http_request *req, void *tag,
                      struct ads_error *err)
{
	struct curl_ctx *c = vctx;
	struct xfer *x = xcalloc(1, sizeof(*x));
	char ua[64];

	ads_http_response_init(&x->resp);
	x->tag = tag;
	x->max_body = req->max_body ? req->max_body : SIZE_MAX;
	x->easy = curl_easy_init();
	if (!x->easy) {
		xfer_free(x);
		return ads_error_set(err, ADS_EHTTP,
		                     "cannot create an HTTP transfer");
	}
	for (size_t i = 0; req->headers && i < req->headers->nr; i++) {
		char *line = xasprintf("%s: %s", req->headers->v[i].key,
		                       req->headers->v[i].value);
		struct curl_slist *l = curl_slist_append(x->hdrs, line);

		free(line);
		if (!l) {
			xfer_free(x);
			return ads_error_set(err, ADS_ERROR, "out of memory");
		}
		x->hdrs = l;
	}
	/* No "Expect: 100-continue": it costs a round trip per POST. */
	x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	snprintf(ua, sizeof(ua), "adsctl/%s", ads_version());

	curl_easy_setopt(x->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_HTTP_VERSION,
	                 (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(x->easy, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(x->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(x->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	                 req->connect_timeout_ms);
	if (req->may_write)
		curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT, 1L);
	if (!strcmp(req->method, "POST")) {
		x->body = xmalloc(req->body_len + 1);
		if (req->body_len)
			memcpy(x->body, req->body, req->body_len);
		x->body[req->body_len] = '\0';
		curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)req->body_len);
	} else if (strcmp(req->method, "GET")) {
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, req->method);
	}
	x->started = mono_ms();
	if (curl_multi_add_handle(c->multi, x->easy) != CURLM_OK) {
		xfer_free(x);
		return ads_error_set(err, ADS_EHTTP,
		                     "cannot start an HTTP transfer");
	}
	link_xfer(c, x);
	return 0;
}

/* Failures that happen before a single byte of the request is sent. */
static bool before_sending(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		return true;
	default:
		return false;
	}
}

static void finish(struct curl_ctx *c, CURLMsg *msg,
                   ads_graph_transport_done_fn done, void *arg)
{
	struct xfer *x = NULL;
	CURLcode rc = msg->data.result;
	long status = 0;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
	curl_multi_remove_handle(c->multi, msg->easy_handle);
	unlink_xfer(c, x);
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	x->resp.status = status;
	x->resp.elapsed_ms = mono_ms() - x->started;
	if (rc != CURLE_OK) {
		const char *what =
		        x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

		x->resp.error = ADS_EHTTP;
		if (x->overflow) {
			x->resp.error = ADS_ETOOBIG;
			x->resp.errmsg =
			        xasprintf("response larger than %zu bytes; "
			                  "refused to keep memory bounded",
			                  x->max_body);
		} else if (rc == CURLE_OPERATION_TIMEDOUT) {
			x->resp.timed_out = true;
			x->resp.errmsg =
			        xasprintf("no complete response after %lld ms",
			                  (long long)x->resp.elapsed_ms);
		} else {
			x->resp.not_sent = before_sending(rc);
			x->resp.errmsg = xstrdup(what);
		}
	}
	done(arg, x->tag, &x->resp);
	xfer_free(x);
}

static void curl_wait(void *vctx, int64_t timeout_ms,
                      ads_graph_transport_done_fn done, void *arg)
{
	struct curl_ctx *c = vctx;
	bool finished = false;
	CURLMsg *msg;
	int left;

	for (int round = 0; round < 2; round++) {
		curl_multi_perform(c->multi, &c->running);
		while ((msg = curl_multi_info_read(c->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			finish(c, msg, done, arg);
			finished = true;
		}
		if (finished || round == 1 || timeout_ms <= 0)
			break;
		curl_multi_poll(c->multi, NULL, 0,
		                timeout_ms > 1000 ? 1000 : (int)timeout_ms,
		                NULL);
	}
}

static int64_t curl_now(void *vctx)
{
	(void)vctx;
	return mono_ms();
}

static void curl_free_ctx(void *vctx)
{
	struct curl_ctx *c = vctx;

	if (!c)
		return;
	while (c->active) {
		struct xfer *x = c->active;

		curl_multi_remove_handle(c->multi, x->easy);
		unlink_xfer(c, x);
		xfer_free(x);
	}
	curl_multi_cleanup(c->multi);
	free(c);
	curl_global_cleanup();
}

static const struct ads_graph_transport_ops curl_ops = {
	.start = curl_start,
	.wait = curl_wait,
	.now_ms = curl_now,
	.free = curl_free_ctx,
};

int ads_graph_transport_curl_new(struct ads_graph_transport **out,
                                 unsigned max_connections,
                                 struct ads_error *err)
{
	struct ads_graph_transport *t;
	struct curl_ctx *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ads_error_set(err, ADS_EHTTP,
		                     "cannot initialise libcurl");
	c = xcalloc(1, sizeof(*c));
	c->multi = curl_multi_init();
	if (!c->multi) {
		free(c);
		curl_global_cleanup();
		return ads_error_set(err, ADS_EHTTP,
		                     "cannot initialise libcurl");
	}
	if (!max_connections)
		max_connections = 4;
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING,
	                  (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	                  (long)max_connections);
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS,
	                  (long)max_connections * 2);
	t = xcalloc(1, sizeof(*t));
	t->ops = &curl_ops;
	t->ctx = c;
	*out = t;
	return 0;
}

void ads_graph_transport_free(struct ads_graph_transport *t)
{
	if (!t)
		return;
	if (t->ops && t->ops->free)
		t->ops->free(t->ctx);
	free(t);
}
