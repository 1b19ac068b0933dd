/* Lookup in the embedded file table (see embedded.h). */
#include "util/embedded.h"

#include <string.h>

const struct ads_embedded_file *ads_embedded_find(const char *path)
{
	for (const struct ads_embedded_file *f = ads_embedded_schemas; f->path;
	     f++)
		if (!strcmp(f->path, path))
			return f;
	return NULL;
}
