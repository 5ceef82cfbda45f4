/* Conversions between our host-order structs and the XFRM ones. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "kernel_internal.h"

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : family == AF_INET ? 4 : 0;
}

void kaddr_to_xfrm(const struct kernel_addr *a, xfrm_address_t *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->bytes, addr_len(a->family));
}

void kaddr_from_xfrm(int family, const xfrm_address_t *x,
		     struct kernel_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!addr_len(family))
		return;
	a->family = family;
	memcpy(a->bytes, x, addr_len(family));
}

bool kernel_addr_parse(const char *s, struct kernel_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		a->family = AF_INET6;
	return a->family != 0;
}

const char *kernel_addr_str(const struct kernel_addr *a, char *out,
			    size_t outlen)
{
	if (!addr_len(a->family) ||
	    !inet_ntop(a->family, a->bytes, out, (socklen_t)outlen))
		snprintf(out, outlen, "?");
	return out;
}

void ksel_to_xfrm(const struct kernel_selector *s, struct xfrm_selector *x)
{
	memset(x, 0, sizeof(*x));
	if (!s->src.family && !s->dst.family)
		return;
	x->family = (uint16_t)(s->src.family ? s->src.family : s->dst.family);
	kaddr_to_xfrm(&s->src, &x->saddr);
	kaddr_to_xfrm(&s->dst, &x->daddr);
	x->prefixlen_s = s->src_prefix;
	x->prefixlen_d = s->dst_prefix;
	x->proto = s->proto;
	x->sport = htons(s->sport);
	x->sport_mask = s->sport ? 0xffff : 0;
	x->dport = htons(s->dport);
	x->dport_mask = s->dport ? 0xffff : 0;
}

void ksel_from_xfrm(const struct xfrm_selector *x, struct kernel_selector *s)
{
	memset(s, 0, sizeof(*s));
	kaddr_from_xfrm(x->family, &x->saddr, &s->src);
	kaddr_from_xfrm(x->family, &x->daddr, &s->dst);
	s->src_prefix = x->prefixlen_s;
	s->dst_prefix = x->prefixlen_d;
	s->proto = x->proto;
	s->sport = x->sport_mask ? ntohs(x->sport) : 0;
	s->dport = x->dport_mask ? ntohs(x->dport) : 0;
}

const char *ksel_str(const struct kernel_selector *s, char *out,
		     size_t outlen)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int n;

	if (!s->src.family && !s->dst.family) {
		snprintf(out, outlen, "any");
		return out;
	}
	n = snprintf(out, outlen, "%s/%u->%s/%u",
		     kernel_addr_str(&s->src, src, sizeof(src)), s->src_prefix,
		     kernel_addr_str(&s->dst, dst, sizeof(dst)), s->dst_prefix);
	if (s->proto && n > 0 && (size_t)n < outlen)
		snprintf(out + n, outlen - (size_t)n, " proto %u ports %u->%u",
			 s->proto, s->sport, s->dport);
	return out;
}

static uint64_t limit(uint64_t v)
{
	return v ? v : XFRM_INF;
}

void klifetime_to_xfrm(const struct kernel_lifetime *l,
		       struct xfrm_lifetime_cfg *x)
{
	memset(x, 0, sizeof(*x));
	/* A zero byte/packet limit would expire at once: 0 means none. */
	x->soft_byte_limit = limit(l ? l->soft_bytes : 0);
	x->hard_byte_limit = limit(l ? l->hard_bytes : 0);
	x->soft_packet_limit = XFRM_INF;
	x->hard_packet_limit = XFRM_INF;
	/* Zero seconds already means "no timer" to the kernel. */
	x->soft_add_expires_seconds = l ? l->soft_secs : 0;
	x->hard_add_expires_seconds = l ? l->hard_secs : 0;
}
