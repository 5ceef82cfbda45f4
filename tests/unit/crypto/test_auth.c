/* AUTH: signed octets, PSK (checked against HMAC done here) and the
 * signature methods 1, 9, 10, 14 with keys generated in the test. */
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

#include "tutil.h"

static EVP_PKEY *rsa_key, *p256_key, *p384_key;

static int auth_setup(void)
{
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	p256_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	return rsa_key && p256_key && p384_key ? 0 : 1;
}

static int auth_teardown(void)
{
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(p256_key);
	EVP_PKEY_free(p384_key);
	return 0;
}

static void hmac256(const uint8_t *k, size_t kl, const uint8_t *d, size_t dl,
		    uint8_t out[32])
{
	size_t ol = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256",
					       NULL, k, kl, d, dl, out, 32,
					       &ol));
}

static void test_signed_octets(void)
{
	uint8_t msg[50], nonce[16], skp[32], id[12], mac[32];
	struct chunk n = { nonce, sizeof(nonce) }, sk = { skp, sizeof(skp) };
	struct chunk oct = { 0 };

	memset(msg, 0x10, sizeof(msg));
	memset(nonce, 0x20, sizeof(nonce));
	memset(skp, 0x30, sizeof(skp));
	memset(id, 0x40, sizeof(id));
	CU_ASSERT_EQUAL_FATAL(auth_signed_octets(PRF_HMAC_SHA2_256, &sk, msg,
						 sizeof(msg), &n, id,
						 sizeof(id), &oct), 0);
	CU_ASSERT_EQUAL_FATAL(oct.len, 50 + 16 + 32);
	CU_ASSERT(memcmp(oct.p, msg, 50) == 0);
	CU_ASSERT(memcmp(oct.p + 50, nonce, 16) == 0);
	hmac256(skp, sizeof(skp), id, sizeof(id), mac);
	CU_ASSERT(memcmp(oct.p + 66, mac, 32) == 0);
	chunk_free(&oct);
}

static void test_psk(void)
{
	static const char psk[] = "correct horse battery staple";
	uint8_t data[77], inner[32], want[32];
	struct chunk oct = { data, sizeof(data) }, auth = { 0 };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	hmac256((const uint8_t *)psk, strlen(psk),
		(const uint8_t *)"Key Pad for IKEv2", 17, inner);
	hmac256(inner, 32, data, sizeof(data), want);

	CU_ASSERT_EQUAL_FATAL(auth_psk(PRF_HMAC_SHA2_256, (const uint8_t *)psk,
				       strlen(psk), &oct, &auth), 0);
	CU_ASSERT(chunk_eq(&auth, want, 32));
	CU_ASSERT(auth_psk_verify(PRF_HMAC_SHA2_256, (const uint8_t *)psk,
				  strlen(psk), &oct, want, 32));
	want[31] ^= 1;
	CU_ASSERT_FALSE(auth_psk_verify(PRF_HMAC_SHA2_256,
					(const uint8_t *)psk, strlen(psk),
					&oct, want, 32));
	want[31] ^= 1;
	CU_ASSERT_FALSE(auth_psk_verify(PRF_HMAC_SHA2_256,
					(const uint8_t *)psk, strlen(psk),
					&oct, want, 31));
	CU_ASSERT_FALSE(auth_psk_verify(PRF_HMAC_SHA2_256,
					(const uint8_t *)psk, 5, &oct, want,
					32));
	chunk_free(&auth);
}

/* After a resume AUTH is prf(SK_p, octets): HMAC-SHA-256 keyed with
 * SK_p, here RFC 4231 test case 2 (key "Jefe"). */
static void test_resume_auth(void)
{
	static const char data[] = "what do ya want for nothing?";
	uint8_t key[4] = { 'J', 'e', 'f', 'e' }, got[32];
	struct chunk skp = { key, sizeof(key) };
	struct chunk oct = { (uint8_t *)data, sizeof(data) - 1 }, auth = { 0 };

	CU_ASSERT_EQUAL_FATAL(auth_resume(PRF_HMAC_SHA2_256, &skp, &oct,
					  &auth), 0);
	ASSERT_HEX(auth.p, auth.len,
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memcpy(got, auth.p, 32);
	CU_ASSERT(auth_resume_verify(PRF_HMAC_SHA2_256, &skp, &oct, got, 32));
	CU_ASSERT_FALSE(auth_resume_verify(PRF_HMAC_SHA2_256, &skp, &oct, got,
					   31));
	got[0] ^= 0x80;
	CU_ASSERT_FALSE(auth_resume_verify(PRF_HMAC_SHA2_256, &skp, &oct, got,
					   32));
	got[0] ^= 0x80;
	key[0] = 'j';
	CU_ASSERT_FALSE(auth_resume_verify(PRF_HMAC_SHA2_256, &skp, &oct, got,
					   32));
	chunk_free(&auth);
}

/* Signs, checks method and size, verifies, and checks that a changed
 * octet string and changed signature both fail. */
static void sign_verify(EVP_PKEY *key, const uint16_t *hashes, size_t n,
			uint8_t want_method, size_t want_len)
{
	uint8_t data[64];
	struct chunk oct = { data, sizeof(data) }, auth = { 0 };
	struct verr e = { "" };
	uint8_t method = 0;
	unsigned long ops = sig_op_count();

	memset(data, 0x61, sizeof(data));
	CU_ASSERT_EQUAL_FATAL(auth_sig_sign(key, hashes, n, &oct, &method,
					    &auth, &e), 0);
	CU_ASSERT_EQUAL(method, want_method);
	if (want_len)
		CU_ASSERT_EQUAL(auth.len, want_len);
	CU_ASSERT_EQUAL(auth_sig_verify(key, method, auth.p, auth.len, &oct,
					&e), 0);
	CU_ASSERT_EQUAL(sig_op_count(), ops + 2);
	data[0] ^= 1;
	CU_ASSERT_EQUAL(auth_sig_verify(key, method, auth.p, auth.len, &oct,
					&e), -1);
	CU_ASSERT(strstr(e.msg, "does not verify") != NULL);
	data[0] ^= 1;
	auth.p[auth.len - 1] ^= 1;
	CU_ASSERT_EQUAL(auth_sig_verify(key, method, auth.p, auth.len, &oct,
					&e), -1);
	chunk_free(&auth);
}

static void test_rsa_classic(void)
{
	sign_verify(rsa_key, NULL, 0, AUTH_RSA_SIG, 256);
}

static void test_ecdsa_classic(void)
{
	sign_verify(p256_key, NULL, 0, AUTH_ECDSA_256, 64);
	sign_verify(p384_key, NULL, 0, AUTH_ECDSA_384, 96);
}

static void test_digital_sig(void)
{
	static const uint16_t h256[] = { HASH_SHA1, HASH_SHA2_256 };
	static const uint16_t h512[] = { HASH_SHA2_512 };
	static const uint16_t only_sha1[] = { HASH_SHA1 };
	static const uint8_t rsa256_alg[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a,
		0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
	static const uint8_t ec384_alg[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a,
		0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
	uint8_t data[10] = { 0 }, method = 0;
	struct chunk oct = { data, sizeof(data) }, auth = { 0 };

	sign_verify(rsa_key, h256, 2, AUTH_DIGITAL_SIG, 1 + 15 + 256);
	sign_verify(rsa_key, h512, 1, AUTH_DIGITAL_SIG, 1 + 15 + 256);
	sign_verify(p256_key, h256, 2, AUTH_DIGITAL_SIG, 0);
	sign_verify(p384_key, h256, 2, AUTH_DIGITAL_SIG, 0);
	/* SHA-1 alone is not usable for method 14: back to classic. */
	sign_verify(p256_key, only_sha1, 1, AUTH_ECDSA_256, 64);

	CU_ASSERT_EQUAL(auth_sig_sign(rsa_key, h256, 2, &oct, &method, &auth,
				      NULL), 0);
	CU_ASSERT_EQUAL(auth.p[0], sizeof(rsa256_alg));
	CU_ASSERT(memcmp(auth.p + 1, rsa256_alg, sizeof(rsa256_alg)) == 0);
	/* RSA AUTH data against an EC key is refused. */
	CU_ASSERT_EQUAL(auth_sig_verify(p256_key, method, auth.p, auth.len,
					&oct, NULL), -1);
	chunk_free(&auth);

	/* P-384 prefers SHA-384 when offered. */
	static const uint16_t all[] = { HASH_SHA2_256, HASH_SHA2_384,
					HASH_SHA2_512 };

	CU_ASSERT_EQUAL(auth_sig_sign(p384_key, all, 3, &oct, &method, &auth,
				      NULL), 0);
	CU_ASSERT_EQUAL(auth.p[0], sizeof(ec384_alg));
	CU_ASSERT(memcmp(auth.p + 1, ec384_alg, sizeof(ec384_alg)) == 0);
	chunk_free(&auth);
}

/* Verify accepts RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32). */
static const uint8_t pss_alg[] = {
	0x30, 0x3d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0a, 0x30, 0x30,
	0xa0, 0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x01,
	0xa1, 0x1a, 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x01, 0x08, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
	0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	0xa2, 0x03, 0x02, 0x01, 0x20,
};

static size_t pss_sign(int salt, const struct chunk *oct, uint8_t *out,
		       size_t max)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t len = max - 1 - sizeof(pss_alg);

	CU_ASSERT_FATAL(ctx != NULL);
	CU_ASSERT_FATAL(EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL,
					      NULL, rsa_key, NULL) == 1);
	EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
	EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt);
	EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL);
	out[0] = sizeof(pss_alg);
	memcpy(out + 1, pss_alg, sizeof(pss_alg));
	CU_ASSERT_FATAL(EVP_DigestSign(ctx, out + 1 + sizeof(pss_alg), &len,
				       oct->p, oct->len) == 1);
	EVP_MD_CTX_free(ctx);
	return 1 + sizeof(pss_alg) + len;
}

static void test_rsa_pss_verify(void)
{
	uint8_t data[33], buf[400];
	struct chunk oct = { data, sizeof(data) };
	struct verr e = { "" };
	size_t len;

	memset(data, 0x7e, sizeof(data));
	len = pss_sign(32, &oct, buf, sizeof(buf));
	CU_ASSERT_EQUAL(auth_sig_verify(rsa_key, AUTH_DIGITAL_SIG, buf, len,
					&oct, &e), 0);
	data[5] ^= 1;
	CU_ASSERT_EQUAL(auth_sig_verify(rsa_key, AUTH_DIGITAL_SIG, buf, len,
					&oct, &e), -1);
	data[5] ^= 1;
	/* signed with a 20-byte salt: the announced 32 must not verify */
	len = pss_sign(20, &oct, buf, sizeof(buf));
	CU_ASSERT_EQUAL(auth_sig_verify(rsa_key, AUTH_DIGITAL_SIG, buf, len,
					&oct, &e), -1);
}

static void test_sig_malformed(void)
{
	uint8_t data[8] = { 0 }, bad[70];
	struct chunk oct = { data, sizeof(data) };
	struct verr e = { "" };

	/* length byte past the end */
	bad[0] = 60;
	CU_ASSERT_EQUAL(auth_sig_verify(p256_key, AUTH_DIGITAL_SIG, bad, 10,
					&oct, &e), -1);
	CU_ASSERT(strstr(e.msg, "truncated") != NULL);
	/* wrong r|s length for method 9 */
	memset(bad, 1, sizeof(bad));
	CU_ASSERT_EQUAL(auth_sig_verify(p256_key, AUTH_ECDSA_256, bad, 63,
					&oct, &e), -1);
	/* method/curve mismatch */
	CU_ASSERT_EQUAL(auth_sig_verify(p256_key, AUTH_ECDSA_384, bad, 64,
					&oct, &e), -1);
	CU_ASSERT_EQUAL(auth_sig_verify(p256_key, AUTH_RSA_SIG, bad, 64,
					&oct, &e), -1);
	CU_ASSERT_EQUAL(auth_sig_verify(p256_key, AUTH_PSK, bad, 64, &oct,
					&e), -1);
}

void add_auth_tests(void)
{
	CU_pSuite s = CU_add_suite("crypto-auth", auth_setup, auth_teardown);

	CU_add_test(s, "signed octets", test_signed_octets);
	CU_add_test(s, "PSK AUTH", test_psk);
	CU_add_test(s, "AUTH after a resume (RFC 5723)", test_resume_auth);
	CU_add_test(s, "RSA method 1", test_rsa_classic);
	CU_add_test(s, "ECDSA methods 9, 10", test_ecdsa_classic);
	CU_add_test(s, "Digital Signature method 14", test_digital_sig);
	CU_add_test(s, "RSASSA-PSS verify", test_rsa_pss_verify);
	CU_add_test(s, "malformed AUTH data", test_sig_malformed);
}
