/* Our CREATE_CHILD_SA requests (RFC 7296 1.3): the rekey of the Child SA
 * (child_rekey.c, 1.3.3) and a new Child SA after the gateway could not
 * make one in IKE_AUTH (child_retry.c, 1.3.1) share the request, its
 * PFS exchange and the check of the answer's SA, Nr and KEr. */
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "ike_sa.h"
#include "vpnd/log.h"

#define NONCE_LEN 32

void child_create_end(struct ike_sa *sa, bool drop_pair)
{
	struct child_create *cc = sa->create;

	if (!cc)
		return;
	if (drop_pair && cc->next) {
		child_remove_pair(sa, cc->next);
		child_free(sa, cc->next);
	}
	if (cc->old && cc->old->state == CHILD_REKEYING)
		child_set_state(sa, cc->old, CHILD_INSTALLED);
	chunk_free(&sa->create->ni);
	chunk_free(&sa->create->their_ni);
	chunk_free(&sa->create->their_nr);
	dh_free(sa->create->dh);
	free(sa->create);
	sa->create = NULL;
}

/* The group a PFS request offers: the one the gateway asked for, else
 * the first of the first set (DH_NONE: no PFS). */
static uint16_t request_group(const struct ike_sa *sa)
{
	if (sa->rekey_group)
		return sa->rekey_group;
	return sa->prof->n_esp && sa->prof->esp[0].n_dh ?
		       sa->prof->esp[0].dh[0] : DH_NONE;
}

/* sa->create for a new pair (CREATING, with its SPI reserved under
 * old's reqid) and our nonce; 0 or -1. */
static int create_begin(struct ike_sa *sa, struct child_sa *old,
			const struct ts_payload *tsi,
			const struct ts_payload *tsr, struct verr *e)
{
	struct child_create *cc = sa->create = calloc(1, sizeof(*cc));

	if (!cc || !(cc->next = child_new(sa))) {
		verr_set(e, "out of memory");
		return -1;
	}
	cc->old = old;
	cc->next->reqid = old ? old->reqid : 0;
	cc->next->tsi = *tsi;
	cc->next->tsr = *tsr;
	if (child_reserve_spi(sa, cc->next, e) < 0 ||
	    !chunk_alloc(&cc->ni, NONCE_LEN) ||
	    random_bytes(cc->ni.p, NONCE_LEN) < 0)
		return -1;
	return 0;
}

int child_create_send(struct ike_sa *sa, struct child_sa *old,
		      const struct ts_payload *tsi,
		      const struct ts_payload *tsr, struct verr *e)
{
	struct child_create *cc;
	struct wbuf inner;
	struct pl_chain c;
	struct chunk pub = { 0 };
	uint16_t group = request_group(sa);
	int rc = -1;

	if (create_begin(sa, old, tsi, tsr, e) < 0)
		goto out;
	cc = sa->create;
	if (group != DH_NONE &&
	    (!(cc->dh = dh_new(group, e)) || dh_public(cc->dh, &pub) < 0))
		goto out;
	wb_init(&inner);
	chain_init(&c, &inner);
	if (old)
		notify_build(&c, PROTO_ESP, old->spi_in, 4, N_REKEY_SA, NULL,
			     0);
	proposal_build_esp(&c, sa->prof, cc->next->spi_in, true);
	chain_add(&c, PL_NONCE, cc->ni.p, cc->ni.len);
	if (group != DH_NONE)
		ke_build(&c, group, pub.p, pub.len);
	ts_build(&c, PL_TSI, tsi);
	ts_build(&c, PL_TSR, tsr);
	rc = sa_send_protected(sa, EXCH_CREATE_CHILD_SA, &inner, c.first);
	wb_free(&inner);
	if (rc == 0 && old)
		child_set_state(sa, old, CHILD_REKEYING);
out:
	chunk_free(&pub);
	if (rc < 0) {
		if (!e->msg[0])
			verr_set(e, "cannot build the CREATE_CHILD_SA request");
		child_create_end(sa, true);
	}
	return rc;
}

/* The gateway may name the group it wants (RFC 7296 1.3): one of ours
 * is tried at once. */
bool child_create_ke_hint(struct ike_sa *sa, const struct payload_list *pl)
{
	struct notify_payload n;
	uint16_t group;
	size_t i, j;

	if (!find_notify(pl, N_INVALID_KE_PAYLOAD, &n) ||
	    notify_invalid_ke_parse(n.data, n.len, &group, NULL) < 0 ||
	    group == sa->rekey_group)
		return false;
	for (i = 0; i < sa->prof->n_esp; i++)
		for (j = 0; j < sa->prof->esp[i].n_dh; j++)
			if (sa->prof->esp[i].dh[j] == group) {
				sa->rekey_group = group;
				return true;
			}
	return false;
}

/* We sent a KE: a choice without a DH group would drop PFS. */
static bool pfs_dropped(const struct child_create *cc, uint16_t group,
			struct verr *e)
{
	if (!cc->dh || group != DH_NONE)
		return false;
	verr_set(e, "gateway dropped the PFS group we asked for");
	return true;
}

static int take_ke(const struct child_create *cc, const struct payload_list *pl,
		   uint16_t group, struct chunk *gir, struct verr *e)
{
	const struct ike_payload *p_ke = payload_find(pl, PL_KE);
	struct ke_payload ke;

	if (!p_ke) {
		verr_set(e, "no KEr for the chosen %s", dh_name(group));
		return -1;
	}
	if (ke_parse(p_ke->body, p_ke->len, &ke, e) < 0)
		return -1;
	if (ke.group != group || !cc->dh || dh_group(cc->dh) != group) {
		verr_set(e, "KEr is not for the %s we offered", dh_name(group));
		return -1;
	}
	return dh_shared(cc->dh, ke.data, ke.len, gir, e);
}

int child_create_parse(struct ike_sa *sa, const struct payload_list *pl,
		       struct chunk *nr, struct chunk *gir, struct verr *e)
{
	const struct ike_payload *p_sa = payload_find(pl, PL_SA);
	const struct ike_payload *p_nr = payload_find(pl, PL_NONCE);
	static struct sa_payload chosen;
	struct child_create *cc = sa->create;
	uint16_t group = DH_NONE;

	if (!p_sa || !p_nr) {
		verr_set(e, "no SA or nonce in the answer");
		return -1;
	}
	if (sa_parse(p_sa->body, p_sa->len, &chosen, e) < 0 ||
	    proposal_check_esp(&chosen, sa->prof, true, cc->next, &group,
			       e) < 0 ||
	    pfs_dropped(cc, group, e) ||
	    nonce_parse(p_nr->body, p_nr->len, e) < 0 ||
	    (group != DH_NONE && take_ke(cc, pl, group, gir, e) < 0))
		return -1;
	if (!chunk_set(nr, p_nr->body, p_nr->len)) {
		verr_set(e, "out of memory");
		return -1;
	}
	return 0;
}

static void one_address(struct ts_payload *ts, uint8_t type,
			const uint8_t *addr, size_t len)
{
	struct ts_entry *t = &ts->ts[ts->n++];

	t->type = type;
	t->end_port = 0xffff;
	memcpy(t->start, addr, len);
	memcpy(t->end, addr, len);
}

/* Our side as one range per virtual IP (what the gateway narrowed
 * "dynamic" to in IKE_AUTH), else the offer of IKE_AUTH. */
void child_create_ts(const struct ike_sa *sa, struct ts_payload *tsi,
		     struct ts_payload *tsr)
{
	*tsr = sa->offered_tsr;
	*tsi = sa->offered_tsi;
	if (sa->prof->n_local_ts || (!sa->cfg.has_ip4 && !sa->cfg.has_ip6))
		return;
	memset(tsi, 0, sizeof(*tsi));
	if (sa->cfg.has_ip4)
		one_address(tsi, TS_IPV4_ADDR_RANGE, sa->cfg.ip4, 4);
	if (sa->cfg.has_ip6)
		one_address(tsi, TS_IPV6_ADDR_RANGE, sa->cfg.ip6, 16);
}
