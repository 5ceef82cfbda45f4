/* DNS through the managers, with a fake resolvconf in a private PATH,
 * VPND_DNS_FILE, and a system bus that is not there (DBUS_SYSTEM_BUS_
 * ADDRESS names a missing socket): the host's DNS is never touched. The
 * real systemd-resolved is the dns suite's (tests/dns). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "ntest.h"

#define NO_BUS "unix:path=/nonexistent/vpnd-test-bus"

static char saved_path[4096];
static int dev;
static struct netcfg_ip servers[2];
static const char *const domains[] = { "example.com", "corp.example" };

static int setup(void)
{
	const char *p = getenv("PATH");

	snprintf(saved_path, sizeof(saved_path), "%s", p ? p : "");
	servers[0] = nt_ip("192.0.2.53");
	servers[1] = nt_ip("2001:db8::53");
	setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS, 1);
	dev = (int)if_nametoindex(NT_DEV);
	return dev > 0 ? 0 : -1;
}

static void restore(void)
{
	setenv("PATH", saved_path, 1);
	unsetenv("VPND_DNS_FILE");
	setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS, 1);
}

static int teardown(void)
{
	restore();
	return 0;
}

static void read_file(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, out, len - 1) : -1;

	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* A program that logs its arguments (and stdin) and exits with 'rc'
 * when its first argument is 'fail_on'. Builtins only: PATH is ours. */
static void fake(const char *dir, const char *name, const char *fail_on,
		 int rc)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "#!/bin/sh\necho \"$*\" >> %s/log\n"
		"if [ \"$1\" = -a ]; then\n"
		"  while IFS= read -r l; do echo \"in: $l\" >> %s/log; done\n"
		"fi\n"
		"if [ \"$1\" = \"%s\" ]; then echo boom; exit %d; fi\nexit 0\n",
		dir, dir, fail_on, rc);
	fclose(f);
	chmod(path, 0755);
}

static struct netcfg_dns_config conf(size_t n_servers, size_t n_domains,
				     bool default_route)
{
	struct netcfg_dns_config c = { dev, servers, n_servers, domains,
				       n_domains, default_route };

	return c;
}

static void test_file(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns_config c = conf(2, 2, false);
	struct netcfg_dns d;
	char path[256], buf[512];
	struct stat st;
	struct verr e;
	mode_t old = umask(077);

	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	setenv("VPND_DNS_FILE", path, 1);
	NT_OK(netcfg_dns_apply(&c, &d, &e), &e);
	umask(old);
	CU_ASSERT_EQUAL(d.method, NETCFG_DNS_FILE);
	CU_ASSERT_EQUAL(d.ifindex, dev);
	NT_STR_EQ(d.path, path);
	read_file(path, buf, sizeof(buf));
	NT_STR_EQ(buf, "# DNS servers vpnd applied for link veth0\n"
		  "nameserver 192.0.2.53\nnameserver 2001:db8::53\n"
		  "# routing domains: ~example.com ~corp.example\n");
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0644);
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	/* Already gone: fine. */
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	/* A full tunnel: every name. */
	c = conf(1, 0, true);
	NT_OK(netcfg_dns_apply(&c, &d, &e), &e);
	read_file(path, buf, sizeof(buf));
	NT_STR_EQ(buf, "# DNS servers vpnd applied for link veth0\n"
		  "nameserver 192.0.2.53\n# routing domains: ~.\n");
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	restore();
	nt_rmdir(dir);
}

/* No resolved on the bus (no bus at all): resolvconf it is, by the
 * link's name. */
static void test_resolvconf(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns_config c = conf(2, 1, false);
	struct netcfg_dns d;
	char log[256], buf[512];
	struct verr e;

	fake(dir, "resolvconf", "none", 0);
	setenv("PATH", dir, 1);
	NT_OK(netcfg_dns_apply(&c, &d, &e), &e);
	CU_ASSERT_EQUAL(d.method, NETCFG_DNS_RESOLVCONF);
	NT_STR_EQ(d.link, NT_DEV);
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	snprintf(log, sizeof(log), "%s/log", dir);
	read_file(log, buf, sizeof(buf));
	NT_STR_EQ(buf, "-a veth0.vpnd\n"
		  "in: nameserver 192.0.2.53\nin: nameserver 2001:db8::53\n"
		  "in: # routing domains: ~example.com\n-d veth0.vpnd\n");
	restore();
	nt_rmdir(dir);
}

static void test_resolvconf_fails(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns_config c = conf(1, 0, true);
	struct netcfg_dns d;
	char want[300];
	struct verr e;

	fake(dir, "resolvconf", "-a", 3);
	setenv("PATH", dir, 1);
	CU_ASSERT_EQUAL(netcfg_dns_apply(&c, &d, &e), -1);
	snprintf(want, sizeof(want), "adding DNS record veth0.vpnd: "
		 "%s/resolvconf exited with status 3: boom", dir);
	NT_STR_EQ(e.msg, want);
	CU_ASSERT_EQUAL(d.method, NETCFG_DNS_NONE);
	restore();
	nt_rmdir(dir);
}

static void test_no_manager(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns_config c = conf(2, 0, true);
	struct netcfg_dns d;
	struct verr e;

	setenv("PATH", dir, 1);
	CU_ASSERT_EQUAL(netcfg_dns_apply(&c, &d, &e), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	NT_STR_EQ(e.msg, "no DNS manager (systemd-resolved or resolvconf) "
		  "found; DNS servers not applied");
	CU_ASSERT_EQUAL(d.method, NETCFG_DNS_NONE);
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	restore();
	nt_rmdir(dir);
}

/* resolved's settings went with a link that is gone or was replaced
 * (another name at the index): nothing to revert, no bus needed. */
static void test_resolved_link_gone(void)
{
	struct netcfg_dns d = { NETCFG_DNS_RESOLVED, 0, NT_DEV, "" };
	struct verr e;

	d.ifindex = dev;
	snprintf(d.link, sizeof(d.link), "veth-old");
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	d.ifindex = 999999;
	snprintf(d.link, sizeof(d.link), NT_DEV);
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	/* The link is there, the bus is not: that is an error. */
	d.ifindex = dev;
	CU_ASSERT_EQUAL(netcfg_dns_revert(&d, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "reverting DNS on link veth0: "
				      "connecting to the system bus: "));
}

static void test_domain_names(void)
{
	static const char *const good[] = {
		"example.com", "example.com.", "corp", "_sip._udp.example.org",
		"xn--bcher-kva.example", "a-b.c-d.e",
		/* a label of 63 */
		("0123456789012345678901234567890123456789012345678901234567890"
		 "12.example"),
	};
	static const char *const bad[] = {
		"", ".", "..", "example..com", ".example.com", "-a.example",
		"a-.example", "exa mple.com", "exa\"mple", "a/b", "--x",
		/* a label of 64 */
		("0123456789012345678901234567890123456789012345678901234567890"
		 "123.example"),
		"example.com..", "caf\xc3\xa9.example",
	};
	char longest[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!netcfg_domain_ok(good[i], strlen(good[i])))
			CU_FAIL(good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (netcfg_domain_ok(bad[i], strlen(bad[i])))
			CU_FAIL(bad[i]);
	/* 253 characters (63.63.63.61) is the limit, 254 is over it. */
	memset(longest, 'a', sizeof(longest));
	longest[63] = longest[127] = longest[191] = '.';
	CU_ASSERT_TRUE(netcfg_domain_ok(longest, 253));
	longest[253] = '.';
	CU_ASSERT_TRUE(netcfg_domain_ok(longest, 254)); /* trailing dot */
	longest[253] = 'a';
	CU_ASSERT_FALSE(netcfg_domain_ok(longest, 254));
	/* The length is the attribute's: no NUL is needed or looked at. */
	CU_ASSERT_TRUE(netcfg_domain_ok("example.comXX", 11));
	CU_ASSERT_FALSE(netcfg_domain_ok("exam\0le.com", 11));
}

/* Names from the gateway go to resolved and into resolvconf's input:
 * only DNS names, and only a link that exists. */
static void test_bad_input(void)
{
	const char *dir = nt_tmpdir();
	const char *evil[] = { "--interface=lo" };
	const char *spaced[] = { "a b" };
	struct netcfg_dns_config c = conf(1, 1, false);
	struct netcfg_dns d;
	char log[256];
	struct verr e;

	fake(dir, "resolvconf", "none", 0);
	setenv("PATH", dir, 1);
	c.domains = evil;
	CU_ASSERT_EQUAL(netcfg_dns_apply(&c, &d, &e), -1);
	NT_STR_EQ(e.msg, "applying DNS to link veth0: invalid domain "
		  "\"--interface=lo\"");
	c.domains = spaced;
	CU_ASSERT_EQUAL(netcfg_dns_apply(&c, &d, &e), -1);
	c = conf(0, 0, true);
	CU_ASSERT_EQUAL(netcfg_dns_apply(&c, &d, &e), -1);
	NT_STR_EQ(e.msg, "applying DNS to link veth0: 0 servers (1-8)");
	c = conf(1, 0, true);
	c.ifindex = 999999;
	CU_ASSERT_EQUAL(netcfg_dns_apply(&c, &d, &e), -1);
	NT_STR_EQ(e.msg, "applying DNS: no usable link with index 999999");
	c.ifindex = 0;
	CU_ASSERT_EQUAL(netcfg_dns_apply(&c, &d, &e), -1);
	/* Nothing was run. */
	snprintf(log, sizeof(log), "%s/log", dir);
	CU_ASSERT_EQUAL(access(log, F_OK), -1);
	restore();
	nt_rmdir(dir);
}

void add_dns_tests(void)
{
	CU_pSuite s = CU_add_suite("dns", setup, teardown);

	CU_add_test(s, "VPND_DNS_FILE", test_file);
	CU_add_test(s, "resolvconf without resolved", test_resolvconf);
	CU_add_test(s, "resolvconf failure", test_resolvconf_fails);
	CU_add_test(s, "no DNS manager", test_no_manager);
	CU_add_test(s, "resolved: link gone", test_resolved_link_gone);
	CU_add_test(s, "DNS names", test_domain_names);
	CU_add_test(s, "gateway-supplied names", test_bad_input);
}
