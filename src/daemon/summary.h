/* The connections' state in one line, for systemd's STATUS= (sd.c):
 * "2 profiles, 1 connected: work (203.0.113.10)". */
#ifndef VPND_DAEMON_SUMMARY_H
#define VPND_DAEMON_SUMMARY_H

#include "vpnd/buf.h"

#include "conns.h"

/* Writes the line to out, NUL-terminated (out->oom on a failure). Every
 * connection that is up is named with its gateway's address; the others
 * are counted by state. */
void conns_summary(const struct conns *t, struct wbuf *out);

#endif
