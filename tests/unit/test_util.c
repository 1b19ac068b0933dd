/* Unit tests for src/util/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/diag.h"
#include "util/error.h"
#include "util/json.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

static void test_buf(void **state)
{
	struct ads_buf b = ADS_BUF_INIT;
	char *s;
	size_t len;

	(void)state;
	assert_string_equal(b.buf, "");
	ads_buf_addstr(&b, "  hello");
	ads_buf_addf(&b, " %d ", 42);
	ads_buf_addch(&b, '!');
	assert_string_equal(b.buf, "  hello 42 !");
	ads_buf_trim(&b);
	assert_string_equal(b.buf, "hello 42 !");
	assert_true(ads_buf_endswith(&b, "!"));
	for (int i = 0; i < 10000; i++)
		ads_buf_addch(&b, 'x');
	assert_int_equal(b.len, 10 + 10000);
	s = ads_buf_detach(&b, &len);
	assert_int_equal(len, 10010);
	assert_string_equal(b.buf, "");
	free(s);
	s = ads_buf_detach(&b, NULL);
	assert_string_equal(s, "");
	free(s);
	ads_buf_release(&b);
}

static void test_strvec(void **state)
{
	struct ads_strvec sv = ADS_STRVEC_INIT;

	(void)state;
	ads_strvec_split(&sv, "b,a,,c", ',');
	assert_int_equal(sv.nr, 4);
	assert_string_equal(sv.v[2], "");
	ads_strvec_sort(&sv);
	assert_string_equal(sv.v[0], "");
	assert_string_equal(sv.v[1], "a");
	assert_true(ads_strvec_contains(&sv, "c"));
	assert_false(ads_strvec_contains(&sv, "d"));
	assert_null(sv.v[sv.nr]);
	ads_strvec_release(&sv);
}

static void test_map(void **state)
{
	struct ads_map m = ADS_MAP_INIT;
	struct ads_ptrmap pm = ADS_PTRMAP_INIT;
	char key[32];
	int vals[2000];
	size_t it = 0, seen = 0;
	const char *k;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		vals[i] = i;
		snprintf(key, sizeof(key), "key%d", i);
		assert_null(ads_map_put(&m, key, &vals[i]));
		assert_null(ads_ptrmap_put(&pm, &vals[i], &vals[i]));
	}
	assert_int_equal(ads_map_count(&m), 2000);
	for (int i = 0; i < 2000; i += 2) {
		snprintf(key, sizeof(key), "key%d", i);
		assert_ptr_equal(ads_map_remove(&m, key), &vals[i]);
		assert_ptr_equal(ads_ptrmap_remove(&pm, &vals[i]), &vals[i]);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		if (i % 2) {
			assert_ptr_equal(ads_map_get(&m, key), &vals[i]);
			assert_ptr_equal(ads_ptrmap_get(&pm, &vals[i]),
			                 &vals[i]);
		} else {
			assert_false(ads_map_has(&m, key));
			assert_null(ads_ptrmap_get(&pm, &vals[i]));
		}
	}
	/* reinsertion after deletions reuses tombstones and stays correct */
	for (int i = 0; i < 2000; i += 2) {
		snprintf(key, sizeof(key), "key%d", i);
		ads_map_put(&m, key, &vals[i]);
	}
	while (ads_map_next(&m, &it, &k, NULL))
		seen++;
	assert_int_equal(seen, 2000);
	assert_ptr_equal(ads_map_put(&m, "key1", &vals[0]), &vals[1]);
	ads_map_release(&m, NULL);
	ads_ptrmap_release(&pm, NULL);
}

static void test_url(void **state)
{
	struct ads_buf b = ADS_BUF_INIT;
	char s[] = "a%20b+c%2Fd%zz";

	(void)state;
	ads_url_encode(&b, "name=x y&z/é", strlen("name=x y&z/é"));
	assert_string_equal(b.buf, "name%3Dx%20y%26z%2F%C3%A9");
	ads_url_decode(s, true);
	assert_string_equal(s, "a b c/d%zz");
	ads_buf_release(&b);
}

static void test_base64(void **state)
{
	struct ads_buf b = ADS_BUF_INIT, d = ADS_BUF_INIT;
	const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *out[] = { "",         "Zg==",     "Zm8=",    "Zm9v",
		              "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		ads_buf_reset(&b);
		ads_buf_reset(&d);
		ads_base64_encode(&b, in[i], strlen(in[i]));
		assert_string_equal(b.buf, out[i]);
		assert_true(ads_base64_decode(&d, b.buf, b.len));
		assert_string_equal(d.buf, in[i]);
	}
	assert_false(ads_base64_decode(&d, "Zm9v!", 5));
	ads_buf_release(&b);
	ads_buf_release(&d);
}

static void test_time(void **state)
{
	int64_t t;
	char out[32];

	(void)state;
	assert_true(ads_time_parse("2027-03-01T00:00:00+0000", &t));
	assert_int_equal(t, 1803859200);
	ads_time_format(t, out);
	assert_string_equal(out, "2027-03-01T00:00:00+0000");
	assert_true(ads_time_parse("2027-03-01T01:00:00+01:00", &t));
	assert_int_equal(t, 1803859200);
	assert_true(ads_time_parse("2027-02-28 16:00:00 PST", &t));
	assert_int_equal(t, 1803859200);
	assert_true(ads_time_parse("2027-03-01T00:00:00Z", &t));
	assert_int_equal(t, 1803859200);
	assert_true(ads_time_parse("2027-03-01", &t));
	assert_int_equal(t, 1803859200);
	assert_true(ads_time_parse("1803859200", &t));
	assert_int_equal(t, 1803859200);
	assert_true(ads_time_parse("2015-03-12 23:59:59-07:00", &t));
	assert_int_equal(t, 1426229999);
	assert_false(ads_time_parse("tomorrow", &t));
	assert_false(ads_time_parse("2027-13-01", &t));
	assert_false(ads_time_parse("2027-03-01T00:00:00 XYZ", &t));
}

static void test_suggest(void **state)
{
	const char *fields[] = { "daily_budget", "lifetime_budget", "name",
		                 "status" };
	const char *enums[] = { "OUTCOME_SALES", "OUTCOME_TRAFFIC",
		                "OUTCOME_LEADS" };

	(void)state;
	assert_int_equal(ads_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(ads_edit_distance("ab", "ba"), 1);
	assert_string_equal(ads_suggest("daly_budget", fields, 4),
	                    "daily_budget");
	assert_string_equal(ads_suggest("stauts", fields, 4), "status");
	assert_string_equal(ads_suggest("outcome_sale", enums, 3),
	                    "OUTCOME_SALES");
	assert_null(ads_suggest("targeting", fields, 4));
}

static void test_crypto(void **state)
{
	char out[65];

	(void)state;
	ads_sha256_hex("abc", 3, out);
	assert_string_equal(
	        out,
	        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ads_md5_hex("", 0, out);
	assert_string_equal(out, "d41d8cd98f00b204e9800998ecf8427e");
	/* RFC 4231 test case 2 */
	ads_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_string_equal(
	        out,
	        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_json(void **state)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf b = ADS_BUF_INIT;
	json_t *v = NULL;
	int64_t n;

	(void)state;
	assert_int_equal(
	        ads_json_parse(&v, "{\"b\":1,\"a\":\"20000\"}", 19, NULL, &err),
	        0);
	ads_json_dump_canonical(&b, v);
	assert_string_equal(b.buf, "{\"a\":\"20000\",\"b\":1}");
	assert_true(ads_json_as_int64(json_object_get(v, "a"), &n));
	assert_int_equal(n, 20000);
	assert_true(ads_json_as_int64(json_object_get(v, "b"), &n));
	assert_int_equal(n, 1);
	json_decref(v);
	v = NULL;
	assert_int_equal(
	        ads_json_parse(&v, "{\"a\":1,\"a\":2}", 13, "x.json", &err),
	        ADS_EINVALID);
	assert_null(v);
	assert_non_null(strstr(err.msg, "x.json: line 1"));
	ads_error_release(&err);
	ads_buf_release(&b);
}

static void test_error_and_diags(void **state)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_srcloc loc = { "a.yaml", 3, 5 };
	struct ads_diags d = ADS_DIAGS_INIT;

	(void)state;
	assert_int_equal(
	        ads_error_setloc(&err, ADS_EINVALID, &loc, "bad %s", "thing"),
	        ADS_EINVALID);
	/* the first error wins */
	ads_error_set(&err, ADS_EIO, "second");
	ads_error_prefix(&err, "loading");
	assert_string_equal(err.msg, "loading: bad thing");
	assert_string_equal(err.file, "a.yaml");
	assert_int_equal(err.line, 3);
	ads_diags_add(&d, ADS_SEV_ERROR, &(struct ads_srcloc){ "b.yaml", 1, 1 },
	              "x", NULL, "one");
	ads_diags_add(&d, ADS_SEV_WARNING, &loc, "x", "y", "two");
	ads_diags_add(&d, ADS_SEV_ERROR, &loc, "x", NULL, "three");
	ads_diags_add_error(&d, "y", &err);
	ads_diags_sort(&d);
	assert_string_equal(d.v[0].msg, "two");
	assert_string_equal(d.v[1].msg, "three");
	assert_string_equal(d.v[2].msg, "loading: bad thing");
	assert_string_equal(d.v[3].msg, "one");
	assert_int_equal(d.nerrors, 3);
	assert_int_equal(d.nwarnings, 1);
	ads_diags_release(&d);
	ads_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_strvec),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_crypto),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_error_and_diags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
