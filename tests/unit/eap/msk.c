/* The expected MSK (msk.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "msk.h"

static uint8_t exporter[64];
static size_t exporter_len;

/* "EXPORTER_SECRET <client random> <secret>", hex. */
void msk_keylog(const SSL *ssl, const char *line)
{
	const char *p = strrchr(line, ' ');
	unsigned v;

	(void)ssl;
	if (strncmp(line, "EXPORTER_SECRET ", 16) != 0 || !p)
		return;
	for (exporter_len = 0, p++; exporter_len < sizeof(exporter) &&
	     sscanf(p, "%2x", &v) == 1; p += 2)
		exporter[exporter_len++] = (uint8_t)v;
}

static int kdf(const char *alg, OSSL_PARAM *params, uint8_t *out,
	       size_t len)
{
	EVP_KDF *k = EVP_KDF_fetch(NULL, alg, NULL);
	EVP_KDF_CTX *c = k ? EVP_KDF_CTX_new(k) : NULL;
	int ok = c && EVP_KDF_derive(c, out, len, params) == 1;

	EVP_KDF_CTX_free(c);
	EVP_KDF_free(k);
	return ok ? 0 : -1;
}

/* RFC 5216 2.3: TLS-PRF-128(master, "client EAP encryption", cr | sr). */
static int msk12(SSL *srv, const char *md, uint8_t *out)
{
	static const char label[] = "client EAP encryption";
	uint8_t master[48], seed[sizeof(label) - 1 + 64];
	size_t mlen = SSL_SESSION_get_master_key(SSL_get_session(srv), master,
						 sizeof(master));
	OSSL_PARAM p[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SECRET, master, mlen),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed)),
		OSSL_PARAM_END,
	};

	memcpy(seed, label, sizeof(label) - 1);
	SSL_get_client_random(srv, seed + sizeof(label) - 1, 32);
	SSL_get_server_random(srv, seed + sizeof(label) - 1 + 32, 32);
	return kdf("TLS1-PRF", p, out, 128);
}

/* HKDF-Expand-Label(secret, label, context, len), RFC 8446 7.1. */
static int expand_label(const char *md, const uint8_t *secret, size_t slen,
			const char *label, const uint8_t *ctx, size_t clen,
			uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t llen = strlen(label), o = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM p[5];

	info[o++] = (uint8_t)(len >> 8);
	info[o++] = (uint8_t)len;
	info[o++] = (uint8_t)(6 + llen);
	memcpy(info + o, "tls13 ", 6);
	memcpy(info + o + 6, label, llen);
	o += 6 + llen;
	info[o++] = (uint8_t)clen;
	memcpy(info + o, ctx, clen);
	o += clen;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)md, 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)secret, slen);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, o);
	p[3] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	p[4] = OSSL_PARAM_construct_end();
	return kdf("HKDF", p, out, len);
}

/* RFC 8446 7.5: HKDF-Expand-Label(Derive-Secret(S, label, ""),
 * "exporter", Hash(context), len). RFC 9190 2.3: its label, context
 * 0x0D; the drafts before (strongSwan 5.9.8): RFC 5216's label, no
 * context. */
static int msk13(const EVP_MD *md, bool rfc9190, uint8_t *out)
{
	const char *name = EVP_MD_get0_name(md);
	const char *label = rfc9190 ? "EXPORTER_EAP_TLS_Key_Material" :
				      "client EAP encryption";
	uint8_t empty[64], hctx[64], derived[64], type = 13;
	unsigned hl = (unsigned)EVP_MD_get_size(md);

	if (!exporter_len || EVP_Digest("", 0, empty, NULL, md, NULL) != 1 ||
	    EVP_Digest(&type, rfc9190 ? 1 : 0, hctx, NULL, md, NULL) != 1)
		return -1;
	return expand_label(name, exporter, exporter_len, label, empty, hl,
			    derived, hl) ||
	       expand_label(name, derived, hl, "exporter", hctx, hl, out, 128);
}

int msk_expected(SSL *srv, bool rfc9190, uint8_t msk[64])
{
	const EVP_MD *md = SSL_CIPHER_get_handshake_digest(
		SSL_get_current_cipher(srv));
	uint8_t km[128];
	int rc;

	if (!md)
		return -1;
	rc = SSL_version(srv) == TLS1_3_VERSION ? msk13(md, rfc9190, km) :
		msk12(srv, EVP_MD_get0_name(md), km);
	memcpy(msk, km, 64);
	return rc;
}
