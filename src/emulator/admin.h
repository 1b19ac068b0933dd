/*
 * The admin endpoints under /_emulator/ (never under a version prefix, no
 * token): state, one object, a simulated Ads Manager edit, statistics,
 * runtime configuration and reset. docs/emulator.md documents them.
 */
#ifndef ADS_EMULATOR_ADMIN_H
#define ADS_EMULATOR_ADMIN_H

#include <stddef.h>

#include "emulator/graph.h"

/* path is what follows "/_emulator/"; body is the raw request body. */
void emu_admin(struct emu_ctx *ctx, const char *method, const char *path,
               const char *body, size_t len, struct emu_resp *resp);

#endif
