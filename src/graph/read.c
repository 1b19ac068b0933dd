/*
 * Paging, multi-id reads and edges of many parents (read.h), built on
 * the engine's calls: every page or chunk is one call, so the engine can
 * pack those of many reads into the same batch requests.
 */
#include "graph/read.h"

#include <stdlib.h>
#include <string.h>

#include "util/map.h"
#include "util/xalloc.h"

/* One read operation: counts its outstanding calls, keeps the first
 * error, and calls done when the last one finished. */
struct read_op {
	struct ads_graph *g;
	size_t pending;
	bool started; /* all initial calls submitted */
	struct ads_error err;
	ads_graph_done_fn done;
	ads_graph_page_fn page; /* may be NULL */
	void *ctx;
	json_t *out;
	struct ads_strvec *missing;
	struct ads_graph_params params; /* the caller's, for chunks */
};

static struct read_op *op_new(struct ads_graph *g, json_t *out,
                              ads_graph_done_fn done, void *ctx)
{
	struct read_op *op = xcalloc(1, sizeof(*op));

	op->g = g;
	op->out = out;
	op->done = done;
	op->ctx = ctx;
	return op;
}

static void op_fail(struct read_op *op, const struct ads_error *err)
{
	if (!ads_error_is_set(&op->err))
		ads_error_copy(&op->err, err);
}

/* One outstanding call less; finishes the op after the last. */
static void op_put(struct read_op *op)
{
	if (op->pending)
		op->pending--;
	if (op->pending || !op->started)
		return;
	if (op->done)
		op->done(op->ctx, ads_error_is_set(&op->err) ? &op->err : NULL);
	ads_error_release(&op->err);
	ads_graph_params_release(&op->params);
	free(op);
}

/*
 * Called after the initial submissions: from here done is called exactly
 * once (at once if they all failed already).
 */
static int op_start(struct read_op *op)
{
	op->started = true;
	op->pending++;
	op_put(op);
	return 0;
}

/* --- paging ------------------------------------------------------------- */

struct pager {
	struct read_op *op;
	char *path;
	struct ads_graph_params params;
	json_t *items; /* borrowed from the op's output */
	char *last_after;
	size_t pages;
};

static void page_done(void *ctx, struct ads_graph_result *res);

static void pager_free(struct pager *p)
{
	free(p->path);
	free(p->last_after);
	ads_graph_params_release(&p->params);
	free(p);
}

/* Sends the pager's next call; on failure ends it with the error. */
static void pager_send(struct pager *p)
{
	struct ads_graph_call c = {
		.method = "GET",
		.path = p->path,
		.params = &p->params,
		.flags = ADS_GRAPH_SHRINKABLE,
		.fn = page_done,
		.ctx = p,
	};
	struct ads_error err = ADS_ERROR_INIT;

	p->op->pending++;
	if (ads_graph_submit(p->op->g, &c, &err)) {
		op_fail(p->op, &err);
		ads_error_release(&err);
		op_put(p->op);
		pager_free(p);
	}
}

static void pager_end(struct pager *p, const struct ads_error *err)
{
	struct read_op *op = p->op;

	if (err)
		op_fail(op, err);
	pager_free(p);
	op_put(op);
}

static bool shrink_limit(struct pager *p)
{
	const char *l = ads_graph_params_get(&p->params, "limit");
	long limit = l ? strtol(l, NULL, 10) : 0;

	if (limit <= 1)
		return false;
	ads_graph_params_setf(&p->params, "limit", "%ld", limit / 2);
	ads_report(ads_graph_reporter(p->op->g), ADS_REPORT_DEBUG,
	           "GET %s: Graph asked for less data; page size now %ld",
	           p->path, limit / 2);
	return true;
}

static void page_done(void *ctx, struct ads_graph_result *res)
{
	struct pager *p = ctx;
	struct read_op *op = p->op;
	struct ads_error err = ADS_ERROR_INIT;
	const char *next, *after;
	json_t *data;

	if (res->outcome != ADS_GRAPH_OK) {
		if (ads_graph_error_wants_less_data(&res->err) &&
		    shrink_limit(p)) {
			op->pending--; /* pager_send() takes it again */
			pager_send(p);
			return;
		}
		pager_end(p, &res->err);
		return;
	}
	if (ads_graph_decode_page(res->body, &data, &next, &after, &err)) {
		ads_error_prefix(&err, "GET %s", p->path);
		pager_end(p, &err);
		ads_error_release(&err);
		return;
	}
	json_array_extend(p->items, data);
	if (op->page)
		op->page(op->ctx, json_array_size(data));
	if (!next) {
		pager_end(p, NULL);
		return;
	}
	if (++p->pages >= ADS_GRAPH_MAX_PAGES) {
		ads_error_set(&err, ADS_ETOOBIG,
		              "GET %s: more than %d pages; giving up", p->path,
		              ADS_GRAPH_MAX_PAGES);
		pager_end(p, &err);
		ads_error_release(&err);
		return;
	}
	if (after) {
		/* Our own parameters plus the cursor: keeps the page size
		 * under our control (sdk-behaviors §4, airbyte's
		 * CursorPatch). */
		if (p->last_after && !strcmp(p->last_after, after)) {
			ads_error_set(
			        &err, ADS_EHTTP,
			        "GET %s: paging did not advance (the same "
			        "cursor twice)",
			        p->path);
			pager_end(p, &err);
			ads_error_release(&err);
			return;
		}
		free(p->last_after);
		p->last_after = xstrdup(after);
		ads_graph_params_set(&p->params, "after", after);
	} else {
		/* No cursor (offset paging): follow the link itself. */
		char *path = NULL;
		struct ads_graph_params params = ADS_GRAPH_PARAMS_INIT;

		if (ads_graph_split_link(&path, &params, op->g, next, &err)) {
			ads_error_prefix(&err, "GET %s", p->path);
			ads_graph_params_release(&params);
			pager_end(p, &err);
			ads_error_release(&err);
			return;
		}
		free(p->path);
		p->path = path;
		ads_graph_params_release(&p->params);
		p->params = params;
	}
	op->pending--; /* pager_send() takes it again */
	pager_send(p);
}

static void pager_start(struct read_op *op, const char *path,
                        const struct ads_graph_params *params, json_t *items)
{
	struct pager *p = xcalloc(1, sizeof(*p));

	p->op = op;
	p->path = xstrdup(path);
	ads_graph_params_copy(&p->params, params);
	if (!ads_graph_params_get(&p->params, "limit"))
		ads_graph_params_setf(&p->params, "limit", "%u",
		                      ads_graph_config_of(op->g)->page_size);
	p->items = items;
	pager_send(p);
}

int ads_graph_list_submit(struct ads_graph *g, const char *path,
                          const struct ads_graph_params *params, json_t *items,
                          ads_graph_done_fn done, void *ctx,
                          struct ads_error *err)
{
	return ads_graph_list_submit_paged(g, path, params, items, NULL, done,
	                                   ctx, err);
}

int ads_graph_list_submit_paged(struct ads_graph *g, const char *path,
                                const struct ads_graph_params *params,
                                json_t *items, ads_graph_page_fn page,
                                ads_graph_done_fn done, void *ctx,
                                struct ads_error *err)
{
	struct read_op *op;

	if (!json_is_array(items))
		return ads_error_set(err, ADS_EINVALID,
		                     "list output is not a JSON array");
	op = op_new(g, items, done, ctx);
	op->page = page;
	pager_start(op, path, params, items);
	return op_start(op);
}

struct sync_read {
	struct ads_error err;
	bool done;
};

static void sync_done(void *ctx, const struct ads_error *err)
{
	struct sync_read *s = ctx;

	s->done = true;
	if (err)
		ads_error_copy(&s->err, err);
}

/*
 * Runs the client until the read submitted with s (into obj) finished;
 * hands obj to *out on success, frees it otherwise.
 */
static int sync_finish(struct ads_graph *g, struct sync_read *s, int ret,
                       json_t *obj, json_t **out, struct ads_error *err)
{
	if (!ret) /* else refused before anything was queued */
		ret = ads_graph_run(g, err);
	if (ads_error_is_set(&s->err)) {
		ret = s->err.code;
		ads_error_release(err);
		ads_error_move(err, &s->err);
	} else if (!ret && !s->done) {
		ret = ads_error_set(err, ADS_ERROR, "read did not finish");
	}
	if (ret) {
		json_decref(obj);
		return ret;
	}
	*out = obj;
	return 0;
}

int ads_graph_list(json_t **items, struct ads_graph *g, const char *path,
                   const struct ads_graph_params *params, struct ads_error *err)
{
	struct sync_read s = { .done = false };
	json_t *out = json_array();
	int ret;

	ret = ads_graph_list_submit(g, path, params, out, sync_done, &s, err);
	return sync_finish(g, &s, ret, out, items, err);
}

int ads_graph_list_edges_submit(struct ads_graph *g, const char *const *parents,
                                size_t n, const char *edge,
                                const struct ads_graph_params *params,
                                json_t *out, ads_graph_done_fn done, void *ctx,
                                struct ads_error *err)
{
	struct read_op *op;
	struct ads_buf path = ADS_BUF_INIT;

	if (!json_is_object(out))
		return ads_error_set(err, ADS_EINVALID,
		                     "edge output is not a JSON object");
	op = op_new(g, out, done, ctx);
	for (size_t i = 0; i < n; i++) {
		json_t *items;

		if (!parents[i] || !*parents[i] ||
		    json_object_get(out, parents[i]))
			continue;
		items = json_array();
		json_object_set_new(out, parents[i], items);
		ads_buf_reset(&path);
		ads_buf_addf(&path, "%s/%s", parents[i], edge);
		pager_start(op, path.buf, params, items);
	}
	ads_buf_release(&path);
	return op_start(op);
}

int ads_graph_list_edges(json_t **out, struct ads_graph *g,
                         const char *const *parents, size_t n, const char *edge,
                         const struct ads_graph_params *params,
                         struct ads_error *err)
{
	struct sync_read s = { .done = false };
	json_t *obj = json_object();
	int ret;

	ret = ads_graph_list_edges_submit(g, parents, n, edge, params, obj,
	                                  sync_done, &s, err);
	return sync_finish(g, &s, ret, obj, out, err);
}

/* --- ids= chunks -------------------------------------------------------- */

struct chunk {
	struct read_op *op;
	struct ads_strvec ids;
	bool again; /* asks for ids a first answer left out */
};

static void chunk_done(void *ctx, struct ads_graph_result *res);

static void chunk_send(struct read_op *op, char **ids, size_t n, bool again)
{
	struct chunk *c = xcalloc(1, sizeof(*c));
	struct ads_graph_params params = ADS_GRAPH_PARAMS_INIT;
	struct ads_buf list = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_call call = {
		.method = "GET",
		.path = "",
		.params = &params,
		.flags = ADS_GRAPH_SHRINKABLE,
		.fn = chunk_done,
		.ctx = c,
	};

	c->op = op;
	c->again = again;
	for (size_t i = 0; i < n; i++) {
		ads_strvec_push(&c->ids, ids[i]);
		if (i)
			ads_buf_addch(&list, ',');
		ads_buf_addstr(&list, ids[i]);
	}
	ads_graph_params_copy(&params, &op->params);
	ads_graph_params_set(&params, "ids", list.buf);
	op->pending++;
	if (ads_graph_submit(op->g, &call, &err)) {
		op_fail(op, &err);
		ads_strvec_release(&c->ids);
		free(c);
		op_put(op);
	}
	ads_error_release(&err);
	ads_buf_release(&list);
	ads_graph_params_release(&params);
}

/* Graph's answers for ids it does not know (or may not read). */
static bool is_missing_error(const struct ads_error *e)
{
	return e->code == ADS_EAPI &&
	       ((e->api_code == 100 && e->api_subcode == 33) ||
	        e->api_code == 803);
}

static void chunk_done(void *ctx, struct ads_graph_result *res)
{
	struct chunk *c = ctx;
	struct read_op *op = c->op;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_strvec absent = ADS_STRVEC_INIT;

	if (res->outcome != ADS_GRAPH_OK) {
		bool missing = is_missing_error(&res->err);

		if (c->ids.nr > 1 &&
		    (missing || ads_graph_error_wants_less_data(&res->err))) {
			/* Split to find the culprit or to ask for less. */
			size_t half = c->ids.nr / 2;

			chunk_send(op, c->ids.v, half, c->again);
			chunk_send(op, c->ids.v + half, c->ids.nr - half,
			           c->again);
		} else if (missing && op->missing) {
			ads_strvec_push(op->missing, c->ids.v[0]);
		} else {
			op_fail(op, &res->err);
		}
		goto out;
	}
	if (!json_is_object(res->body)) {
		ads_error_set(&err, ADS_EHTTP,
		              "GET ?ids=: the answer is not an object keyed "
		              "by id");
		op_fail(op, &err);
		goto out;
	}
	for (size_t i = 0; i < c->ids.nr; i++) {
		json_t *v = json_object_get(res->body, c->ids.v[i]);

		if (v && !json_is_null(v))
			json_object_set(op->out, c->ids.v[i], v);
		else
			ads_strvec_push(&absent, c->ids.v[i]);
	}
	if (absent.nr && !c->again) {
		/* Graph answers an unknown id with an error, not by leaving
		 * it out: ask once more for what is missing. */
		chunk_send(op, absent.v, absent.nr, true);
	} else if (absent.nr && op->missing) {
		for (size_t i = 0; i < absent.nr; i++)
			ads_strvec_push(op->missing, absent.v[i]);
	} else if (absent.nr) {
		ads_error_set(&err, ADS_EHTTP,
		              "GET ?ids=: the answer leaves out %zu of the ids "
		              "asked for (e.g. '%s')",
		              absent.nr, absent.v[0]);
		op_fail(op, &err);
	}
out:
	ads_strvec_release(&absent);
	ads_error_release(&err);
	ads_strvec_release(&c->ids);
	free(c);
	op_put(op);
}

int ads_graph_get_ids_submit(struct ads_graph *g, const char *const *ids,
                             size_t n, const struct ads_graph_params *params,
                             json_t *out, struct ads_strvec *missing,
                             ads_graph_done_fn done, void *ctx,
                             struct ads_error *err)
{
	struct read_op *op;
	struct ads_map seen = ADS_MAP_INIT;
	struct ads_strvec unique = ADS_STRVEC_INIT;

	if (!json_is_object(out))
		return ads_error_set(err, ADS_EINVALID,
		                     "ids output is not a JSON object");
	op = op_new(g, out, done, ctx);
	op->missing = missing;
	ads_graph_params_copy(&op->params, params);
	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || !*ids[i] || ads_map_has(&seen, ids[i]))
			continue;
		ads_map_put(&seen, ids[i], NULL);
		ads_strvec_push(&unique, ids[i]);
	}
	for (size_t i = 0; i < unique.nr; i += ADS_GRAPH_IDS_MAX) {
		size_t k = unique.nr - i < ADS_GRAPH_IDS_MAX
		                   ? unique.nr - i
		                   : ADS_GRAPH_IDS_MAX;

		chunk_send(op, unique.v + i, k, false);
	}
	ads_strvec_release(&unique);
	ads_map_release(&seen, NULL);
	return op_start(op);
}

int ads_graph_get_ids(json_t **out, struct ads_strvec *missing,
                      struct ads_graph *g, const char *const *ids, size_t n,
                      const struct ads_graph_params *params,
                      struct ads_error *err)
{
	struct sync_read s = { .done = false };
	json_t *obj = json_object();
	int ret;

	ret = ads_graph_get_ids_submit(g, ids, n, params, obj, missing,
	                               sync_done, &s, err);
	return sync_finish(g, &s, ret, obj, out, err);
}
