/* Collected diagnostics (see diag.h). */
#include "util/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void ads_diags_init(struct ads_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void ads_diags_release(struct ads_diags *d)
{
	for (size_t i = 0; i < d->nr; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].suggestion);
		free(d->v[i].rule);
	}
	free(d->v);
	ads_diags_init(d);
}

static struct ads_diag *append(struct ads_diags *d, enum ads_severity sev,
                               const char *file, unsigned line, unsigned col,
                               const char *rule, const char *suggestion)
{
	struct ads_diag *g;

	ADS_ALLOC_GROW(d->v, d->nr + 1, d->alloc);
	g = &d->v[d->nr++];
	memset(g, 0, sizeof(*g));
	g->sev = sev;
	g->seq = d->nr - 1;
	g->file = file ? xstrdup(file) : NULL;
	g->line = line;
	g->col = col;
	g->rule = xstrdup(rule ? rule : "error");
	g->suggestion = suggestion ? xstrdup(suggestion) : NULL;
	if (sev == ADS_SEV_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	return g;
}

void ads_diags_add(struct ads_diags *d, enum ads_severity sev,
                   const struct ads_srcloc *loc, const char *rule,
                   const char *suggestion, const char *fmt, ...)
{
	struct ads_diag *g;
	va_list ap;

	g = append(d, sev, loc ? loc->file : NULL, loc ? loc->line : 0,
	           loc ? loc->col : 0, rule, suggestion);
	va_start(ap, fmt);
	g->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

void ads_diags_add_error(struct ads_diags *d, const char *rule,
                         const struct ads_error *err)
{
	struct ads_diag *g;

	g = append(d, ADS_SEV_ERROR, err->file, err->line, err->col, rule,
	           NULL);
	g->msg = xstrdup(err->msg ? err->msg : "error");
}

static int cmp_diag(const void *pa, const void *pb)
{
	const struct ads_diag *a = pa, *b = pb;
	int c;

	if (!a->file != !b->file)
		return a->file ? 1 : -1;
	if (a->file && (c = strcmp(a->file, b->file)))
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

static int cmp_diag_stable(const void *pa, const void *pb)
{
	const struct ads_diag *a = pa, *b = pb;
	int c = cmp_diag(pa, pb);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void ads_diags_sort(struct ads_diags *d)
{
	if (d->nr > 1)
		qsort(d->v, d->nr, sizeof(*d->v), cmp_diag_stable);
}
