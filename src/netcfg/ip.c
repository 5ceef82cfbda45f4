/* Addresses and prefixes: parsing, printing, matching. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netcfg_internal.h"

size_t nc_addr_len(int family)
{
	return family == AF_INET6 ? 16 : family == AF_INET ? 4 : 0;
}

bool netcfg_ip_parse(const char *s, struct netcfg_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->bytes) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip->bytes) == 1)
		ip->family = AF_INET6;
	return ip->family != 0;
}

bool netcfg_prefix_parse(const char *s, struct netcfg_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len;
	char *end;

	memset(p, 0, sizeof(*p));
	if (alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (!netcfg_ip_parse(addr, &p->ip))
		return false;
	len = nc_addr_len(p->ip.family) * 8;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return false;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || len > nc_addr_len(p->ip.family) * 8)
			return false;
	}
	p->len = (uint8_t)len;
	return true;
}

const char *netcfg_ip_str(const struct netcfg_ip *ip, char *out,
			  size_t outlen)
{
	if (!nc_addr_len(ip->family) ||
	    !inet_ntop(ip->family, ip->bytes, out, (socklen_t)outlen))
		snprintf(out, outlen, "?");
	return out;
}

const char *netcfg_prefix_str(const struct netcfg_prefix *p, char *out,
			      size_t outlen)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(out, outlen, "%s/%u", netcfg_ip_str(&p->ip, a, sizeof(a)),
		 p->len);
	return out;
}

bool netcfg_prefix_covers(const struct netcfg_prefix *p,
			  const struct netcfg_ip *ip)
{
	unsigned full = p->len / 8, rest = p->len % 8;
	uint8_t mask;

	if (p->ip.family != ip->family || !nc_addr_len(ip->family) ||
	    p->len > nc_addr_len(ip->family) * 8)
		return false;
	if (memcmp(p->ip.bytes, ip->bytes, full) != 0)
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (p->ip.bytes[full] & mask) == (ip->bytes[full] & mask);
}

bool nc_attr_ip(const struct nlattr *a, int family, struct netcfg_ip *ip)
{
	size_t len = nc_addr_len(family);

	memset(ip, 0, sizeof(*ip));
	if (!len || mnl_attr_get_payload_len(a) != len)
		return false;
	ip->family = family;
	memcpy(ip->bytes, mnl_attr_get_payload(a), len);
	return true;
}

const char *nc_ifname(int ifindex, char *out)
{
	if (ifindex <= 0 || !if_indextoname((unsigned)ifindex, out))
		snprintf(out, IF_NAMESIZE, "#%d", ifindex);
	return out;
}

uint32_t nc_table(uint32_t table)
{
	return table ? table : NETCFG_TABLE_MAIN;
}

const char *nc_route_str(const struct netcfg_route *r, char *out,
			 size_t outlen)
{
	char dst[INET6_ADDRSTRLEN + 4], via[INET6_ADDRSTRLEN];
	char src[INET6_ADDRSTRLEN], dev[IF_NAMESIZE];

	snprintf(out, outlen, "%s%s%s dev %s%s%s table %u metric %u",
		 netcfg_prefix_str(&r->dst, dst, sizeof(dst)),
		 r->via.family ? " via " : "",
		 r->via.family ? netcfg_ip_str(&r->via, via, sizeof(via)) : "",
		 nc_ifname(r->ifindex, dev),
		 r->src.family ? " src " : "",
		 r->src.family ? netcfg_ip_str(&r->src, src, sizeof(src)) : "",
		 nc_table(r->table), r->metric);
	return out;
}

bool nc_gone(int err)
{
	/* ESRCH: no such route; EADDRNOTAVAIL: no such address; ENODEV:
	 * the interface went away, and everything on it with it. */
	return err == ESRCH || err == EADDRNOTAVAIL || err == ENODEV ||
	       err == ENOENT;
}

int netcfg_ifindex(const char *name, int *ifindex, struct verr *e)
{
	unsigned idx = if_nametoindex(name);

	if (!idx) {
		int err = errno;

		verr_set(e, "looking up dev %s: %s", name, strerror(err));
		errno = err;
		return -1;
	}
	*ifindex = (int)idx;
	return 0;
}

/* Trailing zero bits of a big-endian number of 'len' bytes. */
static unsigned trailing_zeros(const uint8_t *a, size_t len)
{
	unsigned tz = 0;
	size_t i;
	uint8_t b;

	for (i = len; i-- > 0; tz += 8) {
		if (!a[i])
			continue;
		for (b = a[i]; !(b & 1); b >>= 1)
			tz++;
		return tz;
	}
	return tz;
}

/* out = a with its low 'bits' bits set: the last address of the block. */
static void block_end(const uint8_t *a, size_t len, unsigned bits,
		      uint8_t *out)
{
	size_t i;

	memcpy(out, a, len);
	for (i = len; i-- > 0 && bits > 0;) {
		if (bits >= 8) {
			out[i] = 0xff;
			bits -= 8;
		} else {
			out[i] |= (uint8_t)((1u << bits) - 1);
			bits = 0;
		}
	}
}

/* a += 1; false when it wrapped past the top of the address space. */
static bool increment(uint8_t *a, size_t len)
{
	size_t i;

	for (i = len; i-- > 0;)
		if (++a[i] != 0)
			return true;
	return false;
}

int netcfg_range_prefixes(int family, const uint8_t *start,
			  const uint8_t *end, struct netcfg_prefix *out,
			  size_t max, size_t *n)
{
	size_t len = nc_addr_len(family);
	uint8_t cur[16], last[16];
	unsigned host;

	*n = 0;
	if (!len || memcmp(start, end, len) > 0) {
		errno = EINVAL;
		return -1;
	}
	memcpy(cur, start, len);
	for (;;) {
		/* The largest aligned block at cur that stays within end. */
		host = trailing_zeros(cur, len);
		for (;; host--) {
			block_end(cur, len, host, last);
			if (memcmp(last, end, len) <= 0)
				break;
		}
		if (*n >= max) {
			errno = ENOSPC;
			return -1;
		}
		memset(&out[*n], 0, sizeof(out[*n]));
		out[*n].ip.family = family;
		memcpy(out[*n].ip.bytes, cur, len);
		out[*n].len = (uint8_t)(len * 8 - host);
		(*n)++;
		if (memcmp(last, end, len) == 0)
			return 0;
		memcpy(cur, last, len);
		if (!increment(cur, len))
			return 0;
	}
}
