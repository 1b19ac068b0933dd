/*
 * Unit tests of the plan (src/plan/): steps, order, requests, impact and
 * spend, prune, creative versions, ambiguities, the JSON document and
 * placeholders, from projects on disk and live fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/tproject.h"
#include "live/live.h"
#include "plan/plan.h"
#include "schema/schema.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

static const char *const project[] = {
	"adsctl.yaml",
	"stack: s\naccount: act_1\ninclude: [r.yaml]\nprune: archive\n",
	"r.yaml",
	"campaigns:\n"
	"  a:\n"
	"    name: A\n"
	"    objective: OUTCOME_TRAFFIC\n"
	"    special_ad_categories: []\n"
	"    status: ACTIVE\n"
	"    daily_budget: 2000\n"
	"    ad_sets:\n"
	"      s:\n"
	"        name: S\n"
	"        status: ACTIVE\n"
	"        billing_event: IMPRESSIONS\n"
	"        optimization_goal: LINK_CLICKS\n"
	"        targeting: { geo_locations: { countries: [DE] } }\n"
	"        ads:\n"
	"          x:\n"
	"            name: X\n"
	"            status: ACTIVE\n"
	"            creative: { ref: creatives.h }\n"
	"creatives:\n"
	"  h:\n"
	"    name: H\n"
	"    object_story_spec:\n"
	"      page_id: \"1\"\n"
	"      link_data: { link: \"https://x.example\", message: hi }\n",
	NULL,
};

struct fx {
	struct tproject *t;
	struct ads_live *live;
	struct ads_plan *plan;
	json_t *raw;
	struct ads_error err;
	int rc;
};

static void fx_free(struct fx *f)
{
	ads_plan_free(f->plan);
	ads_live_free(f->live);
	json_decref(f->raw);
	ads_error_release(&f->err);
	tproject_free(f->t);
}

/* A copy of s with every "@D@" replaced by d. */
static char *subst(const char *s, const char *d)
{
	struct ads_buf b = ADS_BUF_INIT;

	for (const char *p; (p = strstr(s, "@D@")); s = p + 3) {
		ads_buf_add(&b, s, (size_t)(p - s));
		ads_buf_addstr(&b, d);
	}
	ads_buf_addstr(&b, s);
	return ads_buf_detach(&b, NULL);
}

/* Plans t's project against a live fixture ("@D@" stands for the
 * creative's digest12). */
static void fx_plan(struct fx *f, const char *const *files, const char *target,
                    const char *live_fmt)
{
	char digest[65], *text;
	json_error_t je;
	struct ads_plan_options opt = { .target = target };

	memset(f, 0, sizeof(*f));
	f->t = tproject_new(files);
	ads_resource_content_digest(ads_model_find(f->t->m, "creatives.h"),
	                            digest);
	digest[12] = '\0';
	text = subst(live_fmt, digest);
	f->raw = json_loads(text, 0, &je);
	if (!f->raw)
		fail_msg("bad fixture: %s", je.text);
	free(text);
	assert_int_equal(ads_live_load(&f->live, f->raw, "s", &f->err), 0);
	ads_live_map(f->live, f->t->m);
	f->rc = ads_plan_build(&f->plan, f->t->m, f->live, &opt, &f->err);
	if (getenv("DEBUG_PLAN") && f->plan) {
		json_t *j = ads_plan_to_json(f->plan);

		json_dumpf(j, stderr, JSON_INDENT(1));
		json_decref(j);
	}
}

static const struct ads_plan_step *
step_of(const struct ads_plan *p, enum ads_action a, const char *address)
{
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].action == a &&
		    !strcmp(p->steps[i].address, address))
			return &p->steps[i];
	return NULL;
}

static size_t index_of(const struct ads_plan *p, const struct ads_plan_step *s)
{
	return (size_t)(s - p->steps);
}

static const struct ads_plan_change *change_of(const struct ads_plan_step *s,
                                               const char *field)
{
	for (size_t i = 0; i < s->nchanges; i++)
		if (!strcmp(s->changes[i].field, field))
			return &s->changes[i];
	return NULL;
}

#define ACCOUNT "\"account\":{\"id\":\"act_1\",\"currency\":\"EUR\"}"
#define L(x)    "{\"id\":\"9\",\"name\":\"adsctl:s:" x "\"}"

/* The live state after the project was created and activated. */
#define LIVE_CAMPAIGN(budget, extra)                                        \
	"{\"id\":\"100\",\"name\":\"A\",\"objective\":\"OUTCOME_TRAFFIC\"," \
	"\"special_ad_categories\":[],\"status\":\"ACTIVE\","               \
	"\"configured_status\":\"ACTIVE\",\"effective_status\":\"ACTIVE\"," \
	"\"daily_budget\":\"" budget "\",\"updated_time\":"                 \
	"\"2027-01-01T00:00:00+0000\"," extra                               \
	"\"adlabels\":[" L("campaigns.a") "]}"
#define LIVE_ADSET                                                           \
	"{\"id\":\"200\",\"name\":\"S\",\"campaign_id\":\"100\","            \
	"\"configured_status\":\"ACTIVE\",\"effective_status\":\"ACTIVE\","  \
	"\"billing_event\":\"IMPRESSIONS\",\"optimization_goal\":"           \
	"\"LINK_CLICKS\",\"targeting\":{\"geo_locations\":{\"countries\":"   \
	"[\"DE\"],\"location_types\":[\"home\",\"recent\"]},\"age_min\":18," \
	"\"age_max\":65},\"adlabels\":[" L("campaigns.a.ad_sets.s") "]}"
#define LIVE_AD(creative)                                            \
	"{\"id\":\"300\",\"name\":\"X\",\"adset_id\":\"200\","       \
	"\"configured_status\":\"ACTIVE\",\"effective_status\":"     \
	"\"PENDING_REVIEW\",\"creative\":{\"id\":\"" creative "\"}," \
	"\"adlabels\":[" L("campaigns.a.ad_sets.s.ads.x") "]}"
#define LIVE_CREATIVE(id, digest)                                  \
	"{\"id\":\"" id "\",\"name\":\"H\",\"status\":\"ACTIVE\"," \
	"\"adlabels\":[" L("creatives.h") ",{\"name\":\"adsctl:s:" \
	                                  "creatives.h@" digest "\"}]}"

static void test_create_all(void **state)
{
	struct fx f;
	const struct ads_plan_step *c, *s, *k, *a, *act_c, *act_a;

	(void)state;
	fx_plan(&f, project, NULL, "{" ACCOUNT "}");
	assert_int_equal(f.rc, 0);
	c = step_of(f.plan, ADS_ACTION_CREATE, "campaigns.a");
	s = step_of(f.plan, ADS_ACTION_CREATE, "campaigns.a.ad_sets.s");
	k = step_of(f.plan, ADS_ACTION_CREATE, "creatives.h");
	a = step_of(f.plan, ADS_ACTION_CREATE, "campaigns.a.ad_sets.s.ads.x");
	act_c = step_of(f.plan, ADS_ACTION_ACTIVATE, "campaigns.a");
	act_a = step_of(f.plan, ADS_ACTION_ACTIVATE,
	                "campaigns.a.ad_sets.s.ads.x");
	assert_non_null(c);
	assert_non_null(s);
	assert_non_null(k);
	assert_non_null(a);
	assert_non_null(act_c);
	assert_non_null(act_a);
	assert_int_equal(f.plan->count[ADS_ACTION_CREATE], 4);
	assert_int_equal(f.plan->count[ADS_ACTION_ACTIVATE], 3);
	/* parent-first creates, child-first activations, activations last */
	assert_true(index_of(f.plan, c) < index_of(f.plan, s));
	assert_true(index_of(f.plan, s) < index_of(f.plan, a));
	assert_true(index_of(f.plan, k) < index_of(f.plan, a));
	assert_true(index_of(f.plan, act_a) < index_of(f.plan, act_c));
	assert_true(index_of(f.plan, a) < index_of(f.plan, act_a));
	/* created PAUSED, labelled, parent by placeholder */
	assert_string_equal(json_string_value(json_object_get(
	                            c->requests[0].params, "status")),
	                    "PAUSED");
	assert_string_equal(c->labels.v[0], "adsctl:s:campaigns.a");
	assert_string_equal(json_string_value(c->requests[0].path),
	                    "act_1/campaigns");
	{
		const char *addr;

		assert_true(ads_plan_is_ref(
		        json_object_get(s->requests[0].params, "campaign_id"),
		        &addr));
		assert_string_equal(addr, "campaigns.a");
	}
	/* a creative carries its address and version labels */
	assert_int_equal(k->labels.nr, 2);
	assert_true(ads_starts_with(k->labels.v[1], "adsctl:s:creatives.h@"));
	/* deps: the ad needs its ad set and creative */
	assert_int_equal(a->ndeps, 2);
	/* spend starts when the campaign is activated */
	assert_int_equal(act_c->spend_delta, 2000);
	assert_true(act_c->impact & ADS_IMPACT_SPEND_INCREASE);
	assert_int_equal(f.plan->spend_delta, 2000);
	fx_free(&f);
}

static void test_no_changes(void **state)
{
	struct fx f;

	(void)state;
	fx_plan(&f, project, NULL,
	        "{" ACCOUNT ",\"campaigns\":[" LIVE_CAMPAIGN(
	                "2000",
	                "") "],\"adsets\":[" LIVE_ADSET
	                    "],\"ads\":[" LIVE_AD("400") "],\"adcreatives\":[" LIVE_CREATIVE(
	                            "400", "@D@") "]}");
	assert_int_equal(f.rc, 0);
	assert_true(ads_plan_empty(f.plan));
	assert_int_equal(f.plan->spend_delta, 0);
	fx_free(&f);
}

static void test_budget_change(void **state)
{
	struct fx f;
	const struct ads_plan_step *u;
	const struct ads_plan_change *c;

	(void)state;
	fx_plan(&f, project, NULL,
	        "{" ACCOUNT ",\"campaigns\":[" LIVE_CAMPAIGN(
	                "1500",
	                "") "],\"adsets\":[" LIVE_ADSET
	                    "],\"ads\":[" LIVE_AD("400") "],\"adcreatives\":[" LIVE_CREATIVE(
	                            "400", "@D@") "]}");
	assert_int_equal(f.rc, 0);
	assert_int_equal(f.plan->nsteps, 1);
	u = step_of(f.plan, ADS_ACTION_UPDATE, "campaigns.a");
	assert_non_null(u);
	c = change_of(u, "daily_budget");
	assert_non_null(c);
	assert_int_equal(json_integer_value(c->before), 1500);
	assert_int_equal(json_integer_value(c->after), 2000);
	/* +33%: learning restarts; +5.00 a day */
	assert_true(u->impact & ADS_IMPACT_LEARNING_RESET);
	assert_int_equal(u->spend_delta, 500);
	assert_int_equal(json_integer_value(json_object_get(
	                         u->requests[0].params, "daily_budget")),
	                 2000);
	assert_string_equal(json_string_value(u->requests[0].path), "100");
	/* the fingerprint of what was planned against */
	assert_string_equal(u->fp.updated_time, "2027-01-01T00:00:00+0000");
	assert_non_null(u->fp.digest);
	fx_free(&f);
}

static void test_immutable_replace(void **state)
{
	struct fx f;
	const struct ads_plan_step *r, *rs;

	(void)state;
	fx_plan(&f, project, NULL,
	        "{" ACCOUNT ",\"campaigns\":[{\"id\":\"100\",\"name\":\"A\","
	        "\"objective\":\"OUTCOME_SALES\",\"configured_status\":"
	        "\"ACTIVE\",\"effective_status\":\"ACTIVE\",\"daily_budget\":"
	        "\"2000\",\"adlabels\":[" L(
	                "campaigns.a") "]}],"
	                               "\"adsets\":[" LIVE_ADSET
	                               "],\"ads\":[" LIVE_AD("400") "],\"adcreatives\":[" LIVE_CREATIVE(
	                                       "400", "@D@") "]}");
	assert_int_equal(f.rc, 0);
	r = step_of(f.plan, ADS_ACTION_REPLACE, "campaigns.a");
	assert_non_null(r);
	assert_string_equal(r->id, "100");
	assert_non_null(strstr(r->reason, "objective"));
	/* retire the old one first (archive), then create */
	assert_int_equal(r->nrequests, 2);
	assert_string_equal(json_string_value(json_object_get(
	                            r->requests[0].params, "status")),
	                    "ARCHIVED");
	assert_string_equal(json_string_value(r->requests[1].path),
	                    "act_1/campaigns");
	/* its ad set follows, under the new campaign, without a retire */
	rs = step_of(f.plan, ADS_ACTION_REPLACE, "campaigns.a.ad_sets.s");
	assert_non_null(rs);
	assert_int_equal(rs->nrequests, 1);
	assert_true(rs->impact & ADS_IMPACT_REPLACE);
	fx_free(&f);
}

static void test_archived_in_ads_manager(void **state)
{
	struct fx f;
	const struct ads_plan_step *r;

	(void)state;
	fx_plan(&f, project, "campaigns.a",
	        "{" ACCOUNT ",\"campaigns\":[{\"id\":\"100\",\"name\":\"A\","
	        "\"objective\":\"OUTCOME_TRAFFIC\",\"configured_status\":"
	        "\"ARCHIVED\",\"effective_status\":\"ARCHIVED\","
	        "\"adlabels\":[" L("campaigns.a") "]}],\"adcreatives\":["
	                                          "" LIVE_CREATIVE("400",
	                                                           "@D@") "]}");
	assert_int_equal(f.rc, 0);
	r = step_of(f.plan, ADS_ACTION_REPLACE, "campaigns.a");
	assert_non_null(r);
	assert_non_null(strstr(r->reason, "archived"));
	/* nothing to retire: only the create */
	assert_int_equal(r->nrequests, 1);
	fx_free(&f);
}

static void test_creative_new_version(void **state)
{
	struct fx f;
	const struct ads_plan_step *k, *u, *d;
	const struct ads_plan_change *c;

	(void)state;
	fx_plan(&f, project, NULL,
	        "{" ACCOUNT ",\"campaigns\":[" LIVE_CAMPAIGN(
	                "2000",
	                "") "],\"adsets\":[" LIVE_ADSET
	                    "],\"ads\":[" LIVE_AD("400") "],\"adcreatives\":[" LIVE_CREATIVE(
	                            "400", "0123456789ab") "]}");
	assert_int_equal(f.rc, 0);
	k = step_of(f.plan, ADS_ACTION_REPLACE, "creatives.h");
	u = step_of(f.plan, ADS_ACTION_UPDATE, "campaigns.a.ad_sets.s.ads.x");
	d = step_of(f.plan, ADS_ACTION_DELETE, "creatives.h");
	assert_non_null(k);
	assert_non_null(u);
	assert_non_null(d);
	assert_string_equal(k->id, "400");
	c = change_of(k, "content");
	assert_non_null(c);
	assert_string_equal(json_string_value(c->before), "0123456789ab");
	/* the ad is repointed to the new version, which it waits for */
	c = change_of(u, "creative");
	assert_non_null(c);
	assert_true(ads_plan_is_ref(c->after, NULL));
	assert_true(u->impact & ADS_IMPACT_LEARNING_RESET);
	assert_int_equal(u->ndeps, 1);
	assert_int_equal(u->deps[0], index_of(f.plan, k));
	/* the old version goes after the ad moved */
	assert_string_equal(d->id, "400");
	assert_true(index_of(f.plan, d) > index_of(f.plan, u));
	assert_int_equal(d->ndeps, 1);
	assert_int_equal(d->deps[0], index_of(f.plan, u));
	assert_true(d->impact & ADS_IMPACT_IRREVERSIBLE);
	fx_free(&f);
}

/* campaigns.old with an ad set, no longer declared */
#define LIVE_OLD                                                                                  \
	",{\"id\":\"500\",\"name\":\"Old\",\"configured_status\":"                                \
	"\"ACTIVE\",\"effective_status\":\"ACTIVE\",\"daily_budget\":"                            \
	"\"700\",\"adlabels\":[" L(                                                               \
	        "campaigns.old") "]}],\"adsets\":["                                               \
	                         "{\"id\":\"600\",\"campaign_id\":\"500\",\"configured_status\":" \
	                         "\"ACTIVE\",\"effective_status\":\"ACTIVE\",\"adlabels\":[" L(   \
	                                 "campaigns.old.ad_sets.o") "]}," LIVE_ADSET              \
	                                                            "]"

static void prune_with(const char *policy, struct fx *f)
{
	char *main = xasprintf("stack: s\naccount: act_1\ninclude: "
	                       "[r.yaml]\nprune: %s\n",
	                       policy);
	const char *files[] = { "adsctl.yaml", main, "r.yaml", project[3],
		                NULL };

	fx_plan(f, files, NULL,
	        "{" ACCOUNT ",\"campaigns\":[" LIVE_CAMPAIGN("2000", "")
	                LIVE_OLD
	        ",\"ads\":[" LIVE_AD("400") "],"
	                                    "\"adcreatives\":[" LIVE_CREATIVE(
	                                            "400", "@D@") "]}");
	free(main);
}

static void test_prune(void **state)
{
	struct fx f;
	const struct ads_plan_step *p, *c;

	(void)state;
	prune_with("archive", &f);
	assert_int_equal(f.rc, 0);
	p = step_of(f.plan, ADS_ACTION_ARCHIVE, "campaigns.old");
	c = step_of(f.plan, ADS_ACTION_ARCHIVE, "campaigns.old.ad_sets.o");
	assert_non_null(p);
	assert_non_null(c);
	/* the campaign's archive covers its ad set */
	assert_string_equal(c->via, "campaigns.old");
	assert_int_equal(c->nrequests, 0);
	assert_int_equal(p->nrequests, 1);
	assert_int_equal(p->spend_delta, -700);
	assert_true(p->impact & ADS_IMPACT_SPEND_DECREASE);
	assert_int_equal(f.plan->count[ADS_ACTION_ARCHIVE], 2);
	fx_free(&f);

	prune_with("delete", &f);
	p = step_of(f.plan, ADS_ACTION_DELETE, "campaigns.old");
	assert_non_null(p);
	assert_string_equal(p->requests[0].method, "DELETE");
	assert_true(p->impact & ADS_IMPACT_IRREVERSIBLE);
	fx_free(&f);

	prune_with("keep", &f);
	assert_true(ads_plan_empty(f.plan));
	assert_int_equal(f.plan->notes.nr, 2);
	assert_non_null(strstr(f.plan->notes.v[0], "kept"));
	fx_free(&f);
}

/*
 * An ad set pruned with prune: delete covers its ads, but for one archived
 * before: it gets its own DELETE (an archived child may outlive its
 * parent's deletion), ordered before the ad set's.
 */
static void test_prune_archived_child(void **state)
{
	struct fx f;
	const char *files[] = {
		"adsctl.yaml",
		"stack: s\naccount: act_1\ninclude: [r.yaml]\nprune: delete\n",
		"r.yaml",
		project[3],
		NULL,
	};
	const struct ads_plan_step *set, *live_ad, *archived_ad;

	(void)state;
	fx_plan(&f, files, NULL,
	        "{" ACCOUNT ",\"campaigns\":[" LIVE_CAMPAIGN(
	                "2000",
	                "") "],\"adsets\":[" LIVE_ADSET
	                    ",{\"id\":\"600\",\"campaign_id\":"
	                    "\"100\",\"configured_status\":\"ACTIVE\",\"effective_status\":"
	                    "\"ACTIVE\",\"adlabels\":[" L(
	                            "campaigns.a.ad_sets.o") "]}],"
	                                                     "\"ads\":[" LIVE_AD(
	                                                             "400") ",{\"id\":\"610\",\"adset_id\":\"600\","
	                                                                    "\"configured_status\":\"ACTIVE\",\"effective_status\":\"ACTIVE\","
	                                                                    "\"adlabels\":[" L(
	                                                                            "campaigns.a.ad_sets.o.ads.p") "]},"
	                                                                                                           "{\"id\":\"620\",\"adset_id\":\"600\",\"configured_status\":"
	                                                                                                           "\"ARCHIVED\",\"effective_status\":\"ARCHIVED\",\"adlabels\":[" L(
	                                                                                                                   "campaigns.a.ad_sets.o.ads.q") "]}],"
	                                                                                                                                                  "\"adcreatives\":[" LIVE_CREATIVE(
	                                                                                                                                                          "400",
	                                                                                                                                                          "@D@") "]}");
	assert_int_equal(f.rc, 0);
	set = step_of(f.plan, ADS_ACTION_DELETE, "campaigns.a.ad_sets.o");
	live_ad = step_of(f.plan, ADS_ACTION_DELETE,
	                  "campaigns.a.ad_sets.o.ads.p");
	archived_ad = step_of(f.plan, ADS_ACTION_DELETE,
	                      "campaigns.a.ad_sets.o.ads.q");
	assert_non_null(set);
	assert_non_null(live_ad);
	assert_non_null(archived_ad);
	assert_int_equal(set->nrequests, 1);
	/* the live ad inherits its ad set's deletion */
	assert_string_equal(live_ad->via, "campaigns.a.ad_sets.o");
	assert_int_equal(live_ad->nrequests, 0);
	/* the archived one is deleted on its own, child-first */
	assert_null(archived_ad->via);
	assert_int_equal(archived_ad->nrequests, 1);
	assert_string_equal(archived_ad->requests[0].method, "DELETE");
	assert_string_equal(json_string_value(archived_ad->requests[0].path),
	                    "620");
	assert_true(index_of(f.plan, archived_ad) < index_of(f.plan, set));
	assert_int_equal(f.plan->count[ADS_ACTION_DELETE], 3);
	fx_free(&f);
}

/*
 * A creative that names an image the plan uploads depends on the upload,
 * whether the manifest writes { file: } or the hash itself; an image the
 * account has already is no dependency.
 */
static void test_image_deps(void **state)
{
	static const char *const probe[] = {
		"adsctl.yaml",
		"stack: s\naccount: act_1\ninclude: [r.yaml]\n",
		"r.yaml",
		"creatives:\n"
		"  h:\n"
		"    name: H\n"
		"    object_story_spec:\n"
		"      page_id: \"1\"\n"
		"      link_data: { link: \"https://x.example\",\n"
		"                   image_hash: { file: a.png } }\n",
		"a.png",
		"\x89PNG1",
		"b.png",
		"\x89PNG2",
		NULL,
	};
	struct tproject *t = tproject_new(probe);
	char md5a[33], *manifest, *live;
	const char *files[] = { probe[0], probe[1], probe[2], NULL, probe[4],
		                probe[5], probe[6], probe[7], NULL };
	const struct ads_plan_step *img_a, *h, *lit, *feed;
	struct fx f;

	(void)state;
	memcpy(md5a, ads_model_find(t->m, "images.a.png")->file->md5, 33);
	tproject_free(t);
	t = tproject_new((const char *const[]){
	        probe[0], probe[1], probe[2],
	        "creatives:\n"
	        "  h:\n"
	        "    name: H\n"
	        "    object_story_spec: { page_id: \"1\", link_data: { link: "
	        "\"https://x.example\", image_hash: { file: b.png } } }\n",
	        probe[6], probe[7], NULL });
	/* b.png is in the account already */
	live = xasprintf("{" ACCOUNT ",\"adimages\":[{\"hash\":\"%s\","
	                 "\"id\":\"1:%s\"}]}",
	                 ads_model_find(t->m, "images.b.png")->file->md5,
	                 ads_model_find(t->m, "images.b.png")->file->md5);
	tproject_free(t);
	manifest = xasprintf(
	        "creatives:\n"
	        "  h:\n"
	        "    name: H\n"
	        "    object_story_spec: { page_id: \"1\", link_data: { link: "
	        "\"https://x.example\", image_hash: { file: a.png } } }\n"
	        "  lit:\n"
	        "    name: Lit\n"
	        "    object_story_spec: { page_id: \"1\", link_data: { link: "
	        "\"https://x.example\", image_hash: \"%s\" } }\n"
	        "  feed:\n"
	        "    name: Feed\n"
	        "    object_story_spec: { page_id: \"1\" }\n"
	        "    asset_feed_spec:\n"
	        "      images: [ { file: b.png }, { hash: \"%s\" } ]\n"
	        "      bodies: [ { text: x } ]\n"
	        "      link_urls: [ { website_url: \"https://x.example\" } ]\n"
	        "      ad_formats: [ SINGLE_IMAGE ]\n",
	        md5a, md5a);
	files[3] = manifest;
	fx_plan(&f, files, NULL, live);
	assert_int_equal(f.rc, 0);
	img_a = step_of(f.plan, ADS_ACTION_CREATE, "images.a.png");
	h = step_of(f.plan, ADS_ACTION_CREATE, "creatives.h");
	lit = step_of(f.plan, ADS_ACTION_CREATE, "creatives.lit");
	feed = step_of(f.plan, ADS_ACTION_CREATE, "creatives.feed");
	assert_non_null(img_a);
	assert_non_null(h);
	assert_non_null(lit);
	assert_non_null(feed);
	assert_null(step_of(f.plan, ADS_ACTION_CREATE, "images.b.png"));
	assert_int_equal(h->ndeps, 1);
	assert_int_equal(h->deps[0], index_of(f.plan, img_a));
	assert_int_equal(lit->ndeps, 1);
	assert_int_equal(lit->deps[0], index_of(f.plan, img_a));
	assert_int_equal(feed->ndeps, 1);
	assert_int_equal(feed->deps[0], index_of(f.plan, img_a));
	fx_free(&f);
	free(manifest);
	free(live);
}

static void test_ambiguity(void **state)
{
	struct fx f;

	(void)state;
	fx_plan(&f, project, NULL,
	        "{" ACCOUNT ",\"campaigns\":[" LIVE_CAMPAIGN(
	                "2000", "") ",{\"id\":\"101\",\"effective_status\":"
	                            "\"PAUSED\",\"adlabels\":[" L(
	                                    "campaigns.a") "]}]}");
	assert_int_equal(f.rc, ADS_ECONFLICT);
	assert_null(f.plan);
	assert_non_null(strstr(f.err.msg, "100, 101"));
	assert_non_null(strstr(f.err.msg, "adsctl:s:campaigns.a"));
	fx_free(&f);
}

static json_t *resolver(void *ctx, const char *address)
{
	(void)ctx;
	if (!strcmp(address, "campaigns.a"))
		return json_string("{result=c1:$.id}");
	return NULL;
}

static void test_json_roundtrip_and_resolve(void **state)
{
	struct fx f;
	struct ads_plan *back;
	json_t *j1, *j2;
	char *path;
	json_t *params;
	const struct ads_plan_step *s;

	(void)state;
	fx_plan(&f, project, NULL, "{" ACCOUNT "}");
	ads_plan_set_provenance(f.plan, f.t->m, NULL, NULL, false, 0);
	j1 = ads_plan_to_json(f.plan);
	assert_int_equal(ads_plan_from_json(&back, j1, &f.err), 0);
	j2 = ads_plan_to_json(back);
	assert_true(json_equal(j1, j2));
	assert_string_equal(ads_json_str(j1, "created"),
	                    "1970-01-01T00:00:00+0000");
	assert_int_equal(strlen(ads_json_str(j1, "project_digest")), 64);
	/* placeholders resolve to ids or batch references */
	s = step_of(back, ADS_ACTION_CREATE, "campaigns.a.ad_sets.s");
	assert_int_equal(ads_plan_request_resolve(&path, &params,
	                                          &s->requests[0], resolver,
	                                          NULL, &f.err),
	                 0);
	assert_string_equal(path, "act_1/adsets");
	assert_string_equal(ads_json_str(params, "campaign_id"),
	                    "{result=c1:$.id}");
	free(path);
	json_decref(params);
	s = step_of(back, ADS_ACTION_CREATE, "campaigns.a.ad_sets.s.ads.x");
	assert_int_equal(ads_plan_request_resolve(&path, &params,
	                                          &s->requests[0], resolver,
	                                          NULL, &f.err),
	                 ADS_ENOTFOUND);
	ads_error_release(&f.err);
	/* a newer format is refused */
	json_object_set_new(j1, "format_version", json_integer(99));
	ads_plan_free(back);
	assert_int_equal(ads_plan_from_json(&back, j1, &f.err), ADS_EINVALID);
	assert_non_null(strstr(f.err.msg, "format_version 99"));
	json_decref(j1);
	json_decref(j2);
	fx_free(&f);
}

static void test_fresh(void **state)
{
	struct fx f;
	struct ads_live *l2;
	json_t *raw2;

	(void)state;
	fx_plan(&f, project, NULL,
	        "{" ACCOUNT ",\"campaigns\":[" LIVE_CAMPAIGN(
	                "1500",
	                "") "],\"adsets\":[" LIVE_ADSET
	                    "],\"ads\":[" LIVE_AD("400") "],\"adcreatives\":[" LIVE_CREATIVE(
	                            "400", "@D@") "]}");
	assert_int_equal(ads_plan_check_fresh(f.plan, f.live, &f.err), 0);
	/* the campaign was edited since */
	raw2 = json_deep_copy(f.raw);
	json_object_set_new(
	        json_array_get(json_object_get(raw2, "campaigns"), 0),
	        "updated_time", json_string("2027-01-02T00:00:00+0000"));
	assert_int_equal(ads_live_load(&l2, raw2, "s", &f.err), 0);
	assert_int_equal(ads_plan_check_fresh(f.plan, l2, &f.err),
	                 ADS_ECONFLICT);
	assert_non_null(strstr(f.err.msg, "campaigns.a (100) was changed"));
	ads_live_free(l2);
	json_decref(raw2);
	fx_free(&f);
}

static void test_schema(void **state)
{
	struct ads_schema_set *set;
	struct fx f;
	json_t *j;

	(void)state;
	assert_int_equal(ads_schema_set_builtin(&set, NULL), 0);
	/* creates with placeholders, labels, activations and spend */
	fx_plan(&f, project, NULL, "{" ACCOUNT "}");
	ads_plan_set_provenance(f.plan, f.t->m, NULL, "main", true, 0);
	j = ads_plan_to_json(f.plan);
	assert_int_equal(ads_schema_validate(set,
	                                     "https://adsctl.dev/schemas/"
	                                     "plan.schema.json",
	                                     j, NULL, NULL, NULL),
	                 0);
	/* a damaged document is caught */
	json_object_set_new(json_array_get(json_object_get(j, "steps"), 0),
	                    "action", json_string("recreate"));
	assert_true(ads_schema_validate(set,
	                                "https://adsctl.dev/schemas/"
	                                "plan.schema.json",
	                                j, NULL, NULL, NULL) > 0);
	json_decref(j);
	fx_free(&f);
	ads_schema_set_free(set);
}

static void test_intent(void **state)
{
	struct tproject *a = tproject_new(project), *b;
	const char *changed[] = {
		"adsctl.yaml",
		"stack: s\naccount: act_1\ninclude: [r.yaml]\nprune: delete\n",
		"r.yaml",
		"campaigns:\n"
		"  a:\n"
		"    name: A\n"
		"    objective: OUTCOME_TRAFFIC\n"
		"    special_ad_categories: []\n"
		"    status: ACTIVE\n"
		"    daily_budget: 3000\n"
		"creatives:\n"
		"  h:\n"
		"    name: H\n"
		"    object_story_spec:\n"
		"      page_id: \"1\"\n"
		"      link_data: { link: \"https://x.example\", message: "
		"bye }\n",
		NULL,
	};
	struct ads_plan *p;
	struct ads_error err = ADS_ERROR_INIT;
	const struct ads_plan_step *s;

	(void)state;
	b = tproject_new(changed);
	assert_int_equal(ads_plan_intent(&p, a->m, b->m, &err), 0);
	s = step_of(p, ADS_ACTION_UPDATE, "campaigns.a");
	assert_non_null(s);
	assert_int_equal(
	        json_integer_value(change_of(s, "daily_budget")->before), 2000);
	assert_true(s->impact & ADS_IMPACT_LEARNING_RESET);
	s = step_of(p, ADS_ACTION_REPLACE, "creatives.h");
	assert_non_null(s);
	assert_non_null(change_of(s, "object_story_spec.link_data.message"));
	/* removed: deleted per the new prune, the ad with its ad set */
	assert_non_null(step_of(p, ADS_ACTION_DELETE, "campaigns.a.ad_sets.s"));
	s = step_of(p, ADS_ACTION_DELETE, "campaigns.a.ad_sets.s.ads.x");
	assert_non_null(s);
	assert_string_equal(s->via, "campaigns.a.ad_sets.s");
	assert_int_equal(p->nsteps, 4);
	for (size_t i = 0; i < p->nsteps; i++) {
		assert_int_equal(p->steps[i].nrequests, 0);
		assert_null(p->steps[i].id);
	}
	ads_plan_free(p);
	/* the same revision twice: nothing */
	assert_int_equal(ads_plan_intent(&p, a->m, a->m, &err), 0);
	assert_true(ads_plan_empty(p));
	ads_plan_free(p);
	tproject_free(a);
	tproject_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_all),
		cmocka_unit_test(test_no_changes),
		cmocka_unit_test(test_budget_change),
		cmocka_unit_test(test_immutable_replace),
		cmocka_unit_test(test_archived_in_ads_manager),
		cmocka_unit_test(test_creative_new_version),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_prune_archived_child),
		cmocka_unit_test(test_image_deps),
		cmocka_unit_test(test_ambiguity),
		cmocka_unit_test(test_json_roundtrip_and_resolve),
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_intent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
