/* AES-GCM (RFC 5282) and ChaCha20-Poly1305 (RFC 7634) with a 96-bit
 * nonce and a 128-bit tag. */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "vpnd/ike_const.h"

#include "aead_internal.h"

static const EVP_CIPHER *aead_cipher(uint16_t encr, size_t klen)
{
	if (encr == ENCR_AES_GCM_16 && klen == 16)
		return EVP_aes_128_gcm();
	if (encr == ENCR_AES_GCM_16 && klen == 32)
		return EVP_aes_256_gcm();
	if (encr == ENCR_CHACHA20_POLY1305 && klen == 32)
		return EVP_chacha20_poly1305();
	return NULL;
}

/* Shared setup: cipher, key, nonce and AAD for either direction. */
static EVP_CIPHER_CTX *aead_start(uint16_t encr, const uint8_t *key,
				  size_t klen, const uint8_t *nonce,
				  const uint8_t *aad, size_t alen, int enc)
{
	const EVP_CIPHER *c = aead_cipher(encr, klen);
	EVP_CIPHER_CTX *ctx;
	int outl;

	if (!c)
		return NULL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	if (!EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
				 AEAD_NONCE_LEN, NULL) ||
	    !EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) ||
	    (alen && !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)alen))) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int aead_seal(uint16_t encr, const uint8_t *key, size_t klen,
	      const uint8_t nonce[AEAD_NONCE_LEN], const uint8_t *aad,
	      size_t alen, const uint8_t *in, size_t len, uint8_t *out,
	      uint8_t tag[AEAD_TAG_LEN])
{
	EVP_CIPHER_CTX *ctx;
	int outl = 0, fin = 0, rc = -1;

	if (len > (size_t)INT_MAX || alen > (size_t)INT_MAX)
		return -1;
	ctx = aead_start(encr, key, klen, nonce, aad, alen, 1);
	if (!ctx)
		return -1;
	if ((len == 0 || EVP_CipherUpdate(ctx, out, &outl, in, (int)len)) &&
	    EVP_CipherFinal_ex(ctx, out + outl, &fin) &&
	    (size_t)(outl + fin) == len &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LEN, tag))
		rc = 0;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int aead_open(uint16_t encr, const uint8_t *key, size_t klen,
	      const uint8_t nonce[AEAD_NONCE_LEN], const uint8_t *aad,
	      size_t alen, const uint8_t *in, size_t len,
	      const uint8_t tag[AEAD_TAG_LEN], uint8_t *out)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t t[AEAD_TAG_LEN];
	int outl = 0, fin = 0, rc = -1;

	if (len > (size_t)INT_MAX || alen > (size_t)INT_MAX)
		return -1;
	ctx = aead_start(encr, key, klen, nonce, aad, alen, 0);
	if (!ctx)
		return -1;
	memcpy(t, tag, sizeof(t));
	/* The tag check happens in EVP_CipherFinal_ex. */
	if ((len == 0 || EVP_CipherUpdate(ctx, out, &outl, in, (int)len)) &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN, t) &&
	    EVP_CipherFinal_ex(ctx, out + outl, &fin) > 0 &&
	    (size_t)(outl + fin) == len)
		rc = 0;
	EVP_CIPHER_CTX_free(ctx);
	if (rc < 0 && len)
		OPENSSL_cleanse(out, len);
	return rc;
}
