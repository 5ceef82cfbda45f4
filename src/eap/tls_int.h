/* EAP-TLS (RFC 5216, RFC 9190) inside the eap module: the packet format
 * and its fragmentation (tls_frag.c), the TLS client and the checks of
 * the gateway's certificate (tls_ssl.c), the method (tls.c). */
#ifndef VPND_EAP_TLS_INT_H
#define VPND_EAP_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "eap_int.h"

/* RFC 5216 3.1: the Flags octet. */
#define EAP_TLS_FLAG_L 0x80 /* TLS Message Length follows */
#define EAP_TLS_FLAG_M 0x40 /* more fragments follow */
#define EAP_TLS_FLAG_S 0x20 /* EAP-TLS Start */

/* Largest TLS message (one flight) of the gateway we reassemble: a
 * flight with an RSA-4096 chain of four certificates is under 10 KiB;
 * a larger claim is refused before anything is buffered. */
#define EAP_TLS_MAX_MSG (64 * 1024)
/* Largest EAP packet we send when the profile sets none: strongSwan's
 * default fragment size (whole packet), so that an IKE_AUTH request
 * with it stays below 1280 bytes on IPv6 with NAT-T. */
#define EAP_TLS_DEFAULT_MTU 1024
/* The smallest packet that leaves room for TLS data after the EAP
 * header, Flags and TLS Message Length; the 16-bit EAP Length caps it. */
#define EAP_TLS_MIN_MTU 64
#define EAP_TLS_MAX_MTU 0xffff

/* One Request's Type-Data, split by its flags. */
struct tls_pkt {
	uint8_t flags;
	bool has_len;
	uint32_t msg_len;        /* TLS Message Length when has_len */
	const uint8_t *data;     /* TLS data, into the packet */
	size_t dlen;
};

int tls_pkt_parse(const uint8_t *td, size_t len, struct tls_pkt *p,
		  struct verr *e);

/* The gateway's TLS message being put together from its fragments. */
struct tls_in {
	struct wbuf buf;
	size_t total;            /* its TLS Message Length, once known */
	bool open;               /* a fragment with M came; more follow */
};

/* Adds one packet's data: 1 when the message is whole (in->buf holds
 * it), 0 when more fragments follow, -1 on a length that lies. */
int tls_in_add(struct tls_in *in, const struct tls_pkt *p, struct verr *e);
void tls_in_reset(struct tls_in *in);

/* Our TLS message, sent in fragments of at most mtu-byte EAP packets. */
struct tls_out {
	struct wbuf buf;
	size_t off;              /* bytes already sent */
};

static inline bool tls_out_pending(const struct tls_out *o)
{
	return o->off < o->buf.len;
}

/* Writes the Type-Data of the next fragment (Flags, the TLS Message
 * Length on the first of several, data) into reply. */
void tls_out_next(struct tls_out *o, size_t mtu, struct wbuf *reply);
void tls_out_reset(struct tls_out *o);

/* ---- the TLS client (tls_ssl.c) ---- */

/* What the certificate checks found, for an error that names it. */
struct tls_verdict {
	const struct eap_peer_cfg *cfg;  /* the identity to look for */
	bool identity_ok;        /* depth 0 carried cfg's server identity */
	char why[160];           /* the first check that failed */
};

/* A TLS 1.2/1.3 client context for cfg: the CA file with partial chains
 * allowed, our certificate, key and chain. */
SSL_CTX *tls_ctx_new(const struct eap_peer_cfg *cfg, struct verr *e);
/* One connection over memory BIOs (rbio: the gateway's bytes in, wbio:
 * ours out); verdict must outlive it. */
SSL *tls_ssl_new(SSL_CTX *ctx, const struct eap_peer_cfg *cfg,
		 struct tls_verdict *verdict, struct verr *e);
/* The reason the TLS library failed, the certificate checks first. */
void tls_ssl_error(const struct tls_verdict *v, const char *doing,
		   struct verr *e);
/* RFC 5216 2.3 (TLS 1.2) or, with TLS 1.3, RFC 9190 2.3 when the
 * gateway showed it follows RFC 9190 (rfc9190) and the drafts' form
 * otherwise: the MSK. */
int tls_export_msk(SSL *ssl, bool rfc9190, struct chunk *msk, struct verr *e);

#endif
