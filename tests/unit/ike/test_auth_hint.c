/* IKE_AUTH failures over identities, as the user reads them
 * (conn_status last_error), and the CERTREQ of a CA bundle: in memory
 * (mem.h), with certificates made by tests/unit/certgen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>

#include "certgen.h"
#include "harness.h"
#include "mem.h"

static struct mem m;
static char dir[] = "/tmp/vpnd-test-hint-XXXXXX";
static char cert_path[64], key_path[64], ca_path[64];
static EVP_PKEY *ca_key, *other_key, *cl_key;
static X509 *ca, *other, *cl;

static int hint_setup(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(cert_path, sizeof(cert_path), "%s/cl.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/cl.key", dir);
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	ca_key = cg_key();
	other_key = cg_key();
	cl_key = cg_key();
	if (!ca_key || !other_key || !cl_key)
		return 1;
	ca = cg_cert("Hint CA", ca_key, NULL, NULL, true, NULL);
	other = cg_cert("Other CA", other_key, NULL, NULL, true, NULL);
	cl = cg_cert("client", cl_key, ca, ca_key, false,
		     "email:client@example.org,DNS:laptop.example.org");
	return ca && other && cl && cg_write_cert(cert_path, cl, false) &&
	       cg_write_key(key_path, cl_key) &&
	       cg_write_cert(ca_path, other, false) &&
	       cg_write_cert(ca_path, ca, true) ? 0 : 1;
}

static int hint_teardown(void)
{
	unlink(cert_path);
	unlink(key_path);
	unlink(ca_path);
	rmdir(dir);
	X509_free(ca);
	X509_free(other);
	X509_free(cl);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(cl_key);
	return 0;
}

/* Our certificate, no local.id: the subject DN is sent. */
static void use_cert(struct profile *p)
{
	p->local_auth = PAUTH_CERT;
	memset(&p->local_id, 0, sizeof(p->local_id));
	snprintf(p->cert_file, sizeof(p->cert_file), "%s", cert_path);
	snprintf(p->key_file, sizeof(p->key_file), "%s", key_path);
}

static void refused(struct ike_sa *sa, struct conn_status *st)
{
	notify_build(mem_chain(&m), 0, NULL, 0, N_AUTHENTICATION_FAILED,
		     NULL, 0);
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH,
						       1, true)),
			TASK_FAILED);
	mem_status(&m, st);
	CU_ASSERT_EQUAL(st->change.reason, REASON_AUTH_FAILED);
}

/* The certificate's DN went out, the certificate has an email and a DNS
 * name: the hint names them as local.id candidates, and the issuer. */
static void test_dn_sent(void)
{
	struct conn_status st;

	mem_begin(&m);
	use_cert(&m.prof);
	refused(mem_auth_sa(&m), &st);
	CU_ASSERT_STRING_EQUAL(st.last_error, "gateway refused IKE_AUTH: AUTHENTICATION_FAILED; we sent IDi DER_ASN1_DN 'O=vpnd test, CN=client'; the gateway may expect one of the certificate's other names as local.id: email 'client@example.org', DNS 'laptop.example.org'; or it does not trust our issuer 'O=vpnd test, CN=Hint CA'");
	mem_end(&m);
}

/* local.id is one of the certificate's names: only the issuer is left
 * to doubt. */
static void test_san_sent(void)
{
	static const char id[] = "client@example.org";
	struct conn_status st;

	mem_begin(&m);
	use_cert(&m.prof);
	m.prof.local_id.type = ID_RFC822_ADDR;
	memcpy(m.prof.local_id.data, id, strlen(id));
	m.prof.local_id.len = strlen(id);
	snprintf(m.prof.local_id.text, sizeof(m.prof.local_id.text), "%s", id);
	refused(mem_auth_sa(&m), &st);
	CU_ASSERT_STRING_EQUAL(st.last_error, "gateway refused IKE_AUTH: AUTHENTICATION_FAILED; we sent IDi RFC822_ADDR 'client@example.org'; the gateway may expect another identity (local.id); or it does not trust our issuer 'O=vpnd test, CN=Hint CA'");
	mem_end(&m);
}

/* local.id that the certificate does not carry. */
static void test_foreign_id_sent(void)
{
	static const char id[] = "someone.example.org";
	struct conn_status st;

	mem_begin(&m);
	use_cert(&m.prof);
	m.prof.local_id.type = ID_FQDN;
	memcpy(m.prof.local_id.data, id, strlen(id));
	m.prof.local_id.len = strlen(id);
	refused(mem_auth_sa(&m), &st);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.last_error, "we sent IDi FQDN 'someone.example.org', which our certificate does not carry; the gateway may expect one of the certificate's other names as local.id: email 'client@example.org', DNS 'laptop.example.org'"));
	mem_end(&m);
}

/* With a PSK and send-id: our identity, the key, the IDr we asked for. */
static void test_psk_with_idr(void)
{
	struct conn_status st;

	mem_begin(&m);
	m.prof.send_idr = true;
	refused(mem_auth_sa(&m), &st);
	CU_ASSERT_STRING_EQUAL(st.last_error, "gateway refused IKE_AUTH: AUTHENTICATION_FAILED; we sent IDi FQDN 'client.test' with a pre-shared key: the gateway may know us by another identity (local.id) or key; we asked for IDr FQDN 'gw.test' (remote.send-id: false lets the gateway choose)");
	mem_end(&m);
}

/* We refuse the gateway's identity: both named, the patterns too; the
 * AUTH is not even looked at. */
static void test_gateway_id_refused(void)
{
	static const uint8_t junk[32] = { 1 };
	struct conn_status st;
	struct ike_sa *sa;

	mem_begin(&m);
	snprintf(m.prof.remote_id_patterns[0].text,
		 sizeof(m.prof.remote_id_patterns[0].text), "*.gw.test");
	m.prof.n_remote_id_patterns = 1;
	sa = mem_auth_sa(&m);
	id_build(mem_chain(&m), PL_IDR, ID_FQDN,
		 (const uint8_t *)"vpn.example.net", 15);
	auth_build(&m.chain, AUTH_PSK, junk, sizeof(junk));
	CU_ASSERT_EQUAL(sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH,
						       1, true)),
			TASK_FAILED);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.change.reason, REASON_AUTH_FAILED);
	CU_ASSERT_STRING_EQUAL(st.last_error, "gateway authentication failed: gateway presented IDr FQDN 'vpn.example.net', the profile wants FQDN 'gw.test' or id-patterns '*.gw.test'");
	mem_end(&m);
}

/* The gateway's certificate lacks the IDr it sent: its names shown. */
static void test_gateway_cert_lacks_id(void)
{
	struct verr e = { { 0 } };
	struct ike_sa *sa;

	mem_begin(&m);
	sa = mem_auth_sa(&m);
	sa->peer_id_type = ID_FQDN;
	chunk_set(&sa->peer_id, "gw.example.org", 14);
	hint_cert_lacks_id(sa, cl, &e);
	CU_ASSERT_STRING_EQUAL(e.msg, "gateway's certificate 'O=vpnd test, CN=client' does not carry its IDr FQDN 'gw.example.org' (it has email 'client@example.org', DNS 'laptop.example.org')");
	mem_end(&m);
}

static void spki_sha1(X509 *c, uint8_t out[20])
{
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c), &der);

	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_FATAL(EVP_Digest(der, (size_t)len, out, &n, EVP_sha1(),
				   NULL) == 1 && n == 20);
	OPENSSL_free(der);
}

/* RFC 7296 3.7: the CERTREQ names every CA of the bundle, in order. */
static void test_certreq_bundle(void)
{
	const struct ike_msg *req;
	const struct ike_payload *p;
	struct cert_payload cr;
	struct verr e = { { 0 } };
	uint8_t want[40];

	mem_begin(&m);
	m.prof.remote_auth = PAUTH_CERT;
	snprintf(m.prof.ca_file, sizeof(m.prof.ca_file), "%s", ca_path);
	mem_auth_sa(&m);
	req = mem_open(&m, m.conn->sa, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	p = payload_find(req->pl, PL_CERTREQ);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(cert_parse(p->body, p->len, &cr, &e), 0);
	CU_ASSERT_EQUAL(cr.encoding, CERT_X509_SIG);
	spki_sha1(other, want);
	spki_sha1(ca, want + 20);
	CU_ASSERT_EQUAL_FATAL(cr.len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(cr.data, want, sizeof(want)), 0);
	mem_end(&m);
}

void register_auth_hint_tests(void)
{
	CU_pSuite s = CU_add_suite("IKE_AUTH identity hints", hint_setup,
				   hint_teardown);

	CU_add_test(s, "AUTHENTICATION_FAILED: our DN sent", test_dn_sent);
	CU_add_test(s, "AUTHENTICATION_FAILED: a SAN of ours sent",
		    test_san_sent);
	CU_add_test(s, "AUTHENTICATION_FAILED: an id not in our certificate",
		    test_foreign_id_sent);
	CU_add_test(s, "AUTHENTICATION_FAILED: PSK, IDr asked for",
		    test_psk_with_idr);
	CU_add_test(s, "the gateway's identity refused",
		    test_gateway_id_refused);
	CU_add_test(s, "the gateway's certificate lacks its identity",
		    test_gateway_cert_lacks_id);
	CU_add_test(s, "CERTREQ names every CA of a bundle",
		    test_certreq_bundle);
}
