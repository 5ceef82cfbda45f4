/* msg_rules.c: what each exchange may carry, checked on messages made
 * of payload lists in code (no crypto needed to see the rules). */
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "src/ike/task.h"
#include "vpnd/ike_const.h"
#include "vpnd/wire.h"

static int check(uint8_t exchange, bool response, const uint8_t *types,
		 size_t n, char *why, size_t why_len)
{
	static struct payload_list pl;
	struct ike_hdr h = { .exchange = exchange };
	struct ike_msg m;
	size_t i;

	memset(&pl, 0, sizeof(pl));
	for (i = 0; i < n; i++)
		pl.pl[i].type = types[i];
	pl.n = n;
	msg_index(&m, &h, &pl, NULL, 0);
	why[0] = '\0';
	return msg_check(&m, response, why, why_len);
}

#define CHECK(x, resp, ...)                                                  \
	check(x, resp, (const uint8_t[]){ __VA_ARGS__ },                     \
	      sizeof((const uint8_t[]){ __VA_ARGS__ }), why, sizeof(why))

static void test_usual_messages_pass(void)
{
	char why[200];

	CU_ASSERT_EQUAL(CHECK(EXCH_IKE_SA_INIT, true, PL_SA, PL_KE, PL_NONCE,
			      PL_NOTIFY, PL_NOTIFY, PL_CERTREQ, PL_VENDOR), 0);
	CU_ASSERT_EQUAL(CHECK(EXCH_IKE_AUTH, true, PL_IDR, PL_CERT, PL_CERT,
			      PL_AUTH, PL_CP, PL_SA, PL_TSI, PL_TSR,
			      PL_NOTIFY), 0);
	CU_ASSERT_EQUAL(CHECK(EXCH_CREATE_CHILD_SA, false, PL_NOTIFY, PL_SA,
			      PL_NONCE, PL_KE, PL_TSI, PL_TSR), 0);
	CU_ASSERT_EQUAL(CHECK(EXCH_INFORMATIONAL, false, PL_DELETE,
			      PL_DELETE, PL_NOTIFY), 0);
	CU_ASSERT_EQUAL(CHECK(EXCH_INFORMATIONAL, true), 0);
}

static void test_too_many(void)
{
	char why[200];

	CU_ASSERT_EQUAL(CHECK(EXCH_IKE_AUTH, true, PL_IDR, PL_AUTH, PL_SA,
			      PL_SA), -1);
	CU_ASSERT_STRING_EQUAL(why, "IKE_AUTH response carries 2 SA payloads, at most 1 allowed");
	CU_ASSERT_EQUAL(CHECK(EXCH_IKE_SA_INIT, true, PL_KE, PL_NONCE, PL_KE),
			-1);
}

static void test_not_allowed(void)
{
	char why[200];

	CU_ASSERT_EQUAL(CHECK(EXCH_INFORMATIONAL, false, PL_DELETE, PL_SA),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "may not"));
	CU_ASSERT_EQUAL(CHECK(EXCH_IKE_SA_INIT, true, PL_SA, PL_IDR), -1);
	CU_ASSERT_EQUAL(CHECK(EXCH_CREATE_CHILD_SA, true, PL_SA, PL_AUTH),
			-1);
	CU_ASSERT_EQUAL(CHECK(EXCH_IKE_SESSION_RESUME, true, PL_NONCE,
			      PL_SA), -1);
}

/* 2.5: types we do not know are skipped (critical ones were refused
 * before); an exchange without rules is left to the request table. */
static void test_unknown_skipped(void)
{
	char why[200];

	CU_ASSERT_EQUAL(CHECK(EXCH_INFORMATIONAL, false, 200, PL_NOTIFY), 0);
	CU_ASSERT_EQUAL(CHECK(EXCH_IKE_AUTH, false, PL_IDI, PL_AUTH), 0);
}

void register_msg_rules_tests(void)
{
	CU_pSuite s = CU_add_suite("message rules", NULL, NULL);

	CU_add_test(s, "usual messages pass", test_usual_messages_pass);
	CU_add_test(s, "more of a payload than allowed", test_too_many);
	CU_add_test(s, "a payload the exchange may not carry",
		    test_not_allowed);
	CU_add_test(s, "unknown types skipped, unruled exchanges left",
		    test_unknown_skipped);
}
