/*
 * adsctl emulator: serves the Marketing API emulator on 127.0.0.1. The URL
 * is the first line of stdout (scripts read it); SIGINT/SIGTERM stop it,
 * and the state is written to --data before the exit.
 */
#include "cli/commands.h"

#include <stdlib.h>
#include <time.h>

#include "emulator/emulator.h"
#include "util/interrupt.h"

static const struct ads_opt emulator_opts[] = {
	{ "port", 0, "N", "listen on 127.0.0.1:N (default: a free port)", 0 },
	{ "data", 0, "FILE",
	  "load the state from FILE at start and save it there at exit", 0 },
	{ "config", 0, "FILE",
	  "emulator settings: tokens, accounts, latency, faults, rate limits "
	  "(docs/emulator.md)",
	  0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static int run_emulator(struct ads_cli *cli)
{
	struct ads_emulator_config cfg;
	struct ads_emulator *emu = NULL;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf b = ADS_BUF_INIT;
	long long port = -1;
	const char *data = ads_args_get(&cli->args, "data");
	const char *conf = ads_args_get(&cli->args, "config");
	const char *token = getenv("ADSCTL_ACCESS_TOKEN");
	int rc = ADS_EXIT_OK;

	ads_emulator_config_init(&cfg);
	if (ads_args_pos(&cli->args, 0)) {
		rc = ads_cli_usage_error(
		        cli, "'adsctl emulator' takes no arguments");
		goto out;
	}
	if (conf && ads_emulator_config_load(&cfg, conf, &err)) {
		/* a file that is missing or wrong: not a usage error */
		ads_cli_print_error(cli, &err);
		rc = ADS_EXIT_ERROR;
		goto out;
	}
	if ((rc = ads_cli_opt_number(cli, "port", "a port", 0, 65535, &port)))
		goto out;
	if (port >= 0)
		cfg.port = (unsigned)port;
	if (data) {
		free(cfg.data_file);
		cfg.data_file = xstrdup(data);
	}
	if (token && *token)
		cfg.env_token = xstrdup(token);
	if (ads_emulator_start(&emu, &cfg, &err)) {
		ads_cli_print_error(cli, &err);
		rc = ads_cli_exit_code(err.code);
		goto out;
	}
	ads_buf_addf(&b, "%s\n", ads_emulator_url(emu));
	ads_cli_out(cli, &b);
	while (!ads_interrupt_requested()) {
		struct timespec ts = { 0, 100 * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (ads_emulator_stop(emu, &err)) {
		ads_cli_print_error(cli, &err);
		rc = ads_cli_exit_code(err.code);
	}
	/* a requested stop is the normal end of this command */
	ads_interrupt_reset();
out:
	ads_emulator_free(emu);
	ads_emulator_config_release(&cfg);
	ads_error_release(&err);
	ads_buf_release(&b);
	return rc;
}

const struct ads_cmd ads_cmd_emulator = {
	.name = "emulator",
	.args = "",
	.summary = "serve the Marketing API emulator on loopback",
	.description =
	        "Serves an in-memory Marketing API on 127.0.0.1 for tries, "
	        "tests and benchmarks. The first line of output is its URL; "
	        "point --api-url (or ADSCTL_API_URL) at it. It accepts the "
	        "tokens of --config, else ADSCTL_ACCESS_TOKEN, else any token. "
	        "Admin endpoints live under /_emulator/ (docs/emulator.md). "
	        "Stop it with Ctrl-C; --data keeps the state across runs.",
	.opts = emulator_opts,
	.run = run_emulator,
};
