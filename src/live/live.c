/*
 * Live state: the raw reads of an account parsed into objects, each with
 * the identity its ad labels (or audience marker) give it, and mapped to
 * the addresses of a model. docs/internals/identity.md has the rules this
 * file implements.
 */
#include "live/live.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* The raw document's arrays, in load order, and their kinds. */
static const struct {
	const char *edge;
	enum ads_kind kind;
} edges[] = {
	{ "adimages", ADS_KIND_IMAGE },
	{ "customaudiences", ADS_KIND_AUDIENCE },
	{ "campaigns", ADS_KIND_CAMPAIGN },
	{ "adsets", ADS_KIND_AD_SET },
	{ "adcreatives", ADS_KIND_CREATIVE },
	{ "ads", ADS_KIND_AD },
};

/* --- labels and markers ----------------------------------------------- */

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool ads_live_parse_label(const char *label, char **stack, char **address,
                          char digest[ADS_DIGEST_LABEL_LEN + 1])
{
	const char *s, *colon, *at, *end;

	digest[0] = '\0';
	if (!label || !ads_starts_with(label, ADS_LABEL_PREFIX))
		return false;
	s = label + strlen(ADS_LABEL_PREFIX);
	colon = strchr(s, ':');
	if (!colon || colon == s)
		return false;
	for (const char *p = s; p < colon; p++)
		if (!is_key_char(*p))
			return false;
	end = colon + 1 + strlen(colon + 1);
	at = strchr(colon + 1, '@');
	if (at) {
		if ((size_t)(end - at - 1) != ADS_DIGEST_LABEL_LEN ||
		    !is_hex(at + 1, ADS_DIGEST_LABEL_LEN))
			return false;
		memcpy(digest, at + 1, ADS_DIGEST_LABEL_LEN);
		digest[ADS_DIGEST_LABEL_LEN] = '\0';
		end = at;
	}
	if (end == colon + 1)
		return false;
	*stack = xstrndup(s, (size_t)(colon - s));
	*address = xstrndup(colon + 1, (size_t)(end - colon - 1));
	return true;
}

bool ads_live_parse_marker(const char *description, char **stack,
                           char **address, char members[65], size_t *text_len)
{
	const char *m = NULL, *p, *colon, *sp, *close;
	size_t n;

	members[0] = '\0';
	if (!description)
		return false;
	for (p = strstr(description, "[adsctl "); p;
	     p = strstr(p + 1, "[adsctl "))
		m = p;
	if (!m)
		return false;
	close = strchr(m, ']');
	if (!close || close[1])
		return false; /* the marker ends the description */
	p = m + strlen("[adsctl ");
	colon = memchr(p, ':', (size_t)(close - p));
	if (!colon || colon == p)
		return false;
	sp = memchr(colon, ' ', (size_t)(close - colon));
	if (!sp)
		sp = close;
	if (sp == colon + 1)
		return false;
	if (sp != close) {
		const char *d = sp + 1;

		if (!ads_starts_with(d, "members=") ||
		    close - d != (ptrdiff_t)(strlen("members=") + 64) ||
		    !is_hex(d + strlen("members="), 64))
			return false;
		memcpy(members, d + strlen("members="), 64);
		members[64] = '\0';
	}
	*stack = xstrndup(p, (size_t)(colon - p));
	*address = xstrndup(colon + 1, (size_t)(sp - colon - 1));
	n = (size_t)(m - description);
	while (n && (description[n - 1] == ' ' || description[n - 1] == '\n' ||
	             description[n - 1] == '\t'))
		n--;
	if (text_len)
		*text_len = n;
	return true;
}

/* Whether an address has the shape of a kind's addresses. */
static bool address_fits(enum ads_kind kind, const char *address)
{
	static const char *const shape[ADS_KIND_COUNT] = {
		[ADS_KIND_AUDIENCE] = "audiences",
		[ADS_KIND_CAMPAIGN] = "campaigns",
		[ADS_KIND_AD_SET] = "campaigns.ad_sets",
		[ADS_KIND_CREATIVE] = "creatives",
		[ADS_KIND_AD] = "campaigns.ad_sets.ads",
	};
	const char *want = shape[kind], *p = address;

	if (!want)
		return false;
	/* want lists the fixed components; each is followed by a key */
	while (*want) {
		size_t n = strcspn(want, ".");

		if (strncmp(p, want, n) || p[n] != '.')
			return false;
		p += n + 1;
		if (!is_key_char(*p))
			return false;
		while (is_key_char(*p))
			p++;
		want += n;
		if (*want == '.')
			want++;
		if (*want && *p++ != '.')
			return false;
	}
	return !*p;
}

/* --- objects ---------------------------------------------------------- */

static void free_object(struct ads_live_object *o)
{
	if (!o)
		return;
	free(o->id);
	free(o->address);
	json_decref(o->fields);
	free(o->parent_id);
	free(o->creative_id);
	free(o);
}

static void free_slot(void *p)
{
	struct ads_live_slot *s = p;

	free(s->v);
	free(s);
}

void ads_live_free(struct ads_live *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nobjs; i++)
		free_object(l->objs[i]);
	free(l->objs);
	ads_map_release(&l->by_id, NULL);
	ads_map_release(&l->by_address, free_slot);
	for (size_t i = 0; i < l->ndups; i++) {
		free(l->dups[i].label);
		ads_strvec_release(&l->dups[i].ids);
	}
	free(l->dups);
	ads_strvec_release(&l->notes);
	free(l->account);
	free(l->stack);
	free(l->currency);
	free(l->timezone);
	json_decref(l->raw);
	free(l);
}

/* The adlabels of an object: a list, or an edge-like {"data": [...]}. */
static json_t *labels_of(const json_t *fields)
{
	json_t *l = json_object_get(fields, "adlabels");

	if (json_is_object(l))
		l = json_object_get(l, "data");
	return json_is_array(l) ? l : NULL;
}

/*
 * Reads the identity of o from its labels: sets address and digest, or
 * the unmanaged/foreign role. Returns false when the labels contradict
 * each other (a note is added).
 */
static void read_labels(struct ads_live *l, struct ads_live_object *o)
{
	json_t *labels = labels_of(o->fields), *lab;
	char *address = NULL, digest[ADS_DIGEST_LABEL_LEN + 1] = "";
	bool foreign = false, conflict = false;
	size_t i;

	json_array_foreach(labels, i, lab) {
		char *stack, *addr, dg[ADS_DIGEST_LABEL_LEN + 1];

		if (!ads_live_parse_label(ads_json_str(lab, "name"), &stack,
		                          &addr, dg))
			continue;
		if (strcmp(stack, l->stack)) {
			foreign = true;
		} else if (*dg && o->kind != ADS_KIND_CREATIVE) {
			conflict = true;
		} else if (address && strcmp(address, addr)) {
			conflict = true;
		} else if (*dg && *digest && strcmp(dg, digest)) {
			conflict = true;
		} else {
			if (!address)
				address = xstrdup(addr);
			if (*dg)
				memcpy(digest, dg, sizeof(digest));
		}
		free(stack);
		free(addr);
	}
	if (address && !address_fits(o->kind, address))
		conflict = true;
	if (conflict) {
		ads_strvec_pushf(&l->notes,
		                 "%s %s carries contradictory adsctl labels of "
		                 "stack '%s': left alone",
		                 ads_kind_noun(o->kind), o->id, l->stack);
		free(address);
		o->role = ADS_LIVE_UNMANAGED;
		return;
	}
	if (!address) {
		o->role = foreign ? ADS_LIVE_FOREIGN : ADS_LIVE_UNMANAGED;
		return;
	}
	o->address = address;
	memcpy(o->digest, digest, sizeof(digest));
	o->role = ADS_LIVE_CURRENT;
}

static void read_marker(struct ads_live *l, struct ads_live_object *o)
{
	char *stack, *address;

	o->role = ADS_LIVE_UNMANAGED;
	if (!ads_live_parse_marker(ads_json_str(o->fields, "description"),
	                           &stack, &address, o->members, NULL))
		return;
	if (strcmp(stack, l->stack)) {
		o->role = ADS_LIVE_FOREIGN;
		free(address);
	} else if (!address_fits(ADS_KIND_AUDIENCE, address)) {
		ads_strvec_pushf(
		        &l->notes,
		        "custom audience %s has an adsctl marker with "
		        "the address '%s', which is not an audience's: "
		        "left alone",
		        o->id, address);
		free(address);
	} else {
		o->address = address;
		o->role = ADS_LIVE_CURRENT;
	}
	free(stack);
}

static char *id_string(const json_t *v)
{
	int64_t n;

	if (json_is_string(v) && *json_string_value(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v) && ads_json_as_int64(v, &n))
		return xasprintf("%lld", (long long)n);
	return NULL;
}

/* Computed when first asked for: most objects never need it. */
const char *ads_live_fingerprint(struct ads_live_object *o)
{
	json_t *f;
	char digest[65];

	if (o->fp_digest[0])
		return o->fp_digest;
	f = json_deep_copy(o->fields);
	json_object_del(f, "effective_status");
	ads_json_digest(f, digest);
	json_decref(f);
	memcpy(o->fp_digest, digest, 16);
	o->fp_digest[16] = '\0';
	return o->fp_digest;
}

static int parse_object(struct ads_live *l, enum ads_kind kind,
                        const char *edge, size_t idx, json_t *v,
                        struct ads_error *err)
{
	struct ads_live_object *o;
	const char *st;
	char *id;

	if (!json_is_object(v))
		return ads_error_set(err, ADS_EINVALID,
		                     "live state: %s[%zu] is not an object",
		                     edge, idx);
	id = id_string(
	        json_object_get(v, kind == ADS_KIND_IMAGE ? "hash" : "id"));
	if (!id)
		return ads_error_set(err, ADS_EINVALID,
		                     "live state: %s[%zu] has no %s", edge, idx,
		                     kind == ADS_KIND_IMAGE ? "hash" : "id");
	if (ads_map_has(&l->by_id, id)) {
		/* paging may repeat an object (003:L12629); keep the first */
		free(id);
		return 0;
	}
	o = xcalloc(1, sizeof(*o));
	o->kind = kind;
	o->id = id;
	o->fields = json_incref(v);
	o->name = ads_json_str(v, "name");
	o->status = ads_json_str(v, "configured_status");
	if (!o->status)
		o->status = ads_json_str(v, "status");
	/* the diff compares `status` with the configured status */
	if (o->status && !json_object_get(v, "status"))
		json_object_set_new(v, "status", json_string(o->status));
	o->status = ads_json_str(v, "configured_status");
	if (!o->status)
		o->status = ads_json_str(v, "status");
	o->effective_status = ads_json_str(v, "effective_status");
	o->updated_time = ads_json_str(v, "updated_time");
	st = o->effective_status;
	o->archived = (st && !strcmp(st, "ARCHIVED")) ||
	              (o->status && !strcmp(o->status, "ARCHIVED"));
	if (kind == ADS_KIND_AD_SET)
		o->parent_id = id_string(json_object_get(v, "campaign_id"));
	if (kind == ADS_KIND_AD) {
		o->parent_id = id_string(json_object_get(v, "adset_id"));
		o->creative_id = id_string(
		        json_object_get(json_object_get(v, "creative"), "id"));
	}
	if (kind == ADS_KIND_AUDIENCE)
		read_marker(l, o);
	else if (kind == ADS_KIND_IMAGE)
		o->role = ADS_LIVE_UNMANAGED;
	else
		read_labels(l, o);

	if (o->role == ADS_LIVE_UNMANAGED && kind != ADS_KIND_IMAGE)
		l->unmanaged[kind]++;
	if (o->role == ADS_LIVE_FOREIGN)
		l->foreign[kind]++;
	ADS_ALLOC_GROW(l->objs, l->nobjs + 1, l->alloc_objs);
	l->objs[l->nobjs++] = o;
	ads_map_put(&l->by_id, o->id, o);
	if (o->address) {
		struct ads_live_slot *s =
		        ads_map_get(&l->by_address, o->address);

		if (!s) {
			s = xcalloc(1, sizeof(*s));
			ads_map_put(&l->by_address, o->address, s);
		}
		ADS_ALLOC_GROW(s->v, s->nr + 1, s->alloc);
		s->v[s->nr++] = o;
	}
	return 0;
}

static void add_dup(struct ads_live *l, enum ads_kind kind, char *label,
                    struct ads_live_object **v, size_t n, bool skip_archived)
{
	struct ads_live_dup *d;

	ADS_ALLOC_GROW(l->dups, l->ndups + 1, l->alloc_dups);
	d = &l->dups[l->ndups++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->label = label;
	for (size_t i = 0; i < n; i++)
		if (!(skip_archived && v[i]->archived))
			ads_strvec_push(&d->ids, v[i]->id);
}

static int cmp_dup(const void *a, const void *b)
{
	return strcmp(((const struct ads_live_dup *)a)->label,
	              ((const struct ads_live_dup *)b)->label);
}

/* Two objects with one identity: an ambiguity (identity.md). */
static void find_dups(struct ads_live *l)
{
	const char *address;
	void *val;

	for (size_t it = 0;
	     ads_map_next(&l->by_address, &it, &address, &val);) {
		struct ads_live_slot *s = val;
		enum ads_kind kind = s->v[0]->kind;
		size_t live = 0;

		if (kind == ADS_KIND_AUDIENCE) {
			if (s->nr > 1)
				add_dup(l, kind,
				        xasprintf("[adsctl %s:%s]", l->stack,
				                  address),
				        s->v, s->nr, false);
			continue;
		}
		if (kind == ADS_KIND_CREATIVE) {
			for (size_t i = 0; i < s->nr; i++) {
				size_t same = 0;

				if (!*s->v[i]->digest)
					continue;
				for (size_t j = 0; j < i; j++)
					if (!strcmp(s->v[j]->digest,
					            s->v[i]->digest))
						same++;
				if (same)
					continue; /* reported with the first */
				for (size_t j = i + 1; j < s->nr; j++)
					if (!strcmp(s->v[j]->digest,
					            s->v[i]->digest))
						same++;
				if (same) {
					struct ads_live_object **v =
					        xcalloc(s->nr, sizeof(*v));
					size_t n = 0;

					for (size_t j = i; j < s->nr; j++)
						if (!strcmp(s->v[j]->digest,
						            s->v[i]->digest))
							v[n++] = s->v[j];
					add_dup(l, kind,
					        xasprintf("adsctl:%s:%s@%s",
					                  l->stack, address,
					                  s->v[i]->digest),
					        v, n, false);
					free(v);
				}
			}
			continue;
		}
		for (size_t i = 0; i < s->nr; i++)
			live += !s->v[i]->archived;
		if (live > 1)
			add_dup(l, kind,
			        xasprintf("adsctl:%s:%s", l->stack, address),
			        s->v, s->nr, true);
	}
	/* map order is arbitrary; messages must not depend on it */
	if (l->ndups > 1)
		qsort(l->dups, l->ndups, sizeof(*l->dups), cmp_dup);
}

static int load_account(struct ads_live *l, const json_t *acct,
                        struct ads_error *err)
{
	const char *s;
	int64_t n;

	if (!acct)
		return 0;
	if (!json_is_object(acct))
		return ads_error_set(
		        err, ADS_EINVALID,
		        "live state: \"account\" is not an object");
	if ((s = ads_json_str(acct, "currency")))
		l->currency = xstrdup(s);
	if ((s = ads_json_str(acct, "timezone_name")))
		l->timezone = xstrdup(s);
	if (ads_json_as_int64(json_object_get(acct, "min_daily_budget"), &n))
		l->min_daily_budget = n;
	if (!l->account && (s = ads_json_str(acct, "id")))
		l->account = xstrdup(s);
	return 0;
}

int ads_live_load(struct ads_live **out, const json_t *raw, const char *stack,
                  struct ads_error *err)
{
	struct ads_live *l;
	int rc;

	if (!json_is_object(raw))
		return ads_error_set(err, ADS_EINVALID,
		                     "live state is not a JSON object");
	l = xcalloc(1, sizeof(*l));
	ads_map_init(&l->by_id);
	ads_map_init(&l->by_address);
	l->stack = xstrdup(stack ? stack : "");
	l->raw = json_incref(ads_json_mut(raw));
	rc = load_account(l, json_object_get(raw, "account"), err);
	for (size_t e = 0; !rc && e < ADS_ARRAY_SIZE(edges); e++) {
		json_t *arr = json_object_get(raw, edges[e].edge), *v;
		size_t i;

		if (arr && !json_is_array(arr)) {
			rc = ads_error_set(err, ADS_EINVALID,
			                   "live state: \"%s\" is not a list",
			                   edges[e].edge);
			break;
		}
		json_array_foreach(arr, i, v) {
			rc = parse_object(l, edges[e].kind, edges[e].edge, i, v,
			                  err);
			if (rc)
				break;
		}
	}
	if (rc) {
		ads_live_free(l);
		return rc;
	}
	find_dups(l);
	*out = l;
	return 0;
}

/* --- mapping ---------------------------------------------------------- */

static int64_t updated(const struct ads_live_object *o)
{
	int64_t t = 0;

	if (o->updated_time)
		ads_time_parse(o->updated_time, &t);
	return t;
}

static void map_slot(struct ads_live_slot *s, const struct ads_resource *r)
{
	enum ads_kind kind = s->v[0]->kind;

	s->current = NULL;
	for (size_t i = 0; i < s->nr; i++)
		s->v[i]->role = ADS_LIVE_CURRENT;
	if (kind == ADS_KIND_CREATIVE) {
		char want[65] = "";

		if (r && r->kind == ADS_KIND_CREATIVE)
			ads_resource_content_digest(r, want);
		want[ADS_DIGEST_LABEL_LEN] = '\0';
		if (!r) {
			/* undeclared: every version goes the same way */
			s->current = s->v[0];
			return;
		}
		for (size_t i = 0; i < s->nr; i++) {
			if (!s->current && *want &&
			    !strcmp(s->v[i]->digest, want))
				s->current = s->v[i];
			else
				s->v[i]->role = ADS_LIVE_SUPERSEDED;
		}
		return;
	}
	if (kind == ADS_KIND_AUDIENCE) {
		s->current = s->nr == 1 ? s->v[0] : NULL;
		return;
	}
	for (size_t i = 0; i < s->nr; i++) {
		if (s->v[i]->archived)
			continue;
		if (s->current) {
			/* two live objects: an ambiguity, see find_dups() */
			s->current = NULL;
			return;
		}
		s->current = s->v[i];
	}
	if (!s->current) {
		for (size_t i = 0; i < s->nr; i++)
			if (!s->current ||
			    updated(s->v[i]) > updated(s->current))
				s->current = s->v[i];
	}
	for (size_t i = 0; i < s->nr; i++)
		if (s->v[i] != s->current)
			s->v[i]->role = ADS_LIVE_RETIRED;
}

void ads_live_map(struct ads_live *l, const struct ads_model *m)
{
	const char *address;
	void *val;

	for (size_t it = 0;
	     ads_map_next(&l->by_address, &it, &address, &val);) {
		const struct ads_resource *r =
		        m ? ads_model_find(m, address) : NULL;

		if (r && r->kind != ((struct ads_live_slot *)val)->v[0]->kind)
			r = NULL;
		map_slot(val, r);
	}
	l->mapped = true;
}

struct ads_live_object *ads_live_get(const struct ads_live *l,
                                     const char *address)
{
	const struct ads_live_slot *s = ads_map_get(&l->by_address, address);

	return s ? s->current : NULL;
}

const struct ads_live_slot *ads_live_slot(const struct ads_live *l,
                                          const char *address)
{
	return ads_map_get(&l->by_address, address);
}

struct ads_live_object *ads_live_by_id(const struct ads_live *l, const char *id)
{
	return ads_map_get(&l->by_id, id);
}

/* --- fields to read --------------------------------------------------- */

#define IDENTITY                                                      \
	"id,name,adlabels,status,configured_status,effective_status," \
	"updated_time"

/* Parenthesised: one string each (clang's -Wstring-concatenation). */
static const char *const identity_fields[ADS_KIND_COUNT] = {
	[ADS_KIND_IMAGE] = "hash,id,name,status",
	[ADS_KIND_VIDEO] = "id,title,status",
	[ADS_KIND_AUDIENCE] = "id,name,description,subtype,time_updated",
	[ADS_KIND_CAMPAIGN] = (IDENTITY ",daily_budget,lifetime_budget,"
	                                "start_time,stop_time"),
	[ADS_KIND_AD_SET] = (IDENTITY ",campaign_id,is_dynamic_creative,"
	                              "daily_budget,lifetime_budget,"
	                              "start_time,end_time"),
	[ADS_KIND_CREATIVE] = "id,name,status,adlabels",
	[ADS_KIND_AD] = (IDENTITY ",adset_id,creative{id}"),
};

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, name, n))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void ads_live_fields(struct ads_buf *out, enum ads_kind kind,
                     const struct ads_model *m)
{
	const char *base = identity_fields[kind];
	struct ads_strvec extra = ADS_STRVEC_INIT;
	struct ads_map seen = ADS_MAP_INIT;

	ads_buf_addstr(out, base);
	for (size_t i = 0; m && i < m->nr; i++) {
		const struct ads_resource *r = m->order[i];
		const char *k;
		json_t *v;

		if (r->kind != kind)
			continue;
		json_object_foreach(r->fields, k, v) {
			/* a creative's content is identified by its label */
			if (kind == ADS_KIND_CREATIVE ||
			    (kind == ADS_KIND_AD && !strcmp(k, "creative")) ||
			    !ads_live_readable(kind, k) || in_list(base, k) ||
			    ads_map_has(&seen, k))
				continue;
			ads_map_put(&seen, k, NULL);
			ads_strvec_push(&extra, k);
		}
	}
	if (extra.nr)
		qsort(extra.v, extra.nr, sizeof(*extra.v), cmp_str);
	for (size_t i = 0; i < extra.nr; i++)
		ads_buf_addf(out, ",%s", extra.v[i]);
	ads_strvec_release(&extra);
	ads_map_release(&seen, NULL);
}
