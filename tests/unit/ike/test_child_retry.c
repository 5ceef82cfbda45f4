/* An IKE SA whose Child SA the gateway could not make (RFC 7296 1.2,
 * 2.25): libreswan answers IKE_AUTH with a verified AUTH and
 * N(TEMPORARY_FAILURE). The IKE SA and its ticket stay, the connection
 * is "established, no tunnel", and a new Child SA is asked for with
 * CREATE_CHILD_SA (1.3.1) after a growing delay; or, with esp
 * on-failure: delete, the IKE SA is deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "status.h"

static struct run r;
static char dir[] = "/tmp/vpnd-test-retry.XXXXXX";

enum { KEEP = 0, RESUME = 1, DELETE = 2 };

static void start(struct responder_cfg *cfg, int flags)
{
	memset(&r, 0, sizeof(r));
	r.resp = start_responder(cfg);
	make_profile(&r.prof, cfg->port, "aes128gcm16-prfsha256-ecp256",
		     "aes128gcm16");
	r.prof.child_retry_interval = 1;
	r.prof.resume_enabled = flags & RESUME;
	r.prof.esp_failure_delete = flags & DELETE;
	CU_ASSERT_FATAL(run_connect(&r));
}

static void temp_failure_cfg(struct responder_cfg *cfg)
{
	responder_cfg_defaults(cfg);
	cfg->auth_child_error = N_TEMPORARY_FAILURE;
	cfg->accept_new_child = true;
}

static bool ticket_stored(void)
{
	static struct resume_ticket t;
	enum ticket_status st = take_stored_ticket(dir, r.prof.name, &t);

	ticket_wipe(&t);
	return st == TICKET_OK;
}

/* The IKE SA is authenticated: no DELETE, the ticket is kept, and the
 * status says what is missing. */
static void test_kept(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	const struct conn_status *cs;

	temp_failure_cfg(&cfg);
	cfg.ticket_mode = R_TICKET_ISSUE;
	cfg.accept_new_child = false;
	start(&cfg, RESUME);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_NO_TUNNEL);
	cs = status_of(r.conn);
	CU_ASSERT_EQUAL(cs->state, CONN_NO_TUNNEL);
	CU_ASSERT_FALSE(cs->child.up);
	CU_ASSERT_STRING_EQUAL(cs->child.problem, "TEMPORARY_FAILURE");
	/* what the user reads: the reason, and when the retry comes */
	CU_ASSERT_STRING_EQUAL(cs->state_text,
			       "established, no tunnel: TEMPORARY_FAILURE; Child SA retry 1 in 1 s");
	CU_ASSERT_EQUAL(cs->ike.state, IKE_ESTABLISHED);
	CU_ASSERT_NOT_EQUAL(cs->ike.algs[0], '\0');
	run_for(&r, 300);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->ike_deletes, 0);
	CU_ASSERT_EQUAL(responder_established(r.resp), 1);
	CU_ASSERT_EQUAL(st->tickets_issued, 1);
	CU_ASSERT(ticket_stored());
	CU_ASSERT_EQUAL(r.n_failed + r.n_down, 0);
	run_cleanup(&r);
}

/* The retry after TEMPORARY_FAILURE: a second TEMPORARY_FAILURE doubles
 * the delay, the third request makes the Child SA and the connection is
 * established; the daemon hears of it (CEV_UP). */
static void test_retry_succeeds(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;
	const struct conn_status *cs;

	temp_failure_cfg(&cfg);
	cfg.new_child_error = N_TEMPORARY_FAILURE;
	cfg.new_child_error_n = 1;
	start(&cfg, KEEP);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_NO_TUNNEL);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_UP);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->new_child_requests, 2);
	CU_ASSERT_EQUAL(st->new_child_ok, 1);
	/* our side is the virtual IP the CP reply of IKE_AUTH gave */
	CU_ASSERT(st->new_child_ts_vip);
	/* the second retry came the doubled delay later */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.progress, "retrying in 2 s"));
	cs = status_of(r.conn);
	CU_ASSERT_EQUAL(cs->state, CONN_ESTABLISHED);
	CU_ASSERT_STRING_EQUAL(cs->state_text, "established");
	CU_ASSERT_TRUE(cs->child.up);
	/* our inbound SPI is the one the gateway took from our offer */
	CU_ASSERT_EQUAL(memcmp(cs->child.spi_in, st->peer_esp_spi, 4), 0);
	CU_ASSERT(st->child_up);
	CU_ASSERT_EQUAL(st->ike_deletes, 0);
	/* the new Child SA can be rekeyed like the first one */
	{
		struct verr e = { { 0 } };

		CU_ASSERT_EQUAL(conn_rekey_child(r.conn, &e), 0);
		run_for(&r, 400);
		CU_ASSERT_EQUAL(st->rekeys_by_initiator, 1);
	}
	run_cleanup(&r);
}

/* A refusal of the retry other than TEMPORARY_FAILURE ends the retries:
 * no tunnel, reported, the IKE SA stays. */
static void test_retry_refused(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	temp_failure_cfg(&cfg);
	cfg.new_child_error = N_NO_PROPOSAL_CHOSEN;
	start(&cfg, KEEP);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_NO_TUNNEL);
	run_for(&r, 3500);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->new_child_requests, 1);
	/* no retry planned any more */
	CU_ASSERT_EQUAL(status_of(r.conn)->state, CONN_NO_TUNNEL);
	CU_ASSERT_STRING_EQUAL(status_of(r.conn)->state_text,
			       "established, no tunnel: NO_PROPOSAL_CHOSEN");
	CU_ASSERT_EQUAL(st->ike_deletes, 0);
	CU_ASSERT_EQUAL(r.n_up + r.n_failed + r.n_down, 0);
	/* the IKE SA still works */
	CU_ASSERT_EQUAL_FATAL(responder_send_dpd(r.resp), 0);
	run_for(&r, 100);
	CU_ASSERT_EQUAL(st->responses, 1);
	run_cleanup(&r);
}

/* NO_PROPOSAL_CHOSEN in IKE_AUTH is not retried: the same proposal
 * would be refused again. */
static void test_other_refusal_not_retried(void)
{
	struct responder_cfg cfg;

	responder_cfg_defaults(&cfg);
	cfg.refuse_child = true;
	cfg.accept_new_child = true;
	start(&cfg, KEEP);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_NO_TUNNEL);
	run_for(&r, 1500);
	CU_ASSERT_EQUAL(responder_stats(r.resp)->new_child_requests, 0);
	CU_ASSERT_STRING_EQUAL(status_of(r.conn)->state_text,
			       "established, no tunnel: NO_PROPOSAL_CHOSEN");
	run_cleanup(&r);
}

/* esp on-failure: delete: the IKE SA goes with an INFORMATIONAL DELETE
 * and the connect fails, naming the reason. */
static void test_delete_on_failure(void)
{
	struct responder_cfg cfg;
	const struct responder_stats *st;

	temp_failure_cfg(&cfg);
	start(&cfg, DELETE);
	CU_ASSERT_EQUAL_FATAL(run_wait_event(&r), CEV_FAILED);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "no tunnel: TEMPORARY_FAILURE"));
	CU_ASSERT_EQUAL(status_of(r.conn)->change.reason, REASON_NO_TUNNEL);
	CU_ASSERT_EQUAL(status_of(r.conn)->state, CONN_FAILED);
	run_for(&r, 300);
	st = responder_stats(r.resp);
	CU_ASSERT_EQUAL(st->ike_deletes, 1);
	CU_ASSERT_EQUAL(responder_established(r.resp), 0);
	CU_ASSERT_EQUAL(st->new_child_requests, 0);
	CU_ASSERT_EQUAL(conn_get_state(r.conn), CONN_FAILED);
	run_cleanup(&r);
}

static int suite_init(void)
{
	return state_dir_setup(dir);
}

static int suite_clean(void)
{
	return state_dir_teardown(dir);
}

void register_child_retry_tests(void)
{
	CU_pSuite s = CU_add_suite("Child SA refused in IKE_AUTH", suite_init,
				   suite_clean);

	CU_add_test(s, "TEMPORARY_FAILURE keeps the IKE SA and the ticket",
		    test_kept);
	CU_add_test(s, "the Child SA retry succeeds", test_retry_succeeds);
	CU_add_test(s, "the gateway refuses the retry", test_retry_refused);
	CU_add_test(s, "other refusals are not retried",
		    test_other_refusal_not_retried);
	CU_add_test(s, "on-failure: delete deletes the IKE SA",
		    test_delete_on_failure);
}
