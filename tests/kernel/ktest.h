/* Shared by the kernel (XFRM) tests. */
#ifndef KTEST_H
#define KTEST_H

#include "vpnd/kernel.h"

/* The address the test namespace gives its veth interface. */
#define KT_LOCAL4 "192.0.2.2"
#define KT_LOCAL6 "2001:db8::2"

/* Moves this process into a fresh network namespace with lo up and a
 * veth pair kt0/kt1 carrying KT_LOCAL4/24 and KT_LOCAL6/64 on kt0.
 * Returns 0, or -1 with a reason on stderr. */
int kt_enter_netns(void);
/* Writes a per-namespace sysctl below /proc/sys/net. */
int kt_sysctl(const char *path, const char *value);

struct kernel_addr kt_addr(const char *s);

/* Fails the current test with the verr text shown. */
#define KT_OK(call, e)                                                   \
	do {                                                             \
		int rc_ = (call);                                        \
		CU_ASSERT_EQUAL(rc_, 0);                                 \
		if (rc_ != 0)                                            \
			fprintf(stderr, "\n  %s: %s\n", #call, (e)->msg);\
	} while (0)

void add_policy_tests(void);
void add_sa_tests(void);
void add_monitor_tests(void);

#endif
