/*
 * The model: a project's manifests turned into typed resources that every
 * later layer (diff, plan, apply, import) works on. Building it checks the
 * manifests against the schemas, resolves `{ref: ADDRESS}` and
 * `{file: PATH}`, reads and hashes local files (images, videos, audience
 * member lists), orders the dependency graph, and runs the local semantic
 * rules and the project's policies, collecting every problem in a
 * struct ads_diags. docs/internals/model.md explains the design.
 *
 * A built model is immutable: every accessor takes a const model and
 * nothing in it changes until ads_model_free().
 */
#ifndef ADS_MODEL_MODEL_H
#define ADS_MODEL_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest/doc.h"
#include "manifest/project.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/error.h"
#include "util/arena.h"
#include "util/map.h"

/*
 * Resource kinds, in creation rank: media first, then audiences, campaigns,
 * ad sets, creatives and ads (DESIGN.md §6). Their names are those of the
 * plan JSON ("image", "audience", "campaign", "ad_set", "creative", "ad").
 */
enum ads_kind {
	ADS_KIND_IMAGE,
	ADS_KIND_VIDEO,
	ADS_KIND_AUDIENCE,
	ADS_KIND_CAMPAIGN,
	ADS_KIND_AD_SET,
	ADS_KIND_CREATIVE,
	ADS_KIND_AD,
};
#define ADS_KIND_COUNT 7

/* "campaign", "ad_set", ...; a static string. */
const char *ads_kind_name(enum ads_kind kind);
/* "a campaign", "an ad set", ...: the kind in words for messages. */
const char *ads_kind_noun(enum ads_kind kind);
/* Parses a kind name; returns 0 or ADS_EINVALID. */
int ads_kind_parse(enum ads_kind *out, const char *name);

/* What to do with labelled live objects no longer declared (DESIGN.md §2). */
enum ads_prune {
	ADS_PRUNE_ARCHIVE,
	ADS_PRUNE_DELETE,
	ADS_PRUNE_KEEP,
};
const char *ads_prune_name(enum ads_prune prune);

#define ADS_DEFAULT_API_VERSION "v25.0"

/* Limits on local files (003:L14759-14761: images up to 8 MB). */
#define ADS_IMAGE_MAX_BYTES   (8u << 20)
#define ADS_VIDEO_MAX_BYTES   (512u << 20)
#define ADS_MEMBERS_MAX_BYTES (256u << 20)
#define ADS_MEMBERS_MAX_ROWS  5000000u

/* The settings of adsctl.yaml, with defaults applied. All owned. */
struct ads_settings {
	char *stack; /* ownership namespace; "" if not declared */
	char *account; /* "act_1234"; "" if not declared */
	char *api_version; /* "v25.0" unless declared */
	unsigned api_major; /* 25 for "v25.0" */
	enum ads_prune prune;
	struct ads_strvec include;
};

/*
 * How apply substitutes a reference in a resource's fields (see
 * ads_resource_payload()).
 */
enum ads_ref_form {
	ADS_REF_ID, /* {ref} becomes the target's id: "1234" */
	ADS_REF_ID_OBJECT, /* {ref} becomes {"id": "1234"} (audiences) */
	ADS_REF_CREATIVE_ID, /* {ref} becomes {"creative_id": "1234"} */
	ADS_REF_IMAGE_HASH, /* {file} becomes the image hash "0a1b..." */
	ADS_REF_HASH_MEMBER, /* the object's "file" becomes "hash": "0a1b..." */
	ADS_REF_VIDEO_ID, /* {file} becomes the video's id */
};

/* One `{ref: ADDRESS}` or `{file: PATH}` inside a resource's fields. */
struct ads_ref {
	enum ads_ref_form form;
	/*
	 * JSON Pointer, relative to the resource's fields, of the {ref} or
	 * {file} object (for ADS_REF_HASH_MEMBER, of the object holding
	 * "file"), e.g. "/targeting/custom_audiences/0".
	 */
	char *ptr;
	/* The address as written, or "images.<path>" for files. */
	char *address;
	/* The resource referred to; NULL only in a model with errors. */
	struct ads_resource *target;
	struct ads_srcloc loc; /* of the ref (or file) value */
};

/* A local file a resource stands for (images and videos). */
struct ads_file {
	char *path; /* relative to the project root, normalised */
	uint64_t size;
	char md5[33]; /* the Marketing API's image hash is the MD5 */
	char sha256[65]; /* content digest */
};

/*
 * An audience's member list (`members: {file, columns}`): only digests are
 * kept, never a value of the file. ads_members_foreach() (members.h)
 * re-reads the file to upload it.
 */
struct ads_members {
	char *path; /* CSV, relative to the root; owned */
	char *display; /* the CSV as named in diagnostics */
	struct ads_strvec columns; /* header columns, upper case */
	size_t nrows; /* data rows in the file */
	size_t nunique; /* distinct rows after hashing */
	char digest[65]; /* of the sorted distinct hashed rows */
	struct ads_srcloc loc; /* the `members` value */
};

/*
 * A resource of the model. It and everything it points to belong to the
 * model (strings and structs to its arena); callers never free them.
 */
struct ads_resource {
	enum ads_kind kind;
	/* "campaigns.spring_sale.ad_sets.de_broad", "images.assets/a.jpg" */
	char *address;
	char *key; /* the last component of the address ("de_broad") */
	struct ads_resource *parent; /* ad set -> campaign, ad -> ad set */
	/*
	 * The declared Graph fields exactly as written, minus nested
	 * children (`ad_sets`, `ads`) and `members`. Shared with the manifest
	 * tree (wholly, or value by value): read-only, copy before changing
	 * (ads_resource_payload() does). An empty object for files.
	 */
	json_t *fields;
	/* Where it was declared; doc and node are NULL for files. */
	const struct ads_doc *doc;
	json_t *node; /* its object in doc->root (borrowed, read-only) */
	char *ptr; /* JSON Pointer of node in doc->root */
	struct ads_srcloc loc; /* its key; for files, their first use */

	struct ads_ref *refs; /* in document order */
	size_t nrefs, alloc_refs;
	/* Direct dependencies (parent, ref and file targets), unique. */
	struct ads_resource **deps;
	size_t ndeps, alloc_deps;
	/* Resources that depend directly on this one, unique. */
	struct ads_resource **rdeps;
	size_t nrdeps, alloc_rdeps;
	/* Ad sets of a campaign, ads of an ad set, sorted by address. */
	struct ads_resource **children;
	size_t nchildren, alloc_children;

	size_t index; /* position in the model's creation order */
	struct ads_file *file; /* images and videos, else NULL */
	struct ads_members *members; /* audiences with members, else NULL */
	/*
	 * Pointers (relative to fields) where the schema reported a problem;
	 * the semantic rules stay silent about those fields.
	 */
	struct ads_strvec schema_failures;
};

/* Whether the schema reported a problem at ptr (in r's fields) or inside
 * it: then rules and policies leave that value alone. */
bool ads_resource_schema_said(const struct ads_resource *r, const char *ptr);

struct ads_model {
	struct ads_settings settings;
	/* Every resource in creation order; delete in reverse. Owned. */
	struct ads_resource **order;
	size_t nr;
	size_t count[ADS_KIND_COUNT];
	struct ads_map by_address; /* address -> struct ads_resource * */
	json_t *policies; /* the `policies` list, or NULL */
	const struct ads_project *project; /* borrowed; must outlive */
	struct ads_arena arena; /* private: resources and their strings */
};

/*
 * Builds the model of a loaded project: schema validation (schemas may be
 * NULL to skip it), resources, references, files, dependency order,
 * semantic rules and policies. Every problem is appended to diags (the
 * loader's diagnostics may already be there). Returns 0 and *out (owned by
 * the caller, free with ads_model_free()) when no error was found;
 * ADS_EINVALID when diags holds errors; ADS_EINTR when interrupted; another
 * negative code (err set) when something other than the manifests failed.
 * project must outlive the model.
 */
int ads_model_build(struct ads_model **out, const struct ads_project *project,
                    struct ads_schema_set *schemas, struct ads_diags *diags,
                    struct ads_error *err);
void ads_model_free(struct ads_model *m);

/* The resource at address, or NULL. Borrowed from m. */
struct ads_resource *ads_model_find(const struct ads_model *m,
                                    const char *address);
/*
 * The address closest to a mistyped one ("did you mean"), or NULL; kind
 * < 0 considers every kind. Borrowed from m.
 */
const char *ads_model_suggest(const struct ads_model *m, const char *address,
                              int kind);

/*
 * What `plan --target ADDR` covers: the resource at address, its
 * descendants (a campaign's ad sets and ads, an ad set's ads) and,
 * transitively, everything they depend on; in creation order. *out is a
 * malloc'd array of pointers borrowed from m. ADS_ENOTFOUND (err says
 * which address, with a suggestion) when there is no such resource.
 */
int ads_model_select(struct ads_resource ***out, size_t *nout,
                     const struct ads_model *m, const char *address,
                     struct ads_error *err);

/*
 * The longest ad label name adsctl may attach, in characters. An
 * assumption: Meta's documentation states no limit (adlabels are
 * "list<Object>" on every object, 003:L5245, L5376, L15117; AdLabel.json
 * has a plain string name) and the SDK digests quote none; the emulator
 * refuses names over 100 characters with error 100, and a label that
 * long would fail only at apply time. The rule label.length
 * (model/rules.c) checks it at validate time; import (apply/import.c)
 * shortens keys to fit it. The emulator keeps its own copy (it may
 * include util/ only).
 */
#define ADS_LABEL_NAME_MAX 100
/* Hex digits of a creative's content digest in its version label,
 * "adsctl:<stack>:<address>@<digest>". */
#define ADS_DIGEST_LABEL_LEN 12

/* Appends the ad label of a resource: "adsctl:<stack>:<address>". */
void ads_model_label(struct ads_buf *out, const struct ads_model *m,
                     const struct ads_resource *r);
/*
 * Appends the marker adsctl keeps at the end of a custom audience's
 * description (DESIGN.md §4): "[adsctl <stack>:<address>]", or
 * "[adsctl <stack>:<address> members=<digest>]" with a member list.
 */
void ads_model_audience_marker(struct ads_buf *out, const struct ads_model *m,
                               const struct ads_resource *r);

/*
 * The location of a field of r given as a JSON Pointer relative to its
 * fields ("" = the resource itself, located at its key). When the field is
 * not declared, the deepest declared ancestor is given and false returned.
 */
bool ads_resource_locate(const struct ads_resource *r, const char *ptr,
                         enum ads_loc_part part, struct ads_srcloc *out);

/*
 * Writes the content digest of a resource: the SHA-256 of the canonical
 * JSON of its fields but name, status and adlabels, with image files
 * replaced by their hashes, videos by their SHA-256 and references by
 * addresses. For creatives, which are immutable but for name and status, a
 * different digest means a new creative (DESIGN.md §5). Computed on each
 * call; "" when the resource has a dangling reference (a model with
 * errors).
 */
void ads_resource_content_digest(const struct ads_resource *r, char out[65]);

/*
 * Gives the id to use for a reference: a new JSON value (a live id
 * "1234", or a batch reference "{result=c1:$.id}"), or NULL when the
 * target has none yet.
 */
typedef json_t *(*ads_ref_resolve_fn)(void *ctx, const struct ads_resource *r,
                                      const struct ads_ref *ref);

/*
 * The fields of r as the Graph API takes them: a deep copy in which every
 * reference is replaced as its form says (image files by their hash,
 * others by what resolve returns) and manifest aliases are renamed
 * (`origin` -> `origin_audience_id`). *out is owned by the caller.
 * ADS_ENOTFOUND (err names the address) when resolve returns NULL.
 */
int ads_resource_payload(json_t **out, const struct ads_resource *r,
                         ads_ref_resolve_fn resolve, void *ctx,
                         struct ads_error *err);

#endif
