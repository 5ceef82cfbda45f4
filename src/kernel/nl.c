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

struct nlmsghdr *knl_start(struct kernel *k, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(k->tx, 0, sizeof(k->tx));
	nlh = mnl_nlmsg_put_header(k->tx);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++k->ch.seq;
	return nlh;
}

int knl_talk(struct kernel *k, mnl_cb_t cb, void *ctx)
{
	return nl_chan_talk(&k->ch, k->tx, k->rx, sizeof(k->rx), true, cb,
			    ctx);
}

void knl_fail(struct kernel *k, struct verr *e, const char *what,
	      const char *hint)
{
	nl_chan_fail(&k->ch, e, what, hint);
}

struct kernel *kernel_open(struct verr *e)
{
	struct kernel *k = calloc(1, sizeof(*k));
	int err;

	if (!k) {
		verr_set(e, "opening XFRM netlink socket: out of memory");
		return NULL;
	}
	if (nl_chan_open(&k->ch, NETLINK_XFRM, "kernel") < 0) {
		err = errno;
		verr_set(e, "opening XFRM netlink socket: %s%s", strerror(err),
			 err == EPROTONOSUPPORT ?
			 " (kernel without CONFIG_XFRM_USER)" : "");
		free(k);
		errno = err;
		return NULL;
	}
	return k;
}

void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	nl_chan_close(&k->ch);
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

void knl_put_if_id(struct nlmsghdr *nlh, uint32_t if_id)
{
	uint32_t *x;

	if (!if_id)
		return;
	x = knl_put(nlh, XFRMA_IF_ID, sizeof(*x));
	if (x)
		*x = if_id;
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
