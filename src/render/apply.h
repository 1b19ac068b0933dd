/*
 * What `adsctl apply` prints: a line per step as it ends (progress, on
 * stderr) and the summary of the run (stdout): what succeeded, what failed
 * with Meta's error, what was skipped or not attempted, and what to do
 * next.
 */
#ifndef ADS_RENDER_APPLY_H
#define ADS_RENDER_APPLY_H

#include "apply/apply.h"
#include "plan/plan.h"
#include "render/style.h"
#include "util/buf.h"

/*
 * "+ campaigns.spring: created 120001", "- ...: archived", "x ...: failed:
 * (#100) ...": one line (with '\n') for step i that just ended.
 */
void ads_render_apply_step(struct ads_buf *out, const struct ads_plan *p,
                           size_t i, const struct ads_apply_step *r,
                           const struct ads_style *st);

/*
 * The summary of a run: "Apply complete: 3 created, 1 updated." or, when
 * some steps did not succeed, the steps that did not (with Meta's error
 * code, subcode, message and fbtrace_id), what was not attempted, that
 * new objects stay paused, and how to finish the job. journal is the
 * journal file's path (or NULL).
 */
void ads_render_apply_summary(struct ads_buf *out, const struct ads_plan *p,
                              const struct ads_apply_result *r,
                              const char *journal, const struct ads_style *st);

#endif
