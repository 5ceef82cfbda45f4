/* The gateway's side of EAP-TLS for the tests: OpenSSL's TLS server
 * over memory BIOs wrapped in an EAP-TLS authenticator that frames,
 * fragments and acknowledges as strongSwan's eap-tls does, ending a
 * TLS 1.3 handshake in one of the ways gateways do. */
#ifndef VPND_TEST_EAP_AUTHSRV_H
#define VPND_TEST_EAP_AUTHSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "vpnd/buf.h"

enum srv_end {
	SRV_END_INDICATION,   /* RFC 9190 2.5: application data 0x00 */
	SRV_END_NONE,         /* EAP-Success at once (strongSwan < 5.9.10) */
	SRV_END_CLOSE_NOTIFY, /* the drafts before RFC 9190 */
	SRV_END_WRONG_DATA,   /* two bytes of application data */
};

struct srv_opts {
	int version;          /* TLS1_2_VERSION or TLS1_3_VERSION */
	size_t frag;          /* largest EAP packet it sends */
	bool always_len;      /* L on unfragmented packets (strongSwan's default) */
	enum srv_end end;
	int tickets;          /* TLS 1.3 NewSessionTickets after the handshake */
	bool no_client_cert;  /* does not ask for ours */
	const char *client_ca;/* NULL: our test root vouches for the peer */
};

enum srv_rc { SRV_REQUEST, SRV_SUCCESS, SRV_FAILURE };

struct srv_stats {
	unsigned peer_frags;  /* the peer's packets with M */
	unsigned frags;       /* ours with M */
	size_t peer_max;      /* the peer's largest EAP packet */
	unsigned requests;
};

struct srv *srv_new(const struct srv_opts *o);
/* The first Request: an EAP-TLS Start. */
void srv_start(struct srv *s, struct wbuf *req);
/* One EAP Response of the peer; req gets the next Request. */
enum srv_rc srv_input(struct srv *s, const uint8_t *resp, size_t len,
		      struct wbuf *req);
SSL *srv_ssl(struct srv *s);
uint8_t srv_ident(const struct srv *s);
const struct srv_stats *srv_stats(const struct srv *s);
void srv_free(struct srv *s);

#endif
