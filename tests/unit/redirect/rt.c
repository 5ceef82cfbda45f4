#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "rt.h"
#include "vpnd/crypto.h"

#define POLL_MS 2

struct loop *test_loop;
struct engine *test_engine;

static const char *const addrs[RT_GWS] = { "127.0.0.1", "127.0.0.2",
					   "127.0.0.3" };

const char *rt_addr(unsigned i)
{
	return addrs[i];
}

static void set_id(struct profile_id *id, uint8_t type, const char *text)
{
	id->type = type;
	snprintf(id->text, sizeof(id->text), "%s", text);
	id->len = strlen(text);
	memcpy(id->data, text, id->len);
}

static void make_profile(struct profile *p)
{
	struct verr e = { { 0 } };
	static const char psk[] = "test-secret";

	profile_defaults(p);
	snprintf(p->name, sizeof(p->name), "redir");
	snprintf(p->gateways[0], sizeof(p->gateways[0]), "%s", addrs[0]);
	p->n_gateways = 1;
	set_id(&p->local_id, ID_FQDN, "client.test");
	set_id(&p->remote_id, ID_FQDN, "gw.test");
	chunk_set(&p->psk, psk, strlen(psk));
	CU_ASSERT_EQUAL_FATAL(alg_set_parse("aes128gcm16-prfsha256-ecp256",
					    false, &p->ike[0], &e), 0);
	p->n_ike = 1;
	CU_ASSERT_EQUAL_FATAL(alg_set_parse("aes128gcm16", true, &p->esp[0],
					    &e), 0);
	p->n_esp = 1;
	p->retransmit_timeout_ms = 200;
	p->retransmit_base = 1.5;
	p->retransmit_tries = 3;
	p->dpd_interval = 0;
}

void rt_init(struct rt *t)
{
	unsigned i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < RT_GWS; i++) {
		responder_cfg_defaults(&t->cfg[i]);
		t->cfg[i].bind_addr = addrs[i];
	}
	make_profile(&t->prof);
}

static void stop_all(struct rt *t)
{
	unsigned i;

	for (i = 0; i < RT_GWS; i++) {
		responder_free(t->gw[i]);
		t->gw[i] = NULL;
	}
}

/* All or none: a port taken on one address is tried again elsewhere. */
static bool start_on(struct rt *t, unsigned n, uint16_t port)
{
	struct verr e = { { 0 } };
	unsigned i;

	for (i = 0; i < n; i++) {
		t->cfg[i].port = port;
		t->gw[i] = responder_new(test_loop, &t->cfg[i], &e);
		if (!t->gw[i]) {
			stop_all(t);
			return false;
		}
	}
	return true;
}

void rt_start(struct rt *t, unsigned n)
{
	uint8_t rnd[2];
	int tries;

	for (tries = 0; tries < 30; tries++) {
		random_bytes(rnd, sizeof(rnd));
		t->port = (uint16_t)(20000 + get_u16(rnd) % 20000);
		if (start_on(t, n, t->port))
			break;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->gw[0]);
	t->prof.port = t->port;
}

const struct responder_stats *rt_st(const struct rt *t, unsigned i)
{
	return responder_stats(t->gw[i]);
}

static void on_probe(void *ctx)
{
	struct rt *t = ctx;
	unsigned i;

	t->probe_fired = true;
	t->probe_state = conn_get_state(t->conn);
	for (i = 0; i < RT_GWS; i++)
		t->probe_gw_init[i] = t->gw[i] ?
					      rt_st(t, i)->requests[0] : 0;
}

static void on_event(void *ctx, struct conn *c, enum conn_event ev,
		     const char *msg)
{
	struct rt *t = ctx;
	size_t used = strlen(t->progress);

	(void)c;
	if (ev == CEV_PROGRESS) {
		snprintf(t->progress + used, sizeof(t->progress) - used,
			 "%s\n", msg);
		/* Fires as soon as the loop gets control back: before any
		 * result of work this step started elsewhere. */
		if (t->probe_on && !t->probe_fired && strstr(msg, t->probe_on))
			loop_timer(test_loop, 0, on_probe, t);
		return;
	}
	t->n_up += ev == CEV_UP;
	t->n_failed += ev == CEV_FAILED;
	t->n_down += ev == CEV_DOWN;
	t->got_event = true;
	t->ev = ev;
	snprintf(t->msg, sizeof(t->msg), "%s", msg);
	loop_stop(test_loop);
}

bool rt_connect(struct rt *t)
{
	struct verr e = { { 0 } };

	t->conn = conn_new(test_engine, &t->prof, on_event, t);
	if (!t->conn)
		return false;
	if (conn_connect(t->conn, &e) < 0) {
		snprintf(t->msg, sizeof(t->msg), "%s", e.msg);
		return false;
	}
	return true;
}

static void on_safety(void *ctx)
{
	struct rt *t = ctx;

	t->timed_out = true;
	loop_stop(test_loop);
}

int rt_wait(struct rt *t)
{
	uint64_t id = loop_timer(test_loop, RT_SAFETY_MS, on_safety, t);

	t->timed_out = false;
	while (!t->got_event && !t->timed_out)
		loop_run(test_loop);
	if (t->timed_out)
		return -1;
	loop_timer_cancel(test_loop, id);
	t->got_event = false;
	return (int)t->ev;
}

static void on_pause_end(void *ctx)
{
	*(bool *)ctx = true;
	loop_stop(test_loop);
}

void rt_run_for(struct rt *t, unsigned ms)
{
	bool over = false;

	(void)t;
	loop_timer(test_loop, ms, on_pause_end, &over);
	while (!over)
		loop_run(test_loop);
}

static void on_poll(void *ctx)
{
	struct rt *t = ctx;

	if (!t->polling || !t->conn)
		return;
	if (conn_get_state(t->conn) != CONN_ESTABLISHED)
		t->left_established = true;
	loop_timer(test_loop, POLL_MS, on_poll, t);
}

void rt_poll_state(struct rt *t)
{
	t->polling = true;
	loop_timer(test_loop, POLL_MS, on_poll, t);
}

const char *rt_status(struct rt *t)
{
	static char text[4096];
	struct wbuf w;

	wb_init(&w);
	conn_status(t->conn, &w);
	snprintf(text, sizeof(text), "%.*s", (int)w.len,
		 w.p ? (const char *)w.p : "");
	wb_free(&w);
	return text;
}

bool rt_progress_has(const struct rt *t, const char *text)
{
	return strstr(t->progress, text) != NULL;
}

unsigned rt_progress_count(const struct rt *t, const char *text)
{
	const char *p = t->progress;
	unsigned n = 0;

	while ((p = strstr(p, text))) {
		n++;
		p += strlen(text);
	}
	return n;
}

void rt_cleanup(struct rt *t)
{
	/* A pending poll timer must find nothing to look at. */
	t->polling = false;
	conn_free(t->conn);
	t->conn = NULL;
	stop_all(t);
	profile_free(&t->prof);
	/* Let timers that point at t run out before t is reused. */
	rt_run_for(t, 2 * POLL_MS + 1);
}
