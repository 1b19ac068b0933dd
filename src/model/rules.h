/*
 * The local semantic rules of creative-model.md §7: checks that need more
 * than one field or more than one resource, so JSON Schema cannot express
 * them. Every rule lives in one table in rules.c, with its severity (errors
 * where the API documentation states the rule, warnings where it is
 * inferred) and the seed line it comes from.
 */
#ifndef ADS_MODEL_RULES_H
#define ADS_MODEL_RULES_H

#include <stddef.h>

#include "model/model.h"
#include "util/diag.h"

/* One row of the rules table, for documentation and tests. */
struct ads_rule_info {
	const char *name; /* "budget.campaign_or_ad_set" */
	enum ads_kind kind; /* the kind it runs on */
	enum ads_severity severity;
	const char *source; /* "003:L15658", or "[I] ..." when inferred */
};

/*
 * Runs every rule on every resource of m, appending problems to diags. A
 * rule that reads a field the schema already reported on stays silent, so
 * one mistake gives one diagnostic.
 */
void ads_rules_check(const struct ads_model *m, struct ads_diags *diags);

/* Row i of the rules table, or NULL past its end. */
const struct ads_rule_info *ads_rule_get(size_t i);

#endif
