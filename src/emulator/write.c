/*
 * Graph writes (see write.h). Every handler checks everything first and
 * mutates only after, so that execution_options=["validate_only"] runs
 * the same checks and changes nothing.
 */
#include "emulator/write.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/async.h"
#include "emulator/audience.h"
#include "emulator/read.h"
#include "emulator/spec.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

struct wctx {
	struct emu_ctx *ctx;
	const struct emu_req *req;
	struct emu_resp *resp;
	int64_t now;
	struct ads_emulator_runtime rt;
	bool dry; /* validate_only */
};

/* Parameters every Graph call may carry; never "unknown". */
static const char *const global_params[] = {
	"access_token", "appsecret_proof",
	"fields",       "method",
	"pretty",       "suppress_http_code",
	"format",       "locale",
	"debug",        "redownload",
	"callback",     "include_headers",
	"transport",    "_reqName",
	"_reqSrv",      "_app",
	"batch_app_id", "sdk",
	"date_format", /* the Node SDK posts its node's data, id included */
	"id",           NULL,
};

static bool is_global(const char *k)
{
	for (size_t i = 0; global_params[i]; i++)
		if (!strcmp(global_params[i], k))
			return true;
	return false;
}

/* --- type conversion ------------------------------------------------------ */

static bool is_int_type(const char *t)
{
	return !strcmp(t, "int") || !strcmp(t, "unsigned int") ||
	       !strcmp(t, "int64") || !strcmp(t, "unsigned int64");
}

static bool is_opaque(const char *t)
{
	return !strcmp(t, "Object") || !strcmp(t, "map") ||
	       !strncmp(t, "map<", 4) || !strcmp(t, "list");
}

static bool parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s)
		return false;
	v = strtoll(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

static json_t *conv_scalar_text(json_t *v)
{
	if (json_is_string(v))
		return json_incref(v);
	if (json_is_integer(v))
		return json_sprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return json_sprintf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return json_string(json_is_true(v) ? "true" : "false");
	return NULL;
}

static void type_error(struct emu_resp *resp, const char *name,
                       const char *what)
{
	char blame[256];

	snprintf(blame, sizeof(blame), "%s", name);
	for (char *p = blame; *p; p++)
		if (*p == '[')
			*p = '\0';
	emu_resp_invalid(resp, blame, "(#100) param %s must be %s", name, what);
}

static void enum_error(struct emu_resp *resp, const char *name,
                       const struct emu_enum *e, const char *got)
{
	struct ads_buf b = ADS_BUF_INIT;
	const char *sugg =
	        ads_suggest(got, (const char *const *)e->values, e->n);
	struct emu_err er = { .code = 100, .blame = name };

	for (size_t i = 0; i < e->n; i++)
		ads_buf_addf(&b, "%s%s", i ? ", " : "", e->values[i]);
	if (sugg)
		emu_resp_error(resp, &er,
		               "(#100) param %s must be one of {%s}; got '%s' "
		               "(did you mean '%s'?)",
		               name, b.buf, got, sugg);
	else
		emu_resp_error(resp, &er,
		               "(#100) param %s must be one of {%s}; got '%s'",
		               name, b.buf, got);
	ads_buf_release(&b);
}

json_t *emu_convert(const char *type, json_t *v, const char *name,
                    struct emu_resp *resp)
{
	char inner[160];
	int depth = emu_type_inner(type, inner, sizeof(inner));
	const struct emu_enum *en;
	const struct emu_node *node;

	if (depth > 0) {
		char elem[200];
		json_t *out;
		size_t i;
		json_t *e;

		/* the element type of one list level */
		snprintf(elem, sizeof(elem), "%.*s", (int)strlen(type) - 6,
		         type + 5);
		if (!json_is_array(v)) {
			type_error(resp, name, "an array");
			return NULL;
		}
		out = json_array();
		json_array_foreach(v, i, e) {
			char sub[256];
			json_t *c;

			snprintf(sub, sizeof(sub), "%s[%zu]", name, i);
			c = emu_convert(elem, e, sub, resp);
			if (!c) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, c);
		}
		return out;
	}
	if (!strcmp(type, "string") || !strcmp(type, "file")) {
		json_t *s = conv_scalar_text(v);

		if (!s)
			type_error(resp, name, "a string");
		return s;
	}
	if (is_int_type(type)) {
		int64_t n;

		if (json_is_integer(v))
			n = json_integer_value(v);
		else if (json_is_real(v) &&
		         json_real_value(v) ==
		                 (double)(int64_t)json_real_value(v))
			n = (int64_t)json_real_value(v);
		else if (!json_is_string(v) ||
		         !parse_int(json_string_value(v), &n)) {
			type_error(resp, name, "an integer");
			return NULL;
		}
		if (!strncmp(type, "unsigned", 8) && n < 0) {
			type_error(resp, name, "a non-negative integer");
			return NULL;
		}
		return json_integer(n);
	}
	if (!strcmp(type, "float") || !strcmp(type, "double")) {
		double d;
		char *end;

		if (json_is_number(v))
			return json_real(json_number_value(v));
		if (json_is_string(v)) {
			d = strtod(json_string_value(v), &end);
			if (end != json_string_value(v) && !*end)
				return json_real(d);
		}
		type_error(resp, name, "a number");
		return NULL;
	}
	if (!strcmp(type, "bool")) {
		const char *s = json_string_value(v);

		if (json_is_boolean(v))
			return json_incref(v);
		if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    json_integer_value(v) <= 1)
			return json_boolean(json_integer_value(v));
		if (s && (!strcmp(s, "true") || !strcmp(s, "1")))
			return json_true();
		if (s && (!strcmp(s, "false") || !strcmp(s, "0")))
			return json_false();
		type_error(resp, name, "a boolean");
		return NULL;
	}
	if (!strcmp(type, "datetime")) {
		char buf[32];
		int64_t t;
		json_t *s = conv_scalar_text(v);

		if (!s || !ads_time_parse(json_string_value(s), &t)) {
			json_decref(s);
			type_error(
			        resp, name,
			        "a time such as 2027-03-01T00:00:00+0000 or a "
			        "UNIX timestamp");
			return NULL;
		}
		json_decref(s);
		ads_time_format(t, buf);
		return json_string(buf);
	}
	if ((en = emu_spec_enum(type))) {
		const char *s = json_string_value(v);

		if (!s) {
			type_error(resp, name, "a string");
			return NULL;
		}
		if (!emu_enum_has(en, s)) {
			enum_error(resp, name, en, s);
			return NULL;
		}
		return json_incref(v);
	}
	if (is_opaque(type)) {
		if (!strcmp(type, "list")
		            ? !json_is_array(v)
		            : !json_is_object(v) && !json_is_array(v)) {
			type_error(resp, name, "a JSON object");
			return NULL;
		}
		return json_deep_copy(v);
	}
	if ((node = emu_spec_node(type)) && node->n) {
		const char *k;
		json_t *m, *out;

		if (!json_is_object(v)) {
			type_error(resp, name, "a JSON object");
			return NULL;
		}
		out = json_object();
		json_object_foreach(v, k, m) {
			const struct emu_field *f = emu_spec_field(node, k);
			char sub[256];
			json_t *c;

			snprintf(sub, sizeof(sub), "%s.%s", name, k);
			if (!f) {
				const char *cands[512];
				size_t n = node->n < 512 ? node->n : 512;
				const char *sugg;
				struct emu_err er = { .code = 100,
					              .blame = name };

				for (size_t i = 0; i < n; i++)
					cands[i] = node->fields[i].name;
				sugg = ads_suggest(k, cands, n);
				emu_resp_error(resp, &er,
				               "(#100) param %s is not a valid "
				               "field of %s%s%s%s",
				               sub, type,
				               sugg ? " (did you mean '" : "",
				               sugg ? sugg : "",
				               sugg ? "'?)" : "");
				json_decref(out);
				return NULL;
			}
			if (json_is_null(m))
				continue;
			c = emu_convert(f->type, m, sub, resp);
			if (!c) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, k, c);
		}
		return out;
	}
	/* A type the specs do not describe: accept it as given. */
	return json_deep_copy(v);
}

static bool structured(const char *type)
{
	char inner[160];
	const struct emu_node *n;

	if (emu_type_inner(type, inner, sizeof(inner)) > 0)
		return true;
	if (is_opaque(type))
		return true;
	n = emu_spec_node(type);
	return n && n->n;
}

json_t *emu_convert_raw(const char *type, const char *raw, const char *name,
                        struct emu_resp *resp)
{
	json_t *v, *out;

	if (structured(type)) {
		json_error_t jerr;

		v = json_loads(raw, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
		               &jerr);
		if (!v) {
			char inner[160];

			type_error(resp, name,
			           emu_type_inner(type, inner, sizeof(inner))
			                   ? "a JSON array"
			                   : "a JSON object");
			return NULL;
		}
	} else {
		v = json_string(raw);
		if (!v) {
			type_error(resp, name, "valid UTF-8");
			return NULL;
		}
	}
	out = emu_convert(type, v, name, resp);
	json_decref(v);
	return out;
}

/* --- parameters against an endpoint spec ----------------------------- */

/*
 * Converts every parameter of req for endpoint ep into *out (name -> typed
 * value). create_ep, when given, is the create endpoint of the same kind:
 * a parameter it has but ep lacks cannot be changed after creation.
 * skip lists parameters the caller handles itself.
 */
static bool convert_params(struct wctx *w, const struct emu_endpoint *ep,
                           const struct emu_endpoint *create_ep,
                           const char *const *skip, json_t **out)
{
	json_t *vals = json_object();
	const struct emu_params *p = &w->req->params;

	for (size_t i = 0; i < p->nr; i++) {
		const struct emu_param_kv *kv = &p->v[i];
		const struct emu_param *sp;
		bool skipped = false;
		json_t *v;

		if (is_global(kv->key) || kv->filename)
			continue;
		for (size_t j = 0; skip && skip[j]; j++)
			if (!strcmp(skip[j], kv->key))
				skipped = true;
		if (skipped)
			continue;
		if (emu_params_get(p, kv->key) != kv->val)
			continue; /* a repeated key: the last one wins */
		sp = emu_spec_param(ep, kv->key);
		if (!sp) {
			struct emu_err er = { .code = 100, .blame = kv->key };
			const char *cands[256];
			size_t n = ep->n < 256 ? ep->n : 256;
			const char *sugg;

			if (create_ep && emu_spec_param(create_ep, kv->key)) {
				emu_resp_error(
				        w->resp, &er,
				        "(#100) param %s cannot be changed after "
				        "the object is created",
				        kv->key);
				goto fail;
			}
			for (size_t j = 0; j < n; j++)
				cands[j] = ep->params[j].name;
			sugg = ads_suggest(kv->key, cands, n);
			emu_resp_error(w->resp, &er,
			               "(#100) Invalid parameter: %s is not a "
			               "parameter of this endpoint%s%s%s",
			               kv->key, sugg ? " (did you mean '" : "",
			               sugg ? sugg : "", sugg ? "'?)" : "");
			goto fail;
		}
		v = emu_convert_raw(sp->type, kv->val, kv->key, w->resp);
		if (!v)
			goto fail;
		json_object_set_new(vals, kv->key, v);
	}
	for (size_t i = 0; i < ep->n; i++) {
		const struct emu_param *sp = &ep->params[i];

		if (sp->required && !json_object_get(vals, sp->name) &&
		    !emu_params_get(p, sp->name)) {
			emu_resp_invalid(w->resp, sp->name,
			                 "(#100) The parameter %s is required",
			                 sp->name);
			goto fail;
		}
	}
	*out = vals;
	return true;
fail:
	json_decref(vals);
	return false;
}

static bool require(struct wctx *w, json_t *vals, const char *name)
{
	if (json_object_get(vals, name))
		return true;
	emu_resp_invalid(w->resp, name, "(#100) The parameter %s is required",
	                 name);
	return false;
}

/* execution_options: sets w->dry; false with an error when misused. */
static bool exec_options(struct wctx *w, json_t *vals)
{
	json_t *eo = json_object_get(vals, "execution_options");
	bool validate = false, recs = false, review = false;
	size_t i;
	json_t *v;

	json_array_foreach(eo, i, v) {
		const char *s = json_string_value(v);

		validate |= s && !strcmp(s, "validate_only");
		recs |= s && !strcmp(s, "include_recommendations");
		review |= s && !strcmp(s, "synchronous_ad_review");
	}
	/* 003:L15008-15013, L15659-15663 */
	if (recs && !validate && !review) {
		emu_resp_invalid(w->resp, "execution_options",
		                 "(#100) execution_options: "
		                 "include_recommendations cannot be used by "
		                 "itself");
		return false;
	}
	if (review && !validate) {
		emu_resp_invalid(w->resp, "execution_options",
		                 "(#100) execution_options: "
		                 "synchronous_ad_review must be used with "
		                 "validate_only");
		return false;
	}
	w->dry = validate;
	return true;
}

static const char *vstr(json_t *vals, const char *k)
{
	return json_string_value(json_object_get(vals, k));
}

/* Stores vals into o->f in read-back form: only readable fields. */
static void store_fields(struct emu_obj *o, json_t *vals)
{
	const struct emu_node *node = emu_spec_node(emu_kinds[o->kind].node);
	const char *k;
	json_t *v;

	json_object_foreach(vals, k, v) {
		const struct emu_field *f = emu_spec_field(node, k);

		if (!f || !strcmp(k, "adlabels") || !strcmp(k, "id"))
			continue;
		if (!strcmp(f->type, "string") && json_is_integer(v))
			/* money and ids read back as numeric strings */
			json_object_set_new(
			        o->f, k,
			        json_sprintf("%lld",
			                     (long long)json_integer_value(v)));
		else if (!strcmp(f->type, "string") && json_is_real(v))
			json_object_set_new(
			        o->f, k,
			        json_sprintf("%g", json_real_value(v)));
		else if (json_is_string(v) && emu_spec_node(f->type) &&
		         emu_spec_node(f->type)->n) {
			/* JSON-in-a-string params that read back as structs */
			json_t *j = json_loads(json_string_value(v), 0, NULL);

			json_object_set_new(o->f, k, j ? j : json_incref(v));
		} else {
			json_object_set(o->f, k, v);
		}
	}
}

void emu_touch(struct emu_obj *o, int64_t now)
{
	o->updated = now > o->updated ? now : o->updated + 1;
}

/* --- ad labels ------------------------------------------------------------ */

/*
 * Resolves adlabels=[{"name":…}|{"id":…}] into [{id,name}] (*out), creating
 * labels by name unless w->dry.
 */
static bool resolve_labels(struct wctx *w, struct emu_account *a,
                           json_t *labels, json_t **out)
{
	json_t *res = json_array();
	size_t i;
	json_t *l;

	json_array_foreach(labels, i, l) {
		const char *id = ads_json_str(l, "id");
		const char *name = ads_json_str(l, "name");
		struct emu_obj *lo = NULL;

		if (!json_is_object(l) || (!id && !name)) {
			emu_resp_invalid(
			        w->resp, "adlabels",
			        "(#100) adlabels[%zu] must be an object "
			        "with a name or an id",
			        i);
			goto fail;
		}
		if (id) {
			lo = emu_store_get(&w->ctx->store, id);
			if (!lo || lo->kind != EMU_LABEL || lo->gone ||
			    lo->acct != a) {
				emu_resp_invalid(
				        w->resp, "adlabels",
				        "(#100) Ad label %s does not exist "
				        "in this ad account",
				        id);
				goto fail;
			}
		} else {
			if (!*name || strlen(name) > 100) {
				emu_resp_invalid(
				        w->resp, "adlabels",
				        "(#100) An ad label name must have "
				        "1 to 100 characters");
				goto fail;
			}
			lo = ads_map_get(&a->labels, name);
			if (!lo && !w->dry) {
				lo = emu_store_new(&w->ctx->store, a, EMU_LABEL,
				                   w->now);
				json_object_set_new(lo->f, "name",
				                    json_string(name));
				ads_map_put(&a->labels, name, lo);
			}
		}
		if (lo)
			json_array_append_new(
			        res,
			        json_pack("{s:s,s:s}", "id", lo->id, "name",
			                  ads_json_str(lo->f, "name")));
		else
			json_array_append_new(res,
			                      json_pack("{s:s}", "name", name));
	}
	*out = res;
	return true;
fail:
	json_decref(res);
	return false;
}

/* --- defaults added on read (docs/emulator.md lists them all) ------------ */

static bool json_has(json_t *o, const char *k)
{
	return json_object_get(o, k) != NULL;
}

static void targeting_defaults(struct emu_ctx *ctx, json_t *t,
                               struct emu_account *a)
{
	json_t *geo = json_object_get(t, "geo_locations");
	json_t *ca;

	/* 000:L218-244 and sdk-behaviors §8.2: what Meta adds on read */
	if (!json_has(t, "age_min"))
		json_object_set_new(t, "age_min", json_integer(18));
	if (!json_has(t, "age_max"))
		json_object_set_new(t, "age_max", json_integer(65));
	if (json_is_object(geo) && !json_has(geo, "location_types"))
		json_object_set_new(geo, "location_types",
		                    json_pack("[s,s]", "home", "recent"));
	if (!json_has(t, "brand_safety_content_filter_levels"))
		json_object_set_new(
		        t, "brand_safety_content_filter_levels",
		        json_pack("[s,s]", "FACEBOOK_STANDARD", "AN_STANDARD"));
	if (!json_has(t, "targeting_automation"))
		json_object_set_new(
		        t, "targeting_automation",
		        json_pack("{s:i}", "advantage_audience", 0));
	/* custom audiences read back as [{id,name}] */
	for (int pass = 0; pass < 2; pass++) {
		size_t i;
		json_t *e;

		ca = json_object_get(t, pass ? "excluded_custom_audiences"
		                             : "custom_audiences");
		json_array_foreach(ca, i, e) {
			const char *id = ads_json_str(e, "id");
			struct emu_obj *o =
			        id ? emu_store_get(&ctx->store, id) : NULL;

			if (o && o->acct == a && ads_json_str(o->f, "name"))
				json_object_set_new(e, "name",
				                    json_string(ads_json_str(
				                            o->f, "name")));
		}
	}
}

static bool in_formats(json_t *fmts, const char *want)
{
	size_t i;
	json_t *v;

	json_array_foreach(fmts, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), want))
			return true;
	return false;
}

static void creative_defaults(struct emu_obj *o)
{
	json_t *f = o->f;
	json_t *oss = json_object_get(f, "object_story_spec");
	json_t *afs = json_object_get(f, "asset_feed_spec");
	const char *page = ads_json_str(oss, "page_id");

	if (!json_has(f, "status"))
		json_object_set_new(f, "status", json_string("ACTIVE"));
	if (!json_has(f, "thumbnail_url"))
		json_object_set_new(
		        f, "thumbnail_url",
		        json_sprintf("https://emulator.adsctl.invalid/t/%s.jpg",
		                     o->id));
	if (ads_json_str(f, "object_story_id"))
		json_object_set_new(
		        f, "effective_object_story_id",
		        json_string(ads_json_str(f, "object_story_id")));
	else if (page)
		json_object_set_new(
		        f, "effective_object_story_id",
		        json_sprintf("%s_%llu", page,
		                     (unsigned long long)(o->seq +
		                                          900000000000ULL)));
	if (!json_has(f, "object_type")) {
		const char *t = "SHARE";
		json_t *fmts = json_object_get(afs, "ad_formats");

		if (json_has(oss, "video_data") ||
		    (fmts && in_formats(fmts, "SINGLE_VIDEO")))
			t = "VIDEO";
		else if (json_has(oss, "photo_data"))
			t = "PHOTO";
		else if (json_has(oss, "text_data"))
			t = "STATUS";
		json_object_set_new(f, "object_type", json_string(t));
	}
	if (json_is_object(afs)) {
		json_t *types = json_object_get(afs, "call_to_action_types");

		if (!json_has(afs, "optimization_type"))
			json_object_set_new(afs, "optimization_type",
			                    json_string("REGULAR"));
		if (json_is_array(types) && !json_has(afs, "call_to_actions")) {
			json_t *ctas = json_array();
			size_t i;
			json_t *t;

			json_array_foreach(types, i, t)
				json_array_append_new(
				        ctas, json_pack("{s:O}", "type", t));
			json_object_set_new(afs, "call_to_actions", ctas);
		}
	}
	/* 003:L10569-10603: multi-advertiser ads default to OPT_IN */
	if (!json_has(f, "contextual_multi_ads"))
		json_object_set_new(
		        f, "contextual_multi_ads",
		        json_pack("{s:s}", "enroll_status", "OPT_IN"));
}

void emu_apply_defaults(struct emu_ctx *ctx, struct emu_obj *o)
{
	json_t *f = o->f;

	switch (o->kind) {
	case EMU_CAMPAIGN:
		if (!json_has(f, "buying_type"))
			json_object_set_new(f, "buying_type",
			                    json_string("AUCTION"));
		if (!json_has(f, "bid_strategy") &&
		    (json_has(f, "daily_budget") ||
		     json_has(f, "lifetime_budget")))
			json_object_set_new(
			        f, "bid_strategy",
			        json_string("LOWEST_COST_WITHOUT_CAP"));
		if (!json_has(f, "start_time")) {
			char buf[32];

			ads_time_format(o->created, buf);
			json_object_set_new(f, "start_time", json_string(buf));
		}
		break;
	case EMU_ADSET: {
		json_t *t = json_object_get(f, "targeting");
		const char *goal = ads_json_str(f, "optimization_goal");

		if (json_is_object(t))
			targeting_defaults(ctx, t, o->acct);
		if (!json_has(f, "bid_strategy") && o->parent &&
		    !json_has(o->parent->f, "daily_budget") &&
		    !json_has(o->parent->f, "lifetime_budget"))
			json_object_set_new(
			        f, "bid_strategy",
			        json_string(
			                json_has(f, "bid_amount")
			                        ? "LOWEST_COST_WITH_BID_CAP"
			                        : "LOWEST_COST_WITHOUT_CAP"));
		if (!json_has(f, "start_time")) {
			char buf[32];

			ads_time_format(o->created, buf);
			json_object_set_new(f, "start_time", json_string(buf));
		}
		if (!json_has(f, "pacing_type"))
			json_object_set_new(f, "pacing_type",
			                    json_pack("[s]", "standard"));
		if (goal &&
		    (!strcmp(goal, "OFFSITE_CONVERSIONS") ||
		     !strcmp(goal, "VALUE")) &&
		    !json_has(f, "attribution_spec"))
			json_object_set_new(
			        f, "attribution_spec",
			        json_pack("[{s:s,s:i},{s:s,s:i}]", "event_type",
			                  "CLICK_THROUGH", "window_days", 7,
			                  "event_type", "VIEW_THROUGH",
			                  "window_days", 1));
		break;
	}
	case EMU_AD: {
		const struct emu_obj *as = o->parent;
		const char *pixel =
		        as ? ads_json_str(
		                     json_object_get(as->f, "promoted_object"),
		                     "pixel_id")
		           : NULL;

		/* 003:L12119-12204: objective defaults merged server-side */
		if (pixel && !json_has(f, "tracking_specs"))
			json_object_set_new(f, "tracking_specs",
			                    json_pack("[{s:[s],s:[s]}]",
			                              "action.type",
			                              "offsite_conversion",
			                              "fb_pixel", pixel));
		break;
	}
	case EMU_CREATIVE:
		creative_defaults(o);
		break;
	case EMU_AUDIENCE:
		if (!json_has(f, "subtype"))
			json_object_set_new(f, "subtype",
			                    json_string("CUSTOM"));
		json_object_set_new(f, "operation_status",
		                    json_pack("{s:i,s:s}", "code", 200,
		                              "description", "Normal"));
		json_object_set_new(
		        f, "delivery_status",
		        json_pack("{s:i,s:s}", "code", 200, "description",
		                  "This audience is ready for use."));
		json_object_set_new(f, "time_content_updated",
		                    json_integer(o->updated));
		if (!json_has(f, "data_source"))
			json_object_set_new(
			        f, "data_source",
			        json_pack("{s:s,s:s}", "type",
			                  !strcmp(ads_json_str(f, "subtype"),
			                          "CUSTOM")
			                          ? "FILE_IMPORTED"
			                          : "EVENT_BASED",
			                  "sub_type",
			                  ads_json_str(f, "subtype")));
		break;
	default:
		break;
	}
}

/* --- shared checks ------------------------------------------------------- */

static int api_major(const struct emu_req *req)
{
	return req->version[0] ? atoi(req->version + 1) : 25;
}

static bool merged_int(json_t *m, const char *k, int64_t *out)
{
	*out = 0;
	return ads_json_as_int64(json_object_get(m, k), out);
}

static bool merged_time(json_t *m, const char *k, int64_t *out)
{
	const char *s = ads_json_str(m, k);

	return s && ads_time_parse(s, out);
}

/* A merged view of an object's stored fields and the new values. */
static json_t *merged_view(const struct emu_obj *o, json_t *vals)
{
	json_t *m = o ? json_deep_copy(o->f) : json_object();

	json_object_update(m, vals);
	return m;
}

static bool create_status(struct wctx *w, json_t *vals)
{
	const char *st = vstr(vals, "status");

	/* 003:L15680, L15237, L15019 */
	if (st && strcmp(st, "ACTIVE") && strcmp(st, "PAUSED")) {
		emu_resp_invalid(w->resp, "status",
		                 "(#100) Only ACTIVE and PAUSED are valid "
		                 "statuses during creation; got %s",
		                 st);
		return false;
	}
	return true;
}

static bool budget_floor(struct wctx *w, const struct emu_account *a,
                         const char *field, int64_t v)
{
	if (v > 0 && v < a->min_daily_budget) {
		/* 003:L13739: 1885272 Budget is too low */
		struct emu_err e = { .code = 100,
			             .subcode = 1885272,
			             .blame = field,
			             .title = "Budget Is Too Low" };
		char user[160];

		snprintf(
		        user, sizeof(user),
		        "The budget must be at least %lld (minor units of %s).",
		        (long long)a->min_daily_budget, a->currency);
		e.user_msg = user;
		emu_resp_error(w->resp, &e, "Invalid parameter");
		return false;
	}
	return true;
}

static bool level_conflict(struct wctx *w, const char *blame)
{
	/* 003:L13741: 1885621 */
	struct emu_err e = { .code = 100,
		             .subcode = 1885621,
		             .blame = blame,
		             .title = "Budget Level Conflict",
		             .user_msg =
		                     "You can only set an ad set budget or a "
		                     "campaign budget." };

	emu_resp_error(w->resp, &e, "Invalid parameter");
	return false;
}

static bool has_budget(json_t *f)
{
	int64_t d = 0, l = 0;

	merged_int(f, "daily_budget", &d);
	merged_int(f, "lifetime_budget", &l);
	return d > 0 || l > 0;
}

/* The state rules of 003:L16835-16860 for an update of o. */
static bool state_allows(struct wctx *w, const struct emu_obj *o, json_t *vals)
{
	const char *cur = emu_obj_status(o);
	const char *st = vstr(vals, "status");
	const char *k;
	json_t *v;

	if (o->kind > EMU_AD)
		return true;
	json_object_foreach(vals, k, v) {
		if (!strcmp(k, "name") || !strcmp(k, "execution_options"))
			continue;
		if (!strcmp(cur, "DELETED")) {
			struct emu_err e = { .code = 100, .blame = k };

			if (o->kind == EMU_CAMPAIGN) {
				e.subcode = 1487566; /* 003:L18345 */
				emu_resp_error(
				        w->resp, &e,
				        "This campaign has been deleted, so "
				        "you can only edit the name.");
			} else if (o->kind == EMU_ADSET) {
				e.subcode = 1487056; /* 003:L18343 */
				emu_resp_error(
				        w->resp, &e,
				        "This ad set has been deleted, so "
				        "you can only edit the name.");
			} else {
				emu_resp_error(
				        w->resp, &e,
				        "This ad has been deleted, so you "
				        "can only edit the name.");
			}
			return false;
		}
		if (!strcmp(cur, "ARCHIVED") &&
		    (strcmp(k, "status") ||
		     (st && strcmp(st, "DELETED") && strcmp(st, "ARCHIVED")))) {
			/* 003:L16839, L13736 */
			struct emu_err e = { .code = 100,
				             .subcode = 1885088,
				             .blame = k };

			emu_resp_error(
			        w->resp, &e,
			        "This %s has been archived and can not be "
			        "edited. Only name is allowed to be edited, "
			        "and status only to DELETED.",
			        o->kind == EMU_CAMPAIGN ? "campaign"
			        : o->kind == EMU_ADSET  ? "ad set"
			                                : "ad");
			return false;
		}
	}
	return true;
}

static bool is_dco_ad(const struct emu_obj *o)
{
	return o->kind == EMU_AD && o->parent &&
	       json_is_true(
	               json_object_get(o->parent->f, "is_dynamic_creative"));
}

static bool dco_delete(struct wctx *w)
{
	/* 003:L18337, L6694 */
	struct emu_err e = { .code = 100, .subcode = 1340029 };

	emu_resp_error(w->resp, &e,
	               "Currently deletion of Dynamic Creative Ad is not "
	               "allowed. Please proceed by deleting parent Ad Set");
	return false;
}

static bool end_time_ok(struct wctx *w, json_t *m, const char *field)
{
	int64_t start = w->now, end;

	if (!merged_time(m, field, &end))
		return true;
	merged_time(m, "start_time", &start);
	if (end <= w->now) {
		/* 003:L18342 */
		struct emu_err e = { .code = 100,
			             .subcode = 1487033,
			             .blame = field };

		emu_resp_error(w->resp, &e,
		               "Your end date must be in the future. Please "
		               "choose a different end date and try again.");
		return false;
	}
	if (end <= start) {
		emu_resp_invalid(w->resp, field,
		                 "(#100) %s must be after start_time", field);
		return false;
	}
	return true;
}

/* --- campaigns ------------------------------------------------------------ */

static bool check_campaign(struct wctx *w, struct emu_account *a,
                           const struct emu_obj *o, json_t *vals)
{
	json_t *m = merged_view(o, vals);
	int64_t d = 0, l = 0, cap = 0;
	bool ok = false;

	merged_int(m, "daily_budget", &d);
	merged_int(m, "lifetime_budget", &l);
	if (d > 0 && l > 0) {
		emu_resp_invalid(
		        w->resp, "lifetime_budget",
		        "(#100) A campaign can have a daily_budget or a "
		        "lifetime_budget, not both");
		goto out;
	}
	if (!budget_floor(w, a, "daily_budget", d))
		goto out;
	/* 003:L15658: budget at the campaign or the ad set level */
	if (o &&
	    (json_object_get(vals, "daily_budget") ||
	     json_object_get(vals, "lifetime_budget")) &&
	    (d > 0 || l > 0)) {
		for (size_t i = 0; i < o->kids.nr; i++) {
			const struct emu_obj *as = o->kids.v[i];

			if (strcmp(emu_obj_status(as), "DELETED") &&
			    has_budget(as->f)) {
				level_conflict(w, "daily_budget");
				goto out;
			}
		}
	}
	if (!o && d <= 0 && l <= 0 && w->rt.require_budget_sharing_flag &&
	    api_major(w->req) >= 24 &&
	    !json_object_get(vals, "is_adset_budget_sharing_enabled")) {
		/* v24+: explicit when ad sets carry the budgets (003:L15631) */
		struct emu_err e = {
			.code = 100,
			.subcode = 4834011,
			.blame = "is_adset_budget_sharing_enabled"
		};

		emu_resp_error(w->resp, &e,
		               "(#100) Must specify True or False in "
		               "is_adset_budget_sharing_enabled field if not "
		               "using campaign budget");
		goto out;
	}
	if (merged_int(m, "spend_cap", &cap) && cap > 0 && cap < 10000 &&
	    json_object_get(vals, "spend_cap")) {
		/* 003:L15678, L13745 */
		struct emu_err e = { .code = 100,
			             .subcode = 2446307,
			             .blame = "spend_cap" };

		emu_resp_error(w->resp, &e,
		               "Campaign group spend cap is less than minimum");
		goto out;
	}
	if (json_object_get(vals, "stop_time") &&
	    !end_time_ok(w, m, "stop_time"))
		goto out;
	ok = true;
out:
	json_decref(m);
	return ok;
}

/* --- targeting and ad sets --------------------------------------------- */

static bool check_targeting(struct wctx *w, struct emu_account *a, json_t *t)
{
	json_t *geo = json_object_get(t, "geo_locations");
	json_t *lt = json_object_get(geo, "location_types");
	int64_t amin = 18, amax = 65;
	const char *k;
	json_t *v;
	bool any = false;

	json_object_foreach(geo, k, v)
		if (strcmp(k, "location_types") &&
		    ((json_is_array(v) && json_array_size(v)) ||
		     json_is_object(v)))
			any = true;
	/* 003:L15238: "countries" is required */
	if (!any) {
		emu_resp_invalid(w->resp, "targeting.geo_locations",
		                 "(#100) targeting.geo_locations must name at "
		                 "least one location (e.g. countries)");
		return false;
	}
	if (lt) {
		size_t i;
		json_t *e;
		bool home = false, recent = false, other = false;

		json_array_foreach(lt, i, e) {
			const char *s = json_string_value(e);

			home |= s && !strcmp(s, "home");
			recent |= s && !strcmp(s, "recent");
			other |= !s ||
			         (strcmp(s, "home") && strcmp(s, "recent"));
		}
		if (other || !home || !recent) {
			/* 003:L13732 */
			struct emu_err e2 = {
				.code = 100,
				.subcode = 1870199,
				.blame =
				        "targeting.geo_locations.location_types"
			};

			emu_resp_error(
			        w->resp, &e2,
			        "All location targeting will now reach "
			        "people living in or recently in the "
			        "locations you selected. Please remove all "
			        "values from the location_types field.");
			return false;
		}
	}
	ads_json_as_int64(json_object_get(t, "age_min"), &amin);
	ads_json_as_int64(json_object_get(t, "age_max"), &amax);
	if (amin < 13 || amin > 65 || amax < 13 || amax > 65 || amin > amax) {
		emu_resp_invalid(w->resp, "targeting.age_min",
		                 "(#100) targeting ages must be between 13 and "
		                 "65 with age_min <= age_max");
		return false;
	}
	{
		size_t i;
		json_t *g;

		json_array_foreach(json_object_get(t, "genders"), i, g) {
			int64_t n = 0;

			if (!ads_json_as_int64(g, &n) || (n != 1 && n != 2)) {
				emu_resp_invalid(
				        w->resp, "targeting.genders",
				        "(#100) targeting.genders may only "
				        "contain 1 and 2");
				return false;
			}
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *fname =
		        pass ? "excluded_custom_audiences" : "custom_audiences";
		size_t i;
		json_t *e;

		json_array_foreach(json_object_get(t, fname), i, e) {
			const char *id = ads_json_str(e, "id");
			struct emu_obj *o =
			        id ? emu_store_get(&w->ctx->store, id) : NULL;

			if (!o || o->kind != EMU_AUDIENCE || o->gone ||
			    o->acct != a) {
				char blame[64];

				snprintf(blame, sizeof(blame), "targeting.%s",
				         fname);
				emu_resp_invalid(
				        w->resp, blame,
				        "(#100) Invalid custom audience %s "
				        "in targeting.%s: it does not exist "
				        "in this ad account",
				        id ? id : "(no id)", fname);
				return false;
			}
		}
	}
	return true;
}

static bool goal_needs(struct wctx *w, json_t *po, const char *goal)
{
	const char *need = NULL;

	/* 003:L15210-15233 */
	if (!strcmp(goal, "OFFSITE_CONVERSIONS") || !strcmp(goal, "VALUE")) {
		if (!ads_json_str(po, "pixel_id") &&
		    !ads_json_str(po, "application_id") &&
		    !ads_json_str(po, "offline_conversion_data_set_id") &&
		    !ads_json_str(po, "custom_conversion_id") &&
		    !ads_json_str(po, "event_id") &&
		    !ads_json_str(po, "product_set_id") &&
		    !json_object_get(po, "omnichannel_object"))
			need = "a pixel_id (with custom_event_type), an "
			       "application_id or another conversion source";
	} else if (!strcmp(goal, "APP_INSTALLS")) {
		if (!ads_json_str(po, "application_id") ||
		    !ads_json_str(po, "object_store_url"))
			need = "application_id and object_store_url";
	} else if (!strcmp(goal, "LEAD_GENERATION") ||
	           !strcmp(goal, "PAGE_LIKES")) {
		if (!ads_json_str(po, "page_id"))
			need = "page_id";
	}
	if (need) {
		emu_resp_invalid(w->resp, "promoted_object",
		                 "(#100) optimization_goal %s requires a "
		                 "promoted_object with %s",
		                 goal, need);
		return false;
	}
	return true;
}

static bool check_adset(struct wctx *w, struct emu_account *a,
                        const struct emu_obj *o, const struct emu_obj *camp,
                        json_t *vals)
{
	json_t *m = merged_view(o, vals);
	bool cbo = has_budget(camp->f);
	int64_t d = 0, l = 0, bid = 0, camp_l = 0, start = w->now, end = 0;
	const char *bs = ads_json_str(m, "bid_strategy");
	const char *goal = ads_json_str(m, "optimization_goal");
	const char *bill = ads_json_str(m, "billing_event");
	bool ok = false;

	merged_int(m, "daily_budget", &d);
	merged_int(m, "lifetime_budget", &l);
	merged_int(camp->f, "lifetime_budget", &camp_l);
	if (cbo && (d > 0 || l > 0)) {
		level_conflict(w, d > 0 ? "daily_budget" : "lifetime_budget");
		goto out;
	}
	if (!cbo && d <= 0 && l <= 0) {
		/* 003:L15162-15163 */
		emu_resp_invalid(
		        w->resp, "daily_budget",
		        "(#100) Either daily_budget or lifetime_budget "
		        "must be greater than 0 (the campaign has no "
		        "budget)");
		goto out;
	}
	if (d > 0 && l > 0) {
		emu_resp_invalid(
		        w->resp, "lifetime_budget",
		        "(#100) An ad set can have a daily_budget or a "
		        "lifetime_budget, not both");
		goto out;
	}
	if (!budget_floor(w, a, "daily_budget", d))
		goto out;
	if ((l > 0 || camp_l > 0) && !ads_json_str(m, "end_time")) {
		/* 003:L15170, L15180 */
		emu_resp_invalid(w->resp, "end_time",
		                 "(#100) end_time is required with a lifetime "
		                 "budget");
		goto out;
	}
	if ((json_object_get(vals, "end_time") ||
	     json_object_get(vals, "start_time")) &&
	    !end_time_ok(w, m, "end_time"))
		goto out;
	merged_time(m, "start_time", &start);
	if (d > 0 && merged_time(m, "end_time", &end) &&
	    end - start <= 24 * 3600) {
		/* 003:L15162 */
		emu_resp_invalid(w->resp, "daily_budget",
		                 "(#100) A daily_budget needs an ad set that "
		                 "runs longer than 24 hours");
		goto out;
	}
	if (!bs && cbo)
		bs = ads_json_str(camp->f, "bid_strategy");
	if (bs &&
	    (!strcmp(bs, "LOWEST_COST_WITH_BID_CAP") ||
	     !strcmp(bs, "COST_CAP")) &&
	    !merged_int(m, "bid_amount", &bid)) {
		/* 003:L15122 */
		emu_resp_invalid(
		        w->resp, "bid_amount",
		        "(#100) bid_amount is required when bid_strategy "
		        "is %s",
		        bs);
		goto out;
	}
	if (bs && !strcmp(bs, "LOWEST_COST_WITH_MIN_ROAS") &&
	    !json_object_get(json_object_get(m, "bid_constraints"),
	                     "roas_average_floor")) {
		/* 003:L5239-5242 */
		emu_resp_invalid(w->resp, "bid_constraints",
		                 "(#100) bid_constraints.roas_average_floor is "
		                 "required with LOWEST_COST_WITH_MIN_ROAS");
		goto out;
	}
	if (merged_int(m, "bid_amount", &bid) && bid < 1) {
		emu_resp_invalid(w->resp, "bid_amount",
		                 "(#100) bid_amount must be at least 1");
		goto out;
	}
	if (!o && (!require(w, m, "billing_event") ||
	           !require(w, m, "optimization_goal") ||
	           !require(w, m, "targeting")))
		goto out;
	if (bill && goal && !strcmp(bill, "APP_INSTALLS") &&
	    !strcmp(goal, "APP_INSTALLS")) {
		/* 003:L15099 */
		emu_resp_invalid(
		        w->resp, "billing_event",
		        "(#100) The billing event cannot be App Install "
		        "if the Optimization goal is App Install");
		goto out;
	}
	if (bill && goal && !strcmp(bill, "THRUPLAY") &&
	    strcmp(goal, "THRUPLAY")) {
		emu_resp_invalid(w->resp, "billing_event",
		                 "(#100) billing_event THRUPLAY requires "
		                 "optimization_goal THRUPLAY");
		goto out;
	}
	if (goal &&
	    (json_object_get(vals, "optimization_goal") ||
	     json_object_get(vals, "promoted_object") || !o) &&
	    !goal_needs(w, json_object_get(m, "promoted_object"), goal))
		goto out;
	if (json_object_get(vals, "frequency_control_specs") && goal &&
	    strcmp(goal, "REACH") && strcmp(goal, "THRUPLAY")) {
		/* 003:L15177 */
		emu_resp_invalid(w->resp, "frequency_control_specs",
		                 "(#100) frequency_control_specs needs "
		                 "optimization_goal REACH or THRUPLAY");
		goto out;
	}
	if (json_object_get(vals, "targeting") &&
	    !check_targeting(w, a, json_object_get(vals, "targeting")))
		goto out;
	ok = true;
out:
	json_decref(m);
	return ok;
}

/* --- creatives ------------------------------------------------------------ */

static bool image_exists(struct wctx *w, struct emu_account *a,
                         const char *hash, const char *blame)
{
	struct emu_obj *img = ads_map_get(&a->images, hash);

	if (!img || img->gone) {
		emu_resp_invalid(
		        w->resp, blame,
		        "(#100) Image with hash %s was not found in this "
		        "ad account; upload it to adimages first",
		        hash);
		return false;
	}
	return true;
}

static bool video_exists(struct wctx *w, struct emu_account *a, const char *id,
                         const char *blame)
{
	struct emu_obj *v = emu_store_get(&w->ctx->store, id);

	/* 003:L1210-1212: the video must belong to the ad account */
	if (!v || v->kind != EMU_VIDEO || v->gone || v->acct != a) {
		emu_resp_invalid(
		        w->resp, blame,
		        "(#100) Video %s is not associated with this ad "
		        "account",
		        id);
		return false;
	}
	return true;
}

static bool check_media_list(struct wctx *w, struct emu_account *a,
                             json_t *list, const char *hkey, const char *vkey,
                             const char *blame)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) {
		const char *h = hkey ? ads_json_str(e, hkey) : NULL;
		const char *v = vkey ? ads_json_str(e, vkey) : NULL;

		if (h && !image_exists(w, a, h, blame))
			return false;
		if (v && !video_exists(w, a, v, blame))
			return false;
	}
	return true;
}

static bool check_creative(struct wctx *w, struct emu_account *a, json_t *vals)
{
	json_t *oss = json_object_get(vals, "object_story_spec");
	json_t *afs = json_object_get(vals, "asset_feed_spec");
	static const char *const kinds[] = { "link_data", "photo_data",
		                             "video_data", "text_data",
		                             "template_data" };
	int nkinds = 0;

	if (!oss && !afs && !json_object_get(vals, "object_story_id") &&
	    !json_object_get(vals, "source_instagram_media_id") &&
	    !json_object_get(vals, "product_set_id")) {
		emu_resp_invalid(
		        w->resp, "object_story_spec",
		        "(#100) The creative needs content: "
		        "object_story_spec, object_story_id, "
		        "asset_feed_spec or source_instagram_media_id");
		return false;
	}
	if (oss) {
		if (!ads_json_str(oss, "page_id")) {
			emu_resp_invalid(w->resp, "object_story_spec.page_id",
			                 "(#100) object_story_spec.page_id is "
			                 "required");
			return false;
		}
		for (size_t i = 0; i < ADS_ARRAY_SIZE(kinds); i++)
			nkinds += json_object_get(oss, kinds[i]) != NULL;
		if (nkinds > 1 || (!nkinds && !afs)) {
			emu_resp_invalid(
			        w->resp, "object_story_spec",
			        "(#100) object_story_spec needs exactly one "
			        "of link_data, photo_data, video_data, "
			        "text_data or template_data");
			return false;
		}
	}
	{
		json_t *ld = json_object_get(oss, "link_data");
		json_t *vd = json_object_get(oss, "video_data");
		json_t *pd = json_object_get(oss, "photo_data");
		json_t *kids = json_object_get(ld, "child_attachments");

		if (ld && !afs && !ads_json_str(ld, "link")) {
			emu_resp_invalid(w->resp,
			                 "object_story_spec.link_data.link",
			                 "(#100) link_data.link is required");
			return false;
		}
		if (ld && ads_json_str(ld, "image_hash") &&
		    !image_exists(w, a, ads_json_str(ld, "image_hash"),
		                  "object_story_spec.link_data.image_hash"))
			return false;
		if (pd && ads_json_str(pd, "image_hash") &&
		    !image_exists(w, a, ads_json_str(pd, "image_hash"),
		                  "object_story_spec.photo_data.image_hash"))
			return false;
		if (kids &&
		    (json_array_size(kids) < 2 || json_array_size(kids) > 10)) {
			/* 003:L1748-1756 */
			emu_resp_invalid(w->resp,
			                 "object_story_spec.link_data."
			                 "child_attachments",
			                 "(#100) A carousel needs 2 to 10 "
			                 "child_attachments");
			return false;
		}
		if (!check_media_list(w, a, kids, "image_hash", "video_id",
		                      "object_story_spec.link_data."
		                      "child_attachments"))
			return false;
		if (vd) {
			const char *vid = ads_json_str(vd, "video_id");

			if (!vid) {
				emu_resp_invalid(
				        w->resp,
				        "object_story_spec.video_data.video_id",
				        "(#100) video_data.video_id is required");
				return false;
			}
			if (!video_exists(w, a, vid,
			                  "object_story_spec.video_data."
			                  "video_id"))
				return false;
			if (!ads_json_str(vd, "image_url") &&
			    !ads_json_str(vd, "image_hash")) {
				emu_resp_invalid(
				        w->resp, "object_story_spec.video_data",
				        "(#100) video_data needs a thumbnail: "
				        "image_url or image_hash");
				return false;
			}
			if (ads_json_str(vd, "image_hash") &&
			    !image_exists(w, a, ads_json_str(vd, "image_hash"),
			                  "object_story_spec.video_data."
			                  "image_hash"))
				return false;
		}
	}
	if (ads_json_str(vals, "image_hash") &&
	    !image_exists(w, a, ads_json_str(vals, "image_hash"), "image_hash"))
		return false;
	if (afs) {
		json_t *fmts = json_object_get(afs, "ad_formats");
		const char *opt = ads_json_str(afs, "optimization_type");
		json_t *imgs = json_object_get(afs, "images");
		json_t *vids = json_object_get(afs, "videos");
		size_t i;
		json_t *e;

		/* 003:L6500: exactly one ad format */
		if (json_array_size(fmts) != 1 &&
		    !(opt && !strcmp(opt, "FORMAT_AUTOMATION"))) {
			emu_resp_invalid(
			        w->resp, "asset_feed_spec.ad_formats",
			        "(#100) asset_feed_spec.ad_formats must "
			        "contain exactly one format");
			return false;
		}
		/* 003:L6465-6476 */
		if (!json_array_size(json_object_get(afs, "link_urls"))) {
			emu_resp_invalid(
			        w->resp, "asset_feed_spec.link_urls",
			        "(#100) asset_feed_spec.link_urls must not "
			        "be empty");
			return false;
		}
		json_array_foreach(imgs, i, e) {
			if (!ads_json_str(e, "hash") &&
			    !ads_json_str(e, "url")) {
				emu_resp_invalid(
				        w->resp, "asset_feed_spec.images",
				        "(#100) asset_feed_spec.images[%zu] "
				        "needs a hash or a url",
				        i);
				return false;
			}
		}
		if (!check_media_list(w, a, imgs, "hash", NULL,
		                      "asset_feed_spec.images") ||
		    !check_media_list(w, a, vids, NULL, "video_id",
		                      "asset_feed_spec.videos"))
			return false;
		if (fmts && in_formats(fmts, "SINGLE_IMAGE") &&
		    !json_array_size(imgs)) {
			emu_resp_invalid(w->resp, "asset_feed_spec.images",
			                 "(#100) SINGLE_IMAGE needs "
			                 "asset_feed_spec.images");
			return false;
		}
		if (fmts && in_formats(fmts, "CAROUSEL_IMAGE") &&
		    json_array_size(imgs) < 2) {
			emu_resp_invalid(
			        w->resp, "asset_feed_spec.images",
			        "(#100) CAROUSEL_IMAGE needs at least two "
			        "asset_feed_spec.images");
			return false;
		}
		if (fmts && in_formats(fmts, "SINGLE_VIDEO") &&
		    !json_array_size(vids)) {
			emu_resp_invalid(w->resp, "asset_feed_spec.videos",
			                 "(#100) SINGLE_VIDEO needs "
			                 "asset_feed_spec.videos");
			return false;
		}
	}
	return true;
}

/* --- responses --------------------------------------------------------------
 */

static void respond_created(struct wctx *w, const struct emu_obj *o)
{
	struct emu_fsel *sel = NULL;
	json_t *out;

	/* read-after-write (003:L14809): `fields` on a create */
	if (emu_params_get(&w->req->params, "fields")) {
		if (!emu_req_fields(w->req, &sel, w->resp))
			return;
		out = emu_project(w->ctx, w->req, o, sel, w->resp);
		emu_fsel_free(sel);
		if (!out)
			return;
		json_object_set_new(out, "id", json_string(o->id));
	} else {
		out = json_pack("{s:s}", "id", o->id);
	}
	emu_resp_json(w->resp, 200, out);
}

static void respond_success(struct wctx *w)
{
	emu_resp_json(w->resp, 200, json_pack("{s:b}", "success", 1));
}

/* Common tail of every create: labels, status, defaults, parent. */
static struct emu_obj *commit_new(struct wctx *w, struct emu_account *a,
                                  enum emu_kind kind, json_t *vals,
                                  json_t *labels, struct emu_obj *parent)
{
	struct emu_obj *o = emu_store_new(&w->ctx->store, a, kind, w->now);

	store_fields(o, vals);
	if (labels)
		json_object_set(o->f, "adlabels", labels);
	if (kind <= EMU_AD && !json_object_get(o->f, "status"))
		json_object_set_new(o->f, "status", json_string("ACTIVE"));
	o->parent = parent;
	if (parent) {
		emu_objvec_push(&parent->kids, o);
		if (kind == EMU_AD && parent->parent)
			emu_objvec_push(&parent->parent->ads, o);
	}
	return o;
}

static bool labels_of(struct wctx *w, struct emu_account *a, json_t *vals,
                      json_t **labels)
{
	json_t *l = json_object_get(vals, "adlabels");

	*labels = NULL;
	return !l || resolve_labels(w, a, l, labels);
}

/* --- creates ---------------------------------------------------------- */

static void create_campaign(struct wctx *w, struct emu_account *a)
{
	const struct emu_endpoint *ep =
	        emu_spec_endpoint("AdAccount", "POST", "campaigns");
	json_t *vals = NULL, *labels = NULL;
	struct emu_obj *o;

	if (!convert_params(w, ep, NULL, NULL, &vals) || !exec_options(w, vals))
		goto out;
	/* 003:L782-789: name, objective and status */
	if (!require(w, vals, "name") || !require(w, vals, "objective") ||
	    !create_status(w, vals) || !check_campaign(w, a, NULL, vals) ||
	    !labels_of(w, a, vals, &labels))
		goto out;
	if (w->dry) {
		respond_success(w);
		goto out;
	}
	o = commit_new(w, a, EMU_CAMPAIGN, vals, labels, NULL);
	emu_apply_defaults(w->ctx, o);
	respond_created(w, o);
out:
	json_decref(vals);
	json_decref(labels);
}

static struct emu_obj *find_kind(struct wctx *w, struct emu_account *a,
                                 const char *id, enum emu_kind kind,
                                 const char *param)
{
	struct emu_obj *o = id ? emu_store_get(&w->ctx->store, id) : NULL;

	if (!o || o->kind != kind || o->gone || o->acct != a) {
		emu_resp_invalid(
		        w->resp, param,
		        "(#100) param %s: %s %s does not exist in this "
		        "ad account",
		        param, emu_kinds[kind].name, id ? id : "");
		return NULL;
	}
	return o;
}

static bool parent_usable(struct wctx *w, const struct emu_obj *p,
                          const char *param)
{
	const char *st = emu_obj_status(p);

	if (!strcmp(st, "DELETED") || !strcmp(st, "ARCHIVED")) {
		emu_resp_invalid(w->resp, param,
		                 "(#100) param %s: %s %s is %s; nothing can be "
		                 "added to it",
		                 param, emu_kinds[p->kind].name, p->id, st);
		return false;
	}
	return true;
}

static void create_adset(struct wctx *w, struct emu_account *a)
{
	const struct emu_endpoint *ep =
	        emu_spec_endpoint("AdAccount", "POST", "adsets");
	static const char *const skip[] = { "end_time", NULL };
	json_t *vals = NULL, *labels = NULL;
	const char *end = emu_params_get(&w->req->params, "end_time");
	struct emu_obj *camp, *o;

	if (!convert_params(w, ep, NULL, skip, &vals) || !exec_options(w, vals))
		goto out;
	if (end && strcmp(end, "0")) {
		/* end_time=0: ongoing, daily budget only (003:L15170) */
		json_t *t =
		        emu_convert_raw("datetime", end, "end_time", w->resp);

		if (!t)
			goto out;
		json_object_set_new(vals, "end_time", t);
	}
	if (json_object_get(vals, "campaign_spec") &&
	    !json_object_get(vals, "campaign_id")) {
		emu_resp_invalid(w->resp, "campaign_spec",
		                 "(#100) campaign_spec is not supported by the "
		                 "emulator; create the campaign first");
		goto out;
	}
	if (!require(w, vals, "campaign_id") || !create_status(w, vals))
		goto out;
	camp = find_kind(w, a, vstr(vals, "campaign_id"), EMU_CAMPAIGN,
	                 "campaign_id");
	if (!camp || !parent_usable(w, camp, "campaign_id") ||
	    !check_adset(w, a, NULL, camp, vals) ||
	    !labels_of(w, a, vals, &labels))
		goto out;
	if (w->dry) {
		respond_success(w);
		goto out;
	}
	json_object_del(vals, "campaign_id");
	o = commit_new(w, a, EMU_ADSET, vals, labels, camp);
	emu_apply_defaults(w->ctx, o);
	respond_created(w, o);
out:
	json_decref(vals);
	json_decref(labels);
}

/* Converts an inline creative spec (ad creative={…}) against the
 * adcreatives endpoint. */
static json_t *inline_creative(struct wctx *w, json_t *spec)
{
	const struct emu_endpoint *ep =
	        emu_spec_endpoint("AdAccount", "POST", "adcreatives");
	json_t *vals = json_object();
	const char *k;
	json_t *v;

	json_object_foreach(spec, k, v) {
		const struct emu_param *p = emu_spec_param(ep, k);
		char name[160];
		json_t *c;

		snprintf(name, sizeof(name), "creative.%s", k);
		if (!p) {
			emu_resp_invalid(
			        w->resp, "creative",
			        "(#100) Invalid parameter: %s is not a "
			        "creative parameter",
			        name);
			json_decref(vals);
			return NULL;
		}
		c = json_is_string(v) && strcmp(p->type, "string")
		            ? emu_convert_raw(p->type, json_string_value(v),
		                              name, w->resp)
		            : emu_convert(p->type, v, name, w->resp);
		if (!c) {
			json_decref(vals);
			return NULL;
		}
		json_object_set_new(vals, k, c);
	}
	return vals;
}

static void create_ad(struct wctx *w, struct emu_account *a)
{
	const struct emu_endpoint *ep =
	        emu_spec_endpoint("AdAccount", "POST", "ads");
	static const char *const skip[] = { "creative", NULL };
	json_t *vals = NULL, *labels = NULL, *cspec = NULL, *cvals = NULL;
	const char *craw = emu_params_get(&w->req->params, "creative");
	struct emu_obj *as, *cr = NULL, *o;
	const char *cid;

	if (!convert_params(w, ep, NULL, skip, &vals) || !exec_options(w, vals))
		goto out;
	if (!require(w, vals, "name"))
		goto out;
	if (!craw) {
		emu_resp_invalid(w->resp, "creative",
		                 "(#100) The parameter creative is required");
		goto out;
	}
	if (json_object_get(vals, "adset_spec") &&
	    !json_object_get(vals, "adset_id")) {
		emu_resp_invalid(w->resp, "adset_spec",
		                 "(#100) adset_spec is not supported by the "
		                 "emulator; create the ad set first");
		goto out;
	}
	if (!require(w, vals, "adset_id") || !create_status(w, vals))
		goto out;
	if (json_object_get(vals, "bid_amount")) {
		/* 003:L14996 */
		emu_resp_invalid(
		        w->resp, "bid_amount",
		        "(#100) Setting bid_amount on an ad is no longer "
		        "allowed; set it on the ad set");
		goto out;
	}
	{
		char idbuf[32];

		snprintf(idbuf, sizeof(idbuf), "%lld",
		         (long long)json_integer_value(
		                 json_object_get(vals, "adset_id")));
		as = find_kind(w, a, idbuf, EMU_ADSET, "adset_id");
	}
	if (!as || !parent_usable(w, as, "adset_id") ||
	    (as->parent && !parent_usable(w, as->parent, "adset_id")))
		goto out;
	cspec = json_loads(craw, 0, NULL);
	if (!json_is_object(cspec)) {
		emu_resp_invalid(w->resp, "creative",
		                 "(#100) param creative must be a JSON object "
		                 "such as {\"creative_id\": \"<id>\"}");
		goto out;
	}
	cid = ads_json_str(cspec, "creative_id");
	if (!cid && json_is_integer(json_object_get(cspec, "creative_id"))) {
		json_object_set_new(
		        cspec, "creative_id",
		        json_sprintf(
		                "%lld",
		                (long long)json_integer_value(json_object_get(
		                        cspec, "creative_id"))));
		cid = ads_json_str(cspec, "creative_id");
	}
	if (cid) {
		cr = find_kind(w, a, cid, EMU_CREATIVE, "creative");
		if (!cr)
			goto out;
		if (!strcmp(emu_obj_status(cr), "DELETED")) {
			emu_resp_invalid(w->resp, "creative",
			                 "(#100) Creative %s is deleted", cid);
			goto out;
		}
	} else {
		cvals = inline_creative(w, cspec);
		if (!cvals || !require(w, cvals, "name") ||
		    !check_creative(w, a, cvals))
			goto out;
	}
	if (json_is_true(json_object_get(as->f, "is_dynamic_creative"))) {
		/* 003:L6677: one ad per dynamic creative ad set */
		for (size_t i = 0; i < as->kids.nr; i++)
			if (strcmp(emu_obj_status(as->kids.v[i]), "DELETED")) {
				emu_resp_invalid(
				        w->resp, "adset_id",
				        "(#100) A dynamic creative ad set "
				        "can only have one ad");
				goto out;
			}
		if (!json_object_get(cr ? cr->f : cvals, "asset_feed_spec")) {
			emu_resp_invalid(
			        w->resp, "creative",
			        "(#100) An ad in a dynamic creative ad "
			        "set needs a creative with an "
			        "asset_feed_spec");
			goto out;
		}
	}
	if (!labels_of(w, a, vals, &labels))
		goto out;
	if (w->dry) {
		respond_success(w);
		goto out;
	}
	if (!cr) {
		cr = commit_new(w, a, EMU_CREATIVE, cvals, NULL, NULL);
		emu_apply_defaults(w->ctx, cr);
	}
	json_object_del(vals, "adset_id");
	o = commit_new(w, a, EMU_AD, vals, labels, as);
	json_object_set_new(o->f, "creative_id", json_string(cr->id));
	o->review_until = w->now + w->rt.review_seconds;
	emu_apply_defaults(w->ctx, o);
	respond_created(w, o);
out:
	json_decref(vals);
	json_decref(labels);
	json_decref(cspec);
	json_decref(cvals);
}

static void create_creative(struct wctx *w, struct emu_account *a)
{
	const struct emu_endpoint *ep =
	        emu_spec_endpoint("AdAccount", "POST", "adcreatives");
	json_t *vals = NULL, *labels = NULL;
	const char *story;
	struct emu_obj *o;

	if (!convert_params(w, ep, NULL, NULL, &vals) || !exec_options(w, vals))
		goto out;
	if (!require(w, vals, "name") || !check_creative(w, a, vals) ||
	    !labels_of(w, a, vals, &labels))
		goto out;
	if (json_object_get(vals, "status") &&
	    strcmp(vstr(vals, "status"), "ACTIVE")) {
		emu_resp_invalid(w->resp, "status",
		                 "(#100) A creative is created ACTIVE");
		goto out;
	}
	if (w->dry) {
		respond_success(w);
		goto out;
	}
	story = vstr(vals, "object_story_id");
	if (story && (o = ads_map_get(&a->story_ids, story)) &&
	    strcmp(emu_obj_status(o), "DELETED")) {
		/* 003:L14716: the existing creative's id comes back */
		respond_created(w, o);
		goto out;
	}
	o = commit_new(w, a, EMU_CREATIVE, vals, labels, NULL);
	if (story)
		ads_map_put(&a->story_ids, story, o);
	emu_apply_defaults(w->ctx, o);
	respond_created(w, o);
out:
	json_decref(vals);
	json_decref(labels);
}

static void create_audience(struct wctx *w, struct emu_account *a)
{
	const struct emu_endpoint *ep =
	        emu_spec_endpoint("AdAccount", "POST", "customaudiences");
	json_t *vals = NULL, *spec = NULL;
	const char *sub;
	struct emu_obj *o;

	if (!convert_params(w, ep, NULL, NULL, &vals) ||
	    !require(w, vals, "name"))
		goto out;
	sub = vstr(vals, "subtype");
	if (!sub)
		sub = json_object_get(vals, "rule") ? "WEBSITE" : "CUSTOM";
	if (!strcmp(sub, "LOOKALIKE")) {
		const char *origin = vstr(vals, "origin_audience_id");
		const char *ls = vstr(vals, "lookalike_spec");

		if (!require(w, vals, "origin_audience_id") ||
		    !find_kind(w, a, origin, EMU_AUDIENCE,
		               "origin_audience_id") ||
		    !require(w, vals, "lookalike_spec"))
			goto out;
		spec = json_loads(ls, 0, NULL);
		if (!json_is_object(spec) ||
		    (!json_object_get(spec, "country") &&
		     !json_object_get(spec, "location_spec")) ||
		    (!json_object_get(spec, "ratio") &&
		     !json_object_get(spec, "type"))) {
			emu_resp_invalid(
			        w->resp, "lookalike_spec",
			        "(#100) lookalike_spec must be a JSON "
			        "object with a country (or location_spec) "
			        "and a ratio (or type)");
			goto out;
		}
	} else if (!strcmp(sub, "CUSTOM") && !json_object_get(vals, "rule") &&
	           !require(w, vals, "customer_file_source")) {
		goto out;
	}
	o = commit_new(w, a, EMU_AUDIENCE, vals, NULL, NULL);
	json_object_set_new(o->f, "subtype", json_string(sub));
	if (spec)
		json_object_set(o->f, "lookalike_spec", spec);
	o->members = xcalloc(1, sizeof(*o->members));
	emu_apply_defaults(w->ctx, o);
	respond_created(w, o);
out:
	json_decref(vals);
	json_decref(spec);
}

static void create_label(struct wctx *w, struct emu_account *a)
{
	const struct emu_endpoint *ep =
	        emu_spec_endpoint("AdAccount", "POST", "adlabels");
	json_t *vals = NULL;
	const char *name;
	struct emu_obj *o;

	if (!convert_params(w, ep, NULL, NULL, &vals))
		goto out;
	name = vstr(vals, "name");
	if (!*name || strlen(name) > 100) {
		emu_resp_invalid(w->resp, "name",
		                 "(#100) An ad label name must have 1 to 100 "
		                 "characters");
		goto out;
	}
	o = ads_map_get(&a->labels, name);
	if (!o) {
		o = commit_new(w, a, EMU_LABEL, vals, NULL, NULL);
		ads_map_put(&a->labels, name, o);
	}
	respond_created(w, o);
out:
	json_decref(vals);
}

/* --- images --------------------------------------------------------------- */

static bool looks_like_image(const unsigned char *p, size_t n)
{
	return (n > 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) ||
	       (n > 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8)) ||
	       (n > 6 &&
	        (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6))) ||
	       (n > 2 && p[0] == 'B' && p[1] == 'M') ||
	       (n > 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4)) ||
	       (n > 4 && (!memcmp(p, "II*\0", 4) || !memcmp(p, "MM\0*", 4)));
}

static struct emu_obj *store_image(struct wctx *w, struct emu_account *a,
                                   const char *name, const void *data,
                                   size_t len)
{
	char hash[ADS_MD5_HEX_LEN + 1], id[96];
	struct emu_obj *o;

	/* the image hash is the MD5 of the bytes */
	ads_md5_hex(data, len, hash);
	o = ads_map_get(&a->images, hash);
	if (o) {
		emu_touch(o, w->now);
		return o;
	}
	snprintf(id, sizeof(id), "%s:%s", a->digits, hash);
	o = emu_store_get(&w->ctx->store, id);
	if (o) {
		o->gone = false; /* uploaded again after a delete */
		emu_touch(o, w->now);
	} else {
		o = emu_store_new_with_id(&w->ctx->store, a, EMU_IMAGE, id,
		                          w->now);
	}
	json_object_set_new(o->f, "hash", json_string(hash));
	json_object_set_new(o->f, "name", json_string(name));
	json_object_set_new(
	        o->f, "url",
	        json_sprintf("https://emulator.adsctl.invalid/i/%s.jpg", hash));
	json_object_set_new(
	        o->f, "url_128",
	        json_sprintf("https://emulator.adsctl.invalid/i/%s_128.jpg",
	                     hash));
	json_object_set_new(o->f, "status", json_string("ACTIVE"));
	json_object_set_new(o->f, "original_width", json_integer(0));
	ads_map_put(&a->images, hash, o);
	return o;
}

static void create_images(struct wctx *w, struct emu_account *a)
{
	const struct emu_params *p = &w->req->params;
	const char *bytes = emu_params_get(p, "bytes");
	json_t *images = json_object();
	struct ads_buf raw = ADS_BUF_INIT;
	size_t nfiles = 0;

	if (emu_params_get(p, "copy_from")) {
		emu_resp_invalid(w->resp, "copy_from",
		                 "(#100) copy_from is not supported by the "
		                 "emulator");
		goto out;
	}
	for (size_t i = 0; i < p->nr; i++)
		if (p->v[i].filename)
			nfiles++;
	if (!bytes && !nfiles) {
		emu_resp_invalid(w->resp, "bytes",
		                 "(#100) No image was uploaded: send bytes "
		                 "(base64) or a file");
		goto out;
	}
	if (bytes && (!ads_base64_decode(&raw, bytes, strlen(bytes)) ||
	              !looks_like_image((unsigned char *)raw.buf, raw.len))) {
		emu_resp_invalid(
		        w->resp, "bytes",
		        "(#100) Invalid image: bytes must be the base64 "
		        "of a JPEG, PNG, GIF, BMP, TIFF or WebP file");
		goto out;
	}
	for (size_t i = 0; i < p->nr; i++)
		if (p->v[i].filename &&
		    !looks_like_image((unsigned char *)p->v[i].val,
		                      p->v[i].len)) {
			emu_resp_invalid(w->resp, p->v[i].key,
			                 "(#100) Invalid image file %s",
			                 p->v[i].filename);
			goto out;
		}
	if (bytes) {
		const char *name = emu_params_get(p, "name");
		struct emu_obj *o = store_image(w, a, name ? name : "bytes",
		                                raw.buf, raw.len);

		json_object_set_new(images, name ? name : "bytes",
		                    json_pack("{s:s,s:s}", "hash",
		                              ads_json_str(o->f, "hash"), "url",
		                              ads_json_str(o->f, "url")));
	}
	for (size_t i = 0; i < p->nr; i++) {
		struct emu_obj *o;

		if (!p->v[i].filename)
			continue;
		o = store_image(w, a, p->v[i].filename, p->v[i].val,
		                p->v[i].len);
		json_object_set_new(images, p->v[i].filename,
		                    json_pack("{s:s,s:s}", "hash",
		                              ads_json_str(o->f, "hash"), "url",
		                              ads_json_str(o->f, "url")));
	}
	emu_resp_json(w->resp, 200, json_pack("{s:O}", "images", images));
out:
	json_decref(images);
	ads_buf_release(&raw);
}

static void delete_image(struct wctx *w, struct emu_account *a)
{
	const char *hash = emu_params_get(&w->req->params, "hash");
	struct emu_obj *o = hash ? ads_map_get(&a->images, hash) : NULL;

	/* 003:L14908-14919 */
	if (!hash) {
		emu_resp_invalid(w->resp, "hash",
		                 "(#100) The parameter hash is required");
		return;
	}
	if (!o || o->gone) {
		emu_resp_invalid(w->resp, "hash",
		                 "(#100) Image with hash %s does not exist",
		                 hash);
		return;
	}
	o->gone = true;
	emu_touch(o, w->now);
	ads_map_remove(&a->images, hash);
	respond_success(w);
}

/* --- videos ----------------------------------------------------------------
 */

static void create_video(struct wctx *w, struct emu_account *a)
{
	const struct emu_params *p = &w->req->params;
	const struct emu_param_kv *src = emu_params_file(p, "source");
	const char *url = emu_params_get(p, "file_url");
	const char *phase = emu_params_get(p, "upload_phase");
	char md5[ADS_MD5_HEX_LEN + 1];
	struct emu_obj *o;

	if (phase) {
		emu_resp_invalid(
		        w->resp, "upload_phase",
		        "(#100) Chunked uploads (upload_phase) are not "
		        "supported by the emulator; send source");
		return;
	}
	if (!src && !emu_params_get(p, "source") && !url) {
		emu_resp_invalid(w->resp, "source",
		                 "(#100) No video was uploaded: send source (a "
		                 "file) or file_url");
		return;
	}
	if (src)
		ads_md5_hex(src->val, src->len, md5);
	else if (url)
		ads_md5_hex(url, strlen(url), md5);
	else
		ads_md5_hex(emu_params_get(p, "source"),
		            strlen(emu_params_get(p, "source")), md5);
	o = emu_store_new(&w->ctx->store, a, EMU_VIDEO, w->now);
	for (size_t i = 0; i < 3; i++) {
		static const char *const keys[] = { "name", "title",
			                            "description" };
		const char *v = emu_params_get(p, keys[i]);

		if (v)
			json_object_set_new(o->f, keys[i], json_string(v));
	}
	if (src && src->filename && !json_object_get(o->f, "title"))
		json_object_set_new(o->f, "title", json_string(src->filename));
	/* 003:L2436-2482: processing done at once in the emulator */
	json_object_set_new(o->f, "status",
	                    json_pack("{s:s,s:i}", "video_status", "ready",
	                              "processing_progress", 100));
	json_object_set_new(o->f, "source_md5", json_string(md5));
	emu_resp_json(w->resp, 200, json_pack("{s:s}", "id", o->id));
}

static void delete_video(struct wctx *w, struct emu_account *a)
{
	const char *id = emu_params_get(&w->req->params, "video_id");
	struct emu_obj *o;

	if (!id) {
		emu_resp_invalid(w->resp, "video_id",
		                 "(#100) The parameter video_id is required");
		return;
	}
	o = find_kind(w, a, id, EMU_VIDEO, "video_id");
	if (!o)
		return;
	o->gone = true;
	emu_touch(o, w->now);
	respond_success(w);
}

/* --- updates and deletes -------------------------------------------------- */

static void unsupported(struct wctx *w, const char *verb, const char *id)
{
	struct emu_err e = { .code = 100, .subcode = 33 };

	emu_resp_error(w->resp, &e,
	               "Unsupported %s request. Object with ID '%s' does not "
	               "exist, cannot be loaded due to missing permissions, or "
	               "does not support this operation. Please read the "
	               "Graph API documentation at "
	               "https://developers.facebook.com/docs/graph-api",
	               verb, id);
}

static void update_obj(struct wctx *w, struct emu_obj *o)
{
	const struct emu_endpoint *ep =
	        emu_spec_endpoint(emu_kinds[o->kind].node, "POST", "");
	const struct emu_endpoint *cep =
	        emu_spec_endpoint("AdAccount", "POST", emu_kinds[o->kind].edge);
	static const char *const skip[] = { "end_time", "creative", NULL };
	const char *end = emu_params_get(&w->req->params, "end_time");
	const char *craw = emu_params_get(&w->req->params, "creative");
	json_t *vals = NULL, *labels = NULL;
	struct emu_obj *cr = NULL;
	const char *st;
	bool clear_end = false;

	if (!ep || o->kind == EMU_IMAGE || o->kind == EMU_VIDEO ||
	    o->kind == EMU_ASYNC_REQ) {
		/* 003:L14903-14905, L15424-15426: no updates */
		unsupported(w, "post", o->id);
		return;
	}
	if (!convert_params(w, ep, cep,
	                    o->kind == EMU_ADSET || o->kind == EMU_AD ? skip
	                                                              : NULL,
	                    &vals) ||
	    !exec_options(w, vals))
		goto out;
	if (o->kind == EMU_ADSET && end) {
		if (!strcmp(end, "0")) {
			clear_end = true;
			json_object_set_new(vals, "end_time", json_null());
		} else {
			json_t *t = emu_convert_raw("datetime", end, "end_time",
			                            w->resp);

			if (!t)
				goto out;
			json_object_set_new(vals, "end_time", t);
		}
	}
	if (o->kind == EMU_AD && craw)
		json_object_set_new(vals, "creative", json_string(craw));
	if (!state_allows(w, o, vals))
		goto out;
	if (clear_end)
		json_object_del(vals, "end_time");
	st = vstr(vals, "status");
	if (st && is_dco_ad(o) &&
	    (!strcmp(st, "DELETED") || !strcmp(st, "ARCHIVED"))) {
		dco_delete(w);
		goto out;
	}
	switch (o->kind) {
	case EMU_CAMPAIGN:
		if (!check_campaign(w, o->acct, o, vals))
			goto out;
		break;
	case EMU_ADSET:
		if (!check_adset(w, o->acct, o, o->parent, vals))
			goto out;
		break;
	case EMU_AD:
		if (craw) {
			json_t *c = json_loads(craw, 0, NULL);
			json_t *cidv = json_object_get(c, "creative_id");
			char cid[40] = "";

			if (json_is_string(cidv))
				snprintf(cid, sizeof(cid), "%s",
				         json_string_value(cidv));
			else if (json_is_integer(cidv))
				snprintf(cid, sizeof(cid), "%lld",
				         (long long)json_integer_value(cidv));
			json_decref(c);
			/* 003:L17246: a new creative id (or a whole creative)
			 */
			if (!cid[0]) {
				emu_resp_invalid(
				        w->resp, "creative",
				        "(#100) To change an ad's creative, "
				        "send creative={\"creative_id\": "
				        "\"<id>\"}");
				goto out;
			}
			cr = find_kind(w, o->acct, cid, EMU_CREATIVE,
			               "creative");
			if (!cr)
				goto out;
			json_object_del(vals, "creative");
		}
		break;
	case EMU_LABEL:
		if (vstr(vals, "name") &&
		    ads_map_get(&o->acct->labels, vstr(vals, "name")) &&
		    ads_map_get(&o->acct->labels, vstr(vals, "name")) != o) {
			emu_resp_invalid(
			        w->resp, "name",
			        "(#100) An ad label named '%s' already "
			        "exists",
			        vstr(vals, "name"));
			goto out;
		}
		break;
	case EMU_ASYNC_SET:
		if (!strcmp(ads_json_str(o->f, "notification_status")
		                    ? ads_json_str(o->f, "notification_status")
		                    : "not_sent",
		            "sent") &&
		    (json_object_get(vals, "notification_uri") ||
		     json_object_get(vals, "notification_mode"))) {
			/* 003:L17399-17411 */
			emu_resp_invalid(w->resp, "notification_uri",
			                 "(#100) The notification was already "
			                 "sent");
			goto out;
		}
		break;
	default:
		break;
	}
	if (!labels_of(w, o->acct, vals, &labels))
		goto out;
	if (w->dry) {
		respond_success(w);
		goto out;
	}
	if (o->kind == EMU_LABEL && vstr(vals, "name")) {
		ads_map_remove(&o->acct->labels, ads_json_str(o->f, "name"));
		ads_map_put(&o->acct->labels, vstr(vals, "name"), o);
	}
	store_fields(o, vals);
	if (clear_end)
		json_object_del(o->f, "end_time");
	if (labels)
		json_object_set(o->f, "adlabels", labels);
	if (cr) {
		const char *old = ads_json_str(o->f, "creative_id");

		/* 003:L12533-12545: a creative change goes back to review */
		if (!old || strcmp(old, cr->id))
			o->review_until = w->now + w->rt.review_seconds;
		json_object_set_new(o->f, "creative_id", json_string(cr->id));
	}
	emu_touch(o, w->now);
	emu_apply_defaults(w->ctx, o);
	respond_success(w);
out:
	json_decref(vals);
	json_decref(labels);
}

static void delete_obj(struct wctx *w, struct emu_obj *o)
{
	if (o->kind <= EMU_CREATIVE) {
		if (is_dco_ad(o)) {
			dco_delete(w);
			return;
		}
		/* 003:L16841-16843: DELETE is status=DELETED */
		if (strcmp(emu_obj_status(o), "DELETED")) {
			json_object_set_new(o->f, "status",
			                    json_string("DELETED"));
			emu_touch(o, w->now);
		}
		respond_success(w);
		return;
	}
	switch (o->kind) {
	case EMU_AUDIENCE:
	case EMU_VIDEO:
		o->gone = true;
		emu_touch(o, w->now);
		break;
	case EMU_LABEL:
		o->gone = true;
		ads_map_remove(&o->acct->labels, ads_json_str(o->f, "name"));
		emu_touch(o, w->now);
		break;
	case EMU_ASYNC_SET:
	case EMU_ASYNC_REQ:
		if (!emu_async_cancel(w->ctx, o, w->now)) {
			emu_resp_invalid(w->resp, NULL,
			                 "(#100) The request was already "
			                 "processed and cannot be canceled");
			return;
		}
		break;
	default:
		unsupported(w, "delete", o->id);
		return;
	}
	respond_success(w);
}

/* POST|DELETE /<object>/adlabels: attach or detach labels. */
static void obj_labels(struct wctx *w, struct emu_obj *o, bool detach)
{
	const char *raw = emu_params_get(&w->req->params, "adlabels");
	json_t *given = NULL, *resolved = NULL, *cur;

	if (o->kind > EMU_CREATIVE) {
		unsupported(w, detach ? "delete" : "post", o->id);
		return;
	}
	if (!raw) {
		emu_resp_invalid(w->resp, "adlabels",
		                 "(#100) The parameter adlabels is required");
		return;
	}
	given = emu_convert_raw("list<Object>", raw, "adlabels", w->resp);
	if (!given || !resolve_labels(w, o->acct, given, &resolved))
		goto out;
	cur = json_object_get(o->f, "adlabels");
	if (!cur) {
		cur = json_array();
		json_object_set_new(o->f, "adlabels", cur);
	}
	{
		size_t i;
		json_t *l;

		json_array_foreach(resolved, i, l) {
			const char *id = ads_json_str(l, "id");
			size_t j, at = (size_t)-1;
			json_t *c;

			json_array_foreach(cur, j, c)
				if (id && !strcmp(ads_json_str(c, "id"), id))
					at = j;
			if (detach && at != (size_t)-1)
				json_array_remove(cur, at);
			else if (!detach && at == (size_t)-1)
				json_array_append(cur, l);
		}
	}
	emu_touch(o, w->now);
	respond_success(w);
out:
	json_decref(given);
	json_decref(resolved);
}

static void account_write(struct wctx *w, const char *acct, const char *edge,
                          bool del)
{
	struct emu_account *a = emu_store_account(&w->ctx->store, acct);

	if (del) {
		if (!strcmp(edge, "adimages"))
			delete_image(w, a);
		else if (!strcmp(edge, "advideos"))
			delete_video(w, a);
		else
			unsupported(w, "delete", acct);
		return;
	}
	if (!strcmp(edge, "campaigns"))
		create_campaign(w, a);
	else if (!strcmp(edge, "adsets"))
		create_adset(w, a);
	else if (!strcmp(edge, "ads"))
		create_ad(w, a);
	else if (!strcmp(edge, "adcreatives"))
		create_creative(w, a);
	else if (!strcmp(edge, "customaudiences"))
		create_audience(w, a);
	else if (!strcmp(edge, "adlabels"))
		create_label(w, a);
	else if (!strcmp(edge, "adimages"))
		create_images(w, a);
	else if (!strcmp(edge, "advideos"))
		create_video(w, a);
	else if (!strcmp(edge, "asyncadrequestsets") ||
	         !strcmp(edge, "async_batch_requests"))
		emu_async_create(w->ctx, w->req, w->resp, a, edge);
	else {
		struct emu_err e = { .code = 2500 };

		emu_resp_error(w->resp, &e, "Unknown path components: /%s",
		               w->req->path);
	}
}

void emu_write(struct emu_ctx *ctx, const struct emu_req *req,
               struct emu_resp *resp)
{
	struct wctx w = { ctx, req, resp, emu_now(ctx), { 0 }, false };
	const char *m = emu_params_get(&req->params, "method");
	bool del = !strcmp(req->method, "DELETE") ||
	           (m && !strcasecmp(m, "delete"));
	const char *slash = strchr(req->path, '/');
	const char *edge = slash ? slash + 1 : NULL;
	char first[128];
	size_t flen = slash ? (size_t)(slash - req->path) : strlen(req->path);
	struct emu_obj *o;

	emu_limits_runtime(&ctx->limits, &w.rt);
	if (!*req->path || flen >= sizeof(first) ||
	    (edge && strchr(edge, '/'))) {
		struct emu_err e = { .code = 2500 };

		if (!*req->path && emu_params_get(&req->params, "batch"))
			emu_resp_invalid(
			        resp, "batch",
			        "(#100) A batch request cannot contain "
			        "another batch");
		else
			emu_resp_error(resp, &e, "Unknown path components: /%s",
			               req->path);
		return;
	}
	memcpy(first, req->path, flen);
	first[flen] = '\0';
	if (emu_is_account_id(first)) {
		if (!edge) {
			unsupported(&w, del ? "delete" : "post", first);
			return;
		}
		account_write(&w, first, edge, del);
		return;
	}
	o = emu_store_get(&ctx->store, first);
	if (!o || o->gone) {
		unsupported(&w, del ? "delete" : "post", first);
		return;
	}
	if (!edge) {
		if (del)
			delete_obj(&w, o);
		else
			update_obj(&w, o);
	} else if (!strcmp(edge, "users") && o->kind == EMU_AUDIENCE) {
		emu_audience_users(ctx, req, resp, o,
		                   del ? EMU_MEMBERS_REMOVE : EMU_MEMBERS_ADD);
	} else if (!strcmp(edge, "usersreplace") && o->kind == EMU_AUDIENCE &&
	           !del) {
		emu_audience_users(ctx, req, resp, o, EMU_MEMBERS_REPLACE);
	} else if (!strcmp(edge, "adlabels")) {
		obj_labels(&w, o, del);
	} else {
		struct emu_err e = { .code = 2500 };

		emu_resp_error(resp, &e, "Unknown path components: /%s",
		               req->path);
	}
}
