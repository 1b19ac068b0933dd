/*
 * YAML manifest files into JSON trees that remember where every value came
 * from (see doc.h). Built on libyaml's event API with an explicit stack of
 * open containers, so hostile nesting cannot exhaust the C stack.
 *
 * Locations live beside the tree in a struct ads_loctab (loctab.h). While a
 * container is open, its member and item positions accumulate on scratch
 * vectors shared by all open containers; when it closes they are copied
 * into the table in one go, so loading costs no mallocs of ours per node.
 */
#include "manifest/doc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "manifest/loctab.h"
#include "manifest/scalar.h"
#include "manifest/yamlerr.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/map.h"
#include "util/xalloc.h"

/* Past this many problems a file is hopeless; say so and stop. */
#define MAX_DIAGS_PER_FILE 100
/*
 * Text (scalars and keys) once aliases are expanded. Node counts alone do
 * not bound memory: a thousand aliases to one long string are few nodes.
 */
#define MAX_EXPANDED_BYTES (8u * ADS_MANIFEST_MAX_BYTES)
#define YAML_TAG_PREFIX    "tag:yaml.org,2002:"

struct docpriv {
	struct ads_loctab locs;
	struct ads_pos root_pos;
};

/* A defined anchor: what an alias to it expands to. */
struct anchor {
	json_t *node; /* a reference is held */
	const char *text; /* scalars: the source text (for use as a key) */
	size_t nodes; /* nodes in the subtree, itself included */
	size_t bytes; /* text in the subtree, keys included */
	unsigned height; /* 0 for scalars, 1 + tallest child otherwise */
	size_t seq; /* definition order, to spot recursive aliases */
};

enum key_state {
	KEY_NONE, /* a key comes next */
	KEY_NORMAL, /* key holds the key of the value that comes next */
	KEY_MERGE, /* the value that comes next is merged (<<) */
	KEY_DISCARD, /* the key was bad: build the value, then drop it */
};

/* An open mapping or sequence. */
struct frame {
	json_t *node;
	bool is_obj;
	struct ads_pos self;
	size_t start; /* its first entry in members or items */
	size_t merge_start; /* its first entry in merges */
	size_t nodes_start; /* nnodes before it was opened */
	size_t bytes_start; /* nbytes when it was opened */
	unsigned max_child; /* height of its tallest child */
	char *anchor; /* owned; NULL when it has none */
	size_t anchor_seq;
	enum key_state key_state;
	const char *key; /* in the loctab's arena */
	struct ads_pos key_pos;
	bool seen_merge;
	struct ads_pos merge_pos;
};

struct merge {
	json_t *v; /* owned reference */
	struct ads_pos at;
};

struct parser {
	struct docpriv *priv;
	const char *path;
	const char *data;
	size_t len;
	struct ads_diags *diags;
	yaml_parser_t yp;

	struct frame *frames;
	size_t nframes, aframes;
	struct ads_member_loc *members;
	size_t nmembers, amembers;
	struct ads_pos *items;
	size_t nitems, aitems;
	struct merge *merges;
	size_t nmerges, amerges;

	struct ads_map anchors; /* name -> struct anchor */
	size_t anchor_seq;
	size_t nnodes; /* after alias expansion */
	size_t nbytes; /* of text, after alias expansion */
	unsigned ndocs;
	unsigned nerrors;
	bool stop;
	json_t *root;
	struct ads_pos root_pos;
	bool root_is_empty; /* the document was an empty plain scalar */
	struct ads_buf tmp; /* for quoting text in messages */
};

static struct ads_pos mark_pos(yaml_mark_t m)
{
	struct ads_pos p = { (unsigned)m.line + 1, (unsigned)m.column + 1 };

	return p;
}

static void diag(struct parser *p, struct ads_pos at, const char *rule,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void diag(struct parser *p, struct ads_pos at, const char *rule,
                 const char *fmt, ...)
{
	struct ads_srcloc loc = { p->path, at.line, at.col };
	va_list ap;
	char *msg;

	if (p->nerrors >= MAX_DIAGS_PER_FILE) {
		p->stop = true;
		return;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ads_diags_add(p->diags, ADS_SEV_ERROR, &loc, rule, NULL, "%s", msg);
	free(msg);
	if (++p->nerrors == MAX_DIAGS_PER_FILE) {
		ads_diags_add(p->diags, ADS_SEV_ERROR, &loc, "yaml.too-many",
		              NULL,
		              "too many problems in this file; stopping after "
		              "%d",
		              MAX_DIAGS_PER_FILE);
		p->stop = true;
	}
}

/*
 * Text from the file, fit for a one-line message: control characters
 * escaped, long text cut. Valid until the next call.
 */
static const char *shown(struct parser *p, const char *s, size_t n)
{
	size_t max = 60;

	ads_buf_reset(&p->tmp);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= max && (c & 0xC0) != 0x80) {
			ads_buf_addstr(&p->tmp, "...");
			break;
		}
		if (c < 0x20 || c == 0x7f)
			ads_buf_addf(&p->tmp, "\\x%02x", c);
		else
			ads_buf_addch(&p->tmp, c);
	}
	return p->tmp.buf;
}

/* ---- locations kept beside the tree ---- */

/*
 * Forgets the locations of the containers that die with v (those nobody
 * else holds a reference to), so that the table holds no stale address a
 * later allocation could reuse. Recursion is bounded by the depth limit.
 */
static void forget(struct docpriv *d, json_t *v)
{
	size_t i;
	const char *k;
	json_t *child;

	if (!v || v->refcount != 1)
		return;
	if (json_is_object(v)) {
		ads_loctab_forget(&d->locs, v);
		json_object_foreach(v, k, child)
			forget(d, child);
	} else if (json_is_array(v)) {
		ads_loctab_forget(&d->locs, v);
		json_array_foreach(v, i, child)
			forget(d, child);
	}
}

/* Releases v, forgetting what dies with it. */
static void drop(struct docpriv *d, json_t *v)
{
	forget(d, v);
	json_decref(v);
}

/*
 * Deep copy for alias expansion. Copies keep the locations of the anchor's
 * definition (sharing its position arrays). Recursion is bounded: callers
 * check the anchor's height against the depth limit first.
 */
static json_t *copy_node(struct docpriv *d, json_t *src)
{
	const struct ads_cinfo *ci = ads_loctab_get(&d->locs, src);
	json_t *dst, *child;
	const char *k;
	size_t i;

	if (json_is_object(src)) {
		dst = json_object();
		if (ci)
			ads_loctab_add_copy(&d->locs, dst, ci);
		json_object_foreach(src, k, child)
			json_object_set_new_nocheck(dst, k,
			                            copy_node(d, child));
		return dst;
	}
	if (json_is_array(src)) {
		dst = json_array();
		if (ci)
			ads_loctab_add_copy(&d->locs, dst, ci);
		json_array_foreach(src, i, child)
			json_array_append_new(dst, copy_node(d, child));
		return dst;
	}
	return json_copy(src);
}

/* ---- tags ---- */

enum tag_kind {
	TAG_NONE,
	TAG_NONSPECIFIC, /* "!": a string for scalars */
	TAG_STR,
	TAG_INT,
	TAG_FLOAT,
	TAG_BOOL,
	TAG_NULL,
	TAG_MAP,
	TAG_SEQ,
	TAG_MERGE,
	TAG_OTHER,
};

static enum tag_kind classify_tag(const char *tag)
{
	static const struct {
		const char *name;
		enum tag_kind kind;
	} known[] = {
		{ "str", TAG_STR },     { "int", TAG_INT },
		{ "float", TAG_FLOAT }, { "bool", TAG_BOOL },
		{ "null", TAG_NULL },   { "map", TAG_MAP },
		{ "seq", TAG_SEQ },     { "merge", TAG_MERGE },
	};
	size_t plen = strlen(YAML_TAG_PREFIX);

	if (!tag)
		return TAG_NONE;
	if (!strcmp(tag, "!"))
		return TAG_NONSPECIFIC;
	if (strncmp(tag, YAML_TAG_PREFIX, plen))
		return TAG_OTHER;
	for (size_t i = 0; i < ADS_ARRAY_SIZE(known); i++)
		if (!strcmp(tag + plen, known[i].name))
			return known[i].kind;
	return TAG_OTHER;
}

/* The tag as the user wrote it: "!!binary" rather than its full form. */
static const char *shown_tag(struct parser *p, const char *tag)
{
	size_t plen = strlen(YAML_TAG_PREFIX);
	const char *s;
	char *full;

	if (strncmp(tag, YAML_TAG_PREFIX, plen))
		return shown(p, tag, strlen(tag));
	full = xasprintf("!!%s", tag + plen);
	s = shown(p, full, strlen(full));
	free(full);
	return s;
}

static void unsupported_tag(struct parser *p, struct ads_pos at,
                            const char *tag)
{
	diag(p, at, "yaml.tag",
	     "unsupported tag '%s' (manifests use plain YAML values)",
	     shown_tag(p, tag));
}

/* ---- the tree under construction ---- */

static bool count_nodes(struct parser *p, size_t n, struct ads_pos at)
{
	if (n > ADS_MANIFEST_MAX_NODES - p->nnodes) {
		diag(p, at, "yaml.too-many-nodes",
		     "too many nodes after expanding aliases (limit %u)",
		     (unsigned)ADS_MANIFEST_MAX_NODES);
		p->stop = true;
		return false;
	}
	p->nnodes += n;
	return true;
}

static bool count_bytes(struct parser *p, size_t n, struct ads_pos at)
{
	if (n > MAX_EXPANDED_BYTES - p->nbytes) {
		diag(p, at, "yaml.too-much-text",
		     "aliases expand to too much text (limit %u MiB)",
		     (unsigned)(MAX_EXPANDED_BYTES >> 20));
		p->stop = true;
		return false;
	}
	p->nbytes += n;
	return true;
}

static struct frame *top(struct parser *p)
{
	return p->nframes ? &p->frames[p->nframes - 1] : NULL;
}

static bool at_key(struct parser *p)
{
	struct frame *f = top(p);

	return f && f->is_obj && f->key_state == KEY_NONE;
}

static void free_anchor(void *v)
{
	struct anchor *a = v;

	free(a);
}

static void define_anchor(struct parser *p, const char *name, json_t *node,
                          const char *text, size_t nodes, size_t bytes,
                          unsigned height, size_t seq)
{
	struct anchor *a = xmalloc(sizeof(*a)), *old;

	a->node = json_incref(node);
	a->text = text;
	a->nodes = nodes;
	a->bytes = bytes;
	a->height = height;
	a->seq = seq;
	old = ads_map_put(&p->anchors, name, a);
	if (old) {
		drop(p->priv, old->node);
		free(old);
	}
}

/* Attaches a finished value to the open container (or makes it the root). */
static void add_value(struct parser *p, json_t *v, struct ads_pos at,
                      unsigned height)
{
	struct frame *f = top(p);

	if (!f) {
		p->root = v;
		p->root_pos = at;
		return;
	}
	if (f->max_child < height)
		f->max_child = height;
	if (!f->is_obj) {
		ADS_ALLOC_GROW(p->items, p->nitems + 1, p->aitems);
		p->items[p->nitems++] = at;
		json_array_append_new(f->node, v);
		return;
	}
	switch (f->key_state) {
	case KEY_NONE:
		/* This value was a key: only plain values can be keys */
		diag(p, at, "yaml.key",
		     "a key must be a plain value, not a list or map");
		drop(p->priv, v);
		f->key_state = KEY_DISCARD;
		return;
	case KEY_NORMAL:
		ADS_ALLOC_GROW(p->members, p->nmembers + 1, p->amembers);
		p->members[p->nmembers].key = f->key;
		p->members[p->nmembers].key_pos = f->key_pos;
		p->members[p->nmembers].val_pos = at;
		p->nmembers++;
		json_object_set_new_nocheck(f->node, f->key, v);
		break;
	case KEY_MERGE:
		ADS_ALLOC_GROW(p->merges, p->nmerges + 1, p->amerges);
		p->merges[p->nmerges].v = v;
		p->merges[p->nmerges].at = at;
		p->nmerges++;
		break;
	case KEY_DISCARD:
		drop(p->priv, v);
		break;
	}
	f->key_state = KEY_NONE;
}

static unsigned first_line_of_key(struct parser *p, const struct frame *f,
                                  const char *key)
{
	for (size_t i = f->start; i < p->nmembers; i++)
		if (!strcmp(p->members[i].key, key))
			return p->members[i].key_pos.line;
	return 0;
}

/* A scalar (or an alias to one) in key position. */
static void set_key(struct parser *p, const char *s, size_t n, bool merge,
                    struct ads_pos at)
{
	struct frame *f = top(p);
	const char *key;

	f->key_state = KEY_DISCARD;
	if (!count_bytes(p, n, at))
		return;
	if (memchr(s, '\0', n)) {
		diag(p, at, "yaml.key", "a key cannot contain a NUL character");
		return;
	}
	if (merge) {
		if (f->seen_merge) {
			diag(p, at, "yaml.duplicate-key",
			     "duplicate key '<<' (first defined at line %u)",
			     f->merge_pos.line);
			return;
		}
		f->seen_merge = true;
		f->merge_pos = at;
		f->key_state = KEY_MERGE;
		return;
	}
	key = ads_arena_strndup(&p->priv->locs.arena, s, n);
	if (json_object_get(f->node, key)) {
		unsigned line = first_line_of_key(p, f, key);

		diag(p, at, "yaml.duplicate-key",
		     "duplicate key '%s' (first defined at line %u)",
		     shown(p, s, n), line);
		return;
	}
	f->key = key;
	f->key_pos = at;
	f->key_state = KEY_NORMAL;
}

static json_t *make_string(struct parser *p, const char *s, size_t n,
                           struct ads_pos at)
{
	json_t *v = json_stringn(s, n);

	if (!v) {
		diag(p, at, "yaml.encoding", "text is not valid UTF-8");
		v = json_null();
	}
	return v;
}

static json_t *nonfinite(struct parser *p, const char *s, size_t n,
                         struct ads_pos at)
{
	diag(p, at, "yaml.number",
	     "'%s' is not a finite number, which JSON cannot hold (quote it "
	     "to keep it as text)",
	     shown(p, s, n));
	return json_null();
}

/* The JSON value of a scalar in value position. */
static json_t *scalar_value(struct parser *p, const yaml_event_t *ev,
                            struct ads_pos at)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t n = ev->data.scalar.length;
	enum tag_kind kind = classify_tag(tag);
	struct ads_scalar sc;
	int64_t i;
	double d;
	bool b;

	if (kind == TAG_OTHER || kind == TAG_MERGE) {
		unsupported_tag(p, at, tag);
		kind = TAG_NONE;
	} else if (kind == TAG_MAP || kind == TAG_SEQ) {
		diag(p, at, "yaml.tag", "tag '%s' cannot be used on a value",
		     shown_tag(p, tag));
		kind = TAG_NONE;
	}
	switch (kind) {
	case TAG_NONE:
		if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return make_string(p, s, n, at);
		switch (ads_scalar_resolve(s, n, &sc)) {
		case ADS_SCALAR_NULL:
			return json_null();
		case ADS_SCALAR_BOOL:
			return json_boolean(sc.b);
		case ADS_SCALAR_INT:
			return json_integer(sc.i);
		case ADS_SCALAR_FLOAT:
			return json_real(sc.d);
		case ADS_SCALAR_NONFINITE:
			return nonfinite(p, s, n, at);
		case ADS_SCALAR_STR:
		case ADS_SCALAR_BIGINT: /* ids can be long: keep the text */
			break;
		}
		return make_string(p, s, n, at);
	case TAG_INT:
		switch (ads_scalar_int(s, n, &i)) {
		case ADS_SCALAR_INT:
			return json_integer(i);
		case ADS_SCALAR_BIGINT:
			diag(p, at, "yaml.number",
			     "'%s' is too large for an integer (tag !!int)",
			     shown(p, s, n));
			return json_null();
		default:
			break;
		}
		diag(p, at, "yaml.tag", "'%s' is not an integer (tag !!int)",
		     shown(p, s, n));
		return json_null();
	case TAG_FLOAT:
		switch (ads_scalar_float(s, n, &d)) {
		case ADS_SCALAR_FLOAT:
			return json_real(d);
		case ADS_SCALAR_NONFINITE:
			return nonfinite(p, s, n, at);
		default:
			break;
		}
		diag(p, at, "yaml.tag", "'%s' is not a number (tag !!float)",
		     shown(p, s, n));
		return json_null();
	case TAG_BOOL:
		if (ads_scalar_is_bool(s, n, &b))
			return json_boolean(b);
		diag(p, at, "yaml.tag",
		     "'%s' is not true or false (tag !!bool)", shown(p, s, n));
		return json_null();
	case TAG_NULL:
		if (!ads_scalar_is_null(s, n))
			diag(p, at, "yaml.tag", "'%s' is not null (tag !!null)",
			     shown(p, s, n));
		return json_null();
	default: /* !!str and the non-specific "!" */
		return make_string(p, s, n, at);
	}
}

static void on_scalar(struct parser *p, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	size_t n = ev->data.scalar.length;
	struct ads_pos at = mark_pos(ev->start_mark);
	enum tag_kind kind = classify_tag(tag);
	json_t *v;

	if (at_key(p)) {
		bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		bool merge = n == 2 && !memcmp(s, "<<", 2) &&
		             ((plain && kind == TAG_NONE) || kind == TAG_MERGE);

		if (kind == TAG_OTHER || (kind == TAG_MERGE && !merge))
			unsupported_tag(p, at, tag);
		else if (kind == TAG_MAP || kind == TAG_SEQ)
			diag(p, at, "yaml.tag",
			     "tag '%s' cannot be used on a key",
			     shown_tag(p, tag));
		set_key(p, s, n, merge, at);
		if (anchor) {
			v = json_stringn(s, n);
			if (v)
				define_anchor(
				        p, anchor, v,
				        ads_arena_strndup(&p->priv->locs.arena,
				                          s, n),
				        1, n, 0, ++p->anchor_seq);
			json_decref(v);
		}
		return;
	}
	if (!count_nodes(p, 1, at) || !count_bytes(p, n, at))
		return;
	v = scalar_value(p, ev, at);
	if (!p->nframes && !n && !tag &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		p->root_is_empty = true;
	if (anchor)
		define_anchor(p, anchor, v,
		              ads_arena_strndup(&p->priv->locs.arena, s, n), 1,
		              n, 0, ++p->anchor_seq);
	add_value(p, v, at, 0);
}

static void on_alias(struct parser *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ads_pos at = mark_pos(ev->start_mark);
	struct anchor *a = ads_map_get(&p->anchors, name);
	size_t open_seq = 0;
	json_t *v;

	for (size_t i = 0; i < p->nframes; i++)
		if (p->frames[i].anchor && !strcmp(p->frames[i].anchor, name))
			open_seq = p->frames[i].anchor_seq;
	if (open_seq && (!a || a->seq < open_seq)) {
		diag(p, at, "yaml.alias",
		     "alias '*%s' refers to the list or map that contains it",
		     shown(p, name, strlen(name)));
		a = NULL;
	} else if (!a) {
		const char *nm = shown(p, name, strlen(name));

		diag(p, at, "yaml.alias",
		     "alias '*%s' is not defined (an anchor '&%s' must come "
		     "before it)",
		     nm, nm);
	}
	if (at_key(p)) {
		if (a && !a->text) {
			diag(p, at, "yaml.key",
			     "a key must be a plain value, but '*%s' is a "
			     "list or map",
			     shown(p, name, strlen(name)));
			a = NULL;
		}
		if (a)
			set_key(p, a->text, strlen(a->text), false, at);
		else
			top(p)->key_state = KEY_DISCARD;
		return;
	}
	if (!a) {
		if (count_nodes(p, 1, at))
			add_value(p, json_null(), at, 0);
		return;
	}
	if (p->nframes + a->height > ADS_MANIFEST_MAX_DEPTH) {
		diag(p, at, "yaml.depth",
		     "too deeply nested once alias '*%s' is expanded (more "
		     "than %d levels of lists and maps)",
		     shown(p, name, strlen(name)), ADS_MANIFEST_MAX_DEPTH);
		p->stop = true;
		return;
	}
	if (!count_nodes(p, a->nodes, at) || !count_bytes(p, a->bytes, at))
		return;
	v = copy_node(p->priv, a->node);
	add_value(p, v, at, a->height);
}

static void on_start(struct parser *p, const yaml_event_t *ev, bool is_obj)
{
	const char *tag, *anchor;
	struct ads_pos at = mark_pos(ev->start_mark);
	enum tag_kind kind;
	struct frame *f;

	if (is_obj) {
		tag = (const char *)ev->data.mapping_start.tag;
		anchor = (const char *)ev->data.mapping_start.anchor;
	} else {
		tag = (const char *)ev->data.sequence_start.tag;
		anchor = (const char *)ev->data.sequence_start.anchor;
	}
	kind = classify_tag(tag);
	if (kind == TAG_OTHER)
		unsupported_tag(p, at, tag);
	else if (kind != TAG_NONE && kind != TAG_NONSPECIFIC &&
	         kind != (is_obj ? TAG_MAP : TAG_SEQ))
		diag(p, at, "yaml.tag", "tag '%s' cannot be used on a %s",
		     shown_tag(p, tag), is_obj ? "map" : "list");
	if (p->nframes >= ADS_MANIFEST_MAX_DEPTH) {
		diag(p, at, "yaml.depth",
		     "too deeply nested (more than %d levels of lists and "
		     "maps)",
		     ADS_MANIFEST_MAX_DEPTH);
		p->stop = true;
		return;
	}
	if (!count_nodes(p, 1, at))
		return;
	ADS_ALLOC_GROW(p->frames, p->nframes + 1, p->aframes);
	f = &p->frames[p->nframes++];
	memset(f, 0, sizeof(*f));
	f->node = is_obj ? json_object() : json_array();
	f->is_obj = is_obj;
	f->self = at;
	f->start = is_obj ? p->nmembers : p->nitems;
	f->merge_start = p->nmerges;
	f->nodes_start = p->nnodes - 1;
	f->bytes_start = p->nbytes;
	if (anchor) {
		f->anchor = xstrdup(anchor);
		f->anchor_seq = ++p->anchor_seq;
	}
	f->key_state = KEY_NONE;
}

static const char *const merge_help =
        "for example <<: *defaults or <<: [*defaults, *extra]";

static void merge_object(struct parser *p, struct frame *f, json_t *src,
                         struct ads_pos at)
{
	struct ads_loctab *t = &p->priv->locs;
	const struct ads_cinfo *sci = ads_loctab_get(t, src);
	const char *k;
	json_t *v;

	json_object_foreach(src, k, v) {
		const struct ads_member_loc *m;
		struct ads_member_loc *dst;

		if (json_object_get(f->node, k))
			continue; /* explicit keys and earlier merges win */
		m = ads_loctab_member(sci, k);
		ADS_ALLOC_GROW(p->members, p->nmembers + 1, p->amembers);
		dst = &p->members[p->nmembers++];
		if (m) {
			*dst = *m;
		} else {
			dst->key = ads_arena_strndup(&t->arena, k, strlen(k));
			dst->key_pos = dst->val_pos = at;
		}
		json_object_set_nocheck(f->node, dst->key, v);
	}
}

/* `<<` keys (YAML 1.1 merge): applied once the mapping is complete. */
static void apply_merges(struct parser *p, struct frame *f)
{
	const struct ads_loctab *t = &p->priv->locs;

	for (size_t i = f->merge_start; i < p->nmerges; i++) {
		struct merge *m = &p->merges[i];
		json_t *item;
		size_t j;

		if (json_is_object(m->v)) {
			merge_object(p, f, m->v, m->at);
		} else if (json_is_array(m->v)) {
			const struct ads_cinfo *ci = ads_loctab_get(t, m->v);

			json_array_foreach(m->v, j, item) {
				struct ads_pos at = m->at;

				if (ci && !ci->is_obj && j < ci->n)
					at = ci->items[j];
				if (json_is_object(item))
					merge_object(p, f, item, at);
				else
					diag(p, at, "yaml.merge",
					     "a '<<' merge list may only hold "
					     "maps (%s)",
					     merge_help);
			}
		} else {
			diag(p, m->at, "yaml.merge",
			     "the merge key '<<' needs a map or a list of maps "
			     "(%s)",
			     merge_help);
		}
		drop(p->priv, m->v);
	}
	p->nmerges = f->merge_start;
}

static void on_end(struct parser *p)
{
	struct ads_loctab *t = &p->priv->locs;
	struct frame *f = top(p), done;
	size_t n;

	if (!f)
		return; /* libyaml pairs starts and ends; be safe anyway */
	if (f->is_obj) {
		apply_merges(p, f);
		n = p->nmembers - f->start;
		ads_loctab_add_object(t, f->node, f->self,
		                      n ? p->members + f->start : NULL, n);
		p->nmembers = f->start;
	} else {
		n = p->nitems - f->start;
		ads_loctab_add_array(t, f->node, f->self,
		                     n ? p->items + f->start : NULL, n);
		p->nitems = f->start;
	}
	done = *f;
	p->nframes--;
	if (done.anchor) {
		define_anchor(p, done.anchor, done.node, NULL,
		              p->nnodes - done.nodes_start,
		              p->nbytes - done.bytes_start, done.max_child + 1,
		              done.anchor_seq);
		free(done.anchor);
	}
	add_value(p, done.node, done.self, done.max_child + 1);
}

/* A libyaml error: one diagnostic; libyaml cannot go on after it. */
static void syntax_error(struct parser *p)
{
	struct ads_buf msg = ADS_BUF_INIT;
	struct ads_pos at;
	const char *rule;

	ads_yaml_describe_error(&p->yp, p->data, p->len, &msg, &at.line,
	                        &at.col, &rule);
	diag(p, at, rule, "%s", msg.buf);
	ads_buf_release(&msg);
}

/* ---- driving libyaml ---- */

static void on_event(struct parser *p, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++p->ndocs > 1) {
			diag(p, mark_pos(ev->start_mark), "yaml.multi-document",
			     "this file holds several YAML documents; put each "
			     "in its own file");
			p->stop = true;
		}
		break;
	case YAML_SCALAR_EVENT:
		on_scalar(p, ev);
		break;
	case YAML_ALIAS_EVENT:
		on_alias(p, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		on_start(p, ev, false);
		break;
	case YAML_MAPPING_START_EVENT:
		on_start(p, ev, true);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		on_end(p);
		break;
	default:
		break;
	}
}

static void run(struct parser *p)
{
	yaml_event_t ev;

	while (!p->stop) {
		bool end;

		if (!yaml_parser_parse(&p->yp, &ev)) {
			syntax_error(p);
			return;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		on_event(p, &ev);
		yaml_event_delete(&ev);
		if (end)
			return;
	}
}

static void parser_release(struct parser *p)
{
	const char *name;
	void *v;

	for (size_t i = 0; i < p->nframes; i++) {
		json_decref(p->frames[i].node);
		free(p->frames[i].anchor);
	}
	for (size_t i = 0; i < p->nmerges; i++)
		json_decref(p->merges[i].v);
	for (size_t it = 0; ads_map_next(&p->anchors, &it, &name, &v);)
		drop(p->priv, ((struct anchor *)v)->node);
	ads_map_release(&p->anchors, free_anchor);
	free(p->frames);
	free(p->members);
	free(p->items);
	free(p->merges);
	ads_buf_release(&p->tmp);
	yaml_parser_delete(&p->yp);
}

static void priv_free(struct docpriv *d)
{
	if (!d)
		return;
	ads_loctab_release(&d->locs);
	free(d);
}

static void too_large(struct ads_diags *diags, const char *path,
                      unsigned long long size)
{
	struct ads_srcloc loc = { path, 0, 0 };

	ads_diags_add(diags, ADS_SEV_ERROR, &loc, "yaml.size", NULL,
	              "file is too large (%llu bytes; the limit is %u MiB)",
	              size, (unsigned)(ADS_MANIFEST_MAX_BYTES >> 20));
}

int ads_doc_parse(struct ads_doc **out, const char *display_path,
                  const char *data, size_t len, struct ads_diags *diags)
{
	struct parser p;
	struct ads_doc *doc;
	int ret = 0;

	if (len > ADS_MANIFEST_MAX_BYTES) {
		too_large(diags, display_path, len);
		return ADS_EINVALID;
	}
	memset(&p, 0, sizeof(p));
	p.priv = xcalloc(1, sizeof(*p.priv));
	ads_loctab_init(&p.priv->locs);
	p.path = display_path;
	p.data = data;
	p.len = len;
	p.diags = diags;
	ads_map_init(&p.anchors);
	ads_buf_init(&p.tmp);
	if (!yaml_parser_initialize(&p.yp)) {
		struct ads_srcloc loc = { display_path, 0, 0 };

		ads_diags_add(diags, ADS_SEV_ERROR, &loc, "yaml.syntax", NULL,
		              "out of memory while reading YAML");
		priv_free(p.priv);
		return ADS_EINVALID;
	}
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)data, len);
	run(&p);
	if (p.nerrors) {
		ret = ADS_EINVALID;
		json_decref(p.root);
		parser_release(&p);
		priv_free(p.priv);
		return ret;
	}
	parser_release(&p);
	if (!p.root || (p.root_is_empty && json_is_null(p.root))) {
		/* An empty file (or one holding only comments or "---") */
		json_decref(p.root);
		p.root = json_object();
		p.root_pos = (struct ads_pos){ 1, 1 };
		ads_loctab_add_object(&p.priv->locs, p.root, p.root_pos, NULL,
		                      0);
	}
	p.priv->root_pos = p.root_pos;
	doc = xcalloc(1, sizeof(*doc));
	doc->path = xstrdup(display_path);
	doc->root = p.root;
	doc->priv = p.priv;
	*out = doc;
	return 0;
}

int ads_doc_load(struct ads_doc **out, const char *fs_path,
                 const char *display_path, struct ads_diags *diags)
{
	struct ads_buf buf = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct stat st;
	int ret;

	if (stat(fs_path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > ADS_MANIFEST_MAX_BYTES) {
		too_large(diags, display_path, (unsigned long long)st.st_size);
		return ADS_EINVALID;
	}
	ret = ads_read_file(&buf, fs_path, ADS_MANIFEST_MAX_BYTES, &err);
	if (ret == ADS_ETOOBIG) {
		/* it grew since stat() */
		too_large(diags, display_path,
		          (unsigned long long)ADS_MANIFEST_MAX_BYTES + 1);
		ret = ADS_EINVALID;
	} else if (ret < 0) {
		struct ads_srcloc loc = { display_path, 0, 0 };

		ads_diags_add(diags, ADS_SEV_ERROR, &loc, "file.read", NULL,
		              "%s", err.msg);
	} else {
		ret = ads_doc_parse(out, display_path, buf.buf, buf.len, diags);
	}
	ads_error_release(&err);
	ads_buf_release(&buf);
	return ret;
}

void ads_doc_free(struct ads_doc *doc)
{
	if (!doc)
		return;
	free(doc->path);
	json_decref(doc->root);
	priv_free(doc->priv);
	free(doc);
}

/* ---- looking locations up ---- */

static void set_loc(const struct ads_doc *doc, struct ads_pos at,
                    struct ads_srcloc *out)
{
	out->file = doc->path;
	out->line = at.line;
	out->col = at.col;
}

bool ads_doc_loc(const struct ads_doc *doc, const json_t *container,
                 struct ads_srcloc *out)
{
	const struct docpriv *d = doc->priv;
	const struct ads_cinfo *ci = ads_loctab_get(&d->locs, container);

	if (!ci)
		return false;
	set_loc(doc, ci->self, out);
	return true;
}

bool ads_doc_member_loc(const struct ads_doc *doc, const json_t *obj,
                        const char *key, enum ads_loc_part part,
                        struct ads_srcloc *out)
{
	const struct docpriv *d = doc->priv;
	const struct ads_member_loc *m;

	m = ads_loctab_member(ads_loctab_get(&d->locs, obj), key);
	if (!m)
		return false;
	set_loc(doc, part == ADS_LOC_KEY ? m->key_pos : m->val_pos, out);
	return true;
}

bool ads_doc_item_loc(const struct ads_doc *doc, const json_t *arr,
                      size_t index, struct ads_srcloc *out)
{
	const struct docpriv *d = doc->priv;
	const struct ads_cinfo *ci = ads_loctab_get(&d->locs, arr);

	if (!ci || ci->is_obj || index >= ci->n)
		return false;
	set_loc(doc, ci->items[index], out);
	return true;
}

/*
 * Decodes the next reference token of a JSON Pointer into tok (~1 is '/',
 * ~0 is '~'); *p is advanced past it. False on a malformed escape.
 */
static bool next_token(const char **p, struct ads_buf *tok)
{
	const char *s = *p;

	ads_buf_reset(tok);
	for (; *s && *s != '/'; s++) {
		if (*s != '~') {
			ads_buf_addch(tok, *s);
			continue;
		}
		if (s[1] != '0' && s[1] != '1')
			return false;
		ads_buf_addch(tok, s[1] == '0' ? '~' : '/');
		s++;
	}
	*p = s;
	return true;
}

/* An RFC 6901 array index: "0" or digits without a leading zero. */
static bool parse_index(const char *s, size_t *out)
{
	size_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return true;
}

bool ads_doc_locate(const struct ads_doc *doc, const char *pointer,
                    enum ads_loc_part part, struct ads_srcloc *out)
{
	const struct docpriv *d = doc->priv;
	struct ads_buf tok = ADS_BUF_INIT;
	const json_t *cur = doc->root;
	struct ads_pos key = d->root_pos, val = d->root_pos;
	bool found = true;

	if (!pointer)
		pointer = "";
	if (*pointer && *pointer != '/')
		found = false;
	while (found && *pointer == '/') {
		const json_t *next = NULL;
		const struct ads_cinfo *ci = ads_loctab_get(&d->locs, cur);
		size_t idx;

		pointer++;
		if (!next_token(&pointer, &tok)) {
			found = false;
			break;
		}
		if (json_is_object(cur)) {
			const struct ads_member_loc *m = NULL;

			next = json_object_get(cur, tok.buf);
			if (next)
				m = ads_loctab_member(ci, tok.buf);
			if (m) {
				key = m->key_pos;
				val = m->val_pos;
			}
		} else if (json_is_array(cur) && parse_index(tok.buf, &idx)) {
			next = json_array_get(cur, idx);
			if (next && ci && !ci->is_obj && idx < ci->n)
				key = val = ci->items[idx];
		}
		if (!next)
			found = false;
		else
			cur = next;
	}
	ads_buf_release(&tok);
	set_loc(doc, part == ADS_LOC_KEY ? key : val, out);
	return found;
}
