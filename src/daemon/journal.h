/* vpnd's log lines into systemd's journal with fields of their own, when
 * stderr is the journal's stream (systemd.exec(5), JOURNAL_STREAM);
 * anywhere else they stay plain lines on stderr (vpnd/log.h). */
#ifndef VPND_DAEMON_JOURNAL_H
#define VPND_DAEMON_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "vpnd/log.h"

/* PRIORITY, SYSLOG_IDENTIFIER, MESSAGE and VPND_CONNECTION, VPND_GATEWAY,
 * VPND_EVENT when known. */
#define JOURNAL_FIELDS_MAX 6

/* One entry: each iov[i] a "NAME=value" string it owns. */
struct journal_entry {
	struct iovec iov[JOURNAL_FIELDS_MAX];
	size_t n;
};

/* JOURNAL_STREAM ("DEVICE:INODE") names the file stderr is. */
bool journal_stream_is_stderr(void);
/* The fields of one log line; false when out of memory (e is then
 * empty). journal_entry_free frees them. */
bool journal_entry_make(struct journal_entry *e, enum log_level lvl,
			const struct log_fields *f, const char *line);
void journal_entry_free(struct journal_entry *e);
/* log_set_writer's writer: sends the entry; false when the journal did
 * not take it (the line then goes to stderr). */
bool journal_write(void *ctx, enum log_level lvl, const struct log_fields *f,
		   const char *line);
/* Sends log lines to the journal when journal_stream_is_stderr(). */
bool journal_use_if_stderr(void);

#endif
