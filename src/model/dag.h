/*
 * The dependency graph of a model's resources: a deterministic creation
 * order (parents and dependencies first, then by kind rank and address)
 * and the detection of reference cycles.
 */
#ifndef ADS_MODEL_DAG_H
#define ADS_MODEL_DAG_H

#include <stddef.h>

#include "model/model.h"
#include "util/diag.h"

/*
 * Orders the n resources of all (whose deps and rdeps are filled) into
 * order (an array of n, owned by the caller) and sets each index. When the
 * graph has cycles, each is reported once in diags at the location of one
 * of its references and the number of cycles is returned (order is then
 * incomplete); 0 otherwise.
 */
size_t ads_dag_sort(struct ads_resource **order,
                    struct ads_resource *const *all, size_t n,
                    struct ads_diags *diags);

/*
 * Marks in mark (an array of m->nr booleans indexed by resource index)
 * the roots, their descendants and, transitively, their dependencies.
 */
void ads_dag_closure(bool *mark, const struct ads_model *m,
                     struct ads_resource *const *roots, size_t nroots);

#endif
