/* The RFC 7383 reassembly (src/ike/frag.c) on its own: fragments made
 * by frag_split with real keys, taken in every order and with every lie
 * a gateway (or a forger) can tell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "frag.h"

#define NOW 1000000u

static struct ike_keys keys;
static struct frag_asm fa;
static struct verr why;

/* Runs in the suite's set-up, where CUnit takes no assertions. */
static bool fill(struct chunk *c, size_t len, uint8_t seed)
{
	*c = (struct chunk){ 0 };
	if (!chunk_alloc(c, len))
		return false;
	for (size_t i = 0; i < len; i++)
		c->p[i] = (uint8_t)(seed + i * 11);
	return true;
}

/* AES-CBC-256 with HMAC-SHA2-256-128: the layout with padding, an IV
 * and a separate ICV, so every size edge shows. */
static int suite_init(void)
{
	keys = (struct ike_keys){ .encr = ENCR_AES_CBC, .encr_keylen = 256,
				  .integ = INTEG_HMAC_SHA2_256_128,
				  .prf = PRF_HMAC_SHA2_256 };
	return fill(&keys.sk_ei, 32, 1) && fill(&keys.sk_er, 32, 2) &&
	       fill(&keys.sk_ai, 32, 3) && fill(&keys.sk_ar, 32, 4) ? 0 : -1;
}

static int suite_clean(void)
{
	ike_keys_wipe(&keys);
	return 0;
}

static void setup(void)
{
	frag_init(&fa, NULL);
}

static void teardown(void)
{
	frag_free(&fa);
}

/* The gateway's IKE_AUTH response header (it is the responder). */
static void gw_hdr(struct ike_hdr *h, uint32_t mid)
{
	*h = (struct ike_hdr){ .version = IKE_VERSION,
			       .exchange = EXCH_IKE_AUTH,
			       .flags = IKE_FLAG_R, .msg_id = mid };
	memset(h->spi_i, 0x11, 8);
	memset(h->spi_r, 0x22, 8);
}

/* An inner chain of n bytes: IDr, then one Vendor ID filling the rest,
 * so the reassembled chain parses only when every byte is in place. */
static size_t make_inner(uint8_t *b, size_t n)
{
	struct wbuf w;
	struct pl_chain c;
	uint8_t id[8] = { 'g', 'w', '.', 'e', 'x', 'a', 'm', 'p' };
	uint8_t *vid = malloc(n);
	size_t len;

	CU_ASSERT_FATAL(vid != NULL && n > 20);
	for (size_t i = 0; i < n; i++)
		vid[i] = (uint8_t)(i * 3);
	wb_init(&w);
	chain_init(&c, &w);
	id_build(&c, PL_IDR, ID_FQDN, id, sizeof(id));
	chain_add(&c, PL_VENDOR, vid, n - 4 - 4 - sizeof(id) - 4);
	CU_ASSERT_FATAL(!w.oom && w.len == n && c.first == PL_IDR);
	memcpy(b, w.p, w.len);
	len = w.len;
	wb_free(&w);
	free(vid);
	return len;
}

struct set {
	struct wbuf *f;
	size_t n;
	uint8_t inner[8000];
	size_t ilen;
};

/* The gateway's message mid of ilen inner bytes in fragments of at most
 * msg_len bytes. */
static void make_set(struct set *s, uint32_t mid, size_t ilen,
		     size_t msg_len)
{
	struct ike_hdr h;

	gw_hdr(&h, mid);
	s->ilen = make_inner(s->inner, ilen);
	CU_ASSERT_EQUAL_FATAL(frag_split(&keys, false, &h, PL_IDR, s->inner,
					 s->ilen, msg_len, &s->f, &s->n), 0);
}

static void free_set(struct set *s)
{
	frag_out_free(s->f, s->n);
	s->f = NULL;
	s->n = 0;
}

/* Feeds one datagram the way transport.c does: header, outer chain,
 * then the reassembly with the gateway's (responder's) keys. */
static enum frag_rc feed_at(const struct wbuf *m, uint64_t now,
			    struct frag_msg *out)
{
	struct ike_hdr h;
	struct payload_list pl;
	struct verr e = { { 0 } };
	struct frag_msg dummy;

	why.msg[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(ike_hdr_parse(m->p, m->len, &h, &e), 0);
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(h.next, m->p + IKE_HDR_LEN,
						  m->len - IKE_HDR_LEN, &pl,
						  &e), 0);
	CU_ASSERT_EQUAL_FATAL(pl.n, 1);
	return frag_take(&fa, &keys, false, m->p, m->len, &h, &pl.pl[0], now,
			 out ? out : &dummy, &why);
}

static enum frag_rc feed(const struct wbuf *m, struct frag_msg *out)
{
	return feed_at(m, NOW, out);
}

static bool dropped_for(enum frag_rc rc, const char *needle)
{
	if (rc != FRAG_DROPPED || !strstr(why.msg, needle)) {
		fprintf(stderr, "rc %d, why \"%s\", wanted \"%s\"\n", rc,
			why.msg, needle);
		return false;
	}
	return true;
}

/* The reassembled message is the inner chain sent, with IDr first. */
static void expect_whole(struct frag_msg *m, const struct set *s)
{
	CU_ASSERT(chunk_eq(&m->plain, s->inner, s->ilen));
	CU_ASSERT_EQUAL(m->pl.n, 2);
	CU_ASSERT_EQUAL(m->pl.pl[0].type, PL_IDR);
	CU_ASSERT_EQUAL(m->pl.pl[1].type, PL_VENDOR);
	frag_msg_free(m);
}

static void test_split_sizes(void)
{
	struct set s;

	make_set(&s, 1, 3000, 1232);
	CU_ASSERT_EQUAL(s.n, 3);
	for (size_t i = 0; i < s.n; i++) {
		CU_ASSERT(s.f[i].len <= 1232);
		CU_ASSERT_EQUAL(get_u16(s.f[i].p + IKE_HDR_LEN + 4), i + 1);
		CU_ASSERT_EQUAL(get_u16(s.f[i].p + IKE_HDR_LEN + 6), 3);
		CU_ASSERT_EQUAL(get_u32(s.f[i].p + 20), 1);
	}
	free_set(&s);
	/* A room too small for one byte of the chain: no fragments. */
	CU_ASSERT_EQUAL(frag_split(&keys, false, &(struct ike_hdr){ 0 },
				   PL_IDR, s.inner, 10, 60, &s.f, &s.n), -1);
	CU_ASSERT_PTR_NULL(s.f);
}

static void test_in_order(void)
{
	struct set s;
	struct frag_msg m;

	make_set(&s, 1, 3000, 1232);
	CU_ASSERT_EQUAL(feed(&s.f[0], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(feed(&s.f[1], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL_FATAL(feed(&s.f[2], &m), FRAG_DONE);
	expect_whole(&m, &s);
	CU_ASSERT_FALSE(fa.active);
	free_set(&s);
}

/* The first type comes from fragment 1 wherever it arrives. */
static void test_out_of_order(void)
{
	static const size_t order[] = { 4, 2, 0, 3, 1 };
	struct set s;
	struct frag_msg m;
	enum frag_rc rc = FRAG_DROPPED;

	make_set(&s, 1, 5000, 1232);
	CU_ASSERT_EQUAL_FATAL(s.n, 5);
	for (size_t i = 0; i < 5; i++) {
		rc = feed(&s.f[order[i]], &m);
		CU_ASSERT_EQUAL(rc, i < 4 ? FRAG_KEPT : FRAG_DONE);
	}
	if (rc == FRAG_DONE)
		expect_whole(&m, &s);
	free_set(&s);
}

static void test_duplicate(void)
{
	struct set s;
	struct frag_msg m;

	make_set(&s, 1, 3000, 1232);
	CU_ASSERT_EQUAL(feed(&s.f[1], &m), FRAG_KEPT);
	CU_ASSERT(dropped_for(feed(&s.f[1], &m), "duplicate"));
	CU_ASSERT_EQUAL(fa.have, 1);
	CU_ASSERT_EQUAL(feed(&s.f[0], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL_FATAL(feed(&s.f[2], &m), FRAG_DONE);
	expect_whole(&m, &s);
	/* The whole set again (the gateway's retransmission): all of it is
	 * of a message already reassembled. */
	for (size_t i = 0; i < s.n; i++)
		CU_ASSERT(dropped_for(feed(&s.f[i], &m), "older message"));
	CU_ASSERT_FALSE(fa.active);
	free_set(&s);
}

/* A missing fragment leaves the message incomplete; after the timeout
 * the kept ones are gone and the next retransmission starts afresh. */
static void test_missing_and_timeout(void)
{
	struct set s;
	struct frag_msg m;
	uint64_t late = NOW + FRAG_DEFAULT_TIMEOUT_MS;

	make_set(&s, 1, 3000, 1232);
	CU_ASSERT_EQUAL(feed(&s.f[0], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(feed(&s.f[2], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(fa.have, 2);
	CU_ASSERT_TRUE(fa.active);
	/* Just before the timeout the set still completes ... */
	CU_ASSERT_EQUAL(feed_at(&s.f[2], late - 1, &m), FRAG_DROPPED);
	CU_ASSERT_EQUAL(fa.have, 2);
	/* ... at it, the kept fragments are forgotten. */
	CU_ASSERT_EQUAL(feed_at(&s.f[1], late, &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(fa.have, 1);
	CU_ASSERT_EQUAL(feed_at(&s.f[0], late, &m), FRAG_KEPT);
	CU_ASSERT_EQUAL_FATAL(feed_at(&s.f[2], late, &m), FRAG_DONE);
	expect_whole(&m, &s);
	free_set(&s);
}

/* RFC 7383 2.6.1: the gateway resent with smaller fragments (a larger
 * total): the kept ones go and the new set is reassembled; a fragment
 * with a smaller total than the kept set is dropped. */
static void test_lying_totals(void)
{
	struct set big, small;
	struct frag_msg m;

	make_set(&big, 1, 3000, 1232);   /* 3 fragments */
	make_set(&small, 1, 3000, 700);  /* 5 fragments, same message */
	CU_ASSERT_EQUAL_FATAL(small.n, 5);
	CU_ASSERT_EQUAL(feed(&big.f[0], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(feed(&big.f[1], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(feed(&small.f[3], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(fa.total, 5);
	CU_ASSERT_EQUAL(fa.have, 1);
	CU_ASSERT(dropped_for(feed(&big.f[2], &m), "fewer total fragments"));
	CU_ASSERT_EQUAL(fa.have, 1);
	for (size_t i = 0; i < 5; i++) {
		if (i == 3)
			continue;
		CU_ASSERT_EQUAL(feed(&small.f[i], &m),
				i == 4 ? FRAG_DONE : FRAG_KEPT);
	}
	expect_whole(&m, &small);
	free_set(&big);
	free_set(&small);
}

/* A forged or garbled fragment is never kept and does not disturb the
 * set: not even one whose total is larger (which, authentic, would
 * start over). */
static void test_unauthenticated(void)
{
	struct set s, more;
	struct frag_msg m;

	make_set(&s, 1, 3000, 1232);
	make_set(&more, 1, 3000, 700);
	CU_ASSERT_EQUAL(feed(&s.f[0], &m), FRAG_KEPT);
	more.f[1].p[more.f[1].len - 1] ^= 1;
	CU_ASSERT(dropped_for(feed(&more.f[1], &m), "ICV mismatch"));
	s.f[1].p[IKE_HDR_LEN + 8] ^= 1;
	CU_ASSERT(dropped_for(feed(&s.f[1], &m), "ICV mismatch"));
	CU_ASSERT_EQUAL(fa.total, 3);
	CU_ASSERT_EQUAL(fa.have, 1);
	s.f[1].p[IKE_HDR_LEN + 8] ^= 1;
	CU_ASSERT_EQUAL(feed(&s.f[1], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL_FATAL(feed(&s.f[2], &m), FRAG_DONE);
	expect_whole(&m, &s);
	free_set(&s);
	free_set(&more);
}

/* Numbers that lie in the payload itself (4 of 3, 0 of 3) never reach
 * the crypto; the ICV would not cover a patched number anyway. */
static void test_excess_number(void)
{
	struct set s;
	struct frag_msg m;

	make_set(&s, 1, 3000, 1232);
	put_u16(s.f[2].p + IKE_HDR_LEN + 4, 4);
	CU_ASSERT(dropped_for(feed(&s.f[2], &m), "fragment 4 of 3"));
	put_u16(s.f[2].p + IKE_HDR_LEN + 4, 0);
	CU_ASSERT(dropped_for(feed(&s.f[2], &m), "fragment 0 of 3"));
	put_u16(s.f[2].p + IKE_HDR_LEN + 4, 2);
	CU_ASSERT(dropped_for(feed(&s.f[2], &m), "ICV mismatch"));
	CU_ASSERT_FALSE(fa.active);
	free_set(&s);
}

static void test_too_many(void)
{
	struct frag_limits lim;
	struct set s;
	struct frag_msg m;

	frag_limits_default(&lim);
	lim.max_fragments = 4;
	frag_init(&fa, &lim);
	make_set(&s, 1, 3000, 600);
	CU_ASSERT_FATAL(s.n > 4);
	for (size_t i = 0; i < s.n; i++)
		CU_ASSERT(dropped_for(feed(&s.f[i], &m), "limit"));
	CU_ASSERT_FALSE(fa.active);
	free_set(&s);
	make_set(&s, 2, 3000, 1232);
	CU_ASSERT_EQUAL(s.n, 3);
	for (size_t i = 0; i < s.n; i++)
		CU_ASSERT_EQUAL(feed(&s.f[i], &m),
				i + 1 < s.n ? FRAG_KEPT : FRAG_DONE);
	expect_whole(&m, &s);
	free_set(&s);
}

/* Past the size limit the whole set goes: it could never be whole. */
static void test_too_large(void)
{
	struct frag_limits lim;
	struct set s;
	struct frag_msg m;

	frag_limits_default(&lim);
	lim.max_size = 2500;
	frag_init(&fa, &lim);
	make_set(&s, 1, 3000, 1232);
	CU_ASSERT_EQUAL(feed(&s.f[0], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(feed(&s.f[1], &m), FRAG_KEPT);
	CU_ASSERT(dropped_for(feed(&s.f[2], &m), "size limit"));
	CU_ASSERT_FALSE(fa.active);
	CU_ASSERT_EQUAL(fa.bytes, 0);
	free_set(&s);
	/* At exactly the limit, it is taken. */
	lim.max_size = 3000;
	frag_init(&fa, &lim);
	make_set(&s, 1, 3000, 1232);
	for (size_t i = 0; i < s.n; i++)
		CU_ASSERT_EQUAL(feed(&s.f[i], &m),
				i + 1 < s.n ? FRAG_KEPT : FRAG_DONE);
	expect_whole(&m, &s);
	free_set(&s);
}

/* A newer message replaces the set; an older one is ignored. */
static void test_older_and_newer(void)
{
	struct set s5, s4, s6;
	struct frag_msg m;

	make_set(&s5, 5, 3000, 1232);
	make_set(&s4, 4, 3000, 1232);
	make_set(&s6, 6, 3000, 1232);
	CU_ASSERT_EQUAL(feed(&s5.f[0], &m), FRAG_KEPT);
	CU_ASSERT(dropped_for(feed(&s4.f[1], &m), "older message"));
	CU_ASSERT_EQUAL(fa.msg_id, 5);
	CU_ASSERT_EQUAL(feed(&s6.f[1], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL(fa.msg_id, 6);
	CU_ASSERT_EQUAL(fa.have, 1);
	CU_ASSERT(dropped_for(feed(&s5.f[1], &m), "older message"));
	CU_ASSERT_EQUAL(feed(&s6.f[0], &m), FRAG_KEPT);
	CU_ASSERT_EQUAL_FATAL(feed(&s6.f[2], &m), FRAG_DONE);
	expect_whole(&m, &s6);
	free_set(&s4);
	free_set(&s5);
	free_set(&s6);
}

/* Same Message ID, another exchange: not part of the set. */
static void test_other_exchange(void)
{
	struct set s;
	struct ike_hdr h;
	struct wbuf *f;
	size_t n;
	struct frag_msg m;

	make_set(&s, 1, 3000, 1232);
	gw_hdr(&h, 1);
	h.exchange = EXCH_INFORMATIONAL;
	CU_ASSERT_EQUAL_FATAL(frag_split(&keys, false, &h, PL_IDR, s.inner,
					 s.ilen, 1232, &f, &n), 0);
	CU_ASSERT_EQUAL(feed(&s.f[0], &m), FRAG_KEPT);
	CU_ASSERT(dropped_for(feed(&f[1], &m), "another exchange"));
	frag_out_free(f, n);
	free_set(&s);
}

/* Authentic fragments whose concatenation is no payload chain. */
static void test_garbled_chain(void)
{
	uint8_t junk[2000];
	struct ike_hdr h;
	struct wbuf *f;
	size_t n;
	struct frag_msg m;

	memset(junk, 0xee, sizeof(junk));
	gw_hdr(&h, 1);
	CU_ASSERT_EQUAL_FATAL(frag_split(&keys, false, &h, PL_IDR, junk,
					 sizeof(junk), 1232, &f, &n), 0);
	CU_ASSERT_EQUAL(feed(&f[0], &m), FRAG_KEPT);
	CU_ASSERT(dropped_for(feed(&f[1], &m), "reassembled message"));
	CU_ASSERT_FALSE(fa.active);
	frag_out_free(f, n);
}

/* Our own fragments (the initiator's keys) are not the gateway's. */
static void test_wrong_direction_keys(void)
{
	struct ike_hdr h;
	struct wbuf *f;
	size_t n;
	uint8_t inner[100];
	size_t ilen = make_inner(inner, sizeof(inner));

	gw_hdr(&h, 1);
	CU_ASSERT_EQUAL_FATAL(frag_split(&keys, true, &h, PL_IDR, inner, ilen,
					 1232, &f, &n), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT(dropped_for(feed(&f[0], NULL), "ICV mismatch"));
	frag_out_free(f, n);
}

int main(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "split_sizes", test_split_sizes },
		{ "in_order", test_in_order },
		{ "out_of_order", test_out_of_order },
		{ "duplicate", test_duplicate },
		{ "missing_and_timeout", test_missing_and_timeout },
		{ "lying_totals", test_lying_totals },
		{ "unauthenticated", test_unauthenticated },
		{ "excess_number", test_excess_number },
		{ "too_many", test_too_many },
		{ "too_large", test_too_large },
		{ "older_and_newer", test_older_and_newer },
		{ "other_exchange", test_other_exchange },
		{ "garbled_chain", test_garbled_chain },
		{ "wrong_direction_keys", test_wrong_direction_keys },
	};
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite_with_setup_and_teardown("frag", suite_init,
						 suite_clean, setup, teardown);
	for (size_t i = 0; s && i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
