/* TEST ONLY: the host's network as the engine sees it (struct
 * engine_host_ops), set by the test: whether the gateway has a route,
 * the source the kernel would pick, and whether one address (the one
 * the test's IKE SA was made on) is still the host's. */
#ifndef VPND_TEST_FAKE_HOST_H
#define VPND_TEST_FAKE_HOST_H

#include <stdbool.h>
#include <sys/socket.h>

#include "vpnd/engine.h"

#define FAKE_CLIENT_ADDR "198.51.100.20"
#define FAKE_OTHER_ADDR "203.0.113.20"

struct fake_host {
	bool route;                     /* a route to the gateway */
	bool have_client;               /* FAKE_CLIENT_ADDR is still ours */
	char src[64];                   /* what the kernel would pick */
	char unreachable[64];           /* no route to this address */
	unsigned lookups;
};

extern struct fake_host fake_host;
extern const struct engine_host_ops fake_host_ops;

/* Routes by FAKE_CLIENT_ADDR, which the host has. */
void fake_host_reset(void);
/* FAKE_CLIENT_ADDR gone; the route now from FAKE_OTHER_ADDR. */
void fake_host_move(void);
void fake_addr4(struct sockaddr_storage *ss, const char *a, uint16_t port);

#endif
