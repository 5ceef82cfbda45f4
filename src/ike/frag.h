/* IKE fragmentation (RFC 7383): splitting a protected message into SKF
 * fragments, and reassembling the gateway's. No state of the SA, no
 * logging: keys and bytes in, messages or a reason out, so the fuzz
 * harness and the unit tests drive exactly what transport.c does. */
#ifndef VPND_IKE_FRAG_H
#define VPND_IKE_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/crypto.h"
#include "vpnd/wire.h"

/* Bounds on what one reassembly may hold. Only authenticated fragments
 * are kept, so these guard against a gateway gone wrong rather than a
 * forger, and each is generous:
 * - fragments: strongSwan's limit of 255. At the smallest sane fragment
 *   (IPv4's 576-byte datagram) that is over 100 kB, more than the size
 *   limit lets through, so the count caps only sets of tiny fragments,
 *   which cost one decryption each;
 * - size: IKE_MAX_MSG, the most an unfragmented message may be, so
 *   fragmentation never refuses what a single datagram could carry;
 *   strongSwan's max_packet (10000) would refuse post-quantum
 *   certificate chains, which are what needs fragmentation;
 * - timeout: an incomplete set is dropped this long after its first
 *   fragment. The gateway resends all fragments together, so a set
 *   started in one retransmission can still be completed by the next
 *   (strongSwan's first ones come 4 s, 7 s, 13 s apart) before it goes. */
#define FRAG_DEFAULT_MAX_FRAGMENTS 255
#define FRAG_DEFAULT_MAX_SIZE IKE_MAX_MSG
#define FRAG_DEFAULT_TIMEOUT_MS 60000

struct frag_limits {
	size_t max_fragments;
	size_t max_size;     /* of the decrypted inner chain */
	uint64_t timeout_ms;
};

/* One received fragment's decrypted share of the inner chain. */
struct frag_part {
	struct chunk plain;
	bool have;
};

/* The reassembly of one direction's messages (the gateway's requests,
 * or its responses): one message at a time, by Message ID. */
struct frag_asm {
	struct frag_limits lim;
	bool active;          /* a message is being reassembled */
	uint32_t msg_id;
	uint8_t exchange;
	uint16_t total;
	uint16_t have;        /* fragments kept so far */
	uint8_t first;        /* the inner chain's first type (fragment 1) */
	size_t bytes;         /* kept decrypted bytes */
	uint64_t started_ms;
	struct frag_part *parts; /* total entries */
	bool done_any;        /* a message was reassembled ... */
	uint32_t done_mid;    /* ... and this was the last one's ID */
};

/* A reassembled message: the inner chain, parsed (its payloads point
 * into plain). */
struct frag_msg {
	struct chunk plain;
	struct payload_list pl;
};

enum frag_rc {
	FRAG_KEPT,    /* authentic and kept; more fragments to come */
	FRAG_DONE,    /* the message is whole: *out holds it */
	FRAG_DROPPED, /* not kept; why says why */
};

void frag_limits_default(struct frag_limits *l);
void frag_init(struct frag_asm *a, const struct frag_limits *lim);
/* Forgets the message in reassembly (its parts are wiped). */
void frag_reset(struct frag_asm *a);
/* frag_reset, and forgets the last reassembled message too. */
void frag_free(struct frag_asm *a);

/* Takes one datagram msg (header h already parsed) whose last payload is
 * skf (from the outer chain, offsets relative to the area after the IKE
 * header). The fragment is authenticated with the keys of the sender
 * (from_initiator) before anything of it is kept. */
enum frag_rc frag_take(struct frag_asm *a, const struct ike_keys *k,
		       bool from_initiator, const uint8_t *msg, size_t len,
		       const struct ike_hdr *h, const struct ike_payload *skf,
		       uint64_t now_ms, struct frag_msg *out, struct verr *why);
void frag_msg_free(struct frag_msg *m);

/* The sending side: the inner chain (first type first) split into as
 * many fragments as needed so that each whole IKE message is at most
 * msg_len bytes; hdr is the template for each fragment's header. On
 * success *out holds *n messages (free with frag_out_free). */
int frag_split(const struct ike_keys *k, bool initiator,
	       const struct ike_hdr *hdr, uint8_t first, const uint8_t *inner,
	       size_t ilen, size_t msg_len, struct wbuf **out, size_t *n);
void frag_out_free(struct wbuf *out, size_t n);

#endif
