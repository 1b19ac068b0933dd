/*
 * The plan: the ordered steps that take an ad account from its live state
 * to the state the manifests declare (DESIGN.md §6), with their impact,
 * and everything apply needs to execute them without re-deriving intent.
 * docs/internals/plan.md explains the step model; docs/plan-format.md the
 * JSON document (plan --format json, saved plans), whose schema is
 * schemas/plan.schema.json.
 *
 * A plan is built from a model and the live state (ads_plan_build), or
 * loaded from a saved plan (ads_plan_from_json); both give the same
 * structure, except that a loaded plan has no model to point into
 * (step->res is NULL).
 *
 * Order of the steps (docs/internals/plan.md "Order"):
 *   1. creates, replaces and updates, parent-first in the model's creation
 *      order (images, videos, audiences, campaigns, ad sets, creatives,
 *      ads);
 *   2. deletes and archives, child-first (ads, creatives, ad sets,
 *      campaigns, audiences);
 *   3. activations, child-first (ads, ad sets, campaigns), so that a
 *      campaign starts delivering only once everything below it exists.
 * New objects are always created PAUSED; an `activate` step sets the
 * declared status at the end.
 */
#ifndef ADS_PLAN_PLAN_H
#define ADS_PLAN_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff/diff.h"
#include "live/live.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/error.h"

/* Version of the plan JSON document; readers refuse newer versions. */
#define ADS_PLAN_FORMAT_VERSION 1

enum ads_action {
	ADS_ACTION_CREATE,
	ADS_ACTION_UPDATE,
	ADS_ACTION_REPLACE,
	ADS_ACTION_DELETE,
	ADS_ACTION_ARCHIVE,
	ADS_ACTION_ACTIVATE,
};
#define ADS_ACTION_COUNT 6

/* "create", "update", ...: the plan JSON names; static strings. */
const char *ads_action_name(enum ads_action a);
int ads_action_parse(enum ads_action *out, const char *name);

/* "campaign", "ad set", "custom audience": a kind in words. Static. */
const char *ads_plan_kind_words(enum ads_kind k);

/* Impact annotations of a step (DESIGN.md §5), a bit set. */
enum ads_impact {
	/* the ad set re-enters the learning phase: a budget change over
	 * 20%, targeting, optimisation goal, billing event, creative */
	ADS_IMPACT_LEARNING_RESET = 1 << 0,
	ADS_IMPACT_SPEND_INCREASE = 1 << 1, /* step->spend_delta > 0 */
	ADS_IMPACT_SPEND_DECREASE = 1 << 2, /* step->spend_delta < 0 */
	ADS_IMPACT_IRREVERSIBLE = 1 << 3, /* a delete: cannot be undone */
	ADS_IMPACT_REPLACE = 1 << 4, /* destroy and create: a new id, stats
	                                start from zero */
	/* creative, targeting or optimisation changes send ads back to
	 * ad review (003:L12533-12545) */
	ADS_IMPACT_AD_REVIEW = 1 << 5,
};
#define ADS_IMPACT_COUNT 6
/* "learning_reset", "spend_increase", ...; bit is one enum value. */
const char *ads_impact_name(unsigned bit);
int ads_impact_parse(unsigned *bit, const char *name);

/* Where a change came from, as `adsctl drift` tells them apart. */
enum ads_change_origin {
	ADS_ORIGIN_UNKNOWN = 0, /* plan does not say */
	ADS_ORIGIN_LIVE, /* "changed in Ads Manager": live differs from git */
	ADS_ORIGIN_GIT, /* "changed in git": the manifests moved on */
};

/* One field of a step: before (live) and after (desired). */
struct ads_plan_change {
	/* Graph field name, dotted for nested keys: "daily_budget",
	 * "targeting.geo_locations.countries". Owned. */
	char *field;
	json_t *before; /* live value; NULL when absent or not yet existing */
	json_t *after; /* desired value; NULL when the field goes away */
	enum ads_diff_type type; /* how to show and compare the values */
	enum ads_change_origin origin;
};

/* A file a request sends along with its parameters. */
enum ads_upload {
	ADS_UPLOAD_NONE,
	ADS_UPLOAD_IMAGE, /* multipart or `bytes`: the image file */
	ADS_UPLOAD_VIDEO, /* `source`: the video file */
	ADS_UPLOAD_MEMBERS, /* usersreplace sessions: the hashed member list */
};
const char *ads_upload_name(enum ads_upload u);

/*
 * One Graph call of a step. Placeholders: wherever the id of an object
 * that an earlier step of the same plan creates is needed, the value is
 * the JSON object {"ref": "<address>"} (exactly that one member). apply
 * replaces it by the new id, or by a batch reference "{result=NAME:$.id}"
 * when the creating call travels in the same batch
 * (ads_plan_request_resolve). Ids of objects that exist are literal.
 */
struct ads_plan_request {
	char *method; /* "POST" or "DELETE"; owned */
	/*
	 * Relative to the versioned base: "act_1/campaigns" (a create), "1234"
	 * (a node), or a placeholder {"ref": ADDRESS} for the node an
	 * earlier step creates. Owned reference.
	 */
	json_t *path;
	char *edge; /* appended as "<path>/<edge>" ("usersreplace"); or NULL */
	/*
	 * Parameters (a JSON object, owned): strings are sent as they are,
	 * every other value as its compact JSON encoding (Graph takes
	 * structured parameters as JSON strings in form fields).
	 */
	json_t *params;
	enum ads_upload upload;
	char *file; /* the upload's path, relative to the project; or NULL */
	/* image: MD5 hex (= the image hash); video: SHA-256; members: the
	 * member-list digest the plan was made with. Or NULL. */
	char *digest;
};

/* What a step's live object looked like when the plan was made. */
struct ads_plan_fingerprint {
	char *updated_time; /* as Graph returned it; NULL if none */
	char *etag; /* when read alone with an ETag; usually NULL */
	char *digest; /* SHA-256 (first 16 hex) of the fields read */
};

struct ads_plan_step {
	enum ads_action action;
	enum ads_kind kind;
	char *address; /* owned */
	/*
	 * The live object the step acts on: updated, deleted, archived,
	 * activated, or replaced (the old one). NULL for a create and for
	 * the activation of an object the plan creates. Owned.
	 */
	char *id;
	/* Why, in words for the reader ("archived in Ads Manager", "renamed
	 * from campaigns.old", "objective cannot change"); or NULL. Owned. */
	char *reason;
	/*
	 * Set when another step's request covers this one (a child of a
	 * campaign that is archived or replaced): the address of that step.
	 * Such a step sends no request; it tells the reader what happens.
	 */
	char *via;

	struct ads_plan_change *changes;
	size_t nchanges, alloc_changes;
	unsigned impact; /* enum ads_impact bits */
	/* Change of the daily spend this step causes, in minor units of the
	 * account currency (cents; yen for JPY). */
	int64_t spend_delta;

	/* The calls, in order (a replace: retire the old object, then
	 * create the new one). Empty when via is set or nothing is sent. */
	struct ads_plan_request *requests;
	size_t nrequests, alloc_requests;
	/* The ad labels the step's create attaches (also in its params). */
	struct ads_strvec labels;
	/* The live object's state when planned; apply refuses a saved plan
	 * when it changed. Empty for creates. */
	struct ads_plan_fingerprint fp;
	/* Indices of earlier steps that must have succeeded first. */
	size_t *deps;
	size_t ndeps, alloc_deps;

	/* adsctl drift: where the difference comes from. */
	enum ads_change_origin origin;
	/* A create whose object a later step of the plan activates (not set
	 * for objects declared PAUSED: they stay as created). */
	bool activated;

	/* The desired resource (borrowed from the model), NULL for steps of
	 * undeclared objects and for plans loaded from JSON. */
	const struct ads_resource *res;
};

/* A remote validation (--validate-remote) failure of one step. */
struct ads_plan_rejection {
	size_t step; /* index into steps */
	struct ads_error err; /* Graph's error, located in the manifest */
};

struct ads_plan {
	int format_version;
	char *stack, *account; /* owned */
	char *currency; /* of the account ("EUR"), NULL if unknown */
	char *api_version;
	enum ads_prune prune;
	char *target; /* --target, or NULL */

	struct ads_plan_step *steps;
	size_t nsteps, alloc_steps;
	size_t count[ADS_ACTION_COUNT]; /* steps per action, via included */
	int64_t spend_delta; /* sum of the steps' spend_delta */

	/*
	 * Things the reader should know that are not steps: duplicated
	 * labels left alone, unlabelled look-alikes, objects kept by
	 * `prune: keep`, ads that cannot be pruned alone. Owned strings.
	 */
	struct ads_strvec notes;
	size_t unmanaged[ADS_KIND_COUNT]; /* unlabelled live objects */
	size_t foreign; /* labelled by other stacks */

	/* Provenance (saved plans; DESIGN.md §6, §8). Owned or NULL. */
	char *project_digest; /* SHA-256 of the model */
	char *commit; /* full hex, NULL outside git or before a commit */
	char *branch;
	bool dirty; /* uncommitted changes in the project */
	char *created; /* "2027-03-01T12:00:00+0000" */

	/* adsctl drift: the baseline the changes are told apart against
	 * ("commit 1a2b3c4 (the last apply)"), or NULL. */
	char *drift_baseline;

	/* --validate-remote results. */
	bool validated; /* the steps were sent with validate_only */
	size_t nvalidated; /* requests Graph validated */
	struct ads_plan_rejection *rejections;
	size_t nrejections, alloc_rejections;
	struct ads_strvec not_validated; /* addresses Graph could not check */
};

struct ads_plan_options {
	/* plan --target: only this resource, its descendants and what they
	 * depend on; prune stays inside the target. NULL: everything. */
	const char *target;
};

/*
 * Builds the plan that takes live to what m declares. live must have been
 * mapped for m (ads_live_map). Fails with ADS_ECONFLICT when the live
 * state is ambiguous (two live objects carry one label: err names both
 * ids), ADS_ENOTFOUND for an unknown target. *out is owned by the caller
 * (ads_plan_free) and borrows m, which must outlive it.
 */
int ads_plan_build(struct ads_plan **out, const struct ads_model *m,
                   const struct ads_live *live,
                   const struct ads_plan_options *opt, struct ads_error *err);
void ads_plan_free(struct ads_plan *p);

/* True when the plan changes nothing (no step at all). */
bool ads_plan_empty(const struct ads_plan *p);

/*
 * The plan JSON document (docs/plan-format.md): format_version, stack,
 * account, steps, summary, notes, provenance, validation. A new
 * reference owned by the caller. Never contains a credential.
 */
json_t *ads_plan_to_json(const struct ads_plan *p);
/*
 * Reads a plan JSON document back. Fails with ADS_EINVALID (err says
 * what and where) for a document that is not a plan, or of a newer
 * format_version. *out is owned by the caller.
 */
int ads_plan_from_json(struct ads_plan **out, const json_t *doc,
                       struct ads_error *err);

/*
 * Fills the provenance of a plan about to be saved: the digest of the
 * model, and the commit, branch and dirty flag of the project (computed
 * by the caller through vcs/; commit may be NULL). created is the
 * caller's clock, formatted like Graph times.
 */
void ads_plan_set_provenance(struct ads_plan *p, const struct ads_model *m,
                             const char *commit, const char *branch, bool dirty,
                             int64_t created);
/* SHA-256 over every resource's address, fields and file digests. */
void ads_plan_project_digest(const struct ads_model *m, char out[65]);

/*
 * Resolves a request's placeholders: *path and *params are new values
 * (owned by the caller) in which every {"ref": ADDRESS} is replaced by
 * what resolve returns for ADDRESS (a new JSON string: the id, or a batch
 * reference). ADS_ENOTFOUND (err names the address) when resolve returns
 * NULL. The path comes back as "<id>/<edge>" when the request has an edge.
 */
typedef json_t *(*ads_plan_ref_fn)(void *ctx, const char *address);
int ads_plan_request_resolve(char **path, json_t **params,
                             const struct ads_plan_request *req,
                             ads_plan_ref_fn resolve, void *ctx,
                             struct ads_error *err);
/* True for a placeholder {"ref": "<address>"}; *address borrowed. */
bool ads_plan_is_ref(const json_t *v, const char **address);

/*
 * adsctl drift: tells the changes of plan (the manifests now against the
 * live state) apart by comparing with base (the baseline revision's
 * manifests against the same live state). A change that base has too
 * (same address and field, same live value) is live drift: "changed in
 * Ads Manager"; any other is "changed in git". Sets the origin of every
 * change and step (a step whose changes differ in origin keeps
 * ADS_ORIGIN_UNKNOWN). base NULL: nothing is told apart.
 */
void ads_plan_classify(struct ads_plan *plan, const struct ads_plan *base);

/*
 * `adsctl diff REV1 REV2`: the change of intent from one revision's model
 * to another's, offline: creates for new addresses, prune steps (per the
 * prune of `to`) for removed ones, updates and replaces with field-level
 * before/after (references compare by address). The plan has no requests
 * and no ids. *out is owned by the caller and borrows `to`.
 */
int ads_plan_intent(struct ads_plan **out, const struct ads_model *from,
                    const struct ads_model *to, struct ads_error *err);

/* --- building blocks (build.c, json.c, tests) -------------------------- */

/* An empty plan of the current format version; owned by the caller. */
struct ads_plan *ads_plan_new(void);
/* Appends a step (zeroed but for these); borrowed until the next add. */
struct ads_plan_step *ads_plan_add_step(struct ads_plan *p,
                                        enum ads_action action,
                                        enum ads_kind kind,
                                        const char *address);
/* Appends a change; before and after (may be NULL) are taken over. */
struct ads_plan_change *ads_plan_step_add_change(struct ads_plan_step *s,
                                                 const char *field,
                                                 json_t *before, json_t *after,
                                                 enum ads_diff_type type);
/* Appends a request; path and params (NULL: {}) are taken over. */
struct ads_plan_request *ads_plan_step_add_request(struct ads_plan_step *s,
                                                   const char *method,
                                                   json_t *path,
                                                   json_t *params);
/*
 * Moves the entries of d into s as changes (skipping `status` when asked:
 * an activation carries it) and adds the impact their rules name (a
 * budget changed by more than 20% resets learning).
 */
void ads_plan_step_take_diff(struct ads_plan_step *s, struct ads_diff *d,
                             bool skip_status);
/* Adds a dependency on step index dep (once). */
void ads_plan_step_add_dep(struct ads_plan_step *s, size_t dep);
/* Frees a step's contents. */
void ads_plan_step_release(struct ads_plan_step *s);
/* Recomputes count[] and spend_delta from the steps. */
void ads_plan_count(struct ads_plan *p);
/* A new placeholder {"ref": address}. */
json_t *ads_plan_ref(const char *address);
int ads_plan_upload_parse(enum ads_upload *out, const char *name);

/*
 * Checks a saved plan against a fresh read of the live state: every live
 * object a step touches must still exist with the fingerprint the plan
 * recorded. Returns 0, or ADS_ECONFLICT with err naming the first stale
 * objects ("campaigns.x (123) changed since the plan was made").
 */
int ads_plan_check_fresh(const struct ads_plan *p, const struct ads_live *live,
                         struct ads_error *err);

#endif
