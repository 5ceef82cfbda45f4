/* The network monitor (rtnetlink): links, addresses and routes. It
 * reports a change once the kernel has been quiet for a while, so that
 * a Wi-Fi roam (address gone, route gone, address back, route back) is
 * one event; what to do about it is for the caller, which asks for the
 * route to its gateway (netcfg_route_get) and compares. */
#ifndef VPND_NETMON_H
#define VPND_NETMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/buf.h"
#include "vpnd/loop.h"

enum netmon_what {
	NETMON_LINK = 1u << 0,
	NETMON_ADDR = 1u << 1,
	NETMON_ROUTE = 1u << 2,
	/* the kernel dropped notifications (ENOBUFS): anything may have
	 * changed */
	NETMON_LOST = 1u << 3,
};

struct netmon_change {
	unsigned what;          /* enum netmon_what bits */
	unsigned events;        /* notifications folded into this one */
	bool addr_removed;      /* an address went away */
	bool link_down;         /* a link lost IFF_UP or IFF_RUNNING */
};

typedef void (*netmon_fn)(void *ctx, const struct netmon_change *ch);

struct netmon;

/* Subscribes to the link, address and route groups of both families
 * and reports through fn on l, debounce_ms after the last notification
 * (at the latest 4 * debounce_ms after the first, should they keep
 * coming). */
struct netmon *netmon_open(struct loop *l, unsigned debounce_ms,
			   netmon_fn fn, void *ctx, struct verr *e);
void netmon_close(struct netmon *m);

/* Folds one datagram of rtnetlink notifications into ch (the parser
 * the monitor uses, for tests). -1 with e on a malformed datagram;
 * what parsed before stays in ch. */
int netmon_fold(const uint8_t *buf, size_t len, struct netmon_change *ch,
		struct verr *e);

#endif
