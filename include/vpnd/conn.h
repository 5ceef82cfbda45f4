/* One connection (a profile being brought up, up, or going down): the
 * IKE engine's interface to the daemon. Everything is asynchronous and
 * runs on the daemon's event loop. */
#ifndef VPND_CONN_H
#define VPND_CONN_H

#include <stdbool.h>

#include "vpnd/buf.h"
#include "vpnd/loop.h"
#include "vpnd/profile.h"

struct conn;

/* Install Child SAs and policies into the kernel (XFRM). Off by default
 * so that programs linking the engine (tests) never touch the host's
 * kernel; vpnd turns it on. */
void conn_use_kernel(bool on);
/* Removes SAs and policies a previous vpnd left in the kernel (after a
 * crash or SIGKILL): those in vpnd's reqid range, and nothing else. */
int conn_cleanup_stale(struct verr *e);
/* Where ownership records (virtual IPs, routes, DNS) are kept. */
void conn_set_state_dir(const char *dir);
/* Removes virtual IPs, routes and DNS settings recorded there by a vpnd
 * that did not get to undo them. */
int hostcfg_cleanup_stale(struct verr *e);

enum conn_state {
	CONN_IDLE,
	CONN_CONNECTING,
	CONN_ESTABLISHED, /* IKE SA and a working tunnel */
	CONN_NO_TUNNEL,   /* IKE SA established, but no working Child SA */
	CONN_CLOSING,
	CONN_FAILED,
};

enum conn_event {
	CEV_PROGRESS, /* a step happened: msg says which */
	CEV_UP,       /* IKE SA established and the tunnel works: the Child
			 SA, its policies, the virtual IP, routes and DNS
			 are in place (msg: summary); also when a tunnel
			 that did not work does again */
	CEV_NO_TUNNEL,/* IKE SA established without a working tunnel, or the
			 tunnel stopped working (msg: why) */
	CEV_FAILED,   /* attempt failed (msg: readable reason); conn is idle again */
	CEV_DOWN,     /* disconnect finished, or the gateway deleted the SA */
};

typedef void (*conn_event_fn)(void *ctx, struct conn *c, enum conn_event ev,
			      const char *msg);

/* The profile is copied; the caller may free its own afterwards. */
struct conn *conn_new(struct loop *l, const struct profile *p,
		      conn_event_fn fn, void *ctx);
/* Starts connecting. Returns -1 (with a reason) if it cannot start,
 * e.g. because it is already up or connecting. */
int conn_connect(struct conn *c, struct verr *e);
/* Sends a DELETE for the IKE SA and reports CEV_DOWN when the gateway
 * answered or gave up; immediate CEV_DOWN when nothing is up. */
void conn_disconnect(struct conn *c);
/* Rekeys the Child SA now (CREATE_CHILD_SA), as the kernel's soft
 * lifetime would; progress and the new SPIs are reported as usual. */
int conn_rekey_child(struct conn *c, struct verr *e);
/* Rekeys the IKE SA now (CREATE_CHILD_SA), as vpnd does by itself at
 * timers.ike-rekey-time. */
int conn_rekey_ike(struct conn *c, struct verr *e);
/* Deletes the stored resumption ticket: the user ended the session, so
 * the next connect makes a full exchange. A daemon shutdown keeps the
 * ticket, so that vpnd resumes after a restart. */
void conn_forget_resumption(struct conn *c);
enum conn_state conn_get_state(const struct conn *c);
/* One word: idle, connecting, established, no-tunnel, closing, failed. */
const char *conn_state_name(enum conn_state s);
/* The state for people: "established", or "established, no tunnel:
 * REASON" for CONN_NO_TUNNEL, otherwise the state's name. */
void conn_state_text(const struct conn *c, char *out, size_t len);
const char *conn_name(const struct conn *c);
/* Multi-line human-readable status: state, gateway, SPIs, algorithms,
 * virtual IP, DNS, Child SA parameters. */
void conn_status(const struct conn *c, struct wbuf *out);
/* Tears down without waiting (daemon exit). */
void conn_free(struct conn *c);

#endif
