/*
 * Typing of YAML scalars by the YAML 1.2 core schema, private to
 * src/manifest/: what `NO`, `0x1F`, `1e3` or `~` mean in a manifest.
 */
#ifndef ADS_MANIFEST_SCALAR_H
#define ADS_MANIFEST_SCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ads_scalar_type {
	ADS_SCALAR_STR, /* anything else: keep the text */
	ADS_SCALAR_NULL, /* ~, null, Null, NULL, empty */
	ADS_SCALAR_BOOL, /* true/True/TRUE/false/False/FALSE only */
	ADS_SCALAR_INT, /* decimal, 0o octal, 0x hex within int64 */
	ADS_SCALAR_BIGINT, /* integer syntax beyond int64 */
	ADS_SCALAR_FLOAT, /* finite */
	ADS_SCALAR_NONFINITE, /* .inf, .nan and overflowing floats */
};

struct ads_scalar {
	bool b;
	int64_t i;
	double d;
};

/* Types the plain scalar s (n bytes); fills the matching field of *out. */
enum ads_scalar_type ads_scalar_resolve(const char *s, size_t n,
                                        struct ads_scalar *out);
bool ads_scalar_is_null(const char *s, size_t n);
bool ads_scalar_is_bool(const char *s, size_t n, bool *out);
/*
 * Integer syntax of the core schema. Returns ADS_SCALAR_INT (*out set),
 * ADS_SCALAR_BIGINT (valid syntax, beyond int64) or ADS_SCALAR_STR.
 */
enum ads_scalar_type ads_scalar_int(const char *s, size_t n, int64_t *out);
/*
 * Float syntax of the core schema (integers included). Returns
 * ADS_SCALAR_FLOAT (*out set), ADS_SCALAR_NONFINITE or ADS_SCALAR_STR.
 */
enum ads_scalar_type ads_scalar_float(const char *s, size_t n, double *out);

#endif
