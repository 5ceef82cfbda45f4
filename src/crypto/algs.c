/* Which transforms we implement and their sizes (RFC 7296 3.3.2,
 * RFC 4868, RFC 5282, RFC 7634, RFC 3526, RFC 5903, RFC 8031). */
#include <string.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

#include "crypto_internal.h"

bool dh_supported(uint16_t group)
{
	switch (group) {
	case DH_MODP2048:
	case DH_MODP3072:
	case DH_MODP4096:
	case DH_ECP256:
	case DH_ECP384:
	case DH_ECP521:
	case DH_CURVE25519:
		return true;
	default:
		return false;
	}
}

const char *prf_digest(uint16_t prf)
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

const char *integ_digest(uint16_t integ)
{
	switch (integ) {
	case INTEG_HMAC_SHA1_96:
		return "SHA1";
	case INTEG_HMAC_SHA2_256_128:
		return "SHA256";
	case INTEG_HMAC_SHA2_384_192:
		return "SHA384";
	case INTEG_HMAC_SHA2_512_256:
		return "SHA512";
	default:
		return NULL;
	}
}

size_t digest_len(const char *md)
{
	if (!md)
		return 0;
	if (strcmp(md, "SHA1") == 0)
		return 20;
	if (strcmp(md, "SHA256") == 0)
		return 32;
	if (strcmp(md, "SHA384") == 0)
		return 48;
	if (strcmp(md, "SHA512") == 0)
		return 64;
	return 0;
}

bool prf_supported(uint16_t prf)
{
	return prf_digest(prf) != NULL;
}

size_t prf_len(uint16_t prf)
{
	return digest_len(prf_digest(prf));
}

bool integ_supported(uint16_t integ)
{
	return integ_digest(integ) != NULL;
}

/* RFC 4868: the HMAC key is as long as the full digest. */
size_t integ_key_len(uint16_t integ)
{
	return digest_len(integ_digest(integ));
}

/* The ICV on the wire is half the digest, except SHA-1-96 (RFC 2404). */
size_t integ_icv_len(uint16_t integ)
{
	if (integ == INTEG_HMAC_SHA1_96)
		return 12;
	return integ_key_len(integ) / 2;
}

bool encr_is_aead(uint16_t encr)
{
	return encr == ENCR_AES_GCM_16 || encr == ENCR_CHACHA20_POLY1305;
}

bool encr_supported(uint16_t encr, uint16_t keylen_bits)
{
	switch (encr) {
	case ENCR_AES_CBC:
	case ENCR_AES_GCM_16:
		return keylen_bits == 128 || keylen_bits == 256;
	case ENCR_CHACHA20_POLY1305:
		/* RFC 7634: fixed key size, no Key Length attribute. */
		return keylen_bits == 0 || keylen_bits == 256;
	default:
		return false;
	}
}

size_t encr_key_len(uint16_t encr, uint16_t keylen_bits)
{
	if (!encr_supported(encr, keylen_bits))
		return 0;
	switch (encr) {
	case ENCR_AES_CBC:
		return keylen_bits / 8;
	case ENCR_AES_GCM_16:
		return keylen_bits / 8 + AEAD_SALT_LEN;
	case ENCR_CHACHA20_POLY1305:
		return 32 + AEAD_SALT_LEN;
	default:
		return 0;
	}
}
