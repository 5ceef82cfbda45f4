/* IKE_SESSION_RESUME against in-process gateways of one secure domain:
 * tickets from a full handshake, resumption on another instance, every
 * refusal reason, GSC rules of both wire modes, and the IKE_AUTH that
 * follows a resume. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tg.h"

static char dir[64];
static uint8_t key[RESP_DOMAIN_KEY_LEN];
static struct tg_gw *a, *b, *c;
static struct tg_sa sa, rsa;
static struct tg_auth_result ar;
static struct tg_resume_result rr;
static struct responder_ticket t, back;
static uint8_t ticket[RESP_TICKET_MAX];
static size_t tlen;

static void setup(void)
{
	memset(&sa, 0, sizeof(sa));
	memset(&rsa, 0, sizeof(rsa));
	a = b = c = NULL;
	CU_ASSERT_FATAL(tg_domain(dir, sizeof(dir), key));
}

static void teardown(void)
{
	tg_gw_stop(a);
	tg_gw_stop(b);
	tg_gw_stop(c);
	a = b = c = NULL;
	tg_sa_free(&sa);
	tg_sa_free(&rsa);
	responder_ticket_wipe(&t);
	responder_ticket_wipe(&back);
	tg_rmdir(dir);
}

static struct tg_gw *gw(int mode, const uint8_t *k, const char *d)
{
	struct responder_cfg cfg;

	tg_cfg(&cfg, k, d);
	cfg.resume_mode = mode;
	return tg_gw_start(&cfg);
}

/* A NACK as the protocol has it: SPIr 0, same exchange and Message ID,
 * one TICKET_NACK; and the gateway tells why. */
static void assert_nack(const struct tg_gw *g, uint32_t mid,
			const char *reason)
{
	char line[128];

	CU_ASSERT_FATAL(rr.answered);
	CU_ASSERT_EQUAL(rr.hdr.exchange, EXCH_IKE_SESSION_RESUME);
	CU_ASSERT_EQUAL(rr.hdr.flags, IKE_FLAG_R);
	CU_ASSERT_EQUAL(rr.hdr.msg_id, mid);
	CU_ASSERT(!memcmp(rr.hdr.spi_r, "\0\0\0\0\0\0\0\0", 8));
	CU_ASSERT(!memcmp(rr.hdr.spi_i, rsa.spi_i, 8));
	CU_ASSERT_EQUAL(rr.notify, N_TICKET_NACK);
	CU_ASSERT_EQUAL(rr.ndata_len, 0);
	CU_ASSERT_EQUAL(rr.n_payloads, 1);
	CU_ASSERT(!rr.has_nonce);
	CU_ASSERT_STRING_EQUAL(tg_st(g)->resume_refusal, reason);
	snprintf(line, sizeof(line), "event=resume_refused reason=%s mid=0x%08x",
		 reason, mid);
	CU_ASSERT(tg_gw_saw(g, line));
}

/* Success: a responder SPI, a nonce, the request's Message ID. */
static void assert_resumed(uint32_t mid)
{
	CU_ASSERT_FATAL(rr.answered);
	CU_ASSERT_EQUAL(rr.hdr.exchange, EXCH_IKE_SESSION_RESUME);
	CU_ASSERT_EQUAL(rr.hdr.flags, IKE_FLAG_R);
	CU_ASSERT_EQUAL(rr.hdr.msg_id, mid);
	CU_ASSERT(memcmp(rr.hdr.spi_r, "\0\0\0\0\0\0\0\0", 8) != 0);
	CU_ASSERT(!memcmp(rr.hdr.spi_i, rsa.spi_i, 8));
	CU_ASSERT(rr.has_nonce);
	CU_ASSERT_EQUAL(rr.notify, 0);
}

static bool resume(struct tg_gw *g, uint32_t mid,
		   const struct responder_ticket *state)
{
	tg_sa_free(&rsa);
	return tg_resume(g->port, ticket, tlen, mid, state, &rsa, &rr);
}

static void seal_ticket(uint8_t gsc)
{
	tg_ticket(&t, gsc);
	tlen = tg_seal(key, &t, ticket);
}

/* The resumed IKE_AUTH: MAC with the test's own keys, new ticket. */
static void resumed_auth(struct tg_gw *g, bool want_ticket)
{
	struct tg_auth_opts o;

	tg_auth_opts(&o);
	o.resumed = true;
	o.ticket_request = want_ticket;
	o.resumption_flags = RESUME_FLAG_CLIENT_STORAGE;
	CU_ASSERT_FATAL(tg_auth(g->port, &rsa, &o, &ar));
}

static void test_full_issues_sealed_ticket(void)
{
	struct responder_cfg cfg;
	struct verr e = { { 0 } };
	uint64_t now = (uint64_t)time(NULL);

	tg_cfg(&cfg, key, dir);
	cfg.id_len = 9;
	memcpy(cfg.id, "gw-a.test", 9);
	memcpy(cfg.vip4, (const uint8_t[]){ 10, 9, 1, 5 }, 4);
	a = tg_gw_start(&cfg);
	CU_ASSERT_FATAL(tg_full(a->port, &sa, &ar));
	CU_ASSERT(ar.gw_auth_ok);
	CU_ASSERT(ar.child);
	CU_ASSERT_FATAL(ar.has_ticket);
	CU_ASSERT_EQUAL(ar.lifetime, 600);
	CU_ASSERT_EQUAL(tg_st(a)->tickets_issued, 1);
	CU_ASSERT_EQUAL(tg_st(a)->last_ticket_len, ar.ticket_len);
	CU_ASSERT(!memcmp(tg_st(a)->last_ticket_full, ar.ticket,
			  ar.ticket_len));
	CU_ASSERT_EQUAL_FATAL(responder_ticket_unseal(key, ar.ticket,
						      ar.ticket_len, &back,
						      &e), 0);
	/* what the test derived on its own side is what the ticket holds */
	CU_ASSERT_EQUAL(back.sk_d_len, sa.keys.sk_d.len);
	CU_ASSERT(!memcmp(back.sk_d, sa.keys.sk_d.p, back.sk_d_len));
	CU_ASSERT_EQUAL(back.prf, PRF_HMAC_SHA2_256);
	CU_ASSERT_EQUAL(back.encr, ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(back.encr_keylen, 256);
	CU_ASSERT_EQUAL(back.integ, INTEG_NONE);
	CU_ASSERT_EQUAL(back.gsc, 0);
	CU_ASSERT_EQUAL(back.idi.type, ID_FQDN);
	CU_ASSERT_EQUAL(back.idi.len, 11);
	CU_ASSERT(!memcmp(back.idi.data, "client.test", 11));
	CU_ASSERT_EQUAL(back.idr.len, 9);
	CU_ASSERT(!memcmp(back.idr.data, "gw-a.test", 9));
	CU_ASSERT(back.has_vip4);
	CU_ASSERT(!memcmp(back.vip4, (const uint8_t[]){ 10, 9, 1, 5 }, 4));
	CU_ASSERT(back.expires >= now + 600 && back.expires <= now + 602);
	CU_ASSERT(tg_gw_saw(a, "event=ticket_issued gsc=0 lifetime=600"));
	CU_ASSERT(tg_gw_saw(a, "event=ike_auth_ok method=psk resumed=0"));
	CU_ASSERT(tg_gw_saw(a, "event=ike_sa_init from=127.0.0.1"));
	CU_ASSERT_EQUAL(tg_st(a)->init_sas, 1);
}

/* The whole flow: full handshake on A, resume on B of the same domain
 * (A's virtual IP, not B's), resumed IKE_AUTH, and B's new ticket. */
static void test_resume_on_other_instance(void)
{
	struct responder_cfg cfg;
	struct verr e = { { 0 } };

	tg_cfg(&cfg, key, dir);
	memcpy(cfg.vip4, (const uint8_t[]){ 10, 9, 1, 5 }, 4);
	a = tg_gw_start(&cfg);
	memcpy(cfg.vip4, (const uint8_t[]){ 10, 9, 2, 9 }, 4);
	b = tg_gw_start(&cfg);
	CU_ASSERT_FATAL(tg_full(a->port, &sa, &ar) && ar.has_ticket);
	memcpy(ticket, ar.ticket, ar.ticket_len);
	tlen = ar.ticket_len;
	/* the state the client keeps: SK_d and algorithms it derived */
	memset(&t, 0, sizeof(t));
	t.prf = sa.keys.prf;
	t.encr = sa.keys.encr;
	t.encr_keylen = sa.keys.encr_keylen;
	t.integ = sa.keys.integ;
	t.sk_d_len = sa.keys.sk_d.len;
	memcpy(t.sk_d, sa.keys.sk_d.p, t.sk_d_len);

	CU_ASSERT_FATAL(resume(b, 0, &t));
	assert_resumed(0);
	CU_ASSERT_EQUAL(tg_st(b)->resumes_ok, 1);
	CU_ASSERT_EQUAL(tg_st(b)->init_sas, 0);
	CU_ASSERT_EQUAL(tg_st(b)->resumed_gsc, 1);
	CU_ASSERT(tg_gw_saw(b, "event=resume_ok gsc=1 mid=0x00000000"));

	resumed_auth(b, true);
	CU_ASSERT(ar.answered);
	CU_ASSERT_EQUAL(ar.error, 0);
	CU_ASSERT(ar.gw_auth_ok);
	CU_ASSERT_EQUAL(ar.gw_auth_method, AUTH_PSK);
	CU_ASSERT(ar.child);
	CU_ASSERT(ar.has_vip);
	CU_ASSERT(!memcmp(ar.vip, (const uint8_t[]){ 10, 9, 1, 5 }, 4));
	CU_ASSERT_EQUAL(tg_st(b)->resumed_auth_ok, 1);
	CU_ASSERT(tg_gw_saw(b, "event=ike_auth_ok method=psk resumed=1 gsc=1"));
	CU_ASSERT_FATAL(ar.has_ticket);
	CU_ASSERT_EQUAL_FATAL(responder_ticket_unseal(key, ar.ticket,
						      ar.ticket_len, &back,
						      &e), 0);
	CU_ASSERT_EQUAL(back.gsc, 1);
	CU_ASSERT(!memcmp(back.sk_d, rsa.keys.sk_d.p, back.sk_d_len));
	CU_ASSERT(!memcmp(back.idi.data, "client.test", 11));
	CU_ASSERT(!memcmp(back.vip4, (const uint8_t[]){ 10, 9, 1, 5 }, 4));
	CU_ASSERT(tg_gw_saw(b, "event=ticket_issued gsc=1"));
}

static void test_alt_gw_list(void)
{
	struct responder_cfg cfg;
	struct tg_auth_opts o;
	char s[64];

	tg_cfg(&cfg, key, dir);
	cfg.n_backups = 2;
	responder_gw_ident(&cfg.backups[0], "192.0.2.10");
	responder_gw_ident(&cfg.backups[1], "gw-b.example");
	a = tg_gw_start(&cfg);
	CU_ASSERT_FATAL(tg_full(a->port, &sa, &ar));
	CU_ASSERT_FATAL(ar.has_alt);
	CU_ASSERT_EQUAL_FATAL(ar.n_alt, 2);
	CU_ASSERT_STRING_EQUAL(gw_ident_str(&ar.alt[0], s, sizeof(s)),
			       "192.0.2.10");
	CU_ASSERT_EQUAL(ar.alt[1].type, GW_FQDN);
	CU_ASSERT_STRING_EQUAL(gw_ident_str(&ar.alt[1], s, sizeof(s)),
			       "gw-b.example");
	CU_ASSERT_EQUAL(tg_st(a)->alt_lists_sent, 1);
	CU_ASSERT(tg_gw_saw(a, "event=alt_gw_list n=2"));

	/* S without L: a ticket, no list */
	tg_sa_free(&sa);
	tg_auth_opts(&o);
	o.ticket_request = true;
	o.resumption_flags = RESUME_FLAG_CLIENT_STORAGE;
	CU_ASSERT_FATAL(tg_init(a->port, &sa) && tg_auth(a->port, &sa, &o,
							 &ar));
	CU_ASSERT(ar.has_ticket);
	CU_ASSERT(!ar.has_alt);
	CU_ASSERT_EQUAL(tg_st(a)->resumption_flags,
			RESUME_FLAG_CLIENT_STORAGE);

	/* no Vendor ID from the initiator: L is not believed */
	tg_sa_free(&sa);
	sa.no_vendor_id = true;
	CU_ASSERT_FATAL(tg_full(a->port, &sa, &ar));
	CU_ASSERT(sa.gw_vendor_id);
	CU_ASSERT(ar.has_ticket);
	CU_ASSERT(!ar.has_alt);
	CU_ASSERT_FALSE(tg_st(a)->vendor_id_seen);
	CU_ASSERT_EQUAL(tg_st(a)->alt_lists_sent, 1);

	/* L asked of a gateway without backups: nothing */
	tg_cfg(&cfg, key, dir);
	b = tg_gw_start(&cfg);
	tg_sa_free(&sa);
	CU_ASSERT_FATAL(tg_full(b->port, &sa, &ar));
	CU_ASSERT(ar.has_ticket);
	CU_ASSERT(!ar.has_alt);
	CU_ASSERT_EQUAL(tg_st(b)->alt_lists_sent, 0);
}

/* A gateway that does not show vpnd's Vendor ID sends no private
 * notify, unless told to send one regardless (for the initiator's tests). */
static void test_vendor_id(void)
{
	struct responder_cfg cfg;

	tg_cfg(&cfg, key, dir);
	cfg.n_backups = 1;
	responder_gw_ident(&cfg.backups[0], "192.0.2.10");
	cfg.no_vendor_id = true;
	a = tg_gw_start(&cfg);
	CU_ASSERT_FATAL(tg_full(a->port, &sa, &ar));
	CU_ASSERT_FALSE(sa.gw_vendor_id);
	CU_ASSERT(tg_st(a)->vendor_id_seen);
	CU_ASSERT(ar.has_ticket);
	CU_ASSERT(!ar.has_alt);
	CU_ASSERT_EQUAL(tg_st(a)->alt_lists_sent, 0);

	tg_cfg(&cfg, key, dir);
	cfg.n_backups = 1;
	responder_gw_ident(&cfg.backups[0], "192.0.2.10");
	cfg.no_vendor_id = true;
	cfg.private_anyway = true;
	b = tg_gw_start(&cfg);
	tg_sa_free(&sa);
	CU_ASSERT_FATAL(tg_full(b->port, &sa, &ar));
	CU_ASSERT_FALSE(sa.gw_vendor_id);
	CU_ASSERT(ar.has_alt);
}

static void test_tampered(void)
{
	uint8_t other[RESP_DOMAIN_KEY_LEN];

	a = gw(R_RESUME_RFC5723, key, dir);
	seal_ticket(0);
	ticket[tlen / 2] ^= 0x01;
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "tampered");
	ticket[tlen / 2] ^= 0x01;

	/* a gateway of another domain cannot open it */
	random_bytes(other, sizeof(other));
	b = gw(R_RESUME_RFC5723, other, dir);
	CU_ASSERT(!resume(b, 0, NULL));
	assert_nack(b, 0, "tampered");
	/* ... nor one without a key */
	c = gw(R_RESUME_RFC5723, NULL, dir);
	CU_ASSERT(!resume(c, 0, NULL));
	assert_nack(c, 0, "tampered");
	/* the untouched ticket still works where it belongs */
	CU_ASSERT(resume(a, 0, &t));
	assert_resumed(0);
	CU_ASSERT_EQUAL(tg_st(a)->resumes_refused, 1);
	CU_ASSERT_EQUAL(tg_st(a)->resumes_ok, 1);
}

static void test_expired(void)
{
	a = gw(R_RESUME_RFC5723, key, dir);
	tg_ticket(&t, 0);
	t.expires = (uint64_t)time(NULL) - 1;
	tlen = tg_seal(key, &t, ticket);
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "expired");
	t.expires = (uint64_t)time(NULL) + 5;
	tlen = tg_seal(key, &t, ticket);
	CU_ASSERT(resume(a, 0, &t));
	assert_resumed(0);
}

static bool file_has(const char *path, const char *needle)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void test_replayed(void)
{
	char other_dir[64], path[128], idhex[40];
	size_t i;

	a = gw(R_RESUME_RFC5723, key, dir);
	b = gw(R_RESUME_RFC5723, key, dir);
	seal_ticket(0);
	CU_ASSERT(resume(a, 0, &t));
	assert_resumed(0);
	/* the same gateway, a new request (new SPIi and nonce) */
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "replayed");
	/* another gateway of the domain knows too */
	CU_ASSERT(!resume(b, 0, NULL));
	assert_nack(b, 0, "replayed");
	snprintf(path, sizeof(path), "%s/used-tickets", dir);
	for (i = 0; i < sizeof(t.id); i++)
		snprintf(idhex + 2 * i, 3, "%02x", t.id[i]);
	CU_ASSERT(file_has(path, idhex));

	/* control: what makes B refuse is the shared file, nothing else */
	CU_ASSERT_FATAL(tg_domain(other_dir, sizeof(other_dir), NULL));
	c = gw(R_RESUME_RFC5723, key, other_dir);
	CU_ASSERT(resume(c, 0, &t));
	assert_resumed(0);
	tg_rmdir(other_dir);
}

static void test_replay_without_dir(void)
{
	a = gw(R_RESUME_RFC5723, key, NULL);
	b = gw(R_RESUME_RFC5723, key, NULL);
	seal_ticket(0);
	CU_ASSERT(resume(a, 0, &t));
	assert_resumed(0);
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "replayed");
	/* no shared file: B cannot know (that is what the dir is for) */
	CU_ASSERT(resume(b, 0, &t));
	assert_resumed(0);
}

static void test_retransmit(void)
{
	static uint8_t again[IKE_MAX_MSG];
	size_t alen;

	a = gw(R_RESUME_RFC5723, key, dir);
	seal_ticket(0);
	CU_ASSERT_FATAL(resume(a, 0, &t));
	assert_resumed(0);
	CU_ASSERT_FATAL(tg_resend(a->port, &rsa, again, &alen));
	CU_ASSERT_EQUAL(alen, rsa.msg2.len);
	CU_ASSERT(!memcmp(again, rsa.msg2.p, alen));
	CU_ASSERT_EQUAL(tg_st(a)->resumes_ok, 1);
	CU_ASSERT_EQUAL(tg_st(a)->resumes_refused, 0);
	CU_ASSERT_EQUAL(tg_st(a)->retransmits, 1);
	/* and the SA still takes its IKE_AUTH */
	resumed_auth(a, false);
	CU_ASSERT(ar.gw_auth_ok);
	CU_ASSERT(!ar.has_ticket);
}

static void test_draft_gsc(void)
{
	struct verr e = { { 0 } };

	a = gw(R_RESUME_DRAFT_GSC, key, dir);
	seal_ticket(2);
	CU_ASSERT(!resume(a, 2u << GSC_SHIFT, NULL));
	assert_nack(a, 2u << GSC_SHIFT, "gsc");
	CU_ASSERT_EQUAL(tg_st(a)->last_resume_mid, 2u << GSC_SHIFT);
	CU_ASSERT_EQUAL(tg_st(a)->last_resume_gsc, 2);
	CU_ASSERT(!resume(a, 1u << GSC_SHIFT, NULL));
	assert_nack(a, 1u << GSC_SHIFT, "gsc");
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "gsc");
	/* S-Message-ID must be 0 */
	CU_ASSERT(!resume(a, 3u << GSC_SHIFT | 1, NULL));
	assert_nack(a, 3u << GSC_SHIFT | 1, "gsc");
	CU_ASSERT(resume(a, 3u << GSC_SHIFT, &t));
	assert_resumed(3u << GSC_SHIFT);
	CU_ASSERT_EQUAL(tg_st(a)->resumed_gsc, 3);
	CU_ASSERT(tg_gw_saw(a, "event=resume_ok gsc=3 mid=0x30000000"));
	/* IKE_AUTH at Message ID 1; the new ticket carries GSC 3 */
	resumed_auth(a, true);
	CU_ASSERT(ar.gw_auth_ok);
	CU_ASSERT_FATAL(ar.has_ticket);
	CU_ASSERT_EQUAL_FATAL(responder_ticket_unseal(key, ar.ticket,
						      ar.ticket_len, &back,
						      &e), 0);
	CU_ASSERT_EQUAL(back.gsc, 3);
	CU_ASSERT_EQUAL(tg_st(a)->last_ticket_gsc, 3);
}

static void test_draft_gsc_max(void)
{
	a = gw(R_RESUME_DRAFT_GSC, key, dir);
	seal_ticket(14);
	CU_ASSERT(resume(a, 15u << GSC_SHIFT, &t));
	assert_resumed(15u << GSC_SHIFT);
	seal_ticket(15); /* nothing is greater */
	CU_ASSERT(!resume(a, 15u << GSC_SHIFT, NULL));
	assert_nack(a, 15u << GSC_SHIFT, "gsc");
}

static void test_rfc_mode_mid(void)
{
	a = gw(R_RESUME_RFC5723, key, dir);
	seal_ticket(0);
	CU_ASSERT(!resume(a, 1, NULL));
	assert_nack(a, 1, "gsc");
	CU_ASSERT(!resume(a, 1u << GSC_SHIFT, NULL));
	assert_nack(a, 1u << GSC_SHIFT, "gsc");
	/* refusals did not use the ticket up */
	CU_ASSERT(resume(a, 0, &t));
	assert_resumed(0);
	CU_ASSERT_EQUAL(tg_st(a)->resumed_gsc, 1);
	/* a ticket at GSC 15 has no successor */
	seal_ticket(15);
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "gsc");
}

static void test_gsc_floor(void)
{
	struct responder_cfg cfg;

	tg_cfg(&cfg, key, dir);
	cfg.resume_mode = R_RESUME_DRAFT_GSC;
	cfg.gsc_floor = 5;
	a = tg_gw_start(&cfg);
	seal_ticket(0);
	CU_ASSERT(!resume(a, 5u << GSC_SHIFT, NULL));
	assert_nack(a, 5u << GSC_SHIFT, "gsc");
	CU_ASSERT(!resume(a, 1u << GSC_SHIFT, NULL));
	assert_nack(a, 1u << GSC_SHIFT, "gsc");
	CU_ASSERT(resume(a, 6u << GSC_SHIFT, &t));
	assert_resumed(6u << GSC_SHIFT);
}

static void test_nack_knob(void)
{
	struct responder_cfg cfg;

	tg_cfg(&cfg, key, dir);
	cfg.nack_resume = true;
	a = tg_gw_start(&cfg);
	b = gw(R_RESUME_RFC5723, key, dir);
	seal_ticket(0);
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "nack");
	CU_ASSERT_EQUAL(tg_st(a)->resume_requests, 1);
	/* a refused ticket is not used up */
	CU_ASSERT(resume(b, 0, &t));
	assert_resumed(0);
	/* an expired one is still refused as expired first */
	tg_ticket(&t, 0);
	t.expires = 1;
	tlen = tg_seal(key, &t, ticket);
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "expired");
}

static void test_redirect(void)
{
	struct responder_cfg cfg;
	struct gw_ident to;
	const uint8_t *nonce;
	size_t nlen;
	struct verr e = { { 0 } };
	char s[64];

	tg_cfg(&cfg, key, dir);
	responder_gw_ident(&cfg.redirect_resume_to, "198.51.100.7");
	cfg.resume_mode = R_RESUME_DRAFT_GSC;
	a = tg_gw_start(&cfg);
	b = gw(R_RESUME_DRAFT_GSC, key, dir);
	seal_ticket(0);
	CU_ASSERT(!resume(a, 1u << GSC_SHIFT, NULL));
	CU_ASSERT_FATAL(rr.answered);
	CU_ASSERT_EQUAL(rr.notify, N_REDIRECT);
	CU_ASSERT_EQUAL(rr.hdr.msg_id, 1u << GSC_SHIFT);
	CU_ASSERT_EQUAL(rr.hdr.exchange, EXCH_IKE_SESSION_RESUME);
	CU_ASSERT(!memcmp(rr.hdr.spi_r, "\0\0\0\0\0\0\0\0", 8));
	CU_ASSERT_EQUAL_FATAL(notify_redirect_parse(rr.ndata, rr.ndata_len,
						    &to, &nonce, &nlen, &e),
			      0);
	CU_ASSERT_STRING_EQUAL(gw_ident_str(&to, s, sizeof(s)),
			       "198.51.100.7");
	CU_ASSERT_EQUAL_FATAL(nlen, rsa.ni.len);
	CU_ASSERT(!memcmp(nonce, rsa.ni.p, nlen));
	CU_ASSERT_EQUAL(tg_st(a)->resume_redirects, 1);
	CU_ASSERT(tg_gw_saw(a, "event=resume_redirect to=198.51.100.7"));
	/* not used up by the redirecting gateway */
	CU_ASSERT(resume(b, 1u << GSC_SHIFT, &t));
	assert_resumed(1u << GSC_SHIFT);
}

/* HDR(38) with the given payloads, sent as is. */
static bool send_raw(struct tg_gw *g, const uint8_t spi_r[8], bool nonce,
		     bool with_ticket)
{
	static uint8_t resp[IKE_MAX_MSG];
	struct ike_hdr h = { .version = IKE_VERSION, .flags = IKE_FLAG_I,
			     .exchange = EXCH_IKE_SESSION_RESUME };
	uint8_t hdr[IKE_HDR_LEN], ni[32];
	struct wbuf body, msg;
	struct pl_chain ch;
	struct verr e = { { 0 } };
	size_t rlen;
	bool got;

	memset(&rr, 0, sizeof(rr));
	random_bytes(h.spi_i, 8);
	memcpy(rsa.spi_i, h.spi_i, 8);
	memcpy(h.spi_r, spi_r, 8);
	random_bytes(ni, sizeof(ni));
	wb_init(&body);
	wb_init(&msg);
	chain_init(&ch, &body);
	if (nonce)
		chain_add(&ch, PL_NONCE, ni, sizeof(ni));
	if (with_ticket)
		notify_build(&ch, 0, NULL, 0, N_TICKET_OPAQUE, ticket, tlen);
	notify_build(&ch, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	h.next = ch.first;
	h.length = (uint32_t)(IKE_HDR_LEN + body.len);
	ike_hdr_write(hdr, &h);
	wb_put(&msg, hdr, sizeof(hdr));
	wb_put(&msg, body.p, body.len);
	got = tg_exchange(g->port, msg.p, msg.len, resp, &rlen, 300);
	wb_free(&body);
	wb_free(&msg);
	if (got) {
		rr.answered = true;
		CU_ASSERT_EQUAL(ike_hdr_parse(resp, rlen, &rr.hdr, &e), 0);
		rr.n_payloads = 1;
		rr.notify = rlen >= IKE_HDR_LEN + 8 ?
				    get_u16(resp + IKE_HDR_LEN + 6) : 0;
	}
	return got;
}

static void test_malformed(void)
{
	static const uint8_t zero[8], some[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	a = gw(R_RESUME_RFC5723, key, dir);
	seal_ticket(0);
	CU_ASSERT(send_raw(a, zero, false, true)); /* no nonce */
	assert_nack(a, 0, "malformed");
	CU_ASSERT(send_raw(a, zero, true, false)); /* no ticket */
	assert_nack(a, 0, "malformed");
	/* with a responder SPI it is no resume request: no answer */
	CU_ASSERT(!send_raw(a, some, true, true));
	CU_ASSERT_EQUAL(tg_st(a)->resume_requests, 2);
	/* another notify besides the ticket does not matter */
	CU_ASSERT(send_raw(a, zero, true, true));
	CU_ASSERT_EQUAL(tg_st(a)->resumes_ok, 1);
	/* TICKET_OPAQUE without data */
	tlen = 0;
	CU_ASSERT(!resume(a, 0, NULL));
	assert_nack(a, 0, "tampered");
}

static void test_resumed_auth_refused(void)
{
	struct tg_auth_opts o;

	a = gw(R_RESUME_RFC5723, key, dir);
	/* IDi other than the ticket's */
	seal_ticket(0);
	CU_ASSERT_FATAL(resume(a, 0, &t));
	tg_auth_opts(&o);
	o.resumed = true;
	o.idi = "mallory.test";
	CU_ASSERT_FATAL(tg_auth(a->port, &rsa, &o, &ar));
	CU_ASSERT_EQUAL(ar.error, N_AUTHENTICATION_FAILED);
	CU_ASSERT(!ar.child);
	/* a wrong MAC */
	seal_ticket(0);
	CU_ASSERT_FATAL(resume(a, 0, &t));
	tg_auth_opts(&o);
	o.resumed = true;
	o.break_auth = true;
	CU_ASSERT_FATAL(tg_auth(a->port, &rsa, &o, &ar));
	CU_ASSERT_EQUAL(ar.error, N_AUTHENTICATION_FAILED);
	/* the PSK formula is not the resume formula */
	seal_ticket(0);
	CU_ASSERT_FATAL(resume(a, 0, &t));
	tg_auth_opts(&o);
	CU_ASSERT_FATAL(tg_auth(a->port, &rsa, &o, &ar));
	CU_ASSERT_EQUAL(ar.error, N_AUTHENTICATION_FAILED);
	CU_ASSERT_EQUAL(tg_st(a)->resumed_auth_ok, 0);
	CU_ASSERT_EQUAL(tg_st(a)->auth_failed, 3);
	CU_ASSERT(tg_gw_saw(a, "event=ike_auth_failed method=psk resumed=1"));
	/* and the right one passes */
	seal_ticket(0);
	CU_ASSERT_FATAL(resume(a, 0, &t));
	resumed_auth(a, false);
	CU_ASSERT(ar.gw_auth_ok);
	CU_ASSERT_EQUAL(ar.error, 0);
	CU_ASSERT_EQUAL(tg_st(a)->resumed_auth_ok, 1);
}

static void test_mute(void)
{
	a = gw(R_RESUME_RFC5723, key, dir);
	seal_ticket(0);
	responder_set_mute(a->r, true);
	CU_ASSERT(!resume(a, 0, NULL));
	CU_ASSERT(!rr.answered);
	CU_ASSERT(tg_gw_saw(a, "event=mute on"));
	responder_set_mute(a->r, false);
	CU_ASSERT(resume(a, 0, &t));
	assert_resumed(0);
}

/* A gateway serving a whole suite: clients that left it behind do not
 * lock out new ones once the SA table is full. */
static void test_sa_table_full(void)
{
	unsigned i, ok = 0;

	a = gw(R_RESUME_RFC5723, key, dir);
	for (i = 0; i < 40; i++) {
		tg_sa_free(&sa);
		ok += tg_full(a->port, &sa, &ar) && ar.gw_auth_ok &&
		      ar.has_ticket;
	}
	CU_ASSERT_EQUAL(ok, 40);
	CU_ASSERT_EQUAL(tg_st(a)->init_sas, 40);
	CU_ASSERT(responder_established(a->r) < 40);
	/* the newest SA is among the survivors: a resume still works */
	memset(&t, 0, sizeof(t));
	t.prf = sa.keys.prf;
	t.encr = sa.keys.encr;
	t.encr_keylen = sa.keys.encr_keylen;
	t.sk_d_len = sa.keys.sk_d.len;
	memcpy(t.sk_d, sa.keys.sk_d.p, t.sk_d_len);
	memcpy(ticket, ar.ticket, ar.ticket_len);
	tlen = ar.ticket_len;
	CU_ASSERT(resume(a, 0, &t));
	assert_resumed(0);
	resumed_auth(a, false);
	CU_ASSERT(ar.gw_auth_ok);
}

void register_resume_tests(void)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown(
		"IKE_SESSION_RESUME", NULL, NULL, setup, teardown);

	CU_add_test(s, "full handshake issues a sealed ticket",
		    test_full_issues_sealed_ticket);
	CU_add_test(s, "ticket from A resumes on B, then IKE_AUTH",
		    test_resume_on_other_instance);
	CU_add_test(s, "VPND_ALT_GW_LIST when L is set", test_alt_gw_list);
	CU_add_test(s, "private notifies only with the Vendor ID",
		    test_vendor_id);
	CU_add_test(s, "tampered / foreign ticket", test_tampered);
	CU_add_test(s, "expired ticket", test_expired);
	CU_add_test(s, "replayed in the domain", test_replayed);
	CU_add_test(s, "replay without a domain dir", test_replay_without_dir);
	CU_add_test(s, "retransmitted resume request", test_retransmit);
	CU_add_test(s, "draft-gsc Message IDs", test_draft_gsc);
	CU_add_test(s, "draft-gsc at GSC 15", test_draft_gsc_max);
	CU_add_test(s, "rfc5723 Message ID 0 only", test_rfc_mode_mid);
	CU_add_test(s, "gsc_floor", test_gsc_floor);
	CU_add_test(s, "nack_resume knob", test_nack_knob);
	CU_add_test(s, "REDIRECT of a resume", test_redirect);
	CU_add_test(s, "malformed requests", test_malformed);
	CU_add_test(s, "resumed IKE_AUTH refusals", test_resumed_auth_refused);
	CU_add_test(s, "muted gateway", test_mute);
	CU_add_test(s, "SA table full", test_sa_table_full);
}
