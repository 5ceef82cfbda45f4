/* The CP payload (RFC 7296 3.15) and split DNS (RFC 8598): the request
 * byte for byte, the gateway's reply from bytes (cfg_parse_reply: every
 * INTERNAL_DNS_DOMAIN bounds-checked and checked as a DNS name), and
 * what status shows of it after a whole IKE_AUTH in memory (mem.h). */
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "mem.h"

static struct mem m;

/* The body of the IKE_AUTH request's CP payload. */
static const struct ike_payload *request_cp(struct ike_sa *sa)
{
	const struct ike_msg *req = mem_open(&m, sa, m.n_sent - 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	return msg_payload(req, PL_CP);
}

static void test_request_v4(void)
{
	/* CFG_REQUEST, then IP4_ADDRESS, IP4_DNS and an empty DNS_DOMAIN,
	 * each with length 0. */
	static const uint8_t want[] = {
		0x01, 0x00, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x00,
		0x00, 0x03, 0x00, 0x00,
		0x00, 0x19, 0x00, 0x00,
	};
	const struct ike_payload *p;

	mem_begin(&m);
	p = request_cp(mem_auth_sa(&m));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(p->len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(p->body, want, sizeof(want)), 0);
	mem_end(&m);
}

static void test_request_v6(void)
{
	/* ipv6.dns apart from ipv4.dns: IPv4 DNS off, IPv6 DNS on. */
	static const uint8_t want[] = {
		0x01, 0x00, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x00,
		0x00, 0x08, 0x00, 0x00,
		0x00, 0x0a, 0x00, 0x00,
		0x00, 0x19, 0x00, 0x00,
	};
	static const uint8_t none[] = {
		0x01, 0x00, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x00,
		0x00, 0x08, 0x00, 0x00,
	};
	const struct ike_payload *p;

	mem_begin(&m);
	m.prof.request_ipv6 = true;
	m.prof.request_dns4 = false;
	p = request_cp(mem_auth_sa(&m));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(p->len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(p->body, want, sizeof(want)), 0);
	mem_end(&m);
	/* No DNS at all: no domains asked for either. */
	mem_begin(&m);
	m.prof.request_ipv6 = true;
	m.prof.request_dns4 = false;
	m.prof.request_dns6 = false;
	p = request_cp(mem_auth_sa(&m));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(p->len, sizeof(none));
	CU_ASSERT_EQUAL(memcmp(p->body, none, sizeof(none)), 0);
	mem_end(&m);
}

static void parse(const uint8_t *b, size_t len, struct cfg_reply *cfg)
{
	static struct cp_payload cp;
	struct verr e = { { 0 } };

	memset(cfg, 0, sizeof(*cfg));
	CU_ASSERT_EQUAL_FATAL(cp_parse(b, len, &cp, &e), 0);
	CU_ASSERT_EQUAL(cp.cfg_type, CFG_REPLY);
	cfg_parse_reply(&cp, cfg);
}

static void test_reply(void)
{
	static const uint8_t reply[] = {
		0x02, 0x00, 0x00, 0x00,                 /* CFG_REPLY */
		0x00, 0x01, 0x00, 0x04, 198, 51, 100, 7, /* IP4_ADDRESS */
		0x00, 0x03, 0x00, 0x04, 198, 51, 100, 53, /* IP4_DNS */
		0x00, 0x0a, 0x00, 0x10,                 /* IP6_DNS */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
		0x00, 0x19, 0x00, 0x0c,                 /* DNS_DOMAIN */
		'c', 'o', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0x80, 0x19, 0x00, 0x0d,                 /* R bit ignored */
		'l', 'a', 'b', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		'.',                                    /* ".." : refused */
		0x00, 0x19, 0x00, 0x0d,                 /* trailing dot */
		'L', 'a', 'b', '.', 'E', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		0x00,                                   /* NUL inside: no */
		0x00, 0x19, 0x00, 0x0c,                 /* again, other case */
		'C', 'O', 'R', 'P', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0x00, 0x19, 0x00, 0x0b,                 /* with a trailing dot */
		'd', 'e', 'v', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0x00, 0x19, 0x00, 0x00,                 /* empty: refused */
		0x00, 0x19, 0x00, 0x03, '-', 'x', '.',  /* leading hyphen */
	};
	struct cfg_reply cfg;

	parse(reply, sizeof(reply), &cfg);
	CU_ASSERT_TRUE(cfg.has_ip4);
	CU_ASSERT_EQUAL(cfg.n_dns4, 1);
	CU_ASSERT_EQUAL(cfg.dns4[0][3], 53);
	CU_ASSERT_EQUAL_FATAL(cfg.n_dns6, 1);
	CU_ASSERT_EQUAL(cfg.dns6[0][15], 0x53);
	CU_ASSERT_EQUAL_FATAL(cfg.n_domains, 2);
	CU_ASSERT_STRING_EQUAL(cfg.domains[0], "corp.example");
	CU_ASSERT_STRING_EQUAL(cfg.domains[1], "dev.example");
	CU_ASSERT_EQUAL(cfg.n_bad_domains, 4);
	cfg_reply_clear(&cfg);
	CU_ASSERT_EQUAL(cfg.n_domains, 0);
	CU_ASSERT_PTR_NULL(cfg.domains);
}

/* The longest name (253 characters, 254 with its dot) is taken, one
 * more character is not; an attribute longer than the payload is a
 * malformed CP that cp_parse refuses before any of it is used. */
static void test_reply_bounds(void)
{
	uint8_t b[4 + 4 + 256];
	struct cp_payload cp;
	struct cfg_reply cfg;
	struct verr e = { { 0 } };
	size_t i;

	memset(b, 0, sizeof(b));
	b[0] = CFG_REPLY;
	b[5] = CFG_INTERNAL_DNS_DOMAIN;
	for (i = 0; i < 253; i++)
		b[8 + i] = (i % 64 == 63) ? '.' : 'a';
	b[8 + 253] = '.';
	b[7] = 254;
	parse(b, 8 + 254, &cfg);
	CU_ASSERT_EQUAL_FATAL(cfg.n_domains, 1);
	CU_ASSERT_EQUAL(strlen(cfg.domains[0]), 253);
	cfg_reply_clear(&cfg);
	b[8 + 253] = 'a';
	b[8 + 254] = '.';
	b[7] = 255;
	parse(b, 8 + 255, &cfg);
	CU_ASSERT_EQUAL(cfg.n_domains, 0);
	CU_ASSERT_EQUAL(cfg.n_bad_domains, 1);
	cfg_reply_clear(&cfg);
	b[7] = 200;
	CU_ASSERT_EQUAL(cp_parse(b, 8 + 100, &cp, &e), -1);
}

/* A whole IKE_AUTH whose CP reply names DNS servers and a domain: the
 * SA keeps them, status has them as values and in the text. */
static void test_status(void)
{
	static const uint8_t attrs[] = {
		0x00, 0x03, 0x00, 0x04, 198, 51, 100, 53,
		0x00, 0x19, 0x00, 0x0c,
		'c', 'o', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		0x00, 0x19, 0x00, 0x02, 'a', ' ',
	};
	struct conn_status st;
	struct wbuf out;
	char d[64];

	mem_begin(&m);
	m.cp_attrs = attrs;
	m.cp_attrs_len = sizeof(attrs);
	mem_established(&m);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.dns.n_dns4, 1);
	CU_ASSERT_EQUAL(st.dns.dns4[0][3], 53);
	CU_ASSERT_EQUAL(st.dns.n_domains, 1);
	CU_ASSERT_EQUAL(st.dns.n_bad_domains, 1);
	CU_ASSERT_FALSE(st.dns.applied); /* no host side in memory */
	/* The gateway took the profile's remote 0.0.0.0/0. */
	CU_ASSERT_TRUE(st.dns.full_tunnel);
	CU_ASSERT_TRUE(conn_dns_domain_get(m.conn, 0, d, sizeof(d)));
	CU_ASSERT_STRING_EQUAL(d, "corp.example");
	CU_ASSERT_FALSE(conn_dns_domain_get(m.conn, 1, d, sizeof(d)));
	wb_init(&out);
	conn_status(m.conn, &out);
	wb_u8(&out, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)out.p,
				      "  DNS: 198.51.100.53\n"
				      "  DNS domains (split DNS): corp.example\n"
				      "  DNS domains refused: 1 (not DNS names)\n"));
	wb_free(&out);
	mem_end(&m);
}

/* Remote selectors short of a /0: a split tunnel, the domains' names
 * only go to the gateway's servers. */
static void test_split_tunnel(void)
{
	struct conn_status st;
	struct ts_cfg *ts;

	mem_begin(&m);
	ts = &m.prof.remote_ts[0];
	memset(ts, 0, sizeof(*ts));
	ts->family = AF_INET;
	ts->addr[0] = 198;
	ts->addr[1] = 51;
	ts->addr[2] = 100;
	ts->prefix = 24;
	ts->port_hi = 65535;
	m.prof.n_remote_ts = 1;
	mem_established(&m);
	mem_status(&m, &st);
	CU_ASSERT_FALSE(st.dns.full_tunnel);
	mem_end(&m);
}

void register_config_tests(void)
{
	CU_pSuite s = CU_add_suite("config", NULL, NULL);

	CU_add_test(s, "CP request, IPv4", test_request_v4);
	CU_add_test(s, "CP request, IPv6 DNS apart", test_request_v6);
	CU_add_test(s, "CP reply: servers and domains", test_reply);
	CU_add_test(s, "CP reply: bounds", test_reply_bounds);
	CU_add_test(s, "status shows DNS and domains", test_status);
	CU_add_test(s, "split tunnel", test_split_tunnel);
}
