/*
 * The error type every library function fills (STYLE.md "Errors"): a
 * negative enum ads_errcode is returned and a caller-owned struct ads_error
 * says what went wrong, where in the manifests, and what the Graph API said.
 */
#ifndef ADS_UTIL_ERROR_H
#define ADS_UTIL_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

enum ads_errcode {
	ADS_OK = 0,
	ADS_ERROR = -1, /* unexpected or generic failure */
	ADS_ENOTFOUND = -2, /* a file, object or address does not exist */
	ADS_EINVALID = -3, /* manifest, schema, reference or usage error */
	ADS_EHTTP = -4, /* transport failure (connect, timeout, TLS) */
	ADS_EAPI = -5, /* the Graph API answered with an error */
	ADS_ECONFLICT = -6, /* live state changed since the plan was made */
	ADS_EAUTH = -7, /* credentials missing, refused or unsafe */
	ADS_EINTR = -8, /* interrupted by the user (SIGINT/SIGTERM) */
	ADS_EIO = -9, /* reading or writing a local file failed */
	ADS_EUNKNOWN = -10, /* a write may or may not have happened */
	ADS_ETOOBIG = -11, /* an input exceeded a size limit */
	ADS_EPARTIAL = -12, /* some steps of an apply failed */
};

/* A position in a manifest file; file is borrowed from its loader. */
struct ads_srcloc {
	const char *file;
	unsigned line; /* 1-based; 0 when unknown */
	unsigned col; /* 1-based; 0 when unknown */
};

struct ads_error {
	enum ads_errcode code;
	char *msg; /* one line, lowercase, no full stop; owned */
	char *file; /* manifest location, owned; NULL if none */
	unsigned line, col;
	long http_status; /* 0 unless an HTTP response was received */
	int api_code; /* Graph error.code, 0 if none */
	int api_subcode; /* Graph error.error_subcode, 0 if none */
	bool api_transient; /* Graph error.is_transient */
	char *api_type; /* e.g. OAuthException; owned */
	char *api_user_title; /* error_user_title; owned */
	char *api_user_msg; /* error_user_msg; owned */
	char *fbtrace_id; /* quote this to Meta support; owned */
	char *api_blame; /* blame_field_specs joined "a.b,c"; owned */
};
#define ADS_ERROR_INIT         \
	{                      \
		.code = ADS_OK \
	}

/*
 * Sets err unless it already holds an error (the first error wins) and
 * returns code, so that callers can write `return ads_error_set(...)`.
 * err may be NULL.
 */
int ads_error_set(struct ads_error *err, enum ads_errcode code, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));
int ads_error_vset(struct ads_error *err, enum ads_errcode code,
                   const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));
/* Like ads_error_set() with a manifest location (loc may be NULL). */
int ads_error_setloc(struct ads_error *err, enum ads_errcode code,
                     const struct ads_srcloc *loc, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Prepends "context: " to the message of an error that is set. */
int ads_error_prefix(struct ads_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
bool ads_error_is_set(const struct ads_error *err);
/* Frees the contents and resets err to ADS_ERROR_INIT. */
void ads_error_release(struct ads_error *err);
/* Moves src into dst (releasing dst first); src is left reset. */
void ads_error_move(struct ads_error *dst, struct ads_error *src);
/* Deep copy of src into dst (released first). */
void ads_error_copy(struct ads_error *dst, const struct ads_error *src);
/* A short name for a code, e.g. "invalid", for JSON output and logs. */
const char *ads_errcode_name(enum ads_errcode code);

#endif
