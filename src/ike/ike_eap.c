/* EAP in IKE_AUTH (RFC 7296 2.16, RFC 5998), the initiator's side of
 * the extra rounds of the IKE_AUTH task: our first request carries no
 * AUTH; the first response must prove the gateway (its AUTH, verified
 * before any EAP credential of ours leaves, or with EAP-only a mutual
 * method) and starts EAP; each response's EAP packet goes to the EAP
 * peer (src/eap) and its answer out in the next IKE_AUTH request; after
 * EAP-Success both sides' AUTH are keyed with the MSK, and ike_auth.c
 * takes the last response as it takes a single-round one.
 *
 * RFC 5685 6: a REDIRECT counts in the first response (once the
 * gateway's AUTH verified) and in the last one, never in between. */
#include <string.h>

#include "ike_sa.h"
#include "vpnd/eap.h"
#include "vpnd/log.h"

static uint8_t eap_type_of(enum profile_eap m)
{
	return m == PEAP_TLS ? EAP_TYPE_TLS : EAP_TYPE_MSCHAPV2;
}

const char *eap_auth_method_name(const struct profile *p)
{
	return eap_type_name(eap_type_of(p->eap_method));
}

static int load_tls_creds(struct ike_sa *sa, struct eap_peer_cfg *cfg,
			  struct verr *e)
{
	const struct profile *p = sa->prof;

	sa->eap_cert = x509_load_pem(p->cert_file, e);
	if (!sa->eap_cert)
		return -1;
	sa->eap_key = pkey_load_pem(p->key_file, e);
	if (!sa->eap_key)
		return -1;
	if (X509_check_private_key(sa->eap_cert, sa->eap_key) != 1) {
		verr_set(e, "%s does not hold the key of %s", p->key_file,
			 p->cert_file);
		return -1;
	}
	cfg->cert = sa->eap_cert;
	cfg->key = sa->eap_key;
	cfg->ca_file = p->ca_file;
	cfg->server_id_type = p->remote_id.type;
	cfg->server_id = p->remote_id.data;
	cfg->server_id_len = p->remote_id.len;
	return 0;
}

int eap_auth_begin(struct ike_sa *sa, struct verr *e)
{
	const struct profile *p = sa->prof;
	const struct chunk *pw = conn_password(sa->conn);
	struct eap_peer_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.method = eap_type_of(p->eap_method);
	cfg.identity = (const uint8_t *)p->eap_identity;
	cfg.identity_len = p->eap_identity_len;
	if (p->eap_method == PEAP_MSCHAPV2) {
		if (!pw->len) {
			verr_set(e, "no password for EAP-MSCHAPv2 (set eap 'password-file', or connect with vpnctl on a terminal)");
			return -1;
		}
		cfg.password = (const char *)pw->p;
		cfg.password_len = pw->len;
	} else if (load_tls_creds(sa, &cfg, e) < 0) {
		return -1;
	}
	eap_peer_free(sa->eap);
	sa->eap = eap_peer_new(&cfg, e);
	if (!sa->eap)
		return -1;
	sa->eap_phase = EAP_PHASE_FIRST;
	return 0;
}

void eap_auth_add_first(struct ike_sa *sa, struct pl_chain *c)
{
	/* RFC 5998 3: we let the gateway leave out its AUTH, and check in
	 * the response that the method is one that proves it. */
	if (sa->prof->remote_auth == PAUTH_EAP)
		notify_build(c, 0, NULL, 0, N_EAP_ONLY_AUTHENTICATION, NULL,
			     0);
}

/* The gateway's first response: who it is, proven by its AUTH or (with
 * EAP-only) left to the method. */
static int take_first(struct ike_sa *sa, const struct ike_msg *m,
		      struct verr *e)
{
	const struct ike_payload *p_id = msg_payload(m, PL_IDR);

	if (!p_id) {
		verr_set(e, "the first IKE_AUTH response lacks IDr");
		return -1;
	}
	if (msg_payload(m, PL_AUTH)) {
		if (ike_auth_verify_gateway(sa, m->pl, e) < 0)
			return -1;
		sa->gw_signed = true;
	} else {
		if (sa->prof->remote_auth != PAUTH_EAP ||
		    !eap_method_mutual(eap_type_of(sa->prof->eap_method))) {
			verr_set(e, "the gateway did not authenticate itself (no AUTH in its first IKE_AUTH response), and the profile allows that only with remote auth eap and a mutual method (RFC 5998)");
			return -1;
		}
		if (ike_auth_take_gateway_id(sa, p_id, e) < 0)
			return -1;
		sa->eap_only = true;
	}
	if (!chunk_set(&sa->peer_id_body, p_id->body, p_id->len)) {
		verr_set(e, "out of memory");
		return -1;
	}
	return 0;
}

/* A REDIRECT next to EAP: the first response's is followed once the
 * gateway's AUTH verified (RFC 5685 6 third paragraph: it may redirect
 * on our unauthenticated identity; no SA exists yet, so nothing is
 * deleted); one in a middle round is ignored. */
static bool redirect_in_round(struct ike_sa *sa, const struct ike_msg *m,
			      bool first, enum task_rc *rc)
{
	struct gw_ident gw;

	if (!ike_auth_redirect_target(sa, m, &gw))
		return false;
	if (!first) {
		log_warn("ignoring REDIRECT in an intermediate IKE_AUTH response (RFC 5685 6: only the first or the last counts)");
		return false;
	}
	if (!sa->gw_signed) {
		log_warn("ignoring REDIRECT in the first IKE_AUTH response: the gateway's AUTH is not there to verify it");
		return false;
	}
	*rc = task_redirect(sa, &gw, EXCH_IKE_AUTH);
	return true;
}

static int send_eap(struct ike_sa *sa, const struct wbuf *pkt)
{
	struct wbuf inner;
	struct pl_chain c;
	int rc;

	wb_init(&inner);
	chain_init(&c, &inner);
	chain_add(&c, PL_EAP, pkt->p, pkt->len);
	rc = sa_send_protected(sa, EXCH_IKE_AUTH, &inner, c.first);
	wb_free(&inner);
	return rc;
}

static int send_final_auth(struct ike_sa *sa, struct verr *e)
{
	struct chunk auth = { 0 };
	struct wbuf inner;
	struct pl_chain c;
	uint8_t method;
	int rc;

	if (ike_auth_ours(sa, &auth, &method, e) < 0)
		return -1;
	wb_init(&inner);
	chain_init(&c, &inner);
	auth_build(&c, method, auth.p, auth.len);
	chunk_free(&auth);
	rc = sa_send_protected(sa, EXCH_IKE_AUTH, &inner, c.first);
	wb_free(&inner);
	if (rc < 0)
		verr_set(e, "cannot send the IKE_AUTH request");
	return rc;
}

static enum task_rc eap_failed(struct ike_sa *sa, const struct ike_msg *m,
			       const char *why)
{
	uint16_t err = m->first_error;

	if (err == N_AUTHENTICATION_FAILED)
		return task_fail_as(sa, REASON_AUTH_FAILED,
				    "gateway refused IKE_AUTH: AUTHENTICATION_FAILED (during EAP: %s)",
				    why);
	if (err)
		return task_fail_as(sa, REASON_REFUSED,
				    "gateway refused IKE_AUTH: %s",
				    notify_name(err));
	return task_fail_as(sa, REASON_AUTH_FAILED, "EAP: %s", why);
}

static enum task_rc feed_eap(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_payload *p_eap = msg_payload(m, PL_EAP);
	struct verr e = { { 0 } };
	struct wbuf out;
	enum eap_status st;
	int rc = -1;

	if (!p_eap)
		return eap_failed(sa, m, "the gateway's IKE_AUTH response carries no EAP payload");
	wb_init(&out);
	st = eap_peer_input(sa->eap, p_eap->body, p_eap->len, &out, &e);
	sa->eap_rounds = eap_peer_rounds(sa->eap);
	if (st == EAP_REPLY) {
		rc = send_eap(sa, &out);
		sa->eap_phase = EAP_PHASE_METHOD;
	} else if (st == EAP_DONE) {
		sa_progress(sa, "EAP succeeded (%s, %u rounds)",
			    eap_auth_method_name(sa->prof), sa->eap_rounds);
		sa->eap_phase = EAP_PHASE_FINAL;
		rc = send_final_auth(sa, &e);
	}
	wb_free(&out);
	/* We end it (a gateway certificate TLS refused, a wrong
	 * authenticator response): tell the gateway, RFC 7296 2.21.2, so it
	 * may drop its half-made SA (strongSwan 5.9.8 keeps it until its
	 * half-open timeout anyway); after its own EAP-Failure it has. */
	if (st == EAP_FAILED && p_eap->len && p_eap->body[0] != EAP_CODE_FAILURE)
		ike_send_auth_failed(sa);
	if (st == EAP_FAILED)
		return eap_failed(sa, m, e.msg);
	if (rc < 0)
		return task_fail_as(sa, REASON_ERROR, "cannot send the IKE_AUTH request%s%s",
				    e.msg[0] ? ": " : "", e.msg);
	sa->auth_rounds++;
	return TASK_MORE;
}

enum task_rc eap_auth_round(struct ike_sa *sa, const struct ike_msg *m)
{
	bool first = sa->eap_phase == EAP_PHASE_FIRST;
	struct verr e = { { 0 } };
	enum task_rc rc;

	if (first && !msg_payload(m, PL_EAP)) {
		if (m->first_error == N_AUTHENTICATION_FAILED) {
			char hint[400];

			hint_auth_failed(sa, hint, sizeof(hint));
			return task_fail_as(sa, REASON_AUTH_FAILED,
					    "gateway refused IKE_AUTH before EAP: AUTHENTICATION_FAILED; %s",
					    hint);
		}
		return eap_failed(sa, m, "no EAP payload in the first response");
	}
	if (first && take_first(sa, m, &e) < 0) {
		if (sa->gw_signed || msg_payload(m, PL_AUTH))
			ike_send_auth_failed(sa);
		return task_fail_as(sa, REASON_AUTH_FAILED,
				    "gateway authentication failed: %s",
				    e.msg);
	}
	if (redirect_in_round(sa, m, first, &rc))
		return rc;
	return feed_eap(sa, m);
}

/* RFC 7296 2.16: the MSK is the shared secret of both AUTHs; a method
 * without one leaves SK_pi (ours) and SK_pr (the gateway's). */
const struct chunk *eap_auth_key(const struct ike_sa *sa, bool ours)
{
	const struct chunk *msk = eap_peer_msk(sa->eap);

	if (msk->len)
		return msk;
	return ours ? &sa->keys.sk_pi : &sa->keys.sk_pr;
}

void eap_auth_clear(struct ike_sa *sa)
{
	eap_peer_free(sa->eap);
	sa->eap = NULL;
	chunk_free(&sa->peer_id_body);
	X509_free(sa->eap_cert);
	EVP_PKEY_free(sa->eap_key);
	sa->eap_cert = NULL;
	sa->eap_key = NULL;
}
