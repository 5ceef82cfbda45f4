/* IKE SA rekeying (RFC 7296 1.3.2, 2.8.2, 2.18) and reauthentication
 * (RFC 4478) against the scripted responder: the gateway's rekey and
 * ours, the I flag and SPI routing on the new SA, crossing rekeys in
 * both orders of nonces, and make-before-break reauthentication. */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "status.h"

static struct run r;

static bool bring_up(struct responder_cfg *cfg)
{
	memset(&r, 0, sizeof(r));
	r.resp = start_responder(cfg);
	make_profile(&r.prof, cfg->port, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	r.prof.close_restart = false;
	return run_connect(&r) && run_wait_event(&r) == CEV_UP;
}


/* vpnctl status shows the responder's newest IKE SA. */
static bool status_has_newest(void)
{
	const struct responder_stats *st = responder_stats(r.resp);
	const struct conn_status *cs = status_of(r.conn);

	return cs->has_sa && !memcmp(cs->ike.spi_i, st->ike_spi_i, 8) &&
	       !memcmp(cs->ike.spi_r, st->ike_spi_r, 8);
}

/* The gateway reaches us on the current SA: its liveness check is
 * answered (routing by our SPI, the I flag of the SA's initiator). */
static void assert_gateway_reaches_us(void)
{
	const struct responder_stats *st = responder_stats(r.resp);
	unsigned before = st->responses;

	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 200);
	CU_ASSERT_EQUAL(st->responses, before + 1);
}

/* Our Delete(IKE) on the current SA is understood. */
static void assert_disconnects(unsigned deletes_before)
{
	conn_disconnect(r.conn);
	CU_ASSERT_EQUAL(run_wait_event(&r), CEV_DOWN);
	CU_ASSERT_STRING_EQUAL(r.msg, "disconnected");
	CU_ASSERT_EQUAL(responder_stats(r.resp)->ike_deletes,
			deletes_before + 1);
}

static void test_gateway_rekeys(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	unsigned n;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	for (n = 1; n <= 3; n++) {
		CU_ASSERT_EQUAL_FATAL(responder_rekey_ike(r.resp), 0);
		run_for(&r, 300);
		CU_ASSERT_EQUAL(st->ike_rekeys_by_gateway, n);
		CU_ASSERT(st->ike_we_initiator);
		CU_ASSERT_EQUAL(st->ike_old_deleted, n);
		CU_ASSERT(status_has_newest());
		CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
		assert_gateway_reaches_us();
	}
	CU_ASSERT_EQUAL(status_of(r.conn)->ike_rekeys, 3);
	CU_ASSERT_FALSE(status_of(r.conn)->ike.initiator);
	/* the Child SA moved along and still works */
	CU_ASSERT_TRUE(status_of(r.conn)->child.up);
	CU_ASSERT_EQUAL(r.n_down, 0);
	assert_disconnects(0);
	run_cleanup(&r);
}

/* The gateway rekeys and never deletes the old SA: we do, after as long
 * as its DELETE could take on the retransmission schedule (1.6 s here). */
static void test_gateway_never_deletes_old(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.ike_rekey_keep_old = true;
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(responder_rekey_ike(r.resp), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_gateway, 1);
	CU_ASSERT_EQUAL(st->ike_old_deleted, 0);
	run_for(&r, 1800);
	CU_ASSERT_EQUAL(st->ike_old_deleted, 1);
	CU_ASSERT_EQUAL(st->ike_old_deleted_by_gateway, 0);
	CU_ASSERT(status_has_newest());
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(r.n_down, 0);
	assert_gateway_reaches_us();
	assert_disconnects(st->ike_deletes);
	run_cleanup(&r);
}

static void test_we_rekey(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	struct verr e = { { 0 } };

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(conn_rekey_ike(r.conn, &e), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_initiator, 1);
	CU_ASSERT(!st->ike_we_initiator);
	/* we started it, so the old SA is ours to delete */
	CU_ASSERT_EQUAL(st->ike_old_deleted, 1);
	CU_ASSERT(status_has_newest());
	CU_ASSERT_EQUAL(status_of(r.conn)->ike_rekeys, 1);
	CU_ASSERT_TRUE(status_of(r.conn)->ike.initiator);
	assert_gateway_reaches_us();
	/* and the gateway may rekey the one we made */
	CU_ASSERT_EQUAL_FATAL(responder_rekey_ike(r.resp), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_gateway, 1);
	CU_ASSERT(status_has_newest());
	assert_disconnects(st->ike_deletes);
	run_cleanup(&r);
}

/* The SPIs of the Child SA in use, as vpnctl status shows them. */
static bool child_spis(uint32_t *in, uint32_t *out)
{
	const char *s = strstr(run_status(&r), "SPIs in ");

	return s && sscanf(s, "SPIs in %x out %x", in, out) == 2;
}

/* An IKE SA rekey moves every Child SA object to the new IKE SA: the
 * pair in use (same SPIs, rekeyed there later), and a pair a rekey
 * replaced whose delete the gateway then sends on the new IKE SA. */
static void test_children_move(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	uint32_t in0, out0, in1, out1, in2, out2;

	responder_cfg_defaults(&cfg);
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_FATAL(child_spis(&in0, &out0));
	CU_ASSERT_EQUAL_FATAL(responder_send_rekey_child(r.resp, DH_NONE), 0);
	run_for(&r, 300);
	CU_ASSERT_FATAL(child_spis(&in1, &out1));
	CU_ASSERT_NOT_EQUAL(in1, in0);
	CU_ASSERT_PTR_NOT_NULL(strstr(run_status(&r), "other pair"));
	CU_ASSERT_EQUAL_FATAL(responder_rekey_ike(r.resp), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(st->ike_rekeys_by_gateway, 1);
	CU_ASSERT_EQUAL(st->ike_old_deleted, 1);
	CU_ASSERT(status_has_newest());
	CU_ASSERT_FATAL(child_spis(&in2, &out2));
	CU_ASSERT_EQUAL(in2, in1);
	CU_ASSERT_EQUAL(out2, out1);
	/* the replaced pair moved too: its delete on the new SA is met */
	CU_ASSERT_EQUAL_FATAL(responder_send_child_delete_old(r.resp), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(get_u32(st->resp_delete_spi), in0);
	CU_ASSERT_EQUAL(st->old_children_removed, 1);
	CU_ASSERT_PTR_NULL(strstr(run_status(&r), "other pair"));
	/* and the pair in use is rekeyed on the new IKE SA */
	CU_ASSERT_EQUAL_FATAL(responder_send_rekey_child(r.resp, DH_NONE), 0);
	run_for(&r, 300);
	CU_ASSERT_EQUAL(st->rekey_ok, 2);
	CU_ASSERT_FATAL(child_spis(&in2, &out2));
	CU_ASSERT_EQUAL(in2, get_u32(st->rekey_peer_spi));
	CU_ASSERT_EQUAL(r.n_down, 0);
	assert_disconnects(st->ike_deletes);
	run_cleanup(&r);
}

/* The gateway wants another DH group for the rekey. */
static void test_rekey_invalid_ke(void)
{
	struct responder_cfg cfg;
	struct verr e = { { 0 } };

	responder_cfg_defaults(&cfg);
	cfg.ike_rekey_want_group = DH_ECP384;
	memset(&r, 0, sizeof(r));
	r.resp = start_responder(&cfg);
	make_profile(&r.prof, cfg.port,
		     "aes128gcm16-prfsha256-ecp256-ecp384", "aes128gcm16");
	CU_ASSERT_FATAL(run_connect(&r) && run_wait_event(&r) == CEV_UP);
	CU_ASSERT_EQUAL_FATAL(conn_rekey_ike(r.conn, &e), 0);
	run_for(&r, 500);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->ike_rekeys_by_initiator, 1);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->ike_rekey_group, DH_ECP384);
	CU_ASSERT(status_has_newest());
	run_cleanup(&r);
}

/* Both rekey at once (2.8.2): the SA made with the lowest nonce goes,
 * deleted by its maker; the other stays and carries on. */
static void crossing_rekeys(int loser)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	struct verr e = { { 0 } };

	responder_cfg_defaults(&cfg);
	cfg.collide_ike_rekey = true;
	cfg.collision_loser = loser;
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL_FATAL(conn_rekey_ike(r.conn, &e), 0);
	run_for(&r, 600);
	CU_ASSERT_EQUAL(st->ike_collisions, 1);
	CU_ASSERT_EQUAL(st->ike_redundant_deleted, 1);
	if (st->ike_redundant_deleted != 1)
		fprintf(stderr, "\n  progress:\n%s  collisions %u lost by gw %u by us %u, old deleted %u\n",
			r.progress, st->ike_collisions,
			st->ike_collisions_lost_by_gateway,
			st->ike_collisions_lost_by_initiator,
			st->ike_old_deleted);
	CU_ASSERT_EQUAL(st->ike_old_deleted, 1);
	/* the SA that stays: ours when the gateway's lost */
	CU_ASSERT_EQUAL(status_of(r.conn)->ike_rekeys, 1);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.initiator,
			loser == R_LOSER_GATEWAY);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	assert_gateway_reaches_us();
	assert_disconnects(st->ike_deletes);
	run_cleanup(&r);
}

static void test_crossing_gateway_loses(void)
{
	crossing_rekeys(R_LOSER_GATEWAY);
}

static void test_crossing_we_lose(void)
{
	crossing_rekeys(R_LOSER_INITIATOR);
}

/* AUTH_LIFETIME (RFC 4478): a whole new IKE SA before the old one is
 * deleted, asking for the same virtual IP. */
static void test_reauth_make_before_break(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	responder_cfg_defaults(&cfg);
	cfg.auth_lifetime = 4; /* reauthenticated half way, after 2 s */
	cfg.expect_reauth = true;
	CU_ASSERT_FATAL(bring_up(&cfg));
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(status_of(r.conn)->ike.auth_lifetime, 4);
	run_for(&r, 3000);
	CU_ASSERT_EQUAL(st->reauths, 1);
	CU_ASSERT_EQUAL(st->reauth_old_deleted, 1);
	CU_ASSERT_EQUAL(st->reauth_vip_asked, st->reauth_vip_same);
	CU_ASSERT_EQUAL(status_of(r.conn)->reauths, 1);
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_REAUTH);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_ESTABLISHED);
	CU_ASSERT_EQUAL(r.n_down, 0);
	assert_gateway_reaches_us();
	run_cleanup(&r);
}

void register_ike_rekey_tests(void)
{
	CU_pSuite s = CU_add_suite("ike-rekey", NULL, NULL);

	CU_add_test(s, "the gateway rekeys three times", test_gateway_rekeys);
	CU_add_test(s, "the gateway never deletes the old SA: we do",
		    test_gateway_never_deletes_old);
	CU_add_test(s, "we rekey, then the gateway", test_we_rekey);
	CU_add_test(s, "rekey after INVALID_KE_PAYLOAD", test_rekey_invalid_ke);
	CU_add_test(s, "the Child SAs move to the new IKE SA",
		    test_children_move);
	CU_add_test(s, "crossing rekeys, the gateway's SA redundant",
		    test_crossing_gateway_loses);
	CU_add_test(s, "crossing rekeys, ours redundant",
		    test_crossing_we_lose);
	CU_add_test(s, "reauthentication make-before-break",
		    test_reauth_make_before_break);
}
