/*
 * adsctl plan [DIR]: reads the manifests and the live account, and prints
 * the ordered plan that would make the account match (DESIGN.md §3, §6).
 * Nothing is changed; `-o FILE` saves the plan for `adsctl apply FILE`.
 */
#include "cli/commands.h"

#include <time.h>

#include "cli/connect.h"
#include "plan/plan.h"
#include "util/fs.h"
#include "util/json.h"
#include "vcs/vcs.h"

static const struct ads_opt plan_opts[] = {
	{ "out", 'o', "FILE", "save the plan (JSON) for 'adsctl apply FILE'",
	  0 },
	{ "format", 0, "FORMAT", "output format: text, markdown or json", 0 },
	{ "detailed-exitcode", 0, NULL,
	  "exit 0 when nothing changes, 2 when something does (errors "
	  "keep their own codes)",
	  0 },
	{ "target", 0, "ADDR",
	  "plan only this resource, what is below it and what it needs", 0 },
	{ "rev", 0, "REV",
	  "plan the manifests as git revision REV holds them (no checkout)",
	  0 },
	{ "validate-remote", 0, NULL,
	  "have the API validate every create and update (validate_only)", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* Stamps the plan with the project's digest, commit and the time. */
static void provenance(struct ads_plan *plan, struct ads_cli *cli,
                       const struct ads_cli_project *p)
{
	struct ads_vcs_provenance prov;
	struct ads_error err = ADS_ERROR_INIT;

	if (*p->rev) {
		/* plan --rev: that commit, as it is in git */
		ads_plan_set_provenance(plan, p->model, p->rev, NULL, false,
		                        (int64_t)time(NULL));
		return;
	}
	ads_vcs_provenance_init(&prov);
	if (ads_vcs_provenance_of_dir(&prov, p->dir, &err)) {
		ads_report(&cli->reporter, ADS_REPORT_WARNING,
		           "cannot read git provenance: %s", err.msg);
		ads_error_release(&err);
	}
	ads_plan_set_provenance(plan, p->model,
	                        prov.in_repo && prov.has_commit ? prov.commit
	                                                        : NULL,
	                        prov.branch, prov.dirty, (int64_t)time(NULL));
	ads_vcs_provenance_release(&prov);
}

static int save_plan(struct ads_cli *cli, const struct ads_plan *plan,
                     const char *path)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf b = ADS_BUF_INIT;
	json_t *doc = ads_plan_to_json(plan);
	int rc;

	ads_json_dump_pretty(&b, doc);
	json_decref(doc);
	rc = ads_write_file_atomic(path, b.buf, b.len, 0644, &err);
	if (rc) {
		ads_cli_print_error(cli, &err);
		rc = ADS_EXIT_ERROR;
	} else {
		ads_report(
		        &cli->reporter, ADS_REPORT_INFO,
		        "saved the plan to %s (apply it with 'adsctl%s apply "
		        "%s')",
		        path,
		        ads_args_has(&cli->args, "emulator") ? " --emulator"
		                                             : "",
		        path);
	}
	ads_buf_release(&b);
	ads_error_release(&err);
	return rc;
}

static int run_plan(struct ads_cli *cli)
{
	const char *dir = ads_args_pos(&cli->args, 0);
	const char *format = ads_args_get(&cli->args, "format");
	const char *out = ads_args_get(&cli->args, "out");
	struct ads_cli_plan_options opt = {
		.target = ads_args_get(&cli->args, "target"),
		.validate_remote = ads_args_has(&cli->args, "validate-remote"),
	};
	const char *rev = ads_args_get(&cli->args, "rev");
	struct ads_cli_project p;
	struct ads_cli_conn c = { 0 };
	struct ads_plan *plan = NULL;
	int ret;

	if (!dir)
		dir = ".";
	if (ads_args_pos(&cli->args, 1))
		return ads_cli_usage_error(cli,
		                           "plan takes one directory, not '%s' "
		                           "too",
		                           ads_args_pos(&cli->args, 1));
	if ((ret = ads_cli_check_format(cli, format)))
		return ret;
	ret = rev ? ads_cli_project_load_rev(&p, cli, dir, rev, true)
	          : ads_cli_project_load(&p, cli, dir, true);
	if (ret)
		goto out;
	ret = ads_cli_connect(&c, cli, dir, p.model->settings.api_version,
	                      p.model->settings.account);
	if (ret)
		goto out;
	ret = ads_cli_make_plan(&plan, cli, &p, &c, &opt);
	if (ret)
		goto out;
	provenance(plan, cli, &p);
	if (out && (ret = save_plan(cli, plan, out)))
		goto out;
	ads_cli_output_plan(cli, plan, format);
	if (plan->nrejections)
		ret = ADS_EXIT_ERROR;
	else if (ads_args_has(&cli->args, "detailed-exitcode") &&
	         !ads_plan_empty(plan))
		ret = ADS_EXIT_CHANGES;
out:
	ads_plan_free(plan);
	ads_cli_disconnect(&c, cli);
	ads_cli_project_release(&p);
	return ret;
}

const struct ads_cmd ads_cmd_plan = {
	.name = "plan",
	.args = "[DIR]",
	.summary = "show what would change in the ad account, and why",
	.description =
	        "Loads the manifests in DIR (default: the current directory), "
	        "reads the live objects of the account through the Graph API "
	        "and prints the ordered steps that would make the account "
	        "match: creates, updates, replaces, deletes or archives, and "
	        "activations, each with its field changes and impact "
	        "(learning-phase reset, daily spend, irreversible). Nothing "
	        "changes. --format markdown is made for pull-request comments; "
	        "--format json (and -o FILE) is the versioned document that "
	        "'adsctl apply FILE' executes. With --detailed-exitcode, exit "
	        "2 means there are changes.",
	.opts = plan_opts,
	.run = run_plan,
};
