/* strongSwan-style proposal strings: '-' separated algorithm tokens in
 * any order, each token adding to one of the transform lists. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "vpnd/ike_const.h"
#include "vpnd/profile.h"

enum tok_kind { T_ENCR, T_AEAD, T_INTEG, T_PRF, T_DH, T_ESN };

struct token {
	const char *name;
	enum tok_kind kind;
	uint16_t id;
	uint16_t keylen;
	uint16_t prf; /* for integ: the PRF derived when no prf token is given */
};

static const struct token tokens[] = {
	{ "aes128", T_ENCR, ENCR_AES_CBC, 128, 0 },
	{ "aes192", T_ENCR, ENCR_AES_CBC, 192, 0 },
	{ "aes256", T_ENCR, ENCR_AES_CBC, 256, 0 },
	{ "aes128gcm16", T_AEAD, ENCR_AES_GCM_16, 128, 0 },
	{ "aes192gcm16", T_AEAD, ENCR_AES_GCM_16, 192, 0 },
	{ "aes256gcm16", T_AEAD, ENCR_AES_GCM_16, 256, 0 },
	{ "aes128gcm", T_AEAD, ENCR_AES_GCM_16, 128, 0 },
	{ "aes192gcm", T_AEAD, ENCR_AES_GCM_16, 192, 0 },
	{ "aes256gcm", T_AEAD, ENCR_AES_GCM_16, 256, 0 },
	{ "chacha20poly1305", T_AEAD, ENCR_CHACHA20_POLY1305, 0, 0 },
	{ "sha1", T_INTEG, INTEG_HMAC_SHA1_96, 0, PRF_HMAC_SHA1 },
	{ "sha256", T_INTEG, INTEG_HMAC_SHA2_256_128, 0, PRF_HMAC_SHA2_256 },
	{ "sha384", T_INTEG, INTEG_HMAC_SHA2_384_192, 0, PRF_HMAC_SHA2_384 },
	{ "sha512", T_INTEG, INTEG_HMAC_SHA2_512_256, 0, PRF_HMAC_SHA2_512 },
	{ "prfsha1", T_PRF, PRF_HMAC_SHA1, 0, 0 },
	{ "prfsha256", T_PRF, PRF_HMAC_SHA2_256, 0, 0 },
	{ "prfsha384", T_PRF, PRF_HMAC_SHA2_384, 0, 0 },
	{ "prfsha512", T_PRF, PRF_HMAC_SHA2_512, 0, 0 },
	{ "modp2048", T_DH, DH_MODP2048, 0, 0 },
	{ "modp3072", T_DH, DH_MODP3072, 0, 0 },
	{ "modp4096", T_DH, DH_MODP4096, 0, 0 },
	{ "ecp256", T_DH, DH_ECP256, 0, 0 },
	{ "ecp384", T_DH, DH_ECP384, 0, 0 },
	{ "ecp521", T_DH, DH_ECP521, 0, 0 },
	{ "x25519", T_DH, DH_CURVE25519, 0, 0 },
	{ "curve25519", T_DH, DH_CURVE25519, 0, 0 },
	{ "esn", T_ESN, ESN_YES, 0, 0 },
	{ "noesn", T_ESN, ESN_NO, 0, 0 },
};

static const struct token *lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		if (!strcasecmp(tokens[i].name, name))
			return &tokens[i];
	return NULL;
}

/* Adds v to a list unless present; repeating a token is harmless. */
static bool add_u16(uint16_t *list, size_t *n, uint16_t v)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i] == v)
			return true;
	if (*n >= PROFILE_MAX_ALGS)
		return false;
	list[(*n)++] = v;
	return true;
}

static bool add_encr(struct alg_set *s, const struct token *t)
{
	for (size_t i = 0; i < s->n_encr; i++)
		if (s->encr[i].id == t->id && s->encr[i].keylen == t->keylen)
			return true;
	if (s->n_encr >= PROFILE_MAX_ALGS)
		return false;
	s->encr[s->n_encr].id = t->id;
	s->encr[s->n_encr].keylen = t->keylen;
	s->n_encr++;
	return true;
}

static bool add_esn(struct alg_set *s, uint8_t v)
{
	for (size_t i = 0; i < s->n_esn; i++)
		if (s->esn[i] == v)
			return true;
	s->esn[s->n_esn++] = v;
	return true;
}

struct pstate {
	bool aead, classic, any_prf;
	uint16_t derived_prf[PROFILE_MAX_ALGS];
	size_t n_derived;
};

static int add_token(struct alg_set *s, struct pstate *st,
		     const struct token *t, bool esp, struct verr *e)
{
	bool ok = true;

	switch (t->kind) {
	case T_AEAD:
		st->aead = true;
		ok = add_encr(s, t);
		break;
	case T_ENCR:
		st->classic = true;
		ok = add_encr(s, t);
		break;
	case T_INTEG:
		ok = add_u16(s->integ, &s->n_integ, t->id) &&
		     add_u16(st->derived_prf, &st->n_derived, t->prf);
		break;
	case T_PRF:
		if (esp) {
			verr_set(e, "'%s' is not valid in an ESP proposal",
				 t->name);
			return -1;
		}
		st->any_prf = true;
		ok = add_u16(s->prf, &s->n_prf, t->id);
		break;
	case T_DH:
		ok = add_u16(s->dh, &s->n_dh, t->id);
		break;
	case T_ESN:
		if (!esp) {
			verr_set(e, "'%s' is only valid in an ESP proposal",
				 t->name);
			return -1;
		}
		ok = add_esn(s, (uint8_t)t->id);
		break;
	}
	if (!ok) {
		verr_set(e, "too many algorithms in proposal (max %d per kind)",
			 PROFILE_MAX_ALGS);
		return -1;
	}
	return 0;
}

static int fail(struct verr *e, const char *msg)
{
	verr_set(e, "%s", msg);
	return -1;
}

/* RFC 7296 3.3: an AEAD cipher carries its own integrity, so a proposal
 * is either AEAD without integ or classic with integ. */
static int check_set(struct alg_set *s, struct pstate *st, bool esp,
		     struct verr *e)
{
	if (!s->n_encr)
		return fail(e, "proposal has no encryption algorithm");
	if (st->aead && st->classic)
		return fail(e, "AEAD and non-AEAD encryption algorithms "
				"cannot be mixed");
	if (st->aead && s->n_integ)
		return fail(e, "AEAD proposal cannot have an integrity "
				"algorithm");
	if (st->classic && !s->n_integ)
		return fail(e, "proposal needs an integrity algorithm");
	if (esp) {
		if (!s->n_esn)
			s->esn[s->n_esn++] = ESN_NO;
		return 0;
	}
	if (!st->any_prf) {
		if (st->aead)
			return fail(e, "AEAD proposal needs a prf");
		memcpy(s->prf, st->derived_prf, sizeof(s->prf));
		s->n_prf = st->n_derived;
	}
	if (!s->n_dh)
		return fail(e, "IKE proposal needs a DH group");
	return 0;
}

int alg_set_parse(const char *s, bool esp, struct alg_set *out,
		  struct verr *e)
{
	struct pstate st = { 0 };
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (!*s) {
		verr_set(e, "empty proposal");
		return -1;
	}
	for (;;) {
		size_t len = strcspn(p, "-");
		char tok[24];
		const struct token *t = NULL;

		if (len == 0) {
			verr_set(e, "empty token in proposal '%.60s'", s);
			return -1;
		}
		if (len < sizeof(tok)) {
			for (size_t i = 0; i < len; i++)
				tok[i] = (char)tolower((unsigned char)p[i]);
			tok[len] = '\0';
			t = lookup(tok);
		}
		if (!t) {
			verr_set(e, "unknown proposal token '%.*s'",
				 (int)(len > 60 ? 60 : len), p);
			return -1;
		}
		if (add_token(out, &st, t, esp, e) < 0)
			return -1;
		if (!p[len])
			break;
		p += len + 1;
	}
	return check_set(out, &st, esp, e);
}
