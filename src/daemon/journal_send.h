/* sd_journal_sendv(3) apart from vpnd/log.h: <systemd/sd-journal.h>
 * brings <syslog.h>, whose LOG_ERR and LOG_INFO macros would clash with
 * vpnd's log levels of the same names. */
#ifndef VPND_DAEMON_JOURNAL_SEND_H
#define VPND_DAEMON_JOURNAL_SEND_H

#include <sys/uio.h>

/* 0, or a negative errno. */
int journal_send(const struct iovec *iov, int n);

#endif
