/* EAP-TLS end to end against the test's gateway (authsrv.c): TLS 1.2
 * and 1.3, every way a gateway ends TLS 1.3, fragments both ways, the
 * MSK against one computed apart from vpnd's code, the certificate
 * checks (CA, partial chain, each identity type) and their errors. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <openssl/crypto.h>

#include "vpnd/ike_const.h"

#include "msk.h"
#include "pki.h"
#include "tests.h"

static const char gw_name[] = "vpn.example.com";
static const char me_name[] = "me@example.com";

void conv_init(struct conv *c, int version)
{
	memset(c, 0, sizeof(*c));
	c->cfg.method = EAP_TYPE_TLS;
	c->cfg.identity = (const uint8_t *)me_name;
	c->cfg.identity_len = strlen(me_name);
	c->cfg.cert = pki.me;
	c->cfg.key = pki.me_key;
	c->cfg.ca_file = pki.root_file;
	c->cfg.server_id_type = ID_FQDN;
	c->cfg.server_id = (const uint8_t *)gw_name;
	c->cfg.server_id_len = strlen(gw_name);
	c->opts.version = version;
	c->opts.frag = 1024;          /* strongSwan's fragment_size */
	c->opts.always_len = true;    /* and its include_length */
	c->opts.end = SRV_END_INDICATION;
	c->opts.tickets = 2;
	wb_init(&c->req);
	wb_init(&c->resp);
}

static enum eap_status gateway_says(struct conv *c, uint8_t code)
{
	uint8_t pkt[4] = { code, srv_ident(c->srv), 0, 4 };

	return eap_peer_input(c->peer, pkt, sizeof(pkt), &c->resp, &c->e);
}

enum eap_status conv_run(struct conv *c)
{
	enum eap_status s;
	enum srv_rc rc;

	c->peer = eap_peer_new(&c->cfg, &c->e);
	c->srv = srv_new(&c->opts);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->peer);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->srv);
	srv_start(c->srv, &c->req);
	for (int i = 0; i < 300; i++) {
		s = eap_peer_input(c->peer, c->req.p, c->req.len, &c->resp,
				   &c->e);
		if (s != EAP_REPLY)
			return s;
		rc = srv_input(c->srv, c->resp.p, c->resp.len, &c->req);
		if (rc == SRV_SUCCESS)
			return gateway_says(c, EAP_CODE_SUCCESS);
		if (rc == SRV_FAILURE)
			return gateway_says(c, EAP_CODE_FAILURE);
	}
	CU_FAIL("the conversation does not end");
	return EAP_FAILED;
}

void conv_free(struct conv *c)
{
	eap_peer_free(c->peer);
	srv_free(c->srv);
	wb_free(&c->req);
	wb_free(&c->resp);
}

/* Both sides' MSKs: vpnd's, the gateway's exporter, and ours apart. */
static void check_msk(struct conv *c)
{
	const struct chunk *msk = eap_peer_msk(c->peer);
	uint8_t want[64], exported[128];
	SSL *srv = srv_ssl(c->srv);
	/* a TLS 1.3 gateway without an end signal is one of the drafts */
	bool rfc9190 = c->opts.end != SRV_END_NONE;
	int ok;

	CU_ASSERT_EQUAL_FATAL(msk->len, 64);
	CU_ASSERT_EQUAL_FATAL(msk_expected(srv, rfc9190, want), 0);
	CU_ASSERT(memcmp(msk->p, want, 64) == 0);
	if (SSL_version(srv) == TLS1_3_VERSION && rfc9190)
		ok = SSL_export_keying_material(srv, exported, 128,
			"EXPORTER_EAP_TLS_Key_Material", 29,
			(const unsigned char *)"\x0d", 1, 1);
	else
		ok = SSL_export_keying_material(srv, exported, 128,
			"client EAP encryption", 21, NULL, 0, 0);
	CU_ASSERT_EQUAL(ok, 1);
	CU_ASSERT(memcmp(msk->p, exported, 64) == 0);
}

static void done_with(struct conv *c, int version)
{
	enum eap_status s = conv_run(c);

	if (s != EAP_DONE)
		fprintf(stderr, "\n  peer: %s\n", c->e.msg);
	CU_ASSERT_EQUAL_FATAL(s, EAP_DONE);
	CU_ASSERT_EQUAL(SSL_version(srv_ssl(c->srv)), version);
	check_msk(c);
}

static void test_tls12(void)
{
	struct conv c;

	conv_init(&c, TLS1_2_VERSION);
	done_with(&c, TLS1_2_VERSION);
	/* The gateway's chain and our certificate both take fragments. */
	CU_ASSERT(srv_stats(c.srv)->frags >= 3);
	CU_ASSERT(srv_stats(c.srv)->peer_frags >= 2);
	CU_ASSERT(srv_stats(c.srv)->peer_max <= 1024);
	CU_ASSERT(eap_peer_rounds(c.peer) == srv_stats(c.srv)->requests);
	conv_free(&c);
}

static void test_tls13_indication(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	done_with(&c, TLS1_3_VERSION);
	CU_ASSERT(srv_stats(c.srv)->frags >= 3);
	CU_ASSERT(srv_stats(c.srv)->peer_frags >= 2);
	conv_free(&c);
}

/* strongSwan 5.9.8 (Debian 12) sends EAP-Success after our Finished,
 * and its MSK is the drafts' (RFC 5216's label, no context). */
static void test_tls13_success_at_once(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.opts.end = SRV_END_NONE;
	c.opts.tickets = 0;
	done_with(&c, TLS1_3_VERSION);
	conv_free(&c);
}

/* Tickets only, then EAP-Success. */
static void test_tls13_tickets(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.opts.end = SRV_END_NONE;
	done_with(&c, TLS1_3_VERSION);
	conv_free(&c);
}

static void test_tls13_close_notify(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.opts.end = SRV_END_CLOSE_NOTIFY;
	done_with(&c, TLS1_3_VERSION);
	conv_free(&c);
}

static void test_tls13_wrong_data(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.opts.end = SRV_END_WRONG_DATA;
	CU_ASSERT_EQUAL(conv_run(&c), EAP_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.e.msg, "success indication"));
	conv_free(&c);
}

/* Small packets both ways, and no L on the gateway's unfragmented ones. */
static void test_small_fragments(void)
{
	int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };
	struct conv c;

	for (size_t i = 0; i < 2; i++) {
		conv_init(&c, versions[i]);
		c.cfg.mtu = 200;
		c.opts.frag = 300;
		c.opts.always_len = false;
		done_with(&c, versions[i]);
		CU_ASSERT(srv_stats(c.srv)->peer_max <= 200);
		CU_ASSERT(srv_stats(c.srv)->peer_frags >= 15);
		CU_ASSERT(srv_stats(c.srv)->frags >= 15);
		conv_free(&c);
	}
}

static void failed_with(struct conv *c, const char *why)
{
	/* gcc's format-overflow check misfires under the sanitizers unless
	 * the pointer is visibly non-NULL (as in tests/unit/profile) */
	const char *want = why ? why : "";

	CU_ASSERT_EQUAL(conv_run(c), EAP_FAILED);
	if (!strstr(c->e.msg, want))
		fprintf(stderr, "\n  want \"%s\" in \"%s\"\n", want, c->e.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(c->e.msg, want));
}

static void test_wrong_ca(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.cfg.ca_file = pki.other_file;
	failed_with(&c, "the gateway's certificate chain failed at depth");
	CU_ASSERT_PTR_NULL(eap_peer_msk(c.peer)->p);
	conv_free(&c);
	conv_init(&c, TLS1_2_VERSION);
	c.cfg.ca_file = pki.other_file;
	failed_with(&c, "unable to get local issuer certificate");
	conv_free(&c);
}

/* The intermediate that signed the gateway as the only anchor. */
static void test_partial_chain(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.cfg.ca_file = pki.int2_file;
	done_with(&c, TLS1_3_VERSION);
	conv_free(&c);
}

static void test_missing_ca_file(void)
{
	struct conv c;

	conv_init(&c, TLS1_2_VERSION);
	c.cfg.ca_file = "/nonexistent/ca.pem";
	failed_with(&c, "cannot load CA certificates from /nonexistent/ca.pem");
	conv_free(&c);
	conv_init(&c, TLS1_2_VERSION);
	c.cfg.ca_file = NULL;
	failed_with(&c, "needs the CA");
	conv_free(&c);
}

static void run_id(uint8_t type, const void *id, size_t len, bool ok,
		   const char *why)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.cfg.server_id_type = type;
	c.cfg.server_id = id;
	c.cfg.server_id_len = len;
	if (ok)
		done_with(&c, TLS1_3_VERSION);
	else
		failed_with(&c, why);
	conv_free(&c);
}

/* RFC 7296 3.5 types against the certificate: SANs, the subject. */
static void test_identities(void)
{
	uint8_t ip4[4], ip6[16], *dn = NULL, *int2 = NULL;
	int dn_len = pki_gw_dn(&dn);
	int int2_len = i2d_X509_NAME(X509_get_subject_name(pki.int2), &int2);

	inet_pton(AF_INET, "192.0.2.1", ip4);
	inet_pton(AF_INET6, "2001:db8::1", ip6);
	run_id(ID_FQDN, "VPN.example.com", 15, true, NULL);
	run_id(ID_FQDN, "host-0149.vpn.example.com", 25, true, NULL);
	run_id(ID_FQDN, "other.example.com", 17, false,
	       "(CN=vpn.example.com,O=vpnd test) does not carry the identity FQDN other.example.com");
	run_id(ID_RFC822_ADDR, "gw@example.com", 14, true, NULL);
	run_id(ID_RFC822_ADDR, "vpn.example.com", 15, false,
	       "does not carry the identity email vpn.example.com");
	run_id(ID_IPV4_ADDR, ip4, 4, true, NULL);
	run_id(ID_IPV6_ADDR, ip6, 16, true, NULL);
	ip4[3] = 2;
	run_id(ID_IPV4_ADDR, ip4, 4, false,
	       "does not carry the identity IP 192.0.2.2");
	run_id(ID_DER_ASN1_DN, dn, (size_t)dn_len, true, NULL);
	run_id(ID_DER_ASN1_DN, int2, (size_t)int2_len, false,
	       "does not carry the identity DN CN=Test Int 2,O=vpnd test");
	run_id(0, NULL, 0, true, NULL);
	run_id(ID_KEY_ID, "x", 1, false, "cannot be matched");
	OPENSSL_free(dn);
	OPENSSL_free(int2);
}

/* The gateway refuses our certificate: its alert is the reason. */
static void test_client_refused(void)
{
	struct conv c;

	conv_init(&c, TLS1_2_VERSION);
	c.opts.client_ca = pki.other_file;
	failed_with(&c, "alert");
	conv_free(&c);
	conv_init(&c, TLS1_3_VERSION);
	c.opts.client_ca = pki.other_file;
	failed_with(&c, "alert");
	conv_free(&c);
}

static void test_no_client_cert(void)
{
	struct conv c;

	conv_init(&c, TLS1_3_VERSION);
	c.cfg.cert = NULL;
	c.cfg.key = NULL;
	c.opts.no_client_cert = true;
	done_with(&c, TLS1_3_VERSION);
	conv_free(&c);
	conv_init(&c, TLS1_2_VERSION);
	c.cfg.key = NULL;
	failed_with(&c, "a certificate needs its key");
	conv_free(&c);
}

void add_tls_tests(void)
{
	CU_pSuite s = CU_add_suite("eap-tls", NULL, NULL);

	CU_add_test(s, "TLS 1.2: MSK, fragments both ways", test_tls12);
	CU_add_test(s, "TLS 1.3: success indication after tickets",
		    test_tls13_indication);
	CU_add_test(s, "TLS 1.3: EAP-Success after our Finished",
		    test_tls13_success_at_once);
	CU_add_test(s, "TLS 1.3: tickets, then EAP-Success", test_tls13_tickets);
	CU_add_test(s, "TLS 1.3: close_notify ends it", test_tls13_close_notify);
	CU_add_test(s, "TLS 1.3: other application data refused",
		    test_tls13_wrong_data);
	CU_add_test(s, "200-byte packets both ways", test_small_fragments);
	CU_add_test(s, "wrong CA refused", test_wrong_ca);
	CU_add_test(s, "intermediate as anchor", test_partial_chain);
	CU_add_test(s, "CA file missing", test_missing_ca_file);
	CU_add_test(s, "identity types", test_identities);
	CU_add_test(s, "our certificate refused by the gateway",
		    test_client_refused);
	CU_add_test(s, "no certificate of ours", test_no_client_cert);
}
