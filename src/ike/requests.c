/* The gateway's requests (RFC 7296 1.4, 1.3, 2.8): one table says which
 * handler answers what; every authentic request gets exactly one
 * answer, or the gateway retransmits and finally gives up on the SA
 * (2.21.2). A handler builds the answer and returns what it means for
 * the SA; transport.c acts on that after the answer went out. */
#include <string.h>

#include "ike_sa.h"
#include "redirect.h"
#include "vpnd/log.h"

static bool deletes_ike(const struct ike_msg *m)
{
	struct delete_payload d;
	size_t i;

	for (i = 0; i < m->pl->n; i++)
		if (m->pl->pl[i].type == PL_DELETE &&
		    delete_parse(m->pl->pl[i].body, m->pl->pl[i].len, &d,
				 NULL) == 0 &&
		    d.proto == PROTO_IKE)
			return true;
	return false;
}

static enum task_rc answer_ike_delete(struct ike_sa *sa,
				      const struct ike_msg *m,
				      struct pl_chain *c)
{
	/* The answer is empty (1.4.1); everything of the SA goes. */
	return task_gone(sa, REASON_GATEWAY_DELETE,
			 "gateway deleted the IKE SA");
}

/* The gateway deletes the Child SA in use, named by its inbound SPI:
 * it carries nothing any more; what the kernel has of it goes with the
 * IKE SA. */
static void child_deleted(struct ike_sa *sa, const uint8_t spi[4],
			  struct pl_chain *c)
{
	struct child_sa *ch = sa_child(sa);

	if (!ch || memcmp(spi, ch->spi_out, 4))
		return;
	delete_build(c, PROTO_ESP, 4, 1, ch->spi_in);
	child_set_state(sa, ch, CHILD_DELETED);
	snprintf(sa->child_refused, sizeof(sa->child_refused),
		 "deleted by the gateway");
	sa_progress(sa, "gateway deleted the Child SA");
}

/* Delete(ESP): we answer with our inbound SPI of each pair (1.4.1). */
static void answer_child_deletes(struct ike_sa *sa, const struct ike_msg *m,
				 struct pl_chain *c)
{
	struct delete_payload d;
	size_t i, k;

	for (i = 0; i < m->pl->n; i++) {
		if (m->pl->pl[i].type != PL_DELETE ||
		    delete_parse(m->pl->pl[i].body, m->pl->pl[i].len, &d,
				 NULL) < 0 ||
		    d.proto != PROTO_ESP)
			continue;
		for (k = 0; k < d.num_spi; k++)
			if (!child_rekey_delete(sa, d.spis + 4 * k, c))
				child_deleted(sa, d.spis + 4 * k, c);
	}
}

/* RFC 5685 5: a gateway-initiated REDIRECT is protected by the SA. */
static enum task_rc take_redirect(struct ike_sa *sa, const struct ike_msg *m)
{
	struct gw_ident gw;
	char why[256];

	switch (redirect_take(m, EXCH_INFORMATIONAL, &sa->ni,
			      sa->prof->redirect_enabled, &gw, why,
			      sizeof(why))) {
	case REDIR_ABSENT:
		return TASK_DONE;
	case REDIR_REFUSED:
		sa_progress(sa, "rejected the gateway's REDIRECT: %s", why);
		return TASK_DONE;
	case REDIR_DISABLED:
		sa_progress(sa, "ignored the gateway's REDIRECT: %s", why);
		return TASK_DONE;
	case REDIR_FOLLOW:
		break;
	}
	return task_redirect(sa, &gw, EXCH_INFORMATIONAL);
}

/* Liveness checks (empty), Child SA deletes, redirects, and notifies we
 * do not know, which are answered empty (3.10.1). */
static enum task_rc answer_informational(struct ike_sa *sa,
					 const struct ike_msg *m,
					 struct pl_chain *c)
{
	enum task_rc rc;

	answer_child_deletes(sa, m, c);
	mobike_echo_cookie2(m, c);
	rc = take_redirect(sa, m);
	if (rc == TASK_DONE)
		sa_tunnel_changed(sa); /* a Child SA it deleted */
	return rc;
}

static bool rekeys_child(const struct ike_msg *m)
{
	return msg_notify(m, N_REKEY_SA) != NULL;
}

/* More Child SAs (1.3.1): we run one. */
static enum task_rc refuse_new_child(struct ike_sa *sa,
				     const struct ike_msg *m,
				     struct pl_chain *c)
{
	notify_build(c, 0, NULL, 0, N_NO_ADDITIONAL_SAS, NULL, 0);
	return TASK_DONE;
}

static enum task_rc answer_unknown(struct ike_sa *sa, const struct ike_msg *m,
				   struct pl_chain *c)
{
	/* Answer anyway so the gateway does not retransmit until it gives
	 * up on the SA. */
	log_warn("answering unexpected %s request with INVALID_SYNTAX",
		 exchange_name(m->hdr->exchange));
	notify_build(c, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
	return TASK_DONE;
}

struct request_route {
	uint8_t exchange;               /* 0: any */
	bool (*carries)(const struct ike_msg *m); /* NULL: anything */
	enum task_rc (*answer)(struct ike_sa *sa, const struct ike_msg *m,
			       struct pl_chain *c);
};

/* First match wins. */
static const struct request_route routes[] = {
	{ EXCH_INFORMATIONAL, deletes_ike, answer_ike_delete },
	{ EXCH_INFORMATIONAL, mobike_lists_addresses, mobike_answer_addresses },
	{ EXCH_INFORMATIONAL, NULL, answer_informational },
	{ EXCH_CREATE_CHILD_SA, rekeys_child, child_rekey_request },
	{ EXCH_CREATE_CHILD_SA, ike_rekey_requested, ike_rekey_answer },
	{ EXCH_CREATE_CHILD_SA, NULL, refuse_new_child },
	{ 0, NULL, answer_unknown },
};

enum task_rc ike_handle_request(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct request_route *r = routes;
	enum task_rc rc;
	struct wbuf inner;
	struct pl_chain c;

	while (r->exchange && (r->exchange != m->hdr->exchange ||
			       (r->carries && !r->carries(m))))
		r++;
	wb_init(&inner);
	chain_init(&c, &inner);
	rc = r->answer(sa, m, &c);
	if (sa_send_response(sa, m->hdr->exchange, m->hdr->msg_id, c.wb,
			     c.first) < 0)
		log_warn("could not send %s response",
			 exchange_name(m->hdr->exchange));
	wb_free(&inner);
	return rc;
}
