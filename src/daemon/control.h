/* The control socket: one request line per connection, answered with
 * "- progress" and ". data" lines and one final "OK"/"ERROR" line. */
#ifndef VPND_DAEMON_CONTROL_H
#define VPND_DAEMON_CONTROL_H

#include "vpnd/buf.h"
#include "vpnd/loop.h"

#include "conns.h"

/* Bytes of a request, newline excluded: room for a connect with the
 * longest EAP-MSCHAPv2 password (256 characters, 768 bytes of UTF-8) in
 * hex. */
#define CTL_LINE_MAX 4096

struct ctl_server;

/* Creates the socket at path (mode 0600, or 0660 and owned by group
 * when group is not NULL), replacing a stale one, and serves it on l.
 * Root, the daemon's own uid and members of group may use it. */
struct ctl_server *ctl_open(struct loop *l, struct conns *t, const char *path,
			    const char *group, struct verr *e);
/* Drops every client (their operations go on) and removes the socket. */
void ctl_close(struct ctl_server *s);

#endif
