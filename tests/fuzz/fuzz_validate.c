/*
 * Fuzz target: load and validate a whole project from one input. The
 * project is served from memory: adsctl.yaml is a fixed valid header, and
 * the input is the resource file it includes. An input with a line "%%"
 * is split there: the part before it is appended to adsctl.yaml (to reach
 * settings and policies), the part after is the resource file. Any other
 * file a manifest names is a tiny PNG (*.png, *.jpg), a small member list
 * (*.csv) or missing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/project.h"
#include "model/model.h"
#include "schema/schema.h"
#include "util/diag.h"
#include "util/strutil.h"

static const char header[] = "stack: fuzz\n"
                             "account: act_1\n"
                             "include: [resources.yaml]\n";
static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
static const char csv[] = "EMAIL,PHONE,COUNTRY,ZIP\n"
                          "a@example.com,+1 555 0100,US,10001-1234\n"
                          "\"b@example.com\",0049 30 1,de,\n";

struct input {
	const char *main, *res;
	size_t main_len, res_len;
};

static int fuzz_read(void *ctx, const char *rel, struct ads_buf *out,
                     size_t max, struct ads_error *err)
{
	const struct input *in = ctx;
	const char *data;
	size_t len;

	if (!strcmp(rel, ADS_PROJECT_FILE)) {
		data = in->main, len = in->main_len;
	} else if (!strcmp(rel, "resources.yaml")) {
		data = in->res, len = in->res_len;
	} else if (ads_ends_with(rel, ".png") || ads_ends_with(rel, ".jpg")) {
		data = png, len = sizeof(png) - 1;
	} else if (ads_ends_with(rel, ".csv")) {
		data = csv, len = sizeof(csv) - 1;
	} else {
		return ads_error_set(err, ADS_ENOTFOUND, "no file '%s'", rel);
	}
	if (max && len > max)
		return ads_error_set(err, ADS_ETOOBIG, "'%s' is too big", rel);
	ads_buf_add(out, data, len);
	return 0;
}

static int fuzz_glob(void *ctx, const char *pattern, struct ads_strvec *out,
                     struct ads_error *err)
{
	(void)ctx;
	(void)err;
	if (!strcmp(pattern, "resources.yaml"))
		ads_strvec_push(out, "resources.yaml");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ads_schema_set *schemas;
	const char *text = (const char *)data;
	const char *split = NULL;
	struct input in = { 0 };
	struct ads_buf main = ADS_BUF_INIT;
	struct ads_source src = { fuzz_read, fuzz_glob, &in, "fuzz input" };
	struct ads_project *p = NULL;
	struct ads_model *m = NULL;
	struct ads_diags diags = ADS_DIAGS_INIT;
	struct ads_error err = ADS_ERROR_INIT;

	if (!schemas && ads_schema_set_builtin(&schemas, &err))
		abort(); /* the embedded schemas must compile */
	ads_buf_addstr(&main, header);
	for (size_t i = 0; i + 3 <= size; i++) {
		if (!memcmp(text + i, "%%\n", 3) &&
		    (i == 0 || text[i - 1] == '\n')) {
			split = text + i;
			break;
		}
	}
	if (split) {
		ads_buf_add(&main, text, (size_t)(split - text));
		in.res = split + 3;
		in.res_len = size - (size_t)(split - text) - 3;
	} else {
		in.res = text;
		in.res_len = size;
	}
	in.main = main.buf;
	in.main_len = main.len;
	if (!ads_project_load(&p, "fuzz", &src, &diags, &err))
		ads_model_build(&m, p, schemas, &diags, &err);
	ads_diags_sort(&diags);
	/* every diagnostic must be complete */
	for (size_t i = 0; i < diags.nr; i++)
		if (!diags.v[i].msg || !diags.v[i].rule)
			abort();
	ads_model_free(m);
	ads_project_free(p);
	ads_diags_release(&diags);
	ads_error_release(&err);
	ads_buf_release(&main);
	return 0;
}
