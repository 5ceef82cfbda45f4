/* Data of the notifies the client interprets (RFC 5685, 5723, 7296,
 * 7427). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "wire_int.h"

#define NATD_LEN 20
#define COOKIE_MAX 64
#define NONCE_MIN 16
#define NONCE_MAX 256

/* FQDNs are shown to the user and resolved, so only visible ASCII. */
static int check_fqdn(const uint8_t *p, size_t n, struct verr *e)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x21 || p[i] > 0x7e) {
			verr_set(e, "GW identity: FQDN byte %zu is 0x%02x", i,
				 p[i]);
			return -1;
		}
	}
	return 0;
}

static int check_ident(const struct gw_ident *gw, struct verr *e)
{
	switch (gw->type) {
	case GW_IPV4:
	case GW_IPV6:
		if (gw->len == (gw->type == GW_IPV4 ? 4 : 16))
			return 0;
		verr_set(e, "GW identity: %s address of %u bytes",
			 gw->type == GW_IPV4 ? "IPv4" : "IPv6", gw->len);
		return -1;
	case GW_FQDN:
		if (gw->len == 0) {
			verr_set(e, "GW identity: empty FQDN");
			return -1;
		}
		return check_fqdn(gw->data, gw->len, e);
	default:
		verr_set(e, "GW identity: unknown type %u", gw->type);
		return -1;
	}
}

static int parse_ident(struct rbuf *r, struct gw_ident *gw, struct verr *e)
{
	if (!rb_u8(r, &gw->type) || !rb_u8(r, &gw->len)) {
		verr_set(e, "GW identity: header cut short");
		return -1;
	}
	memset(gw->data, 0, sizeof(gw->data));
	if (!rb_copy(r, gw->data, gw->len)) {
		verr_set(e, "GW identity: length %u exceeds the %zu bytes left",
			 gw->len, rb_left(r));
		return -1;
	}
	return check_ident(gw, e);
}

int notify_redirect_parse(const uint8_t *b, size_t len, struct gw_ident *gw,
			  const uint8_t **nonce, size_t *nonce_len,
			  struct verr *e)
{
	struct rbuf r;
	size_t n;

	rb_init(&r, b, len);
	*nonce = NULL;
	*nonce_len = 0;
	if (parse_ident(&r, gw, e) < 0)
		return -1;
	n = rb_left(&r);
	if (!n)
		return 0;
	/* The nonce echoes our Ni, so it obeys the Ni size rules. */
	if (n < NONCE_MIN || n > NONCE_MAX) {
		verr_set(e, "REDIRECT: nonce data of %zu bytes, allowed %d..%d",
			 n, NONCE_MIN, NONCE_MAX);
		return -1;
	}
	rb_ptr(&r, n, nonce);
	*nonce_len = n;
	return 0;
}

int notify_redirected_from_parse(const uint8_t *b, size_t len,
				 struct gw_ident *gw, struct verr *e)
{
	struct rbuf r;

	rb_init(&r, b, len);
	if (parse_ident(&r, gw, e) < 0)
		return -1;
	if (rb_left(&r)) {
		verr_set(e, "REDIRECTED_FROM: %zu trailing bytes", rb_left(&r));
		return -1;
	}
	return 0;
}

int notify_alt_gw_list_parse(const uint8_t *b, size_t len,
			     struct gw_ident *gws, size_t max, size_t *n,
			     struct verr *e)
{
	struct rbuf r;

	*n = 0;
	rb_init(&r, b, len);
	while (rb_left(&r)) {
		if (*n == max) {
			verr_set(e, "ALT_GW_LIST: more than %zu gateways", max);
			return -1;
		}
		if (parse_ident(&r, &gws[*n], e) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

void gw_ident_build(struct wbuf *w, const struct gw_ident *gw)
{
	wb_u8(w, gw->type);
	wb_u8(w, gw->len);
	wb_put(w, gw->data, gw->len);
}

const char *gw_ident_str(const struct gw_ident *gw, char *out, size_t outlen)
{
	if (!outlen)
		return out;
	out[0] = '\0';
	switch (gw->type) {
	case GW_IPV4:
	case GW_IPV6:
		if (gw->len != (gw->type == GW_IPV4 ? 4 : 16) ||
		    !inet_ntop(gw->type == GW_IPV4 ? AF_INET : AF_INET6,
			       gw->data, out, (socklen_t)outlen))
			snprintf(out, outlen, "?");
		break;
	case GW_FQDN:
		snprintf(out, outlen, "%.*s", (int)gw->len,
			 (const char *)gw->data);
		break;
	default:
		snprintf(out, outlen, "?");
	}
	return out;
}

int notify_natd_parse(const uint8_t *b, size_t len, struct verr *e)
{
	if (len == NATD_LEN)
		return 0;
	verr_set(e, "NAT_DETECTION hash of %zu bytes, expected %d", len,
		 NATD_LEN);
	return -1;
}

int notify_cookie_parse(const uint8_t *b, size_t len, struct verr *e)
{
	if (len >= 1 && len <= COOKIE_MAX)
		return 0;
	verr_set(e, "COOKIE of %zu bytes, allowed 1..%d", len, COOKIE_MAX);
	return -1;
}

int notify_invalid_ke_parse(const uint8_t *b, size_t len, uint16_t *group,
			    struct verr *e)
{
	if (len != 2) {
		verr_set(e, "INVALID_KE_PAYLOAD data of %zu bytes, expected 2",
			 len);
		return -1;
	}
	*group = get_u16(b);
	return 0;
}

int notify_sighash_parse(const uint8_t *b, size_t len, uint16_t *algs,
			 size_t *n, struct verr *e)
{
	*n = 0;
	if (len == 0 || len % 2) {
		verr_set(e, "SIGNATURE_HASH_ALGORITHMS data of %zu bytes, need a non-empty even count",
			 len);
		return -1;
	}
	if (len / 2 > SIGHASH_MAX) {
		verr_set(e, "SIGNATURE_HASH_ALGORITHMS lists %zu algorithms, at most %d",
			 len / 2, SIGHASH_MAX);
		return -1;
	}
	for (size_t i = 0; i < len / 2; i++)
		algs[i] = get_u16(b + 2 * i);
	*n = len / 2;
	return 0;
}

int notify_ticket_lt_parse(const uint8_t *b, size_t len, uint32_t *lifetime,
			   const uint8_t **ticket, size_t *ticket_len,
			   struct verr *e)
{
	if (len < 5) {
		verr_set(e, "TICKET_LT_OPAQUE data of %zu bytes, need a lifetime and a ticket",
			 len);
		return -1;
	}
	*lifetime = get_u32(b);
	*ticket = b + 4;
	*ticket_len = len - 4;
	return 0;
}
