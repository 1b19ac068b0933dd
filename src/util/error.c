/* The caller-owned error type (see error.h). */
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int ads_error_vset(struct ads_error *err, enum ads_errcode code,
                   const char *fmt, va_list ap)
{
	if (!err || err->code != ADS_OK)
		return code;
	err->code = code;
	free(err->msg);
	err->msg = xvasprintf(fmt, ap);
	return code;
}

int ads_error_set(struct ads_error *err, enum ads_errcode code, const char *fmt,
                  ...)
{
	va_list ap;

	va_start(ap, fmt);
	ads_error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int ads_error_setloc(struct ads_error *err, enum ads_errcode code,
                     const struct ads_srcloc *loc, const char *fmt, ...)
{
	va_list ap;
	bool was_set = ads_error_is_set(err);

	va_start(ap, fmt);
	ads_error_vset(err, code, fmt, ap);
	va_end(ap);
	if (err && !was_set && loc && loc->file) {
		err->file = xstrdup(loc->file);
		err->line = loc->line;
		err->col = loc->col;
	}
	return code;
}

int ads_error_prefix(struct ads_error *err, const char *fmt, ...)
{
	struct ads_buf b = ADS_BUF_INIT;
	va_list ap;

	if (!err || err->code == ADS_OK)
		return err ? err->code : ADS_OK;
	va_start(ap, fmt);
	ads_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ads_buf_addf(&b, ": %s", err->msg ? err->msg : "");
	free(err->msg);
	err->msg = ads_buf_detach(&b, NULL);
	return err->code;
}

bool ads_error_is_set(const struct ads_error *err)
{
	return err && err->code != ADS_OK;
}

void ads_error_release(struct ads_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err->file);
	free(err->api_type);
	free(err->api_user_title);
	free(err->api_user_msg);
	free(err->fbtrace_id);
	free(err->api_blame);
	memset(err, 0, sizeof(*err));
}

void ads_error_move(struct ads_error *dst, struct ads_error *src)
{
	ads_error_release(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

void ads_error_copy(struct ads_error *dst, const struct ads_error *src)
{
	ads_error_release(dst);
	*dst = *src;
	dst->msg = dup_or_null(src->msg);
	dst->file = dup_or_null(src->file);
	dst->api_type = dup_or_null(src->api_type);
	dst->api_user_title = dup_or_null(src->api_user_title);
	dst->api_user_msg = dup_or_null(src->api_user_msg);
	dst->fbtrace_id = dup_or_null(src->fbtrace_id);
	dst->api_blame = dup_or_null(src->api_blame);
}

const char *ads_errcode_name(enum ads_errcode code)
{
	switch (code) {
	case ADS_OK:
		return "ok";
	case ADS_ERROR:
		return "error";
	case ADS_ENOTFOUND:
		return "not_found";
	case ADS_EINVALID:
		return "invalid";
	case ADS_EHTTP:
		return "http";
	case ADS_EAPI:
		return "api";
	case ADS_ECONFLICT:
		return "conflict";
	case ADS_EAUTH:
		return "auth";
	case ADS_EINTR:
		return "interrupted";
	case ADS_EIO:
		return "io";
	case ADS_EUNKNOWN:
		return "unknown_outcome";
	case ADS_ETOOBIG:
		return "too_big";
	case ADS_EPARTIAL:
		return "partial";
	}
	return "error";
}
