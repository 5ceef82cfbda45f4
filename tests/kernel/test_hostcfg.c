/* test-hostcfg: the engine's host side on the real kernel, in a network
 * namespace of its own: vpnd's engine against the scripted responder
 * (tests/responder) over 127.0.0.1, its Child SAs in the test double
 * (this kernel has no ESP), the host side for real (host_config). The
 * connection's VPN interface (a TUN device here, an XFRM interface
 * where the kernel has them) holds the virtual IP and the routes and
 * nothing of them is on an uplink; it stays the same interface through
 * Child SA and IKE SA rekeys and a make-before-break reauthentication,
 * is gone after the disconnect, and after a SIGKILL of the process that
 * made it the next engine's crash cleanup leaves nothing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "conn_int.h"
#include "fake_kernel.h"
#include "harness.h"
#include "netns.h"
#include "status.h"
#include "vpnd/log.h"
#include "vpnd/netcfg.h"

#define VIP "198.51.100.2"	/* the responder's default */

/* The gateway's side is a namespace of its own (the engine refuses a
 * gateway at one of this host's addresses): veth1 with 192.0.2.1 there,
 * the responder's socket made in it. */
#define GW "192.0.2.1"
static int ns_client = -1, ns_gw = -1;

static struct fake_kernel fk;
static char state_dir[] = "/tmp/vpnd-hostcfg-XXXXXX";
static char dns_file[PATH_MAX];
static struct run r;

static int make_engine(void)
{
	struct engine_config cfg = { .state_dir = state_dir,
				     .child = ENGINE_CHILD_OPS,
				     .child_ops = &fake_kernel_ops,
				     .child_ctx = &fk,
				     .host_config = true };

	fake_kernel_free(&fk);
	memset(&fk, 0, sizeof(fk));
	return test_engine_make(&cfg);
}

static bool file_there(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	return stat(path, &st) == 0;
}

/* The virtual IP's interface as the kernel says (not vpnd's view). */
static int vip_ifindex(void)
{
	struct netcfg_prefix p;
	struct netcfg *nc;
	struct verr e;
	bool present = false;
	unsigned i;
	int found = 0;
	char name[IF_NAMESIZE];

	CU_ASSERT_FATAL(netcfg_prefix_parse(VIP "/32", &p));
	nc = netcfg_open(&e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
	for (i = 1; i < 64 && !found; i++) {
		if (!if_indextoname(i, name))
			continue;
		if (netcfg_addr_present(nc, (int)i, &p, &present, &e) == 0 &&
		    present)
			found = (int)i;
	}
	netcfg_close(nc);
	return found;
}

/* Where the kernel sends traffic to the remote networks, and from. */
static void route_of(const char *dst, int *ifindex, char *src, size_t len)
{
	struct netcfg_ip ip;
	struct netcfg_path p;
	struct netcfg *nc;
	struct verr e;

	CU_ASSERT_FATAL(netcfg_ip_parse(dst, &ip));
	nc = netcfg_open(&e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
	*ifindex = 0;
	src[0] = '\0';
	if (netcfg_route_get(nc, &ip, &p, &e) == 0) {
		*ifindex = p.ifindex;
		netcfg_ip_str(&p.src, src, len);
	}
	netcfg_close(nc);
}

/* The tunnel's host side is on the connection's VPN interface: the
 * virtual IP on it and on nothing else, the remote networks routed
 * through it from the virtual IP, the SAs in the backend with its
 * if_id (0 for a TUN device). Returns its index. */
static int check_on_vpn_if(void)
{
	const struct netcfg_link *l = &r.conn->link;
	int ifindex, vif;
	char src[64];
	size_t i;

	CU_ASSERT_TRUE_FATAL(l->kind == NETCFG_LINK_TUN ||
			     l->kind == NETCFG_LINK_XFRM);
	CU_ASSERT_TRUE(l->ifindex > 0);
	CU_ASSERT_EQUAL((int)if_nametoindex(l->name), l->ifindex);
	vif = vip_ifindex();
	CU_ASSERT_EQUAL(vif, l->ifindex);
	CU_ASSERT_NOT_EQUAL(vif, (int)if_nametoindex("veth0"));
	CU_ASSERT_NOT_EQUAL(vif, (int)if_nametoindex("lo"));
	route_of("198.18.0.1", &ifindex, src, sizeof(src));
	CU_ASSERT_EQUAL(ifindex, l->ifindex);
	CU_ASSERT_STRING_EQUAL(src, VIP);
	CU_ASSERT_TRUE(fk.n_sas >= 2);
	for (i = 0; i < fk.n_sas; i++)
		CU_ASSERT_EQUAL(fk.sas[i].if_id,
				l->kind == NETCFG_LINK_XFRM ? l->if_id : 0);
	for (i = 0; i < fk.n_pols; i++)
		CU_ASSERT_EQUAL(fk.pols[i].if_id,
				l->kind == NETCFG_LINK_XFRM ? l->if_id : 0);
	CU_ASSERT_TRUE(file_there("hostcfg.netif"));
	return l->ifindex;
}

static void check_nothing_left(const char *ifname)
{
	int ifindex;
	char src[64];

	CU_ASSERT_EQUAL(if_nametoindex(ifname), 0);
	CU_ASSERT_EQUAL(vip_ifindex(), 0);
	route_of("198.18.0.1", &ifindex, src, sizeof(src));
	CU_ASSERT_EQUAL(ifindex, 0); /* no default route in the namespace */
	CU_ASSERT_FALSE(file_there("hostcfg.netif"));
	CU_ASSERT_FALSE(file_there("hostcfg.netcfg"));
	CU_ASSERT_EQUAL(access(dns_file, F_OK), -1);
}

/* The DNS servers went to the VPN interface's link (VPND_DNS_FILE's
 * first line names it), not to the uplink. */
static void check_dns_link(void)
{
	char line[128], want[128];
	FILE *f = fopen(dns_file, "re");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	snprintf(want, sizeof(want), "# DNS servers vpnd applied for link %s\n",
		 r.conn->link.name);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	CU_ASSERT_STRING_EQUAL(line, want);
	fclose(f);
}

static bool bring_up(struct responder_cfg *cfg)
{
	memset(&r, 0, sizeof(r));
	cfg->bind_addr = GW;
	CU_ASSERT_EQUAL_FATAL(setns(ns_gw, CLONE_NEWNET), 0);
	r.resp = start_responder(cfg);
	CU_ASSERT_EQUAL_FATAL(setns(ns_client, CLONE_NEWNET), 0);
	if (!r.resp)
		return false;
	make_profile(&r.prof, cfg->port, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	snprintf(r.prof.name, sizeof(r.prof.name), "hostcfg");
	snprintf(r.prof.gateways[0], sizeof(r.prof.gateways[0]), GW);
	return run_connect(&r) && run_wait_event(&r) == CEV_UP;
}

static void disconnect(void)
{
	char name[IF_NAMESIZE];

	memcpy(name, r.conn->link.name, sizeof(name));
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	CU_ASSERT_EQUAL(r.conn->link.kind, NETCFG_LINK_NONE);
	check_nothing_left(name);
	run_cleanup(&r);
}

static void test_rekeys_keep_it(void)
{
	struct responder_cfg cfg;
	struct verr e = { { 0 } };
	int idx;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	idx = check_on_vpn_if();
	check_dns_link();

	if (conn_rekey_child(r.conn, &e) < 0)
		fprintf(stderr, "\n  conn_rekey_child: %s\n", e.msg);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(status_of(r.conn)->child_rekeys, 1);
	CU_ASSERT_EQUAL(check_on_vpn_if(), idx);

	CU_ASSERT_EQUAL_FATAL(responder_send_rekey_child(r.resp, DH_NONE), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(status_of(r.conn)->child_rekeys, 2);
	CU_ASSERT_EQUAL(check_on_vpn_if(), idx);

	if (conn_rekey_ike(r.conn, &e) < 0)
		fprintf(stderr, "\n  conn_rekey_ike: %s\n", e.msg);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike_rekeys, 1);
	CU_ASSERT_EQUAL(check_on_vpn_if(), idx);
	disconnect();
}

/* AUTH_LIFETIME: a whole new IKE SA and Child SA, made before the old
 * ones go; the interface is the connection's and stays. */
static void test_reauth_keeps_it(void)
{
	struct responder_cfg cfg;
	int idx;

	responder_cfg_defaults(&cfg);
	cfg.auth_lifetime = 4; /* reauthenticated half way, after 2 s */
	cfg.expect_reauth = true;
	CU_ASSERT_FATAL(bring_up(&cfg));
	idx = check_on_vpn_if();
	run_for(&r, 3000);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->reauths, 1);
	CU_ASSERT_EQUAL(status_of(r.conn)->reauths, 1);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(check_on_vpn_if(), idx);
	disconnect();
}

/* The kernel refuses the first Child SA (as this host's, without ESP,
 * refuses vpnd's): no tunnel, and no VPN interface left for nothing. */
static void test_refused_child_leaves_none(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	memset(&r, 0, sizeof(r));
	fk.fail_add_sa = true;
	cfg.bind_addr = GW;
	CU_ASSERT_EQUAL_FATAL(setns(ns_gw, CLONE_NEWNET), 0);
	r.resp = start_responder(&cfg);
	CU_ASSERT_EQUAL_FATAL(setns(ns_client, CLONE_NEWNET), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.resp);
	make_profile(&r.prof, cfg.port, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	snprintf(r.prof.name, sizeof(r.prof.name), "hostcfg");
	snprintf(r.prof.gateways[0], sizeof(r.prof.gateways[0]), GW);
	CU_ASSERT_FATAL(run_connect(&r));
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_NO_TUNNEL);
	CU_ASSERT_EQUAL(r.conn->link.kind, NETCFG_LINK_NONE);
	check_nothing_left("vpnd0");
	run_cleanup(&r);
}

/* The process that made the interface dies by SIGKILL with the tunnel
 * up; the next engine on the same state directory removes it all. */
static void test_sigkill_then_cleanup(void)
{
	struct responder_cfg cfg;
	struct verr e = { { 0 } };
	char name[IF_NAMESIZE] = "";
	int fds[2], status;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid = fork();
	CU_ASSERT_TRUE_FATAL(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		responder_cfg_defaults(&cfg);
		if (!bring_up(&cfg) || r.conn->link.kind == NETCFG_LINK_NONE)
			_exit(2);
		if (write(fds[1], r.conn->link.name, IF_NAMESIZE) != IF_NAMESIZE)
			_exit(3);
		raise(SIGKILL);
		_exit(4);
	}
	close(fds[1]);
	CU_ASSERT_EQUAL(read(fds[0], name, sizeof(name)), IF_NAMESIZE);
	close(fds[0]);
	name[IF_NAMESIZE - 1] = '\0';
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE_FATAL(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* What it left: the interface, the virtual IP on it, the records. */
	CU_ASSERT_NOT_EQUAL_FATAL(if_nametoindex(name), 0);
	CU_ASSERT_EQUAL(vip_ifindex(), (int)if_nametoindex(name));
	CU_ASSERT_TRUE(file_there("hostcfg.netif"));
	CU_ASSERT_TRUE(file_there("hostcfg.netcfg"));

	/* The next vpnd: a new engine, its crash cleanup first. */
	CU_ASSERT_EQUAL_FATAL(make_engine(), 0);
	CU_ASSERT_EQUAL(engine_cleanup_stale(test_engine, &e), 0);
	check_nothing_left(name);
}

/* veth1 into a new namespace, addressed there as the gateway. */
static int gateway_netns(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	ns_client = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_client < 0 || unshare(CLONE_NEWNET) < 0)
		return -1;
	ns_gw = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_gw < 0 || setns(ns_client, CLONE_NEWNET) < 0)
		return -1;
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = tn_ifindex("veth1");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns_gw);
	if (tn_talk(nlh, NULL, NULL, "veth1 to the gateway's namespace") < 0 ||
	    setns(ns_gw, CLONE_NEWNET) < 0)
		return -1;
	/* Set-up only, outside the code under test. */
	if (system("ip link set lo up && ip addr add " GW "/24 dev veth1 && "
		   "ip link set veth1 up") != 0) {
		fprintf(stderr, "test-hostcfg: cannot address veth1\n");
		return -1;
	}
	return setns(ns_client, CLONE_NEWNET);
}

int main(void)
{
	CU_pSuite s;
	unsigned failures;

	if (geteuid() != 0) {
		fprintf(stderr, "test-hostcfg: needs root (network namespace)\n");
		return 77;
	}
	if (tn_enter("veth0", "veth1", "192.0.2.2", "2001:db8::2") < 0 ||
	    gateway_netns() < 0) {
		perror("test-hostcfg: namespaces");
		return 1;
	}
	log_set_level(getenv("VPND_TEST_DEBUG") ? LOG_DBG : LOG_ERR);
	if (!mkdtemp(state_dir))
		return 1;
	/* Never the host's resolved: D-Bus is not the namespace's. */
	snprintf(dns_file, sizeof(dns_file), "%s/dns.conf", state_dir);
	setenv("VPND_DNS_FILE", dns_file, 1);
	test_loop = loop_new();
	if (!test_loop || make_engine() < 0 ||
	    CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("hostcfg", NULL, NULL);
	CU_add_test(s, "VPN interface through Child and IKE SA rekeys",
		    test_rekeys_keep_it);
	CU_add_test(s, "VPN interface through a reauthentication",
		    test_reauth_keeps_it);
	CU_add_test(s, "a refused Child SA leaves no interface",
		    test_refused_child_leaves_none);
	CU_add_test(s, "SIGKILL, then the next engine's cleanup",
		    test_sigkill_then_cleanup);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	engine_free(test_engine);
	fake_kernel_free(&fk);
	loop_free(test_loop);
	rmdir(state_dir);
	return failures ? 1 : 0;
}
