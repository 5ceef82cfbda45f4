/* test-testgw helpers: gateways in this process and a hand-made
 * initiator. Nothing here comes from src/ike: the messages are built
 * and checked with the codec and crypto libraries only, so the gateway
 * is tested against an independent reading of the protocol. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tg.h"

#define NONCE_LEN 32

struct loop *tg_loop;
const char *tg_testgw_path;

static int peer_fd = -1;
static uint8_t rx[IKE_MAX_MSG];
static size_t rx_len;
static bool rx_got;

/* ---- gateways ---- */

static void keep_event(void *ctx, const char *line)
{
	struct tg_gw *g = ctx;
	size_t n = strlen(line);

	if (g->ev_len + n + 2 > sizeof(g->events))
		return;
	memcpy(g->events + g->ev_len, line, n);
	g->ev_len += n;
	g->events[g->ev_len++] = '\n';
	g->events[g->ev_len] = '\0';
}

void tg_cfg(struct responder_cfg *cfg, const uint8_t *key, const char *dir)
{
	responder_cfg_defaults(cfg);
	cfg->port = 0;
	cfg->ticket_mode = R_TICKET_ISSUE;
	cfg->ticket_lifetime = 600;
	if (key) {
		cfg->has_domain_key = true;
		memcpy(cfg->domain_key, key, RESP_DOMAIN_KEY_LEN);
	}
	cfg->domain_dir = dir;
}

struct tg_gw *tg_gw_start(const struct responder_cfg *cfg)
{
	struct tg_gw *g = calloc(1, sizeof(*g));
	struct responder_cfg c = *cfg;
	struct verr e = { { 0 } };

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	c.on_event = keep_event;
	c.event_ctx = g;
	g->r = responder_new(tg_loop, &c, &e);
	if (!g->r) {
		fprintf(stderr, "responder_new: %s\n", e.msg);
		free(g);
		CU_FAIL_FATAL("cannot start a test gateway");
		return NULL;
	}
	g->port = responder_port(g->r);
	return g;
}

void tg_gw_stop(struct tg_gw *g)
{
	if (!g)
		return;
	responder_free(g->r);
	free(g);
}

bool tg_gw_saw(const struct tg_gw *g, const char *needle)
{
	return strstr(g->events, needle) != NULL;
}

const struct responder_stats *tg_st(const struct tg_gw *g)
{
	return responder_stats(g->r);
}

bool tg_domain(char *dir, size_t len, uint8_t key[RESP_DOMAIN_KEY_LEN])
{
	snprintf(dir, len, "/tmp/vpnd-test-testgw.XXXXXX");
	if (!mkdtemp(dir))
		return false;
	return !key || random_bytes(key, RESP_DOMAIN_KEY_LEN) == 0;
}

void tg_rmdir(const char *dir)
{
	char cmd[512];

	if (strncmp(dir, "/tmp/vpnd-test-testgw.", 22))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* ---- the initiator's socket ---- */

static void on_rx(void *ctx, int fd, uint32_t events)
{
	ssize_t n = recv(fd, rx, sizeof(rx), MSG_DONTWAIT);

	if (n <= 0 || rx_got)
		return;
	rx_len = (size_t)n;
	rx_got = true;
	loop_stop(tg_loop);
}

static void on_timeout(void *ctx)
{
	bool *fired = ctx;

	*fired = true;
	loop_stop(tg_loop);
}

static bool open_peer(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (peer_fd >= 0)
		return true;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 0);
	if (peer_fd < 0 ||
	    bind(peer_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    loop_add_fd(tg_loop, peer_fd, EPOLLIN, on_rx, NULL) < 0)
		return false;
	return true;
}

/* Anything still queued (a late answer of an earlier test) goes. */
static void drain(void)
{
	uint8_t junk[64];

	while (recv(peer_fd, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
		;
}

bool tg_exchange(uint16_t port, const uint8_t *msg, size_t len,
		 uint8_t *resp, size_t *rlen, unsigned ms)
{
	if (!open_peer())
		return false;
	drain();
	return tg_send(port, msg, len) && tg_recv(resp, rlen, ms);
}

bool tg_send(uint16_t port, const uint8_t *msg, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	if (!open_peer())
		return false;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	return sendto(peer_fd, msg, len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)len;
}

bool tg_recv(uint8_t *resp, size_t *rlen, unsigned ms)
{
	bool fired = false;
	uint64_t timer;

	if (!open_peer())
		return false;
	rx_got = false;
	timer = loop_timer(tg_loop, ms, on_timeout, &fired);
	loop_run(tg_loop);
	if (!fired)
		loop_timer_cancel(tg_loop, timer);
	if (!rx_got)
		return false;
	memcpy(resp, rx, rx_len);
	*rlen = rx_len;
	return true;
}

/* ---- messages ---- */

static void frame(struct wbuf *out, const uint8_t spi_i[8],
		  const uint8_t spi_r[8], uint8_t exchange, uint32_t mid,
		  const struct pl_chain *c, const struct wbuf *body)
{
	struct ike_hdr h = { .version = IKE_VERSION, .flags = IKE_FLAG_I };
	uint8_t hdr[IKE_HDR_LEN];

	memcpy(h.spi_i, spi_i, 8);
	memcpy(h.spi_r, spi_r, 8);
	h.exchange = exchange;
	h.msg_id = mid;
	h.next = c->first;
	h.length = (uint32_t)(IKE_HDR_LEN + body->len);
	ike_hdr_write(hdr, &h);
	wb_put(out, hdr, sizeof(hdr));
	wb_put(out, body->p, body->len);
}

static void new_spi(uint8_t spi[8])
{
	do {
		random_bytes(spi, 8);
	} while (!memcmp(spi, "\0\0\0\0\0\0\0\0", 8));
}

void tg_sa_free(struct tg_sa *sa)
{
	chunk_free(&sa->ni);
	chunk_free(&sa->nr);
	ike_keys_wipe(&sa->keys);
	wb_free(&sa->msg1);
	wb_free(&sa->msg2);
	memset(sa, 0, sizeof(*sa));
}

static void ike_offer(struct sa_payload *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->n = 1;
	sa->p[0].num = 1;
	sa->p[0].proto = PROTO_IKE;
	sa->p[0].n = 3;
	sa->p[0].t[0] = (struct ike_transform){ TRANS_ENCR, ENCR_AES_GCM_16,
						256 };
	sa->p[0].t[1] = (struct ike_transform){ TRANS_PRF, PRF_HMAC_SHA2_256,
						0 };
	sa->p[0].t[2] = (struct ike_transform){ TRANS_DH, DH_ECP256, 0 };
}

static int init_keys(struct tg_sa *sa, const struct payload_list *pl,
		     struct dh *dh)
{
	const struct ike_payload *ke = payload_find(pl, PL_KE);
	const struct ike_payload *nr = payload_find(pl, PL_NONCE);
	struct chunk gir = { 0 }, seed = { 0 };
	struct ke_payload k;
	struct verr e = { { 0 } };
	int rc = -1;

	if (!ke || !nr || ke_parse(ke->body, ke->len, &k, &e) < 0 ||
	    !chunk_set(&sa->nr, nr->body, nr->len))
		return -1;
	sa->keys.encr = ENCR_AES_GCM_16;
	sa->keys.encr_keylen = 256;
	sa->keys.integ = INTEG_NONE;
	sa->keys.prf = PRF_HMAC_SHA2_256;
	if (dh_shared(dh, k.data, k.len, &gir, &e) == 0 &&
	    ike_skeyseed(sa->keys.prf, &sa->ni, &sa->nr, &gir, &seed) == 0)
		rc = ike_keys_derive(&sa->keys, &seed, &sa->ni, &sa->nr,
				     sa->spi_i, sa->spi_r);
	chunk_free(&gir);
	chunk_free(&seed);
	return rc;
}

bool tg_init(uint16_t port, struct tg_sa *sa)
{
	static uint8_t resp[IKE_MAX_MSG];
	static struct sa_payload offer;
	static struct payload_list pl;
	struct verr e = { { 0 } };
	struct chunk pub = { 0 };
	struct dh *dh = dh_new(DH_ECP256, &e);
	struct wbuf body;
	struct pl_chain c;
	struct ike_hdr h;
	size_t rlen;
	bool ok = false;

	bool no_vid = sa->no_vendor_id;

	memset(sa, 0, sizeof(*sa));
	sa->no_vendor_id = no_vid;
	wb_init(&sa->msg1);
	wb_init(&sa->msg2);
	new_spi(sa->spi_i);
	if (!dh || dh_public(dh, &pub) < 0 || !chunk_alloc(&sa->ni, NONCE_LEN))
		goto out;
	random_bytes(sa->ni.p, NONCE_LEN);
	ike_offer(&offer);
	wb_init(&body);
	chain_init(&c, &body);
	sa_build(&c, &offer);
	ke_build(&c, DH_ECP256, pub.p, pub.len);
	chain_add(&c, PL_NONCE, sa->ni.p, sa->ni.len);
	if (!sa->no_vendor_id)
		chain_add(&c, PL_VENDOR, VPND_VENDOR_ID, VPND_VENDOR_ID_LEN);
	frame(&sa->msg1, sa->spi_i, (const uint8_t[8]){ 0 },
	      EXCH_IKE_SA_INIT, 0, &c, &body);
	wb_free(&body);
	if (!tg_exchange(port, sa->msg1.p, sa->msg1.len, resp, &rlen, 2000) ||
	    ike_hdr_parse(resp, rlen, &h, &e) < 0 ||
	    payload_chain_parse(h.next, resp + IKE_HDR_LEN,
				rlen - IKE_HDR_LEN, &pl, &e) < 0)
		goto out;
	memcpy(sa->spi_r, h.spi_r, 8);
	sa->gw_vendor_id = vendor_id_present(&pl,
					     (const uint8_t *)VPND_VENDOR_ID,
					     VPND_VENDOR_ID_LEN);
	wb_put(&sa->msg2, resp, rlen);
	sa->next_mid = 1;
	ok = init_keys(sa, &pl, dh) == 0;
out:
	chunk_free(&pub);
	dh_free(dh);
	return ok;
}

void tg_auth_opts(struct tg_auth_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->resumption_flags = -1;
	o->cp = true;
}

static void id_body_of(uint8_t type, const char *id, struct wbuf *out)
{
	wb_u8(out, type);
	wb_zero(out, 3);
	wb_put(out, id, strlen(id));
}

/* Our AUTH over RealMessage1 | Nr | prf(SK_pi, IDi body). */
static int make_auth(const struct tg_sa *sa, const struct tg_auth_opts *o,
		     const struct wbuf *idb, uint8_t *method,
		     struct chunk *auth)
{
	const char *psk = o->psk ? o->psk : "test-secret";
	struct chunk oct = { 0 };
	struct verr e = { { 0 } };
	int rc;

	if (o->resumed)
		rc = auth_resume_octets(o->resume_auth, sa->keys.prf,
					&sa->keys.sk_pi, sa->msg1.p,
					sa->msg1.len, &sa->nr, idb->p,
					idb->len, &oct);
	else
		rc = auth_signed_octets(sa->keys.prf, &sa->keys.sk_pi,
					sa->msg1.p, sa->msg1.len, &sa->nr,
					idb->p, idb->len, &oct);
	if (rc == 0 && o->resumed) {
		*method = AUTH_PSK;
		rc = auth_resume(sa->keys.prf, &sa->keys.sk_pi, &oct, auth);
	} else if (rc == 0 && o->key) {
		rc = auth_sig_sign(o->key, NULL, 0, &oct, method, auth, &e);
	} else if (rc == 0) {
		*method = AUTH_PSK;
		rc = auth_psk(sa->keys.prf, (const uint8_t *)psk, strlen(psk),
			      &oct, auth);
	}
	if (rc == 0 && o->break_auth)
		auth->p[auth->len / 2] ^= 0x01;
	chunk_free(&oct);
	return rc;
}

void tg_child_payloads(struct pl_chain *c, const uint8_t *spi)
{
	static struct sa_payload esp;
	struct ts_payload ts = { .n = 1 };

	memset(&esp, 0, sizeof(esp));
	esp.n = 1;
	esp.p[0].num = 1;
	esp.p[0].proto = PROTO_ESP;
	esp.p[0].spi_size = 4;
	if (spi)
		memcpy(esp.p[0].spi, spi, 4);
	else
		random_bytes(esp.p[0].spi, 4);
	esp.p[0].n = 2;
	esp.p[0].t[0] = (struct ike_transform){ TRANS_ENCR, ENCR_AES_GCM_16,
						256 };
	esp.p[0].t[1] = (struct ike_transform){ TRANS_ESN, ESN_NO, 0 };
	sa_build(c, &esp);
	memset(&ts.ts[0], 0, sizeof(ts.ts[0]));
	ts.ts[0].type = TS_IPV4_ADDR_RANGE;
	ts.ts[0].end_port = 0xffff;
	memset(ts.ts[0].end, 0xff, 4);
	ts_build(c, PL_TSI, &ts);
	ts_build(c, PL_TSR, &ts);
}

static void cp_request(struct pl_chain *c, const uint8_t *vip)
{
	struct cp_payload cp = { .cfg_type = CFG_REQUEST, .n = 1 };

	cp.a[0].type = CFG_INTERNAL_IP4_ADDRESS;
	cp.a[0].val = vip;
	cp.a[0].len = vip ? 4 : 0;
	cp_build(c, &cp);
}

static bool add_cert(struct pl_chain *c, X509 *cert)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);

	if (len <= 0)
		return false;
	cert_build(c, PL_CERT, CERT_X509_SIG, der, (size_t)len);
	OPENSSL_free(der);
	return true;
}

static int auth_inner(const struct tg_sa *sa, const struct tg_auth_opts *o,
		      struct wbuf *inner, uint8_t *first)
{
	const char *idi = o->idi ? o->idi : "client.test";
	struct chunk auth = { 0 };
	struct wbuf idb;
	struct pl_chain c;
	uint8_t method = 0, flags;
	int rc;

	wb_init(&idb);
	id_body_of(ID_FQDN, idi, &idb);
	rc = make_auth(sa, o, &idb, &method, &auth);
	wb_free(&idb);
	if (rc < 0)
		return -1;
	chain_init(&c, inner);
	id_build(&c, PL_IDI, ID_FQDN, (const uint8_t *)idi, strlen(idi));
	if (o->cert && !add_cert(&c, o->cert))
		rc = -1;
	auth_build(&c, method, auth.p, auth.len);
	if (o->cp)
		cp_request(&c, o->cp_vip);
	tg_child_payloads(&c, NULL);
	if (o->ticket_request)
		notify_build(&c, 0, NULL, 0, N_TICKET_REQUEST, NULL, 0);
	if (o->resumption_flags >= 0) {
		flags = (uint8_t)o->resumption_flags;
		notify_build(&c, 0, NULL, 0, N_VPND_RESUMPTION_SUPPORTED,
			     &flags, 1);
	}
	chunk_free(&auth);
	*first = c.first;
	return rc < 0 || inner->oom ? -1 : 0;
}

/* The gateway's AUTH: prf(SK_pr, ...) after a resume, else the PSK. */
static bool gw_auth_ok(const struct tg_sa *sa, const struct tg_auth_opts *o,
		       const struct payload_list *pl, uint8_t *method)
{
	const struct ike_payload *p_id = payload_find(pl, PL_IDR);
	const struct ike_payload *p_auth = payload_find(pl, PL_AUTH);
	const char *psk = o->psk ? o->psk : "test-secret";
	struct chunk oct = { 0 };
	struct auth_payload a;
	struct verr e = { { 0 } };
	bool ok = false;

	if (!p_id || !p_auth || auth_parse(p_auth->body, p_auth->len, &a,
					   &e) < 0)
		return false;
	*method = a.method;
	if (a.method != AUTH_PSK)
		goto out;
	if (o->resumed) {
		ok = auth_resume_octets(o->resume_auth, sa->keys.prf,
					&sa->keys.sk_pr, sa->msg2.p,
					sa->msg2.len, &sa->ni, p_id->body,
					p_id->len, &oct) == 0 &&
		     auth_resume_verify(sa->keys.prf, &sa->keys.sk_pr, &oct,
					a.data, a.len);
	} else if (auth_signed_octets(sa->keys.prf, &sa->keys.sk_pr,
				      sa->msg2.p, sa->msg2.len, &sa->ni,
				      p_id->body, p_id->len, &oct) == 0) {
		ok = auth_psk_verify(sa->keys.prf, (const uint8_t *)psk,
				     strlen(psk), &oct, a.data, a.len);
	}
out:
	chunk_free(&oct);
	return ok;
}

static void read_cp(const struct payload_list *pl, struct tg_auth_result *res)
{
	const struct ike_payload *p = payload_find(pl, PL_CP);
	static struct cp_payload cp;
	struct verr e = { { 0 } };
	size_t i;

	if (!p || cp_parse(p->body, p->len, &cp, &e) < 0)
		return;
	for (i = 0; i < cp.n; i++)
		if (cp.a[i].type == CFG_INTERNAL_IP4_ADDRESS &&
		    cp.a[i].len == 4) {
			res->has_vip = true;
			memcpy(res->vip, cp.a[i].val, 4);
		}
}

static void read_notify(const struct notify_payload *n,
			struct tg_auth_result *res)
{
	const uint8_t *t;
	size_t tlen;
	struct verr e = { { 0 } };

	if (n->type < 16384 && !res->error)
		res->error = n->type;
	if (n->type == N_TICKET_NACK)
		res->ticket_nack = true;
	if (n->type == 16403 && n->len == 4) { /* AUTH_LIFETIME, RFC 4478 */
		res->has_auth_lifetime = true;
		res->auth_lifetime = get_u32(n->data);
	}
	if (n->type == N_TICKET_LT_OPAQUE &&
	    notify_ticket_lt_parse(n->data, n->len, &res->lifetime, &t, &tlen,
				   &e) == 0 &&
	    tlen <= sizeof(res->ticket)) {
		res->has_ticket = true;
		memcpy(res->ticket, t, tlen);
		res->ticket_len = tlen;
	}
	if (n->type == N_VPND_ALT_GW_LIST)
		res->has_alt = notify_alt_gw_list_parse(n->data, n->len,
							res->alt,
							RESP_MAX_BACKUPS,
							&res->n_alt, &e) == 0;
}

static void read_auth_response(const struct tg_sa *sa,
			       const struct tg_auth_opts *o,
			       const struct payload_list *pl,
			       struct tg_auth_result *res)
{
	struct notify_payload n;
	size_t i;

	res->gw_auth_ok = gw_auth_ok(sa, o, pl, &res->gw_auth_method);
	res->child = payload_find(pl, PL_SA) && payload_find(pl, PL_TSI) &&
		     payload_find(pl, PL_TSR);
	read_cp(pl, res);
	for (i = 0; i < pl->n; i++)
		if (pl->pl[i].type == PL_NOTIFY &&
		    notify_parse(pl->pl[i].body, pl->pl[i].len, &n, NULL) == 0)
			read_notify(&n, res);
}

bool tg_auth(uint16_t port, struct tg_sa *sa, const struct tg_auth_opts *o,
	     struct tg_auth_result *res)
{
	static uint8_t resp[IKE_MAX_MSG];
	static struct payload_list pl;
	struct ike_hdr h = { .version = IKE_VERSION, .flags = IKE_FLAG_I };
	struct chunk plain = { 0 };
	struct verr e = { { 0 } };
	const struct ike_payload *sk;
	struct wbuf inner, msg;
	uint8_t first;
	size_t rlen;
	bool ok = false;

	memset(res, 0, sizeof(*res));
	wb_init(&inner);
	wb_init(&msg);
	memcpy(h.spi_i, sa->spi_i, 8);
	memcpy(h.spi_r, sa->spi_r, 8);
	h.exchange = EXCH_IKE_AUTH;
	h.msg_id = sa->next_mid++;
	if (auth_inner(sa, o, &inner, &first) < 0 ||
	    ike_protect(&sa->keys, true, &h, first, inner.p, inner.len,
			&msg) < 0)
		goto out;
	res->answered = tg_exchange(port, msg.p, msg.len, resp, &rlen, 2000);
	if (!res->answered || ike_hdr_parse(resp, rlen, &h, &e) < 0 ||
	    payload_chain_parse(h.next, resp + IKE_HDR_LEN,
				rlen - IKE_HDR_LEN, &pl, &e) < 0 ||
	    !(sk = payload_find(&pl, PL_SK)) ||
	    ike_unprotect(&sa->keys, false, resp, rlen,
			  IKE_HDR_LEN + sk->offset, &plain, &e) < 0 ||
	    payload_chain_parse(sk->next, plain.p, plain.len, &pl, &e) < 0) {
		if (res->answered)
			fprintf(stderr, "IKE_AUTH response: %s\n", e.msg);
		goto out;
	}
	read_auth_response(sa, o, &pl, res);
	ok = true;
out:
	chunk_free(&plain);
	wb_free(&inner);
	wb_free(&msg);
	return ok;
}

bool tg_full(uint16_t port, struct tg_sa *sa, struct tg_auth_result *res)
{
	struct tg_auth_opts o;

	tg_auth_opts(&o);
	o.ticket_request = true;
	o.resumption_flags = RESUME_FLAG_CLIENT_STORAGE | RESUME_FLAG_GW_LIST;
	return tg_init(port, sa) && tg_auth(port, sa, &o, res);
}

/* ---- IKE_SESSION_RESUME ---- */

static void resume_request(struct tg_sa *sa, const uint8_t *ticket,
			   size_t tlen)
{
	struct wbuf body;
	struct pl_chain c;

	wb_init(&body);
	chain_init(&c, &body);
	chain_add(&c, PL_NONCE, sa->ni.p, sa->ni.len);
	notify_build(&c, 0, NULL, 0, N_TICKET_OPAQUE, ticket, tlen);
	if (!sa->no_vendor_id)
		chain_add(&c, PL_VENDOR, VPND_VENDOR_ID, VPND_VENDOR_ID_LEN);
	frame(&sa->msg1, sa->spi_i, (const uint8_t[8]){ 0 },
	      EXCH_IKE_SESSION_RESUME, sa->mid, &c, &body);
	wb_free(&body);
}

static void read_resume(const uint8_t *resp, size_t rlen,
			struct tg_resume_result *res, struct tg_sa *sa)
{
	static struct payload_list pl;
	const struct ike_payload *nr;
	struct notify_payload n;
	struct verr e = { { 0 } };
	size_t i;

	if (ike_hdr_parse(resp, rlen, &res->hdr, &e) < 0 ||
	    payload_chain_parse(res->hdr.next, resp + IKE_HDR_LEN,
				rlen - IKE_HDR_LEN, &pl, &e) < 0)
		return;
	res->n_payloads = pl.n;
	nr = payload_find(&pl, PL_NONCE);
	res->has_nonce = nr && chunk_set(&sa->nr, nr->body, nr->len);
	for (i = 0; i < pl.n && !res->notify; i++)
		if (pl.pl[i].type == PL_NOTIFY &&
		    notify_parse(pl.pl[i].body, pl.pl[i].len, &n, NULL) == 0 &&
		    n.len <= sizeof(res->ndata)) {
			res->notify = n.type;
			memcpy(res->ndata, n.data, n.len);
			res->ndata_len = n.len;
		}
}

static int resume_keys(struct tg_sa *sa, const struct responder_ticket *t)
{
	struct chunk sk_d = { 0 }, seed = { 0 };
	int rc = -1;

	sa->keys.prf = t->prf;
	sa->keys.encr = t->encr;
	sa->keys.encr_keylen = t->encr_keylen;
	sa->keys.integ = t->integ;
	if (chunk_set(&sk_d, t->sk_d, t->sk_d_len) &&
	    ike_skeyseed_resume(t->prf, &sk_d, &sa->ni, &sa->nr, &seed) == 0)
		rc = ike_keys_derive(&sa->keys, &seed, &sa->ni, &sa->nr,
				     sa->spi_i, sa->spi_r);
	chunk_free(&sk_d);
	chunk_free(&seed);
	return rc;
}

bool tg_resume(uint16_t port, const uint8_t *ticket, size_t tlen,
	       uint32_t mid, const struct responder_ticket *t,
	       struct tg_sa *sa, struct tg_resume_result *res)
{
	static uint8_t resp[IKE_MAX_MSG];
	size_t rlen;

	memset(sa, 0, sizeof(*sa));
	memset(res, 0, sizeof(*res));
	wb_init(&sa->msg1);
	wb_init(&sa->msg2);
	new_spi(sa->spi_i);
	sa->mid = mid;
	if (!chunk_alloc(&sa->ni, NONCE_LEN))
		return false;
	random_bytes(sa->ni.p, NONCE_LEN);
	resume_request(sa, ticket, tlen);
	res->answered = tg_exchange(port, sa->msg1.p, sa->msg1.len, resp,
				    &rlen, 2000);
	if (!res->answered)
		return false;
	wb_put(&sa->msg2, resp, rlen);
	read_resume(resp, rlen, res, sa);
	memcpy(sa->spi_r, res->hdr.spi_r, 8);
	sa->next_mid = 1;
	if (!res->has_nonce || !t)
		return res->has_nonce;
	return resume_keys(sa, t) == 0;
}

bool tg_resend(uint16_t port, const struct tg_sa *sa, uint8_t *resp,
	       size_t *rlen)
{
	return tg_exchange(port, sa->msg1.p, sa->msg1.len, resp, rlen, 2000);
}

/* ---- tickets ---- */

void tg_ticket(struct responder_ticket *t, uint8_t gsc)
{
	static const char idi[] = "client.test", idr[] = "gw.test";

	memset(t, 0, sizeof(*t));
	random_bytes(t->id, sizeof(t->id));
	t->expires = (uint64_t)time(NULL) + 3600;
	t->gsc = gsc;
	t->prf = PRF_HMAC_SHA2_256;
	t->encr = ENCR_AES_GCM_16;
	t->encr_keylen = 256;
	t->integ = INTEG_NONE;
	t->sk_d_len = 32;
	random_bytes(t->sk_d, t->sk_d_len);
	t->idi.type = ID_FQDN;
	t->idi.len = sizeof(idi) - 1;
	memcpy(t->idi.data, idi, t->idi.len);
	t->idr.type = ID_FQDN;
	t->idr.len = sizeof(idr) - 1;
	memcpy(t->idr.data, idr, t->idr.len);
	t->has_vip4 = true;
	memcpy(t->vip4, (const uint8_t[]){ 198, 51, 100, 77 }, 4);
}

size_t tg_seal(const uint8_t *key, const struct responder_ticket *t,
	       uint8_t *out)
{
	struct wbuf w;
	size_t n = 0;

	wb_init(&w);
	if (responder_ticket_seal(key, t, &w) == 0 && w.len <= RESP_TICKET_MAX) {
		memcpy(out, w.p, w.len);
		n = w.len;
	}
	wb_free(&w);
	CU_ASSERT(n > 0);
	return n;
}
