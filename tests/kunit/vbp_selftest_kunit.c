// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit harness self-test: with fail=1 one case, and one parameter of a
 * parameterized case, fail on purpose, so tests/cases/20_kunit.py can
 * prove on real KTAP output that a failing KUnit case fails the run.
 * With fail=0 (the default) every case passes, one is skipped.  Never
 * shipped.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "make the planted cases fail");

static void vbp_selftest_passes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1 + 1, 2);
}

static void vbp_selftest_fails_on_request(struct kunit *test)
{
	KUNIT_EXPECT_FALSE_MSG(test, fail, "planted failure (fail=1)");
}

static const char * const vbp_selftest_params[] = { "good", "planted" };

static void vbp_selftest_param_desc(const char * const *p, char *desc)
{
	strscpy(desc, *p, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vbp_selftest, vbp_selftest_params, vbp_selftest_param_desc);

static void vbp_selftest_param(struct kunit *test)
{
	const char * const *p = test->param_value;

	KUNIT_EXPECT_FALSE(test, fail && !strcmp(*p, "planted"));
}

static void vbp_selftest_skips(struct kunit *test)
{
	kunit_skip(test, "planted skip");
}

static struct kunit_case vbp_selftest_cases[] = {
	KUNIT_CASE(vbp_selftest_passes),
	KUNIT_CASE(vbp_selftest_fails_on_request),
	KUNIT_CASE_PARAM(vbp_selftest_param, vbp_selftest_gen_params),
	KUNIT_CASE(vbp_selftest_skips),
	{}
};

static struct kunit_suite vbp_selftest_suite = {
	.name = "vbp_selftest_kunit",
	.test_cases = vbp_selftest_cases,
};

kunit_test_suite(vbp_selftest_suite);

MODULE_DESCRIPTION("virtio-blk-poll KUnit harness self-test: planted failures");
MODULE_LICENSE("GPL");
