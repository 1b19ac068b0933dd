/* The `fields=` expression parser (see fieldsel.h). */
#include "emulator/fieldsel.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct parser {
	const char *s, *p;
	char *why;
	size_t whylen;
	int depth;
};

static bool fail(struct parser *ps, const char *what)
{
	snprintf(ps->why, ps->whylen,
	         "Syntax error \"%s\" at character %zu: %s", what,
	         (size_t)(ps->p - ps->s), ps->s);
	return false;
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n')
		ps->p++;
}

static bool is_name(int c)
{
	return isalnum(c) || c == '_';
}

static bool parse_list(struct parser *ps, struct emu_fsel *f);

/* The text between balanced parentheses; ps->p is after '('. */
static char *paren_arg(struct parser *ps)
{
	const char *start = ps->p;
	int level = 1;
	char quote = 0;

	for (; *ps->p; ps->p++) {
		char c = *ps->p;

		if (quote) {
			if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'')
			quote = c;
		else if (c == '(')
			level++;
		else if (c == ')' && --level == 0) {
			char *arg = xstrndup(start, (size_t)(ps->p - start));

			ps->p++;
			return arg;
		}
	}
	return NULL;
}

static bool parse_item(struct parser *ps, struct emu_fsel_item *it)
{
	const char *start;

	skip_ws(ps);
	start = ps->p;
	while (is_name((unsigned char)*ps->p))
		ps->p++;
	if (ps->p == start)
		return fail(ps, "Expected field name");
	it->name = xstrndup(start, (size_t)(ps->p - start));
	it->limit = -1;
	while (*ps->p == '.') {
		const char *m;
		size_t mlen;
		char *arg;

		ps->p++;
		m = ps->p;
		while (is_name((unsigned char)*ps->p))
			ps->p++;
		mlen = (size_t)(ps->p - m);
		if (!mlen || *ps->p != '(')
			return fail(ps, "Expected modifier");
		ps->p++;
		arg = paren_arg(ps);
		if (!arg)
			return fail(ps, "Expected \")\"");
		if (mlen == 5 && !strncmp(m, "limit", 5)) {
			char *end;
			long long n = strtoll(arg, &end, 10);

			if (end == arg || *end || n < 0) {
				free(arg);
				return fail(ps, "Expected a number in limit()");
			}
			it->limit = n;
			free(arg);
		} else if (mlen == 16 && !strncmp(m, "effective_status", 16)) {
			free(it->effective_status);
			it->effective_status = arg;
		} else if (mlen == 7 && !strncmp(m, "summary", 7)) {
			it->summary = !strcmp(arg, "true") ||
			              !strcmp(arg, "total_count") ||
			              !strcmp(arg, "1");
			free(arg);
		} else {
			free(arg);
			return fail(ps, "Unsupported field modifier");
		}
	}
	skip_ws(ps);
	if (*ps->p == '{') {
		if (++ps->depth > 8)
			return fail(ps, "Field expansion nested too deeply");
		ps->p++;
		it->sub = xcalloc(1, sizeof(*it->sub));
		if (!parse_list(ps, it->sub))
			return false;
		skip_ws(ps);
		if (*ps->p != '}')
			return fail(ps, "Expected \"}\"");
		ps->p++;
		ps->depth--;
	}
	return true;
}

static bool parse_list(struct parser *ps, struct emu_fsel *f)
{
	for (;;) {
		struct emu_fsel_item *it;

		skip_ws(ps);
		if (*ps->p == '}' || !*ps->p)
			return true; /* trailing comma or empty braces */
		ADS_ALLOC_GROW(f->v, f->nr + 1, f->alloc);
		it = &f->v[f->nr++];
		memset(it, 0, sizeof(*it));
		if (!parse_item(ps, it))
			return false;
		skip_ws(ps);
		if (*ps->p != ',')
			return true;
		ps->p++;
	}
}

bool emu_fsel_parse(struct emu_fsel **out, const char *s, char *why,
                    size_t whylen)
{
	struct parser ps = { s, s, why, whylen, 0 };
	struct emu_fsel *f = xcalloc(1, sizeof(*f));

	why[0] = '\0';
	if (!parse_list(&ps, f) || (skip_ws(&ps), *ps.p)) {
		if (*ps.p && !why[0])
			fail(&ps, "Expected end of string");
		else if (*ps.p == '}')
			fail(&ps, "Expected end of string");
		emu_fsel_free(f);
		return false;
	}
	*out = f;
	return true;
}

void emu_fsel_free(struct emu_fsel *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nr; i++) {
		free(f->v[i].name);
		free(f->v[i].effective_status);
		emu_fsel_free(f->v[i].sub);
	}
	free(f->v);
	free(f);
}

const struct emu_fsel_item *emu_fsel_find(const struct emu_fsel *f,
                                          const char *name)
{
	for (size_t i = 0; f && i < f->nr; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}
