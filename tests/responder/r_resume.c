/* IKE_SESSION_RESUME, gateway side (RFC 5723 4.3; Message IDs of
 * draft-dondeti-ipsec-failover-sol-00 5.1 in draft-gsc mode):
 *
 *   HDR(SPIi, 0, 38, I, M), Ni, N(TICKET_OPAQUE)  ->  HDR(SPIi, SPIr), Nr
 *                                                  or N(TICKET_NACK)
 *
 * A ticket is accepted when it opens with the domain key, has not
 * expired, was never accepted by any gateway of the domain and, in
 * draft-gsc mode, comes with a greater Gateway Switch Count. The new
 * IKE SA has keys from SKEYSEED = prf(SK_d(ticket), "Resumption" | Ni |
 * Nr) and waits for IKE_AUTH (Message ID 1), where both sides MAC the
 * resume messages with SK_pi / SK_pr. */
#include <string.h>
#include <time.h>

#include "r_internal.h"
#include "vpnd/log.h"

static void refuse(struct responder *r, const struct r_msg *m,
		   const char *why, const char *detail)
{
	char from[64];

	r->st.resumes_refused++;
	snprintf(r->st.resume_refusal, sizeof(r->st.resume_refusal), "%s",
		 why);
	log_info("responder: resume refused (%s)%s%s", why,
		 detail && *detail ? ": " : "", detail ? detail : "");
	r_event(r, "event=resume_refused reason=%s mid=0x%08x from=%s", why,
		m->hdr.msg_id, r_addr_str(&m->from, from, sizeof(from)));
	r_answer_notify(r, m, N_TICKET_NACK, NULL, 0);
}

/* The GSC the new SA will have, or -1 when the request's is not good
 * enough. rfc5723 has none on the wire: one more than the ticket's. */
static int gsc_of(const struct responder *r, const struct r_msg *m,
		  const struct responder_ticket *t)
{
	uint32_t mid = m->hdr.msg_id;
	unsigned gsc = mid >> GSC_SHIFT, need = t->gsc;

	if (r->cfg.resume_mode != R_RESUME_DRAFT_GSC)
		return mid == 0 && t->gsc < RESP_GSC_MAX ? t->gsc + 1 : -1;
	if (r->cfg.gsc_floor > need)
		need = r->cfg.gsc_floor;
	if ((mid & GSC_MID_MASK) || gsc <= need)
		return -1;
	return (int)gsc;
}

static int resume_keys(struct r_sa *sa, const struct responder_ticket *t)
{
	struct chunk sk_d = { 0 }, seed = { 0 };
	int rc = -1;

	sa->keys.prf = t->prf;
	sa->keys.encr = t->encr;
	sa->keys.encr_keylen = t->encr_keylen;
	sa->keys.integ = t->integ;
	if (chunk_set(&sk_d, t->sk_d, t->sk_d_len) &&
	    ike_skeyseed_resume(t->prf, &sk_d, &sa->ni, &sa->nr, &seed) == 0)
		rc = ike_keys_derive(&sa->keys, &seed, &sa->ni, &sa->nr,
				     sa->spi_i, sa->spi_r);
	chunk_free(&sk_d);
	chunk_free(&seed);
	return rc;
}

/* HDR(SPIi, SPIr, 38, R, M), Nr: in the clear, like IKE_SA_INIT. */
static int resume_response(const struct responder *r, struct r_sa *sa,
			   const struct r_msg *m, struct wbuf *out)
{
	uint8_t hdr[IKE_HDR_LEN];
	struct wbuf body;
	struct pl_chain c;
	struct ike_hdr h;

	wb_init(&body);
	chain_init(&c, &body);
	chain_add(&c, PL_NONCE, sa->nr.p, sa->nr.len);
	r_add_vendor_id(r, &c);
	r_header(sa, &h, EXCH_IKE_SESSION_RESUME, m->hdr.msg_id, true);
	h.next = c.first;
	h.length = (uint32_t)(IKE_HDR_LEN + body.len);
	ike_hdr_write(hdr, &h);
	wb_put(out, hdr, sizeof(hdr));
	wb_put(out, body.p, body.len);
	wb_free(&body);
	return out->oom ? -1 : 0;
}

/* A new SA in RSA_INIT_DONE with its response in sa->init_resp. */
static struct r_sa *make_sa(struct responder *r, const struct r_msg *m,
			    const struct ike_payload *nonce,
			    const struct responder_ticket *t, uint8_t gsc)
{
	struct r_sa *sa = r_sa_new(r);

	if (!sa)
		return NULL;
	memcpy(sa->spi_i, m->hdr.spi_i, 8);
	sa->peer = m->from;
	sa->natt = m->natt;
	sa->peer_next_mid = 1;
	sa->peer_vpnd = r_vendor_agreed(r, m);
	if (!chunk_set(&sa->ni, nonce->body, nonce->len) ||
	    !chunk_alloc(&sa->nr, R_NONCE_LEN) ||
	    random_bytes(sa->nr.p, R_NONCE_LEN) < 0 ||
	    resume_keys(sa, t) < 0 ||
	    resume_response(r, sa, m, &sa->last_resp) < 0 ||
	    !chunk_set(&sa->init_req, m->raw, m->len) ||
	    !chunk_set(&sa->init_resp, sa->last_resp.p, sa->last_resp.len)) {
		r_sa_clear(sa);
		return NULL;
	}
	sa->have_last_resp = true;
	sa->last_resp_mid = m->hdr.msg_id;
	sa->state = RSA_INIT_DONE;
	sa->resumed = true;
	sa->gsc = gsc;
	sa->idi = t->idi;
	sa->has_vip4 = t->has_vip4;
	memcpy(sa->vip4, t->vip4, 4);
	return sa;
}

static void note_accepted(struct responder *r, const struct r_msg *m,
			  const struct responder_ticket *t, uint8_t gsc)
{
	char from[64];

	r->st.resumes_ok++;
	r->st.resumed_gsc = gsc;
	r->st.encr = t->encr;
	r->st.encr_keylen = t->encr_keylen;
	r->st.integ = t->integ;
	r->st.prf = t->prf;
	r->st.dh = 0;
	r_event(r, "event=resume_ok gsc=%u mid=0x%08x from=%s", gsc,
		m->hdr.msg_id, r_addr_str(&m->from, from, sizeof(from)));
}

/* Everything after the ticket opened, under the domain's lock: the
 * ticket counts as used exactly when the SA exists. */
static void try_accept(struct responder *r, const struct r_msg *m,
		       const struct ike_payload *nonce,
		       const struct responder_ticket *t)
{
	struct verr e = { { 0 } };
	struct r_used_txn txn;
	struct r_sa *sa = NULL;
	const char *why = NULL;
	int used, gsc = -1;

	if (t->expires <= (uint64_t)time(NULL)) {
		refuse(r, m, "expired", NULL);
		return;
	}
	if (r_used_begin(r, &txn, &e) < 0) {
		refuse(r, m, "store", e.msg);
		return;
	}
	used = r_used_contains(r, &txn, t->id, &e);
	if (used)
		why = used < 0 ? "store" : "replayed";
	else if ((gsc = gsc_of(r, m, t)) < 0)
		why = "gsc";
	else if (r->cfg.nack_resume)
		why = "nack";
	else if (!(sa = make_sa(r, m, nonce, t, (uint8_t)gsc)))
		why = "internal";
	else if (r_used_mark(r, &txn, t->id, t->expires, &e) < 0)
		why = "store";
	r_used_end(&txn);
	if (why) {
		if (sa)
			r_sa_clear(sa);
		refuse(r, m, why, e.msg);
		return;
	}
	note_accepted(r, m, t, (uint8_t)gsc);
	r_send(r, &m->from, m->natt, sa->init_resp.p, sa->init_resp.len);
}

/* A retransmission gets the same answer; it must not count as a replay
 * of the ticket it carries. */
static bool answered_before(struct responder *r, const struct r_msg *m)
{
	struct r_sa *sa = r_sa_find(r, m->hdr.spi_i, NULL);

	if (!sa || !sa->resumed || sa->init_req.len != m->len ||
	    memcmp(sa->init_req.p, m->raw, m->len))
		return false;
	r->st.retransmits++;
	r_send(r, &m->from, m->natt, sa->init_resp.p, sa->init_resp.len);
	return true;
}

static void redirect(struct responder *r, const struct r_msg *m,
		     const struct ike_payload *nonce)
{
	char to[300];

	r->st.resume_redirects++;
	r_event(r, "event=resume_redirect to=%s mid=0x%08x",
		gw_ident_str(&r->cfg.redirect_resume_to, to, sizeof(to)),
		m->hdr.msg_id);
	r_redirect_stateless(r, m, &r->cfg.redirect_resume_to, nonce);
}

void r_resume_request(struct responder *r, const struct r_msg *m)
{
	static struct responder_ticket t; /* large; single-threaded */
	const struct ike_payload *nonce = payload_find(&m->pl, PL_NONCE);
	struct notify_payload n;
	struct verr e = { { 0 } };

	if (memcmp(m->hdr.spi_r, "\0\0\0\0\0\0\0\0", 8)) {
		log_dbg("responder: resume request with a responder SPI");
		return;
	}
	if (answered_before(r, m))
		return;
	r->st.resume_requests++;
	r->st.last_resume_mid = m->hdr.msg_id;
	r->st.last_resume_gsc = (uint8_t)(m->hdr.msg_id >> GSC_SHIFT);
	if (!nonce || nonce_parse(nonce->body, nonce->len, &e) < 0 ||
	    !r_find_notify(&m->pl, N_TICKET_OPAQUE, &n)) {
		refuse(r, m, "malformed", e.msg[0] ? e.msg :
				       "no nonce or no TICKET_OPAQUE");
		return;
	}
	if (!r_cookie_ok(r, m, nonce))
		return;
	if (r->cfg.redirect_resume_to.len) {
		redirect(r, m, nonce);
		return;
	}
	if (!r->cfg.has_domain_key) {
		refuse(r, m, "tampered", "no domain key configured");
		return;
	}
	if (responder_ticket_unseal(r->cfg.domain_key, n.data, n.len, &t,
				    &e) < 0) {
		refuse(r, m, "tampered", e.msg);
		return;
	}
	try_accept(r, m, nonce, &t);
	responder_ticket_wipe(&t);
}
