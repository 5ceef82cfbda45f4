/* In-memory fixture for exchange tests: one connection and its IKE SA,
 * no sockets and no responder. The engine's datagrams go to a capture
 * (engine_set_send_hook); the test plays the gateway, building its messages
 * with the project's codec and handing them to the SA either typed
 * (sa_take_response / sa_take_request, what transport.c calls after
 * decryption) or as datagrams (engine_input, the sockets' way in). The SA
 * starts from a fixed SKEYSEED and fixed nonces instead of a
 * Diffie-Hellman exchange, so any state can be set up in a few lines.
 *
 * Test code only: it reaches into the engine's private headers to set
 * that first state up, and is compiled into test-ike, never vpnd. */
#ifndef VPND_TEST_IKE_MEM_H
#define VPND_TEST_IKE_MEM_H

#include <stdbool.h>
#include <stddef.h>

#include "conn_int.h"

/* A datagram the engine sent. */
struct mem_dgram {
	struct sockaddr_storage to;
	struct sockaddr_storage from;   /* ss_family 0: any of ours */
	bool natt;
	uint8_t *p;
	size_t len;
};

/* A message held in typed form: the header, the inner chain, its list. */
struct mem_msg {
	struct ike_hdr hdr;
	struct chunk body;
	struct payload_list pl;
	struct ike_msg m;
};

struct mem {
	struct profile prof;
	struct conn *conn;
	struct mem_dgram *sent;         /* every datagram, in order */
	size_t n_sent, cap_sent;
	unsigned n_up, n_no_tunnel, n_failed, n_down;
	char event_msg[512];            /* of the last non-progress event */
	struct wbuf body;               /* the gateway's message being built */
	struct pl_chain chain;
	struct mem_msg in;              /* ... once typed */
	struct mem_msg out;             /* one of ours, opened */
	uint8_t gw_esp_spi[4];          /* the gateway's inbound ESP SPI */
	struct ike_keys kept;           /* mem_keep */
	bool kept_initiator;
	/* Raw attributes the gateway's CP reply carries after the
	 * virtual IP (mem_add_auth_answer, mem_add_child_answer). */
	const uint8_t *cp_attrs;
	size_t cp_attrs_len;
};

/* Profile "mem" for gateway 192.0.2.1 (PSK "test-secret", identities
 * client.test / gw.test, AES-GCM-16 with ECP-256), the send hook on. */
void mem_begin(struct mem *m);
/* Frees the connection, the captures, the profile; the hook off. */
void mem_end(struct mem *m);

/* The conn with its current IKE SA after IKE_SA_INIT: keys from the
 * fixed seed, Message ID 1 next, IKE_INIT_SENT; nothing sent yet. */
struct ike_sa *mem_sa(struct mem *m);
/* mem_sa, then the IKE_AUTH task queued: its request is sent. */
struct ike_sa *mem_auth_sa(struct mem *m);
/* mem_auth_sa answered by a good IKE_AUTH response: established, with a
 * Child SA and virtual IP 198.51.100.2. */
struct ike_sa *mem_established(struct mem *m);
void mem_status(const struct mem *m, struct conn_status *st);

/* The gateway's messages: mem_chain starts an empty inner chain, to
 * which the test adds payloads with the codec's builders. */
struct pl_chain *mem_chain(struct mem *m);
/* IDr, AUTH (good, or with a wrong key), SA, TSi, TSr and CP answering
 * the IKE_AUTH request the SA sent last. */
void mem_add_auth_answer(struct mem *m, struct ike_sa *sa, bool good_auth);
/* The pieces of it: IDr and AUTH (keyed with the profile's PSK, or a
 * wrong one); SA, TSi, TSr and CP answering req; AUTH keyed with key
 * over the gateway's octets (after EAP: the MSK). */
void mem_add_gw_auth(struct mem *m, const struct ike_sa *sa, bool good_auth);
void mem_add_child_answer(struct mem *m, const struct ike_msg *req);
/* Our request req has a PSK-form AUTH keyed with key (the MSK after
 * EAP) over our IKE_SA_INIT and the profile's IDi, as the gateway checks. */
void mem_check_key_auth(const struct mem *m, const struct ike_sa *sa,
			const struct ike_msg *req, const uint8_t *key,
			size_t len);
void mem_add_key_auth(struct mem *m, const struct ike_sa *sa,
		      const struct chunk *key);
/* SA (our own single proposal), KEr and Nr answering the IKE_SA_INIT
 * request sa sent last; mem_typed_init makes it the typed response,
 * with the gateway's SPI in the header. */
void mem_add_init_answer(struct mem *m, const struct ike_sa *sa);
const struct ike_msg *mem_typed_init(struct mem *m, const struct ike_sa *sa);
/* A nonce of the gateway's: fill < 0 random, else every byte fill
 * (0: lower than any random one, for the collision rules of 2.8.2). */
void mem_nonce(struct chunk *n, int fill);
/* The gateway's CREATE_CHILD_SA rekeying sa's Child SA (without PFS):
 * REKEY_SA, SA (its new inbound SPI gw_esp), a random Ni, TSi, TSr. */
void mem_add_child_rekey_request(struct mem *m, struct ike_sa *sa,
				 const uint8_t gw_esp[4]);
/* The gateway's CREATE_CHILD_SA rekeying sa: SA (its new SPI gw_spi),
 * Ni, KEi. */
void mem_add_ike_rekey_request(struct mem *m, const struct ike_sa *sa,
			       const uint8_t gw_spi[8],
			       const struct chunk *ni);
/* The gateway's answer to the last IKE SA rekey sa sent: its choice
 * (with its new SPI gw_spi), Nr, KEr; our new SPI, as offered, into
 * our_spi. */
void mem_add_ike_rekey_answer(struct mem *m, const struct ike_sa *sa,
			      const uint8_t gw_spi[8],
			      const struct chunk *nr, uint8_t our_spi[8]);
/* The chain as a typed message of the gateway to sa (header with the
 * gateway's I bit, R for a response). */
const struct ike_msg *mem_typed(struct mem *m, const struct ike_sa *sa,
				uint8_t exchange, uint32_t msg_id,
				bool response);
/* The chain as a datagram protected with sa's keys, header flags as
 * given (so a test can set them wrong), into out. */
void mem_datagram(struct mem *m, const struct ike_sa *sa, uint8_t exchange,
		  uint32_t msg_id, uint8_t flags, struct wbuf *out);
/* The gateway's flags towards sa: its I bit, and R for a response. */
uint8_t mem_gw_flags(const struct ike_sa *sa, bool response);
/* A datagram from 192.0.2.1:500 through engine_input. */
void mem_deliver(const struct wbuf *dgram);

/* What the engine sent: the last datagram; the i-th opened with sa's
 * keys (a protected one decrypted) into m->out, NULL when it does not
 * open. */
const struct mem_dgram *mem_last(const struct mem *m);
const struct ike_msg *mem_open(struct mem *m, const struct ike_sa *sa,
			       size_t i);
/* A copy of sa's keys, to open what it sent after it is gone. */
void mem_keep(struct mem *m, const struct ike_sa *sa);
const struct ike_msg *mem_open_kept(struct mem *m, size_t i);
/* Whether a message holds a payload of a type. */
bool mem_has(const struct ike_msg *msg, uint8_t type);

void register_task_tests(void);
void register_task_rekey_tests(void);
void register_task_connect_tests(void);
void register_engine_tests(void);
void register_roam_tests(void);
void register_mobike_tests(void);
void register_eap_tests(void);
void register_eap_only_tests(void);
void register_auth_hint_tests(void);
void register_frag_engine_tests(void);
void register_config_tests(void);

#endif
