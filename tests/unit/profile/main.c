#include <CUnit/Basic.h>
#include <stdlib.h>

#include "tutil.h"

int main(void)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	tu_init_dir();
	if (add_load_tests() || add_error_tests() || add_alg_tests() ||
	    add_id_tests()) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	tu_cleanup_dir();
	return failed ? 1 : 0;
}
