/*
 * Unit tests of the model (src/model/): projects are built in memory from
 * YAML strings through ads_doc_parse and a struct ads_source that serves
 * files from a table, so every case states its whole input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manifest/doc.h"
#include "manifest/project.h"
#include "model/members.h"
#include "model/model.h"
#include "model/rules.h"
#include "schema/schema.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* --- an in-memory project ------------------------------------------------ */

struct memfile {
	const char *path;
	const char *data;
	size_t len; /* 0: strlen(data) */
};

struct memproj {
	struct memfile files[16];
	size_t nfiles;
	struct ads_source src;
	struct ads_project p;
	struct ads_diags diags;
	struct ads_model *m;
	int rc;
};

static int mem_read(void *ctx, const char *rel, struct ads_buf *out, size_t max,
                    struct ads_error *err)
{
	struct memproj *mp = ctx;

	for (size_t i = 0; i < mp->nfiles; i++) {
		const struct memfile *f = &mp->files[i];
		size_t len = f->len ? f->len : strlen(f->data);

		if (strcmp(f->path, rel))
			continue;
		if (max && len > max)
			return ads_error_set(err, ADS_ETOOBIG, "too big");
		ads_buf_add(out, f->data, len);
		return 0;
	}
	return ads_error_set(err, ADS_ENOTFOUND, "no such file '%s'", rel);
}

static int mem_glob(void *ctx, const char *pattern, struct ads_strvec *out,
                    struct ads_error *err)
{
	(void)ctx;
	(void)pattern;
	(void)out;
	(void)err;
	return 0;
}

static void add_file(struct memproj *mp, const char *path, const char *data,
                     size_t len)
{
	assert_true(mp->nfiles < ADS_ARRAY_SIZE(mp->files));
	mp->files[mp->nfiles].path = path;
	mp->files[mp->nfiles].data = data;
	mp->files[mp->nfiles].len = len;
	mp->nfiles++;
}

/* Every file ending in .yaml is a manifest; adsctl.yaml is the main one. */
static void build_with(struct memproj *mp, struct ads_schema_set *schemas)
{
	mp->src.read = mem_read;
	mp->src.glob = mem_glob;
	mp->src.ctx = mp;
	mp->src.describe = "memory";
	mp->p.root = xstrdup(".");
	mp->p.src = &mp->src;
	ads_diags_init(&mp->diags);
	for (size_t i = 0; i < mp->nfiles; i++) {
		const struct memfile *f = &mp->files[i];
		struct ads_doc *doc;
		size_t len = f->len ? f->len : strlen(f->data);
		bool is_main = !strcmp(f->path, ADS_PROJECT_FILE);

		if (!ads_ends_with(f->path, ".yaml"))
			continue;
		if (ads_doc_parse(&doc, f->path, f->data, len, &mp->diags))
			continue;
		ADS_ALLOC_GROW(mp->p.docs, mp->p.ndocs + 1, mp->p.alloc);
		if (is_main) {
			memmove(mp->p.docs + 1, mp->p.docs,
			        mp->p.ndocs * sizeof(*mp->p.docs));
			mp->p.docs[0] = doc;
			mp->p.main = doc;
		} else {
			mp->p.docs[mp->p.ndocs] = doc;
		}
		mp->p.ndocs++;
	}
	mp->rc = ads_model_build(&mp->m, &mp->p, schemas, &mp->diags, NULL);
	ads_diags_sort(&mp->diags);
}

static void build(struct memproj *mp)
{
	build_with(mp, NULL);
}

static void release(struct memproj *mp)
{
	ads_model_free(mp->m);
	for (size_t i = 0; i < mp->p.ndocs; i++)
		ads_doc_free(mp->p.docs[i]);
	free(mp->p.docs);
	free(mp->p.root);
	ads_diags_release(&mp->diags);
}

#define MAIN_YAML          \
	"stack: test\n"    \
	"account: act_1\n" \
	"include: [r.yaml]\n"

/* A small project with one of everything (line numbers matter below). */
static const char *const base_yaml =
        "campaigns:\n" /* 1 */
        "  spring:\n" /* 2 */
        "    name: Spring\n" /* 3 */
        "    objective: OUTCOME_SALES\n" /* 4 */
        "    special_ad_categories: []\n" /* 5 */
        "    daily_budget: 20000\n" /* 6 */
        "    bid_strategy: LOWEST_COST_WITHOUT_CAP\n" /* 7 */
        "    ad_sets:\n" /* 8 */
        "      de:\n" /* 9 */
        "        name: DE\n" /* 10 */
        "        optimization_goal: OFFSITE_CONVERSIONS\n" /* 11 */
        "        billing_event: IMPRESSIONS\n" /* 12 */
        "        targeting:\n" /* 13 */
        "          geo_locations: { countries: [DE] }\n" /* 14 */
        "          custom_audiences: [ { ref: audiences.lal } ]\n" /* 15 */
        "        ads:\n" /* 16 */
        "          hero:\n" /* 17 */
        "            name: Hero\n" /* 18 */
        "            creative: { ref: creatives.hero }\n" /* 19 */
        "creatives:\n" /* 20 */
        "  hero:\n" /* 21 */
        "    name: Hero\n" /* 22 */
        "    object_story_spec:\n" /* 23 */
        "      page_id: \"1\"\n" /* 24 */
        "      link_data:\n" /* 25 */
        "        link: https://x.example/\n" /* 26 */
        "        image_hash: { file: img/a.png }\n" /* 27 */
        "audiences:\n" /* 28 */
        "  buyers:\n" /* 29 */
        "    name: Buyers\n" /* 30 */
        "    subtype: CUSTOM\n" /* 31 */
        "    customer_file_source: USER_PROVIDED_ONLY\n" /* 32 */
        "    members: { file: data/b.csv, columns: [EMAIL, COUNTRY] }\n"
        "  lal:\n" /* 34 */
        "    name: Lookalike\n" /* 35 */
        "    subtype: LOOKALIKE\n" /* 36 */
        "    origin: { ref: audiences.buyers }\n" /* 37 */
        "    lookalike_spec: { country: DE, ratio: 0.02 }\n"; /* 38 */

static const char png_a[] = "\x89PNG\r\n\x1a\nAAAA";
static const char png_b[] = "\x89PNG\r\n\x1a\nBBBB";
static const char csv_b[] = "EMAIL,COUNTRY\n"
                            "  Jane.Doe@Example.com ,DE\n"
                            "john@example.com,de\n";

static void base(struct memproj *mp, const char *yaml)
{
	memset(mp, 0, sizeof(*mp));
	add_file(mp, "adsctl.yaml", MAIN_YAML, 0);
	add_file(mp, "r.yaml", yaml, 0);
	add_file(mp, "img/a.png", png_a, sizeof(png_a) - 1);
	add_file(mp, "img/b.png", png_b, sizeof(png_b) - 1);
	add_file(mp, "data/b.csv", csv_b, 0);
}

/* Prints the diagnostics, to see why an assertion failed. */
static void dump(const struct ads_diags *d)
{
	for (size_t i = 0; i < d->nr; i++)
		print_message("  %s:%u:%u: [%s] %s\n",
		              d->v[i].file ? d->v[i].file : "-", d->v[i].line,
		              d->v[i].col, d->v[i].rule, d->v[i].msg);
}

/* The diagnostic of a rule; fails the test when there is none. */
static const struct ads_diag *find_diag(const struct ads_diags *d,
                                        const char *rule)
{
	for (size_t i = 0; i < d->nr; i++)
		if (!strcmp(d->v[i].rule, rule))
			return &d->v[i];
	dump(d);
	fail_msg("no diagnostic of rule %s", rule);
	return NULL;
}

static void expect_diag(const struct ads_diags *d, const char *rule,
                        const char *file, unsigned line, unsigned col,
                        const char *msg)
{
	const struct ads_diag *g = find_diag(d, rule);

	assert_string_equal(g->file, file);
	assert_int_equal(g->line, line);
	if (col)
		assert_int_equal(g->col, col);
	if (msg)
		assert_string_equal(g->msg, msg);
}

static void expect_clean(struct memproj *mp)
{
	if (mp->diags.nr)
		dump(&mp->diags);
	assert_int_equal(mp->diags.nr, 0);
	assert_int_equal(mp->rc, 0);
	assert_non_null(mp->m);
}

/* --- building ---------------------------------------------------------- */

static void test_build_resources(void **state)
{
	struct memproj mp;
	struct ads_resource *set, *ad, *cr, *img, *lal;
	struct ads_buf b = ADS_BUF_INIT;
	char md5[33];

	(void)state;
	base(&mp, base_yaml);
	build(&mp);
	expect_clean(&mp);
	assert_string_equal(mp.m->settings.stack, "test");
	assert_string_equal(mp.m->settings.api_version, "v25.0");
	assert_int_equal(mp.m->settings.api_major, 25);
	assert_int_equal(mp.m->settings.prune, ADS_PRUNE_ARCHIVE);
	assert_int_equal(mp.m->nr, 7);
	assert_int_equal(mp.m->count[ADS_KIND_AD], 1);

	set = ads_model_find(mp.m, "campaigns.spring.ad_sets.de");
	ad = ads_model_find(mp.m, "campaigns.spring.ad_sets.de.ads.hero");
	cr = ads_model_find(mp.m, "creatives.hero");
	img = ads_model_find(mp.m, "images.img/a.png");
	lal = ads_model_find(mp.m, "audiences.lal");
	assert_non_null(set);
	assert_non_null(ad);
	assert_non_null(cr);
	assert_non_null(img);
	assert_non_null(lal);
	assert_ptr_equal(ad->parent, set);
	assert_string_equal(set->parent->address, "campaigns.spring");
	assert_int_equal(set->parent->nchildren, 1);
	assert_string_equal(ad->key, "hero");
	assert_int_equal(ad->loc.line, 17);
	assert_int_equal(ad->loc.col, 11);
	assert_string_equal(ad->loc.file, "r.yaml");

	/* nested children are not fields; everything else is as written */
	assert_null(json_object_get(set->parent->fields, "ad_sets"));
	assert_null(json_object_get(set->fields, "ads"));
	assert_non_null(json_object_get(set->fields, "targeting"));
	assert_null(json_object_get(
	        ads_model_find(mp.m, "audiences.buyers")->fields, "members"));

	/* creation order: images, audiences (origin first), campaigns, ... */
	assert_string_equal(mp.m->order[0]->address, "images.img/a.png");
	assert_string_equal(mp.m->order[1]->address, "audiences.buyers");
	assert_string_equal(mp.m->order[2]->address, "audiences.lal");
	assert_string_equal(mp.m->order[3]->address, "campaigns.spring");
	assert_string_equal(mp.m->order[4]->address,
	                    "campaigns.spring.ad_sets.de");
	assert_string_equal(mp.m->order[5]->address, "creatives.hero");
	assert_string_equal(mp.m->order[6]->address,
	                    "campaigns.spring.ad_sets.de.ads.hero");
	for (size_t i = 0; i < mp.m->nr; i++) {
		const struct ads_resource *r = mp.m->order[i];

		assert_int_equal(r->index, i);
		for (size_t d = 0; d < r->ndeps; d++)
			assert_true(r->deps[d]->index < i);
	}

	/* references and files */
	assert_int_equal(ad->nrefs, 1);
	assert_string_equal(ad->refs[0].ptr, "/creative");
	assert_int_equal(ad->refs[0].form, ADS_REF_CREATIVE_ID);
	assert_ptr_equal(ad->refs[0].target, cr);
	assert_int_equal(ad->refs[0].loc.line, 19);
	assert_int_equal(set->nrefs, 1);
	assert_string_equal(set->refs[0].ptr, "/targeting/custom_audiences/0");
	assert_int_equal(set->refs[0].form, ADS_REF_ID_OBJECT);
	assert_int_equal(cr->nrefs, 1);
	assert_string_equal(cr->refs[0].ptr,
	                    "/object_story_spec/link_data/image_hash");
	assert_int_equal(cr->refs[0].form, ADS_REF_IMAGE_HASH);
	assert_ptr_equal(cr->refs[0].target, img);
	assert_int_equal(img->nrdeps, 1);
	ads_md5_hex(png_a, sizeof(png_a) - 1, md5);
	assert_string_equal(img->file->md5, md5);
	assert_int_equal(img->file->size, sizeof(png_a) - 1);
	{
		char digest[65];

		ads_resource_content_digest(cr, digest);
		assert_int_equal(strlen(digest), 64);
	}

	ads_model_label(&b, mp.m, ad);
	assert_string_equal(b.buf, "adsctl:test:campaigns.spring.ad_sets.de."
	                           "ads.hero");
	ads_buf_reset(&b);
	ads_model_audience_marker(&b, mp.m, lal);
	assert_string_equal(b.buf, "[adsctl test:audiences.lal]");
	ads_buf_reset(&b);
	ads_model_audience_marker(&b, mp.m,
	                          ads_model_find(mp.m, "audiences.buyers"));
	assert_true(ads_starts_with(b.buf,
	                            "[adsctl test:audiences.buyers members="));
	assert_int_equal(b.len, strlen("[adsctl test:audiences.buyers "
	                               "members=]") +
	                                64);
	ads_buf_release(&b);
	release(&mp);
}

static json_t *fake_ids(void *ctx, const struct ads_resource *r,
                        const struct ads_ref *ref)
{
	(void)ctx;
	(void)r;
	return json_sprintf("id-of-%s", ref->target->key);
}

static void test_payload(void **state)
{
	struct memproj mp;
	json_t *p;
	char md5[33];

	(void)state;
	base(&mp, base_yaml);
	build(&mp);
	expect_clean(&mp);
	ads_md5_hex(png_a, sizeof(png_a) - 1, md5);

	assert_int_equal(
	        ads_resource_payload(&p, ads_model_find(mp.m, "creatives.hero"),
	                             fake_ids, NULL, NULL),
	        0);
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_object_get(json_object_get(p, "object_story_spec"),
	                                "link_data"),
	                "image_hash")),
	        md5);
	json_decref(p);

	assert_int_equal(
	        ads_resource_payload(
	                &p,
	                ads_model_find(mp.m,
	                               "campaigns.spring.ad_sets.de.ads.hero"),
	                fake_ids, NULL, NULL),
	        0);
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_object_get(p, "creative"), "creative_id")),
	        "id-of-hero");
	json_decref(p);

	assert_int_equal(
	        ads_resource_payload(
	                &p, ads_model_find(mp.m, "campaigns.spring.ad_sets.de"),
	                fake_ids, NULL, NULL),
	        0);
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(
	                        json_object_get(json_object_get(p, "targeting"),
	                                        "custom_audiences"),
	                        0),
	                "id")),
	        "id-of-lal");
	assert_null(json_object_get(
	        json_array_get(json_object_get(json_object_get(p, "targeting"),
	                                       "custom_audiences"),
	                       0),
	        "ref"));
	json_decref(p);

	assert_int_equal(
	        ads_resource_payload(&p, ads_model_find(mp.m, "audiences.lal"),
	                             fake_ids, NULL, NULL),
	        0);
	assert_null(json_object_get(p, "origin"));
	assert_string_equal(
	        json_string_value(json_object_get(p, "origin_audience_id")),
	        "id-of-buyers");
	json_decref(p);

	/* the model's own fields are untouched */
	assert_non_null(json_object_get(
	        ads_model_find(mp.m, "audiences.lal")->fields, "origin"));
	release(&mp);
}

static void test_select(void **state)
{
	struct memproj mp;
	struct ads_resource **sel;
	size_t n;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	base(&mp, base_yaml);
	build(&mp);
	expect_clean(&mp);
	assert_int_equal(
	        ads_model_select(&sel, &n, mp.m, "campaigns.spring", &err), 0);
	/* the campaign, its ad set and ad, and what they need */
	assert_int_equal(n, 7);
	free(sel);
	assert_int_equal(
	        ads_model_select(&sel, &n, mp.m, "audiences.lal", &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(sel[0]->address, "audiences.buyers");
	assert_string_equal(sel[1]->address, "audiences.lal");
	free(sel);
	assert_int_equal(
	        ads_model_select(&sel, &n, mp.m, "creatives.heor", &err),
	        ADS_ENOTFOUND);
	assert_non_null(strstr(err.msg, "did you mean 'creatives.hero'"));
	ads_error_release(&err);
	release(&mp);
}

static const char *digest_of(const char *yaml, const char *img, size_t imglen,
                             char out[65])
{
	struct memproj mp;

	memset(&mp, 0, sizeof(mp));
	add_file(&mp, "adsctl.yaml", MAIN_YAML, 0);
	add_file(&mp, "r.yaml", yaml, 0);
	add_file(&mp, "a.png", img, imglen);
	build(&mp);
	expect_clean(&mp);
	ads_resource_content_digest(ads_model_find(mp.m, "creatives.c"), out);
	release(&mp);
	return out;
}

static void test_content_digest(void **state)
{
	static const char *const y1 = "creatives:\n  c:\n    name: One\n"
	                              "    object_story_spec:\n"
	                              "      page_id: \"1\"\n"
	                              "      photo_data: { image_hash: { file: "
	                              "a.png } }\n";
	static const char *const y2 = "creatives:\n  c:\n    name: Two\n"
	                              "    status: ACTIVE\n"
	                              "    object_story_spec:\n"
	                              "      photo_data: { image_hash: { file: "
	                              "a.png } }\n"
	                              "      page_id: \"1\"\n";
	static const char *const y3 = "creatives:\n  c:\n    name: One\n"
	                              "    object_story_spec:\n"
	                              "      page_id: \"2\"\n"
	                              "      photo_data: { image_hash: { file: "
	                              "a.png } }\n";
	char d1[65], d2[65], d3[65], d4[65];

	(void)state;
	digest_of(y1, png_a, sizeof(png_a) - 1, d1);
	digest_of(y2, png_a, sizeof(png_a) - 1, d2);
	digest_of(y3, png_a, sizeof(png_a) - 1, d3);
	digest_of(y1, png_b, sizeof(png_b) - 1, d4);
	/* name, status and key order do not count; content does */
	assert_string_equal(d1, d2);
	assert_string_not_equal(d1, d3);
	assert_string_not_equal(d1, d4);
}

/* --- references and files ---------------------------------------------- */

static void test_ref_errors(void **state)
{
	struct memproj mp;
	static const char *const yaml =
	        "campaigns:\n"
	        "  c:\n"
	        "    name: C\n"
	        "    ad_sets:\n"
	        "      s:\n"
	        "        targeting:\n"
	        "          custom_audiences: [ { ref: campaigns.c } ]\n"
	        "        ads:\n"
	        "          a:\n"
	        "            creative: { ref: creatives.hreo }\n"
	        "creatives:\n"
	        "  hero: { name: H }\n"
	        "audiences:\n"
	        "  a1: { subtype: LOOKALIKE, origin: { ref: audiences.a2 } }\n"
	        "  a2: { subtype: LOOKALIKE, origin: { ref: audiences.a1 } }\n";

	(void)state;
	base(&mp, yaml);
	build(&mp);
	assert_int_equal(mp.rc, ADS_EINVALID);
	assert_null(mp.m);
	expect_diag(&mp.diags, "ref.kind", "r.yaml", 7, 38,
	            "'custom_audiences' must refer to an audience, but "
	            "'campaigns.c' is a campaign");
	expect_diag(&mp.diags, "ref.unknown", "r.yaml", 10, 30,
	            "unknown reference 'creatives.hreo'");
	assert_string_equal(find_diag(&mp.diags, "ref.unknown")->suggestion,
	                    "creatives.hero");
	expect_diag(&mp.diags, "ref.cycle", "r.yaml", 14, 44,
	            "reference cycle: audiences.a1 -> audiences.a2 -> "
	            "audiences.a1");
	release(&mp);
}

static void test_unknown_ref_quiet_after_load_errors(void **state)
{
	struct memproj mp;

	(void)state;
	memset(&mp, 0, sizeof(mp));
	add_file(&mp, "adsctl.yaml", MAIN_YAML, 0);
	add_file(&mp, "r.yaml",
	         "campaigns:\n  c:\n    ad_sets:\n      s:\n        ads:\n"
	         "          a: { creative: { ref: creatives.x } }\n",
	         0);
	add_file(&mp, "x.yaml", "creatives:\n  x: [\n", 0);
	build(&mp);
	/* x.yaml may well declare creatives.x: only its YAML error counts */
	for (size_t i = 0; i < mp.diags.nr; i++)
		assert_string_not_equal(mp.diags.v[i].rule, "ref.unknown");
	assert_string_equal(find_diag(&mp.diags, "yaml.syntax")->file,
	                    "x.yaml");
	release(&mp);
}

static void test_file_errors(void **state)
{
	struct memproj mp;
	static const char *const yaml =
	        "creatives:\n"
	        "  a:\n"
	        "    image_hash: { file: missing.png }\n"
	        "  b:\n"
	        "    image_hash: { file: ../../etc/passwd }\n"
	        "  c:\n"
	        "    object_story_spec:\n"
	        "      link_data: { link: { file: img/a.png } }\n"
	        "  d:\n"
	        "    image_hash: { file: big.png }\n"
	        "  e:\n"
	        "    image_hash: { file: empty.png }\n"
	        "  f:\n"
	        "    image_hash: { file: img/../notes.txt }\n";
	char *big = xcalloc(1, ADS_IMAGE_MAX_BYTES + 1);

	(void)state;
	base(&mp, yaml);
	add_file(&mp, "big.png", big, ADS_IMAGE_MAX_BYTES + 1);
	add_file(&mp, "empty.png", "", 0);
	add_file(&mp, "notes.txt", "hello", 0);
	/* an empty file: len 0 means strlen, which is 0 too */
	build(&mp);
	expect_diag(&mp.diags, "file.missing", "r.yaml", 3, 25,
	            "image file 'missing.png' does not exist");
	expect_diag(&mp.diags, "file.path", "r.yaml", 5, 25,
	            "file path '../../etc/passwd' is outside the project "
	            "directory");
	expect_diag(&mp.diags, "file.position", "r.yaml", 8, 34, NULL);
	expect_diag(&mp.diags, "file.size", "r.yaml", 10, 25,
	            "image file 'big.png' is larger than 8 MB, the limit for "
	            "images");
	expect_diag(&mp.diags, "file.empty", "r.yaml", 12, 25,
	            "image file 'empty.png' is empty");
	expect_diag(&mp.diags, "file.format", "r.yaml", 14, 25,
	            "'notes.txt' does not look like an image (JPEG, PNG, GIF, "
	            "BMP, TIFF or WebP)");
	assert_int_equal(find_diag(&mp.diags, "file.format")->sev,
	                 ADS_SEV_WARNING);
	free(big);
	release(&mp);
}

static void test_duplicates_and_keys(void **state)
{
	struct memproj mp;

	(void)state;
	memset(&mp, 0, sizeof(mp));
	add_file(&mp, "adsctl.yaml", MAIN_YAML, 0);
	add_file(&mp, "a.yaml", "creatives:\n  x: { name: X }\n", 0);
	add_file(&mp, "b.yaml",
	         "creatives:\n  x: { name: Y }\n  Bad.Key: { name: Z }\n"
	         "campaign:\n  c: {}\n",
	         0);
	build(&mp);
	expect_diag(&mp.diags, "model.duplicate", "b.yaml", 2, 3,
	            "'creatives.x' is already declared at a.yaml:2:3");
	expect_diag(&mp.diags, "model.shape", "b.yaml", 3, 3,
	            "invalid key 'Bad.Key': use lowercase letters, digits, "
	            "'_' and '-'");
	assert_string_equal(mp.diags.v[mp.diags.nr - 1].suggestion,
	                    "campaigns");
	release(&mp);
}

/* --- member lists -------------------------------------------------------- */

static void expect_hash(const char *col, const char *value,
                        const char *normalised)
{
	struct ads_buf out = ADS_BUF_INIT;
	const char *why = NULL;
	char hex[65];

	assert_true(ads_members_hash_value(&out, col, value, strlen(value),
	                                   NULL, &why));
	ads_sha256_hex(normalised, strlen(normalised), hex);
	if (strcmp(out.buf, hex))
		fail_msg("%s '%s': expected the hash of '%s'", col, value,
		         normalised);
	ads_buf_release(&out);
}

static void expect_bad(const char *col, const char *value)
{
	struct ads_buf out = ADS_BUF_INIT;
	const char *why = NULL;

	assert_false(ads_members_hash_value(&out, col, value, strlen(value),
	                                    NULL, &why));
	assert_non_null(why);
	/* the reason never repeats the value */
	assert_null(strstr(why, value));
	ads_buf_release(&out);
}

static void test_member_normalisation(void **state)
{
	struct ads_buf out = ADS_BUF_INIT;
	const char *why;

	(void)state;
	expect_hash("EMAIL", "  Jane.Doe@Example.COM\t",
	            "jane.doe@example.com");
	expect_hash("PHONE", "+49 (030) 1234-567", "490301234567");
	expect_hash("PHONE", "0049 30 1234567", "49301234567");
	expect_hash("FN", " Mary-Ann ", "maryann");
	expect_hash("LN", "Müller", "müller");
	expect_hash("LN", "ÉCLAIR", "éclair");
	expect_hash("FI", "Jane", "j");
	expect_hash("CT", "New York", "newyork");
	expect_hash("ST", "N.Y.", "ny");
	expect_hash("COUNTRY", "DE", "de");
	expect_hash("GEN", "Female", "f");
	expect_hash("DOBY", "1984", "1984");
	expect_hash("DOBM", "3", "03");
	expect_hash("DOBD", "07", "07");
	expect_hash("ZIP", "SW1A 1AA", "sw1a1aa");
	expect_hash("ZIP", "10001-1234", "10001");
	expect_hash("MADID", "AB-CD", "ab-cd");
	expect_bad("EMAIL", "not-an-address");
	expect_bad("EMAIL", "a@b@c");
	expect_bad("PHONE", "n/a");
	expect_bad("COUNTRY", "Germany");
	expect_bad("GEN", "x");
	expect_bad("DOBM", "13");
	expect_bad("DOBY", "84");
	expect_bad("FN", "\xff\xfe");
	expect_bad("LOOKALIKE_VALUE", "12a");

	/* US ZIP codes keep five digits */
	assert_true(ads_members_hash_value(&out, "ZIP", "123456789", 9, "us",
	                                   &why));
	{
		char hex[65];

		ads_sha256_hex("12345", 5, hex);
		assert_string_equal(out.buf, hex);
	}
	ads_buf_reset(&out);
	/* pre-hashed values pass, lower-cased; EXTERN_ID is not hashed */
	assert_true(ads_members_hash_value(
	        &out, "EMAIL",
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        64, NULL, &why));
	assert_string_equal(out.buf, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                             "aaaaaaaaaaaaaaaaaaaaaaaa");
	ads_buf_reset(&out);
	assert_true(ads_members_hash_value(&out, "EXTERN_ID", " crm-42 ", 8,
	                                   NULL, &why));
	assert_string_equal(out.buf, "crm-42");
	ads_buf_reset(&out);
	/* empty cells stay empty */
	assert_true(ads_members_hash_value(&out, "EMAIL", "  ", 2, NULL, &why));
	assert_int_equal(out.len, 0);
	ads_buf_release(&out);
}

static const char *scan(const char *csv, struct ads_members *m,
                        struct ads_diags *d)
{
	memset(m, 0, sizeof(*m));
	ads_diags_init(d);
	return ads_members_scan(m, csv, strlen(csv), "m.csv", NULL, NULL, d,
	                        NULL, NULL)
	               ? NULL
	               : m->digest;
}

static void test_member_digest(void **state)
{
	struct ads_members m1, m2, m3;
	struct ads_diags d1, d2, d3;
	char a[65], b[65];

	(void)state;
	assert_non_null(scan("EMAIL,FN\na@x.com,Ann\nb@x.com,Bob\n", &m1, &d1));
	strcpy(a, m1.digest);
	/* order, duplicates, case, quoting and CRLF do not change it */
	assert_non_null(scan("email, fn\r\n\"B@x.com\",bob\r\nA@X.com,Ann\r\n"
	                     "a@x.com,\"ann\"\r\n",
	                     &m2, &d2));
	strcpy(b, m2.digest);
	assert_string_equal(a, b);
	assert_int_equal(m1.nrows, 2);
	assert_int_equal(m2.nrows, 3);
	assert_int_equal(m2.nunique, 2);
	/* a different member does */
	assert_non_null(scan("EMAIL,FN\na@x.com,Ann\nc@x.com,Bob\n", &m3, &d3));
	assert_string_not_equal(a, m3.digest);
	ads_members_release(&m1);
	ads_members_release(&m2);
	ads_members_release(&m3);
	ads_diags_release(&d1);
	ads_diags_release(&d2);
	ads_diags_release(&d3);
}

static void test_member_errors(void **state)
{
	struct ads_members m;
	struct ads_diags d;
	static const char secret[] = "secret.person@example.com";

	(void)state;
	assert_null(scan("EMAIL,PHONE\n"
	                 "secret.person@example.com\n" /* line 2 */
	                 "\"secret.person@example.com,123\n", /* line 3 */
	                 &m, &d));
	expect_diag(&d, "members.csv", "m.csv", 2, 1,
	            "row has 1 value but the header names 2 columns");
	expect_diag(&d, "members.csv", "m.csv", 2, 1, NULL);
	assert_int_equal(d.v[1].line, 3);
	assert_string_equal(d.v[1].msg,
	                    "malformed row: unterminated quoted value");
	for (size_t i = 0; i < d.nr; i++)
		assert_null(strstr(d.v[i].msg, secret));
	ads_members_release(&m);
	ads_diags_release(&d);

	assert_null(scan("EMIAL,PHONE\n", &m, &d));
	expect_diag(&d, "members.header", "m.csv", 1, 1,
	            "unknown member column 'EMIAL'");
	assert_string_equal(d.v[0].suggestion, "EMAIL");
	ads_members_release(&m);
	ads_diags_release(&d);

	assert_null(scan("EMAIL,COUNTRY\nx@y.z,Deutschland\n", &m, &d));
	expect_diag(&d, "members.value", "m.csv", 2, 7,
	            "COUNTRY value is not a two-letter country code");
	ads_members_release(&m);
	ads_diags_release(&d);

	assert_null(scan("", &m, &d));
	expect_diag(&d, "members.header", "m.csv", 1, 0, NULL);
	ads_members_release(&m);
	ads_diags_release(&d);
}

static void test_members_in_model(void **state)
{
	struct memproj mp;
	static const char *const yaml =
	        "audiences:\n"
	        "  b:\n"
	        "    subtype: CUSTOM\n"
	        "    members: { file: data/b.csv, columns: [EMAIL, PHONE] }\n";

	(void)state;
	base(&mp, yaml);
	build(&mp);
	expect_diag(&mp.diags, "members.columns", "r.yaml", 4, 43,
	            "columns [EMAIL, PHONE] do not match the header of "
	            "'data/b.csv' [EMAIL, COUNTRY]");
	release(&mp);
}

struct collect {
	size_t rows;
	char first[65];
};

static int collect_row(void *ctx, const char *const *values, size_t n)
{
	struct collect *c = ctx;

	assert_int_equal(n, 2);
	if (!c->rows++)
		snprintf(c->first, sizeof(c->first), "%s", values[0]);
	return 0;
}

static void test_members_foreach(void **state)
{
	struct memproj mp;
	struct collect c = { 0 };
	struct ads_error err = ADS_ERROR_INIT;
	const struct ads_resource *r;
	char hex[65];

	(void)state;
	base(&mp, base_yaml);
	build(&mp);
	expect_clean(&mp);
	r = ads_model_find(mp.m, "audiences.buyers");
	assert_int_equal(r->members->nrows, 2);
	assert_int_equal(ads_members_foreach(mp.m, r, collect_row, &c, &err),
	                 0);
	assert_int_equal(c.rows, 2);
	ads_sha256_hex("jane.doe@example.com", 20, hex);
	assert_string_equal(c.first, hex);
	/* the file changes after validation: apply must not upload it */
	mp.files[4].data = "EMAIL,COUNTRY\nother@example.com,DE\n";
	c.rows = 0;
	assert_int_equal(ads_members_foreach(mp.m, r, collect_row, &c, &err),
	                 ADS_ECONFLICT);
	assert_int_equal(c.rows, 0);
	ads_error_release(&err);
	release(&mp);
}

/* --- rules ------------------------------------------------------------------
 */

struct rule_case {
	const char *name;
	const char *yaml; /* an r.yaml */
	const char *rule; /* the rule that fires, or NULL for none */
	unsigned line, col;
	const char *msg;
};

#define CAMPAIGN_HEAD                              \
	"campaigns:\n" /* 1 */                     \
	"  c:\n" /* 2 */                           \
	"    name: C\n" /* 3 */                    \
	"    objective: OUTCOME_TRAFFIC\n" /* 4 */ \
	"    special_ad_categories: []\n" /* 5 */

#define SET_HEAD                                        \
	"    ad_sets:\n" /* 7 */                        \
	"      s:\n" /* 8 */                            \
	"        name: S\n" /* 9 */                     \
	"        optimization_goal: REACH\n" /* 10 */   \
	"        billing_event: IMPRESSIONS\n" /* 11 */ \
	"        targeting: { geo_locations: { countries: [DE] } }\n" /* 12 */

#define ABO "    is_adset_budget_sharing_enabled: false\n" /* 6 */

/* An ad set budget and one ad with the given key (line 15). */
#define LABEL_ADS(key)                                               \
	"        daily_budget: 1000\n" /* 13 */                      \
	"        ads:\n" /* 14 */                                    \
	"          " key ":\n" /* 15 */                              \
	"            creative: { ref: creatives.k }\n" /* 16 */      \
	"creatives:\n"                                               \
	"  k:\n"                                                     \
	"    object_story_spec: { page_id: '1', link_data: { link: " \
	"https://x.example/ } }\n"
#define CBO "    daily_budget: 5000\n" /* 6 */

static const struct rule_case rule_cases[] = {
	{ "clean ad set budget",
	  CAMPAIGN_HEAD ABO SET_HEAD "        daily_budget: 1000\n", NULL, 0, 0,
	  NULL },
	{ "clean campaign budget", CAMPAIGN_HEAD CBO SET_HEAD, NULL, 0, 0,
	  NULL },
	{ "both levels",
	  CAMPAIGN_HEAD CBO SET_HEAD "        daily_budget: 1000\n",
	  "budget.campaign_or_ad_set", 13, 9,
	  "ad set budget cannot be combined with the campaign budget of "
	  "'campaigns.c': set the budget on the campaign or on its ad sets, "
	  "not both" },
	{ "no budget", CAMPAIGN_HEAD ABO SET_HEAD, "budget.required", 8, 7,
	  "ad set has no budget: set daily_budget or lifetime_budget on it or "
	  "on campaign 'campaigns.c'" },
	{ "sharing unset",
	  CAMPAIGN_HEAD "    status: PAUSED\n" SET_HEAD
	                "        daily_budget: 1000\n",
	  "budget.sharing", 2, 3, NULL },
	{ "daily and lifetime",
	  CAMPAIGN_HEAD ABO SET_HEAD "        daily_budget: 1000\n"
	                             "        lifetime_budget: 9000\n"
	                             "        end_time: 2027-03-10\n",
	  "budget.one_kind", 14, 9,
	  "daily_budget and lifetime_budget are both set: choose one" },
	{ "zero budget", CAMPAIGN_HEAD ABO SET_HEAD "        daily_budget: 0\n",
	  "budget.positive", 13, 23, NULL },
	{ "lifetime without end",
	  CAMPAIGN_HEAD ABO SET_HEAD "        lifetime_budget: 9000\n",
	  "schedule.lifetime_end", 13, 9,
	  "lifetime_budget needs an end_time on this ad set" },
	{ "lifetime with end 0",
	  CAMPAIGN_HEAD ABO SET_HEAD "        lifetime_budget: 9000\n"
	                             "        end_time: 0\n",
	  "schedule.lifetime_end", 13, 9, NULL },
	{ "end before start",
	  CAMPAIGN_HEAD ABO SET_HEAD
	  "        daily_budget: 1000\n"
	  "        start_time: 2027-03-10T00:00:00+0000\n"
	  "        end_time: 2027-03-01\n",
	  "schedule.order", 15, 19, "end_time is not after start_time" },
	{ "short daily",
	  CAMPAIGN_HEAD ABO SET_HEAD
	  "        daily_budget: 1000\n"
	  "        start_time: 2027-03-01T00:00:00Z\n"
	  "        end_time: 2027-03-01T20:00:00Z\n",
	  "schedule.daily_duration", 15, 19, NULL },
	{ "ongoing daily",
	  CAMPAIGN_HEAD ABO SET_HEAD
	  "        daily_budget: 1000\n"
	  "        start_time: 2027-03-01T00:00:00Z\n"
	  "        end_time: 0\n",
	  NULL, 0, 0, NULL },
	{ "campaign lifetime, no end",
	  CAMPAIGN_HEAD "    lifetime_budget: 90000\n" SET_HEAD,
	  "schedule.campaign_lifetime_end", 8, 7, NULL },
	{ "bid cap without amount",
	  CAMPAIGN_HEAD ABO SET_HEAD "        daily_budget: 1000\n"
	                             "        bid_strategy: COST_CAP\n",
	  "bid.amount", 14, 9,
	  "bid strategy COST_CAP needs bid_amount on this ad set" },
	{ "bid cap on campaign",
	  CAMPAIGN_HEAD CBO
	  "    bid_strategy: LOWEST_COST_WITH_BID_CAP\n"
	  "    ad_sets:\n      s:\n        name: S\n"
	  "        targeting: { geo_locations: { countries: [DE] } }\n",
	  "bid.amount", 9, 7, NULL },
	{ "bid strategy on ad set with campaign budget",
	  CAMPAIGN_HEAD CBO SET_HEAD
	  "        bid_strategy: LOWEST_COST_WITHOUT_CAP\n",
	  "bid.strategy_level", 13, 9, NULL },
	{ "min roas floor",
	  CAMPAIGN_HEAD ABO SET_HEAD
	  "        daily_budget: 1000\n"
	  "        bid_strategy: LOWEST_COST_WITH_MIN_ROAS\n"
	  "        bid_constraints: { roas_average_floor: 50 }\n",
	  "bid.roas_floor", 15, 48, NULL },
	{ "frequency cap goal",
	  CAMPAIGN_HEAD ABO
	  "    ad_sets:\n      s:\n        daily_budget: 1000\n"
	  "        optimization_goal: LINK_CLICKS\n"
	  "        frequency_control_specs: [ { event: IMPRESSIONS } ]\n",
	  "frequency.goal", 11, 9, NULL },
	{ "ages",
	  CAMPAIGN_HEAD ABO
	  "    ad_sets:\n      s:\n        daily_budget: 1000\n"
	  "        targeting: { geo_locations: { countries: [DE] }, age_min: 40, age_max: 30 }\n",
	  "targeting.age", 10, 80, "age_max 30 is below age_min 40" },
	{ "no geo",
	  CAMPAIGN_HEAD ABO
	  "    ad_sets:\n      s:\n        daily_budget: 1000\n"
	  "        targeting: { age_min: 20 }\n",
	  "targeting.geo", 10, 9, NULL },
	{ "positions without platform",
	  CAMPAIGN_HEAD ABO
	  "    ad_sets:\n      s:\n        daily_budget: 1000\n"
	  "        targeting:\n"
	  "          geo_locations: { countries: [DE] }\n"
	  "          publisher_platforms: [facebook]\n"
	  "          instagram_positions: [stream]\n",
	  "targeting.positions", 13, 11,
	  "instagram_positions has no effect: 'instagram' is not in "
	  "publisher_platforms" },
	{ "status", CAMPAIGN_HEAD ABO "    status: ARCHIVED\n", "status.create",
	  7, 13, NULL },
	{ "spend cap without campaign budget",
	  CAMPAIGN_HEAD ABO SET_HEAD "        daily_budget: 1000\n"
	                             "        daily_spend_cap: 5000\n",
	  "spend.campaign_budget", 14, 9, NULL },
	{ "legacy objective",
	  "campaigns:\n  c:\n    objective: LINK_CLICKS\n" ABO,
	  "campaign.objective", 3, 16, NULL },
	{ "dc two ads",
	  CAMPAIGN_HEAD CBO
	  "    ad_sets:\n      s:\n        is_dynamic_creative: true\n"
	  "        ads:\n"
	  "          a1: { creative: { ref: creatives.f } }\n"
	  "          a2: { creative: { ref: creatives.f } }\n"
	  "creatives:\n"
	  "  f:\n"
	  "    asset_feed_spec:\n"
	  "      ad_formats: [SINGLE_IMAGE]\n"
	  "      images: [ { hash: abc } ]\n"
	  "      link_urls: [ { website_url: https://x.example } ]\n",
	  "dynamic_creative.one_ad", 12, 11,
	  "a dynamic creative ad set holds exactly one ad, and "
	  "'campaigns.c.ad_sets.s' already has 'a1'" },
	{ "dc creative without feed",
	  CAMPAIGN_HEAD CBO
	  "    ad_sets:\n      s:\n        is_dynamic_creative: true\n"
	  "        ads:\n"
	  "          a1: { creative: { ref: creatives.f } }\n"
	  "creatives:\n"
	  "  f: { name: F }\n",
	  "dynamic_creative.asset_feed", 11, 34, NULL },
	{ "feed with two formats",
	  "creatives:\n"
	  "  f:\n"
	  "    asset_feed_spec:\n"
	  "      ad_formats: [SINGLE_IMAGE, SINGLE_VIDEO]\n"
	  "      images: [ { hash: abc } ]\n"
	  "      videos: [ { video_id: \"1\" } ]\n"
	  "      link_urls: [ { website_url: https://x.example } ]\n",
	  "asset_feed.basics", 4, 7,
	  "asset_feed_spec needs exactly one ad_formats entry, not 2" },
	{ "feed without links",
	  "creatives:\n"
	  "  f:\n"
	  "    asset_feed_spec:\n"
	  "      ad_formats: [SINGLE_IMAGE]\n"
	  "      images: [ { hash: abc } ]\n",
	  "asset_feed.basics", 3, 5, "asset_feed_spec needs link_urls" },
	{ "feed without images",
	  "creatives:\n"
	  "  f:\n"
	  "    asset_feed_spec:\n"
	  "      ad_formats: [SINGLE_IMAGE]\n"
	  "      link_urls: [ { website_url: https://x.example } ]\n",
	  "asset_feed.assets", 4, 19, NULL },
	{ "feed with six bodies",
	  "creatives:\n"
	  "  f:\n"
	  "    asset_feed_spec:\n"
	  "      ad_formats: [SINGLE_IMAGE]\n"
	  "      images: [ { hash: abc } ]\n"
	  "      link_urls: [ { website_url: https://x.example } ]\n"
	  "      bodies: [ {text: a}, {text: b}, {text: c}, {text: d},\n"
	  "                {text: e}, {text: f} ]\n",
	  "asset_feed.limits", 7, 7,
	  "asset_feed_spec allows at most 5 bodies here, not 6" },
	{ "feed rule label",
	  "creatives:\n"
	  "  f:\n"
	  "    asset_feed_spec:\n"
	  "      ad_formats: [SINGLE_IMAGE]\n"
	  "      optimization_type: PLACEMENT\n"
	  "      images: [ { hash: a, adlabels: [ { name: fb } ] } ]\n"
	  "      link_urls: [ { website_url: https://x.example } ]\n"
	  "      asset_customization_rules:\n"
	  "        - { customization_spec: {}, image_label: { name: ig } }\n"
	  "        - { customization_spec: {}, image_label: { name: fb } }\n",
	  "asset_feed.labels", 9, 58,
	  "image_label 'ig' matches no adlabel of the asset feed's assets" },
	{ "label fits exactly",
	  CAMPAIGN_HEAD ABO SET_HEAD LABEL_ADS(
	          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	  NULL, 0, 0, NULL },
	{ "label too long",
	  CAMPAIGN_HEAD ABO SET_HEAD LABEL_ADS(
	          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	  "label.length", 15, 11,
	  "ad label 'adsctl:test:campaigns.c.ad_sets.s.ads.aaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is 101 characters, over the limit of "
	  "100: shorten the stack name or the keys in the address" },
	{ "campaign label too long, its ad set not reported again",
	  "campaigns:\n"
	  "  kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:\n"
	  "    name: C\n"
	  "    objective: OUTCOME_TRAFFIC\n"
	  "    special_ad_categories: []\n" ABO SET_HEAD
	  "        daily_budget: 1000\n",
	  "label.length", 2, 3, NULL },
	{ "creative version label too long",
	  "creatives:\n"
	  "  cccccccccccccccccccccccccccccc"
	  "ccccccccccccccccccccccccccccccccccccc:\n"
	  "    object_story_spec: { page_id: '1', link_data: { link: "
	  "https://x.example/ } }\n",
	  "label.length", 2, 3,
	  "version label 'adsctl:test:creatives.cccccccccccccccccccc"
	  "ccccccccccccccccccccccccccccccccccccccccccccccc@<digest12>' is 102 characters, over the "
	  "limit of 100: shorten the stack name or the keys in the address" },
	{ "creative version label fits",
	  "creatives:\n"
	  "  cccccccccccccccccccccccccccccc"
	  "ccccccccccccccccccccccccccccccccccc:\n"
	  "    object_story_spec: { page_id: '1', link_data: { link: "
	  "https://x.example/ } }\n",
	  NULL, 0, 0, NULL },
	{ "lookalike ratio",
	  "audiences:\n"
	  "  o: { subtype: CUSTOM }\n"
	  "  l:\n"
	  "    subtype: LOOKALIKE\n"
	  "    origin: { ref: audiences.o }\n"
	  "    lookalike_spec: { country: DE, ratio: 0.5 }\n",
	  "audience.lookalike", 6, 43,
	  "lookalike ratio must be between 0.01 and 0.20" },
};

static void test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < ADS_ARRAY_SIZE(rule_cases); i++) {
		const struct rule_case *rc = &rule_cases[i];
		struct memproj mp;
		bool found = false;

		print_message("case: %s\n", rc->name);
		base(&mp, rc->yaml);
		build(&mp);
		for (size_t k = 0; k < mp.diags.nr; k++) {
			const struct ads_diag *g = &mp.diags.v[k];

			if (!rc->rule || strcmp(g->rule, rc->rule))
				continue;
			found = true;
			if (g->line != rc->line || g->col != rc->col ||
			    (rc->msg && strcmp(g->msg, rc->msg))) {
				dump(&mp.diags);
				fail_msg("%s: got %u:%u %s", rc->name, g->line,
				         g->col, g->msg);
			}
		}
		if (rc->rule && !found) {
			dump(&mp.diags);
			fail_msg("%s: rule %s did not fire", rc->name,
			         rc->rule);
		}
		if (!rc->rule && mp.diags.nr) {
			dump(&mp.diags);
			fail_msg("%s: expected no diagnostics", rc->name);
		}
		release(&mp);
	}
}

static void test_rules_table(void **state)
{
	size_t n = 0;

	(void)state;
	for (const struct ads_rule_info *r; (r = ads_rule_get(n)); n++) {
		assert_non_null(r->name);
		assert_non_null(r->source);
		/* inferred rules only warn */
		if (r->source[0] == '[')
			assert_int_equal(r->severity, ADS_SEV_WARNING);
	}
	assert_true(n >= 25);
}

/* --- policies ----------------------------------------------------------------
 */

static void test_policies(void **state)
{
	struct memproj mp;
	static const char *const main_yaml =
	        "stack: test\n"
	        "account: act_1\n"
	        "policies:\n"
	        "  - { kind: campaign, field: name, pattern: '^[A-Z]{2}_' }\n"
	        "  - { kind: ad_set, field: daily_budget, max: 5000 }\n"
	        "  - { kind: ad_set, field: targeting.geo_locations.countries,"
	        " enum: [DE, AT] }\n"
	        "  - { kind: campaign, field: name, pattern: '(' }\n"
	        "  - { kind: ad_set, field: name, pattern: '^x', message: "
	        "custom words }\n"
	        "  - { kind: ad_set, field: bid_strategy, pattern: '^LOWEST' }\n"
	        "  - { kind: ad_set, field: bid_amount, max: 10 }\n";
	static const char *const yaml =
	        "campaigns:\n"
	        "  c:\n"
	        "    name: Spring\n"
	        "    is_adset_budget_sharing_enabled: false\n"
	        "    ad_sets:\n"
	        "      s:\n"
	        "        name: y\n"
	        "        daily_budget: 9000\n"
	        "        targeting: { geo_locations: { countries: [DE, FR] } }\n";

	(void)state;
	memset(&mp, 0, sizeof(mp));
	add_file(&mp, "adsctl.yaml", main_yaml, 0);
	add_file(&mp, "r.yaml", yaml, 0);
	build(&mp);
	assert_int_equal(mp.rc, ADS_EINVALID);
	expect_diag(&mp.diags, "policy.invalid", "adsctl.yaml", 7, 45,
	            "invalid policy pattern: missing closing parenthesis at "
	            "offset 1");
	for (size_t i = 0; i < mp.diags.nr; i++)
		print_message("%u:%u %s\n", mp.diags.v[i].line,
		              mp.diags.v[i].col, mp.diags.v[i].msg);
	assert_int_equal(mp.diags.nerrors, 6);
	assert_string_equal(mp.diags.v[1].file, "r.yaml");
	assert_int_equal(mp.diags.v[1].line, 3);
	assert_string_equal(mp.diags.v[1].msg,
	                    "name 'Spring' does not match the policy pattern "
	                    "'^[A-Z]{2}_' (policy at adsctl.yaml:4)");
	/* a pattern's field must be there; a limit's need not */
	assert_int_equal(mp.diags.v[2].line, 6);
	assert_string_equal(mp.diags.v[2].msg,
	                    "ad set 'campaigns.c.ad_sets.s' has no "
	                    "bid_strategy, which must match the policy pattern "
	                    "'^LOWEST' (policy at adsctl.yaml:9)");
	assert_int_equal(mp.diags.v[3].line, 7);
	assert_string_equal(mp.diags.v[3].msg,
	                    "custom words (policy at adsctl.yaml:8)");
	assert_int_equal(mp.diags.v[4].line, 8);
	assert_string_equal(mp.diags.v[4].msg,
	                    "daily_budget 9000 is above the policy maximum "
	                    "5000 (policy at adsctl.yaml:5)");
	assert_int_equal(mp.diags.v[5].line, 9);
	assert_int_equal(mp.diags.v[5].col, 55);
	assert_string_equal(mp.diags.v[5].msg,
	                    "targeting.geo_locations.countries 'FR' is not "
	                    "allowed by the policy (allowed: 'DE', 'AT') "
	                    "(policy at adsctl.yaml:6)");
	release(&mp);
}

/* --- with the schemas ----------------------------------------------------- */

static const char *const valid_yaml =
        "campaigns:\n"
        "  spring:\n"
        "    name: Spring\n"
        "    objective: OUTCOME_TRAFFIC\n"
        "    special_ad_categories: []\n"
        "    is_adset_budget_sharing_enabled: false\n"
        "    ad_sets:\n"
        "      de:\n"
        "        name: DE\n"
        "        daily_budget: 2000\n" /* 10 */
        "        billing_event: IMPRESSIONS\n"
        "        optimization_goal: LINK_CLICKS\n"
        "        targeting:\n"
        "          geo_locations: { countries: [DE] }\n"
        "          age_min: 30\n" /* 15 */
        "        ads:\n"
        "          hero:\n"
        "            name: Hero\n"
        "            creative: { ref: creatives.hero }\n"
        "creatives:\n" /* 20 */
        "  hero:\n"
        "    name: Hero\n"
        "    object_story_spec:\n"
        "      page_id: \"1\"\n"
        "      link_data: { link: \"https://x.example/\" }\n";

struct schema_case {
	const char *from, *to; /* one edit of valid_yaml */
	const char *rule; /* the only diagnostic expected */
	unsigned line;
};

static const struct schema_case schema_cases[] = {
	{ NULL, NULL, NULL, 0 },
	/* a budget of the wrong type is a type error, not a missing budget */
	{ "daily_budget: 2000", "daily_budget: lots", "schema.type", 10 },
	{ "daily_budget: 2000", "daly_budget: 2000",
	  "schema.additionalProperties", 10 },
	/* the schema's range, not also the rule's */
	{ "age_min: 30", "age_min: 12", "schema.minimum", 15 },
	/* a wrong-kind ref the schema's pattern catches: said once */
	{ "creatives.hero }", "campaigns.spring }", "schema.pattern", 19 },
	{ "geo_locations: { countries: [DE] }",
	  "geo_locations: { countries: DE }", "schema.type", 14 },
};

static void test_with_schemas(void **state)
{
	struct ads_schema_set *schemas = NULL;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	assert_int_equal(ads_schema_set_builtin(&schemas, &err), 0);
	for (size_t i = 0; i < ADS_ARRAY_SIZE(schema_cases); i++) {
		const struct schema_case *sc = &schema_cases[i];
		struct memproj mp;
		struct ads_buf yaml = ADS_BUF_INIT;
		const char *at;

		ads_buf_addstr(&yaml, valid_yaml);
		if (sc->from) {
			at = strstr(yaml.buf, sc->from);
			assert_non_null(at);
			{
				size_t off = (size_t)(at - yaml.buf);
				struct ads_buf tmp = ADS_BUF_INIT;

				ads_buf_add(&tmp, yaml.buf, off);
				ads_buf_addstr(&tmp, sc->to);
				ads_buf_addstr(&tmp, yaml.buf + off +
				                             strlen(sc->from));
				ads_buf_release(&yaml);
				yaml = tmp;
			}
		}
		base(&mp, yaml.buf);
		build_with(&mp, schemas);
		if (mp.diags.nr != (sc->rule ? 1u : 0u) ||
		    (sc->rule && (strcmp(mp.diags.v[0].rule, sc->rule) ||
		                  mp.diags.v[0].line != sc->line))) {
			dump(&mp.diags);
			fail_msg("case %zu: expected %s at line %u", i,
			         sc->rule ? sc->rule : "nothing", sc->line);
		}
		release(&mp);
		ads_buf_release(&yaml);
	}
	ads_schema_set_free(schemas);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_resources),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_content_digest),
		cmocka_unit_test(test_ref_errors),
		cmocka_unit_test(test_unknown_ref_quiet_after_load_errors),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_duplicates_and_keys),
		cmocka_unit_test(test_member_normalisation),
		cmocka_unit_test(test_member_digest),
		cmocka_unit_test(test_member_errors),
		cmocka_unit_test(test_members_in_model),
		cmocka_unit_test(test_members_foreach),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_rules_table),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_with_schemas),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
