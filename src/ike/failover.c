/* Resumption and gateway failover for a connection: which gateway to
 * talk to next, whether with a ticket (RFC 5723) or a full handshake,
 * and the gateway switch count of the failover draft (4.2.2).
 *
 * The candidates are the profile's gateways followed by the backups the
 * gateway announced. A resume that gets no answer keeps its ticket (the
 * gateway never saw it) and tries the next candidate with the same GSC,
 * as the draft allows; a resume the gateway answered but refused spends
 * the ticket and falls back to a full handshake with that gateway. */
#include <stdio.h>
#include <string.h>

#include "conn_int.h"
#include "vpnd/log.h"

#define MAX_CANDIDATES (PROFILE_MAX_GATEWAYS + TICKET_MAX_BACKUPS)

static size_t candidates(const struct conn *c, const char *out[])
{
	size_t n = 0, i, j;

	for (i = 0; i < c->prof.n_gateways; i++)
		out[n++] = c->prof.gateways[i];
	for (i = 0; i < c->n_backups; i++) {
		for (j = 0; j < n && strcmp(out[j], c->backups[i]); j++)
			;
		if (j == n)
			out[n++] = c->backups[i];
	}
	return n;
}

/* The candidate after the one we talk to now (the first if that one is
 * not in the list, e.g. after a redirect). */
static const char *next_candidate(const struct conn *c)
{
	const char *list[MAX_CANDIDATES];
	size_t n = candidates(c, list), i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], c->gateway))
			return list[(i + 1) % n];
	return list[0];
}

static size_t n_candidates(const struct conn *c)
{
	const char *list[MAX_CANDIDATES];

	return candidates(c, list);
}

static void take_ticket(struct conn *c)
{
	size_t i;

	ticket_release(c->ticket);
	c->ticket = ticket_take_for(c->eng, &c->prof, c->fallback_why,
				    sizeof(c->fallback_why));
	if (!c->ticket)
		return;
	c->fallback_why[0] = '\0';
	if (c->ticket->n_backups) {
		for (i = 0; i < c->ticket->n_backups &&
			    i < TICKET_MAX_BACKUPS; i++)
			snprintf(c->backups[i], sizeof(c->backups[i]), "%s",
				 c->ticket->backups[i]);
		c->n_backups = i;
	}
}

void failover_reset(struct conn *c)
{
	loop_timer_cancel(c->loop, c->retry_timer);
	c->retry_timer = 0;
	if (c->sa && c->sa->ticket == c->ticket)
		c->sa->ticket = NULL;
	ticket_release(c->ticket);
	c->ticket = NULL;
	c->attempts = 0;
	c->has_vip_hint = false;
}

const char *failover_connect(struct conn *c)
{
	failover_reset(c);
	c->was_up = false;
	c->retry_delay = 0;
	take_ticket(c);
	if (c->ticket && c->ticket->gateway[0])
		return c->ticket->gateway;
	return c->prof.gateways[0];
}

int failover_begin(struct conn *c, struct ike_sa *sa, bool as_next,
		   struct verr *e)
{
	sa->dh_ops = dh_op_count();
	sa->sig_ops = sig_op_count();
	if (!as_next && c->ticket) {
		if (c->ticket->gsc >= TICKET_GSC_MAX) {
			snprintf(c->fallback_why, sizeof(c->fallback_why),
				 "the ticket's GSC is at its maximum (%u)",
				 TICKET_GSC_MAX);
			failover_reset(c);
			ticket_forget(c->eng, &c->prof);
		} else {
			sa->ticket = c->ticket;
			sa->gsc = (uint8_t)(c->ticket->gsc + 1);
			if (ike_resume_queue(sa, e) == 0)
				return ike_auth_queue(sa, e);
			conn_progress(c, "cannot resume: %s", e->msg);
			snprintf(c->fallback_why, sizeof(c->fallback_why),
				 "%s", e->msg);
			sa->ticket = NULL;
			sa->gsc = 0;
			failover_reset(c);
		}
	}
	sa->gsc = 0;
	/* The whole handshake is queued at once; each exchange starts
	 * when the one before it is done. */
	if (ike_init_queue(sa, e) < 0)
		return -1;
	return ike_auth_queue(sa, e);
}

void sa_ticket_spent(struct ike_sa *sa)
{
	struct conn *c = sa->conn;

	if (sa->ticket && sa->ticket == c->ticket) {
		ticket_release(c->ticket);
		c->ticket = NULL;
	}
	sa->ticket = NULL;
	sa->ticket_spent = true;
}

/* Moves on to another gateway, or the same one, with a new SA. */
static void restart(struct conn *c, struct ike_sa *sa, const char *gateway)
{
	char gw[PROFILE_STR_MAX];

	snprintf(gw, sizeof(gw), "%s", gateway);
	if (sa->ticket == c->ticket)
		sa->ticket = NULL; /* the conn keeps it for the next try */
	conn_drop_sa(c, sa);
	conn_start_attempt(c, gw, false);
}

/* A move under way (redirect, GSC renewal) and the redirect's origin
 * mean nothing for the gateways we try now. */
static void forget_move(struct conn *c)
{
	if (c->next)
		conn_drop_sa(c, c->next);
	c->redir.have_from = false;
}

static void on_retry(void *ctx)
{
	struct conn *c = ctx;

	c->retry_timer = 0;
	c->attempts = 0;
	take_ticket(c);
	conn_progress(c, "trying again");
	conn_start_attempt(c, c->ticket && c->ticket->gateway[0] ?
				      c->ticket->gateway :
				      c->prof.gateways[0],
			   false);
}

/* A tunnel that was up and lost every gateway keeps trying, as a
 * roaming laptop wants once the network is back: after
 * reconnect-interval seconds, doubling up to RETRY_MAX_S. */
#define RETRY_MAX_S 300

static bool retry_later(struct conn *c, struct ike_sa *sa,
			enum conn_reason why, const char *msg,
			const char *what)
{
	unsigned delay, max;

	if (!c->prof.reconnect_interval)
		return false;
	delay = c->retry_delay ? c->retry_delay : c->prof.reconnect_interval;
	max = c->prof.reconnect_interval > RETRY_MAX_S ?
		      c->prof.reconnect_interval : RETRY_MAX_S;
	c->retry_delay = delay * 2 > max ? max : delay * 2;
	snprintf(c->last_error, sizeof(c->last_error), "%s", msg);
	forget_move(c);
	if (c->ticket) {
		/* Never sent (a name that did not resolve): keep it. */
		ticket_put_back(c->eng, &c->prof, c->ticket);
		ticket_release(c->ticket);
		c->ticket = NULL;
	}
	if (sa)
		conn_drop_sa(c, sa);
	conn_progress(c, "%s (%s); trying again in %u s", what, msg, delay);
	conn_note_change(c, why, "%s (%s); reconnecting in %u s", what, msg,
			 delay);
	c->retry_timer = loop_timer(c->loop, delay * 1000u, on_retry, c);
	return true;
}

/* A new SA for a connection that was up, with the ticket if there is
 * one, to the gateway named. */
/* A connection that was up starts over: every gateway may be tried
 * again, with the ticket the store has now. */
static void begin_reconnect(struct conn *c)
{
	c->state = CONN_CONNECTING;
	c->was_up = true;
	c->attempts = 0;
	forget_move(c);
	take_ticket(c);
}

static void reconnect(struct conn *c, struct ike_sa *sa, const char *gateway)
{
	char gw[PROFILE_STR_MAX];

	snprintf(gw, sizeof(gw), "%s", gateway);
	begin_reconnect(c);
	restart(c, sa, gw);
}

static bool lost_gateway(struct conn *c, struct ike_sa *sa,
			 enum conn_reason why, const char *msg)
{
	conn_progress(c, "lost the gateway %s: %s", c->gateway, msg);
	conn_note_change(c, why, "lost the gateway %s: %s", c->gateway, msg);
	reconnect(c, sa, next_candidate(c));
	return true;
}

/* The gateway still holds the SA we leave: a Delete, once, from where
 * we are now frees it, and the lease of its virtual IP for the new SA,
 * at once rather than after the gateway's liveness checks give up.
 * Not before a resume: RFC 5723 leaves open whether the gateway then
 * voids the ticket. */
static void leave_sa(struct conn *c, struct ike_sa *sa,
		     const struct sockaddr_storage *now)
{
	uint16_t port = sockaddr_port(&sa->local);

	if (c->ticket || sa->state != IKE_ESTABLISHED)
		return;
	if (now) {
		sa->local = *now;
		sockaddr_set_port(&sa->local, port);
	}
	conn_progress(c, "deleting the IKE SA we leave at %s", c->gateway);
	ike_send_delete_once(sa);
}

void failover_on_moved(struct conn *c, struct ike_sa *sa, const char *msg,
		       const struct sockaddr_storage *now)
{
	if (sa->cfg.has_ip4) {
		c->has_vip_hint = true;
		memcpy(c->vip_hint4, sa->cfg.ip4, 4);
	}
	conn_progress(c, "%s; a new IKE SA with %s", msg, c->gateway);
	conn_note_change(c, REASON_MOVED, "%s; reconnecting to %s", msg,
			 c->gateway);
	/* Still connecting: the attempt starts again from the new address. */
	if (conn_is_up(c)) {
		begin_reconnect(c);
		leave_sa(c, sa, now);
	}
	restart(c, sa, c->gateway);
}

bool failover_on_failure(struct conn *c, struct ike_sa *sa,
			 enum conn_reason why, const char *msg)
{
	if (c->state == CONN_CLOSING)
		return false;
	if (why == REASON_MOVED && conn_is_up(c)) {
		/* A MOBIKE move the gateway refused: a new SA instead. */
		failover_on_moved(c, sa, msg, NULL);
		return true;
	}
	if (conn_is_up(c) && sa->state >= IKE_ESTABLISHED)
		return sa->timed_out && lost_gateway(c, sa, why, msg);
	if (sa->ticket && sa->timed_out && sa->state == IKE_RESUME_SENT) {
		if (++c->attempts < n_candidates(c)) {
			conn_progress(c, "no answer to IKE_SESSION_RESUME from %s; trying the next gateway with the same ticket",
				      c->gateway);
			restart(c, sa, next_candidate(c));
			return true;
		}
		snprintf(c->fallback_why, sizeof(c->fallback_why),
			 "no gateway answered IKE_SESSION_RESUME");
		/* No gateway saw it: a later connect may still use it. */
		ticket_put_back(c->eng, &c->prof, c->ticket);
		sa->ticket = NULL;
		failover_reset(c);
		conn_progress(c, "%s; full handshakes from now on",
			      c->fallback_why);
		restart(c, sa, next_candidate(c));
		return true;
	}
	if (sa->ticket || sa->ticket_spent) {
		if (sa->ticket)
			sa_ticket_spent(sa);
		snprintf(c->fallback_why, sizeof(c->fallback_why), "%s", msg);
		conn_progress(c, "resuming failed (%s); falling back to a full handshake with %s",
			      msg, c->gateway);
		restart(c, sa, c->gateway);
		return true;
	}
	if (sa->timed_out && ++c->attempts < n_candidates(c)) {
		conn_progress(c, "no answer from %s; trying the next gateway",
			      c->gateway);
		restart(c, sa, next_candidate(c));
		return true;
	}
	return sa->timed_out && c->was_up &&
	       retry_later(c, sa, why, msg, "no gateway answered");
}

bool failover_on_close(struct conn *c, struct ike_sa *sa,
		       enum conn_reason code, const char *why)
{
	if (!c->prof.close_restart || c->state == CONN_CLOSING ||
	    !conn_is_up(c))
		return false;
	c->state = CONN_CONNECTING;
	c->was_up = true;
	c->attempts = 0;
	return retry_later(c, sa, code, why,
			   "the gateway closed the connection");
}

bool failover_on_lookup_failure(struct conn *c, const char *msg)
{
	if (c->state != CONN_CONNECTING)
		return false;
	if (++c->attempts < n_candidates(c)) {
		conn_progress(c, "%s; trying the next gateway", msg);
		conn_start_attempt(c, next_candidate(c), false);
		return true;
	}
	return c->was_up && retry_later(c, NULL, REASON_LOOKUP, msg,
					"no gateway answered");
}

void failover_on_up(struct conn *c, struct ike_sa *sa, char *msg,
		    size_t len)
{
	char gw[64];

	c->attempts = 0;
	c->retry_delay = 0;
	c->has_vip_hint = false;
	c->gsc = sa->gsc;
	sa->dh_ops = dh_op_count() - sa->dh_ops;
	sa->sig_ops = sig_op_count() - sa->sig_ops;
	sockaddr_str(&sa->peer, gw, sizeof(gw));
	if (msg && sa->resumed)
		snprintf(msg, len, "resumed with ticket at %s (GSC %u)", gw,
			 sa->gsc);
	else if (msg && c->prof.resume_enabled && c->fallback_why[0])
		snprintf(msg + strlen(msg), len - strlen(msg),
			 "; full handshake: %s", c->fallback_why);
	c->fallback_why[0] = '\0';
	/* Draft 4.2.2: the IKE SA is rekeyed before the 4-bit GSC wraps;
	 * the new IKE SA starts at 0 (failover_on_rekey). */
	if (sa->resumed && sa->gsc >= TICKET_GSC_MAX) {
		conn_progress(c, "GSC reached %u: rekeying the IKE SA before it overflows",
			      sa->gsc);
		ike_rekey_start(sa);
	}
}

void failover_rekey_failed(struct conn *c, struct ike_sa *sa)
{
	/* A gateway that will not rekey: a fresh full handshake instead,
	 * made before the resumed SA is deleted. */
	if (sa != c->sa || sa->gsc < TICKET_GSC_MAX || c->next)
		return;
	conn_progress(c, "GSC at %u and the gateway did not rekey: re-establishing the IKE SA with a full handshake",
		      sa->gsc);
	conn_start_attempt(c, c->gateway, true);
}

#define TICKET_AFTER_REKEY_MS 2000

void failover_on_rekey(struct conn *c, struct ike_sa *sa)
{
	/* Draft 4.2.1: the count starts at 0 with each new IKE SA, and a
	 * ticket of the old one would resume keys that are gone. */
	sa->gsc = 0;
	c->gsc = 0;
	/* Not at once: a gateway that started the rekey may still be
	 * setting up the new SA when our answer reaches it (pluto drops
	 * what comes first). */
	if (c->prof.resume_enabled && !sa->tickets_ignored)
		ticket_refresh_after(sa, TICKET_AFTER_REKEY_MS);
}

void sa_learn_backups(struct ike_sa *sa, const struct gw_ident *gws,
		      size_t n)
{
	struct conn *c = sa->conn;
	size_t i;

	for (i = 0; i < n && i < TICKET_MAX_BACKUPS; i++)
		gw_ident_str(&gws[i], c->backups[i], sizeof(c->backups[i]));
	c->n_backups = i;
	sa_progress(sa, "gateway announced %zu backup gateway%s", i,
		    i == 1 ? "" : "s");
}

void sa_copy_backups(struct ike_sa *sa, struct resume_ticket *t)
{
	const struct conn *c = sa->conn;
	size_t i;

	for (i = 0; i < c->n_backups; i++)
		snprintf(t->backups[i], sizeof(t->backups[i]), "%s",
			 c->backups[i]);
	t->n_backups = c->n_backups;
}

void failover_describe(const struct conn *c, struct wbuf *out)
{
	size_t i;

	if (!c->prof.resume_enabled || !c->n_backups)
		return;
	wb_printf(out, "  backup gateways:");
	for (i = 0; i < c->n_backups; i++)
		wb_printf(out, " %s", c->backups[i]);
	wb_printf(out, "\n");
}
