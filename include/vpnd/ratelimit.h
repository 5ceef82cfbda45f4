/* Rate limits for log lines that an unauthenticated sender can cause: a
 * flood of datagrams must not become a flood of log lines (and a full
 * disk), while the first few still tell the admin what is going on. */
#ifndef VPND_RATELIMIT_H
#define VPND_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_BURST 5          /* lines per window */
#define RATELIMIT_WINDOW_MS 10000

struct ratelimit {
	uint64_t window_start;     /* ms, of the current window */
	unsigned in_window;        /* lines passed in it */
	unsigned long suppressed;  /* dropped since the last one passed */
};

/* Whether one more line may go out at now_ms. When it may, *dropped (if
 * not NULL) gets the number suppressed before it, for the caller to say
 * so in that line. */
bool ratelimit_pass(struct ratelimit *rl, uint64_t now_ms,
		    unsigned long *dropped);

#endif
