/* Liveness checks (RFC 7296 2.4): an empty INFORMATIONAL every
 * dpd-interval seconds while the SA is up and nothing else is pending.
 * When the retransmissions give up, transport.c reports the SA as timed
 * out and the connection fails over (conn.c, failover.c). */
#include "ike_sa.h"
#include "vpnd/log.h"

static void dpd_arm(struct ike_sa *sa);

static bool on_dpd_response(struct ike_sa *sa, const struct ike_hdr *h,
			    const struct payload_list *pl, const uint8_t *raw,
			    size_t raw_len)
{
	dpd_arm(sa);
	return true;
}

static void on_dpd(void *ctx)
{
	struct ike_sa *sa = ctx;
	struct wbuf inner;

	sa->dpd_timer = 0;
	if (sa->state != IKE_ESTABLISHED || sa->orphan)
		return;
	if (sa->req.active) {
		/* Another request is out: it checks liveness too. */
		dpd_arm(sa);
		return;
	}
	wb_init(&inner);
	log_dbg("%s: liveness check", sa->prof->name);
	if (sa_send_protected(sa, EXCH_INFORMATIONAL, &inner, PL_NONE,
			      on_dpd_response) < 0)
		dpd_arm(sa);
	wb_free(&inner);
}

static void dpd_arm(struct ike_sa *sa)
{
	if (!sa->prof->dpd_interval || sa->dpd_timer)
		return;
	sa->dpd_timer = loop_timer(sa->loop, sa->prof->dpd_interval * 1000u,
				   on_dpd, sa);
}

void dpd_start(struct ike_sa *sa)
{
	dpd_arm(sa);
}
