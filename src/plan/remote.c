/*
 * plan --validate-remote: every create and update of a plan is sent to
 * Graph with execution_options=["validate_only"], which runs the API's
 * own validation and changes nothing (003:L15008-15013, L15659-15663;
 * api-semantics §11.6), in batches of at most 50 that keep Meta's batch
 * rules. Rejections are located in the manifests through the error's
 * blame_field_specs.
 *
 * A request Graph cannot check yet is listed as not validated: one that
 * needs an object the plan creates first (a placeholder, or an image the
 * plan uploads), since validate_only creates nothing. Those are checked by
 * the local rules only (api-semantics §11.6 caveat 1: the parent-spec
 * variants campaign_spec/adset_spec are not used).
 *
 * This is the only part of plan/ that talks to Graph (architecture.md).
 */
#include "plan/remote.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Meta's limit on ad creates per batch (003:L17172). */
#define AD_CREATES_PER_BATCH 10

static bool has_placeholder(const json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	if (ads_plan_is_ref(v, NULL))
		return true;
	if (json_is_object(v)) {
		json_object_foreach(ads_json_mut(v), k, e)
			if (has_placeholder(e))
				return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (has_placeholder(e))
				return true;
	}
	return false;
}

/* Whether the step waits for a create of this plan. */
static bool needs_new_objects(const struct ads_plan *p,
                              const struct ads_plan_step *s)
{
	for (size_t i = 0; i < s->ndeps; i++) {
		enum ads_action a = p->steps[s->deps[i]].action;

		if (a == ADS_ACTION_CREATE || a == ADS_ACTION_REPLACE)
			return true;
	}
	return false;
}

struct check {
	struct ads_plan *p;
	size_t step;
};

void ads_plan_step_locate(const struct ads_plan_step *s, struct ads_error *err)
{
	struct ads_srcloc loc;
	char *ptr = NULL;

	if (!s->res)
		return;
	if (err->api_blame) {
		size_t n = strcspn(err->api_blame, ",");
		struct ads_buf b = ADS_BUF_INIT;

		for (size_t i = 0; i < n; i++) {
			if (!i || err->api_blame[i] == '.')
				ads_buf_addch(&b, '/');
			if (err->api_blame[i] != '.')
				ads_buf_addch(&b, err->api_blame[i]);
		}
		/* Graph blames targeting as targeting_spec (003:L13804) */
		if (ads_starts_with(b.buf, "/targeting_spec"))
			ptr = xasprintf("/targeting%s",
			                b.buf + strlen("/targeting_spec"));
		else
			ptr = ads_buf_detach(&b, NULL);
		ads_buf_release(&b);
	}
	ads_resource_locate(s->res, ptr ? ptr : "", ADS_LOC_VALUE, &loc);
	free(ptr);
	if (loc.file) {
		free(err->file);
		err->file = xstrdup(loc.file);
		err->line = loc.line;
		err->col = loc.col;
	}
}

static void on_result(void *ctx, struct ads_graph_result *res)
{
	struct check *c = ctx;
	struct ads_plan *p = c->p;
	struct ads_plan_rejection *r;

	if (res->outcome == ADS_GRAPH_OK) {
		p->nvalidated++;
		return;
	}
	ADS_ALLOC_GROW(p->rejections, p->nrejections + 1, p->alloc_rejections);
	r = &p->rejections[p->nrejections++];
	memset(r, 0, sizeof(*r));
	r->step = c->step;
	ads_error_move(&r->err, &res->err);
	if (!r->err.msg)
		ads_error_set(&r->err, ADS_EUNKNOWN,
		              "no answer from the API for this request");
	ads_plan_step_locate(&p->steps[c->step], &r->err);
}

/* The campaign an ad set write belongs to, for the batch rule. */
static char *campaign_of(const struct ads_plan_step *s,
                         const struct ads_plan_request *q,
                         const struct ads_live *live)
{
	const char *c = ads_json_str(q->params, "campaign_id");
	const struct ads_live_object *o;

	if (c)
		return xstrdup(c);
	o = s->id ? ads_live_by_id(live, s->id) : NULL;
	return xstrdup(o && o->parent_id ? o->parent_id : s->address);
}

int ads_plan_validate_remote(struct ads_plan *p, struct ads_graph *g,
                             const struct ads_live *live, struct ads_error *err)
{
	struct ads_graph_call calls[ADS_GRAPH_BATCH_MAX];
	struct ads_graph_params params[ADS_GRAPH_BATCH_MAX];
	struct check checks[ADS_GRAPH_BATCH_MAX];
	char *paths[ADS_GRAPH_BATCH_MAX];
	struct ads_strvec campaigns = ADS_STRVEC_INIT;
	bool *done = xcalloc(p->nsteps + 1, sizeof(*done));
	size_t remaining = 0;
	int rc = 0;

	p->validated = true;
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct ads_plan_step *s = &p->steps[i];
		bool skip = s->via || !s->nrequests ||
		            s->action == ADS_ACTION_DELETE ||
		            s->action == ADS_ACTION_ARCHIVE ||
		            s->kind == ADS_KIND_IMAGE ||
		            s->kind == ADS_KIND_VIDEO;

		for (size_t q = 0; !skip && q < s->nrequests; q++)
			if (has_placeholder(s->requests[q].path) ||
			    has_placeholder(s->requests[q].params))
				skip = true;
		if (!skip && needs_new_objects(p, s))
			skip = true;
		if (skip) {
			if (!s->via && s->nrequests &&
			    (s->action == ADS_ACTION_CREATE ||
			     s->action == ADS_ACTION_UPDATE ||
			     s->action == ADS_ACTION_REPLACE ||
			     s->action == ADS_ACTION_ACTIVATE) &&
			    s->kind != ADS_KIND_IMAGE &&
			    s->kind != ADS_KIND_VIDEO)
				ads_strvec_pushf(
				        &p->not_validated,
				        "%s %s: needs objects this plan "
				        "creates first",
				        ads_action_name(s->action), s->address);
			done[i] = true;
		} else {
			remaining++;
		}
	}
	/* batches: at most 50 calls, 10 ad creates, one ad set write per
	 * campaign (003:L13406, L17172, L13408) */
	while (remaining && !rc) {
		size_t n = 0, ads = 0;

		ads_strvec_release(&campaigns);
		for (size_t i = 0; i < p->nsteps && n < ADS_GRAPH_BATCH_MAX;
		     i++) {
			struct ads_plan_step *s = &p->steps[i];
			size_t need = 0;

			if (done[i])
				continue;
			for (size_t q = 0; q < s->nrequests; q++)
				need += !s->requests[q].upload &&
				        !strcmp(s->requests[q].method, "POST");
			if (n + need > ADS_GRAPH_BATCH_MAX ||
			    (s->kind == ADS_KIND_AD &&
			     s->action == ADS_ACTION_CREATE &&
			     ads >= AD_CREATES_PER_BATCH))
				continue;
			if (s->kind == ADS_KIND_AD_SET) {
				char *camp =
				        campaign_of(s, &s->requests[0], live);
				bool busy =
				        ads_strvec_contains(&campaigns, camp);

				if (busy) {
					free(camp);
					continue;
				}
				ads_strvec_push_nodup(&campaigns, camp);
			}
			ads += s->kind == ADS_KIND_AD &&
			       s->action == ADS_ACTION_CREATE;
			for (size_t q = 0; q < s->nrequests; q++) {
				const struct ads_plan_request *r =
				        &s->requests[q];
				json_t *eo;

				if (r->upload || strcmp(r->method, "POST"))
					continue;
				ads_graph_params_init(&params[n]);
				ads_graph_params_set_object(&params[n],
				                            r->params);
				eo = json_pack("[s]", "validate_only");
				ads_graph_params_set_json(
				        &params[n], "execution_options", eo);
				json_decref(eo);
				paths[n] =
				        r->edge ? xasprintf("%s/%s",
				                            json_string_value(
				                                    r->path),
				                            r->edge)
				                : xstrdup(json_string_value(
				                          r->path));
				checks[n].p = p;
				checks[n].step = i;
				memset(&calls[n], 0, sizeof(calls[n]));
				calls[n].method = "POST";
				calls[n].path = paths[n];
				calls[n].params = &params[n];
				calls[n].flags = ADS_GRAPH_IDEMPOTENT;
				calls[n].fn = on_result;
				calls[n].ctx = &checks[n];
				n++;
			}
			done[i] = true;
			remaining--;
		}
		if (!n)
			break;
		rc = ads_graph_submit_batch(g, calls, n, err);
		if (!rc)
			rc = ads_graph_run(g, err);
		for (size_t i = 0; i < n; i++) {
			ads_graph_params_release(&params[i]);
			free(paths[i]);
		}
	}
	ads_strvec_release(&campaigns);
	free(done);
	return rc;
}
