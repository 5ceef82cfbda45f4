/* REDIRECT in the IKE_SA_INIT response (RFC 5685 3, 4): followed only
 * when it echoes our nonce and is well formed; the new gateway hears
 * REDIRECTED_FROM in place of REDIRECT_SUPPORTED. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "rt.h"
#include "status.h"

static struct rt t;

static bool ident_is(const struct gw_ident *got, const char *text)
{
	struct gw_ident want;

	responder_gw_ident(&want, text);
	return got->type == want.type && got->len == want.len &&
	       !memcmp(got->data, want.data, want.len);
}

static void test_followed(void)
{
	const struct responder_stats *g1, *g2;

	rt_init(&t);
	responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	g1 = rt_st(&t, 0);
	g2 = rt_st(&t, 1);
	CU_ASSERT_EQUAL(g1->requests[0], 1);
	CU_ASSERT_EQUAL(g1->redirect_supported_seen, 1);
	CU_ASSERT_EQUAL(g1->redirected_from_seen, 0);
	CU_ASSERT_EQUAL(g1->redirects_sent, 1);
	CU_ASSERT_EQUAL(g1->requests[1], 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	CU_ASSERT_EQUAL(g2->requests[0], 1);
	CU_ASSERT_EQUAL(g2->redirect_supported_seen, 0);
	CU_ASSERT_EQUAL(g2->redirected_from_seen, 1);
	CU_ASSERT(g2->redirected_from_ok);
	CU_ASSERT(ident_is(&g2->redirected_from, "127.0.0.1"));
	CU_ASSERT_EQUAL(g2->auth_ok, 1);
	CU_ASSERT_EQUAL(g2->child_sas, 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 1);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 1);
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.1", "127.0.0.2",
					 EXCH_IKE_SA_INIT));
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "127.0.0.2");
	CU_ASSERT_STRING_EQUAL(status_of(t.conn)->gateway, "127.0.0.2");
	CU_ASSERT_EQUAL(status_of(t.conn)->change.reason, REASON_UP);
	rt_cleanup(&t);
}

/* A REDIRECT the gateway could not have sent (wrong nonce data, or an
 * identity of the wrong length) is dropped; the real answer that comes
 * after it is taken and nothing moves. */
static void ignored(enum r_redirect_init_mode mode)
{
	const struct responder_stats *g1, *g2;

	rt_init(&t);
	responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	t.cfg[0].redirect_init_mode = mode;
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	g1 = rt_st(&t, 0);
	g2 = rt_st(&t, 1);
	CU_ASSERT(g1->redirects_sent >= 1);
	CU_ASSERT_EQUAL(g1->auth_ok, 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 1);
	CU_ASSERT_EQUAL(g2->datagrams, 0);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 0);
	CU_ASSERT_EQUAL(status_of(t.conn)->n_redirect_hist, 0);
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "127.0.0.1");
	rt_cleanup(&t);
}

static void test_wrong_nonce(void)
{
	ignored(RREDIR_WRONG_NONCE);
}

static void test_bad_ident_length(void)
{
	ignored(RREDIR_BAD_IDENT_LEN);
}

/* What the engine's resolver will get for "localhost", so the target
 * gateway listens there. */
static bool localhost_addr(char *out, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_ADDRCONFIG },
			*res = NULL;
	const void *a;
	bool ok;

	if (getaddrinfo("localhost", NULL, &hints, &res) != 0 || !res)
		return false;
	a = res->ai_family == AF_INET6 ?
		    (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr :
		    (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
	ok = inet_ntop(res->ai_family, a, out, (socklen_t)len) != NULL;
	freeaddrinfo(res);
	return ok;
}

/* A name target is looked up off the loop: a timer armed when the
 * lookup starts fires before the new gateway hears anything. */
static void test_fqdn_async(void)
{
	static char lo[64];
	const struct responder_stats *g2;

	CU_ASSERT_FATAL(localhost_addr(lo, sizeof(lo)));
	rt_init(&t);
	/* the first gateway is 127.0.0.2, "localhost" the second */
	t.cfg[0].bind_addr = "127.0.0.2";
	t.cfg[1].bind_addr = lo;
	snprintf(t.prof.gateways[0], sizeof(t.prof.gateways[0]), "127.0.0.2");
	responder_gw_ident(&t.cfg[0].redirect_init_to, "localhost");
	t.probe_on = "resolving localhost";
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	CU_ASSERT(t.probe_fired);
	CU_ASSERT_EQUAL(t.probe_state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(t.probe_gw_init[1], 0);
	g2 = rt_st(&t, 1);
	CU_ASSERT_EQUAL(g2->auth_ok, 1);
	CU_ASSERT_EQUAL(g2->redirected_from_seen, 1);
	CU_ASSERT(ident_is(&g2->redirected_from, "127.0.0.2"));
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.2", "localhost",
					 EXCH_IKE_SA_INIT));
	rt_cleanup(&t);
}

/* An IPv6 target: the client opens its IPv6 socket on demand. */
static void test_ipv6_target(void)
{
	const struct responder_stats *g2;

	rt_init(&t);
	t.cfg[1].bind_addr = "::1";
	responder_gw_ident(&t.cfg[0].redirect_init_to, "::1");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	g2 = rt_st(&t, 1);
	CU_ASSERT_EQUAL(g2->auth_ok, 1);
	CU_ASSERT(ident_is(&g2->redirected_from, "127.0.0.1"));
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.1", "::1",
					 EXCH_IKE_SA_INIT));
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "::1");
	rt_cleanup(&t);
}

/* The target asks for a cookie: the restarted IKE_SA_INIT still says
 * where we came from. */
static void test_target_cookie(void)
{
	const struct responder_stats *g2;

	rt_init(&t);
	responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	t.cfg[1].require_cookie = true;
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	g2 = rt_st(&t, 1);
	CU_ASSERT_EQUAL(g2->cookies_ok, 1);
	CU_ASSERT_EQUAL(g2->requests[0], 2);
	CU_ASSERT_EQUAL(g2->redirected_from_seen, 2);
	CU_ASSERT_EQUAL(g2->redirect_supported_seen, 0);
	CU_ASSERT(ident_is(&g2->redirected_from, "127.0.0.1"));
	rt_cleanup(&t);
}

/* From an IPv6 gateway: REDIRECTED_FROM carries an IPv6 identity. */
static void test_ipv6_origin(void)
{
	const struct responder_stats *g2;

	rt_init(&t);
	t.cfg[0].bind_addr = "::1";
	snprintf(t.prof.gateways[0], sizeof(t.prof.gateways[0]), "::1");
	responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	g2 = rt_st(&t, 1);
	CU_ASSERT_EQUAL(g2->auth_ok, 1);
	CU_ASSERT(g2->redirected_from_ok);
	CU_ASSERT(ident_is(&g2->redirected_from, "::1"));
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "::1", "127.0.0.2",
					 EXCH_IKE_SA_INIT));
	rt_cleanup(&t);
}

/* A new connect starts from the profile's gateway with a clean slate:
 * REDIRECT_SUPPORTED again, no REDIRECTED_FROM, one history entry. */
static void test_reconnect(void)
{
	struct verr e = { { 0 } };
	const struct responder_stats *g1;

	rt_init(&t);
	responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL_FATAL(rt_wait(&t), CEV_UP);
	conn_disconnect(t.conn);
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_DOWN);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->ike_deletes, 1);
	CU_ASSERT_EQUAL_FATAL(conn_connect(t.conn, &e), 0);
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	g1 = rt_st(&t, 0);
	CU_ASSERT_EQUAL(g1->requests[0], 2);
	CU_ASSERT_EQUAL(g1->redirect_supported_seen, 2);
	CU_ASSERT_EQUAL(g1->redirected_from_seen, 0);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->redirected_from_seen, 2);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 1);
	/* two redirects in all, one in this connect's history */
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 2);
	CU_ASSERT_EQUAL(status_of(t.conn)->n_redirect_hist, 1);
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.1", "127.0.0.2",
					 EXCH_IKE_SA_INIT));
	rt_cleanup(&t);
}

void register_init_tests(void)
{
	CU_pSuite s = CU_add_suite("redirect in IKE_SA_INIT", NULL, NULL);

	CU_add_test(s, "followed, REDIRECTED_FROM at the target",
		    test_followed);
	CU_add_test(s, "wrong nonce data ignored", test_wrong_nonce);
	CU_add_test(s, "bad ident length ignored", test_bad_ident_length);
	CU_add_test(s, "FQDN target resolved off the loop", test_fqdn_async);
	CU_add_test(s, "IPv6 target", test_ipv6_target);
	CU_add_test(s, "target demands a cookie", test_target_cookie);
	CU_add_test(s, "IPv6 origin", test_ipv6_origin);
	CU_add_test(s, "reconnect starts afresh", test_reconnect);
}
