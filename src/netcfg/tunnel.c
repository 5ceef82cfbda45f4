/* Host configuration for one Child SA: virtual IPs, the routes that make
 * traffic to the remote selectors leave with the virtual IP as source
 * (so that it matches the XFRM policy), and the gateway bypass. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vpnd/log.h"
#include "netcfg_internal.h"
#include "record_internal.h"

/* The kernel stores IPv6 routes without a metric at this one. */
#define IP6_DEFAULT_METRIC 1024

static int save(const struct netcfg_tunnel *t,
		const struct netcfg_record *rec, struct verr *e)
{
	if (!t->state_dir)
		return 0;
	return netcfg_record_save(t->state_dir, rec->conn, rec, e);
}

/* The record is written before the change: a crash right after the
 * change must not leave an unrecorded object behind. */
static int step_addr(struct netcfg *n, const struct netcfg_tunnel *t,
		     struct netcfg_record *rec, int ifindex,
		     const struct netcfg_prefix *a, struct verr *e)
{
	int err;

	if (netcfg_record_add_addr(rec, ifindex, a, e) < 0)
		return -1;
	if (save(t, rec, e) < 0 || netcfg_addr_add(n, ifindex, a, e) < 0) {
		err = errno;
		rec->n_addrs--;
		(void)save(t, rec, NULL);
		errno = err;
		return -1;
	}
	return 0;
}

/* exist_ok: an identical route already there does the job, but it is
 * not ours and is not recorded. */
static int step_route(struct netcfg *n, const struct netcfg_tunnel *t,
		      struct netcfg_record *rec, const struct netcfg_route *r,
		      bool exist_ok, struct verr *e)
{
	char desc[200];
	int err;

	if (netcfg_record_add_route(rec, r, e) < 0)
		return -1;
	if (save(t, rec, e) < 0 || netcfg_route_add(n, r, e) < 0) {
		err = errno;
		rec->n_routes--;
		(void)save(t, rec, NULL);
		if (exist_ok && err == EEXIST) {
			log_info("netcfg: route %s already there; keeping it",
				 nc_route_str(r, desc, sizeof(desc)));
			return 0;
		}
		errno = err;
		return -1;
	}
	return 0;
}

static const struct netcfg_prefix *vip_of(const struct netcfg_tunnel *t,
					  int family)
{
	size_t i;

	for (i = 0; i < t->n_vips; i++)
		if (t->vips[i].ip.family == family)
			return &t->vips[i];
	return NULL;
}

static uint32_t metric_for(int family, uint32_t metric)
{
	return family == AF_INET6 && metric == 0 ? IP6_DEFAULT_METRIC : metric;
}

/* A host route for the gateway along the path it has now, so that IKE
 * and ESP to it keep going there once a selector route covers it. */
static int add_bypass(struct netcfg *n, const struct netcfg_tunnel *t,
		      struct netcfg_record *rec, const struct netcfg_path *p,
		      struct verr *e)
{
	struct netcfg_route r = { 0 };
	int family = t->gateway.family;

	r.dst.ip = t->gateway;
	r.dst.len = (uint8_t)(nc_addr_len(family) * 8);
	r.via = p->via;
	r.src = p->src;
	r.ifindex = p->ifindex;
	r.table = nc_table(t->table);
	r.metric = metric_for(family, t->metric);
	return step_route(n, t, rec, &r, true, e);
}

/* A /0 goes in as two /1 halves: more specific than the default route,
 * which stays untouched and takes over again when they are removed. */
static int add_remote(struct netcfg *n, const struct netcfg_tunnel *t,
		      struct netcfg_record *rec, const struct netcfg_path *p,
		      const struct netcfg_prefix *remote,
		      const struct netcfg_prefix *vip, struct verr *e)
{
	int family = remote->ip.family;
	struct netcfg_route r = { 0 };
	unsigned half, halves = remote->len == 0 ? 2 : 1;

	r.dst = *remote;
	/* The VPN interface is point-to-point: no next hop on it. */
	if (!t->link_ifindex && p->via.family == family)
		r.via = p->via;
	r.src = vip->ip;
	r.ifindex = t->link_ifindex ? t->link_ifindex : p->ifindex;
	r.table = nc_table(t->table);
	r.metric = metric_for(family, t->metric);
	/* The gateway's own address stays on the bypass route. */
	if (remote->len == nc_addr_len(family) * 8 &&
	    memcmp(remote->ip.bytes, t->gateway.bytes, nc_addr_len(family)) == 0
	    && family == t->gateway.family) {
		log_dbg("netcfg: no tunnel route for the gateway's address");
		return 0;
	}
	for (half = 0; half < halves; half++) {
		if (halves == 2) {
			memset(r.dst.ip.bytes, 0, sizeof(r.dst.ip.bytes));
			r.dst.ip.bytes[0] = half ? 0x80 : 0;
			r.dst.len = 1;
		}
		if (step_route(n, t, rec, &r, false, e) < 0)
			return -1;
	}
	return 0;
}

static bool needs_bypass(const struct netcfg_tunnel *t)
{
	size_t i;

	if (!vip_of(t, t->gateway.family))
		return false;
	for (i = 0; i < t->n_remote; i++)
		if (netcfg_prefix_covers(&t->remote[i], &t->gateway))
			return true;
	return false;
}

static int tunnel_check(const struct netcfg_tunnel *t, struct verr *e)
{
	size_t i;

	if (!nc_addr_len(t->gateway.family) || t->n_vips > 2 ||
	    t->n_remote > NETCFG_MAX_REMOTE) {
		verr_set(e, "configuring the tunnel: invalid gateway or too "
			 "many virtual IPs or remote networks");
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < t->n_remote; i++)
		if (!nc_addr_len(t->remote[i].ip.family) ||
		    t->remote[i].len > nc_addr_len(t->remote[i].ip.family) * 8) {
			verr_set(e, "configuring the tunnel: remote network "
				 "%zu is invalid", i + 1);
			errno = EINVAL;
			return -1;
		}
	return 0;
}

static int tunnel_steps(struct netcfg *n, const struct netcfg_tunnel *t,
			struct netcfg_record *rec, struct verr *e)
{
	const struct netcfg_prefix *vip;
	struct netcfg_path p;
	char pfx[INET6_ADDRSTRLEN + 4];
	size_t i;

	/* Before anything changes it: afterwards the kernel would answer
	 * with our own routes. */
	if (netcfg_route_get(n, &t->gateway, &p, e) < 0)
		return -1;
	for (i = 0; i < t->n_vips; i++)
		if (step_addr(n, t, rec,
			      t->link_ifindex ? t->link_ifindex : p.ifindex,
			      &t->vips[i], e) < 0)
			return -1;
	if (needs_bypass(t) && add_bypass(n, t, rec, &p, e) < 0)
		return -1;
	for (i = 0; i < t->n_remote; i++) {
		vip = vip_of(t, t->remote[i].ip.family);
		/* Without a virtual IP of its family, traffic would leave
		 * with a LAN source that no policy of ours matches. */
		if (!vip) {
			log_dbg("netcfg: no virtual IP for remote network "
				"%s; no route", netcfg_prefix_str(
				&t->remote[i], pfx, sizeof(pfx)));
			continue;
		}
		if (add_remote(n, t, rec, &p, &t->remote[i], vip, e) < 0)
			return -1;
	}
	return 0;
}

/* Undoes only what this call added: the record may hold earlier
 * Child SAs' objects, which must stay. */
static void rollback(struct netcfg *n, const struct netcfg_tunnel *t,
		     struct netcfg_record *rec, size_t a0, size_t r0)
{
	struct netcfg_record tail;
	struct verr ignored;
	size_t i;

	memset(&tail, 0, sizeof(tail));
	memcpy(tail.conn, rec->conn, sizeof(tail.conn));
	tail.n_addrs = rec->n_addrs - a0;
	memcpy(tail.addrs, rec->addrs + a0, tail.n_addrs * sizeof(tail.addrs[0]));
	tail.n_routes = rec->n_routes - r0;
	memcpy(tail.routes, rec->routes + r0,
	       tail.n_routes * sizeof(tail.routes[0]));
	if (netcfg_undo(n, &tail, &ignored) < 0)
		log_warn("netcfg: undoing a failed setup: %s", ignored.msg);
	rec->n_addrs = a0;
	rec->n_routes = r0;
	for (i = 0; i < tail.n_addrs; i++)
		rec->addrs[rec->n_addrs++] = tail.addrs[i];
	for (i = 0; i < tail.n_routes; i++)
		rec->routes[rec->n_routes++] = tail.routes[i];
	(void)nc_settle(t->state_dir, rec, &ignored);
}

int netcfg_tunnel_up(struct netcfg *n, const struct netcfg_tunnel *t,
		     struct netcfg_record *rec, struct verr *e)
{
	size_t a0 = rec->n_addrs, r0 = rec->n_routes;
	int err;

	if (!rec->conn[0]) {
		verr_set(e, "configuring the tunnel: record not initialised");
		errno = EINVAL;
		return -1;
	}
	if (tunnel_check(t, e) < 0)
		return -1;
	if (tunnel_steps(n, t, rec, e) == 0)
		return 0;
	err = errno;
	rollback(n, t, rec, a0, r0);
	errno = err;
	return -1;
}

int netcfg_tunnel_down(struct netcfg *n, const char *state_dir,
		       struct netcfg_record *rec, struct verr *e)
{
	struct verr one;
	int rc = netcfg_undo(n, rec, e);

	if (nc_settle(state_dir, rec, rc < 0 ? &one : e) < 0 && rc == 0)
		rc = -1;
	return rc;
}
