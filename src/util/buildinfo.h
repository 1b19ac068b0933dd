/* The versions of adsctl and of every library it is linked with. */
#ifndef ADS_UTIL_BUILDINFO_H
#define ADS_UTIL_BUILDINFO_H

#include <stddef.h>

struct ads_libversion {
	const char *name;
	char version[64];
};

const char *ads_version(void);
/* Fills up to max entries and returns how many were filled. */
size_t ads_lib_versions(struct ads_libversion *out, size_t max);

#endif
