/* Usage header parsing and the per-(account, use case) governor. */
#include "graph/ratelimit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define PROBE_RECHECK_MS 250

/*
 * Parses a header value as JSON; failing that, as the single-quoted
 * pseudo-JSON of the docs ({'acc_id_util_pct': 9.67}, 003:L12790).
 */
static json_t *parse_lenient(const char *value)
{
	struct ads_buf b = ADS_BUF_INIT;
	json_t *v;
	bool in_double = false;

	if (!value)
		return NULL;
	v = json_loads(value, JSON_DECODE_ANY, NULL);
	if (v)
		return v;
	for (const char *p = value; *p; p++) {
		if (*p == '"' && (p == value || p[-1] != '\\'))
			in_double = !in_double;
		ads_buf_addch(&b, *p == '\'' && !in_double ? '"' : *p);
	}
	v = json_loads(b.buf, JSON_DECODE_ANY, NULL);
	ads_buf_release(&b);
	return v;
}

/* A percentage or duration that may be a number or a numeric string. */
static double num(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	double d = 0;

	if (json_is_number(v))
		d = json_number_value(v);
	else if (json_is_string(v))
		d = strtod(json_string_value(v), NULL);
	if (!isfinite(d) || d < 0)
		return 0;
	return d > 1e9 ? 1e9 : d;
}

static double max3(double a, double b, double c)
{
	return fmax(a, fmax(b, c));
}

static void set_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void buc_entry(struct ads_graph_usage *u, const char *id,
                      const json_t *e)
{
	memset(u, 0, sizeof(*u));
	set_str(u->id, sizeof(u->id), id);
	set_str(u->type, sizeof(u->type),
	        json_string_value(json_object_get(e, "type")));
	u->pct = max3(num(e, "call_count"), num(e, "total_cputime"),
	              num(e, "total_time"));
	/* Minutes (003:L13122). */
	u->regain_ms =
	        (int64_t)(num(e, "estimated_time_to_regain_access") * 60000.0);
}

size_t ads_graph_parse_buc_usage(struct ads_graph_usage *out, size_t max,
                                 const char *value)
{
	json_t *v = parse_lenient(value), *list, *e;
	const char *id;
	size_t n = 0, i;

	if (!json_is_object(v))
		goto out;
	json_object_foreach(v, id, list) {
		/* A single object instead of a list: accept it. */
		if (json_is_object(list) && n < max) {
			buc_entry(&out[n++], id, list);
			continue;
		}
		json_array_foreach(list, i, e) {
			if (n >= max)
				break;
			if (json_is_object(e))
				buc_entry(&out[n++], id, e);
		}
	}
out:
	json_decref(v);
	return n;
}

size_t ads_graph_parse_account_usage(struct ads_graph_usage *out,
                                     const char *value)
{
	json_t *v = parse_lenient(value);

	if (!json_is_object(v)) {
		json_decref(v);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->pct = num(v, "acc_id_util_pct");
	/* Seconds (003:L12758-12790). */
	out->reset_ms = (int64_t)(num(v, "reset_time_duration") * 1000.0);
	json_decref(v);
	return 1;
}

size_t ads_graph_parse_app_usage(struct ads_graph_usage *out, const char *value)
{
	json_t *v = parse_lenient(value);

	if (!json_is_object(v)) {
		json_decref(v);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	out->pct = max3(num(v, "call_count"), num(v, "total_cputime"),
	                num(v, "total_time"));
	json_decref(v);
	return 1;
}

void ads_graph_governor_config_init(struct ads_graph_governor_config *cfg)
{
	cfg->slow_pct = 75;
	cfg->stop_pct = 95;
	cfg->max_spacing_ms = 3000;
	cfg->stop_pause_ms = 60000;
	cfg->throttle_base_ms = 5000;
	cfg->throttle_max_ms = 15 * 60000;
}

/* State of one (account, type); type "*" is the whole account. */
struct gov_key {
	char *account; /* "" for the app */
	char *type;
	double pct;
	int64_t regain_ms; /* Meta's last estimate, relative */
	int64_t reset_ms;
	int64_t pause_until;
	int64_t last_sent;
	int inflight;
	bool probing; /* after a pause: one call until a response comes */
	bool slow_reported;
};

struct ads_graph_governor {
	struct ads_graph_governor_config cfg;
	const struct ads_reporter *reporter;
	struct ads_map keys; /* "account/type" -> struct gov_key * */
};

struct ads_graph_governor *
ads_graph_governor_new(const struct ads_graph_governor_config *cfg,
                       const struct ads_reporter *r)
{
	struct ads_graph_governor *gov = xcalloc(1, sizeof(*gov));

	if (cfg)
		gov->cfg = *cfg;
	else
		ads_graph_governor_config_init(&gov->cfg);
	if (gov->cfg.stop_pct <= gov->cfg.slow_pct)
		gov->cfg.stop_pct = gov->cfg.slow_pct + 1;
	gov->reporter = r;
	ads_map_init(&gov->keys);
	return gov;
}

static void free_key(void *p)
{
	struct gov_key *k = p;

	free(k->account);
	free(k->type);
	free(k);
}

void ads_graph_governor_free(struct ads_graph_governor *gov)
{
	if (!gov)
		return;
	ads_map_release(&gov->keys, free_key);
	free(gov);
}

const char *ads_graph_buc_type_for_path(const char *path)
{
	if (!path)
		return "ads_management";
	if (strstr(path, "customaudiences") || ads_ends_with(path, "/users") ||
	    ads_ends_with(path, "/usersreplace"))
		return "custom_audience";
	if (strstr(path, "insights"))
		return "ads_insights";
	return "ads_management";
}

static struct gov_key *find_key(const struct ads_graph_governor *gov,
                                const char *account, const char *type)
{
	char name[160];

	snprintf(name, sizeof(name), "%s/%s", account ? account : "", type);
	return ads_map_get(&gov->keys, name);
}

static struct gov_key *get_key(struct ads_graph_governor *gov,
                               const char *account, const char *type)
{
	struct gov_key *k = find_key(gov, account, type);
	char name[160];

	if (k)
		return k;
	k = xcalloc(1, sizeof(*k));
	k->account = xstrdup(account ? account : "");
	k->type = xstrdup(type);
	snprintf(name, sizeof(name), "%s/%s", k->account, type);
	ads_map_put(&gov->keys, name, k);
	return k;
}

void ads_graph_format_duration(char *out, size_t size, int64_t ms)
{
	int64_t s = (ms + 999) / 1000;

	if (s < 60)
		snprintf(out, size, "%llds", (long long)(s ? s : 1));
	else if (s < 3600)
		snprintf(out, size, "%lldm %llds", (long long)(s / 60),
		         (long long)(s % 60));
	else
		snprintf(out, size, "%lldh %lldm", (long long)(s / 3600),
		         (long long)(s % 3600 / 60));
}

static void describe(char *out, size_t size, const struct gov_key *k)
{
	if (!*k->account)
		snprintf(out, size, "this app");
	else if (!strcmp(k->type, "*") || !strcmp(k->type, "ads_management"))
		snprintf(out, size, "act_%s", k->account);
	else
		snprintf(out, size, "act_%s (%s)", k->account, k->type);
}

static void pause_key(struct ads_graph_governor *gov, struct gov_key *k,
                      int64_t ms, int64_t now, const char *why)
{
	char who[128], dur[32];
	int64_t until = now + ms;

	k->probing = true;
	if (until <= k->pause_until + 1000) {
		if (until > k->pause_until)
			k->pause_until = until;
		return;
	}
	k->pause_until = until;
	describe(who, sizeof(who), k);
	ads_graph_format_duration(dur, sizeof(dur), ms);
	ads_report(gov->reporter, ADS_REPORT_INFO,
	           "rate limited by Meta for %s: waiting %s%s", who, dur,
	           why ? why : "");
}

static void note_usage(struct ads_graph_governor *gov, struct gov_key *k,
                       const struct ads_graph_usage *u, int64_t now)
{
	char who[128];

	k->pct = u->pct;
	k->regain_ms = u->regain_ms;
	if (u->reset_ms)
		k->reset_ms = u->reset_ms;
	k->probing = false; /* a response came back */
	if (u->regain_ms > 0) {
		pause_key(gov, k, u->regain_ms, now, NULL);
		return;
	}
	if (u->pct >= gov->cfg.stop_pct) {
		int64_t ms = k->reset_ms > gov->cfg.stop_pause_ms
		                     ? k->reset_ms
		                     : gov->cfg.stop_pause_ms;

		pause_key(gov, k, ms, now, " (usage at or above the limit)");
		return;
	}
	if (u->pct >= gov->cfg.slow_pct) {
		if (!k->slow_reported) {
			describe(who, sizeof(who), k);
			ads_report(gov->reporter, ADS_REPORT_INFO,
			           "Meta API usage for %s is at %.0f%%: "
			           "slowing down",
			           who, u->pct);
			k->slow_reported = true;
		}
		return;
	}
	k->slow_reported = false;
}

void ads_graph_governor_observe(struct ads_graph_governor *gov,
                                const char *account,
                                const struct ads_graph_params *headers,
                                int64_t now)
{
	struct ads_graph_usage u[32];
	const char *v;
	size_t n;

	if (!gov || !headers)
		return;
	for (size_t i = 0; i < headers->nr; i++) {
		const char *name = headers->v[i].key;

		v = headers->v[i].value;
		if (ads_str_ieq(name, "X-Business-Use-Case-Usage")) {
			/* Up to 32 objects per header (003:L13113). */
			n = ads_graph_parse_buc_usage(u, ADS_ARRAY_SIZE(u), v);
			for (size_t j = 0; j < n; j++)
				note_usage(
				        gov,
				        get_key(gov, u[j].id,
				                *u[j].type ? u[j].type : "*"),
				        &u[j], now);
		} else if (ads_str_ieq(name, "X-Ad-Account-Usage")) {
			if (ads_graph_parse_account_usage(u, v))
				note_usage(gov, get_key(gov, account, "*"), u,
				           now);
		} else if (ads_str_ieq(name, "X-App-Usage")) {
			if (ads_graph_parse_app_usage(u, v))
				note_usage(gov, get_key(gov, "", "app"), u,
				           now);
		}
	}
}

static int64_t key_delay(const struct ads_graph_governor *gov,
                         const struct gov_key *k, int64_t now)
{
	double span;
	int64_t spacing;

	if (!k)
		return 0;
	if (now < k->pause_until)
		return k->pause_until - now;
	if (k->probing && k->inflight > 0)
		return PROBE_RECHECK_MS;
	if (k->pct < gov->cfg.slow_pct)
		return 0;
	if (k->inflight > 0)
		return PROBE_RECHECK_MS;
	span = (double)(gov->cfg.stop_pct - gov->cfg.slow_pct);
	spacing = (int64_t)((double)gov->cfg.max_spacing_ms *
	                    fmin(1.0, (k->pct - gov->cfg.slow_pct) / span));
	if (now - k->last_sent < spacing)
		return spacing - (now - k->last_sent);
	return 0;
}

int64_t ads_graph_governor_delay(struct ads_graph_governor *gov,
                                 const char *account, const char *type,
                                 int64_t now)
{
	const struct gov_key *keys[3];
	int64_t d = 0;

	if (!gov)
		return 0;
	keys[0] = find_key(gov, "", "app");
	keys[1] = find_key(gov, account, "*");
	keys[2] = find_key(gov, account, type);
	for (size_t i = 0; i < ADS_ARRAY_SIZE(keys); i++) {
		int64_t kd = key_delay(gov, keys[i], now);

		if (kd > d)
			d = kd;
	}
	return d;
}

/* The keys a call for (account, type) counts against. */
static void call_keys(struct ads_graph_governor *gov, const char *account,
                      const char *type, struct gov_key *keys[3])
{
	keys[0] = get_key(gov, "", "app");
	keys[1] = get_key(gov, account, "*");
	keys[2] = get_key(gov, account, type);
}

void ads_graph_governor_sent(struct ads_graph_governor *gov,
                             const char *account, const char *type, int64_t now)
{
	struct gov_key *keys[3];

	if (!gov)
		return;
	call_keys(gov, account, type, keys);
	for (size_t i = 0; i < 3; i++) {
		keys[i]->inflight++;
		keys[i]->last_sent = now;
	}
}

void ads_graph_governor_finished(struct ads_graph_governor *gov,
                                 const char *account, const char *type)
{
	struct gov_key *keys[3];

	if (!gov)
		return;
	call_keys(gov, account, type, keys);
	for (size_t i = 0; i < 3; i++)
		if (keys[i]->inflight > 0)
			keys[i]->inflight--;
}

int64_t ads_graph_governor_throttled(struct ads_graph_governor *gov,
                                     const char *account, const char *type,
                                     const struct ads_error *err,
                                     unsigned attempt, double jitter,
                                     int64_t now)
{
	struct gov_key *k, *specific;
	int code = err ? err->api_code : 0;
	double backoff;
	int64_t ms, hint;

	if (!gov)
		return 0;
	if (code == 4 || code == 32 || code == 341 ||
	    (err &&
	     (err->api_subcode == 1504022 || err->api_subcode == 1504039)))
		k = get_key(gov, "", "app");
	else if (code == 80000)
		k = get_key(gov, account, "ads_insights");
	else if (code == 80003)
		k = get_key(gov, account, "custom_audience");
	else if (code == 80004)
		k = get_key(gov, account, "ads_management");
	else
		k = get_key(gov, account, "*");
	specific = get_key(gov, account, type);

	backoff = (double)gov->cfg.throttle_base_ms *
	          pow(2.0, attempt > 20 ? 20 : (double)attempt);
	if (backoff > (double)gov->cfg.throttle_max_ms)
		backoff = (double)gov->cfg.throttle_max_ms;
	/* +-20% so that many clients do not come back in step. */
	backoff *= 0.8 + 0.4 * jitter;
	ms = (int64_t)backoff;
	/* Meta's own estimates win when longer (minutes, 003:L13122). */
	hint = k->regain_ms > specific->regain_ms ? k->regain_ms
	                                          : specific->regain_ms;
	if (hint > ms)
		ms = hint;
	if (k->reset_ms > ms && k->pct >= gov->cfg.stop_pct)
		ms = k->reset_ms;
	pause_key(gov, k, ms, now, NULL);
	return ms;
}

double ads_graph_governor_usage(const struct ads_graph_governor *gov,
                                const char *account, const char *type)
{
	const struct gov_key *k = find_key(gov, account, type);

	return k ? k->pct : -1;
}
