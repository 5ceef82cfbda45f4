/* Test harness for the engine against the scripted responder: one event
 * loop for the whole executable (the engine's IKE sockets, opened once,
 * stay on the loop that first saw them), a responder on a random port of
 * 127.0.0.1, a conn built from a profile made in code. */
#ifndef VPND_TEST_IKE_HARNESS_H
#define VPND_TEST_IKE_HARNESS_H

#include <stdbool.h>

#include "responder.h"
#include "vpnd/conn.h"
#include "vpnd/engine.h"
#include "vpnd/loop.h"
#include "vpnd/profile.h"
#include "vpnd/ticket.h"

/* Hard stop for any single wait: a test that reaches it fails. */
#define SAFETY_MS 8000

struct run {
	struct responder *resp;
	struct conn *conn;
	struct profile prof;
	bool got_event;          /* UP, NO_TUNNEL, FAILED or DOWN since the
				    last wait */
	enum conn_event ev;
	char msg[512];
	char progress[4096];     /* every CEV_PROGRESS message, one a line */
	unsigned n_up, n_no_tunnel, n_failed, n_down;
	bool timed_out;
};

extern struct loop *test_loop;
/* The engine every test's conn is made on: no state directory and no
 * Child SA backend unless a suite swaps it (test_engine_reset). */
extern struct engine *test_engine;
/* A fresh test_engine on test_loop keeping its state in state_dir (or
 * nothing with NULL); no conn may be alive. */
int test_engine_reset(const char *state_dir);
/* The same with any configuration (a Child SA test double). */
int test_engine_make(const struct engine_config *cfg);

/* A profile for 127.0.0.1:port with PSK "test-secret", identity
 * client.test, gateway identity gw.test, one IKE and one ESP proposal,
 * and timers small enough for unit tests. */
void make_profile(struct profile *p, uint16_t port, const char *ike,
		  const char *esp);
/* Starts a responder on a free random port (cfg->port is filled in). */
struct responder *start_responder(struct responder_cfg *cfg);
/* Builds the conn for r->prof and connects. False on failure. */
bool run_connect(struct run *r);
/* Runs the loop until the conn reports UP, NO_TUNNEL, FAILED or DOWN;
 * returns the
 * event, or -1 when the safety timer fired. */
int run_wait_event(struct run *r);
/* Runs the loop for ms milliseconds (conn events do not stop it). */
void run_for(struct run *r, unsigned ms);
/* The conn's status text (static buffer). */
const char *run_status(struct run *r);
void run_cleanup(struct run *r);
/* A fresh state directory (mkdtemp template) for the engine's tickets
 * and records, and its removal: CUnit suite init/clean helpers. */
int state_dir_setup(char *tmpl);
int state_dir_teardown(const char *dir);
/* Takes the ticket the engine stored for a profile under state dir
 * dir (it is gone from the store afterwards). */
enum ticket_status take_stored_ticket(const char *dir, const char *name,
				      struct resume_ticket *t);
/* A UDP port on 127.0.0.1 on which nothing listens. */
uint16_t unused_port(void);

void register_connect_tests(void);
void register_scenario_tests(void);
void register_info_tests(void);
void register_lifecycle_tests(void);
void register_ticket_tests(void);
void register_resume_tests(void);
void register_rekey_tests(void);
void register_child_retry_tests(void);
void register_ike_rekey_tests(void);
void register_msg_rules_tests(void);

#endif
