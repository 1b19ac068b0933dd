/*
 * JSON value semantics of JSON Schema, private to src/schema/: equality
 * where 1 and 1.0 are the same number and key order does not matter, a
 * hash consistent with it, exact number comparison, and string length in
 * Unicode code points.
 */
#ifndef ADS_SCHEMA_VALUE_H
#define ADS_SCHEMA_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema/compile.h"

bool sch_json_equal(const json_t *a, const json_t *b);
/* Equal values (by sch_json_equal) hash equally. */
uint64_t sch_json_hash(const json_t *v);
/* Compares the number v with limit: <0, 0 or >0. */
int sch_num_cmp(const json_t *v, const struct sch_num *limit);
/* Whether the number v is an integer multiple of m (m > 0). */
bool sch_multiple_of(const json_t *v, const struct sch_num *m);
/* The number of code points of a UTF-8 string of len bytes. */
size_t sch_utf8_length(const char *s, size_t len);

#endif
