/* MOBIKE (RFC 4555) for the Child SAs: after the IKE SA's addresses
 * changed, every policy of the Child SAs gets the new tunnel endpoints,
 * and the SAs they name follow in the same step (XFRM_MSG_MIGRATE), so
 * that keys, sequence numbers and replay windows stay and the gateway
 * sees the same SAs from the new address. */
#include <string.h>

#include "child.h"
#include "engine_int.h"
#include "ike_sa.h"
#include "vpnd/log.h"

bool sa_esp_in_udp(const struct ike_sa *sa)
{
	return sa->natt &&
	       (sa->nat_here || sa->nat_there || sa->prof->force_encap);
}

/* The move of one policy: its template goes from (from_src, from_dst)
 * to (to_src, to_dst), the SA it names with it; encapsulation as the
 * SA of that direction sends. */
static void move_of(const struct sockaddr_storage *from_src,
		    const struct sockaddr_storage *from_dst,
		    const struct sockaddr_storage *to_src,
		    const struct sockaddr_storage *to_dst, bool encap,
		    uint32_t reqid, struct kernel_move *m)
{
	memset(m, 0, sizeof(*m));
	child_kaddr(from_src, &m->old_src);
	child_kaddr(from_dst, &m->old_dst);
	child_kaddr(to_src, &m->new_src);
	child_kaddr(to_dst, &m->new_dst);
	m->reqid = reqid;
	m->encap = encap;
	m->encap_sport = sockaddr_port(to_src);
	m->encap_dport = sockaddr_port(to_dst);
}

static int move_pair(struct child_backend *b, struct ike_sa *sa,
		     struct child_sa *ch, const struct ts_entry *ti,
		     const struct ts_entry *tr,
		     const struct sockaddr_storage *old_local,
		     const struct sockaddr_storage *old_peer, struct verr *e)
{
	struct kernel_policy out, in, fwd;
	struct kernel_move mo, mi;
	bool ok, encap = sa_esp_in_udp(sa);

	child_policy_pair(sa, ch, ti, tr, &out, &in, &ok);
	if (!ok)
		return 0; /* never installed (walk_policies) */
	fwd = in;
	fwd.dir = KERNEL_DIR_FWD;
	move_of(old_local, old_peer, &sa->local, &sa->peer, encap, ch->reqid,
		&mo);
	move_of(old_peer, old_local, &sa->peer, &sa->local, encap, ch->reqid,
		&mi);
	if (b->ops->migrate(b->ctx, &out, &mo, e) < 0 ||
	    b->ops->migrate(b->ctx, &in, &mi, e) < 0 ||
	    b->ops->migrate(b->ctx, &fwd, &mi, e) < 0)
		return -1;
	return 0;
}

int child_move(struct ike_sa *sa, const struct sockaddr_storage *old_local,
	       const struct sockaddr_storage *old_peer, struct verr *e)
{
	struct child_backend *b = sa->eng->child.ops ? &sa->eng->child : NULL;
	struct child_sa *ch;
	size_t i, j;

	if (!b)
		return 0;
	if (!b->ops->migrate) {
		verr_set(e, "this Child SA backend cannot move SAs");
		return -1;
	}
	for (ch = sa->children; ch; ch = ch->next) {
		if (!ch->policies)
			continue;
		for (i = 0; i < ch->tsi.n; i++)
			for (j = 0; j < ch->tsr.n; j++)
				if (move_pair(b, sa, ch, &ch->tsi.ts[i],
					      &ch->tsr.ts[j], old_local,
					      old_peer, e) < 0)
					return -1;
	}
	return 0;
}
