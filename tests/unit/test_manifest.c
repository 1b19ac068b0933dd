/* Unit tests for src/manifest/: YAML documents and project loading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest/doc.h"
#include "manifest/project.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ---- helpers ---- */

static struct ads_doc *parse_ok(const char *yaml)
{
	struct ads_diags d = ADS_DIAGS_INIT;
	struct ads_doc *doc = NULL;
	int rc = ads_doc_parse(&doc, "t.yaml", yaml, strlen(yaml), &d);

	for (size_t i = 0; i < d.nr; i++)
		print_message("unexpected: %u:%u: %s\n", d.v[i].line,
		              d.v[i].col, d.v[i].msg);
	assert_int_equal(rc, 0);
	assert_int_equal(d.nr, 0);
	assert_non_null(doc);
	ads_diags_release(&d);
	return doc;
}

/* Parses text that must fail; d receives the diagnostics. */
static void parse_fail(const char *yaml, size_t len, struct ads_diags *d)
{
	struct ads_doc *doc = NULL;

	assert_int_equal(ads_doc_parse(&doc, "t.yaml", yaml, len, d),
	                 ADS_EINVALID);
	assert_null(doc);
	assert_true(d->nerrors > 0);
}

/* The only (or first) diagnostic of a failing parse. */
static void expect_error(const char *yaml, unsigned line, unsigned col,
                         const char *rule, const char *msg)
{
	struct ads_diags d = ADS_DIAGS_INIT;

	parse_fail(yaml, strlen(yaml), &d);
	if (strcmp(d.v[0].msg, msg))
		print_message("got: %s\n", d.v[0].msg);
	assert_string_equal(d.v[0].msg, msg);
	assert_string_equal(d.v[0].rule, rule);
	assert_string_equal(d.v[0].file, "t.yaml");
	assert_int_equal(d.v[0].line, line);
	assert_int_equal(d.v[0].col, col);
	ads_diags_release(&d);
}

static void expect_loc(const struct ads_doc *doc, const char *ptr,
                       enum ads_loc_part part, unsigned line, unsigned col)
{
	struct ads_srcloc loc = { 0 };

	if (!ads_doc_locate(doc, ptr, part, &loc))
		fail_msg("pointer '%s' not found", ptr);
	if (loc.line != line || loc.col != col)
		fail_msg("'%s' (%s) at %u:%u, expected %u:%u", ptr,
		         part == ADS_LOC_KEY ? "key" : "value", loc.line,
		         loc.col, line, col);
	assert_string_equal(loc.file, "t.yaml");
}

static json_t *at(const struct ads_doc *doc, const char *ptr)
{
	json_t *v = doc->root;
	char *copy = xstrdup(ptr), *save = NULL;

	for (char *tok = strtok_r(copy, "/", &save); tok && v;
	     tok = strtok_r(NULL, "/", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, (size_t)atoi(tok));
		else
			v = json_object_get(v, tok);
	}
	free(copy);
	assert_non_null(v);
	return v;
}

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/ads-test-manifest-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	return xstrdup(dir);
}

static void write_file(const char *dir, const char *rel, const char *text)
{
	char *path = ads_path_join(dir, rel);
	char *parent = ads_path_dirname(path);
	struct ads_error err = ADS_ERROR_INIT;

	assert_int_equal(ads_mkdir_p(parent, &err), 0);
	assert_int_equal(
	        ads_write_file_atomic(path, text, strlen(text), 0644, &err), 0);
	free(parent);
	free(path);
}

static void remove_tree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* ---- locations ---- */

static void test_locations(void **state)
{
	const char *yaml = "# a campaign\n"
	                   "name: Spring Sale\n"
	                   "budget:   20000\n"
	                   "targeting:\n"
	                   "  geo_locations:\n"
	                   "    countries: [DE, AT]\n"
	                   "  age_min: 21\n"
	                   "ads:\n"
	                   "  - name: Hero\n"
	                   "    creative: { ref: creatives.hero }\n"
	                   "  - \"quoted\"\n"
	                   "  -\n"
	                   "    nested: true\n"
	                   "empty:\n"
	                   "k~/x: 1\n";
	struct ads_doc *doc = parse_ok(yaml);
	struct ads_srcloc loc;

	(void)state;
	expect_loc(doc, "", ADS_LOC_VALUE, 2, 1);
	expect_loc(doc, "/name", ADS_LOC_KEY, 2, 1);
	expect_loc(doc, "/name", ADS_LOC_VALUE, 2, 7);
	expect_loc(doc, "/budget", ADS_LOC_VALUE, 3, 11);
	expect_loc(doc, "/targeting", ADS_LOC_KEY, 4, 1);
	expect_loc(doc, "/targeting", ADS_LOC_VALUE, 5, 3);
	expect_loc(doc, "/targeting/geo_locations/countries", ADS_LOC_KEY, 6,
	           5);
	expect_loc(doc, "/targeting/geo_locations/countries", ADS_LOC_VALUE, 6,
	           16);
	expect_loc(doc, "/targeting/geo_locations/countries/0", ADS_LOC_VALUE,
	           6, 17);
	expect_loc(doc, "/targeting/geo_locations/countries/1", ADS_LOC_VALUE,
	           6, 21);
	expect_loc(doc, "/targeting/age_min", ADS_LOC_VALUE, 7, 12);
	expect_loc(doc, "/ads", ADS_LOC_VALUE, 9, 3);
	expect_loc(doc, "/ads/0", ADS_LOC_VALUE, 9, 5);
	expect_loc(doc, "/ads/0/name", ADS_LOC_VALUE, 9, 11);
	expect_loc(doc, "/ads/0/creative", ADS_LOC_VALUE, 10, 15);
	expect_loc(doc, "/ads/0/creative/ref", ADS_LOC_KEY, 10, 17);
	expect_loc(doc, "/ads/0/creative/ref", ADS_LOC_VALUE, 10, 22);
	expect_loc(doc, "/ads/1", ADS_LOC_VALUE, 11, 5);
	expect_loc(doc, "/ads/2", ADS_LOC_VALUE, 13, 5);
	expect_loc(doc, "/ads/2/nested", ADS_LOC_VALUE, 13, 13);
	/* an empty value sits just after its colon */
	expect_loc(doc, "/empty", ADS_LOC_VALUE, 14, 7);
	/* RFC 6901 escapes: ~0 is '~' and ~1 is '/' */
	expect_loc(doc, "/k~0~1x", ADS_LOC_KEY, 15, 1);

	/* the per-container accessors agree */
	assert_true(ads_doc_loc(doc, at(doc, "targeting"), &loc));
	assert_int_equal(loc.line, 5);
	assert_true(ads_doc_member_loc(doc, at(doc, "ads/0"), "creative",
	                               ADS_LOC_KEY, &loc));
	assert_int_equal(loc.line, 10);
	assert_int_equal(loc.col, 5);
	assert_true(ads_doc_item_loc(doc, at(doc, "ads"), 1, &loc));
	assert_int_equal(loc.line, 11);
	assert_false(ads_doc_item_loc(doc, at(doc, "ads"), 3, &loc));
	assert_false(
	        ads_doc_member_loc(doc, doc->root, "nope", ADS_LOC_KEY, &loc));
	/* scalars are not containers; jansson shares true between nodes */
	assert_false(ads_doc_loc(doc, at(doc, "ads/2/nested"), &loc));
	ads_doc_free(doc);
}

static void test_locate_fallback(void **state)
{
	struct ads_doc *doc = parse_ok("a:\n"
	                               "  b:\n"
	                               "    - x\n"
	                               "    - y: 1\n"
	                               "c: 2\n");
	struct ads_srcloc loc;

	(void)state;
	/* missing member: the deepest existing ancestor */
	assert_false(ads_doc_locate(doc, "/a/b/1/z", ADS_LOC_VALUE, &loc));
	assert_int_equal(loc.line, 4);
	assert_int_equal(loc.col, 7);
	assert_false(
	        ads_doc_locate(doc, "/a/missing/deeper", ADS_LOC_KEY, &loc));
	assert_int_equal(loc.line, 1);
	assert_int_equal(loc.col, 1);
	assert_false(ads_doc_locate(doc, "/a/missing", ADS_LOC_VALUE, &loc));
	assert_int_equal(loc.line, 2);
	assert_int_equal(loc.col, 3);
	/* past the end, "-", leading zeros, and descending into a scalar */
	assert_false(ads_doc_locate(doc, "/a/b/2", ADS_LOC_VALUE, &loc));
	assert_int_equal(loc.line, 3);
	assert_int_equal(loc.col, 5);
	assert_false(ads_doc_locate(doc, "/a/b/-", ADS_LOC_VALUE, &loc));
	assert_false(ads_doc_locate(doc, "/a/b/01", ADS_LOC_VALUE, &loc));
	assert_false(ads_doc_locate(doc, "/c/x", ADS_LOC_VALUE, &loc));
	assert_int_equal(loc.line, 5);
	assert_int_equal(loc.col, 4);
	/* malformed pointers give the root */
	assert_false(ads_doc_locate(doc, "a", ADS_LOC_VALUE, &loc));
	assert_int_equal(loc.line, 1);
	assert_false(ads_doc_locate(doc, "/a~2", ADS_LOC_VALUE, &loc));
	assert_true(ads_doc_locate(doc, "/a/b/1", ADS_LOC_VALUE, &loc));
	assert_int_equal(loc.line, 4);
	ads_doc_free(doc);
}

/* ---- scalars ---- */

static void test_scalars(void **state)
{
	struct ads_doc *doc =
	        parse_ok("country: NO\n"
	                 "yes_: yes\n"
	                 "on_: on\n"
	                 "y: y\n"
	                 "t: [true, True, TRUE, false, False, FALSE, tRUE]\n"
	                 "n: [~, null, Null, NULL, nULL]\n"
	                 "empty:\n"
	                 "hex: 0x1F\n"
	                 "oct: 0o17\n"
	                 "dec: 007\n"
	                 "neg: -12\n"
	                 "pos: +3\n"
	                 "max: 9223372036854775807\n"
	                 "min: -9223372036854775808\n"
	                 "big: 12345678901234567890123\n"
	                 "bighex: 0xFFFFFFFFFFFFFFFFFF\n"
	                 "f: [1.5, .5, 5., -1e3, 2.5E-2, +0.25]\n"
	                 "qnum: \"42\"\n"
	                 "snum: '7'\n"
	                 "qtrue: \"true\"\n"
	                 "qnull: ''\n"
	                 "block: |\n"
	                 "  12\n"
	                 "date: 2027-03-01\n"
	                 "ver: 1.2.3\n"
	                 "under: 1_000\n"
	                 "sexa: 1:30\n"
	                 "neghex: -0x1F\n"
	                 "strtag: !!str 12\n"
	                 "inttag: !!int \"12\"\n"
	                 "floattag: !!float 3\n"
	                 "booltag: !!bool \"true\"\n"
	                 "nulltag: !!null ''\n"
	                 "bang: ! 12\n");

	(void)state;
	assert_string_equal(json_string_value(at(doc, "country")), "NO");
	assert_string_equal(json_string_value(at(doc, "yes_")), "yes");
	assert_string_equal(json_string_value(at(doc, "on_")), "on");
	assert_string_equal(json_string_value(at(doc, "y")), "y");
	for (size_t i = 0; i < 3; i++)
		assert_true(json_is_true(json_array_get(at(doc, "t"), i)));
	for (size_t i = 3; i < 6; i++)
		assert_true(json_is_false(json_array_get(at(doc, "t"), i)));
	assert_string_equal(json_string_value(json_array_get(at(doc, "t"), 6)),
	                    "tRUE");
	for (size_t i = 0; i < 4; i++)
		assert_true(json_is_null(json_array_get(at(doc, "n"), i)));
	assert_true(json_is_string(json_array_get(at(doc, "n"), 4)));
	assert_true(json_is_null(at(doc, "empty")));
	assert_int_equal(json_integer_value(at(doc, "hex")), 31);
	assert_int_equal(json_integer_value(at(doc, "oct")), 15);
	assert_int_equal(json_integer_value(at(doc, "dec")), 7);
	assert_int_equal(json_integer_value(at(doc, "neg")), -12);
	assert_int_equal(json_integer_value(at(doc, "pos")), 3);
	assert_true(json_integer_value(at(doc, "max")) == INT64_MAX);
	assert_true(json_integer_value(at(doc, "min")) == INT64_MIN);
	/* ids can be long: beyond int64 the text is kept */
	assert_string_equal(json_string_value(at(doc, "big")),
	                    "12345678901234567890123");
	assert_string_equal(json_string_value(at(doc, "bighex")),
	                    "0xFFFFFFFFFFFFFFFFFF");
	assert_true(json_real_value(json_array_get(at(doc, "f"), 0)) == 1.5);
	assert_true(json_real_value(json_array_get(at(doc, "f"), 1)) == 0.5);
	assert_true(json_real_value(json_array_get(at(doc, "f"), 2)) == 5.0);
	assert_true(json_real_value(json_array_get(at(doc, "f"), 3)) ==
	            -1000.0);
	assert_true(json_real_value(json_array_get(at(doc, "f"), 4)) == 0.025);
	assert_true(json_real_value(json_array_get(at(doc, "f"), 5)) == 0.25);
	assert_string_equal(json_string_value(at(doc, "qnum")), "42");
	assert_string_equal(json_string_value(at(doc, "snum")), "7");
	assert_string_equal(json_string_value(at(doc, "qtrue")), "true");
	assert_string_equal(json_string_value(at(doc, "qnull")), "");
	assert_string_equal(json_string_value(at(doc, "block")), "12\n");
	assert_string_equal(json_string_value(at(doc, "date")), "2027-03-01");
	assert_string_equal(json_string_value(at(doc, "ver")), "1.2.3");
	assert_string_equal(json_string_value(at(doc, "under")), "1_000");
	assert_string_equal(json_string_value(at(doc, "sexa")), "1:30");
	assert_string_equal(json_string_value(at(doc, "neghex")), "-0x1F");
	assert_string_equal(json_string_value(at(doc, "strtag")), "12");
	assert_int_equal(json_integer_value(at(doc, "inttag")), 12);
	assert_true(json_is_real(at(doc, "floattag")));
	assert_true(json_real_value(at(doc, "floattag")) == 3.0);
	assert_true(json_is_true(at(doc, "booltag")));
	assert_true(json_is_null(at(doc, "nulltag")));
	assert_string_equal(json_string_value(at(doc, "bang")), "12");
	ads_doc_free(doc);
}

static void test_scalar_errors(void **state)
{
	struct ads_diags d = ADS_DIAGS_INIT;
	const char *yaml = "a: .inf\n"
	                   "b: -.Inf\n"
	                   "c: .NaN\n"
	                   "d: 1e999\n"
	                   "e: !!binary aGVsbG8=\n"
	                   "f: !custom x\n"
	                   "g: !!int abc\n"
	                   "h: !!bool yes\n"
	                   "i: !!map x\n"
	                   "j: !!str [1]\n"
	                   "k: \".inf\"\n";

	(void)state;
	parse_fail(yaml, strlen(yaml), &d);
	assert_int_equal(d.nr, 10);
	assert_string_equal(d.v[0].msg,
	                    "'.inf' is not a finite number, which JSON cannot "
	                    "hold (quote it to keep it as text)");
	assert_string_equal(d.v[0].rule, "yaml.number");
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[0].col, 4);
	assert_int_equal(d.v[1].line, 2);
	assert_int_equal(d.v[2].line, 3);
	assert_int_equal(d.v[3].line, 4);
	assert_string_equal(d.v[4].msg, "unsupported tag '!!binary' "
	                                "(manifests use plain YAML values)");
	assert_string_equal(d.v[4].rule, "yaml.tag");
	assert_string_equal(d.v[5].msg, "unsupported tag '!custom' "
	                                "(manifests use plain YAML values)");
	assert_string_equal(d.v[6].msg, "'abc' is not an integer (tag !!int)");
	assert_string_equal(d.v[7].msg,
	                    "'yes' is not true or false (tag !!bool)");
	assert_string_equal(d.v[8].msg,
	                    "tag '!!map' cannot be used on a value");
	assert_string_equal(d.v[9].msg, "tag '!!str' cannot be used on a list");
	assert_int_equal(d.v[9].line, 10);
	ads_diags_release(&d);
}

/* ---- keys ---- */

static void test_duplicate_keys(void **state)
{
	struct ads_diags d = ADS_DIAGS_INIT;
	const char *yaml = "campaigns:\n"
	                   "  spring:\n"
	                   "    status: ACTIVE\n"
	                   "    name: Spring\n"
	                   "    daily_budget: 100\n"
	                   "    name: Spring 2\n"
	                   "  spring: {}\n"
	                   "x: {a: 1, a: 2}\n";

	(void)state;
	parse_fail(yaml, strlen(yaml), &d);
	assert_int_equal(d.nr, 3);
	assert_string_equal(d.v[0].msg,
	                    "duplicate key 'name' (first defined at line 4)");
	assert_string_equal(d.v[0].rule, "yaml.duplicate-key");
	assert_int_equal(d.v[0].line, 6);
	assert_int_equal(d.v[0].col, 5);
	assert_string_equal(d.v[1].msg,
	                    "duplicate key 'spring' (first defined at line "
	                    "2)");
	assert_int_equal(d.v[1].line, 7);
	assert_int_equal(d.v[2].line, 8);
	assert_int_equal(d.v[2].col, 11);
	ads_diags_release(&d);
}

static void test_keys(void **state)
{
	struct ads_doc *doc = parse_ok("1: one\n"
	                               "true: yes\n"
	                               "~: nothing\n"
	                               "0x1F: hex\n"
	                               "\"quoted key\": q\n"
	                               "? explicit\n"
	                               ": e\n");

	(void)state;
	/* keys are stringified as written */
	assert_string_equal(json_string_value(at(doc, "1")), "one");
	assert_string_equal(json_string_value(at(doc, "true")), "yes");
	assert_string_equal(json_string_value(at(doc, "~")), "nothing");
	assert_string_equal(json_string_value(at(doc, "0x1F")), "hex");
	assert_string_equal(json_string_value(at(doc, "quoted key")), "q");
	assert_string_equal(json_string_value(at(doc, "explicit")), "e");
	ads_doc_free(doc);

	expect_error("? [a, b]\n: 1\n", 1, 3, "yaml.key",
	             "a key must be a plain value, not a list or map");
	expect_error("{a: 1}: 2\n", 1, 1, "yaml.key",
	             "a key must be a plain value, not a list or map");
	expect_error("\"a\\0b\": 1\n", 1, 1, "yaml.key",
	             "a key cannot contain a NUL character");
}

/* ---- anchors, aliases, merge keys ---- */

static void test_aliases(void **state)
{
	struct ads_doc *doc = parse_ok("defaults: &d\n"
	                               "  status: PAUSED\n"
	                               "  targeting: {age_min: 21}\n"
	                               "name: &n Hero\n"
	                               "a: *d\n"
	                               "b: *n\n"
	                               "c: [*d, *n]\n"
	                               "*n : key from alias\n");
	json_t *a = at(doc, "a"), *d = at(doc, "defaults");

	(void)state;
	assert_true(json_equal(a, d));
	/* a deep copy: changing it leaves the anchor alone */
	assert_ptr_not_equal(a, d);
	assert_ptr_not_equal(json_object_get(a, "targeting"),
	                     json_object_get(d, "targeting"));
	json_object_set_new(json_object_get(a, "targeting"), "age_min",
	                    json_integer(30));
	assert_int_equal(json_integer_value(at(doc, "defaults/targeting/"
	                                            "age_min")),
	                 21);
	assert_string_equal(json_string_value(at(doc, "b")), "Hero");
	assert_string_equal(json_string_value(at(doc, "Hero")),
	                    "key from alias");
	/* the alias sits where it is used; its content where defined */
	expect_loc(doc, "/a", ADS_LOC_VALUE, 5, 4);
	expect_loc(doc, "/a/status", ADS_LOC_KEY, 2, 3);
	expect_loc(doc, "/a/targeting/age_min", ADS_LOC_VALUE, 3, 24);
	expect_loc(doc, "/c/0/status", ADS_LOC_VALUE, 2, 11);
	expect_loc(doc, "/c/1", ADS_LOC_VALUE, 7, 9);
	ads_doc_free(doc);

	expect_error("a: *nope\n", 1, 4, "yaml.alias",
	             "alias '*nope' is not defined (an anchor '&nope' must "
	             "come before it)");
	expect_error("a: &x [1, *x]\n", 1, 11, "yaml.alias",
	             "alias '*x' refers to the list or map that contains it");
	expect_error("a: &x {b: 1}\n*x : 2\n", 2, 1, "yaml.key",
	             "a key must be a plain value, but '*x' is a list or "
	             "map");
}

static void test_anchor_redefined(void **state)
{
	/* an alias refers to the latest definition before it */
	struct ads_doc *doc = parse_ok("a: &x 1\n"
	                               "b: *x\n"
	                               "c: &x [2]\n"
	                               "d: *x\n"
	                               "e: &x [&x 3, *x]\n");

	(void)state;
	assert_int_equal(json_integer_value(at(doc, "b")), 1);
	assert_int_equal(json_integer_value(at(doc, "d/0")), 2);
	assert_int_equal(json_integer_value(at(doc, "e/1")), 3);
	ads_doc_free(doc);
}

static void test_merge_keys(void **state)
{
	struct ads_doc *doc = parse_ok("base: &base\n"
	                               "  status: PAUSED\n"
	                               "  bid: 10\n"
	                               "extra: &extra\n"
	                               "  bid: 20\n"
	                               "  age: 30\n"
	                               "one:\n"
	                               "  <<: *base\n"
	                               "  name: One\n"
	                               "two:\n"
	                               "  name: Two\n"
	                               "  status: ACTIVE\n"
	                               "  <<: [*base, *extra]\n"
	                               "three: {<<: {x: 1}, y: 2}\n"
	                               "quoted: {\"<<\": 1}\n");

	(void)state;
	assert_string_equal(json_string_value(at(doc, "one/status")), "PAUSED");
	assert_int_equal(json_integer_value(at(doc, "one/bid")), 10);
	assert_string_equal(json_string_value(at(doc, "one/name")), "One");
	assert_null(json_object_get(at(doc, "one"), "<<"));
	/* explicit keys win, even when written before the merge */
	assert_string_equal(json_string_value(at(doc, "two/status")), "ACTIVE");
	/* earlier merges win over later ones */
	assert_int_equal(json_integer_value(at(doc, "two/bid")), 10);
	assert_int_equal(json_integer_value(at(doc, "two/age")), 30);
	assert_int_equal(json_object_size(at(doc, "two")), 4);
	assert_int_equal(json_integer_value(at(doc, "three/x")), 1);
	/* a quoted "<<" is an ordinary key */
	assert_int_equal(json_integer_value(at(doc, "quoted/<<")), 1);
	/* merged members keep the location of their definition */
	expect_loc(doc, "/one/status", ADS_LOC_KEY, 2, 3);
	expect_loc(doc, "/two/age", ADS_LOC_VALUE, 6, 8);
	expect_loc(doc, "/two/status", ADS_LOC_VALUE, 12, 11);
	expect_loc(doc, "/one/name", ADS_LOC_KEY, 9, 3);
	ads_doc_free(doc);

	expect_error("s: &s text\nm:\n  <<: *s\n", 3, 7, "yaml.merge",
	             "the merge key '<<' needs a map or a list of maps (for "
	             "example <<: *defaults or <<: [*defaults, *extra])");
	expect_error("a: &a {x: 1}\nm:\n  <<: [*a, 3]\n", 3, 12, "yaml.merge",
	             "a '<<' merge list may only hold maps (for example <<: "
	             "*defaults or <<: [*defaults, *extra])");
	expect_error("a: &a {x: 1}\nm:\n  <<: *a\n  <<: *a\n", 4, 3,
	             "yaml.duplicate-key",
	             "duplicate key '<<' (first defined at line 3)");
}

static void test_alias_bomb(void **state)
{
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_diags d = ADS_DIAGS_INIT;

	(void)state;
	/* billion laughs: 10^9 nodes once expanded, from 600 bytes */
	ads_buf_addstr(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++) {
		ads_buf_addf(&b, "a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			ads_buf_addf(&b, "%s*a%d", j ? ", " : "", i - 1);
		ads_buf_addstr(&b, "]\n");
	}
	parse_fail(b.buf, b.len, &d);
	assert_int_equal(d.nr, 1);
	assert_string_equal(d.v[0].msg, "too many nodes after expanding "
	                                "aliases (limit 1000000)");
	assert_string_equal(d.v[0].rule, "yaml.too-many-nodes");
	assert_int_equal(d.v[0].line, 6);
	ads_diags_release(&d);
	ads_buf_release(&b);
}

static void test_alias_text_bomb(void **state)
{
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_diags d = ADS_DIAGS_INIT;

	(void)state;
	/* few nodes, but each alias copies 40 kB: 40 MB from 44 kB */
	ads_buf_addstr(&b, "s: &s ");
	ads_buf_addchars(&b, 'x', 40000);
	ads_buf_addstr(&b, "\nl: [*s");
	for (int i = 0; i < 1000; i++)
		ads_buf_addstr(&b, ", *s");
	ads_buf_addstr(&b, "]\n");
	parse_fail(b.buf, b.len, &d);
	assert_int_equal(d.nr, 1);
	assert_string_equal(d.v[0].msg, "aliases expand to too much text "
	                                "(limit 32 MiB)");
	assert_int_equal(d.v[0].line, 2);
	ads_diags_release(&d);
	ads_buf_release(&b);
}

/* ---- limits and hostile input ---- */

static void test_deep_nesting(void **state)
{
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_diags d = ADS_DIAGS_INIT;
	struct ads_doc *doc = NULL;

	(void)state;
	ads_buf_addchars(&b, '[', 100000);
	parse_fail(b.buf, b.len, &d);
	assert_int_equal(d.nr, 1);
	assert_string_equal(d.v[0].msg, "too deeply nested (more than 64 "
	                                "levels of lists and maps)");
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[0].col, 65);
	ads_diags_release(&d);

	/* 64 levels are fine */
	ads_buf_reset(&b);
	ads_buf_addchars(&b, '[', 64);
	ads_buf_addchars(&b, ']', 64);
	assert_int_equal(ads_doc_parse(&doc, "t.yaml", b.buf, b.len, &d), 0);
	ads_doc_free(doc);

	/* nor can an alias smuggle in more */
	ads_buf_reset(&b);
	ads_buf_addstr(&b, "a: &a ");
	ads_buf_addchars(&b, '[', 63);
	ads_buf_addchars(&b, ']', 63);
	ads_buf_addstr(&b, "\nb: [*a]\n");
	parse_fail(b.buf, b.len, &d);
	assert_string_equal(d.v[0].msg, "too deeply nested once alias '*a' is "
	                                "expanded (more than 64 levels of "
	                                "lists and maps)");
	assert_string_equal(d.v[0].rule, "yaml.depth");
	ads_diags_release(&d);
	ads_buf_release(&b);
}

static void test_too_large(void **state)
{
	char *dir = make_tmpdir();
	char *path = ads_path_join(dir, "huge.yaml");
	struct ads_diags d = ADS_DIAGS_INIT;
	struct ads_doc *doc = NULL;
	char line[] = "key: value\n";
	FILE *f = fopen(path, "w");

	(void)state;
	assert_non_null(f);
	for (size_t n = 0; n < 10485760; n += sizeof(line) - 1) {
		size_t len = sizeof(line) - 1;

		if (n + len > 10485760)
			len = 10485760 - n;
		assert_int_equal(fwrite(line, 1, len, f), len);
	}
	assert_int_equal(fclose(f), 0);
	assert_int_equal(ads_doc_load(&doc, path, "huge.yaml", &d),
	                 ADS_EINVALID);
	assert_null(doc);
	assert_int_equal(d.nr, 1);
	assert_string_equal(d.v[0].msg, "file is too large (10485760 bytes; "
	                                "the limit is 4 MiB)");
	assert_string_equal(d.v[0].file, "huge.yaml");
	ads_diags_release(&d);

	assert_int_equal(
	        ads_doc_load(&doc, "/nonexistent/x.yaml", "x.yaml", &d),
	        ADS_ENOTFOUND);
	assert_int_equal(d.nr, 1);
	assert_string_equal(d.v[0].rule, "file.read");
	ads_diags_release(&d);
	remove_tree(dir);
	free(path);
	free(dir);
}

static void test_encoding(void **state)
{
	struct ads_diags d = ADS_DIAGS_INIT;
	const char bad[] = "name: ok\ntitle: caf\xc3\xa9 \xff\xfe\n";
	struct ads_doc *doc;

	(void)state;
	parse_fail(bad, sizeof(bad) - 1, &d);
	assert_int_equal(d.nr, 1);
	assert_string_equal(d.v[0].rule, "yaml.encoding");
	assert_string_equal(d.v[0].msg,
	                    "this file is not valid UTF-8 text (byte 0xFF "
	                    "here); save it with UTF-8 encoding");
	assert_int_equal(d.v[0].line, 2);
	assert_int_equal(d.v[0].col, 13);
	ads_diags_release(&d);

	expect_error("a: b\x01\n", 1, 5, "yaml.encoding",
	             "the file contains a control character (U+0001), which "
	             "YAML does not allow");

	/* a byte order mark is fine, and UTF-8 text is kept */
	doc = parse_ok("\xef\xbb\xbftitle: caf\xc3\xa9\n");
	assert_string_equal(json_string_value(at(doc, "title")), "caf\xc3\xa9");
	expect_loc(doc, "/title", ADS_LOC_VALUE, 1, 8);
	ads_doc_free(doc);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("name: Spring: Sale\n", 1, 13, "yaml.syntax",
	             "invalid YAML: mapping values are not allowed here (put "
	             "text that contains ': ' in quotes, or check the "
	             "indentation)");
	expect_error("a:\n  b: 1\n\tc: 2\n", 3, 1, "yaml.syntax",
	             "invalid YAML: a tab character breaks the indentation "
	             "(YAML indentation uses spaces, not tabs)");
	expect_error("a:\n\tb: 1\n", 2, 1, "yaml.syntax",
	             "invalid YAML: a tab character is not allowed here (YAML "
	             "indentation uses spaces, not tabs)");
	expect_error("a: [1, 2\nb: 3\n", 2, 2, "yaml.syntax",
	             "invalid YAML: expected ',' or ']' in the list that "
	             "starts at line 1");
	expect_error("a: \"open\nb: 2\n", 3, 1, "yaml.syntax",
	             "invalid YAML: the quoted text that starts at line 1 is "
	             "never closed");
	expect_error("a: @me\n", 1, 4, "yaml.syntax",
	             "invalid YAML: '@' cannot start a value (put the value "
	             "in quotes)");
	expect_error("a:\n  - 1\n  b: 2\n", 3, 3, "yaml.syntax",
	             "invalid YAML: expected a '-' list item at this "
	             "indentation (the list starts at line 2)");
}

static void test_errors_collected(void **state)
{
	struct ads_diags d = ADS_DIAGS_INIT;
	const char *yaml = "a: 1\n"
	                   "a: 2\n"
	                   "b: *missing\n"
	                   "c: .nan\n"
	                   "d: [1\n";

	(void)state;
	/* every problem up to the syntax error, where libyaml stops */
	parse_fail(yaml, strlen(yaml), &d);
	assert_int_equal(d.nr, 4);
	assert_string_equal(d.v[0].rule, "yaml.duplicate-key");
	assert_string_equal(d.v[1].rule, "yaml.alias");
	assert_string_equal(d.v[2].rule, "yaml.number");
	assert_string_equal(d.v[3].rule, "yaml.syntax");
	ads_diags_release(&d);
}

static void test_documents(void **state)
{
	struct ads_doc *doc;
	const char *empties[] = { "", "# only a comment\n", "---\n",
		                  "--- \n...\n", "\n\n" };

	(void)state;
	expect_error("a: 1\n---\nb: 2\n", 2, 1, "yaml.multi-document",
	             "this file holds several YAML documents; put each in "
	             "its own file");
	expect_error("---\na: 1\n...\n---\nb: 2\n", 4, 1, "yaml.multi-document",
	             "this file holds several YAML documents; put each in "
	             "its own file");
	for (size_t i = 0; i < sizeof(empties) / sizeof(*empties); i++) {
		struct ads_srcloc loc;

		doc = parse_ok(empties[i]);
		assert_true(json_is_object(doc->root));
		assert_int_equal(json_object_size(doc->root), 0);
		assert_true(ads_doc_loc(doc, doc->root, &loc));
		assert_int_equal(loc.line, 1);
		ads_doc_free(doc);
	}
	/* a top-level list or scalar is kept; the model judges it */
	doc = parse_ok("- a\n- b\n");
	assert_true(json_is_array(doc->root));
	ads_doc_free(doc);
	doc = parse_ok("--- ~\n");
	assert_true(json_is_null(doc->root));
	ads_doc_free(doc);
}

static void test_too_many_problems(void **state)
{
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_diags d = ADS_DIAGS_INIT;

	(void)state;
	for (int i = 0; i < 5000; i++)
		ads_buf_addstr(&b, "a: 1\n");
	parse_fail(b.buf, b.len, &d);
	assert_int_equal(d.nr, 101);
	assert_string_equal(d.v[100].msg,
	                    "too many problems in this file; stopping after "
	                    "100");
	ads_diags_release(&d);
	ads_buf_release(&b);
}

/* ---- projects ---- */

static const struct ads_diag *find_diag(const struct ads_diags *d,
                                        const char *needle)
{
	for (size_t i = 0; i < d->nr; i++)
		if (strstr(d->v[i].msg, needle))
			return &d->v[i];
	fail_msg("no diagnostic says '%s'", needle);
	return NULL;
}

static void expect_diag_at(const struct ads_diags *d, const char *needle,
                           enum ads_severity sev, const char *file,
                           unsigned line, unsigned col)
{
	const struct ads_diag *g = find_diag(d, needle);

	assert_int_equal(g->sev, sev);
	assert_string_equal(g->file, file);
	assert_int_equal(g->line, line);
	assert_int_equal(g->col, col);
}

static void test_project_not_found(void **state)
{
	char *dir = make_tmpdir();
	struct ads_source src;
	struct ads_project *p = NULL;
	struct ads_diags d = ADS_DIAGS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	char *want = xasprintf("no adsctl.yaml in '%s' (is this an adsctl "
	                       "project?)",
	                       dir);

	(void)state;
	ads_source_fs(&src, dir);
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err),
	                 ADS_ENOTFOUND);
	assert_null(p);
	assert_string_equal(err.msg, want);
	ads_error_release(&err);
	free(want);

	/* a source for a revision names it */
	src.describe = "commit 1a2b3c4";
	want = xasprintf("no adsctl.yaml in '%s' in commit 1a2b3c4 (is this "
	                 "an adsctl project?)",
	                 dir);
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err),
	                 ADS_ENOTFOUND);
	assert_string_equal(err.msg, want);
	assert_int_equal(d.nr, 0);
	ads_error_release(&err);
	ads_diags_release(&d);
	remove_tree(dir);
	free(want);
	free(dir);
}

static void test_project_includes(void **state)
{
	char *top = make_tmpdir();
	char *dir = ads_path_join(top, "project");
	char *display = ads_path_join(dir, "adsctl.yaml");
	char *broken = ads_path_join(dir, "campaigns/b.yaml");
	struct ads_source src;
	struct ads_project *p = NULL;
	struct ads_diags d = ADS_DIAGS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	const char *names[] = { "adsctl.yaml", "campaigns/a.yaml",
		                "creatives/c.yaml", "top.yaml" };

	(void)state;
	write_file(dir, "adsctl.yaml",
	           "stack: acme\n"
	           "account: act_1\n"
	           "include:\n"
	           "  - campaigns/*.yaml\n"
	           "  - creatives/*.yaml\n"
	           "  - audiences/*.yaml\n"
	           "  - ../outside/*.yaml\n"
	           "  - /etc/*.yaml\n"
	           "  - 42\n"
	           "  - campaigns/a.yaml\n"
	           "  - ./campaigns/../campaigns/*.yaml\n"
	           "  - '*.yaml'\n"
	           "  - campaigns/sub/*.yaml\n"
	           "  - ''\n"
	           "  - .?/secret.yaml\n");
	write_file(dir, "campaigns/a.yaml", "campaigns:\n  a: {name: A}\n");
	write_file(dir, "campaigns/b.yaml", "campaigns:\n  b: {name: [B}\n");
	write_file(dir, "campaigns/sub/x.yaml/keep", "a directory\n");
	write_file(dir, "campaigns/notes.txt", "not yaml\n");
	write_file(dir, "creatives/c.yaml", "creatives: {}\n");
	write_file(dir, "top.yaml", "audiences: {}\n");
	/* what ".?/" would reach through ".." */
	write_file(top, "secret.yaml", "campaigns: {}\n");
	ads_source_fs(&src, dir);
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err), 0);
	assert_false(ads_error_is_set(&err));

	/* sorted, each file once, adsctl.yaml first and only once */
	assert_int_equal(p->ndocs, 4);
	assert_ptr_equal(p->main, p->docs[0]);
	for (size_t i = 0; i < 4; i++) {
		char *want = ads_path_join(dir, names[i]);

		assert_string_equal(p->docs[i]->path, want);
		free(want);
	}
	assert_non_null(json_object_get(p->docs[1]->root, "campaigns"));

	expect_diag_at(&d,
	               "include pattern 'audiences/*.yaml' matches no "
	               "files",
	               ADS_SEV_WARNING, display, 6, 5);
	expect_diag_at(&d, "campaigns/sub/*.yaml' matches no files",
	               ADS_SEV_WARNING, display, 13, 5);
	expect_diag_at(&d,
	               "include pattern '../outside/*.yaml' reaches outside "
	               "the project directory",
	               ADS_SEV_ERROR, display, 7, 5);
	expect_diag_at(&d,
	               "include pattern '/etc/*.yaml' is an absolute path; "
	               "patterns are relative to the project directory",
	               ADS_SEV_ERROR, display, 8, 5);
	expect_diag_at(&d, "include is a glob pattern or a list of them",
	               ADS_SEV_ERROR, display, 9, 5);
	expect_diag_at(&d, "include pattern is empty", ADS_SEV_ERROR, display,
	               14, 5);
	expect_diag_at(&d,
	               "include pattern '.?/secret.yaml' reaches outside the "
	               "project directory",
	               ADS_SEV_ERROR, display, 15, 5);
	/* the broken file is reported where it breaks; the rest loaded */
	expect_diag_at(&d, "invalid YAML", ADS_SEV_ERROR, broken, 2, 15);
	assert_int_equal(d.nwarnings, 2);
	assert_int_equal(d.nerrors, 6);
	ads_project_free(p);
	ads_diags_release(&d);
	remove_tree(top);
	free(broken);
	free(display);
	free(dir);
	free(top);
}

static void test_project_shapes(void **state)
{
	char *dir = make_tmpdir();
	char *display = ads_path_join(dir, "adsctl.yaml");
	struct ads_source src;
	struct ads_project *p = NULL;
	struct ads_diags d = ADS_DIAGS_INIT;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	ads_source_fs(&src, dir);

	/* a single-file project: resources beside the settings */
	write_file(dir, "adsctl.yaml",
	           "stack: s\naccount: act_1\ncampaigns: {}\n");
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err), 0);
	assert_int_equal(p->ndocs, 1);
	assert_int_equal(d.nr, 0);
	ads_project_free(p);

	/* include as one string */
	write_file(dir, "adsctl.yaml", "include: c/*.yaml\n");
	write_file(dir, "c/one.yaml", "campaigns: {}\n");
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err), 0);
	assert_int_equal(p->ndocs, 2);
	assert_int_equal(d.nr, 0);
	ads_project_free(p);

	/* include of the wrong type: a diagnostic, the project still loads */
	write_file(dir, "adsctl.yaml", "stack: s\ninclude: {a: b}\n");
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err), 0);
	assert_int_equal(p->ndocs, 1);
	expect_diag_at(&d, "include is a glob pattern or a list of them",
	               ADS_SEV_ERROR, display, 2, 10);
	ads_project_free(p);
	ads_diags_release(&d);

	/* adsctl.yaml must be a map */
	write_file(dir, "adsctl.yaml", "- a\n- b\n");
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err),
	                 ADS_EINVALID);
	expect_diag_at(&d, "adsctl.yaml must be a map of settings",
	               ADS_SEV_ERROR, display, 1, 1);
	ads_error_release(&err);
	ads_diags_release(&d);

	/* a broken adsctl.yaml fails the project */
	write_file(dir, "adsctl.yaml", "stack: [\n");
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err),
	                 ADS_EINVALID);
	assert_true(ads_error_is_set(&err));
	assert_int_equal(d.nerrors, 1);
	assert_string_equal(d.v[0].file, display);
	ads_error_release(&err);
	ads_diags_release(&d);
	remove_tree(dir);
	free(display);
	free(dir);
}

static void test_project_paths(void **state)
{
	char *dir = make_tmpdir();
	char *odd = ads_path_join(dir, "proj [1]*");
	char *huge = ads_path_join(odd, "big/huge.yaml");
	char cwd[PATH_MAX];
	struct ads_source src;
	struct ads_project *p = NULL;
	struct ads_diags d = ADS_DIAGS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	int fd;

	(void)state;
	/* glob characters in the root are taken literally */
	write_file(odd, "adsctl.yaml", "include: ['*.yaml', big/*.yaml]\n");
	write_file(odd, "a.yaml", "campaigns: {}\n");
	write_file(odd, "big/huge.yaml", "");
	/* an over-large file is refused without being read */
	fd = open(huge, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 5 << 20), 0);
	close(fd);
	ads_source_fs(&src, odd);
	assert_int_equal(ads_project_load(&p, odd, &src, &d, &err), 0);
	assert_int_equal(p->ndocs, 2);
	assert_int_equal(d.nr, 1);
	assert_string_equal(d.v[0].msg,
	                    "file is too large (the limit is 4 MiB)");
	ads_project_free(p);
	ads_diags_release(&d);

	/* root "." shows paths as they are relative to the current dir */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(odd), 0);
	ads_source_fs(&src, ".");
	assert_int_equal(ads_project_load(&p, ".", &src, &d, &err), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(p->ndocs, 2);
	assert_string_equal(p->docs[0]->path, "adsctl.yaml");
	assert_string_equal(p->docs[1]->path, "a.yaml");
	assert_string_equal(d.v[0].file, "big/huge.yaml");
	ads_project_free(p);
	ads_diags_release(&d);
	remove_tree(dir);
	free(huge);
	free(odd);
	free(dir);
}

static void test_project_many_files(void **state)
{
	char *dir = make_tmpdir();
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_source src;
	struct ads_project *p = NULL;
	struct ads_diags d = ADS_DIAGS_INIT;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	/* enough input (over 1 MiB) to be parsed on several threads */
	write_file(dir, "adsctl.yaml", "include: c/*.yaml\n");
	for (int i = 0; i < 40; i++) {
		char *rel = xasprintf("c/f%02d.yaml", i);

		ads_buf_reset(&b);
		ads_buf_addf(&b, "campaigns:\n");
		for (int j = 0; j < 1000; j++)
			ads_buf_addf(&b, "  c%d_%d: {name: x, budget: %d}\n", i,
			             j, j);
		if (i % 10 == 5) /* every tenth file is broken */
			ads_buf_addf(&b, "  bad: [\n");
		write_file(dir, rel, b.buf);
		free(rel);
	}
	ads_source_fs(&src, dir);
	assert_int_equal(ads_project_load(&p, dir, &src, &d, &err), 0);
	assert_int_equal(p->ndocs, 1 + 36);
	for (size_t i = 1; i < p->ndocs; i++) {
		json_t *c = json_object_get(p->docs[i]->root, "campaigns");

		assert_int_equal(json_object_size(c), 1000);
		assert_true(strcmp(p->docs[i - 1]->path, p->docs[i]->path) < 0);
	}
	/* diagnostics come in file order, whatever thread found them */
	assert_int_equal(d.nr, 4);
	for (size_t i = 0; i < 4; i++) {
		char *want = xasprintf("%s/c/f%02zu.yaml", dir, 10 * i + 5);

		assert_string_equal(d.v[i].file, want);
		assert_int_equal(d.v[i].line, 1003);
		free(want);
	}
	ads_project_free(p);
	ads_diags_release(&d);
	ads_buf_release(&b);
	remove_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_locate_fallback),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_scalar_errors),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_anchor_redefined),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_alias_text_bomb),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_errors_collected),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_too_many_problems),
		cmocka_unit_test(test_project_not_found),
		cmocka_unit_test(test_project_includes),
		cmocka_unit_test(test_project_shapes),
		cmocka_unit_test(test_project_paths),
		cmocka_unit_test(test_project_many_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
