// SPDX-License-Identifier: GPL-2.0
/*
 * Queue split and depth computation for virtio_blk.  Pure functions: no
 * device, no allocation, no logging, so they can be unit tested.
 */
#include <linux/errno.h>
#include <linux/minmax.h>

#include "qmap.h"

int virtblk_qmap_split(unsigned int nr_cpus, unsigned int dev_queues,
		       unsigned int num_request_queues,
		       unsigned int poll_queues, struct virtblk_qsplit *split)
{
	unsigned int total;

	if (!nr_cpus || !dev_queues)
		return -EINVAL;

	total = min(dev_queues, nr_cpus);
	if (num_request_queues)
		total = min(total, num_request_queues);

	split->nr_poll = min(poll_queues, total - 1);
	split->nr_default = total - split->nr_poll;
	return 0;
}

unsigned int virtblk_qmap_depth(unsigned int requested,
				unsigned int ring_size, bool indirect)
{
	unsigned int depth;

	if (!ring_size)
		return 1;
	if (requested)
		depth = min(requested, ring_size);
	else
		depth = indirect ? ring_size : ring_size / 2;
	return max(depth, 1U);
}
