/* Routes (RTM_NEWROUTE/DELROUTE/GETROUTE). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netcfg_internal.h"

static bool route_valid(const struct netcfg_route *r)
{
	int f = r->dst.ip.family;

	return nc_addr_len(f) && r->dst.len <= nc_addr_len(f) * 8 &&
	       (!r->via.family || r->via.family == f) &&
	       (!r->src.family || r->src.family == f) && r->ifindex > 0;
}

static void put_ip(struct nlmsghdr *nlh, uint16_t type,
		   const struct netcfg_ip *ip)
{
	mnl_attr_put(nlh, type, nc_addr_len(ip->family), ip->bytes);
}

static void route_msg(struct nlmsghdr *nlh, const struct netcfg_route *r,
		      uint8_t scope)
{
	uint32_t table = nc_table(r->table);
	struct rtmsg *rtm;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)r->dst.ip.family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = scope;
	rtm->rtm_type = RTN_UNICAST;
	put_ip(nlh, RTA_DST, &r->dst.ip);
	if (r->via.family)
		put_ip(nlh, RTA_GATEWAY, &r->via);
	if (r->src.family)
		put_ip(nlh, RTA_PREFSRC, &r->src);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->ifindex);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
}

static int route_do(struct netcfg *n, const struct netcfg_route *r,
		    bool add, struct verr *e)
{
	char what[256], desc[200];
	struct nlmsghdr *nlh;
	uint8_t scope;

	snprintf(what, sizeof(what), "%s route %s", add ? "adding" : "deleting",
		 nc_route_str(r, desc, sizeof(desc)));
	if (!route_valid(r)) {
		verr_set(e, "%s: invalid route (families or device)", what);
		errno = EINVAL;
		return -1;
	}
	if (add) {
		nlh = ncnl_start(n, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
		/* Without a next hop the prefix is reached on the link, as
		 * "ip route add ... dev X" has it. */
		scope = r->via.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		nlh = ncnl_start(n, RTM_DELROUTE, 0);
		scope = RT_SCOPE_NOWHERE;	/* any scope */
	}
	route_msg(nlh, r, scope);
	return ncnl_request(n, e, what);
}

int netcfg_route_add(struct netcfg *n, const struct netcfg_route *r,
		     struct verr *e)
{
	return route_do(n, r, true, e);
}

int netcfg_route_del(struct netcfg *n, const struct netcfg_route *r,
		     struct verr *e)
{
	return route_do(n, r, false, e);
}

struct route_parsed {
	struct netcfg_route r;
	uint8_t type;
	bool ok;
};

static int on_route_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, RTA_MAX) > 0)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static bool attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

/* Fills p from an RTM_NEWROUTE message; false if it is not one. */
static bool route_parse(const struct nlmsghdr *nlh, struct route_parsed *p)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct rtmsg rtm;
	uint32_t v;

	memset(p, 0, sizeof(*p));
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(rtm))
		return false;
	memcpy(&rtm, mnl_nlmsg_get_payload(nlh), sizeof(rtm));
	if (!nc_addr_len(rtm.rtm_family) ||
	    rtm.rtm_dst_len > nc_addr_len(rtm.rtm_family) * 8 ||
	    mnl_attr_parse(nlh, sizeof(rtm), on_route_attr, tb) < 0)
		return false;
	p->r.dst.ip.family = rtm.rtm_family;
	p->r.dst.len = rtm.rtm_dst_len;
	if (tb[RTA_DST] && !nc_attr_ip(tb[RTA_DST], rtm.rtm_family,
				       &p->r.dst.ip))
		return false;
	if (tb[RTA_GATEWAY] && !nc_attr_ip(tb[RTA_GATEWAY], rtm.rtm_family,
					   &p->r.via))
		return false;
	if (tb[RTA_PREFSRC] && !nc_attr_ip(tb[RTA_PREFSRC], rtm.rtm_family,
					   &p->r.src))
		return false;
	if (attr_u32(tb[RTA_OIF], &v))
		p->r.ifindex = (int)v;
	p->r.table = attr_u32(tb[RTA_TABLE], &v) ? v : rtm.rtm_table;
	if (attr_u32(tb[RTA_PRIORITY], &v))
		p->r.metric = v;
	p->type = rtm.rtm_type;
	p->ok = true;
	return true;
}

static int on_get(const struct nlmsghdr *nlh, void *data)
{
	struct route_parsed *p = data;

	if (!p->ok)
		route_parse(nlh, p);
	return MNL_CB_OK;
}

int netcfg_route_get(struct netcfg *n, const struct netcfg_ip *dst,
		     struct netcfg_path *path, struct verr *e)
{
	struct route_parsed p = { 0 };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	char what[80], a[INET6_ADDRSTRLEN];

	snprintf(what, sizeof(what), "looking up the route to %s",
		 netcfg_ip_str(dst, a, sizeof(a)));
	if (!nc_addr_len(dst->family)) {
		verr_set(e, "%s: invalid address", what);
		errno = EINVAL;
		return -1;
	}
	nlh = ncnl_start(n, RTM_GETROUTE, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)(nc_addr_len(dst->family) * 8);
	put_ip(nlh, RTA_DST, dst);
	if (ncnl_talk(n, on_get, &p) < 0) {
		ncnl_fail(n, e, what);
		return -1;
	}
	if (!p.ok || p.r.ifindex <= 0) {
		verr_set(e, "%s: no usable answer from the kernel", what);
		errno = EBADMSG;
		return -1;
	}
	if (p.type == RTN_LOCAL) {
		verr_set(e, "%s: it is an address of this host", what);
		errno = EINVAL;
		return -1;
	}
	memset(path, 0, sizeof(*path));
	path->ifindex = p.r.ifindex;
	path->via = p.r.via;
	path->src = p.r.src;
	path->table = p.r.table;
	return 0;
}

int netcfg_route_dev_for(struct netcfg *n, const struct netcfg_ip *dst,
			 int *ifindex, struct verr *e)
{
	struct netcfg_path p;

	if (netcfg_route_get(n, dst, &p, e) < 0)
		return -1;
	*ifindex = p.ifindex;
	return 0;
}

struct route_walk {
	netcfg_route_cb cb;
	void *ctx;
};

static int on_dump(const struct nlmsghdr *nlh, void *data)
{
	struct route_walk *w = data;
	struct route_parsed p;

	if (!route_parse(nlh, &p))
		return MNL_CB_OK;
	return w->cb(&p.r, w->ctx) ? MNL_CB_STOP : MNL_CB_OK;
}

int netcfg_route_list(struct netcfg *n, int family, netcfg_route_cb cb,
		      void *ctx, struct verr *e)
{
	struct route_walk w = { .cb = cb, .ctx = ctx };
	struct nlmsghdr *nlh = ncnl_start_dump(n, RTM_GETROUTE);
	struct rtmsg *rtm;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	if (ncnl_talk(n, on_dump, &w) < 0) {
		ncnl_fail(n, e, family == AF_INET6 ? "listing IPv6 routes"
						   : "listing IPv4 routes");
		return -1;
	}
	return 0;
}
