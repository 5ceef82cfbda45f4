/* The ownership record file: format, parser, atomic save. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "ntest.h"
#include "record_internal.h"

static const char sample[] =
	"# Network configuration vpnd installed for connection office;\n"
	"# vpnd removes it after a crash. Do not edit.\n"
	"vpnd-netcfg 1\n"
	"conn office\n"
	"addr dev=veth0 ifindex=2 addr=203.0.113.10/32\n"
	"addr dev=veth0 ifindex=2 addr=2001:db8:100::10/64\n"
	"route dev=veth0 ifindex=2 dst=203.0.113.1/32 via=192.0.2.1 "
	"src=192.0.2.2 table=254 metric=0\n"
	"route dev=veth0 ifindex=2 dst=2001:db8:1::/48 via=- "
	"src=2001:db8:100::10 table=220 metric=1024\n"
	"dns method=resolved dev=veth0 ifindex=2 path=-\n";

static void test_roundtrip(void)
{
	struct netcfg_record rec;
	struct wbuf w;
	struct verr e;
	char s[64];

	NT_OK(nc_record_parse(sample, strlen(sample), "sample", &rec, &e), &e);
	NT_STR_EQ(rec.conn, "office");
	CU_ASSERT_EQUAL(rec.n_addrs, 2);
	CU_ASSERT_EQUAL(rec.n_routes, 2);
	CU_ASSERT_EQUAL(rec.addrs[1].ifindex, 2);
	NT_STR_EQ(netcfg_prefix_str(&rec.addrs[1].addr, s, sizeof(s)),
		  "2001:db8:100::10/64");
	CU_ASSERT_EQUAL(rec.routes[1].route.table, 220);
	CU_ASSERT_EQUAL(rec.routes[1].route.metric, 1024);
	CU_ASSERT_EQUAL(rec.routes[1].route.via.family, 0);
	NT_STR_EQ(netcfg_ip_str(&rec.routes[0].route.via, s, sizeof(s)),
		  "192.0.2.1");
	CU_ASSERT_TRUE(rec.has_dns);
	CU_ASSERT_EQUAL(rec.dns.method, NETCFG_DNS_RESOLVED);
	CU_ASSERT_EQUAL(rec.dns.ifindex, 2);
	NT_STR_EQ(rec.dns.link, "veth0");
	wb_init(&w);
	nc_record_format(&rec, &w);
	wb_u8(&w, 0);
	NT_STR_EQ((const char *)w.p, sample);
	wb_free(&w);
}

static void expect_bad(const char *text, const char *msg)
{
	struct netcfg_record rec;
	struct verr e = { "" };

	CU_ASSERT_EQUAL(nc_record_parse(text, strlen(text), "f", &rec, &e),
			-1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	NT_STR_EQ(e.msg, msg);
}

static void test_malformed(void)
{
	expect_bad("", "f: not a vpnd network record (no header)");
	expect_bad("vpnd-netcfg 2\n", "f:1: not a vpnd network record "
		   "(version 1)");
	expect_bad("vpnd-netcfg 1\nconn a\naddr dev=veth0 ifindex=2 "
		   "addr=1.2.3.4/32", "f:3: truncated line");
	expect_bad("vpnd-netcfg 1\naddr dev=veth0 ifindex=2 "
		   "addr=192.0.2.9/32\n", "f:2: entry before the conn line");
	expect_bad("vpnd-netcfg 1\nconn a\naddr dev=veth0 ifindex=2 "
		   "addr=192.0.2.9/33\n", "f:3: invalid address entry");
	expect_bad("vpnd-netcfg 1\nconn a\naddr dev=veth0 ifindex=0 "
		   "addr=192.0.2.9/32\n", "f:3: invalid address entry");
	expect_bad("vpnd-netcfg 1\nconn a\naddr dev=veth0 ifindex=2 "
		   "addr=192.0.2.9/32 extra=1\n", "f:3: unknown field extra");
	expect_bad("vpnd-netcfg 1\nconn a\naddr dev=veth0 dev=veth1 "
		   "addr=192.0.2.9/32\n", "f:3: repeated field");
	expect_bad("vpnd-netcfg 1\nconn a\nroute dev=veth0 ifindex=2 "
		   "dst=198.51.100.0/24 via=2001:db8::1 src=- table=254 "
		   "metric=0\n", "f:3: invalid route entry");
	expect_bad("vpnd-netcfg 1\nconn a\nroute dev=veth0 ifindex=2 "
		   "dst=198.51.100.0/24 via=- src=- table=254 "
		   "metric=4294967296\n", "f:3: invalid route entry");
	expect_bad("vpnd-netcfg 1\nconn ../x\n",
		   "f:2: invalid or repeated conn line");
	expect_bad("vpnd-netcfg 1\nconn a\ndns method=file dev=- ifindex=0 "
		   "path=-\n", "f:3: dns entry lacks its link or path");
	expect_bad("vpnd-netcfg 1\nconn a\ndns method=resolved dev=tun0 "
		   "ifindex=0 path=-\n", "f:3: invalid dns link");
	expect_bad("vpnd-netcfg 1\nconn a\ndns method=resolved link=tun0 "
		   "path=-\n", "f:3: unknown field link");
	expect_bad("vpnd-netcfg 1\nconn a\nrule x=1\n", "f:3: unknown entry");
	expect_bad("vpnd-netcfg 1\nconn a\naddr x\n", "f:3: expected "
		   "key=value");
}

static void test_save_load(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_record rec, back;
	struct netcfg_route r = { .dst = nt_prefix("198.51.100.0/24"),
				  .src = nt_ip("203.0.113.10"),
				  .ifindex = tn_ifindex(NT_DEV) };
	struct netcfg_prefix a = nt_prefix("203.0.113.10/32");
	char path[256], tmp[256];
	struct stat st;
	struct verr e;
	mode_t old = umask(0);

	NT_OK(netcfg_record_init(&rec, "office-1", &e), &e);
	NT_OK(netcfg_record_add_addr(&rec, tn_ifindex(NT_DEV), &a, &e), &e);
	NT_OK(netcfg_record_add_route(&rec, &r, &e), &e);
	NT_OK(netcfg_record_save(dir, "office-1", &rec, &e), &e);
	umask(old);
	snprintf(path, sizeof(path), "%s/office-1.netcfg", dir);
	snprintf(tmp, sizeof(tmp), "%s/.office-1.netcfg.tmp", dir);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);
	NT_OK(netcfg_record_load(dir, "office-1", &back, &e), &e);
	NT_STR_EQ(back.addrs[0].ifname, NT_DEV);
	CU_ASSERT_EQUAL(back.routes[0].route.table, 254);
	CU_ASSERT_EQUAL(back.routes[0].route.ifindex, tn_ifindex(NT_DEV));
	/* Over the old one, atomically. */
	NT_OK(netcfg_record_save(dir, "office-1", &rec, &e), &e);
	NT_OK(netcfg_record_remove(dir, "office-1", &e), &e);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	NT_OK(netcfg_record_remove(dir, "office-1", &e), &e);
	CU_ASSERT_EQUAL(netcfg_record_load(dir, "office-1", &back, &e), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_EQUAL(netcfg_record_save("/nonexistent/vpnd", "office-1",
					   &rec, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/vpnd/office-1."
				      "netcfg"));
	nt_rmdir(dir);
}

static void test_names(void)
{
	struct netcfg_record rec;
	struct verr e;

	CU_ASSERT_EQUAL(netcfg_record_init(&rec, "../etc/passwd", &e), -1);
	CU_ASSERT_EQUAL(netcfg_record_init(&rec, ".hidden", &e), -1);
	CU_ASSERT_EQUAL(netcfg_record_init(&rec, "", &e), -1);
	CU_ASSERT_EQUAL(netcfg_record_init(&rec, "a b", &e), -1);
	NT_OK(netcfg_record_init(&rec, "Office_2.example-vpn", &e), &e);
	CU_ASSERT_EQUAL(netcfg_record_save("/tmp", "../x", &rec, &e), -1);
}

void add_record_tests(void)
{
	CU_pSuite s = CU_add_suite("record", NULL, NULL);

	CU_add_test(s, "format and parse", test_roundtrip);
	CU_add_test(s, "malformed records", test_malformed);
	CU_add_test(s, "atomic save, load, remove", test_save_load);
	CU_add_test(s, "connection names", test_names);
}
