/*
 * A plan as text for a terminal or a log: one block per step, starting
 * with its action symbol and address (DESIGN.md §6), field-level
 * before → after, impact, notes, and the summary line. Colour only when
 * the style says so (cli/ decides: --color > NO_COLOR > isatty).
 */
#include "render/plan_text.h"

#include <string.h>

#include "render/money.h"
#include "util/json.h"
#include "util/xalloc.h"

const char *ads_render_action_symbol(enum ads_action a)
{
	switch (a) {
	case ADS_ACTION_CREATE:
		return "+";
	case ADS_ACTION_UPDATE:
		return "~";
	case ADS_ACTION_REPLACE:
		return "-/+";
	case ADS_ACTION_DELETE:
	case ADS_ACTION_ARCHIVE:
		return "-";
	case ADS_ACTION_ACTIVATE:
		return ">";
	}
	return "?";
}

static enum ads_color action_color(enum ads_action a)
{
	switch (a) {
	case ADS_ACTION_CREATE:
		return ADS_COLOR_GREEN;
	case ADS_ACTION_UPDATE:
	case ADS_ACTION_REPLACE:
		return ADS_COLOR_YELLOW;
	case ADS_ACTION_DELETE:
	case ADS_ACTION_ARCHIVE:
		return ADS_COLOR_RED;
	case ADS_ACTION_ACTIVATE:
		return ADS_COLOR_CYAN;
	}
	return ADS_COLOR_RESET;
}

/* A copy of v in which placeholders read "(new ADDRESS)". */
static json_t *readable(const json_t *v)
{
	const char *addr;

	if (ads_plan_is_ref(v, &addr))
		return json_sprintf("(new %s)", addr);
	if (json_is_object(v)) {
		json_t *o = json_object(), *e;
		const char *k;

		json_object_foreach(ads_json_mut(v), k, e)
			json_object_set_new(o, k, readable(e));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array(), *e;
		size_t i;

		json_array_foreach(v, i, e)
			json_array_append_new(a, readable(e));
		return a;
	}
	return json_deep_copy(v);
}

void ads_render_plan_value(struct ads_buf *out, const json_t *v,
                           enum ads_diff_type type, const char *currency)
{
	const char *addr;
	int64_t n;
	json_t *r;
	char *text;

	if (!v || json_is_null(v)) {
		ads_buf_addstr(out, "(none)");
		return;
	}
	if (ads_plan_is_ref(v, &addr)) {
		ads_buf_addf(out, "(new %s)", addr);
		return;
	}
	if (type == ADS_DIFF_MONEY && ads_json_as_int64(v, &n)) {
		ads_render_money(out, n, currency, false);
		return;
	}
	if ((type == ADS_DIFF_CONTENT || type == ADS_DIFF_MEMBERS) &&
	    json_is_string(v)) {
		ads_buf_addf(out, "%.12s", json_string_value(v));
		return;
	}
	r = readable(v);
	text = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
	ads_buf_addstr(out, text ? text : "?");
	free(text);
	json_decref(r);
}

void ads_render_plan_impact(struct ads_buf *out, const struct ads_plan_step *s,
                            const char *currency)
{
	const char *sep = "";

	if (s->impact & ADS_IMPACT_LEARNING_RESET) {
		ads_buf_addf(out, "%slearning phase reset", sep);
		sep = ", ";
	}
	if (s->impact & ADS_IMPACT_AD_REVIEW) {
		ads_buf_addf(out, "%sads go back to review", sep);
		sep = ", ";
	}
	if (s->spend_delta) {
		ads_buf_addf(out, "%sdaily spend ", sep);
		ads_render_money(out, s->spend_delta, currency, true);
		sep = ", ";
	}
	if (s->impact & ADS_IMPACT_REPLACE) {
		ads_buf_addf(out, "%snew id, statistics start again", sep);
		sep = ", ";
	}
	if (s->impact & ADS_IMPACT_IRREVERSIBLE)
		ads_buf_addf(out, "%sirreversible", sep);
}

void ads_render_plan_step_title(struct ads_buf *out,
                                const struct ads_plan_step *s)
{
	ads_buf_addf(out, "%s %s", ads_action_name(s->action),
	             ads_plan_kind_words(s->kind));
	if (s->action == ADS_ACTION_CREATE &&
	    (s->kind == ADS_KIND_CAMPAIGN || s->kind == ADS_KIND_AD_SET ||
	     s->kind == ADS_KIND_AD))
		ads_buf_addstr(out, s->activated ? " (paused until activated)"
		                                 : " (paused, as declared)");
	if (s->via)
		ads_buf_addf(out, " with %s", s->via);
	if (s->reason)
		ads_buf_addf(out, ": %s", s->reason);
}

void ads_render_plan_summary(struct ads_buf *out, const struct ads_plan *p)
{
	ads_buf_addf(out,
	             "Plan: %zu to create, %zu to update, %zu to replace, "
	             "%zu to delete",
	             p->count[ADS_ACTION_CREATE], p->count[ADS_ACTION_UPDATE],
	             p->count[ADS_ACTION_REPLACE], p->count[ADS_ACTION_DELETE]);
	if (p->count[ADS_ACTION_ARCHIVE])
		ads_buf_addf(out, ", %zu to archive",
		             p->count[ADS_ACTION_ARCHIVE]);
	if (p->count[ADS_ACTION_ACTIVATE])
		ads_buf_addf(out, ", %zu to activate",
		             p->count[ADS_ACTION_ACTIVATE]);
	if (p->spend_delta) {
		ads_buf_addstr(out, "; daily spend ");
		ads_render_money(out, p->spend_delta, p->currency, true);
	}
}

static void render_step(struct ads_buf *out, const struct ads_plan *p,
                        const struct ads_plan_step *s,
                        const struct ads_style *st)
{
	size_t width = 0;

	ads_style_color(out, st, action_color(s->action));
	ads_buf_addf(out, "%s ", ads_render_action_symbol(s->action));
	ads_style_color(out, st, ADS_COLOR_BOLD);
	ads_buf_addstr(out, s->address);
	ads_style_color(out, st, ADS_COLOR_RESET);
	if (s->id)
		ads_buf_addf(out, " (%s)", s->id);
	ads_buf_addstr(out, "\n    ");
	ads_render_plan_step_title(out, s);
	ads_buf_addch(out, '\n');
	for (size_t i = 0; i < s->nchanges; i++)
		if (strlen(s->changes[i].field) > width)
			width = strlen(s->changes[i].field);
	for (size_t i = 0; i < s->nchanges; i++) {
		const struct ads_plan_change *c = &s->changes[i];
		size_t pad = width - strlen(c->field);

		ads_buf_addf(out, "    %s: ", c->field);
		ads_buf_addchars(out, ' ', pad);
		if (s->action != ADS_ACTION_CREATE || c->before) {
			ads_style_color(out, st, ADS_COLOR_RED);
			ads_render_plan_value(out, c->before, c->type,
			                      p->currency);
			ads_style_color(out, st, ADS_COLOR_RESET);
			ads_buf_addstr(out, " → ");
		}
		ads_style_color(out, st, ADS_COLOR_GREEN);
		ads_render_plan_value(out, c->after, c->type, p->currency);
		ads_style_color(out, st, ADS_COLOR_RESET);
		if (c->origin == ADS_ORIGIN_LIVE)
			ads_buf_addstr(out, "  (changed in Ads Manager)");
		else if (c->origin == ADS_ORIGIN_GIT)
			ads_buf_addstr(out, "  (changed in git)");
		ads_buf_addch(out, '\n');
	}
	if (s->impact || s->spend_delta) {
		ads_buf_addstr(out, "    ");
		ads_style_color(out, st, ADS_COLOR_YELLOW);
		ads_buf_addstr(out, "impact: ");
		ads_render_plan_impact(out, s, p->currency);
		ads_style_color(out, st, ADS_COLOR_RESET);
		ads_buf_addch(out, '\n');
	}
}

void ads_render_plan_validation_text(struct ads_buf *out,
                                     const struct ads_plan *p,
                                     const struct ads_style *st)
{
	size_t n = p->nvalidated + p->nrejections;

	if (!p->validated)
		return;
	ads_buf_addf(out, "Remote validation: %zu request%s checked by the API",
	             n, n == 1 ? "" : "s");
	if (p->nrejections)
		ads_buf_addf(out, ", %zu rejected", p->nrejections);
	ads_buf_addstr(out, ".\n");
	for (size_t i = 0; i < p->nrejections; i++) {
		const struct ads_plan_rejection *r = &p->rejections[i];

		ads_buf_addstr(out, "  ");
		if (r->err.file)
			ads_buf_addf(out, "%s:%u:%u: ", r->err.file,
			             r->err.line, r->err.col);
		ads_style_color(out, st, ADS_COLOR_RED);
		ads_buf_addstr(out, "rejected: ");
		ads_style_color(out, st, ADS_COLOR_RESET);
		if (r->step < p->nsteps)
			ads_buf_addf(out, "%s %s: ",
			             ads_action_name(p->steps[r->step].action),
			             p->steps[r->step].address);
		ads_buf_addstr(out, r->err.msg ? r->err.msg : "");
		if (r->err.api_code)
			ads_buf_addf(out, " (code %d", r->err.api_code);
		if (r->err.api_code && r->err.api_subcode)
			ads_buf_addf(out, "/%d", r->err.api_subcode);
		if (r->err.api_code)
			ads_buf_addch(out, ')');
		ads_buf_addch(out, '\n');
		if (r->err.api_user_msg)
			ads_buf_addf(out, "    %s\n", r->err.api_user_msg);
	}
	for (size_t i = 0; i < p->not_validated.nr; i++)
		ads_buf_addf(out, "  not validated: %s\n",
		             p->not_validated.v[i]);
}

void ads_render_plan_text(struct ads_buf *out, const struct ads_plan *p,
                          const struct ads_style *st)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		render_step(out, p, &p->steps[i], st);
		ads_buf_addch(out, '\n');
	}
	if (p->notes.nr) {
		ads_buf_addstr(out, "Notes:\n");
		for (size_t i = 0; i < p->notes.nr; i++)
			ads_buf_addf(out, "  - %s\n", p->notes.v[i]);
		ads_buf_addch(out, '\n');
	}
	ads_render_plan_validation_text(out, p, st);
	if (p->validated)
		ads_buf_addch(out, '\n');
	if (p->target)
		ads_buf_addf(out,
		             "Target: %s, what is below it and what it needs; "
		             "the rest of the project was not compared.\n",
		             p->target);
	ads_style_color(out, st, ADS_COLOR_BOLD);
	if (ads_plan_empty(p))
		ads_buf_addf(out,
		             "No changes. %s matches the manifests of stack "
		             "'%s'.",
		             p->account, p->stack);
	else
		ads_render_plan_summary(out, p);
	ads_style_color(out, st, ADS_COLOR_RESET);
	ads_buf_addch(out, '\n');
}
