/* The NETLINK_XFRM request socket: sequence numbers, ACKs and errors. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "vpnd/log.h"
#include "kernel_internal.h"

struct talk {
	struct kernel *k;
	mnl_cb_t cb;
	void *ctx;
	uint32_t seq;
	bool stopped;
};

/* A reply to an earlier request that was abandoned (say, on EINTR) must
 * not be taken for the answer to this one. */
static bool stale(const struct talk *t, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_seq == t->seq)
		return false;
	log_dbg("kernel: dropping stale netlink reply type %u seq %u",
		nlh->nlmsg_type, nlh->nlmsg_seq);
	return true;
}

static int on_ext_attr(const struct nlattr *a, void *data)
{
	struct kernel *k = data;
	size_t n;

	if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG ||
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	snprintf(k->ext_msg, sizeof(k->ext_msg), "%s",
		 mnl_attr_get_str(a));
	n = strlen(k->ext_msg);
	while (n > 0 && (k->ext_msg[n - 1] == '\n' || k->ext_msg[n - 1] == '.'))
		k->ext_msg[--n] = '\0';
	return MNL_CB_OK;
}

/* The extended ack TLVs follow the error header and, unless the kernel
 * capped the reply, a copy of our request whose length it states. */
static void parse_ext_ack(struct kernel *k, const struct nlmsghdr *nlh,
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
			       on_ext_attr, k);
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	if (stale(t, nlh))
		return MNL_CB_OK;
	if (plen < sizeof(*err)) {
		t->k->err = EBADMSG;
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	t->k->err = (err->error < 0 && err->error > -4096) ? -err->error
							    : EPROTO;
	parse_ext_ack(t->k, nlh, err, plen);
	errno = t->k->err;
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
	t->k->err = code > -4096 ? -code : EPROTO;
	errno = t->k->err;
	return MNL_CB_ERROR;
}

/* Not const: libmnl takes a mutable array. Types left NULL (NOOP,
 * OVERRUN) are skipped. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = on_error,
	[NLMSG_DONE] = on_done,
};

struct nlmsghdr *knl_start(struct kernel *k, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(k->tx, 0, sizeof(k->tx));
	nlh = mnl_nlmsg_put_header(k->tx);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++k->seq;
	return nlh;
}

static int talk_recv(struct kernel *k, struct talk *t)
{
	int ret = MNL_CB_OK;
	ssize_t n;

	do {
		n = mnl_socket_recvfrom(k->nl, k->rx, sizeof(k->rx));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			k->err = errno;
			return -1;
		}
		/* Sequence 0: stale() checks it so as to skip, not fail. */
		ret = mnl_cb_run2(k->rx, (size_t)n, 0, k->portid, on_data,
				  t, ctl_cbs, NLMSG_MIN_TYPE);
		/* Replies carry no keys thanks to NETLINK_CAP_ACK, but a
		 * kernel without it echoes the whole request. */
		OPENSSL_cleanse(k->rx, (size_t)n);
		if (ret < 0 && k->err == 0)
			k->err = errno;
	} while (ret > 0);
	if (ret < 0)
		errno = k->err;
	return ret < 0 ? -1 : 0;
}

int knl_talk(struct kernel *k, mnl_cb_t cb, void *ctx)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)k->tx;
	struct talk t = { .k = k, .cb = cb, .ctx = ctx,
			  .seq = nlh->nlmsg_seq };
	uint32_t len = nlh->nlmsg_len;
	ssize_t n;

	k->err = 0;
	k->ext_msg[0] = '\0';
	n = mnl_socket_sendto(k->nl, nlh, len);
	if (n < 0)
		k->err = errno;
	OPENSSL_cleanse(k->tx, len);
	if (n < 0) {
		errno = k->err;
		return -1;
	}
	return talk_recv(k, &t);
}

void knl_fail(struct kernel *k, struct verr *e, const char *what,
	      const char *hint)
{
	int err = k->err ? k->err : errno;

	verr_set(e, "%s: %s%s%s%s%s%s", what, strerror(err),
		 hint ? " (" : "", hint ? hint : "", hint ? ")" : "",
		 k->ext_msg[0] ? " [kernel: " : "",
		 k->ext_msg[0] ? k->ext_msg : "");
	if (k->ext_msg[0]) {
		size_t n = strlen(e->msg);

		if (n + 1 < sizeof(e->msg)) {
			e->msg[n] = ']';
			e->msg[n + 1] = '\0';
		}
	}
	errno = err;
}

static void set_opt(struct mnl_socket *nl, int opt, const char *name)
{
	int one = 1;

	/* Older kernels lack these; requests still work without them. */
	if (mnl_socket_setsockopt(nl, opt, &one, sizeof(one)) < 0)
		log_dbg("kernel: netlink option %s unavailable: %s", name,
			strerror(errno));
}

struct kernel *kernel_open(struct verr *e)
{
	struct kernel *k = calloc(1, sizeof(*k));
	int err;

	if (!k) {
		verr_set(e, "opening XFRM netlink socket: out of memory");
		return NULL;
	}
	k->nl = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC);
	if (!k->nl || mnl_socket_bind(k->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		verr_set(e, "opening XFRM netlink socket: %s%s", strerror(err),
			 err == EPROTONOSUPPORT ?
			 " (kernel without CONFIG_XFRM_USER)" : "");
		kernel_close(k);
		errno = err;
		return NULL;
	}
	set_opt(k->nl, NETLINK_EXT_ACK, "NETLINK_EXT_ACK");
	set_opt(k->nl, NETLINK_CAP_ACK, "NETLINK_CAP_ACK");
	k->portid = mnl_socket_get_portid(k->nl);
	k->seq = (uint32_t)time(NULL);
	return k;
}

void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	if (k->nl)
		mnl_socket_close(k->nl);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

void *knl_put(struct nlmsghdr *nlh, uint16_t type, size_t len)
{
	struct nlattr *a;

	if (nlh->nlmsg_len + MNL_ALIGN(MNL_ATTR_HDRLEN + len) > KERNEL_TX_SIZE)
		return NULL;
	a = mnl_nlmsg_get_payload_tail(nlh);
	a->nla_type = type;
	a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len);
	nlh->nlmsg_len += MNL_ALIGN(a->nla_len);
	memset(mnl_attr_get_payload(a), 0, MNL_ALIGN(len));
	return mnl_attr_get_payload(a);
}

void knl_put_mark(struct nlmsghdr *nlh, const struct kernel_mark *m)
{
	struct xfrm_mark *x;

	if (!m || !m->mask)
		return;
	x = knl_put(nlh, XFRMA_MARK, sizeof(*x));
	if (x) {
		x->v = m->value;
		x->m = m->mask;
	}
}

bool knl_payload(const struct nlmsghdr *nlh, void *dst, size_t len)
{
	if (mnl_nlmsg_get_payload_len(nlh) < len)
		return false;
	memcpy(dst, mnl_nlmsg_get_payload(nlh), len);
	return true;
}

const char *kproto_name(uint8_t proto, char *out, size_t outlen)
{
	if (proto == IPPROTO_ESP)
		snprintf(out, outlen, "ESP");
	else if (proto == IPPROTO_AH)
		snprintf(out, outlen, "AH");
	else
		snprintf(out, outlen, "proto %u", proto);
	return out;
}
