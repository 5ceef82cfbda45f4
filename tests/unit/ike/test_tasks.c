/* Exchange tests in memory (mem.h): the gateway's messages, typed or as
 * datagrams, handed to one IKE SA; each test checks the outcome the task
 * or request handler returned, what the engine sent, and the
 * connection's status as values (conn_status_get). */
#include <arpa/inet.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "mem.h"
#include "vpnd/crypto.h"

static struct mem m;

static const char *dest(const struct mem_dgram *d, char *out, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&d->to;

	return inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)len);
}

/* IKE_AUTH with a good answer: TASK_UP, established, Child SA and
 * virtual IP taken, the change recorded as up. */
static void test_auth_up(void)
{
	struct ike_sa *sa;
	const struct ike_msg *req;
	struct conn_status st;

	mem_begin(&m);
	sa = mem_auth_sa(&m);
	req = mem_open(&m, sa, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_EQUAL(req->hdr->exchange, EXCH_IKE_AUTH);
	CU_ASSERT_EQUAL(req->hdr->msg_id, 1);
	CU_ASSERT_EQUAL(req->hdr->flags, IKE_FLAG_I);
	CU_ASSERT_TRUE(mem_has(req, PL_IDI) && mem_has(req, PL_AUTH) &&
		       mem_has(req, PL_CP));
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.ike.state, IKE_AUTH_SENT);

	mem_chain(&m);
	mem_add_auth_answer(&m, sa, true);
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH,
						       1, true)),
			TASK_UP);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(st.change.reason, REASON_UP);
	CU_ASSERT_NOT_EQUAL(st.change.at, 0);
	CU_ASSERT_TRUE(st.has_sa);
	CU_ASSERT_EQUAL(st.ike.state, IKE_ESTABLISHED);
	CU_ASSERT_TRUE(st.ike.initiator);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_ours, sa->spi_i, 8), 0);
	CU_ASSERT_NOT_EQUAL(st.ike.established_ms, 0);
	CU_ASSERT_STRING_EQUAL(st.ike.remote_id, "gw.test");
	CU_ASSERT_TRUE(st.child.up);
	CU_ASSERT_FALSE(st.child.installed); /* kernel installation off */
	CU_ASSERT_EQUAL(memcmp(st.child.spi_out, m.gw_esp_spi, 4), 0);
	CU_ASSERT_TRUE(st.vip.has_ip4);
	CU_ASSERT_EQUAL(memcmp(st.vip.ip4, "\xc6\x33\x64\x02", 4), 0);
	CU_ASSERT_EQUAL(m.n_up, 1);
	/* no request is outstanding, nothing else was sent */
	CU_ASSERT_FALSE(sa->req.active);
	CU_ASSERT_EQUAL(m.n_sent, 1);
	mem_end(&m);
}

/* N(AUTHENTICATION_FAILED) instead of AUTH: the connection fails with
 * that reason and the SA is gone. */
static void test_auth_refused(void)
{
	struct ike_sa *sa;
	struct conn_status st;

	mem_begin(&m);
	sa = mem_auth_sa(&m);
	notify_build(mem_chain(&m), 0, NULL, 0, N_AUTHENTICATION_FAILED,
		     NULL, 0);
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH,
						       1, true)),
			TASK_FAILED);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_FAILED);
	CU_ASSERT_EQUAL(st.change.reason, REASON_AUTH_FAILED);
	CU_ASSERT_FALSE(st.has_sa);
	CU_ASSERT_EQUAL(m.n_failed, 1);
	/* what the user reads names the notify */
	CU_ASSERT_STRING_EQUAL(st.last_error,
			       "gateway refused IKE_AUTH: AUTHENTICATION_FAILED; "
			       "we sent IDi FQDN 'client.test' with a pre-shared "
			       "key: the gateway may know us by another "
			       "identity (local.id) or key");
	mem_end(&m);
}

/* An AUTH made with another key: we fail, and tell the gateway once
 * (RFC 7296 2.21.2). */
static void test_auth_bad_gateway(void)
{
	struct ike_sa *sa;
	const struct ike_msg *told;
	const struct notify_payload *n;
	struct conn_status st;

	mem_begin(&m);
	sa = mem_auth_sa(&m);
	mem_chain(&m);
	mem_add_auth_answer(&m, sa, false);
	mem_keep(&m, sa);       /* the SA goes with the failure */
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH,
						       1, true)),
			TASK_FAILED);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.change.reason, REASON_AUTH_FAILED);
	CU_ASSERT_EQUAL(st.state, CONN_FAILED);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 2);
	told = mem_open_kept(&m, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(told);
	CU_ASSERT_EQUAL(told->hdr->exchange, EXCH_INFORMATIONAL);
	n = msg_notify(told, N_AUTHENTICATION_FAILED);
	CU_ASSERT_PTR_NOT_NULL(n);
	mem_end(&m);
}

/* A datagram whose ICV does not verify, and a response with another
 * Message ID, never reach the task: the request stays outstanding with
 * its timer, and the real answer still works. */
static void test_garbled_ignored(void)
{
	struct ike_sa *sa;
	struct conn_status st;
	struct wbuf good, bad;

	mem_begin(&m);
	sa = mem_auth_sa(&m);
	mem_chain(&m);
	mem_add_auth_answer(&m, sa, true);
	mem_datagram(&m, sa, EXCH_IKE_AUTH, 1, mem_gw_flags(sa, true), &good);
	mem_datagram(&m, sa, EXCH_IKE_AUTH, 1, mem_gw_flags(sa, true), &bad);
	bad.p[bad.len - 3] ^= 0x40;
	mem_deliver(&bad);
	CU_ASSERT_TRUE(sa->req.active);
	CU_ASSERT_NOT_EQUAL(sa->req.timer, 0);
	CU_ASSERT_EQUAL(sa->req.tries, 0);
	CU_ASSERT_PTR_NOT_NULL(sa_active_task(sa));
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH,
						       7, true)),
			TASK_IGNORE);
	CU_ASSERT_TRUE(sa->req.active);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(st.ike.state, IKE_AUTH_SENT);
	CU_ASSERT_EQUAL(st.change.reason, REASON_NONE);
	CU_ASSERT_EQUAL(m.n_sent, 1);
	CU_ASSERT_EQUAL(m.n_up + m.n_failed, 0);
	mem_deliver(&good);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(m.n_up, 1);
	wb_free(&good);
	wb_free(&bad);
	mem_end(&m);
}

/* An unauthenticated refusal of IKE_SA_INIT: TASK_IGNORE, the request
 * stays out (RFC 7296 2.21.1); when the retransmissions run out the
 * failure names it, as a refusal. */
static void test_init_refusal_waited_out(void)
{
	struct verr e = { { 0 } };
	struct conn_status st;
	struct ike_sa *sa;
	const struct ike_msg *init;

	mem_begin(&m);
	m.conn = conn_new(test_engine, &m.prof, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.conn);
	CU_ASSERT_EQUAL_FATAL(conn_connect(m.conn, &e), 0);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 1);
	sa = m.conn->sa;
	init = mem_open(&m, sa, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(init);
	CU_ASSERT_EQUAL(init->hdr->exchange, EXCH_IKE_SA_INIT);
	CU_ASSERT_TRUE(mem_has(init, PL_SA) && mem_has(init, PL_KE) &&
		       mem_has(init, PL_NONCE));
	notify_build(mem_chain(&m), 0, NULL, 0, N_NO_PROPOSAL_CHOSEN, NULL, 0);
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa,
						       EXCH_IKE_SA_INIT, 0,
						       true)),
			TASK_IGNORE);
	CU_ASSERT_TRUE(sa->req.active);
	CU_ASSERT_STRING_EQUAL(sa_active_task(sa)->ops->name, "IKE_SA_INIT");
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(st.ike.state, IKE_INIT_SENT);
	CU_ASSERT_EQUAL(sa_request_timeout(sa), TASK_FAILED);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_FAILED);
	CU_ASSERT_EQUAL(st.change.reason, REASON_REFUSED);
	mem_end(&m);
}

static void delete_ike_request(struct ike_sa *sa, uint32_t mid,
			       enum task_rc want)
{
	delete_build(mem_chain(&m), PROTO_IKE, 0, 0, NULL);
	CU_ASSERT_EQUAL(sa_take_request(sa, mem_typed(&m, sa,
						      EXCH_INFORMATIONAL, mid,
						      false)),
			want);
}

/* The gateway deletes the IKE SA: TASK_GONE, an answer, and the reason
 * in status; close-action none leaves it idle. */
static void test_gateway_delete_idle(void)
{
	struct ike_sa *sa;
	struct conn_status st;

	mem_begin(&m);
	m.prof.close_restart = false;
	sa = mem_established(&m);
	mem_keep(&m, sa);
	delete_ike_request(sa, 0, TASK_GONE);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_IDLE);
	CU_ASSERT_EQUAL(st.change.reason, REASON_GATEWAY_DELETE);
	CU_ASSERT_FALSE(st.has_sa);
	CU_ASSERT_EQUAL(m.n_down, 1);
	/* the answer: a response, with our I bit */
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 2);
	CU_ASSERT_EQUAL(mem_last(&m)->p[18], EXCH_INFORMATIONAL);
	CU_ASSERT_EQUAL(mem_last(&m)->p[19], IKE_FLAG_I | IKE_FLAG_R);
	/* ... and empty (RFC 7296 1.4.1) */
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem_open_kept(&m, 1));
	CU_ASSERT_EQUAL(m.out.pl.n, 0);
	mem_end(&m);
}

/* The same as a datagram, through the sockets' way in (engine_input, our
 * SPI, decryption). */
static void test_gateway_delete_datagram(void)
{
	struct ike_sa *sa;
	struct conn_status st;
	struct wbuf d;

	mem_begin(&m);
	m.prof.close_restart = false;
	sa = mem_established(&m);
	delete_build(mem_chain(&m), PROTO_IKE, 0, 0, NULL);
	mem_datagram(&m, sa, EXCH_INFORMATIONAL, 0, mem_gw_flags(sa, false),
		     &d);
	mem_deliver(&d);
	wb_free(&d);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_IDLE);
	CU_ASSERT_EQUAL(st.change.reason, REASON_GATEWAY_DELETE);
	CU_ASSERT_EQUAL(m.n_down, 1);
	CU_ASSERT_EQUAL(m.n_sent, 2);
	mem_end(&m);
}

/* With close-action restart (the default) a gateway's delete schedules
 * a reconnect; the reason stays that of the delete. */
static void test_gateway_delete_restart(void)
{
	struct ike_sa *sa;
	struct conn_status st;

	mem_begin(&m);
	sa = mem_established(&m);
	delete_ike_request(sa, 0, TASK_GONE);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(st.change.reason, REASON_GATEWAY_DELETE);
	CU_ASSERT_FALSE(st.has_sa);
	CU_ASSERT_EQUAL(m.n_down, 0);
	CU_ASSERT_NOT_EQUAL(m.conn->retry_timer, 0);
	mem_end(&m);
}

/* After the gateway's rekey: a liveness check on the new SA with the I
 * bit set is routed by our SPIr and answered with the I bit clear; the
 * same with the I bit clear names the gateway's SPI as ours, which no
 * SA has: nothing is answered. */
static void routes_by_spi_r(struct ike_sa *next)
{
	const struct ike_msg *ans;
	struct wbuf d;
	size_t sent;

	mem_chain(&m);
	mem_datagram(&m, next, EXCH_INFORMATIONAL, 0, IKE_FLAG_I, &d);
	sent = m.n_sent;
	mem_deliver(&d);
	wb_free(&d);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, sent + 1);
	ans = mem_open(&m, next, sent);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	CU_ASSERT_EQUAL(ans->hdr->flags, IKE_FLAG_R);
	CU_ASSERT_EQUAL(memcmp(ans->hdr->spi_r, next->spi_r, 8), 0);
	mem_chain(&m);
	mem_datagram(&m, next, EXCH_INFORMATIONAL, 1, 0, &d);
	mem_deliver(&d);
	wb_free(&d);
	CU_ASSERT_EQUAL(m.n_sent, sent + 1);
	CU_ASSERT_EQUAL(next->peer_next_mid, 1);
}

/* A gateway-initiated IKE rekey: TASK_REKEYED; the new SA is the
 * gateway's (I bit), our SPI on it is SPIr and routes its messages;
 * the Child SA and virtual IP stay; the old SA waits for the gateway's
 * DELETE and goes without touching the connection's state. */
static void test_gateway_ike_rekey(void)
{
	static const uint8_t their[8] = { 0x9a, 1, 2, 3, 4, 5, 6, 7 };
	struct conn_status before, st;
	struct ike_sa *old, *next;
	const struct ike_msg *ans;
	struct chunk ni = { 0 };

	mem_begin(&m);
	old = mem_established(&m);
	mem_status(&m, &before);
	mem_nonce(&ni, -1);
	mem_add_ike_rekey_request(&m, old, their, &ni);
	chunk_free(&ni);
	CU_ASSERT_EQUAL(sa_take_request(old, mem_typed(&m, old,
						       EXCH_CREATE_CHILD_SA, 0,
						       false)),
			TASK_REKEYED);
	next = m.conn->sa;
	CU_ASSERT_FATAL(next != old);
	/* our answer, on the old SA: SA with our new SPI, Nr, KEr */
	ans = mem_open(&m, old, m.n_sent - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	CU_ASSERT_EQUAL(ans->hdr->flags, IKE_FLAG_I | IKE_FLAG_R);
	CU_ASSERT_TRUE(mem_has(ans, PL_SA) && mem_has(ans, PL_NONCE) &&
		       mem_has(ans, PL_KE));
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(st.ike_rekeys, 1);
	CU_ASSERT_FALSE(st.ike.initiator);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_theirs, their, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_i, their, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_ours, st.ike.spi_r, 8), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(st.ike.spi_ours, before.ike.spi_ours, 8),
			    0);
	CU_ASSERT_EQUAL(memcmp(st.child.spi_in, before.child.spi_in, 4), 0);
	CU_ASSERT_TRUE(st.vip.has_ip4);
	CU_ASSERT_EQUAL(st.change.reason, REASON_UP);
	CU_ASSERT_EQUAL(old->state, IKE_DELETING);

	routes_by_spi_r(next);

	/* The gateway deletes the old SA: answered, gone, nothing else
	 * changes. */
	delete_ike_request(old, 1, TASK_GONE);
	CU_ASSERT_PTR_NULL(m.conn->retiring);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(st.change.reason, REASON_UP);
	CU_ASSERT_EQUAL(m.n_down, 0);
	mem_end(&m);
}

/* No answer to a liveness check: the SA is lost (reason timeout) and
 * failover starts over with IKE_SA_INIT to the same gateway. */
static void test_liveness_timeout(void)
{
	struct ike_sa *sa;
	const struct ike_msg *msg;
	struct conn_status st;
	char to[INET_ADDRSTRLEN];

	mem_begin(&m);
	sa = mem_established(&m);
	dpd_check(sa);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 2);
	msg = mem_open(&m, sa, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_EQUAL(msg->hdr->exchange, EXCH_INFORMATIONAL);
	CU_ASSERT_EQUAL(msg->pl->n, 0);
	CU_ASSERT_EQUAL(sa_request_timeout(sa), TASK_FAILED);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.change.reason, REASON_TIMEOUT);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_TRUE(st.has_sa);
	CU_ASSERT_EQUAL(st.ike.state, IKE_INIT_SENT);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 3);
	CU_ASSERT_EQUAL(mem_last(&m)->p[18], EXCH_IKE_SA_INIT);
	CU_ASSERT_STRING_EQUAL(dest(mem_last(&m), to, sizeof(to)),
			       "192.0.2.1");
	mem_end(&m);
}

/* REDIRECT in the gateway's INFORMATIONAL: TASK_REDIRECT, counted, the
 * change recorded; make-before-break: the old SA stays current while
 * IKE_SA_INIT goes to the new gateway. */
static void test_informational_redirect(void)
{
	struct gw_ident gw = { .type = GW_IPV4, .len = 4,
			       .data = { 192, 0, 2, 2 } };
	struct ike_sa *sa;
	struct conn_status st;
	struct wbuf data;
	char to[INET_ADDRSTRLEN];

	mem_begin(&m);
	sa = mem_established(&m);
	wb_init(&data);
	gw_ident_build(&data, &gw);
	notify_build(mem_chain(&m), 0, NULL, 0, N_REDIRECT, data.p, data.len);
	wb_free(&data);
	CU_ASSERT_EQUAL(sa_take_request(sa, mem_typed(&m, sa,
						      EXCH_INFORMATIONAL, 0,
						      false)),
			TASK_REDIRECT);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.redirects, 1);
	CU_ASSERT_EQUAL(st.change.reason, REASON_REDIRECT);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_ours, sa->spi_i, 8), 0);
	/* the answer, then IKE_SA_INIT to 192.0.2.2 */
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 3);
	CU_ASSERT_EQUAL(m.sent[1].p[19], IKE_FLAG_I | IKE_FLAG_R);
	CU_ASSERT_EQUAL(mem_last(&m)->p[18], EXCH_IKE_SA_INIT);
	CU_ASSERT_STRING_EQUAL(dest(mem_last(&m), to, sizeof(to)),
			       "192.0.2.2");
	CU_ASSERT_PTR_NOT_NULL(m.conn->next);
	mem_end(&m);
}

/* A disabled redirect is answered and ignored: TASK_DONE, no count. */
static void test_redirect_disabled(void)
{
	struct gw_ident gw = { .type = GW_IPV4, .len = 4,
			       .data = { 192, 0, 2, 2 } };
	struct ike_sa *sa;
	struct conn_status st;
	struct wbuf data;

	mem_begin(&m);
	m.prof.redirect_enabled = false;
	sa = mem_established(&m);
	wb_init(&data);
	gw_ident_build(&data, &gw);
	notify_build(mem_chain(&m), 0, NULL, 0, N_REDIRECT, data.p, data.len);
	wb_free(&data);
	CU_ASSERT_EQUAL(sa_take_request(sa, mem_typed(&m, sa,
						      EXCH_INFORMATIONAL, 0,
						      false)),
			TASK_DONE);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.redirects, 0);
	CU_ASSERT_EQUAL(st.change.reason, REASON_UP);
	CU_ASSERT_EQUAL(m.n_sent, 2);
	CU_ASSERT_PTR_NULL(m.conn->next);
	mem_end(&m);
}

/* Our disconnect: the DELETE goes out, its answer ends the SA with the
 * reason user. */
static void test_disconnect(void)
{
	struct ike_sa *sa;
	const struct ike_msg *del;
	struct conn_status st;

	mem_begin(&m);
	sa = mem_established(&m);
	conn_disconnect(m.conn);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CLOSING);
	CU_ASSERT_EQUAL(st.ike.state, IKE_DELETING);
	del = mem_open(&m, sa, m.n_sent - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(del);
	CU_ASSERT_TRUE(mem_has(del, PL_DELETE));
	mem_chain(&m);
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa,
						       EXCH_INFORMATIONAL,
						       del->hdr->msg_id,
						       true)),
			TASK_GONE);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_IDLE);
	CU_ASSERT_EQUAL(st.change.reason, REASON_USER);
	CU_ASSERT_EQUAL(m.n_down, 1);
	mem_end(&m);
}

void register_task_tests(void)
{
	CU_pSuite s = CU_add_suite("tasks in memory", NULL, NULL);

	CU_add_test(s, "IKE_AUTH: up", test_auth_up);
	CU_add_test(s, "IKE_AUTH: AUTHENTICATION_FAILED", test_auth_refused);
	CU_add_test(s, "IKE_AUTH: the gateway's AUTH does not verify",
		    test_auth_bad_gateway);
	CU_add_test(s, "garbled and stray responses are ignored",
		    test_garbled_ignored);
	CU_add_test(s, "IKE_SA_INIT refusal waited out",
		    test_init_refusal_waited_out);
	CU_add_test(s, "gateway Delete(IKE), close-action none",
		    test_gateway_delete_idle);
	CU_add_test(s, "gateway Delete(IKE) as a datagram",
		    test_gateway_delete_datagram);
	CU_add_test(s, "gateway Delete(IKE), close-action restart",
		    test_gateway_delete_restart);
	CU_add_test(s, "gateway IKE SA rekey: I bit and SPI routing",
		    test_gateway_ike_rekey);
	CU_add_test(s, "liveness timeout", test_liveness_timeout);
	CU_add_test(s, "REDIRECT in INFORMATIONAL",
		    test_informational_redirect);
	CU_add_test(s, "REDIRECT while redirects are off",
		    test_redirect_disabled);
	CU_add_test(s, "disconnect", test_disconnect);
}
