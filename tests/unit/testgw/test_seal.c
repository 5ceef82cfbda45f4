/* Sealed tickets and domain key files, without the network. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r_internal.h"
#include "tg.h"

static bool same_ticket(const struct responder_ticket *a,
			const struct responder_ticket *b)
{
	return !memcmp(a->id, b->id, sizeof(a->id)) &&
	       a->expires == b->expires && a->gsc == b->gsc &&
	       a->prf == b->prf && a->encr == b->encr &&
	       a->encr_keylen == b->encr_keylen && a->integ == b->integ &&
	       a->sk_d_len == b->sk_d_len &&
	       !memcmp(a->sk_d, b->sk_d, a->sk_d_len) &&
	       a->idi.type == b->idi.type && a->idi.len == b->idi.len &&
	       !memcmp(a->idi.data, b->idi.data, a->idi.len) &&
	       a->idr.type == b->idr.type && a->idr.len == b->idr.len &&
	       !memcmp(a->idr.data, b->idr.data, a->idr.len) &&
	       a->has_vip4 == b->has_vip4 && !memcmp(a->vip4, b->vip4, 4);
}

static void test_round_trip(void)
{
	static struct responder_ticket t, back;
	static uint8_t s1[RESP_TICKET_MAX], s2[RESP_TICKET_MAX];
	uint8_t key[RESP_DOMAIN_KEY_LEN];
	struct verr e = { { 0 } };
	size_t n1, n2;

	random_bytes(key, sizeof(key));
	tg_ticket(&t, 7);
	t.expires = 0x123456789aULL; /* needs all 64 bits of the field */
	n1 = tg_seal(key, &t, s1);
	n2 = tg_seal(key, &t, s2);
	CU_ASSERT_EQUAL_FATAL(n1, n2);
	/* a fresh IV each time: two seals of one state differ */
	CU_ASSERT(memcmp(s1, s2, n1) != 0);
	CU_ASSERT_EQUAL_FATAL(responder_ticket_unseal(key, s1, n1, &back, &e),
			      0);
	CU_ASSERT(same_ticket(&t, &back));
	CU_ASSERT_EQUAL(back.expires, 0x123456789aULL);
	CU_ASSERT_EQUAL(back.gsc, 7);
	/* the plaintext is not visible in the sealed bytes */
	CU_ASSERT_PTR_NULL(memmem(s1, n1, "client.test", 11));
	CU_ASSERT_PTR_NULL(memmem(s1, n1, t.sk_d, t.sk_d_len));

	/* without a virtual IP, and with SHA2-512 (64-byte SK_d) */
	t.has_vip4 = false;
	memset(t.vip4, 0, 4);
	t.prf = PRF_HMAC_SHA2_512;
	t.sk_d_len = 64;
	t.encr = ENCR_AES_CBC;
	t.encr_keylen = 128;
	t.integ = INTEG_HMAC_SHA2_256_128;
	n1 = tg_seal(key, &t, s1);
	CU_ASSERT_EQUAL_FATAL(responder_ticket_unseal(key, s1, n1, &back, &e),
			      0);
	CU_ASSERT(same_ticket(&t, &back));
	responder_ticket_wipe(&t);
	responder_ticket_wipe(&back);
}

static void test_tamper_every_byte(void)
{
	static struct responder_ticket t, back;
	static uint8_t s[RESP_TICKET_MAX];
	uint8_t key[RESP_DOMAIN_KEY_LEN], other[RESP_DOMAIN_KEY_LEN];
	struct verr e = { { 0 } };
	size_t n, i, refused = 0;

	random_bytes(key, sizeof(key));
	random_bytes(other, sizeof(other));
	tg_ticket(&t, 0);
	n = tg_seal(key, &t, s);
	CU_ASSERT_FATAL(n > 28);
	for (i = 0; i < n; i++) {
		s[i] ^= 0x20;
		refused += responder_ticket_unseal(key, s, n, &back, &e) < 0;
		s[i] ^= 0x20;
	}
	CU_ASSERT_EQUAL(refused, n);
	CU_ASSERT_EQUAL(responder_ticket_unseal(key, s, n, &back, &e), 0);
	CU_ASSERT(responder_ticket_unseal(other, s, n, &back, &e) < 0);
	CU_ASSERT(responder_ticket_unseal(key, s, n - 1, &back, &e) < 0);
	CU_ASSERT(responder_ticket_unseal(key, s, 28, &back, &e) < 0);
	CU_ASSERT(responder_ticket_unseal(key, s, 0, &back, &e) < 0);
	CU_ASSERT(responder_ticket_unseal(key, s, RESP_TICKET_MAX + 1, &back,
					  &e) < 0);
	/* a failed unseal leaves nothing behind */
	CU_ASSERT_EQUAL(back.sk_d_len, 0);
	CU_ASSERT_EQUAL(back.sk_d[0] | back.sk_d[1] | back.sk_d[31], 0);
}

/* Well sealed, badly formed: the parser finds it, not the AEAD. */
static bool sealed_plain_opens(const uint8_t *key, const uint8_t *p,
			       size_t len)
{
	static struct responder_ticket back;
	struct verr e = { { 0 } };
	struct wbuf w;
	bool ok;

	wb_init(&w);
	CU_ASSERT_EQUAL_FATAL(r_ticket_seal_bytes(key, p, len, &w), 0);
	ok = responder_ticket_unseal(key, w.p, w.len, &back, &e) == 0;
	wb_free(&w);
	responder_ticket_wipe(&back);
	return ok;
}

static void test_plaintext_bounds(void)
{
	static struct responder_ticket t;
	static uint8_t p[RESP_TICKET_MAX];
	uint8_t key[RESP_DOMAIN_KEY_LEN];
	struct wbuf w;
	size_t len, i, refused = 0, idi_len_off;

	random_bytes(key, sizeof(key));
	tg_ticket(&t, 3);
	wb_init(&w);
	CU_ASSERT_EQUAL_FATAL(r_ticket_encode(&t, &w), 0);
	len = w.len;
	memcpy(p, w.p, len);
	wb_free(&w);
	CU_ASSERT_FATAL(sealed_plain_opens(key, p, len));
	for (i = 0; i < len; i++)
		refused += !sealed_plain_opens(key, p, i);
	CU_ASSERT_EQUAL(refused, len);
	p[len] = 0;
	CU_ASSERT(!sealed_plain_opens(key, p, len + 1)); /* trailing byte */

	p[0] = 2; /* unknown format */
	CU_ASSERT(!sealed_plain_opens(key, p, len));
	p[0] = 1;
	p[25] = 16; /* GSC beyond four bits */
	CU_ASSERT(!sealed_plain_opens(key, p, len));
	p[25] = 3;
	p[34] = 20; /* SK_d length not that of the PRF */
	CU_ASSERT(!sealed_plain_opens(key, p, len));
	p[34] = 32;
	idi_len_off = 35 + 32 + 1;
	CU_ASSERT_EQUAL_FATAL(p[idi_len_off + 1], t.idi.len);
	p[idi_len_off] = 0xff; /* IDi length overruns the ticket */
	CU_ASSERT(!sealed_plain_opens(key, p, len));
	p[idi_len_off] = 0;
	p[len - 5] = 0x80; /* unknown flag */
	CU_ASSERT(!sealed_plain_opens(key, p, len));
	p[len - 5] = 1;
	p[27] = 99; /* PRF nobody supports */
	CU_ASSERT(!sealed_plain_opens(key, p, len));
	p[27] = PRF_HMAC_SHA2_256;
	p[33] = INTEG_HMAC_SHA2_256_128; /* INTEG with an AEAD */
	CU_ASSERT(!sealed_plain_opens(key, p, len));
	p[33] = 0;
	CU_ASSERT(sealed_plain_opens(key, p, len)); /* all restored */
}

static int write_key(const char *path, const char *text, mode_t mode)
{
	int fd;
	ssize_t n;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	if (n != (ssize_t)strlen(text))
		return -1;
	return chmod(path, mode);
}

static void test_key_file(void)
{
	static const char hex[] = "000102030405060708090a0b0c0d0e0f"
				  "101112131415161718191A1B1C1D1E1F";
	char dir[64], path[128], link[128], text[200];
	uint8_t key[RESP_DOMAIN_KEY_LEN];
	struct verr e = { { 0 } };
	size_t i;
	bool ok = true;

	CU_ASSERT_FATAL(tg_domain(dir, sizeof(dir), NULL));
	snprintf(path, sizeof(path), "%s/domain.key", dir);
	snprintf(text, sizeof(text), "%s\n", hex);
	CU_ASSERT_EQUAL_FATAL(write_key(path, text, 0600), 0);
	CU_ASSERT_EQUAL_FATAL(responder_domain_key_load(path, key, &e), 0);
	for (i = 0; i < sizeof(key); i++)
		ok &= key[i] == i;
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(write_key(path, text, 0640), 0);
	CU_ASSERT(responder_domain_key_load(path, key, &e) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "group or others"));
	CU_ASSERT_EQUAL(write_key(path, text, 0604), 0);
	CU_ASSERT(responder_domain_key_load(path, key, &e) < 0);
	CU_ASSERT_EQUAL(write_key(path, text, 0400), 0);
	CU_ASSERT_EQUAL(responder_domain_key_load(path, key, &e), 0);
	snprintf(text, sizeof(text), "%.63s\n", hex); /* one digit short */
	CU_ASSERT_EQUAL(write_key(path, text, 0600), 0);
	CU_ASSERT(responder_domain_key_load(path, key, &e) < 0);
	snprintf(text, sizeof(text), "%s0\n", hex); /* one digit more */
	CU_ASSERT_EQUAL(write_key(path, text, 0600), 0);
	CU_ASSERT(responder_domain_key_load(path, key, &e) < 0);
	snprintf(text, sizeof(text), "%.62sxy\n", hex); /* not hex */
	CU_ASSERT_EQUAL(write_key(path, text, 0600), 0);
	CU_ASSERT(responder_domain_key_load(path, key, &e) < 0);
	snprintf(text, sizeof(text), "  %s  \n\n", hex);
	CU_ASSERT_EQUAL(write_key(path, text, 0600), 0);
	CU_ASSERT_EQUAL(responder_domain_key_load(path, key, &e), 0);
	snprintf(link, sizeof(link), "%s/link.key", dir);
	CU_ASSERT_EQUAL(symlink(path, link), 0);
	CU_ASSERT(responder_domain_key_load(link, key, &e) < 0);
	CU_ASSERT(responder_domain_key_load(dir, key, &e) < 0);
	tg_rmdir(dir);
}

void register_seal_tests(void)
{
	CU_pSuite s = CU_add_suite("sealed tickets", NULL, NULL);

	CU_add_test(s, "seal/unseal round trip", test_round_trip);
	CU_add_test(s, "any changed byte, key or length is refused",
		    test_tamper_every_byte);
	CU_add_test(s, "plaintext parser bounds", test_plaintext_bounds);
	CU_add_test(s, "domain key file", test_key_file);
}
