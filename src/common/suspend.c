/* Noticing that the machine slept (include/vpnd/suspend.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vpnd/log.h"
#include "vpnd/suspend.h"

struct suspend_watch {
	struct loop *loop;
	int fd;
	unsigned threshold_ms;
	struct suspend_clock clk;
	suspend_fn fn;
	void *ctx;
	uint64_t mono, boot;    /* the last reading */
};

static uint64_t ms_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000u + (uint64_t)t->tv_nsec / 1000000u;
}

static int real_now(void *ctx, uint64_t *mono_ms, uint64_t *boot_ms)
{
	struct timespec m, b;

	(void)ctx;
	if (clock_gettime(CLOCK_MONOTONIC, &m) < 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &b) < 0)
		return -1;
	*mono_ms = ms_of(&m);
	*boot_ms = ms_of(&b);
	return 0;
}

uint64_t suspend_gap_ms(uint64_t mono0, uint64_t boot0, uint64_t mono1,
			uint64_t boot1)
{
	uint64_t dm = mono1 > mono0 ? mono1 - mono0 : 0;
	uint64_t db = boot1 > boot0 ? boot1 - boot0 : 0;

	return db > dm ? db - dm : 0;
}

void suspend_watch_check(struct suspend_watch *w)
{
	uint64_t mono, boot, gap;

	if (w->clk.now(w->clk.ctx, &mono, &boot) < 0)
		return;
	gap = suspend_gap_ms(w->mono, w->boot, mono, boot);
	w->mono = mono;
	w->boot = boot;
	/* Both clocks tick alike while awake; a little drift between two
	 * readings is not a sleep. */
	if (gap > w->threshold_ms) {
		log_info("the machine slept for %llu s",
			 (unsigned long long)(gap / 1000));
		w->fn(w->ctx, gap);
	}
}

static void on_tick(void *ctx, int fd, uint32_t events)
{
	uint64_t expirations;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("suspend watch: %s", strerror(errno));
	suspend_watch_check(ctx);
}

static int start_tick(struct suspend_watch *w, unsigned tick_ms)
{
	struct itimerspec its = { 0 };

	its.it_interval.tv_sec = tick_ms / 1000;
	its.it_interval.tv_nsec = (long)(tick_ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	w->fd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->fd < 0 || timerfd_settime(w->fd, 0, &its, NULL) < 0)
		return -1;
	return loop_add_fd(w->loop, w->fd, EPOLLIN, on_tick, w);
}

struct suspend_watch *suspend_watch_new(struct loop *l, unsigned tick_ms,
					unsigned threshold_ms,
					const struct suspend_clock *clk,
					suspend_fn fn, void *ctx,
					struct verr *e)
{
	struct suspend_watch *w = calloc(1, sizeof(*w));

	if (!w) {
		verr_set(e, "suspend watch: out of memory");
		return NULL;
	}
	w->loop = l;
	w->fd = -1;
	w->threshold_ms = threshold_ms;
	w->clk = clk ? *clk : (struct suspend_clock){ real_now, NULL };
	w->fn = fn;
	w->ctx = ctx;
	if (w->clk.now(w->clk.ctx, &w->mono, &w->boot) < 0 ||
	    start_tick(w, tick_ms ? tick_ms : 1000) < 0) {
		verr_set(e, "suspend watch: %s", strerror(errno));
		suspend_watch_free(w);
		return NULL;
	}
	return w;
}

void suspend_watch_free(struct suspend_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		loop_del_fd(w->loop, w->fd);
		close(w->fd);
	}
	free(w);
}
