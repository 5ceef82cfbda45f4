/* Kernel IPsec events: ACQUIRE, EXPIRE, POLEXPIRE and MAPPING. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vpnd/log.h"
#include "kernel_internal.h"

struct kernel_monitor {
	struct mnl_socket *nl;
	uint8_t rx[KERNEL_RX_SIZE];
};

#define GROUP(g) (1u << ((g) - 1))

struct kernel_monitor *kernel_monitor_open(struct verr *e)
{
	struct kernel_monitor *m = calloc(1, sizeof(*m));
	unsigned groups = GROUP(XFRMNLGRP_ACQUIRE) | GROUP(XFRMNLGRP_EXPIRE) |
			  GROUP(XFRMNLGRP_MAPPING);
	int err;

	if (!m) {
		verr_set(e, "opening XFRM event socket: out of memory");
		return NULL;
	}
	m->nl = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!m->nl || mnl_socket_bind(m->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		verr_set(e, "opening XFRM event socket: %s", strerror(err));
		kernel_monitor_close(m);
		errno = err;
		return NULL;
	}
	return m;
}

int kernel_monitor_fd(const struct kernel_monitor *m)
{
	return mnl_socket_get_fd(m->nl);
}

void kernel_monitor_close(struct kernel_monitor *m)
{
	if (!m)
		return;
	if (m->nl)
		mnl_socket_close(m->nl);
	free(m);
}

/* The kernel appends the policy's templates: the first one names the
 * tunnel endpoints (with their family, which may differ from the
 * selector's) and the reqid. */
static int on_acquire_attr(const struct nlattr *a, void *data)
{
	struct kernel_event *ev = data;
	const struct xfrm_user_tmpl *t;

	if (mnl_attr_get_type(a) != XFRMA_TMPL ||
	    mnl_attr_get_payload_len(a) < sizeof(*t))
		return MNL_CB_OK;
	t = mnl_attr_get_payload(a);
	kaddr_from_xfrm(t->family, &t->saddr, &ev->src);
	kaddr_from_xfrm(t->family, &t->id.daddr, &ev->dst);
	ev->reqid = t->reqid;
	return MNL_CB_STOP;
}

static int decode_acquire(const struct nlmsghdr *nlh, struct kernel_event *ev)
{
	struct xfrm_user_acquire copy;
	const struct xfrm_user_acquire *a = &copy;

	if (!knl_payload(nlh, &copy, sizeof(copy)))
		return -1;
	ev->type = KERNEL_EV_ACQUIRE;
	ev->proto = a->id.proto;
	kaddr_from_xfrm(a->sel.family, &a->saddr, &ev->src);
	kaddr_from_xfrm(a->sel.family, &a->id.daddr, &ev->dst);
	ksel_from_xfrm(&a->sel, &ev->sel);
	ev->policy_index = a->policy.index;
	ev->dir = (enum kernel_dir)a->policy.dir;
	mnl_attr_parse(nlh, sizeof(*a), on_acquire_attr, ev);
	return 0;
}

static int decode_expire(const struct nlmsghdr *nlh, struct kernel_event *ev)
{
	struct xfrm_user_expire copy;
	const struct xfrm_user_expire *x = &copy;
	const struct xfrm_usersa_info *s = &x->state;

	if (!knl_payload(nlh, &copy, sizeof(copy)))
		return -1;
	ev->type = KERNEL_EV_EXPIRE;
	ev->spi = ntohl(s->id.spi);
	ev->proto = s->id.proto;
	ev->reqid = s->reqid;
	kaddr_from_xfrm(s->family, &s->saddr, &ev->src);
	kaddr_from_xfrm(s->family, &s->id.daddr, &ev->dst);
	ksel_from_xfrm(&s->sel, &ev->sel);
	ev->hard = x->hard != 0;
	return 0;
}

static int decode_polexpire(const struct nlmsghdr *nlh,
			    struct kernel_event *ev)
{
	struct xfrm_user_polexpire copy;
	const struct xfrm_user_polexpire *x = &copy;

	if (!knl_payload(nlh, &copy, sizeof(copy)))
		return -1;
	ev->type = KERNEL_EV_POLEXPIRE;
	ksel_from_xfrm(&x->pol.sel, &ev->sel);
	ev->policy_index = x->pol.index;
	ev->dir = (enum kernel_dir)x->pol.dir;
	ev->hard = x->hard != 0;
	return 0;
}

static int decode_mapping(const struct nlmsghdr *nlh, struct kernel_event *ev)
{
	struct xfrm_user_mapping copy;
	const struct xfrm_user_mapping *x = &copy;

	if (!knl_payload(nlh, &copy, sizeof(copy)))
		return -1;
	ev->type = KERNEL_EV_MAPPING;
	ev->spi = ntohl(x->id.spi);
	ev->proto = x->id.proto;
	ev->reqid = x->reqid;
	kaddr_from_xfrm(x->id.family, &x->id.daddr, &ev->dst);
	kaddr_from_xfrm(x->id.family, &x->old_saddr, &ev->src);
	kaddr_from_xfrm(x->id.family, &x->new_saddr, &ev->new_src);
	ev->old_sport = ntohs(x->old_sport);
	ev->new_sport = ntohs(x->new_sport);
	return 0;
}

/* 1 = event in ev, 0 = not an event (logged), -1 = truncated event. */
static int decode_one(const struct nlmsghdr *nlh, struct kernel_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_ACQUIRE:
		return decode_acquire(nlh, ev) < 0 ? -1 : 1;
	case XFRM_MSG_EXPIRE:
		return decode_expire(nlh, ev) < 0 ? -1 : 1;
	case XFRM_MSG_POLEXPIRE:
		return decode_polexpire(nlh, ev) < 0 ? -1 : 1;
	case XFRM_MSG_MAPPING:
		return decode_mapping(nlh, ev) < 0 ? -1 : 1;
	default:
		log_dbg("kernel: ignoring XFRM message type %u (%u bytes)",
			nlh->nlmsg_type, nlh->nlmsg_len);
		return 0;
	}
}

int kernel_events_decode(const void *buf, size_t len, kernel_event_cb cb,
			 void *ctx, struct verr *e)
{
	const struct nlmsghdr *nlh = buf;
	int left = len > KERNEL_RX_SIZE ? KERNEL_RX_SIZE : (int)len;
	struct kernel_event ev;
	int rc = 0, r;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		r = decode_one(nlh, &ev);
		if (r < 0) {
			/* Keep going: later events in the batch are intact. */
			verr_set(e, "XFRM event type %u truncated (%u bytes)",
				 nlh->nlmsg_type, nlh->nlmsg_len);
			log_warn("kernel: %s", e ? e->msg : "truncated event");
			errno = EBADMSG;
			rc = -1;
		} else if (r > 0) {
			cb(&ev, ctx);
		}
	}
	if (left > 0)
		log_dbg("kernel: %d trailing bytes after XFRM events", left);
	return rc;
}

int kernel_monitor_read(struct kernel_monitor *m, kernel_event_cb cb,
			void *ctx, struct verr *e)
{
	int rc = 0;
	ssize_t n;

	for (;;) {
		/* mnl_socket_recvfrom drops what did not come from the
		 * kernel: other processes cannot fake events. */
		n = mnl_socket_recvfrom(m->nl, m->rx, sizeof(m->rx));
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (rc < 0)
				errno = EBADMSG;
			return rc;
		}
		if (n < 0 && errno == ENOBUFS) {
			verr_set(e, "XFRM events lost: receive queue overrun");
			errno = ENOBUFS;
			return -1;
		}
		if (n < 0 && errno == ESRCH) {
			log_dbg("kernel: XFRM message not from the kernel");
			continue;
		}
		if (n < 0) {
			int err = errno;

			verr_set(e, "reading XFRM events: %s", strerror(err));
			errno = err;
			return -1;
		}
		/* A malformed event does not hold up the ones behind it. */
		if (kernel_events_decode(m->rx, (size_t)n, cb, ctx, e) < 0)
			rc = -1;
	}
}
