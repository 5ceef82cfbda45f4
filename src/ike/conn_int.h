/* The connection object, shared by conn.c (life cycle, redirects),
 * failover.c (resumption, gateway failover) and conn_status.c. */
#ifndef VPND_CONN_INT_H
#define VPND_CONN_INT_H

#include <time.h>

#include "ike_sa.h"
#include "redirect.h"
#include "resolve.h"
#include "vpnd/netcfg.h"
#include "vpnd/ticket.h"

struct conn {
	struct engine *eng;   /* sockets, Child SA backend, tickets, ... */
	struct loop *loop;    /* the engine's */
	struct profile prof;
	conn_event_fn fn;
	void *ctx;
	enum conn_state state;
	struct ike_sa *sa;    /* current: connecting or established */
	struct ike_sa *next;  /* make-before-break replacement */
	struct ike_sa *retiring;  /* list (ike_sa.retiring_next): replaced
				     SAs finishing their DELETE */
	struct resolve_req *lookup;
	bool lookup_for_next;
	struct redirects redir;
	char gateway[PROFILE_STR_MAX]; /* what we are talking to, as named */
	char last_error[512];
	/* The EAP password vpnctl handed over (secure heap): kept while
	 * the connection is wanted, so a reconnect or failover needs no
	 * one at the terminal, wiped when it goes down for good. */
	struct chunk password;
	char change_why[512];          /* the last change of state, for people */
	enum conn_reason change_reason; /* ... as a code */
	time_t change_at;              /* ... and when (wall clock) */
	unsigned n_ike_rekeys, n_child_rekeys, n_reauths, n_redirects;

	/* failover.c: resumption and gateway failover */
	struct resume_ticket *ticket;  /* taken from the store, not yet spent */
	char backups[TICKET_MAX_BACKUPS][TICKET_STR_MAX]; /* from the gateway */
	size_t n_backups;
	unsigned attempts;             /* gateways tried since the last up */
	bool was_up;                   /* the attempt follows a lost SA */
	char fallback_why[256];        /* why the last attempt is a full one */
	uint8_t gsc;                   /* of the current IKE SA */
	uint64_t retry_timer;          /* reconnect after losing every gateway */
	/* roam.c: the path to the gateway */
	uint64_t outage_timer;         /* gives up after timers.outage-time */
	struct conn_move *moves;       /* history, oldest first */
	size_t n_moves, cap_moves;
	bool has_vip_hint;             /* the next attempt asks for the */
	uint8_t vip_hint4[4];          /* virtual IP the lost SA had */
	unsigned retry_delay;          /* seconds, the next retry's */
	bool gsc_rekeying;             /* full re-establishment under way */
	bool reauthing;                /* c->next reauthenticates c->sa */
	/* hostcfg.c: the VPN interface, made with the first Child SA that
	 * has a virtual IP and kept until the connection ends. */
	struct netcfg_link link;
};

/* conn.c */
/* Records why and when the connection last changed state (status). */
void conn_note_change(struct conn *c, enum conn_reason why,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The IKE SA is established, with or without a working tunnel. */
bool conn_is_up(const struct conn *c);
void conn_progress(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void conn_fail(struct conn *c, enum conn_reason why, const char *msg);
/* Talks to a gateway given by name or address, as the current SA or as
 * the make-before-break one. */
void conn_start_attempt(struct conn *c, const char *gateway, bool as_next);
/* A new IKE SA of c, in no role yet, with a fresh SPI of ours that
 * routes the gateway's messages to it (SPIi when we initiate it, SPIr
 * when the gateway does); every SA is made here. */
struct ike_sa *conn_new_sa(struct conn *c, bool initiator, struct verr *e);
/* Frees an SA at once: no DELETE (its gateway is gone). */
void conn_drop_sa(struct conn *c, struct ike_sa *sa);

/* roam.c */
/* The network changed or the machine woke (why): checks the path to the
 * gateway of c's current SA at once. */
void conn_path_check(struct conn *c, const char *why);
/* MOBIKE moved the current SA from one local address to another. */
void conn_path_moved(struct conn *c, const struct sockaddr_storage *from,
		     const struct sockaddr_storage *to);
/* The gateway follows a new mapping of the NAT in front of us. */
void conn_path_rebound(struct conn *c, const struct sockaddr_storage *at);
/* conn_free: the timers and the history. */
void roam_free(struct conn *c);

/* failover.c */
/* At connect: takes the stored ticket; returns the gateway to try. */
const char *failover_connect(struct conn *c);
/* Starts a new SA's first exchange: IKE_SESSION_RESUME when the conn
 * holds a ticket (and the SA is not a make-before-break one), else
 * IKE_SA_INIT. */
int failover_begin(struct conn *c, struct ike_sa *sa, bool as_next,
		   struct verr *e);
/* The current SA failed with msg: true when failover took over (another
 * gateway, or a full handshake instead of a resume). */
bool failover_on_failure(struct conn *c, struct ike_sa *sa,
			 enum conn_reason why, const char *msg);
/* The current SA is up: what to tell the user, GSC bookkeeping, and a
 * full re-establishment when the GSC is about to overflow. */
void failover_on_up(struct conn *c, struct ike_sa *sa, char *msg,
		    size_t len);
/* Our IKE SA rekey failed: with the GSC at its maximum, a full
 * handshake replaces the SA instead. */
void failover_rekey_failed(struct conn *c, struct ike_sa *sa);
/* The current SA was replaced by a rekey: a new IKE SA as far as the
 * failover draft is concerned (GSC 0), and a ticket for its keys. */
void failover_on_rekey(struct conn *c, struct ike_sa *sa);
/* Disconnect or free: drops the ticket the conn holds. */
void failover_reset(struct conn *c);
/* Our address went away under the current SA and its gateway cannot
 * move it: a new SA from the new address to the same gateway, resumed
 * with the ticket when there is one (RFC 5723 names this case), asking
 * for the same virtual IP. now: our address now, when the SA's own
 * (sa->local) is the one gone; NULL when sa->local is the new one (a
 * refused MOBIKE move). */
void failover_on_moved(struct conn *c, struct ike_sa *sa, const char *msg,
		       const struct sockaddr_storage *now);
/* The gateway ended the connection (deleted the IKE SA): with
 * close-action restart, a new connection after the reconnect backoff;
 * true when that took over (the SA is dropped). */
bool failover_on_close(struct conn *c, struct ike_sa *sa,
		       enum conn_reason code, const char *why);
/* A gateway's name did not resolve: true when failover goes on with the
 * next gateway or a later retry instead of failing. */
bool failover_on_lookup_failure(struct conn *c, const char *msg);
/* The backup gateways as a status line. */
void failover_describe(const struct conn *c, struct wbuf *out);

#endif
