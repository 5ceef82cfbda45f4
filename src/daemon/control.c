#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "vpnd/log.h"
#include "vpnd/ratelimit.h"

#include "control.h"
#include "ctl_client.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

#define CTL_BACKLOG 32
#define CTL_OUT_MAX (1024 * 1024)       /* a client that reads nothing */
#define CTL_REQUEST_TIMEOUT_MS 10000    /* to send its request line */
#define CTL_MAX_PEER_GROUPS 4096
#define CTL_ACCEPT_RETRY_MS 1000        /* after accept ran out of fds */
#define CTL_FDS_KEPT 32                 /* never for clients: netlink, IKE
					   sockets, ticket and record files */

struct ctl_server {
	struct loop *l;
	struct conns *t;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool have_group;
	gid_t gid;
	char group[64];
	struct ctl_client *clients;
	size_t n_clients;               /* with an open fd */
	size_t max_clients;             /* from RLIMIT_NOFILE */
	bool listening;                 /* the loop watches fd */
	uint64_t retry_timer;           /* to watch it again */
	struct ratelimit warn_limit;
};

static void listener_watch(struct ctl_server *s, bool on);

/* ---- client I/O ---- */

static void client_reap(void *ctx)
{
	struct ctl_client *c = ctx, **pp;

	for (pp = &c->s->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	wb_free(&c->out);
	free(c);
}

/* Closes at once but frees later: callers up the stack (a command
 * handler, the engine's event) may still hold the pointer. */
static void client_kill(struct ctl_client *c)
{
	if (c->dead)
		return;
	c->dead = true;
	conns_detach(&c->w);
	conns_monitor_stop(&c->m);
	loop_del_fd(c->s->l, c->fd);
	close(c->fd);
	c->fd = -1;
	c->s->n_clients--;
	if (!c->s->listening && !c->s->retry_timer)
		listener_watch(c->s, true);
	loop_timer_cancel(c->s->l, c->timer);
	c->timer = loop_timer(c->s->l, 0, client_reap, c);
}

static void client_io(void *ctx, int fd, uint32_t events);

static void client_watch(struct ctl_client *c, uint32_t events)
{
	if (c->dead || c->events == events)
		return;
	/* loop.h has no "modify": re-add with the new interest set. */
	loop_del_fd(c->s->l, c->fd);
	if (loop_add_fd(c->s->l, c->fd, events, client_io, c) < 0) {
		log_err("control: cannot watch client: %s", strerror(errno));
		client_kill(c);
		return;
	}
	c->events = events;
}

static uint32_t client_wanted_events(const struct ctl_client *c)
{
	uint32_t ev = c->have_request ? 0 : EPOLLIN;

	if (c->out_off < c->out.len)
		ev |= EPOLLOUT;
	return ev;
}

static void client_flush(struct ctl_client *c)
{
	while (!c->dead && c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->out_off,
				 c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			/* The client went away; what it started goes on. */
			client_kill(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out.len) {
		wb_reset(&c->out);
		c->out_off = 0;
		if (c->finished) {
			client_kill(c);
			return;
		}
	} else if (c->out.len - c->out_off > CTL_OUT_MAX) {
		log_warn("control: client does not read its answer, dropping it");
		client_kill(c);
		return;
	}
	client_watch(c, client_wanted_events(c));
}

void ctl_line(struct ctl_client *c, char prefix, const char *text)
{
	size_t i, start;

	if (c->dead || c->finished)
		return;
	start = c->out.len;
	wb_u8(&c->out, (uint8_t)prefix);
	wb_u8(&c->out, ' ');
	wb_put(&c->out, text, strlen(text));
	for (i = start + 2; i < c->out.len; i++)
		if (c->out.p[i] < 0x20 || c->out.p[i] == 0x7f)
			c->out.p[i] = ' ';
	wb_u8(&c->out, '\n');
	if (c->out.oom) {
		client_kill(c);
		return;
	}
	client_flush(c);
}

static void final_line(struct ctl_client *c, const char *word,
		       const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void final_line(struct ctl_client *c, const char *word,
		       const char *fmt, va_list ap)
{
	char text[1024];
	size_t i;

	if (c->dead || c->finished)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	for (i = 0; text[i]; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = ' ';
	wb_printf(&c->out, "%s%s%s\n", word, text[0] ? " " : "", text);
	c->finished = true;
	if (c->out.oom) {
		client_kill(c);
		return;
	}
	client_flush(c);
}

void ctl_final(struct ctl_client *c, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	final_line(c, ok ? "OK" : "ERROR", fmt, ap);
	va_end(ap);
}

void ctl_final_no_tunnel(struct ctl_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	final_line(c, "NOTUNNEL", fmt, ap);
	va_end(ap);
}

void ctl_final_password(struct ctl_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	final_line(c, "PASSWORD", fmt, ap);
	va_end(ap);
}

static void refuse(struct ctl_client *c)
{
	if (c->s->have_group)
		ctl_final(c, false,
			  "permission denied (only root and group %s may use vpnd)",
			  c->s->group);
	else
		ctl_final(c, false, "permission denied (only root may use vpnd)");
}

static void client_request_ready(struct ctl_client *c, size_t len)
{
	c->have_request = true;
	loop_timer_cancel(c->s->l, c->timer);
	c->timer = 0;
	if (len && c->in[len - 1] == '\r')
		len--;
	if (c->refused)
		refuse(c);
	else
		ctl_handle_request(c, c->in, len);
	/* a connect may have carried a password */
	OPENSSL_cleanse(c->in, sizeof(c->in));
	c->in_len = 0;
	if (!c->dead)
		client_watch(c, client_wanted_events(c));
}

static void client_read(struct ctl_client *c)
{
	for (;;) {
		size_t room = sizeof(c->in) - c->in_len;
		char *nl;
		ssize_t n;

		if (!room) {
			c->have_request = true;
			ctl_final(c, false,
				  "request line too long (at most %d bytes)",
				  CTL_LINE_MAX);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			client_kill(c);
			return;
		}
		if (n == 0) {
			/* Half-closed after an unterminated request: take it. */
			if (c->in_len)
				client_request_ready(c, c->in_len);
			else
				client_kill(c);
			return;
		}
		nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		c->in_len += (size_t)n;
		if (nl) {
			client_request_ready(c, (size_t)(nl - c->in));
			return;
		}
	}
}

static void client_io(void *ctx, int fd, uint32_t events)
{
	struct ctl_client *c = ctx;

	if (events & EPOLLIN)
		client_read(c);
	if (!c->dead && (events & EPOLLOUT))
		client_flush(c);
	/* HUP: the peer closed both ways, nobody is left to answer. */
	if (!c->dead && (events & (EPOLLHUP | EPOLLERR)))
		client_kill(c);
}

static void client_request_timeout(void *ctx)
{
	struct ctl_client *c = ctx;

	c->timer = 0;
	c->have_request = true;
	ctl_final(c, false, "timed out waiting for a request line");
}

/* ---- credentials ---- */

static bool gid_in(gid_t gid, const gid_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == gid)
			return true;
	return false;
}

/* Supplementary groups as they were when the peer connected. */
static bool peer_in_group(int fd, const struct ucred *cr, gid_t gid)
{
	gid_t small[64], *v = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (cr->gid == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) < 0) {
		if (errno != ERANGE || len > CTL_MAX_PEER_GROUPS * sizeof(gid_t))
			return false;
		v = malloc(len);
		if (!v)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) < 0) {
			free(v);
			return false;
		}
	}
	found = gid_in(gid, v, len / sizeof(gid_t));
	if (v != small)
		free(v);
	return found;
}

static bool peer_permitted(struct ctl_server *s, int fd, struct ucred *cr)
{
	socklen_t len = sizeof(*cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &len) < 0 ||
	    len != sizeof(*cr)) {
		cr->uid = (uid_t)-1;
		return false;
	}
	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	return s->have_group && peer_in_group(fd, cr, s->gid);
}

/* ---- server ---- */

static void client_new(struct ctl_server *s, int fd)
{
	struct ctl_client *c = calloc(1, sizeof(*c));
	struct ucred cr;

	if (!c) {
		close(fd);
		return;
	}
	c->s = s;
	c->t = s->t;
	c->fd = fd;
	wb_init(&c->out);
	if (loop_add_fd(s->l, fd, EPOLLIN, client_io, c) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->events = EPOLLIN;
	c->next = s->clients;
	s->clients = c;
	s->n_clients++;
	if (!peer_permitted(s, fd, &cr)) {
		log_warn("control: refused uid %ld (pid %ld)", (long)cr.uid,
			 (long)cr.pid);
		/* Answered once its request is read, so that the client
		 * is not cut off while it is still sending. */
		c->refused = true;
	}
	c->timer = loop_timer(s->l, CTL_REQUEST_TIMEOUT_MS,
			      client_request_timeout, c);
}

/* Clients may hold at most half the descriptors, and never the last
 * CTL_FDS_KEPT: with the rest taken by idle clients, vpnd could not open
 * a ticket file or a netlink socket. */
static size_t client_cap(void)
{
	struct rlimit rl;
	rlim_t n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = rl.rlim_cur;
	n = n > 2 * CTL_FDS_KEPT ? n - CTL_FDS_KEPT : n / 2;
	if (n > 1024 * 1024)
		n = 1024 * 1024;
	return n > 0 ? (size_t)n : 1;
}

static void server_accept(void *ctx, int fd, uint32_t events);

/* The listening socket stays readable while connections wait, and the
 * loop is level-triggered: it must not be watched while vpnd cannot
 * take them, or the loop spins. */
static void listener_watch(struct ctl_server *s, bool on)
{
	if (on == s->listening)
		return;
	if (!on) {
		loop_del_fd(s->l, s->fd);
		s->listening = false;
		return;
	}
	if (loop_add_fd(s->l, s->fd, EPOLLIN, server_accept, s) < 0) {
		log_err("control: cannot watch the socket: %s",
			strerror(errno));
		return;
	}
	s->listening = true;
}

static void on_accept_retry(void *ctx)
{
	struct ctl_server *s = ctx;

	s->retry_timer = 0;
	if (s->n_clients < s->max_clients)
		listener_watch(s, true);
}

static void pause_accepting(struct ctl_server *s, const char *why)
{
	unsigned long dropped = 0;

	listener_watch(s, false);
	if (!s->retry_timer)
		s->retry_timer = loop_timer(s->l, CTL_ACCEPT_RETRY_MS,
					    on_accept_retry, s);
	if (ratelimit_pass(&s->warn_limit, loop_now_ms(), &dropped))
		log_warn("control: not taking new clients for %d ms: %s (%zu connected; %lu similar warnings suppressed before)",
			 CTL_ACCEPT_RETRY_MS, why, s->n_clients, dropped);
}

static void server_accept(void *ctx, int fd, uint32_t events)
{
	struct ctl_server *s = ctx;
	char why[96];

	for (;;) {
		int cfd;

		if (s->n_clients >= s->max_clients) {
			/* Taken again when a client leaves (client_kill). */
			listener_watch(s, false);
			snprintf(why, sizeof(why), "at most %zu clients",
				 s->max_clients);
			if (ratelimit_pass(&s->warn_limit, loop_now_ms(), NULL))
				log_warn("control: %s; others wait", why);
			return;
		}
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			client_new(s, cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/* EMFILE, ENFILE, ENOBUFS, ENOMEM: try again later. */
		pause_accepting(s, strerror(errno));
		return;
	}
}

static int make_parent_dir(const char *path, struct verr *e)
{
	char dir[PATH_MAX], *p;
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return 0;
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	if (stat(dir, &st) == 0)
		return 0;
	/* mkdir -p, each new level 0755 whatever the umask. */
	for (p = dir + 1; ; p++) {
		char save = *p;

		if (save != '/' && save != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			chmod(dir, 0755);
		} else if (errno != EEXIST) {
			verr_set(e, "cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
		*p = save;
		if (!save)
			return 0;
	}
}

static void fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, strlen(path) + 1);
}

/* A socket file nobody answers on is left over from a crash. */
static int remove_stale(const char *path, struct verr *e)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		verr_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		verr_set(e, "%s exists and is not a socket; not replacing it",
			 path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		verr_set(e, "socket: %s", strerror(errno));
		return -1;
	}
	fill_addr(&sa, path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r == 0 || errno == EAGAIN || errno == EINPROGRESS) {
		close(fd);
		verr_set(e, "another vpnd is already listening on %s", path);
		return -1;
	}
	close(fd);
	if (unlink(path) < 0 && errno != ENOENT) {
		verr_set(e, "cannot remove stale %s: %s", path, strerror(errno));
		return -1;
	}
	log_info("control: replaced stale socket %s", path);
	return 0;
}

static int resolve_group(struct ctl_server *s, const char *group,
			 struct verr *e)
{
	struct group gr, *res = NULL;
	char buf[16384];
	int r;

	if (!group)
		return 0;
	r = getgrnam_r(group, &gr, buf, sizeof(buf), &res);
	if (r || !res) {
		verr_set(e, "unknown group '%s'%s%s", group, r ? ": " : "",
			 r ? strerror(r) : "");
		return -1;
	}
	s->have_group = true;
	s->gid = gr.gr_gid;
	snprintf(s->group, sizeof(s->group), "%s", group);
	return 0;
}

/* The umask makes the socket 0600 from the moment it exists; the group
 * gets access only after it owns the file. */
static int bind_socket(struct ctl_server *s, struct verr *e)
{
	struct sockaddr_un sa;
	mode_t old;
	int r;

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		verr_set(e, "socket: %s", strerror(errno));
		return -1;
	}
	fill_addr(&sa, s->path);
	old = umask(0177);
	r = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0) {
		verr_set(e, "cannot bind %s: %s", s->path, strerror(errno));
		return -1;
	}
	if (s->have_group && (chown(s->path, (uid_t)-1, s->gid) < 0 ||
			      chmod(s->path, 0660) < 0)) {
		verr_set(e, "cannot give %s to group %s: %s", s->path,
			 s->group, strerror(errno));
		unlink(s->path);
		return -1;
	}
	if (listen(s->fd, CTL_BACKLOG) < 0) {
		verr_set(e, "listen on %s: %s", s->path, strerror(errno));
		unlink(s->path);
		return -1;
	}
	return 0;
}

struct ctl_server *ctl_open(struct loop *l, struct conns *t, const char *path,
			    const char *group, struct verr *e)
{
	struct ctl_server *s = calloc(1, sizeof(*s));

	if (!s) {
		verr_set(e, "out of memory");
		return NULL;
	}
	s->l = l;
	s->t = t;
	s->fd = -1;
	if (!*path || strlen(path) >= sizeof(s->path)) {
		verr_set(e, "control socket path '%s' is empty or too long "
			    "(at most %zu bytes)", path, sizeof(s->path) - 1);
		goto fail;
	}
	memcpy(s->path, path, strlen(path) + 1);
	if (resolve_group(s, group, e) < 0 || make_parent_dir(path, e) < 0 ||
	    remove_stale(path, e) < 0 || bind_socket(s, e) < 0)
		goto fail;
	s->max_clients = client_cap();
	listener_watch(s, true);
	if (!s->listening) {
		verr_set(e, "cannot watch %s: %s", path, strerror(errno));
		unlink(s->path);
		goto fail;
	}
	log_info("control: listening on %s (mode %s)", path,
		 s->have_group ? "0660" : "0600");
	return s;
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return NULL;
}

void ctl_close(struct ctl_server *s)
{
	if (!s)
		return;
	while (s->clients) {
		struct ctl_client *c = s->clients;

		s->clients = c->next;
		/* Best effort: whoever still waits learns why it ends. */
		if (!c->dead && !c->finished)
			ctl_final(c, false, "vpnd is shutting down");
		if (!c->dead) {
			conns_detach(&c->w);
			conns_monitor_stop(&c->m);
			loop_del_fd(s->l, c->fd);
			close(c->fd);
		}
		loop_timer_cancel(s->l, c->timer);
		wb_free(&c->out);
		free(c);
	}
	loop_timer_cancel(s->l, s->retry_timer);
	listener_watch(s, false);
	close(s->fd);
	unlink(s->path);
	free(s);
}
