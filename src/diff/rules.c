/*
 * The diff's one rules table: for each kind and field path, how desired
 * and live values compare, whether Graph can change the field in place,
 * and what a change costs. diff.c and plan/ read it; nothing else decides
 * these things. Fields that are not listed compare by the shape of the
 * declared value (see ads_diff_rule()).
 *
 * Sources: reference/api-semantics.md (§3 the planner matrix, §11.2
 * times, §11.3 server defaults) and reference/creative-model.md (§1
 * object models, §8 read-back quirks), with the seed lines they cite.
 */
#include "diff/diff.h"

#include <string.h>

#include "util/strutil.h"
#include "util/xalloc.h"

#define C ADS_KIND_CAMPAIGN
#define S ADS_KIND_AD_SET
#define A ADS_KIND_AD
#define K ADS_KIND_CREATIVE
#define U ADS_KIND_AUDIENCE

#define IMM ADS_FIELD_IMMUTABLE
#define WO  ADS_FIELD_WRITE_ONLY
#define LRN ADS_FIELD_LEARNING
#define REV ADS_FIELD_REVIEW
#define BUD ADS_FIELD_BUDGET
#define MRG ADS_FIELD_MERGE

static const struct ads_field_rule rules[] = {
	/* --- campaign (creative-model §1.2, api-semantics §3) --------- */
	{ C, "name", ADS_DIFF_SCALAR, 0, "003:L5137" },
	{ C, "status", ADS_DIFF_ENUM, 0, "003:L15680" },
	{ C, "objective", ADS_DIFF_ENUM, IMM,
	  "api-semantics §3: ForceNew (003:L5137-5155 omits it)" },
	{ C, "buying_type", ADS_DIFF_ENUM, IMM, "003:L15654" },
	{ C, "special_ad_categories", ADS_DIFF_SET, 0, "003:L15675" },
	{ C, "special_ad_category_country", ADS_DIFF_SET, 0, "003:L15677" },
	{ C, "daily_budget", ADS_DIFF_MONEY, BUD, "003:L15658; 000:L196" },
	{ C, "lifetime_budget", ADS_DIFF_MONEY, BUD, "003:L15667" },
	{ C, "spend_cap", ADS_DIFF_MONEY, 0, "003:L15678" },
	{ C, "bid_strategy", ADS_DIFF_ENUM, 0, "003:L15638" },
	{ C, "start_time", ADS_DIFF_TIME, 0, "api-semantics §11.2" },
	{ C, "stop_time", ADS_DIFF_TIME, 0, "api-semantics §11.2" },
	{ C, "promoted_object", ADS_DIFF_COMPOUND, MRG, "003:L15673" },
	{ C, "pacing_type", ADS_DIFF_SET, 0, "003:L15209" },
	{ C, "smart_promotion_type", ADS_DIFF_ENUM, 0, "003:L4792" },
	{ C, "source_campaign_id", ADS_DIFF_SCALAR, IMM, "spec: create only" },
	{ C, "topline_id", ADS_DIFF_SCALAR, IMM, "spec: create only" },
	{ C, "adlabels", ADS_DIFF_IGNORE, 0, "identity (DESIGN.md §4)" },

	/* --- ad set (creative-model §1.3) ------------------------------ */
	{ S, "name", ADS_DIFF_SCALAR, 0, "003:L15188" },
	{ S, "status", ADS_DIFF_ENUM, 0, "003:L15237" },
	{ S, "campaign_id", ADS_DIFF_SCALAR, IMM,
	  "api-semantics §3: not an update parameter" },
	{ S, "is_dynamic_creative", ADS_DIFF_SCALAR, IMM, "003:L15178" },
	{ S, "source_adset_id", ADS_DIFF_SCALAR, IMM, "spec: create only" },
	{ S, "daily_budget", ADS_DIFF_MONEY, BUD, "003:L15162; 000:L196" },
	{ S, "lifetime_budget", ADS_DIFF_MONEY, BUD, "003:L15180" },
	{ S, "daily_spend_cap", ADS_DIFF_MONEY, 0, "003:L15166" },
	{ S, "lifetime_spend_cap", ADS_DIFF_MONEY, 0, "003:L15184" },
	{ S, "daily_min_spend_target", ADS_DIFF_MONEY, 0, "003:L15165" },
	{ S, "lifetime_min_spend_target", ADS_DIFF_MONEY, 0, "003:L15183" },
	{ S, "bid_amount", ADS_DIFF_MONEY, 0, "003:L15122: minor units" },
	{ S, "bid_strategy", ADS_DIFF_ENUM, 0, "003:L15123" },
	{ S, "bid_constraints", ADS_DIFF_COMPOUND, MRG, "003:L5239" },
	{ S, "billing_event", ADS_DIFF_ENUM, LRN | REV, "003:L12540" },
	{ S, "optimization_goal", ADS_DIFF_ENUM, LRN | REV, "003:L12540" },
	{ S, "optimization_sub_event", ADS_DIFF_ENUM, 0, "spec" },
	{ S, "destination_type", ADS_DIFF_ENUM, 0, "003:L15167" },
	{ S, "start_time", ADS_DIFF_TIME, 0, "003:L15236" },
	{ S, "end_time", ADS_DIFF_TIME, 0, "003:L15170" },
	{ S, "promoted_object", ADS_DIFF_COMPOUND, MRG, "003:L15210" },
	{ S, "promoted_object.custom_event_type", ADS_DIFF_ENUM, 0, "spec" },
	{ S, "targeting", ADS_DIFF_COMPOUND, MRG | LRN | REV,
	  "003:L12538; server defaults 000:L218-244" },
	{ S, "targeting.geo_locations.countries", ADS_DIFF_SET, 0,
	  "DESIGN.md §5" },
	{ S, "targeting.geo_locations.regions", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.geo_locations.cities", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.geo_locations.zips", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.geo_locations.country_groups", ADS_DIFF_SET, 0,
	  "spec" },
	{ S, "targeting.geo_locations.location_types", ADS_DIFF_SET, 0,
	  "000:L218-244" },
	{ S, "targeting.excluded_geo_locations.countries", ADS_DIFF_SET, 0,
	  "spec" },
	{ S, "targeting.excluded_geo_locations.regions", ADS_DIFF_SET, 0,
	  "spec" },
	{ S, "targeting.excluded_geo_locations.cities", ADS_DIFF_SET, 0,
	  "spec" },
	{ S, "targeting.publisher_platforms", ADS_DIFF_SET, 0, "DESIGN.md §5" },
	{ S, "targeting.facebook_positions", ADS_DIFF_SET, 0, "DESIGN.md §5" },
	{ S, "targeting.instagram_positions", ADS_DIFF_SET, 0, "DESIGN.md §5" },
	{ S, "targeting.audience_network_positions", ADS_DIFF_SET, 0,
	  "DESIGN.md §5" },
	{ S, "targeting.messenger_positions", ADS_DIFF_SET, 0, "DESIGN.md §5" },
	{ S, "targeting.threads_positions", ADS_DIFF_SET, 0, "DESIGN.md §5" },
	{ S, "targeting.device_platforms", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.user_os", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.user_device", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.locales", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.genders", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.interests", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.behaviors", ADS_DIFF_SET, 0, "spec" },
	{ S, "targeting.custom_audiences", ADS_DIFF_SET, 0,
	  "creative-model §8: [{id,name}] on read" },
	{ S, "targeting.excluded_custom_audiences", ADS_DIFF_SET, 0,
	  "creative-model §8" },
	{ S, "targeting.brand_safety_content_filter_levels", ADS_DIFF_SET, 0,
	  "000:L218-244" },
	{ S, "attribution_spec", ADS_DIFF_SET, 0, "003:L5250" },
	{ S, "pacing_type", ADS_DIFF_SET, 0, "003:L15209" },
	{ S, "adset_schedule", ADS_DIFF_SET, 0, "003:L15118" },
	{ S, "regional_regulated_categories", ADS_DIFF_SET, 0, "003:L5194" },
	{ S, "regional_regulation_identities", ADS_DIFF_COMPOUND, MRG, "spec" },
	{ S, "placement_soft_opt_out", ADS_DIFF_COMPOUND, MRG, "spec" },
	{ S, "multi_optimization_goal_weight", ADS_DIFF_ENUM, 0, "spec" },
	{ S, "adlabels", ADS_DIFF_IGNORE, 0, "identity (DESIGN.md §4)" },

	/* --- ad (creative-model §1.4) ---------------------------------- */
	{ A, "name", ADS_DIFF_SCALAR, 0, "003:L5426" },
	{ A, "status", ADS_DIFF_ENUM, 0, "003:L15019" },
	{ A, "adset_id", ADS_DIFF_SCALAR, IMM,
	  "api-semantics §3: not an update parameter" },
	{ A, "source_ad_id", ADS_DIFF_SCALAR, IMM, "spec: create only" },
	{ A, "creative", ADS_DIFF_CREATIVE, LRN | REV, "003:L17246, L12533" },
	{ A, "tracking_specs", ADS_DIFF_SUBSET, 0,
	  "003:L12125: objective defaults merged" },
	{ A, "ad_schedule_start_time", ADS_DIFF_TIME, 0, "003:L14990" },
	{ A, "ad_schedule_end_time", ADS_DIFF_TIME, 0, "003:L14991" },
	{ A, "creative_asset_groups_spec", ADS_DIFF_COMPOUND, REV,
	  "003:L11021" },
	{ A, "bid_amount", ADS_DIFF_MONEY, 0, "003:L14996 (deprecated)" },
	{ A, "adlabels", ADS_DIFF_IGNORE, 0, "identity (DESIGN.md §4)" },

	/* --- creative (creative-model §1.5): immutable but for name and
	 * status; content is compared through its digest label --------- */
	{ K, "name", ADS_DIFF_SCALAR, 0, "003:L17246" },
	{ K, "status", ADS_DIFF_ENUM, 0, "003:L17246" },
	{ K, "content", ADS_DIFF_CONTENT, IMM | LRN | REV,
	  "003:L17246: creatives cannot be edited" },
	{ K, "adlabels", ADS_DIFF_IGNORE, 0, "identity (DESIGN.md §4)" },

	/* --- custom audience (creative-model §1.6, §5) ----------------- */
	{ U, "name", ADS_DIFF_SCALAR, 0, "spec" },
	{ U, "description", ADS_DIFF_DESCRIPTION, 0,
	  "DESIGN.md §4: the marker is adsctl's" },
	{ U, "subtype", ADS_DIFF_ENUM, IMM,
	  "creative-model §1.6: create only" },
	{ U, "origin_audience_id", ADS_DIFF_SCALAR, IMM | WO,
	  "creative-model §1.6" },
	{ U, "lookalike_spec", ADS_DIFF_COMPOUND, IMM,
	  "creative-model §6.2: lookalikes are made anew [I]" },
	{ U, "prefill", ADS_DIFF_SCALAR, IMM, "creative-model §1.6" },
	{ U, "pixel_id", ADS_DIFF_SCALAR, IMM, "spec: create only" },
	{ U, "is_value_based", ADS_DIFF_SCALAR, IMM, "spec: create only" },
	{ U, "customer_file_source", ADS_DIFF_ENUM, 0, "003:L10697" },
	{ U, "members", ADS_DIFF_MEMBERS, 0,
	  "DESIGN.md §4: digest in the marker" },
};

#undef C
#undef S
#undef A
#undef K
#undef U

/*
 * Rules for fields the table does not list, by the declared shape; the
 * second row of each pair is for a creative's content fields, which only
 * a new creative can change.
 */
static const struct ads_field_rule default_compound[2] = {
	{ ADS_KIND_CAMPAIGN, "*", ADS_DIFF_COMPOUND, MRG,
	  "DESIGN.md §5: objects are merged" },
	{ ADS_KIND_CREATIVE, "*", ADS_DIFF_COMPOUND, IMM, "003:L17246" },
};
static const struct ads_field_rule default_list[2] = {
	{ ADS_KIND_CAMPAIGN, "*", ADS_DIFF_LIST, 0, "default" },
	{ ADS_KIND_CREATIVE, "*", ADS_DIFF_LIST, IMM, "003:L17246" },
};
static const struct ads_field_rule default_enum[2] = {
	{ ADS_KIND_CAMPAIGN, "*", ADS_DIFF_ENUM, 0,
	  "DESIGN.md §5: enum case (a value spelled like a constant)" },
	{ ADS_KIND_CREATIVE, "*", ADS_DIFF_ENUM, IMM, "003:L17246" },
};
static const struct ads_field_rule default_scalar[2] = {
	{ ADS_KIND_CAMPAIGN, "*", ADS_DIFF_SCALAR, 0, "default" },
	{ ADS_KIND_CREATIVE, "*", ADS_DIFF_SCALAR, IMM, "003:L17246" },
};

#undef IMM
#undef WO
#undef LRN
#undef REV
#undef BUD
#undef MRG

/* "OUTCOME_SALES", "DE", "SHOP_NOW": what Graph's enum values look like. */
static bool looks_like_enum(const char *s)
{
	if (!*s || !((*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

const struct ads_field_rule *ads_diff_rule(enum ads_kind kind, const char *path,
                                           const json_t *desired)
{
	int content;

	for (size_t i = 0; i < ADS_ARRAY_SIZE(rules); i++)
		if (rules[i].kind == kind && !strcmp(rules[i].path, path))
			return &rules[i];
	content = kind == ADS_KIND_CREATIVE && !strchr(path, '.');
	if (json_is_object(desired))
		return &default_compound[content];
	if (json_is_array(desired))
		return &default_list[content];
	if (json_is_string(desired) &&
	    looks_like_enum(json_string_value(desired)))
		return &default_enum[content];
	return &default_scalar[content];
}

size_t ads_diff_rule_count(void)
{
	return ADS_ARRAY_SIZE(rules);
}

const struct ads_field_rule *ads_diff_rule_at(size_t i)
{
	return i < ADS_ARRAY_SIZE(rules) ? &rules[i] : NULL;
}

static const char *const type_names[] = {
	[ADS_DIFF_SCALAR] = "scalar",
	[ADS_DIFF_MONEY] = "money",
	[ADS_DIFF_TIME] = "time",
	[ADS_DIFF_ENUM] = "enum",
	[ADS_DIFF_SET] = "set",
	[ADS_DIFF_LIST] = "list",
	[ADS_DIFF_SUBSET] = "subset",
	[ADS_DIFF_COMPOUND] = "compound",
	[ADS_DIFF_CREATIVE] = "creative",
	[ADS_DIFF_DESCRIPTION] = "description",
	[ADS_DIFF_MEMBERS] = "members",
	[ADS_DIFF_CONTENT] = "content",
	[ADS_DIFF_IGNORE] = "ignore",
};

const char *ads_diff_type_name(enum ads_diff_type t)
{
	return (unsigned)t < ADS_ARRAY_SIZE(type_names) ? type_names[t]
	                                                : "scalar";
}

int ads_diff_type_parse(enum ads_diff_type *out, const char *name)
{
	for (size_t i = 0; i < ADS_ARRAY_SIZE(type_names); i++)
		if (type_names[i] && !strcmp(type_names[i], name)) {
			*out = (enum ads_diff_type)i;
			return 0;
		}
	return ADS_EINVALID;
}
