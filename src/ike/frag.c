/* IKE fragmentation (RFC 7383): the SKF fragments of one protected
 * message out, and the reassembly of the gateway's. */
#include <stdlib.h>
#include <string.h>

#include "frag.h"

void frag_limits_default(struct frag_limits *l)
{
	l->max_fragments = FRAG_DEFAULT_MAX_FRAGMENTS;
	l->max_size = FRAG_DEFAULT_MAX_SIZE;
	l->timeout_ms = FRAG_DEFAULT_TIMEOUT_MS;
}

void frag_init(struct frag_asm *a, const struct frag_limits *lim)
{
	memset(a, 0, sizeof(*a));
	if (lim)
		a->lim = *lim;
	else
		frag_limits_default(&a->lim);
}

void frag_reset(struct frag_asm *a)
{
	if (a->parts) {
		for (size_t i = 0; i < a->total; i++)
			chunk_free(&a->parts[i].plain);
		free(a->parts);
	}
	a->parts = NULL;
	a->active = false;
	a->total = a->have = 0;
	a->bytes = 0;
	a->first = PL_NONE;
}

void frag_free(struct frag_asm *a)
{
	frag_reset(a);
	a->done_any = false;
}

void frag_msg_free(struct frag_msg *m)
{
	chunk_free(&m->plain);
	m->pl.n = 0;
}

static enum frag_rc dropped(struct verr *why, const char *reason)
{
	verr_set(why, "fragment dropped: %s", reason);
	return FRAG_DROPPED;
}

/* Whether this fragment belongs to a message already reassembled or to
 * one older than the set in reassembly (a late retransmission). Message
 * IDs only grow within an IKE SA (RFC 7296 2.2). */
static bool of_older_message(const struct frag_asm *a, uint32_t mid)
{
	if (a->done_any && mid <= a->done_mid)
		return true;
	return a->active && mid < a->msg_id;
}

/* The checks that need no keys: whatever fails them is dropped before
 * any decryption, and cannot disturb the set in reassembly. */
static const char *refuse_early(const struct frag_asm *a,
				const struct ike_hdr *h,
				const struct skf_payload *f)
{
	if (f->total > a->lim.max_fragments)
		return "more fragments than the limit";
	if (of_older_message(a, h->msg_id))
		return "of an older message";
	if (!a->active || h->msg_id != a->msg_id)
		return NULL;
	if (h->exchange != a->exchange)
		return "another exchange under the same message ID";
	/* RFC 7383 2.6.1: a smaller total is from an older
	 * retransmission than the set kept, a larger one replaces it. */
	if (f->total < a->total)
		return "fewer total fragments than those kept";
	if (f->total == a->total && a->parts[f->frag_num - 1].have)
		return "duplicate";
	return NULL;
}

/* A set is started by an authentic fragment of a newer message, with a
 * larger total, or after the old set timed out. */
static bool starts_over(const struct frag_asm *a, const struct ike_hdr *h,
			const struct skf_payload *f)
{
	return !a->active || h->msg_id != a->msg_id || f->total > a->total;
}

static int start_set(struct frag_asm *a, const struct ike_hdr *h,
		     uint16_t total, uint64_t now_ms)
{
	frag_reset(a);
	a->parts = calloc(total, sizeof(*a->parts));
	if (!a->parts)
		return -1;
	a->active = true;
	a->msg_id = h->msg_id;
	a->exchange = h->exchange;
	a->total = total;
	a->started_ms = now_ms;
	return 0;
}

static void expire_set(struct frag_asm *a, uint64_t now_ms)
{
	if (a->active && now_ms - a->started_ms >= a->lim.timeout_ms)
		frag_reset(a);
}

/* The parts in order, as one inner chain whose first type fragment 1
 * named; the set is forgotten either way. */
static enum frag_rc assemble(struct frag_asm *a, struct frag_msg *out,
			     struct verr *why)
{
	struct verr e = { { 0 } };
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (a->bytes && !chunk_alloc(&out->plain, a->bytes)) {
		frag_reset(a);
		return dropped(why, "out of memory");
	}
	for (size_t i = 0; i < a->total; i++) {
		const struct chunk *c = &a->parts[i].plain;

		if (c->len)
			memcpy(out->plain.p + off, c->p, c->len);
		off += c->len;
	}
	a->done_any = true;
	a->done_mid = a->msg_id;
	if (payload_chain_parse(a->first, out->plain.p, out->plain.len,
				&out->pl, &e) < 0) {
		frag_reset(a);
		frag_msg_free(out);
		verr_set(why, "reassembled message: %s", e.msg);
		return FRAG_DROPPED;
	}
	frag_reset(a);
	return FRAG_DONE;
}

/* Keeps an authentic fragment's plaintext (taken over, not copied). */
static enum frag_rc keep(struct frag_asm *a, const struct skf_payload *f,
			 uint8_t next, struct chunk *plain,
			 struct frag_msg *out, struct verr *why)
{
	struct frag_part *p = &a->parts[f->frag_num - 1];

	if (plain->len > a->lim.max_size - a->bytes) {
		chunk_free(plain);
		frag_reset(a);
		return dropped(why, "the message would exceed the size limit");
	}
	p->plain = *plain;
	*plain = (struct chunk){ 0 };
	p->have = true;
	a->have++;
	a->bytes += p->plain.len;
	/* Only fragment 1's next is meaningful (RFC 7383 2.5); the others'
	 * are authenticated, so a non-zero one needs no refusal. */
	if (f->frag_num == 1)
		a->first = next;
	return a->have == a->total ? assemble(a, out, why) : FRAG_KEPT;
}

enum frag_rc frag_take(struct frag_asm *a, const struct ike_keys *k,
		       bool from_initiator, const uint8_t *msg, size_t len,
		       const struct ike_hdr *h, const struct ike_payload *skf,
		       uint64_t now_ms, struct frag_msg *out, struct verr *why)
{
	struct verr e = { { 0 } };
	struct skf_payload f;
	struct chunk plain = { 0 };
	const char *refusal;

	if (skf->type != PL_SKF || skf_parse(skf->body, skf->len, &f, &e) < 0)
		return dropped(why, e.msg[0] ? e.msg : "not an SKF payload");
	expire_set(a, now_ms);
	refusal = refuse_early(a, h, &f);
	if (refusal)
		return dropped(why, refusal);
	if (ike_unprotect_fragment(k, from_initiator, msg, len,
				   IKE_HDR_LEN + skf->offset, &plain, &e) < 0)
		return dropped(why, e.msg);
	if (starts_over(a, h, &f) && start_set(a, h, f.total, now_ms) < 0) {
		chunk_free(&plain);
		return dropped(why, "out of memory");
	}
	return keep(a, &f, skf->next, &plain, out, why);
}

void frag_out_free(struct wbuf *out, size_t n)
{
	if (!out)
		return;
	for (size_t i = 0; i < n; i++)
		wb_free(&out[i]);
	free(out);
}

int frag_split(const struct ike_keys *k, bool initiator,
	       const struct ike_hdr *hdr, uint8_t first, const uint8_t *inner,
	       size_t ilen, size_t msg_len, struct wbuf **out, size_t *n)
{
	size_t room = ike_fragment_room(k, msg_len);
	size_t total, off = 0;
	struct wbuf *f;

	*out = NULL;
	*n = 0;
	if (!room)
		return -1;
	total = ilen ? (ilen + room - 1) / room : 1;
	if (total > UINT16_MAX)
		return -1;
	f = calloc(total, sizeof(*f));
	if (!f)
		return -1;
	for (size_t i = 0; i < total; i++) {
		struct ike_hdr h = *hdr;
		size_t part = ilen - off < room ? ilen - off : room;

		wb_init(&f[i]);
		if (ike_protect_fragment(k, initiator, &h, first,
					 (uint16_t)(i + 1), (uint16_t)total,
					 ilen ? inner + off : inner, part,
					 &f[i]) < 0) {
			frag_out_free(f, i + 1);
			return -1;
		}
		off += part;
	}
	*out = f;
	*n = total;
	return 0;
}
