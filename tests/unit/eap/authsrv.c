/* The test's EAP-TLS authenticator (authsrv.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "authsrv.h"
#include "msk.h"
#include "pki.h"

#define F_L 0x80
#define F_M 0x40
#define F_S 0x20

struct srv {
	struct srv_opts o;
	SSL_CTX *ctx;
	SSL *ssl;
	uint8_t ident;
	struct wbuf out;      /* our TLS message being sent */
	size_t off;
	struct wbuf in;       /* the peer's, reassembled */
	bool ended;           /* the TLS 1.3 end was sent */
	struct srv_stats st;
};

static SSL_CTX *srv_ctx(const struct srv_opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, o->version);
	SSL_CTX_set_max_proto_version(ctx, o->version);
	SSL_CTX_set_num_tickets(ctx, (size_t)o->tickets);
	SSL_CTX_set_keylog_callback(ctx, msk_keylog);
	if (SSL_CTX_use_certificate(ctx, pki.gw) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pki.gw_key) != 1 ||
	    SSL_CTX_set1_chain(ctx, pki.gw_chain) != 1)
		goto fail;
	if (!o->no_client_cert) {
		if (o->client_ca ?
		    !X509_STORE_load_file(SSL_CTX_get_cert_store(ctx), o->client_ca) :
		    !X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), pki.root))
			goto fail;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct srv *srv_new(const struct srv_opts *o)
{
	struct srv *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->o = *o;
	s->ident = 0x40;
	wb_init(&s->out);
	wb_init(&s->in);
	s->ctx = srv_ctx(o);
	s->ssl = s->ctx ? SSL_new(s->ctx) : NULL;
	if (!s->ssl) {
		srv_free(s);
		return NULL;
	}
	SSL_set_bio(s->ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	SSL_set_accept_state(s->ssl);
	return s;
}

static void request(struct srv *s, uint8_t flags, uint32_t total,
		    const uint8_t *data, size_t n, struct wbuf *req)
{
	size_t len = 6 + (flags & F_L ? 4 : 0) + n;

	wb_reset(req);
	wb_u8(req, 1);
	wb_u8(req, ++s->ident);
	wb_u16(req, (uint16_t)len);
	wb_u8(req, 13);
	wb_u8(req, flags);
	if (flags & F_L)
		wb_u32(req, total);
	wb_put(req, data, n);
	s->st.requests++;
}

void srv_start(struct srv *s, struct wbuf *req)
{
	request(s, F_S, 0, NULL, 0, req);
}

static void send_next(struct srv *s, struct wbuf *req)
{
	size_t left = s->out.len - s->off;
	bool first = s->off == 0;
	uint8_t flags = 0;
	size_t room = s->o.frag - 6;

	if (first && (s->o.always_len || left > room)) {
		flags = F_L;
		room -= 4;
	}
	if (left > room) {
		flags |= F_M;
		s->st.frags++;
	} else {
		room = left;
	}
	request(s, flags, (uint32_t)s->out.len, s->out.p + s->off, room, req);
	s->off += room;
	if (s->off == s->out.len) {
		wb_reset(&s->out);
		s->off = 0;
	}
}

static void collect(struct srv *s)
{
	BIO *w = SSL_get_wbio(s->ssl);
	size_t n = BIO_ctrl_pending(w);

	if (n && wb_reserve(&s->out, n) &&
	    BIO_read(w, s->out.p + s->out.len, (int)n) == (int)n)
		s->out.len += n;
}

/* The peer's whole message into the TLS server; its answer out. */
static enum srv_rc progress(struct srv *s, struct wbuf *req)
{
	int r;

	BIO_write(SSL_get_rbio(s->ssl), s->in.p, (int)s->in.len);
	wb_reset(&s->in);
	if (!SSL_is_init_finished(s->ssl)) {
		r = SSL_do_handshake(s->ssl);
		if (r <= 0 && SSL_get_error(s->ssl, r) != SSL_ERROR_WANT_READ)
			ERR_clear_error(); /* its alert goes to the peer */
	}
	if (SSL_is_init_finished(s->ssl) &&
	    SSL_version(s->ssl) == TLS1_3_VERSION && !s->ended) {
		s->ended = true;
		if (s->o.end == SRV_END_INDICATION)
			SSL_write(s->ssl, "", 1);
		else if (s->o.end == SRV_END_CLOSE_NOTIFY)
			SSL_shutdown(s->ssl);
		else if (s->o.end == SRV_END_WRONG_DATA)
			SSL_write(s->ssl, "\0", 2);
	}
	collect(s);
	if (s->out.len) {
		send_next(s, req);
		return SRV_REQUEST;
	}
	return SSL_is_init_finished(s->ssl) ? SRV_SUCCESS : SRV_FAILURE;
}

enum srv_rc srv_input(struct srv *s, const uint8_t *resp, size_t len,
		      struct wbuf *req)
{
	size_t hdr = 6;
	uint8_t flags;

	if (len > s->st.peer_max)
		s->st.peer_max = len;
	if (len < 6 || resp[0] != 2 || resp[1] != s->ident ||
	    ((size_t)resp[2] << 8 | resp[3]) != len || resp[4] != 13)
		return SRV_FAILURE;
	flags = resp[5];
	if (flags & F_L)
		hdr += 4;
	if (len < hdr)
		return SRV_FAILURE;
	if (s->out.len) {
		if (len != 6)
			return SRV_FAILURE;
		send_next(s, req);
		return SRV_REQUEST;
	}
	if (len == 6)
		return SSL_is_init_finished(s->ssl) ? SRV_SUCCESS : SRV_FAILURE;
	wb_put(&s->in, resp + hdr, len - hdr);
	if (flags & F_M) {
		s->st.peer_frags++;
		request(s, 0, 0, NULL, 0, req);
		return SRV_REQUEST;
	}
	return progress(s, req);
}

SSL *srv_ssl(struct srv *s)
{
	return s->ssl;
}

uint8_t srv_ident(const struct srv *s)
{
	return s->ident;
}

const struct srv_stats *srv_stats(const struct srv *s)
{
	return &s->st;
}

void srv_free(struct srv *s)
{
	if (!s)
		return;
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
	wb_free(&s->out);
	wb_free(&s->in);
	free(s);
}
