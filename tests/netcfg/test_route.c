/* Routes for the remote selectors with the virtual IP as source. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "ntest.h"

#define VIP4 "203.0.113.10"
#define VIP6 "2001:db8:100::10"

static struct netcfg *nc;

static int setup(void)
{
	struct verr e;
	struct netcfg_prefix v4 = nt_prefix(VIP4 "/32");
	struct netcfg_prefix v6 = nt_prefix(VIP6 "/128");

	nc = netcfg_open(&e);
	if (!nc)
		return -1;
	/* A preferred source must be a local address. */
	if (netcfg_addr_add(nc, tn_ifindex(NT_DEV), &v4, &e) < 0 ||
	    netcfg_addr_add(nc, tn_ifindex(NT_DEV), &v6, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int teardown(void)
{
	struct netcfg_prefix v4 = nt_prefix(VIP4 "/32");
	struct netcfg_prefix v6 = nt_prefix(VIP6 "/128");
	struct verr e;

	netcfg_addr_del(nc, tn_ifindex(NT_DEV), &v4, &e);
	netcfg_addr_del(nc, tn_ifindex(NT_DEV), &v6, &e);
	netcfg_close(nc);
	return 0;
}

static void test_dev_for(void)
{
	struct netcfg_ip gw = nt_ip("203.0.113.1");
	struct netcfg_ip onlink = nt_ip("192.0.2.99");
	struct netcfg_ip gw6 = nt_ip("2001:db8:ffff::1");
	struct netcfg_path p;
	struct verr e;
	char s[64];
	int idx = 0;

	NT_OK(netcfg_route_dev_for(nc, &gw, &idx, &e), &e);
	CU_ASSERT_EQUAL(idx, tn_ifindex(NT_DEV));
	NT_OK(netcfg_route_get(nc, &gw, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.via, s, sizeof(s)), NT_ROUTER4);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), NT_LOCAL4);
	CU_ASSERT_EQUAL(p.table, 254);
	NT_OK(netcfg_route_get(nc, &onlink, &p, &e), &e);
	CU_ASSERT_EQUAL(p.via.family, 0);
	CU_ASSERT_EQUAL(p.ifindex, tn_ifindex(NT_DEV));
	NT_OK(netcfg_route_get(nc, &gw6, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.via, s, sizeof(s)), NT_ROUTER6);
	CU_ASSERT_EQUAL(p.ifindex, tn_ifindex(NT_DEV));
	/* Our own address is no gateway. */
	CU_ASSERT_EQUAL(netcfg_route_get(nc, &(struct netcfg_ip){ AF_INET,
				{ 192, 0, 2, 2 } }, &p, &e), -1);
	NT_STR_EQ(e.msg, "looking up the route to 192.0.2.2: it is an "
		  "address of this host");
}

static void test_route4_prefsrc(void)
{
	struct netcfg_route r = { .dst = nt_prefix("198.51.100.0/24"),
				  .via = nt_ip(NT_ROUTER4),
				  .src = nt_ip(VIP4),
				  .ifindex = tn_ifindex(NT_DEV) };
	struct netcfg_ip inside = nt_ip("198.51.100.7");
	struct netcfg_path p;
	struct nt_route got;
	struct verr e;
	char s[64];

	NT_OK(netcfg_route_add(nc, &r, &e), &e);
	got = nt_find_route("198.51.100.0/24", 254, 0);
	CU_ASSERT_TRUE(got.found);
	NT_STR_EQ(got.src, VIP4);
	NT_STR_EQ(got.via, NT_ROUTER4);
	CU_ASSERT_EQUAL(got.oif, tn_ifindex(NT_DEV));
	CU_ASSERT_EQUAL(got.protocol, RTPROT_STATIC);
	/* What the kernel now picks for traffic to the remote network. */
	NT_OK(netcfg_route_get(nc, &inside, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), VIP4);

	CU_ASSERT_EQUAL(netcfg_route_add(nc, &r, &e), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	NT_STR_EQ(e.msg, "adding route 198.51.100.0/24 via 192.0.2.1 dev "
		  "veth0 src 203.0.113.10 table 254 metric 0: File exists");

	NT_OK(netcfg_route_del(nc, &r, &e), &e);
	CU_ASSERT_FALSE(nt_find_route("198.51.100.0/24", 254, -1).found);
	CU_ASSERT_EQUAL(netcfg_route_del(nc, &r, &e), -1);
	CU_ASSERT_EQUAL(errno, ESRCH);
	NT_OK(netcfg_route_get(nc, &inside, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), NT_LOCAL4);
}

static void test_route6_prefsrc(void)
{
	struct netcfg_route r = { .dst = nt_prefix("2001:db8:1::/48"),
				  .src = nt_ip(VIP6),
				  .ifindex = tn_ifindex(NT_DEV),
				  .metric = 1024 };
	struct netcfg_ip inside = nt_ip("2001:db8:1::7");
	struct netcfg_path p;
	struct nt_route got;
	struct verr e;
	char s[64];

	NT_OK(netcfg_route_add(nc, &r, &e), &e);
	got = nt_find_route("2001:db8:1::/48", 254, 1024);
	CU_ASSERT_TRUE(got.found);
	NT_STR_EQ(got.src, VIP6);
	NT_STR_EQ(got.via, "");
	CU_ASSERT_EQUAL(got.oif, tn_ifindex(NT_DEV));
	NT_OK(netcfg_route_get(nc, &inside, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), VIP6);
	NT_OK(netcfg_route_del(nc, &r, &e), &e);
	CU_ASSERT_FALSE(nt_find_route("2001:db8:1::/48", 254, -1).found);
}

/* Deleting ours must leave a foreign route to the same prefix. */
static void test_del_exact(void)
{
	struct netcfg_route r = { .dst = nt_prefix("198.51.100.0/24"),
				  .via = nt_ip(NT_ROUTER4),
				  .src = nt_ip(VIP4),
				  .ifindex = tn_ifindex(NT_DEV),
				  .metric = 10 };
	struct verr e;

	CU_ASSERT_EQUAL(nt_add_route("198.51.100.0/24", NT_ROUTER4, NT_DEV,
				     500), 0);
	NT_OK(netcfg_route_add(nc, &r, &e), &e);
	CU_ASSERT_EQUAL(nt_find_route("198.51.100.0/24", 254, -1).count, 2);
	NT_OK(netcfg_route_del(nc, &r, &e), &e);
	CU_ASSERT_FALSE(nt_find_route("198.51.100.0/24", 254, 10).found);
	CU_ASSERT_TRUE(nt_find_route("198.51.100.0/24", 254, 500).found);
	/* Ours is gone: deleting again must not take the foreign one. */
	CU_ASSERT_EQUAL(netcfg_route_del(nc, &r, &e), -1);
	CU_ASSERT_TRUE(nt_find_route("198.51.100.0/24", 254, 500).found);
	r.metric = 500;
	r.src.family = 0;
	/* Same prefix, metric, next hop: the protocol still tells. */
	CU_ASSERT_EQUAL(netcfg_route_del(nc, &r, &e), -1);
	CU_ASSERT_TRUE(nt_find_route("198.51.100.0/24", 254, 500).found);
	CU_ASSERT_EQUAL(nt_del_route("198.51.100.0/24", NT_ROUTER4, NT_DEV,
				     500), 0);
}

struct count_ctx {
	unsigned n;
};

static int count_cb(const struct netcfg_route *r, void *ctx)
{
	struct count_ctx *c = ctx;
	char s[64];

	if (strcmp(netcfg_prefix_str(&r->dst, s, sizeof(s)),
		   "192.0.2.0/24") == 0 && r->table == 254)
		c->n++;
	return 0;
}

static void test_list(void)
{
	struct count_ctx c = { 0 };
	struct verr e;

	NT_OK(netcfg_route_list(nc, AF_INET, count_cb, &c, &e), &e);
	CU_ASSERT_EQUAL(c.n, 1);
}

void add_route_tests(void)
{
	CU_pSuite s = CU_add_suite("route", setup, teardown);

	CU_add_test(s, "interface towards the gateway", test_dev_for);
	CU_add_test(s, "IPv4 route with prefsrc", test_route4_prefsrc);
	CU_add_test(s, "IPv6 route with prefsrc", test_route6_prefsrc);
	CU_add_test(s, "delete only our route", test_del_exact);
	CU_add_test(s, "route dump", test_list);
}
