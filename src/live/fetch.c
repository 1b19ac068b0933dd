/*
 * Reading an account's live objects in few round trips: the account node
 * and every account-level edge at once (the graph engine runs them side
 * by side and packs what queues behind into batch requests), with large
 * pages and only the fields the manifests declare plus identity fields.
 * docs/internals/plan.md "Live fetch" lists the reads.
 */
#include "live/live.h"

#include <stdlib.h>
#include <string.h>

#include "graph/read.h"
#include "util/json.h"
#include "util/xalloc.h"

/* Every effective status but DELETED, which edges refuse (003:L16889). */
#define ALL_BUT_DELETED                                                 \
	"[\"ACTIVE\",\"PAUSED\",\"PENDING_REVIEW\",\"DISAPPROVED\","    \
	"\"PREAPPROVED\",\"PENDING_BILLING_INFO\",\"CAMPAIGN_PAUSED\"," \
	"\"ARCHIVED\",\"ADSET_PAUSED\",\"IN_PROCESS\",\"WITH_ISSUES\"]"

/* Image hashes per adimages call: keeps URLs short. */
#define HASHES_PER_CALL 100

static const struct {
	const char *edge;
	enum ads_kind kind;
	unsigned limit; /* page size: bigger for smaller objects */
	bool statuses; /* needs the effective_status filter */
} lists[] = {
	{ "campaigns", ADS_KIND_CAMPAIGN, 2000, true },
	{ "adsets", ADS_KIND_AD_SET, 1000, true },
	{ "ads", ADS_KIND_AD, 5000, true },
	{ "adcreatives", ADS_KIND_CREATIVE, 5000, false },
	{ "customaudiences", ADS_KIND_AUDIENCE, 500, false },
};

struct fetch {
	struct ads_error err; /* the first failure */
	const struct ads_reporter *reporter;
	char what[96];
	size_t read; /* objects read so far */
	json_t *account;
};

static void on_page(void *ctx, size_t n)
{
	struct fetch *f = ctx;

	f->read += n;
	ads_report_progress(f->reporter, f->what, f->read, 0);
}

static void on_done(void *ctx, const struct ads_error *err)
{
	struct fetch *f = ctx;

	if (err && !ads_error_is_set(&f->err))
		ads_error_copy(&f->err, err);
}

static void on_account(void *ctx, struct ads_graph_result *res)
{
	struct fetch *f = ctx;

	if (res->outcome != ADS_GRAPH_OK) {
		on_done(f, &res->err);
		return;
	}
	f->account = res->body;
	res->body = NULL;
}

static void stats(struct ads_graph *g, struct ads_graph_stats *st)
{
	memset(st, 0, sizeof(*st));
	ads_graph_get_stats(g, st);
}

static int submit_list(struct ads_graph *g, struct fetch *f, const char *path,
                       struct ads_graph_params *params, json_t *items,
                       struct ads_error *err)
{
	return ads_graph_list_submit_paged(g, path, params, items, on_page,
	                                   on_done, f, err);
}

/* GET act_X/adimages?hashes=[...] for the images the manifests use. */
static int submit_images(struct ads_graph *g, struct fetch *f,
                         const struct ads_live_query *q, json_t *items,
                         struct ads_error *err)
{
	const struct ads_model *m = q->model;
	json_t *hashes = json_array();
	char *path = xasprintf("%s/adimages", q->account);
	struct ads_buf fields = ADS_BUF_INIT;
	int rc = 0;

	ads_live_fields(&fields, ADS_KIND_IMAGE, NULL);
	for (size_t i = 0; m && i <= m->nr && !rc; i++) {
		const struct ads_resource *r = i < m->nr ? m->order[i] : NULL;

		if (r && r->kind == ADS_KIND_IMAGE && r->file)
			json_array_append_new(hashes,
			                      json_string(r->file->md5));
		if (json_array_size(hashes) == HASHES_PER_CALL ||
		    (!r && json_array_size(hashes))) {
			struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;

			ads_graph_params_set(&p, "fields", fields.buf);
			ads_graph_params_set_json(&p, "hashes", hashes);
			ads_graph_params_setf(&p, "limit", "%d",
			                      HASHES_PER_CALL);
			rc = submit_list(g, f, path, &p, items, err);
			ads_graph_params_release(&p);
			json_array_clear(hashes);
		}
	}
	json_decref(hashes);
	ads_buf_release(&fields);
	free(path);
	return rc;
}

/* Adds the fields m declares that list does not have yet. */
static void add_fields(struct ads_buf *list, enum ads_kind kind,
                       const struct ads_model *m)
{
	struct ads_buf more = ADS_BUF_INIT;
	struct ads_strvec have = ADS_STRVEC_INIT;

	ads_strvec_split(&have, list->buf, ',');
	ads_live_fields(&more, kind, m);
	for (const char *f = more.buf; *f;) {
		size_t n = strcspn(f, ",");
		char *name = xstrndup(f, n);

		if (!ads_strvec_contains(&have, name))
			ads_buf_addf(list, ",%s", name);
		free(name);
		f += n;
		if (*f == ',')
			f++;
	}
	ads_strvec_release(&have);
	ads_buf_release(&more);
}

int ads_live_fetch(struct ads_live **out, struct ads_graph *g,
                   const struct ads_live_query *q, struct ads_error *err)
{
	struct fetch f = { .err = ADS_ERROR_INIT };
	struct ads_graph_stats before, after;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_buf fields = ADS_BUF_INIT;
	json_t *raw = json_object();
	struct ads_live *l = NULL;
	int rc;

	f.reporter = q->reporter;
	snprintf(f.what, sizeof(f.what), "reading %s", q->account);
	stats(g, &before);

	ads_graph_params_set(&p, "fields",
	                     "id,account_id,name,currency,timezone_name,"
	                     "min_daily_budget");
	{
		struct ads_graph_call c = {
			.method = "GET",
			.path = q->account,
			.params = &p,
			.fn = on_account,
			.ctx = &f,
		};

		rc = ads_graph_submit(g, &c, err);
	}
	for (size_t i = 0; !rc && i < ADS_ARRAY_SIZE(lists); i++) {
		json_t *items = json_array();
		char *path = xasprintf("%s/%s", q->account, lists[i].edge);

		json_object_set_new(raw, lists[i].edge, items);
		ads_graph_params_release(&p);
		ads_buf_reset(&fields);
		ads_live_fields(&fields, lists[i].kind, q->model);
		if (q->also)
			add_fields(&fields, lists[i].kind, q->also);
		ads_graph_params_set(&p, "fields", fields.buf);
		ads_graph_params_setf(&p, "limit", "%u", lists[i].limit);
		if (lists[i].statuses)
			ads_graph_params_set(&p, "effective_status",
			                     ALL_BUT_DELETED);
		rc = submit_list(g, &f, path, &p, items, err);
		free(path);
	}
	if (!rc) {
		json_t *images = json_array();

		json_object_set_new(raw, "adimages", images);
		rc = submit_images(g, &f, q, images, err);
	}
	if (!rc)
		rc = ads_graph_run(g, err);
	ads_report_progress(f.reporter, f.what, f.read, f.read);
	if (!rc && ads_error_is_set(&f.err)) {
		ads_error_move(err, &f.err);
		rc = err->code ? (int)err->code : ADS_ERROR;
	}
	if (rc)
		goto out;
	json_object_set(raw, "account", f.account ? f.account : json_object());
	rc = ads_live_load(&l, raw, q->stack, err);
	if (rc)
		goto out;
	free(l->account);
	l->account = xstrdup(q->account);
	stats(g, &after);
	l->graph_calls = after.calls - before.calls;
	l->http_requests = after.http_requests - before.http_requests;
	l->round_trips = after.round_trips - before.round_trips;
	*out = l;
out:
	json_decref(f.account);
	ads_error_release(&f.err);
	ads_graph_params_release(&p);
	ads_buf_release(&fields);
	json_decref(raw);
	return rc;
}

struct ads_live_object *ads_live_previous(const struct ads_live *l,
                                          const char *address)
{
	const struct ads_live_slot *s = ads_live_slot(l, address);
	struct ads_live_object *best = NULL;
	size_t best_uses = 0;

	if (!s || s->current)
		return NULL;
	/* the version most managed ads point at, else the first listed
	 * (edges list the newest first) */
	for (size_t i = 0; i < s->nr; i++) {
		size_t uses = 0;

		for (size_t j = 0; j < l->nobjs; j++) {
			const struct ads_live_object *a = l->objs[j];

			if (a->kind == ADS_KIND_AD && a->address &&
			    a->creative_id &&
			    !strcmp(a->creative_id, s->v[i]->id))
				uses++;
		}
		if (!best || uses > best_uses) {
			best = s->v[i];
			best_uses = uses;
		}
	}
	return best;
}

int ads_live_fetch_previous(struct ads_live *l, struct ads_graph *g,
                            const struct ads_model *m, struct ads_error *err)
{
	struct ads_strvec ids = ADS_STRVEC_INIT;
	struct ads_map seen = ADS_MAP_INIT;
	struct ads_buf fields = ADS_BUF_INIT;
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	json_t *out = NULL;
	int rc = 0;

	ads_buf_addstr(&fields, "id");
	for (size_t i = 0; i < m->nr; i++) {
		const struct ads_resource *r = m->order[i];
		struct ads_live_object *o;
		const char *k;
		json_t *v;

		if (r->kind != ADS_KIND_CREATIVE ||
		    !(o = ads_live_previous(l, r->address)))
			continue;
		ads_strvec_push(&ids, o->id);
		json_object_foreach(r->fields, k, v) {
			if (!ads_live_readable(ADS_KIND_CREATIVE, k) ||
			    !strcmp(k, "name") || !strcmp(k, "status") ||
			    !strcmp(k, "adlabels") || ads_map_has(&seen, k))
				continue;
			ads_map_put(&seen, k, NULL);
			ads_buf_addf(&fields, ",%s", k);
		}
	}
	if (!ids.nr)
		goto out;
	ads_graph_params_set(&p, "fields", fields.buf);
	rc = ads_graph_get_ids(&out, NULL, g, (const char *const *)ids.v,
	                       ids.nr, &p, err);
	if (rc)
		goto out;
	for (size_t i = 0; i < ids.nr; i++) {
		struct ads_live_object *o = ads_live_by_id(l, ids.v[i]);
		json_t *got = json_object_get(out, ids.v[i]);

		if (o && json_is_object(got))
			json_object_update_missing(o->fields, got);
	}
out:
	json_decref(out);
	ads_graph_params_release(&p);
	ads_buf_release(&fields);
	ads_map_release(&seen, NULL);
	ads_strvec_release(&ids);
	return rc;
}
