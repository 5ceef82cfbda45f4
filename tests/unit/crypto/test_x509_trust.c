/* Trust anchors and CRLs (x509_verify.c): an intermediate as anchor, CA
 * bundles, CRLs that revoke, do not revoke, are stale, are of another
 * CA or badly signed, in PEM and DER; the texts of the refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "certgen.h"
#include "vpnd/crypto.h"

#include "tutil.h"

static char dir[] = "/tmp/vpnd-test-trust-XXXXXX";
static EVP_PKEY *root_key, *inter_key, *gw_key, *other_key;
/* root -> inter -> gw; root -> direct; other (unrelated root) */
static X509 *root, *inter, *gw, *direct, *other;
static STACK_OF(X509) *sent; /* what the gateway sends: the intermediate */

static const char *path(const char *name)
{
	static char buf[4][96];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int trust_setup(void)
{
	if (!mkdtemp(dir))
		return 1;
	root_key = cg_key();
	inter_key = cg_key();
	gw_key = cg_key();
	other_key = cg_key();
	if (!root_key || !inter_key || !gw_key || !other_key)
		return 1;
	root = cg_cert("Root CA", root_key, NULL, NULL, true, NULL);
	inter = cg_cert("Intermediate CA", inter_key, root, root_key, true,
			NULL);
	gw = cg_cert("gw.example.org", gw_key, inter, inter_key, false,
		     "DNS:gw.example.org");
	direct = cg_cert("direct.example.org", gw_key, root, root_key, false,
			 "DNS:direct.example.org");
	other = cg_cert("Other CA", other_key, NULL, NULL, true, NULL);
	sent = sk_X509_new_null();
	if (!root || !inter || !gw || !direct || !other || !sent ||
	    !sk_X509_push(sent, inter) || !X509_up_ref(inter))
		return 1;
	return cg_write_cert(path("root.pem"), root, false) &&
	       cg_write_cert(path("inter.pem"), inter, false) &&
	       cg_write_cert(path("other.pem"), other, false) &&
	       cg_write_cert(path("bundle.pem"), other, false) &&
	       cg_write_cert(path("bundle.pem"), root, true) ? 0 : 1;
}

static int trust_teardown(void)
{
	static const char *const files[] = {
		"root.pem", "inter.pem", "other.pem", "bundle.pem", "crl.pem",
		"crl.der", "broken.pem", "garbage",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(path(files[i]));
	rmdir(dir);
	sk_X509_pop_free(sent, X509_free);
	X509_free(root);
	X509_free(inter);
	X509_free(gw);
	X509_free(direct);
	X509_free(other);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(gw_key);
	EVP_PKEY_free(other_key);
	return 0;
}

static int check(X509 *leaf, STACK_OF(X509) *chain, const char *ca,
		 const char *crl, struct verr *note, struct verr *e)
{
	const struct x509_trust t = { path(ca), crl ? path(crl) : NULL };

	e->msg[0] = '\0';
	return x509_verify(leaf, chain, &t, note, e);
}

/* The intermediate alone is enough, with or without the gateway sending
 * it; the root needs it sent. The refusal names depth, subject, issuer. */
static void test_intermediate_anchor(void)
{
	struct verr e, note;

	CU_ASSERT_EQUAL(check(gw, NULL, "inter.pem", NULL, &note, &e), 0);
	CU_ASSERT_STRING_EQUAL(note.msg, "");
	CU_ASSERT_EQUAL(check(gw, sent, "inter.pem", NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(check(gw, sent, "root.pem", NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(check(gw, NULL, "root.pem", NULL, NULL, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "chain refused at depth 0, 'O=vpnd test, CN=gw.example.org' by 'O=vpnd test, CN=Intermediate CA': unable to get local issuer certificate (no anchor for it in the CA file)");
	CU_ASSERT_EQUAL(check(gw, sent, "other.pem", NULL, NULL, &e), -1);
	CU_ASSERT(strstr(e.msg, "at depth 1, 'O=vpnd test, CN=Intermediate CA' by 'O=vpnd test, CN=Root CA'") != NULL);
	/* the intermediate is not an anchor for what the root signed */
	CU_ASSERT_EQUAL(check(direct, NULL, "inter.pem", NULL, NULL, &e), -1);
	CU_ASSERT(strstr(e.msg, "depth 0") != NULL);
}

/* Every CA of a bundle counts, wherever it is in the file. */
static void test_bundle(void)
{
	STACK_OF(X509) *all;
	struct verr e = { "" };
	FILE *f;

	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(check(direct, NULL, "bundle.pem", NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(check(gw, sent, "bundle.pem", NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(check(direct, NULL, "other.pem", NULL, NULL, &e), -1);
	all = x509_load_pem_all(path("bundle.pem"), &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	CU_ASSERT_EQUAL(sk_X509_num(all), 2);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(all, 0), other), 0);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(all, 1), root), 0);
	sk_X509_pop_free(all, X509_free);
	/* a broken block after good ones, and no certificate at all */
	CU_ASSERT_FATAL(cg_write_cert(path("broken.pem"), root, false));
	f = fopen(path("broken.pem"), "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 !\n-----END CERTIFICATE-----\n", f);
	fclose(f);
	CU_ASSERT_PTR_NULL(x509_load_pem_all(path("broken.pem"), &e));
	CU_ASSERT(strstr(e.msg, "broken") != NULL);
	f = fopen(path("garbage"), "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("no certificates here\n", f);
	fclose(f);
	CU_ASSERT_PTR_NULL(x509_load_pem_all(path("garbage"), &e));
	CU_ASSERT(strstr(e.msg, "no PEM certificate") != NULL);
}

static void write_crl(X509_CRL *crl, bool der)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
	CU_ASSERT_FATAL(der ? cg_write_crl_der(path("crl.der"), crl) :
			      cg_write_crl(path("crl.pem"), crl, false));
	X509_CRL_free(crl);
}

/* The gateway signed by the root: revoked or not, PEM or DER. */
static void test_crl_leaf(void)
{
	struct verr e, note;

	write_crl(cg_crl(root, root_key, &direct, 1, 86400), false);
	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", "crl.pem", &note, &e),
			-1);
	CU_ASSERT_STRING_EQUAL(e.msg, "chain refused at depth 0, 'O=vpnd test, CN=direct.example.org' by 'O=vpnd test, CN=Root CA': certificate revoked (listed in the CRL file)");
	/* the same CRL in DER */
	write_crl(cg_crl(root, root_key, &direct, 1, 86400), true);
	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", "crl.der", &note, &e),
			-1);
	CU_ASSERT(strstr(e.msg, "certificate revoked") != NULL);
	/* a CRL that lists another serial */
	write_crl(cg_crl(root, root_key, &inter, 1, 86400), false);
	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", "crl.pem", &note, &e),
			0);
	CU_ASSERT_STRING_EQUAL(note.msg, "");
	/* without the CRL file, the revocation is not known */
	write_crl(cg_crl(root, root_key, &direct, 1, 86400), false);
	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", NULL, &note, &e), 0);
}

/* An expired CRL still revokes what it lists (strongSwan: REVOKED from
 * a stale CRL); one that lists nothing of ours lets the gateway pass
 * with a note (strongSwan: "certificate status is unknown, crl is
 * stale", accepted unless revocation is strict). OpenSSL alone would
 * refuse both with "CRL has expired". */
static void test_crl_stale(void)
{
	struct verr e, note;

	write_crl(cg_crl(root, root_key, &direct, 1, -3600), false);
	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", "crl.pem", &note, &e),
			-1);
	CU_ASSERT(strstr(e.msg, "certificate revoked") != NULL);
	write_crl(cg_crl(root, root_key, NULL, 0, -3600), false);
	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", "crl.pem", &note, &e),
			0);
	CU_ASSERT_STRING_EQUAL(note.msg, "status from a CRL past its nextUpdate for 'O=vpnd test, CN=direct.example.org' (by 'O=vpnd test, CN=Root CA')");
}

/* A CRL of another CA does not cover the gateway: refused, named. A CRL
 * with the right issuer name but another key's signature: refused. */
static void test_crl_wrong(void)
{
	struct verr e, note;
	X509_CRL *forged;

	write_crl(cg_crl(other, other_key, NULL, 0, 86400), false);
	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", "crl.pem", &note, &e),
			-1);
	CU_ASSERT_STRING_EQUAL(e.msg, "chain refused at depth 0, 'O=vpnd test, CN=direct.example.org' by 'O=vpnd test, CN=Root CA': unable to get certificate CRL (none of its issuer in the CRL file)");
	forged = cg_crl(root, other_key, NULL, 0, 86400);
	write_crl(forged, false);
	CU_ASSERT_EQUAL(check(direct, NULL, "root.pem", "crl.pem", &note, &e),
			-1);
	CU_ASSERT(strstr(e.msg, "CRL signature failure") != NULL);
	CU_ASSERT(strstr(e.msg, "(not by its issuer's key)") != NULL);
}

/* root -> intermediate -> gateway: the intermediate's CRL checks the
 * gateway, the root's the intermediate; with the intermediate as the
 * anchor only the gateway is checked. */
static void test_crl_chain(void)
{
	X509_CRL *crl_inter = cg_crl(inter, inter_key, NULL, 0, 86400);
	struct verr e, note;

	CU_ASSERT_PTR_NOT_NULL_FATAL(crl_inter);
	write_crl(cg_crl(inter, inter_key, &gw, 1, 86400), false);
	CU_ASSERT_EQUAL(check(gw, sent, "root.pem", "crl.pem", &note, &e), -1);
	CU_ASSERT(strstr(e.msg, "depth 0") && strstr(e.msg, "revoked"));
	CU_ASSERT_EQUAL(check(gw, NULL, "inter.pem", "crl.pem", &note, &e),
			-1);
	CU_ASSERT(strstr(e.msg, "certificate revoked") != NULL);
	/* not revoked; the intermediate has no CRL of the root: noted */
	write_crl(cg_crl(inter, inter_key, NULL, 0, 86400), false);
	CU_ASSERT_EQUAL(check(gw, sent, "root.pem", "crl.pem", &note, &e), 0);
	CU_ASSERT_STRING_EQUAL(note.msg, "no CRL of its issuer for 'O=vpnd test, CN=Intermediate CA' (by 'O=vpnd test, CN=Root CA')");
	/* the intermediate as anchor needs no status of its own */
	CU_ASSERT_EQUAL(check(gw, NULL, "inter.pem", "crl.pem", &note, &e), 0);
	CU_ASSERT_STRING_EQUAL(note.msg, "");
	/* the root's CRL alone: nothing covers the gateway */
	write_crl(cg_crl(root, root_key, &inter, 1, 86400), false);
	CU_ASSERT_EQUAL(check(gw, sent, "root.pem", "crl.pem", &note, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "chain refused at depth 0, 'O=vpnd test, CN=gw.example.org' by 'O=vpnd test, CN=Intermediate CA': unable to get certificate CRL (none of its issuer in the CRL file)");
	/* with the intermediate's beside it: the intermediate is revoked */
	CU_ASSERT_FATAL(cg_write_crl(path("crl.pem"), crl_inter, true));
	CU_ASSERT_EQUAL(check(gw, sent, "root.pem", "crl.pem", &note, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "chain refused at depth 1, 'O=vpnd test, CN=Intermediate CA' by 'O=vpnd test, CN=Root CA': certificate revoked (listed in the CRL file)");
	X509_CRL_free(crl_inter);
}

static void test_crl_files(void)
{
	STACK_OF(X509_CRL) *crls;
	struct verr e = { "" };
	X509_CRL *a = cg_crl(root, root_key, NULL, 0, 86400);
	X509_CRL *b = cg_crl(inter, inter_key, &gw, 1, 86400);
	FILE *f;

	CU_ASSERT_FATAL(a && b);
	CU_ASSERT_FATAL(cg_write_crl(path("crl.pem"), a, false));
	CU_ASSERT_FATAL(cg_write_crl(path("crl.pem"), b, true));
	crls = x509_load_crls(path("crl.pem"), &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crls);
	CU_ASSERT_EQUAL(sk_X509_CRL_num(crls), 2);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	/* both CRLs of the chain at once: the root's revokes nothing, the
	 * intermediate's the gateway */
	CU_ASSERT_EQUAL(check(gw, sent, "root.pem", "crl.pem", NULL, &e), -1);
	CU_ASSERT(strstr(e.msg, "depth 0") && strstr(e.msg, "revoked"));
	CU_ASSERT_FATAL(cg_write_crl_der(path("crl.der"), b));
	crls = x509_load_crls(path("crl.der"), &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crls);
	CU_ASSERT_EQUAL(sk_X509_CRL_num(crls), 1);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	/* DER with a byte after it, garbage, a certificate, nothing */
	f = fopen(path("crl.der"), "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputc(0, f);
	fclose(f);
	CU_ASSERT_PTR_NULL(x509_load_crls(path("crl.der"), &e));
	CU_ASSERT(strstr(e.msg, "neither PEM CRLs nor one DER CRL") != NULL);
	CU_ASSERT_PTR_NULL(x509_load_crls(path("garbage"), &e));
	CU_ASSERT_PTR_NULL(x509_load_crls(path("root.pem"), &e));
	CU_ASSERT_PTR_NULL(x509_load_crls(path("nonexistent"), &e));
	CU_ASSERT(strstr(e.msg, "cannot open CRL file") != NULL);
	/* a failed CRL file fails the check, it is not skipped */
	CU_ASSERT_EQUAL(check(gw, sent, "root.pem", "garbage", NULL, &e), -1);
	CU_ASSERT(strstr(e.msg, "neither PEM CRLs") != NULL);
	X509_CRL_free(a);
	X509_CRL_free(b);
}

static void test_names(void)
{
	char out[200], want[64];
	uint8_t *der = NULL;
	int len = i2d_X509_NAME(X509_get_subject_name(gw), &der);

	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_STRING_EQUAL(x509_dn_text(der, (size_t)len, out,
					    sizeof(out)),
			       "O=vpnd test, CN=gw.example.org");
	snprintf(want, sizeof(want), "(malformed DN, %d bytes)", len - 1);
	CU_ASSERT_STRING_EQUAL(x509_dn_text(der, (size_t)len - 1, out,
					    sizeof(out)), want);
	OPENSSL_free(der);
	CU_ASSERT_EQUAL(x509_san_text(gw, out, sizeof(out)), 1);
	CU_ASSERT_STRING_EQUAL(out, "DNS 'gw.example.org'");
	CU_ASSERT_EQUAL(x509_san_text(root, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
}

/* A long name keeps its end (the CN) in a chain error, which stays
 * whole within struct verr. */
static void test_long_name(void)
{
	X509 *c = cg_cert("a-very-long-host-name-of-sixty-or-more-characters.example.org",
			  gw_key, root, root_key, false, NULL);
	struct verr e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(check(c, NULL, "other.pem", NULL, NULL, &e), -1);
	CU_ASSERT_STRING_EQUAL(e.msg, "chain refused at depth 0, '...ost-name-of-sixty-or-more-characters.example.org' by 'O=vpnd test, CN=Root CA': unable to get local issuer certificate (no anchor for it in the CA file)");
	X509_free(c);
}

void add_x509_trust_tests(void)
{
	CU_pSuite s = CU_add_suite("crypto-x509-trust", trust_setup,
				   trust_teardown);

	CU_add_test(s, "intermediate as trust anchor", test_intermediate_anchor);
	CU_add_test(s, "CA bundle", test_bundle);
	CU_add_test(s, "CRL: the gateway revoked or not", test_crl_leaf);
	CU_add_test(s, "CRL: stale", test_crl_stale);
	CU_add_test(s, "CRL: of another CA, forged", test_crl_wrong);
	CU_add_test(s, "CRL: along a chain", test_crl_chain);
	CU_add_test(s, "CRL files: PEM, DER, broken", test_crl_files);
	CU_add_test(s, "names as text", test_names);
	CU_add_test(s, "a long name in a chain error", test_long_name);
}
