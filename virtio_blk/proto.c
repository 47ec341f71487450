// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk protocol helpers: range encoding and queue limit computation.
 * Pure functions: no device access, no allocation, no logging.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/minmax.h>

#include "proto.h"

void virtblk_proto_range(struct virtio_blk_discard_write_zeroes *range,
			 u64 sector, u32 nr_sectors, bool unmap)
{
	range->sector = cpu_to_le64(sector);
	range->num_sectors = cpu_to_le32(nr_sectors);
	range->flags = cpu_to_le32(unmap ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0);
}

/* Multiply a block count by the block size; 0 if the product overflows. */
static u32 virtblk_blocks_to_bytes(u64 blocks, u32 block_size)
{
	u64 bytes = blocks * block_size;

	return bytes > U32_MAX ? 0 : (u32)bytes;
}

static void virtblk_limits_topology(const struct virtblk_cfg *cfg,
				    struct queue_limits *lim,
				    unsigned int *clamped)
{
	u32 lbs = lim->logical_block_size;
	u32 pbs = lbs;

	if (cfg->physical_block_exp) {
		if (cfg->physical_block_exp < 16)
			pbs = lbs << cfg->physical_block_exp;
		else
			*clamped |= VIRTBLK_CLAMP_TOPOLOGY;
		if (pbs != lbs)
			lim->physical_block_size = pbs;
	}

	if (cfg->alignment_offset) {
		u32 off = virtblk_blocks_to_bytes(cfg->alignment_offset, lbs);

		if (off && off < pbs)
			lim->alignment_offset = off;
		else
			*clamped |= VIRTBLK_CLAMP_TOPOLOGY;
	}

	if (cfg->min_io_size)
		lim->io_min = virtblk_blocks_to_bytes(cfg->min_io_size, lbs);

	if (cfg->opt_io_size) {
		lim->io_opt = virtblk_blocks_to_bytes(cfg->opt_io_size, lbs);
		if (!lim->io_opt)
			*clamped |= VIRTBLK_CLAMP_TOPOLOGY;
	}
}

static int virtblk_limits_discard(const struct virtblk_cfg *cfg,
				  struct queue_limits *lim,
				  unsigned int *clamped, const char **reason)
{
	u32 granularity = 0, segs = 0;

	if (cfg->has_discard) {
		granularity = cfg->discard_sector_alignment;
		segs = cfg->max_discard_seg;
		lim->max_hw_discard_sectors = cfg->max_discard_sectors ?: UINT_MAX;
	}

	if (cfg->has_write_zeroes)
		lim->max_write_zeroes_sectors =
			cfg->max_write_zeroes_sectors ?: UINT_MAX;

	/*
	 * The block layer has one segment/granularity limit for discard and
	 * secure erase, so take the stricter of the two.
	 */
	if (cfg->has_secure_erase) {
		if (!cfg->secure_erase_sector_alignment) {
			*reason = "secure_erase_sector_alignment is 0";
			return -EINVAL;
		}
		if (!cfg->max_secure_erase_sectors) {
			*reason = "max_secure_erase_sectors is 0";
			return -EINVAL;
		}
		if (!cfg->max_secure_erase_seg) {
			*reason = "max_secure_erase_seg is 0";
			return -EINVAL;
		}
		granularity = min_not_zero(granularity,
					   cfg->secure_erase_sector_alignment);
		segs = min_not_zero(segs, cfg->max_secure_erase_seg);
		lim->max_secure_erase_sectors = cfg->max_secure_erase_sectors;
	}

	if (!cfg->has_discard && !cfg->has_secure_erase)
		return 0;

	if (!segs)
		segs = lim->max_segments;
	if (segs > VIRTBLK_MAX_DISCARD_SEGS) {
		segs = VIRTBLK_MAX_DISCARD_SEGS;
		*clamped |= VIRTBLK_CLAMP_DISCARD;
	}
	lim->max_discard_segments = segs;

	lim->discard_granularity =
		virtblk_blocks_to_bytes(granularity, SECTOR_SIZE);
	if (lim->discard_granularity < lim->logical_block_size) {
		if (granularity)
			*clamped |= VIRTBLK_CLAMP_DISCARD;
		lim->discard_granularity = lim->logical_block_size;
	}
	return 0;
}

int virtblk_proto_limits(const struct virtblk_cfg *cfg,
			 unsigned long page_size, struct queue_limits *lim,
			 unsigned int *clamped, const char **reason)
{
	bool size_max = cfg->has_size_max;
	u64 seg_size;
	u32 segs;

	*clamped = 0;
	*reason = NULL;

	/*
	 * Without VIRTIO_BLK_F_ZONED negotiated, the virtio specification
	 * lets a driver use a host-aware device as a regular disk, but not a
	 * host-managed one: its sequential-write zones would fail ordinary
	 * writes.
	 */
	if (cfg->has_zoned && cfg->zoned_model == VIRTIO_BLK_Z_HM) {
		*reason = "host-managed zoned device, needs the in-tree virtio_blk driver";
		return -EOPNOTSUPP;
	}
	if (cfg->has_zoned && cfg->zoned_model != VIRTIO_BLK_Z_NONE &&
	    cfg->zoned_model != VIRTIO_BLK_Z_HA) {
		*reason = "unknown zoned model";
		return -EOPNOTSUPP;
	}

	/* At least one data segment, and few enough to fit a ring. */
	segs = cfg->has_seg_max ? cfg->seg_max : 1;
	if (!segs || segs > VIRTBLK_MAX_SG_ELEMS) {
		segs = clamp(segs, 1U, VIRTBLK_MAX_SG_ELEMS);
		*clamped |= VIRTBLK_CLAMP_SEG_MAX;
	}
	lim->max_segments = segs;
	lim->max_hw_sectors = UINT_MAX;

	/*
	 * A size_max of 0 cannot be meant (no segment would fit); QEMU 7.2's
	 * qemu-storage-daemon vhost-user-blk export offers exactly that, and
	 * takes segments of any size: read it as no limit.
	 */
	if (cfg->has_size_max && !cfg->size_max) {
		size_max = false;
		*clamped |= VIRTBLK_CLAMP_SIZE_MAX;
	}
	/*
	 * The block layer cannot keep segments below a page (6.1 raises such
	 * a limit to a page, 6.12 rejects it): the device would get segments
	 * larger than it takes, so it is not used at all.
	 */
	if (size_max && cfg->size_max < page_size) {
		*reason = "size_max is below the page size";
		return -EINVAL;
	}
	if (cfg->max_dma_size < page_size) {
		*reason = "the transport's DMA limit is below the page size";
		return -EINVAL;
	}
	seg_size = min_t(u64, cfg->max_dma_size, U32_MAX);
	if (size_max)
		seg_size = min_t(u64, seg_size, cfg->size_max);
	lim->max_segment_size = seg_size;

	lim->logical_block_size = SECTOR_SIZE;
	if (cfg->has_blk_size && !cfg->blk_size)
		*clamped |= VIRTBLK_CLAMP_BLK_SIZE;
	if (cfg->has_blk_size && cfg->blk_size) {
		if (cfg->blk_size < SECTOR_SIZE || cfg->blk_size > page_size ||
		    !is_power_of_2(cfg->blk_size)) {
			*reason = "blk_size is not a power of two between 512 and PAGE_SIZE";
			return -EINVAL;
		}
		lim->logical_block_size = cfg->blk_size;
	}

	if (cfg->has_topology)
		virtblk_limits_topology(cfg, lim, clamped);

	return virtblk_limits_discard(cfg, lim, clamped, reason);
}

int virtblk_proto_disk_name(int index, char *buf, size_t len)
{
	char digits[8];
	unsigned int n = 0, i;

	if (index < 0)
		return -EINVAL;
	do {
		if (n == sizeof(digits))
			return -EINVAL;
		digits[n++] = 'a' + index % 26;
		index = index / 26 - 1;
	} while (index >= 0);

	if (len < n + 3)
		return -EINVAL;
	buf[0] = 'v';
	buf[1] = 'd';
	for (i = 0; i < n; i++)
		buf[2 + i] = digits[n - 1 - i];
	buf[2 + n] = '\0';
	return 0;
}
