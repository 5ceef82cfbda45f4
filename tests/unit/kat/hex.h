/* Hex strings of test vectors into bytes, for the unit tests. */
#ifndef VPND_TEST_KAT_HEX_H
#define VPND_TEST_KAT_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes hex (whitespace ignored) into out; returns the byte count.
 * Aborts when out is too small: a test vector that does not fit is a
 * bug in the test. */
size_t unhex(const char *hex, uint8_t *out, size_t max);

#endif
