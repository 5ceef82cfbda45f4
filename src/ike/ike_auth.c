/* IKE_AUTH (RFC 7296 1.2, 2.15): identities, AUTH, the first Child SA's
 * proposal and selectors, and the CP request for a virtual IP and DNS. */
#include <stdio.h>
#include <string.h>

#include "child.h"
#include "ike_sa.h"
#include "redirect.h"
#include "vpnd/log.h"

/* RestOfIDPayload: ID type, three reserved bytes, the identity. */
static void id_body(uint8_t type, const struct chunk *data, struct wbuf *out)
{
	wb_u8(out, type);
	wb_zero(out, 3);
	wb_put(out, data->p, data->len);
}

int ike_auth_ours(struct ike_sa *sa, struct chunk *auth, uint8_t *method,
		  struct verr *e)
{
	struct chunk octets = { 0 };
	struct wbuf idb;
	int rc;

	wb_init(&idb);
	id_body(sa->my_id_type, &sa->my_id, &idb);
	if (sa->resumed)
		rc = auth_resume_octets(sa->prof->resume_auth, sa->keys.prf,
					&sa->keys.sk_pi, sa->init_req.p,
					sa->init_req.len, &sa->nr, idb.p,
					idb.len, &octets);
	else
		rc = auth_signed_octets(sa->keys.prf, &sa->keys.sk_pi,
					sa->init_req.p, sa->init_req.len,
					&sa->nr, idb.p, idb.len, &octets);
	wb_free(&idb);
	if (rc < 0) {
		verr_set(e, "cannot compute the signed octets");
		return -1;
	}
	if (sa->resumed) {
		*method = AUTH_PSK;
		rc = auth_resume(sa->keys.prf, &sa->keys.sk_pi, &octets, auth);
		if (rc < 0)
			verr_set(e, "cannot compute the resumption AUTH");
	} else if (sa->eap_phase == EAP_PHASE_FINAL) {
		const struct chunk *key = eap_auth_key(sa, true);

		*method = AUTH_PSK;
		rc = auth_psk(sa->keys.prf, key->p, key->len, &octets, auth);
		if (rc < 0)
			verr_set(e, "cannot compute the EAP AUTH");
	} else if (sa->prof->local_auth == PAUTH_PSK) {
		*method = AUTH_PSK;
		rc = auth_psk(sa->keys.prf, sa->prof->psk.p, sa->prof->psk.len,
			      &octets, auth);
		if (rc < 0)
			verr_set(e, "cannot compute the PSK AUTH");
	} else {
		rc = auth_sig_sign(sa->my_key, sa->peer_hashes,
				   sa->n_peer_hashes, &octets, method, auth, e);
	}
	chunk_free(&octets);
	return rc;
}

static void add_ts(struct pl_chain *c, uint8_t type, const struct ts_cfg *cfg,
		   size_t n, bool dynamic_v4, bool dynamic_v6,
		   struct ts_payload *offered)
{
	struct ts_payload ts;
	size_t i;

	memset(&ts, 0, sizeof(ts));
	/* "dynamic" (no selectors): whatever address the gateway assigns,
	 * which it narrows from the full range. */
	if (n == 0) {
		if (dynamic_v4 || !dynamic_v6) {
			ts.ts[ts.n].type = TS_IPV4_ADDR_RANGE;
			ts.ts[ts.n].end_port = 0xffff;
			memset(ts.ts[ts.n].end, 0xff, 4);
			ts.n++;
		}
		if (dynamic_v6) {
			ts.ts[ts.n].type = TS_IPV6_ADDR_RANGE;
			ts.ts[ts.n].end_port = 0xffff;
			memset(ts.ts[ts.n].end, 0xff, 16);
			ts.n++;
		}
	}
	for (i = 0; i < n && ts.n < TS_MAX; i++) {
		struct ts_entry *t = &ts.ts[ts.n++];
		size_t alen = cfg[i].family == AF_INET6 ? 16 : 4, b;

		t->type = alen == 16 ? TS_IPV6_ADDR_RANGE : TS_IPV4_ADDR_RANGE;
		t->ip_proto = cfg[i].ip_proto;
		t->start_port = cfg[i].port_lo;
		t->end_port = cfg[i].port_hi;
		for (b = 0; b < alen; b++) {
			unsigned bits = cfg[i].prefix > b * 8 ?
						cfg[i].prefix - b * 8 : 0;
			uint8_t mask = bits >= 8 ? 0xff :
					      (uint8_t)(0xff00u >> bits);

			t->start[b] = cfg[i].addr[b] & mask;
			t->end[b] = (uint8_t)(cfg[i].addr[b] | ~mask);
		}
	}
	ts_build(c, type, &ts);
	*offered = ts;
}

/* Our certificate, and the CERTREQ naming the CAs we trust for the
 * gateway's; a CERTREQ we cannot build is only a warning, since the
 * gateway may send its certificate anyway. */
static void add_cert_payloads(struct ike_sa *sa, struct pl_chain *c)
{
	const struct profile *p = sa->prof;
	struct verr e = { { 0 } };
	struct wbuf certreq;

	if (sa->my_cert) {
		unsigned char *der = NULL;
		int dlen = i2d_X509(sa->my_cert, &der);

		if (dlen > 0)
			cert_build(c, PL_CERT, CERT_X509_SIG, der, (size_t)dlen);
		OPENSSL_free(der);
	}
	if (p->remote_auth != PAUTH_CERT || sa->resumed)
		return;
	wb_init(&certreq);
	if (creds_certreq(p, &certreq, &e) == 0)
		cert_build(c, PL_CERTREQ, CERT_X509_SIG, certreq.p, certreq.len);
	else
		log_warn("no CERTREQ: %s", e.msg);
	wb_free(&certreq);
}

static int auth_start(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	const struct profile *p = sa->prof;
	struct chunk auth = { 0 };
	struct wbuf inner;
	struct pl_chain c;
	uint8_t method;
	int rc;

	/* After a resume the ticket's identity and keys stand in for the
	 * credentials (RFC 5723 5.1): nothing to load, nothing to sign, and
	 * no EAP round (the point of RFC 5723). With EAP our first request
	 * has no AUTH (RFC 7296 2.16). */
	sa->eap_phase = EAP_PHASE_NONE;
	if (!sa->resumed && creds_load(sa, e) < 0)
		return -1;
	if (!sa->resumed && p->local_auth == PAUTH_EAP) {
		if (eap_auth_begin(sa, e) < 0)
			return -1;
	} else if (ike_auth_ours(sa, &auth, &method, e) < 0) {
		return -1;
	}
	if (child_alloc_spi(sa, e) < 0)
		return -1;
	wb_init(&inner);
	chain_init(&c, &inner);
	id_build(&c, PL_IDI, sa->my_id_type, sa->my_id.p, sa->my_id.len);
	add_cert_payloads(sa, &c);
	/* INITIAL_CONTACT tells the gateway to drop every other SA with us
	 * (RFC 7296 2.4): wrong while the SA we replace still carries us. */
	if (!sa->replacing && !sa->resumed)
		notify_build(&c, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	if (p->send_idr && p->remote_id.type)
		id_build(&c, PL_IDR, p->remote_id.type, p->remote_id.data,
			 p->remote_id.len);
	if (sa->eap_phase == EAP_PHASE_FIRST)
		eap_auth_add_first(sa, &c);
	else
		auth_build(&c, method, auth.p, auth.len);
	chunk_free(&auth);
	cfg_build_request(&c, p, sa->has_vip_hint ? sa->vip_hint4 : NULL);
	proposal_build_esp(&c, p, child_in_state(sa, CHILD_CREATING)->spi_in,
			   false);
	add_ts(&c, PL_TSI, p->local_ts, p->n_local_ts, p->request_ipv4,
	       p->request_ipv6, &sa->offered_tsi);
	add_ts(&c, PL_TSR, p->remote_ts, p->n_remote_ts, p->request_ipv4,
	       p->request_ipv6, &sa->offered_tsr);
	ticket_add_request(sa, &c);
	mobike_add_supported(sa, &c);
	sa_set_state(sa, IKE_AUTH_SENT);
	sa->auth_rounds = 1;
	if (sa->resumed)
		sa_progress(sa, "authenticating with the resumed SA's keys");
	else if (sa->eap_phase == EAP_PHASE_FIRST)
		sa_progress(sa, "authenticating as %s by %s",
			    p->local_id.text, eap_auth_method_name(p));
	else
		sa_progress(sa, "authenticating as %s (%s)",
			    p->local_id.text[0] ? p->local_id.text :
						  "certificate subject",
			    auth_method_name(method));
	rc = sa_send_protected(sa, EXCH_IKE_AUTH, &inner, c.first);
	wb_free(&inner);
	if (rc < 0)
		verr_set(e, "cannot send the IKE_AUTH request");
	return rc;
}

static enum resume_auth_form other_form(enum resume_auth_form f)
{
	return f == RESUME_AUTH_MESSAGE ? RESUME_AUTH_SIGNED_OCTETS :
					  RESUME_AUTH_MESSAGE;
}

/* The octets the gateway's resumed AUTH covers, in the given form. */
static int resumed_peer_octets(struct ike_sa *sa, enum resume_auth_form form,
			       const struct ike_payload *p_id,
			       struct chunk *octets)
{
	return auth_resume_octets(form, sa->keys.prf, &sa->keys.sk_pr,
				  sa->init_resp.p, sa->init_resp.len, &sa->ni,
				  p_id->body, p_id->len, octets);
}

static bool resumed_auth_matches(struct ike_sa *sa, enum resume_auth_form form,
				 const struct ike_payload *p_id,
				 const struct auth_payload *auth)
{
	struct chunk octets = { 0 };
	bool ok;

	ok = resumed_peer_octets(sa, form, p_id, &octets) == 0 &&
	     auth_resume_verify(sa->keys.prf, &sa->keys.sk_pr, &octets,
				auth->data, auth->len);
	chunk_free(&octets);
	return ok;
}

/* RFC 5723 5.1: the gateway proves it opened the ticket by keying its
 * AUTH with SK_pr; no certificate is sent after a resume. When the AUTH
 * matches the other form, the profile names the wrong one: say so. */
static int verify_resumed(struct ike_sa *sa, const struct ike_payload *p_id,
			  const struct auth_payload *auth, struct verr *e)
{
	enum resume_auth_form form = sa->prof->resume_auth;
	enum resume_auth_form other = other_form(form);

	if (auth->method != AUTH_PSK) {
		verr_set(e, "resumed SA, but the gateway used AUTH method %s",
			 auth_method_name(auth->method));
		return -1;
	}
	if (resumed_auth_matches(sa, form, p_id, auth))
		return 0;
	if (resumed_auth_matches(sa, other, p_id, auth))
		verr_set(e, "the gateway's resumed AUTH is of the '%s' form, not '%s' (set 'resumption: auth: %s')",
			 resume_auth_form_name(other),
			 resume_auth_form_name(form),
			 resume_auth_form_name(other));
	else
		verr_set(e, "AUTH of the resumed SA does not verify in the '%s' form",
			 resume_auth_form_name(form));
	return -1;
}

/* The gateway's IDr, kept and checked against the profile. */
int ike_auth_take_gateway_id(struct ike_sa *sa, const struct ike_payload *p_id,
			     struct verr *e)
{
	struct id_payload id;

	if (id_parse(p_id->body, p_id->len, &id, e) < 0)
		return -1;
	sa->peer_id_type = id.type;
	chunk_set(&sa->peer_id, id.data, id.len);
	if (!profile_accepts_remote_id(sa->prof, id.type, id.data, id.len)) {
		hint_peer_id_refused(sa, id.type, id.data, id.len, e);
		return -1;
	}
	return 0;
}

/* After EAP: the gateway's AUTH keyed with the MSK over its octets with
 * the IDr of its first response (RFC 7296 2.16); the identity was
 * checked then, and was proven by its signature or the method. */
static int verify_gateway_eap(struct ike_sa *sa,
			      const struct auth_payload *auth,
			      struct verr *e)
{
	const struct chunk *key = eap_auth_key(sa, false);
	struct chunk octets = { 0 };
	bool ok;

	if (auth->method != AUTH_PSK) {
		verr_set(e, "gateway's AUTH after EAP uses %s, not the shared key method",
			 auth_method_name(auth->method));
		return -1;
	}
	if (auth_signed_octets(sa->keys.prf, &sa->keys.sk_pr, sa->init_resp.p,
			       sa->init_resp.len, &sa->ni,
			       sa->peer_id_body.p, sa->peer_id_body.len,
			       &octets) < 0) {
		verr_set(e, "cannot compute the signed octets");
		return -1;
	}
	ok = auth_psk_verify(sa->keys.prf, key->p, key->len, &octets,
			     auth->data, auth->len);
	chunk_free(&octets);
	if (!ok) {
		verr_set(e, "gateway's AUTH after EAP does not verify with the MSK");
		return -1;
	}
	return 0;
}

/* The gateway's identity and AUTH, checked before anything else in the
 * response is believed (RFC 7296 2.15). */
int ike_auth_verify_gateway(struct ike_sa *sa, const struct payload_list *pl,
			    struct verr *e)
{
	const struct ike_payload *p_id = payload_find(pl, PL_IDR);
	const struct ike_payload *p_auth = payload_find(pl, PL_AUTH);
	struct chunk octets = { 0 };
	struct auth_payload auth;
	int rc;

	if (sa->eap_phase == EAP_PHASE_FINAL) {
		if (!p_auth) {
			verr_set(e, "the last IKE_AUTH response lacks AUTH");
			return -1;
		}
		if (auth_parse(p_auth->body, p_auth->len, &auth, e) < 0)
			return -1;
		return verify_gateway_eap(sa, &auth, e);
	}
	if (!p_id || !p_auth) {
		verr_set(e, "IKE_AUTH response lacks IDr or AUTH");
		return -1;
	}
	if (auth_parse(p_auth->body, p_auth->len, &auth, e) < 0 ||
	    ike_auth_take_gateway_id(sa, p_id, e) < 0)
		return -1;
	sa->auth_method_peer = auth.method;
	if (sa->resumed)
		return verify_resumed(sa, p_id, &auth, e);
	/* AUTH covers the ID payload body exactly as received. */
	rc = auth_signed_octets(sa->keys.prf, &sa->keys.sk_pr,
				sa->init_resp.p, sa->init_resp.len, &sa->ni,
				p_id->body, p_id->len, &octets);
	if (rc < 0)
		verr_set(e, "cannot compute the signed octets");
	else
		rc = creds_verify_peer(sa, pl, &auth, &octets, e);
	chunk_free(&octets);
	return rc;
}

static bool ts_inside(const struct ts_entry *t, const struct ts_payload *offer)
{
	size_t i, alen = t->type == TS_IPV6_ADDR_RANGE ? 16 : 4;

	for (i = 0; i < offer->n; i++) {
		const struct ts_entry *o = &offer->ts[i];

		if (o->type != t->type ||
		    (o->ip_proto && o->ip_proto != t->ip_proto) ||
		    t->start_port < o->start_port || t->end_port > o->end_port ||
		    memcmp(t->start, o->start, alen) < 0 ||
		    memcmp(t->end, o->end, alen) > 0)
			continue;
		return true;
	}
	return false;
}

/* RFC 7296 2.9: the gateway may narrow our selectors, never widen them. */
int ts_check(const struct ts_payload *got, const struct ts_payload *offer,
		    const char *which, struct verr *e)
{
	size_t i;

	if (got->n == 0) {
		verr_set(e, "gateway returned no %s selectors", which);
		return -1;
	}
	for (i = 0; i < got->n; i++) {
		if (!ts_inside(&got->ts[i], offer)) {
			verr_set(e, "gateway's %s selector %zu is outside what we proposed",
				 which, i + 1);
			return -1;
		}
	}
	return 0;
}

/* Errors that refuse only the Child SA; the IKE SA stands (RFC 7296
 * 1.2, 3.10.1). Any other error next to AUTH fails the whole request.
 * libreswan answers TEMPORARY_FAILURE next to a verified AUTH when its
 * kernel refused its half of the Child SA: that one is retried. */
static bool child_only_error(uint16_t err)
{
	switch (err) {
	case N_TEMPORARY_FAILURE:
	case N_NO_PROPOSAL_CHOSEN:
	case N_TS_UNACCEPTABLE:
	case N_SINGLE_PAIR_REQUIRED:
	case N_INTERNAL_ADDRESS_FAILURE:
	case N_FAILED_CP_REQUIRED:
	case N_INVALID_SELECTORS:
		return true;
	default:
		return false;
	}
}

/* The Child SA that auth_start reserved an SPI for becomes INSTALLED,
 * or DELETING when we refuse what the gateway chose (it has made the
 * pair: our delete tells it), or goes when the gateway made none. */
static void take_child(struct ike_sa *sa, const struct payload_list *pl,
		       uint16_t err)
{
	const struct ike_payload *p_sa = payload_find(pl, PL_SA);
	const struct ike_payload *p_tsi = payload_find(pl, PL_TSI);
	const struct ike_payload *p_tsr = payload_find(pl, PL_TSR);
	struct child_sa *ch = child_in_state(sa, CHILD_CREATING);
	static struct sa_payload sa_pl;
	struct verr e = { { 0 } };

	if (!ch)
		return;
	if (!p_sa || !p_tsi || !p_tsr) {
		snprintf(sa->child_refused, sizeof(sa->child_refused), "%s",
			 err ? notify_name(err) : "no SA/TS in the response");
		sa->child_refused_notify = err;
		child_remove_pair(sa, ch); /* the reserved SPI */
		child_free(sa, ch);
		return;
	}
	if (sa_parse(p_sa->body, p_sa->len, &sa_pl, &e) < 0 ||
	    proposal_check_esp(&sa_pl, sa->prof, false, ch, NULL, &e) < 0 ||
	    ts_parse(p_tsi->body, p_tsi->len, &ch->tsi, &e) < 0 ||
	    ts_parse(p_tsr->body, p_tsr->len, &ch->tsr, &e) < 0 ||
	    ts_check(&ch->tsi, &sa->offered_tsi, "TSi", &e) < 0 ||
	    ts_check(&ch->tsr, &sa->offered_tsr, "TSr", &e) < 0) {
		snprintf(sa->child_refused, sizeof(sa->child_refused),
			 "we refused it: %s", e.msg);
		child_remove_pair(sa, ch);
		child_set_state(sa, ch, CHILD_DELETING);
		return;
	}
	child_set_state(sa, ch, CHILD_INSTALLED);
}

static void install_child(struct ike_sa *sa)
{
	struct child_sa *ch = sa_child(sa);
	struct verr e = { { 0 } };

	if (!ch || !child_kernel_enabled(sa))
		return;
	if (child_install(sa, ch, &e) < 0)
		snprintf(ch->install_error, sizeof(ch->install_error), "%s",
			 e.msg);
	else if (!sa_is_next(sa))
		hostcfg_install(sa); /* a replacement's waits for sa_up */
}

static void take_config(struct ike_sa *sa, const struct payload_list *pl)
{
	const struct ike_payload *p_cp = payload_find(pl, PL_CP);
	static struct cp_payload cp;
	struct verr e = { { 0 } };

	cfg_reply_clear(&sa->cfg);
	if (!p_cp)
		return;
	if (cp_parse(p_cp->body, p_cp->len, &cp, &e) < 0) {
		log_warn("ignoring malformed CP payload: %s", e.msg);
		return;
	}
	if (cp.cfg_type == CFG_REPLY)
		cfg_parse_reply(&cp, &sa->cfg);
}

/* RFC 5685 6: a REDIRECT in the IKE_AUTH response counts only once the
 * gateway's AUTH verified; no Child SA is created, the IKE SA is deleted.
 * This is the last response (without EAP also the first), one of the
 * two places the RFC allows; ike_eap.c takes the first one of EAP. */
bool ike_auth_redirect_target(struct ike_sa *sa, const struct ike_msg *m,
			      struct gw_ident *gw)
{
	char why[256];

	switch (redirect_take(m, EXCH_IKE_AUTH, &sa->ni,
			      sa->prof->redirect_enabled, gw, why,
			      sizeof(why))) {
	case REDIR_ABSENT:
		return false;
	case REDIR_REFUSED:
	case REDIR_DISABLED:
		log_warn("ignoring REDIRECT in IKE_AUTH: %s", why);
		return false;
	case REDIR_FOLLOW:
		break;
	}
	return true;
}

static bool follow_auth_redirect(struct ike_sa *sa, const struct ike_msg *m,
				 enum task_rc *rc)
{
	struct gw_ident gw;

	if (!ike_auth_redirect_target(sa, m, &gw))
		return false;
	/* Authenticated: the SA exists on the gateway, and conn deletes it
	 * as RFC 5685 6 asks. */
	sa_set_state(sa, IKE_ESTABLISHED);
	*rc = task_redirect(sa, &gw, EXCH_IKE_AUTH);
	return true;
}

static enum task_rc auth_response(struct ike_sa *sa, struct ike_task *t,
				  const struct ike_msg *m)
{
	uint16_t err = m->first_error;
	struct verr e = { { 0 } };
	enum task_rc rc;
	char hint[400];

	if (sa->eap_phase == EAP_PHASE_FIRST || sa->eap_phase == EAP_PHASE_METHOD)
		return eap_auth_round(sa, m);
	if (!msg_payload(m, PL_AUTH)) {
		if (sa->resumed && err == N_AUTHENTICATION_FAILED)
			return task_fail_as(sa, REASON_AUTH_FAILED, "gateway refused the resumed AUTH (AUTHENTICATION_FAILED) in the '%s' form; it may want 'resumption: auth: %s'",
					    resume_auth_form_name(sa->prof->resume_auth),
					    resume_auth_form_name(
						    other_form(sa->prof->resume_auth)));
		if (err == N_AUTHENTICATION_FAILED) {
			hint_auth_failed(sa, hint, sizeof(hint));
			return task_fail_as(sa, REASON_AUTH_FAILED, "gateway refused IKE_AUTH: AUTHENTICATION_FAILED; %s",
					    hint);
		}
		return task_fail_as(sa, REASON_REFUSED,
				    "gateway refused IKE_AUTH: %s",
				    err ? notify_name(err) : "no AUTH payload");
	}
	if (ike_auth_verify_gateway(sa, m->pl, &e) < 0) {
		ike_send_auth_failed(sa);
		return task_fail_as(sa, REASON_AUTH_FAILED,
				    "gateway authentication failed: %s", e.msg);
	}
	/* Both AUTHs are done: the MSK and the method's state go. */
	if (sa->eap_phase == EAP_PHASE_FINAL)
		eap_auth_clear(sa);
	if (follow_auth_redirect(sa, m, &rc))
		return rc;
	if (err && !child_only_error(err))
		return task_fail_as(sa, REASON_REFUSED,
				    "gateway refused IKE_AUTH: %s",
				    notify_name(err));
	take_child(sa, m->pl, err);
	take_config(sa, m->pl);
	sa_set_state(sa, IKE_ESTABLISHED);
	install_child(sa);
	ticket_take_response(sa, m->pl);
	reauth_take_lifetime(sa, m);
	mobike_take(sa, m);
	if (child_in_state(sa, CHILD_DELETING))
		ike_delete_child(sa, child_in_state(sa, CHILD_DELETING));
	/* RFC 7296 2.25: the gateway may manage later; the same proposal
	 * refused for any other reason would be refused again. */
	if (!sa_child(sa) && sa->child_refused_notify == N_TEMPORARY_FAILURE &&
	    !sa->prof->esp_failure_delete)
		child_retry_schedule(sa);
	return TASK_UP;
}

static const struct ike_task_ops auth_ops = {
	.name = "IKE_AUTH",
	.vital = true,
	.start = auth_start,
	.response = auth_response,
};

int ike_auth_queue(struct ike_sa *sa, struct verr *e)
{
	return sa_queue_new(sa, &auth_ops, e);
}
