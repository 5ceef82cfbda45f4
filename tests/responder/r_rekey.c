/* Child SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.3, 2.8, 2.17), both
 * ways. Ours is sent when a test asks; the answer is checked and the new
 * KEYMAT derived, so that a test can hold it against the client's. The
 * initiator's is answered. Either way the new pair becomes the Child SA
 * and the replaced one is kept until a Delete names it. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "r_internal.h"
#include "vpnd/log.h"

#define KEYMAT_HEAD 16
#define N_ERROR_MAX 16383 /* notify types below 16384 are errors (3.10.1) */

void r_rekey_clear(struct r_rekey *rk)
{
	dh_free(rk->dh);
	chunk_free(&rk->ni);
	chunk_free(&rk->crossed_low);
	memset(rk, 0, sizeof(*rk));
}

static bool spi_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 4) == 0;
}

/* A fresh inbound SPI of ours, from the range a kernel would give and
 * unlike any SPI the SA already uses. */
static void new_spi(const struct r_sa *sa, uint8_t spi[4])
{
	do {
		random_bytes(spi, 4);
		spi[0] |= 0xc0;
	} while (spi_eq(spi, sa->esp_spi) || spi_eq(spi, sa->peer_esp_spi) ||
		 spi_eq(spi, sa->old_esp_spi) ||
		 spi_eq(spi, sa->old_peer_esp_spi) ||
		 spi_eq(spi, sa->redundant_esp_spi) ||
		 (spi != sa->rk.new_spi && spi_eq(spi, sa->rk.new_spi)));
}

static bool ts_entry_same(const struct ts_entry *x, const struct ts_entry *y)
{
	size_t alen = x->type == TS_IPV6_ADDR_RANGE ? 16 : 4;

	return x->type == y->type && x->ip_proto == y->ip_proto &&
	       x->start_port == y->start_port && x->end_port == y->end_port &&
	       !memcmp(x->start, y->start, alen) &&
	       !memcmp(x->end, y->end, alen);
}

static bool ts_same(const struct ts_payload *a, const struct ts_payload *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!ts_entry_same(&a->ts[i], &b->ts[i]))
			return false;
	return true;
}

static int parse_ts(const struct r_msg *m, uint8_t type,
		    struct ts_payload *out)
{
	const struct ike_payload *p = payload_find(&m->pl, type);

	if (!p || ts_parse(p->body, p->len, out, NULL) < 0)
		return -1;
	return 0;
}

/* The Child SA keeps no DH transform: a later rekey chooses anew. */
static void strip_dh(struct ike_proposal *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->n; i++)
		if (p->t[i].type != TRANS_DH)
			p->t[k++] = p->t[i];
	p->n = k;
}

static struct r_sa *newest_with(struct responder *r, bool old_child)
{
	struct r_sa *best = NULL;
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++) {
		struct r_sa *sa = &r->sas[i];

		if (sa->state != RSA_ESTABLISHED ||
		    !(old_child ? sa->has_old_child : sa->has_child))
			continue;
		if (!best || sa->established_seq > best->established_seq)
			best = sa;
	}
	return best;
}

static int keymat_head(const struct r_sa *sa, const struct chunk *gir,
		       const struct chunk *ni, const struct chunk *nr,
		       uint8_t out[KEYMAT_HEAD])
{
	return child_keymat(sa->keys.prf, &sa->keys.sk_d,
			    gir->len ? gir : NULL, ni, nr, out, KEYMAT_HEAD);
}

/* The new pair becomes the Child SA; the replaced one waits for its
 * delete. ours / peers: the inbound SPIs of the new pair. */
static void take_new_pair(struct responder *r, struct r_sa *sa,
			  const uint8_t ours[4], const uint8_t peers[4],
			  const struct ike_proposal *p, uint16_t group,
			  const uint8_t head[KEYMAT_HEAD], const char *by)
{
	memcpy(sa->old_esp_spi, sa->esp_spi, 4);
	memcpy(sa->old_peer_esp_spi, sa->peer_esp_spi, 4);
	memcpy(r->st.rekey_old_peer_spi, sa->peer_esp_spi, 4);
	memcpy(sa->esp_spi, ours, 4);
	memcpy(sa->peer_esp_spi, peers, 4);
	sa->has_old_child = true;
	sa->esp = *p;
	strip_dh(&sa->esp);
	sa->esp.spi_size = 4;
	memcpy(sa->esp.spi, ours, 4);
	memcpy(r->st.rekey_our_spi, ours, 4);
	memcpy(r->st.rekey_peer_spi, peers, 4);
	r->st.rekey_group = group;
	memcpy(r->st.rekey_keymat_head, head, KEYMAT_HEAD);
	r_event(r, "event=child_rekeyed by=%s spi_in=%08x spi_out=%08x "
		"pfs=%u", by, get_u32(ours), get_u32(peers), group);
}

static void old_gone(struct responder *r, struct r_sa *sa)
{
	sa->has_old_child = false;
	memset(sa->old_esp_spi, 0, 4);
	memset(sa->old_peer_esp_spi, 0, 4);
	r->st.old_children_removed++;
}

/* ---- our rekey ---- */

static void rekey_spi(const struct r_sa *sa, enum responder_rekey_spi which,
		      uint8_t out[4])
{
	switch (which) {
	case RREKEY_SPI_PEERS:
		memcpy(out, sa->peer_esp_spi, 4);
		break;
	case RREKEY_SPI_UNKNOWN:
		new_spi(sa, out);
		break;
	case RREKEY_SPI_OURS:
	default:
		memcpy(out, sa->esp_spi, 4);
		break;
	}
}

/* The offer: the current Child SA's transforms, one proposal, a new
 * SPI, and the PFS group when one is asked for. */
static int make_offer(struct r_sa *sa, uint16_t pfs_group)
{
	struct ike_proposal *p = &sa->rk.offer;

	*p = sa->esp;
	strip_dh(p);
	p->num = 1;
	p->proto = PROTO_ESP;
	p->spi_size = 4;
	new_spi(sa, sa->rk.new_spi);
	memcpy(p->spi, sa->rk.new_spi, 4);
	sa->rk.group = pfs_group;
	if (!pfs_group)
		return 0;
	if (p->n >= SA_MAX_TRANSFORMS)
		return -1;
	p->t[p->n].type = TRANS_DH;
	p->t[p->n].id = pfs_group;
	p->t[p->n++].keylen = 0;
	return 0;
}

static int build_rekey(const struct responder *r, struct r_sa *sa,
		       const struct responder_rekey_opts *o,
		       struct pl_chain *c, struct verr *e)
{
	static struct sa_payload offer;
	struct r_rekey *rk = &sa->rk;
	uint16_t ke_group = o->ke_group ? o->ke_group : o->pfs_group;
	struct chunk pub = { 0 };
	uint8_t spi[4];

	r_rekey_clear(rk);
	if (make_offer(sa, o->pfs_group) < 0 ||
	    !r_collide_nonce(r, true, &rk->ni)) {
		verr_set(e, "out of memory or randomness");
		return -1;
	}
	if (ke_group && (!(rk->dh = dh_new(ke_group, e)) ||
			 dh_public(rk->dh, &pub) < 0)) {
		chunk_free(&pub);
		return -1;
	}
	/* We initiate this exchange: TSi is our side (2.9, 1.3.3). */
	rk->tsi = sa->tsr;
	rk->tsr = sa->tsi;
	rekey_spi(sa, o->spi, spi);
	notify_build(c, PROTO_ESP, spi, 4, N_REKEY_SA, NULL, 0);
	memset(&offer, 0, sizeof(offer));
	offer.n = 1;
	offer.p[0] = rk->offer;
	sa_build(c, &offer);
	chain_add(c, PL_NONCE, rk->ni.p, rk->ni.len);
	if (ke_group)
		ke_build(c, ke_group, pub.p, pub.len);
	ts_build(c, PL_TSI, &rk->tsi);
	ts_build(c, PL_TSR, &rk->tsr);
	chunk_free(&pub);
	return 0;
}

int r_rekey_start(struct responder *r, struct r_sa *sa,
		  const struct responder_rekey_opts *o)
{
	struct verr e = { { 0 } };
	struct wbuf inner;
	struct pl_chain c;
	int rc = -1;

	/* One request at a time (2.3): ours must have been answered. */
	if (!sa || sa->rk.active)
		return -1;
	wb_init(&inner);
	chain_init(&c, &inner);
	if (build_rekey(r, sa, o, &c, &e) == 0) {
		sa->req_is_delete = false;
		sa->req_is_delete_old = false;
		sa->req_is_delete_redundant = false;
		sa->rk.mid = sa->next_mid;
		rc = r_request(r, sa, EXCH_CREATE_CHILD_SA, &inner, c.first);
	}
	if (rc == 0) {
		sa->rk.active = true;
		r->st.rekeys_sent++;
	} else {
		log_warn("responder: cannot send a Child SA rekey: %s",
			 e.msg[0] ? e.msg : "protection failed");
		r_rekey_clear(&sa->rk);
	}
	wb_free(&inner);
	return rc;
}

int responder_send_rekey_child_opts(struct responder *r,
				    const struct responder_rekey_opts *o)
{
	return r_rekey_start(r, newest_with(r, false), o);
}

int responder_send_rekey_child(struct responder *r, uint16_t pfs_group)
{
	struct responder_rekey_opts o = { .pfs_group = pfs_group };

	return responder_send_rekey_child_opts(r, &o);
}

int responder_send_child_delete_old(struct responder *r)
{
	return r_rekey_delete_old_send(r, newest_with(r, true));
}

/* Delete(ESP, spi) as our request; which: the flag that marks it. */
static int send_child_delete(struct responder *r, struct r_sa *sa,
			     const uint8_t spi[4], bool *which)
{
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	wb_init(&inner);
	chain_init(&c, &inner);
	/* Our inbound SPI names the pair (1.4.1). */
	delete_build(&c, PROTO_ESP, 4, 1, spi);
	sa->req_is_delete = false;
	sa->req_is_delete_old = false;
	sa->req_is_delete_redundant = false;
	*which = true;
	rc = r_request(r, sa, EXCH_INFORMATIONAL, &inner, c.first);
	if (rc < 0)
		*which = false;
	wb_free(&inner);
	return rc;
}

int r_rekey_delete_old_send(struct responder *r, struct r_sa *sa)
{
	if (!sa || !sa->has_old_child)
		return -1;
	return send_child_delete(r, sa, sa->old_esp_spi,
				 &sa->req_is_delete_old);
}

static uint16_t error_notify(const struct payload_list *pl)
{
	struct notify_payload n;
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (pl->pl[i].type == PL_NOTIFY &&
		    notify_parse(pl->pl[i].body, pl->pl[i].len, &n, NULL) == 0 &&
		    n.type <= N_ERROR_MAX)
			return n.type;
	return 0;
}

static const char *check_pfs(struct r_sa *sa, const struct r_msg *m,
			     uint16_t group, struct chunk *gir)
{
	const struct ike_payload *p_ke = payload_find(&m->pl, PL_KE);
	struct ke_payload ke;

	if (!group)
		return p_ke ? "KEr without PFS" : NULL;
	if (!p_ke || ke_parse(p_ke->body, p_ke->len, &ke, NULL) < 0)
		return "no usable KEr";
	if (ke.group != group)
		return "KEr of another group";
	if (!sa->rk.dh || dh_group(sa->rk.dh) != group)
		return "our KEi was of another group";
	if (dh_shared(sa->rk.dh, ke.data, ke.len, gir, NULL) < 0)
		return "KEr value unusable";
	return NULL;
}

/* Why the answer cannot make the new Child SA, or NULL. Fills the chosen
 * proposal, the responder's nonce and the shared secret. */
static const char *check_answer(struct responder *r, struct r_sa *sa,
				const struct r_msg *m,
				struct ike_proposal *chosen, struct chunk *nr,
				struct chunk *gir)
{
	static struct sa_payload got;
	const struct ike_payload *p_sa = payload_find(&m->pl, PL_SA);
	const struct ike_payload *p_nr = payload_find(&m->pl, PL_NONCE);
	struct ts_payload tsi, tsr;
	const char *why;

	if (!p_sa || sa_parse(p_sa->body, p_sa->len, &got, NULL) < 0)
		return "no usable SA payload";
	if (got.n != 1)
		return "not exactly one proposal";
	if ((why = r_check_choice(&got.p[0], &sa->rk.offer)))
		return why;
	if (spi_eq(got.p[0].spi, sa->peer_esp_spi))
		return "the SPI of the Child SA being rekeyed";
	if (!p_nr || nonce_parse(p_nr->body, p_nr->len, NULL) < 0)
		return "no usable nonce";
	if (parse_ts(m, PL_TSI, &tsi) < 0 || parse_ts(m, PL_TSR, &tsr) < 0)
		return "no usable TSi and TSr";
	r->st.rekey_ts_same = ts_same(&tsi, &sa->rk.tsi) &&
			      ts_same(&tsr, &sa->rk.tsr);
	if ((why = check_pfs(sa, m, r_transform(&got.p[0], TRANS_DH, NULL),
			     gir)))
		return why;
	if (!chunk_set(nr, p_nr->body, p_nr->len))
		return "out of memory";
	*chosen = got.p[0];
	return NULL;
}

/* ---- crossing rekeys of one pair (2.8.1) ---- */

/* The initiator's pair, made while ours was out, becomes the Child SA. */
static void take_crossed(struct responder *r, struct r_sa *sa)
{
	struct r_rekey *rk = &sa->rk;

	take_new_pair(r, sa, rk->crossed_ours, rk->crossed_theirs,
		      &rk->crossed_esp, rk->crossed_group, rk->crossed_head,
		      "initiator");
}

static void set_redundant(struct r_sa *sa, const uint8_t ours[4],
			  const uint8_t theirs[4])
{
	sa->has_redundant_child = true;
	memcpy(sa->redundant_esp_spi, ours, 4);
	memcpy(sa->redundant_peer_esp_spi, theirs, 4);
}

/* Ours was answered: the pair whose exchange holds the lowest of the
 * four nonces is redundant and deleted by its maker; the maker of the
 * other deletes the pair both replaced. */
static void settle_crossed(struct responder *r, struct r_sa *sa,
			   const struct ike_proposal *chosen,
			   const struct chunk *nr,
			   const uint8_t head[KEYMAT_HEAD])
{
	struct r_rekey *rk = &sa->rk;
	bool lost = r_collide_lost(r_lower_nonce(&rk->ni, nr),
				   &rk->crossed_low);

	if (lost) {
		r->st.child_collisions_lost_by_gateway++;
		take_crossed(r, sa);
		set_redundant(sa, rk->new_spi, chosen->spi);
		send_child_delete(r, sa, rk->new_spi,
				  &sa->req_is_delete_redundant);
	} else {
		r->st.child_collisions_lost_by_initiator++;
		take_new_pair(r, sa, rk->new_spi, chosen->spi, chosen,
			      rk->group, head, "gateway");
		set_redundant(sa, rk->crossed_ours, rk->crossed_theirs);
		r_rekey_delete_old_send(r, sa);
	}
	r_event(r, "event=child_rekey_collision loser=%s spi_in=%08x "
		"spi_out=%08x", lost ? "gateway" : "initiator",
		get_u32(sa->esp_spi), get_u32(sa->peer_esp_spi));
}

void r_rekey_redundant_deleted(struct responder *r, struct r_sa *sa)
{
	if (!sa->has_redundant_child)
		return;
	sa->has_redundant_child = false;
	memset(sa->redundant_esp_spi, 0, 4);
	memset(sa->redundant_peer_esp_spi, 0, 4);
	r->st.redundant_children_removed++;
}

void r_rekey_response(struct responder *r, struct r_sa *sa,
		      const struct r_msg *m)
{
	static struct ike_proposal chosen;
	struct chunk nr = { 0 }, gir = { 0 };
	uint8_t head[KEYMAT_HEAD];
	const char *why;
	uint16_t err;

	if (!sa->rk.active || m->hdr.msg_id != sa->rk.mid ||
	    m->hdr.exchange != EXCH_CREATE_CHILD_SA)
		return;
	r->st.rekey_answered++;
	r->st.rekey_ts_same = false;
	err = error_notify(&m->pl);
	why = err ? notify_name(err) :
		    check_answer(r, sa, m, &chosen, &nr, &gir);
	if (!why && keymat_head(sa, &gir, &sa->rk.ni, &nr, head) < 0)
		why = "cannot derive KEYMAT";
	if (why) {
		snprintf(r->st.rekey_error, sizeof(r->st.rekey_error), "%s%s",
			 err ? "refused with " : "", why);
		r_event(r, "event=child_rekey_failed by=gateway error=%s",
			err ? notify_name(err) : "bad_answer");
		if (sa->rk.crossed)
			take_crossed(r, sa);
	} else if (sa->rk.crossed) {
		r->st.rekey_error[0] = '\0';
		r->st.rekey_ok++;
		settle_crossed(r, sa, &chosen, &nr, head);
	} else {
		r->st.rekey_error[0] = '\0';
		r->st.rekey_ok++;
		take_new_pair(r, sa, sa->rk.new_spi, chosen.spi, &chosen,
			      sa->rk.group, head, "gateway");
	}
	OPENSSL_cleanse(head, sizeof(head));
	chunk_free(&nr);
	chunk_free(&gir);
	r_rekey_clear(&sa->rk);
}

/* ---- the initiator's rekey ---- */

struct rekey_req {
	struct notify_payload n;
	struct sa_payload offer;
	struct ke_payload ke;
	bool has_ke;
	struct ts_payload tsi, tsr;
	const struct ike_payload *nonce;
};

static uint16_t parse_rekey(const struct r_msg *m, struct rekey_req *q)
{
	const struct ike_payload *p_sa = payload_find(&m->pl, PL_SA);
	const struct ike_payload *p_ke = payload_find(&m->pl, PL_KE);

	q->nonce = payload_find(&m->pl, PL_NONCE);
	if (!p_sa || !q->nonce ||
	    sa_parse(p_sa->body, p_sa->len, &q->offer, NULL) < 0 ||
	    nonce_parse(q->nonce->body, q->nonce->len, NULL) < 0 ||
	    parse_ts(m, PL_TSI, &q->tsi) < 0 || parse_ts(m, PL_TSR, &q->tsr) < 0)
		return N_INVALID_SYNTAX;
	q->has_ke = p_ke != NULL;
	if (p_ke && ke_parse(p_ke->body, p_ke->len, &q->ke, NULL) < 0)
		return N_INVALID_SYNTAX;
	return 0;
}

/* Whether the request may rekey at all: 0 or the notify refusing it. */
static uint16_t rekey_allowed(struct responder *r, struct r_sa *sa,
			      const struct rekey_req *q)
{
	const struct notify_payload *n = &q->n;

	r->st.initiator_rekey_requests++;
	if (n->spi_size == 4)
		memcpy(r->st.initiator_rekey_spi, n->spi, 4);
	/* 1.3.3 names the SPI "of the SA being rekeyed" without saying
	 * whose; we take either end's. */
	if (n->spi_size != 4 || !sa->has_child ||
	    (!spi_eq(n->spi, sa->peer_esp_spi) && !spi_eq(n->spi, sa->esp_spi)))
		return N_CHILD_SA_NOT_FOUND;
	if (r->cfg.refuse_rekey)
		return r->cfg.refuse_rekey;
	/* 2.25.1: not while we rekey the IKE SA. Ours of this pair in
	 * flight is a collision, settled by the nonces (2.8.1). A pair
	 * replaced or made redundant and not deleted yet: this gateway
	 * keeps one of each only. */
	if (sa->ikr.active || sa->has_old_child || sa->has_redundant_child ||
	    sa->rk.crossed)
		return N_TEMPORARY_FAILURE;
	return 0;
}

/* Our half of the exchange's secrets: Nr, and for PFS our public value
 * and g^ir. 0 or the notify to refuse with. */
static uint16_t our_secrets(const struct responder *r,
			    const struct rekey_req *q, uint16_t group,
			    struct chunk *nr, struct chunk *pub,
			    struct chunk *gir)
{
	struct dh *dh = NULL;
	uint16_t err = 0;

	if (!r_collide_nonce(r, false, nr))
		return N_TEMPORARY_FAILURE;
	if (!group)
		return 0;
	if (!(dh = dh_new(group, NULL)) || dh_public(dh, pub) < 0)
		err = N_TEMPORARY_FAILURE;
	else if (dh_shared(dh, q->ke.data, q->ke.len, gir, NULL) < 0)
		err = N_INVALID_SYNTAX; /* a public value off the curve */
	dh_free(dh);
	return err;
}

/* A pair one of the initiator's CREATE_CHILD_SA made. */
struct made_pair {
	struct ike_proposal chosen;
	uint8_t ours[4], theirs[4];   /* the inbound SPIs */
	uint16_t group;
	uint8_t head[KEYMAT_HEAD];
	struct chunk low;             /* the exchange's lower nonce */
};

/* Answers a CREATE_CHILD_SA that makes a pair, for a rekey or a new
 * Child SA: SA, Nr, [KEr], TSi, TSr into c, the pair into out. 0 or
 * the notify to refuse with (then nothing is in c). */
static uint16_t answer_pair(struct responder *r, struct r_sa *sa,
			    const struct rekey_req *q,
			    const struct ts_payload *tsi,
			    const struct ts_payload *tsr, struct pl_chain *c,
			    uint16_t *want, struct made_pair *out)
{
	static struct sa_payload reply;
	struct ike_proposal *ch = &reply.p[0];
	const struct ike_proposal *theirs;
	struct chunk ni = { 0 }, nr = { 0 }, pub = { 0 }, gir = { 0 };
	uint16_t group, err;

	memset(&reply, 0, sizeof(reply));
	*want = r->cfg.rekey_want_group ? r->cfg.rekey_want_group :
		q->has_ke ? q->ke.group : 0;
	if (r_choose_child_proposal(&q->offer, *want, ch) < 0)
		return N_NO_PROPOSAL_CHOSEN;
	theirs = r_proposal_numbered(&q->offer, ch->num, PROTO_ESP);
	if (!theirs || theirs->spi_size != 4)
		return N_INVALID_SYNTAX;
	group = r_transform(ch, TRANS_DH, NULL);
	*want = group;
	if (group && (!q->has_ke || q->ke.group != group))
		return N_INVALID_KE_PAYLOAD;
	err = our_secrets(r, q, group, &nr, &pub, &gir);
	if (!err && (!chunk_set(&ni, q->nonce->body, q->nonce->len) ||
		     keymat_head(sa, &gir, &ni, &nr, out->head) < 0))
		err = N_TEMPORARY_FAILURE;
	if (!err) {
		const struct chunk *low = r_lower_nonce(&ni, &nr);

		if (!chunk_set(&out->low, low->p, low->len))
			err = N_TEMPORARY_FAILURE;
	}
	if (!err) {
		new_spi(sa, out->ours);
		memcpy(out->theirs, theirs->spi, 4);
		reply.n = 1;
		ch->spi_size = 4;
		memcpy(ch->spi, out->ours, 4);
		sa_build(c, &reply);
		chain_add(c, PL_NONCE, nr.p, nr.len);
		if (group)
			ke_build(c, group, pub.p, pub.len);
		ts_build(c, PL_TSI, tsi);
		ts_build(c, PL_TSR, tsr);
		out->chosen = *ch;
		out->group = group;
	}
	chunk_free(&ni);
	chunk_free(&nr);
	chunk_free(&pub);
	chunk_free(&gir);
	return err;
}

/* Ours of the same pair is out: the nonces decide when it is answered. */
static void keep_crossed(struct responder *r, struct r_sa *sa,
			 struct made_pair *mp)
{
	struct r_rekey *rk = &sa->rk;

	rk->crossed = true;
	memcpy(rk->crossed_ours, mp->ours, 4);
	memcpy(rk->crossed_theirs, mp->theirs, 4);
	rk->crossed_esp = mp->chosen;
	rk->crossed_group = mp->group;
	memcpy(rk->crossed_head, mp->head, KEYMAT_HEAD);
	rk->crossed_low = mp->low;
	mp->low = (struct chunk){ 0 };
	r->st.child_collisions++;
}

static uint16_t accept_rekey(struct responder *r, struct r_sa *sa,
			     const struct rekey_req *q, struct pl_chain *c,
			     uint16_t *want)
{
	static struct made_pair mp;
	uint16_t err = answer_pair(r, sa, q, &q->tsi, &q->tsr, c, want, &mp);

	if (!err) {
		r->st.initiator_rekey_ts_same = ts_same(&q->tsi, &sa->tsi) &&
						ts_same(&q->tsr, &sa->tsr);
		r->st.rekeys_by_initiator++;
		if (sa->rk.active)
			keep_crossed(r, sa, &mp);
		else
			take_new_pair(r, sa, mp.ours, mp.theirs, &mp.chosen,
				      mp.group, mp.head, "initiator");
	}
	OPENSSL_cleanse(mp.head, sizeof(mp.head));
	chunk_free(&mp.low);
	return err;
}

static bool is_vip_ts(const struct r_sa *sa, const struct ts_payload *ts)
{
	return sa->has_vip4 && ts->n == 1 &&
	       ts->ts[0].type == TS_IPV4_ADDR_RANGE &&
	       !memcmp(ts->ts[0].start, sa->vip4, 4) &&
	       !memcmp(ts->ts[0].end, sa->vip4, 4);
}

/* A new Child SA (RFC 7296 1.3.1) for an SA that has none, as after a
 * TEMPORARY_FAILURE in IKE_AUTH: 0 or the notify to refuse with. */
static uint16_t new_child(struct responder *r, struct r_sa *sa,
			  const struct r_msg *m, struct rekey_req *q,
			  struct pl_chain *c, uint16_t *want)
{
	static struct made_pair mp;
	const struct ts_payload *tsi, *tsr;
	uint16_t err;

	r->st.new_child_requests++;
	if (sa->ikr.active)
		return N_TEMPORARY_FAILURE; /* while we rekey the IKE SA (2.25) */
	if (r->cfg.new_child_error &&
	    (!r->cfg.new_child_error_n ||
	     r->st.new_child_requests <= r->cfg.new_child_error_n))
		return r->cfg.new_child_error;
	if (sa->has_child)
		return N_NO_ADDITIONAL_SAS; /* one Child SA per IKE SA here */
	if ((err = parse_rekey(m, q)))
		return err;
	r->st.new_child_ts_vip = is_vip_ts(sa, &q->tsi);
	tsi = r->cfg.tsi.n ? &r->cfg.tsi : &q->tsi;
	tsr = r->cfg.tsr.n ? &r->cfg.tsr : &q->tsr;
	err = answer_pair(r, sa, q, tsi, tsr, c, want, &mp);
	if (!err) {
		memcpy(sa->esp_spi, mp.ours, 4);
		memcpy(sa->peer_esp_spi, mp.theirs, 4);
		memcpy(r->st.peer_esp_spi, mp.theirs, 4);
		sa->esp = mp.chosen;
		strip_dh(&sa->esp);
		sa->tsi = *tsi;
		sa->tsr = *tsr;
		sa->has_child = true;
		r->st.new_child_ok++;
		r_record_child(r, &sa->esp);
		r_event(r, "event=child_created by=initiator spi_in=%08x "
			"spi_out=%08x", get_u32(mp.ours), get_u32(mp.theirs));
	}
	OPENSSL_cleanse(mp.head, sizeof(mp.head));
	chunk_free(&mp.low);
	return err;
}

static void refuse(struct responder *r, struct pl_chain *c,
		   const struct rekey_req *q, uint16_t err, uint16_t group)
{
	uint8_t gdata[2];

	r->st.temporary_failures_sent += err == N_TEMPORARY_FAILURE;
	if (err == N_CHILD_SA_NOT_FOUND && q->n.spi_size == 4) {
		notify_build(c, PROTO_ESP, q->n.spi, 4, err, NULL, 0);
		return;
	}
	put_u16(gdata, group);
	notify_build(c, 0, NULL, 0, err, gdata,
		     err == N_INVALID_KE_PAYLOAD ? 2 : 0);
}

void r_rekey_request(struct responder *r, struct r_sa *sa,
		     const struct r_msg *m)
{
	static struct rekey_req q;
	struct wbuf inner;
	struct pl_chain c;
	uint16_t err, want = r->cfg.rekey_want_group;

	memset(&q, 0, sizeof(q));
	wb_init(&inner);
	chain_init(&c, &inner);
	if (!r_find_notify(&m->pl, N_REKEY_SA, &q.n) &&
	    r->cfg.accept_new_child) {
		err = new_child(r, sa, m, &q, &c, &want);
		if (err) {
			refuse(r, &c, &q, err, want);
			r_event(r, "event=child_create_refused by=initiator "
				"error=%s", notify_name(err));
		}
	} else if (!r_find_notify(&m->pl, N_REKEY_SA, &q.n) ||
		   q.n.proto != PROTO_ESP) {
		/* More Child SAs: a minimal gateway (IKE SA rekeys are
		 * r_ike_rekey.c's). */
		r->st.create_child_refused++;
		notify_build(&c, 0, NULL, 0, N_NO_ADDITIONAL_SAS, NULL, 0);
	} else {
		err = rekey_allowed(r, sa, &q);
		if (!err && r->cfg.collide_child_rekey && !sa->rk.active)
			/* both rekey the pair at once (2.8.1) */
			r_rekey_start(r, sa, &(struct responder_rekey_opts){
						     0 });
		if (!err)
			err = parse_rekey(m, &q);
		if (!err)
			err = accept_rekey(r, sa, &q, &c, &want);
		r->st.rekey_notify_sent = err;
		if (err) {
			refuse(r, &c, &q, err, want);
			r_event(r, "event=child_rekey_refused by=initiator "
				"error=%s", notify_name(err));
		}
	}
	r_respond(r, sa, m, &inner, c.first);
	wb_free(&inner);
}

/* ---- deleting the replaced pair ---- */

bool r_rekey_delete_old(struct responder *r, struct r_sa *sa,
			const uint8_t spi[4], struct pl_chain *c)
{
	if (sa->has_redundant_child &&
	    (spi_eq(spi, sa->redundant_peer_esp_spi) ||
	     spi_eq(spi, sa->redundant_esp_spi))) {
		delete_build(c, PROTO_ESP, 4, 1, sa->redundant_esp_spi);
		r_rekey_redundant_deleted(r, sa);
		return true;
	}
	if (!sa->has_old_child || (!spi_eq(spi, sa->old_peer_esp_spi) &&
				   !spi_eq(spi, sa->old_esp_spi)))
		return false;
	r->st.old_child_deletes++;
	delete_build(c, PROTO_ESP, 4, 1, sa->old_esp_spi);
	old_gone(r, sa);
	return true;
}

void r_rekey_old_deleted(struct responder *r, struct r_sa *sa)
{
	if (sa->has_old_child)
		old_gone(r, sa);
}
