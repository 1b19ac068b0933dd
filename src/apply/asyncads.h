/*
 * Large ad creation through async ad request sets (api-semantics §6.2;
 * graph/async.h): one request carries up to 1000 ad specs, Meta creates
 * them in the background, and the sets are polled until complete. Sets are
 * named "adsctl:<stack>:<run>:<n>" so that a set whose create got no
 * answer is found again by name, and so that a later apply can wait for
 * the sets a killed run left running (ads_apply_settle in apply.h).
 *
 * The sets of a run form one group (struct ads_apply_async) that lives
 * across apply's waves:
 *  - ads_apply_async_submit() spreads the ads over up to
 *    ADS_APPLY_ASYNC_SETS sets (one batch request creates them all);
 *  - ads_apply_async_wait() polls every open set in one ids= read, at
 *    times predicted from the pace the sets have shown (Meta publishes
 *    none), reads the results of complete sets in large pages, and
 *    reports each ad's outcome through the settled callback;
 *  - when the pace shows that batches (ADS_GRAPH_AD_CREATES_MAX ads per
 *    request) would finish the sets' unstarted ads sooner, and the
 *    caller's request budget affords it, it cancels the sets with the
 *    most unstarted ads and returns early: their ads come back CANCELED
 *    (never made) for the caller to send in batches while the other sets
 *    go on. docs/apply.md "Large ad creation" has the rule.
 */
#ifndef ADS_APPLY_ASYNCADS_H
#define ADS_APPLY_ASYNCADS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "graph/async.h"
#include "graph/client.h"
#include "util/error.h"
#include "util/report.h"

/* "adsctl:" + stack + ":" starts the name of every set adsctl makes. */
#define ADS_APPLY_ASYNC_PREFIX "adsctl:"
/* Sets one submit spreads its ads over (so that the tail can be taken
 * back in steps of 1/ADS_APPLY_ASYNC_SETS), each of at least
 * ADS_APPLY_ASYNC_SET_MIN and at most the caller's maximum (1000). */
#define ADS_APPLY_ASYNC_SETS    20
#define ADS_APPLY_ASYNC_SET_MIN 20

/* One ad to create. */
struct ads_apply_async_item {
	json_t *spec; /* the ad's parameters, ids literal (a reference
	               * is taken) */
	const char *label; /* its address label, as in spec's adlabels;
	                    * borrowed until the item is settled */
	size_t user; /* the caller's (apply: the step) */
	/* Out, when settled: OK with id; FAILED with err (Graph's error for
	 * it); SKIPPED: never made (its set was not created, or the run
	 * stopped first; canceled says the set cancelled it), so it may be
	 * sent again; UNKNOWN: no definite answer (final: its set is
	 * complete, so a label lookup settles it for good; not final: the
	 * set may still make it, never send it again in this run). */
	enum ads_graph_outcome outcome;
	bool final;
	bool canceled;
	char *id; /* owned */
	struct ads_error err;
	const char *set; /* the name of its set, or NULL; borrowed */
};

void ads_apply_async_item_release(struct ads_apply_async_item *it);

/* What the caller lets the group spend on moving ads to batches. */
struct ads_apply_async_budget {
	/* HTTP requests the run may still spend beyond what the rest of
	 * its work needs (the group's own polls and reads come out of it) */
	size_t requests;
	/* batch requests per second the run's writes achieved so far; 0
	 * when unknown (then the group times its own requests) */
	double batches_per_s;
};
typedef void (*ads_apply_async_budget_fn)(void *ctx,
                                          struct ads_apply_async_budget *out);
/* An item reached its outcome; *it is valid during the call only. */
typedef void (*ads_apply_async_settled_fn)(void *ctx,
                                           struct ads_apply_async_item *it);

struct ads_apply_async_config {
	struct ads_graph *g;
	const char *account;
	/* first_ms: the first poll after the sets are made; max_ms: the
	 * longest interval; timeout_ms: then the sets are cancelled. NULL:
	 * graph/async.h's defaults. */
	const struct ads_graph_async_poll *poll;
	const struct ads_reporter *reporter; /* may be NULL */
	ads_apply_async_budget_fn budget; /* NULL: never move ads */
	ads_apply_async_settled_fn settled; /* may be NULL */
	void *ctx;
};

struct ads_apply_async;

/* An empty group; cfg's pointers are borrowed. Owned by the caller. */
struct ads_apply_async *
ads_apply_async_new(const struct ads_apply_async_config *cfg);
/* Frees the group (accepts NULL); items not settled are dropped. */
void ads_apply_async_free(struct ads_apply_async *a);

/*
 * Creates sets of at most max specs (0: 1000) for the n items (copied;
 * the specs referenced), named name_prefix + ":<k>", in one batch request;
 * a create whose answer is lost is looked for by name before it is sent
 * again. Items whose set could not be made are settled at once (FAILED,
 * UNKNOWN when the set may exist, SKIPPED when the run stopped). *nsets
 * gets how many sets were made. Returns ADS_EINTR or ADS_EAUTH when the
 * run stopped, else 0.
 */
int ads_apply_async_submit(struct ads_apply_async *a,
                           const struct ads_apply_async_item *items, size_t n,
                           size_t max, const char *name_prefix, size_t *nsets,
                           struct ads_error *err);

/*
 * Waits for the open sets and settles their items. Returns 0 with *moved
 * = 0 when every set is complete and read; 0 with *moved > 0 when it
 * cancelled sets so that batches take their unstarted ads (those items
 * were settled SKIPPED with canceled; the other sets go on: wait again);
 * ADS_EINTR or ADS_EAUTH when the run stopped (items not settled stay
 * open: see ads_apply_async_abandon). A set that does not complete
 * within the poll timeout is cancelled and waited for 10 minutes more;
 * what it did not answer for is settled UNKNOWN (not final).
 */
int ads_apply_async_wait(struct ads_apply_async *a, size_t *moved,
                         struct ads_error *err);

/* Items submitted and not settled yet. */
size_t ads_apply_async_pending(const struct ads_apply_async *a);

/*
 * The run stops: every item not settled is settled UNKNOWN, not final
 * (its set goes on at Meta; the next apply waits for it).
 */
void ads_apply_async_abandon(struct ads_apply_async *a);

/*
 * The async ad request sets of account whose name starts with prefix and
 * that are not complete: their unprocessed requests are cancelled and all
 * of them are waited for at once. *n gets how many there were.
 */
int ads_apply_async_settle(size_t *n, struct ads_graph *g, const char *account,
                           const char *prefix,
                           const struct ads_graph_async_poll *poll,
                           const struct ads_reporter *reporter,
                           struct ads_error *err);
/*
 * The ids of the async ad request sets of account whose name starts with
 * prefix and that are not complete, appended to ids; nothing is changed.
 */
int ads_apply_async_unfinished(struct ads_strvec *ids, struct ads_graph *g,
                               const char *account, const char *prefix,
                               struct ads_error *err);

#endif
