/* RFC 7383 in the engine, in memory (mem.h): the negotiation in
 * IKE_SA_INIT, a large IKE_AUTH request in fragments that the gateway's
 * side of frag.c reassembles to exactly the inner chain, the gateway's
 * fragmented response, retransmission of every fragment, the smaller
 * size after unanswered retransmissions, forged fragments, and the
 * gateway's fragmented request answered. Our request is made large by a
 * certificate with many subjectAltNames (about 3 kB, like a chain). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "harness.h"
#include "mem.h"

static struct mem m;
static char dir[] = "/tmp/vpnd-frag-XXXXXX";
static char cert_path[64], key_path[64];

/* 1280-byte datagrams to 192.0.2.1:500: IPv4 and UDP headers off. */
#define MSG_1280 (1280 - 20 - 8)
#define MSG_576 (576 - 20 - 8)

static X509 *big_cert(EVP_PKEY *k)
{
	char san[6000];
	size_t off = 0;
	X509_EXTENSION *ext;
	X509_NAME *n;
	X509 *x = X509_new();

	off += (size_t)snprintf(san, sizeof(san), "DNS:client.test");
	for (int i = 0; i < 120; i++)
		off += (size_t)snprintf(san + off, sizeof(san) - off,
					",DNS:host%03d.frag.example.org", i);
	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)"client.test", -1,
				   -1, 0);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
	if (!ext || !X509_add_ext(x, ext, -1) ||
	    !X509_sign(x, k, EVP_sha256())) {
		X509_EXTENSION_free(ext);
		X509_free(x);
		return NULL;
	}
	X509_EXTENSION_free(ext);
	return x;
}

static int suite_init(void)
{
	EVP_PKEY *k;
	X509 *x;
	FILE *f;
	int ok = 0;

	if (!mkdtemp(dir))
		return 1;
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	k = EVP_EC_gen("P-256");
	x = k ? big_cert(k) : NULL;
	if (x && (f = fopen(cert_path, "w"))) {
		ok = PEM_write_X509(f, x);
		ok &= fclose(f) == 0;
	}
	if (ok && (f = fopen(key_path, "w"))) {
		ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		ok &= fclose(f) == 0;
	}
	X509_free(x);
	EVP_PKEY_free(k);
	return ok ? 0 : 1;
}

static int suite_clean(void)
{
	unlink(cert_path);
	unlink(key_path);
	return rmdir(dir);
}

/* The profile authenticates with the big certificate. */
static void begin(void)
{
	mem_begin(&m);
	m.prof.local_auth = PAUTH_CERT;
	snprintf(m.prof.cert_file, sizeof(m.prof.cert_file), "%s", cert_path);
	snprintf(m.prof.key_file, sizeof(m.prof.key_file), "%s", key_path);
}

/* mem_auth_sa with fragmentation negotiated (what ike_init.c leaves
 * when both sent the notify): the IKE_AUTH request is out. */
static struct ike_sa *auth_sa(void)
{
	struct verr e = { { 0 } };
	struct ike_sa *sa = mem_sa(&m);

	sa->peer_frag = true;
	CU_ASSERT_EQUAL_FATAL(ike_auth_queue(sa, &e), 0);
	return sa;
}

struct dgram_view {
	struct ike_hdr h;
	struct payload_list pl;
	const struct ike_payload *skf;
	struct skf_payload f;
};

/* Datagram i of ours as a fragment, or false. */
static bool view(size_t i, struct dgram_view *v)
{
	struct verr e = { { 0 } };
	const struct mem_dgram *d = &m.sent[i];

	if (ike_hdr_parse(d->p, d->len, &v->h, &e) < 0 ||
	    payload_chain_parse(v->h.next, d->p + IKE_HDR_LEN,
				d->len - IKE_HDR_LEN, &v->pl, &e) < 0)
		return false;
	v->skf = payload_find(&v->pl, PL_SKF);
	return v->skf && skf_parse(v->skf->body, v->skf->len, &v->f, &e) == 0;
}

/* The gateway's reassembly of our datagrams [from, from + n): each one
 * a fragment of the same message that authenticates, the last one
 * completing it; out holds the inner chain. */
static bool gw_reassemble(const struct ike_sa *sa, size_t from, size_t n,
			  struct frag_msg *out, size_t max_len)
{
	struct verr e = { { 0 } };
	struct dgram_view v;
	struct frag_asm a;
	enum frag_rc rc = FRAG_DROPPED;

	frag_init(&a, NULL);
	for (size_t i = from; i < from + n; i++) {
		if (!view(i, &v) || m.sent[i].len > max_len ||
		    v.f.total != n || v.f.frag_num != i - from + 1)
			break;
		rc = frag_take(&a, &sa->keys, true, m.sent[i].p, m.sent[i].len,
			       &v.h, v.skf, 0, out, &e);
		if (rc == FRAG_DROPPED || (rc == FRAG_DONE) != (i == from + n - 1))
			break;
	}
	frag_free(&a);
	return rc == FRAG_DONE;
}

/* The gateway's answer to the reassembled request req, split into
 * fragments of msg_len. */
static void gw_answer_frags(struct ike_sa *sa, const struct frag_msg *req,
			    uint32_t mid, size_t msg_len, struct wbuf **fr,
			    size_t *n)
{
	struct ike_msg rm;
	struct ike_hdr h;

	memset(&h, 0, sizeof(h));
	msg_index(&rm, &h, &req->pl, req->plain.p, req->plain.len);
	mem_chain(&m);
	mem_add_gw_auth(&m, sa, true);
	mem_add_child_answer(&m, &rm);
	memcpy(h.spi_i, sa->spi_i, 8);
	memcpy(h.spi_r, sa->spi_r, 8);
	h.version = IKE_VERSION;
	h.exchange = EXCH_IKE_AUTH;
	h.flags = mem_gw_flags(sa, true);
	h.msg_id = mid;
	CU_ASSERT_EQUAL_FATAL(frag_split(&sa->keys, false, &h, m.chain.first,
					 m.body.p, m.body.len, msg_len, fr, n),
			      0);
}

/* A large IKE_AUTH request leaves in fragments of at most a 1280-byte
 * datagram, each authenticated; reassembled, they are byte for byte
 * the inner chain the engine built, with our certificate. */
static void test_auth_out_in_fragments(void)
{
	struct frag_msg fm;
	struct ike_sa *sa;
	const struct ike_payload *cert;
	size_t room;

	begin();
	sa = auth_sa();
	/* about 3.6 kB of inner chain: 3 full fragments and a short one,
	 * which with AES-GCM (no padding) is short by exactly what the
	 * full ones would hold more */
	room = ike_fragment_room(&sa->keys, MSG_1280);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 4);
	CU_ASSERT_TRUE_FATAL(sa->req.inner.len > 3 * room &&
			     sa->req.inner.len < 4 * room);
	CU_ASSERT_EQUAL(m.sent[3].len, MSG_1280 - (4 * room - sa->req.inner.len));
	for (size_t i = 0; i < 4; i++) {
		struct dgram_view v;

		CU_ASSERT_TRUE_FATAL(view(i, &v));
		CU_ASSERT_EQUAL(v.h.next, PL_SKF);
		CU_ASSERT_EQUAL(v.h.length, m.sent[i].len);
		CU_ASSERT_EQUAL(v.f.frag_num, i + 1);
		CU_ASSERT_EQUAL(v.f.total, 4);
		/* RFC 7383 2.5: only fragment 1 names the first payload */
		CU_ASSERT_EQUAL(v.skf->next, i ? 0 : PL_IDI);
	}
	for (size_t i = 0; i + 1 < m.n_sent; i++)
		CU_ASSERT_EQUAL(m.sent[i].len, MSG_1280); /* full ones */
	CU_ASSERT_TRUE_FATAL(gw_reassemble(sa, 0, 4, &fm, MSG_1280));
	CU_ASSERT_EQUAL_FATAL(fm.plain.len, sa->req.inner.len);
	CU_ASSERT_EQUAL(memcmp(fm.plain.p, sa->req.inner.p, fm.plain.len), 0);
	cert = payload_find(&fm.pl, PL_CERT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cert);
	CU_ASSERT_TRUE(cert->len > 3000);
	CU_ASSERT_PTR_NOT_NULL(payload_find(&fm.pl, PL_AUTH));
	frag_msg_free(&fm);
	mem_end(&m);
}

static void deliver(const struct wbuf *w)
{
	mem_deliver(w);
}

/* The gateway's response in 4 fragments, out of order and with a forged
 * fragment (bad ICV) and one with a lying total (the numbers are
 * authenticated) among them: reassembled, the SA comes up. */
static void test_response_reassembled(void)
{
	struct wbuf *fr, forged;
	struct frag_msg req;
	struct conn_status st;
	struct ike_sa *sa;
	size_t n;

	begin();
	sa = auth_sa();
	CU_ASSERT_TRUE_FATAL(gw_reassemble(sa, 0, m.n_sent, &req, MSG_1280));
	gw_answer_frags(sa, &req, 1, 100, &fr, &n);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	deliver(&fr[3]);
	wb_init(&forged);
	wb_put(&forged, fr[1].p, fr[1].len);
	forged.p[forged.len - 1] ^= 1;
	deliver(&forged);
	forged.p[forged.len - 1] ^= 1;
	forged.p[IKE_HDR_LEN + 7] = 5; /* total 4 -> 5 */
	deliver(&forged);
	deliver(&fr[0]);
	deliver(&fr[2]);
	CU_ASSERT_EQUAL(m.n_up, 0);
	deliver(&fr[1]);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(m.n_up, 1);
	CU_ASSERT_TRUE(st.child.up);
	wb_free(&forged);
	frag_out_free(fr, n);
	frag_msg_free(&req);
	mem_end(&m);
}

/* One fragment of the gateway's response lost: our retransmission is
 * every fragment, bit for bit; the second one (past half of the 3
 * tries) splits the request for a 576-byte datagram, which the gateway
 * still reassembles to the same inner chain, and the response's
 * retransmission completes the set kept. */
static void test_retransmit_all_then_smaller(void)
{
	struct wbuf *fr;
	struct frag_msg req, again;
	struct ike_sa *sa;
	size_t n, first;

	begin();
	sa = auth_sa();
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 4);
	CU_ASSERT_TRUE_FATAL(gw_reassemble(sa, 0, 4, &req, MSG_1280));
	gw_answer_frags(sa, &req, 1, 100, &fr, &n);
	CU_ASSERT_FATAL(n > 2);
	for (size_t i = 1; i < n; i++)
		deliver(&fr[i]);      /* fragment 1 lost */
	run_for(NULL, 250);           /* the first retransmission, 200 ms */
	CU_ASSERT_EQUAL_FATAL(m.n_sent, 8);
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(m.sent[i + 4].len, m.sent[i].len);
		CU_ASSERT_EQUAL(memcmp(m.sent[i + 4].p, m.sent[i].p,
				       m.sent[i].len), 0);
	}
	first = m.n_sent;
	run_for(NULL, 350);           /* the second, 300 ms later */
	/* 3655 bytes in 548-byte messages: 8 fragments */
	CU_ASSERT_EQUAL_FATAL(m.n_sent - first, 8);
	CU_ASSERT_TRUE(sa->frag_small);
	CU_ASSERT_TRUE_FATAL(gw_reassemble(sa, first, m.n_sent - first,
					   &again, MSG_576));
	CU_ASSERT_EQUAL_FATAL(again.plain.len, req.plain.len);
	CU_ASSERT_EQUAL(memcmp(again.plain.p, req.plain.p, req.plain.len), 0);
	CU_ASSERT_EQUAL(m.n_up, 0);
	deliver(&fr[0]);
	CU_ASSERT_EQUAL(m.n_up, 1);
	CU_ASSERT_EQUAL(conn_get_state(m.conn), CONN_ESTABLISHED);
	frag_out_free(fr, n);
	frag_msg_free(&req);
	frag_msg_free(&again);
	mem_end(&m);
}

/* The gateway's INFORMATIONAL request in fragments (a liveness check
 * carrying 3 kB of Vendor IDs): reassembled only when every fragment
 * is in, answered once; its retransmission is answered again only on an
 * authentic fragment 1 (RFC 7383 2.6.1), and then with every fragment
 * of a large answer. */
static void test_gateway_request(void)
{
	uint8_t vid[1000];
	struct wbuf *fr, *ans, forged;
	struct ike_sa *sa;
	struct ike_hdr h;
	struct wbuf big;
	struct pl_chain c;
	size_t n, n_ans, before;
	const struct ike_msg *resp;

	mem_begin(&m);
	sa = mem_established(&m);
	sa->peer_frag = true;
	memset(vid, 0x5a, sizeof(vid));
	mem_chain(&m);
	for (int i = 0; i < 3; i++)
		chain_add(&m.chain, PL_VENDOR, vid, sizeof(vid));
	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, sa->spi_i, 8);
	memcpy(h.spi_r, sa->spi_r, 8);
	h.version = IKE_VERSION;
	h.exchange = EXCH_INFORMATIONAL;
	h.flags = mem_gw_flags(sa, false);
	h.msg_id = 0;
	CU_ASSERT_EQUAL_FATAL(frag_split(&sa->keys, false, &h, m.chain.first,
					 m.body.p, m.body.len, 1000, &fr, &n),
			      0);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	before = m.n_sent;
	for (size_t i = n; i-- > 1;)
		deliver(&fr[i]);
	CU_ASSERT_EQUAL(m.n_sent, before);     /* not whole yet */
	deliver(&fr[0]);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, before + 1);
	resp = mem_open(&m, sa, before);
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	CU_ASSERT_EQUAL(resp->hdr->exchange, EXCH_INFORMATIONAL);
	CU_ASSERT_TRUE(resp->hdr->flags & IKE_FLAG_R);
	CU_ASSERT_EQUAL(resp->hdr->msg_id, 0);
	CU_ASSERT_EQUAL(sa->peer_next_mid, 1);

	/* A large answer stands in for ours: sent in fragments. */
	wb_init(&big);
	chain_init(&c, &big);
	for (int i = 0; i < 3; i++)
		chain_add(&c, PL_VENDOR, vid, sizeof(vid));
	before = m.n_sent;
	CU_ASSERT_EQUAL_FATAL(sa_send_response(sa, EXCH_INFORMATIONAL, 0,
					       &big, c.first), 0);
	wb_free(&big);
	n_ans = m.n_sent - before;
	CU_ASSERT_EQUAL_FATAL(n_ans, 3);
	ans = &sa->last_resp.frags[0];
	CU_ASSERT_PTR_NOT_NULL(ans);
	/* the gateway retransmits: fragment 2 is not answered */
	before = m.n_sent;
	deliver(&fr[1]);
	CU_ASSERT_EQUAL(m.n_sent, before);
	/* nor a forged fragment 1 */
	wb_init(&forged);
	wb_put(&forged, fr[0].p, fr[0].len);
	forged.p[forged.len - 1] ^= 1;
	deliver(&forged);
	CU_ASSERT_EQUAL(m.n_sent, before);
	/* the real fragment 1: every fragment of the answer, unchanged */
	deliver(&fr[0]);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, before + n_ans);
	for (size_t i = 0; i < n_ans; i++)
		CU_ASSERT_EQUAL(memcmp(m.sent[before + i].p,
				       sa->last_resp.frags[i].p,
				       sa->last_resp.frags[i].len), 0);
	CU_ASSERT_EQUAL(conn_get_state(m.conn), CONN_ESTABLISHED);
	wb_free(&forged);
	frag_out_free(fr, n);
	mem_end(&m);
}

static bool init_has_frag_notify(void)
{
	const struct ike_msg *req = mem_open(&m, m.conn->sa, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	CU_ASSERT_EQUAL_FATAL(req->hdr->exchange, EXCH_IKE_SA_INIT);
	for (size_t i = 0; i < req->pl->n; i++) {
		const struct ike_payload *p = &req->pl->pl[i];

		if (p->type == PL_NOTIFY && p->len >= 4 &&
		    get_u16(p->body + 2) == N_IKEV2_FRAGMENTATION_SUPPORTED)
			return true;
	}
	return false;
}

/* conn_connect with the profile's setting, answered with or without the
 * gateway's notify: how many datagrams the IKE_AUTH request took. */
static size_t connect_auth(bool ours, bool gw, bool *offered)
{
	struct verr e = { { 0 } };
	struct ike_sa *sa;
	size_t before;

	begin();
	m.prof.fragmentation = ours;
	m.conn = conn_new(test_engine, &m.prof, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.conn);
	CU_ASSERT_EQUAL_FATAL(conn_connect(m.conn, &e), 0);
	sa = m.conn->sa;
	*offered = init_has_frag_notify();
	mem_add_init_answer(&m, sa);
	if (gw)
		notify_build(&m.chain, 0, NULL, 0,
			     N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	before = m.n_sent;
	CU_ASSERT_EQUAL_FATAL(sa_take_response(sa, mem_typed_init(&m, sa)),
			      TASK_DONE);
	CU_ASSERT_EQUAL(sa->peer_frag, ours && gw);
	return m.n_sent - before;
}

/* Both offered: fragments. The gateway did not, or the profile turned
 * it off: one datagram, larger than a fragment, that opens as SK. */
static void test_negotiation(void)
{
	struct conn_status st;
	bool offered;
	size_t n;

	n = connect_auth(true, true, &offered);
	CU_ASSERT_TRUE(offered);
	CU_ASSERT_EQUAL(n, 4);
	mem_end(&m);

	n = connect_auth(true, false, &offered);
	CU_ASSERT_TRUE(offered);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_TRUE(mem_last(&m)->len > MSG_1280);
	CU_ASSERT_PTR_NOT_NULL(mem_open(&m, m.conn->sa, m.n_sent - 1));
	mem_end(&m);

	n = connect_auth(false, true, &offered);
	CU_ASSERT_FALSE(offered);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_PTR_NOT_NULL(mem_open(&m, m.conn->sa, m.n_sent - 1));
	/* unanswered: the timeout names the likely cause (200 ms, then 3
	 * retransmissions 300, 450 and 675 ms apart) */
	run_for(NULL, 1800);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.change.reason, REASON_TIMEOUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.change.text,
				      "IKE fragmentation is off (connection.fragmentation)"));
	mem_end(&m);
}

void register_frag_engine_tests(void)
{
	CU_pSuite s = CU_add_suite("IKE fragmentation in the engine",
				   suite_init, suite_clean);

	CU_add_test(s, "IKE_AUTH out in fragments", test_auth_out_in_fragments);
	CU_add_test(s, "fragmented response, forged fragments",
		    test_response_reassembled);
	CU_add_test(s, "retransmission: all, then smaller",
		    test_retransmit_all_then_smaller);
	CU_add_test(s, "the gateway's fragmented request",
		    test_gateway_request);
	CU_add_test(s, "negotiation", test_negotiation);
}
