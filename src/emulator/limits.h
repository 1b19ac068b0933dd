/*
 * Request accounting for the emulator: statistics (GET /_emulator/stats),
 * rate limits per (ad account, business use case) with the usage headers
 * Meta sends, and deterministic fault injection.
 *
 * Faults are a pure function of (seed, call number, kind): the same seed
 * and the same sequence of Graph calls give the same faults. Every Graph
 * call (an HTTP request, each batch item) takes the next call number; a
 * batch request itself takes the next batch number (its own sequence).
 */
#ifndef ADS_EMULATOR_LIMITS_H
#define ADS_EMULATOR_LIMITS_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "emulator/emulator.h"
#include "util/buf.h"
#include "util/map.h"

struct emu_limits {
	pthread_mutex_t mu;
	struct ads_emulator_runtime rt; /* the live knobs */
	uint64_t calls; /* call numbers handed out */
	uint64_t batches; /* batch numbers handed out (http_5xx on batches) */
	struct ads_map buckets; /* "digits/type" -> struct emu_bucket * */
	int64_t app_start, app_count; /* the app-wide window */
	/* statistics */
	uint64_t http_requests, graph_calls, batch_requests, batch_items;
	uint64_t throttled, not_modified, async_processed;
	uint64_t faults[ADS_EMU_FAULT_NKINDS];
	int64_t inflight, max_inflight;
	struct ads_map routes; /* "GET /{id}" -> uint64_t * */
};

void emu_limits_init(struct emu_limits *l,
                     const struct ads_emulator_runtime *rt);
void emu_limits_release(struct emu_limits *l);
/* A copy of the live knobs. */
void emu_limits_runtime(struct emu_limits *l, struct ads_emulator_runtime *rt);
void emu_limits_set_runtime(struct emu_limits *l,
                            const struct ads_emulator_runtime *rt);

/* The next call number; counts a Graph call under route. */
uint64_t emu_limits_call(struct emu_limits *l, const char *route);
/*
 * Whether fault kind fires for call number call; *pick receives 32 more
 * deterministic bits for choosing among variants. Counts fired faults.
 */
bool emu_limits_fault(struct emu_limits *l, uint64_t call,
                      enum ads_emulator_fault kind, uint32_t *pick);

/*
 * Whether http_5xx fires on a batch request itself. Each batch request
 * takes the next batch number, a sequence of its own, so that the call
 * numbers of Graph calls, and with them every other fault, stay as they
 * were: the decision is a pure function of (seed, batch number). *pick as
 * for emu_limits_fault(). Counts fired faults under http_5xx.
 */
bool emu_limits_batch_fault(struct emu_limits *l, uint32_t *pick);

/* Usage of one (account, type) bucket after a call was charged. */
struct emu_usage {
	int64_t count, budget;
	int64_t reset_seconds; /* until the window starts again */
	bool throttled;
};

/*
 * Charges one call to (digits, buc) at time now (also to the app window)
 * and reports whether it is over budget. digits may be NULL (app only).
 */
void emu_limits_charge(struct emu_limits *l, const char *digits,
                       enum ads_emulator_buc buc, int64_t now,
                       struct emu_usage *out);
/*
 * Appends the rate-limit headers for an account (NULL: X-App-Usage only)
 * as name/value pairs to names/values.
 */
void emu_limits_headers(struct emu_limits *l, const char *digits, int64_t now,
                        struct ads_strvec *names, struct ads_strvec *values);
/* minutes = ceil(seconds / 60), as estimated_time_to_regain_access */
int64_t emu_minutes_ceil(int64_t seconds);

void emu_limits_count(struct emu_limits *l, uint64_t *counter, uint64_t n);
void emu_limits_enter(struct emu_limits *l);
void emu_limits_leave(struct emu_limits *l);
json_t *emu_limits_stats(struct emu_limits *l);
void emu_limits_reset_stats(struct emu_limits *l);
/* Forgets every rate-limit window and restarts the call and batch numbers
 * (POST /_emulator/reset). */
void emu_limits_reset_windows(struct emu_limits *l);
/* Restarts the call and batch numbers (a new seed). */
void emu_limits_reset_calls(struct emu_limits *l);

/* splitmix64: the mixing function of the fault decisions. */
uint64_t emu_mix64(uint64_t x);

#endif
