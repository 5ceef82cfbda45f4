/* EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2-02, the framing of
 * RFC 2759 that Windows, FreeRADIUS and strongSwan speak): the
 * gateway's Challenge answered, its Success checked against the
 * authenticator response we expect (the proof that it knows the
 * password too), its Failure turned into a reason the user can act on.
 * The crypto is src/crypto/mschapv2.c. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "eap_int.h"
#include "vpnd/crypto.h"

/* OpCode, MS-CHAPv2-ID, MS-Length: the header of every packet but the
 * peer's one-byte Success and Failure Responses. */
enum { OP_CHALLENGE = 1, OP_RESPONSE = 2, OP_SUCCESS = 3, OP_FAILURE = 4,
       OP_CHANGE_PASSWORD = 7 };
#define MS_HDR_LEN 4
/* Peer-Challenge, 8 reserved bytes, NT-Response, Flags (RFC 2759 4). */
#define RESPONSE_VALUE_LEN 49

struct mschapv2_state {
	const struct eap_peer_cfg *cfg;
	struct mschapv2_peer peer;
	bool answered;      /* our Response is out: a Success may come */
};

static void *ms_init(const struct eap_peer_cfg *cfg, struct verr *e)
{
	struct mschapv2_state *st;

	if (!cfg->password) {
		verr_set(e, "EAP-MSCHAPv2 needs a password");
		return NULL;
	}
	st = secure_zalloc(sizeof(*st));
	if (!st) {
		verr_set(e, "out of memory");
		return NULL;
	}
	st->cfg = cfg;
	return st;
}

static enum method_rc challenge(struct mschapv2_state *st, uint8_t ms_id,
				struct rbuf *r, struct wbuf *reply,
				struct verr *e)
{
	uint8_t vsize, peer_challenge[MSCHAPV2_CHALLENGE_LEN];
	const uint8_t *auth_challenge;
	size_t len;

	if (st->answered) {
		verr_set(e, "EAP-MSCHAPv2: a second Challenge");
		return METHOD_FAILED;
	}
	if (!rb_u8(r, &vsize) || vsize != MSCHAPV2_CHALLENGE_LEN ||
	    !rb_ptr(r, MSCHAPV2_CHALLENGE_LEN, &auth_challenge)) {
		verr_set(e, "EAP-MSCHAPv2: malformed Challenge");
		return METHOD_FAILED;
	}
	/* The rest is the gateway's name, which nothing depends on. */
	if (random_bytes(peer_challenge, sizeof(peer_challenge)) < 0) {
		verr_set(e, "no random bytes for the peer challenge");
		return METHOD_FAILED;
	}
	if (mschapv2_respond(&st->peer, auth_challenge, peer_challenge,
			     (const char *)st->cfg->identity,
			     st->cfg->identity_len, st->cfg->password,
			     st->cfg->password_len, e) < 0)
		return METHOD_FAILED;
	len = MS_HDR_LEN + 1 + RESPONSE_VALUE_LEN + st->cfg->identity_len;
	if (len > 0xffff - 5) {
		verr_set(e, "EAP-MSCHAPv2: the identity is too long");
		return METHOD_FAILED;
	}
	wb_u8(reply, OP_RESPONSE);
	wb_u8(reply, ms_id);
	wb_u16(reply, (uint16_t)len);
	wb_u8(reply, RESPONSE_VALUE_LEN);
	wb_put(reply, peer_challenge, sizeof(peer_challenge));
	wb_zero(reply, 8);
	wb_put(reply, st->peer.nt_response, sizeof(st->peer.nt_response));
	wb_u8(reply, 0); /* Flags */
	wb_put(reply, st->cfg->identity, st->cfg->identity_len);
	st->answered = true;
	return METHOD_REPLY;
}

static enum method_rc success(struct mschapv2_state *st, struct rbuf *r,
			      struct wbuf *reply, struct verr *e)
{
	size_t n = rb_left(r);
	const uint8_t *msg;

	rb_ptr(r, n, &msg);
	if (!st->answered) {
		verr_set(e, "EAP-MSCHAPv2: Success before our Response");
		return METHOD_FAILED;
	}
	if (!mschapv2_verify(&st->peer, msg, n)) {
		verr_set(e, "EAP-MSCHAPv2: the gateway's authenticator response is wrong (it does not know the password, or it is not the gateway)");
		return METHOD_FAILED;
	}
	wb_u8(reply, OP_SUCCESS);
	return METHOD_DONE;
}

/* RFC 2759 6: "E=eeeeeeeeee R=r C=... V=vvvvvvvvvv M=<msg>". */
static const char *failure_reason(unsigned code)
{
	switch (code) {
	case 646:
		return "logon outside the allowed hours";
	case 647:
		return "the account is disabled";
	case 648:
		return "the password has expired";
	case 649:
		return "no dial-in permission for the account";
	case 691:
		return "wrong user name or password";
	case 709:
		return "error while changing the password";
	default:
		return "refused";
	}
}

static enum method_rc failure(struct rbuf *r, struct wbuf *reply,
			      struct verr *e)
{
	char text[128];
	size_t n = rb_left(r), i;
	const uint8_t *msg;
	unsigned code = 0;

	rb_ptr(r, n, &msg);
	for (i = 0; i < n && i + 1 < sizeof(text); i++)
		text[i] = msg[i] >= 0x20 && msg[i] < 0x7f ? (char)msg[i] : '?';
	text[i] = '\0';
	if (strncmp(text, "E=", 2) == 0)
		code = (unsigned)strtoul(text + 2, NULL, 10);
	/* Said when the EAP-Failure that follows our answer arrives. */
	verr_set(e, "EAP-MSCHAPv2: %s (E=%u)", failure_reason(code), code);
	wb_u8(reply, OP_FAILURE);
	return METHOD_REPLY;
}

static enum method_rc ms_process(void *arg, const uint8_t *data, size_t len,
				 struct wbuf *reply, struct verr *e)
{
	struct mschapv2_state *st = arg;
	uint8_t op, ms_id;
	uint16_t ms_len;
	struct rbuf r;

	rb_init(&r, data, len);
	if (!rb_u8(&r, &op) || !rb_u8(&r, &ms_id) || !rb_u16(&r, &ms_len) ||
	    ms_len != len) {
		verr_set(e, "EAP-MSCHAPv2: malformed packet (%zu bytes)", len);
		return METHOD_FAILED;
	}
	switch (op) {
	case OP_CHALLENGE:
		return challenge(st, ms_id, &r, reply, e);
	case OP_SUCCESS:
		return success(st, &r, reply, e);
	case OP_FAILURE:
		return failure(&r, reply, e);
	case OP_CHANGE_PASSWORD:
		verr_set(e, "EAP-MSCHAPv2: the gateway asks for a password change, which vpnd does not do");
		return METHOD_FAILED;
	default:
		verr_set(e, "EAP-MSCHAPv2: unknown OpCode %u", op);
		return METHOD_FAILED;
	}
}

static int ms_msk(void *arg, struct chunk *msk, struct verr *e)
{
	struct mschapv2_state *st = arg;

	if (!chunk_secure_set(msk, st->peer.msk, sizeof(st->peer.msk))) {
		verr_set(e, "out of memory");
		return -1;
	}
	return 0;
}

static void ms_free(void *arg)
{
	struct mschapv2_state *st = arg;

	mschapv2_peer_wipe(&st->peer);
	secure_free(st, sizeof(*st));
}

const struct eap_method eap_mschapv2_method = {
	.type = EAP_TYPE_MSCHAPV2,
	.name = "EAP-MSCHAPv2",
	/* The authenticator response proves the gateway knows the
	 * password; RFC 5998 does not list it among the methods safe for
	 * EAP-only, since a dictionary attack recovers it (see its
	 * section 4): vpnd does not let it stand alone either. */
	.mutual = false,
	.init = ms_init,
	.process = ms_process,
	.msk = ms_msk,
	.free = ms_free,
};
