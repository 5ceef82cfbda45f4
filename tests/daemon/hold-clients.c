/* hold-clients SOCKET COUNT SECONDS: opens COUNT connections to a UNIX
 * stream socket, sends nothing, holds them SECONDS, and prints
 * "connected=N waiting=M" (waiting: the backlog was full). A local user
 * doing this must not make vpnd spin or starve its other descriptors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long count, secs, i, connected = 0, waiting = 0;
	int *fds;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: hold-clients SOCKET COUNT SECONDS\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	count = strtol(argv[2], NULL, 10);
	secs = strtol(argv[3], NULL, 10);
	if (count <= 0 || count > 100000 || secs < 0 || secs > 3600)
		return 2;
	fds = calloc((size_t)count, sizeof(*fds));
	if (!fds)
		return 1;
	for (i = 0; i < count; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0) {
			fprintf(stderr, "socket: %s\n", strerror(errno));
			return 1;
		}
		if (connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			connected++;
			continue;
		}
		if (errno != EAGAIN) {
			fprintf(stderr, "connect: %s\n", strerror(errno));
			return 1;
		}
		close(fds[i]);
		fds[i] = -1;
		waiting++;
	}
	printf("connected=%ld waiting=%ld\n", connected, waiting);
	fflush(stdout);
	sleep((unsigned)secs);
	for (i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return 0;
}
