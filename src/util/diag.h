/*
 * struct ads_diags: every problem found in a set of manifests, collected so
 * that `adsctl validate` reports all of them at once, not just the first.
 */
#ifndef ADS_UTIL_DIAG_H
#define ADS_UTIL_DIAG_H

#include <stddef.h>

#include "util/error.h"

enum ads_severity {
	ADS_SEV_ERROR,
	ADS_SEV_WARNING,
};

struct ads_diag {
	enum ads_severity sev;
	char *file; /* owned; NULL when the problem has no file */
	unsigned line, col;
	char *msg; /* "unknown field 'daly_budget'"; owned */
	char *suggestion; /* "daily_budget" for "did you mean"; owned or NULL */
	char *rule; /* machine name of the check, e.g. "schema.enum" */
	size_t seq; /* insertion order, keeps sorting stable */
};

struct ads_diags {
	struct ads_diag *v;
	size_t nr, alloc;
	size_t nerrors, nwarnings;
};
#define ADS_DIAGS_INIT           \
	{                        \
		NULL, 0, 0, 0, 0 \
	}

void ads_diags_init(struct ads_diags *d);
void ads_diags_release(struct ads_diags *d);
/*
 * Appends a diagnostic. loc and suggestion may be NULL; rule is a static
 * string naming the check.
 */
void ads_diags_add(struct ads_diags *d, enum ads_severity sev,
                   const struct ads_srcloc *loc, const char *rule,
                   const char *suggestion, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));
/* Appends an error held in err (its location, if any, is kept). */
void ads_diags_add_error(struct ads_diags *d, const char *rule,
                         const struct ads_error *err);
/* Orders by file, line, column; stable for equal positions. */
void ads_diags_sort(struct ads_diags *d);

#endif
