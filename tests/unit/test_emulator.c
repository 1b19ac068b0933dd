/* Unit tests for src/emulator/: parsers, tables, and the in-process API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emulator/batch.h"
#include "emulator/clock.h"
#include "emulator/emulator.h"
#include "emulator/fieldsel.h"
#include "emulator/params.h"
#include "emulator/read.h"
#include "emulator/spec.h"
#include "emulator/store.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/xalloc.h"

static void test_fieldsel(void **state)
{
	struct emu_fsel *f = NULL;
	const struct emu_fsel_item *it;
	char why[256];

	(void)state;
	assert_true(emu_fsel_parse(
	        &f,
	        "id, name,creative{id,name},campaigns.limit(5){id,"
	        "adsets.limit(2).effective_status([\"ARCHIVED\"]){id}}",
	        why, sizeof(why)));
	assert_int_equal(f->nr, 4);
	assert_string_equal(f->v[1].name, "name");
	it = emu_fsel_find(f, "creative");
	assert_non_null(it);
	assert_int_equal(it->sub->nr, 2);
	it = emu_fsel_find(f, "campaigns");
	assert_int_equal(it->limit, 5);
	assert_int_equal(it->sub->v[1].limit, 2);
	assert_string_equal(it->sub->v[1].effective_status, "[\"ARCHIVED\"]");
	emu_fsel_free(f);

	assert_false(emu_fsel_parse(&f, "id,creative{id", why, sizeof(why)));
	assert_non_null(strstr(why, "Syntax error"));
	assert_false(emu_fsel_parse(&f, "id}", why, sizeof(why)));
	assert_false(emu_fsel_parse(&f, "ads.frobnicate(1)", why, sizeof(why)));
	assert_false(emu_fsel_parse(&f, "ads.limit(x)", why, sizeof(why)));
}

static void test_params(void **state)
{
	struct emu_params p = EMU_PARAMS_INIT;
	const char *why;
	static const char mp[] =
	        "--XyZ\r\n"
	        "Content-Disposition: form-data; name=\"name\"\r\n\r\n"
	        "Hello world\r\n"
	        "--XyZ\r\n"
	        "Content-Disposition: form-data; name=\"f\"; "
	        "filename=\"a.png\"\r\n"
	        "Content-Type: image/png\r\n\r\n"
	        "\x89PNG\0bin\r\n"
	        "--XyZ--\r\n";

	(void)state;
	emu_params_parse_query(&p, "a=1+2&b=%7B%22x%22%3A1%7D&c&a=3", 31);
	assert_string_equal(emu_params_get(&p, "a"), "3");
	assert_string_equal(emu_params_get(&p, "b"), "{\"x\":1}");
	assert_string_equal(emu_params_get(&p, "c"), "");
	emu_params_release(&p);

	assert_true(emu_params_parse_body(&p,
	                                  "multipart/form-data; boundary=XyZ",
	                                  mp, sizeof(mp) - 1, &why));
	assert_string_equal(emu_params_get(&p, "name"), "Hello world");
	assert_non_null(emu_params_file(&p, "f"));
	assert_int_equal(emu_params_file(&p, "f")->len, 8);
	assert_string_equal(emu_params_file(&p, "f")->filename, "a.png");
	emu_params_release(&p);

	assert_true(emu_params_parse_body(
	        &p, "application/json",
	        "{\"name\":\"x\",\"daily_budget\":100,\"targeting\":{\"a\":[1]}}",
	        53, &why));
	assert_string_equal(emu_params_get(&p, "daily_budget"), "100");
	assert_string_equal(emu_params_get(&p, "targeting"), "{\"a\":[1]}");
	emu_params_release(&p);
	assert_false(
	        emu_params_parse_body(&p, "application/json", "[1]", 3, &why));
	assert_false(emu_params_parse_body(&p,
	                                   "multipart/form-data; boundary=Q",
	                                   "--Q\r\nno headers", 17, &why));
	emu_params_release(&p);
}

/* The forms ids= and effective_status= lists come in. */
static void test_split_ids(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "1,2,3", "1|2|3|" },
		{ "[1,\"2\", 3]", "1|2|3|" },
		{ "[\"ACTIVE\",\"PAUSED\"]", "ACTIVE|PAUSED|" },
		{ "[ACTIVE,PAUSED]", "ACTIVE|PAUSED|" },
		{ " a , \"b\" ,,c,", "a|b|c|" },
		{ "[", "" },
		{ "", "" },
		{ "act_1", "act_1|" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ads_strvec v = ADS_STRVEC_INIT;
		struct ads_buf got = ADS_BUF_INIT;

		emu_split_ids(&v, cases[i].in);
		for (size_t j = 0; j < v.nr; j++)
			ads_buf_addf(&got, "%s|", v.v[j]);
		assert_string_equal(got.buf ? got.buf : "", cases[i].want);
		ads_buf_release(&got);
		ads_strvec_release(&v);
	}
}

static void test_clock(void **state)
{
	struct emu_clock c;
	int64_t t0, t1, before, after;

	(void)state;
	emu_clock_init(&c);
	before = (int64_t)time(NULL);
	t0 = emu_clock_now(&c);
	after = (int64_t)time(NULL);
	assert_true(before <= t0 && t0 <= after); /* the system clock */
	emu_clock_freeze(&c, true);
	t0 = emu_clock_now(&c);
	emu_clock_advance(&c, 90);
	assert_int_equal(emu_clock_now(&c), t0 + 90);
	emu_clock_advance(&c, -5); /* never backwards */
	assert_int_equal(emu_clock_now(&c), t0 + 90);
	before = (int64_t)time(NULL);
	emu_clock_freeze(&c, false);
	t1 = emu_clock_now(&c);
	after = (int64_t)time(NULL);
	/* it runs on from where it stood */
	assert_true(t1 >= t0 + 90 && t1 <= t0 + 90 + (after - before));
	emu_clock_release(&c);
}

static void test_refs(void **state)
{
	json_t *results = json_pack(
	        "{s:{s:s},s:{s:{s:{s:s},s:{s:s}}},s:{s:[{s:s},{s:s}]}}", "c",
	        "id", "123", "img", "images", "a.png", "hash", "h1", "b.png",
	        "hash", "h2", "list", "data", "id", "1", "id", "2");
	char *bad = NULL, *s;

	(void)state;
	s = emu_subst_refs("campaign_id={result=c:$.id}&x=1", results, &bad);
	assert_string_equal(s, "campaign_id=123&x=1");
	free(s);
	s = emu_subst_refs("{result=img:$.images.*.hash}", results, &bad);
	assert_true(!strcmp(s, "h1,h2") || !strcmp(s, "h2,h1"));
	free(s);
	s = emu_subst_refs("?ids={result=list:$.data.*.id}", results, &bad);
	assert_string_equal(s, "?ids=1,2");
	free(s);
	assert_null(emu_subst_refs("{result=missing:$.id}", results, &bad));
	assert_string_equal(bad, "{result=missing:$.id}");
	free(bad);
	assert_null(emu_subst_refs("{result=c:$.nope}", results, &bad));
	free(bad);
	assert_true(emu_refs_name("a=%7Bresult%3Dc%3A%24.id%7D", "c"));
	assert_false(emu_refs_name("{result=cc:$.id}", "c"));
	json_decref(results);
}

static void test_memberset(void **state)
{
	struct emu_memberset s = { 0 };
	uint8_t d[16];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		memset(d, 0, sizeof(d));
		memcpy(d, &i, sizeof(i));
		d[8] = (uint8_t)(i * 7);
		assert_true(emu_memberset_add(&s, d));
		assert_false(emu_memberset_add(&s, d));
	}
	assert_int_equal(s.nr, 1000);
	for (int i = 0; i < 1000; i += 2) {
		memset(d, 0, sizeof(d));
		memcpy(d, &i, sizeof(i));
		d[8] = (uint8_t)(i * 7);
		assert_true(emu_memberset_del(&s, d));
	}
	assert_int_equal(s.nr, 500);
	for (int i = 1; i < 1000; i += 2) {
		memset(d, 0, sizeof(d));
		memcpy(d, &i, sizeof(i));
		d[8] = (uint8_t)(i * 7);
		assert_false(emu_memberset_add(&s, d)); /* still there */
	}
	memset(d, 0, sizeof(d)); /* the all-zero digest is a member too */
	assert_true(emu_memberset_add(&s, d));
	assert_true(emu_memberset_del(&s, d));
	emu_memberset_release(&s);
}

static void test_spec(void **state)
{
	const struct emu_endpoint *ep;
	const struct emu_enum *e;
	char inner[64];

	(void)state;
	ep = emu_spec_endpoint("AdAccount", "POST", "campaigns");
	assert_non_null(ep);
	assert_true(emu_spec_param(ep, "special_ad_categories")->required);
	assert_null(emu_spec_param(ep, "daly_budget"));
	/* creatives are updatable only in name, status, adlabels */
	ep = emu_spec_endpoint("AdCreative", "POST", "");
	assert_non_null(emu_spec_param(ep, "name"));
	assert_null(emu_spec_param(ep, "object_story_spec"));
	e = emu_spec_enum("adaccountcampaigns_objective_enum_param");
	assert_non_null(e);
	assert_true(emu_enum_has(e, "OUTCOME_SALES"));
	assert_false(emu_enum_has(e, "OUTCOME_SALEZ"));
	assert_non_null(
	        emu_spec_field(emu_spec_node("Targeting"), "geo_locations"));
	assert_int_equal(
	        emu_type_inner("list<list<string>>", inner, sizeof(inner)), 2);
	assert_string_equal(inner, "string");
}

static void test_config(void **state)
{
	struct ads_emulator_config cfg;
	struct ads_error err = ADS_ERROR_INIT;
	char path[] = "/tmp/emu-cfg-XXXXXX";
	int fd = mkstemp(path);
	static const char good[] =
	        "{\"tokens\":[\"t\"],\"seed\":3,\"faults\":{\"transient\":0.5},"
	        "\"accounts\":{\"act_5\":{\"currency\":\"EUR\"}},"
	        "\"rate_limits\":{\"ads_management\":{\"budget\":7}}}";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, sizeof(good) - 1),
	                 (ssize_t)sizeof(good) - 1);
	close(fd);
	ads_emulator_config_init(&cfg);
	assert_int_equal(cfg.rt.default_limit, 25);
	assert_int_equal(ads_emulator_config_load(&cfg, path, &err), 0);
	assert_int_equal(cfg.ntokens, 1);
	assert_int_equal(cfg.rt.seed, 3);
	assert_true(cfg.rt.fault_rate[ADS_EMU_FAULT_TRANSIENT] == 0.5);
	assert_int_equal(cfg.rt.buc_budget[ADS_EMU_BUC_ADS_MANAGEMENT], 7);
	assert_string_equal(cfg.accounts[0].currency, "EUR");
	ads_emulator_config_release(&cfg);

	ads_emulator_config_init(&cfg);
	{
		json_t *j =
		        json_loads("{\"faults\":{\"transiant\":1}}", 0, NULL);

		assert_int_equal(ads_emulator_config_apply(&cfg, j, &err),
		                 ADS_EINVALID);
		assert_non_null(strstr(err.msg, "did you mean 'transient'"));
		json_decref(j);
	}
	ads_error_release(&err);
	ads_emulator_config_release(&cfg);
	unlink(path);
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
	ads_buf_add(ud, p, s * n);
	return s * n;
}

static long http_get(const char *url, struct ads_buf *body)
{
	CURL *c = curl_easy_init();
	long code = 0;

	ads_buf_reset(body);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return code;
}

static void test_lifecycle(void **state)
{
	struct ads_emulator_config cfg;
	struct ads_emulator *emu = NULL;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf body = ADS_BUF_INIT, url = ADS_BUF_INIT;
	char dir[] = "/tmp/emu-life-XXXXXX";
	char *data;

	(void)state;
	assert_non_null(mkdtemp(dir));
	data = xasprintf("%s/state.json", dir);
	ads_emulator_config_init(&cfg);
	cfg.data_file = xstrdup(data);
	cfg.env_token = xstrdup("secret-token");
	assert_int_equal(ads_emulator_start(&emu, &cfg, &err), 0);
	assert_true(!strncmp(ads_emulator_url(emu), "http://127.0.0.1:", 17));
	assert_true(ads_emulator_port(emu) > 0);

	ads_buf_addf(&url, "%s/v25.0/act_1/campaigns?access_token=wrong",
	             ads_emulator_url(emu));
	assert_int_equal(http_get(url.buf, &body), 400);
	assert_non_null(strstr(body.buf, "\"code\":190"));
	/* the token never appears in errors */
	assert_null(strstr(body.buf, "secret-token"));
	ads_buf_reset(&url);
	ads_buf_addf(&url, "%s/v25.0/act_1?access_token=secret-token",
	             ads_emulator_url(emu));
	assert_int_equal(http_get(url.buf, &body), 200);
	assert_non_null(strstr(body.buf, "\"id\":\"act_1\""));
	ads_buf_reset(&url);
	ads_buf_addf(&url, "%s/_emulator/stats", ads_emulator_url(emu));
	assert_int_equal(http_get(url.buf, &body), 200);
	assert_non_null(strstr(body.buf, "\"graph_calls\":1"));
	assert_non_null(strstr(body.buf, "\"http_requests\":2"));

	assert_int_equal(ads_emulator_stop(emu, &err), 0);
	assert_int_equal(ads_emulator_stop(emu, &err), 0); /* idempotent */
	assert_true(ads_file_exists(data));
	ads_emulator_free(emu);
	ads_emulator_free(NULL);

	/* a second emulator cannot take a port in use */
	assert_int_equal(ads_emulator_start(&emu, &cfg, &err), 0);
	{
		struct ads_emulator *other = NULL;
		struct ads_emulator_config c2;

		ads_emulator_config_init(&c2);
		c2.port = ads_emulator_port(emu);
		assert_int_equal(ads_emulator_start(&other, &c2, &err),
		                 ADS_EIO);
		assert_null(other);
		ads_error_release(&err);
		ads_emulator_config_release(&c2);
	}
	ads_emulator_free(emu);

	unlink(data);
	rmdir(dir);
	free(data);
	ads_buf_release(&body);
	ads_buf_release(&url);
	ads_emulator_config_release(&cfg);
	ads_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fieldsel),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_split_ids),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_memberset),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_lifecycle),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
