/* EAP in IKE_AUTH, gateway side (RFC 7296 2.16, RFC 5998): an IKE_AUTH
 * request without AUTH starts EAP-MSCHAPv2 with this gateway as the
 * authenticator (draft-kamath-pppext-eap-mschapv2-02 framing, the
 * peer's NT-Response checked with src/crypto/mschapv2.c); after
 * EAP-Success the initiator's AUTH and ours are keyed with the MSK, and
 * the first request's SA, TS, CP and notifies are answered as a
 * single-round IKE_AUTH would (r_auth_finish). Built on the codec and
 * crypto only, so it reads the protocol independently of src/eap. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "r_internal.h"
#include "vpnd/log.h"

enum { EAPC_REQUEST = 1, EAPC_RESPONSE, EAPC_SUCCESS, EAPC_FAILURE };
enum { EAPT_IDENTITY = 1, EAPT_NOTIFICATION = 2, EAPT_NAK = 3,
       EAPT_MSCHAPV2 = 26 };
enum { MS_CHALLENGE = 1, MS_RESPONSE, MS_SUCCESS, MS_FAILURE };
#define MS_HDR_LEN 4
#define MS_VALUE_LEN 49 /* Peer-Challenge, 8 reserved, NT-Response, Flags */
#define GW_NAME "vpnd-testgw"

/* What our last EAP Request waits for. */
enum r_eap_wait {
	REW_IDENTITY,
	REW_NOTIFICATION,
	REW_NAK,          /* another type proposed: a Nak naming 26 */
	REW_RESPONSE,     /* our MS-CHAPv2 Challenge */
	REW_SUCCESS_ACK,  /* our Success Request */
	REW_FAILURE_ACK,  /* our Failure Request */
	REW_AUTH,         /* EAP-Success sent: the final AUTH */
};

struct r_eap {
	enum r_eap_wait wait;
	uint8_t ident;                /* of our last EAP Request */
	uint8_t ms_id;
	uint8_t challenge[MSCHAPV2_CHALLENGE_LEN];
	uint8_t msk[MSCHAPV2_MSK_LEN];
	unsigned responses;           /* IKE_AUTH responses sent */
	bool notified, nak_asked;
	/* the first request's inner chain: its IDi, SA, TS, CP and
	 * notifies are answered in the last round */
	struct chunk first;
	uint8_t first_type;
};

void r_eap_clear(struct r_sa *sa)
{
	if (!sa->eap)
		return;
	chunk_free(&sa->eap->first);
	OPENSSL_cleanse(sa->eap, sizeof(*sa->eap));
	free(sa->eap);
	sa->eap = NULL;
}

bool r_eap_wanted(const struct responder *r, const struct r_sa *sa,
		  const struct r_msg *m)
{
	return r->cfg.eap && !sa->resumed && !payload_find(&m->pl, PL_AUTH);
}

/* One EAP packet as a payload; Success and Failure carry no type. */
static void eap_payload(struct pl_chain *c, uint8_t code, uint8_t ident,
			uint8_t type, const struct wbuf *data)
{
	size_t hdr = chain_begin(c, PL_EAP, false);
	size_t len = code <= EAPC_RESPONSE ? 5 + data->len : 4;

	wb_u8(c->wb, code);
	wb_u8(c->wb, ident);
	wb_u16(c->wb, (uint16_t)len);
	if (code <= EAPC_RESPONSE) {
		wb_u8(c->wb, type);
		wb_put(c->wb, data->p, data->len);
	}
	chain_end(c, hdr);
}

/* The REDIRECT goes in the response eap_redirect_round names (0: the
 * last, which r_auth_finish adds). */
static void round_redirect(struct responder *r, struct r_sa *sa,
			   struct pl_chain *c)
{
	if (r->cfg.eap_redirect_round &&
	    r->cfg.eap_redirect_round == sa->eap->responses + 1)
		r_redirect_auth(r, sa, c);
}

/* Sends chain c (which may hold IDr, AUTH) plus one EAP packet. */
static void send_eap(struct responder *r, struct r_sa *sa,
		     const struct r_msg *m, struct wbuf *inner,
		     struct pl_chain *c, uint8_t code, uint8_t type,
		     const struct wbuf *data)
{
	struct r_eap *st = sa->eap;

	if (code == EAPC_REQUEST)
		st->ident++;
	round_redirect(r, sa, c);
	eap_payload(c, code, st->ident, type, data);
	if (r_respond(r, sa, m, inner, c->first) == 0) {
		st->responses++;
		r->st.eap_rounds++;
	}
}

static void printable(const uint8_t *b, size_t len, char *out, size_t cap)
{
	size_t i;

	for (i = 0; i < len && i + 1 < cap; i++)
		out[i] = isgraph(b[i]) ? (char)b[i] : '?';
	out[i] = '\0';
}

static void hex(const uint8_t *b, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
}

/* MS-CHAPv2 packet: OpCode, MS-CHAPv2-ID, MS-Length (= the EAP length
 * less 5), then body. */
static void ms_packet(uint8_t op, uint8_t ms_id, const void *body,
		      size_t len, struct wbuf *out)
{
	wb_u8(out, op);
	wb_u8(out, ms_id);
	wb_u16(out, (uint16_t)(MS_HDR_LEN + len));
	wb_put(out, body, len);
}

static void challenge_data(struct r_eap *st, struct wbuf *d)
{
	struct wbuf body;

	wb_init(&body);
	random_bytes(st->challenge, sizeof(st->challenge));
	wb_u8(&body, sizeof(st->challenge));
	wb_put(&body, st->challenge, sizeof(st->challenge));
	wb_put(&body, GW_NAME, strlen(GW_NAME));
	ms_packet(MS_CHALLENGE, ++st->ms_id, body.p, body.len, d);
	wb_free(&body);
}

/* After the identity: a Notification once, another type to be Nak'ed,
 * then the Challenge, as the knobs ask. */
static void next_request(struct responder *r, struct r_sa *sa,
			 const struct r_msg *m, struct wbuf *inner,
			 struct pl_chain *c)
{
	struct r_eap *st = sa->eap;
	uint8_t rnd[16], type;
	struct wbuf d;

	wb_init(&d);
	if (r->cfg.eap_notification && !st->notified) {
		st->notified = true;
		st->wait = REW_NOTIFICATION;
		type = EAPT_NOTIFICATION;
		wb_printf(&d, "welcome to %s", GW_NAME);
	} else if (r->cfg.eap_nak_first_type && !st->nak_asked) {
		/* shaped as an MD5-Challenge (RFC 3748 5.4) */
		st->nak_asked = true;
		st->wait = REW_NAK;
		type = r->cfg.eap_nak_first_type;
		random_bytes(rnd, sizeof(rnd));
		wb_u8(&d, sizeof(rnd));
		wb_put(&d, rnd, sizeof(rnd));
	} else {
		st->wait = REW_RESPONSE;
		type = EAPT_MSCHAPV2;
		challenge_data(st, &d);
	}
	send_eap(r, sa, m, inner, c, EAPC_REQUEST, type, &d);
	wb_free(&d);
}

static void eap_event(struct responder *r, const struct r_sa *sa, bool ok,
		      const char *reason)
{
	char from[64];

	r_addr_str(&sa->peer, from, sizeof(from));
	if (ok)
		r_event(r, "event=eap_ok identity=%s rounds=%u from=%s",
			r->st.eap_identity, sa->eap->responses + 1, from);
	else
		r_event(r, "event=eap_failed identity=%s reason=%s from=%s",
			r->st.eap_identity[0] ? r->st.eap_identity : "-",
			reason, from);
}

/* EAP-Failure ends the conversation and the SA. */
static void eap_fail(struct responder *r, struct r_sa *sa,
		     const struct r_msg *m, const char *reason)
{
	struct wbuf inner, none;
	struct pl_chain c;

	log_warn("responder: EAP failed: %s", reason);
	wb_init(&inner);
	wb_init(&none);
	chain_init(&c, &inner);
	send_eap(r, sa, m, &inner, &c, EAPC_FAILURE, 0, &none);
	wb_free(&inner);
	r->st.eap_failed++;
	eap_event(r, sa, false, reason);
	sa->state = RSA_DEAD;
}

void r_eap_start(struct responder *r, struct r_sa *sa, const struct r_msg *m)
{
	const struct ike_payload *p_id = payload_find(&m->pl, PL_IDI);
	struct notify_payload n;
	struct id_payload id;
	struct verr e = { { 0 } };
	struct wbuf inner, none;
	struct pl_chain c;
	int rc = 0;

	r_eap_clear(sa);
	sa->eap = calloc(1, sizeof(*sa->eap));
	if (!p_id || id_parse(p_id->body, p_id->len, &id, &e) < 0 ||
	    !sa->eap || !m->inner ||
	    !chunk_set(&sa->eap->first, m->inner, m->inner_len)) {
		log_warn("responder: EAP request without a usable IDi %s",
			 e.msg);
		r_auth_note(r, sa, "eap", false);
		r_auth_refuse(r, sa, m);
		return;
	}
	sa->eap->first_type = m->inner_first;
	r_auth_take_idi(r, sa, &id);
	r->st.eap_identity[0] = '\0';
	wb_init(&inner);
	chain_init(&c, &inner);
	/* RFC 5998: the initiator offered to do without our AUTH */
	if (r->cfg.eap_only &&
	    r_find_notify(&m->pl, N_EAP_ONLY_AUTHENTICATION, &n)) {
		id_build(&c, PL_IDR, r->cfg.id_type, r->cfg.id, r->cfg.id_len);
		r->st.eap_only_sent++;
	} else {
		rc = r_auth_add_ours(r, sa, &c);
	}
	sa->state = RSA_EAP;
	if (rc < 0) {
		r_auth_refuse(r, sa, m);
	} else if (r->cfg.eap_skip_identity) {
		next_request(r, sa, m, &inner, &c);
	} else {
		wb_init(&none);
		sa->eap->wait = REW_IDENTITY;
		send_eap(r, sa, m, &inner, &c, EAPC_REQUEST, EAPT_IDENTITY,
			 &none);
		wb_free(&none);
	}
	wb_free(&inner);
}

static bool nak_names_mschapv2(const struct eap_payload *ep)
{
	return ep->type == EAPT_NAK &&
	       memchr(ep->data, EAPT_MSCHAPV2, ep->len) != NULL;
}

/* The peer's Response (draft-kamath 2.2): the NT-Response it computed
 * from our challenge and its own, checked by computing it the same way
 * with our copy of the password. */
static bool response_ok(struct responder *r, struct r_eap *st,
			const struct eap_payload *ep, struct mschapv2_peer *pe,
			const char **why)
{
	const uint8_t *peer_ch, *nt, *name;
	uint8_t op, ms_id, vsize;
	uint16_t ms_len;
	size_t name_len;
	struct verr e = { { 0 } };
	struct rbuf b;

	rb_init(&b, ep->data, ep->len);
	*why = "malformed_response";
	if (ep->type != EAPT_MSCHAPV2 || !rb_u8(&b, &op) ||
	    !rb_u8(&b, &ms_id) || !rb_u16(&b, &ms_len) || ms_len != ep->len ||
	    op != MS_RESPONSE || ms_id != st->ms_id || !rb_u8(&b, &vsize) ||
	    vsize != MS_VALUE_LEN || !rb_ptr(&b, 16, &peer_ch) ||
	    !rb_skip(&b, 8) || !rb_ptr(&b, MSCHAPV2_NT_RESPONSE_LEN, &nt) ||
	    !rb_skip(&b, 1))
		return false;
	name_len = rb_left(&b);
	rb_ptr(&b, name_len, &name);
	printable(name, name_len, r->st.eap_identity,
		  sizeof(r->st.eap_identity));
	*why = "password";
	if (mschapv2_respond(pe, st->challenge, peer_ch, (const char *)name,
			     name_len, (const char *)r->eap_password.p,
			     r->eap_password.len, &e) < 0) {
		log_warn("responder: MS-CHAPv2: %s", e.msg);
		return false;
	}
	return CRYPTO_memcmp(pe->nt_response, nt,
			     MSCHAPV2_NT_RESPONSE_LEN) == 0;
}

/* Success Request "S=<40 hex> M=welcome", or the Failure Request of a
 * wrong password (RFC 2759 6: E=691, a new challenge, V=3). */
static void answer_response(struct responder *r, struct r_sa *sa,
			    const struct r_msg *m,
			    const struct eap_payload *ep)
{
	struct r_eap *st = sa->eap;
	struct mschapv2_peer pe;
	uint8_t again[16];
	char text[128], chex[33];
	const char *why;
	bool ok;
	struct wbuf inner, d;
	struct pl_chain c;

	memset(&pe, 0, sizeof(pe));
	ok = response_ok(r, st, ep, &pe, &why);
	if (!ok && strcmp(why, "password")) {
		mschapv2_peer_wipe(&pe);
		eap_fail(r, sa, m, why);
		return;
	}
	if (ok) {
		snprintf(text, sizeof(text), "%s M=welcome", pe.auth_response);
		memcpy(st->msk, pe.msk, sizeof(st->msk));
		st->wait = REW_SUCCESS_ACK;
	} else {
		random_bytes(again, sizeof(again));
		hex(again, sizeof(again), chex);
		snprintf(text, sizeof(text),
			 "E=691 R=0 C=%s V=3 M=Authentication failure", chex);
		st->wait = REW_FAILURE_ACK;
	}
	mschapv2_peer_wipe(&pe);
	wb_init(&inner);
	wb_init(&d);
	chain_init(&c, &inner);
	ms_packet(st->wait == REW_SUCCESS_ACK ? MS_SUCCESS : MS_FAILURE,
		  st->ms_id, text, strlen(text), &d);
	send_eap(r, sa, m, &inner, &c, EAPC_REQUEST, EAPT_MSCHAPV2, &d);
	wb_free(&d);
	wb_free(&inner);
}

/* The peer's one-byte Success or Failure Response. */
static bool ack_is(const struct eap_payload *ep, uint8_t op)
{
	return ep->type == EAPT_MSCHAPV2 && ep->len == 1 && ep->data[0] == op;
}

static void send_success(struct responder *r, struct r_sa *sa,
			 const struct r_msg *m)
{
	struct wbuf inner, none;
	struct pl_chain c;

	wb_init(&inner);
	wb_init(&none);
	chain_init(&c, &inner);
	sa->eap->wait = REW_AUTH;
	r->st.eap_ok++;
	eap_event(r, sa, true, NULL);
	send_eap(r, sa, m, &inner, &c, EAPC_SUCCESS, 0, &none);
	wb_free(&inner);
}

static bool identity_ok(struct responder *r, const struct eap_payload *ep)
{
	const char *want = r->cfg.eap_identity;

	printable(ep->data, ep->len, r->st.eap_identity,
		  sizeof(r->st.eap_identity));
	return !want || (strlen(want) == ep->len &&
			 !memcmp(want, ep->data, ep->len));
}

/* One EAP Response: what it answers decides the next packet. */
static void take_response(struct responder *r, struct r_sa *sa,
			  const struct r_msg *m, const struct eap_payload *ep)
{
	struct r_eap *st = sa->eap;
	struct wbuf inner;
	struct pl_chain c;
	bool next = false;

	switch (st->wait) {
	case REW_IDENTITY:
		if (ep->type != EAPT_IDENTITY)
			{ eap_fail(r, sa, m, "no_identity"); return; }
		if (!identity_ok(r, ep))
			{ eap_fail(r, sa, m, "identity"); return; }
		next = true;
		break;
	case REW_NOTIFICATION:
		if (ep->type != EAPT_NOTIFICATION)
			{ eap_fail(r, sa, m, "no_notification_response"); return; }
		r->st.eap_notifications++;
		next = true;
		break;
	case REW_NAK:
		if (!nak_names_mschapv2(ep))
			{ eap_fail(r, sa, m, "no_nak"); return; }
		r->st.eap_naks++;
		next = true;
		break;
	case REW_RESPONSE:
		answer_response(r, sa, m, ep);
		return;
	case REW_SUCCESS_ACK:
		if (!ack_is(ep, MS_SUCCESS))
			{ eap_fail(r, sa, m, "no_success_response"); return; }
		send_success(r, sa, m);
		return;
	case REW_FAILURE_ACK:
		{ eap_fail(r, sa, m, "password"); return; }
	default:
		{ eap_fail(r, sa, m, "unexpected"); return; }
	}
	if (!next)
		return;
	wb_init(&inner);
	chain_init(&c, &inner);
	next_request(r, sa, m, &inner, &c);
	wb_free(&inner);
}

/* The initiator's last AUTH: the MSK over its octets with the first
 * request's IDi (RFC 7296 2.16). */
static bool final_auth_ok(struct r_sa *sa, const struct payload_list *first,
			  const struct r_msg *m)
{
	const struct ike_payload *p_id = payload_find(first, PL_IDI);
	const struct ike_payload *p_auth = payload_find(&m->pl, PL_AUTH);
	struct chunk octets = { 0 };
	struct auth_payload auth;
	struct verr e = { { 0 } };
	bool ok;

	if (!p_id || !p_auth ||
	    auth_parse(p_auth->body, p_auth->len, &auth, &e) < 0 ||
	    auth.method != AUTH_PSK ||
	    auth_signed_octets(sa->keys.prf, &sa->keys.sk_pi, sa->init_req.p,
			       sa->init_req.len, &sa->nr, p_id->body,
			       p_id->len, &octets) < 0)
		return false;
	ok = auth_psk_verify(sa->keys.prf, sa->eap->msk, sizeof(sa->eap->msk),
			     &octets, auth.data, auth.len);
	chunk_free(&octets);
	return ok;
}

static void final_round(struct responder *r, struct r_sa *sa,
			const struct r_msg *m)
{
	static struct r_msg fm; /* large; the loop is single-threaded */
	struct r_eap *st = sa->eap;
	struct chunk key = { .p = st->msk, .len = sizeof(st->msk) };
	struct chunk auth = { 0 };
	struct verr e = { { 0 } };
	struct wbuf inner;
	struct pl_chain c;

	fm = *m;
	if (payload_chain_parse(st->first_type, st->first.p, st->first.len,
				&fm.pl, &e) < 0 || !final_auth_ok(sa, &fm.pl, m) ||
	    r_auth_ours(r, sa, &key, &auth) < 0) {
		r_auth_note(r, sa, "eap", false);
		r_auth_refuse(r, sa, m);
		return;
	}
	r->st.auth_ok++;
	wb_init(&inner);
	chain_init(&c, &inner);
	auth_build(&c, AUTH_PSK, auth.p, auth.len);
	chunk_free(&auth);
	r_auth_finish(r, sa, &fm, &inner, &c,
		      r->cfg.eap_redirect_round == 0 ||
			      r->cfg.eap_redirect_round == st->responses + 1,
		      "eap");
	wb_free(&inner);
}

void r_eap_request(struct responder *r, struct r_sa *sa,
		   const struct r_msg *m)
{
	const struct ike_payload *p = payload_find(&m->pl, PL_EAP);
	struct eap_payload ep;
	struct verr e = { { 0 } };

	if (sa->eap->wait == REW_AUTH) {
		final_round(r, sa, m);
		return;
	}
	if (!p || eap_parse(p->body, p->len, &ep, &e) < 0 ||
	    ep.code != EAPC_RESPONSE || ep.ident != sa->eap->ident) {
		eap_fail(r, sa, m, "bad_response");
		return;
	}
	take_response(r, sa, m, &ep);
}
