/* Delete payload (RFC 7296 3.11): proto(1) | SPI size(1) | count(2) |
 * SPIs. */
#include "wire_int.h"

/* IKE SA deletes carry no SPI (the header names the SA); AH/ESP SPIs are
 * 4 bytes. */
static int check_proto(const struct delete_payload *d, struct verr *e)
{
	if (d->proto == PROTO_IKE) {
		if (d->spi_size == 0 && d->num_spi == 0)
			return 0;
		verr_set(e, "Delete IKE: SPI size %u and %u SPIs, expected none",
			 d->spi_size, d->num_spi);
		return -1;
	}
	if (d->proto == PROTO_AH || d->proto == PROTO_ESP) {
		if (d->spi_size == 4)
			return 0;
		verr_set(e, "Delete protocol %u: SPI size %u, expected 4",
			 d->proto, d->spi_size);
		return -1;
	}
	verr_set(e, "Delete: unknown protocol %u", d->proto);
	return -1;
}

int delete_parse(const uint8_t *b, size_t len, struct delete_payload *out,
		 struct verr *e)
{
	struct rbuf r;
	size_t need;

	if (len < 4)
		return wire_short(e, "Delete payload", 4, len);
	rb_init(&r, b, len);
	rb_u8(&r, &out->proto);
	rb_u8(&r, &out->spi_size);
	rb_u16(&r, &out->num_spi);
	if (check_proto(out, e) < 0)
		return -1;
	need = (size_t)out->num_spi * out->spi_size;
	if (need != rb_left(&r)) {
		verr_set(e, "Delete: %u SPIs of %u bytes need %zu bytes, %zu present",
			 out->num_spi, out->spi_size, need, rb_left(&r));
		return -1;
	}
	out->spis = need ? r.p + r.off : NULL;
	return 0;
}

void delete_build(struct pl_chain *c, uint8_t proto, uint8_t spi_size,
		  uint16_t num_spi, const uint8_t *spis)
{
	size_t h = chain_begin(c, PL_DELETE, false);

	wb_u8(c->wb, proto);
	wb_u8(c->wb, spi_size);
	wb_u16(c->wb, num_spi);
	wb_put(c->wb, spis, (size_t)num_spi * spi_size);
	chain_end(c, h);
}
