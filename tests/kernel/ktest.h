/* Shared by the kernel (XFRM) tests. */
#ifndef KTEST_H
#define KTEST_H

#include "netns.h"
#include "vpnd/kernel.h"

/* The address the test namespace gives its veth interface. */
#define KT_LOCAL4 "192.0.2.2"
#define KT_LOCAL6 "2001:db8::2"

/* The test namespace (tests/lib/netns.h): veth pair kt0/kt1 with
 * KT_LOCAL4/24 and KT_LOCAL6/64 on kt0. */
#define KT_DEV "kt0"
#define KT_PEER "kt1"

/* The parsed address; aborts on a typo in a test. */
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
