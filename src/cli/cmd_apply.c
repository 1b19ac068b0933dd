/*
 * adsctl apply [DIR | PLANFILE [DIR]]: makes the ad account match the
 * manifests (DESIGN.md §3, §6). Without a plan file it plans, shows the
 * plan and asks for confirmation on a terminal (--auto-approve for CI);
 * with one it refuses a plan that is stale (the manifests, the commit or
 * a live object it touches changed). apply/ does the work and keeps the
 * journal; this file wires options, confirmation and exit codes.
 */
#include "cli/commands.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply/apply.h"
#include "cli/connect.h"
#include "live/live.h"
#include "plan/plan.h"
#include "render/apply.h"
#include "render/plan_text.h"
#include "util/buildinfo.h"
#include "util/fs.h"
#include "util/interrupt.h"
#include "util/json.h"
#include "vcs/vcs.h"

/* A saved plan larger than this is not a plan adsctl wrote. */
#define PLAN_FILE_MAX (512u << 20)
/*
 * How long after the last record of an apply that was killed its requests
 * may still land at Meta (it processes what it received even when the
 * client is gone): a batch of 50 creates takes seconds, not minutes.
 */
#define CRASH_WAIT_MS 15000

static const struct ads_opt apply_opts[] = {
	{ "auto-approve", 0, NULL,
	  "apply without asking for confirmation (for CI)", 0 },
	{ "target", 0, "ADDR",
	  "apply only this resource, what is below it and what it needs", 0 },
	{ "async-min", 0, "N",
	  "ad creates from which ads go through async request sets",
	  ADS_OPT_HIDDEN },
	{ "crash-wait", 0, "MS",
	  "after a killed apply, wait this long for its requests to land",
	  ADS_OPT_HIDDEN },
	{ NULL, 0, NULL, NULL, 0 },
};

struct apply_cmd {
	struct ads_cli *cli;
	const char *dir;
	const char *plan_file;
	struct ads_cli_project p;
	struct ads_cli_conn c;
	struct ads_vcs_provenance prov;
	struct ads_live *live;
	struct ads_plan *plan;
	bool killed; /* the last apply of the project did not finish */
};

static void step_done(void *ctx, const struct ads_plan *p, size_t i,
                      const struct ads_apply_step *r)
{
	struct ads_cli *cli = ctx;
	struct ads_buf b = ADS_BUF_INIT;

	ads_render_apply_step(&b, p, i, r, &cli->err_style);
	ads_buf_setlen(&b, b.len - 1); /* the reporter adds the newline */
	ads_report(&cli->reporter, ADS_REPORT_INFO, "%s", b.buf);
	ads_buf_release(&b);
}

static int fail(struct ads_cli *cli, struct ads_error *err, int rc)
{
	ads_cli_print_error(cli, err);
	ads_error_release(err);
	return rc == ADS_ECONFLICT ? ADS_EXIT_ERROR : ads_cli_exit_code(rc);
}

/* Asks on the terminal; ADS_EXIT_OK only for "yes". */
static int confirm(struct apply_cmd *a)
{
	struct ads_cli *cli = a->cli;
	struct ads_buf b = ADS_BUF_INIT;
	char line[64];
	int ret = ADS_EXIT_OK;

	if (ads_args_has(&cli->args, "auto-approve"))
		return ADS_EXIT_OK;
	if (!isatty(STDIN_FILENO))
		return ads_cli_usage_error(
		        cli,
		        "refusing to apply without confirmation: standard input "
		        "is not a terminal (pass --auto-approve, e.g. in CI, or "
		        "apply a plan saved with 'adsctl plan -o FILE')");
	ads_style_color(&b, &cli->err_style, ADS_COLOR_BOLD);
	ads_buf_addf(&b,
	             "\nApply these changes to %s (stack '%s')? Only 'yes' is "
	             "accepted: ",
	             a->plan->account, a->plan->stack);
	ads_style_color(&b, &cli->err_style, ADS_COLOR_RESET);
	ads_cli_err(cli, &b);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin) || ads_interrupt_requested()) {
		ads_buf_reset(&b);
		ads_buf_addch(&b, '\n');
		ads_cli_err(cli, &b);
		ret = ads_interrupt_requested() ? ADS_EXIT_INTERRUPTED
		                                : ADS_EXIT_ERROR;
	} else {
		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, "yes"))
			ret = ADS_EXIT_ERROR;
	}
	if (ret == ADS_EXIT_ERROR) {
		ads_buf_reset(&b);
		ads_buf_addstr(&b, "Apply cancelled: nothing was changed.\n");
		ads_cli_err(cli, &b);
	}
	ads_buf_release(&b);
	return ret;
}

/* The plan of a saved file, refused unless it still fits (DESIGN.md §6). */
static int load_saved(struct apply_cmd *a)
{
	struct ads_error err = ADS_ERROR_INIT;
	const struct ads_settings *set = &a->p.model->settings;
	json_t *doc = NULL;
	char digest[65];
	int rc, ret;

	rc = ads_json_load_file(&doc, a->plan_file, PLAN_FILE_MAX, &err);
	if (!rc)
		rc = ads_plan_from_json(&a->plan, doc, &err);
	json_decref(doc);
	if (rc) {
		ads_error_prefix(&err, "%s", a->plan_file);
		return fail(a->cli, &err, rc);
	}
	if (strcmp(a->plan->stack, set->stack) ||
	    strcmp(a->plan->account, set->account))
		return fail(a->cli, &err,
		            ads_error_set(&err, ADS_ECONFLICT,
		                          "%s is a plan for stack '%s' in %s, "
		                          "but %s is stack '%s' in %s",
		                          a->plan_file, a->plan->stack,
		                          a->plan->account, a->dir, set->stack,
		                          set->account));
	ads_plan_project_digest(a->p.model, digest);
	if (!a->plan->project_digest || strcmp(a->plan->project_digest, digest))
		return fail(
		        a->cli, &err,
		        ads_error_set(&err, ADS_ECONFLICT,
		                      "the plan is stale: the manifests in "
		                      "%s changed since it was made; make a "
		                      "new plan",
		                      a->dir));
	if (a->plan->commit &&
	    (!a->prov.has_commit || strcmp(a->plan->commit, a->prov.commit)))
		return fail(a->cli, &err,
		            ads_error_set(&err, ADS_ECONFLICT,
		                          "the plan is stale: it was made at "
		                          "commit %.12s, the project is at %s; "
		                          "make a new plan",
		                          a->plan->commit,
		                          a->prov.has_commit ? a->prov.short_id
		                                             : "no commit"));
	ret = ads_cli_fetch_live(&a->live, a->cli, &a->p, &a->c, NULL);
	if (ret)
		return ret;
	rc = ads_plan_check_fresh(a->plan, a->live, &err);
	if (rc)
		return fail(a->cli, &err, rc);
	return ADS_EXIT_OK;
}

/* A fresh plan, shown and confirmed. */
static int make_plan(struct apply_cmd *a)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_plan_options po = {
		.target = ads_args_get(&a->cli->args, "target"),
	};
	int rc, ret;

	ret = ads_cli_fetch_live(&a->live, a->cli, &a->p, &a->c, NULL);
	if (ret)
		return ret;
	rc = ads_plan_build(&a->plan, a->p.model, a->live, &po, &err);
	if (rc == ADS_ENOTFOUND) { /* an unknown --target, as in plan */
		fail(a->cli, &err, rc);
		return ADS_EXIT_USAGE;
	}
	if (rc)
		return fail(a->cli, &err, rc);
	if ((ret = ads_cli_check_prune(a->cli, &a->p, a->plan)))
		return ret;
	ads_plan_set_provenance(
	        a->plan, a->p.model, a->prov.has_commit ? a->prov.commit : NULL,
	        a->prov.branch, a->prov.dirty, (int64_t)time(NULL));
	ads_cli_output_plan(a->cli, a->plan, NULL);
	if (ads_plan_empty(a->plan))
		return ADS_EXIT_OK;
	return confirm(a);
}

static int execute(struct apply_cmd *a)
{
	struct ads_cli *cli = a->cli;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_apply_result res = { 0 };
	struct ads_journal *j = NULL;
	struct ads_apply_info info = {
		.commit = a->prov.has_commit ? a->prov.commit : NULL,
		.branch = a->prov.branch,
		.dirty = a->prov.dirty,
		.plan_file = a->plan_file,
		.version = ADS_VERSION,
	};
	struct ads_apply_options opt = {
		.model = a->p.model,
		.live = a->live,
		.reporter = &cli->reporter,
		.step_done = step_done,
		.ctx = cli,
	};
	long long async_min = -1;
	struct ads_buf out = ADS_BUF_INIT;
	char *run = NULL;
	int rc, ret;

	if ((ret = ads_cli_opt_number(cli, "async-min", "a number of ads", 0,
	                              LLONG_MAX, &async_min)))
		return ret;
	if (async_min >= 0)
		opt.async_min = async_min ? (size_t)async_min : 1;
	rc = ads_journal_open(&j, a->dir, (int64_t)time(NULL), (long)getpid(),
	                      &err);
	if (rc) {
		ads_error_prefix(&err, "refusing to apply without a journal");
		return fail(cli, &err, rc);
	}
	opt.journal = j;
	{
		/* names this run's async request sets after its journal */
		const char *base = strrchr(ads_journal_path(j), '/');

		run = xstrdup(base ? base + 1 : ads_journal_path(j));
		run[strcspn(run, ".")] = '\0';
		opt.run = run;
	}
	if (ads_apply_journal_start(j, a->plan, &info, &err)) {
		ads_error_prefix(&err, "refusing to apply without a journal");
		ret = fail(cli, &err, ADS_EIO);
		goto out;
	}
	rc = ads_apply_run(&res, a->c.graph, a->plan, &opt, &err);
	if (rc && !res.nsteps) {
		/* refused before anything was sent */
		ret = fail(cli, &err, rc);
		goto out;
	}
	if (ads_apply_journal_end(j, a->plan, &res, &info, NULL))
		res.journal_failed = true;
	ads_report(&cli->reporter, ADS_REPORT_DEBUG,
	           "apply: %zu Graph calls in %zu HTTP requests (%zu batches), "
	           "%zu round trips, %zu waves, %zu async sets, %zu retries",
	           res.stats.calls, res.stats.http_requests,
	           res.stats.batch_requests, res.stats.round_trips, res.waves,
	           res.async_sets, res.stats.retries);
	ads_render_apply_summary(&out, a->plan, &res, ads_journal_path(j),
	                         &cli->out_style);
	ads_cli_out(cli, &out);
	if (res.journal_failed)
		ads_report(&cli->reporter, ADS_REPORT_WARNING,
		           "the journal %s is incomplete", ads_journal_path(j));
	ret = rc == ADS_EAUTH ? ADS_EXIT_API : ads_cli_exit_code(rc);
	ads_error_release(&err);
out:
	ads_buf_release(&out);
	ads_apply_result_release(&res);
	ads_journal_close(j);
	free(run);
	return ret;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * An apply killed moments ago (SIGKILL, a crash, a lost machine) may have
 * requests in flight that Meta still executes: reading the live state
 * before they land would plan their objects again. Waits until they have.
 */
static int wait_for_killed_run(struct apply_cmd *a)
{
	struct ads_cli *cli = a->cli;
	struct ads_journal_run last;
	struct ads_error err = ADS_ERROR_INIT;
	long long grace = CRASH_WAIT_MS;
	int64_t left;
	int ret = ADS_EXIT_OK;

	if ((ret = ads_cli_opt_number(cli, "crash-wait", "milliseconds", 0,
	                              LLONG_MAX, &grace)))
		return ret;
	if (ads_journal_last_run(&last, a->dir, &err)) {
		ads_report(&cli->reporter, ADS_REPORT_WARNING, "%s", err.msg);
		ads_error_release(&err);
		return ADS_EXIT_OK;
	}
	a->killed = last.found && !last.finished;
	left = a->killed ? last.mtime_ms + grace - wall_ms() : 0;
	if (left > 0) {
		ads_report(&cli->reporter, ADS_REPORT_INFO,
		           "the last apply (pid %ld) stopped without finishing "
		           "(%s); waiting %.1f s for requests it had in flight",
		           last.pid, last.path, (double)left / 1000);
		while (left > 0 && !ads_interrupt_requested()) {
			struct timespec ts = { 0, 100 * 1000000L };

			nanosleep(&ts, NULL);
			left -= 100;
		}
		if (ads_interrupt_requested())
			ret = ADS_EXIT_INTERRUPTED;
	}
	ads_journal_run_release(&last);
	return ret;
}

static int run_apply(struct ads_cli *cli)
{
	const char *arg0 = ads_args_pos(&cli->args, 0);
	const char *arg1 = ads_args_pos(&cli->args, 1);
	struct apply_cmd a = { .cli = cli, .dir = "." };
	struct ads_error err = ADS_ERROR_INIT;
	struct stat st;
	size_t settled = 0;
	int lock = -1, rc, ret;

	if (arg0 && !stat(arg0, &st) && S_ISREG(st.st_mode)) {
		a.plan_file = arg0;
		if (arg1)
			a.dir = arg1;
	} else if (arg0) {
		if (arg1)
			return ads_cli_usage_error(
			        cli,
			        "apply takes a directory, or a plan file and "
			        "a directory, not '%s' and '%s'",
			        arg0, arg1);
		a.dir = arg0;
	}
	if (ads_args_pos(&cli->args, 2))
		return ads_cli_usage_error(cli, "apply takes at most two "
		                                "arguments");
	if (a.plan_file && !arg1) {
		char *pf = ads_path_join(a.dir, ADS_PROJECT_FILE);
		bool here = ads_file_exists(pf);

		free(pf);
		if (!here)
			return ads_cli_usage_error(
			        cli,
			        "no adsctl.yaml in '.': give the project the plan "
			        "is for: adsctl apply %s DIR",
			        a.plan_file);
	}
	if (a.plan_file && ads_args_get(&cli->args, "target"))
		return ads_cli_usage_error(
		        cli,
		        "--target cannot narrow a saved plan: make it with "
		        "'adsctl plan --target ADDR -o FILE'");
	ads_vcs_provenance_init(&a.prov);
	ret = ads_cli_project_load(&a.p, cli, a.dir, true);
	if (ret)
		goto out;
	/* one apply per project at a time, then the remains of the last */
	rc = ads_journal_lock(&lock, a.dir, &err);
	if (rc) {
		ret = fail(cli, &err, rc);
		goto out;
	}
	ret = wait_for_killed_run(&a);
	if (ret)
		goto out;
	if (ads_vcs_provenance_of_dir(&a.prov, a.dir, &err)) {
		ads_report(&cli->reporter, ADS_REPORT_WARNING,
		           "cannot read git provenance: %s", err.msg);
		ads_error_release(&err);
	}
	ret = ads_cli_connect(&a.c, cli, a.dir, a.p.model->settings.api_version,
	                      a.p.model->settings.account);
	if (ret)
		goto out;
	/* Async sets a killed run left behind finish first, so that the
	 * live state read next is final. */
	rc = ads_apply_settle(&settled, a.c.graph, a.p.model->settings.account,
	                      a.p.model->settings.stack, NULL, &cli->reporter,
	                      &err);
	if (rc == ADS_EAPI && !a.killed) {
		/* Listing the sets is not always allowed (api-semantics
		 * §6.2); they matter only after a killed run. */
		ads_report(&cli->reporter, ADS_REPORT_WARNING,
		           "cannot list the account's async request sets (%s); "
		           "going on: the last apply here finished",
		           err.msg);
		ads_error_release(&err);
	} else if (rc) {
		ret = fail(cli, &err, rc);
		goto out;
	}
	ret = a.plan_file ? load_saved(&a) : make_plan(&a);
	if (ret)
		goto out;
	if (a.plan_file) {
		struct ads_buf b = ADS_BUF_INIT;

		ads_buf_addf(&b, "Applying %s: ", a.plan_file);
		ads_render_plan_summary(&b, a.plan);
		ads_report(&cli->reporter, ADS_REPORT_INFO, "%s", b.buf);
		ads_buf_release(&b);
	}
	/* An empty plan is journalled too: the live account matches this
	 * commit, which is what drift's baseline needs to know. */
	ret = execute(&a);
out:
	ads_plan_free(a.plan);
	ads_live_free(a.live);
	ads_cli_disconnect(&a.c, cli);
	ads_cli_project_release(&a.p);
	ads_vcs_provenance_release(&a.prov);
	ads_error_release(&err);
	if (lock >= 0)
		close(lock);
	return ret;
}

const struct ads_cmd ads_cmd_apply = {
	.name = "apply",
	.args = "[DIR | PLANFILE [DIR]]",
	.summary = "make the ad account match the manifests",
	.description =
	        "Plans as 'adsctl plan' does, shows the plan and, after you "
	        "confirm with 'yes' (or with --auto-approve), executes it "
	        "through Graph batch requests and async request sets. New "
	        "campaigns, ad sets and ads are created PAUSED and switched "
	        "to their declared status only once everything else "
	        "succeeded, so a half-applied plan never spends money. With "
	        "PLANFILE (saved by 'adsctl plan -o'), applies that plan to "
	        "the project in DIR (default: the current directory) and "
	        "refuses it when the manifests, the commit or a live object "
	        "it touches changed since it was made; it does not ask "
	        "again (the review of the saved plan is the confirmation). "
	        "Every step is "
	        "recorded in .adsctl/journal/. Exits 5 when some steps "
	        "failed (run apply again to finish: it re-plans from the "
	        "live account), 130 when interrupted.",
	.opts = apply_opts,
	.run = run_apply,
};
