/* Reading a password: the terminal's echo is off while it is typed and
 * back on even when the read fails; every copy is wiped by the caller
 * (OPENSSL_cleanse is not linked here: explicit_bzero is glibc's). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "askpass.h"

/* One line from fd, byte by byte so nothing after it is consumed. */
static int read_line(int fd, char *buf)
{
	size_t n = 0;
	char ch;

	for (;;) {
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (ch == '\n')
			break;
		if (n == ASKPASS_MAX) {
			explicit_bzero(buf, ASKPASS_MAX + 1);
			fprintf(stderr, "vpnctl: the password is longer than %d bytes\n",
				ASKPASS_MAX);
			return -1;
		}
		buf[n++] = ch;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (!n) {
		fprintf(stderr, "vpnctl: no password given\n");
		return -1;
	}
	return (int)n;
}

static int read_from_tty(const char *prompt, char *buf)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	bool echo_off = false;
	int n;

	if (fd < 0) {
		fprintf(stderr, "vpnctl: no terminal to ask for the password on (%s); use --password-stdin or eap 'password-file'\n",
			strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the prompt is a courtesy; the read still works */
	}
	n = read_line(fd, buf);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* as above */
	}
	close(fd);
	return n;
}

int askpass_read(const char *prompt, bool from_stdin, char *buf)
{
	if (from_stdin)
		return read_line(STDIN_FILENO, buf);
	return read_from_tty(prompt, buf);
}

void askpass_hex(const char *pw, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[(unsigned char)pw[i] >> 4];
		out[2 * i + 1] = digits[(unsigned char)pw[i] & 15];
	}
	out[2 * len] = '\0';
}
