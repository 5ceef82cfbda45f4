/* systemd's service protocol for vpnd (sd_notify(3)), for a unit of
 * Type=notify: READY=1 once the control socket listens and the profiles
 * are loaded, STATUS= with the connections' state (summary.h) after
 * every change, STOPPING=1 at shutdown, and WATCHDOG=1 from the event
 * loop at half of the WATCHDOG_USEC systemd hands over (WatchdogSec=).
 * Without NOTIFY_SOCKET (vpnd not started by systemd) nothing is sent. */
#ifndef VPND_DAEMON_SD_H
#define VPND_DAEMON_SD_H

#include "vpnd/loop.h"

#include "conns.h"

struct sd_service;

/* Follows t's changes (conns_on_change) and starts the watchdog's timer
 * when systemd asked for one. NULL when out of memory. */
struct sd_service *sd_service_new(struct loop *l, struct conns *t);
void sd_service_ready(struct sd_service *s);
void sd_service_stopping(struct sd_service *s);
/* Stops following t; before t is freed. */
void sd_service_free(struct sd_service *s);

#endif
