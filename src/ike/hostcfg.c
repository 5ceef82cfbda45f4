/* The host side of an installed Child SA: the virtual IP on the
 * connection's VPN interface, routes for the remote selectors through
 * it, and the DNS servers from the CP reply (src/netcfg does the work).
 * What is installed is recorded under the state directory first, so a
 * vpnd restarted after a crash removes exactly that. The interface is
 * the connection's (c->link): the SAs' host sides come and go on it. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "conn_int.h"
#include "engine_int.h"
#include "ike_sa.h"
#include "vpnd/log.h"
#include "vpnd/netcfg.h"

static const char *record_dir(const struct ike_sa *sa)
{
	return sa->eng->state_dir;
}

/* The host's netlink handle, opened on first use. */
static struct netcfg *ncfg_of(struct engine *eng, struct verr *e)
{
	if (!eng->ncfg)
		eng->ncfg = netcfg_open(e);
	return eng->ncfg;
}

/* A test double's Child SAs are not the host's, unless a privileged
 * test asked for the host side in its own namespace. */
static bool host_side_on(const struct engine *eng)
{
	return eng->child.kind == ENGINE_CHILD_KERNEL || eng->host_config;
}

void hostcfg_close(struct engine *eng)
{
	netcfg_close(eng->ncfg);
	eng->ncfg = NULL;
}

static void gateway_of(const struct ike_sa *sa, struct netcfg_ip *gw)
{
	const struct sockaddr_storage *p = &sa->peer;

	memset(gw, 0, sizeof(*gw));
	gw->family = p->ss_family;
	if (p->ss_family == AF_INET6)
		memcpy(gw->bytes, &((const struct sockaddr_in6 *)p)->sin6_addr,
		       16);
	else
		memcpy(gw->bytes, &((const struct sockaddr_in *)p)->sin_addr,
		       4);
}

/* Clear of strongSwan's and libreswan's if_ids, which count from 1. */
#define IF_ID_BASE 0x76700000u
/* An if_id another XFRM interface already has makes the kernel answer
 * EEXIST (the name was checked free): the next one is tried. */
#define IF_ID_TRIES 16

static bool has_vip(const struct ike_sa *sa)
{
	return sa->cfg.has_ip4 || sa->cfg.has_ip6;
}

static int uplink_of(struct ike_sa *sa, struct netcfg *ncfg)
{
	struct netcfg_ip gw;
	struct verr ignored;
	int ifindex = 0;

	gateway_of(sa, &gw);
	if (netcfg_route_dev_for(ncfg, &gw, &ifindex, &ignored) < 0)
		return 0;
	return ifindex;
}

/* Below the uplink's MTU by the most ESP in UDP over IPv6 adds with
 * a 16-byte IV and ICV (40 + 8 + 8 + 16 + 15 + 2 + 16, rounded up);
 * never below what IPv6 needs of a link. */
static unsigned mtu_for(int uplink)
{
	unsigned mtu = netcfg_if_mtu(uplink);

	if (!mtu)
		mtu = 1500;
	return mtu >= 1280 + 110 ? mtu - 110 : 1280;
}

/* Someone deleted the interface (ip link del): what was on it went
 * with it. Forgotten here, so that it is made again, under its old
 * if_id: the Child SAs in the kernel carry that one. */
static bool link_lost(struct conn *c)
{
	char now[IF_NAMESIZE];

	if (if_indextoname((unsigned)c->link.ifindex, now) &&
	    !strcmp(now, c->link.name))
		return false;
	log_warn("%s: the VPN interface %s is gone; making it again",
		 c->prof.name, c->link.name);
	if (c->link.tun_fd >= 0)
		close(c->link.tun_fd);
	c->link.tun_fd = -1;
	c->link.kind = NETCFG_LINK_NONE;
	return true;
}

int hostcfg_link_ensure(struct ike_sa *sa, struct verr *e)
{
	struct conn *c = sa->conn;
	struct engine *eng = sa->eng;
	struct netcfg_link_req r = { 0 };
	struct netcfg *ncfg;
	uint32_t old_if_id = 0;
	unsigned i;
	int rc = -1;

	if (!has_vip(sa) || !host_side_on(eng))
		return 0;
	if (c->link.kind != NETCFG_LINK_NONE) {
		old_if_id = c->link.if_id;
		if (!link_lost(c))
			return 0;
	}
	ncfg = ncfg_of(eng, e);
	if (!ncfg)
		return -1;
	r.conn = c->prof.name;
	r.name = c->prof.interface;
	r.uplink = uplink_of(sa, ncfg);
	r.mtu = mtu_for(r.uplink);
	r.state_dir = eng->state_dir;
	for (i = 0; i < IF_ID_TRIES && rc < 0; i++) {
		r.if_id = old_if_id ? old_if_id :
			  IF_ID_BASE + (++eng->next_if_id & 0xfffff);
		rc = netcfg_link_create(ncfg, &r, &c->link, e);
		if (rc < 0 && errno != EEXIST)
			break;
		/* A name from the profile that is taken stays taken, and so
		 * does the if_id the Child SAs have. */
		if (rc < 0 && (r.name[0] || old_if_id))
			break;
	}
	if (rc < 0)
		return -1;
	if (c->link.kind == NETCFG_LINK_XFRM)
		sa_progress(sa, "VPN interface %s (XFRM, if_id %#x, MTU %u)",
			    c->link.name, c->link.if_id, r.mtu);
	else
		sa_progress(sa, "VPN interface %s (TUN: this kernel has no "
			    "XFRM interfaces; MTU %u)", c->link.name, r.mtu);
	return 0;
}

uint32_t hostcfg_if_id(const struct ike_sa *sa)
{
	const struct netcfg_link *l = &sa->conn->link;

	return l->kind == NETCFG_LINK_XFRM && has_vip(sa) ? l->if_id : 0;
}

int hostcfg_vpn_ifindex(const struct ike_sa *sa)
{
	return netcfg_link_ifindex(&sa->conn->link);
}

static bool sa_has_pair(const struct ike_sa *sa)
{
	const struct child_sa *ch;

	for (ch = sa ? sa->children : NULL; ch; ch = ch->next)
		if (ch->installed_in || ch->installed_out || ch->policies)
			return true;
	return false;
}

void hostcfg_link_unused(struct conn *c)
{
	const struct ike_sa *sa;

	if (sa_has_pair(c->sa) || sa_has_pair(c->next))
		return;
	for (sa = c->retiring; sa; sa = sa->retiring_next)
		if (sa_has_pair(sa))
			return;
	hostcfg_link_release(c);
}

void hostcfg_link_release(struct conn *c)
{
	struct verr e = { { 0 } };
	char name[IF_NAMESIZE];

	if (c->link.kind == NETCFG_LINK_NONE || !c->eng->ncfg)
		return;
	memcpy(name, c->link.name, sizeof(name));
	if (netcfg_link_remove(c->eng->ncfg, c->eng->state_dir, c->prof.name,
			       &c->link, &e) < 0)
		log_warn("%s: removing the VPN interface %s: %s", c->prof.name,
			 name, e.msg);
	else
		log_info("%s: VPN interface %s removed", c->prof.name, name);
}

static void tunnel_of(const struct ike_sa *sa, struct netcfg_tunnel *t)
{
	const struct child_sa *ch = sa_child(sa);
	size_t i, n;

	memset(t, 0, sizeof(*t));
	gateway_of(sa, &t->gateway);
	if (sa->cfg.has_ip4) {
		t->vips[t->n_vips].ip.family = AF_INET;
		memcpy(t->vips[t->n_vips].ip.bytes, sa->cfg.ip4, 4);
		t->vips[t->n_vips++].len = 32;
	}
	if (sa->cfg.has_ip6) {
		t->vips[t->n_vips].ip.family = AF_INET6;
		memcpy(t->vips[t->n_vips].ip.bytes, sa->cfg.ip6, 16);
		t->vips[t->n_vips++].len = sa->cfg.ip6_prefix;
	}
	for (i = 0; ch && i < ch->tsr.n; i++) {
		const struct ts_entry *ts = &ch->tsr.ts[i];
		int fam = ts->type == TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;

		if (netcfg_range_prefixes(fam, ts->start, ts->end,
					  t->remote + t->n_remote,
					  NETCFG_MAX_REMOTE - t->n_remote,
					  &n) == 0)
			t->n_remote += n;
		else
			log_warn("remote selector %zu needs too many routes; skipped",
				 i + 1);
	}
	t->link_ifindex = hostcfg_vpn_ifindex(sa);
	t->state_dir = record_dir(sa);
}

/* Whether the remote selectors take every address of a family: then
 * every query must go through the tunnel too ("~."), or it leaks. */
bool hostcfg_full_tunnel(const struct ike_sa *sa)
{
	static const uint8_t zero[16], ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct child_sa *ch = sa_child(sa);
	size_t i;

	for (i = 0; ch && i < ch->tsr.n; i++) {
		const struct ts_entry *ts = &ch->tsr.ts[i];
		size_t len = ts->type == TS_IPV6_ADDR_RANGE ? 16 : 4;

		if (!memcmp(ts->start, zero, len) &&
		    !memcmp(ts->end, ones, len))
			return true;
	}
	return false;
}

/* The servers of the families the profile asked DNS for (with that
 * family's virtual IP: what the gateway sends unasked is not used). */
static size_t dns_servers(const struct ike_sa *sa, struct netcfg_ip *out)
{
	const struct profile *p = sa->prof;
	bool v4 = p->request_ipv4 && p->request_dns4;
	bool v6 = p->request_ipv6 && p->request_dns6;
	size_t i, n = 0;

	for (i = 0; v4 && i < sa->cfg.n_dns4; i++) {
		out[n].family = AF_INET;
		memcpy(out[n++].bytes, sa->cfg.dns4[i], 4);
	}
	for (i = 0; v6 && i < sa->cfg.n_dns6; i++) {
		out[n].family = AF_INET6;
		memcpy(out[n++].bytes, sa->cfg.dns6[i], 16);
	}
	return n;
}

/* ifindex: the link DNS goes on, which only it may carry (resolved's
 * RevertLink drops all of that link's settings). */
static void apply_dns(struct ike_sa *sa, int ifindex,
		      struct netcfg_record *rec)
{
	struct netcfg_ip servers[CFG_MAX_DNS * 2];
	struct netcfg_dns_config dc = { 0 };
	struct verr e = { { 0 } };

	dc.ifindex = ifindex;
	dc.servers = servers;
	dc.n_servers = dns_servers(sa, servers);
	dc.domains = (const char *const *)sa->cfg.domains;
	dc.n_domains = sa->cfg.n_domains;
	/* RFC 8598 4: without domains the servers MAY serve every query;
	 * vpnd's choice, as it has nothing else to route them by. */
	dc.default_route = hostcfg_full_tunnel(sa) || !dc.n_domains;
	if (!dc.n_servers || ifindex <= 0)
		return;
	if (netcfg_dns_apply(&dc, &rec->dns, &e) < 0) {
		/* The profile asked for them: no working tunnel without. */
		snprintf(sa->host_error, sizeof(sa->host_error),
			 "DNS servers not applied: %s", e.msg);
		sa_progress(sa, "%s", sa->host_error);
		return;
	}
	rec->has_dns = true;
	if (record_dir(sa) &&
	    netcfg_record_save(record_dir(sa), sa->prof->name, rec, &e) < 0)
		log_warn("%s", e.msg);
	sa_progress(sa, "DNS servers applied on %s through %s%s",
		    rec->dns.link, netcfg_dns_method_name(rec->dns.method),
		    dc.default_route ? " for every name" :
				       " for the gateway's domains");
}

int hostcfg_up(struct ike_sa *sa, struct verr *e)
{
	struct netcfg_tunnel t;
	struct netcfg *ncfg;

	if (!sa->cfg.has_ip4 && !sa->cfg.has_ip6)
		return 0; /* no virtual IP: the selectors use our address */
	if (!host_side_on(sa->eng))
		return 0;
	ncfg = ncfg_of(sa->eng, e);
	if (!ncfg || hostcfg_link_ensure(sa, e) < 0)
		return -1;
	sa->netrec = calloc(1, sizeof(*sa->netrec));
	if (!sa->netrec ||
	    netcfg_record_init(sa->netrec, sa->prof->name, e) < 0)
		goto fail;
	tunnel_of(sa, &t);
	if (netcfg_tunnel_up(ncfg, &t, sa->netrec, e) < 0)
		goto fail;
	/* On the VPN interface: its per-link settings are ours alone, and
	 * a revert there leaves the uplink's DNS as it was. Without one
	 * (a test backend), the link that holds the virtual IP. */
	apply_dns(sa, hostcfg_vpn_ifindex(sa) ? hostcfg_vpn_ifindex(sa) :
		      sa->netrec->n_addrs ? sa->netrec->addrs[0].ifindex : 0,
		  sa->netrec);
	return 0;
fail:
	free(sa->netrec);
	sa->netrec = NULL;
	return -1;
}

void hostcfg_down(struct ike_sa *sa)
{
	struct verr e = { { 0 } };

	if (!sa->netrec)
		return;
	if (sa->eng->ncfg &&
	    netcfg_tunnel_down(sa->eng->ncfg, record_dir(sa), sa->netrec, &e) < 0)
		log_warn("removing the virtual IP and routes: %s", e.msg);
	free(sa->netrec);
	sa->netrec = NULL;
}

void hostcfg_install(struct ike_sa *sa)
{
	struct verr e = { { 0 } };

	sa->host_error[0] = '\0';
	if (hostcfg_up(sa, &e) < 0) {
		snprintf(sa->host_error, sizeof(sa->host_error),
			 "virtual IP and routes not installed: %s", e.msg);
		sa_progress(sa, "%s", sa->host_error);
	}
}

static bool same_domains(const struct cfg_reply *a,
			 const struct cfg_reply *b)
{
	size_t i;

	if (a->n_domains != b->n_domains)
		return false;
	for (i = 0; i < a->n_domains; i++)
		if (strcmp(a->domains[i], b->domains[i]))
			return false;
	return true;
}

static bool same_cfg(const struct cfg_reply *a, const struct cfg_reply *b)
{
	return a->has_ip4 == b->has_ip4 &&
	       (!a->has_ip4 || !memcmp(a->ip4, b->ip4, 4)) &&
	       a->has_ip6 == b->has_ip6 &&
	       (!a->has_ip6 || (!memcmp(a->ip6, b->ip6, 16) &&
				a->ip6_prefix == b->ip6_prefix)) &&
	       a->n_dns4 == b->n_dns4 && a->n_dns6 == b->n_dns6 &&
	       !memcmp(a->dns4, b->dns4, a->n_dns4 * sizeof(a->dns4[0])) &&
	       !memcmp(a->dns6, b->dns6, a->n_dns6 * sizeof(a->dns6[0])) &&
	       same_domains(a, b);
}

/* What hostcfg_up would install for each is the same: the gateway's
 * address (its bypass route), the CP reply (virtual IPs, DNS) and the
 * remote selectors (the routes). */
static bool same_host_side(const struct ike_sa *a, const struct ike_sa *b)
{
	const struct child_sa *ca = sa_child(a), *cb = sa_child(b);
	struct netcfg_ip ga, gb;
	size_t i;

	gateway_of(a, &ga);
	gateway_of(b, &gb);
	if (memcmp(&ga, &gb, sizeof(ga)) || !same_cfg(&a->cfg, &b->cfg) ||
	    !ca || !cb || ca->tsr.n != cb->tsr.n)
		return false;
	for (i = 0; i < ca->tsr.n; i++)
		if (memcmp(&ca->tsr.ts[i], &cb->tsr.ts[i],
			   sizeof(ca->tsr.ts[i])))
			return false;
	return true;
}

/* The address and routes cannot be there twice (the kernel refuses a
 * second route to the same network), and installing them again would
 * make old's removal take away what sa needs. So with the same host
 * side the record, on disk under the same name too, just changes
 * hands: nothing on the host changes and traffic does not notice. */
void hostcfg_take_over(struct ike_sa *sa, struct ike_sa *old)
{
	const struct child_sa *ch = sa_child(sa);

	if (!ch || !ch->installed)
		return; /* nothing to carry yet; old's goes with old */
	if (old && old->netrec && same_host_side(sa, old)) {
		sa->netrec = old->netrec;
		old->netrec = NULL;
		memcpy(sa->host_error, old->host_error, sizeof(sa->host_error));
		sa_progress(sa, "virtual IP, routes and DNS kept for the new IKE SA");
		return;
	}
	/* A different virtual IP, gateway or networks: break before make
	 * on the host, as the routes to the same networks must change. */
	if (old)
		hostcfg_down(old);
	hostcfg_install(sa);
}

static bool same_ip(const struct netcfg_ip *a, const struct netcfg_ip *b)
{
	return a->family == b->family &&
	       (!a->family ||
		!memcmp(a->bytes, b->bytes, a->family == AF_INET6 ? 16 : 4));
}

/* Whether what the record holds went along the path p to the gateway:
 * every address on its interface, every route of the gateway's family
 * through it with its next hop (add_bypass, add_remote). What is on the
 * VPN interface (vpn, 0 for none) stays there whatever the path. */
static bool record_on_path(const struct netcfg_record *rec,
			   const struct netcfg_path *p, int family, int vpn)
{
	size_t i;

	for (i = 0; i < rec->n_addrs; i++)
		if (rec->addrs[i].ifindex != p->ifindex &&
		    (!vpn || rec->addrs[i].ifindex != vpn))
			return false;
	for (i = 0; i < rec->n_routes; i++) {
		const struct netcfg_route *r = &rec->routes[i].route;

		if (vpn && r->ifindex == vpn)
			continue;
		if (r->ifindex != p->ifindex ||
		    (r->dst.ip.family == family && !same_ip(&r->via, &p->via)))
			return false;
	}
	return true;
}

/* The uplink the record used: where its first route off the VPN
 * interface (or, without one, its first address) went. */
static void uplink_name(const struct netcfg_record *rec, int vpn,
			char *out)
{
	size_t i;

	for (i = 0; i < rec->n_routes; i++)
		if (!vpn || rec->routes[i].route.ifindex != vpn) {
			memcpy(out, rec->routes[i].ifname, IF_NAMESIZE);
			return;
		}
	snprintf(out, IF_NAMESIZE, "%s",
		 !vpn && rec->n_addrs ? rec->addrs[0].ifname : "?");
}

void hostcfg_follow(struct ike_sa *sa)
{
	struct verr e = { { 0 } };
	struct netcfg_path p;
	struct netcfg_ip gw;
	char was[IF_NAMESIZE], now[IF_NAMESIZE];

	if (!sa->netrec || !sa->eng->ncfg)
		return;
	gateway_of(sa, &gw);
	if (netcfg_route_get(sa->eng->ncfg, &gw, &p, &e) < 0) {
		log_warn("%s: after the move: %s; the virtual IP and routes "
			 "stay where they are", sa->prof->name, e.msg);
		return;
	}
	if (record_on_path(sa->netrec, &p, gw.family, hostcfg_vpn_ifindex(sa)))
		return;
	uplink_name(sa->netrec, hostcfg_vpn_ifindex(sa), was);
	if (!if_indextoname((unsigned)p.ifindex, now))
		snprintf(now, sizeof(now), "#%d", p.ifindex);
	hostcfg_down(sa);
	hostcfg_install(sa);
	if (sa->host_error[0])
		return;
	if (hostcfg_vpn_ifindex(sa))
		sa_progress(sa, "the gateway's route moved from %s to %s; the "
			    "virtual IP and routes stay on %s", was, now,
			    sa->conn->link.name);
	else
		sa_progress(sa, "virtual IP and routes moved from %s to %s, "
			    "the interface towards the gateway", was, now);
}

int hostcfg_cleanup_stale(struct engine *eng, struct verr *e)
{
	struct netcfg *ncfg;

	if (!eng->state_dir || !host_side_on(eng))
		return 0;
	ncfg = ncfg_of(eng, e);
	if (!ncfg)
		return -1;
	return netcfg_cleanup_stale(ncfg, eng->state_dir, NULL, e);
}
