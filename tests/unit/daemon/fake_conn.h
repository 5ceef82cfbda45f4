/* TEST ONLY: knobs and counters of the fake engine (fake_conn.c). */
#ifndef VPND_TEST_FAKE_CONN_H
#define VPND_TEST_FAKE_CONN_H

#include <stdatomic.h>

#define FAKE_SLOW_MS 300
#define FAKE_NO_TUNNEL_WHY "TEMPORARY_FAILURE (fake)"

/* Set by the test thread: a slow* disconnect does not finish while it
 * is nonzero, so a request made during the closing meets it there
 * whatever the machine's load. */
extern atomic_int fake_hold_closing;
extern int fake_conn_live;     /* conn_new minus conn_free */
extern int fake_conn_connects; /* conn_connect calls that started */
extern int fake_conn_forgets;  /* conn_forget_resumption calls */
extern int fake_conn_ike_rekeys; /* conn_rekey_ike calls */

/* The fake's engine: just the loop its connections run on. */
struct engine;
struct loop;
struct engine *fake_engine_new(struct loop *l);
void fake_engine_free(struct engine *eng);

#endif
