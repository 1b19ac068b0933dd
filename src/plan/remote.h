/*
 * plan --validate-remote: the plan's creates and updates sent to Graph
 * with execution_options=["validate_only"] (plan/remote.c). The only part
 * of plan/ that uses graph/.
 */
#ifndef ADS_PLAN_REMOTE_H
#define ADS_PLAN_REMOTE_H

#include <jansson.h>

#include "graph/client.h"
#include "live/live.h"
#include "plan/plan.h"

/*
 * Validates every create and update request of p that Graph can check now
 * (not those that need objects the plan creates first: listed in
 * p->not_validated). Fills p->validated, p->nvalidated and p->rejections
 * (each error located in the manifests when the step has a resource).
 * live gives the campaigns of ad sets for Meta's batch rules. Returns 0,
 * or the client's error when the run could not go on (ADS_EAUTH,
 * ADS_EINTR).
 */
int ads_plan_validate_remote(struct ads_plan *p, struct ads_graph *g,
                             const struct ads_live *live,
                             struct ads_error *err);

/*
 * Points a Graph error of step s at the manifest: the value of the field
 * Graph blamed (blame_field_specs), or the resource itself; nothing when
 * the step has no resource (a plan loaded from JSON, an undeclared
 * object).
 */
void ads_plan_step_locate(const struct ads_plan_step *s, struct ads_error *err);

#endif
