/* CUnit runner for the crypto module. */
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tutil.h"

int main(void)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	add_vector_tests();
	add_sk_tests();
	add_resume_kat_tests();
	add_auth_tests();
	add_x509_tests();
	add_x509_trust_tests();
	add_mschapv2_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() +
		   CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
