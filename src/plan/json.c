/*
 * The plan JSON document (docs/plan-format.md, schemas/plan.schema.json):
 * written by `plan --format json` and `plan -o`, read back by `show` and
 * `apply PLANFILE`. Reading checks every member it uses, so a damaged or
 * hand-edited file fails with the path of what is wrong.
 */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/xalloc.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *value_or_null(const json_t *v)
{
	return v ? json_deep_copy(v) : json_null();
}

static const char *origin_name(enum ads_change_origin o)
{
	return o == ADS_ORIGIN_LIVE ? "ads_manager" : "git";
}

static enum ads_change_origin origin_parse(const char *s)
{
	if (s && !strcmp(s, "ads_manager"))
		return ADS_ORIGIN_LIVE;
	if (s && !strcmp(s, "git"))
		return ADS_ORIGIN_GIT;
	return ADS_ORIGIN_UNKNOWN;
}

static json_t *request_json(const struct ads_plan_request *q)
{
	json_t *j = json_object();

	json_object_set_new(j, "method", json_string(q->method));
	json_object_set_new(j, "path", json_deep_copy(q->path));
	if (q->edge)
		json_object_set_new(j, "edge", json_string(q->edge));
	json_object_set_new(j, "params", json_deep_copy(q->params));
	if (q->upload != ADS_UPLOAD_NONE)
		json_object_set_new(j, "upload",
		                    json_pack("{s:s,s:o,s:o}", "kind",
		                              ads_upload_name(q->upload),
		                              "file", str_or_null(q->file),
		                              "digest",
		                              str_or_null(q->digest)));
	return j;
}

static json_t *step_json(const struct ads_plan_step *s)
{
	json_t *j = json_object(), *a;

	json_object_set_new(j, "action",
	                    json_string(ads_action_name(s->action)));
	json_object_set_new(j, "address", json_string(s->address));
	json_object_set_new(j, "kind", json_string(ads_kind_name(s->kind)));
	json_object_set_new(j, "id", str_or_null(s->id));
	if (s->reason)
		json_object_set_new(j, "reason", json_string(s->reason));
	if (s->via)
		json_object_set_new(j, "via", json_string(s->via));
	if (s->origin != ADS_ORIGIN_UNKNOWN)
		json_object_set_new(j, "origin",
		                    json_string(origin_name(s->origin)));
	a = json_array();
	for (size_t i = 0; i < s->nchanges; i++) {
		const struct ads_plan_change *c = &s->changes[i];
		json_t *cj = json_pack("{s:s,s:o,s:o,s:s}", "field", c->field,
		                       "before", value_or_null(c->before),
		                       "after", value_or_null(c->after), "type",
		                       ads_diff_type_name(c->type));

		if (c->origin != ADS_ORIGIN_UNKNOWN)
			json_object_set_new(
			        cj, "origin",
			        json_string(origin_name(c->origin)));
		json_array_append_new(a, cj);
	}
	json_object_set_new(j, "changes", a);
	a = json_array();
	for (unsigned i = 0; i < ADS_IMPACT_COUNT; i++)
		if (s->impact & (1u << i))
			json_array_append_new(
			        a, json_string(ads_impact_name(1u << i)));
	json_object_set_new(j, "impact", a);
	json_object_set_new(j, "spend_delta", json_integer(s->spend_delta));
	a = json_array();
	for (size_t i = 0; i < s->nrequests; i++)
		json_array_append_new(a, request_json(&s->requests[i]));
	json_object_set_new(j, "requests", a);
	a = json_array();
	for (size_t i = 0; i < s->labels.nr; i++)
		json_array_append_new(a, json_string(s->labels.v[i]));
	json_object_set_new(j, "labels", a);
	if (s->fp.updated_time || s->fp.digest || s->fp.etag) {
		json_t *fp = json_object();

		if (s->fp.updated_time)
			json_object_set_new(fp, "updated_time",
			                    json_string(s->fp.updated_time));
		if (s->fp.etag)
			json_object_set_new(fp, "etag",
			                    json_string(s->fp.etag));
		if (s->fp.digest)
			json_object_set_new(fp, "digest",
			                    json_string(s->fp.digest));
		json_object_set_new(j, "fingerprint", fp);
	} else {
		json_object_set_new(j, "fingerprint", json_null());
	}
	a = json_array();
	for (size_t i = 0; i < s->ndeps; i++)
		json_array_append_new(a, json_integer((json_int_t)s->deps[i]));
	json_object_set_new(j, "deps", a);
	return j;
}

static json_t *validation_json(const struct ads_plan *p)
{
	json_t *j = json_object(), *a = json_array();

	json_object_set_new(j, "validated",
	                    json_integer((json_int_t)p->nvalidated));
	for (size_t i = 0; i < p->nrejections; i++) {
		const struct ads_plan_rejection *r = &p->rejections[i];
		json_t *rj = json_pack(
		        "{s:I,s:s,s:s}", "step", (json_int_t)r->step, "address",
		        r->step < p->nsteps ? p->steps[r->step].address : "",
		        "message", r->err.msg ? r->err.msg : "");

		if (r->err.file) {
			json_object_set_new(rj, "file",
			                    json_string(r->err.file));
			json_object_set_new(rj, "line",
			                    json_integer(r->err.line));
			json_object_set_new(rj, "column",
			                    json_integer(r->err.col));
		}
		if (r->err.api_code)
			json_object_set_new(rj, "code",
			                    json_integer(r->err.api_code));
		if (r->err.api_subcode)
			json_object_set_new(rj, "subcode",
			                    json_integer(r->err.api_subcode));
		if (r->err.api_user_msg)
			json_object_set_new(rj, "user_message",
			                    json_string(r->err.api_user_msg));
		if (r->err.api_blame)
			json_object_set_new(rj, "blame",
			                    json_string(r->err.api_blame));
		json_array_append_new(a, rj);
	}
	json_object_set_new(j, "rejections", a);
	a = json_array();
	for (size_t i = 0; i < p->not_validated.nr; i++)
		json_array_append_new(a, json_string(p->not_validated.v[i]));
	json_object_set_new(j, "not_validated", a);
	return j;
}

json_t *ads_plan_to_json(const struct ads_plan *p)
{
	json_t *j = json_object(), *a, *o;

	json_object_set_new(j, "format_version",
	                    json_integer(p->format_version));
	json_object_set_new(j, "stack", str_or_null(p->stack));
	json_object_set_new(j, "account", str_or_null(p->account));
	json_object_set_new(j, "currency", str_or_null(p->currency));
	json_object_set_new(j, "api_version", str_or_null(p->api_version));
	json_object_set_new(j, "prune", json_string(ads_prune_name(p->prune)));
	json_object_set_new(j, "target", str_or_null(p->target));
	json_object_set_new(j, "created", str_or_null(p->created));
	json_object_set_new(j, "project_digest",
	                    str_or_null(p->project_digest));
	json_object_set_new(j, "commit", str_or_null(p->commit));
	json_object_set_new(j, "branch", str_or_null(p->branch));
	json_object_set_new(j, "dirty", json_boolean(p->dirty));
	a = json_array();
	for (size_t i = 0; i < p->nsteps; i++)
		json_array_append_new(a, step_json(&p->steps[i]));
	json_object_set_new(j, "steps", a);
	o = json_object();
	for (size_t i = 0; i < ADS_ACTION_COUNT; i++)
		json_object_set_new(o, ads_action_name((enum ads_action)i),
		                    json_integer((json_int_t)p->count[i]));
	json_object_set_new(o, "daily_spend_delta",
	                    json_integer(p->spend_delta));
	json_object_set_new(j, "summary", o);
	a = json_array();
	for (size_t i = 0; i < p->notes.nr; i++)
		json_array_append_new(a, json_string(p->notes.v[i]));
	json_object_set_new(j, "notes", a);
	o = json_object();
	for (size_t k = 0; k < ADS_KIND_COUNT; k++)
		if (p->unmanaged[k])
			json_object_set_new(
			        o, ads_kind_name((enum ads_kind)k),
			        json_integer((json_int_t)p->unmanaged[k]));
	json_object_set_new(j, "unmanaged", o);
	json_object_set_new(j, "foreign", json_integer((json_int_t)p->foreign));
	json_object_set_new(j, "validation",
	                    p->validated ? validation_json(p) : json_null());
	if (p->drift_baseline)
		json_object_set_new(
		        j, "drift",
		        json_pack("{s:s}", "baseline", p->drift_baseline));
	return j;
}

/* --- reading ---------------------------------------------------------- */

struct reader {
	struct ads_error *err;
	char where[64];
};

static int bad(struct reader *r, const char *member, const char *what)
{
	return ads_error_set(
	        r->err, ADS_EINVALID, "not a valid plan: %s%s%s %s", r->where,
	        *r->where && member ? "." : "", member ? member : "", what);
}

/* An optional string member: *out owned (NULL when null or absent). */
static int opt_str(struct reader *r, const json_t *obj, const char *key,
                   char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(r, key, "is not a string");
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int req_str(struct reader *r, const json_t *obj, const char *key,
                   const char **out)
{
	*out = ads_json_str(obj, key);
	return *out ? 0 : bad(r, key, "is missing or not a string");
}

static int read_request(struct reader *r, struct ads_plan_step *s,
                        const json_t *q)
{
	const char *method;
	json_t *path = json_object_get(q, "path");
	json_t *params = json_object_get(q, "params");
	json_t *up = json_object_get(q, "upload");
	struct ads_plan_request *req;
	int rc;

	if (!json_is_object(q))
		return bad(r, NULL, "is not an object");
	if ((rc = req_str(r, q, "method", &method)))
		return rc;
	if (strcmp(method, "POST") && strcmp(method, "DELETE"))
		return bad(r, "method", "is neither POST nor DELETE");
	if (!json_is_string(path) && !ads_plan_is_ref(path, NULL))
		return bad(r, "path", "is neither a string nor a {\"ref\"}");
	if (params && !json_is_object(params))
		return bad(r, "params", "is not an object");
	req = ads_plan_step_add_request(s, method, json_deep_copy(path),
	                                params ? json_deep_copy(params) : NULL);
	if ((rc = opt_str(r, q, "edge", &req->edge)))
		return rc;
	if (up && !json_is_null(up)) {
		const char *kind = ads_json_str(up, "kind");

		if (!json_is_object(up) ||
		    ads_plan_upload_parse(&req->upload, kind))
			return bad(r, "upload", "is not a known upload");
		if ((rc = opt_str(r, up, "file", &req->file)) ||
		    (rc = opt_str(r, up, "digest", &req->digest)))
			return rc;
	}
	return 0;
}

static int read_step(struct reader *r, struct ads_plan *p, const json_t *j)
{
	const char *action, *kind, *address;
	enum ads_action a;
	enum ads_kind k;
	struct ads_plan_step *s;
	json_t *v, *e;
	size_t i;
	int rc;

	if (!json_is_object(j))
		return bad(r, NULL, "is not an object");
	if ((rc = req_str(r, j, "action", &action)) ||
	    (rc = req_str(r, j, "kind", &kind)) ||
	    (rc = req_str(r, j, "address", &address)))
		return rc;
	if (ads_action_parse(&a, action))
		return bad(r, "action", "is not a known action");
	if (ads_kind_parse(&k, kind))
		return bad(r, "kind", "is not a known kind");
	s = ads_plan_add_step(p, a, k, address);
	s->origin = origin_parse(ads_json_str(j, "origin"));
	if ((rc = opt_str(r, j, "id", &s->id)) ||
	    (rc = opt_str(r, j, "reason", &s->reason)) ||
	    (rc = opt_str(r, j, "via", &s->via)))
		return rc;
	v = json_object_get(j, "changes");
	if (v && !json_is_array(v))
		return bad(r, "changes", "is not a list");
	json_array_foreach(v, i, e) {
		const char *field = ads_json_str(e, "field");
		const char *type = ads_json_str(e, "type");
		const char *origin = ads_json_str(e, "origin");
		enum ads_diff_type t = ADS_DIFF_SCALAR;
		json_t *before = json_object_get(e, "before");
		json_t *after = json_object_get(e, "after");
		struct ads_plan_change *c;

		if (!field || (type && ads_diff_type_parse(&t, type)))
			return bad(r, "changes", "has an invalid entry");
		c = ads_plan_step_add_change(
		        s, field,
		        before && !json_is_null(before) ? json_deep_copy(before)
		                                        : NULL,
		        after && !json_is_null(after) ? json_deep_copy(after)
		                                      : NULL,
		        t);
		c->origin = origin_parse(origin);
	}
	v = json_object_get(j, "impact");
	json_array_foreach(v, i, e) {
		unsigned bit;

		if (ads_impact_parse(&bit, json_string_value(e)))
			return bad(r, "impact", "has an unknown impact");
		s->impact |= bit;
	}
	if ((v = json_object_get(j, "spend_delta")) &&
	    !ads_json_as_int64(v, &s->spend_delta))
		return bad(r, "spend_delta", "is not an integer");
	v = json_object_get(j, "requests");
	if (v && !json_is_array(v))
		return bad(r, "requests", "is not a list");
	json_array_foreach(v, i, e) {
		char save[64];

		memcpy(save, r->where, sizeof(save));
		snprintf(r->where + strlen(r->where),
		         sizeof(r->where) - strlen(r->where), ".requests[%zu]",
		         i);
		rc = read_request(r, s, e);
		memcpy(r->where, save, sizeof(save));
		if (rc)
			return rc;
	}
	json_array_foreach(json_object_get(j, "labels"), i, e) {
		if (!json_is_string(e))
			return bad(r, "labels", "has a non-string entry");
		ads_strvec_push(&s->labels, json_string_value(e));
	}
	v = json_object_get(j, "fingerprint");
	if (json_is_object(v) &&
	    ((rc = opt_str(r, v, "updated_time", &s->fp.updated_time)) ||
	     (rc = opt_str(r, v, "etag", &s->fp.etag)) ||
	     (rc = opt_str(r, v, "digest", &s->fp.digest))))
		return rc;
	json_array_foreach(json_object_get(j, "deps"), i, e) {
		json_int_t d = json_integer_value(e);

		if (!json_is_integer(e) || d < 0 || (size_t)d >= p->nsteps - 1)
			return bad(r, "deps",
			           "names a step that does not come "
			           "before");
		ads_plan_step_add_dep(s, (size_t)d);
	}
	return 0;
}

int ads_plan_from_json(struct ads_plan **out, const json_t *doc,
                       struct ads_error *err)
{
	struct reader r = { .err = err };
	struct ads_plan *p;
	json_t *v, *e;
	const char *prune;
	size_t i;
	int rc = 0;

	if (!json_is_object(doc))
		return bad(&r, NULL, "the document is not a JSON object");
	v = json_object_get(doc, "format_version");
	if (!json_is_integer(v))
		return bad(&r, "format_version", "is missing");
	if (json_integer_value(v) > ADS_PLAN_FORMAT_VERSION ||
	    json_integer_value(v) < 1)
		return ads_error_set(
		        err, ADS_EINVALID,
		        "plan format_version %lld is not supported "
		        "by this adsctl (it reads version %d): "
		        "upgrade adsctl or make a new plan",
		        (long long)json_integer_value(v),
		        ADS_PLAN_FORMAT_VERSION);
	if (!json_is_array(json_object_get(doc, "steps")))
		return bad(&r, "steps", "is missing or not a list");
	p = ads_plan_new();
	if ((rc = opt_str(&r, doc, "stack", &p->stack)) ||
	    (rc = opt_str(&r, doc, "account", &p->account)) ||
	    (rc = opt_str(&r, doc, "currency", &p->currency)) ||
	    (rc = opt_str(&r, doc, "api_version", &p->api_version)) ||
	    (rc = opt_str(&r, doc, "target", &p->target)) ||
	    (rc = opt_str(&r, doc, "created", &p->created)) ||
	    (rc = opt_str(&r, doc, "project_digest", &p->project_digest)) ||
	    (rc = opt_str(&r, doc, "commit", &p->commit)) ||
	    (rc = opt_str(&r, doc, "branch", &p->branch)))
		goto fail;
	if (!p->stack || !p->account) {
		rc = bad(&r, "stack", "and account are required");
		goto fail;
	}
	p->dirty = json_is_true(json_object_get(doc, "dirty"));
	prune = ads_json_str(doc, "prune");
	p->prune = prune && !strcmp(prune, "delete") ? ADS_PRUNE_DELETE
	           : prune && !strcmp(prune, "keep") ? ADS_PRUNE_KEEP
	                                             : ADS_PRUNE_ARCHIVE;
	json_array_foreach(json_object_get(doc, "steps"), i, e) {
		snprintf(r.where, sizeof(r.where), "steps[%zu]", i);
		if ((rc = read_step(&r, p, e)))
			goto fail;
	}
	r.where[0] = '\0';
	/* what build marked: the creates that an activation depends on */
	for (size_t k = 0; k < p->nsteps; k++) {
		const struct ads_plan_step *a = &p->steps[k];

		if (a->action != ADS_ACTION_ACTIVATE)
			continue;
		for (size_t d = 0; d < a->ndeps; d++) {
			struct ads_plan_step *c = &p->steps[a->deps[d]];

			if (c->action == ADS_ACTION_CREATE &&
			    !strcmp(c->address, a->address))
				c->activated = true;
		}
	}
	json_array_foreach(json_object_get(doc, "notes"), i, e)
		if (json_is_string(e))
			ads_strvec_push(&p->notes, json_string_value(e));
	{
		const char *k;

		json_object_foreach(json_object_get(doc, "unmanaged"), k, e) {
			enum ads_kind kind;

			if (!ads_kind_parse(&kind, k) && json_is_integer(e))
				p->unmanaged[kind] =
				        (size_t)json_integer_value(e);
		}
	}
	p->foreign =
	        (size_t)json_integer_value(json_object_get(doc, "foreign"));
	v = json_object_get(doc, "drift");
	if (json_is_object(v) && ads_json_str(v, "baseline"))
		p->drift_baseline = xstrdup(ads_json_str(v, "baseline"));
	v = json_object_get(doc, "validation");
	if (json_is_object(v)) {
		p->validated = true;
		p->nvalidated = (size_t)json_integer_value(
		        json_object_get(v, "validated"));
		json_array_foreach(json_object_get(v, "rejections"), i, e) {
			struct ads_plan_rejection *rej;
			const char *s;

			ADS_ALLOC_GROW(p->rejections, p->nrejections + 1,
			               p->alloc_rejections);
			rej = &p->rejections[p->nrejections++];
			memset(rej, 0, sizeof(*rej));
			rej->step = (size_t)json_integer_value(
			        json_object_get(e, "step"));
			ads_error_set(&rej->err, ADS_EAPI, "%s",
			              (s = ads_json_str(e, "message")) ? s
			                                               : "");
			if ((s = ads_json_str(e, "file"))) {
				rej->err.file = xstrdup(s);
				rej->err.line = (unsigned)json_integer_value(
				        json_object_get(e, "line"));
				rej->err.col = (unsigned)json_integer_value(
				        json_object_get(e, "column"));
			}
			rej->err.api_code = (int)json_integer_value(
			        json_object_get(e, "code"));
			rej->err.api_subcode = (int)json_integer_value(
			        json_object_get(e, "subcode"));
			if ((s = ads_json_str(e, "user_message")))
				rej->err.api_user_msg = xstrdup(s);
			if ((s = ads_json_str(e, "blame")))
				rej->err.api_blame = xstrdup(s);
		}
		json_array_foreach(json_object_get(v, "not_validated"), i, e)
			if (json_is_string(e))
				ads_strvec_push(&p->not_validated,
				                json_string_value(e));
	}
	ads_plan_count(p);
	*out = p;
	return 0;
fail:
	ads_plan_free(p);
	return rc;
}
