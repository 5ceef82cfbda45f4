/* test-common: the suspend watch, on a clock the test moves; growing
 * arrays; the JSON writer (test_json.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "vpnd/buf.h"
#include "vpnd/loop.h"
#include "vpnd/suspend.h"

#include "tests.h"

struct fake {
	uint64_t mono, boot;
};

static int fake_now(void *ctx, uint64_t *mono_ms, uint64_t *boot_ms)
{
	const struct fake *f = ctx;

	*mono_ms = f->mono;
	*boot_ms = f->boot;
	return 0;
}

struct seen {
	unsigned calls;
	uint64_t slept;
};

static void on_sleep(void *ctx, uint64_t slept_ms)
{
	struct seen *s = ctx;

	s->calls++;
	s->slept = slept_ms;
}

static void test_gap(void)
{
	CU_ASSERT_EQUAL(suspend_gap_ms(1000, 5000, 2000, 6000), 0);
	CU_ASSERT_EQUAL(suspend_gap_ms(1000, 5000, 2000, 66000), 60000);
	/* boot time never runs behind; if a reading says so, no sleep */
	CU_ASSERT_EQUAL(suspend_gap_ms(1000, 5000, 9000, 6000), 0);
	CU_ASSERT_EQUAL(suspend_gap_ms(1000, 5000, 500, 4000), 0);
}

static void test_detection(void)
{
	struct loop *l = loop_new();
	struct fake f = { 1000, 5000 };
	struct suspend_clock clk = { fake_now, &f };
	struct seen s = { 0 };
	struct verr e = { { 0 } };
	struct suspend_watch *w =
		suspend_watch_new(l, 60000, 2000, &clk, on_sleep, &s, &e);

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	f.mono += 5000, f.boot += 5000;         /* awake */
	suspend_watch_check(w);
	CU_ASSERT_EQUAL(s.calls, 0);
	f.mono += 5000, f.boot += 5100;         /* drift, not a sleep */
	suspend_watch_check(w);
	CU_ASSERT_EQUAL(s.calls, 0);
	f.mono += 10, f.boot += 3600000;        /* an hour asleep */
	suspend_watch_check(w);
	CU_ASSERT_EQUAL(s.calls, 1);
	CU_ASSERT_EQUAL(s.slept, 3600000 - 10);
	suspend_watch_check(w);                 /* counted once */
	CU_ASSERT_EQUAL(s.calls, 1);
	suspend_watch_free(w);
	loop_free(l);
}

static void stop(void *ctx)
{
	loop_stop(ctx);
}

/* The boot-time tick reads the clocks by itself. */
static void test_tick(void)
{
	struct loop *l = loop_new();
	struct fake f = { 1000, 5000 };
	struct suspend_clock clk = { fake_now, &f };
	struct seen s = { 0 };
	struct verr e = { { 0 } };
	struct suspend_watch *w =
		suspend_watch_new(l, 20, 2000, &clk, on_sleep, &s, &e);

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	f.boot += 30000;
	loop_timer(l, 200, stop, l);
	loop_run(l);
	CU_ASSERT_EQUAL(s.calls, 1);
	CU_ASSERT_EQUAL(s.slept, 30000);
	suspend_watch_free(w);
	loop_free(l);
}

/* The real clocks, awake: no sleep is seen. */
static void test_real_clocks(void)
{
	struct loop *l = loop_new();
	struct seen s = { 0 };
	struct verr e = { { 0 } };
	struct suspend_watch *w =
		suspend_watch_new(l, 20, 2000, NULL, on_sleep, &s, &e);

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	loop_timer(l, 100, stop, l);
	loop_run(l);
	CU_ASSERT_EQUAL(s.calls, 0);
	suspend_watch_free(w);
	loop_free(l);
}

/* Room for a thousand, the contents kept and new room zeroed; no room
 * when the size would overflow, and the array is then still the old. */
static void test_array_room(void)
{
	uint32_t *v = NULL, *g;
	size_t n, cap = 0, i;
	bool ok = true;

	for (n = 0; n < 1000; n++) {
		g = array_room(v, n, &cap, sizeof(*v));
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		v = g;
		ok &= cap > n && v[n] == 0;
		v[n] = (uint32_t)n * 7;
	}
	CU_ASSERT_TRUE(ok);
	for (i = 0; i < n; i++)
		ok &= v[i] == (uint32_t)i * 7;
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_PTR_EQUAL(array_room(v, n, &cap, sizeof(*v)), v); /* room */
	n = cap;
	CU_ASSERT_PTR_NULL(array_room(v, n, &cap, SIZE_MAX / 4));
	CU_ASSERT_EQUAL(cap, n);
	CU_ASSERT_EQUAL(v[999], 999 * 7);
	free(v);
}

int main(void)
{
	CU_pSuite s;
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("suspend watch", NULL, NULL);
	CU_add_test(s, "the gap between the clocks", test_gap);
	CU_add_test(s, "a sleep is told from drift, once", test_detection);
	CU_add_test(s, "the tick checks by itself", test_tick);
	CU_add_test(s, "the real clocks awake", test_real_clocks);
	s = CU_add_suite("growing arrays", NULL, NULL);
	CU_add_test(s, "array_room", test_array_room);
	add_json_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
