/* The AUTH payloads after IKE_SESSION_RESUME, as the test gateway
 * computes them. This is deliberately the gateway's own code, on
 * OpenSSL's HMAC, and not vpnd's auth_resume_octets: a gateway that
 * called the client's formula would agree with any mistake in it. Its
 * reference is the resume captured against libreswan (tests/data,
 * checked in tests/unit/testgw/test_kat.c).
 *
 *   message:       AUTH = prf(SK_px, <sender's IKE_SESSION_RESUME msg>)
 *   signed-octets: AUTH = prf(SK_px, msg | peer nonce | prf(SK_px, ID'))
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "r_internal.h"
#include "vpnd/log.h"

static const char *prf_digest(uint16_t prf)
{
	switch (prf) {
	case PRF_HMAC_SHA1:
		return "SHA1";
	case PRF_HMAC_SHA2_256:
		return "SHA256";
	case PRF_HMAC_SHA2_384:
		return "SHA384";
	case PRF_HMAC_SHA2_512:
		return "SHA512";
	default:
		return NULL;
	}
}

/* HMAC over the concatenation of up to three parts. */
static int hmac3(const char *digest, const struct chunk *key,
		 const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		 const uint8_t *c, size_t clen, uint8_t *out, size_t *out_len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)digest, 0),
		OSSL_PARAM_construct_end(),
	};
	int ok;

	ok = ctx && EVP_MAC_init(ctx, key->p, key->len, params) &&
	     EVP_MAC_update(ctx, a, alen) &&
	     (!blen || EVP_MAC_update(ctx, b, blen)) &&
	     (!clen || EVP_MAC_update(ctx, c, clen)) &&
	     EVP_MAC_final(ctx, out, out_len, EVP_MAX_MD_SIZE);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -1;
}

int r_resume_auth(enum resume_auth_form form, uint16_t prf,
		  const struct chunk *sk_p, const struct chunk *resume_msg,
		  const struct chunk *peer_nonce, const uint8_t *id_body,
		  size_t id_len, uint8_t *out, size_t *out_len)
{
	const char *md = prf_digest(prf);
	uint8_t id_mac[EVP_MAX_MD_SIZE];
	size_t n = 0, idn = 0;
	int rc;

	if (!md || !resume_msg->len)
		return -1;
	if (form == RESUME_AUTH_MESSAGE) {
		rc = hmac3(md, sk_p, resume_msg->p, resume_msg->len, NULL, 0,
			   NULL, 0, out, &n);
	} else {
		rc = hmac3(md, sk_p, id_body, id_len, NULL, 0, NULL, 0, id_mac,
			   &idn);
		if (rc == 0)
			rc = hmac3(md, sk_p, resume_msg->p, resume_msg->len,
				   peer_nonce->p, peer_nonce->len, id_mac, idn,
				   out, &n);
		OPENSSL_cleanse(id_mac, sizeof(id_mac));
	}
	*out_len = n;
	return rc;
}

static bool initiator_auth_is(enum resume_auth_form form,
			      const struct r_sa *sa, const uint8_t *id_body,
			      size_t id_len, const struct auth_payload *auth)
{
	uint8_t want[EVP_MAX_MD_SIZE];
	size_t n = 0;
	bool ok;

	ok = r_resume_auth(form, sa->keys.prf, &sa->keys.sk_pi, &sa->init_req,
			   &sa->nr, id_body, id_len, want, &n) == 0 &&
	     auth->len == n && CRYPTO_memcmp(want, auth->data, n) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

bool r_resume_auth_ok(const struct responder *r, const struct r_sa *sa,
		      const uint8_t *id_body, size_t id_len,
		      const struct auth_payload *auth)
{
	enum resume_auth_form form = r->cfg.resume_auth;

	if (initiator_auth_is(form, sa, id_body, id_len, auth))
		return true;
	if (r->cfg.resume_auth_any &&
	    initiator_auth_is(form == RESUME_AUTH_MESSAGE ?
				      RESUME_AUTH_SIGNED_OCTETS :
				      RESUME_AUTH_MESSAGE,
			      sa, id_body, id_len, auth))
		return true;
	log_warn("responder: resumed AUTH does not verify in the %s form",
		 resume_auth_form_name(form));
	return false;
}

int r_resume_auth_ours(const struct responder *r, const struct r_sa *sa,
		       const uint8_t *id_body, size_t id_len,
		       struct chunk *auth)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t n = 0;
	int rc;

	rc = r_resume_auth(r->cfg.resume_auth, sa->keys.prf, &sa->keys.sk_pr,
			   &sa->init_resp, &sa->ni, id_body, id_len, mac, &n);
	if (rc == 0 && !chunk_set(auth, mac, n))
		rc = -1;
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}
