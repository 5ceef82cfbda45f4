/* TEST ONLY: what systemd does for StandardError=journal, so that the
 * systemd suite can run vpnd with its stderr on the journal's stream:
 * connects to journald's stdout socket (sd_journal_stream_fd(3)), makes
 * that stdout and stderr, sets JOURNAL_STREAM to its "DEVICE:INODE" as
 * systemd.exec(5) describes, and executes the program.
 * --no-env leaves JOURNAL_STREAM unset (stderr is still the stream).
 * Usage: journal-exec [--no-env] PROGRAM [ARGS...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

int main(int argc, char **argv)
{
	int first = 1, fd;
	struct stat st;
	char v[64];

	if (argc > 1 && !strcmp(argv[1], "--no-env"))
		first = 2;
	if (argc <= first) {
		fprintf(stderr, "usage: journal-exec [--no-env] PROGRAM [ARGS...]\n");
		return 2;
	}
	fd = sd_journal_stream_fd("vpnd", LOG_INFO, 0);
	if (fd < 0) {
		fprintf(stderr, "journal-exec: sd_journal_stream_fd: %s\n",
			strerror(-fd));
		return 1;
	}
	if (fstat(fd, &st) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0)
		return 1;
	close(fd);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	if (first == 1)
		setenv("JOURNAL_STREAM", v, 1);
	else
		unsetenv("JOURNAL_STREAM");
	execv(argv[first], argv + first);
	perror("journal-exec: execv");
	return 127;
}
