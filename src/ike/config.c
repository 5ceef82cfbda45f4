/* Configuration payload (RFC 7296 3.15): ask for a virtual IP and DNS
 * servers, and read what the gateway assigned. */
#include <arpa/inet.h>
#include <string.h>

#include "ike_sa.h"
#include "vpnd/log.h"

void cfg_build_request(struct pl_chain *c, const struct profile *p,
		       const uint8_t *hint4)
{
	struct cp_payload cp;

	memset(&cp, 0, sizeof(cp));
	cp.cfg_type = CFG_REQUEST;
	if (p->request_ipv4) {
		/* RFC 7296 3.15.1: a value asks for that address again. */
		cp.a[cp.n].val = hint4;
		cp.a[cp.n].len = hint4 ? 4 : 0;
		cp.a[cp.n++].type = CFG_INTERNAL_IP4_ADDRESS;
		if (p->request_dns)
			cp.a[cp.n++].type = CFG_INTERNAL_IP4_DNS;
	}
	if (p->request_ipv6) {
		cp.a[cp.n++].type = CFG_INTERNAL_IP6_ADDRESS;
		if (p->request_dns)
			cp.a[cp.n++].type = CFG_INTERNAL_IP6_DNS;
	}
	if (cp.n)
		cp_build(c, &cp);
}

static uint8_t netmask_prefix(const uint8_t m[4])
{
	uint32_t v = get_u32(m);
	uint8_t n = 0;

	while (v & 0x80000000u) {
		n++;
		v <<= 1;
	}
	return n;
}

void cfg_parse_reply(const struct cp_payload *cp, struct cfg_reply *out)
{
	size_t i;

	for (i = 0; i < cp->n; i++) {
		const struct cp_attr *a = &cp->a[i];

		switch (a->type) {
		case CFG_INTERNAL_IP4_ADDRESS:
			if (a->len == 4 && !out->has_ip4) {
				memcpy(out->ip4, a->val, 4);
				out->has_ip4 = true;
				out->ip4_prefix = 32;
			}
			break;
		case CFG_INTERNAL_IP4_NETMASK:
			if (a->len == 4)
				out->ip4_prefix = netmask_prefix(a->val);
			break;
		case CFG_INTERNAL_IP4_DNS:
			if (a->len == 4 && out->n_dns4 < CFG_MAX_DNS)
				memcpy(out->dns4[out->n_dns4++], a->val, 4);
			break;
		case CFG_INTERNAL_IP6_ADDRESS:
			if (a->len == 17 && !out->has_ip6) {
				memcpy(out->ip6, a->val, 16);
				out->ip6_prefix = a->val[16] > 128 ? 128 :
								    a->val[16];
				out->has_ip6 = true;
			}
			break;
		case CFG_INTERNAL_IP6_DNS:
			if (a->len == 16 && out->n_dns6 < CFG_MAX_DNS)
				memcpy(out->dns6[out->n_dns6++], a->val, 16);
			break;
		default:
			log_dbg("ignoring configuration attribute %u", a->type);
		}
	}
}

void cfg_describe(const struct cfg_reply *cfg, struct wbuf *out)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < cfg->n_dns4; i++)
		wb_printf(out, "  DNS: %s\n",
			  inet_ntop(AF_INET, cfg->dns4[i], a, sizeof(a)));
	for (i = 0; i < cfg->n_dns6; i++)
		wb_printf(out, "  DNS: %s\n",
			  inet_ntop(AF_INET6, cfg->dns6[i], a, sizeof(a)));
}
