/* The engine's Child SA backend: where child.c's SAs and policies go
 * (the kernel's XFRM, nothing, or a test double), the reqids, and the
 * events that come back (EXPIRE starts a rekey, a hard one marks the
 * tunnel down) matched to the IKE SA that owns the Child SA. */
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "child.h"
#include "engine_int.h"
#include "ike_sa.h"
#include "vpnd/log.h"

/* Our reqids live in a range of their own, far from strongSwan's and
 * libreswan's small numbers, so our policies are recognisable. */
#define REQID_BASE 0x7670000u

/* ---- the kernel backend: vpnd/kernel.h, opened on first use ---- */

static struct kernel *kern_of(void *ctx, struct verr *e)
{
	struct child_backend *b = ctx;

	if (!b->kern)
		b->kern = kernel_open(e);
	return b->kern;
}

static int k_alloc_spi(void *ctx, const struct kernel_addr *src,
		       const struct kernel_addr *dst, uint8_t proto,
		       uint32_t reqid, uint32_t *spi, struct verr *e)
{
	struct kernel *k = kern_of(ctx, e);

	return k ? kernel_alloc_spi(k, src, dst, proto, reqid, spi, e) : -1;
}

static int k_add_sa(void *ctx, const struct kernel_sa *sa, struct verr *e)
{
	struct kernel *k = kern_of(ctx, e);

	return k ? kernel_add_sa(k, sa, e) : -1;
}

static int k_del_sa(void *ctx, const struct kernel_addr *dst, uint32_t spi,
		    uint8_t proto, const struct kernel_mark *mark,
		    struct verr *e)
{
	struct kernel *k = kern_of(ctx, e);

	return k ? kernel_del_sa(k, dst, spi, proto, mark, e) : -1;
}

static int k_add_policy(void *ctx, const struct kernel_policy *p,
			struct verr *e)
{
	struct kernel *k = kern_of(ctx, e);

	return k ? kernel_add_policy(k, p, e) : -1;
}

static int k_del_policy(void *ctx, const struct kernel_policy *p,
			struct verr *e)
{
	struct kernel *k = kern_of(ctx, e);

	return k ? kernel_del_policy(k, p, e) : -1;
}

static int k_list_policies(void *ctx, kernel_policy_cb cb, void *cb_ctx,
			   struct verr *e)
{
	struct kernel *k = kern_of(ctx, e);

	return k ? kernel_list_policies(k, cb, cb_ctx, e) : -1;
}

static int k_list_sas(void *ctx, kernel_sa_cb cb, void *cb_ctx,
		      struct verr *e)
{
	struct kernel *k = kern_of(ctx, e);

	return k ? kernel_list_sas(k, cb, cb_ctx, e) : -1;
}

static int k_migrate(void *ctx, const struct kernel_policy *p,
		     const struct kernel_move *m, struct verr *e)
{
	struct kernel *k = kern_of(ctx, e);

	return k ? kernel_migrate(k, p, m, e) : -1;
}

static int k_socket_bypass(void *ctx, int fd, int family, struct verr *e)
{
	return kernel_socket_bypass(fd, family, e);
}

static const struct child_backend_ops kernel_ops = {
	.alloc_spi = k_alloc_spi,
	.add_sa = k_add_sa,
	.del_sa = k_del_sa,
	.add_policy = k_add_policy,
	.del_policy = k_del_policy,
	.list_policies = k_list_policies,
	.list_sas = k_list_sas,
	.migrate = k_migrate,
	.socket_bypass = k_socket_bypass,
};

/* ---- IKE SAs with a Child SA in the backend ---- */

static size_t find_installed(const struct child_backend *b,
			     const struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < b->n_installed; i++)
		if (b->installed[i] == sa)
			return i;
	return b->n_installed;
}

void child_track(struct ike_sa *sa, bool on)
{
	struct child_backend *b = &sa->eng->child;
	size_t i = find_installed(b, sa);
	struct ike_sa **grown;

	if (!on) {
		if (i < b->n_installed)
			b->installed[i] = b->installed[--b->n_installed];
		return;
	}
	if (i < b->n_installed)
		return;
	grown = array_room(b->installed, b->n_installed, &b->cap_installed,
			   sizeof(*grown));
	if (!grown) {
		log_warn("out of memory: kernel events for %s will not be matched",
			 sa->prof->name);
		return;
	}
	b->installed = grown;
	b->installed[b->n_installed++] = sa;
}

void child_move_owner(struct ike_sa *from, struct ike_sa *to)
{
	struct child_backend *b = &from->eng->child;
	size_t i = find_installed(b, from);

	if (i < b->n_installed)
		b->installed[i] = to;
}

uint32_t child_next_reqid(struct child_backend *b)
{
	return REQID_BASE + (++b->next_reqid & 0xffff);
}

/* The IKE SA with a Child SA of that SPI, and the Child SA in *ch. */
static struct ike_sa *owner_of(struct child_backend *b, uint32_t spi,
			       struct child_sa **ch)
{
	uint8_t s[4];
	size_t i;

	put_u32(s, spi);
	for (i = 0; i < b->n_installed; i++)
		if ((*ch = child_by_spi(b->installed[i], s)))
			return b->installed[i];
	return NULL;
}

/* ---- events ---- */

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

void engine_child_event(struct engine *eng, const struct kernel_event *ev)
{
	struct child_sa *ch = NULL;
	struct ike_sa *sa = ev->spi ? owner_of(&eng->child, ev->spi, &ch) :
				      NULL;
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
		if (sa) {
			struct sockaddr_storage to;

			child_sockaddr(&ev->new_src, ev->new_sport, &to);
			roam_peer_seen(sa, &to, "its ESP packets");
		} else {
			log_info("kernel: NAT mapping change for SA 0x%08x", ev->spi);
		}
		return;
	case KERNEL_EV_POLEXPIRE:
		log_info("kernel: policy %u expired", ev->policy_index);
		return;
	}
}

static void on_kernel_event(const struct kernel_event *ev, void *ctx)
{
	engine_child_event(ctx, ev);
}

static void on_monitor(void *ctx, int fd, uint32_t events)
{
	struct engine *eng = ctx;
	struct verr e = { { 0 } };

	if (kernel_monitor_read(eng->child.monitor, on_kernel_event, eng,
				&e) < 0)
		log_warn("kernel events: %s", e.msg);
}

/* Without the events the tunnel still comes up, but soft expiries do
 * not rekey: say so, and go on. */
static void monitor_start(struct engine *eng)
{
	struct child_backend *b = &eng->child;
	struct verr e = { { 0 } };

	b->monitor = kernel_monitor_open(&e);
	if (!b->monitor) {
		log_warn("cannot listen to kernel IPsec events: %s", e.msg);
		return;
	}
	if (loop_add_fd(eng->loop, kernel_monitor_fd(b->monitor), EPOLLIN,
			on_monitor, eng) < 0) {
		log_warn("cannot watch kernel IPsec events");
		kernel_monitor_close(b->monitor);
		b->monitor = NULL;
	}
}

int child_backend_open(struct engine *eng, const struct engine_config *cfg,
		       struct verr *e)
{
	struct child_backend *b = &eng->child;

	memset(b, 0, sizeof(*b));
	b->kind = cfg->child;
	switch (cfg->child) {
	case ENGINE_CHILD_NONE:
		return 0;
	case ENGINE_CHILD_KERNEL:
		b->ops = &kernel_ops;
		b->ctx = b;
		monitor_start(eng);
		return 0;
	case ENGINE_CHILD_OPS:
		if (!cfg->child_ops) {
			verr_set(e, "a Child SA backend needs its operations");
			return -1;
		}
		b->ops = cfg->child_ops;
		b->ctx = cfg->child_ctx;
		return 0;
	}
	verr_set(e, "unknown Child SA backend %d", (int)cfg->child);
	return -1;
}

void child_backend_close(struct engine *eng)
{
	struct child_backend *b = &eng->child;

	if (b->monitor) {
		loop_del_fd(eng->loop, kernel_monitor_fd(b->monitor));
		kernel_monitor_close(b->monitor);
	}
	if (b->kern)
		kernel_close(b->kern);
	free(b->installed);
	memset(b, 0, sizeof(*b));
}

void child_socket_setup(struct engine *eng, int fd, int family, bool natt)
{
	struct child_backend *b = &eng->child;
	struct verr e = { { 0 } };

	if (!b->ops)
		return;
	if (b->ops->socket_bypass &&
	    b->ops->socket_bypass(b->ctx, fd, family, &e) < 0)
		log_warn("IKE socket bypass: %s", e.msg);
	if (natt && b->kind == ENGINE_CHILD_KERNEL) {
		int type = UDP_ENCAP_ESPINUDP;

		/* ESP in UDP on 4500 goes to the kernel, IKE (with the
		 * marker) still to us. */
		if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type,
			       sizeof(type)) < 0)
			log_warn("UDP_ENCAP on the NAT-T socket: %m");
	}
}

/* ---- what a crashed vpnd left: everything under our reqid range ---- */

struct stale {
	struct kernel_policy *pol;
	size_t n_pol, cap_pol;
	struct kernel_sa_info *sa;
	size_t n_sa, cap_sa;
};

static bool ours(uint32_t reqid)
{
	return reqid >= REQID_BASE && reqid <= REQID_BASE + 0xffffu;
}

static int on_stale_policy(const struct kernel_policy *p, void *ctx)
{
	struct stale *st = ctx;
	struct kernel_policy *g;

	if (!p->has_tmpl || !ours(p->reqid))
		return 0;
	g = array_room(st->pol, st->n_pol, &st->cap_pol, sizeof(*g));
	if (!g)
		return -1;
	st->pol = g;
	st->pol[st->n_pol++] = *p;
	return 0;
}

static int on_stale_sa(const struct kernel_sa_info *s, void *ctx)
{
	struct stale *st = ctx;
	struct kernel_sa_info *g;

	if (!ours(s->reqid))
		return 0;
	g = array_room(st->sa, st->n_sa, &st->cap_sa, sizeof(*g));
	if (!g)
		return -1;
	st->sa = g;
	st->sa[st->n_sa++] = *s;
	return 0;
}

int child_cleanup_stale(struct engine *eng, struct verr *e)
{
	struct child_backend *b = &eng->child;
	struct stale st = { 0 };
	size_t i;
	int rc = -1;

	if (!b->ops)
		return 0;
	/* Collected first: the dumps must not change while they run. */
	if (b->ops->list_policies(b->ctx, on_stale_policy, &st, e) < 0 ||
	    b->ops->list_sas(b->ctx, on_stale_sa, &st, e) < 0)
		goto out;
	for (i = 0; i < st.n_pol; i++)
		b->ops->del_policy(b->ctx, &st.pol[i], NULL);
	for (i = 0; i < st.n_sa; i++)
		b->ops->del_sa(b->ctx, &st.sa[i].dst, st.sa[i].spi,
			       st.sa[i].proto, NULL, NULL);
	if (st.n_pol || st.n_sa)
		log_info("removed %zu policies and %zu SAs left by an earlier vpnd",
			 st.n_pol, st.n_sa);
	rc = 0;
out:
	free(st.pol);
	free(st.sa);
	return rc;
}
