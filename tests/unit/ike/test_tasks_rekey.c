/* Rekeys in memory (mem.h): our IKE SA rekey, both orders of colliding
 * IKE SA rekeys (RFC 7296 2.8.2), and the gateway's Child SA rekey;
 * outcomes, who initiated, our SPI and the counts in the status. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "mem.h"

static struct mem m;

static const uint8_t gw_new[8] = { 0x6b, 9, 8, 7, 6, 5, 4, 3 };
static const uint8_t gw_theirs[8] = { 0x7c, 1, 1, 2, 3, 5, 8, 13 };

/* The last datagram is an INFORMATIONAL request of ours for the SA with
 * these SPIs (a Delete(IKE), as the caller knows). */
static bool last_is_request_for(const uint8_t spi_i[8],
				const uint8_t spi_r[8])
{
	const struct mem_dgram *d = mem_last(&m);

	return d && d->len > IKE_HDR_LEN && d->p[18] == EXCH_INFORMATIONAL &&
	       !(d->p[19] & IKE_FLAG_R) && !memcmp(d->p, spi_i, 8) &&
	       !memcmp(d->p + 8, spi_r, 8);
}

/* Our IKE SA rekey: TASK_REKEYED, the new SA is ours (I bit, SPIi
 * routes), the Child SA stays, and we delete the old SA. */
static void test_our_ike_rekey(void)
{
	struct verr e = { { 0 } };
	struct conn_status before, st;
	struct chunk nr = { 0 };
	struct ike_sa *old, *next;
	uint8_t ours[8], old_i[8], old_r[8];
	struct wbuf d;
	size_t sent;

	mem_begin(&m);
	old = mem_established(&m);
	mem_status(&m, &before);
	memcpy(old_i, old->spi_i, 8);
	memcpy(old_r, old->spi_r, 8);
	CU_ASSERT_EQUAL_FATAL(conn_rekey_ike(m.conn, &e), 0);
	mem_nonce(&nr, -1);
	mem_add_ike_rekey_answer(&m, old, gw_new, &nr, ours);
	chunk_free(&nr);
	CU_ASSERT_EQUAL(sa_take_response(old, mem_typed(&m, old,
						       EXCH_CREATE_CHILD_SA,
						       2, true)),
			TASK_REKEYED);
	next = m.conn->sa;
	CU_ASSERT_FATAL(next != old);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.ike_rekeys, 1);
	CU_ASSERT_TRUE(st.ike.initiator);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_ours, ours, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_i, ours, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_theirs, gw_new, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st.child.spi_in, before.child.spi_in, 4), 0);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	/* we started it: our Delete(IKE) for the old SA is out */
	CU_ASSERT_TRUE(last_is_request_for(old_i, old_r));
	CU_ASSERT_EQUAL(old->state, IKE_DELETING);
	mem_chain(&m); /* an empty answer, not the rekey's payloads again */
	CU_ASSERT_EQUAL(sa_take_response(old, mem_typed(&m, old,
						       EXCH_INFORMATIONAL, 3,
						       true)),
			TASK_GONE);
	CU_ASSERT_PTR_NULL(m.conn->retiring);
	/* the gateway's request on the new SA: our SA, so its I bit is
	 * clear, and our SPIi routes it */
	mem_chain(&m);
	mem_datagram(&m, next, EXCH_INFORMATIONAL, 0, 0, &d);
	sent = m.n_sent;
	mem_deliver(&d);
	wb_free(&d);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, sent + 1);
	CU_ASSERT_EQUAL(mem_last(&m)->p[19], IKE_FLAG_I | IKE_FLAG_R);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(st.change.reason, REASON_UP);
	mem_end(&m);
}

/* Both rekey at once: ours on the wire, the gateway's request crosses
 * it, then our answer comes. The SA made with the lowest of the four
 * nonces goes, deleted by its maker (RFC 7296 2.8.2). */
static void crossing(bool ours_loses)
{
	struct verr e = { { 0 } };
	struct chunk ni = { 0 }, nr = { 0 };
	struct conn_status st;
	struct ike_sa *old;
	uint8_t ours[8], old_i[8], old_r[8];

	mem_begin(&m);
	old = mem_established(&m);
	memcpy(old_i, old->spi_i, 8);
	memcpy(old_r, old->spi_r, 8);
	CU_ASSERT_EQUAL_FATAL(conn_rekey_ike(m.conn, &e), 0);
	/* the lowest nonce makes its exchange's SA the redundant one */
	mem_nonce(&ni, ours_loses ? -1 : 0);
	mem_nonce(&nr, ours_loses ? 0 : -1);
	mem_add_ike_rekey_request(&m, old, gw_theirs, &ni);
	CU_ASSERT_EQUAL(sa_take_request(old, mem_typed(&m, old,
						      EXCH_CREATE_CHILD_SA, 0,
						      false)),
			TASK_DONE);
	CU_ASSERT_EQUAL(m.conn->sa, old);
	mem_add_ike_rekey_answer(&m, old, gw_new, &nr, ours);
	CU_ASSERT_EQUAL(sa_take_response(old, mem_typed(&m, old,
						       EXCH_CREATE_CHILD_SA,
						       2, true)),
			TASK_REKEYED);
	chunk_free(&ni);
	chunk_free(&nr);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.ike_rekeys, 1);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	if (ours_loses) {
		/* the gateway's SA stays; we delete the one we made */
		CU_ASSERT_FALSE(st.ike.initiator);
		CU_ASSERT_EQUAL(memcmp(st.ike.spi_theirs, gw_theirs, 8), 0);
		CU_ASSERT_TRUE(last_is_request_for(ours, gw_new));
	} else {
		/* ours stays and we delete the old SA; the gateway deletes
		 * the one it made */
		CU_ASSERT_TRUE(st.ike.initiator);
		CU_ASSERT_EQUAL(memcmp(st.ike.spi_ours, ours, 8), 0);
		CU_ASSERT_EQUAL(memcmp(st.ike.spi_theirs, gw_new, 8), 0);
		CU_ASSERT_TRUE(last_is_request_for(old_i, old_r));
	}
	mem_end(&m);
}

static void test_crossing_ours_stays(void)
{
	crossing(false);
}

static void test_crossing_theirs_stays(void)
{
	crossing(true);
}

/* The gateway rekeys the Child SA: answered, counted, new SPIs. */
static void test_gateway_child_rekey(void)
{
	static const uint8_t gw_esp[4] = { 0xc0, 0, 0, 0x22 };
	struct conn_status before, st;
	struct ike_sa *sa;
	const struct ike_msg *ans;

	mem_begin(&m);
	sa = mem_established(&m);
	mem_status(&m, &before);
	mem_add_child_rekey_request(&m, sa, gw_esp);
	CU_ASSERT_EQUAL(sa_take_request(sa, mem_typed(&m, sa,
						      EXCH_CREATE_CHILD_SA, 0,
						      false)),
			TASK_DONE);
	ans = mem_open(&m, sa, m.n_sent - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	CU_ASSERT_EQUAL(ans->first_error, 0);
	CU_ASSERT_TRUE(mem_has(ans, PL_SA) && mem_has(ans, PL_NONCE));
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.child_rekeys, 1);
	CU_ASSERT_EQUAL(st.ike_rekeys, 0);
	CU_ASSERT_TRUE(st.child.up);
	CU_ASSERT_EQUAL(memcmp(st.child.spi_out, gw_esp, 4), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(st.child.spi_in, before.child.spi_in, 4),
			    0);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	mem_end(&m);
}

void register_task_rekey_tests(void)
{
	CU_pSuite s = CU_add_suite("rekeys in memory", NULL, NULL);

	CU_add_test(s, "our IKE SA rekey", test_our_ike_rekey);
	CU_add_test(s, "crossing IKE SA rekeys: ours stays",
		    test_crossing_ours_stays);
	CU_add_test(s, "crossing IKE SA rekeys: the gateway's stays",
		    test_crossing_theirs_stays);
	CU_add_test(s, "gateway Child SA rekey", test_gateway_child_rekey);
}
