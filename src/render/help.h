/* Usage, help and the man page, rendered from the option tables. */
#ifndef ADS_RENDER_HELP_H
#define ADS_RENDER_HELP_H

#include "util/buf.h"
#include "util/optspec.h"

/* "usage: adsctl plan [DIR] [options]" and nothing else. */
void ads_render_usage(struct ads_buf *out, const struct ads_cmd *cmd);
/* Full help for one command (cmd) or the overview (cmd NULL). */
void ads_render_help(struct ads_buf *out, const struct ads_cmd *const *cmds,
                     const struct ads_cmd *cmd, const struct ads_opt *global);
/* mdoc(7) source of adsctl(1), with every command and option. */
void ads_render_manpage(struct ads_buf *out, const struct ads_cmd *const *cmds,
                        const struct ads_opt *global);

#endif
