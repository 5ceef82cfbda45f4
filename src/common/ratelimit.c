/* A fixed window: RATELIMIT_BURST lines each RATELIMIT_WINDOW_MS. */
#include <stddef.h>

#include "vpnd/ratelimit.h"

bool ratelimit_pass(struct ratelimit *rl, uint64_t now_ms,
		    unsigned long *dropped)
{
	if (!rl->in_window || now_ms - rl->window_start >= RATELIMIT_WINDOW_MS ||
	    now_ms < rl->window_start) {
		rl->window_start = now_ms;
		rl->in_window = 0;
	}
	if (rl->in_window >= RATELIMIT_BURST) {
		rl->suppressed++;
		return false;
	}
	rl->in_window++;
	if (dropped)
		*dropped = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
