/* Certificates: loading, chain verification, identity matching. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

static const char *ossl_reason(void)
{
	unsigned long err = ERR_get_error();
	const char *r = err ? ERR_reason_error_string(err) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

X509 *x509_load_pem(const char *path, struct verr *e)
{
	FILE *f = fopen(path, "r");
	X509 *cert;

	if (!f) {
		verr_set(e, "cannot open certificate %s", path);
		return NULL;
	}
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!cert)
		verr_set(e, "%s: no PEM certificate (%s)", path,
			 ossl_reason());
	return cert;
}

EVP_PKEY *pkey_load_pem(const char *path, struct verr *e)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;

	if (!f) {
		verr_set(e, "cannot open private key %s", path);
		return NULL;
	}
	/* An empty passphrase callback result: encrypted keys fail cleanly
	 * instead of prompting on a terminal the daemon does not have. */
	key = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
	fclose(f);
	if (!key)
		verr_set(e, "%s: no usable PEM private key (%s)", path,
			 ossl_reason());
	return key;
}

X509 *x509_from_der(const uint8_t *der, size_t len, struct verr *e)
{
	const uint8_t *p = der;
	X509 *cert;

	if (len > (size_t)LONG_MAX) {
		verr_set(e, "certificate too large");
		return NULL;
	}
	cert = d2i_X509(NULL, &p, (long)len);
	if (!cert || p != der + len) {
		X509_free(cert);
		verr_set(e, "malformed DER certificate");
		return NULL;
	}
	return cert;
}

int x509_verify_chain(X509 *cert, STACK_OF(X509) *untrusted,
		      const char *ca_file, struct verr *e)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -1;

	if (!store || !ctx) {
		verr_set(e, "out of memory");
		goto out;
	}
	if (!X509_STORE_load_file(store, ca_file)) {
		verr_set(e, "cannot load CA certificates from %s (%s)",
			 ca_file, ossl_reason());
		goto out;
	}
	if (!X509_STORE_CTX_init(ctx, store, cert, untrusted)) {
		verr_set(e, "certificate verification setup failed");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		verr_set(e, "certificate verification failed at depth %d: %s",
			 X509_STORE_CTX_get_error_depth(ctx),
			 X509_verify_cert_error_string(
				 X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

static bool string_eq_nocase(const ASN1_STRING *s, const uint8_t *data,
			     size_t len)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);

	return (size_t)ASN1_STRING_length(s) == len &&
	       strncasecmp((const char *)p, (const char *)data, len) == 0 &&
	       memchr(p, '\0', len) == NULL;
}

static bool san_matches(const GENERAL_NAME *gn, uint8_t id_type,
			const uint8_t *data, size_t len)
{
	const ASN1_OCTET_STRING *ip;

	switch (id_type) {
	case ID_FQDN:
		return gn->type == GEN_DNS &&
		       string_eq_nocase(gn->d.dNSName, data, len);
	case ID_RFC822_ADDR:
		return gn->type == GEN_EMAIL &&
		       string_eq_nocase(gn->d.rfc822Name, data, len);
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		if (gn->type != GEN_IPADD)
			return false;
		ip = gn->d.iPAddress;
		return (size_t)ASN1_STRING_length(ip) == len &&
		       len == (id_type == ID_IPV4_ADDR ? 4u : 16u) &&
		       memcmp(ASN1_STRING_get0_data(ip), data, len) == 0;
	default:
		return false;
	}
}

static bool subject_matches(X509 *cert, const uint8_t *data, size_t len)
{
	const uint8_t *p = data;
	X509_NAME *name;
	bool ok;

	name = d2i_X509_NAME(NULL, &p, (long)len);
	/* X509_NAME_cmp compares the canonical DER of both names. */
	ok = name && p == data + len &&
	     X509_NAME_cmp(name, X509_get_subject_name(cert)) == 0;
	X509_NAME_free(name);
	return ok;
}

bool x509_has_id(X509 *cert, uint8_t id_type, const uint8_t *data,
		 size_t len)
{
	GENERAL_NAMES *sans;
	bool found = false;

	if (!len || len > 65535)
		return false;
	if (id_type == ID_DER_ASN1_DN)
		return subject_matches(cert, data, len);
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !found; i++)
		found = san_matches(sk_GENERAL_NAME_value(sans, i), id_type,
				    data, len);
	GENERAL_NAMES_free(sans);
	return found;
}
