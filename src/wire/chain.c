/* Generic payload chain (RFC 7296 3.2): walking and building. */
#include <string.h>

#include "wire_int.h"

#define PL_CRITICAL 0x80

bool payload_type_known(uint8_t type)
{
	return (type >= PL_SA && type <= PL_EAP) || type == PL_SKF;
}

/* Reads one generic header and body; fills *p. */
static int parse_one(struct rbuf *r, uint8_t type, size_t idx,
		     struct ike_payload *p, struct verr *e)
{
	uint8_t flags;
	uint16_t plen;
	size_t left = rb_left(r);

	if (left < IKE_PAYLOAD_HDR_LEN) {
		verr_set(e, "payload %zu (%s) header needs 4 bytes, %zu left",
			 idx, payload_name(type), left);
		return -1;
	}
	p->offset = r->off;
	rb_u8(r, &p->next);
	rb_u8(r, &flags);
	rb_u16(r, &plen);
	if (plen < IKE_PAYLOAD_HDR_LEN) {
		verr_set(e, "payload %zu (%s) length %u is below the 4-byte header",
			 idx, payload_name(type), plen);
		return -1;
	}
	if (plen > left) {
		verr_set(e, "payload %zu (%s) length %u exceeds the %zu bytes left",
			 idx, payload_name(type), plen, left);
		return -1;
	}
	p->type = type;
	p->critical = (flags & PL_CRITICAL) != 0;
	p->len = plen - IKE_PAYLOAD_HDR_LEN;
	rb_ptr(r, p->len, &p->body);
	return 0;
}

int payload_chain_parse(uint8_t first, const uint8_t *b, size_t len,
			struct payload_list *out, struct verr *e)
{
	struct rbuf r;
	uint8_t type = first;

	out->n = 0;
	rb_init(&r, b, len);
	while (type != PL_NONE) {
		struct ike_payload *p;

		if (out->n == IKE_MAX_PAYLOADS) {
			verr_set(e, "more than %d payloads in one message",
				 IKE_MAX_PAYLOADS);
			return -1;
		}
		p = &out->pl[out->n];
		if (parse_one(&r, type, out->n + 1, p, e) < 0)
			return -1;
		out->n++;
		/* SK/SKF's next names the encrypted inner chain, so it
		 * must be the last payload in the clear. */
		if (type == PL_SK || type == PL_SKF) {
			if (rb_left(&r)) {
				verr_set(e, "%zu bytes follow the %s payload, which must be last",
					 rb_left(&r), payload_name(type));
				return -1;
			}
			return 0;
		}
		type = p->next;
	}
	if (rb_left(&r)) {
		verr_set(e, "%zu trailing bytes after the last payload",
			 rb_left(&r));
		return -1;
	}
	return 0;
}

const struct ike_payload *payload_find(const struct payload_list *l,
				       uint8_t type)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->pl[i].type == type)
			return &l->pl[i];
	return NULL;
}

const struct ike_payload *payload_unknown_critical(const struct payload_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->pl[i].critical && !payload_type_known(l->pl[i].type))
			return &l->pl[i];
	return NULL;
}

void chain_init(struct pl_chain *c, struct wbuf *wb)
{
	c->wb = wb;
	c->start = wb->len;
	c->prev_hdr = 0;
	c->first = PL_NONE;
	c->any = false;
}

size_t chain_begin(struct pl_chain *c, uint8_t type, bool critical)
{
	struct wbuf *w = c->wb;
	size_t off = w->len;

	if (c->any) {
		if (!w->oom && c->prev_hdr < w->len)
			w->p[c->prev_hdr] = type;
	} else {
		c->first = type;
	}
	wb_u8(w, PL_NONE);
	wb_u8(w, critical ? PL_CRITICAL : 0);
	wb_u16(w, 0);
	c->prev_hdr = off;
	c->any = true;
	return off;
}

void chain_end(struct pl_chain *c, size_t hdr_off)
{
	struct wbuf *w = c->wb;
	size_t plen;

	if (w->oom || hdr_off > w->len)
		return;
	plen = w->len - hdr_off;
	/* A payload that cannot be described is a build failure; reuse
	 * the sticky error flag so callers check once. */
	if (plen > UINT16_MAX) {
		w->oom = true;
		return;
	}
	wb_patch_u16(w, hdr_off + 2, (uint16_t)plen);
}

void chain_add(struct pl_chain *c, uint8_t type, const void *body, size_t len)
{
	size_t h = chain_begin(c, type, false);

	wb_put(c->wb, body, len);
	chain_end(c, h);
}

void wire_typed_body(struct pl_chain *c, uint8_t pl_type, uint8_t t,
		     const uint8_t *data, size_t len)
{
	size_t h = chain_begin(c, pl_type, false);

	wb_u8(c->wb, t);
	wb_zero(c->wb, 3);
	wb_put(c->wb, data, len);
	chain_end(c, h);
}
