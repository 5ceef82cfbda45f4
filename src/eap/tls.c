/* EAP-TLS for the peer (RFC 5216; TLS 1.3 per RFC 9190): the gateway's
 * Start begins a TLS handshake whose flights travel in EAP packets,
 * fragmented both ways (tls_frag.c); the gateway's certificate and
 * identity are checked by the TLS client (tls_ssl.c). The method ends
 * when the handshake has completed with the gateway verified: with TLS
 * 1.2 at its Finished, with TLS 1.3 at our Finished (the gateway is
 * then authenticated; strongSwan before 5.9.10 sends EAP-Success right
 * away) and for good at the gateway's protected success indication, a
 * single 0x00 of application data (RFC 9190 2.5), or at the close_notify
 * that the drafts before it used. A TLS 1.3 gateway that sends neither
 * follows the earlier drafts in the MSK too (tls_export_msk). */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "tls_int.h"
#include "vpnd/ike_const.h"
#include "vpnd/log.h"

/* A handshake takes about 4 Requests plus one per fragment: 128 covers
 * a 64 KiB flight in 1 KiB fragments, and bounds a gateway that keeps
 * the conversation going (acks, TLS 1.3 tickets) forever. */
#define EAP_TLS_MAX_REQUESTS 128

struct tls_state {
	const struct eap_peer_cfg *cfg;
	SSL_CTX *ctx;
	SSL *ssl;
	struct tls_verdict verdict;
	struct tls_in in;
	struct tls_out out;
	size_t mtu;
	unsigned requests;
	bool started;         /* the gateway's Start came */
	bool handshake_done;  /* completed, the gateway verified */
	bool ended;           /* TLS 1.3: its success indication came, or
				 its close_notify */
};

static int check_cfg(const struct eap_peer_cfg *cfg, struct verr *e)
{
	if (!cfg->ca_file) {
		verr_set(e, "EAP-TLS needs the CA that vouches for the gateway");
		return -1;
	}
	if (!cfg->cert != !cfg->key) {
		verr_set(e, "EAP-TLS: a certificate needs its key, and a key its certificate");
		return -1;
	}
	if (cfg->mtu && (cfg->mtu < EAP_TLS_MIN_MTU || cfg->mtu > EAP_TLS_MAX_MTU)) {
		verr_set(e, "EAP-TLS: EAP packet size %zu is outside %u..%u",
			 cfg->mtu, EAP_TLS_MIN_MTU, EAP_TLS_MAX_MTU);
		return -1;
	}
	switch (cfg->server_id_type) {
	case 0:
		return 0;
	case ID_FQDN:
	case ID_RFC822_ADDR:
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
	case ID_DER_ASN1_DN:
		if (cfg->server_id && cfg->server_id_len)
			return 0;
		verr_set(e, "EAP-TLS: the gateway's identity is empty");
		return -1;
	default:
		verr_set(e, "EAP-TLS: a gateway identity of type %u cannot be matched against a certificate",
			 cfg->server_id_type);
		return -1;
	}
}

static void tls_free(void *arg)
{
	struct tls_state *st = arg;

	SSL_free(st->ssl);
	SSL_CTX_free(st->ctx);
	tls_in_reset(&st->in);
	tls_out_reset(&st->out);
	free(st);
}

static void *tls_init(const struct eap_peer_cfg *cfg, struct verr *e)
{
	struct tls_state *st;

	if (check_cfg(cfg, e) < 0)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		verr_set(e, "out of memory");
		return NULL;
	}
	st->cfg = cfg;
	st->verdict.cfg = cfg;
	st->mtu = cfg->mtu ? cfg->mtu : EAP_TLS_DEFAULT_MTU;
	wb_init(&st->in.buf);
	wb_init(&st->out.buf);
	st->ctx = tls_ctx_new(cfg, e);
	if (st->ctx)
		st->ssl = tls_ssl_new(st->ctx, cfg, &st->verdict, e);
	if (!st->ssl) {
		tls_free(st);
		return NULL;
	}
	return st;
}

/* What the TLS client wrote becomes our next message. */
static int collect(struct tls_state *st, struct verr *e)
{
	BIO *wbio = SSL_get_wbio(st->ssl);
	size_t n = BIO_ctrl_pending(wbio);

	if (!n)
		return 0;
	if (n > EAP_TLS_MAX_MSG || !wb_reserve(&st->out.buf, n) ||
	    BIO_read(wbio, st->out.buf.p + st->out.buf.len, (int)n) != (int)n) {
		verr_set(e, "EAP-TLS: cannot take the TLS output (%zu bytes)", n);
		return -1;
	}
	st->out.buf.len += n;
	return 0;
}

static int handshake_finished(struct tls_state *st, struct verr *e)
{
	/* SSL_VERIFY_PEER has aborted on any failed check already; this is
	 * the belt to its braces before the method may say "verified". */
	if (!SSL_get0_peer_certificate(st->ssl) ||
	    SSL_get_verify_result(st->ssl) != X509_V_OK ||
	    !st->verdict.identity_ok) {
		verr_set(e, "EAP-TLS: the handshake ended without a verified gateway certificate");
		return -1;
	}
	st->handshake_done = true;
	log_info("EAP-TLS: %s with the gateway (%s)", SSL_get_version(st->ssl),
		 SSL_get_cipher_name(st->ssl));
	return 0;
}

static int handshake(struct tls_state *st, struct verr *e)
{
	int r = SSL_do_handshake(st->ssl);

	if (r == 1)
		return handshake_finished(st, e);
	if (SSL_get_error(st->ssl, r) == SSL_ERROR_WANT_READ)
		return 0;
	tls_ssl_error(&st->verdict, "the TLS handshake failed", e);
	return -1;
}

/* TLS 1.3 after the handshake: tickets (taken and dropped), the
 * gateway's success indication or its close_notify, nothing else. */
static int after_handshake(struct tls_state *st, struct verr *e)
{
	uint8_t buf[16];
	int n;

	for (;;) {
		n = SSL_read(st->ssl, buf, sizeof(buf));
		if (n > 0) {
			if (st->ended || n != 1 || buf[0] != 0) {
				verr_set(e, "EAP-TLS: the gateway sent application data other than the success indication (RFC 9190 2.5)");
				return -1;
			}
			st->ended = true;
			continue;
		}
		switch (SSL_get_error(st->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			return 0;
		case SSL_ERROR_ZERO_RETURN:
			st->ended = true;
			return 0;
		default:
			tls_ssl_error(&st->verdict, "the gateway ended TLS", e);
			return -1;
		}
	}
}

/* The gateway's whole message into the TLS client, which answers. */
static int feed(struct tls_state *st, struct verr *e)
{
	BIO *rbio = SSL_get_rbio(st->ssl);
	int len = (int)st->in.buf.len;

	if (BIO_write(rbio, st->in.buf.p, len) != len) {
		verr_set(e, "out of memory");
		return -1;
	}
	tls_in_reset(&st->in);
	if (!st->handshake_done && handshake(st, e) < 0)
		return -1;
	if (st->handshake_done && SSL_version(st->ssl) == TLS1_3_VERSION &&
	    after_handshake(st, e) < 0)
		return -1;
	return collect(st, e);
}

/* Our next fragment, or the empty Response that acknowledges the
 * gateway's message; then how far the method is. */
static enum method_rc send_next(struct tls_state *st, struct wbuf *reply)
{
	if (tls_out_pending(&st->out))
		tls_out_next(&st->out, st->mtu, reply);
	else
		wb_u8(reply, 0);
	if (tls_out_pending(&st->out) || !st->handshake_done)
		return METHOD_REPLY;
	if (SSL_version(st->ssl) != TLS1_3_VERSION || st->ended)
		return METHOD_DONE;
	return METHOD_VERIFIED;
}

static enum method_rc start(struct tls_state *st, struct wbuf *reply,
			    struct verr *e)
{
	if (st->started) {
		verr_set(e, "EAP-TLS: a second Start");
		return METHOD_FAILED;
	}
	st->started = true;
	/* The Start has no data (RFC 5216 3.2); the ClientHello answers. */
	if (handshake(st, e) < 0 || collect(st, e) < 0)
		return METHOD_FAILED;
	return send_next(st, reply);
}

static enum method_rc data(struct tls_state *st, const struct tls_pkt *p,
			   struct wbuf *reply, struct verr *e)
{
	int rc;

	if (!p->dlen && !p->has_len && !st->in.open) {
		verr_set(e, "EAP-TLS: an empty Request with nothing of ours to acknowledge");
		return METHOD_FAILED;
	}
	rc = tls_in_add(&st->in, p, e);
	if (rc < 0)
		return METHOD_FAILED;
	if (rc == 0) {
		wb_u8(reply, 0); /* RFC 5216 3.1: the fragment's ack */
		return METHOD_REPLY;
	}
	if (feed(st, e) < 0)
		return METHOD_FAILED;
	return send_next(st, reply);
}

static enum method_rc tls_process(void *arg, const uint8_t *td, size_t len,
				  struct wbuf *reply, struct verr *e)
{
	struct tls_state *st = arg;
	struct tls_pkt p;

	if (++st->requests > EAP_TLS_MAX_REQUESTS) {
		verr_set(e, "EAP-TLS: the gateway sent more than %u Requests",
			 EAP_TLS_MAX_REQUESTS);
		return METHOD_FAILED;
	}
	if (tls_pkt_parse(td, len, &p, e) < 0)
		return METHOD_FAILED;
	if (p.flags & EAP_TLS_FLAG_S)
		return start(st, reply, e);
	if (!st->started) {
		verr_set(e, "EAP-TLS: a Request before the Start");
		return METHOD_FAILED;
	}
	if (!tls_out_pending(&st->out))
		return data(st, &p, reply, e);
	/* RFC 5216 3.1: each of our fragments but the last is acknowledged
	 * by a Request with no data. */
	if (p.dlen || p.has_len) {
		verr_set(e, "EAP-TLS: the gateway sent data before taking all of our fragments");
		return METHOD_FAILED;
	}
	return send_next(st, reply);
}

static int tls_msk(void *arg, struct chunk *msk, struct verr *e)
{
	struct tls_state *st = arg;

	/* The success indication (or the close_notify of the later drafts)
	 * marks an RFC 9190 gateway; without either it is one of the drafts
	 * before, strongSwan before 5.9.10 among them (RFC 5216's label). */
	return tls_export_msk(st->ssl, st->ended, msk, e);
}

const struct eap_method eap_tls_method = {
	.type = EAP_TYPE_TLS,
	.name = "EAP-TLS",
	/* The gateway proves its certificate in the TLS handshake itself
	 * (RFC 5998 4 lists EAP-TLS among the methods fit for EAP-only). */
	.mutual = true,
	.init = tls_init,
	.process = tls_process,
	.msk = tls_msk,
	.free = tls_free,
};
