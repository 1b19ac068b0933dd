/* ANSI colour escapes, emitted only when colour is on (see style.h). */
#include "render/style.h"

void ads_style_color(struct ads_buf *out, const struct ads_style *st,
                     enum ads_color c)
{
	static const char *const esc[] = {
		[ADS_COLOR_RESET] = "\033[0m",   [ADS_COLOR_BOLD] = "\033[1m",
		[ADS_COLOR_RED] = "\033[31m",    [ADS_COLOR_GREEN] = "\033[32m",
		[ADS_COLOR_YELLOW] = "\033[33m", [ADS_COLOR_CYAN] = "\033[36m",
		[ADS_COLOR_DIM] = "\033[2m",
	};

	if (st && st->color)
		ads_buf_addstr(out, esc[c]);
}
