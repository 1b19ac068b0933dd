/*
 * adsctl import [DIR] --account act_X [--select KIND=ID,ID ...]: writes
 * manifests for existing objects of an ad account, checks that they are
 * valid manifests, labels the objects as the stack's own and plans, which
 * should show no changes (DESIGN.md §3, §4). apply/import.c reads and
 * labels; render/manifest.c writes the YAML.
 */
#include "cli/commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/import.h"
#include "cli/connect.h"
#include "render/manifest.h"
#include "util/fs.h"
#include "util/strutil.h"

static const struct ads_opt import_opts[] = {
	{ "account", 0, "ACCOUNT", "the ad account to import from (act_123)",
	  0 },
	{ "stack", 0, "NAME",
	  "the stack the objects join (default: adsctl.yaml's, else the "
	  "directory's name)",
	  0 },
	{ "select", 0, "KIND=ID,...",
	  "import only these campaigns (with their ad sets and ads), "
	  "audiences or creatives",
	  ADS_OPT_REPEAT },
	{ "force", 0, NULL, "overwrite manifest files that exist", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* "Spring Shop" -> "spring-shop": a stack name from a directory. */
static char *stack_from(const char *dir)
{
	char *abs = realpath(dir, NULL);
	const char *base = abs ? strrchr(abs, '/') : NULL;
	struct ads_buf b = ADS_BUF_INIT;

	for (const char *p = base ? base + 1 : dir; *p; p++) {
		if (isalnum((unsigned char)*p) && (unsigned char)*p < 0x80)
			ads_buf_addch(&b, (char)tolower((unsigned char)*p));
		else if (b.len && b.buf[b.len - 1] != '-')
			ads_buf_addch(&b, '-');
	}
	while (b.len && b.buf[b.len - 1] == '-')
		ads_buf_setlen(&b, b.len - 1);
	if (!b.len)
		ads_buf_addstr(&b, "imported");
	free(abs);
	return ads_buf_detach(&b, NULL);
}

static int parse_select(struct ads_cli *cli, struct ads_import_select *sel)
{
	const struct ads_strvec *all = ads_args_all(&cli->args, "select");

	for (size_t i = 0; all && i < all->nr; i++) {
		const char *eq = strchr(all->v[i], '=');
		struct ads_strvec *to = NULL;
		struct ads_strvec ids = ADS_STRVEC_INIT;

		if (eq && !strncmp(all->v[i], "campaigns=", 10))
			to = &sel->campaigns;
		else if (eq && !strncmp(all->v[i], "audiences=", 10))
			to = &sel->audiences;
		else if (eq && !strncmp(all->v[i], "creatives=", 10))
			to = &sel->creatives;
		if (!to)
			return ads_cli_usage_error(
			        cli,
			        "--select takes campaigns=ID,..., audiences=ID,... "
			        "or creatives=ID,..., not '%s'",
			        all->v[i]);
		ads_strvec_split(&ids, eq + 1, ',');
		for (size_t k = 0; k < ids.nr; k++) {
			const char *id = ids.v[k];

			if (!*id || strspn(id, "0123456789") != strlen(id)) {
				ads_strvec_release(&ids);
				return ads_cli_usage_error(
				        cli, "--select: '%s' is not an id", id);
			}
			if (!ads_strvec_contains(to, id))
				ads_strvec_push(to, id);
		}
		ads_strvec_release(&ids);
	}
	return ADS_EXIT_OK;
}

/* The manifest text of one file. */
static void render_file(struct ads_buf *out, const json_t *root,
                        const char *account)
{
	char *hdr =
	        xasprintf("Imported from %s by adsctl import. Review, then "
	                  "commit:\n'adsctl plan' shows no changes for what "
	                  "is declared here.",
	                  account);
	ads_render_manifest(out, root, hdr);
	free(hdr);
}

struct written {
	struct ads_strvec paths; /* what import created, to undo */
};

static int write_all(struct ads_cli *cli, const char *dir,
                     const struct ads_import *imp, json_t *settings,
                     struct written *w)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf text = ADS_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i <= imp->nfiles && !rc; i++) {
		const char *rel =
		        i < imp->nfiles ? imp->files[i].path : ADS_PROJECT_FILE;
		const json_t *root =
		        i < imp->nfiles ? imp->files[i].root : settings;
		char *path, *parent;

		if (!root)
			continue;
		path = ads_path_join(dir, rel);
		parent = ads_path_dirname(path);
		ads_buf_reset(&text);
		render_file(&text, root, imp->account);
		rc = ads_mkdir_p(parent, &err);
		if (!rc)
			rc = ads_write_file_atomic(path, text.buf, text.len,
			                           0644, &err);
		if (!rc)
			ads_strvec_push(&w->paths, path);
		free(parent);
		free(path);
	}
	if (rc)
		ads_cli_print_error(cli, &err);
	ads_error_release(&err);
	ads_buf_release(&text);
	return rc ? ADS_EXIT_ERROR : ADS_EXIT_OK;
}

static void undo(struct written *w)
{
	for (size_t i = 0; i < w->paths.nr; i++)
		unlink(w->paths.v[i]);
}

static void print_notes(struct ads_cli *cli, const struct ads_import *imp)
{
	for (size_t i = 0; i < imp->notes.nr && i < 50; i++)
		ads_report(&cli->reporter, ADS_REPORT_INFO, "note: %s",
		           imp->notes.v[i]);
	if (imp->notes.nr > 50)
		ads_report(&cli->reporter, ADS_REPORT_INFO,
		           "note: ... and %zu more left out",
		           imp->notes.nr - 50);
}

static int run_import(struct ads_cli *cli)
{
	const char *dir = ads_args_pos(&cli->args, 0);
	const char *account = ads_args_get(&cli->args, "account");
	const char *stack_opt = ads_args_get(&cli->args, "stack");
	bool force = ads_args_has(&cli->args, "force");
	struct ads_import_select sel = { ADS_STRVEC_INIT, ADS_STRVEC_INIT,
		                         ADS_STRVEC_INIT };
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_cli_conn c = { 0 };
	struct ads_cli_project p = { 0 };
	struct ads_import *imp = NULL;
	struct ads_plan *plan = NULL;
	struct written w = { ADS_STRVEC_INIT };
	json_t *settings = NULL;
	char *stack = NULL, *project_file = NULL, *api_version = NULL;
	char *project_account = NULL; /* the project's, outlives p */
	size_t labelled = 0;
	bool have_project;
	int rc, ret;

	if (!dir)
		dir = ".";
	if (ads_args_pos(&cli->args, 1))
		return ads_cli_usage_error(cli, "import takes one directory");
	if ((ret = parse_select(cli, &sel)))
		goto out;
	project_file = ads_path_join(dir, ADS_PROJECT_FILE);
	have_project = ads_file_exists(project_file);
	if (have_project) {
		/* importing into a project: its settings rule */
		ret = ads_cli_project_load(&p, cli, dir, false);
		if (ret)
			goto out;
		if (*p.model->settings.account && account &&
		    strcmp(account, p.model->settings.account)) {
			ret = ads_cli_usage_error(
			        cli, "%s is for %s, not %s", project_file,
			        p.model->settings.account, account);
			goto out;
		}
		if (!account)
			account = project_account =
			        xstrdup(p.model->settings.account);
		if (*p.model->settings.stack)
			stack = xstrdup(p.model->settings.stack);
		api_version = xstrdup(p.model->settings.api_version);
		ads_cli_project_release(&p);
	}
	if (!account || !*account) {
		ret = ads_cli_usage_error(cli, "import needs --account act_ID "
		                               "(the account to import from)");
		goto out;
	}
	if (!ads_starts_with(account, "act_") ||
	    strspn(account + 4, "0123456789") != strlen(account + 4) ||
	    !account[4]) {
		ret = ads_cli_usage_error(
		        cli,
		        "--account: '%s' is not an ad "
		        "account id (act_ followed by digits)",
		        account);
		goto out;
	}
	if (stack_opt && stack && strcmp(stack_opt, stack)) {
		ret = ads_cli_usage_error(cli, "%s is stack '%s', not '%s'",
		                          project_file, stack, stack_opt);
		goto out;
	}
	if (!stack)
		stack = stack_opt ? xstrdup(stack_opt) : stack_from(dir);
	if (strspn(stack, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	            strlen(stack) ||
	    !*stack) {
		ret = ads_cli_usage_error(
		        cli,
		        "--stack: '%s' may only hold lowercase "
		        "letters, digits and '-'",
		        stack);
		goto out;
	}
	ret = ads_cli_connect(
	        &c, cli, dir,
	        api_version ? api_version : ADS_DEFAULT_API_VERSION, account);
	if (ret)
		goto out;
	rc = ads_import_read(&imp, c.graph, account, stack, &sel,
	                     &cli->reporter, &err);
	if (rc) {
		ads_cli_print_error(cli, &err);
		ret = rc == ADS_ENOTFOUND || rc == ADS_EINVALID
		              ? ADS_EXIT_ERROR
		              : ads_cli_exit_code(rc);
		goto out;
	}
	print_notes(cli, imp);
	/* never overwrite a manifest unless told to */
	for (size_t i = 0; i < imp->nfiles && !force; i++) {
		char *path = ads_path_join(dir, imp->files[i].path);
		bool exists = ads_file_exists(path);

		if (exists)
			ads_error_set(
			        &err, ADS_ECONFLICT,
			        "refusing to overwrite '%s' (use --force, "
			        "or import into another directory)",
			        path);
		free(path);
		if (exists) {
			ads_cli_print_error(cli, &err);
			ret = ADS_EXIT_ERROR;
			goto out;
		}
	}
	if (!have_project)
		settings = ads_import_settings(imp, api_version);
	ret = write_all(cli, dir, imp, settings, &w);
	if (ret) {
		undo(&w);
		goto out;
	}
	/* the manifests must be valid before anything is labelled */
	ret = ads_cli_project_load(&p, cli, dir, true);
	if (ret) {
		ads_report(&cli->reporter, ADS_REPORT_WARNING,
		           "the manifests import wrote are not valid (above): "
		           "removed them, nothing was labelled");
		undo(&w);
		goto out;
	}
	rc = ads_import_label(&labelled, c.graph, imp, p.model, &err);
	if (rc) {
		ads_cli_print_error(cli, &err);
		ret = ads_cli_exit_code(rc);
		goto out;
	}
	{
		struct ads_buf b = ADS_BUF_INIT;
		size_t n[ADS_KIND_COUNT] = { 0 };

		for (size_t i = 0; i < imp->nobjs; i++)
			n[imp->objs[i].kind]++;
		static const struct {
			enum ads_kind kind;
			const char *one, *many, *sep;
		} words[] = {
			{ ADS_KIND_CAMPAIGN, "campaign", "campaigns", "" },
			{ ADS_KIND_AD_SET, "ad set", "ad sets", ", " },
			{ ADS_KIND_AD, "ad", "ads", ", " },
			{ ADS_KIND_CREATIVE, "creative", "creatives", ", " },
			{ ADS_KIND_AUDIENCE, "audience", "audiences", " and " },
		};

		ads_buf_addstr(&b, "Imported ");
		for (size_t k = 0; k < ADS_ARRAY_SIZE(words); k++) {
			size_t cnt = n[words[k].kind];

			ads_buf_addf(&b, "%s%zu %s", words[k].sep, cnt,
			             cnt == 1 ? words[k].one : words[k].many);
		}
		ads_buf_addf(&b,
		             " of %s into %s (stack '%s', %zu file%s); %zu "
		             "object%s labelled.\n",
		             account, dir, stack, w.paths.nr,
		             w.paths.nr == 1 ? "" : "s", labelled,
		             labelled == 1 ? "" : "s");
		ads_cli_out(cli, &b);
		ads_buf_release(&b);
	}
	/* the proof: planning shows nothing to do */
	ret = ads_cli_make_plan(&plan, cli, &p, &c, NULL);
	if (ret)
		goto out;
	ads_cli_output_plan(cli, plan, NULL);
	if (!ads_plan_empty(plan)) {
		ads_report(&cli->reporter, ADS_REPORT_WARNING,
		           "the imported manifests do not describe every "
		           "field as the account has it (the plan above); "
		           "adjust them before applying");
		ret = ADS_EXIT_CHANGES;
	}
out:
	ads_plan_free(plan);
	ads_import_free(imp);
	json_decref(settings);
	ads_cli_disconnect(&c, cli);
	ads_cli_project_release(&p);
	ads_strvec_release(&sel.campaigns);
	ads_strvec_release(&sel.audiences);
	ads_strvec_release(&sel.creatives);
	ads_strvec_release(&w.paths);
	ads_error_release(&err);
	free(stack);
	free(project_file);
	free(api_version);
	free(project_account);
	return ret;
}

const struct ads_cmd ads_cmd_import = {
	.name = "import",
	.args = "[DIR]",
	.summary = "write manifests for existing objects and adopt them",
	.description =
	        "Reads the campaigns (with their ad sets and ads), the "
	        "creatives they use and the custom audiences of --account, "
	        "or only those --select names, writes them as manifests in "
	        "DIR (default: the current directory; adsctl.yaml too when "
	        "there is none), with only the fields that differ from "
	        "Meta's defaults and stable keys made from the objects' "
	        "names. Once the manifests validate, it attaches the "
	        "stack's ad labels (custom audiences: the description "
	        "marker) and plans, which shows no changes. Images stay "
	        "image_hash strings; customer lists have no members "
	        "(Meta cannot read them back). Existing files are not "
	        "overwritten without --force. Objects labelled for any "
	        "stack, and archived ones, are left out. Exits 2 when the "
	        "plan afterwards is not empty.",
	.opts = import_opts,
	.run = run_import,
};
