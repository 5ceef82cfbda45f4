/* EAP-MSCHAPv2 in IKE_AUTH against the test gateway (tests/responder,
 * r_eap.c): a hand-made peer builds every EAP packet with the codec and
 * answers the Challenge with mschapv2_respond. */
#include <string.h>

#include <openssl/crypto.h>

#include "tg.h"

static struct tg_gw *g;
static struct tg_sa sa;
static struct payload_list pl;
static struct chunk plain;
static struct mschapv2_peer peer;

static void teardown(void)
{
	tg_gw_stop(g);
	g = NULL;
	tg_sa_free(&sa);
	chunk_free(&plain);
	mschapv2_peer_wipe(&peer);
}

static struct responder_cfg cfg;
static bool ask_eap_only;

static void setup(void)
{
	tg_cfg(&cfg, NULL, NULL);
	cfg.eap = true;
	cfg.eap_password = "eap-secret";
	ask_eap_only = false;
}

static void start(bool skip_identity)
{
	cfg.eap_skip_identity = skip_identity;
	g = tg_gw_start(&cfg);
	CU_ASSERT_FATAL(tg_init(g->port, &sa));
}

/* One IKE_AUTH request with inner chain c; the answer's inner list in
 * pl. */
static bool request(struct wbuf *inner, uint8_t first)
{
	static uint8_t resp[IKE_MAX_MSG];
	struct ike_hdr h = { .version = IKE_VERSION, .flags = IKE_FLAG_I };
	const struct ike_payload *sk;
	struct verr e = { { 0 } };
	struct wbuf msg;
	size_t rlen;
	bool ok;

	wb_init(&msg);
	chunk_free(&plain);
	memcpy(h.spi_i, sa.spi_i, 8);
	memcpy(h.spi_r, sa.spi_r, 8);
	h.exchange = EXCH_IKE_AUTH;
	h.msg_id = sa.next_mid++;
	ok = ike_protect(&sa.keys, true, &h, first, inner->p, inner->len,
			 &msg) == 0 &&
	     tg_exchange(g->port, msg.p, msg.len, resp, &rlen, 2000) &&
	     ike_hdr_parse(resp, rlen, &h, &e) == 0 &&
	     payload_chain_parse(h.next, resp + IKE_HDR_LEN,
				 rlen - IKE_HDR_LEN, &pl, &e) == 0 &&
	     (sk = payload_find(&pl, PL_SK)) &&
	     ike_unprotect(&sa.keys, false, resp, rlen,
			   IKE_HDR_LEN + sk->offset, &plain, &e) == 0 &&
	     payload_chain_parse(sk->next, plain.p, plain.len, &pl, &e) == 0;
	wb_free(&msg);
	return ok;
}

static bool first_request(void)
{
	struct cp_payload cp = { .cfg_type = CFG_REQUEST, .n = 1 };
	struct wbuf inner;
	struct pl_chain c;
	bool ok;

	wb_init(&inner);
	chain_init(&c, &inner);
	id_build(&c, PL_IDI, ID_FQDN, (const uint8_t *)"client.test", 11);
	cp.a[0].type = CFG_INTERNAL_IP4_ADDRESS;
	cp_build(&c, &cp);
	tg_child_payloads(&c, NULL);
	if (ask_eap_only)
		notify_build(&c, 0, NULL, 0, N_EAP_ONLY_AUTHENTICATION, NULL,
			     0);
	ok = request(&inner, c.first);
	wb_free(&inner);
	return ok;
}

/* The EAP packet of the last answer. */
static bool got_eap(struct eap_payload *ep)
{
	const struct ike_payload *p = payload_find(&pl, PL_EAP);
	struct verr e = { { 0 } };

	return p && eap_parse(p->body, p->len, ep, &e) == 0;
}

static bool send_eap(uint8_t ident, uint8_t type, const void *data,
		     size_t len)
{
	struct wbuf inner;
	struct pl_chain c;
	size_t hdr;
	bool ok;

	wb_init(&inner);
	chain_init(&c, &inner);
	hdr = chain_begin(&c, PL_EAP, false);
	wb_u8(&inner, 2);
	wb_u8(&inner, ident);
	wb_u16(&inner, (uint16_t)(5 + len));
	wb_u8(&inner, type);
	wb_put(&inner, data, len);
	chain_end(&c, hdr);
	ok = request(&inner, c.first);
	wb_free(&inner);
	return ok;
}

/* Answers the Challenge in ep as "alice" with password pw. */
static bool answer_challenge(const struct eap_payload *ep, const char *pw)
{
	uint8_t pc[16], b[4 + 1 + 49 + 5];
	struct verr e = { { 0 } };

	if (ep->type != 26 || ep->len < 4 + 1 + 16 || ep->data[0] != 1 ||
	    ep->data[4] != 16)
		return false;
	random_bytes(pc, sizeof(pc));
	if (mschapv2_respond(&peer, ep->data + 5, pc, "alice", 5, pw,
			     strlen(pw), &e) < 0)
		return false;
	memset(b, 0, sizeof(b));
	b[0] = 2;
	b[1] = ep->data[1];
	put_u16(b + 2, sizeof(b));
	b[4] = 49;
	memcpy(b + 5, pc, 16);
	memcpy(b + 5 + 24, peer.nt_response, 24);
	memcpy(b + 5 + 49, "alice", 5);
	return send_eap(ep->ident, 26, b, sizeof(b));
}

/* Identity, Challenge, Response: the answer to it in pl. */
static void through_response(const char *pw)
{
	struct eap_payload ep;

	CU_ASSERT_FATAL(first_request());
	CU_ASSERT_PTR_NOT_NULL(payload_find(&pl, PL_IDR));
	CU_ASSERT_EQUAL(payload_find(&pl, PL_AUTH) != NULL, !ask_eap_only);
	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_EQUAL(ep.type, 1);
	CU_ASSERT_FATAL(send_eap(ep.ident, 1, "alice", 5));
	CU_ASSERT_FATAL(got_eap(&ep));
	if (cfg.eap_nak_first_type) {
		CU_ASSERT_EQUAL_FATAL(ep.type, cfg.eap_nak_first_type);
		CU_ASSERT_FATAL(send_eap(ep.ident, 3, "\x1a", 1));
		CU_ASSERT_FATAL(got_eap(&ep));
	}
	CU_ASSERT_FATAL(answer_challenge(&ep, pw));
}

static bool final_auth(bool break_it)
{
	struct chunk oct = { 0 }, auth = { 0 };
	struct wbuf idb, inner;
	struct pl_chain c;
	bool ok;

	wb_init(&idb);
	wb_u8(&idb, ID_FQDN);
	wb_zero(&idb, 3);
	wb_put(&idb, "client.test", 11);
	ok = auth_signed_octets(sa.keys.prf, &sa.keys.sk_pi, sa.msg1.p,
				sa.msg1.len, &sa.nr, idb.p, idb.len,
				&oct) == 0 &&
	     auth_psk(sa.keys.prf, peer.msk, sizeof(peer.msk), &oct,
		      &auth) == 0;
	wb_free(&idb);
	chunk_free(&oct);
	if (!ok)
		return false;
	if (break_it)
		auth.p[0] ^= 1;
	wb_init(&inner);
	chain_init(&c, &inner);
	auth_build(&c, AUTH_PSK, auth.p, auth.len);
	chunk_free(&auth);
	ok = request(&inner, c.first);
	wb_free(&inner);
	return ok;
}

/* The gateway's last AUTH: the MSK over its octets with IDr gw.test. */
static bool gw_msk_auth_ok(void)
{
	const struct ike_payload *p = payload_find(&pl, PL_AUTH);
	struct chunk oct = { 0 };
	struct auth_payload a;
	struct verr e = { { 0 } };
	struct wbuf idb;
	bool ok;

	wb_init(&idb);
	wb_u8(&idb, ID_FQDN);
	wb_zero(&idb, 3);
	wb_put(&idb, "gw.test", 7);
	ok = p && auth_parse(p->body, p->len, &a, &e) == 0 &&
	     a.method == AUTH_PSK &&
	     auth_signed_octets(sa.keys.prf, &sa.keys.sk_pr, sa.msg2.p,
				sa.msg2.len, &sa.ni, idb.p, idb.len,
				&oct) == 0 &&
	     auth_psk_verify(sa.keys.prf, peer.msk, sizeof(peer.msk), &oct,
			     a.data, a.len);
	wb_free(&idb);
	chunk_free(&oct);
	return ok;
}

static void test_eap_ok(void)
{
	struct eap_payload ep;
	uint8_t ack = 3;

	setup();
	start(false);
	through_response("eap-secret");
	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_EQUAL(ep.data[0], 3);
	CU_ASSERT(mschapv2_verify(&peer, ep.data + 4, ep.len - 4));
	CU_ASSERT_FATAL(send_eap(ep.ident, 26, &ack, 1));
	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_EQUAL(ep.code, 3);
	CU_ASSERT_FATAL(final_auth(false));
	CU_ASSERT(gw_msk_auth_ok());
	CU_ASSERT_PTR_NOT_NULL(payload_find(&pl, PL_SA));
	CU_ASSERT_PTR_NOT_NULL(payload_find(&pl, PL_CP));
	CU_ASSERT_EQUAL(tg_st(g)->eap_ok, 1);
	CU_ASSERT_EQUAL(tg_st(g)->auth_ok, 1);
	CU_ASSERT_EQUAL(tg_st(g)->child_sas, 1);
	CU_ASSERT_EQUAL(responder_established(g->r), 1);
	CU_ASSERT_STRING_EQUAL(tg_st(g)->eap_identity, "alice");
	CU_ASSERT(tg_gw_saw(g, "event=ike_auth_ok method=eap"));
}

static void test_eap_wrong_password(void)
{
	struct eap_payload ep;
	uint8_t ack = 4;

	setup();
	start(false);
	through_response("not-it");
	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_EQUAL(ep.data[0], 4);
	CU_ASSERT_FATAL(send_eap(ep.ident, 26, &ack, 1));
	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_EQUAL(ep.code, 4);
	CU_ASSERT_EQUAL(tg_st(g)->eap_failed, 1);
	CU_ASSERT_EQUAL(responder_established(g->r), 0);
	CU_ASSERT(tg_gw_saw(g, "event=eap_failed identity=alice"));
}

static void test_eap_wrong_final_auth(void)
{
	struct eap_payload ep;
	uint8_t ack = 3;
	struct notify_payload n;

	setup();
	start(false);
	through_response("eap-secret");
	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_FATAL(send_eap(ep.ident, 26, &ack, 1));
	CU_ASSERT_FATAL(final_auth(true));
	CU_ASSERT_FATAL(pl.n >= 1 && pl.pl[0].type == PL_NOTIFY);
	CU_ASSERT_FATAL(notify_parse(pl.pl[0].body, pl.pl[0].len, &n,
				     NULL) == 0);
	CU_ASSERT_EQUAL(n.type, N_AUTHENTICATION_FAILED);
	CU_ASSERT_EQUAL(responder_established(g->r), 0);
}

static bool has_redirect(void)
{
	struct notify_payload n;
	size_t i;

	for (i = 0; i < pl.n; i++)
		if (pl.pl[i].type == PL_NOTIFY &&
		    notify_parse(pl.pl[i].body, pl.pl[i].len, &n, NULL) == 0 &&
		    n.type == N_REDIRECT)
			return true;
	return false;
}

/* Success Response, EAP-Success, the final AUTH: the last answer in pl. */
static void through_final(void)
{
	struct eap_payload ep;
	uint8_t ack = 3;

	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_FATAL(send_eap(ep.ident, 26, &ack, 1));
	CU_ASSERT_FATAL(final_auth(false));
}

static void test_eap_only(void)
{
	setup();
	cfg.eap_only = true;
	ask_eap_only = true;
	start(false);
	through_response("eap-secret");
	through_final();
	CU_ASSERT(gw_msk_auth_ok());
	CU_ASSERT_EQUAL(tg_st(g)->eap_only_sent, 1);
	CU_ASSERT_EQUAL(responder_established(g->r), 1);
}

static void test_eap_nak(void)
{
	setup();
	cfg.eap_nak_first_type = 4; /* MD5-Challenge */
	start(false);
	through_response("eap-secret");
	through_final();
	CU_ASSERT(gw_msk_auth_ok());
	CU_ASSERT_EQUAL(tg_st(g)->eap_naks, 1);
	CU_ASSERT_EQUAL(responder_established(g->r), 1);
}

/* eap_redirect_round: 1 the first response, 2 a middle one, 0 the last;
 * only that one carries the REDIRECT. */
static void redirect_in(unsigned round)
{
	struct eap_payload ep;

	setup();
	responder_gw_ident(&cfg.redirect_auth_to, "127.0.0.9");
	cfg.eap_redirect_round = round;
	start(false);
	CU_ASSERT_FATAL(first_request());
	CU_ASSERT_EQUAL(has_redirect(), round == 1);
	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_FATAL(send_eap(ep.ident, 1, "alice", 5));
	CU_ASSERT_EQUAL(has_redirect(), round == 2);
	CU_ASSERT_FATAL(got_eap(&ep));
	CU_ASSERT_FATAL(answer_challenge(&ep, "eap-secret"));
	CU_ASSERT(!has_redirect());
	through_final();
	CU_ASSERT(gw_msk_auth_ok());
	CU_ASSERT_EQUAL(has_redirect(), round == 0);
	/* a REDIRECT in the last answer replaces the Child SA */
	CU_ASSERT_EQUAL(payload_find(&pl, PL_SA) != NULL, round != 0);
	CU_ASSERT_EQUAL(tg_st(g)->auth_redirects, 1);
}

static void test_eap_redirect_first(void)
{
	redirect_in(1);
}

static void test_eap_redirect_middle(void)
{
	redirect_in(2);
}

static void test_eap_redirect_last(void)
{
	redirect_in(0);
}

void register_eap_tests(void)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown(
		"EAP-MSCHAPv2 gateway", NULL, NULL, NULL, teardown);

	CU_add_test(s, "EAP-MSCHAPv2 and the MSK AUTHs", test_eap_ok);
	CU_add_test(s, "wrong password", test_eap_wrong_password);
	CU_add_test(s, "wrong final AUTH", test_eap_wrong_final_auth);
	CU_add_test(s, "EAP-only: no AUTH in the first response",
		    test_eap_only);
	CU_add_test(s, "MD5 proposed, Nak naming MS-CHAPv2", test_eap_nak);
	CU_add_test(s, "REDIRECT in the first response",
		    test_eap_redirect_first);
	CU_add_test(s, "REDIRECT in a middle round", test_eap_redirect_middle);
	CU_add_test(s, "REDIRECT in the last response",
		    test_eap_redirect_last);
}
