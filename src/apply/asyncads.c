/*
 * Async ad request sets for apply (asyncads.h): create the sets, find a
 * set again by name when its create got no answer, poll the open sets
 * together at the times their observed pace predicts, move the tail to
 * batches when that is faster and affordable, read results in large pages
 * and map each request back to its ad by the ad label in its input.
 */
#include "apply/asyncads.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/read.h"
#include "graph/write.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Creates of one set tried before its ads fail. */
#define SET_CREATES 3
/* After the sets timed out and were cancelled: how long more. */
#define CANCEL_WAIT_MS (10 * 60 * 1000)
/* Shortest wait between polls: a prediction that comes a little early
 * costs one more poll after this. */
#define POLL_MIN_MS 200
/* Failed polls in a row (each retried by the client) before the open
 * sets are given up (their ads stay unknown: the next apply waits). */
#define POLL_FAILURES 3
/* Set ids per ids= poll (Graph's limit on multi-id reads). */
#define POLL_IDS ADS_GRAPH_IDS_MAX
/* Async requests read per batch request (about 2 MB of answer). */
#define READ_REQUESTS_MAX 5000

static const char set_fields[] =
        "id,is_completed,total_count,initial_count,in_progress_count,"
        "success_count,error_count,canceled_count";
static const char request_fields[] = "id,status,result,input";

struct aset {
	char *name;
	char *id; /* NULL: not made */
	size_t first, n; /* its items: a->items[first .. first + n) */
	int64_t made_at; /* when its create was answered */
	/* as the last poll said */
	size_t total, initial, running, processed;
	bool counted; /* the poll had the counts */
	bool complete;
	bool closed; /* read (or given up): nothing more comes */
	bool cancelled; /* its cancel was answered */
	bool keep; /* its cancel failed: never taken back */
	/* reading */
	json_t *results;
	bool read_ok;
};

struct ads_apply_async {
	struct ads_apply_async_config cfg;
	struct ads_graph_async_poll poll;
	struct ads_apply_async_item *items;
	bool *settled;
	size_t nitems, alloc_items, alloc_settled;
	size_t pending;
	struct aset *sets;
	size_t nsets, alloc_sets;
	/* polling */
	int64_t next_poll, interval, deadline;
	bool timed_out;
	unsigned failures;
	/* pace: the last observation (processed requests of every set, and
	 * when), and the intervals since in which the worker was busy
	 * throughout (observe()): their time and work, the first apart */
	int64_t tp, busy_ms, first_ms;
	size_t pp, busy_done, first_done, samples;
	int64_t rtt; /* the longest round trip of the group's own */
};

void ads_apply_async_item_release(struct ads_apply_async_item *it)
{
	free(it->id);
	it->id = NULL;
	ads_error_release(&it->err);
}

struct ads_apply_async *
ads_apply_async_new(const struct ads_apply_async_config *cfg)
{
	struct ads_apply_async *a = xcalloc(1, sizeof(*a));

	a->cfg = *cfg;
	if (cfg->poll)
		a->poll = *cfg->poll;
	else
		ads_graph_async_poll_init(&a->poll);
	if (a->poll.first_ms < 1)
		a->poll.first_ms = 1;
	if (a->poll.max_ms < a->poll.first_ms)
		a->poll.max_ms = a->poll.first_ms;
	return a;
}

void ads_apply_async_free(struct ads_apply_async *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nitems; i++) {
		json_decref(a->items[i].spec);
		ads_apply_async_item_release(&a->items[i]);
	}
	for (size_t k = 0; k < a->nsets; k++) {
		free(a->sets[k].name);
		free(a->sets[k].id);
		json_decref(a->sets[k].results);
	}
	free(a->items);
	free(a->settled);
	free(a->sets);
	free(a);
}

size_t ads_apply_async_pending(const struct ads_apply_async *a)
{
	return a ? a->pending : 0;
}

static char *account_path(const char *account, const char *edge)
{
	return xasprintf(
	        "act_%s/%s",
	        ads_starts_with(account, "act_") ? account + 4 : account, edge);
}

/* The account's async ad request sets: id, name, is_completed. */
static int list_sets(json_t **out, struct ads_graph *g, const char *account,
                     struct ads_error *err)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	char *path = account_path(account, "asyncadrequestsets");
	int rc;

	ads_graph_params_set(&p, "fields", "id,name,is_completed");
	rc = ads_graph_list(out, g, path, &p, err);
	ads_graph_params_release(&p);
	free(path);
	return rc;
}

static bool truthy(const json_t *v)
{
	const char *s = json_string_value(v);
	int64_t n;

	if (json_is_true(v))
		return true;
	if (s)
		return ads_str_ieq(s, "true") || !strcmp(s, "1");
	return ads_json_as_int64(v, &n) && n;
}

static size_t count_of(const json_t *o, const char *key, bool *seen)
{
	int64_t n;

	if (!ads_json_as_int64(json_object_get(o, key), &n))
		return 0;
	*seen = true;
	return n > 0 ? (size_t)n : 0;
}

/* Whether a request status says it was cancelled (case varies). */
static bool is_canceled(const char *status)
{
	char up[16];
	size_t i;

	for (i = 0; status && status[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)status[i]);
	up[i] = '\0';
	return !strcmp(up, "CANCELED") || !strcmp(up, "CANCELLED");
}

/* --- settling items ---------------------------------------------------- */

static void settle(struct ads_apply_async *a, size_t i,
                   enum ads_graph_outcome o, bool final, const char *id,
                   const struct ads_error *e, const struct aset *s)
{
	struct ads_apply_async_item *it = &a->items[i];

	if (a->settled[i])
		return;
	a->settled[i] = true;
	a->pending--;
	ads_error_release(&it->err);
	it->outcome = o;
	it->final = final;
	if (e && o != ADS_GRAPH_OK)
		ads_error_copy(&it->err, e);
	free(it->id);
	it->id = id ? xstrdup(id) : NULL;
	it->set = s ? s->name : NULL;
	if (a->cfg.settled)
		a->cfg.settled(a->cfg.ctx, it);
	json_decref(it->spec);
	it->spec = NULL;
	ads_apply_async_item_release(it);
}

static void settlef(struct ads_apply_async *a, size_t i,
                    enum ads_graph_outcome o, bool final, const struct aset *s,
                    enum ads_errcode code, const char *fmt, ...)
        __attribute__((format(printf, 7, 8)));
static void settlef(struct ads_apply_async *a, size_t i,
                    enum ads_graph_outcome o, bool final, const struct aset *s,
                    enum ads_errcode code, const char *fmt, ...)
{
	struct ads_error e = ADS_ERROR_INIT;
	va_list ap;

	va_start(ap, fmt);
	ads_error_vset(&e, code, fmt, ap);
	va_end(ap);
	settle(a, i, o, final, NULL, &e, s);
	ads_error_release(&e);
}

/* Every item of s not settled yet: UNKNOWN (final when s is complete). */
static void settle_rest(struct ads_apply_async *a, struct aset *s, bool final)
{
	for (size_t i = s->first; i < s->first + s->n; i++)
		settlef(a, i, ADS_GRAPH_UNKNOWN, final, s, ADS_EUNKNOWN,
		        "async request set %s did not say what became of it",
		        s->id ? s->id : s->name);
}

/* The ad label names in an async request's input (adgroup_spec). */
static void input_labels(struct ads_strvec *out, const json_t *input)
{
	json_t *spec = json_object_get(input, "adgroup_spec");
	json_t *labels, *decoded = NULL, *dspec = NULL, *l;
	size_t i;

	if (!spec)
		spec = (json_t *)(uintptr_t)input;
	if (json_is_string(spec)) {
		dspec = json_loads(json_string_value(spec), 0, NULL);
		spec = dspec;
	}
	labels = json_object_get(spec, "adlabels");
	if (json_is_string(labels)) {
		decoded = json_loads(json_string_value(labels), 0, NULL);
		labels = decoded;
	}
	json_array_foreach(labels, i, l)
		if (ads_json_str(l, "name"))
			ads_strvec_push(out, ads_json_str(l, "name"));
	json_decref(decoded);
	json_decref(dspec);
}

/*
 * Settles the items of s that its results answer for: a request that
 * ended (SUCCESS, ERROR, CANCELED) settles its ad; one still running
 * leaves it open. When s is complete, what it did not answer for is
 * UNKNOWN, final: a label lookup settles it.
 */
static void map_results(struct ads_apply_async *a, struct aset *s)
{
	struct ads_map by_label = ADS_MAP_INIT;
	json_t *req;
	size_t r;

	for (size_t i = s->first; i < s->first + s->n; i++)
		if (!a->settled[i] && a->items[i].label)
			ads_map_put(&by_label, a->items[i].label,
			            (void *)(uintptr_t)(i + 1));
	json_array_foreach(s->results, r, req) {
		struct ads_graph_async_request q;
		struct ads_strvec labels = ADS_STRVEC_INIT;

		ads_graph_async_decode_request(&q, req);
		input_labels(&labels, q.input);
		for (size_t l = 0; l < labels.nr; l++) {
			size_t i = (size_t)(uintptr_t)ads_map_get(&by_label,
			                                          labels.v[l]);

			if (!i-- || a->settled[i])
				continue;
			if (is_canceled(q.status)) {
				/* cancelled before it ran: never made */
				a->items[i].canceled = true;
				settle(a, i, ADS_GRAPH_SKIPPED, true, NULL,
				       &q.err, s);
			} else if (q.outcome != ADS_GRAPH_UNKNOWN) {
				settle(a, i, q.outcome, true, q.object_id,
				       &q.err, s);
			} else if (s->complete) {
				settle(a, i, q.outcome, true, NULL, &q.err, s);
			}
			break;
		}
		ads_strvec_release(&labels);
		ads_graph_async_request_release(&q);
	}
	ads_map_release(&by_label, NULL);
	if (s->complete) {
		settle_rest(a, s, true);
		s->closed = true;
	}
	/* a cancelled set whose ads all ended has nothing more to say */
	s->closed = true;
	for (size_t i = s->first; i < s->first + s->n && s->closed; i++)
		s->closed = a->settled[i];
}

/* --- creating sets ------------------------------------------------------ */

/*
 * Creates the sets s[0..n) in one batch request (graph/write.h): a create
 * whose answer is lost is looked for by name before it is sent again,
 * like every other create of apply. Sets s[k].id, or settles the set's
 * items. Returns ADS_EINTR or ADS_EAUTH when the run stopped.
 */
static int create_sets(struct ads_apply_async *a, size_t from, size_t n)
{
	struct ads_graph *g = a->cfg.g;
	struct ads_graph_writes *w = ads_graph_writes_new(g);
	struct ads_graph_op **ops = xcalloc(n ? n : 1, sizeof(*ops));
	struct ads_error *errs = xcalloc(n ? n : 1, sizeof(*errs));
	char *path = account_path(a->cfg.account, "asyncadrequestsets");
	int64_t t = ads_graph_now(g);
	int rc = 0;

	for (size_t k = 0; k < n; k++) {
		struct aset *s = &a->sets[from + k];
		struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
		struct ads_graph_op_spec spec = {
			.method = "POST",
			.path = path,
			.params = &p,
			.create = true,
		};
		json_t *specs = json_array();

		for (size_t i = s->first; i < s->first + s->n; i++)
			json_array_append(specs, a->items[i].spec);
		ads_graph_params_set(&p, "name", s->name);
		ads_graph_params_set_json(&p, "ad_specs", specs);
		ads_graph_params_set(&p, "notification_mode", "OFF");
		json_decref(specs);
		ads_graph_writes_add(&ops[k], w, &spec, &errs[k]);
		ads_graph_params_release(&p);
	}
	for (unsigned round = 0;; round++) {
		json_t *sets = NULL;
		struct ads_error e = ADS_ERROR_INIT;
		bool unknown = false;
		int lrc;

		rc = ads_graph_writes_run(w, &e);
		ads_error_release(&e);
		if (rc == ADS_EINTR || rc == ADS_EAUTH)
			break;
		rc = 0;
		for (size_t k = 0; k < n; k++)
			unknown |= ops[k] && ads_graph_op_outcome(ops[k]) ==
			                             ADS_GRAPH_UNKNOWN;
		if (!unknown || round == SET_CREATES)
			break;
		/* Lost answers: the sets may exist. Never a second one. */
		lrc = list_sets(&sets, g, a->cfg.account, &e);
		if (lrc) {
			if (lrc == ADS_EINTR || lrc == ADS_EAUTH)
				rc = lrc;
			ads_error_release(&e);
			break;
		}
		for (size_t k = 0; k < n; k++) {
			const char *name = a->sets[from + k].name, *id = NULL;
			json_t *set;
			size_t i;

			if (!ops[k] ||
			    ads_graph_op_outcome(ops[k]) != ADS_GRAPH_UNKNOWN)
				continue;
			json_array_foreach(sets, i, set) {
				const char *sn = ads_json_str(set, "name");

				if (sn && !strcmp(sn, name))
					id = ads_json_str(set, "id");
			}
			if (id) {
				ads_report(a->cfg.reporter, ADS_REPORT_INFO,
				           "async request set %s was created "
				           "though its answer was lost",
				           name);
				ads_graph_op_resolve(ops[k], id);
			} else {
				ads_graph_op_reset(ops[k]);
			}
		}
		json_decref(sets);
	}
	t = ads_graph_now(g) - t;
	if (t > a->rtt)
		a->rtt = t;
	for (size_t k = 0; k < n; k++) {
		struct aset *s = &a->sets[from + k];
		enum ads_graph_outcome o = ops[k] ? ads_graph_op_outcome(ops[k])
		                                  : ADS_GRAPH_FAILED;
		const struct ads_error *oe =
		        ops[k] ? ads_graph_op_error(ops[k]) : &errs[k];

		if (o == ADS_GRAPH_OK && ads_graph_op_id(ops[k])) {
			s->id = xstrdup(ads_graph_op_id(ops[k]));
			s->made_at = ads_graph_now(g);
			continue;
		}
		s->closed = true;
		for (size_t i = s->first; i < s->first + s->n; i++) {
			switch (o) {
			case ADS_GRAPH_OK:
				settlef(a, i, ADS_GRAPH_UNKNOWN, false, s,
				        ADS_EUNKNOWN,
				        "async request set %s: the answer has "
				        "no id",
				        s->name);
				break;
			case ADS_GRAPH_UNKNOWN:
				/* cannot tell: its ads are never sent
				 * again in this run */
				settle(a, i, o, false, NULL, oe, s);
				break;
			case ADS_GRAPH_FAILED:
				settle(a, i, o, true, NULL, oe, s);
				break;
			default:
				settlef(a, i, ADS_GRAPH_SKIPPED, false, s,
				        ADS_EINTR,
				        "async request set %s: not sent",
				        s->name);
				break;
			}
		}
	}
	for (size_t k = 0; k < n; k++)
		ads_error_release(&errs[k]);
	free(errs);
	ads_graph_writes_free(w);
	free(ops);
	free(path);
	return rc;
}

/* Processed requests of every set made (as last polled). */
static size_t processed(const struct ads_apply_async *a)
{
	size_t p = 0;

	for (size_t k = 0; k < a->nsets; k++)
		p += a->sets[k].processed;
	return p;
}

static bool is_open(const struct aset *s)
{
	return s->id && !s->closed;
}

static size_t open_sets(const struct ads_apply_async *a)
{
	size_t n = 0;

	for (size_t k = 0; k < a->nsets; k++)
		n += is_open(&a->sets[k]);
	return n;
}

int ads_apply_async_submit(struct ads_apply_async *a,
                           const struct ads_apply_async_item *items, size_t n,
                           size_t max, const char *name_prefix, size_t *nsets,
                           struct ads_error *err)
{
	size_t from = a->nsets, first = a->nitems, nchunks, size, made = 0;
	bool idle = !open_sets(a);
	int rc;

	if (!max || max > 1000)
		max = 1000;
	/* ADS_APPLY_ASYNC_SETS sets of at least ADS_APPLY_ASYNC_SET_MIN */
	size = (n + ADS_APPLY_ASYNC_SETS - 1) / ADS_APPLY_ASYNC_SETS;
	if (size < ADS_APPLY_ASYNC_SET_MIN)
		size = ADS_APPLY_ASYNC_SET_MIN;
	if (size > max)
		size = max;
	nchunks = n ? (n + size - 1) / size : 0;
	ADS_ALLOC_GROW(a->items, a->nitems + n, a->alloc_items);
	ADS_ALLOC_GROW(a->settled, a->nitems + n, a->alloc_settled);
	for (size_t i = 0; i < n; i++) {
		struct ads_apply_async_item *it = &a->items[a->nitems + i];

		memset(it, 0, sizeof(*it));
		it->spec = json_incref(items[i].spec);
		it->label = items[i].label;
		it->user = items[i].user;
		a->settled[a->nitems + i] = false;
	}
	a->nitems += n;
	a->pending += n;
	ADS_ALLOC_GROW(a->sets, a->nsets + nchunks, a->alloc_sets);
	for (size_t k = 0; k < nchunks; k++) {
		struct aset *s = &a->sets[a->nsets + k];

		memset(s, 0, sizeof(*s));
		/* even sizes: the last set is not a remainder */
		s->first = first + k * n / nchunks;
		s->n = first + (k + 1) * n / nchunks - s->first;
		s->name = xasprintf("%s:%zu", name_prefix, k + 1);
	}
	a->nsets += nchunks;
	rc = create_sets(a, from, nchunks);
	for (size_t k = from; k < a->nsets; k++)
		made += a->sets[k].id != NULL;
	if (nsets)
		*nsets = made;
	if (made) {
		int64_t now = ads_graph_now(a->cfg.g);

		if (idle) {
			/* a new pace: the sets before were done */
			a->tp = now;
			a->pp = processed(a);
			a->busy_ms = a->first_ms = 0;
			a->busy_done = a->first_done = a->samples = 0;
			a->interval = a->poll.first_ms;
			a->deadline = now + a->poll.timeout_ms;
			a->timed_out = false;
		}
		/* the new sets are seen soon, whatever was predicted */
		if (idle || a->next_poll > now + a->poll.first_ms)
			a->next_poll = now + a->poll.first_ms;
	}
	if (rc)
		ads_error_set(err, rc, "the run stopped");
	return rc;
}

/* --- polling ------------------------------------------------------------ */

struct answer {
	enum ads_graph_outcome outcome;
	json_t *body;
	struct ads_error err;
};

static void answered(void *ctx, struct ads_graph_result *res)
{
	struct answer *an = ctx;

	an->outcome = res->outcome;
	an->body = res->body;
	res->body = NULL;
	if (res->outcome != ADS_GRAPH_OK)
		ads_error_copy(&an->err, &res->err);
}

/*
 * Polls every open set that is not complete, in ids= reads of POLL_IDS,
 * after delay ms. Returns ADS_EINTR or ADS_EAUTH when the run stopped;
 * counts a failed poll in a->failures.
 */
static int poll_sets(struct ads_apply_async *a, int64_t delay,
                     struct ads_error *err)
{
	size_t *which = xcalloc(a->nsets ? a->nsets : 1, sizeof(*which));
	size_t n = 0, ncalls;
	struct answer *an;
	bool ok = true;
	int rc = 0;

	for (size_t k = 0; k < a->nsets; k++)
		if (is_open(&a->sets[k]) && !a->sets[k].complete)
			which[n++] = k;
	ncalls = (n + POLL_IDS - 1) / POLL_IDS;
	an = xcalloc(ncalls ? ncalls : 1, sizeof(*an));
	for (size_t c = 0; c < ncalls; c++) {
		struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
		struct ads_buf ids = ADS_BUF_INIT;
		struct ads_graph_call call = {
			.method = "GET",
			.path = "",
			.params = &p,
			.flags = ADS_GRAPH_NO_CACHE,
			.account = a->cfg.account,
			.delay_ms = delay > 0 ? delay : 0,
			.fn = answered,
			.ctx = &an[c],
		};
		struct ads_error e = ADS_ERROR_INIT;

		for (size_t j = c * POLL_IDS; j < n && j < (c + 1) * POLL_IDS;
		     j++)
			ads_buf_addf(&ids, "%s%s", ids.len ? "," : "",
			             a->sets[which[j]].id);
		ads_graph_params_set(&p, "ids", ids.buf);
		ads_graph_params_set(&p, "fields", set_fields);
		if (ads_graph_submit(a->cfg.g, &call, &e)) {
			an[c].outcome = ADS_GRAPH_SKIPPED;
			ads_error_move(&an[c].err, &e);
		}
		ads_error_release(&e);
		ads_buf_release(&ids);
		ads_graph_params_release(&p);
	}
	if (ncalls)
		rc = ads_graph_run(a->cfg.g, err);
	if (rc == ADS_EINTR || rc == ADS_EAUTH)
		goto out;
	rc = 0;
	for (size_t j = 0; j < n; j++) {
		struct answer *x = &an[j / POLL_IDS];
		struct aset *s = &a->sets[which[j]];
		json_t *o = json_object_get(x->body, s->id);
		bool seen = false;

		if (x->outcome != ADS_GRAPH_OK || !json_is_object(o)) {
			ok = false;
			continue;
		}
		s->total = count_of(o, "total_count", &seen);
		s->initial = count_of(o, "initial_count", &seen);
		s->running = count_of(o, "in_progress_count", &seen);
		s->processed = count_of(o, "success_count", &seen) +
		               count_of(o, "error_count", &seen);
		s->counted = seen && s->total;
		s->complete = truthy(json_object_get(o, "is_completed"));
	}
	if (ok) {
		a->failures = 0;
	} else {
		a->failures++;
		for (size_t c = 0; c < ncalls; c++)
			if (an[c].outcome != ADS_GRAPH_OK)
				ads_report(a->cfg.reporter, ADS_REPORT_WARNING,
				           "polling async request sets: %s",
				           an[c].err.msg ? an[c].err.msg
				                         : "no answer");
	}
out:
	for (size_t c = 0; c < ncalls; c++) {
		json_decref(an[c].body);
		ads_error_release(&an[c].err);
	}
	free(an);
	free(which);
	return rc;
}

/*
 * Requests per second the sets are processed at (0: not known yet), over
 * the intervals in which the worker was busy; *sure when there are two of
 * them, and then the first is left out (it holds the worker's start-up).
 */
static double pace(const struct ads_apply_async *a, bool *sure)
{
	*sure = a->samples >= 2 && a->busy_done > a->first_done &&
	        a->busy_ms > a->first_ms;
	if (*sure)
		return (double)(a->busy_done - a->first_done) * 1000.0 /
		       (double)(a->busy_ms - a->first_ms);
	if (a->busy_ms > 0 && a->busy_done)
		return (double)a->busy_done * 1000.0 / (double)a->busy_ms;
	return 0;
}

/* Requests of the open sets not processed yet. */
static size_t remaining(const struct ads_apply_async *a)
{
	size_t r = 0;

	for (size_t k = 0; k < a->nsets; k++) {
		const struct aset *s = &a->sets[k];

		if (!is_open(s) || s->complete)
			continue;
		if (!s->counted)
			r += s->n;
		else /* a cancel leaves the running ones */
			r += s->running + (s->cancelled ? 0 : s->initial);
	}
	return r;
}

/*
 * A poll answered at now. The interval since the last observation shows
 * the worker's pace only if it had work all along: a set made before the
 * interval began is still not complete (else it may have run dry and
 * waited for a set made later).
 */
static void observe(struct ads_apply_async *a, int64_t now)
{
	size_t p = processed(a);
	bool busy = false;

	for (size_t k = 0; k < a->nsets && !busy; k++) {
		const struct aset *s = &a->sets[k];

		busy = is_open(s) && !s->complete && s->made_at <= a->tp;
	}
	if (busy && now > a->tp && p >= a->pp) {
		a->busy_ms += now - a->tp;
		a->busy_done += p - a->pp;
		if (!a->samples++) {
			a->first_ms = a->busy_ms;
			a->first_done = a->busy_done;
		}
	}
	a->tp = now;
	a->pp = p;
}

/*
 * When to poll next: when the pace says the open sets will be done (half
 * that while the pace rests on one poll), at least POLL_MIN_MS and at
 * most max_ms away; without a pace, doubling intervals from first_ms.
 */
static void schedule(struct ads_apply_async *a, int64_t now)
{
	bool sure;
	double v = pace(a, &sure);
	size_t r = remaining(a);
	int64_t d;

	if (v > 0) {
		d = r ? (int64_t)((double)r * 1000.0 / v) : POLL_MIN_MS;
		if (!sure)
			d /= 2;
	} else {
		d = a->interval;
		a->interval = a->interval * 2 > a->poll.max_ms
		                      ? a->poll.max_ms
		                      : a->interval * 2;
	}
	if (d < POLL_MIN_MS)
		d = POLL_MIN_MS;
	if (d > a->poll.max_ms)
		d = a->poll.max_ms;
	a->next_poll = now + d;
}

/* --- reading results ---------------------------------------------------- */

struct reading {
	struct ads_apply_async *a;
	struct aset *s;
};

static void continued(void *ctx, const struct ads_error *err)
{
	struct aset *s = ctx;

	if (err)
		s->read_ok = false;
}

/* Reads the rest of s's results with the pager (retries, next pages). */
static void read_on(struct ads_apply_async *a, struct aset *s, const char *next)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_error e = ADS_ERROR_INIT;
	char *path = NULL;

	if (next) {
		if (ads_graph_split_link(&path, &p, a->cfg.g, next, &e)) {
			s->read_ok = false;
			goto out;
		}
	} else {
		char limit[32];

		json_array_clear(s->results);
		path = xasprintf("%s/requests", s->id);
		snprintf(limit, sizeof(limit), "%zu", s->n);
		ads_graph_params_set(&p, "fields", request_fields);
		ads_graph_params_set(&p, "limit", limit);
	}
	if (ads_graph_list_submit(a->cfg.g, path, &p, s->results, continued, s,
	                          &e))
		s->read_ok = false;
out:
	free(path);
	ads_graph_params_release(&p);
	ads_error_release(&e);
}

static void first_page(void *ctx, struct ads_graph_result *res)
{
	struct reading *rd = ctx;
	struct aset *s = rd->s;
	json_t *data = json_object_get(res->body, "data");
	const char *next;

	if (res->outcome != ADS_GRAPH_OK || !json_is_array(data)) {
		/* a batch item is not retried: the pager reads it again */
		if (res->outcome != ADS_GRAPH_SKIPPED)
			read_on(rd->a, s, NULL);
		else
			s->read_ok = false;
		return;
	}
	json_array_extend(s->results, data);
	next = ads_json_str(json_object_get(res->body, "paging"), "next");
	if (next && json_array_size(data))
		read_on(rd->a, s, next);
}

/*
 * Reads the requests of the sets w[0..n) (complete, or just cancelled),
 * as many as fit in one batch request of pages as large as the sets, and
 * settles their items. Returns ADS_EINTR or ADS_EAUTH when the run
 * stopped (then nothing is settled).
 */
static int read_sets(struct ads_apply_async *a, struct aset **w, size_t n,
                     struct ads_error *err)
{
	struct reading *rd = xcalloc(n ? n : 1, sizeof(*rd));
	int rc = 0;

	for (size_t k = 0; k < n; k++) {
		json_decref(w[k]->results);
		w[k]->results = json_array();
		w[k]->read_ok = true;
		rd[k].a = a;
		rd[k].s = w[k];
	}
	for (size_t k = 0; k < n;) {
		struct ads_graph_call *calls =
		        xcalloc(ADS_GRAPH_BATCH_MAX, sizeof(*calls));
		struct ads_graph_params *p =
		        xcalloc(ADS_GRAPH_BATCH_MAX, sizeof(*p));
		char **paths = xcalloc(ADS_GRAPH_BATCH_MAX, sizeof(*paths));
		struct ads_error e = ADS_ERROR_INIT;
		size_t m = 0, reqs = 0;

		while (k + m < n && m < ADS_GRAPH_BATCH_MAX &&
		       (!m || reqs + w[k + m]->n <= READ_REQUESTS_MAX)) {
			struct aset *s = w[k + m];
			char limit[32];

			snprintf(limit, sizeof(limit), "%zu", s->n);
			paths[m] = xasprintf("%s/requests", s->id);
			ads_graph_params_set(&p[m], "fields", request_fields);
			ads_graph_params_set(&p[m], "limit", limit);
			calls[m].method = "GET";
			calls[m].path = paths[m];
			calls[m].params = &p[m];
			calls[m].account = a->cfg.account;
			calls[m].fn = first_page;
			calls[m].ctx = &rd[k + m];
			reqs += s->n;
			m++;
		}
		if (m == 1)
			read_on(a, w[k], NULL); /* alone: with retries */
		else if (ads_graph_submit_batch(a->cfg.g, calls, m, &e))
			for (size_t j = 0; j < m; j++)
				w[k + j]->read_ok = false;
		for (size_t j = 0; j < m; j++) {
			free(paths[j]);
			ads_graph_params_release(&p[j]);
		}
		ads_error_release(&e);
		free(paths);
		free(p);
		free(calls);
		k += m;
	}
	rc = ads_graph_run(a->cfg.g, err);
	if (rc == ADS_EINTR || rc == ADS_EAUTH)
		goto out;
	rc = 0;
	for (size_t k = 0; k < n; k++) {
		struct aset *s = w[k];

		if (s->read_ok) {
			map_results(a, s);
		} else if (s->complete) {
			/* complete, but unreadable: nothing more comes, so
			 * labels settle what it did */
			settle_rest(a, s, true);
			s->closed = true;
		}
		json_decref(s->results);
		s->results = NULL;
	}
out:
	free(rd);
	return rc;
}

/* --- cancelling --------------------------------------------------------- */

/*
 * Cancels the sets w[0..n) (their unprocessed requests; 003:L17413-17431)
 * in one batch request: s->cancelled when Meta said yes, s->keep when not.
 */
static int cancel_sets(struct ads_apply_async *a, struct aset **w, size_t n,
                       struct ads_error *err)
{
	struct answer *an = xcalloc(n ? n : 1, sizeof(*an));
	int rc = 0;

	for (size_t k = 0; k < n; k += ADS_GRAPH_BATCH_MAX) {
		size_t m = n - k < ADS_GRAPH_BATCH_MAX ? n - k
		                                       : ADS_GRAPH_BATCH_MAX;
		struct ads_graph_call *calls = xcalloc(m, sizeof(*calls));
		struct ads_error e = ADS_ERROR_INIT;
		int src;

		for (size_t j = 0; j < m; j++) {
			calls[j].method = "DELETE";
			calls[j].path = w[k + j]->id;
			calls[j].flags = ADS_GRAPH_IDEMPOTENT;
			calls[j].account = a->cfg.account;
			calls[j].fn = answered;
			calls[j].ctx = &an[k + j];
		}
		src = m == 1 ? ads_graph_submit(a->cfg.g, calls, &e)
		             : ads_graph_submit_batch(a->cfg.g, calls, m, &e);
		if (src)
			for (size_t j = 0; j < m; j++)
				an[k + j].outcome = ADS_GRAPH_SKIPPED;
		ads_error_release(&e);
		free(calls);
	}
	if (n)
		rc = ads_graph_run(a->cfg.g, err);
	for (size_t k = 0; k < n; k++) {
		if (an[k].outcome == ADS_GRAPH_OK)
			w[k]->cancelled = true;
		else
			w[k]->keep = true;
		json_decref(an[k].body);
		ads_error_release(&an[k].err);
	}
	free(an);
	return rc == ADS_EINTR || rc == ADS_EAUTH ? rc : 0;
}

/* --- moving the tail to batches ----------------------------------------- */

static size_t ceil_div(size_t a, size_t b)
{
	return (a + b - 1) / b;
}

static size_t max_of(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Requests the group still needs for itself: polls and the reads. */
static size_t own_requests(const struct ads_apply_async *a, double v,
                           size_t left)
{
	size_t nsets = open_sets(a), n = 0;
	double eta_ms = v > 0 ? (double)left * 1000.0 / v : 0;

	for (size_t k = 0; k < a->nsets; k++)
		if (is_open(&a->sets[k]))
			n += a->sets[k].n;
	/* a poll at the prediction, one to confirm it, one early; more
	 * when max_ms cuts the wait; reads in pages as large as sets,
	 * ADS_GRAPH_BATCH_MAX sets or READ_REQUESTS_MAX requests a batch */
	return 3 + (size_t)(eta_ms / (double)a->poll.max_ms) +
	       max_of(ceil_div(nsets, ADS_GRAPH_BATCH_MAX),
	              ceil_div(n, READ_REQUESTS_MAX));
}

static int by_unstarted(const void *x, const void *y)
{
	const struct aset *s = *(const struct aset *const *)x;
	const struct aset *t = *(const struct aset *const *)y;

	if (s->initial != t->initial)
		return s->initial > t->initial ? -1 : 1;
	/* the newest first: a queue reaches it last */
	return s > t ? -1 : s < t;
}

/*
 * The decision of asyncads.h: which open sets to cancel so that batches
 * make their unstarted ads. Sets are taken, most unstarted requests
 * first, as many as (1) the caller's budget pays for, batches (one per
 * ADS_GRAPH_AD_CREATES_MAX ads), the cancel and the read, beyond the
 * group's own polls and reads; such that (2) the batches, at the pace the
 * run's writes showed (else max_in_flight per round trip of the group's
 * own), plus two round trips for the cancel and the read, end no later
 * than the sets would end what is left to them, and (3) take no longer
 * than the sets would have spent on the ads they take, all at the pace
 * the sets showed. (3) keeps requests from being spent on sets that are
 * about as fast as batches.
 */
static size_t choose(struct ads_apply_async *a, struct aset **out)
{
	struct ads_apply_async_budget b = { 0, 0 };
	const struct ads_graph_config *cfg = ads_graph_config_of(a->cfg.g);
	size_t n = 0, m = 0, best = 0, left = remaining(a), own;
	double v, rate, rtt = a->rtt > 0 ? (double)a->rtt : 1000.0;
	bool sure;

	v = pace(a, &sure);
	if (!a->cfg.budget || a->timed_out || v <= 0)
		return 0;
	a->cfg.budget(a->cfg.ctx, &b);
	own = own_requests(a, v, left);
	if (b.requests <= own + 1)
		return 0;
	rate = b.batches_per_s > 0
	               ? b.batches_per_s
	               : (double)(cfg->max_in_flight ? cfg->max_in_flight : 1) *
	                         1000.0 / rtt;
	for (size_t k = 0; k < a->nsets; k++) {
		struct aset *s = &a->sets[k];

		if (is_open(s) && !s->complete && s->counted && !s->keep &&
		    !s->cancelled && s->initial)
			out[n++] = s;
	}
	qsort(out, n, sizeof(*out), by_unstarted);
	for (size_t k = 0; k < n; k++) {
		size_t batches;
		double t_batches;

		m += out[k]->initial;
		batches = ceil_div(m, ADS_GRAPH_AD_CREATES_MAX);
		t_batches = 2 * rtt + (double)batches * 1000.0 / rate;
		if (m > left ||
		    batches + 1 + ceil_div(k + 1, ADS_GRAPH_BATCH_MAX) >
		            b.requests - own ||
		    t_batches > (double)(left - m) * 1000.0 / v)
			break;
		if (t_batches <= (double)m * 1000.0 / v)
			best = k + 1;
	}
	return best;
}

/* Cancels the chosen sets and settles what they did not start. */
static int move_tail(struct ads_apply_async *a, size_t *moved,
                     struct ads_error *err)
{
	struct aset **w = xcalloc(a->nsets ? a->nsets : 1, sizeof(*w));
	size_t n = choose(a, w), unstarted = 0, before = a->pending;
	int rc = 0;

	if (!n)
		goto out;
	for (size_t k = 0; k < n; k++)
		unstarted += w[k]->initial;
	ads_report(a->cfg.reporter, ADS_REPORT_INFO,
	           "async request sets are slow (%zu ads left): cancelling "
	           "%zu set%s to send %zu ads in batches",
	           remaining(a), n, n == 1 ? "" : "s", unstarted);
	rc = cancel_sets(a, w, n, err);
	if (rc)
		goto out;
	/* The cancelled ones are read at once, without waiting: what was
	 * running when the cancel came stays open, polled as before. */
	n = 0;
	for (size_t k = 0; k < a->nsets; k++)
		if (a->sets[k].cancelled && is_open(&a->sets[k]) &&
		    !a->sets[k].complete)
			w[n++] = &a->sets[k];
	if (n)
		rc = read_sets(a, w, n, err);
	*moved = before - a->pending;
out:
	free(w);
	return rc;
}

/* --- waiting ------------------------------------------------------------ */

/* The open sets took too long: cancel them, then give them up. */
static void time_out(struct ads_apply_async *a, int64_t now,
                     struct ads_error *err, int *rc)
{
	struct aset **w = xcalloc(a->nsets ? a->nsets : 1, sizeof(*w));
	size_t n = 0;

	for (size_t k = 0; k < a->nsets; k++)
		if (is_open(&a->sets[k]) && !a->sets[k].complete)
			w[n++] = &a->sets[k];
	if (!a->timed_out) {
		ads_report(a->cfg.reporter, ADS_REPORT_WARNING,
		           "%zu async request set%s %s taking long: "
		           "cancelling what %s not started",
		           n, n == 1 ? "" : "s", n == 1 ? "is" : "are",
		           n == 1 ? "it has" : "they have");
		a->timed_out = true;
		a->deadline = now + CANCEL_WAIT_MS;
		*rc = cancel_sets(a, w, n, err);
	} else {
		for (size_t k = 0; k < n; k++) {
			settle_rest(a, w[k], false);
			w[k]->closed = true;
		}
	}
	free(w);
}

int ads_apply_async_wait(struct ads_apply_async *a, size_t *moved,
                         struct ads_error *err)
{
	struct aset **w = xcalloc(a->nsets ? a->nsets : 1, sizeof(*w));
	int rc = 0;

	*moved = 0;
	for (;;) {
		size_t n = 0, open = 0;
		int64_t now;

		for (size_t k = 0; k < a->nsets; k++) {
			struct aset *s = &a->sets[k];

			if (!is_open(s))
				continue;
			open++;
			if (s->complete)
				w[n++] = s;
		}
		if (!open)
			break;
		if (n == open) {
			size_t j = 0;

			/* everything is done: one read for all (the sets a
			 * killed run left have no items here) */
			for (size_t k = 0; k < n; k++)
				if (w[k]->n)
					w[j++] = w[k];
				else
					w[k]->closed = true;
			rc = read_sets(a, w, j, err);
			if (rc)
				break;
			continue;
		}
		now = ads_graph_now(a->cfg.g);
		rc = poll_sets(a, a->next_poll - now, err);
		if (rc)
			break;
		now = ads_graph_now(a->cfg.g);
		if (a->failures >= POLL_FAILURES) {
			/* nothing is known of the open sets: their ads are
			 * never sent again in this run */
			for (size_t k = 0; k < a->nsets; k++)
				if (is_open(&a->sets[k])) {
					settle_rest(a, &a->sets[k], false);
					a->sets[k].closed = true;
				}
			break;
		}
		observe(a, now);
		if (now >= a->deadline) {
			time_out(a, now, err, &rc);
		} else {
			rc = move_tail(a, moved, err);
		}
		schedule(a, ads_graph_now(a->cfg.g));
		if (a->failures)
			a->next_poll = now + a->poll.first_ms;
		if (rc || *moved)
			break;
	}
	free(w);
	return rc;
}

void ads_apply_async_abandon(struct ads_apply_async *a)
{
	if (!a)
		return;
	for (size_t k = 0; k < a->nsets; k++) {
		struct aset *s = &a->sets[k];

		if (!is_open(s))
			continue;
		for (size_t i = s->first; i < s->first + s->n; i++)
			settlef(a, i, ADS_GRAPH_UNKNOWN, false, s, ADS_EUNKNOWN,
			        "the run stopped before async request set %s "
			        "said what became of it; the next apply waits "
			        "for it",
			        s->id);
		s->closed = true;
	}
}

int ads_apply_async_unfinished(struct ads_strvec *ids, struct ads_graph *g,
                               const char *account, const char *prefix,
                               struct ads_error *err)
{
	json_t *sets = NULL, *s;
	size_t i;
	int rc = list_sets(&sets, g, account, err);

	if (rc)
		return rc;
	json_array_foreach(sets, i, s) {
		const char *name = ads_json_str(s, "name");
		const char *id = ads_json_str(s, "id");

		if (name && id && ads_starts_with(name, prefix) &&
		    !truthy(json_object_get(s, "is_completed")))
			ads_strvec_push(ids, id);
	}
	json_decref(sets);
	return 0;
}

int ads_apply_async_settle(size_t *n, struct ads_graph *g, const char *account,
                           const char *prefix,
                           const struct ads_graph_async_poll *poll,
                           const struct ads_reporter *reporter,
                           struct ads_error *err)
{
	struct ads_apply_async_config cfg = {
		.g = g,
		.account = account,
		.poll = poll,
		.reporter = reporter,
	};
	struct ads_apply_async *a;
	struct aset **w;
	json_t *sets = NULL, *s;
	size_t i, moved;
	int rc;

	*n = 0;
	rc = list_sets(&sets, g, account, err);
	if (rc)
		return rc;
	a = ads_apply_async_new(&cfg);
	json_array_foreach(sets, i, s) {
		const char *name = ads_json_str(s, "name");
		const char *id = ads_json_str(s, "id");
		struct aset *x;

		if (!name || !id || !ads_starts_with(name, prefix) ||
		    truthy(json_object_get(s, "is_completed")))
			continue;
		ADS_ALLOC_GROW(a->sets, a->nsets + 1, a->alloc_sets);
		x = &a->sets[a->nsets++];
		memset(x, 0, sizeof(*x));
		x->name = xstrdup(name);
		x->id = xstrdup(id);
	}
	json_decref(sets);
	*n = a->nsets;
	if (a->nsets) {
		ads_report(reporter, ADS_REPORT_INFO,
		           "waiting for %zu async request set%s that an "
		           "earlier apply left running",
		           a->nsets, a->nsets == 1 ? "" : "s");
		/* Unprocessed requests are cancelled: the plan made next
		 * decides what to create. Then all are polled together,
		 * the first time at once. */
		w = xcalloc(a->nsets, sizeof(*w));
		for (i = 0; i < a->nsets; i++)
			w[i] = &a->sets[i];
		rc = cancel_sets(a, w, a->nsets, err);
		free(w);
		a->tp = a->next_poll = ads_graph_now(g);
		a->interval = a->poll.first_ms;
		a->deadline = a->tp + a->poll.timeout_ms;
		if (!rc)
			rc = ads_apply_async_wait(a, &moved, err);
	}
	ads_apply_async_free(a);
	return rc;
}
