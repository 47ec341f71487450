// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for virtio_blk/qmap.c: queue split, the CPU -> queue maps
 * built from it, and tag set depth.
 *
 * The code under test is compiled into this module by including its .c
 * file: qmap.c is pure logic that virtio_blk.ko does not export, and an
 * out-of-tree kbuild cannot link an object from another directory into
 * this module without building it twice in one place.  Including it gives
 * this module its own private copy of the functions (nothing is exported,
 * so it can be loaded next to virtio_blk.ko), always from the same source.
 *
 * Expected values are worked out by hand from the rules in qmap.h.
 */
#include <kunit/test.h>
#include <linux/blk-mq.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "../../virtio_blk/qmap.c"

struct qsplit_case {
	unsigned int cpus, dev, nrq, poll;	/* inputs */
	int ret;				/* expected return */
	unsigned int nr_default, nr_poll;	/* expected split */
};

static const struct qsplit_case qsplit_cases[] = {
	/* single CPU, single queue: polling cannot take the only queue */
	{ 1, 1, 0, 0, 0, 1, 0 },
	{ 1, 1, 0, 1, 0, 1, 0 },
	{ 1, 1, 1, 1, 0, 1, 0 },
	/* one queue per CPU */
	{ 4, 4, 0, 0, 0, 4, 0 },
	{ 4, 4, 0, 1, 0, 3, 1 },
	{ 4, 4, 0, 3, 0, 1, 3 },
	{ 4, 4, 0, 4, 0, 1, 3 },
	{ 4, 4, 0, 100, 0, 1, 3 },
	{ 4, 4, 0, UINT_MAX, 0, 1, 3 },
	{ 3, 4, 0, 2, 0, 1, 2 },
	/* fewer device queues than CPUs, and the other way round */
	{ 8, 2, 0, 1, 0, 1, 1 },
	{ 8, 2, 0, 0, 0, 2, 0 },
	{ 2, 8, 0, 1, 0, 1, 1 },
	{ 2, 8, 0, 0, 0, 2, 0 },
	{ 16, 1, 0, 4, 0, 1, 0 },
	/* num_request_queues limits the total, 0 means no limit */
	{ 8, 8, 2, 0, 0, 2, 0 },
	{ 8, 8, 2, 1, 0, 1, 1 },
	{ 8, 8, 3, 5, 0, 1, 2 },
	{ 8, 8, 1, 5, 0, 1, 0 },
	{ 8, 8, 16, 0, 0, 8, 0 },
	{ 8, 8, UINT_MAX, 2, 0, 6, 2 },
	{ 2, 2, 1, 1, 0, 1, 0 },
	/* large machines and devices (num_queues is 16 bits on the wire) */
	{ 64, 65535, 0, 0, 0, 64, 0 },
	{ 8192, 65535, 0, 16, 0, 8176, 16 },
	{ 8192, 65535, 4096, 4095, 0, 1, 4095 },
	{ UINT_MAX, UINT_MAX, 0, 0, 0, UINT_MAX, 0 },
	{ UINT_MAX, UINT_MAX, 0, UINT_MAX, 0, 1, UINT_MAX - 1 },
	{ UINT_MAX, 65535, UINT_MAX, 1, 0, 65534, 1 },
	/* nonsense: no CPUs or no device queues */
	{ 0, 4, 0, 0, -EINVAL, 0, 0 },
	{ 4, 0, 0, 0, -EINVAL, 0, 0 },
	{ 0, 0, 0, 0, -EINVAL, 0, 0 },
	{ 0, 4, 2, 1, -EINVAL, 0, 0 },
	{ 4, 0, 4, 4, -EINVAL, 0, 0 },
	{ UINT_MAX, 0, UINT_MAX, UINT_MAX, -EINVAL, 0, 0 },
};

static void qsplit_case_desc(const struct qsplit_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "cpus=%u dev=%u nrq=%u poll=%u",
		 c->cpus, c->dev, c->nrq, c->poll);
}

KUNIT_ARRAY_PARAM(qsplit, qsplit_cases, qsplit_case_desc);

static void virtblk_qmap_split_table(struct kunit *test)
{
	const struct qsplit_case *c = test->param_value;
	struct virtblk_qsplit s = { 0, 0 };
	int ret;

	ret = virtblk_qmap_split(c->cpus, c->dev, c->nrq, c->poll, &s);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret)
		return;
	KUNIT_EXPECT_EQ(test, s.nr_default, c->nr_default);
	KUNIT_EXPECT_EQ(test, s.nr_poll, c->nr_poll);
	KUNIT_EXPECT_EQ(test, virtblk_qmap_total(&s),
			c->nr_default + c->nr_poll);
}

/*
 * The rules of qmap.h checked over every small combination, including
 * zeroes: at least one default queue, the total bounded by every limit
 * and equal to the smallest one, and polled queues granted up to the
 * request as long as one default queue is left.
 */
static void virtblk_qmap_split_invariants(struct kunit *test)
{
	unsigned int i, cpus, dev, nrq, poll, want, bad = 0;
	struct virtblk_qsplit s;
	int ret;

	/* cpus, dev and nrq in 0..9, poll in 0..10 */
	for (i = 0; i < 10 * 10 * 10 * 11; i++) {
		cpus = i % 10;
		dev = i / 10 % 10;
		nrq = i / 100 % 10;
		poll = i / 1000;
		ret = virtblk_qmap_split(cpus, dev, nrq, poll, &s);
		if (!cpus || !dev) {
			if (ret != -EINVAL)
				bad++;
			continue;
		}
		want = min(cpus, dev);
		if (nrq)
			want = min(want, nrq);
		if (ret || s.nr_default < 1 || virtblk_qmap_total(&s) != want ||
		    s.nr_poll != min(poll, want - 1)) {
			if (!bad)
				kunit_err(test,
					  "cpus=%u dev=%u nrq=%u poll=%u: ret=%d default=%u poll=%u\n",
					  cpus, dev, nrq, poll, ret,
					  s.nr_default, s.nr_poll);
			bad++;
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static void virtblk_qmap_is_poll_index(struct kunit *test)
{
	struct virtblk_qsplit s = { .nr_default = 3, .nr_poll = 2 };
	struct virtblk_qsplit one = { .nr_default = 1, .nr_poll = 0 };
	struct virtblk_qsplit big = { .nr_default = 1,
				      .nr_poll = UINT_MAX - 1 };

	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&s, 0));
	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&s, 1));
	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&s, 2));
	KUNIT_EXPECT_TRUE(test, virtblk_qmap_is_poll(&s, 3));
	KUNIT_EXPECT_TRUE(test, virtblk_qmap_is_poll(&s, 4));
	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&s, 5));
	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&s, UINT_MAX));
	KUNIT_EXPECT_EQ(test, virtblk_qmap_total(&s), 5);

	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&one, 0));
	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&one, 1));
	KUNIT_EXPECT_EQ(test, virtblk_qmap_total(&one), 1);

	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&big, 0));
	KUNIT_EXPECT_TRUE(test, virtblk_qmap_is_poll(&big, 1));
	KUNIT_EXPECT_TRUE(test, virtblk_qmap_is_poll(&big, UINT_MAX - 1));
	KUNIT_EXPECT_FALSE(test, virtblk_qmap_is_poll(&big, UINT_MAX));
	KUNIT_EXPECT_EQ(test, virtblk_qmap_total(&big), UINT_MAX);
}

/* Every virtqueue of a split is exactly one of default or poll. */
static void virtblk_qmap_is_poll_partition(struct kunit *test)
{
	unsigned int i, qid, npoll, bad = 0;
	struct virtblk_qsplit s;
	bool p;

	/* 1..16 CPUs, 0..16 poll queues requested, 16 device queues */
	for (i = 0; i < 16 * 17; i++) {
		KUNIT_ASSERT_EQ(test, virtblk_qmap_split(i % 16 + 1, 16, 0,
							 i / 16, &s), 0);
		npoll = 0;
		for (qid = 0; qid < virtblk_qmap_total(&s) + 2; qid++) {
			p = virtblk_qmap_is_poll(&s, qid);
			npoll += p;
			if (p != (qid >= s.nr_default &&
				  qid < s.nr_default + s.nr_poll))
				bad++;
		}
		if (npoll != s.nr_poll)
			bad++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/*
 * CPU -> queue maps as the driver builds them from a split (io.c's
 * map_queues): the default map covers virtqueues 0 .. nr_default - 1,
 * the poll map the following nr_poll, each laid out by the block layer's
 * blk_mq_map_queues() (the default map uses the transport's vector
 * affinity on a real device; blk_mq_map_queues() is its fallback).  Every
 * possible CPU of this machine must land on a queue of the right type,
 * and with no more queues than CPUs every queue must get a CPU.
 */
static unsigned int qmap_check_map(struct kunit *test,
				   const struct virtblk_qsplit *s,
				   unsigned int *mq_map, bool poll)
{
	struct blk_mq_queue_map map = {
		.mq_map = mq_map,
		.nr_queues = poll ? s->nr_poll : s->nr_default,
		.queue_offset = poll ? s->nr_default : 0,
	};
	unsigned int cpu, q, nused, bad = 0;
	unsigned long used = 0;

	if (!map.nr_queues)
		return 0;
	blk_mq_map_queues(&map);
	for_each_possible_cpu(cpu) {
		q = mq_map[cpu];
		if (q < map.queue_offset ||
		    q >= map.queue_offset + map.nr_queues ||
		    virtblk_qmap_is_poll(s, q) != poll) {
			kunit_err(test, "%s map: cpu %u -> queue %u (default %u poll %u)\n",
				  poll ? "poll" : "default", cpu, q,
				  s->nr_default, s->nr_poll);
			bad++;
		} else if (q - map.queue_offset < BITS_PER_LONG) {
			used |= BIT(q - map.queue_offset);
		}
	}
	nused = hweight_long(used);
	if (map.nr_queues <= min(num_possible_cpus(), BITS_PER_LONG) &&
	    nused != map.nr_queues) {
		kunit_err(test, "%s map: %u of %u queues have a CPU\n",
			  poll ? "poll" : "default", nused, map.nr_queues);
		bad++;
	}
	return bad;
}

static void virtblk_qmap_cpu_maps(struct kunit *test)
{
	unsigned int i, *mq_map, bad = 0;
	struct virtblk_qsplit s;

	mq_map = kunit_kcalloc(test, nr_cpu_ids, sizeof(*mq_map), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mq_map);
	kunit_info(test, "%u possible CPUs\n", num_possible_cpus());

	/* device queues 1..8, num_request_queues 0..3, poll_queues 0..8 */
	for (i = 0; i < 8 * 4 * 9; i++) {
		KUNIT_ASSERT_EQ(test, virtblk_qmap_split(nr_cpu_ids, i % 8 + 1,
							 i / 8 % 4, i / 32,
							 &s), 0);
		bad += qmap_check_map(test, &s, mq_map, false);
		bad += qmap_check_map(test, &s, mq_map, true);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

struct depth_case {
	unsigned int requested, ring;
	bool indirect;
	unsigned int depth;
};

static const struct depth_case depth_cases[] = {
	/* no ring at all: still one tag */
	{ 0, 0, false, 1 },
	{ 0, 0, true, 1 },
	{ 64, 0, true, 1 },
	{ UINT_MAX, 0, false, 1 },
	/* derived: the ring, halved without indirect descriptors */
	{ 0, 256, true, 256 },
	{ 0, 256, false, 128 },
	{ 0, 1024, false, 512 },
	{ 0, 32768, true, 32768 },
	{ 0, 3, false, 1 },
	{ 0, 2, false, 1 },
	{ 0, 1, false, 1 },
	{ 0, 1, true, 1 },
	{ 0, UINT_MAX, true, UINT_MAX },
	{ 0, UINT_MAX, false, UINT_MAX / 2 },
	/* requested: taken as is, capped at the ring, never halved */
	{ 1, 256, false, 1 },
	{ 64, 256, false, 64 },
	{ 64, 256, true, 64 },
	{ 256, 256, false, 256 },
	{ 257, 256, true, 256 },
	{ 1000, 256, true, 256 },
	{ UINT_MAX, 128, false, 128 },
	{ 5, 1, true, 1 },
};

static void depth_case_desc(const struct depth_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "requested=%u ring=%u indirect=%d",
		 c->requested, c->ring, c->indirect);
}

KUNIT_ARRAY_PARAM(depth, depth_cases, depth_case_desc);

static void virtblk_qmap_depth_table(struct kunit *test)
{
	const struct depth_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, virtblk_qmap_depth(c->requested, c->ring,
						 c->indirect), c->depth);
}

static struct kunit_case virtblk_qmap_cases[] = {
	KUNIT_CASE_PARAM(virtblk_qmap_split_table, qsplit_gen_params),
	KUNIT_CASE(virtblk_qmap_split_invariants),
	KUNIT_CASE(virtblk_qmap_is_poll_index),
	KUNIT_CASE(virtblk_qmap_is_poll_partition),
	KUNIT_CASE(virtblk_qmap_cpu_maps),
	KUNIT_CASE_PARAM(virtblk_qmap_depth_table, depth_gen_params),
	{}
};

static struct kunit_suite virtblk_qmap_suite = {
	.name = "virtio_blk_qmap",
	.test_cases = virtblk_qmap_cases,
};

kunit_test_suite(virtblk_qmap_suite);

MODULE_DESCRIPTION("KUnit tests for virtio-blk-poll queue split and depth");
MODULE_LICENSE("GPL");
