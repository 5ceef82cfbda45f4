/* vpnd-testgw: the test responder (tests/responder) as a standalone
 * gateway process, for suites that run vpnd against several gateways of
 * one secure domain (resumption, gateway switch count, backups). Events
 * go to stdout one per line (tests/testgw/README.md); logs to stderr. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "opts.h"
#include "vpnd/log.h"

struct gw {
	struct loop *loop;
	struct responder *resp;
	int sigfd;
	bool muted;
};

static void print_event(void *ctx, const char *line)
{
	printf("%s\n", line);
}

static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct gw *g = ctx;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			g->muted = !g->muted;
			responder_set_mute(g->resp, g->muted);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			printf("event=exit signal=%s\n",
			       si.ssi_signo == SIGTERM ? "TERM" : "INT");
			loop_stop(g->loop);
		}
	}
}

/* Signals arrive through the loop, never in the middle of a handler. */
static int watch_signals(struct gw *g)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	g->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (g->sigfd < 0)
		return -1;
	return loop_add_fd(g->loop, g->sigfd, EPOLLIN, on_signal, g);
}

static void print_start(const struct testgw_opts *o, const struct gw *g)
{
	const struct responder_cfg *c = &o->cfg;

	printf("event=listening addr=%s port=%u mode=%s domain_key=%d "
	       "domain_dir=%s client_ca=%d backups=%zu gsc_floor=%u "
	       "resume_auth=%s vendor_id=%d rekey_ike_after=%u "
	       "auth_lifetime=%u\n",
	       c->bind_addr, responder_port(g->resp),
	       c->resume_mode == R_RESUME_DRAFT_GSC ? "draft-gsc" : "rfc5723",
	       c->has_domain_key, c->domain_dir ? c->domain_dir : "-",
	       c->client_ca != NULL, c->n_backups, c->gsc_floor,
	       resume_auth_form_name(c->resume_auth), !c->no_vendor_id,
	       c->rekey_ike_after_ms, c->auth_lifetime);
}

static int run(struct testgw_opts *o)
{
	struct gw g = { .sigfd = -1 };
	struct verr e = { { 0 } };
	int rc = 1;

	o->cfg.on_event = print_event;
	g.loop = loop_new();
	if (!g.loop || watch_signals(&g) < 0) {
		fprintf(stderr, "vpnd-testgw: cannot set up the loop\n");
		goto out;
	}
	g.resp = responder_new(g.loop, &o->cfg, &e);
	if (!g.resp) {
		fprintf(stderr, "vpnd-testgw: %s\n", e.msg);
		goto out;
	}
	print_start(o, &g);
	rc = loop_run(g.loop) < 0 ? 1 : 0;
out:
	responder_free(g.resp);
	if (g.sigfd >= 0) {
		loop_del_fd(g.loop, g.sigfd);
		close(g.sigfd);
	}
	loop_free(g.loop);
	return rc;
}

int main(int argc, char **argv)
{
	static struct testgw_opts o; /* holds the domain key */
	struct verr e = { { 0 } };
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	rc = testgw_parse(argc, argv, &o, &e);
	if (rc == 1) {
		testgw_usage(argv[0]);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "vpnd-testgw: %s\n", e.msg);
		return 2;
	}
	log_set_level(o.verbose ? LOG_DBG : LOG_INFO);
	rc = run(&o);
	OPENSSL_cleanse(&o, sizeof(o));
	return rc;
}
