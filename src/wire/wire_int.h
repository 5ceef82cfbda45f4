/* Helpers shared by the wire codec files only. */
#ifndef VPND_WIRE_INT_H
#define VPND_WIRE_INT_H

#include "vpnd/wire.h"

/* Fails with a uniform message when a fixed part is cut short. */
static inline int wire_short(struct verr *e, const char *what, size_t need,
			     size_t have)
{
	verr_set(e, "%s: %zu bytes, need at least %zu", what, have, need);
	return -1;
}

/* Writes "type | 3 reserved bytes | data" bodies (ID, AUTH). */
void wire_typed_body(struct pl_chain *c, uint8_t pl_type, uint8_t t,
		     const uint8_t *data, size_t len);

#endif
