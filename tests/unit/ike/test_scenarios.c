/* The engine against a misbehaving or demanding gateway: restarts of
 * IKE_SA_INIT, refusals, loss, garbage and silence. */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "status.h"

#define GCM_ECP256 "aes128gcm16-prfsha256-ecp256"

static struct run r;

/* Starts a responder with cfg and connects a default-profile client. */
static void start(struct responder_cfg *cfg, const char *ike)
{
	memset(&r, 0, sizeof(r));
	r.resp = start_responder(cfg);
	make_profile(&r.prof, cfg->port, ike, "aes128gcm16");
}

static void test_invalid_ke_retry(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.want_group = DH_CURVE25519;
	start(&cfg, "aes128gcm16-prfsha256-ecp256-x25519");
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->invalid_ke_sent, 1);
	CU_ASSERT_EQUAL(st->requests[0], 2);
	CU_ASSERT_EQUAL(st->ke_group, DH_CURVE25519);
	CU_ASSERT_EQUAL(st->dh, DH_CURVE25519);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.dh, DH_CURVE25519);
	run_cleanup(&r);
}

/* A group the profile does not offer must end the attempt, not loop. */
static void test_invalid_ke_unoffered(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.want_group = DH_ECP384;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, dh_name(DH_ECP384)));
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_REFUSED);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->requests[0], 1);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_FAILED);
	run_cleanup(&r);
}

static void test_cookie_retry(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.require_cookie = true;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->cookies_sent, 1);
	CU_ASSERT_EQUAL(st->cookies_ok, 1);
	CU_ASSERT_TRUE(st->cookie_was_first);
	CU_ASSERT_EQUAL(st->requests[0], 2);
	CU_ASSERT_EQUAL(st->auth_ok, 1);
	run_cleanup(&r);
}

/* Cookie and group restarts in one attempt: the second IKE_SA_INIT
 * keeps the cookie, the third (new group) must still carry it. */
static void test_cookie_then_invalid_ke(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.require_cookie = true;
	cfg.want_group = DH_CURVE25519;
	start(&cfg, "aes128gcm16-prfsha256-ecp256-x25519");
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->cookies_sent, 1);
	CU_ASSERT_EQUAL(st->cookies_ok, 2);
	CU_ASSERT_EQUAL(st->invalid_ke_sent, 1);
	CU_ASSERT_EQUAL(st->requests[0], 3);
	run_cleanup(&r);
}

/* A gateway that never lets go of its cookie demand (a new cookie each
 * time, as with a secret rotated too fast): bounded restarts. Past the
 * limit the demands are ignored, as they may be forged: the last request
 * is retransmitted until it gives up. */
static void test_cookie_loop(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.cookie_always = true;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "gateway keeps restarting IKE_SA_INIT (unauthenticated; no other answer"));
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_REFUSED);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->requests[0],
			5 + r.prof.retransmit_tries);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->cookies_sent,
			5 + r.prof.retransmit_tries);
	run_cleanup(&r);
}

/* The same cookie demanded again is not a reason to restart: the
 * engine waits for a usable answer and times out. */
static void test_cookie_stuck(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.cookie_stuck = true;
	start(&cfg, GCM_ECP256);
	r.prof.retransmit_timeout_ms = 100;
	r.prof.retransmit_tries = 2;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_TIMEOUT);
	/* the timeout names what was ignored */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "COOKIE"));
	/* first request, the restart with the cookie, two retransmissions */
	CU_ASSERT_EQUAL(responder_stats(r.resp)->requests[0], 4);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->cookies_ok, 0);
	run_cleanup(&r);
}

/* A Child SA choice we did not offer: the IKE SA stands, the Child SA
 * is refused and deleted so that the gateway drops its half. */
static void test_child_unoffered_choice(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	const struct conn_status *cs;

	responder_cfg_defaults(&cfg);
	cfg.tamper_child = true;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_NO_TUNNEL);
	run_for(&r, 100);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->child_deletes, 1);
	CU_ASSERT_EQUAL(memcmp(st->child_delete_spi, st->peer_esp_spi, 4), 0);
	cs = status_of(r.conn);
	CU_ASSERT_EQUAL(cs->state, CONN_NO_TUNNEL);
	CU_ASSERT_FALSE(cs->child.up);
	CU_ASSERT_EQUAL(strncmp(cs->child.problem, "we refused it: ", 15), 0);
	CU_ASSERT_EQUAL(strncmp(cs->state_text,
				"established, no tunnel: we refused it: ", 39),
			0);
	run_cleanup(&r);
}

/* Selectors narrowed by the gateway end up in the status. */
static void test_narrowed_selectors(void)
{
	struct responder_cfg cfg;
	struct ts_entry *t;
	const char *status;

	responder_cfg_defaults(&cfg);
	cfg.tsr.n = 1;
	t = &cfg.tsr.ts[0];
	t->type = TS_IPV4_ADDR_RANGE;
	t->end_port = 0xffff;
	memcpy(t->start, (const uint8_t[]){ 192, 0, 2, 0 }, 4);
	memcpy(t->end, (const uint8_t[]){ 192, 0, 2, 255 }, 4);
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	status = run_status(&r);
	CU_ASSERT_PTR_NOT_NULL(strstr(status, "remote 192.0.2.0-192.0.2.255"));
	CU_ASSERT_PTR_NOT_NULL(strstr(status, "local  198.51.100.2-198.51.100.2"));
	run_cleanup(&r);
}

static void test_wrong_psk(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.psk = "another-secret";
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	/* what the user reads */
	CU_ASSERT_STRING_EQUAL(r.msg,
			       "gateway refused IKE_AUTH: AUTHENTICATION_FAILED; "
			       "we sent IDi FQDN 'client.test' with a pre-shared "
			       "key: the gateway may know us by another "
			       "identity (local.id) or key");
	CU_ASSERT_EQUAL(responder_stats(r.resp)->auth_failed, 1);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->auth_ok, 0);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_FAILED);
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_AUTH_FAILED);
	run_cleanup(&r);
}

/* A refusal of IKE_SA_INIT is unauthenticated: vpnd waits out the
 * retransmissions for another answer, then fails naming it. */
static void test_no_proposal_chosen(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.no_proposal = true;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "gateway refused IKE_SA_INIT: NO_PROPOSAL_CHOSEN (unauthenticated; no other answer from 127.0.0.1"));
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_REFUSED);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->requests[0],
			1 + r.prof.retransmit_tries);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->requests[1], 0);
	run_cleanup(&r);
}

/* An on-path sender's N(NO_PROPOSAL_CHOSEN), arriving before the
 * gateway's answer, must not end the connect (RFC 7296 2.21.1). */
static void test_forged_error_ignored(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.forged_error_first = N_NO_PROPOSAL_CHOSEN;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->requests[0], 1);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	run_cleanup(&r);
}

static void test_child_refused(void)
{
	struct responder_cfg cfg;
	const struct conn_status *cs;
	const char *status;

	responder_cfg_defaults(&cfg);
	cfg.refuse_child = true;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_NO_TUNNEL);
	CU_ASSERT_NSTRING_EQUAL(r.msg, "NO_PROPOSAL_CHOSEN; IKE SA established with ",
				44);
	CU_ASSERT_FALSE(responder_stats(r.resp)->child_up);
	cs = status_of(r.conn);
	CU_ASSERT_FALSE(cs->child.up);
	CU_ASSERT_STRING_EQUAL(cs->child.problem, "NO_PROPOSAL_CHOSEN");
	/* the IKE SA and its configuration stand */
	CU_ASSERT_EQUAL(cs->ike.state, IKE_ESTABLISHED);
	CU_ASSERT_STRING_EQUAL(status_vip4(cs), "198.51.100.2");
	CU_ASSERT_EQUAL(cs->vip.ip4_prefix, 32);
	CU_ASSERT_EQUAL(cs->state, CONN_NO_TUNNEL);
	status = run_status(&r);
	CU_ASSERT_NSTRING_EQUAL(status,
				"unit: established, no tunnel: NO_PROPOSAL_CHOSEN\n",
				49);
	run_cleanup(&r);
}

static void test_retransmit_after_loss(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	uint64_t t0 = loop_now_ms();

	responder_cfg_defaults(&cfg);
	cfg.drop_first_n = 2;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->dropped, 2);
	CU_ASSERT_EQUAL(st->requests[0], 1);
	CU_ASSERT_EQUAL(st->requests[1], 1);
	/* 200 ms then 300 ms of retransmission timers went by */
	CU_ASSERT(loop_now_ms() - t0 >= 450);
	CU_ASSERT_EQUAL(status_of(r.conn)->state, CONN_ESTABLISHED);
	run_cleanup(&r);
}

/* Loss of the IKE_AUTH response: the retransmitted request must get the
 * cached response, not a second evaluation. */
static void test_lost_auth_response(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.lose_first_response = EXCH_IKE_AUTH;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->lost_responses, 1);
	CU_ASSERT_EQUAL(st->requests[1], 2);
	CU_ASSERT_EQUAL(st->retransmits, 1);
	CU_ASSERT_EQUAL(st->auth_ok, 1);
	run_cleanup(&r);
}

/* Loss of the IKE_SA_INIT response: the identical retransmission gets
 * the same response, and no second SA is made. */
static void test_lost_init_response(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.lose_first_response = EXCH_IKE_SA_INIT;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->lost_responses, 1);
	CU_ASSERT_EQUAL(st->requests[0], 2);
	CU_ASSERT_EQUAL(st->retransmits, 1);
	CU_ASSERT_EQUAL(st->auth_ok, 1);
	run_cleanup(&r);
}

/* The gateway's choice must be one we offered (RFC 7296 3.3.6). */
static void test_unoffered_choice(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.tamper_proposal = true;
	start(&cfg, GCM_ECP256);
	r.prof.retransmit_timeout_ms = 100;
	r.prof.retransmit_tries = 1;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "did not offer"));
	CU_ASSERT_EQUAL(responder_stats(r.resp)->requests[1], 0);
	run_cleanup(&r);
}

/* NAT detected on our side: IKE_AUTH and later go with the marker. */
static void test_nat_detected(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.fake_nat = true;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	CU_ASSERT_TRUE(status_of(r.conn)->ike.natt);
	CU_ASSERT_TRUE(status_of(r.conn)->ike.nat_detected);
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	st = responder_stats(r.resp);
	CU_ASSERT_FALSE(st->nat_detected);
	CU_ASSERT_EQUAL(st->natt_datagrams, 2); /* IKE_AUTH, INFORMATIONAL */
	CU_ASSERT_EQUAL(st->ike_deletes, 1);
	run_cleanup(&r);
}

static void test_garbage_first(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.send_garbage_first = true;
	start(&cfg, GCM_ECP256);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->garbage_sent, 2);
	CU_ASSERT_EQUAL(st->requests[0], 1);
	CU_ASSERT_EQUAL(st->auth_ok, 1);
	run_cleanup(&r);
}

static void test_no_responder(void)
{
	uint64_t t0 = loop_now_ms(), took;

	memset(&r, 0, sizeof(r));
	make_profile(&r.prof, unused_port(), GCM_ECP256, "aes128gcm16");
	r.prof.retransmit_timeout_ms = 100;
	r.prof.retransmit_base = 1.0;
	r.prof.retransmit_tries = 2;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	took = loop_now_ms() - t0;
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_TIMEOUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "after 2 retransmissions"));
	/* first send plus two retransmissions, 100 ms apart each */
	CU_ASSERT(took >= 290 && took < 2000);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_FAILED);
	run_cleanup(&r);
}

void register_scenario_tests(void)
{
	CU_pSuite s = CU_add_suite("scenarios", NULL, NULL);

	CU_add_test(s, "INVALID_KE_PAYLOAD retry", test_invalid_ke_retry);
	CU_add_test(s, "INVALID_KE_PAYLOAD for an unoffered group",
		    test_invalid_ke_unoffered);
	CU_add_test(s, "COOKIE retry", test_cookie_retry);
	CU_add_test(s, "COOKIE then INVALID_KE_PAYLOAD",
		    test_cookie_then_invalid_ke);
	CU_add_test(s, "endless COOKIE demands", test_cookie_loop);
	CU_add_test(s, "the same COOKIE again", test_cookie_stuck);
	CU_add_test(s, "narrowed traffic selectors", test_narrowed_selectors);
	CU_add_test(s, "Child SA choice not offered",
		    test_child_unoffered_choice);
	CU_add_test(s, "wrong PSK", test_wrong_psk);
	CU_add_test(s, "NO_PROPOSAL_CHOSEN", test_no_proposal_chosen);
	CU_add_test(s, "forged error before the answer",
		    test_forged_error_ignored);
	CU_add_test(s, "Child SA refused", test_child_refused);
	CU_add_test(s, "retransmission after loss", test_retransmit_after_loss);
	CU_add_test(s, "garbage before the real response", test_garbage_first);
	CU_add_test(s, "no responder: timeout", test_no_responder);
	CU_add_test(s, "lost IKE_AUTH response", test_lost_auth_response);
	CU_add_test(s, "lost IKE_SA_INIT response", test_lost_init_response);
	CU_add_test(s, "gateway chose what we did not offer",
		    test_unoffered_choice);
	CU_add_test(s, "NAT detected", test_nat_detected);
}
