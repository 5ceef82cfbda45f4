/* The test PKI (pki.h): EC P-256 keys, certificates signed here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki.h"

struct pki pki;
static char dir[] = "/tmp/vpnd-test-eap-XXXXXX";

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext && X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* issuer NULL: self-signed. ca: a CA certificate. */
static X509 *make(const char *cn, EVP_PKEY *key, X509 *issuer,
		  EVP_PKEY *issuer_key, int ca, const char *san)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();
	static long serial = 1;

	if (!c || !name)
		goto fail;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"vpnd test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, name);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(c, key);
	if (!issuer) {
		issuer = c;
		issuer_key = key;
	}
	if (ca && (add_ext(c, issuer, NID_basic_constraints, "critical,CA:TRUE") ||
		   add_ext(c, issuer, NID_key_usage, "critical,keyCertSign,cRLSign")))
		goto fail;
	if (san && add_ext(c, issuer, NID_subject_alt_name, san))
		goto fail;
	if (!X509_sign(c, issuer_key, EVP_sha256()))
		goto fail;
	X509_NAME_free(name);
	return c;
fail:
	X509_NAME_free(name);
	X509_free(c);
	return NULL;
}

/* n extra DNS names, so that the certificate takes several fragments. */
static char *many_names(const char *first, int n)
{
	size_t cap = strlen(first) + (size_t)n * 40 + 1, o;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	o = (size_t)snprintf(s, cap, "%s", first);
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, cap - o,
				      ",DNS:host-%04d.vpn.example.com", i);
	return s;
}

static int write_certs(char *path, const char *base, X509 *a, X509 *b)
{
	FILE *f;
	int ok;

	snprintf(path, 96, "%s/%s", dir, base);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = PEM_write_X509(f, a) && (!b || PEM_write_X509(f, b));
	return fclose(f) == 0 && ok ? 0 : -1;
}

static EVP_PKEY *key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

int pki_setup(void)
{
	char *gw_san, *me_san;

	if (!mkdtemp(dir))
		return -1;
	pki.root_key = key();
	pki.int1_key = key();
	pki.int2_key = key();
	pki.gw_key = key();
	pki.me_key = key();
	pki.other_key = key();
	if (!pki.root_key || !pki.int1_key || !pki.int2_key || !pki.gw_key ||
	    !pki.me_key || !pki.other_key)
		return -1;
	gw_san = many_names("DNS:vpn.example.com,email:gw@example.com,"
			    "IP:192.0.2.1,IP:2001:db8::1", 150);
	me_san = many_names("email:me@example.com", 120);
	pki.root = make("Test Root", pki.root_key, NULL, NULL, 1, NULL);
	pki.int1 = make("Test Int 1", pki.int1_key, pki.root, pki.root_key, 1,
			NULL);
	pki.int2 = make("Test Int 2", pki.int2_key, pki.int1, pki.int1_key, 1,
			NULL);
	pki.gw = make("vpn.example.com", pki.gw_key, pki.int2, pki.int2_key, 0,
		      gw_san);
	pki.me = make("me@example.com", pki.me_key, pki.root, pki.root_key, 0,
		      me_san);
	pki.other = make("Other CA", pki.other_key, NULL, NULL, 1, NULL);
	free(gw_san);
	free(me_san);
	pki.gw_chain = sk_X509_new_null();
	if (!pki.root || !pki.int1 || !pki.int2 || !pki.gw || !pki.me ||
	    !pki.other || !pki.gw_chain ||
	    !sk_X509_push(pki.gw_chain, pki.int2) ||
	    !sk_X509_push(pki.gw_chain, pki.int1))
		return -1;
	return write_certs(pki.root_file, "root.pem", pki.root, NULL) ||
	       write_certs(pki.int2_file, "int2.pem", pki.int2, NULL) ||
	       write_certs(pki.other_file, "other.pem", pki.other, NULL) ? -1 : 0;
}

int pki_gw_dn(unsigned char **der)
{
	*der = NULL;
	return i2d_X509_NAME(X509_get_subject_name(pki.gw), der);
}

void pki_teardown(void)
{
	unlink(pki.root_file);
	unlink(pki.int2_file);
	unlink(pki.other_file);
	rmdir(dir);
	sk_X509_free(pki.gw_chain);
	X509_free(pki.root);
	X509_free(pki.int1);
	X509_free(pki.int2);
	X509_free(pki.gw);
	X509_free(pki.me);
	X509_free(pki.other);
	EVP_PKEY_free(pki.root_key);
	EVP_PKEY_free(pki.int1_key);
	EVP_PKEY_free(pki.int2_key);
	EVP_PKEY_free(pki.gw_key);
	EVP_PKEY_free(pki.me_key);
	EVP_PKEY_free(pki.other_key);
	memset(&pki, 0, sizeof(pki));
}
