/* The MSK the gateway's side expects, computed apart from vpnd's code:
 * TLS 1.2 from the session's master secret with the TLS PRF (RFC 5216
 * 2.3), TLS 1.3 from the exporter secret OpenSSL's key log shows with
 * HKDF-Expand-Label (RFC 8446 7.5, RFC 9190 2.3). */
#ifndef VPND_TEST_EAP_MSK_H
#define VPND_TEST_EAP_MSK_H

#include <stdint.h>

#include <openssl/ssl.h>

void msk_keylog(const SSL *ssl, const char *line);
int msk_expected(SSL *srv, uint8_t msk[64]);

#endif
