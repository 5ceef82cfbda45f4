/* The network monitor: rtnetlink notifications, folded and debounced
 * (include/vpnd/netmon.h). */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "netcfg_internal.h"
#include "vpnd/log.h"
#include "vpnd/netmon.h"

struct netmon {
	struct mnl_socket *nl;
	struct loop *loop;
	unsigned debounce_ms;
	netmon_fn fn;
	void *ctx;
	struct netmon_change pending;
	uint64_t timer;
	uint64_t first_at;      /* loop_now_ms() of the first pending event */
	uint8_t rx[NETCFG_RX_SIZE] __attribute__((aligned(8)));
};

static void fold_link(const struct nlmsghdr *nlh, struct netmon_change *ch)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	unsigned up = IFF_UP | IFF_RUNNING;

	ch->what |= NETMON_LINK;
	ch->events++;
	if (nlh->nlmsg_type == RTM_DELLINK || (ifi->ifi_flags & up) != up)
		ch->link_down = true;
}

static void fold_addr(const struct nlmsghdr *nlh, struct netmon_change *ch)
{
	ch->what |= NETMON_ADDR;
	ch->events++;
	ch->addr_removed |= nlh->nlmsg_type == RTM_DELADDR;
}

static void fold_route(const struct nlmsghdr *nlh, struct netmon_change *ch)
{
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);

	/* Cached clones come and go with traffic; they are not the table. */
	if (rt->rtm_flags & RTM_F_CLONED)
		return;
	ch->what |= NETMON_ROUTE;
	ch->events++;
}

struct kind {
	uint16_t new_type, del_type;
	size_t hdr_len;
	void (*fold)(const struct nlmsghdr *nlh, struct netmon_change *ch);
};

static const struct kind kinds[] = {
	{ RTM_NEWLINK, RTM_DELLINK, sizeof(struct ifinfomsg), fold_link },
	{ RTM_NEWADDR, RTM_DELADDR, sizeof(struct ifaddrmsg), fold_addr },
	{ RTM_NEWROUTE, RTM_DELROUTE, sizeof(struct rtmsg), fold_route },
};

/* -1: the message is shorter than its type's header. */
static int fold_one(const struct nlmsghdr *nlh, struct netmon_change *ch)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (nlh->nlmsg_type != kinds[i].new_type &&
		    nlh->nlmsg_type != kinds[i].del_type)
			continue;
		if (mnl_nlmsg_get_payload_len(nlh) < kinds[i].hdr_len)
			return -1;
		kinds[i].fold(nlh, ch);
		return 0;
	}
	return 0; /* neighbours, rules, ...: not ours to watch */
}

int netmon_fold(const uint8_t *buf, size_t len, struct netmon_change *ch,
		struct verr *e)
{
	/* Each length is checked against what is left: mnl_nlmsg_ok alone
	 * would end quietly on a message that runs past the datagram. */
	while (len > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		size_t step;

		if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
		    nlh->nlmsg_len > len) {
			verr_set(e, "rtnetlink notification of %zu bytes left is cut short",
				 len);
			return -1;
		}
		if (fold_one(nlh, ch) < 0) {
			verr_set(e, "rtnetlink notification type %u too short",
				 nlh->nlmsg_type);
			return -1;
		}
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step > len)
			step = len;
		buf += step;
		len -= step;
	}
	return 0;
}

static void report(void *ctx)
{
	struct netmon *m = ctx;
	struct netmon_change ch = m->pending;

	m->timer = 0;
	memset(&m->pending, 0, sizeof(m->pending));
	m->fn(m->ctx, &ch);
}

/* Each notification pushes the report back, up to a bound, so that a
 * network that never settles is still looked at. */
static void rearm(struct netmon *m)
{
	uint64_t now = loop_now_ms(), last = m->first_at + 4ull * m->debounce_ms;
	unsigned wait = m->debounce_ms;

	if (!m->timer)
		m->first_at = now;
	else if (now + wait > last)
		wait = last > now ? (unsigned)(last - now) : 0;
	loop_timer_cancel(m->loop, m->timer);
	m->timer = loop_timer(m->loop, wait, report, m);
}

static void on_readable(void *ctx, int fd, uint32_t events)
{
	struct netmon *m = ctx;
	struct verr e = { { 0 } };
	unsigned before = m->pending.events;
	ssize_t n;

	(void)fd;
	(void)events;
	while ((n = mnl_socket_recvfrom(m->nl, m->rx, sizeof(m->rx))) > 0)
		if (netmon_fold(m->rx, (size_t)n, &m->pending, &e) < 0)
			log_warn("network monitor: %s", e.msg);
	if (n < 0 && errno == ENOBUFS) {
		log_warn("network monitor: the kernel dropped notifications; checking everything");
		m->pending.what |= NETMON_LOST;
		m->pending.events++;
	}
	if (m->pending.events != before)
		rearm(m);
}

#define GROUPS (RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | \
		RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE)

struct netmon *netmon_open(struct loop *l, unsigned debounce_ms,
			   netmon_fn fn, void *ctx, struct verr *e)
{
	struct netmon *m = calloc(1, sizeof(*m));
	int err;

	if (!m) {
		verr_set(e, "network monitor: out of memory");
		return NULL;
	}
	m->loop = l;
	m->debounce_ms = debounce_ms;
	m->fn = fn;
	m->ctx = ctx;
	m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!m->nl || mnl_socket_bind(m->nl, GROUPS, MNL_SOCKET_AUTOPID) < 0 ||
	    loop_add_fd(l, mnl_socket_get_fd(m->nl), EPOLLIN, on_readable, m) < 0) {
		err = errno;
		verr_set(e, "network monitor: %s", strerror(err));
		netmon_close(m);
		errno = err;
		return NULL;
	}
	return m;
}

void netmon_close(struct netmon *m)
{
	if (!m)
		return;
	loop_timer_cancel(m->loop, m->timer);
	if (m->nl) {
		loop_del_fd(m->loop, mnl_socket_get_fd(m->nl));
		mnl_socket_close(m->nl);
	}
	free(m);
}
