/* Test certificates and CRLs (certgen.h). */
#include <stdio.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certgen.h"

static long next_serial = 1000;

EVP_PKEY *cg_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

bool cg_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
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

static X509_NAME *name_of(const char *cn)
{
	X509_NAME *name = X509_NAME_new();

	if (name &&
	    (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					 (const unsigned char *)"vpnd test",
					 -1, -1, 0) ||
	     !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					 (const unsigned char *)cn, -1, -1,
					 0))) {
		X509_NAME_free(name);
		name = NULL;
	}
	return name;
}

X509 *cg_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
	      EVP_PKEY *issuer_key, bool ca, const char *san)
{
	X509 *c = X509_new();
	X509_NAME *name = name_of(cn);
	bool ok;

	ok = c && name && X509_set_version(c, 2) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(c), next_serial++) &&
	     X509_gmtime_adj(X509_getm_notBefore(c), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(c), 86400) &&
	     X509_set_subject_name(c, name) &&
	     X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) :
					      name) &&
	     X509_set_pubkey(c, key);
	X509_NAME_free(name);
	if (ok && !issuer) {
		issuer = c;
		issuer_key = key;
		ca = true;
	}
	if (ok && ca)
		ok = cg_add_ext(c, issuer, NID_basic_constraints,
				"critical,CA:TRUE") &&
		     cg_add_ext(c, issuer, NID_key_usage,
				"critical,keyCertSign,cRLSign");
	if (ok && san)
		ok = cg_add_ext(c, issuer, NID_subject_alt_name, san);
	if (ok && X509_sign(c, issuer_key, EVP_sha256()) > 0)
		return c;
	X509_free(c);
	return NULL;
}

static bool set_time(X509_CRL *crl, long from_now, bool next)
{
	ASN1_TIME *t = X509_gmtime_adj(NULL, from_now);
	bool ok = t && (next ? X509_CRL_set1_nextUpdate(crl, t) :
			       X509_CRL_set1_lastUpdate(crl, t));

	ASN1_TIME_free(t);
	return ok;
}

static bool add_revoked(X509_CRL *crl, X509 *cert)
{
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_TIME *t = X509_gmtime_adj(NULL, -1800);
	bool ok = r && t &&
		  X509_REVOKED_set_serialNumber(r,
						X509_get_serialNumber(cert)) &&
		  X509_REVOKED_set_revocationDate(r, t) &&
		  X509_CRL_add0_revoked(crl, r);

	ASN1_TIME_free(t);
	if (!ok)
		X509_REVOKED_free(r);
	return ok;
}

X509_CRL *cg_crl(X509 *issuer, EVP_PKEY *key, X509 *const *revoked, int n,
		 long next_update)
{
	X509_CRL *crl = X509_CRL_new();
	long last = next_update < 0 ? next_update - 86400 : -3600;
	bool ok;

	ok = crl && X509_CRL_set_version(crl, 1) &&
	     X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) &&
	     set_time(crl, last, false) && set_time(crl, next_update, true);
	for (int i = 0; ok && i < n; i++)
		ok = add_revoked(crl, revoked[i]);
	if (ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, key, EVP_sha256()) > 0)
		return crl;
	X509_CRL_free(crl);
	return NULL;
}

static FILE *open_out(const char *path, bool append)
{
	return fopen(path, append ? "a" : "w");
}

bool cg_write_cert(const char *path, X509 *cert, bool append)
{
	FILE *f = open_out(path, append);
	bool ok = f && PEM_write_X509(f, cert);

	if (f)
		ok = fclose(f) == 0 && ok;
	return ok;
}

bool cg_write_key(const char *path, EVP_PKEY *key)
{
	FILE *f = open_out(path, false);
	bool ok = f && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);

	if (f)
		ok = fclose(f) == 0 && ok;
	return ok;
}

bool cg_write_crl(const char *path, X509_CRL *crl, bool append)
{
	FILE *f = open_out(path, append);
	bool ok = f && PEM_write_X509_CRL(f, crl);

	if (f)
		ok = fclose(f) == 0 && ok;
	return ok;
}

bool cg_write_crl_der(const char *path, X509_CRL *crl)
{
	FILE *f = open_out(path, false);
	bool ok = f && i2d_X509_CRL_fp(f, crl);

	if (f)
		ok = fclose(f) == 0 && ok;
	return ok;
}
