/* The responder's IKE SA table: a few fixed slots, enough for tests. A
 * dead SA is kept (to answer retransmits) until its slot is needed. */
#include <string.h>

#include "r_internal.h"

void r_sa_clear(struct r_sa *sa)
{
	r_rekey_clear(&sa->rk);
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
static struct r_sa *oldest_established(struct responder *r)
{
	struct r_sa *old = NULL;
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++) {
		struct r_sa *sa = &r->sas[i];

		if (sa->state == RSA_ESTABLISHED &&
		    (!old || sa->established_seq < old->established_seq))
			old = sa;
	}
	return old;
}

struct r_sa *r_sa_new(struct responder *r)
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
		victim = oldest_established(r);
	if (!victim)
		return NULL;
	r_sa_clear(victim);
	wb_init(&victim->last_resp);
	wb_init(&victim->last_req);
	do {
		random_bytes(victim->spi_r, 8);
	} while (!memcmp(victim->spi_r, "\0\0\0\0\0\0\0\0", 8));
	return victim;
}

/* spi_r NULL: any SA of that initiator SPI (IKE_SA_INIT retransmits). */
struct r_sa *r_sa_find(struct responder *r, const uint8_t spi_i[8],
		       const uint8_t *spi_r)
{
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++) {
		struct r_sa *sa = &r->sas[i];

		if (sa->state == RSA_FREE || memcmp(sa->spi_i, spi_i, 8))
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
