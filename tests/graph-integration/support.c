/* Helpers of the Graph integration test and benchmark (support.h). */
#include "support.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "util/xalloc.h"

void gi_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	ads_buf_add(arg, data, size * n);
	return size * n;
}

json_t *gi_admin(const char *base, const char *method, const char *path,
                 const char *body)
{
	CURL *h = curl_easy_init();
	struct ads_buf out = ADS_BUF_INIT;
	struct curl_slist *hdrs = NULL;
	char *url = xasprintf("%s%s", base, path);
	json_t *v;
	CURLcode rc;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	if (!strcmp(method, "POST")) {
		hdrs = curl_slist_append(hdrs,
		                         "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "{}");
	}
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		gi_fail("%s %s: %s", method, url, curl_easy_strerror(rc));
	v = json_loadb(out.buf, out.len, 0, NULL);
	if (!v)
		gi_fail("%s %s: not JSON: %.200s", method, url, out.buf);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	ads_buf_release(&out);
	free(url);
	return v;
}

static void capture_message(void *ctx, enum ads_report_kind kind,
                            const char *msg)
{
	struct gi_capture *c = ctx;

	ads_buf_addf(&c->all, "%d:%s\n", (int)kind, msg);
	c->messages++;
	if (c->echo && (c->echo > 1 || kind != ADS_REPORT_DEBUG))
		fprintf(stderr, "  [%s] %s\n",
		        kind == ADS_REPORT_DEBUG ? "debug" : "info", msg);
}

void gi_capture_init(struct gi_capture *c, struct ads_reporter *r)
{
	memset(c, 0, sizeof(*c));
	ads_buf_init(&c->all);
	memset(r, 0, sizeof(*r));
	r->message = capture_message;
	r->ctx = c;
}

struct ads_graph *gi_client(const char *url, const char *token,
                            const char *secret, const char *account,
                            const struct ads_reporter *r,
                            void (*tweak)(struct ads_graph_config *))
{
	struct ads_graph_config cfg;
	struct ads_graph *g = NULL;
	struct ads_error err = ADS_ERROR_INIT;

	ads_graph_config_init(&cfg);
	cfg.api_url = url;
	cfg.api_version = "v25.0";
	cfg.access_token = token;
	cfg.app_secret = secret;
	cfg.account = account;
	cfg.reporter = r;
	if (tweak)
		tweak(&cfg);
	if (ads_graph_new(&g, &cfg, &err))
		gi_fail("client: %s", err.msg);
	return g;
}

int64_t gi_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gi_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

long gi_peak_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}
