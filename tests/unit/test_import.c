/*
 * Unit tests for what import writes (src/render/manifest.c): every tree
 * read back through the manifest loader (src/manifest/doc.c) is the tree
 * that was written, whatever its strings look like to YAML; and the shape
 * of the output (flow style for short lists and references, quotes only
 * where needed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/doc.h"
#include "render/manifest.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* Strings YAML would read as something else, or not at all, if plain. */
static const char *const tricky[] = {
	"",
	"yes",
	"No",
	"NO",
	"on",
	"off",
	"y",
	"n",
	"null",
	"Null",
	"~",
	"true",
	"False",
	"123",
	"-1",
	"+1",
	"1_000",
	"0x1F",
	"0o17",
	"1e3",
	".5",
	".inf",
	".NaN",
	"2027-03-01",
	"2027-03-01T00:00:00+0000",
	" leading",
	"trailing ",
	"a: b",
	"a:",
	"a #b",
	"#c",
	"a#b",
	"-x",
	"- x",
	"? x",
	"[x]",
	"{x}",
	"a, b",
	"a,b",
	"tab\there",
	"new\nline",
	"cr\rhere",
	"quote\"s",
	"single'quote",
	"back\\slash",
	"ümlaut",
	"emoji 😀",
	"@x",
	"`x",
	"!x",
	"&x",
	"*x",
	"|x",
	">x",
	"%x",
	"'x",
	"https://shop.example/a?b=c&d=e#f",
	"key: value",
	"DE",
	"utm_source=x",
	"Spring Sale 2027",
	"x:y",
	"a - b",
	"---",
	"...",
	"=",
	"<<",
};

static json_t *roundtrip(const json_t *tree, struct ads_buf *yaml)
{
	struct ads_doc *doc = NULL;
	struct ads_diags diags = ADS_DIAGS_INIT;
	json_t *back;

	ads_buf_reset(yaml);
	ads_render_manifest(yaml, tree, "a header\nover two lines");
	if (ads_doc_parse(&doc, "test.yaml", yaml->buf, yaml->len, &diags)) {
		print_error("not YAML:\n%s\n", yaml->buf);
		fail();
	}
	if (diags.nerrors) {
		print_error("diagnostics for:\n%s\n", yaml->buf);
		fail();
	}
	back = json_incref(doc->root);
	ads_doc_free(doc);
	ads_diags_release(&diags);
	return back;
}

static void check_roundtrip(const json_t *tree)
{
	struct ads_buf yaml = ADS_BUF_INIT;
	json_t *back = roundtrip(tree, &yaml);

	if (!json_equal(back, tree)) {
		char *a = json_dumps(tree, JSON_SORT_KEYS);
		char *b = json_dumps(back, JSON_SORT_KEYS);

		print_error("wrote %s\nread  %s\nYAML:\n%s\n", a, b, yaml.buf);
		free(a);
		free(b);
		fail();
	}
	json_decref(back);
	ads_buf_release(&yaml);
}

static void test_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		json_t *t = json_pack(
		        "{s:{s:s,s:[s,s],s:[{s:s,s:i}],s:{s:s},s:s}}",
		        "campaigns", "value", tricky[i], "list", tricky[i],
		        "DE", "items", "text", tricky[i], "n", 1, "flow", "k",
		        tricky[i], *tricky[i] ? tricky[i] : "empty-key",
		        "as a key");

		check_roundtrip(t);
		json_decref(t);
	}
}

static void test_values(void **state)
{
	json_t *t;

	(void)state;
	t = json_loads(
	        "{\"campaigns\": {\"spring\": {\"name\": \"Spring\","
	        " \"daily_budget\": 2500, \"ratio\": 0.02, \"on\": true,"
	        " \"off\": false, \"none\": null, \"empty\": {}, \"nothing\": [],"
	        " \"special_ad_categories\": [],"
	        " \"targeting\": {\"geo_locations\": {\"countries\": [\"DE\","
	        " \"NO\", \"AT\"]}, \"age_min\": 25, \"custom_audiences\":"
	        " [{\"ref\": \"audiences.buyers\"}, {\"id\": \"120\"}]},"
	        " \"nested\": [[1, 2], [\"a\", {\"b\": \"c\"}]],"
	        " \"long\": [\"a long string that does not fit on one line\","
	        " \"another long string that does not fit either\"],"
	        " \"ad_sets\": {\"de\": {\"ads\": {\"hero\": {\"creative\":"
	        " {\"ref\": \"creatives.hero\"}}}}}}}}",
	        0, NULL);
	assert_non_null(t);
	check_roundtrip(t);
	json_decref(t);
}

static void test_shape(void **state)
{
	struct ads_buf yaml = ADS_BUF_INIT;
	json_t *t =
	        json_loads("{\"campaigns\": {\"c\": {\"name\": \"Spring Sale\","
	                   " \"page_id\": \"111111111111111\","
	                   " \"countries\": [\"DE\", \"AT\"],"
	                   " \"creative\": {\"ref\": \"creatives.hero\"},"
	                   " \"message\": \"Hello: world\"}}}",
	                   0, NULL);
	json_t *back = roundtrip(t, &yaml);

	(void)state;
	assert_true(json_equal(back, t));
	assert_non_null(strstr(yaml.buf, "# a header\n# over two lines\n"));
	assert_non_null(strstr(yaml.buf, "\n    name: Spring Sale\n"));
	/* ids stay strings: quoted */
	assert_non_null(strstr(yaml.buf, "page_id: \"111111111111111\"\n"));
	assert_non_null(strstr(yaml.buf, "countries: [DE, AT]\n"));
	assert_non_null(
	        strstr(yaml.buf, "creative: { ref: creatives.hero }\n"));
	assert_non_null(strstr(yaml.buf, "message: \"Hello: world\"\n"));
	json_decref(back);
	json_decref(t);
	ads_buf_release(&yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
