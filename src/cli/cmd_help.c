/* adsctl help [COMMAND]: the same text as COMMAND --help. */
#include "cli/commands.h"

#include "render/help.h"

static const struct ads_opt help_opts[] = {
	{ "man", 0, NULL, "print the adsctl(1) man page source (mdoc)",
	  ADS_OPT_HIDDEN },
	{ NULL, 0, NULL, NULL, 0 },
};

static int run_help(struct ads_cli *cli)
{
	const char *name = ads_args_pos(&cli->args, 0);
	const struct ads_cmd *cmd = NULL;
	struct ads_buf b = ADS_BUF_INIT;

	if (ads_args_has(&cli->args, "man")) {
		ads_render_manpage(&b, ads_commands, ads_global_opts);
	} else {
		if (name) {
			for (size_t i = 0; ads_commands[i]; i++)
				if (!strcmp(ads_commands[i]->name, name))
					cmd = ads_commands[i];
			if (!cmd)
				return ads_cli_unknown_command(cli, name);
		}
		ads_render_help(&b, ads_commands, cmd, ads_global_opts);
	}
	ads_cli_out(cli, &b);
	ads_buf_release(&b);
	return ADS_EXIT_OK;
}

const struct ads_cmd ads_cmd_help = {
	.name = "help",
	.args = "[COMMAND]",
	.summary = "show help for adsctl or one of its commands",
	.description = "'adsctl help plan' prints the same text as "
	               "'adsctl plan --help'.",
	.opts = help_opts,
	.run = run_help,
};
