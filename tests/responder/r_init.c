/* IKE_SA_INIT, responder side (RFC 7296 1.2, 2.6, 2.7, 2.23): stateless
 * COOKIE / INVALID_KE_PAYLOAD / NO_PROPOSAL_CHOSEN answers, then proposal
 * choice, DH, nonce, NAT detection and key derivation. */
#include <string.h>

#include "r_internal.h"
#include "vpnd/log.h"

/* What a request carries that the answer depends on. */
struct init_req {
	struct sa_payload sa;
	struct ke_payload ke;
	const struct ike_payload *nonce;
};

static void natd_hash_of(const uint8_t spi_i[8], const uint8_t spi_r[8],
			 const struct sockaddr_storage *ss, uint8_t out[20])
{
	size_t len;
	uint16_t port;
	const uint8_t *ip = r_sockaddr_ip(ss, &len, &port);

	natd_hash(spi_i, spi_r, ip, len, port, out);
}

bool r_answer_notify(struct responder *r, const struct r_msg *m,
		     uint16_t type, const uint8_t *data, size_t len)
{
	struct wbuf out, body;
	struct pl_chain c;
	struct ike_hdr h = m->hdr;
	uint8_t hdr[IKE_HDR_LEN];
	bool sent;

	wb_init(&body);
	chain_init(&c, &body);
	notify_build(&c, 0, NULL, 0, type, data, len);
	memset(h.spi_r, 0, 8);
	h.next = c.first;
	h.flags = IKE_FLAG_R;
	h.length = (uint32_t)(IKE_HDR_LEN + body.len);
	ike_hdr_write(hdr, &h);
	wb_init(&out);
	wb_put(&out, hdr, sizeof(hdr));
	wb_put(&out, body.p, body.len);
	sent = !out.oom && !body.oom;
	if (sent)
		r_send(r, &m->from, m->natt, out.p, out.len);
	wb_free(&out);
	wb_free(&body);
	return sent;
}

/* RFC 7296 2.6: Hash(Ni | IPi | SPIi | secret), with a keyed PRF. */
static void make_cookie(struct responder *r, const struct r_msg *m,
			const struct ike_payload *nonce,
			uint8_t out[R_COOKIE_LEN])
{
	struct wbuf w;
	size_t ilen;
	uint16_t port;
	const uint8_t *ip = r_sockaddr_ip(&m->from, &ilen, &port);

	wb_init(&w);
	wb_put(&w, nonce->body, nonce->len);
	wb_put(&w, ip, ilen);
	wb_put(&w, m->hdr.spi_i, 8);
	if (w.oom || prf_compute(PRF_HMAC_SHA2_256, r->cookie_secret,
				 sizeof(r->cookie_secret), w.p, w.len,
				 out) < 0)
		memset(out, 0, R_COOKIE_LEN);
	wb_free(&w);
}

bool r_cookie_ok(struct responder *r, const struct r_msg *m,
		 const struct ike_payload *nonce)
{
	struct notify_payload n;
	const struct ike_payload *p;
	uint8_t want[R_COOKIE_LEN];

	if (!r->cfg.require_cookie && !r->cfg.cookie_always &&
	    !r->cfg.cookie_stuck)
		return true;
	make_cookie(r, m, nonce, want);
	p = r_find_notify(&m->pl, N_COOKIE, &n);
	if (p && n.len == R_COOKIE_LEN && !memcmp(n.data, want, R_COOKIE_LEN) &&
	    !r->cfg.cookie_always && !r->cfg.cookie_stuck) {
		r->st.cookies_ok++;
		r->st.cookie_was_first = p == &m->pl.pl[0];
		return true;
	}
	if (r->cfg.cookie_always) {
		random_bytes(r->cookie_secret, sizeof(r->cookie_secret));
		make_cookie(r, m, nonce, want);
	}
	r->st.cookies_sent++;
	r_answer_notify(r, m, N_COOKIE, want, sizeof(want));
	return false;
}

static int parse_request(const struct r_msg *m, struct init_req *q)
{
	const struct ike_payload *p_sa = payload_find(&m->pl, PL_SA);
	const struct ike_payload *p_ke = payload_find(&m->pl, PL_KE);
	struct verr e = { { 0 } };

	q->nonce = payload_find(&m->pl, PL_NONCE);
	if (!p_sa || !p_ke || !q->nonce) {
		log_warn("responder: IKE_SA_INIT lacks SA, KE or nonce");
		return -1;
	}
	if (sa_parse(p_sa->body, p_sa->len, &q->sa, &e) < 0 ||
	    ke_parse(p_ke->body, p_ke->len, &q->ke, &e) < 0 ||
	    nonce_parse(q->nonce->body, q->nonce->len, &e) < 0) {
		log_warn("responder: bad IKE_SA_INIT: %s", e.msg);
		return -1;
	}
	return 0;
}

static void note_nat(struct responder *r, const struct r_msg *m)
{
	static const uint8_t zero[8];
	struct notify_payload n;
	uint8_t seen[20];

	natd_hash_of(m->hdr.spi_i, zero, &m->from, seen);
	if (r_find_notify(&m->pl, N_NAT_DETECTION_SOURCE_IP, &n) &&
	    n.len == 20)
		r->st.nat_detected = memcmp(n.data, seen, 20) != 0;
}

static int derive_keys(struct r_sa *sa, const struct ike_proposal *chosen,
		       const struct chunk *gir)
{
	struct chunk skeyseed = { 0 };
	int rc;

	sa->keys.encr = r_transform(chosen, TRANS_ENCR, &sa->keys.encr_keylen);
	sa->keys.integ = r_transform(chosen, TRANS_INTEG, NULL);
	sa->keys.prf = r_transform(chosen, TRANS_PRF, NULL);
	sa->ike_dh = r_transform(chosen, TRANS_DH, NULL);
	rc = ike_skeyseed(sa->keys.prf, &sa->ni, &sa->nr, gir, &skeyseed);
	if (rc == 0)
		rc = ike_keys_derive(&sa->keys, &skeyseed, &sa->ni, &sa->nr,
				     sa->spi_i, sa->spi_r);
	chunk_free(&skeyseed);
	return rc;
}

void r_add_vendor_id(const struct responder *r, struct pl_chain *c)
{
	if (!r->cfg.no_vendor_id)
		chain_add(c, PL_VENDOR, VPND_VENDOR_ID, VPND_VENDOR_ID_LEN);
}

bool r_vendor_agreed(struct responder *r, const struct r_msg *m)
{
	r->st.vendor_id_seen = vendor_id_present(&m->pl,
						 (const uint8_t *)VPND_VENDOR_ID,
						 VPND_VENDOR_ID_LEN);
	return r->st.vendor_id_seen && !r->cfg.no_vendor_id;
}

/* Our half of the exchange: DH, nonce and the response message. */
static int build_response(struct responder *r, struct r_sa *sa,
			  const struct r_msg *m, const struct init_req *q,
			  const struct ike_proposal *chosen, struct wbuf *out)
{
	struct sa_payload reply = { .n = 1 };
	struct chunk pub = { 0 }, gir = { 0 };
	struct verr e = { { 0 } };
	struct wbuf body;
	struct pl_chain c;
	struct ike_hdr h;
	uint8_t hdr[IKE_HDR_LEN], natd[20];
	struct dh *dh = dh_new(q->ke.group, &e);
	int rc = -1;

	if (!dh || dh_public(dh, &pub) < 0 ||
	    dh_shared(dh, q->ke.data, q->ke.len, &gir, &e) < 0 ||
	    !chunk_alloc(&sa->nr, R_NONCE_LEN) ||
	    random_bytes(sa->nr.p, R_NONCE_LEN) < 0 ||
	    !chunk_set(&sa->ni, q->nonce->body, q->nonce->len) ||
	    derive_keys(sa, chosen, &gir) < 0) {
		log_warn("responder: IKE_SA_INIT failed: %s", e.msg);
		goto out;
	}
	reply.p[0] = *chosen;
	if (r->cfg.tamper_proposal)
		r_tamper_proposal(&reply.p[0]);
	wb_init(&body);
	chain_init(&c, &body);
	sa_build(&c, &reply);
	ke_build(&c, q->ke.group, pub.p, pub.len);
	chain_add(&c, PL_NONCE, sa->nr.p, sa->nr.len);
	natd_hash_of(sa->spi_i, sa->spi_r, &r->local, natd);
	notify_build(&c, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, natd, 20);
	natd_hash_of(sa->spi_i, sa->spi_r, &m->from, natd);
	if (r->cfg.fake_nat)
		natd[0] ^= 0xff;
	notify_build(&c, 0, NULL, 0, N_NAT_DETECTION_DESTINATION_IP, natd, 20);
	r_add_vendor_id(r, &c);
	r_header(sa, &h, EXCH_IKE_SA_INIT, 0, true);
	h.next = c.first;
	h.length = (uint32_t)(IKE_HDR_LEN + body.len);
	ike_hdr_write(hdr, &h);
	wb_put(out, hdr, sizeof(hdr));
	wb_put(out, body.p, body.len);
	wb_free(&body);
	rc = out->oom ? -1 : 0;
out:
	chunk_free(&pub);
	chunk_free(&gir);
	dh_free(dh);
	return rc;
}

/* Two broken copies of the real answer: a payload length that overruns
 * the message, then a datagram shorter than its header says. */
static void send_garbage(struct responder *r, const struct r_msg *m,
			 const struct wbuf *real)
{
	uint8_t bad[IKE_MAX_MSG];
	size_t len = real->len;

	if (len < IKE_HDR_LEN + 4 || len > sizeof(bad))
		return;
	memcpy(bad, real->p, len);
	put_u16(bad + IKE_HDR_LEN + 2, (uint16_t)(len + 100));
	r_send(r, &m->from, m->natt, bad, len);
	memcpy(bad, real->p, len);
	r_send(r, &m->from, m->natt, bad, len / 2);
	r->st.garbage_sent += 2;
}

static void record_algs(struct responder *r, const struct ike_proposal *p)
{
	r->st.encr = r_transform(p, TRANS_ENCR, &r->st.encr_keylen);
	r->st.integ = r_transform(p, TRANS_INTEG, NULL);
	r->st.prf = r_transform(p, TRANS_PRF, NULL);
	r->st.dh = r_transform(p, TRANS_DH, NULL);
}

static void accept_request(struct responder *r, const struct r_msg *m,
			   const struct init_req *q,
			   const struct ike_proposal *chosen)
{
	struct r_sa *sa = r_sa_new(r);

	if (!sa) {
		r_answer_notify(r, m, N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	memcpy(sa->spi_i, m->hdr.spi_i, 8);
	sa->peer = m->from;
	sa->natt = m->natt;
	sa->peer_next_mid = 1;
	sa->peer_vpnd = r_vendor_agreed(r, m);
	if (build_response(r, sa, m, q, chosen, &sa->last_resp) < 0 ||
	    !chunk_set(&sa->init_req, m->raw, m->len) ||
	    !chunk_set(&sa->init_resp, sa->last_resp.p, sa->last_resp.len)) {
		r_sa_clear(sa);
		return;
	}
	sa->have_last_resp = true;
	sa->last_resp_mid = 0;
	sa->state = RSA_INIT_DONE;
	r->st.init_sas++;
	record_algs(r, chosen);
	if (r->cfg.send_garbage_first && !r->st.garbage_sent)
		send_garbage(r, m, &sa->last_resp);
	if (r->cfg.forged_error_first)
		r_answer_notify(r, m, r->cfg.forged_error_first, NULL, 0);
	if (r_redirect_defers(r))
		r_redirect_defer(r, sa);
	else if (!r_lose_response(r, EXCH_IKE_SA_INIT))
		r_send(r, &m->from, m->natt, sa->last_resp.p,
		       sa->last_resp.len);
}

/* A retransmitted request gets the same answer, not a second SA. */
static bool answered_before(struct responder *r, const struct r_msg *m)
{
	struct r_sa *sa = r_sa_find(r, m->hdr.spi_i, NULL);

	if (!sa || !sa->init_req.p || sa->init_req.len != m->len ||
	    memcmp(sa->init_req.p, m->raw, m->len))
		return false;
	r->st.retransmits++;
	r_send(r, &m->from, m->natt, sa->init_resp.p, sa->init_resp.len);
	return true;
}

void r_init_request(struct responder *r, const struct r_msg *m)
{
	static struct init_req q; /* large; the loop is single-threaded */
	struct ike_proposal chosen;
	struct notify_payload n;
	uint16_t dh;
	uint8_t grp[2];
	char from[64];

	if (m->hdr.msg_id != 0 || memcmp(m->hdr.spi_r, "\0\0\0\0\0\0\0\0", 8))
		return;
	if (answered_before(r, m))
		return;
	r_event(r, "event=ike_sa_init from=%s vendor_id=%d",
		r_addr_str(&m->from, from, sizeof(from)),
		vendor_id_present(&m->pl, (const uint8_t *)VPND_VENDOR_ID,
				  VPND_VENDOR_ID_LEN));
	memset(&q, 0, sizeof(q));
	if (parse_request(m, &q) < 0) {
		r->st.malformed++;
		r_answer_notify(r, m, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	r->st.ke_group = q.ke.group;
	r->st.redirect_supported =
		r_find_notify(&m->pl, N_REDIRECT_SUPPORTED, &n) != NULL;
	r_redirect_note_init(r, m);
	note_nat(r, m);
	if (!r_cookie_ok(r, m, q.nonce))
		return;
	if (r_redirect_init(r, m, q.nonce))
		return;
	if (r->cfg.no_proposal ||
	    r_choose_proposal(&q.sa, PROTO_IKE, r->cfg.want_group, &chosen) < 0) {
		r_answer_notify(r, m, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	/* The configured group is demanded even when not offered: that is
	 * how a misconfigured gateway looks to the initiator. */
	dh = r->cfg.want_group ? r->cfg.want_group :
				 r_transform(&chosen, TRANS_DH, NULL);
	if (q.ke.group != dh) {
		put_u16(grp, dh);
		r->st.invalid_ke_sent++;
		r_answer_notify(r, m, N_INVALID_KE_PAYLOAD, grp, sizeof(grp));
		return;
	}
	accept_request(r, m, &q, &chosen);
}
