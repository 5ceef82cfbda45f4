/* NAT keepalives (RFC 3948 2.3): while we sit behind a NAT, a byte every
 * 20 s keeps the mapping for UDP 4500 open between IKE and ESP packets. */
#include "ike_sa.h"

#define KEEPALIVE_MS 20000

static void on_keepalive(void *ctx)
{
	struct ike_sa *sa = ctx;

	sa->keepalive_timer = 0;
	if (!sa->natt || !sa->nat_here)
		return;
	if (!sa->held) /* no route: the mapping is lost anyway */
		net_send_keepalive(sa->eng, &sa->peer, &sa->local);
	sa->keepalive_timer = loop_timer(sa->loop, KEEPALIVE_MS, on_keepalive,
					 sa);
}

void nat_keepalive_start(struct ike_sa *sa)
{
	loop_timer_cancel(sa->loop, sa->keepalive_timer);
	sa->keepalive_timer = loop_timer(sa->loop, KEEPALIVE_MS, on_keepalive,
					 sa);
}
