/* Wire codec: round trips of every structure and golden encodings. */
#include <string.h>

#include <openssl/evp.h>

#include <CUnit/Basic.h>

#include "vpnd/wire.h"
#include "wire_test_util.h"

static struct verr err;

/* Parses the single payload the chain in w holds. */
static const struct ike_payload *only_payload(struct pl_chain *c,
					      struct payload_list *l)
{
	int rc = payload_chain_parse(c->first, c->wb->p + c->start,
				     c->wb->len - c->start, l, &err);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(l->n, 1);
	return &l->pl[0];
}

static void test_header(void)
{
	struct ike_hdr h = {
		.spi_i = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 },
		.spi_r = { 9, 8, 7, 6, 5, 4, 3, 2 },
		.next = PL_SK, .version = 0x20, .exchange = EXCH_IKE_AUTH,
		.flags = IKE_FLAG_R, .msg_id = 0x01020304, .length = 40,
	}, p;
	uint8_t buf[40] = { 0 };

	ike_hdr_write(buf, &h);
	CU_ASSERT_EQUAL(buf[17], 0x20);
	CU_ASSERT_EQUAL(buf[23], 0x04);
	CU_ASSERT_EQUAL(buf[27], 40);
	CU_ASSERT_EQUAL(ike_hdr_parse(buf, sizeof(buf), &p, &err), 0);
	CU_ASSERT_EQUAL(memcmp(&h, &p, sizeof(h)), 0);
	/* A higher minor version is still IKEv2. */
	buf[17] = 0x21;
	CU_ASSERT_EQUAL(ike_hdr_parse(buf, sizeof(buf), &p, &err), 0);
	buf[17] = 0x10;
	CU_ASSERT_EQUAL(ike_hdr_parse(buf, sizeof(buf), &p, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "major version 1"));
}

static void test_chain(void)
{
	struct wbuf w;
	struct pl_chain c;
	struct payload_list l;
	size_t h;
	static const uint8_t vid[3] = { 'v', 'i', 'd' };

	wb_init(&w);
	wb_u8(&w, 0xee); /* the chain need not start at offset 0 */
	chain_init(&c, &w);
	CU_ASSERT_EQUAL(c.first, PL_NONE);
	chain_add(&c, PL_VENDOR, vid, sizeof(vid));
	h = chain_begin(&c, 99, true);
	wb_u32(&w, 0x11223344);
	chain_end(&c, h);
	chain_add(&c, PL_VENDOR, NULL, 0);
	CU_ASSERT_FALSE_FATAL(w.oom);
	CU_ASSERT_EQUAL(c.first, PL_VENDOR);
	CU_ASSERT_EQUAL(w.len, 1 + 7 + 8 + 4);
	CU_ASSERT_EQUAL(w.p[1], 99);   /* next of the first payload */
	CU_ASSERT_EQUAL(w.p[8], PL_VENDOR);
	CU_ASSERT_EQUAL(w.p[9], 0x80); /* critical bit */
	CU_ASSERT_EQUAL(w.p[16], PL_NONE);

	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(c.first, w.p + 1, w.len - 1,
						  &l, &err), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 3);
	CU_ASSERT_EQUAL(l.pl[0].type, PL_VENDOR);
	CU_ASSERT_EQUAL(l.pl[0].len, 3);
	CU_ASSERT_EQUAL(memcmp(l.pl[0].body, "vid", 3), 0);
	CU_ASSERT_EQUAL(l.pl[1].type, 99);
	CU_ASSERT_TRUE(l.pl[1].critical);
	CU_ASSERT_EQUAL(l.pl[1].offset, 7);
	CU_ASSERT_EQUAL(l.pl[2].len, 0);
	CU_ASSERT_PTR_EQUAL(payload_find(&l, 99), &l.pl[1]);
	CU_ASSERT_PTR_NULL(payload_find(&l, PL_SA));
	CU_ASSERT_PTR_EQUAL(payload_unknown_critical(&l), &l.pl[1]);
	CU_ASSERT_TRUE(payload_type_known(PL_SKF));
	CU_ASSERT_TRUE(payload_type_known(PL_SA));
	CU_ASSERT_FALSE(payload_type_known(49));
	CU_ASSERT_FALSE(payload_type_known(0));
	/* An empty chain is valid. */
	CU_ASSERT_EQUAL(payload_chain_parse(PL_NONE, w.p, 0, &l, &err), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	wb_free(&w);
}

static void test_sk_last(void)
{
	struct wbuf w;
	struct pl_chain c;
	struct payload_list l;
	size_t h;

	wb_init(&w);
	chain_init(&c, &w);
	chain_add(&c, PL_VENDOR, "x", 1);
	h = chain_begin(&c, PL_SK, false);
	wb_zero(&w, 32);
	chain_end(&c, h);
	w.p[h] = PL_IDI; /* SK's next names the inner payload */
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(c.first, w.p, w.len, &l,
						  &err), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	CU_ASSERT_EQUAL(l.pl[1].type, PL_SK);
	CU_ASSERT_EQUAL(l.pl[1].next, PL_IDI);
	CU_ASSERT_EQUAL(l.pl[1].len, 32);
	wb_free(&w);
}

static void test_sa_roundtrip(void)
{
	static struct sa_payload in, out;
	struct wbuf w;
	struct pl_chain c;
	struct payload_list l;
	const struct ike_payload *p;

	memset(&in, 0, sizeof(in));
	in.n = 3;
	in.p[0] = (struct ike_proposal){ .num = 1, .proto = PROTO_ESP,
		.spi_size = 4, .spi = { 0xc0, 0xff, 0xee, 0x01 }, .n = 4 };
	in.p[0].t[0] = (struct ike_transform){ TRANS_ENCR, ENCR_AES_CBC, 128 };
	in.p[0].t[1] = (struct ike_transform){ TRANS_INTEG,
		INTEG_HMAC_SHA2_256_128, 0 };
	in.p[0].t[2] = (struct ike_transform){ TRANS_ESN, ESN_NO, 0 };
	in.p[0].t[3] = (struct ike_transform){ 200, 0xabcd, 0 };
	in.p[1] = (struct ike_proposal){ .num = 2, .proto = PROTO_IKE,
		.spi_size = 8, .spi = { 1, 2, 3, 4, 5, 6, 7, 8 }, .n = 1 };
	in.p[1].t[0] = (struct ike_transform){ TRANS_ENCR,
		ENCR_CHACHA20_POLY1305, 0 };
	in.p[2] = (struct ike_proposal){ .num = 3, .proto = PROTO_IKE, .n = 2 };
	in.p[2].t[0] = (struct ike_transform){ TRANS_PRF, PRF_HMAC_SHA2_512, 0 };
	in.p[2].t[1] = (struct ike_transform){ TRANS_DH, DH_CURVE25519, 0 };

	wb_init(&w);
	chain_init(&c, &w);
	sa_build(&c, &in);
	CU_ASSERT_FALSE_FATAL(w.oom);
	p = only_payload(&c, &l);
	CU_ASSERT_EQUAL(p->type, PL_SA);
	CU_ASSERT_EQUAL_FATAL(sa_parse(p->body, p->len, &out, &err), 0);
	CU_ASSERT_EQUAL_FATAL(out.n, 3);
	for (size_t i = 0; i < in.n; i++) {
		CU_ASSERT_EQUAL(out.p[i].num, in.p[i].num);
		CU_ASSERT_EQUAL(out.p[i].proto, in.p[i].proto);
		CU_ASSERT_EQUAL(out.p[i].spi_size, in.p[i].spi_size);
		CU_ASSERT_EQUAL(memcmp(out.p[i].spi, in.p[i].spi,
				       in.p[i].spi_size), 0);
		CU_ASSERT_EQUAL_FATAL(out.p[i].n, in.p[i].n);
		for (size_t j = 0; j < in.p[i].n; j++) {
			CU_ASSERT_EQUAL(out.p[i].t[j].type, in.p[i].t[j].type);
			CU_ASSERT_EQUAL(out.p[i].t[j].id, in.p[i].t[j].id);
			CU_ASSERT_EQUAL(out.p[i].t[j].keylen,
					in.p[i].t[j].keylen);
		}
	}
	wb_free(&w);
}

/* A responder's SA echoes the accepted proposal's number. */
static void test_sa_lone_number(void)
{
	static struct sa_payload sa;
	uint8_t b[64];
	size_t n = hex2bin("00 00 0014 05 03 04 01 c0ffee01"
			   "00 00 0008 01 00 000c", b, sizeof(b));

	CU_ASSERT_EQUAL_FATAL(sa_parse(b, n, &sa, &err), 0);
	CU_ASSERT_EQUAL(sa.p[0].num, 5);
	CU_ASSERT_EQUAL(sa.p[0].t[0].id, ENCR_AES_CBC);
}

/* Unknown attributes are skipped; the key length is still found. */
static void test_sa_unknown_attrs(void)
{
	static struct sa_payload sa;
	uint8_t b[64];
	size_t n = hex2bin("00 00 001e 01 01 00 01"
			   "00 00 0016 01 00 000c"
			   "  8123 0007"        /* unknown TV attribute */
			   "  0124 0002 abcd"   /* unknown TLV attribute */
			   "  800e 00c0", b, sizeof(b));

	CU_ASSERT_EQUAL_FATAL(sa_parse(b, n, &sa, &err), 0);
	CU_ASSERT_EQUAL(sa.p[0].t[0].keylen, 192);
}

static void test_ke_nonce(void)
{
	struct wbuf w;
	struct pl_chain c;
	struct payload_list l;
	const struct ike_payload *p;
	struct ke_payload ke;
	uint8_t pub[32];

	memset(pub, 0x5a, sizeof(pub));
	wb_init(&w);
	chain_init(&c, &w);
	ke_build(&c, DH_CURVE25519, pub, sizeof(pub));
	p = only_payload(&c, &l);
	CU_ASSERT_EQUAL_FATAL(ke_parse(p->body, p->len, &ke, &err), 0);
	CU_ASSERT_EQUAL(ke.group, DH_CURVE25519);
	CU_ASSERT_EQUAL(ke.len, 32);
	CU_ASSERT_EQUAL(memcmp(ke.data, pub, 32), 0);
	CU_ASSERT_EQUAL(nonce_parse(pub, 16, &err), 0);
	CU_ASSERT_EQUAL(nonce_parse(pub, 15, &err), -1);
	CU_ASSERT_EQUAL(nonce_parse(pub, 256, &err), 0);
	CU_ASSERT_EQUAL(nonce_parse(pub, 257, &err), -1);
	wb_free(&w);
}

static void test_id_auth_cert(void)
{
	struct wbuf w;
	struct pl_chain c;
	struct payload_list l;
	struct id_payload id;
	struct auth_payload au;
	struct cert_payload ce;
	static const uint8_t fqdn[] = "client.example.org";
	static const uint8_t sig[] = { 1, 2, 3, 4, 5, 6 };

	wb_init(&w);
	chain_init(&c, &w);
	id_build(&c, PL_IDI, ID_FQDN, fqdn, sizeof(fqdn) - 1);
	auth_build(&c, AUTH_DIGITAL_SIG, sig, sizeof(sig));
	cert_build(&c, PL_CERT, CERT_X509_SIG, sig, 3);
	cert_build(&c, PL_CERTREQ, CERT_X509_SIG, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(c.first, w.p, w.len, &l,
						  &err), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 4);
	/* ID: type + 3 reserved bytes */
	CU_ASSERT_EQUAL(l.pl[0].len, 4 + 18);
	CU_ASSERT_EQUAL_FATAL(id_parse(l.pl[0].body, l.pl[0].len, &id, &err), 0);
	CU_ASSERT_EQUAL(id.type, ID_FQDN);
	CU_ASSERT_EQUAL(id.len, 18);
	CU_ASSERT_EQUAL(memcmp(id.data, fqdn, 18), 0);
	CU_ASSERT_EQUAL_FATAL(auth_parse(l.pl[1].body, l.pl[1].len, &au, &err), 0);
	CU_ASSERT_EQUAL(au.method, AUTH_DIGITAL_SIG);
	CU_ASSERT_EQUAL(au.len, 6);
	CU_ASSERT_EQUAL(memcmp(au.data, sig, 6), 0);
	/* CERT: 1 encoding byte, no reserved bytes */
	CU_ASSERT_EQUAL(l.pl[2].len, 4);
	CU_ASSERT_EQUAL_FATAL(cert_parse(l.pl[2].body, l.pl[2].len, &ce, &err), 0);
	CU_ASSERT_EQUAL(ce.encoding, CERT_X509_SIG);
	CU_ASSERT_EQUAL(ce.len, 3);
	CU_ASSERT_EQUAL(l.pl[3].type, PL_CERTREQ);
	CU_ASSERT_EQUAL_FATAL(cert_parse(l.pl[3].body, l.pl[3].len, &ce, &err), 0);
	CU_ASSERT_EQUAL(ce.len, 0);
	wb_free(&w);
}

static void test_id_addr(void)
{
	struct id_payload id;
	uint8_t b[20] = { ID_IPV4_ADDR, 0, 0, 0, 192, 0, 2, 7 };

	CU_ASSERT_EQUAL(id_parse(b, 8, &id, &err), 0);
	CU_ASSERT_EQUAL(id.len, 4);
	CU_ASSERT_EQUAL(id_parse(b, 9, &id, &err), -1);
	b[0] = ID_IPV6_ADDR;
	CU_ASSERT_EQUAL(id_parse(b, 20, &id, &err), 0);
	CU_ASSERT_EQUAL(id_parse(b, 8, &id, &err), -1);
	b[0] = ID_KEY_ID;
	CU_ASSERT_EQUAL(id_parse(b, 4, &id, &err), -1);
}

static void test_notify_delete(void)
{
	struct wbuf w;
	struct pl_chain c;
	struct payload_list l;
	struct notify_payload n;
	struct delete_payload d;
	static const uint8_t spi[4] = { 0xca, 0xfe, 0xba, 0xbe };
	static const uint8_t spis[8] = { 1, 1, 1, 1, 2, 2, 2, 2 };

	wb_init(&w);
	chain_init(&c, &w);
	notify_build(&c, PROTO_ESP, spi, 4, N_REKEY_SA, NULL, 0);
	notify_build(&c, 0, NULL, 0, N_COOKIE, spis, 8);
	delete_build(&c, PROTO_ESP, 4, 2, spis);
	delete_build(&c, PROTO_IKE, 0, 0, NULL);
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(c.first, w.p, w.len, &l,
						  &err), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 4);
	CU_ASSERT_EQUAL_FATAL(notify_parse(l.pl[0].body, l.pl[0].len, &n, &err), 0);
	CU_ASSERT_EQUAL(n.proto, PROTO_ESP);
	CU_ASSERT_EQUAL(n.spi_size, 4);
	CU_ASSERT_EQUAL(memcmp(n.spi, spi, 4), 0);
	CU_ASSERT_EQUAL(n.type, N_REKEY_SA);
	CU_ASSERT_EQUAL(n.len, 0);
	CU_ASSERT_EQUAL_FATAL(notify_parse(l.pl[1].body, l.pl[1].len, &n, &err), 0);
	CU_ASSERT_PTR_NULL(n.spi);
	CU_ASSERT_EQUAL(n.type, N_COOKIE);
	CU_ASSERT_EQUAL(n.len, 8);
	CU_ASSERT_EQUAL(notify_cookie_parse(n.data, n.len, &err), 0);
	CU_ASSERT_EQUAL_FATAL(delete_parse(l.pl[2].body, l.pl[2].len, &d, &err), 0);
	CU_ASSERT_EQUAL(d.proto, PROTO_ESP);
	CU_ASSERT_EQUAL(d.num_spi, 2);
	CU_ASSERT_EQUAL(memcmp(d.spis, spis, 8), 0);
	CU_ASSERT_EQUAL_FATAL(delete_parse(l.pl[3].body, l.pl[3].len, &d, &err), 0);
	CU_ASSERT_EQUAL(d.proto, PROTO_IKE);
	CU_ASSERT_EQUAL(d.num_spi, 0);
	wb_free(&w);
}

static void test_ts(void)
{
	static struct ts_payload in, out;
	struct wbuf w;
	struct pl_chain c;
	struct payload_list l;
	const struct ike_payload *p;

	memset(&in, 0, sizeof(in));
	in.n = 2;
	in.ts[0] = (struct ts_entry){ TS_IPV4_ADDR_RANGE, 0, 0, 65535,
		{ 10, 0, 0, 0 }, { 10, 0, 255, 255 } };
	in.ts[1] = (struct ts_entry){ TS_IPV6_ADDR_RANGE, 17, 53, 53,
		{ 0x20, 0x01, 0x0d, 0xb8 },
		{ 0x20, 0x01, 0x0d, 0xb8, [4] = 0xff, [15] = 0xff } };
	wb_init(&w);
	chain_init(&c, &w);
	ts_build(&c, PL_TSR, &in);
	p = only_payload(&c, &l);
	CU_ASSERT_EQUAL(p->type, PL_TSR);
	CU_ASSERT_EQUAL(p->len, 4 + 16 + 40);
	CU_ASSERT_EQUAL_FATAL(ts_parse(p->body, p->len, &out, &err), 0);
	CU_ASSERT_EQUAL_FATAL(out.n, 2);
	CU_ASSERT_EQUAL(memcmp(&in.ts[0], &out.ts[0], sizeof(in.ts[0])), 0);
	CU_ASSERT_EQUAL(memcmp(&in.ts[1], &out.ts[1], sizeof(in.ts[1])), 0);
	wb_free(&w);
}

static void test_cp(void)
{
	static struct cp_payload in, out;
	struct wbuf w;
	struct pl_chain c;
	struct payload_list l;
	const struct ike_payload *p;
	static const uint8_t addr[4] = { 10, 9, 8, 7 };

	memset(&in, 0, sizeof(in));
	in.cfg_type = CFG_REPLY;
	in.n = 3;
	in.a[0] = (struct cp_attr){ CFG_INTERNAL_IP4_ADDRESS, addr, 4 };
	in.a[1] = (struct cp_attr){ CFG_INTERNAL_IP6_ADDRESS, NULL, 0 };
	in.a[2] = (struct cp_attr){ CFG_INTERNAL_DNS_DOMAIN,
		(const uint8_t *)"corp", 4 };
	wb_init(&w);
	chain_init(&c, &w);
	cp_build(&c, &in);
	p = only_payload(&c, &l);
	CU_ASSERT_EQUAL(p->len, 4 + 8 + 4 + 8);
	CU_ASSERT_EQUAL_FATAL(cp_parse(p->body, p->len, &out, &err), 0);
	CU_ASSERT_EQUAL(out.cfg_type, CFG_REPLY);
	CU_ASSERT_EQUAL_FATAL(out.n, 3);
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(out.a[i].type, in.a[i].type);
		CU_ASSERT_EQUAL_FATAL(out.a[i].len, in.a[i].len);
		if (in.a[i].len) {
			CU_ASSERT_EQUAL(memcmp(out.a[i].val, in.a[i].val,
					       in.a[i].len), 0);
		}
	}
	wb_free(&w);
}

static void test_eap_skf(void)
{
	struct eap_payload eap;
	struct skf_payload skf;
	uint8_t b[32];
	size_t n;

	n = hex2bin("01 07 000a 01 616c696365", b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(eap_parse(b, n, &eap, &err), 0);
	CU_ASSERT_EQUAL(eap.code, 1);
	CU_ASSERT_EQUAL(eap.ident, 7);
	CU_ASSERT_EQUAL(eap.length, 10);
	CU_ASSERT_EQUAL(eap.type, 1);
	CU_ASSERT_EQUAL(eap.len, 5);
	CU_ASSERT_EQUAL(memcmp(eap.data, "alice", 5), 0);
	n = hex2bin("03 07 0004", b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(eap_parse(b, n, &eap, &err), 0);
	CU_ASSERT_EQUAL(eap.type, 0);
	CU_ASSERT_EQUAL(eap.len, 0);

	n = hex2bin("0002 0003 00112233445566", b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(skf_parse(b, n, &skf, &err), 0);
	CU_ASSERT_EQUAL(skf.frag_num, 2);
	CU_ASSERT_EQUAL(skf.total, 3);
	CU_ASSERT_EQUAL(skf.len, 7);
	CU_ASSERT_PTR_EQUAL(skf.data, b + 4);
}

/* RFC 7383 2.5 by hand: fragment 1 of 3 names the first inner payload
 * (IDi, 35), the others carry 0. */
static void test_skf_build_golden(void)
{
	static const uint8_t data[5] = { 1, 2, 3, 4, 5 };
	uint8_t want[32];
	size_t n;
	struct wbuf w;

	wb_init(&w);
	skf_build(&w, PL_IDI, 1, 3, data, sizeof(data));
	n = hex2bin("23 00 000d 0001 0003 0102030405", want, sizeof(want));
	CU_ASSERT_FALSE(w.oom);
	CU_ASSERT_EQUAL_FATAL(w.len, n);
	CU_ASSERT_EQUAL(memcmp(w.p, want, n), 0);
	wb_reset(&w);
	skf_build(&w, 0, 3, 3, data, 1);
	n = hex2bin("00 00 0009 0003 0003 01", want, sizeof(want));
	CU_ASSERT_EQUAL_FATAL(w.len, n);
	CU_ASSERT_EQUAL(memcmp(w.p, want, n), 0);
	wb_free(&w);
}

/* What the builder writes, the chain walker and skf_parse read back:
 * the inner type in the generic header, the numbers and the data. */
static void test_skf_roundtrip(void)
{
	static const uint8_t data[20] = { 0xa5 };
	struct payload_list pl;
	struct skf_payload skf;
	struct wbuf w;

	wb_init(&w);
	skf_build(&w, PL_AUTH, 2, 7, data, sizeof(data));
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(PL_SKF, w.p, w.len, &pl,
						  &err), 0);
	CU_ASSERT_EQUAL_FATAL(pl.n, 1);
	CU_ASSERT_EQUAL(pl.pl[0].type, PL_SKF);
	CU_ASSERT_EQUAL(pl.pl[0].next, PL_AUTH);
	CU_ASSERT_EQUAL_FATAL(skf_parse(pl.pl[0].body, pl.pl[0].len, &skf,
					&err), 0);
	CU_ASSERT_EQUAL(skf.frag_num, 2);
	CU_ASSERT_EQUAL(skf.total, 7);
	CU_ASSERT_EQUAL_FATAL(skf.len, sizeof(data));
	CU_ASSERT_EQUAL(memcmp(skf.data, data, sizeof(data)), 0);
	wb_free(&w);
}

/* The payload length is 16 bits: one byte too many is refused, the
 * largest that fits is written. */
static void test_skf_too_long(void)
{
	static uint8_t data[UINT16_MAX];
	uint8_t hdr[SKF_HDR_LEN];
	struct wbuf w;

	CU_ASSERT_EQUAL(skf_header_write(hdr, 0, 1, 1,
					 UINT16_MAX - SKF_HDR_LEN + 1), -1);
	CU_ASSERT_EQUAL(skf_header_write(hdr, 0, 1, 1,
					 UINT16_MAX - SKF_HDR_LEN), 0);
	CU_ASSERT_EQUAL(get_u16(hdr + 2), UINT16_MAX);
	wb_init(&w);
	skf_build(&w, 0, 1, 1, data, sizeof(data));
	CU_ASSERT_TRUE(w.oom);
	wb_free(&w);
}

static void test_notify_data(void)
{
	uint8_t b[64] = { 0 };
	uint16_t algs[SIGHASH_MAX], g;
	size_t n, na;
	uint32_t lt;
	const uint8_t *tk;
	size_t tklen;

	CU_ASSERT_EQUAL(notify_natd_parse(b, 20, &err), 0);
	CU_ASSERT_EQUAL(notify_natd_parse(b, 21, &err), -1);
	CU_ASSERT_EQUAL(notify_cookie_parse(b, 64, &err), 0);
	CU_ASSERT_EQUAL(notify_cookie_parse(b, 0, &err), -1);
	n = hex2bin("0013", b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(notify_invalid_ke_parse(b, n, &g, &err), 0);
	CU_ASSERT_EQUAL(g, DH_ECP256);
	n = hex2bin("0002 0003 0004 0005", b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(notify_sighash_parse(b, n, algs, &na, &err), 0);
	CU_ASSERT_EQUAL(na, 4);
	CU_ASSERT_EQUAL(algs[0], HASH_SHA2_256);
	CU_ASSERT_EQUAL(algs[3], HASH_IDENTITY);
	n = hex2bin("00000e10 deadbeef01", b, sizeof(b));
	CU_ASSERT_EQUAL_FATAL(notify_ticket_lt_parse(b, n, &lt, &tk, &tklen,
						     &err), 0);
	CU_ASSERT_EQUAL(lt, 3600);
	CU_ASSERT_EQUAL(tklen, 5);
	CU_ASSERT_PTR_EQUAL(tk, b + 4);
}

static void test_golden_sa_init(void)
{
	static uint8_t want[512];
	size_t n = hex2bin(golden_sa_init_hex, want, sizeof(want));
	struct wbuf w;
	static struct payload_list l;
	static struct sa_payload sa;
	struct ike_hdr h;
	struct ke_payload ke;
	struct notify_payload nt;

	CU_ASSERT_EQUAL_FATAL(n, 272);
	wb_init(&w);
	build_golden_sa_init(&w);
	CU_ASSERT_FALSE_FATAL(w.oom);
	CU_ASSERT_EQUAL_FATAL(w.len, n);
	CU_ASSERT_EQUAL(memcmp(w.p, want, n), 0);

	CU_ASSERT_EQUAL_FATAL(ike_hdr_parse(want, n, &h, &err), 0);
	CU_ASSERT_EQUAL(h.exchange, EXCH_IKE_SA_INIT);
	CU_ASSERT_EQUAL(h.flags, IKE_FLAG_I);
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(h.next, want + IKE_HDR_LEN,
						  n - IKE_HDR_LEN, &l, &err), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 6);
	CU_ASSERT_EQUAL_FATAL(sa_parse(l.pl[0].body, l.pl[0].len, &sa, &err), 0);
	CU_ASSERT_EQUAL_FATAL(sa.n, 1);
	CU_ASSERT_EQUAL_FATAL(sa.p[0].n, 3);
	CU_ASSERT_EQUAL(sa.p[0].t[0].id, ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(sa.p[0].t[0].keylen, 256);
	CU_ASSERT_EQUAL(sa.p[0].t[1].id, PRF_HMAC_SHA2_384);
	CU_ASSERT_EQUAL(sa.p[0].t[2].type, TRANS_DH);
	CU_ASSERT_EQUAL(sa.p[0].t[2].id, DH_ECP384);
	CU_ASSERT_EQUAL_FATAL(ke_parse(l.pl[1].body, l.pl[1].len, &ke, &err), 0);
	CU_ASSERT_EQUAL(ke.group, DH_ECP384);
	CU_ASSERT_EQUAL(ke.len, 96);
	CU_ASSERT_EQUAL(l.pl[2].type, PL_NONCE);
	CU_ASSERT_EQUAL(nonce_parse(l.pl[2].body, l.pl[2].len, &err), 0);
	CU_ASSERT_EQUAL_FATAL(notify_parse(l.pl[5].body, l.pl[5].len, &nt, &err), 0);
	CU_ASSERT_EQUAL(nt.type, N_REDIRECT_SUPPORTED);
	CU_ASSERT_EQUAL(walk_message(want, n, &err), 0);
	wb_free(&w);
}

/* Builds N(REDIRECT) carrying gw (and nonce) and compares with hex. */
static void check_redirect(const struct gw_ident *gw, const uint8_t *nonce,
			   size_t nonce_len, const char *hex, const char *str)
{
	static uint8_t want[512];
	size_t n = hex2bin(hex, want, sizeof(want));
	struct wbuf data, w;
	struct pl_chain c;
	struct payload_list l;
	struct notify_payload nt;
	struct gw_ident got;
	const uint8_t *pn;
	size_t pnl;
	char s[256];

	CU_ASSERT_FATAL(n > 0);
	wb_init(&data);
	wb_init(&w);
	gw_ident_build(&data, gw);
	wb_put(&data, nonce, nonce_len);
	chain_init(&c, &w);
	notify_build(&c, 0, NULL, 0, N_REDIRECT, data.p, data.len);
	CU_ASSERT_EQUAL_FATAL(w.len, n);
	CU_ASSERT_EQUAL(memcmp(w.p, want, n), 0);

	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(PL_NOTIFY, want, n, &l,
						  &err), 0);
	CU_ASSERT_EQUAL_FATAL(notify_parse(l.pl[0].body, l.pl[0].len, &nt,
					   &err), 0);
	CU_ASSERT_EQUAL(nt.type, N_REDIRECT);
	CU_ASSERT_EQUAL_FATAL(notify_redirect_parse(nt.data, nt.len, &got, &pn,
						    &pnl, &err), 0);
	CU_ASSERT_EQUAL(got.type, gw->type);
	CU_ASSERT_EQUAL_FATAL(got.len, gw->len);
	CU_ASSERT_EQUAL(memcmp(got.data, gw->data, gw->len), 0);
	CU_ASSERT_EQUAL_FATAL(pnl, nonce_len);
	if (nonce_len) {
		CU_ASSERT_EQUAL(memcmp(pn, nonce, nonce_len), 0);
	} else {
		CU_ASSERT_PTR_NULL(pn);
	}
	CU_ASSERT_STRING_EQUAL(gw_ident_str(&got, s, sizeof(s)), str);
	/* Without a nonce the same data is a valid REDIRECTED_FROM. */
	CU_ASSERT_EQUAL(notify_redirected_from_parse(nt.data, nt.len, &got,
						     &err),
			nonce_len ? -1 : 0);
	wb_free(&data);
	wb_free(&w);
}

static void test_golden_redirect(void)
{
	struct gw_ident v4 = { GW_IPV4, 4, { 192, 0, 2, 1 } };
	struct gw_ident v6 = { GW_IPV6, 16, { 0x20, 0x01, 0x0d, 0xb8,
					      [15] = 1 } };
	struct gw_ident fq = { GW_FQDN, 14, "gw.example.org" };
	uint8_t nonce[32];

	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(0x20 + i);
	check_redirect(&v4, NULL, 0,
		       "00 00 000e 00 00 4017 01 04 c0000201", "192.0.2.1");
	check_redirect(&v6, NULL, 0,
		       "00 00 001a 00 00 4017 02 10"
		       "20010db8000000000000000000000001", "2001:db8::1");
	check_redirect(&fq, NULL, 0,
		       "00 00 0018 00 00 4017 03 0e"
		       "67772e6578616d706c652e6f7267", "gw.example.org");
	check_redirect(&v4, nonce, sizeof(nonce),
		       "00 00 002e 00 00 4017 01 04 c0000201"
		       "202122232425262728292a2b2c2d2e2f"
		       "303132333435363738393a3b3c3d3e3f", "192.0.2.1");
	check_redirect(&fq, nonce, 16,
		       "00 00 0028 00 00 4017 03 0e"
		       "67772e6578616d706c652e6f7267"
		       "202122232425262728292a2b2c2d2e2f", "gw.example.org");
}

/* V payloads: only the exact bytes count, wherever they stand. */
static void test_vendor_id(void)
{
	static const uint8_t vid[4] = { 0xde, 0xad, 0xbe, 0xef };
	static struct payload_list pl;
	struct wbuf w;
	struct pl_chain c;
	struct verr e = { "" };

	wb_init(&w);
	chain_init(&c, &w);
	chain_add(&c, PL_VENDOR, "\xde\xad\xbe", 3);        /* a prefix */
	chain_add(&c, PL_VENDOR, "\xde\xad\xbe\xef\x00", 5); /* longer */
	chain_add(&c, PL_NONCE, vid, sizeof(vid));          /* not a V */
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(c.first, w.p, w.len, &pl, &e),
			      0);
	CU_ASSERT_FALSE(vendor_id_present(&pl, vid, sizeof(vid)));
	chain_add(&c, PL_VENDOR, vid, sizeof(vid));
	CU_ASSERT_EQUAL_FATAL(payload_chain_parse(c.first, w.p, w.len, &pl, &e),
			      0);
	CU_ASSERT(vendor_id_present(&pl, vid, sizeof(vid)));
	wb_free(&w);
}

/* vpnd's own Vendor ID is what vpnd.profile(5) says it is. */
static void test_vpnd_vendor_id(void)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	CU_ASSERT_FATAL(EVP_Digest(VPND_VENDOR_ID_TEXT,
				   strlen(VPND_VENDOR_ID_TEXT), md, &n,
				   EVP_sha256(), NULL));
	CU_ASSERT_EQUAL(VPND_VENDOR_ID_LEN, 16);
	CU_ASSERT(!memcmp(md, VPND_VENDOR_ID, VPND_VENDOR_ID_LEN));
}

static void test_gw_ident_str_small(void)
{
	struct gw_ident fq = { GW_FQDN, 14, "gw.example.org" };
	struct gw_ident bad = { GW_IPV4, 3, { 1, 2, 3 } };
	char s[6];

	CU_ASSERT_STRING_EQUAL(gw_ident_str(&fq, s, sizeof(s)), "gw.ex");
	CU_ASSERT_STRING_EQUAL(gw_ident_str(&bad, s, sizeof(s)), "?");
}

/* A body too long for the 16-bit length marks the build as failed. */
static void test_oversize_payload(void)
{
	struct wbuf w;
	struct pl_chain c;
	size_t h;

	wb_init(&w);
	chain_init(&c, &w);
	h = chain_begin(&c, PL_VENDOR, false);
	wb_zero(&w, UINT16_MAX - 4);
	chain_end(&c, h);
	CU_ASSERT_FALSE(w.oom);
	CU_ASSERT_EQUAL(get_u16(w.p + 2), UINT16_MAX);
	h = chain_begin(&c, PL_VENDOR, false);
	wb_zero(&w, UINT16_MAX - 3);
	chain_end(&c, h);
	CU_ASSERT_TRUE(w.oom);
	wb_free(&w);
}

int main(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "header", test_header },
		{ "chain", test_chain },
		{ "sk_last", test_sk_last },
		{ "sa_roundtrip", test_sa_roundtrip },
		{ "sa_lone_number", test_sa_lone_number },
		{ "sa_unknown_attrs", test_sa_unknown_attrs },
		{ "ke_nonce", test_ke_nonce },
		{ "id_auth_cert", test_id_auth_cert },
		{ "id_addr", test_id_addr },
		{ "notify_delete", test_notify_delete },
		{ "ts", test_ts },
		{ "cp", test_cp },
		{ "eap_skf", test_eap_skf },
		{ "skf_build_golden", test_skf_build_golden },
		{ "skf_roundtrip", test_skf_roundtrip },
		{ "skf_too_long", test_skf_too_long },
		{ "notify_data", test_notify_data },
		{ "golden_sa_init", test_golden_sa_init },
		{ "golden_redirect", test_golden_redirect },
		{ "gw_ident_str_small", test_gw_ident_str_small },
		{ "vendor_id", test_vendor_id },
		{ "vpnd_vendor_id", test_vpnd_vendor_id },
		{ "oversize_payload", test_oversize_payload },
	};
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("wire", NULL, NULL);
	for (size_t i = 0; s && i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
