/* Reporter dispatch (see report.h). */
#include "util/report.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/xalloc.h"

void ads_report(const struct ads_reporter *r, enum ads_report_kind kind,
                const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!r || !r->message)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	r->message(r->ctx, kind, msg);
	free(msg);
}

void ads_report_progress(const struct ads_reporter *r, const char *what,
                         size_t done, size_t total)
{
	if (r && r->progress)
		r->progress(r->ctx, what, done, total);
}
