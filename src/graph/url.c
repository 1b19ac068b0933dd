/* Base URL policy and URL splitting through libcurl's URL API (url.h). */
#include "graph/url.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"
#include "util/xalloc.h"

static char *get_part(CURLU *h, CURLUPart part, unsigned flags)
{
	char *s = NULL, *copy;

	if (curl_url_get(h, part, &s, flags) != CURLUE_OK || !s)
		return NULL;
	copy = xstrdup(s);
	curl_free(s);
	return copy;
}

int ads_graph_url_parse(struct ads_graph_url *out, const char *url,
                        struct ads_error *err)
{
	CURLU *h = curl_url();
	struct ads_graph_url u = ADS_GRAPH_URL_INIT;
	char *port = NULL;
	int ret = 0;

	if (!h)
		return ads_error_set(err, ADS_ERROR, "out of memory");
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "not an absolute http(s) URL");
		goto out;
	}
	u.scheme = get_part(h, CURLUPART_SCHEME, 0);
	u.host = get_part(h, CURLUPART_HOST, 0);
	if (!u.scheme || !u.host ||
	    (strcmp(u.scheme, "http") && strcmp(u.scheme, "https"))) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "not an http or https URL");
		goto out;
	}
	port = get_part(h, CURLUPART_PORT, CURLU_DEFAULT_PORT);
	u.port = port ? strtol(port, NULL, 10) : 0;
	u.path = get_part(h, CURLUPART_PATH, 0);
	if (!u.path)
		u.path = xstrdup("/");
	u.query = get_part(h, CURLUPART_QUERY, 0);
	*out = u;
	memset(&u, 0, sizeof(u));
out:
	ads_graph_url_release(&u);
	free(port);
	curl_url_cleanup(h);
	return ret;
}

void ads_graph_url_release(struct ads_graph_url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->path);
	free(u->query);
	memset(u, 0, sizeof(*u));
}

bool ads_graph_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char buf[64];
	size_t len = strlen(host);

	if (ads_str_ieq(host, "localhost") || ads_str_ieq(host, "localhost."))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' &&
	    len - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

int ads_graph_check_base_url(const char *url, struct ads_error *err)
{
	struct ads_graph_url u = ADS_GRAPH_URL_INIT;
	CURLU *h;
	char *extra = NULL;
	int ret;

	if (!url || !*url)
		return ads_error_set(err, ADS_EINVALID, "empty API URL");
	ret = ads_graph_url_parse(&u, url, err);
	if (ret) {
		ads_error_prefix(err, "invalid API URL");
		return ret;
	}
	h = curl_url();
	if (!h) {
		ret = ads_error_set(err, ADS_ERROR, "out of memory");
		goto out;
	}
	curl_url_set(h, CURLUPART_URL, url, 0);
	if ((extra = get_part(h, CURLUPART_USER, 0)) ||
	    (extra = get_part(h, CURLUPART_PASSWORD, 0))) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "API URL must not contain credentials");
		goto out;
	}
	if (u.query || (extra = get_part(h, CURLUPART_FRAGMENT, 0))) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "API URL must not have a query or fragment "
		                    "(give only the base, e.g. "
		                    "https://graph.facebook.com)");
		goto out;
	}
	if (strcmp(u.scheme, "https") && !ads_graph_host_is_loopback(u.host))
		ret = ads_error_set(
		        err, ADS_EINVALID,
		        "refusing plain http to '%s': the access token would "
		        "cross the network unencrypted; use https (http is "
		        "allowed only to 127.0.0.1, ::1 and localhost)",
		        u.host);
out:
	free(extra);
	curl_url_cleanup(h);
	ads_graph_url_release(&u);
	return ret;
}

bool ads_graph_url_same_origin(const struct ads_graph_url *a,
                               const struct ads_graph_url *b)
{
	return a->scheme && b->scheme && !strcmp(a->scheme, b->scheme) &&
	       a->host && b->host && ads_str_ieq(a->host, b->host) &&
	       a->port == b->port;
}
