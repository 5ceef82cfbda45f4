/* CRL files for the check of the gateway's chain: PEM with one or more
 * CRLs, or a single DER CRL (what CAs publish at their distribution
 * points). */
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "vpnd/crypto.h"

/* The whole file in memory, bounded: a CRL file is parsed twice (PEM,
 * then DER) and a client's CRLs are small; 8 MiB is a CA with some
 * hundred thousand revocations. */
#define CRL_FILE_MAX (8u << 20)

/* The whole file in memory (OPENSSL_free it), bounded. */
static unsigned char *read_bounded(const char *path, size_t *len,
				   struct verr *e)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL, *grown;
	size_t cap = 0, n;

	*len = 0;
	if (!f) {
		verr_set(e, "cannot open CRL file %s", path);
		return NULL;
	}
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 16384;
			if (cap > CRL_FILE_MAX + 1)
				cap = CRL_FILE_MAX + 1;
			grown = OPENSSL_realloc(buf, cap);
			if (!grown) {
				verr_set(e, "out of memory");
				goto fail;
			}
			buf = grown;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0 && *len <= CRL_FILE_MAX);
	if (*len > CRL_FILE_MAX) {
		verr_set(e, "%s: larger than %u MiB", path, CRL_FILE_MAX >> 20);
		goto fail;
	}
	if (ferror(f) || *len == 0) {
		verr_set(e, "%s: %s", path, *len ? "cannot read it" : "empty");
		goto fail;
	}
	fclose(f);
	return buf;
fail:
	fclose(f);
	OPENSSL_free(buf);
	return NULL;
}

static int read_pem_crls(const unsigned char *buf, size_t len,
			 STACK_OF(X509_CRL) *out)
{
	BIO *mem = BIO_new_mem_buf(buf, (int)len);
	X509_CRL *crl;
	int rc = -1;

	if (!mem)
		return -1;
	while ((crl = PEM_read_bio_X509_CRL(mem, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_CRL_push(out, crl)) {
			X509_CRL_free(crl);
			goto out;
		}
	/* Anything but "no more PEM blocks" is a broken one. */
	if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE)
		rc = 0;
out:
	BIO_free(mem);
	return rc;
}

/* One DER CRL that is the whole file, nothing after it. */
static X509_CRL *read_der_crl(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);

	if (crl && p != buf + len) {
		X509_CRL_free(crl);
		crl = NULL;
	}
	return crl;
}

STACK_OF(X509_CRL) *x509_load_crls(const char *path, struct verr *e)
{
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	size_t len = 0;
	unsigned char *buf = crls ? read_bounded(path, &len, e) : NULL;
	X509_CRL *der;

	if (!buf)
		goto fail;
	if (read_pem_crls(buf, len, crls) == 0 && sk_X509_CRL_num(crls) > 0)
		goto done;
	if (sk_X509_CRL_num(crls) > 0) {
		verr_set(e, "%s: a PEM block after the CRLs is broken", path);
		goto fail;
	}
	der = read_der_crl(buf, len);
	if (!der || !sk_X509_CRL_push(crls, der)) {
		X509_CRL_free(der);
		verr_set(e, "%s: neither PEM CRLs nor one DER CRL", path);
		goto fail;
	}
done:
	ERR_clear_error();
	OPENSSL_free(buf);
	return crls;
fail:
	ERR_clear_error();
	OPENSSL_free(buf);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return NULL;
}
