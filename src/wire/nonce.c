/* Nonce payload (RFC 7296 3.9): the body is the nonce itself. */
#include "wire_int.h"

#define NONCE_MIN 16
#define NONCE_MAX 256

int nonce_parse(const uint8_t *b, size_t len, struct verr *e)
{
	if (len < NONCE_MIN || len > NONCE_MAX) {
		verr_set(e, "nonce of %zu bytes, allowed %d..%d", len,
			 NONCE_MIN, NONCE_MAX);
		return -1;
	}
	return 0;
}
