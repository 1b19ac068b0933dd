/*
 * The emulator's configuration (docs/emulator.md "Configuration"): what a
 * JSON configuration file or POST /_emulator/config may set, and the
 * defaults.
 */
#ifndef ADS_EMULATOR_CONFIG_H
#define ADS_EMULATOR_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Fault kinds, each injected at its own configurable rate. */
enum ads_emulator_fault {
	ADS_EMU_FAULT_TRANSIENT, /* Graph error 1/2 (is_transient), 17, 613 */
	ADS_EMU_FAULT_HTTP_5XX, /* HTTP 500/502/503 */
	ADS_EMU_FAULT_NULL_ITEM, /* a batch item comes back null */
	ADS_EMU_FAULT_DROP, /* commit the write, then drop the response */
	ADS_EMU_FAULT_THROTTLE, /* a throttling error out of the blue */
	ADS_EMU_FAULT_NKINDS,
};

/* Business use case types with their own rate-limit budget. */
enum ads_emulator_buc {
	ADS_EMU_BUC_ADS_MANAGEMENT,
	ADS_EMU_BUC_CUSTOM_AUDIENCE,
	ADS_EMU_BUC_NKINDS,
};

struct ads_emulator_account_cfg {
	char *id; /* "act_123" */
	char *currency; /* NULL: the default */
	char *timezone_name;
	int64_t min_daily_budget; /* minor units; -1: the default */
};

/* Knobs that POST /_emulator/config may change while serving. */
struct ads_emulator_runtime {
	uint64_t seed; /* faults are a function of (seed, call number) */
	unsigned latency_ms; /* added to every Graph HTTP request */
	double fault_rate[ADS_EMU_FAULT_NKINDS]; /* 0..1 each */
	int64_t buc_budget[ADS_EMU_BUC_NKINDS]; /* calls per window */
	int64_t buc_window[ADS_EMU_BUC_NKINDS]; /* seconds */
	int64_t app_budget; /* calls per window, for X-App-Usage */
	char access_tier[32]; /* "development_access" | "standard_access" */
	int64_t review_seconds; /* new ads stay PENDING_REVIEW this long */
	unsigned default_limit; /* page size without `limit` */
	unsigned max_limit; /* larger limits are clamped to this */
	size_t max_page_bytes; /* larger pages fail with code 1 */
	unsigned async_per_tick; /* async requests processed per tick */
	unsigned async_tick_ms;
	bool async_paused; /* no ticks but POST /_emulator/async/tick */
	int64_t audience_min_size; /* removing below this: 200/1870047 */
	bool require_budget_sharing_flag; /* v24+: see docs/emulator.md */
};

struct ads_emulator_config {
	unsigned port; /* 0: an ephemeral port */
	char *data_file; /* persisted at stop, loaded at start; may be NULL */
	char **tokens; /* accepted tokens (NULL-terminated); may be NULL */
	size_t ntokens;
	char *env_token; /* the CLI's ADSCTL_ACCESS_TOKEN, when no tokens */
	char *app_secret; /* requires appsecret_proof when set */
	char *default_currency;
	char *default_timezone;
	int64_t default_min_daily_budget;
	struct ads_emulator_account_cfg *accounts;
	size_t naccounts;
	size_t max_body_bytes; /* larger request bodies are refused */
	unsigned max_connections;
	struct ads_emulator_runtime rt;
};

/* Fills cfg with the defaults (documented in docs/emulator.md). */
void ads_emulator_config_init(struct ads_emulator_config *cfg);
void ads_emulator_config_release(struct ads_emulator_config *cfg);
/*
 * Reads a JSON configuration file into cfg (on top of what cfg holds).
 * Unknown keys and values of the wrong type are errors naming the key.
 */
int ads_emulator_config_load(struct ads_emulator_config *cfg, const char *path,
                             struct ads_error *err);
/* Applies a parsed configuration object (the file's format) to cfg. */
int ads_emulator_config_apply(struct ads_emulator_config *cfg, json_t *obj,
                              struct ads_error *err);
/* Sets the accepted token list to a single token (copied). */
void ads_emulator_config_add_token(struct ads_emulator_config *cfg,
                                   const char *token);

#endif
