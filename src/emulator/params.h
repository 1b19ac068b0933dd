/*
 * The parameters of one Graph request, from wherever the client put them:
 * the query string, an urlencoded or multipart/form-data body, or a JSON
 * body (reference/sdk-behaviors.md §1.2: SDKs use all four). Values are
 * strings; a JSON body's non-string values are kept as their compact JSON
 * text, which is how Graph reads JSON-in-field parameters anyway. Multipart
 * parts with a filename are files (images, videos, batch attachments).
 */
#ifndef ADS_EMULATOR_PARAMS_H
#define ADS_EMULATOR_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct emu_param_kv {
	char *key;
	char *val; /* NUL-terminated; may contain NULs for files */
	size_t len;
	char *filename; /* non-NULL for a file part */
};

struct emu_params {
	struct emu_param_kv *v;
	size_t nr, alloc;
};
#define EMU_PARAMS_INIT    \
	{                  \
		NULL, 0, 0 \
	}

void emu_params_init(struct emu_params *p);
void emu_params_release(struct emu_params *p);
/* Appends a copy of key and of len bytes of val; filename may be NULL. */
void emu_params_add(struct emu_params *p, const char *key, const char *val,
                    size_t len, const char *filename);
/* Replaces every value of key with val (appends when absent). */
void emu_params_set(struct emu_params *p, const char *key, const char *val);
void emu_params_remove(struct emu_params *p, const char *key);
/* The last non-file value of key (borrowed), or NULL. */
const char *emu_params_get(const struct emu_params *p, const char *key);
/* The last file part named key, or NULL. */
const struct emu_param_kv *emu_params_file(const struct emu_params *p,
                                           const char *key);
/* Deep copy of src appended to dst. */
void emu_params_copy(struct emu_params *dst, const struct emu_params *src);

/* Parses "a=1&b=%7B%7D" (also '+' as space) and appends the pairs. */
void emu_params_parse_query(struct emu_params *p, const char *s, size_t len);
/*
 * Parses a request body by its Content-Type (NULL or unknown: JSON when it
 * looks like a JSON object, urlencoded otherwise). Returns false with a
 * message in *why (static) when the body is malformed.
 */
bool emu_params_parse_body(struct emu_params *p, const char *ctype,
                           const char *body, size_t len, const char **why);

/* Appends the pairs (not files) urlencoded, skipping keys in skip[]. */
void emu_params_encode(struct ads_buf *out, const struct emu_params *p,
                       const char *const *skip);

#endif
