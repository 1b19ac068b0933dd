/*
 * The emulator's Graph API core: one Graph call in (struct emu_req, from an
 * HTTP request, a batch item or an async request), one response out
 * (struct emu_resp). HTTP, batches and the async worker all go through
 * emu_graph_call(), so every path gets the same routing, validation,
 * accounting and faults.
 */
#ifndef ADS_EMULATOR_GRAPH_H
#define ADS_EMULATOR_GRAPH_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "emulator/clock.h"
#include "emulator/emulator.h"
#include "emulator/limits.h"
#include "emulator/params.h"
#include "emulator/store.h"

struct emu_async_work;

/* Everything a running emulator shares between its threads. */
struct emu_ctx {
	struct ads_emulator_config cfg; /* fixed after start */
	struct emu_store store;
	struct emu_limits limits;
	struct emu_clock clock;
	char base_url[64]; /* "http://127.0.0.1:PORT" */
	/* the async worker (async.c) */
	pthread_t worker;
	pthread_mutex_t worker_mu; /* worker_cv, worker_stop, worker_retune */
	pthread_cond_t worker_cv;
	bool worker_stop, worker_retune, worker_running;
	/* one tick at a time, the worker's or POST /_emulator/async/tick;
	 * taken before the store's lock, never while holding it */
	pthread_mutex_t tick_mu;
	struct emu_async_work *work; /* requests the last tick started */
};

enum emu_origin {
	EMU_FROM_HTTP,
	EMU_FROM_BATCH,
	EMU_FROM_ASYNC, /* the async worker: no accounting, no faults */
};

struct emu_req {
	const char *method; /* "GET", "POST", "DELETE" (static) */
	char *path; /* without version and slashes: "act_1/campaigns" */
	char version[16]; /* "v25.0", or "" when the path had none */
	struct emu_params params;
	char *if_none_match;
	char *token; /* the access token in force, or NULL */
	enum emu_origin origin;
};

struct emu_resp {
	int status; /* HTTP status */
	json_t *body; /* owned; NULL for an empty body (304) or raw */
	char *raw; /* a non-JSON body, e.g. a proxy's 502 page */
	char *etag; /* quoted, or NULL */
	char *account; /* digits of the ad account charged, or NULL */
	bool drop; /* committed, but the reply is to be dropped */
	bool null_item; /* as a batch item: null */
	char *text; /* body's compact JSON once emu_resp_text() made it */
	size_t text_len;
};

void emu_req_init(struct emu_req *r);
void emu_req_release(struct emu_req *r);
/*
 * Splits a path such as "/v25.0/act_1/campaigns/" into r->version and
 * r->path. Returns false when the version prefix is malformed.
 */
bool emu_req_set_path(struct emu_req *r, const char *path);

void emu_resp_init(struct emu_resp *r);
void emu_resp_release(struct emu_resp *r);
/* Sets status and body (owned; NULL: empty), dropping the previous body. */
void emu_resp_json(struct emu_resp *r, int status, json_t *body);
/*
 * The compact JSON text of r->body (NULL when there is none), *len its
 * length. It is made once: the page-size check, the ETag, a batch item's
 * body and the HTTP reply all use the same text, so a large page is
 * serialised once. Borrowed; valid until the body is replaced (which
 * must go through emu_resp_json() or emu_resp_error()) or r is released.
 */
const char *emu_resp_text(struct emu_resp *r, size_t *len);

/* The fields of a Graph error (unused members 0/NULL). */
struct emu_err {
	int http; /* 400 unless set */
	int code, subcode;
	const char *type; /* "OAuthException" unless set */
	const char *title, *user_msg;
	const char *blame; /* a field name for blame_field_specs */
	bool transient;
};

/* Sets r to a Graph error; msg is printf-formatted. */
void emu_resp_error(struct emu_resp *r, const struct emu_err *e,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Shorthand: code 100, HTTP 400, with an optional blame field. */
void emu_resp_invalid(struct emu_resp *r, const char *blame, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

/* Handles one Graph call: accounting, faults, routing, ETags. */
void emu_graph_call(struct emu_ctx *ctx, struct emu_req *req,
                    struct emu_resp *resp);

/*
 * The http_5xx fault on a batch request itself (its own deterministic
 * sequence, see emu_limits_batch_fault): true when it fired and resp holds
 * the HTTP 500, 502 or 503 to send instead of running the batch.
 */
bool emu_graph_batch_fault(struct emu_ctx *ctx, struct emu_resp *resp);

/* Checks an access token (and appsecret_proof); false: resp has error 190. */
bool emu_graph_auth(struct emu_ctx *ctx, const char *token, const char *proof,
                    struct emu_resp *resp);

/* The emulator's clock (clock.h): epoch seconds. */
int64_t emu_now(struct emu_ctx *ctx);
/* A fresh fbtrace_id-like string (25 chars + NUL). */
void emu_trace_id(char out[32]);
/* The ETag Meta would send for a body: quoted hex. */
void emu_etag(const char *body, size_t len, char out[48]);

#endif
