/* A private network namespace for the CUnit suites that talk to the
 * kernel (tests/kernel, tests/netcfg), so that they never touch the
 * host's IPsec database, interfaces or routes. Built on rtnetlink
 * (libmnl) directly, not on ip(8) and not on the code under test. */
#ifndef VPND_TEST_NETNS_H
#define VPND_TEST_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* Moves this process into a fresh network namespace with lo up and a
 * veth pair dev/peer, both up, carrying addr4/24 and addr6/64 (without
 * duplicate address detection) on dev. Keeps an rtnetlink socket open
 * for tn_talk. Returns 0, or -1 with a reason on stderr. */
int tn_enter(const char *dev, const char *peer, const char *addr4,
	     const char *addr6);

/* Sends nlh (adding NLM_F_REQUEST, and NLM_F_ACK unless it is a dump)
 * on the namespace's rtnetlink socket and runs cb (may be NULL) on each
 * reply until the ACK or the end of the dump. Returns 0, or -1 with
 * "test netns: what: reason" on stderr. */
int tn_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *ctx, const char *what);

int tn_ifindex(const char *dev);
/* Sets a link administratively up or down, as `ip link set` does. */
int tn_link_set(const char *dev, bool up);

/* A veth pair both named (a link of a foreign kind, for names in use);
 * deleting either removes both. */
int tn_add_veth(const char *name, const char *peer);
int tn_del_link(const char *name);

/* An address as an administrator would add or remove it ("192.0.2.9"
 * or "2001:db8::9"); added ones skip duplicate address detection. */
int tn_add_addr(const char *dev, const char *addr, uint8_t prefix);
int tn_del_addr(const char *dev, const char *addr, uint8_t prefix);

/* Writes a per-namespace sysctl below /proc/sys/net ("core/..."). */
int tn_sysctl(const char *path, const char *value);

#endif
