/*
 * Async request sets: POST /act_X/asyncadrequestsets (ad_specs) and
 * /act_X/async_batch_requests (adbatch, at most 1000), processed by a
 * background worker at a configurable pace (or tick by tick, for tests)
 * and polled through the set's documented fields and /<set>/requests
 * (003:L16938-17445).
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

/* What ticks did. */
struct emu_async_tick {
	size_t started; /* requests set IN_PROGRESS */
	size_t finished; /* requests run to SUCCESS or ERROR */
	size_t pending; /* sets not completed afterwards */
};

/*
 * One tick: runs the requests the previous tick started, then starts up to
 * async.requests_per_tick more. The worker's ticks (manual false) are
 * skipped while async.paused is set; POST /_emulator/async/tick's run
 * anyway. Returns whether it ran; out (may be NULL) is zeroed first.
 */
bool emu_async_tick(struct emu_ctx *ctx, bool manual,
                    struct emu_async_tick *out);
/* With tick_mu held: drops the requests the last tick started (reset). */
void emu_async_forget(struct emu_ctx *ctx);
/* Waits for a tick in progress to end (after async.paused was set). */
void emu_async_quiesce(struct emu_ctx *ctx);
/* Tells the worker that the runtime settings (tick_ms) changed. */
void emu_async_retune(struct emu_ctx *ctx);

/*
 * _init sets up the worker's state (before the store is shared), _start
 * and _stop run and join its thread, _release stops it and frees.
 */
void emu_async_init(struct emu_ctx *ctx);
int emu_async_start(struct emu_ctx *ctx);
void emu_async_stop(struct emu_ctx *ctx);
void emu_async_release(struct emu_ctx *ctx);

#endif
