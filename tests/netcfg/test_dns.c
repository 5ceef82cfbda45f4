/* DNS through the managers, with fake resolvectl/resolvconf programs in
 * a private PATH and VPND_DNS_FILE: the host's DNS is never touched. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "ntest.h"

static char saved_path[4096];
static struct netcfg_ip servers[2];
static const char *const domains[] = { "example.com", "corp.example" };

static int setup(void)
{
	const char *p = getenv("PATH");

	snprintf(saved_path, sizeof(saved_path), "%s", p ? p : "");
	servers[0] = nt_ip("192.0.2.53");
	servers[1] = nt_ip("2001:db8::53");
	return 0;
}

static void restore(void)
{
	setenv("PATH", saved_path, 1);
	unsetenv("VPND_DNS_FILE");
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

static void test_file(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns d;
	char path[256], buf[512];
	struct stat st;
	struct verr e;
	mode_t old = umask(077);

	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	setenv("VPND_DNS_FILE", path, 1);
	NT_OK(netcfg_dns_apply(NT_DEV, servers, 2, domains, 2, &d, &e), &e);
	umask(old);
	CU_ASSERT_EQUAL(d.method, NETCFG_DNS_FILE);
	NT_STR_EQ(d.path, path);
	read_file(path, buf, sizeof(buf));
	NT_STR_EQ(buf, "# DNS servers vpnd applied for link veth0\n"
		  "nameserver 192.0.2.53\nnameserver 2001:db8::53\n"
		  "search example.com corp.example\n");
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0644);
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	/* Already gone: fine. */
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	restore();
	nt_rmdir(dir);
}

static void test_resolved(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns d;
	char log[256], buf[512];
	struct verr e;

	fake(dir, "resolvectl", "none", 0);
	fake(dir, "resolvconf", "none", 0);
	setenv("PATH", dir, 1);
	NT_OK(netcfg_dns_apply(NT_DEV, servers, 2, domains, 2, &d, &e), &e);
	CU_ASSERT_EQUAL(d.method, NETCFG_DNS_RESOLVED);
	NT_STR_EQ(d.link, NT_DEV);
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	snprintf(log, sizeof(log), "%s/log", dir);
	read_file(log, buf, sizeof(buf));
	NT_STR_EQ(buf, "status\n"
		  "dns veth0 192.0.2.53 2001:db8::53\n"
		  "domain veth0 example.com corp.example\n"
		  "revert veth0\n");
	restore();
	nt_rmdir(dir);
}

static void test_resolved_fails(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns d;
	char log[256], buf[512], want[300];
	struct verr e;

	fake(dir, "resolvectl", "domain", 3);
	setenv("PATH", dir, 1);
	CU_ASSERT_EQUAL(netcfg_dns_apply(NT_DEV, servers, 1, domains, 1, &d,
					 &e), -1);
	snprintf(want, sizeof(want), "setting DNS domains on link veth0: "
		 "%s/resolvectl exited with status 3: boom", dir);
	NT_STR_EQ(e.msg, want);
	/* The half-applied servers were reverted. */
	snprintf(log, sizeof(log), "%s/log", dir);
	read_file(log, buf, sizeof(buf));
	NT_STR_EQ(buf, "status\ndns veth0 192.0.2.53\n"
		  "domain veth0 example.com\nrevert veth0\n");
	restore();
	nt_rmdir(dir);
}

/* resolvectl present but resolved not running: resolvconf it is. */
static void test_resolvconf(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns d;
	char log[256], buf[512];
	struct verr e;

	fake(dir, "resolvectl", "status", 1);
	fake(dir, "resolvconf", "none", 0);
	setenv("PATH", dir, 1);
	NT_OK(netcfg_dns_apply(NT_DEV, servers, 2, domains, 1, &d, &e), &e);
	CU_ASSERT_EQUAL(d.method, NETCFG_DNS_RESOLVCONF);
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	snprintf(log, sizeof(log), "%s/log", dir);
	read_file(log, buf, sizeof(buf));
	NT_STR_EQ(buf, "status\n-a veth0.vpnd\n"
		  "in: nameserver 192.0.2.53\nin: nameserver 2001:db8::53\n"
		  "in: search example.com\n-d veth0.vpnd\n");
	restore();
	nt_rmdir(dir);
}

static void test_no_manager(void)
{
	const char *dir = nt_tmpdir();
	struct netcfg_dns d;
	struct verr e;

	setenv("PATH", dir, 1);
	CU_ASSERT_EQUAL(netcfg_dns_apply(NT_DEV, servers, 2, NULL, 0, &d, &e),
			-1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	NT_STR_EQ(e.msg, "no DNS manager (systemd-resolved or resolvconf) "
		  "found; DNS servers not applied");
	CU_ASSERT_EQUAL(d.method, NETCFG_DNS_NONE);
	NT_OK(netcfg_dns_revert(&d, &e), &e);
	restore();
	nt_rmdir(dir);
}

/* Names from the gateway go into argv: no options, no shell words. */
static void test_bad_names(void)
{
	const char *dir = nt_tmpdir();
	const char *evil[] = { "--interface=lo" };
	const char *spaced[] = { "a b" };
	struct netcfg_dns d;
	struct verr e;

	fake(dir, "resolvectl", "none", 0);
	setenv("PATH", dir, 1);
	CU_ASSERT_EQUAL(netcfg_dns_apply(NT_DEV, servers, 1, evil, 1, &d, &e),
			-1);
	NT_STR_EQ(e.msg, "applying DNS to link veth0: invalid domain "
		  "\"--interface=lo\"");
	CU_ASSERT_EQUAL(netcfg_dns_apply(NT_DEV, servers, 1, spaced, 1, &d,
					 &e), -1);
	CU_ASSERT_EQUAL(netcfg_dns_apply("-x", servers, 1, NULL, 0, &d, &e),
			-1);
	CU_ASSERT_EQUAL(netcfg_dns_apply(NT_DEV, servers, 0, NULL, 0, &d, &e),
			-1);
	/* Nothing was run. */
	{
		char log[256];

		snprintf(log, sizeof(log), "%s/log", dir);
		CU_ASSERT_EQUAL(access(log, F_OK), -1);
	}
	restore();
	nt_rmdir(dir);
}

void add_dns_tests(void)
{
	CU_pSuite s = CU_add_suite("dns", setup, teardown);

	CU_add_test(s, "VPND_DNS_FILE", test_file);
	CU_add_test(s, "systemd-resolved", test_resolved);
	CU_add_test(s, "systemd-resolved failure", test_resolved_fails);
	CU_add_test(s, "resolvconf", test_resolvconf);
	CU_add_test(s, "no DNS manager", test_no_manager);
	CU_add_test(s, "gateway-supplied names", test_bad_names);
}
