/* Random numbers, NAT detection hashes (RFC 7296 2.23) and a digest to
 * recognise a message seen before. */
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "vpnd/crypto.h"

int random_bytes(uint8_t *out, size_t n)
{
	if (n > (size_t)INT32_MAX)
		return -1;
	return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

int natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
	      const uint8_t *ip, size_t ip_len, uint16_t port,
	      uint8_t out[20])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t pbuf[2];
	unsigned int len = 0;
	int rc = -1;

	put_u16(pbuf, port);
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
	    EVP_DigestUpdate(ctx, spi_i, 8) &&
	    EVP_DigestUpdate(ctx, spi_r, 8) &&
	    EVP_DigestUpdate(ctx, ip, ip_len) &&
	    EVP_DigestUpdate(ctx, pbuf, 2) &&
	    EVP_DigestFinal_ex(ctx, out, &len) && len == 20)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	return rc;
}

int sha256_digest(const uint8_t *p, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) && n == 32 ?
		       0 : -1;
}
