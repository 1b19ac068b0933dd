/* Graph batch requests (see batch.h). */
#include "emulator/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define MAX_ITEMS      50 /* 003:L13406 */
#define MAX_AD_CREATES 10 /* 003:L17172 */

/* --- JSONPath references ------------------------------------------------ */

static void jp_collect(json_t *v, const char *path, struct ads_buf *out,
                       size_t *n)
{
	char seg[128];
	size_t len = 0;

	if (!*path) {
		char buf[256];

		if (json_is_string(v))
			snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld",
			         (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(buf, sizeof(buf), "%g", json_real_value(v));
		else if (json_is_boolean(v))
			snprintf(buf, sizeof(buf), "%s",
			         json_is_true(v) ? "true" : "false");
		else
			return;
		if ((*n)++)
			ads_buf_addch(out, ',');
		ads_buf_addstr(out, buf);
		return;
	}
	if (*path == '.')
		path++;
	while (path[len] && path[len] != '.' && path[len] != '[' &&
	       len < sizeof(seg) - 1) {
		seg[len] = path[len];
		len++;
	}
	seg[len] = '\0';
	path += len;
	if (*path == '[') {
		/* name[0] or [*] */
		const char *end = strchr(path, ']');
		json_t *base = len ? json_object_get(v, seg) : v;

		if (!end)
			return;
		if (path[1] == '*') {
			size_t i;
			json_t *e;

			json_array_foreach(base, i, e)
				jp_collect(e, end + 1, out, n);
		} else {
			jp_collect(json_array_get(base, (size_t)atol(path + 1)),
			           end + 1, out, n);
		}
		return;
	}
	if (!strcmp(seg, "*")) {
		if (json_is_array(v)) {
			size_t i;
			json_t *e;

			json_array_foreach(v, i, e)
				jp_collect(e, path, out, n);
		} else if (json_is_object(v)) {
			const char *k;
			json_t *e;

			json_object_foreach(v, k, e)
				jp_collect(e, path, out, n);
		}
		return;
	}
	if (json_is_object(v) && json_object_get(v, seg))
		jp_collect(json_object_get(v, seg), path, out, n);
}

static bool refs_in(const char *s, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(s, "{result="); p;
	     p = strstr(p + 1, "{result="))
		if (!strncmp(p + 8, name, n) && p[8 + n] == ':')
			return true;
	return false;
}

bool emu_refs_name(const char *s, const char *name)
{
	char *dec;
	bool r;

	if (refs_in(s, name))
		return true;
	/* references may arrive percent-encoded (003:L17347) */
	dec = xstrdup(s);
	ads_url_decode(dec, true);
	r = refs_in(dec, name);
	free(dec);
	return r;
}

void emu_parse_body_string(struct emu_params *p, const char *body)
{
	/* a body encoded once too often ("name%3DX%26a%3Db", 003:L17347)
	 * is decoded first */
	if (!strchr(body, '=') && strstr(body, "%3D")) {
		char *dec = xstrdup(body);

		ads_url_decode(dec, true);
		emu_params_parse_query(p, dec, strlen(dec));
		free(dec);
		return;
	}
	emu_params_parse_query(p, body, strlen(body));
}

bool emu_subst_params(struct emu_params *p, json_t *results, char **bad)
{
	for (size_t i = 0; i < p->nr; i++) {
		char *v;

		if (p->v[i].filename || !strstr(p->v[i].val, "{result="))
			continue;
		v = emu_subst_refs(p->v[i].val, results, bad);
		if (!v)
			return false;
		free(p->v[i].val);
		p->v[i].val = v;
		p->v[i].len = strlen(v);
	}
	return true;
}

char *emu_subst_refs(const char *s, json_t *results, char **bad)
{
	struct ads_buf out = ADS_BUF_INIT;
	const char *p = s;

	*bad = NULL;
	for (;;) {
		const char *r = strstr(p, "{result=");
		const char *colon, *end;
		char *name, *path;
		json_t *body;
		size_t n = 0;

		if (!r) {
			ads_buf_addstr(&out, p);
			break;
		}
		ads_buf_add(&out, p, (size_t)(r - p));
		colon = strchr(r + 8, ':');
		end = colon ? strchr(colon, '}') : NULL;
		if (!colon || !end) {
			*bad = xstrdup(r);
			ads_buf_release(&out);
			return NULL;
		}
		name = xstrndup(r + 8, (size_t)(colon - r - 8));
		path = xstrndup(colon + 1, (size_t)(end - colon - 1));
		body = json_object_get(results, name);
		if (body && path[0] == '$') {
			size_t before = out.len;

			jp_collect(body, path + 1, &out, &n);
			(void)before;
		}
		if (!body || !n) {
			*bad = xstrndup(r, (size_t)(end - r + 1));
			free(name);
			free(path);
			ads_buf_release(&out);
			return NULL;
		}
		free(name);
		free(path);
		p = end + 1;
	}
	return ads_buf_detach(&out, NULL);
}

/* --- items -----------------------------------------------------------------
 */

struct item {
	json_t *spec;
	const char *name;
	bool omit; /* omit_response_on_success, explicit or implied */
	bool referenced;
	enum { PENDING, OK, FAILED, NULLED } state;
};

static json_t *item_error(int code, const char *msg)
{
	json_t *body = json_pack("{s:{s:s,s:s,s:i,s:b}}", "error", "message",
	                         msg, "type", "OAuthException", "code", code,
	                         "is_transient", 0);
	char *text = json_dumps(body, JSON_COMPACT);
	json_t *item =
	        json_pack("{s:i,s:[{s:s,s:s}],s:s}", "code", 400, "headers",
	                  "name", "Content-Type", "value",
	                  "text/javascript; charset=UTF-8", "body", text);

	free(text);
	json_decref(body);
	return item;
}

/* Header strings "Name: value" or objects {name, value}. */
static char *if_none_match(json_t *headers)
{
	size_t i;
	json_t *h;

	json_array_foreach(headers, i, h) {
		const char *s = json_string_value(h);

		if (s && !strncasecmp(s, "If-None-Match:", 14)) {
			s += 14;
			while (*s == ' ')
				s++;
			return xstrdup(s);
		}
		if (json_is_object(h) && ads_json_str(h, "name") &&
		    !strcasecmp(ads_json_str(h, "name"), "If-None-Match") &&
		    ads_json_str(h, "value"))
			return xstrdup(ads_json_str(h, "value"));
	}
	return NULL;
}

/* The campaign an ad-set write in this item touches (store locked). */
static char *adset_campaign(struct emu_ctx *ctx, const struct emu_req *r)
{
	const char *slash = strchr(r->path, '/');
	char *out = NULL;

	if (!strcmp(r->method, "GET"))
		return NULL;
	if (slash && !strcmp(slash + 1, "adsets") &&
	    !strncmp(r->path, "act_", 4)) {
		const char *c = emu_params_get(&r->params, "campaign_id");

		return c ? xstrdup(c) : NULL;
	}
	if (!slash) {
		const struct emu_obj *o = emu_store_get(&ctx->store, r->path);

		if (o && o->kind == EMU_ADSET && o->parent)
			out = xstrdup(o->parent->id);
	}
	return out;
}

static bool is_ad_create(const struct emu_req *r)
{
	const char *slash = strchr(r->path, '/');

	return !strcmp(r->method, "POST") && slash &&
	       !strcmp(slash + 1, "ads") && !strncmp(r->path, "act_", 4);
}

/* Adds the files named by attached_files (string, list or object). */
static void attach_files(struct emu_req *r, const struct emu_req *outer,
                         json_t *att)
{
	struct ads_strvec names = ADS_STRVEC_INIT;

	if (json_is_string(att)) {
		ads_strvec_split(&names, json_string_value(att), ',');
	} else if (json_is_array(att)) {
		size_t i;
		json_t *v;

		json_array_foreach(att, i, v)
			if (json_is_string(v))
				ads_strvec_push(&names, json_string_value(v));
	} else if (json_is_object(att)) {
		const char *k;
		json_t *v;

		json_object_foreach(att, k, v)
			if (json_is_string(v))
				ads_strvec_push(&names, json_string_value(v));
	}
	for (size_t i = 0; i < names.nr; i++) {
		const struct emu_param_kv *f =
		        emu_params_file(&outer->params, names.v[i]);

		if (f)
			emu_params_add(&r->params, f->key, f->val, f->len,
			               f->filename);
	}
	ads_strvec_release(&names);
}

static json_t *item_response(struct emu_ctx *ctx, struct emu_resp *ir,
                             bool include_headers, bool omit_body)
{
	json_t *item = json_object();

	json_object_set_new(item, "code", json_integer(ir->status));
	if (include_headers) {
		struct ads_strvec names = ADS_STRVEC_INIT,
		                  values = ADS_STRVEC_INIT;
		json_t *hs = json_array();

		emu_limits_headers(&ctx->limits, ir->account, emu_now(ctx),
		                   &names, &values);
		json_array_append_new(hs, json_pack("{s:s,s:s}", "name",
		                                    "Content-Type", "value",
		                                    "text/javascript; "
		                                    "charset=UTF-8"));
		json_array_append_new(hs, json_pack("{s:s,s:s}", "name",
		                                    "Facebook-API-Version",
		                                    "value", "v25.0"));
		if (ir->etag)
			json_array_append_new(hs, json_pack("{s:s,s:s}", "name",
			                                    "ETag", "value",
			                                    ir->etag));
		for (size_t i = 0; i < names.nr; i++)
			json_array_append_new(hs, json_pack("{s:s,s:s}", "name",
			                                    names.v[i], "value",
			                                    values.v[i]));
		json_object_set_new(item, "headers", hs);
		ads_strvec_release(&names);
		ads_strvec_release(&values);
	}
	if (ir->body && !omit_body) {
		size_t len;
		const char *text = emu_resp_text(ir, &len);

		/* jansson's own output: valid UTF-8, no need to check it */
		json_object_set_new(item, "body",
		                    json_stringn_nocheck(text, len));
	} else if (ir->raw) {
		json_object_set_new(item, "body", json_string(ir->raw));
	} else {
		json_object_set_new(item, "body", json_null());
	}
	return item;
}

void emu_batch(struct emu_ctx *ctx, const struct emu_req *req,
               struct emu_resp *resp)
{
	const char *raw = emu_params_get(&req->params, "batch");
	const char *ih = emu_params_get(&req->params, "include_headers");
	bool include_headers = !ih || (strcmp(ih, "false") && strcmp(ih, "0"));
	json_t *batch = raw ? json_loads(raw, 0, NULL) : NULL;
	json_t *out = NULL, *results = json_object();
	struct ads_strvec campaigns = ADS_STRVEC_INIT;
	struct item *items = NULL;
	size_t n, i, ad_creates = 0;
	json_t *spec;

	if (!json_is_array(batch)) {
		emu_resp_invalid(resp, "batch",
		                 "(#100) param batch must be a JSON array of "
		                 "requests");
		goto out;
	}
	n = json_array_size(batch);
	if (n > MAX_ITEMS) {
		struct emu_err e = { .code = 100,
			             .type = "GraphBatchException" };

		/* sdk-behaviors §1.1 (facepy's copy of the live message) */
		emu_resp_error(resp, &e,
		               "Too many requests in batch message. Maximum "
		               "batch size is %d",
		               MAX_ITEMS);
		goto out;
	}
	emu_limits_count(&ctx->limits, &ctx->limits.batch_requests, 1);
	emu_limits_count(&ctx->limits, &ctx->limits.batch_items, n);
	items = xcalloc(n + 1, sizeof(*items));
	json_array_foreach(batch, i, spec) {
		json_t *omit =
		        json_object_get(spec, "omit_response_on_success");

		items[i].spec = spec;
		items[i].name = ads_json_str(spec, "name");
		items[i].omit = !json_is_false(omit) && !json_is_null(omit);
		if (!omit)
			items[i].omit = true;
	}
	/* a named item is "referenced" when a later one uses its result */
	for (i = 0; i < n; i++) {
		if (!items[i].name)
			continue;
		for (size_t j = i + 1; j < n; j++) {
			const char *u =
			        ads_json_str(items[j].spec, "relative_url");
			const char *b = ads_json_str(items[j].spec, "body");
			const char *d =
			        ads_json_str(items[j].spec, "depends_on");

			if ((u && emu_refs_name(u, items[i].name)) ||
			    (b && emu_refs_name(b, items[i].name)) ||
			    (d && !strcmp(d, items[i].name)))
				items[i].referenced = true;
		}
	}
	out = json_array();
	for (i = 0; i < n; i++) {
		json_t *s = items[i].spec;
		const char *method = ads_json_str(s, "method");
		const char *url = ads_json_str(s, "relative_url");
		const char *body = ads_json_str(s, "body");
		const char *dep = ads_json_str(s, "depends_on");
		char *url2 = NULL, *body2 = NULL, *bad = NULL;
		struct emu_req ir;
		struct emu_resp irs;
		const char *q;
		bool null_dep = false, failed_dep = false;

		if (!json_is_object(s) || !url) {
			json_array_append_new(
			        out, item_error(100, "(#100) Each batch item "
			                             "needs a relative_url"));
			items[i].state = FAILED;
			continue;
		}
		/* dependencies: explicit depends_on and {result=} names */
		for (size_t j = 0; j < i; j++) {
			bool uses =
			        items[j].name &&
			        ((dep && !strcmp(dep, items[j].name)) ||
			         emu_refs_name(url, items[j].name) ||
			         (body && emu_refs_name(body, items[j].name)));

			if (!uses)
				continue;
			if (items[j].state == NULLED)
				null_dep = true;
			else if (items[j].state == FAILED)
				failed_dep = true;
		}
		if (dep) {
			bool found = false;

			for (size_t j = 0; j < i; j++)
				if (items[j].name &&
				    !strcmp(items[j].name, dep))
					found = true;
			if (!found)
				failed_dep = true;
		}
		if (null_dep) {
			/* the parent timed out, so this never ran */
			json_array_append_new(out, json_null());
			items[i].state = NULLED;
			continue;
		}
		if (failed_dep) {
			char msg[256];

			snprintf(
			        msg, sizeof(msg),
			        "(#100) This request depends on a request that "
			        "failed or does not exist (%s)",
			        dep ? dep : "a {result=} reference");
			json_array_append_new(out, item_error(100, msg));
			items[i].state = FAILED;
			continue;
		}
		url2 = emu_subst_refs(url, results, &bad);
		if (url2 && body) {
			body2 = emu_subst_refs(body, results, &bad);
		}
		if (!url2 || (body && !body2)) {
			char msg[320];

			snprintf(msg, sizeof(msg),
			         "(#100) Cannot resolve the reference %.200s",
			         bad ? bad : "");
			json_array_append_new(out, item_error(100, msg));
			items[i].state = FAILED;
			free(url2);
			free(body2);
			free(bad);
			continue;
		}
		emu_req_init(&ir);
		emu_resp_init(&irs);
		ir.origin = EMU_FROM_BATCH;
		ir.method = method && !strcasecmp(method, "POST")     ? "POST"
		            : method && !strcasecmp(method, "DELETE") ? "DELETE"
		            : method && !strcasecmp(method, "PUT")    ? "POST"
		                                                      : "GET";
		q = strchr(url2, '?');
		{
			char *path = xstrndup(url2, q ? (size_t)(q - url2)
			                              : strlen(url2));

			ads_url_decode(path, false);
			emu_req_set_path(&ir, path);
			free(path);
		}
		if (q)
			emu_params_parse_query(&ir.params, q + 1,
			                       strlen(q + 1));
		if (body2)
			emu_parse_body_string(&ir.params, body2);
		if (strstr(ir.path, "{result=")) {
			char *np = emu_subst_refs(ir.path, results, &bad);

			if (np) {
				free(ir.path);
				ir.path = np;
			}
		}
		if (bad || !emu_subst_params(&ir.params, results, &bad)) {
			char msg[320];

			snprintf(msg, sizeof(msg),
			         "(#100) Cannot resolve the reference %.200s",
			         bad ? bad : "");
			json_array_append_new(out, item_error(100, msg));
			items[i].state = FAILED;
			free(bad);
			emu_req_release(&ir);
			emu_resp_release(&irs);
			free(url2);
			free(body2);
			continue;
		}
		attach_files(&ir, req, json_object_get(s, "attached_files"));
		if (!json_object_get(s, "attached_files"))
			attach_files(&ir, req,
			             json_object_get(s, "attachedFiles"));
		ir.if_none_match = if_none_match(json_object_get(s, "headers"));
		/* per-item token, falling back on the top-level one */
		ir.token = xstrdup(
		        emu_params_get(&ir.params, "access_token")
		                ? emu_params_get(&ir.params, "access_token")
		                : req->token);
		if (emu_params_get(&ir.params, "access_token") &&
		    !emu_graph_auth(
		            ctx, ir.token,
		            emu_params_get(&ir.params, "appsecret_proof")
		                    ? emu_params_get(&ir.params,
		                                     "appsecret_proof")
		                    : emu_params_get(&req->params,
		                                     "appsecret_proof"),
		            &irs)) {
			emu_limits_call(&ctx->limits, "batch item (auth)");
		} else {
			char *camp;

			pthread_rwlock_rdlock(&ctx->store.lock);
			camp = adset_campaign(ctx, &ir);
			pthread_rwlock_unlock(&ctx->store.lock);
			if (camp && ads_strvec_contains(&campaigns, camp)) {
				/* 003:L13408 */
				emu_limits_call(&ctx->limits,
				                "batch item (refused)");
				emu_resp_invalid(
				        &irs, "campaign_id",
				        "(#100) Batch requests cannot "
				        "include multiple Adsets under the "
				        "same Campaign (%s)",
				        camp);
			} else if (is_ad_create(&ir) &&
			           ++ad_creates > MAX_AD_CREATES) {
				/* 003:L17172 */
				emu_limits_call(&ctx->limits,
				                "batch item (refused)");
				emu_resp_invalid(
				        &irs, NULL,
				        "(#100) Too many ad creations in one "
				        "batch: at most %d ads may be "
				        "created per batch request",
				        MAX_AD_CREATES);
			} else {
				if (camp)
					ads_strvec_push(&campaigns, camp);
				emu_graph_call(ctx, &ir, &irs);
			}
			free(camp);
		}
		if (irs.null_item || irs.drop) {
			json_array_append_new(out, json_null());
			items[i].state = NULLED;
		} else {
			bool ok = irs.status < 400;
			bool omit = ok && items[i].referenced && items[i].omit;

			items[i].state = ok ? OK : FAILED;
			if (ok && items[i].name && irs.body)
				json_object_set(results, items[i].name,
				                irs.body);
			if (omit)
				json_array_append_new(out, json_null());
			else
				json_array_append_new(
				        out,
				        item_response(ctx, &irs,
				                      include_headers, false));
		}
		emu_req_release(&ir);
		emu_resp_release(&irs);
		free(url2);
		free(body2);
	}
	emu_resp_json(resp, 200, out);
	out = NULL;
out:
	json_decref(batch);
	json_decref(out);
	json_decref(results);
	ads_strvec_release(&campaigns);
	free(items);
}
