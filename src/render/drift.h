/* The report of `adsctl drift`: text for logs, markdown for tickets. */
#ifndef ADS_RENDER_DRIFT_H
#define ADS_RENDER_DRIFT_H

#include "plan/plan.h"
#include "render/style.h"
#include "util/buf.h"

/*
 * The differences of a classified plan (ads_plan_classify), in sections
 * "Changed in Ads Manager" and "Changed in git since the baseline", each
 * change as its live and its git value, then the summary line.
 */
void ads_render_drift_text(struct ads_buf *out, const struct ads_plan *p,
                           const struct ads_style *st);
void ads_render_drift_markdown(struct ads_buf *out, const struct ads_plan *p);

#endif
