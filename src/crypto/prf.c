/* HMAC-based PRF and prf+ (RFC 7296 2.13). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "vpnd/crypto.h"

#include "crypto_internal.h"

int hmac_parts(const char *md, const uint8_t *key, size_t klen,
	       const struct part *parts, size_t n, uint8_t *out)
{
	static const uint8_t empty[1];
	/* Fetched once: provider lookups are costly and the daemon is
	 * single-threaded. */
	static EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0, want = digest_len(md);
	int rc = -1;

	if (!want)
		return -1;
	if (!mac)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return -1;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* A NULL key would mean "keep the previous key" to OpenSSL. */
	if (!EVP_MAC_init(ctx, key ? key : empty, key ? klen : 0, params))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len &&
		    !EVP_MAC_update(ctx, parts[i].p, parts[i].len))
			goto out;
	if (!EVP_MAC_final(ctx, out, &outlen, want) || outlen != want)
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int prf_compute(uint16_t prf, const uint8_t *key, size_t klen,
		const uint8_t *data, size_t dlen, uint8_t *out)
{
	struct part p = { data, dlen };

	return hmac_parts(prf_digest(prf), key, klen, &p, 1, out);
}

/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). */
int prf_plus(uint16_t prf, const uint8_t *key, size_t klen,
	     const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen)
{
	const char *md = prf_digest(prf);
	size_t hlen = digest_len(md);
	uint8_t t[EVP_MAX_MD_SIZE];
	uint8_t counter = 1;
	size_t done = 0;
	int rc = 0;

	if (!hlen || outlen > hlen * 255)
		return -1;
	while (done < outlen) {
		struct part parts[3] = {
			{ t, done ? hlen : 0 },
			{ seed, slen },
			{ &counter, 1 },
		};
		size_t take = outlen - done < hlen ? outlen - done : hlen;

		if (hmac_parts(md, key, klen, parts, 3, t) < 0) {
			rc = -1;
			break;
		}
		memcpy(out + done, t, take);
		done += take;
		counter++;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}
