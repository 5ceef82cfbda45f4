/* KE payload (RFC 7296 3.4): group(2) | reserved(2) | key exchange data. */
#include "wire_int.h"

int ke_parse(const uint8_t *b, size_t len, struct ke_payload *out,
	     struct verr *e)
{
	struct rbuf r;

	if (len < 5)
		return wire_short(e, "KE payload", 5, len);
	rb_init(&r, b, len);
	rb_u16(&r, &out->group);
	rb_skip(&r, 2);
	out->len = rb_left(&r);
	rb_ptr(&r, out->len, &out->data);
	return 0;
}

void ke_build(struct pl_chain *c, uint16_t group, const uint8_t *data,
	      size_t len)
{
	size_t h = chain_begin(c, PL_KE, false);

	wb_u16(c->wb, group);
	wb_u16(c->wb, 0);
	wb_put(c->wb, data, len);
	chain_end(c, h);
}
