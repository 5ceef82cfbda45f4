/* A netlink request channel over libmnl: sequence numbers, ACKs, dump
 * ends, extended-ack messages and stale replies, shared by the XFRM
 * (src/kernel) and rtnetlink (src/netcfg) modules. */
#ifndef VPND_NLCHAN_H
#define VPND_NLCHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "vpnd/buf.h"

struct nl_chan {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	const char *who;	/* for debug logs: "kernel", "netcfg" */
	/* The last NLMSG_ERROR: errno and the extended ack text, if any. */
	int err;
	char ext_msg[128];
};

/* Opens and binds a socket of 'bus' (NETLINK_XFRM, NETLINK_ROUTE) with
 * extended and capped ACKs where the kernel has them. -1 with errno. */
int nl_chan_open(struct nl_chan *c, int bus, const char *who);
void nl_chan_close(struct nl_chan *c);
/* Sends the request at 'tx' and runs cb (may be NULL) on each reply
 * until the ACK or DONE, reading into rx. With 'secret' the request
 * and every reply are wiped after use: they may carry keys. -1 with
 * errno set and c->err/c->ext_msg filled on error. */
int nl_chan_talk(struct nl_chan *c, void *tx, uint8_t *rx, size_t rxlen,
		 bool secret, mnl_cb_t cb, void *ctx);
/* "<what>: <strerror>[ (<hint>)][ [kernel: <extack>]]" */
void nl_chan_fail(const struct nl_chan *c, struct verr *e, const char *what,
		  const char *hint);

#endif
