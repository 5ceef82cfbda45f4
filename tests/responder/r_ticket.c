/* RFC 5723 tickets by value (RFC 5723 A.1 in spirit): the IKE SA state a
 * gateway of the secure domain needs to resume it, sealed with the
 * domain key so that the client can keep it but not read or change it.
 *
 * Sealed ticket:  IV (12) | AES-256-GCM ciphertext | tag (16),
 *                 AAD = "vpnd-testgw ticket format 1".
 * Plaintext, big-endian, no padding, nothing after the last field:
 *   u8 format (1) | id (16) | u64 expiry (unix s) | u8 GSC (0..15)
 *   | u16 PRF | u16 ENCR | u16 ENCR key bits | u16 INTEG
 *   | u8 len, SK_d | u8 IDi type, u16 len, IDi | u8 IDr type, u16 len, IDr
 *   | u8 flags (bit 0: virtual IPv4) | 4 bytes virtual IPv4 (0 if none)
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "r_internal.h"
#include "vpnd/log.h"

#define TICKET_FORMAT 1
#define IV_LEN 12
#define TAG_LEN 16
#define FLAG_VIP4 0x01
#define KEYFILE_MAX 256

static const char aad[] = "vpnd-testgw ticket format 1";

void responder_ticket_wipe(struct responder_ticket *t)
{
	OPENSSL_cleanse(t, sizeof(*t));
}

static void put_ident(struct wbuf *w, const struct responder_ident *id)
{
	wb_u8(w, id->type);
	wb_u16(w, (uint16_t)id->len);
	wb_put(w, id->data, id->len);
}

int r_ticket_encode(const struct responder_ticket *t, struct wbuf *out)
{
	if (t->sk_d_len > sizeof(t->sk_d) || t->gsc > RESP_GSC_MAX ||
	    t->idi.len > sizeof(t->idi.data) ||
	    t->idr.len > sizeof(t->idr.data))
		return -1;
	wb_u8(out, TICKET_FORMAT);
	wb_put(out, t->id, sizeof(t->id));
	wb_u32(out, (uint32_t)(t->expires >> 32));
	wb_u32(out, (uint32_t)t->expires);
	wb_u8(out, t->gsc);
	wb_u16(out, t->prf);
	wb_u16(out, t->encr);
	wb_u16(out, t->encr_keylen);
	wb_u16(out, t->integ);
	wb_u8(out, (uint8_t)t->sk_d_len);
	wb_put(out, t->sk_d, t->sk_d_len);
	put_ident(out, &t->idi);
	put_ident(out, &t->idr);
	wb_u8(out, t->has_vip4 ? FLAG_VIP4 : 0);
	if (t->has_vip4)
		wb_put(out, t->vip4, 4);
	else
		wb_zero(out, 4);
	return out->oom ? -1 : 0;
}

static bool get_ident(struct rbuf *r, struct responder_ident *id)
{
	uint16_t len;

	if (!rb_u8(r, &id->type) || !rb_u16(r, &len) ||
	    len > sizeof(id->data) || !rb_copy(r, id->data, len))
		return false;
	id->len = len;
	return true;
}

/* The algorithms must be ones this code can run again: a ticket that
 * opens but names something else was not made by a gateway of ours. */
static int check_algs(const struct responder_ticket *t, struct verr *e)
{
	if (!prf_supported(t->prf) || t->sk_d_len != prf_len(t->prf)) {
		verr_set(e, "ticket: PRF %u with %zu-byte SK_d", t->prf,
			 t->sk_d_len);
		return -1;
	}
	if (!encr_supported(t->encr, t->encr_keylen)) {
		verr_set(e, "ticket: ENCR %u/%u not supported", t->encr,
			 t->encr_keylen);
		return -1;
	}
	if (encr_is_aead(t->encr) ? t->integ != INTEG_NONE :
				    !integ_supported(t->integ)) {
		verr_set(e, "ticket: INTEG %u does not go with ENCR %u",
			 t->integ, t->encr);
		return -1;
	}
	return 0;
}

int r_ticket_decode(const uint8_t *b, size_t len, struct responder_ticket *t,
		    struct verr *e)
{
	struct rbuf r;
	uint32_t hi, lo;
	uint8_t fmt, skd_len, flags;

	memset(t, 0, sizeof(*t));
	rb_init(&r, b, len);
	if (!rb_u8(&r, &fmt) || fmt != TICKET_FORMAT) {
		verr_set(e, "ticket: not format %d", TICKET_FORMAT);
		return -1;
	}
	if (!rb_copy(&r, t->id, sizeof(t->id)) || !rb_u32(&r, &hi) ||
	    !rb_u32(&r, &lo) || !rb_u8(&r, &t->gsc) || !rb_u16(&r, &t->prf) ||
	    !rb_u16(&r, &t->encr) || !rb_u16(&r, &t->encr_keylen) ||
	    !rb_u16(&r, &t->integ) || !rb_u8(&r, &skd_len) ||
	    skd_len > sizeof(t->sk_d) || !rb_copy(&r, t->sk_d, skd_len) ||
	    !get_ident(&r, &t->idi) || !get_ident(&r, &t->idr) ||
	    !rb_u8(&r, &flags) || !rb_copy(&r, t->vip4, 4)) {
		verr_set(e, "ticket: truncated or a length overruns it");
		goto fail;
	}
	t->expires = (uint64_t)hi << 32 | lo;
	t->sk_d_len = skd_len;
	t->has_vip4 = flags & FLAG_VIP4;
	if (rb_left(&r) || (flags & ~FLAG_VIP4) || t->gsc > RESP_GSC_MAX) {
		verr_set(e, "ticket: trailing bytes, unknown flags or GSC %u",
			 t->gsc);
		goto fail;
	}
	if (check_algs(t, e) < 0)
		goto fail;
	return 0;
fail:
	responder_ticket_wipe(t);
	return -1;
}

int r_ticket_seal_bytes(const uint8_t key[RESP_DOMAIN_KEY_LEN],
			const uint8_t *plain, size_t len, struct wbuf *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t iv[IV_LEN], tag[TAG_LEN];
	size_t start = out->len;
	int n, fin, rc = -1;

	if (!ctx || len > RESP_TICKET_MAX - IV_LEN - TAG_LEN ||
	    random_bytes(iv, sizeof(iv)) < 0 ||
	    !wb_reserve(out, IV_LEN + len + TAG_LEN))
		goto out;
	wb_put(out, iv, sizeof(iv));
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const uint8_t *)aad,
			      (int)(sizeof(aad) - 1)) != 1 ||
	    EVP_EncryptUpdate(ctx, out->p + out->len, &n, plain,
			      (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out->p + out->len + n, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		goto out;
	out->len += (size_t)n + (size_t)fin;
	wb_put(out, tag, sizeof(tag));
	rc = out->oom ? -1 : 0;
out:
	if (rc < 0)
		out->len = start;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int responder_ticket_seal(const uint8_t key[RESP_DOMAIN_KEY_LEN],
			  const struct responder_ticket *t, struct wbuf *out)
{
	struct wbuf plain;
	int rc;

	wb_init(&plain);
	rc = r_ticket_encode(t, &plain);
	if (rc == 0)
		rc = r_ticket_seal_bytes(key, plain.p, plain.len, out);
	wb_free(&plain); /* wipes */
	return rc;
}

/* Decrypts into plain (len - IV - tag bytes); the tag decides. */
static int open_sealed(const uint8_t key[RESP_DOMAIN_KEY_LEN],
		       const uint8_t *b, size_t len, uint8_t *plain,
		       size_t *plen)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t clen = len - IV_LEN - TAG_LEN;
	int n = 0, fin = 0, rc = -1;

	if (ctx &&
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, b) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, (const uint8_t *)aad,
			      (int)(sizeof(aad) - 1)) == 1 &&
	    EVP_DecryptUpdate(ctx, plain, &n, b + IV_LEN, (int)clen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
				(void *)(b + len - TAG_LEN)) == 1 &&
	    EVP_DecryptFinal_ex(ctx, plain + n, &fin) == 1) {
		*plen = (size_t)n + (size_t)fin;
		rc = 0;
	}
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int responder_ticket_unseal(const uint8_t key[RESP_DOMAIN_KEY_LEN],
			    const uint8_t *b, size_t len,
			    struct responder_ticket *t, struct verr *e)
{
	uint8_t plain[RESP_TICKET_MAX];
	size_t plen = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	if (len < IV_LEN + TAG_LEN + 1 || len > RESP_TICKET_MAX) {
		verr_set(e, "ticket: %zu bytes cannot be one of ours", len);
		return -1;
	}
	if (open_sealed(key, b, len, plain, &plen) < 0) {
		OPENSSL_cleanse(plain, sizeof(plain));
		verr_set(e, "ticket: does not open with the domain key");
		return -1;
	}
	rc = r_ticket_decode(plain, plen, t, e);
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Exactly 64 hex digits, white space around them only. */
static int parse_key_text(const char *s, size_t len,
			  uint8_t key[RESP_DOMAIN_KEY_LEN])
{
	size_t i = 0, n = 0;
	int hi, lo;

	while (i < len && is_space(s[i]))
		i++;
	for (; n < RESP_DOMAIN_KEY_LEN; n++, i += 2) {
		if (i + 1 >= len)
			return -1;
		hi = hex_val(s[i]);
		lo = hex_val(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		key[n] = (uint8_t)(hi << 4 | lo);
	}
	while (i < len && is_space(s[i]))
		i++;
	return i == len ? 0 : -1;
}

int responder_domain_key_load(const char *path,
			      uint8_t key[RESP_DOMAIN_KEY_LEN],
			      struct verr *e)
{
	char text[KEYFILE_MAX];
	struct stat sb;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		verr_set(e, "domain key %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		verr_set(e, "domain key %s: not a regular file", path);
		goto out;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		verr_set(e, "domain key %s: mode %03o, must not be "
			 "accessible to group or others (chmod 600)", path,
			 (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	n = read(fd, text, sizeof(text));
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    parse_key_text(text, (size_t)n, key) < 0) {
		verr_set(e, "domain key %s: want 64 hex digits "
			 "(openssl rand -hex 32)", path);
		OPENSSL_cleanse(key, RESP_DOMAIN_KEY_LEN);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(text, sizeof(text));
	close(fd);
	return rc;
}

/* ---- IKE_AUTH: what the initiator asked for ---- */

static void note_request(struct responder *r, const struct r_msg *m,
			 bool *want_list)
{
	struct notify_payload n;

	r->st.ticket_requested =
		r_find_notify(&m->pl, N_TICKET_REQUEST, &n) != NULL;
	r->st.resumption_supported =
		r_find_notify(&m->pl, N_VPND_RESUMPTION_SUPPORTED, &n) != NULL;
	r->st.resumption_flags = 0;
	*want_list = false;
	if (r->st.resumption_supported && n.len >= 1) {
		r->st.resumption_flags = n.data[0];
		*want_list = n.data[0] & RESUME_FLAG_GW_LIST;
	}
}

/* The SA's state as a ticket; fails when something does not fit. */
static int ticket_of(struct responder *r, const struct r_sa *sa,
		     struct responder_ticket *t)
{
	uint32_t life = r->cfg.ticket_lifetime ? r->cfg.ticket_lifetime :
						 R_DEFAULT_TICKET_LIFETIME;

	memset(t, 0, sizeof(*t));
	if (sa->keys.sk_d.len > sizeof(t->sk_d) || !sa->idi.len ||
	    r->cfg.id_len > sizeof(t->idr.data) ||
	    random_bytes(t->id, sizeof(t->id)) < 0)
		return -1;
	t->expires = (uint64_t)time(NULL) + life;
	t->gsc = sa->gsc;
	t->prf = sa->keys.prf;
	t->encr = sa->keys.encr;
	t->encr_keylen = sa->keys.encr_keylen;
	t->integ = sa->keys.integ;
	memcpy(t->sk_d, sa->keys.sk_d.p, sa->keys.sk_d.len);
	t->sk_d_len = sa->keys.sk_d.len;
	t->idi = sa->idi;
	t->idr.type = r->cfg.id_type;
	t->idr.len = r->cfg.id_len;
	memcpy(t->idr.data, r->cfg.id, r->cfg.id_len);
	t->has_vip4 = sa->has_vip4;
	memcpy(t->vip4, sa->vip4, 4);
	return 0;
}

static void remember_ticket(struct responder *r, const uint8_t *b,
			    size_t len, uint8_t gsc)
{
	size_t head = len < sizeof(r->st.last_ticket) ?
			      len : sizeof(r->st.last_ticket);

	memset(r->st.last_ticket, 0, sizeof(r->st.last_ticket));
	memcpy(r->st.last_ticket, b, head);
	memcpy(r->st.last_ticket_full, b, len);
	r->st.last_ticket_len = len;
	r->st.last_ticket_gsc = gsc;
	r->st.tickets_issued++;
}

/* lifetime | opaque: a sealed ticket, or random bytes without a key. */
static int make_ticket(struct responder *r, const struct r_sa *sa,
		       uint32_t life, struct wbuf *data)
{
	uint8_t rnd[sizeof(r->st.last_ticket)];
	struct responder_ticket t;
	int rc;

	wb_u32(data, life);
	if (!r->cfg.has_domain_key) {
		random_bytes(rnd, sizeof(rnd));
		wb_put(data, rnd, sizeof(rnd));
		remember_ticket(r, rnd, sizeof(rnd), 0);
		return data->oom ? -1 : 0;
	}
	rc = ticket_of(r, sa, &t);
	if (rc == 0)
		rc = responder_ticket_seal(r->cfg.domain_key, &t, data);
	if (rc == 0 && !data->oom)
		remember_ticket(r, data->p + 4, data->len - 4, t.gsc);
	responder_ticket_wipe(&t);
	return rc < 0 || data->oom ? -1 : 0;
}

static void add_ticket(struct responder *r, const struct r_sa *sa,
		       struct pl_chain *c)
{
	uint32_t life = r->cfg.ticket_lifetime ? r->cfg.ticket_lifetime :
						 R_DEFAULT_TICKET_LIFETIME;
	struct wbuf data;

	switch (r->cfg.ticket_mode) {
	case R_TICKET_ISSUE:
		wb_init(&data);
		if (make_ticket(r, sa, life, &data) == 0) {
			notify_build(c, 0, NULL, 0, N_TICKET_LT_OPAQUE, data.p,
				     data.len);
			r_event(r, "event=ticket_issued gsc=%u lifetime=%u "
				"sealed=%d", sa->gsc, life,
				r->cfg.has_domain_key);
		} else {
			log_warn("responder: cannot make a ticket");
			notify_build(c, 0, NULL, 0, N_TICKET_NACK, NULL, 0);
		}
		wb_free(&data);
		break;
	case R_TICKET_NACK:
		notify_build(c, 0, NULL, 0, N_TICKET_NACK, NULL, 0);
		break;
	case R_TICKET_ACK:
		notify_build(c, 0, NULL, 0, N_TICKET_ACK, NULL, 0);
		break;
	default:
		break;
	}
}

static void add_alt_list(struct responder *r, struct pl_chain *c)
{
	struct wbuf data;
	size_t i;

	wb_init(&data);
	for (i = 0; i < r->cfg.n_backups && i < RESP_MAX_BACKUPS; i++)
		gw_ident_build(&data, &r->cfg.backups[i]);
	if (!data.oom) {
		notify_build(c, 0, NULL, 0, N_VPND_ALT_GW_LIST, data.p,
			     data.len);
		r->st.alt_lists_sent++;
		r_event(r, "event=alt_gw_list n=%zu", i);
	}
	wb_free(&data);
}

void r_ticket_answer(struct responder *r, struct r_sa *sa,
		     const struct r_msg *m, struct pl_chain *c)
{
	bool want_list;

	note_request(r, m, &want_list);
	if (r->st.ticket_requested)
		add_ticket(r, sa, c);
	/* The list is a private notify: only for a vpnd that asked (L) and
	 * showed the Vendor ID, unless a test wants it sent regardless. */
	if (r->cfg.n_backups &&
	    ((want_list && sa->peer_vpnd) || r->cfg.private_anyway))
		add_alt_list(r, c);
}
