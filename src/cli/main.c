/* adsctl's entry point: everything else is in the ads_core library. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return ads_cli_main(argc, argv);
}
