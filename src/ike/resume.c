/* IKE_SESSION_RESUME (RFC 5723 4.3.2): a new IKE SA from a ticket, with
 * neither Diffie-Hellman nor signatures. In the failover draft's wire
 * mode the Message ID carries the gateway switch count (draft 5.1). The
 * IKE_AUTH that follows is ike_auth.c's, in its resumed form. */
#include <stdio.h>
#include <string.h>

#include "ike_sa.h"
#include "vpnd/log.h"
#include "vpnd/ticket.h"

#define NONCE_LEN 32
#define MAX_COOKIES 4

/* Draft 4.2.2: GSC || S-Message-ID, the latter 0 on a new gateway. The
 * draft's wire form is private (its numbers were never assigned), so it
 * is only used with a domain whose gateway showed vpnd's Vendor ID when
 * it issued the ticket; RFC 5723's Message ID 0 otherwise. */
static uint32_t resume_msg_id(const struct ike_sa *sa)
{
	if (!sa->prof->resume_draft_gsc)
		return 0;
	if (!sa->ticket->gw_vpnd) {
		log_info("%s: resuming with Message ID 0 (RFC 5723), not the draft's GSC: the gateway that issued the ticket did not show vpnd's Vendor ID",
			 sa->prof->name);
		return 0;
	}
	return (uint32_t)sa->gsc << GSC_SHIFT;
}

static int send_resume(struct ike_sa *sa, struct verr *e)
{
	const struct resume_ticket *t = sa->ticket;
	struct wbuf body;
	struct pl_chain c;
	uint32_t mid = resume_msg_id(sa);

	if (net_prepare(sa->eng, &sa->peer, false, &sa->local, e) < 0)
		return -1;
	wb_init(&body);
	chain_init(&c, &body);
	if (sa->cookie.p)
		notify_build(&c, 0, NULL, 0, N_COOKIE, sa->cookie.p,
			     sa->cookie.len);
	chain_add(&c, PL_NONCE, sa->ni.p, sa->ni.len);
	notify_build(&c, 0, NULL, 0, N_TICKET_OPAQUE, t->ticket,
		     t->ticket_len);
	ike_add_natd(sa, &c);
	vendor_add(&c);
	if (sa->prof->redirect_enabled)
		notify_build(&c, 0, NULL, 0, N_REDIRECT_SUPPORTED, NULL, 0);
	sa->next_mid = 1;
	sa_set_state(sa, IKE_RESUME_SENT);
	return sa_send_clear(sa, EXCH_IKE_SESSION_RESUME, mid, c.first, &body,
			     e);
}

static void take_identity(struct ike_sa *sa, const struct resume_ticket *t)
{
	sa->my_id_type = t->idi.type;
	chunk_set(&sa->my_id, t->idi.data, t->idi.len);
}

static int resume_start(struct ike_sa *sa, struct ike_task *task,
			struct verr *e)
{
	const struct resume_ticket *t = sa->ticket;

	if (!t || t->sk_d_len == 0 || !prf_supported(t->prf)) {
		verr_set(e, "the ticket cannot be used");
		return -1;
	}
	if (!chunk_alloc(&sa->ni, NONCE_LEN) ||
	    random_bytes(sa->ni.p, NONCE_LEN) < 0) {
		verr_set(e, "cannot create a nonce");
		return -1;
	}
	sa->algs.prf = t->prf;
	sa->algs.encr = t->encr;
	sa->algs.encr_keylen = t->encr_keylen;
	sa->algs.integ = t->integ;
	sa->algs.dh = 0;
	take_identity(sa, t);
	sa->has_vip_hint = t->has_vip4;
	memcpy(sa->vip_hint4, t->vip4, 4);
	return send_resume(sa, e);
}

/* SKEYSEED = prf(SK_d(old), "Resumption" | Ni | Nr), then the usual
 * prf+ over the new SPIs (RFC 5723 5.1). */
static int derive_keys(struct ike_sa *sa, struct verr *e)
{
	const struct resume_ticket *t = sa->ticket;
	struct chunk skd = { (uint8_t *)t->sk_d, t->sk_d_len };
	struct chunk skeyseed = { 0 };
	int rc = -1;

	if (ike_skeyseed_resume(sa->algs.prf, &skd, &sa->ni, &sa->nr,
				&skeyseed) == 0 &&
	    sa_derive_keys(sa, &skeyseed, &sa->ni, &sa->nr) == 0)
		rc = 0;
	else
		verr_set(e, "key derivation from the ticket failed");
	chunk_free(&skeyseed);
	return rc;
}

static int take_response(struct ike_sa *sa, const struct ike_hdr *h,
			 const struct payload_list *pl, const uint8_t *raw,
			 size_t raw_len, struct verr *e)
{
	const struct ike_payload *p_nr = payload_find(pl, PL_NONCE);

	if (!p_nr) {
		verr_set(e, "IKE_SESSION_RESUME response lacks a nonce");
		return -1;
	}
	if (nonce_parse(p_nr->body, p_nr->len, e) < 0)
		return -1;
	if (!memcmp(h->spi_r, "\0\0\0\0\0\0\0\0", 8)) {
		verr_set(e, "gateway's responder SPI is zero");
		return -1;
	}
	memcpy(sa->spi_r, h->spi_r, 8);
	if (!chunk_set(&sa->nr, p_nr->body, p_nr->len) ||
	    !chunk_set(&sa->init_resp, raw, raw_len)) {
		verr_set(e, "out of memory");
		return -1;
	}
	return derive_keys(sa, e);
}

/* RFC 5723 4.3.2: a gateway under load asks for a cookie first, as in
 * IKE_SA_INIT; the same request goes again with it. */
static enum task_rc resend_resume(struct ike_sa *sa)
{
	struct verr e = { { 0 } };

	if (sa->init_attempts >= MAX_COOKIES) {
		snprintf(sa->refusal, sizeof(sa->refusal),
			 "gateway keeps asking for cookies");
		return sa_ignore_response(sa, sa->refusal);
	}
	sa->init_attempts++;
	if (send_resume(sa, &e) < 0)
		return task_fail(sa, "%s", e.msg);
	return TASK_MORE;
}

static enum task_rc resume_response(struct ike_sa *sa, struct ike_task *t,
				    const struct ike_msg *m)
{
	struct verr e = { { 0 } };
	enum task_rc rc;
	char gw[64];

	if (!sa->ticket)
		return sa_ignore_response(sa, "the ticket was withdrawn");
	/* A redirect also spends the ticket (the gateway saw it). */
	if (ike_clear_redirect(sa, m, &rc) ||
	    ike_take_cookie(sa, m, "resuming again", resend_resume, &rc))
		return rc;
	if (msg_notify(m, N_TICKET_NACK)) {
		sa_ticket_spent(sa);
		return task_fail_as(sa, REASON_REFUSED,
				    "gateway refused the ticket (TICKET_NACK)");
	}
	if (m->first_error) {
		sa_ticket_spent(sa);
		return task_fail_as(sa, REASON_REFUSED,
				    "gateway refused IKE_SESSION_RESUME: %s",
				 notify_name(m->first_error));
	}
	if (take_response(sa, m->hdr, m->pl, m->raw, m->raw_len, &e) < 0)
		return sa_ignore_response(sa, e.msg);
	sa->resumed = true;
	sa_ticket_spent(sa);
	vendor_take(sa, m->pl);
	ike_take_natd(sa, m->pl);
	sa_progress(sa, "IKE_SESSION_RESUME done with %s (GSC %u, no DH)",
		    sockaddr_str(&sa->peer, gw, sizeof(gw)), sa->gsc);
	return TASK_DONE;
}

static const struct ike_task_ops resume_ops = {
	.name = "IKE_SESSION_RESUME",
	.vital = true,
	.start = resume_start,
	.response = resume_response,
};

int ike_resume_queue(struct ike_sa *sa, struct verr *e)
{
	return sa_queue_new(sa, &resume_ops, e);
}
