/* INFORMATIONAL exchanges (RFC 7296 1.4): our DELETE on disconnect, and
 * answers to the gateway's liveness checks and deletes. */
#include <string.h>

#include "ike_sa.h"
#include "vpnd/log.h"

static bool on_delete_response(struct ike_sa *sa, const struct ike_hdr *h,
			       const struct payload_list *pl,
			       const uint8_t *raw, size_t raw_len)
{
	sa_down(sa, "disconnected");
	return true;
}

static bool on_child_delete_response(struct ike_sa *sa,
				     const struct ike_hdr *h,
				     const struct payload_list *pl,
				     const uint8_t *raw, size_t raw_len)
{
	sa->child_to_delete = false;
	return true;
}

int ike_send_child_delete(struct ike_sa *sa, const uint8_t spi[4],
			  ike_resp_fn on_response)
{
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	wb_init(&inner);
	chain_init(&c, &inner);
	delete_build(&c, PROTO_ESP, 4, 1, spi);
	rc = sa_send_protected(sa, EXCH_INFORMATIONAL, &inner, c.first,
			       on_response);
	wb_free(&inner);
	return rc;
}

void ike_delete_child(struct ike_sa *sa)
{
	if (ike_send_child_delete(sa, sa->child.spi_in,
				  on_child_delete_response) < 0)
		log_warn("could not delete the refused Child SA");
}

int ike_delete_start(struct ike_sa *sa)
{
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	sa->state = IKE_DELETING;
	if (sa->req.active) {
		/* Window of one (RFC 7296 2.3): the DELETE goes out once
		 * the request under way is answered (transport.c). */
		sa->delete_pending = true;
		return 0;
	}
	sa->delete_pending = false;
	wb_init(&inner);
	chain_init(&c, &inner);
	delete_build(&c, PROTO_IKE, 0, 0, NULL);
	rc = sa_send_protected(sa, EXCH_INFORMATIONAL, &inner, c.first,
			       on_delete_response);
	wb_free(&inner);
	return rc;
}

/* RFC 7296 2.21.2: when the gateway fails our check, tell it once in an
 * INFORMATIONAL so it drops the SA too; no retransmission, we are
 * tearing down anyway. */
void ike_send_auth_failed(struct ike_sa *sa)
{
	struct wbuf inner, out;
	struct pl_chain c;
	struct ike_hdr h;

	wb_init(&inner);
	wb_init(&out);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, N_AUTHENTICATION_FAILED, NULL, 0);
	sa_fill_header(sa, &h, EXCH_INFORMATIONAL, sa->next_mid++, false,
		       PL_SK);
	if (!inner.oom && ike_protect(&sa->keys, true, &h, c.first, inner.p,
				      inner.len, &out) == 0)
		net_send(&sa->peer, sa->natt, out.p, out.len, NULL);
	wb_free(&inner);
	wb_free(&out);
}

static void answer(struct ike_sa *sa, const struct ike_hdr *h,
		   struct pl_chain *c)
{
	if (sa_send_response(sa, h->exchange, h->msg_id, c->wb, c->first) < 0)
		log_warn("could not send %s response",
			 exchange_name(h->exchange));
}

/* Deletes in a request: the IKE SA (everything goes), or Child SAs,
 * which we answer with the matching inbound SPI as the RFC asks. */
static bool handle_deletes(struct ike_sa *sa, const struct payload_list *pl,
			   struct pl_chain *c)
{
	struct delete_payload d;
	bool ike_gone = false;
	size_t i;

	for (i = 0; i < pl->n; i++) {
		if (pl->pl[i].type != PL_DELETE ||
		    delete_parse(pl->pl[i].body, pl->pl[i].len, &d, NULL) < 0)
			continue;
		if (d.proto == PROTO_IKE) {
			ike_gone = true;
		} else if (d.proto == PROTO_ESP && sa->child.up) {
			size_t k;

			for (k = 0; k < d.num_spi; k++) {
				if (child_rekey_delete(sa, d.spis + 4 * k, c))
					continue;
				if (memcmp(d.spis + 4 * k, sa->child.spi_out,
					   4))
					continue;
				delete_build(c, PROTO_ESP, 4, 1,
					     sa->child.spi_in);
				sa->child.up = false;
				snprintf(sa->child.refused,
					 sizeof(sa->child.refused),
					 "deleted by the gateway");
				sa_progress(sa,
					      "gateway deleted the Child SA");
			}
		}
	}
	return ike_gone;
}

/* RFC 5685 5: a gateway-initiated REDIRECT is protected by the SA and so
 * must not carry nonce data; one that does is answered but not followed. */
static bool redirect_request(struct ike_sa *sa, const struct payload_list *pl,
			     struct gw_ident *gw)
{
	struct notify_payload n;
	const uint8_t *nonce = NULL;
	size_t nonce_len = 0;
	struct verr e = { { 0 } };

	if (!find_notify(pl, N_REDIRECT, &n))
		return false;
	if (notify_redirect_parse(n.data, n.len, gw, &nonce, &nonce_len,
				  &e) < 0) {
		log_warn("ignoring malformed REDIRECT request: %s", e.msg);
		return false;
	}
	if (nonce) {
		sa_progress(sa, "rejected the gateway's REDIRECT: it carries nonce data, which RFC 5685 forbids outside IKE_SA_INIT");
		return false;
	}
	if (!sa->prof->redirect_enabled) {
		sa_progress(sa, "ignored the gateway's REDIRECT: redirects are disabled in the profile");
		return false;
	}
	return true;
}

void ike_handle_request(struct ike_sa *sa, const struct ike_hdr *h,
			const struct payload_list *pl)
{
	struct wbuf inner;
	struct pl_chain c;

	wb_init(&inner);
	chain_init(&c, &inner);
	if (h->exchange == EXCH_INFORMATIONAL) {
		bool ike_gone = handle_deletes(sa, pl, &c);
		struct gw_ident gw;
		bool redirect = !ike_gone && redirect_request(sa, pl, &gw);

		answer(sa, h, &c);
		if (ike_gone)
			sa_down(sa, "gateway deleted the IKE SA");
		else if (redirect)
			sa_redirect(sa, &gw, EXCH_INFORMATIONAL);
		else
			sa_tunnel_changed(sa); /* a Child SA it deleted */
	} else if (h->exchange == EXCH_CREATE_CHILD_SA) {
		child_rekey_request(sa, pl, &c);
		answer(sa, h, &c);
	} else {
		/* Answer anyway so the gateway does not retransmit until it
		 * gives up on the SA. */
		log_warn("answering unexpected %s request with INVALID_SYNTAX",
			 exchange_name(h->exchange));
		notify_build(&c, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
		answer(sa, h, &c);
	}
	wb_free(&inner);
}
