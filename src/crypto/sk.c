/* The Encrypted (SK) payload: RFC 7296 3.14 with AES-CBC + HMAC-SHA2
 * (RFC 4868), RFC 5282 AES-GCM and RFC 7634 ChaCha20-Poly1305. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

#include "aead_internal.h"
#include "crypto_internal.h"

#define CBC_BLOCK 16

/* Sizes of the SK payload parts for the negotiated transforms. */
struct sk_layout {
	bool aead;
	size_t iv;
	size_t icv;
	size_t block;   /* ciphertext granularity; 1 for the AEADs */
	size_t ekey;    /* SK_e bytes including the AEAD salt */
	size_t akey;
};

static bool sk_layout(const struct ike_keys *k, struct sk_layout *l)
{
	l->aead = encr_is_aead(k->encr);
	l->ekey = encr_key_len(k->encr, k->encr_keylen);
	if (!l->ekey)
		return false;
	if (l->aead) {
		l->iv = AEAD_IV_LEN;
		l->icv = AEAD_ICV_LEN;
		l->block = 1;
		l->akey = 0;
		return true;
	}
	l->iv = CBC_BLOCK;
	l->block = CBC_BLOCK;
	l->icv = integ_icv_len(k->integ);
	l->akey = integ_key_len(k->integ);
	return l->akey != 0;
}

static bool keys_fit(const struct sk_layout *l, const struct chunk *ek,
		     const struct chunk *ak)
{
	return ek->p && ek->len == l->ekey &&
	       (l->aead || (ak->p && ak->len == l->akey));
}

static int cbc_crypt(const struct chunk *key, const uint8_t *iv,
		     const uint8_t *in, size_t len, uint8_t *out, int enc)
{
	const EVP_CIPHER *c = key->len == 16 ? EVP_aes_128_cbc() :
			      key->len == 32 ? EVP_aes_256_cbc() : NULL;
	EVP_CIPHER_CTX *ctx;
	int outl = 0, fin = 0, rc = -1;

	if (!c || len % CBC_BLOCK || len > INT_MAX)
		return -1;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -1;
	/* IKE has its own padding; OpenSSL's PKCS#7 must stay off. */
	if (EVP_CipherInit_ex(ctx, c, NULL, key->p, iv, enc) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, out, &outl, in, (int)len) &&
	    EVP_CipherFinal_ex(ctx, out + outl, &fin) &&
	    (size_t)(outl + fin) == len)
		rc = 0;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Full HMAC over msg, truncated to the ICV length of the transform. */
static int integ_icv(uint16_t integ, const struct chunk *key,
		     const uint8_t *msg, size_t len, uint8_t *icv)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	struct part p = { msg, len };

	if (hmac_parts(integ_digest(integ), key->p, key->len, &p, 1,
		       full) < 0)
		return -1;
	memcpy(icv, full, integ_icv_len(integ));
	return 0;
}

/* AEAD nonce = salt (last 4 bytes of SK_e) | explicit IV. */
static void aead_nonce(const struct chunk *ek, const uint8_t *iv,
		       uint8_t nonce[AEAD_NONCE_LEN])
{
	memcpy(nonce, ek->p + ek->len - AEAD_SALT_LEN, AEAD_SALT_LEN);
	memcpy(nonce + AEAD_SALT_LEN, iv, AEAD_IV_LEN);
}

/* Encrypts pt into ct and appends the ICV; msg is the whole message so
 * far (header, SK header, IV) which both modes authenticate. */
static int seal_body(const struct ike_keys *k, const struct sk_layout *l,
		     const struct chunk *ek, const struct chunk *ak,
		     uint8_t *msg, size_t hdr_len, const uint8_t *pt,
		     size_t ctlen)
{
	uint8_t *iv = msg + hdr_len;
	uint8_t *ct = iv + l->iv;
	uint8_t nonce[AEAD_NONCE_LEN];

	if (l->aead) {
		aead_nonce(ek, iv, nonce);
		return aead_seal(k->encr, ek->p, ek->len - AEAD_SALT_LEN,
				 nonce, msg, hdr_len, pt, ctlen, ct,
				 ct + ctlen);
	}
	if (cbc_crypt(ek, iv, pt, ctlen, ct, 1) < 0)
		return -1;
	return integ_icv(k->integ, ak, msg, hdr_len + l->iv + ctlen,
			 ct + ctlen);
}

/* The protected payload's part between the IKE header and the IV: the
 * SK generic header, or SKF's with the fragment numbers. Both modes
 * authenticate it with the IKE header (RFC 7296 3.14, RFC 7383 2.5). */
struct sk_head {
	uint8_t type;      /* PL_SK or PL_SKF */
	uint8_t next;      /* the first inner payload, 0 in later fragments */
	uint16_t frag_num; /* SKF only */
	uint16_t total;
};

static size_t head_len(const struct sk_head *hd)
{
	return hd->type == PL_SKF ? SKF_HDR_LEN : IKE_PAYLOAD_HDR_LEN;
}

static void head_write(uint8_t *p, const struct sk_head *hd, size_t plen)
{
	if (hd->type == PL_SKF) {
		/* plen fits: protect_payload checked it against
		 * IKE_MAX_MSG. */
		skf_header_write(p, hd->next, hd->frag_num, hd->total,
				 plen - SKF_HDR_LEN);
		return;
	}
	p[0] = hd->next;
	p[1] = 0;
	put_u16(p + 2, (uint16_t)plen);
}

/* The cleartext to encrypt: inner, the padding, the pad length. */
static uint8_t *padded_plaintext(const uint8_t *inner, size_t ilen,
				 size_t padlen)
{
	size_t ctlen = ilen + padlen + 1;
	uint8_t *pt = malloc(ctlen);

	if (!pt)
		return NULL;
	if (ilen)
		memcpy(pt, inner, ilen);
	memset(pt + ilen, 0, padlen);
	pt[ctlen - 1] = (uint8_t)padlen;
	return pt;
}

static int protect_payload(const struct ike_keys *k, bool initiator,
			   struct ike_hdr *hdr, const struct sk_head *hd,
			   const uint8_t *inner, size_t ilen,
			   struct wbuf *out)
{
	const struct chunk *ek = initiator ? &k->sk_ei : &k->sk_er;
	const struct chunk *ak = initiator ? &k->sk_ai : &k->sk_ar;
	const size_t hdr_len = IKE_HDR_LEN + head_len(hd);
	struct sk_layout l;
	size_t padlen, ctlen, sklen, start = out->len;
	uint8_t *msg, *pt;
	int rc;

	if (!sk_layout(k, &l) || !keys_fit(&l, ek, ak) || ilen > IKE_MAX_MSG)
		return -1;
	padlen = (l.block - (ilen + 1) % l.block) % l.block;
	ctlen = ilen + padlen + 1;
	sklen = head_len(hd) + l.iv + ctlen + l.icv;
	if (IKE_HDR_LEN + sklen > IKE_MAX_MSG)
		return -1;
	hdr->next = hd->type;
	hdr->length = (uint32_t)(IKE_HDR_LEN + sklen);
	pt = padded_plaintext(inner, ilen, padlen);
	if (!pt || !wb_reserve(out, IKE_HDR_LEN + sklen)) {
		free(pt);
		return -1;
	}
	wb_zero(out, IKE_HDR_LEN + sklen);
	msg = out->p + start;
	ike_hdr_write(msg, hdr);
	head_write(msg + IKE_HDR_LEN, hd, sklen);
	/* A random explicit IV: CBC needs unpredictability, and for the
	 * AEADs 64 random bits per message keep repeats negligible over
	 * the life of an IKE SA. */
	rc = random_bytes(msg + hdr_len, l.iv);
	if (rc == 0)
		rc = seal_body(k, &l, ek, ak, msg, hdr_len, pt, ctlen);
	OPENSSL_cleanse(pt, ctlen);
	free(pt);
	if (rc < 0 || out->oom) {
		out->len = start;
		return -1;
	}
	return 0;
}

int ike_protect(const struct ike_keys *k, bool initiator, struct ike_hdr *hdr,
		uint8_t first_inner, const uint8_t *inner, size_t ilen,
		struct wbuf *out)
{
	const struct sk_head hd = { .type = PL_SK, .next = first_inner };

	return protect_payload(k, initiator, hdr, &hd, inner, ilen, out);
}

int ike_protect_fragment(const struct ike_keys *k, bool initiator,
			 struct ike_hdr *hdr, uint8_t first_inner,
			 uint16_t frag_num, uint16_t total,
			 const uint8_t *part, size_t plen, struct wbuf *out)
{
	/* Only fragment 1 names the inner chain's first payload; the
	 * others carry 0 (RFC 7383 2.5). */
	const struct sk_head hd = { .type = PL_SKF,
				    .next = frag_num == 1 ? first_inner : 0,
				    .frag_num = frag_num, .total = total };

	if (frag_num == 0 || frag_num > total)
		return -1;
	return protect_payload(k, initiator, hdr, &hd, part, plen, out);
}

size_t ike_fragment_room(const struct ike_keys *k, size_t msg_len)
{
	struct sk_layout l;
	size_t fixed, ct;

	if (!sk_layout(k, &l))
		return 0;
	fixed = IKE_HDR_LEN + SKF_HDR_LEN + l.iv + l.icv;
	if (msg_len > IKE_MAX_MSG)
		msg_len = IKE_MAX_MSG;
	if (msg_len <= fixed)
		return 0;
	/* Whole blocks of ciphertext, one byte of which is the pad
	 * length. */
	ct = (msg_len - fixed) / l.block * l.block;
	return ct ? ct - 1 : 0;
}

/* Checks the ICV (CBC) or tag (AEAD) and decrypts the ciphertext into pt. */
static int open_body(const struct ike_keys *k, const struct sk_layout *l,
		     const struct chunk *ek, const struct chunk *ak,
		     const uint8_t *msg, size_t aad_len, size_t ctlen,
		     uint8_t *pt, struct verr *e)
{
	const uint8_t *iv = msg + aad_len;
	const uint8_t *ct = iv + l->iv;
	const uint8_t *icv = ct + ctlen;
	uint8_t nonce[AEAD_NONCE_LEN], want[EVP_MAX_MD_SIZE];

	if (l->aead) {
		aead_nonce(ek, iv, nonce);
		if (aead_open(k->encr, ek->p, ek->len - AEAD_SALT_LEN, nonce,
			      msg, aad_len, ct, ctlen, icv, pt) < 0) {
			verr_set(e, "SK payload: authentication tag mismatch");
			return -1;
		}
		return 0;
	}
	if (integ_icv(k->integ, ak, msg, aad_len + l->iv + ctlen, want) < 0) {
		verr_set(e, "SK payload: integrity computation failed");
		return -1;
	}
	if (CRYPTO_memcmp(want, icv, l->icv) != 0) {
		verr_set(e, "SK payload: ICV mismatch");
		return -1;
	}
	if (cbc_crypt(ek, iv, ct, ctlen, pt, 0) < 0) {
		verr_set(e, "SK payload: decryption failed");
		return -1;
	}
	return 0;
}

/* Validates the SK generic header and the sizes before any crypto. */
static int sk_sizes(const struct sk_layout *l, const uint8_t *msg,
		    size_t mlen, size_t sk_off, size_t fixed, size_t *ctlen,
		    struct verr *e)
{
	struct rbuf r;
	uint8_t next, flags;
	uint16_t plen;
	size_t body;

	if (mlen < IKE_HDR_LEN || get_u32(msg + 24) != mlen) {
		verr_set(e, "SK payload: IKE header length does not match "
			 "the message (%zu bytes)", mlen);
		return -1;
	}
	if (sk_off < IKE_HDR_LEN || sk_off > mlen) {
		verr_set(e, "SK payload: offset %zu outside the message",
			 sk_off);
		return -1;
	}
	rb_init(&r, msg + sk_off, mlen - sk_off);
	if (!rb_u8(&r, &next) || !rb_u8(&r, &flags) || !rb_u16(&r, &plen)) {
		verr_set(e, "SK payload: truncated generic header");
		return -1;
	}
	if (plen != mlen - sk_off) {
		verr_set(e, "SK payload: length %u does not reach the end of "
			 "the message (%zu bytes left)", plen, mlen - sk_off);
		return -1;
	}
	if (plen < fixed) {
		verr_set(e, "SK payload: length %u, below its %zu-byte header",
			 plen, fixed);
		return -1;
	}
	body = plen - fixed;
	if (body < l->iv + l->icv + l->block) {
		verr_set(e, "SK payload: %zu bytes, too short for IV, "
			 "pad length and ICV", body);
		return -1;
	}
	*ctlen = body - l->iv - l->icv;
	if (*ctlen % l->block) {
		verr_set(e, "SK payload: ciphertext of %zu bytes is not a "
			 "multiple of the %zu-byte block", *ctlen, l->block);
		return -1;
	}
	return 0;
}

/* Opens the SK or SKF payload at sk_off, whose part before the IV is
 * fixed bytes long (and authenticated with the IKE header). */
static int unprotect_payload(const struct ike_keys *k, bool from_initiator,
			     const uint8_t *msg, size_t mlen, size_t sk_off,
			     size_t fixed, struct chunk *plain,
			     struct verr *e)
{
	const struct chunk *ek = from_initiator ? &k->sk_ei : &k->sk_er;
	const struct chunk *ak = from_initiator ? &k->sk_ai : &k->sk_ar;
	struct sk_layout l;
	struct chunk pt = { 0 };
	size_t ctlen, padlen;

	*plain = (struct chunk){ 0 };
	if (!sk_layout(k, &l) || !keys_fit(&l, ek, ak)) {
		verr_set(e, "SK payload: keys do not match the transforms");
		return -1;
	}
	if (sk_sizes(&l, msg, mlen, sk_off, fixed, &ctlen, e) < 0)
		return -1;
	if (!chunk_alloc(&pt, ctlen)) {
		verr_set(e, "out of memory");
		return -1;
	}
	if (open_body(k, &l, ek, ak, msg, sk_off + fixed, ctlen, pt.p,
		      e) < 0) {
		chunk_free(&pt);
		return -1;
	}
	padlen = pt.p[ctlen - 1];
	if (padlen + 1 > ctlen) {
		verr_set(e, "SK payload: pad length %zu overruns the %zu "
			 "decrypted bytes", padlen, ctlen);
		chunk_free(&pt);
		return -1;
	}
	/* Shrink in place: the tail stays inside the allocation and is
	 * wiped so that chunk_free later covers only the payload. */
	OPENSSL_cleanse(pt.p + ctlen - padlen - 1, padlen + 1);
	pt.len = ctlen - padlen - 1;
	*plain = pt;
	return 0;
}

int ike_unprotect(const struct ike_keys *k, bool from_initiator,
		  const uint8_t *msg, size_t mlen, size_t sk_off,
		  struct chunk *plain, struct verr *e)
{
	return unprotect_payload(k, from_initiator, msg, mlen, sk_off,
				 IKE_PAYLOAD_HDR_LEN, plain, e);
}

int ike_unprotect_fragment(const struct ike_keys *k, bool from_initiator,
			   const uint8_t *msg, size_t mlen, size_t skf_off,
			   struct chunk *plain, struct verr *e)
{
	return unprotect_payload(k, from_initiator, msg, mlen, skf_off,
				 SKF_HDR_LEN, plain, e);
}
