/* Our proposals from the profile, and the check of the gateway's pick:
 * exactly one proposal, every transform one we offered in that proposal
 * (RFC 7296 3.3.6). */
#include <string.h>

#include "ike_sa.h"

static void add_transform(struct ike_proposal *p, uint8_t type, uint16_t id,
			  uint16_t keylen)
{
	if (p->n >= SA_MAX_TRANSFORMS)
		return;
	p->t[p->n].type = type;
	p->t[p->n].id = id;
	p->t[p->n].keylen = keylen;
	p->n++;
}

/* pfs: ESP proposals of a CREATE_CHILD_SA carry the set's DH groups. */
static void fill_proposal(struct ike_proposal *p, const struct alg_set *a,
			  bool esp, bool pfs)
{
	size_t i;

	for (i = 0; i < a->n_encr; i++)
		add_transform(p, TRANS_ENCR, a->encr[i].id, a->encr[i].keylen);
	if (!esp)
		for (i = 0; i < a->n_prf; i++)
			add_transform(p, TRANS_PRF, a->prf[i], 0);
	for (i = 0; i < a->n_integ; i++)
		add_transform(p, TRANS_INTEG, a->integ[i], 0);
	/* ESP PFS groups only matter in CREATE_CHILD_SA; the IKE_AUTH
	 * Child SA has no KE (RFC 7296 1.2), so they are not offered there. */
	if (!esp || pfs)
		for (i = 0; i < a->n_dh; i++)
			add_transform(p, TRANS_DH, a->dh[i], 0);
	if (esp) {
		if (a->n_esn == 0)
			add_transform(p, TRANS_ESN, ESN_NO, 0);
		for (i = 0; i < a->n_esn; i++)
			add_transform(p, TRANS_ESN, a->esn[i], 0);
	}
}

void proposal_build_ike(struct pl_chain *c, const struct profile *p,
			const uint8_t *spi)
{
	static struct sa_payload sa; /* large; the engine is single-threaded */
	size_t i;

	memset(&sa, 0, sizeof(sa));
	for (i = 0; i < p->n_ike && i < SA_MAX_PROPOSALS; i++) {
		sa.p[i].num = (uint8_t)(i + 1);
		sa.p[i].proto = PROTO_IKE;
		if (spi) {
			sa.p[i].spi_size = 8;
			memcpy(sa.p[i].spi, spi, 8);
		}
		fill_proposal(&sa.p[i], &p->ike[i], false, false);
	}
	sa.n = i;
	sa_build(c, &sa);
}

void proposal_build_esp(struct pl_chain *c, const struct profile *p,
			const uint8_t spi[4], bool pfs)
{
	static struct sa_payload sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	for (i = 0; i < p->n_esp && i < SA_MAX_PROPOSALS; i++) {
		sa.p[i].num = (uint8_t)(i + 1);
		sa.p[i].proto = PROTO_ESP;
		sa.p[i].spi_size = 4;
		memcpy(sa.p[i].spi, spi, 4);
		fill_proposal(&sa.p[i], &p->esp[i], true, pfs);
	}
	sa.n = i;
	sa_build(c, &sa);
}

static bool offered(const struct ike_proposal *ours,
		    const struct ike_transform *t)
{
	size_t i;

	for (i = 0; i < ours->n; i++)
		if (ours->t[i].type == t->type && ours->t[i].id == t->id &&
		    ours->t[i].keylen == t->keylen)
			return true;
	return false;
}

/* Validates the single chosen proposal against our proposal of the same
 * number; returns the transform ids by type (0 when absent). */
static int check_choice(const struct sa_payload *sa, bool esp, bool pfs,
			const struct alg_set *sets, size_t n_sets,
			uint16_t got[6], uint16_t *keylen, struct verr *e)
{
	struct ike_proposal ours;
	const struct ike_proposal *pp;
	bool seen[6] = { false };
	size_t i;

	if (sa->n != 1) {
		verr_set(e, "gateway chose %zu proposals instead of one",
			 sa->n);
		return -1;
	}
	pp = &sa->p[0];
	if (n_sets > SA_MAX_PROPOSALS)
		n_sets = SA_MAX_PROPOSALS; /* no more were sent */
	if (pp->num < 1 || pp->num > n_sets) {
		verr_set(e, "gateway chose proposal #%u, which we did not offer",
			 pp->num);
		return -1;
	}
	if (pp->proto != (esp ? PROTO_ESP : PROTO_IKE)) {
		verr_set(e, "chosen proposal has protocol %u", pp->proto);
		return -1;
	}
	memset(&ours, 0, sizeof(ours));
	fill_proposal(&ours, &sets[pp->num - 1], esp, pfs);
	memset(got, 0, 6 * sizeof(got[0]));
	*keylen = 0;
	for (i = 0; i < pp->n; i++) {
		const struct ike_transform *t = &pp->t[i];

		if (t->type < TRANS_ENCR || t->type > TRANS_ESN) {
			verr_set(e, "chosen proposal has transform type %u",
				 t->type);
			return -1;
		}
		if (seen[t->type]) {
			verr_set(e, "chosen proposal has two transforms of type %u",
				 t->type);
			return -1;
		}
		if (!offered(&ours, t)) {
			verr_set(e, "gateway chose transform %u/%u (key %u), which we did not offer",
				 t->type, t->id, t->keylen);
			return -1;
		}
		seen[t->type] = true;
		got[t->type] = t->id;
		if (t->type == TRANS_ENCR)
			*keylen = t->keylen;
	}
	if (!seen[TRANS_ENCR]) {
		verr_set(e, "chosen proposal has no encryption algorithm");
		return -1;
	}
	return 0;
}

int proposal_check_ike(const struct sa_payload *sa, const struct profile *p,
		       struct ike_algs *algs, uint8_t *spi, struct verr *e)
{
	uint16_t got[6], keylen;

	if (check_choice(sa, false, false, p->ike, p->n_ike, got, &keylen,
			 e) < 0)
		return -1;
	/* IKE_SA_INIT has none (the header carries the SPIs); a rekey's
	 * proposal carries the new SA's (RFC 7296 3.3.1). */
	if (sa->p[0].spi_size != (spi ? 8 : 0)) {
		verr_set(e, "IKE proposal with a %u-byte SPI",
			 sa->p[0].spi_size);
		return -1;
	}
	if (spi)
		memcpy(spi, sa->p[0].spi, 8);
	if (!got[TRANS_PRF] || !got[TRANS_DH]) {
		verr_set(e, "chosen IKE proposal lacks a PRF or DH group");
		return -1;
	}
	if (!encr_is_aead(got[TRANS_ENCR]) && !got[TRANS_INTEG]) {
		verr_set(e, "chosen IKE proposal lacks integrity protection");
		return -1;
	}
	algs->encr = got[TRANS_ENCR];
	algs->encr_keylen = keylen;
	algs->integ = got[TRANS_INTEG];
	algs->prf = got[TRANS_PRF];
	algs->dh = got[TRANS_DH];
	return 0;
}

/* RFC 7296 3.3.3: ESN is mandatory in an ESP proposal. got[] cannot
 * tell "no ESN" from "ESN transform 0", so look at the transforms. */
static bool seen_esn(const struct ike_proposal *pp)
{
	size_t i;

	for (i = 0; i < pp->n; i++)
		if (pp->t[i].type == TRANS_ESN)
			return true;
	return false;
}

int proposal_check_esp(const struct sa_payload *sa, const struct profile *p,
		       bool pfs, struct child_sa *child, uint16_t *dh,
		       struct verr *e)
{
	uint16_t got[6], keylen;

	if (check_choice(sa, true, pfs, p->esp, p->n_esp, got, &keylen, e) < 0)
		return -1;
	if (sa->p[0].spi_size != 4) {
		verr_set(e, "ESP proposal with a %u-byte SPI",
			 sa->p[0].spi_size);
		return -1;
	}
	if (!encr_is_aead(got[TRANS_ENCR]) && !got[TRANS_INTEG]) {
		verr_set(e, "chosen ESP proposal lacks integrity protection");
		return -1;
	}
	if (!seen_esn(&sa->p[0])) {
		verr_set(e, "chosen ESP proposal has no ESN transform");
		return -1;
	}
	child->encr = got[TRANS_ENCR];
	child->encr_keylen = keylen;
	child->integ = got[TRANS_INTEG];
	child->esn = got[TRANS_ESN];
	memcpy(child->spi_out, sa->p[0].spi, 4);
	if (dh)
		*dh = got[TRANS_DH];
	return 0;
}

/* The first transform of a type in the gateway's proposal that we offer
 * too; false when the proposal has that type and we share none. Absent
 * types leave *out untouched. */
static bool pick(const struct ike_proposal *theirs,
		 const struct ike_proposal *ours, uint8_t type,
		 struct ike_transform *out, bool *present)
{
	size_t i;

	*present = false;
	for (i = 0; i < theirs->n; i++) {
		if (theirs->t[i].type != type)
			continue;
		*present = true;
		if (offered(ours, &theirs->t[i])) {
			*out = theirs->t[i];
			return true;
		}
	}
	return !*present;
}

/* One of our sets against one of the gateway's proposals (ESP, or IKE
 * in a rekey of the IKE SA). */
static bool choose_from(const struct ike_proposal *theirs,
			const struct alg_set *set, bool esp,
			struct ike_proposal *reply)
{
	static const uint8_t types[] = { TRANS_ENCR, TRANS_PRF, TRANS_INTEG,
					 TRANS_DH, TRANS_ESN };
	struct ike_proposal ours;
	struct ike_transform t;
	bool present, have[6] = { false };
	size_t i;

	memset(&ours, 0, sizeof(ours));
	fill_proposal(&ours, set, esp, true);
	reply->n = 0;
	for (i = 0; i < sizeof(types); i++) {
		memset(&t, 0, sizeof(t));
		if (!pick(theirs, &ours, types[i], &t, &present))
			return false;
		if (present) {
			reply->t[reply->n++] = t;
			have[types[i]] = true;
		}
	}
	if (!have[TRANS_ENCR] ||
	    !(have[TRANS_INTEG] || encr_is_aead(reply->t[0].id)))
		return false;
	/* An IKE SA always has a PRF and a DH group (2.18: the rekey
	 * must carry a KE); a set with DH groups asks for PFS: no
	 * downgrade to none. */
	if (!esp)
		return have[TRANS_PRF] && have[TRANS_DH] && !have[TRANS_ESN];
	return have[TRANS_ESN] && (have[TRANS_DH] || set->n_dh == 0);
}

/* The algorithms of a chosen proposal, one transform per type. */
static void take_choice(const struct ike_proposal *chosen,
			struct child_sa *child, uint16_t *dh)
{
	size_t i;

	*dh = DH_NONE;
	for (i = 0; i < chosen->n; i++) {
		const struct ike_transform *t = &chosen->t[i];

		if (t->type == TRANS_ENCR) {
			child->encr = t->id;
			child->encr_keylen = t->keylen;
		} else if (t->type == TRANS_INTEG) {
			child->integ = t->id;
		} else if (t->type == TRANS_ESN) {
			child->esn = t->id;
		} else if (t->type == TRANS_DH) {
			*dh = t->id;
		}
	}
}

/* The first of the gateway's proposals for proto (with spi_size-byte
 * SPIs) that one of our sets covers, reduced to one transform per type
 * and given our SPI, into reply->p[0]; its index in offer, or -1. */
static int choose(const struct sa_payload *offer, uint8_t proto,
		  uint8_t spi_size, const struct alg_set *sets, size_t n_sets,
		  const uint8_t *spi, struct sa_payload *reply)
{
	size_t i, j;

	memset(reply, 0, sizeof(*reply));
	for (i = 0; i < offer->n; i++) {
		const struct ike_proposal *pp = &offer->p[i];

		if (pp->proto != proto || pp->spi_size != spi_size)
			continue;
		for (j = 0; j < n_sets; j++) {
			if (!choose_from(pp, &sets[j], proto == PROTO_ESP,
					 &reply->p[0]))
				continue;
			reply->n = 1;
			reply->p[0].num = pp->num;
			reply->p[0].proto = proto;
			reply->p[0].spi_size = spi_size;
			memcpy(reply->p[0].spi, spi, spi_size);
			return (int)i;
		}
	}
	return -1;
}

int proposal_choose_esp(const struct sa_payload *offer,
			const struct profile *p, const uint8_t spi[4],
			struct sa_payload *reply, struct child_sa *child,
			uint16_t *dh, struct verr *e)
{
	int i = choose(offer, PROTO_ESP, 4, p->esp, p->n_esp, spi, reply);

	if (i < 0) {
		verr_set(e, "none of the gateway's %zu ESP proposals is acceptable",
			 offer->n);
		return -1;
	}
	take_choice(&reply->p[0], child, dh);
	memcpy(child->spi_out, offer->p[i].spi, 4);
	return 0;
}

int proposal_choose_ike(const struct sa_payload *offer,
			const struct profile *p, const uint8_t spi[8],
			struct sa_payload *reply, struct ike_algs *algs,
			uint8_t peer_spi[8], struct verr *e)
{
	int i = choose(offer, PROTO_IKE, 8, p->ike, p->n_ike, spi, reply);
	const struct ike_proposal *pp = &reply->p[0];
	size_t k;

	if (i < 0) {
		verr_set(e, "none of the gateway's %zu IKE proposals is acceptable",
			 offer->n);
		return -1;
	}
	memset(algs, 0, sizeof(*algs));
	for (k = 0; k < pp->n; k++) {
		const struct ike_transform *t = &pp->t[k];

		if (t->type == TRANS_ENCR) {
			algs->encr = t->id;
			algs->encr_keylen = t->keylen;
		} else if (t->type == TRANS_PRF) {
			algs->prf = t->id;
		} else if (t->type == TRANS_INTEG) {
			algs->integ = t->id;
		} else if (t->type == TRANS_DH) {
			algs->dh = t->id;
		}
	}
	memcpy(peer_spi, offer->p[i].spi, 8);
	return 0;
}

bool proposal_offers_dh(const struct profile *p, uint16_t group)
{
	size_t i, j;

	for (i = 0; i < p->n_ike; i++)
		for (j = 0; j < p->ike[i].n_dh; j++)
			if (p->ike[i].dh[j] == group)
				return true;
	return false;
}

uint16_t proposal_first_dh(const struct profile *p)
{
	return p->n_ike && p->ike[0].n_dh ? p->ike[0].dh[0] : DH_NONE;
}
