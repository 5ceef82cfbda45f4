/* A private network namespace so that the tests never touch the host's
 * IPsec database or interfaces. Built with rtnetlink directly, not with
 * ip(8), so the test has no run-time dependency on iproute2. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "ktest.h"

struct kernel_addr kt_addr(const char *s)
{
	struct kernel_addr a;

	if (!kernel_addr_parse(s, &a))
		abort();
	return a;
}

static int rt_talk(struct mnl_socket *nl, struct nlmsghdr *nlh,
		   const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL) + nlh->nlmsg_type;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			goto fail;
		ret = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid,
				 NULL, NULL);
	} while (ret > 0);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "test netns: %s: %s\n", what, strerror(errno));
	return -1;
}

static int link_up(struct mnl_socket *nl, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)if_nametoindex(name);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	return rt_talk(nl, nlh, name);
}

static int add_veth(struct mnl_socket *nl, const char *name,
		    const char *peer)
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
	return rt_talk(nl, nlh, "creating veth");
}

static int add_address(struct mnl_socket *nl, const char *dev,
		       const char *addr, uint8_t prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct kernel_addr a = kt_addr(addr);
	size_t len = a.family == AF_INET ? 4 : 16;
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a.family;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_index = if_nametoindex(dev);
	mnl_attr_put(nlh, IFA_LOCAL, len, a.bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a.bytes);
	/* No duplicate address detection: the address is usable at once. */
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return rt_talk(nl, nlh, addr);
}

int kt_sysctl(const char *path, const char *value)
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

int kt_enter_netns(void)
{
	struct mnl_socket *nl;
	int rc;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "rtnetlink: %s\n", strerror(errno));
		return -1;
	}
	rc = link_up(nl, "lo");
	rc = rc ? rc : add_veth(nl, "kt0", "kt1");
	rc = rc ? rc : link_up(nl, "kt0");
	rc = rc ? rc : link_up(nl, "kt1");
	rc = rc ? rc : add_address(nl, "kt0", KT_LOCAL4, 24);
	rc = rc ? rc : add_address(nl, "kt0", KT_LOCAL6, 64);
	mnl_socket_close(nl);
	return rc;
}
