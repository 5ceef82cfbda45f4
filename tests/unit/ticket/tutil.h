/* Helpers for the ticket store tests: scratch directories, sample
 * tickets, raw file access and resealing a hand-edited file. */
#ifndef TICKET_TUTIL_H
#define TICKET_TUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpnd/ticket.h"

extern char tu_base[];  /* per-test scratch directory */
extern char tu_dir[];   /* tu_base/store: not created until opened */
extern time_t tu_now;

/* Fresh scratch directory and an open store in tu_dir. */
struct ticket_store *tu_setup(void);
void tu_teardown(struct ticket_store *s);
void tu_rm_rf(const char *path);

/* Every field set; 'full' uses the maximum sizes everywhere. */
void tu_fill(struct resume_ticket *t, bool full, uint8_t seed);
void tu_assert_same(const struct resume_ticket *a,
		    const struct resume_ticket *b);
bool tu_all_zero(const void *p, size_t n);

/* Raw files inside tu_dir. */
bool tu_exists(const char *name);
uint8_t *tu_read(const char *name, size_t *len);
void tu_write(const char *name, const uint8_t *p, size_t len);
int tu_count_entries(void);
bool tu_only(const char *const *names, size_t n);

/* Recomputes the trailing HMAC with the store key (or 'key' if given). */
void tu_reseal(uint8_t *p, size_t len, const uint8_t *key);

int add_store_tests(void);
int add_corrupt_tests(void);

#endif
