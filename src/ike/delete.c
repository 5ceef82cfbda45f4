/* Our INFORMATIONAL deletes (RFC 7296 1.4.1) as tasks: the IKE SA's on
 * disconnect or when it is replaced, and a Child SA's (one we refused,
 * a rekeyed-away pair, an unusable new one). */
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "ike_sa.h"
#include "vpnd/log.h"

/* ---- Delete(IKE) ---- */

static int ike_delete_send(struct ike_sa *sa, struct ike_task *t,
			   struct verr *e)
{
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	wb_init(&inner);
	chain_init(&c, &inner);
	delete_build(&c, PROTO_IKE, 0, 0, NULL);
	rc = sa_send_protected(sa, EXCH_INFORMATIONAL, &inner, c.first);
	wb_free(&inner);
	if (rc < 0)
		verr_set(e, "cannot send the delete");
	return rc;
}

static enum task_rc ike_delete_answered(struct ike_sa *sa, struct ike_task *t,
					const struct ike_msg *m)
{
	return task_gone(sa, REASON_USER, "disconnected");
}

static enum task_rc ike_delete_unanswered(struct ike_sa *sa,
					  struct ike_task *t)
{
	return task_gone(sa, REASON_USER,
			 "gateway did not answer the delete");
}

static const struct ike_task_ops ike_delete_ops = {
	.name = "delete IKE SA",
	.start = ike_delete_send,
	.response = ike_delete_answered,
	.timeout = ike_delete_unanswered,
};

bool ike_deleting(const struct ike_sa *sa)
{
	return sa_has_task(sa, &ike_delete_ops);
}

int ike_delete_start(struct ike_sa *sa)
{
	struct verr e = { { 0 } };

	if (ike_deleting(sa))
		return 0;
	if (sa->state != IKE_DELETING)
		sa_set_state(sa, IKE_DELETING);
	/* Window of one (RFC 7296 2.3): behind a request under way, ahead
	 * of anything that waits, which a deleted SA no longer needs. */
	if (sa_queue_first(sa, task_new(&ike_delete_ops, sizeof(struct ike_task)),
			   &e) < 0) {
		log_warn("%s: %s", sa->prof->name, e.msg);
		return -1;
	}
	return 0;
}

static void old_sa_overdue(void *ctx)
{
	struct ike_sa *sa = ctx;

	sa->old_delete_timer = 0;
	log_info("%s: the gateway did not delete the IKE SA it rekeyed away; deleting it",
		 sa->prof->name);
	ike_delete_start(sa);
}

/* Should the gateway's DELETE be lost for good, the old SA would stay
 * on both sides. It gets as long as the gateway could take to
 * retransmit its request on our schedule (strongSwan waits 90 s). */
void ike_delete_await(struct ike_sa *sa)
{
	loop_timer_cancel(sa->loop, sa->old_delete_timer);
	sa->old_delete_timer = loop_timer(sa->loop,
					  sa_retransmit_span_ms(sa->prof),
					  old_sa_overdue, sa);
}

/* ---- Delete(ESP) ---- */

struct child_delete {
	struct ike_task t;
	uint8_t spi[4];                 /* our inbound SPI of the pair */
	void (*answered)(struct ike_sa *sa, const uint8_t spi[4]);
};

static int child_delete_send(struct ike_sa *sa, struct ike_task *t,
			     struct verr *e)
{
	struct child_delete *d = (struct child_delete *)t;
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	wb_init(&inner);
	chain_init(&c, &inner);
	delete_build(&c, PROTO_ESP, 4, 1, d->spi);
	rc = sa_send_protected(sa, EXCH_INFORMATIONAL, &inner, c.first);
	wb_free(&inner);
	if (rc < 0)
		verr_set(e, "cannot send the Child SA delete");
	return rc;
}

static enum task_rc child_delete_answered(struct ike_sa *sa,
					  struct ike_task *t,
					  const struct ike_msg *m)
{
	struct child_delete *d = (struct child_delete *)t;

	if (d->answered)
		d->answered(sa, d->spi);
	return TASK_DONE;
}

static const struct ike_task_ops child_delete_ops = {
	.name = "delete Child SA",
	.child = true,
	.start = child_delete_send,
	.response = child_delete_answered,
};

int ike_send_child_delete(struct ike_sa *sa, const uint8_t spi[4],
			  void (*answered)(struct ike_sa *sa,
					   const uint8_t spi[4]))
{
	struct child_delete *d = task_new(&child_delete_ops, sizeof(*d));
	struct verr e = { { 0 } };

	if (!d)
		return -1;
	memcpy(d->spi, spi, 4);
	d->answered = answered;
	if (sa_queue(sa, &d->t, &e) < 0) {
		log_warn("%s: %s", sa->prof->name, e.msg);
		return -1;
	}
	return 0;
}

/* A pair of ours is gone on both sides: its object goes too. */
void ike_child_deleted(struct ike_sa *sa, const uint8_t spi[4])
{
	struct child_sa *ch = child_by_our_spi(sa, spi);

	if (!ch)
		return; /* the gateway's delete of it crossed ours */
	child_remove_pair(sa, ch);
	child_free(sa, ch);
}

void ike_delete_child(struct ike_sa *sa, struct child_sa *ch)
{
	if (ike_send_child_delete(sa, ch->spi_in, ike_child_deleted) < 0)
		log_warn("could not delete the refused Child SA");
}

/* A request sent once, without retransmission or task: the SA is being
 * torn down anyway, and nothing waits for the answer. */
static void send_once(struct ike_sa *sa, struct wbuf *inner,
		      const struct pl_chain *c)
{
	struct wbuf out;
	struct ike_hdr h;

	wb_init(&out);
	sa_fill_header(sa, &h, EXCH_INFORMATIONAL, sa->next_mid++, false,
		       PL_SK);
	if (!inner->oom && ike_protect(&sa->keys, sa->initiator, &h, c->first,
				       inner->p, inner->len, &out) == 0)
		sa_send_datagram(sa, out.p, out.len);
	wb_free(&out);
}

/* RFC 7296 2.21.2: when the gateway fails our check, tell it once in an
 * INFORMATIONAL so it drops the SA too. */
void ike_send_auth_failed(struct ike_sa *sa)
{
	struct wbuf inner;
	struct pl_chain c;

	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, N_AUTHENTICATION_FAILED, NULL, 0);
	send_once(sa, &inner, &c);
	wb_free(&inner);
}

void ike_send_delete_once(struct ike_sa *sa)
{
	struct wbuf inner;
	struct pl_chain c;

	wb_init(&inner);
	chain_init(&c, &inner);
	delete_build(&c, PROTO_IKE, 0, 0, NULL);
	send_once(sa, &inner, &c);
	wb_free(&inner);
}
