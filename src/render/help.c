/* Usage, help text and man page from the option tables (see help.h). */
#include "render/help.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define OPT_COLUMN 28

static bool has_visible(const struct ads_opt *opts);

static void usage_line(struct ads_buf *out, const struct ads_cmd *cmd)
{
	ads_buf_addf(out, "usage: adsctl %s", cmd->name);
	if (cmd->args && *cmd->args)
		ads_buf_addf(out, " %s", cmd->args);
	if (has_visible(cmd->opts))
		ads_buf_addstr(out, " [options]");
	ads_buf_addch(out, '\n');
}

void ads_render_usage(struct ads_buf *out, const struct ads_cmd *cmd)
{
	usage_line(out, cmd);
}

static bool has_visible(const struct ads_opt *opts)
{
	for (const struct ads_opt *o = opts; o && o->name; o++)
		if (!(o->flags & ADS_OPT_HIDDEN))
			return true;
	return false;
}

/* Appends text wrapped at 79 columns, continuation lines at indent. */
static void wrapped(struct ads_buf *out, const char *text, size_t col,
                    size_t indent)
{
	while (*text) {
		size_t room = col < 79 ? 79 - col : 20;
		size_t n = strlen(text), cut = n;

		if (n > room) {
			cut = room;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (!cut)
				cut = room;
		}
		ads_buf_add(out, text, cut);
		ads_buf_addch(out, '\n');
		text += cut;
		while (*text == ' ')
			text++;
		if (*text)
			ads_buf_addchars(out, ' ', indent);
		col = indent;
	}
}

/* Appends a description: each line of it (a paragraph) wrapped at 79
 * columns, so the option tables' prose fits a terminal. */
static void paragraphs(struct ads_buf *out, const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char *line = xstrndup(text, n);

		if (n)
			wrapped(out, line, 0, 0);
		else
			ads_buf_addch(out, '\n');
		free(line);
		text += n + (nl ? 1 : 0);
	}
}

static void option_lines(struct ads_buf *out, const struct ads_opt *opts)
{
	for (const struct ads_opt *o = opts; o && o->name; o++) {
		size_t start = out->len, width;

		if (o->flags & ADS_OPT_HIDDEN)
			continue;
		if (o->short_name)
			ads_buf_addf(out, "  -%c, --%s", o->short_name,
			             o->name);
		else
			ads_buf_addf(out, "      --%s", o->name);
		if (o->arg)
			ads_buf_addf(out, " %s", o->arg);
		width = out->len - start;
		if (width + 2 > OPT_COLUMN) {
			ads_buf_addch(out, '\n');
			width = 0;
		}
		ads_buf_addchars(out, ' ', OPT_COLUMN - width);
		wrapped(out, o->help, OPT_COLUMN, OPT_COLUMN);
	}
}

static void overview(struct ads_buf *out, const struct ads_cmd *const *cmds,
                     const struct ads_opt *global)
{
	size_t width = 0;

	ads_buf_addstr(
	        out, "usage: adsctl [options] <command> [args]\n\n"
	             "Campaign-as-code for Meta ads: keep campaigns, ad sets, "
	             "ads, creatives and\ncustom audiences in YAML, review "
	             "an ordered plan, and apply it.\n\nCommands:\n");
	for (size_t i = 0; cmds[i]; i++)
		if (strlen(cmds[i]->name) > width)
			width = strlen(cmds[i]->name);
	for (size_t i = 0; cmds[i]; i++)
		ads_buf_addf(out, "  %-*s  %s\n", (int)width, cmds[i]->name,
		             cmds[i]->summary);
	ads_buf_addstr(out, "\nGlobal options:\n");
	option_lines(out, global);
	ads_buf_addstr(
	        out,
	        "\nEnvironment:\n"
	        "  ADSCTL_ACCESS_TOKEN       the Graph API access token (a "
	        "system user token\n"
	        "                            with ads_management); never "
	        "printed or stored\n"
	        "  ADSCTL_APP_SECRET         the app secret: every call then "
	        "carries\n"
	        "                            appsecret_proof\n"
	        "  ADSCTL_API_URL            the Graph API base URL (as "
	        "--api-url)\n"
	        "  NO_COLOR                  no colour unless --color=always\n"
	        "\nExit status: 0 success or no changes, 1 error, 2 changes "
	        "present,\n3 invalid manifests, 4 API or authentication "
	        "error, 5 apply partly\nfailed, 64 usage error, 130 "
	        "interrupted.\n\nRun 'adsctl help <command>' for the options "
	        "of a command.\n");
}

void ads_render_help(struct ads_buf *out, const struct ads_cmd *const *cmds,
                     const struct ads_cmd *cmd, const struct ads_opt *global)
{
	if (!cmd) {
		overview(out, cmds, global);
		return;
	}
	usage_line(out, cmd);
	ads_buf_addf(out, "\n%s\n", cmd->summary);
	if (cmd->description && *cmd->description) {
		ads_buf_addch(out, '\n');
		paragraphs(out, cmd->description);
	}
	if (has_visible(cmd->opts)) {
		ads_buf_addstr(out, "\nOptions:\n");
		option_lines(out, cmd->opts);
	}
	ads_buf_addstr(out, "\nGlobal options:\n");
	option_lines(out, global);
}

/* Escapes text for an mdoc line: backslashes, and a leading dot. */
static void man_text(struct ads_buf *out, const char *s)
{
	size_t linelen = 0;

	for (; *s; s++) {
		if (!linelen && (*s == '.' || *s == '\''))
			ads_buf_addstr(out, "\\&");
		if (*s == ' ' && linelen > 56) {
			/* mdoc text lines should stay under 80 columns */
			ads_buf_addch(out, '\n');
			linelen = 0;
			continue;
		}
		if (*s == '\\')
			ads_buf_addstr(out, "\\e");
		else
			ads_buf_addch(out, *s);
		linelen = *s == '\n' ? 0 : linelen + 1;
	}
}

static void man_options(struct ads_buf *out, const struct ads_opt *opts)
{
	ads_buf_addstr(out, ".Bl -tag -width Ds\n");
	for (const struct ads_opt *o = opts; o && o->name; o++) {
		if (o->flags & ADS_OPT_HIDDEN)
			continue;
		ads_buf_addstr(out, ".It");
		if (o->short_name)
			ads_buf_addf(out, " Fl %c ,", o->short_name);
		ads_buf_addf(out, " Fl \\-%s", o->name);
		if (o->arg)
			ads_buf_addf(out, " Ar %s", o->arg);
		ads_buf_addch(out, '\n');
		man_text(out, o->help);
		ads_buf_addstr(out, ".\n");
	}
	ads_buf_addstr(out, ".El\n");
}

void ads_render_manpage(struct ads_buf *out, const struct ads_cmd *const *cmds,
                        const struct ads_opt *global)
{
	ads_buf_addstr(out,
	               ".\\\" Generated by `adsctl help --man`: do not edit.\n"
	               ".Dd $Mdocdate$\n.Dt ADSCTL 1\n.Os\n.Sh NAME\n"
	               ".Nm adsctl\n.Nd campaign-as-code for Meta ads\n"
	               ".Sh SYNOPSIS\n.Nm\n.Op Ar options\n.Ar command\n"
	               ".Op Ar args\n.Sh DESCRIPTION\n.Nm\n"
	               "keeps campaigns, ad sets, ads, creatives and custom "
	               "audiences as YAML manifests,\ncompares them with the "
	               "live ad account through the Marketing API,\nand "
	               "applies an ordered plan.\n.Sh COMMANDS\n"
	               ".Bl -tag -width Ds\n");
	for (size_t i = 0; cmds[i]; i++) {
		const struct ads_cmd *c = cmds[i];

		ads_buf_addf(out, ".It Cm %s", c->name);
		if (c->args && *c->args)
			ads_buf_addf(out, " %s", c->args);
		ads_buf_addch(out, '\n');
		man_text(out, c->summary);
		ads_buf_addstr(out, ".\n");
		if (c->description && *c->description) {
			ads_buf_addstr(out, ".Pp\n");
			man_text(out, c->description);
			ads_buf_addch(out, '\n');
		}
		if (has_visible(c->opts))
			man_options(out, c->opts);
	}
	ads_buf_addstr(out, ".El\n.Sh GLOBAL OPTIONS\n");
	man_options(out, global);
	ads_buf_addstr(
	        out,
	        ".Sh ENVIRONMENT\n.Bl -tag -width Ds\n"
	        ".It Ev ADSCTL_ACCESS_TOKEN\nMarketing API access token; it "
	        "never appears in output, plans, journals or logs.\n"
	        ".It Ev ADSCTL_APP_SECRET\nWhen set, every call is signed "
	        "with appsecret_proof.\n"
	        ".It Ev ADSCTL_API_URL\nBase URL of the Graph API "
	        "(default https://graph.facebook.com).\n"
	        ".It Ev NO_COLOR\nDisables colour unless --color says "
	        "otherwise.\n.El\n"
	        ".Sh EXIT STATUS\n.Bl -tag -width Ds -compact\n"
	        ".It 0\nsuccess, or no changes\n.It 1\nerror\n"
	        ".It 2\nchanges present (plan --detailed-exitcode, drift)\n"
	        ".It 3\ninvalid manifests\n.It 4\nAPI or authentication "
	        "error\n.It 5\napply partly failed\n.It 64\nusage error\n"
	        ".It 130\ninterrupted\n.El\n");
}
