/*
 * The emulator's object store and its persistence (see store.h).
 */
#include "emulator/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

const struct emu_kind_info emu_kinds[EMU_NKINDS] = {
	[EMU_CAMPAIGN] = { "campaign", "Campaign", "campaigns",
	                   ADS_EMU_BUC_ADS_MANAGEMENT },
	[EMU_ADSET] = { "adset", "AdSet", "adsets",
	                ADS_EMU_BUC_ADS_MANAGEMENT },
	[EMU_AD] = { "ad", "Ad", "ads", ADS_EMU_BUC_ADS_MANAGEMENT },
	[EMU_CREATIVE] = { "adcreative", "AdCreative", "adcreatives",
	                   ADS_EMU_BUC_ADS_MANAGEMENT },
	[EMU_AUDIENCE] = { "customaudience", "CustomAudience",
	                   "customaudiences", ADS_EMU_BUC_CUSTOM_AUDIENCE },
	[EMU_LABEL] = { "adlabel", "AdLabel", "adlabels",
	                ADS_EMU_BUC_ADS_MANAGEMENT },
	[EMU_IMAGE] = { "adimage", "AdImage", "adimages",
	                ADS_EMU_BUC_ADS_MANAGEMENT },
	[EMU_VIDEO] = { "advideo", "AdVideo", "advideos",
	                ADS_EMU_BUC_ADS_MANAGEMENT },
	[EMU_ASYNC_SET] = { "asyncrequestset", "AdAsyncRequestSet",
	                    "asyncadrequestsets", ADS_EMU_BUC_ADS_MANAGEMENT },
	[EMU_ASYNC_REQ] = { "asyncrequest", "AdAsyncRequest", "requests",
	                    ADS_EMU_BUC_ADS_MANAGEMENT },
};

/* Ids look like Meta's: 18 digits starting 1202. */
#define ID_BASE 120200000000000000ULL

int emu_kind_by_name(const char *name)
{
	for (int k = 0; k < EMU_NKINDS; k++)
		if (!strcmp(emu_kinds[k].name, name))
			return k;
	return -1;
}

void emu_objvec_push(struct emu_objvec *v, struct emu_obj *o)
{
	ADS_ALLOC_GROW(v->v, v->nr + 1, v->alloc);
	v->v[v->nr++] = o;
}

size_t emu_objvec_lower(const struct emu_objvec *v, uint64_t seq)
{
	size_t lo = 0, hi = v->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->v[mid]->seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* --- member sets: open addressing over 16-byte digests ---------------- */

static bool is_zero16(const uint8_t d[16])
{
	for (int i = 0; i < 16; i++)
		if (d[i])
			return false;
	return true;
}

static size_t slot_of(const uint8_t d[16], size_t cap)
{
	uint64_t h;

	memcpy(&h, d, sizeof(h));
	return (size_t)(h & (cap - 1));
}

void emu_memberset_release(struct emu_memberset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->nr = 0;
}

static void memberset_grow(struct emu_memberset *s)
{
	struct emu_memberset n = { NULL, s->cap ? s->cap * 2 : 64, 0 };

	n.slots = xcalloc(n.cap, 16);
	for (size_t i = 0; i < s->cap; i++)
		if (!is_zero16(s->slots[i]))
			emu_memberset_add(&n, s->slots[i]);
	free(s->slots);
	*s = n;
}

bool emu_memberset_add(struct emu_memberset *s, const uint8_t d[16])
{
	uint8_t key[16];
	size_t i;

	memcpy(key, d, 16);
	if (is_zero16(key))
		key[15] = 1; /* zero marks an empty slot */
	if ((s->nr + 1) * 4 >= s->cap * 3)
		memberset_grow(s);
	for (i = slot_of(key, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (is_zero16(s->slots[i])) {
			memcpy(s->slots[i], key, 16);
			s->nr++;
			return true;
		}
		if (!memcmp(s->slots[i], key, 16))
			return false;
	}
}

bool emu_memberset_del(struct emu_memberset *s, const uint8_t d[16])
{
	uint8_t key[16];
	size_t i;

	if (!s->cap)
		return false;
	memcpy(key, d, 16);
	if (is_zero16(key))
		key[15] = 1;
	for (i = slot_of(key, s->cap); !is_zero16(s->slots[i]);
	     i = (i + 1) & (s->cap - 1)) {
		if (memcmp(s->slots[i], key, 16))
			continue;
		/* Backward-shift deletion keeps probe chains intact. */
		memset(s->slots[i], 0, 16);
		s->nr--;
		for (size_t j = (i + 1) & (s->cap - 1); !is_zero16(s->slots[j]);
		     j = (j + 1) & (s->cap - 1)) {
			uint8_t tmp[16];

			memcpy(tmp, s->slots[j], 16);
			memset(s->slots[j], 0, 16);
			s->nr--;
			emu_memberset_add(s, tmp);
		}
		return true;
	}
	return false;
}

/* --- objects and accounts --------------------------------------------- */

static void obj_free(void *p)
{
	struct emu_obj *o = p;

	if (!o)
		return;
	free(o->id);
	json_decref(o->f);
	free(o->kids.v);
	free(o->ads.v);
	if (o->members) {
		emu_memberset_release(o->members);
		free(o->members);
	}
	if (o->replace) {
		emu_memberset_release(&o->replace->staged);
		free(o->replace);
	}
	free(o);
}

static void account_free(void *p)
{
	struct emu_account *a = p;

	if (!a)
		return;
	free(a->id);
	free(a->currency);
	free(a->timezone_name);
	for (int k = 0; k < EMU_NKINDS; k++)
		free(a->lists[k].v);
	ads_map_release(&a->labels, NULL);
	ads_map_release(&a->images, NULL);
	ads_map_release(&a->story_ids, NULL);
	free(a);
}

void emu_store_init(struct emu_store *s, const struct ads_emulator_config *cfg)
{
	memset(s, 0, sizeof(*s));
	pthread_rwlock_init(&s->lock, NULL);
	s->cfg = cfg;
	ads_map_init(&s->objs);
	ads_map_init(&s->accts);
	s->next_id = 1;
}

void emu_store_clear(struct emu_store *s)
{
	ads_map_release(&s->objs, obj_free);
	ads_map_release(&s->accts, account_free);
	ads_map_init(&s->objs);
	ads_map_init(&s->accts);
	free(s->pending.v);
	memset(&s->pending, 0, sizeof(s->pending));
	s->next_id = 1;
	s->seq = 0;
}

void emu_store_release(struct emu_store *s)
{
	emu_store_clear(s);
	pthread_rwlock_destroy(&s->lock);
}

bool emu_is_account_id(const char *id)
{
	size_t n;

	if (strncmp(id, "act_", 4))
		return false;
	n = strlen(id + 4);
	if (n < 1 || n > 20)
		return false;
	return strspn(id + 4, "0123456789") == n;
}

struct emu_account *emu_store_find_account(const struct emu_store *s,
                                           const char *id)
{
	return ads_map_get(&s->accts, id);
}

struct emu_account *emu_store_account(struct emu_store *s, const char *id)
{
	struct emu_account *a = ads_map_get(&s->accts, id);
	const struct ads_emulator_config *cfg = s->cfg;

	if (a)
		return a;
	a = xcalloc(1, sizeof(*a));
	a->id = xstrdup(id);
	a->digits = a->id + 4;
	a->currency = xstrdup(cfg->default_currency);
	a->timezone_name = xstrdup(cfg->default_timezone);
	a->min_daily_budget = cfg->default_min_daily_budget;
	a->created = emu_clock_now(s->clock);
	for (size_t i = 0; i < cfg->naccounts; i++) {
		const struct ads_emulator_account_cfg *ac = &cfg->accounts[i];

		if (strcmp(ac->id, id))
			continue;
		if (ac->currency) {
			free(a->currency);
			a->currency = xstrdup(ac->currency);
		}
		if (ac->timezone_name) {
			free(a->timezone_name);
			a->timezone_name = xstrdup(ac->timezone_name);
		}
		if (ac->min_daily_budget >= 0)
			a->min_daily_budget = ac->min_daily_budget;
	}
	ads_map_init(&a->labels);
	ads_map_init(&a->images);
	ads_map_init(&a->story_ids);
	ads_map_put(&s->accts, id, a);
	return a;
}

struct emu_obj *emu_store_new_with_id(struct emu_store *s,
                                      struct emu_account *a, enum emu_kind kind,
                                      const char *id, int64_t now)
{
	struct emu_obj *o = xcalloc(1, sizeof(*o));

	o->id = xstrdup(id);
	o->kind = kind;
	o->acct = a;
	o->f = json_object();
	o->seq = ++s->seq;
	o->created = o->updated = now;
	ads_map_put(&s->objs, o->id, o);
	if (a)
		emu_objvec_push(&a->lists[kind], o);
	return o;
}

struct emu_obj *emu_store_new(struct emu_store *s, struct emu_account *a,
                              enum emu_kind kind, int64_t now)
{
	char id[32];

	snprintf(id, sizeof(id), "%llu",
	         (unsigned long long)(ID_BASE + s->next_id++ * 7 + 3));
	return emu_store_new_with_id(s, a, kind, id, now);
}

struct emu_obj *emu_store_get(const struct emu_store *s, const char *id)
{
	return ads_map_get(&s->objs, id);
}

size_t emu_store_count(const struct emu_store *s)
{
	return ads_map_count(&s->objs);
}

const char *emu_obj_status(const struct emu_obj *o)
{
	const char *st = ads_json_str(o->f, "status");

	return st ? st : "ACTIVE";
}

/* --- dumping and persistence ------------------------------------------ */

static json_t *members_blob(const struct emu_memberset *m)
{
	struct ads_buf raw = ADS_BUF_INIT, b64 = ADS_BUF_INIT;
	json_t *v;

	for (size_t i = 0; i < m->cap; i++)
		if (!is_zero16(m->slots[i]))
			ads_buf_add(&raw, m->slots[i], 16);
	ads_base64_encode(&b64, raw.buf, raw.len);
	v = json_string(b64.buf);
	ads_buf_release(&raw);
	ads_buf_release(&b64);
	return v;
}

json_t *emu_obj_dump(const struct emu_obj *o)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_string(o->id));
	json_object_set_new(j, "kind", json_string(emu_kinds[o->kind].name));
	if (o->acct)
		json_object_set_new(j, "account", json_string(o->acct->id));
	json_object_set_new(j, "seq", json_integer((json_int_t)o->seq));
	json_object_set_new(j, "created", json_integer(o->created));
	json_object_set_new(j, "updated", json_integer(o->updated));
	if (o->review_until)
		json_object_set_new(j, "review_until",
		                    json_integer(o->review_until));
	if (o->parent)
		json_object_set_new(j, "parent", json_string(o->parent->id));
	if (o->gone)
		json_object_set_new(j, "gone", json_true());
	if (o->members)
		json_object_set_new(j, "member_count",
		                    json_integer((json_int_t)o->members->nr));
	json_object_set_new(j, "fields", json_deep_copy(o->f));
	return j;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct emu_obj *x = *(struct emu_obj *const *)a;
	const struct emu_obj *y = *(struct emu_obj *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct emu_obj **sorted_objs(const struct emu_store *s, size_t *n)
{
	struct emu_obj **v = xcalloc(ads_map_count(&s->objs) + 1, sizeof(*v));
	size_t i = 0;
	void *val;

	for (size_t it = 0; ads_map_next(&s->objs, &it, NULL, &val);)
		v[i++] = val;
	qsort(v, i, sizeof(*v), cmp_seq);
	*n = i;
	return v;
}

static json_t *dump(const struct emu_store *s, bool persist)
{
	json_t *root = json_object(), *accts = json_array(),
	       *objs = json_array();
	size_t n;
	struct emu_obj **v = sorted_objs(s, &n);
	void *val;

	json_object_set_new(root, "format",
	                    json_string("adsctl-emulator-state"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "next_id",
	                    json_integer((json_int_t)s->next_id));
	json_object_set_new(root, "seq", json_integer((json_int_t)s->seq));
	for (size_t it = 0; ads_map_next(&s->accts, &it, NULL, &val);) {
		const struct emu_account *a = val;
		json_t *j = json_object();

		json_object_set_new(j, "id", json_string(a->id));
		json_object_set_new(j, "currency", json_string(a->currency));
		json_object_set_new(j, "timezone_name",
		                    json_string(a->timezone_name));
		json_object_set_new(j, "min_daily_budget",
		                    json_integer(a->min_daily_budget));
		json_object_set_new(j, "created", json_integer(a->created));
		json_array_append_new(accts, j);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *j = emu_obj_dump(v[i]);

		if (persist && v[i]->members) {
			json_object_del(j, "member_count");
			json_object_set_new(j, "members",
			                    members_blob(v[i]->members));
		}
		json_array_append_new(objs, j);
	}
	free(v);
	json_object_set_new(root, "accounts", accts);
	json_object_set_new(root, "objects", objs);
	return root;
}

json_t *emu_store_dump(const struct emu_store *s)
{
	return dump(s, false);
}

int emu_store_save(struct emu_store *s, const char *path, struct ads_error *err)
{
	json_t *root = dump(s, true);
	char *text = json_dumps(root, JSON_COMPACT);
	int rc;

	json_decref(root);
	if (!text)
		return ads_error_set(err, ADS_ERROR,
		                     "cannot encode the emulator state");
	rc = ads_write_file_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return rc;
}

static int bad_state(struct ads_error *err, const char *path, const char *what)
{
	return ads_error_set(err, ADS_EINVALID,
	                     "%s: not an emulator state file (%s)", path, what);
}

static void link_obj(struct emu_obj *o)
{
	if (!o->parent)
		return;
	emu_objvec_push(&o->parent->kids, o);
	if (o->kind == EMU_AD && o->parent->parent)
		emu_objvec_push(&o->parent->parent->ads, o);
}

int emu_store_load(struct emu_store *s, const char *path, struct ads_error *err)
{
	json_t *root = NULL, *v;
	void *val;
	size_t i;
	int rc;

	rc = ads_json_load_file(&root, path, 0, err);
	if (rc)
		return rc;
	if (!json_is_object(root) || !ads_json_str(root, "format") ||
	    strcmp(ads_json_str(root, "format"), "adsctl-emulator-state")) {
		rc = bad_state(err, path, "no \"format\"");
		goto out;
	}
	emu_store_clear(s);
	s->next_id =
	        (uint64_t)json_integer_value(json_object_get(root, "next_id"));
	s->seq = (uint64_t)json_integer_value(json_object_get(root, "seq"));
	if (!s->next_id)
		s->next_id = 1;
	json_array_foreach(json_object_get(root, "accounts"), i, v) {
		const char *id = ads_json_str(v, "id");
		struct emu_account *a;

		if (!id || !emu_is_account_id(id)) {
			rc = bad_state(err, path, "bad account id");
			goto out;
		}
		a = emu_store_account(s, id);
		if (ads_json_str(v, "currency")) {
			free(a->currency);
			a->currency = xstrdup(ads_json_str(v, "currency"));
		}
		if (ads_json_str(v, "timezone_name")) {
			free(a->timezone_name);
			a->timezone_name =
			        xstrdup(ads_json_str(v, "timezone_name"));
		}
		a->min_daily_budget = json_integer_value(
		        json_object_get(v, "min_daily_budget"));
		a->created = json_integer_value(json_object_get(v, "created"));
	}
	json_array_foreach(json_object_get(root, "objects"), i, v) {
		const char *id = ads_json_str(v, "id");
		const char *kind = ads_json_str(v, "kind");
		const char *acct = ads_json_str(v, "account");
		const char *parent = ads_json_str(v, "parent");
		const char *members = ads_json_str(v, "members");
		json_t *fields = json_object_get(v, "fields");
		struct emu_account *a =
		        acct ? emu_store_account(s, acct) : NULL;
		struct emu_obj *o;
		int k = kind ? emu_kind_by_name(kind) : -1;
		uint64_t seq = s->seq;

		if (!id || k < 0 || !json_is_object(fields) ||
		    (acct && !emu_is_account_id(acct)) ||
		    emu_store_get(s, id)) {
			rc = bad_state(err, path, "bad object entry");
			goto out;
		}
		o = emu_store_new_with_id(s, a, (enum emu_kind)k, id, 0);
		s->seq = seq;
		o->seq =
		        (uint64_t)json_integer_value(json_object_get(v, "seq"));
		o->created = json_integer_value(json_object_get(v, "created"));
		o->updated = json_integer_value(json_object_get(v, "updated"));
		o->review_until =
		        json_integer_value(json_object_get(v, "review_until"));
		o->gone = json_is_true(json_object_get(v, "gone"));
		json_decref(o->f);
		o->f = json_deep_copy(fields);
		if (parent) {
			o->parent = emu_store_get(s, parent);
			if (!o->parent) {
				rc = bad_state(err, path, "parent not found");
				goto out;
			}
			link_obj(o);
		}
		if (a && k == EMU_LABEL && ads_json_str(o->f, "name") &&
		    !o->gone)
			ads_map_put(&a->labels, ads_json_str(o->f, "name"), o);
		if (a && k == EMU_IMAGE && ads_json_str(o->f, "hash") &&
		    !o->gone)
			ads_map_put(&a->images, ads_json_str(o->f, "hash"), o);
		if (a && k == EMU_CREATIVE &&
		    ads_json_str(o->f, "object_story_id"))
			ads_map_put(&a->story_ids,
			            ads_json_str(o->f, "object_story_id"), o);
		if (k == EMU_AUDIENCE) {
			struct ads_buf raw = ADS_BUF_INIT;

			o->members = xcalloc(1, sizeof(*o->members));
			if (members &&
			    ads_base64_decode(&raw, members, strlen(members)))
				for (size_t off = 0; off + 16 <= raw.len;
				     off += 16)
					emu_memberset_add(
					        o->members,
					        (const uint8_t *)raw.buf + off);
			ads_buf_release(&raw);
		}
	}
	/* Sets with requests still to run go back to the async worker. A
	 * request saved IN_PROGRESS was started but never run (the state is
	 * never saved in the middle of a tick): it starts again. */
	for (size_t it = 0; ads_map_next(&s->objs, &it, NULL, &val);) {
		struct emu_obj *o = val;
		bool open = false;

		if (o->kind != EMU_ASYNC_SET)
			continue;
		for (size_t j = 0; j < o->kids.nr; j++) {
			struct emu_obj *r = o->kids.v[j];
			const char *st = ads_json_str(r->f, "status");

			if (st && !strcmp(st, "IN_PROGRESS"))
				json_object_set_new(r->f, "status",
				                    json_string("INITIAL"));
			else if (!st || strcmp(st, "INITIAL"))
				continue;
			open = true;
		}
		if (open)
			emu_objvec_push(&s->pending, o);
	}
	/* in creation order, as they were queued */
	if (s->pending.nr)
		qsort(s->pending.v, s->pending.nr, sizeof(*s->pending.v),
		      cmp_seq);
out:
	json_decref(root);
	return rc;
}
