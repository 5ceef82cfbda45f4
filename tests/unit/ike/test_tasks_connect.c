/* Whole handshakes in memory (mem.h): a connect from conn_connect to
 * established, and a reauthentication made before the old IKE SA goes
 * (RFC 7296 2.8.3, make-before-break). The gateway's IKE_SA_INIT answer
 * is a real Diffie-Hellman one, so the keys are the engine's own. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "mem.h"

static struct mem m;

/* Answers the SA's IKE_SA_INIT and then its IKE_AUTH. */
static void handshake(struct ike_sa *sa, enum task_rc want_auth)
{
	const struct ike_msg *auth;

	mem_add_init_answer(&m, sa);
	CU_ASSERT_EQUAL_FATAL(sa_take_response(sa, mem_typed_init(&m, sa)),
			      TASK_DONE);
	CU_ASSERT_EQUAL(sa->state, IKE_AUTH_SENT);
	auth = mem_open(&m, sa, m.n_sent - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(auth);
	CU_ASSERT_EQUAL(auth->hdr->exchange, EXCH_IKE_AUTH);
	mem_chain(&m);
	mem_add_auth_answer(&m, sa, true);
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH,
						       1, true)),
			want_auth);
}

static void test_connect(void)
{
	struct verr e = { { 0 } };
	struct conn_status st;

	mem_begin(&m);
	m.conn = conn_new(test_engine, &m.prof, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.conn);
	CU_ASSERT_EQUAL_FATAL(conn_connect(m.conn, &e), 0);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(st.ike.state, IKE_INIT_SENT);
	handshake(m.conn->sa, TASK_UP);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(st.change.reason, REASON_UP);
	CU_ASSERT_EQUAL(st.ike.dh, DH_ECP256);
	CU_ASSERT_TRUE(st.ike.initiator);
	CU_ASSERT_TRUE(st.child.up);
	CU_ASSERT_TRUE(st.vip.has_ip4);
	mem_end(&m);
}

/* The virtual IP the request's CP asks for, or false. */
static bool cp_asks_ip4(const struct ike_msg *msg, uint8_t out[4])
{
	const struct ike_payload *p = msg_payload(msg, PL_CP);
	static struct cp_payload cp;
	size_t i;

	if (!p || cp_parse(p->body, p->len, &cp, NULL) < 0)
		return false;
	for (i = 0; i < cp.n; i++)
		if (cp.a[i].type == CFG_INTERNAL_IP4_ADDRESS &&
		    cp.a[i].len == 4) {
			memcpy(out, cp.a[i].val, 4);
			return true;
		}
	return false;
}

/* Whether any datagram from index 'from' on is a request of ours for
 * the SA with spi_i (the Delete(IKE) of the old SA, say). */
static bool request_for(size_t from, const uint8_t spi_i[8], uint8_t exch)
{
	size_t i;

	for (i = from; i < m.n_sent; i++)
		if (m.sent[i].len > IKE_HDR_LEN &&
		    !memcmp(m.sent[i].p, spi_i, 8) &&
		    m.sent[i].p[18] == exch && !(m.sent[i].p[19] & IKE_FLAG_R))
			return true;
	return false;
}

/* Reauthentication: the new IKE SA asks for the same virtual IP and is
 * up before the old one is deleted; the connection never leaves
 * established. */
static void test_reauth_make_before_break(void)
{
	struct conn_status st;
	struct ike_sa *old, *next;
	uint8_t old_i[8], ip[4];
	size_t start;

	mem_begin(&m);
	old = mem_established(&m);
	memcpy(old_i, old->spi_i, 8);
	start = m.n_sent;
	sa_reauth(old);
	next = m.conn->next;
	CU_ASSERT_PTR_NOT_NULL_FATAL(next);
	mem_status(&m, &st);
	CU_ASSERT_TRUE(st.replacing);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_ours, old_i, 8), 0);

	mem_add_init_answer(&m, next);
	CU_ASSERT_EQUAL_FATAL(sa_take_response(next, mem_typed_init(&m, next)),
			      TASK_DONE);
	CU_ASSERT_TRUE(cp_asks_ip4(mem_open(&m, next, m.n_sent - 1), ip));
	CU_ASSERT_EQUAL(memcmp(ip, "\xc6\x33\x64\x02", 4), 0);
	/* nothing of the old SA is deleted yet */
	CU_ASSERT_FALSE(request_for(start, old_i, EXCH_INFORMATIONAL));
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);

	mem_chain(&m);
	mem_add_auth_answer(&m, next, true);
	CU_ASSERT_EQUAL(sa_take_response(next, mem_typed(&m, next,
							EXCH_IKE_AUTH, 1,
							true)),
			TASK_UP);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(m.conn->sa, next);
	CU_ASSERT_FALSE(st.replacing);
	CU_ASSERT_EQUAL(st.reauths, 1);
	CU_ASSERT_EQUAL(st.change.reason, REASON_REAUTH);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(memcmp(st.ike.spi_ours, next->spi_i, 8), 0);
	/* now the old one goes */
	CU_ASSERT_TRUE(request_for(start, old_i, EXCH_INFORMATIONAL));
	CU_ASSERT_EQUAL(old->state, IKE_DELETING);
	CU_ASSERT_EQUAL(m.n_up, 1);
	CU_ASSERT_EQUAL(m.n_down + m.n_failed + m.n_no_tunnel, 0);
	mem_end(&m);
}

void register_task_connect_tests(void)
{
	CU_pSuite s = CU_add_suite("handshakes in memory", NULL, NULL);

	CU_add_test(s, "connect", test_connect);
	CU_add_test(s, "reauthentication, make-before-break",
		    test_reauth_make_before_break);
}
