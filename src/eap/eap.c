/* The EAP peer's framing (RFC 3748 4, 5): Identity and Notification
 * answered here, a method we were not told to use refused with a legacy
 * Nak naming ours, everything else handed to the one method of the
 * profile. Every packet is the body of an authenticated IKE payload, so
 * a malformed one ends the conversation instead of being dropped. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "eap_int.h"
#include "vpnd/log.h"
#include "vpnd/wire.h"

static const struct eap_method *const methods[] = {
	&eap_mschapv2_method,
	&eap_tls_method,
	NULL,
};

struct eap_peer {
	struct eap_peer_cfg cfg;
	const struct eap_method *m;
	void *st;           /* the method's state once its first Request came */
	bool done;          /* the method authenticated the gateway */
	bool open;          /* ... and may still take Requests (VERIFIED) */
	bool failed;        /* the method refused or was refused */
	struct verr why;    /* what the method said when it failed */
	struct chunk msk;
	unsigned rounds;
};

static const struct eap_method *method_of(uint8_t type)
{
	size_t i;

	for (i = 0; methods[i]; i++)
		if (methods[i]->type == type)
			return methods[i];
	return NULL;
}

const char *eap_type_name(uint8_t type)
{
	switch (type) {
	case EAP_TYPE_IDENTITY:
		return "Identity";
	case EAP_TYPE_NOTIFICATION:
		return "Notification";
	case EAP_TYPE_NAK:
		return "Nak";
	case 4:
		return "MD5-Challenge";
	case 6:
		return "GTC";
	case EAP_TYPE_TLS:
		return "EAP-TLS";
	case 21:
		return "EAP-TTLS";
	case 25:
		return "PEAP";
	case EAP_TYPE_MSCHAPV2:
		return "EAP-MSCHAPv2";
	case 254:
		return "expanded type";
	default:
		return "unknown type";
	}
}

bool eap_method_mutual(uint8_t type)
{
	const struct eap_method *m = method_of(type);

	return m && m->mutual;
}

struct eap_peer *eap_peer_new(const struct eap_peer_cfg *cfg, struct verr *e)
{
	const struct eap_method *m = method_of(cfg->method);
	struct eap_peer *p;

	if (!m) {
		verr_set(e, "EAP method %u (%s) is not supported", cfg->method,
			 eap_type_name(cfg->method));
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		verr_set(e, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	p->m = m;
	return p;
}

/* Code, Identifier, Length, Type, then the Type-Data in body. */
static enum eap_status respond(uint8_t ident, uint8_t type,
			       const struct wbuf *body, struct wbuf *out,
			       struct verr *e)
{
	size_t len = 5 + (body ? body->len : 0);

	if (len > 0xffff || (body && body->oom)) {
		verr_set(e, "EAP Response too large");
		return EAP_FAILED;
	}
	wb_reset(out);
	wb_u8(out, EAP_CODE_RESPONSE);
	wb_u8(out, ident);
	wb_u16(out, (uint16_t)len);
	wb_u8(out, type);
	if (body)
		wb_put(out, body->p, body->len);
	if (out->oom) {
		verr_set(e, "out of memory");
		return EAP_FAILED;
	}
	return EAP_REPLY;
}

/* A gateway's text for the log: printable ASCII only. */
static void log_text(const char *what, const uint8_t *t, size_t len)
{
	char shown[256];
	size_t i, o = 0;

	for (i = 0; i < len && o + 1 < sizeof(shown); i++)
		shown[o++] = isprint(t[i]) ? (char)t[i] : '?';
	shown[o] = '\0';
	log_info("EAP %s from the gateway: %s", what, shown);
}

static enum eap_status nak(struct eap_peer *p, uint8_t ident, uint8_t type,
			   struct wbuf *out, struct verr *e)
{
	struct wbuf body;
	enum eap_status s;

	if (p->st) {
		verr_set(e, "the gateway switched from %s to %s mid-way",
			 p->m->name, eap_type_name(type));
		return EAP_FAILED;
	}
	log_info("the gateway proposed %s (%u); asking for %s instead",
		 eap_type_name(type), type, p->m->name);
	wb_init(&body);
	wb_u8(&body, p->m->type);
	s = respond(ident, EAP_TYPE_NAK, &body, out, e);
	wb_free(&body);
	return s;
}

static enum eap_status run_method(struct eap_peer *p, uint8_t ident,
				  const uint8_t *data, size_t len,
				  struct wbuf *out, struct verr *e)
{
	struct wbuf body;
	enum method_rc rc;
	enum eap_status s;

	if (p->failed || (p->done && !p->open)) {
		verr_set(e, "%s Request after the method ended", p->m->name);
		return EAP_FAILED;
	}
	if (!p->st) {
		p->st = p->m->init(&p->cfg, e);
		if (!p->st)
			return EAP_FAILED;
	}
	wb_init(&body);
	rc = p->m->process(p->st, data, len, &body, &p->why);
	if (rc == METHOD_FAILED) {
		wb_free(&body);
		p->failed = true;
		p->done = false;
		*e = p->why;
		return EAP_FAILED;
	}
	p->rounds++;
	if (rc == METHOD_DONE || rc == METHOD_VERIFIED) {
		p->done = true;
		p->open = rc == METHOD_VERIFIED;
	}
	s = respond(ident, p->m->type, &body, out, e);
	wb_free(&body);
	return s;
}

static enum eap_status request(struct eap_peer *p, uint8_t ident,
			       uint8_t type, const uint8_t *data, size_t len,
			       struct wbuf *out, struct verr *e)
{
	struct wbuf body;
	enum eap_status s;

	switch (type) {
	case EAP_TYPE_IDENTITY:
		if (len)
			log_text("Identity prompt", data, len);
		wb_init(&body);
		wb_put(&body, p->cfg.identity, p->cfg.identity_len);
		s = respond(ident, EAP_TYPE_IDENTITY, &body, out, e);
		wb_free(&body);
		return s;
	case EAP_TYPE_NOTIFICATION:
		/* RFC 3748 5.2: shown to the user, answered empty. */
		log_text("Notification", data, len);
		return respond(ident, EAP_TYPE_NOTIFICATION, NULL, out, e);
	case EAP_TYPE_NAK:
		verr_set(e, "the gateway sent a Nak as a Request");
		return EAP_FAILED;
	default:
		if (type == p->m->type)
			return run_method(p, ident, data, len, out, e);
		return nak(p, ident, type, out, e);
	}
}

enum eap_status eap_peer_input(struct eap_peer *p, const uint8_t *pkt,
			       size_t len, struct wbuf *out, struct verr *e)
{
	struct eap_payload ep;

	if (eap_parse(pkt, len, &ep, e) < 0)
		return EAP_FAILED;
	switch (ep.code) {
	case EAP_CODE_REQUEST:
		return request(p, ep.ident, ep.type, ep.data, ep.len, out, e);
	case EAP_CODE_SUCCESS:
		/* RFC 3748 4.2: no Success is believed before the method has
		 * authenticated the gateway; anyone on the path could send
		 * one otherwise (here: a gateway that skipped the method). */
		if (!p->done || p->failed) {
			verr_set(e, "EAP-Success before %s authenticated the gateway",
				 p->m->name);
			return EAP_FAILED;
		}
		/* Taken here, not when the method ended: with TLS 1.3 what
		 * came in between tells which derivation the gateway uses. */
		if (!p->msk.p && p->m->msk(p->st, &p->msk, e) < 0) {
			p->failed = true;
			return EAP_FAILED;
		}
		return EAP_DONE;
	case EAP_CODE_FAILURE:
		if (p->failed || p->why.msg[0])
			*e = p->why;
		else
			verr_set(e, "the gateway sent EAP-Failure%s",
				 p->st ? "" : " before any method ran");
		return EAP_FAILED;
	default:
		verr_set(e, "the gateway sent an EAP Response");
		return EAP_FAILED;
	}
}

const struct chunk *eap_peer_msk(const struct eap_peer *p)
{
	return &p->msk;
}

unsigned eap_peer_rounds(const struct eap_peer *p)
{
	return p->rounds;
}

void eap_peer_free(struct eap_peer *p)
{
	if (!p)
		return;
	if (p->st)
		p->m->free(p->st);
	chunk_free(&p->msk);
	OPENSSL_cleanse(&p->why, sizeof(p->why));
	free(p);
}
