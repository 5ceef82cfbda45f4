/* The connection object behind vpnctl connect/disconnect/status: owns the
 * profile copy and its IKE SAs, follows redirects, and reports to the
 * daemon. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "child.h"
#include "conn_int.h"
#include "engine_int.h"
#include "vpnd/engine.h"
#include "vpnd/log.h"

/* A line about this connection: its name, gateway and the event go to
 * the journal as fields of their own (vpnd/log.h); the text is as ever. */
#define conn_log(c, lvl, ev, ...)                                          \
	vlog_fields((lvl),                                                 \
		    &(struct log_fields){ .connection = (c)->prof.name,    \
					  .gateway = (c)->gateway,         \
					  .event = (ev) },                 \
		    __VA_ARGS__)

const char *conn_state_name(enum conn_state s)
{
	switch (s) {
	case CONN_IDLE:
		return "idle";
	case CONN_CONNECTING:
		return "connecting";
	case CONN_ESTABLISHED:
		return "established";
	case CONN_NO_TUNNEL:
		return "no-tunnel";
	case CONN_CLOSING:
		return "closing";
	case CONN_FAILED:
		return "failed";
	}
	return "?";
}

struct conn *conn_new(struct engine *eng, const struct profile *p,
		      conn_event_fn fn, void *ctx)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->eng = eng;
	c->loop = engine_loop(eng);
	c->prof = *p;
	c->fn = fn;
	c->ctx = ctx;
	c->link.tun_fd = -1;
	/* The secrets are owned separately so the copies can be wiped. */
	memset(&c->prof.psk, 0, sizeof(c->prof.psk));
	memset(&c->prof.eap_password, 0, sizeof(c->prof.eap_password));
	if ((p->psk.p &&
	     !chunk_secure_set(&c->prof.psk, p->psk.p, p->psk.len)) ||
	    (p->eap_password.p &&
	     !chunk_secure_set(&c->prof.eap_password, p->eap_password.p,
			       p->eap_password.len)) ||
	    engine_add_conn(eng, c) < 0) {
		chunk_free(&c->prof.psk);
		chunk_free(&c->prof.eap_password);
		free(c);
		return NULL;
	}
	return c;
}

const char *conn_name(const struct conn *c)
{
	return c->prof.name;
}

enum conn_state conn_get_state(const struct conn *c)
{
	return c->state;
}

bool conn_is_up(const struct conn *c)
{
	return c->state == CONN_ESTABLISHED || c->state == CONN_NO_TUNNEL;
}

void conn_state_text(const struct conn *c, char *out, size_t len)
{
	char why[400];

	if (c->state != CONN_NO_TUNNEL)
		snprintf(out, len, "%s", conn_state_name(c->state));
	else if (c->sa && sa_tunnel_problem(c->sa, why, sizeof(why)))
		snprintf(out, len, "established, no tunnel: %s", why);
	else
		snprintf(out, len, "established, no tunnel");
}

void conn_note_change(struct conn *c, enum conn_reason why,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->change_why, sizeof(c->change_why), fmt, ap);
	va_end(ap);
	c->change_reason = why;
	c->change_at = time(NULL);
}

static void emit(struct conn *c, enum conn_event ev, const char *msg)
{
	/* The connection has ended (its SAs are gone or retiring): its
	 * VPN interface goes before anyone hears of it, as the callback
	 * may free c. */
	if (ev == CEV_DOWN || ev == CEV_FAILED)
		hostcfg_link_release(c);
	if (c->fn)
		c->fn(c->ctx, c, ev, msg);
}

void conn_progress(struct conn *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conn_log(c, LOG_INFO, "progress", "%s: %s", c->prof.name, msg);
	emit(c, CEV_PROGRESS, msg);
}

static void free_sa(struct ike_sa *sa)
{
	struct conn *c = sa->conn;

	/* Policies a newer SA took over stay with it. */
	child_remove(sa, sa == c->sa ? NULL : c->sa);
	net_unregister(sa->eng, sa->initiator ? sa->spi_i : sa->spi_r);
	ike_sa_free(sa);
}

void conn_drop_sa(struct conn *c, struct ike_sa *sa)
{
	if (sa == c->sa)
		c->sa = NULL;
	if (sa == c->next)
		c->next = NULL;
	free_sa(sa);
}

static void drop_old(struct conn *c, struct ike_sa *sa)
{
	struct ike_sa **at;

	for (at = &c->retiring; *at; at = &(*at)->retiring_next)
		if (*at == sa) {
			*at = sa->retiring_next;
			break;
		}
	free_sa(sa);
}

static void keep_retiring(struct conn *c, struct ike_sa *sa)
{
	sa->retiring_next = c->retiring;
	c->retiring = sa;
}

/* Moves an SA out of the way; it deletes itself on the gateway if it got
 * far enough to have keys, and is freed when that finishes. */
static void retire_sa(struct conn *c, struct ike_sa *sa)
{
	if (!sa)
		return;
	sa->orphan = true;
	if (sa->state >= IKE_ESTABLISHED && sa->state != IKE_DELETING &&
	    ike_delete_start(sa) == 0) {
		keep_retiring(c, sa);
		return;
	}
	if (sa->state == IKE_DELETING && ike_deleting(sa)) {
		keep_retiring(c, sa);
		return;
	}
	free_sa(sa);
}

static void cancel_lookup(struct conn *c)
{
	resolve_cancel(c->lookup);
	c->lookup = NULL;
}

void conn_fail(struct conn *c, enum conn_reason why, const char *msg)
{
	failover_reset(c);
	chunk_free(&c->password);
	snprintf(c->last_error, sizeof(c->last_error), "%s", msg);
	log_err("%s: %s", c->prof.name, c->last_error);
	cancel_lookup(c);
	retire_sa(c, c->next);
	c->next = NULL;
	retire_sa(c, c->sa);
	c->sa = NULL;
	c->state = CONN_FAILED;
	conn_note_change(c, why, "failed: %s", c->last_error);
	emit(c, CEV_FAILED, c->last_error);
}

void sa_progress(struct ike_sa *sa, const char *fmt, ...)
{
	struct conn *c = sa->conn;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sa->orphan)
		conn_log(c, LOG_INFO, "old-sa", "%s (old SA): %s",
			 c->prof.name, msg);
	else
		conn_progress(c, "%s", msg);
}

void sa_failed(struct ike_sa *sa, enum conn_reason why, const char *fmt, ...)
{
	struct conn *c = sa->conn;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sa == c->sa) {
		if (!failover_on_failure(c, sa, why, msg))
			conn_fail(c, why, msg);
	} else if (sa == c->next) {
		/* The old gateway asked us to move; it still serves us until
		 * it deletes the SA itself. */
		c->next = NULL;
		free_sa(sa);
		if (c->reauthing)
			conn_progress(c, "reauthentication failed (%s); the old IKE SA stays until the gateway ends it",
				      msg);
		else
			conn_progress(c, "moving to the new gateway failed (%s); staying on %s",
				      msg, c->gateway);
		c->reauthing = false;
	} else {
		conn_log(c, LOG_INFO, "old-sa", "%s (old SA): %s",
			 c->prof.name, msg);
		drop_old(c, sa);
	}
}

static void report_child(struct conn *c, struct ike_sa *sa)
{
	const struct child_sa *ch = sa_child(sa);
	char algs[128];

	if (ch && ch->install_error[0])
		conn_progress(c, "Child SA negotiated (%s) but not installed: %s",
			 esp_algs_str(ch, algs, sizeof(algs)),
			 ch->install_error);
	else if (ch)
		conn_progress(c, "Child SA %s: %s",
			 ch->installed ? "installed" : "negotiated",
			 esp_algs_str(ch, algs, sizeof(algs)));
	else
		conn_progress(c, "IKE SA up, Child SA refused by the gateway: %s",
			 sa->child_refused);
}

bool sa_tunnel_problem(const struct ike_sa *sa, char *why, size_t len)
{
	const struct child_sa *ch = sa_child(sa);
	char retry[64], gw[64];

	if (sa->held || sa->path_checking) {
		sockaddr_str(&sa->peer, gw, sizeof(gw));
		if (sa->held)
			snprintf(why, len, "waiting for a network (no route to %s)",
				 gw);
		else
			snprintf(why, len, "checking the path to %s", gw);
		return true;
	}
	if (!ch) {
		child_retry_describe(sa, retry, sizeof(retry));
		snprintf(why, len, "%s%s",
			 sa->child_refused[0] ? sa->child_refused :
						"no Child SA",
			 retry);
		return true;
	}
	if (child_kernel_enabled(sa) && !ch->installed) {
		snprintf(why, len, "Child SA not installed: %s",
			 ch->install_error[0] ? ch->install_error :
						"reason unknown");
		return true;
	}
	if (sa->host_error[0]) {
		snprintf(why, len, "%s", sa->host_error);
		return true;
	}
	return false;
}

/* esp.on-failure: delete. An IKE SA without a tunnel is not wanted:
 * conn_fail deletes it on the gateway (INFORMATIONAL DELETE). */
static void fail_without_tunnel(struct conn *c, const char *what,
				const char *why)
{
	char msg[1024];

	snprintf(msg, sizeof(msg),
		 "%.400s, but no tunnel: %.400s; deleting the IKE SA (esp on-failure: delete)",
		 what, why);
	conn_fail(c, REASON_NO_TUNNEL, msg);
}

void sa_tunnel_changed(struct ike_sa *sa)
{
	struct conn *c = sa->conn;
	char why[400], msg[512], algs[128];
	bool broken;

	if (sa != c->sa || !conn_is_up(c))
		return;
	broken = sa_tunnel_problem(sa, why, sizeof(why));
	if (!broken && c->state == CONN_NO_TUNNEL) {
		c->state = CONN_ESTABLISHED;
		snprintf(msg, sizeof(msg), "the tunnel works now (Child SA %s)",
			 esp_algs_str(sa_child(sa), algs, sizeof(algs)));
		conn_log(c, LOG_INFO, "up", "%s: %s", c->prof.name, msg);
		emit(c, CEV_UP, msg);
	} else if (broken && c->state == CONN_ESTABLISHED) {
		/* Without a network the Child SA is fine; only the path
		 * is missing. */
		if (c->prof.esp_failure_delete && !sa->held &&
		    !sa->path_checking) {
			fail_without_tunnel(c, "the IKE SA stands", why);
			return;
		}
		c->state = CONN_NO_TUNNEL;
		conn_log(c, LOG_WARN, "no-tunnel",
			 "%s: established, no tunnel: %s", c->prof.name, why);
		emit(c, CEV_NO_TUNNEL, why);
	}
}

/* Make-before-break: the new SA is up, now the old one goes. */
static void replacement_up(struct conn *c, struct ike_sa *sa)
{
	struct ike_sa *old = c->sa;
	char gw[64];

	c->sa = sa;
	c->next = NULL;
	/* Before the old SA goes: its removal would take the
	 * virtual IP, routes and DNS the new one needs. */
	hostcfg_take_over(sa, old);
	retire_sa(c, old);
	report_child(c, sa);
	dpd_start(sa);
	ike_rekey_arm(sa);
	reauth_arm(sa);
	failover_on_up(c, sa, NULL, 0);
	sockaddr_str(&sa->peer, gw, sizeof(gw));
	if (c->reauthing) {
		c->n_reauths++;
		conn_note_change(c, REASON_REAUTH, "reauthenticated with %s",
				 gw);
		conn_progress(c, "reauthenticated with %s; deleting the old IKE SA",
			      gw);
	} else {
		conn_note_change(c, sa->have_redirected_from ?
				 REASON_REDIRECT : REASON_UP,
				 "moved to %s", gw);
		conn_progress(c, "moved to %s; deleting the SA with the old gateway",
			      gw);
	}
	c->reauthing = false;
	sa_tunnel_changed(sa);
}

bool sa_is_next(const struct ike_sa *sa)
{
	return sa->conn && sa == sa->conn->next;
}

void sa_up(struct ike_sa *sa)
{
	struct conn *c = sa->conn;
	char msg[512], gw[64], algs[128], why[400], full[1024];
	bool broken;

	sa->established_at = loop_now_ms();
	if (sa == c->next) {
		replacement_up(c, sa);
		return;
	}
	c->last_error[0] = '\0';
	report_child(c, sa);
	snprintf(msg, sizeof(msg), "IKE SA established with %s (%s)",
		 sockaddr_str(&sa->peer, gw, sizeof(gw)),
		 ike_algs_str(&sa->algs, algs, sizeof(algs)));
	failover_on_up(c, sa, msg, sizeof(msg));
	broken = sa_tunnel_problem(sa, why, sizeof(why));
	if (broken && c->prof.esp_failure_delete) {
		fail_without_tunnel(c, msg, why);
		return;
	}
	/* Without a tunnel the IKE SA is authenticated all the same: it
	 * and its ticket stay (RFC 7296 1.2), but nothing can flow yet. */
	c->state = broken ? CONN_NO_TUNNEL : CONN_ESTABLISHED;
	conn_note_change(c, REASON_UP, "%s", msg);
	dpd_start(sa);
	ike_rekey_arm(sa);
	reauth_arm(sa);
	conn_log(c, LOG_INFO, "up", "%s: %s", c->prof.name, msg);
	if (!broken) {
		emit(c, CEV_UP, msg);
		return;
	}
	/* The reason first, then what an up would have said. */
	conn_log(c, LOG_WARN, "no-tunnel", "%s: established, no tunnel: %s",
		 c->prof.name, why);
	snprintf(full, sizeof(full), "%s; %s", why, msg);
	emit(c, CEV_NO_TUNNEL, full);
}

void sa_child_rekeyed(struct ike_sa *sa)
{
	if (sa == sa->conn->sa)
		sa->conn->n_child_rekeys++;
}

void sa_rekey_failed(struct ike_sa *sa)
{
	failover_rekey_failed(sa->conn, sa);
}

void sa_reauth(struct ike_sa *sa)
{
	struct conn *c = sa->conn;
	char gw[64];

	if (sa != c->sa || c->next || !conn_is_up(c))
		return;
	c->reauthing = true;
	conn_progress(c, "reauthenticating: a new IKE SA with %s before the old one goes",
		      sockaddr_str(&sa->peer, gw, sizeof(gw)));
	conn_start_attempt(c, c->gateway, true);
}

void sa_rekeyed(struct ike_sa *sa)
{
	struct conn *c = sa->conn;
	struct ike_sa *next = sa->successor;
	char spi_i[17], spi_r[17];

	sa->successor = NULL;
	if (sa != c->sa || !next) {
		/* Only the SA in use is rekeyed; ike_rekey.c checks. */
		if (next)
			free_sa(next);
		return;
	}
	c->sa = next;
	c->n_ike_rekeys++;
	sa_move_tasks(sa, next);
	conn_progress(c, "IKE SA rekeyed by %s: SPIs %s_i %s_r",
		      next->initiator ? "us" : "the gateway",
		      spi_hex(next->spi_i, 8, spi_i),
		      spi_hex(next->spi_r, 8, spi_r));
	/* Whoever started the rekey deletes the old SA (RFC 7296 2.8):
	 * ours goes now; the gateway's stays until its DELETE comes. */
	if (next->initiator) {
		retire_sa(c, sa);
	} else {
		sa->orphan = true;
		sa_set_state(sa, IKE_DELETING);
		keep_retiring(c, sa);
		ike_delete_await(sa);
	}
	dpd_start(next);
	failover_on_rekey(c, next);
}

void sa_down(struct ike_sa *sa, enum conn_reason code, const char *why)
{
	struct conn *c = sa->conn;

	if (sa != c->sa) {
		if (sa == c->next)
			c->next = NULL;
		conn_log(c, LOG_INFO, "old-sa", "%s (old SA): %s",
			 c->prof.name, why);
		if (sa->orphan)
			drop_old(c, sa);
		else
			free_sa(sa);
		return;
	}
	conn_log(c, LOG_INFO, "down", "%s: %s", c->prof.name, why);
	cancel_lookup(c);
	retire_sa(c, c->next);
	c->next = NULL;
	if (failover_on_close(c, sa, code, why))
		return;
	free_sa(sa);
	c->sa = NULL;
	c->state = CONN_IDLE;
	conn_note_change(c, code, "%s", why);
	emit(c, CEV_DOWN, why);
}

/* A new IKE SA of c with a fresh SPI of ours, which routes the
 * gateway's messages to it: SPIi when we initiate it, SPIr when the
 * gateway does (its rekey). */
struct ike_sa *conn_new_sa(struct conn *c, bool initiator, struct verr *e)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	uint8_t *ours;

	if (!sa) {
		verr_set(e, "out of memory");
		return NULL;
	}
	sa->conn = c;
	sa->eng = c->eng;
	sa->prof = &c->prof;
	sa->initiator = initiator;
	sa->loop = c->loop;
	wb_init(&sa->req.out.msg);
	wb_init(&sa->last_resp.msg);
	frag_init(&sa->frag_resp, NULL);
	frag_init(&sa->frag_req, NULL);
	ours = initiator ? sa->spi_i : sa->spi_r;
	do {
		random_bytes(ours, 8);
	} while (!memcmp(ours, "\0\0\0\0\0\0\0\0", 8));
	if (net_register(c->eng, ours, sa_receive, sa) < 0) {
		verr_set(e, "out of memory");
		free(sa);
		return NULL;
	}
	return sa;
}

struct ike_sa *sa_new_successor(struct ike_sa *sa, bool initiator,
				struct verr *e)
{
	struct ike_sa *next = conn_new_sa(sa->conn, initiator, e);

	if (!next)
		return NULL;
	/* The same path: even one that loses a collision must be able to
	 * send its DELETE. */
	next->peer = sa->peer;
	next->local = sa->local;
	next->natt = sa->natt;
	next->nat_here = sa->nat_here;
	next->nat_there = sa->nat_there;
	next->peer_mobike = sa->peer_mobike;
	/* RFC 7383 2.3: negotiated once, it holds for the SA's rekeys. */
	next->peer_frag = sa->peer_frag;
	next->frag_small = sa->frag_small;
	mobike_copy_addresses(next, sa);
	return next;
}

void sa_await_delete(struct ike_sa *sa)
{
	sa->orphan = true;
	sa_set_state(sa, IKE_ESTABLISHED);
	sa_set_state(sa, IKE_DELETING);
	keep_retiring(sa->conn, sa);
}

void sa_free_successor(struct ike_sa *sa)
{
	free_sa(sa);
}

void sa_retire_successor(struct ike_sa *sa)
{
	retire_sa(sa->conn, sa);
}

/* The address a REDIRECTED_FROM names: the one we sent IKE_SA_INIT to. */
static void ident_of(const struct sockaddr_storage *ss, struct gw_ident *gw)
{
	memset(gw, 0, sizeof(*gw));
	if (ss->ss_family == AF_INET6) {
		gw->type = GW_IPV6;
		gw->len = 16;
		memcpy(gw->data, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else {
		gw->type = GW_IPV4;
		gw->len = 4;
		memcpy(gw->data, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
}

/* Starts IKE_SA_INIT towards a resolved address, as the current SA or as
 * the make-before-break one. */
static void begin_sa(struct conn *c, const struct sockaddr_storage *addr,
		     bool as_next)
{
	struct verr e = { { 0 } };
	struct ike_sa *sa = conn_new_sa(c, true, &e);
	char gw[64];

	if (!sa)
		goto failed;
	sa->peer = *addr;
	if (as_next && c->reauthing && c->sa && c->sa->cfg.has_ip4) {
		/* The same virtual IP, so that traffic does not notice. */
		sa->has_vip_hint = true;
		memcpy(sa->vip_hint4, c->sa->cfg.ip4, 4);
	} else if (!as_next && c->has_vip_hint) {
		/* ... and after a move, the one the lost SA had. */
		sa->has_vip_hint = true;
		memcpy(sa->vip_hint4, c->vip_hint4, 4);
	}
	if (c->redir.have_from && !c->reauthing) {
		sa->have_redirected_from = true;
		sa->redirected_from = c->redir.from;
	}
	sa->replacing = as_next;
	if (as_next)
		c->next = sa;
	else
		c->sa = sa;
	if (failover_begin(c, sa, as_next, &e) < 0) {
		if (as_next)
			c->next = NULL;
		else
			c->sa = NULL;
		free_sa(sa);
		goto failed;
	}
	if (sa->ticket)
		conn_progress(c, "IKE_SESSION_RESUME sent to %s (GSC %u)",
			      sockaddr_str(&sa->peer, gw, sizeof(gw)),
			      sa->gsc);
	else
		conn_progress(c, "IKE_SA_INIT sent to %s%s",
			      sockaddr_str(&sa->peer, gw, sizeof(gw)),
			      sa->have_redirected_from ?
				      " (with REDIRECTED_FROM)" : "");
	return;
failed:
	if (as_next)
		conn_progress(c, "cannot move to %s: %s", c->gateway, e.msg);
	else
		conn_fail(c, REASON_ERROR, e.msg);
}

static void on_resolved(void *ctx, const struct sockaddr_storage *addr,
			const char *err)
{
	struct conn *c = ctx;
	char msg[400];

	c->lookup = NULL;
	if (!addr) {
		snprintf(msg, sizeof(msg), "cannot resolve gateway '%s': %s",
			 c->gateway, err);
		if (c->lookup_for_next)
			conn_progress(c, "%s", msg);
		else if (!failover_on_lookup_failure(c, msg))
			conn_fail(c, REASON_LOOKUP, msg);
		return;
	}
	begin_sa(c, addr, c->lookup_for_next);
}

/* Talks to a gateway given by name or address; names are looked up off
 * the loop. */
void conn_start_attempt(struct conn *c, const char *gateway, bool as_next)
{
	struct sockaddr_storage now;
	char msg[400];
	int rc;

	/* gateway may be c->gateway itself: no overlapping copy */
	if (gateway != c->gateway)
		snprintf(c->gateway, sizeof(c->gateway), "%s", gateway);
	cancel_lookup(c);
	if (as_next) {
		/* A newer redirect supersedes a move still under way. */
		retire_sa(c, c->next);
		c->next = NULL;
	}
	c->lookup_for_next = as_next;
	rc = resolve_start(c->eng->resolver, gateway, c->prof.port ? c->prof.port :
							      IKE_PORT,
			   on_resolved, c, &now, &c->lookup);
	if (rc == 1) {
		begin_sa(c, &now, as_next);
	} else if (rc == 0) {
		conn_progress(c, "resolving %s", gateway);
	} else {
		snprintf(msg, sizeof(msg), "cannot resolve gateway '%s'",
			 gateway);
		if (as_next)
			conn_progress(c, "%s", msg);
		else if (!failover_on_lookup_failure(c, msg))
			conn_fail(c, REASON_LOOKUP, msg);
	}
}

void sa_redirect(struct ike_sa *sa, const struct gw_ident *gw,
		 uint8_t exchange)
{
	struct conn *c = sa->conn;
	char to[300], from[64], why[512];
	bool established = exchange == EXCH_INFORMATIONAL;

	gw_ident_str(gw, to, sizeof(to));
	sockaddr_str(&sa->peer, from, sizeof(from));
	if (sa != c->sa) {
		/* Only the SA we use may move us; an old or half-made one
		 * just goes away. */
		sa_failed(sa, REASON_REDIRECT,
			  "redirected to %s while being replaced", to);
		return;
	}
	if (established && !conn_is_up(c)) {
		/* We are leaving: a redirect must not undo the disconnect. */
		conn_progress(c, "ignoring the redirect to %s: disconnecting", to);
		return;
	}
	if (redirect_check(&c->redir, &c->prof, gw, loop_now_ms(), why,
			   sizeof(why)) < 0) {
		if (established)
			conn_progress(c, "not following the redirect: %s", why);
		else
			conn_fail(c, REASON_REDIRECT, why);
		return;
	}
	if (sa->ticket) {
		/* The gateway saw the ticket; the new one gets a full
		 * handshake. */
		sa_ticket_spent(sa);
		snprintf(c->fallback_why, sizeof(c->fallback_why),
			 "redirected while resuming");
	}
	redirect_record(&c->redir, &sa->peer, gw, exchange, loop_now_ms());
	ident_of(&sa->peer, &c->redir.from);
	c->redir.have_from = true;
	c->n_redirects++;
	conn_note_change(c, REASON_REDIRECT, "redirected by %s to %s in %s",
			 from, to, exchange_name(exchange));
	conn_progress(c, "redirected by %s to %s in %s", from, to,
		 exchange_name(exchange));
	if (established) {
		conn_start_attempt(c, to, true);
		return;
	}
	/* IKE_SA_INIT made no SA; after IKE_AUTH the SA exists and is
	 * deleted (RFC 5685 6). */
	c->sa = NULL;
	retire_sa(c, sa);
	conn_start_attempt(c, to, false);
}

int conn_connect(struct conn *c, struct verr *e)
{
	if (c->state == CONN_CONNECTING || conn_is_up(c) ||
	    c->state == CONN_CLOSING) {
		verr_set(e, "%s is already %s", c->prof.name,
			 conn_state_name(c->state));
		return -1;
	}
	if (c->prof.n_gateways == 0) {
		verr_set(e, "%s has no gateway", c->prof.name);
		return -1;
	}
	redirect_reset(&c->redir);
	c->last_error[0] = '\0';
	c->state = CONN_CONNECTING;
	conn_start_attempt(c, failover_connect(c), false);
	if (c->state == CONN_FAILED) {
		verr_set(e, "%s", c->last_error);
		return -1;
	}
	return 0;
}

int conn_rekey_child(struct conn *c, struct verr *e)
{
	if (!conn_is_up(c) || !c->sa || !sa_child(c->sa)) {
		verr_set(e, "%s has no Child SA to rekey", c->prof.name);
		return -1;
	}
	if (c->sa->create || sa_has_old_child(c->sa)) {
		verr_set(e, "%s: a rekey is already under way", c->prof.name);
		return -1;
	}
	child_rekey_start(c->sa);
	return 0;
}

int conn_rekey_ike(struct conn *c, struct verr *e)
{
	if (!conn_is_up(c) || !c->sa || c->sa->state != IKE_ESTABLISHED) {
		verr_set(e, "%s has no IKE SA to rekey", c->prof.name);
		return -1;
	}
	ike_rekey_start(c->sa);
	return 0;
}

int conn_set_password(struct conn *c, const char *pw, size_t len,
		      struct verr *e)
{
	chunk_free(&c->password);
	if (!len) {
		verr_set(e, "the password is empty");
		return -1;
	}
	if (!chunk_secure_set(&c->password, pw, len)) {
		verr_set(e, "out of memory");
		return -1;
	}
	return 0;
}

bool conn_needs_password(const struct conn *c)
{
	return c->prof.local_auth == PAUTH_EAP &&
	       c->prof.eap_method == PEAP_MSCHAPV2 &&
	       !c->prof.eap_password.len && !c->password.len;
}

/* The profile's password file wins; otherwise the one handed over. */
const struct chunk *conn_password(const struct conn *c)
{
	return c->prof.eap_password.len ? &c->prof.eap_password :
					  &c->password;
}

void conn_forget_resumption(struct conn *c)
{
	failover_reset(c);
	ticket_forget(c->eng, &c->prof);
}

void conn_disconnect(struct conn *c)
{
	failover_reset(c);
	chunk_free(&c->password);
	cancel_lookup(c);
	retire_sa(c, c->next);
	c->next = NULL;
	loop_timer_cancel(c->loop, c->outage_timer);
	c->outage_timer = 0;
	if (c->sa && c->sa->held) {
		/* No route: a DELETE cannot reach the gateway, and the user
		 * should not wait for it; its liveness checks will tell. */
		conn_drop_sa(c, c->sa);
		c->state = CONN_IDLE;
		conn_note_change(c, REASON_USER,
				 "disconnected without a network (the gateway was not told)");
		emit(c, CEV_DOWN, "disconnected without a network");
		return;
	}
	if (conn_is_up(c) && c->sa && ike_delete_start(c->sa) == 0) {
		c->state = CONN_CLOSING;
		conn_progress(c, "deleting the IKE SA");
		return;
	}
	if (c->state == CONN_CLOSING)
		return;
	if (c->sa) {
		retire_sa(c, c->sa);
		c->sa = NULL;
		c->state = CONN_IDLE;
		conn_note_change(c, REASON_USER, "connection attempt aborted");
		emit(c, CEV_DOWN, "connection attempt aborted");
		return;
	}
	c->state = CONN_IDLE;
	emit(c, CEV_DOWN, "not connected");
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	cancel_lookup(c);
	chunk_free(&c->password);
	failover_reset(c); /* looks at c->sa */
	/* The others first: free_sa keeps the policies c->sa took over. */
	if (c->next)
		free_sa(c->next);
	c->next = NULL;
	while (c->retiring) {
		struct ike_sa *sa = c->retiring;

		c->retiring = sa->retiring_next;
		free_sa(sa);
	}
	if (c->sa)
		free_sa(c->sa);
	c->sa = NULL;
	hostcfg_link_release(c);
	roam_free(c);
	engine_remove_conn(c->eng, c);
	chunk_free(&c->prof.psk);
	chunk_free(&c->prof.eap_password);
	free(c);
}

void ike_sa_free(struct ike_sa *sa)
{
	sa_warn_flush(sa);
	child_rekey_cleanup(sa);
	child_retry_cleanup(sa);
	ike_rekey_cleanup(sa);
	reauth_cleanup(sa);
	sa_tasks_free(sa);
	sa_cancel_request(sa);
	loop_timer_cancel(sa->loop, sa->keepalive_timer);
	loop_timer_cancel(sa->loop, sa->dpd_timer);
	loop_timer_cancel(sa->loop, sa->refresh_timer);
	loop_timer_cancel(sa->loop, sa->old_delete_timer);
	wire_msg_free(&sa->last_resp);
	frag_free(&sa->frag_resp);
	frag_free(&sa->frag_req);
	chunk_free(&sa->ni);
	chunk_free(&sa->nr);
	chunk_free(&sa->cookie);
	chunk_free(&sa->init_req);
	chunk_free(&sa->init_resp);
	chunk_free(&sa->my_id);
	free(sa->peer_addrs);
	chunk_free(&sa->peer_id);
	dh_free(sa->dh);
	ike_keys_wipe(&sa->keys);
	X509_free(sa->my_cert);
	EVP_PKEY_free(sa->my_key);
	eap_auth_clear(sa);
	child_free_all(sa);
	cfg_reply_clear(&sa->cfg);
	free(sa);
}
