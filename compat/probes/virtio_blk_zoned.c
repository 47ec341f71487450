// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_VIRTIO_BLK_ZONED: the virtio-blk uapi header knows zoned devices:
 * VIRTIO_BLK_F_ZONED, the VIRTIO_BLK_Z_* models and the zoned fields of
 * struct virtio_blk_config (v6.3, "virtio-blk: add support for zoned
 * block devices").
 */
#include <linux/stddef.h>
#include <linux/virtio_blk.h>

int probe(void);
int probe(void)
{
	return VIRTIO_BLK_F_ZONED + VIRTIO_BLK_Z_HM + VIRTIO_BLK_Z_HA +
	       offsetof(struct virtio_blk_config, zoned.model);
}
