/* The command table: order here is the order of `adsctl help`. */
#include "cli/commands.h"

/* One command per line, so that additions do not conflict. */
/* clang-format off */
const struct ads_cmd *const ads_commands[] = {
	&ads_cmd_help,
	&ads_cmd_version,
	&ads_cmd_validate,
	&ads_cmd_plan,
	&ads_cmd_apply,
	&ads_cmd_import,
	&ads_cmd_drift,
	&ads_cmd_show,
	&ads_cmd_diff,
	&ads_cmd_emulator,
	NULL,
};
/* clang-format on */
