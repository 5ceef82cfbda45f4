/* Opening the ticket directory: it must be ours and not writable by
 * anyone else, since whoever can write it can plant or remove tickets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "vpnd/log.h"
#include "ticket_internal.h"

bool ticket_profile_name_ok(const char *name)
{
	size_t i, n;

	if (!name)
		return false;
	n = strnlen(name, TICKET_PROFILE_MAX);
	if (n == 0 || n >= TICKET_PROFILE_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

static int open_dir(const char *dir, struct verr *e)
{
	struct stat st;
	int dfd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		verr_set(e, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		verr_set(e, "%s: %s", dir, errno == ELOOP || errno == ENOTDIR ?
			 "not a directory (or a symlink)" : strerror(errno));
		return -1;
	}
	if (fstat(dfd, &st) < 0) {
		verr_set(e, "%s: %s", dir, strerror(errno));
	} else if (st.st_uid != geteuid()) {
		verr_set(e, "%s: owned by uid %u, not by us; refusing it", dir,
			 (unsigned)st.st_uid);
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		verr_set(e, "%s: writable by group/others (mode %04o); "
			 "refusing it", dir, (unsigned)(st.st_mode & 07777));
	} else {
		return dfd;
	}
	close(dfd);
	return -1;
}

static int read_key(struct ticket_store *s, int fd, struct verr *e)
{
	struct stat st;
	size_t len;

	if (fstat(fd, &st) < 0) {
		verr_set(e, STORE_KEY_NAME ": %s", strerror(errno));
		return -1;
	}
	if (check_private_file(&st, STORE_KEY_NAME, e))
		return -1;
	if (read_fd_bounded(fd, s->key, sizeof(s->key), &len, e))
		return -1;
	if (len != sizeof(s->key)) {
		verr_set(e, STORE_KEY_NAME ": %zu bytes, expected %d", len,
			 STORE_KEY_LEN);
		return -1;
	}
	return 0;
}

static int create_key(struct ticket_store *s, struct verr *e)
{
	if (RAND_bytes(s->key, sizeof(s->key)) != 1) {
		verr_set(e, "no random bytes for the store key");
		return -1;
	}
	if (write_file_atomic(s->dfd, STORE_KEY_NAME, s->key, sizeof(s->key),
			      false, e) == 0)
		return 0;
	/* another process created it first: use theirs */
	return errno == EEXIST ? 1 : -1;
}

static int load_key(struct ticket_store *s, struct verr *e)
{
	int fd, rc, tries;

	for (tries = 0; tries < 2; tries++) {
		fd = openat(s->dfd, STORE_KEY_NAME,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			rc = read_key(s, fd, e);
			close(fd);
			return rc;
		}
		if (errno != ENOENT) {
			verr_set(e, STORE_KEY_NAME ": %s", strerror(errno));
			return -1;
		}
		rc = create_key(s, e);
		if (rc <= 0)
			return rc;
	}
	verr_set(e, STORE_KEY_NAME ": cannot be created or read");
	return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* A crash between writing and renaming (or during a take) leaves a temp
 * file; it never holds a ticket we may use, so it goes. */
static void sweep_leftovers(int dfd)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = dup(dfd);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!ends_with(de->d_name, TMP_SUFFIX) &&
		    !ends_with(de->d_name, CLAIM_SUFFIX))
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0)
			log_dbg("ticket store: removed leftover %s",
				de->d_name);
	}
	closedir(d);
}

struct ticket_store *ticket_store_open(const char *dir, struct verr *e)
{
	struct ticket_store *s;

	s = secure_zalloc(sizeof(*s));
	if (!s) {
		verr_set(e, "out of memory");
		return NULL;
	}
	s->dfd = open_dir(dir, e);
	if (s->dfd < 0) {
		secure_free(s, sizeof(*s));
		return NULL;
	}
	if (load_key(s, e)) {
		ticket_store_close(s);
		return NULL;
	}
	sweep_leftovers(s->dfd);
	return s;
}

void ticket_store_close(struct ticket_store *s)
{
	if (!s)
		return;
	if (s->dfd >= 0)
		close(s->dfd);
	secure_free(s, sizeof(*s));
}
