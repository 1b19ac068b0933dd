/*
 * Async request sets: POST /act_X/asyncadrequestsets (ad_specs) and
 * /act_X/async_batch_requests (adbatch, at most 1000), processed by a
 * background worker at a configurable pace and polled through the set's
 * documented fields and /<set>/requests (003:L16938-17445).
 */
#ifndef ADS_EMULATOR_ASYNC_H
#define ADS_EMULATOR_ASYNC_H

#include "emulator/graph.h"

/* Creates a set (store locked exclusively); edge names which kind. */
void emu_async_create(struct emu_ctx *ctx, const struct emu_req *req,
                      struct emu_resp *resp, struct emu_account *a,
                      const char *edge);
/* Cancels a set's or a request's unprocessed requests; false if none. */
bool emu_async_cancel(struct emu_ctx *ctx, struct emu_obj *o, int64_t now);

/* Starts and stops the worker thread. */
int emu_async_start(struct emu_ctx *ctx);
void emu_async_stop(struct emu_ctx *ctx);

#endif
