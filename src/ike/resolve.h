#ifndef VPND_RESOLVE_H
#define VPND_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "vpnd/loop.h"

struct resolve_req;
/* addr is NULL on failure, with a reason in err. */
typedef void (*resolve_fn)(void *ctx, const struct sockaddr_storage *addr,
			   const char *err);

/* Returns 1 with a numeric address resolved into *now, 0 when a lookup
 * started (fn is called later from the loop unless cancelled through
 * *handle), or -1 with errno when a lookup cannot start. */
int resolve_start(struct loop *l, const char *name, uint16_t port,
		  resolve_fn fn, void *ctx, struct sockaddr_storage *now,
		  struct resolve_req **handle);
/* The callback will not run; the lookup finishes and is freed. */
void resolve_cancel(struct resolve_req *r);

/* Stops watching the result pipe on the current loop (it is freed);
 * the next lookup watches it on its own loop. */
void resolve_detach(void);

#endif
