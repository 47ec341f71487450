// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_VIRTIO_FIND_VQS_INFO: virtio_find_vqs() takes an array of
 * struct virtqueue_info instead of separate callback/name arrays
 * (v6.11, "virtio: create struct virtqueue_info").
 */
#include <linux/virtio.h>
#include <linux/virtio_config.h>

int probe(struct virtio_device *vdev, struct virtqueue **vqs);
int probe(struct virtio_device *vdev, struct virtqueue **vqs)
{
	struct virtqueue_info info[1] = { { .name = "probe" } };

	return virtio_find_vqs(vdev, 1, vqs, info, NULL);
}
