/*
 * Unit tests of the plan renderers (src/render/): money in the account
 * currency, the text plan's lines, the markdown split for PR comments,
 * and the drift report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan/plan.h"
#include "render/drift.h"
#include "render/help.h"
#include "render/money.h"
#include "render/plan_markdown.h"
#include "render/plan_text.h"
#include "util/strutil.h"

static char *money(int64_t v, const char *cur, bool sign)
{
	static char out[64];
	struct ads_buf b = ADS_BUF_INIT;

	ads_render_money(&b, v, cur, sign);
	snprintf(out, sizeof(out), "%s", b.buf);
	ads_buf_release(&b);
	return out;
}

static void test_money(void **state)
{
	(void)state;
	assert_string_equal(money(4000, "EUR", true), "+€40.00");
	assert_string_equal(money(-2450, "USD", true), "-$24.50");
	assert_string_equal(money(123456789, "USD", false), "$1,234,567.89");
	/* zero-decimal currencies: the amount is in yen (003:L15122) */
	assert_string_equal(money(2500, "JPY", false), "¥2,500");
	assert_string_equal(money(10000, "KRW", true), "+₩10,000");
	assert_string_equal(money(5, "USD", false), "$0.05");
	assert_string_equal(money(100050, "SEK", false), "1,000.50 SEK");
	assert_string_equal(money(100, "XYZ", false), "1.00 XYZ");
	assert_string_equal(money(100, NULL, true), "+100");
	assert_string_equal(money(0, "EUR", true), "€0.00");
	assert_int_equal(ads_currency_exponent("jpy"), 0);
	assert_int_equal(ads_currency_exponent("EUR"), 2);
}

/* A plan of n creates with long changes. */
static struct ads_plan *big_plan(size_t n, size_t value_len)
{
	struct ads_plan *p = ads_plan_new();
	char *long_value = malloc(value_len + 1);

	memset(long_value, 'x', value_len);
	long_value[value_len] = '\0';
	p->stack = strdup("s");
	p->account = strdup("act_1");
	p->currency = strdup("EUR");
	for (size_t i = 0; i < n; i++) {
		char addr[64];
		struct ads_plan_step *s;

		snprintf(addr, sizeof(addr), "campaigns.c%04zu", i);
		s = ads_plan_add_step(p, ADS_ACTION_CREATE, ADS_KIND_CAMPAIGN,
		                      addr);
		ads_plan_step_add_change(s, "name", NULL,
		                         json_string(long_value),
		                         ADS_DIFF_SCALAR);
		ads_plan_step_add_change(s, "daily_budget", NULL,
		                         json_integer(1000), ADS_DIFF_MONEY);
		s->spend_delta = 1000;
	}
	ads_plan_count(p);
	free(long_value);
	return p;
}

static void test_text(void **state)
{
	struct ads_plan *p = big_plan(2, 5);
	struct ads_style st = ADS_STYLE_PLAIN;
	struct ads_buf b = ADS_BUF_INIT;

	(void)state;
	p->steps[1].action = ADS_ACTION_UPDATE;
	p->steps[1].id = strdup("42");
	p->steps[1].changes[1].before = json_integer(500);
	ads_plan_count(p);
	ads_render_plan_text(&b, p, &st);
	/* one line per step starting with its symbol and address */
	assert_true(ads_starts_with(b.buf, "+ campaigns.c0000\n"));
	assert_non_null(strstr(b.buf, "\n~ campaigns.c0001 (42)\n"));
	assert_non_null(strstr(b.buf, "daily_budget: €5.00 → €10.00\n"));
	assert_non_null(strstr(b.buf, "Plan: 1 to create, 1 to update, 0 to "
	                              "replace, 0 to delete; daily spend "
	                              "+€20.00\n"));
	/* no escape sequences without colour */
	assert_null(strchr(b.buf, '\033'));
	ads_buf_reset(&b);
	st.color = true;
	ads_render_plan_text(&b, p, &st);
	assert_non_null(strchr(b.buf, '\033'));
	ads_buf_release(&b);
	ads_plan_free(p);
}

static void test_markdown_split(void **state)
{
	struct ads_strvec docs = ADS_STRVEC_INIT;
	struct ads_plan *p = big_plan(400, 300);

	(void)state;
	ads_render_plan_markdown(&docs, p, ADS_MARKDOWN_MAX);
	assert_true(docs.nr > 1);
	for (size_t i = 0; i < docs.nr; i++) {
		char marker[96];

		snprintf(marker, sizeof(marker),
		         "<!-- adsctl-plan part %zu of %zu -->\n", i + 1,
		         docs.nr);
		assert_true(strlen(docs.v[i]) < ADS_MARKDOWN_MAX);
		assert_true(ads_starts_with(docs.v[i], marker));
		/* folded sections are closed in every part */
		assert_int_equal(!!strstr(docs.v[i], "<details>"),
		                 !!strstr(docs.v[i], "</details>"));
	}
	/* the summary comes first */
	assert_non_null(strstr(docs.v[0], "**Plan: 400 to create"));
	/* every step is in the table and in the details, once */
	for (size_t i = 0; i < 400; i += 57) {
		char row[96], det[96];
		size_t nrow = 0, ndet = 0;

		snprintf(row, sizeof(row), "| `+` | `campaigns.c%04zu` |", i);
		snprintf(det, sizeof(det), "#### `+ campaigns.c%04zu`", i);
		for (size_t d = 0; d < docs.nr; d++) {
			nrow += strstr(docs.v[d], row) != NULL;
			ndet += strstr(docs.v[d], det) != NULL;
		}
		assert_int_equal(nrow, 1);
		assert_int_equal(ndet, 1);
	}
	ads_strvec_release(&docs);
	/* a small plan is one document */
	ads_plan_free(p);
	p = big_plan(3, 10);
	ads_render_plan_markdown(&docs, p, ADS_MARKDOWN_MAX);
	assert_int_equal(docs.nr, 1);
	ads_strvec_release(&docs);
	ads_plan_free(p);
}

static void test_drift(void **state)
{
	struct ads_plan *p = big_plan(2, 5), *base = big_plan(1, 5);
	struct ads_style st = ADS_STYLE_PLAIN;
	struct ads_buf b = ADS_BUF_INIT;

	(void)state;
	/* step 0 is planned at the baseline too: live drift; step 1 not */
	ads_plan_classify(p, base);
	assert_int_equal(p->steps[0].origin, ADS_ORIGIN_LIVE);
	assert_int_equal(p->steps[1].origin, ADS_ORIGIN_GIT);
	p->drift_baseline = strdup("commit 1234567 (HEAD)");
	ads_render_drift_text(&b, p, &st);
	assert_non_null(strstr(b.buf, "Changed in Ads Manager (1):\n  + "
	                              "campaigns.c0000: create campaign"));
	assert_non_null(strstr(b.buf, "Changed in git since the baseline "
	                              "(1):\n  + campaigns.c0001\n"));
	ads_buf_release(&b);
	ads_plan_free(p);
	ads_plan_free(base);
}

/* Help text fits 79 columns and keeps every word and paragraph break. */
/* Every line of text ends in a newline within 79 columns. */
static void assert_lines_fit(const char *text)
{
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');

		assert_non_null(nl);
		assert_true(nl - line <= 79);
		line = nl + 1;
	}
}

static void test_help_wraps(void **state)
{
	static const struct ads_opt opts[] = {
		{ .name = "format", .arg = "FORMAT", .help = "output format" },
		{ 0 },
	};
	static const struct ads_cmd cmd = {
		.name = "plan",
		.summary = "show what would change",
		.description = "Loads the manifests in DIR (default: the "
		               "current directory), reads the live objects "
		               "of the account through the Graph API and "
		               "prints the ordered steps.\nSecond paragraph "
		               "endsherewithalongwordthatcannotbesplit.",
		.opts = opts,
	};
	const struct ads_cmd *const cmds[] = { &cmd, NULL };
	struct ads_buf b = ADS_BUF_INIT;

	(void)state;
	ads_render_help(&b, cmds, &cmd, opts);
	assert_lines_fit(b.buf);
	assert_non_null(strstr(b.buf, "\nLoads the manifests in DIR "));
	assert_non_null(strstr(b.buf, "ordered steps.\nSecond paragraph "));
	assert_non_null(strstr(b.buf, "account through the Graph API"));
	ads_buf_release(&b);

	/* the overview names the environment a user must set */
	ads_render_help(&b, cmds, NULL, opts);
	assert_lines_fit(b.buf);
	assert_non_null(strstr(b.buf, "\nEnvironment:\n"));
	assert_non_null(strstr(b.buf, "  ADSCTL_ACCESS_TOKEN "));
	assert_non_null(strstr(b.buf, "  ADSCTL_APP_SECRET "));
	ads_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_markdown_split),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_help_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
