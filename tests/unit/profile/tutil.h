/* Helpers shared by the profile tests: a private temporary directory
 * that is the working directory, so error messages name "t.yaml". */
#ifndef VPND_TEST_PROFILE_TUTIL_H
#define VPND_TEST_PROFILE_TUTIL_H

#include <sys/types.h>

#include "vpnd/profile.h"

void tu_init_dir(void);
void tu_cleanup_dir(void);
/* Creates or replaces a file with exactly this mode (umask ignored). */
void tu_write(const char *name, mode_t mode, const char *content);
/* Writes content to t.yaml (mode 0600) and loads it. */
int tu_load(const char *content, struct profile *p, struct verr *e);

int add_load_tests(void);
int add_error_tests(void);
int add_alg_tests(void);
int add_id_tests(void);

#endif
