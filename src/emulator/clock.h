/*
 * The emulator's clock: the system clock, unless a test moved it forward or
 * froze it (POST /_emulator/clock). Everything time-based reads it: rate-
 * limit windows, review periods, created/updated times, "in the future"
 * checks, updated_since. A frozen clock stands still, so a test decides
 * when a window ends instead of sleeping through it.
 */
#ifndef ADS_EMULATOR_CLOCK_H
#define ADS_EMULATOR_CLOCK_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct emu_clock {
	pthread_mutex_t mu;
	int64_t offset; /* seconds added to the system clock */
	int64_t frozen_at; /* the time while frozen */
	bool frozen;
};

void emu_clock_init(struct emu_clock *c);
void emu_clock_release(struct emu_clock *c);
/* Now, in epoch seconds. c may be NULL (the system clock). */
int64_t emu_clock_now(struct emu_clock *c);
/* Moves the clock forward (never back) by seconds >= 0. */
void emu_clock_advance(struct emu_clock *c, int64_t seconds);
/* Stops the clock where it is, or lets it run on from there. */
void emu_clock_freeze(struct emu_clock *c, bool frozen);
/* {"now", "frozen", "offset"} (new reference). */
json_t *emu_clock_json(struct emu_clock *c);

#endif
