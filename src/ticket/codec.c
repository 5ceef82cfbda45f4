/* Ticket file encoding: explicit lengths, each checked against its field
 * on load, and an HMAC over everything so that an edited file is refused
 * before any of it is believed. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ticket_internal.h"

static bool str_ok(const char *s, size_t max, bool empty_ok)
{
	size_t n = strnlen(s, max);

	return n < max && (empty_ok || n > 0);
}

static int check_id(const struct ticket_id *id, const char *which,
		    struct verr *e)
{
	if (id->type == 0 || id->len == 0 || id->len > TICKET_ID_MAX) {
		verr_set(e, "%s: missing or longer than %d bytes", which,
			 TICKET_ID_MAX);
		return -1;
	}
	return 0;
}

static int check_gateways(const struct resume_ticket *t, struct verr *e)
{
	size_t i;

	if (!str_ok(t->gateway, TICKET_STR_MAX, false)) {
		verr_set(e, "issuing gateway: empty or not terminated");
		return -1;
	}
	if (t->n_backups > TICKET_MAX_BACKUPS) {
		verr_set(e, "%zu backup gateways (at most %d)", t->n_backups,
			 TICKET_MAX_BACKUPS);
		return -1;
	}
	for (i = 0; i < t->n_backups; i++) {
		if (!str_ok(t->backups[i], TICKET_STR_MAX, false)) {
			verr_set(e, "backup gateway %zu: empty or not "
				 "terminated", i);
			return -1;
		}
	}
	return 0;
}

int tkf_check(const struct resume_ticket *t, struct verr *e)
{
	if (t->ticket_len == 0 || t->ticket_len > TICKET_MAX_LEN) {
		verr_set(e, "ticket of %zu bytes (1..%d)", t->ticket_len,
			 TICKET_MAX_LEN);
		return -1;
	}
	if (t->sk_d_len == 0 || t->sk_d_len > TICKET_SKD_MAX) {
		verr_set(e, "SK_d of %zu bytes (1..%d)", t->sk_d_len,
			 TICKET_SKD_MAX);
		return -1;
	}
	if (t->gsc > TICKET_GSC_MAX) {
		verr_set(e, "gateway switch count %u (0..%d)", t->gsc,
			 TICKET_GSC_MAX);
		return -1;
	}
	if (t->prf == 0 || t->encr == 0) {
		verr_set(e, "PRF or ENCR transform missing");
		return -1;
	}
	if (t->expires <= 0) {
		verr_set(e, "no expiry time");
		return -1;
	}
	if (check_id(&t->idi, "IDi", e) || check_id(&t->idr, "IDr", e))
		return -1;
	return check_gateways(t, e);
}

int tkf_mac(const uint8_t key[STORE_KEY_LEN], const uint8_t *p, size_t len,
	    uint8_t mac[TKF_MAC_LEN])
{
	size_t outlen = 0;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, STORE_KEY_LEN,
		       p, len, mac, TKF_MAC_LEN, &outlen) ||
	    outlen != TKF_MAC_LEN)
		return -1;
	return 0;
}

/* ---- encode ---- */

static void put_str16(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);

	wb_u16(w, (uint16_t)n);
	wb_put(w, s, n);
}

static void put_id(struct wbuf *w, const struct ticket_id *id)
{
	wb_u8(w, id->type);
	wb_u16(w, (uint16_t)id->len);
	wb_put(w, id->data, id->len);
}

static void put_body(struct wbuf *w, const char *profile,
		     const struct resume_ticket *t)
{
	uint64_t exp = (uint64_t)t->expires;
	size_t i;

	wb_u8(w, (uint8_t)strlen(profile));
	wb_put(w, profile, strlen(profile));
	wb_u32(w, (uint32_t)(exp >> 32));
	wb_u32(w, (uint32_t)exp);
	wb_u8(w, t->gsc);
	wb_u16(w, t->prf);
	wb_u16(w, t->encr);
	wb_u16(w, t->encr_keylen);
	wb_u16(w, t->integ);
	wb_u16(w, (uint16_t)t->sk_d_len);
	wb_put(w, t->sk_d, t->sk_d_len);
	wb_u16(w, (uint16_t)t->ticket_len);
	wb_put(w, t->ticket, t->ticket_len);
	put_id(w, &t->idi);
	put_id(w, &t->idr);
	wb_u8(w, (uint8_t)((t->has_vip4 ? TKF_VIP4 : 0) |
			   (t->has_vip6 ? TKF_VIP6 : 0) |
			   (t->gw_vpnd ? TKF_GW_VPND : 0)));
	wb_put(w, t->vip4, sizeof(t->vip4));
	wb_put(w, t->vip6, sizeof(t->vip6));
	put_str16(w, t->gateway);
	wb_u8(w, (uint8_t)t->n_backups);
	for (i = 0; i < t->n_backups; i++)
		put_str16(w, t->backups[i]);
}

int tkf_encode(const uint8_t key[STORE_KEY_LEN], const char *profile,
	       const struct resume_ticket *t, struct wbuf *out,
	       struct verr *e)
{
	uint8_t mac[TKF_MAC_LEN];

	if (tkf_check(t, e))
		return -1;
	wb_put(out, TKF_MAGIC, 4);
	wb_u8(out, TKF_VERSION);
	wb_u8(out, 0);
	wb_u16(out, 0);
	wb_u32(out, 0); /* body length, patched below */
	put_body(out, profile, t);
	if (out->oom) {
		verr_set(e, "out of memory");
		return -1;
	}
	wb_patch_u32(out, 8, (uint32_t)(out->len - TKF_HDR_LEN));
	if (tkf_mac(key, out->p, out->len, mac)) {
		verr_set(e, "HMAC-SHA256 failed");
		return -1;
	}
	wb_put(out, mac, sizeof(mac));
	if (out->oom) {
		verr_set(e, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- decode ---- */

static bool get_str(struct rbuf *r, size_t n, char *dst, size_t max)
{
	const uint8_t *p;

	if (n >= max || !rb_ptr(r, n, &p) || memchr(p, 0, n))
		return false;
	memcpy(dst, p, n);
	dst[n] = 0;
	return true;
}

static bool get_str16(struct rbuf *r, char *dst, size_t max)
{
	uint16_t n;

	return rb_u16(r, &n) && get_str(r, n, dst, max);
}

static bool get_bytes16(struct rbuf *r, uint8_t *dst, size_t max,
			size_t *len)
{
	uint16_t n;

	if (!rb_u16(r, &n) || n > max || !rb_copy(r, dst, n))
		return false;
	*len = n;
	return true;
}

static bool get_id(struct rbuf *r, struct ticket_id *id)
{
	return rb_u8(r, &id->type) &&
	       get_bytes16(r, id->data, sizeof(id->data), &id->len);
}

static int fail(struct verr *e, const char *what)
{
	verr_set(e, "bad %s field", what);
	return -1;
}

static int get_head(struct rbuf *r, const char *profile,
		    struct resume_ticket *t, struct verr *e)
{
	uint8_t plen;
	uint32_t hi, lo;

	if (!rb_u8(r, &plen) ||
	    !get_str(r, plen, t->profile, sizeof(t->profile)))
		return fail(e, "profile");
	if (strcmp(t->profile, profile)) {
		verr_set(e, "file belongs to another profile");
		return -1;
	}
	if (!rb_u32(r, &hi) || !rb_u32(r, &lo))
		return fail(e, "expiry");
	t->expires = (time_t)(int64_t)(((uint64_t)hi << 32) | lo);
	if (!rb_u8(r, &t->gsc) || !rb_u16(r, &t->prf) ||
	    !rb_u16(r, &t->encr) || !rb_u16(r, &t->encr_keylen) ||
	    !rb_u16(r, &t->integ))
		return fail(e, "algorithm");
	if (!get_bytes16(r, t->sk_d, sizeof(t->sk_d), &t->sk_d_len))
		return fail(e, "SK_d");
	if (!get_bytes16(r, t->ticket, sizeof(t->ticket), &t->ticket_len))
		return fail(e, "ticket");
	return 0;
}

static int get_tail(struct rbuf *r, struct resume_ticket *t,
		    struct verr *e)
{
	uint8_t flags, n;
	size_t i;

	if (!get_id(r, &t->idi) || !get_id(r, &t->idr))
		return fail(e, "identity");
	if (!rb_u8(r, &flags) ||
	    (flags & ~(TKF_VIP4 | TKF_VIP6 | TKF_GW_VPND)) ||
	    !rb_copy(r, t->vip4, sizeof(t->vip4)) ||
	    !rb_copy(r, t->vip6, sizeof(t->vip6)))
		return fail(e, "virtual address");
	t->has_vip4 = flags & TKF_VIP4;
	t->has_vip6 = flags & TKF_VIP6;
	t->gw_vpnd = flags & TKF_GW_VPND;
	if (!get_str16(r, t->gateway, sizeof(t->gateway)))
		return fail(e, "gateway");
	if (!rb_u8(r, &n) || n > TICKET_MAX_BACKUPS)
		return fail(e, "backup count");
	for (i = 0; i < n; i++)
		if (!get_str16(r, t->backups[i], sizeof(t->backups[i])))
			return fail(e, "backup gateway");
	t->n_backups = n;
	if (rb_left(r)) {
		verr_set(e, "%zu stray bytes after the last field",
			 rb_left(r));
		return -1;
	}
	return 0;
}

static int check_frame(const uint8_t *p, size_t len, struct verr *e)
{
	uint32_t body;

	if (len < TKF_HDR_LEN + TKF_MAC_LEN) {
		verr_set(e, "truncated (%zu bytes)", len);
		return -1;
	}
	if (memcmp(p, TKF_MAGIC, 4)) {
		verr_set(e, "not a ticket file (bad magic)");
		return -1;
	}
	if (p[4] != TKF_VERSION || p[5] || get_u16(p + 6)) {
		verr_set(e, "unsupported format version %u", p[4]);
		return -1;
	}
	body = get_u32(p + 8);
	if (body != len - TKF_HDR_LEN - TKF_MAC_LEN) {
		verr_set(e, "length field says %u body bytes, file has %zu",
			 body, len - TKF_HDR_LEN - TKF_MAC_LEN);
		return -1;
	}
	return 0;
}

int tkf_decode(const uint8_t key[STORE_KEY_LEN], const char *profile,
	       const uint8_t *p, size_t len, struct resume_ticket *out,
	       struct verr *e)
{
	uint8_t mac[TKF_MAC_LEN];
	size_t maclen = len - TKF_MAC_LEN;
	struct rbuf r;

	memset(out, 0, sizeof(*out));
	if (check_frame(p, len, e))
		return -1;
	if (tkf_mac(key, p, maclen, mac)) {
		verr_set(e, "HMAC-SHA256 failed");
		return -1;
	}
	if (CRYPTO_memcmp(mac, p + maclen, TKF_MAC_LEN)) {
		verr_set(e, "integrity check failed (file modified or "
			 "written with another store key)");
		return -1;
	}
	rb_init(&r, p + TKF_HDR_LEN, maclen - TKF_HDR_LEN);
	if (get_head(&r, profile, out, e) || get_tail(&r, out, e) ||
	    tkf_check(out, e)) {
		ticket_wipe(out);
		return -1;
	}
	return 0;
}
