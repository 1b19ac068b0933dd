/*
 * argv parsing, colour and progress decisions, and command dispatch.
 * Options may come before or after the command and its arguments
 * (DESIGN.md §3); "--" ends option parsing.
 */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "render/diag.h"
#include "render/help.h"
#include "util/interrupt.h"
#include "util/strutil.h"
#include "util/xalloc.h"

const struct ads_opt ads_global_opts[] = {
	{ "help", 'h', NULL, "show help for adsctl or a command", 0 },
	{ "version", 0, NULL, "print the versions of adsctl and its libraries",
	  0 },
	{ "api-url", 0, "URL",
	  "Graph API base URL (env ADSCTL_API_URL; default "
	  "https://graph.facebook.com)",
	  0 },
	{ "emulator", 0, NULL,
	  "run against the built-in Marketing API emulator (state in "
	  ".adsctl/emulator.json)",
	  0 },
	{ "token-file", 0, "FILE",
	  "read the access token from FILE instead of ADSCTL_ACCESS_TOKEN "
	  "(must not be group/world readable)",
	  0 },
	{ "parallel", 0, "N",
	  "Graph API requests in flight at once (default 4, at most 16)", 0 },
	{ "color", 0, "WHEN", "colour output: auto, always or never", 0 },
	{ "quiet", 'q', NULL, "print only data and errors", 0 },
	{ "verbose", 'v', NULL, "print more detail (repeat for more)",
	  ADS_OPT_REPEAT },
	{ "retry-delay", 0, "MS",
	  "first wait after a transient failure or a throttle (tests)",
	  ADS_OPT_HIDDEN },
	{ NULL, 0, NULL, NULL, 0 },
};

static bool write_failed;

const char *ads_args_get(const struct ads_args *a, const char *name)
{
	const struct ads_strvec *sv = ads_map_get(&a->values, name);

	return sv && sv->nr ? sv->v[sv->nr - 1] : NULL;
}

bool ads_args_has(const struct ads_args *a, const char *name)
{
	return ads_map_get(&a->values, name) != NULL;
}

const struct ads_strvec *ads_args_all(const struct ads_args *a,
                                      const char *name)
{
	return ads_map_get(&a->values, name);
}

const char *ads_args_pos(const struct ads_args *a, size_t i)
{
	return i < a->pos.nr ? a->pos.v[i] : NULL;
}

static void write_all(FILE *f, const struct ads_buf *b)
{
	if (b->len && fwrite(b->buf, 1, b->len, f) != b->len)
		write_failed = true;
	if (fflush(f))
		write_failed = true;
}

void ads_cli_out(struct ads_cli *cli, const struct ads_buf *b)
{
	(void)cli;
	write_all(stdout, b);
}

void ads_cli_err(struct ads_cli *cli, const struct ads_buf *b)
{
	(void)cli;
	write_all(stderr, b);
}

void ads_cli_print_error(struct ads_cli *cli, const struct ads_error *err)
{
	struct ads_buf b = ADS_BUF_INIT;

	ads_render_error(&b, err, &cli->err_style);
	ads_cli_err(cli, &b);
	ads_buf_release(&b);
}

int ads_cli_usage_error(struct ads_cli *cli, const char *fmt, ...)
{
	struct ads_error err = ADS_ERROR_INIT;
	va_list ap;

	va_start(ap, fmt);
	ads_error_vset(&err, ADS_EINVALID, fmt, ap);
	va_end(ap);
	ads_cli_print_error(cli, &err);
	ads_error_release(&err);
	return ADS_EXIT_USAGE;
}

int ads_cli_opt_number(struct ads_cli *cli, const char *name, const char *what,
                       long long min, long long max, long long *out)
{
	const char *v = ads_args_get(&cli->args, name);
	char *end;
	long long n;

	if (!v)
		return ADS_EXIT_OK;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max) {
		if (max == LLONG_MAX)
			return ads_cli_usage_error(cli,
			                           "--%s takes %s (at least "
			                           "%lld), not '%s'",
			                           name, what, min, v);
		return ads_cli_usage_error(
		        cli, "--%s takes %s (%lld-%lld), not '%s'", name, what,
		        min, max, v);
	}
	*out = n;
	return ADS_EXIT_OK;
}

int ads_cli_exit_code(int errcode)
{
	switch (errcode) {
	case ADS_OK:
		return ADS_EXIT_OK;
	case ADS_EINVALID:
		return ADS_EXIT_INVALID;
	case ADS_EAPI:
	case ADS_EAUTH:
	case ADS_EHTTP:
	case ADS_EUNKNOWN:
		return ADS_EXIT_API;
	case ADS_EPARTIAL:
		return ADS_EXIT_PARTIAL;
	case ADS_EINTR:
		return ADS_EXIT_INTERRUPTED;
	default:
		return ADS_EXIT_ERROR;
	}
}

/* --- option lookup and parsing ------------------------------------- */

static const struct ads_opt *find_opt(const struct ads_opt *table,
                                      const char *name, size_t len, char shrt)
{
	for (const struct ads_opt *o = table; o && o->name; o++) {
		if (shrt ? o->short_name == shrt
		         : strlen(o->name) == len &&
		                    !strncmp(o->name, name, len))
			return o;
	}
	return NULL;
}

static const struct ads_opt *lookup(const struct ads_cmd *cmd, const char *name,
                                    size_t len, char shrt)
{
	const struct ads_opt *o = find_opt(ads_global_opts, name, len, shrt);

	if (!o && cmd)
		o = find_opt(cmd->opts, name, len, shrt);
	return o;
}

/* Any command's option of that name, to know its arity before the command. */
static const struct ads_opt *lookup_any(const char *name, size_t len, char shrt)
{
	const struct ads_opt *o = lookup(NULL, name, len, shrt);

	for (size_t i = 0; !o && ads_commands[i]; i++)
		o = find_opt(ads_commands[i]->opts, name, len, shrt);
	return o;
}

static const struct ads_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; ads_commands[i]; i++)
		if (!strcmp(ads_commands[i]->name, name))
			return ads_commands[i];
	return NULL;
}

static int find_command_index(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct ads_opt *o;

		if (!strcmp(a, "--"))
			return i + 1 < argc ? i + 1 : -1;
		if (a[0] != '-' || !a[1])
			return i;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			o = lookup_any(
			        a + 2,
			        eq ? (size_t)(eq - a - 2) : strlen(a + 2), 0);
			if (o && o->arg && !eq)
				i++;
		} else {
			o = lookup_any(NULL, 0, a[1]);
			if (o && o->arg && !a[2])
				i++;
		}
	}
	return -1;
}

static void add_value(struct ads_args *a, const char *name, const char *val)
{
	struct ads_strvec *sv = ads_map_get(&a->values, name);

	if (!sv) {
		sv = xcalloc(1, sizeof(*sv));
		ads_map_put(&a->values, name, sv);
	}
	ads_strvec_push(sv, val);
}

static void free_strvec(void *p)
{
	ads_strvec_release(p);
	free(p);
}

static int unknown_option(struct ads_cli *cli, const char *opt)
{
	const char *names[256];
	size_t n = 0;
	const char *sugg;

	for (const struct ads_opt *o = ads_global_opts; o->name && n < 256; o++)
		names[n++] = o->name;
	for (const struct ads_opt *o = cli->cmd ? cli->cmd->opts : NULL;
	     o && o->name && n < 256; o++)
		names[n++] = o->name;
	sugg = ads_suggest(opt[1] == '-' ? opt + 2 : opt + 1, names, n);
	if (sugg)
		return ads_cli_usage_error(cli,
		                           "unknown option '%s' (did you mean "
		                           "'--%s'?)",
		                           opt, sugg);
	return ads_cli_usage_error(cli, "unknown option '%s'%s%s%s", opt,
	                           cli->cmd ? " for 'adsctl " : "",
	                           cli->cmd ? cli->cmd->name : "",
	                           cli->cmd ? "'" : "");
}

static int parse_args(struct ads_cli *cli, int argc, char **argv, int cmdidx)
{
	bool dashdash = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct ads_opt *o;

		if (i == cmdidx)
			continue;
		if (dashdash || a[0] != '-' || !a[1]) {
			ads_strvec_push(&cli->args.pos, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = lookup(cli->cmd, a + 2, len, 0);
			if (!o) {
				char *name = xstrndup(a, len + 2);
				int rc = unknown_option(cli, name);

				free(name);
				return rc;
			}
			if (eq && !o->arg)
				return ads_cli_usage_error(
				        cli, "option '--%s' takes no value",
				        o->name);
			val = eq ? eq + 1 : NULL;
		} else {
			o = lookup(cli->cmd, NULL, 0, a[1]);
			if (!o)
				return unknown_option(cli, a);
			if (a[2] && o->arg) {
				val = a + 2;
			} else if (a[2]) {
				/* bundled flags such as -vv */
				for (const char *p = a + 1; *p; p++) {
					const struct ads_opt *f =
					        lookup(cli->cmd, NULL, 0, *p);

					if (!f || f->arg)
						return unknown_option(cli, a);
					add_value(&cli->args, f->name, "");
				}
				continue;
			}
		}
		if (o->arg && !val) {
			if (i + 1 >= argc || (i + 1 == cmdidx))
				return ads_cli_usage_error(
				        cli, "option '--%s' needs a value (%s)",
				        o->name, o->arg);
			val = argv[++i];
		}
		if (!(o->flags & ADS_OPT_REPEAT) &&
		    ads_args_has(&cli->args, o->name) && o->arg &&
		    strcmp(ads_args_get(&cli->args, o->name), val))
			return ads_cli_usage_error(
			        cli, "option '--%s' given twice", o->name);
		add_value(&cli->args, o->name, val ? val : "");
	}
	return 0;
}

/* --- terminal: colour and progress ---------------------------------- */

static bool want_color(const char *when, int fd)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (when && !strcmp(when, "always"))
		return true;
	if (when && !strcmp(when, "never"))
		return false;
	if (nc && *nc)
		return false;
	return isatty(fd) && !(term && !strcmp(term, "dumb"));
}

struct progress_state {
	struct ads_cli *cli;
	struct timespec started, last;
	bool active, shown;
	char what[128];
};

static struct progress_state progress;

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void clear_progress(void)
{
	if (progress.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		progress.shown = false;
	}
}

static void report_message(void *ctx, enum ads_report_kind kind,
                           const char *msg)
{
	struct ads_cli *cli = ctx;
	struct ads_buf b = ADS_BUF_INIT;

	if (kind == ADS_REPORT_DEBUG && cli->verbosity < 1)
		return;
	if (kind == ADS_REPORT_INFO && cli->verbosity < 0)
		return;
	clear_progress();
	if (kind == ADS_REPORT_WARNING) {
		ads_style_color(&b, &cli->err_style, ADS_COLOR_YELLOW);
		ads_buf_addstr(&b, "warning: ");
		ads_style_color(&b, &cli->err_style, ADS_COLOR_RESET);
	} else if (kind == ADS_REPORT_DEBUG) {
		ads_buf_addstr(&b, "debug: ");
	}
	ads_buf_addf(&b, "%s\n", msg);
	ads_cli_err(cli, &b);
	ads_buf_release(&b);
}

/*
 * Progress appears only on a terminal, not with -q, and only once a task
 * has run for a second; it refreshes at most twice a second (git's
 * delayed progress).
 */
static void report_progress(void *ctx, const char *what, size_t done,
                            size_t total)
{
	struct ads_cli *cli = ctx;

	if (!cli->stderr_tty || cli->verbosity < 0)
		return;
	if (!progress.active ||
	    strncmp(progress.what, what, sizeof(progress.what) - 1)) {
		clear_progress();
		progress.active = true;
		snprintf(progress.what, sizeof(progress.what), "%s", what);
		clock_gettime(CLOCK_MONOTONIC, &progress.started);
		progress.last = progress.started;
	}
	if (total && done >= total) {
		clear_progress();
		progress.active = false;
		return;
	}
	if (since(&progress.started) < 1.0 ||
	    (progress.shown && since(&progress.last) < 0.5))
		return;
	clock_gettime(CLOCK_MONOTONIC, &progress.last);
	if (total)
		fprintf(stderr, "\r\033[K%s: %zu/%zu (%zu%%)", what, done,
		        total, done * 100 / total);
	else
		fprintf(stderr, "\r\033[K%s: %zu", what, done);
	fflush(stderr);
	progress.shown = true;
}

static void on_signal(int sig)
{
	(void)sig;
	ads_interrupt_request();
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int show_help(struct ads_cli *cli, const struct ads_cmd *cmd, FILE *f)
{
	struct ads_buf b = ADS_BUF_INIT;

	ads_render_help(&b, ads_commands, cmd, ads_global_opts);
	if (f == stdout)
		ads_cli_out(cli, &b);
	else
		ads_cli_err(cli, &b);
	ads_buf_release(&b);
	return ADS_EXIT_OK;
}

int ads_cli_unknown_command(struct ads_cli *cli, const char *name)
{
	const char *names[64];
	size_t n = 0;
	const char *sugg;

	for (; ads_commands[n] && n < 64; n++)
		names[n] = ads_commands[n]->name;
	sugg = ads_suggest(name, names, n);
	if (sugg)
		return ads_cli_usage_error(
		        cli,
		        "'%s' is not an adsctl command (did you mean "
		        "'%s'?)",
		        name, sugg);
	return ads_cli_usage_error(cli,
	                           "'%s' is not an adsctl command; see "
	                           "'adsctl help'",
	                           name);
}

int ads_cli_main(int argc, char **argv)
{
	struct ads_cli cli;
	const struct ads_strvec *verbose;
	const char *color;
	int cmdidx, rc;

	memset(&cli, 0, sizeof(cli));
	ads_map_init(&cli.args.values);
	cli.err_style.color = want_color(NULL, 2);
	cli.reporter.message = report_message;
	cli.reporter.progress = report_progress;
	cli.reporter.ctx = &cli;
	progress.cli = &cli;

	cmdidx = find_command_index(argc, argv);
	if (cmdidx > 0) {
		cli.cmd = find_cmd(argv[cmdidx]);
		if (!cli.cmd) {
			rc = ads_cli_unknown_command(&cli, argv[cmdidx]);
			goto out;
		}
	}
	rc = parse_args(&cli, argc, argv, cmdidx);
	if (rc)
		goto out;

	color = ads_args_get(&cli.args, "color");
	if (color && strcmp(color, "auto") && strcmp(color, "always") &&
	    strcmp(color, "never")) {
		rc = ads_cli_usage_error(&cli,
		                         "invalid --color '%s' (use auto, "
		                         "always or never)",
		                         color);
		goto out;
	}
	cli.out_style.color = want_color(color, 1);
	cli.err_style.color = want_color(color, 2);
	cli.stderr_tty = isatty(2);
	if (getenv("COLUMNS"))
		cli.out_style.width = (unsigned)atoi(getenv("COLUMNS"));
	verbose = ads_args_all(&cli.args, "verbose");
	cli.verbosity = verbose ? (int)verbose->nr : 0;
	if (ads_args_has(&cli.args, "quiet"))
		cli.verbosity = -1;

	if (ads_args_has(&cli.args, "version") && !cli.cmd)
		cli.cmd = find_cmd("version");
	if (ads_args_has(&cli.args, "help")) {
		rc = show_help(&cli, cli.cmd, stdout);
		goto out;
	}
	if (!cli.cmd) {
		show_help(&cli, NULL, stderr);
		rc = ADS_EXIT_USAGE;
		goto out;
	}
	install_signals();
	rc = cli.cmd->run(&cli);
	clear_progress();
	if (ads_interrupt_requested() && rc == ADS_EXIT_OK)
		rc = ADS_EXIT_INTERRUPTED;
out:
	if (write_failed && rc == ADS_EXIT_OK) {
		fprintf(stderr, "adsctl: error: cannot write output: %s\n",
		        strerror(errno));
		rc = ADS_EXIT_ERROR;
	}
	ads_map_release(&cli.args.values, free_strvec);
	ads_strvec_release(&cli.args.pos);
	return rc;
}
