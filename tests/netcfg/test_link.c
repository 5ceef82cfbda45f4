/* The connection's VPN interface: the holder of the virtual IPs and the
 * remote routes (nothing of them on the uplink), its removal, and its
 * removal after a SIGKILL by the next daemon's crash cleanup. An XFRM
 * interface where the kernel has them, a TUN device otherwise; the
 * checks are the same for both. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "ntest.h"
#include "record_internal.h"

#define GW4 "203.0.113.1"
#define VIP4 "198.51.100.200"
#define VIP6 "2001:db8:100::10"
#define IF_ID 0x76700042u

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

static void link_req(struct netcfg_link_req *r, const char *dir,
		     bool no_xfrm)
{
	memset(r, 0, sizeof(*r));
	r->conn = "office";
	r->if_id = IF_ID;
	r->uplink = (int)if_nametoindex(NT_DEV);
	r->mtu = 1390;
	r->no_xfrm = no_xfrm;
	r->state_dir = dir;
}

/* A full tunnel: the gateway needs its bypass route on the uplink. */
static void tunnel(struct netcfg_tunnel *t, const char *dir, int link)
{
	memset(t, 0, sizeof(*t));
	t->gateway = nt_ip(GW4);
	t->vips[t->n_vips++] = nt_prefix(VIP4 "/32");
	t->vips[t->n_vips++] = nt_prefix(VIP6 "/64");
	t->remote[t->n_remote++] = nt_prefix("0.0.0.0/0");
	t->remote[t->n_remote++] = nt_prefix("2001:db8:1::/48");
	t->link_ifindex = link;
	t->state_dir = dir;
}

/* Through ioctl, not /sys: sysfs shows the namespace it was mounted in. */
static bool link_up(const char *dev)
{
	struct ifreq ifr;
	bool up = false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		up = ifr.ifr_flags & IFF_UP;
	if (fd >= 0)
		close(fd);
	return up;
}

/* The VPN interface holds the virtual IPs and the remote routes, on-link
 * with the virtual IP as source; the uplink only the gateway's bypass. */
static void check_on_link(const struct netcfg_link *l)
{
	struct netcfg_ip far = nt_ip("198.18.0.1");
	struct netcfg_path p;
	struct nt_route r;
	struct verr e;
	char s[64];

	CU_ASSERT_TRUE(nt_find_addr(l->name, VIP4, 32).found);
	CU_ASSERT_TRUE(nt_find_addr(l->name, VIP6, 64).found);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP4, 32).found);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP6, 64).found);
	r = nt_find_route("0.0.0.0/1", 254, 0);
	CU_ASSERT_TRUE(r.found);
	CU_ASSERT_EQUAL(r.oif, l->ifindex);
	NT_STR_EQ(r.via, "");
	NT_STR_EQ(r.src, VIP4);
	r = nt_find_route("128.0.0.0/1", 254, 0);
	CU_ASSERT_TRUE(r.found);
	CU_ASSERT_EQUAL(r.oif, l->ifindex);
	r = nt_find_route("2001:db8:1::/48", 254, 1024);
	CU_ASSERT_TRUE(r.found);
	CU_ASSERT_EQUAL(r.oif, l->ifindex);
	NT_STR_EQ(r.src, VIP6);
	/* The gateway stays on the uplink, along its old path. */
	r = nt_find_route(GW4 "/32", 254, 0);
	CU_ASSERT_TRUE(r.found);
	CU_ASSERT_EQUAL(r.oif, (int)if_nametoindex(NT_DEV));
	NT_STR_EQ(r.via, NT_ROUTER4);
	/* What the kernel now picks for traffic elsewhere. */
	NT_OK(netcfg_route_get(nc, &far, &p, &e), &e);
	CU_ASSERT_EQUAL(p.ifindex, l->ifindex);
	NT_STR_EQ(netcfg_ip_str(&p.src, s, sizeof(s)), VIP4);
}

static void check_gone(const char *name)
{
	CU_ASSERT_EQUAL(if_nametoindex(name), 0);
	CU_ASSERT_FALSE(nt_find_route("0.0.0.0/1", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_route("128.0.0.0/1", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_route("2001:db8:1::/48", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_route(GW4 "/32", 254, -1).found);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP4, 32).found);
	CU_ASSERT_FALSE(nt_find_addr(NT_DEV, VIP6, 64).found);
}

static bool file_there(const char *dir, const char *file)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return stat(path, &st) == 0;
}

static void up_and_down(bool no_xfrm)
{
	const char *dir = nt_tmpdir();
	struct netcfg_record rec, loaded;
	struct netcfg_link_req r;
	struct netcfg_tunnel t;
	struct netcfg_link l;
	struct verr e;
	char name[IF_NAMESIZE];

	link_req(&r, dir, no_xfrm);
	NT_OK(netcfg_link_create(nc, &r, &l, &e), &e);
	if (no_xfrm)
		CU_ASSERT_EQUAL(l.kind, NETCFG_LINK_TUN);
	CU_ASSERT_TRUE(l.kind == NETCFG_LINK_XFRM || l.kind == NETCFG_LINK_TUN);
	CU_ASSERT_EQUAL(l.if_id, l.kind == NETCFG_LINK_XFRM ? IF_ID : 0);
	CU_ASSERT_EQUAL(l.tun_fd >= 0, l.kind == NETCFG_LINK_TUN);
	NT_STR_EQ(l.name, "vpnd0");
	CU_ASSERT_EQUAL((int)if_nametoindex("vpnd0"), l.ifindex);
	CU_ASSERT_EQUAL(netcfg_link_ifindex(&l), l.ifindex);
	CU_ASSERT_EQUAL(netcfg_if_mtu(l.ifindex), 1390);
	CU_ASSERT_TRUE(link_up("vpnd0"));
	/* Its record, apart from the SA's. */
	NT_OK(nc_record_load_file(dir, "office", true, &loaded, &e), &e);
	CU_ASSERT_TRUE(loaded.has_link);
	CU_ASSERT_EQUAL(loaded.link.kind, l.kind);
	CU_ASSERT_EQUAL(loaded.link.ifindex, l.ifindex);
	NT_STR_EQ(loaded.link.ifname, "vpnd0");

	tunnel(&t, dir, l.ifindex);
	NT_OK(netcfg_record_init(&rec, "office", &e), &e);
	NT_OK(netcfg_tunnel_up(nc, &t, &rec, &e), &e);
	check_on_link(&l);
	CU_ASSERT_TRUE(file_there(dir, "office.netcfg"));

	/* The SA's host side goes; the interface stays for the next. */
	NT_OK(netcfg_tunnel_down(nc, dir, &rec, &e), &e);
	CU_ASSERT_EQUAL((int)if_nametoindex("vpnd0"), l.ifindex);
	CU_ASSERT_FALSE(nt_find_addr("vpnd0", VIP4, 32).found);
	CU_ASSERT_FALSE(file_there(dir, "office.netcfg"));
	NT_OK(netcfg_record_init(&rec, "office", &e), &e);
	NT_OK(netcfg_tunnel_up(nc, &t, &rec, &e), &e);
	check_on_link(&l);

	NT_OK(netcfg_tunnel_down(nc, dir, &rec, &e), &e);
	memcpy(name, l.name, sizeof(name));
	NT_OK(netcfg_link_remove(nc, dir, "office", &l, &e), &e);
	CU_ASSERT_EQUAL(l.kind, NETCFG_LINK_NONE);
	CU_ASSERT_EQUAL(l.tun_fd, -1);
	check_gone(name);
	CU_ASSERT_FALSE(file_there(dir, "office.netif"));
	CU_ASSERT_FALSE(file_there(dir, "office.netcfg"));
	nt_rmdir(dir);
}

static void test_default_kind(void)
{
	up_and_down(false);
}

static void test_tun(void)
{
	up_and_down(true);
}

/* A daemon that made the interface and put the tunnel on it is killed
 * (SIGKILL: no code of its runs); the next one's cleanup finds both
 * records and leaves nothing. */
static void crash_then_cleanup(bool no_xfrm)
{
	const char *dir = nt_tmpdir();
	struct netcfg_link_req r;
	struct netcfg_link l;
	struct netcfg_tunnel t;
	struct netcfg_record rec;
	struct netcfg *child_nc;
	struct verr e;
	int status;
	pid_t pid;

	CU_ASSERT_EQUAL(if_nametoindex("vpnd0"), 0);
	pid = fork();
	CU_ASSERT_TRUE_FATAL(pid >= 0);
	if (pid == 0) {
		child_nc = netcfg_open(&e);
		link_req(&r, dir, no_xfrm);
		if (!child_nc || netcfg_link_create(child_nc, &r, &l, &e) < 0)
			_exit(2);
		tunnel(&t, dir, l.ifindex);
		if (netcfg_record_init(&rec, "office", &e) < 0 ||
		    netcfg_tunnel_up(child_nc, &t, &rec, &e) < 0)
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE_FATAL(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* Left behind: the interface (persistent, even a TUN device whose
	 * fd the kernel closed), the addresses and routes on it. */
	CU_ASSERT_NOT_EQUAL(if_nametoindex("vpnd0"), 0);
	CU_ASSERT_TRUE(nt_find_addr("vpnd0", VIP4, 32).found);
	CU_ASSERT_TRUE(nt_find_route(GW4 "/32", 254, 0).found);
	CU_ASSERT_TRUE(file_there(dir, "office.netif"));
	CU_ASSERT_TRUE(file_there(dir, "office.netcfg"));

	NT_OK(netcfg_cleanup_stale(nc, dir, NULL, &e), &e);
	check_gone("vpnd0");
	CU_ASSERT_FALSE(file_there(dir, "office.netif"));
	CU_ASSERT_FALSE(file_there(dir, "office.netcfg"));
	/* Nothing more to clean: not an error. */
	NT_OK(netcfg_cleanup_stale(nc, dir, NULL, &e), &e);
	nt_rmdir(dir);
}

static void test_crash_default_kind(void)
{
	crash_then_cleanup(false);
}

static void test_crash_tun(void)
{
	crash_then_cleanup(true);
}

/* A profile's name that is taken, or that the kernel cannot take. */
static void test_names(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_link_req r;
	struct netcfg_link l, l2;
	struct verr e;

	link_req(&r, dir, true);
	r.name = "work-vpn";
	NT_OK(netcfg_link_create(nc, &r, &l, &e), &e);
	NT_STR_EQ(l.name, "work-vpn");
	CU_ASSERT_EQUAL(netcfg_link_create(nc, &r, &l2, &e), -1);
	CU_ASSERT_EQUAL(errno, EEXIST);
	NT_STR_EQ(e.msg, "interface work-vpn exists already and is not this "
		  "connection's");
	/* The failed attempt left the first one and its record alone. */
	CU_ASSERT_EQUAL((int)if_nametoindex("work-vpn"), l.ifindex);
	CU_ASSERT_TRUE(file_there(dir, "office.netif"));
	r.name = "a-name-too-long-for-it";
	CU_ASSERT_EQUAL(netcfg_link_create(nc, &r, &l2, &e), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	r.name = "vpn%d";
	CU_ASSERT_EQUAL(netcfg_link_create(nc, &r, &l2, &e), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	/* Without a name: the first vpnd<N> that is free. */
	r.name = NULL;
	r.conn = "home";
	CU_ASSERT_EQUAL(tn_add_veth("vpnd0", "vpnd0p"), 0);
	NT_OK(netcfg_link_create(nc, &r, &l2, &e), &e);
	NT_STR_EQ(l2.name, "vpnd1");
	NT_OK(netcfg_link_remove(nc, dir, "home", &l2, &e), &e);
	CU_ASSERT_EQUAL(tn_del_link("vpnd0"), 0);
	NT_OK(netcfg_link_remove(nc, dir, "office", &l, &e), &e);
	CU_ASSERT_EQUAL(if_nametoindex("work-vpn"), 0);
	nt_rmdir(dir);
}

/* A record written just before the kernel made the interface (ifindex
 * 0) goes by name; one whose index now has another name is not ours. */
static void test_cleanup_records(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_record rec;
	struct verr e;

	CU_ASSERT_EQUAL(tn_add_veth("vpnd7", "vpnd7p"), 0);
	NT_OK(netcfg_record_init(&rec, "pending", &e), &e);
	rec.link_file = rec.has_link = true;
	rec.link.kind = NETCFG_LINK_TUN;
	snprintf(rec.link.ifname, sizeof(rec.link.ifname), "vpnd7");
	NT_OK(netcfg_record_save(dir, "pending", &rec, &e), &e);
	CU_ASSERT_EQUAL(tn_add_veth("keepme", "keepmep"), 0);
	NT_OK(netcfg_record_init(&rec, "replaced", &e), &e);
	rec.link_file = rec.has_link = true;
	rec.link.kind = NETCFG_LINK_XFRM;
	rec.link.if_id = 9;
	rec.link.ifindex = (int)if_nametoindex("keepme");
	snprintf(rec.link.ifname, sizeof(rec.link.ifname), "gone0");
	NT_OK(netcfg_record_save(dir, "replaced", &rec, &e), &e);

	NT_OK(netcfg_cleanup_stale(nc, dir, NULL, &e), &e);
	CU_ASSERT_EQUAL(if_nametoindex("vpnd7"), 0);
	CU_ASSERT_NOT_EQUAL(if_nametoindex("keepme"), 0);
	CU_ASSERT_FALSE(file_there(dir, "pending.netif"));
	CU_ASSERT_FALSE(file_there(dir, "replaced.netif"));
	tn_del_link("keepme");
	nt_rmdir(dir);
}

void add_link_tests(void)
{
	CU_pSuite s = CU_add_suite("vpn interface", setup, teardown);

	CU_add_test(s, "XFRM or TUN holder: addresses and routes on it",
		    test_default_kind);
	CU_add_test(s, "TUN holder: addresses and routes on it", test_tun);
	CU_add_test(s, "SIGKILL, then the cleanup removes it",
		    test_crash_default_kind);
	CU_add_test(s, "SIGKILL with a TUN device, then the cleanup",
		    test_crash_tun);
	CU_add_test(s, "names from the profile and vpnd<N>", test_names);
	CU_add_test(s, "records pending or of a replaced interface",
		    test_cleanup_records);
}
