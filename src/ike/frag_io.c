/* The SA's side of IKE fragmentation (RFC 7383): how big a fragment may
 * be on its path, our messages split into SKF fragments, the smaller
 * size tried when retransmissions go unanswered, and the gateway's
 * fragments taken into frag.c's reassembly (one set for its responses,
 * one for its requests). frag.c knows nothing of SAs; this file knows
 * nothing of SKF's bytes. */
#include <stdio.h>
#include <string.h>

#include "ike_sa.h"
#include "vpnd/log.h"

/* RFC 7383 2.5.1: the fallback datagram sizes. 576 is what every IPv4
 * host must accept (RFC 791); 1280 is what every IPv6 link carries (RFC
 * 8200 5). */
#define FRAG_SAFE_IP4 576
#define FRAG_SAFE_IP6 1280

/* The IP and UDP headers and, on port 4500, the non-ESP marker (RFC
 * 3948 2.2): the part of a datagram that is not the IKE message. */
static size_t overhead(const struct ike_sa *sa)
{
	return (sa->peer.ss_family == AF_INET6 ? 40u : 20u) + 8u +
	       (sa->natt ? 4u : 0u);
}

static size_t safe_datagram(const struct ike_sa *sa)
{
	return sa->peer.ss_family == AF_INET6 ? FRAG_SAFE_IP6 : FRAG_SAFE_IP4;
}

/* connection.fragment-size is the whole IP datagram, as strongSwan's
 * fragment_size. Towards an IPv6 gateway less than 1280 buys nothing
 * (every link carries that) and only costs fragments, so it is raised. */
static size_t datagram(const struct ike_sa *sa)
{
	size_t d = sa->prof->fragment_size ? sa->prof->fragment_size :
					     PROFILE_FRAGMENT_SIZE;

	if (sa->peer.ss_family == AF_INET6 && d < FRAG_SAFE_IP6)
		d = FRAG_SAFE_IP6;
	if (sa->frag_small && safe_datagram(sa) < d)
		d = safe_datagram(sa);
	return d;
}

size_t frag_msg_len(const struct ike_sa *sa)
{
	return datagram(sa) - overhead(sa);
}

size_t wire_msg_len(const struct wire_msg *w)
{
	size_t len = w->msg.len;

	for (size_t i = 0; i < w->n_frags; i++)
		len += w->frags[i].len;
	return len;
}

void wire_msg_free(struct wire_msg *w)
{
	wb_free(&w->msg);
	frag_out_free(w->frags, w->n_frags);
	w->frags = NULL;
	w->n_frags = 0;
}

/* A failed send is not reported: the retransmission timer resends it
 * like a lost packet. */
void wire_msg_send(struct ike_sa *sa, const struct wire_msg *w)
{
	if (!w->n_frags) {
		sa_send_datagram(sa, w->msg.p, w->msg.len);
		return;
	}
	for (size_t i = 0; i < w->n_frags; i++)
		sa_send_datagram(sa, w->frags[i].p, w->frags[i].len);
}

int frag_protect(struct ike_sa *sa, struct ike_hdr *h, uint8_t first,
		 const uint8_t *inner, size_t ilen, size_t msg_len,
		 struct wire_msg *out)
{
	memset(out, 0, sizeof(*out));
	wb_init(&out->msg);
	if (ike_protect(&sa->keys, sa->initiator, h, first, inner, ilen,
			&out->msg) < 0 || out->msg.oom) {
		wb_free(&out->msg);
		return -1;
	}
	/* RFC 7383 2.5: only what would not fit is fragmented, and only
	 * when both sides offered it (2.3). */
	if (!sa->peer_frag || out->msg.len <= msg_len)
		return 0;
	log_dbg("%s %s %u: %zu bytes in fragments of at most %zu",
		exchange_name(h->exchange),
		h->flags & IKE_FLAG_R ? "response" : "request", h->msg_id,
		out->msg.len, msg_len);
	wb_free(&out->msg);
	if (frag_split(&sa->keys, sa->initiator, h, first, inner, ilen,
		       msg_len, &out->frags, &out->n_frags) < 0) {
		wire_msg_free(out);
		return -1;
	}
	return 0;
}

/* RFC 7383 2.5.1: IKE has no path MTU discovery, and a fragment lost
 * to a smaller MTU on the way looks just like a gateway that does not
 * answer. So once half of the request's retransmissions at the
 * configured size went unanswered, the rest carry it split for the
 * datagram every host of the family must accept (576 for IPv4, 1280
 * for IPv6); the SA keeps that size for its later messages, since its
 * path has shown it may need it. A retransmission may be fragmented
 * anew (2.6.1): the gateway's reassembly restarts on the larger total. */
void frag_maybe_smaller(struct ike_sa *sa)
{
	struct pending_req *r = &sa->req;
	size_t was = frag_msg_len(sa), whole = wire_msg_len(&r->out);
	struct wire_msg w;
	struct ike_hdr h;

	if (!sa->peer_frag || !r->inner.p || r->smaller_tried ||
	    r->tries <= sa->prof->retransmit_tries / 2)
		return;
	r->smaller_tried = true;
	sa->frag_small = true;
	if (frag_msg_len(sa) >= was || (!r->out.n_frags &&
					whole <= frag_msg_len(sa)))
		return;
	sa_fill_header(sa, &h, r->exchange, r->msg_id, false, PL_SK);
	if (frag_protect(sa, &h, r->first, r->inner.p, r->inner.len,
			 frag_msg_len(sa), &w) < 0)
		return;         /* the old fragments go out again */
	log_info("%s: %s request %u unanswered in %u sends of messages up to %zu bytes; resending it in %zu fragments of at most %zu bytes (RFC 7383 2.5.1: the path may carry less)",
		 sa->prof->name, exchange_name(r->exchange), r->msg_id,
		 r->tries, was, w.n_frags, frag_msg_len(sa));
	wire_msg_free(&r->out);
	r->out = w;
}

/* The reassembled message goes on as one that came in a single SK. */
static void take_whole(struct ike_sa *sa, const struct ike_hdr *h,
		       const uint8_t *msg, size_t len, struct frag_msg *fm,
		       const struct sockaddr_storage *from, bool response)
{
	const struct ike_payload *crit = payload_unknown_critical(&fm->pl);
	struct ike_msg m;
	char why[64];

	if (crit && response) {
		snprintf(why, sizeof(why), "unsupported critical payload type %u",
			 crit->type);
		sa_discard_response(sa, h, why);
		return;
	}
	roam_peer_seen(sa, from, "its IKE messages");
	if (crit) {
		sa_answer_unsupported(sa, h, msg, len, crit->type);
		return;
	}
	msg_index(&m, h, &fm->pl, msg, len);
	if (response)
		sa_take_response(sa, &m);
	else
		sa_take_request(sa, &m);
}

void frag_take_response(struct ike_sa *sa, const struct ike_hdr *h,
			const uint8_t *msg, size_t len,
			const struct ike_payload *skf,
			const struct sockaddr_storage *from)
{
	struct verr e = { { 0 } };
	struct frag_msg fm;

	switch (frag_take(&sa->frag_resp, &sa->keys, !sa->initiator, msg, len,
			  h, skf, loop_now_ms(), &fm, &e)) {
	case FRAG_KEPT:
		return;
	case FRAG_DROPPED:
		sa_discard_response(sa, h, e.msg);
		return;
	case FRAG_DONE:
		break;
	}
	take_whole(sa, h, msg, len, &fm, from, true);
	frag_msg_free(&fm);
}

/* RFC 7383 2.6.1: a retransmitted fragmented request is answered again
 * only on its fragment 1, so that one set does not make us send our
 * answer once per fragment; and only when that fragment is authentic,
 * so that a forger cannot make us send at all. */
static void resend_on_first(struct ike_sa *sa, const struct ike_hdr *h,
			    const uint8_t *msg, size_t len,
			    const struct ike_payload *skf)
{
	struct chunk plain = { 0 };
	struct verr e = { { 0 } };
	struct skf_payload f;

	if (skf_parse(skf->body, skf->len, &f, &e) < 0 || f.frag_num != 1)
		return;
	if (ike_unprotect_fragment(&sa->keys, !sa->initiator, msg, len,
				   IKE_HDR_LEN + skf->offset, &plain, &e) < 0) {
		sa_warn_unauth(sa, "ignoring fragment of request %u: %s",
			       h->msg_id, e.msg);
		return;
	}
	chunk_free(&plain);
	log_dbg("retransmitted request %u (fragment 1 of %u): resending our response",
		h->msg_id, f.total);
	wire_msg_send(sa, &sa->last_resp);
}

void frag_take_request(struct ike_sa *sa, const struct ike_hdr *h,
		       const uint8_t *msg, size_t len,
		       const struct ike_payload *skf,
		       const struct sockaddr_storage *from)
{
	struct verr e = { { 0 } };
	struct frag_msg fm;

	if (sa->have_last_resp && h->msg_id == sa->last_resp_mid) {
		resend_on_first(sa, h, msg, len, skf);
		return;
	}
	if (h->msg_id != sa->peer_next_mid) {
		log_dbg("ignoring fragment of request %u (expected %u)",
			h->msg_id, sa->peer_next_mid);
		return;
	}
	switch (frag_take(&sa->frag_req, &sa->keys, !sa->initiator, msg, len,
			  h, skf, loop_now_ms(), &fm, &e)) {
	case FRAG_KEPT:
		return;
	case FRAG_DROPPED:
		sa_warn_unauth(sa, "discarding %s request: %s",
			       exchange_name(h->exchange), e.msg);
		return;
	case FRAG_DONE:
		break;
	}
	take_whole(sa, h, msg, len, &fm, from, false);
	frag_msg_free(&fm);
}

void frag_timeout_hint(const struct ike_sa *sa, char *buf, size_t n)
{
	const struct pending_req *r = &sa->req;

	buf[0] = '\0';
	/* Only protected messages could have gone in fragments; a big one
	 * that went whole may be what the path dropped (issue: "no hint"). */
	if (sa->peer_frag || r->exchange == EXCH_IKE_SA_INIT ||
	    r->exchange == EXCH_IKE_SESSION_RESUME ||
	    r->out.msg.len <= frag_msg_len(sa))
		return;
	snprintf(buf, n, "; the %zu-byte request needs IP fragments, which some paths drop, and %s",
		 r->out.msg.len,
		 sa->prof->fragmentation ?
			 "the gateway did not offer IKE fragmentation (RFC 7383)" :
			 "IKE fragmentation is off (connection.fragmentation)");
}
