/* Running external programs (DNS managers). */
#ifndef VPND_NETCFG_SPAWN_INTERNAL_H
#define VPND_NETCFG_SPAWN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* Looks 'name' up in the absolute entries of PATH. */
bool nc_find_prog(const char *name, char *out, size_t outlen);
/* Runs argv[0] (a path) with 'input' (may be NULL) on its stdin and its
 * stdout and stderr in 'out' (truncated, NUL-terminated). Returns the
 * exit status, or -1 with errno: ETIMEDOUT after timeout_ms (the program
 * is killed), EINTR if a signal ended it, else why it did not start. */
int nc_run(char *const argv[], const char *input, char *out, size_t outlen,
	   int timeout_ms);

#endif
