/* MOBIKE (RFC 4555) for a roaming client. Both sides say
 * MOBIKE_SUPPORTED in IKE_AUTH; when our address goes away (roam.c),
 * the IKE SA moves instead of being made again: an INFORMATIONAL with
 * UPDATE_SA_ADDRESSES, fresh NAT detection and a COOKIE2 leaves from
 * the new address on port 4500 (3.5: a NAT may sit on the new path),
 * and once the gateway answered, echoing the cookie, the Child SAs
 * follow in the kernel with their keys and counters (child_move.c).
 * A refusal or an answer without the cookie makes a new SA instead.
 *
 * Behind a NAT the mapping our packets get can change without any change
 * on our side (the NAT box restarts, a carrier-grade NAT rebinds). A
 * MOBIKE gateway does not follow such a change by itself (RFC 4555 3.8
 * leaves address changes to the initiator), so its ESP would go on to
 * the old mapping while our IKE requests still get answers. Liveness
 * checks therefore carry NAT detection while we are behind a NAT, and
 * when the gateway sees us from somewhere new, the SA is updated from
 * the same address (what strongSwan's client does too). */
#include <netinet/in.h>
#include <string.h>

#include "child.h"
#include "conn_int.h"
#include "ike_sa.h"
#include "vpnd/log.h"

#define COOKIE2_LEN 16 /* 8 to 64 bytes (RFC 4555 4.8) */

struct move_task {
	struct ike_task t;
	/* where the kernel's Child SAs still are */
	struct sockaddr_storage old_local, old_peer;
	uint8_t cookie2[COOKIE2_LEN];
	bool rebind;                    /* same addresses, a new NAT mapping */
};

/* The gateway's view of our address in m (NAT_DETECTION_DESTINATION_IP)
 * becomes the one we compare with; whether it differs from the last. */
static bool mapping_moved(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct notify_payload *n =
		msg_notify(m, N_NAT_DETECTION_DESTINATION_IP);
	bool moved;

	if (!n || n->len != sizeof(sa->mapping))
		return false;
	moved = sa->have_mapping && memcmp(sa->mapping, n->data, n->len);
	memcpy(sa->mapping, n->data, n->len);
	sa->have_mapping = true;
	return moved;
}

void mobike_add_supported(struct ike_sa *sa, struct pl_chain *c)
{
	if (sa->prof->mobike)
		notify_build(c, 0, NULL, 0, N_MOBIKE_SUPPORTED, NULL, 0);
}

bool mobike_lists_addresses(const struct ike_msg *m)
{
	return msg_notify(m, N_ADDITIONAL_IP4_ADDRESS) ||
	       msg_notify(m, N_ADDITIONAL_IP6_ADDRESS) ||
	       msg_notify(m, N_NO_ADDITIONAL_ADDRESSES);
}

static bool push_peer_addr(struct ike_sa *sa,
			   const struct sockaddr_storage *a)
{
	struct sockaddr_storage *g = array_room(sa->peer_addrs,
						sa->n_peer_addrs,
						&sa->cap_peer_addrs,
						sizeof(*g));

	if (!g)
		return false;
	sa->peer_addrs = g;
	sa->peer_addrs[sa->n_peer_addrs++] = *a;
	return true;
}

/* An address the gateway named, at the port it talks on now. */
static bool add_peer_addr(struct ike_sa *sa, int family, const uint8_t *ip)
{
	struct sockaddr_storage a;

	memset(&a, 0, sizeof(a));
	a.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		memcpy(&((struct sockaddr_in *)&a)->sin_addr, ip, 4);
	else
		memcpy(&((struct sockaddr_in6 *)&a)->sin6_addr, ip, 16);
	sockaddr_set_port(&a, sockaddr_port(&sa->peer));
	return push_peer_addr(sa, &a);
}

/* The list replaces what the gateway said before (RFC 4555 3.6); its
 * current address is not in it. Malformed entries are left out. */
static void take_addresses(struct ike_sa *sa, const struct ike_msg *m)
{
	size_t i;

	sa->n_peer_addrs = 0;
	for (i = 0; i < m->n_notify; i++) {
		const struct notify_payload *n = &m->notify[i];

		if (n->type == N_ADDITIONAL_IP4_ADDRESS && n->len == 4)
			add_peer_addr(sa, AF_INET, n->data);
		else if (n->type == N_ADDITIONAL_IP6_ADDRESS && n->len == 16)
			add_peer_addr(sa, AF_INET6, n->data);
		else if (n->type == N_ADDITIONAL_IP4_ADDRESS ||
			 n->type == N_ADDITIONAL_IP6_ADDRESS)
			sa_warn_unauth(sa, "%s: ignoring %s of %zu bytes",
				       sa->prof->name, notify_name(n->type),
				       n->len);
	}
	if (sa->n_peer_addrs)
		sa_progress(sa, "gateway has %zu other address%s (MOBIKE)",
			    sa->n_peer_addrs,
			    sa->n_peer_addrs == 1 ? "" : "es");
}

void mobike_take(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->peer_mobike = sa->prof->mobike &&
			  msg_notify(m, N_MOBIKE_SUPPORTED) != NULL;
	if (!sa->peer_mobike)
		return;
	sa_progress(sa, "gateway supports MOBIKE (RFC 4555)");
	take_addresses(sa, m);
}

enum task_rc mobike_answer_addresses(struct ike_sa *sa,
				     const struct ike_msg *m,
				     struct pl_chain *c)
{
	if (sa->peer_mobike)
		take_addresses(sa, m);
	mobike_echo_cookie2(m, c);
	return TASK_DONE;
}

void mobike_echo_cookie2(const struct ike_msg *m, struct pl_chain *c)
{
	const struct notify_payload *ck = msg_notify(m, N_COOKIE2);

	if (ck && ck->len >= 8 && ck->len <= 64)
		notify_build(c, 0, NULL, 0, N_COOKIE2, ck->data, ck->len);
}

void mobike_copy_addresses(struct ike_sa *next, const struct ike_sa *sa)
{
	size_t i;

	for (i = 0; i < sa->n_peer_addrs; i++)
		push_peer_addr(next, &sa->peer_addrs[i]);
}

/* IKE to 4500 with the marker (3.5), our side from the new address;
 * the gateway's port moves only from 500, as in 2.23. */
static int float_from(struct ike_sa *sa, const struct sockaddr_storage *to,
		      const struct sockaddr_storage *peer, struct verr *e)
{
	struct sockaddr_storage natt_local;

	if (peer)
		sa->peer = *peer;
	if (sockaddr_port(&sa->peer) == IKE_PORT)
		sockaddr_set_port(&sa->peer, IKE_NATT_PORT);
	sa->natt = true;
	if (net_prepare(sa->eng, &sa->peer, true, &natt_local, e) < 0)
		return -1;
	sa->local = *to;
	sockaddr_set_port(&sa->local, sockaddr_port(&natt_local));
	return 0;
}

static int move_start(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	struct move_task *mt = (struct move_task *)t;
	struct wbuf inner;
	struct pl_chain c;
	char a[64];
	int rc;

	random_bytes(mt->cookie2, sizeof(mt->cookie2));
	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, N_UPDATE_SA_ADDRESSES, NULL, 0);
	ike_add_natd(sa, &c);
	notify_build(&c, 0, NULL, 0, N_COOKIE2, mt->cookie2,
		     sizeof(mt->cookie2));
	sa_progress(sa, "moving the IKE SA to %s (MOBIKE UPDATE_SA_ADDRESSES)",
		    sockaddr_str(&sa->local, a, sizeof(a)));
	rc = sa_send_protected(sa, EXCH_INFORMATIONAL, &inner, c.first);
	wb_free(&inner);
	if (rc < 0)
		verr_set(e, "cannot send UPDATE_SA_ADDRESSES");
	return rc;
}

static enum task_rc move_response(struct ike_sa *sa, struct ike_task *t,
				  const struct ike_msg *m)
{
	struct move_task *mt = (struct move_task *)t;
	const struct notify_payload *ck = msg_notify(m, N_COOKIE2);
	struct verr e = { { 0 } };
	struct child_sa *ch;
	char a[64];

	if (m->first_error)
		return task_fail_as(sa, REASON_MOVED,
				    "gateway refused the move to %s: %s",
				    sockaddr_str(&sa->local, a, sizeof(a)),
				    notify_name(m->first_error));
	/* 3.5: the return routability check of the new path. The answer
	 * is authenticated and a retransmission only gets it again, so a
	 * cookie missing or wrong closes the SA (4.8) and a new one is
	 * made from here, as for a refused move. */
	if (!ck || ck->len != sizeof(mt->cookie2) ||
	    memcmp(ck->data, mt->cookie2, sizeof(mt->cookie2)))
		return task_fail_as(sa, REASON_MOVED,
				    "gateway answered the move to %s without our COOKIE2",
				    sockaddr_str(&sa->local, a, sizeof(a)));
	ike_detect_nat(sa, m->pl);
	mapping_moved(sa, m);
	if (mt->rebind) {
		/* our kernel's SAs name our address, not the NAT's: as
		 * they were */
		sa_progress(sa, "the gateway follows our new NAT mapping (MOBIKE)");
		conn_path_rebound(sa->conn, &sa->local);
		return TASK_DONE;
	}
	if (child_move(sa, &mt->old_local, &mt->old_peer, &e) < 0) {
		for (ch = sa->children; ch; ch = ch->next)
			if (ch->installed)
				snprintf(ch->install_error,
					 sizeof(ch->install_error),
					 "not moved to the new address: %s",
					 e.msg);
		ch = sa_child(sa);
		if (ch)
			ch->installed = false;
		sa_tunnel_changed(sa);
	} else {
		/* the virtual IP and routes onto the new interface */
		hostcfg_follow(sa);
		sa_tunnel_changed(sa);
	}
	if (sa->nat_here)
		nat_keepalive_start(sa);
	sa_progress(sa, "IKE SA moved to %s%s (MOBIKE)",
		    sockaddr_str(&sa->local, a, sizeof(a)),
		    sa->nat_here ? ", behind a NAT" : "");
	conn_path_moved(sa->conn, &mt->old_local, &sa->local);
	return TASK_DONE;
}

static const struct ike_task_ops move_ops = {
	.name = "MOBIKE address update",
	.start = move_start,
	.response = move_response,
};

/* The SA's messages leave from the new address at once: a request on
 * the wire (a liveness check sent just before the change) goes out
 * again from there, as the gateway answers where a request came from
 * (RFC 7296 2.11); the update follows it. A move while one is queued
 * only changes the address the update will carry. */
static int queue_move(struct ike_sa *sa,
		      const struct sockaddr_storage *old_local,
		      const struct sockaddr_storage *old_peer, bool rebind,
		      struct verr *e)
{
	struct move_task *mt;

	sa_request_resume(sa);
	if (sa_has_task(sa, &move_ops))
		return 0;
	mt = task_new(&move_ops, sizeof(*mt));
	if (!mt) {
		verr_set(e, "out of memory");
		return -1;
	}
	mt->old_local = *old_local;
	mt->old_peer = *old_peer;
	mt->rebind = rebind;
	return sa_queue(sa, &mt->t, e);
}

int mobike_move(struct ike_sa *sa, const struct sockaddr_storage *to,
		const struct sockaddr_storage *peer, struct verr *e)
{
	struct sockaddr_storage old_local = sa->local, old_peer = sa->peer;

	if (float_from(sa, to, peer, e) < 0) {
		sa->local = old_local;
		sa->peer = old_peer;
		return -1;
	}
	return queue_move(sa, &old_local, &old_peer, false, e);
}

void mobike_add_mapping_check(struct ike_sa *sa, struct pl_chain *c)
{
	if (sa->peer_mobike && sa->nat_here && sa->natt)
		ike_add_natd(sa, c);
}

void mobike_check_mapping(struct ike_sa *sa, const struct ike_msg *m)
{
	struct verr e = { { 0 } };

	if (!sa->peer_mobike || !sa->nat_here || !sa->natt ||
	    !mapping_moved(sa, m))
		return;
	sa_progress(sa, "the NAT in front of us changed our mapping; updating the gateway (MOBIKE)");
	if (queue_move(sa, &sa->local, &sa->peer, true, &e) < 0)
		log_warn("%s: MOBIKE: %s", sa->prof->name, e.msg);
}
