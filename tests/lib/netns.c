/* A private network namespace for the kernel-facing CUnit suites; see
 * netns.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"

static struct mnl_socket *tn_nl;
static uint32_t tn_seq;

int tn_ifindex(const char *dev)
{
	return (int)if_nametoindex(dev);
}

int tn_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *ctx, const char *what)
{
	static char buf[32768];
	uint32_t portid = mnl_socket_get_portid(tn_nl);
	ssize_t n;
	int ret;

	/* Only dumps go without an ACK: NLM_F_EXCL shares a bit with
	 * NLM_F_DUMP, so the flags cannot tell. */
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if (nlh->nlmsg_type != RTM_GETADDR && nlh->nlmsg_type != RTM_GETROUTE)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++tn_seq;
	if (mnl_socket_sendto(tn_nl, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	do {
		n = mnl_socket_recvfrom(tn_nl, buf, sizeof(buf));
		if (n < 0)
			goto fail;
		ret = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb,
				 ctx);
	} while (ret > 0);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "test netns: %s: %s\n", what, strerror(errno));
	return -1;
}

int tn_link_set(const char *name, bool up)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = tn_ifindex(name);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return tn_talk(nlh, NULL, NULL, name);
}

int tn_add_veth(const char *name, const char *peer)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *info, *data, *p;
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow its own ifinfomsg. */
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return tn_talk(nlh, NULL, NULL, "creating veth");
}

int tn_del_link(const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_DELLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = tn_ifindex(name);
	return tn_talk(nlh, NULL, NULL, name);
}

static int addr_msg(uint16_t type, uint16_t flags, const char *dev,
		    const char *addr, uint8_t prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned char bytes[16];
	struct ifaddrmsg *ifa;
	int family = AF_INET;
	size_t len = 4;

	if (inet_pton(AF_INET, addr, bytes) != 1) {
		family = AF_INET6;
		len = 16;
		if (inet_pton(AF_INET6, addr, bytes) != 1) {
			fprintf(stderr, "test netns: bad address '%s'\n", addr);
			return -1;
		}
	}
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_index = (uint32_t)tn_ifindex(dev);
	mnl_attr_put(nlh, IFA_LOCAL, len, bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, len, bytes);
	/* No duplicate address detection: the address is usable at once. */
	if (type == RTM_NEWADDR)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return tn_talk(nlh, NULL, NULL, addr);
}

int tn_add_addr(const char *dev, const char *addr, uint8_t prefix)
{
	return addr_msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, dev, addr,
			prefix);
}

int tn_del_addr(const char *dev, const char *addr, uint8_t prefix)
{
	return addr_msg(RTM_DELADDR, 0, dev, addr, prefix);
}

int tn_sysctl(const char *path, const char *value)
{
	char full[256];
	int fd, ok;

	snprintf(full, sizeof(full), "/proc/sys/net/%s", path);
	fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return ok ? 0 : -1;
}

int tn_enter(const char *dev, const char *peer, const char *addr4,
	     const char *addr6)
{
	int rc;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	tn_nl = mnl_socket_open(NETLINK_ROUTE);
	if (!tn_nl || mnl_socket_bind(tn_nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "rtnetlink: %s\n", strerror(errno));
		return -1;
	}
	tn_seq = (uint32_t)time(NULL);
	rc = tn_link_set("lo", true);
	rc = rc ? rc : tn_add_veth(dev, peer);
	rc = rc ? rc : tn_link_set(dev, true);
	rc = rc ? rc : tn_link_set(peer, true);
	rc = rc ? rc : tn_add_addr(dev, addr4, 24);
	rc = rc ? rc : tn_add_addr(dev, addr6, 64);
	return rc;
}
