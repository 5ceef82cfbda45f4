/* The steps of MS-CHAPv2 (RFC 2759 8) and MPPE key derivation (RFC 3079
 * 3), named after the RFCs' functions; mschapv2_respond strings them
 * together. Known-answer tests call them one by one. All return 0 or -1
 * (with a reason in *e where given). */
#ifndef VPND_CRYPTO_MSCHAPV2_INTERNAL_H
#define VPND_CRYPTO_MSCHAPV2_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/buf.h"
#include "vpnd/crypto.h"

#define MSCHAPV2_HASH_LEN 16
#define MSCHAPV2_CHALLENGE_HASH_LEN 8
#define MSCHAPV2_UTF16_MAX (2 * MSCHAPV2_PASSWORD_MAX)

/* UTF-8 to UTF-16LE: refuses overlong forms, surrogates, code points
 * above U+10FFFF, truncated sequences, and more than
 * MSCHAPV2_PASSWORD_MAX code units. out holds MSCHAPV2_UTF16_MAX bytes;
 * *outlen is the byte count. */
int mschapv2_utf16le(const char *in, size_t len, uint8_t *out,
		     size_t *outlen, struct verr *e);

/* SHA-1(PeerChallenge | AuthenticatorChallenge | UserName), first 8
 * bytes; the domain prefix of name is left out. */
int mschapv2_challenge_hash(const uint8_t peer_challenge[16],
			    const uint8_t auth_challenge[16], const char *name,
			    size_t name_len, uint8_t out[8], struct verr *e);
/* MD4 of the UTF-16LE password. */
int mschapv2_nt_password_hash(const char *password, size_t len,
			      uint8_t out[16], struct verr *e);
/* MD4 of the password hash. */
int mschapv2_hash_nt_password_hash(const uint8_t hash[16], uint8_t out[16],
				   struct verr *e);
/* The challenge encrypted with DES under the three 7-byte parts of the
 * zero-padded 21-byte password hash. */
int mschapv2_challenge_response(const uint8_t challenge[8],
				const uint8_t hash[16], uint8_t out[24],
				struct verr *e);
/* The 56-bit key to a DES key: 7 bits a byte, odd parity in the low bit. */
void mschapv2_des_key(const uint8_t in[7], uint8_t out[8]);
int mschapv2_generate_nt_response(const uint8_t auth_challenge[16],
				  const uint8_t peer_challenge[16],
				  const char *name, size_t name_len,
				  const char *password, size_t password_len,
				  uint8_t out[24], struct verr *e);
/* From the password hash hash (the RFC's GenerateAuthenticatorResponse
 * computes it from the password first); out is NUL-ended. */
int mschapv2_authenticator_response(const uint8_t hash_hash[16],
				    const uint8_t nt_response[24],
				    const uint8_t peer_challenge[16],
				    const uint8_t auth_challenge[16],
				    const char *name, size_t name_len,
				    char out[MSCHAPV2_AUTH_RESPONSE_LEN + 1],
				    struct verr *e);

/* RFC 3079 3.4 GetMasterKey: SHA-1(hash hash | NT-Response | Magic1),
 * first 16 bytes. */
int mschapv2_master_key(const uint8_t hash_hash[16],
			const uint8_t nt_response[24], uint8_t out[16],
			struct verr *e);
/* RFC 3079 3.4 GetAsymmetricStartKey for 128-bit keys. */
int mschapv2_start_key(const uint8_t master_key[16], bool send, bool server,
		       uint8_t out[16], struct verr *e);
/* The peer's MSK: MasterSendKey | MasterReceiveKey | 32 zero bytes (the
 * authenticator's MasterReceiveKey | MasterSendKey: the same bytes). */
int mschapv2_msk(const uint8_t hash_hash[16], const uint8_t nt_response[24],
		 uint8_t out[64], struct verr *e);

#endif
