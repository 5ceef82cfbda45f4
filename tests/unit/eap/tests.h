/* The eap module's test suites and what they share. */
#ifndef VPND_TEST_EAP_TESTS_H
#define VPND_TEST_EAP_TESTS_H

#include "vpnd/eap.h"

#include "authsrv.h"

void add_tls_tests(void);
void add_tls_packet_tests(void);

/* One conversation: the peer with cfg, the test's gateway. */
struct conv {
	struct eap_peer_cfg cfg;
	struct srv_opts opts;
	struct eap_peer *peer;
	struct srv *srv;
	struct wbuf req, resp;
	struct verr e;
};

/* EAP-TLS with our certificate, the root as CA, vpn.example.com. */
void conv_init(struct conv *c, int version);
/* Runs it to the end: EAP_DONE after the gateway's EAP-Success, or
 * EAP_FAILED with c->e. */
enum eap_status conv_run(struct conv *c);
void conv_free(struct conv *c);

#endif
