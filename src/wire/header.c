/* IKE header (RFC 7296 3.1). */
#include <string.h>

#include "wire_int.h"

int ike_hdr_parse(const uint8_t *b, size_t len, struct ike_hdr *h,
		  struct verr *e)
{
	struct rbuf r;

	if (len < IKE_HDR_LEN)
		return wire_short(e, "IKE header", IKE_HDR_LEN, len);
	rb_init(&r, b, len);
	rb_copy(&r, h->spi_i, 8);
	rb_copy(&r, h->spi_r, 8);
	rb_u8(&r, &h->next);
	rb_u8(&r, &h->version);
	rb_u8(&r, &h->exchange);
	rb_u8(&r, &h->flags);
	rb_u32(&r, &h->msg_id);
	rb_u32(&r, &h->length);
	/* Only the major version matters; a higher minor is still IKEv2. */
	if ((h->version >> 4) != 2) {
		verr_set(e, "IKE header: major version %u, expected 2",
			 h->version >> 4);
		return -1;
	}
	if (h->length < IKE_HDR_LEN) {
		verr_set(e, "IKE header: length %u is below the %d-byte header",
			 h->length, IKE_HDR_LEN);
		return -1;
	}
	if (h->length != len) {
		verr_set(e, "IKE header: length %u but the datagram holds %zu bytes",
			 h->length, len);
		return -1;
	}
	return 0;
}

void ike_hdr_write(uint8_t out[IKE_HDR_LEN], const struct ike_hdr *h)
{
	memcpy(out, h->spi_i, 8);
	memcpy(out + 8, h->spi_r, 8);
	out[16] = h->next;
	out[17] = h->version;
	out[18] = h->exchange;
	out[19] = h->flags;
	put_u32(out + 20, h->msg_id);
	put_u32(out + 24, h->length);
}
