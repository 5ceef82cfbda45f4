/* The daemon's table of profiles, each with its struct conn, and the
 * clients waiting for one of them to come up or go down. */
#ifndef VPND_DAEMON_CONNS_H
#define VPND_DAEMON_CONNS_H

#include <stdbool.h>
#include <stddef.h>

#include "vpnd/buf.h"
#include "vpnd/conn.h"
#include "vpnd/loop.h"
#include "vpnd/profile.h"

struct conns;
struct conn_entry;

/* Where profiles come from. The daemon uses profile_load_dir and
 * profile_free; the unit test injects profiles without YAML files. */
struct profile_source {
	int (*load_dir)(const char *dir, struct profile **out, size_t *n,
			profile_file_err_fn on_err, void *ctx);
	void (*free_one)(struct profile *p);
};

enum wait_kind {
	WAIT_CONNECT,
	WAIT_DISCONNECT,
	WAIT_CONNECT_QUEUED, /* a connect waiting for a close to finish */
	WAIT_WATCH,          /* every event, until the client leaves */
};

/* How an operation ended. */
enum wait_outcome {
	WAIT_FAILED,
	WAIT_OK,
	WAIT_NO_TUNNEL, /* connect: IKE SA up, but no working tunnel */
};

/* A control client following one operation. fn is called with every
 * CEV_PROGRESS (outcome WAIT_OK) of a connect and exactly once with the
 * final event (final == true), after the waiter has been detached. */
struct conns_waiter {
	enum wait_kind kind;
	void (*fn)(struct conns_waiter *w, bool final,
		   enum wait_outcome outcome, const char *msg);
	struct conn_entry *entry; /* NULL while detached */
	struct conns_waiter *next;
};

/* Connections are made on eng (vpnd/engine.h), which outlives them. */
struct conns *conns_new(struct loop *l, struct engine *eng,
			const char *profile_dir,
			const struct profile_source *src);
void conns_free(struct conns *t);

/* fn runs after anything a summary of the table shows may have changed:
 * every event of a connection (state, progress, a new path), a reload, a
 * profile dropped; the daemon's sd_notify STATUS= (sd.c) follows it. It
 * may read the table but not change it. NULL: nobody. */
void conns_on_change(struct conns *t, void (*fn)(void *ctx), void *ctx);

/* (Re)reads the profile directory. Connections that are not idle keep
 * their old profile until they are down. Bad files are reported through
 * on_err and kept as the failed list (conns_failed_*). Returns the
 * number of profiles, or -1 (reason in e; the lists stay as they
 * were). */
int conns_reload(struct conns *t, profile_err_fn on_err, void *ctx,
		 struct verr *e);

/* A profile file of the last reload that did not load: listed with its
 * error, which a connect of its name answers. name is the file's name
 * without .yaml/.yml (its profile name may be what did not parse). */
struct conns_failed {
	char *name;
	char *file;
	char *error;
};
size_t conns_failed_count(const struct conns *t);
const struct conns_failed *conns_failed_at(const struct conns *t, size_t i);
const struct conns_failed *conns_failed_find(const struct conns *t,
					     const char *name);

size_t conns_count(const struct conns *t);
struct conn_entry *conns_at(const struct conns *t, size_t i);
struct conn_entry *conns_find(const struct conns *t, const char *name);
const char *entry_name(const struct conn_entry *ce);
const char *entry_gateway(const struct conn_entry *ce);
/* EAP-MSCHAPv2 without a password file: the client must hand one over
 * (conn_set_password). */
bool entry_needs_password(const struct conn_entry *ce);
int entry_set_password(struct conn_entry *ce, const char *pw, size_t len,
		       struct verr *e);
enum conn_state entry_state(const struct conn_entry *ce);
/* "established", "established, no tunnel: REASON", "idle", ... */
void entry_state_text(const struct conn_entry *ce, char *out, size_t len);
/* The address of the gateway the current IKE SA talks to
 * ("203.0.113.10"), or the gateway as named while there is no SA. */
void entry_peer(const struct conn_entry *ce, char *out, size_t len);
/* Its file is gone; it stays listed until it is down. */
bool entry_removed(const struct conn_entry *ce);
void entry_status(const struct conn_entry *ce, struct wbuf *out);
void entry_status_get(const struct conn_entry *ce, struct conn_status *st);

/* Both return 0 when w was attached (its fn will report the outcome,
 * possibly before the call returns), 1 when there is nothing to wait
 * for (msg explains, e.g. "already connected"), -1 on error (e).
 * A connect while the connection is closing waits for the close to
 * finish and then connects; a disconnect cancels such a connect. */
int conns_connect(struct conn_entry *ce, struct conns_waiter *w,
		  struct verr *e);
int conns_disconnect(struct conn_entry *ce, struct conns_waiter *w,
		     struct verr *e);
/* Follows the connection from now on: fn gets every progress line and
 * every change of state (never final while the profile exists); a
 * watch keeps no connection up and holds no removal back. */
void conns_watch(struct conn_entry *ce, struct conns_waiter *w);
/* What a monitor hears, of every connection. */
enum conns_event {
	CONNS_EV_STATE,     /* the state when the monitor starts */
	CONNS_EV_PROGRESS,
	CONNS_EV_UP,
	CONNS_EV_NO_TUNNEL,
	CONNS_EV_FAILED,
	CONNS_EV_DOWN,
	CONNS_EV_GONE,      /* the profile was removed and is down */
};
const char *conns_event_name(enum conns_event ev);

/* A client following every connection (vpnctl monitor): fn gets the
 * state of each profile at once, then every event; text is the line
 * for people ("office is up: ..."), msg the engine's own words. A
 * monitor keeps nothing up and holds no removal back. */
struct conns_monitor {
	void (*fn)(struct conns_monitor *m, const struct conn_entry *ce,
		   enum conns_event ev, const char *text, const char *msg);
	struct conns *t;                /* NULL while stopped */
	struct conns_monitor *next;
};
void conns_monitor_start(struct conns *t, struct conns_monitor *m);
void conns_monitor_stop(struct conns_monitor *m);

/* Starts a rekey of the Child SA, or of the IKE SA; its outcome shows in
 * the status. */
int conns_rekey(struct conn_entry *ce, bool ike, struct verr *e);
/* A client went away: it stops listening, the operation goes on. */
void conns_detach(struct conns_waiter *w);

/* Disconnects everything; done is called once all connections are down
 * or timeout_ms has passed, whichever comes first. */
void conns_shutdown(struct conns *t, unsigned timeout_ms,
		    void (*done)(void *ctx, bool all_down), void *ctx);

#endif
