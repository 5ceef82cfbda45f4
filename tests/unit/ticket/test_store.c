/* Ticket store behaviour: round trips, single use, expiry, permissions,
 * atomic replacement, profile names, peek and wipe. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ticket_internal.h"
#include "tutil.h"

static struct resume_ticket in, out;

static void roundtrip(bool full)
{
	struct ticket_store *s = tu_setup();
	struct verr e = { "" };

	CU_ASSERT_FATAL(s != NULL);
	tu_fill(&in, full, 9);
	CU_ASSERT_EQUAL(ticket_save(s, "office", &in, &e), 0);
	CU_ASSERT_EQUAL(ticket_take(s, "office", tu_now, &out, &e), TICKET_OK);
	tu_assert_same(&in, &out);
	CU_ASSERT_STRING_EQUAL(out.profile, "office");
	tu_teardown(s);
}

static void test_roundtrip_full(void)
{
	roundtrip(true);
}

static void test_roundtrip_small(void)
{
	roundtrip(false);
}

static void test_take_deletes(void)
{
	struct ticket_store *s = tu_setup();
	struct ticket_info info;
	struct verr e = { "" };

	CU_ASSERT_FATAL(s != NULL);
	tu_fill(&in, false, 1);
	CU_ASSERT_EQUAL(ticket_save(s, "p1", &in, &e), 0);
	CU_ASSERT(tu_exists("p1.ticket"));
	CU_ASSERT_EQUAL(ticket_take(s, "p1", tu_now, &out, &e), TICKET_OK);
	CU_ASSERT(!tu_exists("p1.ticket"));
	CU_ASSERT_EQUAL(tu_count_entries(), 1); /* store.key only */
	CU_ASSERT_EQUAL(ticket_take(s, "p1", tu_now, &out, &e), TICKET_NONE);
	CU_ASSERT(tu_all_zero(&out, sizeof(out)));
	CU_ASSERT_EQUAL(ticket_peek(s, "p1", tu_now, &info), TICKET_NONE);
	CU_ASSERT_STRING_EQUAL(ticket_status_name(TICKET_NONE), "none");
	tu_teardown(s);
}

static void test_save_replaces_and_profiles_apart(void)
{
	static const char *const names[] = { "store.key", "a.ticket",
					     "b.ticket" };
	struct ticket_store *s = tu_setup();
	struct verr e = { "" };
	int i;

	CU_ASSERT_FATAL(s != NULL);
	for (i = 0; i < 10; i++) {
		tu_fill(&in, false, (uint8_t)i);
		in.gsc = (uint8_t)i;
		CU_ASSERT_EQUAL(ticket_save(s, i % 2 ? "b" : "a", &in, &e), 0);
	}
	/* no temp file left behind by any save */
	CU_ASSERT(tu_only(names, 3));
	CU_ASSERT_EQUAL(ticket_take(s, "a", tu_now, &out, &e), TICKET_OK);
	CU_ASSERT_EQUAL(out.gsc, 8);
	CU_ASSERT_STRING_EQUAL(out.gateway, "192.0.2.8");
	CU_ASSERT_EQUAL(ticket_take(s, "b", tu_now, &out, &e), TICKET_OK);
	CU_ASSERT_EQUAL(out.gsc, 9);
	tu_teardown(s);
}

static void test_reopen_keeps_key(void)
{
	struct ticket_store *s = tu_setup();
	uint8_t *k1, *k2;
	size_t l1 = 0, l2 = 0;
	struct verr e = { "" };
	struct stat st;
	char p[256];

	CU_ASSERT_FATAL(s != NULL);
	snprintf(p, sizeof(p), "%s/store.key", tu_dir);
	CU_ASSERT_FATAL(stat(p, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(st.st_size, STORE_KEY_LEN);
	k1 = tu_read("store.key", &l1);
	tu_fill(&in, false, 4);
	CU_ASSERT_EQUAL(ticket_save(s, "home", &in, &e), 0);
	ticket_store_close(s);

	/* a daemon restart: same key, the ticket still verifies */
	s = ticket_store_open(tu_dir, &e);
	CU_ASSERT_FATAL(s != NULL);
	k2 = tu_read("store.key", &l2);
	CU_ASSERT(k1 && k2 && l1 == l2 && !memcmp(k1, k2, l1));
	CU_ASSERT_EQUAL(ticket_take(s, "home", tu_now, &out, &e), TICKET_OK);
	tu_assert_same(&in, &out);
	free(k1);
	free(k2);
	tu_teardown(s);
}

static void test_expiry(void)
{
	struct ticket_store *s = tu_setup();
	struct ticket_info info;
	struct verr e = { "" };

	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_EQUAL(ticket_expiry(1000, 60), 1060);
	CU_ASSERT_EQUAL(ticket_expiry(1000, 0xffffffffu),
			1000 + TICKET_LIFETIME_MAX);
	CU_ASSERT_EQUAL(ticket_expiry(1000, TICKET_LIFETIME_MAX + 1),
			1000 + TICKET_LIFETIME_MAX);

	tu_fill(&in, false, 2);
	in.expires = tu_now + 100;
	CU_ASSERT_EQUAL(ticket_save(s, "x", &in, &e), 0);
	CU_ASSERT_EQUAL(ticket_take(s, "x", tu_now + 99, &out, &e), TICKET_OK);

	CU_ASSERT_EQUAL(ticket_save(s, "x", &in, &e), 0);
	CU_ASSERT_EQUAL(ticket_take(s, "x", tu_now + 100, &out, &e),
			TICKET_EXPIRED);
	CU_ASSERT(tu_all_zero(&out, sizeof(out)));
	CU_ASSERT(!tu_exists("x.ticket"));
	CU_ASSERT_EQUAL(ticket_take(s, "x", tu_now, &out, &e), TICKET_NONE);

	/* an expiry beyond the cap means the clock went back: not used */
	in.expires = tu_now + TICKET_LIFETIME_MAX + 1;
	CU_ASSERT_EQUAL(ticket_save(s, "x", &in, &e), 0);
	CU_ASSERT_EQUAL(ticket_take(s, "x", tu_now, &out, &e), TICKET_EXPIRED);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "clock"));
	CU_ASSERT(!tu_exists("x.ticket"));

	/* peek reports and removes an expired ticket too */
	in.expires = tu_now + 10;
	CU_ASSERT_EQUAL(ticket_save(s, "x", &in, &e), 0);
	CU_ASSERT_EQUAL(ticket_peek(s, "x", tu_now + 5, &info), TICKET_OK);
	CU_ASSERT_EQUAL(ticket_peek(s, "x", tu_now + 11, &info),
			TICKET_EXPIRED);
	CU_ASSERT(!tu_exists("x.ticket"));
	tu_teardown(s);
}

static void test_file_modes(void)
{
	struct ticket_store *s = tu_setup();
	struct verr e = { "" };
	struct stat st;
	char p[256];
	mode_t old;

	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_FATAL(stat(tu_dir, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	/* the umask must not widen nor narrow the ticket's mode */
	old = umask(0);
	tu_fill(&in, false, 3);
	CU_ASSERT_EQUAL(ticket_save(s, "m", &in, &e), 0);
	snprintf(p, sizeof(p), "%s/m.ticket", tu_dir);
	CU_ASSERT_FATAL(lstat(p, &st) == 0);
	CU_ASSERT(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	umask(0277);
	CU_ASSERT_EQUAL(ticket_save(s, "m", &in, &e), 0);
	umask(old);
	CU_ASSERT_FATAL(lstat(p, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);

	/* a ticket file of another user is not ours to trust */
	if (geteuid() == 0) {
		CU_ASSERT_FATAL(chown(p, 65534, 65534) == 0);
		CU_ASSERT_EQUAL(ticket_take(s, "m", tu_now, &out, &e),
				TICKET_REJECTED);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "owned by uid 65534"));
		CU_ASSERT(!tu_exists("m.ticket"));
		CU_ASSERT_EQUAL(ticket_save(s, "m", &in, &e), 0);
	}
	/* a ticket file others can read may have leaked SK_d: not used */
	CU_ASSERT_FATAL(chmod(p, 0640) == 0);
	CU_ASSERT_EQUAL(ticket_take(s, "m", tu_now, &out, &e),
			TICKET_REJECTED);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "mode 0640"));
	CU_ASSERT(!tu_exists("m.ticket"));
	tu_teardown(s);
}

static void expect_refused(const char *dir, const char *why)
{
	struct ticket_store *s;
	struct verr e = { "" };

	s = ticket_store_open(dir, &e);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, why));
	if (!strstr(e.msg, why))
		fprintf(stderr, "\n  expected '%s' in '%s'\n", why, e.msg);
	ticket_store_close(s);
}

static void test_dir_refused(void)
{
	struct ticket_store *s = tu_setup();
	struct verr e = { "" };
	char p[256], link[256];

	CU_ASSERT_FATAL(s != NULL);
	ticket_store_close(s);

	CU_ASSERT_FATAL(chmod(tu_dir, 0777) == 0);
	expect_refused(tu_dir, "writable by group/others");
	CU_ASSERT_FATAL(chmod(tu_dir, 0770) == 0);
	expect_refused(tu_dir, "writable by group/others");
	CU_ASSERT_FATAL(chmod(tu_dir, 0755) == 0);
	s = ticket_store_open(tu_dir, &e);
	CU_ASSERT_PTR_NOT_NULL(s);
	ticket_store_close(s);

	if (geteuid() == 0) {
		CU_ASSERT_FATAL(chown(tu_dir, 65534, 65534) == 0);
		expect_refused(tu_dir, "owned by uid 65534");
		CU_ASSERT_FATAL(chown(tu_dir, 0, 0) == 0);
	}
	snprintf(link, sizeof(link), "%s/link", tu_base);
	CU_ASSERT_FATAL(symlink(tu_dir, link) == 0);
	expect_refused(link, "symlink");
	snprintf(p, sizeof(p), "%s/no/such/dir", tu_base);
	expect_refused(p, "cannot create");

	/* the store key must be private and the right size */
	snprintf(p, sizeof(p), "%s/store.key", tu_dir);
	CU_ASSERT_FATAL(chmod(p, 0644) == 0);
	expect_refused(tu_dir, "mode 0644");
	CU_ASSERT_FATAL(chmod(p, 0600) == 0);
	CU_ASSERT_FATAL(truncate(p, 31) == 0);
	expect_refused(tu_dir, "31 bytes");
	tu_teardown(NULL);
}

static void test_symlinked_ticket(void)
{
	struct ticket_store *s = tu_setup();
	struct ticket_info info;
	struct verr e = { "" };
	char target[256], link[256];
	uint8_t *buf;
	size_t len = 0;

	CU_ASSERT_FATAL(s != NULL);
	tu_fill(&in, false, 5);
	CU_ASSERT_EQUAL(ticket_save(s, "l", &in, &e), 0);
	buf = tu_read("l.ticket", &len);
	CU_ASSERT_FATAL(buf != NULL);
	tu_write("elsewhere", buf, len);
	free(buf);
	snprintf(target, sizeof(target), "%s/elsewhere", tu_dir);
	snprintf(link, sizeof(link), "%s/l.ticket", tu_dir);
	CU_ASSERT_FATAL(unlink(link) == 0 && symlink(target, link) == 0);
	CU_ASSERT_EQUAL(ticket_peek(s, "l", tu_now, &info), TICKET_REJECTED);
	CU_ASSERT(!tu_exists("l.ticket"));
	CU_ASSERT_FATAL(symlink(target, link) == 0);
	CU_ASSERT_EQUAL(ticket_take(s, "l", tu_now, &out, &e),
			TICKET_REJECTED);
	CU_ASSERT(!tu_exists("l.ticket"));
	CU_ASSERT(tu_exists("elsewhere")); /* the target is left alone */
	tu_teardown(s);
}

/* A crash between writing the temp file and the rename leaves a stray
 * temp file: it is never loaded and the next open removes it. */
static void test_stray_temp_files(void)
{
	static const char *const left[] = {
		"store.key", "s.ticket", "s.ticket.0011223344556677.tmp",
		"s.ticket.8899aabbccddeeff.take",
	};
	struct ticket_store *s = tu_setup();
	struct verr e = { "" };
	uint8_t *buf;
	size_t len = 0;

	CU_ASSERT_FATAL(s != NULL);
	tu_fill(&in, false, 6);
	in.gsc = 9;
	CU_ASSERT_EQUAL(ticket_save(s, "s", &in, &e), 0);
	buf = tu_read("s.ticket", &len);
	CU_ASSERT_FATAL(buf != NULL);
	/* a complete newer ticket that never got renamed, and a torn one */
	tu_write(left[2], buf, len);
	tu_write(left[3], buf, len / 2);
	free(buf);
	tu_fill(&in, false, 7);
	in.gsc = 4;
	CU_ASSERT_EQUAL(ticket_save(s, "s", &in, &e), 0);
	CU_ASSERT(tu_only(left, 4));
	CU_ASSERT_EQUAL(ticket_take(s, "s", tu_now, &out, &e), TICKET_OK);
	CU_ASSERT_EQUAL(out.gsc, 4);
	tu_assert_same(&in, &out);
	CU_ASSERT_EQUAL(ticket_take(s, "s", tu_now, &out, &e), TICKET_NONE);
	ticket_store_close(s);

	s = ticket_store_open(tu_dir, &e);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(tu_only(left, 1));
	CU_ASSERT_EQUAL(ticket_take(s, "s", tu_now, &out, &e), TICKET_NONE);
	tu_teardown(s);
}

static void test_profile_names(void)
{
	static const char *const bad[] = {
		"", "../evil", "a/b", "/abs", "sp ace", "tab\t", "new\nline",
		"\xc3\xa9t\xc3\xa9", "semi;colon", "star*",
		"0123456789012345678901234567890123456789012345678901234567890123",
	};
	static const char *const good[] = {
		"a", "A-b_c.9", "..", "x.tmp", "store.key",
		"012345678901234567890123456789012345678901234567890123456789012",
	};
	struct ticket_store *s = tu_setup();
	struct ticket_info info;
	struct verr e = { "" };
	char p[256];
	size_t i;

	CU_ASSERT_FATAL(s != NULL);
	tu_fill(&in, false, 8);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT(!ticket_profile_name_ok(bad[i]));
		CU_ASSERT_EQUAL(ticket_save(s, bad[i], &in, &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "invalid profile name"));
		CU_ASSERT_EQUAL(ticket_take(s, bad[i], tu_now, &out, &e),
				TICKET_ERROR);
		CU_ASSERT_EQUAL(ticket_drop(s, bad[i]), -1);
		CU_ASSERT_EQUAL(ticket_peek(s, bad[i], tu_now, &info),
				TICKET_ERROR);
	}
	CU_ASSERT(!ticket_profile_name_ok(NULL));
	CU_ASSERT_EQUAL(tu_count_entries(), 1);
	snprintf(p, sizeof(p), "%s/evil.ticket", tu_base);
	CU_ASSERT(access(p, F_OK) != 0);

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT(ticket_profile_name_ok(good[i]));
		CU_ASSERT_EQUAL(ticket_save(s, good[i], &in, &e), 0);
	}
	/* names that look like internal files are still plain tickets */
	ticket_store_close(s);
	s = ticket_store_open(tu_dir, &e);
	CU_ASSERT_FATAL(s != NULL);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT_EQUAL(ticket_take(s, good[i], tu_now, &out, &e),
				TICKET_OK);
	tu_teardown(s);
}

static bool contains(const void *hay, size_t hlen, const void *needle,
		     size_t nlen)
{
	return memmem(hay, hlen, needle, nlen) != NULL;
}

static void test_peek(void)
{
	struct ticket_store *s = tu_setup();
	struct ticket_info info;
	struct verr e = { "" };

	CU_ASSERT_FATAL(s != NULL);
	tu_fill(&in, false, 10);
	CU_ASSERT_EQUAL(ticket_save(s, "pk", &in, &e), 0);
	CU_ASSERT_EQUAL(ticket_peek(s, "pk", tu_now, &info), TICKET_OK);
	CU_ASSERT_EQUAL(info.expires, in.expires);
	CU_ASSERT_EQUAL(info.gsc, 3);
	CU_ASSERT_STRING_EQUAL(info.gateway, "192.0.2.10");
	CU_ASSERT_EQUAL(info.n_backups, 2);
	/* nothing of SK_d or of the ticket ends up in what status shows */
	CU_ASSERT(!contains(&info, sizeof(info), in.sk_d, 8));
	CU_ASSERT(!contains(&info, sizeof(info), in.sk_d + 16, 8));
	CU_ASSERT(!contains(&info, sizeof(info), in.ticket, 8));
	/* peeking does not consume it */
	CU_ASSERT_EQUAL(ticket_peek(s, "pk", tu_now, &info), TICKET_OK);
	CU_ASSERT_EQUAL(ticket_take(s, "pk", tu_now, &out, &e), TICKET_OK);
	tu_assert_same(&in, &out);
	tu_teardown(s);
}

static void test_wipe(void)
{
	tu_now = 1700000000;
	tu_fill(&in, true, 11);
	CU_ASSERT(!tu_all_zero(in.sk_d, sizeof(in.sk_d)));
	ticket_wipe(&in);
	CU_ASSERT(tu_all_zero(in.sk_d, sizeof(in.sk_d)));
	CU_ASSERT(tu_all_zero(in.ticket, sizeof(in.ticket)));
	CU_ASSERT_EQUAL(in.sk_d_len, 0);
	CU_ASSERT_EQUAL(in.ticket_len, 0);
	CU_ASSERT(tu_all_zero(&in, sizeof(in)));
	ticket_wipe(NULL);
}

static void expect_save_fails(struct ticket_store *s,
			      const struct resume_ticket *t, const char *why)
{
	struct verr e = { "" };

	CU_ASSERT_EQUAL(ticket_save(s, "v", t, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, why));
	if (!strstr(e.msg, why))
		fprintf(stderr, "\n  expected '%s' in '%s'\n", why, e.msg);
}

static void test_save_validation(void)
{
	struct ticket_store *s = tu_setup();

	CU_ASSERT_FATAL(s != NULL);
#define BAD(stmt, why) do { tu_fill(&in, false, 12); stmt; \
		expect_save_fails(s, &in, why); } while (0)
	BAD(in.gsc = 16, "gateway switch count 16");
	BAD(in.ticket_len = 0, "ticket of 0 bytes");
	BAD(in.ticket_len = TICKET_MAX_LEN + 1, "ticket of 2049 bytes");
	BAD(in.sk_d_len = 0, "SK_d of 0 bytes");
	BAD(in.sk_d_len = TICKET_SKD_MAX + 1, "SK_d of 65 bytes");
	BAD(in.idi.len = 0, "IDi");
	BAD(in.idr.len = TICKET_ID_MAX + 1, "IDr");
	BAD(in.idr.type = 0, "IDr");
	BAD(in.prf = 0, "PRF");
	BAD(in.expires = 0, "expiry");
	BAD(in.gateway[0] = 0, "issuing gateway");
	BAD(memset(in.gateway, 'x', sizeof(in.gateway)), "issuing gateway");
	BAD(in.n_backups = TICKET_MAX_BACKUPS + 1, "9 backup gateways");
	BAD(in.backups[1][0] = 0, "backup gateway 1");
	BAD(strcpy(in.profile, "other"), "ticket of profile other");
#undef BAD
	CU_ASSERT_EQUAL(tu_count_entries(), 1);
	tu_fill(&in, false, 12);
	strcpy(in.profile, "v");
	CU_ASSERT_EQUAL(ticket_save(s, "v", &in, NULL), 0);
	tu_teardown(s);
}

static void test_drop(void)
{
	struct ticket_store *s = tu_setup();
	struct verr e = { "" };

	CU_ASSERT_FATAL(s != NULL);
	tu_fill(&in, false, 13);
	CU_ASSERT_EQUAL(ticket_save(s, "d", &in, &e), 0);
	CU_ASSERT_EQUAL(ticket_drop(s, "d"), 0);
	CU_ASSERT(!tu_exists("d.ticket"));
	CU_ASSERT_EQUAL(ticket_take(s, "d", tu_now, &out, &e), TICKET_NONE);
	CU_ASSERT_EQUAL(ticket_drop(s, "d"), 0);
	tu_teardown(s);
}

static int set_immutable(const char *path, bool on)
{
	int fd, flags, rc = -1;

	fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
	return rc;
}

/* If the file cannot be removed, the ticket is not handed out. */
static void test_take_when_delete_fails(void)
{
	struct ticket_store *s = tu_setup();
	struct verr e = { "" };
	bool locked;

	CU_ASSERT_FATAL(s != NULL);
	tu_fill(&in, false, 14);
	CU_ASSERT_EQUAL(ticket_save(s, "u", &in, &e), 0);
	if (geteuid() == 0)
		locked = set_immutable(tu_dir, true) == 0;
	else
		locked = chmod(tu_dir, 0500) == 0;
	if (!locked) {
		fprintf(stderr, "\n  (skipped: cannot make %s read-only: %s) ",
			tu_dir, strerror(errno));
		tu_teardown(s);
		return;
	}
	memset(&out, 0xaa, sizeof(out));
	CU_ASSERT_EQUAL(ticket_take(s, "u", tu_now, &out, &e), TICKET_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot remove"));
	CU_ASSERT(tu_all_zero(&out, sizeof(out)));
	if (geteuid() == 0)
		set_immutable(tu_dir, false);
	else
		chmod(tu_dir, 0700);
	/* it was never handed out, so it may still be used once */
	CU_ASSERT_EQUAL(ticket_take(s, "u", tu_now, &out, &e), TICKET_OK);
	tu_assert_same(&in, &out);
	tu_teardown(s);
}

int add_store_tests(void)
{
	CU_pSuite s = CU_add_suite("ticket store", NULL, NULL);

	if (!s ||
	    !CU_add_test(s, "round trip, maximum sizes", test_roundtrip_full) ||
	    !CU_add_test(s, "round trip, small ticket", test_roundtrip_small) ||
	    !CU_add_test(s, "take deletes: second take is none",
			 test_take_deletes) ||
	    !CU_add_test(s, "save replaces; profiles kept apart",
			 test_save_replaces_and_profiles_apart) ||
	    !CU_add_test(s, "reopen keeps the store key",
			 test_reopen_keeps_key) ||
	    !CU_add_test(s, "expiry", test_expiry) ||
	    !CU_add_test(s, "file modes", test_file_modes) ||
	    !CU_add_test(s, "unsafe directory refused", test_dir_refused) ||
	    !CU_add_test(s, "symlinked ticket refused",
			 test_symlinked_ticket) ||
	    !CU_add_test(s, "stray temp files after a crash",
			 test_stray_temp_files) ||
	    !CU_add_test(s, "profile names", test_profile_names) ||
	    !CU_add_test(s, "peek shows no secrets", test_peek) ||
	    !CU_add_test(s, "wipe", test_wipe) ||
	    !CU_add_test(s, "save validates fields", test_save_validation) ||
	    !CU_add_test(s, "drop", test_drop) ||
	    !CU_add_test(s, "no ticket when the delete fails",
			 test_take_when_delete_fails))
		return -1;
	return 0;
}
