/* Host name resolution off the event loop. getaddrinfo blocks, so each
 * lookup runs in a short-lived thread that hands the result back through
 * a pipe the loop watches. A cancelled lookup finishes quietly. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "resolve.h"
#include "vpnd/log.h"

/* The pipe belongs to the engine's resolver, but a lookup thread may
 * outlive the engine (getaddrinfo cannot be interrupted): each running
 * lookup holds a reference, and once the engine has closed the resolver
 * a finishing lookup frees its own request instead of writing it. */
struct resolver {
	pthread_mutex_t mu;
	int fds[2];
	struct loop *l;         /* NULL once the engine closed it */
	unsigned refs;          /* the engine's and one per lookup */
};

struct resolve_req {
	struct resolver *rs;
	char name[256];
	uint16_t port;
	resolve_fn fn;
	void *ctx;
	int rc;
	struct sockaddr_storage addr;
};

static void on_result(void *ctx, int fd, uint32_t events)
{
	struct resolve_req *r;

	while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		if (r->fn)
			r->fn(r->ctx, r->rc == 0 ? &r->addr : NULL,
			      r->rc == 0 ? NULL : gai_strerror(r->rc));
		free(r);
	}
}

/* Called with rs->mu held; unlocks it. */
static void unref_unlock(struct resolver *rs)
{
	bool last = --rs->refs == 0;

	pthread_mutex_unlock(&rs->mu);
	if (!last)
		return;
	close(rs->fds[0]);
	close(rs->fds[1]);
	pthread_mutex_destroy(&rs->mu);
	free(rs);
}

static void *lookup(void *arg)
{
	struct resolve_req *r = arg;
	struct resolver *rs = r->rs;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICSERV |
					      AI_ADDRCONFIG },
			*res = NULL;
	char port[8];

	snprintf(port, sizeof(port), "%u", r->port);
	r->rc = getaddrinfo(r->name, port, &hints, &res);
	if (r->rc == 0 && res) {
		memcpy(&r->addr, res->ai_addr, res->ai_addrlen);
		freeaddrinfo(res);
	} else if (r->rc == 0) {
		r->rc = EAI_NONAME;
	}
	pthread_mutex_lock(&rs->mu);
	/* A pointer is smaller than PIPE_BUF: the write is atomic. */
	if (!rs->l)
		free(r);
	else if (write(rs->fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
		log_err("resolver: cannot report a result");
	unref_unlock(rs);
	return NULL;
}

struct resolver *resolver_new(struct loop *l)
{
	struct resolver *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	if (pipe2(rs->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(rs);
		return NULL;
	}
	/* The writer blocks instead of losing a result. */
	fcntl(rs->fds[1], F_SETFL, 0);
	if (loop_add_fd(l, rs->fds[0], EPOLLIN, on_result, rs) < 0) {
		close(rs->fds[0]);
		close(rs->fds[1]);
		free(rs);
		return NULL;
	}
	pthread_mutex_init(&rs->mu, NULL);
	rs->l = l;
	rs->refs = 1;
	return rs;
}

void resolver_close(struct resolver *rs)
{
	struct resolve_req *r;

	if (!rs)
		return;
	pthread_mutex_lock(&rs->mu);
	loop_del_fd(rs->l, rs->fds[0]);
	/* Results nobody will read (their connections are gone). */
	while (read(rs->fds[0], &r, sizeof(r)) == (ssize_t)sizeof(r))
		free(r);
	rs->l = NULL;
	unref_unlock(rs);
}

/* Numeric addresses are answered at once without a thread. */
static bool numeric(const char *name, uint16_t port,
		    struct sockaddr_storage *out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST |
					      AI_NUMERICSERV },
			*res = NULL;
	char p[8];

	snprintf(p, sizeof(p), "%u", port);
	if (getaddrinfo(name, p, &hints, &res) != 0 || !res)
		return false;
	memset(out, 0, sizeof(*out));
	memcpy(out, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return true;
}

int resolve_start(struct resolver *rs, const char *name, uint16_t port,
		  resolve_fn fn, void *ctx, struct sockaddr_storage *now,
		  struct resolve_req **handle)
{
	struct resolve_req *r;
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	*handle = NULL;
	if (numeric(name, port, now))
		return 1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->rs = rs;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->port = port;
	r->fn = fn;
	r->ctx = ctx;
	pthread_mutex_lock(&rs->mu);
	rs->refs++;
	pthread_mutex_unlock(&rs->mu);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, lookup, r);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(r);
		pthread_mutex_lock(&rs->mu);
		unref_unlock(rs);
		errno = rc;
		return -1;
	}
	*handle = r;
	return 0;
}

void resolve_cancel(struct resolve_req *r)
{
	/* Only the loop thread touches fn; the worker never reads it. */
	if (r)
		r->fn = NULL;
}
