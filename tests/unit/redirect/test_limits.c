/* What the profile allows: the loop limit (RFC 5685 9: a client must
 * not be bounced forever), the allowed targets, and redirects off. */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "rt.h"
#include "status.h"

static struct rt t;

/* After IKE_AUTH the SA exists: refusing the target deletes it. */
static void test_auth_not_allowed(void)
{
	unsigned waited;

	rt_init(&t);
	snprintf(t.prof.redirect_allow[0].text,
		 sizeof(t.prof.redirect_allow[0].text), "*.example.com");
	t.prof.n_redirect_allow = 1;
	responder_gw_ident(&t.cfg[0].redirect_auth_to, "127.0.0.2");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_FAILED);
	CU_ASSERT_EQUAL(status_of(t.conn)->change.reason, REASON_REDIRECT);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, 0);
	for (waited = 0; waited < 2000 && !rt_st(&t, 0)->ike_deletes;
	     waited += 10)
		rt_run_for(&t, 10);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->deletes_after_redirect, 1);
	CU_ASSERT_EQUAL(responder_established(t.gw[0]), 0);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->datagrams, 0);
	rt_cleanup(&t);
}

static void test_init_not_allowed(void)
{
	rt_init(&t);
	snprintf(t.prof.redirect_allow[0].text,
		 sizeof(t.prof.redirect_allow[0].text), "10.0.0.0/8");
	t.prof.n_redirect_allow = 1;
	responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_FAILED);
	CU_ASSERT_EQUAL(status_of(t.conn)->change.reason, REASON_REDIRECT);
	/* the user reads which target was refused, and why */
	CU_ASSERT_PTR_NOT_NULL(strstr(t.msg, "127.0.0.2: not among the profile's allowed redirect targets"));
	CU_ASSERT_EQUAL(rt_st(&t, 1)->datagrams, 0);
	CU_ASSERT_EQUAL(conn_get_state(t.conn), CONN_FAILED);
	rt_cleanup(&t);
}

/* gw1 -> gw2 -> gw1 -> ... until the profile's limit. */
static void redirect_loop(unsigned max)
{
	char chain[1024], want[64];
	size_t o, i;
	unsigned inits;

	rt_init(&t);
	t.prof.max_redirects = max;
	responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	responder_gw_ident(&t.cfg[1].redirect_init_to, "127.0.0.1");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_FAILED);
	snprintf(want, sizeof(want), "redirect loop: more than %u redirects",
		 max);
	CU_ASSERT_PTR_NOT_NULL(strstr(t.msg, want));
	CU_ASSERT_EQUAL(status_of(t.conn)->change.reason, REASON_REDIRECT);
	CU_ASSERT_EQUAL(status_of(t.conn)->redirects, max);
	/* the chain: max followed redirects and the refused one */
	o = (size_t)snprintf(chain, sizeof(chain), "(127.0.0.1");
	for (i = 1; i <= max + 1; i++)
		o += (size_t)snprintf(chain + o, sizeof(chain) - o, " -> %s",
				      i % 2 ? "127.0.0.2" : "127.0.0.1");
	snprintf(chain + o, sizeof(chain) - o, ")");
	/* a long chain no longer fits the error text: its start must */
	if (strlen(chain) > 150)
		chain[150] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(t.msg, chain));
	if (!strstr(t.msg, chain))
		fprintf(stderr, "\n  want %s\n  got  %s\n", chain, t.msg);
	inits = rt_st(&t, 0)->requests[0] + rt_st(&t, 1)->requests[0];
	CU_ASSERT_EQUAL(inits, max + 1);
	if (inits != max + 1)
		fprintf(stderr, "\n  %u IKE_SA_INITs for max-redirects %u\n",
			inits, max);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->redirects_sent +
				rt_st(&t, 1)->redirects_sent,
			max + 1);
	/* only the very first IKE_SA_INIT said REDIRECT_SUPPORTED */
	CU_ASSERT_EQUAL(rt_st(&t, 0)->redirect_supported_seen, 1);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->redirect_supported_seen, 0);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->redirected_from_seen,
			rt_st(&t, 0)->requests[0] - 1);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->redirected_from_seen,
			rt_st(&t, 1)->requests[0]);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->auth_ok + rt_st(&t, 1)->auth_ok, 0);
	rt_cleanup(&t);
}

static void test_loop_3(void)
{
	redirect_loop(3);
}

static void test_loop_5(void)
{
	redirect_loop(5);
}

/* More than the engine's history of redirects holds (16). */
static void test_loop_20(void)
{
	redirect_loop(20);
}

static void test_disabled(void)
{
	rt_init(&t);
	t.prof.redirect_enabled = false;
	responder_gw_ident(&t.cfg[0].redirect_init_to, "127.0.0.2");
	rt_start(&t, 2);
	CU_ASSERT_FATAL(rt_connect(&t));
	CU_ASSERT_EQUAL(rt_wait(&t), CEV_FAILED);
	CU_ASSERT_STRING_EQUAL(t.msg, "gateway redirects to 127.0.0.2, but redirects are disabled in the profile");
	CU_ASSERT_EQUAL(status_of(t.conn)->change.reason, REASON_REDIRECT);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->requests[0], 1);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->redirect_supported_seen, 0);
	CU_ASSERT_EQUAL(rt_st(&t, 0)->redirected_from_seen, 0);
	CU_ASSERT_EQUAL(rt_st(&t, 1)->datagrams, 0);
	rt_cleanup(&t);
}

void register_limit_tests(void)
{
	CU_pSuite s = CU_add_suite("redirect limits", NULL, NULL);

	CU_add_test(s, "IKE_SA_INIT target not allowed", test_init_not_allowed);
	CU_add_test(s, "IKE_AUTH target not allowed", test_auth_not_allowed);
	CU_add_test(s, "loop stopped at max-redirects 3", test_loop_3);
	CU_add_test(s, "loop stopped at max-redirects 5", test_loop_5);
	CU_add_test(s, "loop stopped at max-redirects 20", test_loop_20);
	CU_add_test(s, "redirects disabled", test_disabled);
}
