/*
 * `adsctl diff REV1 REV2`: what changes in intent between two revisions
 * of the manifests, offline. The result is a plan whose steps compare the
 * two models instead of a model and the live state: creates for new
 * addresses, prune steps (per the newer revision's `prune`) for removed
 * ones, updates and replaces with field-level before/after. It has no
 * requests and no ids: nothing here can be applied.
 */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/xalloc.h"

/* References compare by address: the same in both revisions. */
static json_t *by_address(void *ctx, const struct ads_resource *r,
                          const struct ads_ref *ref)
{
	(void)ctx;
	(void)r;
	return ads_plan_ref(ref->address);
}

static int payload(json_t **out, const struct ads_resource *r,
                   struct ads_error *err)
{
	return ads_resource_payload(out, r, by_address, NULL, err);
}

static void add_fields(struct ads_plan_step *s, const struct ads_resource *r,
                       const json_t *p)
{
	const char *k;
	json_t *v;

	json_object_foreach(ads_json_mut(p), k, v)
		ads_plan_step_add_change(s, k, NULL, json_deep_copy(v),
		                         ads_diff_rule(r->kind, k, v)->type);
	if (r->file)
		ads_plan_step_add_change(s, "hash", NULL,
		                         json_string(r->file->md5),
		                         ADS_DIFF_SCALAR);
	if (r->members)
		ads_plan_step_add_change(s, "members", NULL,
		                         json_string(r->members->digest),
		                         ADS_DIFF_MEMBERS);
}

static int compare(struct ads_plan *plan, const struct ads_resource *a,
                   const struct ads_resource *b, struct ads_error *err)
{
	json_t *pa = NULL, *pb = NULL;
	struct ads_diff d = ADS_DIFF_INIT;
	struct ads_plan_step *s;
	bool replace = false;
	const char *k;
	json_t *v;
	int rc;

	if ((rc = payload(&pa, a, err)) || (rc = payload(&pb, b, err)))
		goto out;
	/* the older side stands where the live state would: an ad's
	 * creative reads back as {"id": ...} */
	if (json_is_object(json_object_get(pa, "creative"))) {
		json_t *c = json_object_get(pa, "creative");
		json_t *id = json_object_get(c, "creative_id");

		if (id)
			json_object_set_new(pa, "creative",
			                    json_pack("{s:O}", "id", id));
	}
	if (b->kind == ADS_KIND_CREATIVE) {
		char da[65], db[65];

		ads_resource_content_digest(a, da);
		ads_resource_content_digest(b, db);
		replace = strcmp(da, db) != 0;
	}
	if (b->file && a->file && strcmp(a->file->md5, b->file->md5))
		replace = true;
	ads_diff_fields(&d, b->kind, pb, pa, NULL);
	replace = replace || d.immutable;
	/* fields no longer declared: adsctl stops managing them */
	json_object_foreach(pa, k, v)
		if (!json_object_get(pb, k) && strcmp(k, "adlabels")) {
			ADS_ALLOC_GROW(d.v, d.nr + 1, d.alloc);
			memset(&d.v[d.nr], 0, sizeof(d.v[d.nr]));
			d.v[d.nr].field = xstrdup(k);
			d.v[d.nr].before = json_deep_copy(v);
			d.v[d.nr].rule = ads_diff_rule(b->kind, k, v);
			d.v[d.nr].top = d.v[d.nr].rule;
			d.nr++;
		}
	if (!d.nr && !replace &&
	    !(a->members && b->members &&
	      strcmp(a->members->digest, b->members->digest)))
		goto out;
	s = ads_plan_add_step(plan,
	                      replace ? ADS_ACTION_REPLACE : ADS_ACTION_UPDATE,
	                      b->kind, b->address);
	s->res = b;
	if (replace) {
		s->impact |= ADS_IMPACT_REPLACE;
		s->reason = xstrdup(b->kind == ADS_KIND_CREATIVE
		                            ? "content changed: a new creative"
		                    : d.immutable ? "an immutable field changed"
		                                  : "the file changed");
	}
	if (b->file && a->file && strcmp(a->file->md5, b->file->md5))
		ads_plan_step_add_change(s, "hash", json_string(a->file->md5),
		                         json_string(b->file->md5),
		                         ADS_DIFF_SCALAR);
	if (a->members && b->members &&
	    strcmp(a->members->digest, b->members->digest))
		ads_plan_step_add_change(
		        s, "members", json_string(a->members->digest),
		        json_string(b->members->digest), ADS_DIFF_MEMBERS);
	ads_plan_step_take_diff(s, &d, false);
out:
	ads_diff_release(&d);
	json_decref(pa);
	json_decref(pb);
	return rc;
}

static int cmp_removed(const void *x, const void *y)
{
	const struct ads_resource *a = *(const struct ads_resource *const *)x;
	const struct ads_resource *b = *(const struct ads_resource *const *)y;

	if (a->kind != b->kind)
		return a->kind > b->kind ? -1 : 1;
	return strcmp(a->address, b->address);
}

int ads_plan_intent(struct ads_plan **out, const struct ads_model *from,
                    const struct ads_model *to, struct ads_error *err)
{
	struct ads_plan *p = ads_plan_new();
	const struct ads_resource **gone = xcalloc(from->nr + 1, sizeof(*gone));
	size_t ngone = 0;
	int rc = 0;

	p->stack = xstrdup(to->settings.stack);
	p->account = xstrdup(to->settings.account);
	p->api_version = xstrdup(to->settings.api_version);
	p->prune = to->settings.prune;
	for (size_t i = 0; i < to->nr && !rc; i++) {
		const struct ads_resource *b = to->order[i];
		const struct ads_resource *a = ads_model_find(from, b->address);
		json_t *pb;

		if (a && a->kind == b->kind) {
			rc = compare(p, a, b, err);
			continue;
		}
		if ((rc = payload(&pb, b, err)))
			break;
		add_fields(ads_plan_add_step(p, ADS_ACTION_CREATE, b->kind,
		                             b->address),
		           b, pb);
		p->steps[p->nsteps - 1].res = b;
		json_decref(pb);
	}
	for (size_t i = 0; i < from->nr; i++) {
		const struct ads_resource *a = from->order[i];
		const struct ads_resource *b = ads_model_find(to, a->address);

		if ((!b || b->kind != a->kind) && a->kind != ADS_KIND_IMAGE &&
		    a->kind != ADS_KIND_VIDEO)
			gone[ngone++] = a;
	}
	qsort(gone, ngone, sizeof(*gone), cmp_removed);
	for (size_t i = 0; i < ngone && !rc; i++) {
		const struct ads_resource *a = gone[i];
		bool delivery = a->kind == ADS_KIND_CAMPAIGN ||
		                a->kind == ADS_KIND_AD_SET ||
		                a->kind == ADS_KIND_AD;
		struct ads_plan_step *s;

		if (p->prune == ADS_PRUNE_KEEP ||
		    (!delivery && p->prune == ADS_PRUNE_ARCHIVE)) {
			ads_strvec_pushf(&p->notes,
			                 "%s %s is no longer declared: it will "
			                 "be kept (prune: %s)",
			                 ads_plan_kind_words(a->kind),
			                 a->address, ads_prune_name(p->prune));
			continue;
		}
		s = ads_plan_add_step(p,
		                      p->prune == ADS_PRUNE_DELETE
		                              ? ADS_ACTION_DELETE
		                              : ADS_ACTION_ARCHIVE,
		                      a->kind, a->address);
		s->reason = xstrdup("no longer declared");
		if (s->action == ADS_ACTION_DELETE)
			s->impact |= ADS_IMPACT_IRREVERSIBLE;
		if (a->parent && !ads_model_find(to, a->parent->address))
			s->via = xstrdup(a->parent->address);
	}
	free(gone);
	if (rc) {
		ads_plan_free(p);
		return rc;
	}
	ads_plan_count(p);
	*out = p;
	return 0;
}
