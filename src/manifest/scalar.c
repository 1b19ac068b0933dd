/*
 * YAML 1.2 core schema resolution of plain scalars (see scalar.h). YAML 1.1
 * booleans (yes/no/on/off/y/n) deliberately stay strings: Norway's country
 * code NO must survive a round trip through a manifest.
 */
#define _GNU_SOURCE /* strtod_l: parse floats independently of LC_NUMERIC */
#include "manifest/scalar.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static bool eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool ads_scalar_is_null(const char *s, size_t n)
{
	return n == 0 || eq(s, n, "~") || eq(s, n, "null") ||
	       eq(s, n, "Null") || eq(s, n, "NULL");
}

bool ads_scalar_is_bool(const char *s, size_t n, bool *out)
{
	if (eq(s, n, "true") || eq(s, n, "True") || eq(s, n, "TRUE")) {
		*out = true;
		return true;
	}
	if (eq(s, n, "false") || eq(s, n, "False") || eq(s, n, "FALSE")) {
		*out = false;
		return true;
	}
	return false;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Unsigned digits in base; false on a bad digit, *big on overflow. */
static bool parse_digits(const char *s, size_t n, unsigned base, uint64_t limit,
                         uint64_t *out, bool *big)
{
	uint64_t v = 0;

	if (!n)
		return false;
	*big = false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)digit_value(s[i]);

		if (d >= base)
			return false;
		if (v > (limit - d) / base)
			*big = true;
		else
			v = v * base + d;
	}
	*out = v;
	return true;
}

enum ads_scalar_type ads_scalar_int(const char *s, size_t n, int64_t *out)
{
	uint64_t v, limit = (uint64_t)INT64_MAX;
	bool neg = false, big;

	if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		if (!parse_digits(s + 2, n - 2, s[1] == 'o' ? 8 : 16, limit, &v,
		                  &big))
			return ADS_SCALAR_STR;
		if (big)
			return ADS_SCALAR_BIGINT;
		*out = (int64_t)v;
		return ADS_SCALAR_INT;
	}
	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	if (neg)
		limit++; /* INT64_MIN's magnitude */
	if (!parse_digits(s, n, 10, limit, &v, &big))
		return ADS_SCALAR_STR;
	if (big)
		return ADS_SCALAR_BIGINT;
	if (neg)
		*out = v == limit ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return ADS_SCALAR_INT;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool float_syntax(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	for (d = i; i < n && is_digit(s[i]); i++)
		;
	if (i == d) { /* no integer part: \.[0-9]+ */
		if (i >= n || s[i] != '.')
			return false;
		for (d = ++i; i < n && is_digit(s[i]); i++)
			;
		if (i == d)
			return false;
	} else if (i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++)
			;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		for (d = i; i < n && is_digit(s[i]); i++)
			;
		if (i == d)
			return false;
	}
	return i == n;
}

static bool nonfinite_syntax(const char *s, size_t n)
{
	if (n && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	return eq(s, n, ".inf") || eq(s, n, ".Inf") || eq(s, n, ".INF");
}

static bool nan_syntax(const char *s, size_t n)
{
	return eq(s, n, ".nan") || eq(s, n, ".NaN") || eq(s, n, ".NAN");
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

enum ads_scalar_type ads_scalar_float(const char *s, size_t n, double *out)
{
	char buf[64], *copy, *end;
	double d;

	if (nonfinite_syntax(s, n) || nan_syntax(s, n))
		return ADS_SCALAR_NONFINITE;
	if (!float_syntax(s, n))
		return ADS_SCALAR_STR;
	copy = n < sizeof(buf) ? buf : malloc(n + 1);
	if (!copy)
		return ADS_SCALAR_STR;
	memcpy(copy, s, n);
	copy[n] = '\0';
	pthread_once(&c_locale_once, make_c_locale);
	errno = 0;
	d = c_locale ? strtod_l(copy, &end, c_locale) : strtod(copy, &end);
	if (copy != buf)
		free(copy);
	if (!isfinite(d))
		return ADS_SCALAR_NONFINITE;
	*out = d;
	return ADS_SCALAR_FLOAT;
}

enum ads_scalar_type ads_scalar_resolve(const char *s, size_t n,
                                        struct ads_scalar *out)
{
	enum ads_scalar_type t;
	char c = n ? s[0] : '\0';

	/* Cheap first-character tests keep ordinary text off the slow paths */
	if (ads_scalar_is_null(s, n))
		return ADS_SCALAR_NULL;
	if ((c == 't' || c == 'T' || c == 'f' || c == 'F') &&
	    ads_scalar_is_bool(s, n, &out->b))
		return ADS_SCALAR_BOOL;
	if (!is_digit(c) && c != '-' && c != '+' && c != '.')
		return ADS_SCALAR_STR;
	t = ads_scalar_int(s, n, &out->i);
	if (t != ADS_SCALAR_STR)
		return t;
	return ads_scalar_float(s, n, &out->d);
}
