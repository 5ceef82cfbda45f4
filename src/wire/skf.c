/* Encrypted fragment payload (RFC 7383 2.5): number(2) | total(2) | data. */
#include "wire_int.h"

int skf_parse(const uint8_t *b, size_t len, struct skf_payload *out,
	      struct verr *e)
{
	struct rbuf r;

	if (len < 5)
		return wire_short(e, "SKF payload", 5, len);
	rb_init(&r, b, len);
	rb_u16(&r, &out->frag_num);
	rb_u16(&r, &out->total);
	if (out->frag_num == 0 || out->total == 0 ||
	    out->frag_num > out->total) {
		verr_set(e, "SKF: fragment %u of %u", out->frag_num, out->total);
		return -1;
	}
	out->len = rb_left(&r);
	rb_ptr(&r, out->len, &out->data);
	return 0;
}
