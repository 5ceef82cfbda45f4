/* Raw rtnetlink helpers that check the kernel's state independently of
 * the code under test, in the private namespace of tests/lib/netns.c. */
#include <arpa/inet.h>
#include <dirent.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "ntest.h"

struct netcfg_ip nt_ip(const char *s)
{
	struct netcfg_ip ip;

	if (!netcfg_ip_parse(s, &ip))
		abort();
	return ip;
}

struct netcfg_prefix nt_prefix(const char *s)
{
	struct netcfg_prefix p;

	if (!netcfg_prefix_parse(s, &p))
		abort();
	return p;
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int route_msg(uint16_t type, uint16_t flags, const char *prefix,
		     const char *via, const char *dev, uint32_t metric)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct netcfg_prefix p = nt_prefix(prefix);
	struct netcfg_ip gw;
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)p.ip.family;
	rtm->rtm_dst_len = p.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	/* Deleting: any protocol, so that ours can be removed too. */
	rtm->rtm_protocol = type == RTM_NEWROUTE ? RTPROT_BOOT : 0;
	rtm->rtm_scope = via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (p.len)
		mnl_attr_put(nlh, RTA_DST, alen(p.ip.family), p.ip.bytes);
	if (via) {
		gw = nt_ip(via);
		mnl_attr_put(nlh, RTA_GATEWAY, alen(gw.family), gw.bytes);
	}
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)tn_ifindex(dev));
	mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	return tn_talk(nlh, NULL, NULL, prefix);
}

int nt_add_route(const char *prefix, const char *via, const char *dev,
		 uint32_t metric)
{
	return route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, prefix, via,
			 dev, metric);
}

int nt_del_route(const char *prefix, const char *via, const char *dev,
		 uint32_t metric)
{
	return route_msg(RTM_DELROUTE, 0, prefix, via, dev, metric);
}

struct addr_q {
	int ifindex;
	struct netcfg_ip want;
	uint8_t prefix;
	struct nt_addr res;
};

static int on_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= RTA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_q *q = data;
	const struct nlattr *a;

	if ((int)ifa->ifa_index != q->ifindex ||
	    ifa->ifa_family != q->want.family ||
	    ifa->ifa_prefixlen != q->prefix)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), on_attr, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != alen(q->want.family) ||
	    memcmp(mnl_attr_get_payload(a), q->want.bytes,
		   alen(q->want.family)) != 0)
		return MNL_CB_OK;
	q->res.found = true;
	q->res.flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS])
				     : ifa->ifa_flags;
	return MNL_CB_OK;
}

struct nt_addr nt_find_addr(const char *dev, const char *addr,
			    uint8_t prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_q q = { .ifindex = tn_ifindex(dev), .want = nt_ip(addr),
			    .prefix = prefix };
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)q.want.family;
	if (tn_talk(nlh, on_addr, &q, "dumping addresses") < 0)
		abort();
	return q.res;
}

struct route_q {
	struct netcfg_prefix want;
	uint32_t table;
	long metric;
	struct nt_route res;
};

static void ip_str(const struct nlattr *a, int family, char *out)
{
	if (a && mnl_attr_get_payload_len(a) == alen(family))
		inet_ntop(family, mnl_attr_get_payload(a), out, 48);
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_q *q = data;
	uint8_t zero[16] = { 0 };
	const void *dst = zero;
	uint32_t table, metric;

	if (rtm->rtm_family != q->want.ip.family ||
	    rtm->rtm_dst_len != q->want.len)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), on_attr, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE])
			      : rtm->rtm_table;
	if (tb[RTA_DST])
		dst = mnl_attr_get_payload(tb[RTA_DST]);
	if (table != q->table ||
	    memcmp(dst, q->want.ip.bytes, alen(q->want.ip.family)) != 0)
		return MNL_CB_OK;
	metric = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	q->res.count++;
	if (q->metric >= 0 && metric != (uint32_t)q->metric)
		return MNL_CB_OK;
	q->res.found = true;
	q->res.metric = metric;
	q->res.protocol = rtm->rtm_protocol;
	q->res.oif = tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	ip_str(tb[RTA_GATEWAY], rtm->rtm_family, q->res.via);
	ip_str(tb[RTA_PREFSRC], rtm->rtm_family, q->res.src);
	return MNL_CB_OK;
}

struct nt_route nt_find_route(const char *prefix, uint32_t table,
			      long metric)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct route_q q = { .want = nt_prefix(prefix), .table = table,
			     .metric = metric };
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)q.want.ip.family;
	if (tn_talk(nlh, on_route, &q, "dumping routes") < 0)
		abort();
	return q.res;
}

const char *nt_tmpdir(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/vpnd-netcfg-test-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	return dir;
}

void nt_rmdir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int nt_enter_netns(void)
{
	int rc = tn_enter(NT_DEV, "veth1", NT_LOCAL4, NT_LOCAL6);

	rc = rc ? rc : nt_add_route("0.0.0.0/0", NT_ROUTER4, NT_DEV, 0);
	rc = rc ? rc : nt_add_route("::/0", NT_ROUTER6, NT_DEV, 1024);
	return rc;
}
