/* Shared by the wire unit tests and the fuzz harness. */
#ifndef WIRE_TEST_UTIL_H
#define WIRE_TEST_UTIL_H

#include "vpnd/wire.h"

/* Hex (whitespace ignored) to bytes; returns the byte count or 0. */
size_t hex2bin(const char *hex, uint8_t *out, size_t outlen);

/* The golden IKE_SA_INIT request, as hand-assembled hex. */
extern const char golden_sa_init_hex[];
/* Builds the same message with the codec builders into w. */
void build_golden_sa_init(struct wbuf *w);

/* Parses a whole message: header, chain, and every payload body with
 * its own parser (notify data too). Returns 0 if all of it is valid. */
int walk_message(const uint8_t *b, size_t len, struct verr *e);
/* Same, for a bare payload chain starting with 'first'. */
int walk_chain(uint8_t first, const uint8_t *b, size_t len, struct verr *e);

#endif
