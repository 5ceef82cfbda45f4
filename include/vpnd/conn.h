/* One connection (a profile being brought up, up, or going down): the
 * IKE engine's interface to the daemon. Everything is asynchronous and
 * runs on the daemon's event loop. */
#ifndef VPND_CONN_H
#define VPND_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "vpnd/buf.h"
#include "vpnd/loop.h"
#include "vpnd/profile.h"

struct conn;
struct engine;

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

/* The state of an IKE SA (changed only through state.c's table). */
enum ike_state {
	IKE_NONE,
	IKE_INIT_SENT,
	IKE_RESUME_SENT,        /* IKE_SESSION_RESUME (RFC 5723) */
	IKE_AUTH_SENT,
	IKE_ESTABLISHED,
	IKE_DELETING,
};
const char *ike_state_name(enum ike_state s);

/* Why the connection last changed state: the code of status's "last
 * change", so that programs and tests need not read its text. */
enum conn_reason {
	REASON_NONE,            /* nothing happened yet */
	REASON_UP,              /* established (full, resumed) */
	REASON_USER,            /* vpnctl disconnect, an aborted attempt */
	REASON_GATEWAY_DELETE,  /* the gateway deleted the IKE SA */
	REASON_TIMEOUT,         /* no usable answer after every retransmission */
	REASON_AUTH_FAILED,     /* AUTHENTICATION_FAILED, or the gateway's
				   AUTH or identity did not verify */
	REASON_REFUSED,         /* the gateway refused an exchange */
	REASON_REDIRECT,        /* RFC 5685: redirected, or moved after it */
	REASON_REAUTH,          /* replaced by a reauthenticated IKE SA */
	REASON_NO_TUNNEL,       /* no tunnel, IKE SA deleted (esp on-failure) */
	REASON_LOOKUP,          /* the gateway's name did not resolve */
	REASON_MOVED,           /* our address went away: a new IKE SA
				   from the new one */
	REASON_NO_NETWORK,      /* no route to the gateway for longer than
				   timers.outage-time */
	REASON_ERROR,           /* anything else: local or protocol errors */
};
/* One word for status: "gateway-delete", "timeout", "auth-failed", ... */
const char *conn_reason_name(enum conn_reason r);

/* A snapshot of a connection: everything `vpnctl status` shows as
 * values, filled by conn_status_get; conn_status writes its text from
 * this, so the two cannot disagree. */
struct conn_status {
	char name[PROFILE_STR_MAX];
	enum conn_state state;
	char state_text[512];           /* conn_state_text */
	char gateway[PROFILE_STR_MAX];  /* as named (profile or redirect) */
	char last_error[512];           /* of the last failure, "" */
	bool has_sa;                    /* the current IKE SA, below */
	struct {
		enum ike_state state;
		bool initiator;         /* we initiated the SA or its latest
					   rekey (the I bit, RFC 7296 3.1) */
		uint8_t spi_i[8], spi_r[8];
		uint8_t spi_ours[8];    /* routes the gateway's messages */
		uint8_t spi_theirs[8];
		struct sockaddr_storage peer, local;
		bool natt;              /* on 4500 with the marker */
		bool nat_detected;      /* ... because of a NAT (not forced) */
		bool mobike;            /* MOBIKE agreed (RFC 4555) */
		bool resumed;           /* keys from a ticket (RFC 5723) */
		bool rekeyed;           /* ... from an IKE SA rekey */
		uint8_t gsc;            /* gateway switch count (failover
					   draft) */
		unsigned long dh_ops, sig_ops; /* the handshake's */
		bool peer_vpnd;         /* vpnd extensions on */
		uint64_t established_ms; /* loop_now_ms() at up, 0: not yet */
		char algs[128];         /* "AES_GCM_16-128/PRF_HMAC_SHA2_256/..." */
		uint16_t encr, encr_keylen, integ, prf, dh; /* ... as numbers */
		char remote_id[256];
		uint8_t remote_auth;    /* the gateway's AUTH method */
		bool remote_eap_only;   /* ... none: EAP-only (RFC 5998) */
		/* How we authenticated: "PSK", "certificate", "EAP-MSCHAPv2
		 * as alice", "resumed"; the IKE_AUTH exchanges and EAP
		 * method rounds it took (0 after an IKE SA rekey). */
		char local_auth[PROFILE_STR_MAX + 32];
		unsigned auth_rounds, eap_rounds;
		uint32_t auth_lifetime; /* its AUTH_LIFETIME (RFC 4478), s */
	} ike;
	struct {
		bool up;                /* negotiated */
		bool installed;         /* SAs and policies in the kernel */
		uint8_t spi_in[4], spi_out[4];
		char algs[128];
		char problem[200];      /* refused or not installed: why */
	} child;
	struct {                        /* CP(CFG_REPLY) */
		bool has_ip4, has_ip6;
		uint8_t ip4[4], ip4_prefix;
		uint8_t ip6[16], ip6_prefix;
	} vip;
	struct {                        /* DNS of the CP(CFG_REPLY) */
		size_t n_dns4, n_dns6;
		uint8_t dns4[4][4], dns6[4][16];
		size_t n_domains;       /* RFC 8598 split-DNS domains:
					   conn_dns_domain_get */
		size_t n_bad_domains;   /* refused, not DNS names */
		bool full_tunnel;       /* the remote selectors cover a /0 */
		bool applied;           /* on the host, through 'method' */
		char method[16];        /* "resolved", "resolvconf", "file" */
		char link[16];          /* the link they were set on */
	} dns;
	bool resumption;                /* the profile resumes (RFC 5723) */
	struct {                        /* the stored resumption ticket */
		bool stored;
		char gateway[PROFILE_STR_MAX];
		time_t expires;
		uint8_t gsc;
	} ticket;
	size_t n_backups;               /* backup gateways the gateway named */
	bool retry_pending;             /* a reconnect waits for its timer */
	bool replacing;                 /* a make-before-break IKE SA is
					   being set up (redirect, reauth) */
	size_t n_redirect_hist;         /* redirects of this connect
					   (conn_redirect_get) */
	size_t n_moves;                 /* path changes (conn_move_get) */
	bool waiting_for_network;       /* no route to the gateway */
	/* since conn_new */
	unsigned ike_rekeys, child_rekeys, reauths, redirects;
	struct {
		enum conn_reason reason;
		char text[512];
		time_t at;              /* wall clock; 0: no change yet */
	} change;
};

typedef void (*conn_event_fn)(void *ctx, struct conn *c, enum conn_event ev,
			      const char *msg);

/* The profile is copied; the caller may free its own afterwards. The
 * engine (vpnd/engine.h) outlives the connection. */
struct conn *conn_new(struct engine *eng, const struct profile *p,
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
/* EAP-MSCHAPv2 without eap.password-file and none handed over yet: the
 * password comes from vpnctl (the daemon's connect). Kept in the secure heap until the
 * connection fails or is disconnected; a resumed SA needs none. */
bool conn_needs_password(const struct conn *c);
int conn_set_password(struct conn *c, const char *pw, size_t len,
		      struct verr *e);
enum conn_state conn_get_state(const struct conn *c);
/* One word: idle, connecting, established, no-tunnel, closing, failed. */
const char *conn_state_name(enum conn_state s);
/* The state for people: "established", or "established, no tunnel:
 * REASON" for CONN_NO_TUNNEL, otherwise the state's name. */
void conn_state_text(const struct conn *c, char *out, size_t len);
const char *conn_name(const struct conn *c);
/* The connection's status as values. */
void conn_status_get(const struct conn *c, struct conn_status *st);
/* A redirect this connect followed, oldest first (RFC 5685). */
struct conn_redirect {
	char from[64];                  /* the address: "127.0.0.1" */
	char to[256];                   /* as the REDIRECT named it */
	uint8_t exchange;               /* where it came */
};
/* Entry i of the history; false past its end. */
bool conn_redirect_get(const struct conn *c, size_t i,
		       struct conn_redirect *out);
/* Split-DNS domain i of the current IKE SA's CP reply; false past the
 * end. */
bool conn_dns_domain_get(const struct conn *c, size_t i, char *out,
			 size_t outlen);
/* A change of the path to the gateway (roam.c), oldest first: the
 * network went, came back, our address moved, the machine woke. */
struct conn_move {
	time_t at;                      /* wall clock */
	char what[160];                 /* "waiting for a network: ..." */
	char from[64], to[64];          /* our address before and after,
					   "" when unknown or none */
};
/* Entry i of the history; false past its end. */
bool conn_move_get(const struct conn *c, size_t i, struct conn_move *out);
/* Multi-line human-readable status: state, gateway, SPIs, algorithms,
 * virtual IP, DNS, Child SA parameters. */
void conn_status(const struct conn *c, struct wbuf *out);
/* Tears down without waiting (daemon exit). */
void conn_free(struct conn *c);

#endif
