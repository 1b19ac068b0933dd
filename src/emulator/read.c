/*
 * Graph reads (see read.h). Read-backs follow Meta's: only `id` unless
 * `fields` asks for more (003:L1113), money as numeric strings, times as
 * "+0000" (000:L196, L217), audience times as epoch ints (000:L363-365),
 * listings newest first, hiding ARCHIVED and DELETED objects unless the
 * status filter asks for ARCHIVED (003:L16880-16897).
 */
#include "emulator/read.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emulator/spec.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

struct rctx {
	struct emu_ctx *ctx;
	const struct emu_req *req;
	struct emu_resp *resp;
	int64_t now;
	struct ads_emulator_runtime rt;
};

/* --- helpers ------------------------------------------------------------ */

void emu_split_ids(struct ads_strvec *out, const char *ids)
{
	json_t *arr = NULL;

	if (ids[0] == '[') {
		arr = json_loads(ids, JSON_DECODE_ANY, NULL);
		if (json_is_array(arr)) {
			size_t i;
			json_t *v;

			json_array_foreach(arr, i, v) {
				if (json_is_string(v))
					ads_strvec_push(out,
					                json_string_value(v));
				else if (json_is_integer(v))
					ads_strvec_pushf(
					        out, "%lld",
					        (long long)json_integer_value(
					                v));
			}
			json_decref(arr);
			return;
		}
		json_decref(arr);
	}
	/* "a,b" or [a,"b"]: split by hand, not with strtok(), whose hidden
	 * state every connection thread shares (concurrent ?ids= reads lost
	 * the tail of their id lists to each other) */
	{
		const char *s = ids;
		size_t n = strlen(s);

		if (*s == '[') {
			s++;
			n--;
		}
		if (n && s[n - 1] == ']')
			n--;
		while (n) {
			const char *comma = memchr(s, ',', n);
			size_t len = comma ? (size_t)(comma - s) : n;
			const char *a = s, *b = s + len;

			while (a < b && (*a == ' ' || *a == '"'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '"'))
				b--;
			if (b > a)
				ads_strvec_push_nodup(
				        out, xstrndup(a, (size_t)(b - a)));
			if (!comma)
				break;
			n -= len + 1;
			s = comma + 1;
		}
	}
}

static json_t *time_json(int64_t t)
{
	char buf[32];

	ads_time_format(t, buf);
	return json_string(buf);
}

static bool status_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

const char *emu_effective_status(const struct emu_obj *o, int64_t now)
{
	const char *st = emu_obj_status(o);
	const struct emu_obj *adset = NULL, *camp = NULL;

	if (o->kind == EMU_ADSET)
		camp = o->parent;
	else if (o->kind == EMU_AD) {
		adset = o->parent;
		camp = adset ? adset->parent : NULL;
	} else {
		return st;
	}
	if (status_is(st, "DELETED") || status_is(st, "ARCHIVED"))
		return st;
	/* 003:L16870-16873: a deleted or archived parent's children */
	if (camp && status_is(emu_obj_status(camp), "DELETED"))
		return "DELETED";
	if (adset && status_is(emu_obj_status(adset), "DELETED"))
		return "DELETED";
	if (camp && status_is(emu_obj_status(camp), "ARCHIVED"))
		return "ARCHIVED";
	if (adset && status_is(emu_obj_status(adset), "ARCHIVED"))
		return "ARCHIVED";
	/* 003:L15019: new ads are reviewed before they run */
	if (o->kind == EMU_AD && now < o->review_until)
		return "PENDING_REVIEW";
	if (status_is(st, "PAUSED"))
		return "PAUSED";
	/* 003:L15680, L15237 */
	if (camp && status_is(emu_obj_status(camp), "PAUSED"))
		return "CAMPAIGN_PAUSED";
	if (adset && status_is(emu_obj_status(adset), "PAUSED"))
		return "ADSET_PAUSED";
	return "ACTIVE";
}

static json_t *budget_remaining(const struct emu_obj *o)
{
	const char *d = ads_json_str(o->f, "daily_budget");
	const char *l = ads_json_str(o->f, "lifetime_budget");

	if (d && strcmp(d, "0"))
		return json_string(d);
	if (l && strcmp(l, "0"))
		return json_string(l);
	return json_string("0");
}

static json_t *ref_id(const struct emu_obj *o)
{
	return o ? json_pack("{s:s}", "id", o->id) : NULL;
}

static json_t *async_counts(const struct emu_obj *set, const char *name)
{
	int64_t n[6] = {
		0
	}; /* total initial in_progress success error cancel */

	for (size_t i = 0; i < set->kids.nr; i++) {
		const char *st = ads_json_str(set->kids.v[i]->f, "status");

		n[0]++;
		if (status_is(st, "INITIAL"))
			n[1]++;
		else if (status_is(st, "IN_PROGRESS"))
			n[2]++;
		else if (status_is(st, "SUCCESS"))
			n[3]++;
		else if (status_is(st, "ERROR"))
			n[4]++;
		else if (status_is(st, "CANCELED"))
			n[5]++;
	}
	if (!strcmp(name, "is_completed"))
		return json_boolean(n[1] + n[2] == 0);
	if (!strcmp(name, "total_count"))
		return json_integer(n[0]);
	if (!strcmp(name, "initial_count"))
		return json_integer(n[1]);
	if (!strcmp(name, "in_progress_count"))
		return json_integer(n[2]);
	if (!strcmp(name, "success_count"))
		return json_integer(n[3]);
	if (!strcmp(name, "error_count"))
		return json_integer(n[4]);
	if (!strcmp(name, "canceled_count"))
		return json_integer(n[5]);
	return NULL;
}

json_t *emu_field_value(struct emu_ctx *ctx, const struct emu_obj *o,
                        const char *name, int64_t now)
{
	json_t *v;

	(void)ctx;
	if (!strcmp(name, "id"))
		return json_string(o->id);
	if (!strcmp(name, "account_id") && o->acct &&
	    o->kind != EMU_ASYNC_SET && o->kind != EMU_ASYNC_REQ)
		return json_string(o->acct->digits);
	switch (o->kind) {
	case EMU_CAMPAIGN:
	case EMU_ADSET:
	case EMU_AD:
		if (!strcmp(name, "configured_status") ||
		    !strcmp(name, "status"))
			return json_string(emu_obj_status(o));
		if (!strcmp(name, "effective_status"))
			return json_string(emu_effective_status(o, now));
		if (!strcmp(name, "created_time"))
			return time_json(o->created);
		if (!strcmp(name, "updated_time"))
			return time_json(o->updated);
		if (o->kind != EMU_AD && !strcmp(name, "budget_remaining"))
			return budget_remaining(o);
		if (o->kind == EMU_ADSET) {
			if (!strcmp(name, "campaign_id") && o->parent)
				return json_string(o->parent->id);
			if (!strcmp(name, "campaign"))
				return ref_id(o->parent);
		}
		if (o->kind == EMU_AD) {
			const struct emu_obj *as = o->parent;

			if (!strcmp(name, "adset_id") && as)
				return json_string(as->id);
			if (!strcmp(name, "adset"))
				return ref_id(as);
			if (!strcmp(name, "campaign_id") && as && as->parent)
				return json_string(as->parent->id);
			if (!strcmp(name, "campaign") && as)
				return ref_id(as->parent);
			if (!strcmp(name, "creative")) {
				const char *cid =
				        ads_json_str(o->f, "creative_id");

				return cid ? json_pack("{s:s}", "id", cid)
				           : NULL;
			}
			if (!strcmp(name, "creative_id"))
				return NULL;
		}
		break;
	case EMU_AUDIENCE: {
		int64_t n = o->members ? (int64_t)o->members->nr : 0;

		if (!strcmp(name, "approximate_count") ||
		    !strcmp(name, "approximate_count_lower_bound") ||
		    !strcmp(name, "approximate_count_upper_bound"))
			return json_integer(n);
		if (!strcmp(name, "time_created"))
			return json_integer(o->created);
		if (!strcmp(name, "time_updated"))
			return json_integer(o->updated);
		break;
	}
	case EMU_LABEL:
	case EMU_IMAGE:
	case EMU_VIDEO:
		if (!strcmp(name, "created_time"))
			return time_json(o->created);
		if (!strcmp(name, "updated_time"))
			return time_json(o->updated);
		break;
	case EMU_ASYNC_SET:
		if (!strcmp(name, "owner_id") && o->acct)
			return json_string(o->acct->digits);
		if (!strcmp(name, "created_time"))
			return time_json(o->created);
		if (!strcmp(name, "updated_time"))
			return time_json(o->updated);
		v = async_counts(o, name);
		if (v)
			return v;
		break;
	case EMU_ASYNC_REQ:
		if (!strcmp(name, "async_request_set"))
			return ref_id(o->parent);
		if (!strcmp(name, "created_time"))
			return time_json(o->created);
		if (!strcmp(name, "updated_time"))
			return time_json(o->updated);
		break;
	default:
		break;
	}
	v = json_object_get(o->f, name);
	return v ? json_deep_copy(v) : NULL;
}

/* Fields the emulator serves beyond the v25.0 specs (docs/emulator.md). */
static bool extension_field(enum emu_kind k, const char *name)
{
	if (k == EMU_AUDIENCE && !strcmp(name, "approximate_count"))
		return true;
	if (k == EMU_VIDEO && !strcmp(name, "video_id"))
		return false;
	return false;
}

/* The spec type of field name of kind k, or NULL if the node has none. */
static const char *field_type(enum emu_kind k, const char *name)
{
	const struct emu_node *n = emu_spec_node(emu_kinds[k].node);
	const struct emu_field *f = emu_spec_field(n, name);

	return f ? f->type : NULL;
}

static void nonexisting(struct emu_resp *resp, const char *field,
                        const char *node)
{
	emu_resp_invalid(resp, NULL,
	                 "(#100) Tried accessing nonexisting field (%s) on "
	                 "node type (%s)",
	                 field, node);
}

/* --- cursors and next links --------------------------------------------- */

static void cursor_encode(char *out, size_t outlen, uint64_t seq)
{
	struct ads_buf b = ADS_BUF_INIT;
	char raw[40];

	snprintf(raw, sizeof(raw), "emu1:%llu", (unsigned long long)seq);
	ads_base64_encode(&b, raw, strlen(raw));
	/* URL-safe, unpadded, like Meta's cursors */
	for (size_t i = 0; i < b.len; i++) {
		if (b.buf[i] == '+')
			b.buf[i] = '-';
		else if (b.buf[i] == '/')
			b.buf[i] = '_';
	}
	while (b.len && b.buf[b.len - 1] == '=')
		b.buf[--b.len] = '\0';
	snprintf(out, outlen, "%s", b.buf);
	ads_buf_release(&b);
}

static bool cursor_decode(const char *c, uint64_t *seq)
{
	struct ads_buf in = ADS_BUF_INIT, out = ADS_BUF_INIT;
	bool ok = false;
	char *end;

	ads_buf_addstr(&in, c);
	for (size_t i = 0; i < in.len; i++) {
		if (in.buf[i] == '-')
			in.buf[i] = '+';
		else if (in.buf[i] == '_')
			in.buf[i] = '/';
	}
	while (in.len % 4)
		ads_buf_addch(&in, '=');
	if (ads_base64_decode(&out, in.buf, in.len) &&
	    !strncmp(out.buf, "emu1:", 5)) {
		unsigned long long v = strtoull(out.buf + 5, &end, 10);

		ok = end != out.buf + 5 && !*end;
		*seq = v;
	}
	ads_buf_release(&in);
	ads_buf_release(&out);
	return ok;
}

static void fsel_text(struct ads_buf *b, const struct emu_fsel *f)
{
	for (size_t i = 0; i < f->nr; i++) {
		const struct emu_fsel_item *it = &f->v[i];

		if (i)
			ads_buf_addch(b, ',');
		ads_buf_addstr(b, it->name);
		if (it->limit >= 0)
			ads_buf_addf(b, ".limit(%lld)", (long long)it->limit);
		if (it->effective_status)
			ads_buf_addf(b, ".effective_status(%s)",
			             it->effective_status);
		if (it->sub) {
			ads_buf_addch(b, '{');
			fsel_text(b, it->sub);
			ads_buf_addch(b, '}');
		}
	}
}

/* An absolute URL to path with params, as Meta's paging links are. */
static char *page_url(struct rctx *rc, const char *path,
                      const struct emu_params *params, const char *cname,
                      const char *cursor)
{
	static const char *const skip[] = { "after", "before",
		                            "appsecret_proof", "access_token",
		                            NULL };
	struct ads_buf b = ADS_BUF_INIT;
	size_t mark;

	ads_buf_addf(&b, "%s/%s/%s?", rc->ctx->base_url,
	             rc->req->version[0] ? rc->req->version : "v25.0", path);
	mark = b.len;
	/* The token rides along in next links, as Meta's do (but the
	 * appsecret_proof does not: clients must add it again). */
	if (rc->req->token) {
		ads_buf_addstr(&b, "access_token=");
		ads_url_encode(&b, rc->req->token, strlen(rc->req->token));
	}
	if (params && params->nr) {
		if (b.len > mark)
			ads_buf_addch(&b, '&');
		emu_params_encode(&b, params, skip);
	}
	if (b.buf[b.len - 1] != '&' && b.len > mark)
		ads_buf_addch(&b, '&');
	ads_buf_addf(&b, "%s=%s", cname, cursor);
	return ads_buf_detach(&b, NULL);
}

/* --- listings ----------------------------------------------------------- */

struct cond {
	char *field;
	char op[24];
	json_t *value;
};

struct listing {
	const struct emu_objvec *vec;
	int kind; /* -1: any kind in vec */
	const struct emu_obj *parent; /* for nested edges: parent filter */
	struct ads_strvec statuses; /* effective_status filter; empty: live */
	struct cond *conds;
	size_t nconds;
	int64_t updated_since; /* -1 when absent */
	struct ads_strvec hashes; /* images: hashes filter */
	int64_t limit;
	uint64_t after, before; /* 0 when absent */
	bool summary;
	bool completed_only, incomplete_only; /* async sets: is_completed */
};

static void listing_release(struct listing *l)
{
	ads_strvec_release(&l->statuses);
	ads_strvec_release(&l->hashes);
	for (size_t i = 0; i < l->nconds; i++) {
		free(l->conds[i].field);
		json_decref(l->conds[i].value);
	}
	free(l->conds);
}

static const char *const effective_values[] = {
	"ACTIVE",
	"PAUSED",
	"DELETED",
	"PENDING_REVIEW",
	"DISAPPROVED",
	"PREAPPROVED",
	"PENDING_BILLING_INFO",
	"CAMPAIGN_PAUSED",
	"ARCHIVED",
	"ADSET_PAUSED",
	"IN_PROCESS",
	"WITH_ISSUES",
};

/* Parses an effective_status list into l->statuses. */
static bool parse_statuses(struct rctx *rc, struct listing *l, const char *s)
{
	struct ads_strvec v = ADS_STRVEC_INIT;
	bool ok = true;

	emu_split_ids(&v, s);
	for (size_t i = 0; i < v.nr && ok; i++) {
		bool known = false;

		for (size_t j = 0; j < ADS_ARRAY_SIZE(effective_values); j++)
			if (!strcmp(v.v[i], effective_values[j]))
				known = true;
		if (!known) {
			emu_resp_invalid(
			        rc->resp, "effective_status",
			        "(#100) param effective_status[%zu] must "
			        "be one of {ACTIVE, PAUSED, DELETED, "
			        "PENDING_REVIEW, DISAPPROVED, PREAPPROVED, "
			        "PENDING_BILLING_INFO, CAMPAIGN_PAUSED, "
			        "ARCHIVED, ADSET_PAUSED, IN_PROCESS, "
			        "WITH_ISSUES}",
			        i);
			ok = false;
		} else if (!strcmp(v.v[i], "DELETED")) {
			/* 003:L16889: "error if it does" */
			struct emu_err e = { .code = 100,
				             .blame = "effective_status" };

			emu_resp_error(
			        rc->resp, &e,
			        "(#100) Filtering by effective_status "
			        "DELETED is not supported: deleted objects "
			        "can only be read by their ID");
			ok = false;
		} else {
			ads_strvec_push(&l->statuses, v.v[i]);
		}
	}
	ads_strvec_release(&v);
	return ok;
}

static const char *const ops[] = {
	"EQUAL",        "NOT_EQUAL",
	"GREATER_THAN", "GREATER_THAN_OR_EQUAL",
	"LESS_THAN",    "LESS_THAN_OR_EQUAL",
	"IN_RANGE",     "NOT_IN_RANGE",
	"CONTAIN",      "NOT_CONTAIN",
	"IN",           "NOT_IN",
	"STARTS_WITH",  "ENDS_WITH",
	"ANY",          "ALL",
	"AFTER",        "BEFORE",
	"NONE",         "TOP",
};

/* The object's own field name for a filter field ("campaign.name"). */
static const char *strip_prefix(const char *f, int kind)
{
	const char *dot = strchr(f, '.');
	static const char *const prefixes[][2] = {
		{ "campaign", "0" },   { "adset", "1" },          { "ad", "2" },
		{ "adcreative", "3" }, { "customaudience", "4" },
	};

	if (!dot)
		return f;
	for (size_t i = 0; i < ADS_ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i][0]);

		if ((size_t)(dot - f) == n && !strncmp(f, prefixes[i][0], n) &&
		    atoi(prefixes[i][1]) == kind)
			return dot + 1;
	}
	return NULL;
}

static bool parse_filtering(struct rctx *rc, struct listing *l, const char *s)
{
	json_t *arr = json_loads(s, 0, NULL);
	size_t i;
	json_t *v;

	if (!json_is_array(arr)) {
		json_decref(arr);
		emu_resp_invalid(rc->resp, "filtering",
		                 "(#100) param filtering must be an array of "
		                 "objects {field, operator, value}");
		return false;
	}
	l->conds = xcalloc(json_array_size(arr) + 1, sizeof(*l->conds));
	json_array_foreach(arr, i, v) {
		const char *field = ads_json_str(v, "field");
		const char *op = ads_json_str(v, "operator");
		json_t *val = json_object_get(v, "value");
		const char *own;
		bool known = false;

		if (!field || !op || !val) {
			emu_resp_invalid(rc->resp, "filtering",
			                 "(#100) filtering[%zu] needs field, "
			                 "operator and value",
			                 i);
			json_decref(arr);
			return false;
		}
		for (size_t j = 0; j < ADS_ARRAY_SIZE(ops); j++)
			if (!strcmp(op, ops[j]))
				known = true;
		own = l->kind >= 0 ? strip_prefix(field, l->kind) : field;
		if (!known) {
			emu_resp_invalid(rc->resp, "filtering",
			                 "(#100) Filtering operator %s is not "
			                 "supported",
			                 op);
			json_decref(arr);
			return false;
		}
		if (!own || (l->kind >= 0 && strcmp(own, "id") &&
		             !field_type((enum emu_kind)l->kind, own))) {
			emu_resp_invalid(rc->resp, "filtering",
			                 "(#100) Filtering field %s is invalid",
			                 field);
			json_decref(arr);
			return false;
		}
		if (!strcmp(own, "effective_status") &&
		    (!strcmp(op, "IN") || !strcmp(op, "EQUAL"))) {
			char *text = json_dumps(val, JSON_ENCODE_ANY);
			bool ok = parse_statuses(rc, l, text);

			free(text);
			if (!ok) {
				json_decref(arr);
				return false;
			}
			continue;
		}
		l->conds[l->nconds].field = xstrdup(own);
		snprintf(l->conds[l->nconds].op, sizeof(l->conds[0].op), "%s",
		         op);
		l->conds[l->nconds].value = json_incref(val);
		l->nconds++;
	}
	json_decref(arr);
	return true;
}

static void scalar_text(json_t *v, char *out, size_t n)
{
	if (json_is_string(v))
		snprintf(out, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, n, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(out, n, "%s", json_is_true(v) ? "true" : "false");
	else
		out[0] = '\0';
}

static bool num_of(json_t *v, double *out)
{
	char buf[64];
	int64_t t;
	char *end;

	scalar_text(v, buf, sizeof(buf));
	if (!buf[0])
		return false;
	if (ads_time_parse(buf, &t) && strchr(buf, '-')) {
		*out = (double)t;
		return true;
	}
	*out = strtod(buf, &end);
	return end != buf && !*end;
}

static bool in_list(json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	char buf[256];

	if (!json_is_array(list)) {
		scalar_text(list, buf, sizeof(buf));
		return !strcmp(buf, s);
	}
	json_array_foreach(list, i, v) {
		scalar_text(v, buf, sizeof(buf));
		if (!strcmp(buf, s))
			return true;
	}
	return false;
}

static bool labels_match(json_t *labels, const struct cond *c)
{
	size_t i,
	        hits = 0,
	        want = json_is_array(c->value) ? json_array_size(c->value) : 1;
	json_t *l;

	json_array_foreach(labels, i, l) {
		const char *id = ads_json_str(l, "id");
		const char *name = ads_json_str(l, "name");

		if ((id && in_list(c->value, id)) ||
		    (name && in_list(c->value, name)))
			hits++;
	}
	if (!strcmp(c->op, "ALL"))
		return hits >= want;
	if (!strcmp(c->op, "NONE") || !strcmp(c->op, "NOT_IN"))
		return hits == 0;
	return hits > 0;
}

static bool ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return !n;
}

static bool cond_match(struct rctx *rc, const struct emu_obj *o,
                       const struct cond *c)
{
	json_t *v = emu_field_value(rc->ctx, o, c->field, rc->now);
	char text[1024], want[1024];
	double a, b;
	bool r = false;

	if (!strcmp(c->field, "adlabels")) {
		if (!v)
			v = json_array();
		r = labels_match(v, c);
		json_decref(v);
		return r;
	}
	scalar_text(v, text, sizeof(text));
	scalar_text(c->value, want, sizeof(want));
	if (!strcmp(c->op, "EQUAL"))
		r = v && !strcmp(text, want);
	else if (!strcmp(c->op, "NOT_EQUAL"))
		r = !v || strcmp(text, want);
	else if (!strcmp(c->op, "IN") || !strcmp(c->op, "ANY"))
		r = v && in_list(c->value, text);
	else if (!strcmp(c->op, "NOT_IN") || !strcmp(c->op, "NONE"))
		r = !v || !in_list(c->value, text);
	else if (!strcmp(c->op, "CONTAIN"))
		r = v && ci_contains(text, want);
	else if (!strcmp(c->op, "NOT_CONTAIN"))
		r = !v || !ci_contains(text, want);
	else if (!strcmp(c->op, "STARTS_WITH"))
		r = v && !strncasecmp(text, want, strlen(want));
	else if (!strcmp(c->op, "ENDS_WITH"))
		r = v && strlen(text) >= strlen(want) &&
		    !strcasecmp(text + strlen(text) - strlen(want), want);
	else if (v && num_of(v, &a) && num_of(c->value, &b)) {
		if (!strcmp(c->op, "GREATER_THAN") || !strcmp(c->op, "AFTER"))
			r = a > b;
		else if (!strcmp(c->op, "GREATER_THAN_OR_EQUAL"))
			r = a >= b;
		else if (!strcmp(c->op, "LESS_THAN") ||
		         !strcmp(c->op, "BEFORE"))
			r = a < b;
		else if (!strcmp(c->op, "LESS_THAN_OR_EQUAL"))
			r = a <= b;
	} else if (v && json_is_array(c->value) &&
	           json_array_size(c->value) == 2 && num_of(v, &a)) {
		double lo, hi;

		if (num_of(json_array_get(c->value, 0), &lo) &&
		    num_of(json_array_get(c->value, 1), &hi)) {
			bool in = a >= lo && a <= hi;

			r = !strcmp(c->op, "IN_RANGE") ? in : !in;
		}
	}
	json_decref(v);
	return r;
}

static bool visible(struct rctx *rc, const struct listing *l,
                    const struct emu_obj *o)
{
	if (o->gone)
		return false;
	if (l->kind >= 0 && (int)o->kind != l->kind)
		return false;
	if (o->kind <= EMU_AD || o->kind == EMU_CREATIVE) {
		const char *eff = emu_effective_status(o, rc->now);

		if (!strcmp(eff, "DELETED"))
			return false; /* never listed (003:L16889) */
		if (l->statuses.nr) {
			if (!ads_strvec_contains(&l->statuses, eff))
				return false;
		} else if (!strcmp(eff, "ARCHIVED")) {
			return false;
		}
	}
	if (l->updated_since >= 0 && o->updated < l->updated_since)
		return false;
	if (l->hashes.nr) {
		const char *h = ads_json_str(o->f, "hash");

		if (!h || !ads_strvec_contains(&l->hashes, h))
			return false;
	}
	if (l->completed_only || l->incomplete_only) {
		json_t *c = async_counts(o, "is_completed");
		bool done = json_is_true(c);

		json_decref(c);
		if (done != l->completed_only)
			return false;
	}
	for (size_t i = 0; i < l->nconds; i++)
		if (!cond_match(rc, o, &l->conds[i]))
			return false;
	return true;
}

static json_t *project(struct rctx *rc, const struct emu_obj *o,
                       const struct emu_fsel *sel, int depth);

/* A page over paging.max_page_bytes (sdk-behaviors §3.1): code 1, HTTP
 * 500. */
static void too_much_data(struct emu_resp *resp)
{
	struct emu_err e = { .code = 1, .http = 500 };

	emu_resp_error(resp, &e,
	               "Please reduce the amount of data you're asking for, "
	               "then retry your request");
}

/*
 * Builds {data, paging[, summary]} for a listing; path and params make the
 * next/previous links. NULL with rc->resp set on an error.
 */
static json_t *list_page(struct rctx *rc, struct listing *l,
                         const struct emu_fsel *sel, const char *path,
                         const struct emu_params *params, int depth)
{
	json_t *data = json_array(), *page = json_object(), *paging;
	const struct emu_objvec *vec = l->vec;
	uint64_t first = 0, last = 0;
	bool more = false;
	size_t total = 0;

	if (l->before) {
		/* the `limit` items just newer than the cursor, newest first */
		size_t i = emu_objvec_lower(vec, l->before + 1);
		size_t taken = 0, start;
		const struct emu_obj **buf =
		        xcalloc((size_t)l->limit + 1, sizeof(*buf));

		for (; i < vec->nr && taken < (size_t)l->limit; i++)
			if (visible(rc, l, vec->v[i]))
				buf[taken++] = vec->v[i];
		for (; i < vec->nr && !more; i++)
			if (visible(rc, l, vec->v[i]))
				more = true;
		for (start = taken; start-- > 0;) {
			json_t *item = project(rc, buf[start], sel, depth);

			if (!item) {
				free(buf);
				goto fail;
			}
			json_array_append_new(data, item);
			if (!first)
				first = buf[start]->seq;
			last = buf[start]->seq;
		}
		free(buf);
		/* going backwards, "next" leads towards older items */
		more = true;
		if (!taken)
			more = false;
	} else {
		size_t i = l->after ? emu_objvec_lower(vec, l->after) : vec->nr;
		int64_t taken = 0;

		while (i-- > 0) {
			const struct emu_obj *o = vec->v[i];
			json_t *item;

			if (!visible(rc, l, o))
				continue;
			if (taken == l->limit) {
				more = true;
				break;
			}
			item = project(rc, o, sel, depth);
			if (!item)
				goto fail;
			json_array_append_new(data, item);
			if (!first)
				first = o->seq;
			last = o->seq;
			taken++;
		}
	}
	if (l->summary)
		for (size_t i = 0; i < vec->nr; i++)
			if (visible(rc, l, vec->v[i]))
				total++;

	/* a nested page is checked here; a top-level one as a whole, on the
	 * text that is sent (list_and_respond) */
	if (depth && rc->rt.max_page_bytes) {
		char *text = json_dumps(data, JSON_COMPACT);
		size_t n = strlen(text);

		free(text);
		if (n > rc->rt.max_page_bytes) {
			too_much_data(rc->resp);
			goto fail;
		}
	}

	json_object_set_new(page, "data", data);
	paging = json_object();
	if (json_array_size(data)) {
		char a[64], b[64];
		json_t *cur = json_object();

		cursor_encode(b, sizeof(b), first);
		cursor_encode(a, sizeof(a), last);
		json_object_set_new(cur, "before", json_string(b));
		json_object_set_new(cur, "after", json_string(a));
		json_object_set_new(paging, "cursors", cur);
		if (more) {
			char *url = page_url(rc, path, params, "after", a);

			json_object_set_new(paging, "next", json_string(url));
			free(url);
		}
		if (l->after || l->before) {
			char *url = page_url(rc, path, params, "before", b);

			json_object_set_new(paging, "previous",
			                    json_string(url));
			free(url);
		}
	}
	json_object_set_new(page, "paging", paging);
	if (l->summary)
		json_object_set_new(
		        page, "summary",
		        json_pack("{s:I}", "total_count", (json_int_t)total));
	return page;
fail:
	json_decref(data);
	json_decref(page);
	return NULL;
}

/* Reads limit/after/before/filters from params into l. */
static bool listing_params(struct rctx *rc, struct listing *l,
                           const struct emu_params *p)
{
	const char *s;

	l->limit = rc->rt.default_limit;
	l->updated_since = -1;
	if ((s = emu_params_get(p, "limit"))) {
		char *end;
		long long n = strtoll(s, &end, 10);

		if (end == s || *end || n < 0) {
			emu_resp_invalid(rc->resp, "limit",
			                 "(#100) param limit must be a "
			                 "non-negative integer");
			return false;
		}
		l->limit = n ? n : rc->rt.default_limit;
	}
	if (l->limit > (int64_t)rc->rt.max_limit)
		l->limit = rc->rt.max_limit;
	if ((s = emu_params_get(p, "after")) && !cursor_decode(s, &l->after)) {
		emu_resp_invalid(
		        rc->resp, "after",
		        "(#100) The After Cursor specified is invalid");
		return false;
	}
	if ((s = emu_params_get(p, "before")) &&
	    !cursor_decode(s, &l->before)) {
		emu_resp_invalid(
		        rc->resp, "before",
		        "(#100) The Before Cursor specified is invalid");
		return false;
	}
	if ((s = emu_params_get(p, "effective_status")) &&
	    !parse_statuses(rc, l, s))
		return false;
	if ((s = emu_params_get(p, "filtering")) && !parse_filtering(rc, l, s))
		return false;
	if ((s = emu_params_get(p, "updated_since"))) {
		int64_t t;

		if (!ads_time_parse(s, &t)) {
			emu_resp_invalid(rc->resp, "updated_since",
			                 "(#100) param updated_since must be a "
			                 "UNIX timestamp");
			return false;
		}
		l->updated_since = t;
	}
	if ((s = emu_params_get(p, "summary")))
		l->summary = strcmp(s, "false") && strcmp(s, "0");
	if ((s = emu_params_get(p, "hashes")))
		emu_split_ids(&l->hashes, s);
	if ((s = emu_params_get(p, "is_completed"))) {
		l->completed_only = !strcmp(s, "1") || !strcmp(s, "true");
		l->incomplete_only = !l->completed_only;
	}
	return true;
}

/* The edges an object kind has, as listings: NULL if name is none. */
static const struct emu_objvec *obj_edge(const struct emu_obj *o,
                                         const char *name, int *kind)
{
	*kind = -1;
	if (o->kind == EMU_CAMPAIGN && !strcmp(name, "adsets")) {
		*kind = EMU_ADSET;
		return &o->kids;
	}
	if (o->kind == EMU_CAMPAIGN && !strcmp(name, "ads")) {
		*kind = EMU_AD;
		return &o->ads;
	}
	if (o->kind == EMU_ADSET && !strcmp(name, "ads")) {
		*kind = EMU_AD;
		return &o->kids;
	}
	if (o->kind == EMU_ASYNC_SET && !strcmp(name, "requests")) {
		*kind = EMU_ASYNC_REQ;
		return &o->kids;
	}
	return NULL;
}

/* A nested edge inside a projection: campaigns{adsets.limit(2){id}}. */
static json_t *nested_edge(struct rctx *rc, const char *owner,
                           const struct emu_objvec *vec, int kind,
                           const struct emu_fsel_item *it, int depth)
{
	struct listing l = { 0 };
	struct emu_params p = EMU_PARAMS_INIT;
	struct ads_buf path = ADS_BUF_INIT, fields = ADS_BUF_INIT;
	json_t *page = NULL;

	l.vec = vec;
	l.kind = kind;
	l.updated_since = -1;
	l.limit = it->limit > 0 ? it->limit : (int64_t)rc->rt.default_limit;
	if (l.limit > (int64_t)rc->rt.max_limit)
		l.limit = rc->rt.max_limit;
	l.summary = it->summary;
	if (it->effective_status &&
	    !parse_statuses(rc, &l, it->effective_status))
		goto out;
	if (it->sub) {
		fsel_text(&fields, it->sub);
		emu_params_add(&p, "fields", fields.buf, fields.len, NULL);
	}
	{
		char lim[32];

		snprintf(lim, sizeof(lim), "%lld", (long long)l.limit);
		emu_params_add(&p, "limit", lim, strlen(lim), NULL);
	}
	if (it->effective_status)
		emu_params_add(&p, "effective_status", it->effective_status,
		               strlen(it->effective_status), NULL);
	ads_buf_addf(&path, "%s/%s", owner, it->name);
	page = list_page(rc, &l, it->sub, path.buf, &p, depth + 1);
out:
	listing_release(&l);
	emu_params_release(&p);
	ads_buf_release(&path);
	ads_buf_release(&fields);
	return page;
}

/* The kind of object a reference-typed field points at, or -1. */
static int ref_kind(const char *type)
{
	for (int k = 0; k < EMU_NKINDS; k++)
		if (!strcmp(emu_kinds[k].node, type))
			return k;
	return -1;
}

static json_t *subproject(struct rctx *rc, json_t *v, const char *type,
                          const struct emu_fsel *sel, int depth);

static json_t *struct_project(struct rctx *rc, json_t *v, const char *type,
                              const struct emu_fsel *sel, int depth)
{
	const struct emu_node *node = type ? emu_spec_node(type) : NULL;
	json_t *out = json_object();

	for (size_t i = 0; i < sel->nr; i++) {
		const struct emu_fsel_item *it = &sel->v[i];
		const struct emu_field *f = emu_spec_field(node, it->name);
		json_t *m = json_object_get(v, it->name);

		if (node && node->n && !f) {
			nonexisting(rc->resp, it->name, type);
			json_decref(out);
			return NULL;
		}
		if (!m)
			continue;
		m = json_deep_copy(m);
		if (it->sub) {
			m = subproject(rc, m, f ? f->type : NULL, it->sub,
			               depth + 1);
			if (!m) {
				json_decref(out);
				return NULL;
			}
		}
		json_object_set_new(out, it->name, m);
	}
	return out;
}

/* Applies a nested selection to a field value (consumes v). */
static json_t *subproject(struct rctx *rc, json_t *v, const char *type,
                          const struct emu_fsel *sel, int depth)
{
	char inner[128] = "";
	int k;
	json_t *out;

	if (type)
		emu_type_inner(type, inner, sizeof(inner));
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		out = json_array();
		json_array_foreach(v, i, e) {
			json_t *p = subproject(rc, json_incref(e), inner, sel,
			                       depth);

			if (!p) {
				json_decref(out);
				json_decref(v);
				return NULL;
			}
			json_array_append_new(out, p);
		}
		json_decref(v);
		return out;
	}
	if (!json_is_object(v))
		return v;
	k = inner[0] ? ref_kind(inner) : -1;
	if (k >= 0 && ads_json_str(v, "id") && depth < 8) {
		const struct emu_obj *o =
		        emu_store_get(&rc->ctx->store, ads_json_str(v, "id"));

		if (o && !o->gone) {
			out = project(rc, o, sel, depth + 1);
			json_decref(v);
			return out;
		}
	}
	out = struct_project(rc, v, inner[0] ? inner : NULL, sel, depth);
	json_decref(v);
	return out;
}

static const char *const set_defaults[] = { "id", "owner_id", "name",
	                                    "is_completed", NULL };
static const char *const req_defaults[] = { "id", "result", NULL };
static const char *const img_defaults[] = { "id", "hash", NULL };

static json_t *project(struct rctx *rc, const struct emu_obj *o,
                       const struct emu_fsel *sel, int depth)
{
	json_t *out = json_object();
	const char *const *defaults = NULL;

	if (!sel) {
		/* 003:L17353: a set's default fields; requests as in the
		 * doc's example (003:L17085-17114) */
		if (o->kind == EMU_ASYNC_SET)
			defaults = set_defaults;
		else if (o->kind == EMU_ASYNC_REQ)
			defaults = req_defaults;
		else if (o->kind == EMU_IMAGE)
			defaults = img_defaults;
		if (!defaults) {
			json_object_set_new(out, "id", json_string(o->id));
			return out;
		}
		for (size_t i = 0; defaults[i]; i++) {
			json_t *v = emu_field_value(rc->ctx, o, defaults[i],
			                            rc->now);

			if (v)
				json_object_set_new(out, defaults[i], v);
		}
		return out;
	}
	for (size_t i = 0; i < sel->nr; i++) {
		const struct emu_fsel_item *it = &sel->v[i];
		const struct emu_objvec *vec;
		const char *type = field_type(o->kind, it->name);
		int kind;
		json_t *v;

		vec = obj_edge(o, it->name, &kind);
		if (vec) {
			v = nested_edge(rc, o->id, vec, kind, it, depth);
			if (!v)
				goto fail;
			json_object_set_new(out, it->name, v);
			continue;
		}
		if (!type && strcmp(it->name, "id") &&
		    !extension_field(o->kind, it->name)) {
			nonexisting(rc->resp, it->name,
			            emu_kinds[o->kind].node);
			goto fail;
		}
		v = emu_field_value(rc->ctx, o, it->name, rc->now);
		if (!v)
			continue;
		if (it->sub) {
			v = subproject(rc, v, type, it->sub, depth);
			if (!v)
				goto fail;
		}
		json_object_set_new(out, it->name, v);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

json_t *emu_project(struct emu_ctx *ctx, const struct emu_req *req,
                    const struct emu_obj *o, const struct emu_fsel *sel,
                    struct emu_resp *resp)
{
	struct rctx rc = { ctx, req, resp, emu_now(ctx), { 0 } };

	emu_limits_runtime(&ctx->limits, &rc.rt);
	return project(&rc, o, sel, 0);
}

bool emu_req_fields(const struct emu_req *req, struct emu_fsel **out,
                    struct emu_resp *resp)
{
	const char *fields = emu_params_get(&req->params, "fields");
	char why[512];

	*out = NULL;
	if (!fields || !*fields)
		return true;
	if (!emu_fsel_parse(out, fields, why, sizeof(why))) {
		struct emu_err e = { .code = 2500 };

		emu_resp_error(resp, &e, "%s", why);
		return false;
	}
	return true;
}

/* --- account node ------------------------------------------------------- */

static json_t *account_value(struct emu_ctx *ctx, const char *id,
                             const char *name)
{
	const struct emu_account *a = emu_store_find_account(&ctx->store, id);
	const char *cur = a ? a->currency : ctx->cfg.default_currency;
	const char *tz = a ? a->timezone_name : ctx->cfg.default_timezone;
	int64_t mdb =
	        a ? a->min_daily_budget : ctx->cfg.default_min_daily_budget;

	if (!strcmp(name, "id"))
		return json_string(id);
	if (!strcmp(name, "account_id"))
		return json_string(id + 4);
	if (!strcmp(name, "name"))
		return json_sprintf("Emulated account %s", id + 4);
	if (!strcmp(name, "currency"))
		return json_string(cur);
	if (!strcmp(name, "timezone_name"))
		return json_string(tz);
	if (!strcmp(name, "timezone_offset_hours_utc"))
		return json_real(0.0);
	if (!strcmp(name, "min_daily_budget"))
		return json_integer(mdb);
	if (!strcmp(name, "account_status"))
		return json_integer(1);
	if (!strcmp(name, "amount_spent") || !strcmp(name, "balance") ||
	    !strcmp(name, "spend_cap"))
		return json_string("0");
	if (!strcmp(name, "min_campaign_group_spend_cap"))
		return json_string("10000");
	if (!strcmp(name, "created_time"))
		return time_json(a ? a->created : emu_now(ctx));
	return NULL;
}

static int account_edge_kind(const char *edge);

static void read_account(struct rctx *rc, const char *id,
                         const struct emu_fsel *sel)
{
	json_t *out = json_object();

	if (!sel) {
		json_object_set_new(out, "id", json_string(id));
		json_object_set_new(out, "account_id", json_string(id + 4));
		emu_resp_json(rc->resp, 200, out);
		return;
	}
	for (size_t i = 0; i < sel->nr; i++) {
		const char *name = sel->v[i].name;
		int kind = account_edge_kind(name);
		json_t *v;

		if (kind >= 0) {
			/* act_X?fields=campaigns.limit(5){id,adsets{id}} */
			const struct emu_account *a =
			        emu_store_find_account(&rc->ctx->store, id);
			static const struct emu_objvec empty;

			v = nested_edge(rc, id, a ? &a->lists[kind] : &empty,
			                kind, &sel->v[i], 0);
			if (!v) {
				json_decref(out);
				return;
			}
			json_object_set_new(out, name, v);
			continue;
		}
		if (!emu_spec_field(emu_spec_node("AdAccount"), name)) {
			nonexisting(rc->resp, name, "AdAccount");
			json_decref(out);
			return;
		}
		v = account_value(rc->ctx, id, name);
		if (v)
			json_object_set_new(out, name, v);
	}
	emu_resp_json(rc->resp, 200, out);
}

/* --- dispatch ----------------------------------------------------------- */

static void not_found(struct emu_resp *resp, const char *id, const char *verb)
{
	struct emu_err e = { .code = 100, .subcode = 33 };

	/* sdk-behaviors §3.1: 100/33 */
	emu_resp_error(resp, &e,
	               "Unsupported %s request. Object with ID '%s' does not "
	               "exist, cannot be loaded due to missing permissions, or "
	               "does not support this operation. Please read the "
	               "Graph API documentation at "
	               "https://developers.facebook.com/docs/graph-api",
	               verb, id);
}

static void unknown_path(struct emu_resp *resp, const char *path)
{
	struct emu_err e = { .code = 2500 };

	emu_resp_error(resp, &e, "Unknown path components: /%s", path);
}

static void list_and_respond(struct rctx *rc, struct listing *l,
                             const struct emu_fsel *sel)
{
	json_t *page;
	size_t n;

	if (!listing_params(rc, l, &rc->req->params))
		return;
	page = list_page(rc, l, sel, rc->req->path, &rc->req->params, 0);
	if (!page)
		return;
	emu_resp_json(rc->resp, 200, page);
	/* the text made here is the one the ETag and the reply use: a page
	 * is serialised once */
	emu_resp_text(rc->resp, &n);
	if (rc->rt.max_page_bytes && n > rc->rt.max_page_bytes)
		too_much_data(rc->resp);
}

static void read_ids(struct rctx *rc, const struct emu_fsel *sel)
{
	const char *ids = emu_params_get(&rc->req->params, "ids");
	const char *id1 = emu_params_get(&rc->req->params, "id");
	struct ads_strvec v = ADS_STRVEC_INIT;
	struct ads_buf missing = ADS_BUF_INIT;
	json_t *out = json_object();

	if (!ids && id1) {
		/* 003:L17068: GET /?id=X is GET /X */
		const struct emu_obj *o = emu_store_get(&rc->ctx->store, id1);
		json_t *j;

		json_decref(out);
		if (!o || o->gone) {
			not_found(rc->resp, id1, "get");
			return;
		}
		j = project(rc, o, sel, 0);
		if (j)
			emu_resp_json(rc->resp, 200, j);
		return;
	}
	if (!ids) {
		json_decref(out);
		emu_resp_invalid(rc->resp, NULL,
		                 "(#100) Missing the ids or id parameter");
		return;
	}
	emu_split_ids(&v, ids);
	for (size_t i = 0; i < v.nr; i++) {
		const struct emu_obj *o =
		        emu_store_get(&rc->ctx->store, v.v[i]);

		if (emu_is_account_id(v.v[i]))
			continue;
		if (!o || o->gone)
			ads_buf_addf(&missing, "%s%s", missing.len ? "," : "",
			             v.v[i]);
	}
	if (missing.len) {
		struct emu_err e = { .code = 803 };

		emu_resp_error(
		        rc->resp, &e,
		        "(#803) Some of the aliases you requested do not "
		        "exist: %s",
		        missing.buf);
		goto out;
	}
	for (size_t i = 0; i < v.nr; i++) {
		json_t *j;

		if (emu_is_account_id(v.v[i])) {
			struct emu_resp tmp;

			emu_resp_init(&tmp);
			{
				struct rctx sub = *rc;

				sub.resp = &tmp;
				read_account(&sub, v.v[i], sel);
			}
			if (tmp.status != 200) {
				emu_resp_json(rc->resp, tmp.status,
				              json_incref(tmp.body));
				emu_resp_release(&tmp);
				goto out;
			}
			json_object_set(out, v.v[i], tmp.body);
			emu_resp_release(&tmp);
			continue;
		}
		j = project(rc, emu_store_get(&rc->ctx->store, v.v[i]), sel, 0);
		if (!j)
			goto out;
		json_object_set_new(out, v.v[i], j);
	}
	emu_resp_json(rc->resp, 200, out);
	out = NULL;
out:
	json_decref(out);
	ads_strvec_release(&v);
	ads_buf_release(&missing);
}

/* Account edges that can be listed, and the kind each lists. */
static int account_edge_kind(const char *edge)
{
	static const struct {
		const char *edge;
		int kind;
	} edges[] = {
		{ "campaigns", EMU_CAMPAIGN },
		{ "adsets", EMU_ADSET },
		{ "ads", EMU_AD },
		{ "adcreatives", EMU_CREATIVE },
		{ "customaudiences", EMU_AUDIENCE },
		{ "adlabels", EMU_LABEL },
		{ "adimages", EMU_IMAGE },
		{ "asyncadrequestsets", EMU_ASYNC_SET },
		{ "async_requests", EMU_ASYNC_SET },
	};

	for (size_t i = 0; i < ADS_ARRAY_SIZE(edges); i++)
		if (!strcmp(edges[i].edge, edge))
			return edges[i].kind;
	return -1;
}

static void read_account_edge(struct rctx *rc, const char *acct,
                              const char *edge, const struct emu_fsel *sel)
{
	const struct emu_account *a =
	        emu_store_find_account(&rc->ctx->store, acct);
	static const struct emu_objvec empty;
	struct listing l = { 0 };
	int kind = account_edge_kind(edge);

	if (kind < 0) {
		if (!strcmp(edge, "advideos")) {
			/* 003:L15361-15363 */
			struct emu_err e = { .code = 100, .subcode = 33 };

			emu_resp_error(rc->resp, &e,
			               "Unsupported get request. Reading the "
			               "advideos edge is not supported");
			return;
		}
		unknown_path(rc->resp, rc->req->path);
		return;
	}
	l.vec = a ? &a->lists[kind] : &empty;
	l.kind = kind;
	list_and_respond(rc, &l, sel);
	listing_release(&l);
}

static void read_obj_edge(struct rctx *rc, const struct emu_obj *o,
                          const char *edge, const struct emu_fsel *sel)
{
	struct listing l = { 0 };
	int kind;
	const struct emu_objvec *vec = obj_edge(o, edge, &kind);
	struct emu_objvec one = { 0 };

	if (!vec && o->kind == EMU_AD && !strcmp(edge, "adcreatives")) {
		const char *cid = ads_json_str(o->f, "creative_id");
		struct emu_obj *c =
		        cid ? emu_store_get(&rc->ctx->store, cid) : NULL;

		if (c)
			emu_objvec_push(&one, c);
		vec = &one;
		kind = EMU_CREATIVE;
	}
	if (!vec && o->kind == EMU_ADSET && !strcmp(edge, "asyncadrequests")) {
		/* requests of every set that targets this ad set */
		const struct emu_objvec *sets = &o->acct->lists[EMU_ASYNC_SET];

		for (size_t i = 0; i < sets->nr; i++)
			for (size_t j = 0; j < sets->v[i]->kids.nr; j++) {
				struct emu_obj *r = sets->v[i]->kids.v[j];
				const char *scope =
				        ads_json_str(r->f, "scope_object_id");

				if (scope && !strcmp(scope, o->id))
					emu_objvec_push(&one, r);
			}
		vec = &one;
		kind = EMU_ASYNC_REQ;
	}
	if (!vec) {
		unknown_path(rc->resp, rc->req->path);
		return;
	}
	l.vec = vec;
	l.kind = kind;
	if (kind == EMU_ASYNC_REQ) {
		const char *st = emu_params_get(&rc->req->params, "statuses");

		if (!st)
			st = emu_params_get(&rc->req->params, "status");
		if (st) {
			/* requests' statuses are not effective statuses */
			struct ads_strvec v = ADS_STRVEC_INIT;
			struct emu_objvec *f = xcalloc(1, sizeof(*f));

			emu_split_ids(&v, st);
			for (size_t i = 0; i < vec->nr; i++) {
				const char *s =
				        ads_json_str(vec->v[i]->f, "status");

				for (size_t j = 0; s && j < v.nr; j++)
					if (!strcasecmp(v.v[j], s))
						emu_objvec_push(f, vec->v[i]);
			}
			ads_strvec_release(&v);
			l.vec = f;
			list_and_respond(rc, &l, sel);
			free(f->v);
			free(f);
			listing_release(&l);
			free(one.v);
			return;
		}
	}
	list_and_respond(rc, &l, sel);
	listing_release(&l);
	free(one.v);
}

void emu_read(struct emu_ctx *ctx, const struct emu_req *req,
              struct emu_resp *resp)
{
	struct rctx rc = { ctx, req, resp, emu_now(ctx), { 0 } };
	struct emu_fsel *sel = NULL;
	const char *slash;
	char first[128];
	size_t flen;

	emu_limits_runtime(&ctx->limits, &rc.rt);
	if (!emu_req_fields(req, &sel, resp))
		return;
	slash = strchr(req->path, '/');
	flen = slash ? (size_t)(slash - req->path) : strlen(req->path);
	if (flen >= sizeof(first)) {
		unknown_path(resp, req->path);
		goto out;
	}
	memcpy(first, req->path, flen);
	first[flen] = '\0';
	if (!*req->path) {
		read_ids(&rc, sel);
	} else if (emu_is_account_id(first)) {
		if (!slash)
			read_account(&rc, first, sel);
		else if (strchr(slash + 1, '/'))
			unknown_path(resp, req->path);
		else
			read_account_edge(&rc, first, slash + 1, sel);
	} else {
		const struct emu_obj *o = emu_store_get(&ctx->store, first);

		if (!o || o->gone) {
			not_found(resp, first, "get");
		} else if (!slash) {
			json_t *j = project(&rc, o, sel, 0);

			if (j)
				emu_resp_json(resp, 200, j);
		} else if (strchr(slash + 1, '/')) {
			unknown_path(resp, req->path);
		} else {
			read_obj_edge(&rc, o, slash + 1, sel);
		}
	}
out:
	emu_fsel_free(sel);
}
