/* adsctl version (also --version): adsctl's and its libraries' versions. */
#include "cli/commands.h"

#include "util/buildinfo.h"

static int run_version(struct ads_cli *cli)
{
	struct ads_libversion libs[16];
	size_t n = ads_lib_versions(libs, ADS_ARRAY_SIZE(libs));
	struct ads_buf b = ADS_BUF_INIT;

	ads_buf_addf(&b, "adsctl %s\n", ads_version());
	for (size_t i = 0; i < n; i++)
		ads_buf_addf(&b, "  %-14s %s\n", libs[i].name, libs[i].version);
	ads_cli_out(cli, &b);
	ads_buf_release(&b);
	return ADS_EXIT_OK;
}

const struct ads_cmd ads_cmd_version = {
	.name = "version",
	.args = "",
	.summary = "print the versions of adsctl and its libraries",
	.description = NULL,
	.opts = NULL,
	.run = run_version,
};
