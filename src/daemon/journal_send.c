#include <systemd/sd-journal.h>

#include "journal_send.h"

int journal_send(const struct iovec *iov, int n)
{
	return sd_journal_sendv(iov, n);
}
