/* MS-CHAPv2: RFC 2759 9.2 and RFC 3079 3.5.3 known answers, the
 * authenticator response check, the domain prefix, UTF-8 passwords and
 * the legacy provider's own library context. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "vpnd/crypto.h"

#include "mschapv2_internal.h"
#include "tutil.h"

/* RFC 2759 9.2 (the same values start RFC 3079 3.5.3). */
#define USER "User"
#define PASSWORD "clientPass"
#define AUTH_CHALLENGE "5B5D7C7D7B3F2F3E3C2C602132262628"
#define PEER_CHALLENGE "21402324255E262A28295F2B3A337C7E"
#define CHALLENGE_HASH "D02E4386BCE91226"
#define PASSWORD_HASH "44EBBA8D5312B8D611474411F56989AE"
#define NT_RESPONSE "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"
#define PASSWORD_HASH_HASH "41C00C584BD2D91C4017A2A12FA59F3F"
#define AUTH_RESPONSE "S=407A5589115FD0D6209F510FE9C04566932CDA56"
/* RFC 3079 3.5.3 */
#define MASTER_KEY "FDECE3717A8C838CB388E527AE3CDD31"
/* Printed there as SendStartKey128: the example is the server's, so this
 * is Magic3, the server's send key and the client's receive key. */
#define MAGIC3_KEY "8B7CDC149B993A1BA118CB153F56DCCB"
/* Not printed in the RFC: Magic2 with its values (the client's send key,
 * the server's receive key), computed apart from this code with Python's
 * hashlib SHA-1 from the RFC's MasterKey and the magic strings. */
#define MAGIC2_KEY "D5F0E9521E3EA9589645E86051C82226"

static uint8_t auth_ch[16], peer_ch[16];

static void load_challenges(void)
{
	unhex(AUTH_CHALLENGE, auth_ch, sizeof(auth_ch));
	unhex(PEER_CHALLENGE, peer_ch, sizeof(peer_ch));
}

static void test_rfc2759_steps(void)
{
	uint8_t ch[8], hash[16], hh[16], nt[24], want_nt[24];
	char resp[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	struct verr e = { { 0 } };

	load_challenges();
	CU_ASSERT_EQUAL_FATAL(mschapv2_challenge_hash(peer_ch, auth_ch, USER,
						      4, ch, &e), 0);
	ASSERT_HEX(ch, 8, CHALLENGE_HASH);
	CU_ASSERT_EQUAL_FATAL(mschapv2_nt_password_hash(PASSWORD, 10, hash,
							&e), 0);
	ASSERT_HEX(hash, 16, PASSWORD_HASH);
	CU_ASSERT_EQUAL_FATAL(mschapv2_challenge_response(ch, hash, nt, &e), 0);
	ASSERT_HEX(nt, 24, NT_RESPONSE);
	memset(nt, 0, sizeof(nt));
	CU_ASSERT_EQUAL_FATAL(mschapv2_generate_nt_response(auth_ch, peer_ch,
							    USER, 4, PASSWORD,
							    10, nt, &e), 0);
	ASSERT_HEX(nt, 24, NT_RESPONSE);
	CU_ASSERT_EQUAL_FATAL(mschapv2_hash_nt_password_hash(hash, hh, &e), 0);
	ASSERT_HEX(hh, 16, PASSWORD_HASH_HASH);
	unhex(NT_RESPONSE, want_nt, sizeof(want_nt));
	CU_ASSERT_EQUAL_FATAL(mschapv2_authenticator_response(hh, want_nt,
							      peer_ch, auth_ch,
							      USER, 4, resp,
							      &e), 0);
	CU_ASSERT_STRING_EQUAL(resp, AUTH_RESPONSE);
}

static void test_rfc3079(void)
{
	uint8_t hh[16], nt[24], mk[16], key[16], msk[64], zero[32] = { 0 };
	struct verr e = { { 0 } };

	unhex(PASSWORD_HASH_HASH, hh, sizeof(hh));
	unhex(NT_RESPONSE, nt, sizeof(nt));
	CU_ASSERT_EQUAL_FATAL(mschapv2_master_key(hh, nt, mk, &e), 0);
	ASSERT_HEX(mk, 16, MASTER_KEY);
	/* GetAsymmetricStartKey(MasterKey, 16, IsSend, IsServer) */
	CU_ASSERT_EQUAL(mschapv2_start_key(mk, true, true, key, &e), 0);
	ASSERT_HEX(key, 16, MAGIC3_KEY);
	CU_ASSERT_EQUAL(mschapv2_start_key(mk, false, false, key, &e), 0);
	ASSERT_HEX(key, 16, MAGIC3_KEY);
	CU_ASSERT_EQUAL(mschapv2_start_key(mk, true, false, key, &e), 0);
	ASSERT_HEX(key, 16, MAGIC2_KEY);
	CU_ASSERT_EQUAL(mschapv2_start_key(mk, false, true, key, &e), 0);
	ASSERT_HEX(key, 16, MAGIC2_KEY);
	/* The peer's MasterSendKey | MasterReceiveKey | zeros. */
	CU_ASSERT_EQUAL_FATAL(mschapv2_msk(hh, nt, msk, &e), 0);
	ASSERT_HEX(msk, 32, MAGIC2_KEY MAGIC3_KEY);
	CU_ASSERT(memcmp(msk + 32, zero, 32) == 0);
}

static void test_respond(void)
{
	struct mschapv2_peer p;
	struct verr e = { { 0 } };

	load_challenges();
	CU_ASSERT_EQUAL_FATAL(mschapv2_respond(&p, auth_ch, peer_ch, USER, 4,
					       PASSWORD, 10, &e), 0);
	ASSERT_HEX(p.nt_response, 24, NT_RESPONSE);
	CU_ASSERT_STRING_EQUAL(p.auth_response, AUTH_RESPONSE);
	ASSERT_HEX(p.msk, 64, MAGIC2_KEY MAGIC3_KEY
		   "0000000000000000000000000000000000000000000000000000000000000000");
	mschapv2_peer_wipe(&p);
	CU_ASSERT_EQUAL(p.msk[0], 0);
	CU_ASSERT_EQUAL(p.auth_response[0], '\0');
}

static bool verify_str(const struct mschapv2_peer *p, const char *s)
{
	return mschapv2_verify(p, (const uint8_t *)s, strlen(s));
}

static void test_verify(void)
{
	struct mschapv2_peer p;
	struct verr e = { { 0 } };
	char bad[64];

	load_challenges();
	CU_ASSERT_EQUAL_FATAL(mschapv2_respond(&p, auth_ch, peer_ch, USER, 4,
					       PASSWORD, 10, &e), 0);
	CU_ASSERT(verify_str(&p, AUTH_RESPONSE));
	CU_ASSERT(verify_str(&p, "S=407a5589115fd0d6209f510fe9c04566932cda56"));
	CU_ASSERT(verify_str(&p, AUTH_RESPONSE " M=Welcome"));
	/* each position changed */
	for (size_t i = 2; i < MSCHAPV2_AUTH_RESPONSE_LEN; i++) {
		snprintf(bad, sizeof(bad), "%s", AUTH_RESPONSE);
		bad[i] = bad[i] == '0' ? '1' : '0';
		CU_ASSERT_FALSE(verify_str(&p, bad));
	}
	CU_ASSERT_FALSE(verify_str(&p, "S=407A5589115FD0D6209F510FE9C04566932CDA5"));
	CU_ASSERT_FALSE(verify_str(&p, AUTH_RESPONSE "0"));
	CU_ASSERT_FALSE(verify_str(&p, "s=407A5589115FD0D6209F510FE9C04566932CDA56"));
	CU_ASSERT_FALSE(verify_str(&p, "S=407A5589115FD0D6209F510FE9C04566932CDAG6"));
	CU_ASSERT_FALSE(verify_str(&p, "E=691 R=1 C=0000000000000000 V=3"));
	CU_ASSERT_FALSE(verify_str(&p, ""));
	CU_ASSERT_FALSE(mschapv2_verify(&p, NULL, 0));
	/* the response to another password */
	struct mschapv2_peer q;

	CU_ASSERT_EQUAL_FATAL(mschapv2_respond(&q, auth_ch, peer_ch, USER, 4,
					       "clientPasS", 10, &e), 0);
	CU_ASSERT_FALSE(verify_str(&q, AUTH_RESPONSE));
	mschapv2_peer_wipe(&p);
	CU_ASSERT_FALSE(verify_str(&p, AUTH_RESPONSE));
	mschapv2_peer_wipe(&q);
}

static void test_domain(void)
{
	static const char full[] = "DOMAIN\\User";
	struct mschapv2_peer p;
	struct verr e = { { 0 } };
	uint8_t ch[8];
	const char *u;
	size_t ulen;

	u = mschapv2_user_name(full, strlen(full), &ulen);
	CU_ASSERT_EQUAL(ulen, 4);
	CU_ASSERT(memcmp(u, "User", 4) == 0);
	u = mschapv2_user_name("User", 4, &ulen);
	CU_ASSERT_EQUAL(ulen, 4);
	u = mschapv2_user_name("a\\b\\c", 5, &ulen);
	CU_ASSERT_EQUAL(ulen, 3);
	CU_ASSERT(memcmp(u, "b\\c", 3) == 0);
	u = mschapv2_user_name("DOMAIN\\", 7, &ulen);
	CU_ASSERT_EQUAL(ulen, 0);
	u = mschapv2_user_name("", 0, &ulen);
	CU_ASSERT_EQUAL(ulen, 0);

	load_challenges();
	CU_ASSERT_EQUAL(mschapv2_challenge_hash(peer_ch, auth_ch, full,
						strlen(full), ch, &e), 0);
	ASSERT_HEX(ch, 8, CHALLENGE_HASH);
	CU_ASSERT_EQUAL_FATAL(mschapv2_respond(&p, auth_ch, peer_ch, full,
					       strlen(full), PASSWORD, 10, &e),
			      0);
	ASSERT_HEX(p.nt_response, 24, NT_RESPONSE);
	CU_ASSERT_STRING_EQUAL(p.auth_response, AUTH_RESPONSE);
	/* a different name is a different hash */
	CU_ASSERT_EQUAL(mschapv2_challenge_hash(peer_ch, auth_ch, "DOMAIN/User",
						11, ch, &e), 0);
	CU_ASSERT(memcmp(ch, "\xD0\x2E\x43\x86\xBC\xE9\x12\x26", 8) != 0);
	mschapv2_peer_wipe(&p);
}

static void test_utf16(void)
{
	/* "pässwörd": ä U+00E4, ö U+00F6, by hand */
	static const uint8_t want[] = {
		'p', 0, 0xe4, 0, 's', 0, 's', 0, 'w', 0, 0xf6, 0, 'r', 0, 'd', 0,
	};
	/* "a" and U+1F600 (surrogate pair D83D DE00), U+20AC (E2 82 AC) */
	static const uint8_t want2[] = { 'a', 0, 0x3d, 0xd8, 0x00, 0xde,
					 0xac, 0x20 };
	uint8_t out[MSCHAPV2_UTF16_MAX], hash[16];
	size_t n = 0;
	struct verr e = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(mschapv2_utf16le("p\xc3\xa4sswörd", 10, out, &n,
					       &e), 0);
	CU_ASSERT_EQUAL_FATAL(n, sizeof(want));
	CU_ASSERT(memcmp(out, want, n) == 0);
	CU_ASSERT_EQUAL_FATAL(mschapv2_utf16le("a\xf0\x9f\x98\x80\xe2\x82\xac",
					       8, out, &n, &e), 0);
	CU_ASSERT_EQUAL_FATAL(n, sizeof(want2));
	CU_ASSERT(memcmp(out, want2, n) == 0);
	CU_ASSERT_EQUAL(mschapv2_utf16le("", 0, out, &n, &e), 0);
	CU_ASSERT_EQUAL(n, 0);
	/* MD4 of the bytes above, from `openssl dgst -md4 -provider legacy`
	 * on them built by hand (and by iconv -t utf-16le). */
	CU_ASSERT_EQUAL_FATAL(mschapv2_nt_password_hash("p\xc3\xa4sswörd", 10,
							hash, &e), 0);
	ASSERT_HEX(hash, 16, "0553152250ac01adb4213cb9938663e4");
}

static void test_utf8_invalid(void)
{
	static const char *const bad[] = {
		"\xc3",             /* truncated */
		"ab\xe2\x82",       /* truncated at the end */
		"\x80",             /* stray continuation */
		"\xc0\xaf",         /* overlong '/' */
		"\xc1\xbf",         /* overlong */
		"\xe0\x80\xaf",     /* overlong, three bytes */
		"\xf0\x8f\xbf\xbf", /* overlong, four bytes */
		"\xed\xa0\x80",     /* surrogate D800 */
		"\xed\xbf\xbf",     /* surrogate DFFF */
		"\xf4\x90\x80\x80", /* U+110000 */
		"\xf5\x80\x80\x80",
		"\xff",
		"\xc3\x28",         /* no continuation */
	};
	struct mschapv2_peer p;
	struct verr e = { { 0 } };
	uint8_t out[MSCHAPV2_UTF16_MAX], hash[16];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		CU_ASSERT_EQUAL(mschapv2_utf16le(bad[i], strlen(bad[i]), out,
						 &n, &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "UTF-8"));
		CU_ASSERT_EQUAL(mschapv2_nt_password_hash(bad[i],
							  strlen(bad[i]), hash,
							  &e), -1);
	}
	load_challenges();
	e.msg[0] = '\0';
	CU_ASSERT_EQUAL(mschapv2_respond(&p, auth_ch, peer_ch, USER, 4,
					 "p\xc3", 2, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "UTF-8"));
	CU_ASSERT_EQUAL(p.nt_response[0] | p.msk[0], 0);
}

static void test_password_length(void)
{
	char pw[4 * MSCHAPV2_PASSWORD_MAX + 8];
	uint8_t hash[16];
	struct verr e = { { 0 } };

	memset(pw, 'x', 257);
	CU_ASSERT_EQUAL(mschapv2_nt_password_hash(pw, 256, hash, &e), 0);
	ASSERT_HEX(hash, 16, "6c5a26717895edf2e532f7d0048acc65");
	CU_ASSERT_EQUAL(mschapv2_nt_password_hash(pw, 257, hash, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "256"));
	/* outside the BMP a character is two UTF-16 units */
	for (int i = 0; i < 128; i++)
		memcpy(pw + 4 * i, "\xf0\x9f\x98\x80", 4);
	CU_ASSERT_EQUAL(mschapv2_nt_password_hash(pw, 512, hash, &e), 0);
	pw[512] = 'x';
	CU_ASSERT_EQUAL(mschapv2_nt_password_hash(pw, 513, hash, &e), -1);
	/* two-byte UTF-8, one unit each */
	for (int i = 0; i < 256; i++)
		memcpy(pw + 2 * i, "\xc3\xa4", 2);
	CU_ASSERT_EQUAL(mschapv2_nt_password_hash(pw, 512, hash, &e), 0);
	memcpy(pw + 512, "\xc3\xa4", 2);
	CU_ASSERT_EQUAL(mschapv2_nt_password_hash(pw, 514, hash, &e), -1);
	CU_ASSERT_EQUAL(mschapv2_nt_password_hash("", 0, hash, &e), 0);
	/* MD4 of nothing (RFC 1320 A.5) */
	ASSERT_HEX(hash, 16, "31d6cfe0d16ae931b73c59d7e0c089c0");
}

static void test_des_key(void)
{
	static const uint8_t zero[7] = { 0 };
	static const uint8_t ones[7] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff };
	/* 1000 0001 ... : bit 0 and bit 55 set */
	static const uint8_t edge[7] = { 0x80, 0, 0, 0, 0, 0, 0x01 };
	uint8_t k[8];

	mschapv2_des_key(zero, k);
	ASSERT_HEX(k, 8, "0101010101010101");
	mschapv2_des_key(ones, k);
	ASSERT_HEX(k, 8, "fefefefefefefefe");
	mschapv2_des_key(edge, k);
	ASSERT_HEX(k, 8, "8001010101010102");
}

/* The legacy provider stays in the module's own library context. */
static void test_libctx(void)
{
	EVP_MD *before = EVP_MD_fetch(NULL, "MD4", NULL);
	EVP_MD *after;
	struct mschapv2_peer p;
	struct verr e = { { 0 } };

	load_challenges();
	CU_ASSERT_EQUAL(mschapv2_respond(&p, auth_ch, peer_ch, USER, 4,
					 PASSWORD, 10, &e), 0);
	after = EVP_MD_fetch(NULL, "MD4", NULL);
	/* Only a system configuration that loads it itself gives the default
	 * context MD4. */
	CU_ASSERT(!after || before);
	EVP_MD_free(before);
	EVP_MD_free(after);
	mschapv2_peer_wipe(&p);
}

static void test_no_legacy(void)
{
	struct mschapv2_peer p;
	struct verr e = { { 0 } };
	char *old = getenv("OPENSSL_MODULES");
	char *saved = old ? strdup(old) : NULL;

	load_challenges();
	mschapv2_teardown();
	setenv("OPENSSL_MODULES", "/nonexistent/ossl-modules", 1);
	CU_ASSERT_EQUAL(mschapv2_respond(&p, auth_ch, peer_ch, USER, 4,
					 PASSWORD, 10, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "legacy provider"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/ossl-modules"));
	if (saved)
		setenv("OPENSSL_MODULES", saved, 1);
	else
		unsetenv("OPENSSL_MODULES");
	free(saved);
	/* not remembered: it loads once it is there */
	CU_ASSERT_EQUAL(mschapv2_respond(&p, auth_ch, peer_ch, USER, 4,
					 PASSWORD, 10, &e), 0);
	ASSERT_HEX(p.nt_response, 24, NT_RESPONSE);
	mschapv2_peer_wipe(&p);
	mschapv2_teardown();
	mschapv2_teardown();
}

void add_mschapv2_tests(void)
{
	CU_pSuite s = CU_add_suite("crypto-mschapv2", NULL, NULL);

	CU_add_test(s, "RFC 2759 9.2 steps", test_rfc2759_steps);
	CU_add_test(s, "RFC 3079 3.5.3 master and start keys, MSK",
		    test_rfc3079);
	CU_add_test(s, "respond: RFC 2759 9.2 and the MSK", test_respond);
	CU_add_test(s, "authenticator response check", test_verify);
	CU_add_test(s, "domain prefix left out of ChallengeHash", test_domain);
	CU_add_test(s, "UTF-8 password to UTF-16LE", test_utf16);
	CU_add_test(s, "invalid UTF-8 refused", test_utf8_invalid);
	CU_add_test(s, "256 characters at most", test_password_length);
	CU_add_test(s, "DES key expansion with parity", test_des_key);
	CU_add_test(s, "legacy provider in its own library context",
		    test_libctx);
	CU_add_test(s, "legacy provider missing", test_no_legacy);
}
