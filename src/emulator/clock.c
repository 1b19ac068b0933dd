/* The emulator's clock (see clock.h). */
#include "emulator/clock.h"

#include <time.h>

void emu_clock_init(struct emu_clock *c)
{
	pthread_mutex_init(&c->mu, NULL);
	c->offset = 0;
	c->frozen_at = 0;
	c->frozen = false;
}

void emu_clock_release(struct emu_clock *c)
{
	pthread_mutex_destroy(&c->mu);
}

static int64_t now_locked(const struct emu_clock *c)
{
	return c->frozen ? c->frozen_at : (int64_t)time(NULL) + c->offset;
}

int64_t emu_clock_now(struct emu_clock *c)
{
	int64_t t;

	if (!c)
		return (int64_t)time(NULL);
	pthread_mutex_lock(&c->mu);
	t = now_locked(c);
	pthread_mutex_unlock(&c->mu);
	return t;
}

void emu_clock_advance(struct emu_clock *c, int64_t seconds)
{
	if (seconds <= 0)
		return;
	pthread_mutex_lock(&c->mu);
	if (c->frozen)
		c->frozen_at += seconds;
	else
		c->offset += seconds;
	pthread_mutex_unlock(&c->mu);
}

void emu_clock_freeze(struct emu_clock *c, bool frozen)
{
	pthread_mutex_lock(&c->mu);
	if (frozen && !c->frozen) {
		c->frozen_at = now_locked(c);
		c->frozen = true;
	} else if (!frozen && c->frozen) {
		/* run on from the frozen time: the clock never goes back */
		c->offset = c->frozen_at - (int64_t)time(NULL);
		c->frozen = false;
	}
	pthread_mutex_unlock(&c->mu);
}

json_t *emu_clock_json(struct emu_clock *c)
{
	json_t *j;

	pthread_mutex_lock(&c->mu);
	j = json_pack("{s:I,s:b,s:I}", "now", (json_int_t)now_locked(c),
	              "frozen", c->frozen, "offset", (json_int_t)c->offset);
	pthread_mutex_unlock(&c->mu);
	return j;
}
