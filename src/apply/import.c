/*
 * adsctl import (import.h): reads an account's objects, keeps of each the
 * fields a manifest may declare that differ from what Meta fills in by
 * itself, names them with stable keys, and labels them once the caller
 * has written and validated the manifests.
 */
#include "apply/import.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply/lookup.h"
#include "diff/diff.h"
#include "graph/read.h"
#include "graph/write.h"
#include "live/live.h"
#include "util/embedded.h"
#include "util/json.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Longest key made from a name (keys are addresses: keep them short). */
#define KEY_MAX 40
/* An ad label's name ("adsctl:<stack>:<address>") holds at most
 * ADS_LABEL_NAME_MAX characters (model/model.h): keys get what is left,
 * shared by levels. */

/* The kinds import handles, in the order of their files. */
static const enum ads_kind kinds[] = {
	ADS_KIND_CAMPAIGN, ADS_KIND_AD_SET,   ADS_KIND_AD,
	ADS_KIND_CREATIVE, ADS_KIND_AUDIENCE,
};

/*
 * Fields never written to a manifest although the schema has them: the
 * identity adsctl manages, nesting (a child's parent is where it is
 * written), options of a call, and values Meta computes.
 */
static const char *const never[] = {
	"adlabels",
	"execution_options",
	"ad_sets",
	"ads",
	"campaign_id",
	"adset_id",
	"members",
	"origin",
	"campaign_spec",
	"adset_spec",
	"source_campaign_id",
	"source_adset_id",
	"source_ad_id",
	"draft_adgroup_id",
	"thumbnail_url",
	"object_type",
	"date_format",
	"image_file",
	"include_demolink_hashes",
	"is_dco_internal",
	"topline_id",
};

void ads_import_free(struct ads_import *imp)
{
	if (!imp)
		return;
	for (size_t i = 0; i < imp->nfiles; i++) {
		free(imp->files[i].path);
		json_decref(imp->files[i].root);
	}
	free(imp->files);
	for (size_t i = 0; i < imp->nobjs; i++) {
		free(imp->objs[i].id);
		free(imp->objs[i].address);
		free(imp->objs[i].name);
		free(imp->objs[i].description);
	}
	free(imp->objs);
	free(imp->account);
	free(imp->stack);
	ads_strvec_release(&imp->notes);
	free(imp);
}

/* --- fields ------------------------------------------------------------ */

/* The properties of a kind's schema that Graph also returns on read. */
static void manifest_fields(struct ads_strvec *out, enum ads_kind kind)
{
	char path[64];
	const struct ads_embedded_file *f;
	json_t *schema, *props, *v;
	const char *k;

	snprintf(path, sizeof(path), "schemas/%s.schema.json",
	         ads_kind_name(kind));
	f = ads_embedded_find(path);
	schema = f ? json_loadb(f->data, f->len, 0, NULL) : NULL;
	props = json_object_get(schema, "properties");
	json_object_foreach(props, k, v) {
		bool skip = false;

		for (size_t i = 0; i < ADS_ARRAY_SIZE(never); i++)
			skip |= !strcmp(k, never[i]);
		if (!skip && ads_live_readable(kind, k))
			ads_strvec_push(out, k);
	}
	json_decref(schema);
}

/* The `fields` parameter for reading a kind. */
static char *read_fields(enum ads_kind kind)
{
	struct ads_strvec f = ADS_STRVEC_INIT;
	struct ads_buf b = ADS_BUF_INIT;

	manifest_fields(&f, kind);
	/* audiences have no labels: their marker is in the description */
	ads_buf_addstr(&b, kind == ADS_KIND_AUDIENCE ? "id,name"
	                                             : "id,name,adlabels");
	switch (kind) {
	case ADS_KIND_CAMPAIGN:
		ads_buf_addstr(&b, ",effective_status,created_time");
		break;
	case ADS_KIND_AD_SET:
		ads_buf_addstr(&b, ",effective_status,created_time,"
		                   "campaign_id");
		break;
	case ADS_KIND_AD:
		ads_buf_addstr(&b, ",effective_status,adset_id,creative{id}");
		break;
	case ADS_KIND_AUDIENCE:
		ads_buf_addstr(&b, ",description,subtype");
		break;
	default:
		break;
	}
	for (size_t i = 0; i < f.nr; i++) {
		char pat[96];

		snprintf(pat, sizeof(pat), ",%s,", f.v[i]);
		ads_buf_addch(&b, ',');
		if (!strstr(b.buf, pat))
			ads_buf_addstr(&b, f.v[i]);
		else
			ads_buf_setlen(&b, b.len - 1);
	}
	ads_strvec_release(&f);
	return ads_buf_detach(&b, NULL);
}

static bool json_eq_str(const json_t *v, const char *s)
{
	return json_is_string(v) && !strcmp(json_string_value(v), s);
}

/* Whether v is a list holding exactly the strings of want (any order). */
static bool same_set(const json_t *v, const char *const *want, size_t n)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) != n)
		return false;
	json_array_foreach(v, i, e) {
		bool found = false;

		for (size_t k = 0; k < n; k++)
			found |= json_eq_str(e, want[k]);
		if (!found)
			return false;
	}
	return true;
}

static bool int_is(const json_t *v, int64_t want)
{
	int64_t n;

	return ads_json_as_int64(v, &n) && n == want;
}

/*
 * Targeting as a manifest declares it: without what Meta adds when it is
 * absent (emulator.md "Defaults the emulator adds on read"; 003:L15238),
 * audiences as references or bare ids.
 */
static void clean_targeting(json_t *t, const struct ads_map *audiences)
{
	static const char *const lists[] = { "custom_audiences",
		                             "excluded_custom_audiences" };
	static const char *const safety[] = { "FACEBOOK_STANDARD",
		                              "AN_STANDARD" };
	static const char *const loc[] = { "home", "recent" };
	json_t *geo = json_object_get(t, "geo_locations");
	json_t *ta = json_object_get(t, "targeting_automation");

	if (int_is(json_object_get(t, "age_min"), 18))
		json_object_del(t, "age_min");
	if (int_is(json_object_get(t, "age_max"), 65))
		json_object_del(t, "age_max");
	if (same_set(json_object_get(geo, "location_types"), loc, 2))
		json_object_del(geo, "location_types");
	if (same_set(json_object_get(t, "brand_safety_content_filter_levels"),
	             safety, 2))
		json_object_del(t, "brand_safety_content_filter_levels");
	if (json_is_object(ta) && json_object_size(ta) == 1 &&
	    int_is(json_object_get(ta, "advantage_audience"), 0))
		json_object_del(t, "targeting_automation");
	for (size_t k = 0; k < ADS_ARRAY_SIZE(lists); k++) {
		json_t *l = json_object_get(t, lists[k]), *e;
		size_t i;

		json_array_foreach(l, i, e) {
			const char *id = ads_json_str(e, "id");
			const char *addr =
			        id ? ads_map_get(audiences, id) : NULL;

			if (!id)
				continue;
			json_array_set_new(
			        l, i,
			        addr ? json_pack("{s:s}", "ref", addr)
			             : json_pack("{s:s}", "id", id));
		}
	}
}

/* Meta's attribution for conversion goals: 7-day click, 1-day view. */
static bool default_attribution(const json_t *v)
{
	json_t *a = json_array_get(v, 0), *b = json_array_get(v, 1);

	return json_array_size(v) == 2 &&
	       json_eq_str(json_object_get(a, "event_type"), "CLICK_THROUGH") &&
	       int_is(json_object_get(a, "window_days"), 7) &&
	       json_eq_str(json_object_get(b, "event_type"), "VIEW_THROUGH") &&
	       int_is(json_object_get(b, "window_days"), 1);
}

/* A copy of what a manifest declares of object o of kind. */
static json_t *manifest_of(enum ads_kind kind, const json_t *o,
                           const struct ads_strvec *fields,
                           const struct ads_map *audiences)
{
	json_t *m = json_object();
	const char *created = ads_json_str(o, "created_time");

	/* name first, then the rest in the schema's (sorted) order */
	if (ads_json_str(o, "name"))
		json_object_set_new(m, "name",
		                    json_string(ads_json_str(o, "name")));
	for (size_t i = 0; i < fields->nr; i++) {
		const char *k = fields->v[i];
		json_t *v = json_object_get(o, k);
		int64_t n;

		if (!v || json_is_null(v) || !strcmp(k, "name"))
			continue;
		if (kind == ADS_KIND_CREATIVE && !strcmp(k, "status"))
			continue; /* not a create parameter */
		if (kind == ADS_KIND_AUDIENCE && !strcmp(k, "subtype"))
			continue; /* written first, below */
		v = json_deep_copy(v);
		/* money comes back as strings ("20000"): manifests write
		 * numbers */
		if (ads_diff_rule(kind, k, v)->type == ADS_DIFF_MONEY &&
		    json_is_string(v) && ads_json_as_int64(v, &n)) {
			json_decref(v);
			v = json_integer(n);
		}
		json_object_set_new(m, k, v);
	}
	if (kind == ADS_KIND_AUDIENCE && ads_json_str(o, "subtype")) {
		json_t *sub = json_string(ads_json_str(o, "subtype"));
		json_t *rest = m;

		/* subtype right after the name: it says what the rest is */
		m = json_object();
		if (json_object_get(rest, "name"))
			json_object_set(m, "name",
			                json_object_get(rest, "name"));
		json_object_set_new(m, "subtype", sub);
		json_object_del(rest, "name");
		json_object_update(m, rest);
		json_decref(rest);
	}
	/* what Meta fills in when nothing was given */
	if (created && json_eq_str(json_object_get(m, "start_time"), created))
		json_object_del(m, "start_time");
	switch (kind) {
	case ADS_KIND_CAMPAIGN:
		if (json_eq_str(json_object_get(m, "buying_type"), "AUCTION"))
			json_object_del(m, "buying_type");
		/* Meta's default bid strategy, with or without a budget */
		if (json_eq_str(json_object_get(m, "bid_strategy"),
		                "LOWEST_COST_WITHOUT_CAP"))
			json_object_del(m, "bid_strategy");
		break;
	case ADS_KIND_AD_SET: {
		static const char *const standard[] = { "standard" };
		json_t *t = json_object_get(m, "targeting");

		if (same_set(json_object_get(m, "pacing_type"), standard, 1))
			json_object_del(m, "pacing_type");
		/* the default without a bid amount (a bid cap with one) */
		if (json_eq_str(json_object_get(m, "bid_strategy"),
		                json_object_get(m, "bid_amount")
		                        ? "LOWEST_COST_WITH_BID_CAP"
		                        : "LOWEST_COST_WITHOUT_CAP"))
			json_object_del(m, "bid_strategy");
		if (json_is_object(t))
			clean_targeting(t, audiences);
		if (default_attribution(json_object_get(m, "attribution_spec")))
			json_object_del(m, "attribution_spec");
		break;
	}
	case ADS_KIND_AD: {
		/* Meta adds tracking_specs for the ad set's pixel */
		json_t *ts = json_object_get(m, "tracking_specs");

		if (json_is_array(ts) && json_array_size(ts) == 1 &&
		    json_object_get(json_array_get(ts, 0), "fb_pixel"))
			json_object_del(m, "tracking_specs");
		break;
	}
	case ADS_KIND_CREATIVE: {
		json_t *afs = json_object_get(m, "asset_feed_spec");
		json_t *cma = json_object_get(m, "contextual_multi_ads");

		if (json_is_object(cma) && json_object_size(cma) == 1 &&
		    json_eq_str(json_object_get(cma, "enroll_status"),
		                "OPT_IN"))
			json_object_del(m, "contextual_multi_ads");
		if (json_eq_str(json_object_get(afs, "optimization_type"),
		                "REGULAR"))
			json_object_del(afs, "optimization_type");
		if (json_object_get(afs, "call_to_action_types"))
			json_object_del(afs, "call_to_actions");
		break;
	}
	case ADS_KIND_AUDIENCE: {
		json_t *ls = json_object_get(m, "lookalike_spec");

		json_object_del(ls, "origin");
		json_object_del(ls, "origin_ids");
		break;
	}
	default:
		break;
	}
	return m;
}

/* --- keys ---------------------------------------------------------------- */

/*
 * "Spring Sale 2027!" -> "spring_sale_2027", at most max characters, cut
 * at a word when one ends in the second half; "" for names without any.
 */
static char *slug(const char *name, size_t max)
{
	struct ads_buf b = ADS_BUF_INIT;
	bool sep = false;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (isalnum(*p) && *p < 0x80) {
			if (sep && b.len)
				ads_buf_addch(&b, '_');
			sep = false;
			ads_buf_addch(&b, (char)tolower(*p));
		} else {
			sep = true;
		}
	}
	if (b.len > max) {
		size_t cut = max;

		while (cut > max / 2 && b.buf[cut] != '_')
			cut--;
		ads_buf_setlen(&b, b.buf[cut] == '_' ? cut : max);
	}
	while (b.len && b.buf[b.len - 1] == '_')
		ads_buf_setlen(&b, b.len - 1);
	return ads_buf_detach(&b, NULL);
}

/* The longest key of a level whose address has fixed characters and
 * levels keys (three for an ad: campaign, ad set, ad). */
static size_t key_budget(const char *stack, size_t fixed, size_t levels)
{
	size_t used = strlen("adsctl:") + strlen(stack) + 1 + fixed;
	size_t per = used < ADS_LABEL_NAME_MAX
	                     ? (ADS_LABEL_NAME_MAX - used) / levels
	                     : 0;

	return per < 8 ? 8 : per > KEY_MAX ? KEY_MAX : per;
}

/* Graph ids are decimal: shorter is smaller. */
static int cmp_ids(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

struct keyed {
	char *slug;
	const json_t *obj;
	const char *id;
	char *key; /* owned */
};

static int cmp_keyed(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = strcmp(a->slug, b->slug);

	return c ? c : cmp_ids(a->id, b->id);
}

/*
 * Keys for objs (borrowed JSON objects), unique among them: the slug of
 * each name, or "<kind>_<id>" without one; objects whose names give the
 * same slug get _2, _3... in the order of their ids, so that the same
 * account always gives the same keys. *out: n entries sorted by key.
 */
static struct keyed *make_keys(const json_t *const *objs, size_t n,
                               enum ads_kind kind, size_t max)
{
	struct keyed *k = xcalloc(n ? n : 1, sizeof(*k));
	struct ads_map used = ADS_MAP_INIT;

	for (size_t i = 0; i < n; i++) {
		const char *name = ads_json_str(objs[i], "name");

		k[i].obj = objs[i];
		k[i].id = ads_json_str(objs[i], "id");
		/* room for a "_2" when names collide */
		k[i].slug = slug(name ? name : "", max - 3);
		if (!*k[i].slug) {
			free(k[i].slug);
			k[i].slug = xasprintf("%s_%s", ads_kind_name(kind),
			                      k[i].id);
		}
	}
	qsort(k, n, sizeof(*k), cmp_keyed);
	for (size_t i = 0; i < n; i++) {
		char *key = xstrdup(k[i].slug);

		for (unsigned d = 2; ads_map_has(&used, key); d++) {
			free(key);
			key = xasprintf("%s_%u", k[i].slug, d);
		}
		ads_map_put(&used, key, NULL);
		k[i].key = key;
	}
	ads_map_release(&used, NULL);
	return k;
}

static void free_keys(struct keyed *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(k[i].slug);
		free(k[i].key);
	}
	free(k);
}

/* --- reading ------------------------------------------------------------- */

struct reader {
	struct ads_graph *g;
	const char *account;
	const char *stack;
	struct ads_import *imp;
	json_t *items[ADS_KIND_COUNT]; /* arrays of objects read */
	struct ads_error err;
};

static void read_done(void *ctx, const struct ads_error *err)
{
	struct reader *r = ctx;

	if (err && !ads_error_is_set(&r->err))
		ads_error_copy(&r->err, err);
}

/* Lists an account edge, or reads ids, into r->items[kind]. */
static int submit(struct reader *r, enum ads_kind kind,
                  const struct ads_strvec *ids, struct ads_error *err)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	char *fields = read_fields(kind);
	int rc;

	ads_graph_params_set(&p, "fields", fields);
	free(fields);
	if (ids) {
		json_t *out = json_object();
		struct ads_strvec missing = ADS_STRVEC_INIT;

		/* synchronous: ids are few, and the caller needs them all */
		json_decref(out);
		out = NULL;
		rc = ads_graph_get_ids(&out, &missing, r->g,
		                       (const char *const *)ids->v, ids->nr, &p,
		                       err);
		if (!rc && missing.nr)
			rc = ads_error_set(
			        err, ADS_ENOTFOUND,
			        "%s %s is not in %s (or not readable)",
			        ads_kind_noun(kind), missing.v[0], r->account);
		if (!rc) {
			const char *id;
			json_t *o;

			json_object_foreach(out, id, o)
				json_array_append(r->items[kind], o);
		}
		json_decref(out);
		ads_strvec_release(&missing);
	} else {
		char *path = xasprintf("%s/%s", r->account,
		                       ads_apply_kind_edge(kind));

		rc = ads_graph_list_submit(r->g, path, &p, r->items[kind],
		                           read_done, r, err);
		free(path);
	}
	ads_graph_params_release(&p);
	return rc;
}

static const char *name_of(const json_t *o)
{
	const char *n = ads_json_str(o, "name");

	return n ? n : "";
}

/*
 * Whether o belongs to another stack, or already to this one: then it is
 * left out, with a note.
 */
static bool owned(struct reader *r, enum ads_kind kind, const json_t *o)
{
	const char *id = ads_json_str(o, "id");
	char *stack = NULL, *addr = NULL, members[65];
	char digest[ADS_DIGEST_LABEL_LEN + 1];
	bool found = false;

	if (kind == ADS_KIND_AUDIENCE) {
		const char *d = ads_json_str(o, "description");

		found = d &&
		        ads_live_parse_marker(d, &stack, &addr, members, NULL);
	} else {
		json_t *labels = json_object_get(o, "adlabels"), *l;
		size_t i;

		if (json_is_object(labels))
			labels = json_object_get(labels, "data");
		json_array_foreach(labels, i, l) {
			const char *name = ads_json_str(l, "name");

			if (name &&
			    ads_live_parse_label(name, &stack, &addr, digest)) {
				found = true;
				break;
			}
		}
	}
	if (found)
		ads_strvec_pushf(&r->imp->notes, "%s %s (%s) left out: %s",
		                 ads_kind_noun(kind), id, name_of(o),
		                 strcmp(stack, r->stack)
		                         ? "it belongs to another stack"
		                         : "the stack manages it already");
	free(stack);
	free(addr);
	return found;
}

static bool archived(const json_t *o)
{
	const char *st = ads_json_str(o, "effective_status");

	return st && (!strcmp(st, "ARCHIVED") || !strcmp(st, "DELETED"));
}

static int by_id(const void *a, const void *b)
{
	return cmp_ids(ads_json_str(*(const json_t *const *)a, "id"),
	               ads_json_str(*(const json_t *const *)b, "id"));
}

/* Objects of items[kind] that pass keep, sorted by id. */
static const json_t **
select_objs(struct reader *r, enum ads_kind kind, size_t *n,
            bool (*keep)(struct reader *, const json_t *, const void *),
            const void *ctx)
{
	size_t cap = json_array_size(r->items[kind]), i;
	const json_t **v = xcalloc(cap ? cap : 1, sizeof(*v));
	json_t *o;

	*n = 0;
	json_array_foreach(r->items[kind], i, o) {
		if (!ads_json_str(o, "id") || archived(o) ||
		    owned(r, kind, o) || (keep && !keep(r, o, ctx)))
			continue;
		v[(*n)++] = o;
	}
	qsort(v, *n, sizeof(*v), by_id);
	return v;
}

/* Whether o names its parent (ctx: the field, "campaign_id"...). */
static bool parent_in(struct reader *r, const json_t *o, const void *ctx)
{
	(void)r;
	return ads_json_str(o, ctx) != NULL;
}

static void add_obj(struct ads_import *imp, enum ads_kind kind, const char *id,
                    const char *address, const char *name)
{
	struct ads_import_object *o;

	ADS_ALLOC_GROW(imp->objs, imp->nobjs + 1, imp->alloc_objs);
	o = &imp->objs[imp->nobjs++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->id = xstrdup(id);
	o->address = xstrdup(address);
	o->name = name ? xstrdup(name) : NULL;
}

static void add_file(struct ads_import *imp, char *path, json_t *root)
{
	ADS_ALLOC_GROW(imp->files, imp->nfiles + 1, imp->alloc_files);
	imp->files[imp->nfiles].path = path;
	imp->files[imp->nfiles].root = root;
	imp->nfiles++;
}

/* The creative id an ad reads back ({"creative": {"id"}}). */
static const char *creative_of(const json_t *ad)
{
	return ads_json_str(json_object_get(ad, "creative"), "id");
}

/* Audience ids an ad set's targeting names. */
static void targeted(struct ads_strvec *out, const json_t *set)
{
	static const char *const lists[] = { "custom_audiences",
		                             "excluded_custom_audiences" };
	json_t *t = json_object_get(set, "targeting");

	for (size_t k = 0; k < ADS_ARRAY_SIZE(lists); k++) {
		json_t *l = json_object_get(t, lists[k]), *e;
		size_t i;

		json_array_foreach(l, i, e)
			if (ads_json_str(e, "id") &&
			    !ads_strvec_contains(out, ads_json_str(e, "id")))
				ads_strvec_push(out, ads_json_str(e, "id"));
	}
}

/* Builds imp's files from what was read. */
static int build(struct reader *r, const struct ads_import_select *sel,
                 struct ads_error *err)
{
	struct ads_import *imp = r->imp;
	struct ads_strvec fields[ADS_KIND_COUNT];
	struct ads_map audiences = ADS_MAP_INIT; /* id -> address */
	struct ads_map creatives = ADS_MAP_INIT; /* id -> address */
	struct ads_map camp_ok = ADS_MAP_INIT, set_ok = ADS_MAP_INIT;
	const json_t **camps, **sets, **ads, **crs, **auds;
	size_t ncamps, nsets, nads, ncrs, nauds;
	struct keyed *ck, *rk, *ak;
	size_t per;
	json_t *doc;
	int ret = 0;

	for (size_t k = 0; k < ADS_KIND_COUNT; k++)
		ads_strvec_init(&fields[k]);
	for (size_t k = 0; k < ADS_ARRAY_SIZE(kinds); k++)
		manifest_fields(&fields[kinds[k]], kinds[k]);
	(void)sel;

	camps = select_objs(r, ADS_KIND_CAMPAIGN, &ncamps, NULL, NULL);
	for (size_t i = 0; i < ncamps; i++)
		ads_map_put(&camp_ok, ads_json_str(camps[i], "id"), NULL);
	sets = select_objs(r, ADS_KIND_AD_SET, &nsets, parent_in,
	                   "campaign_id");
	{
		size_t m = 0;

		for (size_t i = 0; i < nsets; i++)
			if (ads_map_has(&camp_ok,
			                ads_json_str(sets[i], "campaign_id")))
				sets[m++] = sets[i];
		nsets = m;
	}
	for (size_t i = 0; i < nsets; i++)
		ads_map_put(&set_ok, ads_json_str(sets[i], "id"), NULL);
	ads = select_objs(r, ADS_KIND_AD, &nads, parent_in, "adset_id");
	{
		size_t m = 0;

		for (size_t i = 0; i < nads; i++)
			if (ads_map_has(&set_ok,
			                ads_json_str(ads[i], "adset_id")))
				ads[m++] = ads[i];
		nads = m;
	}
	crs = select_objs(r, ADS_KIND_CREATIVE, &ncrs, NULL, NULL);
	auds = select_objs(r, ADS_KIND_AUDIENCE, &nauds, NULL, NULL);
	if (!ncamps && !ncrs && !nauds) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "nothing to import from %s: every object "
		                    "is archived, or owned by a stack already",
		                    r->account);
		goto out;
	}

	/* audiences: the keys first, targeting refers to them */
	ak = make_keys(auds, nauds, ADS_KIND_AUDIENCE, KEY_MAX);
	doc = json_object();
	for (size_t i = 0; i < nauds; i++) {
		const json_t *o = ak[i].obj;
		char *addr = xasprintf("audiences.%s", ak[i].key);
		json_t *m = manifest_of(ADS_KIND_AUDIENCE, o,
		                        &fields[ADS_KIND_AUDIENCE], &audiences);
		const char *desc = ads_json_str(o, "description");
		const char *sub = ads_json_str(o, "subtype");

		if (sub && !strcmp(sub, "LOOKALIKE")) {
			/* Meta names the seed in lookalike_spec.origin */
			json_t *orig = json_object_get(
			        json_object_get(o, "lookalike_spec"), "origin");
			const char *oid =
			        ads_json_str(json_array_get(orig, 0), "id");

			if (!oid) {
				ads_strvec_pushf(
				        &imp->notes,
				        "audience %s (%s) left out: the API "
				        "does not say which audience it is a "
				        "lookalike of",
				        ak[i].id, name_of(o));
				json_decref(m);
				free(addr);
				continue;
			}
			json_object_set_new(m, "origin_audience_id",
			                    json_string(oid));
		}
		json_object_set_new(doc, ak[i].key, m);
		add_obj(imp, ADS_KIND_AUDIENCE, ak[i].id, addr,
		        ads_json_str(o, "name"));
		imp->objs[imp->nobjs - 1].description =
		        desc ? xstrdup(desc) : NULL;
		free(addr);
	}
	/* audiences map: id -> address (strings owned by imp->objs) */
	for (size_t i = 0; i < imp->nobjs; i++)
		if (imp->objs[i].kind == ADS_KIND_AUDIENCE)
			ads_map_put(&audiences, imp->objs[i].id,
			            imp->objs[i].address);
	/* origins that are imported too become references */
	{
		const char *k;
		json_t *m;

		json_object_foreach(doc, k, m) {
			const char *oid = ads_json_str(m, "origin_audience_id");
			const char *addr =
			        oid ? ads_map_get(&audiences, oid) : NULL;

			if (addr) {
				json_object_del(m, "origin_audience_id");
				json_object_set_new(
				        m, "origin",
				        json_pack("{s:s}", "ref", addr));
			}
		}
	}
	if (json_object_size(doc))
		add_file(imp, xstrdup("audiences/audiences.yaml"),
		         json_pack("{s:o}", "audiences", doc));
	else
		json_decref(doc);
	free_keys(ak, nauds);

	/* creatives: those the ads use, and those selected */
	/* "creatives.KEY@digest12" */
	rk = make_keys(crs, ncrs, ADS_KIND_CREATIVE,
	               key_budget(imp->stack,
	                          strlen("creatives.@") + ADS_DIGEST_LABEL_LEN,
	                          1));
	doc = json_object();
	for (size_t i = 0; i < ncrs; i++) {
		char *addr = xasprintf("creatives.%s", rk[i].key);

		json_object_set_new(doc, rk[i].key,
		                    manifest_of(ADS_KIND_CREATIVE, rk[i].obj,
		                                &fields[ADS_KIND_CREATIVE],
		                                &audiences));
		add_obj(imp, ADS_KIND_CREATIVE, rk[i].id, addr,
		        ads_json_str(rk[i].obj, "name"));
		free(addr);
	}
	for (size_t i = 0; i < imp->nobjs; i++)
		if (imp->objs[i].kind == ADS_KIND_CREATIVE)
			ads_map_put(&creatives, imp->objs[i].id,
			            imp->objs[i].address);
	if (json_object_size(doc))
		add_file(imp, xstrdup("creatives/creatives.yaml"),
		         json_pack("{s:o}", "creatives", doc));
	else
		json_decref(doc);
	free_keys(rk, ncrs);

	/* campaigns, one file each, with their ad sets and ads nested */
	/* "campaigns.C.ad_sets.S.ads.A" */
	per = key_budget(imp->stack, strlen("campaigns..ad_sets..ads."), 3);
	ck = make_keys(camps, ncamps, ADS_KIND_CAMPAIGN, per);
	for (size_t c = 0; c < ncamps; c++) {
		const char *cid = ck[c].id;
		char *caddr = xasprintf("campaigns.%s", ck[c].key);
		json_t *cm =
		        manifest_of(ADS_KIND_CAMPAIGN, ck[c].obj,
		                    &fields[ADS_KIND_CAMPAIGN], &audiences);
		const json_t **mine = xcalloc(nsets ? nsets : 1, sizeof(*mine));
		size_t nmine = 0;
		struct keyed *sk;
		json_t *setsdoc = json_object();

		add_obj(imp, ADS_KIND_CAMPAIGN, cid, caddr,
		        ads_json_str(ck[c].obj, "name"));
		for (size_t i = 0; i < nsets; i++)
			if (!strcmp(ads_json_str(sets[i], "campaign_id"), cid))
				mine[nmine++] = sets[i];
		sk = make_keys(mine, nmine, ADS_KIND_AD_SET, per);
		for (size_t s = 0; s < nmine; s++) {
			char *saddr =
			        xasprintf("%s.ad_sets.%s", caddr, sk[s].key);
			json_t *sm = manifest_of(ADS_KIND_AD_SET, sk[s].obj,
			                         &fields[ADS_KIND_AD_SET],
			                         &audiences);
			const json_t **its =
			        xcalloc(nads ? nads : 1, sizeof(*its));
			size_t nits = 0;
			struct keyed *adk;
			json_t *adsdoc = json_object();

			add_obj(imp, ADS_KIND_AD_SET, sk[s].id, saddr,
			        ads_json_str(sk[s].obj, "name"));
			for (size_t i = 0; i < nads; i++)
				if (!strcmp(ads_json_str(ads[i], "adset_id"),
				            sk[s].id))
					its[nits++] = ads[i];
			adk = make_keys(its, nits, ADS_KIND_AD, per);
			for (size_t a = 0; a < nits; a++) {
				char *aaddr = xasprintf("%s.ads.%s", saddr,
				                        adk[a].key);
				json_t *am = manifest_of(
				        ADS_KIND_AD, adk[a].obj,
				        &fields[ADS_KIND_AD], &audiences);
				const char *crid = creative_of(adk[a].obj);
				const char *craddr =
				        crid ? ads_map_get(&creatives, crid)
				             : NULL;

				json_object_del(am, "creative");
				if (craddr)
					json_object_set_new(am, "creative",
					                    json_pack("{s:s}",
					                              "ref",
					                              craddr));
				else if (crid)
					json_object_set_new(
					        am, "creative",
					        json_pack("{s:s}",
					                  "creative_id", crid));
				json_object_set_new(adsdoc, adk[a].key, am);
				add_obj(imp, ADS_KIND_AD, adk[a].id, aaddr,
				        ads_json_str(adk[a].obj, "name"));
				free(aaddr);
			}
			if (json_object_size(adsdoc))
				json_object_set_new(sm, "ads", adsdoc);
			else
				json_decref(adsdoc);
			json_object_set_new(setsdoc, sk[s].key, sm);
			free_keys(adk, nits);
			free(its);
			free(saddr);
		}
		if (json_object_size(setsdoc))
			json_object_set_new(cm, "ad_sets", setsdoc);
		else
			json_decref(setsdoc);
		add_file(imp, xasprintf("campaigns/%s.yaml", ck[c].key),
		         json_pack("{s:{s:o}}", "campaigns", ck[c].key, cm));
		free_keys(sk, nmine);
		free(mine);
		free(caddr);
	}
	free_keys(ck, ncamps);
out:
	for (size_t k = 0; k < ADS_KIND_COUNT; k++)
		ads_strvec_release(&fields[k]);
	ads_map_release(&audiences, NULL);
	ads_map_release(&creatives, NULL);
	ads_map_release(&camp_ok, NULL);
	ads_map_release(&set_ok, NULL);
	free(camps);
	free(sets);
	free(ads);
	free(crs);
	free(auds);
	return ret;
}

int ads_import_read(struct ads_import **out, struct ads_graph *g,
                    const char *account, const char *stack,
                    const struct ads_import_select *sel,
                    const struct ads_reporter *reporter, struct ads_error *err)
{
	struct reader r = { .g = g, .account = account, .stack = stack };
	bool picked = sel && (sel->campaigns.nr || sel->audiences.nr ||
	                      sel->creatives.nr);
	struct ads_strvec more = ADS_STRVEC_INIT;
	int ret;

	r.imp = xcalloc(1, sizeof(*r.imp));
	r.imp->account = xstrdup(account);
	r.imp->stack = xstrdup(stack);
	for (size_t k = 0; k < ADS_KIND_COUNT; k++)
		r.items[k] = json_array();
	ads_report(reporter, ADS_REPORT_INFO, "reading %s", account);

	/* 1. campaigns (and, without a selection, everything else) */
	if (picked) {
		ret = sel->campaigns.nr ? submit(&r, ADS_KIND_CAMPAIGN,
		                                 &sel->campaigns, err)
		                        : 0;
		if (!ret && sel->audiences.nr)
			ret = submit(&r, ADS_KIND_AUDIENCE, &sel->audiences,
			             err);
		if (!ret && sel->campaigns.nr) {
			/* the ad sets and ads of the selected campaigns */
			struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
			json_t *byc = NULL;
			static const enum ads_kind sub[] = { ADS_KIND_AD_SET,
				                             ADS_KIND_AD };

			for (size_t k = 0; !ret && k < 2; k++) {
				char *f = read_fields(sub[k]);
				const char *pid;
				json_t *l;

				ads_graph_params_set(&p, "fields", f);
				free(f);
				ret = ads_graph_list_edges(
				        &byc, g,
				        (const char *const *)sel->campaigns.v,
				        sel->campaigns.nr,
				        ads_apply_kind_edge(sub[k]), &p, err);
				json_object_foreach(byc, pid, l)
					json_array_extend(r.items[sub[k]], l);
				json_decref(byc);
				byc = NULL;
			}
			ads_graph_params_release(&p);
		}
	} else {
		for (size_t k = 0; k < ADS_ARRAY_SIZE(kinds); k++) {
			if (kinds[k] == ADS_KIND_CREATIVE)
				continue;
			ret = submit(&r, kinds[k], NULL, err);
			if (ret)
				break;
		}
		if (!ret)
			ret = ads_graph_run(g, err);
		if (!ret && ads_error_is_set(&r.err)) {
			ads_error_copy(err, &r.err);
			ret = r.err.code ? (int)r.err.code : ADS_ERROR;
		}
	}
	if (ret)
		goto out;

	/* 2. the creatives of the ads, the audiences their targeting names */
	{
		size_t i;
		json_t *o;

		json_array_foreach(r.items[ADS_KIND_AD], i, o)
			if (creative_of(o) &&
			    !ads_strvec_contains(&more, creative_of(o)))
				ads_strvec_push(&more, creative_of(o));
		if (sel)
			for (size_t k = 0; k < sel->creatives.nr; k++)
				if (!ads_strvec_contains(&more,
				                         sel->creatives.v[k]))
					ads_strvec_push(&more,
					                sel->creatives.v[k]);
		if (more.nr)
			ret = submit(&r, ADS_KIND_CREATIVE, &more, err);
		ads_strvec_release(&more);
		if (!ret && picked) {
			json_array_foreach(r.items[ADS_KIND_AD_SET], i, o)
				targeted(&more, o);
			json_array_foreach(r.items[ADS_KIND_AUDIENCE], i, o)
				for (size_t k = 0; k < more.nr; k++)
					if (!strcmp(more.v[k],
					            ads_json_str(o, "id"))) {
						free(more.v[k]);
						more.v[k] = more.v[--more.nr];
						more.v[more.nr] = NULL;
						break;
					}
			if (more.nr)
				ret = submit(&r, ADS_KIND_AUDIENCE, &more, err);
		}
	}
	if (ret)
		goto out;
	ret = build(&r, sel, err);
	if (!ret) {
		*out = r.imp;
		r.imp = NULL;
	}
out:
	ads_strvec_release(&more);
	for (size_t k = 0; k < ADS_KIND_COUNT; k++)
		json_decref(r.items[k]);
	ads_error_release(&r.err);
	ads_import_free(r.imp);
	return ret;
}

json_t *ads_import_settings(const struct ads_import *imp,
                            const char *api_version)
{
	json_t *inc = json_array();
	static const char *const dirs[] = { "campaigns", "creatives",
		                            "audiences" };

	for (size_t d = 0; d < ADS_ARRAY_SIZE(dirs); d++) {
		bool any = false;

		for (size_t i = 0; i < imp->nfiles; i++)
			any |= ads_starts_with(imp->files[i].path, dirs[d]);
		if (any)
			json_array_append_new(
			        inc, json_sprintf("%s/*.yaml", dirs[d]));
	}
	return json_pack("{s:s,s:s,s:s,s:o,s:s}", "stack", imp->stack,
	                 "account", imp->account, "api_version",
	                 api_version ? api_version : ADS_DEFAULT_API_VERSION,
	                 "include", inc, "prune", "archive");
}

/* --- labels -------------------------------------------------------------- */

int ads_import_label(size_t *labelled, struct ads_graph *g,
                     const struct ads_import *imp, const struct ads_model *m,
                     struct ads_error *err)
{
	struct ads_graph_writes *w = ads_graph_writes_new(g);
	struct ads_map campaign_of = ADS_MAP_INIT; /* campaign address -> id */
	struct ads_buf b = ADS_BUF_INIT;
	size_t failed = 0;
	const struct ads_error *first = NULL;
	int ret = 0;

	*labelled = 0;
	for (size_t i = 0; i < imp->nobjs; i++)
		if (imp->objs[i].kind == ADS_KIND_CAMPAIGN)
			ads_map_put(&campaign_of, imp->objs[i].address,
			            imp->objs[i].id);
	for (size_t i = 0; i < imp->nobjs; i++) {
		const struct ads_import_object *o = &imp->objs[i];
		const struct ads_resource *r = ads_model_find(m, o->address);
		struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
		struct ads_graph_op_spec spec = {
			.method = "POST",
			.kind = o->kind == ADS_KIND_AD_SET ? ADS_GRAPH_OP_ADSET
			                                   : ADS_GRAPH_OP_OTHER,
			.params = &p,
		};
		struct ads_graph_op *op;
		char *path;

		if (!r) {
			ret = ads_error_set(
			        err, ADS_ERROR,
			        "%s is not in the manifests written",
			        o->address);
			goto out;
		}
		ads_buf_reset(&b);
		if (o->kind == ADS_KIND_AUDIENCE) {
			/* the marker, after the description's own text */
			size_t n = o->description ? strlen(o->description) : 0;

			while (n && o->description[n - 1] == ' ')
				n--;
			if (n)
				ads_buf_addf(&b, "%.*s ", (int)n,
				             o->description);
			ads_model_audience_marker(&b, m, r);
			ads_graph_params_set(&p, "description", b.buf);
			path = xstrdup(o->id);
		} else {
			json_t *labels = json_array();

			ads_model_label(&b, m, r);
			json_array_append_new(
			        labels, json_pack("{s:s}", "name", b.buf));
			if (o->kind == ADS_KIND_CREATIVE) {
				char digest[65];

				ads_resource_content_digest(r, digest);
				ads_buf_addf(&b, "@%.*s", ADS_DIGEST_LABEL_LEN,
				             digest);
				json_array_append_new(
				        labels,
				        json_pack("{s:s}", "name", b.buf));
			}
			ads_graph_params_set_json(&p, "adlabels", labels);
			json_decref(labels);
			path = xasprintf("%s/adlabels", o->id);
		}
		if (o->kind == ADS_KIND_AD_SET) {
			char *parent = xstrndup(
			        o->address,
			        (size_t)(strstr(o->address, ".ad_sets.") -
			                 o->address));

			spec.campaign = ads_map_get(&campaign_of, parent);
			free(parent);
			if (!spec.campaign)
				spec.campaign = o->id;
		}
		spec.path = path;
		ret = ads_graph_writes_add(&op, w, &spec, err);
		free(path);
		ads_graph_params_release(&p);
		if (ret)
			goto out;
	}
	ads_graph_writes_run(w, NULL);
	for (size_t i = 0; i < ads_graph_writes_size(w); i++) {
		struct ads_graph_op *op = ads_graph_writes_op(w, i);

		if (ads_graph_op_outcome(op) == ADS_GRAPH_OK) {
			(*labelled)++;
		} else if (!failed++) {
			first = ads_graph_op_error(op);
		}
	}
	if (failed) {
		ret = ads_error_set(err, ADS_EPARTIAL,
		                    "%zu of %zu objects could not be labelled "
		                    "(run import again with --force)%s%s",
		                    failed, imp->nobjs, first ? ": " : "",
		                    first && first->msg ? first->msg : "");
	}
out:
	ads_buf_release(&b);
	ads_map_release(&campaign_of, NULL);
	ads_graph_writes_free(w);
	return ret;
}
