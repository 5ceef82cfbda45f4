/* The in-memory fixture (mem.h): the test is the gateway. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "mem.h"
#include "vpnd/crypto.h"

#define GW_ADDR "192.0.2.1"
#define NONCE_LEN 32

static const uint8_t gw_first_spi[8] = { 0x5a, 0x11, 0x22, 0x33,
				   0x44, 0x55, 0x66, 0x77 };

static int capture(void *ctx, const struct sockaddr_storage *to, bool natt,
		   const uint8_t *msg, size_t len,
		   const struct sockaddr_storage *from)
{
	struct mem *m = ctx;
	struct mem_dgram *d;

	if (m->n_sent == m->cap_sent) {
		size_t n = m->cap_sent ? 2 * m->cap_sent : 8;
		struct mem_dgram *grown = realloc(m->sent, n * sizeof(*grown));

		CU_ASSERT_PTR_NOT_NULL_FATAL(grown);
		m->sent = grown;
		m->cap_sent = n;
	}
	d = &m->sent[m->n_sent];
	d->p = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d->p);
	memcpy(d->p, msg, len);
	d->len = len;
	d->to = *to;
	memset(&d->from, 0, sizeof(d->from));
	if (from)
		d->from = *from;
	d->natt = natt;
	m->n_sent++;
	return 0;
}

static void on_event(void *ctx, struct conn *c, enum conn_event ev,
		     const char *msg)
{
	struct mem *m = ctx;

	(void)c;
	if (ev == CEV_PROGRESS)
		return;
	m->n_up += ev == CEV_UP;
	m->n_no_tunnel += ev == CEV_NO_TUNNEL;
	m->n_failed += ev == CEV_FAILED;
	m->n_down += ev == CEV_DOWN;
	snprintf(m->event_msg, sizeof(m->event_msg), "%s", msg);
}

void mem_begin(struct mem *m)
{
	memset(m, 0, sizeof(*m));
	make_profile(&m->prof, IKE_PORT, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	snprintf(m->prof.name, sizeof(m->prof.name), "mem");
	snprintf(m->prof.gateways[0], sizeof(m->prof.gateways[0]), GW_ADDR);
	m->prof.resume_enabled = false;
	wb_init(&m->body);
	engine_set_send_hook(test_engine, capture, m);
}

static void msg_free(struct mem_msg *mm)
{
	chunk_free(&mm->body);
}

void mem_end(struct mem *m)
{
	size_t i;

	conn_free(m->conn);
	m->conn = NULL;
	engine_set_send_hook(test_engine, NULL, NULL);
	for (i = 0; i < m->n_sent; i++)
		free(m->sent[i].p);
	free(m->sent);
	wb_free(&m->body);
	msg_free(&m->in);
	msg_free(&m->out);
	ike_keys_wipe(&m->kept);
	profile_free(&m->prof);
}

static void gw_addr(struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(IKE_PORT);
	inet_pton(AF_INET, GW_ADDR, &sin->sin_addr);
}

/* A fixed byte string: the seed of keys and nonces. */
static void fixed(struct chunk *c, uint8_t tag, size_t len)
{
	size_t i;

	CU_ASSERT_FATAL(chunk_alloc(c, len));
	for (i = 0; i < len; i++)
		c->p[i] = (uint8_t)(tag + 7 * i);
}

/* What IKE_SA_INIT would have left: algorithms, nonces, keys, the two
 * messages the AUTH payloads sign. */
static void seed_sa(struct ike_sa *sa, const struct profile *p)
{
	struct chunk seed = { 0 };

	memcpy(sa->spi_r, gw_first_spi, 8);
	sa->algs.encr = p->ike[0].encr[0].id;
	sa->algs.encr_keylen = p->ike[0].encr[0].keylen;
	sa->algs.integ = p->ike[0].n_integ ? p->ike[0].integ[0] : 0;
	sa->algs.prf = p->ike[0].prf[0];
	sa->algs.dh = p->ike[0].dh[0];
	fixed(&sa->ni, 0x10, NONCE_LEN);
	fixed(&sa->nr, 0x20, NONCE_LEN);
	fixed(&seed, 0x30, 32);
	CU_ASSERT_EQUAL_FATAL(sa_derive_keys(sa, &seed, &sa->ni, &sa->nr), 0);
	chunk_free(&seed);
	fixed(&sa->init_req, 0x40, 300);
	fixed(&sa->init_resp, 0x50, 280);
	sa->next_mid = 1;
}

struct ike_sa *mem_sa(struct mem *m)
{
	struct verr e = { { 0 } };
	struct ike_sa *sa;
	struct conn *c;

	c = m->conn = conn_new(test_engine, &m->prof, on_event, m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	sa = conn_new_sa(c, true, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	c->sa = sa;
	c->state = CONN_CONNECTING;
	snprintf(c->gateway, sizeof(c->gateway), "%s", GW_ADDR);
	gw_addr(&sa->peer);
	seed_sa(sa, &m->prof);
	CU_ASSERT_FATAL(sa_set_state(sa, IKE_INIT_SENT));
	return sa;
}

struct ike_sa *mem_auth_sa(struct mem *m)
{
	struct ike_sa *sa = mem_sa(m);
	struct verr e = { { 0 } };

	CU_ASSERT_EQUAL_FATAL(ike_auth_queue(sa, &e), 0);
	CU_ASSERT_EQUAL_FATAL(m->n_sent, 1);
	return sa;
}

struct ike_sa *mem_established(struct mem *m)
{
	struct ike_sa *sa = mem_auth_sa(m);

	mem_chain(m);
	mem_add_auth_answer(m, sa, true);
	CU_ASSERT_EQUAL_FATAL(sa_take_response(sa, mem_typed(m, sa,
							    EXCH_IKE_AUTH,
							    1, true)),
			      TASK_UP);
	CU_ASSERT_EQUAL_FATAL(m->conn->sa, sa);
	return sa;
}

void mem_status(const struct mem *m, struct conn_status *st)
{
	conn_status_get(m->conn, st);
}

struct pl_chain *mem_chain(struct mem *m)
{
	wb_reset(&m->body);
	chain_init(&m->chain, &m->body);
	return &m->chain;
}

/* RestOfIDPayload of IDr: what the gateway's AUTH covers. */
static void idr_body(const struct profile *p, struct wbuf *out)
{
	wb_u8(out, p->remote_id.type);
	wb_zero(out, 3);
	wb_put(out, p->remote_id.data, p->remote_id.len);
}

static void add_auth(struct mem *m, const struct ike_sa *sa, bool good)
{
	struct chunk octets = { 0 }, auth = { 0 };
	static const char wrong[] = "not-the-secret";
	struct wbuf idb;

	wb_init(&idb);
	idr_body(&m->prof, &idb);
	id_build(&m->chain, PL_IDR, m->prof.remote_id.type,
		 m->prof.remote_id.data, m->prof.remote_id.len);
	CU_ASSERT_EQUAL_FATAL(auth_signed_octets(sa->keys.prf, &sa->keys.sk_pr,
						 sa->init_resp.p,
						 sa->init_resp.len, &sa->ni,
						 idb.p, idb.len, &octets), 0);
	CU_ASSERT_EQUAL_FATAL(auth_psk(sa->keys.prf,
				       good ? m->prof.psk.p :
					      (const uint8_t *)wrong,
				       good ? m->prof.psk.len :
					      strlen(wrong),
				       &octets, &auth), 0);
	auth_build(&m->chain, AUTH_PSK, auth.p, auth.len);
	chunk_free(&octets);
	chunk_free(&auth);
	wb_free(&idb);
}

/* The gateway's choice of our ESP offer, and our selectors echoed. */
static void add_child(struct mem *m, const struct ike_msg *req)
{
	const struct ike_payload *p_sa = payload_find(req->pl, PL_SA);
	static struct sa_payload offer, reply;
	struct child_sa chosen;
	struct ts_payload ts;
	struct verr e = { { 0 } };
	uint16_t dh;
	uint8_t t;

	memset(&chosen, 0, sizeof(chosen));
	m->gw_esp_spi[0] = 0xc0;
	m->gw_esp_spi[3] = 0x01;
	CU_ASSERT_PTR_NOT_NULL_FATAL(p_sa);
	CU_ASSERT_EQUAL_FATAL(sa_parse(p_sa->body, p_sa->len, &offer, &e), 0);
	CU_ASSERT_EQUAL_FATAL(proposal_choose_esp(&offer, &m->prof,
						  m->gw_esp_spi, &reply,
						  &chosen, &dh, &e), 0);
	sa_build(&m->chain, &reply);
	for (t = PL_TSI; t <= PL_TSR; t++) {
		const struct ike_payload *p = payload_find(req->pl, t);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL_FATAL(ts_parse(p->body, p->len, &ts, &e), 0);
		ts_build(&m->chain, t, &ts);
	}
}

static void add_vip(struct mem *m)
{
	static const uint8_t vip[4] = { 198, 51, 100, 2 };
	struct cp_payload rep;

	memset(&rep, 0, sizeof(rep));
	rep.cfg_type = CFG_REPLY;
	rep.a[0].type = CFG_INTERNAL_IP4_ADDRESS;
	rep.a[0].val = vip;
	rep.a[0].len = 4;
	rep.n = 1;
	if (!m->cp_attrs_len) {
		cp_build(&m->chain, &rep);
		return;
	}
	{
		size_t h = chain_begin(&m->chain, PL_CP, false);

		wb_u8(&m->body, CFG_REPLY);
		wb_zero(&m->body, 3);
		wb_u16(&m->body, CFG_INTERNAL_IP4_ADDRESS);
		wb_u16(&m->body, 4);
		wb_put(&m->body, vip, 4);
		wb_put(&m->body, m->cp_attrs, m->cp_attrs_len);
		chain_end(&m->chain, h);
	}
}

void mem_add_auth_answer(struct mem *m, struct ike_sa *sa, bool good_auth)
{
	const struct ike_msg *req = mem_open(m, sa, m->n_sent - 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_EQUAL_FATAL(req->hdr->exchange, EXCH_IKE_AUTH);
	add_auth(m, sa, good_auth);
	add_child(m, req);
	add_vip(m);
}

void mem_add_gw_auth(struct mem *m, const struct ike_sa *sa, bool good_auth)
{
	add_auth(m, sa, good_auth);
}

void mem_add_child_answer(struct mem *m, const struct ike_msg *req)
{
	add_child(m, req);
	add_vip(m);
}

void mem_add_key_auth(struct mem *m, const struct ike_sa *sa,
		      const struct chunk *key)
{
	struct chunk octets = { 0 }, auth = { 0 };
	struct wbuf idb;

	wb_init(&idb);
	idr_body(&m->prof, &idb);
	CU_ASSERT_EQUAL_FATAL(auth_signed_octets(sa->keys.prf, &sa->keys.sk_pr,
						 sa->init_resp.p,
						 sa->init_resp.len, &sa->ni,
						 idb.p, idb.len, &octets), 0);
	CU_ASSERT_EQUAL_FATAL(auth_psk(sa->keys.prf, key->p, key->len,
				       &octets, &auth), 0);
	auth_build(&m->chain, AUTH_PSK, auth.p, auth.len);
	chunk_free(&octets);
	chunk_free(&auth);
	wb_free(&idb);
}

void mem_check_key_auth(const struct mem *m, const struct ike_sa *sa,
			const struct ike_msg *req, const uint8_t *key,
			size_t len)
{
	const struct ike_payload *p = msg_payload(req, PL_AUTH);
	struct chunk octets = { 0 };
	struct auth_payload auth;
	struct verr e = { { 0 } };
	struct wbuf idb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(auth_parse(p->body, p->len, &auth, &e), 0);
	CU_ASSERT_EQUAL(auth.method, AUTH_PSK);
	wb_init(&idb);
	wb_u8(&idb, m->prof.local_id.type);
	wb_zero(&idb, 3);
	wb_put(&idb, m->prof.local_id.data, m->prof.local_id.len);
	CU_ASSERT_EQUAL_FATAL(auth_signed_octets(sa->keys.prf, &sa->keys.sk_pi,
						 sa->init_req.p,
						 sa->init_req.len, &sa->nr,
						 idb.p, idb.len, &octets), 0);
	CU_ASSERT_TRUE(auth_psk_verify(sa->keys.prf, key, len, &octets,
				       auth.data, auth.len));
	chunk_free(&octets);
	wb_free(&idb);
}

uint8_t mem_gw_flags(const struct ike_sa *sa, bool response)
{
	return (uint8_t)((sa->initiator ? 0 : IKE_FLAG_I) |
			 (response ? IKE_FLAG_R : 0));
}

static void gw_header(const struct ike_sa *sa, struct ike_hdr *h,
		      uint8_t exchange, uint32_t msg_id, uint8_t flags,
		      uint8_t next)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spi_i, sa->spi_i, 8);
	memcpy(h->spi_r, sa->spi_r, 8);
	h->next = next;
	h->version = IKE_VERSION;
	h->exchange = exchange;
	h->flags = flags;
	h->msg_id = msg_id;
}

/* The typed form of an inner chain (first, b, len) under h. */
static const struct ike_msg *typed(struct mem_msg *mm, const struct ike_hdr *h,
				   uint8_t first, const uint8_t *b, size_t len)
{
	struct verr e = { { 0 } };

	mm->hdr = *h;
	chunk_free(&mm->body);
	CU_ASSERT_FATAL(chunk_set(&mm->body, b, len) || len == 0);
	if (payload_chain_parse(first, mm->body.p, mm->body.len, &mm->pl,
				&e) < 0) {
		fprintf(stderr, "mem: %s\n", e.msg);
		return NULL;
	}
	msg_index(&mm->m, &mm->hdr, &mm->pl, mm->body.p, mm->body.len);
	return &mm->m;
}

void mem_add_init_answer(struct mem *m, const struct ike_sa *sa)
{
	struct chunk pub = { 0 }, nr = { 0 };
	struct verr e = { { 0 } };
	const struct ike_msg *req = mem_open(m, sa, m->n_sent - 1);
	const struct ike_payload *p_ke;
	struct ke_payload ke;
	struct dh *dh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_EQUAL_FATAL(req->hdr->exchange, EXCH_IKE_SA_INIT);
	p_ke = msg_payload(req, PL_KE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p_ke);
	CU_ASSERT_EQUAL_FATAL(ke_parse(p_ke->body, p_ke->len, &ke, &e), 0);
	dh = dh_new(ke.group, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	CU_ASSERT_EQUAL_FATAL(dh_public(dh, &pub), 0);
	mem_nonce(&nr, -1);
	mem_chain(m);
	/* our single proposal is a valid choice of itself */
	proposal_build_ike(&m->chain, &m->prof, NULL);
	ke_build(&m->chain, ke.group, pub.p, pub.len);
	chain_add(&m->chain, PL_NONCE, nr.p, nr.len);
	chunk_free(&pub);
	chunk_free(&nr);
	dh_free(dh);
}

const struct ike_msg *mem_typed_init(struct mem *m, const struct ike_sa *sa)
{
	struct ike_hdr h;
	const struct ike_msg *msg;

	gw_header(sa, &h, EXCH_IKE_SA_INIT, 0, mem_gw_flags(sa, true),
		  m->chain.first);
	memcpy(h.spi_r, gw_first_spi, 8);
	msg = typed(&m->in, &h, m->chain.first, m->body.p, m->body.len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	return msg;
}

const struct ike_msg *mem_typed(struct mem *m, const struct ike_sa *sa,
				uint8_t exchange, uint32_t msg_id,
				bool response)
{
	struct ike_hdr h;
	const struct ike_msg *msg;

	gw_header(sa, &h, exchange, msg_id, mem_gw_flags(sa, response),
		  m->chain.first);
	CU_ASSERT_FALSE_FATAL(m->body.oom);
	msg = typed(&m->in, &h, m->chain.first, m->body.p, m->body.len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	return msg;
}

void mem_datagram(struct mem *m, const struct ike_sa *sa, uint8_t exchange,
		  uint32_t msg_id, uint8_t flags, struct wbuf *out)
{
	struct ike_hdr h;

	gw_header(sa, &h, exchange, msg_id, flags, PL_SK);
	wb_init(out);
	CU_ASSERT_EQUAL_FATAL(ike_protect(&sa->keys, !sa->initiator, &h,
					  m->chain.first, m->body.p,
					  m->body.len, out), 0);
}

void mem_deliver(const struct wbuf *dgram)
{
	struct sockaddr_storage from;

	gw_addr(&from);
	engine_input(test_engine, dgram->p, dgram->len, &from, false);
}

const struct mem_dgram *mem_last(const struct mem *m)
{
	return m->n_sent ? &m->sent[m->n_sent - 1] : NULL;
}

static const struct ike_msg *open_with(struct mem *m,
					const struct ike_keys *keys,
					bool initiator, size_t i)
{
	const struct mem_dgram *d = i < m->n_sent ? &m->sent[i] : NULL;
	struct payload_list outer;
	const struct ike_payload *sk;
	struct chunk plain = { 0 };
	struct verr e = { { 0 } };
	const struct ike_msg *msg;
	struct ike_hdr h;

	if (!d || ike_hdr_parse(d->p, d->len, &h, &e) < 0 ||
	    payload_chain_parse(h.next, d->p + IKE_HDR_LEN,
				d->len - IKE_HDR_LEN, &outer, &e) < 0)
		return NULL;
	sk = payload_find(&outer, PL_SK);
	if (!sk)
		return typed(&m->out, &h, h.next, d->p + IKE_HDR_LEN,
			     d->len - IKE_HDR_LEN);
	if (ike_unprotect(keys, initiator, d->p, d->len,
			  IKE_HDR_LEN + sk->offset, &plain, &e) < 0)
		return NULL;
	msg = typed(&m->out, &h, sk->next, plain.p, plain.len);
	chunk_free(&plain);
	return msg;
}

const struct ike_msg *mem_open(struct mem *m, const struct ike_sa *sa,
			       size_t i)
{
	return open_with(m, &sa->keys, sa->initiator, i);
}

static void copy_key(struct chunk *to, const struct chunk *from)
{
	CU_ASSERT_FATAL(chunk_set(to, from->p, from->len) || !from->len);
}

void mem_keep(struct mem *m, const struct ike_sa *sa)
{
	const struct ike_keys *k = &sa->keys;

	ike_keys_wipe(&m->kept);
	m->kept = *k;
	memset(&m->kept.sk_d, 0, 7 * sizeof(struct chunk));
	copy_key(&m->kept.sk_d, &k->sk_d);
	copy_key(&m->kept.sk_ai, &k->sk_ai);
	copy_key(&m->kept.sk_ar, &k->sk_ar);
	copy_key(&m->kept.sk_ei, &k->sk_ei);
	copy_key(&m->kept.sk_er, &k->sk_er);
	copy_key(&m->kept.sk_pi, &k->sk_pi);
	copy_key(&m->kept.sk_pr, &k->sk_pr);
	m->kept_initiator = sa->initiator;
}

const struct ike_msg *mem_open_kept(struct mem *m, size_t i)
{
	return open_with(m, &m->kept, m->kept_initiator, i);
}

/* The latest CREATE_CHILD_SA request sa sent, opened. */
static const struct ike_msg *last_create(struct mem *m,
					 const struct ike_sa *sa)
{
	const struct ike_msg *msg;
	size_t i;

	for (i = m->n_sent; i-- > 0;) {
		msg = mem_open(m, sa, i);
		if (msg && msg->hdr->exchange == EXCH_CREATE_CHILD_SA &&
		    !(msg->hdr->flags & IKE_FLAG_R))
			return msg;
	}
	return NULL;
}

void mem_add_ike_rekey_answer(struct mem *m, const struct ike_sa *sa,
			      const uint8_t gw_spi[8],
			      const struct chunk *nr, uint8_t our_spi[8])
{
	const struct ike_msg *req = last_create(m, sa);
	const struct ike_payload *p_sa, *p_ke;
	static struct sa_payload offer, reply;
	struct chunk pub = { 0 };
	struct verr e = { { 0 } };
	struct ike_algs algs;
	struct ke_payload ke;
	struct dh *dh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	p_sa = msg_payload(req, PL_SA);
	p_ke = msg_payload(req, PL_KE);
	CU_ASSERT_FATAL(p_sa && p_ke && msg_payload(req, PL_NONCE));
	CU_ASSERT_EQUAL_FATAL(sa_parse(p_sa->body, p_sa->len, &offer, &e), 0);
	CU_ASSERT_EQUAL_FATAL(ke_parse(p_ke->body, p_ke->len, &ke, &e), 0);
	CU_ASSERT_EQUAL_FATAL(proposal_choose_ike(&offer, &m->prof, gw_spi,
						  &reply, &algs, our_spi, &e),
			      0);
	dh = dh_new(ke.group, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	CU_ASSERT_EQUAL_FATAL(dh_public(dh, &pub), 0);
	mem_chain(m);
	sa_build(&m->chain, &reply);
	chain_add(&m->chain, PL_NONCE, nr->p, nr->len);
	ke_build(&m->chain, ke.group, pub.p, pub.len);
	chunk_free(&pub);
	dh_free(dh);
}

void mem_add_ike_rekey_request(struct mem *m, const struct ike_sa *sa,
			       const uint8_t gw_spi[8],
			       const struct chunk *ni)
{
	struct chunk pub = { 0 };
	struct verr e = { { 0 } };
	struct dh *dh = dh_new(sa->algs.dh, &e);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dh);
	CU_ASSERT_EQUAL_FATAL(dh_public(dh, &pub), 0);
	mem_chain(m);
	proposal_build_ike(&m->chain, &m->prof, gw_spi);
	chain_add(&m->chain, PL_NONCE, ni->p, ni->len);
	ke_build(&m->chain, sa->algs.dh, pub.p, pub.len);
	chunk_free(&pub);
	dh_free(dh);
}

void mem_add_child_rekey_request(struct mem *m, struct ike_sa *sa,
				 const uint8_t gw_esp[4])
{
	struct chunk ni = { 0 };
	struct pl_chain *c;

	mem_nonce(&ni, -1);
	c = mem_chain(m);
	notify_build(c, PROTO_ESP, sa_child(sa)->spi_out, 4, N_REKEY_SA, NULL, 0);
	proposal_build_esp(c, &m->prof, gw_esp, false);
	chain_add(c, PL_NONCE, ni.p, ni.len);
	ts_build(c, PL_TSI, &sa_child(sa)->tsr);
	ts_build(c, PL_TSR, &sa_child(sa)->tsi);
	chunk_free(&ni);
}

void mem_nonce(struct chunk *n, int fill)
{
	chunk_free(n);
	CU_ASSERT_FATAL(chunk_alloc(n, NONCE_LEN));
	if (fill < 0)
		random_bytes(n->p, n->len);
	else
		memset(n->p, fill, n->len);
}

bool mem_has(const struct ike_msg *msg, uint8_t type)
{
	return msg_payload(msg, type) != NULL;
}
