/* The network monitor against the real kernel: what an administrator
 * or a roaming uplink changes arrives as one debounced report. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "ntest.h"
#include "vpnd/loop.h"
#include "vpnd/netmon.h"

#define DEBOUNCE_MS 100

struct seen {
	unsigned reports;
	struct netmon_change last;
	unsigned what;          /* of every report since the test reset it */
	bool link_down;         /* ... and whether one said a link went down */
	uint64_t first_at;
};

static void on_change(void *ctx, const struct netmon_change *ch)
{
	struct seen *s = ctx;

	if (!s->reports++)
		s->first_at = loop_now_ms();
	s->last = *ch;
	s->what |= ch->what;
	s->link_down |= ch->link_down;
}

static void stop(void *ctx)
{
	loop_stop(ctx);
}

static void run_ms(struct loop *l, unsigned ms)
{
	loop_timer(l, ms, stop, l);
	loop_run(l);
}

static struct netmon *open_mon(struct loop *l, struct seen *s)
{
	struct verr e = { { 0 } };
	struct netmon *m;

	memset(s, 0, sizeof(*s));
	m = netmon_open(l, DEBOUNCE_MS, on_change, s, &e);
	if (!m)
		CU_FAIL_FATAL(e.msg);
	return m;
}

static void test_quiet(void)
{
	struct loop *l = loop_new();
	struct seen s;
	struct netmon *m = open_mon(l, &s);

	run_ms(l, 3 * DEBOUNCE_MS);
	CU_ASSERT_EQUAL(s.reports, 0);
	netmon_close(m);
	loop_free(l);
}

/* An address gone and another one come (with their prefix routes):
 * one report naming both. */
static void test_address_move(void)
{
	struct loop *l = loop_new();
	struct seen s;
	struct netmon *m = open_mon(l, &s);

	CU_ASSERT_EQUAL_FATAL(tn_add_addr(NT_DEV, "198.51.100.7", 24), 0);
	CU_ASSERT_EQUAL_FATAL(tn_del_addr(NT_DEV, "198.51.100.7", 24), 0);
	CU_ASSERT_EQUAL_FATAL(tn_add_addr(NT_DEV, "203.0.113.7", 24), 0);
	run_ms(l, 3 * DEBOUNCE_MS);
	CU_ASSERT_EQUAL(s.reports, 1);
	CU_ASSERT(s.last.what & NETMON_ADDR);
	CU_ASSERT(s.last.what & NETMON_ROUTE);
	CU_ASSERT_TRUE(s.last.addr_removed);
	CU_ASSERT(s.last.events >= 3);
	CU_ASSERT_EQUAL(tn_del_addr(NT_DEV, "203.0.113.7", 24), 0);
	netmon_close(m);
	loop_free(l);
}

/* Runs the loop a debounce at a time until the n-th report (5 s at
 * most): on a loaded machine the peer's carrier change may come a
 * debounce after the link's own and be reported apart. */
static void run_until_reports(struct loop *l, const struct seen *s,
			      unsigned n)
{
	for (int i = 0; i < 50 && s->reports < n; i++)
		run_ms(l, DEBOUNCE_MS);
	run_ms(l, 3 * DEBOUNCE_MS);
}

static void test_link_down_up(void)
{
	struct loop *l = loop_new();
	struct seen s;
	struct netmon *m = open_mon(l, &s);
	unsigned down;

	CU_ASSERT_EQUAL_FATAL(tn_link_set("veth1", false), 0);
	run_until_reports(l, &s, 1);
	CU_ASSERT(s.reports >= 1);
	CU_ASSERT(s.what & NETMON_LINK);
	CU_ASSERT_TRUE(s.link_down);
	down = s.reports;
	/* the link's report may be followed by one of the addresses and
	 * routes the kernel adds as it comes up */
	s.what = 0;
	CU_ASSERT_EQUAL_FATAL(tn_link_set("veth1", true), 0);
	run_until_reports(l, &s, down + 1);
	CU_ASSERT(s.reports > down);
	CU_ASSERT(s.what & NETMON_LINK);
	netmon_close(m);
	loop_free(l);
}

/* A network that never settles is still reported, by 4 debounces after
 * its first change. */
struct flapper {
	struct loop *l;
	unsigned left;
};

static void flap(void *ctx)
{
	struct flapper *f = ctx;

	if (f->left % 2)
		tn_del_addr(NT_DEV, "198.51.100.8", 24);
	else
		tn_add_addr(NT_DEV, "198.51.100.8", 24);
	if (--f->left)
		loop_timer(f->l, DEBOUNCE_MS / 2, flap, f);
}

static void test_never_settles(void)
{
	struct loop *l = loop_new();
	struct flapper f = { l, 20 };
	struct seen s;
	struct netmon *m = open_mon(l, &s);
	uint64_t start = loop_now_ms();

	flap(&f);
	run_ms(l, 10 * DEBOUNCE_MS);
	CU_ASSERT(s.reports >= 1);
	CU_ASSERT(s.reports >= 1 && s.first_at - start <= 5 * DEBOUNCE_MS);
	/* the last flap removed the address */
	netmon_close(m);
	loop_free(l);
}

void add_monitor_tests(void)
{
	CU_pSuite s = CU_add_suite("network monitor", NULL, NULL);

	CU_add_test(s, "nothing changes, nothing reported", test_quiet);
	CU_add_test(s, "an address moves: one report", test_address_move);
	CU_add_test(s, "the uplink loses its carrier and gets it back",
		    test_link_down_up);
	CU_add_test(s, "a network that never settles is reported",
		    test_never_settles);
}
