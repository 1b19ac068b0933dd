/*
 * Image files and member lists for apply (upload.h). Member rows are held
 * one chunk at a time (at most ADS_APPLY_MEMBERS_CHUNK rows of digests),
 * so a list of millions of rows uploads in bounded memory.
 */
#include "apply/upload.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/decode.h"
#include "model/members.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/map.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* Sessions tried before a member upload fails. */
#define MEMBER_SESSIONS 3

int ads_apply_image_params(struct ads_graph_params *out,
                           const struct ads_model *m, const char *file,
                           const char *digest, struct ads_error *err)
{
	const struct ads_source *src = m->project->src;
	struct ads_buf data = ADS_BUF_INIT, b64 = ADS_BUF_INIT;
	char md5[ADS_MD5_HEX_LEN + 1];
	const char *base = strrchr(file, '/');
	int ret;

	ret = src->read(src->ctx, file, &data, ADS_IMAGE_MAX_BYTES, err);
	if (ret) {
		ads_error_prefix(err, "cannot upload '%s'", file);
		goto out;
	}
	ads_md5_hex(data.buf, data.len, md5);
	if (digest && strcmp(md5, digest)) {
		ret = ads_error_set(err, ADS_ECONFLICT,
		                    "'%s' changed since the plan was made (its "
		                    "hash is %s, the plan uploads %s); make a "
		                    "new plan",
		                    file, md5, digest);
		goto out;
	}
	ads_base64_encode(&b64, data.buf, data.len);
	ads_graph_params_set(out, "bytes", b64.buf);
	ads_graph_params_set(out, "name", base ? base + 1 : file);
out:
	ads_buf_release(&data);
	ads_buf_release(&b64);
	return ret;
}

const char *ads_apply_image_hash(const json_t *body)
{
	json_t *images = json_object_get(body, "images");
	const char *k;
	json_t *v;

	json_object_foreach(images, k, v) {
		if (ads_json_str(v, "hash"))
			return ads_json_str(v, "hash");
	}
	return NULL;
}

/* --- members ---------------------------------------------------------- */

struct session {
	struct ads_graph *g;
	const char *path;
	const struct ads_reporter *reporter;
	const struct ads_strvec *columns;
	uint64_t id;
	size_t estimated;
	json_t *chunk; /* rows not sent yet: at most one chunk */
	size_t seq; /* batches sent */
	size_t rows; /* rows sent */
	size_t *calls;
	struct ads_error err; /* why the session stopped */
	int rc;
};

static int send_chunk(struct session *s, bool last)
{
	struct ads_graph_params p = ADS_GRAPH_PARAMS_INIT;
	json_t *payload, *session;
	size_t n = json_array_size(s->chunk);
	int rc;

	payload = json_object();
	session = json_pack("{s:I,s:I,s:b,s:I}", "session_id",
	                    (json_int_t)s->id, "batch_seq",
	                    (json_int_t)(s->seq + 1), "last_batch_flag", last,
	                    "estimated_num_total", (json_int_t)s->estimated);
	{
		json_t *schema = json_array();

		for (size_t i = 0; i < s->columns->nr; i++)
			json_array_append_new(schema,
			                      json_string(s->columns->v[i]));
		json_object_set_new(payload, "schema", schema);
	}
	json_object_set(payload, "data", s->chunk);
	ads_graph_params_set_json(&p, "payload", payload);
	ads_graph_params_set_json(&p, "session", session);
	json_decref(payload);
	json_decref(session);
	(*s->calls)++;
	rc = ads_graph_post(NULL, s->g, s->path, &p, 0, &s->err);
	ads_graph_params_release(&p);
	if (rc)
		return rc;
	s->seq++;
	s->rows += n;
	json_array_clear(s->chunk);
	ads_report(s->reporter, ADS_REPORT_DEBUG,
	           "%s: batch %zu of members sent (%zu rows so far)", s->path,
	           s->seq, s->rows);
	return 0;
}

static int on_row(void *ctx, const char *const *values, size_t n)
{
	struct session *s = ctx;
	json_t *row = json_array();

	if (json_array_size(s->chunk) >= ADS_APPLY_MEMBERS_CHUNK) {
		s->rc = send_chunk(s, false);
		if (s->rc)
			return 1;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(row, json_string(values[i]));
	json_array_append_new(s->chunk, row);
	return 0;
}

/* A session id: distinct per session, below 2^53 (JSON-safe). */
static uint64_t session_id(uint64_t seed, const char *address, unsigned n)
{
	struct timespec ts;
	struct ads_buf b = ADS_BUF_INIT;
	uint64_t h;

	clock_gettime(CLOCK_REALTIME, &ts);
	ads_buf_addf(&b, "%llu/%s/%u/%lld.%ld", (unsigned long long)seed,
	             address, n, (long long)ts.tv_sec, ts.tv_nsec);
	h = ads_hash_bytes(b.buf, b.len) & ((1ull << 53) - 1);
	ads_buf_release(&b);
	return h ? h : 1;
}

/*
 * Whether a failed session is worth starting again: no answer, a
 * transient error, or an error after the first batch (a batch whose
 * answer was lost and that was sent again arrives out of order). A new
 * session is always safe: members are replaced only by a last batch.
 */
static bool restartable(int rc, const struct ads_error *err, size_t sent)
{
	if (rc == ADS_EUNKNOWN || rc == ADS_EHTTP)
		return true;
	return rc == ADS_EAPI && err &&
	       (sent > 0 || ads_graph_classify(err) == ADS_GRAPH_RETRY);
}

int ads_apply_upload_members(struct ads_apply_members_stats *st,
                             struct ads_graph *g, const struct ads_model *m,
                             const char *address, const char *path,
                             const char *digest, uint64_t seed,
                             const struct ads_reporter *reporter,
                             struct ads_error *err)
{
	const struct ads_resource *r = ads_model_find(m, address);
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (!r || !r->members)
		return ads_error_set(err, ADS_ECONFLICT,
		                     "%s has no member list in the manifests; "
		                     "make a new plan",
		                     address);
	if (digest && strcmp(digest, r->members->digest))
		return ads_error_set(err, ADS_ECONFLICT,
		                     "the member list of %s changed since the "
		                     "plan was made; make a new plan",
		                     address);
	for (unsigned n = 1; n <= MEMBER_SESSIONS; n++) {
		struct session s = {
			.g = g,
			.path = path,
			.reporter = reporter,
			.columns = &r->members->columns,
			.id = session_id(seed, address, n),
			.estimated = r->members->nunique,
			.chunk = json_array(),
			.calls = &st->calls,
			.err = ADS_ERROR_INIT,
		};

		st->sessions = n;
		rc = ads_members_foreach(m, r, on_row, &s, err);
		if (rc > 0) /* stopped by a failed call: s.rc says why */
			rc = s.rc;
		else if (!rc)
			rc = send_chunk(&s, true);
		json_decref(s.chunk);
		if (!rc) {
			st->rows = s.rows;
			st->session_id = s.id;
			ads_error_release(&s.err);
			return 0;
		}
		if (ads_error_is_set(&s.err) && err) {
			ads_error_release(err);
			ads_error_move(err, &s.err);
		}
		ads_error_release(&s.err);
		if (!restartable(rc, err, s.seq) || n == MEMBER_SESSIONS)
			break;
		ads_report(reporter, ADS_REPORT_INFO,
		           "%s: member upload interrupted (%s); starting the "
		           "session again",
		           address, err && err->msg ? err->msg : "no answer");
		ads_error_release(err);
	}
	ads_error_prefix(err, "uploading the members of %s", address);
	return rc;
}
