/* The test gateway's resumed AUTH against the resume captured with
 * libreswan 5.4 (tests/unit/kat): its own code, given the captured
 * messages and SK_pi/SK_pr, must produce both captured AUTH values in
 * the message form, accept the client's, and in the signed-octets form
 * produce neither. Nothing of vpnd's AUTH code is used here. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "hex.h"
#include "libreswan_resume.h"
#include "r_internal.h"
#include "tg.h"

#define KAT_MAX 2048

struct kat_bytes {
	uint8_t b[KAT_MAX];
	struct chunk c;
};

static void kat(const char *hex, struct kat_bytes *k)
{
	k->c.p = k->b;
	k->c.len = unhex(hex, k->b, sizeof(k->b));
}

/* A gateway SA holding what the capture gives: the two resume messages
 * and SK_pi/SK_pr. The nonces only matter to the signed-octets form. */
static struct kat_bytes req, resp, pi, pr;

static void kat_gw_sa(struct r_sa *sa)
{
	kat(KAT_LS_RESUME_REQUEST, &req);
	kat(KAT_LS_RESUME_RESPONSE, &resp);
	kat(KAT_LS_SK_PI, &pi);
	kat(KAT_LS_SK_PR, &pr);
	memset(sa, 0, sizeof(*sa));
	sa->resumed = true;
	sa->keys.prf = PRF_HMAC_SHA2_256;
	sa->keys.sk_pi = pi.c;
	sa->keys.sk_pr = pr.c;
	sa->init_req = req.c;
	sa->init_resp = resp.c;
	/* Ni and Nr sit right after the generic header of each message's
	 * first payload (Nonce, 32 bytes), as the capture shows. */
	sa->ni = (struct chunk){ req.b + IKE_HDR_LEN + 4, 32 };
	sa->nr = (struct chunk){ resp.b + IKE_HDR_LEN + 4, 32 };
}

static const uint8_t idi_body[] = { ID_FQDN, 0, 0, 0, 'c', 'l', 'i', 'e',
				    'n', 't', '.', 't', 'e', 's', 't' };
static const uint8_t idr_body[] = { ID_FQDN, 0, 0, 0, 'g', 'w', '.', 't',
				    'e', 's', 't' };

static bool same(const uint8_t *p, size_t n, const char *hex)
{
	struct kat_bytes want;

	kat(hex, &want);
	return n == want.c.len && !memcmp(p, want.b, n);
}

static void test_kat_message_form(void)
{
	uint8_t out[EVP_MAX_MD_SIZE];
	size_t n = 0;
	struct r_sa sa;

	kat_gw_sa(&sa);
	/* the headers' Next Payload (offset 16): Nonce first */
	CU_ASSERT_EQUAL_FATAL(req.b[16], PL_NONCE);
	CU_ASSERT_EQUAL_FATAL(resp.b[16], PL_NONCE);
	CU_ASSERT_EQUAL_FATAL(r_resume_auth(RESUME_AUTH_MESSAGE, sa.keys.prf,
					    &sa.keys.sk_pi, &sa.init_req,
					    &sa.nr, idi_body, sizeof(idi_body),
					    out, &n), 0);
	CU_ASSERT(same(out, n, KAT_LS_AUTH_CLIENT));
	CU_ASSERT_EQUAL_FATAL(r_resume_auth(RESUME_AUTH_MESSAGE, sa.keys.prf,
					    &sa.keys.sk_pr, &sa.init_resp,
					    &sa.ni, idr_body, sizeof(idr_body),
					    out, &n), 0);
	CU_ASSERT(same(out, n, KAT_LS_AUTH_GATEWAY));
}

static void test_kat_signed_octets_form(void)
{
	uint8_t out[EVP_MAX_MD_SIZE];
	size_t n = 0;
	struct r_sa sa;

	kat_gw_sa(&sa);
	CU_ASSERT_EQUAL_FATAL(r_resume_auth(RESUME_AUTH_SIGNED_OCTETS,
					    sa.keys.prf, &sa.keys.sk_pi,
					    &sa.init_req, &sa.nr, idi_body,
					    sizeof(idi_body), out, &n), 0);
	CU_ASSERT_EQUAL(n, 32);
	CU_ASSERT_FALSE(same(out, n, KAT_LS_AUTH_CLIENT));
	CU_ASSERT_EQUAL_FATAL(r_resume_auth(RESUME_AUTH_SIGNED_OCTETS,
					    sa.keys.prf, &sa.keys.sk_pr,
					    &sa.init_resp, &sa.ni, idr_body,
					    sizeof(idr_body), out, &n), 0);
	CU_ASSERT_FALSE(same(out, n, KAT_LS_AUTH_GATEWAY));
}

/* The checks the gateway runs on an IKE_AUTH: the captured client AUTH
 * passes in the message form only, and ours is pluto's. */
static void test_kat_gateway_checks(void)
{
	struct responder r;
	struct kat_bytes client;
	struct auth_payload auth;
	struct chunk ours = { 0 };
	struct r_sa sa;

	kat_gw_sa(&sa);
	kat(KAT_LS_AUTH_CLIENT, &client);
	auth = (struct auth_payload){ AUTH_PSK, client.b, client.c.len };
	memset(&r, 0, sizeof(r));
	r.cfg.resume_auth = RESUME_AUTH_MESSAGE;
	CU_ASSERT(r_resume_auth_ok(&r, &sa, idi_body, sizeof(idi_body),
				   &auth));
	CU_ASSERT_EQUAL_FATAL(r_resume_auth_ours(&r, &sa, idr_body,
						 sizeof(idr_body), &ours), 0);
	CU_ASSERT(same(ours.p, ours.len, KAT_LS_AUTH_GATEWAY));
	chunk_free(&ours);
	client.b[5] ^= 1;
	CU_ASSERT_FALSE(r_resume_auth_ok(&r, &sa, idi_body, sizeof(idi_body),
					 &auth));
	client.b[5] ^= 1;
	r.cfg.resume_auth = RESUME_AUTH_SIGNED_OCTETS;
	CU_ASSERT_FALSE(r_resume_auth_ok(&r, &sa, idi_body, sizeof(idi_body),
					 &auth));
}

void register_kat_tests(void)
{
	CU_pSuite s = CU_add_suite("resumed AUTH against the libreswan capture",
				   NULL, NULL);

	CU_add_test(s, "message form gives both captured AUTHs",
		    test_kat_message_form);
	CU_add_test(s, "signed-octets form gives neither",
		    test_kat_signed_octets_form);
	CU_add_test(s, "the gateway's checks on the capture",
		    test_kat_gateway_checks);
}
