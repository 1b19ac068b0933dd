/*
 * The write scheduler (write.h): packs ready operations into batches
 * under Meta's rules, chains dependent operations inside a batch with
 * {result=NAME:PATH} or substitutes known ids, and decides per answer
 * whether an operation is done, must be retried, or has an outcome only
 * the caller can resolve.
 */
#include "graph/write.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

enum op_state {
	OP_PENDING, /* to send (again) */
	OP_INFLIGHT,
	OP_DONE, /* outcome final until resolved or reset */
};

struct ads_graph_op {
	struct ads_graph_writes *w;
	size_t index;
	char *name; /* "op<index>" */
	char *method;
	char *path;
	struct ads_graph_params params;
	enum ads_graph_op_kind kind;
	bool create;
	char *campaign; /* id, or reference text; NULL if not an ad set */
	struct ads_graph_op **deps;
	size_t ndeps;
	void *user;

	enum op_state state;
	enum ads_graph_outcome outcome;
	unsigned attempts, throttles;
	int64_t not_before;
	size_t batch; /* 1-based number of the batch that carries it */
	json_t *body;
	char *id;
	struct ads_error err;
};

struct ads_graph_writes {
	struct ads_graph *g;
	struct ads_graph_op **ops;
	size_t nr, alloc;
	struct ads_map by_name; /* name -> op */
	unsigned batch_max, ads_max;
	size_t batches; /* batch requests sent */
	size_t inflight_batches;
	size_t *remaining; /* per batch number: answers still to come */
	size_t nremaining;
	bool stopped; /* the run was aborted or interrupted */
	bool running;
	ads_graph_done_fn done;
	void *ctx;
};

struct ads_graph_writes *ads_graph_writes_new(struct ads_graph *g)
{
	struct ads_graph_writes *w = xcalloc(1, sizeof(*w));

	w->g = g;
	ads_map_init(&w->by_name);
	w->batch_max = ADS_GRAPH_BATCH_MAX;
	w->ads_max = ADS_GRAPH_AD_CREATES_MAX;
	return w;
}

static void op_free(struct ads_graph_op *op)
{
	free(op->name);
	free(op->method);
	free(op->path);
	ads_graph_params_release(&op->params);
	free(op->campaign);
	free(op->deps);
	json_decref(op->body);
	free(op->id);
	ads_error_release(&op->err);
	free(op);
}

void ads_graph_writes_free(struct ads_graph_writes *w)
{
	if (!w)
		return;
	/* Answers still in flight would call back into freed memory: a
	 * programming error (run the client to the end first). */
	if (w->inflight_batches)
		abort();
	for (size_t i = 0; i < w->nr; i++)
		op_free(w->ops[i]);
	free(w->ops);
	free(w->remaining);
	ads_map_release(&w->by_name, NULL);
	free(w);
}

void ads_graph_writes_set_limits(struct ads_graph_writes *w, unsigned batch_max,
                                 unsigned ad_creates_max)
{
	if (batch_max && batch_max <= ADS_GRAPH_BATCH_MAX)
		w->batch_max = batch_max;
	if (ad_creates_max)
		w->ads_max = ad_creates_max;
}

/* --- references --------------------------------------------------------- */

struct dep_ctx {
	struct ads_graph_writes *w;
	struct ads_graph_op *op;
	struct ads_error *err;
};

/* Records the op a reference names as a dependency of c->op. */
static bool add_dep(void *vctx, struct ads_buf *out, const char *name,
                    const char *path, const char *ref, size_t reflen)
{
	struct dep_ctx *c = vctx;
	struct ads_graph_op *dep = ads_map_get(&c->w->by_name, name);

	(void)out;
	(void)path;
	(void)ref;
	(void)reflen;
	if (!dep) {
		ads_error_set(
		        c->err, ADS_EINVALID,
		        "reference to '%s', which is no earlier operation "
		        "of this write set",
		        name);
		return false;
	}
	for (size_t i = 0; i < c->op->ndeps; i++)
		if (c->op->deps[i] == dep)
			return true;
	c->op->deps = xreallocarray(c->op->deps, c->op->ndeps + 1,
	                            sizeof(*c->op->deps));
	c->op->deps[c->op->ndeps++] = dep;
	return true;
}

static void scan_deps(struct dep_ctx *c, const char *s, bool *ok)
{
	free(ads_graph_refs_rewrite(s, add_dep, c, ok));
}

static int find_deps(struct ads_graph_writes *w, struct ads_graph_op *op,
                     struct ads_error *err)
{
	struct dep_ctx c = { w, op, err };
	bool ok = true;

	scan_deps(&c, op->path, &ok);
	for (size_t i = 0; i < op->params.nr; i++)
		scan_deps(&c, op->params.v[i].value, &ok);
	if (op->campaign)
		scan_deps(&c, op->campaign, &ok);
	return ok ? 0 : ADS_EINVALID;
}

int ads_graph_writes_add(struct ads_graph_op **out, struct ads_graph_writes *w,
                         const struct ads_graph_op_spec *spec,
                         struct ads_error *err)
{
	struct ads_graph_op *op = xcalloc(1, sizeof(*op));
	const char *campaign = spec->campaign;
	int ret;

	op->w = w;
	op->index = w->nr;
	op->name = xasprintf("op%zu", w->nr);
	op->method = xstrdup(spec->method ? spec->method : "POST");
	op->path = xstrdup(spec->path ? spec->path : "");
	ads_graph_params_copy(&op->params, spec->params);
	op->kind = spec->kind;
	op->create = spec->create;
	op->user = spec->user;
	if (spec->kind == ADS_GRAPH_OP_ADSET) {
		if (!campaign)
			campaign = ads_graph_params_get(&op->params,
			                                "campaign_id");
		if (!campaign || !*campaign) {
			ret = ads_error_set(
			        err, ADS_EINVALID,
			        "ad set write '%s' does not say its "
			        "campaign (needed to keep one ad set "
			        "per campaign in a batch)",
			        op->path);
			goto fail;
		}
		op->campaign = xstrdup(campaign);
	}
	ret = find_deps(w, op, err);
	if (ret)
		goto fail;
	ADS_ALLOC_GROW(w->ops, w->nr + 1, w->alloc);
	w->ops[w->nr++] = op;
	ads_map_put(&w->by_name, op->name, op);
	*out = op;
	return 0;
fail:
	op_free(op);
	return ret;
}

char *ads_graph_op_ref(const struct ads_graph_op *op, const char *jsonpath)
{
	return xasprintf("{result=%s:%s}", op->name,
	                 jsonpath ? jsonpath : "$.id");
}

struct subst_ctx {
	struct ads_graph_writes *w;
	size_t batch;
};

static bool op_value(void *vctx, struct ads_buf *out, const char *name,
                     const char *path, const char *ref, size_t reflen)
{
	struct subst_ctx *c = vctx;
	struct ads_graph_op *dep = ads_map_get(&c->w->by_name, name);

	if (dep && dep->state == OP_INFLIGHT && dep->batch == c->batch) {
		ads_buf_add(out, ref, reflen); /* for Graph to resolve */
		return true;
	}
	return dep && dep->outcome == ADS_GRAPH_OK &&
	       ads_graph_jsonpath(out, dep->body, path) > 0;
}

/*
 * Replaces references to ops that are done by their values; references to
 * ops travelling in batch stay for Graph. Sets err when a value is missing.
 */
static char *substitute(struct ads_graph_writes *w, const char *s, size_t batch,
                        struct ads_error *err)
{
	struct subst_ctx c = { w, batch };
	bool ok = true;
	char *r = ads_graph_refs_rewrite(s, op_value, &c, &ok);

	if (!ok)
		ads_error_set(err, ADS_EINVALID,
		              "a reference in '%s' finds nothing in the answer "
		              "it names",
		              s);
	return r;
}

/* --- scheduling --------------------------------------------------------- */

static bool dep_blocked(const struct ads_graph_op *dep)
{
	return dep->state == OP_DONE && dep->outcome != ADS_GRAPH_OK;
}

/* The campaign key of an ad-set op: the id once known. */
static char *campaign_key(struct ads_graph_writes *w, struct ads_graph_op *op)
{
	struct ads_error err = ADS_ERROR_INIT;
	char *key;

	if (!op->campaign)
		return NULL;
	key = substitute(w, op->campaign, (size_t)-1, &err);
	if (ads_error_is_set(&err)) {
		/* Not known yet: the referenced op stands for it. */
		free(key);
		key = xstrdup(op->campaign);
	}
	ads_error_release(&err);
	return key;
}

struct packing {
	size_t batch; /* its number */
	struct ads_graph_op **ops;
	size_t n;
	unsigned ads;
	struct ads_strvec campaigns;
	int64_t not_before;
};

/* Whether op may join p now. */
static bool fits(struct ads_graph_writes *w, struct packing *p,
                 struct ads_graph_op *op, char **key)
{
	*key = NULL;
	if (p->n >= w->batch_max)
		return false;
	for (size_t i = 0; i < op->ndeps; i++) {
		struct ads_graph_op *d = op->deps[i];

		if (d->state == OP_DONE && d->outcome == ADS_GRAPH_OK)
			continue;
		if (d->state == OP_INFLIGHT && d->batch == p->batch)
			continue;
		return false;
	}
	if (op->kind == ADS_GRAPH_OP_AD && op->create && p->ads >= w->ads_max)
		return false;
	if (op->kind == ADS_GRAPH_OP_ADSET) {
		*key = campaign_key(w, op);
		if (ads_strvec_contains(&p->campaigns, *key)) {
			free(*key);
			*key = NULL;
			return false;
		}
	}
	return true;
}

static void op_result(void *ctx, struct ads_graph_result *res);

static void batch_started(struct ads_graph_writes *w, size_t batch, size_t n)
{
	if (batch >= w->nremaining) {
		size_t nn = batch + 64;

		w->remaining =
		        xreallocarray(w->remaining, nn, sizeof(*w->remaining));
		memset(w->remaining + w->nremaining, 0,
		       (nn - w->nremaining) * sizeof(*w->remaining));
		w->nremaining = nn;
	}
	w->remaining[batch] = n;
	w->inflight_batches++;
}

static void finish_op(struct ads_graph_op *op, enum ads_graph_outcome o,
                      const struct ads_error *err)
{
	op->state = OP_DONE;
	op->outcome = o;
	ads_error_release(&op->err);
	if (err)
		ads_error_copy(&op->err, err);
}

/* Sends the ops of p as one batch request. */
static void send_packing(struct ads_graph_writes *w, struct packing *p)
{
	struct ads_graph_call *calls = xcalloc(p->n, sizeof(*calls));
	struct ads_graph_params *params = xcalloc(p->n, sizeof(*params));
	char **paths = xcalloc(p->n, sizeof(*paths));
	struct ads_error err = ADS_ERROR_INIT;
	int64_t now = ads_graph_now(w->g);
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct ads_graph_op *op = p->ops[i];
		struct ads_error e = ADS_ERROR_INIT;

		paths[n] = substitute(w, op->path, p->batch, &e);
		for (size_t j = 0; j < op->params.nr; j++) {
			char *v = substitute(w, op->params.v[j].value, p->batch,
			                     &e);

			ads_graph_params_add(&params[n], op->params.v[j].key,
			                     v);
			free(v);
		}
		if (ads_error_is_set(&e)) {
			/* Cannot be sent: a reference came back empty. */
			ads_error_prefix(&e, "%s %s", op->method, op->path);
			finish_op(op, ADS_GRAPH_FAILED, &e);
			ads_error_release(&e);
			free(paths[n]);
			ads_graph_params_release(&params[n]);
			continue;
		}
		calls[n].method = op->method;
		calls[n].path = paths[n];
		calls[n].params = &params[n];
		calls[n].name = op->name;
		calls[n].flags = op->create ? 0 : ADS_GRAPH_IDEMPOTENT;
		calls[n].throttles = op->throttles;
		calls[n].delay_ms =
		        p->not_before > now ? p->not_before - now : 0;
		calls[n].fn = op_result;
		calls[n].ctx = op;
		n++;
	}
	if (n) {
		batch_started(w, p->batch, n);
		w->batches++;
		if (ads_graph_submit_batch(w->g, calls, n, &err)) {
			/* The client takes no more calls: the run stopped. */
			w->inflight_batches--;
			w->stopped = true;
			for (size_t i = 0; i < n; i++)
				((struct ads_graph_op *)calls[i].ctx)->state =
				        OP_PENDING;
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(paths[i]);
		ads_graph_params_release(&params[i]);
	}
	ads_error_release(&err);
	free(paths);
	free(params);
	free(calls);
}

/*
 * Packs every sendable op into batches and sends them; ops waiting for a
 * retry go in batches of their own, held back until their time.
 */
static void schedule(struct ads_graph_writes *w)
{
	int64_t now = ads_graph_now(w->g);
	bool any = true;

	if (w->stopped)
		return;
	for (int delayed = 0; delayed < 2; delayed++) {
		any = true;
		while (any && !w->stopped) {
			struct packing p = { 0 };
			bool added = true;

			p.batch = w->batches + 1;
			p.ops = xcalloc(w->batch_max, sizeof(*p.ops));
			while (added && p.n < w->batch_max) {
				added = false;
				for (size_t i = 0; i < w->nr; i++) {
					struct ads_graph_op *op = w->ops[i];
					bool waits = op->not_before > now;
					char *key;

					if (op->state != OP_PENDING ||
					    waits != (delayed == 1))
						continue;
					if (!fits(w, &p, op, &key))
						continue;
					op->state = OP_INFLIGHT;
					op->batch = p.batch;
					p.ops[p.n++] = op;
					if (op->not_before > p.not_before)
						p.not_before = op->not_before;
					if (op->kind == ADS_GRAPH_OP_AD &&
					    op->create)
						p.ads++;
					if (key)
						ads_strvec_push_nodup(
						        &p.campaigns, key);
					added = true;
					if (p.n >= w->batch_max)
						break;
				}
			}
			any = p.n > 0;
			if (any)
				send_packing(w, &p);
			ads_strvec_release(&p.campaigns);
			free(p.ops);
		}
	}
}

/* Reports the ops that cannot go on: their dependency did not succeed. */
static void mark_blocked(struct ads_graph_writes *w)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < w->nr; i++) {
			struct ads_graph_op *op = w->ops[i];

			if (op->state != OP_PENDING)
				continue;
			for (size_t j = 0; j < op->ndeps; j++) {
				struct ads_graph_op *d = op->deps[j];
				const char *why;

				if (!dep_blocked(d))
					continue;
				why = d->outcome == ADS_GRAPH_UNKNOWN
				              ? "has an unknown outcome"
				      : d->outcome == ADS_GRAPH_FAILED
				              ? "failed"
				              : "was not sent";
				op->outcome = ADS_GRAPH_SKIPPED;
				ads_error_release(&op->err);
				ads_error_set(
				        &op->err, ADS_EPARTIAL,
				        "%s %s: not sent: it needs %s (%s "
				        "%s), which %s",
				        op->method, op->path, d->name,
				        d->method, d->path, why);
				/* Blocked ops block their dependents too. */
				op->state = OP_DONE;
				changed = true;
				break;
			}
		}
	}
	/* Blocked ops stay sendable for the next run. */
	for (size_t i = 0; i < w->nr; i++) {
		struct ads_graph_op *op = w->ops[i];

		if (op->state == OP_DONE && op->outcome == ADS_GRAPH_SKIPPED)
			op->state = OP_PENDING;
		else if (op->state == OP_PENDING && w->stopped) {
			op->outcome = ADS_GRAPH_SKIPPED;
			if (!ads_error_is_set(&op->err))
				ads_error_set(
				        &op->err, ADS_EINTR,
				        "%s %s: not sent: the run stopped",
				        op->method, op->path);
		}
	}
}

static void maybe_done(struct ads_graph_writes *w)
{
	ads_graph_done_fn done = w->done;

	if (w->inflight_batches || !w->running)
		return;
	mark_blocked(w);
	w->running = false;
	w->done = NULL;
	if (done)
		done(w->ctx, NULL);
}

static void set_id(struct ads_graph_op *op)
{
	json_t *id = json_object_get(op->body, "id");
	int64_t n;

	free(op->id);
	op->id = NULL;
	if (json_is_string(id))
		op->id = xstrdup(json_string_value(id));
	else if (ads_json_as_int64(id, &n))
		op->id = xasprintf("%lld", (long long)n);
}

/* An op that did not run and may go again after delay. */
static void again(struct ads_graph_op *op, int64_t delay)
{
	op->state = OP_PENDING;
	op->not_before = delay > 0 ? ads_graph_now(op->w->g) + delay : 0;
}

static bool same_batch_dep_failed(const struct ads_graph_op *op)
{
	for (size_t i = 0; i < op->ndeps; i++) {
		const struct ads_graph_op *d = op->deps[i];

		if (d->batch == op->batch && d->outcome != ADS_GRAPH_OK)
			return true;
	}
	return false;
}

static void op_result(void *ctx, struct ads_graph_result *res)
{
	struct ads_graph_op *op = ctx;
	struct ads_graph_writes *w = op->w;
	const struct ads_graph_config *cfg = ads_graph_config_of(w->g);
	size_t batch = op->batch;

	switch (res->outcome) {
	case ADS_GRAPH_OK:
		json_decref(op->body);
		op->body = res->body;
		res->body = NULL;
		set_id(op);
		finish_op(op, ADS_GRAPH_OK, NULL);
		break;
	case ADS_GRAPH_SKIPPED:
		/* Never sent: the run stopped. */
		w->stopped = true;
		op->state = OP_PENDING;
		ads_error_release(&op->err);
		ads_error_copy(&op->err, &res->err);
		break;
	case ADS_GRAPH_UNKNOWN:
		finish_op(op, ADS_GRAPH_UNKNOWN, &res->err);
		break;
	case ADS_GRAPH_FAILED:
		if (same_batch_dep_failed(op)) {
			/* Its parent in this batch did not succeed, so it
			 * could not run: it goes again with the parent. */
			again(op, 0);
			op->outcome = 0;
			break;
		}
		if (res->cls == ADS_GRAPH_WAIT &&
		    op->throttles < cfg->max_throttle_waits) {
			op->throttles++;
			again(op, res->retry_after_ms);
			break;
		}
		if (res->cls == ADS_GRAPH_RETRY &&
		    op->attempts < cfg->max_retries) {
			op->attempts++;
			again(op, ads_graph_retry_delay(w->g, op->attempts,
			                                res->err.msg));
			break;
		}
		finish_op(op, ADS_GRAPH_FAILED, &res->err);
		break;
	}
	if (batch < w->nremaining && w->remaining[batch] &&
	    !--w->remaining[batch]) {
		w->inflight_batches--;
		ads_report_progress(
		        ads_graph_reporter(w->g), "writes",
		        ads_graph_writes_count(w, ADS_GRAPH_OK) +
		                ads_graph_writes_count(w, ADS_GRAPH_FAILED) +
		                ads_graph_writes_count(w, ADS_GRAPH_UNKNOWN),
		        w->nr);
		schedule(w);
		maybe_done(w);
	}
}

void ads_graph_writes_submit(struct ads_graph_writes *w, ads_graph_done_fn done,
                             void *ctx)
{
	w->done = done;
	w->ctx = ctx;
	w->running = true;
	w->stopped = false;
	for (size_t i = 0; i < w->nr; i++) {
		struct ads_graph_op *op = w->ops[i];

		if (op->state == OP_PENDING) {
			op->outcome = 0;
			ads_error_release(&op->err);
		}
	}
	schedule(w);
	maybe_done(w);
}

int ads_graph_writes_run(struct ads_graph_writes *w, struct ads_error *err)
{
	size_t failed, unknown, skipped;
	const struct ads_error *first = NULL;
	int ret;

	ads_graph_writes_submit(w, NULL, NULL);
	ret = ads_graph_run(w->g, err);
	if (ret)
		return ret;
	failed = ads_graph_writes_count(w, ADS_GRAPH_FAILED);
	unknown = ads_graph_writes_count(w, ADS_GRAPH_UNKNOWN);
	skipped = ads_graph_writes_count(w, ADS_GRAPH_SKIPPED);
	if (!failed && !unknown && !skipped)
		return 0;
	for (size_t i = 0; i < w->nr && !first; i++)
		if (w->ops[i]->outcome != ADS_GRAPH_OK &&
		    ads_error_is_set(&w->ops[i]->err))
			first = &w->ops[i]->err;
	ads_error_set(err, ADS_EPARTIAL,
	              "%zu of %zu writes did not succeed (%zu failed, %zu "
	              "unknown, %zu not sent)%s%s",
	              failed + unknown + skipped, w->nr, failed, unknown,
	              skipped, first ? ": " : "", first ? first->msg : "");
	return ADS_EPARTIAL;
}

size_t ads_graph_writes_size(const struct ads_graph_writes *w)
{
	return w->nr;
}

struct ads_graph_op *ads_graph_writes_op(const struct ads_graph_writes *w,
                                         size_t i)
{
	return i < w->nr ? w->ops[i] : NULL;
}

size_t ads_graph_writes_count(const struct ads_graph_writes *w,
                              enum ads_graph_outcome o)
{
	size_t n = 0;

	for (size_t i = 0; i < w->nr; i++)
		n += w->ops[i]->outcome == o;
	return n;
}

size_t ads_graph_writes_batches(const struct ads_graph_writes *w)
{
	return w->batches;
}

enum ads_graph_outcome ads_graph_op_outcome(const struct ads_graph_op *op)
{
	return op->outcome;
}

const json_t *ads_graph_op_body(const struct ads_graph_op *op)
{
	return op->body;
}

const char *ads_graph_op_id(const struct ads_graph_op *op)
{
	return op->id;
}

const struct ads_error *ads_graph_op_error(const struct ads_graph_op *op)
{
	return &op->err;
}

const char *ads_graph_op_name(const struct ads_graph_op *op)
{
	return op->name;
}

void *ads_graph_op_user(const struct ads_graph_op *op)
{
	return op->user;
}

size_t ads_graph_op_batch(const struct ads_graph_op *op)
{
	return op->batch;
}

void ads_graph_op_resolve(struct ads_graph_op *op, const char *id)
{
	json_decref(op->body);
	op->body = json_pack("{s:s}", "id", id);
	set_id(op);
	finish_op(op, ADS_GRAPH_OK, NULL);
}

void ads_graph_op_reset(struct ads_graph_op *op)
{
	op->state = OP_PENDING;
	op->outcome = 0;
	op->attempts = op->throttles = 0;
	op->not_before = 0;
	ads_error_release(&op->err);
}
