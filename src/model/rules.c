/*
 * Local semantic rules (creative-model.md §7), one table at the bottom of
 * this file. Seed line numbers (003:Lnnnn) point into
 * ../shared/seeds/003_*.txt, the Marketing API documentation; "[I]" marks
 * a rule inferred rather than stated, which only warns.
 *
 * Rules read fields through get(), which remembers when a field is one the
 * schema already reported on; whatever such a rule finds is dropped, so a
 * wrong type is not also reported as, say, a missing budget.
 */
#include "model/rules.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

struct pending {
	enum ads_severity sev;
	struct ads_srcloc loc;
	char *msg;
};

struct ctx {
	const struct ads_model *m;
	struct ads_diags *diags;
	enum ads_severity sev; /* of the running rule */
	const char *rule;
	bool tainted; /* the rule read a field the schema reported */
	struct pending *pend;
	size_t npend, alloc;
};

/* --- reading fields ---------------------------------------------------- */

/*
 * The value at ptr ("/targeting/age_min": plain keys and indexes) in r's
 * fields, or NULL. Marks the rule tainted when the schema reported a
 * problem at, inside or above the field (but not at the resource itself,
 * which is where missing required fields are reported).
 */
static json_t *get(struct ctx *c, const struct ads_resource *r, const char *ptr)
{
	json_t *v = r->fields;
	const char *p = ptr;

	if (ads_resource_schema_said(r, ptr))
		c->tainted = true;
	for (size_t i = 0; i < r->schema_failures.nr; i++) {
		const char *f = r->schema_failures.v[i];

		if (*f && ads_pointer_within(ptr, f))
			c->tainted = true;
	}
	while (v && *p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
		char key[128];

		if (len >= sizeof(key))
			return NULL;
		memcpy(key, p + 1, len);
		key[len] = '\0';
		if (json_is_object(v))
			v = json_object_get(v, key);
		else if (json_is_array(v))
			v = json_array_get(v, strtoul(key, NULL, 10));
		else
			v = NULL;
		p = end ? end : p + 1 + len;
	}
	return json_is_null(v) ? NULL : v;
}

static bool has(struct ctx *c, const struct ads_resource *r, const char *ptr)
{
	return get(c, r, ptr) != NULL;
}

static const char *str(struct ctx *c, const struct ads_resource *r,
                       const char *ptr)
{
	return json_string_value(get(c, r, ptr));
}

static bool str_is(struct ctx *c, const struct ads_resource *r, const char *ptr,
                   const char *want)
{
	const char *s = str(c, r, ptr);

	return s && !strcmp(s, want);
}

/* An integer, also from a numeric string ("20000") as the API allows. */
static bool int_of(struct ctx *c, const struct ads_resource *r, const char *ptr,
                   int64_t *out)
{
	return ads_json_as_int64(get(c, r, ptr), out);
}

static bool num_of(struct ctx *c, const struct ads_resource *r, const char *ptr,
                   double *out)
{
	json_t *v = get(c, r, ptr);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

static bool is_true(struct ctx *c, const struct ads_resource *r,
                    const char *ptr)
{
	return json_is_true(get(c, r, ptr));
}

/* Number of entries of a list field (0 when absent or not a list). */
static size_t count(struct ctx *c, const struct ads_resource *r,
                    const char *ptr)
{
	return json_array_size(get(c, r, ptr));
}

enum time_state { T_ABSENT, T_BAD, T_ZERO, T_SET };

/*
 * A datetime field: a string in a format the API accepts, or UNIX
 * seconds; 0 (or "0") means "no end" for end_time (003:L15170).
 */
static enum time_state time_of(struct ctx *c, const struct ads_resource *r,
                               const char *ptr, int64_t *epoch)
{
	json_t *v = get(c, r, ptr);

	if (!v)
		return T_ABSENT;
	if (json_is_integer(v)) {
		*epoch = json_integer_value(v);
		return *epoch ? T_SET : T_ZERO;
	}
	if (!json_is_string(v))
		return T_BAD;
	if (!strcmp(json_string_value(v), "0"))
		return T_ZERO;
	return ads_time_parse(json_string_value(v), epoch) ? T_SET : T_BAD;
}

static bool has_budget(struct ctx *c, const struct ads_resource *r)
{
	return has(c, r, "/daily_budget") || has(c, r, "/lifetime_budget");
}

/* The budget field a resource declares, for locating messages. */
static const char *budget_field(struct ctx *c, const struct ads_resource *r)
{
	return has(c, r, "/daily_budget") ? "/daily_budget"
	                                  : "/lifetime_budget";
}

/* The campaign of an ad set, or NULL. */
static const struct ads_resource *campaign_of(const struct ads_resource *r)
{
	return r->parent && r->parent->kind == ADS_KIND_CAMPAIGN ? r->parent
	                                                         : NULL;
}

/* Length in characters (code points) of UTF-8 text. */
static size_t text_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* --- reporting ----------------------------------------------------------- */

static void report(struct ctx *c, const struct ads_resource *r, const char *ptr,
                   enum ads_loc_part part, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/*
 * Queues a diagnostic at the field ptr of r (or its nearest declared
 * ancestor); ptr "" is the resource's key.
 */
static void report(struct ctx *c, const struct ads_resource *r, const char *ptr,
                   enum ads_loc_part part, const char *fmt, ...)
{
	struct pending *p;
	va_list ap;

	ADS_ALLOC_GROW(c->pend, c->npend + 1, c->alloc);
	p = &c->pend[c->npend++];
	p->sev = c->sev;
	if (!ads_resource_locate(r, ptr, part, &p->loc) && *ptr)
		ads_resource_locate(r, ptr, ADS_LOC_VALUE, &p->loc);
	va_start(ap, fmt);
	p->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

static void report_at(struct ctx *c, const struct ads_srcloc *loc,
                      const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void report_at(struct ctx *c, const struct ads_srcloc *loc,
                      const char *fmt, ...)
{
	struct pending *p;
	va_list ap;

	ADS_ALLOC_GROW(c->pend, c->npend + 1, c->alloc);
	p = &c->pend[c->npend++];
	p->sev = c->sev;
	p->loc = *loc;
	va_start(ap, fmt);
	p->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

static void flush(struct ctx *c)
{
	for (size_t i = 0; i < c->npend; i++) {
		struct pending *p = &c->pend[i];

		if (!c->tainted)
			ads_diags_add(c->diags, p->sev, &p->loc, c->rule, NULL,
			              "%s", p->msg);
		free(p->msg);
	}
	c->npend = 0;
	c->tainted = false;
}

/* --- campaign, ad set and ad ---------------------------------------------- */

/* 003:L15680: only ACTIVE and PAUSED are valid on creation. */
static void check_status(struct ctx *c, const struct ads_resource *r)
{
	const char *s = str(c, r, "/status");

	if (s && strcmp(s, "ACTIVE") && strcmp(s, "PAUSED"))
		report(c, r, "/status", ADS_LOC_VALUE,
		       "status '%s' cannot be declared: use ACTIVE or PAUSED "
		       "(remove %s from the manifests to archive or delete it)",
		       s, ads_kind_noun(r->kind));
}

/* One object carries one budget: a daily or a lifetime one. */
static void check_one_budget(struct ctx *c, const struct ads_resource *r)
{
	if (has(c, r, "/daily_budget") && has(c, r, "/lifetime_budget"))
		report(c, r, "/lifetime_budget", ADS_LOC_KEY,
		       "daily_budget and lifetime_budget are both set: "
		       "choose one");
}

/* 003:L15163: "Either daily_budget or lifetime_budget must be > 0". */
static void check_budget_positive(struct ctx *c, const struct ads_resource *r)
{
	static const char *const fields[] = { "daily_budget",
		                              "lifetime_budget" };

	for (size_t i = 0; i < ADS_ARRAY_SIZE(fields); i++) {
		char ptr[32];
		int64_t v;

		snprintf(ptr, sizeof(ptr), "/%s", fields[i]);
		if (int_of(c, r, ptr, &v) && v <= 0)
			report(c, r, ptr, ADS_LOC_VALUE,
			       "%s must be greater than 0 (minor units of the "
			       "account currency)",
			       fields[i]);
	}
}

/*
 * 003:L15658, L15667 and error 1885621 (003:L13741): "You can either set
 * budget at the campaign level or at the adset level, not both."
 */
static void check_budget_level(struct ctx *c, const struct ads_resource *r)
{
	const struct ads_resource *camp = campaign_of(r);

	if (camp && has_budget(c, camp) && has_budget(c, r))
		report(c, r, budget_field(c, r), ADS_LOC_KEY,
		       "ad set budget cannot be combined with the campaign "
		       "budget of '%s': set the budget on the campaign or on "
		       "its ad sets, not both",
		       camp->address);
}

/* 003:L15162-15163: without a campaign budget, each ad set has one. */
static void check_budget_required(struct ctx *c, const struct ads_resource *r)
{
	const struct ads_resource *camp = campaign_of(r);

	if (camp && !has_budget(c, camp) && !has_budget(c, r))
		report(c, r, "", ADS_LOC_KEY,
		       "ad set has no budget: set daily_budget or "
		       "lifetime_budget on it or on campaign '%s'",
		       camp->address);
}

/*
 * Since v24 a campaign without a campaign budget must say whether its ad
 * sets share budget (is_adset_budget_sharing_enabled, creative-model.md
 * §7.1.6; sent in the example at 003:L15631).
 */
static void check_budget_sharing(struct ctx *c, const struct ads_resource *r)
{
	if (c->m->settings.api_major >= 24 && !has_budget(c, r) &&
	    !has(c, r, "/is_adset_budget_sharing_enabled"))
		report(c, r, "", ADS_LOC_KEY,
		       "campaign without a campaign budget must set "
		       "is_adset_budget_sharing_enabled to true or false "
		       "(required since API v24)");
}

/*
 * 003:L15127, L15642: with a campaign budget, bid_strategy is set on the
 * campaign.
 */
static void check_bid_strategy_level(struct ctx *c,
                                     const struct ads_resource *r)
{
	const struct ads_resource *camp = campaign_of(r);

	if (camp && has_budget(c, camp) && has(c, r, "/bid_strategy"))
		report(c, r, "/bid_strategy", ADS_LOC_KEY,
		       "bid_strategy belongs on campaign '%s', which has the "
		       "budget",
		       camp->address);
}

/* The bid strategy in force for an ad set: its own, or its campaign's. */
static const char *bid_strategy(struct ctx *c, const struct ads_resource *r,
                                bool *own)
{
	const struct ads_resource *camp = campaign_of(r);
	const char *s = str(c, r, "/bid_strategy");

	*own = s != NULL;
	if (!s && camp)
		s = str(c, camp, "/bid_strategy");
	return s;
}

/*
 * 003:L15122, L15125, L5237: LOWEST_COST_WITH_BID_CAP and COST_CAP need a
 * cap in bid_amount (reach and frequency buying excepted).
 */
static void check_bid_amount(struct ctx *c, const struct ads_resource *r)
{
	const struct ads_resource *camp = campaign_of(r);
	bool own;
	const char *s = bid_strategy(c, r, &own);

	if (!s ||
	    (strcmp(s, "LOWEST_COST_WITH_BID_CAP") && strcmp(s, "COST_CAP")))
		return;
	if (camp && str_is(c, camp, "/buying_type", "RESERVED"))
		return;
	if (!has(c, r, "/bid_amount"))
		report(c, r, own ? "/bid_strategy" : "", ADS_LOC_KEY,
		       "bid strategy %s needs bid_amount on this ad set", s);
}

/*
 * 003:L5235-5242: LOWEST_COST_WITH_MIN_ROAS needs
 * bid_constraints.roas_average_floor in [100, 10000000].
 */
static void check_roas_floor(struct ctx *c, const struct ads_resource *r)
{
	bool own;
	const char *s = bid_strategy(c, r, &own);
	int64_t floor;

	if (!s || strcmp(s, "LOWEST_COST_WITH_MIN_ROAS"))
		return;
	if (!int_of(c, r, "/bid_constraints/roas_average_floor", &floor))
		report(c, r, own ? "/bid_strategy" : "", ADS_LOC_KEY,
		       "bid strategy LOWEST_COST_WITH_MIN_ROAS needs "
		       "bid_constraints.roas_average_floor on this ad set");
	else if (floor < 100 || floor > 10000000)
		report(c, r, "/bid_constraints/roas_average_floor",
		       ADS_LOC_VALUE,
		       "roas_average_floor must be between 100 and 10000000 "
		       "(a minimum ROAS of 0.01 to 1000)");
}

/* 003:L15170, L15180: a lifetime budget needs an end_time. */
static void check_lifetime_end(struct ctx *c, const struct ads_resource *r)
{
	int64_t end;

	if (has(c, r, "/lifetime_budget") &&
	    time_of(c, r, "/end_time", &end) != T_SET)
		report(c, r, "/lifetime_budget", ADS_LOC_KEY,
		       "lifetime_budget needs an end_time on this ad set");
}

/* [I] A campaign lifetime budget spends up to an end: give one. */
static void check_campaign_lifetime_end(struct ctx *c,
                                        const struct ads_resource *r)
{
	const struct ads_resource *camp = campaign_of(r);
	int64_t t;

	if (camp && has(c, camp, "/lifetime_budget") &&
	    time_of(c, r, "/end_time", &t) != T_SET &&
	    time_of(c, camp, "/stop_time", &t) != T_SET)
		report(c, r, "", ADS_LOC_KEY,
		       "campaign '%s' has a lifetime budget: set end_time on "
		       "this ad set or stop_time on the campaign",
		       camp->address);
}

/*
 * 003:L1280 ("The end date must be in the future"): the end comes after
 * the start. Times the parser does not know (zone names) are left to the
 * schema and the API.
 */
static void check_schedule(struct ctx *c, const struct ads_resource *r)
{
	const char *end_field =
	        r->kind == ADS_KIND_CAMPAIGN ? "/stop_time" : "/end_time";
	int64_t start = 0, end = 0;

	if (time_of(c, r, "/start_time", &start) == T_SET &&
	    time_of(c, r, end_field, &end) == T_SET && end <= start)
		report(c, r, end_field, ADS_LOC_VALUE,
		       "%s is not after start_time", end_field + 1);
}

/*
 * 003:L15162: a daily budget is "allowed only for ad sets with a duration
 * ... longer than 24 hours".
 */
static void check_daily_duration(struct ctx *c, const struct ads_resource *r)
{
	int64_t start, end;

	if (has(c, r, "/daily_budget") &&
	    time_of(c, r, "/start_time", &start) == T_SET &&
	    time_of(c, r, "/end_time", &end) == T_SET && end > start &&
	    end - start <= 24 * 3600)
		report(c, r, "/end_time", ADS_LOC_VALUE,
		       "an ad set with a daily budget must run longer than 24 "
		       "hours (start_time to end_time)");
}

/*
 * 003:L15165-15166, L15183-15184: spend targets and caps of an ad set need
 * a campaign budget of the same period.
 */
static void check_spend_limits(struct ctx *c, const struct ads_resource *r)
{
	static const struct {
		const char *field, *budget;
	} limits[] = {
		{ "daily_min_spend_target", "daily_budget" },
		{ "daily_spend_cap", "daily_budget" },
		{ "lifetime_min_spend_target", "lifetime_budget" },
		{ "lifetime_spend_cap", "lifetime_budget" },
	};
	const struct ads_resource *camp = campaign_of(r);

	for (size_t i = 0; camp && i < ADS_ARRAY_SIZE(limits); i++) {
		char fptr[48], bptr[48];

		snprintf(fptr, sizeof(fptr), "/%s", limits[i].field);
		snprintf(bptr, sizeof(bptr), "/%s", limits[i].budget);
		if (has(c, r, fptr) && !has(c, camp, bptr))
			report(c, r, fptr, ADS_LOC_KEY,
			       "%s needs a %s on campaign '%s'",
			       limits[i].field, limits[i].budget,
			       camp->address);
	}
}

/* [I] A spend target above the cap cannot be met. */
static void check_spend_order(struct ctx *c, const struct ads_resource *r)
{
	static const char *const periods[] = { "daily", "lifetime" };

	for (size_t i = 0; i < ADS_ARRAY_SIZE(periods); i++) {
		char minp[48], capp[48];
		int64_t min, cap;

		snprintf(minp, sizeof(minp), "/%s_min_spend_target",
		         periods[i]);
		snprintf(capp, sizeof(capp), "/%s_spend_cap", periods[i]);
		if (int_of(c, r, minp, &min) && int_of(c, r, capp, &cap) &&
		    min > cap)
			report(c, r, minp, ADS_LOC_VALUE,
			       "%s_min_spend_target is above %s_spend_cap",
			       periods[i], periods[i]);
	}
}

/* 003:L15177: frequency caps only for REACH and THRUPLAY goals. */
static void check_frequency(struct ctx *c, const struct ads_resource *r)
{
	const char *goal = str(c, r, "/optimization_goal");

	if (has(c, r, "/frequency_control_specs") &&
	    (!goal || (strcmp(goal, "REACH") && strcmp(goal, "THRUPLAY"))))
		report(c, r, "/frequency_control_specs", ADS_LOC_KEY,
		       "frequency_control_specs needs optimization_goal REACH "
		       "or THRUPLAY");
}

/* creative-model.md §7.4.2: ages 13 to 65, minimum not above maximum. */
static void check_age(struct ctx *c, const struct ads_resource *r)
{
	int64_t min = 0, max = 0;
	bool hmin = int_of(c, r, "/targeting/age_min", &min);
	bool hmax = int_of(c, r, "/targeting/age_max", &max);

	if (hmin && min < 13)
		report(c, r, "/targeting/age_min", ADS_LOC_VALUE,
		       "age_min must be at least 13");
	if (hmax && max > 65)
		report(c, r, "/targeting/age_max", ADS_LOC_VALUE,
		       "age_max must be at most 65 (65 means 65 and older)");
	if (hmin && hmax && min > max)
		report(c, r, "/targeting/age_max", ADS_LOC_VALUE,
		       "age_max %lld is below age_min %lld", (long long)max,
		       (long long)min);
}

/* 003:L15238: "countries is required" (unless a custom audience is used). */
static void check_geo(struct ctx *c, const struct ads_resource *r)
{
	json_t *t = get(c, r, "/targeting");

	if (json_is_object(t) && !has(c, r, "/targeting/geo_locations") &&
	    !count(c, r, "/targeting/custom_audiences"))
		report(c, r, "/targeting", ADS_LOC_KEY,
		       "targeting needs geo_locations (e.g. countries) or "
		       "custom_audiences");
}

/*
 * [I] 003:L6874-6881: positions of a platform apply only when the platform
 * is among publisher_platforms; otherwise they are ignored.
 */
static void check_positions(struct ctx *c, const struct ads_resource *r)
{
	static const struct {
		const char *field, *platform;
	} pos[] = {
		{ "facebook_positions", "facebook" },
		{ "instagram_positions", "instagram" },
		{ "messenger_positions", "messenger" },
		{ "audience_network_positions", "audience_network" },
		{ "threads_positions", "threads" },
	};
	json_t *plat = get(c, r, "/targeting/publisher_platforms");

	if (!json_is_array(plat))
		return;
	for (size_t i = 0; i < ADS_ARRAY_SIZE(pos); i++) {
		char ptr[64];
		bool found = false;
		size_t k;
		json_t *e;

		snprintf(ptr, sizeof(ptr), "/targeting/%s", pos[i].field);
		if (!has(c, r, ptr))
			continue;
		json_array_foreach(plat, k, e)
			found = found || (json_is_string(e) &&
			                  !strcmp(json_string_value(e),
			                          pos[i].platform));
		if (!found)
			report(c, r, ptr, ADS_LOC_KEY,
			       "%s has no effect: '%s' is not in "
			       "publisher_platforms",
			       pos[i].field, pos[i].platform);
	}
}

/* 003:L6677: "You can only create one ad per ad set" (dynamic creative). */
static void check_dc_one_ad(struct ctx *c, const struct ads_resource *r)
{
	if (!is_true(c, r, "/is_dynamic_creative"))
		return;
	for (size_t i = 1; i < r->nchildren; i++)
		report(c, r->children[i], "", ADS_LOC_KEY,
		       "a dynamic creative ad set holds exactly one ad, and "
		       "'%s' already has '%s'",
		       r->address, r->children[0]->key);
}

/* 003:L6622, L15178: a dynamic creative ad set runs asset feed creatives. */
static void check_dc_creative(struct ctx *c, const struct ads_resource *r)
{
	const struct ads_resource *set = r->parent;

	if (!set || !is_true(c, set, "/is_dynamic_creative"))
		return;
	for (size_t i = 0; i < r->nrefs; i++) {
		const struct ads_ref *ref = &r->refs[i];

		if (ref->form != ADS_REF_CREATIVE_ID || !ref->target)
			continue;
		if (!has(c, ref->target, "/asset_feed_spec"))
			report_at(c, &ref->loc,
			          "ad in dynamic creative ad set '%s' needs a "
			          "creative with an asset_feed_spec, and '%s' "
			          "has none",
			          set->address, ref->target->address);
	}
}

/* [I] 003:L10963-10969: new campaigns use the outcome objectives. */
static void check_objective(struct ctx *c, const struct ads_resource *r)
{
	const char *o = str(c, r, "/objective");

	if (o && !ads_starts_with(o, "OUTCOME_"))
		report(c, r, "/objective", ADS_LOC_VALUE,
		       "objective '%s' is a legacy objective: new campaigns "
		       "use OUTCOME_AWARENESS, OUTCOME_TRAFFIC, "
		       "OUTCOME_ENGAGEMENT, OUTCOME_LEADS, "
		       "OUTCOME_APP_PROMOTION or OUTCOME_SALES",
		       o);
}

/* --- creatives ---------------------------------------------------------- */

static const char *afs_solution(struct ctx *c, const struct ads_resource *r)
{
	const char *opt = str(c, r, "/asset_feed_spec/optimization_type");

	if (opt)
		return opt;
	if (count(c, r, "/asset_feed_spec/asset_customization_rules"))
		return "ASSET_CUSTOMIZATION";
	return "REGULAR";
}

/*
 * 003:L6477-6479, L6500: one ad format per asset feed (format automation
 * excepted, 003:L11185). 003:L6474-6476: link_urls are required.
 * 003:L6465-6467: up to five call-to-action types.
 */
static void check_afs_basics(struct ctx *c, const struct ads_resource *r)
{
	size_t nformats;

	if (!has(c, r, "/asset_feed_spec"))
		return;
	nformats = count(c, r, "/asset_feed_spec/ad_formats");
	if (nformats != 1 && strcmp(afs_solution(c, r), "FORMAT_AUTOMATION"))
		report(c, r,
		       nformats ? "/asset_feed_spec/ad_formats"
		                : "/asset_feed_spec",
		       ADS_LOC_KEY,
		       "asset_feed_spec needs exactly one ad_formats entry, "
		       "not %zu",
		       nformats);
	if (!count(c, r, "/asset_feed_spec/link_urls"))
		report(c, r, "/asset_feed_spec", ADS_LOC_KEY,
		       "asset_feed_spec needs link_urls");
	if (count(c, r, "/asset_feed_spec/call_to_action_types") > 5)
		report(c, r, "/asset_feed_spec/call_to_action_types",
		       ADS_LOC_KEY,
		       "asset_feed_spec allows at most 5 call_to_action_types");
}

/*
 * 003:L6451-6456, L6512: the format needs its assets (CAROUSEL_IMAGE at
 * least two images); 003:L6453: each image has a hash or a url.
 */
static void check_afs_assets(struct ctx *c, const struct ads_resource *r)
{
	json_t *formats = get(c, r, "/asset_feed_spec/ad_formats");
	json_t *images = get(c, r, "/asset_feed_spec/images");
	size_t i, nimages = json_array_size(images);
	json_t *f, *img;

	json_array_foreach(formats, i, f) {
		const char *s = json_string_value(f);

		if (!s)
			continue;
		if ((!strcmp(s, "SINGLE_IMAGE") && !nimages) ||
		    (!strcmp(s, "CAROUSEL_IMAGE") && nimages < 2))
			report(c, r, "/asset_feed_spec/ad_formats",
			       ADS_LOC_VALUE,
			       "ad format %s needs %s in asset_feed_spec "
			       "images",
			       s,
			       !strcmp(s, "SINGLE_IMAGE") ? "an image"
			                                  : "two images");
		if (!strcmp(s, "SINGLE_VIDEO") &&
		    !count(c, r, "/asset_feed_spec/videos"))
			report(c, r, "/asset_feed_spec/ad_formats",
			       ADS_LOC_VALUE,
			       "ad format SINGLE_VIDEO needs a video in "
			       "asset_feed_spec videos");
	}
	json_array_foreach(images, i, img) {
		char ptr[64];

		if (!json_is_object(img) || json_object_get(img, "hash") ||
		    json_object_get(img, "url") || json_object_get(img, "file"))
			continue;
		snprintf(ptr, sizeof(ptr), "/asset_feed_spec/images/%zu", i);
		report(c, r, ptr, ADS_LOC_VALUE,
		       "asset_feed_spec image needs a file, a hash or a url");
	}
}

struct afs_limits {
	size_t per_type, ctas, total;
	size_t title, body, description;
};

/* 003:L6502-6515 (dynamic creative), 003:L7480-7484 (multi-language). */
static const struct afs_limits dc_limits = { 10, 5, 30, 255, 1024, 255 };
static const struct afs_limits language_limits = { 49, 1, 0, 255, 4096, 10000 };

static void check_afs_limits(struct ctx *c, const struct ads_resource *r)
{
	static const struct {
		const char *field;
		size_t dc_max; /* per-type limit in dynamic creative */
		size_t text_limit_index; /* 0 none, 1 title, 2 body, 3 desc */
	} types[] = {
		{ "images", 10, 0 },      { "videos", 10, 0 },
		{ "bodies", 5, 2 },       { "titles", 5, 1 },
		{ "descriptions", 5, 3 }, { "link_urls", 5, 0 },
	};
	const char *sol;
	const struct afs_limits *lim;
	size_t total = 0, nctas;

	if (!has(c, r, "/asset_feed_spec"))
		return;
	sol = afs_solution(c, r);
	if (!strcmp(sol, "LANGUAGE"))
		lim = &language_limits;
	else if (!strcmp(sol, "REGULAR"))
		lim = &dc_limits;
	else
		return; /* other solutions: limits not documented */
	for (size_t t = 0; t < ADS_ARRAY_SIZE(types); t++) {
		char ptr[64];
		json_t *list, *e;
		size_t n, i, max;

		snprintf(ptr, sizeof(ptr), "/asset_feed_spec/%s",
		         types[t].field);
		list = get(c, r, ptr);
		n = json_array_size(list);
		total += n;
		max = lim == &dc_limits ? types[t].dc_max : lim->per_type;
		if (n > max)
			report(c, r, ptr, ADS_LOC_KEY,
			       "asset_feed_spec allows at most %zu %s here, "
			       "not %zu",
			       max, types[t].field, n);
		json_array_foreach(list, i, e) {
			const char *text =
			        json_string_value(json_object_get(e, "text"));
			size_t limit = types[t].text_limit_index == 1
			                       ? lim->title
			               : types[t].text_limit_index == 2
			                       ? lim->body
			                       : lim->description;

			if (!types[t].text_limit_index || !text ||
			    text_length(text) <= limit)
				continue;
			snprintf(ptr, sizeof(ptr),
			         "/asset_feed_spec/%s/%zu/text", types[t].field,
			         i);
			report(c, r, ptr, ADS_LOC_VALUE,
			       "text is %zu characters long; %s allow at most "
			       "%zu",
			       text_length(text), types[t].field, limit);
		}
	}
	nctas = count(c, r, "/asset_feed_spec/call_to_action_types");
	total += nctas + count(c, r, "/asset_feed_spec/ad_formats");
	if (lim->total && total > lim->total)
		report(c, r, "/asset_feed_spec", ADS_LOC_KEY,
		       "asset_feed_spec has %zu assets; at most %zu are "
		       "allowed (ad_formats count as one)",
		       total, lim->total);
	if (lim == &language_limits && nctas != 1)
		report(c, r, "/asset_feed_spec", ADS_LOC_KEY,
		       "multi-language asset_feed_spec needs exactly one "
		       "call_to_action_types entry");
}

/* Collects every adlabel name carried by the assets of an asset feed. */
static void afs_labels(json_t *afs, struct ads_strvec *out)
{
	const char *k;
	json_t *list;

	json_object_foreach(afs, k, list) {
		size_t i;
		json_t *asset;

		if (!json_is_array(list))
			continue;
		json_array_foreach(list, i, asset) {
			size_t j;
			json_t *label;

			json_array_foreach(json_object_get(asset, "adlabels"),
			                   j, label) {
				const char *name = json_string_value(
				        json_object_get(label, "name"));

				if (name)
					ads_strvec_push(out, name);
			}
		}
	}
}

static void check_label_refs(struct ctx *c, const struct ads_resource *r,
                             json_t *obj, const char *ptr,
                             const struct ads_strvec *labels)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		const char *name;
		char *fptr;

		if (!ads_ends_with(k, "_label"))
			continue;
		name = json_string_value(json_object_get(v, "name"));
		if (!name || ads_strvec_contains(labels, name))
			continue;
		fptr = xasprintf("%s/%s/name", ptr, k);
		report(c, r, fptr, ADS_LOC_VALUE,
		       "%s '%s' matches no adlabel of the asset feed's assets",
		       k, name);
		free(fptr);
	}
}

/*
 * 003:L13746 (error 2446173): every label a rule or carousel names is
 * carried by an asset. 003:L7225, L7236: multi-language feeds have
 * exactly one default rule.
 */
static void check_afs_rules(struct ctx *c, const struct ads_resource *r)
{
	json_t *afs = get(c, r, "/asset_feed_spec");
	json_t *rules = get(c, r, "/asset_feed_spec/asset_customization_rules");
	json_t *carousels = get(c, r, "/asset_feed_spec/carousels");
	struct ads_strvec labels = ADS_STRVEC_INIT;
	size_t i, ndefault = 0;
	json_t *rule, *car;

	if (!json_is_object(afs))
		return;
	afs_labels(afs, &labels);
	json_array_foreach(rules, i, rule) {
		char *ptr = xasprintf(
		        "/asset_feed_spec/asset_customization_rules/%zu", i);

		if (json_is_object(rule))
			check_label_refs(c, r, rule, ptr, &labels);
		ndefault += json_is_true(json_object_get(rule, "is_default"));
		free(ptr);
	}
	json_array_foreach(carousels, i, car) {
		size_t j;
		json_t *child;

		json_array_foreach(json_object_get(car, "child_attachments"), j,
		                   child) {
			char *ptr = xasprintf("/asset_feed_spec/carousels/%zu/"
			                      "child_attachments/%zu",
			                      i, j);

			if (json_is_object(child))
				check_label_refs(c, r, child, ptr, &labels);
			free(ptr);
		}
	}
	if (ndefault > 1 || (!ndefault && json_array_size(rules) &&
	                     !strcmp(afs_solution(c, r), "LANGUAGE")))
		report(c, r, "/asset_feed_spec/asset_customization_rules",
		       ADS_LOC_KEY,
		       "a multi-language asset feed needs exactly one rule "
		       "with is_default: true, not %zu",
		       ndefault);
	ads_strvec_release(&labels);
}

/*
 * [I] 003:L6224, L6752: customization rules come at least in pairs; the
 * published single-rule examples (creative-model.md §9.4) make this a
 * warning.
 */
static void check_afs_rule_count(struct ctx *c, const struct ads_resource *r)
{
	size_t n = count(c, r, "/asset_feed_spec/asset_customization_rules");
	const char *sol = afs_solution(c, r);

	if (n == 1 && strcmp(sol, "LANGUAGE") && strcmp(sol, "PLACEMENT"))
		report(c, r, "/asset_feed_spec/asset_customization_rules",
		       ADS_LOC_KEY,
		       "asset customization needs at least two rules");
}

/* --- audiences ------------------------------------------------------------ */

/*
 * creative-model.md §5.3, §7.8.2: only lookalikes have an origin, and
 * their ratio is 0.01 to 0.20. (The schema requires origin and
 * lookalike_spec of a LOOKALIKE.)
 */
static void check_lookalike(struct ctx *c, const struct ads_resource *r)
{
	bool lal = str_is(c, r, "/subtype", "LOOKALIKE");
	double ratio;

	if (!lal && has(c, r, "/subtype") &&
	    (has(c, r, "/origin") || has(c, r, "/origin_audience_id")))
		report(c, r,
		       has(c, r, "/origin") ? "/origin" : "/origin_audience_id",
		       ADS_LOC_KEY, "only LOOKALIKE audiences have an origin");
	if (num_of(c, r, "/lookalike_spec/ratio", &ratio) &&
	    (ratio < 0.01 - 1e-9 || ratio > 0.20 + 1e-9))
		report(c, r, "/lookalike_spec/ratio", ADS_LOC_VALUE,
		       "lookalike ratio must be between 0.01 and 0.20");
}

/* --- identity labels ------------------------------------------------------ */

/*
 * The longest ad label adsctl attaches to r (plan/build.c): its address
 * label, and for a creative the version label after it, whose digest
 * stands as "@<digest12>" in label (computing it is not needed to know
 * its length). Returns the length in characters.
 */
static size_t label_length(struct ads_buf *label, const struct ads_model *m,
                           const struct ads_resource *r)
{
	size_t n;

	ads_buf_reset(label);
	ads_model_label(label, m, r);
	n = text_length(label->buf);
	if (r->kind == ADS_KIND_CREATIVE) {
		ads_buf_addstr(label, "@<digest12>");
		n += 1 + ADS_DIGEST_LABEL_LEN;
	}
	return n;
}

/*
 * Every create carries its label (DESIGN.md §4) and fails when Meta
 * refuses it, which would show only at apply time: the label must fit
 * ADS_LABEL_NAME_MAX (model.h says where that number comes from). A
 * child of an object whose label is too long is not reported again: its
 * label starts with the parent's.
 */
static void check_label_length(struct ctx *c, const struct ads_resource *r)
{
	struct ads_buf label = ADS_BUF_INIT, parent = ADS_BUF_INIT;
	size_t n = label_length(&label, c->m, r);

	if (n > ADS_LABEL_NAME_MAX &&
	    !(r->parent &&
	      label_length(&parent, c->m, r->parent) > ADS_LABEL_NAME_MAX))
		report(c, r, "", ADS_LOC_KEY,
		       "%s '%s' is %zu characters, over the limit of %d: "
		       "shorten the stack name or the keys in the address",
		       r->kind == ADS_KIND_CREATIVE ? "version label"
		                                    : "ad label",
		       label.buf, n, ADS_LABEL_NAME_MAX);
	ads_buf_release(&label);
	ads_buf_release(&parent);
}

/* --- the table ------------------------------------------------------------ */

static const struct rule {
	struct ads_rule_info info;
	void (*check)(struct ctx *c, const struct ads_resource *r);
} rules[] = {
#define RULE(name, kind, sev, src, fn)                            \
	{                                                         \
		{ name, ADS_KIND_##kind, ADS_SEV_##sev, src }, fn \
	}
	RULE("status.create", CAMPAIGN, ERROR, "003:L15680", check_status),
	RULE("status.create", AD_SET, ERROR, "003:L15680", check_status),
	RULE("status.create", AD, ERROR, "003:L15680", check_status),
	RULE("campaign.objective", CAMPAIGN, WARNING, "[I] 003:L10963",
	     check_objective),
	RULE("budget.one_kind", CAMPAIGN, ERROR, "003:L15658",
	     check_one_budget),
	RULE("budget.one_kind", AD_SET, ERROR, "003:L15162", check_one_budget),
	RULE("budget.positive", CAMPAIGN, ERROR, "003:L15163",
	     check_budget_positive),
	RULE("budget.positive", AD_SET, ERROR, "003:L15163",
	     check_budget_positive),
	RULE("budget.campaign_or_ad_set", AD_SET, ERROR, "003:L15658",
	     check_budget_level),
	RULE("budget.required", AD_SET, ERROR, "003:L15163",
	     check_budget_required),
	RULE("budget.sharing", CAMPAIGN, ERROR, "003:L15631",
	     check_budget_sharing),
	RULE("bid.strategy_level", AD_SET, ERROR, "003:L15127",
	     check_bid_strategy_level),
	RULE("bid.amount", AD_SET, ERROR, "003:L15122", check_bid_amount),
	RULE("bid.roas_floor", AD_SET, ERROR, "003:L5242", check_roas_floor),
	RULE("schedule.lifetime_end", AD_SET, ERROR, "003:L15180",
	     check_lifetime_end),
	RULE("schedule.campaign_lifetime_end", AD_SET, WARNING,
	     "[I] creative-model.md §7.1.5", check_campaign_lifetime_end),
	RULE("schedule.order", CAMPAIGN, ERROR, "003:L1280", check_schedule),
	RULE("schedule.order", AD_SET, ERROR, "003:L1280", check_schedule),
	RULE("schedule.daily_duration", AD_SET, ERROR, "003:L15162",
	     check_daily_duration),
	RULE("spend.campaign_budget", AD_SET, ERROR, "003:L15165",
	     check_spend_limits),
	RULE("spend.min_below_cap", AD_SET, WARNING, "[I] §7.2.5",
	     check_spend_order),
	RULE("frequency.goal", AD_SET, ERROR, "003:L15177", check_frequency),
	RULE("targeting.age", AD_SET, ERROR, "creative-model.md §7.4.2",
	     check_age),
	RULE("targeting.geo", AD_SET, ERROR, "003:L15238", check_geo),
	RULE("targeting.positions", AD_SET, WARNING, "[I] 003:L6874",
	     check_positions),
	RULE("dynamic_creative.one_ad", AD_SET, ERROR, "003:L6677",
	     check_dc_one_ad),
	RULE("dynamic_creative.asset_feed", AD, ERROR, "003:L6622",
	     check_dc_creative),
	RULE("asset_feed.basics", CREATIVE, ERROR, "003:L6500",
	     check_afs_basics),
	RULE("asset_feed.assets", CREATIVE, ERROR, "003:L6451",
	     check_afs_assets),
	RULE("asset_feed.limits", CREATIVE, ERROR, "003:L6502",
	     check_afs_limits),
	RULE("asset_feed.labels", CREATIVE, ERROR, "003:L13746",
	     check_afs_rules),
	RULE("asset_feed.rule_count", CREATIVE, WARNING, "[I] 003:L6224",
	     check_afs_rule_count),
	RULE("audience.lookalike", AUDIENCE, ERROR, "creative-model.md §7.8.2",
	     check_lookalike),
	/* adsctl's own labels; the limit is an assumption (model.h) */
	RULE("label.length", CAMPAIGN, ERROR, "DESIGN.md §4",
	     check_label_length),
	RULE("label.length", AD_SET, ERROR, "DESIGN.md §4", check_label_length),
	RULE("label.length", AD, ERROR, "DESIGN.md §4", check_label_length),
	RULE("label.length", CREATIVE, ERROR, "DESIGN.md §4",
	     check_label_length),
#undef RULE
};

const struct ads_rule_info *ads_rule_get(size_t i)
{
	return i < ADS_ARRAY_SIZE(rules) ? &rules[i].info : NULL;
}

void ads_rules_check(const struct ads_model *m, struct ads_diags *diags)
{
	struct ctx c = { .m = m, .diags = diags };

	for (size_t i = 0; i < m->nr; i++) {
		const struct ads_resource *r = m->order[i];

		for (size_t k = 0; k < ADS_ARRAY_SIZE(rules); k++) {
			if (rules[k].info.kind != r->kind)
				continue;
			c.sev = rules[k].info.severity;
			c.rule = rules[k].info.name;
			rules[k].check(&c, r);
			flush(&c);
		}
	}
	free(c.pend);
}
