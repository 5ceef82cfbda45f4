/* The vpnd-testgw program itself (path in argv[1]): options, event
 * lines on stdout, mute by SIGUSR1, clean exit on SIGTERM. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tg.h"

struct child {
	pid_t pid;
	int out;           /* its stdout */
	char text[16384];  /* everything it printed so far */
	size_t len;
};

static char dir[64], keyfile[128];
static uint8_t key[RESP_DOMAIN_KEY_LEN];
static struct child ch = { .pid = -1, .out = -1 };

static bool start_child(char *const argv[])
{
	int p[2];

	memset(&ch, 0, sizeof(ch));
	ch.pid = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return false;
	ch.pid = fork();
	if (ch.pid < 0)
		return false;
	if (ch.pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	ch.out = p[0];
	return true;
}

/* Reads until needle shows up or ms pass. */
static bool wait_for(const char *needle, unsigned ms)
{
	struct pollfd pfd = { .fd = ch.out, .events = POLLIN };
	uint64_t end = loop_now_ms() + ms, now;
	ssize_t n;

	while (!strstr(ch.text, needle)) {
		now = loop_now_ms();
		if (now >= end || poll(&pfd, 1, (int)(end - now)) <= 0)
			return false;
		n = read(ch.out, ch.text + ch.len, sizeof(ch.text) - 1 - ch.len);
		if (n <= 0)
			return false;
		ch.len += (size_t)n;
		ch.text[ch.len] = '\0';
	}
	return true;
}

static int wait_exit(unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;
	int status;

	while (loop_now_ms() < end) {
		if (waitpid(ch.pid, &status, WNOHANG) == ch.pid) {
			ch.pid = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		}
		usleep(10000);
	}
	return -1;
}

static void stop_child(void)
{
	if (ch.pid > 0) {
		kill(ch.pid, SIGKILL);
		waitpid(ch.pid, NULL, 0);
	}
	ch.pid = -1;
	if (ch.out >= 0)
		close(ch.out);
	ch.out = -1;
}

static void write_keyfile(mode_t mode)
{
	FILE *f = fopen(keyfile, "w");
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (i = 0; i < sizeof(key); i++)
		fprintf(f, "%02x", key[i]);
	fprintf(f, "\n");
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(chmod(keyfile, mode), 0);
}

static void setup(void)
{
	CU_ASSERT_FATAL(tg_domain(dir, sizeof(dir), key));
	snprintf(keyfile, sizeof(keyfile), "%s/domain.key", dir);
	write_keyfile(0600);
}

static void teardown(void)
{
	stop_child();
	tg_rmdir(dir);
}

static uint16_t listening_port(void)
{
	const char *p = strstr(ch.text, " port=");
	long v;

	if (!p)
		return 0;
	v = strtol(p + 6, NULL, 10);
	return v > 0 && v < 65536 ? (uint16_t)v : 0;
}

static void test_binary_resume_mute_exit(void)
{
	char *argv[] = { (char *)tg_testgw_path, "--listen", "127.0.0.1",
			 "--port", "0", "--id", "gw-x.test", "--psk", "s3cret",
			 "--domain-key", keyfile, "--domain-dir", dir,
			 "--mode", "draft-gsc", "--gsc-floor", "1",
			 "--backup", "192.0.2.20", "--backup", "gw-y.test",
			 "--vip4", "198.51.100.7", NULL };
	static struct responder_ticket t;
	static uint8_t ticket[RESP_TICKET_MAX];
	static struct tg_sa rsa;
	struct tg_resume_result rr;
	size_t tlen;
	uint16_t port;

	if (!tg_testgw_path) {
		CU_FAIL("path of vpnd-testgw not given");
		return;
	}
	CU_ASSERT_FATAL(start_child(argv));
	CU_ASSERT_FATAL(wait_for("event=listening", 3000));
	CU_ASSERT(strstr(ch.text, "mode=draft-gsc domain_key=1") != NULL);
	CU_ASSERT(strstr(ch.text, "backups=2 gsc_floor=1") != NULL);
	port = listening_port();
	CU_ASSERT_FATAL(port != 0);

	tg_ticket(&t, 0);
	tlen = tg_seal(key, &t, ticket);
	/* GSC 1 is not above the floor */
	CU_ASSERT(!tg_resume(port, ticket, tlen, 1u << GSC_SHIFT, NULL, &rsa,
			     &rr));
	CU_ASSERT_EQUAL(rr.notify, N_TICKET_NACK);
	CU_ASSERT(wait_for("event=resume_refused reason=gsc mid=0x10000000",
			   2000));
	tg_sa_free(&rsa);
	CU_ASSERT(tg_resume(port, ticket, tlen, 2u << GSC_SHIFT, &t, &rsa,
			    &rr));
	CU_ASSERT(wait_for("event=resume_ok gsc=2 mid=0x20000000", 2000));
	tg_sa_free(&rsa);

	kill(ch.pid, SIGUSR1);
	CU_ASSERT(wait_for("event=mute on", 2000));
	tg_ticket(&t, 0);
	tlen = tg_seal(key, &t, ticket);
	CU_ASSERT(!tg_resume(port, ticket, tlen, 3u << GSC_SHIFT, NULL, &rsa,
			     &rr));
	CU_ASSERT(!rr.answered);
	tg_sa_free(&rsa);
	kill(ch.pid, SIGUSR1);
	CU_ASSERT(wait_for("event=mute off", 2000));
	CU_ASSERT(tg_resume(port, ticket, tlen, 3u << GSC_SHIFT, &t, &rsa,
			    &rr));
	CU_ASSERT(wait_for("event=resume_ok gsc=3", 2000));
	tg_sa_free(&rsa);

	kill(ch.pid, SIGTERM);
	CU_ASSERT(wait_for("event=exit signal=TERM", 2000));
	CU_ASSERT_EQUAL(wait_exit(3000), 0);
	responder_ticket_wipe(&t);
}

static void test_binary_refuses_bad_setup(void)
{
	char *open_key[] = { (char *)tg_testgw_path, "--listen", "127.0.0.1",
			     "--port", "0", "--id", "gw.test", "--psk", "x",
			     "--domain-key", keyfile, NULL };
	char *no_psk[] = { (char *)tg_testgw_path, "--listen", "127.0.0.1",
			   "--id", "gw.test", NULL };
	char *bad_mode[] = { (char *)tg_testgw_path, "--listen", "127.0.0.1",
			     "--id", "gw.test", "--psk", "x", "--mode",
			     "rfc4306", NULL };
	char *bad_floor[] = { (char *)tg_testgw_path, "--listen", "127.0.0.1",
			      "--id", "gw.test", "--psk", "x", "--gsc-floor",
			      "16", NULL };
	char *bad_rekey[] = { (char *)tg_testgw_path, "--listen", "127.0.0.1",
			      "--id", "gw.test", "--psk", "x",
			      "--rekey-ike-after", "50", NULL };
	char *bad_collide[] = { (char *)tg_testgw_path, "--listen",
				"127.0.0.1", "--id", "gw.test", "--psk", "x",
				"--collide", "ike,nobody-loses", NULL };
	char *rekey[] = { (char *)tg_testgw_path, "--listen", "127.0.0.1",
			  "--port", "0", "--id", "gw.test", "--psk", "x",
			  "--rekey-ike-after", "3000", "--auth-lifetime",
			  "600", "--collide", "both,gateway-loses", NULL };

	if (!tg_testgw_path) {
		CU_FAIL("path of vpnd-testgw not given");
		return;
	}
	write_keyfile(0644);
	CU_ASSERT_FATAL(start_child(open_key));
	CU_ASSERT_EQUAL(wait_exit(3000), 2);
	stop_child();
	write_keyfile(0600); /* the same command now starts */
	CU_ASSERT_FATAL(start_child(open_key));
	CU_ASSERT(wait_for("event=listening", 3000));
	kill(ch.pid, SIGINT);
	CU_ASSERT(wait_for("event=exit signal=INT", 2000));
	CU_ASSERT_EQUAL(wait_exit(3000), 0);
	stop_child();
	CU_ASSERT_FATAL(start_child(no_psk));
	CU_ASSERT_EQUAL(wait_exit(3000), 2);
	stop_child();
	CU_ASSERT_FATAL(start_child(bad_mode));
	CU_ASSERT_EQUAL(wait_exit(3000), 2);
	stop_child();
	CU_ASSERT_FATAL(start_child(bad_floor));
	CU_ASSERT_EQUAL(wait_exit(3000), 2);
	stop_child();
	CU_ASSERT_FATAL(start_child(bad_rekey));
	CU_ASSERT_EQUAL(wait_exit(3000), 2);
	stop_child();
	CU_ASSERT_FATAL(start_child(bad_collide));
	CU_ASSERT_EQUAL(wait_exit(3000), 2);
	stop_child();
	CU_ASSERT_FATAL(start_child(rekey));
	CU_ASSERT(wait_for("rekey_ike_after=3000 auth_lifetime=600", 3000));
	kill(ch.pid, SIGTERM);
	CU_ASSERT_EQUAL(wait_exit(3000), 0);
	stop_child();
}

void register_binary_tests(void)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown(
		"vpnd-testgw program", NULL, NULL, setup, teardown);

	CU_add_test(s, "resume, mute, exit", test_binary_resume_mute_exit);
	CU_add_test(s, "refuses a bad setup", test_binary_refuses_bad_setup);
}
