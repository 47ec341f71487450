// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for virtio_blk/proto.[ch]: request header encoding, status
 * mapping, range encoding, queue limits from config space, disk names.
 *
 * The code under test is compiled into this module by including its .c
 * file: proto.c is pure logic that virtio_blk.ko does not export, and an
 * out-of-tree kbuild cannot link an object from another directory into
 * this module without building it twice in one place.  Including it gives
 * this module its own private copy of the functions (nothing is exported,
 * so it can be loaded next to virtio_blk.ko), always from the same source.
 *
 * Expected values are worked out by hand, as numbers, from the virtio 1.2
 * specification and the rules in proto.h, rather than from the same
 * macros the code uses.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/string.h>

#include "../../virtio_blk/proto.c"

#define PAGE_4K		4096UL
#define PAGE_64K	65536UL

/* ------------------------------------------------------------ commands */

struct cmd_case {
	const char *name;
	enum req_op op;
	blk_opf_t flags;	/* or'ed into opf besides op */
	u64 pos;
	int ret;
	u32 type;
	u64 sector;
	bool ranges, unmap;
};

static const struct cmd_case cmd_cases[] = {
	{ "read", REQ_OP_READ, 0, 1234, 0, 0, 1234, false, false },
	{ "read-0", REQ_OP_READ, 0, 0, 0, 0, 0, false, false },
	{ "read-max", REQ_OP_READ, 0, U64_MAX, 0, 0, U64_MAX, false, false },
	{ "write", REQ_OP_WRITE, 0, 8, 0, 1, 8, false, false },
	{ "write-fua", REQ_OP_WRITE, REQ_FUA, 16, 0, 1, 16, false, false },
	{ "write-big", REQ_OP_WRITE, 0, 0x0123456789abcdefULL, 0, 1,
	  0x0123456789abcdefULL, false, false },
	{ "flush", REQ_OP_FLUSH, 0, 99, 0, 4, 0, false, false },
	{ "flush-preflush", REQ_OP_FLUSH, REQ_PREFLUSH, 0, 0, 4, 0, false,
	  false },
	{ "discard", REQ_OP_DISCARD, 0, 2048, 0, 11, 0, true, false },
	{ "discard-nounmap", REQ_OP_DISCARD, REQ_NOUNMAP, 2048, 0, 11, 0,
	  true, false },
	{ "write-zeroes", REQ_OP_WRITE_ZEROES, 0, 64, 0, 13, 0, true, true },
	{ "write-zeroes-nounmap", REQ_OP_WRITE_ZEROES, REQ_NOUNMAP, 64, 0, 13,
	  0, true, false },
	{ "secure-erase", REQ_OP_SECURE_ERASE, 0, 7, 0, 14, 0, true, false },
	{ "secure-erase-nounmap", REQ_OP_SECURE_ERASE, REQ_NOUNMAP, 7, 0, 14,
	  0, true, false },
	{ "zone-append", REQ_OP_ZONE_APPEND, 0, 0, -EOPNOTSUPP },
	{ "zone-reset", REQ_OP_ZONE_RESET, 0, 0, -EOPNOTSUPP },
	{ "zone-open", REQ_OP_ZONE_OPEN, 0, 0, -EOPNOTSUPP },
	{ "drv-out", REQ_OP_DRV_OUT, 0, 0, -EOPNOTSUPP },
};

static void cmd_case_desc(const struct cmd_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cmd, cmd_cases, cmd_case_desc);

static void virtblk_proto_cmd_table(struct kunit *test)
{
	const struct cmd_case *c = test->param_value;
	struct virtblk_cmd cmd;
	int ret;

	/* Garbage in every field: the helper must set what it promises. */
	memset(&cmd, 0xa5, sizeof(cmd));
	ret = virtblk_proto_cmd(c->op, (__force blk_opf_t)c->op | c->flags,
				c->pos, &cmd);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret)
		return;
	KUNIT_EXPECT_EQ(test, cmd.type, c->type);
	KUNIT_EXPECT_EQ(test, cmd.sector, c->sector);
	KUNIT_EXPECT_EQ(test, cmd.ranges, c->ranges);
	KUNIT_EXPECT_EQ(test, cmd.unmap, c->unmap);
}

/* ------------------------------------------------------------- status */

static void virtblk_proto_status_all(struct kunit *test)
{
	unsigned int s, bad = 0;
	blk_status_t want;

	/* VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 */
	KUNIT_EXPECT_EQ(test, (__force u8)virtblk_proto_status(0),
			(__force u8)BLK_STS_OK);
	KUNIT_EXPECT_EQ(test, (__force u8)virtblk_proto_status(1),
			(__force u8)BLK_STS_IOERR);
	KUNIT_EXPECT_EQ(test, (__force u8)virtblk_proto_status(2),
			(__force u8)BLK_STS_NOTSUPP);
	/* zoned status values and anything unknown are I/O errors */
	KUNIT_EXPECT_EQ(test, (__force u8)virtblk_proto_status(3),
			(__force u8)BLK_STS_IOERR);
	KUNIT_EXPECT_EQ(test, (__force u8)virtblk_proto_status(255),
			(__force u8)BLK_STS_IOERR);

	for (s = 0; s <= 255; s++) {
		want = s == 0 ? BLK_STS_OK :
		       s == 2 ? BLK_STS_NOTSUPP : BLK_STS_IOERR;
		if (virtblk_proto_status(s) != want)
			bad++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	/* what the block layer then reports to the submitter */
	KUNIT_EXPECT_EQ(test, blk_status_to_errno(virtblk_proto_status(0)), 0);
	KUNIT_EXPECT_EQ(test, blk_status_to_errno(virtblk_proto_status(1)),
			-EIO);
	KUNIT_EXPECT_EQ(test, blk_status_to_errno(virtblk_proto_status(2)),
			-EOPNOTSUPP);
}

/* -------------------------------------------------------------- ranges */

static void virtblk_proto_range_bytes(struct kunit *test)
{
	static const u8 unmap[16] = {
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,	/* sector */
		0x78, 0x56, 0x34, 0x12,				/* num */
		0x01, 0x00, 0x00, 0x00,				/* flags */
	};
	static const u8 keep[16] = {
		0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	static const u8 max[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff,
		0x01, 0x00, 0x00, 0x00,
	};
	static const u8 zero[16];
	struct virtio_blk_discard_write_zeroes r;

	KUNIT_ASSERT_EQ(test, sizeof(r), 16);

	memset(&r, 0xa5, sizeof(r));
	virtblk_proto_range(&r, 0x0123456789abcdefULL, 0x12345678, true);
	KUNIT_EXPECT_MEMEQ(test, &r, unmap, sizeof(r));

	memset(&r, 0xa5, sizeof(r));
	virtblk_proto_range(&r, 4096, 8, false);
	KUNIT_EXPECT_MEMEQ(test, &r, keep, sizeof(r));

	memset(&r, 0xa5, sizeof(r));
	virtblk_proto_range(&r, U64_MAX, U32_MAX, true);
	KUNIT_EXPECT_MEMEQ(test, &r, max, sizeof(r));

	memset(&r, 0xa5, sizeof(r));
	virtblk_proto_range(&r, 0, 0, false);
	KUNIT_EXPECT_MEMEQ(test, &r, zero, sizeof(r));
}

/* -------------------------------------------------------------- limits */

/*
 * One limits computation: the config, the page size, and every field the
 * computation may write, expected exactly.  Fields it must not touch are
 * expected 0, as the caller passes zeroed limits -- except that 0 in
 * max_segments, max_segment_size and lbs stands for what a device that
 * offers nothing gets (1 segment of U32_MAX bytes, 512-byte blocks), as 0
 * is never a valid result there.  max_hw_sectors is always UINT_MAX.
 */
struct limits_case {
	const char *name;
	struct virtblk_cfg cfg;
	unsigned long page;
	int ret;
	unsigned int clamped;
	unsigned int max_segments;
	unsigned int max_segment_size;
	unsigned int lbs, pbs, alignment_offset, io_min, io_opt;
	unsigned int max_hw_discard_sectors, max_discard_segments;
	unsigned int discard_granularity;
	unsigned int max_write_zeroes_sectors, max_secure_erase_sectors;
	const char *why;	/* with ret != 0: a word the reason must hold */
};

#define NODMA		.max_dma_size = U64_MAX
#define SEGS(n)		.has_seg_max = true, .seg_max = (n)
#define SIZE(n)		.has_size_max = true, .size_max = (n)
#define BLK(n)		.has_blk_size = true, .blk_size = (n)
#define TOPO		.has_topology = true
#define ZONED(m)	.has_zoned = true, .zoned_model = (m)

static const struct limits_case limits_cases[] = {
	{ "nothing", { NODMA }, PAGE_4K, 0, 0 },
	/* what QEMU's virtio-blk-pci offers by default (queue-size=256) */
	{ "qemu-default",
	  { NODMA, SEGS(254), BLK(512), TOPO, .has_discard = true,
	    .max_discard_sectors = 4194303, .max_discard_seg = 1,
	    .discard_sector_alignment = 1, .has_write_zeroes = true,
	    .max_write_zeroes_sectors = 4194303 },
	  PAGE_4K, 0, 0, .max_segments = 254,
	  .max_hw_discard_sectors = 4194303, .max_discard_segments = 1,
	  .discard_granularity = 512, .max_write_zeroes_sectors = 4194303 },

	/* seg_max */
	{ "seg_max-ignored-without-feature", { NODMA, .seg_max = 500 },
	  PAGE_4K, 0, 0 },
	{ "seg_max-0", { NODMA, SEGS(0) }, PAGE_4K, 0, VIRTBLK_CLAMP_SEG_MAX },
	{ "seg_max-1", { NODMA, SEGS(1) }, PAGE_4K, 0, 0 },
	{ "seg_max-126", { NODMA, SEGS(126) }, PAGE_4K, 0, 0,
	  .max_segments = 126 },
	{ "seg_max-32766", { NODMA, SEGS(32766) }, PAGE_4K, 0, 0,
	  .max_segments = 32766 },
	{ "seg_max-32767", { NODMA, SEGS(32767) }, PAGE_4K, 0,
	  VIRTBLK_CLAMP_SEG_MAX, .max_segments = 32766 },
	{ "seg_max-huge", { NODMA, SEGS(U32_MAX) }, PAGE_4K, 0,
	  VIRTBLK_CLAMP_SEG_MAX, .max_segments = 32766 },

	/* size_max and the transport's DMA limit */
	{ "size_max-64k", { NODMA, SIZE(65536) }, PAGE_4K, 0, 0,
	  .max_segment_size = 65536 },
	{ "size_max-ignored-without-feature", { NODMA, .size_max = 1 },
	  PAGE_4K, 0, 0 },
	/* 0 (qemu-storage-daemon): no limit, reported as adjusted */
	{ "size_max-0", { NODMA, SIZE(0) }, PAGE_4K, 0,
	  VIRTBLK_CLAMP_SIZE_MAX },
	/* below a page: the device is refused, not given larger segments */
	{ "size_max-512", { NODMA, SIZE(512) }, PAGE_4K, -EINVAL,
	  .why = "size_max" },
	{ "size_max-4095", { NODMA, SIZE(4095) }, PAGE_4K, -EINVAL,
	  .why = "size_max" },
	{ "size_max-4096", { NODMA, SIZE(4096) }, PAGE_4K, 0, 0,
	  .max_segment_size = 4096 },
	{ "size_max-4096-64k-pages", { NODMA, SIZE(4096) }, PAGE_64K, -EINVAL,
	  .why = "size_max" },
	{ "size_max-65536-64k-pages", { NODMA, SIZE(65536) }, PAGE_64K, 0, 0,
	  .max_segment_size = 65536 },
	{ "size_max-huge", { NODMA, SIZE(U32_MAX) }, PAGE_4K, 0, 0 },
	{ "dma-8k", { .max_dma_size = 8192 }, PAGE_4K, 0, 0,
	  .max_segment_size = 8192 },
	{ "dma-below-size_max", { .max_dma_size = 8192, SIZE(65536) },
	  PAGE_4K, 0, 0, .max_segment_size = 8192 },
	{ "size_max-below-dma", { .max_dma_size = 1ULL << 40, SIZE(1 << 20) },
	  PAGE_4K, 0, 0, .max_segment_size = 1 << 20 },
	{ "dma-4096", { .max_dma_size = 4096 }, PAGE_4K, 0, 0,
	  .max_segment_size = 4096 },
	{ "dma-4095", { .max_dma_size = 4095 }, PAGE_4K, -EINVAL,
	  .why = "DMA" },
	{ "dma-0", { .max_dma_size = 0 }, PAGE_4K, -EINVAL, .why = "DMA" },
	{ "dma-small-and-size_max-small", { .max_dma_size = 2048, SIZE(1024) },
	  PAGE_4K, -EINVAL, .why = "size_max" },

	/* blk_size */
	{ "blk_size-ignored-without-feature", { NODMA, .blk_size = 4096 },
	  PAGE_4K, 0, 0 },
	{ "blk_size-0", { NODMA, BLK(0) }, PAGE_4K, 0, VIRTBLK_CLAMP_BLK_SIZE },
	{ "blk_size-512", { NODMA, BLK(512) }, PAGE_4K, 0, 0 },
	{ "blk_size-4096", { NODMA, BLK(4096) }, PAGE_4K, 0, 0,
	  .lbs = 4096 },
	{ "blk_size-8192-64k-pages", { NODMA, BLK(8192) }, PAGE_64K, 0, 0,
	  .lbs = 8192 },
	{ "blk_size-8192", { NODMA, BLK(8192) }, PAGE_4K, -EINVAL },
	{ "blk_size-256", { NODMA, BLK(256) }, PAGE_4K, -EINVAL },
	{ "blk_size-1000", { NODMA, BLK(1000) }, PAGE_4K, -EINVAL },
	{ "blk_size-3072", { NODMA, BLK(3072) }, PAGE_4K, -EINVAL },
	{ "blk_size-2^31", { NODMA, BLK(0x80000000) }, PAGE_4K, -EINVAL },
	{ "blk_size-huge", { NODMA, BLK(U32_MAX) }, PAGE_4K, -EINVAL },

	/* topology */
	{ "topology-ignored-without-feature",
	  { NODMA, .physical_block_exp = 3, .alignment_offset = 1,
	    .min_io_size = 8, .opt_io_size = 8 }, PAGE_4K, 0, 0 },
	{ "topology-zero", { NODMA, TOPO }, PAGE_4K, 0, 0 },
	{ "topology-512e",
	  { NODMA, TOPO, .physical_block_exp = 3, .alignment_offset = 7,
	    .min_io_size = 8, .opt_io_size = 256 }, PAGE_4K, 0, 0,
	  .pbs = 4096, .alignment_offset = 3584, .io_min = 4096,
	  .io_opt = 131072 },
	{ "topology-4kn",
	  { NODMA, BLK(4096), TOPO, .min_io_size = 65535,
	    .opt_io_size = 65535 }, PAGE_4K, 0, 0, .lbs = 4096,
	  .io_min = 268431360, .io_opt = 268431360 },
	{ "topology-exp-15", { NODMA, TOPO, .physical_block_exp = 15 },
	  PAGE_4K, 0, 0, .pbs = 16777216 },
	{ "topology-exp-15-4kn", { NODMA, BLK(4096), TOPO,
	  .physical_block_exp = 15 }, PAGE_4K, 0, 0, .lbs = 4096,
	  .pbs = 134217728 },
	{ "topology-exp-16", { NODMA, TOPO, .physical_block_exp = 16 },
	  PAGE_4K, 0, VIRTBLK_CLAMP_TOPOLOGY },
	{ "topology-exp-255", { NODMA, TOPO, .physical_block_exp = 255 },
	  PAGE_4K, 0, VIRTBLK_CLAMP_TOPOLOGY },
	{ "topology-align-equals-pbs",
	  { NODMA, TOPO, .physical_block_exp = 3, .alignment_offset = 8 },
	  PAGE_4K, 0, VIRTBLK_CLAMP_TOPOLOGY, .pbs = 4096 },
	{ "topology-align-without-pbs", { NODMA, TOPO, .alignment_offset = 1 },
	  PAGE_4K, 0, VIRTBLK_CLAMP_TOPOLOGY },
	{ "topology-align-255",
	  { NODMA, TOPO, .physical_block_exp = 3, .alignment_offset = 255 },
	  PAGE_4K, 0, VIRTBLK_CLAMP_TOPOLOGY, .pbs = 4096 },
	{ "topology-opt-io-largest",
	  { NODMA, TOPO, .opt_io_size = 8388607 }, PAGE_4K, 0, 0,
	  .io_opt = 4294966784U },
	{ "topology-opt-io-overflow",
	  { NODMA, TOPO, .opt_io_size = 8388608 }, PAGE_4K, 0,
	  VIRTBLK_CLAMP_TOPOLOGY },
	{ "topology-opt-io-huge", { NODMA, TOPO, .opt_io_size = U32_MAX },
	  PAGE_4K, 0, VIRTBLK_CLAMP_TOPOLOGY },
	{ "topology-bad-blk_size-wins",
	  { NODMA, BLK(100), TOPO, .physical_block_exp = 3 }, PAGE_4K,
	  -EINVAL },

	/* discard */
	{ "discard-ignored-without-feature",
	  { NODMA, .max_discard_sectors = 8, .max_discard_seg = 8,
	    .discard_sector_alignment = 8 }, PAGE_4K, 0, 0 },
	{ "discard-all-zero", { NODMA, SEGS(128), .has_discard = true },
	  PAGE_4K, 0, 0, .max_segments = 128,
	  .max_hw_discard_sectors = UINT_MAX, .max_discard_segments = 128,
	  .discard_granularity = 512 },
	{ "discard-segs-from-seg_max-clamped",
	  { NODMA, SEGS(1000), .has_discard = true }, PAGE_4K, 0,
	  VIRTBLK_CLAMP_DISCARD, .max_segments = 1000,
	  .max_hw_discard_sectors = UINT_MAX, .max_discard_segments = 256,
	  .discard_granularity = 512 },
	{ "discard-typical",
	  { NODMA, SEGS(128), .has_discard = true, .max_discard_sectors = 8192,
	    .max_discard_seg = 4, .discard_sector_alignment = 8 }, PAGE_4K, 0,
	  0, .max_segments = 128, .max_hw_discard_sectors = 8192,
	  .max_discard_segments = 4, .discard_granularity = 4096 },
	{ "discard-seg-256", { NODMA, .has_discard = true,
	  .max_discard_seg = 256 }, PAGE_4K, 0, 0,
	  .max_hw_discard_sectors = UINT_MAX, .max_discard_segments = 256,
	  .discard_granularity = 512 },
	{ "discard-seg-257", { NODMA, .has_discard = true,
	  .max_discard_seg = 257 }, PAGE_4K, 0, VIRTBLK_CLAMP_DISCARD,
	  .max_hw_discard_sectors = UINT_MAX, .max_discard_segments = 256,
	  .discard_granularity = 512 },
	{ "discard-align-below-blk_size",
	  { NODMA, BLK(4096), .has_discard = true,
	    .discard_sector_alignment = 1 }, PAGE_4K, 0, VIRTBLK_CLAMP_DISCARD,
	  .lbs = 4096, .max_hw_discard_sectors = UINT_MAX,
	  .max_discard_segments = 1, .discard_granularity = 4096 },
	{ "discard-align-largest",
	  { NODMA, .has_discard = true, .discard_sector_alignment = 8388607 },
	  PAGE_4K, 0, 0, .max_hw_discard_sectors = UINT_MAX,
	  .max_discard_segments = 1, .discard_granularity = 4294966784U },
	{ "discard-align-overflow",
	  { NODMA, .has_discard = true, .discard_sector_alignment = U32_MAX },
	  PAGE_4K, 0, VIRTBLK_CLAMP_DISCARD,
	  .max_hw_discard_sectors = UINT_MAX, .max_discard_segments = 1,
	  .discard_granularity = 512 },

	/* write zeroes */
	{ "write-zeroes-unlimited", { NODMA, .has_write_zeroes = true },
	  PAGE_4K, 0, 0, .max_write_zeroes_sectors = UINT_MAX },
	{ "write-zeroes-2048", { NODMA, .has_write_zeroes = true,
	  .max_write_zeroes_sectors = 2048 }, PAGE_4K, 0, 0,
	  .max_write_zeroes_sectors = 2048 },
	{ "write-zeroes-ignored-without-feature",
	  { NODMA, .max_write_zeroes_sectors = 2048 }, PAGE_4K, 0, 0 },

	/* secure erase: zero values make the device unusable */
	{ "secure-erase-align-0", { NODMA, .has_secure_erase = true,
	  .max_secure_erase_sectors = 8, .max_secure_erase_seg = 1 },
	  PAGE_4K, -EINVAL },
	{ "secure-erase-sectors-0", { NODMA, .has_secure_erase = true,
	  .max_secure_erase_seg = 1, .secure_erase_sector_alignment = 1 },
	  PAGE_4K, -EINVAL },
	{ "secure-erase-seg-0", { NODMA, .has_secure_erase = true,
	  .max_secure_erase_sectors = 8, .secure_erase_sector_alignment = 1 },
	  PAGE_4K, -EINVAL },
	{ "secure-erase-only",
	  { NODMA, SEGS(64), .has_secure_erase = true,
	    .max_secure_erase_sectors = 4096, .max_secure_erase_seg = 2,
	    .secure_erase_sector_alignment = 16 }, PAGE_4K, 0, 0,
	  .max_segments = 64, .max_secure_erase_sectors = 4096,
	  .max_discard_segments = 2, .discard_granularity = 8192 },
	/* shared discard limits: min_not_zero() of the two, as in-tree */
	{ "secure-erase-and-discard",
	  { NODMA, SEGS(64), .has_discard = true, .max_discard_sectors = 1024,
	    .max_discard_seg = 10, .discard_sector_alignment = 8,
	    .has_secure_erase = true, .max_secure_erase_sectors = 4096,
	    .max_secure_erase_seg = 2, .secure_erase_sector_alignment = 16 },
	  PAGE_4K, 0, 0, .max_segments = 64,
	  .max_hw_discard_sectors = 1024, .max_secure_erase_sectors = 4096,
	  .max_discard_segments = 2, .discard_granularity = 4096 },
	{ "secure-erase-and-discard-zero-fields",
	  { NODMA, SEGS(64), .has_discard = true, .has_secure_erase = true,
	    .max_secure_erase_sectors = U32_MAX, .max_secure_erase_seg = 300,
	    .secure_erase_sector_alignment = 16 },
	  PAGE_4K, 0, VIRTBLK_CLAMP_DISCARD, .max_segments = 64,
	  .max_hw_discard_sectors = UINT_MAX,
	  .max_secure_erase_sectors = U32_MAX, .max_discard_segments = 256,
	  .discard_granularity = 8192 },

	/*
	 * zoned models (none 0, host-managed 1, host-aware 2): only a
	 * host-managed or unknown one, if offered, is refused
	 */
	{ "zoned-model-ignored-without-feature", { NODMA, .zoned_model = 1 },
	  PAGE_4K, 0, 0 },
	{ "zoned-none", { NODMA, ZONED(0) }, PAGE_4K, 0, 0 },
	{ "zoned-host-aware", { NODMA, ZONED(2), SEGS(126) }, PAGE_4K, 0, 0,
	  .max_segments = 126 },
	{ "zoned-host-managed", { NODMA, ZONED(1) }, PAGE_4K, -EOPNOTSUPP,
	  .why = "in-tree virtio_blk" },
	{ "zoned-unknown-3", { NODMA, ZONED(3) }, PAGE_4K, -EOPNOTSUPP,
	  .why = "zoned model" },
	{ "zoned-unknown-255", { NODMA, ZONED(255) }, PAGE_4K, -EOPNOTSUPP,
	  .why = "zoned model" },
	{ "zoned-host-managed-wins", { NODMA, ZONED(1), SIZE(512) }, PAGE_4K,
	  -EOPNOTSUPP, .why = "host-managed" },

	/* everything wrong at once that can be lived with */
	{ "all-clamps",
	  { NODMA, SEGS(0), BLK(0), TOPO,
	    .physical_block_exp = 200, .has_discard = true,
	    .max_discard_seg = 9999 }, PAGE_4K, 0,
	  VIRTBLK_CLAMP_SEG_MAX | VIRTBLK_CLAMP_BLK_SIZE |
	  VIRTBLK_CLAMP_TOPOLOGY | VIRTBLK_CLAMP_DISCARD,
	  .max_hw_discard_sectors = UINT_MAX, .max_discard_segments = 256,
	  .discard_granularity = 512 },
};

static void limits_case_desc(const struct limits_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(limits, limits_cases, limits_case_desc);

static void virtblk_proto_limits_table(struct kunit *test)
{
	const struct limits_case *c = test->param_value;
	struct queue_limits *lim;
	unsigned int clamped = 0xdead;
	const char *reason = "stale";
	int ret;

	lim = kunit_kzalloc(test, sizeof(*lim), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lim);

	ret = virtblk_proto_limits(&c->cfg, c->page, lim, &clamped, &reason);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_ASSERT_NOT_NULL(test, reason);
		KUNIT_EXPECT_GT(test, strlen(reason), 0);
		if (c->why)
			KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(reason, c->why),
						  "reason \"%s\" does not name %s",
						  reason, c->why);
		return;
	}
	KUNIT_EXPECT_NULL(test, reason);
	KUNIT_EXPECT_EQ(test, clamped, c->clamped);
	KUNIT_EXPECT_EQ(test, lim->max_segments, c->max_segments ?: 1);
	KUNIT_EXPECT_EQ(test, lim->max_segment_size,
			c->max_segment_size ?: U32_MAX);
	KUNIT_EXPECT_EQ(test, lim->max_hw_sectors, UINT_MAX);
	KUNIT_EXPECT_EQ(test, lim->logical_block_size, c->lbs ?: 512);
	KUNIT_EXPECT_EQ(test, lim->physical_block_size, c->pbs);
	KUNIT_EXPECT_EQ(test, lim->alignment_offset, c->alignment_offset);
	KUNIT_EXPECT_EQ(test, lim->io_min, c->io_min);
	KUNIT_EXPECT_EQ(test, lim->io_opt, c->io_opt);
	KUNIT_EXPECT_EQ(test, lim->max_hw_discard_sectors,
			c->max_hw_discard_sectors);
	KUNIT_EXPECT_EQ(test, lim->max_discard_segments,
			c->max_discard_segments);
	KUNIT_EXPECT_EQ(test, lim->discard_granularity,
			c->discard_granularity);
	KUNIT_EXPECT_EQ(test, lim->max_write_zeroes_sectors,
			c->max_write_zeroes_sectors);
	KUNIT_EXPECT_EQ(test, lim->max_secure_erase_sectors,
			c->max_secure_erase_sectors);
}

/* ---------------------------------------------------------- disk names */

struct name_case {
	int index;
	size_t len;
	int ret;
	const char *name;
};

static const struct name_case name_cases[] = {
	{ 0, 32, 0, "vda" },
	{ 1, 32, 0, "vdb" },
	{ 25, 32, 0, "vdz" },
	{ 26, 32, 0, "vdaa" },
	{ 27, 32, 0, "vdab" },
	{ 51, 32, 0, "vdaz" },
	{ 52, 32, 0, "vdba" },
	{ 701, 32, 0, "vdzz" },
	{ 702, 32, 0, "vdaaa" },
	{ 18277, 32, 0, "vdzzz" },
	{ 18278, 32, 0, "vdaaaa" },
	{ 475253, 32, 0, "vdzzzz" },
	{ 475254, 32, 0, "vdaaaaa" },
	{ INT_MAX, 32, 0, "vdfxshrxx" },
	/* the buffer must hold the name and its NUL, exactly */
	{ 0, 4, 0, "vda" },
	{ 0, 3, -EINVAL },
	{ 0, 0, -EINVAL },
	{ 26, 5, 0, "vdaa" },
	{ 26, 4, -EINVAL },
	{ INT_MAX, 10, 0, "vdfxshrxx" },
	{ INT_MAX, 9, -EINVAL },
	{ -1, 32, -EINVAL },
	{ INT_MIN, 32, -EINVAL },
};

static void name_case_desc(const struct name_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "index=%d len=%zu", c->index,
		 c->len);
}

KUNIT_ARRAY_PARAM(name, name_cases, name_case_desc);

static void virtblk_proto_disk_name_table(struct kunit *test)
{
	const struct name_case *c = test->param_value;
	char buf[40];

	/* a canary after the allowed length catches overruns */
	memset(buf, 'X', sizeof(buf));
	KUNIT_ASSERT_EQ(test, virtblk_proto_disk_name(c->index, buf, c->len),
			c->ret);
	KUNIT_EXPECT_EQ(test, buf[c->len], 'X');
	if (!c->ret)
		KUNIT_EXPECT_STREQ(test, buf, c->name);
}

static struct kunit_case virtblk_proto_cases[] = {
	KUNIT_CASE_PARAM(virtblk_proto_cmd_table, cmd_gen_params),
	KUNIT_CASE(virtblk_proto_status_all),
	KUNIT_CASE(virtblk_proto_range_bytes),
	KUNIT_CASE_PARAM(virtblk_proto_limits_table, limits_gen_params),
	KUNIT_CASE_PARAM(virtblk_proto_disk_name_table, name_gen_params),
	{}
};

static struct kunit_suite virtblk_proto_suite = {
	.name = "virtio_blk_proto",
	.test_cases = virtblk_proto_cases,
};

kunit_test_suite(virtblk_proto_suite);

MODULE_DESCRIPTION("KUnit tests for virtio-blk-poll protocol helpers");
MODULE_LICENSE("GPL");
