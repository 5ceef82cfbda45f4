/* systemd integration of the daemon, on the fake engine (fake_conn.c):
 * the STATUS= summary of the connections (summary.c), the notify
 * messages sd.c sends to a NOTIFY_SOCKET this test listens on (READY,
 * STATUS after each change, STOPPING, WATCHDOG at half WATCHDOG_USEC),
 * the journal's fields of a log line and the JOURNAL_STREAM check
 * (journal.c), and the log writer hook of src/common/log.c. Nothing
 * here is sent to a real journal; tests/systemd/journal.sh does that. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "vpnd/log.h"
#include "vpnd/loop.h"

#include "conns.h"
#include "fake_conn.h"
#include "journal.h"
#include "sd.h"
#include "summary.h"

static const char *const profile_names[] = { "alpha", "beta", "hang1",
					      "nt1" };
static const char *const profile_gateways[] = { "192.0.2.1",
						 "gw.example.com",
						 "192.0.2.8", "192.0.2.9" };
#define N_PROFILES 4

static int fake_load_dir(const char *dir, struct profile **out, size_t *n,
			 profile_file_err_fn on_err, void *ctx)
{
	struct profile *arr = calloc(N_PROFILES, sizeof(*arr));
	size_t i;

	if (!arr)
		return -1;
	for (i = 0; i < N_PROFILES; i++) {
		snprintf(arr[i].name, sizeof(arr[i].name), "%s",
			 profile_names[i]);
		snprintf(arr[i].gateways[0], sizeof(arr[i].gateways[0]), "%s",
			 profile_gateways[i]);
		arr[i].n_gateways = 1;
	}
	*out = arr;
	*n = N_PROFILES;
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

struct table {
	struct loop *l;
	struct engine *eng;
	struct conns *t;
};

static int table_open(struct table *tb)
{
	struct verr e = { "" };

	tb->l = loop_new();
	tb->eng = tb->l ? fake_engine_new(tb->l) : NULL;
	tb->t = tb->eng ? conns_new(tb->l, tb->eng, "/fake", &fake_source) :
			  NULL;
	return tb->t && conns_reload(tb->t, NULL, NULL, &e) == N_PROFILES ?
		       0 : -1;
}

static void table_close(struct table *tb)
{
	conns_free(tb->t);
	fake_engine_free(tb->eng);
	loop_free(tb->l);
}

static char *summary(const struct conns *t)
{
	static char text[512];
	struct wbuf w;

	wb_init(&w);
	conns_summary(t, &w);
	snprintf(text, sizeof(text), "%s", w.oom ? "(oom)" : (char *)w.p);
	wb_free(&w);
	return text;
}

/* ---- connecting on the fake: the loop runs until every waiter is
 * final or none is left that could become so (hang1). */

struct op {
	struct conns_waiter w;
	struct loop *l;
	bool final;
};

static int ops_open;

static void op_done(struct conns_waiter *w, bool final,
		    enum wait_outcome outcome, const char *msg)
{
	struct op *op = (struct op *)w;

	if (!final)
		return;
	op->final = true;
	if (--ops_open == 0)
		loop_stop(op->l);
}

static void connect_all(struct table *tb, const char *const *names,
			size_t n, struct op *ops)
{
	struct verr e = { "" };
	size_t i;

	for (i = 0; i < n; i++) {
		struct conn_entry *ce = conns_find(tb->t, names[i]);

		ops[i] = (struct op){ .w = { .fn = op_done }, .l = tb->l };
		CU_ASSERT_PTR_NOT_NULL_FATAL(ce);
		ops_open++;
		CU_ASSERT_EQUAL(conns_connect(ce, &ops[i].w, &e), 0);
	}
}

static void test_summary_text(void)
{
	static const char *const up[] = { "alpha", "beta", "nt1" };
	static const char *const hang[] = { "hang1" };
	struct op ops[3], hang_op;
	struct table tb;

	CU_ASSERT_EQUAL_FATAL(table_open(&tb), 0);
	CU_ASSERT_STRING_EQUAL(summary(tb.t), "4 profiles, none connected");
	connect_all(&tb, hang, 1, &hang_op);
	ops_open = 0; /* hang1 never ends: the loop waits for the others */
	CU_ASSERT_STRING_EQUAL(summary(tb.t),
			       "4 profiles, none connected; 1 connecting");
	connect_all(&tb, up, 3, ops);
	loop_run(tb.l);
	CU_ASSERT(ops[0].final && ops[1].final && ops[2].final);
	/* beta's gateway is a name the fake gives no address to */
	CU_ASSERT_STRING_EQUAL(summary(tb.t),
			       "4 profiles, 2 connected: alpha (192.0.2.1), beta (gw.example.com); 1 up without a tunnel: nt1 (192.0.2.9); 1 connecting");
	conns_detach(&hang_op.w);
	table_close(&tb);
	CU_ASSERT_EQUAL(fake_conn_live, 0);
}

static void test_summary_one(void)
{
	static const char *const one[] = { "alpha" };
	struct table tb;
	struct op op;

	CU_ASSERT_EQUAL_FATAL(table_open(&tb), 0);
	ops_open = 0;
	connect_all(&tb, one, 1, &op);
	loop_run(tb.l);
	CU_ASSERT_STRING_EQUAL(summary(tb.t),
			       "4 profiles, 1 connected: alpha (192.0.2.1)");
	table_close(&tb);
}

/* ---- the notify socket ---- */

static char tmpdir[64];
static char notify_path[128];

static int notify_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(notify_path, sizeof(notify_path), "%s/notify", tmpdir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", notify_path);
	unlink(notify_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setenv("NOTIFY_SOCKET", notify_path, 1);
	return fd;
}

/* The next message, or "" when none is waiting (nonblocking) or within
 * the receive timeout (blocking). */
static const char *next_msg(int fd, bool block)
{
	static char buf[1024];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, block ? 0 : MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_notify_messages(void)
{
	static const char *const one[] = { "alpha" };
	struct sd_service *s;
	struct table tb;
	struct op op;
	int fd = notify_listen();

	CU_ASSERT_FATAL(fd >= 0);
	unsetenv("WATCHDOG_USEC");
	CU_ASSERT_EQUAL_FATAL(table_open(&tb), 0);
	s = sd_service_new(tb.l, tb.t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* nothing before READY=1 */
	CU_ASSERT_STRING_EQUAL(next_msg(fd, false), "");
	sd_service_ready(s);
	CU_ASSERT_STRING_EQUAL(next_msg(fd, true), "READY=1");
	CU_ASSERT_STRING_EQUAL(next_msg(fd, true),
			       "STATUS=4 profiles, none connected");

	ops_open = 0;
	connect_all(&tb, one, 1, &op);
	CU_ASSERT_STRING_EQUAL(next_msg(fd, true),
			       "STATUS=4 profiles, none connected; 1 connecting");
	loop_run(tb.l);
	CU_ASSERT_STRING_EQUAL(next_msg(fd, true),
			       "STATUS=4 profiles, 1 connected: alpha (192.0.2.1)");
	/* the progress lines in between changed nothing a summary shows */
	CU_ASSERT_STRING_EQUAL(next_msg(fd, false), "");

	sd_service_stopping(s);
	CU_ASSERT_STRING_EQUAL(next_msg(fd, true), "STOPPING=1");
	CU_ASSERT_STRING_EQUAL(next_msg(fd, true),
			       "STATUS=stopping: 4 profiles, 1 connected: alpha (192.0.2.1)");
	sd_service_free(s);
	table_close(&tb);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void stop_loop(void *ctx)
{
	loop_stop(ctx);
}

/* WATCHDOG_USEC=40000: a ping at once, then every 20 ms from the loop. */
static void test_notify_watchdog(void)
{
	struct sd_service *s;
	struct table tb;
	char pid[32];
	int fd = notify_listen(), pings = 0;

	CU_ASSERT_FATAL(fd >= 0);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "40000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	CU_ASSERT_EQUAL_FATAL(table_open(&tb), 0);
	s = sd_service_new(tb.l, tb.t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(next_msg(fd, true), "WATCHDOG=1");
	/* the loop, not the set-up, sends the next ones */
	while (pings < 3) {
		loop_timer(tb.l, 30, stop_loop, tb.l);
		loop_run(tb.l);
		while (!strcmp(next_msg(fd, false), "WATCHDOG=1"))
			pings++;
		if (!pings)
			break;
	}
	CU_ASSERT(pings >= 3);
	sd_service_free(s);
	/* freed: the timer is gone */
	loop_timer(tb.l, 50, stop_loop, tb.l);
	loop_run(tb.l);
	CU_ASSERT_STRING_EQUAL(next_msg(fd, false), "");

	/* another process's watchdog (WATCHDOG_PID) is not ours */
	setenv("WATCHDOG_PID", "1", 1);
	s = sd_service_new(tb.l, tb.t);
	loop_timer(tb.l, 50, stop_loop, tb.l);
	loop_run(tb.l);
	CU_ASSERT_STRING_EQUAL(next_msg(fd, false), "");
	sd_service_free(s);
	table_close(&tb);
	close(fd);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	unsetenv("NOTIFY_SOCKET");
}

/* ---- the journal's fields ---- */

static const char *field(const struct journal_entry *e, size_t i)
{
	static char text[1200];

	if (i >= e->n)
		return "(none)";
	snprintf(text, sizeof(text), "%.*s", (int)e->iov[i].iov_len,
		 (const char *)e->iov[i].iov_base);
	return text;
}

static void test_journal_fields(void)
{
	struct log_fields f = { .connection = "work",
				.gateway = "203.0.113.10",
				.event = "up" };
	struct journal_entry e;

	CU_ASSERT_FATAL(journal_entry_make(&e, LOG_INFO, &f,
					   "work: up: IKE SA established"));
	CU_ASSERT_EQUAL(e.n, 6);
	CU_ASSERT_STRING_EQUAL(field(&e, 0), "PRIORITY=6");
	CU_ASSERT_STRING_EQUAL(field(&e, 1), "SYSLOG_IDENTIFIER=vpnd");
	CU_ASSERT_STRING_EQUAL(field(&e, 2),
			       "MESSAGE=work: up: IKE SA established");
	CU_ASSERT_STRING_EQUAL(field(&e, 3), "VPND_CONNECTION=work");
	CU_ASSERT_STRING_EQUAL(field(&e, 4), "VPND_GATEWAY=203.0.113.10");
	CU_ASSERT_STRING_EQUAL(field(&e, 5), "VPND_EVENT=up");
	journal_entry_free(&e);
	CU_ASSERT_EQUAL(e.n, 0);

	/* no fields known: the line alone; unknown or empty ones left out */
	CU_ASSERT_FATAL(journal_entry_make(&e, LOG_ERR, NULL, "bad"));
	CU_ASSERT_EQUAL(e.n, 3);
	CU_ASSERT_STRING_EQUAL(field(&e, 0), "PRIORITY=3");
	CU_ASSERT_STRING_EQUAL(field(&e, 2), "MESSAGE=bad");
	journal_entry_free(&e);
	f = (struct log_fields){ .connection = "home", .gateway = "" };
	CU_ASSERT_FATAL(journal_entry_make(&e, LOG_WARN, &f, "x"));
	CU_ASSERT_EQUAL(e.n, 4);
	CU_ASSERT_STRING_EQUAL(field(&e, 0), "PRIORITY=4");
	CU_ASSERT_STRING_EQUAL(field(&e, 3), "VPND_CONNECTION=home");
	journal_entry_free(&e);
	CU_ASSERT_FATAL(journal_entry_make(&e, LOG_DBG, NULL, "d"));
	CU_ASSERT_STRING_EQUAL(field(&e, 0), "PRIORITY=7");
	journal_entry_free(&e);
}

static void test_journal_stream(void)
{
	static const char *const bad[] = { "", ":", "1:", ":2", "1:2x",
					   "x1:2", "1: 2", "-1:2",
					   "1:2:3",
					   "99999999999999999999999:1" };
	struct stat st;
	char v[64];
	size_t i;

	CU_ASSERT_FATAL(fstat(STDERR_FILENO, &st) == 0);
	unsetenv("JOURNAL_STREAM");
	CU_ASSERT(!journal_stream_is_stderr());
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	CU_ASSERT(journal_stream_is_stderr());
	/* another file (systemd's stream, stderr redirected since) */
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	CU_ASSERT(!journal_stream_is_stderr());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("JOURNAL_STREAM", bad[i], 1);
		CU_ASSERT(!journal_stream_is_stderr());
	}
	unsetenv("JOURNAL_STREAM");
}

/* ---- log.c's writer ---- */

static char written[1100];
static struct log_fields written_fields;
static int writes;
static bool writer_takes;

static bool test_writer(void *ctx, enum log_level lvl,
			const struct log_fields *f, const char *line)
{
	writes++;
	snprintf(written, sizeof(written), "%d %s", (int)lvl, line);
	written_fields = f ? *f : (struct log_fields){ 0 };
	return writer_takes;
}

static void test_log_writer(void)
{
	struct log_fields f = { .connection = "work", .event = "down" };

	log_set_level(LOG_INFO);
	log_set_writer(test_writer, NULL);
	writer_takes = true;
	vlog_fields(LOG_INFO, &f, "%s: %s", "work", "deleted");
	CU_ASSERT_EQUAL(writes, 1);
	CU_ASSERT_STRING_EQUAL(written, "2 work: deleted");
	CU_ASSERT_STRING_EQUAL(written_fields.connection, "work");
	CU_ASSERT_STRING_EQUAL(written_fields.event, "down");
	CU_ASSERT_PTR_NULL(written_fields.gateway);
	log_warn("plain %d", 7);
	CU_ASSERT_EQUAL(writes, 2);
	CU_ASSERT_STRING_EQUAL(written, "1 plain 7");
	CU_ASSERT_PTR_NULL(written_fields.connection);
	/* below the level: not written */
	log_dbg("hidden");
	CU_ASSERT_EQUAL(writes, 2);
	/* refused: stderr takes it (seen in the test's log) */
	writer_takes = false;
	log_info("this line goes to stderr because the writer refused it");
	CU_ASSERT_EQUAL(writes, 3);
	log_set_writer(NULL, NULL);
	log_info("after the writer");
	CU_ASSERT_EQUAL(writes, 3);
	log_set_level(LOG_ERR);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "summary: every state", test_summary_text },
		{ "summary: one connected", test_summary_one },
		{ "notify: READY, STATUS, STOPPING", test_notify_messages },
		{ "notify: watchdog", test_notify_watchdog },
		{ "journal: fields", test_journal_fields },
		{ "journal: JOURNAL_STREAM", test_journal_stream },
		{ "log writer", test_log_writer },
	};
	CU_pSuite s;
	size_t i;
	unsigned failed;

	log_set_level(LOG_ERR);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vpnd-test-sd-XXXXXX");
	if (!mkdtemp(tmpdir) || CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("systemd", NULL, NULL);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	unlink(notify_path);
	rmdir(tmpdir);
	return failed ? 1 : 0;
}
