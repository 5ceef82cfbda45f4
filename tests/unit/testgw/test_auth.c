/* Full handshakes: initiators authenticated by an ECDSA certificate
 * under the configured client CA (the gateway stays on PSK), and the
 * ways that must fail. Certificates are made here. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tg.h"

static char dir[64], ca_pem[128], other_pem[128];
static uint8_t key[RESP_DOMAIN_KEY_LEN];
static EVP_PKEY *ca_key, *other_key, *client_key, *stranger_key;
static X509 *ca, *other_ca, *client, *foreign_client, *expired_client;
static struct tg_gw *g;
static struct tg_sa sa, rsa;
static struct tg_auth_result ar;

static X509 *make_cert(const char *cn, EVP_PKEY *pub, X509 *issuer,
		       EVP_PKEY *issuer_key, long from, long to)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	bool ok;

	if (!x || !name) {
		X509_free(x);
		X509_NAME_free(name);
		return NULL;
	}
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	ok = X509_set_version(x, 2) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), 1000 + (long)cn[0]) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), from) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), to) &&
	     X509_set_subject_name(x, name) &&
	     X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) :
					      name) &&
	     X509_set_pubkey(x, pub) &&
	     X509_sign(x, issuer_key, EVP_sha256()) > 0;
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static bool write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = PEM_write_X509(f, x) == 1;
	return fclose(f) == 0 && ok;
}

static int suite_init(void)
{
	if (!tg_domain(dir, sizeof(dir), key))
		return -1;
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", dir);
	snprintf(other_pem, sizeof(other_pem), "%s/other.pem", dir);
	ca_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	client_key = EVP_EC_gen("P-256");
	stranger_key = EVP_EC_gen("P-256");
	if (!ca_key || !other_key || !client_key || !stranger_key)
		return -1;
	ca = make_cert("Test Client CA", ca_key, NULL, ca_key, -60, 86400);
	other_ca = make_cert("Other CA", other_key, NULL, other_key, -60,
			     86400);
	if (!ca || !other_ca)
		return -1;
	client = make_cert("client.test", client_key, ca, ca_key, -60, 86400);
	foreign_client = make_cert("client.test", client_key, other_ca,
				   other_key, -60, 86400);
	expired_client = make_cert("client.test", client_key, ca, ca_key,
				   -7200, -3600);
	if (!client || !foreign_client || !expired_client ||
	    !write_pem(ca_pem, ca) || !write_pem(other_pem, other_ca))
		return -1;
	return 0;
}

static int suite_clean(void)
{
	X509_free(ca);
	X509_free(other_ca);
	X509_free(client);
	X509_free(foreign_client);
	X509_free(expired_client);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(client_key);
	EVP_PKEY_free(stranger_key);
	tg_rmdir(dir);
	return 0;
}

static void teardown(void)
{
	tg_gw_stop(g);
	g = NULL;
	tg_sa_free(&sa);
	tg_sa_free(&rsa);
}

static void start(const char *client_ca)
{
	struct responder_cfg cfg;

	tg_cfg(&cfg, key, dir);
	cfg.client_ca = client_ca;
	g = tg_gw_start(&cfg);
}

static bool sig_handshake(X509 *cert, EVP_PKEY *k, bool want_ticket)
{
	struct tg_auth_opts o;

	tg_sa_free(&sa);
	tg_auth_opts(&o);
	o.cert = cert;
	o.key = k;
	o.ticket_request = want_ticket;
	o.resumption_flags = RESUME_FLAG_CLIENT_STORAGE;
	return tg_init(g->port, &sa) && tg_auth(g->port, &sa, &o, &ar);
}

static void test_cert_ok(void)
{
	start(ca_pem);
	CU_ASSERT_FATAL(sig_handshake(client, client_key, true));
	CU_ASSERT_EQUAL(ar.error, 0);
	CU_ASSERT(ar.gw_auth_ok); /* the gateway answers with its PSK */
	CU_ASSERT_EQUAL(ar.gw_auth_method, AUTH_PSK);
	CU_ASSERT(ar.child);
	CU_ASSERT(ar.has_ticket);
	CU_ASSERT_EQUAL(tg_st(g)->sig_auth_ok, 1);
	CU_ASSERT_EQUAL(tg_st(g)->auth_ok, 1);
	/* the certificate names a CN, not the FQDN: noted, not required */
	CU_ASSERT(!tg_st(g)->sig_id_in_cert);
	CU_ASSERT(tg_gw_saw(g, "event=ike_auth_ok method=sig resumed=0"));
}

static void assert_refused(void)
{
	CU_ASSERT(ar.answered);
	CU_ASSERT_EQUAL(ar.error, N_AUTHENTICATION_FAILED);
	CU_ASSERT(!ar.child);
	CU_ASSERT(!ar.has_ticket);
	CU_ASSERT_EQUAL(tg_st(g)->sig_auth_ok, 0);
	CU_ASSERT(tg_gw_saw(g, "event=ike_auth_failed method=sig"));
}

static void test_cert_other_ca(void)
{
	start(ca_pem);
	CU_ASSERT_FATAL(sig_handshake(foreign_client, client_key, true));
	assert_refused();
}

static void test_cert_no_ca(void)
{
	start(NULL);
	CU_ASSERT_FATAL(sig_handshake(client, client_key, true));
	assert_refused();
}

static void test_cert_expired(void)
{
	start(ca_pem);
	CU_ASSERT_FATAL(sig_handshake(expired_client, client_key, true));
	assert_refused();
}

static void test_cert_wrong_key(void)
{
	start(ca_pem);
	CU_ASSERT_FATAL(sig_handshake(client, stranger_key, true));
	assert_refused();
}

static void test_cert_ca_is_not_a_client(void)
{
	/* issued by itself, with the name of the client CA: not by it */
	X509 *fake = make_cert("Test Client CA", stranger_key, NULL,
			       stranger_key, -60, 86400);

	CU_ASSERT_PTR_NOT_NULL_FATAL(fake);
	start(ca_pem);
	CU_ASSERT_FATAL(sig_handshake(fake, stranger_key, true));
	assert_refused();
	X509_free(fake);
}

static void test_psk_still_works(void)
{
	start(ca_pem);
	CU_ASSERT_FATAL(tg_full(g->port, &sa, &ar));
	CU_ASSERT(ar.gw_auth_ok);
	CU_ASSERT_EQUAL(ar.error, 0);
	CU_ASSERT_EQUAL(tg_st(g)->sig_auth_ok, 0);
	CU_ASSERT(tg_gw_saw(g, "event=ike_auth_ok method=psk resumed=0"));
}

static void test_wrong_psk(void)
{
	struct tg_auth_opts o;

	start(ca_pem);
	tg_auth_opts(&o);
	o.psk = "not-the-secret";
	CU_ASSERT_FATAL(tg_init(g->port, &sa) && tg_auth(g->port, &sa, &o,
							 &ar));
	CU_ASSERT_EQUAL(ar.error, N_AUTHENTICATION_FAILED);
}

/* What the resume suite does: certificate once, then resumptions with
 * no signature at all. */
static void test_cert_then_resume(void)
{
	static struct responder_ticket t;
	struct tg_resume_result rr;
	struct tg_auth_opts o;

	start(ca_pem);
	CU_ASSERT_FATAL(sig_handshake(client, client_key, true));
	CU_ASSERT_FATAL(ar.has_ticket);
	memset(&t, 0, sizeof(t));
	t.prf = sa.keys.prf;
	t.encr = sa.keys.encr;
	t.encr_keylen = sa.keys.encr_keylen;
	t.integ = sa.keys.integ;
	t.sk_d_len = sa.keys.sk_d.len;
	memcpy(t.sk_d, sa.keys.sk_d.p, t.sk_d_len);
	CU_ASSERT_FATAL(tg_resume(g->port, ar.ticket, ar.ticket_len, 0, &t,
				  &rsa, &rr));
	tg_auth_opts(&o);
	o.resumed = true;
	CU_ASSERT_FATAL(tg_auth(g->port, &rsa, &o, &ar));
	CU_ASSERT(ar.gw_auth_ok);
	CU_ASSERT_EQUAL(ar.error, 0);
	CU_ASSERT_EQUAL(tg_st(g)->sig_auth_ok, 1);
	CU_ASSERT_EQUAL(tg_st(g)->resumed_auth_ok, 1);
	responder_ticket_wipe(&t);
}

void register_auth_tests(void)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown(
		"client certificates", suite_init, suite_clean, NULL,
		teardown);

	CU_add_test(s, "ECDSA certificate under the client CA", test_cert_ok);
	CU_add_test(s, "certificate of another CA", test_cert_other_ca);
	CU_add_test(s, "no client CA configured", test_cert_no_ca);
	CU_add_test(s, "expired certificate", test_cert_expired);
	CU_add_test(s, "AUTH signed with another key", test_cert_wrong_key);
	CU_add_test(s, "self-signed look-alike of the CA",
		    test_cert_ca_is_not_a_client);
	CU_add_test(s, "PSK initiators still accepted", test_psk_still_works);
	CU_add_test(s, "wrong PSK", test_wrong_psk);
	CU_add_test(s, "certificate, then resumption", test_cert_then_resume);
}
