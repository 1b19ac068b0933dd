/*
 * Building the model from a loaded project (see model.h): schema
 * validation mapped to file:line:col, settings, resources and their
 * addresses, `{ref}` and `{file}` resolution, local files and their hashes,
 * the dependency order, creative content digests; then the semantic rules
 * (rules.c) and policies (policy.c). Also the queries on a built model.
 */
#include "model/model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/dag.h"
#include "model/members.h"
#include "model/policy.h"
#include "model/rules.h"
#include "util/crypto.h"
#include "util/interrupt.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define SCHEMA_BASE      "https://adsctl.dev/schemas/"
#define PROJECT_SCHEMA   SCHEMA_BASE "project.schema.json"
#define RESOURCES_SCHEMA SCHEMA_BASE "resources.schema.json"

/* Nesting of the fields walked for references; the loader caps it at 64. */
#define MAX_WALK_DEPTH 128

static const struct kind_info {
	const char *name, *noun, *section;
} kinds[ADS_KIND_COUNT] = {
	[ADS_KIND_IMAGE] = { "image", "an image", "images" },
	[ADS_KIND_VIDEO] = { "video", "a video", "videos" },
	[ADS_KIND_AUDIENCE] = { "audience", "an audience", "audiences" },
	[ADS_KIND_CAMPAIGN] = { "campaign", "a campaign", "campaigns" },
	[ADS_KIND_AD_SET] = { "ad_set", "an ad set", "ad_sets" },
	[ADS_KIND_CREATIVE] = { "creative", "a creative", "creatives" },
	[ADS_KIND_AD] = { "ad", "an ad", "ads" },
};

const char *ads_kind_name(enum ads_kind kind)
{
	return (unsigned)kind < ADS_KIND_COUNT ? kinds[kind].name : "unknown";
}

bool ads_resource_schema_said(const struct ads_resource *r, const char *ptr)
{
	for (size_t i = 0; i < r->schema_failures.nr; i++)
		if (ads_pointer_within(r->schema_failures.v[i], ptr))
			return true;
	return false;
}

const char *ads_kind_noun(enum ads_kind kind)
{
	return (unsigned)kind < ADS_KIND_COUNT ? kinds[kind].noun
	                                       : "a resource";
}

int ads_kind_parse(enum ads_kind *out, const char *name)
{
	for (int k = 0; k < ADS_KIND_COUNT; k++) {
		if (!strcmp(kinds[k].name, name)) {
			*out = (enum ads_kind)k;
			return 0;
		}
	}
	return ADS_EINVALID;
}

const char *ads_prune_name(enum ads_prune prune)
{
	switch (prune) {
	case ADS_PRUNE_DELETE:
		return "delete";
	case ADS_PRUNE_KEEP:
		return "keep";
	case ADS_PRUNE_ARCHIVE:
		break;
	}
	return "archive";
}

/* a + b + c (+ d + e) as a new string: addresses are built often. */
static char *concat(const char *a, const char *b, const char *c, const char *d,
                    const char *e)
{
	const char *parts[] = { a, b, c, d, e };
	size_t len[5], total = 0, at = 0;
	char *s;

	for (size_t i = 0; i < 5; i++)
		total += len[i] = parts[i] ? strlen(parts[i]) : 0;
	s = xmalloc(total + 1);
	for (size_t i = 0; i < 5; i++) {
		memcpy(s + at, parts[i] ? parts[i] : "", len[i]);
		at += len[i];
	}
	s[at] = '\0';
	return s;
}

/* --- JSON Pointers --------------------------------------------------- */

/* Appends "/" and key escaped as RFC 6901 says. */
static void ptr_add_key(struct ads_buf *b, const char *key)
{
	ads_buf_addch(b, '/');
	if (!strpbrk(key, "~/")) {
		ads_buf_addstr(b, key);
		return;
	}
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			ads_buf_addstr(b, "~0");
		else if (*p == '/')
			ads_buf_addstr(b, "~1");
		else
			ads_buf_addch(b, *p);
	}
}

static void ptr_add_index(struct ads_buf *b, size_t i)
{
	ads_buf_addf(b, "/%zu", i);
}

/*
 * Finds the container holding the value at ptr (a pointer this file
 * built, so array tokens are plain indexes). Sets *key (owned, unescaped)
 * for objects or *index for arrays. NULL when the path does not exist.
 */
static json_t *ptr_parent(json_t *root, const char *ptr, char **key,
                          size_t *index)
{
	json_t *cur = root;
	const char *p = ptr;

	*key = NULL;
	while (*p == '/') {
		const char *end = strchr(p + 1, '/');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
		struct ads_buf tok = ADS_BUF_INIT;

		for (size_t i = 0; i < len; i++) {
			char c = p[1 + i];

			if (c == '~' && i + 1 < len) {
				ads_buf_addch(&tok,
				              p[2 + i] == '1' ? '/' : '~');
				i++;
			} else {
				ads_buf_addch(&tok, c);
			}
		}
		if (!end) {
			if (json_is_array(cur)) {
				*index = strtoul(tok.buf, NULL, 10);
				ads_buf_release(&tok);
			} else {
				*key = ads_buf_detach(&tok, NULL);
			}
			return cur;
		}
		if (json_is_object(cur))
			cur = json_object_get(cur, tok.buf);
		else if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(tok.buf, NULL, 10));
		else
			cur = NULL;
		ads_buf_release(&tok);
		if (!cur)
			return NULL;
		p = end;
	}
	return NULL;
}

static json_t *ptr_get(json_t *root, const char *ptr)
{
	char *key;
	size_t index = 0;
	json_t *parent, *v;

	if (!*ptr)
		return root;
	parent = ptr_parent(root, ptr, &key, &index);
	if (!parent)
		return NULL;
	v = key ? json_object_get(parent, key) : json_array_get(parent, index);
	free(key);
	return v;
}

static void ptr_set(json_t *root, const char *ptr, json_t *value)
{
	char *key;
	size_t index = 0;
	json_t *parent = ptr_parent(root, ptr, &key, &index);

	if (parent && key)
		json_object_set_new(parent, key, value);
	else if (parent)
		json_array_set_new(parent, index, value);
	else
		json_decref(value);
	free(key);
}

/* --- the build ------------------------------------------------------- */

/* Schema failure pointers of one document, sorted for prefix lookups. */
struct doc_fails {
	struct ads_strvec ptrs;
};

struct build {
	struct ads_model *m;
	const struct ads_project *p;
	struct ads_diags *diags;
	struct ads_error *err;
	/*
	 * Some declarations may be missing (a file did not load, a section
	 * is misspelt or malformed): unknown references are not reported.
	 */
	bool incomplete;
	bool have_schemas;
	struct doc_fails *fails; /* per document */
	struct ads_resource **all;
	size_t nall, alloc_all;
	struct ads_map by_ptr; /* "<doc>:<ptr>" -> resource */
	struct ads_map bad_files; /* paths that could not be read */
	struct ads_map paths; /* "<dir>\n<path>" -> project path */
	char *prefix; /* display prefix of the project's files */
	/* the document being walked */
	size_t doc_index;
	const struct ads_doc *doc;
	char *doc_dir; /* its directory relative to the root ("" = root) */
};

static void add_diag(struct build *b, enum ads_severity sev,
                     const struct ads_srcloc *loc, const char *rule,
                     const char *sugg, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

static void add_diag(struct build *b, enum ads_severity sev,
                     const struct ads_srcloc *loc, const char *rule,
                     const char *sugg, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ads_diags_add(b->diags, sev, loc, rule, sugg, "%s", msg);
	free(msg);
}

static bool fails_has(const struct doc_fails *f, const char *ptr)
{
	size_t lo = 0, hi = f->ptrs.nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(f->ptrs.v[mid], ptr);

		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Whether the schema already reported a problem at ptr or at one of its
 * ancestors: then the model's own shape checks there stay quiet, so that
 * one mistake gives one diagnostic.
 */
static bool schema_said(const struct build *b, const char *ptr)
{
	const struct doc_fails *f = &b->fails[b->doc_index];
	char *tmp;
	bool found = false;

	if (!ptr || !f->ptrs.nr)
		return false;
	tmp = xstrdup(ptr);
	for (;;) {
		char *slash;

		if (fails_has(f, tmp)) {
			found = true;
			break;
		}
		if (!*tmp)
			break;
		slash = strrchr(tmp, '/');
		*slash = '\0';
	}
	free(tmp);
	return found;
}

/* Whether the schema reported something at ptr or below it. */
static bool schema_said_within(const struct build *b, const char *ptr)
{
	const struct doc_fails *f = &b->fails[b->doc_index];
	size_t len, lo = 0, hi = f->ptrs.nr;

	if (!ptr || !hi)
		return false;
	len = strlen(ptr);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(f->ptrs.v[mid], ptr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* entries that merely share the prefix ("/a-b" for "/a") sort
	 * before those inside it ("/a/b"): look past them */
	for (; lo < f->ptrs.nr && !strncmp(f->ptrs.v[lo], ptr, len); lo++)
		if (ads_pointer_within(f->ptrs.v[lo], ptr))
			return true;
	return false;
}

static void locate(const struct build *b, const char *ptr, bool at_key,
                   struct ads_srcloc *loc)
{
	if (!ads_doc_locate(b->doc, ptr, at_key ? ADS_LOC_KEY : ADS_LOC_VALUE,
	                    loc) &&
	    at_key)
		ads_doc_locate(b->doc, ptr, ADS_LOC_VALUE, loc);
}

/*
 * A problem with the shape of the manifest that the schema normally
 * reports; said here only when it did not (no schemas, or a gap in them).
 */
static void shape_error(struct build *b, const char *ptr, bool at_key,
                        const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void shape_error(struct build *b, const char *ptr, bool at_key,
                        const char *fmt, ...)
{
	struct ads_srcloc loc;
	va_list ap;
	char *msg;

	if (schema_said(b, ptr))
		return;
	locate(b, ptr, at_key, &loc);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ads_diags_add(b->diags, ADS_SEV_ERROR, &loc, "model.shape", NULL, "%s",
	              msg);
	free(msg);
}

static bool is_section(const char *name)
{
	return name &&
	       (!strcmp(name, "campaigns") || !strcmp(name, "creatives") ||
	        !strcmp(name, "audiences"));
}

/*
 * Whether a schema failure may hide declarations: the file is not a
 * mapping, a section is malformed, or a top-level key is unknown (in a
 * resource file, or one that looks like a misspelt section).
 */
static bool lost_section(bool is_main, const struct ads_schema_failure *f)
{
	const char *p = f->instance_ptr;

	if (!*p)
		return true;
	if (strchr(p + 1, '/'))
		return false;
	if (f->at_key)
		return !is_main || is_section(f->suggestion);
	return is_section(p + 1);
}

struct schema_ctx {
	struct build *b;
	size_t doc_index;
	const struct ads_doc *doc;
};

static void on_schema_failure(void *ctx, const struct ads_schema_failure *f)
{
	struct schema_ctx *sc = ctx;
	struct ads_srcloc loc = { sc->doc->path, 0, 0 };
	char rule[64];

	if (!ads_doc_locate(sc->doc, f->instance_ptr,
	                    f->at_key ? ADS_LOC_KEY : ADS_LOC_VALUE, &loc) &&
	    f->at_key)
		ads_doc_locate(sc->doc, f->instance_ptr, ADS_LOC_VALUE, &loc);
	snprintf(rule, sizeof(rule), "schema.%s",
	         f->keyword ? f->keyword : "invalid");
	ads_diags_add(sc->b->diags, ADS_SEV_ERROR, &loc, rule, f->suggestion,
	              "%s", f->message ? f->message : "invalid value");
	ads_strvec_push(&sc->b->fails[sc->doc_index].ptrs, f->instance_ptr);
	if (lost_section(sc->doc == sc->b->p->main, f))
		sc->b->incomplete = true;
	/*
	 * A misspelt field ("daly_budget", did you mean "daily_budget") is
	 * also the absence of the field meant: rules reading it stay quiet.
	 */
	if (f->at_key && f->suggestion) {
		const char *slash = strrchr(f->instance_ptr, '/');
		struct ads_buf meant = ADS_BUF_INIT;

		if (slash) {
			ads_buf_add(&meant, f->instance_ptr,
			            (size_t)(slash - f->instance_ptr));
			ptr_add_key(&meant, f->suggestion);
			ads_strvec_push(&sc->b->fails[sc->doc_index].ptrs,
			                meant.buf);
		}
		ads_buf_release(&meant);
	}
}

static int validate_schemas(struct build *b, struct ads_schema_set *schemas)
{
	for (size_t i = 0; i < b->p->ndocs; i++) {
		const struct ads_doc *doc = b->p->docs[i];
		struct schema_ctx sc = { b, i, doc };
		bool is_main = doc == b->p->main;
		int rc;

		rc = ads_schema_validate(
		        schemas, is_main ? PROJECT_SCHEMA : RESOURCES_SCHEMA,
		        doc->root, on_schema_failure, &sc, b->err);
		if (rc < 0)
			return rc;
		ads_strvec_sort(&b->fails[i].ptrs);
	}
	return 0;
}

/* --- paths ------------------------------------------------------------ */

/*
 * The prefix with which the loader names files in diagnostics: "" when it
 * names them relative to the root, "examples/simple/" when it prefixes the
 * root. Files the model reads are named the same way.
 */
static char *display_prefix(const struct ads_project *p)
{
	const char *path = p->main ? p->main->path : NULL;
	size_t len;

	if (!path || !ads_ends_with(path, ADS_PROJECT_FILE))
		return xstrdup("");
	len = strlen(path) - strlen(ADS_PROJECT_FILE);
	if (len && path[len - 1] != '/')
		return xstrdup("");
	return xstrndup(path, len);
}

/* The directory of a document relative to the project root. */
static char *doc_dir(const struct build *b, const struct ads_doc *doc)
{
	const char *rel = doc->path;
	const char *slash;

	if (*b->prefix && ads_starts_with(rel, b->prefix))
		rel += strlen(b->prefix);
	slash = strrchr(rel, '/');
	return slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
}

/*
 * Joins a manifest-relative path to the manifest's directory and
 * normalises it. Returns NULL (and why) for absolute paths, paths that
 * leave the project directory, and empty ones: manifests reviewed in a
 * pull request must not make apply upload files from elsewhere.
 */
static char *project_path(const char *dir, const char *path, const char **why)
{
	struct ads_strvec parts = ADS_STRVEC_INIT, in = ADS_STRVEC_INIT;
	struct ads_buf out = ADS_BUF_INIT;
	char *joined;

	if (!*path) {
		*why = "is empty";
		return NULL;
	}
	if (path[0] == '/') {
		*why = "is absolute: name files relative to the manifest";
		return NULL;
	}
	joined = *dir ? xasprintf("%s/%s", dir, path) : xstrdup(path);
	ads_strvec_split(&in, joined, '/');
	free(joined);
	for (size_t i = 0; i < in.nr; i++) {
		if (!*in.v[i] || !strcmp(in.v[i], "."))
			continue;
		if (!strcmp(in.v[i], "..")) {
			if (!parts.nr) {
				ads_strvec_release(&in);
				ads_strvec_release(&parts);
				*why = "is outside the project directory";
				return NULL;
			}
			free(parts.v[--parts.nr]);
			parts.v[parts.nr] = NULL;
			continue;
		}
		ads_strvec_push(&parts, in.v[i]);
	}
	ads_strvec_release(&in);
	if (!parts.nr) {
		ads_strvec_release(&parts);
		*why = "names a directory, not a file";
		return NULL;
	}
	for (size_t i = 0; i < parts.nr; i++)
		ads_buf_addf(&out, "%s%s", i ? "/" : "", parts.v[i]);
	ads_strvec_release(&parts);
	return ads_buf_detach(&out, NULL);
}

/* --- resources -------------------------------------------------------- */

/*
 * Resources, their strings and references live in the model's arena:
 * tens of thousands of small objects that die together. Growing arrays
 * start small: most resources have one or two dependencies.
 */
static char *astrdup(struct ads_model *m, const char *s)
{
	return ads_arena_strndup(&m->arena, s, strlen(s));
}

static void *grow(void *v, size_t n, size_t *alloc, size_t size)
{
	if (n <= *alloc)
		return v;
	*alloc = *alloc ? *alloc * 2 : 2;
	if (*alloc < n)
		*alloc = n;
	return xreallocarray(v, *alloc, size);
}

#define GROW(v, n, alloc) ((v) = grow((v), (n), &(alloc), sizeof(*(v))))

static struct ads_resource *new_resource(struct build *b, enum ads_kind kind,
                                         const char *address, const char *key)
{
	struct ads_resource *r = ads_arena_alloc(&b->m->arena, sizeof(*r));

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->address = astrdup(b->m, address);
	r->key = astrdup(b->m, key);
	ADS_ALLOC_GROW(b->all, b->nall + 1, b->alloc_all);
	b->all[b->nall++] = r;
	ads_map_put(&b->m->by_address, r->address, r);
	b->m->count[kind]++;
	return r;
}

static void add_dep(struct ads_resource *r, struct ads_resource *dep)
{
	for (size_t i = 0; i < r->ndeps; i++)
		if (r->deps[i] == dep)
			return;
	GROW(r->deps, r->ndeps + 1, r->alloc_deps);
	r->deps[r->ndeps++] = dep;
	/* unique because deps are */
	GROW(dep->rdeps, dep->nrdeps + 1, dep->alloc_rdeps);
	dep->rdeps[dep->nrdeps++] = r;
}

static bool valid_key(const char *key)
{
	if (!*key)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return false;
	return true;
}

static void declare_section(struct build *b, enum ads_kind kind,
                            json_t *section, const char *section_ptr,
                            struct ads_resource *parent);

/* The member holding a resource's nested children, if any. */
static const char *children_key(enum ads_kind kind)
{
	switch (kind) {
	case ADS_KIND_CAMPAIGN:
		return "ad_sets";
	case ADS_KIND_AD_SET:
		return "ads";
	case ADS_KIND_AUDIENCE:
		return "members"; /* not a child, but not a Graph field */
	default:
		return NULL;
	}
}

static enum ads_kind child_kind(enum ads_kind kind)
{
	return kind == ADS_KIND_CAMPAIGN ? ADS_KIND_AD_SET : ADS_KIND_AD;
}

static void declare(struct build *b, enum ads_kind kind, const char *key,
                    json_t *obj, const json_t *container, const char *ptr,
                    struct ads_resource *parent)
{
	struct ads_resource *r, *old;
	char *address;
	const char *ckey = children_key(kind), *k;
	json_t *v;
	struct ads_srcloc loc = { b->doc->path, 0, 0 };

	ads_doc_member_loc(b->doc, container, key, ADS_LOC_KEY, &loc);
	if (!valid_key(key))
		shape_error(b, ptr, true,
		            "invalid key '%s': use lowercase letters, digits, "
		            "'_' and '-'",
		            key);
	if (!json_is_object(obj)) {
		shape_error(b, ptr, false,
		            "%s must be a mapping of fields, not a %s",
		            ads_kind_noun(kind),
		            json_is_array(obj) ? "list" : "single value");
		return;
	}
	address = parent ? concat(parent->address, ".", kinds[kind].section,
	                          ".", key)
	                 : concat(kinds[kind].section, ".", key, NULL, NULL);
	old = ads_map_get(&b->m->by_address, address);
	if (old) {
		add_diag(b, ADS_SEV_ERROR, &loc, "model.duplicate", NULL,
		         "'%s' is already declared at %s:%u:%u", address,
		         old->loc.file, old->loc.line, old->loc.col);
		free(address);
		return;
	}
	r = new_resource(b, kind, address, key);
	free(address);
	r->parent = parent;
	r->doc = b->doc;
	r->node = obj;
	r->ptr = astrdup(b->m, ptr);
	r->loc = loc;
	if (ckey && json_object_get(obj, ckey)) {
		r->fields = json_object();
		json_object_foreach(obj, k, v) {
			if (strcmp(k, ckey))
				json_object_set(r->fields, k, v);
		}
	} else {
		/* nothing to leave out: share the manifest's object */
		r->fields = json_incref(obj);
	}
	if (b->fails[b->doc_index].ptrs.nr) {
		/* to hand schema failures to resources (assign_failures) */
		char *qual = xasprintf("%zu:%s", b->doc_index, ptr);

		ads_map_put(&b->by_ptr, qual, r);
		free(qual);
	}
	if (parent) {
		add_dep(r, parent);
		GROW(parent->children, parent->nchildren + 1,
		     parent->alloc_children);
		parent->children[parent->nchildren++] = r;
	}
	if (kind == ADS_KIND_CAMPAIGN || kind == ADS_KIND_AD_SET) {
		json_t *kids = json_object_get(obj, ckey);

		if (kids) {
			struct ads_buf cptr = ADS_BUF_INIT;

			ads_buf_addstr(&cptr, ptr);
			ptr_add_key(&cptr, ckey);
			declare_section(b, child_kind(kind), kids, cptr.buf, r);
			ads_buf_release(&cptr);
		}
	}
}

static void declare_section(struct build *b, enum ads_kind kind,
                            json_t *section, const char *section_ptr,
                            struct ads_resource *parent)
{
	const char *key;
	json_t *v;
	struct ads_buf ptr = ADS_BUF_INIT;

	if (json_is_null(section))
		return; /* `ads:` with nothing under it */
	if (!json_is_object(section)) {
		b->incomplete = true;
		shape_error(b, section_ptr, false,
		            "'%s' must be a mapping of keys to %s",
		            kinds[kind].section,
		            kind == ADS_KIND_AD_SET ? "ad sets"
		                                    : kinds[kind].section);
		return;
	}
	json_object_foreach(section, key, v) {
		ads_buf_reset(&ptr);
		ads_buf_addstr(&ptr, section_ptr);
		ptr_add_key(&ptr, key);
		declare(b, kind, key, v, section, ptr.buf, parent);
	}
	ads_buf_release(&ptr);
}

static const char *const settings_keys[] = {
	"stack", "account", "api_version", "prune", "include", "policies",
};

static const enum ads_kind top_kinds[] = {
	ADS_KIND_CAMPAIGN,
	ADS_KIND_CREATIVE,
	ADS_KIND_AUDIENCE,
};

static void declare_doc(struct build *b)
{
	json_t *root = b->doc->root;
	bool is_main = b->doc == b->p->main;
	const char *key;
	json_t *v;

	if (!json_is_object(root)) {
		b->incomplete = true;
		shape_error(b, "", false,
		            "a manifest must be a mapping at the top level");
		return;
	}
	json_object_foreach(root, key, v) {
		bool known = false;
		struct ads_buf ptr = ADS_BUF_INIT;

		ptr_add_key(&ptr, key);
		for (size_t i = 0; i < ADS_ARRAY_SIZE(top_kinds); i++) {
			if (strcmp(key, kinds[top_kinds[i]].section))
				continue;
			declare_section(b, top_kinds[i], v, ptr.buf, NULL);
			known = true;
		}
		for (size_t i = 0; is_main && i < ADS_ARRAY_SIZE(settings_keys);
		     i++)
			known = known || !strcmp(key, settings_keys[i]);
		if (!known) {
			const char *cands[ADS_ARRAY_SIZE(settings_keys) + 3];
			size_t n = 0;
			const char *sugg;

			for (size_t i = 0; i < ADS_ARRAY_SIZE(top_kinds); i++)
				cands[n++] = kinds[top_kinds[i]].section;
			for (size_t i = 0;
			     is_main && i < ADS_ARRAY_SIZE(settings_keys); i++)
				cands[n++] = settings_keys[i];
			sugg = ads_suggest(key, cands, n);
			if (!is_main || is_section(sugg))
				b->incomplete = true;
			if (!schema_said(b, ptr.buf)) {
				struct ads_srcloc loc;

				locate(b, ptr.buf, true, &loc);
				add_diag(b, ADS_SEV_ERROR, &loc, "model.shape",
				         sugg, "unknown section '%s'", key);
			}
		}
		ads_buf_release(&ptr);
	}
}

/* --- settings ---------------------------------------------------------- */

static bool matches_charset(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      strchr(extra, *p)))
			return false;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "v25.0" -> 25; 0 when malformed. */
static unsigned parse_api_version(const char *s)
{
	unsigned major = 0;
	const char *p = s + 1;

	if (s[0] != 'v' || *p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9' && major < 1000)
		major = major * 10 + (unsigned)(*p++ - '0');
	if (*p++ != '.' || !all_digits(p))
		return 0;
	return major;
}

static const char *setting_str(struct build *b, const json_t *root,
                               const char *key, bool required)
{
	const json_t *v = json_object_get(root, key);
	char ptr[64];

	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!v) {
		/* quiet too when the schema saw the key misspelt ("stak") */
		if (required && !schema_said(b, ptr))
			shape_error(b, "", false,
			            "missing '%s' in " ADS_PROJECT_FILE, key);
		return NULL;
	}
	if (!json_is_string(v)) {
		shape_error(b, ptr, false, "'%s' must be a string", key);
		return NULL;
	}
	return json_string_value(v);
}

static void read_settings(struct build *b)
{
	struct ads_settings *s = &b->m->settings;
	const json_t *root = b->doc->root;
	const char *v;
	json_t *inc, *pol;

	s->stack = xstrdup("");
	s->account = xstrdup("");
	s->api_version = xstrdup(ADS_DEFAULT_API_VERSION);
	s->api_major = parse_api_version(s->api_version);
	s->prune = ADS_PRUNE_ARCHIVE;
	if (!json_is_object(root))
		return;
	if ((v = setting_str(b, root, "stack", true))) {
		if (!matches_charset(v, "-"))
			shape_error(b, "/stack", false,
			            "invalid stack '%s': use lowercase "
			            "letters, digits and '-'",
			            v);
		free(s->stack);
		s->stack = xstrdup(v);
	}
	if ((v = setting_str(b, root, "account", true))) {
		if (!ads_starts_with(v, "act_") || !all_digits(v + 4))
			shape_error(b, "/account", false,
			            "invalid account '%s': expected "
			            "act_<digits>",
			            v);
		free(s->account);
		s->account = xstrdup(v);
	}
	if ((v = setting_str(b, root, "api_version", false))) {
		unsigned major = parse_api_version(v);

		if (!major)
			shape_error(
			        b, "/api_version", false,
			        "invalid api_version '%s': expected "
			        "v<major>.<minor>, e.g. " ADS_DEFAULT_API_VERSION,
			        v);
		free(s->api_version);
		s->api_version = xstrdup(v);
		s->api_major = major;
	}
	if ((v = setting_str(b, root, "prune", false))) {
		if (!strcmp(v, "archive"))
			s->prune = ADS_PRUNE_ARCHIVE;
		else if (!strcmp(v, "delete"))
			s->prune = ADS_PRUNE_DELETE;
		else if (!strcmp(v, "keep"))
			s->prune = ADS_PRUNE_KEEP;
		else
			shape_error(b, "/prune", false,
			            "invalid prune '%s': use archive, delete "
			            "or keep",
			            v);
	}
	inc = json_object_get(root, "include");
	if (json_is_string(inc)) {
		ads_strvec_push(&s->include, json_string_value(inc));
	} else if (json_is_array(inc)) {
		size_t i;
		json_t *e;

		json_array_foreach(inc, i, e)
			if (json_is_string(e))
				ads_strvec_push(&s->include,
				                json_string_value(e));
	}
	pol = json_object_get(root, "policies");
	if (pol && !json_is_null(pol)) {
		if (json_is_array(pol))
			b->m->policies = json_incref(pol);
		else
			shape_error(b, "/policies", false,
			            "'policies' must be a list");
	}
}

/* --- files ------------------------------------------------------------- */

static bool has_magic(const unsigned char *d, size_t n, const char *magic,
                      size_t off, size_t len)
{
	return n >= off + len && !memcmp(d + off, magic, len);
}

static bool looks_like_image(const unsigned char *d, size_t n)
{
	return has_magic(d, n, "\xff\xd8\xff", 0, 3) ||
	       has_magic(d, n, "\x89PNG\r\n\x1a\n", 0, 8) ||
	       has_magic(d, n, "GIF8", 0, 4) || has_magic(d, n, "BM", 0, 2) ||
	       has_magic(d, n, "II*\0", 0, 4) ||
	       has_magic(d, n, "MM\0*", 0, 4) ||
	       (has_magic(d, n, "RIFF", 0, 4) && has_magic(d, n, "WEBP", 8, 4));
}

static bool looks_like_video(const unsigned char *d, size_t n)
{
	return has_magic(d, n, "ftyp", 4, 4) ||
	       has_magic(d, n, "\x1a\x45\xdf\xa3", 0, 4) ||
	       (has_magic(d, n, "RIFF", 0, 4) && has_magic(d, n, "AVI ", 8, 4));
}

/*
 * The image or video resource for a project file, read and hashed on its
 * first use. NULL when it cannot be read (reported once, at that use).
 */
static struct ads_resource *file_resource(struct build *b, enum ads_kind kind,
                                          const char *rel,
                                          const struct ads_srcloc *loc)
{
	const struct ads_source *src = b->p->src;
	char *address = concat(kinds[kind].section, ".", rel, NULL, NULL);
	struct ads_resource *r = ads_map_get(&b->m->by_address, address);
	struct ads_buf data = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	const char *what = kind == ADS_KIND_IMAGE ? "image" : "video";
	size_t max = kind == ADS_KIND_IMAGE ? ADS_IMAGE_MAX_BYTES
	                                    : ADS_VIDEO_MAX_BYTES;
	int rc;

	if (r || ads_map_has(&b->bad_files, address))
		goto out;
	rc = src->read(src->ctx, rel, &data, max, &err);
	if (rc == ADS_ENOTFOUND) {
		add_diag(b, ADS_SEV_ERROR, loc, "file.missing", NULL,
		         "%s file '%s' does not exist", what, rel);
	} else if (rc == ADS_ETOOBIG) {
		add_diag(b, ADS_SEV_ERROR, loc, "file.size", NULL,
		         "%s file '%s' is larger than %u MB, the limit for "
		         "%ss",
		         what, rel, (unsigned)(max >> 20), what);
	} else if (rc < 0) {
		add_diag(b, ADS_SEV_ERROR, loc, "file.read", NULL,
		         "cannot read %s file '%s': %s", what, rel,
		         err.msg ? err.msg : "read error");
	} else if (!data.len) {
		add_diag(b, ADS_SEV_ERROR, loc, "file.empty", NULL,
		         "%s file '%s' is empty", what, rel);
	} else {
		const unsigned char *d = (const unsigned char *)data.buf;

		if (kind == ADS_KIND_IMAGE ? !looks_like_image(d, data.len)
		                           : !looks_like_video(d, data.len))
			add_diag(b, ADS_SEV_WARNING, loc, "file.format", NULL,
			         kind == ADS_KIND_IMAGE
			                 ? "'%s' does not look like an image "
			                   "(JPEG, PNG, GIF, BMP, TIFF or WebP)"
			                 : "'%s' does not look like a video "
			                   "(MP4, MOV, WebM or AVI)",
			         rel);
		r = new_resource(b, kind, address, rel);
		r->fields = json_object();
		r->ptr = astrdup(b->m, "");
		r->loc = *loc;
		r->file = ads_arena_alloc(&b->m->arena, sizeof(*r->file));
		memset(r->file, 0, sizeof(*r->file));
		r->file->path = astrdup(b->m, rel);
		r->file->size = data.len;
		ads_md5_hex(data.buf, data.len, r->file->md5);
		ads_sha256_hex(data.buf, data.len, r->file->sha256);
	}
	if (!r)
		ads_map_put(&b->bad_files, address, NULL);
out:
	ads_error_release(&err);
	ads_buf_release(&data);
	free(address);
	return r;
}

/* --- references ---------------------------------------------------------- */

/* Where a reference points and how apply substitutes it, by position. */
struct ref_site {
	enum ads_ref_form form;
	int want; /* enum ads_kind, or -1 for any */
};

static bool is_image_hash_key(const char *key)
{
	return key && (!strcmp(key, "image_hash") ||
	               ads_ends_with(key, "_image_hash") ||
	               !strcmp(key, "thumbnail_hash"));
}

struct walk {
	struct build *b;
	struct ads_resource *r;
	struct ads_buf ptr; /* relative to the resource */
};

static void add_ref(struct walk *w, enum ads_ref_form form, const char *address,
                    struct ads_resource *target, const struct ads_srcloc *loc)
{
	struct ads_resource *r = w->r;
	struct ads_ref *ref;

	GROW(r->refs, r->nrefs + 1, r->alloc_refs);
	ref = &r->refs[r->nrefs++];
	memset(ref, 0, sizeof(*ref));
	ref->form = form;
	ref->ptr = astrdup(w->b->m, w->ptr.buf);
	ref->address = astrdup(w->b->m, address);
	ref->target = target;
	ref->loc = *loc;
}

/* The location of a member of the object at the walk's pointer. */
static void member_loc(struct walk *w, const json_t *obj, const char *member,
                       struct ads_srcloc *loc)
{
	loc->file = w->b->doc->path;
	loc->line = loc->col = 0;
	if (!ads_doc_member_loc(w->b->doc, obj, member, ADS_LOC_VALUE, loc))
		ads_doc_loc(w->b->doc, obj, loc);
}

/*
 * The absolute pointer of a member of the object being walked, to ask
 * whether the schema spoke there; NULL (nothing to ask) when the document
 * had no schema failures at all, the common case.
 */
static char *abs_ptr(struct walk *w, const char *suffix)
{
	if (!w->b->fails[w->b->doc_index].ptrs.nr)
		return NULL;
	return xasprintf("%s%s%s", w->r->ptr, w->ptr.buf, suffix);
}

/*
 * project_path() for the document being walked, remembered: thousands of
 * creatives name the same few images. Returns an owned copy.
 */
static char *cached_project_path(struct build *b, const char *path,
                                 const char **why)
{
	struct ads_buf key = ADS_BUF_INIT;
	char *rel;

	ads_buf_addstr(&key, b->doc_dir);
	ads_buf_addch(&key, '\n');
	ads_buf_addstr(&key, path);
	rel = ads_map_get(&b->paths, key.buf);
	if (!rel) {
		rel = project_path(b->doc_dir, path, why);
		if (rel)
			ads_map_put(&b->paths, key.buf, rel);
	}
	ads_buf_release(&key);
	return rel ? xstrdup(rel) : NULL;
}

/*
 * Whether the schema reported a problem with the {ref} or {file} object
 * being walked (at it or inside it): then the model does not look further.
 */
static bool schema_said_here(struct walk *w)
{
	char *optr = abs_ptr(w, "");
	bool said = schema_said_within(w->b, optr);

	free(optr);
	return said;
}

static void file_ref(struct walk *w, const json_t *obj, const char *key,
                     const char *array_key, const char *grand_key)
{
	const json_t *pathv = json_object_get(obj, "file");
	struct ads_srcloc loc;
	enum ads_ref_form form;
	enum ads_kind kind;
	char *rel;
	const char *why;
	struct ads_resource *target;

	if (schema_said_here(w))
		return;
	member_loc(w, obj, "file", &loc);
	if (is_image_hash_key(key)) {
		form = ADS_REF_IMAGE_HASH;
		kind = ADS_KIND_IMAGE;
	} else if (key && !strcmp(key, "video_id")) {
		form = ADS_REF_VIDEO_ID;
		kind = ADS_KIND_VIDEO;
	} else if (!key && array_key && !strcmp(array_key, "images") &&
	           grand_key && !strcmp(grand_key, "asset_feed_spec")) {
		form = ADS_REF_HASH_MEMBER;
		kind = ADS_KIND_IMAGE;
	} else {
		add_diag(w->b, ADS_SEV_ERROR, &loc, "file.position", NULL,
		         "a file can stand only for an image hash (image_hash, "
		         "asset_feed_spec images) or a video id (video_id)");
		return;
	}
	if (!json_is_string(pathv)) {
		add_diag(w->b, ADS_SEV_ERROR, &loc, "file.path", NULL,
		         "'file' must be a path relative to the manifest");
		return;
	}
	rel = cached_project_path(w->b, json_string_value(pathv), &why);
	if (!rel) {
		add_diag(w->b, ADS_SEV_ERROR, &loc, "file.path", NULL,
		         "file path '%s' %s", json_string_value(pathv), why);
		return;
	}
	target = file_resource(w->b, kind, rel, &loc);
	if (target) {
		add_ref(w, form, target->address, target, &loc);
		add_dep(w->r, target);
	}
	free(rel);
}

static struct ref_site ref_site(const struct ads_resource *r, const char *key,
                                const char *array_key, size_t depth)
{
	struct ref_site s = { ADS_REF_ID, -1 };

	if (r->kind == ADS_KIND_AD && depth == 1 && key &&
	    !strcmp(key, "creative")) {
		s.form = ADS_REF_CREATIVE_ID;
		s.want = ADS_KIND_CREATIVE;
	} else if (!key && array_key &&
	           (!strcmp(array_key, "custom_audiences") ||
	            !strcmp(array_key, "excluded_custom_audiences"))) {
		s.form = ADS_REF_ID_OBJECT;
		s.want = ADS_KIND_AUDIENCE;
	} else if (r->kind == ADS_KIND_AUDIENCE && depth == 1 && key &&
	           (!strcmp(key, "origin") ||
	            !strcmp(key, "origin_audience_id"))) {
		s.want = ADS_KIND_AUDIENCE;
	}
	return s;
}

/* A field name for messages: "creative", "custom_audiences", ... */
static const char *site_field(const char *key, const char *array_key)
{
	return key ? key : array_key ? array_key : "this field";
}

static void ref_ref(struct walk *w, const json_t *obj, const char *key,
                    const char *array_key, size_t depth)
{
	const json_t *addr = json_object_get(obj, "ref");
	struct ref_site site = ref_site(w->r, key, array_key, depth);
	struct ads_srcloc loc;
	struct ads_resource *target;
	const char *a;

	member_loc(w, obj, "ref", &loc);
	if (!json_is_string(addr)) {
		if (!schema_said_here(w))
			add_diag(w->b, ADS_SEV_ERROR, &loc, "ref.invalid", NULL,
			         "'ref' must be the address of a resource, "
			         "e.g. creatives.hero");
		return;
	}
	a = json_string_value(addr);
	target = ads_map_get(&w->b->m->by_address, a);
	if (schema_said_here(w)) {
		target = NULL; /* a malformed or wrong-kind ref, said */
	} else if (!target) {
		/* when declarations are missing, they may well declare it */
		if (!w->b->incomplete)
			add_diag(w->b, ADS_SEV_ERROR, &loc, "ref.unknown",
			         ads_model_suggest(w->b->m, a, site.want),
			         "unknown reference '%s'", a);
	} else if (site.want >= 0 && target->kind != (enum ads_kind)site.want) {
		add_diag(w->b, ADS_SEV_ERROR, &loc, "ref.kind", NULL,
		         "'%s' must refer to %s, but '%s' is %s",
		         site_field(key, array_key),
		         ads_kind_noun((enum ads_kind)site.want), a,
		         ads_kind_noun(target->kind));
		target = NULL;
	} else if (target->kind == ADS_KIND_IMAGE ||
	           target->kind == ADS_KIND_VIDEO) {
		add_diag(w->b, ADS_SEV_ERROR, &loc, "ref.kind", NULL,
		         "'%s' is a file: write { file: PATH } instead of a "
		         "reference",
		         a);
		target = NULL;
	}
	add_ref(w, site.form, a, target, &loc);
	if (target)
		add_dep(w->r, target);
}

static void walk_value(struct walk *w, json_t *v, const char *key,
                       const char *array_key, const char *grand_key,
                       size_t depth)
{
	size_t mark = w->ptr.len;

	if (depth > MAX_WALK_DEPTH)
		return;
	if (json_is_object(v)) {
		const char *k;
		json_t *child;

		if (json_object_get(v, "ref")) {
			ref_ref(w, v, key, array_key, depth);
			return;
		}
		if (json_object_get(v, "file")) {
			file_ref(w, v, key, array_key, grand_key);
			return;
		}
		json_object_foreach(v, k, child) {
			ptr_add_key(&w->ptr, k);
			walk_value(w, child, k, NULL, key, depth + 1);
			ads_buf_setlen(&w->ptr, mark);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *child;

		json_array_foreach(v, i, child) {
			ptr_add_index(&w->ptr, i);
			walk_value(w, child, NULL, key, grand_key, depth + 1);
			ads_buf_setlen(&w->ptr, mark);
		}
	}
}

static void resolve_refs(struct build *b, struct ads_resource *r)
{
	struct walk w = { b, r, ADS_BUF_INIT };

	walk_value(&w, r->fields, NULL, NULL, NULL, 0);
	ads_buf_release(&w.ptr);
}

/* `members: { file: PATH, columns: [EMAIL, ...] }` of an audience. */
static void read_members(struct build *b, struct ads_resource *r)
{
	const json_t *mem = json_object_get(r->node, "members");
	const json_t *file, *cols;
	struct ads_strvec want = ADS_STRVEC_INIT;
	struct ads_srcloc loc, file_loc, cols_loc;
	struct ads_members *m;
	struct ads_buf data = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	char *mptr = xasprintf("%s/members", r->ptr), *rel;
	const char *why;
	int rc;

	if (!mem)
		goto out;
	ads_doc_member_loc(b->doc, r->node, "members", ADS_LOC_VALUE, &loc);
	if (!json_is_object(mem) ||
	    !json_is_string(file = json_object_get(mem, "file"))) {
		shape_error(b, mptr, false,
		            "'members' must be { file: PATH, columns: [...] }");
		goto out;
	}
	ads_doc_member_loc(b->doc, mem, "file", ADS_LOC_VALUE, &file_loc);
	cols_loc = loc;
	cols = json_object_get(mem, "columns");
	if (cols) {
		size_t i;
		json_t *c;

		ads_doc_member_loc(b->doc, mem, "columns", ADS_LOC_VALUE,
		                   &cols_loc);
		if (!json_is_array(cols)) {
			char *cptr = xasprintf("%s/columns", mptr);

			shape_error(b, cptr, false,
			            "'columns' must be a list of column "
			            "names");
			free(cptr);
			goto out;
		}
		json_array_foreach(cols, i, c)
			if (json_is_string(c))
				ads_strvec_push(&want, json_string_value(c));
	}
	rel = project_path(b->doc_dir, json_string_value(file), &why);
	if (!rel) {
		add_diag(b, ADS_SEV_ERROR, &file_loc, "file.path", NULL,
		         "file path '%s' %s", json_string_value(file), why);
		goto out;
	}
	m = xcalloc(1, sizeof(*m));
	m->path = rel;
	m->display = xasprintf("%s%s", b->prefix, rel);
	m->loc = loc;
	rc = b->p->src->read(b->p->src->ctx, rel, &data, ADS_MEMBERS_MAX_BYTES,
	                     &err);
	if (rc == ADS_ENOTFOUND)
		add_diag(b, ADS_SEV_ERROR, &file_loc, "file.missing", NULL,
		         "member list '%s' does not exist", rel);
	else if (rc == ADS_ETOOBIG)
		add_diag(b, ADS_SEV_ERROR, &file_loc, "file.size", NULL,
		         "member list '%s' is larger than %u MB", rel,
		         (unsigned)(ADS_MEMBERS_MAX_BYTES >> 20));
	else if (rc < 0)
		add_diag(b, ADS_SEV_ERROR, &file_loc, "file.read", NULL,
		         "cannot read member list '%s': %s", rel,
		         err.msg ? err.msg : "read error");
	else
		rc = ads_members_scan(m, data.buf, data.len, m->display, &want,
		                      &cols_loc, b->diags, NULL, NULL);
	if (data.alloc)
		explicit_bzero(data.buf, data.alloc);
	if (rc) {
		ads_members_release(m);
		free(m);
	} else {
		r->members = m;
	}
out:
	ads_error_release(&err);
	ads_buf_release(&data);
	ads_strvec_release(&want);
	free(mptr);
}

/* --- schema failures per resource ------------------------------------- */

static void assign_failures(struct build *b)
{
	for (size_t d = 0; d < b->p->ndocs; d++) {
		struct ads_strvec *ptrs = &b->fails[d].ptrs;

		for (size_t i = 0; i < ptrs->nr; i++) {
			char *tmp = xstrdup(ptrs->v[i]);

			for (;;) {
				char *q = xasprintf("%zu:%s", d, tmp);
				struct ads_resource *r =
				        ads_map_get(&b->by_ptr, q);
				char *slash;

				free(q);
				if (r) {
					ads_strvec_push(&r->schema_failures,
					                ptrs->v[i] +
					                        strlen(r->ptr));
					break;
				}
				slash = strrchr(tmp, '/');
				if (!slash)
					break;
				*slash = '\0';
			}
			free(tmp);
		}
	}
}

/* --- payloads and digests ----------------------------------------------- */

static int cmp_address(const void *a, const void *b)
{
	const struct ads_resource *x = *(struct ads_resource *const *)a;
	const struct ads_resource *y = *(struct ads_resource *const *)b;

	return strcmp(x->address, y->address);
}

int ads_resource_payload(json_t **out, const struct ads_resource *r,
                         ads_ref_resolve_fn resolve, void *ctx,
                         struct ads_error *err)
{
	json_t *p = json_deep_copy(r->fields);

	for (size_t i = 0; i < r->nrefs; i++) {
		const struct ads_ref *ref = &r->refs[i];
		json_t *id, *obj;

		switch (ref->form) {
		case ADS_REF_IMAGE_HASH:
			ptr_set(p, ref->ptr,
			        json_string(ref->target->file->md5));
			continue;
		case ADS_REF_HASH_MEMBER:
			obj = ptr_get(p, ref->ptr);
			json_object_del(obj, "file");
			json_object_set_new(
			        obj, "hash",
			        json_string(ref->target->file->md5));
			continue;
		default:
			break;
		}
		id = ref->target ? resolve(ctx, r, ref) : NULL;
		if (!id) {
			json_decref(p);
			return ads_error_set(err, ADS_ENOTFOUND,
			                     "no id for '%s' referred to by "
			                     "'%s'",
			                     ref->address, r->address);
		}
		if (ref->form == ADS_REF_ID_OBJECT) {
			obj = ptr_get(p, ref->ptr);
			json_object_del(obj, "ref");
			json_object_set_new(obj, "id", id);
			continue;
		}
		if (ref->form == ADS_REF_CREATIVE_ID) {
			json_t *c = json_object();

			json_object_set_new(c, "creative_id", id);
			id = c;
		}
		ptr_set(p, ref->ptr, id);
	}
	if (r->kind == ADS_KIND_AUDIENCE && json_object_get(p, "origin")) {
		json_t *o = json_object_get(p, "origin");

		/* { id: "123" } names an audience adsctl does not manage */
		if (json_is_object(o) && json_object_get(o, "id"))
			o = json_object_get(o, "id");
		json_object_set(p, "origin_audience_id", o);
		json_object_del(p, "origin");
	}
	*out = p;
	return 0;
}

/* Content digests name their references instead of live ids. */
static json_t *digest_resolve(void *ctx, const struct ads_resource *r,
                              const struct ads_ref *ref)
{
	(void)ctx;
	(void)r;
	if (ref->form == ADS_REF_VIDEO_ID)
		return json_sprintf("sha256:%s", ref->target->file->sha256);
	return json_sprintf("ref:%s", ref->address);
}

void ads_resource_content_digest(const struct ads_resource *r, char out[65])
{
	json_t *p;

	out[0] = '\0';
	if (ads_resource_payload(&p, r, digest_resolve, NULL, NULL))
		return; /* a dangling reference: the model has errors */
	json_object_del(p, "name");
	json_object_del(p, "status");
	json_object_del(p, "adlabels");
	ads_json_digest(p, out);
	json_decref(p);
}

/* --- build -------------------------------------------------------------- */

static void free_resource(struct ads_resource *r)
{
	/* the struct and its strings are the arena's */
	json_decref(r->fields);
	free(r->refs);
	free(r->deps);
	free(r->rdeps);
	free(r->children);
	ads_members_release(r->members);
	free(r->members);
	ads_strvec_release(&r->schema_failures);
}

void ads_model_free(struct ads_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nr; i++)
		free_resource(m->order[i]);
	free(m->order);
	ads_map_release(&m->by_address, NULL);
	ads_arena_release(&m->arena);
	free(m->settings.stack);
	free(m->settings.account);
	free(m->settings.api_version);
	ads_strvec_release(&m->settings.include);
	json_decref(m->policies);
	free(m);
}

static void set_doc(struct build *b, size_t i)
{
	b->doc_index = i;
	b->doc = b->p->docs[i];
	free(b->doc_dir);
	b->doc_dir = doc_dir(b, b->doc);
}

/* Policies the schema found fault with are not evaluated. */
static void check_policies(struct build *b)
{
	size_t n = json_array_size(b->m->policies);
	bool *skip = xcalloc(n ? n : 1, sizeof(*skip));

	for (size_t i = 0; i < b->p->ndocs; i++)
		if (b->p->docs[i] == b->p->main)
			set_doc(b, i);
	for (size_t i = 0; i < n; i++) {
		char ptr[48];

		snprintf(ptr, sizeof(ptr), "/policies/%zu", i);
		skip[i] = schema_said_within(b, ptr) || schema_said(b, ptr);
	}
	ads_policies_check(b->m, skip, b->diags);
	free(skip);
}

static int build_resources(struct build *b)
{
	for (size_t i = 0; i < b->p->ndocs; i++) {
		set_doc(b, i);
		if (b->doc == b->p->main)
			read_settings(b);
		declare_doc(b);
	}
	/* files are read while references are resolved */
	for (size_t i = 0, n = b->nall; i < n; i++) {
		struct ads_resource *r = b->all[i];

		if (ads_interrupt_requested())
			return ads_error_set(b->err, ADS_EINTR, "interrupted");
		for (size_t d = 0; r->doc != b->doc && d < b->p->ndocs; d++)
			if (b->p->docs[d] == r->doc)
				set_doc(b, d);
		resolve_refs(b, r);
		if (r->kind == ADS_KIND_AUDIENCE)
			read_members(b, r);
		if (r->nchildren > 1)
			qsort(r->children, r->nchildren, sizeof(*r->children),
			      cmp_address);
	}
	return 0;
}

int ads_model_build(struct ads_model **out, const struct ads_project *project,
                    struct ads_schema_set *schemas, struct ads_diags *diags,
                    struct ads_error *err)
{
	struct build b = { 0 };
	struct ads_model *m = xcalloc(1, sizeof(*m));
	int ret = 0;

	m->project = project;
	ads_map_init(&m->by_address);
	ads_arena_init(&m->arena);
	b.m = m;
	b.p = project;
	b.diags = diags;
	b.err = err;
	b.incomplete = diags->nerrors > 0;
	b.have_schemas = schemas != NULL;
	b.fails = xcalloc(project->ndocs + 1, sizeof(*b.fails));
	b.prefix = display_prefix(project);
	ads_map_init(&b.by_ptr);
	ads_map_init(&b.bad_files);
	ads_map_init(&b.paths);

	if (schemas && (ret = validate_schemas(&b, schemas)) < 0)
		goto out;
	if (!project->main) {
		ret = ads_error_set(err, ADS_EINVALID, "project has no %s",
		                    ADS_PROJECT_FILE);
		goto out;
	}
	if ((ret = build_resources(&b)) < 0)
		goto out;
	assign_failures(&b);
	m->order = xcalloc(b.nall ? b.nall : 1, sizeof(*m->order));
	if (ads_dag_sort(m->order, b.all, b.nall, diags)) {
		/* keep every resource reachable for freeing */
		memcpy(m->order, b.all, b.nall * sizeof(*b.all));
		m->nr = b.nall;
		ret = ADS_EINVALID;
		goto out;
	}
	m->nr = b.nall;
	ads_rules_check(m, diags);
	check_policies(&b);
	if (ads_interrupt_requested())
		ret = ads_error_set(err, ADS_EINTR, "interrupted");
	else if (diags->nerrors)
		ret = ADS_EINVALID;
out:
	if (ret < 0 && !m->order) {
		for (size_t i = 0; i < b.nall; i++)
			free_resource(b.all[i]);
	}
	for (size_t i = 0; i < project->ndocs + 1; i++)
		ads_strvec_release(&b.fails[i].ptrs);
	free(b.fails);
	free(b.all);
	free(b.prefix);
	free(b.doc_dir);
	ads_map_release(&b.by_ptr, NULL);
	ads_map_release(&b.bad_files, NULL);
	ads_map_release(&b.paths, free);
	if (ret < 0) {
		ads_model_free(m);
		return ret;
	}
	*out = m;
	return 0;
}

/* --- queries -------------------------------------------------------------- */

struct ads_resource *ads_model_find(const struct ads_model *m,
                                    const char *address)
{
	return ads_map_get(&m->by_address, address);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *ads_model_suggest(const struct ads_model *m, const char *address,
                              int kind)
{
	const char **cands =
	        xcalloc(ads_map_count(&m->by_address) + 1, sizeof(*cands));
	const char *k, *best;
	void *v;
	size_t n = 0;

	for (size_t it = 0; ads_map_next(&m->by_address, &it, &k, &v);) {
		const struct ads_resource *r = v;

		if (kind < 0 || r->kind == (enum ads_kind)kind)
			cands[n++] = r->address;
	}
	/* map order is arbitrary; ties must not depend on it */
	qsort(cands, n, sizeof(*cands), cmp_str);
	best = ads_suggest(address, cands, n);
	free(cands);
	return best;
}

int ads_model_select(struct ads_resource ***out, size_t *nout,
                     const struct ads_model *m, const char *address,
                     struct ads_error *err)
{
	struct ads_resource *r = ads_model_find(m, address);
	struct ads_resource **sel;
	bool *mark;
	size_t n = 0;

	if (!r) {
		const char *sugg = ads_model_suggest(m, address, -1);

		if (sugg)
			return ads_error_set(err, ADS_ENOTFOUND,
			                     "no resource '%s' in the "
			                     "manifests (did you mean '%s'?)",
			                     address, sugg);
		return ads_error_set(err, ADS_ENOTFOUND,
		                     "no resource '%s' in the manifests",
		                     address);
	}
	mark = xcalloc(m->nr, sizeof(*mark));
	ads_dag_closure(mark, m, &r, 1);
	sel = xcalloc(m->nr, sizeof(*sel));
	for (size_t i = 0; i < m->nr; i++)
		if (mark[i])
			sel[n++] = m->order[i];
	free(mark);
	*out = sel;
	*nout = n;
	return 0;
}

void ads_model_label(struct ads_buf *out, const struct ads_model *m,
                     const struct ads_resource *r)
{
	ads_buf_addf(out, "adsctl:%s:%s", m->settings.stack, r->address);
}

void ads_model_audience_marker(struct ads_buf *out, const struct ads_model *m,
                               const struct ads_resource *r)
{
	ads_buf_addf(out, "[adsctl %s:%s", m->settings.stack, r->address);
	if (r->members)
		ads_buf_addf(out, " members=%s", r->members->digest);
	ads_buf_addch(out, ']');
}

bool ads_resource_locate(const struct ads_resource *r, const char *ptr,
                         enum ads_loc_part part, struct ads_srcloc *out)
{
	char *abs;
	bool found;

	if (!*ptr || !r->doc) {
		*out = r->loc;
		return !*ptr;
	}
	abs = xasprintf("%s%s", r->ptr, ptr);
	found = ads_doc_locate(r->doc, abs, part, out);
	free(abs);
	return found;
}
