/* Gateway-initiated REDIRECT in INFORMATIONAL (RFC 5685 5): make before
 * break, so the connection stays up while it moves; refused when it
 * carries nonce data or names a target the profile does not allow. */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "rt.h"
#include "status.h"

static struct rt t;

static void bring_up(unsigned n)
{
	rt_start(&t, n);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL_FATAL(rt_wait(&t), CEV_UP);
	rt_poll_state(&t);
}

static void redirect_to(const char *to, bool with_nonce)
{
	struct gw_ident gw;

	responder_gw_ident(&gw, to);
	CU_ASSERT_EQUAL_FATAL(responder_send_redirect(t.gw[0], &gw, with_nonce),
			      0);
}

static void test_make_before_break(void)
{
	const struct responder_stats *g1, *g2;
	unsigned waited;

	rt_init(&t);
	bring_up(2);
	redirect_to("127.0.0.2", false);
	for (waited = 0; waited < 3000 && !rt_st(&t, 0)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
	rt_run_for(&t, 50);
	g1 = rt_st(&t, 0);
	g2 = rt_st(&t, 1);
	CU_ASSERT_EQUAL(g1->responses, 1);
	CU_ASSERT_EQUAL(g1->resp_payloads, 0);
	CU_ASSERT_EQUAL(g1->ike_deletes, 1);
	CU_ASSERT_EQUAL(g2->auth_ok, 1);
	CU_ASSERT_EQUAL(g2->redirected_from_seen, 1);
	CU_ASSERT(g2->redirected_from_ok);
	CU_ASSERT_EQUAL(g2->redirected_from.type, GW_IPV4);
	CU_ASSERT_EQUAL(memcmp(g2->redirected_from.data, "\x7f\0\0\1", 4), 0);
	CU_ASSERT_EQUAL(g2->redirect_supported_seen, 0);
	/* the new SA was up before the old one was deleted */
	CU_ASSERT(g2->established_seq != 0);
	CU_ASSERT(g1->ike_delete_seq > g2->established_seq);
	CU_ASSERT(g1->ike_delete_ms >= g2->established_ms);
	CU_ASSERT_FALSE(t.left_established);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(t.n_up, 1);
	CU_ASSERT_EQUAL(t.n_failed, 0);
	CU_ASSERT_EQUAL(t.n_down, 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 1);
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.1", "127.0.0.2",
					 EXCH_INFORMATIONAL));
	CU_ASSERT_EQUAL(status_of(t.conn)->change.reason, REASON_REDIRECT);
	CU_ASSERT_FALSE(status_of(t.conn)->replacing);
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "127.0.0.2");
	rt_cleanup(&t);
}

/* Answered, but not followed. */
static void stays(void)
{
	const struct responder_stats *g1 = rt_st(&t, 0);

	rt_run_for(&t, 300);
	CU_ASSERT_EQUAL(g1->responses, 1);
	CU_ASSERT_EQUAL(g1->ike_deletes, 0);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->datagrams, 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 1);
	CU_ASSERT_FALSE(t.left_established);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 0);
	CU_ASSERT_EQUAL(status_of(t.conn)->n_redirect_hist, 0);
	CU_ASSERT_FALSE(status_of(t.conn)->replacing);
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "127.0.0.1");
}

static void test_with_nonce(void)
{
	rt_init(&t);
	bring_up(2);
	redirect_to("127.0.0.2", true);
	stays();
	CU_ASSERT(rt_progress_has(&t, "nonce data"));
	rt_cleanup(&t);
}

static void test_not_allowed(void)
{
	rt_init(&t);
	snprintf(t.prof.redirect_allow[0].text,
		 sizeof(t.prof.redirect_allow[0].text), "127.0.0.3");
	t.prof.n_redirect_allow = 1;
	bring_up(2);
	redirect_to("127.0.0.2", false);
	stays();
	CU_ASSERT(rt_progress_has(&t, "allowed redirect targets"));
	rt_cleanup(&t);
}

static void test_disabled(void)
{
	rt_init(&t);
	t.prof.redirect_enabled = false;
	bring_up(2);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->redirect_supported_seen, 0);
	redirect_to("127.0.0.2", false);
	stays();
	CU_ASSERT(rt_progress_has(&t, "redirects are disabled"));
	rt_cleanup(&t);
}

/* Nobody answers at the target: the attempt times out and the client
 * keeps the SA it has; the old gateway never sees a DELETE. */
static void test_target_silent(void)
{
	const struct responder_stats *g1;
	unsigned waited;

	rt_init(&t);
	bring_up(2);
	responder_set_mute(t.gw[1], true);
	redirect_to("127.0.0.2", false);
	rt_run_for(&t, 20);
	CU_ASSERT_TRUE(status_of(t.conn)->replacing);
	for (waited = 0; waited < 5000 && status_of(t.conn)->replacing;
	     waited += 20)
		rt_run_for(&t, 20);
	g1 = rt_st(&t, 0);
	/* the move was given up, the old SA carries on */
	CU_ASSERT_FALSE(status_of(t.conn)->replacing);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 1);
	CU_ASSERT(rt_st(&t, 1)->dropped >= 2);
	CU_ASSERT_EQUAL(g1->responses, 1);
	CU_ASSERT_EQUAL(g1->ike_deletes, 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 1);
	CU_ASSERT_FALSE(t.left_established);
	CU_ASSERT_EQUAL(t.n_failed + t.n_down, 0);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "127.0.0.1");
	/* the SA with gw1 still works: a liveness check is answered */
	CU_ASSERT_EQUAL(responder_send_dpd(t.gw[0]), 0);
	rt_run_for(&t, 100);
	CU_ASSERT_EQUAL(g1->responses, 2);
	rt_cleanup(&t);
}

/* The gateway sends its REDIRECT request twice (our answer was lost):
 * the second copy is answered from the cache, not followed again. */
static void test_retransmitted(void)
{
	unsigned waited;

	rt_init(&t);
	bring_up(2);
	redirect_to("127.0.0.2", false);
	CU_ASSERT_EQUAL(responder_retransmit(t.gw[0]), 0);
	for (waited = 0; waited < 3000 && !rt_st(&t, 0)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
	rt_run_for(&t, 50);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->responses, 2);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->requests[0], 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 1);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 1);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	CU_ASSERT_FALSE(t.left_established);
	rt_cleanup(&t);
}

/* gw1 -> gw2 -> gw3 while established: each hop make-before-break. */
static void test_two_hops(void)
{
	struct gw_ident gw;
	unsigned waited;

	rt_init(&t);
	bring_up(3);
	redirect_to("127.0.0.2", false);
	for (waited = 0; waited < 3000 && !rt_st(&t, 0)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
	responder_gw_ident(&gw, "127.0.0.3");
	CU_ASSERT_EQUAL_FATAL(responder_send_redirect(t.gw[1], &gw, false), 0);
	for (waited = 0; waited < 3000 && !rt_st(&t, 1)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
	rt_run_for(&t, 50);
	CU_ASSERT(rt_st(&t, 1)->ike_delete_seq > rt_st(&t, 2)->established_seq);
	CU_ASSERT_EQUAL(rt_st(&t, 2)->redirected_from_seen, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 2)->redirected_from.data[3], 2);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[2]), 1);
	CU_ASSERT_FALSE(t.left_established);
	CU_ASSERT_EQUAL(status_of(t.conn)->n_redirect_hist, 2);
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.1", "127.0.0.2",
					 EXCH_INFORMATIONAL));
	CU_ASSERT_TRUE(status_redirected(t.conn, 1, "127.0.0.2", "127.0.0.3",
					 EXCH_INFORMATIONAL));
	rt_cleanup(&t);
}

/* A second REDIRECT while the move to the first target is still under
 * way (the target drops our first IKE_SA_INIT, so it takes a
 * retransmission): the newer instruction wins, the attempt towards the
 * first target is dropped, and exactly one SA is left up. */
static void test_second_redirect_midway(void)
{
	unsigned waited;

	rt_init(&t);
	t.cfg[1].drop_first_n = 1;
	bring_up(3);
	redirect_to("127.0.0.2", false);
	rt_run_for(&t, 50);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->responses, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->dropped, 1);
	redirect_to("127.0.0.3", false);
	for (waited = 0; waited < 3000 && !rt_st(&t, 0)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
	rt_run_for(&t, 1500); /* every attempt has finished or timed out */
	CU_ASSERT_EQUAL(rt_st(&t, 0)->responses, 2);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->ike_deletes, 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[2]), 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	CU_ASSERT_FALSE(t.left_established);
	CU_ASSERT_EQUAL(t.n_up, 1);
	CU_ASSERT_EQUAL(t.n_failed + t.n_down, 0);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "127.0.0.3");
	CU_ASSERT_FALSE(status_of(t.conn)->replacing);
	rt_cleanup(&t);
}

/* Established redirects count towards max-redirects too. */
static void test_loop_limit(void)
{
	struct gw_ident gw;
	unsigned waited;

	rt_init(&t);
	t.prof.max_redirects = 1;
	bring_up(2);
	redirect_to("127.0.0.2", false);
	for (waited = 0; waited < 3000 && !rt_st(&t, 0)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
	responder_gw_ident(&gw, "127.0.0.1");
	CU_ASSERT_EQUAL_FATAL(responder_send_redirect(t.gw[1], &gw, false), 0);
	rt_run_for(&t, 300);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->responses, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->requests[0], 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 1);
	/* not followed, and the user reads the loop */
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 1);
	CU_ASSERT_FALSE(status_of(t.conn)->replacing);
	CU_ASSERT(rt_progress_has(&t,
		"(127.0.0.1 -> 127.0.0.2 -> 127.0.0.1)"));
	CU_ASSERT_FALSE(t.left_established);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	rt_cleanup(&t);
}

/* A REDIRECT that arrives while we are deleting the SA (our DELETE is
 * not answered yet) must not start a new connection. */
static void test_while_closing(void)
{
	rt_init(&t);
	t.cfg[0].ignore_exchange = EXCH_INFORMATIONAL;
	bring_up(2);
	t.polling = false;
	conn_disconnect(t.conn);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_CLOSING);
	rt_run_for(&t, 20);
	redirect_to("127.0.0.2", false);
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_DOWN);
	rt_run_for(&t, 300);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->datagrams, 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 0);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_IDLE);
	CU_ASSERT_EQUAL(t.n_up, 1);
	rt_cleanup(&t);
}

/* The target itself redirects our IKE_SA_INIT elsewhere: whatever the
 * engine makes of it, the connection stays up on exactly one SA. */
static void test_target_redirects_again(void)
{
	unsigned up;

	rt_init(&t);
	responder_gw_ident(&t.cfg[1].redirect_init_to, "127.0.0.3");
	bring_up(3);
	redirect_to("127.0.0.2", false);
	rt_run_for(&t, 1000);
	up = responder_established(t.gw[0]) + responder_established(t.gw[1]) +
	     responder_established(t.gw[2]);
	CU_ASSERT_EQUAL(up, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->redirects_sent, 1);
	CU_ASSERT_FALSE(t.left_established);
	CU_ASSERT_EQUAL(t.n_failed + t.n_down, 0);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	rt_cleanup(&t);
}

/* A name as the target while established: looked up, then followed. */
static void test_fqdn_target(void)
{
	unsigned waited;

	rt_init(&t);
	t.cfg[0].bind_addr = "127.0.0.2";
	t.cfg[1].bind_addr = "127.0.0.1";
	snprintf(t.prof.gateways[0], sizeof(t.prof.gateways[0]), "127.0.0.2");
	bring_up(2);
	redirect_to("localhost", false);
	for (waited = 0; waited < 3000 && !rt_st(&t, 0)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
	CU_ASSERT_STRING_EQUAL(status_of(t.conn)->gateway, "localhost");
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "127.0.0.1");
	CU_ASSERT_EQUAL(rt_st(&t, 1)->auth_ok, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->redirected_from.data[3], 2);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	CU_ASSERT_FALSE(t.left_established);
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.2", "localhost",
					 EXCH_INFORMATIONAL));
	rt_cleanup(&t);
}

void register_info_tests(void)
{
	CU_pSuite s = CU_add_suite("redirect in INFORMATIONAL", NULL, NULL);

	CU_add_test(s, "make before break", test_make_before_break);
	CU_add_test(s, "nonce data: answered, not followed", test_with_nonce);
	CU_add_test(s, "target not allowed: stays", test_not_allowed);
	CU_add_test(s, "redirects disabled: stays", test_disabled);
	CU_add_test(s, "silent target: stays", test_target_silent);
	CU_add_test(s, "retransmitted request followed once",
		    test_retransmitted);
	CU_add_test(s, "two hops", test_two_hops);
	CU_add_test(s, "second REDIRECT while moving",
		    test_second_redirect_midway);
	CU_add_test(s, "max-redirects while established", test_loop_limit);
	CU_add_test(s, "not followed while closing", test_while_closing);
	CU_add_test(s, "target redirects again", test_target_redirects_again);
	CU_add_test(s, "FQDN target", test_fqdn_target);
}
