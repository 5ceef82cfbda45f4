/* The Encrypted Fragment payload (RFC 7383 2.5):
 * generic header | Fragment Number (2) | Total Fragments (2) |
 * IV | ciphertext | ICV. */
#include "wire_int.h"

int skf_parse(const uint8_t *b, size_t len, struct skf_payload *out,
	      struct verr *e)
{
	struct rbuf r;

	/* At least one byte after the numbers: a fragment without
	 * ciphertext cannot be authentic, so it is refused before any
	 * crypto sees it. */
	if (len < 5)
		return wire_short(e, "SKF payload", 5, len);
	rb_init(&r, b, len);
	rb_u16(&r, &out->frag_num);
	rb_u16(&r, &out->total);
	/* Numbers start at 1 (RFC 7383 2.5); a total of 0 fails here too,
	 * since the number is at least 1. */
	if (out->frag_num == 0 || out->frag_num > out->total) {
		verr_set(e, "SKF: fragment %u of %u", out->frag_num, out->total);
		return -1;
	}
	out->len = rb_left(&r);
	rb_ptr(&r, out->len, &out->data);
	return 0;
}

int skf_header_write(uint8_t out[SKF_HDR_LEN], uint8_t next,
		     uint16_t frag_num, uint16_t total, size_t data_len)
{
	if (data_len > UINT16_MAX - SKF_HDR_LEN)
		return -1;
	out[0] = next;
	out[1] = 0; /* not critical: every IKEv2 implementation knows SKF */
	put_u16(out + 2, (uint16_t)(SKF_HDR_LEN + data_len));
	put_u16(out + 4, frag_num);
	put_u16(out + 6, total);
	return 0;
}

void skf_build(struct wbuf *w, uint8_t next, uint16_t frag_num,
	       uint16_t total, const uint8_t *data, size_t len)
{
	uint8_t hdr[SKF_HDR_LEN];

	if (skf_header_write(hdr, next, frag_num, total, len) < 0) {
		w->oom = true;
		return;
	}
	wb_put(w, hdr, sizeof(hdr));
	wb_put(w, data, len);
}
