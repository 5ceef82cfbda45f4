/* The engine object: made first, freed last; its parts are set up and
 * torn down by the files that use them (net.c, child_backend.c,
 * hostcfg.c, ticket_req.c, resolve.c). */
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "engine_int.h"

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
	return eng;
fail:
	engine_free(eng);
	return NULL;
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
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
