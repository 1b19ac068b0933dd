/* Errors and manifest diagnostics, as text for people and JSON for tools. */
#ifndef ADS_RENDER_DIAG_H
#define ADS_RENDER_DIAG_H

#include "render/style.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/error.h"

/* Meta's words for the user: "Title: message", either alone; nothing
 * when the error has neither. */
void ads_render_user_words(struct ads_buf *out, const struct ads_error *err);
/*
 * "file:line:col: error: msg" or "adsctl: error: msg", followed by the HTTP
 * status, Graph code/subcode, Meta's user message and fbtrace_id when the
 * error came from the API.
 */
void ads_render_error(struct ads_buf *out, const struct ads_error *err,
                      const struct ads_style *st);
/* One line per diagnostic, then a summary line when there are errors. */
void ads_render_diags_text(struct ads_buf *out, const struct ads_diags *d,
                           const struct ads_style *st);
/*
 * {"format_version":1,"valid":bool,"errors":n,"warnings":n,
 *  "diagnostics":[{"file","line","column","severity","rule","message",
 *  "suggestion"}]}
 */
void ads_render_diags_json(struct ads_buf *out, const struct ads_diags *d);

#endif
