/* The descriptors exported by the cmd_*.c files, one per command. */
#ifndef ADS_CLI_COMMANDS_H
#define ADS_CLI_COMMANDS_H

#include <string.h>

#include "cli/cli.h"
#include "util/xalloc.h"

extern const struct ads_cmd ads_cmd_help;
extern const struct ads_cmd ads_cmd_version;
extern const struct ads_cmd ads_cmd_validate;
extern const struct ads_cmd ads_cmd_emulator;
extern const struct ads_cmd ads_cmd_apply;
extern const struct ads_cmd ads_cmd_import;
extern const struct ads_cmd ads_cmd_plan;
extern const struct ads_cmd ads_cmd_drift;
extern const struct ads_cmd ads_cmd_show;
extern const struct ads_cmd ads_cmd_diff;

#endif
