/* EAP-only authentication (RFC 5998) in memory, end to end: vpnd with
 * remote auth eap and EAP-TLS against the eap tests' TLS authenticator
 * (tests/unit/eap/authsrv.c, OpenSSL's server over memory BIOs). The
 * gateway's first IKE_AUTH response has IDr and EAP but no AUTH; its
 * proof is the TLS handshake (its certificate against remote.ca and
 * remote.id) and the final AUTH keyed with the MSK, computed here apart
 * from vpnd's code (msk.c). Also what must not connect: a wrong MSK in
 * that AUTH, no AUTH at the end, a foreign IDr, an untrusted certificate. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/pem.h>

#include "authsrv.h"
#include "harness.h"
#include "mem.h"
#include "msk.h"
#include "pki.h"
#include "vpnd/eap.h"

static struct mem m;
static char cert_path[128], key_path[128];

static int only_setup(void)
{
	FILE *f;
	int ok;

	if (pki_setup() < 0)
		return 1;
	snprintf(cert_path, sizeof(cert_path), "%s.me.pem", pki.root_file);
	snprintf(key_path, sizeof(key_path), "%s.me.key", pki.root_file);
	f = fopen(cert_path, "w");
	ok = f && PEM_write_X509(f, pki.me);
	if (f)
		fclose(f);
	f = ok ? fopen(key_path, "w") : NULL;
	ok = f && PEM_write_PrivateKey(f, pki.me_key, NULL, NULL, 0, NULL,
				       NULL);
	if (f)
		fclose(f);
	return ok ? 0 : 1;
}

static int only_teardown(void)
{
	unlink(cert_path);
	unlink(key_path);
	pki_teardown();
	return 0;
}

static void set_id(struct profile_id *id, uint8_t type, const char *s)
{
	memset(id, 0, sizeof(*id));
	id->type = type;
	id->len = strlen(s);
	memcpy(id->data, s, id->len);
	snprintf(id->text, sizeof(id->text), "%s", s);
}

/* ca: remote.ca; remote_auth eap allows EAP-only. The queued IKE_AUTH
 * request sent. */
static struct ike_sa *auth_sa(const char *ca, enum profile_auth remote_auth)
{
	struct verr e = { { 0 } };
	struct ike_sa *sa;

	m.prof.local_auth = PAUTH_EAP;
	m.prof.remote_auth = remote_auth;
	m.prof.eap_method = PEAP_TLS;
	snprintf(m.prof.eap_identity, sizeof(m.prof.eap_identity),
		 "me@example.com");
	m.prof.eap_identity_len = strlen(m.prof.eap_identity);
	set_id(&m.prof.local_id, ID_RFC822_ADDR, "me@example.com");
	set_id(&m.prof.remote_id, ID_FQDN, "vpn.example.com");
	snprintf(m.prof.cert_file, sizeof(m.prof.cert_file), "%s", cert_path);
	snprintf(m.prof.key_file, sizeof(m.prof.key_file), "%s", key_path);
	snprintf(m.prof.ca_file, sizeof(m.prof.ca_file), "%s", ca);
	sa = mem_sa(&m);
	CU_ASSERT_EQUAL_FATAL(ike_auth_queue(sa, &e), 0);
	return sa;
}

static struct ike_sa *only_sa(const char *ca)
{
	return auth_sa(ca, PAUTH_EAP);
}

static enum task_rc answer(struct ike_sa *sa, uint32_t mid)
{
	return sa_take_response(sa, mem_typed(&m, sa, EXCH_IKE_AUTH, mid,
					      true));
}

/* The EAP payload of our last request. */
static const struct ike_payload *last_eap(struct ike_sa *sa)
{
	const struct ike_msg *req = mem_open(&m, sa, m.n_sent - 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_FALSE(mem_has(req, PL_AUTH));
	return msg_payload(req, PL_EAP);
}

/* The first response: IDr (the profile's unless idr) and the Start. */
static enum task_rc first_round(struct ike_sa *sa, struct srv *srv,
				const char *idr)
{
	struct wbuf req;
	enum task_rc rc;

	wb_init(&req);
	srv_start(srv, &req);
	mem_chain(&m);
	id_build(&m.chain, PL_IDR, ID_FQDN, (const uint8_t *)idr,
		 strlen(idr));
	chain_add(&m.chain, PL_EAP, req.p, req.len);
	rc = answer(sa, 1);
	wb_free(&req);
	return rc;
}

/* EAP-TLS to its end; the Message ID of our next request, 0 if vpnd
 * stopped (or the server refused). */
static uint32_t tls_rounds(struct ike_sa *sa, struct srv *srv)
{
	uint32_t mid = 2;
	struct wbuf req;
	enum task_rc rc = TASK_MORE;

	wb_init(&req);
	while (rc == TASK_MORE && mid < 60) {
		const struct ike_payload *p = last_eap(sa);
		enum srv_rc s;

		if (!p)
			break;
		wb_reset(&req);
		s = srv_input(srv, p->body, p->len, &req);
		mem_chain(&m);
		if (s == SRV_SUCCESS) {
			uint8_t ok[4] = { EAP_CODE_SUCCESS, srv_ident(srv), 0,
					  4 };

			chain_add(&m.chain, PL_EAP, ok, sizeof(ok));
		} else if (s == SRV_REQUEST) {
			chain_add(&m.chain, PL_EAP, req.p, req.len);
		} else {
			break;
		}
		rc = answer(sa, mid);
		mid++;
		if (s == SRV_SUCCESS)
			break;
	}
	wb_free(&req);
	return rc == TASK_MORE ? mid : 0;
}

/* Our final request: AUTH alone, keyed with the MSK the server has. */
static void check_our_auth(struct ike_sa *sa, uint32_t mid,
			   const uint8_t msk[64])
{
	const struct ike_msg *req = mem_open(&m, sa, m.n_sent - 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_EQUAL(req->hdr->msg_id, mid);
	CU_ASSERT_EQUAL(req->pl->n, 1);
	mem_check_key_auth(&m, sa, req, msk, 64);
}

static void failed_with(const char *needle)
{
	struct conn_status st;

	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_FAILED);
	CU_ASSERT_EQUAL(st.change.reason, REASON_AUTH_FAILED);
	if (!strstr(m.event_msg, needle))
		fprintf(stderr, "\n  got '%s', want '%s'\n", m.event_msg,
			needle);
	CU_ASSERT_PTR_NOT_NULL(strstr(m.event_msg, needle));
}

/* Whether any request we sent (kept keys) holds an AUTH payload. */
static bool sent_any_auth(void)
{
	for (size_t i = 0; i < m.n_sent; i++) {
		const struct ike_msg *msg = mem_open_kept(&m, i);

		if (msg && msg->hdr->exchange == EXCH_IKE_AUTH &&
		    mem_has(msg, PL_AUTH))
			return true;
	}
	return false;
}

static struct srv *server(int version)
{
	struct srv_opts o = {
		.version = version, .frag = 1024, .always_len = true,
		.end = SRV_END_INDICATION,
	};
	struct srv *srv = srv_new(&o);

	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	return srv;
}

/* How the gateway's last response authenticates it. */
enum last_auth { LAST_MSK, LAST_WRONG_KEY, LAST_NONE };

static enum task_rc run_to_end(int version, enum last_auth last,
			       struct ike_sa **out)
{
	static uint8_t wrong[64] = { 1, 2, 3 };
	const struct ike_msg *first;
	struct ike_sa *sa = only_sa(pki.root_file);
	struct srv *srv = server(version);
	uint8_t msk[64];
	uint32_t mid;
	enum task_rc rc;

	*out = sa;
	first = mem_open(&m, sa, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	CU_ASSERT_PTR_NOT_NULL(msg_notify(first, N_EAP_ONLY_AUTHENTICATION));
	CU_ASSERT_FALSE(mem_has(first, PL_AUTH));
	CU_ASSERT_EQUAL_FATAL(first_round(sa, srv, "vpn.example.com"),
			      TASK_MORE);
	CU_ASSERT_TRUE(sa->eap_only);
	CU_ASSERT_FALSE(sa->gw_signed);
	mid = tls_rounds(sa, srv);
	CU_ASSERT_FATAL(mid > 3);
	CU_ASSERT_EQUAL_FATAL(msk_expected(srv_ssl(srv), true, msk), 0);
	check_our_auth(sa, mid, msk);
	mem_chain(&m);
	if (last != LAST_NONE) {
		struct chunk key = { last == LAST_MSK ? msk : wrong, 64 };

		mem_add_key_auth(&m, sa, &key);
	}
	mem_add_child_answer(&m, mem_open(&m, sa, 0));
	mem_keep(&m, sa);
	rc = answer(sa, mid);
	srv_free(srv);
	OPENSSL_cleanse(msk, sizeof(msk));
	return rc;
}

static void test_eap_only_tls(int version)
{
	struct conn_status st;
	struct ike_sa *sa;

	mem_begin(&m);
	CU_ASSERT_EQUAL(run_to_end(version, LAST_MSK, &sa), TASK_UP);
	CU_ASSERT_EQUAL(sa->state, IKE_ESTABLISHED);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_TRUE(st.ike.remote_eap_only);
	mem_end(&m);
}

static void test_eap_only_tls12(void)
{
	test_eap_only_tls(TLS1_2_VERSION);
}

static void test_eap_only_tls13(void)
{
	test_eap_only_tls(TLS1_3_VERSION);
}

/* With no AUTH of its own the last AUTH is all that binds the gateway
 * to this IKE SA: a wrong one, or none, must fail. */
static void test_wrong_last_auth(void)
{
	struct ike_sa *sa;

	mem_begin(&m);
	CU_ASSERT_EQUAL(run_to_end(TLS1_3_VERSION, LAST_WRONG_KEY, &sa),
			TASK_FAILED);
	failed_with("AUTH");
	mem_end(&m);
}

static void test_no_last_auth(void)
{
	struct ike_sa *sa;

	mem_begin(&m);
	CU_ASSERT_EQUAL(run_to_end(TLS1_2_VERSION, LAST_NONE, &sa),
			TASK_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(m.event_msg, "no AUTH payload"));
	mem_end(&m);
}

/* IDr is not the profile's: refused before any EAP answer. */
static void test_foreign_idr(void)
{
	struct ike_sa *sa;
	struct srv *srv;

	mem_begin(&m);
	sa = only_sa(pki.root_file);
	srv = server(TLS1_3_VERSION);
	mem_keep(&m, sa);
	CU_ASSERT_EQUAL(first_round(sa, srv, "vpn.example.net"), TASK_FAILED);
	failed_with("vpn.example.net");
	CU_ASSERT_EQUAL(m.n_sent, 1);
	srv_free(srv);
	mem_end(&m);
}

/* remote.ca does not vouch for the gateway: EAP-TLS stops, no AUTH. */
static void test_untrusted_gateway(void)
{
	struct ike_sa *sa;
	struct srv *srv;

	mem_begin(&m);
	sa = only_sa(pki.other_file);
	srv = server(TLS1_2_VERSION);
	mem_keep(&m, sa);
	CU_ASSERT_EQUAL_FATAL(first_round(sa, srv, "vpn.example.com"),
			      TASK_MORE);
	CU_ASSERT_EQUAL(tls_rounds(sa, srv), 0);
	failed_with("certificate");
	CU_ASSERT_FALSE(sent_any_auth());
	srv_free(srv);
	mem_end(&m);
}

/* A gateway set up for EAP-only refuses a client that did not offer it
 * with a bare AUTHENTICATION_FAILED (strongSwan 5.9.8): the hint names
 * our identity and remote.auth eap. */
static void test_refused_hint(void)
{
	struct conn_status st;
	struct ike_sa *sa;

	mem_begin(&m);
	sa = auth_sa(pki.root_file, PAUTH_CERT);
	CU_ASSERT_PTR_NULL(msg_notify(mem_open(&m, sa, 0),
				      N_EAP_ONLY_AUTHENTICATION));
	mem_chain(&m);
	notify_build(&m.chain, 0, NULL, 0, N_AUTHENTICATION_FAILED, NULL, 0);
	CU_ASSERT_EQUAL(answer(sa, 1), TASK_FAILED);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.change.reason, REASON_AUTH_FAILED);
	CU_ASSERT_STRING_EQUAL(st.last_error, "gateway refused IKE_AUTH before EAP: AUTHENTICATION_FAILED; we sent IDi RFC822_ADDR 'me@example.com' for EAP-TLS: the gateway may know us by another identity (local.id), or authenticate itself by EAP only (RFC 5998), which remote.auth: eap allows");
	mem_end(&m);
}

void register_eap_only_tests(void)
{
	CU_pSuite s = CU_add_suite("EAP-only (RFC 5998)", only_setup,
				   only_teardown);

	CU_add_test(s, "EAP-TLS 1.2, no gateway AUTH until the MSK",
		    test_eap_only_tls12);
	CU_add_test(s, "EAP-TLS 1.3, no gateway AUTH until the MSK",
		    test_eap_only_tls13);
	CU_add_test(s, "a wrong MSK AUTH of the gateway", test_wrong_last_auth);
	CU_add_test(s, "no AUTH of the gateway at the end", test_no_last_auth);
	CU_add_test(s, "a foreign IDr: no EAP answer", test_foreign_idr);
	CU_add_test(s, "an untrusted gateway certificate: no AUTH",
		    test_untrusted_gateway);
	CU_add_test(s, "refused without the offer: the hint", test_refused_hint);
}
