/* Raw AEAD primitive used by the SK payload code, exposed for known-answer
 * tests (NIST GCM, RFC 8439). */
#ifndef VPND_AEAD_INTERNAL_H
#define VPND_AEAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AEAD_NONCE_LEN 12
#define AEAD_TAG_LEN 16

/* encr is ENCR_AES_GCM_16 (key 16 or 32 bytes) or ENCR_CHACHA20_POLY1305
 * (key 32 bytes); the key excludes the salt. Encrypts in to out (same
 * length) and writes the tag. */
int aead_seal(uint16_t encr, const uint8_t *key, size_t klen,
	      const uint8_t nonce[AEAD_NONCE_LEN], const uint8_t *aad,
	      size_t alen, const uint8_t *in, size_t len, uint8_t *out,
	      uint8_t tag[AEAD_TAG_LEN]);
/* Returns -1 when the tag does not verify; out is then wiped. */
int aead_open(uint16_t encr, const uint8_t *key, size_t klen,
	      const uint8_t nonce[AEAD_NONCE_LEN], const uint8_t *aad,
	      size_t alen, const uint8_t *in, size_t len,
	      const uint8_t tag[AEAD_TAG_LEN], uint8_t *out);

#endif
