#include <CUnit/Basic.h>

#include "vpnd/log.h"
#include "tutil.h"

int main(void)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	/* rejected files are logged as warnings; keep the output readable */
	log_set_level(LOG_ERR);
	if (add_store_tests() || add_corrupt_tests()) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
