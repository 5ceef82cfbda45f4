/* The responder's socket: one UDP socket on 127.0.0.1, the non-ESP
 * marker understood on any port (a zero first word cannot start an IKE
 * header, whose initiator SPI is never zero), message ID checks and the
 * retransmission cache of RFC 7296 2.1-2.2. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "r_internal.h"
#include "vpnd/log.h"

#define MARKER_LEN 4

const uint8_t *r_sockaddr_ip(const struct sockaddr_storage *ss, size_t *len,
			     uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		*len = 16;
		*port = ntohs(s6->sin6_port);
		return s6->sin6_addr.s6_addr;
	}
	const struct sockaddr_in *s4 = (const void *)ss;

	*len = 4;
	*port = ntohs(s4->sin_port);
	return (const uint8_t *)&s4->sin_addr;
}

const struct ike_payload *r_find_notify(const struct payload_list *pl,
					uint16_t type, struct notify_payload *n)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (pl->pl[i].type == PL_NOTIFY &&
		    notify_parse(pl->pl[i].body, pl->pl[i].len, n, NULL) == 0 &&
		    n->type == type)
			return &pl->pl[i];
	return NULL;
}

void r_send(struct responder *r, const struct sockaddr_storage *to, bool natt,
	    const uint8_t *msg, size_t len)
{
	uint8_t buf[IKE_MAX_MSG + MARKER_LEN];
	size_t off = natt ? MARKER_LEN : 0;

	if (len + off > sizeof(buf))
		return;
	memset(buf, 0, off);
	memcpy(buf + off, msg, len);
	if (sendto(r->fd, buf, len + off, 0, (const struct sockaddr *)to,
		   to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					       sizeof(struct sockaddr_in)) < 0)
		log_warn("responder: sendto: %s", strerror(errno));
}

bool r_lose_response(struct responder *r, uint8_t exchange)
{
	if (!r->cfg.lose_first_response ||
	    r->cfg.lose_first_response != exchange || r->st.lost_responses)
		return false;
	r->st.lost_responses++;
	return true;
}

void r_header(const struct r_sa *sa, struct ike_hdr *h, uint8_t exchange,
	      uint32_t mid, bool response)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spi_i, sa->spi_i, 8);
	memcpy(h->spi_r, sa->spi_r, 8);
	h->version = IKE_VERSION;
	h->exchange = exchange;
	/* I: we are the original initiator of this SA, which only a rekey
	 * we started makes us (RFC 7296 3.1) */
	h->flags = (response ? IKE_FLAG_R : 0) |
		   (sa->we_initiator ? IKE_FLAG_I : 0);
	h->msg_id = mid;
}

void r_respond_notify(struct responder *r, struct r_sa *sa,
		      const struct r_msg *m, uint16_t type)
{
	struct wbuf inner;
	struct pl_chain c;

	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, type, NULL, 0);
	r_respond(r, sa, m, &inner, c.first);
	wb_free(&inner);
}

int r_respond(struct responder *r, struct r_sa *sa, const struct r_msg *m,
	      struct wbuf *inner, uint8_t first)
{
	struct ike_hdr h;

	r_header(sa, &h, m->hdr.exchange, m->hdr.msg_id, true);
	wb_reset(&sa->last_resp);
	if (inner->oom || ike_protect(&sa->keys, sa->we_initiator, &h, first,
				      inner->p, inner->len,
				      &sa->last_resp) < 0) {
		log_err("responder: cannot protect %s response",
			exchange_name(h.exchange));
		return -1;
	}
	sa->have_last_resp = true;
	sa->last_resp_mid = m->hdr.msg_id;
	if (r_lose_response(r, m->hdr.exchange))
		return 0;
	r_send(r, &sa->peer, sa->natt, sa->last_resp.p, sa->last_resp.len);
	return 0;
}

int r_request(struct responder *r, struct r_sa *sa, uint8_t exchange,
	      struct wbuf *inner, uint8_t first)
{
	struct ike_hdr h;

	r_header(sa, &h, exchange, sa->next_mid, false);
	wb_reset(&sa->last_req);
	if (inner->oom || ike_protect(&sa->keys, sa->we_initiator, &h, first,
				      inner->p, inner->len, &sa->last_req) < 0)
		return -1;
	sa->req_pending = true;
	sa->req_mid = sa->next_mid++;
	r_send(r, &sa->peer, sa->natt, sa->last_req.p, sa->last_req.len);
	return 0;
}

/* Replaces the outer list with the decrypted inner chain; plain keeps
 * the bytes the list points into. */
static int open_sk(struct responder *r, struct r_sa *sa, struct r_msg *m,
		   struct chunk *plain)
{
	const struct ike_payload *sk = payload_find(&m->pl, PL_SK);
	struct verr e = { { 0 } };
	uint8_t first;

	if (!sk) {
		log_warn("responder: unprotected %s message",
			 exchange_name(m->hdr.exchange));
		return -1;
	}
	first = sk->next;
	if (ike_unprotect(&sa->keys, !sa->we_initiator, m->raw, m->len,
			  IKE_HDR_LEN + sk->offset, plain, &e) < 0 ||
	    payload_chain_parse(first, plain->p, plain->len, &m->pl, &e) < 0) {
		log_warn("responder: discarding %s message: %s",
			 exchange_name(m->hdr.exchange), e.msg);
		return -1;
	}
	m->inner = plain->p;
	m->inner_len = plain->len;
	m->inner_first = first;
	if (!(m->hdr.flags & IKE_FLAG_R)) {
		r->st.last_inner_first = first;
		r->st.last_inner_len = plain->len;
		memcpy(r->st.last_inner, plain->p, plain->len);
	}
	return 0;
}

/* The request's exchange and the SA's state choose the handler. */
static void handle_request(struct responder *r, struct r_sa *sa,
			   const struct r_msg *m)
{
	if (m->hdr.exchange == EXCH_IKE_AUTH && sa->state == RSA_INIT_DONE)
		r_auth_request(r, sa, m);
	else if (m->hdr.exchange == EXCH_IKE_AUTH && sa->state == RSA_EAP)
		r_eap_request(r, sa, m);
	else if (m->hdr.exchange == EXCH_INFORMATIONAL &&
		 (sa->state == RSA_ESTABLISHED || sa->state == RSA_REKEYED))
		r_info_request(r, sa, m);
	else if (m->hdr.exchange == EXCH_CREATE_CHILD_SA &&
		 sa->state == RSA_ESTABLISHED && r_ike_rekey_is(m))
		r_ike_rekey_request(r, sa, m);
	else if (m->hdr.exchange == EXCH_CREATE_CHILD_SA &&
		 sa->state == RSA_ESTABLISHED)
		r_rekey_request(r, sa, m);
	else if (m->hdr.exchange == EXCH_CREATE_CHILD_SA &&
		 sa->state == RSA_REKEYED) {
		/* replaced, its Delete to come: being closed (2.25) */
		r->st.temporary_failures_sent++;
		r_respond_notify(r, sa, m, N_TEMPORARY_FAILURE);
	} else
		log_warn("responder: not handling %s request",
			 exchange_name(m->hdr.exchange));
}

static void protected_request(struct responder *r, struct r_sa *sa,
			      struct r_msg *m)
{
	struct chunk plain = { 0 };

	if (sa->have_last_resp && m->hdr.msg_id == sa->last_resp_mid) {
		r->st.retransmits++;
		r_send(r, &m->from, m->natt, sa->last_resp.p,
		       sa->last_resp.len);
		return;
	}
	if (m->hdr.msg_id != sa->peer_next_mid || sa->state == RSA_DEAD) {
		log_dbg("responder: ignoring request %u (expecting %u)",
			m->hdr.msg_id, sa->peer_next_mid);
		return;
	}
	if (open_sk(r, sa, m, &plain) < 0) {
		r->st.malformed++;
		chunk_free(&plain);
		return;
	}
	sa->peer_next_mid++;
	sa->peer = m->from;
	sa->natt = m->natt;
	handle_request(r, sa, m);
	chunk_free(&plain);
}

static void protected_response(struct responder *r, struct r_sa *sa,
			       struct r_msg *m)
{
	struct chunk plain = { 0 };

	if (sa->next_mid == 0 || m->hdr.msg_id != sa->req_mid)
		return;
	/* Counted even when not pending: a retransmitted request of ours
	 * must be answered again, from the peer's cache. */
	if (open_sk(r, sa, m, &plain) == 0) {
		sa->req_pending = false;
		r->st.responses++;
		r_info_response(r, sa, m);
	} else {
		r->st.malformed++;
	}
	chunk_free(&plain);
}

static void note_request(struct responder *r, const struct r_msg *m)
{
	unsigned x = m->hdr.exchange;

	if (x >= EXCH_IKE_SA_INIT && x <= EXCH_IKE_SESSION_RESUME)
		r->st.requests[x - EXCH_IKE_SA_INIT]++;
	memcpy(r->st.last_req, m->raw, m->len);
	r->st.last_req_len = m->len;
	r->st.last_inner_len = 0;
}

static void dispatch(struct responder *r, struct r_msg *m)
{
	struct verr e = { { 0 } };
	struct r_sa *sa;

	if (ike_hdr_parse(m->raw, m->len, &m->hdr, &e) < 0 ||
	    payload_chain_parse(m->hdr.next, m->raw + IKE_HDR_LEN,
				m->len - IKE_HDR_LEN, &m->pl, &e) < 0) {
		log_warn("responder: malformed message: %s", e.msg);
		r->st.malformed++;
		return;
	}
	if (!(m->hdr.flags & IKE_FLAG_R) &&
	    m->hdr.exchange == r->cfg.ignore_exchange) {
		r->st.dropped++;
		return;
	}
	if (!(m->hdr.flags & IKE_FLAG_R))
		note_request(r, m);
	/* We only ever answer these: the sender must be the initiator. */
	if ((m->hdr.exchange == EXCH_IKE_SA_INIT ||
	     m->hdr.exchange == EXCH_IKE_SESSION_RESUME) &&
	    (m->hdr.flags & (IKE_FLAG_I | IKE_FLAG_R)) != IKE_FLAG_I) {
		log_dbg("responder: ignoring %s without the I flag or with R",
			exchange_name(m->hdr.exchange));
		return;
	}
	if (m->hdr.exchange == EXCH_IKE_SA_INIT) {
		r_init_request(r, m);
		return;
	}
	if (m->hdr.exchange == EXCH_IKE_SESSION_RESUME) {
		r_resume_request(r, m);
		return;
	}
	sa = r_sa_route(r, &m->hdr);
	if (!sa) {
		r->st.unrouted++;
		log_dbg("responder: message for an unknown IKE SA, or an I "
			"flag that does not fit our role on it");
		return;
	}
	if (m->hdr.flags & IKE_FLAG_R)
		protected_response(r, sa, m);
	else
		protected_request(r, sa, m);
}

static void on_readable(void *ctx, int fd, uint32_t events)
{
	static uint8_t buf[IKE_MAX_MSG + MARKER_LEN];
	static struct r_msg m; /* large; the loop is single-threaded */
	struct responder *r = ctx;
	socklen_t flen = sizeof(m.from);
	ssize_t n;

	memset(&m, 0, sizeof(m));
	n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		     (struct sockaddr *)&m.from, &flen);
	if (n <= 0)
		return;
	r->st.datagrams++;
	if (r->mute || r->st.datagrams <= r->cfg.drop_first_n) {
		r->st.dropped++;
		return;
	}
	m.raw = buf;
	m.len = (size_t)n;
	if (n == 1 && buf[0] == 0xff) {
		r->st.keepalives++;
		return;
	}
	if (n >= MARKER_LEN && get_u32(buf) == 0) {
		m.natt = true;
		m.raw += MARKER_LEN;
		m.len -= MARKER_LEN;
		r->st.natt_datagrams++;
	}
	dispatch(r, &m);
}

/* Several responders may share a port on different loopback addresses
 * (redirect tests): each binds its own address. */
static int local_addr(struct responder *r, socklen_t *sl, struct verr *e)
{
	const char *text = r->cfg.bind_addr ? r->cfg.bind_addr : "127.0.0.1";
	struct sockaddr_in *sin = (struct sockaddr_in *)&r->local;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&r->local;

	memset(&r->local, 0, sizeof(r->local));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(r->cfg.port);
		*sl = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(r->cfg.port);
		*sl = sizeof(*sin6);
		return 0;
	}
	verr_set(e, "responder: bad bind address '%s'", text);
	return -1;
}

int r_net_open(struct responder *r, struct verr *e)
{
	socklen_t sl;
	int on = 1;

	if (local_addr(r, &sl, e) < 0)
		return -1;
	r->fd = socket(r->local.ss_family,
		       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		verr_set(e, "responder socket: %s", strerror(errno));
		return -1;
	}
	if (r->local.ss_family == AF_INET6)
		setsockopt(r->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(r->fd, (struct sockaddr *)&r->local, sl) < 0) {
		verr_set(e, "responder bind %s port %u: %s",
			 r->cfg.bind_addr ? r->cfg.bind_addr : "127.0.0.1",
			 r->cfg.port, strerror(errno));
		goto fail;
	}
	/* With port 0 the kernel chose one: NAT detection hashes it. */
	if (getsockname(r->fd, (struct sockaddr *)&r->local, &sl) < 0) {
		verr_set(e, "responder getsockname: %s", strerror(errno));
		goto fail;
	}
	if (loop_add_fd(r->loop, r->fd, EPOLLIN, on_readable, r) < 0) {
		verr_set(e, "responder: cannot watch the socket");
		goto fail;
	}
	return 0;
fail:
	close(r->fd);
	r->fd = -1;
	return -1;
}

void r_net_close(struct responder *r)
{
	if (r->fd < 0)
		return;
	loop_del_fd(r->loop, r->fd);
	close(r->fd);
	r->fd = -1;
}
