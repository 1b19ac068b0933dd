/*
 * adsctl show PLANFILE: renders a saved plan (plan -o FILE) as text,
 * markdown or JSON, without the manifests or the network.
 */
#include "cli/commands.h"

#include <string.h>

#include "cli/connect.h"
#include "plan/plan.h"
#include "util/fs.h"
#include "util/json.h"

/* Saved plans are small; this bounds a hostile or mistaken input. */
#define PLAN_FILE_MAX (256u << 20)

static const struct ads_opt show_opts[] = {
	{ "format", 0, "FORMAT", "output format: text, markdown or json", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static int run_show(struct ads_cli *cli)
{
	const char *path = ads_args_pos(&cli->args, 0);
	const char *format = ads_args_get(&cli->args, "format");
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_plan *plan = NULL;
	struct ads_buf data = ADS_BUF_INIT;
	json_t *doc = NULL;
	int rc, ret;

	if (!path)
		return ads_cli_usage_error(cli, "show needs a plan file (from "
		                                "'adsctl plan -o FILE')");
	if (ads_args_pos(&cli->args, 1))
		return ads_cli_usage_error(cli,
		                           "show takes one plan file, not '%s' "
		                           "too",
		                           ads_args_pos(&cli->args, 1));
	if ((ret = ads_cli_check_format(cli, format)))
		return ret;
	rc = ads_read_file(&data, path, PLAN_FILE_MAX, &err);
	if (!rc) {
		rc = ads_json_parse(&doc, data.buf, data.len, NULL, &err);
		if (rc) /* what the file is not, then where parsing stopped */
			ads_error_prefix(
			        &err,
			        "%s is not a plan saved by 'adsctl plan "
			        "-o' (not JSON)",
			        path);
	}
	if (!rc && (rc = ads_plan_from_json(&plan, doc, &err)))
		ads_error_prefix(&err, "%s", path);
	if (rc) {
		ads_cli_print_error(cli, &err);
		ret = rc == ADS_EINVALID || rc == ADS_ENOTFOUND
		              ? ADS_EXIT_ERROR
		              : ads_cli_exit_code(rc);
		goto out;
	}
	if ((!format || !strcmp(format, "text")) && cli->verbosity >= 0) {
		/* which account and which revision the plan is of; json and
		 * markdown carry these themselves */
		struct ads_buf b = ADS_BUF_INIT;

		ads_buf_addf(&b, "Plan of stack '%s' on %s", plan->stack,
		             plan->account);
		if (plan->commit)
			ads_buf_addf(&b, ", made at commit %.7s%s%s%s",
			             plan->commit, plan->branch ? " (" : "",
			             plan->branch ? plan->branch : "",
			             plan->branch ? ")" : "");
		if (plan->dirty)
			ads_buf_addstr(&b, " with uncommitted changes");
		if (plan->created)
			ads_buf_addf(&b, " on %s", plan->created);
		ads_buf_addstr(&b, "\n\n");
		ads_cli_out(cli, &b);
		ads_buf_release(&b);
	}
	ads_cli_output_plan(cli, plan, format);
out:
	ads_plan_free(plan);
	json_decref(doc);
	ads_buf_release(&data);
	ads_error_release(&err);
	return ret;
}

const struct ads_cmd ads_cmd_show = {
	.name = "show",
	.args = "PLANFILE",
	.summary = "render a saved plan",
	.description =
	        "Prints a plan saved with 'adsctl plan -o FILE' as text (the "
	        "default), markdown for a pull-request comment, or JSON. "
	        "Neither the manifests nor the network are needed.",
	.opts = show_opts,
	.run = run_show,
};
