/* Proposal strings, identities and the remote identity matcher. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "vpnd/ike_const.h"
#include "tutil.h"

static void test_ike_gcm(void)
{
	struct alg_set a;
	struct verr e;

	CU_ASSERT_EQUAL_FATAL(alg_set_parse("aes256gcm16-prfsha384-ecp384",
					    false, &a, &e), 0);
	CU_ASSERT_EQUAL(a.n_encr, 1);
	CU_ASSERT_EQUAL(a.encr[0].id, ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(a.encr[0].keylen, 256);
	CU_ASSERT_EQUAL(a.n_integ, 0);
	CU_ASSERT_EQUAL(a.n_prf, 1);
	CU_ASSERT_EQUAL(a.prf[0], PRF_HMAC_SHA2_384);
	CU_ASSERT_EQUAL(a.n_dh, 1);
	CU_ASSERT_EQUAL(a.dh[0], DH_ECP384);
	CU_ASSERT_EQUAL(a.n_esn, 0);
}

static void test_ike_derived_prf(void)
{
	struct alg_set a;
	struct verr e;

	/* order free, repeats collapse, each integ adds its PRF */
	CU_ASSERT_EQUAL_FATAL(alg_set_parse("modp3072-aes128-sha1-AES192-"
					    "sha512-sha1-curve25519",
					    false, &a, &e), 0);
	CU_ASSERT_EQUAL(a.n_encr, 2);
	CU_ASSERT_EQUAL(a.encr[0].id, ENCR_AES_CBC);
	CU_ASSERT_EQUAL(a.encr[0].keylen, 128);
	CU_ASSERT_EQUAL(a.encr[1].keylen, 192);
	CU_ASSERT_EQUAL(a.n_integ, 2);
	CU_ASSERT_EQUAL(a.integ[0], INTEG_HMAC_SHA1_96);
	CU_ASSERT_EQUAL(a.integ[1], INTEG_HMAC_SHA2_512_256);
	CU_ASSERT_EQUAL(a.n_prf, 2);
	CU_ASSERT_EQUAL(a.prf[0], PRF_HMAC_SHA1);
	CU_ASSERT_EQUAL(a.prf[1], PRF_HMAC_SHA2_512);
	CU_ASSERT_EQUAL(a.n_dh, 2);
	CU_ASSERT_EQUAL(a.dh[0], DH_MODP3072);
	CU_ASSERT_EQUAL(a.dh[1], DH_CURVE25519);

	/* an explicit prf replaces the derived ones */
	CU_ASSERT_EQUAL_FATAL(alg_set_parse("aes256-sha384-prfsha256-ecp521",
					    false, &a, &e), 0);
	CU_ASSERT_EQUAL(a.integ[0], INTEG_HMAC_SHA2_384_192);
	CU_ASSERT_EQUAL(a.n_prf, 1);
	CU_ASSERT_EQUAL(a.prf[0], PRF_HMAC_SHA2_256);
	CU_ASSERT_EQUAL(a.dh[0], DH_ECP521);
}

static void test_aliases(void)
{
	struct alg_set a;
	struct verr e;

	CU_ASSERT_EQUAL_FATAL(alg_set_parse("aes128gcm-chacha20poly1305-"
					    "prfsha512-x25519-modp4096-ecp256",
					    false, &a, &e), 0);
	CU_ASSERT_EQUAL(a.n_encr, 2);
	CU_ASSERT_EQUAL(a.encr[0].id, ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(a.encr[0].keylen, 128);
	CU_ASSERT_EQUAL(a.encr[1].id, ENCR_CHACHA20_POLY1305);
	CU_ASSERT_EQUAL(a.encr[1].keylen, 0);
	CU_ASSERT_EQUAL(a.n_dh, 3);
	CU_ASSERT_EQUAL(a.dh[0], DH_CURVE25519);
	CU_ASSERT_EQUAL(a.dh[1], DH_MODP4096);
	CU_ASSERT_EQUAL(a.dh[2], DH_ECP256);
}

static void test_esp(void)
{
	struct alg_set a;
	struct verr e;

	CU_ASSERT_EQUAL_FATAL(alg_set_parse("aes256gcm16", true, &a, &e), 0);
	CU_ASSERT_EQUAL(a.n_encr, 1);
	CU_ASSERT_EQUAL(a.n_prf, 0);
	CU_ASSERT_EQUAL(a.n_dh, 0);
	CU_ASSERT_EQUAL(a.n_esn, 1);
	CU_ASSERT_EQUAL(a.esn[0], ESN_NO);

	CU_ASSERT_EQUAL_FATAL(alg_set_parse("aes128-sha256-esn-noesn-ecp256",
					    true, &a, &e), 0);
	CU_ASSERT_EQUAL(a.integ[0], INTEG_HMAC_SHA2_256_128);
	CU_ASSERT_EQUAL(a.n_prf, 0);
	CU_ASSERT_EQUAL(a.n_dh, 1);
	CU_ASSERT_EQUAL(a.dh[0], DH_ECP256);
	CU_ASSERT_EQUAL(a.n_esn, 2);
	CU_ASSERT_EQUAL(a.esn[0], ESN_YES);
	CU_ASSERT_EQUAL(a.esn[1], ESN_NO);
}

static void test_bad_proposals(void)
{
	static const struct {
		const char *s;
		bool esp;
		const char *msg;
	} bad[] = {
		{ "aes257-sha256-ecp256", false,
		  "unknown proposal token 'aes257'" },
		{ "aes256gcm16-ecp384", false, "AEAD proposal needs a prf" },
		{ "aes256gcm16-sha256-prfsha256-ecp384", false,
		  "AEAD proposal cannot have an integrity algorithm" },
		{ "aes256gcm16-aes256-prfsha256-ecp384", false,
		  "AEAD and non-AEAD encryption algorithms cannot be mixed" },
		{ "aes256-ecp384", false,
		  "proposal needs an integrity algorithm" },
		{ "aes256-sha256", false, "IKE proposal needs a DH group" },
		{ "sha256-ecp256", false,
		  "proposal has no encryption algorithm" },
		{ "aes256-sha256-ecp256-esn", false,
		  "'esn' is only valid in an ESP proposal" },
		{ "aes256-sha256-prfsha256", true,
		  "'prfsha256' is not valid in an ESP proposal" },
		{ "aes256--sha256", true,
		  "empty token in proposal 'aes256--sha256'" },
		{ "aes256-sha256-", true,
		  "empty token in proposal 'aes256-sha256-'" },
		{ "", true, "empty proposal" },
		{ "aes256-sha256-ecp256-modp2048-ecp384-ecp521-x25519-"
		  "modp3072-modp4096-curve25519-ecp256-modp1024", false,
		  "unknown proposal token 'modp1024'" },
		{ "aes128-aes192-aes256-aes128gcm", true,
		  "AEAD and non-AEAD encryption algorithms cannot be mixed" },
		{ "aes128gcm16-aes256gcm-chacha20poly1305-verylongtokenname12345"
		  , true, "unknown proposal token "
		  "'verylongtokenname12345'" },
	};
	struct alg_set a;
	struct verr e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		CU_ASSERT_EQUAL(alg_set_parse(bad[i].s, bad[i].esp, &a, &e), -1);
		CU_ASSERT_STRING_EQUAL(e.msg, bad[i].msg);
	}
}

static bool accepts(const struct profile *p, uint8_t type, const char *s)
{
	return profile_accepts_remote_id(p, type, (const uint8_t *)s,
					 strlen(s));
}

static void load_ids(struct profile *p, const char *remote)
{
	char yaml[512];
	struct verr e = { "" };

	snprintf(yaml, sizeof(yaml), "connection: {gateway: gw}\n"
		 "local: {id: me.example.org, psk: k}\nremote: %s\n", remote);
	CU_ASSERT_EQUAL_FATAL(tu_load(yaml, p, &e), 0);
}

static void test_patterns(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 7 };
	static const uint8_t v4b[4] = { 192, 0, 2, 8 };
	struct profile p;

	load_ids(&p, "{id: gw.example.org, id-patterns: [\"*.vpn.example.com\","
		 " gw2.example.org, \"*@example.net\", 192.0.2.8]}");
	CU_ASSERT_TRUE(accepts(&p, ID_FQDN, "gw.example.org"));
	CU_ASSERT_TRUE(accepts(&p, ID_FQDN, "GW.Example.ORG"));
	CU_ASSERT_FALSE(accepts(&p, ID_RFC822_ADDR, "gw.example.org"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "gw.example.org."));
	CU_ASSERT_TRUE(accepts(&p, ID_FQDN, "a.vpn.example.com"));
	CU_ASSERT_TRUE(accepts(&p, ID_FQDN, "a.b.VPN.example.com"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "vpn.example.com"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, ".vpn.example.com"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "a..vpn.example.com"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "evilvpn.example.com"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "a.vpn.example.com.evil"));
	CU_ASSERT_TRUE(accepts(&p, ID_FQDN, "gw2.example.org"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "x.gw2.example.org"));
	CU_ASSERT_TRUE(accepts(&p, ID_RFC822_ADDR, "gw@example.net"));
	CU_ASSERT_FALSE(accepts(&p, ID_RFC822_ADDR, "@example.net"));
	CU_ASSERT_FALSE(accepts(&p, ID_RFC822_ADDR, "gw@x.example.net"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "other.example.org"));
	CU_ASSERT_TRUE(profile_accepts_remote_id(&p, ID_IPV4_ADDR, v4b, 4));
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_IPV4_ADDR, v4, 4));
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_IPV4_ADDR, v4b, 3));
	/* an embedded NUL must not truncate the comparison */
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_FQDN,
		(const uint8_t *)"a.vpn.example.com\0x", 19));
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_FQDN, NULL, 0));
	profile_free(&p);

	/* a patterns-only profile accepts nothing else */
	load_ids(&p, "{id-patterns: \"*.example.com\"}");
	CU_ASSERT_TRUE(accepts(&p, ID_FQDN, "gw.example.com"));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "gw.example.org"));
	CU_ASSERT_FALSE(p.send_idr);
	profile_free(&p);

	/* IP identities compare in binary form */
	load_ids(&p, "{id: 192.0.2.7}");
	CU_ASSERT_TRUE(profile_accepts_remote_id(&p, ID_IPV4_ADDR, v4, 4));
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_IPV4_ADDR, v4b, 4));
	CU_ASSERT_FALSE(accepts(&p, ID_FQDN, "192.0.2.7"));
	profile_free(&p);
}

/* C=CH, O=Example, CN=gw with CN as a PrintableString, as some CAs
 * encode it: must still match our UTF8String form. */
static const uint8_t dn_printable[] = {
	0x30, 0x2c,
	0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06,
	0x13, 0x02, 'C', 'H',
	0x31, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x0a,
	0x13, 0x07, 'E', 'x', 'a', 'm', 'p', 'l', 'e',
	0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03,
	0x13, 0x02, 'g', 'w',
};

static void test_dn_match(void)
{
	uint8_t other[sizeof(dn_printable)], longer[sizeof(dn_printable) + 1];
	struct profile p;

	load_ids(&p, "{id: \"dn:C=CH, O=Example, CN=gw\"}");
	CU_ASSERT_TRUE(profile_accepts_remote_id(&p, ID_DER_ASN1_DN,
		dn_printable, sizeof(dn_printable)));
	memcpy(other, dn_printable, sizeof(other));
	other[sizeof(other) - 1] = 'x';
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_DER_ASN1_DN,
		other, sizeof(other)));
	memcpy(longer, dn_printable, sizeof(dn_printable));
	longer[sizeof(dn_printable)] = 0;
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_DER_ASN1_DN,
		longer, sizeof(longer)));
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_DER_ASN1_DN,
		dn_printable, 10));
	CU_ASSERT_FALSE(profile_accepts_remote_id(&p, ID_FQDN,
		dn_printable, sizeof(dn_printable)));
	profile_free(&p);
}

static void test_id_types(void)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t keyid[4] = { 0x0a, 0x1b, 0xc2, 0xd3 };
	struct profile p;

	load_ids(&p, "{id: \"2001:db8::1\"}");
	CU_ASSERT_EQUAL(p.remote_id.type, ID_IPV6_ADDR);
	CU_ASSERT_EQUAL(p.remote_id.len, 16);
	CU_ASSERT_EQUAL(memcmp(p.remote_id.data, v6, 16), 0);
	profile_free(&p);

	load_ids(&p, "{id: \"keyid:0a:1B:c2d3\"}");
	CU_ASSERT_EQUAL(p.remote_id.type, ID_KEY_ID);
	CU_ASSERT_EQUAL(p.remote_id.len, 4);
	CU_ASSERT_EQUAL(memcmp(p.remote_id.data, keyid, 4), 0);
	CU_ASSERT_TRUE(profile_accepts_remote_id(&p, ID_KEY_ID, keyid, 4));
	profile_free(&p);

	/* an explicit prefix wins over the inference */
	load_ids(&p, "{id: \"fqdn:user@example.org\"}");
	CU_ASSERT_EQUAL(p.remote_id.type, ID_FQDN);
	CU_ASSERT_STRING_EQUAL(p.remote_id.text, "user@example.org");
	profile_free(&p);

	load_ids(&p, "{id: \"ipv6:::1\"}");
	CU_ASSERT_EQUAL(p.remote_id.type, ID_IPV6_ADDR);
	CU_ASSERT_EQUAL(p.remote_id.data[15], 1);
	profile_free(&p);

	load_ids(&p, "{id: \"dn:CN=a\\\\, b\"}");
	CU_ASSERT_EQUAL(p.remote_id.type, ID_DER_ASN1_DN);
	/* SEQ { SET { SEQ { OID cn, UTF8String "a, b" } } } */
	CU_ASSERT_EQUAL(p.remote_id.len, 17);
	CU_ASSERT_EQUAL(memcmp(p.remote_id.data + 13, "a, b", 4), 0);
	profile_free(&p);
}

int add_alg_tests(void)
{
	CU_pSuite s = CU_add_suite("proposals", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "ike gcm", test_ike_gcm) ||
	    !CU_add_test(s, "ike derived prf", test_ike_derived_prf) ||
	    !CU_add_test(s, "aliases", test_aliases) ||
	    !CU_add_test(s, "esp", test_esp) ||
	    !CU_add_test(s, "bad proposals", test_bad_proposals))
		return -1;
	return 0;
}

int add_id_tests(void)
{
	CU_pSuite s = CU_add_suite("identities", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "patterns", test_patterns) ||
	    !CU_add_test(s, "dn match", test_dn_match) ||
	    !CU_add_test(s, "id types", test_id_types))
		return -1;
	return 0;
}
