/* The path to the gateway, checked after every change of the network
 * and every wake-up (engine_network_changed): a laptop moves between
 * networks and sleeps, and the tunnel must follow it or say that it
 * cannot, never claim to be up on a path that is gone.
 *
 *   no route to the gateway  -> hold the SA: nothing is sent, no
 *                               retransmission counts, "waiting for a
 *                               network"; give up after
 *                               timers.outage-time
 *   our address is gone      -> a new SA from the new address
 *                               (failover_on_moved: resumed with the
 *                               ticket when there is one)
 *   the path is there        -> a liveness check at once; a held SA
 *                               goes on, and its tunnel counts as
 *                               working again once the gateway answers */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "child.h"
#include "conn_int.h"
#include "engine_int.h"
#include "vpnd/log.h"

static void record(struct conn *c, const struct sockaddr_storage *from,
		   const struct sockaddr_storage *to, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The history is for people reading status: the last MOVES_KEPT. */
#define MOVES_KEPT 32

static void record(struct conn *c, const struct sockaddr_storage *from,
		   const struct sockaddr_storage *to, const char *fmt, ...)
{
	struct conn_move *g, *mv;
	va_list ap;

	if (c->n_moves == MOVES_KEPT)
		memmove(c->moves, c->moves + 1, --c->n_moves * sizeof(*g));
	g = array_room(c->moves, c->n_moves, &c->cap_moves, sizeof(*g));
	if (!g)
		return;
	c->moves = g;
	mv = &c->moves[c->n_moves++];
	memset(mv, 0, sizeof(*mv));
	mv->at = time(NULL);
	if (from && from->ss_family)
		sockaddr_addr_str(from, mv->from, sizeof(mv->from));
	if (to && to->ss_family)
		sockaddr_addr_str(to, mv->to, sizeof(mv->to));
	va_start(ap, fmt);
	vsnprintf(mv->what, sizeof(mv->what), fmt, ap);
	va_end(ap);
	conn_progress(c, "path: %s", mv->what);
}

bool conn_move_get(const struct conn *c, size_t i, struct conn_move *out)
{
	if (i >= c->n_moves)
		return false;
	*out = c->moves[i];
	return true;
}

static void on_outage(void *ctx)
{
	struct conn *c = ctx;
	char msg[PROFILE_STR_MAX + 96];

	c->outage_timer = 0;
	snprintf(msg, sizeof(msg),
		 "no route to the gateway %s for %u s (timers.outage-time)",
		 c->gateway, c->prof.outage_time);
	record(c, NULL, NULL, "gave up: %.120s", msg);
	/* Nothing could tell the gateway: its liveness checks will. */
	if (c->sa)
		conn_drop_sa(c, c->sa);
	conn_fail(c, REASON_NO_NETWORK, msg);
}

static void hold(struct conn *c, struct ike_sa *sa, const char *why)
{
	char gw[64];

	if (sa->held)
		return;
	sa->held = true;
	sa->held_since = time(NULL);
	sa->path_checking = false;
	loop_timer_cancel(sa->loop, sa->dpd_timer);
	sa->dpd_timer = 0;
	record(c, &sa->local, NULL, "waiting for a network: no route to %s (%s)",
	       sockaddr_addr_str(&sa->peer, gw, sizeof(gw)), why);
	if (c->prof.outage_time && !c->outage_timer)
		c->outage_timer = loop_timer(c->loop,
					     c->prof.outage_time * 1000u,
					     on_outage, c);
	sa_tunnel_changed(sa);
}

/* The SA may send again; the outage clock stops. */
static void end_hold(struct conn *c, struct ike_sa *sa)
{
	sa->held = false;
	loop_timer_cancel(c->loop, c->outage_timer);
	c->outage_timer = 0;
}

/* The route is back: what waited goes out now, and a liveness check
 * proves the path before the tunnel counts as working again. */
static void release(struct conn *c, struct ike_sa *sa, const char *why)
{
	unsigned s = (unsigned)(time(NULL) - sa->held_since);

	end_hold(c, sa);
	sa->path_checking = conn_is_up(c);
	record(c, NULL, &sa->local, "network back after %u s (%s); checking the path",
	       s, why);
	sa_request_resume(sa);
	dpd_check(sa);
}

void roam_heard(struct ike_sa *sa)
{
	if (!sa->path_checking)
		return;
	sa->path_checking = false;
	sa_tunnel_changed(sa);
}

/* Our address is gone: with MOBIKE the SA moves to the new one (RFC
 * 4555), otherwise a new SA is made from there. */
static void moved(struct conn *c, struct ike_sa *sa,
		  const struct sockaddr_storage *src, const char *why)
{
	struct verr e = { { 0 } };
	char was[64], now[64], msg[200];

	record(c, &sa->local, src, "our address %s is gone (%s); now %s",
	       sockaddr_addr_str(&sa->local, was, sizeof(was)), why,
	       sockaddr_addr_str(src, now, sizeof(now)));
	end_hold(c, sa);
	if (sa->peer_mobike && sa->state == IKE_ESTABLISHED) {
		if (mobike_move(sa, src, NULL, &e) == 0)
			return;
		log_warn("%s: MOBIKE: %s", c->prof.name, e.msg);
	}
	snprintf(msg, sizeof(msg), "our address %s is gone; now %s", was,
		 now);
	failover_on_moved(c, sa, msg, src);
}

/* No route to the gateway's address: with MOBIKE, one of the others it
 * named (ADDITIONAL_*_ADDRESS) may have one; the SA moves there, and
 * the address it leaves takes that one's place in the list. */
static bool other_gateway_address(struct conn *c, struct ike_sa *sa,
				  const char *why)
{
	struct engine *eng = c->eng;
	struct sockaddr_storage src, alt, old = sa->peer;
	struct verr e = { { 0 } };
	char a[64], b[64];
	size_t i;

	if (!sa->peer_mobike || sa->state != IKE_ESTABLISHED)
		return false;
	for (i = 0; i < sa->n_peer_addrs; i++) {
		alt = sa->peer_addrs[i];
		if (eng->host->route_source(eng->host_ctx, &alt, &src) < 0)
			continue;
		record(c, &sa->local, &src,
		       "no route to the gateway's %s (%s); moving to its %s",
		       sockaddr_addr_str(&old, a, sizeof(a)), why,
		       sockaddr_addr_str(&alt, b, sizeof(b)));
		end_hold(c, sa);
		if (mobike_move(sa, &src, &alt, &e) < 0) {
			log_warn("%s: MOBIKE: %s", c->prof.name, e.msg);
			return false;
		}
		sa->peer_addrs[i] = old;
		return true;
	}
	return false;
}

/* Our address is still there, but the route to the gateway leaves from
 * another one now (the Wi-Fi is back beside the LTE): with MOBIKE the
 * SA follows the route, since packets from the old address on the new
 * path may not come back. Without MOBIKE the liveness check decides. */
static bool better_source(struct conn *c, struct ike_sa *sa,
			  const struct sockaddr_storage *src, const char *why)
{
	struct verr e = { { 0 } };
	char was[64], now[64];

	if (sockaddr_same_addr(src, &sa->local) || !sa->peer_mobike ||
	    sa->state != IKE_ESTABLISHED)
		return false;
	record(c, &sa->local, src,
	       "the route to the gateway leaves from %s now, not %s (%s)",
	       sockaddr_addr_str(src, now, sizeof(now)),
	       sockaddr_addr_str(&sa->local, was, sizeof(was)), why);
	if (mobike_move(sa, src, NULL, &e) == 0)
		return true;
	log_warn("%s: MOBIKE: %s", c->prof.name, e.msg);
	return false;
}

void conn_path_moved(struct conn *c, const struct sockaddr_storage *from,
		     const struct sockaddr_storage *to)
{
	char a[64];

	record(c, from, to, "moved to %s (MOBIKE)",
	       sockaddr_addr_str(to, a, sizeof(a)));
}

static bool same_endpoint(const struct sockaddr_storage *a,
			  const struct sockaddr_storage *b)
{
	return sockaddr_same_addr(a, b) && sockaddr_port(a) == sockaddr_port(b);
}

/* RFC 7296 2.23: a gateway behind a NAT is where its last authenticated
 * packet came from, and its NAT may map it anew. Without MOBIKE the SA
 * follows it, IKE and the Child SAs in the kernel; with MOBIKE the
 * addresses are ours to set (RFC 4555 3.8), so the SA moves there with
 * an update and its return routability check. A gateway not behind a
 * NAT never changes its address this way. */
void roam_peer_seen(struct ike_sa *sa, const struct sockaddr_storage *from,
		    const char *what)
{
	struct sockaddr_storage old = sa->peer;
	struct verr e = { { 0 } };
	char a[64], b[64];

	if (!sa->nat_there || sa->state != IKE_ESTABLISHED || sa->held ||
	    !from->ss_family || same_endpoint(from, &old))
		return;
	record(sa->conn, NULL, NULL,
	       "the gateway's NAT moved it from %s to %s (%s)",
	       sockaddr_str(&old, a, sizeof(a)), sockaddr_str(from, b, sizeof(b)),
	       what);
	if (sa->peer_mobike) {
		if (mobike_move(sa, &sa->local, from, &e) < 0)
			log_warn("%s: MOBIKE: %s", sa->prof->name, e.msg);
		return;
	}
	sa->peer = *from;
	if (child_move(sa, &sa->local, &old, &e) < 0)
		log_warn("%s: the Child SAs cannot follow the gateway to %s: %s",
			 sa->prof->name, b, e.msg);
}

void conn_path_rebound(struct conn *c, const struct sockaddr_storage *at)
{
	record(c, at, at, "the NAT changed our mapping; the gateway follows it (MOBIKE)");
}

void conn_path_check(struct conn *c, const char *why)
{
	struct ike_sa *sa = c->sa;
	struct engine *eng = c->eng;
	struct sockaddr_storage src;
	char now[64];

	if (!sa || !sa->local.ss_family || c->state == CONN_CLOSING ||
	    sa->state == IKE_DELETING)
		return;
	if (eng->host->route_source(eng->host_ctx, &sa->peer, &src) < 0) {
		if (!other_gateway_address(c, sa, why))
			hold(c, sa, why);
		return;
	}
	if (!eng->host->is_local(eng->host_ctx, &sa->local)) {
		moved(c, sa, &src, why);
		return;
	}
	if (sa->held) {
		release(c, sa, why);
		return;
	}
	if (better_source(c, sa, &src, why))
		return;
	if (sa->state == IKE_ESTABLISHED) {
		log_info("%s: %s; checking the path to %s", c->prof.name, why,
			 sockaddr_str(&sa->peer, now, sizeof(now)));
		dpd_check(sa);
	}
}

void roam_free(struct conn *c)
{
	loop_timer_cancel(c->loop, c->outage_timer);
	c->outage_timer = 0;
	free(c->moves);
	c->moves = NULL;
	c->n_moves = c->cap_moves = 0;
}
