#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "vpnd/log.h"

#include "sd.h"
#include "summary.h"

struct sd_service {
	struct loop *l;
	struct conns *t;
	bool ready;        /* STATUS= only after READY=1 */
	bool stopping;
	bool warned;       /* one warning for a notify socket that fails */
	char *last_status; /* what systemd shows now: sent again only changed */
	unsigned watchdog_ms;
	uint64_t watchdog_timer;
};

static void notify(struct sd_service *s, const char *msg)
{
	int r = sd_notify(0, msg);

	if (r < 0 && !s->warned) {
		s->warned = true;
		log_warn("cannot notify systemd: %s", strerror(-r));
	}
}

static void send_status(struct sd_service *s)
{
	struct wbuf w;

	if (!s->ready)
		return;
	wb_init(&w);
	wb_printf(&w, "STATUS=%s", s->stopping ? "stopping: " : "");
	conns_summary(s->t, &w);
	if (w.oom) {
		wb_free(&w);
		return;
	}
	if (!s->last_status || strcmp(s->last_status, (char *)w.p)) {
		char *copy = strdup((char *)w.p);

		notify(s, (char *)w.p);
		free(s->last_status);
		s->last_status = copy; /* NULL: sent again next time */
	}
	wb_free(&w);
}

static void table_changed(void *ctx)
{
	send_status(ctx);
}

static void watchdog_ping(void *ctx)
{
	struct sd_service *s = ctx;

	notify(s, "WATCHDOG=1");
	s->watchdog_timer = loop_timer(s->l, s->watchdog_ms, watchdog_ping, s);
	if (!s->watchdog_timer)
		log_err("cannot arm the watchdog's timer: systemd will restart vpnd");
}

/* WATCHDOG_USEC (and WATCHDOG_PID, when set, naming us): ping at half
 * the interval, as sd_watchdog_enabled(3) advises. */
static void start_watchdog(struct sd_service *s)
{
	uint64_t usec = 0, ms;
	int r = sd_watchdog_enabled(0, &usec);

	if (r < 0)
		log_warn("ignoring systemd's watchdog settings: %s", strerror(-r));
	if (r <= 0 || !usec)
		return;
	ms = usec / 2000;
	s->watchdog_ms = ms > UINT_MAX ? UINT_MAX : ms ? (unsigned)ms : 1;
	log_info("systemd watchdog: %" PRIu64 " ms, pinging every %u ms",
		 usec / 1000, s->watchdog_ms);
	watchdog_ping(s);
}

struct sd_service *sd_service_new(struct loop *l, struct conns *t)
{
	struct sd_service *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->l = l;
	s->t = t;
	conns_on_change(t, table_changed, s);
	start_watchdog(s);
	return s;
}

void sd_service_ready(struct sd_service *s)
{
	notify(s, "READY=1");
	s->ready = true;
	send_status(s);
}

void sd_service_stopping(struct sd_service *s)
{
	notify(s, "STOPPING=1");
	s->stopping = true;
	send_status(s);
}

void sd_service_free(struct sd_service *s)
{
	if (!s)
		return;
	conns_on_change(s->t, NULL, NULL);
	loop_timer_cancel(s->l, s->watchdog_timer);
	free(s->last_status);
	free(s);
}
