/* Plans as markdown for pull-request comments, split to fit. */
#ifndef ADS_RENDER_PLAN_MARKDOWN_H
#define ADS_RENDER_PLAN_MARKDOWN_H

#include <stddef.h>

#include "plan/plan.h"
#include "util/buf.h"

/* Under GitHub's 65,536-character limit on comments, with room to spare. */
#define ADS_MARKDOWN_MAX 65000

/*
 * Appends the plan to docs as one or more markdown documents of at most
 * max characters each (ADS_MARKDOWN_MAX for GitHub). Each starts with the
 * line "<!-- adsctl-plan part I of N -->"; the first holds the summary.
 */
void ads_render_plan_markdown(struct ads_strvec *docs, const struct ads_plan *p,
                              size_t max);

#endif
