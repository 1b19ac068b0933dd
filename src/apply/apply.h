/*
 * The executor of `adsctl apply` (DESIGN.md §6): runs the steps of a plan
 * through the Graph client, as few requests as Meta's rules allow, and
 * never leaves a duplicate, a lost object or a half-launched campaign.
 * docs/apply.md describes it for users, docs/internals/plan.md the steps.
 *
 * How a plan runs:
 *  - In waves. Each wave sends every request that is ready: its step's
 *    dependencies succeeded, or the object it needs is created by a call
 *    in the same wave, to which it is chained with {result=NAME:$.id}
 *    (graph/write.h packs the calls into batches under Meta's limits and
 *    sends independent batches in parallel, within the rate-limit
 *    governor). A step's requests go one wave after another.
 *  - In three phases: creates, replaces and updates (parent-first); then
 *    deletes and archives, child-first, one kind per wave (ads, creatives,
 *    ad sets, campaigns, audiences); then activations, and those only when
 *    every other step succeeded, so a half-applied plan never spends
 *    money: everything new stays PAUSED.
 *  - A create whose outcome is unknown (a timeout, a null batch item, a
 *    dropped connection) is looked up by its ad label (audiences: their
 *    description marker) before anything is sent again: found, its id is
 *    adopted; not found, it is created again. Never a duplicate.
 *  - Images are uploaded once per content hash (skipped when the live
 *    state has the hash); audience members go through usersreplace
 *    sessions of at most 10,000 hashed rows per call; large ad creation
 *    goes through async request sets (asyncads.h), which run in the
 *    background of the waves that follow; when they prove slow, the ads
 *    they have not started go through batches instead, as far as the
 *    request budget (request_ratio below) allows.
 *  - A step whose dependency did not succeed is skipped (and so are its
 *    dependents); independent steps go on.
 *  - ads_interrupt_request() stops the run: no new request is sent, those
 *    in flight are waited for and recorded.
 * Every step that reaches its end is written to the journal (journal.h)
 * at once, and the journal is made durable before each wave is sent.
 */
#ifndef ADS_APPLY_APPLY_H
#define ADS_APPLY_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apply/journal.h"
#include "graph/async.h"
#include "graph/client.h"
#include "live/live.h"
#include "model/model.h"
#include "plan/plan.h"
#include "util/error.h"
#include "util/report.h"

/* Ad creates from which a plan sends its ads through async request sets
 * (graph/async.h) instead of batches of 10. */
#define ADS_APPLY_ASYNC_MIN 200
/* Ad specs per async request set (003:L17320). */
#define ADS_APPLY_ASYNC_SET_MAX 1000
/* Objects the plan writes per HTTP request the run may spend, at most,
 * when it moves ads from slow async sets to batches (issue #6: at least
 * 20 times fewer requests than one call per object). */
#define ADS_APPLY_REQUEST_RATIO 20

/* Where a step ended. */
enum ads_apply_state {
	ADS_APPLY_PENDING = 0, /* not attempted: the run stopped before it */
	ADS_APPLY_DONE, /* every request succeeded (or nothing was needed) */
	ADS_APPLY_FAILED, /* Graph refused a request: err has its error */
	/* not sent: a step it needs did not succeed, or an activation held
	 * back because another step did not succeed; err says which */
	ADS_APPLY_SKIPPED,
	/* a create got no definite answer and its label could not settle
	 * whether it happened; never sent again in this run */
	ADS_APPLY_UNKNOWN,
};
#define ADS_APPLY_STATE_COUNT 5
/* "not_attempted", "done", "failed", "skipped", "unknown": journal names */
const char *ads_apply_state_name(enum ads_apply_state s);

/* The outcome of one plan step. */
struct ads_apply_step {
	enum ads_apply_state state;
	/* The object after the step (owned, or NULL): the new id of a create
	 * or replace, an image's hash, else the plan step's id. */
	char *id;
	struct ads_error err; /* set unless DONE (or PENDING) */
	unsigned nrequests; /* requests of the step that succeeded */
	bool adopted; /* unknown outcome, then found by its label */
	bool recreated; /* unknown outcome, not found: created again */
	bool present; /* nothing sent: the account had it (an image) */
	bool async; /* created through an async request set */
	int64_t ms; /* from its first request to its end */
};

struct ads_apply_result {
	struct ads_apply_step *steps; /* one per plan step; owned */
	size_t nsteps;
	size_t count[ADS_APPLY_STATE_COUNT]; /* steps per state */
	size_t unknown; /* creates whose outcome was unknown */
	size_t adopted, recreated; /* ... and how each was settled */
	size_t waves; /* rounds of requests */
	size_t async_sets; /* async request sets created */
	/* What the client did for the run (its counters, less those before
	 * it): calls, HTTP requests, batches, retries, round trips. */
	struct ads_graph_stats stats;
	bool interrupted; /* stopped by ads_interrupt_request() */
	bool journal_failed; /* the journal could not be written fully */
};

void ads_apply_result_release(struct ads_apply_result *r);

/* Called when a step reaches its end (after it was journalled). */
typedef void (*ads_apply_step_fn)(void *ctx, const struct ads_plan *p,
                                  size_t step, const struct ads_apply_step *r);

struct ads_apply_options {
	/* The project's model: image files and member lists are read
	 * through it. Required when the plan uploads anything. */
	const struct ads_model *model;
	/* The live state the plan was made or checked against (mapped):
	 * images it has are not uploaded again, and ad set writes find
	 * their campaign in it. May be NULL. */
	const struct ads_live *live;
	struct ads_journal *journal; /* may be NULL */
	const struct ads_reporter *reporter; /* progress; may be NULL */
	ads_apply_step_fn step_done; /* may be NULL */
	void *ctx;
	/* Names async request sets "adsctl:<stack>:<run>:<n>", so that a
	 * later run finds them (ads_apply_settle). NULL: from the clock. */
	const char *run;
	/* Ad creates from which they go through async request sets; 0:
	 * ADS_APPLY_ASYNC_MIN; SIZE_MAX: never. */
	size_t async_min;
	/* Polling of async request sets (first poll, longest interval,
	 * timeout); NULL: 0.5 s, 10 s, 1 h. */
	const struct ads_graph_async_poll *poll;
	/* Objects written per HTTP request the run may spend, at most, on
	 * sending ads of slow async sets through batches instead (0:
	 * ADS_APPLY_REQUEST_RATIO); docs/apply.md "Large ad creation". */
	unsigned request_ratio;
	/* Rounds of label lookups for unknown outcomes in one wave before
	 * the creates left are given up as UNKNOWN (0: 5). */
	unsigned unknown_rounds;
};

/*
 * Executes the plan p through g (see above); out (released first) gets
 * one outcome per step. Returns 0 when every step is done; ADS_EPARTIAL
 * when some are not (out says which and why); ADS_EINTR when interrupted
 * (the steps not attempted stay PENDING); ADS_EAUTH when Meta refused the
 * credentials (the run stops there). Fails before sending anything, with
 * ADS_EINVALID, for a plan whose steps do not fit together (a placeholder
 * no step creates, a dependency on a later step) or an upload without a
 * model. p, opt and what they point to must outlive the call.
 */
int ads_apply_run(struct ads_apply_result *out, struct ads_graph *g,
                  const struct ads_plan *p, const struct ads_apply_options *opt,
                  struct ads_error *err);

/* What the first and last journal records say about the run. */
struct ads_apply_info {
	const char *commit; /* full hex, or NULL outside git */
	const char *branch; /* or NULL */
	bool dirty;
	const char *plan_file; /* a saved plan's path, or NULL */
	const char *version; /* adsctl's */
};

/*
 * The journal's first record ("event": "apply_start"): the run's
 * provenance (commit, dirty, branch), the stack, the account, the plan's
 * digest (SHA-256 of its JSON document), its step counts.
 */
int ads_apply_journal_start(struct ads_journal *j, const struct ads_plan *p,
                            const struct ads_apply_info *info,
                            struct ads_error *err);
/*
 * The last record ("event": "apply_end"): "ok" (every step done), the
 * commit, the counts per state, unknown outcomes and how they were
 * settled, and whether the run was interrupted. `adsctl drift` takes the
 * commit of the last one with "ok": true as its baseline.
 */
int ads_apply_journal_end(struct ads_journal *j, const struct ads_plan *p,
                          const struct ads_apply_result *r,
                          const struct ads_apply_info *info,
                          struct ads_error *err);

/*
 * Waits for the async request sets an earlier run of this stack left
 * running (a crash, a SIGKILL): their unprocessed requests are cancelled
 * and the sets polled until complete, so that the live state read next
 * is final and no ad appears after the plan was made. *n (may be NULL)
 * gets how many sets were waited for. Call it before reading the live
 * state for apply.
 */
int ads_apply_settle(size_t *n, struct ads_graph *g, const char *account,
                     const char *stack, const struct ads_graph_async_poll *poll,
                     const struct ads_reporter *reporter,
                     struct ads_error *err);
/*
 * The ids of the async request sets of this stack that an earlier run
 * left running (appended to ids), without changing them: what plan tells
 * its reader, since the ads they create are not in the live state yet.
 */
int ads_apply_unfinished(struct ads_strvec *ids, struct ads_graph *g,
                         const char *account, const char *stack,
                         struct ads_error *err);

#endif
