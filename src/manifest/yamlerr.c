/*
 * Rewording of libyaml errors (see yamlerr.h). libyaml's problems are
 * precise but written for YAML implementers ("mapping values are not
 * allowed in this context"); people editing a campaign need to hear what to
 * change. Marks are 0-based in libyaml and 1-based for us. Tabs get a hint
 * wherever they sit in the indentation of the line at fault, since that is
 * the usual cause of the error whatever libyaml calls it.
 */
#include "manifest/yamlerr.h"

#include <stdbool.h>
#include <string.h>

#include "util/xalloc.h"

#define TAB_HINT " (YAML indentation uses spaces, not tabs)"

/* libyaml's line breaks: \n, \r, \r\n, NEL, LS, PS. */
static bool is_break(const unsigned char *s, size_t i, size_t len,
                     size_t *width)
{
	if (s[i] == '\n' || s[i] == '\r') {
		*width =
		        s[i] == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
		return true;
	}
	if (s[i] == 0xC2 && i + 1 < len && s[i + 1] == 0x85) {
		*width = 2;
		return true;
	}
	if (s[i] == 0xE2 && i + 2 < len && s[i + 1] == 0x80 &&
	    (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
		*width = 3;
		return true;
	}
	return false;
}

/* libyaml skips a UTF-8 byte order mark without counting it. */
static size_t bom_len(const unsigned char *s, size_t len)
{
	if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return 3;
	return 0;
}

/* Line and column (1-based, columns in characters) of a byte offset. */
static void pos_of_offset(const char *data, size_t len, size_t off,
                          unsigned *line, unsigned *col)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t w;

	*line = 1;
	*col = 1;
	for (size_t i = bom_len(s, len); i < off && i < len;) {
		if (is_break(s, i, len, &w)) {
			++*line;
			*col = 1;
			i += w;
			continue;
		}
		i++;
		/* count a character once, at its last byte */
		if (i >= len || (s[i] & 0xC0) != 0x80)
			++*col;
	}
}

/* Byte offset of the start of a 0-based line, or len if there is none. */
static size_t line_offset(const char *data, size_t len, size_t line)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = bom_len(s, len), w;

	while (line && i < len) {
		if (is_break(s, i, len, &w)) {
			line--;
			i += w;
		} else {
			i++;
		}
	}
	return i;
}

/* Byte offset of a libyaml mark (columns count characters), or len. */
static size_t mark_offset(const char *data, size_t len, yaml_mark_t m)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = line_offset(data, len, m.line), col = m.column;

	while (col && i < len) {
		i++;
		while (i < len && (s[i] & 0xC0) == 0x80)
			i++;
		col--;
	}
	return i;
}

/* Does the indentation of the line holding mark m contain a tab? */
static bool tab_in_indent(const char *data, size_t len, yaml_mark_t m)
{
	for (size_t i = line_offset(data, len, m.line);
	     i < len && (data[i] == ' ' || data[i] == '\t'); i++)
		if (data[i] == '\t')
			return true;
	return false;
}

static const struct {
	const char *problem;
	const char *context; /* NULL: any */
	const char *say; /* may hold one %u: the line of the context */
} rewordings[] = {
	{ "mapping values are not allowed in this context", NULL,
	  "mapping values are not allowed here (put text that contains ': ' "
	  "in quotes, or check the indentation)" },
	{ "block sequence entries are not allowed in this context", NULL,
	  "a '-' list item is not allowed here (check the indentation)" },
	{ "mapping keys are not allowed in this context", NULL,
	  "a '?' key is not allowed here" },
	{ "could not find expected ':'", NULL,
	  "expected ':' after the key that starts at line %u" },
	{ "did not find expected key", NULL,
	  "expected a key at this indentation (the map starts at line %u; "
	  "check the indentation)" },
	{ "did not find expected '-' indicator", NULL,
	  "expected a '-' list item at this indentation (the list starts at "
	  "line %u)" },
	{ "did not find expected node content", NULL, "expected a value here" },
	{ "did not find expected ',' or ']'", NULL,
	  "expected ',' or ']' in the list that starts at line %u" },
	{ "did not find expected ',' or '}'", NULL,
	  "expected ',' or '}' in the map that starts at line %u" },
	{ "found unexpected end of stream", "while scanning a quoted scalar",
	  "the quoted text that starts at line %u is never closed" },
	{ "found unknown escape character", NULL,
	  "unknown escape sequence in double-quoted text (use single quotes, "
	  "or write \\\\ for a backslash)" },
	{ "found invalid Unicode character escape code", NULL,
	  "invalid \\u escape in double-quoted text" },
	{ "found a tab character that violates indentation", NULL,
	  "a tab character breaks the indentation" },
	{ "found a tab character where an indentation space is expected", NULL,
	  "a tab character where an indentation space is expected" },
	{ "did not find expected alphabetic or numeric character",
	  "while scanning an anchor",
	  "expected an anchor name after '&' (put text that starts with '&' "
	  "in quotes)" },
	{ "did not find expected alphabetic or numeric character",
	  "while scanning an alias",
	  "expected an alias name after '*' (put text that starts with '*' "
	  "in quotes)" },
	{ "found unexpected document indicator", NULL,
	  "'---' or '...' at the start of a line inside quoted text" },
	{ "found undefined tag handle", NULL, "unknown tag prefix" },
};

static void describe_reader_error(const yaml_parser_t *yp, const char *data,
                                  size_t len, struct ads_buf *msg)
{
	const char *problem = yp->problem ? yp->problem : "";
	size_t off = yp->problem_offset;

	if (strstr(problem, "UTF-8") || strstr(problem, "Unicode"))
		ads_buf_addf(msg,
		             "this file is not valid UTF-8 text (byte 0x%02X "
		             "here); save it with UTF-8 encoding",
		             off < len ? (unsigned char)data[off] : 0);
	else if (strstr(problem, "control characters"))
		ads_buf_addf(msg,
		             "the file contains a control character (U+%04X), "
		             "which YAML does not allow",
		             (unsigned)yp->problem_value);
	else if (strstr(problem, "UTF-16") || strstr(problem, "surrogate"))
		ads_buf_addstr(msg, "this file is not valid UTF-16 text; save "
		                    "it with UTF-8 encoding");
	else
		ads_buf_addf(msg, "cannot read the file: %s", problem);
}

static void describe_cannot_start(const char *data, size_t len, size_t off,
                                  struct ads_buf *msg)
{
	unsigned char c = off < len ? (unsigned char)data[off] : 0;

	if (c == '\t')
		ads_buf_addstr(msg, "a tab character is not allowed here");
	else if (c > 0x20 && c < 0x7f)
		ads_buf_addf(msg,
		             "'%c' cannot start a value (put the value in "
		             "quotes)",
		             c);
	else
		ads_buf_addstr(msg, "this character cannot start a value (put "
		                    "the value in quotes)");
}

void ads_yaml_describe_error(const yaml_parser_t *yp, const char *data,
                             size_t len, struct ads_buf *msg, unsigned *line,
                             unsigned *col, const char **rule)
{
	const char *problem = yp->problem ? yp->problem : "unknown problem";
	const char *context = yp->context;
	size_t start = msg->len, off;
	bool tab, done = false;

	*rule = "yaml.syntax";
	*line = *col = 0;
	if (yp->error == YAML_MEMORY_ERROR) {
		ads_buf_addstr(msg, "out of memory while reading YAML");
		return;
	}
	if (yp->error == YAML_READER_ERROR) {
		*rule = "yaml.encoding";
		pos_of_offset(data, len, yp->problem_offset, line, col);
		describe_reader_error(yp, data, len, msg);
		return;
	}
	*line = (unsigned)yp->problem_mark.line + 1;
	*col = (unsigned)yp->problem_mark.column + 1;
	off = mark_offset(data, len, yp->problem_mark);
	tab = (off < len && data[off] == '\t') || strstr(problem, "tab") ||
	      tab_in_indent(data, len, yp->problem_mark) ||
	      (context && tab_in_indent(data, len, yp->context_mark));
	ads_buf_addstr(msg, "invalid YAML: ");
	if (!strcmp(problem, "found character that cannot start any token")) {
		describe_cannot_start(data, len, off, msg);
		done = true;
	}
	for (size_t i = 0; !done && i < ADS_ARRAY_SIZE(rewordings); i++) {
		if (strcmp(problem, rewordings[i].problem) ||
		    (rewordings[i].context &&
		     (!context || strcmp(context, rewordings[i].context))))
			continue;
			/* Only the literal formats of the table above reach
			 * here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		ads_buf_addf(msg, rewordings[i].say,
		             (unsigned)yp->context_mark.line + 1);
#pragma GCC diagnostic pop
		done = true;
	}
	if (!done) {
		ads_buf_addstr(msg, problem);
		if (context)
			ads_buf_addf(msg, " (%s that starts at line %u)",
			             context,
			             (unsigned)yp->context_mark.line + 1);
	}
	if (tab && !strstr(msg->buf + start, TAB_HINT))
		ads_buf_addstr(msg, TAB_HINT);
}
