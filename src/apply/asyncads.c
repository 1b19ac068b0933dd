/*
 * Async ad request sets for apply (asyncads.h): create the sets, find a
 * set again by name when its create got no answer, wait for all of them
 * in one run of the client, and map each request back to its ad by the
 * ad label in its input.
 */
#include "apply/asyncads.h"

#include <stdint.h>
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
/* After a wait timed out and the set was cancelled: how long more. */
#define CANCEL_WAIT_MS (10 * 60 * 1000)

void ads_apply_async_item_release(struct ads_apply_async_item *it)
{
	free(it->id);
	it->id = NULL;
	ads_error_release(&it->err);
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

struct chunk {
	size_t first, n; /* items[first .. first + n) */
	char *name;
	char *set_id;
	struct ads_graph_async_set set;
	struct ads_error err; /* create or wait failure */
	int rc;
	bool waited;
};

static void chunk_waited(void *ctx, const struct ads_error *err)
{
	struct chunk *c = ctx;

	c->waited = true;
	if (err) {
		ads_error_copy(&c->err, err);
		c->rc = err->code ? (int)err->code : ADS_ERROR;
	}
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

static void set_outcome(struct ads_apply_async_item *it,
                        enum ads_graph_outcome o, const struct ads_error *e)
{
	ads_error_release(&it->err);
	it->outcome = o;
	it->final = false;
	if (e && o != ADS_GRAPH_OK)
		ads_error_copy(&it->err, e);
}

static void map_results(struct ads_apply_async_item *items, struct chunk *c)
{
	struct ads_map by_label = ADS_MAP_INIT;

	for (size_t i = c->first; i < c->first + c->n; i++)
		ads_map_put(&by_label, items[i].label, &items[i]);
	for (size_t r = 0; r < c->set.nr; r++) {
		struct ads_graph_async_request *q = &c->set.v[r];
		struct ads_strvec labels = ADS_STRVEC_INIT;

		input_labels(&labels, q->input);
		for (size_t l = 0; l < labels.nr; l++) {
			struct ads_apply_async_item *it =
			        ads_map_get(&by_label, labels.v[l]);

			if (!it)
				continue;
			set_outcome(it, q->outcome, &q->err);
			it->final = true; /* the set is complete */
			if (q->outcome == ADS_GRAPH_OK) {
				free(it->id);
				it->id = xstrdup(q->object_id);
			}
			break;
		}
		ads_strvec_release(&labels);
	}
	ads_map_release(&by_label, NULL);
}

/*
 * Creates the sets of every chunk in one batch request (graph/write.h): a
 * create whose answer is lost is looked for by name before it is sent
 * again, like every other create of apply. Sets c[k].set_id, or c[k].rc
 * and c[k].err. Returns ADS_EINTR or ADS_EAUTH when the run stopped.
 */
static int create_sets(struct chunk *c, size_t nchunks,
                       struct ads_apply_async_item *items, struct ads_graph *g,
                       const char *account, const struct ads_reporter *reporter)
{
	struct ads_graph_writes *w = ads_graph_writes_new(g);
	struct ads_graph_op **ops = xcalloc(nchunks, sizeof(*ops));
	char *path = account_path(account, "asyncadrequestsets");
	int rc = 0;

	for (size_t k = 0; k < nchunks; k++) {
		struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
		struct ads_graph_op_spec spec = {
			.method = "POST",
			.path = path,
			.params = &p,
			.create = true,
		};
		json_t *specs = json_array();

		for (size_t i = c[k].first; i < c[k].first + c[k].n; i++)
			json_array_append(specs, items[i].spec);
		ads_graph_params_set(&p, "name", c[k].name);
		ads_graph_params_set_json(&p, "ad_specs", specs);
		ads_graph_params_set(&p, "notification_mode", "OFF");
		json_decref(specs);
		if (ads_graph_writes_add(&ops[k], w, &spec, &c[k].err))
			c[k].rc = c[k].err.code;
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
		for (size_t k = 0; k < nchunks; k++)
			unknown |= ops[k] && ads_graph_op_outcome(ops[k]) ==
			                             ADS_GRAPH_UNKNOWN;
		if (!unknown || round == SET_CREATES)
			break;
		/* Lost answers: the sets may exist. Never a second one. */
		lrc = list_sets(&sets, g, account, &e);
		if (lrc) {
			if (lrc == ADS_EINTR || lrc == ADS_EAUTH)
				rc = lrc;
			ads_error_release(&e);
			break;
		}
		for (size_t k = 0; k < nchunks; k++) {
			const char *id = NULL;
			json_t *set;
			size_t i;

			if (!ops[k] ||
			    ads_graph_op_outcome(ops[k]) != ADS_GRAPH_UNKNOWN)
				continue;
			json_array_foreach(sets, i, set) {
				const char *name = ads_json_str(set, "name");

				if (name && !strcmp(name, c[k].name))
					id = ads_json_str(set, "id");
			}
			if (id) {
				ads_report(reporter, ADS_REPORT_INFO,
				           "async request set %s was created "
				           "though its answer was lost",
				           c[k].name);
				ads_graph_op_resolve(ops[k], id);
			} else {
				ads_graph_op_reset(ops[k]);
			}
		}
		json_decref(sets);
	}
	for (size_t k = 0; k < nchunks; k++) {
		if (!ops[k])
			continue;
		switch (ads_graph_op_outcome(ops[k])) {
		case ADS_GRAPH_OK:
			if (ads_graph_op_id(ops[k])) {
				c[k].set_id = xstrdup(ads_graph_op_id(ops[k]));
				break;
			}
			c[k].rc = ads_error_set(&c[k].err, ADS_EUNKNOWN,
			                        "async request set %s: the "
			                        "answer has no id",
			                        c[k].name);
			break;
		case ADS_GRAPH_UNKNOWN:
			/* cannot tell: its ads are never sent again */
			c[k].rc = ADS_EUNKNOWN;
			ads_error_copy(&c[k].err, ads_graph_op_error(ops[k]));
			break;
		case ADS_GRAPH_FAILED:
			c[k].rc = ADS_EAPI;
			ads_error_copy(&c[k].err, ads_graph_op_error(ops[k]));
			break;
		default:
			c[k].rc = rc ? rc : ADS_EINTR;
			ads_error_set(&c[k].err, ADS_EINTR,
			              "async request set %s: not sent",
			              c[k].name);
			break;
		}
	}
	ads_graph_writes_free(w);
	free(ops);
	free(path);
	return rc;
}

int ads_apply_async_ads(struct ads_apply_async_item *items, size_t n,
                        size_t max, struct ads_graph *g, const char *account,
                        const char *name_prefix,
                        const struct ads_graph_async_poll *poll, size_t *nsets,
                        const struct ads_reporter *reporter,
                        struct ads_error *err)
{
	size_t nchunks, made = 0;
	struct chunk *c;
	int rc = 0;

	if (!max || max > 1000)
		max = 1000;
	nchunks = (n + max - 1) / max;
	c = xcalloc(nchunks ? nchunks : 1, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		set_outcome(&items[i], ADS_GRAPH_SKIPPED, NULL);
		ads_error_set(&items[i].err, ADS_EINTR,
		              "not sent: the run stopped");
	}
	for (size_t k = 0; k < nchunks; k++) {
		c[k].first = k * max;
		c[k].n = n - c[k].first < max ? n - c[k].first : max;
		c[k].name = xasprintf("%s:%zu", name_prefix, k + 1);
	}
	rc = create_sets(c, nchunks, items, g, account, reporter);
	if (rc)
		ads_error_set(err, rc, "the run stopped");
	for (size_t k = 0; k < nchunks; k++) {
		int crc = c[k].rc;

		if (c[k].set_id) {
			made++;
			continue;
		}
		for (size_t i = c[k].first; i < c[k].first + c[k].n; i++)
			set_outcome(&items[i],
			            crc == ADS_EUNKNOWN ? ADS_GRAPH_UNKNOWN
			            : crc == ADS_EINTR || crc == ADS_EAUTH
			                    ? ADS_GRAPH_SKIPPED
			                    : ADS_GRAPH_FAILED,
			            &c[k].err);
	}
	if (nsets)
		*nsets = made;
	/* Every set made is waited for, even after an interrupt stopped the
	 * creates: the client finishes (or skips) what it has queued. */
	for (size_t k = 0; k < nchunks; k++) {
		struct ads_error e = ADS_ERROR_INIT;

		if (!c[k].set_id)
			continue;
		for (size_t i = c[k].first; i < c[k].first + c[k].n; i++) {
			set_outcome(&items[i], ADS_GRAPH_UNKNOWN, NULL);
			ads_error_set(&items[i].err, ADS_EUNKNOWN,
			              "async request set %s did not say what "
			              "became of it",
			              c[k].set_id);
		}
		if (rc)
			continue;
		if (ads_graph_async_wait_submit(g, c[k].set_id, poll, &c[k].set,
		                                chunk_waited, &c[k], &e))
			ads_error_move(&c[k].err, &e);
		ads_error_release(&e);
	}
	if (!rc) {
		rc = ads_graph_run(g, err);
		/* A set that took too long: cancel what it has not started,
		 * then wait for the rest. */
		for (size_t k = 0; k < nchunks && !rc; k++) {
			struct ads_graph_async_poll longer;
			struct ads_error e = ADS_ERROR_INIT;

			if (c[k].rc != ADS_EUNKNOWN || !c[k].set_id)
				continue;
			if (poll)
				longer = *poll;
			else
				ads_graph_async_poll_init(&longer);
			longer.timeout_ms = CANCEL_WAIT_MS;
			ads_report(reporter, ADS_REPORT_WARNING,
			           "async request set %s is taking long: "
			           "cancelling what it has not started",
			           c[k].set_id);
			ads_graph_delete(NULL, g, c[k].set_id, NULL, &e);
			ads_error_release(&e);
			ads_error_release(&c[k].err);
			c[k].rc = ads_graph_async_wait(
			        &c[k].set, g, c[k].set_id, &longer, &c[k].err);
			if (c[k].rc == ADS_EINTR || c[k].rc == ADS_EAUTH)
				rc = c[k].rc;
		}
	}
	for (size_t k = 0; k < nchunks; k++) {
		if (c[k].set_id && c[k].set.completed) {
			/* What the set did not answer for, it did not
			 * make: the label lookup is final. */
			for (size_t i = c[k].first; i < c[k].first + c[k].n;
			     i++)
				items[i].final = true;
			map_results(items, &c[k]);
		}
		free(c[k].name);
		free(c[k].set_id);
		ads_graph_async_set_release(&c[k].set);
		ads_error_release(&c[k].err);
	}
	free(c);
	return rc;
}

int ads_apply_async_settle(size_t *n, struct ads_graph *g, const char *account,
                           const char *prefix,
                           const struct ads_graph_async_poll *poll,
                           const struct ads_reporter *reporter,
                           struct ads_error *err)
{
	json_t *sets = NULL, *s;
	struct ads_strvec open = ADS_STRVEC_INIT;
	size_t i;
	int rc;

	*n = 0;
	rc = list_sets(&sets, g, account, err);
	if (rc)
		return rc;
	json_array_foreach(sets, i, s) {
		const char *name = ads_json_str(s, "name");
		const char *id = ads_json_str(s, "id");

		if (name && id && ads_starts_with(name, prefix) &&
		    !truthy(json_object_get(s, "is_completed")))
			ads_strvec_push(&open, id);
	}
	json_decref(sets);
	if (open.nr)
		ads_report(reporter, ADS_REPORT_INFO,
		           "waiting for %zu async request set%s that an "
		           "earlier apply left running",
		           open.nr, open.nr == 1 ? "" : "s");
	for (i = 0; i < open.nr && !rc; i++) {
		struct ads_graph_async_set set = ADS_GRAPH_ASYNC_SET_INIT;
		struct ads_error e = ADS_ERROR_INIT;

		/* Unprocessed requests are cancelled: the plan made next
		 * decides what to create. */
		ads_graph_delete(NULL, g, open.v[i], NULL, &e);
		ads_error_release(&e);
		rc = ads_graph_async_wait(&set, g, open.v[i], poll, err);
		ads_graph_async_set_release(&set);
	}
	*n = open.nr;
	ads_strvec_release(&open);
	return rc;
}
