/* ticket-tool: edits the resumption ticket vpnd stored for a profile, to
 * set up the resume test cases (an old GSC, an expired ticket, a flipped
 * byte, a replayed ticket). Changes go through ticket_take + ticket_save,
 * so the store's MAC over the file stays valid and only the field the
 * test names differs.
 *
 *   ticket-tool TICKET_DIR PROFILE show
 *   ticket-tool TICKET_DIR PROFILE set-gsc N
 *   ticket-tool TICKET_DIR PROFILE set-expires-in SECONDS   (may be < 0)
 *   ticket-tool TICKET_DIR PROFILE flip-byte INDEX
 *   ticket-tool TICKET_DIR PROFILE save FILE
 *   ticket-tool TICKET_DIR PROFILE restore FILE
 *
 * It never prints SK_d or the ticket bytes. Exit 0 done, 1 error, 2 usage.
 * Not installed: a test helper only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ticket_internal.h"
#include "vpnd/log.h"

/* Large enough for a struct resume_ticket; static so it is not on the
 * stack twice and can be wiped in one place. */
static struct resume_ticket tk;
static uint8_t filebuf[TKF_FILE_MAX];
static size_t filelen;

static void usage(void)
{
	fprintf(stderr,
		"usage: ticket-tool TICKET_DIR PROFILE show | set-gsc N | "
		"set-expires-in SECONDS | flip-byte INDEX | save FILE | "
		"restore FILE\n");
}

static void wipe_all(void)
{
	ticket_wipe(&tk);
	OPENSSL_cleanse(filebuf, sizeof(filebuf));
	filelen = 0;
}

/* Strict decimal integer in [lo, hi]. */
static int parse_ll(const char *s, long long lo, long long hi,
		    long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Reads a file of at most TKF_FILE_MAX bytes into filebuf. dfd may be
 * AT_FDCWD. */
static int read_bounded(int dfd, const char *name, struct verr *e)
{
	struct stat st;
	int fd, rc = -1;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		verr_set(e, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 &&
	    check_private_file(&st, name, e) == 0 &&
	    read_fd_bounded(fd, filebuf, sizeof(filebuf), &filelen, e) == 0)
		rc = 0;
	else if (!e->msg[0])
		verr_set(e, "%s: %s", name, strerror(errno));
	close(fd);
	return rc;
}

/* Reads and verifies the stored ticket file without consuming it. Used
 * for 'show' and 'save', and to learn the ticket's expiry before a take
 * (take refuses, and deletes, an expired ticket for its 'now'). */
static int load_stored(struct ticket_store *s, const char *profile,
		       struct verr *e)
{
	char name[TICKET_PROFILE_MAX + sizeof(TICKET_SUFFIX)];

	snprintf(name, sizeof(name), "%s" TICKET_SUFFIX, profile);
	if (read_bounded(s->dfd, name, e))
		return -1;
	return tkf_decode(s->key, profile, filebuf, filelen, &tk, e);
}

/* Takes the ticket with a clock value at which it is still valid, so an
 * already expired ticket can be edited too; take verifies the MAC again
 * and removes the file. The caller must ticket_save it back. */
static int take_for_edit(struct ticket_store *s, const char *profile,
			 struct verr *e)
{
	enum ticket_status st;
	time_t when;

	if (load_stored(s, profile, e))
		return -1;
	when = tk.expires - 1;
	ticket_wipe(&tk);
	st = ticket_take(s, profile, when, &tk, e);
	if (st != TICKET_OK) {
		if (st != TICKET_ERROR)
			verr_set(e, "ticket_take: %s", ticket_status_name(st));
		return -1;
	}
	return 0;
}

static int do_show(struct ticket_store *s, const char *profile,
		   struct verr *e)
{
	if (load_stored(s, profile, e))
		return -1;
	printf("profile: %s\n", profile);
	printf("gsc: %u\n", tk.gsc);
	printf("expires-in: %lld\n", (long long)(tk.expires - time(NULL)));
	printf("gateway: %s\n", tk.gateway);
	printf("ticket-length: %zu\n", tk.ticket_len);
	printf("backups: %zu\n", tk.n_backups);
	return 0;
}

static int apply_edit(const char *cmd, const char *arg, struct verr *e)
{
	long long v;

	if (!strcmp(cmd, "set-gsc")) {
		if (parse_ll(arg, 0, TICKET_GSC_MAX, &v)) {
			verr_set(e, "N must be 0..%d",
				 TICKET_GSC_MAX);
			return -1;
		}
		tk.gsc = (uint8_t)v;
	} else if (!strcmp(cmd, "set-expires-in")) {
		/* ticket_save refuses expires <= 0; a day either side is
		 * all the tests need */
		if (parse_ll(arg, -TICKET_LIFETIME_MAX, TICKET_LIFETIME_MAX,
			     &v)) {
			verr_set(e, "SECONDS must be -%d..%d",
				 TICKET_LIFETIME_MAX, TICKET_LIFETIME_MAX);
			return -1;
		}
		tk.expires = time(NULL) + (time_t)v;
	} else if (!strcmp(cmd, "flip-byte")) {
		if (tk.ticket_len == 0 || tk.ticket_len > TICKET_MAX_LEN ||
		    parse_ll(arg, 0, (long long)tk.ticket_len - 1, &v)) {
			verr_set(e, "INDEX must be 0..%zu",
				 tk.ticket_len ? tk.ticket_len - 1 : 0);
			return -1;
		}
		tk.ticket[v] ^= 0xff;
	} else {
		verr_set(e, "unknown command %s", cmd);
		return -1;
	}
	return 0;
}

/* take, change one field, save: on a bad argument the unchanged ticket
 * is saved back, so a typo does not lose it. */
static int do_edit(struct ticket_store *s, const char *profile,
		   const char *cmd, const char *arg, struct verr *e)
{
	struct verr e2 = { { 0 } };
	int rc;

	if (take_for_edit(s, profile, e))
		return -1;
	rc = apply_edit(cmd, arg, e);
	if (ticket_save(s, profile, &tk, &e2)) {
		verr_set(e, "ticket_save: %s (the ticket is lost)", e2.msg);
		return -1;
	}
	return rc;
}

static int write_private(const char *path, const uint8_t *p, size_t len,
			 struct verr *e)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || fchmod(fd, 0600) < 0) {
		verr_set(e, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			verr_set(e, "%s: write: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		verr_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The saved copy is the file exactly as the store wrote it: its MAC binds
 * it to this store's key and this profile, which restore checks. */
static int do_save(struct ticket_store *s, const char *profile,
		   const char *path, struct verr *e)
{
	if (load_stored(s, profile, e))
		return -1;
	return write_private(path, filebuf, filelen, e);
}

static int do_restore(struct ticket_store *s, const char *profile,
		      const char *path, struct verr *e)
{
	if (read_bounded(AT_FDCWD, path, e))
		return -1;
	if (tkf_decode(s->key, profile, filebuf, filelen, &tk, e))
		return -1;
	return ticket_save(s, profile, &tk, e);
}

static int run(struct ticket_store *s, const char *profile, const char *cmd,
	       const char *arg, struct verr *e)
{
	if (!strcmp(cmd, "show"))
		return do_show(s, profile, e);
	if (!strcmp(cmd, "save"))
		return do_save(s, profile, arg, e);
	if (!strcmp(cmd, "restore"))
		return do_restore(s, profile, arg, e);
	return do_edit(s, profile, cmd, arg, e);
}

static bool known_command(const char *cmd)
{
	static const char *const cmds[] = { "show", "set-gsc",
		"set-expires-in", "flip-byte", "save", "restore", NULL };
	size_t i;

	for (i = 0; cmds[i]; i++)
		if (!strcmp(cmd, cmds[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct ticket_store *s;
	struct verr e = { { 0 } };
	struct stat st;
	int rc;

	if (argc < 4 || argc > 5 || !known_command(argv[3]) ||
	    (argc == 4) != !strcmp(argv[3], "show")) {
		usage();
		return 2;
	}
	if (!ticket_profile_name_ok(argv[2])) {
		fprintf(stderr, "ticket-tool: invalid profile name\n");
		return 2;
	}
	log_set_level(LOG_WARN);
	/* ticket_store_open would create a missing directory and key */
	if (lstat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ticket-tool: %s: not a directory\n", argv[1]);
		return 1;
	}
	s = ticket_store_open(argv[1], &e);
	if (!s) {
		fprintf(stderr, "ticket-tool: %s\n", e.msg);
		return 1;
	}
	rc = run(s, argv[2], argv[3], argc == 5 ? argv[4] : NULL, &e);
	wipe_all();
	ticket_store_close(s);
	if (rc) {
		fprintf(stderr, "ticket-tool: %s %s: %s\n", argv[2], argv[3],
			e.msg);
		return 1;
	}
	return 0;
}
