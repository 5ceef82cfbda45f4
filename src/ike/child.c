/* The Child SA in the kernel: the inbound SPI reserved before IKE_AUTH,
 * both ESP SAs and the tunnel policies after it, and their removal.
 * The engine's backend does the work (child_backend.c): the kernel for
 * vpnd, nothing or a test double for tests. */
#include <arpa/inet.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "child.h"
#include "engine_int.h"
#include "ike_sa.h"
#include "vpnd/kernel.h"
#include "vpnd/log.h"

/* The engine's backend, or NULL when nothing is installed. */
static struct child_backend *backend(const struct ike_sa *sa)
{
	return sa->eng->child.ops ? &sa->eng->child : NULL;
}

bool child_kernel_enabled(const struct ike_sa *sa)
{
	return backend(sa) != NULL;
}

void child_kaddr(const struct sockaddr_storage *ss, struct kernel_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = ss->ss_family;
	if (ss->ss_family == AF_INET6)
		memcpy(a->bytes, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else
		memcpy(a->bytes, &((const struct sockaddr_in *)ss)->sin_addr, 4);
}

void child_sockaddr(const struct kernel_addr *a, uint16_t port,
		    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)a->family;
	if (a->family == AF_INET6)
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, a->bytes, 16);
	else
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, a->bytes, 4);
	sockaddr_set_port(ss, port);
}

int child_reserve_spi(struct ike_sa *sa, struct child_sa *ch,
		      struct verr *e)
{
	struct child_backend *b = backend(sa);
	struct kernel_addr src, dst;
	uint32_t spi;

	if (!b) {
		random_bytes(ch->spi_in, 4);
		ch->spi_in[0] |= 0xc0; /* clear of the reserved 1..255 */
		return 0;
	}
	if (!ch->reqid)
		ch->reqid = child_next_reqid(b);
	child_kaddr(&sa->peer, &src);
	child_kaddr(&sa->local, &dst);
	if (b->ops->alloc_spi(b->ctx, &src, &dst, IPPROTO_ESP, ch->reqid, &spi,
			      e) < 0)
		return -1;
	put_u32(ch->spi_in, spi);
	ch->spi_reserved = true;
	return 0;
}

int child_alloc_spi(struct ike_sa *sa, struct verr *e)
{
	struct child_sa *ch = child_new(sa);

	if (!ch) {
		verr_set(e, "out of memory");
		return -1;
	}
	if (child_reserve_spi(sa, ch, e) < 0) {
		child_free(sa, ch);
		return -1;
	}
	return 0;
}

/* A range the gateway returned, as the prefix the kernel wants. Ranges
 * that are not one prefix cannot be expressed and are refused. */
static int ts_prefix(const struct ts_entry *t, struct kernel_addr *a,
		     uint8_t *prefix)
{
	size_t alen = t->type == TS_IPV6_ADDR_RANGE ? 16 : 4, i;
	unsigned bits = 0;
	bool host_part = false;

	memset(a, 0, sizeof(*a));
	a->family = alen == 16 ? AF_INET6 : AF_INET;
	memcpy(a->bytes, t->start, alen);
	for (i = 0; i < alen * 8; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i % 8));
		bool s = t->start[i / 8] & m, en = t->end[i / 8] & m;

		if (!host_part && s == en) {
			bits++;
			continue;
		}
		host_part = true;
		if (s || !en)
			return -1;
	}
	*prefix = (uint8_t)bits;
	return 0;
}

static void keys_for(const struct kernel_alg *encr,
		     const struct kernel_alg *integ, const uint8_t *km,
		     struct kernel_sa *ksa)
{
	size_t elen = encr->key_bits / 8u + encr->salt_bytes;

	ksa->encr = encr;
	ksa->encr_key = km;
	ksa->encr_key_len = elen;
	ksa->integ = integ;
	ksa->integ_key = integ ? km + elen : NULL;
	ksa->integ_key_len = integ ? integ->key_bits / 8u : 0;
}

static int add_sas(struct child_backend *b, struct ike_sa *sa,
		   struct child_sa *ch, const uint8_t *km, size_t half,
		   bool we_initiated, const struct kernel_alg *encr,
		   const struct kernel_alg *integ, struct verr *e)
{
	struct kernel_sa in, out;

	memset(&out, 0, sizeof(out));
	child_kaddr(&sa->local, &out.src);
	child_kaddr(&sa->peer, &out.dst);
	out.spi = get_u32(ch->spi_out);
	out.reqid = ch->reqid;
	/* A rekey's pair belongs to the same interface as the one before. */
	ch->if_id = hostcfg_if_id(sa);
	out.if_id = ch->if_id;
	out.esn = ch->esn == ESN_YES;
	if (sa_esp_in_udp(sa)) {
		out.encap = true;
		out.encap_sport = sockaddr_port(&sa->local);
		out.encap_dport = sockaddr_port(&sa->peer);
	}
	/* The soft limit starts our rekey (child_rekey.c); the hard one
	 * keeps an SA from outliving the gateway's copy if that fails. */
	out.life.soft_secs = sa->prof->child_rekey_time;
	out.life.hard_secs = sa->prof->child_life_time;
	in = out;
	in.src = out.dst;
	in.dst = out.src;
	in.spi = get_u32(ch->spi_in);
	in.inbound = true;
	in.spi_allocated = ch->spi_reserved;
	in.replay_window = 64;
	in.encap_sport = out.encap_dport;
	in.encap_dport = out.encap_sport;
	/* KEYMAT: the keys for traffic from the initiator of the exchange
	 * that made the SA come first (RFC 7296 2.17). */
	keys_for(encr, integ, we_initiated ? km : km + half, &out);
	keys_for(encr, integ, we_initiated ? km + half : km, &in);
	if (b->ops->add_sa(b->ctx, &in, e) < 0)
		return -1;
	ch->spi_reserved = false;
	ch->installed_in = true;
	if (b->ops->add_sa(b->ctx, &out, e) < 0)
		return -1;
	ch->installed_out = true;
	return 0;
}

/* The kernel takes one port or any: 0-65535 is any, a single port is
 * that port, other ranges cannot be expressed. */
static int ts_port(const struct ts_entry *t, uint16_t *port)
{
	if (t->start_port == 0 && t->end_port == 0xffff) {
		*port = 0;
		return 0;
	}
	if (t->start_port == t->end_port) {
		*port = t->start_port;
		return 0;
	}
	return -1;
}

void child_policy_pair(struct ike_sa *sa, const struct child_sa *ch,
		       const struct ts_entry *ti, const struct ts_entry *tr,
		       struct kernel_policy *out, struct kernel_policy *in,
		       bool *ok)
{
	struct kernel_addr la, ra;
	uint8_t lp, rp;

	uint16_t lport, rport;

	*ok = ts_prefix(ti, &la, &lp) == 0 && ts_prefix(tr, &ra, &rp) == 0 &&
	      la.family == ra.family && ts_port(ti, &lport) == 0 &&
	      ts_port(tr, &rport) == 0 &&
	      (!ti->ip_proto || !tr->ip_proto || ti->ip_proto == tr->ip_proto);
	if (!*ok)
		return;
	memset(out, 0, sizeof(*out));
	out->dir = KERNEL_DIR_OUT;
	out->sel.src = la;
	out->sel.src_prefix = lp;
	out->sel.dst = ra;
	out->sel.dst_prefix = rp;
	out->sel.proto = ti->ip_proto ? ti->ip_proto : tr->ip_proto;
	out->sel.sport = lport;
	out->sel.dport = rport;
	child_kaddr(&sa->local, &out->tmpl_src);
	child_kaddr(&sa->peer, &out->tmpl_dst);
	out->reqid = ch->reqid;
	out->if_id = ch->if_id;
	out->priority = 2000;
	out->replace = sa->replacing;
	*in = *out;
	in->dir = KERNEL_DIR_IN;
	in->sel.src = ra;
	in->sel.src_prefix = rp;
	in->sel.dst = la;
	in->sel.dst_prefix = lp;
	in->sel.sport = rport;
	in->sel.dport = lport;
	in->tmpl_src = out->tmpl_dst;
	in->tmpl_dst = out->tmpl_src;
}

static bool same_pair(const struct ts_entry *a, const struct ts_entry *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Does 'keep' (the SA that replaced this one) use the pair too? Then the
 * policies are its own now and must stay. */
static bool kept(const struct ike_sa *keep, const struct ts_entry *ti,
		 const struct ts_entry *tr)
{
	const struct child_sa *ch;
	size_t i, j;

	for (ch = keep ? keep->children : NULL; ch; ch = ch->next) {
		if (!ch->policies)
			continue;
		for (i = 0; i < ch->tsi.n; i++)
			for (j = 0; j < ch->tsr.n; j++)
				if (same_pair(&ch->tsi.ts[i], ti) &&
				    same_pair(&ch->tsr.ts[j], tr))
					return true;
	}
	return false;
}

/* Walks every TSi x TSr pair; with 'add' installs out/in/fwd policies,
 * otherwise removes those that 'keep' does not use. */
static int walk_policies(struct child_backend *b, struct ike_sa *sa,
			 struct child_sa *ch, bool add,
			 const struct ike_sa *keep, struct verr *e)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < ch->tsi.n; i++) {
		for (j = 0; j < ch->tsr.n; j++) {
			struct kernel_policy out, in, fwd;
			bool ok;

			child_policy_pair(sa, ch, &ch->tsi.ts[i],
					  &ch->tsr.ts[j], &out, &in, &ok);
			if (!ok) {
				if (add)
					log_warn("traffic selector pair %zu/%zu is not a prefix/port pair the kernel can hold; no policy for it",
						 i + 1, j + 1);
				continue;
			}
			fwd = in;
			fwd.dir = KERNEL_DIR_FWD;
			if (add) {
				if (b->ops->add_policy(b->ctx, &out, e) < 0 ||
				    b->ops->add_policy(b->ctx, &in, e) < 0 ||
				    b->ops->add_policy(b->ctx, &fwd, e) < 0)
					return -1;
				ch->policies = true;
				continue;
			}
			if (kept(keep, &ch->tsi.ts[i], &ch->tsr.ts[j]))
				continue;
			/* Removal goes on past errors: take what is ours. */
			rc |= b->ops->del_policy(b->ctx, &out, NULL);
			rc |= b->ops->del_policy(b->ctx, &in, NULL);
			rc |= b->ops->del_policy(b->ctx, &fwd, NULL);
		}
	}
	return rc;
}

int child_install_pair(struct ike_sa *sa, struct child_sa *ch,
		       const struct chunk *gir, const struct chunk *ni,
		       const struct chunk *nr, bool we_initiated,
		       struct verr *e)
{
	const struct kernel_alg *encr, *integ = NULL;
	struct child_backend *b = backend(sa);
	uint8_t km[2 * (64 + 64)];
	size_t half;
	int rc;

	if (!b)
		return 0;
	encr = kernel_alg_encr(ch->encr, ch->encr_keylen);
	if (ch->integ)
		integ = kernel_alg_integ(ch->integ);
	if (!encr || (ch->integ && !integ)) {
		verr_set(e, "the kernel has no mapping for %s/%s",
			 encr_name(ch->encr), integ_name(ch->integ));
		return -1;
	}
	half = encr->key_bits / 8u + encr->salt_bytes +
	       (integ ? integ->key_bits / 8u : 0);
	if (2 * half > sizeof(km) ||
	    child_keymat(sa->keys.prf, &sa->keys.sk_d, gir, ni, nr, km,
			 2 * half) < 0) {
		verr_set(e, "cannot derive the Child SA keys");
		return -1;
	}
	rc = add_sas(b, sa, ch, km, half, we_initiated, encr, integ, e);
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

int child_install_new(struct ike_sa *sa, struct child_sa *ch,
		      const struct chunk *gir, const struct chunk *ni,
		      const struct chunk *nr, struct verr *e)
{
	struct child_backend *b = backend(sa);
	struct verr le = { { 0 } };
	int rc;

	if (!b)
		return 0;
	/* The VPN interface first: its if_id goes on the SAs and policies.
	 * Without it they have none, and hostcfg_install reports why. */
	if (hostcfg_link_ensure(sa, &le) < 0)
		log_dbg("%s: no VPN interface yet: %s", sa->prof->name,
			le.msg);
	rc = child_install_pair(sa, ch, gir, ni, nr, true, e);
	if (rc == 0)
		rc = walk_policies(b, sa, ch, true, NULL, e);
	if (rc < 0) {
		child_remove(sa, NULL);
		hostcfg_link_unused(sa->conn);
		return rc;
	}
	ch->installed = true;
	child_track(sa, true);
	return 0;
}

int child_install(struct ike_sa *sa, struct child_sa *ch, struct verr *e)
{
	struct chunk nogir = { 0 };

	return child_install_new(sa, ch, &nogir, &sa->ni, &sa->nr, e);
}

void child_remove_pair(struct ike_sa *sa, struct child_sa *ch)
{
	struct child_backend *b = backend(sa);
	struct kernel_addr local, peer;
	struct verr e = { { 0 } };

	if (b) {
		child_kaddr(&sa->local, &local);
		child_kaddr(&sa->peer, &peer);
		if ((ch->installed_in || ch->spi_reserved) &&
		    b->ops->del_sa(b->ctx, &local, get_u32(ch->spi_in),
				   IPPROTO_ESP, NULL, &e) < 0)
			log_warn("%s", e.msg);
		if (ch->installed_out &&
		    b->ops->del_sa(b->ctx, &peer, get_u32(ch->spi_out),
				   IPPROTO_ESP, NULL, &e) < 0)
			log_warn("%s", e.msg);
	}
	ch->installed_in = ch->installed_out = false;
	ch->spi_reserved = ch->installed = false;
}

void child_remove_out(struct ike_sa *sa, struct child_sa *ch)
{
	struct child_backend *b = backend(sa);
	struct kernel_addr peer;
	struct verr e = { { 0 } };

	if (b && ch->installed_out) {
		child_kaddr(&sa->peer, &peer);
		if (b->ops->del_sa(b->ctx, &peer, get_u32(ch->spi_out),
				   IPPROTO_ESP, NULL, &e) < 0)
			log_warn("%s", e.msg);
	}
	ch->installed_out = ch->installed = false;
}

void child_remove(struct ike_sa *sa, const struct ike_sa *keep)
{
	struct child_backend *b = backend(sa);
	struct verr e = { { 0 } };
	struct child_sa *ch;

	child_track(sa, false);
	hostcfg_down(sa);
	for (ch = sa->children; ch; ch = ch->next) {
		if (b && ch->policies)
			walk_policies(b, sa, ch, false, keep, &e);
		ch->policies = false;
		child_remove_pair(sa, ch);
	}
}

struct counters_ctx {
	uint32_t spi_in, spi_out;
	struct child_counters *out;
};

static int on_counter_sa(const struct kernel_sa_info *s, void *ctx)
{
	struct counters_ctx *cc = ctx;

	if (s->proto != IPPROTO_ESP)
		return 0;
	if (s->spi == cc->spi_in) {
		cc->out->in_bytes = s->bytes;
		cc->out->in_packets = s->packets;
	} else if (s->spi == cc->spi_out) {
		cc->out->out_bytes = s->bytes;
		cc->out->out_packets = s->packets;
	}
	return 0;
}

int child_counters(const struct ike_sa *sa, struct child_counters *out)
{
	const struct child_sa *ch = sa_child(sa);
	struct child_backend *b = backend(sa);
	struct counters_ctx cc = { 0, 0, out };
	struct verr e = { { 0 } };

	memset(out, 0, sizeof(*out));
	if (!ch || !ch->installed || !b)
		return -1;
	cc.spi_in = get_u32(ch->spi_in);
	cc.spi_out = get_u32(ch->spi_out);
	return b->ops->list_sas(b->ctx, on_counter_sa, &cc, &e);
}
