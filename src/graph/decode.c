/* Response, error, batch and page decoding; error classification. */
#include "graph/decode.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

static char *dup_str(const json_t *obj, const char *key)
{
	const char *s = ads_json_str(obj, key);

	return s && *s ? xstrdup(s) : NULL;
}

static int get_int(const json_t *obj, const char *key)
{
	int64_t n;

	if (!ads_json_as_int64(json_object_get(obj, key), &n))
		return 0;
	if (n > INT32_MAX || n < INT32_MIN)
		return 0;
	return (int)n;
}

/* "a.b,c" from [["a","b"],["c"]]. */
static void join_blame(struct ads_buf *out, const json_t *specs)
{
	size_t i, j;
	json_t *spec, *part;

	json_array_foreach(specs, i, spec) {
		bool first = true;

		if (json_is_string(spec)) {
			if (out->len)
				ads_buf_addch(out, ',');
			ads_buf_addstr(out, json_string_value(spec));
			continue;
		}
		json_array_foreach(spec, j, part) {
			if (!json_is_string(part))
				continue;
			if (first && out->len)
				ads_buf_addch(out, ',');
			else if (!first)
				ads_buf_addch(out, '.');
			ads_buf_addstr(out, json_string_value(part));
			first = false;
		}
	}
}

static char *blame_fields(const json_t *error)
{
	json_t *data = json_object_get(error, "error_data");
	json_t *parsed = NULL;
	struct ads_buf b = ADS_BUF_INIT;
	const char *single;

	/* error_data may be a JSON-encoded string (sdk-behaviors §1.3). */
	if (json_is_string(data)) {
		parsed = json_loads(json_string_value(data), JSON_DECODE_ANY,
		                    NULL);
		data = parsed;
	}
	if (json_is_object(data)) {
		json_t *specs = json_object_get(data, "blame_field_specs");

		if (json_is_array(specs))
			join_blame(&b, specs);
		single = ads_json_str(data, "blame_field");
		if (!b.len && single)
			ads_buf_addstr(&b, single);
	}
	json_decref(parsed);
	if (!b.len) {
		ads_buf_release(&b);
		return NULL;
	}
	return ads_buf_detach(&b, NULL);
}

void ads_graph_error_from_json(struct ads_error *err, const json_t *error,
                               long http_status, const char *context)
{
	const char *msg = NULL;

	if (!err || ads_error_is_set(err))
		return;
	if (json_is_object(error))
		msg = ads_json_str(error, "message");
	else if (json_is_string(error))
		msg = json_string_value(error);
	if (!msg || !*msg)
		msg = "the Graph API reported an error without a message";
	if (context)
		ads_error_set(err, ADS_EAPI, "%s: %s", context, msg);
	else
		ads_error_set(err, ADS_EAPI, "%s", msg);
	err->http_status = http_status;
	if (!json_is_object(error))
		return;
	err->api_code = get_int(error, "code");
	err->api_subcode = get_int(error, "error_subcode");
	err->api_transient =
	        json_is_true(json_object_get(error, "is_transient"));
	err->api_type = dup_str(error, "type");
	err->api_user_title = dup_str(error, "error_user_title");
	err->api_user_msg = dup_str(error, "error_user_msg");
	err->fbtrace_id = dup_str(error, "fbtrace_id");
	err->api_blame = blame_fields(error);
}

static bool looks_like_html(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && isspace((unsigned char)body[i]))
		i++;
	return i < len && body[i] == '<';
}

int ads_graph_decode_body(json_t **out, long status, const char *body,
                          size_t len, const char *context,
                          struct ads_error *err)
{
	json_error_t jerr;
	json_t *v, *error;
	const char *ctx = context ? context : "Graph API";
	int ret;

	if (!len) {
		if ((status >= 200 && status < 300) || status == 304) {
			*out = NULL;
			return 0;
		}
		ret = ads_error_set(err, ADS_EHTTP,
		                    "%s: HTTP %ld with an empty body", ctx,
		                    status);
		goto http;
	}
	v = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!v) {
		if (looks_like_html(body, len))
			ret = ads_error_set(err, ADS_EHTTP,
			                    "%s: HTTP %ld with an HTML page "
			                    "instead of JSON (a proxy or an "
			                    "outage at Meta?)",
			                    ctx, status);
		else
			ret = ads_error_set(
			        err, ADS_EHTTP,
			        "%s: HTTP %ld with a malformed or "
			        "truncated JSON body (line %d column "
			        "%d: %s)",
			        ctx, status, jerr.line, jerr.column, jerr.text);
		goto http;
	}
	error = json_is_object(v) ? json_object_get(v, "error") : NULL;
	if (error && !json_is_null(error)) {
		ads_graph_error_from_json(err, error, status, context);
		json_decref(v);
		return ADS_EAPI;
	}
	if (status >= 400) {
		json_decref(v);
		ret = ads_error_set(err, ADS_EHTTP,
		                    "%s: HTTP %ld without a Graph error object",
		                    ctx, status);
		goto http;
	}
	if (json_is_true(v)) {
		json_decref(v);
		v = json_pack("{s:b}", "success", 1);
	}
	*out = v;
	return 0;
http:
	if (err && err->code == ret)
		err->http_status = status;
	return ret;
}

bool ads_graph_code_is_throttle(int code, int subcode)
{
	switch (code) {
	case 4: /* application request limit (003:L12799) */
	case 17: /* user / ad account request limit */
	case 32: /* pages request limit */
	case 341: /* application limit reached (003:L13719) */
	case 613: /* custom rate limit */
		return true;
	}
	if (code >= 80000 && code <= 80014) /* BUC throttles (003:L13180) */
		return true;
	switch (subcode) {
	case 2446079: /* BUC / ads api throttle */
	case 1504022: /* insights global load (003:L12008) */
	case 1504039:
	case 1487742: /* 613: too many calls from this ad account */
		return true;
	}
	return false;
}

enum ads_graph_class ads_graph_classify(const struct ads_error *err)
{
	int code, sub;

	if (!err)
		return ADS_GRAPH_FAIL;
	switch (err->code) {
	case ADS_EHTTP:
		return ADS_GRAPH_RETRY; /* no usable answer: timeouts, 5xx pages
		                         */
	case ADS_EAPI:
		break;
	default:
		return ADS_GRAPH_FAIL;
	}
	code = err->api_code;
	sub = err->api_subcode;
	/* Graph codes first, HTTP status last: a validation error can come
	 * back as HTTP 500 (sdk-behaviors §3.1). */
	if (code == 190 || code == 102 || code == 104)
		return ADS_GRAPH_AUTH; /* token invalid, expired, bad proof */
	if (ads_graph_code_is_throttle(code, sub))
		return ADS_GRAPH_WAIT;
	if (err->api_transient)
		return ADS_GRAPH_RETRY;
	switch (code) {
	case 1: /* API unknown: "possibly a temporary issue" (003:L13711) */
	case 2: /* API service: temporary downtime */
	case 960: /* batch item timeout */
	case 1150: /* unknown error */
	case 3902: /* "technical issue, please try again" */
		return ADS_GRAPH_RETRY;
	}
	if (code < 0) /* internal Facebook errors (003:L18313) */
		return ADS_GRAPH_RETRY;
	if (!code && err->http_status >= 500)
		return ADS_GRAPH_RETRY;
	return ADS_GRAPH_FAIL;
}

bool ads_graph_error_wants_less_data(const struct ads_error *err)
{
	return err && err->code == ADS_EAPI && err->api_code == 1 &&
	       (err->http_status >= 500 ||
	        (err->msg && (strstr(err->msg, "reduce the amount of data") ||
	                      strstr(err->msg, "Too much data"))));
}

bool ads_graph_error_is_batch_timeout(const struct ads_error *err)
{
	return err && err->code == ADS_EAPI && err->api_code == 960;
}

static void decode_item_headers(struct ads_graph_params *out,
                                const json_t *headers)
{
	size_t i;
	json_t *h;

	if (!json_is_array(headers))
		return;
	json_array_foreach(headers, i, h) {
		const char *name, *value;

		if (json_is_string(h)) { /* "Name: value" (php-graph style) */
			ads_graph_params_add_header_line(out,
			                                 json_string_value(h),
			                                 json_string_length(h));
			continue;
		}
		name = ads_json_str(h, "name");
		value = ads_json_str(h, "value");
		if (name && value)
			ads_graph_params_add(out, name, value);
	}
}

static void decode_item(struct ads_graph_batch_item *it, const json_t *e,
                        const char *context)
{
	const char *ctx = context ? context : "batch item";
	json_t *code = json_object_get(e, "code");
	json_t *body = json_object_get(e, "body");

	if (json_is_null(e)) {
		ads_error_set(
		        &it->err, ADS_EHTTP,
		        "%s: no response (the batch timed out before this "
		        "request completed)",
		        ctx);
		return;
	}
	if (!json_is_object(e) || !json_is_integer(code) ||
	    json_integer_value(code) < 100 || json_integer_value(code) > 599) {
		ads_error_set(&it->err, ADS_EHTTP,
		              "%s: malformed batch response element", ctx);
		return;
	}
	it->answered = true;
	it->code = (long)json_integer_value(code);
	decode_item_headers(&it->headers, json_object_get(e, "headers"));
	if (json_is_string(body)) {
		ads_graph_decode_body(
		        &it->body, it->code, json_string_value(body),
		        json_string_length(body), context, &it->err);
	} else if (json_is_object(body) && json_object_get(body, "error") &&
	           !json_is_null(json_object_get(body, "error"))) {
		/* Lenient: a body embedded as JSON rather than a string. */
		ads_graph_error_from_json(&it->err,
		                          json_object_get(body, "error"),
		                          it->code, context);
	} else if (it->code >= 400) {
		ads_graph_decode_body(&it->body, it->code, "", 0, context,
		                      &it->err);
	} else if (json_is_object(body) || json_is_array(body)) {
		it->body = json_incref((json_t *)body);
	} else if (body && !json_is_null(body)) {
		ads_error_set(&it->err, ADS_EHTTP,
		              "%s: batch item body is neither a string nor "
		              "null",
		              ctx);
		it->answered = false;
	}
	if (it->err.code && !it->err.http_status)
		it->err.http_status = it->code;
}

int ads_graph_decode_batch(struct ads_graph_batch_item **items, size_t expected,
                           const json_t *response, const char *context,
                           struct ads_error *err)
{
	struct ads_graph_batch_item *v;

	if (!json_is_array(response))
		return ads_error_set(err, ADS_EHTTP,
		                     "%s: batch response is not a list",
		                     context ? context : "batch");
	if (json_array_size(response) != expected)
		return ads_error_set(err, ADS_EHTTP,
		                     "%s: batch response has %zu items for %zu "
		                     "requests",
		                     context ? context : "batch",
		                     json_array_size(response), expected);
	v = xcalloc(expected ? expected : 1, sizeof(*v));
	for (size_t i = 0; i < expected; i++)
		decode_item(&v[i], json_array_get(response, i), context);
	*items = v;
	return 0;
}

void ads_graph_batch_items_free(struct ads_graph_batch_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++) {
		ads_graph_params_release(&items[i].headers);
		json_decref(items[i].body);
		ads_error_release(&items[i].err);
	}
	free(items);
}

int ads_graph_decode_page(const json_t *page, json_t **data, const char **next,
                          const char **after, struct ads_error *err)
{
	json_t *d = json_object_get(page, "data");
	json_t *paging = json_object_get(page, "paging");
	json_t *n, *cursors, *a;

	if (!json_is_object(page) || !json_is_array(d))
		return ads_error_set(err, ADS_EHTTP,
		                     "unexpected response: a page without a "
		                     "'data' list");
	*data = d;
	*next = *after = NULL;
	if (!paging || json_is_null(paging))
		return 0;
	if (!json_is_object(paging))
		return ads_error_set(err, ADS_EHTTP,
		                     "unexpected response: 'paging' is not an "
		                     "object");
	n = json_object_get(paging, "next");
	if (n && !json_is_null(n) && !json_is_string(n))
		return ads_error_set(err, ADS_EHTTP,
		                     "unexpected response: 'paging.next' is "
		                     "not a string");
	*next = json_string_value(n);
	if (*next && !**next)
		*next = NULL;
	cursors = json_object_get(paging, "cursors");
	a = json_object_get(cursors, "after");
	if (json_is_string(a) && json_string_length(a))
		*after = json_string_value(a);
	return 0;
}

static void append_scalar(struct ads_buf *out, const json_t *v, int *count)
{
	char num[32];

	if (json_is_string(v)) {
		if (*count)
			ads_buf_addch(out, ',');
		ads_buf_addstr(out, json_string_value(v));
	} else if (json_is_integer(v)) {
		if (*count)
			ads_buf_addch(out, ',');
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(v));
		ads_buf_addstr(out, num);
	} else {
		return;
	}
	(*count)++;
}

static void walk_path(struct ads_buf *out, const json_t *v, const char *path,
                      int *count)
{
	const char *dot;
	char *seg;
	size_t i, len;
	const char *key;
	json_t *child;

	if (!*path) {
		append_scalar(out, v, count);
		return;
	}
	/* path is ".seg.rest" */
	dot = strchr(path + 1, '.');
	len = dot ? (size_t)(dot - path - 1) : strlen(path + 1);
	seg = xstrndup(path + 1, len);
	path += 1 + len;
	if (!strcmp(seg, "*")) {
		if (json_is_array(v)) {
			json_array_foreach(v, i, child)
				walk_path(out, child, path, count);
		} else if (json_is_object(v)) {
			json_object_foreach(ads_json_mut(v), key, child)
				walk_path(out, child, path, count);
		}
	} else if (json_is_object(v)) {
		child = json_object_get(v, seg);
		if (child)
			walk_path(out, child, path, count);
	} else if (json_is_array(v)) {
		char *end;
		unsigned long idx = strtoul(seg, &end, 10);

		if (*seg && !*end && (child = json_array_get(v, idx)))
			walk_path(out, child, path, count);
	}
	free(seg);
}

int ads_graph_jsonpath(struct ads_buf *out, const json_t *v, const char *path)
{
	int count = 0;

	if (!path || path[0] != '$')
		return -1;
	for (const char *p = path + 1; *p; p++) {
		if (*p == '.' && (p[1] == '.' || !p[1]))
			return -1;
		if (strchr("[]()?@'\"", *p))
			return -1;
	}
	if (path[1] && path[1] != '.')
		return -1;
	walk_path(out, v, path + 1, &count);
	return count;
}

char *ads_graph_refs_rewrite(const char *s, ads_graph_ref_fn fn, void *ctx,
                             bool *ok)
{
	struct ads_buf out = ADS_BUF_INIT;

	while (s && *s) {
		const char *ref = strstr(s, "{result=");
		const char *close, *colon;
		char *name, *path;

		if (!ref || !(close = strchr(ref, '}')) ||
		    !(colon = memchr(ref, ':', (size_t)(close - ref)))) {
			ads_buf_addstr(&out, s);
			break;
		}
		ads_buf_add(&out, s, (size_t)(ref - s));
		name = xstrndup(ref + 8, (size_t)(colon - ref - 8));
		path = xstrndup(colon + 1, (size_t)(close - colon - 1));
		if (!fn(ctx, &out, name, path, ref, (size_t)(close + 1 - ref)))
			*ok = false;
		free(name);
		free(path);
		s = close + 1;
	}
	return ads_buf_detach(&out, NULL);
}
