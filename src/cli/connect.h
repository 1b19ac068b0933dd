/*
 * What every command that talks to the Marketing API shares: loading the
 * project and its model, and connecting a Graph client (DESIGN.md §3):
 *  - the base URL: --api-url, else ADSCTL_API_URL, else Graph's;
 *  - the version: the project's api_version;
 *  - the token: --token-file FILE (refused when group or world can read
 *    it), else ADSCTL_ACCESS_TOKEN; ADSCTL_APP_SECRET signs every call;
 *  - --emulator: the built-in emulator, in this process, with its state in
 *    <project>/.adsctl/emulator.json (loaded at start, saved at the end),
 *    accepting ADSCTL_ACCESS_TOKEN, or the fixed non-secret token
 *    "emulator" when that is unset;
 *  - -v: the client's requests and retries on stderr.
 * The token is held here and in the client only; it is wiped when freed.
 */
#ifndef ADS_CLI_CONNECT_H
#define ADS_CLI_CONNECT_H

#include "cli/cli.h"
#include "emulator/emulator.h"
#include "graph/client.h"
#include "manifest/project.h"
#include "model/model.h"
#include "plan/plan.h"
#include "schema/schema.h"
#include "util/diag.h"

struct ads_vcs;
struct ads_vcs_source;

/* A loaded project and its model. */
struct ads_cli_project {
	const char *dir;
	struct ads_source src;
	/* plan --rev: the commit read instead of the working tree */
	struct ads_vcs *vcs;
	struct ads_vcs_source *vsrc;
	char rev[41]; /* its full hex id; "" for the working tree */
	struct ads_project *project;
	struct ads_schema_set *schemas;
	struct ads_model *model;
	struct ads_diags diags;
};

/*
 * Loads the project in dir and builds its model. Diagnostics are printed
 * to stderr (all of them when there is an error, warnings otherwise).
 * Returns an exit code: ADS_EXIT_OK, ADS_EXIT_INVALID for invalid
 * manifests, or another for other failures (printed). A project without
 * `stack` or `account` is invalid for commands that need the account.
 */
int ads_cli_project_load(struct ads_cli_project *p, struct ads_cli *cli,
                         const char *dir, bool need_account);
/*
 * The same for the project in dir as commit rev (any revision git names)
 * holds it, read without a checkout; p->rev gets the commit's id. An
 * unknown revision, or dir outside git, is a usage error.
 */
int ads_cli_project_load_rev(struct ads_cli_project *p, struct ads_cli *cli,
                             const char *dir, const char *rev,
                             bool need_account);
void ads_cli_project_release(struct ads_cli_project *p);

struct ads_cli_conn {
	struct ads_graph *graph;
	struct ads_emulator *emu; /* with --emulator, else NULL */
	char *api_url; /* owned */
};

/*
 * Connects for the project in dir (api_version and account from its
 * settings). Returns an exit code (errors printed): ADS_EXIT_OK, or
 * ADS_EXIT_USAGE / ADS_EXIT_API / ADS_EXIT_ERROR.
 */
int ads_cli_connect(struct ads_cli_conn *c, struct ads_cli *cli,
                    const char *dir, const char *api_version,
                    const char *account);
/* Frees the client and stops the emulator (saving its state). */
void ads_cli_disconnect(struct ads_cli_conn *c, struct ads_cli *cli);

/* --- plans: shared by plan, drift, show (and apply) ------------------- */

struct ads_cli_plan_options {
	const char *target; /* --target ADDR or NULL */
	bool validate_remote; /* --validate-remote */
};

/*
 * Reads the live state of the project's account (progress on stderr),
 * maps it and builds the plan. Returns an exit code (errors printed);
 * *out is owned by the caller on success.
 */
/*
 * Refuses a plan that prunes (archives or deletes live objects no longer
 * declared) while an include pattern of the project matches no files: a
 * mistyped folder would otherwise remove what its files declare. Returns
 * ADS_EXIT_INVALID (the error printed at the pattern) or ADS_EXIT_OK.
 */
int ads_cli_check_prune(struct ads_cli *cli, const struct ads_cli_project *p,
                        const struct ads_plan *plan);
int ads_cli_make_plan(struct ads_plan **out, struct ads_cli *cli,
                      struct ads_cli_project *p, struct ads_cli_conn *c,
                      const struct ads_cli_plan_options *opt);
/*
 * Fetches the live state and maps it for p's model; also (may be NULL)
 * is another revision whose declared fields are read too. *out owned by
 * the caller. Returns an exit code (errors printed).
 */
int ads_cli_fetch_live(struct ads_live **out, struct ads_cli *cli,
                       struct ads_cli_project *p, struct ads_cli_conn *c,
                       const struct ads_model *also);

/* Checks a --format value (NULL, text, markdown, json); exit code. */
int ads_cli_check_format(struct ads_cli *cli, const char *format);
/* Prints a plan to stdout in a --format (NULL: text). */
void ads_cli_output_plan(struct ads_cli *cli, const struct ads_plan *p,
                         const char *format);

#endif
