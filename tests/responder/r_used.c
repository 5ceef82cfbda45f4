/* Single use of tickets across a secure domain: every gateway instance
 * appends the id of a ticket it accepts to <domain_dir>/used-tickets and
 * reads that file before accepting one, both under one exclusive flock,
 * so two instances cannot both accept the same ticket.
 *
 * One line per ticket: 32 hex digits of the id, a space, the ticket's
 * expiry in unix seconds, a newline. Lines that do not start with 32 hex
 * digits (a torn write, say) are skipped. Expired lines are never pruned:
 * the file lives as long as a test run. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r_internal.h"
#include "vpnd/log.h"

#define ID_HEX (2 * RESP_TICKET_ID_LEN)
#define LINE_MAX_LEN 64
#define READ_CHUNK 4096

int r_used_begin(struct responder *r, struct r_used_txn *t, struct verr *e)
{
	char path[4096];
	int n;

	t->fd = -1;
	if (!r->cfg.domain_dir)
		return 0;
	n = snprintf(path, sizeof(path), "%s/%s", r->cfg.domain_dir,
		     R_USED_FILE);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		verr_set(e, "domain directory name too long");
		return -1;
	}
	t->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
				   O_NOFOLLOW, 0600);
	if (t->fd < 0) {
		verr_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(t->fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		verr_set(e, "flock %s: %s", path, strerror(errno));
		close(t->fd);
		t->fd = -1;
		return -1;
	}
	return 0;
}

void r_used_end(struct r_used_txn *t)
{
	if (t->fd < 0)
		return;
	flock(t->fd, LOCK_UN);
	close(t->fd);
	t->fd = -1;
}

static void id_hex(const uint8_t id[RESP_TICKET_ID_LEN], char out[ID_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < RESP_TICKET_ID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[ID_HEX] = '\0';
}

static bool line_names(const char *line, size_t len, const char *want)
{
	size_t i;

	if (len < ID_HEX || (len > ID_HEX && line[ID_HEX] != ' '))
		return false;
	for (i = 0; i < ID_HEX; i++)
		if (line[i] != want[i])
			return false;
	return true;
}

static bool in_memory(const struct responder *r,
		      const uint8_t id[RESP_TICKET_ID_LEN])
{
	size_t i, n = r->n_used_mem < R_USED_MEM ? r->n_used_mem : R_USED_MEM;

	for (i = 0; i < n; i++)
		if (!memcmp(r->used_mem[i], id, RESP_TICKET_ID_LEN))
			return true;
	return false;
}

/* Scans the file line by line; an overlong line is skipped whole. */
int r_used_contains(struct responder *r, const struct r_used_txn *t,
		    const uint8_t id[RESP_TICKET_ID_LEN], struct verr *e)
{
	char want[ID_HEX + 1], buf[READ_CHUNK], line[LINE_MAX_LEN];
	size_t llen = 0, i;
	bool overlong = false;
	off_t off = 0;
	ssize_t n;

	if (t->fd < 0)
		return in_memory(r, id);
	id_hex(id, want);
	while ((n = pread(t->fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			verr_set(e, "reading used tickets: %s",
				 strerror(errno));
			return -1;
		}
		off += n;
		for (i = 0; i < (size_t)n; i++) {
			if (buf[i] == '\n') {
				if (!overlong && line_names(line, llen, want))
					return 1;
				llen = 0;
				overlong = false;
			} else if (llen < sizeof(line)) {
				line[llen++] = buf[i];
			} else {
				overlong = true;
			}
		}
	}
	/* A last line without its newline was a torn write: not a use. */
	return 0;
}

/* After a torn write the file does not end in a newline: start ours on
 * a line of its own so that it is not glued to the fragment. */
static bool ends_in_newline(int fd)
{
	struct stat sb;
	char last;

	if (fstat(fd, &sb) < 0 || sb.st_size == 0)
		return true;
	return pread(fd, &last, 1, sb.st_size - 1) == 1 && last == '\n';
}

int r_used_mark(struct responder *r, const struct r_used_txn *t,
		const uint8_t id[RESP_TICKET_ID_LEN], uint64_t expires,
		struct verr *e)
{
	char hex[ID_HEX + 1], line[LINE_MAX_LEN + 1];
	ssize_t w;
	int n;

	if (t->fd < 0) {
		memcpy(r->used_mem[r->n_used_mem % R_USED_MEM], id,
		       RESP_TICKET_ID_LEN);
		r->n_used_mem++;
		return 0;
	}
	id_hex(id, hex);
	n = snprintf(line, sizeof(line), "%s%s %llu\n",
		     ends_in_newline(t->fd) ? "" : "\n", hex,
		     (unsigned long long)expires);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	/* One write with O_APPEND: the line lands whole, at the end. */
	do {
		w = write(t->fd, line, (size_t)n);
	} while (w < 0 && errno == EINTR);
	if (w != n || fdatasync(t->fd) < 0) {
		verr_set(e, "recording a used ticket: %s",
			 w < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}
