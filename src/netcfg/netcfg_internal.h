/* Shared between the files of the netcfg (rtnetlink) module. */
#ifndef VPND_NETCFG_INTERNAL_H
#define VPND_NETCFG_INTERNAL_H

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "vpnd/netcfg.h"
#include "vpnd/nlchan.h"

/* Dump batches are sized by the kernel to what the reader accepts. */
#define NETCFG_RX_SIZE 32768
#define NETCFG_TX_SIZE 1024

struct netcfg {
	struct nl_chan ch;
	uint8_t tx[NETCFG_TX_SIZE] __attribute__((aligned(8)));
	uint8_t rx[NETCFG_RX_SIZE] __attribute__((aligned(8)));
};

/* Starts a request in n->tx with a fresh sequence number and NLM_F_ACK.
 * (Flags cannot tell a dump: NLM_F_EXCL is NLM_F_MATCH's bit.) */
struct nlmsghdr *ncnl_start(struct netcfg *n, uint16_t type, uint16_t flags);
/* A dump request: no NLM_F_ACK, its DONE ends it. */
struct nlmsghdr *ncnl_start_dump(struct netcfg *n, uint16_t type);
/* Sends n->tx and runs cb (may be NULL) on each reply until the ACK or
 * DONE. -1 with errno set and n->ch.err/n->ch.ext_msg filled on error. */
int ncnl_talk(struct netcfg *n, mnl_cb_t cb, void *ctx);
/* Fills e with "<what>: <strerror>[ [kernel: <extack>]]". */
void ncnl_fail(struct netcfg *n, struct verr *e, const char *what);
/* The message ncnl_start began, sent and acknowledged; on failure e
 * says what was being done. */
int ncnl_request(struct netcfg *n, struct verr *e, const char *what);

size_t nc_addr_len(int family);
/* Copies an address attribute of the family's size; false otherwise. */
bool nc_attr_ip(const struct nlattr *a, int family, struct netcfg_ip *ip);
/* "198.51.100.0/24 via 192.0.2.1 dev veth0 src 203.0.113.10 table 254
 * metric 0" */
const char *nc_route_str(const struct netcfg_route *r, char *out,
			 size_t outlen);
const char *nc_ifname(int ifindex, char *out);
uint32_t nc_table(uint32_t table);

/* The VPN interface's messages, after the nlmsghdr (link.c; byte-exact
 * in tests/unit/netcfg). An XFRM interface made up in one step:
 * RTM_NEWLINK with IFLA_IFNAME, IFLA_MTU (unless 0), IFLA_LINKINFO {
 * IFLA_INFO_KIND "xfrm", IFLA_INFO_DATA { IFLA_XFRM_LINK (unless 0),
 * IFLA_XFRM_IF_ID } } and IFF_UP. */
void nc_put_xfrm_link(struct nlmsghdr *nlh, const char *name,
		      uint32_t if_id, int uplink, unsigned mtu);
/* RTM_NEWLINK on an existing interface: IFF_UP and the MTU (unless 0). */
void nc_put_link_up(struct nlmsghdr *nlh, int ifindex, unsigned mtu);
/* RTM_DELLINK by index, or by IFLA_IFNAME when ifindex is 0. */
void nc_put_link_del(struct nlmsghdr *nlh, int ifindex, const char *name);
int nc_link_delete(struct netcfg *n, int ifindex, const char *name,
		   struct verr *e);

/* Errors that mean "that object is not there (any more)". */
bool nc_gone(int err);

#endif
