/* Simultaneous rekeys of one Child SA (RFC 7296 2.8.1): the gateway's
 * CREATE_CHILD_SA naming the pair arrives while ours of it is out. Both
 * are answered, so both exchanges make a new pair; when ours is
 * answered, the exchange whose nonces hold the lowest of the four made
 * the redundant pair, and the side that started that exchange deletes
 * it. The other side started the exchange that made the pair that
 * stays, and deletes the old pair, as after any rekey (1.3.3). So:
 *   ours redundant: we delete ours, the gateway deletes the old pair;
 *   theirs redundant: we delete the old pair, the gateway deletes its.
 * strongSwan settles it the same way. The redundant pair's outbound SA
 * goes at once so that traffic leaves on the pair that stays; its
 * inbound SA waits for the delete. All pairs share the reqid, so the
 * policies serve whichever stays. */
#include <stdio.h>

#include "child.h"
#include "ike_sa.h"
#include "vpnd/log.h"

bool child_collide_crossing(const struct ike_sa *sa,
			    const struct child_sa *cur)
{
	const struct child_create *rk = sa->create;

	return rk && rk->old == cur && cur->state == CHILD_REKEYING &&
	       !rk->collided;
}

void child_collide_record(struct ike_sa *sa, struct child_sa *theirs,
			  struct chunk *ni, struct chunk *nr)
{
	struct child_create *rk = sa->create;

	rk->collided = true;
	rk->crossed = theirs;
	rk->their_ni = *ni;
	rk->their_nr = *nr;
	*ni = (struct chunk){ 0 };
	*nr = (struct chunk){ 0 };
	sa_progress(sa, "the gateway rekeys the Child SA while we do; the nonces decide which pair stays (RFC 7296 2.8.1)");
}

static void ours_redundant(struct ike_sa *sa, struct child_sa *ours)
{
	sa_progress(sa, "both sides rekeyed the Child SA at once; the gateway's pair has the higher nonces and stays, we delete ours (RFC 7296 2.8.1)");
	child_remove_out(sa, ours);
	child_delete_old(sa, ours);
}

static void theirs_redundant(struct ike_sa *sa, struct child_sa *ours,
			     struct child_sa *theirs, struct child_sa *old)
{
	sa_progress(sa, "both sides rekeyed the Child SA at once; ours has the higher nonces and stays, the gateway deletes its pair (RFC 7296 2.8.1)");
	child_take_over(sa, theirs ? theirs : old, ours, "");
	if (theirs)
		child_remove_out(sa, theirs);
	if (old)
		child_delete_old(sa, old);
}

void child_collide_settle(struct ike_sa *sa, const struct chunk *nr)
{
	struct child_create *rk = sa->create;
	struct child_sa *ours = rk->next, *theirs = rk->crossed,
			*old = rk->old;
	bool lost = rekey_ours_redundant(&rk->ni, nr, &rk->their_ni,
					 &rk->their_nr);

	rk->next = NULL;
	child_create_end(sa, false);
	if (lost)
		ours_redundant(sa, ours);
	else
		theirs_redundant(sa, ours, theirs, old);
}

bool child_collide_deleted(struct ike_sa *sa, struct child_sa *ch,
			   struct pl_chain *c)
{
	struct child_create *rk = sa->create;

	if (!rk || !rk->collided || rk->crossed != ch)
		return false;
	delete_build(c, PROTO_ESP, 4, 1, ch->spi_in);
	child_remove_pair(sa, ch);
	child_free(sa, ch);
	/* The pair it replaced carries on until our answer. */
	if (rk->old && rk->old->state == CHILD_REKEYED)
		child_set_state(sa, rk->old, CHILD_REKEYING);
	sa_progress(sa, "gateway deleted its pair of the crossing Child SA rekeys");
	return true;
}
