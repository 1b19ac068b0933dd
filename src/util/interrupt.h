/*
 * A process-wide "stop" flag: cli/ sets it from its SIGINT/SIGTERM handler
 * and long-running library loops poll it, finish what is in flight, and
 * return ADS_EINTR.
 */
#ifndef ADS_UTIL_INTERRUPT_H
#define ADS_UTIL_INTERRUPT_H

#include <stdbool.h>

/* Async-signal-safe. */
void ads_interrupt_request(void);
bool ads_interrupt_requested(void);
void ads_interrupt_reset(void);

#endif
