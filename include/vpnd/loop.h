/* Single-threaded epoll event loop with one-shot timers. */
#ifndef VPND_LOOP_H
#define VPND_LOOP_H

#include <stdint.h>

struct loop;
typedef void (*loop_fd_fn)(void *ctx, int fd, uint32_t events);
typedef void (*loop_timer_fn)(void *ctx);

struct loop *loop_new(void);
void loop_free(struct loop *l);
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn,
		void *ctx);
void loop_del_fd(struct loop *l, int fd);
/* Returns a timer id > 0, or 0 on failure. */
uint64_t loop_timer(struct loop *l, unsigned ms, loop_timer_fn fn, void *ctx);
void loop_timer_cancel(struct loop *l, uint64_t id);
/* Runs until loop_stop. Returns 0, or -1 on an epoll failure. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
uint64_t loop_now_ms(void);

#endif
