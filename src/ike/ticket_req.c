/* RFC 5723 4.3.1: asking for a resumption ticket in IKE_AUTH (and again
 * in an INFORMATIONAL before it expires), keeping what the gateway
 * answers in the ticket store (src/ticket), and taking it out again for
 * a resume (resume.c). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "child.h"
#include "engine_int.h"
#include "ike_sa.h"
#include "vpnd/log.h"
#include "vpnd/ticket.h"

/* The engine's store under <state dir>/tickets, opened on first use. */
static struct ticket_store *store_get(struct engine *eng, struct verr *e)
{
	char dir[PATH_MAX + 16];

	if (eng->tickets)
		return eng->tickets;
	if (!eng->state_dir) {
		verr_set(e, "no state directory for tickets");
		return NULL;
	}
	snprintf(dir, sizeof(dir), "%s/tickets", eng->state_dir);
	eng->tickets = ticket_store_open(dir, e);
	return eng->tickets;
}

void ticket_add_request(struct ike_sa *sa, struct pl_chain *c)
{
	/* Draft 5.2: S, we store the ticket; L, tell us the backups. */
	static const uint8_t flags = RESUME_FLAG_CLIENT_STORAGE |
				     RESUME_FLAG_GW_LIST;

	if (!sa->prof->resume_enabled)
		return;
	notify_build(c, 0, NULL, 0, N_TICKET_REQUEST, NULL, 0);
	if (vendor_agreed(sa, "not sending VPND_RESUMPTION_SUPPORTED"))
		notify_build(c, 0, NULL, 0, N_VPND_RESUMPTION_SUPPORTED,
			     &flags, 1);
}

static void copy_id(struct ticket_id *t, uint8_t type, const struct chunk *c)
{
	t->type = type;
	t->len = c->len < sizeof(t->data) ? c->len : sizeof(t->data);
	memcpy(t->data, c->p, t->len);
}

static int store_ticket(struct ike_sa *sa, uint32_t lifetime,
			const uint8_t *ticket, size_t len, struct verr *e)
{
	static struct resume_ticket t;
	struct ticket_store *s = store_get(sa->eng, e);
	char gw[64];
	int rc;

	if (!s)
		return -1;
	if (len == 0 || len > sizeof(t.ticket) ||
	    sa->keys.sk_d.len > sizeof(t.sk_d)) {
		verr_set(e, "ticket of %zu bytes cannot be stored", len);
		return -1;
	}
	memset(&t, 0, sizeof(t));
	memcpy(t.ticket, ticket, len);
	t.ticket_len = len;
	t.expires = ticket_expiry(time(NULL), lifetime);
	t.prf = sa->algs.prf;
	t.encr = sa->algs.encr;
	t.encr_keylen = sa->algs.encr_keylen;
	t.integ = sa->algs.integ;
	memcpy(t.sk_d, sa->keys.sk_d.p, sa->keys.sk_d.len);
	t.sk_d_len = sa->keys.sk_d.len;
	copy_id(&t.idi, sa->my_id_type, &sa->my_id);
	copy_id(&t.idr, sa->peer_id_type, &sa->peer_id);
	t.has_vip4 = sa->cfg.has_ip4;
	memcpy(t.vip4, sa->cfg.ip4, 4);
	t.has_vip6 = sa->cfg.has_ip6;
	memcpy(t.vip6, sa->cfg.ip6, 16);
	t.gsc = sa->gsc;
	t.gw_vpnd = sa->peer_vpnd;
	sa_copy_backups(sa, &t);
	sockaddr_str(&sa->peer, gw, sizeof(gw));
	*strchrnul(gw, '[') = '\0';
	snprintf(t.gateway, sizeof(t.gateway), "%s", gw);
	rc = ticket_save(s, sa->prof->name, &t, e);
	ticket_wipe(&t);
	return rc;
}

static void take_backups(struct ike_sa *sa, const struct payload_list *pl)
{
	struct gw_ident gws[TICKET_MAX_BACKUPS];
	struct notify_payload n;
	struct verr e = { { 0 } };
	size_t count;

	if (!find_notify(pl, N_VPND_ALT_GW_LIST, &n) ||
	    !vendor_agreed(sa, "ignoring a VPND_ALT_GW_LIST"))
		return;
	if (notify_alt_gw_list_parse(n.data, n.len, gws, TICKET_MAX_BACKUPS,
				     &count, &e) < 0) {
		log_warn("ignoring the gateway's backup list: %s", e.msg);
		return;
	}
	sa_learn_backups(sa, gws, count);
}

static void refresh_arm(struct ike_sa *sa, uint32_t lifetime);

void ticket_take_response(struct ike_sa *sa, const struct payload_list *pl)
{
	struct notify_payload n;
	struct verr e = { { 0 } };
	const uint8_t *ticket;
	size_t len;
	uint32_t lifetime;

	if (!sa->prof->resume_enabled)
		return;
	take_backups(sa, pl);
	if (find_notify(pl, N_TICKET_LT_OPAQUE, &n)) {
		if (notify_ticket_lt_parse(n.data, n.len, &lifetime, &ticket,
					   &len, &e) < 0 ||
		    store_ticket(sa, lifetime, ticket, len, &e) < 0) {
			sa_progress(sa, "resumption ticket not kept: %s", e.msg);
			return;
		}
		sa_progress(sa, "resumption ticket stored (valid %u s, GSC %u)",
			    lifetime, sa->gsc);
		refresh_arm(sa, lifetime);
	} else if (find_notify(pl, N_TICKET_NACK, &n)) {
		if (store_get(sa->eng, &e))
			ticket_drop(sa->eng->tickets, sa->prof->name);
		sa_progress(sa, "gateway declined to issue a resumption ticket (TICKET_NACK)");
	} else if (find_notify(pl, N_TICKET_ACK, &n)) {
		sa_progress(sa, "gateway will send a resumption ticket later (TICKET_ACK)");
	} else {
		sa->tickets_ignored = true;
		sa_progress(sa, "gateway ignored the resumption ticket request");
	}
}

bool ticket_stored(struct engine *eng, const struct profile *p,
		   struct ticket_info *info)
{
	struct verr e = { { 0 } };

	return p->resume_enabled && store_get(eng, &e) &&
	       ticket_peek(eng->tickets, p->name, time(NULL), info) ==
		       TICKET_OK;
}

/* A ticket is asked for again before it runs out, so that failover
 * always has one (RFC 5723 4.3.1 allows the request in INFORMATIONAL). */
#define REFRESH_MARGIN_S 60
#define REFRESH_MIN_S 5

static int refresh_send(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, N_TICKET_REQUEST, NULL, 0);
	sa_progress(sa, "asking the gateway for a fresh resumption ticket");
	rc = sa_send_protected(sa, EXCH_INFORMATIONAL, &inner, c.first);
	wb_free(&inner);
	if (rc < 0)
		verr_set(e, "cannot ask for a fresh ticket");
	return rc;
}

static enum task_rc refresh_answered(struct ike_sa *sa, struct ike_task *t,
				     const struct ike_msg *m)
{
	ticket_take_response(sa, m->pl);
	return TASK_DONE;
}

static const struct ike_task_ops refresh_ops = {
	.name = "ticket refresh",
	.start = refresh_send,
	.response = refresh_answered,
};

static void ticket_refresh(struct ike_sa *sa)
{
	struct verr e = { { 0 } };

	loop_timer_cancel(sa->loop, sa->refresh_timer);
	sa->refresh_timer = 0;
	if (sa->state != IKE_ESTABLISHED || sa->orphan ||
	    sa_has_task(sa, &refresh_ops))
		return;
	if (sa_queue_new(sa, &refresh_ops, &e) < 0)
		log_warn("%s: could not ask for a fresh ticket: %s",
			 sa->prof->name, e.msg);
}

static void on_refresh(void *ctx)
{
	struct ike_sa *sa = ctx;

	sa->refresh_timer = 0;
	ticket_refresh(sa);
}

void ticket_refresh_after(struct ike_sa *sa, unsigned ms)
{
	loop_timer_cancel(sa->loop, sa->refresh_timer);
	sa->refresh_timer = loop_timer(sa->loop, ms, on_refresh, sa);
}

static void refresh_arm(struct ike_sa *sa, uint32_t lifetime)
{
	uint32_t after = lifetime > TICKET_LIFETIME_MAX ? TICKET_LIFETIME_MAX :
							  lifetime;

	after = after > 2 * REFRESH_MARGIN_S ? after - REFRESH_MARGIN_S :
					       after / 2;
	if (after < REFRESH_MIN_S)
		after = REFRESH_MIN_S;
	loop_timer_cancel(sa->loop, sa->refresh_timer);
	sa->refresh_timer = loop_timer(sa->loop, after * 1000u, on_refresh, sa);
}

struct resume_ticket *ticket_take_for(struct engine *eng,
				      const struct profile *p, char *why,
				      size_t whylen)
{
	struct resume_ticket *t;
	struct verr e = { { 0 } };
	enum ticket_status st;

	snprintf(why, whylen, "resumption is off");
	if (!p->resume_enabled)
		return NULL;
	if (!store_get(eng, &e)) {
		snprintf(why, whylen, "ticket store unavailable: %s", e.msg);
		return NULL;
	}
	t = secure_zalloc(sizeof(*t));
	if (!t) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	st = ticket_take(eng->tickets, p->name, time(NULL), t, &e);
	if (st == TICKET_OK)
		return t;
	switch (st) {
	case TICKET_NONE:
		snprintf(why, whylen, "no ticket from an earlier session");
		break;
	case TICKET_EXPIRED:
		snprintf(why, whylen, "the stored ticket had expired");
		break;
	case TICKET_REJECTED:
		snprintf(why, whylen, "the stored ticket was damaged: %s",
			 e.msg);
		break;
	default:
		snprintf(why, whylen, "cannot read the stored ticket: %s",
			 e.msg);
		break;
	}
	secure_free(t, sizeof(*t));
	return NULL;
}

void ticket_release(struct resume_ticket *t)
{
	secure_free(t, sizeof(*t));
}

void ticket_put_back(struct engine *eng, const struct profile *p,
		     const struct resume_ticket *t)
{
	struct verr e = { { 0 } };

	if (!store_get(eng, &e) || ticket_save(eng->tickets, p->name, t, &e) < 0)
		log_warn("%s: cannot keep the unused ticket: %s", p->name,
			 e.msg);
}

void ticket_forget(struct engine *eng, const struct profile *p)
{
	struct verr e = { { 0 } };

	if (p->resume_enabled && store_get(eng, &e))
		ticket_drop(eng->tickets, p->name);
}
