/* IKE SA rekeying at the test gateway (RFC 7296 1.3.2, 2.8.2, 2.18) and
 * RFC 4478, against a hand-made peer: the new keys against OpenSSL's
 * HMAC on fixed inputs; the initiator's rekey answered; the gateway's
 * own, after which the peer is the original responder of the new SA
 * (the I flag and the SPIs change roles, 2.2 and 3.1); crossing rekeys
 * with either side's SA redundant; AUTH_LIFETIME and a make-before-break
 * reauthentication. The peer's SKEYSEED is its own (HMAC directly). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "r_internal.h"
#include "tg.h"

#define WAIT_MS 2000

/* ---- the new keys against OpenSSL's HMAC (fixed inputs) ---- */

static const EVP_MD *md_of(uint16_t prf)
{
	return prf == PRF_HMAC_SHA2_384 ? EVP_sha384() :
	       prf == PRF_HMAC_SHA2_512 ? EVP_sha512() : EVP_sha256();
}

/* SKEYSEED = HMAC(SK_d, g^ir | Ni | Nr) with the old PRF. */
static size_t ref_skeyseed(uint16_t old_prf, const struct chunk *sk_d,
			   const struct chunk *gir, const struct chunk *ni,
			   const struct chunk *nr, uint8_t *out)
{
	uint8_t in[1024];
	unsigned len = 0;
	size_t n = 0;

	memcpy(in + n, gir->p, gir->len);
	n += gir->len;
	memcpy(in + n, ni->p, ni->len);
	n += ni->len;
	memcpy(in + n, nr->p, nr->len);
	n += nr->len;
	HMAC(md_of(old_prf), sk_d->p, (int)sk_d->len, in, n, out, &len);
	return len;
}

/* prf+ (2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n). */
static void ref_prf_plus(uint16_t prf, const uint8_t *k, size_t klen,
			 const uint8_t *s, size_t slen, uint8_t *out,
			 size_t outlen)
{
	uint8_t t[EVP_MAX_MD_SIZE], in[EVP_MAX_MD_SIZE + 256 + 1];
	unsigned tlen = 0, i;
	size_t done = 0, n;

	for (i = 1; done < outlen; i++) {
		n = 0;
		memcpy(in, t, tlen);
		n += tlen;
		memcpy(in + n, s, slen);
		n += slen;
		in[n++] = (uint8_t)i;
		HMAC(md_of(prf), k, (int)klen, in, n, t, &tlen);
		n = outlen - done < tlen ? outlen - done : tlen;
		memcpy(out + done, t, n);
		done += n;
	}
}

struct kat_case {
	uint16_t old_prf, new_prf, encr, keylen, integ;
	size_t encr_len, integ_len, prf_len;
};

static void fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

static void check_keys(const struct kat_case *kc)
{
	static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t spi_r[8] = { 0x11, 0x12, 0x13, 0x14, 0x15,
					  0x16, 0x17, 0x18 };
	uint8_t skd[48], gir_b[32], ni_b[16], nr_b[24], seed[64];
	uint8_t stream[512], sin[16 + 24 + 16];
	struct chunk sk_d = { skd, 48 }, gir = { gir_b, 32 };
	struct chunk ni = { ni_b, 16 }, nr = { nr_b, 24 }, got = { 0 };
	struct ike_keys k = { .encr = kc->encr, .encr_keylen = kc->keylen,
			      .integ = kc->integ, .prf = kc->new_prf };
	size_t seed_len, off = 0;

	fill(skd, sizeof(skd), 0x00);
	sk_d.len = prf_len(kc->old_prf);
	fill(gir_b, sizeof(gir_b), 0xa0);
	fill(ni_b, sizeof(ni_b), 0x30);
	fill(nr_b, sizeof(nr_b), 0x60);
	seed_len = ref_skeyseed(kc->old_prf, &sk_d, &gir, &ni, &nr, seed);
	CU_ASSERT_EQUAL_FATAL(r_ike_rekey_skeyseed(kc->old_prf, &sk_d, &gir,
						   &ni, &nr, &got), 0);
	CU_ASSERT_EQUAL(got.len, seed_len);
	CU_ASSERT(got.len == seed_len && !memcmp(got.p, seed, seed_len));
	chunk_free(&got);
	memcpy(sin, ni_b, 16);
	memcpy(sin + 16, nr_b, 24);
	memcpy(sin + 40, spi_i, 8);
	memcpy(sin + 48, spi_r, 8);
	ref_prf_plus(kc->new_prf, seed, seed_len, sin, sizeof(sin), stream,
		     sizeof(stream));
	CU_ASSERT_EQUAL_FATAL(r_ike_rekey_keys(kc->old_prf, &sk_d, &gir, &ni,
					       &nr, spi_i, spi_r, &k), 0);
#define NEXT(field, n)                                                       \
	do {                                                                 \
		CU_ASSERT_EQUAL(k.field.len, (n));                           \
		CU_ASSERT(k.field.len == (n) &&                              \
			  !memcmp(k.field.p, stream + off, (n)));            \
		off += (n);                                                  \
	} while (0)
	NEXT(sk_d, kc->prf_len);
	NEXT(sk_ai, kc->integ_len);
	NEXT(sk_ar, kc->integ_len);
	NEXT(sk_ei, kc->encr_len);
	NEXT(sk_er, kc->encr_len);
	NEXT(sk_pi, kc->prf_len);
	NEXT(sk_pr, kc->prf_len);
#undef NEXT
	ike_keys_wipe(&k);
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(stream, sizeof(stream));
}

/* The old SA's PRF seeds, the new SA's runs prf+ over the new SPIs. */
static void test_rekey_keys(void)
{
	/* SHA-256 SA rekeyed to SHA-384 with AES-GCM-16-256 (36 bytes with
	 * the salt, no INTEG) */
	const struct kat_case gcm = { PRF_HMAC_SHA2_256, PRF_HMAC_SHA2_384,
				      ENCR_AES_GCM_16, 256, INTEG_NONE, 36, 0,
				      48 };
	/* SHA-384 rekeyed to SHA-256, AES-CBC-128 with HMAC-SHA2-256-128 */
	const struct kat_case cbc = { PRF_HMAC_SHA2_384, PRF_HMAC_SHA2_256,
				      ENCR_AES_CBC, 128,
				      INTEG_HMAC_SHA2_256_128, 16, 32, 32 };

	check_keys(&gcm);
	check_keys(&cbc);
}

/* ---- a peer on the wire ---- */

struct peer_sa {
	uint8_t spi_i[8], spi_r[8];
	struct ike_keys keys;
	bool initiator;        /* the peer is this SA's original initiator */
	uint32_t next_mid;     /* of the peer's requests */
	struct chunk ni, nr;   /* of the exchange that made it */
};

static struct tg_gw *g;
static struct peer_sa old_sa, sa_a, sa_b;
static uint8_t rx[IKE_MAX_MSG];
static size_t rx_len;
static struct payload_list rx_pl;
static struct ike_hdr rx_hdr;
static struct chunk rx_plain;

static void peer_free(struct peer_sa *p)
{
	ike_keys_wipe(&p->keys);
	chunk_free(&p->ni);
	chunk_free(&p->nr);
	memset(p, 0, sizeof(*p));
}

/* The SA the handshake made: the peer is its initiator. */
static bool peer_up(const struct responder_cfg *cfg)
{
	struct tg_auth_result res;
	struct tg_sa t;

	/* tg_init keeps the caller's no_vendor_id: it must be set */
	memset(&t, 0, sizeof(t));
	g = tg_gw_start(cfg);
	if (!tg_full(g->port, &t, &res) || !res.gw_auth_ok) {
		tg_sa_free(&t);
		return false;
	}
	memset(&old_sa, 0, sizeof(old_sa));
	memcpy(old_sa.spi_i, t.spi_i, 8);
	memcpy(old_sa.spi_r, t.spi_r, 8);
	old_sa.keys = t.keys;
	memset(&t.keys, 0, sizeof(t.keys));
	old_sa.initiator = true;
	old_sa.next_mid = t.next_mid;
	tg_sa_free(&t);
	return true;
}

static void peer_down(void)
{
	peer_free(&old_sa);
	peer_free(&sa_a);
	peer_free(&sa_b);
	chunk_free(&rx_plain);
	tg_gw_stop(g);
	g = NULL;
}

static bool peer_send(const struct peer_sa *p, uint8_t exchange,
		      uint32_t mid, bool response, const struct wbuf *inner,
		      uint8_t first, uint8_t extra_flags)
{
	struct ike_hdr h = { .version = IKE_VERSION };
	struct wbuf msg;
	bool ok;

	memcpy(h.spi_i, p->spi_i, 8);
	memcpy(h.spi_r, p->spi_r, 8);
	h.exchange = exchange;
	h.msg_id = mid;
	h.flags = (p->initiator ? IKE_FLAG_I : 0) |
		  (response ? IKE_FLAG_R : 0) | extra_flags;
	wb_init(&msg);
	ok = ike_protect(&p->keys, p->initiator, &h, first, inner->p,
			 inner->len, &msg) == 0 &&
	     tg_send(g->port, msg.p, msg.len);
	wb_free(&msg);
	return ok;
}

/* The next datagram, opened with p's keys: rx_hdr, rx_pl. */
static bool peer_recv(const struct peer_sa *p)
{
	const struct ike_payload *sk;

	chunk_free(&rx_plain);
	if (!tg_recv(rx, &rx_len, WAIT_MS) ||
	    ike_hdr_parse(rx, rx_len, &rx_hdr, NULL) < 0 ||
	    payload_chain_parse(rx_hdr.next, rx + IKE_HDR_LEN,
				rx_len - IKE_HDR_LEN, &rx_pl, NULL) < 0 ||
	    !(sk = payload_find(&rx_pl, PL_SK)))
		return false;
	return ike_unprotect(&p->keys, !p->initiator, rx, rx_len,
			     IKE_HDR_LEN + sk->offset, &rx_plain, NULL) == 0 &&
	       payload_chain_parse(sk->next, rx_plain.p, rx_plain.len,
				   &rx_pl, NULL) == 0;
}

/* Whose SA the last datagram is for, by its SPIs. */
static bool rx_for(const struct peer_sa *p)
{
	return !memcmp(rx_hdr.spi_i, p->spi_i, 8) &&
	       !memcmp(rx_hdr.spi_r, p->spi_r, 8);
}

static void offer(struct pl_chain *c, const uint8_t spi[8], uint16_t group,
		  uint16_t group2)
{
	static struct sa_payload sp;
	struct ike_proposal *p = &sp.p[0];

	memset(&sp, 0, sizeof(sp));
	sp.n = 1;
	p->num = 1;
	p->proto = PROTO_IKE;
	p->spi_size = 8;
	memcpy(p->spi, spi, 8);
	p->t[p->n++] = (struct ike_transform){ TRANS_ENCR, ENCR_AES_GCM_16,
					       256 };
	p->t[p->n++] = (struct ike_transform){ TRANS_PRF, PRF_HMAC_SHA2_256,
					       0 };
	p->t[p->n++] = (struct ike_transform){ TRANS_DH, group, 0 };
	if (group2)
		p->t[p->n++] = (struct ike_transform){ TRANS_DH, group2, 0 };
	sa_build(c, &sp);
}

static void new_spi(uint8_t spi[8])
{
	do {
		random_bytes(spi, 8);
	} while (!memcmp(spi, "\0\0\0\0\0\0\0\0", 8));
}

/* The new SA's keys, the peer's own way; ni/nr/SPIs already in nsa. */
static bool derive(struct peer_sa *nsa, const struct peer_sa *old,
		   struct dh *dh, const struct ke_payload *ke)
{
	struct chunk gir = { 0 }, seed = { 0 };
	uint8_t s[EVP_MAX_MD_SIZE];
	size_t n;
	bool ok = false;

	nsa->keys.encr = ENCR_AES_GCM_16;
	nsa->keys.encr_keylen = 256;
	nsa->keys.integ = INTEG_NONE;
	nsa->keys.prf = PRF_HMAC_SHA2_256;
	if (dh_shared(dh, ke->data, ke->len, &gir, NULL) == 0) {
		n = ref_skeyseed(old->keys.prf, &old->keys.sk_d, &gir,
				 &nsa->ni, &nsa->nr, s);
		ok = chunk_set(&seed, s, n) &&
		     ike_keys_derive(&nsa->keys, &seed, &nsa->ni, &nsa->nr,
				     nsa->spi_i, nsa->spi_r) == 0;
	}
	OPENSSL_cleanse(s, sizeof(s));
	chunk_free(&seed);
	chunk_free(&gir);
	return ok;
}

/* SA (one proposal, an SPI of 8 bytes), Nr or Ni, KE of the last
 * message received. */
static bool take_sa_nonce_ke(uint8_t spi[8], struct chunk *nonce,
			     struct ke_payload *ke)
{
	static struct sa_payload sp;
	const struct ike_payload *p_sa = payload_find(&rx_pl, PL_SA);
	const struct ike_payload *p_n = payload_find(&rx_pl, PL_NONCE);
	const struct ike_payload *p_ke = payload_find(&rx_pl, PL_KE);

	if (!p_sa || !p_n || !p_ke ||
	    sa_parse(p_sa->body, p_sa->len, &sp, NULL) < 0 || sp.n != 1 ||
	    sp.p[0].proto != PROTO_IKE || sp.p[0].spi_size != 8 ||
	    ke_parse(p_ke->body, p_ke->len, ke, NULL) < 0)
		return false;
	memcpy(spi, sp.p[0].spi, 8);
	return chunk_set(nonce, p_n->body, p_n->len);
}

static uint16_t rx_error(uint8_t *data, size_t *len)
{
	struct notify_payload n;
	size_t i;

	for (i = 0; i < rx_pl.n; i++)
		if (rx_pl.pl[i].type == PL_NOTIFY &&
		    notify_parse(rx_pl.pl[i].body, rx_pl.pl[i].len, &n,
				 NULL) == 0 && n.type < 16384) {
			if (data && n.len <= 2) {
				memcpy(data, n.data, n.len);
				*len = n.len;
			}
			return n.type;
		}
	return 0;
}

/* The peer rekeys old: CREATE_CHILD_SA {SA, Ni, KEi}. Its new SA goes
 * to nsa once answered (nsa->ni is set here, and the DH kept in *dh). */
static bool send_rekey(struct peer_sa *old, struct peer_sa *nsa,
		       uint16_t group, uint16_t also, struct dh **dh)
{
	struct chunk pub = { 0 };
	struct wbuf inner;
	struct pl_chain c;
	bool ok;

	memset(nsa, 0, sizeof(*nsa));
	new_spi(nsa->spi_i);
	nsa->initiator = true;
	*dh = dh_new(group, NULL);
	if (!*dh || dh_public(*dh, &pub) < 0 ||
	    !chunk_alloc(&nsa->ni, 32) || random_bytes(nsa->ni.p, 32) < 0)
		return false;
	wb_init(&inner);
	chain_init(&c, &inner);
	offer(&c, nsa->spi_i, group, also);
	chain_add(&c, PL_NONCE, nsa->ni.p, nsa->ni.len);
	ke_build(&c, group, pub.p, pub.len);
	ok = peer_send(old, EXCH_CREATE_CHILD_SA, old->next_mid++, false,
		       &inner, c.first, 0);
	wb_free(&inner);
	chunk_free(&pub);
	return ok;
}

/* The answer to send_rekey is in rx: completes nsa. */
static bool take_rekey_answer(const struct peer_sa *old, struct peer_sa *nsa,
			      struct dh *dh)
{
	struct ke_payload ke;

	return take_sa_nonce_ke(nsa->spi_r, &nsa->nr, &ke) &&
	       derive(nsa, old, dh, &ke);
}

/* The gateway's rekey request is in rx: answer it, making nsa, of which
 * the peer is the original responder. */
static bool answer_rekey(const struct peer_sa *old, struct peer_sa *nsa)
{
	static struct sa_payload reply;
	struct ke_payload ke;
	struct chunk pub = { 0 };
	struct dh *dh = NULL;
	struct wbuf inner;
	struct pl_chain c;
	uint32_t mid = rx_hdr.msg_id;
	bool ok = false;

	memset(nsa, 0, sizeof(*nsa));
	if (!take_sa_nonce_ke(nsa->spi_i, &nsa->ni, &ke) ||
	    !(dh = dh_new(ke.group, NULL)) || dh_public(dh, &pub) < 0 ||
	    !chunk_alloc(&nsa->nr, 32) || random_bytes(nsa->nr.p, 32) < 0)
		goto out;
	new_spi(nsa->spi_r);
	if (!derive(nsa, old, dh, &ke))
		goto out;
	sa_parse(payload_find(&rx_pl, PL_SA)->body,
		 payload_find(&rx_pl, PL_SA)->len, &reply, NULL);
	memcpy(reply.p[0].spi, nsa->spi_r, 8);
	wb_init(&inner);
	chain_init(&c, &inner);
	sa_build(&c, &reply);
	chain_add(&c, PL_NONCE, nsa->nr.p, nsa->nr.len);
	ke_build(&c, ke.group, pub.p, pub.len);
	ok = peer_send(old, EXCH_CREATE_CHILD_SA, mid, true, &inner, c.first,
		       0);
	wb_free(&inner);
out:
	chunk_free(&pub);
	dh_free(dh);
	return ok;
}

/* An INFORMATIONAL request: empty, or Delete(IKE). */
static bool send_info(struct peer_sa *p, bool delete_ike, uint8_t flags)
{
	struct wbuf inner;
	struct pl_chain c;
	bool ok;

	wb_init(&inner);
	chain_init(&c, &inner);
	if (delete_ike)
		delete_build(&c, PROTO_IKE, 0, 0, NULL);
	ok = peer_send(p, EXCH_INFORMATIONAL, p->next_mid++, false, &inner,
		       c.first, flags);
	wb_free(&inner);
	return ok;
}

/* The gateway's request in rx gets an empty answer. */
static bool answer_empty(const struct peer_sa *p)
{
	struct wbuf inner;
	struct pl_chain c;
	bool ok;

	wb_init(&inner);
	chain_init(&c, &inner);
	ok = peer_send(p, rx_hdr.exchange, rx_hdr.msg_id, true, &inner,
		       c.first, 0);
	wb_free(&inner);
	return ok;
}

static bool rx_is_delete_ike(void)
{
	const struct ike_payload *p = payload_find(&rx_pl, PL_DELETE);
	struct delete_payload d;

	return rx_hdr.exchange == EXCH_INFORMATIONAL && p &&
	       delete_parse(p->body, p->len, &d, NULL) == 0 &&
	       d.proto == PROTO_IKE;
}

/* An empty INFORMATIONAL on p answered: the keys, SPIs and Message IDs
 * of p are the gateway's too. Returns the response's flags. */
static int liveness(struct peer_sa *p)
{
	uint32_t mid = p->next_mid;

	if (!send_info(p, false, 0) || !peer_recv(p) || !rx_for(p) ||
	    rx_hdr.msg_id != mid || !(rx_hdr.flags & IKE_FLAG_R))
		return -1;
	return rx_hdr.flags;
}

/* ---- the initiator's rekey ---- */

static void test_initiator_rekey(void)
{
	const struct responder_stats *st;
	struct responder_cfg cfg;
	struct dh *dh = NULL;

	tg_cfg(&cfg, NULL, NULL);
	CU_ASSERT_FATAL(peer_up(&cfg));
	st = tg_st(g);
	CU_ASSERT_FATAL(send_rekey(&old_sa, &sa_a, DH_ECP256, 0, &dh));
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL(rx_error(NULL, NULL), 0);
	CU_ASSERT_FATAL(take_rekey_answer(&old_sa, &sa_a, dh));
	dh_free(dh);
	CU_ASSERT_EQUAL(st->ike_rekey_requests, 1);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_initiator, 1);
	CU_ASSERT_FALSE(st->ike_we_initiator);
	CU_ASSERT_EQUAL(memcmp(st->ike_spi_i, sa_a.spi_i, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st->ike_spi_r, sa_a.spi_r, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st->ike_old_spi_i, old_sa.spi_i, 8), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(sa_a.spi_r, old_sa.spi_r, 8), 0);
	CU_ASSERT(tg_gw_saw(g, "event=ike_rekeyed by=initiator"));
	/* the new SA works from Message ID 0, the gateway still responder */
	CU_ASSERT_EQUAL(liveness(&sa_a), IKE_FLAG_R);
	CU_ASSERT_EQUAL(responder_established(g->r), 1);
	/* the old SA answers its Delete, and only then is gone */
	CU_ASSERT_EQUAL(st->ike_old_deleted, 0);
	CU_ASSERT_FATAL(send_info(&old_sa, true, 0));
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT(rx_is_delete_ike() || rx_pl.n == 0);
	CU_ASSERT_EQUAL(st->ike_old_deleted, 1);
	CU_ASSERT_EQUAL(st->ike_old_deleted_by_gateway, 0);
	CU_ASSERT(tg_gw_saw(g, "event=ike_old_deleted by=initiator"));
	CU_ASSERT_EQUAL(liveness(&sa_a), IKE_FLAG_R);
	peer_down();
}

/* A KEi of a group other than the one the gateway wants: the group is
 * named (INVALID_KE_PAYLOAD), and a rekey with it goes through. */
static void test_initiator_rekey_invalid_ke(void)
{
	const struct responder_stats *st;
	struct responder_cfg cfg;
	struct dh *dh = NULL;
	uint8_t data[2] = { 0 };
	size_t len = 0;

	tg_cfg(&cfg, NULL, NULL);
	cfg.ike_rekey_want_group = DH_ECP384;
	CU_ASSERT_FATAL(peer_up(&cfg));
	st = tg_st(g);
	CU_ASSERT_FATAL(send_rekey(&old_sa, &sa_a, DH_ECP256, DH_ECP384, &dh));
	dh_free(dh);
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL(rx_error(data, &len), N_INVALID_KE_PAYLOAD);
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT_EQUAL(get_u16(data), DH_ECP384);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_initiator, 0);
	CU_ASSERT_EQUAL(st->ike_rekey_notify_sent, N_INVALID_KE_PAYLOAD);
	peer_free(&sa_a);
	CU_ASSERT_FATAL(send_rekey(&old_sa, &sa_a, DH_ECP384, 0, &dh));
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_FATAL(take_rekey_answer(&old_sa, &sa_a, dh));
	dh_free(dh);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_initiator, 1);
	CU_ASSERT_EQUAL(st->ike_rekey_group, DH_ECP384);
	CU_ASSERT_EQUAL(liveness(&sa_a), IKE_FLAG_R);
	peer_down();
}

/* ---- the gateway's rekey ---- */

/* The gateway rekeys old and deletes it; the peer answers both. */
static void gateway_rekeys(struct peer_sa *old, struct peer_sa *nsa)
{
	CU_ASSERT_EQUAL_FATAL(responder_rekey_ike(g->r), 0);
	CU_ASSERT_FATAL(peer_recv(old));
	CU_ASSERT_EQUAL(rx_hdr.exchange, EXCH_CREATE_CHILD_SA);
	/* on old the gateway has the role it had: I unless responder */
	CU_ASSERT_EQUAL(rx_hdr.flags, old->initiator ? 0 : IKE_FLAG_I);
	CU_ASSERT_FATAL(answer_rekey(old, nsa));
	CU_ASSERT_FATAL(peer_recv(old));
	CU_ASSERT_FATAL(rx_is_delete_ike());
	CU_ASSERT_FATAL(answer_empty(old));
}

static void test_gateway_rekey(void)
{
	const struct responder_stats *st;
	struct responder_cfg cfg;

	tg_cfg(&cfg, NULL, NULL);
	CU_ASSERT_FATAL(peer_up(&cfg));
	st = tg_st(g);
	gateway_rekeys(&old_sa, &sa_b);
	CU_ASSERT_EQUAL(st->ike_rekeys_sent, 1);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_gateway, 1);
	CU_ASSERT(st->ike_we_initiator);
	CU_ASSERT_EQUAL(memcmp(st->ike_spi_i, sa_b.spi_i, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st->ike_spi_r, sa_b.spi_r, 8), 0);
	CU_ASSERT(tg_gw_saw(g, "event=ike_rekeyed by=gateway"));
	/* The peer is now the original responder (no I flag), the gateway
	 * the original initiator: its answer carries I and R, and it was
	 * found by its own SPI, SPIi. */
	CU_ASSERT_EQUAL(liveness(&sa_b), IKE_FLAG_I | IKE_FLAG_R);
	CU_ASSERT_EQUAL(st->ike_old_deleted, 1);
	CU_ASSERT_EQUAL(st->ike_old_deleted_by_gateway, 1);
	CU_ASSERT_EQUAL(responder_established(g->r), 1);
	/* a request with the I flag the peer no longer has: not for us */
	CU_ASSERT_FATAL(send_info(&sa_b, false, IKE_FLAG_I));
	sa_b.next_mid--; /* it was not taken: the same Message ID again */
	CU_ASSERT_EQUAL(liveness(&sa_b), IKE_FLAG_I | IKE_FLAG_R);
	CU_ASSERT_EQUAL(st->unrouted, 1);
	/* and again, on the SA of which the gateway is the initiator */
	gateway_rekeys(&sa_b, &sa_a);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_gateway, 2);
	CU_ASSERT_EQUAL(liveness(&sa_a), IKE_FLAG_I | IKE_FLAG_R);
	CU_ASSERT_EQUAL(st->ike_old_deleted_by_gateway, 2);
	peer_down();
}

/* ---- crossing rekeys (2.8.2) ---- */

/* The lowest of the four nonces is in the gateway's exchange (B)? */
static bool lowest_in_b(void)
{
	const struct chunk *la = r_lower_nonce(&sa_a.ni, &sa_a.nr);
	const struct chunk *lb = r_lower_nonce(&sa_b.ni, &sa_b.nr);
	size_t n = la->len < lb->len ? la->len : lb->len;

	return memcmp(lb->p, la->p, n) < 0;
}

/* The peer rekeys; the gateway, told to collide, sends its own rekey
 * before its answer. The peer answers that one too: two new SAs, A
 * (peer's) and B (gateway's). */
static void cross(void)
{
	struct dh *dh = NULL;

	CU_ASSERT_FATAL(send_rekey(&old_sa, &sa_a, DH_ECP256, 0, &dh));
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL_FATAL(rx_hdr.flags, 0); /* the gateway's request */
	CU_ASSERT_FATAL(answer_rekey(&old_sa, &sa_b));
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL_FATAL(rx_hdr.flags, IKE_FLAG_R); /* its answer */
	CU_ASSERT_FATAL(take_rekey_answer(&old_sa, &sa_a, dh));
	dh_free(dh);
}

static void collision(int loser)
{
	const struct responder_stats *st;
	struct responder_cfg cfg;

	tg_cfg(&cfg, NULL, NULL);
	cfg.collide_ike_rekey = true;
	cfg.collision_loser = loser;
	CU_ASSERT_FATAL(peer_up(&cfg));
	st = tg_st(g);
	cross();
	CU_ASSERT_EQUAL(st->ike_collisions, 1);
	/* the peer's own reading of the nonces agrees with the knob */
	CU_ASSERT_EQUAL(lowest_in_b(), loser == R_LOSER_GATEWAY);
	CU_ASSERT_FATAL(peer_recv(lowest_in_b() ? &sa_b : &old_sa));
	CU_ASSERT_FATAL(rx_is_delete_ike());
	if (lowest_in_b()) {
		/* B is redundant: the gateway deletes it, the peer (maker
		 * of A) the old SA; A stays */
		CU_ASSERT(rx_for(&sa_b));
		CU_ASSERT_FATAL(answer_empty(&sa_b));
		CU_ASSERT_FATAL(send_info(&old_sa, true, 0));
		CU_ASSERT_FATAL(peer_recv(&old_sa));
		CU_ASSERT_EQUAL(st->ike_collisions_lost_by_gateway, 1);
		CU_ASSERT_EQUAL(st->ike_rekeys_by_initiator, 1);
		CU_ASSERT_EQUAL(memcmp(st->ike_spi_i, sa_a.spi_i, 8), 0);
		CU_ASSERT(tg_gw_saw(g, "event=ike_rekey_collision loser=gateway"));
		CU_ASSERT_EQUAL(liveness(&sa_a), IKE_FLAG_R);
	} else {
		/* A is redundant: the gateway deletes the old SA, the peer
		 * A; B stays */
		CU_ASSERT(rx_for(&old_sa));
		CU_ASSERT_FATAL(answer_empty(&old_sa));
		CU_ASSERT_FATAL(send_info(&sa_a, true, 0));
		CU_ASSERT_FATAL(peer_recv(&sa_a));
		CU_ASSERT_EQUAL(st->ike_collisions_lost_by_initiator, 1);
		CU_ASSERT_EQUAL(st->ike_rekeys_by_gateway, 1);
		CU_ASSERT_EQUAL(memcmp(st->ike_spi_i, sa_b.spi_i, 8), 0);
		CU_ASSERT(tg_gw_saw(g, "event=ike_rekey_collision loser=initiator"));
		CU_ASSERT_EQUAL(liveness(&sa_b), IKE_FLAG_I | IKE_FLAG_R);
	}
	CU_ASSERT_EQUAL(st->ike_redundant_deleted, 1);
	CU_ASSERT_EQUAL(st->ike_old_deleted, 1);
	CU_ASSERT_EQUAL(responder_established(g->r), 1);
	peer_down();
}

static void test_collision_gateway_loses(void)
{
	collision(R_LOSER_GATEWAY);
}

static void test_collision_initiator_loses(void)
{
	collision(R_LOSER_INITIATOR);
}

/* 2.25.1: a Child SA rekey while the gateway rekeys the IKE SA gets
 * TEMPORARY_FAILURE; here: the gateway's rekey is out, the peer sends a
 * CREATE_CHILD_SA naming a Child SA. */
static void test_child_rekey_while_ike_rekey(void)
{
	const struct responder_stats *st;
	struct responder_cfg cfg;
	struct wbuf inner;
	struct pl_chain c;
	uint8_t spi[4];

	tg_cfg(&cfg, NULL, NULL);
	CU_ASSERT_FATAL(peer_up(&cfg));
	st = tg_st(g);
	memcpy(spi, st->peer_esp_spi, 4);
	CU_ASSERT_EQUAL_FATAL(responder_rekey_ike(g->r), 0);
	CU_ASSERT_FATAL(peer_recv(&old_sa)); /* its rekey: left unanswered */
	wb_init(&inner);
	chain_init(&c, &inner);
	notify_build(&c, PROTO_ESP, spi, 4, N_REKEY_SA, NULL, 0);
	CU_ASSERT_FATAL(peer_send(&old_sa, EXCH_CREATE_CHILD_SA,
				  old_sa.next_mid++, false, &inner, c.first,
				  0));
	wb_free(&inner);
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL(rx_error(NULL, NULL), N_TEMPORARY_FAILURE);
	CU_ASSERT_EQUAL(st->temporary_failures_sent, 1);
	peer_down();
}

/* ---- crossing Child SA rekeys (2.8.1) ---- */

/* The ESP SPI in the SA payload of rx. */
static bool rx_esp_spi(uint8_t spi[4])
{
	static struct sa_payload sp;
	const struct ike_payload *p = payload_find(&rx_pl, PL_SA);

	if (!p || sa_parse(p->body, p->len, &sp, NULL) < 0 || sp.n != 1 ||
	    sp.p[0].spi_size != 4)
		return false;
	memcpy(spi, sp.p[0].spi, 4);
	return true;
}

/* CREATE_CHILD_SA: a rekey of the pair named by rekey_spi (request), or
 * the answer to the gateway's (response, mid of rx). */
static bool child_msg(bool response, const uint8_t rekey_spi[4],
		      const uint8_t new_spi[4], uint32_t mid)
{
	uint8_t nonce[32];
	struct wbuf inner;
	struct pl_chain c;
	bool ok;

	random_bytes(nonce, sizeof(nonce));
	wb_init(&inner);
	chain_init(&c, &inner);
	if (!response)
		notify_build(&c, PROTO_ESP, rekey_spi, 4, N_REKEY_SA, NULL, 0);
	tg_child_payloads(&c, new_spi);
	chain_add(&c, PL_NONCE, nonce, sizeof(nonce));
	ok = peer_send(&old_sa, EXCH_CREATE_CHILD_SA, mid, response, &inner,
		       c.first, 0);
	wb_free(&inner);
	return ok;
}

/* Delete(ESP, spi) from the peer; true when answered with a Delete. */
static bool delete_esp(const uint8_t spi[4])
{
	struct wbuf inner;
	struct pl_chain c;
	bool ok;

	wb_init(&inner);
	chain_init(&c, &inner);
	delete_build(&c, PROTO_ESP, 4, 1, spi);
	ok = peer_send(&old_sa, EXCH_INFORMATIONAL, old_sa.next_mid++, false,
		       &inner, c.first, 0);
	wb_free(&inner);
	return ok && peer_recv(&old_sa) && payload_find(&rx_pl, PL_DELETE);
}

static void child_collision(int loser)
{
	const struct responder_stats *st;
	struct responder_cfg cfg;
	uint8_t old_spi[4], spi_a[4], spi_b[4], gw_a[4], gw_b[4];

	tg_cfg(&cfg, NULL, NULL);
	cfg.collide_child_rekey = true;
	cfg.collision_loser = loser;
	CU_ASSERT_FATAL(peer_up(&cfg));
	st = tg_st(g);
	memcpy(old_spi, st->peer_esp_spi, 4);
	random_bytes(spi_a, 4);
	random_bytes(spi_b, 4);
	/* A: the peer's rekey; B: the gateway's, sent before A's answer */
	CU_ASSERT_FATAL(child_msg(false, old_spi, spi_a, old_sa.next_mid++));
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL_FATAL(rx_hdr.flags, 0);
	CU_ASSERT_FATAL(payload_find(&rx_pl, PL_NOTIFY) && rx_esp_spi(gw_b));
	CU_ASSERT_FATAL(child_msg(true, NULL, spi_b, rx_hdr.msg_id));
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL_FATAL(rx_hdr.flags, IKE_FLAG_R);
	CU_ASSERT_FATAL(rx_esp_spi(gw_a));
	CU_ASSERT_EQUAL(st->child_collisions, 1);
	/* the gateway deletes: its redundant pair B, or the old pair */
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL_FATAL(rx_hdr.exchange, EXCH_INFORMATIONAL);
	CU_ASSERT_FATAL(answer_empty(&old_sa));
	/* the peer deletes the old pair, or its redundant pair A */
	CU_ASSERT(delete_esp(loser == R_LOSER_GATEWAY ? old_spi : spi_a));
	if (loser == R_LOSER_GATEWAY) {
		CU_ASSERT_EQUAL(st->child_collisions_lost_by_gateway, 1);
		CU_ASSERT_EQUAL(memcmp(st->rekey_peer_spi, spi_a, 4), 0);
		CU_ASSERT_EQUAL(memcmp(st->rekey_our_spi, gw_a, 4), 0);
	} else {
		CU_ASSERT_EQUAL(st->child_collisions_lost_by_initiator, 1);
		CU_ASSERT_EQUAL(memcmp(st->rekey_peer_spi, spi_b, 4), 0);
		CU_ASSERT_EQUAL(memcmp(st->rekey_our_spi, gw_b, 4), 0);
	}
	CU_ASSERT_EQUAL(st->redundant_children_removed, 1);
	CU_ASSERT_EQUAL(st->old_children_removed, 1);
	CU_ASSERT(tg_gw_saw(g, loser == R_LOSER_GATEWAY ?
			       "event=child_rekey_collision loser=gateway" :
			       "event=child_rekey_collision loser=initiator"));
	peer_down();
}

static void test_child_collision_gateway_loses(void)
{
	child_collision(R_LOSER_GATEWAY);
}

static void test_child_collision_initiator_loses(void)
{
	child_collision(R_LOSER_INITIATOR);
}

/* ---- RFC 4478 ---- */

static void test_auth_lifetime_and_reauth(void)
{
	static const uint8_t vip[4] = { 198, 51, 100, 2 };
	const struct responder_stats *st;
	struct responder_cfg cfg;
	struct tg_auth_opts o;
	struct tg_auth_result res;
	struct tg_sa t;

	memset(&t, 0, sizeof(t));
	tg_cfg(&cfg, NULL, NULL);
	cfg.auth_lifetime = 120;
	cfg.expect_reauth = true;
	g = tg_gw_start(&cfg);
	st = tg_st(g);
	tg_auth_opts(&o);
	CU_ASSERT_FATAL(tg_init(g->port, &t) && tg_auth(g->port, &t, &o, &res));
	CU_ASSERT(res.has_auth_lifetime);
	CU_ASSERT_EQUAL(res.auth_lifetime, 120);
	CU_ASSERT_EQUAL(st->auth_lifetimes_sent, 1);
	CU_ASSERT_EQUAL(st->reauths, 0);
	memcpy(old_sa.spi_i, t.spi_i, 8);
	memcpy(old_sa.spi_r, t.spi_r, 8);
	old_sa.keys = t.keys;
	memset(&t.keys, 0, sizeof(t.keys));
	old_sa.initiator = true;
	old_sa.next_mid = t.next_mid;
	tg_sa_free(&t);
	/* make before break: a new SA of the same IDi asking for its VIP */
	o.cp_vip = vip;
	CU_ASSERT_FATAL(tg_init(g->port, &t) && tg_auth(g->port, &t, &o, &res));
	CU_ASSERT(res.has_vip && !memcmp(res.vip, vip, 4));
	CU_ASSERT_EQUAL(st->reauths, 1);
	CU_ASSERT_EQUAL(st->reauth_vip_asked, 1);
	CU_ASSERT_EQUAL(st->reauth_vip_same, 1);
	CU_ASSERT_EQUAL(memcmp(st->reauth_old_spi_i, old_sa.spi_i, 8), 0);
	CU_ASSERT_EQUAL(memcmp(st->reauth_new_spi_i, t.spi_i, 8), 0);
	CU_ASSERT(tg_gw_saw(g, "event=reauth "));
	CU_ASSERT_EQUAL(responder_established(g->r), 2);
	tg_sa_free(&t);
	CU_ASSERT_FATAL(send_info(&old_sa, true, 0));
	CU_ASSERT_FATAL(peer_recv(&old_sa));
	CU_ASSERT_EQUAL(st->reauth_old_deleted, 1);
	CU_ASSERT_EQUAL(responder_established(g->r), 1);
	peer_down();
}

void register_ike_rekey_tests(void)
{
	CU_pSuite s = CU_add_suite("IKE SA rekey (gateway)", NULL, NULL);

	CU_add_test(s, "new keys against OpenSSL HMAC", test_rekey_keys);
	CU_add_test(s, "initiator's rekey answered", test_initiator_rekey);
	CU_add_test(s, "initiator's rekey: INVALID_KE_PAYLOAD",
		    test_initiator_rekey_invalid_ke);
	CU_add_test(s, "gateway's rekey: I flag and SPIs change roles",
		    test_gateway_rekey);
	CU_add_test(s, "collision: the gateway's SA redundant",
		    test_collision_gateway_loses);
	CU_add_test(s, "collision: the initiator's SA redundant",
		    test_collision_initiator_loses);
	CU_add_test(s, "Child SA rekey during IKE SA rekey: TEMPORARY_FAILURE",
		    test_child_rekey_while_ike_rekey);
	CU_add_test(s, "Child SA collision: the gateway's pair redundant",
		    test_child_collision_gateway_loses);
	CU_add_test(s, "Child SA collision: the initiator's pair redundant",
		    test_child_collision_initiator_loses);
	CU_add_test(s, "AUTH_LIFETIME and a make-before-break reauth",
		    test_auth_lifetime_and_reauth);
}
