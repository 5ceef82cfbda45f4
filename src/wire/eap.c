/* EAP payload (RFC 7296 3.16, RFC 3748 4): the body is one EAP packet. */
#include "wire_int.h"

enum { EAP_REQUEST = 1, EAP_RESPONSE = 2, EAP_SUCCESS = 3, EAP_FAILURE = 4 };

int eap_parse(const uint8_t *b, size_t len, struct eap_payload *out,
	      struct verr *e)
{
	struct rbuf r;

	if (len < 4)
		return wire_short(e, "EAP payload", 4, len);
	rb_init(&r, b, len);
	rb_u8(&r, &out->code);
	rb_u8(&r, &out->ident);
	rb_u16(&r, &out->length);
	if (out->length != len) {
		verr_set(e, "EAP: length %u but the payload holds %zu bytes",
			 out->length, len);
		return -1;
	}
	out->type = 0;
	out->data = NULL;
	out->len = 0;
	switch (out->code) {
	case EAP_SUCCESS:
	case EAP_FAILURE:
		if (len == 4)
			return 0;
		verr_set(e, "EAP code %u carries %zu extra bytes", out->code,
			 len - 4);
		return -1;
	case EAP_REQUEST:
	case EAP_RESPONSE:
		if (!rb_u8(&r, &out->type)) {
			verr_set(e, "EAP code %u without a type", out->code);
			return -1;
		}
		out->len = rb_left(&r);
		rb_ptr(&r, out->len, &out->data);
		return 0;
	default:
		verr_set(e, "EAP: unknown code %u", out->code);
		return -1;
	}
}
