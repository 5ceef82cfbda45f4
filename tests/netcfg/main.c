/* CUnit runner for the netcfg (rtnetlink, DNS, record) module. Runs in
 * its own network namespace; needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "vpnd/log.h"
#include "ntest.h"

#define SKIP 77

int main(void)
{
	const char *ci = getenv("CI");
	unsigned int failures;

	if (geteuid() != 0) {
		fprintf(stderr, "test-netcfg needs root for a network "
			"namespace\n");
		return ci && strcmp(ci, "true") == 0 ? 1 : SKIP;
	}
	if (nt_enter_netns() < 0)
		return 1;
	/* Never the host's DNS: tests that want a manager set it up. */
	unsetenv("VPND_DNS_FILE");
	if (getenv("VPND_TEST_DEBUG"))
		log_set_level(LOG_DBG);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	add_addr_tests();
	add_route_tests();
	add_tunnel_tests();
	add_record_tests();
	add_dns_tests();
	add_monitor_tests();
	add_link_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() +
		   CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
