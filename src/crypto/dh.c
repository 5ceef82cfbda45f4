/* Diffie-Hellman for IKE: RFC 3526 MODP groups, RFC 5903 ECP groups and
 * RFC 8031 Curve25519, all through EVP_PKEY. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "vpnd/crypto.h"
#include "vpnd/ike_const.h"

#include "dh_internal.h"

enum dh_kind { DH_KIND_MODP, DH_KIND_ECP, DH_KIND_X25519 };

struct dh_group_info {
	uint16_t group;
	enum dh_kind kind;
	const char *name;   /* OpenSSL group / curve / key type name */
	size_t len;         /* prime or field size in bytes */
};

static const struct dh_group_info groups[] = {
	{ DH_MODP2048, DH_KIND_MODP, "modp_2048", 256 },
	{ DH_MODP3072, DH_KIND_MODP, "modp_3072", 384 },
	{ DH_MODP4096, DH_KIND_MODP, "modp_4096", 512 },
	{ DH_ECP256, DH_KIND_ECP, "P-256", 32 },
	{ DH_ECP384, DH_KIND_ECP, "P-384", 48 },
	{ DH_ECP521, DH_KIND_ECP, "P-521", 66 },
	{ DH_CURVE25519, DH_KIND_X25519, "X25519", 32 },
};

struct dh {
	const struct dh_group_info *info;
	EVP_PKEY *key;
};

static unsigned long dh_ops;

static const struct dh_group_info *group_info(uint16_t group)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].group == group)
			return &groups[i];
	return NULL;
}

static EVP_PKEY *keygen(const struct dh_group_info *gi)
{
	const char *type = gi->kind == DH_KIND_MODP ? "DH" :
			   gi->kind == DH_KIND_ECP ? "EC" : "X25519";
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM params[2];

	if (!ctx)
		return NULL;
	if (EVP_PKEY_keygen_init(ctx) <= 0)
		goto out;
	if (gi->kind != DH_KIND_X25519) {
		params[0] = OSSL_PARAM_construct_utf8_string(
			OSSL_PKEY_PARAM_GROUP_NAME, (char *)gi->name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto out;
	}
	if (EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	return key;
}

struct dh *dh_new(uint16_t group, struct verr *e)
{
	const struct dh_group_info *gi = group_info(group);
	struct dh *dh;

	if (!gi) {
		verr_set(e, "DH group %u not supported", group);
		return NULL;
	}
	dh = calloc(1, sizeof(*dh));
	if (!dh) {
		verr_set(e, "out of memory");
		return NULL;
	}
	dh->info = gi;
	dh->key = keygen(gi);
	if (!dh->key) {
		verr_set(e, "DH group %u: key generation failed", group);
		free(dh);
		return NULL;
	}
	return dh;
}

uint16_t dh_group(const struct dh *dh)
{
	return dh->info->group;
}

void dh_free(struct dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

unsigned long dh_op_count(void)
{
	return dh_ops;
}

static int modp_public(const struct dh *dh, struct chunk *pub)
{
	BIGNUM *y = NULL;
	struct chunk c = { 0 };
	int rc = -1;

	if (!EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y))
		return -1;
	if (chunk_alloc(&c, dh->info->len) &&
	    BN_bn2binpad(y, c.p, (int)c.len) == (int)c.len) {
		*pub = c;
		rc = 0;
	} else {
		chunk_free(&c);
	}
	BN_free(y);
	return rc;
}

/* OpenSSL gives 04|x|y; IKE carries x|y without the format byte. */
static int ecp_public(const struct dh *dh, struct chunk *pub)
{
	uint8_t buf[1 + 2 * 66];
	size_t len = 0, want = 1 + 2 * dh->info->len;

	if (!EVP_PKEY_get_octet_string_param(dh->key,
			OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof(buf),
			&len) || len != want || buf[0] != 0x04)
		return -1;
	return chunk_set(pub, buf + 1, len - 1) ? 0 : -1;
}

static int x25519_public(const struct dh *dh, struct chunk *pub)
{
	uint8_t buf[32];
	size_t len = sizeof(buf);

	if (!EVP_PKEY_get_raw_public_key(dh->key, buf, &len) || len != 32)
		return -1;
	return chunk_set(pub, buf, len) ? 0 : -1;
}

int dh_public(struct dh *dh, struct chunk *pub)
{
	*pub = (struct chunk){ 0 };
	switch (dh->info->kind) {
	case DH_KIND_MODP:
		return modp_public(dh, pub);
	case DH_KIND_ECP:
		return ecp_public(dh, pub);
	case DH_KIND_X25519:
		return x25519_public(dh, pub);
	}
	return -1;
}

/* Builds an EVP_PKEY from OSSL_PARAMs of the given type. */
static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM *params,
			       int selection)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *key = NULL;

	if (ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &key, selection, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static EVP_PKEY *modp_peer(const struct dh_group_info *gi,
			   const uint8_t *peer, size_t plen)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	BIGNUM *y = BN_bin2bn(peer, (int)plen, NULL);
	EVP_PKEY *key = NULL;

	if (!bld || !y ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     gi->name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		key = pkey_fromdata("DH", params, EVP_PKEY_PUBLIC_KEY);
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	return key;
}

static EVP_PKEY *ecp_peer(const struct dh_group_info *gi,
			  const uint8_t *peer, size_t plen)
{
	uint8_t buf[1 + 2 * 66];
	OSSL_PARAM params[3];

	buf[0] = 0x04;
	memcpy(buf + 1, peer, plen);
	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_PKEY_PARAM_GROUP_NAME, (char *)gi->name, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
		OSSL_PKEY_PARAM_PUB_KEY, buf, plen + 1);
	params[2] = OSSL_PARAM_construct_end();
	return pkey_fromdata("EC", params, EVP_PKEY_PUBLIC_KEY);
}

static EVP_PKEY *peer_key(const struct dh_group_info *gi,
			  const uint8_t *peer, size_t plen)
{
	switch (gi->kind) {
	case DH_KIND_MODP:
		return modp_peer(gi, peer, plen);
	case DH_KIND_ECP:
		return ecp_peer(gi, peer, plen);
	case DH_KIND_X25519:
		return EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
						      peer, plen);
	}
	return NULL;
}

static size_t peer_len(const struct dh_group_info *gi)
{
	return gi->kind == DH_KIND_ECP ? 2 * gi->len : gi->len;
}

/* EVP_PKEY_public_check rejects MODP values outside [2, p-2] or not in
 * the prime-order subgroup, and ECP points not on the curve. */
static bool peer_valid(EVP_PKEY *peer, enum dh_kind kind)
{
	EVP_PKEY_CTX *ctx;
	bool ok;

	if (kind == DH_KIND_X25519)
		return true; /* every u-coordinate is acceptable (RFC 7748) */
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
	ok = ctx && EVP_PKEY_public_check(ctx) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static int derive(struct dh *dh, EVP_PKEY *peer, struct chunk *secret)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	struct chunk c = { 0 };
	size_t len = 0;
	int rc = -1;

	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	/* IKE wants g^ir left-padded to the prime length (RFC 7296 2.14). */
	if (dh->info->kind == DH_KIND_MODP &&
	    EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, NULL, &len) <= 0 || len != dh->info->len ||
	    !chunk_secure_alloc(&c, len) || EVP_PKEY_derive(ctx, c.p, &len) <= 0 ||
	    len != dh->info->len) {
		chunk_free(&c);
		goto out;
	}
	*secret = c;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static bool all_zero(const struct chunk *c)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < c->len; i++)
		acc |= c->p[i];
	return acc == 0;
}

int dh_shared(struct dh *dh, const uint8_t *peer, size_t plen,
	      struct chunk *secret, struct verr *e)
{
	const struct dh_group_info *gi = dh->info;
	EVP_PKEY *pk;
	int rc;

	*secret = (struct chunk){ 0 };
	dh_ops++;
	if (plen != peer_len(gi)) {
		verr_set(e, "DH group %u: peer public value has %zu bytes, "
			 "expected %zu", gi->group, plen, peer_len(gi));
		return -1;
	}
	pk = peer_key(gi, peer, plen);
	if (!pk || !peer_valid(pk, gi->kind)) {
		verr_set(e, "DH group %u: invalid peer public value",
			 gi->group);
		EVP_PKEY_free(pk);
		return -1;
	}
	rc = derive(dh, pk, secret);
	EVP_PKEY_free(pk);
	if (rc < 0) {
		verr_set(e, "DH group %u: shared secret computation failed",
			 gi->group);
		return -1;
	}
	/* X25519 with a low-order point gives zero (RFC 7748 6.1). */
	if (all_zero(secret)) {
		chunk_free(secret);
		verr_set(e, "DH group %u: all-zero shared secret", gi->group);
		return -1;
	}
	return 0;
}

/* ---- test hook ---- */

static EVP_PKEY *ecp_from_private(const struct dh_group_info *gi,
				  const uint8_t *priv, size_t len)
{
	int nid = OBJ_sn2nid(gi->name);
	EC_GROUP *grp = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *d = BN_bin2bn(priv, (int)len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	uint8_t pub[1 + 2 * 66];
	size_t plen;
	EVP_PKEY *key = NULL;

	if (nid == NID_undef)
		nid = EC_curve_nist2nid(gi->name);
	grp = EC_GROUP_new_by_curve_name(nid);
	if (!grp || !d || !bld)
		goto out;
	pt = EC_POINT_new(grp);
	if (!pt || !EC_POINT_mul(grp, pt, d, NULL, NULL, NULL))
		goto out;
	plen = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED,
				  pub, sizeof(pub), NULL);
	if (!plen ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     gi->name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					      pub, plen))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params)
		key = pkey_fromdata("EC", params, EVP_PKEY_KEYPAIR);
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	BN_clear_free(d);
	return key;
}

int dh_set_private(struct dh *dh, const uint8_t *priv, size_t len)
{
	EVP_PKEY *key = NULL;

	if (dh->info->kind == DH_KIND_X25519)
		key = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL,
						      priv, len);
	else if (dh->info->kind == DH_KIND_ECP)
		key = ecp_from_private(dh->info, priv, len);
	if (!key)
		return -1;
	EVP_PKEY_free(dh->key);
	dh->key = key;
	return 0;
}
