/*
 * Benchmark of src/schema/ (not a test): CPU time to compile the built-in
 * schemas and to validate a generated resource file with many ads against
 * https://adsctl.dev/schemas/resources.schema.json. The file is made from a
 * real example by repeating its first campaign, ad set and ad.
 *
 *   bench_validate EXAMPLE.yaml [CAMPAIGNS ADSETS ADS]   (default 20 50 10)
 *
 * Results go to docs/internals/schema.md and docs/benchmarks.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manifest/doc.h"
#include "schema/schema.h"
#include "util/diag.h"

#define RESOURCES "https://adsctl.dev/schemas/resources.schema.json"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *first_member(json_t *obj)
{
	void *it = json_object_iter(obj);

	return it ? json_object_iter_value(it) : NULL;
}

/* Replaces obj[key] (a mapping of resources) by n copies of its first. */
static void multiply(json_t *obj, const char *key, int n, bool typo)
{
	json_t *map = json_object_get(obj, key), *proto, *copies;

	if (!map || !(proto = first_member(map)))
		return;
	proto = json_incref(proto);
	copies = json_object();
	for (int i = 0; i < n; i++) {
		char name[32];
		json_t *c = json_deep_copy(proto);

		snprintf(name, sizeof(name), "%s_%d", key, i);
		if (typo && i % 10 == 0)
			json_object_set_new(c, "staus", json_string("ACTIVE"));
		json_object_set_new(copies, name, c);
	}
	json_object_set_new(obj, key, copies);
	json_decref(proto);
}

/* Every value of the tree, containers included. */
static size_t count_values(const json_t *v)
{
	size_t n = 1, i;
	const char *k;
	json_t *x;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, k, x)
			n += count_values(x);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			n += count_values(x);
	}
	return n;
}

static void count(void *ctx, const struct ads_schema_failure *f)
{
	size_t *n = ctx;

	if (*n < 3)
		fprintf(stderr, "  %s: %s\n", f->instance_ptr, f->message);
	(*n)++;
}

static int run(struct ads_schema_set *set, json_t *root, const char *what,
               int rounds)
{
	struct ads_error err = ADS_ERROR_INIT;
	double t0 = cpu_now();
	size_t failures = 0;
	int ret = 0;

	for (int i = 0; i < rounds && ret >= 0; i++) {
		failures = 0;
		ret = ads_schema_validate(set, RESOURCES, root, count,
		                          &failures, &err);
	}
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", err.msg, what);
		return 1;
	}
	printf("%-28s %8.1f ms CPU per validation, %zu failures\n", what,
	       (cpu_now() - t0) * 1000 / rounds, failures);
	return 0;
}

int main(int argc, char **argv)
{
	struct ads_diags diags = ADS_DIAGS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_schema_set *set;
	struct ads_doc *doc;
	int nc = argc > 4 ? atoi(argv[2]) : 20,
	    ns = argc > 4 ? atoi(argv[3]) : 50;
	int na = argc > 4 ? atoi(argv[4]) : 10, rc = 0;
	double t0;
	json_t *big, *camp, *adset;

	if (argc < 2 || ads_doc_load(&doc, argv[1], argv[1], &diags)) {
		fprintf(stderr, "usage: bench_validate EXAMPLE.yaml [C S A]\n");
		return 64;
	}
	t0 = cpu_now();
	for (int i = 0; i < 20; i++) {
		if (ads_schema_set_builtin(&set, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		ads_schema_set_free(set);
	}
	printf("%-28s %8.1f ms CPU\n", "compile built-in schemas",
	       (cpu_now() - t0) * 1000 / 20);
	ads_schema_set_builtin(&set, &err);
	rc |= run(set, doc->root, "the example as it is", 100);

	for (int typo = 0; typo < 2; typo++) {
		big = json_deep_copy(doc->root);
		camp = first_member(json_object_get(big, "campaigns"));
		/* ad sets share one (immutable) ads mapping; the walk is the
		 * same as with copies */
		multiply(camp, "ad_sets", ns, false);
		adset = first_member(json_object_get(camp, "ad_sets"));
		multiply(adset, "ads", na, typo);
		{
			json_t *proto = json_deep_copy(camp);
			json_t *camps = json_object();

			for (int i = 0; i < nc; i++) {
				char name[32];
				json_t *c = json_deep_copy(proto);
				json_t *sets = json_object_get(c, "ad_sets");
				const char *k;
				json_t *s;

				json_object_foreach(sets, k, s) {
					json_object_set(
					        s, "ads",
					        json_object_get(adset, "ads"));
				}
				snprintf(name, sizeof(name), "campaign_%d", i);
				json_object_set_new(camps, name, c);
			}
			json_object_set_new(big, "campaigns", camps);
			json_decref(proto);
		}
		printf("%d campaigns x %d ad sets x %d ads = %d ads, %zu "
		       "values%s\n",
		       nc, ns, na, nc * ns * na, count_values(big),
		       typo ? ", a typo in every 10th ad" : "");
		rc |= run(set, big, typo ? "  with typos" : "  valid", 5);
		json_decref(big);
	}
	ads_schema_set_free(set);
	ads_doc_free(doc);
	ads_diags_release(&diags);
	return rc;
}
