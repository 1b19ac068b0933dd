/*
 * adsctl validate [DIR]: load the project, check it against the schemas,
 * build the model (references, files, semantic rules, policies) and print
 * every diagnostic found. No network. Exit 3 when there is an error.
 */
#include "cli/commands.h"

#include "manifest/project.h"
#include "model/model.h"
#include "render/diag.h"
#include "schema/schema.h"
#include "util/diag.h"

static const struct ads_opt validate_opts[] = {
	{ "format", 0, "FORMAT", "output format: text or json", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* "1 campaign, 2 ad sets, ..." for the line printed when all is well. */
static void describe(struct ads_buf *out, const struct ads_model *m)
{
	static const char *const plural[ADS_KIND_COUNT] = {
		[ADS_KIND_IMAGE] = "images",
		[ADS_KIND_VIDEO] = "videos",
		[ADS_KIND_AUDIENCE] = "audiences",
		[ADS_KIND_CAMPAIGN] = "campaigns",
		[ADS_KIND_AD_SET] = "ad sets",
		[ADS_KIND_CREATIVE] = "creatives",
		[ADS_KIND_AD] = "ads",
	};
	static const enum ads_kind order[] = {
		ADS_KIND_CAMPAIGN, ADS_KIND_AD_SET,   ADS_KIND_AD,
		ADS_KIND_CREATIVE, ADS_KIND_AUDIENCE, ADS_KIND_IMAGE,
		ADS_KIND_VIDEO,
	};
	const char *sep = "";

	for (size_t i = 0; i < ADS_ARRAY_SIZE(order); i++) {
		size_t n = m->count[order[i]];
		const char *name = plural[order[i]];

		if (!n)
			continue;
		if (n == 1)
			ads_buf_addf(out, "%s1 %.*s", sep,
			             (int)strlen(name) - 1, name);
		else
			ads_buf_addf(out, "%s%zu %s", sep, n, name);
		sep = ", ";
	}
	if (!*sep)
		ads_buf_addstr(out, "no resources");
}

static int run_validate(struct ads_cli *cli)
{
	const char *dir = ads_args_pos(&cli->args, 0);
	const char *format = ads_args_get(&cli->args, "format");
	struct ads_source src;
	struct ads_project *project = NULL;
	struct ads_schema_set *schemas = NULL;
	struct ads_model *model = NULL;
	struct ads_diags diags = ADS_DIAGS_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf out = ADS_BUF_INIT;
	bool json;
	int rc, ret;

	if (!dir)
		dir = ".";
	if (ads_args_pos(&cli->args, 1))
		return ads_cli_usage_error(cli,
		                           "validate takes one directory, "
		                           "not '%s' too",
		                           ads_args_pos(&cli->args, 1));
	if (format && strcmp(format, "text") && strcmp(format, "json"))
		return ads_cli_usage_error(cli,
		                           "unknown format '%s' (use text or "
		                           "json)",
		                           format);
	json = format && !strcmp(format, "json");

	ads_source_fs(&src, dir);
	rc = ads_project_load(&project, dir, &src, &diags, &err);
	if (rc < 0 && rc != ADS_EINVALID)
		goto fail;
	if (!rc) {
		rc = ads_schema_set_builtin(&schemas, &err);
		if (rc < 0)
			goto fail;
		rc = ads_model_build(&model, project, schemas, &diags, &err);
		if (rc < 0 && rc != ADS_EINVALID)
			goto fail;
	}
	ads_diags_sort(&diags);
	if (json) {
		ads_render_diags_json(&out, &diags);
	} else {
		ads_render_diags_text(&out, &diags, &cli->out_style);
		if (model && cli->verbosity >= 0) {
			if (ads_args_pos(&cli->args, 0))
				ads_buf_addf(&out, "%s: ", dir);
			ads_buf_addstr(&out, "valid (");
			describe(&out, model);
			ads_buf_addstr(&out, ")\n");
		}
	}
	ads_cli_out(cli, &out);
	ret = diags.nerrors ? ADS_EXIT_INVALID : ADS_EXIT_OK;
	goto out;
fail:
	ads_cli_print_error(cli, &err);
	ret = ads_cli_exit_code(rc);
out:
	ads_buf_release(&out);
	ads_error_release(&err);
	ads_diags_release(&diags);
	ads_model_free(model);
	ads_schema_set_free(schemas);
	ads_project_free(project);
	return ret;
}

const struct ads_cmd ads_cmd_validate = {
	.name = "validate",
	.args = "[DIR]",
	.summary = "check the manifests of a project, without network",
	.description =
	        "Loads adsctl.yaml in DIR (default: the current directory) "
	        "and every file it includes, checks them against adsctl's "
	        "schemas, resolves references and local files, and applies "
	        "the semantic rules of the Marketing API and the project's "
	        "policies. Every problem is reported as "
	        "file:line:col: error: message. Exits 3 when any error is "
	        "found, 0 otherwise (warnings do not fail).",
	.opts = validate_opts,
	.run = run_validate,
};
