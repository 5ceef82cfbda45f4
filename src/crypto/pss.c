/* RSASSA-PSS AlgorithmIdentifier parameters (RFC 4055 3.1), as a peer
 * may send them with AUTH method 14 (RFC 7427). */
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto_internal.h"

static const char *sha_name(const X509_ALGOR *a)
{
	const ASN1_OBJECT *oid;

	if (!a)
		return "SHA1"; /* the RFC 4055 default */
	X509_ALGOR_get0(&oid, NULL, NULL, a);
	switch (OBJ_obj2nid(oid)) {
	case NID_sha1:
		return "SHA1";
	case NID_sha256:
		return "SHA256";
	case NID_sha384:
		return "SHA384";
	case NID_sha512:
		return "SHA512";
	default:
		return NULL;
	}
}

/* MGF1's parameter is itself an AlgorithmIdentifier naming the hash. */
static const char *mgf1_hash(const X509_ALGOR *mgf)
{
	const ASN1_OBJECT *oid;
	const void *pval;
	const ASN1_STRING *seq;
	const unsigned char *p;
	X509_ALGOR *hash;
	const char *name;
	int ptype;

	if (!mgf)
		return "SHA1";
	X509_ALGOR_get0(&oid, &ptype, &pval, mgf);
	if (OBJ_obj2nid(oid) != NID_mgf1 || ptype != V_ASN1_SEQUENCE)
		return NULL;
	seq = pval;
	p = ASN1_STRING_get0_data(seq);
	hash = d2i_X509_ALGOR(NULL, &p, ASN1_STRING_length(seq));
	name = hash ? sha_name(hash) : NULL;
	X509_ALGOR_free(hash);
	return name;
}

int pss_params_parse(const X509_ALGOR *alg, const char **md,
		     struct pss_opts *pss)
{
	const ASN1_OBJECT *oid;
	const void *pval;
	const ASN1_STRING *seq;
	const unsigned char *p;
	RSA_PSS_PARAMS *params;
	long salt = 20, trailer = 1;
	int ptype, rc = -1;

	X509_ALGOR_get0(&oid, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return -1;
	seq = pval;
	p = ASN1_STRING_get0_data(seq);
	params = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq));
	if (!params)
		return -1;
	*md = sha_name(params->hashAlgorithm);
	pss->mgf1_md = mgf1_hash(params->maskGenAlgorithm);
	if (params->saltLength)
		salt = ASN1_INTEGER_get(params->saltLength);
	if (params->trailerField)
		trailer = ASN1_INTEGER_get(params->trailerField);
	if (*md && pss->mgf1_md && salt >= 0 && salt <= 1024 && trailer == 1) {
		pss->salt_len = (int)salt;
		rc = 0;
	}
	RSA_PSS_PARAMS_free(params);
	return rc;
}
