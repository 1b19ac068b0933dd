/*
 * The rate-limit governor. Meta meters calls per (ad account, business use
 * case) and reports usage in X-Business-Use-Case-Usage, X-Ad-Account-Usage
 * and X-App-Usage on every response and every batch item (003:L12749-13176,
 * reference/api-semantics.md §8). The governor reads them, slows calls to
 * an account down as its usage rises, and pauses it when Meta says it is
 * blocked, instead of spinning into a longer block (003:L12836).
 */
#ifndef ADS_GRAPH_RATELIMIT_H
#define ADS_GRAPH_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/params.h"
#include "util/error.h"
#include "util/report.h"

/* One usage figure from a header. */
struct ads_graph_usage {
	char id[64]; /* account or business id; "" when app-wide */
	char type[40]; /* BUC type ("ads_management"), "" if not given */
	double pct; /* max of the call, CPU, time and account percentages */
	int64_t regain_ms; /* estimated time to regain access, 0 if none */
	int64_t reset_ms; /* reset_time_duration: usage back to 0 */
};

/*
 * Header parsers, lenient as real values are (sdk-behaviors §2.1): floats
 * or integers, single-quoted pseudo-JSON, missing members. They return the
 * number of figures stored (at most max), 0 for a value they cannot read.
 */
size_t ads_graph_parse_buc_usage(struct ads_graph_usage *out, size_t max,
                                 const char *value);
size_t ads_graph_parse_account_usage(struct ads_graph_usage *out,
                                     const char *value);
size_t ads_graph_parse_app_usage(struct ads_graph_usage *out,
                                 const char *value);

struct ads_graph_governor_config {
	unsigned slow_pct; /* slow down from this usage (default 75) */
	unsigned stop_pct; /* pause from this usage (default 95) */
	int64_t max_spacing_ms; /* gap between calls just below stop_pct */
	int64_t stop_pause_ms; /* pause at stop_pct without an estimate */
	int64_t throttle_base_ms; /* first wait after a throttling error */
	int64_t throttle_max_ms; /* longest single wait */
};
/* Fills the defaults above (75%, 95%, 3 s, 60 s, 5 s, 15 min). */
void ads_graph_governor_config_init(struct ads_graph_governor_config *cfg);

struct ads_graph_governor;

/* cfg is copied; r (may be NULL) is borrowed for the governor's life. */
struct ads_graph_governor *
ads_graph_governor_new(const struct ads_graph_governor_config *cfg,
                       const struct ads_reporter *r);
void ads_graph_governor_free(struct ads_graph_governor *gov);

/*
 * The BUC type of a call, guessed from its path: custom audiences and
 * their users are "custom_audience", insights "ads_insights", everything
 * else "ads_management" (003:L12846-12954).
 */
const char *ads_graph_buc_type_for_path(const char *path);

/*
 * Feeds the headers of a response (or batch item) to a call for account
 * (digits without "act_", or NULL when unknown).
 */
void ads_graph_governor_observe(struct ads_graph_governor *gov,
                                const char *account,
                                const struct ads_graph_params *headers,
                                int64_t now);
/*
 * Milliseconds to wait before a call of BUC type for account may start
 * (0: now). While usage is high only one call per account is in flight.
 */
int64_t ads_graph_governor_delay(struct ads_graph_governor *gov,
                                 const char *account, const char *type,
                                 int64_t now);
/* A call started / finished (pairs; same arguments). */
void ads_graph_governor_sent(struct ads_graph_governor *gov,
                             const char *account, const char *type,
                             int64_t now);
void ads_graph_governor_finished(struct ads_graph_governor *gov,
                                 const char *account, const char *type);
/*
 * A call was refused with a throttling error (err): pauses what the code
 * names (the app for 4/32/341, the account for 17/613, the use case for
 * 8000x) for the longest of Meta's estimate and a jittered exponential
 * backoff for the attempt-th consecutive throttle (jitter in [0, 1)),
 * reports the pause, and returns its length in milliseconds.
 */
int64_t ads_graph_governor_throttled(struct ads_graph_governor *gov,
                                     const char *account, const char *type,
                                     const struct ads_error *err,
                                     unsigned attempt, double jitter,
                                     int64_t now);
/* The last usage seen for (account, type), or -1; for tests and -v. */
double ads_graph_governor_usage(const struct ads_graph_governor *gov,
                                const char *account, const char *type);

/* "2m 10s", "45s", "1h 3m": a wait for humans. */
void ads_graph_format_duration(char *out, size_t size, int64_t ms);

#endif
