/* The conn's life cycle around failures: aborts, repeated connects,
 * gateways that stop answering, crossing deletes. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "status.h"

#define GCM_ECP256 "aes128gcm16-prfsha256-ecp256"

static struct run r;

static void start(struct responder_cfg *cfg)
{
	memset(&r, 0, sizeof(r));
	r.resp = start_responder(cfg);
	make_profile(&r.prof, cfg->port, GCM_ECP256, "aes128gcm16");
}

static void test_auth_timeout(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.ignore_exchange = EXCH_IKE_AUTH;
	start(&cfg);
	r.prof.retransmit_timeout_ms = 100;
	r.prof.retransmit_tries = 2;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_TIMEOUT);
	/* the user learns which exchange went unanswered */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "IKE_AUTH"));
	CU_ASSERT_EQUAL(responder_stats(r.resp)->dropped, 3);
	run_cleanup(&r);
}

static void test_delete_unanswered(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	start(&cfg);
	r.prof.retransmit_timeout_ms = 100;
	r.prof.retransmit_tries = 2;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	responder_set_mute(r.resp, true);
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->dropped, 3);
	CU_ASSERT_EQUAL(status_of(r.conn)->state, CONN_IDLE);
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_USER);
	run_cleanup(&r);
}

/* Disconnect while a liveness check waits for its answer: the DELETE
 * must not take the next Message ID before that (window of one), so it
 * goes out once the check is answered. */
static void test_delete_waits_for_request(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	start(&cfg);
	r.prof.dpd_interval = 1;
	r.prof.retransmit_timeout_ms = 400;
	r.prof.retransmit_tries = 4;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	responder_set_mute(r.resp, true);
	run_for(&r, 1200); /* the check went out and was dropped */
	CU_ASSERT(responder_stats(r.resp)->dropped >= 1);
	conn_disconnect(r.conn);
	responder_set_mute(r.resp, false);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	CU_ASSERT_STRING_EQUAL(r.msg, "disconnected");
	CU_ASSERT_EQUAL(responder_stats(r.resp)->empty_informational, 1);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->ike_deletes, 1);
	run_cleanup(&r);
}

/* Disconnect while IKE_SA_INIT is outstanding: DOWN at once, and the
 * retransmission timer must not report anything later. */
static void test_abort_while_connecting(void)
{
	struct responder_cfg cfg;
	struct verr e = { { 0 } };

	responder_cfg_defaults(&cfg);
	start(&cfg);
	/* retransmissions would end 100 + 150 + 225 ms after the start */
	r.prof.retransmit_timeout_ms = 100;
	r.prof.retransmit_tries = 2;
	responder_set_mute(r.resp, true);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_CONNECTING);
	CU_ASSERT_EQUAL(conn_connect(r.conn, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "already"));
	run_for(&r, 50);
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_IDLE);
	run_for(&r, 600);
	CU_ASSERT_EQUAL(r.n_failed, 0);
	CU_ASSERT_EQUAL(r.n_up, 0);
	CU_ASSERT_EQUAL(r.n_down, 1);
	run_cleanup(&r);
}

/* A failed attempt leaves the conn usable: the same conn connects once
 * the gateway is back. */
static void test_reconnect_after_failure(void)
{
	struct responder_cfg cfg;
	struct verr e = { { 0 } };

	responder_cfg_defaults(&cfg);
	start(&cfg);
	r.prof.retransmit_timeout_ms = 50;
	r.prof.retransmit_tries = 1;
	responder_set_mute(r.resp, true);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_FAILED);
	responder_set_mute(r.resp, false);
	CU_ASSERT_EQUAL(conn_connect(r.conn, &e), 0);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->auth_ok, 1);
	CU_ASSERT_EQUAL(conn_connect(r.conn, &e), -1);
	run_cleanup(&r);
}

/* Both ends delete at once (RFC 7296 2.8 style crossing): one DOWN. */
static void test_crossing_deletes(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	start(&cfg);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL_FATAL(responder_send_delete(r.resp), 0);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(r.n_down, 1);
	CU_ASSERT_EQUAL(r.n_failed, 0);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->ike_deletes, 1);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_IDLE);
	run_cleanup(&r);
}

void register_lifecycle_tests(void)
{
	CU_pSuite s = CU_add_suite("lifecycle", NULL, NULL);

	CU_add_test(s, "IKE_AUTH timeout", test_auth_timeout);
	CU_add_test(s, "unanswered DELETE", test_delete_unanswered);
	CU_add_test(s, "DELETE waits for the request under way",
		    test_delete_waits_for_request);
	CU_add_test(s, "abort while connecting", test_abort_while_connecting);
	CU_add_test(s, "reconnect after failure", test_reconnect_after_failure);
	CU_add_test(s, "crossing deletes", test_crossing_deletes);
}
