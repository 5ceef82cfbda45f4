/* Requests, retransmission and response matching (RFC 7296 2.1-2.3).
 * We keep a window of one outstanding request, like every gateway's
 * default; retransmissions are the stored bytes, bit for bit. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_sa.h"
#include "vpnd/log.h"

void sa_fill_header(struct ike_sa *sa, struct ike_hdr *h, uint8_t exchange,
		    uint32_t msg_id, bool response, uint8_t next)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spi_i, sa->spi_i, 8);
	memcpy(h->spi_r, sa->spi_r, 8);
	h->next = next;
	h->version = IKE_VERSION;
	h->exchange = exchange;
	/* The I bit names who initiated the SA or its latest rekey (RFC
	 * 7296 3.1), not who sends. */
	h->flags = (sa->initiator ? IKE_FLAG_I : 0) |
		   (response ? IKE_FLAG_R : 0);
	h->msg_id = msg_id;
}

static unsigned retransmit_delay(const struct profile *p, unsigned tries)
{
	double d = p->retransmit_timeout_ms * pow(p->retransmit_base, tries);

	return d > 600000.0 ? 600000u : (unsigned)d;
}

unsigned sa_retransmit_span_ms(const struct profile *p)
{
	unsigned tries, span = 0;

	for (tries = 0; tries <= p->retransmit_tries; tries++)
		span += retransmit_delay(p, tries);
	return span;
}

int sa_send_datagram(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	/* No route: nothing goes into the void (roam.c). */
	if (sa->held)
		return 0;
	return net_send(sa->eng, &sa->peer, sa->natt, msg, len, &sa->local);
}

static void on_retransmit(void *ctx);

static void arm_timer(struct ike_sa *sa)
{
	sa->req.timer = loop_timer(sa->loop,
				   retransmit_delay(sa->prof, sa->req.tries),
				   on_retransmit, sa);
}

/* No usable answer after every retransmission: why, for the user. */
static enum task_rc timed_out(struct ike_sa *sa)
{
	char gw[64], hint[200];

	sockaddr_str(&sa->peer, gw, sizeof(gw));
	frag_timeout_hint(sa, hint, sizeof(hint));
	if (sa->refusal[0])
		return task_fail_as(sa, REASON_REFUSED, "%s (unauthenticated; no other answer from %s in %u retransmissions)",
				 sa->refusal, gw, sa->req.tries);
	return task_fail_as(sa, REASON_TIMEOUT,
			 "timeout: no usable response from %s to %s after %u retransmissions%s%s%s%s",
			 gw, exchange_name(sa->req.exchange), sa->req.tries,
			 sa->ignored_why[0] ? " (ignored: " : "",
			 sa->ignored_why, sa->ignored_why[0] ? ")" : "", hint);
}

enum task_rc sa_request_timeout(struct ike_sa *sa)
{
	struct ike_task *t = sa_active_task(sa);
	enum task_rc rc;

	if (!sa->req.active || !t)
		return TASK_IGNORE;
	loop_timer_cancel(sa->loop, sa->req.timer);
	sa->req.timer = 0;
	sa->req.active = false;
	sa->timed_out = true;
	rc = t->ops->timeout ? t->ops->timeout(sa, t) : timed_out(sa);
	sa_settle(sa, rc);
	return rc;
}

static void on_retransmit(void *ctx)
{
	struct ike_sa *sa = ctx;
	struct ike_task *t = sa_active_task(sa);

	sa->req.timer = 0;
	if (!sa->req.active || !t)
		return;
	/* Held for want of a route, a request waits without using up its
	 * tries (sa_request_resume sends it again); a DELETE of an SA on
	 * its way out still ends. */
	if (sa->held && !sa->orphan && sa->state != IKE_DELETING)
		return;
	if (sa->req.tries >= sa->prof->retransmit_tries) {
		sa_request_timeout(sa);
		return;
	}
	sa->req.tries++;
	log_info("retransmitting %s request %u (try %u)",
		 exchange_name(sa->req.exchange), sa->req.msg_id,
		 sa->req.tries);
	frag_maybe_smaller(sa);
	/* RFC 7383 2.6.1: a fragmented request is resent whole, every
	 * fragment of it. */
	wire_msg_send(sa, &sa->req.out);
	arm_timer(sa);
}

void sa_warn_unauth(struct ike_sa *sa, const char *fmt, ...)
{
	unsigned long dropped = 0;
	char line[512];
	va_list ap;

	if (!ratelimit_pass(&sa->warn_limit, loop_now_ms(), &dropped))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (dropped)
		log_warn("%s (%lu similar warnings suppressed before this one)",
			 line, dropped);
	else
		log_warn("%s", line);
}

void sa_warn_flush(struct ike_sa *sa)
{
	if (sa->warn_limit.suppressed)
		log_warn("%s: %lu warnings about unusable messages suppressed",
			 sa->prof->name, sa->warn_limit.suppressed);
	sa->warn_limit.suppressed = 0;
}

enum task_rc sa_ignore_response(struct ike_sa *sa, const char *why)
{
	sa_warn_unauth(sa, "ignoring %s response: %s",
		       exchange_name(sa->req.exchange), why);
	snprintf(sa->ignored_why, sizeof(sa->ignored_why), "%s", why);
	return TASK_IGNORE;
}

void sa_request_resume(struct ike_sa *sa)
{
	if (!sa->req.active || sa->held)
		return;
	loop_timer_cancel(sa->loop, sa->req.timer);
	sa->req.tries = 0;
	wire_msg_send(sa, &sa->req.out);
	arm_timer(sa);
}

void sa_cancel_request(struct ike_sa *sa)
{
	loop_timer_cancel(sa->loop, sa->req.timer);
	sa->req.timer = 0;
	sa->req.active = false;
	wire_msg_free(&sa->req.out);
	chunk_free(&sa->req.inner);
	sa->req.smaller_tried = false;
}

/* Makes out (taken over) the request on the wire. The window is one:
 * the task queue (task.c) never lets a second request in while one
 * waits. */
static void take_request(struct ike_sa *sa, struct wire_msg *out,
			 uint8_t exchange, uint32_t msg_id)
{
	if (sa->req.active)
		log_err("%s: %s request while %s %u is outstanding",
			sa->prof->name, exchange_name(exchange),
			exchange_name(sa->req.exchange), sa->req.msg_id);
	sa_cancel_request(sa);
	sa->req.out = *out;
	memset(out, 0, sizeof(*out));
	sa->req.active = true;
	sa->req.exchange = exchange;
	sa->req.msg_id = msg_id;
	sa->req.tries = 0;
	sa->ignored_why[0] = '\0';
	sa->refusal[0] = '\0';
	wire_msg_send(sa, &sa->req.out);
	arm_timer(sa);
}

static int send_request(struct ike_sa *sa, struct wire_msg *out,
			uint8_t exchange, uint32_t msg_id)
{
	if (out->msg.oom) {
		sa_cancel_request(sa);
		wire_msg_free(out);
		return -1;
	}
	if (out->n_frags)
		log_dbg("sending %s request %u in %zu fragments (%zu bytes)",
			exchange_name(exchange), msg_id, out->n_frags,
			wire_msg_len(out));
	else
		log_dbg("sending %s request %u (%zu bytes)",
			exchange_name(exchange), msg_id, out->msg.len);
	take_request(sa, out, exchange, msg_id);
	return 0;
}

int sa_send_clear(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id,
		  uint8_t first, struct wbuf *body, struct verr *e)
{
	struct ike_hdr h;
	uint8_t hdr[IKE_HDR_LEN];
	struct wire_msg out;
	bool oom = body->oom;

	sa_fill_header(sa, &h, exchange, msg_id, false, first);
	h.length = (uint32_t)(IKE_HDR_LEN + body->len);
	ike_hdr_write(hdr, &h);
	memset(&out, 0, sizeof(out));
	wb_init(&out.msg);
	wb_put(&out.msg, hdr, sizeof(hdr));
	wb_put(&out.msg, body->p, body->len);
	wb_free(body);
	/* Kept as RealMessage1, which the AUTH payload signs. Never
	 * fragmented (RFC 7383 2.5: only protected messages are). */
	if (oom || out.msg.oom ||
	    !chunk_set(&sa->init_req, out.msg.p, out.msg.len)) {
		wire_msg_free(&out);
		verr_set(e, "out of memory");
		return -1;
	}
	return send_request(sa, &out, exchange, msg_id);
}

int sa_send_protected(struct ike_sa *sa, uint8_t exchange, struct wbuf *inner,
		      uint8_t first)
{
	struct ike_hdr h;
	struct wire_msg out;
	uint32_t mid = sa->next_mid++;

	if (inner->oom)
		return -1;
	sa_fill_header(sa, &h, exchange, mid, false, PL_SK);
	if (frag_protect(sa, &h, first, inner->p, inner->len,
			 frag_msg_len(sa), &out) < 0 ||
	    send_request(sa, &out, exchange, mid) < 0)
		return -1;
	/* Kept to split again smaller, should it go unanswered. */
	if (sa->peer_frag &&
	    !chunk_secure_set(&sa->req.inner, inner->p, inner->len))
		chunk_free(&sa->req.inner);
	sa->req.first = first;
	return 0;
}

int sa_send_response(struct ike_sa *sa, uint8_t exchange, uint32_t msg_id,
		     struct wbuf *inner, uint8_t first)
{
	struct ike_hdr h;

	sa->have_last_resp = false;
	wire_msg_free(&sa->last_resp);
	sa_fill_header(sa, &h, exchange, msg_id, true, PL_SK);
	/* Fragmented when too big, whether or not the request was: RFC 7383
	 * 2.5 sizes each message of its own, and strongSwan does the same. */
	if (inner->oom || frag_protect(sa, &h, first, inner->p, inner->len,
				       frag_msg_len(sa), &sa->last_resp) < 0)
		return -1;
	sa->have_last_resp = true;
	sa->last_resp_mid = msg_id;
	wire_msg_send(sa, &sa->last_resp);
	return 0;
}

/* Outer checks common to every message: header, chain, critical bits. */
static int parse_outer(const uint8_t *msg, size_t len, struct ike_hdr *h,
		       struct payload_list *pl, struct verr *e)
{
	const struct ike_payload *crit;

	if (ike_hdr_parse(msg, len, h, e) < 0)
		return -1;
	if (payload_chain_parse(h->next, msg + IKE_HDR_LEN, len - IKE_HDR_LEN,
				pl, e) < 0)
		return -1;
	crit = payload_unknown_critical(pl);
	if (crit) {
		verr_set(e, "unsupported critical payload type %u", crit->type);
		return -1;
	}
	return 0;
}

#define OPEN_SK_CRITICAL (-2)

/* Decrypts the SK payload and replaces the list with the inner chain.
 * Offsets in the list are relative to the area parsed. Returns
 * OPEN_SK_CRITICAL (with *crit_type) for an authentic message that holds
 * an unsupported critical payload. */
static int open_sk(struct ike_sa *sa, const uint8_t *msg, size_t len,
		   struct payload_list *pl, struct chunk *plain,
		   uint8_t *crit_type, struct verr *e)
{
	const struct ike_payload *sk = payload_find(pl, PL_SK);
	const struct ike_payload *crit;
	uint8_t first;

	if (!sk) {
		verr_set(e, payload_find(pl, PL_SKF) ?
				    "fragmented message (SKF), but fragmentation was not negotiated" :
				    "message is not encrypted");
		return -1;
	}
	if (!sa->keys.sk_ei.p) {
		verr_set(e, "protected message before keys exist");
		return -1;
	}
	first = sk->next;
	if (ike_unprotect(&sa->keys, !sa->initiator, msg, len,
			  IKE_HDR_LEN + sk->offset, plain, e) < 0)
		return -1;
	if (payload_chain_parse(first, plain->p, plain->len, pl, e) < 0)
		return -1;
	crit = payload_unknown_critical(pl);
	if (crit) {
		verr_set(e, "unsupported critical payload type %u", crit->type);
		*crit_type = crit->type;
		return OPEN_SK_CRITICAL;
	}
	return 0;
}

void sa_discard_response(struct ike_sa *sa, const struct ike_hdr *h,
			 const char *why)
{
	sa_warn_unauth(sa, "discarding %s response: %s",
		       exchange_name(h->exchange), why);
	snprintf(sa->ignored_why, sizeof(sa->ignored_why), "%s", why);
}

/* Whether h answers the request on the wire. */
static bool expected_response(const struct ike_sa *sa, const struct ike_hdr *h)
{
	if (sa_active_task(sa) && sa->req.active &&
	    h->msg_id == sa->req.msg_id && h->exchange == sa->req.exchange)
		return true;
	log_dbg("ignoring unexpected %s response %u",
		exchange_name(h->exchange), h->msg_id);
	return false;
}

enum task_rc sa_take_response(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_task *t = sa_active_task(sa);
	char why[200];
	enum task_rc rc;

	if (!expected_response(sa, m->hdr))
		return TASK_IGNORE;
	if (msg_check(m, true, why, sizeof(why)) < 0) {
		sa_discard_response(sa, m->hdr, why);
		return TASK_IGNORE;
	}
	loop_timer_cancel(sa->loop, sa->req.timer);
	sa->req.timer = 0;
	sa->req.active = false;
	roam_heard(sa);
	rc = t->ops->response(sa, t, m);
	if (rc == TASK_IGNORE) {
		/* Not usable: keep waiting for the real one. */
		sa->req.active = true;
		arm_timer(sa);
		return rc;
	}
	sa_settle(sa, rc);      /* last: it may free the SA */
	return rc;
}

static void handle_response(struct ike_sa *sa, const struct ike_hdr *h,
			    const uint8_t *msg, size_t len,
			    struct payload_list *pl,
			    const struct sockaddr_storage *from)
{
	struct chunk plain = { 0 };
	struct verr e = { { 0 } };
	const struct ike_payload *skf;
	struct ike_msg m;
	uint8_t crit;

	if (!expected_response(sa, h))
		return;
	skf = payload_find(pl, PL_SKF);
	if (skf && sa->peer_frag && sa->keys.sk_ei.p) {
		frag_take_response(sa, h, msg, len, skf, from);
		return;
	}
	/* Only IKE_SA_INIT and IKE_SESSION_RESUME travel in the clear (RFC
	 * 7296 1.2, RFC 5723 4.3.2). */
	if (h->exchange != EXCH_IKE_SA_INIT &&
	    h->exchange != EXCH_IKE_SESSION_RESUME &&
	    open_sk(sa, msg, len, pl, &plain, &crit, &e) < 0) {
		sa_discard_response(sa, h, e.msg);
		chunk_free(&plain);
		return;
	}
	roam_peer_seen(sa, from, "its IKE messages");
	msg_index(&m, h, pl, msg, len);
	sa_take_response(sa, &m);
	chunk_free(&plain);
}

static void note_request(struct ike_sa *sa, const uint8_t *msg, size_t len);

/* Every authentic request gets an answer, or the gateway retransmits and
 * finally kills the SA (RFC 7296 2.21.2). */
void sa_answer_unsupported(struct ike_sa *sa, const struct ike_hdr *h,
			   const uint8_t *msg, size_t len, uint8_t crit)
{
	struct wbuf inner;
	struct pl_chain c;

	note_request(sa, msg, len);
	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, N_UNSUPPORTED_CRITICAL_PAYLOAD, &crit, 1);
	sa_send_response(sa, h->exchange, h->msg_id, &inner, c.first);
	wb_free(&inner);
}

/* RFC 7296 2.1: a retransmitted request is the same message, and gets
 * our answer again. Only the Message ID is checked before this, so a
 * forged datagram must not make us send (amplification, probing): the
 * bytes must be those of the request we answered. */
static void resend_response(struct ike_sa *sa, const struct ike_hdr *h,
			    const uint8_t *msg, size_t len)
{
	uint8_t d[32];

	if (sha256_digest(msg, len, d) < 0 ||
	    CRYPTO_memcmp(d, sa->last_req_digest, sizeof(d))) {
		sa_warn_unauth(sa, "ignoring request %u: not a retransmission of the one we answered",
			       h->msg_id);
		return;
	}
	log_dbg("retransmitted request %u: resending our response",
		h->msg_id);
	wire_msg_send(sa, &sa->last_resp);
}

/* An authentic request is taken: the next one has the next ID, and a
 * retransmission of this one must equal it. */
static void note_request(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	sa->peer_next_mid++;
	if (sha256_digest(msg, len, sa->last_req_digest) < 0)
		memset(sa->last_req_digest, 0, sizeof(sa->last_req_digest));
}

/* An authentic request with payloads its exchange cannot carry:
 * INVALID_SYNTAX (RFC 7296 3.10.1), and nothing of it is acted on. */
static enum task_rc refuse_malformed(struct ike_sa *sa,
				     const struct ike_hdr *h, const char *why)
{
	struct wbuf inner;
	struct pl_chain c;

	log_warn("%s: refusing the gateway's %s request %u: %s",
		 sa->prof->name, exchange_name(h->exchange), h->msg_id, why);
	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
	sa_send_response(sa, h->exchange, h->msg_id, &inner, c.first);
	wb_free(&inner);
	return TASK_DONE;
}

enum task_rc sa_take_request(struct ike_sa *sa, const struct ike_msg *m)
{
	enum task_rc act;
	char why[200];

	if (m->hdr->msg_id != sa->peer_next_mid) {
		log_dbg("ignoring request with message ID %u (expected %u)",
			m->hdr->msg_id, sa->peer_next_mid);
		return TASK_IGNORE;
	}
	note_request(sa, m->raw, m->raw_len);
	act = msg_check(m, false, why, sizeof(why)) < 0 ?
		      refuse_malformed(sa, m->hdr, why) :
		      ike_handle_request(sa, m);
	sa_act(sa, act);        /* last: it may free the SA */
	return act;
}

static void handle_request(struct ike_sa *sa, const struct ike_hdr *h,
			   const uint8_t *msg, size_t len,
			   struct payload_list *pl,
			   const struct sockaddr_storage *from)
{
	struct chunk plain = { 0 };
	struct verr e = { { 0 } };
	uint8_t crit = 0;
	const struct ike_payload *skf = payload_find(pl, PL_SKF);
	struct ike_msg m;
	int rc;

	if (skf && sa->peer_frag && sa->keys.sk_ei.p) {
		frag_take_request(sa, h, msg, len, skf, from);
		return;
	}
	if (sa->have_last_resp && h->msg_id == sa->last_resp_mid) {
		resend_response(sa, h, msg, len);
		return;
	}
	if (h->msg_id != sa->peer_next_mid) {
		log_dbg("ignoring request with message ID %u (expected %u)",
			h->msg_id, sa->peer_next_mid);
		return;
	}
	rc = open_sk(sa, msg, len, pl, &plain, &crit, &e);
	if (rc == -1) {
		sa_warn_unauth(sa, "discarding %s request: %s",
			       exchange_name(h->exchange), e.msg);
		chunk_free(&plain);
		return;
	}
	roam_peer_seen(sa, from, "its IKE messages");
	if (rc == OPEN_SK_CRITICAL) {
		sa_answer_unsupported(sa, h, msg, len, crit);
	} else {
		msg_index(&m, h, pl, msg, len);
		sa_take_request(sa, &m);
	}
	chunk_free(&plain);
}

void sa_receive(void *ctx, const uint8_t *msg, size_t len,
		const struct sockaddr_storage *from, bool natt)
{
	struct ike_sa *sa = ctx;
	struct payload_list pl;
	struct ike_hdr h;
	struct verr e = { { 0 } };
	char addr[64];

	if (parse_outer(msg, len, &h, &pl, &e) < 0) {
		sa_warn_unauth(sa, "malformed message from %s: %s",
			       sockaddr_str(from, addr, sizeof(addr)), e.msg);
		return;
	}
	/* The gateway's I bit is the opposite of ours (RFC 7296 3.1). */
	if (!(h.flags & IKE_FLAG_I) != sa->initiator) {
		log_dbg("ignoring message with the initiator flag %s",
			h.flags & IKE_FLAG_I ? "set" : "clear");
		return;
	}
	/* Our SPI routed it here; the gateway's must match too, once
	 * known. */
	if (sa->state != IKE_INIT_SENT && sa->state != IKE_RESUME_SENT &&
	    (memcmp(h.spi_r, sa->spi_r, 8) || memcmp(h.spi_i, sa->spi_i, 8))) {
		log_dbg("ignoring message for other SPIs");
		return;
	}
	if (h.flags & IKE_FLAG_R)
		handle_response(sa, &h, msg, len, &pl, from);
	else if (sa->state >= IKE_ESTABLISHED)
		/* Before the gateway's AUTH verified, its requests could come
		 * from a man in the middle; it will retransmit them. */
		handle_request(sa, &h, msg, len, &pl, from);
}
