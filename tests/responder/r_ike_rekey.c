/* IKE SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.8, 2.18), both
 * ways. The initiator's is answered with a new SA of which we stay the
 * original responder; ours (asked for, or rekey_ike_after_ms after an SA
 * came up) makes one of which we are the original initiator: our SPI is
 * its SPIi and our messages carry the I flag. Either way the Child SA
 * moves to the new SA, Message IDs start at 0 on it, and the old SA
 * waits in RSA_REKEYED for the Delete(IKE) of whoever started the
 * rekey. Crossing rekeys are settled in r_collide.c. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "r_internal.h"
#include "vpnd/log.h"

unsigned long long r_spi64(const uint8_t spi[8])
{
	return (unsigned long long)get_u32(spi) << 32 | get_u32(spi + 4);
}

void r_ike_rekey_clear(struct r_ike_rekey *k)
{
	dh_free(k->dh);
	chunk_free(&k->ni);
	memset(k, 0, sizeof(*k));
}

/* ---- the timer ---- */

static void rekey_due(void *ctx)
{
	struct r_sa *sa = ctx;

	sa->ike_rekey_timer = 0;
	if (sa->state != RSA_ESTABLISHED)
		return;
	/* Busy (a request of ours unanswered): try again a period later. */
	if (r_ike_rekey_start(sa->owner, sa) < 0)
		r_ike_rekey_arm(sa->owner, sa);
}

void r_ike_rekey_arm(struct responder *r, struct r_sa *sa)
{
	r_ike_rekey_disarm(sa);
	if (!r->cfg.rekey_ike_after_ms || !sa->owner)
		return;
	sa->ike_rekey_timer = loop_timer(r->loop, r->cfg.rekey_ike_after_ms,
					 rekey_due, sa);
}

void r_ike_rekey_disarm(struct r_sa *sa)
{
	if (sa->ike_rekey_timer && sa->owner)
		loop_timer_cancel(sa->owner->loop, sa->ike_rekey_timer);
	sa->ike_rekey_timer = 0;
}

/* ---- the new SA takes over ---- */

/* What the new SA carries on from the old one, from the start. */
static void inherit(struct r_sa *nsa, const struct r_sa *old)
{
	nsa->peer = old->peer;
	nsa->natt = old->natt;
	nsa->idi = old->idi;
	nsa->has_vip4 = old->has_vip4;
	memcpy(nsa->vip4, old->vip4, 4);
	/* A rekey makes a new IKE SA, whose gateway switch count starts
	 * at 0 (failover draft 4.2.1); this is how a client renews it
	 * before it overflows (4.2.2). */
	nsa->gsc = 0;
	nsa->peer_vpnd = old->peer_vpnd;
	nsa->reauthed = old->reauthed;
	nsa->peer_next_mid = 0; /* both directions start at 0 (2.18) */
	nsa->next_mid = 0;
	nsa->state = RSA_ESTABLISHED;
}

static void move_children(struct r_sa *nsa, struct r_sa *old)
{
	memcpy(nsa->esp_spi, old->esp_spi, 4);
	memcpy(nsa->peer_esp_spi, old->peer_esp_spi, 4);
	nsa->esp = old->esp;
	nsa->tsi = old->tsi;
	nsa->tsr = old->tsr;
	nsa->has_child = old->has_child;
	nsa->has_old_child = old->has_old_child;
	memcpy(nsa->old_esp_spi, old->old_esp_spi, 4);
	memcpy(nsa->old_peer_esp_spi, old->old_peer_esp_spi, 4);
	nsa->has_redundant_child = old->has_redundant_child;
	memcpy(nsa->redundant_esp_spi, old->redundant_esp_spi, 4);
	memcpy(nsa->redundant_peer_esp_spi, old->redundant_peer_esp_spi, 4);
	old->has_child = false;
	old->has_old_child = false;
	old->has_redundant_child = false;
	r_rekey_clear(&old->rk);
}

void r_ike_rekey_adopt(struct responder *r, struct r_sa *old,
		       struct r_sa *nsa, bool by_gateway)
{
	move_children(nsa, old);
	old->state = RSA_REKEYED;
	r_ike_rekey_disarm(old);
	r_ike_rekey_arm(r, nsa);
	if (by_gateway)
		r->st.ike_rekeys_by_gateway++;
	else
		r->st.ike_rekeys_by_initiator++;
	memcpy(r->st.ike_spi_i, nsa->spi_i, 8);
	memcpy(r->st.ike_spi_r, nsa->spi_r, 8);
	memcpy(r->st.ike_old_spi_i, old->spi_i, 8);
	memcpy(r->st.ike_old_spi_r, old->spi_r, 8);
	r->st.ike_we_initiator = nsa->we_initiator;
	r->st.ike_rekey_group = nsa->ike_dh;
	r->st.ike_rekey_prf = nsa->keys.prf;
	r_event(r, "event=ike_rekeyed by=%s spi_i=%016llx spi_r=%016llx "
		"old_spi_i=%016llx old_spi_r=%016llx",
		by_gateway ? "gateway" : "initiator", r_spi64(nsa->spi_i),
		r_spi64(nsa->spi_r), r_spi64(old->spi_i),
		r_spi64(old->spi_r));
}

void r_ike_rekey_gone(struct responder *r, struct r_sa *sa, bool by_gateway)
{
	const char *what = sa->redundant ? "redundant" : "old";

	r_ike_rekey_disarm(sa);
	/* 2.25.2: a delete of the SA we are rekeying ends our rekey */
	r_ike_rekey_clear(&sa->ikr);
	if (sa->state != RSA_REKEYED)
		return;
	if (sa->redundant) {
		r->st.ike_redundant_deleted++;
	} else {
		r->st.ike_old_deleted++;
		r->st.ike_old_deleted_by_gateway += by_gateway;
	}
	r_event(r, "event=ike_%s_deleted by=%s spi_i=%016llx spi_r=%016llx",
		what, by_gateway ? "gateway" : "initiator",
		r_spi64(sa->spi_i), r_spi64(sa->spi_r));
}

/* ---- the initiator's rekey ---- */

static const struct ike_proposal *first_proposal(const struct r_msg *m,
						 struct sa_payload *sp)
{
	const struct ike_payload *p = payload_find(&m->pl, PL_SA);

	if (!p || sa_parse(p->body, p->len, sp, NULL) < 0 || !sp->n)
		return NULL;
	return &sp->p[0];
}

bool r_ike_rekey_is(const struct r_msg *m)
{
	static struct sa_payload sp;
	const struct ike_proposal *p;
	struct notify_payload n;

	if (r_find_notify(&m->pl, N_REKEY_SA, &n) ||
	    payload_find(&m->pl, PL_TSI) || payload_find(&m->pl, PL_TSR))
		return false;
	p = first_proposal(m, &sp);
	return p && p->proto == PROTO_IKE;
}

struct ike_rekey_req {
	struct sa_payload offer;
	struct ke_payload ke;
	struct chunk ni;
};

static uint16_t parse_req(const struct r_msg *m, struct ike_rekey_req *q)
{
	const struct ike_payload *p_ke = payload_find(&m->pl, PL_KE);
	const struct ike_payload *p_ni = payload_find(&m->pl, PL_NONCE);

	/* 1.3.2: the KE payload is required for an IKE SA rekey */
	if (!first_proposal(m, &q->offer) || !p_ke || !p_ni ||
	    ke_parse(p_ke->body, p_ke->len, &q->ke, NULL) < 0 ||
	    nonce_parse(p_ni->body, p_ni->len, NULL) < 0 ||
	    !chunk_set(&q->ni, p_ni->body, p_ni->len))
		return N_INVALID_SYNTAX;
	return 0;
}

/* 0, or why the SA cannot be rekeyed now (2.25). */
static uint16_t rekey_allowed(const struct responder *r,
			      const struct r_sa *sa)
{
	if (r->cfg.refuse_ike_rekey)
		return r->cfg.refuse_ike_rekey;
	/* being closed by us: our Delete(IKE) is out (2.25.2) */
	if (sa->req_pending && sa->req_is_delete)
		return N_TEMPORARY_FAILURE;
	/* our Child SA rekey is half done; strongSwan refuses the same way */
	if (sa->rk.active)
		return N_TEMPORARY_FAILURE;
	return 0;
}

/* The proposal, and the initiator's new SPI (SPIi of the new SA). */
static uint16_t choose(const struct responder *r,
		       const struct ike_rekey_req *q, struct ike_proposal *ch,
		       uint8_t spi_i[8], uint16_t *group)
{
	static const uint8_t zero[8];
	uint16_t want = r->cfg.ike_rekey_want_group ?
				r->cfg.ike_rekey_want_group : q->ke.group;
	const struct ike_proposal *theirs;

	if (r_choose_proposal(&q->offer, PROTO_IKE, want, ch) < 0)
		return N_NO_PROPOSAL_CHOSEN;
	theirs = r_proposal_numbered(&q->offer, ch->num, PROTO_IKE);
	if (!theirs || theirs->spi_size != 8 || !memcmp(theirs->spi, zero, 8))
		return N_INVALID_SYNTAX;
	memcpy(spi_i, theirs->spi, 8);
	*group = r_transform(ch, TRANS_DH, NULL);
	return q->ke.group == *group ? 0 : N_INVALID_KE_PAYLOAD;
}

static void set_algs(struct ike_keys *k, const struct ike_proposal *p)
{
	k->encr = r_transform(p, TRANS_ENCR, &k->encr_keylen);
	k->integ = r_transform(p, TRANS_INTEG, NULL);
	k->prf = r_transform(p, TRANS_PRF, NULL);
}

/* The new SA, ours the responder's half: Nr, KEr (into pub), keys. */
static uint16_t make_sa(struct responder *r, struct r_sa *old,
			const struct ike_rekey_req *q,
			const struct ike_proposal *ch, const uint8_t spi_i[8],
			uint16_t group, struct chunk *pub, struct r_sa **out)
{
	struct r_sa *nsa = r_sa_new_keep(r, old);
	struct chunk gir = { 0 };
	struct dh *dh = NULL;
	uint16_t err = N_TEMPORARY_FAILURE;

	if (!nsa)
		return N_TEMPORARY_FAILURE;
	memcpy(nsa->spi_i, spi_i, 8);
	set_algs(&nsa->keys, ch);
	nsa->ike_dh = group;
	if (!chunk_set(&nsa->ni, q->ni.p, q->ni.len) ||
	    !r_collide_nonce(r, false, &nsa->nr) ||
	    !(dh = dh_new(group, NULL)) || dh_public(dh, pub) < 0)
		goto fail;
	err = N_INVALID_SYNTAX; /* a public value off the curve */
	if (dh_shared(dh, q->ke.data, q->ke.len, &gir, NULL) < 0)
		goto fail;
	err = N_TEMPORARY_FAILURE;
	if (r_ike_rekey_keys(old->keys.prf, &old->keys.sk_d, &gir, &nsa->ni,
			     &nsa->nr, nsa->spi_i, nsa->spi_r,
			     &nsa->keys) < 0)
		goto fail;
	inherit(nsa, old);
	nsa->established_seq = ++r->seq;
	*out = nsa;
	err = 0;
fail:
	if (err)
		r_sa_clear(nsa);
	chunk_free(&gir);
	dh_free(dh);
	return err;
}

static uint16_t answer(struct responder *r, struct r_sa *old,
		       const struct ike_rekey_req *q, struct pl_chain *c,
		       uint16_t *group, struct r_sa **nsa)
{
	static struct sa_payload reply;
	struct chunk pub = { 0 };
	uint8_t spi_i[8];
	uint16_t err;

	memset(&reply, 0, sizeof(reply));
	err = choose(r, q, &reply.p[0], spi_i, group);
	if (!err)
		err = make_sa(r, old, q, &reply.p[0], spi_i, *group, &pub,
			      nsa);
	if (!err) {
		reply.n = 1;
		reply.p[0].spi_size = 8;
		memcpy(reply.p[0].spi, (*nsa)->spi_r, 8);
		sa_build(c, &reply);
		chain_add(c, PL_NONCE, (*nsa)->nr.p, (*nsa)->nr.len);
		ke_build(c, *group, pub.p, pub.len);
	}
	chunk_free(&pub);
	return err;
}

static void refuse(struct responder *r, struct pl_chain *c, uint16_t err,
		   uint16_t group)
{
	uint8_t gdata[2];

	put_u16(gdata, group);
	notify_build(c, 0, NULL, 0, err, gdata,
		     err == N_INVALID_KE_PAYLOAD ? 2 : 0);
	r->st.temporary_failures_sent += err == N_TEMPORARY_FAILURE;
	r_event(r, "event=ike_rekey_refused by=initiator error=%s",
		notify_name(err));
}

/* Both rekeyed at once (2.8.2): start ours first when asked to. */
static void maybe_collide(struct responder *r, struct r_sa *sa)
{
	if (r->cfg.collide_ike_rekey && !sa->ikr.active && !sa->req_pending)
		r_ike_rekey_start(r, sa);
}

void r_ike_rekey_request(struct responder *r, struct r_sa *sa,
			 const struct r_msg *m)
{
	static struct ike_rekey_req q;
	struct r_sa *nsa = NULL;
	struct wbuf inner;
	struct pl_chain c;
	uint16_t err, group = 0;

	r->st.ike_rekey_requests++;
	memset(&q, 0, sizeof(q));
	wb_init(&inner);
	chain_init(&c, &inner);
	err = rekey_allowed(r, sa);
	if (!err)
		err = parse_req(m, &q);
	if (!err)
		maybe_collide(r, sa);
	if (!err)
		err = answer(r, sa, &q, &c, &group, &nsa);
	r->st.ike_rekey_notify_sent = err;
	if (err)
		refuse(r, &c, err, group);
	if (r_respond(r, sa, m, &inner, c.first) == 0 && nsa) {
		if (sa->ikr.active) {
			/* ours crossed it: settled when ours is answered */
			sa->ikr.crossed = true;
			memcpy(sa->ikr.crossed_spi, nsa->spi_r, 8);
			r->st.ike_collisions++;
		} else {
			r_ike_rekey_adopt(r, sa, nsa, false);
		}
	} else if (nsa) {
		r_sa_clear(nsa);
	}
	chunk_free(&q.ni);
	wb_free(&inner);
}

/* ---- our rekey ---- */

static uint16_t our_group(const struct responder *r, const struct r_sa *sa)
{
	if (r->cfg.ike_rekey_want_group)
		return r->cfg.ike_rekey_want_group;
	return sa->ike_dh ? sa->ike_dh : DH_ECP256;
}

/* The SA's own algorithms, one proposal, our new SPI. */
static void make_offer(struct r_ike_rekey *k, const struct r_sa *sa,
		       uint16_t group)
{
	struct ike_proposal *p = &k->offer;

	memset(p, 0, sizeof(*p));
	p->num = 1;
	p->proto = PROTO_IKE;
	p->spi_size = 8;
	memcpy(p->spi, k->new_spi, 8);
	p->t[p->n++] = (struct ike_transform){ TRANS_ENCR, sa->keys.encr,
					       sa->keys.encr_keylen };
	p->t[p->n++] = (struct ike_transform){ TRANS_PRF, sa->keys.prf, 0 };
	if (sa->keys.integ != INTEG_NONE)
		p->t[p->n++] = (struct ike_transform){ TRANS_INTEG,
						       sa->keys.integ, 0 };
	p->t[p->n++] = (struct ike_transform){ TRANS_DH, group, 0 };
}

static int build_request(struct responder *r, struct r_sa *sa,
			 uint16_t group, struct pl_chain *c)
{
	static struct sa_payload offer;
	struct r_ike_rekey *k = &sa->ikr;
	bool retried = k->retried_ke;
	struct chunk pub = { 0 };
	int rc = -1;

	r_ike_rekey_clear(k);
	k->retried_ke = retried;
	r_sa_new_spi(r, k->new_spi);
	make_offer(k, sa, group);
	if (r_collide_nonce(r, true, &k->ni) && (k->dh = dh_new(group, NULL)) &&
	    dh_public(k->dh, &pub) == 0) {
		memset(&offer, 0, sizeof(offer));
		offer.n = 1;
		offer.p[0] = k->offer;
		sa_build(c, &offer);
		chain_add(c, PL_NONCE, k->ni.p, k->ni.len);
		ke_build(c, group, pub.p, pub.len);
		rc = 0;
	}
	chunk_free(&pub);
	return rc;
}

static int start_with(struct responder *r, struct r_sa *sa, uint16_t group)
{
	struct wbuf inner;
	struct pl_chain c;
	int rc = -1;

	/* One request at a time (2.3) */
	if (sa->state != RSA_ESTABLISHED || sa->req_pending || sa->ikr.active)
		return -1;
	wb_init(&inner);
	chain_init(&c, &inner);
	if (build_request(r, sa, group, &c) == 0) {
		sa->req_is_delete = false;
		sa->req_is_delete_old = false;
		sa->req_is_delete_redundant = false;
		sa->ikr.mid = sa->next_mid;
		rc = r_request(r, sa, EXCH_CREATE_CHILD_SA, &inner, c.first);
	}
	if (rc == 0) {
		sa->ikr.active = true;
		r->st.ike_rekeys_sent++;
	} else {
		log_warn("responder: cannot send an IKE SA rekey");
		r_ike_rekey_clear(&sa->ikr);
	}
	wb_free(&inner);
	return rc;
}

int r_ike_rekey_start(struct responder *r, struct r_sa *sa)
{
	sa->ikr.retried_ke = false;
	return start_with(r, sa, our_group(r, sa));
}

int responder_rekey_ike(struct responder *r)
{
	struct r_sa *sa = r_sa_newest(r);

	return sa ? r_ike_rekey_start(r, sa) : -1;
}

/* The first error notify of the answer, and its data. */
static uint16_t error_of(const struct r_msg *m, struct notify_payload *out)
{
	size_t i;

	for (i = 0; i < m->pl.n; i++)
		if (m->pl.pl[i].type == PL_NOTIFY &&
		    notify_parse(m->pl.pl[i].body, m->pl.pl[i].len, out,
				 NULL) == 0 &&
		    out->type <= N_ERROR_MAX)
			return out->type;
	return 0;
}

/* Why the answer cannot make the new SA, or NULL; fills its SPI, Nr and
 * g^ir. */
static const char *check_answer(const struct r_ike_rekey *k,
				const struct r_msg *m, uint8_t spi_r[8],
				struct chunk *nr, struct chunk *gir)
{
	static const uint8_t zero[8];
	static struct sa_payload got;
	const struct ike_payload *p_sa = payload_find(&m->pl, PL_SA);
	const struct ike_payload *p_nr = payload_find(&m->pl, PL_NONCE);
	const struct ike_payload *p_ke = payload_find(&m->pl, PL_KE);
	struct ke_payload ke;
	const char *why;

	if (!p_sa || sa_parse(p_sa->body, p_sa->len, &got, NULL) < 0 ||
	    got.n != 1)
		return "not exactly one proposal";
	if ((why = r_check_choice(&got.p[0], &k->offer)))
		return why;
	if (!memcmp(got.p[0].spi, zero, 8))
		return "SPI zero";
	if (!p_nr || nonce_parse(p_nr->body, p_nr->len, NULL) < 0)
		return "no usable nonce";
	if (!p_ke || ke_parse(p_ke->body, p_ke->len, &ke, NULL) < 0 ||
	    ke.group != dh_group(k->dh))
		return "no KEr of the group offered";
	if (dh_shared(k->dh, ke.data, ke.len, gir, NULL) < 0)
		return "KEr value unusable";
	if (!chunk_set(nr, p_nr->body, p_nr->len))
		return "out of memory";
	memcpy(spi_r, got.p[0].spi, 8);
	return NULL;
}

/* Our new SA from a usable answer; NULL when it cannot be made. */
static struct r_sa *our_new_sa(struct responder *r, struct r_sa *old,
			       const uint8_t spi_r[8], struct chunk *nr,
			       const struct chunk *gir)
{
	struct r_ike_rekey *k = &old->ikr;
	struct r_sa *nsa = r_sa_new_keep(r, old);

	if (!nsa)
		return NULL;
	/* the slot got a responder SPI of ours: here ours is SPIi */
	memcpy(nsa->spi_i, k->new_spi, 8);
	memcpy(nsa->spi_r, spi_r, 8);
	nsa->we_initiator = true;
	nsa->ike_dh = dh_group(k->dh);
	set_algs(&nsa->keys, &k->offer);
	nsa->ni = k->ni;
	k->ni = (struct chunk){ 0 };
	nsa->nr = *nr;
	*nr = (struct chunk){ 0 };
	if (r_ike_rekey_keys(old->keys.prf, &old->keys.sk_d, gir, &nsa->ni,
			     &nsa->nr, nsa->spi_i, nsa->spi_r,
			     &nsa->keys) < 0) {
		r_sa_clear(nsa);
		return NULL;
	}
	inherit(nsa, old);
	nsa->established_seq = ++r->seq;
	return nsa;
}

/* Ours made nothing, but the initiator's crossed it: that one stays. */
static bool theirs_stays(struct responder *r, struct r_sa *sa)
{
	struct r_sa *theirs;

	if (!sa->ikr.crossed)
		return false;
	theirs = r_sa_by_our_spi(r, sa->ikr.crossed_spi);
	if (theirs && theirs->state == RSA_ESTABLISHED)
		r_ike_rekey_adopt(r, sa, theirs, false);
	r_ike_rekey_clear(&sa->ikr);
	return true;
}

/* A refusal: INVALID_KE_PAYLOAD is met once with the group it names;
 * after anything else the timer (when set) tries again later. */
static void refused(struct responder *r, struct r_sa *sa,
		    const struct notify_payload *n)
{
	uint16_t group = n->len == 2 ? get_u16(n->data) : 0;

	snprintf(r->st.ike_rekey_error, sizeof(r->st.ike_rekey_error),
		 "refused with %s", notify_name(n->type));
	r_event(r, "event=ike_rekey_failed by=gateway error=%s",
		notify_name(n->type));
	if (theirs_stays(r, sa))
		return;
	if (n->type == N_INVALID_KE_PAYLOAD && !sa->ikr.retried_ke &&
	    dh_supported(group)) {
		r_ike_rekey_clear(&sa->ikr);
		sa->ikr.retried_ke = true;
		if (start_with(r, sa, group) == 0)
			return;
	}
	r_ike_rekey_clear(&sa->ikr);
	r_ike_rekey_arm(r, sa);
}

static void take_answer(struct responder *r, struct r_sa *sa,
			const struct r_msg *m)
{
	struct chunk nr = { 0 }, gir = { 0 };
	struct r_sa *nsa = NULL;
	uint8_t spi_r[8];
	const char *why = check_answer(&sa->ikr, m, spi_r, &nr, &gir);

	if (!why && !(nsa = our_new_sa(r, sa, spi_r, &nr, &gir)))
		why = "cannot make the new SA";
	chunk_free(&nr);
	chunk_free(&gir);
	if (why) {
		snprintf(r->st.ike_rekey_error, sizeof(r->st.ike_rekey_error),
			 "%s", why);
		r_event(r, "event=ike_rekey_failed by=gateway error=bad_answer");
		if (!theirs_stays(r, sa))
			r_ike_rekey_clear(&sa->ikr);
		return;
	}
	r->st.ike_rekey_error[0] = '\0';
	if (sa->ikr.crossed) {
		r_collide_ike(r, sa, nsa);
	} else {
		r_ike_rekey_adopt(r, sa, nsa, true);
		if (!r->cfg.ike_rekey_keep_old)
			r_info_send_delete_ike(r, sa);
	}
	r_ike_rekey_clear(&sa->ikr);
}

void r_ike_rekey_response(struct responder *r, struct r_sa *sa,
			  const struct r_msg *m)
{
	struct notify_payload n;

	if (!sa->ikr.active || m->hdr.msg_id != sa->ikr.mid ||
	    m->hdr.exchange != EXCH_CREATE_CHILD_SA)
		return;
	r->st.ike_rekey_answered++;
	if (error_of(m, &n))
		refused(r, sa, &n);
	else
		take_answer(r, sa, m);
}
