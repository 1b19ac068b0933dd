/*
 * ads-schema-check FILE...: validates plan documents against
 * schemas/plan.schema.json with adsctl's own validator (the compiled-in
 * schemas). Prints every failure; exits 1 when a file is invalid.
 */
#include <stdio.h>

#include "schema/schema.h"
#include "util/json.h"

#define PLAN_SCHEMA "https://adsctl.dev/schemas/plan.schema.json"

static void report(void *ctx, const struct ads_schema_failure *f)
{
	fprintf(stderr, "%s: %s: %s (%s)\n", (const char *)ctx,
	        *f->instance_ptr ? f->instance_ptr : "/", f->message,
	        f->schema_ptr);
}

int main(int argc, char **argv)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_schema_set *set = NULL;
	int bad = 0;

	if (ads_schema_set_builtin(&set, &err)) {
		fprintf(stderr, "ads-schema-check: %s\n", err.msg);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		json_t *doc = NULL;
		int n;

		if (ads_json_load_file(&doc, argv[i], 0, &err)) {
			fprintf(stderr, "ads-schema-check: %s\n", err.msg);
			ads_error_release(&err);
			bad++;
			continue;
		}
		n = ads_schema_validate(set, PLAN_SCHEMA, doc, report, argv[i],
		                        &err);
		if (n) {
			if (n < 0)
				fprintf(stderr, "ads-schema-check: %s\n",
				        err.msg);
			bad++;
		}
		json_decref(doc);
	}
	ads_schema_set_free(set);
	return bad ? 1 : 0;
}
