/* RFC 4478 and reauthentication: N(AUTH_LIFETIME) tells the initiator
 * when to authenticate again, which it does with a whole new IKE SA
 * (IKE_SA_INIT + IKE_AUTH) before deleting the old one (make-before-
 * break, RFC 7296 2.8.3), asking for the virtual IP it has. With
 * expect_reauth the gateway recognises that by the IDi. */
#include <arpa/inet.h>
#include <string.h>

#include "r_internal.h"

void r_reauth_lifetime(struct responder *r, struct pl_chain *c)
{
	uint8_t life[4];

	if (!r->cfg.auth_lifetime)
		return;
	put_u32(life, r->cfg.auth_lifetime);
	notify_build(c, 0, NULL, 0, R_N_AUTH_LIFETIME, life, sizeof(life));
	r->st.auth_lifetimes_sent++;
}

static bool same_idi(const struct r_sa *a, const struct r_sa *b)
{
	return a->idi.len && a->idi.type == b->idi.type &&
	       a->idi.len == b->idi.len &&
	       !memcmp(a->idi.data, b->idi.data, a->idi.len);
}

/* The newest other SA up with sa's IDi. */
static struct r_sa *older_of(struct responder *r, const struct r_sa *sa)
{
	struct r_sa *best = NULL;
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++) {
		struct r_sa *o = &r->sas[i];

		if (o == sa || o->state != RSA_ESTABLISHED || !same_idi(o, sa))
			continue;
		if (!best || o->established_seq > best->established_seq)
			best = o;
	}
	return best;
}

/* The INTERNAL_IP4_ADDRESS the CP request asks for, if it names one. */
static bool vip_asked(const struct r_msg *m, uint8_t out[4])
{
	const struct ike_payload *p = payload_find(&m->pl, PL_CP);
	static struct cp_payload cp;
	size_t i;

	if (!p || cp_parse(p->body, p->len, &cp, NULL) < 0 ||
	    cp.cfg_type != CFG_REQUEST)
		return false;
	for (i = 0; i < cp.n; i++)
		if (cp.a[i].type == CFG_INTERNAL_IP4_ADDRESS &&
		    cp.a[i].len == 4) {
			memcpy(out, cp.a[i].val, 4);
			return true;
		}
	return false;
}

void r_reauth_note(struct responder *r, struct r_sa *sa,
		   const struct r_msg *m)
{
	struct r_sa *old;
	uint8_t vip[4];
	char text[INET_ADDRSTRLEN] = "-";
	bool asked, same;

	if (!r->cfg.expect_reauth || sa->resumed || !(old = older_of(r, sa)))
		return;
	asked = vip_asked(m, vip);
	same = asked && old->has_vip4 && !memcmp(vip, old->vip4, 4);
	if (asked)
		inet_ntop(AF_INET, vip, text, sizeof(text));
	old->reauthed = true;
	r->st.reauths++;
	r->st.reauth_vip_asked += asked;
	r->st.reauth_vip_same += same;
	memcpy(r->st.reauth_old_spi_i, old->spi_i, 8);
	memcpy(r->st.reauth_new_spi_i, sa->spi_i, 8);
	r_event(r, "event=reauth old_spi_i=%016llx new_spi_i=%016llx "
		"vip_asked=%s same_vip=%d", r_spi64(old->spi_i),
		r_spi64(sa->spi_i), text, same);
}

/* The address to give a reauthentication that asks for its old one. */
bool r_reauth_vip(struct responder *r, const struct r_sa *sa,
		  const struct r_msg *m, uint8_t out[4])
{
	struct r_sa *old;
	uint8_t vip[4];

	if (!r->cfg.expect_reauth || !(old = older_of(r, sa)) ||
	    !old->has_vip4 || !vip_asked(m, vip) || memcmp(vip, old->vip4, 4))
		return false;
	memcpy(out, vip, 4);
	return true;
}

void r_reauth_gone(struct responder *r, struct r_sa *sa)
{
	if (!sa->reauthed || sa->state != RSA_ESTABLISHED)
		return;
	r->st.reauth_old_deleted++;
	r_event(r, "event=reauth_old_deleted spi_i=%016llx spi_r=%016llx",
		r_spi64(sa->spi_i), r_spi64(sa->spi_r));
}
