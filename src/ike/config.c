/* Configuration payload (RFC 7296 3.15): ask for a virtual IP, DNS
 * servers and split-DNS domains (RFC 8598), and read what the gateway
 * assigned. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ike_sa.h"
#include "vpnd/log.h"
#include "vpnd/netcfg.h"

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
		if (p->request_dns4)
			cp.a[cp.n++].type = CFG_INTERNAL_IP4_DNS;
	}
	if (p->request_ipv6) {
		cp.a[cp.n++].type = CFG_INTERNAL_IP6_ADDRESS;
		if (p->request_dns6)
			cp.a[cp.n++].type = CFG_INTERNAL_IP6_DNS;
	}
	/* RFC 8598 4: an empty INTERNAL_DNS_DOMAIN asks for the domains
	 * the servers are for. */
	if ((p->request_ipv4 && p->request_dns4) ||
	    (p->request_ipv6 && p->request_dns6))
		cp.a[cp.n++].type = CFG_INTERNAL_DNS_DOMAIN;
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

void cfg_reply_clear(struct cfg_reply *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_domains; i++)
		free(cfg->domains[i]);
	free(cfg->domains);
	memset(cfg, 0, sizeof(*cfg));
}

static bool has_domain(const struct cfg_reply *out, const char *d)
{
	size_t i;

	for (i = 0; i < out->n_domains; i++)
		if (strcasecmp(out->domains[i], d) == 0)
			return true;
	return false;
}

/* RFC 8598 3.1: one name in presentation format, not NUL-terminated;
 * the gateway's text goes to resolved and to status, so anything but a
 * DNS name is refused (and counted). A duplicate is dropped. */
static void take_domain(const struct cp_attr *a, struct cfg_reply *out)
{
	char name[NETCFG_DOMAIN_MAX + 1];
	size_t len = a->len;
	char **grown;

	if (len == 0 || len > NETCFG_DOMAIN_MAX ||
	    !netcfg_domain_ok((const char *)a->val, len)) {
		out->n_bad_domains++;
		log_warn("ignoring INTERNAL_DNS_DOMAIN of %zu bytes: not a "
			 "DNS name", len);
		return;
	}
	memcpy(name, a->val, len);
	if (name[len - 1] == '.')
		len--;
	name[len] = '\0';
	if (has_domain(out, name))
		return;
	grown = realloc(out->domains,
			(out->n_domains + 1) * sizeof(*out->domains));
	if (!grown)
		goto oom;
	out->domains = grown;
	out->domains[out->n_domains] = strdup(name);
	if (!out->domains[out->n_domains])
		goto oom;
	out->n_domains++;
	return;
oom:
	log_warn("out of memory keeping the split-DNS domain %s", name);
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
		case CFG_INTERNAL_DNS_DOMAIN:
			take_domain(a, out);
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
	if (cfg->n_domains) {
		wb_printf(out, "  DNS domains (split DNS):");
		for (i = 0; i < cfg->n_domains; i++)
			wb_printf(out, " %s", cfg->domains[i]);
		wb_printf(out, "\n");
	}
	if (cfg->n_bad_domains)
		wb_printf(out, "  DNS domains refused: %zu (not DNS names)\n",
			  cfg->n_bad_domains);
}
