/* The Child SA in the kernel: the inbound SPI reserved before IKE_AUTH,
 * both ESP SAs and the tunnel policies after it, and their removal.
 * Only a daemon turns this on (conn_use_kernel); tests that run against
 * the host's own kernel negotiate without installing anything. */
#include <arpa/inet.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "child.h"
#include "ike_sa.h"
#include "vpnd/kernel.h"
#include "vpnd/log.h"

/* Our reqids live in a range of their own, far from strongSwan's and
 * libreswan's small numbers, so our policies are recognisable. */
#define REQID_BASE 0x7670000u

static bool use_kernel;
static struct kernel *kern;
static uint32_t next_reqid;

/* SAs whose Child SA is in the kernel, to match kernel events to; the
 * list grows with the connections. */
static struct ike_sa **installed;
static size_t n_installed, cap_installed;
static struct kernel_monitor *monitor;
static struct loop *monitor_loop;

static size_t find_installed(const struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < n_installed; i++)
		if (installed[i] == sa)
			return i;
	return n_installed;
}

static void track(struct ike_sa *sa, bool on)
{
	size_t i = find_installed(sa);
	struct ike_sa **grown;

	if (!on) {
		if (i < n_installed)
			installed[i] = installed[--n_installed];
		return;
	}
	if (i < n_installed)
		return;
	if (n_installed == cap_installed) {
		size_t n = cap_installed ? 2 * cap_installed : 16;

		grown = realloc(installed, n * sizeof(*grown));
		if (!grown) {
			log_warn("out of memory: kernel events for %s will not be matched",
				 sa->prof->name);
			return;
		}
		installed = grown;
		cap_installed = n;
	}
	installed[n_installed++] = sa;
}

void child_move_owner(struct ike_sa *from, struct ike_sa *to)
{
	size_t i = find_installed(from);

	if (i < n_installed)
		installed[i] = to;
}

/* The IKE SA with a Child SA of that SPI, and the Child SA in *ch. */
static struct ike_sa *owner_of(uint32_t spi, struct child_sa **ch)
{
	uint8_t b[4];
	size_t i;

	put_u32(b, spi);
	for (i = 0; i < n_installed; i++)
		if ((*ch = child_by_spi(installed[i], b)))
			return installed[i];
	return NULL;
}

/* The hard lifetime ended: the kernel removed the pair. */
static void expired(struct ike_sa *sa, struct child_sa *ch, uint32_t spi)
{
	sa_progress(sa, "Child SA 0x%08x expired (hard lifetime); the kernel removed it",
		    spi);
	ch->installed = false;
	ch->installed_in = ch->installed_out = false;
	snprintf(ch->install_error, sizeof(ch->install_error),
		 "expired at its hard lifetime without a rekey");
	sa_tunnel_changed(sa);
}

static void on_kernel_event(const struct kernel_event *ev, void *ctx)
{
	struct child_sa *ch = NULL;
	struct ike_sa *sa = ev->spi ? owner_of(ev->spi, &ch) : NULL;
	char a[64];

	switch (ev->type) {
	case KERNEL_EV_EXPIRE:
		/* A pair already replaced goes with its delete. */
		if (!sa || ch != sa_child(sa)) {
			log_dbg("kernel: %s expire of SA 0x%08x (%s)",
				ev->hard ? "hard" : "soft", ev->spi,
				sa ? "a replaced pair" : "not ours");
			return;
		}
		if (!ev->hard)
			child_rekey_start(sa);
		else
			expired(sa, ch, ev->spi);
		return;
	case KERNEL_EV_ACQUIRE:
		log_info("kernel: traffic to %s hit a policy with no SA (reqid %u)",
			 kernel_addr_str(&ev->sel.dst, a, sizeof(a)), ev->reqid);
		return;
	case KERNEL_EV_MAPPING:
		if (sa)
			sa_progress(sa, "NAT mapping of the gateway moved to port %u",
				    ev->new_sport);
		else
			log_info("kernel: NAT mapping change for SA 0x%08x", ev->spi);
		return;
	case KERNEL_EV_POLEXPIRE:
		log_info("kernel: policy %u expired", ev->policy_index);
		return;
	}
}

static void on_monitor(void *ctx, int fd, uint32_t events)
{
	struct verr e = { { 0 } };

	if (kernel_monitor_read(monitor, on_kernel_event, NULL, &e) < 0)
		log_warn("kernel events: %s", e.msg);
}

void child_monitor_start(struct loop *l)
{
	struct verr e = { { 0 } };

	if (!use_kernel || monitor_loop == l)
		return;
	if (!monitor)
		monitor = kernel_monitor_open(&e);
	if (!monitor) {
		log_warn("cannot listen to kernel IPsec events: %s", e.msg);
		return;
	}
	if (loop_add_fd(l, kernel_monitor_fd(monitor), EPOLLIN, on_monitor,
			NULL) == 0)
		monitor_loop = l;
}

void conn_use_kernel(bool on)
{
	use_kernel = on;
}

bool child_kernel_enabled(void)
{
	return use_kernel;
}

static struct kernel *kernel_get(struct verr *e)
{
	if (!use_kernel) {
		verr_set(e, "kernel installation is off");
		return NULL;
	}
	if (!kern)
		kern = kernel_open(e);
	return kern;
}

static void addr_of(const struct sockaddr_storage *ss, struct kernel_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = ss->ss_family;
	if (ss->ss_family == AF_INET6)
		memcpy(a->bytes, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else
		memcpy(a->bytes, &((const struct sockaddr_in *)ss)->sin_addr, 4);
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
			     ((const struct sockaddr_in6 *)ss)->sin6_port :
			     ((const struct sockaddr_in *)ss)->sin_port);
}

int child_reserve_spi(struct ike_sa *sa, struct child_sa *ch,
		      struct verr *e)
{
	struct kernel *k;
	struct kernel_addr src, dst;
	uint32_t spi;

	if (!use_kernel) {
		random_bytes(ch->spi_in, 4);
		ch->spi_in[0] |= 0xc0; /* clear of the reserved 1..255 */
		return 0;
	}
	k = kernel_get(e);
	if (!k)
		return -1;
	if (!ch->reqid)
		ch->reqid = REQID_BASE + (++next_reqid & 0xffff);
	addr_of(&sa->peer, &src);
	addr_of(&sa->local, &dst);
	if (kernel_alloc_spi(k, &src, &dst, IPPROTO_ESP, ch->reqid, &spi,
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

static int add_sas(struct kernel *k, struct ike_sa *sa,
		   struct child_sa *ch, const uint8_t *km, size_t half,
		   bool we_initiated, const struct kernel_alg *encr,
		   const struct kernel_alg *integ, struct verr *e)
{
	struct kernel_sa in, out;

	memset(&out, 0, sizeof(out));
	addr_of(&sa->local, &out.src);
	addr_of(&sa->peer, &out.dst);
	out.spi = get_u32(ch->spi_out);
	out.reqid = ch->reqid;
	out.esn = ch->esn == ESN_YES;
	if (sa->natt) {
		out.encap = true;
		out.encap_sport = port_of(&sa->local);
		out.encap_dport = port_of(&sa->peer);
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
	if (kernel_add_sa(k, &in, e) < 0)
		return -1;
	ch->spi_reserved = false;
	ch->installed_in = true;
	if (kernel_add_sa(k, &out, e) < 0)
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

static void policy_pair(struct ike_sa *sa, const struct child_sa *ch,
			const struct ts_entry *ti,
			const struct ts_entry *tr, struct kernel_policy *out,
			struct kernel_policy *in, bool *ok)
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
	addr_of(&sa->local, &out->tmpl_src);
	addr_of(&sa->peer, &out->tmpl_dst);
	out->reqid = ch->reqid;
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
static int walk_policies(struct kernel *k, struct ike_sa *sa,
			 struct child_sa *ch, bool add,
			 const struct ike_sa *keep, struct verr *e)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < ch->tsi.n; i++) {
		for (j = 0; j < ch->tsr.n; j++) {
			struct kernel_policy out, in, fwd;
			bool ok;

			policy_pair(sa, ch, &ch->tsi.ts[i], &ch->tsr.ts[j],
				    &out, &in, &ok);
			if (!ok) {
				if (add)
					log_warn("traffic selector pair %zu/%zu is not a prefix/port pair the kernel can hold; no policy for it",
						 i + 1, j + 1);
				continue;
			}
			fwd = in;
			fwd.dir = KERNEL_DIR_FWD;
			if (add) {
				if (kernel_add_policy(k, &out, e) < 0 ||
				    kernel_add_policy(k, &in, e) < 0 ||
				    kernel_add_policy(k, &fwd, e) < 0)
					return -1;
				ch->policies = true;
				continue;
			}
			if (kept(keep, &ch->tsi.ts[i], &ch->tsr.ts[j]))
				continue;
			/* Removal goes on past errors: take what is ours. */
			rc |= kernel_del_policy(k, &out, NULL);
			rc |= kernel_del_policy(k, &in, NULL);
			rc |= kernel_del_policy(k, &fwd, NULL);
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
	struct kernel *k;
	uint8_t km[2 * (64 + 64)];
	size_t half;
	int rc;

	if (!use_kernel)
		return 0;
	k = kernel_get(e);
	if (!k)
		return -1;
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
	rc = add_sas(k, sa, ch, km, half, we_initiated, encr, integ, e);
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

int child_install_new(struct ike_sa *sa, struct child_sa *ch,
		      const struct chunk *gir, const struct chunk *ni,
		      const struct chunk *nr, struct verr *e)
{
	int rc;

	if (!use_kernel)
		return 0;
	rc = child_install_pair(sa, ch, gir, ni, nr, true, e);
	if (rc == 0)
		rc = walk_policies(kern, sa, ch, true, NULL, e);
	if (rc < 0) {
		child_remove(sa, NULL);
		return rc;
	}
	ch->installed = true;
	track(sa, true);
	return 0;
}

int child_install(struct ike_sa *sa, struct child_sa *ch, struct verr *e)
{
	struct chunk nogir = { 0 };

	return child_install_new(sa, ch, &nogir, &sa->ni, &sa->nr, e);
}

void child_remove_pair(struct ike_sa *sa, struct child_sa *ch)
{
	struct kernel_addr local, peer;
	struct verr e = { { 0 } };

	if (use_kernel && kern) {
		addr_of(&sa->local, &local);
		addr_of(&sa->peer, &peer);
		if ((ch->installed_in || ch->spi_reserved) &&
		    kernel_del_sa(kern, &local, get_u32(ch->spi_in),
				  IPPROTO_ESP, NULL, &e) < 0)
			log_warn("%s", e.msg);
		if (ch->installed_out &&
		    kernel_del_sa(kern, &peer, get_u32(ch->spi_out),
				  IPPROTO_ESP, NULL, &e) < 0)
			log_warn("%s", e.msg);
	}
	ch->installed_in = ch->installed_out = false;
	ch->spi_reserved = ch->installed = false;
}

void child_remove_out(struct ike_sa *sa, struct child_sa *ch)
{
	struct kernel_addr peer;
	struct verr e = { { 0 } };

	if (use_kernel && kern && ch->installed_out) {
		addr_of(&sa->peer, &peer);
		if (kernel_del_sa(kern, &peer, get_u32(ch->spi_out),
				  IPPROTO_ESP, NULL, &e) < 0)
			log_warn("%s", e.msg);
	}
	ch->installed_out = ch->installed = false;
}

void child_remove(struct ike_sa *sa, const struct ike_sa *keep)
{
	struct verr e = { { 0 } };
	struct child_sa *ch;

	track(sa, false);
	hostcfg_down(sa);
	for (ch = sa->children; ch; ch = ch->next) {
		if (use_kernel && kern && ch->policies)
			walk_policies(kern, sa, ch, false, keep, &e);
		ch->policies = false;
		child_remove_pair(sa, ch);
	}
}

void child_socket_setup(int fd, int family, bool natt)
{
	struct verr e = { { 0 } };

	if (!use_kernel)
		return;
	if (kernel_socket_bypass(fd, family, &e) < 0)
		log_warn("IKE socket bypass: %s", e.msg);
	if (natt) {
		int type = UDP_ENCAP_ESPINUDP;

		/* ESP in UDP on 4500 goes to the kernel, IKE (with the
		 * marker) still to us. */
		if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type,
			       sizeof(type)) < 0)
			log_warn("UDP_ENCAP on the NAT-T socket: %m");
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
	struct counters_ctx cc = { 0, 0, out };
	struct verr e = { { 0 } };

	memset(out, 0, sizeof(*out));
	if (!ch || !ch->installed || !kern)
		return -1;
	cc.spi_in = get_u32(ch->spi_in);
	cc.spi_out = get_u32(ch->spi_out);
	return kernel_list_sas(kern, on_counter_sa, &cc, &e);
}

/* What a crashed vpnd left: everything under our reqid range. */
#define STALE_MAX 256

struct stale {
	struct kernel_policy pol[STALE_MAX];
	size_t n_pol;
	struct kernel_sa_info sa[STALE_MAX];
	size_t n_sa;
};

static bool ours(uint32_t reqid)
{
	return reqid >= REQID_BASE && reqid <= REQID_BASE + 0xffffu;
}

static int on_stale_policy(const struct kernel_policy *p, void *ctx)
{
	struct stale *st = ctx;

	if (p->has_tmpl && ours(p->reqid) && st->n_pol < STALE_MAX)
		st->pol[st->n_pol++] = *p;
	return 0;
}

static int on_stale_sa(const struct kernel_sa_info *s, void *ctx)
{
	struct stale *st = ctx;

	if (ours(s->reqid) && st->n_sa < STALE_MAX)
		st->sa[st->n_sa++] = *s;
	return 0;
}

int conn_cleanup_stale(struct verr *e)
{
	static struct stale st;
	struct kernel *k = kernel_get(e);
	size_t i;

	if (!k)
		return -1;
	memset(&st, 0, sizeof(st));
	if (kernel_list_policies(k, on_stale_policy, &st, e) < 0 ||
	    kernel_list_sas(k, on_stale_sa, &st, e) < 0)
		return -1;
	for (i = 0; i < st.n_pol; i++)
		kernel_del_policy(k, &st.pol[i], NULL);
	for (i = 0; i < st.n_sa; i++)
		kernel_del_sa(k, &st.sa[i].dst, st.sa[i].spi, st.sa[i].proto,
			      NULL, NULL);
	if (st.n_pol || st.n_sa)
		log_info("removed %zu policies and %zu SAs left by an earlier vpnd",
			 st.n_pol, st.n_sa);
	return 0;
}
