/* Test certificates and CRLs: a CA, an intermediate, a leaf with SANs,
 * CRLs listing chosen serials, written as PEM or DER. Every certificate
 * gets a serial of its own (a counter), so a CRL names exactly one. */
#ifndef VPND_TEST_CERTGEN_H
#define VPND_TEST_CERTGEN_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

EVP_PKEY *cg_key(void); /* P-256 */
bool cg_add_ext(X509 *cert, X509 *issuer, int nid, const char *value);
/* issuer NULL: a self-signed root CA. ca: basicConstraints CA:TRUE
 * (a root always is one). san: "DNS:a,email:b" or NULL. */
X509 *cg_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
	      EVP_PKEY *issuer_key, bool ca, const char *san);
/* A CRL of issuer listing the serials of the certificates in revoked
 * (n of them); next_update seconds from now (negative: already past;
 * its lastUpdate is then before that). */
X509_CRL *cg_crl(X509 *issuer, EVP_PKEY *key, X509 *const *revoked, int n,
		 long next_update);
/* Appends to path (creating it): a certificate, a key, a CRL (PEM) or
 * the CRL in DER (overwriting). */
bool cg_write_cert(const char *path, X509 *cert, bool append);
bool cg_write_key(const char *path, EVP_PKEY *key);
bool cg_write_crl(const char *path, X509_CRL *crl, bool append);
bool cg_write_crl_der(const char *path, X509_CRL *crl);

#endif
