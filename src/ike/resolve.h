#ifndef VPND_RESOLVE_H
#define VPND_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "vpnd/loop.h"

struct resolver;
struct resolve_req;
/* addr is NULL on failure, with a reason in err. */
typedef void (*resolve_fn)(void *ctx, const struct sockaddr_storage *addr,
			   const char *err);

/* Returns 1 with a numeric address resolved into *now, 0 when a lookup
 * started (fn is called later from the loop unless cancelled through
 * *handle), or -1 with errno when a lookup cannot start. */
/* The engine's: lookups report on l. NULL when out of resources. */
struct resolver *resolver_new(struct loop *l);
/* Callbacks of lookups still running will not run; the last of them
 * frees what is left. */
void resolver_close(struct resolver *rs);
int resolve_start(struct resolver *rs, const char *name, uint16_t port,
		  resolve_fn fn, void *ctx, struct sockaddr_storage *now,
		  struct resolve_req **handle);
/* The callback will not run; the lookup finishes and is freed. */
void resolve_cancel(struct resolve_req *r);

#endif
