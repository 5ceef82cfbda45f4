/* Shared state of the test responder. One file per exchange: r_init.c
 * (IKE_SA_INIT), r_auth.c (IKE_AUTH), r_info.c (INFORMATIONAL), r_rekey.c
 * (CREATE_CHILD_SA for Child SA rekeying), r_net.c
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

enum r_sa_state {
	RSA_FREE = 0,
	RSA_INIT_DONE,   /* keys exist, waiting for IKE_AUTH */
	RSA_ESTABLISHED,
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
	struct wbuf last_req;         /* for responder_retransmit() */

	bool auth_redirected;         /* IKE_AUTH answered with REDIRECT */

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
};

/* ---- r_net.c ---- */
int r_net_open(struct responder *r, struct verr *e);
void r_net_close(struct responder *r);
void r_send(struct responder *r, const struct sockaddr_storage *to, bool natt,
	    const uint8_t *msg, size_t len);
/* Protects an inner chain as the response to m, caches and sends it. */
int r_respond(struct responder *r, struct r_sa *sa, const struct r_msg *m,
	      struct wbuf *inner, uint8_t first);
/* Protects an inner chain as our own request on sa and sends it. */
int r_request(struct responder *r, struct r_sa *sa, uint8_t exchange,
	      struct wbuf *inner, uint8_t first);
/* Whether this response is the one lose_first_response swallows. */
bool r_lose_response(struct responder *r, uint8_t exchange);
void r_header(const struct r_sa *sa, struct ike_hdr *h, uint8_t exchange,
	      uint32_t mid, bool response);

/* ---- r_sa.c ---- */
struct r_sa *r_sa_new(struct responder *r);
struct r_sa *r_sa_find(struct responder *r, const uint8_t spi_i[8],
		       const uint8_t *spi_r);
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
/* Forgets a rekey in flight (its DH and nonce). */
void r_rekey_clear(struct r_rekey *rk);

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
