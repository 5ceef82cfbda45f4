/* ID payload (RFC 7296 3.5): type(1) | reserved(3) | identification. */
#include "wire_int.h"

/* Address IDs have a fixed size; anything else must not be empty. */
static int check_id_len(uint8_t type, size_t len, struct verr *e)
{
	size_t want = 0;

	if (type == ID_IPV4_ADDR)
		want = 4;
	else if (type == ID_IPV6_ADDR)
		want = 16;
	if (want ? len == want : len > 0)
		return 0;
	if (want)
		verr_set(e, "ID payload: type %u carries %zu bytes, expected %zu",
			 type, len, want);
	else
		verr_set(e, "ID payload: type %u with empty data", type);
	return -1;
}

int id_parse(const uint8_t *b, size_t len, struct id_payload *out,
	     struct verr *e)
{
	if (len < 4)
		return wire_short(e, "ID payload", 4, len);
	out->type = b[0];
	out->data = b + 4;
	out->len = len - 4;
	return check_id_len(out->type, out->len, e);
}

void id_build(struct pl_chain *c, uint8_t pl_type, uint8_t id_type,
	      const uint8_t *data, size_t len)
{
	wire_typed_body(c, pl_type, id_type, data, len);
}
