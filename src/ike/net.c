/* IKE sockets. One daemon serves all connections on UDP 500 and 4500 per
 * address family, as strongSwan does; datagrams are routed to their IKE
 * SA by the initiator SPI, which is ours. If the well-known ports are
 * taken we fall back to ephemeral ones: gateways answer any source port. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "child.h"
#include "engine_int.h"
#include "ike_sa.h"
#include "vpnd/log.h"

#define NON_ESP_MARKER_LEN 4

static int fam_idx(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static struct receiver *find_receiver(struct net *n, const uint8_t spi[8])
{
	size_t i;

	for (i = 0; i < n->n_receivers; i++)
		if (n->receivers[i].used && !memcmp(n->receivers[i].spi, spi, 8))
			return &n->receivers[i];
	return NULL;
}

/* Our SPI in a message: the responder's when the sender initiated the
 * SA (or its latest rekey), which the I flag says (RFC 7296 3.1). */
static const uint8_t *our_spi(const uint8_t *hdr)
{
	return hdr[19] & IKE_FLAG_I ? hdr + 8 : hdr;
}

static void on_readable(void *ctx, int fd, uint32_t events)
{
	uint8_t buf[IKE_MAX_MSG + NON_ESP_MARKER_LEN];
	struct engine *eng = ctx;
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	bool natt = fd == eng->net.socks[0][1] || fd == eng->net.socks[1][1];
	const uint8_t *msg = buf;
	ssize_t n;

	n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		     (struct sockaddr *)&from, &flen);
	if (n <= 0)
		return;
	if (natt) {
		/* 0xff alone is a NAT keepalive; a non-zero first word is ESP. */
		if (n < NON_ESP_MARKER_LEN || get_u32(buf) != 0)
			return;
		msg += NON_ESP_MARKER_LEN;
		n -= NON_ESP_MARKER_LEN;
	}
	engine_input(eng, msg, (size_t)n, &from, natt);
}

void engine_input(struct engine *eng, const uint8_t *msg, size_t len,
		  const struct sockaddr_storage *from, bool natt)
{
	struct receiver *r;

	if (len < IKE_HDR_LEN) {
		log_dbg("dropping %zu-byte datagram: shorter than an IKE header",
			len);
		return;
	}
	r = find_receiver(&eng->net, our_spi(msg));
	if (!r) {
		log_dbg("dropping message for an unknown IKE SA");
		return;
	}
	r->fn(r->ctx, msg, len, from, natt);
}

static int open_one(struct engine *eng, int family, bool natt,
		    struct verr *e)
{
	int fi = fam_idx(family), fd, on = 1;
	uint16_t want = natt ? IKE_NATT_PORT : IKE_PORT;
	struct sockaddr_storage ss;
	socklen_t sl;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		verr_set(e, "cannot open UDP socket: %s", strerror(errno));
		return -1;
	}
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons(want);
		sl = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(want);
		sl = sizeof(struct sockaddr_in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		log_warn("UDP port %u is busy (%s); using an ephemeral port",
			 want, strerror(errno));
		((struct sockaddr_in *)&ss)->sin_port = 0;
		if (family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = 0;
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			verr_set(e, "cannot bind UDP socket: %s",
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	child_socket_setup(eng, fd, family, natt);
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	eng->net.ports[fi][natt] = ntohs(family == AF_INET ?
					((struct sockaddr_in *)&ss)->sin_port :
					((struct sockaddr_in6 *)&ss)->sin6_port);
	if (loop_add_fd(eng->loop, fd, EPOLLIN, on_readable, eng) < 0) {
		verr_set(e, "cannot watch UDP socket");
		close(fd);
		return -1;
	}
	eng->net.socks[fi][natt] = fd;
	return 0;
}

void net_init(struct net *n)
{
	int f, t;

	memset(n, 0, sizeof(*n));
	for (f = 0; f < 2; f++)
		for (t = 0; t < 2; t++)
			n->socks[f][t] = -1;
}

void net_close(struct engine *eng)
{
	struct net *n = &eng->net;
	int f, t;

	for (f = 0; f < 2; f++)
		for (t = 0; t < 2; t++)
			if (n->socks[f][t] >= 0) {
				loop_del_fd(eng->loop, n->socks[f][t]);
				close(n->socks[f][t]);
				n->socks[f][t] = -1;
			}
	free(n->receivers);
	n->receivers = NULL;
	n->n_receivers = 0;
}

static int ensure_socket(struct engine *eng, int family, bool natt,
			 struct verr *e)
{
	if (eng->net.socks[fam_idx(family)][natt] >= 0)
		return 0;
	return open_one(eng, family, natt, e);
}

uint16_t net_local_port(struct engine *eng, int family, bool natt)
{
	return eng->net.ports[fam_idx(family)][natt];
}

int net_register(struct engine *eng, const uint8_t spi[8], net_rx_fn fn,
		 void *ctx)
{
	struct net *nt = &eng->net;
	struct receiver *r = NULL, *grown;
	size_t i;

	for (i = 0; i < nt->n_receivers && !r; i++)
		if (!nt->receivers[i].used)
			r = &nt->receivers[i];
	if (!r) {
		size_t n = nt->n_receivers ? 2 * nt->n_receivers : 16;

		grown = realloc(nt->receivers, n * sizeof(*grown));
		if (!grown)
			return -1;
		memset(grown + nt->n_receivers, 0,
		       (n - nt->n_receivers) * sizeof(*grown));
		r = &grown[nt->n_receivers];
		nt->receivers = grown;
		nt->n_receivers = n;
	}
	r->used = true;
	memcpy(r->spi, spi, 8);
	r->fn = fn;
	r->ctx = ctx;
	return 0;
}

void net_unregister(struct engine *eng, const uint8_t spi[8])
{
	struct receiver *r = find_receiver(&eng->net, spi);

	if (r)
		memset(r, 0, sizeof(*r));
}

/* ---- the host's own view of its network ---- */

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

/* A connected UDP socket makes the kernel look the route up (as
 * RTM_GETROUTE would) and pick the source; nothing is sent. */
static int host_route_source(void *ctx, const struct sockaddr_storage *to,
			     struct sockaddr_storage *src)
{
	int fd = socket(to->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t sl = sizeof(*src);
	int rc = -1;

	memset(src, 0, sizeof(*src));
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)to, sa_len(to)) == 0 &&
	    getsockname(fd, (struct sockaddr *)src, &sl) == 0)
		rc = 0;
	close(fd);
	sockaddr_set_port(src, 0);
	return rc;
}

/* Binding to an address works only while the host has it. */
static bool host_is_local(void *ctx, const struct sockaddr_storage *addr)
{
	struct sockaddr_storage a = *addr;
	int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return true; /* cannot tell: do not act on it */
	sockaddr_set_port(&a, 0);
	ok = bind(fd, (const struct sockaddr *)&a, sa_len(&a)) == 0 ||
	     errno != EADDRNOTAVAIL;
	close(fd);
	return ok;
}

const struct engine_host_ops net_host_ops = {
	.route_source = host_route_source,
	.is_local = host_is_local,
};

/* The source address and port the kernel will use towards 'to' on our
 * socket of that kind: needed for NAT detection hashes. */
static void learn_local(struct engine *eng, const struct sockaddr_storage *to,
			bool natt, struct sockaddr_storage *local)
{
	host_route_source(eng, to, local);
	sockaddr_set_port(local, net_local_port(eng, to->ss_family, natt));
}

void engine_set_send_hook(struct engine *eng, engine_send_fn fn, void *ctx)
{
	eng->net.send_hook = fn;
	eng->net.send_hook_ctx = ctx;
}

int net_prepare(struct engine *eng, const struct sockaddr_storage *to,
		bool natt, struct sockaddr_storage *local, struct verr *e)
{
	if (!eng->net.send_hook &&
	    ensure_socket(eng, to->ss_family, natt, e) < 0)
		return -1;
	learn_local(eng, to, natt, local);
	return 0;
}

/* The source address of a datagram (ancillary data): an IKE SA's
 * messages leave from the address it was made on, the one its peer and
 * its Child SAs know, never from whatever the routing table prefers
 * today. If that address is gone the send fails, which is what the SA
 * must hear. */
union src_cmsg {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr align;
};

static void set_source(struct msghdr *mh, union src_cmsg *c,
		       const struct sockaddr_storage *from)
{
	struct cmsghdr *h;
	bool v4;

	if (!from || (from->ss_family != AF_INET &&
		      from->ss_family != AF_INET6))
		return;
	v4 = from->ss_family == AF_INET;
	memset(c, 0, sizeof(*c));
	mh->msg_control = c->buf;
	mh->msg_controllen = v4 ? CMSG_SPACE(sizeof(struct in_pktinfo)) :
				  CMSG_SPACE(sizeof(struct in6_pktinfo));
	h = CMSG_FIRSTHDR(mh);
	if (v4) {
		struct in_pktinfo pi = {
			.ipi_spec_dst = ((const struct sockaddr_in *)from)->sin_addr,
		};

		h->cmsg_level = IPPROTO_IP;
		h->cmsg_type = IP_PKTINFO;
		h->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(h), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = {
			.ipi6_addr = ((const struct sockaddr_in6 *)from)->sin6_addr,
		};

		h->cmsg_level = IPPROTO_IPV6;
		h->cmsg_type = IPV6_PKTINFO;
		h->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(h), &pi, sizeof(pi));
	}
}

static int send_from(int fd, const void *buf, size_t len,
		     const struct sockaddr_storage *to,
		     const struct sockaddr_storage *from)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh;
	union src_cmsg c;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = (void *)to;
	mh.msg_namelen = sa_len(to);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	set_source(&mh, &c, from);
	return sendmsg(fd, &mh, 0) < 0 ? -1 : 0;
}

void net_send_keepalive(struct engine *eng, const struct sockaddr_storage *to,
			const struct sockaddr_storage *from)
{
	static const uint8_t ka = 0xff;
	int fd = eng->net.socks[fam_idx(to->ss_family)][1];

	if (fd >= 0 && send_from(fd, &ka, 1, to, from) < 0)
		log_dbg("NAT keepalive: %s", strerror(errno));
}

int net_send(struct engine *eng, const struct sockaddr_storage *to, bool natt,
	     const uint8_t *msg, size_t len,
	     const struct sockaddr_storage *from)
{
	uint8_t buf[IKE_MAX_MSG + NON_ESP_MARKER_LEN];
	struct verr e;
	size_t off = natt ? NON_ESP_MARKER_LEN : 0;

	if (len + off > sizeof(buf))
		return -1;
	if (eng->net.send_hook)
		return eng->net.send_hook(eng->net.send_hook_ctx, to, natt, msg,
					  len, from);
	if (ensure_socket(eng, to->ss_family, natt, &e) < 0) {
		log_err("%s", e.msg);
		return -1;
	}
	memset(buf, 0, off);
	memcpy(buf + off, msg, len);
	if (send_from(eng->net.socks[fam_idx(to->ss_family)][natt], buf,
		      len + off, to, from) < 0) {
		log_warn("sending IKE message: %s", strerror(errno));
		return -1;
	}
	return 0;
}
