#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "journal_send.h"

/* "DEVICE:INODE", both decimal, nothing else. */
static bool parse_stream(const char *s, unsigned long long *dev,
			 unsigned long long *ino)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*dev = strtoull(s, &end, 10);
	if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	*ino = strtoull(end + 1, &end, 10);
	return !errno && *end == '\0';
}

bool journal_stream_is_stderr(void)
{
	unsigned long long dev, ino;
	struct stat st;

	if (!parse_stream(getenv("JOURNAL_STREAM"), &dev, &ino) ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

/* syslog(3)'s numbers, which PRIORITY= takes (<syslog.h> itself names
 * them LOG_ERR, LOG_INFO, ..., as vpnd/log.h names its levels). */
static int syslog_priority(enum log_level lvl)
{
	switch (lvl) {
	case LOG_ERR:
		return 3;
	case LOG_WARN:
		return 4;
	case LOG_INFO:
		return 6;
	case LOG_DBG:
		break;
	}
	return 7;
}

static bool add(struct journal_entry *e, const char *name, const char *value)
{
	char *s;
	int n;

	if (!value || !*value)
		return true;
	n = asprintf(&s, "%s=%s", name, value);
	if (n < 0)
		return false;
	e->iov[e->n].iov_base = s;
	e->iov[e->n].iov_len = (size_t)n;
	e->n++;
	return true;
}

bool journal_entry_make(struct journal_entry *e, enum log_level lvl,
			const struct log_fields *f, const char *line)
{
	static const struct log_fields none;
	char prio[4];

	if (!f)
		f = &none;
	e->n = 0;
	snprintf(prio, sizeof(prio), "%d", syslog_priority(lvl));
	if (add(e, "PRIORITY", prio) && add(e, "SYSLOG_IDENTIFIER", "vpnd") &&
	    add(e, "MESSAGE", line) &&
	    add(e, "VPND_CONNECTION", f->connection) &&
	    add(e, "VPND_GATEWAY", f->gateway) &&
	    add(e, "VPND_EVENT", f->event))
		return true;
	journal_entry_free(e);
	return false;
}

void journal_entry_free(struct journal_entry *e)
{
	while (e->n)
		free(e->iov[--e->n].iov_base);
}

bool journal_write(void *ctx, enum log_level lvl, const struct log_fields *f,
		   const char *line)
{
	struct journal_entry e;
	int r;

	if (!journal_entry_make(&e, lvl, f, line))
		return false;
	r = journal_send(e.iov, (int)e.n);
	journal_entry_free(&e);
	return r >= 0;
}

bool journal_use_if_stderr(void)
{
	if (!journal_stream_is_stderr())
		return false;
	log_set_writer(journal_write, NULL);
	return true;
}
