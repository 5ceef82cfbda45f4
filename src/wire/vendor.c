/* Vendor ID payload (RFC 7296 3.12): the body is the vendor's identifier,
 * any length; the sender's meaning is known only to whoever recognises
 * the exact bytes. */
#include <string.h>

#include "wire_int.h"

bool vendor_id_present(const struct payload_list *pl, const uint8_t *vid,
		       size_t len)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		const struct ike_payload *p = &pl->pl[i];

		if (p->type == PL_VENDOR && p->len == len &&
		    !memcmp(p->body, vid, len))
			return true;
	}
	return false;
}
