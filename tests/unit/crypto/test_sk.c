/* SK payload: round trips for every ENCR/INTEG combination, tampering,
 * and malformed payloads (bad pad length, sizes). */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

#include "aead_internal.h"
#include "tutil.h"

struct combo {
	uint16_t encr, keylen, integ;
};

static const struct combo combos[] = {
	{ ENCR_AES_CBC, 128, INTEG_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 128, INTEG_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 128, INTEG_HMAC_SHA2_512_256 },
	{ ENCR_AES_CBC, 256, INTEG_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 256, INTEG_HMAC_SHA2_384_192 },
	{ ENCR_AES_CBC, 256, INTEG_HMAC_SHA2_512_256 },
	{ ENCR_AES_CBC, 256, INTEG_HMAC_SHA1_96 },
	{ ENCR_AES_GCM_16, 128, INTEG_NONE },
	{ ENCR_AES_GCM_16, 256, INTEG_NONE },
	{ ENCR_CHACHA20_POLY1305, 0, INTEG_NONE },
};
#define N_COMBOS (sizeof(combos) / sizeof(combos[0]))

static void fill(struct chunk *c, size_t len, uint8_t seed)
{
	*c = (struct chunk){ 0 };
	CU_ASSERT_FATAL(chunk_alloc(c, len));
	for (size_t i = 0; i < len; i++)
		c->p[i] = (uint8_t)(seed + i * 13);
}

static void make_keys(const struct combo *c, struct ike_keys *k)
{
	size_t el = encr_key_len(c->encr, c->keylen);
	size_t al = encr_is_aead(c->encr) ? 0 : integ_key_len(c->integ);

	*k = (struct ike_keys){ .encr = c->encr, .encr_keylen = c->keylen,
				.integ = c->integ, .prf = PRF_HMAC_SHA2_256 };
	CU_ASSERT_FATAL(el != 0);
	fill(&k->sk_ei, el, 1);
	fill(&k->sk_er, el, 2);
	fill(&k->sk_ai, al, 3);
	fill(&k->sk_ar, al, 4);
}

static void make_hdr(struct ike_hdr *h)
{
	*h = (struct ike_hdr){ .version = IKE_VERSION,
			       .exchange = EXCH_IKE_AUTH,
			       .flags = IKE_FLAG_I, .msg_id = 1 };
	memset(h->spi_i, 0xaa, 8);
	memset(h->spi_r, 0xbb, 8);
}

/* Protects inner, returns the message in w (caller frees). */
static void protect(const struct ike_keys *k, const uint8_t *inner,
		    size_t ilen, struct wbuf *w)
{
	struct ike_hdr h;

	make_hdr(&h);
	wb_init(w);
	CU_ASSERT_EQUAL_FATAL(ike_protect(k, true, &h, PL_IDI, inner, ilen,
					  w), 0);
	CU_ASSERT_EQUAL(h.length, w->len);
	CU_ASSERT_EQUAL(h.next, PL_SK);
	CU_ASSERT_EQUAL(get_u32(w->p + 24), w->len);
	CU_ASSERT_EQUAL(w->p[16], PL_SK);
	CU_ASSERT_EQUAL(w->p[IKE_HDR_LEN], PL_IDI);
	CU_ASSERT_EQUAL(get_u16(w->p + IKE_HDR_LEN + 2), w->len - IKE_HDR_LEN);
}

static bool unprotect_ok(const struct ike_keys *k, const struct wbuf *w,
			 struct chunk *plain, struct verr *e)
{
	return ike_unprotect(k, true, w->p, w->len, IKE_HDR_LEN, plain,
			     e) == 0;
}

static void test_roundtrip(void)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 100, 1000 };
	uint8_t inner[1000];

	for (size_t i = 0; i < sizeof(inner); i++)
		inner[i] = (uint8_t)(i ^ 0x5c);
	for (size_t c = 0; c < N_COMBOS; c++) {
		struct ike_keys k;

		make_keys(&combos[c], &k);
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			struct wbuf w;
			struct chunk plain = { 0 };
			struct verr e = { "" };

			protect(&k, inner, lens[l], &w);
			CU_ASSERT(unprotect_ok(&k, &w, &plain, &e));
			CU_ASSERT(chunk_eq(&plain, inner, lens[l]));
			chunk_free(&plain);
			/* The responder's keys must not open it. */
			CU_ASSERT_EQUAL(ike_unprotect(&k, false, w.p, w.len,
						      IKE_HDR_LEN, &plain,
						      &e), -1);
			wb_free(&w);
		}
		ike_keys_wipe(&k);
	}
}

/* Flips one bit at off and expects an authentication failure. */
static void expect_tamper_fails(const struct ike_keys *k, struct wbuf *w,
				size_t off, const char *what)
{
	struct chunk plain = { 0 };
	struct verr e = { "" };

	w->p[off] ^= 0x01;
	if (unprotect_ok(k, w, &plain, &e)) {
		fprintf(stderr, "tampered %s accepted (encr %u)\n", what,
			k->encr);
		CU_FAIL("tampered message accepted");
		chunk_free(&plain);
	} else {
		CU_ASSERT(strstr(e.msg, "mismatch") != NULL);
	}
	w->p[off] ^= 0x01;
}

static void test_tamper(void)
{
	uint8_t inner[40];

	memset(inner, 0x33, sizeof(inner));
	for (size_t c = 0; c < N_COMBOS; c++) {
		struct ike_keys k;
		struct wbuf w;
		struct chunk plain = { 0 };

		make_keys(&combos[c], &k);
		protect(&k, inner, sizeof(inner), &w);
		/* message id, SK header flags byte, IV, ciphertext, ICV */
		expect_tamper_fails(&k, &w, 20, "header");
		expect_tamper_fails(&k, &w, IKE_HDR_LEN + 1, "SK header");
		expect_tamper_fails(&k, &w, IKE_HDR_LEN + 4, "IV");
		expect_tamper_fails(&k, &w, w.len - 40, "ciphertext");
		expect_tamper_fails(&k, &w, w.len - 1, "ICV");
		/* and the untouched message still opens */
		CU_ASSERT(unprotect_ok(&k, &w, &plain, NULL));
		chunk_free(&plain);
		wb_free(&w);
		ike_keys_wipe(&k);
	}
}

/* Builds header | SK header | IV | CBC(pt) | HMAC-SHA256-128 by hand so
 * that the plaintext (and its pad length byte) can lie. */
static void craft_cbc(const struct ike_keys *k, const uint8_t *pt,
		      size_t ptlen, struct wbuf *w)
{
	struct ike_hdr h;
	uint8_t iv[16], mac[32];
	size_t sklen = 4 + 16 + ptlen + 16, macl = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;

	make_hdr(&h);
	h.next = PL_SK;
	h.length = (uint32_t)(IKE_HDR_LEN + sklen);
	memset(iv, 0x77, sizeof(iv));
	wb_init(w);
	wb_zero(w, IKE_HDR_LEN + sklen);
	ike_hdr_write(w->p, &h);
	w->p[IKE_HDR_LEN] = PL_IDI;
	put_u16(w->p + IKE_HDR_LEN + 2, (uint16_t)sklen);
	memcpy(w->p + 32, iv, 16);
	CU_ASSERT_FATAL(ctx != NULL);
	CU_ASSERT_FATAL(EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL,
					   k->sk_ei.p, iv) == 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	CU_ASSERT_FATAL(EVP_EncryptUpdate(ctx, w->p + 48, &outl, pt,
					  (int)ptlen) == 1);
	EVP_CIPHER_CTX_free(ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256",
		NULL, k->sk_ai.p, k->sk_ai.len, w->p, 48 + ptlen, mac,
		sizeof(mac), &macl));
	memcpy(w->p + 48 + ptlen, mac, 16);
}

static void test_lying_pad_cbc(void)
{
	struct ike_keys k;
	struct wbuf w;
	struct chunk plain = { 0 };
	struct verr e = { "" };
	uint8_t pt[32];

	make_keys(&combos[0], &k);
	memset(pt, 0, sizeof(pt));
	pt[31] = 2; /* honest: 29 bytes payload, 2 pad bytes */
	craft_cbc(&k, pt, sizeof(pt), &w);
	CU_ASSERT(unprotect_ok(&k, &w, &plain, &e));
	CU_ASSERT_EQUAL(plain.len, 29);
	chunk_free(&plain);
	wb_free(&w);

	pt[31] = 32; /* needs 33 bytes */
	craft_cbc(&k, pt, sizeof(pt), &w);
	CU_ASSERT_FALSE(unprotect_ok(&k, &w, &plain, &e));
	CU_ASSERT(strstr(e.msg, "pad length") != NULL);
	wb_free(&w);
	ike_keys_wipe(&k);
}

static void test_lying_pad_aead(void)
{
	struct ike_keys k;
	struct ike_hdr h;
	struct wbuf w;
	struct chunk plain = { 0 };
	struct verr e = { "" };
	uint8_t pt[5] = { 1, 2, 3, 4, 200 }, nonce[12];
	size_t sklen = 4 + 8 + sizeof(pt) + 16;

	make_keys(&combos[7], &k); /* GCM-128 */
	make_hdr(&h);
	h.next = PL_SK;
	h.length = (uint32_t)(IKE_HDR_LEN + sklen);
	wb_init(&w);
	wb_zero(&w, IKE_HDR_LEN + sklen);
	ike_hdr_write(w.p, &h);
	w.p[IKE_HDR_LEN] = PL_IDI;
	put_u16(w.p + IKE_HDR_LEN + 2, (uint16_t)sklen);
	memset(w.p + 32, 0x44, 8);
	memcpy(nonce, k.sk_ei.p + 16, 4);
	memcpy(nonce + 4, w.p + 32, 8);
	CU_ASSERT_EQUAL_FATAL(aead_seal(ENCR_AES_GCM_16, k.sk_ei.p, 16, nonce,
					w.p, 32, pt, sizeof(pt), w.p + 40,
					w.p + 40 + sizeof(pt)), 0);
	CU_ASSERT_FALSE(unprotect_ok(&k, &w, &plain, &e));
	CU_ASSERT(strstr(e.msg, "pad length") != NULL);
	wb_free(&w);
	ike_keys_wipe(&k);
}

/* Cuts the last byte: lengths are patched so only the size rule fails. */
static void test_sizes(void)
{
	struct ike_keys k;
	struct wbuf w;
	struct chunk plain = { 0 };
	struct verr e = { "" };
	uint8_t inner[20] = { 0 };

	make_keys(&combos[0], &k);
	protect(&k, inner, sizeof(inner), &w);
	w.len--;
	put_u32(w.p + 24, (uint32_t)w.len);
	put_u16(w.p + IKE_HDR_LEN + 2, (uint16_t)(w.len - IKE_HDR_LEN));
	CU_ASSERT_FALSE(unprotect_ok(&k, &w, &plain, &e));
	CU_ASSERT(strstr(e.msg, "multiple") != NULL);

	/* Too short for IV + ICV. */
	w.len = IKE_HDR_LEN + 4 + 20;
	put_u32(w.p + 24, (uint32_t)w.len);
	put_u16(w.p + IKE_HDR_LEN + 2, 24);
	CU_ASSERT_FALSE(unprotect_ok(&k, &w, &plain, &e));
	CU_ASSERT(strstr(e.msg, "too short") != NULL);

	/* SK length that does not reach the end of the message. */
	put_u16(w.p + IKE_HDR_LEN + 2, 23);
	CU_ASSERT_FALSE(unprotect_ok(&k, &w, &plain, &e));
	CU_ASSERT(strstr(e.msg, "end of the message") != NULL);

	/* IKE header length disagreeing with the datagram. */
	put_u32(w.p + 24, 999);
	CU_ASSERT_FALSE(unprotect_ok(&k, &w, &plain, &e));
	CU_ASSERT(strstr(e.msg, "header length") != NULL);

	/* Offset past the end. */
	put_u32(w.p + 24, (uint32_t)w.len);
	CU_ASSERT_EQUAL(ike_unprotect(&k, true, w.p, w.len, w.len - 2, &plain,
				      &e), -1);
	wb_free(&w);

	/* Keys shorter than the transform needs. */
	struct wbuf w2;
	struct ike_hdr h;

	make_hdr(&h);
	wb_init(&w2);
	k.sk_ei.len = 8;
	CU_ASSERT_EQUAL(ike_protect(&k, true, &h, PL_IDI, inner, 4, &w2), -1);
	CU_ASSERT_EQUAL(w2.len, 0);
	k.sk_ei.len = 16;
	wb_free(&w2);
	ike_keys_wipe(&k);
}

/* ---- SKF (RFC 7383 2.5) ---- */

/* Fragment num of total carrying part, checked for its layout. */
static void protect_frag(const struct ike_keys *k, uint16_t num,
			 uint16_t total, const uint8_t *part, size_t plen,
			 struct wbuf *w)
{
	struct ike_hdr h;

	make_hdr(&h);
	wb_init(w);
	CU_ASSERT_EQUAL_FATAL(ike_protect_fragment(k, true, &h, PL_IDI, num,
						   total, part, plen, w), 0);
	CU_ASSERT_EQUAL(h.next, PL_SKF);
	CU_ASSERT_EQUAL(w->p[16], PL_SKF);
	CU_ASSERT_EQUAL(get_u32(w->p + 24), w->len);
	/* Only fragment 1 names the first inner payload. */
	CU_ASSERT_EQUAL(w->p[IKE_HDR_LEN], num == 1 ? PL_IDI : 0);
	CU_ASSERT_EQUAL(get_u16(w->p + IKE_HDR_LEN + 2), w->len - IKE_HDR_LEN);
	CU_ASSERT_EQUAL(get_u16(w->p + IKE_HDR_LEN + 4), num);
	CU_ASSERT_EQUAL(get_u16(w->p + IKE_HDR_LEN + 6), total);
}

static bool open_frag(const struct ike_keys *k, const struct wbuf *w,
		      struct chunk *plain, struct verr *e)
{
	return ike_unprotect_fragment(k, true, w->p, w->len, IKE_HDR_LEN,
				      plain, e) == 0;
}

static void test_frag_roundtrip(void)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 500 };
	uint8_t part[500];

	for (size_t i = 0; i < sizeof(part); i++)
		part[i] = (uint8_t)(i * 7 + 1);
	for (size_t c = 0; c < N_COMBOS; c++) {
		struct ike_keys k;

		make_keys(&combos[c], &k);
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			for (uint16_t num = 1; num <= 2; num++) {
				struct wbuf w;
				struct chunk plain = { 0 };
				struct verr e = { "" };

				protect_frag(&k, num, 2, part, lens[l], &w);
				CU_ASSERT(open_frag(&k, &w, &plain, &e));
				CU_ASSERT(chunk_eq(&plain, part, lens[l]));
				chunk_free(&plain);
				/* Not an SK payload: its AAD ends 4 bytes
				 * earlier. */
				CU_ASSERT(!unprotect_ok(&k, &w, &plain, &e));
				CU_ASSERT_EQUAL(ike_unprotect_fragment(
					&k, false, w.p, w.len, IKE_HDR_LEN,
					&plain, &e), -1);
				wb_free(&w);
			}
		}
		ike_keys_wipe(&k);
	}
}

/* Flips one bit at off; the fragment must no longer open. */
static void expect_frag_tamper_fails(const struct ike_keys *k,
				     struct wbuf *w, size_t off,
				     const char *what)
{
	struct chunk plain = { 0 };
	struct verr e = { "" };

	w->p[off] ^= 0x01;
	if (open_frag(k, w, &plain, &e)) {
		fprintf(stderr, "tampered fragment %s accepted (encr %u)\n",
			what, k->encr);
		CU_FAIL("tampered fragment accepted");
		chunk_free(&plain);
	} else {
		CU_ASSERT(strstr(e.msg, "mismatch") != NULL);
	}
	w->p[off] ^= 0x01;
}

/* RFC 7383 2.5: the ICV covers the IKE header and the whole SKF header,
 * so the inner type, either number and the flags cannot be changed. */
static void test_frag_tamper(void)
{
	uint8_t part[40];

	memset(part, 0x44, sizeof(part));
	for (size_t c = 0; c < N_COMBOS; c++) {
		struct ike_keys k;
		struct wbuf w;
		struct chunk plain = { 0 };

		make_keys(&combos[c], &k);
		protect_frag(&k, 1, 3, part, sizeof(part), &w);
		expect_frag_tamper_fails(&k, &w, 20, "message ID");
		expect_frag_tamper_fails(&k, &w, IKE_HDR_LEN, "next payload");
		expect_frag_tamper_fails(&k, &w, IKE_HDR_LEN + 1, "flags");
		expect_frag_tamper_fails(&k, &w, IKE_HDR_LEN + 5, "number");
		expect_frag_tamper_fails(&k, &w, IKE_HDR_LEN + 7, "total");
		expect_frag_tamper_fails(&k, &w, IKE_HDR_LEN + 8, "IV");
		expect_frag_tamper_fails(&k, &w, w.len - 1, "ICV");
		CU_ASSERT(open_frag(&k, &w, &plain, NULL));
		chunk_free(&plain);
		wb_free(&w);
		ike_keys_wipe(&k);
	}
}

/* ike_fragment_room is exact: that many bytes make a message of at most
 * msg_len bytes, one more does not. */
static void test_frag_room(void)
{
	static const size_t sizes[] = { 100, 548, 1232, 1252, 1500 };
	uint8_t part[1500] = { 0 };

	for (size_t c = 0; c < N_COMBOS; c++) {
		struct ike_keys k;

		make_keys(&combos[c], &k);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t room = ike_fragment_room(&k, sizes[i]);
			struct wbuf w;

			CU_ASSERT_FATAL(room > 0 && room < sizes[i]);
			protect_frag(&k, 1, 1, part, room, &w);
			CU_ASSERT(w.len <= sizes[i]);
			wb_free(&w);
			protect_frag(&k, 1, 1, part, room + 1, &w);
			CU_ASSERT(w.len > sizes[i]);
			wb_free(&w);
		}
		CU_ASSERT_EQUAL(ike_fragment_room(&k, IKE_HDR_LEN + SKF_HDR_LEN),
				0);
		ike_keys_wipe(&k);
	}
}

static void test_frag_numbers(void)
{
	struct ike_keys k;
	struct ike_hdr h;
	struct wbuf w;
	uint8_t part[4] = { 0 };

	make_keys(&combos[0], &k);
	make_hdr(&h);
	wb_init(&w);
	CU_ASSERT_EQUAL(ike_protect_fragment(&k, true, &h, PL_IDI, 0, 2, part,
					     4, &w), -1);
	CU_ASSERT_EQUAL(ike_protect_fragment(&k, true, &h, PL_IDI, 3, 2, part,
					     4, &w), -1);
	CU_ASSERT_EQUAL(w.len, 0);
	wb_free(&w);
	ike_keys_wipe(&k);
}

void add_sk_tests(void)
{
	CU_pSuite s = CU_add_suite("crypto-sk", NULL, NULL);

	CU_add_test(s, "protect/unprotect all combinations", test_roundtrip);
	CU_add_test(s, "tampered header/IV/ciphertext/ICV", test_tamper);
	CU_add_test(s, "lying pad length (CBC)", test_lying_pad_cbc);
	CU_add_test(s, "lying pad length (GCM)", test_lying_pad_aead);
	CU_add_test(s, "malformed sizes", test_sizes);
	CU_add_test(s, "SKF protect/unprotect all combinations",
		    test_frag_roundtrip);
	CU_add_test(s, "SKF tampered header/numbers/IV/ICV", test_frag_tamper);
	CU_add_test(s, "SKF room per fragment", test_frag_room);
	CU_add_test(s, "SKF invalid numbers", test_frag_numbers);
}
