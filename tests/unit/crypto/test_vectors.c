/* Known-answer tests against published vectors: RFC 4231 (HMAC-SHA2),
 * RFC 7748 (X25519), RFC 5903 (ECP-256/384), the GCM specification
 * (McGrew/Viega test cases 4 and 16), RFC 8439 2.8.2 (ChaCha20-Poly1305),
 * plus prf+ checked against plain HMAC. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

#include "aead_internal.h"
#include "dh_internal.h"
#include "tutil.h"

/* ---- RFC 4231 ---- */

struct hmac_case {
	const char *key;    /* hex */
	size_t key_repeat;  /* key is one byte repeated this often, or 0 */
	const char *data;   /* ASCII */
	const char *sha256, *sha384, *sha512;
};

static const char large_key_data6[] =
	"Test Using Larger Than Block-Size Key - Hash Key First";
static const char large_key_data7[] =
	"This is a test using a larger than block-size key and a larger "
	"than block-size data. The key needs to be hashed before being used "
	"by the HMAC algorithm.";

static const struct hmac_case hmac_cases[] = {
	{ "0b", 20, "Hi There",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "4a656665", 0, "what do ya want for nothing?",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "aa", 131, large_key_data6,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ "aa", 131, large_key_data7,
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	  "a678cc31e799176d3860e6110c46523e",
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

static size_t hmac_key(const struct hmac_case *c, uint8_t *key)
{
	if (!c->key_repeat)
		return unhex(c->key, key, 200);
	unhex(c->key, key, 1);
	memset(key, key[0], c->key_repeat);
	return c->key_repeat;
}

static void test_rfc4231(void)
{
	uint8_t key[200], out[64];

	for (size_t i = 0; i < sizeof(hmac_cases) / sizeof(hmac_cases[0]);
	     i++) {
		const struct hmac_case *c = &hmac_cases[i];
		size_t klen = hmac_key(c, key);
		const uint8_t *d = (const uint8_t *)c->data;

		CU_ASSERT_EQUAL(prf_compute(PRF_HMAC_SHA2_256, key, klen, d,
					    strlen(c->data), out), 0);
		ASSERT_HEX(out, 32, c->sha256);
		CU_ASSERT_EQUAL(prf_compute(PRF_HMAC_SHA2_384, key, klen, d,
					    strlen(c->data), out), 0);
		ASSERT_HEX(out, 48, c->sha384);
		CU_ASSERT_EQUAL(prf_compute(PRF_HMAC_SHA2_512, key, klen, d,
					    strlen(c->data), out), 0);
		ASSERT_HEX(out, 64, c->sha512);
	}
}

/* Test case 5: the published outputs are truncated to 128 bits, the
 * same left-most truncation the INTEG transforms use for the ICV. */
static void test_rfc4231_truncated(void)
{
	static const char data[] = "Test With Truncation";
	uint8_t key[20], out[64];

	memset(key, 0x0c, sizeof(key));
	CU_ASSERT_EQUAL(prf_compute(PRF_HMAC_SHA2_256, key, 20,
				    (const uint8_t *)data, strlen(data), out), 0);
	ASSERT_HEX(out, 16, "a3b6167473100ee06e0c796c2955552b");
	CU_ASSERT_EQUAL(prf_compute(PRF_HMAC_SHA2_384, key, 20,
				    (const uint8_t *)data, strlen(data), out), 0);
	ASSERT_HEX(out, 16, "3abf34c3503b2a23a46efc619baef897");
	CU_ASSERT_EQUAL(prf_compute(PRF_HMAC_SHA2_512, key, 20,
				    (const uint8_t *)data, strlen(data), out), 0);
	ASSERT_HEX(out, 16, "415fad6271580a531d4179bc891d87a6");
	CU_ASSERT_EQUAL(integ_icv_len(INTEG_HMAC_SHA2_256_128), 16);
	CU_ASSERT_EQUAL(integ_icv_len(INTEG_HMAC_SHA2_384_192), 24);
	CU_ASSERT_EQUAL(integ_icv_len(INTEG_HMAC_SHA2_512_256), 32);
}

/* ---- prf+ ---- */

static void plain_hmac(const uint8_t *key, size_t klen, const uint8_t *d,
		       size_t dlen, uint8_t out[32])
{
	size_t olen = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256",
					       NULL, key, klen, d, dlen, out,
					       32, &olen));
	CU_ASSERT_EQUAL_FATAL(olen, 32);
}

static void test_prf_plus(void)
{
	uint8_t key[37], seed[29], buf[32 + 29 + 1], t1[32], t2[32];
	uint8_t out[50];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0xa0 + i);
	/* T1 = prf(K, S | 0x01) */
	memcpy(buf, seed, sizeof(seed));
	buf[sizeof(seed)] = 1;
	plain_hmac(key, sizeof(key), buf, sizeof(seed) + 1, t1);
	/* T2 = prf(K, T1 | S | 0x02) */
	memcpy(buf, t1, 32);
	memcpy(buf + 32, seed, sizeof(seed));
	buf[32 + sizeof(seed)] = 2;
	plain_hmac(key, sizeof(key), buf, sizeof(buf), t2);

	CU_ASSERT_EQUAL(prf_plus(PRF_HMAC_SHA2_256, key, sizeof(key), seed,
				 sizeof(seed), out, sizeof(out)), 0);
	CU_ASSERT(memcmp(out, t1, 32) == 0);
	CU_ASSERT(memcmp(out + 32, t2, 18) == 0);
	/* 255 blocks is the limit. */
	uint8_t *big = malloc(32 * 256);

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_EQUAL(prf_plus(PRF_HMAC_SHA2_256, key, sizeof(key), seed,
				 sizeof(seed), big, 32 * 255), 0);
	CU_ASSERT_EQUAL(prf_plus(PRF_HMAC_SHA2_256, key, sizeof(key), seed,
				 sizeof(seed), big, 32 * 255 + 1), -1);
	free(big);
	CU_ASSERT_EQUAL(prf_plus(99, key, sizeof(key), seed, sizeof(seed),
				 out, sizeof(out)), -1);
}

/* SKEYSEED and the key split against prf+ done by hand. */
static void test_key_derivation(void)
{
	uint8_t nbuf[64], gbuf[32], spi_i[8], spi_r[8], seed[64 + 16];
	uint8_t stream[3 * 32 + 2 * 20], want[32];
	struct chunk ni = { nbuf, 32 }, nr = { nbuf + 32, 32 };
	struct chunk gir = { gbuf, 32 }, skeyseed = { 0 };
	struct ike_keys k = { .encr = ENCR_AES_GCM_16, .encr_keylen = 128,
			      .integ = INTEG_NONE, .prf = PRF_HMAC_SHA2_256 };

	for (size_t i = 0; i < sizeof(nbuf); i++)
		nbuf[i] = (uint8_t)i;
	memset(gbuf, 0x5a, sizeof(gbuf));
	memset(spi_i, 0x11, 8);
	memset(spi_r, 0x22, 8);
	CU_ASSERT_EQUAL_FATAL(ike_skeyseed(PRF_HMAC_SHA2_256, &ni, &nr, &gir,
					   &skeyseed), 0);
	plain_hmac(nbuf, 64, gbuf, 32, want);
	CU_ASSERT(chunk_eq(&skeyseed, want, 32));

	CU_ASSERT_EQUAL_FATAL(ike_keys_derive(&k, &skeyseed, &ni, &nr, spi_i,
					      spi_r), 0);
	memcpy(seed, nbuf, 64);
	memcpy(seed + 64, spi_i, 8);
	memcpy(seed + 72, spi_r, 8);
	CU_ASSERT_EQUAL(prf_plus(PRF_HMAC_SHA2_256, skeyseed.p, skeyseed.len,
				 seed, sizeof(seed), stream, sizeof(stream)), 0);
	CU_ASSERT(chunk_eq(&k.sk_d, stream, 32));
	CU_ASSERT_EQUAL(k.sk_ai.len, 0);
	CU_ASSERT_EQUAL(k.sk_ar.len, 0);
	CU_ASSERT(chunk_eq(&k.sk_ei, stream + 32, 20));
	CU_ASSERT(chunk_eq(&k.sk_er, stream + 52, 20));
	CU_ASSERT(chunk_eq(&k.sk_pi, stream + 72, 32));
	CU_ASSERT(chunk_eq(&k.sk_pr, stream + 104, 32));
	ike_keys_wipe(&k);
	CU_ASSERT_PTR_NULL(k.sk_d.p);

	/* RFC 5723: prf(SK_d, "Resumption" | Ni | Nr) */
	struct chunk sk_d = { gbuf, 32 }, resumed = { 0 };
	uint8_t rs[10 + 64];

	memcpy(rs, "Resumption", 10);
	memcpy(rs + 10, nbuf, 64);
	plain_hmac(gbuf, 32, rs, sizeof(rs), want);
	CU_ASSERT_EQUAL(ike_skeyseed_resume(PRF_HMAC_SHA2_256, &sk_d, &ni, &nr,
					    &resumed), 0);
	CU_ASSERT(chunk_eq(&resumed, want, 32));
	chunk_free(&resumed);
	chunk_free(&skeyseed);
}

static void test_child_keymat(void)
{
	uint8_t n[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, g[4] = { 9, 9, 9, 9 };
	uint8_t key[32], out[40], want[40], seed[12];
	struct chunk sk_d = { key, 32 }, ni = { n, 4 }, nr = { n + 4, 4 };
	struct chunk gir = { g, 4 };

	memset(key, 0x42, sizeof(key));
	CU_ASSERT_EQUAL(child_keymat(PRF_HMAC_SHA2_256, &sk_d, NULL, &ni, &nr,
				     out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(prf_plus(PRF_HMAC_SHA2_256, key, 32, n, 8, want,
				 sizeof(want)), 0);
	CU_ASSERT(memcmp(out, want, sizeof(out)) == 0);
	memcpy(seed, g, 4);
	memcpy(seed + 4, n, 8);
	CU_ASSERT_EQUAL(child_keymat(PRF_HMAC_SHA2_256, &sk_d, &gir, &ni, &nr,
				     out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(prf_plus(PRF_HMAC_SHA2_256, key, 32, seed, 12, want,
				 sizeof(want)), 0);
	CU_ASSERT(memcmp(out, want, sizeof(out)) == 0);
}

/* ---- RFC 7748 ---- */

static void x25519_case(const char *scalar, const char *u, const char *out)
{
	uint8_t k[32], peer[32];
	struct dh *dh = dh_new(DH_CURVE25519, NULL);
	struct chunk s = { 0 };
	struct verr e = { "" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	unhex(scalar, k, 32);
	unhex(u, peer, 32);
	CU_ASSERT_EQUAL_FATAL(dh_set_private(dh, k, 32), 0);
	CU_ASSERT_EQUAL_FATAL(dh_shared(dh, peer, 32, &s, &e), 0);
	ASSERT_HEX(s.p, s.len, out);
	chunk_free(&s);
	dh_free(dh);
}

static void test_x25519_scalarmult(void)
{
	x25519_case(
		"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		"e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		"c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	x25519_case(
		"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		"e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		"95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

/* Sets a fixed key, checks the public value, derives against peer_pub. */
static void dh_kat(uint16_t group, const char *priv, const char *pub,
		   const char *peer_pub, const char *shared)
{
	uint8_t k[66], peer[132];
	size_t klen = unhex(priv, k, sizeof(k));
	size_t plen = unhex(peer_pub, peer, sizeof(peer));
	struct dh *dh = dh_new(group, NULL);
	struct chunk p = { 0 }, s = { 0 };
	struct verr e = { "" };
	unsigned long ops = dh_op_count();

	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	CU_ASSERT_EQUAL(dh_group(dh), group);
	CU_ASSERT_EQUAL_FATAL(dh_set_private(dh, k, klen), 0);
	CU_ASSERT_EQUAL_FATAL(dh_public(dh, &p), 0);
	ASSERT_HEX(p.p, p.len, pub);
	CU_ASSERT_EQUAL_FATAL(dh_shared(dh, peer, plen, &s, &e), 0);
	ASSERT_HEX(s.p, s.len, shared);
	CU_ASSERT_EQUAL(dh_op_count(), ops + 1);
	chunk_free(&p);
	chunk_free(&s);
	dh_free(dh);
}

static const char alice_priv[] =
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char alice_pub[] =
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char bob_priv[] =
	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char bob_pub[] =
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
static const char x25519_k[] =
	"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

static void test_x25519_dh(void)
{
	dh_kat(DH_CURVE25519, alice_priv, alice_pub, bob_pub, x25519_k);
	dh_kat(DH_CURVE25519, bob_priv, bob_pub, alice_pub, x25519_k);
}

/* A low-order point gives an all-zero secret, which must be refused. */
static void test_x25519_zero(void)
{
	uint8_t zero[32] = { 0 };
	struct dh *dh = dh_new(DH_CURVE25519, NULL);
	struct chunk s = { 0 };
	struct verr e = { "" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	CU_ASSERT_EQUAL(dh_shared(dh, zero, 32, &s, &e), -1);
	CU_ASSERT(e.msg[0] != '\0');
	CU_ASSERT_EQUAL(dh_shared(dh, zero, 31, &s, &e), -1);
	CU_ASSERT(strstr(e.msg, "31 bytes") != NULL);
	dh_free(dh);
}

/* ---- RFC 5903 section 8 ---- */

static const char p256_i[] =
	"C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433";
static const char p256_gi[] =
	"DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	"5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3";
static const char p256_r[] =
	"C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53";
static const char p256_gr[] =
	"D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
	"56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB";
static const char p256_gir[] =
	"D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE";

static const char p384_i[] =
	"099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"
	"E35B538041E649EE3FAEF896783AB194";
static const char p384_gi[] =
	"667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"
	"DE3AC808ACB4BDB4C88732AEE95F41AA"
	"9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"
	"EB9FCFF3C2C947DAE69B4C634573A81C";
static const char p384_r[] =
	"41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"
	"E0308312916B8ED2960E4BD55A7448FC";
static const char p384_gr[] =
	"E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"
	"0D1AC43A0336DEF96FDA41D0774A3571"
	"DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"
	"F83FA40142209DFF5EAAD96DB9E6386C";
static const char p384_gir[] =
	"11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"
	"D603135569B9E9D09CF5D4A270F59746";

static void test_ecp256(void)
{
	dh_kat(DH_ECP256, p256_i, p256_gi, p256_gr, p256_gir);
	dh_kat(DH_ECP256, p256_r, p256_gr, p256_gi, p256_gir);
}

static void test_ecp384(void)
{
	dh_kat(DH_ECP384, p384_i, p384_gi, p384_gr, p384_gir);
	dh_kat(DH_ECP384, p384_r, p384_gr, p384_gi, p384_gir);
}

static void test_ecp_invalid_point(void)
{
	uint8_t peer[64];
	struct dh *dh = dh_new(DH_ECP256, NULL);
	struct chunk s = { 0 };
	struct verr e = { "" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	unhex(p256_gr, peer, sizeof(peer));
	peer[63] ^= 1; /* no longer on the curve */
	CU_ASSERT_EQUAL(dh_shared(dh, peer, 64, &s, &e), -1);
	CU_ASSERT(strstr(e.msg, "invalid") != NULL);
	CU_ASSERT_EQUAL(dh_shared(dh, peer, 65, &s, &e), -1);
	CU_ASSERT_PTR_NULL(s.p);
	dh_free(dh);
}

/* Both sides of every supported group agree; MODP values are padded. */
static void test_dh_roundtrip(void)
{
	static const uint16_t groups[] = { DH_MODP2048, DH_MODP3072,
					   DH_MODP4096, DH_ECP256, DH_ECP384,
					   DH_ECP521, DH_CURVE25519 };
	static const size_t publen[] = { 256, 384, 512, 64, 96, 132, 32 };
	static const size_t seclen[] = { 256, 384, 512, 32, 48, 66, 32 };

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct dh *a = dh_new(groups[i], NULL);
		struct dh *b = dh_new(groups[i], NULL);
		struct chunk pa = { 0 }, pb = { 0 }, sa = { 0 }, sb = { 0 };

		CU_ASSERT(dh_supported(groups[i]));
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		CU_ASSERT_EQUAL(dh_public(a, &pa), 0);
		CU_ASSERT_EQUAL(dh_public(b, &pb), 0);
		CU_ASSERT_EQUAL(pa.len, publen[i]);
		CU_ASSERT_EQUAL(dh_shared(a, pb.p, pb.len, &sa, NULL), 0);
		CU_ASSERT_EQUAL(dh_shared(b, pa.p, pa.len, &sb, NULL), 0);
		CU_ASSERT_EQUAL(sa.len, seclen[i]);
		CU_ASSERT(sa.len == sb.len && memcmp(sa.p, sb.p, sa.len) == 0);
		chunk_free(&pa);
		chunk_free(&pb);
		chunk_free(&sa);
		chunk_free(&sb);
		dh_free(a);
		dh_free(b);
	}
	CU_ASSERT_FALSE(dh_supported(2));
	CU_ASSERT_PTR_NULL(dh_new(5, NULL));
}

/* g^x = 1 and g^x = p-1 are the classic small-subgroup values. */
static void test_modp_reject(void)
{
	uint8_t v[256];
	struct dh *dh = dh_new(DH_MODP2048, NULL);
	struct chunk s = { 0 };
	struct verr e = { "" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	memset(v, 0, sizeof(v));
	v[255] = 1;
	CU_ASSERT_EQUAL(dh_shared(dh, v, 256, &s, &e), -1);
	memset(v, 0xff, sizeof(v)); /* > p */
	CU_ASSERT_EQUAL(dh_shared(dh, v, 256, &s, &e), -1);
	CU_ASSERT_EQUAL(dh_shared(dh, v, 255, &s, &e), -1);
	dh_free(dh);
}

/* ---- AEAD ---- */

static const char gcm_iv[] = "cafebabefacedbaddecaf888";
static const char gcm_pt[] =
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char gcm_aad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

static void aead_kat(uint16_t encr, const char *key, const char *nonce,
		     const char *aad, const char *pt, const char *ct,
		     const char *tag)
{
	uint8_t k[32], n[12], a[64], p[128], c[128], t[16], back[128];
	size_t klen = unhex(key, k, sizeof(k));
	size_t alen = unhex(aad, a, sizeof(a));
	size_t plen = unhex(pt, p, sizeof(p));

	CU_ASSERT_EQUAL_FATAL(unhex(nonce, n, sizeof(n)), 12);
	CU_ASSERT_EQUAL_FATAL(aead_seal(encr, k, klen, n, a, alen, p, plen, c,
					t), 0);
	ASSERT_HEX(c, plen, ct);
	ASSERT_HEX(t, 16, tag);
	CU_ASSERT_EQUAL(aead_open(encr, k, klen, n, a, alen, c, plen, t,
				  back), 0);
	CU_ASSERT(memcmp(back, p, plen) == 0);
	t[0] ^= 0x80;
	CU_ASSERT_EQUAL(aead_open(encr, k, klen, n, a, alen, c, plen, t,
				  back), -1);
	t[0] ^= 0x80;
	a[0] ^= 1;
	CU_ASSERT_EQUAL(aead_open(encr, k, klen, n, a, alen, c, plen, t,
				  back), -1);
}

static void test_gcm(void)
{
	/* GCM specification test case 4 (AES-128) */
	aead_kat(ENCR_AES_GCM_16, "feffe9928665731c6d6a8f9467308308", gcm_iv,
		 gcm_aad, gcm_pt,
		 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
		 "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
		 "5bc94fbc3221a5db94fae95ae7121a47");
	/* test case 16 (AES-256) */
	aead_kat(ENCR_AES_GCM_16,
		 "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
		 gcm_iv, gcm_aad, gcm_pt,
		 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
		 "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
		 "76fc6ece0f4e1768cddf8853bb2d551b");
}

static void test_chacha20_poly1305(void)
{
	static const char text[] =
		"Ladies and Gentlemen of the class of '99: If I could offer "
		"you only one tip for the future, sunscreen would be it.";
	char pt_hex[2 * sizeof(text) + 1];

	for (size_t i = 0; i < strlen(text); i++)
		snprintf(pt_hex + 2 * i, 3, "%02x", (unsigned char)text[i]);
	/* RFC 8439 2.8.2: nonce = constant 07000000 | IV 4041424344454647,
	 * the same salt | IV layout RFC 7634 uses. */
	aead_kat(ENCR_CHACHA20_POLY1305,
		 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
		 "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", pt_hex,
		 "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
		 "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
		 "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		 "3ff4def08e4b7a9de576d26586cec64b6116",
		 "1ae10b594f09e26a7e902ecbd0600691");
}

static void test_alg_table(void)
{
	CU_ASSERT_EQUAL(encr_key_len(ENCR_AES_GCM_16, 128), 20);
	CU_ASSERT_EQUAL(encr_key_len(ENCR_AES_GCM_16, 256), 36);
	CU_ASSERT_EQUAL(encr_key_len(ENCR_CHACHA20_POLY1305, 0), 36);
	CU_ASSERT_EQUAL(encr_key_len(ENCR_AES_CBC, 256), 32);
	CU_ASSERT_EQUAL(encr_key_len(ENCR_AES_CBC, 192), 0);
	CU_ASSERT(encr_is_aead(ENCR_AES_GCM_16));
	CU_ASSERT_FALSE(encr_is_aead(ENCR_AES_CBC));
	CU_ASSERT_FALSE(encr_supported(ENCR_3DES, 0));
	CU_ASSERT_EQUAL(prf_len(PRF_HMAC_SHA2_384), 48);
	CU_ASSERT_EQUAL(integ_key_len(INTEG_HMAC_SHA2_512_256), 64);
	CU_ASSERT_FALSE(prf_supported(4));
	CU_ASSERT_FALSE(integ_supported(INTEG_NONE));
}

static void test_natd(void)
{
	uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, spi_r[8] = { 0 };
	uint8_t ip[4] = { 192, 0, 2, 1 }, in[22], out[20], want[20];
	unsigned int wlen = 0;

	memcpy(in, spi_i, 8);
	memcpy(in + 8, spi_r, 8);
	memcpy(in + 16, ip, 4);
	in[20] = 0x01; /* port 500, big-endian */
	in[21] = 0xf4;
	CU_ASSERT_FATAL(EVP_Digest(in, sizeof(in), want, &wlen, EVP_sha1(),
				   NULL) == 1);
	CU_ASSERT_EQUAL(natd_hash(spi_i, spi_r, ip, 4, 500, out), 0);
	CU_ASSERT(memcmp(out, want, 20) == 0);

	uint8_t r1[32] = { 0 }, r2[32] = { 0 };

	CU_ASSERT_EQUAL(random_bytes(r1, 32), 0);
	CU_ASSERT_EQUAL(random_bytes(r2, 32), 0);
	CU_ASSERT(memcmp(r1, r2, 32) != 0);
}

void add_vector_tests(void)
{
	CU_pSuite s = CU_add_suite("crypto-vectors", NULL, NULL);

	CU_add_test(s, "RFC 4231 HMAC-SHA2 cases 1,2,6,7", test_rfc4231);
	CU_add_test(s, "RFC 4231 case 5 (truncation)", test_rfc4231_truncated);
	CU_add_test(s, "prf+ against plain HMAC", test_prf_plus);
	CU_add_test(s, "SKEYSEED and key split", test_key_derivation);
	CU_add_test(s, "Child SA KEYMAT", test_child_keymat);
	CU_add_test(s, "RFC 7748 5.2 X25519", test_x25519_scalarmult);
	CU_add_test(s, "RFC 7748 6.1 X25519 DH", test_x25519_dh);
	CU_add_test(s, "X25519 all-zero secret", test_x25519_zero);
	CU_add_test(s, "RFC 5903 8.1 ECP-256", test_ecp256);
	CU_add_test(s, "RFC 5903 8.2 ECP-384", test_ecp384);
	CU_add_test(s, "ECP point not on curve", test_ecp_invalid_point);
	CU_add_test(s, "DH round trip, all groups", test_dh_roundtrip);
	CU_add_test(s, "MODP degenerate values", test_modp_reject);
	CU_add_test(s, "GCM spec test cases 4, 16", test_gcm);
	CU_add_test(s, "RFC 8439 2.8.2 ChaCha20-Poly1305",
		    test_chacha20_poly1305);
	CU_add_test(s, "algorithm tables", test_alg_table);
	CU_add_test(s, "NAT-D hash, random", test_natd);
}
