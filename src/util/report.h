/*
 * How library code tells the user what it is doing without printing
 * (STYLE.md: library code never logs): it calls the reporter that cli/
 * installed, which decides what reaches stderr.
 */
#ifndef ADS_UTIL_REPORT_H
#define ADS_UTIL_REPORT_H

#include <stddef.h>

enum ads_report_kind {
	ADS_REPORT_DEBUG, /* shown with -v: requests, retries */
	ADS_REPORT_INFO, /* shown unless -q: a pause for rate limits */
	ADS_REPORT_WARNING, /* always shown */
	ADS_REPORT_PROGRESS, /* a progress line; done/total in the call */
};

struct ads_reporter {
	void (*message)(void *ctx, enum ads_report_kind kind, const char *msg);
	void (*progress)(void *ctx, const char *what, size_t done,
	                 size_t total);
	void *ctx;
};

/* Reports a message; r or its callback may be NULL (then it is dropped). */
void ads_report(const struct ads_reporter *r, enum ads_report_kind kind,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reports progress on a long task; total 0 when unknown. */
void ads_report_progress(const struct ads_reporter *r, const char *what,
                         size_t done, size_t total);

#endif
