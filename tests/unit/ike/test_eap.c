/* EAP in IKE_AUTH (RFC 7296 2.16) in memory: the test plays an
 * EAP-MSCHAPv2 gateway that signs its first response with the PSK. The
 * rounds, the MSK-keyed AUTHs both ways, nothing of ours leaving before
 * the gateway's AUTH verified, the EAP failures, and the RFC 5685 6 rule
 * for a REDIRECT: the first or the last response, never in between. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "mem.h"
#include "vpnd/eap.h"

static struct mem m;

static const uint8_t auth_challenge[16] = {
	0x5b, 0x5d, 0x7c, 0x7d, 0x7b, 0x3f, 0x2f, 0x3e,
	0x3c, 0x2c, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28,
};

/* What the gateway computes from our Response. */
static struct mschapv2_peer expect;

static struct ike_sa *eap_sa(const char *password)
{
	struct verr e = { { 0 } };
	struct ike_sa *sa;

	m.prof.local_auth = PAUTH_EAP;
	m.prof.eap_method = PEAP_MSCHAPV2;
	snprintf(m.prof.eap_identity, sizeof(m.prof.eap_identity), "alice");
	m.prof.eap_identity_len = 5;
	sa = mem_sa(&m);
	if (password)
		CU_ASSERT_EQUAL_FATAL(conn_set_password(m.conn, password,
							strlen(password), &e),
				      0);
	CU_ASSERT_EQUAL_FATAL(ike_auth_queue(sa, &e), 0);
	return sa;
}

static void add_eap(uint8_t code, uint8_t id, uint8_t type,
		    const uint8_t *data, size_t len)
{
	uint8_t pkt[300];
	size_t n = code <= EAP_CODE_RESPONSE ? 5 + len : 4;

	CU_ASSERT_FATAL(n <= sizeof(pkt));
	pkt[0] = code;
	pkt[1] = id;
	pkt[2] = (uint8_t)(n >> 8);
	pkt[3] = (uint8_t)n;
	if (code <= EAP_CODE_RESPONSE) {
		pkt[4] = type;
		if (len)
			memcpy(pkt + 5, data, len);
	}
	chain_add(&m.chain, PL_EAP, pkt, n);
}

/* An MS-CHAPv2 packet of the gateway: OpCode, ID, MS-Length, body. */
static void add_ms(uint8_t id, uint8_t op, const void *body, size_t len)
{
	uint8_t d[200];

	d[0] = op;
	d[1] = id;
	d[2] = (uint8_t)((len + 4) >> 8);
	d[3] = (uint8_t)(len + 4);
	memcpy(d + 4, body, len);
	add_eap(EAP_CODE_REQUEST, id, EAP_TYPE_MSCHAPV2, d, len + 4);
}

static void add_challenge(uint8_t id)
{
	uint8_t b[1 + 16 + 2];

	b[0] = 16;
	memcpy(b + 1, auth_challenge, 16);
	memcpy(b + 17, "gw", 2);
	add_ms(id, 1, b, sizeof(b));
}

static enum task_rc answer(struct ike_sa *sa, uint32_t mid)
{
	return sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH, mid,
					      true));
}

/* The EAP packet of the last request we sent, as Message ID mid. */
static const struct ike_payload *sent_eap(struct ike_sa *sa, uint32_t mid,
					  struct eap_payload *ep)
{
	const struct ike_msg *req = mem_open(&m, sa, m.n_sent - 1);
	const struct ike_payload *p;
	struct verr e = { { 0 } };

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_EQUAL(req->hdr->exchange, EXCH_IKE_AUTH);
	CU_ASSERT_EQUAL(req->hdr->msg_id, mid);
	p = msg_payload(req, PL_EAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FALSE(mem_has(req, PL_AUTH));
	CU_ASSERT_EQUAL_FATAL(eap_parse(p->body, p->len, ep, &e), 0);
	CU_ASSERT_EQUAL(ep->code, EAP_CODE_RESPONSE);
	return p;
}

/* Whether anything we sent holds an EAP payload; with the keys kept
 * (mem_keep) before the SA went. */
static bool sent_any_eap(void)
{
	size_t i;

	for (i = 0; i < m.n_sent; i++) {
		const struct ike_msg *msg = mem_open_kept(&m, i);

		if (msg && mem_has(msg, PL_EAP))
			return true;
	}
	return false;
}

/* A Delete(IKE) among what we sent (kept keys). */
static bool sent_delete(void)
{
	size_t i;

	for (i = 0; i < m.n_sent; i++) {
		const struct ike_msg *msg = mem_open_kept(&m, i);

		if (msg && msg->hdr->exchange == EXCH_INFORMATIONAL &&
		    mem_has(msg, PL_DELETE))
			return true;
	}
	return false;
}

/* The attempt failed (the SA is gone) for reason why, saying needle. */
static void failed_with(enum conn_reason why, const char *needle)
{
	struct conn_status st;

	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_FAILED);
	CU_ASSERT_EQUAL(st.change.reason, why);
	CU_ASSERT_FALSE(st.has_sa);
	CU_ASSERT_PTR_NOT_NULL(strstr(m.event_msg, needle));
	if (!strstr(m.event_msg, needle))
		fprintf(stderr, "\n  got '%s', want '%s'\n", m.event_msg,
			needle);
}

/* Rounds 1 and 2: the gateway's AUTH and Identity, then its Challenge;
 * our Response checked against what the gateway computes. */
static void through_challenge(struct ike_sa *sa, const char *password)
{
	struct eap_payload ep;
	struct verr e = { { 0 } };
	const struct ike_msg *first = mem_open(&m, sa, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	CU_ASSERT_FALSE(mem_has(first, PL_AUTH));
	CU_ASSERT_TRUE(mem_has(first, PL_IDI));
	CU_ASSERT_TRUE(mem_has(first, PL_SA));
	CU_ASSERT_TRUE(mem_has(first, PL_TSI));
	CU_ASSERT_TRUE(mem_has(first, PL_CP));
	mem_chain(&m);
	mem_add_gw_auth(&m, sa, true);
	add_eap(EAP_CODE_REQUEST, 7, EAP_TYPE_IDENTITY, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(answer(sa, 1), TASK_MORE);
	sent_eap(sa, 2, &ep);
	CU_ASSERT_EQUAL(ep.ident, 7);
	CU_ASSERT_EQUAL(ep.type, EAP_TYPE_IDENTITY);
	CU_ASSERT_EQUAL(ep.len, 5);
	CU_ASSERT_EQUAL(memcmp(ep.data, "alice", 5), 0);

	mem_chain(&m);
	add_challenge(8);
	CU_ASSERT_EQUAL_FATAL(answer(sa, 2), TASK_MORE);
	sent_eap(sa, 3, &ep);
	CU_ASSERT_EQUAL(ep.ident, 8);
	CU_ASSERT_EQUAL_FATAL(ep.type, EAP_TYPE_MSCHAPV2);
	/* OpCode 2, ID, MS-Length, Value-Size 49, Response, Name */
	CU_ASSERT_EQUAL_FATAL(ep.len, 4 + 1 + 49 + 5);
	CU_ASSERT_EQUAL(ep.data[0], 2);
	CU_ASSERT_EQUAL(ep.data[1], 8);
	CU_ASSERT_EQUAL((size_t)((ep.data[2] << 8) | ep.data[3]), ep.len);
	CU_ASSERT_EQUAL(ep.data[4], 49);
	CU_ASSERT_EQUAL(memcmp(ep.data + 5 + 49, "alice", 5), 0);
	CU_ASSERT_EQUAL_FATAL(mschapv2_respond(&expect, auth_challenge,
					       ep.data + 5, "alice", 5,
					       "secret", 6, &e), 0);
	CU_ASSERT_EQUAL(memcmp(ep.data + 5 + 24, expect.nt_response, 24) == 0,
			strcmp(password, "secret") == 0);
}

static void through_success(struct ike_sa *sa)
{
	struct eap_payload ep;

	mem_chain(&m);
	add_ms(9, 3, expect.auth_response, strlen(expect.auth_response));
	CU_ASSERT_EQUAL_FATAL(answer(sa, 3), TASK_MORE);
	sent_eap(sa, 4, &ep);
	CU_ASSERT_EQUAL(ep.type, EAP_TYPE_MSCHAPV2);
	CU_ASSERT_EQUAL_FATAL(ep.len, 1);
	CU_ASSERT_EQUAL(ep.data[0], 3);

	mem_chain(&m);
	add_eap(EAP_CODE_SUCCESS, 9, 0, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(answer(sa, 4), TASK_MORE);
}

/* Our last request: AUTH alone, keyed with the MSK over our octets. */
static void check_final_auth(struct ike_sa *sa)
{
	const struct ike_msg *req = mem_open(&m, sa, m.n_sent - 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_EQUAL(req->hdr->msg_id, 5);
	CU_ASSERT_EQUAL(req->pl->n, 1);
	mem_check_key_auth(&m, sa, req, expect.msk, sizeof(expect.msk));
}

static void add_last(struct ike_sa *sa, bool good)
{
	struct chunk msk = { expect.msk, sizeof(expect.msk) };
	uint8_t wrong[64] = { 0 };
	struct chunk bad = { wrong, sizeof(wrong) };

	mem_chain(&m);
	mem_add_key_auth(&m, sa, good ? &msk : &bad);
	mem_add_child_answer(&m, mem_open(&m, sa, 0));
}

static void test_mschapv2(void)
{
	struct ike_sa *sa;
	struct conn_status st;

	mem_begin(&m);
	sa = eap_sa("secret");
	through_challenge(sa, "secret");
	through_success(sa);
	check_final_auth(sa);
	add_last(sa, true);
	CU_ASSERT_EQUAL(answer(sa, 5), TASK_UP);
	CU_ASSERT_EQUAL(sa->state, IKE_ESTABLISHED);
	CU_ASSERT_PTR_NOT_NULL(sa_child(sa));
	CU_ASSERT_EQUAL(sa->auth_rounds, 5);
	CU_ASSERT_EQUAL(sa->eap_rounds, 2);
	CU_ASSERT_PTR_NULL(sa->eap); /* the MSK is gone */
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	mschapv2_peer_wipe(&expect);
	mem_end(&m);
}

/* The gateway's AUTH does not verify: not even our identity's EAP
 * answer goes out. */
static void test_gateway_unproven(void)
{
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("secret");
	mem_chain(&m);
	mem_add_gw_auth(&m, sa, false);
	add_eap(EAP_CODE_REQUEST, 1, EAP_TYPE_IDENTITY, NULL, 0);
	mem_keep(&m, sa);
	CU_ASSERT_EQUAL(answer(sa, 1), TASK_FAILED);
	failed_with(REASON_AUTH_FAILED, "pre-shared key AUTH does not verify");
	CU_ASSERT_FALSE(sent_any_eap());
	mem_end(&m);
}

/* No AUTH at all in the first response, and the profile wants the
 * gateway's signature (no EAP-only): refused before any EAP. */
static void test_no_gateway_auth(void)
{
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("secret");
	mem_chain(&m);
	id_build(&m.chain, PL_IDR, m.prof.remote_id.type,
		 m.prof.remote_id.data, m.prof.remote_id.len);
	add_eap(EAP_CODE_REQUEST, 1, EAP_TYPE_IDENTITY, NULL, 0);
	mem_keep(&m, sa);
	CU_ASSERT_EQUAL(answer(sa, 1), TASK_FAILED);
	failed_with(REASON_AUTH_FAILED, "did not authenticate itself");
	CU_ASSERT_FALSE(sent_any_eap());
	mem_end(&m);
}

/* A gateway that does not know the password cannot produce the
 * authenticator response: we stop, no AUTH of ours leaves. */
static void test_wrong_authenticator(void)
{
	struct ike_sa *sa;
	char bad[MSCHAPV2_AUTH_RESPONSE_LEN + 1];
	size_t before;

	mem_begin(&m);
	sa = eap_sa("secret");
	through_challenge(sa, "secret");
	memcpy(bad, expect.auth_response, sizeof(bad));
	bad[5] = bad[5] == '0' ? '1' : '0';
	mem_chain(&m);
	add_ms(9, 3, bad, strlen(bad));
	before = m.n_sent;
	mem_keep(&m, sa);
	CU_ASSERT_EQUAL(answer(sa, 3), TASK_FAILED);
	/* only AUTHENTICATION_FAILED goes out (RFC 7296 2.21.2), so the
	 * gateway drops its half-made SA; no AUTH of ours */
	CU_ASSERT_EQUAL_FATAL(m.n_sent, before + 1);
	{
		const struct ike_msg *inf = mem_open_kept(&m, before);

		CU_ASSERT_PTR_NOT_NULL_FATAL(inf);
		CU_ASSERT_EQUAL(inf->hdr->exchange, EXCH_INFORMATIONAL);
		CU_ASSERT_EQUAL(inf->first_error, N_AUTHENTICATION_FAILED);
		CU_ASSERT_FALSE(mem_has(inf, PL_AUTH));
	}
	failed_with(REASON_AUTH_FAILED, "authenticator response is wrong");
	mschapv2_peer_wipe(&expect);
	mem_end(&m);
}

/* EAP-Success straight after the Challenge answer: not believed. */
static void test_early_success(void)
{
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("secret");
	through_challenge(sa, "secret");
	mem_chain(&m);
	add_eap(EAP_CODE_SUCCESS, 9, 0, NULL, 0);
	CU_ASSERT_EQUAL(answer(sa, 3), TASK_FAILED);
	failed_with(REASON_AUTH_FAILED, "EAP-Success before");
	mschapv2_peer_wipe(&expect);
	mem_end(&m);
}

/* A wrong password: the gateway's Failure (E=691) answered, then its
 * EAP-Failure ends the attempt with a reason a user understands. */
static void test_wrong_password(void)
{
	static const char fail[] = "E=691 R=0 C=00000000000000000000000000000000 V=3 M=bad";
	struct eap_payload ep;
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("wrong");
	through_challenge(sa, "wrong");
	mem_chain(&m);
	add_ms(9, 4, fail, strlen(fail));
	CU_ASSERT_EQUAL_FATAL(answer(sa, 3), TASK_MORE);
	sent_eap(sa, 4, &ep);
	CU_ASSERT_EQUAL(ep.len, 1);
	CU_ASSERT_EQUAL(ep.data[0], 4);
	mem_chain(&m);
	add_eap(EAP_CODE_FAILURE, 9, 0, NULL, 0);
	CU_ASSERT_EQUAL(answer(sa, 4), TASK_FAILED);
	failed_with(REASON_AUTH_FAILED, "wrong user name or password (E=691)");
	mschapv2_peer_wipe(&expect);
	mem_end(&m);
}

/* The gateway's last AUTH keyed with another MSK: refused. */
static void test_wrong_final_auth(void)
{
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("secret");
	through_challenge(sa, "secret");
	through_success(sa);
	add_last(sa, false);
	CU_ASSERT_EQUAL(answer(sa, 5), TASK_FAILED);
	failed_with(REASON_AUTH_FAILED, "does not verify with the MSK");
	mschapv2_peer_wipe(&expect);
	mem_end(&m);
}

/* The gateway proposes MD5 first: a legacy Nak naming MS-CHAPv2. */
static void test_nak(void)
{
	static const uint8_t md5[17] = { 16 };
	struct eap_payload ep;
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("secret");
	mem_chain(&m);
	mem_add_gw_auth(&m, sa, true);
	add_eap(EAP_CODE_REQUEST, 3, 4, md5, sizeof(md5));
	CU_ASSERT_EQUAL_FATAL(answer(sa, 1), TASK_MORE);
	sent_eap(sa, 2, &ep);
	CU_ASSERT_EQUAL(ep.ident, 3);
	CU_ASSERT_EQUAL(ep.type, EAP_TYPE_NAK);
	CU_ASSERT_EQUAL_FATAL(ep.len, 1);
	CU_ASSERT_EQUAL(ep.data[0], EAP_TYPE_MSCHAPV2);
	mem_end(&m);
}

/* Without a password nothing is sent, and the error says where one
 * comes from. */
static void test_no_password(void)
{
	struct verr e = { { 0 } };
	struct ike_sa *sa;

	mem_begin(&m);
	m.prof.local_auth = PAUTH_EAP;
	m.prof.eap_method = PEAP_MSCHAPV2;
	snprintf(m.prof.eap_identity, sizeof(m.prof.eap_identity), "alice");
	m.prof.eap_identity_len = 5;
	sa = mem_sa(&m);
	CU_ASSERT_TRUE(conn_needs_password(m.conn));
	CU_ASSERT_NOT_EQUAL(ike_auth_queue(sa, &e), 0);
	CU_ASSERT_EQUAL(m.n_sent, 0);
	mem_end(&m);
}

static void add_redirect(void)
{
	struct gw_ident gw = { .type = GW_IPV4, .len = 4,
			       .data = { 192, 0, 2, 2 } };
	struct wbuf data;

	wb_init(&data);
	gw_ident_build(&data, &gw);
	notify_build(&m.chain, 0, NULL, 0, N_REDIRECT, data.p, data.len);
	wb_free(&data);
}

/* RFC 5685 6: a REDIRECT in the first response, next to the gateway's
 * verified AUTH, is followed before any EAP answer of ours. */
static void test_redirect_first(void)
{
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("secret");
	mem_chain(&m);
	mem_add_gw_auth(&m, sa, true);
	add_redirect();
	add_eap(EAP_CODE_REQUEST, 1, EAP_TYPE_IDENTITY, NULL, 0);
	mem_keep(&m, sa);
	CU_ASSERT_EQUAL(answer(sa, 1), TASK_REDIRECT);
	CU_ASSERT_FALSE(sent_any_eap());
	CU_ASSERT_EQUAL(m.conn->n_redirects, 1);
	/* no SA was made at the gateway: no Delete, IKE_SA_INIT to the new
	 * one next */
	CU_ASSERT_EQUAL(mem_last(&m)->p[18], EXCH_IKE_SA_INIT);
	mem_end(&m);
}

/* ... but not when the gateway's AUTH is wrong. */
static void test_redirect_first_unproven(void)
{
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("secret");
	mem_chain(&m);
	mem_add_gw_auth(&m, sa, false);
	add_redirect();
	add_eap(EAP_CODE_REQUEST, 1, EAP_TYPE_IDENTITY, NULL, 0);
	CU_ASSERT_EQUAL(answer(sa, 1), TASK_FAILED);
	failed_with(REASON_AUTH_FAILED, "pre-shared key AUTH does not verify");
	CU_ASSERT_EQUAL(m.conn->n_redirects, 0);
	mem_end(&m);
}

/* A REDIRECT in a middle round is ignored and EAP goes on. */
static void test_redirect_middle(void)
{
	struct ike_sa *sa;
	struct eap_payload ep;

	mem_begin(&m);
	sa = eap_sa("secret");
	mem_chain(&m);
	mem_add_gw_auth(&m, sa, true);
	add_eap(EAP_CODE_REQUEST, 7, EAP_TYPE_IDENTITY, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(answer(sa, 1), TASK_MORE);
	mem_chain(&m);
	add_redirect();
	add_challenge(8);
	CU_ASSERT_EQUAL(answer(sa, 2), TASK_MORE);
	sent_eap(sa, 3, &ep);
	CU_ASSERT_EQUAL(ep.type, EAP_TYPE_MSCHAPV2);
	CU_ASSERT_EQUAL(m.conn->n_redirects, 0);
	mem_end(&m);
}

/* The last response's REDIRECT, with the MSK-keyed AUTH verified, is
 * followed: no Child SA, the SA deleted. */
static void test_redirect_last(void)
{
	struct chunk msk;
	struct ike_sa *sa;

	mem_begin(&m);
	sa = eap_sa("secret");
	through_challenge(sa, "secret");
	through_success(sa);
	msk.p = expect.msk;
	msk.len = sizeof(expect.msk);
	mem_chain(&m);
	mem_add_key_auth(&m, sa, &msk);
	add_redirect();
	mem_keep(&m, sa);
	CU_ASSERT_EQUAL(answer(sa, 5), TASK_REDIRECT);
	CU_ASSERT_EQUAL(m.conn->n_redirects, 1);
	CU_ASSERT_TRUE(sent_delete());
	mschapv2_peer_wipe(&expect);
	mem_end(&m);
}

void register_eap_tests(void)
{
	CU_pSuite s = CU_add_suite("EAP in IKE_AUTH", NULL, NULL);

	CU_add_test(s, "EAP-MSCHAPv2: rounds and MSK AUTHs", test_mschapv2);
	CU_add_test(s, "the gateway's AUTH fails: no EAP answer",
		    test_gateway_unproven);
	CU_add_test(s, "no gateway AUTH without EAP-only", test_no_gateway_auth);
	CU_add_test(s, "a wrong authenticator response", test_wrong_authenticator);
	CU_add_test(s, "EAP-Success before the method ends", test_early_success);
	CU_add_test(s, "a wrong password: E=691", test_wrong_password);
	CU_add_test(s, "the gateway's last AUTH wrong", test_wrong_final_auth);
	CU_add_test(s, "another method proposed: Nak", test_nak);
	CU_add_test(s, "no password: nothing sent", test_no_password);
	CU_add_test(s, "REDIRECT in the first response", test_redirect_first);
	CU_add_test(s, "... not without the gateway's AUTH",
		    test_redirect_first_unproven);
	CU_add_test(s, "REDIRECT in a middle round ignored",
		    test_redirect_middle);
	CU_add_test(s, "REDIRECT in the last response", test_redirect_last);
}
