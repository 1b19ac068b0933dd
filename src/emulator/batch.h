/*
 * Graph batch requests (POST / with batch=[…], 003:L13398-13606,
 * L17168-17310): at most 50 items, each answered {code, headers, body}
 * in order, `{result=NAME:$.path}` references between items, depends_on,
 * omit_response_on_success, independent failures, and the Marketing API's
 * per-batch limits (10 ad creates, one ad-set write per campaign).
 */
#ifndef ADS_EMULATOR_BATCH_H
#define ADS_EMULATOR_BATCH_H

#include <jansson.h>

#include "emulator/graph.h"

/*
 * Runs the batch in req (already authenticated; files holds the request's
 * attachments) and fills resp with the array of item responses.
 */
void emu_batch(struct emu_ctx *ctx, const struct emu_req *req,
               struct emu_resp *resp);

/*
 * Replaces every {result=NAME:$.path} in s with the values found at path
 * in results[NAME] (parsed bodies), joined with commas. Returns a new
 * string, or NULL with *bad set to the unresolved reference (owned).
 */
char *emu_subst_refs(const char *s, json_t *results, char **bad);
/* Substitutes references inside decoded parameter values. */
bool emu_subst_params(struct emu_params *p, json_t *results, char **bad);
/* Parses an urlencoded batch or async body (also one encoded twice). */
void emu_parse_body_string(struct emu_params *p, const char *body);
/* Whether s references NAME (also percent-encoded). */
bool emu_refs_name(const char *s, const char *name);

#endif
