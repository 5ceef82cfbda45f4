/* The MSK the gateway's side expects, computed apart from vpnd's code:
 * TLS 1.2 from the session's master secret with the TLS PRF (RFC 5216
 * 2.3), TLS 1.3 from the exporter secret OpenSSL's key log shows with
 * HKDF-Expand-Label (RFC 8446 7.5, RFC 9190 2.3; or the drafts' form
 * strongSwan 5.9.8 uses). */
#ifndef VPND_TEST_EAP_MSK_H
#define VPND_TEST_EAP_MSK_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

void msk_keylog(const SSL *ssl, const char *line);
/* rfc9190: TLS 1.3 as RFC 9190 (else as the drafts before it). */
int msk_expected(SSL *srv, bool rfc9190, uint8_t msk[64]);

#endif
