/*
 * apply's output (render/apply.h): progress lines as steps end and the
 * summary of the run. Errors show what Meta said (code, subcode,
 * fbtrace_id for its support) so a failed apply can be acted on.
 */
#include "render/apply.h"

#include <string.h>

#include "render/diag.h"
#include "render/plan_text.h"
#include "util/xalloc.h"

/* Entries listed per section of the summary before "and N more". */
#define LIST_MAX 20

static const char *past(enum ads_action a)
{
	switch (a) {
	case ADS_ACTION_CREATE:
		return "created";
	case ADS_ACTION_UPDATE:
		return "updated";
	case ADS_ACTION_REPLACE:
		return "replaced";
	case ADS_ACTION_DELETE:
		return "deleted";
	case ADS_ACTION_ARCHIVE:
		return "archived";
	case ADS_ACTION_ACTIVATE:
		return "activated";
	}
	return "done";
}

/* Meta's details of an error: [code 100, subcode 33; fbtrace_id X]. */
static void api_details(struct ads_buf *out, const struct ads_error *e)
{
	const char *sep = "";

	if (!e->api_code && !e->fbtrace_id && !e->http_status)
		return;
	ads_buf_addstr(out, " [");
	if (e->api_code) {
		ads_buf_addf(out, "code %d", e->api_code);
		sep = ", ";
	}
	if (e->api_subcode) {
		ads_buf_addf(out, "%ssubcode %d", sep, e->api_subcode);
		sep = ", ";
	}
	if (!e->api_code && e->http_status) {
		ads_buf_addf(out, "%sHTTP %ld", sep, e->http_status);
		sep = ", ";
	}
	if (e->fbtrace_id)
		ads_buf_addf(out, "%sfbtrace_id %s", *sep ? "; " : "",
		             e->fbtrace_id);
	ads_buf_addch(out, ']');
}

/*
 * Meta's words for the user and where in the manifests the problem is, on
 * a line of their own: "    campaigns/a.yaml:17:23: Budget Is Too Low: ...".
 */
static void user_detail(struct ads_buf *out, const struct ads_error *e,
                        const char *indent)
{
	if (!e->api_user_msg && !e->api_user_title && !e->file)
		return;
	ads_buf_addf(out, "\n%s", indent);
	if (e->file)
		ads_buf_addf(out, "%s:%u:%u: ", e->file, e->line, e->col);
	if (e->api_user_msg || e->api_user_title)
		ads_render_user_words(out, e);
	else
		ads_buf_addstr(out, "here");
}

void ads_render_apply_step(struct ads_buf *out, const struct ads_plan *p,
                           size_t i, const struct ads_apply_step *r,
                           const struct ads_style *st)
{
	const struct ads_plan_step *s = &p->steps[i];

	switch (r->state) {
	case ADS_APPLY_DONE:
		ads_style_color(out, st, ADS_COLOR_GREEN);
		ads_buf_addf(out, "%s ", ads_render_action_symbol(s->action));
		ads_style_color(out, st, ADS_COLOR_RESET);
		ads_buf_addf(out, "%s: ", s->address);
		if (r->present)
			ads_buf_addstr(out, "already in the account");
		else if (s->via && !s->nrequests)
			ads_buf_addf(out, "%s with %s", past(s->action),
			             s->via);
		else
			ads_buf_addstr(out, past(s->action));
		if (r->id && s->action != ADS_ACTION_DELETE &&
		    s->action != ADS_ACTION_ARCHIVE)
			ads_buf_addf(out, " %s", r->id);
		if (r->adopted)
			ads_buf_addstr(out,
			               " (answer lost; found by its label)");
		break;
	case ADS_APPLY_FAILED:
	case ADS_APPLY_UNKNOWN:
		ads_style_color(out, st, ADS_COLOR_RED);
		ads_buf_addstr(out, "x ");
		ads_style_color(out, st, ADS_COLOR_RESET);
		ads_buf_addf(out, "%s: %s %s: %s", s->address,
		             ads_action_name(s->action),
		             r->state == ADS_APPLY_FAILED ? "failed"
		                                          : "outcome unknown",
		             r->err.msg ? r->err.msg : "no reason given");
		api_details(out, &r->err);
		user_detail(out, &r->err, "    ");
		break;
	case ADS_APPLY_SKIPPED:
	case ADS_APPLY_PENDING:
		ads_style_color(out, st, ADS_COLOR_DIM);
		ads_buf_addf(out, "  %s: %s", s->address,
		             r->err.msg ? r->err.msg : "not attempted");
		ads_style_color(out, st, ADS_COLOR_RESET);
		break;
	}
	ads_buf_addch(out, '\n');
}

/* Lists the steps in state (activations apart when activations says). */
static size_t list(struct ads_buf *out, const struct ads_plan *p,
                   const struct ads_apply_result *r, enum ads_apply_state state,
                   int activations, const char *title,
                   const struct ads_style *st)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct ads_plan_step *s = &p->steps[i];
		const struct ads_apply_step *o = &r->steps[i];

		if (o->state != state ||
		    (activations >= 0 &&
		     (s->action == ADS_ACTION_ACTIVATE) != (activations > 0)))
			continue;
		if (!n++) {
			ads_style_color(out, st, ADS_COLOR_BOLD);
			ads_buf_addf(out, "\n%s\n", title);
			ads_style_color(out, st, ADS_COLOR_RESET);
		}
		if (n > LIST_MAX)
			continue;
		ads_buf_addf(out, "  %s %s (%s %s",
		             ads_render_action_symbol(s->action), s->address,
		             ads_action_name(s->action),
		             ads_kind_name(s->kind));
		if (o->id && state != ADS_APPLY_PENDING)
			ads_buf_addf(out, " %s", o->id);
		ads_buf_addch(out, ')');
		if ((state == ADS_APPLY_FAILED || state == ADS_APPLY_UNKNOWN) &&
		    o->err.msg) {
			ads_buf_addf(out, "\n      %s", o->err.msg);
			api_details(out, &o->err);
			user_detail(out, &o->err, "      ");
		} else if (state == ADS_APPLY_SKIPPED && o->err.msg &&
		           activations != 1) {
			ads_buf_addf(out, ": %s", o->err.msg);
		}
		ads_buf_addch(out, '\n');
	}
	if (n > LIST_MAX)
		ads_buf_addf(out, "  ... and %zu more\n", n - LIST_MAX);
	return n;
}

/* "3 created, 1 updated" over the done steps. */
static void done_counts(struct ads_buf *out, const struct ads_plan *p,
                        const struct ads_apply_result *r)
{
	size_t n[ADS_ACTION_COUNT] = { 0 };
	const char *sep = "";
	static const enum ads_action order[] = {
		ADS_ACTION_CREATE, ADS_ACTION_UPDATE,  ADS_ACTION_REPLACE,
		ADS_ACTION_DELETE, ADS_ACTION_ARCHIVE, ADS_ACTION_ACTIVATE,
	};

	for (size_t i = 0; i < p->nsteps; i++)
		if (r->steps[i].state == ADS_APPLY_DONE)
			n[p->steps[i].action]++;
	for (size_t k = 0; k < ADS_ARRAY_SIZE(order); k++) {
		if (!n[order[k]])
			continue;
		ads_buf_addf(out, "%s%zu %s", sep, n[order[k]], past(order[k]));
		sep = ", ";
	}
	if (!*sep)
		ads_buf_addstr(out, "nothing changed");
}

void ads_render_apply_summary(struct ads_buf *out, const struct ads_plan *p,
                              const struct ads_apply_result *r,
                              const char *journal, const struct ads_style *st)
{
	bool ok = r->count[ADS_APPLY_DONE] == p->nsteps;
	size_t held;

	ads_style_color(out, st, ADS_COLOR_BOLD);
	if (ok) {
		ads_buf_addstr(out, "Apply complete: ");
		done_counts(out, p, r);
		ads_buf_addstr(out, ".");
	} else {
		ads_buf_addf(out, "Apply %s: %zu of %zu steps done (",
		             r->interrupted ? "interrupted" : "partly failed",
		             r->count[ADS_APPLY_DONE], p->nsteps);
		done_counts(out, p, r);
		ads_buf_addstr(out, ").");
	}
	ads_style_color(out, st, ADS_COLOR_RESET);
	ads_buf_addch(out, '\n');
	if (r->adopted || r->recreated)
		ads_buf_addf(out,
		             "%zu answer%s lost on the way: %zu found by "
		             "label, %zu created again (no duplicates).\n",
		             r->adopted + r->recreated,
		             r->adopted + r->recreated == 1 ? " was" : "s were",
		             r->adopted, r->recreated);
	if (!ok) {
		list(out, p, r, ADS_APPLY_FAILED, -1, "Failed:", st);
		list(out, p, r, ADS_APPLY_UNKNOWN, -1,
		     "Outcome unknown (never sent twice; the next apply finds "
		     "them by label):",
		     st);
		list(out, p, r, ADS_APPLY_SKIPPED, 0,
		     "Skipped (a step they need did not succeed):", st);
		held = list(out, p, r, ADS_APPLY_SKIPPED, 1,
		            "Not activated (new objects stay paused, nothing "
		            "spends):",
		            st);
		list(out, p, r, ADS_APPLY_PENDING, -1, "Not attempted:", st);
		ads_buf_addstr(out, "\n");
		if (held || r->count[ADS_APPLY_FAILED] ||
		    r->count[ADS_APPLY_UNKNOWN])
			ads_buf_addstr(
			        out, "Fix what failed if it needs fixing, then "
			             "run 'adsctl apply' again: it plans from "
			             "the live account, and the ad labels tell "
			             "it what exists already.\n");
		else
			ads_buf_addstr(
			        out, "Run 'adsctl apply' again to finish: it "
			             "plans from the live account, and the ad "
			             "labels tell it what exists already.\n");
	}
	if (journal)
		ads_buf_addf(out, "Journal: %s\n", journal);
}
