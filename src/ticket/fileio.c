/* Small file helpers for the ticket store. Everything is relative to the
 * store's directory descriptor, so that a path swapped under us after
 * ticket_store_open cannot redirect a write or a delete. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "ticket_internal.h"

int random_name(char *out, size_t outlen, const char *prefix,
		const char *suffix)
{
	uint8_t rnd[8];
	char hex[2 * sizeof(rnd) + 1];
	size_t i;
	int n;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	n = snprintf(out, outlen, "%s.%s%s", prefix, hex, suffix);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int fsync_dir(int dfd, struct verr *e)
{
	if (fsync(dfd) == 0)
		return 0;
	verr_set(e, "fsync of the ticket directory: %s", strerror(errno));
	return -1;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* O_EXCL so that we never write through a file (or symlink) someone else
 * prepared; fchmod because the umask must not decide the mode. */
static int create_tmp(int dfd, const char *name, char *tmp, size_t tmplen,
		      struct verr *e)
{
	int fd, tries;

	for (tries = 0; tries < 4; tries++) {
		if (random_name(tmp, tmplen, name, TMP_SUFFIX)) {
			verr_set(e, "no random bytes for a temp name");
			return -1;
		}
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 && fchmod(fd, 0600) == 0)
			return fd;
		if (fd >= 0) {
			verr_set(e, "%s: chmod: %s", tmp, strerror(errno));
			close(fd);
			unlinkat(dfd, tmp, 0);
			return -1;
		}
		if (errno != EEXIST)
			break;
	}
	verr_set(e, "cannot create a temp file for %s: %s", name,
		 strerror(errno));
	return -1;
}

static int put_in_place(int dfd, const char *tmp, const char *name,
			bool replace, struct verr *e)
{
	if (replace) {
		if (renameat(dfd, tmp, dfd, name) == 0)
			return 0;
	} else {
		/* link fails if the name exists, unlike rename */
		if (linkat(dfd, tmp, dfd, name, 0) == 0) {
			unlinkat(dfd, tmp, 0);
			return 0;
		}
		if (errno == EEXIST) {
			unlinkat(dfd, tmp, 0);
			return 1;
		}
	}
	verr_set(e, "cannot move %s into place: %s", name, strerror(errno));
	return -1;
}

int write_file_atomic(int dfd, const char *name, const uint8_t *p,
		      size_t len, bool replace, struct verr *e)
{
	char tmp[TICKET_PROFILE_MAX + 64];
	int fd, rc;

	fd = create_tmp(dfd, name, tmp, sizeof(tmp), e);
	if (fd < 0)
		return -1;
	if (write_all(fd, p, len) || fsync(fd)) {
		verr_set(e, "writing %s: %s", tmp, strerror(errno));
		close(fd);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	if (close(fd)) {
		verr_set(e, "closing %s: %s", tmp, strerror(errno));
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	rc = put_in_place(dfd, tmp, name, replace, e);
	if (rc < 0) {
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	if (rc > 0) {
		errno = EEXIST;
		return -1;
	}
	return fsync_dir(dfd, e);
}

int check_private_file(const struct stat *st, const char *what,
		       struct verr *e)
{
	if (!S_ISREG(st->st_mode)) {
		verr_set(e, "%s is not a regular file", what);
		return -1;
	}
	if (st->st_uid != geteuid()) {
		verr_set(e, "%s is owned by uid %u, not by us", what,
			 (unsigned)st->st_uid);
		return -1;
	}
	if (st->st_mode & 077) {
		verr_set(e, "%s has mode %04o; it must be private (0600)", what,
			 (unsigned)(st->st_mode & 07777));
		return -1;
	}
	return 0;
}

int read_fd_bounded(int fd, uint8_t *buf, size_t max, size_t *len,
		    struct verr *e)
{
	size_t off = 0;
	uint8_t extra;
	ssize_t r;

	while (off < max) {
		r = read(fd, buf + off, max - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			verr_set(e, "read: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	if (off == max) {
		do {
			r = read(fd, &extra, 1);
		} while (r < 0 && errno == EINTR);
		if (r != 0) {
			verr_set(e, "file larger than %zu bytes", max);
			return -1;
		}
	}
	*len = off;
	return 0;
}

void unlink_if_same(int dfd, const char *name, const struct stat *st)
{
	struct stat now;

	if (fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now.st_dev == st->st_dev && now.st_ino == st->st_ino &&
	    unlinkat(dfd, name, 0) == 0)
		fsync(dfd);
}
