/* Plans as JSON (plan --format json, show --format json, saved plans). */
#ifndef ADS_RENDER_PLAN_JSON_H
#define ADS_RENDER_PLAN_JSON_H

#include "plan/plan.h"
#include "util/buf.h"

/* Appends the plan document (docs/plan-format.md), indented, and '\n'. */
void ads_render_plan_json(struct ads_buf *out, const struct ads_plan *p);

#endif
