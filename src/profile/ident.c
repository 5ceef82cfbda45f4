/* IKE identities in profiles: parsing "type:value" strings into the wire
 * form, and deciding whether the gateway's IDr is one we accept. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "vpnd/ike_const.h"
#include "internal.h"

static int set_text(struct profile_id *id, uint8_t type, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= sizeof(id->text))
		return -1;
	id->type = type;
	memcpy(id->text, v, n + 1);
	memcpy(id->data, v, n);
	id->len = n;
	return 0;
}

static int parse_ip(struct profile_id *id, int af, const char *v)
{
	if (inet_pton(af, v, id->data) != 1)
		return -1;
	id->type = af == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
	id->len = af == AF_INET ? 4 : 16;
	snprintf(id->text, sizeof(id->text), "%s", v);
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Hex digits, optionally grouped by colons as OpenSSL prints key ids. */
static int parse_keyid(struct profile_id *id, const char *v)
{
	size_t n = 0;

	for (const char *p = v; *p; ) {
		int hi, lo;

		if (*p == ':') {
			p++;
			continue;
		}
		hi = hexval(p[0]);
		lo = hi < 0 ? -1 : hexval(p[1]);
		if (lo < 0 || n >= sizeof(id->data))
			return -1;
		id->data[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (!n)
		return -1;
	id->type = ID_KEY_ID;
	id->len = n;
	snprintf(id->text, sizeof(id->text), "%s", v);
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*w++ = *s;
	}
	*w = '\0';
}

/* One "ATTR=value" RDN; a backslash keeps a ',' inside a value. */
static int add_rdn(X509_NAME *name, char *rdn, char *why, size_t whylen)
{
	char *eq = strchr(rdn, '=');
	char *key, *val;

	if (!eq) {
		snprintf(why, whylen, "DN part '%.40s' has no '='", trim(rdn));
		return -1;
	}
	*eq = '\0';
	key = trim(rdn);
	val = trim(eq + 1);
	unescape(val);
	if (!*key || !*val) {
		snprintf(why, whylen, "DN part '%.40s' needs ATTR=value", key);
		return -1;
	}
	if (!X509_NAME_add_entry_by_txt(name, key, MBSTRING_UTF8,
					(const unsigned char *)val, -1, -1, 0)) {
		ERR_clear_error();
		snprintf(why, whylen, "unknown DN attribute '%.40s'", key);
		return -1;
	}
	return 0;
}

static int split_dn(X509_NAME *name, char *s, char *why, size_t whylen)
{
	char *start = s;
	bool last;

	for (char *p = s; ; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p != ',' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		if (add_rdn(name, start, why, whylen) < 0)
			return -1;
		if (last)
			return 0;
		start = p + 1;
	}
}

static int parse_dn(struct profile_id *id, const char *v, char *why,
		    size_t whylen)
{
	char tmp[PROFILE_STR_MAX];
	X509_NAME *name = X509_NAME_new();
	unsigned char *out = id->data;
	int len;

	snprintf(why, whylen, "invalid distinguished name '%.60s'", v);
	if (!name || strlen(v) >= sizeof(tmp)) {
		X509_NAME_free(name);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s", v);
	if (split_dn(name, tmp, why, whylen) < 0) {
		X509_NAME_free(name);
		return -1;
	}
	len = i2d_X509_NAME(name, NULL);
	if (len <= 0 || (size_t)len > sizeof(id->data)) {
		snprintf(why, whylen, "distinguished name too long");
		X509_NAME_free(name);
		return -1;
	}
	i2d_X509_NAME(name, &out);
	X509_NAME_free(name);
	id->type = ID_DER_ASN1_DN;
	id->len = (size_t)len;
	snprintf(id->text, sizeof(id->text), "%s", v);
	return 0;
}

static int infer(struct profile_id *id, const char *s, char *why,
		 size_t whylen)
{
	if (parse_ip(id, AF_INET, s) == 0 || parse_ip(id, AF_INET6, s) == 0)
		return 0;
	/* "C=CH, O=Example, CN=gw" can never be a host name */
	if (strchr(s, '='))
		return parse_dn(id, s, why, whylen);
	return set_text(id, strchr(s, '@') ? ID_RFC822_ADDR : ID_FQDN, s);
}

int profile_id_parse(const char *s, struct profile_id *id, char *why,
		     size_t whylen)
{
	static const struct {
		const char *prefix;
		uint8_t type;
	} prefixes[] = {
		{ "fqdn:", ID_FQDN }, { "email:", ID_RFC822_ADDR },
		{ "ipv4:", ID_IPV4_ADDR }, { "ipv6:", ID_IPV6_ADDR },
		{ "dn:", ID_DER_ASN1_DN }, { "keyid:", ID_KEY_ID },
	};
	int rc = -1;

	memset(id, 0, sizeof(*id));
	snprintf(why, whylen, "invalid identity '%.80s'", s);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		const char *v = s + strlen(prefixes[i].prefix);

		if (strncasecmp(s, prefixes[i].prefix,
				strlen(prefixes[i].prefix)))
			continue;
		switch (prefixes[i].type) {
		case ID_IPV4_ADDR:
			rc = parse_ip(id, AF_INET, v);
			break;
		case ID_IPV6_ADDR:
			rc = parse_ip(id, AF_INET6, v);
			break;
		case ID_DER_ASN1_DN:
			rc = parse_dn(id, v, why, whylen);
			break;
		case ID_KEY_ID:
			rc = parse_keyid(id, v);
			break;
		default:
			rc = set_text(id, prefixes[i].type, v);
		}
		goto out;
	}
	rc = infer(id, s, why, whylen);
out:
	if (rc < 0)
		memset(id, 0, sizeof(*id));
	return rc;
}
