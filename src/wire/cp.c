/* Configuration payload (RFC 7296 3.15). */
#include "wire_int.h"

#define CP_ATTR_R 0x8000

static int parse_attr(struct rbuf *r, struct cp_attr *a, size_t idx,
		      struct verr *e)
{
	uint16_t t;

	if (!rb_u16(r, &t) || !rb_u16(r, &a->len)) {
		verr_set(e, "CP attribute %zu: header cut short", idx);
		return -1;
	}
	a->type = t & (uint16_t)~CP_ATTR_R;
	if (!rb_ptr(r, a->len, &a->val)) {
		verr_set(e, "CP attribute %zu (type %u): length %u exceeds the %zu bytes left",
			 idx, a->type, a->len, rb_left(r));
		return -1;
	}
	return 0;
}

int cp_parse(const uint8_t *b, size_t len, struct cp_payload *out,
	     struct verr *e)
{
	struct rbuf r;

	out->n = 0;
	if (len < 4)
		return wire_short(e, "CP payload", 4, len);
	rb_init(&r, b, len);
	rb_u8(&r, &out->cfg_type);
	rb_skip(&r, 3);
	while (rb_left(&r)) {
		if (out->n == CP_MAX_ATTRS) {
			verr_set(e, "CP payload: more than %d attributes",
				 CP_MAX_ATTRS);
			return -1;
		}
		if (parse_attr(&r, &out->a[out->n], out->n + 1, e) < 0)
			return -1;
		out->n++;
	}
	return 0;
}

void cp_build(struct pl_chain *c, const struct cp_payload *cp)
{
	size_t h = chain_begin(c, PL_CP, false);
	size_t n = cp->n <= CP_MAX_ATTRS ? cp->n : CP_MAX_ATTRS;
	struct wbuf *w = c->wb;

	wb_u8(w, cp->cfg_type);
	wb_zero(w, 3);
	for (size_t i = 0; i < n; i++) {
		wb_u16(w, cp->a[i].type & (uint16_t)~CP_ATTR_R);
		wb_u16(w, cp->a[i].len);
		wb_put(w, cp->a[i].val, cp->a[i].len);
	}
	chain_end(c, h);
}
