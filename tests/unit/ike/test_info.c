/* INFORMATIONAL exchanges once the IKE SA is up: our disconnect, the
 * gateway's delete and liveness check, and our AUTHENTICATION_FAILED. */
#include <regex.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "status.h"
#include "vpnd/log.h"
#include "vpnd/ratelimit.h"

static struct run r;

/* close_restart: connection.close-action restart (the default) */
static bool bring_up_closing(struct responder_cfg *cfg, bool close_restart)
{
	memset(&r, 0, sizeof(r));
	r.resp = start_responder(cfg);
	make_profile(&r.prof, cfg->port, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	r.prof.close_restart = close_restart;
	r.prof.reconnect_interval = 1;
	return run_connect(&r) && run_wait_event(&r) == CEV_UP;
}

/* A gateway's delete ends these connections. */
static bool bring_up(struct responder_cfg *cfg)
{
	return bring_up_closing(cfg, false);
}

static void test_disconnect(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_CLOSING);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->ike_deletes, 1);
	CU_ASSERT_EQUAL(st->requests[3], 1);
	CU_ASSERT_EQUAL(st->last_inner_first, PL_DELETE);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_IDLE);
	CU_ASSERT_EQUAL(r.n_down, 1);
	/* a second disconnect has nothing to do but must still report */
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(r.n_down, 2);
	run_cleanup(&r);
}

/* The delete is lost once: the client's retransmission is answered. */
/* close-action restart (the default): after the gateway's delete the
 * connection comes back by itself after the reconnect interval, and
 * status says why it went. */
static void test_gateway_delete_restart(void)
{
	struct responder_cfg cfg;
	const struct conn_status *cs;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up_closing(&cfg, true));
	CU_ASSERT_EQUAL_FATAL(responder_send_delete(r.resp), 0);
	run_for(&r, 100);
	cs = status_of(r.conn);
	CU_ASSERT_EQUAL(cs->state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(cs->change.reason, REASON_GATEWAY_DELETE);
	CU_ASSERT_TRUE(cs->retry_pending);
	CU_ASSERT_FALSE(cs->has_sa);
	/* what the user reads */
	CU_ASSERT_STRING_EQUAL(cs->change.text,
			       "the gateway closed the connection (gateway deleted the IKE SA); reconnecting in 1 s");
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_UP);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->auth_ok, 2);
	CU_ASSERT_EQUAL(r.n_down, 0);
	run_cleanup(&r);
}

static void test_disconnect_retransmitted(void)
{
	struct responder_cfg cfg;
	struct verr e = { { 0 } };

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	CU_ASSERT_STRING_EQUAL(r.msg, "disconnected");
	/* reconnecting on the same conn works after a disconnect */
	CU_ASSERT_EQUAL(conn_connect(r.conn, &e), 0);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->auth_ok, 2);
	run_cleanup(&r);
}

/* close-action none: the gateway's delete ends the connection, and
 * status says why and when. */
static void test_gateway_delete(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	const struct conn_status *cs;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up_closing(&cfg, false));
	CU_ASSERT_EQUAL_FATAL(responder_send_delete(r.resp), 0);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	CU_ASSERT_STRING_EQUAL(r.msg, "gateway deleted the IKE SA");
	cs = status_of(r.conn);
	CU_ASSERT_EQUAL(cs->state, CONN_IDLE);
	CU_ASSERT_EQUAL(cs->change.reason, REASON_GATEWAY_DELETE);
	CU_ASSERT(cs->change.at > 0 && cs->change.at <= time(NULL));
	/* the status line the user reads (and interop-gw-delete greps):
	 * the first, with the name once, since when and why */
	{
		regex_t re;
		const char *text = run_status(&r);

		CU_ASSERT_FATAL(regcomp(&re, "^[^ ]+: idle since [0-9]{2}:[0-9]{2}:[0-9]{2} "
					"\\(-?[0-9]+ s ago\\): gateway deleted the IKE SA "
					"\\[gateway-delete\\]\n  [^\n]*\n",
					REG_EXTENDED) == 0);
		CU_ASSERT_EQUAL(regexec(&re, text, 0, NULL, 0), 0);
		regfree(&re);
		CU_ASSERT_PTR_NULL(strstr(text, "last change"));
	}
	/* the client's answer went out before it dropped the SA */
	run_for(&r, 50);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->responses, 1);
	CU_ASSERT_EQUAL(responder_send_delete(r.resp), -1);
	run_cleanup(&r);
}

static void test_gateway_liveness_check(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 100);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->responses, 1);
	CU_ASSERT_EQUAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 100);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->responses, 2);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(r.n_down, 0);
	run_cleanup(&r);
}

/* A retransmitted gateway request gets the cached answer, and the
 * next one (a new message ID) is still accepted. */
static void test_gateway_retransmit(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 1);
	CU_ASSERT_EQUAL_FATAL(responder_retransmit(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 2);
	CU_ASSERT_EQUAL(st->resp_payloads, 0);
	CU_ASSERT_EQUAL_FATAL(responder_send_delete(r.resp), 0);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 3);
	run_cleanup(&r);
}

/* A datagram with the Message ID we last answered, but not the request
 * we answered (a forger's), gets nothing; the real retransmission still
 * gets the cached answer. */
static void test_forged_retransmission(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	int i;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL_FATAL(st->responses, 1);
	for (i = 0; i < 50; i++)
		CU_ASSERT_EQUAL_FATAL(responder_send_tampered(r.resp, false), 0);
	run_for(&r, 100);
	CU_ASSERT_EQUAL(st->responses, 1);
	CU_ASSERT_EQUAL_FATAL(responder_retransmit(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 2);
	run_cleanup(&r);
}

static unsigned warnings;

static void count_warnings(void *ctx, enum log_level lvl, const char *line)
{
	if (lvl <= LOG_WARN)
		warnings++;
}

/* A flood of datagrams that fail integrity (anyone who saw our SPI can
 * send them) makes a bounded number of log lines. */
static void test_log_flood(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	int i;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 50);
	warnings = 0;
	log_set_sink(count_warnings, NULL);
	for (i = 0; i < 2000; i++) {
		CU_ASSERT_EQUAL_FATAL(responder_send_tampered(r.resp, true), 0);
		if (i % 100 == 99)
			run_for(&r, 5);
	}
	run_for(&r, 100);
	log_set_sink(NULL, NULL);
	CU_ASSERT(warnings >= 1);
	CU_ASSERT(warnings <= RATELIMIT_BURST);
	/* the SA still works */
	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 2);
	run_cleanup(&r);
}

/* RFC 7296 1.4.1: the answer to a Child SA delete names the initiator's
 * own inbound SPI; the IKE SA stays. */
static void test_gateway_child_delete(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(responder_send_child_delete(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 1);
	CU_ASSERT_EQUAL(st->resp_deletes, 1);
	CU_ASSERT_EQUAL(memcmp(st->resp_delete_spi, st->peer_esp_spi, 4), 0);
	CU_ASSERT_FALSE(status_of(r.conn)->child.up);
	CU_ASSERT_STRING_EQUAL(status_of(r.conn)->child.problem,
			       "deleted by the gateway");
	/* the tunnel is gone: its own state, and the daemon is told */
	CU_ASSERT_EQUAL(status_of(r.conn)->state, CONN_NO_TUNNEL);
	CU_ASSERT_EQUAL(r.n_no_tunnel, 1);
	CU_ASSERT_STRING_EQUAL(status_of(r.conn)->state_text,
			       "established, no tunnel: deleted by the gateway");
	run_cleanup(&r);
}

/* Until Child SAs reach the kernel, the engine declines new ones. */
static void test_gateway_create_child(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(responder_send_create_child(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 1);
	CU_ASSERT_EQUAL(st->resp_notify, N_NO_ADDITIONAL_SAS);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	run_cleanup(&r);
}

/* RFC 7296 2.5: a request with an unknown critical payload is rejected
 * with UNSUPPORTED_CRITICAL_PAYLOAD naming the type; the SA stays. */
static void test_gateway_unknown_critical(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(responder_send_unknown_critical(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 1);
	CU_ASSERT_EQUAL(st->resp_notify, N_UNSUPPORTED_CRITICAL_PAYLOAD);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	/* the next request (message ID 1) is still answered */
	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 2);
	CU_ASSERT_EQUAL(st->resp_notify, 0);
	run_cleanup(&r);
}

/* Payloads the exchange may not carry: INVALID_SYNTAX, and the Delete
 * in it is not acted on. */
static void test_gateway_request_not_allowed(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(responder_send_delete_with_sa(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 1);
	CU_ASSERT_EQUAL(st->resp_notify, N_INVALID_SYNTAX);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(r.n_down, 0);
	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(st->responses, 2);
	CU_ASSERT_EQUAL(st->resp_notify, 0);
	run_cleanup(&r);
}

/* The gateway answers as someone the profile does not accept: the
 * client fails and tells the gateway with AUTHENTICATION_FAILED. */
static void test_wrong_gateway_identity(void)
{
	struct responder_cfg cfg;
	static const char other[] = "impostor.test";

	responder_cfg_defaults(&cfg);
	memcpy(cfg.id, other, sizeof(other) - 1);
	cfg.id_len = sizeof(other) - 1;
	memset(&r, 0, sizeof(r));
	r.resp = start_responder(&cfg);
	make_profile(&r.prof, cfg.port, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "impostor.test"));
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_AUTH_FAILED);
	run_for(&r, 50);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->auth_failed_notifies, 1);
	run_cleanup(&r);
}

void register_info_tests(void)
{
	CU_pSuite s = CU_add_suite("informational", NULL, NULL);

	CU_add_test(s, "disconnect sends DELETE", test_disconnect);
	CU_add_test(s, "reconnect after disconnect",
		    test_disconnect_retransmitted);
	CU_add_test(s, "gateway-initiated DELETE", test_gateway_delete);
	CU_add_test(s, "gateway DELETE, close-action restart",
		    test_gateway_delete_restart);
	CU_add_test(s, "gateway liveness check", test_gateway_liveness_check);
	CU_add_test(s, "gateway retransmits its request",
		    test_gateway_retransmit);
	CU_add_test(s, "forged retransmission gets no answer",
		    test_forged_retransmission);
	CU_add_test(s, "flood of forged datagrams: bounded log",
		    test_log_flood);
	CU_add_test(s, "gateway deletes the Child SA",
		    test_gateway_child_delete);
	CU_add_test(s, "gateway CREATE_CHILD_SA declined",
		    test_gateway_create_child);
	CU_add_test(s, "gateway request with unknown critical payload",
		    test_gateway_unknown_critical);
	CU_add_test(s, "gateway request with payloads not allowed",
		    test_gateway_request_not_allowed);
	CU_add_test(s, "gateway identity not accepted",
		    test_wrong_gateway_identity);
}
