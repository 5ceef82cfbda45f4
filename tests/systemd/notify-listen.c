/* TEST ONLY: the service manager's side of sd_notify(3) for the systemd
 * suite. Binds a datagram socket at PATH (what NOTIFY_SOCKET names) and
 * prints every message on a line of its own, with the sender's pid:
 *   pid=1234 READY=1
 * (the assignments of one datagram joined by " | "). With --check-socket
 * CTL it tries, the moment READY=1 arrives, to connect to vpnd's control
 * socket CTL and prints "ready-check: ok" or what failed: READY must
 * not come before vpnd answers there. Runs until killed.
 * Usage: notify-listen PATH [--check-socket CTL] */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		fprintf(stderr, "notify-listen: path too long: %s\n", path);
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static void check_socket(const char *ctl)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || unix_addr(&sa, ctl) < 0) {
		printf("ready-check: cannot make a socket\n");
	} else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("ready-check: connect %s: %s\n", ctl, strerror(errno));
	} else {
		printf("ready-check: ok\n");
	}
	if (fd >= 0)
		close(fd);
}

static pid_t sender(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cr;

			memcpy(&cr, CMSG_DATA(c), sizeof(cr));
			return cr.pid;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *ctl = NULL;
	struct sockaddr_un sa;
	int fd, one = 1;

	if (argc == 4 && !strcmp(argv[2], "--check-socket"))
		ctl = argv[3];
	else if (argc != 2) {
		fprintf(stderr, "usage: notify-listen PATH [--check-socket CTL]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || unix_addr(&sa, argv[1]) < 0)
		return 1;
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		fprintf(stderr, "notify-listen: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	printf("listening\n");
	for (;;) {
		char buf[4097], cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(fd, &mh, 0);
		char *line, *save = NULL;
		const char *sep = "";
		bool ready = false;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "notify-listen: recv: %s\n",
				strerror(errno));
			return 1;
		}
		buf[n] = '\0';
		printf("pid=%ld ", (long)sender(&mh));
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			printf("%s%s", sep, line);
			sep = " | ";
			if (!strcmp(line, "READY=1"))
				ready = true;
		}
		printf("\n");
		if (ready && ctl)
			check_socket(ctl);
	}
}
