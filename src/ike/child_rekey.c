/* Rekeying the Child SA with CREATE_CHILD_SA (RFC 7296 1.3.3, 2.8):
 * answering the gateway's rekey, and starting our own when the kernel
 * reports the soft lifetime. The new pair goes into the kernel beside
 * the old one under the same reqid, so the policies stay and outbound
 * traffic moves to the newer SA; the old pair goes when the initiator
 * of the rekey deletes it. Each pair is a Child SA object of the IKE
 * SA's list (child_sa.c). The gateway's rekey of the pair ours is
 * rekeying is answered too; child_collide.c settles which pair stays
 * (RFC 7296 2.8.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "ike_sa.h"
#include "vpnd/log.h"

#define NONCE_LEN 32
#define FAILED_RETRY_MS 30000  /* after a refused rekey of ours */
#define MAX_FAILURES 5

static void spi_text(const uint8_t spi[4], char out[9])
{
	snprintf(out, 9, "%08x", get_u32(spi));
}

void child_take_over(struct ike_sa *sa, struct child_sa *cur,
		     struct child_sa *next, const char *who)
{
	char in[9], out[9];

	if (cur) {
		next->tsi = cur->tsi;
		next->tsr = cur->tsr;
		next->policies = next->policies || cur->policies;
		cur->policies = false;
		child_set_state(sa, cur, CHILD_REKEYED);
	}
	child_set_state(sa, next, CHILD_INSTALLED);
	spi_text(next->spi_in, in);
	spi_text(next->spi_out, out);
	sa_progress(sa, "Child SA rekeyed%s: SPIs in %s out %s%s%s", who, in,
		    out, next->install_error[0] ? ", not installed: " : "",
		    next->install_error);
	sa_child_rekeyed(sa);
	/* A pair that replaces an expired or uninstalled one works again. */
	sa_tunnel_changed(sa);
}

/* False when the kernel refused the new pair while the current one
 * works: then the rekey must not go ahead. */
static bool install(struct ike_sa *sa, struct child_sa *ch,
		    const struct chunk *gir, const struct chunk *ni,
		    const struct chunk *nr, bool we_initiated)
{
	const struct child_sa *cur = sa_child(sa);
	struct verr e = { { 0 } };

	if (!child_kernel_enabled(sa))
		return true;
	if (child_install_pair(sa, ch, gir, ni, nr, we_initiated, &e) < 0) {
		snprintf(ch->install_error, sizeof(ch->install_error), "%s",
			 e.msg);
		child_remove_pair(sa, ch);
		return !cur || !cur->installed;
	}
	ch->installed = true;
	return true;
}

/* A Diffie-Hellman for PFS: our public value and the shared secret. */
static int pfs(uint16_t group, const struct ke_payload *ke, struct dh **dh,
	       struct chunk *pub, struct chunk *gir, struct verr *e)
{
	if (!*dh && !(*dh = dh_new(group, e)))
		return -1;
	if (pub && dh_public(*dh, pub) < 0) {
		verr_set(e, "cannot make a %s key", dh_name(group));
		return -1;
	}
	return dh_shared(*dh, ke->data, ke->len, gir, e);
}

/* ---- the gateway rekeys (we answer) ---- */

struct rekey_req {
	struct sa_payload offer;
	struct ke_payload ke;
	bool has_ke;
	const struct ike_payload *ni;
};

static uint16_t parse_request(struct ike_sa *sa, const struct payload_list *pl,
			      struct rekey_req *rq, struct verr *e)
{
	const struct ike_payload *p_sa = payload_find(pl, PL_SA);
	const struct ike_payload *p_ke = payload_find(pl, PL_KE);

	rq->ni = payload_find(pl, PL_NONCE);
	if (!p_sa || !rq->ni || !payload_find(pl, PL_TSI) ||
	    !payload_find(pl, PL_TSR) ||
	    sa_parse(p_sa->body, p_sa->len, &rq->offer, e) < 0 ||
	    nonce_parse(rq->ni->body, rq->ni->len, e) < 0) {
		if (!e->msg[0])
			verr_set(e, "rekey request lacks SA, nonce or selectors");
		return N_INVALID_SYNTAX;
	}
	rq->has_ke = p_ke != NULL;
	if (p_ke && ke_parse(p_ke->body, p_ke->len, &rq->ke, e) < 0)
		return N_INVALID_SYNTAX;
	return 0;
}

/* The pair the gateway's rekey makes, with our SPI reserved under
 * cur's reqid and the algorithms it chose; 0 or the error notify. */
static uint16_t choose_pair(struct ike_sa *sa, const struct child_sa *cur,
			    const struct rekey_req *rq,
			    struct sa_payload *reply, struct child_sa **out,
			    uint16_t *group, struct verr *e)
{
	struct child_sa *next = child_new(sa);
	uint16_t err = 0;

	if (!next) {
		verr_set(e, "out of memory");
		return N_TEMPORARY_FAILURE;
	}
	next->reqid = cur->reqid;
	if (child_reserve_spi(sa, next, e) < 0)
		err = N_TEMPORARY_FAILURE;
	else if (proposal_choose_esp(&rq->offer, sa->prof, next->spi_in,
				     reply, next, group, e) < 0)
		err = N_NO_PROPOSAL_CHOSEN;
	else if (*group != DH_NONE && (!rq->has_ke || rq->ke.group != *group)) {
		verr_set(e, "rekey wants %s but its KE is for another group",
			 dh_name(*group));
		err = N_INVALID_KE_PAYLOAD;
	}
	if (err) {
		child_remove_pair(sa, next);
		child_free(sa, next);
		return err;
	}
	*out = next;
	return 0;
}

/* Builds the answer into c; 0, or the error notify to send instead.
 * crossing: ours of cur is out, and the nonces are kept (2.8.1). */
static uint16_t answer_rekey(struct ike_sa *sa, struct child_sa *cur,
			     bool crossing, const struct payload_list *pl,
			     struct pl_chain *c, uint16_t *group,
			     struct verr *e)
{
	static struct rekey_req rq;
	static struct sa_payload reply;
	struct child_sa *next = NULL;
	struct chunk nr = { 0 }, ni = { 0 }, pub = { 0 }, gir = { 0 };
	struct dh *dh = NULL;
	uint16_t err;

	if ((err = parse_request(sa, pl, &rq, e)) ||
	    (err = choose_pair(sa, cur, &rq, &reply, &next, group, e)))
		return err;
	if ((*group != DH_NONE && pfs(*group, &rq.ke, &dh, &pub, &gir, e) < 0) ||
	    !chunk_alloc(&nr, NONCE_LEN) || random_bytes(nr.p, NONCE_LEN) < 0 ||
	    !chunk_set(&ni, rq.ni->body, rq.ni->len))
		err = N_NO_PROPOSAL_CHOSEN;
	else if (!install(sa, next, &gir, &ni, &nr, false)) {
		verr_set(e, "%s", next->install_error);
		err = N_TEMPORARY_FAILURE;
	}
	if (err) {
		child_remove_pair(sa, next);
		child_free(sa, next);
		goto out;
	}
	sa_build(c, &reply);
	chain_add(c, PL_NONCE, nr.p, nr.len);
	if (*group != DH_NONE)
		ke_build(c, *group, pub.p, pub.len);
	/* TSi is the initiator's side: here the gateway's. */
	ts_build(c, PL_TSI, &cur->tsr);
	ts_build(c, PL_TSR, &cur->tsi);
	child_take_over(sa, cur, next, " by the gateway");
	if (crossing)
		child_collide_record(sa, next, &ni, &nr);
out:
	dh_free(dh);
	chunk_free(&pub);
	chunk_free(&gir);
	chunk_free(&ni);
	chunk_free(&nr);
	return err;
}

enum task_rc child_rekey_request(struct ike_sa *sa, const struct ike_msg *m,
				 struct pl_chain *c)
{
	const struct notify_payload *n = msg_notify(m, N_REKEY_SA);
	struct child_sa *cur = sa_child(sa);
	struct verr e = { { 0 } };
	uint8_t gdata[2];
	uint16_t err, group = DH_NONE;
	bool crossing;

	if (n->proto != PROTO_ESP) {
		notify_build(c, 0, NULL, 0, N_NO_ADDITIONAL_SAS, NULL, 0);
		return TASK_DONE;
	}
	if (n->spi_size != 4 || !cur || child_by_spi(sa, n->spi) != cur) {
		notify_build(c, PROTO_ESP, n->spi_size == 4 ? n->spi : NULL,
			     n->spi_size == 4 ? 4 : 0, N_CHILD_SA_NOT_FOUND,
			     NULL, 0);
		return TASK_DONE;
	}
	/* Ours of the same pair on the wire is a collision, answered as
	 * usual (2.8.1); anything else under way: one at a time (2.25). */
	crossing = child_collide_crossing(sa, cur);
	if (!crossing && (sa->create || sa_has_old_child(sa))) {
		notify_build(c, 0, NULL, 0, N_TEMPORARY_FAILURE, NULL, 0);
		return TASK_DONE;
	}
	err = answer_rekey(sa, cur, crossing, m->pl, c, &group, &e);
	if (!err)
		return TASK_DONE;
	/* Every error comes before anything is added to c. */
	sa_progress(sa, "refused the gateway's Child SA rekey: %s (%s)",
		    notify_name(err), e.msg);
	put_u16(gdata, group);
	notify_build(c, 0, NULL, 0, err, gdata,
		     err == N_INVALID_KE_PAYLOAD ? 2 : 0);
	return TASK_DONE;
}

/* ---- we rekey (soft lifetime) ---- */

static void on_rekey_timer(void *ctx);

/* Our rekey failed: the pair we reserved goes, and we try again later
 * (a few times, before the hard lifetime ends the SA anyway), unless
 * the gateway's rekey of the same pair crossed it and stands. */
static void rekey_failed(struct ike_sa *sa, const struct payload_list *pl)
{
	bool hint = pl && child_create_ke_hint(sa, pl);
	bool theirs_stands = sa->create->crossed != NULL;

	child_create_end(sa, true);
	if (theirs_stands)
		return;
	if (++sa->rekey_failures >= MAX_FAILURES)
		return;
	sa->rekey_timer = loop_timer(sa->loop, hint ? 0 : FAILED_RETRY_MS,
				     on_rekey_timer, sa);
}

/* The gateway made the new pair but we cannot use it: it goes again,
 * and the old one stays. */
static void undo_rekey(struct ike_sa *sa)
{
	uint8_t spi[4];

	memcpy(spi, sa->create->next->spi_in, 4);
	rekey_failed(sa, NULL);
	if (ike_send_child_delete(sa, spi, NULL) < 0)
		log_warn("could not delete the unusable new Child SA");
}

static enum task_rc rekey_answered(struct ike_sa *sa, struct ike_task *t,
				   const struct ike_msg *m)
{
	struct child_create *rk = sa->create;
	struct chunk nr = { 0 }, gir = { 0 };
	struct verr e = { { 0 } };
	uint16_t err = m->first_error;
	struct child_sa *old;

	if (err || !msg_payload(m, PL_SA) || !msg_payload(m, PL_NONCE)) {
		sa_progress(sa, "gateway refused our Child SA rekey: %s",
			    err ? notify_name(err) : "no SA or nonce");
		rekey_failed(sa, m->pl);
		return TASK_DONE;
	}
	if (child_create_parse(sa, m->pl, &nr, &gir, &e) < 0) {
		sa_progress(sa, "unusable answer to our Child SA rekey: %s",
			    e.msg);
		undo_rekey(sa);
		chunk_free(&gir);
		chunk_free(&nr);
		return TASK_DONE;
	}
	if (!install(sa, rk->next, &gir, &rk->ni, &nr, true)) {
		sa_progress(sa, "the new Child SA could not be installed (%s); keeping the old one",
			    rk->next->install_error);
		chunk_free(&gir);
		chunk_free(&nr);
		undo_rekey(sa);
		return TASK_DONE;
	}
	sa->rekey_failures = 0;
	chunk_free(&gir);
	if (rk->collided) {
		child_collide_settle(sa, &nr);
		chunk_free(&nr);
		return TASK_DONE;
	}
	old = rk->old;
	child_take_over(sa, old, rk->next, "");
	rk->next = NULL;
	chunk_free(&nr);
	child_create_end(sa, false);
	if (old)
		child_delete_old(sa, old);
	return TASK_DONE;
}

void child_delete_old(struct ike_sa *sa, struct child_sa *old)
{
	child_set_state(sa, old, CHILD_DELETING);
	if (ike_send_child_delete(sa, old->spi_in, ike_child_deleted) < 0)
		log_warn("could not delete the rekeyed Child SA");
}

/* Runs when its turn comes: by then the Child SA may be gone, or the
 * gateway may have rekeyed it already. */
static int rekey_send(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	struct child_sa *cur = sa_child(sa);

	if (!cur || sa_has_old_child(sa)) {
		verr_set(e, "the Child SA %s", cur ?
			 "was rekeyed meanwhile" : "is gone");
		return -1;
	}
	sa_progress(sa, "rekeying the Child SA");
	return child_create_send(sa, cur, &cur->tsi, &cur->tsr, e);
}

static const struct ike_task_ops rekey_ops = {
	.name = "Child SA rekey",
	.child = true,
	.start = rekey_send,
	.response = rekey_answered,
};

static void on_rekey_timer(void *ctx)
{
	struct ike_sa *sa = ctx;

	sa->rekey_timer = 0;
	child_rekey_start(sa);
}

void child_rekey_start(struct ike_sa *sa)
{
	struct verr e = { { 0 } };
	struct child_sa *old;

	if (sa->state != IKE_ESTABLISHED || sa->orphan || !sa_child(sa) ||
	    sa->create || sa->rekey_timer || sa_has_task(sa, &rekey_ops))
		return;
	/* The gateway rekeyed last and never deleted the pair it
	 * replaced: we do, then rekey. */
	while ((old = child_in_state(sa, CHILD_REKEYED)))
		child_delete_old(sa, old);
	if (sa_queue_new(sa, &rekey_ops, &e) < 0)
		sa_progress(sa, "cannot rekey the Child SA: %s", e.msg);
}

bool child_rekey_delete(struct ike_sa *sa, const uint8_t spi[4],
			struct pl_chain *c)
{
	struct child_sa *old = child_by_spi(sa, spi);

	if (old && child_collide_deleted(sa, old, c))
		return true;
	if (!old || (old->state != CHILD_REKEYED &&
		     old->state != CHILD_DELETING))
		return false;
	delete_build(c, PROTO_ESP, 4, 1, old->spi_in);
	child_remove_pair(sa, old);
	child_free(sa, old);
	sa_progress(sa, "gateway deleted the rekeyed Child SA");
	return true;
}

void child_rekey_cleanup(struct ike_sa *sa)
{
	loop_timer_cancel(sa->loop, sa->rekey_timer);
	sa->rekey_timer = 0;
	child_create_end(sa, true);
}
