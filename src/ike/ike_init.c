/* IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.7, 2.23): proposals, KE, nonce, NAT
 * detection, COOKIE and INVALID_KE_PAYLOAD restarts. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ike_sa.h"
#include "redirect.h"
#include "vpnd/log.h"

#define NONCE_LEN 32
#define MAX_INIT_RESTARTS 4

static const uint8_t *sockaddr_ip(const struct sockaddr_storage *ss,
				  size_t *len, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		*len = 16;
		*port = ntohs(s6->sin6_port);
		return s6->sin6_addr.s6_addr;
	}
	const struct sockaddr_in *s4 = (const void *)ss;

	*len = 4;
	*port = ntohs(s4->sin_port);
	return (const uint8_t *)&s4->sin_addr;
}

static int natd_for(const struct ike_sa *sa,
		    const struct sockaddr_storage *ss, uint8_t out[20])
{
	size_t len;
	uint16_t port;
	const uint8_t *ip = sockaddr_ip(ss, &len, &port);

	return natd_hash(sa->spi_i, sa->spi_r, ip, len, port, out);
}

void ike_add_natd(struct ike_sa *sa, struct pl_chain *c)
{
	uint8_t h[20];

	/* Forcing encapsulation: a source hash that cannot match makes the
	 * gateway believe we are behind a NAT, as strongSwan's encap=yes. */
	if (sa->prof->force_encap)
		random_bytes(h, sizeof(h));
	else
		natd_for(sa, &sa->local, h);
	notify_build(c, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, h, 20);
	natd_for(sa, &sa->peer, h);
	notify_build(c, 0, NULL, 0, N_NAT_DETECTION_DESTINATION_IP, h, 20);
}

static void add_sighash(struct pl_chain *c)
{
	uint8_t algs[6];

	put_u16(algs, HASH_SHA2_256);
	put_u16(algs + 2, HASH_SHA2_384);
	put_u16(algs + 4, HASH_SHA2_512);
	notify_build(c, 0, NULL, 0, N_SIGNATURE_HASH_ALGORITHMS, algs,
		     sizeof(algs));
}

static int send_init(struct ike_sa *sa, struct verr *e)
{
	struct wbuf body;
	struct pl_chain c;
	struct chunk pub = { 0 };

	if (dh_public(sa->dh, &pub) < 0) {
		verr_set(e, "cannot create a %s key", dh_name(dh_group(sa->dh)));
		return -1;
	}
	/* The local address is needed for the NAT detection hash: learn it
	 * before building the message. */
	if (net_prepare(sa->eng, &sa->peer, false, &sa->local, e) < 0) {
		chunk_free(&pub);
		return -1;
	}
	wb_init(&body);
	chain_init(&c, &body);
	if (sa->cookie.p)
		notify_build(&c, 0, NULL, 0, N_COOKIE, sa->cookie.p,
			     sa->cookie.len);
	proposal_build_ike(&c, sa->prof, NULL);
	ke_build(&c, dh_group(sa->dh), pub.p, pub.len);
	chain_add(&c, PL_NONCE, sa->ni.p, sa->ni.len);
	ike_add_natd(sa, &c);
	vendor_add(&c);
	if (sa->prof->local_auth == PAUTH_CERT ||
	    sa->prof->remote_auth == PAUTH_CERT)
		add_sighash(&c);
	if (sa->have_redirected_from) {
		/* RFC 5685 3: tells the new gateway who sent us, and that we
		 * support redirects, in place of REDIRECT_SUPPORTED. */
		struct wbuf gw;

		wb_init(&gw);
		gw_ident_build(&gw, &sa->redirected_from);
		notify_build(&c, 0, NULL, 0, N_REDIRECTED_FROM, gw.p, gw.len);
		wb_free(&gw);
	} else if (sa->prof->redirect_enabled) {
		notify_build(&c, 0, NULL, 0, N_REDIRECT_SUPPORTED, NULL, 0);
	}
	if (sa->prof->fragmentation)
		notify_build(&c, 0, NULL, 0, N_IKEV2_FRAGMENTATION_SUPPORTED,
			     NULL, 0);
	chunk_free(&pub);

	sa->next_mid = 1;
	sa_set_state(sa, IKE_INIT_SENT);
	return sa_send_clear(sa, EXCH_IKE_SA_INIT, 0, c.first, &body, e);
}

static int init_start(struct ike_sa *sa, struct ike_task *t, struct verr *e)
{
	uint16_t group = sa->dh ? dh_group(sa->dh) : proposal_first_dh(sa->prof);

	if (!sa->ni.p) {
		if (!chunk_alloc(&sa->ni, NONCE_LEN) ||
		    random_bytes(sa->ni.p, NONCE_LEN) < 0) {
			verr_set(e, "cannot create a nonce");
			return -1;
		}
	}
	dh_free(sa->dh);
	sa->dh = dh_new(group, e);
	if (!sa->dh)
		return -1;
	return send_init(sa, e);
}

/* Restarts IKE_SA_INIT with a cookie or another group. The SPI and nonce
 * stay: the gateway ties the cookie to them (RFC 7296 2.6). Past the
 * limit the answer is ignored, not fatal: COOKIE and INVALID_KE_PAYLOAD
 * are unauthenticated, and the request under way may still be answered
 * (RFC 7296 2.21.1). Returns whether it restarted. */
static enum task_rc restart_init(struct ike_sa *sa, uint16_t group)
{
	struct verr e = { { 0 } };

	if (sa->init_attempts >= MAX_INIT_RESTARTS) {
		snprintf(sa->refusal, sizeof(sa->refusal),
			 "gateway keeps restarting IKE_SA_INIT");
		return sa_ignore_response(sa, sa->refusal);
	}
	sa->init_attempts++;
	if (group) {
		dh_free(sa->dh);
		sa->dh = dh_new(group, &e);
		if (!sa->dh)
			return task_fail(sa, "%s", e.msg);
	}
	if (send_init(sa, &e) < 0)
		return task_fail(sa, "%s", e.msg);
	return TASK_MORE;
}

static bool ignore(struct ike_sa *sa, const char *why, enum task_rc *rc)
{
	log_dbg("ignoring %s response: %s", exchange_name(sa->req.exchange),
		why);
	snprintf(sa->ignored_why, sizeof(sa->ignored_why), "%s", why);
	*rc = TASK_IGNORE;
	return true;
}

/* RFC 7296 2.6 (and RFC 5723 4.3.2 for IKE_SESSION_RESUME): keep the
 * cookie and let resend send the same request again with it. */
bool ike_take_cookie(struct ike_sa *sa, const struct ike_msg *m,
		     const char *again,
		     enum task_rc (*resend)(struct ike_sa *sa), enum task_rc *rc)
{
	const struct notify_payload *n = msg_notify(m, N_COOKIE);
	struct verr e = { { 0 } };

	if (!n)
		return false;
	if (notify_cookie_parse(n->data, n->len, &e) < 0)
		return ignore(sa, "malformed COOKIE", rc);
	if (chunk_eq(&sa->cookie, n->data, n->len))
		return ignore(sa, "the same COOKIE again", rc);
	chunk_set(&sa->cookie, n->data, n->len);
	sa_progress(sa, "gateway asked for a cookie; %s", again);
	*rc = resend(sa);
	return true;
}

static enum task_rc resend_init(struct ike_sa *sa)
{
	return restart_init(sa, 0);
}

static bool handle_invalid_ke(struct ike_sa *sa, const struct ike_msg *m,
			      enum task_rc *rc)
{
	const struct notify_payload *n = msg_notify(m, N_INVALID_KE_PAYLOAD);
	struct verr e = { { 0 } };
	uint16_t group;

	if (!n)
		return false;
	if (notify_invalid_ke_parse(n->data, n->len, &group, &e) < 0)
		return ignore(sa, "malformed INVALID_KE_PAYLOAD", rc);
	if (group == dh_group(sa->dh))
		return ignore(sa, "INVALID_KE_PAYLOAD for the group we use", rc);
	if (!proposal_offers_dh(sa->prof, group) || !dh_supported(group)) {
		*rc = task_fail_as(sa, REASON_REFUSED, "gateway wants DH group %s, which the profile does not offer",
				dh_name(group));
		return true;
	}
	sa_progress(sa,
		      "gateway asked for DH group %s (INVALID_KE_PAYLOAD); retrying",
		      dh_name(group));
	*rc = restart_init(sa, group);
	return true;
}

/* RFC 5685 3: a REDIRECT in the clear is only believed when it echoes our
 * nonce; anything else may be spoofed and is ignored. */
bool ike_clear_redirect(struct ike_sa *sa, const struct ike_msg *m,
			enum task_rc *rc)
{
	struct gw_ident gw;
	char why[sizeof(sa->ignored_why)], to[300];

	switch (redirect_take(m, m->hdr->exchange, &sa->ni,
			      sa->prof->redirect_enabled, &gw, why,
			      sizeof(why))) {
	case REDIR_ABSENT:
		return false;
	case REDIR_REFUSED:
		sa_warn_unauth(sa, "ignoring %s", why);
		return ignore(sa, why, rc);
	case REDIR_DISABLED:
		*rc = task_fail_as(sa, REASON_REDIRECT, "gateway redirects to %s, but redirects are disabled in the profile",
				gw_ident_str(&gw, to, sizeof(to)));
		return true;
	case REDIR_FOLLOW:
		break;
	}
	*rc = task_redirect(sa, &gw, m->hdr->exchange);
	return true;
}

/* RFC 7296 2.23: compare the gateway's hashes with what we see. Returns
 * whether the gateway does NAT detection at all. */
bool ike_detect_nat(struct ike_sa *sa, const struct payload_list *pl)
{
	struct notify_payload n;
	uint8_t mine[20], peer[20];
	bool src_seen = false, src_match = false;
	size_t i;

	natd_for(sa, &sa->local, mine);
	natd_for(sa, &sa->peer, peer);
	for (i = 0; i < pl->n; i++) {
		const struct ike_payload *p = &pl->pl[i];

		if (p->type != PL_NOTIFY ||
		    notify_parse(p->body, p->len, &n, NULL) < 0 ||
		    notify_natd_parse(n.data, n.len, NULL) < 0)
			continue;
		if (n.type == N_NAT_DETECTION_SOURCE_IP) {
			src_seen = true;
			src_match |= !memcmp(n.data, peer, 20);
		} else if (n.type == N_NAT_DETECTION_DESTINATION_IP) {
			sa->nat_here = memcmp(n.data, mine, 20) != 0;
		}
	}
	sa->nat_there = src_seen && !src_match;
	return src_seen;
}

int sa_derive_keys(struct ike_sa *sa, const struct chunk *skeyseed,
		   const struct chunk *ni, const struct chunk *nr)
{
	sa->keys.encr = sa->algs.encr;
	sa->keys.encr_keylen = sa->algs.encr_keylen;
	sa->keys.integ = sa->algs.integ;
	sa->keys.prf = sa->algs.prf;
	return ike_keys_derive(&sa->keys, skeyseed, ni, nr, sa->spi_i,
			       sa->spi_r);
}

static int take_response(struct ike_sa *sa, const struct ike_hdr *h,
			 const struct payload_list *pl, const uint8_t *raw,
			 size_t raw_len, struct verr *e)
{
	const struct ike_payload *p_sa = payload_find(pl, PL_SA);
	const struct ike_payload *p_ke = payload_find(pl, PL_KE);
	const struct ike_payload *p_nr = payload_find(pl, PL_NONCE);
	static struct sa_payload sa_pl;
	struct ke_payload ke;
	struct chunk gir = { 0 }, skeyseed = { 0 };
	int rc = -1;

	if (!p_sa || !p_ke || !p_nr) {
		verr_set(e, "IKE_SA_INIT response lacks SA, KE or nonce");
		return -1;
	}
	if (sa_parse(p_sa->body, p_sa->len, &sa_pl, e) < 0 ||
	    proposal_check_ike(&sa_pl, sa->prof, &sa->algs, NULL, e) < 0 ||
	    ke_parse(p_ke->body, p_ke->len, &ke, e) < 0 ||
	    nonce_parse(p_nr->body, p_nr->len, e) < 0)
		return -1;
	if (ke.group != dh_group(sa->dh) || sa->algs.dh != ke.group) {
		verr_set(e, "gateway's KE is for group %s, we sent %s",
			 dh_name(ke.group), dh_name(dh_group(sa->dh)));
		return -1;
	}
	if (!memcmp(h->spi_r, "\0\0\0\0\0\0\0\0", 8)) {
		verr_set(e, "gateway's responder SPI is zero");
		return -1;
	}
	memcpy(sa->spi_r, h->spi_r, 8);
	chunk_set(&sa->nr, p_nr->body, p_nr->len);
	chunk_set(&sa->init_resp, raw, raw_len);
	if (dh_shared(sa->dh, ke.data, ke.len, &gir, e) < 0)
		return -1;
	if (ike_skeyseed(sa->algs.prf, &sa->ni, &sa->nr, &gir, &skeyseed) < 0 ||
	    sa_derive_keys(sa, &skeyseed, &sa->ni, &sa->nr) < 0) {
		verr_set(e, "key derivation failed");
	} else {
		/* The private value is not needed any more (RFC 7296 2.12). */
		dh_free(sa->dh);
		sa->dh = NULL;
		rc = 0;
	}
	chunk_free(&gir);
	chunk_free(&skeyseed);
	return rc;
}

static void note_peer_hashes(struct ike_sa *sa, const struct payload_list *pl)
{
	struct notify_payload n;
	struct verr e = { { 0 } };

	sa->n_peer_hashes = 0;
	if (find_notify(pl, N_SIGNATURE_HASH_ALGORITHMS, &n) &&
	    notify_sighash_parse(n.data, n.len, sa->peer_hashes,
				 &sa->n_peer_hashes, &e) < 0)
		log_warn("ignoring malformed SIGNATURE_HASH_ALGORITHMS: %s",
			 e.msg);
}

/* RFC 7383 2.3: fragmentation is used only when both offered it. */
static void note_peer_frag(struct ike_sa *sa, const struct payload_list *pl)
{
	struct notify_payload n;

	sa->peer_frag = sa->prof->fragmentation &&
			find_notify(pl, N_IKEV2_FRAGMENTATION_SUPPORTED, &n);
}

static void float_to_natt(struct ike_sa *sa)
{
	/* RFC 7296 2.23: 4500 for everything after IKE_SA_INIT; a gateway
	 * on a non-default port keeps it and gets the marker there too. */
	in_port_t *port = sa->peer.ss_family == AF_INET ?
		&((struct sockaddr_in *)&sa->peer)->sin_port :
		&((struct sockaddr_in6 *)&sa->peer)->sin6_port;

	struct sockaddr_storage natt_local;
	struct verr e = { { 0 } };

	sa->natt = true;
	if (ntohs(*port) == IKE_PORT)
		*port = htons(IKE_NATT_PORT);
	/* Our side moves to the NAT-T socket: its port, while the address
	 * stays the one the SA was made on. */
	if (net_prepare(sa->eng, &sa->peer, true, &natt_local, &e) < 0)
		log_warn("%s: %s", sa->prof->name, e.msg);
	else
		sockaddr_set_port(&sa->local, sockaddr_port(&natt_local));
}

void ike_take_natd(struct ike_sa *sa, const struct payload_list *pl)
{
	bool natd = ike_detect_nat(sa, pl);

	if (sa->nat_here || sa->nat_there || (sa->prof->force_encap && natd))
		float_to_natt(sa);
	else if (sa->prof->force_encap)
		log_warn("gateway does no NAT detection: cannot force UDP encapsulation");
	if (sa->nat_here)
		nat_keepalive_start(sa);
}

static enum task_rc init_response(struct ike_sa *sa, struct ike_task *t,
				  const struct ike_msg *m)
{
	struct verr e = { { 0 } };
	enum task_rc rc;
	char gw[64], algs[128];

	if (ike_clear_redirect(sa, m, &rc) ||
	    ike_take_cookie(sa, m, "retrying", resend_init, &rc) ||
	    handle_invalid_ke(sa, m, &rc))
		return rc;
	if (m->first_error) {
		/* Unauthenticated: anyone on the path can send it (RFC 7296
		 * 2.21.1). Keep waiting for a usable answer; when the
		 * retransmissions run out, the failure names this error. */
		snprintf(sa->refusal, sizeof(sa->refusal),
			 "gateway refused IKE_SA_INIT: %s",
			 notify_name(m->first_error));
		return sa_ignore_response(sa, sa->refusal);
	}
	if (take_response(sa, m->hdr, m->pl, m->raw, m->raw_len, &e) < 0)
		return sa_ignore_response(sa, e.msg);
	note_peer_hashes(sa, m->pl);
	note_peer_frag(sa, m->pl);
	vendor_take(sa, m->pl);
	ike_take_natd(sa, m->pl);
	sa_progress(sa, "IKE_SA_INIT done with %s: %s%s",
		      sockaddr_str(&sa->peer, gw, sizeof(gw)),
		      ike_algs_str(&sa->algs, algs, sizeof(algs)),
		      sa->natt ? (sa->nat_here || sa->nat_there ?
					  ", NAT detected: using UDP 4500" :
					  ", encapsulation forced: using UDP 4500") :
				 "");
	return TASK_DONE;
}

static const struct ike_task_ops init_ops = {
	.name = "IKE_SA_INIT",
	.vital = true,
	.start = init_start,
	.response = init_response,
};

int ike_init_queue(struct ike_sa *sa, struct verr *e)
{
	return sa_queue_new(sa, &init_ops, e);
}
