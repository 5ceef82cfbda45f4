/* Host network configuration for a tunnel through rtnetlink: the virtual
 * IP from the gateway's CP reply, routes for the remote traffic
 * selectors, DNS, and a record of what was installed so that it can be
 * removed again, even by the next daemon after a crash.
 *
 * Every function returns 0 on success or -1 with errno set (the kernel's
 * errno when the kernel refused) and a reason in struct verr that names
 * the address, route or link concerned. */
#ifndef VPND_NETCFG_H
#define VPND_NETCFG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/buf.h"

#define NETCFG_TABLE_MAIN 254	/* RT_TABLE_MAIN */
#define NETCFG_MAX_ADDRS 4
#define NETCFG_MAX_ROUTES 32
#define NETCFG_MAX_REMOTE 16
#define NETCFG_MAX_DNS 8
#define NETCFG_CONN_MAX 64	/* connection names, with the NUL */

struct netcfg_ip {
	int family;		/* AF_INET or AF_INET6; 0 = unset */
	uint8_t bytes[16];	/* network order; IPv4 in the first 4 */
};

struct netcfg_prefix {
	struct netcfg_ip ip;
	uint8_t len;
};

struct netcfg_route {
	struct netcfg_prefix dst;
	struct netcfg_ip via;	/* next hop; family 0 = on-link */
	struct netcfg_ip src;	/* RTA_PREFSRC; family 0 = none */
	int ifindex;
	uint32_t table;		/* 0 = main */
	/* The kernel stores an IPv6 metric 0 as 1024, and deletes with
	 * metric 0 match any metric: record IPv6 routes with 1024. */
	uint32_t metric;
};

/* How the kernel reaches an address today (RTM_GETROUTE). */
struct netcfg_path {
	int ifindex;
	struct netcfg_ip via;	/* family 0 when the address is on-link */
	struct netcfg_ip src;	/* source the kernel picks, may be unset */
	uint32_t table;
};

struct netcfg;

struct netcfg *netcfg_open(struct verr *e);
void netcfg_close(struct netcfg *n);

/* Interface name <-> index, with an error naming the interface. */
int netcfg_ifindex(const char *name, int *ifindex, struct verr *e);

int netcfg_route_get(struct netcfg *n, const struct netcfg_ip *dst,
		     struct netcfg_path *p, struct verr *e);
/* The interface that carries the route to 'dst' (e.g. the gateway): the
 * one the virtual IP goes on, as strongSwan does. */
int netcfg_route_dev_for(struct netcfg *n, const struct netcfg_ip *dst,
			 int *ifindex, struct verr *e);

/* Installs the address with IFA_F_NOPREFIXROUTE: the prefix belongs to
 * the remote side, so the kernel must not route it out of this (LAN)
 * interface; the traffic selector routes do that job. IPv6 addresses
 * also get IFA_F_NODAD: duplicate address detection on the LAN says
 * nothing about an address of the VPN and would delay its use. Fails
 * with EEXIST if the address is already there (it is not ours then). */
int netcfg_addr_add(struct netcfg *n, int ifindex,
		    const struct netcfg_prefix *a, struct verr *e);
int netcfg_addr_del(struct netcfg *n, int ifindex,
		    const struct netcfg_prefix *a, struct verr *e);
/* Whether the address (with this prefix length) is on the interface. */
int netcfg_addr_present(struct netcfg *n, int ifindex,
			const struct netcfg_prefix *a, bool *present,
			struct verr *e);

/* Routes carry protocol "static" (RTPROT_STATIC); deletion matches on
 * every field given so that a foreign route to the same prefix (other
 * metric, next hop or source) is never removed. */
int netcfg_route_add(struct netcfg *n, const struct netcfg_route *r,
		     struct verr *e);
int netcfg_route_del(struct netcfg *n, const struct netcfg_route *r,
		     struct verr *e);
/* Called per route of the family in any table; non-zero stops. */
typedef int (*netcfg_route_cb)(const struct netcfg_route *r, void *ctx);
int netcfg_route_list(struct netcfg *n, int family, netcfg_route_cb cb,
		      void *ctx, struct verr *e);

/* DNS. The manager is chosen at apply time: VPND_DNS_FILE (tests: the
 * servers are written to that file), else systemd-resolved when its
 * name org.freedesktop.resolve1 has an owner on the system bus (sd-bus;
 * DBUS_SYSTEM_BUS_ADDRESS names another bus), else resolvconf. Programs
 * run without a shell, bus calls and programs with a 10 s limit. */
enum netcfg_dns_method {
	NETCFG_DNS_NONE = 0,
	NETCFG_DNS_FILE,
	NETCFG_DNS_RESOLVED,	/* resolve1.Manager SetLink*; RevertLink */
	NETCFG_DNS_RESOLVCONF,	/* resolvconf -a/-d LINK.vpnd */
};

/* A DNS name in presentation format (RFC 1035 2.3.1 with '_' allowed,
 * IDNA A-labels are plain letters): labels of 1-63 letters, digits, '-'
 * and '_', not starting or ending with '-', at most 253 characters
 * without the one trailing dot allowed. The root alone is not a name
 * here. */
#define NETCFG_DOMAIN_MAX 254	/* with the NUL */
bool netcfg_domain_ok(const char *name, size_t len);

/* What DNS to set on the VPN link. */
struct netcfg_dns_config {
	int ifindex;			/* the VPN link, never the uplink */
	const struct netcfg_ip *servers;
	size_t n_servers;		/* 1 .. NETCFG_MAX_DNS */
	/* The gateway's split-DNS domains (RFC 8598): queries for names
	 * under them go to these servers (resolved: routing-only "~d"). */
	const char *const *domains;
	size_t n_domains;
	/* Every query goes to these servers (resolved: "~." and the
	 * default route): a full tunnel, or a gateway that named no
	 * domains. Otherwise only the domains' queries do. */
	bool default_route;
};

/* What was applied, for the revert and the record. */
struct netcfg_dns {
	enum netcfg_dns_method method;
	int ifindex;
	char link[IF_NAMESIZE];	/* the link's name at apply time */
	char path[256];		/* NETCFG_DNS_FILE only */
};

/* -1 with errno ENOENT when there is no DNS manager: then nothing was
 * written and the tunnel itself is fine. Only the given link is
 * touched: RevertLink drops every per-link setting, so it must be the
 * VPN's own link (its TUN or XFRM interface). */
int netcfg_dns_apply(const struct netcfg_dns_config *c,
		     struct netcfg_dns *applied, struct verr *e);
/* A link that is gone or now has another name took its settings with
 * it: nothing to revert then. */
int netcfg_dns_revert(const struct netcfg_dns *applied, struct verr *e);
const char *netcfg_dns_method_name(enum netcfg_dns_method m);

/* The connection's VPN interface: the holder of its virtual IPs and of
 * the routes to the remote traffic selectors, so that nothing of the
 * tunnel goes on the uplink. Made once per connection (not per IKE or
 * Child SA: it outlives rekeys, MOBIKE moves and reauthentication) and
 * removed when the connection ends.
 *
 * An XFRM interface (IFLA_INFO_KIND "xfrm") where the kernel has them:
 * the Child SA's states and policies then carry its if_id (XFRMA_IF_ID),
 * so only traffic routed into the interface is protected, and what is
 * decrypted comes in on it. Otherwise a TUN device (IFF_TUN|IFF_NO_PI,
 * persistent, held open by vpnd while the connection lives) that only
 * holds the addresses and routes; the policies have no if_id then and
 * the kernel transforms by selector as before.
 *
 * For DNS and anything else that works "on the VPN interface":
 * netcfg_link_ifindex() is its index (hostcfg_vpn_ifindex() in the IKE
 * engine gives it for a connection's IKE SA). */
enum netcfg_link_kind {
	NETCFG_LINK_NONE = 0,
	NETCFG_LINK_XFRM,
	NETCFG_LINK_TUN,
};

struct netcfg_link {
	enum netcfg_link_kind kind;
	char name[IF_NAMESIZE];
	int ifindex;
	uint32_t if_id;		/* XFRM only: on the Child SA's states/policies */
	int tun_fd;		/* TUN only, held while the link lives; else -1 */
};

/* What to make. */
struct netcfg_link_req {
	const char *conn;	/* the connection: names the record */
	/* The interface's name; NULL or "" picks the first free
	 * "vpnd<N>". At most IF_NAMESIZE - 1 bytes. */
	const char *name;
	uint32_t if_id;		/* non-zero; unique among XFRM interfaces */
	int uplink;		/* IFLA_XFRM_LINK: the physical interface */
	unsigned mtu;		/* 0: the kernel's default */
	bool no_xfrm;		/* a TUN device even where XFRM interfaces exist */
	/* When set, the link's record (<conn>.netif) is written there
	 * before the interface is made, so a crash leaves nothing
	 * unrecorded; netcfg_cleanup_stale removes it. */
	const char *state_dir;
};

/* Makes the interface (XFRM first, a TUN device when the kernel has no
 * XFRM interfaces) and brings it up. */
int netcfg_link_create(struct netcfg *n, const struct netcfg_link_req *r,
		       struct netcfg_link *l, struct verr *e);
/* Deletes it (what was on it goes with it), closes the TUN fd and
 * removes its record from state_dir (may be NULL). A link already gone
 * is not an error. l is reset to NETCFG_LINK_NONE. */
int netcfg_link_remove(struct netcfg *n, const char *state_dir,
		       const char *conn, struct netcfg_link *l,
		       struct verr *e);
const char *netcfg_link_kind_name(enum netcfg_link_kind k);
/* An interface's MTU (SIOCGIFMTU, in this network namespace); 0 when
 * the interface is not there. */
unsigned netcfg_if_mtu(int ifindex);

/* The interface index for DNS and the like; 0 when there is none. */
static inline int netcfg_link_ifindex(const struct netcfg_link *l)
{
	return l && l->kind != NETCFG_LINK_NONE ? l->ifindex : 0;
}

/* Ownership: everything a connection installed. Interfaces are kept by
 * index and name: if the index now has another name, the interface was
 * replaced and whatever we put on it went with it. netcfg_tunnel_up
 * fills in addresses and routes; after netcfg_dns_apply succeeds the
 * caller sets has_dns and dns, then saves the record. */
struct netcfg_rec_addr {
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct netcfg_prefix addr;
};

struct netcfg_rec_route {
	char ifname[IF_NAMESIZE];
	struct netcfg_route route;
};

/* The connection's VPN interface (netcfg_link_create). ifindex 0: the
 * record was written before the kernel made it, so it goes by name. */
struct netcfg_rec_link {
	enum netcfg_link_kind kind;
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint32_t if_id;
};

struct netcfg_record {
	char conn[NETCFG_CONN_MAX];
	/* The link's record is a file of its own, <conn>.netif, holding only
	 * has_link/link: it belongs to the connection, the addresses and
	 * routes (<conn>.netcfg) to its current IKE SA. */
	bool link_file;
	bool has_link;
	struct netcfg_rec_link link;
	size_t n_addrs;
	struct netcfg_rec_addr addrs[NETCFG_MAX_ADDRS];
	size_t n_routes;
	struct netcfg_rec_route routes[NETCFG_MAX_ROUTES];
	bool has_dns;
	struct netcfg_dns dns;
};

/* Names are letters, digits, '.', '_' and '-', not starting with '.'. */
int netcfg_record_init(struct netcfg_record *rec, const char *conn,
		       struct verr *e);
int netcfg_record_add_addr(struct netcfg_record *rec, int ifindex,
			   const struct netcfg_prefix *a, struct verr *e);
int netcfg_record_add_route(struct netcfg_record *rec,
			    const struct netcfg_route *r, struct verr *e);
/* Writes <dir>/<conn>.netcfg atomically (temporary file, fsync, rename),
 * mode 0600. */
int netcfg_record_save(const char *dir, const char *conn,
		       const struct netcfg_record *rec, struct verr *e);
int netcfg_record_load(const char *dir, const char *conn,
		       struct netcfg_record *rec, struct verr *e);
/* Removing a record that does not exist is not an error. */
int netcfg_record_remove(const char *dir, const char *conn,
			 struct verr *e);

/* Removes what the record lists, newest first: DNS, routes, addresses.
 * Objects already gone are skipped. Keeps going after a failure and
 * reports the first; the entries that could not be removed stay in
 * the record. */
int netcfg_undo(struct netcfg *n, struct netcfg_record *rec,
		struct verr *e);
/* After a crash: undoes the record of 'conn' (NULL: of every connection
 * with a record in 'dir') and deletes it once all is removed; then
 * deletes the connection's VPN interface if its record (<conn>.netif)
 * names one that is still there. Nothing to
 * clean up is not an error. */
int netcfg_cleanup_stale(struct netcfg *n, const char *dir, const char *conn,
			 struct verr *e);

/* Everything a Child SA needs on the host, in one step. */
struct netcfg_tunnel {
	struct netcfg_ip gateway;
	size_t n_vips;
	struct netcfg_prefix vips[2];	/* from the CP reply */
	size_t n_remote;
	struct netcfg_prefix remote[NETCFG_MAX_REMOTE];	/* remote TS */
	uint32_t table;			/* 0 = main */
	uint32_t metric;		/* IPv6: 0 means 1024 */
	/* The connection's VPN interface (netcfg_link_create): the virtual
	 * IPs and the remote routes go on it, on-link; only the gateway's
	 * bypass route follows the uplink. 0: everything on the interface
	 * towards the gateway (no VPN interface). */
	int link_ifindex;
	/* When set, the record is saved there before each change, so a
	 * crash at any point leaves nothing unrecorded behind. */
	const char *state_dir;
};

/* Finds the interface towards the gateway, puts the virtual IPs on the
 * VPN interface (or, without one, on that interface) and routes every
 * remote prefix of a virtual IP's family there with the virtual IP as
 * source. A prefix that covers the gateway first gets
 * a host route for the gateway along its current path, so that IKE and
 * ESP never loop into the tunnel; a /0 is installed as two /1 halves so
 * that the host's default route stays and comes back by itself; a
 * selector that is just the gateway's address gets no route. Objects are
 * appended to rec (from netcfg_record_init; it may already hold other
 * Child SAs' objects). On failure what this call did is undone. */
int netcfg_tunnel_up(struct netcfg *n, const struct netcfg_tunnel *t,
		     struct netcfg_record *rec, struct verr *e);
/* netcfg_undo, then the record file is removed if state_dir is set. */
int netcfg_tunnel_down(struct netcfg *n, const char *state_dir,
		       struct netcfg_record *rec, struct verr *e);

/* "192.0.2.1", "2001:db8::1/64" (no length: full length). */
bool netcfg_prefix_parse(const char *s, struct netcfg_prefix *p);
bool netcfg_ip_parse(const char *s, struct netcfg_ip *ip);
const char *netcfg_ip_str(const struct netcfg_ip *ip, char *out,
			  size_t outlen);
const char *netcfg_prefix_str(const struct netcfg_prefix *p, char *out,
			      size_t outlen);
/* The fewest prefixes that cover exactly start..end (a traffic selector
 * range; addresses in network order, 4 or 16 bytes by family). -1 with
 * EINVAL if end < start, ENOSPC if more than 'max' are needed. */
int netcfg_range_prefixes(int family, const uint8_t *start,
			  const uint8_t *end, struct netcfg_prefix *out,
			  size_t max, size_t *n);
/* Whether the prefix contains the address (same family). */
bool netcfg_prefix_covers(const struct netcfg_prefix *p,
			  const struct netcfg_ip *ip);

#endif
