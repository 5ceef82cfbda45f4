/* RFC 5685 6 with EAP: the client takes a REDIRECT only in the first
 * IKE_AUTH response (next to the gateway's verified AUTH, before any EAP
 * answer; no SA exists there yet, so nothing is deleted) or in the last
 * one (after the MSK-keyed AUTHs; that SA is deleted), never in the
 * rounds between. Both gateways run EAP-MSCHAPv2 (tests/responder
 * r_eap.c) and sign with their PSK. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "rt.h"
#include "status.h"

static struct rt t;
static const char password[] = "eap secret";

static void eap_setup(unsigned redirect_round)
{
	unsigned i;

	rt_init(&t);
	t.prof.local_auth = PAUTH_EAP;
	t.prof.eap_method = PEAP_MSCHAPV2;
	snprintf(t.prof.eap_identity, sizeof(t.prof.eap_identity), "alice");
	t.prof.eap_identity_len = 5;
	CU_ASSERT_FATAL(chunk_secure_set(&t.prof.eap_password, password,
					 strlen(password)));
	for (i = 0; i < 2; i++) {
		t.cfg[i].eap = true;
		t.cfg[i].eap_password = password;
		t.cfg[i].eap_identity = "alice";
	}
	responder_gw_ident(&t.cfg[0].redirect_auth_to, "127.0.0.2");
	t.cfg[0].eap_redirect_round = redirect_round;
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	/* the REDIRECT was sent where asked, whatever the client did */
	CU_ASSERT_EQUAL(rt_st(&t, 0)->auth_redirects, 1);
}

static void check_at_second(void)
{
	const struct responder_stats *g2 = rt_st(&t, 1);
	const struct conn_status *cs = status_of(t.conn);

	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	CU_ASSERT_STRING_EQUAL(status_peer(cs), "127.0.0.2");
	CU_ASSERT_EQUAL(cs->redirects, 1);
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.1", "127.0.0.2",
					 EXCH_IKE_AUTH));
	CU_ASSERT_EQUAL(g2->eap_ok, 1);
	CU_ASSERT_EQUAL(g2->auth_ok, 1);
	CU_ASSERT_EQUAL(g2->redirected_from_seen, 1);
	CU_ASSERT_TRUE(cs->child.up);
	CU_ASSERT_EQUAL(cs->ike.eap_rounds, 2);
}

/* The first response: followed before EAP went anywhere. */
static void test_first(void)
{
	const struct responder_stats *g1;

	eap_setup(1);
	g1 = rt_st(&t, 0);
	check_at_second();
	CU_ASSERT_EQUAL(g1->eap_rounds, 1);      /* only the Identity request */
	CU_ASSERT_STRING_EQUAL(g1->eap_identity, ""); /* never answered */
	CU_ASSERT_EQUAL(g1->eap_ok, 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	rt_run_for(&t, 200);
	CU_ASSERT_EQUAL(g1->ike_deletes, 0); /* no SA there to delete */
	rt_cleanup(&t);
}

/* A middle round: ignored, EAP goes on, the SA comes up where it is. */
static void test_middle(void)
{
	const struct responder_stats *g1, *g2;
	const struct conn_status *cs;

	eap_setup(2);
	g1 = rt_st(&t, 0);
	g2 = rt_st(&t, 1);
	cs = status_of(t.conn);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	CU_ASSERT_STRING_EQUAL(status_peer(cs), "127.0.0.1");
	CU_ASSERT_EQUAL(cs->redirects, 0);
	CU_ASSERT_EQUAL(g1->eap_ok, 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 1);
	CU_ASSERT_EQUAL(g2->init_sas, 0);
	rt_cleanup(&t);
}

/* The last response: followed after both AUTHs, the SA deleted. */
static void test_last(void)
{
	const struct responder_stats *g1;
	unsigned waited;

	eap_setup(0);
	g1 = rt_st(&t, 0);
	check_at_second();
	CU_ASSERT_EQUAL(g1->eap_ok, 1);
	for (waited = 0; waited < 2000 && !g1->ike_deletes; waited += 10)
		rt_run_for(&t, 10);
	CU_ASSERT_EQUAL(g1->deletes_after_redirect, 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	rt_cleanup(&t);
}

void register_eap_tests(void)
{
	CU_pSuite s = CU_add_suite("redirect in IKE_AUTH with EAP", NULL, NULL);

	CU_add_test(s, "the first response: followed", test_first);
	CU_add_test(s, "a middle round: ignored", test_middle);
	CU_add_test(s, "the last response: followed, SA deleted", test_last);
}
