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

int ads_apply_lookup_labels(json_t **out, struct ads_graph *g,
                            const char *account, enum ads_kind kind,
                            const char *const *labels, size_t n,
                            struct ads_error *err)
{
	const char *edge = ads_apply_kind_edge(kind);
	size_t nreads =
	        (n + ADS_APPLY_LOOKUP_CHUNK - 1) / ADS_APPLY_LOOKUP_CHUNK;
	struct read *reads = xcalloc(nreads ? nreads : 1, sizeof(*reads));
	char *path = NULL;
	json_t *found = json_object();
	int ret = 0;

	if (kind < ADS_KIND_AUDIENCE || kind == ADS_KIND_AUDIENCE) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "%s carry no ad labels to look up",
		                    ads_kind_name(kind));
		goto out;
	}
	path = xasprintf("%s/%s", account, edge);
	for (size_t i = 0; i < nreads; i++) {
		struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
		json_t *value = json_array();
		json_t *filter;

		for (size_t j = i * ADS_APPLY_LOOKUP_CHUNK;
		     j < n && j < (i + 1) * ADS_APPLY_LOOKUP_CHUNK; j++)
			json_array_append_new(value, json_string(labels[j]));
		filter = json_pack("[{s:s,s:s,s:o}]", "field", "adlabels",
		                   "operator", "ANY", "value", value);
		ads_graph_params_set(&p, "fields", "id,adlabels");
		ads_graph_params_set_json(&p, "filtering", filter);
		json_decref(filter);
		reads[i].items = json_array();
		ret = ads_graph_list_submit(g, path, &p, reads[i].items,
		                            read_done, &reads[i], err);
		ads_graph_params_release(&p);
		if (ret)
			break;
	}
	/* Run even after a failed submit: what was queued must finish. */
	{
		int rrc = ads_graph_run(g, ret ? NULL : err);

		if (!ret)
			ret = rrc;
	}
	for (size_t i = 0; i < nreads && !ret; i++) {
		if (ads_error_is_set(&reads[i].err)) {
			ads_error_copy(err, &reads[i].err);
			ret = reads[i].err.code ? (int)reads[i].err.code
			                        : ADS_ERROR;
		}
	}
	if (ret)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(found, labels[i]))
			json_object_set_new(found, labels[i], json_array());
	for (size_t i = 0; i < nreads; i++) {
		size_t k, l;
		json_t *o, *lab;

		json_array_foreach(reads[i].items, k, o) {
			json_t *al = json_object_get(o, "adlabels");

			if (!id_of(o))
				continue;
			/* Graph returns {"data": [...]} for edges read as
			 * fields; a plain list otherwise. */
			if (json_is_object(al))
				al = json_object_get(al, "data");
			json_array_foreach(al, l, lab) {
				const char *name = ads_json_str(lab, "name");

				if (name && json_object_get(found, name))
					add_id(found, name, id_of(o));
			}
		}
	}
	*out = found;
	found = NULL;
out:
	for (size_t i = 0; i < nreads; i++) {
		json_decref(reads[i].items);
		ads_error_release(&reads[i].err);
	}
	free(reads);
	free(path);
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
