/*
 * Label and marker lookups for unknown outcomes (lookup.h): filtered list
 * reads of the account's edges, all queued before the client runs so they
 * share batches and connections, then an exact match on the answers (a
 * filter is a hint; identity is decided here).
 */
#include "apply/lookup.h"

#include <stdlib.h>
#include <string.h>

#include "graph/read.h"
#include "live/live.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/xalloc.h"

const char *ads_apply_kind_edge(enum ads_kind kind)
{
	switch (kind) {
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

struct read {
	json_t *items;
	struct ads_error err;
	bool done;
};

static void read_done(void *ctx, const struct ads_error *err)
{
	struct read *r = ctx;

	r->done = true;
	if (err)
		ads_error_copy(&r->err, err);
}

/* Adds id to out[key] once. */
static void add_id(json_t *out, const char *key, const char *id)
{
	json_t *ids = json_object_get(out, key);
	size_t i;
	json_t *v;

	if (!ids) {
		ids = json_array();
		json_object_set_new(out, key, ids);
	}
	json_array_foreach(ids, i, v)
		if (!strcmp(json_string_value(v), id))
			return;
	json_array_append_new(ids, json_string(id));
}

static const char *id_of(const json_t *o)
{
	return ads_json_str(o, "id");
}

static bool has_label(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Adds the ids of items carrying one of the labels in found (keys). */
static void match(json_t *found, const json_t *items)
{
	size_t k, l;
	json_t *o, *lab;

	json_array_foreach(items, k, o) {
		json_t *al = json_object_get(o, "adlabels");

		if (!id_of(o))
			continue;
		/* {"data": [...]} when read as an edge; a list otherwise */
		if (json_is_object(al))
			al = json_object_get(al, "data");
		json_array_foreach(al, l, lab) {
			const char *name = ads_json_str(lab, "name");

			if (name && json_object_get(found, name))
				add_id(found, name, id_of(o));
		}
	}
}

/*
 * Reads path with one list per chunk of labels (filtered), or the whole
 * edge (labels NULL), all in one run of the client; appends to items.
 */
static int read_edge(json_t *items, struct ads_graph *g, const char *path,
                     const char *const *labels, size_t n, struct ads_error *err)
{
	size_t nreads = labels ? (n + ADS_APPLY_LOOKUP_CHUNK - 1) /
	                                 ADS_APPLY_LOOKUP_CHUNK
	                       : 1;
	struct read *reads = xcalloc(nreads ? nreads : 1, sizeof(*reads));
	int ret = 0, rrc;

	for (size_t i = 0; i < nreads && !ret; i++) {
		struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;

		ads_graph_params_set(&p, "fields", "id,adlabels");
		if (labels) {
			json_t *value = json_array(), *filter;

			for (size_t j = i * ADS_APPLY_LOOKUP_CHUNK;
			     j < n && j < (i + 1) * ADS_APPLY_LOOKUP_CHUNK; j++)
				json_array_append_new(value,
				                      json_string(labels[j]));
			filter = json_pack("[{s:s,s:s,s:o}]", "field",
			                   "adlabels", "operator", "ANY",
			                   "value", value);
			ads_graph_params_set_json(&p, "filtering", filter);
			json_decref(filter);
		}
		reads[i].items = json_array();
		ret = ads_graph_list_submit(g, path, &p, reads[i].items,
		                            read_done, &reads[i], err);
		ads_graph_params_release(&p);
	}
	/* Run even after a failed submit: what was queued must finish. */
	rrc = ads_graph_run(g, ret ? NULL : err);
	if (!ret)
		ret = rrc;
	for (size_t i = 0; i < nreads; i++) {
		if (!ret && ads_error_is_set(&reads[i].err)) {
			ads_error_copy(err, &reads[i].err);
			ret = reads[i].err.code ? (int)reads[i].err.code
			                        : ADS_ERROR;
		}
		if (!ret)
			json_array_extend(items, reads[i].items);
		json_decref(reads[i].items);
		ads_error_release(&reads[i].err);
	}
	free(reads);
	return ret;
}

int ads_apply_lookup_labels(json_t **out, struct ads_graph *g,
                            const char *account, enum ads_kind kind,
                            const char *const *labels, size_t n,
                            const char *canary, const char *canary_id,
                            struct ads_error *err)
{
	char *path = NULL;
	json_t *found = json_object(), *items = json_array();
	const char **asked = xcalloc(n + 1, sizeof(*asked));
	size_t nasked = 0;
	bool trusted = false;
	int ret = 0;

	if (kind != ADS_KIND_CAMPAIGN && kind != ADS_KIND_AD_SET &&
	    kind != ADS_KIND_AD && kind != ADS_KIND_CREATIVE) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "%s carry no ad labels to look up",
		                    ads_kind_name(kind));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (json_object_get(found, labels[i]))
			continue;
		json_object_set_new(found, labels[i], json_array());
		asked[nasked++] = labels[i];
	}
	if (canary && !json_object_get(found, canary)) {
		json_object_set_new(found, canary, json_array());
		asked[nasked++] = canary;
	}
	path = xasprintf("%s/%s", account, ads_apply_kind_edge(kind));
	ret = read_edge(items, g, path, asked, nasked, err);
	if (ret)
		goto out;
	match(found, items);
	/*
	 * Filtering edges by label is how Meta's insights work, not a
	 * documented promise for edges (api-semantics §7.4): a filter that
	 * matched nothing could make apply create a duplicate. The canary,
	 * an object of this run known to carry its label, proves the filter;
	 * without one, or when it is not found, the whole edge is read.
	 */
	if (canary) {
		json_t *ids = json_object_get(found, canary);

		for (size_t i = 0; i < json_array_size(ids); i++)
			trusted |= !strcmp(
			        json_string_value(json_array_get(ids, i)),
			        canary_id);
	}
	if (!trusted) {
		const char *k;
		json_t *v;

		json_array_clear(items);
		json_object_foreach(found, k, v)
			json_array_clear(v);
		ret = read_edge(items, g, path, NULL, 0, err);
		if (ret)
			goto out;
		match(found, items);
	}
	if (canary && !has_label(labels, n, canary))
		json_object_del(found, canary);
	*out = found;
	found = NULL;
out:
	free(asked);
	free(path);
	json_decref(items);
	json_decref(found);
	return ret;
}

int ads_apply_lookup_audiences(json_t **out, struct ads_graph *g,
                               const char *account, const char *stack,
                               struct ads_error *err)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	char *path = xasprintf("%s/customaudiences", account);
	json_t *items = NULL, *found, *o;
	size_t i;
	int ret;

	ads_graph_params_set(&p, "fields", "id,description");
	ret = ads_graph_list(&items, g, path, &p, err);
	ads_graph_params_release(&p);
	free(path);
	if (ret)
		return ret;
	found = json_object();
	json_array_foreach(items, i, o) {
		const char *desc = ads_json_str(o, "description");
		char *mstack = NULL, *addr = NULL, members[65];

		if (!desc || !id_of(o) ||
		    !ads_live_parse_marker(desc, &mstack, &addr, members, NULL))
			continue;
		if (!strcmp(mstack, stack))
			add_id(found, addr, id_of(o));
		free(mstack);
		free(addr);
	}
	json_decref(items);
	*out = found;
	return 0;
}
