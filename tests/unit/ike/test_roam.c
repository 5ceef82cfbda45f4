/* The path to the gateway after network changes (roam.c), in memory
 * (mem.h) with a host whose routes and addresses the test moves: no
 * route holds the SA and sends nothing, the route back checks the path
 * before the tunnel counts again, a lost address makes a new SA asking
 * for the same virtual IP, an outage gives up at outage-time, a wake
 * with the path intact checks liveness at once. */
#include <arpa/inet.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "engine_int.h"
#include "fake_host.h"
#include "harness.h"
#include "mem.h"


static struct mem m;

/* The clocks of the engine's suspend watch, moved by the test. */
static struct {
	uint64_t mono, boot;
} clk = { 1000, 1000 };

static int clk_now(void *ctx, uint64_t *mono_ms, uint64_t *boot_ms)
{
	*mono_ms = clk.mono;
	*boot_ms = clk.boot;
	return 0;
}

static const struct suspend_clock fake_clock = { clk_now, NULL };

static int use_fake_host(void)
{
	struct engine_config cfg = { .child = ENGINE_CHILD_NONE,
				     .host_ops = &fake_host_ops,
				     .suspend_clock = &fake_clock };

	return test_engine_make(&cfg);
}

static int back_to_host(void)
{
	return test_engine_reset(NULL);
}

/* Established from FAKE_CLIENT_ADDR, which the host has and routes by. */
static struct ike_sa *up(void)
{
	struct ike_sa *sa;

	fake_host_reset();
	mem_begin(&m);
	sa = mem_established(&m);
	fake_addr4(&sa->local, FAKE_CLIENT_ADDR, IKE_PORT);
	return sa;
}

/* The last datagram is a request of ours of that exchange. */
static bool last_request(uint8_t exchange)
{
	const struct mem_dgram *d = mem_last(&m);

	return d && d->len > IKE_HDR_LEN && d->p[18] == exchange &&
	       !(d->p[19] & IKE_FLAG_R);
}

static uint32_t last_msg_id(void)
{
	return get_u32(mem_last(&m)->p + 20);
}

/* No route: held, no tunnel, nothing sent, and the outstanding liveness
 * check neither retransmitted nor given up on however long it waits;
 * the route back sends it again at once, and its answer makes the
 * tunnel work again. */
static void test_no_route_holds(void)
{
	struct conn_status st;
	struct ike_sa *sa = up();
	size_t sent;

	dpd_check(sa);
	CU_ASSERT_TRUE_FATAL(last_request(EXCH_INFORMATIONAL));
	fake_host.route = false;
	engine_network_changed(test_engine, "a link went down");
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_NO_TUNNEL);
	CU_ASSERT_TRUE(st.waiting_for_network);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.state_text, "waiting for a network"));
	CU_ASSERT_EQUAL(st.n_moves, 1);
	CU_ASSERT_EQUAL(m.n_no_tunnel, 1);
	sent = m.n_sent;
	/* past every retransmission of the profile (200 ms, 3 tries) */
	run_for(NULL, 2000);
	CU_ASSERT_EQUAL(m.n_sent, sent);
	CU_ASSERT_EQUAL(conn_get_state(m.conn), CONN_NO_TUNNEL);
	fake_host.route = true;
	engine_network_changed(test_engine, "the network changed");
	CU_ASSERT_EQUAL_FATAL(m.n_sent, sent + 1);
	CU_ASSERT_TRUE(last_request(EXCH_INFORMATIONAL));
	mem_status(&m, &st);
	CU_ASSERT_FALSE(st.waiting_for_network);
	CU_ASSERT_EQUAL(st.state, CONN_NO_TUNNEL); /* not before an answer */
	CU_ASSERT_PTR_NOT_NULL(strstr(st.state_text, "checking the path"));
	CU_ASSERT_EQUAL(st.n_moves, 2);
	mem_chain(&m);
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa,
						      EXCH_INFORMATIONAL,
						      last_msg_id(), true)),
			TASK_DONE);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(m.n_up, 2);
	mem_end(&m);
}

/* Our address went away: a new IKE SA at once, from the new address,
 * asking for the virtual IP the old one had; the reason in status. */
static void test_address_gone(void)
{
	static const uint8_t vip[4] = { 198, 51, 100, 2 };
	struct conn_status st;
	struct ike_sa *old = up();

	CU_ASSERT_EQUAL_FATAL(memcmp(old->cfg.ip4, vip, 4), 0);
	fake_host_move();
	engine_network_changed(test_engine, "an address went away");
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(st.change.reason, REASON_MOVED);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.change.text, "is gone"));
	CU_ASSERT_EQUAL(st.n_moves, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.conn->sa);
	CU_ASSERT_TRUE(m.conn->sa->has_vip_hint);
	CU_ASSERT_EQUAL(memcmp(m.conn->sa->vip_hint4, vip, 4), 0);
	CU_ASSERT_TRUE(last_request(EXCH_IKE_SA_INIT));
	mem_end(&m);
}

/* timers.outage-time: held that long, the connection fails with the
 * reason, without sending anything. */
static void test_outage_gives_up(void)
{
	struct conn_status st;
	size_t sent;

	fake_host_reset();
	mem_begin(&m);
	m.prof.outage_time = 1;
	fake_addr4(&mem_established(&m)->local, FAKE_CLIENT_ADDR, IKE_PORT);
	fake_host.route = false;
	engine_network_changed(test_engine, "a link went down");
	sent = m.n_sent;
	run_for(NULL, 1300);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_FAILED);
	CU_ASSERT_EQUAL(st.change.reason, REASON_NO_NETWORK);
	CU_ASSERT_EQUAL(m.n_failed, 1);
	CU_ASSERT_EQUAL(m.n_sent, sent);
	mem_end(&m);
}

/* A wake-up (or any change) with the path as it was: a liveness check
 * at once, and the tunnel stays up meanwhile. */
static void test_wake_checks(void)
{
	struct conn_status st;
	size_t sent;

	up();
	sent = m.n_sent;
	engine_network_changed(test_engine, "woke after 3600 s");
	CU_ASSERT_EQUAL(m.n_sent, sent + 1);
	CU_ASSERT_TRUE(last_request(EXCH_INFORMATIONAL));
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(st.n_moves, 0);
	mem_end(&m);
}

/* A suspend seen by the engine's watch (boot time an hour ahead of
 * monotonic time): the path is checked at once, a liveness check goes
 * out; a second check without a new gap does nothing. */
static void test_suspend_checks(void)
{
	size_t sent;

	up();
	sent = m.n_sent;
	clk.mono += 2000;
	clk.boot += 2000;
	suspend_watch_check(test_engine->suspend);
	CU_ASSERT_EQUAL(m.n_sent, sent); /* awake: no gap, no check */
	clk.mono += 1000;
	clk.boot += 1000 + 3600 * 1000;
	suspend_watch_check(test_engine->suspend);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, sent + 1);
	CU_ASSERT_TRUE(last_request(EXCH_INFORMATIONAL));
	mem_end(&m);
}

/* A disconnect without a network does not wait for a DELETE that
 * cannot leave. */
static void test_disconnect_held(void)
{
	size_t sent;

	up();
	fake_host.route = false;
	engine_network_changed(test_engine, "a link went down");
	sent = m.n_sent;
	conn_disconnect(m.conn);
	CU_ASSERT_EQUAL(conn_get_state(m.conn), CONN_IDLE);
	CU_ASSERT_EQUAL(m.n_down, 1);
	CU_ASSERT_EQUAL(m.n_sent, sent);
	CU_ASSERT_PTR_NULL(m.conn->sa);
	mem_end(&m);
}

void register_roam_tests(void)
{
	CU_pSuite s = CU_add_suite("path to the gateway (roaming)",
				   use_fake_host, back_to_host);

	CU_add_test(s, "no route holds the SA", test_no_route_holds);
	CU_add_test(s, "our address gone: a new SA", test_address_gone);
	CU_add_test(s, "outage-time gives up", test_outage_gives_up);
	CU_add_test(s, "a wake checks the path", test_wake_checks);
	CU_add_test(s, "a suspend on the test's clock checks the path",
		    test_suspend_checks);
	CU_add_test(s, "disconnect without a network", test_disconnect_held);
}
