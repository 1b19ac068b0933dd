/*
 * adsctl drift [DIR]: plan for cron (DESIGN.md §3). Exit 2 when the live
 * account differs from the manifests, with a concise report that tells
 * "changed in Ads Manager" from "changed in git" by planning the baseline
 * revision against the same live state (docs/internals/plan.md "Drift
 * baseline"): --baseline REV, else the commit of the last successful
 * apply in .adsctl/journal/, else HEAD.
 */
#include "cli/commands.h"

#include <stdlib.h>

#include "apply/journal.h"
#include "cli/connect.h"
#include "live/live.h"
#include "render/drift.h"
#include "render/plan_json.h"
#include "vcs/source.h"
#include "vcs/vcs.h"

static const struct ads_opt drift_opts[] = {
	{ "format", 0, "FORMAT", "output format: text, markdown or json", 0 },
	{ "baseline", 0, "REV",
	  "the revision that counts as applied (default: the last apply, "
	  "else HEAD)",
	  0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* The baseline revision's manifests. */
struct baseline {
	struct ads_vcs *vcs;
	struct ads_vcs_source *src;
	struct ads_project *project;
	struct ads_schema_set *schemas;
	struct ads_model *model;
	char *describe;
};

static void baseline_release(struct baseline *b)
{
	ads_model_free(b->model);
	ads_schema_set_free(b->schemas);
	ads_project_free(b->project);
	ads_vcs_source_free(b->src);
	ads_vcs_free(b->vcs);
	free(b->describe);
	memset(b, 0, sizeof(*b));
}

/*
 * Loads the baseline. Returns an exit code for --baseline errors; other
 * problems (no git, a revision without the project) leave b->model NULL
 * with a warning: the report then cannot tell the origins apart.
 */
static int load_baseline(struct baseline *b, struct ads_cli *cli,
                         const char *dir)
{
	const char *spec = ads_args_get(&cli->args, "baseline");
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_diags diags = ADS_DIAGS_INIT;
	char commit[ADS_VCS_HEXSZ + 1], journal[ADS_VCS_HEXSZ + 1];
	const char *why;
	int rc;

	memset(b, 0, sizeof(*b));
	rc = ads_vcs_open(&b->vcs, dir, &err);
	if (rc) {
		if (spec) {
			ads_cli_print_error(cli, &err);
			ads_error_release(&err);
			return ADS_EXIT_USAGE;
		}
		ads_report(&cli->reporter, ADS_REPORT_INFO,
		           "%s: no baseline to tell Ads Manager changes from "
		           "git changes",
		           err.msg);
		ads_error_release(&err);
		return ADS_EXIT_OK;
	}
	if (spec) {
		why = "--baseline";
	} else if (!(rc = ads_journal_last_success(journal, dir, &err))) {
		spec = journal;
		why = "the last apply";
	} else {
		/* no journal records a successful apply: the project is
		 * compared with HEAD; say so when the journal is there but
		 * unreadable, since the origins may then be told wrongly */
		if (rc != ADS_ENOTFOUND)
			ads_report(&cli->reporter, ADS_REPORT_WARNING,
			           "%s; the baseline is HEAD instead of the "
			           "last apply",
			           err.msg);
		ads_error_release(&err);
		spec = "HEAD";
		why = "HEAD";
	}
	rc = ads_vcs_resolve(commit, b->vcs, spec, &err);
	if (!rc)
		rc = ads_vcs_source_open(&b->src, b->vcs, commit, &err);
	if (!rc)
		rc = ads_project_load(&b->project, dir,
		                      ads_vcs_source_get(b->src), &diags, &err);
	if (!rc)
		rc = ads_schema_set_builtin(&b->schemas, &err);
	if (!rc)
		rc = ads_model_build(&b->model, b->project, b->schemas, &diags,
		                     &err);
	if (rc && ads_args_get(&cli->args, "baseline") && !b->src) {
		ads_cli_print_error(cli, &err);
		rc = ADS_EXIT_USAGE;
	} else if (rc) {
		ads_report(
		        &cli->reporter, ADS_REPORT_WARNING,
		        "the baseline %s (%s) cannot be read: %s; the report "
		        "cannot tell Ads Manager changes from git changes",
		        spec, why,
		        err.msg ? err.msg : "its manifests are invalid");
		ads_model_free(b->model);
		b->model = NULL;
		rc = ADS_EXIT_OK;
	} else {
		b->describe = xasprintf("commit %.7s (%s)", commit, why);
	}
	ads_diags_release(&diags);
	ads_error_release(&err);
	return rc;
}

static int run_drift(struct ads_cli *cli)
{
	const char *dir = ads_args_pos(&cli->args, 0);
	const char *format = ads_args_get(&cli->args, "format");
	struct ads_cli_project p;
	struct ads_cli_conn c = { 0 };
	struct baseline base = { 0 };
	struct ads_live *live = NULL;
	struct ads_plan *plan = NULL, *bplan = NULL;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf out = ADS_BUF_INIT;
	int ret, rc;

	if (!dir)
		dir = ".";
	if (ads_args_pos(&cli->args, 1))
		return ads_cli_usage_error(
		        cli,
		        "drift takes one directory, not '%s' "
		        "too",
		        ads_args_pos(&cli->args, 1));
	if ((ret = ads_cli_check_format(cli, format)))
		return ret;
	ret = ads_cli_project_load(&p, cli, dir, true);
	if (ret)
		goto out;
	ret = load_baseline(&base, cli, dir);
	if (ret)
		goto out;
	ret = ads_cli_connect(&c, cli, dir, p.model->settings.api_version,
	                      p.model->settings.account);
	if (!ret)
		ret = ads_cli_fetch_live(&live, cli, &p, &c, base.model);
	if (ret)
		goto out;
	rc = ads_plan_build(&plan, p.model, live, NULL, &err);
	if (rc) {
		ads_cli_print_error(cli, &err);
		ret = ads_cli_exit_code(rc);
		goto out;
	}
	if (base.model) {
		ads_live_map(live, base.model);
		if (ads_plan_build(&bplan, base.model, live, NULL, &err)) {
			ads_report(&cli->reporter, ADS_REPORT_WARNING,
			           "cannot plan the baseline: %s", err.msg);
			ads_error_release(&err);
		} else {
			ads_plan_classify(plan, bplan);
			plan->drift_baseline = xstrdup(base.describe);
		}
	}
	if (format && !strcmp(format, "json"))
		ads_render_plan_json(&out, plan);
	else if (format && !strcmp(format, "markdown"))
		ads_render_drift_markdown(&out, plan);
	else
		ads_render_drift_text(&out, plan, &cli->out_style);
	ads_cli_out(cli, &out);
	ret = ads_plan_empty(plan) ? ADS_EXIT_OK : ADS_EXIT_CHANGES;
out:
	ads_buf_release(&out);
	ads_error_release(&err);
	ads_plan_free(plan);
	ads_plan_free(bplan);
	ads_live_free(live);
	ads_cli_disconnect(&c, cli);
	baseline_release(&base);
	ads_cli_project_release(&p);
	return ret;
}

const struct ads_cmd ads_cmd_drift = {
	.name = "drift",
	.args = "[DIR]",
	.summary = "report what changed outside git; exit 2 on drift (cron)",
	.description =
	        "Plans the manifests in DIR against the live account, like "
	        "'adsctl plan', and reports the differences in two parts: "
	        "changed in Ads Manager (the live account moved away from "
	        "what git said at the baseline) and changed in git (the "
	        "manifests moved on since the baseline). The baseline is "
	        "--baseline REV, else the commit of the last successful "
	        "apply recorded in .adsctl/journal/, else HEAD. Exits 0 when "
	        "nothing differs, 2 when something does, and another code on "
	        "errors (3 invalid manifests, 4 API or authentication, 1 "
	        "other): made for cron.",
	.opts = drift_opts,
	.run = run_drift,
};
