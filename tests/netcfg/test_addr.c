/* Virtual IPs on the interface towards the gateway. */
#include <errno.h>
#include <linux/if_addr.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "ntest.h"

static struct netcfg *nc;

static int setup(void)
{
	struct verr e;

	nc = netcfg_open(&e);
	return nc ? 0 : -1;
}

static int teardown(void)
{
	netcfg_close(nc);
	return 0;
}

static void test_ipv4_add_del(void)
{
	struct netcfg_prefix vip = nt_prefix("203.0.113.10/32");
	int dev = tn_ifindex(NT_DEV);
	struct nt_addr a;
	struct verr e;
	bool present = false;

	NT_OK(netcfg_addr_add(nc, dev, &vip, &e), &e);
	a = nt_find_addr(NT_DEV, "203.0.113.10", 32);
	CU_ASSERT_TRUE(a.found);
	CU_ASSERT_TRUE(a.flags & IFA_F_NOPREFIXROUTE);
	NT_OK(netcfg_addr_present(nc, dev, &vip, &present, &e), &e);
	CU_ASSERT_TRUE(present);

	/* Already there: not ours, and the message names it. */
	CU_ASSERT_EQUAL(netcfg_addr_add(nc, dev, &vip, &e), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	NT_PREFIX(e.msg, "adding address 203.0.113.10/32 to dev veth0: "
		  "File exists");

	NT_OK(netcfg_addr_del(nc, dev, &vip, &e), &e);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, "203.0.113.10", 32).found);
	NT_OK(netcfg_addr_present(nc, dev, &vip, &present, &e), &e);
	CU_ASSERT_FALSE(present);
	/* The local address was not touched. */
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, NT_LOCAL4, 24).found);

	CU_ASSERT_EQUAL(netcfg_addr_del(nc, dev, &vip, &e), -1);
	CU_ASSERT_EQUAL(errno, EADDRNOTAVAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "deleting address "
				      "203.0.113.10/32 from dev veth0: "));
}

/* A VIP with the VPN's prefix length must not make the LAN interface
 * the route to the VPN's network. */
static void test_no_prefix_route(void)
{
	struct netcfg_prefix v4 = nt_prefix("203.0.113.10/24");
	struct netcfg_prefix v6 = nt_prefix("2001:db8:100::10/64");
	int dev = tn_ifindex(NT_DEV);
	struct nt_addr a;
	struct verr e;

	NT_OK(netcfg_addr_add(nc, dev, &v4, &e), &e);
	NT_OK(netcfg_addr_add(nc, dev, &v6, &e), &e);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, "203.0.113.10", 24).found);
	a = nt_find_addr(NT_DEV, "2001:db8:100::10", 64);
	CU_ASSERT_TRUE(a.found);
	CU_ASSERT_TRUE(a.flags & IFA_F_NODAD);
	CU_ASSERT_TRUE(a.flags & IFA_F_NOPREFIXROUTE);
	CU_ASSERT_FALSE(a.flags & IFA_F_TENTATIVE);
	CU_ASSERT_FALSE(nt_find_route("203.0.113.0/24", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_route("2001:db8:100::/64", 254, -1).found);
	/* Control: the LAN's own prefix routes are there. */
	CU_ASSERT_TRUE(nt_find_route("192.0.2.0/24", 254, -1).found);
	CU_ASSERT_TRUE(nt_find_route("2001:db8::/64", 254, -1).found);
	NT_OK(netcfg_addr_del(nc, dev, &v4, &e), &e);
	NT_OK(netcfg_addr_del(nc, dev, &v6, &e), &e);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, "203.0.113.10", 24).found);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, "2001:db8:100::10", 64).found);
}

static void test_ipv6_add_del(void)
{
	struct netcfg_prefix vip = nt_prefix("2001:db8:100::10/128");
	int dev = tn_ifindex(NT_DEV);
	struct verr e;

	NT_OK(netcfg_addr_add(nc, dev, &vip, &e), &e);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, "2001:db8:100::10", 128).found);
	CU_ASSERT_EQUAL(netcfg_addr_add(nc, dev, &vip, &e), -1);
	NT_PREFIX(e.msg, "adding address 2001:db8:100::10/128 to dev veth0: "
		  "File exists");
	NT_OK(netcfg_addr_del(nc, dev, &vip, &e), &e);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, "2001:db8:100::10", 128).found);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, NT_LOCAL6, 64).found);
}

static void test_bad_input(void)
{
	struct netcfg_prefix bad = nt_prefix("203.0.113.10/32");
	struct verr e;
	int idx = 0;

	bad.len = 33;
	CU_ASSERT_EQUAL(netcfg_addr_add(nc, tn_ifindex(NT_DEV), &bad, &e),
			-1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(netcfg_ifindex("nosuchdev0", &idx, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "nosuchdev0"));
	NT_OK(netcfg_ifindex(NT_DEV, &idx, &e), &e);
	CU_ASSERT_EQUAL(idx, tn_ifindex(NT_DEV));
	/* An unknown interface index: the kernel's answer, named. */
	CU_ASSERT_EQUAL(netcfg_addr_add(nc, 9999, &bad, &e), -1);
}

static void test_prefix_helpers(void)
{
	struct netcfg_prefix p;
	char s[64];

	CU_ASSERT_TRUE(netcfg_prefix_parse("198.51.100.0/24", &p));
	CU_ASSERT_TRUE(netcfg_prefix_covers(&p, &(struct netcfg_ip){
		AF_INET, { 198, 51, 100, 77 } }));
	CU_ASSERT_FALSE(netcfg_prefix_covers(&p, &(struct netcfg_ip){
		AF_INET, { 198, 51, 101, 1 } }));
	CU_ASSERT_TRUE(netcfg_prefix_parse("2001:db8:1::/48", &p));
	NT_STR_EQ(netcfg_prefix_str(&p, s, sizeof(s)), "2001:db8:1::/48");
	CU_ASSERT_TRUE(netcfg_prefix_parse("0.0.0.0/0", &p));
	CU_ASSERT_TRUE(netcfg_prefix_covers(&p, &(struct netcfg_ip){
		AF_INET, { 203, 0, 113, 1 } }));
	CU_ASSERT_TRUE(netcfg_prefix_parse("192.0.2.1", &p));
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_FALSE(netcfg_prefix_parse("192.0.2.1/33", &p));
	CU_ASSERT_FALSE(netcfg_prefix_parse("192.0.2.1/", &p));
	CU_ASSERT_FALSE(netcfg_prefix_parse("192.0.2.1/-1", &p));
	CU_ASSERT_FALSE(netcfg_prefix_parse("2001:db8::/129", &p));
	CU_ASSERT_FALSE(netcfg_prefix_parse("example/8", &p));
}

static void expect_range(const char *start, const char *end,
			 const char *want)
{
	struct netcfg_ip a = nt_ip(start), b = nt_ip(end);
	struct netcfg_prefix out[300];
	char got[2048] = "", one[64];
	size_t i, n = 0;

	CU_ASSERT_EQUAL_FATAL(netcfg_range_prefixes(a.family, a.bytes,
						    b.bytes, out, 300, &n), 0);
	for (i = 0; i < n; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, netcfg_prefix_str(&out[i], one, sizeof(one)));
	}
	NT_STR_EQ(got, want);
}

/* Traffic selectors are ranges; routes are prefixes. */
static void test_ranges(void)
{
	struct netcfg_ip a = nt_ip("198.51.100.9"), b = nt_ip("198.51.100.1");
	struct netcfg_prefix out[2];
	size_t n;

	expect_range("0.0.0.0", "255.255.255.255", "0.0.0.0/0");
	expect_range("198.51.100.0", "198.51.100.255", "198.51.100.0/24");
	expect_range("192.0.2.7", "192.0.2.7", "192.0.2.7/32");
	expect_range("192.0.2.1", "192.0.2.6",
		     "192.0.2.1/32 192.0.2.2/31 192.0.2.4/31 192.0.2.6/32");
	expect_range("255.255.255.254", "255.255.255.255",
		     "255.255.255.254/31");
	expect_range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0");
	expect_range("2001:db8:1::", "2001:db8:1:ffff:ffff:ffff:ffff:ffff",
		     "2001:db8:1::/48");
	expect_range("2001:db8::ff", "2001:db8::100",
		     "2001:db8::ff/128 2001:db8::100/128");
	CU_ASSERT_EQUAL(netcfg_range_prefixes(AF_INET, a.bytes, b.bytes, out,
					      2, &n), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	a = nt_ip("192.0.2.1");
	b = nt_ip("192.0.2.6");
	CU_ASSERT_EQUAL(netcfg_range_prefixes(AF_INET, a.bytes, b.bytes, out,
					      2, &n), -1);
	CU_ASSERT_EQUAL(errno, ENOSPC);
}

void add_addr_tests(void)
{
	CU_pSuite s = CU_add_suite("addr", setup, teardown);

	CU_add_test(s, "IPv4 virtual IP add/del", test_ipv4_add_del);
	CU_add_test(s, "IPv6 virtual IP add/del", test_ipv6_add_del);
	CU_add_test(s, "no prefix route on the LAN", test_no_prefix_route);
	CU_add_test(s, "invalid input", test_bad_input);
	CU_add_test(s, "prefix helpers", test_prefix_helpers);
	CU_add_test(s, "selector ranges as prefixes", test_ranges);
}
