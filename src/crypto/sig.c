/* Signature AUTH methods: RSA (1), ECDSA (9/10/11, RFC 4754) and Digital
 * Signature (14, RFC 7427). */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

#include "crypto_internal.h"

static unsigned long sig_ops;

unsigned long sig_op_count(void)
{
	return sig_ops;
}

/* AlgorithmIdentifier DER for method 14 (the encodings of RFC 7427
 * Appendix A: RSA with NULL parameters, ECDSA without). */
struct sig_alg {
	bool rsa;
	uint8_t hash;          /* HASH_SHA2_* */
	const char *md;
	uint8_t der_len;
	uint8_t der[15];
};

static const struct sig_alg sig_algs[] = {
	{ true, HASH_SHA2_256, "SHA256", 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a,
	  0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 } },
	{ true, HASH_SHA2_384, "SHA384", 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a,
	  0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 } },
	{ true, HASH_SHA2_512, "SHA512", 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a,
	  0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 } },
	{ false, HASH_SHA2_256, "SHA256", 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a,
	  0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 } },
	{ false, HASH_SHA2_384, "SHA384", 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a,
	  0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 } },
	{ false, HASH_SHA2_512, "SHA512", 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a,
	  0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 } },
};

static const struct sig_alg *find_sig_alg(bool rsa, uint8_t hash)
{
	for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++)
		if (sig_algs[i].rsa == rsa && sig_algs[i].hash == hash)
			return &sig_algs[i];
	return NULL;
}

/* Field size in bytes of an EC key's curve, 0 for anything else. */
static size_t ec_field_len(EVP_PKEY *key)
{
	if (!EVP_PKEY_is_a(key, "EC"))
		return 0;
	return ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
}

/* Classic ECDSA methods tie curve and hash together (RFC 4754). */
static const char *ecdsa_classic_md(uint8_t method, size_t flen)
{
	if (method == AUTH_ECDSA_256 && flen == 32)
		return "SHA256";
	if (method == AUTH_ECDSA_384 && flen == 48)
		return "SHA384";
	if (method == AUTH_ECDSA_521 && flen == 66)
		return "SHA512";
	return NULL;
}

static uint8_t ecdsa_classic_method(size_t flen)
{
	return flen == 32 ? AUTH_ECDSA_256 : flen == 48 ? AUTH_ECDSA_384 :
	       flen == 66 ? AUTH_ECDSA_521 : 0;
}

/* Our preference for method 14: the hash matching the key strength
 * first, then stronger ones, then weaker. */
static uint8_t pick_hash(EVP_PKEY *key, const uint16_t *peer, size_t n)
{
	static const uint8_t pref256[] = { HASH_SHA2_256, HASH_SHA2_384,
					   HASH_SHA2_512 };
	static const uint8_t pref384[] = { HASH_SHA2_384, HASH_SHA2_512,
					   HASH_SHA2_256 };
	static const uint8_t pref512[] = { HASH_SHA2_512, HASH_SHA2_384,
					   HASH_SHA2_256 };
	size_t flen = ec_field_len(key);
	const uint8_t *pref = flen == 48 ? pref384 :
			      flen == 66 ? pref512 : pref256;

	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < n; j++)
			if (peer[j] == pref[i])
				return pref[i];
	return 0;
}

static int do_sign(EVP_PKEY *key, const char *md, const struct chunk *msg,
		   struct chunk *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct chunk c = { 0 };
	size_t len = 0;
	int rc = -1;

	sig_ops++;
	if (!ctx ||
	    EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) <= 0 ||
	    EVP_DigestSign(ctx, NULL, &len, msg->p, msg->len) <= 0 ||
	    !chunk_alloc(&c, len) ||
	    EVP_DigestSign(ctx, c.p, &len, msg->p, msg->len) <= 0) {
		chunk_free(&c);
		goto out;
	}
	c.len = len; /* ECDSA DER may come out shorter than the maximum */
	*sig = c;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int do_verify(EVP_PKEY *key, const char *md,
		     const struct pss_opts *pss, const struct chunk *msg,
		     const uint8_t *sig, size_t slen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int rc = -1;

	sig_ops++;
	if (!ctx ||
	    EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, key,
				    NULL) <= 0)
		goto out;
	if (pss &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, pss->mgf1_md,
					       NULL) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss->salt_len) <= 0))
		goto out;
	if (EVP_DigestVerify(ctx, sig, slen, msg->p, msg->len) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* DER ECDSA-Sig-Value -> r|s, each padded to the field size. */
static int ecdsa_der_to_raw(const struct chunk *der, size_t flen,
			    struct chunk *raw)
{
	const uint8_t *p = der->p;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)der->len);
	const BIGNUM *r, *sv;
	struct chunk c = { 0 };
	int rc = -1;

	if (!s)
		return -1;
	ECDSA_SIG_get0(s, &r, &sv);
	if (chunk_alloc(&c, 2 * flen) &&
	    BN_bn2binpad(r, c.p, (int)flen) == (int)flen &&
	    BN_bn2binpad(sv, c.p + flen, (int)flen) == (int)flen) {
		*raw = c;
		rc = 0;
	} else {
		chunk_free(&c);
	}
	ECDSA_SIG_free(s);
	return rc;
}

static int ecdsa_raw_to_der(const uint8_t *raw, size_t flen,
			    struct chunk *der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)flen, NULL);
	BIGNUM *sv = BN_bin2bn(raw + flen, (int)flen, NULL);
	uint8_t *out = NULL;
	int len, rc = -1;

	if (!s || !r || !sv || !ECDSA_SIG_set0(s, r, sv)) {
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(s);
		return -1;
	}
	len = i2d_ECDSA_SIG(s, &out);
	if (len > 0 && chunk_set(der, out, (size_t)len))
		rc = 0;
	OPENSSL_free(out);
	ECDSA_SIG_free(s);
	return rc;
}

static int sign_classic(EVP_PKEY *key, const struct chunk *octets,
			uint8_t *method, struct chunk *auth, struct verr *e)
{
	size_t flen = ec_field_len(key);
	struct chunk der = { 0 };
	int rc;

	if (EVP_PKEY_is_a(key, "RSA")) {
		*method = AUTH_RSA_SIG;
		rc = do_sign(key, "SHA1", octets, auth);
	} else if (ecdsa_classic_method(flen)) {
		*method = ecdsa_classic_method(flen);
		rc = do_sign(key, ecdsa_classic_md(*method, flen), octets,
			     &der);
		if (rc == 0)
			rc = ecdsa_der_to_raw(&der, flen, auth);
		chunk_free(&der);
	} else {
		verr_set(e, "no AUTH method for a %s key without "
			 "SIGNATURE_HASH_ALGORITHMS",
			 EVP_PKEY_get0_type_name(key));
		return -1;
	}
	if (rc < 0)
		verr_set(e, "signing with AUTH method %u failed", *method);
	return rc;
}

static int sign_digital(EVP_PKEY *key, uint8_t hash,
			const struct chunk *octets, struct chunk *auth,
			struct verr *e)
{
	const struct sig_alg *alg = find_sig_alg(EVP_PKEY_is_a(key, "RSA"),
						 hash);
	struct chunk sig = { 0 };

	if (!alg || do_sign(key, alg->md, octets, &sig) < 0) {
		verr_set(e, "signing with AUTH method 14 failed");
		return -1;
	}
	if (!chunk_alloc(auth, 1 + alg->der_len + sig.len)) {
		chunk_free(&sig);
		verr_set(e, "out of memory");
		return -1;
	}
	auth->p[0] = alg->der_len;
	memcpy(auth->p + 1, alg->der, alg->der_len);
	memcpy(auth->p + 1 + alg->der_len, sig.p, sig.len);
	chunk_free(&sig);
	return 0;
}

int auth_sig_sign(EVP_PKEY *key, const uint16_t *peer_hashes, size_t n_hashes,
		  const struct chunk *octets, uint8_t *method,
		  struct chunk *auth, struct verr *e)
{
	bool usable = EVP_PKEY_is_a(key, "RSA") || ec_field_len(key);
	uint8_t hash = usable ? pick_hash(key, peer_hashes, n_hashes) : 0;

	*auth = (struct chunk){ 0 };
	if (hash) {
		*method = AUTH_DIGITAL_SIG;
		return sign_digital(key, hash, octets, auth, e);
	}
	return sign_classic(key, octets, method, auth, e);
}

static int verify_classic(EVP_PKEY *pub, uint8_t method, const uint8_t *data,
			  size_t len, const struct chunk *octets,
			  struct verr *e)
{
	size_t flen = ec_field_len(pub);
	const char *md;
	struct chunk der = { 0 };
	int rc;

	if (method == AUTH_RSA_SIG) {
		if (!EVP_PKEY_is_a(pub, "RSA")) {
			verr_set(e, "AUTH method 1 needs an RSA key");
			return -1;
		}
		rc = do_verify(pub, "SHA1", NULL, octets, data, len);
	} else {
		md = ecdsa_classic_md(method, flen);
		if (!md) {
			verr_set(e, "AUTH method %u does not match the %s key",
				 method, EVP_PKEY_get0_type_name(pub));
			return -1;
		}
		if (len != 2 * flen) {
			verr_set(e, "ECDSA AUTH data has %zu bytes, expected "
				 "%zu", len, 2 * flen);
			return -1;
		}
		if (ecdsa_raw_to_der(data, flen, &der) < 0) {
			verr_set(e, "cannot encode the ECDSA signature");
			return -1;
		}
		rc = do_verify(pub, md, NULL, octets, der.p, der.len);
		chunk_free(&der);
	}
	if (rc < 0)
		verr_set(e, "AUTH method %u: signature does not verify",
			 method);
	return rc;
}

/* RFC 7427 signature algorithms without parameters (PSS has its own
 * parse): whether the key must be RSA, and the digest. */
static const struct {
	int nid;
	bool rsa;
	const char *md;
} digital_sig_algs[] = {
	{ NID_sha256WithRSAEncryption, true, "SHA256" },
	{ NID_sha384WithRSAEncryption, true, "SHA384" },
	{ NID_sha512WithRSAEncryption, true, "SHA512" },
	{ NID_ecdsa_with_SHA256, false, "SHA256" },
	{ NID_ecdsa_with_SHA384, false, "SHA384" },
	{ NID_ecdsa_with_SHA512, false, "SHA512" },
};

static bool digital_sig_alg(int nid, bool *rsa, const char **md)
{
	size_t i;

	for (i = 0; i < sizeof(digital_sig_algs) / sizeof(digital_sig_algs[0]); i++)
		if (digital_sig_algs[i].nid == nid) {
			*rsa = digital_sig_algs[i].rsa;
			*md = digital_sig_algs[i].md;
			return true;
		}
	return false;
}

int auth_sig_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *data,
		    size_t len, const struct chunk *octets, struct verr *e)
{
	struct rbuf r;
	uint8_t alen;
	const uint8_t *der, *sig;
	const uint8_t *p;
	X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *oid;
	const char *md = NULL;
	struct pss_opts pss;
	bool rsa = false, use_pss = false;
	int nid, rc = -1;

	if (method == AUTH_RSA_SIG || method == AUTH_ECDSA_256 ||
	    method == AUTH_ECDSA_384 || method == AUTH_ECDSA_521)
		return verify_classic(pub, method, data, len, octets, e);
	if (method != AUTH_DIGITAL_SIG) {
		verr_set(e, "AUTH method %u not supported", method);
		return -1;
	}
	rb_init(&r, data, len);
	if (!rb_u8(&r, &alen) || !rb_ptr(&r, alen, &der) || !rb_left(&r)) {
		verr_set(e, "AUTH method 14: truncated AlgorithmIdentifier "
			 "or empty signature");
		return -1;
	}
	sig = r.p + r.off;
	p = der;
	alg = d2i_X509_ALGOR(NULL, &p, alen);
	if (!alg || p != der + alen) {
		verr_set(e, "AUTH method 14: malformed AlgorithmIdentifier");
		goto out;
	}
	X509_ALGOR_get0(&oid, NULL, NULL, alg);
	nid = OBJ_obj2nid(oid);
	if (nid == NID_rsassaPss) {
		rsa = use_pss = true;
		if (pss_params_parse(alg, &md, &pss) < 0) {
			verr_set(e, "AUTH method 14: unsupported RSASSA-PSS "
				 "parameters");
			goto out;
		}
	} else if (!digital_sig_alg(nid, &rsa, &md)) {
		verr_set(e, "AUTH method 14: unsupported signature "
			 "algorithm %s", OBJ_nid2sn(nid));
		goto out;
	}
	if (rsa ? !EVP_PKEY_is_a(pub, "RSA") : !ec_field_len(pub)) {
		verr_set(e, "AUTH method 14: %s does not match the %s key",
			 OBJ_nid2sn(nid), EVP_PKEY_get0_type_name(pub));
		goto out;
	}
	rc = do_verify(pub, md, use_pss ? &pss : NULL, octets, sig,
		       rb_left(&r));
	if (rc < 0)
		verr_set(e, "AUTH method 14 (%s): signature does not verify",
			 OBJ_nid2sn(nid));
out:
	X509_ALGOR_free(alg);
	return rc;
}
