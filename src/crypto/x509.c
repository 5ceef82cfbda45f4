/* Certificates: loading, identity matching, names as text. The chain
 * check is in x509_verify.c, CRL files in x509_crl.c. */
#include <arpa/inet.h>
#include <ctype.h>
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

/* Every certificate of a PEM file, in order: a bundle of CAs. */
STACK_OF(X509) *x509_load_pem_all(const char *path, struct verr *e)
{
	STACK_OF(X509) *all = sk_X509_new_null();
	FILE *f = fopen(path, "r");
	X509 *cert;

	if (!f || !all) {
		verr_set(e, "cannot open certificate %s", path);
		goto fail;
	}
	while ((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(all, cert)) {
			X509_free(cert);
			verr_set(e, "out of memory");
			goto fail;
		}
	/* The loop ends at the end of the file or at a broken block: only
	 * the end is fine. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE ||
	    sk_X509_num(all) == 0) {
		verr_set(e, "%s: %s", path, sk_X509_num(all) ?
			 "a PEM block after the certificates is broken" :
			 "no PEM certificate");
		goto fail;
	}
	ERR_clear_error();
	fclose(f);
	return all;
fail:
	ERR_clear_error();
	if (f)
		fclose(f);
	sk_X509_pop_free(all, X509_free);
	return NULL;
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

/* strongSwan's form, "C=CH, O=vpnd, CN=gw.example.org": in the order of
 * the certificate, RFC 2253 escapes (control and non-ASCII bytes as
 * \XX, so a peer's name cannot put anything odd into a log line). */
#define NAME_FLAGS ((ASN1_STRFLGS_RFC2253 | XN_FLAG_SEP_CPLUS_SPC | \
		     XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS))

const char *x509_name_text(const X509_NAME *name, char *out, size_t len)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (!len)
		return out;
	snprintf(out, len, "(unprintable name)");
	if (mem && name && X509_NAME_print_ex(mem, name, 0, NAME_FLAGS) >= 0) {
		n = BIO_get_mem_data(mem, &p);
		snprintf(out, len, "%.*s", (int)(n < 0 ? 0 : n), p);
	}
	BIO_free(mem);
	return out;
}

const char *x509_dn_text(const uint8_t *der, size_t dlen, char *out,
			 size_t len)
{
	const uint8_t *p = der;
	X509_NAME *name = dlen <= 65535 ?
		d2i_X509_NAME(NULL, &p, (long)dlen) : NULL;

	if (name && p == der + dlen)
		x509_name_text(name, out, len);
	else if (len)
		snprintf(out, len, "(malformed DN, %zu bytes)", dlen);
	X509_NAME_free(name);
	return out;
}

/* One SAN in the words of profile identities: "email 'a@b'". */
static int san_text(const GENERAL_NAME *gn, char *out, size_t len)
{
	const ASN1_STRING *s;
	const char *kind;
	char ip[INET6_ADDRSTRLEN];
	int slen;

	switch (gn->type) {
	case GEN_EMAIL:
		kind = "email", s = gn->d.rfc822Name;
		break;
	case GEN_DNS:
		kind = "DNS", s = gn->d.dNSName;
		break;
	case GEN_IPADD:
		slen = ASN1_STRING_length(gn->d.iPAddress);
		if ((slen != 4 && slen != 16) ||
		    !inet_ntop(slen == 4 ? AF_INET : AF_INET6,
			       ASN1_STRING_get0_data(gn->d.iPAddress), ip,
			       sizeof(ip)))
			return 0;
		return snprintf(out, len, "IP %s", ip);
	default:
		return 0;
	}
	slen = ASN1_STRING_length(s);
	for (int i = 0; i < slen; i++)
		if (!isprint(ASN1_STRING_get0_data(s)[i]))
			return 0;
	return snprintf(out, len, "%s '%.*s'", kind, slen,
			(const char *)ASN1_STRING_get0_data(s));
}

size_t x509_san_text(X509 *cert, char *out, size_t len)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name,
					       NULL, NULL);
	size_t used = 0, shown = 0;
	char one[300];

	if (len)
		out[0] = '\0';
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
		int n = san_text(sk_GENERAL_NAME_value(sans, i), one,
				 sizeof(one));

		if (n <= 0 || (size_t)n >= sizeof(one) ||
		    used + (size_t)n + 3 > len)
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 shown ? ", " : "", one);
		shown++;
	}
	GENERAL_NAMES_free(sans);
	return shown;
}
