/* Reauthentication (RFC 7296 2.8.3, RFC 4478): a whole new IKE SA, with
 * IKE_SA_INIT and IKE_AUTH again, made before the old one is deleted
 * (make-before-break, the connection's replacement role) and asking for
 * the same virtual IP. It is due when the gateway's AUTH_LIFETIME runs
 * out (strongSwan sends it with reauth_time) or at timers.reauth-time. */
#include "ike_sa.h"
#include "vpnd/log.h"

/* Before AUTH_LIFETIME ends: a handshake, with retransmissions, must
 * fit in between. */
#define MARGIN_S 60

void reauth_take_lifetime(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct notify_payload *n = msg_notify(m, N_AUTH_LIFETIME);

	if (!n)
		return;
	if (n->len != 4) {
		log_warn("%s: ignoring AUTH_LIFETIME of %zu bytes (want 4)",
			 sa->prof->name, n->len);
		return;
	}
	sa->auth_lifetime = get_u32(n->data);
	sa_progress(sa, "gateway wants reauthentication within %u s (AUTH_LIFETIME)",
		    sa->auth_lifetime);
}

static void on_reauth(void *ctx)
{
	struct ike_sa *sa = ctx;

	sa->reauth_timer = 0;
	if (sa->state == IKE_ESTABLISHED && !sa->orphan)
		sa_reauth(sa);
}

/* The earlier of the gateway's demand and the profile's interval. */
static unsigned due_in(const struct ike_sa *sa)
{
	unsigned t = sa->prof->reauth_time, life = sa->auth_lifetime;

	if (life) {
		life = life > 2 * MARGIN_S ? life - MARGIN_S : life / 2;
		if (!t || life < t)
			t = life;
	}
	return t;
}

/* Counted from the authentication: an IKE SA rekey renews the keys,
 * not the authentication, so its successor inherits the deadline. */
void reauth_arm(struct ike_sa *sa)
{
	uint64_t now = loop_now_ms(), due;
	unsigned t = due_in(sa);

	loop_timer_cancel(sa->loop, sa->reauth_timer);
	sa->reauth_timer = 0;
	if (!sa->authenticated_at)
		sa->authenticated_at = now;
	if (!t)
		return;
	due = sa->authenticated_at + t * 1000ull;
	sa->reauth_timer = loop_timer(sa->loop,
				      due > now ? (unsigned)(due - now) : 0,
				      on_reauth, sa);
}

void reauth_cleanup(struct ike_sa *sa)
{
	loop_timer_cancel(sa->loop, sa->reauth_timer);
	sa->reauth_timer = 0;
}
