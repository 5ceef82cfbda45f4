/* Helpers shared by the crypto module; not part of the public API. */
#ifndef VPND_CRYPTO_INTERNAL_H
#define VPND_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* One piece of a message fed to a MAC without concatenating copies. */
struct part {
	const uint8_t *p;
	size_t len;
};

/* OpenSSL digest names for our PRF / INTEG ids, NULL when unsupported. */
const char *prf_digest(uint16_t prf);
const char *integ_digest(uint16_t integ);
size_t digest_len(const char *md);

/* HMAC over the concatenation of parts; out holds digest_len(md) bytes. */
int hmac_parts(const char *md, const uint8_t *key, size_t klen,
	       const struct part *parts, size_t n, uint8_t *out);

/* Salt length at the end of SK_e for AEAD transforms (RFC 5282, 7634). */
#define AEAD_SALT_LEN 4
#define AEAD_IV_LEN 8
#define AEAD_ICV_LEN 16

/* RSASSA-PSS verification parameters (RFC 4055). */
struct pss_opts {
	const char *mgf1_md;
	int salt_len;
};

struct X509_algor_st;
/* Reads hash, MGF1 hash and salt length from an RSASSA-PSS
 * AlgorithmIdentifier; -1 for anything we do not support. */
int pss_params_parse(const struct X509_algor_st *alg, const char **md,
		     struct pss_opts *pss);

#endif
