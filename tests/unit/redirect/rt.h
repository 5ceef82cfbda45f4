/* Harness for the redirect tests: up to three scripted responders on
 * 127.0.0.1, 127.0.0.2 and 127.0.0.3 sharing one UDP port (the client
 * uses its profile's port for every redirect target), and one conn, all
 * on a single event loop. */
#ifndef VPND_TEST_REDIRECT_RT_H
#define VPND_TEST_REDIRECT_RT_H

#include <stdbool.h>

#include "responder.h"
#include "vpnd/conn.h"
#include "vpnd/engine.h"
#include "vpnd/loop.h"
#include "vpnd/profile.h"

#define RT_GWS 3
/* Hard stop for any single wait: a test that reaches it fails. */
#define RT_SAFETY_MS 8000

struct rt {
	struct responder_cfg cfg[RT_GWS]; /* set these before rt_start */
	struct responder *gw[RT_GWS];
	uint16_t port;
	struct profile prof;
	struct conn *conn;

	bool got_event;          /* UP, FAILED or DOWN since the last wait */
	enum conn_event ev;
	char msg[512];
	char progress[8192];     /* every CEV_PROGRESS message, one a line */
	unsigned n_up, n_failed, n_down;
	bool timed_out;

	/* Watching the conn while a test runs */
	bool left_established;   /* state seen other than ESTABLISHED by
				    the poll timer once it was up */
	bool polling;
	const char *probe_on;    /* progress text that arms a 0 ms timer */
	bool probe_fired;
	enum conn_state probe_state;
	unsigned probe_gw_init[RT_GWS]; /* IKE_SA_INITs each gw had seen */
};

extern struct loop *test_loop;
extern struct engine *test_engine; /* no state, no Child SA backend */

/* Defaults: every cfg gets responder_cfg_defaults and its address;
 * the profile names 127.0.0.1, PSK "test-secret", identities
 * client.test / gw.test, short retransmit timers. */
void rt_init(struct rt *t);
/* Starts responders 0..n-1 on one free port and sets the profile's. */
void rt_start(struct rt *t, unsigned n);
/* Builds the conn and connects; false on failure. */
bool rt_connect(struct rt *t);
/* Runs the loop until UP, FAILED or DOWN; -1 when the safety stop hit. */
int rt_wait(struct rt *t);
/* Runs the loop for ms milliseconds. */
void rt_run_for(struct rt *t, unsigned ms);
/* Polls the conn's state every few ms from now on (left_established). */
void rt_poll_state(struct rt *t);
const struct responder_stats *rt_st(const struct rt *t, unsigned i);
const char *rt_status(struct rt *t);
bool rt_progress_has(const struct rt *t, const char *text);
unsigned rt_progress_count(const struct rt *t, const char *text);
void rt_cleanup(struct rt *t);
/* The address a gateway at index i listens on ("127.0.0.<i+1>"). */
const char *rt_addr(unsigned i);

void register_init_tests(void);
void register_auth_tests(void);
void register_eap_tests(void);
void register_info_tests(void);
void register_limit_tests(void);

#endif
