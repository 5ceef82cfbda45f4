/* test-testgw: the resumption-capable test gateway (tests/responder) and
 * the vpnd-testgw program (path in argv[1]) over 127.0.0.1. */
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tg.h"
#include "vpnd/log.h"

int main(int argc, char **argv)
{
	unsigned failures;

	log_set_level(getenv("VPND_TEST_DEBUG") ? LOG_DBG : LOG_ERR);
	tg_testgw_path = argc > 1 ? argv[1] : NULL;
	tg_loop = loop_new();
	if (!tg_loop || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	register_seal_tests();
	register_resume_tests();
	register_auth_tests();
	register_binary_tests();
	register_kat_tests();
	register_ike_rekey_tests();
	register_eap_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() +
		   CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	loop_free(tg_loop);
	return failures ? 1 : 0;
}
