/* INFORMATIONAL, both directions (RFC 7296 1.4, 2.4): answer the
 * initiator's deletes and liveness checks; and the requests a gateway
 * makes on its own (Delete, liveness check, CREATE_CHILD_SA), sent when
 * a test asks for one. Child SA rekeying is in r_rekey.c. */
#include <string.h>

#include "r_internal.h"
#include "vpnd/log.h"

/* Returns true when the IKE SA itself goes away. */
static bool handle_deletes(struct responder *r, struct r_sa *sa,
			   const struct r_msg *m, struct pl_chain *c)
{
	struct delete_payload d;
	bool ike_gone = false;
	size_t i;

	for (i = 0; i < m->pl.n; i++) {
		if (m->pl.pl[i].type != PL_DELETE ||
		    delete_parse(m->pl.pl[i].body, m->pl.pl[i].len, &d,
				 NULL) < 0)
			continue;
		if (d.proto == PROTO_IKE) {
			r->st.ike_deletes++;
			r_event(r, "event=delete_ike resumed=%d gsc=%u",
				sa->resumed, sa->gsc);
			r_redirect_note_ike_delete(r, sa);
			r_ike_rekey_gone(r, sa, false);
			r_reauth_gone(r, sa);
			ike_gone = true;
		} else if (d.proto == PROTO_ESP) {
			/* Answer with our inbound SPI of the pair (1.4.1):
			 * the replaced one after a rekey, when named. */
			r->st.child_deletes++;
			if (d.spi_size == 4 && d.num_spi >= 1) {
				memcpy(r->st.child_delete_spi, d.spis, 4);
				if (r_rekey_delete_old(r, sa, d.spis, c))
					continue;
			}
			delete_build(c, PROTO_ESP, 4, 1, sa->esp_spi);
		}
	}
	return ike_gone;
}

void r_info_request(struct responder *r, struct r_sa *sa,
		    const struct r_msg *m)
{
	struct notify_payload n;
	struct wbuf inner;
	struct pl_chain c;
	bool gone;

	wb_init(&inner);
	chain_init(&c, &inner);
	gone = handle_deletes(r, sa, m, &c);
	if (r_find_notify(&m->pl, N_AUTHENTICATION_FAILED, &n)) {
		r->st.auth_failed_notifies++;
		gone = true;
	}
	if (m->pl.n == 0)
		r->st.empty_informational++;
	/* RFC 5723 4.3.1: a ticket may be asked for again at any time. */
	if (!gone && r_find_notify(&m->pl, N_TICKET_REQUEST, &n)) {
		r->st.info_ticket_requests++;
		r_ticket_answer(r, sa, m, &c);
	}
	r_respond(r, sa, m, &inner, c.first);
	wb_free(&inner);
	if (gone)
		sa->state = RSA_DEAD;
}

/* What the initiator answered to our last request (INFORMATIONAL or
 * CREATE_CHILD_SA: this file sends both). */
void r_info_response(struct responder *r, struct r_sa *sa,
		     const struct r_msg *m)
{
	struct notify_payload n;
	struct delete_payload d;
	size_t i;

	bool was_delete = sa->req_is_delete;
	bool was_delete_old = sa->req_is_delete_old;
	bool was_delete_redundant = sa->req_is_delete_redundant;

	/* the handlers below may send our next request */
	sa->req_is_delete = false;
	sa->req_is_delete_old = false;
	sa->req_is_delete_redundant = false;
	r->st.resp_payloads = m->pl.n;
	r->st.resp_notify = 0;
	r->st.resp_deletes = 0;
	for (i = 0; i < m->pl.n; i++) {
		const struct ike_payload *p = &m->pl.pl[i];

		if (p->type == PL_NOTIFY && !r->st.resp_notify &&
		    notify_parse(p->body, p->len, &n, NULL) == 0)
			r->st.resp_notify = n.type;
		if (p->type == PL_DELETE &&
		    delete_parse(p->body, p->len, &d, NULL) == 0) {
			r->st.resp_deletes++;
			if (d.proto == PROTO_ESP && d.spi_size == 4 &&
			    d.num_spi >= 1)
				memcpy(r->st.resp_delete_spi, d.spis, 4);
		}
	}
	if (was_delete_old)
		r_rekey_old_deleted(r, sa);
	if (was_delete_redundant)
		r_rekey_redundant_deleted(r, sa);
	if (was_delete) {
		r_ike_rekey_gone(r, sa, true);
		r_reauth_gone(r, sa);
		sa->state = RSA_DEAD;
		return;
	}
	r_rekey_response(r, sa, m);
	r_ike_rekey_response(r, sa, m);
}

/* RFC 7296 1.3.1: SA, Ni, TSi, TSr for one more Child SA like the
 * first (no PFS, so no KE). */
static void build_create_child(struct r_sa *sa, struct pl_chain *c)
{
	struct sa_payload offer = { .n = 1 };
	uint8_t nonce[R_NONCE_LEN];

	offer.p[0] = sa->esp;
	offer.p[0].num = 1;
	offer.p[0].spi_size = 4;
	random_bytes(offer.p[0].spi, 4);
	offer.p[0].spi[0] |= 0xc0;
	random_bytes(nonce, sizeof(nonce));
	sa_build(c, &offer);
	chain_add(c, PL_NONCE, nonce, sizeof(nonce));
	ts_build(c, PL_TSI, &sa->tsi);
	ts_build(c, PL_TSR, &sa->tsr);
}

static int send_request_on(struct responder *r, struct r_sa *sa,
			   enum r_request_kind kind)
{
	uint8_t exchange = EXCH_INFORMATIONAL;
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	if (!sa)
		return -1;
	wb_init(&inner);
	chain_init(&c, &inner);
	switch (kind) {
	case RREQ_EMPTY:
		break;
	case RREQ_DELETE_IKE:
		delete_build(&c, PROTO_IKE, 0, 0, NULL);
		break;
	case RREQ_DELETE_CHILD:
		/* Our inbound SPI names the pair (1.4.1). */
		delete_build(&c, PROTO_ESP, 4, 1, sa->esp_spi);
		sa->has_child = false;
		break;
	case RREQ_CREATE_CHILD:
		exchange = EXCH_CREATE_CHILD_SA;
		build_create_child(sa, &c);
		break;
	case RREQ_UNKNOWN_CRITICAL:
		chain_end(&c, chain_begin(&c, R_UNKNOWN_PAYLOAD, true));
		break;
	case RREQ_DELETE_WITH_SA:
		delete_build(&c, PROTO_IKE, 0, 0, NULL);
		build_create_child(sa, &c);
		break;
	}
	sa->req_is_delete = kind == RREQ_DELETE_IKE;
	sa->req_is_delete_old = false;
	sa->req_is_delete_redundant = false;
	rc = r_request(r, sa, exchange, &inner, c.first);
	wb_free(&inner);
	return rc;
}

static int send_request(struct responder *r, enum r_request_kind kind)
{
	return send_request_on(r, r_sa_newest(r), kind);
}

int r_info_send_delete_ike(struct responder *r, struct r_sa *sa)
{
	return send_request_on(r, sa, RREQ_DELETE_IKE);
}

int responder_send_delete(struct responder *r)
{
	return send_request(r, RREQ_DELETE_IKE);
}

int responder_send_dpd(struct responder *r)
{
	return send_request(r, RREQ_EMPTY);
}

int responder_send_child_delete(struct responder *r)
{
	return send_request(r, RREQ_DELETE_CHILD);
}

int responder_send_create_child(struct responder *r)
{
	return send_request(r, RREQ_CREATE_CHILD);
}

int responder_send_unknown_critical(struct responder *r)
{
	return send_request(r, RREQ_UNKNOWN_CRITICAL);
}

int responder_send_delete_with_sa(struct responder *r)
{
	return send_request(r, RREQ_DELETE_WITH_SA);
}

/* The same bytes again, as a gateway whose response got lost does. */
int responder_retransmit(struct responder *r)
{
	struct r_sa *sa = r_sa_newest(r);

	if (!sa || !sa->last_req.len)
		return -1;
	r_send(r, &sa->peer, sa->natt, sa->last_req.p, sa->last_req.len);
	return 0;
}

int responder_send_tampered(struct responder *r, bool next_mid)
{
	struct r_sa *sa = r_sa_newest(r);
	uint8_t buf[IKE_MAX_MSG];
	size_t n;

	if (!sa || sa->last_req.len <= IKE_HDR_LEN ||
	    sa->last_req.len > sizeof(buf))
		return -1;
	n = sa->last_req.len;
	memcpy(buf, sa->last_req.p, n);
	if (next_mid)
		put_u32(buf + 20, get_u32(buf + 20) + 1);
	buf[n - 1] ^= 0x01;
	r_send(r, &sa->peer, sa->natt, buf, n);
	return 0;
}
