/*
 * The plan's vocabulary and bookkeeping: action and impact names, steps,
 * requests and changes (allocation and release), placeholders and their
 * resolution, project digests and provenance, and the staleness check of
 * saved plans. build.c decides the steps; json.c reads and writes them.
 */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

static const char *const action_names[ADS_ACTION_COUNT] = {
	[ADS_ACTION_CREATE] = "create",   [ADS_ACTION_UPDATE] = "update",
	[ADS_ACTION_REPLACE] = "replace", [ADS_ACTION_DELETE] = "delete",
	[ADS_ACTION_ARCHIVE] = "archive", [ADS_ACTION_ACTIVATE] = "activate",
};

const char *ads_action_name(enum ads_action a)
{
	return (unsigned)a < ADS_ACTION_COUNT ? action_names[a] : "?";
}

int ads_action_parse(enum ads_action *out, const char *name)
{
	for (size_t i = 0; i < ADS_ACTION_COUNT; i++)
		if (name && !strcmp(action_names[i], name)) {
			*out = (enum ads_action)i;
			return 0;
		}
	return ADS_EINVALID;
}

const char *ads_plan_kind_words(enum ads_kind k)
{
	static const char *const words[ADS_KIND_COUNT] = {
		"image",    "video", "custom audience", "campaign", "ad set",
		"creative", "ad",
	};

	return (unsigned)k < ADS_KIND_COUNT ? words[k] : "object";
}

static const char *const impact_names[ADS_IMPACT_COUNT] = {
	"learning_reset", "spend_increase", "spend_decrease",
	"irreversible",   "replace",        "ad_review",
};

const char *ads_impact_name(unsigned bit)
{
	for (unsigned i = 0; i < ADS_IMPACT_COUNT; i++)
		if (bit == 1u << i)
			return impact_names[i];
	return "?";
}

int ads_impact_parse(unsigned *bit, const char *name)
{
	for (unsigned i = 0; i < ADS_IMPACT_COUNT; i++)
		if (name && !strcmp(impact_names[i], name)) {
			*bit = 1u << i;
			return 0;
		}
	return ADS_EINVALID;
}

static const char *const upload_names[] = {
	[ADS_UPLOAD_NONE] = "none",
	[ADS_UPLOAD_IMAGE] = "image",
	[ADS_UPLOAD_VIDEO] = "video",
	[ADS_UPLOAD_MEMBERS] = "members",
};

const char *ads_upload_name(enum ads_upload u)
{
	return (unsigned)u < ADS_ARRAY_SIZE(upload_names) ? upload_names[u]
	                                                  : "none";
}

int ads_plan_upload_parse(enum ads_upload *out, const char *name)
{
	for (size_t i = 0; i < ADS_ARRAY_SIZE(upload_names); i++)
		if (name && !strcmp(upload_names[i], name)) {
			*out = (enum ads_upload)i;
			return 0;
		}
	return ADS_EINVALID;
}

/* --- steps ------------------------------------------------------------ */

struct ads_plan *ads_plan_new(void)
{
	struct ads_plan *p = xcalloc(1, sizeof(*p));

	p->format_version = ADS_PLAN_FORMAT_VERSION;
	return p;
}

struct ads_plan_step *ads_plan_add_step(struct ads_plan *p,
                                        enum ads_action action,
                                        enum ads_kind kind, const char *address)
{
	struct ads_plan_step *s;

	ADS_ALLOC_GROW(p->steps, p->nsteps + 1, p->alloc_steps);
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof(*s));
	s->action = action;
	s->kind = kind;
	s->address = xstrdup(address);
	return s;
}

struct ads_plan_change *ads_plan_step_add_change(struct ads_plan_step *s,
                                                 const char *field,
                                                 json_t *before, json_t *after,
                                                 enum ads_diff_type type)
{
	struct ads_plan_change *c;

	ADS_ALLOC_GROW(s->changes, s->nchanges + 1, s->alloc_changes);
	c = &s->changes[s->nchanges++];
	memset(c, 0, sizeof(*c));
	c->field = xstrdup(field);
	c->before = before;
	c->after = after;
	c->type = type;
	return c;
}

struct ads_plan_request *ads_plan_step_add_request(struct ads_plan_step *s,
                                                   const char *method,
                                                   json_t *path, json_t *params)
{
	struct ads_plan_request *r;

	ADS_ALLOC_GROW(s->requests, s->nrequests + 1, s->alloc_requests);
	r = &s->requests[s->nrequests++];
	memset(r, 0, sizeof(*r));
	r->method = xstrdup(method);
	r->path = path;
	r->params = params ? params : json_object();
	return r;
}

void ads_plan_step_take_diff(struct ads_plan_step *s, struct ads_diff *d,
                             bool skip_status)
{
	for (size_t i = 0; i < d->nr; i++) {
		struct ads_diff_entry *e = &d->v[i];
		unsigned flags = e->rule->flags | (e->top ? e->top->flags : 0);

		if (skip_status && !strcmp(e->field, "status"))
			continue;
		ads_plan_step_add_change(s, e->field, e->before, e->after,
		                         e->rule->type);
		e->before = e->after = NULL;
		if (flags & ADS_FIELD_LEARNING)
			s->impact |= ADS_IMPACT_LEARNING_RESET;
		if (flags & ADS_FIELD_REVIEW)
			s->impact |= ADS_IMPACT_AD_REVIEW;
		if (flags & ADS_FIELD_BUDGET) {
			/* more than 20% restarts learning (DESIGN.md §5) */
			const struct ads_plan_change *c =
			        &s->changes[s->nchanges - 1];
			int64_t x = 0, y = 0;

			ads_json_as_int64(c->before, &x);
			ads_json_as_int64(c->after, &y);
			if (x <= 0 || (y > x ? y - x : x - y) * 5 > x)
				s->impact |= ADS_IMPACT_LEARNING_RESET;
		}
	}
}

void ads_plan_step_add_dep(struct ads_plan_step *s, size_t dep)
{
	for (size_t i = 0; i < s->ndeps; i++)
		if (s->deps[i] == dep)
			return;
	ADS_ALLOC_GROW(s->deps, s->ndeps + 1, s->alloc_deps);
	s->deps[s->ndeps++] = dep;
}

static void release_request(struct ads_plan_request *r)
{
	free(r->method);
	json_decref(r->path);
	free(r->edge);
	json_decref(r->params);
	free(r->file);
	free(r->digest);
}

void ads_plan_step_release(struct ads_plan_step *s)
{
	free(s->address);
	free(s->id);
	free(s->reason);
	free(s->via);
	for (size_t i = 0; i < s->nchanges; i++) {
		free(s->changes[i].field);
		json_decref(s->changes[i].before);
		json_decref(s->changes[i].after);
	}
	free(s->changes);
	for (size_t i = 0; i < s->nrequests; i++)
		release_request(&s->requests[i]);
	free(s->requests);
	ads_strvec_release(&s->labels);
	free(s->fp.updated_time);
	free(s->fp.etag);
	free(s->fp.digest);
	free(s->deps);
	memset(s, 0, sizeof(*s));
}

void ads_plan_free(struct ads_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsteps; i++)
		ads_plan_step_release(&p->steps[i]);
	free(p->steps);
	free(p->stack);
	free(p->account);
	free(p->currency);
	free(p->api_version);
	free(p->target);
	ads_strvec_release(&p->notes);
	free(p->project_digest);
	free(p->commit);
	free(p->branch);
	free(p->created);
	free(p->drift_baseline);
	for (size_t i = 0; i < p->nrejections; i++)
		ads_error_release(&p->rejections[i].err);
	free(p->rejections);
	ads_strvec_release(&p->not_validated);
	free(p);
}

bool ads_plan_empty(const struct ads_plan *p)
{
	return p->nsteps == 0;
}

void ads_plan_count(struct ads_plan *p)
{
	memset(p->count, 0, sizeof(p->count));
	p->spend_delta = 0;
	for (size_t i = 0; i < p->nsteps; i++) {
		p->count[p->steps[i].action]++;
		p->spend_delta += p->steps[i].spend_delta;
	}
}

/* --- placeholders ----------------------------------------------------- */

bool ads_plan_is_ref(const json_t *v, const char **address)
{
	const char *a;

	if (!json_is_object(v) || json_object_size(v) != 1)
		return false;
	a = ads_json_str(v, "ref");
	if (!a)
		return false;
	if (address)
		*address = a;
	return true;
}

json_t *ads_plan_ref(const char *address)
{
	return json_pack("{s:s}", "ref", address);
}

/* A deep copy of v with every placeholder resolved; NULL on failure. */
static json_t *resolve_value(const json_t *v, ads_plan_ref_fn resolve,
                             void *ctx, struct ads_error *err)
{
	const char *addr;
	json_t *out;

	if (ads_plan_is_ref(v, &addr)) {
		out = resolve(ctx, addr);
		if (!out)
			ads_error_set(
			        err, ADS_ENOTFOUND,
			        "no id for '%s': the step that creates it "
			        "has not run",
			        addr);
		return out;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *e;

		out = json_object();
		json_object_foreach(ads_json_mut(v), k, e) {
			json_t *r = resolve_value(e, resolve, ctx, err);

			if (!r) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, k, r);
		}
		return out;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		out = json_array();
		json_array_foreach(v, i, e) {
			json_t *r = resolve_value(e, resolve, ctx, err);

			if (!r) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, r);
		}
		return out;
	}
	return json_deep_copy(v);
}

int ads_plan_request_resolve(char **path, json_t **params,
                             const struct ads_plan_request *req,
                             ads_plan_ref_fn resolve, void *ctx,
                             struct ads_error *err)
{
	json_t *p = resolve_value(req->path, resolve, ctx, err);
	json_t *q;

	if (!p)
		return err && err->code ? (int)err->code : ADS_ENOTFOUND;
	if (!json_is_string(p)) {
		json_decref(p);
		return ads_error_set(err, ADS_EINVALID,
		                     "a request path must resolve to a string");
	}
	q = resolve_value(req->params, resolve, ctx, err);
	if (!q) {
		json_decref(p);
		return err && err->code ? (int)err->code : ADS_ENOTFOUND;
	}
	*path = req->edge ? xasprintf("%s/%s", json_string_value(p), req->edge)
	                  : xstrdup(json_string_value(p));
	*params = q;
	json_decref(p);
	return 0;
}

/* --- provenance ------------------------------------------------------- */

void ads_plan_project_digest(const struct ads_model *m, char out[65])
{
	struct ads_sha256 *h = ads_sha256_new();
	struct ads_buf b = ADS_BUF_INIT;

	ads_buf_addf(&b, "adsctl-project-v1\n%s\n%s\n%s\n%s\n",
	             m->settings.stack, m->settings.account,
	             m->settings.api_version,
	             ads_prune_name(m->settings.prune));
	for (size_t i = 0; i < m->nr; i++) {
		const struct ads_resource *r = m->order[i];

		ads_buf_addf(&b, "%s\n", r->address);
		ads_json_dump_canonical(&b, r->fields);
		ads_buf_addch(&b, '\n');
		if (r->file)
			ads_buf_addf(&b, "file %s\n", r->file->sha256);
		if (r->members)
			ads_buf_addf(&b, "members %s\n", r->members->digest);
		ads_sha256_update(h, b.buf, b.len);
		ads_buf_reset(&b);
	}
	ads_sha256_final(h, out);
	ads_buf_release(&b);
}

void ads_plan_set_provenance(struct ads_plan *p, const struct ads_model *m,
                             const char *commit, const char *branch, bool dirty,
                             int64_t created)
{
	char digest[65], when[32];

	ads_plan_project_digest(m, digest);
	free(p->project_digest);
	p->project_digest = xstrdup(digest);
	free(p->commit);
	p->commit = commit ? xstrdup(commit) : NULL;
	free(p->branch);
	p->branch = branch ? xstrdup(branch) : NULL;
	p->dirty = dirty;
	ads_time_format(created, when);
	free(p->created);
	p->created = xstrdup(when);
}

/* --- staleness -------------------------------------------------------- */

int ads_plan_check_fresh(const struct ads_plan *p, const struct ads_live *live,
                         struct ads_error *err)
{
	struct ads_buf stale = ADS_BUF_INIT;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct ads_plan_step *s = &p->steps[i];
		struct ads_live_object *o;
		const char *why = NULL;

		if (!s->id || s->kind == ADS_KIND_IMAGE)
			continue;
		o = ads_live_by_id(live, s->id);
		if (!o)
			why = "is gone";
		else if (s->fp.updated_time &&
		         (!o->updated_time ||
		          strcmp(s->fp.updated_time, o->updated_time)))
			why = "was changed";
		else if (s->fp.digest &&
		         strcmp(s->fp.digest, ads_live_fingerprint(o)))
			why = "was changed";
		if (!why)
			continue;
		if (n++ < 3)
			ads_buf_addf(&stale, "%s%s (%s) %s", n > 1 ? ", " : "",
			             s->address, s->id, why);
	}
	if (n) {
		if (n > 3)
			ads_buf_addf(&stale, " and %zu more", n - 3);
		rc = ads_error_set(err, ADS_ECONFLICT,
		                   "the plan is stale: %s since it was made; "
		                   "make a new plan",
		                   stale.buf);
	}
	ads_buf_release(&stale);
	return rc;
}
