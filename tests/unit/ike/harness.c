#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "vpnd/crypto.h"

struct loop *test_loop;
struct engine *test_engine;

static void set_id(struct profile_id *id, uint8_t type, const char *text)
{
	id->type = type;
	snprintf(id->text, sizeof(id->text), "%s", text);
	id->len = strlen(text);
	memcpy(id->data, text, id->len);
}

void make_profile(struct profile *p, uint16_t port, const char *ike,
		  const char *esp)
{
	struct verr e = { { 0 } };
	static const char psk[] = "test-secret";

	profile_defaults(p);
	snprintf(p->name, sizeof(p->name), "unit");
	snprintf(p->gateways[0], sizeof(p->gateways[0]), "127.0.0.1");
	p->n_gateways = 1;
	p->port = port;
	set_id(&p->local_id, ID_FQDN, "client.test");
	set_id(&p->remote_id, ID_FQDN, "gw.test");
	chunk_set(&p->psk, psk, strlen(psk));
	CU_ASSERT_EQUAL_FATAL(alg_set_parse(ike, false, &p->ike[0], &e), 0);
	p->n_ike = 1;
	CU_ASSERT_EQUAL_FATAL(alg_set_parse(esp, true, &p->esp[0], &e), 0);
	p->n_esp = 1;
	p->retransmit_timeout_ms = 200;
	p->retransmit_base = 1.5;
	p->retransmit_tries = 3;
	p->dpd_interval = 0;
}

struct responder *start_responder(struct responder_cfg *cfg)
{
	struct verr e = { { 0 } };
	struct responder *r = NULL;
	int i;

	for (i = 0; i < 20 && !r; i++) {
		uint8_t rnd[2];

		random_bytes(rnd, sizeof(rnd));
		cfg->port = (uint16_t)(20000 + get_u16(rnd) % 20000);
		r = responder_new(test_loop, cfg, &e);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

static void on_event(void *ctx, struct conn *c, enum conn_event ev,
		     const char *msg)
{
	struct run *r = ctx;
	size_t used = strlen(r->progress);

	if (ev == CEV_PROGRESS) {
		snprintf(r->progress + used, sizeof(r->progress) - used,
			 "%s\n", msg);
		return;
	}
	r->n_up += ev == CEV_UP;
	r->n_no_tunnel += ev == CEV_NO_TUNNEL;
	r->n_failed += ev == CEV_FAILED;
	r->n_down += ev == CEV_DOWN;
	r->got_event = true;
	r->ev = ev;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
	loop_stop(test_loop);
}

bool run_connect(struct run *r)
{
	struct verr e = { { 0 } };

	r->conn = conn_new(test_engine, &r->prof, on_event, r);
	if (!r->conn)
		return false;
	if (conn_connect(r->conn, &e) < 0) {
		fprintf(stderr, "conn_connect: %s\n", e.msg);
		return false;
	}
	return true;
}

static void on_safety(void *ctx)
{
	struct run *r = ctx;

	r->timed_out = true;
	loop_stop(test_loop);
}

int run_wait_event(struct run *r)
{
	uint64_t t = loop_timer(test_loop, SAFETY_MS, on_safety, r);

	/* An event that came during run_for() is still pending here. */
	r->timed_out = false;
	while (!r->got_event && !r->timed_out)
		loop_run(test_loop);
	if (r->timed_out)
		return -1;
	loop_timer_cancel(test_loop, t);
	r->got_event = false;
	return (int)r->ev;
}

static void on_pause_end(void *ctx)
{
	*(bool *)ctx = true;
	loop_stop(test_loop);
}

void run_for(struct run *r, unsigned ms)
{
	bool over = false;

	loop_timer(test_loop, ms, on_pause_end, &over);
	while (!over)
		loop_run(test_loop);
}

const char *run_status(struct run *r)
{
	static char text[4096];
	struct wbuf w;

	wb_init(&w);
	conn_status(r->conn, &w);
	snprintf(text, sizeof(text), "%.*s", (int)w.len,
		 w.p ? (const char *)w.p : "");
	wb_free(&w);
	return text;
}

void run_cleanup(struct run *r)
{
	conn_free(r->conn);
	r->conn = NULL;
	responder_free(r->resp);
	r->resp = NULL;
	profile_free(&r->prof);
}

enum ticket_status take_stored_ticket(const char *dir, const char *name,
				      struct resume_ticket *t)
{
	char tdir[PATH_MAX];
	struct ticket_store *s;
	struct verr e = { { 0 } };
	enum ticket_status st;

	snprintf(tdir, sizeof(tdir), "%s/tickets", dir);
	s = ticket_store_open(tdir, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	st = ticket_take(s, name, time(NULL), t, &e);
	ticket_store_close(s);
	return st;
}

uint16_t unused_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int test_engine_make(const struct engine_config *cfg)
{
	struct verr e = { { 0 } };

	engine_free(test_engine);
	test_engine = engine_new(test_loop, cfg, &e);
	if (!test_engine)
		fprintf(stderr, "engine_new: %s\n", e.msg);
	return test_engine ? 0 : -1;
}

int test_engine_reset(const char *state_dir)
{
	struct engine_config cfg = { .state_dir = state_dir,
				     .child = ENGINE_CHILD_NONE };

	return test_engine_make(&cfg);
}

int state_dir_setup(char *tmpl)
{
	if (!mkdtemp(tmpl))
		return -1;
	return test_engine_reset(tmpl);
}

int state_dir_teardown(const char *dir)
{
	char cmd[PATH_MAX + 16];

	if (test_engine_reset(NULL) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}
