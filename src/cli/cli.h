/*
 * The command-line layer: the only code that reads argv and the
 * environment, writes to stdout/stderr, and chooses exit codes.
 * Each command lives in cmd_<name>.c and exports a struct ads_cmd.
 */
#ifndef ADS_CLI_CLI_H
#define ADS_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "render/style.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/map.h"
#include "util/optspec.h"
#include "util/report.h"

/* Exit codes of DESIGN.md §3. */
enum ads_exit {
	ADS_EXIT_OK = 0,
	ADS_EXIT_ERROR = 1,
	ADS_EXIT_CHANGES = 2,
	ADS_EXIT_INVALID = 3,
	ADS_EXIT_API = 4,
	ADS_EXIT_PARTIAL = 5,
	ADS_EXIT_USAGE = 64,
	ADS_EXIT_INTERRUPTED = 130,
};

/* Parsed options: long name -> values (a flag has the value ""). */
struct ads_args {
	struct ads_map values; /* char * -> struct ads_strvec * */
	struct ads_strvec pos; /* positional arguments after the command */
};

struct ads_cli {
	const struct ads_cmd *cmd;
	struct ads_args args;
	int verbosity; /* -1 with -q, 0 by default, +1 per -v */
	struct ads_style out_style; /* for stdout */
	struct ads_style err_style; /* for stderr */
	struct ads_reporter reporter; /* writes to stderr */
	bool stderr_tty;
};

/* The last value of option name, "" for a flag, NULL if not given. */
const char *ads_args_get(const struct ads_args *a, const char *name);
bool ads_args_has(const struct ads_args *a, const char *name);
/* Every value of a repeatable option, or NULL if not given. */
const struct ads_strvec *ads_args_all(const struct ads_args *a,
                                      const char *name);
/* Positional argument i, or NULL. */
const char *ads_args_pos(const struct ads_args *a, size_t i);

/* Writes to stdout or stderr; failures to write are reported at exit. */
void ads_cli_out(struct ads_cli *cli, const struct ads_buf *b);
void ads_cli_err(struct ads_cli *cli, const struct ads_buf *b);
/* Prints an error (and its API details) to stderr. */
void ads_cli_print_error(struct ads_cli *cli, const struct ads_error *err);
/* Says name is not a command, with a "did you mean"; ADS_EXIT_USAGE. */
int ads_cli_unknown_command(struct ads_cli *cli, const char *name);
/* Prints "adsctl: error: msg" and returns ADS_EXIT_USAGE. */
int ads_cli_usage_error(struct ads_cli *cli, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/*
 * The value of the numeric option --name: ADS_EXIT_OK with *out set, or
 * left alone when the option is absent; a usage error ("--name takes
 * what (min-max), not 'x'") when it is not a whole number in [min, max].
 */
int ads_cli_opt_number(struct ads_cli *cli, const char *name, const char *what,
                       long long min, long long max, long long *out);
/* The exit code for a library error code (DESIGN.md §3). */
int ads_cli_exit_code(int errcode);

/* The command table (commands.c), NULL-terminated, in help order. */
extern const struct ads_cmd *const ads_commands[];
/* Options every command accepts (main.c). */
extern const struct ads_opt ads_global_opts[];

/* Parses argv and runs the command; returns the process exit code. */
int ads_cli_main(int argc, char **argv);

#endif
