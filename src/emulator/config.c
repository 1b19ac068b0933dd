/*
 * The emulator's configuration: defaults, the JSON file loader, and the
 * runtime subset POST /_emulator/config may change (see config.h).
 */
#include "emulator/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

void ads_emulator_config_init(struct ads_emulator_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->default_currency = xstrdup("USD");
	cfg->default_timezone = xstrdup("America/Los_Angeles");
	cfg->default_min_daily_budget = 100; /* $1.00 */
	cfg->max_body_bytes = 64u << 20;
	cfg->max_connections = 256;
	cfg->rt.seed = 1;
	cfg->rt.latency_ms = 0;
	/* standard access: 100000 + 40 x active ads per hour (003:L12886) */
	cfg->rt.buc_budget[ADS_EMU_BUC_ADS_MANAGEMENT] = 100000;
	cfg->rt.buc_window[ADS_EMU_BUC_ADS_MANAGEMENT] = 3600;
	/* 003:L12940-12954 */
	cfg->rt.buc_budget[ADS_EMU_BUC_CUSTOM_AUDIENCE] = 190000;
	cfg->rt.buc_window[ADS_EMU_BUC_CUSTOM_AUDIENCE] = 3600;
	cfg->rt.app_budget = 1000000;
	snprintf(cfg->rt.access_tier, sizeof(cfg->rt.access_tier), "%s",
	         "standard_access");
	cfg->rt.review_seconds = 10;
	cfg->rt.default_limit = 25;
	cfg->rt.max_limit = 5000;
	cfg->rt.max_page_bytes = 4u << 20;
	cfg->rt.async_per_tick = 10;
	cfg->rt.async_tick_ms = 100;
	cfg->rt.audience_min_size = 0;
	cfg->rt.require_budget_sharing_flag = true;
}

static void free_tokens(struct ads_emulator_config *cfg)
{
	for (size_t i = 0; i < cfg->ntokens; i++)
		free(cfg->tokens[i]);
	free(cfg->tokens);
	cfg->tokens = NULL;
	cfg->ntokens = 0;
}

void ads_emulator_config_release(struct ads_emulator_config *cfg)
{
	free(cfg->data_file);
	free_tokens(cfg);
	free(cfg->env_token);
	free(cfg->app_secret);
	free(cfg->default_currency);
	free(cfg->default_timezone);
	for (size_t i = 0; i < cfg->naccounts; i++) {
		free(cfg->accounts[i].id);
		free(cfg->accounts[i].currency);
		free(cfg->accounts[i].timezone_name);
	}
	free(cfg->accounts);
	memset(cfg, 0, sizeof(*cfg));
}

void ads_emulator_config_add_token(struct ads_emulator_config *cfg,
                                   const char *token)
{
	cfg->tokens = xreallocarray(cfg->tokens, cfg->ntokens + 2,
	                            sizeof(*cfg->tokens));
	cfg->tokens[cfg->ntokens++] = xstrdup(token);
	cfg->tokens[cfg->ntokens] = NULL;
}

/* --- the JSON format ------------------------------------------------------ */

struct loader {
	struct ads_error *err;
	const char *where; /* file name or "config" */
};

static int bad(struct loader *l, const char *key, const char *what)
{
	return ads_error_set(l->err, ADS_EINVALID, "%s: '%s' %s", l->where, key,
	                     what);
}

static int unknown(struct loader *l, const char *prefix, const char *key,
                   const char *const *known)
{
	size_t n = 0;
	const char *sugg;

	while (known[n])
		n++;
	sugg = ads_suggest(key, known, n);
	return ads_error_set(l->err, ADS_EINVALID,
	                     "%s: unknown setting '%s%s'%s%s%s", l->where,
	                     prefix, key, sugg ? " (did you mean '" : "",
	                     sugg ? sugg : "", sugg ? "'?)" : "");
}

static int get_int(struct loader *l, const char *key, json_t *v, int64_t min,
                   int64_t max, int64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		char what[96];

		snprintf(what, sizeof(what),
		         "must be an integer from %lld to %lld", (long long)min,
		         (long long)max);
		return bad(l, key, what);
	}
	*out = json_integer_value(v);
	return 0;
}

static int get_str(struct loader *l, const char *key, json_t *v, char **out)
{
	if (!json_is_string(v))
		return bad(l, key, "must be a string");
	free(*out);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int get_rate(struct loader *l, const char *key, json_t *v, double *out)
{
	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1)
		return bad(l, key, "must be a number from 0 to 1");
	*out = json_number_value(v);
	return 0;
}

static const char *const fault_keys[] = { "transient",       "http_5xx",
	                                  "null_batch_item", "commit_then_drop",
	                                  "throttle",        NULL };
static const char *const buc_keys[] = { "ads_management", "custom_audience",
	                                "app", NULL };

static int apply_faults(struct loader *l, struct ads_emulator_config *cfg,
                        json_t *o)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return bad(l, "faults", "must be an object");
	json_object_foreach(o, k, v) {
		int i = 0;

		while (fault_keys[i] && strcmp(fault_keys[i], k))
			i++;
		if (!fault_keys[i])
			return unknown(l, "faults.", k, fault_keys);
		if (get_rate(l, k, v, &cfg->rt.fault_rate[i]))
			return -1;
	}
	return 0;
}

static int apply_limits(struct loader *l, struct ads_emulator_config *cfg,
                        json_t *o)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return bad(l, "rate_limits", "must be an object");
	json_object_foreach(o, k, v) {
		static const char *const sub[] = { "budget", "window_seconds",
			                           NULL };
		int i = 0;
		const char *k2;
		json_t *v2;

		while (buc_keys[i] && strcmp(buc_keys[i], k))
			i++;
		if (!buc_keys[i])
			return unknown(l, "rate_limits.", k, buc_keys);
		if (!json_is_object(v))
			return bad(l, k, "must be an object");
		json_object_foreach(v, k2, v2) {
			int64_t n;

			if (strcmp(k2, "budget") &&
			    strcmp(k2, "window_seconds"))
				return unknown(l, "rate_limits.", k2, sub);
			if (get_int(l, k2, v2, k2[0] == 'b' ? 0 : 1,
			            k2[0] == 'b' ? INT64_MAX / 200 : 86400 * 7,
			            &n))
				return -1;
			if (i == 2) {
				if (k2[0] == 'b')
					cfg->rt.app_budget = n;
			} else if (k2[0] == 'b') {
				cfg->rt.buc_budget[i] = n;
			} else {
				cfg->rt.buc_window[i] = n;
			}
		}
	}
	return 0;
}

static int apply_accounts(struct loader *l, struct ads_emulator_config *cfg,
                          json_t *o)
{
	const char *id;
	json_t *v;

	if (!json_is_object(o))
		return bad(l, "accounts", "must be an object keyed by act_ id");
	json_object_foreach(o, id, v) {
		static const char *const keys[] = { "currency", "timezone_name",
			                            "min_daily_budget", NULL };
		struct ads_emulator_account_cfg *a;
		const char *k;
		json_t *x;

		if (strncmp(id, "act_", 4) || !id[4] ||
		    strspn(id + 4, "0123456789") != strlen(id + 4))
			return bad(l, id,
			           "is not an ad account id (act_<digits>)");
		if (!json_is_object(v))
			return bad(l, id, "must be an object");
		cfg->accounts = xreallocarray(cfg->accounts, cfg->naccounts + 1,
		                              sizeof(*cfg->accounts));
		a = &cfg->accounts[cfg->naccounts++];
		memset(a, 0, sizeof(*a));
		a->id = xstrdup(id);
		a->min_daily_budget = -1;
		json_object_foreach(v, k, x) {
			if (!strcmp(k, "currency")) {
				if (get_str(l, k, x, &a->currency))
					return -1;
			} else if (!strcmp(k, "timezone_name")) {
				if (get_str(l, k, x, &a->timezone_name))
					return -1;
			} else if (!strcmp(k, "min_daily_budget")) {
				if (get_int(l, k, x, 0, INT64_MAX / 2,
				            &a->min_daily_budget))
					return -1;
			} else {
				return unknown(l, "accounts.*.", k, keys);
			}
		}
	}
	return 0;
}

static const char *const top_keys[] = {
	"port",
	"data_file",
	"tokens",
	"app_secret",
	"accounts",
	"defaults",
	"seed",
	"latency_ms",
	"faults",
	"rate_limits",
	"access_tier",
	"review_seconds",
	"paging",
	"async",
	"audience_min_size",
	"require_budget_sharing_flag",
	"max_body_bytes",
	"max_connections",
	NULL,
};

static int apply(struct loader *l, struct ads_emulator_config *cfg, json_t *obj)
{
	const char *k;
	json_t *v;
	int64_t n;

	json_object_foreach(obj, k, v) {
		if (!strcmp(k, "port")) {
			if (get_int(l, k, v, 0, 65535, &n))
				return -1;
			cfg->port = (unsigned)n;
		} else if (!strcmp(k, "data_file")) {
			if (get_str(l, k, v, &cfg->data_file))
				return -1;
		} else if (!strcmp(k, "tokens")) {
			size_t i;
			json_t *t;

			if (!json_is_array(v))
				return bad(l, k, "must be an array of strings");
			free_tokens(cfg);
			json_array_foreach(v, i, t) {
				if (!json_is_string(t) ||
				    !json_string_length(t))
					return bad(
					        l, k,
					        "must hold non-empty strings");
				ads_emulator_config_add_token(
				        cfg, json_string_value(t));
			}
		} else if (!strcmp(k, "app_secret")) {
			if (get_str(l, k, v, &cfg->app_secret))
				return -1;
		} else if (!strcmp(k, "accounts")) {
			if (apply_accounts(l, cfg, v))
				return -1;
		} else if (!strcmp(k, "defaults")) {
			static const char *const dk[] = { "currency",
				                          "timezone_name",
				                          "min_daily_budget",
				                          NULL };
			const char *k2;
			json_t *v2;

			if (!json_is_object(v))
				return bad(l, k, "must be an object");
			json_object_foreach(v, k2, v2) {
				if (!strcmp(k2, "currency")) {
					if (get_str(l, k2, v2,
					            &cfg->default_currency))
						return -1;
				} else if (!strcmp(k2, "timezone_name")) {
					if (get_str(l, k2, v2,
					            &cfg->default_timezone))
						return -1;
				} else if (!strcmp(k2, "min_daily_budget")) {
					if (get_int(l, k2, v2, 0, INT64_MAX / 2,
					            &cfg->default_min_daily_budget))
						return -1;
				} else {
					return unknown(l, "defaults.", k2, dk);
				}
			}
		} else if (!strcmp(k, "seed")) {
			if (get_int(l, k, v, 0, INT64_MAX, &n))
				return -1;
			cfg->rt.seed = (uint64_t)n;
		} else if (!strcmp(k, "latency_ms")) {
			if (get_int(l, k, v, 0, 60000, &n))
				return -1;
			cfg->rt.latency_ms = (unsigned)n;
		} else if (!strcmp(k, "faults")) {
			if (apply_faults(l, cfg, v))
				return -1;
		} else if (!strcmp(k, "rate_limits")) {
			if (apply_limits(l, cfg, v))
				return -1;
		} else if (!strcmp(k, "access_tier")) {
			const char *s = json_string_value(v);

			if (!s || (strcmp(s, "development_access") &&
			           strcmp(s, "standard_access")))
				return bad(l, k,
				           "must be development_access or "
				           "standard_access");
			snprintf(cfg->rt.access_tier,
			         sizeof(cfg->rt.access_tier), "%s", s);
		} else if (!strcmp(k, "review_seconds")) {
			if (get_int(l, k, v, 0, 86400, &cfg->rt.review_seconds))
				return -1;
		} else if (!strcmp(k, "paging")) {
			static const char *const pk[] = { "default_limit",
				                          "max_limit",
				                          "max_page_bytes",
				                          NULL };
			const char *k2;
			json_t *v2;

			if (!json_is_object(v))
				return bad(l, k, "must be an object");
			json_object_foreach(v, k2, v2) {
				if (!strcmp(k2, "default_limit")) {
					if (get_int(l, k2, v2, 1, 100000, &n))
						return -1;
					cfg->rt.default_limit = (unsigned)n;
				} else if (!strcmp(k2, "max_limit")) {
					if (get_int(l, k2, v2, 1, 100000, &n))
						return -1;
					cfg->rt.max_limit = (unsigned)n;
				} else if (!strcmp(k2, "max_page_bytes")) {
					if (get_int(l, k2, v2, 0, 1LL << 34,
					            &n))
						return -1;
					cfg->rt.max_page_bytes = (size_t)n;
				} else {
					return unknown(l, "paging.", k2, pk);
				}
			}
		} else if (!strcmp(k, "async")) {
			static const char *const ak[] = { "requests_per_tick",
				                          "tick_ms", "paused",
				                          NULL };
			const char *k2;
			json_t *v2;

			if (!json_is_object(v))
				return bad(l, k, "must be an object");
			json_object_foreach(v, k2, v2) {
				if (!strcmp(k2, "requests_per_tick")) {
					if (get_int(l, k2, v2, 1, 100000, &n))
						return -1;
					cfg->rt.async_per_tick = (unsigned)n;
				} else if (!strcmp(k2, "tick_ms")) {
					if (get_int(l, k2, v2, 1, 60000, &n))
						return -1;
					cfg->rt.async_tick_ms = (unsigned)n;
				} else if (!strcmp(k2, "paused")) {
					if (!json_is_boolean(v2))
						return bad(
						        l, k2,
						        "must be true or false");
					cfg->rt.async_paused = json_is_true(v2);
				} else {
					return unknown(l, "async.", k2, ak);
				}
			}
		} else if (!strcmp(k, "audience_min_size")) {
			if (get_int(l, k, v, 0, INT64_MAX / 2,
			            &cfg->rt.audience_min_size))
				return -1;
		} else if (!strcmp(k, "require_budget_sharing_flag")) {
			if (!json_is_boolean(v))
				return bad(l, k, "must be true or false");
			cfg->rt.require_budget_sharing_flag = json_is_true(v);
		} else if (!strcmp(k, "max_body_bytes")) {
			if (get_int(l, k, v, 1024, 1LL << 32, &n))
				return -1;
			cfg->max_body_bytes = (size_t)n;
		} else if (!strcmp(k, "max_connections")) {
			if (get_int(l, k, v, 1, 10000, &n))
				return -1;
			cfg->max_connections = (unsigned)n;
		} else {
			return unknown(l, "", k, top_keys);
		}
	}
	return 0;
}

int ads_emulator_config_apply(struct ads_emulator_config *cfg, json_t *obj,
                              struct ads_error *err)
{
	struct loader l = { err, "emulator config" };

	if (!json_is_object(obj))
		return ads_error_set(err, ADS_EINVALID,
		                     "emulator config: must be a JSON object");
	return apply(&l, cfg, obj) ? ADS_EINVALID : 0;
}

int ads_emulator_config_load(struct ads_emulator_config *cfg, const char *path,
                             struct ads_error *err)
{
	struct loader l = { err, path };
	json_t *root = NULL;
	int rc = ads_json_load_file(&root, path, 1u << 20, err);

	if (rc)
		return rc;
	if (!json_is_object(root))
		rc = ads_error_set(err, ADS_EINVALID,
		                   "%s: must be a JSON object", path);
	else if (apply(&l, cfg, root))
		rc = ADS_EINVALID;
	json_decref(root);
	return rc;
}
