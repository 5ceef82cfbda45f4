/* The connection object behind vpnctl connect/disconnect/status: owns the
 * profile copy and the current IKE SA, and reports to the daemon. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"
#include "vpnd/log.h"

struct conn {
	struct loop *loop;
	struct profile prof;
	conn_event_fn fn;
	void *ctx;
	enum conn_state state;
	struct ike_sa *sa;
	size_t gw_index;
	char last_error[256];
};

const char *conn_state_name(enum conn_state s)
{
	switch (s) {
	case CONN_IDLE:
		return "idle";
	case CONN_CONNECTING:
		return "connecting";
	case CONN_ESTABLISHED:
		return "established";
	case CONN_CLOSING:
		return "closing";
	case CONN_FAILED:
		return "failed";
	}
	return "?";
}

struct conn *conn_new(struct loop *l, const struct profile *p,
		      conn_event_fn fn, void *ctx)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->loop = l;
	c->prof = *p;
	/* The secret is owned separately so the copies can be wiped. */
	memset(&c->prof.psk, 0, sizeof(c->prof.psk));
	if (p->psk.p && !chunk_set(&c->prof.psk, p->psk.p, p->psk.len)) {
		free(c);
		return NULL;
	}
	c->fn = fn;
	c->ctx = ctx;
	net_open(l, NULL);
	return c;
}

const char *conn_name(const struct conn *c)
{
	return c->prof.name;
}

enum conn_state conn_get_state(const struct conn *c)
{
	return c->state;
}

static void emit(struct conn *c, enum conn_event ev, const char *msg)
{
	if (c->fn)
		c->fn(c->ctx, c, ev, msg);
}

void conn_progress(struct conn *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("%s: %s", c->prof.name, msg);
	emit(c, CEV_PROGRESS, msg);
}

static void drop_sa(struct conn *c)
{
	if (!c->sa)
		return;
	net_unregister(c->sa->spi_i);
	ike_sa_free(c->sa);
	c->sa = NULL;
}

void conn_sa_failed(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
	log_err("%s: %s", c->prof.name, c->last_error);
	drop_sa(c);
	c->state = CONN_FAILED;
	emit(c, CEV_FAILED, c->last_error);
}

void conn_sa_up(struct conn *c)
{
	struct ike_sa *sa = c->sa;
	char msg[512], gw[64], algs[128];

	c->state = CONN_ESTABLISHED;
	sa->established_at = loop_now_ms();
	c->last_error[0] = '\0';
	if (sa->child.up)
		conn_progress(c, "Child SA negotiated: %s",
			      esp_algs_str(&sa->child, algs, sizeof(algs)));
	else
		conn_progress(c, "IKE SA up, Child SA refused by the gateway: %s",
			      sa->child.refused);
	snprintf(msg, sizeof(msg), "IKE SA established with %s (%s)",
		 sockaddr_str(&sa->peer, gw, sizeof(gw)),
		 ike_algs_str(&sa->algs, algs, sizeof(algs)));
	log_info("%s: %s", c->prof.name, msg);
	emit(c, CEV_UP, msg);
}

void conn_sa_down(struct conn *c, const char *why)
{
	log_info("%s: %s", c->prof.name, why);
	drop_sa(c);
	c->state = CONN_IDLE;
	emit(c, CEV_DOWN, why);
}

/* Gateways in profiles are usually literals; a host name is resolved
 * here. TODO(redirect issue): move name resolution off the event loop. */
static int resolve_gateway(const struct profile *p, size_t idx,
			   struct sockaddr_storage *ss, struct verr *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res = NULL;
	char port[8];
	int rc;

	snprintf(port, sizeof(port), "%u", p->port ? p->port : IKE_PORT);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(p->gateways[idx], port, &hints, &res);
	if (rc == EAI_NONAME) {
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(p->gateways[idx], port, &hints, &res);
	}
	if (rc != 0 || !res) {
		verr_set(e, "cannot resolve gateway '%s': %s", p->gateways[idx],
			 gai_strerror(rc));
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static struct ike_sa *new_sa(struct conn *c, struct verr *e)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa) {
		verr_set(e, "out of memory");
		return NULL;
	}
	sa->conn = c;
	sa->prof = &c->prof;
	sa->loop = c->loop;
	wb_init(&sa->req.msg);
	wb_init(&sa->last_resp);
	do {
		random_bytes(sa->spi_i, 8);
	} while (!memcmp(sa->spi_i, "\0\0\0\0\0\0\0\0", 8));
	if (net_register(sa->spi_i, sa_receive, sa) < 0) {
		verr_set(e, "too many IKE SAs");
		free(sa);
		return NULL;
	}
	return sa;
}

int conn_connect(struct conn *c, struct verr *e)
{
	char gw[64];

	if (c->state == CONN_CONNECTING || c->state == CONN_ESTABLISHED ||
	    c->state == CONN_CLOSING) {
		verr_set(e, "%s is already %s", c->prof.name,
			 conn_state_name(c->state));
		return -1;
	}
	c->gw_index = 0;
	c->sa = new_sa(c, e);
	if (!c->sa)
		return -1;
	if (resolve_gateway(&c->prof, c->gw_index, &c->sa->peer, e) < 0 ||
	    ike_init_start(c->sa, e) < 0) {
		drop_sa(c);
		return -1;
	}
	c->state = CONN_CONNECTING;
	conn_progress(c, "IKE_SA_INIT sent to %s",
		      sockaddr_str(&c->sa->peer, gw, sizeof(gw)));
	return 0;
}

void conn_disconnect(struct conn *c)
{
	if (c->state == CONN_ESTABLISHED && c->sa &&
	    ike_delete_start(c->sa) == 0) {
		c->state = CONN_CLOSING;
		conn_progress(c, "deleting the IKE SA");
		return;
	}
	if (c->state == CONN_CLOSING)
		return;
	conn_sa_down(c, c->sa ? "connection attempt aborted" : "not connected");
}

static void spi_hex(const uint8_t *spi, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", spi[i]);
}

static void ts_describe(const struct ts_payload *ts, struct wbuf *out)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < ts->n; i++) {
		int af = ts->ts[i].type == TS_IPV6_ADDR_RANGE ? AF_INET6 :
								 AF_INET;

		wb_printf(out, "%s%s-%s", i ? ", " : "",
			  inet_ntop(af, ts->ts[i].start, a, sizeof(a)),
			  inet_ntop(af, ts->ts[i].end, b, sizeof(b)));
	}
}

static void child_status(const struct ike_sa *sa, struct wbuf *out)
{
	char in[9], outs[9], algs[128];

	if (!sa->child.up) {
		wb_printf(out, "  child SA: none (%s)\n",
			  sa->child.refused[0] ? sa->child.refused :
						 "not negotiated");
		return;
	}
	spi_hex(sa->child.spi_in, 4, in);
	spi_hex(sa->child.spi_out, 4, outs);
	wb_printf(out, "  child SA: ESP %s, SPIs in %s out %s (negotiated; not installed in the kernel yet)\n",
		  esp_algs_str(&sa->child, algs, sizeof(algs)), in, outs);
	wb_printf(out, "    local  ");
	ts_describe(&sa->child.tsi, out);
	wb_printf(out, "\n    remote ");
	ts_describe(&sa->child.tsr, out);
	wb_printf(out, "\n");
}

void conn_status(const struct conn *c, struct wbuf *out)
{
	const struct ike_sa *sa = c->sa;
	char spi_i[17], spi_r[17], gw[64], local[64], algs[128], id[256];

	wb_printf(out, "%s: %s\n", c->prof.name, conn_state_name(c->state));
	if (!sa) {
		if (c->last_error[0])
			wb_printf(out, "  last error: %s\n", c->last_error);
		wb_printf(out, "  gateway: %s\n", c->prof.gateways[0]);
		return;
	}
	spi_hex(sa->spi_i, 8, spi_i);
	spi_hex(sa->spi_r, 8, spi_r);
	wb_printf(out, "  gateway: %s, local %s%s\n",
		  sockaddr_str(&sa->peer, gw, sizeof(gw)),
		  sockaddr_str(&sa->local, local, sizeof(local)),
		  sa->natt ? (sa->nat_here || sa->nat_there ?
				      ", NAT-T (NAT detected)" :
				      ", NAT-T (forced)") :
			     "");
	wb_printf(out, "  IKE SA: SPIs %s_i %s_r\n", spi_i, spi_r);
	if (sa->state < IKE_ESTABLISHED)
		return;
	wb_printf(out, "  IKE proposal: %s\n",
		  ike_algs_str(&sa->algs, algs, sizeof(algs)));
	wb_printf(out, "  remote identity: %s (%s)\n",
		  id_to_text(sa->peer_id_type, sa->peer_id.p, sa->peer_id.len,
			     id, sizeof(id)),
		  auth_method_name(sa->auth_method_peer));
	wb_printf(out, "  established %llu s ago\n",
		  (unsigned long long)((loop_now_ms() - sa->established_at) /
				       1000));
	cfg_describe(&sa->cfg, out);
	child_status(sa, out);
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	drop_sa(c);
	chunk_free(&c->prof.psk);
	free(c);
}

void ike_sa_free(struct ike_sa *sa)
{
	sa_cancel_request(sa);
	loop_timer_cancel(sa->loop, sa->keepalive_timer);
	wb_free(&sa->last_resp);
	chunk_free(&sa->ni);
	chunk_free(&sa->nr);
	chunk_free(&sa->cookie);
	chunk_free(&sa->init_req);
	chunk_free(&sa->init_resp);
	chunk_free(&sa->my_id);
	chunk_free(&sa->peer_id);
	dh_free(sa->dh);
	ike_keys_wipe(&sa->keys);
	X509_free(sa->my_cert);
	EVP_PKEY_free(sa->my_key);
	free(sa);
}
