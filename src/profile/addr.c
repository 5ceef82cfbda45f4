/* Address, subnet and host name syntax of profile values. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

bool is_ip_literal(const char *s)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static bool is_label_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-';
}

/* RFC 1123 names: dot-separated labels of 1..63 letters, digits and
 * inner hyphens, at most 253 characters. */
bool is_hostname(const char *s)
{
	size_t total = strlen(s), label = 0;

	if (total == 0 || total > 253)
		return false;
	for (size_t i = 0; i <= total; i++) {
		char ch = s[i];

		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_label_char(ch) || (label == 0 && ch == '-'))
			return false;
		label++;
	}
	return true;
}

static bool host_bits_clear(const uint8_t *a, unsigned prefix, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		if (a[i] & (uint8_t)~mask)
			return false;
	}
	return true;
}

bool parse_cidr(const char *s, struct ts_cfg *ts, char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long prefix, max;
	char *end;

	memset(ts, 0, sizeof(*ts));
	ts->port_hi = 65535;
	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, ts->addr) == 1)
		ts->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, ts->addr) == 1)
		ts->family = AF_INET6;
	else
		goto bad;
	max = ts->family == AF_INET ? 32 : 128;
	prefix = max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			goto bad;
		prefix = strtoul(slash + 1, &end, 10);
		if (*end || prefix > max)
			goto bad;
	}
	ts->prefix = (uint8_t)prefix;
	if (!host_bits_clear(ts->addr, ts->prefix, max / 8)) {
		snprintf(why, whylen, "'%s' has host bits set beyond /%lu",
			 s, prefix);
		return false;
	}
	return true;
bad:
	snprintf(why, whylen, "invalid subnet '%.80s' (need ADDRESS/PREFIX)", s);
	return false;
}

bool valid_redirect_target(const char *s)
{
	struct ts_cfg ts;
	char why[8];

	if (strchr(s, '/'))
		return parse_cidr(s, &ts, why, sizeof(why));
	if (!strncmp(s, "*.", 2))
		return is_hostname(s + 2);
	return is_ip_literal(s) || is_hostname(s);
}
