/* Running the DNS managers' programs: no shell, an argv array, a time
 * limit, and their output kept for the error message. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn_internal.h"

extern char **environ;

bool nc_find_prog(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	const char *p, *colon;
	size_t dlen;
	int n;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		       "/sbin:/bin";
	for (p = path; *p; p = *colon ? colon + 1 : colon) {
		colon = strchr(p, ':');
		if (!colon)
			colon = p + strlen(p);
		dlen = (size_t)(colon - p);
		/* An empty or relative entry would run whatever is in the
		 * daemon's working directory. */
		if (dlen == 0 || *p != '/')
			continue;
		n = snprintf(out, outlen, "%.*s/%s", (int)dlen, p, name);
		if (n > 0 && (size_t)n < outlen && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child's stdin is a socket so that feeding a program that already
 * exited fails with EPIPE instead of killing us with SIGPIPE. */
static int feed(int fd, const char *input)
{
	size_t len = input ? strlen(input) : 0;
	ssize_t n;

	while (len > 0) {
		n = send(fd, input, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		input += n;
		len -= (size_t)n;
	}
	return 0;
}

static void collect(int fd, char *out, size_t outlen, size_t *used)
{
	char sink[512];
	ssize_t n;

	for (;;) {
		if (*used + 1 < outlen)
			n = read(fd, out + *used, outlen - 1 - *used);
		else
			n = read(fd, sink, sizeof(sink));
		if (n <= 0)
			return;
		if (*used + 1 < outlen)
			*used += (size_t)n;
	}
}

/* Waits for the child, reading its output meanwhile. A grandchild may
 * keep the pipe open, so the child's exit ends the wait, not EOF. */
static int wait_child(pid_t pid, int outfd, char *out, size_t outlen,
		      int timeout_ms, int *status)
{
	long long deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = outfd, .events = POLLIN };
	size_t used = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			out[used] = '\0';
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, 50) > 0)
			collect(outfd, out, outlen, &used);
	}
	collect(outfd, out, outlen, &used);
	out[used] = '\0';
	return r == pid ? 0 : -1;
}

/* The daemon blocks the signals it reads through a signalfd and ignores
 * SIGPIPE; both would be inherited across exec. */
static int spawn(pid_t *pid, char *const argv[], int in, int outw)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return ENOMEM;
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return ENOMEM;
	}
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
				      POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, outw, 1);
	posix_spawn_file_actions_adddup2(&fa, outw, 2);
	rc = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int nc_run(char *const argv[], const char *input, char *out, size_t outlen,
	   int timeout_ms)
{
	int sv[2] = { -1, -1 }, po[2] = { -1, -1 };
	int rc, status = 0, err;
	pid_t pid;

	out[0] = '\0';
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (pipe2(po, O_CLOEXEC) < 0)
		goto fail;
	rc = spawn(&pid, argv, sv[1], po[1]);
	close(sv[1]);
	close(po[1]);
	sv[1] = po[1] = -1;
	if (rc != 0) {
		errno = rc;
		goto fail;
	}
	(void)fcntl(po[0], F_SETFL, O_NONBLOCK);
	/* Ignored failure: the exit status tells what went wrong. */
	(void)feed(sv[0], input);
	shutdown(sv[0], SHUT_WR);
	rc = wait_child(pid, po[0], out, outlen, timeout_ms, &status);
	err = errno;
	close(sv[0]);
	close(po[0]);
	errno = err;
	if (rc < 0)
		return -1;
	if (!WIFEXITED(status)) {
		errno = EINTR;
		return -1;
	}
	return WEXITSTATUS(status);
fail:
	err = errno;
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (po[0] >= 0)
		close(po[0]);
	errno = err;
	return -1;
}
