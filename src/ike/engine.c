/* The engine object: made first, freed last; its parts are set up and
 * torn down by the files that use them (net.c, child_backend.c,
 * hostcfg.c, ticket_req.c, resolve.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "conn_int.h"
#include "engine_int.h"
#include "vpnd/log.h"
#include "vpnd/netmon.h"
#include "vpnd/suspend.h"

/* A Wi-Fi roam is a burst of notifications: one check after it. */
#define NETMON_DEBOUNCE_MS 150
/* Boot time checked every 5 s; a gap of 3 s or more is a sleep. */
#define SUSPEND_TICK_MS 5000
#define SUSPEND_MIN_MS 3000

static void on_network(void *ctx, const struct netmon_change *ch)
{
	engine_network_changed(ctx, ch->what & NETMON_LOST ?
					    "network events were lost" :
				    ch->addr_removed ? "an address went away" :
				    ch->link_down ? "a link went down" :
						    "the network changed");
}

static void on_wake(void *ctx, uint64_t slept_ms)
{
	char why[64];

	snprintf(why, sizeof(why), "woke after %llu s",
		 (unsigned long long)(slept_ms / 1000));
	engine_network_changed(ctx, why);
}

/* Without the watch the tunnel still works; it just notices a change
 * only when a liveness check fails. */
static void watch_start(struct engine *eng, const struct engine_config *cfg)
{
	struct verr e = { { 0 } };

	if (cfg->watch_network) {
		eng->netmon = netmon_open(eng->loop, NETMON_DEBOUNCE_MS,
					  on_network, eng, &e);
		if (!eng->netmon)
			log_warn("cannot watch the network: %s", e.msg);
	}
	eng->suspend = suspend_watch_new(eng->loop, SUSPEND_TICK_MS,
					 SUSPEND_MIN_MS, cfg->suspend_clock,
					 on_wake, eng, &e);
	if (!eng->suspend)
		log_warn("cannot watch for suspends: %s", e.msg);
}

struct engine *engine_new(struct loop *l, const struct engine_config *cfg,
			  struct verr *e)
{
	struct engine *eng = calloc(1, sizeof(*eng));

	if (!eng) {
		verr_set(e, "out of memory");
		return NULL;
	}
	eng->loop = l;
	net_init(&eng->net);
	if (cfg->state_dir && cfg->state_dir[0] &&
	    !(eng->state_dir = strdup(cfg->state_dir))) {
		verr_set(e, "out of memory");
		goto fail;
	}
	eng->resolver = resolver_new(l);
	if (!eng->resolver) {
		verr_set(e, "cannot set up the name resolver");
		goto fail;
	}
	if (child_backend_open(eng, cfg, e) < 0)
		goto fail;
	eng->host = cfg->host_ops ? cfg->host_ops : &net_host_ops;
	eng->host_ctx = cfg->host_ops ? cfg->host_ctx : eng;
	eng->host_config = cfg->host_config;
	if (cfg->watch_network || cfg->suspend_clock)
		watch_start(eng, cfg);
	return eng;
fail:
	engine_free(eng);
	return NULL;
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
	netmon_close(eng->netmon);
	suspend_watch_free(eng->suspend);
	free(eng->conns);
	net_close(eng);
	child_backend_close(eng);
	hostcfg_close(eng);
	ticket_store_close(eng->tickets);
	resolver_close(eng->resolver);
	free(eng->state_dir);
	free(eng);
}

struct loop *engine_loop(const struct engine *eng)
{
	return eng->loop;
}

/* Both are tried: one failing says nothing about the other. */
int engine_cleanup_stale(struct engine *eng, struct verr *e)
{
	struct verr ke = { { 0 } }, he = { { 0 } };
	int krc = child_cleanup_stale(eng, &ke);
	int hrc = hostcfg_cleanup_stale(eng, &he);

	if (krc < 0 && hrc < 0)
		verr_set(e, "kernel state: %s; network settings: %s", ke.msg,
			 he.msg);
	else if (krc < 0)
		verr_set(e, "kernel state: %s", ke.msg);
	else if (hrc < 0)
		verr_set(e, "network settings: %s", he.msg);
	return krc < 0 || hrc < 0 ? -1 : 0;
}

int engine_add_conn(struct engine *eng, struct conn *c)
{
	struct conn **g = array_room(eng->conns, eng->n_conns, &eng->cap_conns,
				     sizeof(*g));

	if (!g)
		return -1;
	eng->conns = g;
	eng->conns[eng->n_conns++] = c;
	return 0;
}

void engine_remove_conn(struct engine *eng, struct conn *c)
{
	size_t i;

	for (i = 0; i < eng->n_conns && eng->conns[i] != c; i++)
		;
	if (i == eng->n_conns)
		return;
	if (eng->walking_conns)
		eng->conns[i] = NULL; /* engine_network_changed compacts */
	else
		eng->conns[i] = eng->conns[--eng->n_conns];
}

void engine_network_changed(struct engine *eng, const char *why)
{
	size_t i, n;

	log_dbg("network: %s; checking the paths", why);
	eng->walking_conns = true;
	for (i = 0; i < eng->n_conns; i++)
		if (eng->conns[i])
			conn_path_check(eng->conns[i], why);
	eng->walking_conns = false;
	for (i = n = 0; i < eng->n_conns; i++)
		if (eng->conns[i])
			eng->conns[n++] = eng->conns[i];
	eng->n_conns = n;
}
