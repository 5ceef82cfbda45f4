/* MOBIKE (RFC 4555) in memory (mem.h), with the host (fake_host.h) and
 * the kernel (fake_kernel.h) of the test: MOBIKE_SUPPORTED both ways,
 * the move on a lost address (UPDATE_SA_ADDRESSES with NAT detection
 * and COOKIE2 from the new address on 4500), the Child SAs following in
 * the kernel, an answer without the cookie ignored, a refused move
 * ending in a new SA, and a gateway without MOBIKE getting a new SA. */
#include <arpa/inet.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "child.h"
#include "fake_host.h"
#include "fake_kernel.h"
#include "harness.h"
#include "mem.h"

static struct mem m;
static struct fake_kernel fk;

static int use_fakes(void)
{
	return fake_kernel_engine(&fk, &fake_host_ops);
}

static int back_to_none(void)
{
	return fake_kernel_engine_end(&fk);
}

/* Established from FAKE_CLIENT_ADDR; the gateway answered IKE_AUTH with
 * MOBIKE_SUPPORTED when 'mobike'. */
static struct ike_sa *up_with(bool mobike, const char *alt)
{
	struct ike_sa *sa;

	fake_host_reset();
	fk.migrations = 0;
	mem_begin(&m);
	sa = mem_sa(&m);
	fake_addr4(&sa->local, FAKE_CLIENT_ADDR, IKE_PORT);
	CU_ASSERT_EQUAL_FATAL(ike_auth_queue(sa, &(struct verr){ { 0 } }), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem_open(&m, sa, m.n_sent - 1));
	/* ours carries MOBIKE_SUPPORTED (the profile's default) */
	CU_ASSERT_PTR_NOT_NULL(msg_notify(&m.out.m, N_MOBIKE_SUPPORTED));
	mem_chain(&m);
	mem_add_auth_answer(&m, sa, true);
	if (mobike)
		notify_build(&m.chain, 0, NULL, 0, N_MOBIKE_SUPPORTED, NULL, 0);
	if (alt) {
		uint8_t ip[4];

		inet_pton(AF_INET, alt, ip);
		notify_build(&m.chain, 0, NULL, 0, N_ADDITIONAL_IP4_ADDRESS, ip,
			     4);
	}
	CU_ASSERT_EQUAL_FATAL(sa_take_response(sa, mem_typed(&m, sa,
							    EXCH_IKE_AUTH, 1,
							    true)),
			      TASK_UP);
	CU_ASSERT_EQUAL(sa->peer_mobike, mobike);
	return sa;
}

static struct ike_sa *up(bool mobike)
{
	return up_with(mobike, NULL);
}

static void natd(const struct ike_sa *sa, const struct sockaddr_storage *ss,
		 uint8_t out[20])
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

	CU_ASSERT_EQUAL_FATAL(natd_hash(sa->spi_i, sa->spi_r,
					(const uint8_t *)&sin->sin_addr, 4,
					ntohs(sin->sin_port), out), 0);
}

/* The gateway's answer to our update: its NAT detection (no NAT) and
 * the cookie, or another one when 'cookie' is NULL. */
static const struct ike_msg *answer(struct ike_sa *sa, const uint8_t *cookie,
				    size_t cookie_len, uint32_t mid)
{
	static const uint8_t other[16] = { 1 };
	uint8_t h[20];

	mem_chain(&m);
	natd(sa, &sa->peer, h);
	notify_build(&m.chain, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, h, 20);
	natd(sa, &sa->local, h);
	notify_build(&m.chain, 0, NULL, 0, N_NAT_DETECTION_DESTINATION_IP, h,
		     20);
	notify_build(&m.chain, 0, NULL, 0, N_COOKIE2,
		     cookie ? cookie : other, cookie ? cookie_len : 16);
	return mem_typed(&m, sa, EXCH_INFORMATIONAL, mid, true);
}

/* The last datagram, opened: an INFORMATIONAL of ours with NAT
 * detection, an UPDATE_SA_ADDRESSES in it or not. */
static const struct ike_msg *informational_sent(struct ike_sa *sa,
						bool update)
{
	const struct ike_msg *msg = mem_open(&m, sa, m.n_sent - 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_EQUAL_FATAL(msg->hdr->exchange, EXCH_INFORMATIONAL);
	CU_ASSERT_EQUAL(msg_notify(msg, N_UPDATE_SA_ADDRESSES) != NULL, update);
	CU_ASSERT_PTR_NOT_NULL(msg_notify(msg, N_NAT_DETECTION_SOURCE_IP));
	CU_ASSERT_PTR_NOT_NULL(msg_notify(msg, N_NAT_DETECTION_DESTINATION_IP));
	return msg;
}

/* ... our UPDATE_SA_ADDRESSES on 4500 with its COOKIE2; its Message ID. */
static const struct ike_msg *update_sent(struct ike_sa *sa, uint32_t *mid)
{
	const struct mem_dgram *d = mem_last(&m);
	const struct ike_msg *msg;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_TRUE(d->natt); /* on 4500, with the marker */
	CU_ASSERT_EQUAL(sockaddr_port(&d->to), IKE_NATT_PORT);
	msg = informational_sent(sa, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg_notify(msg, N_COOKIE2));
	*mid = msg->hdr->msg_id;
	return msg;
}

/* Our update was sent: its Message ID and the COOKIE2 it carries (8 to
 * 64 bytes, RFC 4555 4.8) into cookie; the cookie's length. */
static size_t update_cookie(struct ike_sa *sa, uint32_t *mid,
			    uint8_t cookie[64])
{
	const struct notify_payload *ck =
		msg_notify(update_sent(sa, mid), N_COOKIE2);

	CU_ASSERT_TRUE_FATAL(ck->len >= 8 && ck->len <= 64);
	memcpy(cookie, ck->data, ck->len);
	return ck->len;
}

static bool kaddr_is(const struct kernel_addr *a, const char *text)
{
	struct sockaddr_storage ss;

	fake_addr4(&ss, text, 0);
	return a->family == AF_INET &&
	       !memcmp(a->bytes, &((struct sockaddr_in *)&ss)->sin_addr, 4);
}

/* The datagram before the last (the new IKE_SA_INIT): Delete(IKE) of
 * the SA we left, sent from 'from' (the keys kept by mem_keep). */
static void left_with_delete(const char *from)
{
	const struct ike_msg *msg;
	const struct ike_payload *d;
	struct sockaddr_storage want;

	CU_ASSERT_FATAL(m.n_sent >= 2);
	fake_addr4(&want, from, 0);
	CU_ASSERT_TRUE(sockaddr_same_addr(&m.sent[m.n_sent - 2].from, &want));
	msg = mem_open_kept(&m, m.n_sent - 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_EQUAL(msg->hdr->exchange, EXCH_INFORMATIONAL);
	d = msg_payload(msg, PL_DELETE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_TRUE(d->len >= 1 && d->body[0] == PROTO_IKE);
}

/* Our address goes: the same IKE SA moves (no new SA), the Child SAs
 * and policies follow in the kernel with the new tunnel endpoints, the
 * tunnel stays up, and the history says so. */
static void test_move(void)
{
	struct ike_sa *sa = up(true);
	const struct fake_sa *out;
	struct conn_status st;
	uint8_t cookie[64];
	size_t ck_len, i;
	uint32_t mid;

	mem_status(&m, &st);
	CU_ASSERT_TRUE_FATAL(st.child.installed);
	fake_host_move();
	engine_network_changed(test_engine, "an address went away");
	CU_ASSERT_PTR_EQUAL(m.conn->sa, sa);
	ck_len = update_cookie(sa, &mid, cookie);
	CU_ASSERT_EQUAL(fk.migrations, 0); /* not before the answer */
	CU_ASSERT_EQUAL(sa_take_response(sa, answer(sa, cookie, ck_len, mid)),
			TASK_DONE);
	CU_ASSERT_TRUE(fk.migrations >= 3); /* out, in, fwd */
	for (i = 0; i < fk.n_pols; i++)
		CU_ASSERT_TRUE(kaddr_is(fk.pols[i].dir == KERNEL_DIR_OUT ?
						&fk.pols[i].tmpl_src :
						&fk.pols[i].tmpl_dst,
					FAKE_OTHER_ADDR));
	out = fake_kernel_sa(&fk, get_u32(st.child.spi_out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_TRUE(kaddr_is(&out->src, FAKE_OTHER_ADDR));
	CU_ASSERT_FALSE(out->encap); /* IKE on 4500, but no NAT */
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(st.ike.natt, true);
	CU_ASSERT_FALSE(st.ike.nat_detected);
	CU_ASSERT_EQUAL(st.n_moves, 2); /* gone, moved */
	CU_ASSERT_EQUAL(m.n_up, 1);
	mem_end(&m);
	CU_ASSERT_EQUAL(fk.n_sas, 0);
}

/* An answer that does not echo our cookie (libreswan 4.10 without a
 * Child SA leaves it out): RFC 4555 4.8, the SA is closed; nothing
 * moves in the kernel and a new IKE SA is made, as for a refusal. */
static void test_cookie_mismatch(void)
{
	struct ike_sa *sa = up(true);
	struct conn_status st;
	uint32_t mid;

	fake_host_move();
	engine_network_changed(test_engine, "an address went away");
	update_sent(sa, &mid);
	CU_ASSERT_EQUAL(sa_take_response(sa, answer(sa, NULL, 0, mid)),
			TASK_FAILED);
	CU_ASSERT_EQUAL(fk.migrations, 0);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(st.change.reason, REASON_MOVED);
	CU_ASSERT_TRUE(mem_last(&m)->p[18] == EXCH_IKE_SA_INIT);
	mem_end(&m);
}

/* The gateway refuses the new address: a new IKE SA instead. */
static void test_move_refused(void)
{
	struct ike_sa *sa = up(true);
	struct conn_status st;
	uint32_t mid;

	fake_host_move();
	engine_network_changed(test_engine, "an address went away");
	update_sent(sa, &mid);
	mem_chain(&m);
	notify_build(&m.chain, 0, NULL, 0, N_UNACCEPTABLE_ADDRESSES, NULL, 0);
	mem_keep(&m, sa);
	sa_take_response(sa, mem_typed(&m, sa, EXCH_INFORMATIONAL, mid, true));
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(st.change.reason, REASON_MOVED);
	CU_ASSERT_TRUE(mem_last(&m)->p[18] == EXCH_IKE_SA_INIT);
	/* the gateway, which answered there, drops the SA now */
	left_with_delete(FAKE_OTHER_ADDR);
	mem_end(&m);
}

/* A gateway that did not say MOBIKE_SUPPORTED gets a new IKE SA, and
 * (no ticket to resume with) a Delete of the old one from the new
 * address, which frees its virtual IP's lease at once. */
static void test_no_mobike(void)
{
	struct conn_status st;

	mem_keep(&m, up(false));
	fake_host_move();
	engine_network_changed(test_engine, "an address went away");
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_CONNECTING);
	CU_ASSERT_EQUAL(st.change.reason, REASON_MOVED);
	CU_ASSERT_EQUAL(fk.migrations, 0);
	CU_ASSERT_TRUE(mem_last(&m)->p[18] == EXCH_IKE_SA_INIT);
	left_with_delete(FAKE_OTHER_ADDR);
	mem_end(&m);
}

/* The gateway's answer to a request of ours from behind a NAT: NAT
 * detection that sees us at a mapping ('seen' stands for its hash) and,
 * for an update, the cookie. */
static const struct ike_msg *nat_answer(struct ike_sa *sa, uint8_t seen,
					const uint8_t *cookie,
					size_t cookie_len, uint32_t mid)
{
	uint8_t h[20];

	mem_chain(&m);
	natd(sa, &sa->peer, h);
	notify_build(&m.chain, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, h, 20);
	memset(h, seen, sizeof(h));
	notify_build(&m.chain, 0, NULL, 0, N_NAT_DETECTION_DESTINATION_IP, h,
		     20);
	if (cookie)
		notify_build(&m.chain, 0, NULL, 0, N_COOKIE2, cookie,
			     cookie_len);
	return mem_typed(&m, sa, EXCH_INFORMATIONAL, mid, true);
}

/* A liveness check, answered with the mapping 'seen'. */
static void check_answered(struct ike_sa *sa, uint8_t seen)
{
	const struct ike_msg *msg;

	dpd_check(sa);
	/* behind a NAT, the check asks where the gateway sees us */
	msg = informational_sent(sa, false);
	CU_ASSERT_EQUAL(sa_take_response(sa, nat_answer(sa, seen, NULL, 0,
							msg->hdr->msg_id)),
			TASK_DONE);
}

/* Behind a NAT the mapping changes under us (the NAT restarted): the
 * liveness check shows it, and the SA is updated from the same address
 * so that the gateway's ESP goes to the new mapping; nothing moves in
 * our kernel. The same mapping again changes nothing. */
static void test_nat_mapping_changed(void)
{
	struct ike_sa *sa = up(true);
	struct conn_status st;
	struct conn_move mv;
	uint8_t cookie[64];
	size_t n, ck_len;
	uint32_t mid;

	/* as after an IKE_SA_INIT that found a NAT on our side */
	sa->natt = true;
	sa->nat_here = true;
	sockaddr_set_port(&sa->local, IKE_NATT_PORT);
	sockaddr_set_port(&sa->peer, IKE_NATT_PORT);
	check_answered(sa, 0x11);
	n = m.n_sent;
	check_answered(sa, 0x11);
	CU_ASSERT_EQUAL(m.n_sent, n + 1); /* the check only */
	check_answered(sa, 0x22);
	CU_ASSERT_EQUAL_FATAL(m.n_sent, n + 3); /* and an update */
	ck_len = update_cookie(sa, &mid, cookie);
	CU_ASSERT_TRUE(mem_last(&m)->from.ss_family == 0 ||
		       sockaddr_same_addr(&mem_last(&m)->from, &sa->local));
	CU_ASSERT_EQUAL(sa_take_response(sa, nat_answer(sa, 0x22, cookie,
							ck_len, mid)),
			TASK_DONE);
	CU_ASSERT_EQUAL(fk.migrations, 0);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_TRUE(st.ike.nat_detected);
	CU_ASSERT_TRUE_FATAL(conn_move_get(m.conn, st.n_moves - 1, &mv));
	CU_ASSERT_PTR_NOT_NULL(strstr(mv.what, "mapping"));
	/* the new mapping is the one compared with from now on */
	n = m.n_sent;
	check_answered(sa, 0x22);
	CU_ASSERT_EQUAL(m.n_sent, n + 1);
	mem_end(&m);
}

/* Not behind a NAT: liveness checks stay empty INFORMATIONALs. */
static void test_no_nat_plain_check(void)
{
	struct ike_sa *sa = up(true);
	const struct ike_msg *msg;

	dpd_check(sa);
	msg = mem_open(&m, sa, m.n_sent - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_EQUAL(msg->pl->n, 0);
	mem_end(&m);
}

/* The kernel's report that the gateway's ESP now comes from port 'port'
 * of its address (XFRM_MSG_MAPPING on our inbound SA). */
static void gateway_esp_from(const struct ike_sa *sa, uint16_t port)
{
	struct conn_status st;
	struct kernel_event ev;
	struct sockaddr_storage gw;

	mem_status(&m, &st);
	memset(&ev, 0, sizeof(ev));
	ev.type = KERNEL_EV_MAPPING;
	ev.spi = get_u32(st.child.spi_in);
	fake_addr4(&gw, "192.0.2.1", 0);
	child_kaddr(&gw, &ev.new_src);
	ev.new_sport = port;
	engine_child_event(test_engine, &ev);
}

/* RFC 7296 2.23: a gateway behind a NAT whose NAT maps it anew is
 * followed there, the IKE SA and the Child SAs (their encapsulation
 * ports); a gateway not behind a NAT is not moved by such a report. */
static void test_gateway_nat_mapping(void)
{
	struct ike_sa *sa = up(false);
	const struct fake_sa *out;
	struct conn_status st;
	unsigned moved;

	sa->natt = true;
	sockaddr_set_port(&sa->local, IKE_NATT_PORT);
	sockaddr_set_port(&sa->peer, IKE_NATT_PORT);
	gateway_esp_from(sa, 40001);
	CU_ASSERT_EQUAL(sockaddr_port(&sa->peer), IKE_NATT_PORT);
	CU_ASSERT_EQUAL(fk.migrations, 0);
	sa->nat_there = true;
	gateway_esp_from(sa, 40001);
	CU_ASSERT_EQUAL(sockaddr_port(&sa->peer), 40001);
	CU_ASSERT_TRUE(fk.migrations >= 3);
	mem_status(&m, &st);
	out = fake_kernel_sa(&fk, get_u32(st.child.spi_out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_TRUE(out->encap);
	CU_ASSERT_EQUAL(out->encap_dport, 40001);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_TRUE(st.n_moves >= 1);
	/* the same place again changes nothing */
	moved = fk.migrations;
	gateway_esp_from(sa, 40001);
	CU_ASSERT_EQUAL(fk.migrations, moved);
	mem_end(&m);
}

/* With MOBIKE the addresses are ours to set: the SA moves to the
 * gateway's new mapping with an update, which the cookie confirms. */
static void test_gateway_nat_mapping_mobike(void)
{
	struct ike_sa *sa = up(true);
	const struct ike_msg *msg;

	sa->natt = true;
	sa->nat_there = true;
	sockaddr_set_port(&sa->local, IKE_NATT_PORT);
	sockaddr_set_port(&sa->peer, IKE_NATT_PORT);
	gateway_esp_from(sa, 40002);
	CU_ASSERT_EQUAL(sockaddr_port(&mem_last(&m)->to), 40002);
	msg = informational_sent(sa, true);
	CU_ASSERT_PTR_NOT_NULL(msg_notify(msg, N_COOKIE2));
	CU_ASSERT_EQUAL(fk.migrations, 0); /* not before the answer */
	mem_end(&m);
}

/* The gateway rekeys the Child SA while our update is on the wire: the
 * new pair goes in at the new address (the SA's messages left from there
 * already), and the move that follows the answer takes the policies and
 * the old pair along, so that every SA and template of the tunnel ends
 * at the new address and the tunnel stays up. */
static void test_rekey_during_move(void)
{
	static const uint8_t gw_esp[4] = { 0xc0, 0, 0, 0x33 };
	struct ike_sa *sa = up(true);
	struct conn_status st;
	const struct fake_sa *in, *out;
	uint8_t cookie[64];
	size_t ck_len, i;
	uint32_t mid;

	fake_host_move();
	engine_network_changed(test_engine, "an address went away");
	ck_len = update_cookie(sa, &mid, cookie);
	mem_add_child_rekey_request(&m, sa, gw_esp);
	CU_ASSERT_EQUAL(sa_take_request(sa, mem_typed(&m, sa,
						      EXCH_CREATE_CHILD_SA, 0,
						      false)),
			TASK_DONE);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL_FATAL(st.child_rekeys, 1);
	CU_ASSERT_EQUAL(sa_take_response(sa, answer(sa, cookie, ck_len, mid)),
			TASK_DONE);
	mem_status(&m, &st);
	CU_ASSERT_EQUAL(st.state, CONN_ESTABLISHED);
	CU_ASSERT_TRUE(st.child.installed);
	in = fake_kernel_sa(&fk, get_u32(st.child.spi_in));
	out = fake_kernel_sa(&fk, get_u32(st.child.spi_out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_TRUE(kaddr_is(&in->dst, FAKE_OTHER_ADDR));
	CU_ASSERT_TRUE(kaddr_is(&out->src, FAKE_OTHER_ADDR));
	for (i = 0; i < fk.n_sas; i++)
		CU_ASSERT_TRUE(kaddr_is(fk.sas[i].inbound ? &fk.sas[i].dst :
							    &fk.sas[i].src,
					FAKE_OTHER_ADDR));
	for (i = 0; i < fk.n_pols; i++)
		CU_ASSERT_TRUE(kaddr_is(fk.pols[i].dir == KERNEL_DIR_OUT ?
						&fk.pols[i].tmpl_src :
						&fk.pols[i].tmpl_dst,
					FAKE_OTHER_ADDR));
	mem_end(&m);
	CU_ASSERT_EQUAL(fk.n_sas, 0);
}

#define GW_OTHER "192.0.2.99"

/* The gateway named another address in IKE_AUTH; with no route to its
 * current one, the SA moves there: UPDATE_SA_ADDRESSES to it, on 4500,
 * instead of waiting for a network. */
static void test_other_gateway_address(void)
{
	struct ike_sa *sa = up_with(true, GW_OTHER);
	struct sockaddr_storage want;
	uint32_t mid;

	CU_ASSERT_EQUAL_FATAL(sa->n_peer_addrs, 1);
	snprintf(fake_host.unreachable, sizeof(fake_host.unreachable),
		 "192.0.2.1");
	engine_network_changed(test_engine, "a route went away");
	update_sent(sa, &mid);
	fake_addr4(&want, GW_OTHER, IKE_NATT_PORT);
	CU_ASSERT_EQUAL(memcmp(&mem_last(&m)->to, &want,
			       sizeof(struct sockaddr_in)), 0);
	CU_ASSERT_FALSE(sa->held);
	/* the address it left is the other one now */
	CU_ASSERT_EQUAL(((struct sockaddr_in *)&sa->peer_addrs[0])->sin_addr.s_addr,
			htonl(0xc0000201));
	mem_end(&m);
}

/* The gateway's new address list (here: none) in an INFORMATIONAL
 * request replaces the old one; its COOKIE2 comes back. */
static void test_gateway_address_list(void)
{
	static const uint8_t ck[12] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2 };
	struct ike_sa *sa = up_with(true, GW_OTHER);
	const struct ike_msg *ans;
	const struct notify_payload *n;
	struct wbuf d;

	mem_chain(&m);
	notify_build(&m.chain, 0, NULL, 0, N_NO_ADDITIONAL_ADDRESSES, NULL, 0);
	notify_build(&m.chain, 0, NULL, 0, N_COOKIE2, ck, sizeof(ck));
	mem_datagram(&m, sa, EXCH_INFORMATIONAL, 0, mem_gw_flags(sa, false),
		     &d);
	mem_deliver(&d);
	wb_free(&d);
	CU_ASSERT_EQUAL(sa->n_peer_addrs, 0);
	ans = mem_open(&m, sa, m.n_sent - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	CU_ASSERT_TRUE(ans->hdr->flags & IKE_FLAG_R);
	n = msg_notify(ans, N_COOKIE2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->len, sizeof(ck));
	CU_ASSERT_EQUAL(memcmp(n->data, ck, sizeof(ck)), 0);
	mem_end(&m);
}

/* Our address is still there but the route to the gateway leaves from
 * another one now (the preferred uplink came back): the SA follows. */
static void test_route_source_changed(void)
{
	struct ike_sa *sa = up(true);
	struct sockaddr_storage other;
	uint32_t mid;

	snprintf(fake_host.src, sizeof(fake_host.src), FAKE_OTHER_ADDR);
	engine_network_changed(test_engine, "the network changed");
	update_sent(sa, &mid);
	fake_addr4(&other, FAKE_OTHER_ADDR, 0);
	CU_ASSERT_EQUAL(memcmp(&((struct sockaddr_in *)&sa->local)->sin_addr,
			       &((struct sockaddr_in *)&other)->sin_addr, 4), 0);
	mem_end(&m);
}

void register_mobike_tests(void)
{
	CU_pSuite s = CU_add_suite("MOBIKE", use_fakes, back_to_none);

	CU_add_test(s, "the SA and its Child SAs move", test_move);
	CU_add_test(s, "COOKIE2 not echoed: a new SA", test_cookie_mismatch);
	CU_add_test(s, "move refused: a new SA", test_move_refused);
	CU_add_test(s, "gateway without MOBIKE: a new SA", test_no_mobike);
	CU_add_test(s, "the gateway's other address", test_other_gateway_address);
	CU_add_test(s, "the gateway's address list", test_gateway_address_list);
	CU_add_test(s, "the route's source changed", test_route_source_changed);
	CU_add_test(s, "the NAT changed our mapping", test_nat_mapping_changed);
	CU_add_test(s, "no NAT: plain liveness checks", test_no_nat_plain_check);
	CU_add_test(s, "a Child SA rekey during a move", test_rekey_during_move);
	CU_add_test(s, "the gateway's NAT maps it anew", test_gateway_nat_mapping);
	CU_add_test(s, "... with MOBIKE: an update there",
		    test_gateway_nat_mapping_mobike);
}
