/*
 * JSON trees as hand-written-looking YAML manifests (manifest.h). The one
 * rule that matters is that the file reads back as the same tree: a string
 * is written plain only when no YAML reader (1.2 core or 1.1) could take it
 * for anything but that string; otherwise it is double-quoted with JSON's
 * escapes, which YAML's double-quoted style shares.
 */
#include "render/manifest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"

/* Flow style ([a, b], { k: v }) only for what fits on a short line. */
#define FLOW_MAX 64

static bool keyword(const char *s)
{
	static const char *const words[] = {
		"true", "false", "null", "yes", "no",
		"on",   "off",   "y",    "n",   "~",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (ads_str_ieq(s, words[i]))
			return true;
	return false;
}

/* Whether s can be written as a plain scalar (flow: inside [ ] or { }). */
static bool plain_ok(const char *s, bool flow)
{
	size_t n = strlen(s);
	unsigned char c0 = (unsigned char)s[0];

	if (!n || keyword(s) || s[n - 1] == ' ' || s[n - 1] == ':')
		return false;
	/* a letter, '_' or '/' first: no number, no indicator */
	if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') ||
	      c0 == '_' || c0 == '/' || c0 >= 0x80))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (c == ':' && (s[i + 1] == ' ' || !s[i + 1]))
			return false;
		if (c == '#' && i && s[i - 1] == ' ')
			return false;
		if (flow && strchr(",[]{}", c))
			return false;
		if (!strchr(" _./:@()+-&%=?!$;~*#,[]{}'", c))
			return false;
	}
	return true;
}

void ads_render_yaml_string(struct ads_buf *out, const char *s)
{
	json_t *v;
	char *enc;

	if (plain_ok(s, false)) {
		ads_buf_addstr(out, s);
		return;
	}
	v = json_string(s);
	enc = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	ads_buf_addstr(out, enc ? enc : "\"\"");
	free(enc);
	json_decref(v);
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* Appends a scalar; false when it cannot go in flow context as is. */
static void scalar(struct ads_buf *out, const json_t *v, bool flow)
{
	char *enc;

	if (json_is_string(v)) {
		if (flow && !plain_ok(json_string_value(v), true)) {
			enc = json_dumps(v, JSON_ENCODE_ANY);
			ads_buf_addstr(out, enc ? enc : "\"\"");
			free(enc);
			return;
		}
		ads_render_yaml_string(out, json_string_value(v));
		return;
	}
	enc = json_dumps(v, JSON_ENCODE_ANY);
	ads_buf_addstr(out, enc ? enc : "null");
	free(enc);
}

static void key(struct ads_buf *out, const char *k)
{
	ads_render_yaml_string(out, k);
	ads_buf_addch(out, ':');
}

/* { ref: ADDRESS } */
static bool is_ref(const json_t *v, const char **addr)
{
	if (!json_is_object(v) || json_object_size(v) != 1)
		return false;
	*addr = ads_json_str(v, "ref");
	return *addr != NULL;
}

/* The flow form of v when it is short and simple, into out; or false. */
static bool flow(struct ads_buf *out, const json_t *v)
{
	struct ads_buf b = ADS_BUF_INIT;
	const char *k, *addr;
	bool ok = true;
	size_t i;
	json_t *e;

	if (is_ref(v, &addr) && plain_ok(addr, true)) {
		ads_buf_addf(&b, "{ ref: %s }", addr);
	} else if (json_is_array(v)) {
		ads_buf_addch(&b, '[');
		json_array_foreach(v, i, e) {
			if (!is_scalar(e) &&
			    !(is_ref(e, &addr) && plain_ok(addr, true))) {
				ok = false;
				break;
			}
			if (i)
				ads_buf_addstr(&b, ", ");
			if (is_scalar(e))
				scalar(&b, e, true);
			else
				ads_buf_addf(&b, "{ ref: %s }", addr);
		}
		ads_buf_addch(&b, ']');
	} else if (json_is_object(v)) {
		const char *sep = "{ ";

		json_object_foreach(ads_json_mut(v), k, e) {
			if (!is_scalar(e) || !plain_ok(k, true)) {
				ok = false;
				break;
			}
			ads_buf_addf(&b, "%s%s: ", sep, k);
			scalar(&b, e, true);
			sep = ", ";
		}
		ads_buf_addstr(&b, " }");
	} else {
		ok = false;
	}
	ok = ok && b.len <= FLOW_MAX;
	if (ok)
		ads_buf_add(out, b.buf, b.len);
	ads_buf_release(&b);
	return ok;
}

static void indent(struct ads_buf *out, unsigned n)
{
	ads_buf_addchars(out, ' ', n);
}

static void mapping(struct ads_buf *out, const json_t *obj, unsigned ind,
                    bool first_inline);

/* The value after "key:" (or "- "), at nesting ind. */
static void value(struct ads_buf *out, const json_t *v, unsigned ind)
{
	size_t i;
	json_t *e;

	if (is_scalar(v)) {
		ads_buf_addch(out, ' ');
		scalar(out, v, false);
		ads_buf_addch(out, '\n');
		return;
	}
	if ((json_is_object(v) && !json_object_size(v)) ||
	    (json_is_array(v) && !json_array_size(v))) {
		ads_buf_addstr(out, json_is_object(v) ? " {}\n" : " []\n");
		return;
	}
	ads_buf_addch(out, ' ');
	if (flow(out, v)) {
		ads_buf_addch(out, '\n');
		return;
	}
	ads_buf_setlen(out, out->len - 1);
	ads_buf_addch(out, '\n');
	if (json_is_object(v)) {
		mapping(out, v, ind + 2, false);
		return;
	}
	json_array_foreach(v, i, e) {
		indent(out, ind + 2);
		ads_buf_addch(out, '-');
		if (json_is_object(e) && json_object_size(e)) {
			const char *addr;
			struct ads_buf f = ADS_BUF_INIT;

			if (is_ref(e, &addr) && flow(&f, e)) {
				ads_buf_addf(out, " %s\n", f.buf);
			} else {
				ads_buf_addch(out, ' ');
				mapping(out, e, ind + 4, true);
			}
			ads_buf_release(&f);
		} else if (json_is_array(e) && json_array_size(e)) {
			/* a list in a list: JSON is YAML's flow style */
			char *enc = json_dumps(e, JSON_COMPACT);

			ads_buf_addf(out, " %s\n", enc ? enc : "[]");
			free(enc);
		} else {
			value(out, e, ind + 2);
		}
	}
}

static void mapping(struct ads_buf *out, const json_t *obj, unsigned ind,
                    bool first_inline)
{
	const char *k;
	json_t *v;
	bool first = true;

	json_object_foreach(ads_json_mut(obj), k, v) {
		if (!(first && first_inline))
			indent(out, ind);
		first = false;
		key(out, k);
		value(out, v, ind);
	}
}

void ads_render_manifest(struct ads_buf *out, const json_t *root,
                         const char *header)
{
	if (header) {
		const char *p = header;

		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);

			ads_buf_addstr(out, n ? "# " : "#");
			ads_buf_add(out, p, n);
			ads_buf_addch(out, '\n');
			p += n + (nl ? 1 : 0);
		}
	}
	mapping(out, root, 0, false);
}
