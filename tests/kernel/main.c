/* CUnit runner for the kernel (XFRM) module. Runs in its own network
 * namespace; needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "vpnd/log.h"
#include "ktest.h"

#define SKIP 77

struct kernel_addr kt_addr(const char *s)
{
	struct kernel_addr a;

	if (!kernel_addr_parse(s, &a))
		abort();
	return a;
}

int main(void)
{
	const char *ci = getenv("CI");
	unsigned int failures;

	if (geteuid() != 0) {
		fprintf(stderr, "test-kernel needs root for a network "
			"namespace and XFRM\n");
		return ci && strcmp(ci, "true") == 0 ? 1 : SKIP;
	}
	if (tn_enter(KT_DEV, KT_PEER, KT_LOCAL4, KT_LOCAL6) < 0)
		return 1;
	if (getenv("VPND_TEST_DEBUG"))
		log_set_level(LOG_DBG);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	add_policy_tests();
	add_sa_tests();
	add_monitor_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() +
		   CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
