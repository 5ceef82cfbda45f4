#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ike_sa.h"
#include "redirect.h"

void redirect_reset(struct redirects *r)
{
	memset(r, 0, sizeof(*r));
}

static size_t recent(const struct redirects *r, const struct profile *p,
		     uint64_t now_ms)
{
	uint64_t window = (uint64_t)p->redirect_period * 1000u;
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		if (now_ms - r->hist[i].at_ms < window)
			n++;
	return n;
}

static void chain(const struct redirects *r, const char *next, char *out,
		  size_t len)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < r->n && o < len; i++) {
		if (i == 0)
			o += (size_t)snprintf(out + o, len - o, "%s",
					      r->hist[i].from);
		if (o < len)
			o += (size_t)snprintf(out + o, len - o, " -> %s",
					      r->hist[i].to);
	}
	if (o < len)
		snprintf(out + o, len - o, "%s%s", r->n ? " -> " : "", next);
}

/* "192.0.2.0/24", "2001:db8::/32" or a single address. */
static bool ip_pattern_match(const char *pat, const struct gw_ident *to)
{
	char buf[PROFILE_STR_MAX];
	uint8_t net[16];
	char *slash;
	int af = to->type == GW_IPV6 ? AF_INET6 : AF_INET;
	unsigned bits, max = to->len * 8u, i;

	snprintf(buf, sizeof(buf), "%s", pat);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(af, buf, net) != 1)
		return false;
	bits = slash ? (unsigned)strtoul(slash, NULL, 10) : max;
	if (bits > max)
		return false;
	for (i = 0; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i % 8));

		if ((net[i / 8] & m) != (to->data[i / 8] & m))
			return false;
	}
	return true;
}

/* "gw.example.com" exactly, or "*.vpn.example.com": one or more labels in
 * front of the suffix. Case does not matter in DNS names. */
static bool name_pattern_match(const char *pat, const struct gw_ident *to)
{
	size_t plen = strlen(pat), tlen = to->len;
	const char *name = (const char *)to->data;

	if (pat[0] == '*' && pat[1] == '.') {
		const char *suffix = pat + 1; /* ".vpn.example.com" */
		size_t slen = plen - 1;

		return tlen > slen &&
		       strncasecmp(name + tlen - slen, suffix, slen) == 0;
	}
	return plen == tlen && strncasecmp(name, pat, tlen) == 0;
}

bool redirect_target_allowed(const struct profile *p,
			     const struct gw_ident *to)
{
	size_t i;

	if (p->n_redirect_allow == 0)
		return true;
	for (i = 0; i < p->n_redirect_allow; i++) {
		const char *pat = p->redirect_allow[i].text;

		if (to->type == GW_FQDN ? name_pattern_match(pat, to) :
					  ip_pattern_match(pat, to))
			return true;
	}
	return false;
}

int redirect_check(const struct redirects *r, const struct profile *p,
		   const struct gw_ident *to, uint64_t now_ms, char *why,
		   size_t whylen)
{
	char target[300], path[700];

	gw_ident_str(to, target, sizeof(target));
	if (recent(r, p, now_ms) >= p->max_redirects) {
		chain(r, target, path, sizeof(path));
		snprintf(why, whylen,
			 "redirect loop: more than %u redirects within %u s (%s)",
			 p->max_redirects, p->redirect_period, path);
		return -1;
	}
	if (!redirect_target_allowed(p, to)) {
		snprintf(why, whylen,
			 "refused redirect to %s: not among the profile's allowed redirect targets",
			 target);
		return -1;
	}
	return 0;
}

void redirect_record(struct redirects *r, const struct sockaddr_storage *from,
		     const struct gw_ident *to, uint8_t exchange,
		     uint64_t now_ms)
{
	struct redirect_entry *e;
	char addr[64];

	if (r->n == REDIRECT_HISTORY) {
		memmove(r->hist, r->hist + 1, sizeof(r->hist[0]) * (r->n - 1));
		r->n--;
	}
	e = &r->hist[r->n++];
	e->at_ms = now_ms;
	e->exchange = exchange;
	sockaddr_str(from, addr, sizeof(addr));
	/* Only the address: the port is IKE's, not part of the identity. */
	*strchrnul(addr, '[') = '\0';
	snprintf(e->from, sizeof(e->from), "%s", addr);
	gw_ident_str(to, e->to, sizeof(e->to));
}

enum redirect_verdict redirect_take(const struct ike_msg *m, uint8_t exchange,
				    const struct chunk *ni, bool enabled,
				    struct gw_ident *gw, char *why,
				    size_t whylen)
{
	const struct notify_payload *n = msg_notify(m, N_REDIRECT);
	bool clear = exchange == EXCH_IKE_SA_INIT ||
		     exchange == EXCH_IKE_SESSION_RESUME;
	const uint8_t *nonce = NULL;
	size_t nonce_len = 0;
	struct verr e = { { 0 } };

	if (!n)
		return REDIR_ABSENT;
	if (notify_redirect_parse(n->data, n->len, gw, &nonce, &nonce_len,
				  &e) < 0) {
		snprintf(why, whylen, "malformed REDIRECT: %s", e.msg);
		return REDIR_REFUSED;
	}
	if (clear && (!nonce || !chunk_eq(ni, nonce, nonce_len))) {
		snprintf(why, whylen, "REDIRECT whose nonce is not ours");
		return REDIR_REFUSED;
	}
	if (!clear && nonce) {
		snprintf(why, whylen, "REDIRECT in %s carries nonce data, which RFC 5685 allows only in IKE_SA_INIT",
			 exchange_name(exchange));
		return REDIR_REFUSED;
	}
	if (!enabled) {
		snprintf(why, whylen, "redirects are disabled in the profile");
		return REDIR_DISABLED;
	}
	return REDIR_FOLLOW;
}
