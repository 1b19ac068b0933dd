/*
 * Unit tests for the pure parts of src/graph/: parameter encoding, URL
 * policy, token files and redaction, response and batch decoding, error
 * classification, paging, JSONPath and usage-header parsing. Every
 * decoder is fed hostile input too: malformed and truncated JSON, HTML
 * pages, wrong types, wrong lengths, null items.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/decode.h"
#include "graph/params.h"
#include "graph/ratelimit.h"
#include "graph/secret.h"
#include "graph/url.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* --- params ------------------------------------------------------------- */

static void test_params_encode(void **state)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_buf b = ADS_BUF_INIT;
	json_t *v = json_pack("{s:[s,s]}", "countries", "DE", "AT");

	(void)state;
	ads_graph_params_set(&p, "name", "Spring Sale & more");
	ads_graph_params_set_json(&p, "targeting", v);
	ads_graph_params_set(&p, "name", "Spring/Sale");
	ads_graph_params_set(&p, "creative",
	                     "{\"creative_id\":\"{result=cr1:$.id}\"}");
	assert_int_equal(p.nr, 3);
	ads_graph_params_encode(&b, &p, false);
	assert_string_equal(
	        b.buf,
	        "name=Spring%2FSale&targeting=%7B%22countries%22%3A%5B%22DE%"
	        "22%2C%22AT%22%5D%7D&creative=%7B%22creative_id%22%3A%22%"
	        "7Bresult%3Dcr1%3A%24.id%7D%22%7D");
	ads_buf_reset(&b);
	/* Batch references stay literal so that Graph can see them. */
	ads_graph_params_encode(&b, &p, true);
	assert_non_null(strstr(b.buf, "%22{result=cr1:$.id}%22%7D"));

	ads_graph_params_release(&p);
	ads_graph_params_parse_query(&p, "a=1&b=x%20y+z&&c&=skip&d=%zz");
	assert_int_equal(p.nr, 4);
	assert_string_equal(ads_graph_params_get(&p, "b"), "x y z");
	assert_string_equal(ads_graph_params_get(&p, "c"), "");
	assert_string_equal(ads_graph_params_get(&p, "d"), "%zz");
	assert_true(ads_graph_params_remove(&p, "a"));
	assert_false(ads_graph_params_remove(&p, "a"));
	assert_null(ads_graph_params_get(&p, "a"));

	ads_graph_params_release(&p);
	ads_graph_params_add_header_line(&p, "ETag:  \"abc\" \r\n", 15);
	ads_graph_params_add_header_line(&p, "no colon", 8);
	assert_int_equal(p.nr, 1);
	assert_string_equal(ads_graph_params_iget(&p, "etag"), "\"abc\"");
	json_decref(v);
	ads_buf_release(&b);
	ads_graph_params_release(&p);
}

/* A request described in JSON (a plan's) as form fields. */
static void test_params_set_object(void **state)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	json_t *o =
	        json_pack("{s:s,s:i,s:{s:[s]},s:b,s:n}", "name", "A \"B\"",
	                  "daily_budget", 2000, "targeting", "geo_locations",
	                  "DE", "is_dynamic_creative", 1, "bid_amount");

	(void)state;
	ads_graph_params_set(&p, "name", "old");
	ads_graph_params_set_object(&p, o);
	assert_int_equal(p.nr, 5);
	/* strings as they are (not JSON-quoted), the rest as compact JSON */
	assert_string_equal(ads_graph_params_get(&p, "name"), "A \"B\"");
	assert_string_equal(ads_graph_params_get(&p, "daily_budget"), "2000");
	assert_string_equal(ads_graph_params_get(&p, "targeting"),
	                    "{\"geo_locations\":[\"DE\"]}");
	assert_string_equal(ads_graph_params_get(&p, "is_dynamic_creative"),
	                    "true");
	assert_string_equal(ads_graph_params_get(&p, "bid_amount"), "null");
	/* not an object: nothing */
	ads_graph_params_set_object(&p, NULL);
	ads_graph_params_set_object(&p, json_object_get(o, "daily_budget"));
	assert_int_equal(p.nr, 5);
	json_decref(o);
	ads_graph_params_release(&p);
}

/* --- URLs --------------------------------------------------------------- */

static void test_url_policy(void **state)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_url a = ADS_GRAPH_URL_INIT, b = ADS_GRAPH_URL_INIT;

	(void)state;
	assert_true(ads_graph_host_is_loopback("127.0.0.1"));
	assert_true(ads_graph_host_is_loopback("127.255.3.4"));
	assert_true(ads_graph_host_is_loopback("[::1]"));
	assert_true(ads_graph_host_is_loopback("::1"));
	assert_true(ads_graph_host_is_loopback("LocalHost"));
	assert_false(ads_graph_host_is_loopback("128.0.0.1"));
	assert_false(ads_graph_host_is_loopback("127.0.0.1.nip.io"));
	assert_false(ads_graph_host_is_loopback("localhost.example.com"));
	assert_false(ads_graph_host_is_loopback("[::2]"));

	assert_int_equal(
	        ads_graph_check_base_url("https://graph.facebook.com", &err),
	        0);
	assert_int_equal(
	        ads_graph_check_base_url("http://127.0.0.1:8080", &err), 0);
	assert_int_equal(ads_graph_check_base_url("http://[::1]:9/x", &err), 0);
	assert_int_equal(ads_graph_check_base_url("http://localhost", &err), 0);
	assert_int_equal(
	        ads_graph_check_base_url("http://graph.facebook.com", &err),
	        ADS_EINVALID);
	assert_non_null(strstr(err.msg, "use https"));
	ads_error_release(&err);
	assert_int_equal(ads_graph_check_base_url(
	                         "https://u:p@graph.facebook.com", &err),
	                 ADS_EINVALID);
	ads_error_release(&err);
	assert_int_equal(
	        ads_graph_check_base_url(
	                "https://graph.facebook.com/?access_token=SECRET",
	                &err),
	        ADS_EINVALID);
	assert_null(strstr(err.msg, "SECRET"));
	ads_error_release(&err);
	assert_int_equal(ads_graph_check_base_url("ftp://x", &err),
	                 ADS_EINVALID);
	ads_error_release(&err);
	assert_int_equal(ads_graph_check_base_url("", &err), ADS_EINVALID);
	ads_error_release(&err);

	assert_int_equal(
	        ads_graph_url_parse(&a, "https://Graph.Facebook.com/v1", &err),
	        0);
	assert_int_equal(a.port, 443);
	assert_int_equal(
	        ads_graph_url_parse(&b, "https://graph.facebook.com:443/x?y",
	                            &err),
	        0);
	assert_true(ads_graph_url_same_origin(&a, &b));
	assert_string_equal(b.query, "y");
	ads_graph_url_release(&b);
	assert_int_equal(
	        ads_graph_url_parse(&b, "http://graph.facebook.com/x", &err),
	        0);
	assert_false(ads_graph_url_same_origin(&a, &b));
	ads_graph_url_release(&a);
	ads_graph_url_release(&b);
}

/* --- secrets ------------------------------------------------------------ */

static void test_redact(void **state)
{
	const char *tok = "EAABsecretTOKEN1234567890";
	struct ads_graph_secrets s = { { tok, "deadbeefproof", NULL }, 2 };
	char *r;
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	r = ads_graph_redact_dup(
	        "GET /v25.0/act_1/ads?access_token=whatever123&after=X "
	        "token EAABsecretTOKEN1234567890 proof=deadbeefproof",
	        &s);
	assert_string_equal(r, "GET /v25.0/act_1/ads?access_token=[redacted]"
	                       "&after=X token [redacted] proof=[redacted]");
	free(r);
	r = ads_graph_redact_dup("{\"access_token\": \"abc\", "
	                         "\"appsecret_proof\":\"def\"}",
	                         NULL);
	assert_string_equal(r, "{\"access_token\": \"[redacted]\", "
	                       "\"appsecret_proof\":\"[redacted]\"}");
	free(r);
	r = ads_graph_redact_dup("Authorization: OAuth abcdefghijklmnopqrstu",
	                         NULL);
	assert_string_equal(r, "Authorization: OAuth [redacted]");
	free(r);
	/* Prose is not a credential. */
	r = ads_graph_redact_dup("type OAuthException: OAuth error", NULL);
	assert_string_equal(r, "type OAuthException: OAuth error");
	free(r);
	/* Short secrets are not replaced inside other text. */
	s.v[0] = "t";
	r = ads_graph_redact_dup("the text", &s);
	assert_string_equal(r, "the text");
	free(r);
	s.v[0] = tok;

	/* Bodies: binary-safe literal scrubbing, JSON stays valid. */
	ads_buf_addstr(&b, "{\"paging\":{\"next\":\"https://h/v1/x?access_"
	                   "token=EAABsecretTOKEN1234567890&after=Q\"}}");
	assert_true(ads_graph_scrub(&b, &s));
	assert_null(strstr(b.buf, tok));
	assert_non_null(strstr(b.buf, "access_token=[redacted]&after=Q"));
	ads_buf_reset(&b);
	ads_buf_add(&b, "a\0EAABsecretTOKEN1234567890", 27);
	assert_true(ads_graph_scrub(&b, &s));
	assert_int_equal(b.len, 2 + strlen(ADS_GRAPH_REDACTED));
	ads_buf_reset(&b);
	ads_buf_addstr(&b, "{\"id\":\"1\"}");
	assert_false(ads_graph_scrub(&b, &s));
	ads_buf_release(&b);

	ads_error_set(&err, ADS_EAPI, "bad token EAABsecretTOKEN1234567890");
	err.api_user_msg = xstrdup("deadbeefproof");
	ads_graph_redact_error(&err, &s);
	assert_string_equal(err.msg, "bad token [redacted]");
	assert_string_equal(err.api_user_msg, "[redacted]");
	ads_error_release(&err);
}

static void test_token_file(void **state)
{
	char dir[] = "/tmp/ads-graph-token-XXXXXX";
	char path[256];
	char *tok = NULL;
	struct ads_error err = ADS_ERROR_INIT;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);

	assert_int_equal(ads_graph_read_token_file(&tok, path, &err),
	                 ADS_ENOTFOUND);
	ads_error_release(&err);

	f = fopen(path, "w");
	fputs("  EAABtoken123\n", f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(ads_graph_read_token_file(&tok, path, &err),
	                 ADS_EAUTH);
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_null(strstr(err.msg, "EAABtoken123"));
	assert_null(tok);
	ads_error_release(&err);
	chmod(path, 0640);
	assert_int_equal(ads_graph_read_token_file(&tok, path, &err),
	                 ADS_EAUTH);
	ads_error_release(&err);

	chmod(path, 0600);
	assert_int_equal(ads_graph_read_token_file(&tok, path, &err), 0);
	assert_string_equal(tok, "EAABtoken123");
	free(tok);
	tok = NULL;

	f = fopen(path, "w");
	fputs("two words\n", f);
	fclose(f);
	assert_int_equal(ads_graph_read_token_file(&tok, path, &err),
	                 ADS_EAUTH);
	assert_null(strstr(err.msg, "words"));
	ads_error_release(&err);
	f = fopen(path, "w");
	fputs(" \n", f);
	fclose(f);
	assert_int_equal(ads_graph_read_token_file(&tok, path, &err),
	                 ADS_EAUTH);
	ads_error_release(&err);
	assert_int_equal(ads_graph_read_token_file(&tok, dir, &err), ADS_EAUTH);
	ads_error_release(&err);
	unlink(path);
	rmdir(dir);

	{
		char out[65];

		/* RFC 4231 test case 2. */
		ads_graph_appsecret_proof("Jefe",
		                          "what do ya want for nothing?", out);
		assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003"
		                         "f089d2739839dec58b964ec3843");
	}
}

/* --- bodies and errors -------------------------------------------------- */

static int decode(json_t **out, long status, const char *body,
                  struct ads_error *err)
{
	*out = NULL;
	return ads_graph_decode_body(out, status, body, strlen(body),
	                             "GET act_1/ads", err);
}

static void test_decode_body(void **state)
{
	struct ads_error err = ADS_ERROR_INIT;
	json_t *v;

	(void)state;
	assert_int_equal(decode(&v, 200, "{\"id\":\"1\"}", &err), 0);
	assert_string_equal(json_string_value(json_object_get(v, "id")), "1");
	json_decref(v);
	assert_int_equal(decode(&v, 200, "true", &err), 0);
	assert_true(json_is_true(json_object_get(v, "success")));
	json_decref(v);
	assert_int_equal(decode(&v, 200, "", &err), 0);
	assert_null(v);
	assert_int_equal(decode(&v, 304, "", &err), 0);

	assert_int_equal(decode(&v, 502,
	                        "\n<html><body>Bad Gateway</body></html>",
	                        &err),
	                 ADS_EHTTP);
	assert_non_null(strstr(err.msg, "HTML page"));
	assert_int_equal(err.http_status, 502);
	assert_int_equal(ads_graph_classify(&err), ADS_GRAPH_RETRY);
	ads_error_release(&err);

	assert_int_equal(
	        decode(&v, 200, "{\"data\":[{\"id\":\"1\"},{\"id\":", &err),
	        ADS_EHTTP);
	assert_non_null(strstr(err.msg, "truncated"));
	ads_error_release(&err);
	assert_int_equal(decode(&v, 500, "", &err), ADS_EHTTP);
	assert_int_equal(ads_graph_classify(&err), ADS_GRAPH_RETRY);
	ads_error_release(&err);
	assert_int_equal(decode(&v, 404, "{\"x\":1}", &err), ADS_EHTTP);
	ads_error_release(&err);

	/* error_data as a JSON string (sdk-behaviors §8.7). */
	assert_int_equal(
	        decode(&v, 400,
	               "{\"error\":{\"message\":\"Invalid parameter\",\"type\":"
	               "\"OAuthException\",\"code\":100,\"error_data\":\"{\\\""
	               "blame_field_specs\\\":[[\\\"optimization_goal\\\"],[\\\""
	               "targeting\\\",\\\"geo_locations\\\"]]}\",\"error_subcode"
	               "\":2490408,\"is_transient\":false,\"error_user_title\":"
	               "\"T\",\"error_user_msg\":\"M\",\"fbtrace_id\":\"AqmV\"}}",
	               &err),
	        ADS_EAPI);
	assert_string_equal(err.msg, "GET act_1/ads: Invalid parameter");
	assert_int_equal(err.api_code, 100);
	assert_int_equal(err.api_subcode, 2490408);
	assert_false(err.api_transient);
	assert_string_equal(err.api_type, "OAuthException");
	assert_string_equal(err.api_user_title, "T");
	assert_string_equal(err.api_user_msg, "M");
	assert_string_equal(err.fbtrace_id, "AqmV");
	assert_string_equal(err.api_blame,
	                    "optimization_goal,targeting.geo_locations");
	assert_int_equal(err.http_status, 400);
	assert_int_equal(ads_graph_classify(&err), ADS_GRAPH_FAIL);
	ads_error_release(&err);

	/* Older shape: error_data.blame_field; numbers as strings. */
	assert_int_equal(decode(&v, 400,
	                        "{\"error\":{\"message\":\"Invalid\",\"code\":"
	                        "\"100\",\"error_data\":{\"blame_field\":"
	                        "\"targeting\"},\"error_subcode\":1487126}}",
	                        &err),
	                 ADS_EAPI);
	assert_string_equal(err.api_blame, "targeting");
	assert_int_equal(err.api_code, 100);
	ads_error_release(&err);

	/* Wrong types everywhere: still an error, no crash. */
	assert_int_equal(
	        decode(&v, 400,
	               "{\"error\":{\"message\":7,\"code\":[1],\"type\""
	               ":{},\"error_data\":\"not json\",\"fbtrace_id\""
	               ":null}}",
	               &err),
	        ADS_EAPI);
	assert_non_null(strstr(err.msg, "without a message"));
	assert_int_equal(err.api_code, 0);
	assert_null(err.api_blame);
	ads_error_release(&err);
	assert_int_equal(decode(&v, 400, "{\"error\":\"Bad thing\"}", &err),
	                 ADS_EAPI);
	assert_string_equal(err.msg, "GET act_1/ads: Bad thing");
	ads_error_release(&err);
	/* error: null is not an error. */
	assert_int_equal(decode(&v, 200, "{\"error\":null,\"id\":\"1\"}", &err),
	                 0);
	json_decref(v);
}

static void test_big_body(void **state)
{
	/* A 10 MB response decodes without trouble in bounded steps; the
	 * transport cap (tested in test_graph_client) refuses bigger. */
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	json_t *v = NULL, *data;
	const char *next, *after;

	(void)state;
	ads_buf_addstr(&b, "{\"data\":[");
	for (int i = 0; b.len < 10u << 20; i++)
		ads_buf_addf(&b, "%s{\"id\":\"%d\",\"name\":\"%0200d\"}",
		             i ? "," : "", i, i);
	ads_buf_addstr(&b, "]}");
	assert_int_equal(
	        ads_graph_decode_body(&v, 200, b.buf, b.len, NULL, &err), 0);
	assert_int_equal(ads_graph_decode_page(v, &data, &next, &after, &err),
	                 0);
	assert_true(json_array_size(data) > 40000);
	json_decref(v);
	/* Cut in the middle: a clear error. */
	assert_int_equal(
	        ads_graph_decode_body(&v, 200, b.buf, b.len / 2, NULL, &err),
	        ADS_EHTTP);
	ads_error_release(&err);
	ads_buf_release(&b);
}

static struct ads_error api_error(int code, int sub, long http, bool transient)
{
	struct ads_error e = ADS_ERROR_INIT;

	ads_error_set(&e, ADS_EAPI, "x");
	e.api_code = code;
	e.api_subcode = sub;
	e.http_status = http;
	e.api_transient = transient;
	return e;
}

static void test_classify(void **state)
{
	static const struct {
		int code, sub;
		long http;
		bool transient;
		enum ads_graph_class want;
	} cases[] = {
		{ 1, 0, 500, false, ADS_GRAPH_RETRY },
		{ 1, 99, 400, false, ADS_GRAPH_RETRY },
		{ 2, 0, 500, true, ADS_GRAPH_RETRY },
		{ 960, 0, 400, false, ADS_GRAPH_RETRY },
		{ 4, 1504022, 400, false, ADS_GRAPH_WAIT },
		{ 17, 2446079, 400, false, ADS_GRAPH_WAIT },
		{ 32, 0, 400, false, ADS_GRAPH_WAIT },
		{ 341, 0, 400, false, ADS_GRAPH_WAIT },
		{ 613, 1487742, 400, false, ADS_GRAPH_WAIT },
		{ 80000, 2446079, 400, false, ADS_GRAPH_WAIT },
		{ 80004, 0, 400, true, ADS_GRAPH_WAIT },
		{ 80014, 0, 400, false, ADS_GRAPH_WAIT },
		{ 80015, 0, 400, false, ADS_GRAPH_FAIL },
		{ 190, 460, 400, false, ADS_GRAPH_AUTH },
		{ 102, 0, 400, false, ADS_GRAPH_AUTH },
		{ 100, 33, 400, false, ADS_GRAPH_FAIL },
		/* A validation error as HTTP 500: code first (sdk §3.1). */
		{ 100, 1487989, 500, false, ADS_GRAPH_FAIL },
		{ 1487901, 0, 400, false, ADS_GRAPH_FAIL },
		{ 368, 0, 400, false, ADS_GRAPH_FAIL },
		{ 10, 0, 400, false, ADS_GRAPH_FAIL },
		{ 100, 0, 400, true, ADS_GRAPH_RETRY },
		{ -3, 0, 500, false, ADS_GRAPH_RETRY },
		{ 0, 0, 503, false, ADS_GRAPH_RETRY },
		{ 0, 0, 400, false, ADS_GRAPH_FAIL },
	};
	struct ads_error e = ADS_ERROR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = api_error(cases[i].code, cases[i].sub, cases[i].http,
		              cases[i].transient);
		if (ads_graph_classify(&e) != cases[i].want)
			fail_msg("code %d/%d: got %d, want %d", cases[i].code,
			         cases[i].sub, ads_graph_classify(&e),
			         cases[i].want);
		ads_error_release(&e);
	}
	ads_error_set(&e, ADS_EHTTP, "timeout");
	assert_int_equal(ads_graph_classify(&e), ADS_GRAPH_RETRY);
	ads_error_release(&e);
	ads_error_set(&e, ADS_ETOOBIG, "too big");
	assert_int_equal(ads_graph_classify(&e), ADS_GRAPH_FAIL);
	ads_error_release(&e);
	assert_int_equal(ads_graph_classify(NULL), ADS_GRAPH_FAIL);

	e = api_error(1, 0, 500, false);
	assert_true(ads_graph_error_wants_less_data(&e));
	ads_error_release(&e);
	e = api_error(1, 0, 400, false);
	assert_false(ads_graph_error_wants_less_data(&e));
	free(e.msg);
	e.msg = xstrdup("Please reduce the amount of data you're asking for");
	assert_true(ads_graph_error_wants_less_data(&e));
	ads_error_release(&e);
	e = api_error(960, 0, 400, false);
	assert_true(ads_graph_error_is_batch_timeout(&e));
	ads_error_release(&e);
}

/* --- batches ------------------------------------------------------------ */

static int batch(struct ads_graph_batch_item **items, size_t n,
                 const char *text, struct ads_error *err)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
	int ret;

	assert_non_null(v);
	ret = ads_graph_decode_batch(items, n, v, NULL, err);
	json_decref(v);
	return ret;
}

static void test_decode_batch(void **state)
{
	struct ads_graph_batch_item *it = NULL;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	/* Meta's own sample (sdk-behaviors §8.6), with a null and errors. */
	assert_int_equal(
	        batch(&it, 7,
	              "[{\"code\":200,\"headers\":[{\"name\":\"ETag\",\"value\":"
	              "\"\\\"fooTag\\\"\"},{\"name\":\"X-Business-Use-Case-Usage"
	              "\",\"value\":\"{}\"}],\"body\":\"{\\\"id\\\":\\\"123\\\","
	              "\\\"verified\\\":true}\"},"
	              "null,"
	              "{\"code\":400,\"headers\":[\"X-App-Usage: {}\"],\"body\":"
	              "\"{\\\"error\\\":{\\\"message\\\":\\\"(#80004) too many"
	              "\\\",\\\"code\\\":80004}}\"},"
	              "{\"code\":304,\"body\":null},"
	              "{\"code\":\"200\",\"body\":\"{}\"},"
	              "{\"code\":200,\"body\":\"{\\\"id\\\":\"},"
	              "{\"code\":500,\"body\":\"<html>oops</html>\"}]",
	              &err),
	        0);
	assert_true(it[0].answered);
	assert_int_equal(it[0].code, 200);
	assert_string_equal(ads_graph_params_iget(&it[0].headers, "etag"),
	                    "\"fooTag\"");
	assert_string_equal(
	        json_string_value(json_object_get(it[0].body, "id")), "123");
	assert_false(ads_error_is_set(&it[0].err));
	/* null: no answer at all. */
	assert_false(it[1].answered);
	assert_int_equal(it[1].err.code, ADS_EHTTP);
	assert_non_null(strstr(it[1].err.msg, "no response"));
	/* An item error, headers as raw strings. */
	assert_true(it[2].answered);
	assert_int_equal(it[2].err.code, ADS_EAPI);
	assert_int_equal(it[2].err.api_code, 80004);
	assert_int_equal(it[2].err.http_status, 400);
	assert_int_equal(ads_graph_classify(&it[2].err), ADS_GRAPH_WAIT);
	assert_non_null(ads_graph_params_iget(&it[2].headers, "x-app-usage"));
	/* 304 with a null body: answered, no body, no error. */
	assert_true(it[3].answered);
	assert_int_equal(it[3].code, 304);
	assert_null(it[3].body);
	assert_false(ads_error_is_set(&it[3].err));
	/* A code of the wrong type: malformed, unanswered. */
	assert_false(it[4].answered);
	assert_int_equal(it[4].err.code, ADS_EHTTP);
	/* A truncated body string. */
	assert_true(it[5].answered);
	assert_int_equal(it[5].err.code, ADS_EHTTP);
	/* An HTML body in an item. */
	assert_int_equal(it[6].err.code, ADS_EHTTP);
	assert_int_equal(it[6].err.http_status, 500);
	ads_graph_batch_items_free(it, 7);

	/* Wrong length, wrong top-level type. */
	it = NULL;
	assert_int_equal(batch(&it, 3, "[null,null]", &err), ADS_EHTTP);
	assert_non_null(strstr(err.msg, "2 items for 3 requests"));
	assert_null(it);
	ads_error_release(&err);
	assert_int_equal(batch(&it, 1, "{\"data\":[]}", &err), ADS_EHTTP);
	ads_error_release(&err);
	assert_int_equal(batch(&it, 0, "[]", &err), 0);
	ads_graph_batch_items_free(it, 0);

	/* Odd but tolerable: body embedded as an object, body a number. */
	assert_int_equal(batch(&it, 3,
	                       "[{\"code\":200,\"body\":{\"id\":\"9\"}},"
	                       "{\"code\":400,\"body\":{\"error\":{\"code\":"
	                       "100}}},{\"code\":200,\"body\":5}]",
	                       &err),
	                 0);
	assert_string_equal(
	        json_string_value(json_object_get(it[0].body, "id")), "9");
	assert_int_equal(it[1].err.api_code, 100);
	assert_false(it[2].answered);
	ads_graph_batch_items_free(it, 3);
	ads_graph_batch_items_free(NULL, 0);
}

static void test_decode_page(void **state)
{
	struct ads_error err = ADS_ERROR_INIT;
	json_t *page, *data;
	const char *next, *after;

	(void)state;
	page = json_loads("{\"data\":[{\"id\":\"1\"}],\"paging\":{\"cursors\":"
	                  "{\"before\":\"B\",\"after\":\"A\"},\"next\":"
	                  "\"https://x/v1/y?after=A\"}}",
	                  0, NULL);
	assert_int_equal(
	        ads_graph_decode_page(page, &data, &next, &after, &err), 0);
	assert_int_equal(json_array_size(data), 1);
	assert_string_equal(next, "https://x/v1/y?after=A");
	assert_string_equal(after, "A");
	json_decref(page);
	/* Last page: after without next. */
	page = json_loads("{\"data\":[],\"paging\":{\"cursors\":{\"after\":"
	                  "\"A\"}}}",
	                  0, NULL);
	assert_int_equal(
	        ads_graph_decode_page(page, &data, &next, &after, &err), 0);
	assert_null(next);
	json_decref(page);
	page = json_loads("{\"data\":{}}", 0, NULL);
	assert_int_equal(
	        ads_graph_decode_page(page, &data, &next, &after, &err),
	        ADS_EHTTP);
	ads_error_release(&err);
	json_decref(page);
	page = json_loads("{\"data\":[],\"paging\":{\"next\":5}}", 0, NULL);
	assert_int_equal(
	        ads_graph_decode_page(page, &data, &next, &after, &err),
	        ADS_EHTTP);
	ads_error_release(&err);
	json_decref(page);
	page = json_loads("{\"data\":[],\"paging\":[]}", 0, NULL);
	assert_int_equal(
	        ads_graph_decode_page(page, &data, &next, &after, &err),
	        ADS_EHTTP);
	ads_error_release(&err);
	json_decref(page);
	assert_int_equal(
	        ads_graph_decode_page(NULL, &data, &next, &after, &err),
	        ADS_EHTTP);
	ads_error_release(&err);
}

static void test_jsonpath(void **state)
{
	struct ads_buf b = ADS_BUF_INIT;
	json_t *v = json_loads(
	        "{\"id\":\"42\",\"n\":7,\"images\":{\"a.jpg\":{\"hash\":"
	        "\"h1\"},\"b.jpg\":{\"hash\":\"h2\"}},\"data\":[{\"id\":"
	        "\"1\"},{\"id\":\"2\"},{\"x\":1}]}",
	        0, NULL);

	(void)state;
	assert_int_equal(ads_graph_jsonpath(&b, v, "$.id"), 1);
	assert_string_equal(b.buf, "42");
	ads_buf_reset(&b);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$.n"), 1);
	assert_string_equal(b.buf, "7");
	ads_buf_reset(&b);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$.images.*.hash"), 2);
	assert_true(!strcmp(b.buf, "h1,h2") || !strcmp(b.buf, "h2,h1"));
	ads_buf_reset(&b);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$.data.*.id"), 2);
	assert_string_equal(b.buf, "1,2");
	ads_buf_reset(&b);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$.data.1.id"), 1);
	assert_string_equal(b.buf, "2");
	ads_buf_reset(&b);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$.missing"), 0);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$.images"), 0);
	assert_int_equal(ads_graph_jsonpath(&b, v, "id"), -1);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$..id"), -1);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$.data[0]"), -1);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$x"), -1);
	assert_int_equal(ads_graph_jsonpath(&b, v, "$"), 0);
	assert_string_equal(b.buf, "");
	json_decref(v);
	ads_buf_release(&b);
}

static void test_usage_headers(void **state)
{
	struct ads_graph_usage u[4];

	(void)state;
	assert_int_equal(
	        ads_graph_parse_buc_usage(
	                u, 4,
	                "{\"66782684\":[{\"type\":\"ads_management\",\"call_"
	                "count\":95,\"total_cputime\":20,\"total_time\":20,"
	                "\"estimated_time_to_regain_access\":2,\"ads_api_access_"
	                "tier\":\"development_access\"}],\"1015\":[{\"type\":"
	                "\"ads_insights\",\"call_count\":\"97.5\"},{\"type\":"
	                "\"custom_audience\"}]}"),
	        3);
	assert_string_equal(u[0].id, "66782684");
	assert_string_equal(u[0].type, "ads_management");
	assert_true(u[0].pct == 95);
	assert_int_equal(u[0].regain_ms, 120000);
	assert_true(u[1].pct == 97.5);
	assert_true(u[2].pct == 0);
	/* Truncated to max. */
	assert_int_equal(
	        ads_graph_parse_buc_usage(u, 1, "{\"1\":[{},{}],\"2\":[{}]}"),
	        1);
	/* A single object instead of a list; single quotes (003:L12790). */
	assert_int_equal(
	        ads_graph_parse_buc_usage(u, 4,
	                                  "{'9': {'type': 'ads_management', "
	                                  "'call_count': 80.5}}"),
	        1);
	assert_true(u[0].pct == 80.5);
	assert_int_equal(ads_graph_parse_buc_usage(u, 4, "garbage"), 0);
	assert_int_equal(ads_graph_parse_buc_usage(u, 4, "[1,2]"), 0);
	assert_int_equal(ads_graph_parse_buc_usage(u, 4, NULL), 0);
	/* Negative figures count as 0; a number JSON cannot hold fails. */
	assert_int_equal(ads_graph_parse_buc_usage(
	                         u, 4, "{\"1\":[{\"call_count\":-5}]}"),
	                 1);
	assert_true(u[0].pct == 0);
	assert_int_equal(ads_graph_parse_buc_usage(
	                         u, 4, "{\"1\":[{\"total_time\":1e400}]}"),
	                 0);

	assert_int_equal(ads_graph_parse_account_usage(
	                         u, "{\"acc_id_util_pct\": 9.67, \"reset_time_"
	                            "duration\": 100, \"ads_api_access_tier\": "
	                            "'standard_access'}"),
	                 1);
	assert_true(u[0].pct > 9.66 && u[0].pct < 9.68);
	assert_int_equal(u[0].reset_ms, 100000);
	assert_int_equal(ads_graph_parse_account_usage(u, "{}"), 1);
	assert_true(u[0].pct == 0);
	assert_int_equal(ads_graph_parse_account_usage(u, "\"x\""), 0);
	assert_int_equal(ads_graph_parse_app_usage(
	                         u, "{\"call_count\": 28, \"total_time\": 25, "
	                            "\"total_cputime\": 31}"),
	                 1);
	assert_true(u[0].pct == 31);
	assert_int_equal(ads_graph_parse_app_usage(u, ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_encode),
		cmocka_unit_test(test_params_set_object),
		cmocka_unit_test(test_url_policy),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_decode_body),
		cmocka_unit_test(test_big_body),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_decode_batch),
		cmocka_unit_test(test_decode_page),
		cmocka_unit_test(test_jsonpath),
		cmocka_unit_test(test_usage_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
