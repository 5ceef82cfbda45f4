/* CERT (RFC 7296 3.6) and CERTREQ (3.7): encoding(1) | data. */
#include "wire_int.h"

/* CERTREQ data may be empty (no CA hashes); CERT data may not, but the
 * caller knows which one it holds, so only the encoding is mandatory. */
int cert_parse(const uint8_t *b, size_t len, struct cert_payload *out,
	       struct verr *e)
{
	if (len < 1)
		return wire_short(e, "CERT payload", 1, len);
	out->encoding = b[0];
	out->data = b + 1;
	out->len = len - 1;
	return 0;
}

void cert_build(struct pl_chain *c, uint8_t pl_type, uint8_t encoding,
		const uint8_t *data, size_t len)
{
	size_t h = chain_begin(c, pl_type, false);

	wb_u8(c->wb, encoding);
	wb_put(c->wb, data, len);
	chain_end(c, h);
}
