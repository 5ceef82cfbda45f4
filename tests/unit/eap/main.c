/* CUnit runner for the eap module; the test PKI is made once. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "vpnd/log.h"

#include "pki.h"
#include "tests.h"

int main(void)
{
	const char *only = getenv("VPND_TEST_SUITE");
	unsigned int failures;

	log_set_level(LOG_WARN);
	if (pki_setup() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	add_tls_tests();
	add_tls_packet_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (only && *only) {
		CU_pSuite s = CU_get_suite(only);

		if (!s)
			return 2;
		CU_basic_run_suite(s);
	} else {
		CU_basic_run_tests();
	}
	failures = CU_get_number_of_failures() +
		   CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	pki_teardown();
	return failures ? 1 : 0;
}
