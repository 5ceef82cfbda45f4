/* A whole Child SA's host configuration: bypass, /0 halves, the record
 * and cleanup after a simulated crash. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <CUnit/CUnit.h>

#include "ntest.h"
#include "record_internal.h"

#define GW4 "203.0.113.1"
#define VIP4 "198.51.100.200"
#define VIP6 "2001:db8:100::10"

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

static void full_tunnel(struct netcfg_tunnel *t, const char *dir)
{
	memset(t, 0, sizeof(*t));
	t->gateway = nt_ip(GW4);
	t->vips[t->n_vips++] = nt_prefix(VIP4 "/32");
	t->vips[t->n_vips++] = nt_prefix(VIP6 "/64");
	t->remote[t->n_remote++] = nt_prefix("0.0.0.0/0");
	t->remote[t->n_remote++] = nt_prefix("2001:db8:1::/48");
	t->state_dir = dir;
}

static void check_up(void)
{
	struct netcfg_ip gw = nt_ip(GW4), far = nt_ip("192.0.2.200");
	struct netcfg_ip elsewhere = nt_ip("198.18.0.1");
	struct netcfg_path p;
	struct nt_route r;
	struct verr e;
	char s[64];

	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, VIP4, 32).found);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, VIP6, 64).found);
	/* The gateway keeps its path and its source address. */
	r = nt_find_route(GW4 "/32", 254, 0);
	CU_ASSERT_TRUE(r.found);
	NT_STR_EQ(r.via, NT_ROUTER4);
	NT_STR_EQ(r.src, NT_LOCAL4);
	NT_OK(netcfg_route_get(nc, &gw, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), NT_LOCAL4);
	/* The /0 selector as two halves, with the virtual IP as source. */
	r = nt_find_route("0.0.0.0/1", 254, 0);
	CU_ASSERT_TRUE(r.found);
	NT_STR_EQ(r.src, VIP4);
	NT_STR_EQ(r.via, NT_ROUTER4);
	r = nt_find_route("128.0.0.0/1", 254, 0);
	CU_ASSERT_TRUE(r.found);
	NT_STR_EQ(r.src, VIP4);
	NT_OK(netcfg_route_get(nc, &elsewhere, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), VIP4);
	/* The LAN stays on the LAN; the default route is untouched. */
	NT_OK(netcfg_route_get(nc, &far, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), NT_LOCAL4);
	CU_ASSERT_TRUE(nt_find_route("0.0.0.0/0", 254, 0).found);
	r = nt_find_route("2001:db8:1::/48", 254, 1024);
	CU_ASSERT_TRUE(r.found);
	NT_STR_EQ(r.src, VIP6);
	/* The gateway is IPv4: no IPv6 next hop to borrow. */
	NT_STR_EQ(r.via, "");
}

static void check_down(void)
{
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP4, 32).found);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP6, 64).found);
	CU_ASSERT_FALSE(nt_find_route(GW4 "/32", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_route("0.0.0.0/1", 254, 0).found);
	CU_ASSERT_FALSE(nt_find_route("128.0.0.0/1", 254, 0).found);
	CU_ASSERT_FALSE(nt_find_route("2001:db8:1::/48", 254, -1).found);
	CU_ASSERT_TRUE(nt_find_route("0.0.0.0/0", 254, 0).found);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, NT_LOCAL4, 24).found);
}

static void test_up_down(void)
{
	struct netcfg_record rec;
	struct netcfg_tunnel t;
	struct verr e;

	full_tunnel(&t, NULL);
	NT_OK(netcfg_record_init(&rec, "office", &e), &e);
	NT_OK(netcfg_tunnel_up(nc, &t, &rec, &e), &e);
	CU_ASSERT_EQUAL(rec.n_addrs, 2);
	CU_ASSERT_EQUAL(rec.n_routes, 4);
	check_up();
	NT_OK(netcfg_tunnel_down(nc, NULL, &rec, &e), &e);
	CU_ASSERT_EQUAL(rec.n_addrs + rec.n_routes, 0);
	check_down();
}

static void test_ipv6_full(void)
{
	struct netcfg_tunnel t = { .gateway = nt_ip("2001:db8:ffff::1") };
	struct netcfg_ip far = nt_ip("2001:db8:abcd::1");
	struct netcfg_record rec;
	struct netcfg_path p;
	struct nt_route r;
	struct verr e;
	char s[64];

	t.vips[t.n_vips++] = nt_prefix(VIP6 "/128");
	t.remote[t.n_remote++] = nt_prefix("::/0");
	NT_OK(netcfg_record_init(&rec, "v6", &e), &e);
	NT_OK(netcfg_tunnel_up(nc, &t, &rec, &e), &e);
	r = nt_find_route("2001:db8:ffff::1/128", 254, 1024);
	CU_ASSERT_TRUE(r.found);
	NT_STR_EQ(r.via, NT_ROUTER6);
	NT_STR_EQ(r.src, NT_LOCAL6);
	NT_OK(netcfg_route_get(nc, &t.gateway, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), NT_LOCAL6);
	r = nt_find_route("::/1", 254, 1024);
	CU_ASSERT_TRUE(r.found);
	NT_STR_EQ(r.src, VIP6);
	NT_STR_EQ(r.via, NT_ROUTER6);
	CU_ASSERT_TRUE(nt_find_route("8000::/1", 254, 1024).found);
	NT_OK(netcfg_route_get(nc, &far, &p, &e), &e);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), VIP6);
	NT_OK(netcfg_tunnel_down(nc, NULL, &rec, &e), &e);
	CU_ASSERT_FALSE(nt_find_route("2001:db8:ffff::1/128", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_route("::/1", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_route("8000::/1", 254, -1).found);
	CU_ASSERT_TRUE(nt_find_route("::/0", 254, 1024).found);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP6, 128).found);
}

/* No selector covers the gateway: no bypass route. */
static void test_no_bypass(void)
{
	struct netcfg_record rec;
	struct netcfg_tunnel t = { .gateway = nt_ip(GW4) };
	struct nt_route r;
	struct verr e;

	t.vips[t.n_vips++] = nt_prefix(VIP4 "/32");
	t.remote[t.n_remote++] = nt_prefix("198.51.100.0/24");
	/* No IPv6 virtual IP: the IPv6 selector gets no route. */
	t.remote[t.n_remote++] = nt_prefix("2001:db8:1::/48");
	t.metric = 50;
	NT_OK(netcfg_record_init(&rec, "branch", &e), &e);
	NT_OK(netcfg_tunnel_up(nc, &t, &rec, &e), &e);
	CU_ASSERT_EQUAL(rec.n_routes, 1);
	CU_ASSERT_FALSE(nt_find_route(GW4 "/32", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_route("2001:db8:1::/48", 254, -1).found);
	r = nt_find_route("198.51.100.0/24", 254, 50);
	CU_ASSERT_TRUE(r.found);
	NT_STR_EQ(r.src, VIP4);
	NT_OK(netcfg_tunnel_down(nc, NULL, &rec, &e), &e);
	CU_ASSERT_FALSE(nt_find_route("198.51.100.0/24", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP4, 32).found);
}

/* A failure halfway leaves nothing behind. */
static void test_failure_rolls_back(void)
{
	struct netcfg_record rec;
	struct netcfg_tunnel t = { .gateway = nt_ip(GW4) };
	struct verr e;

	t.vips[t.n_vips++] = nt_prefix(VIP4 "/32");
	t.remote[t.n_remote++] = nt_prefix("198.51.100.0/24");
	t.remote[t.n_remote++] = nt_prefix("198.51.100.0/24");
	NT_OK(netcfg_record_init(&rec, "broken", &e), &e);
	CU_ASSERT_EQUAL(netcfg_tunnel_up(nc, &t, &rec, &e), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "adding route 198.51.100.0/24"));
	CU_ASSERT_EQUAL(rec.n_addrs + rec.n_routes, 0);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP4, 32).found);
	CU_ASSERT_FALSE(nt_find_route("198.51.100.0/24", 254, -1).found);
}

/* Host to host: the selector is the gateway itself, which keeps its
 * path; and a later failure leaves the earlier Child SA's objects. */
static void test_host_to_host(void)
{
	struct netcfg_record rec;
	struct netcfg_tunnel t = { .gateway = nt_ip(GW4) };
	struct netcfg_tunnel bad = { .gateway = nt_ip(GW4) };
	struct nt_route r;
	struct verr e;

	t.vips[t.n_vips++] = nt_prefix(VIP4 "/32");
	t.remote[t.n_remote++] = nt_prefix(GW4 "/32");
	NT_OK(netcfg_record_init(&rec, "h2h", &e), &e);
	NT_OK(netcfg_tunnel_up(nc, &t, &rec, &e), &e);
	CU_ASSERT_EQUAL(rec.n_routes, 1);
	r = nt_find_route(GW4 "/32", 254, -1);
	CU_ASSERT_EQUAL(r.count, 1);
	NT_STR_EQ(r.src, NT_LOCAL4);

	/* A second Child SA whose setup fails (its address is taken). */
	bad.vips[bad.n_vips++] = nt_prefix(VIP6 "/128");
	bad.vips[bad.n_vips++] = nt_prefix(VIP4 "/32");
	bad.remote[bad.n_remote++] = nt_prefix("2001:db8:1::/48");
	CU_ASSERT_EQUAL(netcfg_tunnel_up(nc, &bad, &rec, &e), -1);
	NT_PREFIX(e.msg, "adding address " VIP4 "/32 to dev veth0: "
		  "File exists");
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP6, 128).found);
	CU_ASSERT_EQUAL(rec.n_addrs, 1);
	CU_ASSERT_EQUAL(rec.n_routes, 1);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, VIP4, 32).found);
	CU_ASSERT_TRUE(nt_find_route(GW4 "/32", 254, 0).found);
	NT_OK(netcfg_tunnel_down(nc, NULL, &rec, &e), &e);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP4, 32).found);
	CU_ASSERT_FALSE(nt_find_route(GW4 "/32", 254, -1).found);
}

static bool same_record(const struct netcfg_record *a,
			const struct netcfg_record *b)
{
	struct wbuf wa, wb;
	bool same;

	wb_init(&wa);
	wb_init(&wb);
	nc_record_format(a, &wa);
	nc_record_format(b, &wb);
	same = wa.len == wb.len && memcmp(wa.p, wb.p, wa.len) == 0;
	wb_free(&wa);
	wb_free(&wb);
	return same;
}

static void test_crash_cleanup(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_record rec, loaded;
	struct netcfg_tunnel t;
	char path[256];
	struct stat st;
	struct verr e;

	/* Foreign objects on the same interface, one of them a route to
	 * a prefix we also route (other metric). */
	CU_ASSERT_EQUAL(tn_add_addr(NT_DEV, "192.0.2.77", 32), 0);
	CU_ASSERT_EQUAL(tn_add_addr(NT_DEV, "2001:db8::77", 128), 0);
	CU_ASSERT_EQUAL(nt_add_route("0.0.0.0/1", NT_ROUTER4, NT_DEV, 300), 0);
	CU_ASSERT_EQUAL(nt_add_route("203.0.113.128/25", NT_ROUTER4, NT_DEV, 0),
			0);

	full_tunnel(&t, dir);
	NT_OK(netcfg_record_init(&rec, "office", &e), &e);
	NT_OK(netcfg_tunnel_up(nc, &t, &rec, &e), &e);
	check_up();
	snprintf(path, sizeof(path), "%s/office.netcfg", dir);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	NT_OK(netcfg_record_load(dir, "office", &loaded, &e), &e);
	CU_ASSERT_EQUAL(loaded.n_addrs, 2);
	CU_ASSERT_EQUAL(loaded.n_routes, 4);
	CU_ASSERT_TRUE(same_record(&loaded, &rec));

	/* The "crash": the daemon is gone without a single del call.
	 * Meanwhile someone removed one of our addresses. */
	memset(&rec, 0, sizeof(rec));
	CU_ASSERT_EQUAL(tn_del_addr(NT_DEV, VIP6, 64), 0);
	CU_ASSERT_EQUAL(nt_del_route("128.0.0.0/1", NT_ROUTER4, NT_DEV, 0), 0);
	NT_OK(netcfg_cleanup_stale(nc, dir, NULL, &e), &e);
	check_down();
	CU_ASSERT_EQUAL(stat(path, &st), -1);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, "192.0.2.77", 32).found);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, "2001:db8::77", 128).found);
	CU_ASSERT_TRUE(nt_find_route("0.0.0.0/1", 254, 300).found);
	CU_ASSERT_TRUE(nt_find_route("203.0.113.128/25", 254, 0).found);
	/* Nothing left to clean: not an error. */
	NT_OK(netcfg_cleanup_stale(nc, dir, NULL, &e), &e);
	NT_OK(netcfg_cleanup_stale(nc, dir, "office", &e), &e);

	tn_del_addr(NT_DEV, "192.0.2.77", 32);
	tn_del_addr(NT_DEV, "2001:db8::77", 128);
	nt_del_route("0.0.0.0/1", NT_ROUTER4, NT_DEV, 300);
	nt_del_route("203.0.113.128/25", NT_ROUTER4, NT_DEV, 0);
	nt_rmdir(dir);
}

/* The interface index now has another name: that interface is gone
 * and nothing on the one now there is ours. */
static void test_cleanup_replaced_iface(void)
{
	const char *dir = nt_tmpdir();
	char path[256];
	struct stat st;
	struct verr e;
	FILE *f;

	CU_ASSERT_EQUAL(tn_add_addr(NT_DEV, "192.0.2.77", 32), 0);
	snprintf(path, sizeof(path), "%s/old.netcfg", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "vpnd-netcfg 1\nconn old\naddr dev=wlan7 ifindex=%d "
		"addr=192.0.2.77/32\n", tn_ifindex(NT_DEV));
	fclose(f);
	NT_OK(netcfg_cleanup_stale(nc, dir, "old", &e), &e);
	CU_ASSERT_TRUE(nt_find_addr(NT_DEV, "192.0.2.77", 32).found);
	CU_ASSERT_EQUAL(stat(path, &st), -1);
	tn_del_addr(NT_DEV, "192.0.2.77", 32);
	nt_rmdir(dir);
}

/* A record that does not parse is kept for a human to look at. */
static void test_cleanup_corrupt(void)
{
	const char *dir = nt_tmpdir();
	char path[256];
	struct stat st;
	struct verr e;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bad.netcfg", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("vpnd-netcfg 1\nconn bad\naddr dev=veth0 addr=1.2.3.4/32\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(netcfg_cleanup_stale(nc, dir, NULL, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "bad.netcfg:3: missing field"));
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	nt_rmdir(dir);
	/* A state directory that does not exist holds no records. */
	NT_OK(netcfg_cleanup_stale(nc, "/nonexistent/vpnd", NULL, &e), &e);
}

void add_tunnel_tests(void)
{
	CU_pSuite s = CU_add_suite("tunnel", setup, teardown);

	CU_add_test(s, "0.0.0.0/0 tunnel with gateway bypass", test_up_down);
	CU_add_test(s, "::/0 tunnel with gateway bypass", test_ipv6_full);
	CU_add_test(s, "split tunnel, no bypass", test_no_bypass);
	CU_add_test(s, "failed setup rolls back", test_failure_rolls_back);
	CU_add_test(s, "host to host, partial rollback", test_host_to_host);
	CU_add_test(s, "crash, then cleanup of exactly the record",
		    test_crash_cleanup);
	CU_add_test(s, "record of a replaced interface",
		    test_cleanup_replaced_iface);
	CU_add_test(s, "corrupt record", test_cleanup_corrupt);
}
