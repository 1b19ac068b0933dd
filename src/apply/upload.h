/*
 * What apply sends besides parameters: image files (POST act_X/adimages,
 * the bytes base64-encoded) and custom audience member lists (usersreplace
 * sessions of hashed rows, creative-model.md §5.4). Files are read through
 * the model's project source, so what is uploaded is what was planned:
 * a file whose digest changed since is refused (ADS_ECONFLICT).
 */
#ifndef ADS_APPLY_UPLOAD_H
#define ADS_APPLY_UPLOAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/client.h"
#include "model/model.h"
#include "util/error.h"
#include "util/report.h"

/* Rows per usersreplace call (creative-model.md §5.4). */
#define ADS_APPLY_MEMBERS_CHUNK 10000

/*
 * The parameters of POST act_X/adimages for the image file (relative to
 * the project root) whose MD5 must be digest: bytes (base64) and name
 * (the file's base name). ADS_ECONFLICT when the file's MD5 is not
 * digest (it changed since the plan), the source's error when it cannot
 * be read. out is appended to.
 */
int ads_apply_image_params(struct ads_graph_params *out,
                           const struct ads_model *m, const char *file,
                           const char *digest, struct ads_error *err);
/* The hash in an adimages answer ({"images": {KEY: {"hash"}}}), or NULL. */
const char *ads_apply_image_hash(const json_t *body);

/* What a member upload sent. */
struct ads_apply_members_stats {
	size_t rows; /* in the session that completed */
	size_t calls; /* usersreplace calls, all sessions */
	unsigned sessions; /* sessions started (> 1: restarted) */
	uint64_t session_id; /* of the session that completed */
};

/*
 * Replaces the members of an audience with the hashed rows of the member
 * list of the audience at address in m (ads_members_foreach(), which
 * refuses a file that no longer has the model's digest): POST path
 * ("<audience id>/usersreplace") with session {session_id, batch_seq,
 * last_batch_flag, estimated_num_total} and payload {schema, data} of at
 * most ADS_APPLY_MEMBERS_CHUNK rows a call, in order. digest is the
 * member-list digest the plan was made with (ADS_ECONFLICT if the model
 * has another). A call whose outcome is unknown, or that failed
 * transiently, restarts the session (a session replaces the members only
 * when its last batch arrives), up to three sessions. Raw values never
 * leave ads_members_foreach(); nothing of a row is reported or logged.
 */
int ads_apply_upload_members(struct ads_apply_members_stats *st,
                             struct ads_graph *g, const struct ads_model *m,
                             const char *address, const char *path,
                             const char *digest, uint64_t seed,
                             const struct ads_reporter *reporter,
                             struct ads_error *err);

#endif
