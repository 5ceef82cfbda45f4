/* Shared helpers for the crypto unit tests. */
#ifndef VPND_TEST_CRYPTO_UTIL_H
#define VPND_TEST_CRYPTO_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "hex.h"

/* Asserts that len bytes at p equal the hex string. */
#define ASSERT_HEX(p, len, hex) do { \
		uint8_t want_[1024]; \
		size_t wlen_ = unhex((hex), want_, sizeof(want_)); \
		CU_ASSERT_EQUAL_FATAL((size_t)(len), wlen_); \
		CU_ASSERT(memcmp((p), want_, wlen_) == 0); \
	} while (0)

void add_vector_tests(void);
void add_sk_tests(void);
void add_auth_tests(void);
void add_x509_tests(void);
void add_x509_trust_tests(void);
void add_resume_kat_tests(void);
void add_mschapv2_tests(void);

#endif
