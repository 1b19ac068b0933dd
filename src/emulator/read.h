/*
 * Graph reads: objects by id, ?ids= multi-reads, edge listings with
 * cursor paging and filters, and the projection of an object onto a field
 * selection with the read-back quirks Meta has (docs/emulator.md).
 * Called with the store's shared lock held.
 */
#ifndef ADS_EMULATOR_READ_H
#define ADS_EMULATOR_READ_H

#include <jansson.h>

#include "emulator/fieldsel.h"
#include "emulator/graph.h"

void emu_read(struct emu_ctx *ctx, const struct emu_req *req,
              struct emu_resp *resp);

/* Splits "a,b", "[a,b]" or "[\"a\",\"b\"]" into ids. */
void emu_split_ids(struct ads_strvec *out, const char *ids);

/* The effective_status Meta would report for o at time now. */
const char *emu_effective_status(const struct emu_obj *o, int64_t now);

/*
 * o projected onto sel (NULL: the kind's default fields). Returns a new
 * reference, or NULL with resp set to the error.
 */
json_t *emu_project(struct emu_ctx *ctx, const struct emu_req *req,
                    const struct emu_obj *o, const struct emu_fsel *sel,
                    struct emu_resp *resp);

/* Parses req's `fields`; false with resp set on a syntax error. */
bool emu_req_fields(const struct emu_req *req, struct emu_fsel **out,
                    struct emu_resp *resp);

/* The value of one readable field of o (new reference), or NULL. */
json_t *emu_field_value(struct emu_ctx *ctx, const struct emu_obj *o,
                        const char *name, int64_t now);

#endif
