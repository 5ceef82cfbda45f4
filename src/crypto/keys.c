/* IKE SA and Child SA key material (RFC 7296 2.14, 2.17; RFC 5723). */
#include <string.h>

#include <openssl/crypto.h>

#include "vpnd/crypto.h"

#include "crypto_internal.h"

static int prf_into_chunk(uint16_t prf, const uint8_t *key, size_t klen,
			  const struct part *parts, size_t n,
			  struct chunk *out)
{
	struct chunk c = { 0 };

	*out = (struct chunk){ 0 };
	if (!prf_len(prf) || !chunk_secure_alloc(&c, prf_len(prf)))
		return -1;
	if (hmac_parts(prf_digest(prf), key, klen, parts, n, c.p) < 0) {
		chunk_free(&c);
		return -1;
	}
	*out = c;
	return 0;
}

/* Key = Ni | Nr: our PRFs are all HMAC, which takes any key length. */
int ike_skeyseed(uint16_t prf, const struct chunk *ni, const struct chunk *nr,
		 const struct chunk *gir, struct chunk *skeyseed)
{
	struct chunk key = { 0 };
	struct part data = { gir->p, gir->len };
	int rc;

	if (!chunk_alloc(&key, ni->len + nr->len))
		return -1;
	memcpy(key.p, ni->p, ni->len);
	memcpy(key.p + ni->len, nr->p, nr->len);
	rc = prf_into_chunk(prf, key.p, key.len, &data, 1, skeyseed);
	chunk_free(&key);
	return rc;
}

int ike_skeyseed_resume(uint16_t prf, const struct chunk *sk_d_old,
			const struct chunk *ni, const struct chunk *nr,
			struct chunk *skeyseed)
{
	static const uint8_t label[] = "Resumption";
	struct part parts[3] = {
		{ label, sizeof(label) - 1 }, /* no NUL on the wire */
		{ ni->p, ni->len },
		{ nr->p, nr->len },
	};

	return prf_into_chunk(prf, sk_d_old->p, sk_d_old->len, parts, 3,
			      skeyseed);
}

int ike_skeyseed_rekey(uint16_t prf, const struct chunk *sk_d_old,
		       const struct chunk *gir, const struct chunk *ni,
		       const struct chunk *nr, struct chunk *skeyseed)
{
	struct part parts[3] = {
		{ gir->p, gir->len },
		{ ni->p, ni->len },
		{ nr->p, nr->len },
	};

	return prf_into_chunk(prf, sk_d_old->p, sk_d_old->len, parts, 3,
			      skeyseed);
}

/* Cuts the next len bytes of the prf+ stream into a key chunk. */
static bool take_key(const uint8_t *stream, size_t *off, size_t len,
		     struct chunk *k)
{
	*k = (struct chunk){ 0 };
	if (!chunk_secure_alloc(k, len))
		return false;
	memcpy(k->p, stream + *off, len);
	*off += len;
	return true;
}

int ike_keys_derive(struct ike_keys *k, const struct chunk *skeyseed,
		    const struct chunk *ni, const struct chunk *nr,
		    const uint8_t spi_i[8], const uint8_t spi_r[8])
{
	size_t plen = prf_len(k->prf);
	size_t alen = encr_is_aead(k->encr) ? 0 : integ_key_len(k->integ);
	size_t elen = encr_key_len(k->encr, k->encr_keylen);
	size_t total = 3 * plen + 2 * alen + 2 * elen, off = 0;
	struct chunk seed = { 0 }, stream = { 0 };
	bool ok;

	/* The key chunks are outputs: start from a state that is safe to
	 * wipe on any failure below. */
	k->sk_d = k->sk_ai = k->sk_ar = (struct chunk){ 0 };
	k->sk_ei = k->sk_er = k->sk_pi = k->sk_pr = (struct chunk){ 0 };
	if (!plen || !elen || (!encr_is_aead(k->encr) && !alen))
		return -1;
	if (!chunk_alloc(&seed, ni->len + nr->len + 16) ||
	    !chunk_secure_alloc(&stream, total)) {
		chunk_free(&seed);
		return -1;
	}
	memcpy(seed.p, ni->p, ni->len);
	memcpy(seed.p + ni->len, nr->p, nr->len);
	memcpy(seed.p + ni->len + nr->len, spi_i, 8);
	memcpy(seed.p + ni->len + nr->len + 8, spi_r, 8);
	ok = prf_plus(k->prf, skeyseed->p, skeyseed->len, seed.p, seed.len,
		      stream.p, stream.len) == 0;
	/* Order fixed by RFC 7296 2.14. */
	ok = ok && take_key(stream.p, &off, plen, &k->sk_d) &&
	     take_key(stream.p, &off, alen, &k->sk_ai) &&
	     take_key(stream.p, &off, alen, &k->sk_ar) &&
	     take_key(stream.p, &off, elen, &k->sk_ei) &&
	     take_key(stream.p, &off, elen, &k->sk_er) &&
	     take_key(stream.p, &off, plen, &k->sk_pi) &&
	     take_key(stream.p, &off, plen, &k->sk_pr);
	chunk_free(&seed);
	chunk_free(&stream);
	if (!ok) {
		ike_keys_wipe(k);
		return -1;
	}
	return 0;
}

void ike_keys_wipe(struct ike_keys *k)
{
	chunk_free(&k->sk_d);
	chunk_free(&k->sk_ai);
	chunk_free(&k->sk_ar);
	chunk_free(&k->sk_ei);
	chunk_free(&k->sk_er);
	chunk_free(&k->sk_pi);
	chunk_free(&k->sk_pr);
}

int child_keymat(uint16_t prf, const struct chunk *sk_d,
		 const struct chunk *gir, const struct chunk *ni,
		 const struct chunk *nr, uint8_t *out, size_t outlen)
{
	size_t glen = gir ? gir->len : 0;
	struct chunk seed = { 0 };
	int rc;

	if (!chunk_secure_alloc(&seed, glen + ni->len + nr->len))
		return -1;
	if (glen)
		memcpy(seed.p, gir->p, glen);
	memcpy(seed.p + glen, ni->p, ni->len);
	memcpy(seed.p + glen + ni->len, nr->p, nr->len);
	rc = prf_plus(prf, sk_d->p, sk_d->len, seed.p, seed.len, out, outlen);
	chunk_free(&seed);
	return rc;
}
