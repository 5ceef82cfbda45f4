/* Saving, taking, peeking at and dropping the ticket of a profile. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "vpnd/log.h"
#include "ticket_internal.h"

const char *ticket_status_name(enum ticket_status s)
{
	switch (s) {
	case TICKET_OK:
		return "ok";
	case TICKET_NONE:
		return "none";
	case TICKET_EXPIRED:
		return "expired";
	case TICKET_REJECTED:
		return "rejected";
	case TICKET_ERROR:
		break;
	}
	return "error";
}

time_t ticket_expiry(time_t now, uint32_t lifetime)
{
	if (lifetime > TICKET_LIFETIME_MAX)
		lifetime = TICKET_LIFETIME_MAX;
	return now + (time_t)lifetime;
}

void ticket_wipe(struct resume_ticket *t)
{
	if (t)
		OPENSSL_cleanse(t, sizeof(*t));
}

static int file_name(char *out, size_t outlen, const char *profile,
		     struct verr *e)
{
	if (!ticket_profile_name_ok(profile)) {
		verr_set(e, "invalid profile name for a ticket (allowed: "
			 "[A-Za-z0-9._-], 1 to %d characters)",
			 TICKET_PROFILE_MAX - 1);
		return -1;
	}
	snprintf(out, outlen, "%s" TICKET_SUFFIX, profile);
	return 0;
}

int ticket_save(struct ticket_store *s, const char *profile,
		const struct resume_ticket *t, struct verr *e)
{
	char name[TICKET_PROFILE_MAX + sizeof(TICKET_SUFFIX)];
	struct wbuf w;
	int rc;

	if (file_name(name, sizeof(name), profile, e))
		return -1;
	if (t->profile[0] && strncmp(t->profile, profile, sizeof(t->profile))) {
		verr_set(e, "ticket of profile %.63s saved as %s", t->profile,
			 profile);
		return -1;
	}
	wb_init(&w);
	rc = tkf_encode(s->key, profile, t, &w, e);
	if (rc == 0)
		rc = write_file_atomic(s->dfd, name, w.p, w.len, true, e);
	wb_free(&w);
	if (rc == 0)
		log_dbg("ticket for %s saved (GSC %u, gateway %s)", profile,
			t->gsc, t->gateway);
	return rc;
}

/* Expiry uses the wall clock so that a ticket survives reboots. A ticket
 * expiring further out than we ever allow means the clock went back (or
 * the file is not ours to trust); it is not used either. */
static enum ticket_status check_time(const struct resume_ticket *t,
				     time_t now, struct verr *e)
{
	long long ahead;

	if (t->expires <= now) {
		verr_set(e, "ticket expired");
		return TICKET_EXPIRED;
	}
	/* the file's value is not trusted to keep the subtraction in range */
	if (__builtin_sub_overflow((long long)t->expires, (long long)now,
				   &ahead) || ahead > TICKET_LIFETIME_MAX) {
		verr_set(e, "ticket expiry is further ahead than a ticket may "
			 "live (clock moved back?)");
		return TICKET_EXPIRED;
	}
	return TICKET_OK;
}

/* Reads and verifies an open ticket file. */
static enum ticket_status load_fd(struct ticket_store *s, int fd,
				  const char *profile, time_t now,
				  struct resume_ticket *out, struct verr *e)
{
	uint8_t buf[TKF_FILE_MAX];
	enum ticket_status st = TICKET_REJECTED;
	struct stat sb;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	if (fstat(fd, &sb) < 0) {
		verr_set(e, "fstat: %s", strerror(errno));
		return TICKET_ERROR;
	}
	if (check_private_file(&sb, "ticket file", e) == 0 &&
	    read_fd_bounded(fd, buf, sizeof(buf), &len, e) == 0 &&
	    tkf_decode(s->key, profile, buf, len, out, e) == 0)
		st = check_time(out, now, e);
	OPENSSL_cleanse(buf, len);
	if (st != TICKET_OK)
		ticket_wipe(out);
	return st;
}

static void report(const char *profile, enum ticket_status st,
		   const struct verr *e)
{
	if (st == TICKET_REJECTED)
		log_warn("ticket for %s rejected and deleted: %s", profile,
			 e->msg);
	else if (st == TICKET_EXPIRED)
		log_info("ticket for %s deleted: %s", profile, e->msg);
}

/* Renaming the file away first makes the take atomic: of two takers (or a
 * take racing a save) only one gets this ticket, and a new ticket saved
 * meanwhile is not the one deleted. */
static enum ticket_status claim(struct ticket_store *s, const char *name,
				char *claimed, size_t len, struct verr *e)
{
	if (random_name(claimed, len, name, CLAIM_SUFFIX)) {
		verr_set(e, "no random bytes for a temp name");
		return TICKET_ERROR;
	}
	if (renameat(s->dfd, name, s->dfd, claimed) == 0)
		return TICKET_OK;
	if (errno == ENOENT)
		return TICKET_NONE;
	verr_set(e, "cannot remove the ticket file (so it is not used): %s",
		 strerror(errno));
	return TICKET_ERROR;
}

static enum ticket_status open_claimed(struct ticket_store *s,
				       const char *claimed,
				       const char *profile, time_t now,
				       struct resume_ticket *out,
				       struct verr *e)
{
	enum ticket_status st;
	int fd;

	fd = openat(s->dfd, claimed, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		verr_set(e, "ticket file: %s", errno == ELOOP ?
			 "is a symlink" : strerror(errno));
		return errno == ELOOP ? TICKET_REJECTED : TICKET_ERROR;
	}
	st = load_fd(s, fd, profile, now, out, e);
	close(fd);
	return st;
}

enum ticket_status ticket_take(struct ticket_store *s, const char *profile,
			       time_t now, struct resume_ticket *out,
			       struct verr *e)
{
	char name[TICKET_PROFILE_MAX + sizeof(TICKET_SUFFIX)];
	char claimed[sizeof(name) + 32];
	enum ticket_status st;
	struct verr e2;

	memset(out, 0, sizeof(*out));
	if (file_name(name, sizeof(name), profile, e))
		return TICKET_ERROR;
	st = claim(s, name, claimed, sizeof(claimed), e);
	if (st != TICKET_OK)
		return st;
	st = open_claimed(s, claimed, profile, now, out, e);
	if (unlinkat(s->dfd, claimed, 0) < 0 || fsync_dir(s->dfd, &e2)) {
		/* a ticket handed out must be gone from disk for good */
		verr_set(e, "cannot delete the ticket file: %s",
			 strerror(errno));
		ticket_wipe(out);
		return TICKET_ERROR;
	}
	report(profile, st, e);
	if (st != TICKET_OK)
		ticket_wipe(out);
	return st;
}

int ticket_drop(struct ticket_store *s, const char *profile)
{
	char name[TICKET_PROFILE_MAX + sizeof(TICKET_SUFFIX)];

	if (file_name(name, sizeof(name), profile, NULL))
		return -1;
	if (unlinkat(s->dfd, name, 0) < 0)
		return errno == ENOENT ? 0 : -1;
	log_dbg("ticket for %s dropped", profile);
	return fsync_dir(s->dfd, NULL);
}

static void fill_info(const struct resume_ticket *t, struct ticket_info *info)
{
	info->expires = t->expires;
	info->gsc = t->gsc;
	memcpy(info->gateway, t->gateway, sizeof(info->gateway));
	info->n_backups = t->n_backups;
}

enum ticket_status ticket_peek(struct ticket_store *s, const char *profile,
			       time_t now, struct ticket_info *info)
{
	char name[TICKET_PROFILE_MAX + sizeof(TICKET_SUFFIX)];
	struct resume_ticket *t;
	enum ticket_status st;
	struct verr e = { "" };
	struct stat sb;
	int fd;

	memset(info, 0, sizeof(*info));
	if (file_name(name, sizeof(name), profile, NULL))
		return TICKET_ERROR;
	fd = openat(s->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return TICKET_NONE;
	if (fd < 0 && errno == ELOOP) {
		if (fstatat(s->dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			unlink_if_same(s->dfd, name, &sb);
		verr_set(&e, "ticket file is a symlink");
		report(profile, TICKET_REJECTED, &e);
		return TICKET_REJECTED;
	}
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		return TICKET_ERROR;
	}
	t = secure_zalloc(sizeof(*t));
	if (!t) {
		close(fd);
		return TICKET_ERROR;
	}
	st = load_fd(s, fd, profile, now, t, &e);
	close(fd);
	if (st == TICKET_OK)
		fill_info(t, info);
	secure_free(t, sizeof(*t));
	if (st == TICKET_EXPIRED || st == TICKET_REJECTED) {
		unlink_if_same(s->dfd, name, &sb);
		report(profile, st, &e);
	}
	return st;
}
