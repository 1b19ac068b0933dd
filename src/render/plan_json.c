/*
 * The JSON form of a plan: the document of plan/json.c, indented with its
 * keys in a fixed order so that output is stable from run to run.
 */
#include "render/plan_json.h"

#include "util/json.h"

void ads_render_plan_json(struct ads_buf *out, const struct ads_plan *p)
{
	json_t *doc = ads_plan_to_json(p);

	ads_json_dump_pretty(out, doc);
	json_decref(doc);
}
