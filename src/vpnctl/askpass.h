/* The EAP password vpnd asks for: read from the terminal without echo
 * (or one line of stdin with --password-stdin) and sent hex-encoded. */
#ifndef VPND_VPNCTL_ASKPASS_H
#define VPND_VPNCTL_ASKPASS_H

#include <stdbool.h>
#include <stddef.h>

/* 256 characters of up to three UTF-8 bytes (RFC 2759's limit). */
#define ASKPASS_MAX 768

/* Into buf (ASKPASS_MAX + 1 bytes), without the line end; returns the
 * length, or -1 with a reason on stderr. from_stdin reads stdin instead
 * of /dev/tty and shows no prompt. */
int askpass_read(const char *prompt, bool from_stdin, char *buf);
/* hex of len bytes into out (2 * len + 1 bytes). */
void askpass_hex(const char *pw, size_t len, char *out);

#endif
