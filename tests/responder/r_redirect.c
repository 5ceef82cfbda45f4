/* RFC 5685 redirects, gateway side: REDIRECT in IKE_SA_INIT (with the
 * initiator's nonce, or spoofed and malformed copies followed by the
 * real answer), in IKE_AUTH after verifying the initiator, and in a
 * gateway-initiated INFORMATIONAL; plus what the initiator told us
 * (REDIRECT_SUPPORTED, REDIRECTED_FROM) and when SAs came and went, so
 * tests can order events across several gateways. */
#include <arpa/inet.h>
#include <string.h>

#include "r_internal.h"
#include "vpnd/log.h"

#define DEFAULT_DEFER_MS 30

static uint64_t event_counter;

uint64_t r_event_seq(void)
{
	return ++event_counter;
}

void responder_gw_ident(struct gw_ident *gw, const char *text)
{
	size_t len = strlen(text);

	memset(gw, 0, sizeof(*gw));
	if (inet_pton(AF_INET, text, gw->data) == 1) {
		gw->type = GW_IPV4;
		gw->len = 4;
	} else if (inet_pton(AF_INET6, text, gw->data) == 1) {
		gw->type = GW_IPV6;
		gw->len = 16;
	} else {
		gw->type = GW_FQDN;
		gw->len = (uint8_t)(len < sizeof(gw->data) ? len :
							     sizeof(gw->data));
		memcpy(gw->data, text, gw->len);
	}
}

void r_redirect_note_init(struct responder *r, const struct r_msg *m)
{
	struct notify_payload n;
	struct verr e = { { 0 } };

	if (r_find_notify(&m->pl, N_REDIRECT_SUPPORTED, &n))
		r->st.redirect_supported_seen++;
	if (!r_find_notify(&m->pl, N_REDIRECTED_FROM, &n))
		return;
	r->st.redirected_from_seen++;
	r->st.redirected_from_ok =
		notify_redirected_from_parse(n.data, n.len,
					     &r->st.redirected_from, &e) == 0;
	if (!r->st.redirected_from_ok)
		log_warn("responder: bad REDIRECTED_FROM: %s", e.msg);
}

/* GW ident (5685 4) and, in IKE_SA_INIT, nonce data. */
static void redirect_data(const struct gw_ident *to, const uint8_t *nonce,
			  size_t nonce_len, struct wbuf *out)
{
	gw_ident_build(out, to);
	if (nonce)
		wb_put(out, nonce, nonce_len);
}

/* An IPv4 ident claiming five bytes: wrong for its type (5685 4). */
static void bad_ident_data(const uint8_t *nonce, size_t nonce_len,
			   struct wbuf *out)
{
	static const uint8_t ident[] = { GW_IPV4, 5, 127, 0, 0, 2, 0 };

	wb_put(out, ident, sizeof(ident));
	wb_put(out, nonce, nonce_len);
}

/* Stateless, like a COOKIE answer: one notify, responder SPI zero. */
static void send_init_notify(struct responder *r, const struct r_msg *m,
			     const struct wbuf *data)
{
	if (!data->oom &&
	    r_answer_notify(r, m, N_REDIRECT, data->p, data->len))
		r->st.redirects_sent++;
}

void r_redirect_stateless(struct responder *r, const struct r_msg *m,
			  const struct gw_ident *to,
			  const struct ike_payload *nonce)
{
	struct wbuf data;

	wb_init(&data);
	redirect_data(to, nonce->body, nonce->len, &data);
	send_init_notify(r, m, &data);
	wb_free(&data);
}

bool r_redirect_init(struct responder *r, const struct r_msg *m,
		     const struct ike_payload *nonce)
{
	uint8_t wrong[R_NONCE_LEN];
	struct wbuf data;

	if (!r->cfg.redirect_init_to.len)
		return false;
	if (r->cfg.redirect_init_mode == RREDIR_VALID) {
		r_redirect_stateless(r, m, &r->cfg.redirect_init_to, nonce);
		return true;
	}
	wb_init(&data);
	if (r->cfg.redirect_init_mode == RREDIR_WRONG_NONCE) {
		/* What an off-path attacker could send: it cannot know Ni. */
		random_bytes(wrong, sizeof(wrong));
		redirect_data(&r->cfg.redirect_init_to, wrong, sizeof(wrong),
			      &data);
	} else {
		bad_ident_data(nonce->body, nonce->len, &data);
	}
	send_init_notify(r, m, &data);
	wb_free(&data);
	return false;
}

bool r_redirect_defers(const struct responder *r)
{
	return r->cfg.redirect_init_to.len &&
	       r->cfg.redirect_init_mode != RREDIR_VALID;
}

static void send_deferred(void *ctx)
{
	struct responder *r = ctx;
	struct r_sa *sa = r->defer_sa;

	r->defer_timer = 0;
	r->defer_sa = NULL;
	/* The slot may have been reused or cleared in the meantime. */
	if (!sa || sa->state != RSA_INIT_DONE || !sa->init_resp.p)
		return;
	r_send(r, &sa->peer, sa->natt, sa->init_resp.p, sa->init_resp.len);
}

void r_redirect_defer(struct responder *r, struct r_sa *sa)
{
	unsigned ms = r->cfg.redirect_init_delay_ms ?
			      r->cfg.redirect_init_delay_ms :
			      DEFAULT_DEFER_MS;

	r_redirect_cancel(r);
	r->defer_sa = sa;
	r->defer_timer = loop_timer(r->loop, ms, send_deferred, r);
}

void r_redirect_cancel(struct responder *r)
{
	if (r->defer_timer)
		loop_timer_cancel(r->loop, r->defer_timer);
	r->defer_timer = 0;
	r->defer_sa = NULL;
}

bool r_redirect_auth(struct responder *r, struct r_sa *sa, struct pl_chain *c)
{
	struct wbuf data;

	if (!r->cfg.redirect_auth_to.len)
		return false;
	/* No nonce data outside IKE_SA_INIT: the SA protects it (5685 6). */
	wb_init(&data);
	redirect_data(&r->cfg.redirect_auth_to, NULL, 0, &data);
	notify_build(c, 0, NULL, 0, N_REDIRECT, data.p, data.len);
	wb_free(&data);
	sa->auth_redirected = true;
	r->st.auth_redirects++;
	r->st.redirects_sent++;
	return true;
}

void r_redirect_note_established(struct responder *r, struct r_sa *sa)
{
	if (sa->auth_redirected)
		return;
	r->st.established_seq = r_event_seq();
	r->st.established_ms = loop_now_ms();
}

void r_redirect_note_ike_delete(struct responder *r, struct r_sa *sa)
{
	r->st.ike_delete_seq = r_event_seq();
	r->st.ike_delete_ms = loop_now_ms();
	if (sa->auth_redirected)
		r->st.deletes_after_redirect++;
}

int responder_send_redirect(struct responder *r, const struct gw_ident *to,
			    bool with_nonce)
{
	struct r_sa *sa = r_sa_newest(r);
	uint8_t nonce[R_NONCE_LEN];
	struct wbuf inner, data;
	struct pl_chain c;
	int rc;

	if (!sa)
		return -1;
	random_bytes(nonce, sizeof(nonce));
	wb_init(&data);
	redirect_data(to, with_nonce ? nonce : NULL, sizeof(nonce), &data);
	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, N_REDIRECT, data.p, data.len);
	sa->req_is_delete = false;
	rc = data.oom ? -1 : r_request(r, sa, EXCH_INFORMATIONAL, &inner,
				       c.first);
	if (rc == 0)
		r->st.redirects_sent++;
	wb_free(&inner);
	wb_free(&data);
	return rc;
}

unsigned responder_established(const struct responder *r)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < R_MAX_SAS; i++)
		n += r->sas[i].state == RSA_ESTABLISHED;
	return n;
}
