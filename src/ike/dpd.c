/* Liveness checks (RFC 7296 2.4): an empty INFORMATIONAL every
 * dpd-interval seconds while the SA is up. The check is a task like any
 * other request: while another one is on the wire it waits its turn
 * (that request checks liveness too). When the retransmissions give up,
 * the SA is lost and the connection fails over (conn.c, failover.c).
 * Behind a NAT with MOBIKE it also watches the NAT's mapping (mobike.c). */
#include "ike_sa.h"
#include "vpnd/log.h"

static void dpd_arm(struct ike_sa *sa);

static int dpd_send(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	wb_init(&inner);
	chain_init(&c, &inner);
	mobike_add_mapping_check(sa, &c);
	log_dbg("%s: liveness check", sa->prof->name);
	rc = sa_send_protected(sa, EXCH_INFORMATIONAL, &inner, c.first);
	wb_free(&inner);
	if (rc < 0) {
		verr_set(e, "cannot send the liveness check");
		dpd_arm(sa);
	}
	return rc;
}

static enum task_rc dpd_answered(struct ike_sa *sa, struct ike_task *t,
				 const struct ike_msg *m)
{
	dpd_arm(sa);
	mobike_check_mapping(sa, m);
	return TASK_DONE;
}

static const struct ike_task_ops dpd_ops = {
	.name = "liveness check",
	.start = dpd_send,
	.response = dpd_answered,
};

static void on_dpd(void *ctx)
{
	struct ike_sa *sa = ctx;

	sa->dpd_timer = 0;
	dpd_check(sa);
}

void dpd_check(struct ike_sa *sa)
{
	struct verr e = { { 0 } };

	if (sa->state != IKE_ESTABLISHED || sa->orphan || sa->held ||
	    sa_has_task(sa, &dpd_ops))
		return;
	if (sa_active_task(sa)) {
		/* Another request is out: it checks liveness too. */
		dpd_arm(sa);
		return;
	}
	if (sa_queue_new(sa, &dpd_ops, &e) < 0)
		log_dbg("%s: no liveness check: %s", sa->prof->name, e.msg);
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
