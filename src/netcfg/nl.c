/* The rtnetlink request socket: sequence numbers, ACKs and errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vpnd/log.h"
#include "netcfg_internal.h"

struct talk {
	struct netcfg *n;
	mnl_cb_t cb;
	void *ctx;
	uint32_t seq;
	bool stopped;
};

/* A late reply to an abandoned request must not answer this one. */
static bool stale(const struct talk *t, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_seq == t->seq)
		return false;
	log_dbg("netcfg: dropping stale rtnetlink reply type %u seq %u",
		nlh->nlmsg_type, nlh->nlmsg_seq);
	return true;
}

static int on_ext_attr(const struct nlattr *a, void *data)
{
	struct netcfg *n = data;
	size_t len;

	if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG ||
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	snprintf(n->ext_msg, sizeof(n->ext_msg), "%s", mnl_attr_get_str(a));
	len = strlen(n->ext_msg);
	while (len > 0 && (n->ext_msg[len - 1] == '\n' ||
			   n->ext_msg[len - 1] == '.'))
		n->ext_msg[--len] = '\0';
	return MNL_CB_OK;
}

/* The TLVs follow the error header and, unless capped, our request. */
static void parse_ext_ack(struct netcfg *n, const struct nlmsghdr *nlh,
			  const struct nlmsgerr *err, size_t plen)
{
	size_t off = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return;
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	off = MNL_ALIGN(off);
	if (off >= plen)
		return;
	mnl_attr_parse_payload((const uint8_t *)err + off, plen - off,
			       on_ext_attr, n);
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	if (stale(t, nlh))
		return MNL_CB_OK;
	if (plen < sizeof(*err)) {
		t->n->err = EBADMSG;
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	t->n->err = (err->error < 0 && err->error > -4096) ? -err->error
							    : EPROTO;
	parse_ext_ack(t->n, nlh, err, plen);
	errno = t->n->err;
	return MNL_CB_ERROR;
}

/* Once the caller's callback stopped, the rest of a dump is still read
 * so that it cannot be taken for the answer to the next request. */
static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	if (stale(t, nlh) || t->stopped || !t->cb)
		return MNL_CB_OK;
	if (t->cb(nlh, t->ctx) != MNL_CB_OK)
		t->stopped = true;
	return MNL_CB_OK;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	int32_t code;

	if (stale(t, nlh))
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(code))
		return MNL_CB_STOP;
	memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
	if (code >= 0)
		return MNL_CB_STOP;
	t->n->err = code > -4096 ? -code : EPROTO;
	errno = t->n->err;
	return MNL_CB_ERROR;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = on_error,
	[NLMSG_DONE] = on_done,
};

static struct nlmsghdr *start(struct netcfg *n, uint16_t type,
			       uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(n->tx, 0, sizeof(n->tx));
	nlh = mnl_nlmsg_put_header(n->tx);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++n->seq;
	return nlh;
}

struct nlmsghdr *ncnl_start(struct netcfg *n, uint16_t type, uint16_t flags)
{
	return start(n, type, NLM_F_ACK | flags);
}

struct nlmsghdr *ncnl_start_dump(struct netcfg *n, uint16_t type)
{
	return start(n, type, NLM_F_DUMP);
}

int ncnl_talk(struct netcfg *n, mnl_cb_t cb, void *ctx)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)n->tx;
	struct talk t = { .n = n, .cb = cb, .ctx = ctx,
			  .seq = nlh->nlmsg_seq };
	int ret = MNL_CB_OK;
	ssize_t got;

	n->err = 0;
	n->ext_msg[0] = '\0';
	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0) {
		n->err = errno;
		return -1;
	}
	do {
		got = mnl_socket_recvfrom(n->nl, n->rx, sizeof(n->rx));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			n->err = errno;
			return -1;
		}
		/* Sequence 0: stale() checks it so as to skip, not fail. */
		ret = mnl_cb_run2(n->rx, (size_t)got, 0, n->portid, on_data,
				  &t, ctl_cbs, NLMSG_MIN_TYPE);
		if (ret < 0 && n->err == 0)
			n->err = errno;
	} while (ret > 0);
	if (ret < 0) {
		errno = n->err;
		return -1;
	}
	return 0;
}

void ncnl_fail(struct netcfg *n, struct verr *e, const char *what)
{
	int err = n->err ? n->err : errno;

	if (n->ext_msg[0])
		verr_set(e, "%s: %s [kernel: %s]", what, strerror(err),
			 n->ext_msg);
	else
		verr_set(e, "%s: %s", what, strerror(err));
	errno = err;
}

static void set_opt(struct mnl_socket *nl, int opt, const char *name)
{
	int one = 1;

	/* Older kernels lack these; requests still work without them. */
	if (mnl_socket_setsockopt(nl, opt, &one, sizeof(one)) < 0)
		log_dbg("netcfg: netlink option %s unavailable: %s", name,
			strerror(errno));
}

struct netcfg *netcfg_open(struct verr *e)
{
	struct netcfg *n = calloc(1, sizeof(*n));
	int err;

	if (!n) {
		verr_set(e, "opening rtnetlink socket: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	n->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!n->nl || mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		verr_set(e, "opening rtnetlink socket: %s", strerror(err));
		netcfg_close(n);
		errno = err;
		return NULL;
	}
	set_opt(n->nl, NETLINK_EXT_ACK, "NETLINK_EXT_ACK");
	set_opt(n->nl, NETLINK_CAP_ACK, "NETLINK_CAP_ACK");
	n->portid = mnl_socket_get_portid(n->nl);
	n->seq = (uint32_t)time(NULL);
	return n;
}

void netcfg_close(struct netcfg *n)
{
	if (!n)
		return;
	if (n->nl)
		mnl_socket_close(n->nl);
	free(n);
}
