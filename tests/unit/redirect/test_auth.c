/* REDIRECT in the IKE_AUTH response (RFC 5685 6): believed once the
 * gateway's AUTH verified; no Child SA from it, its IKE SA deleted, and
 * the target must still authenticate as the profile wants. */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "rt.h"
#include "status.h"

static struct rt t;

/* Runs until gateway i got the Delete(IKE) after the redirect. */
static void wait_delete(unsigned i)
{
	unsigned waited;

	for (waited = 0; waited < 2000 && !rt_st(&t, i)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
}

static void auth_redirect(bool with_child)
{
	const struct responder_stats *g1, *g2;
	const struct conn_status *cs;

	rt_init(&t);
	responder_gw_ident(&t.cfg[0].redirect_auth_to, "127.0.0.2");
	t.cfg[0].redirect_auth_with_child = with_child;
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	wait_delete(0);
	g1 = rt_st(&t, 0);
	g2 = rt_st(&t, 1);
	CU_ASSERT_EQUAL(g1->auth_ok, 1);
	CU_ASSERT_EQUAL(g1->auth_redirects, 1);
	CU_ASSERT_EQUAL(g1->child_sas, with_child ? 1 : 0);
	CU_ASSERT_EQUAL(g1->deletes_after_redirect, 1);
	/* the client had no Child SA there, so it deletes none */
	CU_ASSERT_EQUAL(g1->child_deletes, 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	CU_ASSERT_EQUAL(g2->auth_ok, 1);
	CU_ASSERT_EQUAL(g2->child_sas, 1);
	CU_ASSERT_EQUAL(g2->redirect_supported_seen, 0);
	CU_ASSERT_EQUAL(g2->redirected_from_seen, 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 1);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(t.n_up, 1);
	CU_ASSERT_EQUAL(t.n_failed, 0);
	/* One Child SA, the target's: SPIs as gw2 saw them, not gw1's. */
	cs = status_of(t.conn);
	CU_ASSERT_EQUAL(cs->redirects, 1);
	CU_ASSERT_EQUAL(cs->n_redirect_hist, 1);
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.1", "127.0.0.2",
					 EXCH_IKE_AUTH));
	CU_ASSERT_STRING_EQUAL(status_peer(cs), "127.0.0.2");
	CU_ASSERT_TRUE(cs->child.up);
	CU_ASSERT_EQUAL(memcmp(cs->child.spi_in, g2->peer_esp_spi, 4), 0);
	if (with_child)
		CU_ASSERT_NOT_EQUAL(memcmp(cs->child.spi_in,
					   g1->peer_esp_spi, 4), 0);
	rt_cleanup(&t);
}

static void test_auth_redirect(void)
{
	auth_redirect(false);
}

static void test_auth_redirect_with_child(void)
{
	auth_redirect(true);
}

/* The target authenticates fine, but as someone the profile does not
 * name: the client refuses and leaves nothing up there. */
static void idr_outside_pad(bool in_auth)
{
	static const char evil[] = "evil.test";

	rt_init(&t);
	if (in_auth)
		responder_gw_ident(&t.cfg[0].redirect_auth_to, "127.0.0.2");
	else
		responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	memcpy(t.cfg[1].id, evil, sizeof(evil) - 1);
	t.cfg[1].id_len = sizeof(evil) - 1;
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_FAILED);
	CU_ASSERT_EQUAL(status_of(t.conn)->change.reason, REASON_AUTH_FAILED);
	/* the user learns which identity was refused */
	CU_ASSERT_PTR_NOT_NULL(strstr(t.msg, "evil.test"));
	rt_run_for(&t, 100);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->auth_ok, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->auth_failed_notifies, 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[1]), 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_FAILED);
	CU_ASSERT_EQUAL(t.n_up, 0);
	rt_cleanup(&t);
}

static void test_idr_outside_pad_init(void)
{
	idr_outside_pad(false);
}

static void test_idr_outside_pad_auth(void)
{
	idr_outside_pad(true);
}

/* The REDIRECT comes from a gateway that fails our identity check:
 * RFC 5685 6 wants its AUTH verified before the REDIRECT is acted on. */
static void test_unverified_gateway(void)
{
	static const char evil[] = "evil.test";

	rt_init(&t);
	responder_gw_ident(&t.cfg[0].redirect_auth_to, "127.0.0.2");
	memcpy(t.cfg[0].id, evil, sizeof(evil) - 1);
	t.cfg[0].id_len = sizeof(evil) - 1;
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_FAILED);
	CU_ASSERT_EQUAL(status_of(t.conn)->change.reason, REASON_AUTH_FAILED);
	rt_run_for(&t, 300);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->auth_redirects, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->datagrams, 0);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 0);
	CU_ASSERT_EQUAL(status_of(t.conn)->n_redirect_hist, 0);
	rt_cleanup(&t);
}

/* Redirects off: the REDIRECT in IKE_AUTH is passed over as a client
 * without RFC 5685 would: the IKE SA is up, without a Child SA (no
 * tunnel) since the gateway sent no SA/TS. */
static void test_auth_redirect_disabled(void)
{
	rt_init(&t);
	t.prof.redirect_enabled = false;
	responder_gw_ident(&t.cfg[0].redirect_auth_to, "127.0.0.2");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_NO_TUNNEL);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_NO_TUNNEL);
	rt_run_for(&t, 100);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->redirect_supported_seen, 0);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->auth_redirects, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->ike_deletes, 0);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 1);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->datagrams, 0);
	CU_ASSERT_FALSE(status_of(t.conn)->child.up);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 0);
	CU_ASSERT_EQUAL(status_of(t.conn)->n_redirect_hist, 0);
	CU_ASSERT_STRING_EQUAL(status_peer(status_of(t.conn)), "127.0.0.1");
	rt_cleanup(&t);
}

/* IKE_AUTH at gw1 sends us to gw2, whose IKE_SA_INIT sends us to gw3. */
static void test_auth_then_init(void)
{
	const struct responder_stats *g3;

	rt_init(&t);
	responder_gw_ident(&t.cfg[0].redirect_auth_to, "127.0.0.2");
	responder_gw_ident(&t.cfg[1].redirect_init_to, "127.0.0.3");
	rt_start(&t, 3);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_UP);
	g3 = rt_st(&t, 2);
	CU_ASSERT_EQUAL(g3->auth_ok, 1);
	CU_ASSERT_EQUAL(g3->redirected_from_seen, 1);
	CU_ASSERT_EQUAL(g3->redirected_from.data[3], 2);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->redirected_from.data[3], 1);
	CU_ASSERT_EQUAL(status_of(t.conn)->n_redirect_hist, 2);
	CU_ASSERT_TRUE(status_redirected(t.conn, 0, "127.0.0.1", "127.0.0.2",
					 EXCH_IKE_AUTH));
	CU_ASSERT_TRUE(status_redirected(t.conn, 1, "127.0.0.2", "127.0.0.3",
					 EXCH_IKE_SA_INIT));
	rt_cleanup(&t);
}

void register_auth_tests(void)
{
	CU_pSuite s = CU_add_suite("redirect in IKE_AUTH", NULL, NULL);

	CU_add_test(s, "followed, old SA deleted, no Child SA",
		    test_auth_redirect);
	CU_add_test(s, "SA/TS next to the REDIRECT ignored",
		    test_auth_redirect_with_child);
	CU_add_test(s, "target IDr outside the PAD (after IKE_SA_INIT)",
		    test_idr_outside_pad_init);
	CU_add_test(s, "target IDr outside the PAD (after IKE_AUTH)",
		    test_idr_outside_pad_auth);
	CU_add_test(s, "not followed from an unverified gateway",
		    test_unverified_gateway);
	CU_add_test(s, "redirects disabled: not followed",
		    test_auth_redirect_disabled);
	CU_add_test(s, "IKE_AUTH then IKE_SA_INIT redirect",
		    test_auth_then_init);
}
