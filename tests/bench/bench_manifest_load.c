/*
 * Benchmark of manifest loading (src/manifest/): generates a project of N
 * ads in a temporary directory (campaign files of 50 ads, creative files
 * of 100 creatives, about 870 bytes of YAML per ad and its creative), then
 * times ads_project_load() on it, and ads_doc_parse() on one file of about
 * 3 MB. Prints wall and CPU time (all threads) and MB/s: of the first
 * load, which pays for fresh memory as a command does, and the best of
 * the other runs, which reuse the memory freed by the ones before.
 *
 *   bench_manifest_load [ADS|DIR [RUNS]]   (defaults: 10000 ads, 5 runs)
 *
 * Given a directory (e.g. from gen-project.py), loads that project instead
 * of generating one.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manifest/doc.h"
#include "manifest/project.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define ADS_PER_FILE       50
#define CREATIVES_PER_FILE 100

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_or_die(const char *dir, const char *rel,
                         const struct ads_buf *b)
{
	struct ads_error err = ADS_ERROR_INIT;
	char *path = ads_path_join(dir, rel);
	char *parent = ads_path_dirname(path);

	if (ads_mkdir_p(parent, &err) < 0 ||
	    ads_write_file_atomic(path, b->buf, b->len, 0644, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	free(parent);
	free(path);
}

/* One campaign with 5 ad sets of 10 ads, ads numbered from first. */
static void campaign(struct ads_buf *b, int f, int first)
{
	ads_buf_addf(b,
	             "  camp_%d:\n"
	             "    name: \"FR_Campaign_%d Spring Sale 2027\"\n"
	             "    objective: OUTCOME_SALES\n"
	             "    special_ad_categories: []\n"
	             "    status: ACTIVE\n"
	             "    daily_budget: %d\n"
	             "    bid_strategy: LOWEST_COST_WITHOUT_CAP\n"
	             "    ad_sets:\n",
	             f, f, 20000 + f);
	for (int s = 0; s < ADS_PER_FILE / 10; s++) {
		ads_buf_addf(
		        b,
		        "      set_%d:\n"
		        "        name: \"Set %d of campaign %d\"\n"
		        "        optimization_goal: OFFSITE_CONVERSIONS\n"
		        "        billing_event: IMPRESSIONS\n"
		        "        promoted_object: { pixel_id: \"1234567890\", "
		        "custom_event_type: PURCHASE }\n"
		        "        targeting:\n"
		        "          geo_locations: { countries: [DE, AT, CH, NO] "
		        "}\n"
		        "          age_min: 21\n"
		        "          age_max: 55\n"
		        "          custom_audiences: [ { ref: "
		        "audiences.buyers_lookalike } ]\n"
		        "          targeting_automation: { advantage_audience: 1 "
		        "}\n"
		        "        ads:\n",
		        s, s, f);
		for (int a = 0; a < 10; a++) {
			int ad = first + s * 10 + a;

			ads_buf_addf(
			        b,
			        "          ad_%d:\n"
			        "            name: \"Ad %d - hero variant %d "
			        "for set %d\"\n"
			        "            status: ACTIVE\n"
			        "            creative: { ref: creatives.cr_%d "
			        "}\n"
			        "            tracking_specs:\n"
			        "              - { action.type: "
			        "[offsite_conversion], fb_pixel: "
			        "[\"1234567890\"] }\n"
			        "            conversion_domain: "
			        "shop%d.example.com\n",
			        ad, ad, a, s, ad, a);
		}
	}
}

static void campaign_file(struct ads_buf *b, int f, int first)
{
	ads_buf_addstr(b, "campaigns:\n");
	campaign(b, f, first);
}

static void creative_file(struct ads_buf *b, int first, int n)
{
	ads_buf_addstr(b, "creatives:\n");
	for (int i = first; i < first + n; i++)
		ads_buf_addf(
		        b,
		        "  cr_%d:\n"
		        "    name: \"Creative %d\"\n"
		        "    object_story_spec: { page_id: \"1111111111\", "
		        "instagram_user_id: \"2222222222\" }\n"
		        "    asset_feed_spec:\n"
		        "      images: [ { file: assets/hero-1x1.jpg }, { file: "
		        "assets/hero-9x16.jpg } ]\n"
		        "      bodies: [ { text: \"Spring is here %d\" }, { text: "
		        "\"New season, new look\" } ]\n"
		        "      titles: [ { text: \"Spring Sale\" } ]\n"
		        "      link_urls: [ { website_url: "
		        "\"https://shop.example/spring?c=%d\" } ]\n"
		        "      call_to_action_types: [ SHOP_NOW ]\n"
		        "      ad_formats: [ SINGLE_IMAGE, CAROUSEL ]\n",
		        i, i, i, i);
}

/* Writes the project; returns its size in bytes. */
static size_t generate(const char *dir, int nads)
{
	struct ads_buf b = ADS_BUF_INIT;
	size_t total = 0;
	char rel[64];

	ads_buf_addstr(&b, "stack: bench\naccount: act_1234567890\n"
	                   "include: [campaigns/*.yaml, creatives/*.yaml]\n");
	write_or_die(dir, "adsctl.yaml", &b);
	total += b.len;
	for (int f = 0; f * ADS_PER_FILE < nads; f++) {
		ads_buf_reset(&b);
		campaign_file(&b, f, f * ADS_PER_FILE);
		snprintf(rel, sizeof(rel), "campaigns/c%05d.yaml", f);
		write_or_die(dir, rel, &b);
		total += b.len;
	}
	for (int f = 0; f * CREATIVES_PER_FILE < nads; f++) {
		ads_buf_reset(&b);
		creative_file(&b, f * CREATIVES_PER_FILE, CREATIVES_PER_FILE);
		snprintf(rel, sizeof(rel), "creatives/k%05d.yaml", f);
		write_or_die(dir, rel, &b);
		total += b.len;
	}
	ads_buf_release(&b);
	return total;
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static void report(const char *what, double wall, double cpu, size_t bytes)
{
	printf("%-34s %7.3f s wall %7.3f s cpu %7.1f MB/s\n", what, wall, cpu,
	       (double)bytes / 1e6 / wall);
}

int main(int argc, char **argv)
{
	int nads = argc > 1 ? atoi(argv[1]) : 10000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	char tmpl[] = "/tmp/ads-bench-manifest-XXXXXX";
	char *dir = NULL, *cmd;
	double best_wall = 1e9, best_cpu = 1e9;
	struct ads_buf one = ADS_BUF_INIT;
	struct stat st;
	bool generated = false;
	size_t bytes = 0;

	if (argc > 1 && stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode)) {
		dir = argv[1];
	} else if (nads > 0) {
		dir = mkdtemp(tmpl);
		generated = true;
	}
	if (!dir || runs < 1) {
		fprintf(stderr,
		        "usage: bench_manifest_load [ADS|DIR [RUNS]]\n");
		return 2;
	}
	if (generated) {
		bytes = generate(dir, nads);
		printf("project: %d ads, %.1f MB in %s\n", nads,
		       (double)bytes / 1e6, dir);
	}
	for (int r = 0; r < runs; r++) {
		struct ads_source src;
		struct ads_project *p = NULL;
		struct ads_diags d = ADS_DIAGS_INIT;
		struct ads_error err = ADS_ERROR_INIT;
		double w = now(CLOCK_MONOTONIC),
		       c = now(CLOCK_PROCESS_CPUTIME_ID);

		ads_source_fs(&src, dir);
		if (ads_project_load(&p, dir, &src, &d, &err) < 0 ||
		    d.nerrors) {
			fprintf(stderr, "bench: load failed\n");
			return 1;
		}
		if (!bytes) {
			for (size_t i = 0; i < p->ndocs; i++)
				bytes += file_size(p->docs[i]->path);
			printf("project: %zu files, %.1f MB in %s\n", p->ndocs,
			       (double)bytes / 1e6, dir);
		}
		w = now(CLOCK_MONOTONIC) - w;
		c = now(CLOCK_PROCESS_CPUTIME_ID) - c;
		if (!r)
			report("ads_project_load, first (cold)", w, c, bytes);
		if (r && w < best_wall)
			best_wall = w;
		if (r && c < best_cpu)
			best_cpu = c;
		ads_project_free(p);
		ads_diags_release(&d);
	}
	if (runs > 1)
		report("ads_project_load, best of the rest", best_wall,
		       best_cpu, bytes);

	/* one file of about 3 MB */
	best_wall = best_cpu = 1e9;
	ads_buf_addstr(&one, "campaigns:\n");
	for (int f = 0; one.len < 3000000; f++)
		campaign(&one, f, f * ADS_PER_FILE);
	for (int r = 0; r < runs; r++) {
		struct ads_diags d = ADS_DIAGS_INIT;
		struct ads_doc *doc = NULL;
		double w = now(CLOCK_MONOTONIC),
		       c = now(CLOCK_PROCESS_CPUTIME_ID);

		if (ads_doc_parse(&doc, "one.yaml", one.buf, one.len, &d) < 0) {
			fprintf(stderr, "bench: parse failed\n");
			return 1;
		}
		w = now(CLOCK_MONOTONIC) - w;
		c = now(CLOCK_PROCESS_CPUTIME_ID) - c;
		if (w < best_wall)
			best_wall = w;
		if (c < best_cpu)
			best_cpu = c;
		ads_doc_free(doc);
		ads_diags_release(&d);
	}
	report("ads_doc_parse, one 3 MB file (best)", best_wall, best_cpu,
	       one.len);
	ads_buf_release(&one);
	if (generated) {
		cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", dir);
		free(cmd);
	}
	return 0;
}
