/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk protocol helpers: pure logic, no device access (KUnit-testable).
 *
 * The hot-path helpers (command type, status) are static inline here; the
 * queue limit computation lives in proto.c.
 */
#ifndef VIRTBLK_PROTO_H
#define VIRTBLK_PROTO_H

#include <linux/blk_types.h>
#include <linux/blkdev.h>
#include <linux/types.h>
#include <linux/virtio_blk.h>

#include "vbp_compat.h"	/* VIRTIO_BLK_Z_* where the uapi lacks them */

/* Largest number of data segments a request may carry. */
#define VIRTBLK_MAX_SG_ELEMS		(32768u - 2)
/* Largest number of ranges in one discard/secure erase request. */
#define VIRTBLK_MAX_DISCARD_SEGS	256u

/**
 * struct virtblk_cmd - device command derived from a block request
 * @type: VIRTIO_BLK_T_* in CPU byte order
 * @sector: start sector for the request header, 0 where unused
 * @ranges: the payload is a list of discard/write-zeroes ranges
 * @unmap: set VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP in the ranges
 */
struct virtblk_cmd {
	u32 type;
	u64 sector;
	bool ranges;
	bool unmap;
};

/**
 * virtblk_proto_cmd() - translate a block operation to a virtio-blk command
 * @op: request operation (REQ_OP_*)
 * @opf: full operation flags (for REQ_NOUNMAP)
 * @pos: request start sector
 * @cmd: result
 *
 * REQ_OP_DRV_IN requests carry a header prepared by their submitter and
 * must not be passed here.
 *
 * Return: 0, or -EOPNOTSUPP for operations the driver does not implement.
 */
static inline int virtblk_proto_cmd(enum req_op op, blk_opf_t opf,
				    sector_t pos, struct virtblk_cmd *cmd)
{
	cmd->sector = 0;
	cmd->ranges = false;
	cmd->unmap = false;

	switch (op) {
	case REQ_OP_READ:
		cmd->type = VIRTIO_BLK_T_IN;
		cmd->sector = pos;
		return 0;
	case REQ_OP_WRITE:
		cmd->type = VIRTIO_BLK_T_OUT;
		cmd->sector = pos;
		return 0;
	case REQ_OP_FLUSH:
		cmd->type = VIRTIO_BLK_T_FLUSH;
		return 0;
	case REQ_OP_DISCARD:
		cmd->type = VIRTIO_BLK_T_DISCARD;
		cmd->ranges = true;
		return 0;
	case REQ_OP_WRITE_ZEROES:
		cmd->type = VIRTIO_BLK_T_WRITE_ZEROES;
		cmd->ranges = true;
		cmd->unmap = !(opf & REQ_NOUNMAP);
		return 0;
	case REQ_OP_SECURE_ERASE:
		cmd->type = VIRTIO_BLK_T_SECURE_ERASE;
		cmd->ranges = true;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * virtblk_proto_status() - map a virtio-blk status byte to a block status
 * @status: VIRTIO_BLK_S_* byte written by the device
 *
 * Return: BLK_STS_OK, BLK_STS_NOTSUPP for VIRTIO_BLK_S_UNSUPP, and
 * BLK_STS_IOERR for VIRTIO_BLK_S_IOERR and any unknown value.
 */
static inline blk_status_t virtblk_proto_status(u8 status)
{
	if (likely(status == VIRTIO_BLK_S_OK))
		return BLK_STS_OK;
	if (status == VIRTIO_BLK_S_UNSUPP)
		return BLK_STS_NOTSUPP;
	return BLK_STS_IOERR;
}

/**
 * virtblk_proto_range() - encode one discard/write-zeroes/erase range
 * @range: destination (device byte order is always little endian)
 * @sector: first sector
 * @nr_sectors: length in sectors
 * @unmap: set VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP
 */
void virtblk_proto_range(struct virtio_blk_discard_write_zeroes *range,
			 u64 sector, u32 nr_sectors, bool unmap);

/**
 * struct virtblk_cfg - device configuration values relevant to limits
 * @max_dma_size: transport DMA limit (virtio_max_dma_size())
 * @has_seg_max: VIRTIO_BLK_F_SEG_MAX negotiated
 * @seg_max: max data segments per request
 * @has_size_max: VIRTIO_BLK_F_SIZE_MAX negotiated
 * @size_max: max bytes per segment
 * @has_blk_size: VIRTIO_BLK_F_BLK_SIZE negotiated
 * @blk_size: logical block size in bytes
 * @has_topology: VIRTIO_BLK_F_TOPOLOGY negotiated
 * @physical_block_exp: log2(physical / logical blocks)
 * @alignment_offset: offset of first aligned logical block
 * @min_io_size: minimum I/O size in logical blocks
 * @opt_io_size: optimal I/O size in logical blocks
 * @has_discard: VIRTIO_BLK_F_DISCARD negotiated
 * @max_discard_sectors: 0 = unlimited
 * @max_discard_seg: 0 = as many as data segments
 * @discard_sector_alignment: discard granularity in 512-byte sectors
 * @has_write_zeroes: VIRTIO_BLK_F_WRITE_ZEROES negotiated
 * @max_write_zeroes_sectors: 0 = unlimited
 * @has_secure_erase: VIRTIO_BLK_F_SECURE_ERASE negotiated
 * @max_secure_erase_sectors: must not be 0
 * @max_secure_erase_seg: must not be 0
 * @secure_erase_sector_alignment: must not be 0
 * @has_zoned: the device offers VIRTIO_BLK_F_ZONED (which the driver
 *	never negotiates)
 * @zoned_model: VIRTIO_BLK_Z_* model, valid with @has_zoned
 *
 * A plain copy of what the device advertises, so that the limit
 * computation can be tested without a device.
 */
struct virtblk_cfg {
	u64 max_dma_size;
	bool has_seg_max;
	u32 seg_max;
	bool has_size_max;
	u32 size_max;
	bool has_blk_size;
	u32 blk_size;
	bool has_topology;
	u8 physical_block_exp;
	u8 alignment_offset;
	u16 min_io_size;
	u32 opt_io_size;
	bool has_discard;
	u32 max_discard_sectors;
	u32 max_discard_seg;
	u32 discard_sector_alignment;
	bool has_write_zeroes;
	u32 max_write_zeroes_sectors;
	bool has_secure_erase;
	u32 max_secure_erase_sectors;
	u32 max_secure_erase_seg;
	u32 secure_erase_sector_alignment;
	bool has_zoned;
	u8 zoned_model;
};

/* Bits of the @clamped result of virtblk_proto_limits(). */
#define VIRTBLK_CLAMP_SEG_MAX		BIT(0)	/* seg_max 0 or too large */
#define VIRTBLK_CLAMP_BLK_SIZE		BIT(1)	/* blk_size 0 */
#define VIRTBLK_CLAMP_TOPOLOGY		BIT(2)	/* topology values ignored */
#define VIRTBLK_CLAMP_DISCARD		BIT(3)	/* discard values adjusted */
#define VIRTBLK_CLAMP_SIZE_MAX		BIT(4)	/* size_max 0, taken as no limit */

/**
 * virtblk_proto_limits() - compute queue limits from device configuration
 * @cfg: device configuration values
 * @page_size: PAGE_SIZE (a parameter so tests can vary it)
 * @lim: zeroed limits to fill; only fields common to all supported
 *	 kernels are written
 * @clamped: set to a mask of VIRTBLK_CLAMP_* for values that were adjusted
 * @reason: set to a static string describing a fatal problem
 *
 * Nonsense values the driver can live with are clamped (and reported
 * through @clamped); values that make the device unusable are refused,
 * among them a segment limit (size_max or the transport's DMA limit)
 * below @page_size, which the block layer cannot honour.  A zoned device
 * is used as a regular disk if it is host-aware (or reports no zoned
 * model), and refused otherwise: the driver has no zoned support.
 *
 * Return: 0; -EOPNOTSUPP with @reason set for a host-managed (or unknown)
 * zoned model; -EINVAL with @reason set for other unusable values.
 */
int virtblk_proto_limits(const struct virtblk_cfg *cfg,
			 unsigned long page_size, struct queue_limits *lim,
			 unsigned int *clamped, const char **reason);

/**
 * virtblk_proto_disk_name() - legacy virtio disk name for an index
 * @index: disk index, >= 0
 * @buf: output buffer
 * @len: size of @buf
 *
 * Names are "vd" followed by a bijective base-26 number: vda .. vdz,
 * vdaa .. vdzz, vdaaa ..., the scheme the in-tree driver has always used.
 *
 * Return: 0, or -EINVAL if @index is negative or the name does not fit.
 */
int virtblk_proto_disk_name(int index, char *buf, size_t len);

#endif /* VIRTBLK_PROTO_H */
