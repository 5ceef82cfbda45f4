/* Wire codec: hostile input must fail cleanly with a reason and never
 * read out of bounds (run under ASan/UBSan to prove the latter). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "vpnd/wire.h"
#include "wire_test_util.h"

static struct verr err;
static uint8_t golden[512];
static size_t golden_len;

#define BODY (golden + IKE_HDR_LEN)
#define BODY_LEN (golden_len - IKE_HDR_LEN)
/* Offsets inside the golden message. */
#define OFF_SA 28
#define OFF_PROP (OFF_SA + 4)
#define OFF_T1 (OFF_PROP + 8)
#define OFF_KE (OFF_SA + 40)
#define OFF_NI (OFF_KE + 104)
#define OFF_N1 (OFF_NI + 36)

/* Checks rc == -1 and that the reason mentions 'needle'. */
#define FAILS_WITH(call, needle)                                         \
	do {                                                             \
		err.msg[0] = '\0';                                       \
		CU_ASSERT_EQUAL(call, -1);                               \
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));         \
		if (!strstr(err.msg, needle))                            \
			fprintf(stderr, "\n  reason was: %s\n", err.msg);\
	} while (0)

static uint8_t msg[512];

static size_t fresh(void)
{
	memcpy(msg, golden, golden_len);
	return golden_len;
}

static void test_truncated_everywhere(void)
{
	static uint8_t cut[512];

	CU_ASSERT_EQUAL_FATAL(walk_message(golden, golden_len, &err), 0);
	for (size_t n = 0; n < golden_len; n++) {
		/* A heap copy of exactly n bytes lets ASan catch overreads. */
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, golden, n);
		CU_ASSERT_EQUAL(walk_message(p, n, &err), -1);
		free(p);
		/* Also with the header length patched to agree, so the
		 * chain parser itself meets the short data. */
		if (n >= IKE_HDR_LEN) {
			memcpy(cut, golden, n);
			put_u32(cut + 24, (uint32_t)n);
			p = malloc(n);
			memcpy(p, cut, n);
			CU_ASSERT_EQUAL(walk_message(p, n, &err), -1);
			free(p);
		}
	}
	/* Cut inside the SA body: every prefix must fail. */
	for (size_t n = 0; n < 36; n++) {
		static struct sa_payload sa;
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, golden + OFF_PROP, n);
		CU_ASSERT_EQUAL(sa_parse(p, n, &sa, &err), -1);
		free(p);
	}
}

static void test_header_lies(void)
{
	struct ike_hdr h;
	size_t n = fresh();

	put_u32(msg + 24, 900);
	FAILS_WITH(ike_hdr_parse(msg, n, &h, &err),
		   "length 900 but the datagram holds 272");
	put_u32(msg + 24, 27);
	FAILS_WITH(ike_hdr_parse(msg, n, &h, &err), "below the 28-byte");
	FAILS_WITH(ike_hdr_parse(msg, 27, &h, &err), "need at least 28");
	n = fresh();
	msg[17] = 0x30;
	FAILS_WITH(ike_hdr_parse(msg, n, &h, &err), "major version 3");
}

static void test_payload_lies(void)
{
	static struct payload_list l;
	size_t n = fresh();
	uint8_t *b = msg + IKE_HDR_LEN;
	size_t bl = n - IKE_HDR_LEN;

	/* Third payload (Ni) claims more than what is left. */
	put_u16(msg + OFF_NI + 2, 900);
	FAILS_WITH(payload_chain_parse(PL_SA, b, bl, &l, &err),
		   "payload 3 (No) length 900 exceeds the 100 bytes left");
	put_u16(msg + OFF_NI + 2, 3);
	FAILS_WITH(payload_chain_parse(PL_SA, b, bl, &l, &err),
		   "payload 3 (No) length 3 is below");
	put_u16(msg + OFF_NI + 2, 0);
	FAILS_WITH(payload_chain_parse(PL_SA, b, bl, &l, &err),
		   "length 0 is below");
	/* Fourth payload (a notify) with a length that overruns by one. */
	n = fresh();
	put_u16(msg + OFF_N1 + 2, 0x1c + 0x1c + 8 + 1);
	FAILS_WITH(payload_chain_parse(PL_SA, b, bl, &l, &err),
		   "payload 4 (N) length 65 exceeds the 64 bytes left");
	/* A lying-small length leaves the rest to be read as headers. */
	n = fresh();
	put_u16(msg + OFF_KE + 2, 100);
	CU_ASSERT_EQUAL(payload_chain_parse(PL_SA, b, bl, &l, &err), -1);
	/* Last payload says another follows. */
	n = fresh();
	msg[n - 8] = PL_VENDOR;
	FAILS_WITH(payload_chain_parse(PL_SA, b, bl, &l, &err),
		   "payload 7 (V) header needs 4 bytes, 0 left");
	/* Outer message is bounded by the parent: chain shorter than data. */
	FAILS_WITH(payload_chain_parse(PL_SA, b, bl - 9, &l, &err),
		   "exceeds");
}

static void test_trailing_garbage(void)
{
	static struct payload_list l;
	static uint8_t big[600];
	struct ike_hdr h;

	memcpy(big, golden, golden_len);
	big[golden_len] = 0xab;
	put_u32(big + 24, (uint32_t)golden_len + 1);
	CU_ASSERT_EQUAL_FATAL(ike_hdr_parse(big, golden_len + 1, &h, &err), 0);
	FAILS_WITH(payload_chain_parse(h.next, big + IKE_HDR_LEN,
				       golden_len + 1 - IKE_HDR_LEN, &l, &err),
		   "1 trailing bytes after the last payload");
	/* Bytes after an SK payload are not allowed either. */
	{
		uint8_t sk[] = { PL_IDI, 0, 0, 8, 1, 2, 3, 4, 0xee };

		FAILS_WITH(payload_chain_parse(PL_SK, sk, sizeof(sk), &l, &err),
			   "1 bytes follow the SK payload");
		CU_ASSERT_EQUAL(payload_chain_parse(PL_SK, sk, 8, &l, &err), 0);
	}
}

static void test_too_many_payloads(void)
{
	struct wbuf w;
	struct pl_chain c;
	static struct payload_list l;

	wb_init(&w);
	chain_init(&c, &w);
	for (int i = 0; i < IKE_MAX_PAYLOADS; i++)
		chain_add(&c, PL_VENDOR, "v", 1);
	CU_ASSERT_EQUAL(payload_chain_parse(c.first, w.p, w.len, &l, &err), 0);
	CU_ASSERT_EQUAL(l.n, IKE_MAX_PAYLOADS);
	chain_add(&c, PL_VENDOR, "v", 1);
	FAILS_WITH(payload_chain_parse(c.first, w.p, w.len, &l, &err),
		   "more than 48 payloads");
	wb_free(&w);
}

static void test_unknown_critical(void)
{
	struct wbuf w;
	struct pl_chain c;
	static struct payload_list l;
	size_t h;

	wb_init(&w);
	chain_init(&c, &w);
	chain_add(&c, PL_NONCE, "0123456789abcdef", 16);
	chain_add(&c, 120, "x", 1);     /* unknown, not critical */
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(c.first, w.p, w.len, &l,
						  &err), 0);
	CU_ASSERT_PTR_NULL(payload_unknown_critical(&l));
	h = chain_begin(&c, 121, true); /* unknown and critical */
	chain_end(&c, h);
	h = chain_begin(&c, PL_VENDOR, true); /* known: C bit ignored */
	chain_end(&c, h);
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(c.first, w.p, w.len, &l,
						  &err), 0);
	CU_ASSERT_EQUAL(l.n, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(payload_unknown_critical(&l));
	CU_ASSERT_EQUAL(payload_unknown_critical(&l)->type, 121);
	CU_ASSERT_EQUAL(walk_chain(c.first, w.p, w.len, &err), -1);
	wb_free(&w);
}

static int sa_of_msg(void)
{
	static struct sa_payload sa;

	return sa_parse(msg + OFF_PROP, 36, &sa, &err);
}

static void test_sa_lies(void)
{
	static struct sa_payload sa;

	fresh();
	CU_ASSERT_EQUAL(sa_of_msg(), 0);
	put_u16(msg + OFF_PROP + 2, 37);
	FAILS_WITH(sa_of_msg(), "proposal 1: length 37 outside 8..36");
	put_u16(msg + OFF_PROP + 2, 7);
	FAILS_WITH(sa_of_msg(), "length 7 outside");
	put_u16(msg + OFF_PROP + 2, 32); /* small: transform overruns */
	FAILS_WITH(sa_of_msg(), "transform 3: header needs 8 bytes, 4 left");
	fresh();
	msg[OFF_PROP] = 2; /* says more proposals follow */
	FAILS_WITH(sa_of_msg(), "says more follow");
	msg[OFF_PROP] = 1;
	FAILS_WITH(sa_of_msg(), "neither 0 nor 2");
	fresh();
	msg[OFF_PROP + 4] = 2; /* numbering of a lone proposal is free */
	CU_ASSERT_EQUAL(sa_of_msg(), 0);
	msg[OFF_PROP + 4] = 0;
	FAILS_WITH(sa_of_msg(), "number 0");
	fresh();
	msg[OFF_PROP + 7] = 4; /* too big: the last flag comes early */
	FAILS_WITH(sa_of_msg(), "transform 3: last/more flag 0, expected 3");
	msg[OFF_T1 + 20] = 3; /* ...and with that fixed, data runs out */
	FAILS_WITH(sa_of_msg(), "transform 4: header needs 8 bytes, 0 left");
	fresh();
	msg[OFF_PROP + 7] = 2; /* too small: the last flag is wrong */
	FAILS_WITH(sa_of_msg(), "transform 2: last/more flag 3, expected 0");
	msg[OFF_PROP + 7] = 0;
	FAILS_WITH(sa_of_msg(), "0 transforms");
	fresh();
	msg[OFF_PROP + 6] = 3;
	FAILS_WITH(sa_of_msg(), "SPI size 3");
	msg[OFF_PROP + 6] = 8; /* SPI eats the transforms */
	CU_ASSERT_EQUAL(sa_of_msg(), -1);
	fresh();
	put_u16(msg + OFF_T1 + 2, 0x0d);
	FAILS_WITH(sa_of_msg(), "transform 1: attribute header cut short");
	put_u16(msg + OFF_T1 + 2, 0x30);
	FAILS_WITH(sa_of_msg(), "transform 1: length 48 outside 8..28");
	put_u16(msg + OFF_T1 + 2, 7);
	FAILS_WITH(sa_of_msg(), "transform 1: length 7 outside");
	fresh();
	put_u16(msg + OFF_T1 + 8, 0x000e); /* key length in TLV form */
	FAILS_WITH(sa_of_msg(), "key length attribute in TLV form");
	put_u16(msg + OFF_T1 + 8, 0x0011); /* unknown TLV, length 256 */
	FAILS_WITH(sa_of_msg(), "attribute 17 length 256 exceeds the 0 bytes left");
	fresh();
	FAILS_WITH(sa_parse(msg + OFF_PROP, 37, &sa, &err),
		   "1 bytes after the last proposal");
	FAILS_WITH(sa_parse(msg, 0, &sa, &err), "without proposals");
}

static void test_sa_counts(void)
{
	static struct sa_payload big, sa;
	struct wbuf w;
	struct pl_chain c;
	static struct payload_list l;

	memset(&big, 0, sizeof(big));
	big.n = SA_MAX_PROPOSALS;
	for (size_t i = 0; i < big.n; i++) {
		big.p[i].num = (uint8_t)(i + 1);
		big.p[i].proto = PROTO_IKE;
		big.p[i].n = 1;
		big.p[i].t[0] = (struct ike_transform){ TRANS_DH, DH_ECP256, 0 };
	}
	wb_init(&w);
	chain_init(&c, &w);
	sa_build(&c, &big);
	/* Append a 17th proposal by hand after flipping the 16th's flag. */
	{
		uint8_t extra[] = { 0, 0, 0, 16, 17, 1, 0, 1,
				    0, 0, 0, 8, 4, 0, 0, 19 };
		size_t last = w.len - 16;

		CU_ASSERT_EQUAL(payload_chain_parse(c.first, w.p, w.len, &l,
						    &err), 0);
		CU_ASSERT_EQUAL(sa_parse(l.pl[0].body, l.pl[0].len, &sa, &err), 0);
		CU_ASSERT_EQUAL(sa.n, SA_MAX_PROPOSALS);
		w.p[last] = 2;
		wb_put(&w, extra, sizeof(extra));
		FAILS_WITH(sa_parse(w.p + 4, w.len - 4, &sa, &err),
			   "more than 16 proposals");
	}
	/* 49 transforms */
	wb_reset(&w);
	wb_u8(&w, 0);
	wb_u8(&w, 0);
	wb_u16(&w, 8 + 49 * 8);
	wb_u8(&w, 1);
	wb_u8(&w, 1);
	wb_u8(&w, 0);
	wb_u8(&w, 49);
	for (int i = 0; i < 49; i++) {
		wb_u8(&w, i == 48 ? 0 : 3);
		wb_u8(&w, 0);
		wb_u16(&w, 8);
		wb_u32(&w, 0x04000013);
	}
	FAILS_WITH(sa_parse(w.p, w.len, &sa, &err), "49 transforms");
	/* Proposal numbers must count up. */
	wb_reset(&w);
	chain_init(&c, &w);
	big.n = 2;
	big.p[1].num = 3;
	sa_build(&c, &big);
	FAILS_WITH(sa_parse(w.p + 4, w.len - 4, &sa, &err),
		   "proposal 2: number 3, expected 2");
	wb_free(&w);
}

static void test_ts_lies(void)
{
	static struct ts_payload ts;
	uint8_t b[128];
	size_t n = hex2bin("02 000000"
			   "07 00 0010 0000 ffff 0a000000 0a0000ff"
			   "07 06 0010 0050 0050 c0000200 c00002ff", b, sizeof(b));

	CU_ASSERT_EQUAL_FATAL(ts_parse(b, n, &ts, &err), 0);
	CU_ASSERT_EQUAL(ts.n, 2);
	for (size_t k = 0; k < n; k++) {
		uint8_t *p = malloc(k ? k : 1);

		memcpy(p, b, k);
		CU_ASSERT_EQUAL(ts_parse(p, k, &ts, &err), -1);
		free(p);
	}
	b[0] = 3;
	FAILS_WITH(ts_parse(b, n, &ts, &err), "TS 3: header needs 8 bytes, 0 left");
	b[0] = 1;
	FAILS_WITH(ts_parse(b, n, &ts, &err), "16 bytes after its 1 selectors");
	b[0] = 0;
	FAILS_WITH(ts_parse(b, n, &ts, &err), "0 selectors");
	b[0] = 17;
	FAILS_WITH(ts_parse(b, n, &ts, &err), "17 selectors");
	b[0] = 2;
	put_u16(b + 6, 0x28);
	FAILS_WITH(ts_parse(b, n, &ts, &err), "TS 1: selector length 40, type 7 needs 16");
	put_u16(b + 6, 0x10);
	b[4] = TS_IPV6_ADDR_RANGE; /* 40-byte v6 selector claimed */
	FAILS_WITH(ts_parse(b, n, &ts, &err), "selector length 16, type 8 needs 40");
	put_u16(b + 6, 0x28);
	FAILS_WITH(ts_parse(b, n, &ts, &err), "selector length 40 exceeds the 32 bytes left");
	b[4] = 9;
	FAILS_WITH(ts_parse(b, n, &ts, &err), "unsupported selector type 9");
}

static void test_cp_lies(void)
{
	static struct cp_payload cp;
	uint8_t b[512];
	size_t n = hex2bin("02 000000 0001 0004 0a000001 0003 0000", b,
			   sizeof(b));

	CU_ASSERT_EQUAL_FATAL(cp_parse(b, n, &cp, &err), 0);
	CU_ASSERT_EQUAL(cp.n, 2);
	put_u16(b + 6, 9);
	FAILS_WITH(cp_parse(b, n, &cp, &err),
		   "CP attribute 1 (type 1): length 9 exceeds the 8 bytes left");
	put_u16(b + 6, 5);
	FAILS_WITH(cp_parse(b, n, &cp, &err), "attribute 2: header cut short");
	put_u16(b + 6, 4);
	FAILS_WITH(cp_parse(b, n - 1, &cp, &err), "attribute 2: header cut short");
	FAILS_WITH(cp_parse(b, 3, &cp, &err), "need at least 4");
	/* 33 empty attributes */
	memset(b + 4, 0, 33 * 4);
	for (int i = 0; i < 33; i++)
		put_u16(b + 4 + 4 * i, CFG_INTERNAL_IP4_DNS);
	CU_ASSERT_EQUAL(cp_parse(b, 4 + 32 * 4, &cp, &err), 0);
	FAILS_WITH(cp_parse(b, 4 + 33 * 4, &cp, &err), "more than 32 attributes");
}

static void test_small_payload_lies(void)
{
	uint8_t b[64] = { 0 };
	size_t n;
	struct ke_payload ke;
	struct notify_payload nt;
	struct delete_payload d;
	struct eap_payload eap;
	struct skf_payload skf;
	struct auth_payload au;
	struct id_payload id;
	struct cert_payload ce;
	uint16_t algs[SIGHASH_MAX];
	size_t na;

	FAILS_WITH(ke_parse(b, 4, &ke, &err), "KE payload: 4 bytes");
	FAILS_WITH(id_parse(b, 3, &id, &err), "ID payload");
	FAILS_WITH(auth_parse(b, 4, &au, &err), "AUTH payload");
	FAILS_WITH(cert_parse(b, 0, &ce, &err), "CERT payload");
	n = hex2bin("03 04 4009 0102", b, sizeof(b));
	FAILS_WITH(notify_parse(b, n, &nt, &err),
		   "SPI size 4 exceeds the 2 bytes left");
	n = hex2bin("03 05 4009 0102030405", b, sizeof(b));
	FAILS_WITH(notify_parse(b, n, &nt, &err), "SPI size 5 is not");
	n = hex2bin("03 04 0003 01010101 02020202", b, sizeof(b));
	FAILS_WITH(delete_parse(b, n, &d, &err),
		   "3 SPIs of 4 bytes need 12 bytes, 8 present");
	put_u16(b + 2, 1);
	FAILS_WITH(delete_parse(b, n, &d, &err), "need 4 bytes, 8 present");
	n = hex2bin("03 04 ffff", b, sizeof(b));
	FAILS_WITH(delete_parse(b, n, &d, &err), "65535 SPIs");
	n = hex2bin("01 08 0001 0102030405060708", b, sizeof(b));
	FAILS_WITH(delete_parse(b, n, &d, &err), "Delete IKE");
	n = hex2bin("01 07 0009 01 616c696365", b, sizeof(b));
	FAILS_WITH(eap_parse(b, n, &eap, &err),
		   "length 9 but the payload holds 10");
	n = hex2bin("01 07 0004", b, sizeof(b));
	FAILS_WITH(eap_parse(b, n, &eap, &err), "without a type");
	n = hex2bin("03 07 0005 00", b, sizeof(b));
	FAILS_WITH(eap_parse(b, n, &eap, &err), "extra bytes");
	n = hex2bin("09 07 0004", b, sizeof(b));
	FAILS_WITH(eap_parse(b, n, &eap, &err), "unknown code 9");
	n = hex2bin("0004 0003 00", b, sizeof(b));
	FAILS_WITH(skf_parse(b, n, &skf, &err), "fragment 4 of 3");
	n = hex2bin("0000 0003 00", b, sizeof(b));
	FAILS_WITH(skf_parse(b, n, &skf, &err), "fragment 0 of 3");
	FAILS_WITH(skf_parse(b, 4, &skf, &err), "SKF payload");
	n = hex2bin("0001 0000 00", b, sizeof(b));
	FAILS_WITH(skf_parse(b, n, &skf, &err), "fragment 1 of 0");
	n = hex2bin("0000 0000 00", b, sizeof(b));
	FAILS_WITH(skf_parse(b, n, &skf, &err), "fragment 0 of 0");
	n = hex2bin("ffff fffe 00", b, sizeof(b));
	FAILS_WITH(skf_parse(b, n, &skf, &err), "fragment 65535 of 65534");
	n = hex2bin("ffff ffff 00", b, sizeof(b));
	CU_ASSERT_EQUAL(skf_parse(b, n, &skf, &err), 0);
	FAILS_WITH(notify_sighash_parse(b, 3, algs, &na, &err), "even");
	memset(b, 0, 34);
	FAILS_WITH(notify_sighash_parse(b, 34, algs, &na, &err),
		   "17 algorithms");
	FAILS_WITH(notify_invalid_ke_parse(b, 3, algs, &err), "expected 2");
	FAILS_WITH(notify_cookie_parse(b, 65, &err), "COOKIE of 65");
	FAILS_WITH(notify_natd_parse(b, 19, &err), "19 bytes");
	{
		uint32_t lt;
		const uint8_t *tk;
		size_t tl;

		FAILS_WITH(notify_ticket_lt_parse(b, 4, &lt, &tk, &tl, &err),
			   "TICKET_LT_OPAQUE");
	}
}

static void test_redirect_bad(void)
{
	uint8_t b[300];
	size_t n, nl;
	struct gw_ident gw;
	const uint8_t *nonce;

#define REDIR(hex) (n = hex2bin(hex, b, sizeof(b)), \
		    notify_redirect_parse(b, n, &gw, &nonce, &nl, &err))
	FAILS_WITH(REDIR("01 05 c000020100"), "IPv4 address of 5 bytes");
	FAILS_WITH(REDIR("01 03 c00002"), "IPv4 address of 3 bytes");
	FAILS_WITH(REDIR("02 04 c0000201"), "IPv6 address of 4 bytes");
	FAILS_WITH(REDIR("00 04 c0000201"), "unknown type 0");
	FAILS_WITH(REDIR("04 04 c0000201"), "unknown type 4");
	FAILS_WITH(REDIR("03 00"), "empty FQDN");
	FAILS_WITH(REDIR("03 05 67770065 78"), "FQDN byte 2 is 0x00");
	FAILS_WITH(REDIR("03 05 6777200a 78"), "FQDN byte 2 is 0x20");
	FAILS_WITH(REDIR("03 09 6777"), "length 9 exceeds the 2 bytes left");
	FAILS_WITH(REDIR("03 ff 6777"), "length 255 exceeds");
	FAILS_WITH(REDIR("03"), "header cut short");
	FAILS_WITH(REDIR(""), "header cut short");
	/* Nonce data shorter than any valid Ni. */
	FAILS_WITH(REDIR("01 04 c0000201 0102030405"), "nonce data of 5 bytes");
	CU_ASSERT_EQUAL(REDIR("01 04 c0000201 000102030405060708090a0b0c0d0e0f"), 0);
	CU_ASSERT_EQUAL(nl, 16);
	memset(b + 6, 0xaa, 257);
	CU_ASSERT_EQUAL(notify_redirect_parse(b, 6 + 256, &gw, &nonce, &nl,
					      &err), 0);
	FAILS_WITH(notify_redirect_parse(b, 6 + 257, &gw, &nonce, &nl, &err),
		   "nonce data of 257 bytes");
#undef REDIR
	n = hex2bin("01 04 c0000201 00", b, sizeof(b));
	FAILS_WITH(notify_redirected_from_parse(b, n, &gw, &err),
		   "REDIRECTED_FROM: 1 trailing bytes");
	n = hex2bin("03 03 61 00 62", b, sizeof(b));
	FAILS_WITH(notify_redirected_from_parse(b, n, &gw, &err), "0x00");
}

/* N(VPND_ALT_GW_LIST): identities back to back, each checked like a
 * REDIRECT's, and no more than the caller has room for. */
static void test_alt_gw_list(void)
{
	struct gw_ident gws[2];
	uint8_t b[64];
	size_t n, count = 99;
	char text[64];

#define ALT(hex) (n = hex2bin(hex, b, sizeof(b)), \
		  notify_alt_gw_list_parse(b, n, gws, 2, &count, &err))
	CU_ASSERT_EQUAL(ALT(""), 0);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(ALT("01 04 c0000202 03 07 67772e74657374"), 0);
	CU_ASSERT_EQUAL(count, 2);
	CU_ASSERT_STRING_EQUAL(gw_ident_str(&gws[0], text, sizeof(text)),
			       "192.0.2.2");
	CU_ASSERT_STRING_EQUAL(gw_ident_str(&gws[1], text, sizeof(text)),
			       "gw.test");
	FAILS_WITH(ALT("01 04 c0000202 01 04 c0000203 01 04 c0000204"),
		   "more than 2 gateways");
	FAILS_WITH(ALT("01 04 c0000202 01 05 c000020300"),
		   "IPv4 address of 5 bytes");
	FAILS_WITH(ALT("01 04 c0000202 03"), "header cut short");
	FAILS_WITH(ALT("01 04 c0000202 03 09 6777"), "exceeds");
	FAILS_WITH(ALT("03 03 61 00 62"), "0x00");
#undef ALT
}

/* A fixed-seed mutation loop over the golden messages: the parsers must
 * survive (ASan/UBSan watch the reads); a few mutants stay valid. */
static uint32_t rng_state = 0x2545f491;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static size_t mutate(uint8_t *b, size_t len, size_t cap)
{
	switch (rnd() % 6) {
	case 0: /* flip a bit */
		b[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 1: /* random byte */
		b[rnd() % len] = (uint8_t)rnd();
		break;
	case 2: { /* lie in a 16-bit length-like spot */
		size_t o;

		if (len < 2)
			break;
		o = rnd() % (len - 1);

		put_u16(b + o, (uint16_t)(get_u16(b + o) + (rnd() % 9) - 4));
		break;
	}
	case 3: /* truncate */
		return 1 + rnd() % len;
	case 4: /* extend with garbage */
		while (len < cap && rnd() % 4)
			b[len++] = (uint8_t)rnd();
		break;
	default: /* interesting values */
		b[rnd() % len] = (uint8_t[]){ 0, 1, 2, 3, 4, 0x7f, 0x80,
					      0xff }[rnd() % 8];
	}
	return len;
}

static void test_mutation_loop(void)
{
	static uint8_t redir[64];
	static uint8_t buf[600];
	size_t redir_len = hex2bin("29 00 0028 00 00 4017 03 0e"
				   "67772e6578616d706c652e6f7267"
				   "202122232425262728292a2b2c2d2e2f"
				   "00 00 000e 00 00 4018 01 04 c0000201",
				   redir, sizeof(redir));
	unsigned ok = 0, bad = 0;

	CU_ASSERT_EQUAL_FATAL(walk_chain(PL_NOTIFY, redir, redir_len, &err), 0);
	for (int i = 0; i < 20000; i++) {
		bool chain = i % 3 == 2;
		const uint8_t *src = chain ? redir : golden;
		size_t len = chain ? redir_len : golden_len;
		uint8_t *p;
		int rounds = 1 + (int)(rnd() % 4);

		memcpy(buf, src, len);
		while (rounds--)
			len = mutate(buf, len, sizeof(buf));
		/* Keep the header consistent half the time so mutants get
		 * past it and reach the payload parsers. */
		if (!chain && len >= IKE_HDR_LEN && rnd() % 2)
			put_u32(buf + 24, (uint32_t)len);
		p = malloc(len);
		memcpy(p, buf, len);
		if ((chain ? walk_chain(PL_NOTIFY, p, len, &err)
			   : walk_message(p, len, &err)) == 0)
			ok++;
		else
			bad++;
		free(p);
	}
	printf(" (%u mutants parsed, %u rejected) ", ok, bad);
	CU_ASSERT_EQUAL(ok + bad, 20000);
	CU_ASSERT(bad > 5000);
	CU_ASSERT(ok > 100);
}

int main(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "truncated_everywhere", test_truncated_everywhere },
		{ "header_lies", test_header_lies },
		{ "payload_lies", test_payload_lies },
		{ "trailing_garbage", test_trailing_garbage },
		{ "too_many_payloads", test_too_many_payloads },
		{ "unknown_critical", test_unknown_critical },
		{ "sa_lies", test_sa_lies },
		{ "sa_counts", test_sa_counts },
		{ "ts_lies", test_ts_lies },
		{ "cp_lies", test_cp_lies },
		{ "small_payload_lies", test_small_payload_lies },
		{ "redirect_bad", test_redirect_bad },
		{ "alt_gw_list", test_alt_gw_list },
		{ "mutation_loop", test_mutation_loop },
	};
	CU_pSuite s;
	unsigned fails;

	golden_len = hex2bin(golden_sa_init_hex, golden, sizeof(golden));
	if (golden_len != 272)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("wire-malformed", NULL, NULL);
	for (size_t i = 0; s && i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
