/*
 * Fuzz target for manifest/doc.c: arbitrary bytes as a YAML manifest.
 * Whatever the input, parsing must end in a tree or diagnostics (never a
 * crash, hang or leak), and every location look-up must stay in bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "manifest/doc.h"
#include "util/diag.h"

#define MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Looks up every member and item of v, and pointers built along the way. */
static void walk(const struct ads_doc *doc, const json_t *v, char *ptr,
                 size_t len, size_t cap)
{
	struct ads_srcloc loc;
	const char *key;
	json_t *child;
	size_t i;

	(void)ads_doc_locate(doc, ptr, ADS_LOC_KEY, &loc);
	(void)ads_doc_locate(doc, ptr, ADS_LOC_VALUE, &loc);
	(void)ads_doc_loc(doc, v, &loc);
	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, key, child) {
			size_t klen = strlen(key);

			(void)ads_doc_member_loc(doc, v, key, ADS_LOC_KEY,
			                         &loc);
			(void)ads_doc_member_loc(doc, v, key, ADS_LOC_VALUE,
			                         &loc);
			/* keys with '/' or '~' would need escaping: skip */
			if (len + klen + 2 < cap && !strpbrk(key, "/~")) {
				ptr[len] = '/';
				memcpy(ptr + len + 1, key, klen + 1);
				walk(doc, child, ptr, len + 1 + klen, cap);
				ptr[len] = '\0';
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			(void)ads_doc_item_loc(doc, v, i, &loc);
			if (i < 4 && len + 3 < cap) {
				ptr[len] = '/';
				ptr[len + 1] = (char)('0' + i);
				ptr[len + 2] = '\0';
				walk(doc, child, ptr, len + 2, cap);
				ptr[len] = '\0';
			}
		}
		(void)ads_doc_item_loc(doc, v, i, &loc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pointers[] = {
		"",     "/",          "/a",
		"/a/0", "/~0~1",      "/~2",
		"x",    "/0/0/0/0/0", "/campaigns/x/ad_sets",
		"/a/-", "/a/01",
	};
	struct ads_diags diags = ADS_DIAGS_INIT;
	struct ads_doc *doc = NULL;
	struct ads_srcloc loc;
	char ptr[512] = "";

	if (size > MAX_INPUT)
		return 0;
	if (ads_doc_parse(&doc, "fuzz.yaml", (const char *)data, size,
	                  &diags) == 0) {
		for (size_t i = 0; i < sizeof(pointers) / sizeof(*pointers);
		     i++)
			(void)ads_doc_locate(doc, pointers[i], ADS_LOC_KEY,
			                     &loc);
		walk(doc, doc->root, ptr, 0, sizeof(ptr));
		ads_doc_free(doc);
	}
	ads_diags_release(&diags);
	return 0;
}
