/*
 * Fuzz target for everything src/graph/ reads from the network: response
 * bodies, Graph error objects, batch responses and their items, pages,
 * async request objects, usage headers, paging links' query strings,
 * batch references and the redaction of secrets. No input may crash,
 * leak or read out of bounds.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph/async.h"
#include "graph/decode.h"
#include "graph/params.h"
#include "graph/ratelimit.h"
#include "graph/secret.h"
#include "util/buf.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool any_ref(void *ctx, struct ads_buf *out, const char *name,
                    const char *path, const char *ref, size_t reflen)
{
	(void)name;
	(void)ref;
	(void)reflen;
	return ads_graph_jsonpath(out, ctx, path) >= 0;
}

static void decode_json(const json_t *v, long status)
{
	struct ads_graph_batch_item *items = NULL;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf b = ADS_BUF_INIT;
	json_t *data, *el;
	const char *next, *after;
	size_t i, n = json_array_size(v);

	if (!ads_graph_decode_page(v, &data, &next, &after, &err))
		(void)json_array_size(data);
	ads_error_release(&err);
	for (size_t extra = 0; extra < 2; extra++) {
		if (!ads_graph_decode_batch(&items, n + extra, v, "fuzz",
		                            &err)) {
			for (i = 0; i < n + extra; i++)
				(void)ads_graph_classify(&items[i].err);
			ads_graph_batch_items_free(items, n + extra);
		}
		ads_error_release(&err);
	}
	ads_graph_error_from_json(&err, json_object_get(v, "error"), status,
	                          NULL);
	(void)ads_graph_classify(&err);
	ads_error_release(&err);
	json_array_foreach(v, i, el) {
		struct ads_graph_async_request r;

		ads_graph_async_decode_request(&r, el);
		ads_graph_async_request_release(&r);
	}
	if (json_is_object(v)) {
		struct ads_graph_async_request r;

		ads_graph_async_decode_request(&r, v);
		ads_graph_async_request_release(&r);
	}
	ads_graph_jsonpath(&b, v, "$.id");
	ads_graph_jsonpath(&b, v, "$.data.*.id");
	ads_graph_jsonpath(&b, v, "$.images.*.hash");
	ads_graph_jsonpath(&b, v, "$.*.*.*");
	ads_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const secret_v[] = { "EAABfuzztoken0123456789",
		                                "0123456789abcdef0123", NULL };
	struct ads_graph_secrets secrets = {
		{ secret_v[0], secret_v[1], secret_v[2] }, 2
	};
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_graph_usage u[8];
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	struct ads_buf body = ADS_BUF_INIT;
	char *text, *r;
	json_t *v = NULL;
	long status = size ? 200 + (data[0] % 4) * 100 : 200;
	bool ok = true;

	/* As a response body. */
	if (!ads_graph_decode_body(&v, status, (const char *)data, size, "fuzz",
	                           &err)) {
		if (v)
			decode_json(v, status);
	} else {
		(void)ads_graph_classify(&err);
		(void)ads_graph_error_wants_less_data(&err);
	}
	ads_error_release(&err);

	/* As text: headers, query strings, references, redaction. */
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	ads_graph_parse_buc_usage(u, 8, text);
	ads_graph_parse_account_usage(u, text);
	ads_graph_parse_app_usage(u, text);
	ads_graph_params_parse_query(&p, text);
	ads_graph_params_add_header_line(&p, text, strlen(text));
	ads_graph_params_encode(&body, &p, true);
	ads_graph_params_release(&p);
	r = ads_graph_refs_rewrite(text, any_ref, v, &ok);
	free(r);
	r = ads_graph_redact_dup(text, &secrets);
	if (strstr(r, secret_v[0]))
		abort(); /* a secret survived redaction */
	free(r);
	ads_buf_reset(&body);
	ads_buf_add(&body, data, size);
	ads_graph_scrub(&body, &secrets);
	if (!memchr(body.buf, '\0', body.len) && strstr(body.buf, secret_v[0]))
		abort();
	ads_buf_release(&body);
	free(text);
	json_decref(v);
	return 0;
}
