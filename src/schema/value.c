/*
 * JSON value semantics for enum, const, uniqueItems and the numeric
 * keywords (value.h). jansson's json_equal() is not enough: it tells the
 * integer 1 from the real 1.0, which JSON Schema treats as equal.
 */
#include "schema/value.h"

#include <math.h>
#include <string.h>

#include "util/map.h"

/* Compares an integer with a double exactly (no rounding of i). */
static int cmp_int_double(json_int_t i, double d)
{
	double fl;
	json_int_t f;

	if (isnan(d))
		return 0;
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	fl = floor(d);
	f = (json_int_t)fl;
	if (i != f)
		return i < f ? -1 : 1;
	return fl == d ? 0 : -1;
}

static int cmp_numbers(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);

		return x < y ? -1 : x > y;
	}
	if (json_is_integer(a))
		return cmp_int_double(json_integer_value(a),
		                      json_real_value(b));
	if (json_is_integer(b))
		return -cmp_int_double(json_integer_value(b),
		                       json_real_value(a));
	return json_real_value(a) < json_real_value(b)
	               ? -1
	               : json_real_value(a) > json_real_value(b);
}

int sch_num_cmp(const json_t *v, const struct sch_num *limit)
{
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		if (limit->is_int)
			return x < limit->i ? -1 : x > limit->i;
		return cmp_int_double(x, limit->d);
	}
	if (limit->is_int)
		return -cmp_int_double(limit->i, json_real_value(v));
	return json_real_value(v) < limit->d ? -1
	                                     : json_real_value(v) > limit->d;
}

bool sch_multiple_of(const json_t *v, const struct sch_num *m)
{
	double q, r;

	if (json_is_integer(v) && m->is_int)
		return m->i == 0 || json_integer_value(v) % m->i == 0;
	q = json_number_value(v) / m->d;
	if (!isfinite(q)) {
		/* 1e308 / 0.5 overflows; fmod() is exact and does not */
		double rem = fmod(json_number_value(v), m->d);

		return isfinite(json_number_value(v)) && rem == 0;
	}
	r = nearbyint(q);
	/* decimal multipleOf values (0.01) are inexact in binary */
	return fabs(q - r) <= 1e-9 * (fabs(q) > 1 ? fabs(q) : 1);
}

bool sch_json_equal(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return cmp_numbers(a, b) == 0;
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b),
		               json_string_length(a));
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!sch_json_equal(json_array_get(a, i),
			                    json_array_get(b, i)))
				return false;
		return true;
	case JSON_OBJECT: {
		const char *key;
		json_t *val;

		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach(sch_unconst(a), key, val) {
			const json_t *other = json_object_get(b, key);

			if (!other || !sch_json_equal(val, other))
				return false;
		}
		return true;
	}
	default:
		return true; /* true, false, null */
	}
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

uint64_t sch_json_hash(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return ads_hash_bytes(json_string_value(v),
		                      json_string_length(v));
	case JSON_INTEGER:
		return mix((uint64_t)json_integer_value(v));
	case JSON_REAL: {
		double d = json_real_value(v);
		uint64_t bits;

		/* 2.0 must hash like 2 */
		if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18)
			return mix((uint64_t)(json_int_t)d);
		memcpy(&bits, &d, sizeof(bits));
		return mix(bits);
	}
	case JSON_ARRAY: {
		uint64_t h = 0xa5a5;

		for (size_t i = 0; i < json_array_size(v); i++)
			h = mix(h * 31 + sch_json_hash(json_array_get(v, i)));
		return h;
	}
	case JSON_OBJECT: {
		const char *key;
		json_t *val;
		uint64_t h = 0x5a5a;

		/* order-independent: a sum of per-member hashes */
		json_object_foreach(sch_unconst(v), key, val)
			h += mix(ads_hash_bytes(key, strlen(key)) ^
			         sch_json_hash(val));
		return h;
	}
	case JSON_TRUE:
		return 1;
	case JSON_FALSE:
		return 2;
	case JSON_NULL:
		return 3;
	}
	return 0;
}

size_t sch_utf8_length(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}
