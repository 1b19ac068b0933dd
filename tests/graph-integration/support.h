/*
 * Helpers shared by the Graph client's integration test and benchmark
 * driver: the emulator's admin endpoints over plain HTTP, a reporter that
 * keeps every message, and a client configured for a given server.
 */
#ifndef ADS_TESTS_GRAPH_SUPPORT_H
#define ADS_TESTS_GRAPH_SUPPORT_H

#include <jansson.h>
#include <stdint.h>

#include "graph/client.h"
#include "util/buf.h"
#include "util/report.h"

/* GET or POST (body JSON, may be NULL) base + path; the JSON answer. */
json_t *gi_admin(const char *base, const char *method, const char *path,
                 const char *body);

/* Keeps every reporter message ("kind:msg\n") in all. */
struct gi_capture {
	struct ads_buf all;
	unsigned long messages;
	int echo; /* also print to stderr */
};
void gi_capture_init(struct gi_capture *c, struct ads_reporter *r);

/* A client for url with the given token and secret; exits on failure. */
struct ads_graph *gi_client(const char *url, const char *token,
                            const char *secret, const char *account,
                            const struct ads_reporter *r,
                            void (*tweak)(struct ads_graph_config *));

/* Wall and CPU clocks in milliseconds; peak RSS in KiB. */
int64_t gi_wall_ms(void);
int64_t gi_cpu_ms(void);
long gi_peak_rss_kb(void);

/* Prints "FAIL: ..." to stderr and exits 1. */
void gi_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));

#endif
