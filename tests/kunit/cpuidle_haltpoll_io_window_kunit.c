// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for cpuidle/window.c (poll window arithmetic of
 * cpuidle_haltpoll_io) and the service time average of include/vbp_hints.h.
 *
 * window.c is pure logic that cpuidle_haltpoll_io.ko does not export, so
 * it is compiled into this module by including the .c file (see
 * virtio_blk_qmap_kunit.c for why); vbp_hint_ewma() is a static inline
 * of the header.  Expected values are worked out by hand from the rules
 * in the kernel-doc of the functions.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/module.h>

#include "../../cpuidle/window.c"
#include "vbp_hints.h"

static const struct haltpoll_io_tune tune_default = {
	.max_ns = 200000,
	.grow_start_ns = 50000,
	.grow = 2,
	.shrink = 2,
	.allow_shrink = true,
};

static u64 adapt(u64 cur, u64 block, const struct haltpoll_io_tune *t,
		 enum haltpoll_io_adjust *what)
{
	return haltpoll_io_adapt(cur, block, t, what);
}

static void adapt_grows_from_zero(struct kunit *test)
{
	enum haltpoll_io_adjust what;

	KUNIT_EXPECT_EQ(test, adapt(0, 1, &tune_default, &what), 50000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_GROW);
	KUNIT_EXPECT_EQ(test, adapt(0, 200000, &tune_default, &what), 50000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_GROW);
}

static void adapt_grows_by_factor_up_to_max(struct kunit *test)
{
	enum haltpoll_io_adjust what;

	KUNIT_EXPECT_EQ(test, adapt(50000, 50001, &tune_default, &what),
			100000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_GROW);
	KUNIT_EXPECT_EQ(test, adapt(150000, 160000, &tune_default, &what),
			200000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_GROW);
	/* Already at the maximum: nothing left to grow. */
	KUNIT_EXPECT_EQ(test, adapt(200000, 200000, &tune_default, &what),
			200000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
}

static void adapt_keeps_when_wakeup_within_window(struct kunit *test)
{
	enum haltpoll_io_adjust what;

	KUNIT_EXPECT_EQ(test, adapt(100000, 100000, &tune_default, &what),
			100000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
	KUNIT_EXPECT_EQ(test, adapt(100000, 0, &tune_default, &what), 100000);
	KUNIT_EXPECT_EQ(test, adapt(0, 0, &tune_default, &what), 0);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
}

static void adapt_shrinks_to_zero_when_idle(struct kunit *test)
{
	enum haltpoll_io_adjust what;
	u64 w = 200000;

	w = adapt(w, 200001, &tune_default, &what);
	KUNIT_EXPECT_EQ(test, w, 100000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_SHRINK);
	w = adapt(w, NSEC_PER_SEC, &tune_default, &what);
	KUNIT_EXPECT_EQ(test, w, 50000);
	/* 25000 is below grow_start_ns: straight to zero. */
	w = adapt(w, NSEC_PER_SEC, &tune_default, &what);
	KUNIT_EXPECT_EQ(test, w, 0);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_SHRINK);
	/* An idle CPU at zero stays there. */
	w = adapt(w, NSEC_PER_SEC, &tune_default, &what);
	KUNIT_EXPECT_EQ(test, w, 0);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
}

static void adapt_shrink_settings(struct kunit *test)
{
	struct haltpoll_io_tune t = tune_default;
	enum haltpoll_io_adjust what;

	t.shrink = 0;
	KUNIT_EXPECT_EQ(test, adapt(200000, U64_MAX, &t, &what), 0);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_SHRINK);
	t.shrink = 1;
	KUNIT_EXPECT_EQ(test, adapt(200000, U64_MAX, &t, &what), 200000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
	t.shrink = 16;
	t.allow_shrink = false;
	KUNIT_EXPECT_EQ(test, adapt(200000, U64_MAX, &t, &what), 200000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
}

static void adapt_grow_factor_one(struct kunit *test)
{
	struct haltpoll_io_tune t = tune_default;
	enum haltpoll_io_adjust what;

	t.grow = 1;
	KUNIT_EXPECT_EQ(test, adapt(0, 100000, &t, &what), 50000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_GROW);
	KUNIT_EXPECT_EQ(test, adapt(50000, 100000, &t, &what), 50000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
}

static void adapt_follows_lowered_max(struct kunit *test)
{
	struct haltpoll_io_tune t = tune_default;
	enum haltpoll_io_adjust what;

	t.max_ns = 100000;
	KUNIT_EXPECT_EQ(test, adapt(200000, 10, &t, &what), 100000);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
	/* grow_start above max: max wins. */
	t.grow_start_ns = 150000;
	KUNIT_EXPECT_EQ(test, adapt(0, 90000, &t, &what), 100000);
	/* max 0: polling is off, whatever happens. */
	t.max_ns = 0;
	KUNIT_EXPECT_EQ(test, adapt(0, 10, &t, &what), 0);
	KUNIT_EXPECT_EQ(test, adapt(200000, 10, &t, &what), 0);
	KUNIT_EXPECT_EQ(test, adapt(200000, U64_MAX, &t, &what), 0);
}

static void adapt_saturates_on_overflow(struct kunit *test)
{
	struct haltpoll_io_tune t = tune_default;
	enum haltpoll_io_adjust what;

	t.max_ns = U64_MAX;
	t.grow = 16;
	KUNIT_EXPECT_EQ(test, adapt(U64_MAX / 2 + 1, U64_MAX - 1, &t, &what),
			U64_MAX);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_GROW);
	KUNIT_EXPECT_EQ(test, adapt(U64_MAX, U64_MAX, &t, &what), U64_MAX);
	KUNIT_EXPECT_EQ(test, what, HALTPOLL_IO_KEEP);
}

static void io_window_until_expected_completion(struct kunit *test)
{
	/* Submitted at 1000, 100 us service, 20 us margin, now 2000. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(2000, 1000, 100000, 20000,
						    200000), 119000);
	/* Just submitted. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(5000, 5000, 100000, 0,
						    200000), 100000);
	/* No margin, one ns to go. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(100, 0, 101, 0, 200000),
			1);
}

static void io_window_bounded_by_max(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(0, 0, NSEC_PER_MSEC, 20000,
						    200000), 200000);
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(0, 0, 100000, 20000, 0), 0);
}

static void io_window_none_without_estimate_or_late(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(10, 0, 0, 20000, 200000),
			0);
	/* Exactly due, and overdue. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(120000, 0, 100000, 20000,
						    200000), 0);
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(U64_MAX, 0, 100000, 20000,
						    200000), 0);
}

static void source_window_from_latest_event(struct kunit *test)
{
	/* 50 us after a submission, a 200 us bound leaves 150 us. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_source_window(60000, 10000, 200000),
			150000);
	/* Over once the bound has passed, and exactly at it. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_source_window(210000, 10000, 200000),
			0);
	KUNIT_EXPECT_EQ(test, haltpoll_io_source_window(500000, 0, 200000), 0);
	/* Clock behind the event: the whole bound. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_source_window(1000, 5000, 200000),
			200000);
	/* No bound, no window. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_source_window(1000, 1000, 0), 0);
}

static void io_window_clock_backwards_and_overflow(struct kunit *test)
{
	/* Event stamped after now: treated as now. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(1000, 5000, 100000, 20000,
						    200000), 120000);
	/* service + margin overflows: saturates, then the max bounds it. */
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(0, 0, U64_MAX, U64_MAX,
						    200000), 200000);
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(U64_MAX, 0, U64_MAX,
						    U64_MAX, U64_MAX), 0);
	/* Wrapped event time far in the "future". */
	KUNIT_EXPECT_EQ(test, haltpoll_io_io_window(0, U64_MAX, 100000, 0,
						    200000), 100000);
}

static void elapsed_and_stale(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, haltpoll_io_elapsed(10, 30), 20);
	KUNIT_EXPECT_EQ(test, haltpoll_io_elapsed(30, 10), 0);
	KUNIT_EXPECT_EQ(test, haltpoll_io_elapsed(0, U64_MAX), U64_MAX);
	KUNIT_EXPECT_FALSE(test, haltpoll_io_hint_stale(100, 0, 100));
	KUNIT_EXPECT_TRUE(test, haltpoll_io_hint_stale(101, 0, 100));
	KUNIT_EXPECT_FALSE(test, haltpoll_io_hint_stale(0, 1000, 100));
	KUNIT_EXPECT_FALSE(test, haltpoll_io_hint_stale(VBP_HINT_STALE_NS, 0,
							VBP_HINT_STALE_NS));
}

static void ewma_first_sample_and_convergence(struct kunit *test)
{
	u64 avg = 0;
	int i;

	avg = vbp_hint_ewma(avg, 80000);
	KUNIT_EXPECT_EQ(test, avg, 80000);
	/* 80000 - 10000 + 2000 */
	avg = vbp_hint_ewma(avg, 16000);
	KUNIT_EXPECT_EQ(test, avg, 72000);
	for (i = 0; i < 200; i++)
		avg = vbp_hint_ewma(avg, 16000);
	KUNIT_EXPECT_GE(test, avg, 16000);
	KUNIT_EXPECT_LE(test, avg, 16000 + 8);
	/* A zero first sample still marks the estimate as present. */
	KUNIT_EXPECT_EQ(test, vbp_hint_ewma(0, 0), 1);
}

static void ewma_caps_outliers(struct kunit *test)
{
	u64 cap = VBP_HINT_SAMPLE_MAX_NS;

	KUNIT_EXPECT_EQ(test, vbp_hint_ewma(0, U64_MAX), cap);
	KUNIT_EXPECT_EQ(test, vbp_hint_ewma(cap, U64_MAX), cap);
	KUNIT_EXPECT_EQ(test, vbp_hint_ewma(U64_MAX, U64_MAX), cap);
	/* One outlier moves a 100 us average by an eighth of the cap. */
	KUNIT_EXPECT_EQ(test, vbp_hint_ewma(100000, U64_MAX),
			100000 - 12500 + cap / 8);
}

static struct kunit_case cpuidle_haltpoll_io_window_cases[] = {
	KUNIT_CASE(adapt_grows_from_zero),
	KUNIT_CASE(adapt_grows_by_factor_up_to_max),
	KUNIT_CASE(adapt_keeps_when_wakeup_within_window),
	KUNIT_CASE(adapt_shrinks_to_zero_when_idle),
	KUNIT_CASE(adapt_shrink_settings),
	KUNIT_CASE(adapt_grow_factor_one),
	KUNIT_CASE(adapt_follows_lowered_max),
	KUNIT_CASE(adapt_saturates_on_overflow),
	KUNIT_CASE(io_window_until_expected_completion),
	KUNIT_CASE(io_window_bounded_by_max),
	KUNIT_CASE(io_window_none_without_estimate_or_late),
	KUNIT_CASE(io_window_clock_backwards_and_overflow),
	KUNIT_CASE(source_window_from_latest_event),
	KUNIT_CASE(elapsed_and_stale),
	KUNIT_CASE(ewma_first_sample_and_convergence),
	KUNIT_CASE(ewma_caps_outliers),
	{}
};

static struct kunit_suite cpuidle_haltpoll_io_window_suite = {
	.name = "cpuidle_haltpoll_io_window",
	.test_cases = cpuidle_haltpoll_io_window_cases,
};

kunit_test_suite(cpuidle_haltpoll_io_window_suite);

MODULE_DESCRIPTION("KUnit tests for cpuidle_haltpoll_io window arithmetic");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("virtio-blk-poll developers");
