#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "vpnd/log.h"
#include "vpnd/loop.h"

struct fd_entry {
	int fd;
	loop_fd_fn fn;
	void *ctx;
	struct fd_entry *next;
};

struct timer {
	uint64_t id;
	uint64_t due;
	loop_timer_fn fn;
	void *ctx;
	struct timer *next;
};

struct loop {
	int ep;
	int stop;
	uint64_t next_id;
	struct fd_entry *fds;
	struct timer *timers; /* sorted by due time */
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->fds) {
		struct fd_entry *f = l->fds;

		l->fds = f->next;
		free(f);
	}
	while (l->timers) {
		struct timer *t = l->timers;

		l->timers = t->next;
		free(t);
	}
	close(l->ep);
	free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn,
		void *ctx)
{
	struct epoll_event ev = { .events = events };
	struct fd_entry *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fd = fd;
	f->fn = fn;
	f->ctx = ctx;
	ev.data.fd = fd;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(f);
		return -1;
	}
	f->next = l->fds;
	l->fds = f;
	return 0;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct fd_entry **pp;

	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	for (pp = &l->fds; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			struct fd_entry *f = *pp;

			*pp = f->next;
			free(f);
			return;
		}
	}
}

uint64_t loop_timer(struct loop *l, unsigned ms, loop_timer_fn fn, void *ctx)
{
	struct timer *t = calloc(1, sizeof(*t)), **pp;

	if (!t)
		return 0;
	t->id = ++l->next_id;
	t->due = loop_now_ms() + ms;
	t->fn = fn;
	t->ctx = ctx;
	for (pp = &l->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t->id;
}

void loop_timer_cancel(struct loop *l, uint64_t id)
{
	struct timer **pp;

	if (!id)
		return;
	for (pp = &l->timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct timer *t = *pp;

			*pp = t->next;
			free(t);
			return;
		}
	}
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}

static void run_due_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();

	while (l->timers && l->timers->due <= now && !l->stop) {
		struct timer *t = l->timers;

		l->timers = t->next;
		t->fn(t->ctx);
		free(t);
	}
}

static void dispatch_fd(struct loop *l, int fd, uint32_t events)
{
	struct fd_entry *f;

	for (f = l->fds; f; f = f->next) {
		if (f->fd == fd) {
			f->fn(f->ctx, fd, events);
			return;
		}
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[16];

	l->stop = 0;
	while (!l->stop) {
		int timeout = -1, n, i;

		if (l->timers) {
			uint64_t now = loop_now_ms();

			timeout = l->timers->due <= now ?
					  0 :
					  (int)(l->timers->due - now);
		}
		n = epoll_wait(l->ep, evs, 16, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -1;
		}
		/* Handlers may remove later fds of this batch: look each up. */
		for (i = 0; i < n && !l->stop; i++)
			dispatch_fd(l, evs[i].data.fd, evs[i].events);
		run_due_timers(l);
	}
	return 0;
}
