/*
 * Projects and connections for the networked commands (connect.h): the
 * one place that turns options and the environment into a Graph client.
 */
#include "cli/connect.h"

#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "graph/secret.h"
#include "graph/url.h"
#include "live/live.h"
#include "plan/remote.h"
#include "render/diag.h"
#include "render/plan_json.h"
#include "render/plan_markdown.h"
#include "render/plan_text.h"
#include "util/fs.h"
#include "util/strutil.h"
#include "util/xalloc.h"
#include "vcs/source.h"
#include "vcs/vcs.h"

/* The token used with --emulator when ADSCTL_ACCESS_TOKEN is unset. It is
 * not a secret: the emulator is a local test double. */
#define EMULATOR_TOKEN "emulator"

/* Loads the project of p->dir through p->src. */
static int load_project(struct ads_cli_project *p, struct ads_cli *cli,
                        bool need_account)
{
	const char *dir = p->dir;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf out = ADS_BUF_INIT;
	int rc, ret = ADS_EXIT_OK;

	rc = ads_project_load(&p->project, dir, &p->src, &p->diags, &err);
	if (rc < 0 && rc != ADS_EINVALID)
		goto fail;
	if (!rc) {
		rc = ads_schema_set_builtin(&p->schemas, &err);
		if (rc < 0)
			goto fail;
		rc = ads_model_build(&p->model, p->project, p->schemas,
		                     &p->diags, &err);
		if (rc < 0 && rc != ADS_EINVALID)
			goto fail;
	}
	ads_diags_sort(&p->diags);
	if (p->diags.nr) {
		ads_render_diags_text(&out, &p->diags, &cli->err_style);
		ads_cli_err(cli, &out);
	}
	if (p->diags.nerrors || !p->model) {
		ret = ADS_EXIT_INVALID;
		goto out;
	}
	if (need_account &&
	    (!*p->model->settings.stack || !*p->model->settings.account)) {
		ads_error_set(&err, ADS_EINVALID,
		              "%s/%s must declare `stack` and `account` for "
		              "adsctl to read the live account",
		              dir, ADS_PROJECT_FILE);
		ads_cli_print_error(cli, &err);
		ret = ADS_EXIT_INVALID;
	}
	goto out;
fail:
	ads_cli_print_error(cli, &err);
	ret = ads_cli_exit_code(rc);
out:
	ads_buf_release(&out);
	ads_error_release(&err);
	return ret;
}

int ads_cli_project_load(struct ads_cli_project *p, struct ads_cli *cli,
                         const char *dir, bool need_account)
{
	memset(p, 0, sizeof(*p));
	p->dir = dir;
	ads_diags_init(&p->diags);
	ads_source_fs(&p->src, dir);
	return load_project(p, cli, need_account);
}

int ads_cli_project_load_rev(struct ads_cli_project *p, struct ads_cli *cli,
                             const char *dir, const char *rev,
                             bool need_account)
{
	struct ads_error err = ADS_ERROR_INIT;
	int rc;

	memset(p, 0, sizeof(*p));
	p->dir = dir;
	ads_diags_init(&p->diags);
	rc = ads_vcs_open(&p->vcs, dir, &err);
	if (!rc)
		rc = ads_vcs_resolve(p->rev, p->vcs, rev, &err);
	if (!rc)
		rc = ads_vcs_source_open(&p->vsrc, p->vcs, p->rev, &err);
	if (rc) {
		ads_error_prefix(&err, "--rev");
		ads_cli_print_error(cli, &err);
		ads_error_release(&err);
		return rc == ADS_EIO ? ADS_EXIT_ERROR : ADS_EXIT_USAGE;
	}
	p->src = *ads_vcs_source_get(p->vsrc);
	return load_project(p, cli, need_account);
}

void ads_cli_project_release(struct ads_cli_project *p)
{
	ads_model_free(p->model);
	ads_schema_set_free(p->schemas);
	ads_project_free(p->project);
	ads_diags_release(&p->diags);
	ads_vcs_source_free(p->vsrc);
	ads_vcs_free(p->vcs);
	memset(p, 0, sizeof(*p));
}

static void wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int start_emulator(struct ads_cli_conn *c, const char *dir,
                          const char *token, struct ads_error *err)
{
	struct ads_emulator_config cfg;
	char *state = ads_path_join(dir, ".adsctl");
	int rc;

	ads_emulator_config_init(&cfg);
	rc = ads_mkdir_p(state, err);
	if (!rc) {
		cfg.data_file = ads_path_join(state, "emulator.json");
		cfg.env_token = xstrdup(token);
		rc = ads_emulator_start(&c->emu, &cfg, err);
	}
	if (!rc)
		c->api_url = xstrdup(ads_emulator_url(c->emu));
	ads_emulator_config_release(&cfg);
	free(state);
	return rc;
}

int ads_cli_connect(struct ads_cli_conn *c, struct ads_cli *cli,
                    const char *dir, const char *api_version,
                    const char *account)
{
	struct ads_graph_config cfg;
	struct ads_error err = ADS_ERROR_INIT;
	const char *url = ads_args_get(&cli->args, "api-url");
	const char *token_file = ads_args_get(&cli->args, "token-file");
	const char *env = getenv("ADSCTL_ACCESS_TOKEN");
	const char *secret = getenv("ADSCTL_APP_SECRET");
	long long delay = 0, parallel = 0;
	bool emulator = ads_args_has(&cli->args, "emulator");
	char *token = NULL;
	int rc = 0, ret = ADS_EXIT_OK;

	memset(c, 0, sizeof(*c));
	if (emulator && url)
		return ads_cli_usage_error(cli, "--emulator and --api-url "
		                                "exclude each other");
	if (token_file)
		/* one open file: its mode is checked on the descriptor the
		 * token is then read from */
		rc = ads_graph_read_token_file(&token, token_file, &err);
	else if (env && *env)
		token = xstrdup(env);
	else if (emulator)
		token = xstrdup(EMULATOR_TOKEN);
	else
		rc = ads_error_set(
		        &err, ADS_EAUTH,
		        "no access token: set ADSCTL_ACCESS_TOKEN or "
		        "use --token-file FILE (or --emulator to try "
		        "adsctl without a Meta account)");
	if (rc)
		goto fail;
	if (emulator) {
		rc = start_emulator(c, dir, token, &err);
		if (rc)
			goto fail;
	} else {
		if (!url)
			url = getenv("ADSCTL_API_URL");
		if (!url || !*url)
			url = ADS_GRAPH_DEFAULT_URL;
		rc = ads_graph_check_base_url(url, &err);
		if (rc) {
			ads_error_prefix(&err, "--api-url");
			goto fail;
		}
		c->api_url = xstrdup(url);
	}
	ads_graph_config_init(&cfg);
	cfg.api_url = c->api_url;
	cfg.api_version = api_version;
	cfg.access_token = token;
	cfg.app_secret = secret && *secret ? secret : NULL;
	cfg.account = account;
	cfg.reporter = &cli->reporter;
	if ((ret = ads_cli_opt_number(cli, "retry-delay", "milliseconds", 1,
	                              3600000, &delay)) ||
	    (ret = ads_cli_opt_number(cli, "parallel", "a number of requests",
	                              1, 16, &parallel))) {
		ads_cli_disconnect(c, cli);
		goto out;
	}
	if (delay) {
		/* tests: the first wait after a transient failure and
		 * after a throttling error */
		cfg.backoff_base_ms = delay;
		cfg.governor.throttle_base_ms = delay;
	}
	if (parallel)
		cfg.max_in_flight = (unsigned)parallel;
	rc = ads_graph_new(&c->graph, &cfg, &err);
	if (rc)
		goto fail;
	goto out;
fail:
	ads_cli_print_error(cli, &err);
	ret = rc == ADS_EINVALID ? ADS_EXIT_USAGE : ads_cli_exit_code(rc);
	ads_cli_disconnect(c, cli);
out:
	wipe(token);
	ads_error_release(&err);
	return ret;
}

void ads_cli_disconnect(struct ads_cli_conn *c, struct ads_cli *cli)
{
	struct ads_error err = ADS_ERROR_INIT;

	ads_graph_free(c->graph);
	if (c->emu && ads_emulator_stop(c->emu, &err)) {
		ads_error_prefix(&err, "saving the emulator's state");
		ads_cli_print_error(cli, &err);
	}
	ads_emulator_free(c->emu);
	free(c->api_url);
	ads_error_release(&err);
	memset(c, 0, sizeof(*c));
}

/* --- plans ------------------------------------------------------------ */

int ads_cli_check_format(struct ads_cli *cli, const char *format)
{
	if (format && strcmp(format, "text") && strcmp(format, "markdown") &&
	    strcmp(format, "json"))
		return ads_cli_usage_error(cli,
		                           "unknown format '%s' (use text, "
		                           "markdown or json)",
		                           format);
	return ADS_EXIT_OK;
}

void ads_cli_output_plan(struct ads_cli *cli, const struct ads_plan *p,
                         const char *format)
{
	struct ads_buf out = ADS_BUF_INIT;

	if (format && !strcmp(format, "json")) {
		ads_render_plan_json(&out, p);
	} else if (format && !strcmp(format, "markdown")) {
		struct ads_strvec docs = ADS_STRVEC_INIT;

		ads_render_plan_markdown(&docs, p, ADS_MARKDOWN_MAX);
		for (size_t i = 0; i < docs.nr; i++) {
			if (i)
				ads_buf_addch(&out, '\n');
			ads_buf_addstr(&out, docs.v[i]);
		}
		ads_strvec_release(&docs);
	} else {
		ads_render_plan_text(&out, p, &cli->out_style);
	}
	ads_cli_out(cli, &out);
	ads_buf_release(&out);
}

int ads_cli_fetch_live(struct ads_live **out, struct ads_cli *cli,
                       struct ads_cli_project *p, struct ads_cli_conn *c,
                       const struct ads_model *also)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_live_query q = {
		.account = p->model->settings.account,
		.stack = p->model->settings.stack,
		.model = p->model,
		.also = also,
		.reporter = &cli->reporter,
	};
	struct ads_live *live = NULL;
	int rc;

	rc = ads_live_fetch(&live, c->graph, &q, &err);
	if (!rc) {
		ads_live_map(live, p->model);
		rc = ads_live_fetch_previous(live, c->graph, p->model, &err);
	}
	if (rc) {
		ads_cli_print_error(cli, &err);
		ads_error_release(&err);
		ads_live_free(live);
		return ads_cli_exit_code(rc);
	}
	ads_report(&cli->reporter, ADS_REPORT_DEBUG,
	           "read %zu objects of %s in %zu Graph calls, %zu HTTP "
	           "requests, %zu round trips",
	           live->nobjs, q.account, live->graph_calls,
	           live->http_requests, live->round_trips);
	*out = live;
	return ADS_EXIT_OK;
}

/*
 * The steps that prune (remove live objects no longer declared): their
 * number in *n, and the one with the shortest address (a parent rather
 * than one of its ads), or NULL.
 */
static const struct ads_plan_step *
first_prune(const struct ads_plan *plan, const struct ads_model *m, size_t *n)
{
	const struct ads_plan_step *first = NULL;

	*n = 0;
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct ads_plan_step *s = &plan->steps[i];

		if ((s->action != ADS_ACTION_ARCHIVE &&
		     s->action != ADS_ACTION_DELETE) ||
		    ads_model_find(m, s->address))
			continue;
		if (!first || strlen(s->address) < strlen(first->address))
			first = s;
		(*n)++;
	}
	return first;
}

int ads_cli_check_prune(struct ads_cli *cli, const struct ads_cli_project *p,
                        const struct ads_plan *plan)
{
	const struct ads_plan_step *s;
	size_t n;

	for (size_t i = 0; i < p->diags.nr; i++) {
		const struct ads_diag *d = &p->diags.v[i];
		struct ads_error err = ADS_ERROR_INIT;

		if (!d->rule || strcmp(d->rule, "project.include-empty"))
			continue;
		if (!(s = first_prune(plan, p->model, &n)))
			return ADS_EXIT_OK;
		ads_error_set(
		        &err, ADS_EINVALID,
		        "%s, and the plan would remove %zu live object%s "
		        "no longer declared (such as %s): fix the pattern, "
		        "or remove it from include if they are meant to "
		        "go",
		        d->msg, n, n == 1 ? "" : "s", s->address);
		if (d->file) {
			err.file = xstrdup(d->file);
			err.line = d->line;
			err.col = d->col;
		}
		ads_cli_print_error(cli, &err);
		ads_error_release(&err);
		return ADS_EXIT_INVALID;
	}
	return ADS_EXIT_OK;
}

/*
 * After an apply that was killed or interrupted, or lost answers, its
 * async request sets may still be creating ads at Meta: the plan would
 * show those ads as creates. Says so in the plan's notes (the live read
 * costs one request, only then). Listing the sets is not always allowed
 * (api-semantics §6.2): then nothing is said.
 */
static void note_unfinished(struct ads_cli *cli, struct ads_cli_project *p,
                            struct ads_cli_conn *c, struct ads_plan *plan)
{
	struct ads_journal_run last = { 0 };
	struct ads_strvec ids = ADS_STRVEC_INIT;
	struct ads_error err = ADS_ERROR_INIT;

	if (ads_journal_last_run(&last, p->dir, &err) || !last.found ||
	    (last.finished && !last.unsettled))
		goto out;
	if (ads_apply_unfinished(&ids, c->graph, p->model->settings.account,
	                         p->model->settings.stack, &err)) {
		ads_report(&cli->reporter, ADS_REPORT_DEBUG,
		           "cannot list the account's async request sets: %s",
		           err.msg);
		goto out;
	}
	if (ids.nr)
		ads_strvec_pushf(
		        &plan->notes,
		        "%zu async request set%s of an earlier apply %s still "
		        "creating ads at Meta (%s%s): the ads %s make%s are "
		        "not in the account yet, so this plan creates them; "
		        "'adsctl apply' waits for %s first and plans again",
		        ids.nr, ids.nr == 1 ? "" : "s",
		        ids.nr == 1 ? "is" : "are", ids.v[0],
		        ids.nr > 1 ? ", ..." : "", ids.nr == 1 ? "it" : "they",
		        ids.nr == 1 ? "s" : "", ids.nr == 1 ? "it" : "them");
out:
	ads_strvec_release(&ids);
	ads_error_release(&err);
	ads_journal_run_release(&last);
}

int ads_cli_make_plan(struct ads_plan **out, struct ads_cli *cli,
                      struct ads_cli_project *p, struct ads_cli_conn *c,
                      const struct ads_cli_plan_options *opt)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_plan_options po = { .target = opt ? opt->target : NULL };
	struct ads_live *live = NULL;
	struct ads_plan *plan = NULL;
	int rc, ret;

	ret = ads_cli_fetch_live(&live, cli, p, c, NULL);
	if (ret)
		return ret;
	rc = ads_plan_build(&plan, p->model, live, &po, &err);
	if (rc) {
		ads_cli_print_error(cli, &err);
		ret = rc == ADS_ENOTFOUND ? ADS_EXIT_USAGE
		                          : ads_cli_exit_code(rc);
		goto out;
	}
	if ((ret = ads_cli_check_prune(cli, p, plan)))
		goto out;
	note_unfinished(cli, p, c, plan);
	if (opt && opt->validate_remote &&
	    (rc = ads_plan_validate_remote(plan, c->graph, live, &err))) {
		ads_cli_print_error(cli, &err);
		ret = ads_cli_exit_code(rc);
		goto out;
	}
	*out = plan;
	plan = NULL;
out:
	ads_plan_free(plan);
	ads_live_free(live);
	ads_error_release(&err);
	return ret;
}
