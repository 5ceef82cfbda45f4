/* RFC 5723 4.3.1: asking for a resumption ticket in IKE_AUTH and keeping
 * what the gateway answers in the ticket store (src/ticket). Resuming
 * with it (IKE_SESSION_RESUME) is not implemented yet. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "child.h"
#include "ike_sa.h"
#include "vpnd/log.h"
#include "vpnd/ticket.h"

static struct ticket_store *store;
static char store_dir[PATH_MAX + 16];

static struct ticket_store *store_get(struct verr *e)
{
	char dir[PATH_MAX + 16];

	if (!hostcfg_state_dir()) {
		verr_set(e, "no state directory for tickets");
		return NULL;
	}
	snprintf(dir, sizeof(dir), "%s/tickets", hostcfg_state_dir());
	if (store && !strcmp(dir, store_dir))
		return store;
	ticket_store_close(store);
	store = ticket_store_open(dir, e);
	snprintf(store_dir, sizeof(store_dir), "%s", store ? dir : "");
	return store;
}

void ticket_add_request(struct ike_sa *sa, struct pl_chain *c)
{
	if (sa->prof->resume_enabled)
		notify_build(c, 0, NULL, 0, N_TICKET_REQUEST, NULL, 0);
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
	struct ticket_store *s = store_get(e);
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
	sockaddr_str(&sa->peer, gw, sizeof(gw));
	*strchrnul(gw, '[') = '\0';
	snprintf(t.gateway, sizeof(t.gateway), "%s", gw);
	rc = ticket_save(s, sa->prof->name, &t, e);
	ticket_wipe(&t);
	return rc;
}

void ticket_take_response(struct ike_sa *sa, const struct payload_list *pl)
{
	struct notify_payload n;
	struct verr e = { { 0 } };
	const uint8_t *ticket;
	size_t len;
	uint32_t lifetime;

	if (!sa->prof->resume_enabled)
		return;
	if (find_notify(pl, N_TICKET_LT_OPAQUE, &n)) {
		if (notify_ticket_lt_parse(n.data, n.len, &lifetime, &ticket,
					   &len, &e) < 0 ||
		    store_ticket(sa, lifetime, ticket, len, &e) < 0) {
			sa_progress(sa, "resumption ticket not kept: %s", e.msg);
			return;
		}
		sa_progress(sa, "resumption ticket stored (valid %u s)",
			    lifetime);
	} else if (find_notify(pl, N_TICKET_NACK, &n)) {
		if (store_get(&e))
			ticket_drop(store, sa->prof->name);
		sa_progress(sa, "gateway declined to issue a resumption ticket (TICKET_NACK)");
	} else if (find_notify(pl, N_TICKET_ACK, &n)) {
		sa_progress(sa, "gateway will send a resumption ticket later (TICKET_ACK)");
	} else {
		sa_progress(sa, "gateway ignored the resumption ticket request");
	}
}

void ticket_describe(const struct profile *p, struct wbuf *out)
{
	struct ticket_info info;
	struct verr e = { { 0 } };
	time_t now = time(NULL);

	if (!p->resume_enabled || !store_get(&e))
		return;
	if (ticket_peek(store, p->name, now, &info) == TICKET_OK)
		wb_printf(out, "  resumption ticket: from %s, valid %lld s more, GSC %u\n",
			  info.gateway, (long long)(info.expires - now),
			  info.gsc);
}
