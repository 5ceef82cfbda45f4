/* Noticing that the machine slept. CLOCK_MONOTONIC stops during a
 * suspend and CLOCK_BOOTTIME does not, so the second moving ahead of
 * the first is the time spent asleep. A periodic timerfd on
 * CLOCK_BOOTTIME is due during the sleep and so fires the moment the
 * machine wakes up: the check costs one wakeup per tick, not a poll. */
#ifndef VPND_SUSPEND_H
#define VPND_SUSPEND_H

#include <stdint.h>

#include "vpnd/buf.h"
#include "vpnd/loop.h"

/* Where the two clocks are read: the real ones, or a test's. */
struct suspend_clock {
	int (*now)(void *ctx, uint64_t *mono_ms, uint64_t *boot_ms);
	void *ctx;
};

/* How far boot time moved ahead of monotonic time between two readings
 * (0 when it did not). */
uint64_t suspend_gap_ms(uint64_t mono0, uint64_t boot0, uint64_t mono1,
			uint64_t boot1);

typedef void (*suspend_fn)(void *ctx, uint64_t slept_ms);

struct suspend_watch;

/* Calls fn after each sleep longer than threshold_ms, checking every
 * tick_ms of boot time and at once on waking. clk NULL: the real
 * clocks. */
struct suspend_watch *suspend_watch_new(struct loop *l, unsigned tick_ms,
					unsigned threshold_ms,
					const struct suspend_clock *clk,
					suspend_fn fn, void *ctx,
					struct verr *e);
/* Reads the clocks now (the tick does the same). */
void suspend_watch_check(struct suspend_watch *w);
void suspend_watch_free(struct suspend_watch *w);

#endif
