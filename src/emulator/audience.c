/* Custom audience member uploads (see audience.h). */
#include "emulator/audience.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/write.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/xalloc.h"

#define MAX_ROWS 10000

/* Multi-key schema fields (sdk: CustomAudienceMultikeySchemaFields). */
static const char *const multi_keys[] = {
	"EXTERN_ID",
	"EMAIL",
	"PHONE",
	"GEN",
	"DOBY",
	"DOBM",
	"DOBD",
	"LN",
	"FN",
	"FI",
	"CT",
	"ST",
	"ZIP",
	"MADID",
	"COUNTRY",
	"APPUID",
	"LOOKALIKE_VALUE",
};
static const char *const single_keys[] = {
	"EMAIL_SHA256", "PHONE_SHA256", "MOBILE_ADVERTISER_ID",
	"UID",          "EXTERN_ID",
};

static bool known(const char *k, bool single)
{
	const char *const *v = single ? single_keys : multi_keys;
	size_t n = single ? ADS_ARRAY_SIZE(single_keys)
	                  : ADS_ARRAY_SIZE(multi_keys);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], k))
			return true;
	return false;
}

/* Keys whose values are sent as they are, not SHA-256 hashed. */
static bool unhashed(const char *k)
{
	return !strcmp(k, "EXTERN_ID") || !strcmp(k, "MOBILE_ADVERTISER_ID") ||
	       !strcmp(k, "LOOKALIKE_VALUE") || !strcmp(k, "UID") ||
	       !strcmp(k, "APPUID");
}

/* One member is the same whichever schema named its keys. */
static const char *canon_key(const char *k)
{
	if (!strcmp(k, "EMAIL_SHA256"))
		return "EMAIL";
	if (!strcmp(k, "PHONE_SHA256"))
		return "PHONE";
	if (!strcmp(k, "MOBILE_ADVERTISER_ID"))
		return "MADID";
	return k;
}

static bool is_sha256(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void digest16(const char *canon, uint8_t out[16])
{
	char hex[ADS_SHA256_HEX_LEN + 1];

	ads_sha256_hex(canon, strlen(canon), hex);
	for (int i = 0; i < 16; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

struct rows {
	uint8_t (*d)[16];
	size_t nr;
	size_t invalid;
	json_t *samples; /* invalid_entry_samples */
};

/*
 * Digests the valid rows of payload. False with resp set when the payload
 * itself is malformed; bad rows only count as invalid entries.
 */
static bool parse_payload(struct emu_resp *resp, const char *raw,
                          struct rows *out)
{
	json_t *p = raw ? json_loads(raw, 0, NULL) : NULL;
	json_t *schema = json_object_get(p, "schema");
	json_t *data = json_object_get(p, "data");
	struct ads_strvec keys = ADS_STRVEC_INIT;
	bool single = json_is_string(schema), ok = false;
	size_t i;
	json_t *row;

	memset(out, 0, sizeof(*out));
	out->samples = json_object();
	if (!json_is_object(p) ||
	    !(json_is_string(schema) || json_is_array(schema)) ||
	    !json_is_array(data)) {
		emu_resp_invalid(resp, "payload",
		                 "(#100) payload must be a JSON object with a "
		                 "schema and a data array");
		goto out;
	}
	if (single) {
		ads_strvec_push(&keys, json_string_value(schema));
	} else {
		json_t *k;

		json_array_foreach(schema, i, k) {
			if (!json_is_string(k)) {
				emu_resp_invalid(
				        resp, "payload.schema",
				        "(#100) payload.schema must list "
				        "key names");
				goto out;
			}
			ads_strvec_push(&keys, json_string_value(k));
		}
		if (keys.nr == 1 && known(keys.v[0], true))
			single = true;
	}
	for (i = 0; i < keys.nr; i++) {
		if (!known(keys.v[i], single)) {
			emu_resp_invalid(resp, "payload.schema",
			                 "(#100) Invalid schema key %s in "
			                 "payload.schema",
			                 keys.v[i]);
			goto out;
		}
	}
	if (json_array_size(data) > MAX_ROWS) {
		emu_resp_invalid(resp, "payload.data",
		                 "(#100) payload.data has %zu rows; at most %d "
		                 "rows may be sent per request",
		                 json_array_size(data), MAX_ROWS);
		goto out;
	}
	out->d = xcalloc(json_array_size(data) + 1, 16);
	json_array_foreach(data, i, row) {
		struct ads_buf canon = ADS_BUF_INIT;
		bool bad = false, any = false;

		if (json_is_string(row) && keys.nr == 1)
			row = json_pack("[O]", row);
		else
			json_incref(row);
		if (!json_is_array(row) || json_array_size(row) != keys.nr)
			bad = true;
		for (size_t k = 0; !bad && k < keys.nr; k++) {
			const char *v =
			        json_string_value(json_array_get(row, k));

			if (!v) {
				bad = true;
				break;
			}
			if (!*v)
				continue;
			if (!unhashed(keys.v[k]) && !is_sha256(v)) {
				bad = true;
				break;
			}
			ads_buf_addf(&canon, "%s=%s|", canon_key(keys.v[k]), v);
			any = true;
		}
		if (bad || !any) {
			char idx[24];

			out->invalid++;
			if (json_object_size(out->samples) < 5) {
				snprintf(idx, sizeof(idx), "%zu", i);
				json_object_set_new(
				        out->samples, idx,
				        json_string(
				                "Invalid entry: values must "
				                "be SHA-256 hex, one per "
				                "schema key"));
			}
		} else {
			digest16(canon.buf, out->d[out->nr++]);
		}
		ads_buf_release(&canon);
		json_decref(row);
	}
	ok = true;
out:
	json_decref(p);
	ads_strvec_release(&keys);
	return ok;
}

void emu_audience_users(struct emu_ctx *ctx, const struct emu_req *req,
                        struct emu_resp *resp, struct emu_obj *aud,
                        enum emu_members_op op)
{
	const char *praw = emu_params_get(&req->params, "payload");
	const char *sraw = emu_params_get(&req->params, "session");
	json_t *session = sraw ? json_loads(sraw, 0, NULL) : NULL;
	struct ads_emulator_runtime rt;
	struct rows rows = { 0 };
	int64_t now = emu_now(ctx), sid = 0, seq = 0;
	bool last = false;
	const char *sub = ads_json_str(aud->f, "subtype");

	emu_limits_runtime(&ctx->limits, &rt);
	if (sub && strcmp(sub, "CUSTOM")) {
		emu_resp_invalid(resp, NULL,
		                 "(#100) Users can only be added to customer "
		                 "list (CUSTOM) audiences; this one is %s",
		                 sub);
		goto out;
	}
	if (sraw && !json_is_object(session)) {
		emu_resp_invalid(resp, "session",
		                 "(#100) session must be a JSON object");
		goto out;
	}
	if (session) {
		ads_json_as_int64(json_object_get(session, "session_id"), &sid);
		ads_json_as_int64(json_object_get(session, "batch_seq"), &seq);
		last = json_is_true(
		        json_object_get(session, "last_batch_flag"));
	}
	if (op == EMU_MEMBERS_REPLACE &&
	    (!session || !sid || seq < 1 ||
	     !json_object_get(session, "last_batch_flag"))) {
		emu_resp_invalid(
		        resp, "session",
		        "(#100) usersreplace needs session {session_id, "
		        "batch_seq (from 1), last_batch_flag}");
		goto out;
	}
	if (!praw) {
		emu_resp_invalid(resp, "payload",
		                 "(#100) The parameter payload is required");
		goto out;
	}
	if (!parse_payload(resp, praw, &rows))
		goto out;
	if (!aud->members)
		aud->members = xcalloc(1, sizeof(*aud->members));
	switch (op) {
	case EMU_MEMBERS_ADD:
		for (size_t i = 0; i < rows.nr; i++)
			emu_memberset_add(aud->members, rows.d[i]);
		break;
	case EMU_MEMBERS_REMOVE: {
		struct emu_memberset probe = { 0 };
		size_t hit = 0;

		for (size_t i = 0; i < rows.nr; i++)
			if (emu_memberset_del(aud->members, rows.d[i])) {
				emu_memberset_add(&probe, rows.d[i]);
				hit++;
			}
		if (rt.audience_min_size > 0 && hit &&
		    (int64_t)aud->members->nr < rt.audience_min_size) {
			/* undo, then refuse: 003:L18329 */
			struct emu_err e = { .code = 200, .subcode = 1870047 };

			for (size_t i = 0; i < probe.cap; i++) {
				static const uint8_t zero[16];

				if (memcmp(probe.slots[i], zero, 16))
					emu_memberset_add(aud->members,
					                  probe.slots[i]);
			}
			emu_memberset_release(&probe);
			emu_resp_error(
			        resp, &e,
			        "Audience Size too Low: You cannot remove "
			        "users from this audience because it will "
			        "result in a low audience size and may "
			        "result in under-delivery or non-delivery "
			        "of your ads.");
			goto out;
		}
		emu_memberset_release(&probe);
		break;
	}
	case EMU_MEMBERS_REPLACE:
		if (seq == 1) {
			if (aud->replace)
				emu_memberset_release(&aud->replace->staged);
			else
				aud->replace =
				        xcalloc(1, sizeof(*aud->replace));
			aud->replace->session_id = sid;
			aud->replace->last_seq = 0;
			aud->replace->received = 0;
		} else if (!aud->replace || aud->replace->session_id != sid ||
		           aud->replace->last_seq + 1 != seq) {
			emu_resp_invalid(
			        resp, "session",
			        "(#100) usersreplace session %lld: "
			        "batch_seq %lld is out of order (expected "
			        "%lld)",
			        (long long)sid, (long long)seq,
			        aud->replace && aud->replace->session_id == sid
			                ? (long long)aud->replace->last_seq + 1
			                : 1LL);
			goto out;
		}
		aud->replace->last_seq = seq;
		aud->replace->received += (int64_t)rows.nr;
		for (size_t i = 0; i < rows.nr; i++)
			emu_memberset_add(&aud->replace->staged, rows.d[i]);
		if (last) {
			emu_memberset_release(aud->members);
			*aud->members = aud->replace->staged;
			free(aud->replace);
			aud->replace = NULL;
		}
		break;
	}
	emu_touch(aud, now);
	json_object_set_new(aud->f, "time_content_updated",
	                    json_integer(aud->updated));
	if (!sid)
		sid = (int64_t)(emu_mix64((uint64_t)aud->updated ^ aud->seq) >>
		                12);
	emu_resp_json(resp, 200,
	              json_pack("{s:s,s:I,s:I,s:I,s:O}", "audience_id", aud->id,
	                        "session_id", (json_int_t)sid, "num_received",
	                        (json_int_t)(rows.nr + rows.invalid),
	                        "num_invalid_entries", (json_int_t)rows.invalid,
	                        "invalid_entry_samples", rows.samples));
out:
	json_decref(session);
	json_decref(rows.samples);
	free(rows.d);
}
