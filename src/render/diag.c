/* Rendering of errors and diagnostics (see diag.h). */
#include "render/diag.h"

#include <jansson.h>

#include "util/json.h"

static void location(struct ads_buf *out, const char *file, unsigned line,
                     unsigned col, const struct ads_style *st)
{
	ads_style_color(out, st, ADS_COLOR_BOLD);
	if (file) {
		ads_buf_addstr(out, file);
		if (line)
			ads_buf_addf(out, ":%u", line);
		if (line && col)
			ads_buf_addf(out, ":%u", col);
	} else {
		ads_buf_addstr(out, "adsctl");
	}
	ads_buf_addstr(out, ": ");
	ads_style_color(out, st, ADS_COLOR_RESET);
}

static void severity(struct ads_buf *out, enum ads_severity sev,
                     const struct ads_style *st)
{
	ads_style_color(out, st,
	                sev == ADS_SEV_ERROR ? ADS_COLOR_RED
	                                     : ADS_COLOR_YELLOW);
	ads_buf_addstr(out, sev == ADS_SEV_ERROR ? "error: " : "warning: ");
	ads_style_color(out, st, ADS_COLOR_RESET);
}

void ads_render_user_words(struct ads_buf *out, const struct ads_error *err)
{
	if (err->api_user_title)
		ads_buf_addf(out, "%s%s", err->api_user_title,
		             err->api_user_msg ? ": " : "");
	if (err->api_user_msg)
		ads_buf_addstr(out, err->api_user_msg);
}

void ads_render_error(struct ads_buf *out, const struct ads_error *err,
                      const struct ads_style *st)
{
	location(out, err->file, err->line, err->col, st);
	severity(out, ADS_SEV_ERROR, st);
	ads_buf_addf(out, "%s\n", err->msg ? err->msg : "unknown error");
	if (err->api_user_title || err->api_user_msg) {
		ads_buf_addstr(out, "  Meta says: ");
		ads_render_user_words(out, err);
		ads_buf_addch(out, '\n');
	}
	if (err->http_status || err->api_code || err->fbtrace_id) {
		const char *sep = "";

		ads_buf_addstr(out, "  (");
		if (err->http_status) {
			ads_buf_addf(out, "HTTP %ld", err->http_status);
			sep = ", ";
		}
		if (err->api_code) {
			ads_buf_addf(out, "%sGraph error %d", sep,
			             err->api_code);
			if (err->api_subcode)
				ads_buf_addf(out, "/%d", err->api_subcode);
			sep = ", ";
		}
		if (err->api_blame) {
			ads_buf_addf(out, "%sfield %s", sep, err->api_blame);
			sep = ", ";
		}
		if (err->fbtrace_id)
			ads_buf_addf(out, "%sfbtrace_id %s", sep,
			             err->fbtrace_id);
		ads_buf_addstr(out, ")\n");
	}
}

void ads_render_diags_text(struct ads_buf *out, const struct ads_diags *d,
                           const struct ads_style *st)
{
	for (size_t i = 0; i < d->nr; i++) {
		const struct ads_diag *g = &d->v[i];

		location(out, g->file, g->line, g->col, st);
		severity(out, g->sev, st);
		ads_buf_addstr(out, g->msg);
		if (g->suggestion)
			ads_buf_addf(out, " (did you mean '%s'?)",
			             g->suggestion);
		ads_buf_addch(out, '\n');
	}
	if (d->nerrors || d->nwarnings)
		ads_buf_addf(out, "%zu error%s, %zu warning%s\n", d->nerrors,
		             d->nerrors == 1 ? "" : "s", d->nwarnings,
		             d->nwarnings == 1 ? "" : "s");
}

void ads_render_diags_json(struct ads_buf *out, const struct ads_diags *d)
{
	json_t *doc = json_object(), *list = json_array();

	json_object_set_new(doc, "format_version", json_integer(1));
	json_object_set_new(doc, "valid", json_boolean(d->nerrors == 0));
	json_object_set_new(doc, "errors",
	                    json_integer((json_int_t)d->nerrors));
	json_object_set_new(doc, "warnings",
	                    json_integer((json_int_t)d->nwarnings));
	for (size_t i = 0; i < d->nr; i++) {
		const struct ads_diag *g = &d->v[i];
		json_t *o = json_object();

		json_object_set_new(o, "file",
		                    g->file ? json_string(g->file)
		                            : json_null());
		json_object_set_new(o, "line", json_integer(g->line));
		json_object_set_new(o, "column", json_integer(g->col));
		json_object_set_new(o, "severity",
		                    json_string(g->sev == ADS_SEV_ERROR
		                                        ? "error"
		                                        : "warning"));
		json_object_set_new(o, "rule", json_string(g->rule));
		json_object_set_new(o, "message", json_string(g->msg));
		json_object_set_new(o, "suggestion",
		                    g->suggestion ? json_string(g->suggestion)
		                                  : json_null());
		json_array_append_new(list, o);
	}
	json_object_set_new(doc, "diagnostics", list);
	ads_json_dump_pretty(out, doc);
	json_decref(doc);
}
