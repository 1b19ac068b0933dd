/*
 * The `policies` of adsctl.yaml (DESIGN.md §2): guardrails a team sets on
 * its own manifests, checked against every resource of a kind. A policy
 * names a field by a dotted path ("targeting.age_min") and constrains it
 * with a PCRE2 `pattern`, `min`/`max`, an `enum` of allowed values, or
 * `required: true`; `message` replaces the default explanation. A field
 * with a pattern must be declared; limits and enums bound a field only
 * where it is declared.
 */
#ifndef ADS_MODEL_POLICY_H
#define ADS_MODEL_POLICY_H

#include <stdbool.h>

#include "model/model.h"
#include "util/diag.h"

/*
 * Checks every policy of m->policies whose skip[i] is false (skip may be
 * NULL) against the resources of its kind, appending a diagnostic for
 * each violation at the field (or at the resource when the field is
 * missing) and for each policy that cannot be evaluated.
 */
void ads_policies_check(const struct ads_model *m, const bool *skip,
                        struct ads_diags *diags);

#endif
