/* Simultaneous rekeys (RFC 7296 2.8.1, 2.8.2): when both sides rekeyed
 * the same SA, the new SA made by the exchange holding the lowest of the
 * four nonces is redundant and is deleted by the side that started that
 * exchange; the other one stays. The nonce knob lets a test choose who
 * loses; the IKE SA case is settled here, the Child SA case in
 * r_rekey.c with the same comparison. */
#include <string.h>

#include "r_internal.h"
#include "vpnd/log.h"

#define PREFIX_LEN 8

bool r_collide_nonce(const struct responder *r, bool in_request,
		     struct chunk *out)
{
	bool low;

	if (!chunk_alloc(out, R_NONCE_LEN) ||
	    random_bytes(out->p, R_NONCE_LEN) < 0) {
		chunk_free(out);
		return false;
	}
	if (r->cfg.collision_loser == R_LOSER_RANDOM)
		return true;
	/* The gateway loses when the nonce of its own request is the
	 * lowest: that one low, the one in its answer high. */
	low = (r->cfg.collision_loser == R_LOSER_GATEWAY) == in_request;
	memset(out->p, low ? 0x00 : 0xff, PREFIX_LEN);
	return true;
}

static int nonce_cmp(const struct chunk *a, const struct chunk *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

const struct chunk *r_lower_nonce(const struct chunk *a,
				  const struct chunk *b)
{
	return nonce_cmp(a, b) <= 0 ? a : b;
}

bool r_collide_lost(const struct chunk *ours_low,
		    const struct chunk *theirs_low)
{
	return nonce_cmp(ours_low, theirs_low) < 0;
}

static void collision_event(struct responder *r, const struct r_sa *winner,
			    bool gateway_lost)
{
	r_event(r, "event=ike_rekey_collision loser=%s spi_i=%016llx "
		"spi_r=%016llx", gateway_lost ? "gateway" : "initiator",
		r_spi64(winner->spi_i), r_spi64(winner->spi_r));
}

void r_collide_ike(struct responder *r, struct r_sa *old, struct r_sa *ours)
{
	struct r_sa *theirs = r_sa_by_our_spi(r, old->ikr.crossed_spi);
	bool lost;

	if (!theirs || theirs->state != RSA_ESTABLISHED) {
		/* theirs is gone already: ours is the only new SA */
		r_ike_rekey_adopt(r, old, ours, true);
		r_info_send_delete_ike(r, old);
		return;
	}
	lost = r_collide_lost(r_lower_nonce(&ours->ni, &ours->nr),
			      r_lower_nonce(&theirs->ni, &theirs->nr));
	if (lost) {
		/* Theirs stays, and the initiator deletes the old SA; we
		 * delete ours. */
		r->st.ike_collisions_lost_by_gateway++;
		r_ike_rekey_adopt(r, old, theirs, false);
		ours->state = RSA_REKEYED;
		ours->redundant = true;
		collision_event(r, theirs, true);
		if (r_info_send_delete_ike(r, ours) < 0)
			log_warn("responder: cannot delete our redundant IKE SA");
		return;
	}
	r->st.ike_collisions_lost_by_initiator++;
	r_ike_rekey_adopt(r, old, ours, true);
	theirs->state = RSA_REKEYED;
	theirs->redundant = true;
	collision_event(r, ours, false);
	r_info_send_delete_ike(r, old);
}
