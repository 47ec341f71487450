/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Queue split computation: pure logic, no device access (KUnit-testable).
 */
#ifndef VIRTBLK_QMAP_H
#define VIRTBLK_QMAP_H

#include <linux/types.h>

/**
 * struct virtblk_qsplit - how a device's virtqueues are used
 * @nr_default: interrupt-driven queues (HCTX_TYPE_DEFAULT), always >= 1
 * @nr_poll: polled queues (HCTX_TYPE_POLL), no interrupt vector
 *
 * Virtqueue indexes 0 .. @nr_default - 1 are the default queues, the
 * following @nr_poll indexes the polled ones; hardware context numbers
 * of the tag set follow the same order.
 */
struct virtblk_qsplit {
	unsigned int nr_default;
	unsigned int nr_poll;
};

/**
 * virtblk_qmap_split() - decide how many default and poll queues to use
 * @nr_cpus: number of possible CPUs (nr_cpu_ids)
 * @dev_queues: queues the device offers (num_queues, 1 without MQ)
 * @num_request_queues: module parameter, 0 = one queue per CPU
 * @poll_queues: module parameter, requested polled queues
 * @split: result
 *
 * The total is min(@dev_queues, @num_request_queues or @nr_cpus, @nr_cpus);
 * polled queues are carved out of that total, always leaving at least
 * one interrupt-driven queue.
 *
 * Return: 0, or -EINVAL if @dev_queues or @nr_cpus is zero.
 */
int virtblk_qmap_split(unsigned int nr_cpus, unsigned int dev_queues,
		       unsigned int num_request_queues,
		       unsigned int poll_queues, struct virtblk_qsplit *split);

/**
 * virtblk_qmap_total() - total number of virtqueues in a split
 * @split: the split
 *
 * Return: @split->nr_default + @split->nr_poll.
 */
static inline unsigned int virtblk_qmap_total(const struct virtblk_qsplit *split)
{
	return split->nr_default + split->nr_poll;
}

/**
 * virtblk_qmap_is_poll() - does a virtqueue index belong to the poll set
 * @split: the split
 * @qid: virtqueue index
 *
 * Return: true for a polled queue.
 */
static inline bool virtblk_qmap_is_poll(const struct virtblk_qsplit *split,
					unsigned int qid)
{
	return qid >= split->nr_default && qid < virtblk_qmap_total(split);
}

/**
 * virtblk_qmap_depth() - derive the tag set depth
 * @requested: queue_depth module parameter, 0 = derive
 * @ring_size: free descriptors of an empty virtqueue
 * @indirect: VIRTIO_RING_F_INDIRECT_DESC was negotiated
 *
 * Without indirect descriptors every request takes at least two ring
 * slots, so the derived depth is halved; a requested depth is capped at
 * @ring_size since more tags than ring slots cannot be in flight.
 *
 * Return: the depth, at least 1.
 */
unsigned int virtblk_qmap_depth(unsigned int requested,
				unsigned int ring_size, bool indirect);

#endif /* VIRTBLK_QMAP_H */
