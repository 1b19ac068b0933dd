/*
 * A plan as markdown for pull-request comments (DESIGN.md: "CI runs adsctl
 * plan --format markdown on every PR and posts it as a comment"): the
 * summary and a table of steps first, the field-level details folded in
 * <details>, notes last. GitHub refuses comments over 65,536 characters,
 * so a long plan is split into several documents, each under
 * ADS_MARKDOWN_MAX characters, each starting with a marker line
 * "<!-- adsctl-plan part I of N -->" (docs/workflows.md shows how CI posts
 * them).
 */
#include "render/plan_markdown.h"

#include <string.h>

#include "render/money.h"
#include "render/plan_text.h"
#include "util/xalloc.h"

/* Room kept for the marker, title and wrappers of each document. */
#define OVERHEAD 1024
/* A value longer than this is cut in the details. */
#define VALUE_MAX 2000

enum section { SEC_TABLE, SEC_DETAILS, SEC_NOTES, SEC_COUNT };

struct block {
	enum section sec;
	char *text;
	size_t len;
};

struct blocks {
	struct block *v;
	size_t nr, alloc;
};

static void push(struct blocks *bs, enum section sec, struct ads_buf *b)
{
	ADS_ALLOC_GROW(bs->v, bs->nr + 1, bs->alloc);
	bs->v[bs->nr].sec = sec;
	bs->v[bs->nr].text = ads_buf_detach(b, &bs->v[bs->nr].len);
	bs->nr++;
}

/* Text for a table cell: no pipes, no newlines. */
static void cell(struct ads_buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			ads_buf_addstr(out, "\\|");
		else if (*s == '\n' || *s == '\r')
			ads_buf_addch(out, ' ');
		else
			ads_buf_addch(out, *s);
	}
}

/* A value inside a ```diff block: one line, no fence, bounded. */
static void fenced_value(struct ads_buf *out, const json_t *v,
                         enum ads_diff_type type, const char *currency)
{
	struct ads_buf b = ADS_BUF_INIT;
	size_t n;

	ads_render_plan_value(&b, v, type, currency);
	n = b.len > VALUE_MAX ? VALUE_MAX : b.len;
	for (size_t i = 0; i < n; i++) {
		char ch = b.buf[i];

		if (ch == '\n' || ch == '\r')
			ch = ' ';
		if (ch == '`' && i + 2 < b.len && b.buf[i + 1] == '`' &&
		    b.buf[i + 2] == '`')
			ch = '\'';
		ads_buf_addch(out, ch);
	}
	if (b.len > n)
		ads_buf_addf(out, " … (%zu more characters)", b.len - n);
	ads_buf_release(&b);
}

static void table_row(struct ads_buf *b, const struct ads_plan *p,
                      const struct ads_plan_step *s)
{
	struct ads_buf t = ADS_BUF_INIT;

	ads_buf_addf(b, "| `%s` | `%s` | ", ads_render_action_symbol(s->action),
	             s->address);
	ads_render_plan_step_title(&t, s);
	cell(b, t.buf);
	ads_buf_reset(&t);
	ads_buf_addstr(b, " | ");
	ads_render_plan_impact(&t, s, p->currency);
	cell(b, t.buf);
	ads_buf_addstr(b, " |\n");
	ads_buf_release(&t);
}

static void details(struct ads_buf *b, const struct ads_plan *p,
                    const struct ads_plan_step *s)
{
	ads_buf_addf(b, "#### `%s %s`", ads_render_action_symbol(s->action),
	             s->address);
	if (s->id)
		ads_buf_addf(b, " (%s)", s->id);
	ads_buf_addstr(b, "\n");
	ads_render_plan_step_title(b, s);
	ads_buf_addstr(b, "\n");
	if (s->impact || s->spend_delta) {
		ads_buf_addstr(b, "\n_Impact: ");
		ads_render_plan_impact(b, s, p->currency);
		ads_buf_addstr(b, "_\n");
	}
	if (s->nchanges) {
		ads_buf_addstr(b, "\n```diff\n");
		for (size_t i = 0; i < s->nchanges; i++) {
			const struct ads_plan_change *c = &s->changes[i];

			if (c->before || s->action != ADS_ACTION_CREATE) {
				ads_buf_addf(b, "- %s: ", c->field);
				fenced_value(b, c->before, c->type,
				             p->currency);
				ads_buf_addch(b, '\n');
			}
			ads_buf_addf(b, "+ %s: ", c->field);
			fenced_value(b, c->after, c->type, p->currency);
			if (c->origin == ADS_ORIGIN_LIVE)
				ads_buf_addstr(b,
				               "   # changed in Ads Manager");
			else if (c->origin == ADS_ORIGIN_GIT)
				ads_buf_addstr(b, "   # changed in git");
			ads_buf_addch(b, '\n');
		}
		ads_buf_addstr(b, "```\n");
	}
	ads_buf_addch(b, '\n');
}

static void open_section(struct ads_buf *out, enum section sec, size_t nsteps)
{
	switch (sec) {
	case SEC_TABLE:
		ads_buf_addstr(out, "| | Address | Step | Impact |\n"
		                    "| --- | --- | --- | --- |\n");
		break;
	case SEC_DETAILS:
		ads_buf_addf(out,
		             "<details><summary>Details of %zu step%s</summary>"
		             "\n\n",
		             nsteps, nsteps == 1 ? "" : "s");
		break;
	case SEC_NOTES:
		ads_buf_addstr(out, "**Notes**\n\n");
		break;
	case SEC_COUNT:
		break;
	}
}

static void close_section(struct ads_buf *out, enum section sec)
{
	if (sec == SEC_DETAILS)
		ads_buf_addstr(out, "</details>\n");
	ads_buf_addch(out, '\n');
}

static void title(struct ads_buf *out, const struct ads_plan *p)
{
	ads_buf_addf(out, "### adsctl plan: `%s` on `%s`", p->stack,
	             p->account);
	if (p->target)
		ads_buf_addf(out, " (target `%s`)", p->target);
	ads_buf_addch(out, '\n');
}

void ads_render_plan_markdown(struct ads_strvec *docs, const struct ads_plan *p,
                              size_t max)
{
	struct blocks bs = { 0 };
	struct ads_buf b = ADS_BUF_INIT, head = ADS_BUF_INIT;
	struct ads_buf doc = ADS_BUF_INIT;
	struct ads_strvec parts = ADS_STRVEC_INIT;
	size_t budget = max > 2 * OVERHEAD ? max - OVERHEAD : max / 2;

	/* the summary: first in the first document */
	ads_buf_addstr(&head, "**");
	if (ads_plan_empty(p))
		ads_buf_addf(&head, "No changes.** `%s` matches the manifests.",
		             p->account);
	else {
		ads_render_plan_summary(&head, p);
		ads_buf_addstr(&head, "**");
	}
	ads_buf_addch(&head, '\n');
	if (p->validated) {
		ads_buf_addch(&head, '\n');
		ads_render_plan_validation_text(&head, p,
		                                &(struct ads_style){ 0 });
	}
	ads_buf_addch(&head, '\n');
	for (size_t i = 0; i < p->nsteps; i++) {
		table_row(&b, p, &p->steps[i]);
		push(&bs, SEC_TABLE, &b);
	}
	for (size_t i = 0; i < p->nsteps; i++) {
		details(&b, p, &p->steps[i]);
		if (b.len > budget) {
			ads_buf_setlen(&b, budget - 200);
			ads_buf_addstr(&b, "\n```\n\n_(cut: see the JSON plan "
			                   "for the rest of this step)_\n\n");
		}
		push(&bs, SEC_DETAILS, &b);
	}
	for (size_t i = 0; i < p->notes.nr; i++) {
		ads_buf_addstr(&b, "- ");
		cell(&b, p->notes.v[i]);
		ads_buf_addch(&b, '\n');
		push(&bs, SEC_NOTES, &b);
	}

	/* pack the blocks into documents */
	{
		int open = -1;

		ads_buf_add(&doc, head.buf, head.len);
		for (size_t i = 0; i < bs.nr; i++) {
			struct block *bl = &bs.v[i];

			if (doc.len + bl->len + 64 > budget && doc.len) {
				if (open >= 0)
					close_section(&doc, (enum section)open);
				ads_strvec_push(&parts, doc.buf);
				ads_buf_reset(&doc);
				open = -1;
			}
			if (open != (int)bl->sec) {
				if (open >= 0)
					close_section(&doc, (enum section)open);
				open_section(&doc, bl->sec, p->nsteps);
				open = (int)bl->sec;
			}
			ads_buf_add(&doc, bl->text, bl->len);
		}
		if (open >= 0)
			close_section(&doc, (enum section)open);
		if (doc.len || !parts.nr)
			ads_strvec_push(&parts, doc.buf);
	}
	for (size_t i = 0; i < parts.nr; i++) {
		ads_buf_reset(&doc);
		ads_buf_addf(&doc, "<!-- adsctl-plan part %zu of %zu -->\n",
		             i + 1, parts.nr);
		title(&doc, p);
		if (parts.nr > 1)
			ads_buf_addf(&doc, "_Part %zu of %zu._\n", i + 1,
			             parts.nr);
		ads_buf_addch(&doc, '\n');
		ads_buf_addstr(&doc, parts.v[i]);
		ads_buf_trim(&doc);
		ads_buf_addch(&doc, '\n');
		ads_strvec_push(docs, doc.buf);
	}
	for (size_t i = 0; i < bs.nr; i++)
		free(bs.v[i].text);
	free(bs.v);
	ads_strvec_release(&parts);
	ads_buf_release(&b);
	ads_buf_release(&head);
	ads_buf_release(&doc);
}
