/* Virtual IP addresses on an interface (RTM_NEWADDR/DELADDR/GETADDR). */
#include <errno.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <string.h>

#include "netcfg_internal.h"

static bool addr_valid(const struct netcfg_prefix *a)
{
	return nc_addr_len(a->ip.family) &&
	       a->len <= nc_addr_len(a->ip.family) * 8;
}

static void addr_what(char *out, size_t outlen, const char *verb,
		      const char *prep, int ifindex,
		      const struct netcfg_prefix *a)
{
	char p[INET6_ADDRSTRLEN + 4], dev[IF_NAMESIZE];

	snprintf(out, outlen, "%s address %s %s dev %s", verb,
		 netcfg_prefix_str(a, p, sizeof(p)), prep,
		 nc_ifname(ifindex, dev));
}

static struct nlmsghdr *addr_msg(struct netcfg *n, uint16_t type,
				 uint16_t flags, int ifindex,
				 const struct netcfg_prefix *a)
{
	struct nlmsghdr *nlh = ncnl_start(n, type, flags);
	struct ifaddrmsg *ifa;
	size_t len = nc_addr_len(a->ip.family);

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->ip.family;
	ifa->ifa_prefixlen = a->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->ip.bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->ip.bytes);
	return nlh;
}

int netcfg_addr_add(struct netcfg *n, int ifindex,
		    const struct netcfg_prefix *a, struct verr *e)
{
	struct nlmsghdr *nlh;
	uint32_t flags = IFA_F_NOPREFIXROUTE;
	char what[160];

	addr_what(what, sizeof(what), "adding", "to", ifindex, a);
	if (!addr_valid(a)) {
		verr_set(e, "%s: invalid address or prefix length", what);
		errno = EINVAL;
		return -1;
	}
	if (a->ip.family == AF_INET6)
		flags |= IFA_F_NODAD;
	nlh = addr_msg(n, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, a);
	mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	return ncnl_request(n, e, what);
}

int netcfg_addr_del(struct netcfg *n, int ifindex,
		    const struct netcfg_prefix *a, struct verr *e)
{
	char what[160];

	addr_what(what, sizeof(what), "deleting", "from", ifindex, a);
	if (!addr_valid(a)) {
		verr_set(e, "%s: invalid address or prefix length", what);
		errno = EINVAL;
		return -1;
	}
	addr_msg(n, RTM_DELADDR, 0, ifindex, a);
	return ncnl_request(n, e, what);
}

struct addr_find {
	int ifindex;
	const struct netcfg_prefix *want;
	bool found;
};

static int on_addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if ((type == IFA_LOCAL || type == IFA_ADDRESS) &&
	    mnl_attr_type_valid(a, IFA_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct addr_find *f = data;
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct ifaddrmsg ifa;
	struct netcfg_ip ip;
	const struct nlattr *which;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(ifa))
		return MNL_CB_OK;
	memcpy(&ifa, mnl_nlmsg_get_payload(nlh), sizeof(ifa));
	if ((int)ifa.ifa_index != f->ifindex ||
	    ifa.ifa_family != f->want->ip.family ||
	    ifa.ifa_prefixlen != f->want->len)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(ifa), on_addr_attr, tb) < 0)
		return MNL_CB_OK;
	/* IFA_LOCAL is our own address; IFA_ADDRESS alone means the same
	 * on a link without peer. */
	which = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (which && nc_attr_ip(which, ifa.ifa_family, &ip) &&
	    memcmp(ip.bytes, f->want->ip.bytes,
		   nc_addr_len(ip.family)) == 0) {
		f->found = true;
		return MNL_CB_STOP;
	}
	return MNL_CB_OK;
}

int netcfg_addr_present(struct netcfg *n, int ifindex,
			const struct netcfg_prefix *a, bool *present,
			struct verr *e)
{
	struct addr_find f = { .ifindex = ifindex, .want = a };
	struct nlmsghdr *nlh = ncnl_start_dump(n, RTM_GETADDR);
	struct ifaddrmsg *ifa;
	char what[160];

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->ip.family;
	if (ncnl_talk(n, on_addr, &f) < 0) {
		addr_what(what, sizeof(what), "looking for", "on", ifindex, a);
		ncnl_fail(n, e, what);
		return -1;
	}
	*present = f.found;
	return 0;
}
