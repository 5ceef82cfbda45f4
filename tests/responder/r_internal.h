/* Shared state of the test responder. One file per exchange: r_init.c
 * (IKE_SA_INIT), r_auth.c (IKE_AUTH), r_info.c (INFORMATIONAL), r_rekey.c
 * (CREATE_CHILD_SA for Child SA rekeying), r_ike_rekey.c (IKE SA
 * rekeying), r_collide.c (rekey collisions), r_reauth.c (AUTH_LIFETIME,
 * reauthentication), r_net.c
 * (socket, demux, message IDs, retransmission cache), r_prop.c (proposal
 * choice) and r_sa.c (the SA table). */
#ifndef VPND_TEST_R_INTERNAL_H
#define VPND_TEST_R_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "responder.h"
#include "vpnd/crypto.h"
#include "vpnd/wire.h"

/* vpnd-testgw serves a whole suite: clients that failed over leave
 * established SAs behind on the gateway they left. */
#define R_MAX_SAS 32
#define R_NONCE_LEN 32
#define R_COOKIE_LEN 32
#define R_USED_MEM 256
#define R_USED_FILE "used-tickets"
#define R_DEFAULT_TICKET_LIFETIME 3600
/* RFC 4478; not in vpnd/ike_const.h (the client's) yet. */
#define R_N_AUTH_LIFETIME 16403

enum r_sa_state {
	RSA_FREE = 0,
	RSA_INIT_DONE,   /* keys exist, waiting for IKE_AUTH */
	RSA_EAP,         /* IKE_AUTH in EAP rounds (r_eap.c) */
	RSA_ESTABLISHED,
	RSA_REKEYED,     /* replaced by a rekey (or the redundant SA of a
			    collision): answers INFORMATIONAL only, until
			    the Delete(IKE) that ends it */
	RSA_DEAD,        /* deleted or failed; kept to answer retransmits */
};

/* A Child SA rekey we started, until its answer. */
struct r_rekey {
	bool active;
	uint32_t mid;                 /* of our CREATE_CHILD_SA */
	uint16_t group;               /* DH transform offered, 0: none */
	struct dh *dh;                /* KEi's, when one was sent */
	struct chunk ni;
	uint8_t new_spi[4];           /* our inbound SPI of the new pair */
	struct ike_proposal offer;
	struct ts_payload tsi, tsr;   /* as sent */
	/* a rekey of the initiator crossed this one (2.8.1): the pair it
	 * made, until ours is answered and the nonces decide */
	bool crossed;
	uint8_t crossed_ours[4], crossed_theirs[4];
	struct ike_proposal crossed_esp;
	uint16_t crossed_group;
	uint8_t crossed_head[16];     /* its first KEYMAT bytes */
	struct chunk crossed_low;     /* the lower nonce of that exchange */
};

/* An IKE SA rekey we started (RFC 7296 1.3.2), until its answer. */
struct r_ike_rekey {
	bool active;
	uint32_t mid;                 /* of our CREATE_CHILD_SA */
	struct dh *dh;                /* KEi's */
	struct chunk ni;
	uint8_t new_spi[8];           /* SPIi of the new IKE SA (ours) */
	struct ike_proposal offer;
	bool retried_ke;              /* once after INVALID_KE_PAYLOAD */
	/* the initiator's rekey of the same SA crossed ours (2.8.2): our
	 * SPI on the SA it made */
	bool crossed;
	uint8_t crossed_spi[8];
};

struct r_sa {
	enum r_sa_state state;
	uint64_t established_seq; /* to find the newest SA */
	uint8_t spi_i[8];
	uint8_t spi_r[8];
	struct sockaddr_storage peer; /* where the last request came from */
	bool natt;                    /* ... and whether it had the marker */

	struct ike_keys keys;
	struct chunk ni, nr;
	struct chunk init_req;        /* RealMessage1, for the initiator's AUTH */
	struct chunk init_resp;       /* RealMessage2, for ours */
	uint8_t esp_spi[4];           /* our inbound ESP SPI */
	uint8_t peer_esp_spi[4];      /* the initiator's inbound ESP SPI */
	struct ike_proposal esp;      /* of the current Child SA (no DH) */
	struct ts_payload tsi, tsr;   /* as answered */
	bool has_child;               /* a Child SA is up */
	bool has_old_child;           /* a rekey replaced it; the old pair
					 is not deleted yet */
	uint8_t old_esp_spi[4];       /* ... its SPIs */
	uint8_t old_peer_esp_spi[4];
	struct r_rekey rk;            /* our rekey in flight */
	/* Child SA pair made by the losing side of a collision, until the
	 * Delete that names it */
	bool has_redundant_child;
	uint8_t redundant_esp_spi[4], redundant_peer_esp_spi[4];

	/* IKE SA rekeying (r_ike_rekey.c). After a rekey the gateway
	 * started, it is the original initiator of the new SA: its SPI is
	 * spi_i and its messages carry the I flag (RFC 7296 2.2, 3.1). */
	bool we_initiator;
	uint16_t ike_dh;              /* DH group the SA was made with, 0:
					 unknown (resumed) */
	struct r_ike_rekey ikr;       /* ours in flight */
	uint64_t ike_rekey_timer;     /* cfg.rekey_ike_after_ms */
	struct responder *owner;      /* for the timer */
	bool redundant;               /* made by the losing rekey of a
					 collision (RSA_REKEYED until its
					 Delete) */
	bool reauthed;                /* a newer SA of the same IDi came
					 up while this one was (r_reauth.c) */

	/* requests from the initiator */
	uint32_t peer_next_mid;
	struct wbuf last_resp;
	uint32_t last_resp_mid;
	bool have_last_resp;

	/* our own requests (gateway-initiated INFORMATIONAL) */
	uint32_t next_mid;
	bool req_pending;
	uint32_t req_mid;
	bool req_is_delete;
	bool req_is_delete_old;       /* Delete(ESP) of the replaced pair */
	bool req_is_delete_redundant; /* Delete(ESP) of our losing pair */
	struct wbuf last_req;         /* for responder_retransmit() */

	bool auth_redirected;         /* IKE_AUTH answered with REDIRECT */
	struct r_eap *eap;            /* EAP conversation, RSA_EAP */

	/* what a ticket for this SA carries */
	struct responder_ident idi;   /* the initiator's, once known */
	bool has_vip4;                /* the virtual IP given (resumed: the
					 ticket's, to be given again) */
	uint8_t vip4[4];
	uint8_t gsc;                  /* 0, or what it was resumed with */
	bool resumed;                 /* made by IKE_SESSION_RESUME */
	bool peer_vpnd;               /* both showed vpnd's Vendor ID */
};

struct responder {
	struct loop *loop;
	struct responder_cfg cfg;
	struct chunk psk;
	struct chunk eap_password;
	bool mute;
	int fd;
	struct sockaddr_storage local;
	uint8_t cookie_secret[32];
	uint64_t seq;
	struct r_sa sas[R_MAX_SAS];
	struct responder_stats st;
	/* the real IKE_SA_INIT response held back after a bad REDIRECT */
	uint64_t defer_timer;
	struct r_sa *defer_sa;
	/* used ticket ids without a domain directory (a ring) */
	uint8_t used_mem[R_USED_MEM][RESP_TICKET_ID_LEN];
	size_t n_used_mem;
	/* client certificates are checked against this CA */
	X509 *client_ca;
};

enum r_request_kind {
	RREQ_EMPTY,        /* liveness check */
	RREQ_DELETE_IKE,
	RREQ_DELETE_CHILD,
	RREQ_CREATE_CHILD, /* a new Child SA: the engine declines these */
	RREQ_UNKNOWN_CRITICAL, /* INFORMATIONAL with a critical unknown payload */
	RREQ_DELETE_WITH_SA,   /* Delete(IKE) and an SA payload, which an
				  INFORMATIONAL may not carry */
};

/* A payload type no registry assigns (private use range). */
#define R_UNKNOWN_PAYLOAD 200

/* A parsed request or response with its outer framing. */
struct r_msg {
	const uint8_t *raw;
	size_t len;
	struct ike_hdr hdr;
	struct payload_list pl;   /* outer chain, or inner after decryption */
	struct sockaddr_storage from;
	bool natt;
	/* the decrypted inner chain pl was parsed from */
	const uint8_t *inner;
	size_t inner_len;
	uint8_t inner_first;
};

/* ---- r_net.c ---- */
int r_net_open(struct responder *r, struct verr *e);
void r_net_close(struct responder *r);
void r_send(struct responder *r, const struct sockaddr_storage *to, bool natt,
	    const uint8_t *msg, size_t len);
/* Protects an inner chain as the response to m, caches and sends it. */
int r_respond(struct responder *r, struct r_sa *sa, const struct r_msg *m,
	      struct wbuf *inner, uint8_t first);
/* A response holding only one notify (no data). */
void r_respond_notify(struct responder *r, struct r_sa *sa,
		      const struct r_msg *m, uint16_t type);
/* Protects an inner chain as our own request on sa and sends it. */
int r_request(struct responder *r, struct r_sa *sa, uint8_t exchange,
	      struct wbuf *inner, uint8_t first);
/* Whether this response is the one lose_first_response swallows. */
bool r_lose_response(struct responder *r, uint8_t exchange);
void r_header(const struct r_sa *sa, struct ike_hdr *h, uint8_t exchange,
	      uint32_t mid, bool response);

/* ---- r_sa.c ---- */
struct r_sa *r_sa_new(struct responder *r);
/* The same, never giving up keep's slot (the SA being rekeyed). */
struct r_sa *r_sa_new_keep(struct responder *r, const struct r_sa *keep);
/* SAs we are the original responder of, by the initiator's SPI (and
 * ours unless spi_r is NULL): IKE_SA_INIT and resume retransmits. */
struct r_sa *r_sa_find(struct responder *r, const uint8_t spi_i[8],
		       const uint8_t *spi_r);
/* Our SPI on sa: spi_r, or spi_i after a rekey we started. */
const uint8_t *r_sa_our_spi(const struct r_sa *sa);
struct r_sa *r_sa_by_our_spi(struct responder *r, const uint8_t spi[8]);
/* The SA a protected message is for: found by our SPI, its I flag and
 * the peer's SPI matching our role there; NULL otherwise. */
struct r_sa *r_sa_route(struct responder *r, const struct ike_hdr *h);
/* A fresh non-zero SPI no SA of ours uses. */
void r_sa_new_spi(struct responder *r, uint8_t spi[8]);
void r_sa_clear(struct r_sa *sa);
struct r_sa *r_sa_newest(struct responder *r);

/* ---- r_prop.c ---- */
/* The first offered proposal of protocol proto that we support entirely,
 * reduced to one transform per type (the first supported one). For IKE,
 * prefer_dh is taken when that proposal offers it. 0 or -1. */
int r_choose_proposal(const struct sa_payload *offer, uint8_t proto,
		      uint16_t prefer_dh, struct ike_proposal *out);
/* The same for the ESP proposal of a CREATE_CHILD_SA, where a DH group
 * (PFS) is chosen too when the proposal has one: prefer_dh if offered. */
int r_choose_child_proposal(const struct sa_payload *offer,
			    uint16_t prefer_dh, struct ike_proposal *out);
/* The initiator's proposal of that number and protocol (its SPI). */
const struct ike_proposal *r_proposal_numbered(const struct sa_payload *offer,
					       uint8_t num, uint8_t proto);
/* RFC 7296 3.3.6 for the answer to a proposal of ours: one proposal,
 * ours by number and protocol, one transform of each type we offered
 * and nothing we did not, an SPI of our SPI's size. Why not, or NULL. */
const char *r_check_choice(const struct ike_proposal *got,
			   const struct ike_proposal *offer);
/* A key length the initiator did not offer with this algorithm. */
void r_tamper_proposal(struct ike_proposal *p);
uint16_t r_transform(const struct ike_proposal *p, uint8_t type,
		     uint16_t *keylen);

/* ---- r_init.c ---- */
/* A stateless answer to m: one notify, responder SPI zero, m's exchange
 * and Message ID. False when nothing could be sent. */
bool r_answer_notify(struct responder *r, const struct r_msg *m,
		     uint16_t type, const uint8_t *data, size_t len);

/* ---- per exchange ---- */
/* RFC 7296 2.6 for IKE_SA_INIT and IKE_SESSION_RESUME: true when the
 * request may go on; otherwise N(COOKIE) was answered. */
bool r_cookie_ok(struct responder *r, const struct r_msg *m,
		 const struct ike_payload *nonce);
void r_init_request(struct responder *r, const struct r_msg *m);
void r_auth_request(struct responder *r, struct r_sa *sa,
		    const struct r_msg *m);
/* IDr and the gateway's PSK AUTH into an IKE_AUTH response. */
int r_auth_add_ours(struct responder *r, struct r_sa *sa, struct pl_chain *c);
/* The gateway's AUTH keyed with key (the PSK, or after EAP the MSK). */
int r_auth_ours(struct responder *r, struct r_sa *sa, const struct chunk *key,
		struct chunk *auth);
/* The rest of an IKE_AUTH response once both sides are authenticated
 * and the gateway's AUTH is in c: a REDIRECT (when redirect and
 * configured) or the CP reply, the first Child SA, the ticket and
 * AUTH_LIFETIME; sent, the SA is up. req holds what the initiator asked
 * for (after EAP its first request's payloads) and the header answered.
 * method names the initiator's AUTH in the event line. */
void r_auth_finish(struct responder *r, struct r_sa *sa,
		   const struct r_msg *req, struct wbuf *inner,
		   struct pl_chain *c, bool redirect, const char *method);
/* N(AUTHENTICATION_FAILED) as the answer; the SA is dead. */
void r_auth_refuse(struct responder *r, struct r_sa *sa,
		   const struct r_msg *m);
/* The event line and counters of an IKE_AUTH that ended. */
void r_auth_note(struct responder *r, const struct r_sa *sa,
		 const char *method, bool ok);
/* IDi into the stats and what a ticket of sa names. */
void r_auth_take_idi(struct responder *r, struct r_sa *sa,
		     const struct id_payload *id);
/* A Child SA came up with proposal p: the stats say so. */
void r_record_child(struct responder *r, const struct ike_proposal *p);
void r_info_request(struct responder *r, struct r_sa *sa,
		    const struct r_msg *m);
void r_info_response(struct responder *r, struct r_sa *sa,
		     const struct r_msg *m);

/* ---- r_rekey.c (Child SA rekeying, RFC 7296 1.3.3, 2.8) ---- */
/* A CREATE_CHILD_SA request of the initiator: its Child SA rekey is
 * answered, anything else gets NO_ADDITIONAL_SAS. */
void r_rekey_request(struct responder *r, struct r_sa *sa,
		     const struct r_msg *m);
/* The answer to our rekey, when m is it. */
void r_rekey_response(struct responder *r, struct r_sa *sa,
		      const struct r_msg *m);
/* A Delete(ESP) request naming spi: true when it is the replaced pair,
 * whose SPI (ours) is then put in the answer. */
bool r_rekey_delete_old(struct responder *r, struct r_sa *sa,
			const uint8_t spi[4], struct pl_chain *c);
/* Our delete of the replaced pair was answered. */
void r_rekey_old_deleted(struct responder *r, struct r_sa *sa);
/* ... of our redundant pair (a collision we lost). */
void r_rekey_redundant_deleted(struct responder *r, struct r_sa *sa);
/* Forgets a rekey in flight (its DH and nonce). */
void r_rekey_clear(struct r_rekey *rk);
/* Starts ours on sa (responder_send_rekey_child_opts on a given SA). */
int r_rekey_start(struct responder *r, struct r_sa *sa,
		  const struct responder_rekey_opts *o);
/* Our delete of the replaced pair, on sa. */
int r_rekey_delete_old_send(struct responder *r, struct r_sa *sa);

/* ---- r_ike_keys.c (RFC 7296 2.18) ---- */
/* SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr) with the old SA's
 * PRF. */
int r_ike_rekey_skeyseed(uint16_t old_prf, const struct chunk *sk_d_old,
			 const struct chunk *gir, const struct chunk *ni,
			 const struct chunk *nr, struct chunk *skeyseed);
/* The new SA's keys: that SKEYSEED into prf+ (the new SA's PRF, in
 * k->prf with k->encr, encr_keylen, integ) over Ni | Nr | SPIi | SPIr,
 * the SPIs of the new SA. */
int r_ike_rekey_keys(uint16_t old_prf, const struct chunk *sk_d_old,
		     const struct chunk *gir, const struct chunk *ni,
		     const struct chunk *nr, const uint8_t spi_i[8],
		     const uint8_t spi_r[8], struct ike_keys *k);

/* ---- r_ike_rekey.c (IKE SA rekeying, RFC 7296 1.3.2, 2.8, 2.18) ---- */
/* A CREATE_CHILD_SA that rekeys the IKE SA: SA of protocol IKE, no
 * REKEY_SA, no TS. */
bool r_ike_rekey_is(const struct r_msg *m);
void r_ike_rekey_request(struct responder *r, struct r_sa *sa,
			 const struct r_msg *m);
/* The answer to ours, when m is it. */
void r_ike_rekey_response(struct responder *r, struct r_sa *sa,
			  const struct r_msg *m);
int r_ike_rekey_start(struct responder *r, struct r_sa *sa);
void r_ike_rekey_clear(struct r_ike_rekey *k);
/* cfg.rekey_ike_after_ms from now on sa; disarm cancels it. */
void r_ike_rekey_arm(struct responder *r, struct r_sa *sa);
void r_ike_rekey_disarm(struct r_sa *sa);
/* nsa, made by a rekey of old, takes over: Child SAs move to it, old
 * waits for its Delete. by: "gateway" or "initiator". */
void r_ike_rekey_adopt(struct responder *r, struct r_sa *old,
		       struct r_sa *nsa, bool by_gateway);
/* Delete(IKE) on sa is done (ours answered, or the initiator's): the
 * stats and events of a replaced or redundant SA. */
void r_ike_rekey_gone(struct responder *r, struct r_sa *sa, bool by_gateway);
/* Delete(IKE) on sa, as our request. */
int r_info_send_delete_ike(struct responder *r, struct r_sa *sa);
/* "%016llx" of an SPI, for event lines. */
unsigned long long r_spi64(const uint8_t spi[8]);

/* ---- r_collide.c (simultaneous rekeys, RFC 7296 2.8.1, 2.8.2) ---- */
/* A nonce for a rekey exchange: random, with a prefix that decides
 * collisions when cfg.collision_loser asks (in_request: the Ni of our
 * own request, else the Nr of our answer). */
bool r_collide_nonce(const struct responder *r, bool in_request,
		     struct chunk *out);
/* The lower of an exchange's two nonces (memcmp order, a prefix lower). */
const struct chunk *r_lower_nonce(const struct chunk *a,
				  const struct chunk *b);
/* Whether the exchange with lower nonce ours_low made the redundant SA:
 * the lowest of the four nonces is in it. */
bool r_collide_lost(const struct chunk *ours_low,
		    const struct chunk *theirs_low);
/* Our IKE rekey of old was answered with ours while the initiator's
 * crossed it: the nonces decide which new SA stays. */
void r_collide_ike(struct responder *r, struct r_sa *old, struct r_sa *ours);

/* ---- r_reauth.c (RFC 4478 AUTH_LIFETIME, reauthentication) ---- */
/* N(AUTH_LIFETIME) into an IKE_AUTH response when configured. */
void r_reauth_lifetime(struct responder *r, struct pl_chain *c);
/* sa completed a full IKE_AUTH: is it the reauthentication of an older
 * SA of the same IDi? */
void r_reauth_note(struct responder *r, struct r_sa *sa,
		   const struct r_msg *m);
/* A reauthentication's CP asking for the older SA's virtual IP: that
 * address, to give again. */
bool r_reauth_vip(struct responder *r, const struct r_sa *sa,
		  const struct r_msg *m, uint8_t out[4]);
/* Delete(IKE) on sa: the end of a reauthenticated SA, maybe. */
void r_reauth_gone(struct responder *r, struct r_sa *sa);

/* ---- r_redirect.c (RFC 5685) ---- */
/* Counter shared by all responders: orders events across gateways. */
uint64_t r_event_seq(void);
/* Records REDIRECT_SUPPORTED / REDIRECTED_FROM of an IKE_SA_INIT. */
void r_redirect_note_init(struct responder *r, const struct r_msg *m);
/* Sends the configured REDIRECT for an IKE_SA_INIT request; true when
 * that is the whole answer. */
bool r_redirect_init(struct responder *r, const struct r_msg *m,
		     const struct ike_payload *nonce);
/* Whether the real response is held back (sent by r_redirect_defer). */
bool r_redirect_defers(const struct responder *r);
void r_redirect_defer(struct responder *r, struct r_sa *sa);
void r_redirect_cancel(struct responder *r);
/* Adds N(REDIRECT) to an IKE_AUTH response when configured. */
bool r_redirect_auth(struct responder *r, struct r_sa *sa,
		     struct pl_chain *c);
void r_redirect_note_established(struct responder *r, struct r_sa *sa);
void r_redirect_note_ike_delete(struct responder *r, struct r_sa *sa);

/* ---- r_ticket.c (RFC 5723 tickets, draft alternate gateways) ---- */
/* Adds the ticket answer and N(VPND_ALT_GW_LIST) to an IKE_AUTH
 * response, as the request asks. */
void r_ticket_answer(struct responder *r, struct r_sa *sa,
		     const struct r_msg *m, struct pl_chain *c);
/* Plaintext of format 1 sealed / opened with the domain key: the layer
 * under responder_ticket_seal, exposed for the parser's tests. */
int r_ticket_seal_bytes(const uint8_t key[RESP_DOMAIN_KEY_LEN],
			const uint8_t *plain, size_t len, struct wbuf *out);
int r_ticket_encode(const struct responder_ticket *t, struct wbuf *out);
int r_ticket_decode(const uint8_t *b, size_t len, struct responder_ticket *t,
		    struct verr *e);

/* ---- vpnd's Vendor ID (r_init.c) ---- */
/* Ours into a response, unless configured off. */
void r_add_vendor_id(const struct responder *r, struct pl_chain *c);
/* Whether the request showed vpnd's Vendor ID and we show ours, i.e.
 * both sides may use the private notifies; notes what it saw. */
bool r_vendor_agreed(struct responder *r, const struct r_msg *m);

/* ---- r_used.c (used ticket ids of the domain) ---- */
/* One check-and-mark under the domain's lock. */
struct r_used_txn {
	int fd; /* -1: this instance's memory */
};
int r_used_begin(struct responder *r, struct r_used_txn *t, struct verr *e);
/* 1 when the id was accepted before, 0 when not, -1 on error. */
int r_used_contains(struct responder *r, const struct r_used_txn *t,
		    const uint8_t id[RESP_TICKET_ID_LEN], struct verr *e);
int r_used_mark(struct responder *r, const struct r_used_txn *t,
		const uint8_t id[RESP_TICKET_ID_LEN], uint64_t expires,
		struct verr *e);
void r_used_end(struct r_used_txn *t);

/* ---- r_resume.c (IKE_SESSION_RESUME, RFC 5723 4.3) ---- */
void r_resume_request(struct responder *r, const struct r_msg *m);

/* ---- r_resume_auth.c (AUTH after a resume, RFC 5723 5.1) ---- */
/* The MAC of one side in a form: sk_p, resume_msg and peer_nonce are the
 * sender's key, its IKE_SESSION_RESUME message and the other side's
 * nonce; id_body is its RestOfIDPayload. out holds EVP_MAX_MD_SIZE. */
int r_resume_auth(enum resume_auth_form form, uint16_t prf,
		  const struct chunk *sk_p, const struct chunk *resume_msg,
		  const struct chunk *peer_nonce, const uint8_t *id_body,
		  size_t id_len, uint8_t *out, size_t *out_len);
/* The initiator's AUTH, in the form the gateway is configured for. */
bool r_resume_auth_ok(const struct responder *r, const struct r_sa *sa,
		      const uint8_t *id_body, size_t id_len,
		      const struct auth_payload *auth);
/* Ours, into auth. */
int r_resume_auth_ours(const struct responder *r, const struct r_sa *sa,
		       const uint8_t *id_body, size_t id_len,
		       struct chunk *auth);

/* ---- r_eap.c (EAP in IKE_AUTH, RFC 7296 2.16, RFC 5998) ---- */
/* Whether this first IKE_AUTH request starts EAP (no AUTH, cfg.eap). */
bool r_eap_wanted(const struct responder *r, const struct r_sa *sa,
		  const struct r_msg *m);
void r_eap_start(struct responder *r, struct r_sa *sa, const struct r_msg *m);
/* An IKE_AUTH request of an SA in RSA_EAP. */
void r_eap_request(struct responder *r, struct r_sa *sa,
		   const struct r_msg *m);
void r_eap_clear(struct r_sa *sa);

/* ---- r_cert.c (initiators authenticated by certificate) ---- */
int r_cert_open(struct responder *r, struct verr *e);
void r_cert_close(struct responder *r);
bool r_auth_is_sig(uint8_t method);
/* Checks the first CERT against the client CA and AUTH against it. */
bool r_cert_auth_ok(struct responder *r, const struct r_msg *m,
		    const struct auth_payload *auth, const struct id_payload *id,
		    const struct chunk *octets);

/* ---- events (responder.c) ---- */
void r_event(struct responder *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Numeric address for event lines. */
const char *r_addr_str(const struct sockaddr_storage *ss, char *out,
		       size_t len);

/* ---- r_redirect.c, shared with r_resume.c ---- */
/* N(REDIRECT, to, Ni) as the whole stateless answer to m. */
void r_redirect_stateless(struct responder *r, const struct r_msg *m,
			  const struct gw_ident *to,
			  const struct ike_payload *nonce);

/* ---- helpers ---- */
const uint8_t *r_sockaddr_ip(const struct sockaddr_storage *ss, size_t *len,
			     uint16_t *port);
const struct ike_payload *r_find_notify(const struct payload_list *pl,
					uint16_t type,
					struct notify_payload *n);

#endif
