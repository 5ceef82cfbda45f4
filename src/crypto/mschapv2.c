/* MS-CHAPv2 for the peer (RFC 2759 8) and the MSK of EAP-MSCHAPv2 from
 * the MPPE keys (RFC 3079 3). MD4 and DES exist in OpenSSL 3 only in the
 * legacy provider, which is loaded into a library context of this file's
 * own, so nothing else in the process can reach those algorithms. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "vpnd/crypto.h"

#include "crypto_internal.h"
#include "mschapv2_internal.h"

#define SHA1_LEN 20

/* RFC 2759 8.7 */
static const char auth_magic1[] = "Magic server to client signing constant";
static const char auth_magic2[] = "Pad to make it do more than one iteration";
/* RFC 3079 3.4 */
static const char mppe_magic1[] = "This is the MPPE Master Key";
static const char mppe_magic2[] =
	"On the client side, this is the send key; "
	"on the server side, it is the receive key.";
static const char mppe_magic3[] =
	"On the client side, this is the receive key; "
	"on the server side, it is the send key.";
_Static_assert(sizeof(auth_magic1) - 1 == 39, "RFC 2759 Magic1");
_Static_assert(sizeof(auth_magic2) - 1 == 41, "RFC 2759 Magic2");
_Static_assert(sizeof(mppe_magic1) - 1 == 27, "RFC 3079 Magic1");
_Static_assert(sizeof(mppe_magic2) - 1 == 84, "RFC 3079 Magic2");
_Static_assert(sizeof(mppe_magic3) - 1 == 84, "RFC 3079 Magic3");
#define MAGIC(m) { (const uint8_t *)(m), sizeof(m) - 1 }

/* RFC 3079 3.4 SHSpad1 and SHSpad2, 40 bytes each. */
#define SHS_PAD_LEN 40

/* ---- the library context ---- */

static struct {
	OSSL_LIB_CTX *ctx;
	OSSL_PROVIDER *deflt, *legacy;
	EVP_MD *md4, *sha1;
	EVP_CIPHER *des;
	bool at_exit;
} lib;

void mschapv2_teardown(void)
{
	EVP_MD_free(lib.md4);
	EVP_MD_free(lib.sha1);
	EVP_CIPHER_free(lib.des);
	if (lib.legacy)
		OSSL_PROVIDER_unload(lib.legacy);
	if (lib.deflt)
		OSSL_PROVIDER_unload(lib.deflt);
	OSSL_LIB_CTX_free(lib.ctx);
	lib.md4 = lib.sha1 = NULL;
	lib.des = NULL;
	lib.legacy = lib.deflt = NULL;
	lib.ctx = NULL;
}

static void lib_at_exit(void)
{
	mschapv2_teardown();
}

static const char *modules_dir(void)
{
	const char *dir = secure_getenv("OPENSSL_MODULES");

	return dir ? dir : OPENSSL_info(OPENSSL_INFO_MODULES_DIR);
}

/* Made on first use; a failure is not remembered, so installing the
 * provider later helps without a restart. */
static int lib_get(struct verr *e)
{
	if (lib.ctx)
		return 0;
	lib.ctx = OSSL_LIB_CTX_new();
	if (!lib.ctx) {
		verr_set(e, "MS-CHAPv2: no OpenSSL library context");
		goto fail;
	}
	lib.deflt = OSSL_PROVIDER_load(lib.ctx, "default");
	if (!lib.deflt) {
		verr_set(e, "MS-CHAPv2: OpenSSL's default provider did not load");
		goto fail;
	}
	lib.legacy = OSSL_PROVIDER_load(lib.ctx, "legacy");
	if (!lib.legacy) {
		const char *dir = modules_dir();

		verr_set(e, "MS-CHAPv2 needs MD4 and DES from OpenSSL's legacy "
			 "provider, which did not load from %s (legacy.so; "
			 "on Debian it is part of libssl3)",
			 dir ? dir : "OpenSSL's modules directory");
		goto fail;
	}
	lib.md4 = EVP_MD_fetch(lib.ctx, "MD4", NULL);
	lib.sha1 = EVP_MD_fetch(lib.ctx, "SHA1", NULL);
	lib.des = EVP_CIPHER_fetch(lib.ctx, "DES-ECB", NULL);
	if (!lib.md4 || !lib.sha1 || !lib.des) {
		verr_set(e, "MS-CHAPv2: the legacy provider has no %s",
			 !lib.md4 ? "MD4" : !lib.sha1 ? "SHA-1" : "DES-ECB");
		goto fail;
	}
	if (!lib.at_exit)
		lib.at_exit = atexit(lib_at_exit) == 0;
	return 0;
fail:
	mschapv2_teardown();
	ERR_clear_error();
	return -1;
}

static int digest(const EVP_MD *md, const struct part *parts, size_t n,
		  uint8_t *out, unsigned int want)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int rc = -1;

	if (!ctx || !EVP_DigestInit_ex2(ctx, md, NULL))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len &&
		    !EVP_DigestUpdate(ctx, parts[i].p, parts[i].len))
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, &len) && len == want)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int sha1(const struct part *parts, size_t n, uint8_t out[SHA1_LEN],
		struct verr *e)
{
	if (lib_get(e) < 0)
		return -1;
	if (digest(lib.sha1, parts, n, out, SHA1_LEN) < 0) {
		verr_set(e, "MS-CHAPv2: SHA-1 failed");
		return -1;
	}
	return 0;
}

static int md4(const uint8_t *p, size_t len, uint8_t out[16], struct verr *e)
{
	struct part part = { p, len };

	if (lib_get(e) < 0)
		return -1;
	if (digest(lib.md4, &part, 1, out, MSCHAPV2_HASH_LEN) < 0) {
		verr_set(e, "MS-CHAPv2: MD4 failed");
		return -1;
	}
	return 0;
}

/* ---- RFC 2759 8 ---- */

const char *mschapv2_user_name(const char *name, size_t len, size_t *ulen)
{
	const char *bs = len ? memchr(name, '\\', len) : NULL;

	if (!bs) {
		*ulen = len;
		return name;
	}
	*ulen = len - (size_t)(bs + 1 - name);
	return bs + 1;
}

static void put_unit(uint8_t *out, size_t *units, uint32_t u)
{
	out[2 * *units] = (uint8_t)(u & 0xff);
	out[2 * *units + 1] = (uint8_t)(u >> 8);
	(*units)++;
}

int mschapv2_utf16le(const char *in, size_t len, uint8_t *out,
		     size_t *outlen, struct verr *e)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t i = 0, units = 0;

	*outlen = 0;
	while (i < len) {
		uint8_t b = s[i];
		uint32_t cp;
		size_t n;

		if (b < 0x80) {
			cp = b;
			n = 1;
		} else if (b >= 0xc2 && b <= 0xdf) {
			cp = b & 0x1f;
			n = 2;
		} else if (b >= 0xe0 && b <= 0xef) {
			cp = b & 0x0f;
			n = 3;
		} else if (b >= 0xf0 && b <= 0xf4) {
			cp = b & 0x07;
			n = 4;
		} else {
			goto invalid;
		}
		if (n > len - i)
			goto invalid;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto invalid;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* Overlong forms (two-byte ones are caught by the lead byte),
		 * UTF-16 surrogates, and beyond Unicode. */
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto invalid;
		if (units + (cp >= 0x10000 ? 2 : 1) > MSCHAPV2_PASSWORD_MAX) {
			verr_set(e, "MS-CHAPv2: the password is longer than %d "
				 "characters (RFC 2759)", MSCHAPV2_PASSWORD_MAX);
			goto fail;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_unit(out, &units, 0xd800 | (cp >> 10));
			put_unit(out, &units, 0xdc00 | (cp & 0x3ff));
		} else {
			put_unit(out, &units, cp);
		}
		i += n;
	}
	*outlen = 2 * units;
	return 0;
invalid:
	verr_set(e, "MS-CHAPv2: the password is not valid UTF-8");
fail:
	OPENSSL_cleanse(out, 2 * units);
	return -1;
}

int mschapv2_challenge_hash(const uint8_t peer_challenge[16],
			    const uint8_t auth_challenge[16], const char *name,
			    size_t name_len, uint8_t out[8], struct verr *e)
{
	size_t ulen;
	const char *user = mschapv2_user_name(name, name_len, &ulen);
	struct part parts[3] = {
		{ peer_challenge, MSCHAPV2_CHALLENGE_LEN },
		{ auth_challenge, MSCHAPV2_CHALLENGE_LEN },
		{ (const uint8_t *)user, ulen },
	};
	uint8_t d[SHA1_LEN];

	if (sha1(parts, 3, d, e) < 0)
		return -1;
	memcpy(out, d, MSCHAPV2_CHALLENGE_HASH_LEN);
	return 0;
}

int mschapv2_nt_password_hash(const char *password, size_t len,
			      uint8_t out[16], struct verr *e)
{
	uint8_t u[MSCHAPV2_UTF16_MAX];
	size_t ulen = 0;
	int rc;

	if (mschapv2_utf16le(password, len, u, &ulen, e) < 0)
		return -1;
	rc = md4(u, ulen, out, e);
	OPENSSL_cleanse(u, ulen);
	return rc;
}

int mschapv2_hash_nt_password_hash(const uint8_t hash[16], uint8_t out[16],
				   struct verr *e)
{
	return md4(hash, MSCHAPV2_HASH_LEN, out, e);
}

static unsigned int odd_parity(uint8_t b)
{
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return (b & 1) ^ 1;
}

void mschapv2_des_key(const uint8_t in[7], uint8_t out[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 7; i++)
		v = v << 8 | in[i];
	for (int i = 0; i < 8; i++) {
		uint8_t b = (uint8_t)(((v >> (49 - 7 * i)) & 0x7f) << 1);

		out[i] = (uint8_t)(b | odd_parity(b));
	}
	OPENSSL_cleanse(&v, sizeof(v));
}

static int des_encrypt(const uint8_t key7[7], const uint8_t in[8],
		       uint8_t out[8])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t key[8], tail[8];
	int n = 0, m = 0, rc = -1;

	mschapv2_des_key(key7, key);
	if (ctx && EVP_EncryptInit_ex2(ctx, lib.des, key, NULL, NULL) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_EncryptUpdate(ctx, out, &n, in, 8) && n == 8 &&
	    EVP_EncryptFinal_ex(ctx, tail, &m) && m == 0)
		rc = 0;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int mschapv2_challenge_response(const uint8_t challenge[8],
				const uint8_t hash[16], uint8_t out[24],
				struct verr *e)
{
	uint8_t z[21] = { 0 };
	int rc = 0;

	if (lib_get(e) < 0)
		return -1;
	memcpy(z, hash, MSCHAPV2_HASH_LEN);
	for (int i = 0; i < 3 && !rc; i++)
		rc = des_encrypt(z + 7 * i, challenge, out + 8 * i);
	OPENSSL_cleanse(z, sizeof(z));
	if (rc < 0) {
		OPENSSL_cleanse(out, MSCHAPV2_NT_RESPONSE_LEN);
		verr_set(e, "MS-CHAPv2: DES failed");
	}
	return rc;
}

int mschapv2_generate_nt_response(const uint8_t auth_challenge[16],
				  const uint8_t peer_challenge[16],
				  const char *name, size_t name_len,
				  const char *password, size_t password_len,
				  uint8_t out[24], struct verr *e)
{
	uint8_t challenge[MSCHAPV2_CHALLENGE_HASH_LEN], hash[MSCHAPV2_HASH_LEN];
	int rc = -1;

	if (mschapv2_challenge_hash(peer_challenge, auth_challenge, name,
				    name_len, challenge, e) < 0 ||
	    mschapv2_nt_password_hash(password, password_len, hash, e) < 0)
		goto out;
	rc = mschapv2_challenge_response(challenge, hash, out, e);
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

int mschapv2_authenticator_response(const uint8_t hash_hash[16],
				    const uint8_t nt_response[24],
				    const uint8_t peer_challenge[16],
				    const uint8_t auth_challenge[16],
				    const char *name, size_t name_len,
				    char out[MSCHAPV2_AUTH_RESPONSE_LEN + 1],
				    struct verr *e)
{
	static const char hexdig[] = "0123456789ABCDEF";
	uint8_t d[SHA1_LEN], challenge[MSCHAPV2_CHALLENGE_HASH_LEN];
	struct part p1[3] = {
		{ hash_hash, MSCHAPV2_HASH_LEN },
		{ nt_response, MSCHAPV2_NT_RESPONSE_LEN },
		MAGIC(auth_magic1),
	};
	struct part p2[3] = {
		{ d, SHA1_LEN },
		{ challenge, MSCHAPV2_CHALLENGE_HASH_LEN },
		MAGIC(auth_magic2),
	};
	int rc = -1;

	out[0] = '\0';
	if (sha1(p1, 3, d, e) < 0 ||
	    mschapv2_challenge_hash(peer_challenge, auth_challenge, name,
				    name_len, challenge, e) < 0 ||
	    sha1(p2, 3, d, e) < 0)
		goto out;
	out[0] = 'S';
	out[1] = '=';
	for (int i = 0; i < SHA1_LEN; i++) {
		out[2 + 2 * i] = hexdig[d[i] >> 4];
		out[3 + 2 * i] = hexdig[d[i] & 0x0f];
	}
	out[MSCHAPV2_AUTH_RESPONSE_LEN] = '\0';
	rc = 0;
out:
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

/* ---- RFC 3079 3.4 ---- */

int mschapv2_master_key(const uint8_t hash_hash[16],
			const uint8_t nt_response[24], uint8_t out[16],
			struct verr *e)
{
	struct part parts[3] = {
		{ hash_hash, MSCHAPV2_HASH_LEN },
		{ nt_response, MSCHAPV2_NT_RESPONSE_LEN },
		MAGIC(mppe_magic1),
	};
	uint8_t d[SHA1_LEN];
	int rc = sha1(parts, 3, d, e);

	if (!rc)
		memcpy(out, d, 16);
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

int mschapv2_start_key(const uint8_t master_key[16], bool send, bool server,
		       uint8_t out[16], struct verr *e)
{
	static const uint8_t pad1[SHS_PAD_LEN] = { 0 };
	uint8_t pad2[SHS_PAD_LEN], d[SHA1_LEN];
	/* The client's send key is the server's receive key. */
	bool m2 = send != server;
	struct part parts[4] = {
		{ master_key, 16 },
		{ pad1, SHS_PAD_LEN },
		m2 ? (struct part)MAGIC(mppe_magic2) :
		     (struct part)MAGIC(mppe_magic3),
		{ pad2, SHS_PAD_LEN },
	};
	int rc;

	memset(pad2, 0xf2, sizeof(pad2));
	rc = sha1(parts, 4, d, e);
	if (!rc)
		memcpy(out, d, 16);
	OPENSSL_cleanse(d, sizeof(d));
	return rc;
}

int mschapv2_msk(const uint8_t hash_hash[16], const uint8_t nt_response[24],
		 uint8_t out[64], struct verr *e)
{
	uint8_t mk[16];
	int rc;

	memset(out, 0, MSCHAPV2_MSK_LEN);
	rc = mschapv2_master_key(hash_hash, nt_response, mk, e);
	if (!rc)
		rc = mschapv2_start_key(mk, true, false, out, e);
	if (!rc)
		rc = mschapv2_start_key(mk, false, false, out + 16, e);
	OPENSSL_cleanse(mk, sizeof(mk));
	if (rc)
		OPENSSL_cleanse(out, MSCHAPV2_MSK_LEN);
	return rc;
}

/* ---- the peer ---- */

int mschapv2_respond(struct mschapv2_peer *p,
		     const uint8_t auth_challenge[MSCHAPV2_CHALLENGE_LEN],
		     const uint8_t peer_challenge[MSCHAPV2_CHALLENGE_LEN],
		     const char *name, size_t name_len, const char *password,
		     size_t password_len, struct verr *e)
{
	uint8_t hash[MSCHAPV2_HASH_LEN], hash_hash[MSCHAPV2_HASH_LEN];
	uint8_t challenge[MSCHAPV2_CHALLENGE_HASH_LEN];
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (mschapv2_nt_password_hash(password, password_len, hash, e) < 0 ||
	    mschapv2_challenge_hash(peer_challenge, auth_challenge, name,
				    name_len, challenge, e) < 0 ||
	    mschapv2_challenge_response(challenge, hash, p->nt_response,
					e) < 0 ||
	    mschapv2_hash_nt_password_hash(hash, hash_hash, e) < 0 ||
	    mschapv2_authenticator_response(hash_hash, p->nt_response,
					    peer_challenge, auth_challenge,
					    name, name_len, p->auth_response,
					    e) < 0 ||
	    mschapv2_msk(hash_hash, p->nt_response, p->msk, e) < 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(hash_hash, sizeof(hash_hash));
	if (rc)
		mschapv2_peer_wipe(p);
	return rc;
}

static int hex_upper(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))
		return c;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 'A';
	return -1;
}

bool mschapv2_verify(const struct mschapv2_peer *p, const uint8_t *recv,
		     size_t len)
{
	char got[MSCHAPV2_AUTH_RESPONSE_LEN];

	if (!recv || len < MSCHAPV2_AUTH_RESPONSE_LEN ||
	    (len > MSCHAPV2_AUTH_RESPONSE_LEN &&
	     recv[MSCHAPV2_AUTH_RESPONSE_LEN] != ' ') ||
	    recv[0] != 'S' || recv[1] != '=')
		return false;
	got[0] = 'S';
	got[1] = '=';
	/* What the gateway sent is no secret: only the comparison with our
	 * value must not depend on where they differ. */
	for (int i = 2; i < MSCHAPV2_AUTH_RESPONSE_LEN; i++) {
		int c = hex_upper(recv[i]);

		if (c < 0)
			return false;
		got[i] = (char)c;
	}
	return CRYPTO_memcmp(got, p->auth_response,
			     MSCHAPV2_AUTH_RESPONSE_LEN) == 0;
}

void mschapv2_peer_wipe(struct mschapv2_peer *p)
{
	OPENSSL_cleanse(p, sizeof(*p));
}
