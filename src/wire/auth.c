/* AUTH payload (RFC 7296 3.8): method(1) | reserved(3) | data. */
#include "wire_int.h"

int auth_parse(const uint8_t *b, size_t len, struct auth_payload *out,
	       struct verr *e)
{
	if (len < 5)
		return wire_short(e, "AUTH payload", 5, len);
	out->method = b[0];
	out->data = b + 4;
	out->len = len - 4;
	return 0;
}

void auth_build(struct pl_chain *c, uint8_t method, const uint8_t *data,
		size_t len)
{
	wire_typed_body(c, PL_AUTH, method, data, len);
}
