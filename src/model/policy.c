/*
 * Project policies (see policy.h). Patterns are compiled once per policy
 * with PCRE2 and matched with limits, so a pathological pattern ends in a
 * diagnostic instead of a hang.
 */
#include "model/policy.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000

struct policy {
	size_t index;
	enum ads_kind kind;
	const char *field; /* dotted, as written */
	struct ads_strvec path;
	pcre2_code *re;
	const char *pattern;
	json_t *min, *max, *allowed;
	bool required;
	const char *message;
	struct ads_srcloc loc; /* the policy entry */
	bool broken; /* its pattern failed to match: said once */
};

struct check {
	const struct ads_model *m;
	struct ads_diags *diags;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
};

static void policy_loc(const struct ads_model *m, size_t i, const char *member,
                       struct ads_srcloc *loc)
{
	char ptr[64];

	if (member)
		snprintf(ptr, sizeof(ptr), "/policies/%zu/%s", i, member);
	else
		snprintf(ptr, sizeof(ptr), "/policies/%zu", i);
	loc->file = m->project->main->path;
	loc->line = loc->col = 0;
	ads_doc_locate(m->project->main, ptr, ADS_LOC_VALUE, loc);
}

static void bad_policy(struct check *c, size_t i, const char *member,
                       const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void bad_policy(struct check *c, size_t i, const char *member,
                       const char *fmt, ...)
{
	struct ads_srcloc loc;
	va_list ap;
	char *msg;

	policy_loc(c->m, i, member, &loc);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ads_diags_add(c->diags, ADS_SEV_ERROR, &loc, "policy.invalid", NULL,
	              "%s", msg);
	free(msg);
}

static bool parse_policy(struct check *c, struct policy *p, size_t i, json_t *e)
{
	const char *kind = json_string_value(json_object_get(e, "kind"));
	json_t *req = json_object_get(e, "required");

	memset(p, 0, sizeof(*p));
	p->index = i;
	policy_loc(c->m, i, NULL, &p->loc);
	if (!json_is_object(e)) {
		bad_policy(c, i, NULL,
		           "a policy must be a mapping with kind and field");
		return false;
	}
	if (!kind || ads_kind_parse(&p->kind, kind) ||
	    p->kind == ADS_KIND_IMAGE || p->kind == ADS_KIND_VIDEO) {
		bad_policy(c, i, kind ? "kind" : NULL,
		           "policy kind must be campaign, ad_set, ad, "
		           "creative or audience");
		return false;
	}
	p->field = json_string_value(json_object_get(e, "field"));
	if (p->field)
		ads_strvec_split(&p->path, p->field, '.');
	for (size_t k = 0; k < p->path.nr; k++)
		if (!*p->path.v[k])
			p->field = NULL;
	if (!p->field || !*p->field) {
		bad_policy(c, i, json_object_get(e, "field") ? "field" : NULL,
		           "policy field must be a dotted path such as "
		           "targeting.age_min");
		return false;
	}
	p->pattern = json_string_value(json_object_get(e, "pattern"));
	p->min = json_object_get(e, "min");
	p->max = json_object_get(e, "max");
	p->allowed = json_object_get(e, "enum");
	p->required = json_is_true(req);
	p->message = json_string_value(json_object_get(e, "message"));
	if ((p->min && !json_is_number(p->min)) ||
	    (p->max && !json_is_number(p->max))) {
		bad_policy(c, i,
		           p->min && !json_is_number(p->min) ? "min" : "max",
		           "policy min and max must be numbers");
		return false;
	}
	if (p->allowed && !json_is_array(p->allowed)) {
		bad_policy(c, i, "enum", "policy enum must be a list");
		return false;
	}
	if (!p->pattern && !p->min && !p->max && !p->allowed && !p->required) {
		bad_policy(c, i, NULL,
		           "policy on '%s' checks nothing: give pattern, min, "
		           "max, enum or required",
		           p->field);
		return false;
	}
	if (p->pattern) {
		int errcode;
		PCRE2_SIZE off;

		p->re = pcre2_compile((PCRE2_SPTR)p->pattern,
		                      PCRE2_ZERO_TERMINATED, PCRE2_UTF,
		                      &errcode, &off, NULL);
		if (!p->re) {
			PCRE2_UCHAR buf[160];

			pcre2_get_error_message(errcode, buf, sizeof(buf));
			bad_policy(c, i, "pattern",
			           "invalid policy pattern: %s at offset %zu",
			           (const char *)buf, (size_t)off);
			return false;
		}
	}
	return true;
}

/* Appends a value for a message, shortened: strings quoted. */
static void show(struct ads_buf *b, json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = strlen(s);

		if (len > 60)
			ads_buf_addf(b, "'%.57s...'", s);
		else
			ads_buf_addf(b, "'%s'", s);
	} else {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		if (s && strlen(s) > 60)
			ads_buf_addf(b, "%.57s...", s);
		else
			ads_buf_addstr(b, s ? s : "?");
		free(s);
	}
}

static void violation(struct check *c, const struct policy *p,
                      const struct ads_resource *r, const char *ptr,
                      json_t *value, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

static void violation(struct check *c, const struct policy *p,
                      const struct ads_resource *r, const char *ptr,
                      json_t *value, const char *fmt, ...)
{
	struct ads_buf msg = ADS_BUF_INIT;
	struct ads_srcloc loc;
	va_list ap;

	ads_resource_locate(r, ptr, ADS_LOC_VALUE, &loc);
	if (p->message) {
		ads_buf_addstr(&msg, p->message);
	} else {
		ads_buf_addf(&msg, "%s ", p->field);
		if (value) {
			show(&msg, value);
			ads_buf_addch(&msg, ' ');
		}
		va_start(ap, fmt);
		ads_buf_vaddf(&msg, fmt, ap);
		va_end(ap);
	}
	ads_buf_addf(&msg, " (policy at %s:%u)", p->loc.file, p->loc.line);
	ads_diags_add(c->diags, ADS_SEV_ERROR, &loc, "policy", NULL, "%s",
	              msg.buf);
	ads_buf_release(&msg);
}

static bool number_of(json_t *v, double *out)
{
	int64_t i;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (ads_json_as_int64(v, &i)) {
		*out = (double)i;
		return true;
	}
	return false;
}

static void check_value(struct check *c, struct policy *p,
                        const struct ads_resource *r, const char *ptr,
                        json_t *v)
{
	if (p->re && !p->broken) {
		struct ads_buf text = ADS_BUF_INIT;
		int rc;

		if (json_is_string(v)) {
			ads_buf_addstr(&text, json_string_value(v));
		} else if (json_is_integer(v)) {
			ads_buf_addf(&text, "%lld",
			             (long long)json_integer_value(v));
		} else {
			violation(c, p, r, ptr, NULL,
			          "must be text to match the policy pattern");
			goto limits;
		}
		rc = pcre2_match(p->re, (PCRE2_SPTR)text.buf, text.len, 0, 0,
		                 c->md, c->mctx);
		if (rc == PCRE2_ERROR_NOMATCH) {
			violation(c, p, r, ptr, v,
			          "does not match the policy pattern '%s'",
			          p->pattern);
		} else if (rc < 0) {
			bad_policy(c, p->index, "pattern",
			           "policy pattern cannot be evaluated (too "
			           "complex or invalid input)");
			p->broken = true;
		}
		ads_buf_release(&text);
	}
limits:
	if (p->min || p->max) {
		double d;

		if (!number_of(v, &d))
			violation(c, p, r, ptr, v, "is not a number");
		else if (p->min && d < json_number_value(p->min))
			violation(c, p, r, ptr, v,
			          "is below the policy minimum %g",
			          json_number_value(p->min));
		else if (p->max && d > json_number_value(p->max))
			violation(c, p, r, ptr, v,
			          "is above the policy maximum %g",
			          json_number_value(p->max));
	}
	if (p->allowed) {
		size_t i;
		json_t *a;
		bool ok = false;

		json_array_foreach(p->allowed, i, a)
			ok = ok || json_equal(a, v);
		if (!ok) {
			struct ads_buf list = ADS_BUF_INIT;

			json_array_foreach(p->allowed, i, a) {
				if (i == 8) {
					ads_buf_addstr(&list, ", ...");
					break;
				}
				if (i)
					ads_buf_addstr(&list, ", ");
				show(&list, a);
			}
			violation(c, p, r, ptr, v,
			          "is not allowed by the policy (allowed: %s)",
			          list.buf);
			ads_buf_release(&list);
		}
	}
}

/* "ad set" for "an ad set": the kind in words without the article. */
static const char *kind_words(enum ads_kind kind)
{
	const char *noun = ads_kind_noun(kind);

	return strchr(noun, ' ') + 1;
}

static void check_resource(struct check *c, struct policy *p,
                           const struct ads_resource *r)
{
	struct ads_buf ptr = ADS_BUF_INIT;
	json_t *v = r->fields;

	for (size_t k = 0; k < p->path.nr && v; k++) {
		ads_buf_addf(&ptr, "/%s", p->path.v[k]);
		v = json_object_get(v, p->path.v[k]);
	}
	if (!v || json_is_null(v)) {
		/*
		 * A field that must match a pattern must be there (a naming
		 * or tagging rule); limits and enums bound a value only when
		 * one is declared (no ad set budget under a campaign budget).
		 */
		if (p->required || p->re) {
			struct ads_srcloc loc = r->loc;
			struct ads_buf msg = ADS_BUF_INIT;

			if (p->message)
				ads_buf_addstr(&msg, p->message);
			else if (p->re)
				ads_buf_addf(&msg,
				             "%s '%s' has no %s, which must "
				             "match the policy pattern '%s'",
				             kind_words(r->kind), r->address,
				             p->field, p->pattern);
			else
				ads_buf_addf(&msg,
				             "%s '%s' has no %s, which the "
				             "policy requires",
				             kind_words(r->kind), r->address,
				             p->field);
			ads_buf_addf(&msg, " (policy at %s:%u)", p->loc.file,
			             p->loc.line);
			ads_diags_add(c->diags, ADS_SEV_ERROR, &loc, "policy",
			              NULL, "%s", msg.buf);
			ads_buf_release(&msg);
		}
	} else if (json_is_array(v) && !p->required) {
		size_t i, mark = ptr.len;
		json_t *e;

		json_array_foreach(v, i, e) {
			ads_buf_setlen(&ptr, mark);
			ads_buf_addf(&ptr, "/%zu", i);
			if (!ads_resource_schema_said(r, ptr.buf))
				check_value(c, p, r, ptr.buf, e);
		}
	} else if (ads_resource_schema_said(r, ptr.buf)) {
		/* the schema's message says what is wrong with the value: a
		 * policy would repeat it in other words ("'twenty' is not a
		 * number") or blame a limit the value never reached */
	} else if (p->pattern || p->min || p->max || p->allowed) {
		check_value(c, p, r, ptr.buf, v);
	}
	ads_buf_release(&ptr);
}

void ads_policies_check(const struct ads_model *m, const bool *skip,
                        struct ads_diags *diags)
{
	struct check c = { m, diags, NULL, NULL };
	size_t n = json_array_size(m->policies), i;
	struct policy *ps;
	json_t *e;

	if (!n)
		return;
	ps = xcalloc(n, sizeof(*ps));
	c.mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(c.mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(c.mctx, DEPTH_LIMIT);
	c.md = pcre2_match_data_create(1, NULL);
	if (!c.mctx || !c.md) {
		struct ads_srcloc loc = { m->project->main->path, 0, 0 };

		ads_diags_add(diags, ADS_SEV_ERROR, &loc, "policy.invalid",
		              NULL, "out of memory while checking policies");
		goto out;
	}
	json_array_foreach(m->policies, i, e) {
		struct policy *p = &ps[i];

		if ((skip && skip[i]) || !parse_policy(&c, p, i, e)) {
			p->field = NULL;
			continue;
		}
		for (size_t k = 0; k < m->nr; k++)
			if (m->order[k]->kind == p->kind)
				check_resource(&c, p, m->order[k]);
	}
out:
	for (i = 0; i < n; i++) {
		pcre2_code_free(ps[i].re);
		ads_strvec_release(&ps[i].path);
	}
	free(ps);
	pcre2_match_data_free(c.md);
	pcre2_match_context_free(c.mctx);
}
