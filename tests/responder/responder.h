/* A scripted IKEv2 responder for tests: enough of a gateway to bring the
 * engine's IKE SA up over 127.0.0.1 (IKE_SA_INIT, IKE_AUTH with PSK,
 * INFORMATIONAL), with knobs that make it misbehave in the ways real
 * gateways do. Built only on the project's codec and crypto; it runs on
 * the same struct loop as the client. */
#ifndef VPND_TEST_RESPONDER_H
#define VPND_TEST_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/buf.h"
#include "vpnd/ike_const.h"
#include "vpnd/loop.h"
#include "vpnd/wire.h"

#define RESP_MAX_DNS 2
#define RESP_MAX_BACKUPS 8
#define RESP_DOMAIN_KEY_LEN 32
#define RESP_TICKET_ID_LEN 16
#define RESP_TICKET_SKD_MAX 64
#define RESP_TICKET_IDENT_MAX 512
#define RESP_TICKET_MAX 2048 /* sealed bytes; the client keeps up to 2048 */
#define RESP_GSC_MAX 15

/* How an IKE_SA_INIT redirect (redirect_init_to) is answered. */
enum r_redirect_init_mode {
	RREDIR_VALID = 0,       /* N(REDIRECT, target, Ni) only, SPIr 0 */
	RREDIR_WRONG_NONCE,     /* nonce data that is not Ni (a spoofer), then
				   the real response a little later */
	RREDIR_BAD_IDENT_LEN,   /* an IPv4 ident of length 5, then the real
				   response a little later */
};

struct responder_cfg {
	uint16_t port;              /* UDP port on bind_addr */
	const char *bind_addr;      /* numeric IPv4/IPv6; NULL: 127.0.0.1 */
	const char *psk;            /* shared secret (NUL-terminated) */
	uint8_t id_type;            /* IDr type, e.g. ID_FQDN */
	uint8_t id[256];
	size_t id_len;

	/* CP reply: only what the initiator asked for is given */
	bool has_vip4;
	uint8_t vip4[4];
	size_t n_dns4;
	uint8_t dns4[RESP_MAX_DNS][4];

	/* Narrowed selectors for the Child SA; n == 0 echoes what the
	 * initiator proposed (TSi: the virtual IP when one is assigned). */
	struct ts_payload tsi;
	struct ts_payload tsr;

	/* scenario knobs */
	bool require_cookie;        /* first IKE_SA_INIT gets N(COOKIE) only */
	bool cookie_always;         /* ... and so does every later one, each
				       time with a new cookie secret */
	uint16_t want_group;        /* INVALID_KE_PAYLOAD unless KE uses it */
	bool no_proposal;           /* IKE_SA_INIT -> N(NO_PROPOSAL_CHOSEN) */
	bool refuse_child;          /* IKE_AUTH -> N(NO_PROPOSAL_CHOSEN), no SA/TS */
	uint16_t auth_child_error;  /* ... with this notify instead (e.g.
				       TEMPORARY_FAILURE, as libreswan when
				       its kernel refused the Child SA) */
	unsigned drop_first_n;      /* ignore the first n datagrams */
	bool send_garbage_first;    /* malformed IKE_SA_INIT responses first */
	uint16_t forged_error_first; /* an IKE_SA_INIT response with only
				       this error notify before the real one,
				       as an on-path attacker would send */
	uint8_t lose_first_response; /* of this exchange: not sent once */
	bool fake_nat;              /* NAT_DETECTION_DESTINATION_IP that cannot
				       match: the initiator believes it is
				       behind a NAT */
	bool tamper_proposal;       /* answer with a key length not offered */
	bool tamper_child;          /* ... in the Child SA's proposal */
	bool cookie_stuck;          /* demand a cookie always, the same one */
	uint8_t ignore_exchange;    /* never answer requests of this exchange */

	/* Child SA rekeys the initiator starts (r_rekey.c): refuse_rekey
	 * answers each with that notify instead; rekey_want_group is the DH
	 * group chosen when the initiator's proposal offers it, and a KEi
	 * of another group gets INVALID_KE_PAYLOAD. */
	uint16_t refuse_rekey;
	uint16_t rekey_want_group;

	/* IKE SA rekeying (RFC 7296 1.3.2, 2.18; r_ike_rekey.c). The
	 * initiator's is answered unless refuse_ike_rekey names the notify
	 * to refuse it with (NO_ADDITIONAL_SAS: the minimal gateway of
	 * before). ike_rekey_want_group: the DH group chosen when offered
	 * (a KEi of another gets INVALID_KE_PAYLOAD) and offered in ours;
	 * 0: the initiator's KEi group / the SA's own. rekey_ike_after_ms:
	 * the gateway rekeys each IKE SA that long after it came up or was
	 * last rekeyed (strongSwan's rekey_time), 0: only when asked
	 * (responder_rekey_ike). */
	uint16_t refuse_ike_rekey;
	uint16_t ike_rekey_want_group;
	unsigned rekey_ike_after_ms;
	/* After our own IKE SA rekey, never delete the old SA (a gateway
	 * whose DELETE got lost for good): the initiator must. */
	bool ike_rekey_keep_old;

	/* Collisions (RFC 7296 2.8.1, 2.8.2, r_collide.c): start our own
	 * rekey of the same SA the moment the initiator's arrives, so that
	 * both cross. collision_loser fixes whose new SA the nonces make
	 * redundant: the gateway's (our Ni starts with eight 0x00 bytes,
	 * our Nr with eight 0xff) or the initiator's (the reverse); every
	 * rekey nonce of ours gets that prefix. RANDOM: plain nonces. */
	bool collide_ike_rekey;
	bool collide_child_rekey;
	enum { R_LOSER_RANDOM = 0, R_LOSER_GATEWAY, R_LOSER_INITIATOR }
		collision_loser;

	/* RFC 4478 (r_reauth.c): N(AUTH_LIFETIME, s) in IKE_AUTH responses,
	 * 0: none. expect_reauth: a full IKE_AUTH with an IDi that an SA
	 * still up has is counted as its reauthentication (stats reauth*),
	 * and a CP asking for that SA's virtual IP gets it. */
	uint32_t auth_lifetime;
	bool expect_reauth;

	/* CREATE_CHILD_SA for a new Child SA (RFC 7296 1.3.1, no REKEY_SA):
	 * refused with NO_ADDITIONAL_SAS unless accept_new_child; then the
	 * first new_child_error_n of them (0: all) get new_child_error
	 * when it is set, and the others make the SA's Child SA. */
	bool accept_new_child;
	uint16_t new_child_error;
	unsigned new_child_error_n;

	/* RFC 5685 redirects (r_redirect.c); an ident of len 0 is off.
	 * Sent even when the initiator did not offer REDIRECT_SUPPORTED
	 * (5685 3 forbids that) so tests can see a client refuse it. */
	struct gw_ident redirect_init_to;  /* answer IKE_SA_INIT with REDIRECT */
	enum r_redirect_init_mode redirect_init_mode;
	unsigned redirect_init_delay_ms;   /* before the real response
					      (modes other than VALID);
					      0: 30 ms */
	struct gw_ident redirect_auth_to;  /* after verifying the initiator:
					      IDr, AUTH, N(REDIRECT) */
	bool redirect_auth_with_child;     /* ... plus CP, SA, TSi, TSr */

	/* RFC 5723: what to answer a TICKET_REQUEST in IKE_AUTH with. */
	enum { R_TICKET_NONE, R_TICKET_ISSUE, R_TICKET_NACK, R_TICKET_ACK }
		ticket_mode;
	uint32_t ticket_lifetime;          /* 0: 3600 s */

	/* Resumption gateway. With a domain key, R_TICKET_ISSUE gives real
	 * sealed tickets and IKE_SESSION_RESUME requests are served;
	 * without one, ISSUE gives random bytes (the client's storing can
	 * still be tested) and every resume is refused as "tampered". */
	bool has_domain_key;
	uint8_t domain_key[RESP_DOMAIN_KEY_LEN];
	const char *domain_dir;     /* holds "used-tickets"; NULL: used ids
				       are known to this instance only */
	enum { R_RESUME_RFC5723 = 0, R_RESUME_DRAFT_GSC } resume_mode;
	uint8_t gsc_floor;          /* draft-gsc: a GSC already seen; a
				       resume needs a greater one */
	bool nack_resume;           /* refuse every valid resume ("nack") */
	enum resume_auth_form resume_auth; /* of the AUTHs after a resume */
	bool resume_auth_any;       /* ... accept the initiator's in either
				       form (ours stays resume_auth) */
	struct gw_ident redirect_resume_to; /* answer resumes with REDIRECT */
	size_t n_backups;           /* VPND_ALT_GW_LIST, when asked (L) */
	bool no_vendor_id;          /* do not show vpnd's Vendor ID: the
				       private notifies are then neither
				       believed nor sent */
	bool private_anyway;        /* send VPND_ALT_GW_LIST even so, to see
				       an initiator ignore it */
	struct gw_ident backups[RESP_MAX_BACKUPS];
	/* Client certificates: a PEM CA certificate that signs them; NULL
	 * refuses signature AUTH methods. We always authenticate by PSK. */
	const char *client_ca;

	/* EAP in IKE_AUTH (RFC 7296 2.16, r_eap.c): an IKE_AUTH request
	 * without AUTH is answered IDr, AUTH (PSK) and EAP, and
	 * EAP-MSCHAPv2 is run as the authenticator with eap_password
	 * (copied); the final AUTHs are keyed with the MSK. eap_identity:
	 * the EAP identity the peer must give, NULL: any (must outlive the
	 * responder). eap_only: no AUTH in the first response when the
	 * initiator sent N(EAP_ONLY_AUTHENTICATION) (RFC 5998). Knobs:
	 * eap_skip_identity starts with the Challenge; eap_nak_first_type
	 * proposes that type first and wants a legacy Nak naming 26;
	 * eap_notification sends one Notification request; with
	 * redirect_auth_to, eap_redirect_round is the IKE_AUTH response
	 * (from 1) carrying the REDIRECT, 0: the last one. */
	bool eap;
	const char *eap_password;
	const char *eap_identity;
	bool eap_only;
	bool eap_skip_identity;
	uint8_t eap_nak_first_type;
	bool eap_notification;
	unsigned eap_redirect_round;

	/* One line per event ("event=resume_ok gsc=1 mid=0x10000000 ..."),
	 * see tests/testgw/README.md; NULL: none. */
	void (*on_event)(void *ctx, const char *line);
	void *event_ctx;
};

/* What the responder saw, for assertions. */
struct responder_stats {
	unsigned datagrams;         /* everything received */
	unsigned dropped;           /* ignored by drop_first_n, mute or
				       ignore_exchange */
	unsigned malformed;         /* failed header/chain/SK checks */
	unsigned unrouted;          /* protected messages for no SA of ours,
				       or with an I flag that does not fit
				       our role on it */
	unsigned natt_datagrams;    /* carried the non-ESP marker */
	unsigned keepalives;        /* NAT-T keepalives (one 0xff byte) */
	unsigned requests[5];       /* per exchange, index exchange - 34 */
	unsigned retransmits;       /* requests answered from the cache */
	unsigned lost_responses;    /* by lose_first_response */
	unsigned responses;         /* responses to our own requests */
	size_t resp_payloads;       /* ... in the last one: payload count, */
	uint16_t resp_notify;       /* first notify type (0: none), */
	unsigned resp_deletes;      /* Delete payloads, */
	uint8_t resp_delete_spi[4]; /* SPI of the last ESP delete */
	unsigned cookies_sent;
	unsigned cookies_ok;        /* IKE_SA_INITs that carried a valid cookie */
	bool cookie_was_first;      /* ... as their first payload */
	unsigned invalid_ke_sent;
	unsigned garbage_sent;
	bool redirect_supported;    /* in the last IKE_SA_INIT */
	bool ticket_requested;      /* N(TICKET_REQUEST) in the last IKE_AUTH */
	unsigned info_ticket_requests; /* ... in INFORMATIONAL requests */
	unsigned tickets_issued;
	uint8_t last_ticket[64];    /* the opaque bytes of the last one
				       (its first 64 bytes when sealed) */
	uint8_t last_ticket_full[RESP_TICKET_MAX]; /* ... all of them */
	size_t last_ticket_len;
	uint8_t last_ticket_gsc;    /* GSC sealed into the last one */
	bool resumption_supported;  /* N(VPND_RESUMPTION_SUPPORTED) in the
				       last IKE_AUTH, */
	uint8_t resumption_flags;   /* ... with these flags */
	unsigned alt_lists_sent;    /* N(VPND_ALT_GW_LIST) answers */
	bool vendor_id_seen;        /* vpnd's Vendor ID in the last
				       IKE_SA_INIT or resume request */
	/* IKE_SESSION_RESUME */
	unsigned init_sas;          /* IKE SAs made by full IKE_SA_INITs */
	unsigned resume_requests;   /* requests seen (not retransmits) */
	unsigned resumes_ok;
	unsigned resumes_refused;   /* answered TICKET_NACK */
	char resume_refusal[16];    /* reason of the last NACK: tampered,
				       expired, replayed, gsc, nack, store,
				       malformed */
	unsigned resume_redirects;  /* answered with REDIRECT */
	uint32_t last_resume_mid;   /* Message ID of the last request */
	uint8_t last_resume_gsc;    /* ... its top four bits */
	uint8_t resumed_gsc;        /* GSC of the last resumed IKE SA */
	unsigned resumed_auth_ok;   /* IKE_AUTHs after a resume */
	unsigned sig_auth_ok;       /* initiators authenticated by a
				       certificate signature */
	bool sig_id_in_cert;        /* ... the last one's IDi is in its
				       certificate (not required) */
	/* RFC 5685 (r_redirect.c) */
	unsigned redirect_supported_seen; /* IKE_SA_INITs carrying it */
	unsigned redirected_from_seen;    /* ... carrying REDIRECTED_FROM */
	bool redirected_from_ok;          /* the last one decoded */
	struct gw_ident redirected_from;  /* ... to this identity */
	unsigned redirects_sent;          /* REDIRECT notifies, any exchange */
	unsigned auth_redirects;          /* IKE_AUTH answered with REDIRECT */
	unsigned deletes_after_redirect;  /* Delete(IKE) on an SA redirected
					     in IKE_AUTH */
	unsigned child_sas;               /* Child SAs created in IKE_AUTH */
	/* Ordering across responders: values of one counter shared by all
	 * instances, and loop_now_ms(), of the last such event. */
	uint64_t established_seq, established_ms; /* IKE_AUTH done */
	uint64_t ike_delete_seq, ike_delete_ms;   /* Delete(IKE) received */
	bool nat_detected;          /* initiator's source hash did not match */
	uint16_t ke_group;          /* of the last IKE_SA_INIT */
	unsigned auth_ok;
	unsigned auth_failed;
	unsigned ike_deletes;       /* Delete(IKE) requests received */
	unsigned child_deletes;
	uint8_t child_delete_spi[4]; /* SPI in the last Delete(ESP) request */
	unsigned empty_informational; /* liveness checks received */
	unsigned auth_failed_notifies; /* the initiator rejected our AUTH */
	uint8_t peer_esp_spi[4];    /* initiator's SPI of the first Child SA */

	/* Child SA rekeying (RFC 7296 1.3.3, r_rekey.c). Ours: */
	unsigned rekeys_sent;       /* CREATE_CHILD_SA(REKEY_SA) requests */
	unsigned rekey_answered;    /* ... answered (a cached answer to a
				       retransmission is not counted again) */
	unsigned rekey_ok;          /* ... with a usable new Child SA */
	char rekey_error[96];       /* why the last answer was not usable,
				       "" when it was */
	bool rekey_ts_same;         /* its TSi/TSr were the ones we sent */
	/* The newest pair made by a rekey, either side's: */
	uint8_t rekey_peer_spi[4];  /* the initiator's inbound SPI */
	uint8_t rekey_our_spi[4];   /* ours */
	uint8_t rekey_old_peer_spi[4]; /* initiator's SPI of the pair it
					  replaced */
	uint16_t rekey_group;       /* PFS group, 0: none */
	uint8_t rekey_keymat_head[16]; /* first KEYMAT bytes, prf+(SK_d,
					  [g^ir |] Ni | Nr) */
	/* The initiator's: */
	unsigned initiator_rekey_requests; /* CREATE_CHILD_SA with REKEY_SA */
	unsigned rekeys_by_initiator;      /* ... accepted */
	uint8_t initiator_rekey_spi[4];    /* SPI its last REKEY_SA named */
	bool initiator_rekey_ts_same;      /* its TSi/TSr were those of the
					      Child SA it rekeyed */
	uint16_t rekey_notify_sent; /* error its last rekey got, 0: none */
	unsigned create_child_refused; /* other CREATE_CHILD_SAs: answered
					  NO_ADDITIONAL_SAS */
	unsigned new_child_requests;   /* CREATE_CHILD_SA without REKEY_SA */
	unsigned new_child_ok;         /* ... that made a Child SA */
	bool new_child_ts_vip;         /* the last one's TSi was the virtual IP */
	unsigned old_child_deletes; /* Delete(ESP) requests naming the pair a
				       rekey replaced */
	unsigned old_children_removed; /* replaced pairs gone (their delete,
					  or the answer to ours) */
	/* Child SA rekey collisions (2.8.1): both rekeyed the same pair */
	unsigned child_collisions;
	unsigned child_collisions_lost_by_gateway;  /* ours redundant */
	unsigned child_collisions_lost_by_initiator;
	unsigned redundant_children_removed; /* ... those pairs deleted */

	/* IKE SA rekeying (RFC 7296 1.3.2, 2.18, r_ike_rekey.c). Ours: */
	unsigned ike_rekeys_sent;       /* CREATE_CHILD_SA(SA of IKE) */
	unsigned ike_rekey_answered;    /* ... answers to them */
	unsigned ike_rekeys_by_gateway; /* ... that made the new IKE SA */
	char ike_rekey_error[96];       /* why the last answer was not
					   usable, "" when it was */
	/* The initiator's: */
	unsigned ike_rekey_requests;
	unsigned ike_rekeys_by_initiator; /* ... answered with a new SA */
	uint16_t ike_rekey_notify_sent;   /* error the last one got, 0 */
	/* Either side's, the newest: the SA made and the one it replaced */
	uint8_t ike_spi_i[8], ike_spi_r[8];
	uint8_t ike_old_spi_i[8], ike_old_spi_r[8];
	bool ike_we_initiator;      /* the gateway made it (then its SPI is
				       ike_spi_i, and it sends the I flag) */
	uint16_t ike_rekey_group;
	uint16_t ike_rekey_prf;     /* the new SA's PRF */
	/* replaced IKE SAs gone by Delete(IKE): */
	unsigned ike_old_deleted;              /* by either side */
	unsigned ike_old_deleted_by_gateway;   /* ... our delete answered */
	/* 2.8.2 collisions */
	unsigned ike_collisions;
	unsigned ike_collisions_lost_by_gateway;   /* our new SA redundant */
	unsigned ike_collisions_lost_by_initiator;
	unsigned ike_redundant_deleted;  /* redundant new SAs gone */
	/* 2.25 while ours is outstanding: */
	unsigned temporary_failures_sent;

	/* RFC 4478 and reauthentication (r_reauth.c) */
	unsigned auth_lifetimes_sent;
	unsigned reauths;           /* full IKE_AUTH of an IDi whose older
				       SA is still up (make-before-break) */
	unsigned reauth_vip_asked;  /* ... its CP asked for an address */
	unsigned reauth_vip_same;   /* ... the older SA's virtual IP */
	unsigned reauth_old_deleted; /* those older SAs deleted afterwards */
	uint8_t reauth_old_spi_i[8], reauth_new_spi_i[8]; /* the last one */

	/* EAP (r_eap.c) */
	unsigned eap_rounds;        /* IKE_AUTH responses carrying EAP */
	char eap_identity[128];     /* the last EAP identity (or MS-CHAPv2
				       name), printable */
	unsigned eap_ok;            /* EAP-Success sent */
	unsigned eap_failed;        /* EAP-Failure sent */
	unsigned eap_naks;          /* legacy Naks naming MS-CHAPv2 */
	unsigned eap_notifications; /* Notification responses */
	unsigned eap_only_sent;     /* first responses without AUTH */

	uint8_t last_idi_type;
	char last_idi[256];
	bool cp_requested;

	/* negotiated on the last SA that completed IKE_SA_INIT / IKE_AUTH */
	uint16_t encr, encr_keylen, integ, prf, dh;
	bool child_up;
	uint16_t esp_encr, esp_encr_keylen, esp_integ, esp_esn;

	/* the last request received (outer bytes, as sent) and, when it was
	 * protected, its decrypted inner chain */
	uint8_t last_req[IKE_MAX_MSG];
	size_t last_req_len;
	uint8_t last_inner_first;
	uint8_t last_inner[IKE_MAX_MSG];
	size_t last_inner_len;
};

struct responder;

/* ---- resumption gateway (r_ticket.c, r_resume.c, r_used.c) ----
 * Tickets are sealed with a key shared by all gateways of a "secure
 * domain" (AES-256-GCM); the ids of accepted tickets go to a file in the
 * domain directory that every instance reads before accepting one. */

struct responder_ident {
	uint8_t type; /* enum ike_id_type */
	size_t len;
	uint8_t data[RESP_TICKET_IDENT_MAX];
};

/* What a ticket carries (format 1, see r_ticket.c). */
struct responder_ticket {
	uint8_t id[RESP_TICKET_ID_LEN];
	uint64_t expires;           /* unix seconds */
	uint8_t gsc;                /* 0..RESP_GSC_MAX */
	uint16_t prf, encr, encr_keylen, integ;
	uint8_t sk_d[RESP_TICKET_SKD_MAX];
	size_t sk_d_len;
	struct responder_ident idi, idr;
	bool has_vip4;
	uint8_t vip4[4];
};

/* Appends IV | AES-256-GCM(plaintext) | tag to out. 0 or -1. */
int responder_ticket_seal(const uint8_t key[RESP_DOMAIN_KEY_LEN],
			  const struct responder_ticket *t, struct wbuf *out);
/* Opens and parses a sealed ticket; on failure *t is wiped. */
int responder_ticket_unseal(const uint8_t key[RESP_DOMAIN_KEY_LEN],
			    const uint8_t *b, size_t len,
			    struct responder_ticket *t, struct verr *e);
void responder_ticket_wipe(struct responder_ticket *t);
/* A domain key file: 64 hex digits (surrounding white space allowed),
 * a regular file not accessible to group or others. */
int responder_domain_key_load(const char *path,
			      uint8_t key[RESP_DOMAIN_KEY_LEN],
			      struct verr *e);

/* Sensible defaults: id FQDN "gw.test", psk "test-secret", virtual IP
 * 198.51.100.2, DNS 198.51.100.53. The port still has to be set. */
void responder_cfg_defaults(struct responder_cfg *cfg);
/* Binds cfg->bind_addr (default 127.0.0.1) port cfg->port and starts
 * answering on l; bind_addr must outlive the responder. */
struct responder *responder_new(struct loop *l, const struct responder_cfg *cfg,
				struct verr *e);
void responder_free(struct responder *r);
const struct responder_stats *responder_stats(const struct responder *r);
/* Gateway-initiated requests on the newest established SA; -1 if none
 * is up. The answer shows in the stats (responses, resp_*). */
int responder_send_delete(struct responder *r);       /* Delete(IKE) */
int responder_send_dpd(struct responder *r);          /* empty INFORMATIONAL */
int responder_send_child_delete(struct responder *r); /* Delete(ESP) */
int responder_send_create_child(struct responder *r); /* CREATE_CHILD_SA */

/* Rekeys the Child SA of the newest SA that has one (RFC 7296 1.3.3):
 * CREATE_CHILD_SA {N(REKEY_SA, ESP, our inbound SPI), SA (the current
 * Child SA's algorithms, plus a DH transform of pfs_group unless 0, and
 * a new inbound SPI of ours), Ni, [KEi], TSi (our side), TSr}. A usable
 * answer makes the new pair current; the old one stays until
 * responder_send_child_delete_old() or the initiator deletes it. -1 when
 * no SA has a Child SA or a rekey of ours is unanswered. */
int responder_send_rekey_child(struct responder *r, uint16_t pfs_group);

/* What REKEY_SA names: our inbound SPI (as RFC 7296 asks), the
 * initiator's inbound one, or one that belongs to no Child SA. */
enum responder_rekey_spi {
	RREKEY_SPI_OURS = 0,
	RREKEY_SPI_PEERS,
	RREKEY_SPI_UNKNOWN,
};

struct responder_rekey_opts {
	uint16_t pfs_group;         /* DH transform offered, 0: none */
	uint16_t ke_group;          /* KEi of this group; 0: pfs_group (no
				       KEi when both are 0) */
	enum responder_rekey_spi spi;
};
int responder_send_rekey_child_opts(struct responder *r,
				    const struct responder_rekey_opts *o);
/* Rekeys the newest established IKE SA (RFC 7296 1.3.2): CREATE_CHILD_SA
 * {SA (protocol IKE, its algorithms, a new 8-byte SPI of ours), Ni, KEi}
 * on it. A usable answer makes the new IKE SA, of which the gateway is
 * then the original initiator (its messages carry the I flag), moves the
 * Child SA to it and sends Delete(IKE) on the old one. -1 when no SA is
 * up or one of our requests on it is unanswered. */
int responder_rekey_ike(struct responder *r);

/* INFORMATIONAL Delete(ESP, our old inbound SPI) once a rekey replaced
 * the pair; the answer's SPI shows in resp_delete_spi. -1 when no SA has
 * a replaced pair. */
int responder_send_child_delete_old(struct responder *r);
/* INFORMATIONAL holding an empty payload of unassigned type 200 with
 * the critical bit (RFC 7296 2.5). */
int responder_send_unknown_critical(struct responder *r);
/* INFORMATIONAL holding Delete(IKE) plus SA, Ni, TSi, TSr, which that
 * exchange may not carry (RFC 7296 1.4): to be refused, not acted on. */
int responder_send_delete_with_sa(struct responder *r);
/* Sends the last request again, bit for bit. */
int responder_retransmit(struct responder *r);
/* Our last request with its last byte (the ICV) flipped, as a forger
 * who saw it would send: it fails integrity. With next_mid its Message
 * ID is the one after (a new request), else the same (a retransmission
 * as far as the Message ID tells). */
int responder_send_tampered(struct responder *r, bool next_mid);
/* INFORMATIONAL with N(REDIRECT, to) on the newest SA (RFC 5685 5);
 * with_nonce adds nonce data, which is forbidden there. */
int responder_send_redirect(struct responder *r, const struct gw_ident *to,
			    bool with_nonce);
/* IKE SAs currently established on this responder. */
unsigned responder_established(const struct responder *r);
/* Fills a gw_ident from "192.0.2.1", "2001:db8::1" or a host name. */
void responder_gw_ident(struct gw_ident *gw, const char *text);
/* A muted responder drops every datagram (a gateway gone away). */
void responder_set_mute(struct responder *r, bool mute);
/* The bound UDP port (cfg->port 0 lets the kernel choose). */
uint16_t responder_port(const struct responder *r);

#endif
