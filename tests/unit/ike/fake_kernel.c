/* TEST ONLY: the in-memory Child SA backend of fake_kernel.h. Adding an
 * SA or policy that is already there fails with EEXIST, as XFRM does;
 * deleting one that is not there fails with ENOENT. A reserved SPI is a
 * larval SA until add_sa fills it in, as in XFRM. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_kernel.h"
#include "harness.h"

static size_t find_sa(const struct fake_kernel *k, uint32_t spi)
{
	size_t i;

	for (i = 0; i < k->n_sas; i++)
		if (k->sas[i].spi == spi)
			return i;
	return k->n_sas;
}

const struct fake_sa *fake_kernel_sa(const struct fake_kernel *k,
				     uint32_t spi)
{
	size_t i = find_sa(k, spi);

	return i < k->n_sas ? &k->sas[i] : NULL;
}

static struct fake_sa *new_sa(struct fake_kernel *k)
{
	struct fake_sa *g = array_room(k->sas, k->n_sas, &k->cap_sas, sizeof(*g));

	if (!g)
		return NULL;
	k->sas = g;
	g = &k->sas[k->n_sas++];
	memset(g, 0, sizeof(*g));
	return g;
}

static int f_alloc_spi(void *ctx, const struct kernel_addr *src,
		       const struct kernel_addr *dst, uint8_t proto,
		       uint32_t reqid, uint32_t *spi, struct verr *e)
{
	struct fake_kernel *k = ctx;
	struct fake_sa *g = new_sa(k);

	if (!g)
		return -1;
	*spi = 0xc0000100u + k->next_spi++;
	g->spi = *spi;
	g->reqid = reqid;
	g->inbound = true;
	g->larval = true;
	g->src = *src;
	g->dst = *dst;
	k->spis_allocated++;
	return 0;
}

static int f_add_sa(void *ctx, const struct kernel_sa *sa, struct verr *e)
{
	struct fake_kernel *k = ctx;
	size_t i = find_sa(k, sa->spi);
	struct fake_sa *g;

	if (k->fail_add_sa) {
		k->fail_add_sa = false;
		verr_set(e, "adding SA 0x%08x: Function not implemented (fake)",
			 sa->spi);
		errno = ENOSYS;
		return -1;
	}
	if (i < k->n_sas && !(k->sas[i].larval && sa->spi_allocated)) {
		verr_set(e, "SA 0x%08x exists", sa->spi);
		errno = EEXIST;
		return -1;
	}
	g = i < k->n_sas ? &k->sas[i] : new_sa(k);
	if (!g)
		return -1;
	memset(g, 0, sizeof(*g));
	g->spi = sa->spi;
	g->reqid = sa->reqid;
	g->inbound = sa->inbound;
	g->src = sa->src;
	g->dst = sa->dst;
	g->key_len = sa->encr_key_len;
	g->soft_secs = sa->life.soft_secs;
	g->hard_secs = sa->life.hard_secs;
	g->if_id = sa->if_id;
	return 0;
}

static int f_del_sa(void *ctx, const struct kernel_addr *dst, uint32_t spi,
		    uint8_t proto, const struct kernel_mark *mark,
		    struct verr *e)
{
	struct fake_kernel *k = ctx;
	size_t i = find_sa(k, spi);

	if (i == k->n_sas) {
		verr_set(e, "no SA 0x%08x", spi);
		errno = ENOENT;
		return -1;
	}
	k->sas[i] = k->sas[--k->n_sas];
	return 0;
}

static bool same_policy(const struct kernel_policy *a,
			const struct kernel_policy *b)
{
	return a->dir == b->dir && !memcmp(&a->sel, &b->sel, sizeof(a->sel));
}

static size_t find_policy(const struct fake_kernel *k,
			  const struct kernel_policy *p)
{
	size_t i;

	for (i = 0; i < k->n_pols; i++)
		if (same_policy(&k->pols[i], p))
			return i;
	return k->n_pols;
}

static int f_add_policy(void *ctx, const struct kernel_policy *p,
			struct verr *e)
{
	struct fake_kernel *k = ctx;
	size_t i = find_policy(k, p);
	struct kernel_policy *g;

	if (i < k->n_pols) {
		if (!p->replace) {
			verr_set(e, "policy exists");
			errno = EEXIST;
			return -1;
		}
		k->pols[i] = *p;
		return 0;
	}
	g = array_room(k->pols, k->n_pols, &k->cap_pols, sizeof(*g));
	if (!g)
		return -1;
	k->pols = g;
	k->pols[k->n_pols++] = *p;
	return 0;
}

static int f_del_policy(void *ctx, const struct kernel_policy *p,
			struct verr *e)
{
	struct fake_kernel *k = ctx;
	size_t i = find_policy(k, p);

	if (i == k->n_pols) {
		verr_set(e, "no such policy");
		errno = ENOENT;
		return -1;
	}
	k->pols[i] = k->pols[--k->n_pols];
	return 0;
}

/* As XFRM_MSG_MIGRATE: the policy's template, and the first SA of the
 * reqid at the old endpoints, take the new ones. */
static int f_migrate(void *ctx, const struct kernel_policy *p,
		     const struct kernel_move *m, struct verr *e)
{
	struct fake_kernel *k = ctx;
	size_t i = find_policy(k, p);

	k->migrations++;
	if (k->fail_migrate || i == k->n_pols) {
		verr_set(e, "cannot move the policy (fake)");
		errno = ENOENT;
		return -1;
	}
	k->pols[i].tmpl_src = m->new_src;
	k->pols[i].tmpl_dst = m->new_dst;
	for (i = 0; i < k->n_sas; i++) {
		struct fake_sa *s = &k->sas[i];

		if (s->reqid == m->reqid &&
		    !memcmp(&s->src, &m->old_src, sizeof(s->src)) &&
		    !memcmp(&s->dst, &m->old_dst, sizeof(s->dst))) {
			s->src = m->new_src;
			s->dst = m->new_dst;
			s->encap = m->encap;
			s->encap_sport = m->encap_sport;
			s->encap_dport = m->encap_dport;
			break;
		}
	}
	return 0;
}

static int f_list_policies(void *ctx, kernel_policy_cb cb, void *cb_ctx,
			   struct verr *e)
{
	struct fake_kernel *k = ctx;
	struct kernel_policy p;
	size_t i;

	for (i = 0; i < k->n_pols; i++) {
		p = k->pols[i];
		p.has_tmpl = true;
		if (cb(&p, cb_ctx))
			break;
	}
	return 0;
}

static int f_list_sas(void *ctx, kernel_sa_cb cb, void *cb_ctx,
		      struct verr *e)
{
	struct fake_kernel *k = ctx;
	struct kernel_sa_info s;
	size_t i;

	for (i = 0; i < k->n_sas; i++) {
		memset(&s, 0, sizeof(s));
		s.dst = k->sas[i].dst;
		s.spi = k->sas[i].spi;
		s.proto = 50; /* ESP */
		s.reqid = k->sas[i].reqid;
		if (cb(&s, cb_ctx))
			break;
	}
	return 0;
}

const struct child_backend_ops fake_kernel_ops = {
	.alloc_spi = f_alloc_spi,
	.add_sa = f_add_sa,
	.del_sa = f_del_sa,
	.add_policy = f_add_policy,
	.del_policy = f_del_policy,
	.list_policies = f_list_policies,
	.list_sas = f_list_sas,
	.migrate = f_migrate,
};

void fake_kernel_free(struct fake_kernel *k)
{
	free(k->sas);
	free(k->pols);
	memset(k, 0, sizeof(*k));
}

int fake_kernel_engine(struct fake_kernel *k,
		       const struct engine_host_ops *host)
{
	struct engine_config cfg = { .child = ENGINE_CHILD_OPS,
				     .child_ops = &fake_kernel_ops,
				     .child_ctx = k,
				     .host_ops = host };

	memset(k, 0, sizeof(*k));
	return test_engine_make(&cfg);
}

int fake_kernel_engine_end(struct fake_kernel *k)
{
	int rc = test_engine_reset(NULL);

	fake_kernel_free(k);
	return rc;
}
