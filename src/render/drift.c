/*
 * The report of `adsctl drift` (DESIGN.md §3: a concise report of what
 * changed outside git): the differences between the live account and the
 * manifests, told apart as "changed in Ads Manager" and "changed in git",
 * as text or as markdown. The JSON form is the plan document with origins.
 */
#include "render/drift.h"

#include <string.h>

#include "render/plan_text.h"

struct fmt {
	bool md;
	const struct ads_style *st;
};

static void item(struct ads_buf *out, const struct fmt *f,
                 const struct ads_plan *p, const struct ads_plan_step *s,
                 enum ads_change_origin want)
{
	bool any = false;

	ads_buf_addf(out, f->md ? "- `%s %s`" : "  %s %s",
	             ads_render_action_symbol(s->action), s->address);
	if (s->id)
		ads_buf_addf(out, " (%s)", s->id);
	for (size_t i = 0; i < s->nchanges; i++) {
		const struct ads_plan_change *c = &s->changes[i];

		if ((s->action == ADS_ACTION_CREATE &&
		     want != ADS_ORIGIN_GIT) ||
		    (want != ADS_ORIGIN_UNKNOWN && c->origin != want))
			continue;
		any = true;
		ads_buf_addstr(out, f->md ? "\n  - `" : "\n      ");
		ads_buf_addf(out, "%s", c->field);
		ads_buf_addstr(out, f->md ? "`: " : ": ");
		ads_render_plan_value(out, c->before, c->type, p->currency);
		ads_buf_addstr(out, want == ADS_ORIGIN_LIVE
		                            ? " in Ads Manager, "
		                            : " live, ");
		ads_render_plan_value(out, c->after, c->type, p->currency);
		ads_buf_addstr(out, " in git");
	}
	if (!any) {
		ads_buf_addstr(out, ": ");
		ads_render_plan_step_title(out, s);
	}
	ads_buf_addch(out, '\n');
}

static bool has(const struct ads_plan_step *s, enum ads_change_origin want)
{
	if (want == ADS_ORIGIN_UNKNOWN)
		return true;
	if (!s->nchanges)
		return s->origin == want;
	for (size_t i = 0; i < s->nchanges; i++)
		if (s->changes[i].origin == want)
			return true;
	return false;
}

static void section(struct ads_buf *out, const struct fmt *f,
                    const struct ads_plan *p, enum ads_change_origin want,
                    const char *title)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nsteps; i++)
		n += has(&p->steps[i], want);
	if (!n)
		return;
	if (f->md)
		ads_buf_addf(out, "#### %s (%zu)\n\n", title, n);
	else {
		ads_style_color(out, f->st, ADS_COLOR_BOLD);
		ads_buf_addf(out, "%s (%zu):", title, n);
		ads_style_color(out, f->st, ADS_COLOR_RESET);
		ads_buf_addch(out, '\n');
	}
	for (size_t i = 0; i < p->nsteps; i++)
		if (has(&p->steps[i], want))
			item(out, f, p, &p->steps[i], want);
	ads_buf_addch(out, '\n');
}

static void render(struct ads_buf *out, const struct fmt *f,
                   const struct ads_plan *p)
{
	bool classified = p->drift_baseline != NULL;

	ads_buf_addf(out,
	             f->md ? "### adsctl drift: `%s` on `%s`\n\n"
	                   : "Drift of stack '%s' on %s",
	             p->stack, p->account);
	if (classified)
		ads_buf_addf(out, f->md ? "Baseline: %s.\n\n" : " against %s",
		             p->drift_baseline);
	if (!f->md)
		ads_buf_addstr(out, "\n\n");
	if (ads_plan_empty(p)) {
		ads_buf_addf(out, "No drift: %s matches the manifests.\n",
		             p->account);
		return;
	}
	if (classified) {
		section(out, f, p, ADS_ORIGIN_LIVE, "Changed in Ads Manager");
		section(out, f, p, ADS_ORIGIN_GIT,
		        "Changed in git since the baseline");
	} else {
		section(out, f, p, ADS_ORIGIN_UNKNOWN,
		        "Differences (no baseline to tell them apart)");
	}
	if (f->md)
		ads_buf_addstr(out, "**");
	ads_render_plan_summary(out, p);
	ads_buf_addstr(out, f->md ? "**\n" : "\n");
	ads_buf_addstr(out, f->md ? "\n" : "");
	ads_buf_addstr(out, "'adsctl plan' shows every step; 'adsctl apply' "
	                    "puts the account back to the manifests.\n");
}

void ads_render_drift_text(struct ads_buf *out, const struct ads_plan *p,
                           const struct ads_style *st)
{
	struct fmt f = { .md = false, .st = st };

	render(out, &f, p);
}

void ads_render_drift_markdown(struct ads_buf *out, const struct ads_plan *p)
{
	struct ads_style plain = ADS_STYLE_PLAIN;
	struct fmt f = { .md = true, .st = &plain };

	render(out, &f, p);
}
