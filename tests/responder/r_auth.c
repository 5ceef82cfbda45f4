/* IKE_AUTH, responder side (RFC 7296 1.2, 2.15, 2.19, 3.15): check the
 * initiator's PSK AUTH, answer IDr + AUTH, a CP reply and the first
 * Child SA (or refuse it the way strongSwan does without kernel ESP). */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "r_internal.h"
#include "vpnd/log.h"

/* RestOfIDPayload: type, three reserved bytes, data (2.15). */
static void id_body(uint8_t type, const uint8_t *data, size_t len,
		    struct wbuf *out)
{
	wb_u8(out, type);
	wb_zero(out, 3);
	wb_put(out, data, len);
}

static void note_idi(struct responder *r, const struct id_payload *id)
{
	size_t i, n = id->len < sizeof(r->st.last_idi) - 1 ?
			      id->len : sizeof(r->st.last_idi) - 1;

	r->st.last_idi_type = id->type;
	for (i = 0; i < n; i++)
		r->st.last_idi[i] = isprint(id->data[i]) ? (char)id->data[i] :
							   '?';
	r->st.last_idi[n] = '\0';
}

static bool initiator_auth_ok(struct responder *r, struct r_sa *sa,
			      const struct r_msg *m)
{
	const struct ike_payload *p_id = payload_find(&m->pl, PL_IDI);
	const struct ike_payload *p_auth = payload_find(&m->pl, PL_AUTH);
	struct chunk octets = { 0 };
	struct id_payload id;
	struct auth_payload auth;
	struct verr e = { { 0 } };
	bool ok = false;

	if (!p_id || !p_auth || id_parse(p_id->body, p_id->len, &id, &e) < 0 ||
	    auth_parse(p_auth->body, p_auth->len, &auth, &e) < 0) {
		log_warn("responder: IKE_AUTH without usable IDi/AUTH %s",
			 e.msg);
		return false;
	}
	note_idi(r, &id);
	if (auth.method != AUTH_PSK) {
		log_warn("responder: only PSK AUTH is supported, got %s",
			 auth_method_name(auth.method));
		return false;
	}
	/* The initiator signs RealMessage1 | Nr | prf(SK_pi, IDi body). */
	if (auth_signed_octets(sa->keys.prf, &sa->keys.sk_pi, sa->init_req.p,
			       sa->init_req.len, &sa->nr, p_id->body,
			       p_id->len, &octets) == 0)
		ok = auth_psk_verify(sa->keys.prf, r->psk.p, r->psk.len,
				     &octets, auth.data, auth.len);
	chunk_free(&octets);
	return ok;
}

static int add_our_auth(struct responder *r, struct r_sa *sa,
			struct pl_chain *c)
{
	struct chunk octets = { 0 }, auth = { 0 };
	struct wbuf idb;
	int rc;

	id_build(c, PL_IDR, r->cfg.id_type, r->cfg.id, r->cfg.id_len);
	wb_init(&idb);
	id_body(r->cfg.id_type, r->cfg.id, r->cfg.id_len, &idb);
	rc = idb.oom ? -1 :
		       auth_signed_octets(sa->keys.prf, &sa->keys.sk_pr,
					  sa->init_resp.p, sa->init_resp.len,
					  &sa->ni, idb.p, idb.len, &octets);
	if (rc == 0)
		rc = auth_psk(sa->keys.prf, r->psk.p, r->psk.len, &octets,
			      &auth);
	if (rc == 0)
		auth_build(c, AUTH_PSK, auth.p, auth.len);
	wb_free(&idb);
	chunk_free(&octets);
	chunk_free(&auth);
	return rc;
}

static bool cp_asks(const struct cp_payload *cp, uint16_t type)
{
	size_t i;

	for (i = 0; i < cp->n; i++)
		if (cp->a[i].type == type)
			return true;
	return false;
}

/* Only what was asked for and what we have; returns whether a virtual
 * IPv4 address was given. */
static bool add_cp_reply(struct responder *r, const struct r_msg *m,
			 struct pl_chain *c)
{
	const struct ike_payload *p = payload_find(&m->pl, PL_CP);
	static struct cp_payload req;
	struct cp_payload rep;
	struct verr e = { { 0 } };
	bool vip = false;
	size_t i;

	r->st.cp_requested = false;
	if (!p || cp_parse(p->body, p->len, &req, &e) < 0 ||
	    req.cfg_type != CFG_REQUEST)
		return false;
	r->st.cp_requested = true;
	memset(&rep, 0, sizeof(rep));
	rep.cfg_type = CFG_REPLY;
	if (r->cfg.has_vip4 && cp_asks(&req, CFG_INTERNAL_IP4_ADDRESS)) {
		rep.a[rep.n].type = CFG_INTERNAL_IP4_ADDRESS;
		rep.a[rep.n].val = r->cfg.vip4;
		rep.a[rep.n++].len = 4;
		vip = true;
	}
	if (cp_asks(&req, CFG_INTERNAL_IP4_DNS))
		for (i = 0; i < r->cfg.n_dns4 && rep.n < CP_MAX_ATTRS; i++) {
			rep.a[rep.n].type = CFG_INTERNAL_IP4_DNS;
			rep.a[rep.n].val = r->cfg.dns4[i];
			rep.a[rep.n++].len = 4;
		}
	cp_build(c, &rep);
	return vip;
}

static int parse_ts(const struct r_msg *m, uint8_t type,
		    struct ts_payload *out)
{
	const struct ike_payload *p = payload_find(&m->pl, type);
	struct verr e = { { 0 } };

	if (!p || ts_parse(p->body, p->len, out, &e) < 0)
		return -1;
	return 0;
}

static void vip_ts(const uint8_t vip[4], struct ts_payload *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->n = 1;
	ts->ts[0].type = TS_IPV4_ADDR_RANGE;
	ts->ts[0].end_port = 0xffff;
	memcpy(ts->ts[0].start, vip, 4);
	memcpy(ts->ts[0].end, vip, 4);
}

/* The initiator's SPI is in its proposal of the number we chose. */
static void take_peer_spi(struct r_sa *sa, const struct sa_payload *offer,
			  uint8_t num)
{
	size_t i;

	for (i = 0; i < offer->n; i++)
		if (offer->p[i].num == num && offer->p[i].spi_size == 4)
			memcpy(sa->peer_esp_spi, offer->p[i].spi, 4);
}

static void record_child(struct responder *r, const struct ike_proposal *p)
{
	r->st.child_up = true;
	r->st.child_sas++;
	r->st.esp_encr = r_transform(p, TRANS_ENCR, &r->st.esp_encr_keylen);
	r->st.esp_integ = r_transform(p, TRANS_INTEG, NULL);
	r->st.esp_esn = r_transform(p, TRANS_ESN, NULL);
}

/* SA, TSi, TSr for the first Child SA, or the notify that refuses it. */
static void add_child(struct responder *r, struct r_sa *sa,
		      const struct r_msg *m, bool vip, struct pl_chain *c)
{
	const struct ike_payload *p_sa = payload_find(&m->pl, PL_SA);
	static struct sa_payload offer, reply;
	static struct ts_payload tsi, tsr;
	struct verr e = { { 0 } };

	r->st.child_up = false;
	if (r->cfg.refuse_child || !p_sa ||
	    sa_parse(p_sa->body, p_sa->len, &offer, &e) < 0 ||
	    r_choose_proposal(&offer, PROTO_ESP, 0, &reply.p[0]) < 0 ||
	    parse_ts(m, PL_TSI, &tsi) < 0 || parse_ts(m, PL_TSR, &tsr) < 0) {
		notify_build(c, 0, NULL, 0, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (r->cfg.tsi.n)
		tsi = r->cfg.tsi;
	else if (vip)
		vip_ts(r->cfg.vip4, &tsi);
	if (r->cfg.tsr.n)
		tsr = r->cfg.tsr;
	random_bytes(sa->esp_spi, 4);
	sa->esp_spi[0] |= 0xc0;
	reply.n = 1;
	reply.p[0].spi_size = 4;
	memcpy(reply.p[0].spi, sa->esp_spi, 4);
	if (r->cfg.tamper_child)
		r_tamper_proposal(&reply.p[0]);
	sa_build(c, &reply);
	ts_build(c, PL_TSI, &tsi);
	ts_build(c, PL_TSR, &tsr);
	take_peer_spi(sa, &offer, reply.p[0].num);
	memcpy(r->st.peer_esp_spi, sa->peer_esp_spi, 4);
	sa->esp = reply.p[0];
	sa->tsi = tsi;
	sa->tsr = tsr;
	record_child(r, &reply.p[0]);
}

static void refuse_auth(struct responder *r, struct r_sa *sa,
			const struct r_msg *m)
{
	struct wbuf inner;
	struct pl_chain c;

	r->st.auth_failed++;
	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, N_AUTHENTICATION_FAILED, NULL, 0);
	r_respond(r, sa, m, &inner, c.first);
	wb_free(&inner);
	sa->state = RSA_DEAD;
}

/* RFC 5723 4.3.1: a ticket (lifetime | opaque bytes), a NACK or an ACK
 * for an initiator that asked. The ticket here is random: this responder
 * does not resume, it only lets the client's storing be tested. */
static void add_ticket(struct responder *r, const struct r_msg *m,
		       struct pl_chain *c)
{
	struct notify_payload n;
	uint8_t data[4 + sizeof(r->st.last_ticket)];
	size_t i;

	r->st.ticket_requested = false;
	for (i = 0; i < m->pl.n; i++)
		if (m->pl.pl[i].type == PL_NOTIFY &&
		    notify_parse(m->pl.pl[i].body, m->pl.pl[i].len, &n,
				 NULL) == 0 &&
		    n.type == N_TICKET_REQUEST)
			r->st.ticket_requested = true;
	if (!r->st.ticket_requested)
		return;
	switch (r->cfg.ticket_mode) {
	case R_TICKET_ISSUE:
		put_u32(data, r->cfg.ticket_lifetime ? r->cfg.ticket_lifetime :
						      3600);
		random_bytes(r->st.last_ticket, sizeof(r->st.last_ticket));
		memcpy(data + 4, r->st.last_ticket, sizeof(r->st.last_ticket));
		notify_build(c, 0, NULL, 0, N_TICKET_LT_OPAQUE, data,
			     sizeof(data));
		r->st.tickets_issued++;
		break;
	case R_TICKET_NACK:
		notify_build(c, 0, NULL, 0, N_TICKET_NACK, NULL, 0);
		break;
	case R_TICKET_ACK:
		notify_build(c, 0, NULL, 0, N_TICKET_ACK, NULL, 0);
		break;
	default:
		break;
	}
}

void r_auth_request(struct responder *r, struct r_sa *sa,
		    const struct r_msg *m)
{
	struct wbuf inner;
	struct pl_chain c;
	bool vip;

	if (!initiator_auth_ok(r, sa, m)) {
		refuse_auth(r, sa, m);
		return;
	}
	r->st.auth_ok++;
	wb_init(&inner);
	chain_init(&c, &inner);
	if (add_our_auth(r, sa, &c) < 0) {
		wb_free(&inner);
		refuse_auth(r, sa, m);
		return;
	}
	/* A REDIRECT answer has no Child SA (RFC 5685 6) unless a test
	 * wants to see the initiator ignore one. */
	if (!r_redirect_auth(r, sa, &c) || r->cfg.redirect_auth_with_child) {
		vip = add_cp_reply(r, m, &c);
		add_child(r, sa, m, vip, &c);
		add_ticket(r, m, &c);
	}
	if (r_respond(r, sa, m, &inner, c.first) == 0) {
		sa->state = RSA_ESTABLISHED;
		sa->established_seq = ++r->seq;
		r_redirect_note_established(r, sa);
	}
	wb_free(&inner);
}
