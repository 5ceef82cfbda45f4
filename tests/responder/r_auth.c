/* IKE_AUTH, responder side (RFC 7296 1.2, 2.15, 2.19, 3.15): check the
 * initiator's AUTH (PSK, a certificate signature, or after a resume the
 * RFC 5723 MAC), answer IDr + AUTH, a CP reply and the first Child SA
 * (or refuse it the way strongSwan does without kernel ESP), plus a
 * ticket and the backup gateways when asked. */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include <openssl/crypto.h>

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

/* RFC 5723 5.1: after a resume the initiator MACs with SK_pi (in the
 * form configured, r_resume_auth.c), and must be the one the ticket
 * names. */
static bool resumed_auth_ok(const struct responder *r, const struct r_sa *sa,
			    const struct ike_payload *p_id,
			    const struct id_payload *id,
			    const struct auth_payload *auth)
{
	if (auth->method != AUTH_PSK) {
		log_warn("responder: resumed SA authenticated with %s",
			 auth_method_name(auth->method));
		return false;
	}
	if (id->type != sa->idi.type || id->len != sa->idi.len ||
	    memcmp(id->data, sa->idi.data, id->len)) {
		log_warn("responder: IDi is not the one in the ticket");
		return false;
	}
	return r_resume_auth_ok(r, sa, p_id->body, p_id->len, auth);
}

/* What a ticket for this SA will name as the initiator. */
static void keep_idi(struct r_sa *sa, const struct id_payload *id)
{
	if (sa->resumed)
		return;
	memset(&sa->idi, 0, sizeof(sa->idi));
	if (id->len > sizeof(sa->idi.data)) {
		log_warn("responder: IDi too long for a ticket");
		return;
	}
	sa->idi.type = id->type;
	sa->idi.len = id->len;
	memcpy(sa->idi.data, id->data, id->len);
}

static bool initiator_auth_ok(struct responder *r, struct r_sa *sa,
			      const struct r_msg *m, uint8_t *method)
{
	const struct ike_payload *p_id = payload_find(&m->pl, PL_IDI);
	const struct ike_payload *p_auth = payload_find(&m->pl, PL_AUTH);
	struct chunk octets = { 0 };
	struct id_payload id;
	struct auth_payload auth;
	struct verr e = { { 0 } };
	bool ok = false;

	*method = 0;
	if (!p_id || !p_auth || id_parse(p_id->body, p_id->len, &id, &e) < 0 ||
	    auth_parse(p_auth->body, p_auth->len, &auth, &e) < 0) {
		log_warn("responder: IKE_AUTH without usable IDi/AUTH %s",
			 e.msg);
		return false;
	}
	note_idi(r, &id);
	*method = auth.method;
	if (sa->resumed)
		return resumed_auth_ok(r, sa, p_id, &id, &auth);
	/* Every method covers RealMessage1 | Nr | prf(SK_pi, IDi body). */
	if (auth_signed_octets(sa->keys.prf, &sa->keys.sk_pi, sa->init_req.p,
			       sa->init_req.len, &sa->nr, p_id->body,
			       p_id->len, &octets) < 0)
		return false;
	if (auth.method == AUTH_PSK)
		ok = auth_psk_verify(sa->keys.prf, r->psk.p, r->psk.len,
				     &octets, auth.data, auth.len);
	else if (r_auth_is_sig(auth.method))
		ok = r_cert_auth_ok(r, m, &auth, &id, &octets);
	else
		log_warn("responder: %s AUTH is not supported",
			 auth_method_name(auth.method));
	if (ok)
		keep_idi(sa, &id);
	chunk_free(&octets);
	return ok;
}

/* The gateway's AUTH over its signed octets (RFC 7296 2.15) keyed with
 * key: the PSK, or after EAP the MSK (2.16); after a resume the RFC
 * 5723 MAC, which needs no key of ours. */
int r_auth_ours(struct responder *r, struct r_sa *sa, const struct chunk *key,
		struct chunk *auth)
{
	struct chunk octets = { 0 };
	struct wbuf idb;
	int rc;

	wb_init(&idb);
	id_body(r->cfg.id_type, r->cfg.id, r->cfg.id_len, &idb);
	if (idb.oom)
		rc = -1;
	else if (sa->resumed)
		rc = r_resume_auth_ours(r, sa, idb.p, idb.len, auth);
	else if ((rc = auth_signed_octets(sa->keys.prf, &sa->keys.sk_pr,
					  sa->init_resp.p, sa->init_resp.len,
					  &sa->ni, idb.p, idb.len,
					  &octets)) == 0)
		rc = auth_psk(sa->keys.prf, key->p, key->len, &octets, auth);
	wb_free(&idb);
	chunk_free(&octets);
	return rc;
}

int r_auth_add_ours(struct responder *r, struct r_sa *sa, struct pl_chain *c)
{
	struct chunk auth = { 0 };
	int rc;

	id_build(c, PL_IDR, r->cfg.id_type, r->cfg.id, r->cfg.id_len);
	rc = r_auth_ours(r, sa, &r->psk, &auth);
	if (rc == 0)
		auth_build(c, AUTH_PSK, auth.p, auth.len);
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

/* The address to give: a resumed SA gets the one in its ticket, a
 * reauthentication the one it had. */
static bool vip_for(struct responder *r, struct r_sa *sa,
		    const struct r_msg *m)
{
	if (sa->resumed && sa->has_vip4)
		return true;
	if (r_reauth_vip(r, sa, m, sa->vip4)) {
		sa->has_vip4 = true;
		return true;
	}
	sa->has_vip4 = r->cfg.has_vip4;
	memcpy(sa->vip4, r->cfg.vip4, 4);
	return sa->has_vip4;
}

/* Only what was asked for and what we have; returns whether a virtual
 * IPv4 address was given (it is then in sa->vip4). */
static bool add_cp_reply(struct responder *r, struct r_sa *sa,
			 const struct r_msg *m, struct pl_chain *c)
{
	const struct ike_payload *p = payload_find(&m->pl, PL_CP);
	static struct cp_payload req;
	struct cp_payload rep;
	struct verr e = { { 0 } };
	bool vip = false;
	size_t i;

	r->st.cp_requested = false;
	if (!p || cp_parse(p->body, p->len, &req, &e) < 0 ||
	    req.cfg_type != CFG_REQUEST) {
		sa->has_vip4 = false;
		return false;
	}
	r->st.cp_requested = true;
	memset(&rep, 0, sizeof(rep));
	rep.cfg_type = CFG_REPLY;
	if (vip_for(r, sa, m) && cp_asks(&req, CFG_INTERNAL_IP4_ADDRESS)) {
		rep.a[rep.n].type = CFG_INTERNAL_IP4_ADDRESS;
		rep.a[rep.n].val = sa->vip4;
		rep.a[rep.n++].len = 4;
		vip = true;
	}
	sa->has_vip4 = vip;
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

void r_record_child(struct responder *r, const struct ike_proposal *p)
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
	if (r->cfg.auth_child_error) {
		notify_build(c, 0, NULL, 0, r->cfg.auth_child_error, NULL, 0);
		return;
	}
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
		vip_ts(sa->vip4, &tsi);
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
	sa->has_child = true;
	r_record_child(r, &reply.p[0]);
}

void r_auth_refuse(struct responder *r, struct r_sa *sa,
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

static const char *method_word(uint8_t method)
{
	if (r_auth_is_sig(method))
		return "sig";
	return method == AUTH_PSK ? "psk" : "other";
}

/* IDi for an event line: printable, no blanks, at most 64 bytes. */
static const char *idi_word(const struct responder *r, char *out,
			    size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && i < 64 && r->st.last_idi[i]; i++)
		out[i] = isgraph((unsigned char)r->st.last_idi[i]) ?
				 r->st.last_idi[i] : '?';
	out[i] = '\0';
	return out;
}

void r_auth_note(struct responder *r, const struct r_sa *sa,
		 const char *method, bool ok)
{
	char from[64], idi[80];

	r_addr_str(&sa->peer, from, sizeof(from));
	idi_word(r, idi, sizeof(idi));
	if (!ok) {
		r_event(r, "event=ike_auth_failed method=%s resumed=%d "
			"idi=%s from=%s", method, sa->resumed,
			idi, from);
		return;
	}
	if (sa->resumed)
		r->st.resumed_auth_ok++;
	r_event(r, "event=ike_auth_ok method=%s resumed=%d gsc=%u idi=%s "
		"from=%s", method, sa->resumed, sa->gsc, idi,
		from);
}

void r_auth_finish(struct responder *r, struct r_sa *sa,
		   const struct r_msg *req, struct wbuf *inner,
		   struct pl_chain *c, bool redirect, const char *method)
{
	bool vip;

	/* A REDIRECT answer has no Child SA (RFC 5685 6) unless a test
	 * wants to see the initiator ignore one. */
	if (!(redirect && r_redirect_auth(r, sa, c)) ||
	    r->cfg.redirect_auth_with_child) {
		vip = add_cp_reply(r, sa, req, c);
		add_child(r, sa, req, vip, c);
		r_ticket_answer(r, sa, req, c);
		r_reauth_lifetime(r, c);
	}
	if (r_respond(r, sa, req, inner, c->first) == 0) {
		sa->state = RSA_ESTABLISHED;
		sa->established_seq = ++r->seq;
		r_redirect_note_established(r, sa);
		r_auth_note(r, sa, method, true);
		r_reauth_note(r, sa, req);
		r_ike_rekey_arm(r, sa);
	}
}

void r_auth_take_idi(struct responder *r, struct r_sa *sa,
		     const struct id_payload *id)
{
	note_idi(r, id);
	keep_idi(sa, id);
}

void r_auth_request(struct responder *r, struct r_sa *sa,
		    const struct r_msg *m)
{
	struct wbuf inner;
	struct pl_chain c;
	uint8_t method;

	if (r_eap_wanted(r, sa, m)) {
		r_eap_start(r, sa, m);
		return;
	}
	if (!initiator_auth_ok(r, sa, m, &method)) {
		r_auth_note(r, sa, method_word(method), false);
		r_auth_refuse(r, sa, m);
		return;
	}
	r->st.auth_ok++;
	wb_init(&inner);
	chain_init(&c, &inner);
	if (r_auth_add_ours(r, sa, &c) < 0)
		r_auth_refuse(r, sa, m);
	else
		r_auth_finish(r, sa, m, &inner, &c, true, method_word(method));
	wb_free(&inner);
}
