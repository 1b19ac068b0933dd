/*
 * URLs the client talks to: the base URL check (HTTPS except to loopback)
 * and the parsing of paging links, which must point back at the same
 * server before the client sends its token along.
 */
#ifndef ADS_GRAPH_URL_H
#define ADS_GRAPH_URL_H

#include <stdbool.h>

#include "util/error.h"

struct ads_graph_url {
	char *scheme; /* "https", lowercase; owned */
	char *host; /* "graph.facebook.com", "[::1]"; owned */
	long port; /* explicit or the scheme's default */
	char *path; /* "/v25.0/act_1/ads", never NULL; owned */
	char *query; /* without '?', NULL if none; owned */
};
#define ADS_GRAPH_URL_INIT                \
	{                                 \
		NULL, NULL, 0, NULL, NULL \
	}

/*
 * Splits an absolute http(s) URL. Fails with ADS_EINVALID (the message
 * names the problem, never the query string, which may hold secrets).
 */
int ads_graph_url_parse(struct ads_graph_url *out, const char *url,
                        struct ads_error *err);
void ads_graph_url_release(struct ads_graph_url *u);

/* 127.0.0.0/8, ::1 and "localhost" (any case). */
bool ads_graph_host_is_loopback(const char *host);

/*
 * Checks a base URL given with --api-url or ADSCTL_API_URL: http or https,
 * no credentials, query or fragment, and HTTPS unless the host is loopback
 * (the access token must never cross a network in clear text).
 */
int ads_graph_check_base_url(const char *url, struct ads_error *err);

/* Same scheme, host (case-insensitive) and port. */
bool ads_graph_url_same_origin(const struct ads_graph_url *a,
                               const struct ads_graph_url *b);

#endif
