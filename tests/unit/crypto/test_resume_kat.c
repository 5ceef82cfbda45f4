/* The resume captured against libreswan 5.4 (tests/unit/kat): vpnd's own
 * codec and crypto derive every key from the ticket's SK_d, open both
 * protected IKE_AUTH messages, and compute and check both AUTH payloads
 * in the form pluto uses. The other form must not match it. */
#include <stdlib.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"
#include "vpnd/wire.h"

#include "libreswan_resume.h"
#include "tutil.h"

#define MSG_MAX 2048

struct kat_msg {
	uint8_t b[MSG_MAX];
	size_t len;
	struct ike_hdr h;
	struct payload_list pl;
};

/* Decodes and parses one captured message (header, outer chain). */
static void kat_msg(const char *hex, struct kat_msg *m)
{
	struct verr e = { "" };

	m->len = unhex(hex, m->b, sizeof(m->b));
	CU_ASSERT_EQUAL_FATAL(ike_hdr_parse(m->b, m->len, &m->h, &e), 0);
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(m->h.next, m->b + IKE_HDR_LEN,
						  m->len - IKE_HDR_LEN, &m->pl,
						  &e), 0);
}

static struct chunk kat_nonce(const struct kat_msg *m)
{
	const struct ike_payload *p = payload_find(&m->pl, PL_NONCE);
	struct verr e = { "" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(nonce_parse(p->body, p->len, &e), 0);
	return (struct chunk){ (uint8_t *)p->body, p->len };
}

/* The keys of the resumed SA, from SK_d(old) and the two resume
 * messages (RFC 5723 5.1, RFC 7296 2.14). */
struct kat_sa {
	struct kat_msg req, resp;
	struct chunk ni, nr;
	struct ike_keys keys;
};

static void kat_sa(struct kat_sa *s)
{
	uint8_t skd[64];
	struct chunk skd_old = { skd, 0 }, skeyseed = { 0 };

	memset(s, 0, sizeof(*s));
	kat_msg(KAT_LS_RESUME_REQUEST, &s->req);
	kat_msg(KAT_LS_RESUME_RESPONSE, &s->resp);
	CU_ASSERT_EQUAL(s->req.h.exchange, EXCH_IKE_SESSION_RESUME);
	CU_ASSERT_EQUAL(s->resp.h.exchange, EXCH_IKE_SESSION_RESUME);
	CU_ASSERT_EQUAL(s->req.h.msg_id, 0);
	s->ni = kat_nonce(&s->req);
	s->nr = kat_nonce(&s->resp);
	skd_old.len = unhex(KAT_LS_SK_D_OLD, skd, sizeof(skd));
	CU_ASSERT_EQUAL_FATAL(ike_skeyseed_resume(PRF_HMAC_SHA2_256, &skd_old,
						  &s->ni, &s->nr, &skeyseed),
			      0);
	ASSERT_HEX(skeyseed.p, skeyseed.len, KAT_LS_SKEYSEED);
	s->keys.encr = ENCR_AES_GCM_16;
	s->keys.encr_keylen = 256;
	s->keys.integ = INTEG_NONE;
	s->keys.prf = PRF_HMAC_SHA2_256;
	CU_ASSERT_EQUAL_FATAL(ike_keys_derive(&s->keys, &skeyseed, &s->ni,
					      &s->nr, s->resp.h.spi_i,
					      s->resp.h.spi_r), 0);
	chunk_free(&skeyseed);
}

/* Opens a protected IKE_AUTH message into its inner chain. */
static void kat_open(const struct kat_sa *s, const char *hex,
		     bool from_initiator, struct kat_msg *m,
		     struct chunk *plain, struct payload_list *inner)
{
	const struct ike_payload *sk;
	struct verr e = { "" };

	kat_msg(hex, m);
	CU_ASSERT_EQUAL_FATAL(m->h.exchange, EXCH_IKE_AUTH);
	CU_ASSERT_EQUAL_FATAL(m->h.msg_id, 1);
	sk = payload_find(&m->pl, PL_SK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sk);
	CU_ASSERT_EQUAL_FATAL(ike_unprotect(&s->keys, from_initiator, m->b,
					    m->len, IKE_HDR_LEN + sk->offset,
					    plain, &e), 0);
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(sk->next, plain->p,
						  plain->len, inner, &e), 0);
}

static void kat_auth_of(const struct payload_list *inner, uint8_t id_type,
			const char *id, const struct ike_payload **p_id,
			struct auth_payload *auth)
{
	const struct ike_payload *p_auth = payload_find(inner, PL_AUTH);
	struct id_payload idp;
	struct verr e = { "" };

	*p_id = payload_find(inner, id_type);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*p_id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p_auth);
	CU_ASSERT_EQUAL_FATAL(id_parse((*p_id)->body, (*p_id)->len, &idp, &e),
			      0);
	CU_ASSERT_EQUAL(idp.type, ID_FQDN);
	CU_ASSERT(idp.len == strlen(id) && !memcmp(idp.data, id, idp.len));
	CU_ASSERT_EQUAL_FATAL(auth_parse(p_auth->body, p_auth->len, auth, &e),
			      0);
	CU_ASSERT_EQUAL(auth->method, AUTH_PSK);
}

static void test_kat_keys(void)
{
	struct kat_sa s;

	kat_sa(&s);
	ASSERT_HEX(s.keys.sk_pi.p, s.keys.sk_pi.len, KAT_LS_SK_PI);
	ASSERT_HEX(s.keys.sk_pr.p, s.keys.sk_pr.len, KAT_LS_SK_PR);
	CU_ASSERT(payload_find(&s.req.pl, PL_NOTIFY) != NULL);
	ike_keys_wipe(&s.keys);
}

/* One side's resumed AUTH, as vpnd computes it in a form from that
 * side's resume message and the other side's nonce. */
static bool kat_auth_is(const struct kat_sa *s, enum resume_auth_form form,
			const struct chunk *sk_p, const struct kat_msg *resume,
			const struct chunk *peer_nonce,
			const struct ike_payload *p_id,
			const struct auth_payload *auth)
{
	struct chunk oct = { 0 }, mine = { 0 };
	bool same;

	CU_ASSERT_EQUAL_FATAL(auth_resume_octets(form, s->keys.prf, sk_p,
						 resume->b, resume->len,
						 peer_nonce, p_id->body,
						 p_id->len, &oct), 0);
	CU_ASSERT_EQUAL_FATAL(auth_resume(s->keys.prf, sk_p, &oct, &mine), 0);
	same = mine.len == auth->len && !memcmp(mine.p, auth->data, auth->len);
	/* what vpnd's check of a received AUTH says must agree */
	CU_ASSERT_EQUAL(auth_resume_verify(s->keys.prf, sk_p, &oct, auth->data,
					   auth->len), same);
	chunk_free(&oct);
	chunk_free(&mine);
	return same;
}

/* One side's captured IKE_AUTH: opened with vpnd's keys, its AUTH is
 * the captured value, and vpnd computes exactly that in the message
 * form and something else in the signed-octets form. */
static void kat_side(const char *msg_hex, bool from_initiator, uint8_t id_pl,
		     const char *id, const char *auth_hex)
{
	static struct kat_msg m;
	struct payload_list inner;
	struct chunk plain = { 0 };
	const struct ike_payload *p_id;
	struct auth_payload auth;
	struct kat_sa s;
	const struct chunk *sk_p, *peer_nonce;
	const struct kat_msg *resume;

	kat_sa(&s);
	sk_p = from_initiator ? &s.keys.sk_pi : &s.keys.sk_pr;
	resume = from_initiator ? &s.req : &s.resp;
	peer_nonce = from_initiator ? &s.nr : &s.ni;
	kat_open(&s, msg_hex, from_initiator, &m, &plain, &inner);
	kat_auth_of(&inner, id_pl, id, &p_id, &auth);
	ASSERT_HEX(auth.data, auth.len, auth_hex);
	CU_ASSERT(kat_auth_is(&s, RESUME_AUTH_MESSAGE, sk_p, resume,
			      peer_nonce, p_id, &auth));
	CU_ASSERT_FALSE(kat_auth_is(&s, RESUME_AUTH_SIGNED_OCTETS, sk_p,
				    resume, peer_nonce, p_id, &auth));
	chunk_free(&plain);
	ike_keys_wipe(&s.keys);
}

/* The gateway's AUTH verifies in the message form only. */
static void test_kat_gateway_auth(void)
{
	kat_side(KAT_LS_AUTH_RESPONSE, false, PL_IDR, "gw.test",
		 KAT_LS_AUTH_GATEWAY);
}

/* Ours, computed from the captured resume request, equals what the
 * client sent and pluto accepted; the other form does not. */
static void test_kat_client_auth(void)
{
	kat_side(KAT_LS_AUTH_REQUEST, true, PL_IDI, "client.test",
		 KAT_LS_AUTH_CLIENT);
}

void add_resume_kat_tests(void)
{
	CU_pSuite s = CU_add_suite("resume captured against libreswan", NULL,
				   NULL);

	CU_add_test(s, "SKEYSEED and SK_* from the ticket", test_kat_keys);
	CU_add_test(s, "gateway's resumed AUTH", test_kat_gateway_auth);
	CU_add_test(s, "client's resumed AUTH", test_kat_client_auth);
}
