/* Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.8, 2.18):
 * answering the gateway's rekey, and our own at ike-rekey-time. The new
 * IKE SA gets new SPIs, keys from the old SA's SK_d and a fresh
 * Diffie-Hellman, and the Child SA, virtual IP, routes and DNS move to
 * it untouched; whoever started the rekey deletes the old SA. On the new
 * SA the I bit and the SPI that routes to us follow who started it.
 *
 * When both sides rekey at once, both exchanges finish and the SA made
 * with the lowest of the four nonces is deleted by the side that made
 * it (2.8.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "ike_sa.h"
#include "vpnd/log.h"

#define NONCE_LEN 32
/* After TEMPORARY_FAILURE or a refusal, like strongSwan's RETRY_INTERVAL
 * and RETRY_JITTER. */
#define RETRY_S 15
#define RETRY_JITTER_S 10
#define MAX_FAILURES 5

/* ---- both directions ---- */

/* SKEYSEED = prf(SK_d(old), g^ir | Ni | Nr) with the old SA's PRF, then
 * the new SA's keys over its SPIs with its own algorithms (2.18). */
static int derive(const struct ike_sa *old, struct ike_sa *next,
		  const struct chunk *gir, const struct chunk *ni,
		  const struct chunk *nr, struct verr *e)
{
	struct chunk seed = { 0 };
	int rc = -1;

	if (ike_skeyseed_rekey(old->algs.prf, &old->keys.sk_d, gir, ni, nr,
			       &seed) == 0 &&
	    sa_derive_keys(next, &seed, ni, nr) == 0)
		rc = 0;
	else
		verr_set(e, "key derivation for the new IKE SA failed");
	chunk_free(&seed);
	return rc;
}

/* The Child SA and everything hanging off it (kernel state, virtual IP,
 * routes, DNS, the path to the gateway) move to the new IKE SA, which
 * is established from here on; the old one keeps nothing to remove. */
static void adopt(struct ike_sa *next, struct ike_sa *old)
{
	next->rekeyed = true;
	sa_set_state(next, IKE_ESTABLISHED);
	next->established_at = loop_now_ms();
	next->peer_vpnd = old->peer_vpnd;
	next->tickets_ignored = old->tickets_ignored;
	next->my_id_type = old->my_id_type;
	chunk_set(&next->my_id, old->my_id.p, old->my_id.len);
	next->peer_id_type = old->peer_id_type;
	chunk_set(&next->peer_id, old->peer_id.p, old->peer_id.len);
	next->auth_method_peer = old->auth_method_peer;
	child_move_all(old, next);
	memcpy(next->child_refused, old->child_refused,
	       sizeof(next->child_refused));
	next->child_refused_notify = old->child_refused_notify;
	next->offered_tsi = old->offered_tsi;
	next->offered_tsr = old->offered_tsr;
	next->cfg = old->cfg;
	old->cfg.domains = NULL; /* moved to next */
	old->cfg.n_domains = 0;
	next->netrec = old->netrec;
	memcpy(next->host_error, old->host_error, sizeof(next->host_error));
	next->child_retry_delay = old->child_retry_delay;
	next->child_retries = old->child_retries;
	next->auth_lifetime = old->auth_lifetime;
	next->authenticated_at = old->authenticated_at;
	child_move_owner(old, next);
	old->netrec = NULL;
	if (old->child_retry_timer)
		child_retry_schedule(next);
	child_retry_cleanup(old);
	if (next->nat_here)
		nat_keepalive_start(next);
	ike_rekey_arm(next);
	reauth_arm(next);
}

/* ---- our rekey ---- */

struct ike_rekey {
	struct ike_task t;
	struct ike_sa *next;            /* the SA being made */
	struct chunk ni;
	struct dh *dh;
	uint16_t group;
	/* The gateway's rekey that crossed ours (2.8.2): its SA, made and
	 * answered, waits for ours to finish. */
	struct ike_sa *theirs;
	struct chunk their_ni, their_nr;
};

static const struct ike_task_ops rekey_ops;

static struct ike_rekey *our_rekey(const struct ike_sa *sa)
{
	struct ike_task *t = sa_active_task(sa);

	return t && t->ops == &rekey_ops ? (struct ike_rekey *)t : NULL;
}

static void on_rekey_timer(void *ctx);

static void arm_in(struct ike_sa *sa, unsigned seconds)
{
	loop_timer_cancel(sa->loop, sa->ike_rekey_timer);
	sa->ike_rekey_timer = loop_timer(sa->loop, seconds * 1000u,
					 on_rekey_timer, sa);
}

/* strongSwan's rand_time: up to a tenth earlier, so that both sides do
 * not rekey in the same second. */
void ike_rekey_arm(struct ike_sa *sa)
{
	unsigned t = sa->prof->ike_rekey_time, jitter = 0;
	uint32_t r = 0;

	if (!t)
		return;
	if (t >= 10 && random_bytes((uint8_t *)&r, sizeof(r)) == 0)
		jitter = r % (t / 10);
	arm_in(sa, t - jitter);
}

static void retry_later(struct ike_sa *sa, const char *why)
{
	uint32_t r = 0;
	unsigned delay = RETRY_S;

	sa_rekey_failed(sa);
	if (++sa->ike_rekey_failures >= MAX_FAILURES) {
		sa_progress(sa, "IKE SA rekey failed (%s); %u failures, not trying again",
			    why, sa->ike_rekey_failures);
		return;
	}
	if (random_bytes((uint8_t *)&r, sizeof(r)) == 0)
		delay += r % RETRY_JITTER_S;
	sa_progress(sa, "IKE SA rekey failed (%s); retrying in %u s", why,
		    delay);
	arm_in(sa, delay);
}

static int send_rekey(struct ike_sa *sa, struct ike_rekey *rk,
		      struct verr *e)
{
	struct chunk pub = { 0 };
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	dh_free(rk->dh);
	if (!(rk->dh = dh_new(rk->group, e)) || dh_public(rk->dh, &pub) < 0) {
		if (!e->msg[0])
			verr_set(e, "cannot make a %s key",
				 dh_name(rk->group));
		return -1;
	}
	wb_init(&inner);
	chain_init(&c, &inner);
	proposal_build_ike(&c, sa->prof, rk->next->spi_i);
	chain_add(&c, PL_NONCE, rk->ni.p, rk->ni.len);
	ke_build(&c, rk->group, pub.p, pub.len);
	rc = sa_send_protected(sa, EXCH_CREATE_CHILD_SA, &inner, c.first);
	wb_free(&inner);
	chunk_free(&pub);
	if (rc < 0)
		verr_set(e, "cannot send the IKE SA rekey");
	return rc;
}

static int rekey_start(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	struct ike_rekey *rk = (struct ike_rekey *)t;

	if (sa->state != IKE_ESTABLISHED || sa->orphan) {
		verr_set(e, "the IKE SA is no longer in use");
		return -1;
	}
	rk->next = sa_new_successor(sa, true, e);
	if (!rk->next)
		return -1;
	if (!chunk_alloc(&rk->ni, NONCE_LEN) ||
	    random_bytes(rk->ni.p, NONCE_LEN) < 0) {
		verr_set(e, "cannot create a nonce");
		return -1;
	}
	/* The group in use; a resumed SA had none (RFC 5723: no DH), so
	 * the profile's first. */
	rk->group = sa->algs.dh ? sa->algs.dh : proposal_first_dh(sa->prof);
	sa_progress(sa, "rekeying the IKE SA");
	return send_rekey(sa, rk, e);
}

/* INVALID_KE_PAYLOAD naming another group of ours: again with it. */
static bool ke_hint(struct ike_sa *sa, struct ike_rekey *rk,
		    const struct ike_msg *m, enum task_rc *rc)
{
	const struct notify_payload *n = msg_notify(m, N_INVALID_KE_PAYLOAD);
	struct verr e = { { 0 } };
	uint16_t group;

	if (!n || notify_invalid_ke_parse(n->data, n->len, &group, &e) < 0 ||
	    group == rk->group || !proposal_offers_dh(sa->prof, group) ||
	    !dh_supported(group))
		return false;
	sa_progress(sa, "gateway wants %s for the IKE SA rekey; retrying",
		    dh_name(group));
	rk->group = group;
	*rc = send_rekey(sa, rk, &e) == 0 ? TASK_MORE : TASK_DONE;
	return true;
}

/* The answer's SA, Nr and KEr make rk->next's keys. */
static int take_answer(struct ike_sa *sa, struct ike_rekey *rk,
		       const struct ike_msg *m, struct chunk *nr,
		       struct verr *e)
{
	const struct ike_payload *p_sa = msg_payload(m, PL_SA);
	const struct ike_payload *p_nr = msg_payload(m, PL_NONCE);
	const struct ike_payload *p_ke = msg_payload(m, PL_KE);
	static struct sa_payload offer;
	struct ke_payload ke;
	struct chunk gir = { 0 };
	int rc;

	if (!p_sa || !p_nr || !p_ke) {
		verr_set(e, "the answer lacks SA, nonce or KE");
		return -1;
	}
	if (sa_parse(p_sa->body, p_sa->len, &offer, e) < 0 ||
	    proposal_check_ike(&offer, sa->prof, &rk->next->algs,
			       rk->next->spi_r, e) < 0 ||
	    nonce_parse(p_nr->body, p_nr->len, e) < 0 ||
	    ke_parse(p_ke->body, p_ke->len, &ke, e) < 0)
		return -1;
	if (ke.group != rk->group || rk->next->algs.dh != rk->group) {
		verr_set(e, "the answer's KE is for %s, we sent %s",
			 dh_name(ke.group), dh_name(rk->group));
		return -1;
	}
	if (!chunk_set(nr, p_nr->body, p_nr->len) ||
	    dh_shared(rk->dh, ke.data, ke.len, &gir, e) < 0) {
		if (!e->msg[0])
			verr_set(e, "out of memory");
		return -1;
	}
	rc = derive(sa, rk->next, &gir, &rk->ni, nr, e);
	chunk_free(&gir);
	return rc;
}

/* Ours lost a collision, or failed while the gateway's stands: the
 * gateway's SA takes over, and the gateway deletes the old one. */
static enum task_rc take_theirs(struct ike_sa *sa, struct ike_rekey *rk)
{
	adopt(rk->theirs, sa);
	sa->successor = rk->theirs;
	rk->theirs = NULL;
	return TASK_REKEYED;
}

static enum task_rc rekey_answered(struct ike_sa *sa, struct ike_task *t,
				   const struct ike_msg *m)
{
	struct ike_rekey *rk = (struct ike_rekey *)t;
	struct chunk nr = { 0 };
	struct verr e = { { 0 } };
	enum task_rc rc;

	if (m->first_error && ke_hint(sa, rk, m, &rc))
		return rc;
	if (m->first_error || take_answer(sa, rk, m, &nr, &e) < 0) {
		chunk_free(&nr);
		if (m->first_error)
			snprintf(e.msg, sizeof(e.msg), "gateway answered %s",
				 notify_name(m->first_error));
		if (rk->theirs)
			return take_theirs(sa, rk);
		retry_later(sa, e.msg);
		return TASK_DONE;
	}
	sa->ike_rekey_failures = 0;
	if (rk->theirs &&
	    rekey_ours_redundant(&rk->ni, &nr, &rk->their_ni,
				 &rk->their_nr)) {
		sa_progress(sa, "both sides rekeyed the IKE SA at once; the gateway's SA has the higher nonces and stays (RFC 7296 2.8.2)");
		chunk_free(&nr);
		sa_set_state(rk->next, IKE_ESTABLISHED);
		sa_retire_successor(rk->next);
		rk->next = NULL;
		return take_theirs(sa, rk);
	}
	if (rk->theirs) {
		sa_progress(sa, "both sides rekeyed the IKE SA at once; ours has the higher nonces and stays (RFC 7296 2.8.2)");
		/* Its maker, the gateway, deletes the redundant one. */
		sa_await_delete(rk->theirs);
		rk->theirs = NULL;
	}
	chunk_free(&nr);
	adopt(rk->next, sa);
	sa->successor = rk->next;
	rk->next = NULL;
	return TASK_REKEYED;
}

static void rekey_free(struct ike_sa *sa, struct ike_task *t)
{
	struct ike_rekey *rk = (struct ike_rekey *)t;

	if (rk->next)
		sa_free_successor(rk->next);
	if (rk->theirs)
		sa_free_successor(rk->theirs);
	dh_free(rk->dh);
	chunk_free(&rk->ni);
	chunk_free(&rk->their_ni);
	chunk_free(&rk->their_nr);
	free(rk);
}

static const struct ike_task_ops rekey_ops = {
	.name = "IKE SA rekey",
	.start = rekey_start,
	.response = rekey_answered,
	.free = rekey_free,
};

void ike_rekey_start(struct ike_sa *sa)
{
	struct ike_rekey *rk;
	struct verr e = { { 0 } };

	if (sa->state != IKE_ESTABLISHED || sa->orphan ||
	    sa_has_task(sa, &rekey_ops))
		return;
	rk = task_new(&rekey_ops, sizeof(*rk));
	if (!rk || sa_queue(sa, &rk->t, &e) < 0) {
		sa_progress(sa, "cannot rekey the IKE SA: %s",
			    rk ? e.msg : "out of memory");
		sa_rekey_failed(sa);
	}
}

static void on_rekey_timer(void *ctx)
{
	struct ike_sa *sa = ctx;

	sa->ike_rekey_timer = 0;
	ike_rekey_start(sa);
}

void ike_rekey_cleanup(struct ike_sa *sa)
{
	loop_timer_cancel(sa->loop, sa->ike_rekey_timer);
	sa->ike_rekey_timer = 0;
}

/* ---- the gateway rekeys ---- */

/* An IKE SA rekey carries SA, Ni and KEi, and neither REKEY_SA nor
 * selectors (1.3.2). */
bool ike_rekey_requested(const struct ike_msg *m)
{
	return msg_payload(m, PL_SA) && !msg_payload(m, PL_TSI) &&
	       !msg_payload(m, PL_TSR) && !msg_notify(m, N_REKEY_SA);
}

/* 2.25.2: while a Child SA is being made, rekeyed or deleted, the IKE
 * SA is not rekeyed; the gateway tries again later. */
static bool child_busy(const struct ike_sa *sa)
{
	const struct ike_task *t = sa_active_task(sa);

	return sa->create || (t && t->ops->child);
}

struct answer {
	struct sa_payload reply;
	struct chunk ni, nr, pub, gir;
	struct dh *dh;
};

static void answer_free(struct answer *a)
{
	chunk_free(&a->ni);
	chunk_free(&a->nr);
	chunk_free(&a->pub);
	chunk_free(&a->gir);
	dh_free(a->dh);
}

/* Makes the gateway's new SA into next; 0, or the error notify to
 * answer with (with the group for INVALID_KE_PAYLOAD in *group). */
static uint16_t make_theirs(struct ike_sa *sa, const struct ike_msg *m,
			    struct ike_sa *next, struct answer *a,
			    uint16_t *group, struct verr *e)
{
	const struct ike_payload *p_sa = msg_payload(m, PL_SA);
	const struct ike_payload *p_ni = msg_payload(m, PL_NONCE);
	const struct ike_payload *p_ke = msg_payload(m, PL_KE);
	static struct sa_payload offer;
	struct ke_payload ke;

	if (!p_ni || !p_ke || sa_parse(p_sa->body, p_sa->len, &offer, e) < 0 ||
	    nonce_parse(p_ni->body, p_ni->len, e) < 0 ||
	    ke_parse(p_ke->body, p_ke->len, &ke, e) < 0) {
		if (!e->msg[0])
			verr_set(e, "the request lacks a nonce or KE");
		return N_INVALID_SYNTAX;
	}
	if (proposal_choose_ike(&offer, sa->prof, next->spi_r, &a->reply,
				&next->algs, next->spi_i, e) < 0)
		return N_NO_PROPOSAL_CHOSEN;
	if (ke.group != next->algs.dh) {
		verr_set(e, "its KE is for %s, the proposal chosen has %s",
			 dh_name(ke.group), dh_name(next->algs.dh));
		*group = next->algs.dh;
		return N_INVALID_KE_PAYLOAD;
	}
	if (!chunk_set(&a->ni, p_ni->body, p_ni->len) ||
	    !chunk_alloc(&a->nr, NONCE_LEN) ||
	    random_bytes(a->nr.p, NONCE_LEN) < 0 ||
	    !(a->dh = dh_new(ke.group, e)) || dh_public(a->dh, &a->pub) < 0 ||
	    dh_shared(a->dh, ke.data, ke.len, &a->gir, e) < 0 ||
	    derive(sa, next, &a->gir, &a->ni, &a->nr, e) < 0) {
		if (!e->msg[0])
			verr_set(e, "out of memory");
		return N_TEMPORARY_FAILURE;
	}
	return 0;
}

static uint16_t refusal(struct ike_sa *sa, struct verr *e)
{
	if (sa->state != IKE_ESTABLISHED || sa->orphan) {
		verr_set(e, "the IKE SA is being replaced or deleted");
		return N_TEMPORARY_FAILURE;
	}
	if (child_busy(sa)) {
		verr_set(e, "a Child SA exchange is under way (RFC 7296 2.25.2)");
		return N_TEMPORARY_FAILURE;
	}
	return 0;
}

enum task_rc ike_rekey_answer(struct ike_sa *sa, const struct ike_msg *m,
			      struct pl_chain *c)
{
	struct ike_rekey *ours = our_rekey(sa);
	struct verr e = { { 0 } };
	struct answer a = { 0 };
	struct ike_sa *next = NULL;
	uint16_t err, group = 0;
	uint8_t gdata[2];

	err = refusal(sa, &e);
	if (!err && ours && ours->theirs) {
		verr_set(&e, "a crossing rekey was answered already");
		err = N_TEMPORARY_FAILURE;
	}
	if (!err && !(next = sa_new_successor(sa, false, &e)))
		err = N_TEMPORARY_FAILURE;
	if (!err)
		err = make_theirs(sa, m, next, &a, &group, &e);
	if (err) {
		sa_progress(sa, "refused the gateway's IKE SA rekey: %s (%s)",
			    notify_name(err), e.msg);
		put_u16(gdata, group);
		notify_build(c, 0, NULL, 0, err, gdata,
			     err == N_INVALID_KE_PAYLOAD ? 2 : 0);
		if (next)
			sa_free_successor(next);
		answer_free(&a);
		return TASK_DONE;
	}
	sa_build(c, &a.reply);
	chain_add(c, PL_NONCE, a.nr.p, a.nr.len);
	ke_build(c, next->algs.dh, a.pub.p, a.pub.len);
	if (ours) {
		/* Ours is on the wire: which SA stays is decided when its
		 * answer comes (2.8.2). */
		ours->theirs = next;
		ours->their_ni = a.ni;
		ours->their_nr = a.nr;
		a.ni = (struct chunk){ 0 };
		a.nr = (struct chunk){ 0 };
		answer_free(&a);
		sa_progress(sa, "the gateway rekeys the IKE SA while we do");
		return TASK_DONE;
	}
	answer_free(&a);
	adopt(next, sa);
	sa->successor = next;
	return TASK_REKEYED;
}
