/*
 * Custom audience members: POST|DELETE /<audience>/users and POST
 * /<audience>/usersreplace with hashed rows (reference/creative-model.md
 * §5.4). Members are kept as a set of row digests, so approximate_count
 * is exact and replace sessions really replace.
 */
#ifndef ADS_EMULATOR_AUDIENCE_H
#define ADS_EMULATOR_AUDIENCE_H

#include "emulator/graph.h"

enum emu_members_op {
	EMU_MEMBERS_ADD,
	EMU_MEMBERS_REMOVE,
	EMU_MEMBERS_REPLACE,
};

/* Called with the store's exclusive lock held. */
void emu_audience_users(struct emu_ctx *ctx, const struct emu_req *req,
                        struct emu_resp *resp, struct emu_obj *aud,
                        enum emu_members_op op);

#endif
