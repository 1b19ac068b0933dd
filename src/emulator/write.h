/*
 * Graph writes: creates on account edges, updates and deletes of objects,
 * with Meta's validation and error codes (reference/api-semantics.md §9,
 * §12) and execution_options=["validate_only"]. Called with the store's
 * exclusive lock held.
 */
#ifndef ADS_EMULATOR_WRITE_H
#define ADS_EMULATOR_WRITE_H

#include <jansson.h>

#include "emulator/graph.h"

void emu_write(struct emu_ctx *ctx, const struct emu_req *req,
               struct emu_resp *resp);

/*
 * Converts a JSON value to the spec type `type` (as Graph reads a
 * parameter); name is the parameter's path for messages. Returns a new
 * reference, or NULL with resp set to error 100.
 */
json_t *emu_convert(const char *type, json_t *v, const char *name,
                    struct emu_resp *resp);
/* Converts a raw parameter string (JSON-in-field for structured types). */
json_t *emu_convert_raw(const char *type, const char *raw, const char *name,
                        struct emu_resp *resp);

/*
 * Recomputes the read-back defaults of o after its fields changed (used by
 * writes and by the admin edit endpoint).
 */
void emu_apply_defaults(struct emu_ctx *ctx, struct emu_obj *o);

/* Marks o modified now: updated_time moves forward (so does its ETag). */
void emu_touch(struct emu_obj *o, int64_t now);

#endif
