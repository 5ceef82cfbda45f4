/* The EAP peer (RFC 3748) that IKE_AUTH carries (RFC 7296 2.16).
 *
 * One struct eap_peer is one conversation: the engine hands it every EAP
 * packet of the gateway's IKE_AUTH responses and sends what it answers.
 * It does the framing (Identity, Notification, the legacy Nak when the
 * gateway proposes a method we were not told to use) and runs the one
 * method the profile names; the method says when it has authenticated
 * the gateway, and only then is an EAP-Success taken (RFC 3748 4.2: a
 * Success before the method ends is not believed). The MSK is then the
 * shared secret of the final AUTH payloads. */
#ifndef VPND_EAP_H
#define VPND_EAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "vpnd/buf.h"

/* EAP codes (RFC 3748 4) and the types vpnd knows (RFC 3748 5, IANA). */
enum {
	EAP_CODE_REQUEST = 1,
	EAP_CODE_RESPONSE = 2,
	EAP_CODE_SUCCESS = 3,
	EAP_CODE_FAILURE = 4,
};
enum {
	EAP_TYPE_IDENTITY = 1,
	EAP_TYPE_NOTIFICATION = 2,
	EAP_TYPE_NAK = 3,
	EAP_TYPE_TLS = 13,
	EAP_TYPE_MSCHAPV2 = 26,
};

struct eap_peer_cfg {
	uint8_t method;                 /* EAP_TYPE_MSCHAPV2 or EAP_TYPE_TLS */
	/* The EAP-Identity response and the MS-CHAPv2 user name. */
	const uint8_t *identity;
	size_t identity_len;
	/* MS-CHAPv2: the password, UTF-8 (not copied: the caller keeps it
	 * until eap_peer_free and wipes it). */
	const char *password;
	size_t password_len;
	/* EAP-TLS: our certificate, its key and the intermediates to send
	 * (not owned); the CA file the gateway's certificate must chain to;
	 * the identity it must carry (type ID_* of RFC 7296 3.5 and the
	 * value as in the ID payload; type 0: any the CA vouches for). */
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;
	const char *ca_file;
	uint8_t server_id_type;
	const uint8_t *server_id;
	size_t server_id_len;
	/* Largest EAP packet we send (EAP-TLS fragments above it); 0 for
	 * the default, sized so that one fits an IKE_AUTH request below
	 * the path MTU. */
	size_t mtu;
};

enum eap_status {
	EAP_REPLY,   /* out holds the EAP Response to send */
	EAP_DONE,    /* EAP-Success after the method authenticated the gateway */
	EAP_FAILED,  /* e says why; nothing to send */
};

struct eap_peer *eap_peer_new(const struct eap_peer_cfg *cfg, struct verr *e);
/* One EAP packet of the gateway (the body of its EAP payload, which IKE
 * has authenticated and decrypted). */
enum eap_status eap_peer_input(struct eap_peer *p, const uint8_t *pkt,
			       size_t len, struct wbuf *out, struct verr *e);
/* After EAP_DONE: the MSK, or an empty chunk for a method without one
 * (RFC 7296 2.16: then SK_pi and SK_pr key the AUTH payloads). */
const struct chunk *eap_peer_msk(const struct eap_peer *p);
/* The method authenticates the gateway too (RFC 5998 4: required before
 * the gateway may leave out its own AUTH). */
bool eap_method_mutual(uint8_t type);
const char *eap_type_name(uint8_t type);
/* Method requests answered so far (Identity and Notification not
 * counted): for status and the tests that resumption has none. */
unsigned eap_peer_rounds(const struct eap_peer *p);
void eap_peer_free(struct eap_peer *p);

#endif
