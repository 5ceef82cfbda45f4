/* Traffic selector payloads (RFC 7296 3.13). */
#include <string.h>

#include "wire_int.h"

#define TS_HDR_LEN 8

static size_t ts_addr_len(uint8_t type)
{
	if (type == TS_IPV4_ADDR_RANGE)
		return 4;
	if (type == TS_IPV6_ADDR_RANGE)
		return 16;
	return 0;
}

static int parse_selector(struct rbuf *r, struct ts_entry *t, size_t idx,
			  struct verr *e)
{
	uint16_t slen;
	size_t alen, left = rb_left(r);

	if (left < TS_HDR_LEN) {
		verr_set(e, "TS %zu: header needs 8 bytes, %zu left", idx, left);
		return -1;
	}
	rb_u8(r, &t->type);
	rb_u8(r, &t->ip_proto);
	rb_u16(r, &slen);
	rb_u16(r, &t->start_port);
	rb_u16(r, &t->end_port);
	alen = ts_addr_len(t->type);
	if (!alen) {
		verr_set(e, "TS %zu: unsupported selector type %u", idx, t->type);
		return -1;
	}
	if (slen != TS_HDR_LEN + 2 * alen) {
		verr_set(e, "TS %zu: selector length %u, type %u needs %zu",
			 idx, slen, t->type, TS_HDR_LEN + 2 * alen);
		return -1;
	}
	memset(t->start, 0, sizeof(t->start));
	memset(t->end, 0, sizeof(t->end));
	if (!rb_copy(r, t->start, alen) || !rb_copy(r, t->end, alen)) {
		verr_set(e, "TS %zu: selector length %u exceeds the %zu bytes left",
			 idx, slen, left);
		return -1;
	}
	return 0;
}

int ts_parse(const uint8_t *b, size_t len, struct ts_payload *out,
	     struct verr *e)
{
	struct rbuf r;
	uint8_t num;

	out->n = 0;
	if (len < 4)
		return wire_short(e, "TS payload", 4, len);
	rb_init(&r, b, len);
	rb_u8(&r, &num);
	rb_skip(&r, 3);
	if (num == 0 || num > TS_MAX) {
		verr_set(e, "TS payload: %u selectors, allowed 1..%d", num,
			 TS_MAX);
		return -1;
	}
	for (; out->n < num; out->n++)
		if (parse_selector(&r, &out->ts[out->n], out->n + 1, e) < 0)
			return -1;
	if (rb_left(&r)) {
		verr_set(e, "TS payload: %zu bytes after its %u selectors",
			 rb_left(&r), num);
		return -1;
	}
	return 0;
}

void ts_build(struct pl_chain *c, uint8_t pl_type, const struct ts_payload *ts)
{
	size_t h = chain_begin(c, pl_type, false);
	size_t n = ts->n <= TS_MAX ? ts->n : TS_MAX;
	struct wbuf *w = c->wb;

	wb_u8(w, (uint8_t)n);
	wb_zero(w, 3);
	for (size_t i = 0; i < n; i++) {
		const struct ts_entry *t = &ts->ts[i];
		size_t alen = ts_addr_len(t->type);

		wb_u8(w, t->type);
		wb_u8(w, t->ip_proto);
		wb_u16(w, (uint16_t)(TS_HDR_LEN + 2 * alen));
		wb_u16(w, t->start_port);
		wb_u16(w, t->end_port);
		wb_put(w, t->start, alen);
		wb_put(w, t->end, alen);
	}
	chain_end(c, h);
}
