/*
 * Manifests as YAML, for `adsctl import`: a JSON tree written the way a
 * person writes manifests (block mappings in the tree's key order, short
 * lists of scalars and `{ ref: ADDRESS }` in flow style, strings quoted
 * only when YAML would read them as something else), so that loading the
 * file back gives the same tree.
 */
#ifndef ADS_RENDER_MANIFEST_H
#define ADS_RENDER_MANIFEST_H

#include <jansson.h>

#include "util/buf.h"

/*
 * Appends root (a JSON object) as a YAML document: first the comment
 * lines of header (each prefixed "# "; may be NULL), then the mapping.
 */
void ads_render_manifest(struct ads_buf *out, const json_t *root,
                         const char *header);

/* Appends s as a YAML scalar that reads back as the string s. */
void ads_render_yaml_string(struct ads_buf *out, const char *s);

#endif
