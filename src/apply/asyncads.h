/*
 * Large ad creation through async ad request sets (api-semantics §6.2;
 * graph/async.h): one request carries up to 1000 ad specs, Meta creates
 * them in the background, and the set is polled until complete. Sets are
 * named "adsctl:<stack>:<run>:<n>" so that a set whose create got no
 * answer is found again by name, and so that a later apply can wait for
 * the sets a killed run left running (ads_apply_settle in apply.h).
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

/* One ad to create. */
struct ads_apply_async_item {
	json_t *spec; /* the ad's parameters, ids literal (borrowed) */
	const char *label; /* its address label, as in spec's adlabels */
	/* Out: OK with id, FAILED with err (Graph's error for it), or
	 * UNKNOWN: the set ended without a definite answer for it (then
	 * look its label up: the set is complete, nothing more comes). */
	enum ads_graph_outcome outcome;
	/* With UNKNOWN: the set is complete, so a label lookup settles it
	 * for good; false when the set may still be making the ad (never
	 * send it again then). */
	bool final;
	char *id; /* owned */
	struct ads_error err;
};

void ads_apply_async_item_release(struct ads_apply_async_item *it);

/*
 * Creates the n ads of items in account through async request sets of at
 * most max specs each (0: 1000), named name_prefix + ":<k>", waits for
 * every set (poll; NULL for graph/async.h's defaults) and fills each
 * item's outcome. *nsets gets how many sets were made. Returns 0 when the
 * sets completed (items may still have failed); ADS_EINTR or ADS_EAUTH
 * when the run stopped (items not settled are UNKNOWN, the sets go on at
 * Meta: ads_apply_settle waits for them); a set that does not complete
 * in time is cancelled and waited for again, and what it did not do is
 * UNKNOWN.
 */
int ads_apply_async_ads(struct ads_apply_async_item *items, size_t n,
                        size_t max, struct ads_graph *g, const char *account,
                        const char *name_prefix,
                        const struct ads_graph_async_poll *poll, size_t *nsets,
                        const struct ads_reporter *reporter,
                        struct ads_error *err);

/*
 * The async ad request sets of account whose name starts with prefix and
 * that are not complete: their unprocessed requests are cancelled and
 * each is waited for. *n gets how many there were.
 */
int ads_apply_async_settle(size_t *n, struct ads_graph *g, const char *account,
                           const char *prefix,
                           const struct ads_graph_async_poll *poll,
                           const struct ads_reporter *reporter,
                           struct ads_error *err);

#endif
