/*
 * adsctl diff REV1 REV2 [DIR]: what changes in intent between two git
 * revisions of a project, offline (DESIGN.md §3, §8): the manifests are
 * read from git through vcs/, never checked out, and no API is called.
 */
#include "cli/commands.h"

#include "cli/connect.h"
#include "plan/plan.h"
#include "render/diag.h"
#include "vcs/source.h"
#include "vcs/vcs.h"

static const struct ads_opt diff_opts[] = {
	{ "format", 0, "FORMAT", "output format: text, markdown or json", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

struct revision {
	struct ads_vcs_source *src;
	struct ads_project *project;
	struct ads_model *model;
	struct ads_diags diags;
};

static void revision_release(struct revision *r)
{
	ads_model_free(r->model);
	ads_project_free(r->project);
	ads_vcs_source_free(r->src);
	ads_diags_release(&r->diags);
}

/* Loads the project at spec; returns an exit code (errors printed). */
static int load_revision(struct revision *r, struct ads_cli *cli,
                         struct ads_vcs *vcs, struct ads_schema_set *schemas,
                         const char *dir, const char *spec)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf out = ADS_BUF_INIT;
	int rc;

	ads_diags_init(&r->diags);
	rc = ads_vcs_source_open(&r->src, vcs, spec, &err);
	if (!rc)
		rc = ads_project_load(&r->project, dir,
		                      ads_vcs_source_get(r->src), &r->diags,
		                      &err);
	if (!rc)
		rc = ads_model_build(&r->model, r->project, schemas, &r->diags,
		                     &err);
	if (rc == ADS_EINVALID && !ads_error_is_set(&err)) {
		ads_diags_sort(&r->diags);
		ads_render_diags_text(&out, &r->diags, &cli->err_style);
		ads_buf_addf(&out,
		             "adsctl: the manifests at '%s' are invalid\n",
		             spec);
		ads_cli_err(cli, &out);
		ads_buf_release(&out);
		return ADS_EXIT_INVALID;
	}
	if (rc) {
		ads_error_prefix(&err, "%s", spec);
		ads_cli_print_error(cli, &err);
		ads_error_release(&err);
		return rc == ADS_EINVALID    ? ADS_EXIT_INVALID
		       : rc == ADS_ENOTFOUND ? ADS_EXIT_USAGE
		                             : ads_cli_exit_code(rc);
	}
	return ADS_EXIT_OK;
}

static int run_diff(struct ads_cli *cli)
{
	const char *rev1 = ads_args_pos(&cli->args, 0);
	const char *rev2 = ads_args_pos(&cli->args, 1);
	const char *dir = ads_args_pos(&cli->args, 2);
	const char *format = ads_args_get(&cli->args, "format");
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_vcs *vcs = NULL;
	struct ads_schema_set *schemas = NULL;
	struct revision a = { 0 }, b = { 0 };
	struct ads_plan *plan = NULL;
	int ret, rc;

	if (!rev1 || !rev2)
		return ads_cli_usage_error(cli, "diff needs two revisions: "
		                                "adsctl diff REV1 REV2 [DIR]");
	if (ads_args_pos(&cli->args, 3))
		return ads_cli_usage_error(cli,
		                           "diff takes two revisions and one "
		                           "directory, not '%s' too",
		                           ads_args_pos(&cli->args, 3));
	if ((ret = ads_cli_check_format(cli, format)))
		return ret;
	if (!dir)
		dir = ".";
	rc = ads_vcs_open(&vcs, dir, &err);
	if (!rc)
		rc = ads_schema_set_builtin(&schemas, &err);
	if (rc) {
		ads_cli_print_error(cli, &err);
		ret = rc == ADS_ENOTFOUND ? ADS_EXIT_USAGE
		                          : ads_cli_exit_code(rc);
		goto out;
	}
	if ((ret = load_revision(&a, cli, vcs, schemas, dir, rev1)) ||
	    (ret = load_revision(&b, cli, vcs, schemas, dir, rev2)))
		goto out;
	rc = ads_plan_intent(&plan, a.model, b.model, &err);
	if (rc) {
		ads_cli_print_error(cli, &err);
		ret = ads_cli_exit_code(rc);
		goto out;
	}
	ads_cli_output_plan(cli, plan, format);
out:
	ads_plan_free(plan);
	revision_release(&a);
	revision_release(&b);
	ads_schema_set_free(schemas);
	ads_vcs_free(vcs);
	ads_error_release(&err);
	return ret;
}

const struct ads_cmd ads_cmd_diff = {
	.name = "diff",
	.args = "REV1 REV2 [DIR]",
	.summary = "what changes in intent between two git revisions, offline",
	.description =
	        "Reads the project in DIR (default: the current directory) "
	        "at two git revisions (any 'git rev-parse' spec: HEAD~1, "
	        "main, a tag, a commit) without checking them out, and "
	        "prints what the second changes compared with the first: new "
	        "resources, removed ones (pruned per the second revision's "
	        "`prune`), and field-level changes, with their impact. No "
	        "API is called.",
	.opts = diff_opts,
	.run = run_diff,
};
