/*
 * The apply journal (DESIGN.md §6): what one run of `adsctl apply` did, as
 * append-only JSON lines in <project>/.adsctl/journal/<UTC time>-<pid>.jsonl,
 * so that a partial failure can be explained and `adsctl drift` knows the
 * commit of the last successful apply (docs/internals/plan.md "Drift
 * baseline"). docs/apply.md documents the records.
 *
 * Every record is written with one write(2) as soon as it is made, so a
 * crash or a SIGKILL loses nothing that was recorded; ads_journal_sync()
 * makes the file durable (fsync) and apply calls it at step boundaries,
 * before it sends the next requests. The token never reaches the journal:
 * records are built from plan requests and redacted Graph errors.
 */
#ifndef ADS_APPLY_JOURNAL_H
#define ADS_APPLY_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

/* Under the project directory. */
#define ADS_JOURNAL_DIR ".adsctl/journal"

struct ads_journal;

/*
 * Creates a new journal file under project_dir (its directories too),
 * named after now (UNIX seconds, formatted in UTC as 20270301T120000Z)
 * and pid; never reuses an existing file. *out is owned by the caller
 * (ads_journal_close). ADS_EIO when the file cannot be created.
 */
int ads_journal_open(struct ads_journal **out, const char *project_dir,
                     int64_t now, long pid, struct ads_error *err);
/* The file's path (project_dir joined with its name); borrowed. */
const char *ads_journal_path(const struct ads_journal *j);

/*
 * Appends record (a JSON object, taken over) as one line, with "time"
 * (now, "2027-03-01T12:00:00.123Z") added when it has none. After the
 * first failure to write, every later call fails too (ADS_EIO) and the
 * file is left as it was, so a reader never sees half a line.
 */
int ads_journal_write(struct ads_journal *j, json_t *record,
                      struct ads_error *err);
/* Makes what was written durable (fsync). */
int ads_journal_sync(struct ads_journal *j, struct ads_error *err);
/* Whether a write or sync failed. */
bool ads_journal_failed(const struct ads_journal *j);
/* Syncs, closes and frees; accepts NULL. */
void ads_journal_close(struct ads_journal *j);

/*
 * Takes the project's apply lock (<project>/.adsctl/apply.lock, flock(2)):
 * one apply at a time per project, released when *fd is closed or the
 * process dies. ADS_ECONFLICT when another process holds it.
 */
int ads_journal_lock(int *fd, const char *project_dir, struct ads_error *err);

/* What the newest journal says about the run that wrote it. */
struct ads_journal_run {
	bool found; /* a journal exists */
	bool finished; /* it has its apply_end record */
	/* it ended with outcomes unknown (interrupted, or answers lost):
	 * some of its requests, async sets above all, may still be at work */
	bool unsettled;
	long pid; /* of the run (apply_start), 0 if unknown */
	int64_t mtime_ms; /* the file's last write, UNIX milliseconds */
	char *path; /* owned */
};
void ads_journal_run_release(struct ads_journal_run *r);
/*
 * Reads the newest journal of project_dir (by name, then modification
 * time). A run that did not finish was killed or crashed: the requests
 * it had in flight when it died may still land at Meta, up to some
 * seconds after its last record (apply records each wave before sending
 * it). out->found is false when there is no journal.
 */
int ads_journal_last_run(struct ads_journal_run *out, const char *project_dir,
                         struct ads_error *err);

/*
 * The commit of the last successful apply of the project: the journal
 * files of project_dir, newest first (by name, then modification time),
 * each read from its end for a record with "event": "apply_end", "ok":
 * true, a full hex "commit" and no "target" (an apply --target made only
 * part of the project). Writes the commit to out and returns 0;
 * ADS_ENOTFOUND when no journal has one (a missing directory included);
 * ADS_EIO when the directory cannot be read.
 */
int ads_journal_last_success(char out[41], const char *project_dir,
                             struct ads_error *err);

#endif
