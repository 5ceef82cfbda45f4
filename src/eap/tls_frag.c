/* The EAP-TLS packet (RFC 5216 3.1) and its fragments, both ways: the
 * gateway's TLS message put together from fragments whose TLS Message
 * Length is checked, never trusted, and ours cut to the EAP packet size
 * the profile allows. No TLS here: bytes in, bytes out. */
#include <string.h>

#include "tls_int.h"

/* EAP header (Code, Identifier, Length) and Type: what eap.c adds. */
#define EAP_HDR_LEN 5

int tls_pkt_parse(const uint8_t *td, size_t len, struct tls_pkt *p,
		  struct verr *e)
{
	struct rbuf r;

	rb_init(&r, td, len);
	memset(p, 0, sizeof(*p));
	if (!rb_u8(&r, &p->flags)) {
		verr_set(e, "EAP-TLS: packet without Flags");
		return -1;
	}
	if (p->flags & EAP_TLS_FLAG_L) {
		if (!rb_u32(&r, &p->msg_len)) {
			verr_set(e, "EAP-TLS: L flag but %zu bytes, too short for the TLS Message Length",
				 len);
			return -1;
		}
		p->has_len = true;
	}
	p->dlen = rb_left(&r);
	rb_ptr(&r, p->dlen, &p->data);
	return 0;
}

/* The first packet of a message: its length is what L says (RFC 5216
 * 3.1: L MUST be on the first of several fragments) or, unfragmented
 * and without L, the packet's own data. */
static int first_fragment(struct tls_in *in, const struct tls_pkt *p,
			  struct verr *e)
{
	if (!p->dlen) {
		verr_set(e, "EAP-TLS: a fragment without TLS data");
		return -1;
	}
	if (!p->has_len) {
		if (p->flags & EAP_TLS_FLAG_M) {
			verr_set(e, "EAP-TLS: first fragment without the TLS Message Length");
			return -1;
		}
		in->total = p->dlen;
		return 0;
	}
	if (p->msg_len > EAP_TLS_MAX_MSG) {
		verr_set(e, "EAP-TLS: TLS Message Length %u is above vpnd's limit of %u bytes",
			 p->msg_len, EAP_TLS_MAX_MSG);
		return -1;
	}
	if (p->msg_len < p->dlen) {
		verr_set(e, "EAP-TLS: TLS Message Length %u but the packet carries %zu bytes",
			 p->msg_len, p->dlen);
		return -1;
	}
	in->total = p->msg_len;
	return 0;
}

static int next_fragment(const struct tls_in *in, const struct tls_pkt *p,
			 struct verr *e)
{
	if (p->has_len && p->msg_len != in->total) {
		verr_set(e, "EAP-TLS: TLS Message Length changed from %zu to %u mid-message",
			 in->total, p->msg_len);
		return -1;
	}
	if (!p->dlen) {
		verr_set(e, "EAP-TLS: a fragment without TLS data");
		return -1;
	}
	return 0;
}

int tls_in_add(struct tls_in *in, const struct tls_pkt *p, struct verr *e)
{
	bool more = p->flags & EAP_TLS_FLAG_M;

	if ((in->open ? next_fragment(in, p, e) : first_fragment(in, p, e)) < 0)
		return -1;
	if (p->dlen > in->total - in->buf.len) {
		verr_set(e, "EAP-TLS: fragments carry more than the TLS Message Length of %zu bytes",
			 in->total);
		return -1;
	}
	wb_put(&in->buf, p->data, p->dlen);
	if (in->buf.oom) {
		verr_set(e, "out of memory");
		return -1;
	}
	if (more && in->buf.len == in->total) {
		verr_set(e, "EAP-TLS: more fragments announced after all %zu bytes of the message",
			 in->total);
		return -1;
	}
	if (!more && in->buf.len != in->total) {
		verr_set(e, "EAP-TLS: the message ended after %zu of its %zu bytes",
			 in->buf.len, in->total);
		return -1;
	}
	in->open = more;
	return more ? 0 : 1;
}

void tls_in_reset(struct tls_in *in)
{
	wb_free(&in->buf);
	wb_init(&in->buf);
	in->total = 0;
	in->open = false;
}

void tls_out_next(struct tls_out *o, size_t mtu, struct wbuf *reply)
{
	size_t left = o->buf.len - o->off;
	size_t room = mtu - EAP_HDR_LEN - 1;
	uint8_t flags = 0;

	if (left > room) {
		flags = EAP_TLS_FLAG_M;
		/* RFC 5216 3.1: the first of several carries the total. */
		if (o->off == 0) {
			flags |= EAP_TLS_FLAG_L;
			room -= 4;
		}
	} else {
		room = left;
	}
	wb_u8(reply, flags);
	if (flags & EAP_TLS_FLAG_L)
		wb_u32(reply, (uint32_t)o->buf.len);
	wb_put(reply, o->buf.p + o->off, room);
	o->off += room;
	if (o->off == o->buf.len)
		tls_out_reset(o);
}

void tls_out_reset(struct tls_out *o)
{
	wb_free(&o->buf);
	wb_init(&o->buf);
	o->off = 0;
}
