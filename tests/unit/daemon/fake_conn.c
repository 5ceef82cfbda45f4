/* TEST ONLY: a fake IKE engine behind include/vpnd/conn.h, so that the
 * daemon's control server can be tested without a gateway. Its behaviour
 * is chosen by the profile name prefix:
 *   fail*  : progress, then CEV_FAILED
 *   slow*  : comes up after FAKE_SLOW_MS, and goes down as slowly
 *   nt*    : the IKE SA comes up without a tunnel (CEV_NO_TUNNEL)
 *   hang*  : never comes up (until disconnected)
 *   stuck* : comes up, but a disconnect never finishes
 *   other  : comes up after a few ms
 * Every attempt reports one CEV_PROGRESS synchronously from conn_connect. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpnd/conn.h"

#include "fake_conn.h"

int fake_conn_live;
int fake_conn_connects;

struct conn {
	struct loop *l;
	struct profile p; /* psk is not copied: the fake needs no secret */
	enum conn_state state;
	conn_event_fn fn;
	void *ctx;
	uint64_t timer;
	int step;
	size_t password_len; /* "pw*" profiles need one */
	char password[64];
};

static bool has_prefix(const struct conn *c, const char *pre)
{
	return !strncmp(c->p.name, pre, strlen(pre));
}

struct engine {
	struct loop *l;
};

struct engine *fake_engine_new(struct loop *l)
{
	struct engine *eng = calloc(1, sizeof(*eng));

	if (eng)
		eng->l = l;
	return eng;
}

void fake_engine_free(struct engine *eng)
{
	free(eng);
}

struct conn *conn_new(struct engine *eng, const struct profile *p,
		      conn_event_fn fn, void *ctx)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->l = eng->l;
	memcpy(&c->p, p, sizeof(c->p));
	memset(&c->p.psk, 0, sizeof(c->p.psk));
	c->fn = fn;
	c->ctx = ctx;
	fake_conn_live++;
	return c;
}

static void connect_step(void *ctx)
{
	struct conn *c = ctx;

	c->timer = 0;
	c->step++;
	if (c->step == 1) {
		c->fn(c->ctx, c, CEV_PROGRESS, "sending IKE_SA_INIT (fake)");
		c->timer = loop_timer(c->l, has_prefix(c, "slow") ? FAKE_SLOW_MS :
								   5,
				      connect_step, c);
		return;
	}
	if (has_prefix(c, "hang"))
		return;
	if (has_prefix(c, "fail")) {
		c->state = CONN_FAILED;
		c->fn(c->ctx, c, CEV_FAILED, "gateway did not answer (fake)");
		return;
	}
	if (has_prefix(c, "nt")) {
		c->state = CONN_NO_TUNNEL;
		c->fn(c->ctx, c, CEV_NO_TUNNEL, FAKE_NO_TUNNEL_WHY);
		return;
	}
	c->state = CONN_ESTABLISHED;
	c->fn(c->ctx, c, CEV_UP, "fake SA established");
}

int conn_connect(struct conn *c, struct verr *e)
{
	if (c->state == CONN_CONNECTING || c->state == CONN_ESTABLISHED ||
	    c->state == CONN_NO_TUNNEL || c->state == CONN_CLOSING) {
		verr_set(e, "%s: busy (%s)", c->p.name,
			 conn_state_name(c->state));
		return -1;
	}
	fake_conn_connects++;
	c->state = CONN_CONNECTING;
	c->step = 0;
	c->fn(c->ctx, c, CEV_PROGRESS, "resolving gateway (fake)");
	c->timer = loop_timer(c->l, 5, connect_step, c);
	return 0;
}

atomic_int fake_hold_closing;

static void down_step(void *ctx)
{
	struct conn *c = ctx;

	c->timer = 0;
	if (has_prefix(c, "slow") && atomic_load(&fake_hold_closing)) {
		c->timer = loop_timer(c->l, 5, down_step, c);
		return;
	}
	c->state = CONN_IDLE;
	c->fn(c->ctx, c, CEV_DOWN, "deleted (fake)");
}

int fake_conn_forgets;
int fake_conn_ike_rekeys;

int conn_rekey_child(struct conn *c, struct verr *e)
{
	if (c->state != CONN_ESTABLISHED) {
		verr_set(e, "%s has no Child SA to rekey", c->p.name);
		return -1;
	}
	c->fn(c->ctx, c, CEV_PROGRESS, "rekeying the Child SA (fake)");
	return 0;
}

int conn_rekey_ike(struct conn *c, struct verr *e)
{
	if (c->state != CONN_ESTABLISHED) {
		verr_set(e, "%s has no IKE SA to rekey", c->p.name);
		return -1;
	}
	fake_conn_ike_rekeys++;
	return 0;
}

/* The password a "pw*" profile was last given, for the tests. */
char fake_conn_password[64];

bool conn_needs_password(const struct conn *c)
{
	return has_prefix(c, "pw") && !c->password_len;
}

int conn_set_password(struct conn *c, const char *pw, size_t len,
		      struct verr *e)
{
	if (!len || len >= sizeof(c->password)) {
		verr_set(e, "bad password length %zu", len);
		return -1;
	}
	memcpy(c->password, pw, len);
	c->password_len = len;
	memcpy(fake_conn_password, pw, len);
	fake_conn_password[len] = '\0';
	return 0;
}

void conn_forget_resumption(struct conn *c)
{
	fake_conn_forgets++;
}

void conn_disconnect(struct conn *c)
{
	c->password_len = 0; /* as the real conn wipes it */
	if (c->state == CONN_IDLE || c->state == CONN_FAILED) {
		c->state = CONN_IDLE;
		c->fn(c->ctx, c, CEV_DOWN, "");
		return;
	}
	if (c->state == CONN_CLOSING)
		return;
	loop_timer_cancel(c->l, c->timer);
	c->timer = 0;
	c->state = CONN_CLOSING;
	if (!has_prefix(c, "stuck"))
		c->timer = loop_timer(c->l, has_prefix(c, "slow") ?
					      FAKE_SLOW_MS : 10,
				      down_step, c);
}

enum conn_state conn_get_state(const struct conn *c)
{
	return c->state;
}

const char *conn_state_name(enum conn_state s)
{
	switch (s) {
	case CONN_IDLE:
		return "idle";
	case CONN_CONNECTING:
		return "connecting";
	case CONN_ESTABLISHED:
		return "established";
	case CONN_NO_TUNNEL:
		return "no-tunnel";
	case CONN_CLOSING:
		return "closing";
	case CONN_FAILED:
		return "failed";
	}
	return "?";
}

void conn_state_text(const struct conn *c, char *out, size_t len)
{
	if (c->state == CONN_NO_TUNNEL)
		snprintf(out, len, "established, no tunnel: %s",
			 FAKE_NO_TUNNEL_WHY);
	else
		snprintf(out, len, "%s", conn_state_name(c->state));
}

const char *conn_name(const struct conn *c)
{
	return c->p.name;
}

const char *conn_reason_name(enum conn_reason r)
{
	return r == REASON_UP ? "up" : r == REASON_USER ? "user" :
	       r == REASON_TIMEOUT ? "timeout" : "none";
}

/* Values like the real engine's, an identity with bytes that JSON must
 * escape: a quote, a control character, a byte that is not UTF-8. The
 * profile's gateway is the SA's peer when it is an IPv4 address, while
 * the fake is up or closing (the STATUS= summary names it). */
void conn_status_get(const struct conn *c, struct conn_status *st)
{
	struct sockaddr_in *peer = (struct sockaddr_in *)&st->ike.peer;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", c->p.name);
	st->state = c->state;
	conn_state_text(c, st->state_text, sizeof(st->state_text));
	snprintf(st->gateway, sizeof(st->gateway), "%s",
		 c->p.n_gateways ? c->p.gateways[0] : "-");
	if ((c->state == CONN_ESTABLISHED || c->state == CONN_NO_TUNNEL ||
	     c->state == CONN_CLOSING) &&
	    inet_pton(AF_INET, st->gateway, &peer->sin_addr) == 1) {
		peer->sin_family = AF_INET;
		st->has_sa = true;
	}
	if (c->state == CONN_FAILED)
		snprintf(st->last_error, sizeof(st->last_error),
			 "gateway did not answer (fake)");
	if (c->step) {
		st->change.reason = c->state == CONN_FAILED ? REASON_TIMEOUT :
							     REASON_UP;
		st->change.at = 1700000000;
		snprintf(st->change.text, sizeof(st->change.text), "fake change");
	}
	if (c->state != CONN_ESTABLISHED)
		return;
	st->has_sa = true;
	st->ike.state = IKE_ESTABLISHED;
	st->ike.initiator = true;
	memcpy(st->ike.spi_i, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	snprintf(st->ike.remote_id, sizeof(st->ike.remote_id),
		 "gw \"q\"\x01\xff");
	st->ike.remote_auth = 2; /* shared key */
	st->child.up = true;
	memcpy(st->child.spi_in, "\xc0\xff\xee\x01", 4);
	st->vip.has_ip4 = true;
	memcpy(st->vip.ip4, "\xc0\x00\x02\x0a", 4);
	st->vip.ip4_prefix = 32;
}

void conn_status(const struct conn *c, struct wbuf *out)
{
	wb_printf(out, "state: %s\ngateway: %s\n", conn_state_name(c->state),
		  c->p.n_gateways ? c->p.gateways[0] : "-");
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	loop_timer_cancel(c->l, c->timer);
	fake_conn_live--;
	free(c);
}
