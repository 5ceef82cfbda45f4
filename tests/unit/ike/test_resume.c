/* RFC 5723 resumption and the failover draft's GSC, engine against the
 * scripted responder acting as a "secure domain" of up to three gateways
 * (127.0.0.1-3, one port, one ticket key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "status.h"
#include "vpnd/crypto.h"
#include "vpnd/ticket.h"

#define N_GW 3

static char dir[] = "/tmp/vpnd-test-resume.XXXXXX";
static uint8_t domain_key[RESP_DOMAIN_KEY_LEN];
static struct responder *gw[N_GW];
static struct run r;

/* The current IKE SA was resumed (RFC 5723) with the gateway at addr. */
static void assert_resumed_at(const char *addr)
{
	const struct conn_status *cs = status_of(r.conn);

	CU_ASSERT_TRUE(cs->has_sa && cs->ike.resumed);
	CU_ASSERT_STRING_EQUAL(status_peer(cs), addr);
}

static void domain_cfg(struct responder_cfg *cfg, bool draft)
{
	responder_cfg_defaults(cfg);
	cfg->ticket_mode = R_TICKET_ISSUE;
	cfg->ticket_lifetime = 600;
	cfg->has_domain_key = true;
	memcpy(cfg->domain_key, domain_key, sizeof(domain_key));
	cfg->domain_dir = dir;
	cfg->resume_mode = draft ? R_RESUME_DRAFT_GSC : R_RESUME_RFC5723;
}

/* Each test starts without a ticket from the one before. */
static void forget_ticket(void)
{
	char tdir[sizeof(dir) + 16];
	struct ticket_store *s;
	struct verr e = { { 0 } };

	snprintf(tdir, sizeof(tdir), "%s/tickets", dir);
	s = ticket_store_open(tdir, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ticket_drop(s, "unit"), 0);
	ticket_store_close(s);
}

/* n gateways of one domain on 127.0.0.1..n, the same port. */
static void start_domain(size_t n, bool draft,
			 void (*tweak)(struct responder_cfg *, size_t))
{
	static const char *const addr[N_GW] = { "127.0.0.1", "127.0.0.2",
						"127.0.0.3" };
	struct responder_cfg cfg;
	struct verr e = { { 0 } };
	size_t i;

	memset(&r, 0, sizeof(r));
	forget_ticket();
	random_bytes(domain_key, sizeof(domain_key));
	domain_cfg(&cfg, draft);
	if (tweak)
		tweak(&cfg, 0);
	gw[0] = start_responder(&cfg);
	r.resp = gw[0];
	make_profile(&r.prof, cfg.port, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	for (i = 1; i < n; i++) {
		uint16_t port = cfg.port;

		domain_cfg(&cfg, draft);
		cfg.port = port;
		cfg.bind_addr = addr[i];
		if (tweak)
			tweak(&cfg, i);
		gw[i] = responder_new(test_loop, &cfg, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(gw[i]);
	}
	for (i = 0; i < n; i++)
		snprintf(r.prof.gateways[i], sizeof(r.prof.gateways[i]), "%s",
			 addr[i]);
	r.prof.n_gateways = n;
	r.prof.resume_enabled = true;
	r.prof.resume_draft_gsc = draft;
}

static void stop_domain(void)
{
	size_t i;

	run_cleanup(&r); /* frees gw[0] as r.resp */
	for (i = 1; i < N_GW; i++) {
		responder_free(gw[i]);
		gw[i] = NULL;
	}
	gw[0] = NULL;
}

/* vpnd stopped and started again: the conn goes, the ticket stays. */
static bool reconnect(void)
{
	conn_free(r.conn);
	r.conn = NULL;
	r.progress[0] = '\0';
	r.got_event = false;
	return run_connect(&r) && run_wait_event(&r) == CEV_UP;
}

/* The address the last IKE_AUTH's CP(CFG_REQUEST) asked for, or -1. */
static int cp_asked_ip4(const struct responder_stats *st, uint8_t ip[4])
{
	static struct payload_list pl;
	static struct cp_payload cp;
	const struct ike_payload *p;
	struct verr e = { { 0 } };
	size_t i;

	if (payload_chain_parse(st->last_inner_first, st->last_inner,
				st->last_inner_len, &pl, &e) < 0 ||
	    !(p = payload_find(&pl, PL_CP)) ||
	    cp_parse(p->body, p->len, &cp, &e) < 0)
		return -1;
	for (i = 0; i < cp.n; i++) {
		if (cp.a[i].type == CFG_INTERNAL_IP4_ADDRESS) {
			if (cp.a[i].len != 4)
				return 0;
			memcpy(ip, cp.a[i].val, 4);
			return 1;
		}
	}
	return -1;
}

static void test_resume_after_restart(void)
{
	unsigned long dh;
	uint8_t ip[4];

	start_domain(1, false, NULL);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_FALSE(status_of(r.conn)->ike.resumed);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.gsc, 0);
	/* a full exchange asks for any address */
	CU_ASSERT_EQUAL(cp_asked_ip4(responder_stats(gw[0]), ip), 0);
	dh = dh_op_count();
	CU_ASSERT_FATAL(reconnect());
	/* the event the user reads */
	assert_resumed_at("127.0.0.1");
	assert_resumed_at("127.0.0.1");
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.gsc, 1);
	CU_ASSERT_EQUAL(dh_op_count(), dh);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->init_sas, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumes_ok, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumed_auth_ok, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->last_resume_mid, 0);
	/* the resumed IKE_AUTH asks for the address it had (198.51.100.2) */
	CU_ASSERT_EQUAL(cp_asked_ip4(responder_stats(gw[0]), ip), 1);
	CU_ASSERT(!memcmp(ip, "\xc6\x33\x64\x02", 4));
	/* no DH, no signature in a resume */
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.dh_ops, 0);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.sig_ops, 0);
	/* the resumed IKE_AUTH asked for a ticket again, with GSC 1 */
	CU_ASSERT_EQUAL(responder_stats(gw[0])->tickets_issued, 2);
	CU_ASSERT_TRUE(status_of(r.conn)->ticket.stored);
	CU_ASSERT_EQUAL(status_of(r.conn)->ticket.gsc, 1);
	stop_domain();
}

static const char eap_password[] = "eap secret";

static void gw_eap(struct responder_cfg *cfg, size_t i)
{
	cfg->eap = true;
	cfg->eap_password = eap_password;
	cfg->eap_identity = "alice";
}

/* The point of RFC 5723 with EAP: a connection that needed EAP-MSCHAPv2
 * (and a person at a terminal for its password) resumes with its ticket
 * without a single EAP round, and without the password. */
static void test_resume_after_eap(void)
{
	const struct conn_status *cs;
	unsigned rounds;

	start_domain(1, false, gw_eap);
	r.prof.local_auth = PAUTH_EAP;
	r.prof.eap_method = PEAP_MSCHAPV2;
	snprintf(r.prof.eap_identity, sizeof(r.prof.eap_identity), "alice");
	r.prof.eap_identity_len = 5;
	CU_ASSERT_FATAL(chunk_secure_set(&r.prof.eap_password, eap_password,
					 strlen(eap_password)));
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	cs = status_of(r.conn);
	CU_ASSERT_FALSE(cs->ike.resumed);
	CU_ASSERT_EQUAL(cs->ike.eap_rounds, 2);
	CU_ASSERT_EQUAL(cs->ike.auth_rounds, 5);
	rounds = responder_stats(gw[0])->eap_rounds;
	CU_ASSERT_EQUAL(responder_stats(gw[0])->eap_ok, 1);
	CU_ASSERT_TRUE(cs->ticket.stored);
	/* the restarted daemon has no password: a full EAP would fail */
	chunk_free(&r.prof.eap_password);
	CU_ASSERT_FATAL(reconnect());
	assert_resumed_at("127.0.0.1");
	cs = status_of(r.conn);
	CU_ASSERT_EQUAL(cs->ike.eap_rounds, 0);
	CU_ASSERT_EQUAL(cs->ike.auth_rounds, 1);
	CU_ASSERT_STRING_EQUAL(cs->ike.local_auth, "resumed (RFC 5723 ticket)");
	CU_ASSERT_EQUAL(responder_stats(gw[0])->eap_rounds, rounds);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->eap_ok, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumed_auth_ok, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->init_sas, 1);
	stop_domain();
}

static void gw_signed_octets(struct responder_cfg *cfg, size_t i)
{
	cfg->resume_auth = RESUME_AUTH_SIGNED_OCTETS;
}

/* The form pluto does not use still works when both sides choose it. */
static void test_signed_octets_form(void)
{
	start_domain(1, false, gw_signed_octets);
	r.prof.resume_auth = RESUME_AUTH_SIGNED_OCTETS;
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_FATAL(reconnect());
	assert_resumed_at("127.0.0.1");
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumed_auth_ok, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->init_sas, 1);
	stop_domain();
}

/* A gateway refusing our resumed AUTH: a full handshake, and the reason
 * names the form we used and the setting for the other. */
static void auth_form_mismatch(void (*tweak)(struct responder_cfg *, size_t),
			       enum resume_auth_form ours, const char *want)
{
	start_domain(1, false, tweak);
	r.prof.resume_auth = ours;
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_FATAL(reconnect());
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, want));
	if (!strstr(r.msg, want))
		fprintf(stderr, "\n  up message: %s\n", r.msg);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumed_auth_ok, 0);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->init_sas, 2);
	stop_domain();
}

static void test_auth_form_refused(void)
{
	auth_form_mismatch(gw_signed_octets, RESUME_AUTH_MESSAGE,
			   "full handshake: gateway refused the resumed AUTH (AUTHENTICATION_FAILED) in the 'message' form; it may want 'resumption: auth: signed-octets'");
	auth_form_mismatch(NULL, RESUME_AUTH_SIGNED_OCTETS,
			   "full handshake: gateway refused the resumed AUTH (AUTHENTICATION_FAILED) in the 'signed-octets' form; it may want 'resumption: auth: message'");
}

static void gw_lenient_signed_octets(struct responder_cfg *cfg, size_t i)
{
	cfg->resume_auth = RESUME_AUTH_SIGNED_OCTETS;
	cfg->resume_auth_any = true;
}

/* A gateway that took our AUTH but answers in the other form. */
static void test_auth_form_of_gateway(void)
{
	start_domain(1, false, gw_lenient_signed_octets);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_FATAL(reconnect());
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "full handshake: gateway authentication failed: the gateway's resumed AUTH is of the 'signed-octets' form, not 'message' (set 'resumption: auth: signed-octets')"));
	if (!strstr(r.msg, "is of the 'signed-octets' form"))
		fprintf(stderr, "\n  up message: %s\n", r.msg);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumed_auth_ok, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->init_sas, 2);
	stop_domain();
}

static void gw_no_vendor_id(struct responder_cfg *cfg, size_t i)
{
	cfg->no_vendor_id = true;
}

/* The draft's GSC Message ID is a private wire form: towards a domain
 * that did not show vpnd's Vendor ID, RFC 5723's Message ID 0. */
static void test_draft_needs_vendor_id(void)
{
	start_domain(1, false, gw_no_vendor_id);
	r.prof.resume_draft_gsc = true;
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_FATAL(reconnect());
	assert_resumed_at("127.0.0.1");
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumes_ok, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->last_resume_mid, 0);
	stop_domain();
}

/* Waits for the conn to be up at gateway 'at' again after 'lost'. */
static void fail_over(size_t lost, size_t at, unsigned gsc, bool draft)
{
	unsigned inits = responder_stats(gw[at])->init_sas;
	char want[96];

	responder_set_mute(gw[lost], true);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	snprintf(want, sizeof(want), "127.0.0.%zu", at + 1);
	assert_resumed_at(want);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.gsc, gsc);
	CU_ASSERT_EQUAL(responder_stats(gw[at])->init_sas, inits);
	CU_ASSERT_EQUAL(responder_stats(gw[at])->resumed_gsc, gsc);
	if (draft)
		CU_ASSERT_EQUAL(responder_stats(gw[at])->last_resume_mid,
				(uint32_t)gsc << GSC_SHIFT);
	responder_set_mute(gw[lost], false);
	r.progress[0] = '\0';
}

static void failover_round(bool draft)
{
	start_domain(3, draft, NULL);
	r.prof.dpd_interval = 1;
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	fail_over(0, 1, 1, draft);
	fail_over(1, 2, 2, draft);
	fail_over(2, 0, 3, draft);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->init_sas, 1);
	stop_domain();
}

static void test_failover_rfc(void)
{
	failover_round(false);
}

static void test_failover_draft(void)
{
	failover_round(true);
}

static void nack_all(struct responder_cfg *cfg, size_t i)
{
	cfg->nack_resume = true;
}

static void test_nack_falls_back(void)
{
	start_domain(1, false, nack_all);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_FATAL(reconnect());
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "full handshake: gateway refused the ticket (TICKET_NACK)"));
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumes_refused, 1);
	if (responder_stats(gw[0])->resumes_refused != 1)
		fprintf(stderr, "\n  refused %u (%s), msg: %s\n  progress:\n%s",
			responder_stats(gw[0])->resumes_refused,
			responder_stats(gw[0])->resume_refusal, r.msg,
			r.progress);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->init_sas, 2);
	CU_ASSERT_FALSE(status_of(r.conn)->ike.resumed);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.gsc, 0);
	stop_domain();
}

static void floor_gsc(struct responder_cfg *cfg, size_t i)
{
	cfg->gsc_floor = 3;
}

static void test_gsc_refused_falls_back(void)
{
	start_domain(1, true, floor_gsc);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_FATAL(reconnect());
	CU_ASSERT_STRING_EQUAL(responder_stats(gw[0])->resume_refusal, "gsc");
	CU_ASSERT_EQUAL(responder_stats(gw[0])->last_resume_mid, 1u << GSC_SHIFT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "full handshake: gateway refused the ticket"));
	stop_domain();
}

/* The stored ticket's GSC, changed through the store (as after many
 * switches). */
static void set_stored_gsc(uint8_t gsc)
{
	static struct resume_ticket t;
	char tdir[sizeof(dir) + 16];
	struct ticket_store *s;
	struct verr e = { { 0 } };

	snprintf(tdir, sizeof(tdir), "%s/tickets", dir);
	s = ticket_store_open(tdir, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(ticket_take(s, r.prof.name, time(NULL), &t, &e),
			      TICKET_OK);
	t.gsc = gsc;
	CU_ASSERT_EQUAL(ticket_save(s, r.prof.name, &t, &e), 0);
	ticket_wipe(&t);
	ticket_store_close(s);
}

/* Draft 4.2.2: at GSC 15 the IKE SA is rekeyed (a new IKE SA, GSC 0),
 * with no new IKE_SA_INIT, and a fresh ticket follows. */
static void test_gsc_overflow_renews(void)
{
	const struct responder_stats *st;

	start_domain(1, true, NULL);
	st = responder_stats(gw[0]);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	set_stored_gsc(14);
	CU_ASSERT_FATAL(reconnect());
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.gsc, 15);
	CU_ASSERT_EQUAL(st->last_resume_mid, 15u << GSC_SHIFT);
	run_for(&r, 3000);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike_rekeys, 1);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_initiator, 1);
	CU_ASSERT_EQUAL(st->init_sas, 1);
	CU_ASSERT_EQUAL(st->ike_old_deleted, 1);
	CU_ASSERT_TRUE(status_of(r.conn)->ike.rekeyed);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.gsc, 0);
	CU_ASSERT_TRUE(status_of(r.conn)->ticket.stored);
	CU_ASSERT_EQUAL(status_of(r.conn)->ticket.gsc, 0);
	stop_domain();
}

static void refuse_ike_rekeys(struct responder_cfg *cfg, size_t i)
{
	cfg->refuse_ike_rekey = N_NO_ADDITIONAL_SAS;
}

/* A gateway that will not rekey the IKE SA: a full handshake, made
 * before the resumed SA is deleted, brings the GSC back to 0. */
static void test_gsc_overflow_full_handshake(void)
{
	start_domain(1, true, refuse_ike_rekeys);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	set_stored_gsc(14);
	CU_ASSERT_FATAL(reconnect());
	run_for(&r, 1500);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike_rekeys, 0);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->init_sas, 2);
	CU_ASSERT_FALSE(status_of(r.conn)->ike.resumed);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.gsc, 0);
	CU_ASSERT_EQUAL(status_of(r.conn)->ticket.gsc, 0);
	/* the resumed SA is deleted once the new one is up */
	CU_ASSERT_EQUAL(responder_stats(gw[0])->ike_deletes, 1);
	stop_domain();
}

static void test_silent_gateway_keeps_ticket(void)
{
	start_domain(2, true, NULL);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	responder_set_mute(gw[0], true);
	CU_ASSERT_FATAL(reconnect());
	/* the next gateway, with the same ticket, one switch later */
	assert_resumed_at("127.0.0.2");
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.gsc, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[1])->last_resume_mid, 1u << GSC_SHIFT);
	CU_ASSERT_EQUAL(responder_stats(gw[1])->init_sas, 0);
	stop_domain();
}

/* Nobody answered the resume, nor the full exchanges after it: the
 * ticket is stored again and resumes once the gateway is back. */
static void test_unanswered_ticket_kept(void)
{
	struct verr e = { { 0 } };

	start_domain(1, false, NULL);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	responder_set_mute(gw[0], true);
	conn_free(r.conn);
	r.conn = NULL;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_TIMEOUT);
	/* no gateway saw the ticket: it is kept for the next connect */
	CU_ASSERT_TRUE(status_of(r.conn)->ticket.stored);
	CU_ASSERT_STRING_EQUAL(status_of(r.conn)->ticket.gateway, "127.0.0.1");
	responder_set_mute(gw[0], false);
	r.got_event = false;
	CU_ASSERT_EQUAL_FATAL(conn_connect(r.conn, &e), 0);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	assert_resumed_at("127.0.0.1");
	stop_domain();
}

/* The only gateway goes silent for a while: vpnd keeps trying and
 * resumes once it answers again. */
static void test_retry_after_losing_all(void)
{
	int i;

	start_domain(1, false, NULL);
	r.prof.dpd_interval = 1;
	r.prof.reconnect_interval = 1;
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	responder_set_mute(gw[0], true);
	for (i = 0; i < 40 && !status_of(r.conn)->retry_pending; i++)
		run_for(&r, 200);
	CU_ASSERT_TRUE_FATAL(status_of(r.conn)->retry_pending);
	CU_ASSERT_EQUAL(status_of(r.conn)->state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_TIMEOUT);
	CU_ASSERT_EQUAL(strncmp(status_of(r.conn)->last_error, "timeout: ", 9),
			0);
	CU_ASSERT_EQUAL(r.n_failed, 0);
	responder_set_mute(gw[0], false);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	assert_resumed_at("127.0.0.1");
	stop_domain();
}

static void want_cookies(struct responder_cfg *cfg, size_t i)
{
	cfg->require_cookie = true;
}

/* A gateway under load asks for a cookie before it opens the ticket. */
static void test_cookie_in_resume(void)
{
	unsigned before;

	start_domain(1, false, want_cookies);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	before = responder_stats(gw[0])->cookies_ok;
	CU_ASSERT_FATAL(reconnect());
	assert_resumed_at("127.0.0.1");
	CU_ASSERT_EQUAL(responder_stats(gw[0])->cookies_ok, before + 1);
	CU_ASSERT(responder_stats(gw[0])->cookie_was_first);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resumes_ok, 1);
	stop_domain();
}

static void redirect_resumes(struct responder_cfg *cfg, size_t i)
{
	if (i == 0)
		responder_gw_ident(&cfg->redirect_resume_to, "127.0.0.2");
}

static void test_redirect_in_resume(void)
{
	start_domain(2, false, redirect_resumes);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_FATAL(reconnect());
	CU_ASSERT_EQUAL(status_of(r.conn)->redirects, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "full handshake: redirected while resuming"));
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resume_redirects, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[1])->init_sas, 1);
	CU_ASSERT_EQUAL(responder_stats(gw[1])->resume_requests, 0);
	stop_domain();
}

static void short_tickets(struct responder_cfg *cfg, size_t i)
{
	cfg->ticket_lifetime = 8;
}

/* A ticket is asked for again (INFORMATIONAL) before it runs out. */
static void test_ticket_refreshed(void)
{
	int left;

	start_domain(1, false, short_tickets);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->tickets_issued, 1);
	run_for(&r, 5600);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->tickets_issued, 2);
	/* the first ticket would have 2 s left now, the new one 7 or 8 */
	CU_ASSERT_TRUE_FATAL(status_of(r.conn)->ticket.stored);
	left = (int)(status_of(r.conn)->ticket.expires - time(NULL));
	CU_ASSERT(left >= 6 && left <= 8);
	stop_domain();
}

/* Shutdown of the daemon: DELETE sent, ticket kept, resumed later. */
static void test_shutdown_keeps(void)
{
	struct verr e = { { 0 } };

	start_domain(1, false, NULL);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	CU_ASSERT_EQUAL(responder_stats(gw[0])->ike_deletes, 1);
	r.got_event = false;
	CU_ASSERT_EQUAL_FATAL(conn_connect(r.conn, &e), 0);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	assert_resumed_at("127.0.0.1");
	stop_domain();
}

static void test_disconnect_forgets(void)
{
	struct verr e = { { 0 } };

	start_domain(1, false, NULL);
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	conn_forget_resumption(r.conn);
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	r.got_event = false;
	CU_ASSERT_EQUAL_FATAL(conn_connect(r.conn, &e), 0);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "full handshake: no ticket from an earlier session"));
	CU_ASSERT_EQUAL(responder_stats(gw[0])->resume_requests, 0);
	stop_domain();
}

static int suite_init(void)
{
	return state_dir_setup(dir);
}

static int suite_clean(void)
{
	return state_dir_teardown(dir);
}

void register_resume_tests(void)
{
	CU_pSuite s = CU_add_suite("session resumption", suite_init,
				   suite_clean);

	CU_add_test(s, "resume after a restart", test_resume_after_restart);
	CU_add_test(s, "resume after EAP: no EAP round", test_resume_after_eap);
	CU_add_test(s, "failover across the domain (RFC 5723)",
		    test_failover_rfc);
	CU_add_test(s, "failover across the domain (draft GSC)",
		    test_failover_draft);
	CU_add_test(s, "resumed AUTH in the signed-octets form",
		    test_signed_octets_form);
	CU_add_test(s, "resumed AUTH refused: the reason names the form",
		    test_auth_form_refused);
	CU_add_test(s, "gateway's resumed AUTH in the other form",
		    test_auth_form_of_gateway);
	CU_add_test(s, "draft GSC only with vpnd's Vendor ID",
		    test_draft_needs_vendor_id);
	CU_add_test(s, "TICKET_NACK falls back", test_nack_falls_back);
	CU_add_test(s, "GSC refused falls back", test_gsc_refused_falls_back);
	CU_add_test(s, "GSC 15 renews the IKE SA", test_gsc_overflow_renews);
	CU_add_test(s, "GSC 15, no IKE rekey: a full handshake",
		    test_gsc_overflow_full_handshake);
	CU_add_test(s, "silent gateway: same ticket, next gateway",
		    test_silent_gateway_keeps_ticket);
	CU_add_test(s, "unanswered ticket kept for later",
		    test_unanswered_ticket_kept);
	CU_add_test(s, "lost every gateway: retried until one answers",
		    test_retry_after_losing_all);
	CU_add_test(s, "COOKIE in the resume response", test_cookie_in_resume);
	CU_add_test(s, "REDIRECT in the resume response",
		    test_redirect_in_resume);
	CU_add_test(s, "shutdown keeps the ticket", test_shutdown_keeps);
	CU_add_test(s, "ticket refreshed before it expires",
		    test_ticket_refreshed);
	CU_add_test(s, "vpnctl disconnect forgets the ticket",
		    test_disconnect_forgets);
}
