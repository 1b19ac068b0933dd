/*
 * adsctl drift's classification of a plan's changes: made in Ads Manager
 * (the live state moved away from what git said at the baseline) or in
 * git (the manifests moved on since the baseline). See ads_plan_classify.
 */
#include "plan/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/map.h"

static const struct ads_plan_change *find_change(const struct ads_plan_step *s,
                                                 const char *field)
{
	for (size_t i = 0; s && i < s->nchanges; i++)
		if (!strcmp(s->changes[i].field, field))
			return &s->changes[i];
	return NULL;
}

static bool same_value(const json_t *a, const json_t *b)
{
	return (!a && !b) || (a && b && json_equal(a, b));
}

void ads_plan_classify(struct ads_plan *plan, const struct ads_plan *base)
{
	struct ads_map by_key = ADS_MAP_INIT;
	char key[1024];

	if (!base)
		return;
	for (size_t i = 0; i < base->nsteps; i++) {
		const struct ads_plan_step *b = &base->steps[i];

		snprintf(key, sizeof(key), "%s %s", ads_action_name(b->action),
		         b->address);
		ads_map_put(&by_key, key, (void *)(uintptr_t)(i + 1));
	}
	for (size_t i = 0; i < plan->nsteps; i++) {
		struct ads_plan_step *s = &plan->steps[i];
		const struct ads_plan_step *b = NULL;
		uintptr_t idx;
		size_t live = 0;

		snprintf(key, sizeof(key), "%s %s", ads_action_name(s->action),
		         s->address);
		idx = (uintptr_t)ads_map_get(&by_key, key);
		if (idx)
			b = &base->steps[idx - 1];
		for (size_t c = 0; c < s->nchanges; c++) {
			struct ads_plan_change *ch = &s->changes[c];
			const struct ads_plan_change *bc =
			        find_change(b, ch->field);
			/* a create has no live value: compare what is wanted */
			bool same =
			        bc &&
			        (s->action == ADS_ACTION_CREATE
			                 ? same_value(bc->after, ch->after)
			                 : same_value(bc->before, ch->before));

			ch->origin = same ? ADS_ORIGIN_LIVE : ADS_ORIGIN_GIT;
			live += same;
		}
		if (!s->nchanges)
			s->origin = b ? ADS_ORIGIN_LIVE : ADS_ORIGIN_GIT;
		else if (live == s->nchanges)
			s->origin = ADS_ORIGIN_LIVE;
		else if (!live)
			s->origin = ADS_ORIGIN_GIT;
		else
			s->origin = ADS_ORIGIN_UNKNOWN;
	}
	ads_map_release(&by_key, NULL);
}
