/* vpnctl: talks to vpnd over its control socket; see vpnctl(8).
 * Exit status: 0 OK, 1 ERROR, 2 usage, 3 vpnd unreachable, 4 the IKE SA
 * is up but no tunnel works (NOTUNNEL), 5 --timeout expired first.
 * connect and disconnect follow vpnd until it reports the outcome: vpnd
 * owns the timeouts (retransmissions, failover), vpnctl only shows
 * them. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "askpass.h"
#include "config.h"
#include "vpnd/profile.h"

#define EXIT_OK 0
#define EXIT_ERROR 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define EXIT_NO_TUNNEL 4
#define EXIT_TIMEOUT 5

/* Internal: vpnd answered PASSWORD; never an exit status. */
#define NEEDS_PASSWORD 64

#define REQUEST_MAX 4096 /* vpnd's CTL_LINE_MAX */
#define REPLY_LINE_MAX 65536
#define QUICK_TIMEOUT_S 30 /* status, list, reload, rekey: answered at once */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vpnctl [-s SOCKET] [-t SECONDS] COMMAND\n"
		"Commands:\n"
		"  connect NAME      bring a profile up, showing progress\n"
		"  disconnect NAME   take a profile down\n"
		"  rekey NAME [child|ike]\n"
		"                    rekey the Child SA (default) or the IKE SA now\n"
		"  status [NAME]     show one connection, or all active ones\n"
		"  watch NAME        follow a connection live: progress, changes\n"
		"                    of state and of the path, until interrupted\n"
		"  monitor           follow every connection live, until interrupted\n"
		"  list              list profiles with state and gateway, and the\n"
		"                    files that did not load\n"
		"  reload            re-read the profile directory\n"
		"  check FILE...     validate profile files (no daemon needed)\n"
		"Options:\n"
		"  -s, --socket PATH   control socket (default %s)\n"
		"  -t, --timeout SEC   stop waiting after SEC seconds; a connect or\n"
		"                      disconnect goes on in vpnd (default: wait\n"
		"                      for its outcome; %d s for the others)\n"
		"      --password-stdin  connect: read the EAP password vpnd asks\n"
		"                      for from stdin (default: the terminal)\n"
		"  -j, --json          status, list: one JSON document; monitor:\n"
		"                      one JSON object per line (see vpnctl(8))\n"
		"  -h, --help          print this help\n"
		"      --version       print the version\n",
		VPND_CONTROL_SOCKET, QUICK_TIMEOUT_S);
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vpnctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vpnctl --help'.\n");
	return EXIT_USAGE;
}

static int check_files(int n, char **files)
{
	int i, rc = EXIT_OK;

	for (i = 0; i < n; i++) {
		struct profile *p = calloc(1, sizeof(*p));
		struct verr e = { "" };

		if (!p) {
			fprintf(stderr, "vpnctl: out of memory\n");
			return EXIT_ERROR;
		}
		if (profile_load(files[i], p, &e) < 0) {
			fprintf(stderr, "%s\n", e.msg[0] ? e.msg : files[i]);
			rc = EXIT_ERROR;
		} else {
			printf("%s: ok (name %s, %zu gateway%s)\n", files[i],
			       p->name, p->n_gateways,
			       p->n_gateways == 1 ? "" : "s");
		}
		profile_free(p);
		free(p);
	}
	return rc;
}

static int connect_daemon(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct reply {
	char line[REPLY_LINE_MAX];
	size_t len;
	bool overflow;
	bool stamped;           /* watch: each line with its time of day */
	bool json;              /* lines as vpnd sent them, no OK text */
};

/* vpnd's PASSWORD line, shown when no password can be asked for. */
static char password_why[512];

/* Handles one complete answer line; returns an exit status when the
 * line was the final one, -1 otherwise. */
static int handle_line(const struct reply *r, const char *line)
{
	const char *text;

	if (r->json && (!strncmp(line, "- ", 2) || !strncmp(line, ". ", 2))) {
		/* JSON already: its own time in monitor's objects */
		printf("%s\n", line + 2);
		fflush(stdout);
		return -1;
	}
	if (r->json && !strcmp(line, "OK"))
		return EXIT_OK;
	if (!strncmp(line, "- ", 2) || !strcmp(line, "-")) {
		if (r->stamped) {
			char when[16];
			time_t now = time(NULL);
			struct tm tm;

			localtime_r(&now, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			printf("%s %s\n", when, line + (line[1] ? 2 : 1));
		} else {
			printf("  %s\n", line + (line[1] ? 2 : 1));
		}
		fflush(stdout);
		return -1;
	}
	if (!strncmp(line, ". ", 2) || !strcmp(line, ".")) {
		printf("%s\n", line + (line[1] ? 2 : 1));
		return -1;
	}
	if (!strncmp(line, "OK", 2) && (!line[2] || line[2] == ' ')) {
		text = line + 2 + (line[2] == ' ');
		if (*text)
			printf("%s\n", text);
		return EXIT_OK;
	}
	if (!strncmp(line, "NOTUNNEL", 8) && (!line[8] || line[8] == ' ')) {
		/* The IKE SA is up, but nothing flows: not a success. */
		text = line + 8 + (line[8] == ' ');
		fprintf(stderr, "vpnctl: %s\n",
			*text ? text : "IKE SA up, but no tunnel");
		return EXIT_NO_TUNNEL;
	}
	if (!strncmp(line, "PASSWORD", 8) && (!line[8] || line[8] == ' ')) {
		/* vpnd wants the EAP password: the caller asks for it */
		snprintf(password_why, sizeof(password_why), "%s",
			 line + 8 + (line[8] == ' '));
		return NEEDS_PASSWORD;
	}
	if (!strncmp(line, "ERROR", 5) && (!line[5] || strchr(" :", line[5]))) {
		text = line + 5;
		text += strspn(text, ": ");
		fprintf(stderr, "vpnctl: %s\n", *text ? text : "request failed");
		return EXIT_ERROR;
	}
	fprintf(stderr, "vpnctl: unexpected answer from vpnd: %.200s\n", line);
	return -1;
}

/* Feeds received bytes through the line splitter. */
static int feed(struct reply *r, const char *p, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (r->len + 1 < sizeof(r->line))
				r->line[r->len++] = p[i];
			else
				r->overflow = true;
			continue;
		}
		r->line[r->len] = '\0';
		rc = r->overflow ? -1 : handle_line(r, r->line);
		r->len = 0;
		r->overflow = false;
		if (rc >= 0)
			return rc;
	}
	return -1;
}

/* Set by -j/--json. */
static bool json_output;

/* Commands that run until interrupted (or --timeout): a live view. */
static bool is_live(const char *cmd)
{
	return !strcmp(cmd, "watch") || !strcmp(cmd, "monitor");
}

/* timeout_s 0: until vpnd answers or closes the connection. */
static int read_answer(int fd, int timeout_s, const char *cmd,
		       const char *name)
{
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	struct reply *r = calloc(1, sizeof(*r));
	char buf[4096];
	int rc = -1;

	if (!r) {
		fprintf(stderr, "vpnctl: out of memory\n");
		return EXIT_ERROR;
	}
	r->json = json_output;
	r->stamped = is_live(cmd) && !r->json;
	while (rc < 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = timeout_s ? deadline - now_ms() : -1;
		ssize_t n;
		int pr;

		if (timeout_s && left <= 0 && is_live(cmd)) {
			rc = EXIT_OK; /* watched for as long as asked */
			break;
		}
		if (timeout_s && left <= 0) {
			if (name)
				fprintf(stderr, "vpnctl: stopped waiting after %d s; the %s goes on in vpnd (see 'vpnctl status %s')\n",
					timeout_s, cmd, name);
			else
				fprintf(stderr, "vpnctl: no answer from vpnd within %d s\n",
					timeout_s);
			rc = EXIT_TIMEOUT;
			break;
		}
		pr = poll(&pfd, 1, left < 0 ? -1 :
				   left > 1000000 ? 1000000 : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "vpnctl: vpnd closed the connection without an answer\n");
			rc = EXIT_ERROR;
			break;
		}
		rc = feed(r, buf, (size_t)n);
	}
	free(r);
	return rc;
}

static bool valid_word(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!*p)
		return false;
	for (; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* Checks the command line; returns 0 or EXIT_USAGE. */
static int check_command(int argc, char **argv)
{
	const char *cmd = argv[0];
	int min, max, i;

	if (!strcmp(cmd, "connect") || !strcmp(cmd, "disconnect") ||
	    !strcmp(cmd, "watch"))
		min = max = 1;
	else if (!strcmp(cmd, "rekey"))
		min = 1, max = 2;
	else if (!strcmp(cmd, "status"))
		min = 0, max = 1;
	else if (!strcmp(cmd, "list") || !strcmp(cmd, "reload") ||
		 !strcmp(cmd, "monitor"))
		min = max = 0;
	else
		return usage_error("unknown command '%s'", cmd);
	if (json_output && strcmp(cmd, "status") && strcmp(cmd, "list") &&
	    strcmp(cmd, "monitor"))
		return usage_error("--json is for status, list and monitor, not '%s'",
				   cmd);
	if (argc - 1 < min)
		return usage_error("'%s' needs a profile name", cmd);
	if (argc - 1 > max)
		return usage_error("too many arguments for '%s'", cmd);
	if (!strcmp(cmd, "rekey") && argc == 3 && strcmp(argv[2], "child") &&
	    strcmp(argv[2], "ike"))
		return usage_error("rekey: '%s' is neither 'child' nor 'ike'", argv[2]);
	if (!strcmp(cmd, "rekey"))
		argc = 2; /* only the first word is a profile name */
	for (i = 1; i < argc; i++)
		if (!valid_word(argv[i]) || strlen(argv[i]) > PROFILE_NAME_MAX)
			return usage_error("invalid profile name '%s'", argv[i]);
	return 0;
}

/* Operations whose outcome takes the gateway's time: vpnctl waits as
 * long as vpnd works on them. */
static bool follows_daemon(const char *cmd)
{
	return !strcmp(cmd, "connect") || !strcmp(cmd, "disconnect") ||
	       is_live(cmd);
}

/* One request line (newline included) and its answer. */
static int send_request(const char *sock, int timeout_s, const char *req,
			int argc, char **argv)
{
	int fd, rc;

	fd = connect_daemon(sock);
	if (fd < 0) {
		fprintf(stderr, "vpnctl: cannot reach vpnd at %s: %s (is vpnd running?)\n",
			sock, strerror(errno));
		return EXIT_UNREACHABLE;
	}
	/* vpnd may answer (e.g. "permission denied") and close before it
	 * took the whole request: the answer is still there to read. */
	if (send_all(fd, req, strlen(req)) < 0 && errno != EPIPE &&
	    errno != ECONNRESET) {
		fprintf(stderr, "vpnctl: cannot send to vpnd at %s: %s\n", sock,
			strerror(errno));
		close(fd);
		return EXIT_UNREACHABLE;
	}
	rc = read_answer(fd, timeout_s, argv[0],
			 follows_daemon(argv[0]) && argc > 1 ? argv[1] : NULL);
	close(fd);
	return rc;
}

/* connect again, with the password the user types (or stdin holds). */
static int connect_with_password(const char *sock, int timeout_s,
				 bool from_stdin, char **argv)
{
	static char pw[ASKPASS_MAX + 1], hex[2 * ASKPASS_MAX + 1],
		req[REQUEST_MAX + 2];
	char prompt[PROFILE_NAME_MAX + 32];
	int n, rc;

	snprintf(prompt, sizeof(prompt), "Password for %s: ", argv[1]);
	n = askpass_read(prompt, from_stdin, pw);
	if (n < 0) {
		fprintf(stderr, "vpnctl: %s\n", password_why);
		return EXIT_ERROR;
	}
	askpass_hex(pw, (size_t)n, hex);
	explicit_bzero(pw, sizeof(pw));
	snprintf(req, sizeof(req), "connect %s password %s\n", argv[1], hex);
	explicit_bzero(hex, sizeof(hex));
	rc = send_request(sock, timeout_s, req, 2, argv);
	explicit_bzero(req, sizeof(req));
	if (rc == NEEDS_PASSWORD) {
		fprintf(stderr, "vpnctl: %s\n", password_why);
		rc = EXIT_ERROR;
	}
	return rc;
}

static int run_request(const char *sock, int timeout_s, bool password_stdin,
		       int argc, char **argv)
{
	char req[REQUEST_MAX + 2];
	size_t off = 0;
	int rc, i;

	/* check_command bounded the words (at most three, each a short
	 * name), so the line fits. */
	if (json_output)
		off = (size_t)snprintf(req, sizeof(req), "json ");
	for (i = 0; i < argc; i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off, "%s%s",
					i ? " " : "", argv[i]);
	snprintf(req + off, sizeof(req) - off, "\n");
	rc = send_request(sock, timeout_s, req, argc, argv);
	if (rc == NEEDS_PASSWORD)
		rc = connect_with_password(sock, timeout_s, password_stdin,
					   argv);
	return rc;
}

/* "vpnctl status office --json": the flag may follow the command too;
 * a profile named "-j" or "--json" comes after "--". Returns the new
 * argc. */
static int take_json_flag(int argc, char **argv)
{
	int i, o = 1;

	if (argc < 1 || !strcmp(argv[0], "check"))
		return argc;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (++i < argc)
				argv[o++] = argv[i];
			break;
		}
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			json_output = true;
		else
			argv[o++] = argv[i];
	}
	argv[o] = NULL;
	return o;
}

static int parse_timeout(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 86400)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 256 };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = VPND_CONTROL_SOCKET;
	int timeout_s = 0, ch, rc;
	bool password_stdin = false;

	/* "+": options end at the command, so a profile name may start
	 * with '-' only after "--"; check's files likewise. */
	while ((ch = getopt_long(argc, argv, "+s:t:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 't':
			if (parse_timeout(optarg, &timeout_s) < 0)
				return usage_error("invalid timeout '%s' (seconds, 1-86400)",
						   optarg);
			break;
		case 'P':
			password_stdin = true;
			break;
		case 'j':
			json_output = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case OPT_VERSION:
			printf("vpnctl %s\n", VPND_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'vpnctl --help'.\n");
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	argc = take_json_flag(argc, argv);
	if (argc < 1)
		return usage_error("%s", "no command given");
	if (!strcmp(argv[0], "check")) {
		if (argc < 2)
			return usage_error("%s", "'check' needs at least one file");
		return check_files(argc - 1, argv + 1);
	}
	rc = check_command(argc, argv);
	if (rc)
		return rc;
	if (!timeout_s && !follows_daemon(argv[0]))
		timeout_s = QUICK_TIMEOUT_S;
	signal(SIGPIPE, SIG_IGN);
	return run_request(sock, timeout_s, password_stdin, argc, argv);
}
