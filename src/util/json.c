/* jansson helpers (see json.h). */
#include "util/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/fs.h"

int ads_json_parse(json_t **out, const char *data, size_t len, const char *what,
                   struct ads_error *err)
{
	json_error_t jerr;
	json_t *v;

	v = json_loadb(data, len,
	               JSON_DECODE_ANY | JSON_REJECT_DUPLICATES |
	                       JSON_ALLOW_NUL,
	               &jerr);
	if (!v)
		return ads_error_set(err, ADS_EINVALID,
		                     "%s%sline %d column %d: %s",
		                     what ? what : "", what ? ": " : "",
		                     jerr.line, jerr.column, jerr.text);
	*out = v;
	return 0;
}

int ads_json_load_file(json_t **out, const char *path, size_t max,
                       struct ads_error *err)
{
	struct ads_buf b = ADS_BUF_INIT;
	int ret;

	ret = ads_read_file(&b, path, max, err);
	if (!ret)
		ret = ads_json_parse(out, b.buf, b.len, path, err);
	ads_buf_release(&b);
	return ret;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	ads_buf_add(data, buffer, size);
	return 0;
}

void ads_json_dump_canonical(struct ads_buf *out, const json_t *v)
{
	json_dump_callback(v, dump_cb, out,
	                   JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

void ads_json_dump_pretty(struct ads_buf *out, const json_t *v)
{
	json_dump_callback(v, dump_cb, out,
	                   JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	                           JSON_ENCODE_ANY);
	ads_buf_addch(out, '\n');
}

const char *ads_json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

bool ads_json_as_int64(const json_t *v, int64_t *out)
{
	const char *s;
	char *end;
	double d;
	long long n;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d != floor(d) || fabs(d) > 9.2e18)
			return false;
		*out = (int64_t)d;
		return true;
	}
	s = json_string_value(v);
	if (!s || !*s)
		return false;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = n;
	return true;
}

void ads_json_digest(const json_t *v, char out[65])
{
	struct ads_buf b = ADS_BUF_INIT;

	ads_json_dump_canonical(&b, v);
	ads_sha256_hex(b.buf, b.len, out);
	ads_buf_release(&b);
}

json_t *ads_json_mut(const json_t *v)
{
	union {
		const json_t *c;
		json_t *m;
	} u = { .c = v };

	return u.m;
}
