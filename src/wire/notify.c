/* Notify payload (RFC 7296 3.10): proto(1) | SPI size(1) | type(2) | SPI
 * | data. */
#include "wire_int.h"

int notify_parse(const uint8_t *b, size_t len, struct notify_payload *out,
		 struct verr *e)
{
	struct rbuf r;

	if (len < 4)
		return wire_short(e, "Notify payload", 4, len);
	rb_init(&r, b, len);
	rb_u8(&r, &out->proto);
	rb_u8(&r, &out->spi_size);
	rb_u16(&r, &out->type);
	if (out->spi_size != 0 && out->spi_size != 4 && out->spi_size != 8) {
		verr_set(e, "Notify %s: SPI size %u is not 0, 4 or 8",
			 notify_name(out->type), out->spi_size);
		return -1;
	}
	if (!rb_ptr(&r, out->spi_size, &out->spi)) {
		verr_set(e, "Notify %s: SPI size %u exceeds the %zu bytes left",
			 notify_name(out->type), out->spi_size, rb_left(&r));
		return -1;
	}
	if (!out->spi_size)
		out->spi = NULL;
	out->len = rb_left(&r);
	rb_ptr(&r, out->len, &out->data);
	return 0;
}

void notify_build(struct pl_chain *c, uint8_t proto, const uint8_t *spi,
		  uint8_t spi_size, uint16_t type, const uint8_t *data,
		  size_t len)
{
	size_t h = chain_begin(c, PL_NOTIFY, false);

	wb_u8(c->wb, proto);
	wb_u8(c->wb, spi_size);
	wb_u16(c->wb, type);
	wb_put(c->wb, spi, spi_size);
	wb_put(c->wb, data, len);
	chain_end(c, h);
}
