/* The DNS managers of dns.c: systemd-resolved over D-Bus. */
#ifndef VPND_NETCFG_DNS_INTERNAL_H
#define VPND_NETCFG_DNS_INTERNAL_H

#include "vpnd/netcfg.h"

#define DNS_TIMEOUT_MS 10000

/* 1: org.freedesktop.resolve1 has an owner on the system bus; 0: no bus
 * or no owner (another manager then); never an error. */
int nc_resolved_present(void);
/* SetLinkDNS, SetLinkDomains, SetLinkDefaultRoute on c->ifindex; on a
 * failure what was set is reverted. */
int nc_resolved_apply(const struct netcfg_dns_config *c, const char *link,
		      struct verr *e);
/* RevertLink; a link resolved does not know is not an error. */
int nc_resolved_revert(int ifindex, const char *link, struct verr *e);

#endif
