/* Internal to the control socket: one connected client, and the command
 * handlers (commands.c) that answer its request. */
#ifndef VPND_DAEMON_CTL_CLIENT_H
#define VPND_DAEMON_CTL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "vpnd/buf.h"

#include "conns.h"
#include "control.h"

struct ctl_client {
	struct ctl_server *s;
	struct conns *t;
	int fd;
	uint32_t events;    /* what the loop watches for us */
	char in[CTL_LINE_MAX + 1];
	size_t in_len;
	bool have_request;
	bool finished;      /* final line queued: close once sent */
	bool dead;          /* fd closed, struct freed from a timer */
	bool refused;       /* peer credentials not allowed */
	struct wbuf out;
	size_t out_off;
	struct conns_waiter w;
	struct conns_monitor m;
	bool json;          /* "json ...": answers as JSON (vpnctl --json) */
	uint64_t timer;
	struct ctl_client *next;
};

/* Queues "<prefix> text" (prefix "-" or "."), control characters of
 * text replaced so that a line can never be split or forged. */
void ctl_line(struct ctl_client *c, char prefix, const char *text);
/* Queues the final line ("OK" or "ERROR") and closes the connection
 * once it is sent. */
void ctl_final(struct ctl_client *c, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The final "NOTUNNEL" line of a connect whose IKE SA is up without a
 * working tunnel. */
void ctl_final_no_tunnel(struct ctl_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The final "PASSWORD" line: the connect needs a password that the
 * client asks the user for and sends with "connect NAME password HEX". */
void ctl_final_password(struct ctl_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses and runs one request line (len bytes, no newline). */
void ctl_handle_request(struct ctl_client *c, const char *line, size_t len);

/* commands.c: the profile of a request, or the final ERROR line (an
 * unknown name, or a file that did not load) and NULL. */
struct conn_entry *ctl_find_profile(struct ctl_client *c, const char *name);

/* commands_json.c: the answers of "json status [NAME]", "json list" and
 * the lines of "json monitor". */
void ctl_json_status(struct ctl_client *c, const char *name);
void ctl_json_list(struct ctl_client *c);
void ctl_json_event(struct ctl_client *c, const struct conn_entry *ce,
		    const char *event, const char *msg);

#endif
