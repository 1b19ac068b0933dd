/*
 * ads-plan-exec: executes a plan's steps one request at a time, in order,
 * against a Graph API (the emulator in tests). It is the test harness's
 * stand-in for apply: golden scenarios, the convergence test and the plan
 * benchmark use it to create objects exactly as the plan's steps say
 * (labels, PAUSED creates, placeholders, uploads), so that a following
 * plan must find nothing to do.
 *
 *   ads-plan-exec PLAN.json PROJECT_DIR API_URL [TOKEN]
 *
 * Placeholders {"ref": ADDRESS} are replaced by the ids the earlier steps'
 * creates returned. Images are sent as base64 `bytes`; member lists as
 * one usersreplace session of 10,000-row batches. Exits 0 when every
 * request succeeded, 1 otherwise (the failed request on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/client.h"
#include "manifest/project.h"
#include "model/members.h"
#include "model/model.h"
#include "plan/plan.h"
#include "graph/params.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define MEMBER_BATCH 10000

struct exec {
	struct ads_graph *g;
	const struct ads_model *m;
	const char *dir;
	struct ads_map ids; /* address -> id (owned) */
};

static json_t *lookup(void *ctx, const char *address)
{
	struct exec *x = ctx;
	const char *id = ads_map_get(&x->ids, address);

	return id ? json_string(id) : NULL;
}

struct members_upload {
	struct exec *x;
	const char *path;
	const struct ads_resource *r;
	json_t *rows;
	long seq;
	struct ads_error *err;
};

static int send_members(struct members_upload *u, bool last)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	json_t *payload = json_object(), *schema = json_array();
	int rc;

	for (size_t i = 0; i < u->r->members->columns.nr; i++)
		json_array_append_new(schema,
		                      json_string(u->r->members->columns.v[i]));
	json_object_set_new(payload, "schema", schema);
	json_object_set(payload, "data", u->rows);
	ads_graph_params_set_json(&p, "payload", payload);
	ads_graph_params_setf(&p, "session",
	                      "{\"session_id\":%ld,\"batch_seq\":%ld,"
	                      "\"last_batch_flag\":%s}",
	                      4242L, ++u->seq, last ? "true" : "false");
	rc = ads_graph_post(NULL, u->x->g, u->path, &p, 0, u->err);
	json_decref(payload);
	ads_graph_params_release(&p);
	json_array_clear(u->rows);
	return rc;
}

static int member_row(void *ctx, const char *const *values, size_t n)
{
	struct members_upload *u = ctx;
	json_t *row = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(row, json_string(values[i]));
	json_array_append_new(u->rows, row);
	if (json_array_size(u->rows) == MEMBER_BATCH)
		return send_members(u, false);
	return 0;
}

static int upload_members(struct exec *x, const char *path,
                          const struct ads_plan_request *q,
                          struct ads_error *err)
{
	struct members_upload u = { .x = x, .path = path, .err = err };
	int rc;

	for (size_t i = 0; i < x->m->nr && !u.r; i++)
		if (x->m->order[i]->members &&
		    !strcmp(x->m->order[i]->members->digest, q->digest))
			u.r = x->m->order[i];
	if (!u.r)
		return ads_error_set(err, ADS_ENOTFOUND,
		                     "no member list with digest %s",
		                     q->digest);
	u.rows = json_array();
	rc = ads_members_foreach(x->m, u.r, member_row, &u, err);
	if (!rc)
		rc = send_members(&u, true);
	json_decref(u.rows);
	return rc;
}

static int run_request(struct exec *x, const struct ads_plan_step *s,
                       const struct ads_plan_request *q, struct ads_error *err)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	char *path = NULL;
	json_t *params = NULL, *out = NULL;
	int rc;

	rc = ads_plan_request_resolve(&path, &params, q, lookup, x, err);
	if (rc)
		return rc;
	if (q->upload == ADS_UPLOAD_MEMBERS) {
		rc = upload_members(x, path, q, err);
		goto out;
	}
	ads_graph_params_set_object(&p, params);
	if (q->upload == ADS_UPLOAD_IMAGE) {
		struct ads_buf data = ADS_BUF_INIT, b64 = ADS_BUF_INIT;
		char *file = ads_path_join(x->dir, q->file);

		rc = ads_read_file(&data, file, 0, err);
		free(file);
		if (rc)
			goto out;
		ads_base64_encode(&b64, data.buf, data.len);
		ads_graph_params_set(&p, "bytes", b64.buf);
		ads_buf_release(&data);
		ads_buf_release(&b64);
	} else if (q->upload != ADS_UPLOAD_NONE) {
		rc = ads_error_set(err, ADS_EINVALID,
		                   "ads-plan-exec cannot upload %s files",
		                   ads_upload_name(q->upload));
		goto out;
	}
	if (!strcmp(q->method, "DELETE"))
		rc = ads_graph_delete(&out, x->g, path, &p, err);
	else
		rc = ads_graph_post(&out, x->g, path, &p, 0, err);
	if (rc)
		goto out;
	/* the first create of a create or replace step names the object */
	if ((s->action == ADS_ACTION_CREATE ||
	     s->action == ADS_ACTION_REPLACE) &&
	    json_is_string(q->path) && ads_starts_with(path, "act_") &&
	    !ads_map_has(&x->ids, s->address)) {
		const char *id = ads_json_str(out, "id");

		if (!id && s->kind == ADS_KIND_IMAGE)
			id = q->digest;
		if (id)
			ads_map_put(&x->ids, s->address, xstrdup(id));
	}
out:
	if (rc)
		ads_error_prefix(err, "%s %s %s", ads_action_name(s->action),
		                 s->address, path);
	json_decref(out);
	json_decref(params);
	free(path);
	ads_graph_params_release(&p);
	return rc;
}

int main(int argc, char **argv)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_diags diags = ADS_DIAGS_INIT;
	struct ads_source src;
	struct ads_project *project = NULL;
	struct ads_model *m = NULL;
	struct ads_plan *plan = NULL;
	struct ads_graph_config cfg;
	struct exec x = { 0 };
	json_t *doc = NULL;
	const char *token = argc > 4 ? argv[4] : "test-token";
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: ads-plan-exec PLAN.json PROJECT_DIR "
		                "API_URL [TOKEN]\n");
		return 64;
	}
	x.dir = argv[2];
	ads_map_init(&x.ids);
	rc = ads_json_load_file(&doc, argv[1], 0, &err);
	if (!rc)
		rc = ads_plan_from_json(&plan, doc, &err);
	ads_source_fs(&src, x.dir);
	if (!rc)
		rc = ads_project_load(&project, x.dir, &src, &diags, &err);
	if (!rc)
		rc = ads_model_build(&m, project, NULL, &diags, &err);
	if (!rc) {
		x.m = m;
		ads_graph_config_init(&cfg);
		cfg.api_url = argv[3];
		cfg.api_version =
		        plan->api_version ? plan->api_version : "v25.0";
		cfg.access_token = token;
		cfg.account = plan->account;
		rc = ads_graph_new(&x.g, &cfg, &err);
	}
	for (size_t i = 0; !rc && i < plan->nsteps; i++) {
		const struct ads_plan_step *s = &plan->steps[i];

		for (size_t j = 0; !rc && j < s->nrequests; j++)
			rc = run_request(&x, s, &s->requests[j], &err);
	}
	if (rc)
		fprintf(stderr, "ads-plan-exec: %s%s\n",
		        err.msg ? err.msg : "failed",
		        diags.nerrors ? " (the manifests are invalid)" : "");
	ads_graph_free(x.g);
	ads_map_release(&x.ids, free);
	ads_plan_free(plan);
	ads_model_free(m);
	ads_project_free(project);
	ads_diags_release(&diags);
	json_decref(doc);
	ads_error_release(&err);
	return rc ? 1 : 0;
}
