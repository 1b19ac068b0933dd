/*
 * The executor of `adsctl apply` (apply.h): plans waves of requests from
 * the steps whose dependencies are met, sends them through a write set
 * (graph/write.h), settles unknown outcomes by label, uploads images and
 * member lists, creates large numbers of ads through async request sets,
 * and journals every step as it ends.
 */
#include "apply/apply.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply/asyncads.h"
#include "apply/lookup.h"
#include "apply/upload.h"
#include "graph/decode.h"
#include "graph/write.h"
#include "plan/remote.h"
#include "util/buf.h"
#include "util/interrupt.h"
#include "util/json.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Fewer ad creates than this in a wave go in batches even in async mode
 * (retries of a few ads are not worth a set and its polls). */
#define ASYNC_GROUP_MIN 20
/* Times an ad create may go through an async set before it fails. */
#define ASYNC_TRIES 2
/* Images whose base64 is at most this travel in batches (50 of them make
 * a 4.5 MB request); larger ones go in requests of their own. */
#define IMAGE_BATCH_BYTES (96 * 1024)
/* Longest parameter value a journal record keeps. */
#define SUMMARY_MAX 160

enum phase {
	PHASE_CHANGE, /* creates, replaces, updates */
	PHASE_REMOVE, /* deletes and archives, one kind at a time */
	PHASE_ACTIVATE, /* activations, only after everything else */
};

/* Removal order: children first (DESIGN.md §6). */
static const enum ads_kind remove_order[] = {
	ADS_KIND_AD,       ADS_KIND_CREATIVE, ADS_KIND_AD_SET,
	ADS_KIND_CAMPAIGN, ADS_KIND_AUDIENCE, ADS_KIND_IMAGE,
	ADS_KIND_VIDEO,
};

/* What a step has in flight in the current wave. */
enum inflight {
	IF_NONE,
	IF_OP, /* a write set operation */
	IF_IMAGE, /* an image upload (its own HTTP request) */
	IF_FOLLOW, /* an image with the hash of another step's upload */
	IF_MEMBERS, /* a usersreplace session, after the write set */
	IF_ASYNC, /* an ad in an async request set, after the write set */
};

struct xstep {
	unsigned next; /* index of the next request to send */
	int create_req; /* the request that makes the object, or -1 */
	enum inflight what;
	struct ads_graph_op *op;
	char *path; /* resolved path of the request in flight */
	json_t *params; /* its resolved parameters */
	/* image uploads */
	enum ads_graph_outcome img_outcome;
	json_t *img_body;
	struct ads_error img_err;
	size_t follow; /* IF_FOLLOW: the step that uploads the bytes */
	size_t async_item;
	unsigned async_tries;
	bool unresolvable; /* an unknown outcome no lookup can settle */
	bool started;
	int64_t t0;
	json_t *requests; /* request summaries for the journal */
};

struct run {
	struct ads_graph *g;
	const struct ads_plan *p;
	const struct ads_apply_options *opt;
	struct ads_apply_result *res;
	struct xstep *x;
	struct ads_map creator; /* address -> step index + 1 */
	struct ads_map by_address; /* address -> first step with requests + 1 */
	struct ads_map images; /* digest -> uploading step + 1 */
	struct ads_graph_writes *w; /* the current wave's */
	size_t *members; /* steps with a member upload this wave */
	size_t nmembers, alloc_members;
	size_t *async; /* steps with an ad for an async set this wave */
	size_t nasync, alloc_async;
	bool async_mode;
	char *set_prefix; /* "adsctl:<stack>:<run>" */
	size_t set_seq;
	struct ads_apply_async *asets; /* the run's sets (asyncads.h) */
	bool async_fed; /* a set was submitted */
	/* Steps held back from this wave (defer_feeders), one per step */
	unsigned char *defer;
	struct ads_graph_async_poll poll; /* theirs, unless opt says */
	/* async ads whose complete set left their outcome open, with the
	 * set's word on them: a label lookup settles them */
	struct lookup {
		size_t step;
		struct ads_error err;
	} * lookups;
	size_t nlookups, alloc_lookups;
	/* the request budget of moving ads from sets to batches: objects
	 * the plan writes, per request allowed */
	size_t objects;
	unsigned ratio;
	/* the pace of the write sets: their batch requests and time */
	size_t write_batches;
	int64_t write_ms;
	unsigned unknown_rounds;
	int stop; /* ADS_EINTR or ADS_EAUTH once the run must stop */
	size_t nfinal;
	uint64_t seed;
};

const char *ads_apply_state_name(enum ads_apply_state s)
{
	switch (s) {
	case ADS_APPLY_PENDING:
		return "not_attempted";
	case ADS_APPLY_DONE:
		return "done";
	case ADS_APPLY_FAILED:
		return "failed";
	case ADS_APPLY_SKIPPED:
		return "skipped";
	case ADS_APPLY_UNKNOWN:
		return "unknown";
	}
	return "?";
}

void ads_apply_result_release(struct ads_apply_result *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].id);
		ads_error_release(&r->steps[i].err);
	}
	free(r->steps);
	memset(r, 0, sizeof(*r));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum phase phase_of(const struct ads_plan_step *s)
{
	switch (s->action) {
	case ADS_ACTION_DELETE:
	case ADS_ACTION_ARCHIVE:
		return PHASE_REMOVE;
	case ADS_ACTION_ACTIVATE:
		return PHASE_ACTIVATE;
	default:
		return PHASE_CHANGE;
	}
}

static bool is_final(enum ads_apply_state s)
{
	return s != ADS_APPLY_PENDING;
}

static enum ads_apply_state state_of(const struct run *r, size_t i)
{
	return r->res->steps[i].state;
}

static size_t map_index(const struct ads_map *m, const char *key)
{
	return (size_t)(uintptr_t)ads_map_get(m, key);
}

/*
 * The request of a step that makes its object: POST act_X/<edge>, without
 * an edge of its own. -1 when the step makes nothing.
 */
static int create_request(const struct ads_plan_step *s)
{
	for (size_t k = 0; k < s->nrequests; k++) {
		const struct ads_plan_request *q = &s->requests[k];
		const char *path = json_string_value(q->path);

		if (!strcmp(q->method, "POST") && !q->edge && path &&
		    ads_starts_with(path, "act_") && strchr(path, '/'))
			return (int)k;
	}
	return -1;
}

/* --- placeholders ----------------------------------------------------- */

typedef void (*ref_fn)(void *ctx, const char *address);

static void walk_refs(const json_t *v, ref_fn fn, void *ctx)
{
	const char *addr, *k;
	json_t *e;
	size_t i;

	if (ads_plan_is_ref(v, &addr)) {
		fn(ctx, addr);
		return;
	}
	if (json_is_object(v)) {
		json_object_foreach(ads_json_mut(v), k, e)
			walk_refs(e, fn, ctx);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			walk_refs(e, fn, ctx);
	}
}

struct names_ctx {
	const char *address;
	bool found;
};

static void names_cb(void *vctx, const char *address)
{
	struct names_ctx *c = vctx;

	if (!strcmp(address, c->address))
		c->found = true;
}

/* Whether request q holds a placeholder for address. */
static bool request_names(const struct ads_plan_request *q, const char *address)
{
	struct names_ctx c = { address, false };

	walk_refs(q->path, names_cb, &c);
	walk_refs(q->params, names_cb, &c);
	return c.found;
}

struct check_ctx {
	struct run *r;
	size_t step;
	struct ads_error *err;
	int rc;
};

static void check_cb(void *vctx, const char *address)
{
	struct check_ctx *c = vctx;

	if (c->rc || map_index(&c->r->creator, address))
		return;
	c->rc = ads_error_set(c->err, ADS_EINVALID,
	                      "step %zu (%s) needs the id of %s, which no "
	                      "step of the plan creates",
	                      c->step + 1, c->r->p->steps[c->step].address,
	                      address);
}

/* The value of a placeholder now: an id, a batch reference, or NULL. */
static json_t *resolve_ref(void *ctx, const char *address)
{
	struct run *r = ctx;
	size_t c = map_index(&r->creator, address);
	const struct xstep *x;

	if (!c--)
		return NULL;
	x = &r->x[c];
	/* made: its step is done, or past its creating request (an
	 * audience's member upload names the audience just made) */
	if (r->res->steps[c].id && x->create_req >= 0 &&
	    (state_of(r, c) == ADS_APPLY_DONE || (int)x->next > x->create_req))
		return json_string(r->res->steps[c].id);
	if (x->what == IF_OP && x->op && (int)x->next == x->create_req) {
		char *ref = ads_graph_op_ref(x->op, NULL);
		json_t *v = json_string(ref);

		free(ref);
		return v;
	}
	return NULL;
}

/* --- journal ---------------------------------------------------------- */

static json_t *summary_value(const json_t *v)
{
	struct ads_buf b = ADS_BUF_INIT;
	json_t *out;

	if (json_is_string(v))
		ads_buf_addstr(&b, json_string_value(v));
	else
		ads_json_dump_canonical(&b, v);
	if (b.len > SUMMARY_MAX) {
		size_t n = b.len;

		ads_buf_setlen(&b, SUMMARY_MAX);
		/* never cut a UTF-8 sequence in half */
		while (b.len && ((unsigned char)b.buf[b.len] & 0xC0) == 0x80)
			ads_buf_setlen(&b, b.len - 1);
		ads_buf_addf(&b, "... (%zu bytes)", n);
	}
	out = json_is_string(v) || b.len > SUMMARY_MAX ? json_string(b.buf)
	                                               : json_deep_copy(v);
	if (!out) /* not UTF-8 */
		out = json_string("(binary)");
	ads_buf_release(&b);
	return out;
}

/* A journal summary of a request: method, path, parameters shortened. */
static json_t *summary(const char *method, const char *path,
                       const json_t *params)
{
	json_t *s = json_pack("{s:s,s:s}", "method", method, "path", path);
	json_t *sp = json_object(), *v;
	const char *k;

	json_object_foreach(ads_json_mut(params), k, v)
		json_object_set_new(sp, k, summary_value(v));
	json_object_set_new(s, "params", sp);
	return s;
}

static json_t *error_json(const struct ads_error *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "message", json_string(e->msg ? e->msg : ""));
	json_object_set_new(o, "kind", json_string(ads_errcode_name(e->code)));
	if (e->http_status)
		json_object_set_new(o, "http_status",
		                    json_integer(e->http_status));
	if (e->api_code)
		json_object_set_new(o, "code", json_integer(e->api_code));
	if (e->api_subcode)
		json_object_set_new(o, "subcode", json_integer(e->api_subcode));
	if (e->api_type)
		json_object_set_new(o, "type", json_string(e->api_type));
	if (e->api_user_title)
		json_object_set_new(o, "user_title",
		                    json_string(e->api_user_title));
	if (e->api_user_msg)
		json_object_set_new(o, "user_msg",
		                    json_string(e->api_user_msg));
	if (e->api_blame)
		json_object_set_new(o, "blame", json_string(e->api_blame));
	if (e->fbtrace_id)
		json_object_set_new(o, "fbtrace_id",
		                    json_string(e->fbtrace_id));
	return o;
}

static void journal(struct run *r, json_t *rec)
{
	struct ads_error e = ADS_ERROR_INIT;
	struct ads_journal *j = r->opt->journal;

	if (!j) {
		json_decref(rec);
		return;
	}
	if (ads_journal_write(j, rec, &e) && !r->res->journal_failed) {
		r->res->journal_failed = true;
		ads_report(r->opt->reporter, ADS_REPORT_WARNING,
		           "%s (apply goes on; the live objects' labels "
		           "still say what exists)",
		           e.msg);
	}
	ads_error_release(&e);
}

static void journal_step(struct run *r, size_t i)
{
	const struct ads_plan_step *s = &r->p->steps[i];
	const struct ads_apply_step *o = &r->res->steps[i];
	json_t *rec =
	        json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "event", "step", "step",
	                  (json_int_t)i, "action", ads_action_name(s->action),
	                  "kind", ads_kind_name(s->kind), "address", s->address,
	                  "result", ads_apply_state_name(o->state));

	json_object_set_new(rec, "id",
	                    o->id ? json_string(o->id) : json_null());
	if (s->id && (!o->id || strcmp(s->id, o->id)))
		json_object_set_new(rec, "previous_id", json_string(s->id));
	if (s->via)
		json_object_set_new(rec, "via", json_string(s->via));
	json_object_set_new(rec, "requests",
	                    r->x[i].requests ? json_incref(r->x[i].requests)
	                                     : json_array());
	json_object_set_new(rec, "requests_done",
	                    json_integer((json_int_t)o->nrequests));
	if (o->adopted)
		json_object_set_new(rec, "adopted", json_true());
	if (o->recreated)
		json_object_set_new(rec, "created_again", json_true());
	if (o->present)
		json_object_set_new(rec, "present", json_true());
	if (o->async)
		json_object_set_new(rec, "async", json_true());
	json_object_set_new(rec, "ms", json_integer(o->ms));
	if (o->state != ADS_APPLY_DONE && ads_error_is_set(&o->err))
		json_object_set_new(rec, "error", error_json(&o->err));
	journal(r, rec);
}

static void add_summary(struct run *r, size_t i, json_t *sum)
{
	struct xstep *x = &r->x[i];

	if (!x->requests)
		x->requests = json_array();
	json_array_append_new(x->requests, sum);
}

/* --- step ends -------------------------------------------------------- */

static void finish(struct run *r, size_t i, enum ads_apply_state st,
                   const struct ads_error *e)
{
	struct ads_apply_step *o = &r->res->steps[i];
	struct xstep *x = &r->x[i];

	if (is_final(o->state))
		return;
	o->state = st;
	ads_error_release(&o->err);
	if (e && st != ADS_APPLY_DONE)
		ads_error_copy(&o->err, e);
	if (st == ADS_APPLY_FAILED && (o->err.api_code || o->err.api_blame))
		ads_plan_step_locate(&r->p->steps[i], &o->err);
	o->ms = x->started ? now_ms() - x->t0 : 0;
	if (st == ADS_APPLY_DONE && !o->id && r->p->steps[i].id)
		o->id = xstrdup(r->p->steps[i].id);
	if (st == ADS_APPLY_DONE && !o->id) {
		/* an activation of what the plan made: that object */
		size_t c = map_index(&r->creator, r->p->steps[i].address);

		if (c && c - 1 != i && r->res->steps[c - 1].id)
			o->id = xstrdup(r->res->steps[c - 1].id);
	}
	x->what = IF_NONE;
	x->op = NULL;
	journal_step(r, i);
	r->nfinal++;
	if (r->opt->step_done)
		r->opt->step_done(r->opt->ctx, r->p, i, o);
	ads_report_progress(r->opt->reporter, "apply", r->nfinal, r->p->nsteps);
}

static void finishf(struct run *r, size_t i, enum ads_apply_state st,
                    enum ads_errcode code, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static void finishf(struct run *r, size_t i, enum ads_apply_state st,
                    enum ads_errcode code, const char *fmt, ...)
{
	struct ads_error e = ADS_ERROR_INIT;
	va_list ap;

	va_start(ap, fmt);
	ads_error_vset(&e, code, fmt, ap);
	va_end(ap);
	finish(r, i, st, &e);
	ads_error_release(&e);
}

/* A request of step i succeeded; id is what it made (or NULL). */
static void request_done(struct run *r, size_t i, const char *id)
{
	const struct ads_plan_step *s = &r->p->steps[i];
	struct ads_apply_step *o = &r->res->steps[i];
	struct xstep *x = &r->x[i];

	if (id &&
	    ((int)x->next == x->create_req || s->kind == ADS_KIND_IMAGE)) {
		free(o->id);
		o->id = xstrdup(id);
	}
	x->next++;
	o->nrequests++;
	x->what = IF_NONE;
	x->op = NULL;
	free(x->path);
	x->path = NULL;
	json_decref(x->params);
	x->params = NULL;
	if (x->next >= s->nrequests)
		finish(r, i, ADS_APPLY_DONE, NULL);
}

static const char *dep_words(enum ads_apply_state st)
{
	switch (st) {
	case ADS_APPLY_FAILED:
		return "failed";
	case ADS_APPLY_UNKNOWN:
		return "has an unknown outcome";
	case ADS_APPLY_SKIPPED:
		return "was skipped";
	default:
		return "did not run";
	}
}

/* --- ad set campaigns ------------------------------------------------- */

/* "campaigns.c.ad_sets.s" -> "campaigns.c"; owned, or NULL. */
static char *parent_address(const char *address)
{
	const char *p = strstr(address, ".ad_sets.");

	return p ? xstrndup(address, (size_t)(p - address)) : NULL;
}

/*
 * The campaign of an ad set write that does not name it in its
 * parameters (updates, activations, deletes): graph/write.h keeps one ad
 * set write per campaign in a batch (003:L13408). An id, a batch
 * reference, or a key of its own when nothing says (then such writes go
 * one per batch).
 */
static char *campaign_key(struct run *r, size_t i)
{
	const struct ads_plan_step *s = &r->p->steps[i];
	char *parent = parent_address(s->address);
	const struct ads_live_object *o;
	char *key = NULL;

	if (parent) {
		size_t c = map_index(&r->creator, parent);

		if (c && state_of(r, c - 1) == ADS_APPLY_DONE &&
		    r->res->steps[c - 1].id)
			key = xstrdup(r->res->steps[c - 1].id);
		else if (r->opt->live &&
		         (o = ads_live_get(r->opt->live, parent)))
			key = xstrdup(o->id);
	}
	if (!key && s->id && r->opt->live &&
	    (o = ads_live_by_id(r->opt->live, s->id)) && o->parent_id)
		key = xstrdup(o->parent_id);
	if (!key)
		key = xstrdup("(campaign not known)");
	free(parent);
	return key;
}

static enum ads_graph_op_kind op_kind(enum ads_kind k)
{
	switch (k) {
	case ADS_KIND_CAMPAIGN:
		return ADS_GRAPH_OP_CAMPAIGN;
	case ADS_KIND_AD_SET:
		return ADS_GRAPH_OP_ADSET;
	case ADS_KIND_AD:
		return ADS_GRAPH_OP_AD;
	case ADS_KIND_CREATIVE:
		return ADS_GRAPH_OP_CREATIVE;
	case ADS_KIND_AUDIENCE:
		return ADS_GRAPH_OP_AUDIENCE;
	case ADS_KIND_IMAGE:
		return ADS_GRAPH_OP_IMAGE;
	default:
		return ADS_GRAPH_OP_OTHER;
	}
}

/* --- planning a wave -------------------------------------------------- */

static void image_done(void *ctx, struct ads_graph_result *res)
{
	struct xstep *x = ctx;

	x->img_outcome = res->outcome;
	x->img_body = res->body;
	res->body = NULL;
	ads_error_release(&x->img_err);
	if (res->outcome != ADS_GRAPH_OK)
		ads_error_copy(&x->img_err, &res->err);
}

/* Keeps the resolved path of the request in flight (taken over). */
static void set_path(struct xstep *x, char *path)
{
	free(x->path);
	x->path = path;
}

static void start(struct run *r, size_t i)
{
	struct xstep *x = &r->x[i];

	if (!x->started) {
		x->started = true;
		x->t0 = now_ms();
	}
}

/* Queues the upload of an image step. */
static void plan_image(struct run *r, size_t i, const char *path)
{
	const struct ads_plan_step *s = &r->p->steps[i];
	const struct ads_plan_request *q = &s->requests[r->x[i].next];
	struct xstep *x = &r->x[i];
	struct ads_graph_params gp = ADS_GRAPH_PARAMS_INIT;
	struct ads_error e = ADS_ERROR_INIT;
	size_t other;

	if (q->digest && r->opt->live &&
	    ads_live_by_id(r->opt->live, q->digest)) {
		/* The account has these bytes already (and an image is
		 * its hash): nothing to send. */
		r->res->steps[i].present = true;
		request_done(r, i, q->digest);
		return;
	}
	other = q->digest ? map_index(&r->images, q->digest) : 0;
	if (other && other - 1 != i) {
		/* Same bytes as another image of the plan: once per hash. */
		start(r, i);
		x->what = IF_FOLLOW;
		x->follow = other - 1;
		return;
	}
	if (!r->opt->model || !q->file) {
		finishf(r, i, ADS_APPLY_FAILED, ADS_EINVALID,
		        "uploading %s needs the project's files", s->address);
		return;
	}
	if (ads_apply_image_params(&gp, r->opt->model, q->file, q->digest,
	                           &e)) {
		start(r, i);
		finish(r, i, ADS_APPLY_FAILED, &e);
		ads_error_release(&e);
		ads_graph_params_release(&gp);
		return;
	}
	if (q->digest)
		ads_map_put(&r->images, q->digest, (void *)(uintptr_t)(i + 1));
	if (strlen(ads_graph_params_get(&gp, "bytes")) <= IMAGE_BATCH_BYTES) {
		/* small: in a batch with the other writes of the wave */
		struct ads_graph_op_spec spec = {
			.method = "POST",
			.path = path,
			.params = &gp,
			.kind = ADS_GRAPH_OP_IMAGE,
			/* content-addressed: sending it twice is harmless */
			.create = false,
			.user = x,
		};

		start(r, i);
		if (ads_graph_writes_add(&x->op, r->w, &spec, &e)) {
			finish(r, i, ADS_APPLY_FAILED, &e);
			if (q->digest)
				ads_map_remove(&r->images, q->digest);
		} else {
			x->what = IF_OP;
		}
	} else {
		struct ads_graph_call c = {
			.method = "POST",
			.path = path,
			.params = &gp,
			/* content-addressed: sending it twice is harmless */
			.flags = ADS_GRAPH_IDEMPOTENT | ADS_GRAPH_NO_BATCH,
			.account = r->p->account,
			.fn = image_done,
			.ctx = x,
		};

		start(r, i);
		x->what = IF_IMAGE;
		x->img_outcome = 0;
		if (ads_graph_submit(r->g, &c, &e)) {
			finish(r, i, ADS_APPLY_FAILED, &e);
			if (q->digest)
				ads_map_remove(&r->images, q->digest);
		}
	}
	add_summary(r, i,
	            json_pack("{s:s,s:s,s:s*,s:s*}", "method", "POST", "path",
	                      path, "file", q->file, "hash", q->digest));
	ads_error_release(&e);
	ads_graph_params_release(&gp);
}

/* Whether dep d of step i may travel with it in this wave. */
static bool chainable(struct run *r, size_t d, size_t i)
{
	const struct ads_plan_step *sd = &r->p->steps[d];
	const struct ads_plan_step *si = &r->p->steps[i];
	const struct xstep *xd = &r->x[d], *xi = &r->x[i];

	/* d must end with the call in flight, and i name what it makes */
	if (xd->what != IF_OP || !xd->op || (int)xd->next != xd->create_req ||
	    xd->create_req != (int)sd->nrequests - 1)
		return false;
	if (!request_names(&si->requests[xi->next], sd->address))
		return false;
	/* ads for async sets need literal ids */
	if (r->async_mode && si->kind == ADS_KIND_AD &&
	    (int)xi->next == xi->create_req)
		return false;
	return true;
}

/*
 * Follows the step that covers a `via` step, and the image upload an
 * image step with the same hash follows. Returns true when the step is
 * settled or must wait.
 */
static void settle_followers(struct run *r)
{
	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct ads_plan_step *s = &r->p->steps[i];
		struct xstep *x = &r->x[i];
		size_t c;

		if (is_final(state_of(r, i)))
			continue;
		if (x->what == IF_FOLLOW) {
			c = x->follow;
		} else if (s->via && !s->nrequests) {
			c = map_index(&r->by_address, s->via);
			if (!c--)
				continue;
		} else {
			continue;
		}
		if (state_of(r, c) == ADS_APPLY_DONE) {
			if (x->what == IF_FOLLOW)
				request_done(r, i, r->res->steps[c].id);
			else
				finish(r, i, ADS_APPLY_DONE, NULL);
		} else if (is_final(state_of(r, c))) {
			finishf(r, i, ADS_APPLY_SKIPPED, ADS_EPARTIAL,
			        "not done: %s %s, which covers it, %s",
			        ads_action_name(r->p->steps[c].action),
			        r->p->steps[c].address,
			        dep_words(state_of(r, c)));
		}
	}
}

/* Adds step i's next request to the wave, if it is ready. */
static void plan_step(struct run *r, size_t i)
{
	const struct ads_plan_step *s = &r->p->steps[i];
	struct xstep *x = &r->x[i];
	const struct ads_plan_request *q;
	struct ads_graph_params gp = ADS_GRAPH_PARAMS_INIT;
	struct ads_graph_op_spec spec = { 0 };
	struct ads_error e = ADS_ERROR_INIT;
	char *path = NULL, *campaign = NULL;
	json_t *params = NULL;
	bool creates;

	if (is_final(state_of(r, i)) || x->what != IF_NONE || r->defer[i])
		return;
	if (s->via && !s->nrequests)
		return; /* settle_followers */
	for (size_t k = 0; k < s->ndeps; k++) {
		size_t d = s->deps[k];
		enum ads_apply_state ds = state_of(r, d);

		if (ds == ADS_APPLY_DONE)
			continue;
		if (is_final(ds)) {
			finishf(r, i, ADS_APPLY_SKIPPED, ADS_EPARTIAL,
			        "not sent: it needs %s %s, which %s",
			        ads_action_name(r->p->steps[d].action),
			        r->p->steps[d].address, dep_words(ds));
			return;
		}
		if (x->next < s->nrequests && chainable(r, d, i))
			continue;
		return; /* waits for a later wave */
	}
	if (x->next >= s->nrequests) {
		finish(r, i, ADS_APPLY_DONE, NULL);
		return;
	}
	q = &s->requests[x->next];
	if (ads_plan_request_resolve(&path, &params, q, resolve_ref, r, &e)) {
		/* A placeholder whose object is not made yet: its creator
		 * goes in this wave after all, or the plan is broken. */
		ads_error_release(&e);
		return;
	}
	creates = (int)x->next == x->create_req;
	switch (q->upload) {
	case ADS_UPLOAD_IMAGE:
		plan_image(r, i, path);
		goto out;
	case ADS_UPLOAD_VIDEO:
		start(r, i);
		finishf(r, i, ADS_APPLY_FAILED, ADS_EINVALID,
		        "uploading videos is not supported yet: upload %s in "
		        "Ads Manager and use its video_id",
		        q->file ? q->file : s->address);
		goto out;
	case ADS_UPLOAD_MEMBERS:
		start(r, i);
		x->what = IF_MEMBERS;
		set_path(x, path);
		path = NULL;
		ADS_ALLOC_GROW(r->members, r->nmembers + 1, r->alloc_members);
		r->members[r->nmembers++] = i;
		goto out;
	case ADS_UPLOAD_NONE:
		break;
	}
	if (r->async_mode && s->kind == ADS_KIND_AD && creates &&
	    x->async_tries < ASYNC_TRIES) {
		start(r, i);
		x->what = IF_ASYNC;
		set_path(x, path);
		json_decref(x->params);
		x->params = params;
		path = NULL;
		params = NULL;
		ADS_ALLOC_GROW(r->async, r->nasync + 1, r->alloc_async);
		r->async[r->nasync++] = i;
		goto out;
	}
	ads_graph_params_set_object(&gp, params);
	spec.method = q->method;
	spec.path = path;
	spec.params = &gp;
	spec.kind = op_kind(s->kind);
	spec.create = creates;
	spec.user = x;
	if (s->kind == ADS_KIND_AD_SET &&
	    !ads_graph_params_get(&gp, "campaign_id")) {
		campaign = campaign_key(r, i);
		spec.campaign = campaign;
	}
	if (ads_graph_writes_add(&x->op, r->w, &spec, &e)) {
		start(r, i);
		finish(r, i, ADS_APPLY_FAILED, &e);
		goto out;
	}
	start(r, i);
	x->what = IF_OP;
	add_summary(r, i, summary(q->method, path, params));
	set_path(x, path);
	path = NULL;
out:
	free(campaign);
	free(path);
	json_decref(params);
	ads_graph_params_release(&gp);
	ads_error_release(&e);
}

/* Turns async candidates into write set operations (too few for a set). */
static void async_to_ops(struct run *r)
{
	for (size_t k = 0; k < r->nasync; k++) {
		size_t i = r->async[k];
		struct xstep *x = &r->x[i];

		x->what = IF_NONE;
		x->async_tries = ASYNC_TRIES; /* plan_step: batch it */
		free(x->path);
		x->path = NULL;
		json_decref(x->params);
		x->params = NULL;
		plan_step(r, i);
		x->async_tries = 0;
	}
	r->nasync = 0;
}

/* Which steps a wave of a phase may take. */
static bool in_wave(const struct ads_plan_step *s, enum phase ph,
                    enum ads_kind kind)
{
	if (phase_of(s) != ph)
		return false;
	return ph != PHASE_REMOVE || s->kind == kind;
}

/* --- running a wave --------------------------------------------------- */

static const char *lookup_label(const struct ads_plan_step *s)
{
	/* a creative's version label: the address label is shared by
	 * every version */
	if (s->kind == ADS_KIND_CREATIVE && s->labels.nr > 1)
		return s->labels.v[1];
	return s->labels.nr ? s->labels.v[0] : NULL;
}

static void journal_unknown(struct run *r, size_t i, const char *how,
                            const char *id, const char *label)
{
	const struct ads_plan_step *s = &r->p->steps[i];
	json_t *rec = json_pack("{s:s,s:I,s:s,s:s,s:s}", "event", "unknown",
	                        "step", (json_int_t)i, "address", s->address,
	                        "identity", label, "resolution", how);

	if (id)
		json_object_set_new(rec, "id", json_string(id));
	journal(r, rec);
}

/*
 * Settles one unknown create by what the lookup found: adopt one object,
 * send again when there is none, give up when there are several.
 * Returns true when the op was resolved or reset.
 */
static bool settle_unknown(struct run *r, size_t i, const json_t *ids,
                           const char *label)
{
	struct xstep *x = &r->x[i];
	struct ads_apply_step *o = &r->res->steps[i];
	size_t n = json_array_size(ids);

	if (n == 1) {
		const char *id = json_string_value(json_array_get(ids, 0));

		ads_graph_op_resolve(x->op, id);
		o->adopted = true;
		r->res->adopted++;
		journal_unknown(r, i, "adopted", id, label);
		ads_report(r->opt->reporter, ADS_REPORT_INFO,
		           "%s: the answer to its create was lost; found it "
		           "by its label (%s)",
		           r->p->steps[i].address, id);
		return true;
	}
	if (n == 0) {
		ads_graph_op_reset(x->op);
		o->recreated = true;
		r->res->recreated++;
		journal_unknown(r, i, "created_again", NULL, label);
		ads_report(r->opt->reporter, ADS_REPORT_INFO,
		           "%s: the answer to its create was lost and it does "
		           "not exist; creating it again",
		           r->p->steps[i].address);
		return true;
	}
	x->unresolvable = true;
	journal_unknown(r, i, "ambiguous", NULL, label);
	return false;
}

/*
 * An object of kind this run made and knows the id of, with the label it
 * was made with: it proves a label lookup (lookup.h). NULLs if none.
 */
static void canary(const struct run *r, enum ads_kind kind, const char **label,
                   const char **id)
{
	*label = *id = NULL;
	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct ads_plan_step *s = &r->p->steps[i];
		const struct xstep *x = &r->x[i];
		const char *l = lookup_label(s);

		if (s->kind != kind || !l || x->create_req < 0 ||
		    (s->action != ADS_ACTION_CREATE &&
		     s->action != ADS_ACTION_REPLACE))
			continue;
		if (x->what == IF_OP && x->op &&
		    (int)x->next == x->create_req &&
		    ads_graph_op_outcome(x->op) == ADS_GRAPH_OK &&
		    ads_graph_op_id(x->op)) {
			*label = l;
			*id = ads_graph_op_id(x->op);
			return;
		}
		if ((int)x->next > x->create_req && r->res->steps[i].id) {
			*label = l;
			*id = r->res->steps[i].id;
			return;
		}
	}
}

/* Unknown outcomes of the write set, looked up; true if any settled. */
static bool resolve_unknowns(struct run *r)
{
	struct ads_strvec labels[ADS_KIND_COUNT];
	bool audiences = false, any = false;
	json_t *found[ADS_KIND_COUNT] = { 0 };

	for (size_t k = 0; k < ADS_KIND_COUNT; k++)
		ads_strvec_init(&labels[k]);
	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct ads_plan_step *s = &r->p->steps[i];
		struct xstep *x = &r->x[i];
		const char *label;

		if (x->what != IF_OP || !x->op || x->unresolvable ||
		    ads_graph_op_outcome(x->op) != ADS_GRAPH_UNKNOWN)
			continue;
		if (s->kind == ADS_KIND_AUDIENCE) {
			audiences = true;
			continue;
		}
		label = lookup_label(s);
		if (!label) {
			x->unresolvable = true;
			continue;
		}
		ads_strvec_push(&labels[s->kind], label);
	}
	for (size_t k = 0; k < ADS_KIND_COUNT; k++) {
		struct ads_error e = ADS_ERROR_INIT;
		int rc = 0;

		if (k == ADS_KIND_AUDIENCE ? audiences : labels[k].nr > 0) {
			if (k == ADS_KIND_AUDIENCE)
				rc = ads_apply_lookup_audiences(
				        &found[k], r->g, r->p->account,
				        r->p->stack, &e);
			else {
				const char *cl = NULL, *cid = NULL;

				canary(r, (enum ads_kind)k, &cl, &cid);
				rc = ads_apply_lookup_labels(
				        &found[k], r->g, r->p->account,
				        (enum ads_kind)k,
				        (const char *const *)labels[k].v,
				        labels[k].nr, cl, cid, &e);
			}
		}
		if (rc == ADS_EINTR || rc == ADS_EAUTH)
			r->stop = rc;
		else if (rc)
			ads_report(r->opt->reporter, ADS_REPORT_WARNING,
			           "cannot look up creates whose outcome is "
			           "unknown: %s",
			           e.msg);
		ads_error_release(&e);
	}
	for (size_t i = 0; i < r->p->nsteps && !r->stop; i++) {
		const struct ads_plan_step *s = &r->p->steps[i];
		struct xstep *x = &r->x[i];
		const char *label;

		if (x->what != IF_OP || !x->op || x->unresolvable ||
		    ads_graph_op_outcome(x->op) != ADS_GRAPH_UNKNOWN ||
		    !found[s->kind])
			continue;
		label = s->kind == ADS_KIND_AUDIENCE ? s->address
		                                     : lookup_label(s);
		any |= settle_unknown(
		        r, i, json_object_get(found[s->kind], label), label);
	}
	for (size_t k = 0; k < ADS_KIND_COUNT; k++) {
		ads_strvec_release(&labels[k]);
		json_decref(found[k]);
	}
	return any;
}

/* Whether a delete failed because the object is gone already (its
 * first attempt got no answer but happened). */
static bool gone_already(const struct ads_plan_step *s,
                         const struct ads_error *e)
{
	return s->action == ADS_ACTION_DELETE &&
	       ((e->api_code == 100 && e->api_subcode == 33) ||
	        e->api_code == 803);
}

/* An image upload answered: its hash must be the one planned. */
static void image_answer(struct run *r, size_t i, const json_t *body)
{
	const struct ads_plan_step *s = &r->p->steps[i];
	const char *hash = ads_apply_image_hash(body);
	const char *want = s->requests[r->x[i].next].digest;

	if (hash && (!want || !strcmp(hash, want)))
		request_done(r, i, hash);
	else
		finishf(r, i, ADS_APPLY_FAILED, ADS_EAPI,
		        "the upload of %s answered hash %s, not %s", s->address,
		        hash ? hash : "(none)", want ? want : "(none)");
}

/* Reads the outcomes of the write set and the image uploads. */
static void collect_ops(struct run *r)
{
	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct ads_plan_step *s = &r->p->steps[i];
		struct xstep *x = &r->x[i];

		if (x->what == IF_IMAGE) {
			if (x->img_outcome == ADS_GRAPH_OK) {
				image_answer(r, i, x->img_body);
			} else if (x->img_outcome == ADS_GRAPH_SKIPPED ||
			           !x->img_outcome) {
				x->what = IF_NONE; /* not sent: later */
				if (s->requests[x->next].digest)
					ads_map_remove(
					        &r->images,
					        s->requests[x->next].digest);
			} else {
				finish(r, i, ADS_APPLY_FAILED, &x->img_err);
			}
			json_decref(x->img_body);
			x->img_body = NULL;
			continue;
		}
		if (x->what != IF_OP || !x->op)
			continue;
		switch (ads_graph_op_outcome(x->op)) {
		case ADS_GRAPH_OK:
			if (s->requests[x->next].upload == ADS_UPLOAD_IMAGE) {
				image_answer(r, i, ads_graph_op_body(x->op));
				break;
			}
			request_done(r, i, ads_graph_op_id(x->op));
			break;
		case ADS_GRAPH_FAILED:
			if (gone_already(s, ads_graph_op_error(x->op)))
				request_done(r, i, NULL);
			else
				finish(r, i, ADS_APPLY_FAILED,
				       ads_graph_op_error(x->op));
			break;
		case ADS_GRAPH_UNKNOWN:
			finish(r, i, ADS_APPLY_UNKNOWN,
			       ads_graph_op_error(x->op));
			break;
		default:
			/* not sent (blocked, or the run stopped): the step
			 * is planned again, or stays not attempted */
			x->what = IF_NONE;
			x->op = NULL;
			free(x->path);
			x->path = NULL;
			break;
		}
	}
}

static void run_members(struct run *r)
{
	for (size_t k = 0; k < r->nmembers; k++) {
		size_t i = r->members[k];
		const struct ads_plan_step *s = &r->p->steps[i];
		const struct ads_plan_request *q = &s->requests[r->x[i].next];
		struct ads_apply_members_stats st;
		struct ads_error e = ADS_ERROR_INIT;
		int rc;

		if (r->stop) {
			r->x[i].what = IF_NONE;
			continue;
		}
		if (!r->opt->model) {
			finishf(r, i, ADS_APPLY_FAILED, ADS_EINVALID,
			        "uploading the members of %s needs the "
			        "project's files",
			        s->address);
			continue;
		}
		rc = ads_apply_upload_members(
		        &st, r->g, r->opt->model, s->address, r->x[i].path,
		        q->digest, r->seed + i, r->opt->reporter, &e);
		add_summary(r, i,
		            json_pack("{s:s,s:s,s:I,s:I,s:I,s:s*}", "method",
		                      "POST", "path", r->x[i].path, "rows",
		                      (json_int_t)st.rows, "calls",
		                      (json_int_t)st.calls, "sessions",
		                      (json_int_t)st.sessions, "digest",
		                      q->digest));
		if (!rc) {
			request_done(r, i, NULL);
		} else if (rc == ADS_EINTR || rc == ADS_EAUTH) {
			r->stop = rc;
			r->x[i].what = IF_NONE;
		} else {
			finish(r, i, ADS_APPLY_FAILED, &e);
		}
		ads_error_release(&e);
	}
	r->nmembers = 0;
}

/* --- async request sets ------------------------------------------------ */

/* A step leaves the async path: what it kept for its set goes. */
static void leave_async(struct xstep *x)
{
	x->what = IF_NONE;
	free(x->path);
	x->path = NULL;
	json_decref(x->params);
	x->params = NULL;
}

/*
 * An ad of an async set reached its outcome (asyncads.h): the step goes
 * on, fails, waits for a label lookup, or goes back to be sent again
 * (through batches when its set cancelled it).
 */
static void async_settled(void *ctx, struct ads_apply_async_item *it)
{
	struct run *r = ctx;
	size_t i = it->user;
	struct xstep *x = &r->x[i];

	add_summary(r, i,
	            json_pack("{s:s,s:s,s:s,s:o}", "method", "POST", "path",
	                      x->path ? x->path : "", "async_set",
	                      it->set ? it->set : "", "params",
	                      summary_value(it->spec)));
	switch (it->outcome) {
	case ADS_GRAPH_OK:
		request_done(r, i, it->id);
		return;
	case ADS_GRAPH_FAILED:
		if (ads_graph_classify(&it->err) == ADS_GRAPH_RETRY &&
		    x->async_tries < ASYNC_TRIES)
			break; /* again */
		finish(r, i, ADS_APPLY_FAILED, &it->err);
		break;
	case ADS_GRAPH_UNKNOWN:
		if (it->final && it->label) {
			/* the set is complete: its label settles it */
			ADS_ALLOC_GROW(r->lookups, r->nlookups + 1,
			               r->alloc_lookups);
			r->lookups[r->nlookups].step = i;
			memset(&r->lookups[r->nlookups].err, 0,
			       sizeof(struct ads_error));
			ads_error_copy(&r->lookups[r->nlookups++].err,
			               &it->err);
			return;
		}
		/* a set still running, or no label: never sent again */
		finish(r, i, ADS_APPLY_UNKNOWN, &it->err);
		break;
	default:
		/* never made: a later wave sends it, in batches when its
		 * set cancelled it (asyncads.h) */
		if (it->canceled)
			x->async_tries = ASYNC_TRIES;
		break;
	}
	leave_async(x);
}

/* Ads whose complete set left their outcome open: looked up by label. */
static void async_lookup(struct run *r)
{
	struct ads_strvec labels = ADS_STRVEC_INIT;
	struct ads_error e = ADS_ERROR_INIT;
	const char *cl = NULL, *cid = NULL;
	json_t *found = NULL;
	int rc = 0;

	if (!r->nlookups)
		return;
	for (size_t k = 0; k < r->nlookups; k++)
		ads_strvec_push(&labels,
		                lookup_label(&r->p->steps[r->lookups[k].step]));
	canary(r, ADS_KIND_AD, &cl, &cid);
	if (!r->stop)
		rc = ads_apply_lookup_labels(
		        &found, r->g, r->p->account, ADS_KIND_AD,
		        (const char *const *)labels.v, labels.nr, cl, cid, &e);
	if (rc == ADS_EINTR || rc == ADS_EAUTH)
		r->stop = rc;
	for (size_t k = 0; k < r->nlookups; k++) {
		size_t i = r->lookups[k].step;
		struct ads_error *le = &r->lookups[k].err;
		json_t *ids = json_object_get(found, labels.v[k]);
		struct xstep *x = &r->x[i];

		if (!rc && !r->stop && json_array_size(ids) == 1) {
			request_done(r, i,
			             json_string_value(json_array_get(ids, 0)));
		} else if (!rc && !r->stop && json_array_size(ids) == 0) {
			/* not made: a later wave sends it */
			r->res->steps[i].recreated = true;
			leave_async(x);
		} else {
			if (rc && !r->stop)
				ads_error_prefix(le, "cannot look it up (%s)",
				                 e.msg);
			/* two with its label, or no lookup: never sent
			 * again */
			finish(r, i, ADS_APPLY_UNKNOWN, le);
			leave_async(x);
		}
		ads_error_release(le);
	}
	r->nlookups = 0;
	json_decref(found);
	ads_strvec_release(&labels);
	ads_error_release(&e);
}

/*
 * The requests the steps that have not ended still need, estimated the
 * way graph/write.h packs them: per phase and kind, ADS_GRAPH_BATCH_MAX
 * a batch, ad creates ADS_GRAPH_AD_CREATES_MAX, and at least one batch
 * per ad set write of the same campaign. Ads bound for async sets count
 * nothing (their sets do).
 */
static size_t pending_requests(const struct run *r)
{
	size_t n[3][ADS_KIND_COUNT] = { { 0 } }, ads[3] = { 0 };
	size_t adsets[3] = { 0 }, total = 0;
	struct ads_map per_campaign = ADS_MAP_INIT;

	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct ads_plan_step *s = &r->p->steps[i];
		const struct xstep *x = &r->x[i];
		enum phase ph = phase_of(s);
		size_t left;

		if (is_final(state_of(r, i)) || x->what == IF_ASYNC ||
		    x->next >= s->nrequests)
			continue;
		left = s->nrequests - x->next;
		if (s->kind == ADS_KIND_AD && (int)x->next == x->create_req) {
			if (r->async_mode && x->async_tries < ASYNC_TRIES)
				left--;
			else
				ads[ph]++, left--;
		}
		n[ph][s->kind] += left;
		if (s->kind == ADS_KIND_AD_SET && left) {
			char *parent = parent_address(s->address);
			char *key = xasprintf("%d:%s", (int)ph,
			                      parent ? parent : s->address);
			size_t c = map_index(&per_campaign, key) + left;

			ads_map_put(&per_campaign, key, (void *)(uintptr_t)c);
			if (c > adsets[ph])
				adsets[ph] = c;
			free(key);
			free(parent);
		}
	}
	for (int ph = 0; ph < 3; ph++) {
		total += (ads[ph] + ADS_GRAPH_AD_CREATES_MAX - 1) /
		         ADS_GRAPH_AD_CREATES_MAX;
		for (size_t k = 0; k < ADS_KIND_COUNT; k++) {
			size_t b = (n[ph][k] + ADS_GRAPH_BATCH_MAX - 1) /
			           ADS_GRAPH_BATCH_MAX;

			if (k == ADS_KIND_AD_SET && adsets[ph] > b)
				b = adsets[ph];
			total += b;
		}
	}
	ads_map_release(&per_campaign, NULL);
	return total;
}

/*
 * What the run lets its async sets spend on moving ads to batches
 * (asyncads.h): one HTTP request per `ratio` objects the plan writes (the
 * requests a one-call-per-object tool would send), less what the
 * command sent so far and what the rest of the plan needs.
 */
static void async_budget(void *ctx, struct ads_apply_async_budget *out)
{
	struct run *r = ctx;
	struct ads_graph_stats st;
	size_t allowed = r->objects / r->ratio, spent;

	ads_graph_get_stats(r->g, &st);
	spent = st.http_requests + pending_requests(r);
	out->requests = allowed > spent ? allowed - spent : 0;
	out->batches_per_s = r->write_ms > 0
	                             ? (double)r->write_batches * 1000.0 /
	                                       (double)r->write_ms
	                             : 0;
}

/* Sends the ads of this wave's async candidates to new sets. */
static void submit_async(struct run *r)
{
	struct ads_apply_async_item *items;
	struct ads_error e = ADS_ERROR_INIT;
	char *prefix;
	size_t nsets = 0, n = r->nasync;
	int rc;

	if (r->stop) {
		for (size_t k = 0; k < n; k++)
			leave_async(&r->x[r->async[k]]);
		r->nasync = 0;
		return;
	}
	if (!r->asets) {
		struct ads_apply_async_config cfg = {
			.g = r->g,
			.account = r->p->account,
			.poll = r->opt->poll ? r->opt->poll : &r->poll,
			.reporter = r->opt->reporter,
			.budget = async_budget,
			.settled = async_settled,
			.ctx = r,
		};

		r->asets = ads_apply_async_new(&cfg);
	}
	items = xcalloc(n, sizeof(*items));
	for (size_t k = 0; k < n; k++) {
		size_t i = r->async[k];
		const struct ads_plan_step *s = &r->p->steps[i];
		json_t *spec = json_object();
		const char *key;
		json_t *v;

		/* ad specs take string values, JSON-encoded where
		 * structured (api-semantics §6.2) */
		json_object_foreach(r->x[i].params, key, v) {
			if (json_is_string(v)) {
				json_object_set(spec, key, v);
			} else {
				char *enc = json_dumps(
				        v, JSON_COMPACT | JSON_ENCODE_ANY);

				json_object_set_new(
				        spec, key, json_string(enc ? enc : ""));
				free(enc);
			}
		}
		items[k].spec = spec;
		items[k].label = s->labels.nr ? s->labels.v[0] : NULL;
		items[k].user = i;
		r->x[i].async_tries++;
		r->res->steps[i].async = true;
	}
	r->nasync = 0;
	prefix = xasprintf("%s:%zu", r->set_prefix, ++r->set_seq);
	ads_report(r->opt->reporter, ADS_REPORT_INFO,
	           "creating %zu ads through async request sets", n);
	rc = ads_apply_async_submit(r->asets, items, n, ADS_APPLY_ASYNC_SET_MAX,
	                            prefix, &nsets, &e);
	r->res->async_sets += nsets;
	if (rc == ADS_EINTR || rc == ADS_EAUTH)
		r->stop = rc;
	for (size_t k = 0; k < n; k++)
		json_decref(items[k].spec);
	free(items);
	free(prefix);
	ads_error_release(&e);
}

/* The run stops: async ads not settled end unknown (asyncads.h). */
static void async_stop(struct run *r)
{
	ads_apply_async_abandon(r->asets);
	for (size_t k = 0; k < r->nlookups; k++) {
		size_t i = r->lookups[k].step;

		finish(r, i, ADS_APPLY_UNKNOWN, &r->lookups[k].err);
		leave_async(&r->x[i]);
		ads_error_release(&r->lookups[k].err);
	}
	r->nlookups = 0;
}

/*
 * Waits for the open sets, until all are done or some were cancelled for
 * batches (then the next wave sends those while the others go on), and
 * settles by label what complete sets left open.
 */
static void run_async(struct run *r)
{
	struct ads_error e = ADS_ERROR_INIT;
	size_t moved = 0;
	int rc;

	if (!r->stop && ads_apply_async_pending(r->asets)) {
		rc = ads_apply_async_wait(r->asets, &moved, &e);
		if (rc == ADS_EINTR || rc == ADS_EAUTH)
			r->stop = rc;
	}
	async_lookup(r);
	if (r->stop)
		async_stop(r);
	ads_error_release(&e);
}

/* Whether step d could be sent in this wave: all it needs is done. */
static bool ready_now(const struct run *r, size_t d, enum phase ph,
                      enum ads_kind kind)
{
	const struct ads_plan_step *s = &r->p->steps[d];

	if (!in_wave(s, ph, kind) || is_final(state_of(r, d)) ||
	    r->x[d].what != IF_NONE)
		return false;
	for (size_t k = 0; k < s->ndeps; k++)
		if (state_of(r, s->deps[k]) != ADS_APPLY_DONE)
			return false;
	return true;
}

/*
 * Before the first async set of a run, the async worker idles while the
 * ads' last dependencies (their creatives, usually) are made. Of the
 * steps of this wave that would make async ads ready, one round of the
 * client's requests (max_in_flight full batches) goes now and the rest
 * is held back one wave (r->defer): the ads of that round go to sets at
 * the start of the next wave, whose writes then overlap with them.
 */
static void defer_feeders(struct run *r, enum phase ph, enum ads_kind kind)
{
	const struct ads_graph_config *cfg = ads_graph_config_of(r->g);
	size_t cap = (cfg->max_in_flight ? cfg->max_in_flight : 1) *
	             ADS_GRAPH_BATCH_MAX;
	size_t chosen = 0, held = 0, fed = 0;
	enum { NONE, CHOSEN, HELD };

	memset(r->defer, NONE, r->p->nsteps);
	if (!r->async_mode || r->async_fed || ph != PHASE_CHANGE)
		return;
	for (size_t i = 0; i < r->p->nsteps; i++) {
		const struct ads_plan_step *s = &r->p->steps[i];
		const struct xstep *x = &r->x[i];
		bool feeds = s->ndeps > 0, done = true;

		if (s->kind != ADS_KIND_AD || !in_wave(s, ph, kind) ||
		    is_final(state_of(r, i)) || x->what != IF_NONE ||
		    (int)x->next != x->create_req ||
		    x->async_tries >= ASYNC_TRIES)
			continue;
		/* an ad that this wave makes ready: each dependency done or
		 * sendable now */
		for (size_t k = 0; k < s->ndeps && feeds; k++) {
			done &= state_of(r, s->deps[k]) == ADS_APPLY_DONE;
			feeds = state_of(r, s->deps[k]) == ADS_APPLY_DONE ||
			        ready_now(r, s->deps[k], ph, kind);
		}
		/* ads ready now: sets start in this wave, nothing waits */
		if (done && ++fed >= ASYNC_GROUP_MIN)
			break;
		for (size_t k = 0; k < s->ndeps && feeds; k++) {
			size_t d = s->deps[k];

			if (state_of(r, d) == ADS_APPLY_DONE ||
			    r->defer[d] != NONE)
				continue;
			if (chosen < cap) {
				r->defer[d] = CHOSEN;
				chosen++;
			} else {
				r->defer[d] = HELD;
				held++;
			}
		}
	}
	for (size_t i = 0; i < r->p->nsteps; i++)
		r->defer[i] = r->defer[i] == HELD && fed < ASYNC_GROUP_MIN;
	if (held && fed < ASYNC_GROUP_MIN)
		ads_report(r->opt->reporter, ADS_REPORT_DEBUG,
		           "apply: %zu steps go first so that async ad "
		           "creation starts early; %zu follow",
		           chosen, held);
}

/* One wave of phase ph (kind for removals): true if it sent anything. */
static bool wave(struct run *r, enum phase ph, enum ads_kind kind)
{
	struct ads_error e = ADS_ERROR_INIT;
	bool any = false, others = false;
	int64_t t0;
	int rc;

	if (ads_interrupt_requested())
		r->stop = ADS_EINTR;
	if (r->stop)
		return false;
	settle_followers(r);
	r->w = ads_graph_writes_new(r->g);
	defer_feeders(r, ph, kind);
	for (size_t i = 0; i < r->p->nsteps; i++)
		if (in_wave(&r->p->steps[i], ph, kind))
			plan_step(r, i);
	if (r->nasync && r->nasync < ASYNC_GROUP_MIN)
		async_to_ops(r);
	for (size_t i = 0; i < r->p->nsteps; i++)
		any |= r->x[i].what != IF_NONE && r->x[i].what != IF_FOLLOW;
	if (!any) {
		ads_graph_writes_free(r->w);
		r->w = NULL;
		settle_followers(r);
		return false;
	}
	r->res->waves++;
	{
		static const char *const names[] = { "change", "remove",
			                             "activate" };
		size_t n = 0;

		for (size_t i = 0; i < r->p->nsteps; i++)
			n += r->x[i].what != IF_NONE &&
			     r->x[i].what != IF_FOLLOW;
		/* A run killed now leaves these in flight: the next one
		 * reads when (the file's time) from this record. */
		journal(r, json_pack("{s:s,s:I,s:s,s:I}", "event", "wave",
		                     "wave", (json_int_t)r->res->waves, "phase",
		                     names[ph], "steps", (json_int_t)n));
	}
	/* What ended while planning is on disk before anything is sent. */
	if (r->opt->journal)
		ads_journal_sync(r->opt->journal, NULL);
	/* New async sets first: Meta works on them while the rest of the
	 * wave is sent. */
	if (r->nasync) {
		r->async_fed = true;
		submit_async(r);
	}
	for (size_t i = 0; i < r->p->nsteps; i++)
		others |= r->x[i].what == IF_OP || r->x[i].what == IF_IMAGE ||
		          r->x[i].what == IF_MEMBERS;
	t0 = now_ms();
	ads_graph_writes_submit(r->w, NULL, NULL);
	rc = ads_graph_run(r->g, &e);
	if (ads_graph_writes_batches(r->w)) {
		/* the pace of batches, for async sets (async_budget) */
		r->write_batches += ads_graph_writes_batches(r->w);
		r->write_ms += now_ms() - t0;
	}
	for (unsigned round = 0; !rc && round < r->unknown_rounds; round++) {
		if (!resolve_unknowns(r) || r->stop)
			break;
		ads_graph_writes_submit(r->w, NULL, NULL);
		rc = ads_graph_run(r->g, &e);
	}
	if (rc == ADS_EINTR || rc == ADS_EAUTH)
		r->stop = rc;
	collect_ops(r);
	ads_graph_writes_free(r->w);
	r->w = NULL;
	run_members(r);
	/* Open sets are waited for when nothing else is left to send; until
	 * then they go on while the waves that follow run. */
	if (!others)
		run_async(r);
	settle_followers(r);
	if (r->opt->journal)
		ads_journal_sync(r->opt->journal, NULL);
	ads_error_release(&e);
	return true;
}

static void run_phase(struct run *r, enum phase ph, enum ads_kind kind)
{
	/* Each wave ends at least one request or one step, so this bound
	 * is only a guard against a bug looping forever. */
	size_t guard = 0, limit = 8;

	for (size_t i = 0; i < r->p->nsteps; i++)
		limit += r->p->steps[i].nrequests + ASYNC_TRIES + 2;
	while (wave(r, ph, kind) && ++guard < limit)
		;
}

/* --- checks and the driver -------------------------------------------- */

static int check_plan(struct run *r, struct ads_error *err)
{
	const struct ads_plan *p = r->p;

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct ads_plan_step *s = &p->steps[i];
		int cr = create_request(s);

		r->x[i].create_req = cr;
		if (cr >= 0 && (s->action == ADS_ACTION_CREATE ||
		                s->action == ADS_ACTION_REPLACE))
			ads_map_put(&r->creator, s->address,
			            (void *)(uintptr_t)(i + 1));
		if (s->nrequests && s->action != ADS_ACTION_ACTIVATE &&
		    !ads_map_get(&r->by_address, s->address))
			ads_map_put(&r->by_address, s->address,
			            (void *)(uintptr_t)(i + 1));
	}
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct ads_plan_step *s = &p->steps[i];
		struct check_ctx c = { r, i, err, 0 };

		for (size_t k = 0; k < s->ndeps; k++) {
			size_t d = s->deps[k];

			if (d >= p->nsteps || d == i ||
			    phase_of(&p->steps[d]) > phase_of(s))
				return ads_error_set(
				        err, ADS_EINVALID,
				        "step %zu (%s) depends on step %zu, "
				        "which cannot run before it",
				        i + 1, s->address, d + 1);
		}
		if (s->via && !s->nrequests &&
		    !ads_map_get(&r->by_address, s->via))
			return ads_error_set(err, ADS_EINVALID,
			                     "step %zu (%s) is covered by %s, "
			                     "which no step changes",
			                     i + 1, s->address, s->via);
		for (size_t k = 0; k < s->nrequests && !c.rc; k++) {
			walk_refs(s->requests[k].path, check_cb, &c);
			walk_refs(s->requests[k].params, check_cb, &c);
			if (s->requests[k].upload != ADS_UPLOAD_NONE &&
			    s->requests[k].upload != ADS_UPLOAD_IMAGE &&
			    !r->opt->model)
				c.rc = ads_error_set(
				        err, ADS_EINVALID,
				        "step %zu (%s) uploads files: the "
				        "project's model is needed",
				        i + 1, s->address);
		}
		if (c.rc)
			return c.rc;
	}
	return 0;
}

static uint64_t clock_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
	       ((uint64_t)getpid() << 32);
}

int ads_apply_run(struct ads_apply_result *out, struct ads_graph *g,
                  const struct ads_plan *p, const struct ads_apply_options *opt,
                  struct ads_error *err)
{
	struct run r = { 0 };
	struct ads_graph_stats before, after;
	size_t ads = 0;
	int ret = 0;
	char stamp[32];

	ads_apply_result_release(out);
	r.g = g;
	r.p = p;
	r.opt = opt;
	r.res = out;
	r.x = xcalloc(p->nsteps ? p->nsteps : 1, sizeof(*r.x));
	r.defer = xcalloc(p->nsteps ? p->nsteps : 1, 1);
	out->steps = xcalloc(p->nsteps ? p->nsteps : 1, sizeof(*out->steps));
	out->nsteps = p->nsteps;
	ads_map_init(&r.creator);
	ads_map_init(&r.by_address);
	ads_map_init(&r.images);
	r.unknown_rounds = opt->unknown_rounds ? opt->unknown_rounds : 5;
	r.seed = clock_seed();
	ret = check_plan(&r, err);
	if (ret)
		goto out;
	for (size_t i = 0; i < p->nsteps; i++)
		ads += p->steps[i].kind == ADS_KIND_AD &&
		       r.x[i].create_req >= 0 &&
		       (p->steps[i].action == ADS_ACTION_CREATE ||
		        p->steps[i].action == ADS_ACTION_REPLACE);
	r.async_mode =
	        ads >= (opt->async_min ? opt->async_min : ADS_APPLY_ASYNC_MIN);
	for (size_t i = 0; i < p->nsteps; i++)
		r.objects += p->steps[i].nrequests &&
		             p->steps[i].action != ADS_ACTION_ACTIVATE;
	r.ratio = opt->request_ratio ? opt->request_ratio
	                             : ADS_APPLY_REQUEST_RATIO;
	/* Polls come when the sets' pace says they are done (asyncads.h);
	 * the first soon, to learn the pace: small sets finish in under a
	 * second. */
	ads_graph_async_poll_init(&r.poll);
	r.poll.first_ms = 500;
	r.poll.max_ms = 10000;
	snprintf(stamp, sizeof(stamp), "%llx", (unsigned long long)r.seed);
	r.set_prefix = xasprintf("%s%s:%s", ADS_APPLY_ASYNC_PREFIX, p->stack,
	                         opt->run ? opt->run : stamp);

	ads_graph_get_stats(g, &before);
	run_phase(&r, PHASE_CHANGE, 0);
	for (size_t k = 0; k < ADS_ARRAY_SIZE(remove_order) && !r.stop; k++)
		run_phase(&r, PHASE_REMOVE, remove_order[k]);
	if (!r.stop) {
		size_t bad = 0, first = 0;

		for (size_t i = 0; i < p->nsteps; i++)
			if (phase_of(&p->steps[i]) != PHASE_ACTIVATE &&
			    state_of(&r, i) != ADS_APPLY_DONE && !bad++)
				first = i;
		if (bad) {
			for (size_t i = 0; i < p->nsteps; i++)
				if (phase_of(&p->steps[i]) == PHASE_ACTIVATE)
					finishf(&r, i, ADS_APPLY_SKIPPED,
					        ADS_EPARTIAL,
					        "not activated: %zu step%s did "
					        "not succeed (%s), so what is "
					        "new stays paused",
					        bad, bad == 1 ? "" : "s",
					        p->steps[first].address);
		} else {
			run_phase(&r, PHASE_ACTIVATE, 0);
		}
	}
	if (r.stop)
		async_stop(&r);
	settle_followers(&r);
	if (!r.stop) {
		/* Nothing is left in flight: what did not run never will
		 * (its dependencies did not end). */
		for (size_t i = 0; i < p->nsteps; i++)
			if (!is_final(state_of(&r, i)))
				finishf(&r, i, ADS_APPLY_SKIPPED, ADS_EPARTIAL,
				        "not sent: what it needs never ran");
	} else {
		for (size_t i = 0; i < p->nsteps; i++)
			if (!is_final(state_of(&r, i)) && r.x[i].started)
				journal_step(&r, i); /* partly done */
	}
	for (size_t i = 0; i < p->nsteps; i++)
		out->count[out->steps[i].state]++;
	out->unknown =
	        out->adopted + out->recreated + out->count[ADS_APPLY_UNKNOWN];
	out->interrupted = r.stop == ADS_EINTR;
	ads_graph_get_stats(g, &after);
	out->stats = after;
	out->stats.calls -= before.calls;
	out->stats.http_requests -= before.http_requests;
	out->stats.batch_requests -= before.batch_requests;
	out->stats.retries -= before.retries;
	out->stats.throttled -= before.throttled;
	out->stats.cache_hits -= before.cache_hits;
	out->stats.round_trips -= before.round_trips;
	out->stats.bytes_received -= before.bytes_received;
	out->stats.paused_ms -= before.paused_ms;
	if (r.stop == ADS_EINTR)
		ret = ads_error_set(err, ADS_EINTR,
		                    "interrupted: %zu of %zu steps done",
		                    out->count[ADS_APPLY_DONE], p->nsteps);
	else if (r.stop == ADS_EAUTH)
		ret = ads_error_set(err, ADS_EAUTH,
		                    "Meta refused the credentials: %zu of %zu "
		                    "steps done",
		                    out->count[ADS_APPLY_DONE], p->nsteps);
	else if (out->count[ADS_APPLY_DONE] != p->nsteps)
		ret = ads_error_set(
		        err, ADS_EPARTIAL, "%zu of %zu steps did not succeed",
		        p->nsteps - out->count[ADS_APPLY_DONE], p->nsteps);
	if (opt->journal)
		ads_journal_sync(opt->journal, NULL);
out:
	for (size_t i = 0; i < p->nsteps; i++) {
		free(r.x[i].path);
		json_decref(r.x[i].params);
		json_decref(r.x[i].img_body);
		ads_error_release(&r.x[i].img_err);
		json_decref(r.x[i].requests);
	}
	free(r.x);
	free(r.defer);
	free(r.members);
	free(r.async);
	free(r.set_prefix);
	ads_apply_async_free(r.asets);
	for (size_t k = 0; k < r.nlookups; k++)
		ads_error_release(&r.lookups[k].err);
	free(r.lookups);
	ads_map_release(&r.creator, NULL);
	ads_map_release(&r.by_address, NULL);
	ads_map_release(&r.images, NULL);
	return ret;
}

/* --- journal records of a run ----------------------------------------- */

static void plan_digest(char out[65], const struct ads_plan *p)
{
	json_t *doc = ads_plan_to_json(p);

	ads_json_digest(doc, out);
	json_decref(doc);
}

int ads_apply_journal_start(struct ads_journal *j, const struct ads_plan *p,
                            const struct ads_apply_info *info,
                            struct ads_error *err)
{
	char digest[65];
	json_t *rec, *counts = json_object();

	plan_digest(digest, p);
	for (size_t a = 0; a < ADS_ACTION_COUNT; a++)
		if (p->count[a])
			json_object_set_new(
			        counts, ads_action_name((enum ads_action)a),
			        json_integer((json_int_t)p->count[a]));
	rec = json_pack("{s:s,s:s,s:s,s:s,s:I,s:o}", "event", "apply_start",
	                "stack", p->stack, "account", p->account, "plan_digest",
	                digest, "steps", (json_int_t)p->nsteps, "summary",
	                counts);
	json_object_set_new(rec, "commit",
	                    info && info->commit ? json_string(info->commit)
	                                         : json_null());
	json_object_set_new(rec, "dirty", json_boolean(info && info->dirty));
	if (info && info->branch)
		json_object_set_new(rec, "branch", json_string(info->branch));
	if (p->commit)
		json_object_set_new(rec, "plan_commit", json_string(p->commit));
	if (p->project_digest)
		json_object_set_new(rec, "project_digest",
		                    json_string(p->project_digest));
	if (info && info->plan_file)
		json_object_set_new(rec, "plan_file",
		                    json_string(info->plan_file));
	if (info && info->version)
		json_object_set_new(rec, "adsctl", json_string(info->version));
	json_object_set_new(rec, "pid", json_integer((json_int_t)getpid()));
	return ads_journal_write(j, rec, err) || ads_journal_sync(j, err);
}

int ads_apply_journal_end(struct ads_journal *j, const struct ads_plan *p,
                          const struct ads_apply_result *r,
                          const struct ads_apply_info *info,
                          struct ads_error *err)
{
	bool ok =
	        r->nsteps == p->nsteps && r->count[ADS_APPLY_DONE] == p->nsteps;
	json_t *counts = json_object();
	json_t *rec;

	for (size_t s = 0; s < ADS_APPLY_STATE_COUNT; s++)
		json_object_set_new(
		        counts, ads_apply_state_name((enum ads_apply_state)s),
		        json_integer((json_int_t)r->count[s]));
	rec = json_pack("{s:s,s:b,s:o,s:I,s:I,s:I,s:I,s:I,s:b}", "event",
	                "apply_end", "ok", ok, "steps", counts, "unknown",
	                (json_int_t)r->unknown, "adopted",
	                (json_int_t)r->adopted, "created_again",
	                (json_int_t)r->recreated, "waves", (json_int_t)r->waves,
	                "async_sets", (json_int_t)r->async_sets, "interrupted",
	                r->interrupted);
	json_object_set_new(rec, "commit",
	                    info && info->commit ? json_string(info->commit)
	                                         : json_null());
	json_object_set_new(rec, "dirty", json_boolean(info && info->dirty));
	/* a targeted apply made part of the project: drift does not take
	 * it for a baseline (ads_journal_last_success) */
	if (p->target)
		json_object_set_new(rec, "target", json_string(p->target));
	json_object_set_new(
	        rec, "graph",
	        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "calls",
	                  (json_int_t)r->stats.calls, "http_requests",
	                  (json_int_t)r->stats.http_requests, "batch_requests",
	                  (json_int_t)r->stats.batch_requests, "round_trips",
	                  (json_int_t)r->stats.round_trips, "retries",
	                  (json_int_t)r->stats.retries, "throttled",
	                  (json_int_t)r->stats.throttled));
	return ads_journal_write(j, rec, err) || ads_journal_sync(j, err);
}

int ads_apply_unfinished(struct ads_strvec *ids, struct ads_graph *g,
                         const char *account, const char *stack,
                         struct ads_error *err)
{
	char *prefix = xasprintf("%s%s:", ADS_APPLY_ASYNC_PREFIX, stack);
	int rc = ads_apply_async_unfinished(ids, g, account, prefix, err);

	free(prefix);
	return rc;
}

int ads_apply_settle(size_t *n, struct ads_graph *g, const char *account,
                     const char *stack, const struct ads_graph_async_poll *poll,
                     const struct ads_reporter *reporter, struct ads_error *err)
{
	char *prefix = xasprintf("%s%s:", ADS_APPLY_ASYNC_PREFIX, stack);
	size_t dummy;
	int rc;

	rc = ads_apply_async_settle(n ? n : &dummy, g, account, prefix, poll,
	                            reporter, err);
	free(prefix);
	return rc;
}
