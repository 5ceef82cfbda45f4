/* Secrets: the pre-shared key file, the EAP password file and the
 * private key file (and a profile holding an inline secret) must be
 * private to their owner, and that owner must be root or the user vpnd
 * runs as: a file another user owns is that user's to rewrite, whatever
 * its mode. As ssh does for its
 * keys, and as the ticket store does for its files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

int check_secret_mode(const char *path, const struct stat *st,
		      struct verr *e)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		verr_set(e, "%s: secret file is owned by uid %u; only root or "
			 "uid %u (this process) may own it", path,
			 (unsigned)st->st_uid, (unsigned)geteuid());
		return -1;
	}
	if (!(st->st_mode & 077))
		return 0;
	verr_set(e, "%s: secret file is readable by group/others (mode %04o); "
		 "chmod 600 it", path, (unsigned)(st->st_mode & 07777));
	return -1;
}

static ssize_t read_all(int fd, uint8_t *buf, size_t size)
{
	size_t off = 0;
	ssize_t r;

	while (off < size) {
		r = read(fd, buf + off, size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		off += (size_t)r;
	}
	return (ssize_t)off;
}

/* A secret file: the psk-file or the eap password-file. */
struct secret_file {
	const char *key;       /* the profile key, for messages */
	const char *path;
	yaml_node_t *node;
	struct chunk *out;
};

/* The mode is checked on the descriptor we read from, so a file swapped
 * in between cannot slip past the check. */
static int read_secret(struct pctx *c, const struct secret_file *f, int fd,
		       uint8_t *buf, size_t *len)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return perr(c, f->node, "%s '%s' is not a regular file",
			    f->key, f->path);
	if (check_secret_mode(f->path, &st, c->e) < 0)
		return -1;
	/* one byte more than allowed tells an oversized file apart */
	n = read_all(fd, buf, PSK_FILE_MAX + 1);
	if (n < 0)
		return perr(c, f->node, "cannot read %s '%s': %s", f->key,
			    f->path, strerror(errno));
	if (n > PSK_FILE_MAX)
		return perr(c, f->node, "%s '%s' is larger than %d bytes",
			    f->key, f->path, PSK_FILE_MAX);
	*len = (size_t)n;
	if (*len && buf[*len - 1] == '\n')
		(*len)--;
	if (*len && buf[*len - 1] == '\r')
		(*len)--;
	if (!*len)
		return perr(c, f->node, "%s '%s' is empty", f->key, f->path);
	return 0;
}

static int load_secret(struct pctx *c, const struct secret_file *f)
{
	uint8_t buf[PSK_FILE_MAX + 1];
	size_t len = 0;
	int fd, rc;

	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return perr(c, f->node, "cannot open %s '%s': %s", f->key,
			    f->path, strerror(errno));
	rc = read_secret(c, f, fd, buf, &len);
	close(fd);
	if (rc == 0 && !chunk_secure_set(f->out, buf, len))
		rc = perr(c, f->node, "out of memory");
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int load_psk_file(struct pctx *c)
{
	struct secret_file f = { "psk-file", c->psk_file, c->n_psk_file,
				 &c->p->psk };

	return load_secret(c, &f);
}

int load_password_file(struct pctx *c)
{
	struct secret_file f = { "password-file", c->password_file,
				 c->n_password_file, &c->p->eap_password };

	return load_secret(c, &f);
}

int check_key_file(struct pctx *c)
{
	struct stat st;

	if (stat(c->p->key_file, &st) < 0)
		return perr(c, c->n_key, "cannot access key file '%s': %s",
			    c->p->key_file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return perr(c, c->n_key, "key file '%s' is not a regular file",
			    c->p->key_file);
	return check_secret_mode(c->p->key_file, &st, c->e);
}

/* Certificates are public, but a typo is better caught at load time
 * than at the first connection attempt. */
int check_readable(struct pctx *c, yaml_node_t *n, const char *what,
		   const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return perr(c, n, "cannot access %s '%s': %s", what, path,
			    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return perr(c, n, "%s '%s' is not a regular file", what, path);
	return 0;
}
