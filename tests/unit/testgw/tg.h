/* Helpers of test-testgw: test gateways (tests/responder) on 127.0.0.1
 * with kernel-chosen ports, and a hand-made initiator that builds every
 * message itself with the project's codec and derives its own keys. */
#ifndef VPND_TEST_TG_H
#define VPND_TEST_TG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

#include "responder.h"
#include "vpnd/crypto.h"
#include "vpnd/loop.h"

extern struct loop *tg_loop;
extern const char *tg_testgw_path; /* argv[1]: the vpnd-testgw binary */

/* ---- gateways ---- */
struct tg_gw {
	struct responder *r;
	uint16_t port;
	char events[16384]; /* event lines, newline-separated */
	size_t ev_len;
};

/* The defaults of every test gateway: id gw.test, psk "test-secret",
 * tickets issued with key, port 0, rfc5723. */
void tg_cfg(struct responder_cfg *cfg, const uint8_t *key, const char *dir);
struct tg_gw *tg_gw_start(const struct responder_cfg *cfg);
void tg_gw_stop(struct tg_gw *g);
bool tg_gw_saw(const struct tg_gw *g, const char *needle);
const struct responder_stats *tg_st(const struct tg_gw *g);

/* A fresh temporary directory (a secure domain) and key. No CUnit
 * assertions inside: suite initialisation uses it too. */
bool tg_domain(char *dir, size_t len, uint8_t key[RESP_DOMAIN_KEY_LEN]);
void tg_rmdir(const char *dir);

/* ---- the test initiator ---- */
struct tg_sa {
	uint8_t spi_i[8], spi_r[8];
	struct chunk ni, nr;
	struct ike_keys keys;
	struct wbuf msg1, msg2; /* IKE_SA_INIT or resume request/response */
	uint32_t mid;           /* of msg1 */
	uint32_t next_mid;
	bool no_vendor_id;      /* set before tg_init/tg_resume: ours off */
	bool gw_vendor_id;      /* the gateway's response showed vpnd's */
};

struct tg_resume_result {
	bool answered;
	struct ike_hdr hdr;
	bool has_nonce;
	uint16_t notify;        /* first notify type, 0 if none */
	uint8_t ndata[512];     /* ... and its data */
	size_t ndata_len;
	size_t n_payloads;
};

struct tg_auth_opts {
	const char *idi;        /* FQDN; NULL: "client.test" */
	const char *psk;        /* NULL: "test-secret" */
	EVP_PKEY *key;          /* with cert: signature AUTH */
	X509 *cert;
	bool resumed;           /* AUTH = prf(SK_pi, octets), method 2 */
	enum resume_auth_form resume_auth; /* ... with vpnd's octets */
	bool break_auth;        /* flip one bit of our AUTH */
	bool ticket_request;
	int resumption_flags;   /* -1: no VPND_RESUMPTION_SUPPORTED */
	bool cp;
	const uint8_t *cp_vip;  /* the address the CP request asks for */
};

struct tg_auth_result {
	bool answered;
	bool gw_auth_ok;        /* the gateway's AUTH verified here */
	uint8_t gw_auth_method;
	uint16_t error;         /* first error notify (< 16384) */
	bool child;
	bool has_vip;
	uint8_t vip[4];
	bool has_ticket, ticket_nack;
	uint32_t lifetime;
	uint8_t ticket[RESP_TICKET_MAX];
	size_t ticket_len;
	bool has_alt;
	struct gw_ident alt[RESP_MAX_BACKUPS];
	size_t n_alt;
	bool has_auth_lifetime; /* RFC 4478 */
	uint32_t auth_lifetime;
};

void tg_sa_free(struct tg_sa *sa);
/* SA (ESP, AES-GCM-16-256, no ESN; this SPI, NULL: a random one), TSi
 * and TSr (all of IPv4) for a Child SA. */
void tg_child_payloads(struct pl_chain *c, const uint8_t *spi);
/* Sends msg to 127.0.0.1:port; true when a datagram came back within
 * ms (then in resp/rlen). */
bool tg_exchange(uint16_t port, const uint8_t *msg, size_t len,
		 uint8_t *resp, size_t *rlen, unsigned ms);
/* Without draining what is queued: one datagram out; the next one in
 * (already queued, or arriving within ms). */
bool tg_send(uint16_t port, const uint8_t *msg, size_t len);
bool tg_recv(uint8_t *resp, size_t *rlen, unsigned ms);
/* IKE_SA_INIT (AES-GCM-16-256, HMAC-SHA2-256, ECP-256); keys derived. */
bool tg_init(uint16_t port, struct tg_sa *sa);
void tg_auth_opts(struct tg_auth_opts *o);
bool tg_auth(uint16_t port, struct tg_sa *sa, const struct tg_auth_opts *o,
	     struct tg_auth_result *res);
/* IKE_SA_INIT + IKE_AUTH with a ticket request (flags S|L). */
bool tg_full(uint16_t port, struct tg_sa *sa, struct tg_auth_result *res);
/* IKE_SESSION_RESUME with Message ID mid; on success (SPIr, Nr) the keys
 * of the new SA come from sk_d and the algorithms in t. */
bool tg_resume(uint16_t port, const uint8_t *ticket, size_t tlen,
	       uint32_t mid, const struct responder_ticket *t,
	       struct tg_sa *sa, struct tg_resume_result *res);
/* The same request bytes again. */
bool tg_resend(uint16_t port, const struct tg_sa *sa, uint8_t *resp,
	       size_t *rlen);

/* A ticket as a gateway makes it: random id and SK_d (32 bytes, PRF
 * HMAC-SHA2-256, AES-GCM-16-256), IDi client.test, IDr gw.test, VIP
 * 198.51.100.77, expiring in an hour, the GSC given. */
void tg_ticket(struct responder_ticket *t, uint8_t gsc);
/* Seals t with key into out (RESP_TICKET_MAX bytes); returns length. */
size_t tg_seal(const uint8_t *key, const struct responder_ticket *t,
	       uint8_t *out);

/* ---- suites ---- */
void register_seal_tests(void);
void register_resume_tests(void);
void register_auth_tests(void);
void register_binary_tests(void);
void register_kat_tests(void);
void register_ike_rekey_tests(void);
void register_eap_tests(void);

#endif
