/* AUTH payload: signed octets and PSK (RFC 7296 2.15). */
#include <string.h>

#include <openssl/crypto.h>

#include "vpnd/crypto.h"

#include "crypto_internal.h"

/* RFC 7296 2.15: 17 ASCII bytes, no terminator. */
static const uint8_t key_pad[] = "Key Pad for IKEv2";
#define KEY_PAD_LEN (sizeof(key_pad) - 1)

int auth_signed_octets(uint16_t prf, const struct chunk *sk_p,
		       const uint8_t *real_msg, size_t mlen,
		       const struct chunk *peer_nonce, const uint8_t *id_body,
		       size_t id_len, struct chunk *octets)
{
	size_t plen = prf_len(prf);
	struct chunk c = { 0 };

	*octets = (struct chunk){ 0 };
	if (!plen || !chunk_alloc(&c, mlen + peer_nonce->len + plen))
		return -1;
	memcpy(c.p, real_msg, mlen);
	memcpy(c.p + mlen, peer_nonce->p, peer_nonce->len);
	if (prf_compute(prf, sk_p->p, sk_p->len, id_body, id_len,
			c.p + mlen + peer_nonce->len) < 0) {
		chunk_free(&c);
		return -1;
	}
	*octets = c;
	return 0;
}

/* Writes prf(prf(psk, key pad), octets) into out (prf_len bytes). */
static int psk_mac(uint16_t prf, const uint8_t *psk, size_t psk_len,
		   const struct chunk *octets, uint8_t *out)
{
	uint8_t inner[EVP_MAX_MD_SIZE];
	int rc;

	rc = prf_compute(prf, psk, psk_len, key_pad, KEY_PAD_LEN, inner);
	if (rc == 0)
		rc = prf_compute(prf, inner, prf_len(prf), octets->p,
				 octets->len, out);
	OPENSSL_cleanse(inner, sizeof(inner));
	return rc;
}

int auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len,
	     const struct chunk *octets, struct chunk *auth)
{
	struct chunk c = { 0 };

	*auth = (struct chunk){ 0 };
	if (!prf_len(prf) || !chunk_alloc(&c, prf_len(prf)))
		return -1;
	if (psk_mac(prf, psk, psk_len, octets, c.p) < 0) {
		chunk_free(&c);
		return -1;
	}
	*auth = c;
	return 0;
}

bool auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len,
		     const struct chunk *octets, const uint8_t *recv,
		     size_t recv_len)
{
	uint8_t want[EVP_MAX_MD_SIZE];
	bool ok;

	if (!prf_len(prf) || recv_len != prf_len(prf))
		return false;
	if (psk_mac(prf, psk, psk_len, octets, want) < 0)
		return false;
	ok = CRYPTO_memcmp(want, recv, recv_len) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

int auth_resume_octets(enum resume_auth_form form, uint16_t prf,
		       const struct chunk *sk_p, const uint8_t *resume_msg,
		       size_t mlen, const struct chunk *peer_nonce,
		       const uint8_t *id_body, size_t id_len,
		       struct chunk *octets)
{
	if (form == RESUME_AUTH_SIGNED_OCTETS)
		return auth_signed_octets(prf, sk_p, resume_msg, mlen,
					  peer_nonce, id_body, id_len, octets);
	*octets = (struct chunk){ 0 };
	return chunk_set(octets, resume_msg, mlen) ? 0 : -1;
}

/* RFC 5723 5.1: after IKE_SESSION_RESUME there is no secret beyond the
 * new SA's keys, so the MIC is keyed with SK_pi/SK_pr. */
int auth_resume(uint16_t prf, const struct chunk *sk_p,
		const struct chunk *octets, struct chunk *auth)
{
	struct chunk c = { 0 };

	*auth = (struct chunk){ 0 };
	if (!prf_len(prf) || !chunk_alloc(&c, prf_len(prf)))
		return -1;
	if (prf_compute(prf, sk_p->p, sk_p->len, octets->p, octets->len,
			c.p) < 0) {
		chunk_free(&c);
		return -1;
	}
	*auth = c;
	return 0;
}

bool auth_resume_verify(uint16_t prf, const struct chunk *sk_p,
			const struct chunk *octets, const uint8_t *recv,
			size_t recv_len)
{
	uint8_t want[EVP_MAX_MD_SIZE];
	bool ok;

	if (!prf_len(prf) || recv_len != prf_len(prf) ||
	    prf_compute(prf, sk_p->p, sk_p->len, octets->p, octets->len,
			want) < 0)
		return false;
	ok = CRYPTO_memcmp(want, recv, recv_len) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}
