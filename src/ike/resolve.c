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

struct resolve_req {
	char name[256];
	uint16_t port;
	resolve_fn fn;
	void *ctx;
	int rc;
	struct sockaddr_storage addr;
};

static int pipe_fds[2] = { -1, -1 };
static struct loop *pipe_loop;

static void on_result(void *unused, int fd, uint32_t events)
{
	struct resolve_req *r;

	while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		if (r->fn)
			r->fn(r->ctx, r->rc == 0 ? &r->addr : NULL,
			      r->rc == 0 ? NULL : gai_strerror(r->rc));
		free(r);
	}
}

static void *lookup(void *arg)
{
	struct resolve_req *r = arg;
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
	/* A pointer is smaller than PIPE_BUF: the write is atomic. */
	if (write(pipe_fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
		log_err("resolver: cannot report a result");
	return NULL;
}

static int ensure_pipe(struct loop *l)
{
	if (pipe_fds[0] < 0) {
		if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
			return -1;
		/* The writer blocks instead of losing a result. */
		fcntl(pipe_fds[1], F_SETFL, 0);
	}
	if (pipe_loop)
		return 0;
	if (loop_add_fd(l, pipe_fds[0], EPOLLIN, on_result, NULL) < 0)
		return -1;
	pipe_loop = l;
	return 0;
}

void resolve_detach(void)
{
	/* The pipe stays open: a lookup still running writes to it, and its
	 * result (cancelled by then) is read once a loop watches again. */
	if (pipe_loop)
		loop_del_fd(pipe_loop, pipe_fds[0]);
	pipe_loop = NULL;
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

int resolve_start(struct loop *l, const char *name, uint16_t port,
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
	if (ensure_pipe(l) < 0)
		return -1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->port = port;
	r->fn = fn;
	r->ctx = ctx;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, lookup, r);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(r);
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
