/* test-redirect: RFC 5685 redirects followed by the engine, against
 * scripted responders on 127.0.0.1-3 sharing one port. */
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "rt.h"
#include "vpnd/log.h"

int main(void)
{
	struct engine_config cfg = { .child = ENGINE_CHILD_NONE };
	struct verr e = { { 0 } };
	unsigned failures;

	log_set_level(getenv("VPND_TEST_DEBUG") ? LOG_DBG : LOG_ERR);
	test_loop = loop_new();
	test_engine = test_loop ? engine_new(test_loop, &cfg, &e) : NULL;
	if (!test_engine || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	register_init_tests();
	register_auth_tests();
	register_eap_tests();
	register_info_tests();
	register_limit_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	engine_free(test_engine);
	loop_free(test_loop);
	return failures ? 1 : 0;
}
