/* test-common's suites in other files. */
#ifndef VPND_TEST_COMMON_TESTS_H
#define VPND_TEST_COMMON_TESTS_H

void add_json_tests(void);

#endif
