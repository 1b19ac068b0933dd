/* Files compiled into the binary (schemas/); see cmake/EmbedFiles.cmake. */
#ifndef ADS_UTIL_EMBEDDED_H
#define ADS_UTIL_EMBEDDED_H

#include <stddef.h>

struct ads_embedded_file {
	const char
	        *path; /* relative to the source root, e.g. "schemas/x.json" */
	const char *data; /* NUL-terminated */
	size_t len;
};

/* Terminated by an entry whose path is NULL. */
extern const struct ads_embedded_file ads_embedded_schemas[];

/* The embedded file at path, or NULL. */
const struct ads_embedded_file *ads_embedded_find(const char *path);

#endif
