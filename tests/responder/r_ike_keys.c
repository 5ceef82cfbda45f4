/* Keys of an IKE SA made by a rekey (RFC 7296 2.18): the old SA's SK_d
 * and PRF seed the new SKEYSEED, the new SA's PRF and SPIs do the rest.
 * src/crypto has the IKE_SA_INIT and resumption forms only; this one is
 * the gateway's own, checked against OpenSSL's HMAC directly in
 * tests/unit/testgw. */
#include <openssl/crypto.h>

#include "r_internal.h"

int r_ike_rekey_skeyseed(uint16_t old_prf, const struct chunk *sk_d_old,
			 const struct chunk *gir, const struct chunk *ni,
			 const struct chunk *nr, struct chunk *skeyseed)
{
	size_t len = prf_len(old_prf);
	struct wbuf in;
	int rc = -1;

	*skeyseed = (struct chunk){ 0 };
	if (!len || !sk_d_old->len)
		return -1;
	wb_init(&in);
	wb_put(&in, gir->p, gir->len);
	wb_put(&in, ni->p, ni->len);
	wb_put(&in, nr->p, nr->len);
	if (!in.oom && chunk_secure_alloc(skeyseed, len))
		rc = prf_compute(old_prf, sk_d_old->p, sk_d_old->len, in.p,
				 in.len, skeyseed->p);
	if (rc < 0)
		chunk_free(skeyseed);
	wb_free(&in); /* wipes g^ir */
	return rc;
}

int r_ike_rekey_keys(uint16_t old_prf, const struct chunk *sk_d_old,
		     const struct chunk *gir, const struct chunk *ni,
		     const struct chunk *nr, const uint8_t spi_i[8],
		     const uint8_t spi_r[8], struct ike_keys *k)
{
	struct chunk seed = { 0 };
	int rc;

	rc = r_ike_rekey_skeyseed(old_prf, sk_d_old, gir, ni, nr, &seed);
	if (rc == 0)
		rc = ike_keys_derive(k, &seed, ni, nr, spi_i, spi_r);
	chunk_free(&seed);
	return rc;
}
