/* Proposal choice as a permissive gateway makes it: the first offered
 * proposal we can serve, with the first supported transform of each type
 * (RFC 7296 2.7, 3.3.6). */
#include <string.h>

#include "r_internal.h"

/* child_dh: an ESP proposal of a CREATE_CHILD_SA, whose DH groups are
 * for PFS; in IKE_AUTH they are ignored (RFC 7296 1.2). */
static bool transform_ok(uint8_t proto, bool child_dh,
			 const struct ike_transform *t)
{
	switch (t->type) {
	case TRANS_ENCR:
		return encr_supported(t->id, t->keylen);
	case TRANS_PRF:
		return proto == PROTO_IKE && prf_supported(t->id);
	case TRANS_INTEG:
		return integ_supported(t->id);
	case TRANS_DH:
		return (proto == PROTO_IKE || child_dh) &&
		       dh_supported(t->id);
	case TRANS_ESN:
		return proto == PROTO_ESP &&
		       (t->id == ESN_NO || t->id == ESN_YES);
	}
	return false;
}

static const struct ike_transform *pick(const struct ike_proposal *p,
					bool child_dh, uint8_t type,
					uint16_t prefer)
{
	const struct ike_transform *first = NULL;
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct ike_transform *t = &p->t[i];

		if (t->type != type || !transform_ok(p->proto, child_dh, t))
			continue;
		if (prefer && t->id == prefer)
			return t;
		if (!first)
			first = t;
	}
	return first;
}

static void put(struct ike_proposal *out, const struct ike_transform *t)
{
	if (t && out->n < SA_MAX_TRANSFORMS)
		out->t[out->n++] = *t;
}

/* Whether the proposal asks for a DH group other than NONE (id 0). */
static bool wants_dh(const struct ike_proposal *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->t[i].type == TRANS_DH && p->t[i].id != 0)
			return true;
	return false;
}

static bool reduce(const struct ike_proposal *p, bool child_dh,
		   uint16_t prefer_dh, struct ike_proposal *out)
{
	const struct ike_transform *encr = pick(p, child_dh, TRANS_ENCR, 0);
	const struct ike_transform *prf = pick(p, child_dh, TRANS_PRF, 0);
	const struct ike_transform *integ = pick(p, child_dh, TRANS_INTEG, 0);
	const struct ike_transform *dh = pick(p, child_dh, TRANS_DH,
					      prefer_dh);
	const struct ike_transform *esn = pick(p, child_dh, TRANS_ESN, 0);
	bool ike = p->proto == PROTO_IKE;

	if (!encr)
		return false;
	/* With an AEAD no INTEG transform is chosen, even if offered. */
	if (encr_is_aead(encr->id))
		integ = NULL;
	else if (!integ)
		return false;
	if (ike && (!prf || !dh))
		return false;
	/* PFS asked for in a group we lack: this proposal cannot be served
	 * (a DH of NONE offered beside it would allow none, but nobody
	 * sends that). */
	if (child_dh && !dh && wants_dh(p))
		return false;
	memset(out, 0, sizeof(*out));
	out->num = p->num;
	out->proto = p->proto;
	put(out, encr);
	if (ike)
		put(out, prf);
	put(out, integ);
	if (ike)
		put(out, dh);
	else
		put(out, esn);
	if (!ike && child_dh)
		put(out, dh);
	return true;
}

int r_choose_proposal(const struct sa_payload *offer, uint8_t proto,
		      uint16_t prefer_dh, struct ike_proposal *out)
{
	size_t i;

	for (i = 0; i < offer->n; i++)
		if (offer->p[i].proto == proto &&
		    reduce(&offer->p[i], false, prefer_dh, out))
			return 0;
	return -1;
}

int r_choose_child_proposal(const struct sa_payload *offer,
			    uint16_t prefer_dh, struct ike_proposal *out)
{
	size_t i;

	for (i = 0; i < offer->n; i++)
		if (offer->p[i].proto == PROTO_ESP &&
		    reduce(&offer->p[i], true, prefer_dh, out))
			return 0;
	return -1;
}

const struct ike_proposal *r_proposal_numbered(const struct sa_payload *offer,
					       uint8_t num, uint8_t proto)
{
	size_t i;

	for (i = 0; i < offer->n; i++)
		if (offer->p[i].num == num && offer->p[i].proto == proto)
			return &offer->p[i];
	return NULL;
}

static bool offered(const struct ike_proposal *offer,
		    const struct ike_transform *t)
{
	size_t i;

	for (i = 0; i < offer->n; i++)
		if (offer->t[i].type == t->type && offer->t[i].id == t->id &&
		    offer->t[i].keylen == t->keylen)
			return true;
	return false;
}

const char *r_check_choice(const struct ike_proposal *got,
			   const struct ike_proposal *offer)
{
	bool seen[TRANS_ESN + 1] = { false };
	size_t i;

	if (got->proto != offer->proto)
		return "proposal of another protocol";
	if (got->num != offer->num)
		return "proposal number is not the one offered";
	for (i = 0; i < got->n; i++) {
		const struct ike_transform *t = &got->t[i];

		if (t->type > TRANS_ESN || !t->type || seen[t->type])
			return "two transforms of one type, or an unknown type";
		seen[t->type] = true;
		if (!offered(offer, t))
			return "a transform that was not offered";
	}
	for (i = 0; i < offer->n; i++)
		if (!seen[offer->t[i].type])
			return "an offered transform type is missing";
	if (got->spi_size != offer->spi_size)
		return offer->spi_size == 8 ? "SPI is not 8 bytes" :
					      "SPI is not 4 bytes";
	return NULL;
}

void r_tamper_proposal(struct ike_proposal *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->t[i].type == TRANS_ENCR)
			p->t[i].keylen = p->t[i].keylen == 256 ? 128 : 256;
}

uint16_t r_transform(const struct ike_proposal *p, uint8_t type,
		     uint16_t *keylen)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (p->t[i].type == type) {
			if (keylen)
				*keylen = p->t[i].keylen;
			return p->t[i].id;
		}
	}
	if (keylen)
		*keylen = 0;
	return 0;
}
