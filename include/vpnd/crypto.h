/* All cryptography goes through OpenSSL 3 (libcrypto). Functions return 0
 * on success and -1 on failure (with a reason in *e where one is taken).
 * Secrets live in struct chunk and are wiped by chunk_free. */
#ifndef VPND_CRYPTO_H
#define VPND_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "vpnd/buf.h"
#include "vpnd/wire.h"

/* ---- algorithm facts ---- */
bool dh_supported(uint16_t group);
bool prf_supported(uint16_t prf);
bool encr_supported(uint16_t encr, uint16_t keylen_bits);
bool encr_is_aead(uint16_t encr);
bool integ_supported(uint16_t integ);
size_t prf_len(uint16_t prf);           /* output = preferred key length */
size_t integ_key_len(uint16_t integ);
size_t integ_icv_len(uint16_t integ);   /* truncated length on the wire */
/* Key length of SK_e including the salt for AEADs (e.g. GCM-128: 16+4). */
size_t encr_key_len(uint16_t encr, uint16_t keylen_bits);

/* ---- PRF (RFC 7296 2.13) ---- */
/* out must hold prf_len(prf) bytes. */
int prf_compute(uint16_t prf, const uint8_t *key, size_t klen,
		const uint8_t *data, size_t dlen, uint8_t *out);
/* prf+ with at most 255 iterations; -1 if outlen needs more. */
int prf_plus(uint16_t prf, const uint8_t *key, size_t klen,
	     const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen);

/* ---- Diffie-Hellman (groups 14, 15, 16, 19, 20, 21, 31) ---- */
struct dh;
struct dh *dh_new(uint16_t group, struct verr *e);
/* Public value in IKE encoding: MODP big-endian padded to the prime
 * length; ECP x|y each padded to the field size (RFC 5903); X25519 raw. */
int dh_public(struct dh *dh, struct chunk *pub);
/* Rejects a peer value of the wrong length or not on the curve. Shared
 * secret in IKE encoding (ECP: x coordinate only, padded). */
int dh_shared(struct dh *dh, const uint8_t *peer, size_t plen,
	      struct chunk *secret, struct verr *e);
uint16_t dh_group(const struct dh *dh);
void dh_free(struct dh *dh);
/* Operation counter for tests and benchmarks (DH computations done). */
unsigned long dh_op_count(void);

/* ---- IKE SA keys (RFC 7296 2.14) ---- */
struct ike_keys {
	uint16_t encr;
	uint16_t encr_keylen; /* bits, 0 if the algorithm has a fixed size */
	uint16_t integ;       /* INTEG_NONE with AEAD */
	uint16_t prf;
	struct chunk sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};

/* SKEYSEED = prf(Ni | Nr, g^ir) (AES-XCBC/CMAC truncation not needed: we
 * only offer HMAC PRFs). */
int ike_skeyseed(uint16_t prf, const struct chunk *ni, const struct chunk *nr,
		 const struct chunk *gir, struct chunk *skeyseed);
/* RFC 5723: SKEYSEED = prf(SK_d(old), "Resumption" | Ni | Nr). */
int ike_skeyseed_resume(uint16_t prf, const struct chunk *sk_d_old,
			const struct chunk *ni, const struct chunk *nr,
			struct chunk *skeyseed);
/* Rekeying the IKE SA (RFC 7296 2.18): SKEYSEED = prf(SK_d(old), g^ir
 * (new) | Ni | Nr), with the old SA's PRF; Ni and Nr are the rekey's. */
int ike_skeyseed_rekey(uint16_t prf, const struct chunk *sk_d_old,
		       const struct chunk *gir, const struct chunk *ni,
		       const struct chunk *nr, struct chunk *skeyseed);
/* {SK_d|SK_ai|SK_ar|SK_ei|SK_er|SK_pi|SK_pr} = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr).
 * k->encr, encr_keylen, integ and prf must be set by the caller. */
int ike_keys_derive(struct ike_keys *k, const struct chunk *skeyseed,
		    const struct chunk *ni, const struct chunk *nr,
		    const uint8_t spi_i[8], const uint8_t spi_r[8]);
void ike_keys_wipe(struct ike_keys *k);

/* Child SA KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr); out is filled with
 * outlen bytes. */
int child_keymat(uint16_t prf, const struct chunk *sk_d,
		 const struct chunk *gir, const struct chunk *ni,
		 const struct chunk *nr, uint8_t *out, size_t outlen);

/* ---- SK payload (RFC 7296 3.14, RFC 5282 for AEAD, RFC 7634) ---- */
/* Builds a whole protected message: IKE header (length filled in here)
 * followed by one SK payload whose next field is first_inner, carrying
 * the inner payload chain 'inner'. 'initiator' selects SK_ei/SK_ai
 * (true) or SK_er/SK_ar. The output is appended to 'out'. */
int ike_protect(const struct ike_keys *k, bool initiator, struct ike_hdr *hdr,
		uint8_t first_inner, const uint8_t *inner, size_t ilen,
		struct wbuf *out);
/* Verifies and decrypts the SK payload whose generic header is at
 * msg+sk_off (it must be the last payload). from_initiator selects the
 * keys the sender used. On success plain holds the inner chain (padding
 * and pad length removed); its first type is the SK payload's next. */
int ike_unprotect(const struct ike_keys *k, bool from_initiator,
		  const uint8_t *msg, size_t mlen, size_t sk_off,
		  struct chunk *plain, struct verr *e);

/* ---- SKF, one fragment (RFC 7383 2.5) ----
 * The same protection as SK, with the ICV also covering the fragment
 * numbers. ike_protect_fragment builds fragment frag_num of total: the
 * IKE header (length filled in) and one SKF payload carrying part, this
 * fragment's share of the inner chain; first_inner goes into fragment 1
 * only (the others carry 0). */
int ike_protect_fragment(const struct ike_keys *k, bool initiator,
			 struct ike_hdr *hdr, uint8_t first_inner,
			 uint16_t frag_num, uint16_t total,
			 const uint8_t *part, size_t plen, struct wbuf *out);
/* Verifies and decrypts the SKF payload at msg+skf_off (the last
 * payload; skf_parse has checked its numbers). plain is this fragment's
 * share of the inner chain. */
int ike_unprotect_fragment(const struct ike_keys *k, bool from_initiator,
			   const uint8_t *msg, size_t mlen, size_t skf_off,
			   struct chunk *plain, struct verr *e);
/* The most inner-chain bytes one fragment carries when its whole IKE
 * message may be msg_len bytes long (IV, ICV, padding taken off); 0 when
 * none fit. */
size_t ike_fragment_room(const struct ike_keys *k, size_t msg_len);

/* ---- AUTH (RFC 7296 2.15, RFC 7427) ---- */
/* Signed octets: RealMessage | Nonce | prf(SK_p, RestOfIDPayload). */
int auth_signed_octets(uint16_t prf, const struct chunk *sk_p,
		       const uint8_t *real_msg, size_t mlen,
		       const struct chunk *peer_nonce, const uint8_t *id_body,
		       size_t id_len, struct chunk *octets);
/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), octets). */
int auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len,
	     const struct chunk *octets, struct chunk *auth);
/* Constant-time check of a received PSK AUTH. */
bool auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len,
		     const struct chunk *octets, const uint8_t *recv,
		     size_t recv_len);
/* After a resume (RFC 5723 5.1): AUTH = prf(SK_px, octets), method 2.
 * The octets depend on the form (see enum resume_auth_form): the
 * sender's IKE_SESSION_RESUME message alone, or the RFC 7296 signed
 * octets built on it. peer_nonce and id_body (RestOfIDPayload) are used
 * by the latter only. */
int auth_resume_octets(enum resume_auth_form form, uint16_t prf,
		       const struct chunk *sk_p, const uint8_t *resume_msg,
		       size_t mlen, const struct chunk *peer_nonce,
		       const uint8_t *id_body, size_t id_len,
		       struct chunk *octets);
int auth_resume(uint16_t prf, const struct chunk *sk_p,
		const struct chunk *octets, struct chunk *auth);
bool auth_resume_verify(uint16_t prf, const struct chunk *sk_p,
			const struct chunk *octets, const uint8_t *recv,
			size_t recv_len);
/* Picks the method for our key: AUTH_DIGITAL_SIG (14) when the peer
 * announced a usable hash in SIGNATURE_HASH_ALGORITHMS, else the classic
 * method for the key (RSA: 1, P-256/384/521: 9/10/11). */
int auth_sig_sign(EVP_PKEY *key, const uint16_t *peer_hashes, size_t n_hashes,
		  const struct chunk *octets, uint8_t *method,
		  struct chunk *auth, struct verr *e);
/* Verifies AUTH data with the peer's public key for methods 1, 9, 10, 11
 * and 14 (RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA with SHA-2). */
int auth_sig_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *data,
		    size_t len, const struct chunk *octets, struct verr *e);
/* Signature operations done (sign + verify), for tests and benchmarks. */
unsigned long sig_op_count(void);

/* ---- X.509 ---- */
X509 *x509_load_pem(const char *path, struct verr *e);
EVP_PKEY *pkey_load_pem(const char *path, struct verr *e);
X509 *x509_from_der(const uint8_t *der, size_t len, struct verr *e);
/* Every certificate of a PEM file (a bundle), at least one; a broken
 * block is an error. */
STACK_OF(X509) *x509_load_pem_all(const char *path, struct verr *e);
/* The CRLs of a file: PEM with one or more, or exactly one DER CRL. */
STACK_OF(X509_CRL) *x509_load_crls(const char *path, struct verr *e);

/* What a chain is checked against: every certificate of ca_file (PEM,
 * one or more) is a trust anchor, root or intermediate; crl_file, if
 * not NULL, holds the CRLs every certificate of the chain is checked
 * against (the rules in x509_verify.c). */
struct x509_trust {
	const char *ca_file;
	const char *crl_file;
};
/* Verifies cert (plus optional untrusted intermediates) with the current
 * time. A failure names the depth, subject, issuer and OpenSSL's reason.
 * note (may be NULL) gets what was let pass, such as a stale CRL, or "". */
int x509_verify(X509 *cert, STACK_OF(X509) *untrusted,
		const struct x509_trust *t, struct verr *note, struct verr *e);
/* x509_verify without CRLs and note. */
int x509_verify_chain(X509 *cert, STACK_OF(X509) *untrusted,
		      const char *ca_file, struct verr *e);
/* A name as strongSwan prints it: "C=CH, O=vpnd, CN=gw.example.org". */
const char *x509_name_text(const X509_NAME *name, char *out, size_t len);
/* The same from a DER DN (an ID_DER_ASN1_DN identity). */
const char *x509_dn_text(const uint8_t *der, size_t dlen, char *out,
			 size_t len);
/* The certificate's email, DNS and IP SANs as "email 'a@b', DNS 'c'",
 * as many as fit; returns how many were written. */
size_t x509_san_text(X509 *cert, char *out, size_t len);
/* True when the certificate carries the identity: ID_FQDN vs DNS SAN,
 * ID_RFC822_ADDR vs email SAN, ID_IPV4/IPV6 vs IP SAN, ID_DER_ASN1_DN vs
 * the subject DN (DER compare). */
bool x509_has_id(X509 *cert, uint8_t id_type, const uint8_t *data,
		 size_t len);

/* ---- MS-CHAPv2 (RFC 2759) and its MSK (RFC 3079), the peer's side ----
 * MD4 and DES come from OpenSSL's legacy provider, loaded into a library
 * context of this module's own (never the default one) on first use and
 * freed by mschapv2_teardown or at exit. Not thread-safe: the daemon
 * calls it from its loop only. */
#define MSCHAPV2_CHALLENGE_LEN 16
#define MSCHAPV2_NT_RESPONSE_LEN 24
/* "S=" and 40 uppercase hex digits (RFC 2759 8.7). */
#define MSCHAPV2_AUTH_RESPONSE_LEN 42
#define MSCHAPV2_MSK_LEN 64
/* RFC 2759 8.1: a password is 0 to 256 Unicode characters, counted here
 * as UTF-16 code units (a character outside the BMP takes two). */
#define MSCHAPV2_PASSWORD_MAX 256

struct mschapv2_peer {
	uint8_t nt_response[MSCHAPV2_NT_RESPONSE_LEN];
	/* The authenticator response the gateway must send, NUL-ended. */
	char auth_response[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	/* MasterSendKey | MasterReceiveKey | 32 zero bytes, both keys the
	 * peer's 16-byte start keys: the MSK IKEv2 AUTH is computed with. */
	uint8_t msk[MSCHAPV2_MSK_LEN];
};

/* The user name ChallengeHash uses: name without a "DOMAIN\" prefix
 * (everything up to the first backslash). Points into name. */
const char *mschapv2_user_name(const char *name, size_t len, size_t *ulen);
/* Answers the gateway's challenge: name as sent in the Response (a
 * domain prefix is left out of the hash here), password in UTF-8 (an
 * invalid sequence or more than MSCHAPV2_PASSWORD_MAX UTF-16 units is
 * refused). Every intermediate secret is wiped; p holds key material
 * until mschapv2_peer_wipe. */
int mschapv2_respond(struct mschapv2_peer *p,
		     const uint8_t auth_challenge[MSCHAPV2_CHALLENGE_LEN],
		     const uint8_t peer_challenge[MSCHAPV2_CHALLENGE_LEN],
		     const char *name, size_t name_len, const char *password,
		     size_t password_len, struct verr *e);
/* Constant-time check of the gateway's authenticator response: "S=" and
 * 40 hex digits (either case), optionally followed by a space and the
 * rest of the Success message (" M=..."). */
bool mschapv2_verify(const struct mschapv2_peer *p, const uint8_t *recv,
		     size_t len);
void mschapv2_peer_wipe(struct mschapv2_peer *p);
/* Frees the legacy provider's library context; the next use makes it
 * again. */
void mschapv2_teardown(void);

/* ---- misc ---- */
int random_bytes(uint8_t *out, size_t n);
/* SHA-1 for NAT detection: SHA1(SPIi | SPIr | IP | port). */
int natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
	      const uint8_t *ip, size_t ip_len, uint16_t port,
	      uint8_t out[20]);
int sha256_digest(const uint8_t *p, size_t len, uint8_t out[32]);

#endif
