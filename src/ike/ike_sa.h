/* The initiator's IKE SA and the pieces of the engine that share it.
 * One file per exchange or concern: net.c (sockets, demux), transport.c
 * (requests, retransmission, response matching), proposal.c, ike_init.c,
 * ike_auth.c, creds.c, config.c (CP), informational.c, conn.c (API);
 * the Child SAs: child_sa.c (the list), child.c (the kernel). */
#ifndef VPND_IKE_SA_H
#define VPND_IKE_SA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/x509.h>

#include "vpnd/buf.h"
#include "vpnd/conn.h"
#include "vpnd/crypto.h"
#include "vpnd/loop.h"
#include "vpnd/profile.h"
#include "vpnd/ratelimit.h"
#include "vpnd/wire.h"
#include "frag.h"
#include "task.h"

struct netcfg_record;
struct resume_ticket;
struct ticket_info;
struct child_create;

/* state.c: the one way to change sa->state; false (logged as an error,
 * the state stays) for a change the table does not allow. */
struct ike_sa;
bool sa_set_state(struct ike_sa *sa, enum ike_state to);

/* Negotiated IKE SA algorithms. */
struct ike_algs {
	uint16_t encr;
	uint16_t encr_keylen;
	uint16_t integ;
	uint16_t prf;
	uint16_t dh;
};

/* A Child SA (RFC 7296 1.3): one pair of ESP SAs, an object in its IKE
 * SA's list (child_sa.c), with a state of its own. */
enum child_state {
	CHILD_CREATING,         /* its inbound SPI is reserved; the exchange
				   that makes it is under way */
	CHILD_INSTALLED,        /* carries the traffic */
	CHILD_REKEYING,         /* ... while our rekey of it is under way */
	CHILD_REKEYED,          /* replaced by a rekey, or made redundant by
				   a collision: kept until its delete */
	CHILD_DELETING,         /* our Delete(ESP) of it is under way */
	CHILD_DELETED,          /* the gateway deleted it; what the kernel
				   holds of it goes with the IKE SA */
};

struct child_sa {
	struct child_sa *next;  /* in the IKE SA's list, newest first */
	enum child_state state;
	uint16_t encr;
	uint16_t encr_keylen;
	uint16_t integ;
	uint16_t esn;
	uint8_t spi_in[4];
	uint8_t spi_out[4];
	uint32_t reqid;
	/* The connection's XFRM interface (hostcfg_if_id) as the pair was
	 * installed: its SAs and policies carry it, and it names the
	 * policies when they are deleted or moved. 0 = none. */
	uint32_t if_id;
	bool spi_reserved;      /* larval inbound state in the kernel */
	bool installed_in, installed_out, policies;
	bool installed;         /* all of it is in the kernel */
	char install_error[200];
	struct ts_payload tsi;
	struct ts_payload tsr;
};

/* ---- child_sa.c: the Child SA list of an IKE SA ---- */
/* A new Child SA in state CREATING at the head of sa's list; NULL when
 * out of memory. */
struct child_sa *child_new(struct ike_sa *sa);
/* Unlinks and frees ch; its SAs in the kernel must be gone, its
 * policies pass to another pair of its reqid. */
void child_free(struct ike_sa *sa, struct child_sa *ch);
/* Frees the whole list (the SA is freed; the kernel state is gone). */
void child_free_all(struct ike_sa *sa);
void child_set_state(struct ike_sa *sa, struct child_sa *ch,
		     enum child_state to);
const char *child_state_name(enum child_state s);
/* The Child SA carrying the traffic (INSTALLED or REKEYING), or NULL. */
struct child_sa *sa_child(const struct ike_sa *sa);
/* The newest Child SA in state s, or NULL. */
struct child_sa *child_in_state(const struct ike_sa *sa, enum child_state s);
/* The Child SA with spi as our inbound or the gateway's inbound SPI. */
struct child_sa *child_by_spi(const struct ike_sa *sa, const uint8_t spi[4]);
/* The Child SA whose inbound SPI (ours) is spi. */
struct child_sa *child_by_our_spi(const struct ike_sa *sa,
				  const uint8_t spi[4]);
/* A pair replaced by a rekey (REKEYED) or one our Delete(ESP) is
 * under way for (DELETING) is still there. */
bool sa_has_old_child(const struct ike_sa *sa);
/* All of from's Child SAs move to the end of to's list (IKE SA rekey). */
void child_move_all(struct ike_sa *from, struct ike_sa *to);

/* What the gateway's CP(CFG_REPLY) gave us. */
#define CFG_MAX_DNS 4
struct cfg_reply {
	bool has_ip4;
	uint8_t ip4[4];
	uint8_t ip4_prefix;
	bool has_ip6;
	uint8_t ip6[16];
	uint8_t ip6_prefix;
	size_t n_dns4;
	uint8_t dns4[CFG_MAX_DNS][4];
	size_t n_dns6;
	uint8_t dns6[CFG_MAX_DNS][16];
	/* INTERNAL_DNS_DOMAIN (RFC 8598), each a valid DNS name without
	 * the trailing dot, on the heap (cfg_reply_clear); as many as the
	 * gateway sent. Moves with the struct (IKE SA rekey). */
	char **domains;
	size_t n_domains;
	size_t n_bad_domains;   /* refused: not DNS names */
};

/* One message of ours as it goes on the wire: whole, or in SKF
 * fragments (RFC 7383), which are always sent together (2.6.1). */
struct wire_msg {
	struct wbuf msg;     /* the whole message, when not fragmented */
	struct wbuf *frags;  /* or its n_frags fragments */
	size_t n_frags;
};

/* A request of ours waiting for its response. */
struct pending_req {
	bool active;
	uint8_t exchange;
	uint32_t msg_id;
	struct wire_msg out; /* exactly what was sent (retransmits are
				identical, until a smaller fragment size) */
	/* A protected request while fragmentation is negotiated: its inner
	 * chain (secure heap; it may hold EAP credentials), to split it
	 * again at a smaller size (frag_io.c) */
	struct chunk inner;
	uint8_t first;
	bool smaller_tried;
	unsigned tries;
	uint64_t timer;
};


/* Where an IKE_AUTH with EAP is (RFC 7296 2.16). */
enum eap_phase {
	EAP_PHASE_NONE,     /* no EAP: one IKE_AUTH exchange */
	EAP_PHASE_FIRST,    /* our first request, without AUTH, is out */
	EAP_PHASE_METHOD,   /* an EAP Response is out */
	EAP_PHASE_FINAL,    /* EAP succeeded; our MSK-keyed AUTH is out */
};

struct ike_sa {
	struct conn *conn;
	struct engine *eng;             /* the conn's */
	const struct profile *prof;
	struct loop *loop;
	enum ike_state state;

	uint8_t spi_i[8];
	uint8_t spi_r[8];
	struct sockaddr_storage peer;   /* current gateway address and port */
	struct sockaddr_storage local;  /* our address as the kernel chose it */
	bool natt;                      /* talking on 4500 with the marker */
	bool nat_here;                  /* we are behind a NAT */
	bool nat_there;                 /* the gateway is behind a NAT */

	struct chunk ni, nr;
	struct dh *dh;
	struct chunk cookie;
	unsigned init_attempts;         /* INVALID_KE / COOKIE restarts */
	struct ike_algs algs;
	struct ike_keys keys;
	struct chunk init_req;          /* RealMessage1 */
	struct chunk init_resp;         /* RealMessage2 */
	uint16_t peer_hashes[SIGHASH_MAX];
	size_t n_peer_hashes;

	uint32_t next_mid;              /* of our next request */
	uint32_t peer_next_mid;         /* expected in the gateway's next request */
	struct pending_req req;         /* the active task's, on the wire */
	struct ike_task *tasks;         /* queue; the head may be active */
	bool initiator;                 /* we initiated the SA or its latest
					   rekey: our I bit (RFC 7296 3.1) */
	char fail_why[512];             /* of TASK_FAILED / TASK_GONE */
	enum conn_reason fail_reason;   /* ... as a code */
	struct gw_ident redirect_to;    /* of TASK_REDIRECT */
	uint8_t redirect_exchange;
	struct ike_sa *successor;       /* of TASK_REKEYED */
	struct ike_sa *retiring_next;   /* in conn's list of retiring SAs */
	char ignored_why[200];          /* last unusable response, for the timeout message */
	char refusal[96];               /* an unauthenticated error answer to
					   it, waited out; the failure if no
					   usable one comes */
	uint64_t keepalive_timer;
	struct wire_msg last_resp;      /* our last response, for retransmits */
	uint32_t last_resp_mid;
	bool have_last_resp;

	/* credentials for this attempt */
	X509 *my_cert;
	EVP_PKEY *my_key;
	uint8_t my_id_type;
	struct chunk my_id;             /* ID data (wire form) */
	struct chunk peer_id;           /* IDr data as received */
	uint8_t peer_id_type;
	uint8_t auth_method_peer;
	/* EAP in IKE_AUTH (ike_eap.c): the conversation, where it is, the
	 * IDr body of the first response (the final AUTHs cover it), and
	 * the TLS credentials (never sent as IKE CERT payloads). */
	struct eap_peer *eap;
	enum eap_phase eap_phase;
	struct chunk peer_id_body;
	bool gw_signed;                 /* the first response's AUTH verified */
	bool eap_only;                  /* ... there was none (RFC 5998) */
	unsigned auth_rounds;           /* IKE_AUTH exchanges of this SA */
	unsigned eap_rounds;            /* method rounds of its EAP */
	X509 *eap_cert;
	EVP_PKEY *eap_key;

	bool have_redirected_from;      /* send REDIRECTED_FROM, not _SUPPORTED */
	struct gw_ident redirected_from;
	bool orphan;                    /* replaced; only its DELETE remains */
	bool peer_mobike;               /* both sent MOBIKE_SUPPORTED */
	bool peer_frag;                 /* both sent IKEV2_FRAGMENTATION_SUPPORTED */
	bool frag_small;                /* fragments at the fallback size
					   since a request went unanswered
					   (frag_io.c) */
	struct frag_asm frag_resp;      /* the gateway's fragmented responses */
	struct frag_asm frag_req;       /* ... and requests */
	/* Behind a NAT with MOBIKE: the gateway's last
	 * NAT_DETECTION_DESTINATION_IP, the hash of where it sees us. */
	uint8_t mapping[20];
	bool have_mapping;
	/* The gateway's other addresses (RFC 4555 ADDITIONAL_IP4/6_ADDRESS),
	 * to move to when its current one has no route; the list grows. */
	struct sockaddr_storage *peer_addrs;
	size_t n_peer_addrs, cap_peer_addrs;
	bool held;                      /* no route to the gateway: nothing
					   is sent (roam.c) */
	time_t held_since;              /* ... wall clock */
	bool path_checking;             /* the network came back: the tunnel
					   works again once the gateway
					   answers */
	bool replacing;                 /* another SA of ours still lives */

	struct child_sa *children;      /* newest first (child_sa.c) */
	char child_refused[96];         /* why there is no Child SA */
	uint16_t child_refused_notify;  /* ... the error notify, 0: other */
	struct child_create *create;    /* our CREATE_CHILD_SA under way */
	uint64_t rekey_timer;
	uint16_t rekey_group;           /* KE group the gateway asked for */
	unsigned rekey_failures;        /* of ours, since the last success */
	struct netcfg_record *netrec;   /* virtual IP, routes, DNS we added */
	char host_error[200];           /* why they are not all in place */
	uint64_t child_retry_timer;     /* a new Child SA after TEMPORARY_FAILURE */
	unsigned child_retry_delay;     /* seconds, of the next retry */
	unsigned child_retries;         /* made since the last Child SA */
	struct ts_payload offered_tsi;
	struct ts_payload offered_tsr;
	struct cfg_reply cfg;
	uint64_t established_at;        /* loop_now_ms() */

	/* RFC 5723 / failover draft */
	const struct resume_ticket *ticket; /* the conn's, while resuming */
	bool resumed;                   /* keys came from a ticket */
	bool rekeyed;                   /* ... from an IKE SA rekey */
	uint8_t gsc;                    /* gateway switch count of this SA */
	bool timed_out;                 /* the last request got no answer */
	bool ticket_spent;              /* the gateway answered the resume */
	bool has_vip_hint;              /* ask for the old virtual IP again */
	uint8_t vip_hint4[4];
	uint64_t dpd_timer;
	uint64_t ike_rekey_timer;       /* our next IKE SA rekey */
	uint64_t old_delete_timer;      /* rekeyed away by the gateway: we
					   delete it if the gateway does not */
	uint64_t reauth_timer;          /* our next reauthentication */
	uint32_t auth_lifetime;         /* the gateway's AUTH_LIFETIME, s */
	uint64_t authenticated_at;      /* loop_now_ms() of the IKE_AUTH that
					   the SA (or the one it rekeyed)
					   came from */
	unsigned ike_rekey_failures;    /* of ours, since the last success */
	uint64_t refresh_timer;         /* ask for a new ticket */
	bool peer_vpnd;                 /* the gateway showed VPND_VENDOR_ID */
	bool tickets_ignored;           /* the gateway left our TICKET_REQUEST
					   unanswered: it has no RFC 5723 */
	struct ratelimit warn_limit;    /* of sa_warn_unauth */
	uint8_t last_req_digest[32];    /* SHA-256 of the request last_resp
					   answers, as received */
	unsigned long dh_ops, sig_ops;  /* counters when the attempt began */
};

/* ---- net.c: UDP sockets on 500/4500, demultiplexed by our SPI ---- */
typedef void (*net_rx_fn)(void *ctx, const uint8_t *msg, size_t len,
			  const struct sockaddr_storage *from, bool natt);
int net_register(struct engine *eng, const uint8_t spi[8], net_rx_fn fn,
		 void *ctx);
void net_unregister(struct engine *eng, const uint8_t spi[8]);
/* Opens the socket for 'to' and learns the local address and port the
 * kernel will use towards it (NAT detection hashes need them). */
int net_prepare(struct engine *eng, const struct sockaddr_storage *to,
		bool natt, struct sockaddr_storage *local, struct verr *e);
/* NAT keepalive (RFC 3948 2.3): one 0xff byte on 4500, no marker,
 * from the SA's address. */
void net_send_keepalive(struct engine *eng, const struct sockaddr_storage *to,
			const struct sockaddr_storage *from);
/* Sends msg (without marker; added on 4500) from the address 'from' (an
 * SA's local address; NULL or unset: the kernel's choice). -1 when the
 * kernel refused, e.g. because that address is gone. */
int net_send(struct engine *eng, const struct sockaddr_storage *to, bool natt,
	     const uint8_t *msg, size_t len,
	     const struct sockaddr_storage *from);
/* Local UDP port used on the 500 or 4500 socket of a family. */
uint16_t net_local_port(struct engine *eng, int family, bool natt);

/* ---- transport.c: the active task's request on the wire ---- */
/* A datagram of sa's to its peer, from its local address: on 4500 with
 * the marker once NAT-T is on. -1 when it could not leave. */
int sa_send_datagram(struct ike_sa *sa, const uint8_t *msg, size_t len);
/* The path is back after a hold (roam.c): the outstanding request goes
 * out again now, with its retransmissions counted from the start. */
void sa_request_resume(struct ike_sa *sa);
/* roam.c: an answer of the gateway came (the path works). */
void roam_heard(struct ike_sa *sa);
/* An unprotected request (IKE_SA_INIT, IKE_SESSION_RESUME): header and
 * body, kept as init_req (RealMessage1 for AUTH). body is freed. */
int sa_send_clear(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id,
		  uint8_t first, struct wbuf *body, struct verr *e);
/* Wraps an inner chain in SK and sends it as the next request. */
int sa_send_protected(struct ike_sa *sa, uint8_t exchange, struct wbuf *inner,
		      uint8_t first);
int sa_send_response(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id,
		     struct wbuf *inner, uint8_t first);
void sa_cancel_request(struct ike_sa *sa);
/* How long a request of ours may stay unanswered with every
 * retransmission of the profile's schedule. */
unsigned sa_retransmit_span_ms(const struct profile *p);
/* For a task: logs why a response is not usable, keeps it for the
 * timeout message, and returns TASK_IGNORE (keep waiting). */
enum task_rc sa_ignore_response(struct ike_sa *sa, const char *why);
/* A warning that anyone who knows our SPI can cause with a datagram:
 * rate-limited per SA, with the count of those suppressed. */
void sa_warn_unauth(struct ike_sa *sa, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Logs the count of warnings suppressed and not yet reported. */
void sa_warn_flush(struct ike_sa *sa);
void sa_receive(void *ctx, const uint8_t *msg, size_t len,
		const struct sockaddr_storage *from, bool natt);
/* The three ways into a task, after sa_receive's checks and decryption
 * (and a test's way in with a message it built): each returns what the
 * task (or the request's handler) said, once the owner has acted on it,
 * so the SA may be gone. A response for the request on the wire goes to
 * the head task (anything else: TASK_IGNORE); a request with the next
 * Message ID is answered through requests.c; the timeout is what the
 * retransmission timer does after the last try. */
enum task_rc sa_take_response(struct ike_sa *sa, const struct ike_msg *m);
enum task_rc sa_take_request(struct ike_sa *sa, const struct ike_msg *m);
enum task_rc sa_request_timeout(struct ike_sa *sa);
void sa_fill_header(struct ike_sa *sa, struct ike_hdr *h, uint8_t exchange,
		    uint32_t msg_id, bool response, uint8_t next);

/* Not the answer (unusable, unauthenticated): logged, kept for the
 * timeout's message; the request stays outstanding (RFC 7296 2.21). */
void sa_discard_response(struct ike_sa *sa, const struct ike_hdr *h,
			 const char *why);
/* The answer to an authentic request with an unsupported critical
 * payload (RFC 7296 2.5). */
void sa_answer_unsupported(struct ike_sa *sa, const struct ike_hdr *h,
			   const uint8_t *msg, size_t len, uint8_t crit);

/* ---- frag_io.c: the SA's side of RFC 7383 ---- */
/* The largest whole IKE message we send unfragmented, and each
 * fragment's size, for the SA's path now. */
size_t frag_msg_len(const struct ike_sa *sa);
/* The protected message (header h, inner chain first/inner) into out:
 * whole, or in fragments of at most msg_len bytes when fragmentation is
 * negotiated and it is larger. */
int frag_protect(struct ike_sa *sa, struct ike_hdr *h, uint8_t first,
		 const uint8_t *inner, size_t ilen, size_t msg_len,
		 struct wire_msg *out);
void wire_msg_send(struct ike_sa *sa, const struct wire_msg *w);
size_t wire_msg_len(const struct wire_msg *w);
void wire_msg_free(struct wire_msg *w);
/* Before a retransmission of the request: after half of its tries at
 * the configured size, split it smaller (RFC 7383 2.5.1). */
void frag_maybe_smaller(struct ike_sa *sa);
/* For the timeout's message: why a big request may have been lost
 * (sent whole, without fragmentation), or "". */
void frag_timeout_hint(const struct ike_sa *sa, char *buf, size_t n);
/* A datagram of the gateway's with an SKF payload: kept until its
 * message is whole, which then goes on as if it had come in one SK. */
void frag_take_response(struct ike_sa *sa, const struct ike_hdr *h,
			const uint8_t *msg, size_t len,
			const struct ike_payload *skf,
			const struct sockaddr_storage *from);
void frag_take_request(struct ike_sa *sa, const struct ike_hdr *h,
		       const uint8_t *msg, size_t len,
		       const struct ike_payload *skf,
		       const struct sockaddr_storage *from);

/* ---- proposal.c ---- */
/* spi: NULL in IKE_SA_INIT, the new SA's SPI in a rekey. */
void proposal_build_ike(struct pl_chain *c, const struct profile *p,
			const uint8_t *spi);
/* pfs: also offer the sets' DH groups (CREATE_CHILD_SA only). */
void proposal_build_esp(struct pl_chain *c, const struct profile *p,
			const uint8_t spi[4], bool pfs);
/* Checks the gateway's choice: one proposal, a subset of what we offered.
 * Fills algs. */
int proposal_check_ike(const struct sa_payload *sa, const struct profile *p,
		       struct ike_algs *algs, uint8_t *spi, struct verr *e);
/* Responder side of a rekey of the IKE SA: the first of the gateway's
 * IKE proposals one of our sets covers, with our new SPI in reply; its
 * algorithms to algs and the gateway's new SPI to peer_spi. */
int proposal_choose_ike(const struct sa_payload *offer,
			const struct profile *p, const uint8_t spi[8],
			struct sa_payload *reply, struct ike_algs *algs,
			uint8_t peer_spi[8], struct verr *e);
int proposal_check_esp(const struct sa_payload *sa, const struct profile *p,
		       bool pfs, struct child_sa *child, uint16_t *dh,
		       struct verr *e);
/* Responder side of a CREATE_CHILD_SA: the first of the gateway's ESP
 * proposals that one of our sets covers, reduced to one transform per
 * type and given our SPI, in reply; its algorithms and the gateway's
 * SPI go to child, its DH group (DH_NONE without PFS) to *dh. */
int proposal_choose_esp(const struct sa_payload *offer,
			const struct profile *p, const uint8_t spi[4],
			struct sa_payload *reply, struct child_sa *child,
			uint16_t *dh, struct verr *e);
bool proposal_offers_dh(const struct profile *p, uint16_t group);
uint16_t proposal_first_dh(const struct profile *p);

/* ---- ike_init.c / resume.c / ike_auth.c / informational.c ---- */
/* Each queues its exchange as a task of the SA (task.h). */
int ike_init_queue(struct ike_sa *sa, struct verr *e);
/* The SA's keys from SKEYSEED with its algorithms and SPIs (RFC 7296
 * 2.14), shared by IKE_SA_INIT, IKE_SESSION_RESUME and the rekey. */
int sa_derive_keys(struct ike_sa *sa, const struct chunk *skeyseed,
		   const struct chunk *ni, const struct chunk *nr);
/* NAT detection (RFC 7296 2.23), shared with IKE_SESSION_RESUME. */
void ike_add_natd(struct ike_sa *sa, struct pl_chain *c);
/* Compares the gateway's hashes and moves to 4500 when needed. */
void ike_take_natd(struct ike_sa *sa, const struct payload_list *pl);
/* RFC 7296 2.23 on a message's NAT_DETECTION notifies: sets nat_here
 * and nat_there; whether the gateway sent them at all. */
bool ike_detect_nat(struct ike_sa *sa, const struct payload_list *pl);
/* mobike.c (RFC 4555) */
void mobike_add_supported(struct ike_sa *sa, struct pl_chain *c);
void mobike_take(struct ike_sa *sa, const struct ike_msg *m);
/* Moves the established SA to our new address 'to' (port ignored) and,
 * when peer is not NULL, to that address of the gateway:
 * UPDATE_SA_ADDRESSES from there, then the Child SAs follow. */
int mobike_move(struct ike_sa *sa, const struct sockaddr_storage *to,
		const struct sockaddr_storage *peer, struct verr *e);
/* The gateway's address list in its request (ADDITIONAL_*_ADDRESS,
 * NO_ADDITIONAL_ADDRESSES): requests.c's table routes it here. */
bool mobike_lists_addresses(const struct ike_msg *m);
enum task_rc mobike_answer_addresses(struct ike_sa *sa,
				     const struct ike_msg *m,
				     struct pl_chain *c);
/* A COOKIE2 in a request of the gateway's goes back in the answer. */
void mobike_echo_cookie2(const struct ike_msg *m, struct pl_chain *c);
/* Copies sa's list of the gateway's addresses to next (a rekey). */
void mobike_copy_addresses(struct ike_sa *next, const struct ike_sa *sa);
/* Behind a NAT with MOBIKE, a liveness check carries NAT detection
 * (into c); its answer m tells whether the NAT gave us a new mapping,
 * and if so the SA moves to it (an update from the same address). */
void mobike_add_mapping_check(struct ike_sa *sa, struct pl_chain *c);
void mobike_check_mapping(struct ike_sa *sa, const struct ike_msg *m);
/* roam.c: an authenticated packet of the gateway's (what: "its ESP
 * packets", "its IKE messages") came from 'from': a gateway behind a NAT is followed there
 * (RFC 7296 2.23). */
void roam_peer_seen(struct ike_sa *sa, const struct sockaddr_storage *from,
		    const char *what);
/* What an unprotected response asked of us: true when it held the
 * notify, with the task's outcome in *rc (TASK_IGNORE for one we cannot
 * use: malformed, spoofed, or a late duplicate answering a
 * retransmission of an earlier attempt). */
/* COOKIE in an IKE_SA_INIT or IKE_SESSION_RESUME response: resend
 * repeats the request with it (TASK_MORE, or TASK_IGNORE past the
 * limit); again ends the progress message. */
bool ike_take_cookie(struct ike_sa *sa, const struct ike_msg *m,
		     const char *again,
		     enum task_rc (*resend)(struct ike_sa *sa), enum task_rc *rc);
/* REDIRECT in an IKE_SA_INIT or IKE_SESSION_RESUME response. */
bool ike_clear_redirect(struct ike_sa *sa, const struct ike_msg *m,
			enum task_rc *rc);
/* IKE_SESSION_RESUME with sa->ticket (RFC 5723 4.3.2). */
int ike_resume_queue(struct ike_sa *sa, struct verr *e);
/* ---- child_create.c (our CREATE_CHILD_SA: RFC 7296 1.3.1, 1.3.3) ---- */
struct child_create {
	struct child_sa *next;          /* the pair being made (CREATING) */
	struct child_sa *old;           /* the pair it rekeys, or NULL */
	struct chunk ni;
	struct dh *dh;                  /* KEi's, with PFS */
	/* The gateway's rekey of old that crossed ours (RFC 7296 2.8.1):
	 * answered already, its pair (NULL once deleted) and its nonces
	 * wait for our answer to say which pair is redundant. */
	bool collided;
	struct child_sa *crossed;
	struct chunk their_ni, their_nr;
};
/* Sends CREATE_CHILD_SA {[N(REKEY_SA, old's SPI)], SA, Ni, [KEi], TSi,
 * TSr} for a new pair (under old's reqid), which joins the list as
 * CREATING while old is REKEYING; the request is kept in sa->create
 * until the answer. old NULL asks for a new Child SA (1.3.1). */
int child_create_send(struct ike_sa *sa, struct child_sa *old,
		      const struct ts_payload *tsi,
		      const struct ts_payload *tsr, struct verr *e);
/* Checks the SA, Nr and KEr of an answer against sa->create and fills
 * its algorithms into sa->create->next, Nr and g^ir (empty without
 * PFS) into nr and gir. */
int child_create_parse(struct ike_sa *sa, const struct payload_list *pl,
		       struct chunk *nr, struct chunk *gir, struct verr *e);
/* INVALID_KE_PAYLOAD naming a group of ours other than the one sent:
 * true, and the next request offers it. */
bool child_create_ke_hint(struct ike_sa *sa, const struct payload_list *pl);
/* Frees sa->create; with drop_pair, also the pair it reserved (its
 * kernel state and its object). A rekeyed pair still REKEYING is
 * INSTALLED again. */
void child_create_end(struct ike_sa *sa, bool drop_pair);
/* A new Child SA's selectors, as IKE_AUTH offered them; our side is the
 * virtual IP once the gateway gave one. */
void child_create_ts(const struct ike_sa *sa, struct ts_payload *tsi,
		     struct ts_payload *tsr);

/* ---- child_retry.c (a new Child SA after TEMPORARY_FAILURE) ---- */
/* Asks for a new Child SA after the delay (RFC 7296 2.25): the first
 * retry after child-retry-interval seconds, then twice as long each
 * time up to CHILD_RETRY_MAX_S. */
void child_retry_schedule(struct ike_sa *sa);
/* "; retry 2 in 10 s", or "" when none is planned, into out. */
void child_retry_describe(const struct ike_sa *sa, char *out, size_t len);
void child_retry_cleanup(struct ike_sa *sa);

/* ---- child_rekey.c (CREATE_CHILD_SA for the Child SA) ---- */
/* Answers the gateway's CREATE_CHILD_SA into c. */
enum task_rc child_rekey_request(struct ike_sa *sa, const struct ike_msg *m,
				 struct pl_chain *c);
/* Our rekey, when the kernel reports the soft lifetime. */
void child_rekey_start(struct ike_sa *sa);
/* The gateway deletes the pair a rekey replaced: answers into c. */
bool child_rekey_delete(struct ike_sa *sa, const uint8_t spi[4],
			struct pl_chain *c);
void child_rekey_cleanup(struct ike_sa *sa);
/* next replaces cur (NULL: none left) and takes its selectors and
 * policies (one reqid: they serve both pairs); cur is REKEYED until
 * deleted. who ends "Child SA rekeyed" in the progress message. */
void child_take_over(struct ike_sa *sa, struct child_sa *cur,
		     struct child_sa *next, const char *who);
/* We started the rekey that replaced old, or made old redundant: it is
 * ours to delete (RFC 7296 1.3.3, 2.8.1); DELETING until answered. */
void child_delete_old(struct ike_sa *sa, struct child_sa *old);

/* ---- child_collide.c (simultaneous Child SA rekeys, RFC 7296 2.8.1) ---- */
/* The gateway's rekey of cur arrives while ours of cur is out. */
bool child_collide_crossing(const struct ike_sa *sa,
			    const struct child_sa *cur);
/* It was answered and made theirs: keeps its nonces (taken from ni and
 * nr) until our answer comes. */
void child_collide_record(struct ike_sa *sa, struct child_sa *theirs,
			  struct chunk *ni, struct chunk *nr);
/* Our answer made sa->create->next (installed), with the gateway's
 * nonce nr: the nonces say which pair is redundant, and who deletes
 * what. Ends sa->create. */
void child_collide_settle(struct ike_sa *sa, const struct chunk *nr);
/* The gateway deletes ch: true, answered into c, when ch is its pair of
 * a collision not yet settled (it lost, and knew first). */
bool child_collide_deleted(struct ike_sa *sa, struct child_sa *ch,
			   struct pl_chain *c);
/* Liveness checks (empty INFORMATIONAL) every dpd-interval while up. */
void dpd_start(struct ike_sa *sa);
/* A liveness check now, unless one is queued or another request is out
 * (it checks liveness too); what the dpd-interval timer runs. */
void dpd_check(struct ike_sa *sa);
int ike_auth_queue(struct ike_sa *sa, struct verr *e);
/* ---- delete.c ---- */
/* Queues our Delete(IKE) ahead of waiting tasks; the SA is DELETING. */
int ike_delete_start(struct ike_sa *sa);
/* Our Delete(IKE) is queued or on the wire. */
bool ike_deleting(const struct ike_sa *sa);
/* The gateway rekeyed sa away and is to delete it (RFC 7296 2.8):
 * deleted by us if its DELETE does not come in time. */
void ike_delete_await(struct ike_sa *sa);
/* Deletes the Child SA we just refused, so the gateway drops its half. */
void ike_delete_child(struct ike_sa *sa, struct child_sa *ch);
/* The answer to our Delete(ESP, spi): the pair of ours with that
 * inbound SPI is removed from the kernel and the list. */
void ike_child_deleted(struct ike_sa *sa, const uint8_t spi[4]);
/* INFORMATIONAL Delete(ESP, spi): spi is our inbound SPI of the pair. */
int ike_send_child_delete(struct ike_sa *sa, const uint8_t spi[4],
			  void (*answered)(struct ike_sa *sa,
					   const uint8_t spi[4]));
void nat_keepalive_start(struct ike_sa *sa);
void ike_send_auth_failed(struct ike_sa *sa);
/* Delete(IKE) sent once, unanswered: for an SA we leave while the
 * gateway still holds it (failover_on_moved). */
void ike_send_delete_once(struct ike_sa *sa);
/* ---- requests.c: a request from the gateway, answered; what it
 * means for the SA (TASK_DONE, TASK_GONE, TASK_REDIRECT, TASK_REKEYED) */
enum task_rc ike_handle_request(struct ike_sa *sa, const struct ike_msg *m);
/* ---- reauth.c (RFC 7296 2.8.3, RFC 4478) ---- */
/* AUTH_LIFETIME in the IKE_AUTH response. */
void reauth_take_lifetime(struct ike_sa *sa, const struct ike_msg *m);
/* At up: the timer for the earlier of AUTH_LIFETIME (less a margin)
 * and timers.reauth-time; neither: none. */
void reauth_arm(struct ike_sa *sa);
void reauth_cleanup(struct ike_sa *sa);
/* conn.c: a new IKE SA to the same gateway, make-before-break. */
void sa_reauth(struct ike_sa *sa);
/* ---- ike_rekey.c (CREATE_CHILD_SA for the IKE SA, RFC 7296 1.3.2) ---- */
bool ike_rekey_requested(const struct ike_msg *m);
/* Our rekey at timers.ike-rekey-time (minus jitter); 0 leaves it off. */
void ike_rekey_arm(struct ike_sa *sa);
/* Our rekey now (queued behind the request under way). */
void ike_rekey_start(struct ike_sa *sa);
void ike_rekey_cleanup(struct ike_sa *sa);
enum task_rc ike_rekey_answer(struct ike_sa *sa, const struct ike_msg *m,
			      struct pl_chain *c);

/* ---- vendor.c (vpnd's Vendor ID, gating the private extensions) ---- */
void vendor_add(struct pl_chain *c);
/* From the IKE_SA_INIT or IKE_SESSION_RESUME response: sets peer_vpnd. */
void vendor_take(struct ike_sa *sa, const struct payload_list *pl);
/* Whether a private extension may be used with this gateway; when not,
 * logs (debug) that 'what' is skipped or ignored. */
bool vendor_agreed(const struct ike_sa *sa, const char *what);

/* ---- ticket_req.c (RFC 5723 tickets: request, keep, take) ---- */
void ticket_add_request(struct ike_sa *sa, struct pl_chain *c);
void ticket_take_response(struct ike_sa *sa, const struct payload_list *pl);
/* Asks for a fresh ticket (INFORMATIONAL, RFC 5723 4.3.1) in ms. */
void ticket_refresh_after(struct ike_sa *sa, unsigned ms);
/* The profile's stored ticket (none when resumption is off). */
bool ticket_stored(struct engine *eng, const struct profile *p,
		   struct ticket_info *info);
/* Takes the stored ticket of a profile for one resume; NULL (and why in
 * *why) when there is none to use. Free with ticket_release. */
struct resume_ticket *ticket_take_for(struct engine *eng,
				      const struct profile *p, char *why,
				      size_t whylen);
void ticket_release(struct resume_ticket *t);
/* Stores a ticket that no gateway answered again, for a later connect. */
void ticket_put_back(struct engine *eng, const struct profile *p,
		     const struct resume_ticket *t);
/* Deletes the stored ticket of a profile (NACK, redirect, disconnect). */
void ticket_forget(struct engine *eng, const struct profile *p);

/* ---- creds.c ---- */
int creds_load(struct ike_sa *sa, struct verr *e);
/* conn.c: the EAP password (the profile's file, or vpnctl's). */
const struct chunk *conn_password(const struct conn *c);

/* ike_auth.c, for ike_eap.c: our AUTH (with EAP keyed by the MSK), the
 * gateway's IDr checked against the profile, its identity and AUTH. */
int ike_auth_ours(struct ike_sa *sa, struct chunk *auth, uint8_t *method,
		  struct verr *e);
int ike_auth_take_gateway_id(struct ike_sa *sa, const struct ike_payload *p_id,
			     struct verr *e);
int ike_auth_verify_gateway(struct ike_sa *sa, const struct payload_list *pl,
			    struct verr *e);
/* A REDIRECT in an IKE_AUTH response that may be followed (RFC 5685
 * checks passed) into gw; an unusable one is logged and false. */
bool ike_auth_redirect_target(struct ike_sa *sa, const struct ike_msg *m,
			      struct gw_ident *gw);
/* ike_eap.c: EAP in IKE_AUTH (RFC 7296 2.16, RFC 5998). */
int eap_auth_begin(struct ike_sa *sa, struct verr *e);
void eap_auth_add_first(struct ike_sa *sa, struct pl_chain *c);
/* A response while EAP runs (first or middle rounds). */
enum task_rc eap_auth_round(struct ike_sa *sa, const struct ike_msg *m);
/* The key of our (ours) or the gateway's AUTH after EAP. */
const struct chunk *eap_auth_key(const struct ike_sa *sa, bool ours);
void eap_auth_clear(struct ike_sa *sa);
/* "EAP-MSCHAPv2" or "EAP-TLS": the profile's method, as eap.c names it. */
const char *eap_auth_method_name(const struct profile *p);
/* CERTREQ body: SHA-1 hashes of the CA's public key. */
int creds_certreq(const struct profile *p, struct wbuf *out, struct verr *e);
int creds_verify_peer(struct ike_sa *sa, const struct payload_list *pl,
		      const struct auth_payload *auth,
		      const struct chunk *octets, struct verr *e);
/* auth_hint.c: identity hints for IKE_AUTH failures. After the
 * gateway's AUTHENTICATION_FAILED: the IDi we sent and what may be wrong
 * (our certificate's other names, its issuer, the IDr we asked for). */
void hint_auth_failed(const struct ike_sa *sa, char *out, size_t len);
/* The gateway's IDr is not one the profile accepts: both named. */
void hint_peer_id_refused(const struct ike_sa *sa, uint8_t type,
			  const uint8_t *data, size_t len, struct verr *e);
/* The gateway's certificate lacks its IDr: the names it has. */
void hint_cert_lacks_id(const struct ike_sa *sa, X509 *leaf, struct verr *e);

/* ---- config.c (CP) ---- */
/* hint4: the IPv4 address to ask for again (after a resume), or NULL. */
void cfg_build_request(struct pl_chain *c, const struct profile *p,
		       const uint8_t *hint4);
/* out must be zeroed or cleared; what the reply holds is added. */
void cfg_parse_reply(const struct cp_payload *cp, struct cfg_reply *out);
void cfg_reply_clear(struct cfg_reply *cfg);
/* The DNS servers and domains as status lines (the virtual IP is a
 * value of struct conn_status). */
void cfg_describe(const struct cfg_reply *cfg, struct wbuf *out);

/* ---- conn.c: each SA reports to its connection ---- */
/* A connection may hold several SAs at once: the current one, one being
 * set up to replace it (make-before-break after a gateway-initiated
 * redirect), and old ones finishing their DELETE. What a report means
 * depends on which of them sends it. */
void sa_progress(struct ike_sa *sa, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sa_failed(struct ike_sa *sa, enum conn_reason why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The IKE SA is established (IKE_AUTH done): reports whether the
 * tunnel works, and deletes the IKE SA when it does not and the profile
 * says so (esp.on-failure: delete). */
void sa_up(struct ike_sa *sa);
/* The Child SA came, went, or failed to install later on: moves the
 * connection between established and no-tunnel and tells the daemon. */
void sa_tunnel_changed(struct ike_sa *sa);
/* Why the SA's tunnel does not work (into why), or false when it does:
 * the Child SA, its policies, virtual IP, routes and DNS are in place
 * (with kernel installation off: the Child SA is negotiated). */
bool sa_tunnel_problem(const struct ike_sa *sa, char *why, size_t len);
void sa_down(struct ike_sa *sa, enum conn_reason code, const char *why);
/* Whether sa is being set up to replace the connection's current SA
 * (conn's next role: reauthentication, or a move after REDIRECT). Its
 * host side waits for sa_up, which hands it over (hostcfg_take_over). */
bool sa_is_next(const struct ike_sa *sa);
/* The gateway told us to go to 'gw' in 'exchange' (RFC 5685). The SA
 * must already have checked what the exchange requires (nonce, AUTH). */
void sa_redirect(struct ike_sa *sa, const struct gw_ident *gw,
		 uint8_t exchange);
/* An IKE SA to replace sa in a rekey, of the same connection, with a
 * fresh SPI of ours; initiator: we start the rekey. Free it with
 * sa_free_successor unless the rekey hands it over (TASK_REKEYED). */
struct ike_sa *sa_new_successor(struct ike_sa *sa, bool initiator,
				struct verr *e);
void sa_free_successor(struct ike_sa *sa);
/* A successor that lost a rekey collision: deleted on the gateway, then
 * freed, by the connection. */
void sa_retire_successor(struct ike_sa *sa);
/* A successor the gateway made and will delete itself (it lost a
 * collision): kept, to answer that DELETE, then freed. */
void sa_await_delete(struct ike_sa *sa);
/* A rekey replaced the SA by sa->successor: the Child SAs and the
 * connection move there, the old SA is deleted by whoever started the
 * rekey (RFC 7296 2.8). */
void sa_rekeyed(struct ike_sa *sa);
/* The Child SA was rekeyed (either side): counted for status. */
void sa_child_rekeyed(struct ike_sa *sa);
/* Our rekey of the IKE SA failed for good or for now. */
void sa_rekey_failed(struct ike_sa *sa);
/* The gateway answered IKE_SESSION_RESUME: the ticket is used up. */
void sa_ticket_spent(struct ike_sa *sa);
/* Backup gateways of the secure domain (N(VPND_ALT_GW_LIST)): conn keeps
 * them for failover, and the ticket store keeps them with the ticket. */
void sa_learn_backups(struct ike_sa *sa, const struct gw_ident *gws,
		      size_t n);
/* The conn's list, as text, into t->backups. */
void sa_copy_backups(struct ike_sa *sa, struct resume_ticket *t);

/* ---- ike_auth.c, shared with child_retry.c ---- */
/* RFC 7296 2.9: the gateway's selectors must lie inside what we
 * offered. which names them in the message ("TSi"). */
int ts_check(const struct ts_payload *got, const struct ts_payload *offer,
	     const char *which, struct verr *e);

/* ---- helpers ---- */
/* RFC 7296 2.8.1 (Child SAs), 2.8.2 (IKE SAs): of two rekeys of one SA
 * that crossed, the exchange whose nonces hold the lowest of the four
 * made the redundant SA. True when ours (ni, nr) did. */
bool rekey_ours_redundant(const struct chunk *ni, const struct chunk *nr,
			  const struct chunk *their_ni,
			  const struct chunk *their_nr);
/* n bytes as hex into out (2n+1 bytes). */
const char *spi_hex(const uint8_t *spi, size_t n, char *out);
/* "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384" (strongSwan's notation). */
const char *ike_algs_str(const struct ike_algs *a, char *out, size_t len);
const char *esp_algs_str(const struct child_sa *c, char *out, size_t len);
const char *sockaddr_str(const struct sockaddr_storage *ss, char *out,
			 size_t len);
/* The address alone: "192.0.2.1". */
const char *sockaddr_addr_str(const struct sockaddr_storage *ss, char *out,
			      size_t len);
/* The port of an IPv4 or IPv6 address, host order (0 for others). */
uint16_t sockaddr_port(const struct sockaddr_storage *ss);
void sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port);
/* The same IPv4 or IPv6 address; ports do not count. */
bool sockaddr_same_addr(const struct sockaddr_storage *a,
			const struct sockaddr_storage *b);
/* An identity for messages: "gw.example.org", "192.0.2.1", a DN. */
const char *id_to_text(uint8_t type, const uint8_t *data, size_t len,
		       char *out, size_t outlen);
/* The first error notify of a list (type < 16384), or 0. */
uint16_t first_error_notify(const struct payload_list *pl);
/* Data of the first notify of a type; NULL if absent. */
const struct ike_payload *find_notify(const struct payload_list *pl,
				      uint16_t type, struct notify_payload *n);
void ike_sa_free(struct ike_sa *sa);

#endif
