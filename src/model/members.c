/*
 * Member lists of customer-file audiences: an RFC 4180 CSV reader, Meta's
 * normalisation table and SHA-256 hashing (see members.h). Nothing here
 * ever puts a cell's content into a message.
 */
#include "model/members.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/interrupt.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Diagnostics per file before the rest are only counted. */
#define MAX_FILE_DIAGS 10

enum norm {
	N_KEEP, /* EXTERN_ID, MADID: trimmed (MADID lowercased) */
	N_EMAIL,
	N_PHONE,
	N_GEN,
	N_DOBY,
	N_DOBM,
	N_DOBD,
	N_NAME, /* FN, LN, CT, ST: letters only, lowercase */
	N_INITIAL, /* FI: the first letter of the FN rule */
	N_ZIP,
	N_COUNTRY,
	N_NUMBER, /* LOOKALIKE_VALUE */
};

/*
 * The multi-key schema fields of creative-model.md §5.4 and how §5.5
 * normalises them. EXTERN_ID and LOOKALIKE_VALUE are sent as they are
 * (every SDK skips hashing them); MADID is hashed like the SDKs do.
 */
static const struct column {
	const char *name;
	enum norm norm;
	bool hashed;
	bool lower;
} known_columns[] = {
	{ "EXTERN_ID", N_KEEP, false, false },
	{ "EMAIL", N_EMAIL, true, true },
	{ "PHONE", N_PHONE, true, true },
	{ "GEN", N_GEN, true, true },
	{ "DOBY", N_DOBY, true, true },
	{ "DOBM", N_DOBM, true, true },
	{ "DOBD", N_DOBD, true, true },
	{ "LN", N_NAME, true, true },
	{ "FN", N_NAME, true, true },
	{ "FI", N_INITIAL, true, true },
	{ "CT", N_NAME, true, true },
	{ "ST", N_NAME, true, true },
	{ "ZIP", N_ZIP, true, true },
	{ "MADID", N_KEEP, true, true },
	{ "COUNTRY", N_COUNTRY, true, true },
	{ "LOOKALIKE_VALUE", N_NUMBER, false, false },
};

static const struct column *find_column(const char *name)
{
	for (size_t i = 0; i < ADS_ARRAY_SIZE(known_columns); i++)
		if (!strcmp(known_columns[i].name, name))
			return &known_columns[i];
	return NULL;
}

bool ads_members_column_known(const char *name)
{
	return find_column(name) != NULL;
}

const char *ads_members_column_suggest(const char *name)
{
	const char *names[ADS_ARRAY_SIZE(known_columns)];

	for (size_t i = 0; i < ADS_ARRAY_SIZE(known_columns); i++)
		names[i] = known_columns[i].name;
	return ads_suggest(name, names, ADS_ARRAY_SIZE(names));
}

/* Overwrites memory that held personal data, even just before free(). */
static void wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

static void wipe_buf(struct ads_buf *b)
{
	if (b->alloc)
		wipe(b->buf, b->alloc);
	ads_buf_release(b);
}

/* --- normalisation (creative-model.md §5.5) ------------------------- */

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_space((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static bool is_hex64(const char *s, size_t len)
{
	if (len != ADS_SHA256_HEX_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * Decodes one UTF-8 sequence at s (at most len bytes). Returns its length,
 * or 0 when it is not valid UTF-8 (overlong forms and surrogates too).
 */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void utf8_encode(struct ads_buf *out, uint32_t c)
{
	if (c < 0x80) {
		ads_buf_addch(out, (int)c);
	} else if (c < 0x800) {
		ads_buf_addch(out, (int)(0xc0 | c >> 6));
		ads_buf_addch(out, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		ads_buf_addch(out, (int)(0xe0 | c >> 12));
		ads_buf_addch(out, (int)(0x80 | (c >> 6 & 0x3f)));
		ads_buf_addch(out, (int)(0x80 | (c & 0x3f)));
	} else {
		ads_buf_addch(out, (int)(0xf0 | c >> 18));
		ads_buf_addch(out, (int)(0x80 | (c >> 12 & 0x3f)));
		ads_buf_addch(out, (int)(0x80 | (c >> 6 & 0x3f)));
		ads_buf_addch(out, (int)(0x80 | (c & 0x3f)));
	}
}

/*
 * Whether a non-ASCII code point counts as a letter for names. Meta asks
 * for "a-z only ... special characters in UTF-8 format": letters of other
 * scripts are kept (as Meta's Ruby SDK does), while punctuation, symbols
 * and spaces outside ASCII are dropped like their ASCII counterparts.
 */
static bool is_letter(uint32_t c)
{
	if (c < 0xc0 || c == 0xd7 || c == 0xf7)
		return false;
	if (c >= 0x2000 && c <= 0x2bff) /* punctuation, symbols, arrows */
		return false;
	if (c >= 0x3000 && c <= 0x303f) /* CJK punctuation */
		return false;
	if ((c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff20) ||
	    c >= 0xfff0)
		return false;
	return true;
}

/* Lowercases the upper-case letters of Latin-1 and basic Cyrillic. */
static uint32_t lower_cp(uint32_t c)
{
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	return c;
}

/* FN, LN, CT, ST: "a-z only, lowercase, no punctuation". */
static const char *norm_name(struct ads_buf *out, const char *s, size_t len,
                             bool first_only)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t n = utf8_decode(p + i, len - i, &c);

		if (!n)
			return "is not valid UTF-8";
		i += n;
		if (c < 0x80) {
			if (!isalpha((int)c))
				continue;
			ads_buf_addch(out, tolower((int)c));
		} else if (is_letter(c)) {
			utf8_encode(out, lower_cp(c));
		} else {
			continue;
		}
		if (first_only)
			break;
	}
	return out->len ? NULL : "has no letters";
}

static const char *norm_email(struct ads_buf *out, const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);

	if (!at || at == s || at == s + len - 1 ||
	    memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return "is not an email address";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_space(c) || c < 0x20)
			return "is not an email address";
		ads_buf_addch(out, tolower(c));
	}
	return NULL;
}

/* "Remove symbols, letters, and any leading zeroes." */
static const char *norm_phone(struct ads_buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			continue;
		if (!out->len && s[i] == '0')
			continue;
		ads_buf_addch(out, s[i]);
	}
	return out->len ? NULL : "has no phone number digits";
}

static const char *norm_digits(struct ads_buf *out, const char *s, size_t len,
                               unsigned width, unsigned lo, unsigned hi,
                               const char *why)
{
	unsigned v = 0, n = 0;

	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			continue;
		if (++n > width)
			return why;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (!n || v < lo || v > hi || (width == 4 && n != 4))
		return why;
	ads_buf_addf(out, "%0*u", (int)width, v);
	return NULL;
}

static const char *norm_zip(struct ads_buf *out, const char *s, size_t len,
                            const char *country)
{
	for (size_t i = 0; i < len && s[i] != '-'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_space(c))
			continue;
		ads_buf_addch(out, tolower(c));
	}
	/* US: the first five digits (ZIP+4 is cut at the '-' above). */
	if (country && !strcmp(country, "us") && out->len > 5)
		ads_buf_setlen(out, 5);
	return out->len ? NULL : "is not a postal code";
}

static const char *norm_country(struct ads_buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalpha(c))
			ads_buf_addch(out, tolower(c));
		else if (!is_space(c) && c != '.')
			return "is not a two-letter country code";
	}
	return out->len == 2 ? NULL : "is not a two-letter country code";
}

static const char *norm_number(struct ads_buf *out, const char *s, size_t len)
{
	bool dot = false, digit = false;

	for (size_t i = 0; i < len; i++) {
		if (isdigit((unsigned char)s[i])) {
			digit = true;
		} else if (s[i] == '.' && !dot) {
			dot = true;
		} else {
			return "is not a number";
		}
	}
	if (!digit)
		return "is not a number";
	ads_buf_add(out, s, len);
	return NULL;
}

static const char *normalise(struct ads_buf *out, const struct column *col,
                             const char *s, size_t len, const char *country)
{
	switch (col->norm) {
	case N_EMAIL:
		return norm_email(out, s, len);
	case N_PHONE:
		return norm_phone(out, s, len);
	case N_GEN: {
		int c = tolower((unsigned char)s[0]);

		if (c != 'm' && c != 'f')
			return "is not a gender (m or f)";
		ads_buf_addch(out, c);
		return NULL;
	}
	case N_DOBY:
		return norm_digits(out, s, len, 4, 1900, 2100,
		                   "is not a year (YYYY)");
	case N_DOBM:
		return norm_digits(out, s, len, 2, 1, 12,
		                   "is not a month (01 to 12)");
	case N_DOBD:
		return norm_digits(out, s, len, 2, 1, 31,
		                   "is not a day of the month (01 to 31)");
	case N_NAME:
		return norm_name(out, s, len, false);
	case N_INITIAL:
		return norm_name(out, s, len, true);
	case N_ZIP:
		return norm_zip(out, s, len, country);
	case N_COUNTRY:
		return norm_country(out, s, len);
	case N_NUMBER:
		return norm_number(out, s, len);
	case N_KEEP:
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];

			ads_buf_addch(out, col->lower ? tolower(c) : c);
		}
		return NULL;
	}
	return "cannot be normalised";
}

static bool hash_value(struct ads_buf *out, const struct column *col,
                       const char *value, size_t len, const char *country,
                       const char **why)
{
	struct ads_buf norm = ADS_BUF_INIT;
	char hex[ADS_SHA256_HEX_LEN + 1];
	const char *problem;

	trim(&value, &len);
	if (!len)
		return true; /* an empty cell stays empty */
	if (col->hashed && is_hex64(value, len)) {
		/* already hashed by the advertiser */
		for (size_t i = 0; i < len; i++)
			ads_buf_addch(out, tolower((unsigned char)value[i]));
		return true;
	}
	problem = normalise(&norm, col, value, len, country);
	if (problem) {
		*why = problem;
		wipe_buf(&norm);
		return false;
	}
	if (col->hashed) {
		ads_sha256_hex(norm.buf, norm.len, hex);
		ads_buf_add(out, hex, ADS_SHA256_HEX_LEN);
	} else {
		ads_buf_add(out, norm.buf, norm.len);
	}
	wipe_buf(&norm);
	return true;
}

bool ads_members_hash_value(struct ads_buf *out, const char *column,
                            const char *value, size_t len, const char *country,
                            const char **why)
{
	const struct column *col = find_column(column);

	if (!col) {
		*why = "is in an unknown column";
		return false;
	}
	return hash_value(out, col, value, len, country, why);
}

/* --- CSV (RFC 4180) -------------------------------------------------- */

struct csv {
	const char *p, *end;
	unsigned line; /* of the next character */
	struct ads_buf rec; /* the record's cells, NUL-separated */
	size_t *start, nr, alloc; /* cell offsets into rec */
	unsigned *col; /* 1-based column of each cell */
	size_t col_alloc;
	unsigned rec_line; /* line the record starts on */
	const char *err; /* static message when a record is bad */
	unsigned err_line, err_col;
};

static void csv_cell_begin(struct csv *c, unsigned col)
{
	ADS_ALLOC_GROW(c->start, c->nr + 1, c->alloc);
	ADS_ALLOC_GROW(c->col, c->nr + 1, c->col_alloc);
	c->start[c->nr] = c->rec.len;
	c->col[c->nr] = col;
	c->nr++;
}

static int csv_fail(struct csv *c, unsigned line, unsigned col, const char *msg)
{
	c->err = msg;
	c->err_line = line;
	c->err_col = col;
	/* skip the rest of the physical line so that scanning can go on */
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end) {
		c->p++;
		c->line++;
	}
	return -1;
}

/*
 * Reads one record. Returns 1 with c->nr cells, 0 at the end of the data,
 * -1 for a malformed record (c->err says why; scanning may continue).
 */
static int csv_next(struct csv *c)
{
	const char *line_start = c->p;

	ads_buf_reset(&c->rec);
	c->nr = 0;
	c->err = NULL;
	/* blank lines carry no record */
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		if (*c->p == '\n')
			c->line++;
		c->p++;
		line_start = c->p;
	}
	if (c->p >= c->end)
		return 0;
	c->rec_line = c->line;
	for (;;) {
		unsigned col = (unsigned)(c->p - line_start) + 1;

		csv_cell_begin(c, col);
		if (c->p < c->end && *c->p == '"') {
			unsigned qline = c->line, qcol = col;

			c->p++;
			for (;;) {
				if (c->p >= c->end)
					return csv_fail(c, qline, qcol,
					                "unterminated quoted "
					                "value");
				if (*c->p == '"') {
					if (c->p + 1 < c->end &&
					    c->p[1] == '"') {
						ads_buf_addch(&c->rec, '"');
						c->p += 2;
						continue;
					}
					c->p++;
					break;
				}
				if (*c->p == '\0')
					return csv_fail(
					        c, c->line,
					        (unsigned)(c->p - line_start) +
					                1,
					        "contains a NUL byte");
				if (*c->p == '\n') {
					c->line++;
					line_start = c->p + 1;
				}
				ads_buf_addch(&c->rec, *c->p++);
			}
			if (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
			    *c->p != '\r')
				return csv_fail(c, c->line,
				                (unsigned)(c->p - line_start) +
				                        1,
				                "unexpected character after a "
				                "closing quote");
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
			       *c->p != '\r') {
				if (*c->p == '"' || *c->p == '\0')
					return csv_fail(
					        c, c->line,
					        (unsigned)(c->p - line_start) +
					                1,
					        *c->p ? "quote inside an "
					                "unquoted value"
					              : "contains a NUL byte");
				ads_buf_addch(&c->rec, *c->p++);
			}
		}
		ads_buf_addch(&c->rec, '\0');
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p == '\n') {
			c->p++;
			c->line++;
		}
		return 1;
	}
}

static const char *csv_cell(const struct csv *c, size_t i, size_t *len)
{
	size_t end = i + 1 < c->nr ? c->start[i + 1] - 1 : c->rec.len - 1;

	*len = end - c->start[i];
	return c->rec.buf + c->start[i];
}

static void csv_release(struct csv *c)
{
	wipe_buf(&c->rec);
	free(c->start);
	free(c->col);
}

/* --- scanning -------------------------------------------------------- */

struct scan {
	struct ads_members *m;
	const char *display;
	struct ads_diags *diags;
	unsigned ndiags, hidden;
	bool failed;
};

static void report(struct scan *s, unsigned line, unsigned col,
                   const char *rule, const char *sugg, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

static void report(struct scan *s, unsigned line, unsigned col,
                   const char *rule, const char *sugg, const char *fmt, ...)
{
	struct ads_srcloc loc = { s->display, line, col };
	va_list ap;
	char *msg;

	s->failed = true;
	if (s->ndiags >= MAX_FILE_DIAGS) {
		s->hidden++;
		return;
	}
	s->ndiags++;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ads_diags_add(s->diags, ADS_SEV_ERROR, &loc, rule, sugg, "%s", msg);
	free(msg);
}

static bool read_header(struct scan *s, struct csv *c,
                        const struct column **cols)
{
	bool ok = true;

	for (size_t i = 0; i < c->nr; i++) {
		size_t len;
		const char *name = csv_cell(c, i, &len);
		char *up;

		trim(&name, &len);
		up = xstrndup(name, len);
		for (char *p = up; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (!*up) {
			report(s, c->rec_line, c->col[i], "members.header",
			       NULL, "empty column name in the header row");
			ok = false;
		} else if (!(cols[i] = find_column(up))) {
			report(s, c->rec_line, c->col[i], "members.header",
			       ads_members_column_suggest(up),
			       "unknown member column '%s'", up);
			ok = false;
		} else if (ads_strvec_contains(&s->m->columns, up)) {
			report(s, c->rec_line, c->col[i], "members.header",
			       NULL, "column '%s' appears twice in the header",
			       up);
			ok = false;
		}
		ads_strvec_push_nodup(&s->m->columns, up);
	}
	return ok;
}

static bool columns_match(const struct ads_strvec *have,
                          const struct ads_strvec *want)
{
	if (have->nr != want->nr)
		return false;
	for (size_t i = 0; i < have->nr; i++)
		if (!ads_str_ieq(have->v[i], want->v[i]))
			return false;
	return true;
}

static void join(struct ads_buf *out, const struct ads_strvec *sv)
{
	for (size_t i = 0; i < sv->nr; i++)
		ads_buf_addf(out, "%s%s", i ? ", " : "", sv->v[i]);
}

static int hex_nibble(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* SHA-256 over the sorted distinct row digests, with the column schema. */
static void finish_digest(struct ads_members *m, unsigned char *rows, size_t n)
{
	struct ads_sha256 *h = ads_sha256_new();
	size_t u = 0;

	qsort(rows, n, 32, cmp_digest);
	for (size_t i = 0; i < n; i++)
		if (!u || memcmp(rows + (u - 1) * 32, rows + i * 32, 32))
			memmove(rows + u++ * 32, rows + i * 32, 32);
	m->nunique = u;
	ads_sha256_update(h, "adsctl-members-v1\n", 18);
	for (size_t i = 0; i < m->columns.nr; i++) {
		ads_sha256_update(h, m->columns.v[i], strlen(m->columns.v[i]));
		ads_sha256_update(h, i + 1 < m->columns.nr ? "," : "\n", 1);
	}
	ads_sha256_update(h, rows, u * 32);
	ads_sha256_final(h, m->digest);
}

int ads_members_scan(struct ads_members *m, const char *data, size_t len,
                     const char *display, const struct ads_strvec *want,
                     const struct ads_srcloc *want_loc, struct ads_diags *diags,
                     ads_members_row_fn fn, void *ctx)
{
	struct scan s = { m, display, diags, 0, 0, false };
	struct csv c = { 0 };
	const struct column **cols = NULL;
	struct ads_buf vals = ADS_BUF_INIT;
	size_t *offs = NULL, country = (size_t)-1;
	const char **argv = NULL;
	unsigned char *rows = NULL;
	size_t nrows_alloc = 0, ncols;
	int rc, ret = 0;

	c.p = data;
	c.end = data + len;
	c.line = 1;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		c.p += 3; /* UTF-8 byte order mark */
	rc = csv_next(&c);
	if (rc == 0) {
		report(&s, 1, 0, "members.header", NULL,
		       "member list is empty: a header row naming the columns "
		       "(EMAIL,PHONE,...) is required");
		goto out;
	}
	if (rc < 0) {
		report(&s, c.err_line, c.err_col, "members.csv", NULL,
		       "malformed header row: %s", c.err);
		goto out;
	}
	ncols = c.nr;
	cols = xcalloc(ncols, sizeof(*cols));
	if (!read_header(&s, &c, cols))
		goto out;
	if (want && want->nr && !columns_match(&m->columns, want)) {
		struct ads_buf a = ADS_BUF_INIT, b = ADS_BUF_INIT;

		join(&a, want);
		join(&b, &m->columns);
		ads_diags_add(diags, ADS_SEV_ERROR, want_loc, "members.columns",
		              NULL,
		              "columns [%s] do not match the header of '%s' "
		              "[%s]",
		              a.buf, display, b.buf);
		ads_buf_release(&a);
		ads_buf_release(&b);
		s.failed = true;
		goto out;
	}
	for (size_t i = 0; i < ncols; i++)
		if (cols[i]->norm == N_COUNTRY)
			country = i;
	offs = xcalloc(ncols, sizeof(*offs));
	argv = xcalloc(ncols, sizeof(*argv));
	while ((rc = csv_next(&c)) != 0) {
		const char *zip_country;
		char hex[ADS_SHA256_HEX_LEN + 1];
		bool row_ok = true, any = false;

		if (!(m->nrows & 1023) && ads_interrupt_requested()) {
			ret = ADS_EINTR;
			goto out;
		}
		if (rc < 0) {
			report(&s, c.err_line, c.err_col, "members.csv", NULL,
			       "malformed row: %s", c.err);
			continue;
		}
		if (c.nr != ncols) {
			report(&s, c.rec_line, 1, "members.csv", NULL,
			       "row has %zu value%s but the header names %zu "
			       "column%s",
			       c.nr, c.nr == 1 ? "" : "s", ncols,
			       ncols == 1 ? "" : "s");
			continue;
		}
		if (m->nrows >= ADS_MEMBERS_MAX_ROWS) {
			report(&s, c.rec_line, 1, "members.limit", NULL,
			       "member list has more than %u rows",
			       ADS_MEMBERS_MAX_ROWS);
			break;
		}
		ads_buf_reset(&vals);
		zip_country = NULL;
		if (country != (size_t)-1) {
			/* the row's country decides how ZIP codes are cut */
			struct ads_buf cn = ADS_BUF_INIT;
			size_t cl;
			const char *cv = csv_cell(&c, country, &cl);

			trim(&cv, &cl);
			if (!norm_country(&cn, cv, cl) && !strcmp(cn.buf, "us"))
				zip_country = "us";
			wipe_buf(&cn);
		}
		for (size_t i = 0; i < ncols && row_ok; i++) {
			size_t l;
			const char *v = csv_cell(&c, i, &l);
			const char *why;

			offs[i] = vals.len;
			if (!hash_value(&vals, cols[i], v, l, zip_country,
			                &why)) {
				report(&s, c.rec_line, c.col[i],
				       "members.value", NULL, "%s value %s",
				       cols[i]->name, why);
				row_ok = false;
			}
			ads_buf_addch(&vals, '\0');
		}
		if (!row_ok)
			continue;
		for (size_t i = 0; i < ncols; i++) {
			argv[i] = vals.buf + offs[i];
			any = any || *argv[i];
		}
		if (!any) {
			report(&s, c.rec_line, 1, "members.csv", NULL,
			       "row has no values");
			continue;
		}
		m->nrows++;
		ads_sha256_hex(vals.buf, vals.len, hex);
		ADS_ALLOC_GROW(rows, m->nrows * 32, nrows_alloc);
		for (size_t i = 0; i < 32; i++)
			rows[(m->nrows - 1) * 32 + i] =
			        (unsigned char)(hex_nibble(hex[2 * i]) << 4 |
			                        hex_nibble(hex[2 * i + 1]));
		if (fn && !s.failed) {
			ret = fn(ctx, argv, ncols);
			if (ret)
				goto out;
		}
	}
	if (s.hidden) {
		struct ads_srcloc loc = { display, 0, 0 };

		ads_diags_add(diags, ADS_SEV_ERROR, &loc, "members.csv", NULL,
		              "%u more problem%s in this member list not shown",
		              s.hidden, s.hidden == 1 ? "" : "s");
	}
	if (!s.failed)
		finish_digest(m, rows, m->nrows);
out:
	if (!ret && s.failed)
		ret = ADS_EINVALID;
	csv_release(&c);
	wipe_buf(&vals);
	free(cols);
	free(offs);
	free(argv);
	free(rows);
	return ret;
}

struct verify {
	ads_members_row_fn fn;
	void *ctx;
};

static int forward_row(void *ctx, const char *const *values, size_t n)
{
	struct verify *v = ctx;

	return v->fn(v->ctx, values, n);
}

int ads_members_foreach(const struct ads_model *m, const struct ads_resource *r,
                        ads_members_row_fn fn, void *ctx, struct ads_error *err)
{
	const struct ads_source *src = m->project->src;
	struct ads_buf data = ADS_BUF_INIT;
	struct ads_members again = { 0 };
	struct ads_diags diags = ADS_DIAGS_INIT;
	struct verify v = { fn, ctx };
	int ret;

	if (!r->members)
		return ads_error_set(err, ADS_EINVALID,
		                     "'%s' has no member list", r->address);
	ret = src->read(src->ctx, r->members->path, &data,
	                ADS_MEMBERS_MAX_BYTES, err);
	if (ret < 0)
		goto out;
	/*
	 * The file must still be the one the plan was made from: check its
	 * digest first, so that no row of another list is ever handed out.
	 * Both passes read the same bytes.
	 */
	ret = ads_members_scan(&again, data.buf, data.len, r->members->display,
	                       NULL, NULL, &diags, NULL, NULL);
	if (ret == ADS_EINVALID ||
	    (!ret && strcmp(again.digest, r->members->digest))) {
		ret = ads_error_set(err, ADS_ECONFLICT,
		                    "member list '%s' changed since it was "
		                    "validated",
		                    r->members->display);
		goto out;
	}
	if (ret)
		goto out;
	ads_members_release(&again);
	memset(&again, 0, sizeof(again));
	ret = ads_members_scan(&again, data.buf, data.len, r->members->display,
	                       NULL, NULL, &diags, forward_row, &v);
out:
	wipe_buf(&data);
	ads_members_release(&again);
	ads_diags_release(&diags);
	return ret;
}

void ads_members_release(struct ads_members *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->display);
	ads_strvec_release(&m->columns);
}
