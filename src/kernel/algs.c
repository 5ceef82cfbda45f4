/* IKE transform IDs to kernel crypto names (protocol-facts §18). The
 * canonical names are used; the kernel also accepts older aliases such
 * as "aes" or "sha256". */
#include <stddef.h>

#include "vpnd/ike_const.h"
#include "vpnd/kernel.h"

struct encr_entry {
	uint16_t id;
	struct kernel_alg alg;
};

#define GCM(id, bits, icv) \
	{ id, { "rfc4106(gcm(aes))", bits, 4, icv, true } }
#define CBC(bits) { ENCR_AES_CBC, { "cbc(aes)", bits, 0, 0, false } }
#define CTR(bits) { ENCR_AES_CTR, { "rfc3686(ctr(aes))", bits, 4, 0, false } }

static const struct encr_entry encr_table[] = {
	GCM(ENCR_AES_GCM_16, 128, 128), GCM(ENCR_AES_GCM_16, 192, 128),
	GCM(ENCR_AES_GCM_16, 256, 128),
	GCM(ENCR_AES_GCM_12, 128, 96), GCM(ENCR_AES_GCM_12, 192, 96),
	GCM(ENCR_AES_GCM_12, 256, 96),
	GCM(ENCR_AES_GCM_8, 128, 64), GCM(ENCR_AES_GCM_8, 192, 64),
	GCM(ENCR_AES_GCM_8, 256, 64),
	{ ENCR_CHACHA20_POLY1305,
	  { "rfc7539esp(chacha20,poly1305)", 256, 4, 128, true } },
	CBC(128), CBC(192), CBC(256),
	CTR(128), CTR(192), CTR(256),
};

static const struct encr_entry integ_table[] = {
	{ INTEG_HMAC_SHA1_96, { "hmac(sha1)", 160, 0, 96, false } },
	{ INTEG_HMAC_SHA2_256_128, { "hmac(sha256)", 256, 0, 128, false } },
	{ INTEG_HMAC_SHA2_384_192, { "hmac(sha384)", 384, 0, 192, false } },
	{ INTEG_HMAC_SHA2_512_256, { "hmac(sha512)", 512, 0, 256, false } },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const struct kernel_alg *kernel_alg_encr(uint16_t encr_id, uint16_t key_bits)
{
	size_t i;

	/* RFC 7634: ChaCha20-Poly1305 has a fixed key and no attribute. */
	if (encr_id == ENCR_CHACHA20_POLY1305 && key_bits == 0)
		key_bits = 256;
	for (i = 0; i < N(encr_table); i++)
		if (encr_table[i].id == encr_id &&
		    encr_table[i].alg.key_bits == key_bits)
			return &encr_table[i].alg;
	return NULL;
}

const struct kernel_alg *kernel_alg_integ(uint16_t integ_id)
{
	size_t i;

	for (i = 0; i < N(integ_table); i++)
		if (integ_table[i].id == integ_id)
			return &integ_table[i].alg;
	return NULL;
}
