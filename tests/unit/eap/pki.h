/* The test PKI, made at run time (nothing with a private key is checked
 * in): a root, two intermediates, the gateway's certificate (large: many
 * names, so its flight needs several EAP fragments), ours, and an
 * unrelated CA; the CA files the peer is given. */
#ifndef VPND_TEST_EAP_PKI_H
#define VPND_TEST_EAP_PKI_H

#include <openssl/x509.h>

struct pki {
	EVP_PKEY *root_key, *int1_key, *int2_key, *gw_key, *me_key, *other_key;
	X509 *root, *int1, *int2, *gw, *me, *other;
	/* int1 and int2: what the gateway sends after its certificate */
	STACK_OF(X509) *gw_chain;
	/* the root (whole chain), int2 alone (partial chain), other */
	char root_file[96], int2_file[96], other_file[96];
};

extern struct pki pki;

int pki_setup(void);
void pki_teardown(void);
/* DER of the gateway certificate's subject, for an ID_DER_ASN1_DN. */
int pki_gw_dn(unsigned char **der);

#endif
