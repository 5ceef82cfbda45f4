/* PSK connections with each supported algorithm family: both ends must
 * agree on what was negotiated, and the status must show it. */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "status.h"

struct alg_case {
	const char *ike, *esp;
	uint16_t encr, keylen, integ, prf, dh;
	uint16_t esp_encr, esp_keylen, esp_integ;
};

static const struct alg_case cases[] = {
	{ "aes128gcm16-prfsha256-ecp256", "aes128gcm16",
	  ENCR_AES_GCM_16, 128, INTEG_NONE, PRF_HMAC_SHA2_256, DH_ECP256,
	  ENCR_AES_GCM_16, 128, INTEG_NONE },
	{ "aes256-sha384-ecp384", "aes256-sha256",
	  ENCR_AES_CBC, 256, INTEG_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384,
	  DH_ECP384, ENCR_AES_CBC, 256, INTEG_HMAC_SHA2_256_128 },
	{ "chacha20poly1305-prfsha256-x25519", "chacha20poly1305",
	  ENCR_CHACHA20_POLY1305, 0, INTEG_NONE, PRF_HMAC_SHA2_256,
	  DH_CURVE25519, ENCR_CHACHA20_POLY1305, 0, INTEG_NONE },
	{ "aes256gcm16-prfsha512-modp2048", "aes256gcm16",
	  ENCR_AES_GCM_16, 256, INTEG_NONE, PRF_HMAC_SHA2_512, DH_MODP2048,
	  ENCR_AES_GCM_16, 256, INTEG_NONE },
	{ "aes128-sha256-modp2048", "aes128-sha1",
	  ENCR_AES_CBC, 128, INTEG_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256,
	  DH_MODP2048, ENCR_AES_CBC, 128, INTEG_HMAC_SHA1_96 },
};

/* The client's view, in the notation of its status text, built from the
 * responder's record of what it chose. */
static void expected_ike(const struct responder_stats *st, char *out,
			 size_t len)
{
	char encr[64];

	if (st->encr_keylen)
		snprintf(encr, sizeof(encr), "%s-%u", encr_name(st->encr),
			 st->encr_keylen);
	else
		snprintf(encr, sizeof(encr), "%s", encr_name(st->encr));
	if (st->integ)
		snprintf(out, len, "%s/%s/%s/%s", encr, integ_name(st->integ),
			 prf_name(st->prf), dh_name(st->dh));
	else
		snprintf(out, len, "%s/%s/%s", encr, prf_name(st->prf),
			 dh_name(st->dh));
}

static void expected_esp(const struct responder_stats *st, char *out,
			 size_t len)
{
	char encr[64];

	if (st->esp_encr_keylen)
		snprintf(encr, sizeof(encr), "%s-%u", encr_name(st->esp_encr),
			 st->esp_encr_keylen);
	else
		snprintf(encr, sizeof(encr), "%s", encr_name(st->esp_encr));
	if (st->esp_integ)
		snprintf(out, len, "%s/%s/%s", encr,
			 integ_name(st->esp_integ),
			 st->esp_esn ? "ESN" : "NO_ESN");
	else
		snprintf(out, len, "%s/%s", encr,
			 st->esp_esn ? "ESN" : "NO_ESN");
}

static void check_case(const struct alg_case *k)
{
	struct responder_cfg cfg;
	static struct run r;
	const struct responder_stats *st;
	const struct conn_status *cs;
	const char *status;
	char want[160];

	memset(&r, 0, sizeof(r));
	responder_cfg_defaults(&cfg);
	r.resp = start_responder(&cfg);
	make_profile(&r.prof, cfg.port, k->ike, k->esp);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->encr, k->encr);
	CU_ASSERT_EQUAL(st->encr_keylen, k->keylen);
	CU_ASSERT_EQUAL(st->integ, k->integ);
	CU_ASSERT_EQUAL(st->prf, k->prf);
	CU_ASSERT_EQUAL(st->dh, k->dh);
	CU_ASSERT_EQUAL(st->ke_group, k->dh);
	CU_ASSERT_TRUE(st->child_up);
	CU_ASSERT_EQUAL(st->esp_encr, k->esp_encr);
	CU_ASSERT_EQUAL(st->esp_encr_keylen, k->esp_keylen);
	CU_ASSERT_EQUAL(st->esp_integ, k->esp_integ);
	CU_ASSERT_EQUAL(st->auth_ok, 1);
	CU_ASSERT_EQUAL(st->requests[0], 1);
	CU_ASSERT_EQUAL(st->requests[1], 1);
	CU_ASSERT_EQUAL(st->retransmits, 0);
	CU_ASSERT_EQUAL(st->last_idi_type, ID_FQDN);
	CU_ASSERT_STRING_EQUAL(st->last_idi, "client.test");
	CU_ASSERT_TRUE(st->cp_requested);
	/* the last request seen is IKE_AUTH: IDi first inside SK */
	CU_ASSERT_EQUAL_FATAL(st->last_req_len > IKE_HDR_LEN, true);
	CU_ASSERT_EQUAL(st->last_req[16], PL_SK);
	CU_ASSERT_EQUAL(st->last_req[18], EXCH_IKE_AUTH);
	CU_ASSERT_EQUAL(st->last_req[19], IKE_FLAG_I);
	CU_ASSERT_EQUAL(st->last_inner_first, PL_IDI);
	CU_ASSERT(st->last_inner_len > 0);
	CU_ASSERT_TRUE(st->redirect_supported);
	CU_ASSERT_FALSE(st->nat_detected);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);

	/* the algorithms in strongSwan's notation, also in the event the
	 * user reads */
	expected_ike(st, want, sizeof(want));
	cs = status_of(r.conn);
	CU_ASSERT_STRING_EQUAL(cs->ike.algs, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, want));
	CU_ASSERT_EQUAL(cs->ike.encr, st->encr);
	CU_ASSERT_EQUAL(cs->ike.prf, st->prf);
	CU_ASSERT_EQUAL(cs->ike.dh, st->dh);
	CU_ASSERT_EQUAL(cs->state, CONN_ESTABLISHED);
	CU_ASSERT_STRING_EQUAL(cs->ike.remote_id, "gw.test");
	CU_ASSERT_STRING_EQUAL(status_vip4(cs), "198.51.100.2");
	CU_ASSERT_EQUAL(cs->vip.ip4_prefix, 32);
	expected_esp(st, want, sizeof(want));
	CU_ASSERT_STRING_EQUAL(cs->child.algs, want);
	CU_ASSERT_TRUE(cs->child.up);
	CU_ASSERT_EQUAL(st->esp_esn, ESN_NO);
	/* lists that are text only: DNS servers, selectors */
	status = run_status(&r);
	CU_ASSERT_PTR_NOT_NULL(strstr(status, "DNS: 198.51.100.53"));
	/* TSi narrowed to the virtual IP by the responder */
	CU_ASSERT_PTR_NOT_NULL(strstr(status, "local  198.51.100.2-198.51.100.2"));
	run_cleanup(&r);
}

static void test_aes_gcm_ecp256(void)
{
	check_case(&cases[0]);
}

static void test_aes_cbc_sha2_ecp384(void)
{
	check_case(&cases[1]);
}

static void test_chacha20_x25519(void)
{
	check_case(&cases[2]);
}

static void test_aes_gcm_modp2048(void)
{
	check_case(&cases[3]);
}

static void test_aes_cbc_sha256_modp2048(void)
{
	check_case(&cases[4]);
}

/* Two proposals: the responder takes the first, and the client must
 * accept proposal #1 with its own numbering. */
static void test_first_proposal_wins(void)
{
	struct responder_cfg cfg;
	static struct run r;
	struct verr e = { { 0 } };
	const struct responder_stats *st;

	memset(&r, 0, sizeof(r));
	responder_cfg_defaults(&cfg);
	r.resp = start_responder(&cfg);
	make_profile(&r.prof, cfg.port, "aes256gcm16-prfsha384-ecp384",
		     "aes256gcm16");
	CU_ASSERT_EQUAL_FATAL(alg_set_parse("aes128-sha256-ecp256", false,
					    &r.prof.ike[1], &e), 0);
	r.prof.n_ike = 2;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->encr, ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(st->dh, DH_ECP384);
	run_cleanup(&r);
}

/* Forced encapsulation: IKE_AUTH goes with the non-ESP marker and the
 * responder sees a NAT in the source hash. */
static void test_forced_natt(void)
{
	struct responder_cfg cfg;
	static struct run r;
	const struct responder_stats *st;

	memset(&r, 0, sizeof(r));
	responder_cfg_defaults(&cfg);
	r.resp = start_responder(&cfg);
	make_profile(&r.prof, cfg.port, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	r.prof.force_encap = true;
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_TRUE(st->nat_detected);
	CU_ASSERT_EQUAL(st->natt_datagrams, 1); /* IKE_AUTH only */
	CU_ASSERT_EQUAL(st->auth_ok, 1);
	CU_ASSERT_TRUE(status_of(r.conn)->ike.natt);
	CU_ASSERT_FALSE(status_of(r.conn)->ike.nat_detected);
	run_cleanup(&r);
}

void register_connect_tests(void)
{
	CU_pSuite s = CU_add_suite("connect", NULL, NULL);

	CU_add_test(s, "PSK AES-GCM-128 ECP-256", test_aes_gcm_ecp256);
	CU_add_test(s, "PSK AES-CBC-256 SHA-384 ECP-384",
		    test_aes_cbc_sha2_ecp384);
	CU_add_test(s, "PSK ChaCha20-Poly1305 X25519", test_chacha20_x25519);
	CU_add_test(s, "PSK AES-GCM-256 MODP-2048", test_aes_gcm_modp2048);
	CU_add_test(s, "PSK AES-CBC-128 SHA-256 MODP-2048",
		    test_aes_cbc_sha256_modp2048);
	CU_add_test(s, "first acceptable proposal wins",
		    test_first_proposal_wins);
	CU_add_test(s, "forced UDP encapsulation", test_forced_natt);
}
