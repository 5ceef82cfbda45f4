/* A new Child SA after the gateway answered IKE_AUTH with a verified AUTH
 * and TEMPORARY_FAILURE for the Child SA (libreswan does when its kernel
 * refuses the SA): the IKE SA stands, and after a delay (RFC 7296 2.25)
 * we ask for the Child SA again with CREATE_CHILD_SA (1.3.1), waiting
 * twice as long after each TEMPORARY_FAILURE. Any other refusal ends the
 * retries: the same proposal would be refused again. */
#include <stdio.h>
#include <string.h>

#include "child.h"
#include "ike_sa.h"
#include "vpnd/log.h"

#define CHILD_RETRY_MAX_S 300

static void on_retry_timer(void *ctx);

static void arm(struct ike_sa *sa, unsigned ms)
{
	loop_timer_cancel(sa->loop, sa->child_retry_timer);
	sa->child_retry_timer = loop_timer(sa->loop, ms, on_retry_timer, sa);
}

void child_retry_schedule(struct ike_sa *sa)
{
	unsigned first = sa->prof->child_retry_interval ?
				 sa->prof->child_retry_interval : 1;
	unsigned max = first > CHILD_RETRY_MAX_S ? first : CHILD_RETRY_MAX_S;
	unsigned delay = sa->child_retry_delay ? sa->child_retry_delay * 2 :
						 first;

	sa->child_retry_delay = delay > max ? max : delay;
	arm(sa, sa->child_retry_delay * 1000u);
}

void child_retry_describe(const struct ike_sa *sa, char *out, size_t len)
{
	if (sa->create && !sa_child(sa))
		snprintf(out, len, "; Child SA retry %u under way",
			 sa->child_retries);
	else if (sa->child_retry_timer)
		snprintf(out, len, "; Child SA retry %u in %u s",
			 sa->child_retries + 1, sa->child_retry_delay);
	else if (len)
		out[0] = '\0';
}

void child_retry_cleanup(struct ike_sa *sa)
{
	loop_timer_cancel(sa->loop, sa->child_retry_timer);
	sa->child_retry_timer = 0;
}

/* The retry is over without a Child SA: the IKE SA stays without a
 * tunnel, as after IKE_AUTH. */
static void given_up(struct ike_sa *sa, uint16_t err, const char *why)
{
	snprintf(sa->child_refused, sizeof(sa->child_refused), "%s", why);
	sa->child_refused_notify = err;
	sa_progress(sa, "gateway refused the Child SA retry: %s; no more retries",
		    why);
	sa_tunnel_changed(sa);
}

/* The gateway made the pair; it goes into the kernel as the Child SA
 * IKE_AUTH would have given. */
static void take_child(struct ike_sa *sa, const struct ts_payload *tsi,
		       const struct ts_payload *tsr, const struct chunk *nr,
		       const struct chunk *gir)
{
	struct child_sa *ch = sa->create->next;
	struct verr e = { { 0 } };
	char algs[128];

	ch->tsi = *tsi;
	ch->tsr = *tsr;
	child_set_state(sa, ch, CHILD_INSTALLED);
	if (child_kernel_enabled(sa) &&
	    child_install_new(sa, ch, gir, &sa->create->ni, nr, &e) < 0)
		snprintf(ch->install_error, sizeof(ch->install_error), "%s",
			 e.msg);
	else if (child_kernel_enabled(sa))
		hostcfg_install(sa);
	child_create_end(sa, false);
	sa->child_retries = 0;
	sa->child_retry_delay = 0;
	sa_progress(sa, "Child SA %s on retry: %s%s%s",
		    ch->installed ? "installed" : "negotiated",
		    esp_algs_str(ch, algs, sizeof(algs)),
		    ch->install_error[0] ? "; not installed: " : "",
		    ch->install_error);
	sa_tunnel_changed(sa);
}

static enum task_rc retry_answered(struct ike_sa *sa, struct ike_task *t,
				   const struct ike_msg *m)
{
	const struct payload_list *pl = m->pl;
	const struct ike_payload *p_tsi = payload_find(pl, PL_TSI);
	const struct ike_payload *p_tsr = payload_find(pl, PL_TSR);
	static struct ts_payload offer_i, offer_r, tsi, tsr;
	struct chunk nr = { 0 }, gir = { 0 };
	struct verr e = { { 0 } };
	uint16_t err = m->first_error;
	uint8_t spi[4];

	if (err) {
		bool hint = child_create_ke_hint(sa, pl);

		child_create_end(sa, true);
		if (err == N_TEMPORARY_FAILURE || hint) {
			snprintf(sa->child_refused, sizeof(sa->child_refused),
				 "%s", notify_name(err));
			sa->child_refused_notify = err;
			if (hint) {
				arm(sa, 0);
			} else {
				child_retry_schedule(sa);
				sa_progress(sa, "gateway answered the Child SA retry with TEMPORARY_FAILURE; retrying in %u s",
					    sa->child_retry_delay);
			}
			return TASK_DONE;
		}
		given_up(sa, err, notify_name(err));
		return TASK_DONE;
	}
	child_create_ts(sa, &offer_i, &offer_r);
	if (child_create_parse(sa, pl, &nr, &gir, &e) < 0 || !p_tsi ||
	    !p_tsr || ts_parse(p_tsi->body, p_tsi->len, &tsi, &e) < 0 ||
	    ts_parse(p_tsr->body, p_tsr->len, &tsr, &e) < 0 ||
	    ts_check(&tsi, &offer_i, "TSi", &e) < 0 ||
	    ts_check(&tsr, &offer_r, "TSr", &e) < 0) {
		char why[sizeof(sa->child_refused)];

		/* The gateway may have made the pair: it must go again. */
		memcpy(spi, sa->create->next->spi_in, 4);
		child_create_end(sa, true);
		if (ike_send_child_delete(sa, spi, NULL) < 0)
			log_warn("could not delete the unusable Child SA");
		snprintf(why, sizeof(why), "we refused it: %s",
			 e.msg[0] ? e.msg : "no TSi or TSr");
		given_up(sa, 0, why);
	} else {
		take_child(sa, &tsi, &tsr, &nr, &gir);
	}
	chunk_free(&nr);
	chunk_free(&gir);
	return TASK_DONE;
}

static int retry_send(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	struct ts_payload tsi, tsr;

	child_create_ts(sa, &tsi, &tsr);
	sa->child_retries++;
	sa_progress(sa, "asking the gateway for the Child SA again (retry %u)",
		    sa->child_retries);
	if (child_create_send(sa, NULL, &tsi, &tsr, e) < 0) {
		child_retry_schedule(sa);
		return -1;
	}
	return 0;
}

static const struct ike_task_ops retry_ops = {
	.name = "Child SA retry",
	.child = true,
	.start = retry_send,
	.response = retry_answered,
};

static void on_retry_timer(void *ctx)
{
	struct ike_sa *sa = ctx;
	struct verr e = { { 0 } };

	sa->child_retry_timer = 0;
	if (sa->state != IKE_ESTABLISHED || sa->orphan || sa_child(sa) ||
	    sa_has_task(sa, &retry_ops))
		return;
	if (sa_queue_new(sa, &retry_ops, &e) < 0)
		sa_progress(sa, "cannot retry the Child SA: %s", e.msg);
}
