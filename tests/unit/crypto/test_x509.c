/* X.509: chain verification and identity matching with a CA and leaf
 * certificates generated here, written to a temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

#include "tutil.h"

static char dir[] = "/tmp/vpnd-test-x509-XXXXXX";
static char ca_path[64], other_ca_path[64], leaf_path[64], key_path[64];
static EVP_PKEY *ca_key, *other_key, *leaf_key;
static X509 *ca, *other_ca, *leaf;

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext && X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
		       EVP_PKEY *issuer_key, const char *san)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();

	if (!c || !name)
		return NULL;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), rand() & 0xffff);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"vpnd test", -1, -1,
				   0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, name);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(c, key);
	X509_NAME_free(name);
	if (!issuer) {
		issuer = c;
		issuer_key = key;
		if (!add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE") ||
		    !add_ext(c, c, NID_key_usage,
			     "critical,keyCertSign,cRLSign"))
			goto fail;
	}
	if (san && !add_ext(c, issuer, NID_subject_alt_name, san))
		goto fail;
	if (!X509_sign(c, issuer_key, EVP_sha256()))
		goto fail;
	return c;
fail:
	X509_free(c);
	return NULL;
}

static bool write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = cert ? PEM_write_X509(f, cert) :
		    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	return ok;
}

static int x509_setup(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	snprintf(other_ca_path, sizeof(other_ca_path), "%s/other.pem", dir);
	snprintf(leaf_path, sizeof(leaf_path), "%s/leaf.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/leaf.key", dir);
	ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	other_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	leaf_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!ca_key || !other_key || !leaf_key)
		return 1;
	ca = make_cert("Test CA", ca_key, NULL, NULL, NULL);
	other_ca = make_cert("Other CA", other_key, NULL, NULL, NULL);
	leaf = make_cert("vpn.example.com", leaf_key, ca, ca_key,
			 "DNS:vpn.example.com,IP:192.0.2.1,"
			 "email:gw@example.com,IP:2001:db8::1");
	if (!ca || !other_ca || !leaf)
		return 1;
	return write_pem(ca_path, ca, NULL) &&
	       write_pem(other_ca_path, other_ca, NULL) &&
	       write_pem(leaf_path, leaf, NULL) &&
	       write_pem(key_path, NULL, leaf_key) ? 0 : 1;
}

static int x509_teardown(void)
{
	unlink(ca_path);
	unlink(other_ca_path);
	unlink(leaf_path);
	unlink(key_path);
	rmdir(dir);
	X509_free(ca);
	X509_free(other_ca);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(leaf_key);
	return 0;
}

static void test_load(void)
{
	struct verr e = { "" };
	X509 *c = x509_load_pem(leaf_path, &e);
	EVP_PKEY *k = pkey_load_pem(key_path, &e);
	uint8_t *der = NULL;
	int len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(X509_cmp(c, leaf), 0);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, leaf_key), 1);
	len = i2d_X509(leaf, &der);
	CU_ASSERT_FATAL(len > 0);
	X509 *d = x509_from_der(der, (size_t)len, &e);

	CU_ASSERT_PTR_NOT_NULL(d);
	CU_ASSERT_EQUAL(X509_cmp(d, leaf), 0);
	X509_free(d);
	/* trailing garbage and truncation are refused */
	CU_ASSERT_PTR_NULL(x509_from_der(der, (size_t)len - 1, &e));
	OPENSSL_free(der);
	CU_ASSERT_PTR_NULL(x509_load_pem("/nonexistent/x.pem", &e));
	CU_ASSERT(strstr(e.msg, "/nonexistent/x.pem") != NULL);
	CU_ASSERT_PTR_NULL(pkey_load_pem(leaf_path, &e));
	X509_free(c);
	EVP_PKEY_free(k);
}

static void test_chain(void)
{
	struct verr e = { "" };

	CU_ASSERT_EQUAL(x509_verify_chain(leaf, NULL, ca_path, &e), 0);
	CU_ASSERT_EQUAL(x509_verify_chain(ca, NULL, ca_path, &e), 0);
	CU_ASSERT_EQUAL(x509_verify_chain(leaf, NULL, other_ca_path, &e), -1);
	CU_ASSERT(strstr(e.msg, "chain refused") != NULL);
	CU_ASSERT_EQUAL(x509_verify_chain(leaf, NULL, "/nonexistent", &e), -1);
}

/* A leaf issued by an intermediate verifies only with the intermediate
 * passed as untrusted. */
static void test_intermediate(void)
{
	EVP_PKEY *ik = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *lk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *inter, *l2;
	STACK_OF(X509) *chain = sk_X509_new_null();
	struct verr e = { "" };

	CU_ASSERT_FATAL(ik && lk && chain);
	inter = make_cert("Intermediate", ik, ca, ca_key, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inter);
	CU_ASSERT_FATAL(add_ext(inter, ca, NID_basic_constraints,
				"critical,CA:TRUE"));
	CU_ASSERT_FATAL(X509_sign(inter, ca_key, EVP_sha256()) > 0);
	l2 = make_cert("leaf2", lk, inter, ik, "DNS:two.example.com");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l2);
	CU_ASSERT_EQUAL(x509_verify_chain(l2, NULL, ca_path, &e), -1);
	sk_X509_push(chain, inter);
	CU_ASSERT_EQUAL(x509_verify_chain(l2, chain, ca_path, &e), 0);
	sk_X509_pop_free(chain, X509_free);
	X509_free(l2);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(lk);
}

static void test_has_id(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	static const uint8_t v4_other[4] = { 192, 0, 2, 2 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint8_t *dn = NULL;
	int dnlen;

	v6[15] = 1;
#define HAS(t, s) x509_has_id(leaf, (t), (const uint8_t *)(s), strlen(s))
	CU_ASSERT(HAS(ID_FQDN, "vpn.example.com"));
	CU_ASSERT(HAS(ID_FQDN, "VPN.Example.COM"));
	CU_ASSERT_FALSE(HAS(ID_FQDN, "vpn.example.co"));
	CU_ASSERT_FALSE(HAS(ID_FQDN, "evil.example.com"));
	CU_ASSERT(HAS(ID_RFC822_ADDR, "gw@example.com"));
	CU_ASSERT_FALSE(HAS(ID_RFC822_ADDR, "vpn.example.com"));
	CU_ASSERT_FALSE(HAS(ID_KEY_ID, "vpn.example.com"));
#undef HAS
	CU_ASSERT(x509_has_id(leaf, ID_IPV4_ADDR, v4, 4));
	CU_ASSERT_FALSE(x509_has_id(leaf, ID_IPV4_ADDR, v4_other, 4));
	CU_ASSERT(x509_has_id(leaf, ID_IPV6_ADDR, v6, 16));
	CU_ASSERT_FALSE(x509_has_id(leaf, ID_IPV6_ADDR, v4, 4));

	dnlen = i2d_X509_NAME(X509_get_subject_name(leaf), &dn);
	CU_ASSERT_FATAL(dnlen > 0);
	CU_ASSERT(x509_has_id(leaf, ID_DER_ASN1_DN, dn, (size_t)dnlen));
	CU_ASSERT_FALSE(x509_has_id(ca, ID_DER_ASN1_DN, dn, (size_t)dnlen));
	CU_ASSERT_FALSE(x509_has_id(leaf, ID_DER_ASN1_DN, dn,
				    (size_t)dnlen - 1));
	OPENSSL_free(dn);
	/* the CA has no SAN at all */
	CU_ASSERT_FALSE(x509_has_id(ca, ID_FQDN,
				    (const uint8_t *)"vpn.example.com", 15));
}

/* Certificates as strongSwan's pki tool issues them (the form a gateway
 * typically uses): chain, SAN matching, and an AUTH signature with the
 * pki-generated key checked against the certificate's public key. */
static int run_pki(const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "(cd %s && pki %s) 2>/dev/null", dir, args);
	return system(cmd);
}

static void test_pki_issued(void)
{
	static const uint8_t ip[4] = { 198, 51, 100, 7 };
	char path[96], cacert[96];
	struct verr e = { "" };
	X509 *gw;
	EVP_PKEY *key;
	uint8_t data[20] = { 0 }, method = 0;
	struct chunk oct = { data, sizeof(data) }, auth = { 0 };

	if (access("/usr/bin/pki", X_OK) != 0) {
		fprintf(stderr, "pki not installed, skipping\n");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(run_pki(
		"--gen --type ecdsa --size 384 --outform pem > pca.key && "
		"pki --self --ca --lifetime 10 --in pca.key --type ecdsa "
		"--dn 'C=CH, O=vpnd, CN=pki CA' --outform pem > pca.pem && "
		"pki --gen --type ecdsa --size 256 --outform pem > gw.key && "
		"pki --pub --in gw.key --type ecdsa | pki --issue --lifetime 5 "
		"--cacert pca.pem --cakey pca.key "
		"--dn 'C=CH, O=vpnd, CN=gw.example.org' --san gw.example.org "
		"--san 198.51.100.7 --flag serverAuth --outform pem > gw.pem"),
		0);
	snprintf(cacert, sizeof(cacert), "%s/pca.pem", dir);
	snprintf(path, sizeof(path), "%s/gw.pem", dir);
	gw = x509_load_pem(path, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gw);
	CU_ASSERT_EQUAL(x509_verify_chain(gw, NULL, cacert, &e), 0);
	CU_ASSERT_EQUAL(x509_verify_chain(gw, NULL, ca_path, &e), -1);
	CU_ASSERT(x509_has_id(gw, ID_FQDN, (const uint8_t *)"gw.example.org",
			      14));
	CU_ASSERT(x509_has_id(gw, ID_IPV4_ADDR, ip, 4));

	snprintf(path, sizeof(path), "%s/gw.key", dir);
	key = pkey_load_pem(path, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	CU_ASSERT_EQUAL(auth_sig_sign(key, NULL, 0, &oct, &method, &auth, &e),
			0);
	CU_ASSERT_EQUAL(method, AUTH_ECDSA_256);
	CU_ASSERT_EQUAL(auth_sig_verify(X509_get0_pubkey(gw), method, auth.p,
					auth.len, &oct, &e), 0);
	chunk_free(&auth);
	EVP_PKEY_free(key);
	X509_free(gw);
	unlink(path);
	snprintf(path, sizeof(path), "%s/gw.pem", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pca.key", dir);
	unlink(path);
	unlink(cacert);
}

void add_x509_tests(void)
{
	CU_pSuite s = CU_add_suite("crypto-x509", x509_setup, x509_teardown);

	CU_add_test(s, "load PEM / DER", test_load);
	CU_add_test(s, "chain against CA file", test_chain);
	CU_add_test(s, "chain with intermediate", test_intermediate);
	CU_add_test(s, "identity matching", test_has_id);
	CU_add_test(s, "pki-issued certificate", test_pki_issued);
}
