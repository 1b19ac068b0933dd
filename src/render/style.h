/* How output is decorated: colour (decided by cli/) and width. */
#ifndef ADS_RENDER_STYLE_H
#define ADS_RENDER_STYLE_H

#include <stdbool.h>

#include "util/buf.h"

struct ads_style {
	bool color;
	unsigned width; /* terminal columns, 0 if unknown */
};

#define ADS_STYLE_PLAIN  \
	{                \
		false, 0 \
	}

enum ads_color {
	ADS_COLOR_RESET,
	ADS_COLOR_BOLD,
	ADS_COLOR_RED,
	ADS_COLOR_GREEN,
	ADS_COLOR_YELLOW,
	ADS_COLOR_CYAN,
	ADS_COLOR_DIM,
};

/* Appends the escape for c when st->color is set, nothing otherwise. */
void ads_style_color(struct ads_buf *out, const struct ads_style *st,
                     enum ads_color c);

#endif
