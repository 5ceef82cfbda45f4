/* MOBIKE (RFC 4555) for a roaming client. Both sides say
 * MOBIKE_SUPPORTED in IKE_AUTH; when our address goes away (roam.c),
 * the IKE SA moves instead of being made again: an INFORMATIONAL with
 * UPDATE_SA_ADDRESSES, fresh NAT detection and a COOKIE2 leaves from
 * the new address on port 4500 (3.5: a NAT may sit on the new path),
 * and once the gateway answered, echoing the cookie, the Child SAs
 * follow in the kernel with their keys and counters (child_move.c). */
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
};

void mobike_add_supported(struct ike_sa *sa, struct pl_chain *c)
{
	if (sa->prof->mobike)
		notify_build(c, 0, NULL, 0, N_MOBIKE_SUPPORTED, NULL, 0);
}

void mobike_take(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->peer_mobike = sa->prof->mobike &&
			  msg_notify(m, N_MOBIKE_SUPPORTED) != NULL;
	if (sa->peer_mobike)
		sa_progress(sa, "gateway supports MOBIKE (RFC 4555)");
}

/* IKE to 4500 with the marker (3.5), our side from the new address;
 * the gateway's port moves only from 500, as in 2.23. */
static int float_from(struct ike_sa *sa, const struct sockaddr_storage *to,
		      struct verr *e)
{
	struct sockaddr_storage natt_local;

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
	/* 3.5: the return routability check of the new path. */
	if (!ck || ck->len != sizeof(mt->cookie2) ||
	    memcmp(ck->data, mt->cookie2, sizeof(mt->cookie2)))
		return sa_ignore_response(sa, "COOKIE2 not echoed");
	ike_detect_nat(sa, m->pl);
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
int mobike_move(struct ike_sa *sa, const struct sockaddr_storage *to,
		struct verr *e)
{
	struct sockaddr_storage old_local = sa->local, old_peer = sa->peer;
	struct move_task *mt;

	if (float_from(sa, to, e) < 0) {
		sa->local = old_local;
		sa->peer = old_peer;
		return -1;
	}
	sa_request_resume(sa);
	if (sa_has_task(sa, &move_ops))
		return 0;
	mt = task_new(&move_ops, sizeof(*mt));
	if (!mt) {
		verr_set(e, "out of memory");
		return -1;
	}
	mt->old_local = old_local;
	mt->old_peer = old_peer;
	return sa_queue(sa, &mt->t, e);
}
