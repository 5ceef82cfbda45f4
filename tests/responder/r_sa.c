/* The responder's IKE SA table: a few fixed slots, enough for tests. A
 * dead SA is kept (to answer retransmits) until its slot is needed.
 * Messages find their SA by our own SPI, whichever role we have on it
 * (RFC 7296 2.2: after a rekey we started, ours is the initiator's). */
#include <string.h>

#include "r_internal.h"

static const uint8_t zero_spi[8];

void r_sa_clear(struct r_sa *sa)
{
	r_ike_rekey_disarm(sa);
	r_ike_rekey_clear(&sa->ikr);
	r_rekey_clear(&sa->rk);
	r_eap_clear(sa);
	ike_keys_wipe(&sa->keys);
	chunk_free(&sa->ni);
	chunk_free(&sa->nr);
	chunk_free(&sa->init_req);
	chunk_free(&sa->init_resp);
	wb_free(&sa->last_resp);
	wb_free(&sa->last_req);
	memset(sa, 0, sizeof(*sa));
}

/* A table full of live SAs gives up the one established longest ago:
 * a real gateway would have seen that client go by now. */
static struct r_sa *oldest_established(struct responder *r,
				       const struct r_sa *keep)
{
	struct r_sa *old = NULL;
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++) {
		struct r_sa *sa = &r->sas[i];

		if (sa->state == RSA_ESTABLISHED && sa != keep &&
		    (!old || sa->established_seq < old->established_seq))
			old = sa;
	}
	return old;
}

const uint8_t *r_sa_our_spi(const struct r_sa *sa)
{
	return sa->we_initiator ? sa->spi_i : sa->spi_r;
}

struct r_sa *r_sa_by_our_spi(struct responder *r, const uint8_t spi[8])
{
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++)
		if (r->sas[i].state != RSA_FREE &&
		    !memcmp(r_sa_our_spi(&r->sas[i]), spi, 8))
			return &r->sas[i];
	return NULL;
}

void r_sa_new_spi(struct responder *r, uint8_t spi[8])
{
	do {
		random_bytes(spi, 8);
	} while (!memcmp(spi, zero_spi, 8) || r_sa_by_our_spi(r, spi));
}

struct r_sa *r_sa_new_keep(struct responder *r, const struct r_sa *keep)
{
	struct r_sa *victim = NULL;
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++) {
		if (r->sas[i].state == RSA_FREE) {
			victim = &r->sas[i];
			break;
		}
		if (r->sas[i].state == RSA_DEAD && !victim)
			victim = &r->sas[i];
	}
	if (!victim)
		victim = oldest_established(r, keep);
	if (!victim)
		return NULL;
	r_sa_clear(victim);
	wb_init(&victim->last_resp);
	wb_init(&victim->last_req);
	victim->owner = r;
	r_sa_new_spi(r, victim->spi_r);
	return victim;
}

struct r_sa *r_sa_new(struct responder *r)
{
	return r_sa_new_keep(r, NULL);
}

struct r_sa *r_sa_route(struct responder *r, const struct ike_hdr *h)
{
	bool from_initiator = h->flags & IKE_FLAG_I;
	struct r_sa *sa = r_sa_by_our_spi(r, from_initiator ? h->spi_r :
							       h->spi_i);

	if (!sa)
		return NULL;
	/* The I flag says who the sender is on this SA: it must be the
	 * side we are not, and the other SPI its own. */
	if (sa->we_initiator == from_initiator ||
	    memcmp(from_initiator ? sa->spi_i : sa->spi_r,
		   from_initiator ? h->spi_i : h->spi_r, 8))
		return NULL;
	return sa;
}

/* spi_r NULL: any SA of that initiator SPI (IKE_SA_INIT retransmits). */
struct r_sa *r_sa_find(struct responder *r, const uint8_t spi_i[8],
		       const uint8_t *spi_r)
{
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++) {
		struct r_sa *sa = &r->sas[i];

		if (sa->state == RSA_FREE || sa->we_initiator ||
		    memcmp(sa->spi_i, spi_i, 8))
			continue;
		if (!spi_r || !memcmp(sa->spi_r, spi_r, 8))
			return sa;
	}
	return NULL;
}

struct r_sa *r_sa_newest(struct responder *r)
{
	struct r_sa *best = NULL;
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++) {
		struct r_sa *sa = &r->sas[i];

		if (sa->state == RSA_ESTABLISHED &&
		    (!best || sa->established_seq > best->established_seq))
			best = sa;
	}
	return best;
}
