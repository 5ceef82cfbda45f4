/* EAP-TLS packets the gateway could lie in, built by hand: TLS Message
 * Lengths that do not match the fragments, a reassembly past the limit,
 * truncated packets, Requests out of order, too many Requests; and the
 * framing's rule that EAP-Success is believed only after the method. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "pki.h"
#include "tests.h"

#define F_L 0x80
#define F_M 0x40
#define F_S 0x20

static uint8_t ident;
static uint8_t junk[2000];

/* An EAP-TLS Request: flags, the TLS Message Length when F_L, data. */
static void request(struct wbuf *w, uint8_t flags, uint32_t total,
		    size_t n)
{
	wb_reset(w);
	wb_u8(w, EAP_CODE_REQUEST);
	wb_u8(w, ++ident);
	wb_u16(w, (uint16_t)(6 + (flags & F_L ? 4 : 0) + n));
	wb_u8(w, EAP_TYPE_TLS);
	wb_u8(w, flags);
	if (flags & F_L)
		wb_u32(w, total);
	wb_put(w, junk, n);
}

static enum eap_status send_req(struct conv *c, uint8_t flags,
				uint32_t total, size_t n)
{
	request(&c->req, flags, total, n);
	return eap_peer_input(c->peer, c->req.p, c->req.len, &c->resp, &c->e);
}

/* A peer that has answered the Start with its ClientHello. */
static void started(struct conv *c)
{
	conv_init(c, TLS1_3_VERSION);
	c->peer = eap_peer_new(&c->cfg, &c->e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->peer);
	CU_ASSERT_EQUAL_FATAL(send_req(c, F_S, 0, 0), EAP_REPLY);
	/* Response, ident, length, type 13, no flags: the ClientHello fits */
	CU_ASSERT_EQUAL(c->resp.p[0], EAP_CODE_RESPONSE);
	CU_ASSERT_EQUAL(c->resp.p[1], ident);
	CU_ASSERT_EQUAL(c->resp.p[4], EAP_TYPE_TLS);
	CU_ASSERT_EQUAL(c->resp.p[5], 0);
	CU_ASSERT(c->resp.len > 100);
}

static void refused(struct conv *c, enum eap_status s, const char *why)
{
	CU_ASSERT_EQUAL(s, EAP_FAILED);
	if (!strstr(c->e.msg, why))
		fprintf(stderr, "\n  want \"%s\" in \"%s\"\n", why, c->e.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(c->e.msg, why));
	conv_free(c);
}

/* The fragment's ack: a Response with Flags 0 and nothing else. */
static void acked(struct conv *c, enum eap_status s)
{
	CU_ASSERT_EQUAL(s, EAP_REPLY);
	CU_ASSERT_EQUAL(c->resp.len, 6);
	CU_ASSERT_EQUAL(c->resp.p[5], 0);
}

static void test_lying_lengths(void)
{
	struct conv c;

	started(&c);
	refused(&c, send_req(&c, F_L | F_M, 65537, 100), "above vpnd's limit");
	started(&c);
	refused(&c, send_req(&c, F_L, 10, 20), "TLS Message Length 10 but the packet carries 20");
	started(&c);
	refused(&c, send_req(&c, F_M, 0, 100), "without the TLS Message Length");
	started(&c);
	acked(&c, send_req(&c, F_L | F_M, 100, 60));
	refused(&c, send_req(&c, 0, 0, 60), "more than the TLS Message Length of 100");
	started(&c);
	acked(&c, send_req(&c, F_L | F_M, 100, 60));
	refused(&c, send_req(&c, 0, 0, 20), "ended after 80 of its 100 bytes");
	started(&c);
	acked(&c, send_req(&c, F_L | F_M, 100, 60));
	refused(&c, send_req(&c, F_L | F_M, 200, 20), "changed from 100 to 200");
	started(&c);
	refused(&c, send_req(&c, F_L | F_M, 60, 60), "more fragments announced after all 60");
	started(&c);
	acked(&c, send_req(&c, F_L | F_M, 100, 60));
	refused(&c, send_req(&c, F_M, 0, 0), "a fragment without TLS data");
}

/* Up to the limit it is taken, fragment by fragment; past the number
 * of Requests a handshake needs, the conversation ends. */
static void test_reassembly_limits(void)
{
	struct conv c;
	enum eap_status s = EAP_REPLY;
	int i;

	started(&c);
	acked(&c, send_req(&c, F_L | F_M, 65536, 1000));
	for (i = 0; i < 200 && s == EAP_REPLY; i++)
		s = send_req(&c, F_M, 0, 1);
	CU_ASSERT(i > 100);
	refused(&c, s, "more than 128 Requests");
}

static void test_truncated(void)
{
	static const uint8_t no_flags[] = { 1, 9, 0, 5, EAP_TYPE_TLS };
	static const uint8_t short_len[] = { 1, 9, 0, 8, EAP_TYPE_TLS, F_L, 0, 1 };
	static const uint8_t eap_len[] = { 1, 9, 0, 40, EAP_TYPE_TLS, 0, 1, 2 };
	struct conv c;

	started(&c);
	refused(&c, eap_peer_input(c.peer, no_flags, sizeof(no_flags), &c.resp,
				   &c.e), "packet without Flags");
	started(&c);
	refused(&c, eap_peer_input(c.peer, short_len, sizeof(short_len),
				   &c.resp, &c.e), "too short for the TLS Message Length");
	started(&c);
	refused(&c, eap_peer_input(c.peer, eap_len, sizeof(eap_len), &c.resp,
				   &c.e), "length 40 but the payload holds 8");
}

static void test_out_of_order(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.peer = eap_peer_new(&c.cfg, &c.e);
	refused(&c, send_req(&c, F_L, 20, 20), "a Request before the Start");
	started(&c);
	refused(&c, send_req(&c, F_S, 0, 0), "a second Start");
	started(&c);
	refused(&c, send_req(&c, 0, 0, 0), "nothing of ours to acknowledge");
	/* Our ClientHello in 64-byte packets: data instead of an ack. */
	conv_init(&c, TLS1_3_VERSION);
	c.cfg.mtu = 64;
	c.peer = eap_peer_new(&c.cfg, &c.e);
	CU_ASSERT_EQUAL(send_req(&c, F_S, 0, 0), EAP_REPLY);
	CU_ASSERT_EQUAL(c.resp.len, 64);
	CU_ASSERT_EQUAL(c.resp.p[5], F_L | F_M);
	CU_ASSERT_EQUAL(send_req(&c, 0, 0, 0), EAP_REPLY);
	CU_ASSERT_EQUAL(c.resp.p[5], F_M);
	refused(&c, send_req(&c, F_L, 20, 20), "before taking all of our fragments");
	conv_init(&c, TLS1_3_VERSION);
	c.cfg.mtu = 63;
	c.peer = eap_peer_new(&c.cfg, &c.e);
	refused(&c, send_req(&c, F_S, 0, 0), "EAP packet size 63 is outside");
}

/* The framing: no EAP-Success before the method has verified the
 * gateway, none after it failed, no Request after it ended. */
static void test_success_rules(void)
{
	static const uint8_t success[] = { EAP_CODE_SUCCESS, 1, 0, 4 };
	enum eap_status s;
	struct conv c;

	started(&c);
	refused(&c, eap_peer_input(c.peer, success, 4, &c.resp, &c.e),
		"EAP-Success before EAP-TLS authenticated the gateway");
	conv_init(&c, TLS1_2_VERSION);
	c.cfg.ca_file = pki.other_file;
	CU_ASSERT_EQUAL(conv_run(&c), EAP_FAILED);
	s = eap_peer_input(c.peer, success, 4, &c.resp, &c.e);
	refused(&c, s, "EAP-Success before");
	/* TLS 1.2 ends with the method: another Request is refused. */
	conv_init(&c, TLS1_2_VERSION);
	c.opts.end = SRV_END_NONE;
	CU_ASSERT_EQUAL_FATAL(conv_run(&c), EAP_DONE);
	refused(&c, send_req(&c, F_L, 20, 20), "Request after the method ended");
}

void add_tls_packet_tests(void)
{
	CU_pSuite s = CU_add_suite("eap-tls-packets", NULL, NULL);

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 1);
	CU_add_test(s, "lying TLS Message Lengths", test_lying_lengths);
	CU_add_test(s, "reassembly and Request limits", test_reassembly_limits);
	CU_add_test(s, "truncated packets", test_truncated);
	CU_add_test(s, "Requests out of order", test_out_of_order);
	CU_add_test(s, "EAP-Success rules", test_success_rules);
}
