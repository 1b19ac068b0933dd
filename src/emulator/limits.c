/*
 * Statistics, rate limits and fault injection (see limits.h). Rate-limit
 * windows are fixed: they start with the first call after the previous one
 * ended, and every call in them counts, throttled or not (003:L12836:
 * "Continuing to make calls will continue to increase your call count").
 */
#include "emulator/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct emu_bucket {
	int64_t start, count;
};

static const char *const buc_names[ADS_EMU_BUC_NKINDS] = {
	[ADS_EMU_BUC_ADS_MANAGEMENT] = "ads_management",
	[ADS_EMU_BUC_CUSTOM_AUDIENCE] = "custom_audience",
};

static const char *const fault_names[ADS_EMU_FAULT_NKINDS] = {
	[ADS_EMU_FAULT_TRANSIENT] = "transient",
	[ADS_EMU_FAULT_HTTP_5XX] = "http_5xx",
	[ADS_EMU_FAULT_NULL_ITEM] = "null_batch_item",
	[ADS_EMU_FAULT_DROP] = "commit_then_drop",
	[ADS_EMU_FAULT_THROTTLE] = "throttle",
};

uint64_t emu_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void emu_limits_init(struct emu_limits *l,
                     const struct ads_emulator_runtime *rt)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	l->rt = *rt;
	ads_map_init(&l->buckets);
	ads_map_init(&l->routes);
}

void emu_limits_release(struct emu_limits *l)
{
	ads_map_release(&l->buckets, free);
	ads_map_release(&l->routes, free);
	pthread_mutex_destroy(&l->mu);
}

void emu_limits_runtime(struct emu_limits *l, struct ads_emulator_runtime *rt)
{
	pthread_mutex_lock(&l->mu);
	*rt = l->rt;
	pthread_mutex_unlock(&l->mu);
}

void emu_limits_set_runtime(struct emu_limits *l,
                            const struct ads_emulator_runtime *rt)
{
	pthread_mutex_lock(&l->mu);
	l->rt = *rt;
	pthread_mutex_unlock(&l->mu);
}

uint64_t emu_limits_call(struct emu_limits *l, const char *route)
{
	uint64_t n, *c;

	pthread_mutex_lock(&l->mu);
	n = ++l->calls;
	l->graph_calls++;
	c = ads_map_get(&l->routes, route);
	if (!c) {
		c = xcalloc(1, sizeof(*c));
		ads_map_put(&l->routes, route, c);
	}
	(*c)++;
	pthread_mutex_unlock(&l->mu);
	return n;
}

/* With l->mu held: fault kind at rate, drawn from number n of the
 * sequence salt (0..15; call faults use their kind). */
static bool draw(struct emu_limits *l, uint64_t n, unsigned salt,
                 enum ads_emulator_fault kind, uint32_t *pick)
{
	double rate = l->rt.fault_rate[kind], u;
	uint64_t h = emu_mix64(l->rt.seed ^ emu_mix64(n * 16 + salt));
	bool fire;

	u = (double)(h >> 11) / (double)(1ULL << 53);
	fire = rate > 0 && u < rate;
	if (fire)
		l->faults[kind]++;
	if (pick)
		*pick = (uint32_t)(emu_mix64(h) >> 32);
	return fire;
}

bool emu_limits_fault(struct emu_limits *l, uint64_t call,
                      enum ads_emulator_fault kind, uint32_t *pick)
{
	bool fire;

	pthread_mutex_lock(&l->mu);
	fire = draw(l, call, (unsigned)kind, kind, pick);
	pthread_mutex_unlock(&l->mu);
	return fire;
}

/* The salt of the batch-request sequence: no fault kind uses it. */
#define BATCH_SALT 15
_Static_assert(ADS_EMU_FAULT_NKINDS <= BATCH_SALT,
               "a fault kind would share the batch sequence's draws");

bool emu_limits_batch_fault(struct emu_limits *l, uint32_t *pick)
{
	bool fire;

	pthread_mutex_lock(&l->mu);
	fire = draw(l, ++l->batches, BATCH_SALT, ADS_EMU_FAULT_HTTP_5XX, pick);
	pthread_mutex_unlock(&l->mu);
	return fire;
}

int64_t emu_minutes_ceil(int64_t seconds)
{
	return seconds <= 0 ? 0 : (seconds + 59) / 60;
}

static struct emu_bucket *bucket(struct emu_limits *l, const char *digits,
                                 enum ads_emulator_buc buc, int64_t now)
{
	char key[96];
	struct emu_bucket *b;

	snprintf(key, sizeof(key), "%s/%s", digits, buc_names[buc]);
	b = ads_map_get(&l->buckets, key);
	if (!b) {
		b = xcalloc(1, sizeof(*b));
		b->start = now;
		ads_map_put(&l->buckets, key, b);
	}
	if (now >= b->start + l->rt.buc_window[buc]) {
		b->start = now;
		b->count = 0;
	}
	return b;
}

static void usage_of(struct emu_limits *l, struct emu_bucket *b,
                     enum ads_emulator_buc buc, int64_t now,
                     struct emu_usage *out)
{
	out->count = b->count;
	out->budget = l->rt.buc_budget[buc];
	out->reset_seconds = b->start + l->rt.buc_window[buc] - now;
	if (out->reset_seconds < 0)
		out->reset_seconds = 0;
	out->throttled = out->budget > 0 && b->count > out->budget;
}

void emu_limits_charge(struct emu_limits *l, const char *digits,
                       enum ads_emulator_buc buc, int64_t now,
                       struct emu_usage *out)
{
	pthread_mutex_lock(&l->mu);
	if (now >=
	    l->app_start + l->rt.buc_window[ADS_EMU_BUC_ADS_MANAGEMENT]) {
		l->app_start = now;
		l->app_count = 0;
	}
	l->app_count++;
	memset(out, 0, sizeof(*out));
	if (digits) {
		struct emu_bucket *b = bucket(l, digits, buc, now);

		b->count++;
		usage_of(l, b, buc, now, out);
		if (out->throttled)
			l->throttled++;
	}
	pthread_mutex_unlock(&l->mu);
}

static int64_t pct(int64_t count, int64_t budget)
{
	return budget > 0 ? count * 100 / budget : 0;
}

void emu_limits_headers(struct emu_limits *l, const char *digits, int64_t now,
                        struct ads_strvec *names, struct ads_strvec *values)
{
	struct ads_buf b = ADS_BUF_INIT;
	int64_t app_pct;

	pthread_mutex_lock(&l->mu);
	if (digits) {
		int64_t max_pct = 0, reset = 0;
		bool first = true;

		ads_buf_addf(&b, "{\"%s\":[", digits);
		for (int k = 0; k < ADS_EMU_BUC_NKINDS; k++) {
			struct emu_bucket *bk = bucket(
			        l, digits, (enum ads_emulator_buc)k, now);
			struct emu_usage u;
			int64_t p, eta;

			usage_of(l, bk, (enum ads_emulator_buc)k, now, &u);
			if (!u.count && k != ADS_EMU_BUC_ADS_MANAGEMENT)
				continue;
			p = pct(u.count, u.budget);
			eta = u.throttled ? emu_minutes_ceil(u.reset_seconds)
			                  : 0;
			if (p > max_pct) {
				max_pct = p;
			}
			if (u.throttled && u.reset_seconds > reset)
				reset = u.reset_seconds;
			if (!u.throttled && k == ADS_EMU_BUC_ADS_MANAGEMENT &&
			    !reset)
				reset = u.reset_seconds;
			ads_buf_addf(&b,
			             "%s{\"type\":\"%s\",\"call_count\":%lld,"
			             "\"total_cputime\":%lld,"
			             "\"total_time\":%lld,"
			             "\"estimated_time_to_regain_access\":%lld,"
			             "\"ads_api_access_tier\":\"%s\"}",
			             first ? "" : ",", buc_names[k],
			             (long long)p, (long long)(p / 4),
			             (long long)(p / 2), (long long)eta,
			             l->rt.access_tier);
			first = false;
		}
		ads_buf_addstr(&b, "]}");
		ads_strvec_push(names, "X-Business-Use-Case-Usage");
		ads_strvec_push(values, b.buf);
		ads_buf_reset(&b);
		{
			struct emu_usage u;
			struct emu_bucket *bk = bucket(
			        l, digits, ADS_EMU_BUC_ADS_MANAGEMENT, now);

			usage_of(l, bk, ADS_EMU_BUC_ADS_MANAGEMENT, now, &u);
			ads_buf_addf(&b,
			             "{\"acc_id_util_pct\":%.2f,"
			             "\"reset_time_duration\":%lld,"
			             "\"ads_api_access_tier\":\"%s\"}",
			             u.budget > 0 ? (double)u.count * 100.0 /
			                                    (double)u.budget
			                          : 0.0,
			             (long long)u.reset_seconds,
			             l->rt.access_tier);
		}
		ads_strvec_push(names, "X-Ad-Account-Usage");
		ads_strvec_push(values, b.buf);
		ads_buf_reset(&b);
		(void)max_pct;
	}
	if (now >=
	    l->app_start + l->rt.buc_window[ADS_EMU_BUC_ADS_MANAGEMENT]) {
		l->app_start = now;
		l->app_count = 0;
	}
	app_pct = pct(l->app_count, l->rt.app_budget);
	ads_buf_addf(&b,
	             "{\"call_count\":%lld,\"total_cputime\":%lld,"
	             "\"total_time\":%lld}",
	             (long long)app_pct, (long long)(app_pct / 4),
	             (long long)(app_pct / 2));
	ads_strvec_push(names, "X-App-Usage");
	ads_strvec_push(values, b.buf);
	pthread_mutex_unlock(&l->mu);
	ads_buf_release(&b);
}

void emu_limits_count(struct emu_limits *l, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&l->mu);
	*counter += n;
	pthread_mutex_unlock(&l->mu);
}

void emu_limits_enter(struct emu_limits *l)
{
	pthread_mutex_lock(&l->mu);
	l->http_requests++;
	if (++l->inflight > l->max_inflight)
		l->max_inflight = l->inflight;
	pthread_mutex_unlock(&l->mu);
}

void emu_limits_leave(struct emu_limits *l)
{
	pthread_mutex_lock(&l->mu);
	l->inflight--;
	pthread_mutex_unlock(&l->mu);
}

json_t *emu_limits_stats(struct emu_limits *l)
{
	json_t *j = json_object(), *routes = json_object(),
	       *faults = json_object();
	const char *k;
	void *v;

	pthread_mutex_lock(&l->mu);
	json_object_set_new(j, "http_requests",
	                    json_integer((json_int_t)l->http_requests));
	json_object_set_new(j, "graph_calls",
	                    json_integer((json_int_t)l->graph_calls));
	json_object_set_new(j, "batch_requests",
	                    json_integer((json_int_t)l->batch_requests));
	json_object_set_new(j, "batch_items",
	                    json_integer((json_int_t)l->batch_items));
	json_object_set_new(j, "throttled",
	                    json_integer((json_int_t)l->throttled));
	json_object_set_new(j, "not_modified",
	                    json_integer((json_int_t)l->not_modified));
	json_object_set_new(j, "async_processed",
	                    json_integer((json_int_t)l->async_processed));
	json_object_set_new(j, "max_concurrent",
	                    json_integer((json_int_t)l->max_inflight));
	for (size_t it = 0; ads_map_next(&l->routes, &it, &k, &v);)
		json_object_set_new(routes, k,
		                    json_integer((json_int_t) * (uint64_t *)v));
	for (int f = 0; f < ADS_EMU_FAULT_NKINDS; f++)
		json_object_set_new(faults, fault_names[f],
		                    json_integer((json_int_t)l->faults[f]));
	pthread_mutex_unlock(&l->mu);
	json_object_set_new(j, "by_route", routes);
	json_object_set_new(j, "faults", faults);
	return j;
}

void emu_limits_reset_stats(struct emu_limits *l)
{
	pthread_mutex_lock(&l->mu);
	l->http_requests = l->graph_calls = l->batch_requests = 0;
	l->batch_items = l->throttled = l->not_modified = 0;
	l->async_processed = 0;
	memset(l->faults, 0, sizeof(l->faults));
	l->max_inflight = l->inflight;
	ads_map_release(&l->routes, free);
	ads_map_init(&l->routes);
	pthread_mutex_unlock(&l->mu);
}

void emu_limits_reset_windows(struct emu_limits *l)
{
	pthread_mutex_lock(&l->mu);
	ads_map_release(&l->buckets, free);
	ads_map_init(&l->buckets);
	l->app_count = 0;
	l->calls = 0;
	l->batches = 0;
	pthread_mutex_unlock(&l->mu);
}

void emu_limits_reset_calls(struct emu_limits *l)
{
	pthread_mutex_lock(&l->mu);
	l->calls = 0;
	l->batches = 0;
	pthread_mutex_unlock(&l->mu);
}
