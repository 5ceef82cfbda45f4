/* The rtnetlink request socket: sequence numbers, ACKs and errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vpnd/log.h"
#include "netcfg_internal.h"

static struct nlmsghdr *start(struct netcfg *n, uint16_t type,
			       uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(n->tx, 0, sizeof(n->tx));
	nlh = mnl_nlmsg_put_header(n->tx);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++n->ch.seq;
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
	return nl_chan_talk(&n->ch, n->tx, n->rx, sizeof(n->rx), false, cb,
			    ctx);
}

void ncnl_fail(struct netcfg *n, struct verr *e, const char *what)
{
	nl_chan_fail(&n->ch, e, what, NULL);
}

int ncnl_request(struct netcfg *n, struct verr *e, const char *what)
{
	if (ncnl_talk(n, NULL, NULL) < 0) {
		ncnl_fail(n, e, what);
		return -1;
	}
	return 0;
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
	if (nl_chan_open(&n->ch, NETLINK_ROUTE, "netcfg") < 0) {
		err = errno;
		verr_set(e, "opening rtnetlink socket: %s", strerror(err));
		free(n);
		errno = err;
		return NULL;
	}
	return n;
}

void netcfg_close(struct netcfg *n)
{
	if (!n)
		return;
	nl_chan_close(&n->ch);
	free(n);
}
