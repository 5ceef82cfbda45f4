/* test-ike: the IKE engine's state machine against the scripted
 * responder in tests/responder, over 127.0.0.1. */
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "harness.h"
#include "mem.h"
#include "vpnd/log.h"

int main(void)
{
	const char *only = getenv("VPND_TEST_SUITE"); /* one suite, by name */
	CU_pSuite suite;
	unsigned failures;

	log_set_level(getenv("VPND_TEST_DEBUG") ? LOG_DBG : LOG_ERR);
	test_loop = loop_new();
	if (!test_loop || test_engine_reset(NULL) < 0 ||
	    CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	register_connect_tests();
	register_scenario_tests();
	register_info_tests();
	register_lifecycle_tests();
	register_ticket_tests();
	register_resume_tests();
	register_rekey_tests();
	register_child_retry_tests();
	register_ike_rekey_tests();
	register_msg_rules_tests();
	register_task_tests();
	register_task_rekey_tests();
	register_task_connect_tests();
	register_engine_tests();
	register_roam_tests();
	register_mobike_tests();
	register_eap_tests();
	register_eap_only_tests();
	register_auth_hint_tests();
	register_frag_engine_tests();
	register_config_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	suite = only ? CU_get_suite(only) : NULL;
	if (only && !suite)
		return 1;
	if (suite)
		CU_basic_run_suite(suite);
	else
		CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	engine_free(test_engine);
	loop_free(test_loop);
	return failures ? 1 : 0;
}
