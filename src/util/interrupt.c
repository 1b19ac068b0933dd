/* The stop flag (see interrupt.h). */
#include "util/interrupt.h"

#include <signal.h>

static volatile sig_atomic_t stop_requested;

void ads_interrupt_request(void)
{
	stop_requested = 1;
}

bool ads_interrupt_requested(void)
{
	return stop_requested != 0;
}

void ads_interrupt_reset(void)
{
	stop_requested = 0;
}
