/*
 * Benchmark driver for the Graph client (tests/bench/bench-graph.sh runs
 * it against `adsctl emulator`): populates an account with ads, then reads
 * every ad with its fields by one strategy per process, so that CPU time
 * and peak RSS are the client's own, and prints one JSON line of results.
 *
 *   bench_graph populate URL ACCOUNT NADS
 *   bench_graph read URL ACCOUNT STRATEGY
 *   bench_graph write URL ACCOUNT STRATEGY N
 *
 * Read strategies: naive (one GET per ad, one after the other), list (the
 * account's ads edge, client page size), list-big (pages of 5000), edges
 * (the ad sets, then the ads of all of them at once), ids (ids= reads of
 * known ids). Write strategies create N paused campaigns: create-seq (one
 * POST after the other, each on a new connection: the worst case of
 * writes never reusing a connection), create-batched (graph/write.h:
 * batches of 50, 4 in flight), read-write (a GET before each create: the
 * reads reuse connections the writes opened). The token comes from
 * ADSCTL_ACCESS_TOKEN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/read.h"
#include "graph/write.h"
#include "support.h"
#include "util/json.h"
#include "util/xalloc.h"

#define FIELDS                                                         \
	"id,name,status,configured_status,effective_status,adset_id,"  \
	"campaign_id,creative{id},adlabels,bid_amount,tracking_specs," \
	"created_time,updated_time"

static const char *token(void)
{
	const char *t = getenv("ADSCTL_ACCESS_TOKEN");

	return t && *t ? t : "bench-token";
}

static void tweak_sequential(struct ads_graph_config *cfg)
{
	cfg->max_in_flight = 1;
	cfg->etag_cache_max = 0;
}

static void tweak_default(struct ads_graph_config *cfg)
{
	cfg->etag_cache_max = 0;
}

static void populate(const char *url, const char *account, long nads)
{
	struct ads_graph *g =
	        gi_client(url, token(), NULL, account, NULL, tweak_default);
	struct ads_graph_writes *w = ads_graph_writes_new(g);
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_op_spec spec = { .params = &p, .create = true };
	struct ads_graph_op *cr, *camp = NULL, *set = NULL, *op;
	struct ads_error err = ADS_ERROR_INIT;
	char path[64], name[64], *ref, *ref2, *creative;
	long nsets = 200, per = (nads + nsets - 1) / nsets, made = 0;
	int64_t t0 = gi_wall_ms();

	snprintf(path, sizeof(path), "%s/adcreatives", account);
	spec.path = path;
	spec.kind = ADS_GRAPH_OP_CREATIVE;
	ads_graph_params_set(&p, "name", "bench creative");
	ads_graph_params_set(&p, "object_story_spec",
	                     "{\"page_id\":\"1111\",\"link_data\":{\"link\":"
	                     "\"https://shop.example\",\"message\":\"Hi\"}}");
	if (ads_graph_writes_add(&cr, w, &spec, &err))
		gi_fail("%s", err.msg);
	ref2 = ads_graph_op_ref(cr, NULL);
	creative = xasprintf("{\"creative_id\":\"%s\"}", ref2);
	for (long s = 0; s < nsets; s++) {
		ads_graph_params_release(&p);
		if (s % 10 == 0) {
			snprintf(path, sizeof(path), "%s/campaigns", account);
			snprintf(name, sizeof(name), "bench campaign %ld",
			         s / 10);
			spec.kind = ADS_GRAPH_OP_CAMPAIGN;
			ads_graph_params_set(&p, "name", name);
			ads_graph_params_set(&p, "objective",
			                     "OUTCOME_TRAFFIC");
			ads_graph_params_set(&p, "status", "PAUSED");
			ads_graph_params_set(&p, "special_ad_categories", "[]");
			ads_graph_params_set(&p, "daily_budget", "100000");
			if (ads_graph_writes_add(&camp, w, &spec, &err))
				gi_fail("%s", err.msg);
			ads_graph_params_release(&p);
		}
		snprintf(path, sizeof(path), "%s/adsets", account);
		snprintf(name, sizeof(name), "bench ad set %ld", s);
		ref = ads_graph_op_ref(camp, NULL);
		spec.kind = ADS_GRAPH_OP_ADSET;
		ads_graph_params_set(&p, "name", name);
		ads_graph_params_set(&p, "campaign_id", ref);
		ads_graph_params_set(&p, "billing_event", "IMPRESSIONS");
		ads_graph_params_set(&p, "optimization_goal", "REACH");
		ads_graph_params_set(&p, "status", "PAUSED");
		ads_graph_params_set(&p, "targeting",
		                     "{\"geo_locations\":{\"countries\":"
		                     "[\"DE\"]}}");
		if (ads_graph_writes_add(&set, w, &spec, &err))
			gi_fail("%s", err.msg);
		free(ref);
		ref = ads_graph_op_ref(set, NULL);
		for (long a = 0; a < per && made < nads; a++, made++) {
			ads_graph_params_release(&p);
			snprintf(path, sizeof(path), "%s/ads", account);
			snprintf(name, sizeof(name), "bench ad %ld", made);
			spec.kind = ADS_GRAPH_OP_AD;
			ads_graph_params_set(&p, "name", name);
			ads_graph_params_set(&p, "adset_id", ref);
			ads_graph_params_set(&p, "creative", creative);
			ads_graph_params_set(&p, "status", "PAUSED");
			ads_graph_params_setf(
			        &p, "adlabels",
			        "[{\"name\":\"adsctl:bench:ads.a%ld\"}]", made);
			if (ads_graph_writes_add(&op, w, &spec, &err))
				gi_fail("%s", err.msg);
		}
		free(ref);
	}
	if (ads_graph_writes_run(w, &err))
		gi_fail("populate: %s", err.msg);
	printf("{\"populated_ads\":%ld,\"writes\":%zu,\"batches\":%zu,"
	       "\"wall_ms\":%lld}\n",
	       made, ads_graph_writes_size(w), ads_graph_writes_batches(w),
	       (long long)(gi_wall_ms() - t0));
	free(ref2);
	free(creative);
	ads_graph_params_release(&p);
	ads_graph_writes_free(w);
	ads_graph_free(g);
}

/* The ids of every ad, read before the measured part of some modes. */
static json_t *ad_ids(struct ads_graph *g, const char *account)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	char *path = xasprintf("%s/ads", account);
	json_t *items = NULL;

	ads_graph_params_set(&p, "fields", "id");
	ads_graph_params_set(&p, "limit", "5000");
	if (ads_graph_list(&items, g, path, &p, &err))
		gi_fail("ids: %s", err.msg);
	ads_graph_params_release(&p);
	free(path);
	return items;
}

static long long stat_of(const char *url, const char *key)
{
	json_t *s = gi_admin(url, "GET", "/_emulator/stats", NULL);
	long long v = (long long)json_integer_value(json_object_get(s, key));

	json_decref(s);
	return v;
}

static void read_ads(const char *url, const char *account, const char *strategy)
{
	bool naive = !strcmp(strategy, "naive");
	struct ads_graph *g =
	        gi_client(url, token(), NULL, account, NULL,
	                  naive ? tweak_sequential : tweak_default);
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_stats before, st;
	json_t *ids = NULL, *out = NULL;
	size_t objects = 0, unavoidable = 1, i;
	int64_t t0, c0, wall;
	long limit = getenv("NAIVE_LIMIT") ? atol(getenv("NAIVE_LIMIT")) : 0;
	char *path = xasprintf("%s/ads", account);
	json_t *v;

	if (naive || !strcmp(strategy, "ids"))
		ids = ad_ids(g, account);
	ads_graph_get_stats(g, &before);
	json_decref(gi_admin(url, "POST", "/_emulator/stats/reset", NULL));
	ads_graph_params_set(&p, "fields", FIELDS);
	t0 = gi_wall_ms();
	c0 = gi_cpu_ms();
	if (naive) {
		/* One GET per ad, each waiting for the previous one. */
		json_array_foreach(ids, i, v) {
			json_t *ad = NULL;

			if (limit && (long)i >= limit)
				break;
			if (ads_graph_get(&ad, g, ads_json_str(v, "id"), &p,
			                  &err))
				gi_fail("naive: %s", err.msg);
			objects += ad != NULL;
			json_decref(ad);
		}
		unavoidable = objects;
	} else if (!strcmp(strategy, "list") || !strcmp(strategy, "list-big")) {
		if (!strcmp(strategy, "list-big"))
			ads_graph_params_set(&p, "limit", "5000");
		if (ads_graph_list(&out, g, path, &p, &err))
			gi_fail("list: %s", err.msg);
		objects = json_array_size(out);
	} else if (!strcmp(strategy, "edges")) {
		/* The ad sets (one call), then the ads of all of them. */
		struct ads_graph_params sp = ADS_GRAPH_PARAMS_INIT;
		struct ads_strvec parents = ADS_STRVEC_INIT;
		char *sets = xasprintf("%s/adsets", account);
		json_t *items = NULL;
		const char *k;

		ads_graph_params_set(&sp, "fields", "id");
		ads_graph_params_set(&sp, "limit", "1000");
		if (ads_graph_list(&items, g, sets, &sp, &err))
			gi_fail("adsets: %s", err.msg);
		json_array_foreach(items, i, v)
			ads_strvec_push(&parents, ads_json_str(v, "id"));
		if (ads_graph_list_edges(&out, g,
		                         (const char *const *)parents.v,
		                         parents.nr, "ads", &p, &err))
			gi_fail("edges: %s", err.msg);
		json_object_foreach(out, k, v)
			objects += json_array_size(v);
		unavoidable = 2;
		json_decref(items);
		ads_strvec_release(&parents);
		ads_graph_params_release(&sp);
		free(sets);
	} else if (!strcmp(strategy, "ids")) {
		struct ads_strvec idv = ADS_STRVEC_INIT;

		json_array_foreach(ids, i, v)
			ads_strvec_push(&idv, ads_json_str(v, "id"));
		if (ads_graph_get_ids(&out, NULL, g, (const char *const *)idv.v,
		                      idv.nr, &p, &err))
			gi_fail("ids: %s", err.msg);
		objects = json_object_size(out);
		ads_strvec_release(&idv);
	} else {
		gi_fail("unknown strategy '%s'", strategy);
	}
	wall = gi_wall_ms() - t0;
	ads_graph_get_stats(g, &st);
	if (!strcmp(strategy, "list") || !strcmp(strategy, "list-big"))
		unavoidable = st.round_trips;
	printf("{\"strategy\":\"%s\",\"objects\":%zu,\"http_requests\":%zu,"
	       "\"batch_requests\":%zu,\"graph_calls\":%lld,\"round_trips\":"
	       "%zu,\"unavoidable_round_trips\":%zu,\"wall_ms\":%lld,"
	       "\"cpu_ms\":%lld,\"peak_rss_kb\":%ld}\n",
	       strategy, objects, st.http_requests - before.http_requests,
	       st.batch_requests - before.batch_requests,
	       stat_of(url, "graph_calls"), st.round_trips - before.round_trips,
	       unavoidable, (long long)wall, (long long)(gi_cpu_ms() - c0),
	       gi_peak_rss_kb());
	json_decref(ids);
	json_decref(out);
	free(path);
	ads_graph_params_release(&p);
	ads_graph_free(g);
}

static void write_campaigns(const char *url, const char *account,
                            const char *strategy, long n)
{
	struct ads_graph *g =
	        gi_client(url, token(), NULL, account, NULL, tweak_default);
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_stats st;
	char *path = xasprintf("%s/campaigns", account);
	int64_t t0, c0, wall;
	long made = 0;

	ads_graph_params_set(&p, "objective", "OUTCOME_TRAFFIC");
	ads_graph_params_set(&p, "status", "PAUSED");
	ads_graph_params_set(&p, "special_ad_categories", "[]");
	ads_graph_params_set(&p, "daily_budget", "10000");
	json_decref(gi_admin(url, "POST", "/_emulator/stats/reset", NULL));
	t0 = gi_wall_ms();
	c0 = gi_cpu_ms();
	if (!strcmp(strategy, "create-seq") ||
	    !strcmp(strategy, "read-write")) {
		bool reads = !strcmp(strategy, "read-write");

		for (long i = 0; i < n; i++) {
			json_t *body = NULL;

			if (reads) {
				if (ads_graph_get(&body, g, account, NULL,
				                  &err))
					gi_fail("read: %s", err.msg);
				json_decref(body);
				body = NULL;
			}
			ads_graph_params_setf(&p, "name", "bench write %ld", i);
			if (ads_graph_post(&body, g, path, &p, 0, &err))
				gi_fail("create: %s", err.msg);
			made += json_object_get(body, "id") != NULL;
			json_decref(body);
		}
	} else if (!strcmp(strategy, "create-batched")) {
		struct ads_graph_writes *w = ads_graph_writes_new(g);
		struct ads_graph_op_spec spec = {
			.path = path,
			.params = &p,
			.kind = ADS_GRAPH_OP_CAMPAIGN,
			.create = true,
		};
		struct ads_graph_op *op;

		for (long i = 0; i < n; i++) {
			ads_graph_params_setf(&p, "name", "bench write %ld", i);
			if (ads_graph_writes_add(&op, w, &spec, &err))
				gi_fail("%s", err.msg);
		}
		if (ads_graph_writes_run(w, &err))
			gi_fail("create-batched: %s", err.msg);
		made = (long)ads_graph_writes_count(w, ADS_GRAPH_OK);
		ads_graph_writes_free(w);
	} else {
		gi_fail("unknown strategy '%s'", strategy);
	}
	wall = gi_wall_ms() - t0;
	ads_graph_get_stats(g, &st);
	printf("{\"strategy\":\"%s\",\"objects\":%ld,\"http_requests\":%zu,"
	       "\"batch_requests\":%zu,\"graph_calls\":%lld,\"round_trips\":"
	       "%zu,\"wall_ms\":%lld,\"requests_per_s\":%.1f,\"cpu_ms\":%lld,"
	       "\"peak_rss_kb\":%ld}\n",
	       strategy, made, st.http_requests, st.batch_requests,
	       stat_of(url, "graph_calls"), st.round_trips, (long long)wall,
	       wall > 0 ? (double)st.http_requests * 1000.0 / (double)wall
	                : 0.0,
	       (long long)(gi_cpu_ms() - c0), gi_peak_rss_kb());
	free(path);
	ads_graph_params_release(&p);
	ads_graph_free(g);
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "populate")) {
		populate(argv[2], argv[3], atol(argv[4]));
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "read")) {
		read_ads(argv[2], argv[3], argv[4]);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "write")) {
		write_campaigns(argv[2], argv[3], argv[4], atol(argv[5]));
		return 0;
	}
	fprintf(stderr, "usage: bench_graph populate URL ACCOUNT NADS\n"
	                "       bench_graph read URL ACCOUNT STRATEGY\n"
	                "       bench_graph write URL ACCOUNT STRATEGY N\n");
	return 64;
}
