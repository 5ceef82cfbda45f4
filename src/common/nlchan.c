#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <linux/netlink.h>
#include <openssl/crypto.h>

#include "vpnd/log.h"
#include "vpnd/nlchan.h"

struct talk {
	struct nl_chan *c;
	mnl_cb_t cb;
	void *ctx;
	uint32_t seq;
	bool stopped;
};

/* A late reply to an abandoned request (say, after EINTR) must not be
 * taken for the answer to this one. */
static bool stale(const struct talk *t, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_seq == t->seq)
		return false;
	log_dbg("%s: dropping stale netlink reply type %u seq %u", t->c->who,
		nlh->nlmsg_type, nlh->nlmsg_seq);
	return true;
}

static int on_ext_attr(const struct nlattr *a, void *data)
{
	struct nl_chan *c = data;
	size_t n;

	if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG ||
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	snprintf(c->ext_msg, sizeof(c->ext_msg), "%s", mnl_attr_get_str(a));
	n = strlen(c->ext_msg);
	while (n > 0 && (c->ext_msg[n - 1] == '\n' || c->ext_msg[n - 1] == '.'))
		c->ext_msg[--n] = '\0';
	return MNL_CB_OK;
}

/* The extended ack TLVs follow the error header and, unless the kernel
 * capped the reply, a copy of our request whose length it states. */
static void parse_ext_ack(struct nl_chan *c, const struct nlmsghdr *nlh,
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
			       on_ext_attr, c);
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	if (stale(t, nlh))
		return MNL_CB_OK;
	if (plen < sizeof(*err)) {
		t->c->err = EBADMSG;
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	t->c->err = (err->error < 0 && err->error > -4096) ? -err->error
							    : EPROTO;
	parse_ext_ack(t->c, nlh, err, plen);
	errno = t->c->err;
	return MNL_CB_ERROR;
}

/* After the caller's callback asked to stop, the rest of a dump is still
 * read (and ignored) so that it cannot answer our next request. */
static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	if (stale(t, nlh) || t->stopped || !t->cb)
		return MNL_CB_OK;
	if (t->cb(nlh, t->ctx) != MNL_CB_OK)
		t->stopped = true;
	return MNL_CB_OK;
}

/* A dump ends with DONE, which carries the dump's error code. */
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
	t->c->err = code > -4096 ? -code : EPROTO;
	errno = t->c->err;
	return MNL_CB_ERROR;
}

/* Not const: libmnl takes a mutable array. Types left NULL (NOOP,
 * OVERRUN) are skipped. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = on_error,
	[NLMSG_DONE] = on_done,
};

static int talk_recv(struct nl_chan *c, struct talk *t, uint8_t *rx,
		     size_t rxlen, bool secret)
{
	int ret = MNL_CB_OK;
	ssize_t n;

	do {
		n = mnl_socket_recvfrom(c->nl, rx, rxlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c->err = errno;
			return -1;
		}
		/* Sequence 0: stale() checks it so as to skip, not fail. */
		ret = mnl_cb_run2(rx, (size_t)n, 0, c->portid, on_data, t,
				  ctl_cbs, NLMSG_MIN_TYPE);
		/* Replies carry no keys thanks to NETLINK_CAP_ACK, but a
		 * kernel without it echoes the whole request. */
		if (secret)
			OPENSSL_cleanse(rx, (size_t)n);
		if (ret < 0 && c->err == 0)
			c->err = errno;
	} while (ret > 0);
	if (ret < 0)
		errno = c->err;
	return ret < 0 ? -1 : 0;
}

int nl_chan_talk(struct nl_chan *c, void *tx, uint8_t *rx, size_t rxlen,
		 bool secret, mnl_cb_t cb, void *ctx)
{
	struct nlmsghdr *nlh = tx;
	struct talk t = { .c = c, .cb = cb, .ctx = ctx,
			  .seq = nlh->nlmsg_seq };
	uint32_t len = nlh->nlmsg_len;
	ssize_t n;

	c->err = 0;
	c->ext_msg[0] = '\0';
	n = mnl_socket_sendto(c->nl, nlh, len);
	if (n < 0)
		c->err = errno;
	if (secret)
		OPENSSL_cleanse(tx, len);
	if (n < 0) {
		errno = c->err;
		return -1;
	}
	return talk_recv(c, &t, rx, rxlen, secret);
}

void nl_chan_fail(const struct nl_chan *c, struct verr *e, const char *what,
		  const char *hint)
{
	int err = c->err ? c->err : errno;

	verr_set(e, "%s: %s%s%s%s%s%s", what, strerror(err),
		 hint ? " (" : "", hint ? hint : "", hint ? ")" : "",
		 c->ext_msg[0] ? " [kernel: " : "",
		 c->ext_msg[0] ? c->ext_msg : "");
	if (c->ext_msg[0]) {
		size_t n = strlen(e->msg);

		if (n + 1 < sizeof(e->msg)) {
			e->msg[n] = ']';
			e->msg[n + 1] = '\0';
		}
	}
	errno = err;
}

static void set_opt(struct nl_chan *c, int opt, const char *name)
{
	int one = 1;

	/* Older kernels lack these; requests still work without them. */
	if (mnl_socket_setsockopt(c->nl, opt, &one, sizeof(one)) < 0)
		log_dbg("%s: netlink option %s unavailable: %s", c->who, name,
			strerror(errno));
}

int nl_chan_open(struct nl_chan *c, int bus, const char *who)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->who = who;
	c->nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!c->nl || mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		nl_chan_close(c);
		errno = err;
		return -1;
	}
	set_opt(c, NETLINK_EXT_ACK, "NETLINK_EXT_ACK");
	set_opt(c, NETLINK_CAP_ACK, "NETLINK_CAP_ACK");
	c->portid = mnl_socket_get_portid(c->nl);
	c->seq = (uint32_t)time(NULL);
	return 0;
}

void nl_chan_close(struct nl_chan *c)
{
	if (c->nl)
		mnl_socket_close(c->nl);
	c->nl = NULL;
}
