/*
 * Plans as text (plan, show --format text): the step blocks, the notes,
 * remote validation results and the summary line. The helpers for values,
 * titles and impact are shared with the markdown renderer.
 */
#ifndef ADS_RENDER_PLAN_TEXT_H
#define ADS_RENDER_PLAN_TEXT_H

#include <jansson.h>

#include "plan/plan.h"
#include "render/style.h"
#include "util/buf.h"

/* "+", "~", "-/+", "-", ">": the symbol a step line starts with. */
const char *ads_render_action_symbol(enum ads_action a);
/*
 * A value of a change: money in the account currency ("$25.00"),
 * placeholders as "(new ADDRESS)", digests shortened, the rest as
 * compact JSON; "(none)" for NULL.
 */
void ads_render_plan_value(struct ads_buf *out, const json_t *v,
                           enum ads_diff_type type, const char *currency);
/*
 * "create ad set (paused until activated): reason"; a create that the
 * plan does not activate (declared PAUSED) says "(paused, as declared)".
 */
void ads_render_plan_step_title(struct ads_buf *out,
                                const struct ads_plan_step *s);
/* "learning phase reset, daily spend +$5.00, irreversible". */
void ads_render_plan_impact(struct ads_buf *out, const struct ads_plan_step *s,
                            const char *currency);
/* "Plan: 3 to create, 2 to update, 1 to replace, 0 to delete; daily
 * spend +€40.00" (no newline). */
void ads_render_plan_summary(struct ads_buf *out, const struct ads_plan *p);
/* The --validate-remote results, when the plan has them. */
void ads_render_plan_validation_text(struct ads_buf *out,
                                     const struct ads_plan *p,
                                     const struct ads_style *st);
/* The whole plan. */
void ads_render_plan_text(struct ads_buf *out, const struct ads_plan *p,
                          const struct ads_style *st);

#endif
