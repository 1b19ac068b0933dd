/*
 * The Marketing API emulator (DESIGN.md §9): an in-memory Graph API on
 * 127.0.0.1 that behaves as Meta's does for everything adsctl uses, so
 * that the quick start, the tests and the benchmarks run against something
 * that punishes the same mistakes. docs/emulator.md documents the
 * behaviour, the configuration file and the admin endpoints.
 *
 * Library code: it never prints and never reads the environment; the CLI
 * passes the token from ADSCTL_ACCESS_TOKEN in the configuration.
 */
#ifndef ADS_EMULATOR_EMULATOR_H
#define ADS_EMULATOR_EMULATOR_H

#include "emulator/config.h"
#include "util/error.h"

struct ads_emulator;

/*
 * Loads cfg->data_file (when it exists), binds 127.0.0.1:cfg->port and
 * serves in background threads until ads_emulator_stop(). cfg is copied.
 * *out is set only on success and is freed with ads_emulator_free().
 */
int ads_emulator_start(struct ads_emulator **out,
                       const struct ads_emulator_config *cfg,
                       struct ads_error *err);
/* "http://127.0.0.1:PORT" (borrowed, valid until ads_emulator_free). */
const char *ads_emulator_url(const struct ads_emulator *emu);
unsigned ads_emulator_port(const struct ads_emulator *emu);
/* Writes the state to the data file now (no-op without one). */
int ads_emulator_save(struct ads_emulator *emu, struct ads_error *err);
/*
 * Stops serving (in-flight requests finish), stops the async worker and
 * persists to the data file if one is set. Idempotent.
 */
int ads_emulator_stop(struct ads_emulator *emu, struct ads_error *err);
/* Stops (if needed, ignoring persistence errors) and frees; NULL is ok. */
void ads_emulator_free(struct ads_emulator *emu);

#endif
