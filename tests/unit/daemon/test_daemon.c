/* Control protocol end to end: the server runs on its own loop in a
 * thread, with the fake engine (fake_conn.c) and in-memory profiles;
 * the test talks to it over the real UNIX socket, and runs the built
 * vpnctl (path in $VPNCTL) against it. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "vpnd/log.h"
#include "vpnd/loop.h"

#include "conns.h"
#include "control.h"
#include "fake_conn.h"

/* ---- in-memory profiles ---- */

struct fake_profile {
	const char *name;
	const char *gateway;
};

static struct fake_profile fake_profiles[8];
static size_t n_fake_profiles;
static int fake_load_fail;

static void set_profiles(const struct fake_profile *v, size_t n)
{
	memcpy(fake_profiles, v, n * sizeof(*v));
	n_fake_profiles = n;
}

static int fake_load_dir(const char *dir, struct profile **out, size_t *n,
			 profile_file_err_fn on_err, void *ctx)
{
	struct profile *arr;
	size_t i;

	if (fake_load_fail) {
		errno = ENOENT;
		return -1;
	}
	arr = calloc(n_fake_profiles + 1, sizeof(*arr));
	if (!arr)
		return -1;
	for (i = 0; i < n_fake_profiles; i++) {
		snprintf(arr[i].name, sizeof(arr[i].name), "%s",
			 fake_profiles[i].name);
		snprintf(arr[i].path, sizeof(arr[i].path), "%s/%s.yaml", dir,
			 fake_profiles[i].name);
		snprintf(arr[i].gateways[0], sizeof(arr[i].gateways[0]), "%s",
			 fake_profiles[i].gateway);
		arr[i].n_gateways = 1;
	}
	if (on_err)
		on_err(ctx, "/fake/profiles/bad.yaml",
		       "/fake/profiles/bad.yaml:3:1: fake error");
	*out = arr;
	*n = n_fake_profiles;
	return 0;
}

static void fake_free_one(struct profile *p)
{
	memset(p, 0, sizeof(*p));
}

static const struct profile_source fake_source = {
	.load_dir = fake_load_dir,
	.free_one = fake_free_one,
};

static const struct fake_profile default_profiles[] = {
	{ "alpha", "192.0.2.1" },
	{ "beta", "gw.example.com" },
	{ "fail1", "192.0.2.66" },
	{ "slow1", "192.0.2.7" },
	{ "hang1", "192.0.2.8" },
	{ "nt1", "192.0.2.9" },
};

/* ---- server thread ---- */

static char tmpdir[64];
static char sock_path[128];

struct server {
	struct loop *l;
	struct conns *t;
	struct ctl_server *ctl;
	struct engine *eng;
	int stop_fd;
	pthread_t thread;
};

static struct server srv;

static void on_stop(void *ctx, int fd, uint32_t events)
{
	loop_stop(srv.l);
}

static void *server_main(void *arg)
{
	loop_run(srv.l);
	return NULL;
}

static int start_server(const char *group)
{
	struct verr e = { "" };

	set_profiles(default_profiles,
		     sizeof(default_profiles) / sizeof(default_profiles[0]));
	memset(&srv, 0, sizeof(srv));
	srv.l = loop_new();
	srv.eng = fake_engine_new(srv.l);
	srv.t = conns_new(srv.l, srv.eng, "/fake/profiles", &fake_source);
	if (conns_reload(srv.t, NULL, NULL, &e) < 0)
		return -1;
	srv.ctl = ctl_open(srv.l, srv.t, sock_path, group, &e);
	if (!srv.ctl) {
		fprintf(stderr, "ctl_open: %s\n", e.msg);
		return -1;
	}
	srv.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	loop_add_fd(srv.l, srv.stop_fd, EPOLLIN, on_stop, NULL);
	return pthread_create(&srv.thread, NULL, server_main, NULL);
}

static void stop_server(void)
{
	uint64_t one = 1;

	if (write(srv.stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	pthread_join(srv.thread, NULL);
	ctl_close(srv.ctl);
	conns_free(srv.t);
	fake_engine_free(srv.eng);
	loop_del_fd(srv.l, srv.stop_fd);
	close(srv.stop_fd);
	loop_free(srv.l);
}

/* ---- client side ---- */

static int client_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void read_all(int fd, char *out, size_t outsz)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < outsz &&
	       (n = read(fd, out + len, outsz - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
}

/* Sends raw bytes as one request and returns the whole answer. */
static void request_raw(const char *req, size_t len, char *out, size_t outsz)
{
	int fd = client_connect();

	out[0] = '\0';
	if (fd < 0)
		return;
	if (write(fd, req, len) != (ssize_t)len) {
		close(fd);
		return;
	}
	read_all(fd, out, outsz);
	close(fd);
}

static char answer[8192];

static const char *request(const char *line)
{
	char req[1100];

	snprintf(req, sizeof(req), "%s\n", line);
	request_raw(req, strlen(req), answer, sizeof(answer));
	return answer;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Polls list until NAME shows STATE (the engine works asynchronously). */
static int wait_state(const char *name, const char *state)
{
	char want[128];
	int i;

	for (i = 0; i < 200; i++) {
		const char *a = request("list");
		const char *p = strstr(a, name);

		snprintf(want, sizeof(want), "%s", state);
		if (p && !strncmp(p + strlen(name) + strspn(p + strlen(name), " "),
				  want, strlen(want)))
			return 0;
		sleep_ms(10);
	}
	return -1;
}

/* ---- protocol tests ---- */

static void test_list(void)
{
	CU_ASSERT_STRING_EQUAL(request("list"),
			       ". alpha  idle         192.0.2.1\n"
			       ". beta   idle         gw.example.com\n"
			       ". fail1  idle         192.0.2.66\n"
			       ". hang1  idle         192.0.2.8\n"
			       ". nt1    idle         192.0.2.9\n"
			       ". slow1  idle         192.0.2.7\n"
			       ". bad    invalid      /fake/profiles/bad.yaml:3:1: fake error\n"
			       "OK 6 profiles, 1 file did not load\n");
}

static void test_connect_disconnect(void)
{
	CU_ASSERT_STRING_EQUAL(request("connect alpha"),
			       "- resolving gateway (fake)\n"
			       "- sending IKE_SA_INIT (fake)\n"
			       "OK alpha is up: fake SA established\n");
	CU_ASSERT_STRING_EQUAL(request("connect alpha"),
			       "OK alpha is already up\n");
	/* the status text names the connection; the final line adds
	 * nothing (the name was there twice) */
	CU_ASSERT_STRING_EQUAL(request("status alpha"),
			       ". state: established\n"
			       ". gateway: 192.0.2.1\n"
			       "OK\n");
	CU_ASSERT_STRING_EQUAL(request("status"),
			       ". state: established\n"
			       ". gateway: 192.0.2.1\n"
			       "OK 6 profiles, 1 active\n");
	CU_ASSERT_STRING_EQUAL(request("rekey alpha"),
			       "OK alpha: rekeying the Child SA (see 'vpnctl status alpha')\n");
	CU_ASSERT_STRING_EQUAL(request("rekey alpha child"),
			       "OK alpha: rekeying the Child SA (see 'vpnctl status alpha')\n");
	fake_conn_ike_rekeys = 0;
	CU_ASSERT_STRING_EQUAL(request("rekey alpha ike"),
			       "OK alpha: rekeying the IKE SA (see 'vpnctl status alpha')\n");
	CU_ASSERT_EQUAL(fake_conn_ike_rekeys, 1);
	CU_ASSERT_STRING_EQUAL(request("rekey alpha both"),
			       "ERROR rekey: 'both' is neither 'child' nor 'ike'\n");
	CU_ASSERT_EQUAL(fake_conn_ike_rekeys, 1);
	CU_ASSERT_STRING_EQUAL(request("rekey"),
			       "ERROR usage: rekey NAME [child|ike]\n");
	fake_conn_forgets = 0;
	CU_ASSERT_STRING_EQUAL(request("disconnect alpha"),
			       "OK alpha is down\n");
	/* the user ended the session: no resuming it later */
	CU_ASSERT_EQUAL(fake_conn_forgets, 1);
	CU_ASSERT_STRING_EQUAL(request("disconnect alpha"),
			       "OK alpha is not connected\n");
	CU_ASSERT_STRING_EQUAL(request("status"), "OK 6 profiles, 0 active\n");
	CU_ASSERT_STRING_EQUAL(request("rekey alpha"),
			       "ERROR alpha has no Child SA to rekey\n");
	CU_ASSERT_STRING_EQUAL(request("rekey alpha ike"),
			       "ERROR alpha has no IKE SA to rekey\n");
}

static void test_connect_failure(void)
{
	CU_ASSERT_STRING_EQUAL(request("connect fail1"),
			       "- resolving gateway (fake)\n"
			       "- sending IKE_SA_INIT (fake)\n"
			       "ERROR fail1: gateway did not answer (fake)\n");
	CU_ASSERT_EQUAL(wait_state("fail1", "failed"), 0);
}

/* An IKE SA without a working tunnel is not "up": its own final line,
 * state and status. */
static void test_no_tunnel(void)
{
	CU_ASSERT_STRING_EQUAL(request("connect nt1"),
			       "- resolving gateway (fake)\n"
			       "- sending IKE_SA_INIT (fake)\n"
			       "NOTUNNEL nt1 is established, no tunnel: "
			       FAKE_NO_TUNNEL_WHY "\n");
	CU_ASSERT_STRING_EQUAL(request("connect nt1"),
			       "NOTUNNEL nt1 is already established, no tunnel: "
			       FAKE_NO_TUNNEL_WHY "\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(request("list"),
				      ". nt1    no-tunnel    192.0.2.9\n"));
	CU_ASSERT_STRING_EQUAL(request("status nt1"),
			       ". state: no-tunnel\n"
			       ". gateway: 192.0.2.9\n"
			       "OK\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(request("status"),
				      "OK 6 profiles, 1 active\n"));
	CU_ASSERT_STRING_EQUAL(request("disconnect nt1"), "OK nt1 is down\n");
}

/* A connect while the connection is closing waits for the close and
 * then connects; a disconnect cancels such a connect. */
static void test_connect_while_closing(void)
{
	char first[256];
	int fd, fd2, starts;
	ssize_t n;

	CU_ASSERT_PTR_NOT_NULL(strstr(request("connect slow1"),
				      "OK slow1 is up"));
	fd = client_connect();
	CU_ASSERT_FATAL(fd >= 0);
	/* the closing lasts until the connect has met it */
	atomic_store(&fake_hold_closing, 1);
	CU_ASSERT_EQUAL(write(fd, "disconnect slow1\n", 17), 17);
	CU_ASSERT_EQUAL_FATAL(wait_state("slow1", "closing"), 0);
	starts = fake_conn_connects;
	fd2 = client_connect();
	CU_ASSERT_FATAL(fd2 >= 0);
	CU_ASSERT_EQUAL(write(fd2, "connect slow1\n", 14), 14);
	n = read(fd2, first, sizeof(first) - 1);
	CU_ASSERT_FATAL(n > 0);
	first[n] = '\0';
	atomic_store(&fake_hold_closing, 0);
	read_all(fd2, answer + strlen(first), sizeof(answer) - strlen(first));
	memcpy(answer, first, strlen(first));
	close(fd2);
	CU_ASSERT_STRING_EQUAL(answer,
			       "- slow1 is closing; connecting once it is down\n"
			       "- resolving gateway (fake)\n"
			       "- sending IKE_SA_INIT (fake)\n"
			       "OK slow1 is up: fake SA established\n");
	CU_ASSERT_EQUAL(fake_conn_connects, starts + 1);
	read_all(fd, answer, sizeof(answer));
	close(fd);
	CU_ASSERT_STRING_EQUAL(answer, "OK slow1 is down\n");

	/* disconnect, connect, disconnect: the last word wins */
	fd = client_connect();
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "disconnect slow1\n", 17), 17);
	CU_ASSERT_EQUAL_FATAL(wait_state("slow1", "closing"), 0);
	fd2 = client_connect();
	CU_ASSERT_FATAL(fd2 >= 0);
	CU_ASSERT_EQUAL(write(fd2, "connect slow1\n", 14), 14);
	n = read(fd2, first, sizeof(first) - 1);
	CU_ASSERT_FATAL(n > 0);
	first[n] = '\0';
	starts = fake_conn_connects;
	CU_ASSERT_STRING_EQUAL(request("disconnect slow1"), "OK slow1 is down\n");
	read_all(fd2, answer + strlen(first), sizeof(answer) - strlen(first));
	memcpy(answer, first, strlen(first));
	close(fd2);
	CU_ASSERT_STRING_EQUAL(answer,
			       "- slow1 is closing; connecting once it is down\n"
			       "ERROR slow1: connect cancelled by a disconnect\n");
	read_all(fd, answer, sizeof(answer));
	close(fd);
	CU_ASSERT_STRING_EQUAL(answer, "OK slow1 is down\n");
	CU_ASSERT_EQUAL(wait_state("slow1", "idle"), 0);
	CU_ASSERT_EQUAL(fake_conn_connects, starts);
}

static void test_bad_requests(void)
{
	CU_ASSERT_STRING_EQUAL(request("frobnicate alpha"),
			       "ERROR unknown command 'frobnicate'; commands: "
			       "connect NAME [password HEX], disconnect NAME, rekey NAME [child|ike], "
			       "status [NAME], watch NAME, monitor, list, reload; "
			       "json status [NAME], json list, json monitor\n");
	CU_ASSERT_STRING_EQUAL(request("connect nosuch"),
			       "ERROR unknown profile 'nosuch' (see 'vpnctl list')\n");
	CU_ASSERT_STRING_EQUAL(request("status nosuch"),
			       "ERROR unknown profile 'nosuch' (see 'vpnctl list')\n");
	CU_ASSERT_STRING_EQUAL(request("connect"),
			       "ERROR usage: connect NAME [password HEX]\n");
	CU_ASSERT_STRING_EQUAL(request("list extra"), "ERROR usage: list\n");
	CU_ASSERT_STRING_EQUAL(request("connect a b c d"),
			       "ERROR too many words in request; commands: "
			       "connect NAME [password HEX], disconnect NAME, rekey NAME [child|ike], "
			       "status [NAME], watch NAME, monitor, list, reload; "
			       "json status [NAME], json list, json monitor\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(request(""), "ERROR empty request"));
	request_raw("list\x01\n", 6, answer, sizeof(answer));
	CU_ASSERT_STRING_EQUAL(answer,
			       "ERROR request is not a line of UTF-8 text\n");
	request_raw("connect \xc3\n", 10, answer, sizeof(answer));
	CU_ASSERT_STRING_EQUAL(answer,
			       "ERROR request is not a line of UTF-8 text\n");
	/* Valid UTF-8 is fine, just not a known profile. */
	CU_ASSERT_STRING_EQUAL(request("connect b\xc3\xa4r"),
			       "ERROR unknown profile 'b\xc3\xa4r' (see 'vpnctl list')\n");
	/* CRLF and an unterminated request after a half-close both work. */
	request_raw("list\r\n", 6, answer, sizeof(answer));
	CU_ASSERT_PTR_NOT_NULL(strstr(answer, "OK 6 profiles, 1 file did not load\n"));
	{
		int fd = client_connect();

		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_EQUAL(write(fd, "list", 4), 4);
		shutdown(fd, SHUT_WR);
		read_all(fd, answer, sizeof(answer));
		close(fd);
		CU_ASSERT_PTR_NOT_NULL(strstr(answer, "OK 6 profiles, 1 file did not load\n"));
	}
}

static void test_line_length(void)
{
	static char req[6100];

	/* 4096 bytes is the limit: this one is read and rejected as a
	 * command, one byte more is too long. */
	memset(req, 'x', 4096);
	req[4096] = '\n';
	request_raw(req, 4097, answer, sizeof(answer));
	CU_ASSERT_NSTRING_EQUAL(answer, "ERROR unknown command 'xxxx", 27);
	memset(req, 'x', 4097);
	req[4097] = '\n';
	request_raw(req, 4098, answer, sizeof(answer));
	CU_ASSERT_STRING_EQUAL(answer,
			       "ERROR request line too long (at most 4096 bytes)\n");
	memset(req, 'y', 6000);
	req[6000] = '\n';
	request_raw(req, 6001, answer, sizeof(answer));
	CU_ASSERT_STRING_EQUAL(answer,
			       "ERROR request line too long (at most 4096 bytes)\n");
}

/* The connect goes on when its client leaves, and a second client is
 * served while the first one waits. */
static void test_concurrent_and_abandoned(void)
{
	char first[256];
	int fd = client_connect(), starts = fake_conn_connects;
	ssize_t n;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "connect slow1\n", 14), 14);
	n = read(fd, first, sizeof(first) - 1);
	CU_ASSERT_FATAL(n > 0);
	first[n] = '\0';
	CU_ASSERT_NSTRING_EQUAL(first, "- resolving gateway (fake)\n", 27);
	CU_ASSERT_PTR_NOT_NULL(strstr(request("list"),
				      ". slow1  connecting   192.0.2.7\n"));
	/* A second connect follows the running attempt. */
	CU_ASSERT_STRING_EQUAL(request("connect slow1"),
			       "- sending IKE_SA_INIT (fake)\n"
			       "OK slow1 is up: fake SA established\n");
	CU_ASSERT_EQUAL(fake_conn_connects, starts + 1);
	close(fd);

	fd = client_connect();
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "disconnect slow1\n", 17), 17);
	close(fd);
	CU_ASSERT_EQUAL(wait_state("slow1", "idle"), 0);

	fd = client_connect();
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "connect slow1\n", 14), 14);
	close(fd);
	CU_ASSERT_EQUAL(wait_state("slow1", "connecting"), 0);
	CU_ASSERT_EQUAL(wait_state("slow1", "established"), 0);
	CU_ASSERT_STRING_EQUAL(request("disconnect slow1"),
			       "OK slow1 is down\n");
}

/* Reads from fd until 'want' shows up (or 5 s pass), into buf. */
static bool read_until(int fd, const char *want, char *buf, size_t size)
{
	size_t len = strlen(buf);
	ssize_t n;

	while (!strstr(buf, want) && len + 1 < size &&
	       (n = read(fd, buf + len, size - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
	}
	return strstr(buf, want) != NULL;
}

/* watch: the state at once, then every progress line and change of
 * state of connects and disconnects made by others, never a final
 * line; the watched connection stays free to go down. */
static void test_watch(void)
{
	char seen[4096] = "";
	int fd = client_connect();

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "watch alpha\n", 12), 12);
	CU_ASSERT_TRUE(read_until(fd, "- alpha: idle\n", seen, sizeof(seen)));
	CU_ASSERT_STRING_EQUAL(request("connect alpha"),
			       "- resolving gateway (fake)\n"
			       "- sending IKE_SA_INIT (fake)\n"
			       "OK alpha is up: fake SA established\n");
	CU_ASSERT_TRUE(read_until(fd, "- alpha is up: fake SA established\n",
				  seen, sizeof(seen)));
	CU_ASSERT_PTR_NOT_NULL(strstr(seen, "- sending IKE_SA_INIT (fake)\n"));
	CU_ASSERT_STRING_EQUAL(request("disconnect alpha"),
			       "OK alpha is down\n");
	CU_ASSERT_TRUE(read_until(fd, "- alpha went down", seen, sizeof(seen)));
	CU_ASSERT_PTR_NULL(strstr(seen, "\nOK"));
	close(fd);
	CU_ASSERT_STRING_EQUAL(request("watch nosuch"),
			       "ERROR unknown profile 'nosuch' (see 'vpnctl list')\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(request("watch"), "usage: watch NAME"));
}

static void test_reload(void)
{
	static const struct fake_profile next[] = {
		{ "alpha", "198.51.100.1" },
		{ "delta", "198.51.100.4" },
	};

	CU_ASSERT_PTR_NOT_NULL(strstr(request("connect alpha"), "OK alpha is up"));
	set_profiles(next, 2);
	CU_ASSERT_STRING_EQUAL(request("reload"),
			       ". /fake/profiles/bad.yaml:3:1: fake error\n"
			       "OK reloaded, 2 profiles\n");
	/* alpha is up: it keeps its old profile until it is down. */
	CU_ASSERT_STRING_EQUAL(request("list"),
			       ". alpha  established  192.0.2.1\n"
			       ". delta  idle         198.51.100.4\n"
			       ". bad    invalid      /fake/profiles/bad.yaml:3:1: fake error\n"
			       "OK 2 profiles, 1 file did not load\n");
	CU_ASSERT_STRING_EQUAL(request("disconnect alpha"), "OK alpha is down\n");
	sleep_ms(50);
	CU_ASSERT_STRING_EQUAL(request("list"),
			       ". alpha  idle         198.51.100.1\n"
			       ". delta  idle         198.51.100.4\n"
			       ". bad    invalid      /fake/profiles/bad.yaml:3:1: fake error\n"
			       "OK 2 profiles, 1 file did not load\n");
	fake_load_fail = 1;
	CU_ASSERT_STRING_EQUAL(request("reload"),
			       "ERROR cannot read profile directory /fake/profiles: "
			       "No such file or directory\n");
	fake_load_fail = 0;
	CU_ASSERT_PTR_NOT_NULL(strstr(request("list"), "OK 2 profiles, 1 file did not load\n"));

	/* A removed profile that is up stays listed until it is down. */
	CU_ASSERT_PTR_NOT_NULL(strstr(request("connect delta"), "OK delta is up"));
	set_profiles(next, 1);
	CU_ASSERT_STRING_EQUAL(request("reload"),
			       ". /fake/profiles/bad.yaml:3:1: fake error\n"
			       "OK reloaded, 1 profile\n");
	CU_ASSERT_STRING_EQUAL(request("list"),
			       ". alpha  idle         198.51.100.1\n"
			       ". delta  established  198.51.100.4  (profile removed)\n"
			       ". bad    invalid      /fake/profiles/bad.yaml:3:1: fake error\n"
			       "OK 2 profiles, 1 file did not load\n");
	CU_ASSERT_STRING_EQUAL(request("disconnect delta"), "OK delta is down\n");
	sleep_ms(50);
	CU_ASSERT_STRING_EQUAL(request("list"),
			       ". alpha  idle         198.51.100.1\n"
			       ". bad    invalid      /fake/profiles/bad.yaml:3:1: fake error\n"
			       "OK 1 profile, 1 file did not load\n");
}

static char vout[8192], verr_text[8192];
static bool vpnctl_as_nobody;
static int vpnctl(const char *const *args);

/* ---- socket file ---- */

static void test_socket_mode(void)
{
	struct stat st;
	char dir[128];

	CU_ASSERT_FATAL(stat(sock_path, &st) == 0);
	CU_ASSERT(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(st.st_uid, geteuid());
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	CU_ASSERT_FATAL(stat(dir, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0755);
}

static void test_second_server_refused(void)
{
	struct loop *l = loop_new();
	struct engine *eng = fake_engine_new(l);
	struct conns *t = conns_new(l, eng, "/fake", &fake_source);
	struct verr e = { "" };

	CU_ASSERT_PTR_NULL(ctl_open(l, t, sock_path, NULL, &e));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "another vpnd is already listening"));
	conns_free(t);
	fake_engine_free(eng);
	loop_free(l);
	/* The running server still answers. */
	CU_ASSERT_PTR_NOT_NULL(strstr(request("list"), "OK 6 profiles, 1 file did not load\n"));
}

static void test_stale_and_foreign_files(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct loop *l = loop_new();
	struct engine *eng = fake_engine_new(l);
	struct conns *t = conns_new(l, eng, "/fake", &fake_source);
	struct ctl_server *s;
	struct verr e = { "" };
	char path[128];
	int fd;

	/* A bound socket nobody listens on: what a crash leaves behind. */
	snprintf(path, sizeof(path), "%s/stale.sock", tmpdir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	s = ctl_open(l, t, path, NULL, &e);
	CU_ASSERT_PTR_NOT_NULL(s);
	ctl_close(s);
	CU_ASSERT(access(path, F_OK) < 0 && errno == ENOENT);

	/* A regular file is never replaced. */
	snprintf(path, sizeof(path), "%s/plain", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CU_ASSERT_PTR_NULL(ctl_open(l, t, path, NULL, &e));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "is not a socket"));
	CU_ASSERT(access(path, F_OK) == 0);
	unlink(path);

	CU_ASSERT_PTR_NULL(ctl_open(l, t, sock_path, "no-such-group-xyz", &e));
	CU_ASSERT_STRING_EQUAL(e.msg, "unknown group 'no-such-group-xyz'");
	conns_free(t);
	fake_engine_free(eng);
	loop_free(l);
}

static const char *test_group(gid_t *gid)
{
	static const char *const names[] = { "daemon", "nogroup", "users" };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct group *g = getgrnam(names[i]);

		if (g && g->gr_gid != getegid()) {
			*gid = g->gr_gid;
			return names[i];
		}
	}
	return NULL;
}

/* Runs "list" as uid/gid 65534 with the given supplementary groups and
 * returns 1 if allowed, 0 if refused, -1 on a test failure. */
static int list_as_nobody(const gid_t *groups, size_t n)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		char buf[4096];
		int fd;

		signal(SIGPIPE, SIG_IGN);
		if (setgroups(n, groups) < 0 || setgid(65534) < 0 ||
		    setuid(65534) < 0)
			_exit(10);
		fd = client_connect();
		if (fd < 0)
			_exit(11);
		if (write(fd, "list\n", 5) != 5 && errno != EPIPE)
			_exit(12);
		read_all(fd, buf, sizeof(buf));
		if (!strncmp(buf, "ERROR permission denied", 23))
			_exit(0);
		_exit(strstr(buf, "OK 6 profiles, 1 file did not load\n") ? 1 : 13);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status) > 1)
		fprintf(stderr, "child failed with %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status) > 1 ? -1 : WEXITSTATUS(status);
}

static void test_group_socket(void)
{
	gid_t gid = 0;
	const char *group = test_group(&gid);
	struct stat st;

	if (geteuid() != 0 || !group) {
		fprintf(stderr, "(skipped: needs root and a spare group) ");
		return;
	}
	CU_ASSERT_FATAL(start_server(group) == 0);
	CU_ASSERT_FATAL(stat(sock_path, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
	CU_ASSERT_EQUAL(st.st_gid, gid);
	CU_ASSERT_EQUAL(st.st_uid, 0);

	/* The file mode would stop "nobody" before SO_PEERCRED does: open
	 * it up to see the daemon's own check at work. */
	CU_ASSERT_FATAL(chmod(tmpdir, 0755) == 0);
	CU_ASSERT_FATAL(chmod(sock_path, 0666) == 0);
	CU_ASSERT_EQUAL(list_as_nobody(NULL, 0), 0);
	CU_ASSERT_EQUAL(list_as_nobody(&gid, 1), 1);
	chmod(tmpdir, 0700);
	stop_server();
	CU_ASSERT(access(sock_path, F_OK) < 0);
}

static void test_root_only_socket_refuses_others(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "(skipped: needs root) ");
		return;
	}
	CU_ASSERT_FATAL(chmod(tmpdir, 0755) == 0);
	CU_ASSERT_FATAL(chmod(sock_path, 0666) == 0);
	CU_ASSERT_EQUAL(list_as_nobody(NULL, 0), 0);
	if (getenv("VPNCTL")) {
		vpnctl_as_nobody = true;
		CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "list",
							  NULL }), 1);
		vpnctl_as_nobody = false;
		CU_ASSERT_STRING_EQUAL(verr_text,
				       "vpnctl: permission denied (only root may use vpnd)\n");
		CU_ASSERT_STRING_EQUAL(vout, "");
	}
	chmod(sock_path, 0600);
	chmod(tmpdir, 0700);
}

/* ---- vpnctl ---- */


static void slurp(const char *path, char *out, size_t outsz)
{
	int fd = open(path, O_RDONLY);

	out[0] = '\0';
	if (fd >= 0) {
		read_all(fd, out, outsz);
		close(fd);
	}
}

/* vpnctl's stdin: this file, or /dev/null. */
static const char *vpnctl_stdin;

static char vpnctl_outp[128], vpnctl_errp[128];

/* Starts $VPNCTL with args, its output to files; its pid, or -1. */
static pid_t vpnctl_start(const char *const *args)
{
	const char *bin = getenv("VPNCTL");
	const char *argv[16];
	size_t n = 0;
	pid_t pid;

	if (!bin)
		return -1;
	argv[n++] = bin;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	snprintf(vpnctl_outp, sizeof(vpnctl_outp), "%s/vpnctl.out", tmpdir);
	snprintf(vpnctl_errp, sizeof(vpnctl_errp), "%s/vpnctl.err", tmpdir);
	pid = fork();
	if (pid == 0) {
		int o = open(vpnctl_outp, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		int e = open(vpnctl_errp, O_CREAT | O_TRUNC | O_WRONLY, 0600);

		int i = open(vpnctl_stdin ? vpnctl_stdin : "/dev/null",
			     O_RDONLY);

		/* no controlling terminal: a password prompt cannot hang */
		setsid();
		if (o < 0 || e < 0 || i < 0 || dup2(o, 1) < 0 ||
		    dup2(e, 2) < 0 || dup2(i, 0) < 0)
			_exit(99);
		if (vpnctl_as_nobody && (setgroups(0, NULL) < 0 ||
					 setgid(65534) < 0 || setuid(65534) < 0))
			_exit(97);
		execv(bin, (char *const *)argv);
		_exit(98);
	}
	return pid;
}

/* Waits for it; its exit status, its output in vout and verr_text. */
static int vpnctl_finish(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	slurp(vpnctl_outp, vout, sizeof(vout));
	slurp(vpnctl_errp, verr_text, sizeof(verr_text));
	return WEXITSTATUS(status);
}

/* Runs $VPNCTL with args; returns its exit status, output in vout and
 * verr_text. */
static int vpnctl(const char *const *args)
{
	return vpnctl_finish(vpnctl_start(args));
}

/* Until the running vpnctl has printed needle (10 s at most). */
static int vpnctl_wait_output(const char *needle)
{
	for (int i = 0; i < 1000; i++) {
		slurp(vpnctl_outp, vout, sizeof(vout));
		if (strstr(vout, needle))
			return 0;
		sleep_ms(10);
	}
	return -1;
}

static void test_vpnctl(void)
{
	char missing[160];

	if (!getenv("VPNCTL")) {
		CU_FAIL("VPNCTL is not set (run through meson test)");
		return;
	}
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "connect",
						  "beta", NULL }), 0);
	CU_ASSERT_STRING_EQUAL(vout, "  resolving gateway (fake)\n"
				     "  sending IKE_SA_INIT (fake)\n"
				     "beta is up: fake SA established\n");
	CU_ASSERT_STRING_EQUAL(verr_text, "");
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "status",
						  "beta", NULL }), 0);
	CU_ASSERT_STRING_EQUAL(vout, "state: established\n"
				     "gateway: gw.example.com\n");
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "--socket", sock_path,
						  "disconnect", "beta", NULL }), 0);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "list",
						  NULL }), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(vout, "beta   idle         gw.example.com\n"));

	/* IKE SA up, no tunnel: exit 4, the reason on stderr */
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "connect",
						  "nt1", NULL }), 4);
	CU_ASSERT_STRING_EQUAL(vout, "  resolving gateway (fake)\n"
				     "  sending IKE_SA_INIT (fake)\n");
	CU_ASSERT_STRING_EQUAL(verr_text,
			       "vpnctl: nt1 is established, no tunnel: "
			       FAKE_NO_TUNNEL_WHY "\n");
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "status",
						  "nt1", NULL }), 0);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "disconnect",
						  "nt1", NULL }), 0);
	/* a connect while closing: vpnctl follows it to the end */
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "connect",
						  "slow1", NULL }), 0);
	{
		int fd = client_connect();

		CU_ASSERT_FATAL(fd >= 0);
		pid_t pid;

		/* the closing lasts until vpnctl has met it */
		atomic_store(&fake_hold_closing, 1);
		CU_ASSERT_EQUAL(write(fd, "disconnect slow1\n", 17), 17);
		CU_ASSERT_EQUAL(wait_state("slow1", "closing"), 0);
		pid = vpnctl_start((const char *[]){ "-s", sock_path,
						     "connect", "slow1", NULL });
		CU_ASSERT_EQUAL(vpnctl_wait_output("connecting once it is down"),
				0);
		atomic_store(&fake_hold_closing, 0);
		CU_ASSERT_EQUAL(vpnctl_finish(pid), 0);
		CU_ASSERT_STRING_EQUAL(vout,
				       "  slow1 is closing; connecting once it is down\n"
				       "  resolving gateway (fake)\n"
				       "  sending IKE_SA_INIT (fake)\n"
				       "slow1 is up: fake SA established\n");
		close(fd);
		CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path,
							  "disconnect", "slow1",
							  NULL }), 0);
	}
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "connect",
						  "fail1", NULL }), 1);
	CU_ASSERT_STRING_EQUAL(verr_text,
			       "vpnctl: fail1: gateway did not answer (fake)\n");
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "connect",
						  "nosuch", NULL }), 1);
	CU_ASSERT_STRING_EQUAL(verr_text,
			       "vpnctl: unknown profile 'nosuch' (see 'vpnctl list')\n");

	/* Usage errors never reach the daemon. */
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "frobnicate", NULL }), 2);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "connect", NULL }), 2);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "list", "x", NULL }), 2);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ NULL }), 2);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-t", "0", "list", NULL }), 2);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "check", NULL }), 2);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "--help", NULL }), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(vout, "Usage: vpnctl"));
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "--version", NULL }), 0);
	CU_ASSERT_NSTRING_EQUAL(vout, "vpnctl ", 7);

	snprintf(missing, sizeof(missing), "%s/nothere.sock", tmpdir);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", missing, "list",
						  NULL }), 3);
	{
		char want[320];

		snprintf(want, sizeof(want),
			 "vpnctl: cannot reach vpnd at %s: No such file or "
			 "directory (is vpnd running?)\n", missing);
		CU_ASSERT_STRING_EQUAL(verr_text, want);
	}

	/* A connect that never finishes: -t bounds the wait. */
	{
		uint64_t t0 = loop_now_ms(), dt;

		CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "-t",
							  "1", "connect", "hang1",
							  NULL }), 5);
		dt = loop_now_ms() - t0;
		CU_ASSERT(dt >= 900 && dt < 3000);
		CU_ASSERT_STRING_EQUAL(verr_text,
				       "vpnctl: stopped waiting after 1 s; the connect goes on in vpnd (see 'vpnctl status hang1')\n");
		CU_ASSERT_PTR_NOT_NULL(strstr(request("list"),
					      ". hang1  connecting"));
		CU_ASSERT_STRING_EQUAL(request("disconnect hang1"),
				       "OK hang1 is down\n");
	}

	/* check runs locally; a missing file is an error. */
	snprintf(missing, sizeof(missing), "%s/nothere.yaml", tmpdir);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "check", missing, NULL }), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(verr_text, "nothere.yaml"));
}


/* ---- JSON ---- */

/* python3's json module parses the file (one document, or with lines
 * one per line) and checks the condition on d (the document, or the
 * list of line objects); 0 when it holds. A parser that is not ours
 * judges the escaping. */
static int py_check(const char *file, bool lines, const char *cond)
{
	char script[256], cmd[640];
	FILE *f;

	snprintf(script, sizeof(script), "%s/check.py", tmpdir);
	f = fopen(script, "w");
	if (!f)
		return -1;
	fprintf(f, "import json, sys\n"
		   "t = open(sys.argv[1], encoding='utf-8').read()\n"
		   "d = [json.loads(l) for l in t.splitlines()] if %s else json.loads(t)\n"
		   "ok = %s\n"
		   "print(json.dumps(d)[:2000] if not ok else '', file=sys.stderr)\n"
		   "sys.exit(0 if ok else 1)\n", lines ? "True" : "False", cond);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s'", script, file);
	return system(cmd);
}

static const char *vout_file(void)
{
	static char path[160];

	snprintf(path, sizeof(path), "%s/vpnctl.out", tmpdir);
	return path;
}

/* Back to the six profiles the suite started with. */
static void default_set(void)
{
	set_profiles(default_profiles,
		     sizeof(default_profiles) / sizeof(default_profiles[0]));
	CU_ASSERT_PTR_NOT_NULL(strstr(request("reload"), "OK reloaded, 6 profiles"));
}

/* status and list as JSON, through vpnctl: fields match the values
 * (the fake's), the escaping holds for any bytes, errors stay errors. */
static void test_json(void)
{
	if (!getenv("VPNCTL")) {
		CU_FAIL("VPNCTL is not set (run through meson test)");
		return;
	}
	default_set();
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "list",
						  "--json", NULL }), 0);
	CU_ASSERT_EQUAL(py_check(vout_file(), false,
		"d['version'] == 1 and len(d['profiles']) == 6 and "
		"d['profiles'][0] == {'name': 'alpha', 'state': 'idle', "
		"'gateway': '192.0.2.1', 'removed': False} and "
		"d['failed'] == [{'name': 'bad', 'file': '/fake/profiles/bad.yaml', "
		"'error': '/fake/profiles/bad.yaml:3:1: fake error'}]"), 0);
	CU_ASSERT_STRING_EQUAL(verr_text, "");

	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "connect",
						  "alpha", NULL }), 0);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "--json",
						  "status", "alpha", NULL }), 0);
	CU_ASSERT_EQUAL(py_check(vout_file(), false,
		"d['version'] == 1 and d['connection']['name'] == 'alpha' and "
		"d['connection']['state'] == 'established' and "
		"d['connection']['change'] == {'reason': 'up', 'text': 'fake change', 'at': 1700000000} and "
		"d['connection']['ike']['spi_i'] == '0102030405060708' and "
		"d['connection']['ike']['state'] == 'established' and "
		"d['connection']['ike']['remote_id'] == 'gw \"q\"\\x01\\ufffd' and "
		"d['connection']['ike']['remote_auth'] == 'psk' and "
		"d['connection']['child']['spi_in'] == 'c0ffee01' and "
		"d['connection']['virtual_ips'] == ['192.0.2.10/32'] and "
		"'last_error' not in d['connection']"), 0);
	/* all active ones */
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "status",
						  "-j", NULL }), 0);
	CU_ASSERT_EQUAL(py_check(vout_file(), false,
		"d['profiles'] == 6 and [c['name'] for c in d['connections']] == ['alpha']"), 0);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "disconnect",
						  "alpha", NULL }), 0);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "status",
						  "--json", NULL }), 0);
	CU_ASSERT_EQUAL(py_check(vout_file(), false, "d['connections'] == []"), 0);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "status",
						  "alpha", "--json", NULL }), 0);
	CU_ASSERT_EQUAL(py_check(vout_file(), false,
		"d['connection']['state'] == 'idle' and 'ike' not in d['connection']"), 0);

	/* errors are not JSON: nothing on stdout, the reason on stderr */
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "status",
						  "nosuch", "--json", NULL }), 1);
	CU_ASSERT_STRING_EQUAL(vout, "");
	CU_ASSERT_STRING_EQUAL(verr_text,
			       "vpnctl: unknown profile 'nosuch' (see 'vpnctl list')\n");
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "connect",
						  "alpha", "--json", NULL }), 2);
	/* after "--" it is a profile name */
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "status",
						  "--", "-j", NULL }), 1);
	CU_ASSERT_STRING_EQUAL(verr_text,
			       "vpnctl: unknown profile '-j' (see 'vpnctl list')\n");
	CU_ASSERT_STRING_EQUAL(request("json frobnicate"),
			       "ERROR usage: json status [NAME], json list, json monitor\n");
	CU_ASSERT_STRING_EQUAL(request("json list extra"),
			       "ERROR usage: json status [NAME], json list, json monitor\n");
}

/* A file that did not load is listed, and a connect or status of its
 * name answers with its error instead of "unknown profile". */
static void test_failed_profile(void)
{
	CU_ASSERT_STRING_EQUAL(request("connect bad"),
			       "ERROR profile bad did not load: "
			       "/fake/profiles/bad.yaml:3:1: fake error\n");
	CU_ASSERT_STRING_EQUAL(request("status bad"),
			       "ERROR profile bad did not load: "
			       "/fake/profiles/bad.yaml:3:1: fake error\n");
	CU_ASSERT_STRING_EQUAL(request("watch bad"),
			       "ERROR profile bad did not load: "
			       "/fake/profiles/bad.yaml:3:1: fake error\n");
}

/* monitor: every profile's state at once, then the events of every
 * connection, as text or JSON lines; never a final line. */
static void test_monitor(void)
{
	char seen[8192] = "";
	int fd, fdj;

	default_set();
	fd = client_connect();
	fdj = client_connect();
	CU_ASSERT_FATAL(fd >= 0 && fdj >= 0);
	CU_ASSERT_EQUAL(write(fd, "monitor\n", 8), 8);
	CU_ASSERT_EQUAL(write(fdj, "json monitor\n", 13), 13);
	CU_ASSERT_TRUE(read_until(fd, "- slow1: idle\n", seen, sizeof(seen)));
	CU_ASSERT_PTR_NOT_NULL(strstr(seen, "- alpha: idle\n- beta: idle\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(request("connect alpha"), "OK alpha is up"));
	CU_ASSERT_EQUAL(request("connect fail1")[0], '-');
	CU_ASSERT_TRUE(read_until(fd, "- fail1: gateway did not answer (fake)\n",
				  seen, sizeof(seen)));
	CU_ASSERT_PTR_NOT_NULL(strstr(seen, "- alpha: sending IKE_SA_INIT (fake)\n"
					    "- alpha is up: fake SA established\n"));
	CU_ASSERT_PTR_NULL(strstr(seen, "\nOK"));
	CU_ASSERT_STRING_EQUAL(request("disconnect alpha"), "OK alpha is down\n");
	CU_ASSERT_TRUE(read_until(fd, "- alpha went down: deleted (fake)\n",
				  seen, sizeof(seen)));
	close(fd);

	seen[0] = '\0';
	CU_ASSERT_TRUE(read_until(fdj, "\"event\":\"down\"", seen, sizeof(seen)));
	close(fdj);
	{
		char path[160];
		FILE *f;

		snprintf(path, sizeof(path), "%s/monitor.json", tmpdir);
		f = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		/* the protocol's "- " off every line, as vpnctl prints them */
		for (char *l = strtok(seen, "\n"); l; l = strtok(NULL, "\n"))
			if (!strncmp(l, "- ", 2) && strstr(l, "}"))
				fprintf(f, "%s\n", l + 2);
		fclose(f);
		CU_ASSERT_EQUAL(py_check(path, true,
			"all(e['version'] == 1 and e['time'] > 0 for e in d) and "
			"[e['name'] for e in d if e['event'] == 'state'] == "
			"['alpha', 'beta', 'fail1', 'hang1', 'nt1', 'slow1'] and "
			"{'name': 'alpha', 'event': 'up', 'state': 'established', "
			"'text': 'fake SA established'}.items() <= "
			"[e for e in d if e['event'] == 'up'][0].items() and "
			"[e['text'] for e in d if e['event'] == 'failed'] == "
			"['gateway did not answer (fake)'] and "
			"[e['state'] for e in d if e['event'] == 'down'] == ['idle']"), 0);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(request("monitor extra"), "usage: monitor"));
}

/* vpnctl monitor as people see it: lines with the time of day, until
 * --timeout (exit 0). */
static void test_vpnctl_monitor(void)
{
	if (!getenv("VPNCTL")) {
		CU_FAIL("VPNCTL is not set (run through meson test)");
		return;
	}
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "-t", "1",
						  "monitor", NULL }), 0);
	CU_ASSERT_EQUAL(strlen(vout) > 9 && vout[2] == ':' && vout[5] == ':' &&
			!strncmp(vout + 8, " alpha: idle\n", 13), 1);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "-t", "1",
						  "monitor", "--json", NULL }), 0);
	CU_ASSERT_EQUAL(py_check(vout_file(), true,
		"len(d) == 6 and d[0]['name'] == 'alpha' and d[0]['event'] == 'state'"), 0);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "monitor", "x", NULL }), 2);
}

/* ---- the vpnd binary: signals (real engine and profile loader) ---- */

static void write_profile(const char *dir, const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "connection:\n  name: %s\n  gateway: 127.0.0.1\n"
		   "  port: 9\nlocal:\n  id: client.example.org\n  psk: x\n"
		   "remote:\n  id: 127.0.0.1\n", name);
	fclose(f);
	chmod(path, 0600);
}

static int wait_exit(pid_t pid, unsigned ms, int *status)
{
	unsigned i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		sleep_ms(10);
	}
	return -1;
}

/* The name of process pid (/proc/PID/comm, without the newline). */
static const char *proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = 0;
	f = fopen(path, "r");
	if (!f)
		return buf;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void test_vpnd_signals(void)
{
	const char *bin = getenv("VPND");
	char dir[128], prof[160], state[160], logp[160], comm[32];
	uint64_t t0;
	int status, fd, i;
	pid_t pid;

	if (!bin || !getenv("VPNCTL")) {
		CU_FAIL("VPND/VPNCTL not set (run through meson test)");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/bin", tmpdir);
	snprintf(prof, sizeof(prof), "%s/profiles", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(logp, sizeof(logp), "%s/vpnd.log", dir);
	snprintf(sock_path, sizeof(sock_path), "%.63s/bin/vpnd.sock", tmpdir);
	CU_ASSERT_FATAL(mkdir(dir, 0700) == 0 && mkdir(prof, 0700) == 0);
	write_profile(prof, "one");
	pid = fork();
	if (pid == 0) {
		int lfd = open(logp, O_CREAT | O_WRONLY | O_TRUNC, 0600);

		if (lfd < 0 || dup2(lfd, 2) < 0)
			_exit(99);
		execl(bin, bin, "-f", "-p", prof, "-s", sock_path,
		      "--state-dir", state, (char *)NULL);
		_exit(98);
	}
	CU_ASSERT_FATAL(pid > 0);
	for (i = 0; i < 500 && (fd = client_connect()) < 0; i++)
		sleep_ms(10);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	/* vpnd runs itself again through /proc/self/exe (LD_BIND_NOW); ps,
	 * top and pidof must still see "vpnd", not "exe". */
	CU_ASSERT_STRING_EQUAL(proc_comm(pid, comm, sizeof(comm)), "vpnd");

	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "list",
						  NULL }), 0);
	CU_ASSERT_STRING_EQUAL(vout, "one   idle         127.0.0.1\n1 profile\n");
	write_profile(prof, "two");
	CU_ASSERT_EQUAL(kill(pid, SIGHUP), 0);
	for (i = 0; i < 200; i++) {
		if (strstr(request("list"), "OK 2 profiles\n"))
			break;
		sleep_ms(10);
	}
	CU_ASSERT_STRING_EQUAL(answer, ". one   idle         127.0.0.1\n"
				       ". two   idle         127.0.0.1\n"
				       "OK 2 profiles\n");
	CU_ASSERT(access(state, F_OK) == 0);

	/* An attempt in flight: SIGTERM still ends vpnd within ~3 s. */
	fd = client_connect();
	CU_ASSERT(fd >= 0 && write(fd, "connect one\n", 12) == 12);
	sleep_ms(100);
	t0 = loop_now_ms();
	CU_ASSERT_EQUAL(kill(pid, SIGTERM), 0);
	if (wait_exit(pid, 5000, &status) < 0) {
		CU_FAIL("vpnd did not exit within 5 s of SIGTERM");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	} else {
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CU_ASSERT(loop_now_ms() - t0 < 4000);
	}
	if (fd >= 0) {
		/* The waiting client got a final answer, not just EOF. */
		read_all(fd, answer, sizeof(answer));
		CU_ASSERT_PTR_NOT_NULL(strstr(answer, "ERROR "));
		close(fd);
	}
	CU_ASSERT(access(sock_path, F_OK) < 0 && errno == ENOENT);
}

/* ---- shutdown (no socket involved) ---- */

static int ups;

static void count_up(struct conns_waiter *w, bool final,
		     enum wait_outcome outcome, const char *msg)
{
	if (final && outcome == WAIT_OK)
		ups++;
}

static bool shutdown_all_down;
static uint64_t shutdown_at;

static void on_shutdown(void *ctx, bool all_down)
{
	shutdown_all_down = all_down;
	shutdown_at = loop_now_ms();
	loop_stop(ctx);
}

static void stop_loop(void *ctx)
{
	loop_stop(ctx);
}

/* Brings up the named profiles, then measures conns_shutdown. */
static uint64_t shutdown_with(const struct fake_profile *v, size_t n)
{
	struct loop *l = loop_new();
	struct engine *eng = fake_engine_new(l);
	struct conns *t = conns_new(l, eng, "/fake", &fake_source);
	struct conns_waiter w[4];
	struct verr e = { "" };
	uint64_t t0;
	size_t i;

	set_profiles(v, n);
	conns_reload(t, NULL, NULL, &e);
	ups = 0;
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].fn = count_up;
		CU_ASSERT_EQUAL(conns_connect(conns_find(t, v[i].name), &w[i], &e), 0);
	}
	loop_timer(l, 100, stop_loop, l);
	loop_run(l);
	CU_ASSERT_EQUAL(ups, (int)n);
	t0 = loop_now_ms();
	shutdown_at = 0;
	fake_conn_forgets = 0;
	conns_shutdown(t, 300, on_shutdown, l);
	loop_run(l);
	CU_ASSERT(shutdown_at != 0);
	/* a restarted vpnd resumes with the tickets */
	CU_ASSERT_EQUAL(fake_conn_forgets, 0);
	conns_free(t);
	fake_engine_free(eng);
	loop_free(l);
	CU_ASSERT_EQUAL(fake_conn_live, 0);
	return shutdown_at - t0;
}

static void test_shutdown(void)
{
	static const struct fake_profile good[] = { { "alpha", "a" },
						    { "beta", "b" } };
	static const struct fake_profile stuck[] = { { "alpha", "a" },
						     { "stuck1", "s" } };
	uint64_t dt;

	dt = shutdown_with(good, 2);
	CU_ASSERT(shutdown_all_down);
	CU_ASSERT(dt < 200);
	dt = shutdown_with(stuck, 2);
	CU_ASSERT(!shutdown_all_down);
	CU_ASSERT(dt >= 290 && dt < 1000);
}

/* ---- driver ---- */

static int suite_init(void)
{
	return start_server(NULL);
}

static int suite_clean(void)
{
	stop_server();
	if (fake_conn_live != 0) {
		fprintf(stderr, "fake conns leaked: %d\n", fake_conn_live);
		return -1;
	}
	return 0;
}

static int make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vpnd-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/run/vpnd.sock", tmpdir);
	return 0;
}

static void remove_tmpdir(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* A file in the test's directory; returns its path (static). */
static const char *tmp_file(const char *name, const char *text)
{
	static char path[192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

/* EAP-MSCHAPv2 without a password file: connect answers PASSWORD until
 * the request carries one (hex), which reaches the conn decoded. */
static void test_password(void)
{
	static const struct fake_profile next[] = {
		{ "alpha", "198.51.100.1" },
		{ "pw1", "198.51.100.5" },
	};
	extern char fake_conn_password[64];

	set_profiles(next, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(request("reload"), "OK reloaded, 2 profiles"));
	CU_ASSERT_STRING_EQUAL(request("connect pw1"),
			       "PASSWORD pw1 needs a password (EAP-MSCHAPv2): run vpnctl connect pw1 on a terminal, or set eap 'password-file' in its profile\n");
	CU_ASSERT_STRING_EQUAL(request("connect pw1 password 7a7"),
			       "ERROR password: an even number of hex digits expected\n");
	CU_ASSERT_STRING_EQUAL(request("connect pw1 password zz"),
			       "ERROR password: not hex\n");
	CU_ASSERT_STRING_EQUAL(request("connect pw1 password 610a62"),
			       "ERROR password: not UTF-8 text\n");
	CU_ASSERT_STRING_EQUAL(request("connect pw1 secret 6162"),
			       "ERROR usage: connect NAME [password HEX]\n");
	/* "p\xc3\xa4ss word": UTF-8 and a blank */
	CU_ASSERT_PTR_NOT_NULL(strstr(request("connect pw1 password 70c3a4737320776f7264"),
				      "OK pw1 is up"));
	CU_ASSERT_STRING_EQUAL(fake_conn_password, "p\xc3\xa4ss word");
	CU_ASSERT_STRING_EQUAL(request("disconnect pw1"), "OK pw1 is down\n");
	if (!getenv("VPNCTL"))
		return; /* test_vpnctl says why */

	/* vpnctl without a terminal: vpnd's reason, no hang */
	memset(fake_conn_password, 0, sizeof(fake_conn_password));
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path, "connect",
						 "pw1", NULL }), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(verr_text, "no terminal to ask for the password"));
	CU_ASSERT_PTR_NOT_NULL(strstr(verr_text, "pw1 needs a password"));
	CU_ASSERT_STRING_EQUAL(fake_conn_password, "");
	/* --password-stdin: one line, hex on the wire, decoded in vpnd */
	vpnctl_stdin = tmp_file("pw.txt", "s3cr\xc3\xa9t with blanks\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vpnctl_stdin);
	CU_ASSERT_EQUAL(vpnctl((const char *[]){ "-s", sock_path,
						 "--password-stdin", "connect",
						 "pw1", NULL }), 0);
	vpnctl_stdin = NULL;
	CU_ASSERT_PTR_NOT_NULL(strstr(vout, "pw1 is up"));
	CU_ASSERT_STRING_EQUAL(fake_conn_password, "s3cr\xc3\xa9t with blanks");
	CU_ASSERT_STRING_EQUAL(request("disconnect pw1"), "OK pw1 is down\n");
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "list", test_list },
		{ "connect/status/disconnect", test_connect_disconnect },
		{ "connect failure", test_connect_failure },
		{ "established without a tunnel", test_no_tunnel },
		{ "connect while closing", test_connect_while_closing },
		{ "bad requests", test_bad_requests },
		{ "request line length", test_line_length },
		{ "concurrent and abandoned clients", test_concurrent_and_abandoned },
		{ "socket file mode", test_socket_mode },
		{ "second server refused", test_second_server_refused },
		{ "root-only socket refuses others", test_root_only_socket_refuses_others },
		{ "vpnctl", test_vpnctl },
		{ "reload", test_reload },
		{ "password", test_password },
		{ "watch", test_watch },
		{ "json", test_json },
		{ "profile that did not load", test_failed_profile },
		{ "monitor", test_monitor },
		{ "vpnctl monitor", test_vpnctl_monitor },
	};
	CU_pSuite s, s2;
	size_t i;
	unsigned failed;

	log_set_level(LOG_ERR);
	if (make_tmpdir() < 0 || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("control protocol", suite_init, suite_clean);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	s2 = CU_add_suite("socket files and shutdown", NULL, NULL);
	CU_add_test(s2, "stale and foreign files", test_stale_and_foreign_files);
	CU_add_test(s2, "group socket", test_group_socket);
	CU_add_test(s2, "shutdown", test_shutdown);
	CU_add_test(s2, "vpnd binary: SIGHUP, SIGTERM", test_vpnd_signals);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	remove_tmpdir();
	return failed ? 1 : 0;
}
