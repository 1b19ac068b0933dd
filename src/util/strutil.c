/* String helpers (see strutil.h). */
#include "util/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/xalloc.h"

bool ads_starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool ads_pointer_within(const char *ptr, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(ptr, base, n) && (ptr[n] == '\0' || ptr[n] == '/');
}

bool ads_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

bool ads_str_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

void ads_url_encode(struct ads_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	ads_buf_grow(out, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~') {
			ads_buf_addch(out, c);
		} else {
			ads_buf_addch(out, '%');
			ads_buf_addch(out, hex[c >> 4]);
			ads_buf_addch(out, hex[c & 15]);
		}
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t ads_url_decode(char *s, bool plus_is_space)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		int hi, lo;

		if (*r == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else if (*r == '+' && plus_is_space) {
			*w++ = ' ';
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void ads_base64_encode(struct ads_buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	ads_buf_grow(out, (len + 2) / 3 * 4);
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 |
		             p[i + 2];

		ads_buf_addch(out, b64[v >> 18 & 63]);
		ads_buf_addch(out, b64[v >> 12 & 63]);
		ads_buf_addch(out, b64[v >> 6 & 63]);
		ads_buf_addch(out, b64[v & 63]);
	}
	if (i < len) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		ads_buf_addch(out, b64[v >> 18 & 63]);
		ads_buf_addch(out, b64[v >> 12 & 63]);
		ads_buf_addch(out, i + 1 < len ? b64[v >> 6 & 63] : '=');
		ads_buf_addch(out, '=');
	}
}

bool ads_base64_decode(struct ads_buf *out, const char *s, size_t len)
{
	unsigned v = 0;
	int bits = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		const char *p;
		unsigned char c = (unsigned char)s[i];

		if (isspace(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !(p = strchr(b64, c)) || !c)
			return false;
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			ads_buf_addch(out, (char)(v >> bits & 0xff));
		}
	}
	return pad <= 2;
}

static bool digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "UTC", 0 },       { "GMT", 0 },       { "Z", 0 },
	{ "PST", -8 * 60 }, { "PDT", -7 * 60 }, { "MST", -7 * 60 },
	{ "MDT", -6 * 60 }, { "CST", -6 * 60 }, { "CDT", -5 * 60 },
	{ "EST", -5 * 60 }, { "EDT", -4 * 60 },
};

static bool parse_zone(const char *s, int *minutes)
{
	int sign, hh, mm = 0;

	if (*s == ' ')
		s++;
	if (!*s) {
		*minutes = 0;
		return true;
	}
	if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (!digits(&s, 2, &hh))
			return false;
		if (*s == ':')
			s++;
		if (*s && !digits(&s, 2, &mm))
			return false;
		if (*s || hh > 23 || mm > 59)
			return false;
		*minutes = sign * (hh * 60 + mm);
		return true;
	}
	for (size_t i = 0; i < ADS_ARRAY_SIZE(zones); i++) {
		if (!strcmp(s, zones[i].name)) {
			*minutes = zones[i].minutes;
			return true;
		}
	}
	return false;
}

bool ads_time_parse(const char *s, int64_t *epoch)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, zone = 0;
	const char *p = s;
	time_t t;

	if (!*s)
		return false;
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 12)
			return false;
		*epoch = strtoll(s, NULL, 10);
		return true;
	}
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return false;
	if (*p == 'T' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return false;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				return false;
		}
		if (*p == '.') {
			p++;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	if (!parse_zone(p, &zone))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*epoch = (int64_t)t - (int64_t)zone * 60;
	return true;
}

void ads_time_format(int64_t epoch, char out[32])
{
	time_t t = (time_t)epoch;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+0000", &tm);
}

size_t ads_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	size_t *r0 = xcalloc(m + 1, sizeof(size_t));
	size_t *r1 = xcalloc(m + 1, sizeof(size_t));
	size_t *r2 = xcalloc(m + 1, sizeof(size_t));
	size_t d;

	for (size_t j = 0; j <= m; j++)
		r1[j] = j;
	for (size_t i = 0; i < n; i++) {
		size_t *tmp;

		r2[0] = i + 1;
		for (size_t j = 0; j < m; j++) {
			size_t cost = tolower((unsigned char)a[i]) !=
			              tolower((unsigned char)b[j]);
			size_t v = r1[j] + cost;

			if (r1[j + 1] + 1 < v)
				v = r1[j + 1] + 1;
			if (r2[j] + 1 < v)
				v = r2[j] + 1;
			if (i > 0 && j > 0 && a[i] == b[j - 1] &&
			    a[i - 1] == b[j] && r0[j - 1] + 1 < v)
				v = r0[j - 1] + 1;
			r2[j + 1] = v;
		}
		tmp = r0;
		r0 = r1;
		r1 = r2;
		r2 = tmp;
	}
	d = r1[m];
	free(r0);
	free(r1);
	free(r2);
	return d;
}

const char *ads_suggest(const char *word, const char *const *cands,
                        size_t ncands)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, len = strlen(word);
	size_t limit = len < 6 ? 2 : len / 3 + 1;

	for (size_t i = 0; i < ncands; i++) {
		size_t d = ads_edit_distance(word, cands[i]);

		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best && best_d <= limit ? best : NULL;
}
