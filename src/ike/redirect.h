/* RFC 5685 redirect bookkeeping for one connection attempt: the loop
 * limit, the profile's allowed targets, and the history shown by status. */
#ifndef VPND_REDIRECT_H
#define VPND_REDIRECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "vpnd/buf.h"
#include "vpnd/profile.h"
#include "vpnd/wire.h"

/* Above the profile's max-redirects cap (100): loop detection counts
 * these entries, so none that matter may be pushed out. */
#define REDIRECT_HISTORY 128

struct redirect_entry {
	uint64_t at_ms;
	uint8_t exchange;
	char from[64];
	char to[256];
};

struct redirects {
	struct redirect_entry hist[REDIRECT_HISTORY]; /* oldest first */
	size_t n;
	bool have_from;          /* the next IKE_SA_INIT carries REDIRECTED_FROM */
	struct gw_ident from;
};

void redirect_reset(struct redirects *r);
/* 0 when following is allowed; else -1 with a reason naming the chain of
 * gateways (loop) or the refused target. */
int redirect_check(const struct redirects *r, const struct profile *p,
		   const struct gw_ident *to, uint64_t now_ms, char *why,
		   size_t whylen);
void redirect_record(struct redirects *r, const struct sockaddr_storage *from,
		     const struct gw_ident *to, uint8_t exchange,
		     uint64_t now_ms);
bool redirect_target_allowed(const struct profile *p,
			     const struct gw_ident *to);

struct ike_msg;
struct chunk;
enum redirect_verdict {
	REDIR_ABSENT,    /* no REDIRECT notify */
	REDIR_FOLLOW,    /* a valid one: gw */
	REDIR_REFUSED,   /* malformed or against the RFC's rules: why */
	REDIR_DISABLED,  /* valid, but the profile turned redirects off */
};
/* The one check of a REDIRECT notify (RFC 5685): in the clear
 * (IKE_SA_INIT, IKE_SESSION_RESUME, section 3) it must echo our nonce
 * ni, since anyone on the path can send one; protected by the SA
 * (IKE_AUTH, INFORMATIONAL, sections 5 and 6) it must carry no nonce.
 * What to do with the verdict depends on the exchange. */
enum redirect_verdict redirect_take(const struct ike_msg *m, uint8_t exchange,
				    const struct chunk *ni, bool enabled,
				    struct gw_ident *gw, char *why,
				    size_t whylen);

#endif
