/* Which gateway identities a profile accepts: its remote id, or one of
 * the id-patterns (the peer authorization group of RFC 4301 4.4.3). */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "vpnd/ike_const.h"
#include "internal.h"

bool valid_id_pattern(const char *s)
{
	if (!strncmp(s, "*.", 2) || !strncmp(s, "*@", 2))
		return is_hostname(s + 2);
	return *s && !strchr(s, '*');
}

/* DNs are compared canonically: a CA may encode "CN=gw" as a
 * PrintableString where our profile produced a UTF8String. */
static bool dn_equal(const uint8_t *a, size_t alen, const uint8_t *b,
		     size_t blen)
{
	const unsigned char *pa = a, *pb = b;
	X509_NAME *na, *nb;
	bool eq;

	if (!alen || !blen || alen > PROFILE_STR_MAX || blen > 65535)
		return false;
	na = d2i_X509_NAME(NULL, &pa, (long)alen);
	nb = d2i_X509_NAME(NULL, &pb, (long)blen);
	/* trailing garbage after the DER must not pass as a match */
	eq = na && nb && pa == a + alen && pb == b + blen &&
	     X509_NAME_cmp(na, nb) == 0;
	if (!na || !nb)
		ERR_clear_error();

	X509_NAME_free(na);
	X509_NAME_free(nb);
	return eq;
}

static bool id_equal(const struct profile_id *want, uint8_t type,
		     const uint8_t *data, size_t len)
{
	if (want->type != type)
		return false;
	if (type == ID_DER_ASN1_DN)
		return dn_equal(want->data, want->len, data, len);
	if (want->len != len)
		return false;
	/* DNS names are case-insensitive; every other type is binary */
	if (type == ID_FQDN)
		return strncasecmp((const char *)want->data,
				   (const char *)data, len) == 0;
	return memcmp(want->data, data, len) == 0;
}

/* The part a "*." wildcard covers: one or more non-empty labels. */
static bool is_label_run(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '@' || (s[i] == '.' && s[i + 1] == '.'))
			return false;
	}
	return true;
}

static bool text_matches(const char *pat, const char *id)
{
	size_t plen = strlen(pat), ilen = strlen(id);
	const char *at;

	if (!strncmp(pat, "*.", 2)) {
		/* keep the dot: "*.b.c" must not match "xb.c" */
		const char *suffix = pat + 1;
		size_t slen = plen - 1;

		return ilen > slen &&
		       !strcasecmp(id + ilen - slen, suffix) &&
		       is_label_run(id, ilen - slen);
	}
	if (!strncmp(pat, "*@", 2)) {
		at = strchr(id, '@');
		return at && at > id && !strchr(at + 1, '@') &&
		       !strcasecmp(at + 1, pat + 2);
	}
	return !strcasecmp(pat, id);
}

static bool pattern_matches(const char *pat, uint8_t type,
			    const uint8_t *data, size_t len)
{
	char id[PROFILE_STR_MAX];
	uint8_t addr[16];

	switch (type) {
	case ID_FQDN:
	case ID_RFC822_ADDR:
		/* an embedded NUL would let "gw.example.com\0.evil" through */
		if (len == 0 || len >= sizeof(id) || memchr(data, 0, len))
			return false;
		memcpy(id, data, len);
		id[len] = '\0';
		return text_matches(pat, id);
	case ID_IPV4_ADDR:
		return len == 4 && inet_pton(AF_INET, pat, addr) == 1 &&
		       !memcmp(addr, data, 4);
	case ID_IPV6_ADDR:
		return len == 16 && inet_pton(AF_INET6, pat, addr) == 1 &&
		       !memcmp(addr, data, 16);
	default:
		return false;
	}
}

bool profile_accepts_remote_id(const struct profile *p, uint8_t id_type,
			       const uint8_t *data, size_t len)
{
	if (!data && len)
		return false;
	if (p->remote_id.type && id_equal(&p->remote_id, id_type, data, len))
		return true;
	for (size_t i = 0; i < p->n_remote_id_patterns; i++)
		if (pattern_matches(p->remote_id_patterns[i].text, id_type,
				    data, len))
			return true;
	return !p->remote_id.type && !p->n_remote_id_patterns;
}
