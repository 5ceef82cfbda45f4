/* Child SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.3, 2.8): the
 * gateway's rekey answered, and our own, with and without PFS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "status.h"

static struct run r;

static uint16_t want_group;
static int collide_loser = -1; /* crossing rekeys: R_LOSER_*; -1: none */

static bool bring_up(const char *esp)
{
	struct responder_cfg cfg;

	memset(&r, 0, sizeof(r));
	responder_cfg_defaults(&cfg);
	cfg.rekey_want_group = want_group;
	if (collide_loser >= 0) {
		cfg.collide_child_rekey = true;
		cfg.collision_loser = collide_loser;
	}
	r.resp = start_responder(&cfg);
	make_profile(&r.prof, cfg.port, "aes128gcm16-prfsha256-ecp256", esp);
	return run_connect(&r) && run_wait_event(&r) == CEV_UP;
}

/* The Child SA's SPIs in the status. */
static bool status_spis(uint32_t *in, uint32_t *out)
{
	const struct conn_status *cs = status_of(r.conn);

	*in = get_u32(cs->child.spi_in);
	*out = get_u32(cs->child.spi_out);
	return cs->child.up;
}

static void gateway_rekeys(uint16_t group)
{
	const struct responder_stats *st = responder_stats(r.resp);
	uint32_t in0, out0, in1, out1;

	CU_ASSERT_FATAL(status_spis(&in0, &out0));
	CU_ASSERT_EQUAL_FATAL(responder_send_rekey_child(r.resp, group), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(st->rekey_answered, 1);
	CU_ASSERT_EQUAL(st->rekey_ok, 1);
	if (st->rekey_ok != 1)
		fprintf(stderr, "\n  gateway: %s\n", st->rekey_error);
	/* same selectors, swapped: TSi is the gateway's side now */
	CU_ASSERT(st->rekey_ts_same);
	CU_ASSERT_EQUAL(st->rekey_group, group);
	CU_ASSERT_EQUAL(status_of(r.conn)->child_rekeys, 1);
	CU_ASSERT_FATAL(status_spis(&in1, &out1));
	CU_ASSERT_NOT_EQUAL(in1, in0);
	CU_ASSERT_NOT_EQUAL(out1, out0);
	/* our new inbound SPI is the one we gave the gateway */
	CU_ASSERT_EQUAL(in1, get_u32(st->rekey_peer_spi));
	/* the gateway deletes the old pair; we name our old inbound SPI */
	CU_ASSERT_EQUAL_FATAL(responder_send_child_delete_old(r.resp), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(get_u32(st->resp_delete_spi), in0);
	CU_ASSERT(status_spis(&in1, &out1));
	CU_ASSERT_EQUAL(status_of(r.conn)->state, CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(in1, get_u32(st->rekey_peer_spi));
	CU_ASSERT_EQUAL(r.n_down, 0);
}

static void test_gateway_rekey(void)
{
	CU_ASSERT_FATAL(bring_up("aes128gcm16"));
	gateway_rekeys(DH_NONE);
	/* and again: one rekey after another works */
	r.progress[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(responder_send_rekey_child(r.resp, DH_NONE), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->rekey_ok, 2);
	run_cleanup(&r);
}

static void test_gateway_rekey_pfs(void)
{
	CU_ASSERT_FATAL(bring_up("aes128gcm16-ecp256"));
	gateway_rekeys(DH_ECP256);
	run_cleanup(&r);
}

/* A PFS group the profile does not have: refused, the old pair stays. */
static void test_gateway_rekey_refused(void)
{
	const struct responder_stats *st;
	uint32_t in0, out0, in1, out1;

	CU_ASSERT_FATAL(bring_up("aes128gcm16"));
	st = responder_stats(r.resp);
	CU_ASSERT_FATAL(status_spis(&in0, &out0));
	CU_ASSERT_EQUAL_FATAL(responder_send_rekey_child(r.resp, DH_ECP384), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(st->rekey_answered, 1);
	CU_ASSERT_EQUAL(st->rekey_ok, 0);
	CU_ASSERT_EQUAL(st->resp_notify, N_NO_PROPOSAL_CHOSEN);
	CU_ASSERT_EQUAL(status_of(r.conn)->child_rekeys, 0);
	CU_ASSERT(status_spis(&in1, &out1));
	CU_ASSERT_EQUAL(in1, in0);
	CU_ASSERT_EQUAL(out1, out0);
	run_cleanup(&r);
}

static void we_rekey(void)
{
	const struct responder_stats *st = responder_stats(r.resp);
	uint32_t in0, out0, in1, out1;
	struct verr e = { { 0 } };

	CU_ASSERT_FATAL(status_spis(&in0, &out0));
	CU_ASSERT_EQUAL_FATAL(conn_rekey_child(r.conn, &e), 0);
	/* a second one while the first runs is refused */
	CU_ASSERT_EQUAL(conn_rekey_child(r.conn, &e), -1);
	run_for(&r, 400);
	CU_ASSERT_EQUAL(st->rekeys_by_initiator, 1);
	CU_ASSERT_EQUAL(get_u32(st->initiator_rekey_spi), in0);
	CU_ASSERT(st->initiator_rekey_ts_same);
	CU_ASSERT_EQUAL(status_of(r.conn)->child_rekeys, 1);
	CU_ASSERT_FATAL(status_spis(&in1, &out1));
	CU_ASSERT_NOT_EQUAL(in1, in0);
	CU_ASSERT_NOT_EQUAL(out1, out0);
	/* we started it, so we deleted the old pair, by our old SPI */
	CU_ASSERT_EQUAL(st->child_deletes, 1);
	CU_ASSERT_EQUAL(get_u32(st->child_delete_spi), in0);
	CU_ASSERT_EQUAL(r.n_down, 0);
}

static void test_our_rekey(void)
{
	CU_ASSERT_FATAL(bring_up("aes128gcm16"));
	we_rekey();
	run_cleanup(&r);
}

static void test_our_rekey_pfs(void)
{
	CU_ASSERT_FATAL(bring_up("aes128gcm16-ecp256"));
	we_rekey();
	run_cleanup(&r);
}

/* The gateway wants the other group of our set: INVALID_KE_PAYLOAD
 * names it, and the rekey is made again with it at once. */
static void test_our_rekey_other_group(void)
{
	want_group = DH_ECP384;
	CU_ASSERT_FATAL(bring_up("aes128gcm16-ecp256-ecp384"));
	want_group = 0;
	we_rekey();
	CU_ASSERT_EQUAL(responder_stats(r.resp)->rekey_group, DH_ECP384);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->initiator_rekey_requests, 2);
	run_cleanup(&r);
}

/* Both rekey the pair at once (RFC 7296 2.8.1): both exchanges are
 * answered; the pair of the exchange with the lowest nonce goes,
 * deleted by the side that started that exchange, and the other side
 * deletes the old pair. One pair is left on both sides, the IKE SA
 * stays. */
static void crossing_rekeys(int loser)
{
	const struct responder_stats *st;
	uint32_t in0, out0, in1, out1;
	struct verr e = { { 0 } };

	collide_loser = loser;
	CU_ASSERT_FATAL(bring_up("aes128gcm16"));
	collide_loser = -1;
	st = responder_stats(r.resp);
	CU_ASSERT_FATAL(status_spis(&in0, &out0));
	CU_ASSERT_EQUAL_FATAL(conn_rekey_child(r.conn, &e), 0);
	run_for(&r, 600);
	/* both rekeys were answered with a new pair, neither refused */
	CU_ASSERT_EQUAL(st->child_collisions, 1);
	CU_ASSERT_EQUAL(st->rekeys_by_initiator, 1);
	CU_ASSERT_EQUAL(st->rekey_answered, 1);
	CU_ASSERT_EQUAL(st->rekey_ok, 1);
	CU_ASSERT_EQUAL(st->temporary_failures_sent, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.progress, "the gateway rekeys the Child SA while we do"));
	CU_ASSERT_FATAL(status_spis(&in1, &out1));
	CU_ASSERT_NOT_EQUAL(in1, in0);
	CU_ASSERT_NOT_EQUAL(out1, out0);
	/* the pair that stays is the same on both sides */
	CU_ASSERT_EQUAL(in1, get_u32(st->rekey_peer_spi));
	CU_ASSERT_EQUAL(out1, get_u32(st->rekey_our_spi));
	/* one delete each: of the redundant pair and of the old one */
	CU_ASSERT_EQUAL(st->child_deletes, 1);
	CU_ASSERT_EQUAL(st->redundant_children_removed, 1);
	CU_ASSERT_EQUAL(st->old_children_removed, 1);
	if (loser == R_LOSER_GATEWAY) {
		/* ours stays: we delete the old pair, the gateway its own */
		CU_ASSERT_EQUAL(st->child_collisions_lost_by_gateway, 1);
		CU_ASSERT_EQUAL(get_u32(st->child_delete_spi), in0);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.progress, "ours has the higher nonces and stays"));
	} else {
		/* the gateway's stays: we delete ours, the gateway the old */
		CU_ASSERT_EQUAL(st->child_collisions_lost_by_initiator, 1);
		CU_ASSERT_NOT_EQUAL(get_u32(st->child_delete_spi), in0);
		CU_ASSERT_NOT_EQUAL(get_u32(st->child_delete_spi), in1);
		CU_ASSERT_EQUAL(st->old_child_deletes, 0);
		CU_ASSERT_EQUAL(get_u32(st->resp_delete_spi), in0);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.progress, "the gateway's pair has the higher nonces and stays"));
	}
	/* nothing of the other pairs is left */
	CU_ASSERT_PTR_NULL(strstr(run_status(&r), "other pair"));
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(responder_established(r.resp), 1);
	CU_ASSERT_EQUAL(r.n_down, 0);
	run_cleanup(&r);
}

static void test_crossing_gateway_redundant(void)
{
	crossing_rekeys(R_LOSER_GATEWAY);
}

static void test_crossing_ours_redundant(void)
{
	crossing_rekeys(R_LOSER_INITIATOR);
}

void register_rekey_tests(void)
{
	CU_pSuite s = CU_add_suite("Child SA rekeying", NULL, NULL);

	CU_add_test(s, "gateway rekeys", test_gateway_rekey);
	CU_add_test(s, "gateway rekeys with PFS", test_gateway_rekey_pfs);
	CU_add_test(s, "gateway rekey with an unknown group refused",
		    test_gateway_rekey_refused);
	CU_add_test(s, "we rekey", test_our_rekey);
	CU_add_test(s, "we rekey with PFS", test_our_rekey_pfs);
	CU_add_test(s, "we rekey again with the group the gateway wants",
		    test_our_rekey_other_group);
	CU_add_test(s, "crossing rekeys, the gateway's pair redundant",
		    test_crossing_gateway_redundant);
	CU_add_test(s, "crossing rekeys, ours redundant",
		    test_crossing_ours_redundant);
}
