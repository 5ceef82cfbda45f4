/* Test hook for known-answer DH tests (RFC 7748, RFC 5903): replaces the
 * generated key of an ECP or X25519 struct dh by a fixed private value.
 * Never used by the daemon. */
#ifndef VPND_DH_INTERNAL_H
#define VPND_DH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct dh;

/* priv is the big-endian scalar (ECP, padded to the field size) or the
 * raw 32-byte X25519 scalar. */
int dh_set_private(struct dh *dh, const uint8_t *priv, size_t len);

#endif
