/*
 * Building a plan: for every declared resource, what must happen to its
 * live object (create, update, replace, nothing); then what happens to
 * live objects no longer declared (prune) and to superseded creative
 * versions; then the activations; then dependencies, daily spend and
 * impact. docs/internals/plan.md describes the result, identity.md the
 * mapping it starts from.
 */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

enum fate {
	F_NONE, /* exists and matches */
	F_CREATE, /* does not exist: a create step */
	F_REPLACE, /* exists but cannot become what is declared */
	F_UPDATE, /* exists; some fields change */
	F_SKIP, /* outside --target */
};

struct rstate {
	enum fate fate;
	struct ads_live_object *live; /* current live object or NULL */
	size_t step; /* index of its create/replace/update step, or NONE */
	size_t activate; /* index of its activation step, or NONE */
	bool activates; /* declared ACTIVE and not ACTIVE after its step */
};

#define NONE ((size_t)-1)

struct builder {
	const struct ads_model *m;
	const struct ads_live *live;
	struct ads_plan *p;
	struct rstate *rs; /* by resource index */
	const char *target; /* or NULL */
	struct ads_map creates; /* address -> step index + 1 (creates) */
	/* live id -> step index + 1 of the step that retires or removes
	 * the object (archive, delete, replace) */
	struct ads_map removed;
	/* creative id -> struct objv of the live ads that use it */
	struct ads_map users;
	struct ads_error *err;
};

struct objv {
	const struct ads_live_object **v;
	size_t nr, alloc;
};

static void free_objv(void *p)
{
	struct objv *v = p;

	free(v->v);
	free(v);
}

static void index_users(struct builder *b)
{
	for (size_t i = 0; i < b->live->nobjs; i++) {
		const struct ads_live_object *a = b->live->objs[i];
		struct objv *v;

		if (a->kind != ADS_KIND_AD || !a->creative_id)
			continue;
		v = ads_map_get(&b->users, a->creative_id);
		if (!v) {
			v = xcalloc(1, sizeof(*v));
			ads_map_put(&b->users, a->creative_id, v);
		}
		ADS_ALLOC_GROW(v->v, v->nr + 1, v->alloc);
		v->v[v->nr++] = a;
	}
}

static struct rstate *st(struct builder *b, const struct ads_resource *r)
{
	return &b->rs[r->index];
}

static bool is_new(struct builder *b, const struct ads_resource *r)
{
	enum fate f = st(b, r)->fate;

	return f == F_CREATE || f == F_REPLACE;
}

static void put_index(struct ads_map *m, const char *key, size_t idx)
{
	ads_map_put(m, key, (void *)(uintptr_t)(idx + 1));
}

static size_t get_index(const struct ads_map *m, const char *key)
{
	uintptr_t v = (uintptr_t)ads_map_get(m, key);

	return v ? (size_t)v - 1 : NONE;
}

/* --- desired payloads ------------------------------------------------- */

/* A reference becomes the target's live id, or a placeholder when the
 * plan creates the target. */
static json_t *resolve(void *ctx, const struct ads_resource *r,
                       const struct ads_ref *ref)
{
	struct builder *b = ctx;
	const struct ads_resource *t = ref->target;

	(void)r;
	if (!t)
		return NULL;
	if (t->kind == ADS_KIND_VIDEO || is_new(b, t) || !st(b, t)->live)
		return ads_plan_ref(t->address);
	return json_string(st(b, t)->live->id);
}

/* The id a child's create names its parent by. */
static json_t *parent_id(struct builder *b, const struct ads_resource *r)
{
	const struct ads_resource *pr = r->parent;

	if (!pr)
		return NULL;
	if (is_new(b, pr) || !st(b, pr)->live)
		return ads_plan_ref(pr->address);
	return json_string(st(b, pr)->live->id);
}

static int payload(json_t **out, struct builder *b,
                   const struct ads_resource *r)
{
	return ads_resource_payload(out, r, resolve, b, b->err);
}

static const char *declared_status(const struct ads_resource *r)
{
	return ads_json_str(r->fields, "status");
}

static bool is_delivery_kind(enum ads_kind k)
{
	return k == ADS_KIND_CAMPAIGN || k == ADS_KIND_AD_SET ||
	       k == ADS_KIND_AD;
}

static const char *edge_of(enum ads_kind k)
{
	switch (k) {
	case ADS_KIND_IMAGE:
		return "adimages";
	case ADS_KIND_VIDEO:
		return "advideos";
	case ADS_KIND_AUDIENCE:
		return "customaudiences";
	case ADS_KIND_CAMPAIGN:
		return "campaigns";
	case ADS_KIND_AD_SET:
		return "adsets";
	case ADS_KIND_CREATIVE:
		return "adcreatives";
	case ADS_KIND_AD:
		return "ads";
	}
	return "";
}

static json_t *account_path(struct builder *b, enum ads_kind k)
{
	return json_sprintf("%s/%s", b->m->settings.account, edge_of(k));
}

/* The description an audience gets: declared (or live) text + marker. */
static json_t *audience_description(struct builder *b,
                                    const struct ads_resource *r,
                                    bool with_members)
{
	struct ads_buf d = ADS_BUF_INIT;
	const char *text = ads_json_str(r->fields, "description");
	const struct ads_live_object *o = st(b, r)->live;
	char *tmp = NULL;
	json_t *v;

	if (!text && o && ads_json_str(o->fields, "description")) {
		char *stack, *addr, members[65];
		size_t n;
		const char *live = ads_json_str(o->fields, "description");

		if (ads_live_parse_marker(live, &stack, &addr, members, &n)) {
			free(stack);
			free(addr);
			tmp = xstrndup(live, n);
			text = tmp;
		} else {
			text = live;
		}
	}
	if (text && *text)
		ads_buf_addf(&d, "%s ", text);
	if (with_members) {
		ads_model_audience_marker(&d, b->m, r);
	} else {
		ads_buf_addf(&d, "[adsctl %s:%s]", b->m->settings.stack,
		             r->address);
	}
	v = json_string(d.buf);
	ads_buf_release(&d);
	free(tmp);
	return v;
}

/* The labels a create attaches, also put in params' adlabels. */
static void add_labels(struct builder *b, struct ads_plan_step *s,
                       const struct ads_resource *r, json_t *params)
{
	struct ads_buf l = ADS_BUF_INIT;
	json_t *labels = json_object_get(params, "adlabels");

	if (!json_is_array(labels)) {
		labels = json_array();
		json_object_set_new(params, "adlabels", labels);
	}
	ads_model_label(&l, b->m, r);
	ads_strvec_push(&s->labels, l.buf);
	if (r->kind == ADS_KIND_CREATIVE) {
		char digest[65];

		ads_resource_content_digest(r, digest);
		ads_buf_addf(&l, "@%.*s", ADS_DIGEST_LABEL_LEN, digest);
		ads_strvec_push(&s->labels, l.buf);
	}
	for (size_t i = 0; i < s->labels.nr; i++)
		json_array_append_new(
		        labels, json_pack("{s:s}", "name", s->labels.v[i]));
	ads_buf_release(&l);
}

static void set_fingerprint(struct ads_plan_step *s, struct ads_live_object *o)
{
	free(s->id);
	s->id = xstrdup(o->id);
	if (o->updated_time)
		s->fp.updated_time = xstrdup(o->updated_time);
	s->fp.digest = xstrdup(ads_live_fingerprint(o));
}

/* The create request of r, and its declared fields as changes. */
static int add_create(struct builder *b, struct ads_plan_step *s,
                      const struct ads_resource *r)
{
	json_t *params, *pid;
	const char *k;
	json_t *v;
	int rc;

	if (r->kind == ADS_KIND_IMAGE || r->kind == ADS_KIND_VIDEO) {
		struct ads_plan_request *q = ads_plan_step_add_request(
		        s, "POST", account_path(b, r->kind), NULL);

		q->upload = r->kind == ADS_KIND_IMAGE ? ADS_UPLOAD_IMAGE
		                                      : ADS_UPLOAD_VIDEO;
		q->file = xstrdup(r->file->path);
		q->digest =
		        xstrdup(r->kind == ADS_KIND_IMAGE ? r->file->md5
		                                          : r->file->sha256);
		if (r->kind == ADS_KIND_VIDEO)
			ads_strvec_pushf(
			        &b->p->notes,
			        "%s: adsctl cannot upload videos yet, so apply "
			        "will fail this step and skip what needs it; "
			        "upload %s in Ads Manager and write its id as "
			        "the video_id",
			        r->address, r->file->path);
		if (r->kind == ADS_KIND_IMAGE)
			ads_plan_step_add_change(s, "hash", NULL,
			                         json_string(r->file->md5),
			                         ADS_DIFF_SCALAR);
		return 0;
	}
	rc = payload(&params, b, r);
	if (rc)
		return rc;
	if (is_delivery_kind(r->kind))
		json_object_set_new(params, "status", json_string("PAUSED"));
	if (r->kind == ADS_KIND_CREATIVE)
		json_object_del(params, "status"); /* not a create parameter */
	if ((pid = parent_id(b, r)))
		json_object_set_new(params,
		                    r->kind == ADS_KIND_AD_SET ? "campaign_id"
		                                               : "adset_id",
		                    pid);
	if (r->kind == ADS_KIND_AUDIENCE)
		json_object_set_new(params, "description",
		                    audience_description(b, r, !r->members));
	json_object_foreach(params, k, v) {
		if (!strcmp(k, "adlabels"))
			continue;
		ads_plan_step_add_change(s, k, NULL, json_deep_copy(v),
		                         ads_diff_rule(r->kind, k, v)->type);
	}
	if (r->kind != ADS_KIND_AUDIENCE)
		add_labels(b, s, r, params);
	ads_plan_step_add_request(s, "POST", account_path(b, r->kind), params);
	if (r->members) {
		struct ads_plan_request *q = ads_plan_step_add_request(
		        s, "POST", ads_plan_ref(r->address), NULL);

		q->edge = xstrdup("usersreplace");
		q->upload = ADS_UPLOAD_MEMBERS;
		q->file = xstrdup(r->members->path);
		q->digest = xstrdup(r->members->digest);
		ads_plan_step_add_request(
		        s, "POST", ads_plan_ref(r->address),
		        json_pack("{s:o}", "description",
		                  audience_description(b, r, true)));
		ads_plan_step_add_change(s, "members", NULL,
		                         json_string(r->members->digest),
		                         ADS_DIFF_MEMBERS);
	}
	return 0;
}

/* --- declared resources ----------------------------------------------- */

/* The request that retires the old object of a replace. */
static void add_retire(struct builder *b, struct ads_plan_step *s,
                       const struct ads_live_object *o)
{
	if (b->m->settings.prune == ADS_PRUNE_DELETE) {
		ads_plan_step_add_request(s, "DELETE", json_string(o->id),
		                          NULL);
		s->impact |= ADS_IMPACT_IRREVERSIBLE;
	} else {
		ads_plan_step_add_request(
		        s, "POST", json_string(o->id),
		        json_pack("{s:s}", "status", "ARCHIVED"));
	}
	put_index(&b->removed, o->id, (size_t)(s - b->p->steps));
}

/* Update params: the changed top-level fields, compounds merged. */
static json_t *update_params(const struct ads_resource *r,
                             const json_t *desired,
                             const struct ads_live_object *o,
                             const struct ads_diff *d, bool activates)
{
	json_t *params = json_object();

	for (size_t i = 0; i < d->nr; i++) {
		size_t n = strcspn(d->v[i].field, ".");
		char *top = xstrndup(d->v[i].field, n);
		json_t *want = json_object_get(desired, top);
		const struct ads_field_rule *rule =
		        ads_diff_rule(r->kind, top, want);

		if (!json_object_get(params, top) && want &&
		    !(activates && !strcmp(top, "status")) &&
		    strcmp(top, "members")) {
			if (rule->flags & ADS_FIELD_MERGE)
				json_object_set_new(
				        params, top,
				        ads_diff_merge(
				                json_object_get(o->fields, top),
				                want));
			else
				json_object_set(params, top, want);
		}
		free(top);
	}
	return params;
}

/* Compares r with its live object; fills d. */
static int compare(struct builder *b, const struct ads_resource *r,
                   const struct ads_live_object *o, json_t **desired,
                   struct ads_diff *d)
{
	static const char *const skip_creative[] = { NULL };
	int rc = payload(desired, b, r);

	if (rc)
		return rc;
	if (r->kind == ADS_KIND_CREATIVE) {
		/* name and status only: content is in the version label */
		json_t *ns = json_object();

		if (json_object_get(*desired, "name"))
			json_object_set(ns, "name",
			                json_object_get(*desired, "name"));
		if (json_object_get(*desired, "status"))
			json_object_set(ns, "status",
			                json_object_get(*desired, "status"));
		ads_diff_fields(d, r->kind, ns, o->fields, skip_creative);
		json_decref(ns);
		return 0;
	}
	ads_diff_fields(d, r->kind, *desired, o->fields, NULL);
	if (r->kind == ADS_KIND_AUDIENCE && r->members &&
	    strcmp(o->members, r->members->digest)) {
		struct ads_diff_entry *e;

		ADS_ALLOC_GROW(d->v, d->nr + 1, d->alloc);
		e = &d->v[d->nr++];
		e->field = xstrdup("members");
		e->before = *o->members ? json_string(o->members) : NULL;
		e->after = json_string(r->members->digest);
		e->rule = ads_diff_rule(ADS_KIND_AUDIENCE, "members", NULL);
		e->top = e->rule;
	}
	return 0;
}

static bool is_active_status(const char *s)
{
	return s && !strcmp(s, "ACTIVE");
}

/* Requests (and labels) of a create, without its list of fields. */
static int create_requests(struct builder *b, struct ads_plan_step *s,
                           const struct ads_resource *r)
{
	struct ads_plan_step tmp = { 0 };
	int rc = add_create(b, &tmp, r);

	for (size_t i = 0; i < tmp.nrequests; i++) {
		ADS_ALLOC_GROW(s->requests, s->nrequests + 1,
		               s->alloc_requests);
		s->requests[s->nrequests++] = tmp.requests[i];
	}
	tmp.nrequests = 0;
	for (size_t i = 0; i < tmp.labels.nr; i++)
		ads_strvec_push(&s->labels, tmp.labels.v[i]);
	ads_plan_step_release(&tmp);
	return rc;
}

/* Whether the live object holds any of the content fields r declares
 * (ads_live_fetch_previous read them). */
static bool has_content(const struct ads_resource *r,
                        const struct ads_live_object *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(r->fields, k, v)
		if (strcmp(k, "name") && strcmp(k, "status") &&
		    json_object_get(o->fields, k))
			return true;
	return false;
}

/*
 * The changes of a replace: how the new object differs from the one it
 * replaces (a creative: from the version its ads use, when its content
 * was read; and the digests), impact included.
 */
static int replace_changes(struct builder *b, struct ads_plan_step *s,
                           const struct ads_resource *r,
                           struct ads_live_object *o, json_t **desired,
                           struct ads_diff *d)
{
	struct ads_live_object *old =
	        o ? o : ads_live_previous(b->live, r->address);
	static const char *const skip[] = { "adlabels", NULL };
	int rc;

	s->impact |= ADS_IMPACT_REPLACE;
	if (!old)
		return 0;
	set_fingerprint(s, old);
	if (!*desired && (rc = payload(desired, b, r)))
		return rc;
	if (r->kind == ADS_KIND_CREATIVE) {
		char want[65];

		s->impact |= ADS_IMPACT_LEARNING_RESET | ADS_IMPACT_AD_REVIEW;
		ads_resource_content_digest(r, want);
		want[ADS_DIGEST_LABEL_LEN] = '\0';
		ads_plan_step_add_change(s, "content",
		                         *old->digest ? json_string(old->digest)
		                                      : NULL,
		                         json_string(want), ADS_DIFF_CONTENT);
		if (!has_content(r, old))
			return 0;
	}
	if (!d->nr)
		ads_diff_fields(d, r->kind, *desired, old->fields, skip);
	ads_plan_step_take_diff(s, d, true);
	return 0;
}

/*
 * Decides what happens to one declared resource and adds its step. Parents
 * come first (the model's order), so their fates are known.
 */
static int plan_resource(struct builder *b, const struct ads_resource *r)
{
	struct rstate *rs = st(b, r);
	struct ads_live_object *o = rs->live;
	struct ads_diff d = ADS_DIFF_INIT;
	json_t *desired = NULL;
	struct ads_plan_step *s = NULL;
	char *reason = NULL;
	int rc = 0;

	if (r->kind == ADS_KIND_IMAGE) {
		if (!ads_live_by_id(b->live, r->file->md5))
			rs->fate = F_CREATE;
	} else if (r->kind == ADS_KIND_VIDEO) {
		/* no way to find a video again: uploaded with its creative */
		for (size_t i = 0; i < r->nrdeps; i++)
			if (r->rdeps[i]->kind == ADS_KIND_CREATIVE &&
			    is_new(b, r->rdeps[i]))
				rs->fate = F_CREATE;
	} else if (!o) {
		const struct ads_live_slot *slot =
		        ads_live_slot(b->live, r->address);

		rs->fate = F_CREATE;
		if (r->kind == ADS_KIND_CREATIVE && slot && slot->nr) {
			rs->fate = F_REPLACE;
			reason = xasprintf("content changed: a new version "
			                   "of the creative");
		}
	} else if (r->parent && is_new(b, r->parent)) {
		rs->fate = F_REPLACE;
		reason = xasprintf("its %s is replaced",
		                   ads_plan_kind_words(r->parent->kind));
	} else if (o->archived) {
		rs->fate = F_REPLACE;
		reason = xasprintf("archived in Ads Manager: archived "
		                   "objects cannot change");
	} else if (r->parent && st(b, r->parent)->live &&
	           (!o->parent_id ||
	            strcmp(o->parent_id, st(b, r->parent)->live->id))) {
		rs->fate = F_REPLACE;
		reason = xasprintf("belongs to another %s in Ads Manager",
		                   ads_plan_kind_words(r->parent->kind));
	} else {
		rc = compare(b, r, o, &desired, &d);
		if (rc)
			goto out;
		if (d.immutable) {
			rs->fate = F_REPLACE;
			reason = xasprintf("%s cannot change", d.immutable);
		} else {
			bool other = false;

			for (size_t i = 0; i < d.nr; i++) {
				const char *f = d.v[i].field;

				if (strcmp(f, "status"))
					other = true;
				else if (is_active_status(json_string_value(
				                 d.v[i].after)))
					rs->activates = true;
				else
					other = true;
			}
			rs->fate = other ? F_UPDATE : F_NONE;
		}
	}
	if (rs->fate == F_CREATE || rs->fate == F_REPLACE)
		rs->activates = is_active_status(declared_status(r));
	if (rs->fate == F_NONE)
		goto out;

	s = ads_plan_add_step(b->p,
	                      rs->fate == F_CREATE    ? ADS_ACTION_CREATE
	                      : rs->fate == F_REPLACE ? ADS_ACTION_REPLACE
	                                              : ADS_ACTION_UPDATE,
	                      r->kind, r->address);
	s->res = r;
	s->reason = reason;
	reason = NULL;
	rs->step = b->p->nsteps - 1;
	if (rs->fate == F_UPDATE) {
		json_t *params =
		        update_params(r, desired, o, &d, rs->activates);
		bool members = false;

		set_fingerprint(s, o);
		ads_plan_step_take_diff(s, &d, rs->activates);
		for (size_t i = 0; i < d.nr; i++)
			if (!strcmp(d.v[i].field, "members"))
				members = true;
		if (r->kind == ADS_KIND_AUDIENCE &&
		    json_object_get(params, "description"))
			json_object_set_new(
			        params, "description",
			        audience_description(b, r, !members));
		if (json_object_size(params))
			ads_plan_step_add_request(s, "POST", json_string(o->id),
			                          params);
		else
			json_decref(params);
		if (members) {
			struct ads_plan_request *q = ads_plan_step_add_request(
			        s, "POST", json_string(o->id), NULL);

			q->edge = xstrdup("usersreplace");
			q->upload = ADS_UPLOAD_MEMBERS;
			q->file = xstrdup(r->members->path);
			q->digest = xstrdup(r->members->digest);
			ads_plan_step_add_request(
			        s, "POST", json_string(o->id),
			        json_pack("{s:o}", "description",
			                  audience_description(b, r, true)));
		}
		goto out;
	}
	put_index(&b->creates, r->address, rs->step);
	if (rs->fate == F_REPLACE) {
		rc = replace_changes(b, s, r, o, &desired, &d);
		if (rc)
			goto out;
		if (is_delivery_kind(r->kind) && o && !o->archived &&
		    !(r->parent && is_new(b, r->parent)))
			add_retire(b, s, o);
		else if (o && is_delivery_kind(r->kind))
			put_index(&b->removed, o->id, rs->step);
		rc = create_requests(b, s, r);
		goto out;
	}
	rc = add_create(b, s, r);
out:
	free(reason);
	json_decref(desired);
	ads_diff_release(&d);
	return rc;
}

/* --- prune, superseded versions --------------------------------------- */

static bool in_target(struct builder *b, const char *address)
{
	size_t n;

	if (!b->target)
		return true;
	n = strlen(b->target);
	return !strncmp(address, b->target, n) &&
	       (!address[n] || address[n] == '.');
}

static int cmp_str(const void *a, const void *c)
{
	return strcmp(*(const char *const *)a, *(const char *const *)c);
}

/* The live object that covers o when it goes: its removed ad set or
 * campaign. Returns the step index, or NONE. */
static size_t covering_step(struct builder *b, const struct ads_live_object *o)
{
	const struct ads_live_object *p = o;

	while (p && p->parent_id) {
		size_t idx = get_index(&b->removed, p->parent_id);

		if (idx != NONE)
			return idx;
		p = ads_live_by_id(b->live, p->parent_id);
	}
	return NONE;
}

/* How many ads use the creative after the plan (those it repoints or
 * removes do not count). */
static size_t creative_users(struct builder *b, const char *creative_id)
{
	const struct objv *v = ads_map_get(&b->users, creative_id);
	size_t n = 0;

	for (size_t i = 0; v && i < v->nr; i++) {
		const struct ads_live_object *a = v->v[i];
		const struct ads_resource *r;
		bool repointed = false;

		if (get_index(&b->removed, a->id) != NONE ||
		    covering_step(b, a) != NONE)
			continue;
		r = a->address && a->role == ADS_LIVE_CURRENT
		            ? ads_model_find(b->m, a->address)
		            : NULL;
		if (r && r->kind == ADS_KIND_AD && st(b, r)->fate != F_SKIP) {
			for (size_t j = 0; j < r->nrefs; j++) {
				const struct ads_resource *t =
				        r->refs[j].target;

				if (t && t->kind == ADS_KIND_CREATIVE &&
				    (is_new(b, t) ||
				     (st(b, t)->live &&
				      strcmp(st(b, t)->live->id, creative_id))))
					repointed = true;
			}
		}
		if (!repointed)
			n++;
	}
	return n;
}

static const struct objv *users_of(struct builder *b, const char *id)
{
	return ads_map_get(&b->users, id);
}

static bool is_dco_adset(const struct ads_live_object *o)
{
	return o &&
	       json_is_true(json_object_get(o->fields, "is_dynamic_creative"));
}

/*
 * Whether o, archived in its own right (its configured status), would
 * outlive the deletion of the parent that covers it. The docs have
 * children inherit a deleted campaign's status (003:L16870-16871) but say
 * nothing of a child archived before; the emulator keeps such a child
 * ARCHIVED, listable with the ARCHIVED filter (003:L16890), and the next
 * plan would prune it again. ARCHIVED -> DELETED is always allowed
 * (003:L16839, L16897), so it gets its own delete, child-first. Not the
 * ad of a dynamic creative ad set, which cannot be deleted alone
 * (003:L6694): its ad set's delete takes it.
 */
static bool own_archived_survives(struct builder *b,
                                  const struct ads_live_object *o)
{
	if (!o->status || strcmp(o->status, "ARCHIVED"))
		return false;
	return !(o->kind == ADS_KIND_AD &&
	         is_dco_adset(ads_live_by_id(b->live, o->parent_id)));
}

static void prune_object(struct builder *b, struct ads_live_object *o,
                         const char *why)
{
	enum ads_prune prune = b->m->settings.prune;
	struct ads_plan_step *s;
	size_t cover = covering_step(b, o);
	enum ads_action action;

	if (o->role == ADS_LIVE_FOREIGN || o->role == ADS_LIVE_UNMANAGED)
		return;
	if (o->kind == ADS_KIND_CREATIVE || o->kind == ADS_KIND_AUDIENCE) {
		if (prune != ADS_PRUNE_DELETE) {
			ads_strvec_pushf(
			        &b->p->notes,
			        "%s %s (%s) is no longer declared: kept "
			        "(%s)",
			        ads_plan_kind_words(o->kind), o->address, o->id,
			        prune == ADS_PRUNE_KEEP
			                ? "prune: keep"
			                : "it cannot be archived; "
			                  "prune: delete removes it");
			return;
		}
		if (o->kind == ADS_KIND_CREATIVE) {
			size_t users = creative_users(b, o->id);

			if (users) {
				ads_strvec_pushf(
				        &b->p->notes,
				        "creative %s (%s) is no longer "
				        "declared: kept, %zu ad%s still "
				        "use%s it",
				        o->address, o->id, users,
				        users == 1 ? "" : "s",
				        users == 1 ? "s" : "");
				return;
			}
		}
		action = ADS_ACTION_DELETE;
	} else {
		if (prune == ADS_PRUNE_KEEP) {
			ads_strvec_pushf(
			        &b->p->notes,
			        "%s %s (%s) is no longer declared: kept "
			        "(prune: keep)",
			        ads_plan_kind_words(o->kind), o->address,
			        o->id);
			return;
		}
		if (o->archived && prune == ADS_PRUNE_ARCHIVE)
			return; /* already where archive would put it */
		if (o->kind == ADS_KIND_AD && cover == NONE &&
		    is_dco_adset(ads_live_by_id(b->live, o->parent_id))) {
			ads_strvec_pushf(
			        &b->p->notes,
			        "ad %s (%s) is no longer declared but belongs to "
			        "a dynamic creative ad set, whose ad cannot be "
			        "%s alone (1340029, 003:L6694): kept; remove "
			        "its ad set instead",
			        o->address, o->id,
			        prune == ADS_PRUNE_DELETE ? "deleted"
			                                  : "archived");
			return;
		}
		action = prune == ADS_PRUNE_DELETE ? ADS_ACTION_DELETE
		                                   : ADS_ACTION_ARCHIVE;
	}
	s = ads_plan_add_step(b->p, action, o->kind, o->address);
	set_fingerprint(s, o);
	s->reason = xstrdup(why);
	if (o->kind == ADS_KIND_CREATIVE) {
		/* after the ads that used it are gone */
		const struct objv *v = users_of(b, o->id);

		for (size_t i = 0; v && i < v->nr; i++) {
			size_t idx = get_index(&b->removed, v->v[i]->id);

			if (idx != NONE)
				ads_plan_step_add_dep(s, idx);
		}
	}
	if (action == ADS_ACTION_DELETE)
		s->impact |= ADS_IMPACT_IRREVERSIBLE;
	if (cover != NONE && action == ADS_ACTION_DELETE &&
	    own_archived_survives(b, o)) {
		free(s->reason);
		s->reason = xasprintf(
		        "%s (archived before: deleted on its "
		        "own, not with its %s)",
		        why, ads_plan_kind_words(b->p->steps[cover].kind));
		ads_plan_step_add_request(s, "DELETE", json_string(o->id),
		                          NULL);
	} else if (cover != NONE &&
	           !(o->archived && action == ADS_ACTION_ARCHIVE)) {
		s->via = xstrdup(b->p->steps[cover].address);
	} else if (action == ADS_ACTION_DELETE) {
		ads_plan_step_add_request(s, "DELETE", json_string(o->id),
		                          NULL);
	} else {
		ads_plan_step_add_request(
		        s, "POST", json_string(o->id),
		        json_pack("{s:s}", "status", "ARCHIVED"));
	}
	put_index(&b->removed, o->id, b->p->nsteps - 1);
}

/* Superseded creative versions go once no ad uses them. */
static void drop_superseded(struct builder *b, const struct ads_resource *r)
{
	const struct ads_live_slot *slot = ads_live_slot(b->live, r->address);

	for (size_t i = 0; slot && i < slot->nr; i++) {
		struct ads_live_object *o = slot->v[i];
		struct ads_plan_step *s;
		size_t users;

		if (o->role != ADS_LIVE_SUPERSEDED)
			continue;
		users = creative_users(b, o->id);
		if (users) {
			ads_strvec_pushf(
			        &b->p->notes,
			        "superseded version %s of %s kept: %zu "
			        "ad%s outside this plan still use%s it",
			        o->id, r->address, users, users == 1 ? "" : "s",
			        users == 1 ? "s" : "");
			continue;
		}
		s = ads_plan_add_step(b->p, ADS_ACTION_DELETE, o->kind,
		                      r->address);
		set_fingerprint(s, o);
		s->reason = xstrdup("superseded by a new version");
		s->impact |= ADS_IMPACT_IRREVERSIBLE;
		ads_plan_step_add_request(s, "DELETE", json_string(o->id),
		                          NULL);
		/* after every ad that used it points elsewhere */
		for (size_t j = 0;
		     users_of(b, o->id) && j < users_of(b, o->id)->nr; j++) {
			const struct ads_live_object *a =
			        users_of(b, o->id)->v[j];
			const struct ads_resource *ar;

			if (!a->address)
				continue;
			ar = ads_model_find(b->m, a->address);
			if (ar && ar->kind == ADS_KIND_AD &&
			    st(b, ar)->step != NONE)
				ads_plan_step_add_dep(s, st(b, ar)->step);
		}
		put_index(&b->removed, o->id, b->p->nsteps - 1);
	}
}

/* A replaced audience: the old one goes after the ad sets moved. */
static void drop_replaced_audience(struct builder *b,
                                   const struct ads_resource *r)
{
	struct ads_live_object *o = st(b, r)->live;
	struct ads_plan_step *s;

	if (!o || st(b, r)->fate != F_REPLACE)
		return;
	s = ads_plan_add_step(b->p, ADS_ACTION_DELETE, o->kind, r->address);
	set_fingerprint(s, o);
	s->reason = xstrdup("replaced by a new audience");
	s->impact |= ADS_IMPACT_IRREVERSIBLE;
	ads_plan_step_add_request(s, "DELETE", json_string(o->id), NULL);
	for (size_t i = 0; i < r->nrdeps; i++)
		if (st(b, r->rdeps[i])->step != NONE)
			ads_plan_step_add_dep(s, st(b, r->rdeps[i])->step);
	put_index(&b->removed, o->id, b->p->nsteps - 1);
}

/*
 * Removal order: child-first (higher kind rank first, then address), and
 * a step covered by another (via) right after the step that covers it.
 */
struct removal {
	struct ads_plan_step step;
	size_t orig; /* index before sorting */
	enum ads_kind group_kind;
	const char *group_address;
};

static int cmp_removal(const void *a, const void *c)
{
	const struct removal *x = a, *y = c;
	int d;

	if (x->group_kind != y->group_kind)
		return x->group_kind > y->group_kind ? -1 : 1;
	if ((d = strcmp(x->group_address, y->group_address)))
		return d;
	if (!x->step.via != !y->step.via)
		return x->step.via ? 1 : -1;
	if (x->step.kind != y->step.kind)
		return x->step.kind < y->step.kind ? -1 : 1;
	if ((d = strcmp(x->step.address, y->step.address)))
		return d;
	return strcmp(x->step.id ? x->step.id : "",
	              y->step.id ? y->step.id : "");
}

static void sort_removals(struct builder *b, size_t first)
{
	size_t n = b->p->nsteps - first;
	struct removal *v = xcalloc(n + 1, sizeof(*v));
	size_t *moved = xcalloc(n + 1, sizeof(*moved));

	for (size_t i = 0; i < n; i++) {
		const struct ads_plan_step *s = &b->p->steps[first + i];

		v[i].step = *s;
		v[i].orig = first + i;
		v[i].group_kind = s->kind;
		v[i].group_address = s->address;
		for (size_t j = 0; s->via && j < b->p->nsteps; j++)
			if (!strcmp(b->p->steps[j].address, s->via)) {
				v[i].group_kind = b->p->steps[j].kind;
				v[i].group_address = b->p->steps[j].address;
			}
	}
	qsort(v, n, sizeof(*v), cmp_removal);
	for (size_t i = 0; i < n; i++) {
		b->p->steps[first + i] = v[i].step;
		moved[v[i].orig - first] = first + i;
		if (v[i].step.id)
			put_index(&b->removed, v[i].step.id, first + i);
	}
	/* dependencies between removal steps follow them */
	for (size_t i = 0; i < b->p->nsteps; i++) {
		struct ads_plan_step *s = &b->p->steps[i];

		for (size_t d = 0; d < s->ndeps; d++)
			if (s->deps[d] >= first)
				s->deps[d] = moved[s->deps[d] - first];
	}
	free(moved);
	free(v);
}

static void plan_removals(struct builder *b)
{
	struct ads_strvec addrs = ADS_STRVEC_INIT;
	const char *address;
	void *val;
	size_t first = b->p->nsteps;

	for (size_t it = 0;
	     ads_map_next(&b->live->by_address, &it, &address, &val);)
		ads_strvec_push(&addrs, address);
	if (addrs.nr)
		qsort(addrs.v, addrs.nr, sizeof(*addrs.v), cmp_str);
	/* parents before children, so that children see them covered, and
	 * ads before creatives, so that a creative sees its ads go */
	static const enum ads_kind order[] = {
		ADS_KIND_IMAGE,    ADS_KIND_VIDEO,  ADS_KIND_AUDIENCE,
		ADS_KIND_CAMPAIGN, ADS_KIND_AD_SET, ADS_KIND_AD,
		ADS_KIND_CREATIVE,
	};

	for (size_t ki = 0; ki < ADS_ARRAY_SIZE(order); ki++) {
		enum ads_kind kind = order[ki];

		for (size_t i = 0; i < addrs.nr; i++) {
			const struct ads_live_slot *slot =
			        ads_live_slot(b->live, addrs.v[i]);
			const struct ads_resource *r =
			        ads_model_find(b->m, addrs.v[i]);

			if (slot->v[0]->kind != kind ||
			    !in_target(b, addrs.v[i]))
				continue;
			if (r && r->kind == slot->v[0]->kind) {
				if (st(b, r)->fate == F_SKIP)
					continue;
				if (kind == ADS_KIND_CREATIVE)
					drop_superseded(b, r);
				if (kind == ADS_KIND_AUDIENCE)
					drop_replaced_audience(b, r);
				continue;
			}
			for (size_t j = 0; j < slot->nr; j++)
				prune_object(b, slot->v[j],
				             "no longer declared");
		}
	}
	ads_strvec_release(&addrs);
	if (b->p->nsteps - first > 1)
		sort_removals(b, first);
}

/*
 * A key renamed in the manifests: the object under the old address is
 * pruned and a new one created (identity is the address). When the pruned
 * object and a created one have the same kind, parent and name, both
 * steps say so, so that reviewers read the pair as the rename it is.
 */
static void pair_renames(struct builder *b)
{
	for (size_t i = 0; i < b->p->nsteps; i++) {
		struct ads_plan_step *old = &b->p->steps[i];
		const struct ads_live_object *o;

		if ((old->action != ADS_ACTION_ARCHIVE &&
		     old->action != ADS_ACTION_DELETE) ||
		    old->res || !old->id || old->via ||
		    !(o = ads_live_by_id(b->live, old->id)) || !o->name ||
		    o->role == ADS_LIVE_SUPERSEDED)
			continue;
		for (size_t j = 0; j < b->p->nsteps; j++) {
			struct ads_plan_step *s = &b->p->steps[j];
			const struct ads_resource *r = s->res;
			const char *name;
			const struct ads_live_object *pl;

			if (s->action != ADS_ACTION_CREATE || !r ||
			    r->kind != o->kind || s->reason)
				continue;
			name = ads_json_str(r->fields, "name");
			pl = r->parent ? st(b, r->parent)->live : NULL;
			if (!name || strcmp(name, o->name) ||
			    (r->parent ? !pl || !o->parent_id ||
			                         strcmp(pl->id, o->parent_id)
			               : o->parent_id != NULL))
				continue;
			s->reason = xasprintf("a new key: %s (%s) looks "
			                      "renamed to it",
			                      old->address, old->id);
			free(old->reason);
			old->reason = xasprintf("no longer declared (renamed "
			                        "to %s?)",
			                        s->address);
			break;
		}
	}
}

/* --- activation ------------------------------------------------------- */

static void plan_activations(struct builder *b)
{
	/* child-first: ads, ad sets, campaigns */
	static const enum ads_kind order[] = { ADS_KIND_AD, ADS_KIND_AD_SET,
		                               ADS_KIND_CAMPAIGN };

	for (size_t k = 0; k < ADS_ARRAY_SIZE(order); k++) {
		for (size_t i = 0; i < b->m->nr; i++) {
			const struct ads_resource *r = b->m->order[i];
			struct rstate *rs = st(b, r);
			struct ads_plan_step *s;
			json_t *path;

			if (r->kind != order[k] || !rs->activates ||
			    rs->fate == F_SKIP)
				continue;
			path = is_new(b, r) ? ads_plan_ref(r->address)
			                    : json_string(rs->live->id);
			s = ads_plan_add_step(b->p, ADS_ACTION_ACTIVATE,
			                      r->kind, r->address);
			s->res = r;
			if (!is_new(b, r))
				set_fingerprint(s, rs->live);
			ads_plan_step_add_change(
			        s, "status",
			        json_string(is_new(b, r) || !rs->live->status
			                            ? "PAUSED"
			                            : rs->live->status),
			        json_string(declared_status(r)), ADS_DIFF_ENUM);
			ads_plan_step_add_request(
			        s, "POST", path,
			        json_pack("{s:s}", "status",
			                  declared_status(r)));
			rs->activate = b->p->nsteps - 1;
			if (rs->step != NONE) {
				ads_plan_step_add_dep(s, rs->step);
				b->p->steps[rs->step].activated = true;
			}
			for (size_t c = 0; c < r->nchildren; c++)
				if (st(b, r->children[c])->activate != NONE)
					ads_plan_step_add_dep(
					        s, st(b, r->children[c])
					                   ->activate);
		}
	}
}

/* --- dependencies ----------------------------------------------------- */

/*
 * The steps a request's value needs: the creates its placeholders name,
 * and the image uploads whose hashes it holds (uploads: hash -> step + 1,
 * or NULL). A hash is known before the upload, so a request names an
 * image the plan uploads by its hash, not by a placeholder: a `{ file: }`
 * as much as a literal `image_hash` or asset_feed_spec `{hash}` with the
 * same bytes (there is no way to tell them apart). The upload it waits
 * for is the first step uploading those bytes: the others follow it.
 */
static void deps_of_value(struct builder *b, const struct ads_map *uploads,
                          struct ads_plan_step *s, size_t self, const json_t *v)
{
	const char *addr;
	size_t idx;

	if (ads_plan_is_ref(v, &addr)) {
		idx = get_index(&b->creates, addr);
		if (idx != NONE && idx != self)
			ads_plan_step_add_dep(s, idx);
		return;
	}
	if (json_is_string(v) && uploads) {
		idx = get_index(uploads, json_string_value(v));
		if (idx != NONE && idx < self)
			ads_plan_step_add_dep(s, idx);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;

		json_object_foreach(ads_json_mut(v), k, e)
			deps_of_value(b, uploads, s, self, e);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
			deps_of_value(b, uploads, s, self, e);
	}
}

static int cmp_size(const void *a, const void *c)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)c;

	return x < y ? -1 : x > y;
}

static void plan_deps(struct builder *b)
{
	struct ads_map uploads = ADS_MAP_INIT; /* image hash -> step + 1 */

	for (size_t i = 0; i < b->p->nsteps; i++) {
		const struct ads_plan_step *s = &b->p->steps[i];

		for (size_t q = 0; q < s->nrequests; q++)
			if (s->requests[q].upload == ADS_UPLOAD_IMAGE &&
			    s->requests[q].digest &&
			    !ads_map_has(&uploads, s->requests[q].digest))
				put_index(&uploads, s->requests[q].digest, i);
	}
	for (size_t i = 0; i < b->p->nsteps; i++) {
		struct ads_plan_step *s = &b->p->steps[i];

		for (size_t q = 0; q < s->nrequests; q++) {
			deps_of_value(b, NULL, s, i, s->requests[q].path);
			deps_of_value(
			        b, s->kind == ADS_KIND_IMAGE ? NULL : &uploads,
			        s, i, s->requests[q].params);
		}
		if (s->ndeps > 1)
			qsort(s->deps, s->ndeps, sizeof(*s->deps), cmp_size);
	}
	ads_map_release(&uploads, NULL);
}

/* --- daily spend ------------------------------------------------------ */

/* What an object spends per day by its own budget (0 without one). */
static int64_t daily_of(const json_t *f)
{
	int64_t daily = 0, life = 0, start = 0, end = 0;

	if (ads_json_as_int64(json_object_get(f, "daily_budget"), &daily) &&
	    daily > 0)
		return daily;
	if (!ads_json_as_int64(json_object_get(f, "lifetime_budget"), &life) ||
	    life <= 0)
		return 0;
	if (json_is_string(json_object_get(f, "start_time")))
		ads_time_parse(ads_json_str(f, "start_time"), &start);
	if (json_is_string(json_object_get(f, "end_time")))
		ads_time_parse(ads_json_str(f, "end_time"), &end);
	else if (json_is_string(json_object_get(f, "stop_time")))
		ads_time_parse(ads_json_str(f, "stop_time"), &end);
	if (start <= 0 || end <= start)
		return 0; /* cannot spread it: not counted */
	return life / ((end - start + 86399) / 86400);
}

static bool live_active(const struct ads_live *l,
                        const struct ads_live_object *o)
{
	for (; o; o = o->parent_id ? ads_live_by_id(l, o->parent_id) : NULL)
		if (o->archived || !is_active_status(o->status))
			return false;
	return true;
}

/* Declared status after the plan: declared, else what it is (or, for a
 * new object, PAUSED: it is created paused and nothing activates it). */
static bool after_active(struct builder *b, const struct ads_resource *r)
{
	for (; r; r = r->parent) {
		const struct rstate *rs = st(b, r);
		const char *s = declared_status(r);

		if (!s)
			s = rs->live && !is_new(b, r) ? rs->live->status
			                              : "PAUSED";
		if (!is_active_status(s))
			return false;
	}
	return true;
}

/* The step the spend change of r (or o) shows on. */
static size_t spend_step(struct builder *b, const struct ads_resource *r)
{
	for (; r; r = r->parent) {
		const struct rstate *rs = st(b, r);

		if (rs->activate != NONE)
			return rs->activate;
		if (rs->step != NONE)
			return rs->step;
	}
	return NONE;
}

static void plan_spend(struct builder *b)
{
	for (size_t i = 0; i < b->m->nr; i++) {
		const struct ads_resource *r = b->m->order[i];
		const struct rstate *rs = st(b, r);
		int64_t before = 0, after = 0;
		json_t *f;
		size_t idx;

		if ((r->kind != ADS_KIND_CAMPAIGN &&
		     r->kind != ADS_KIND_AD_SET) ||
		    rs->fate == F_SKIP)
			continue;
		if (rs->live && live_active(b->live, rs->live))
			before = daily_of(rs->live->fields);
		/* declared budget fields over the live ones */
		f = rs->live && !is_new(b, r) ? json_deep_copy(rs->live->fields)
		                              : json_object();
		json_object_update(f, r->fields);
		if (after_active(b, r))
			after = daily_of(f);
		json_decref(f);
		if (before == after || (idx = spend_step(b, r)) == NONE)
			continue;
		b->p->steps[idx].spend_delta += after - before;
	}
	/* undeclared objects that go stop spending */
	for (size_t i = 0; i < b->p->nsteps; i++) {
		struct ads_plan_step *s = &b->p->steps[i];
		const struct ads_live_object *o;

		if ((s->action != ADS_ACTION_ARCHIVE &&
		     s->action != ADS_ACTION_DELETE) ||
		    !s->id || s->res)
			continue;
		o = ads_live_by_id(b->live, s->id);
		if (o &&
		    (o->kind == ADS_KIND_CAMPAIGN ||
		     o->kind == ADS_KIND_AD_SET) &&
		    live_active(b->live, o))
			s->spend_delta -= daily_of(o->fields);
	}
	for (size_t i = 0; i < b->p->nsteps; i++) {
		struct ads_plan_step *s = &b->p->steps[i];

		if (s->spend_delta > 0)
			s->impact |= ADS_IMPACT_SPEND_INCREASE;
		else if (s->spend_delta < 0)
			s->impact |= ADS_IMPACT_SPEND_DECREASE;
	}
}

/* --- notes ------------------------------------------------------------ */

/* Unlabelled objects named like a declared resource: probably the same
 * thing made by hand; never touched, but worth saying. */
static void note_lookalikes(struct builder *b)
{
	struct ads_map names = ADS_MAP_INIT;
	struct ads_buf key = ADS_BUF_INIT;

	for (size_t j = 0; j < b->m->nr; j++) {
		struct ads_resource *r = b->m->order[j];
		const char *name = ads_json_str(r->fields, "name");

		if (!name || st(b, r)->fate == F_SKIP)
			continue;
		ads_buf_reset(&key);
		ads_buf_addf(&key, "%d:%s", (int)r->kind, name);
		if (!ads_map_has(&names, key.buf))
			ads_map_put(&names, key.buf, r);
	}
	for (size_t i = 0; i < b->live->nobjs && ads_map_count(&names); i++) {
		const struct ads_live_object *o = b->live->objs[i];
		const struct ads_resource *r;

		if (o->role != ADS_LIVE_UNMANAGED || !o->name)
			continue;
		ads_buf_reset(&key);
		ads_buf_addf(&key, "%d:%s", (int)o->kind, o->name);
		if (!(r = ads_map_get(&names, key.buf)))
			continue;
		ads_strvec_pushf(&b->p->notes,
		                 "%s %s \"%s\" has the name of %s but no "
		                 "adsctl label: left alone (adopt it with "
		                 "'adsctl import')",
		                 ads_plan_kind_words(o->kind), o->id, o->name,
		                 r->address);
	}
	ads_map_release(&names, NULL);
	ads_buf_release(&key);
}

/* "campaigns", "ad sets": for messages. */
static const char *plural(enum ads_kind k)
{
	static const char *const names[ADS_KIND_COUNT] = {
		"images",    "videos",  "custom audiences",
		"campaigns", "ad sets", "creatives",
		"ads",
	};

	return names[k];
}

static int ambiguity(struct builder *b)
{
	const struct ads_live_dup *d = &b->live->dups[0];
	struct ads_buf ids = ADS_BUF_INIT;
	int rc;

	for (size_t i = 0; i < d->ids.nr; i++)
		ads_buf_addf(&ids, "%s%s", i ? ", " : "", d->ids.v[i]);
	rc = ads_error_set(
	        b->err, ADS_ECONFLICT,
	        "ambiguous identity: %zu live %s carry the %s '%s' (ids %s); "
	        "adsctl never guesses: delete the extra one, or remove its "
	        "%s in Ads Manager%s",
	        d->ids.nr, plural(d->kind),
	        d->kind == ADS_KIND_AUDIENCE ? "marker" : "label", d->label,
	        ids.buf, d->kind == ADS_KIND_AUDIENCE ? "marker" : "label",
	        b->live->ndups > 1 ? " (and resolve the other ambiguities: "
	                             "run plan again)"
	                           : "");
	ads_buf_release(&ids);
	return rc;
}

int ads_plan_build(struct ads_plan **out, const struct ads_model *m,
                   const struct ads_live *live,
                   const struct ads_plan_options *opt, struct ads_error *err)
{
	struct builder b = { .m = m, .live = live, .err = err };
	struct ads_resource **sel = NULL;
	size_t nsel = 0;
	int rc = 0;

	b.target = opt ? opt->target : NULL;
	if (live->ndups)
		return ambiguity(&b);
	if (b.target && (rc = ads_model_select(&sel, &nsel, m, b.target, err)))
		return rc;
	b.p = ads_plan_new();
	b.p->stack = xstrdup(m->settings.stack);
	b.p->account = xstrdup(m->settings.account);
	b.p->currency = live->currency ? xstrdup(live->currency) : NULL;
	b.p->api_version = xstrdup(m->settings.api_version);
	b.p->prune = m->settings.prune;
	b.p->target = b.target ? xstrdup(b.target) : NULL;
	memcpy(b.p->unmanaged, live->unmanaged, sizeof(b.p->unmanaged));
	for (size_t k = 0; k < ADS_KIND_COUNT; k++)
		b.p->foreign += live->foreign[k];
	ads_map_init(&b.creates);
	ads_map_init(&b.removed);
	ads_map_init(&b.users);
	index_users(&b);
	b.rs = xcalloc(m->nr + 1, sizeof(*b.rs));
	for (size_t i = 0; i < m->nr; i++) {
		b.rs[i].step = b.rs[i].activate = NONE;
		b.rs[i].live = ads_live_get(live, m->order[i]->address);
		if (b.rs[i].live && b.rs[i].live->kind != m->order[i]->kind)
			b.rs[i].live = NULL;
		if (b.target)
			b.rs[i].fate = F_SKIP;
	}
	for (size_t i = 0; i < nsel; i++)
		b.rs[sel[i]->index].fate = F_NONE;
	/* creatives before videos: a video is uploaded for a new creative */
	for (size_t i = 0; i < m->nr; i++) {
		const struct ads_resource *r = m->order[i];
		struct rstate *rs = st(&b, r);

		if (r->kind == ADS_KIND_CREATIVE && rs->fate != F_SKIP &&
		    !rs->live)
			rs->fate = F_CREATE; /* provisional, for videos */
	}
	for (size_t i = 0; i < m->nr && !rc; i++) {
		const struct ads_resource *r = m->order[i];

		if (st(&b, r)->fate == F_SKIP)
			continue;
		st(&b, r)->fate = F_NONE;
		rc = plan_resource(&b, r);
	}
	if (!rc) {
		plan_removals(&b);
		pair_renames(&b);
		plan_activations(&b);
		plan_deps(&b);
		plan_spend(&b);
		note_lookalikes(&b);
		for (size_t i = 0; i < live->notes.nr; i++)
			ads_strvec_push(&b.p->notes, live->notes.v[i]);
		ads_plan_count(b.p);
	}
	free(sel);
	free(b.rs);
	ads_map_release(&b.creates, NULL);
	ads_map_release(&b.removed, NULL);
	ads_map_release(&b.users, free_objv);
	if (rc) {
		ads_plan_free(b.p);
		return rc;
	}
	*out = b.p;
	return 0;
}
