/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API compatibility wrappers for virtio-blk-poll.
 *
 * Every HAVE_* symbol comes from compat/generated/vbp_config.h, written by
 * compat/configure.sh from the probes in compat/probes/ (one probe per API
 * change).  HAVE_* may be tested here and nowhere else: driver code calls
 * the vbp_compat_*() wrappers below and stays free of version checks.
 */
#ifndef VBP_COMPAT_H
#define VBP_COMPAT_H

#include "vbp_config.h"

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>

/* ---------------------------------------------------------------------
 * Queue limits and disk allocation
 */

#ifndef HAVE_QUEUE_LIMITS_FEATURES
/**
 * vbp_compat_apply_limits() - apply queue limits one setter at a time
 * @q: request queue of a freshly allocated disk
 * @lim: limits to apply
 *
 * Kernels without atomic queue limits only offer the blk_queue_*()
 * setters; copy the fields the driver fills in through them.
 */
static inline void vbp_compat_apply_limits(struct request_queue *q,
					   const struct queue_limits *lim)
{
	blk_queue_logical_block_size(q, lim->logical_block_size);
	if (lim->physical_block_size)
		blk_queue_physical_block_size(q, lim->physical_block_size);
	if (lim->alignment_offset)
		blk_queue_alignment_offset(q, lim->alignment_offset);
	if (lim->io_min)
		blk_queue_io_min(q, lim->io_min);
	if (lim->io_opt)
		blk_queue_io_opt(q, lim->io_opt);
	blk_queue_max_hw_sectors(q, lim->max_hw_sectors);
	blk_queue_max_segments(q, lim->max_segments);
	blk_queue_max_segment_size(q, lim->max_segment_size);
	if (lim->max_hw_discard_sectors)
		blk_queue_max_discard_sectors(q, lim->max_hw_discard_sectors);
	if (lim->max_discard_segments)
		blk_queue_max_discard_segments(q, lim->max_discard_segments);
	if (lim->discard_granularity)
		q->limits.discard_granularity = lim->discard_granularity;
	if (lim->max_write_zeroes_sectors)
		blk_queue_max_write_zeroes_sectors(q,
						   lim->max_write_zeroes_sectors);
	if (lim->max_secure_erase_sectors)
		blk_queue_max_secure_erase_sectors(q,
						   lim->max_secure_erase_sectors);
}
#endif

/**
 * vbp_compat_alloc_disk() - allocate a gendisk and request queue
 * @set: initialised tag set
 * @lim: queue limits to apply (not NULL)
 * @write_cache: the device has a volatile write cache
 * @data: queue private data
 *
 * Kernels with atomic queue limits take @lim at allocation and carry the
 * write cache flag in it; older ones get the limits and the flag applied
 * one by one right after.  The queue is marked rotational on every kernel:
 * that was the implicit default before v6.11 ("block: move the nonrot
 * flag to queue_limits") and the in-tree driver keeps it.
 *
 * Return: the disk or an ERR_PTR().
 */
static inline struct gendisk *
vbp_compat_alloc_disk(struct blk_mq_tag_set *set, struct queue_limits *lim,
		      bool write_cache, void *data)
{
#ifdef HAVE_QUEUE_LIMITS_FEATURES
	lim->features |= BLK_FEAT_ROTATIONAL;
	if (write_cache)
		lim->features |= BLK_FEAT_WRITE_CACHE;
#endif
#ifdef HAVE_BLK_MQ_ALLOC_DISK_LIM
	return blk_mq_alloc_disk(set, lim, data);
#else
	struct gendisk *disk = blk_mq_alloc_disk(set, data);

	if (IS_ERR(disk))
		return disk;
#ifdef HAVE_QUEUE_LIMITS_FEATURES
	if (queue_limits_set(disk->queue, lim)) {
		put_disk(disk);
		return ERR_PTR(-EINVAL);
	}
#else
	vbp_compat_apply_limits(disk->queue, lim);
	blk_queue_write_cache(disk->queue, write_cache, false);
#endif
	return disk;
#endif
}

/**
 * vbp_compat_set_poll() - say whether a queue takes polled I/O
 * @q: the queue: not yet live, or frozen
 * @poll: the tag set's poll map has queues
 *
 * blk-mq sets BLK_FEAT_POLL whenever the tag set has a poll map, even an
 * empty one (ours always has one, so that poll queues can be added at
 * run time), and keeps it: the queue would say it polls (queue/io_poll)
 * with no poll queue.  It is cleared here while the map is empty; polled
 * bios are then refused with BLK_STS_NOTSUPP either way, as on any disk
 * without poll queues.  Without BLK_FEAT_POLL, blk-mq keeps
 * QUEUE_FLAG_POLL in step with the poll map itself (at queue setup and
 * in blk_mq_update_nr_hw_queues()), and polled bios to a queue without
 * it complete by interrupt.
 *
 * Return: 0 or a negative errno.
 */
static inline int vbp_compat_set_poll(struct request_queue *q, bool poll)
{
#ifdef HAVE_BLK_FEAT_POLL
	struct queue_limits lim = queue_limits_start_update(q);

	if (poll)
		lim.features |= BLK_FEAT_POLL;
	else
		lim.features &= ~BLK_FEAT_POLL;
	return queue_limits_commit_update(q, &lim);
#else
	return 0;
#endif
}

/**
 * vbp_compat_set_write_cache() - switch the write cache flag of a live disk
 * @disk: the disk
 * @write_cache: new state
 *
 * Return: 0 or a negative errno.
 */
static inline int vbp_compat_set_write_cache(struct gendisk *disk,
					     bool write_cache)
{
#ifdef HAVE_QUEUE_LIMITS_FEATURES
	struct request_queue *q = disk->queue;
	struct queue_limits lim = queue_limits_start_update(q);
	int ret;

	if (write_cache)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	else
		lim.features &= ~BLK_FEAT_WRITE_CACHE;
	blk_mq_freeze_queue(q);
	ret = queue_limits_commit_update(q, &lim);
	blk_mq_unfreeze_queue(q);
	return ret;
#else
	blk_queue_write_cache(disk->queue, write_cache, false);
	return 0;
#endif
}

/* ---------------------------------------------------------------------
 * virtio-blk uapi
 */

#ifndef HAVE_VIRTIO_BLK_ZONED
/* Zoned device definitions of the virtio 1.3 specification. */
#define VIRTIO_BLK_F_ZONED	17
#define VIRTIO_BLK_Z_NONE	0
#define VIRTIO_BLK_Z_HM		1
#define VIRTIO_BLK_Z_HA		2
#endif

/*
 * Offset of the zoned model in struct virtio_blk_config: five 32-bit
 * zoned fields follow secure_erase_sector_alignment, the last field that
 * older uapi headers know, and the model byte comes next.
 */
#define VBP_VIRTIO_BLK_ZONED_MODEL_OFF					\
	(offsetofend(struct virtio_blk_config,				\
		     secure_erase_sector_alignment) + 5 * sizeof(__virtio32))

/**
 * vbp_compat_zoned_model() - read the zoned model from the config space
 * @vdev: a virtio-blk device that offers VIRTIO_BLK_F_ZONED
 *
 * Return: the VIRTIO_BLK_Z_* model the device reports.
 */
static inline u8 vbp_compat_zoned_model(struct virtio_device *vdev)
{
#ifdef HAVE_VIRTIO_BLK_ZONED
	/* Where the header has the field, check the layout assumed above. */
	BUILD_BUG_ON(offsetof(struct virtio_blk_config, zoned.model) !=
		     VBP_VIRTIO_BLK_ZONED_MODEL_OFF);
#endif
	return virtio_cread8(vdev, VBP_VIRTIO_BLK_ZONED_MODEL_OFF);
}

/* ---------------------------------------------------------------------
 * Virtqueue discovery
 */

/**
 * vbp_compat_find_vqs() - find virtqueues with per-queue callbacks
 * @vdev: the virtio device
 * @nvqs: number of virtqueues
 * @vqs: output array of @nvqs virtqueues
 * @callbacks: per-queue callbacks; NULL means no interrupt vector
 * @names: per-queue names
 * @desc: interrupt affinity descriptor
 *
 * Newer kernels take one struct virtqueue_info per queue; build that array
 * here so callers keep the classic parallel-array interface.
 *
 * Return: 0 or a negative errno.
 */
static inline int vbp_compat_find_vqs(struct virtio_device *vdev,
				      unsigned int nvqs,
				      struct virtqueue *vqs[],
				      vq_callback_t *callbacks[],
				      const char * const names[],
				      struct irq_affinity *desc)
{
#ifdef HAVE_VIRTIO_FIND_VQS_INFO
	struct virtqueue_info *info;
	unsigned int i;
	int ret;

	info = kcalloc(nvqs, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	for (i = 0; i < nvqs; i++) {
		info[i].name = names[i];
		info[i].callback = callbacks[i];
	}
	ret = virtio_find_vqs(vdev, nvqs, vqs, info, desc);
	kfree(info);
	return ret;
#else
	return virtio_find_vqs(vdev, nvqs, vqs, callbacks, names, desc);
#endif
}

/* ---------------------------------------------------------------------
 * Completion batching
 */

/**
 * vbp_compat_add_to_batch() - add a completed request to a batch
 * @req: the request
 * @iob: the batch (may be NULL)
 * @is_error: the request failed
 * @complete: batch completion handler
 *
 * The third argument changed from an int error to a bool in v6.14.
 *
 * Return: true if @req was added and must not be completed by the caller.
 */
static inline bool vbp_compat_add_to_batch(struct request *req,
					   struct io_comp_batch *iob,
					   bool is_error,
					   void (*complete)(struct io_comp_batch *))
{
#ifdef HAVE_ADD_TO_BATCH_IS_ERROR
	return blk_mq_add_to_batch(req, iob, is_error, complete);
#else
	return blk_mq_add_to_batch(req, iob, is_error ? -EIO : 0, complete);
#endif
}

/* ---------------------------------------------------------------------
 * Request lists for ->queue_rqs()
 */

/**
 * struct vbp_rq_list - kernel-independent singly linked request list
 * @head: first request or NULL
 * @tail: last request or NULL
 *
 * Linked through request->rq_next like the block layer's own lists.
 */
struct vbp_rq_list {
	struct request *head;
	struct request *tail;
};

/*
 * vbp_compat_rqs_arg: the list type ->queue_rqs() receives a pointer to.
 * Declare the op as "void fn(vbp_compat_rqs_arg *rqlist)".
 */
#ifdef HAVE_QUEUE_RQS_RQ_LIST
#define vbp_compat_rqs_arg struct rq_list
#else
#define vbp_compat_rqs_arg struct request *
#endif

/**
 * vbp_rq_list_add_tail() - append a request
 * @l: the list
 * @rq: request to append
 */
static inline void vbp_rq_list_add_tail(struct vbp_rq_list *l,
					struct request *rq)
{
	rq->rq_next = NULL;
	if (l->tail)
		l->tail->rq_next = rq;
	else
		l->head = rq;
	l->tail = rq;
}

/**
 * vbp_rq_list_pop() - remove the first request
 * @l: the list
 *
 * Return: the request or NULL when @l is empty.
 */
static inline struct request *vbp_rq_list_pop(struct vbp_rq_list *l)
{
	struct request *rq = l->head;

	if (rq) {
		l->head = rq->rq_next;
		if (!l->head)
			l->tail = NULL;
		rq->rq_next = NULL;
	}
	return rq;
}

/**
 * vbp_compat_rqs_take() - move the ->queue_rqs() argument into a list
 * @arg: the list handed to ->queue_rqs(); left empty
 * @l: destination, overwritten
 */
static inline void vbp_compat_rqs_take(vbp_compat_rqs_arg *arg,
				       struct vbp_rq_list *l)
{
#ifdef HAVE_QUEUE_RQS_RQ_LIST
	l->head = arg->head;
	l->tail = arg->tail;
	arg->head = NULL;
	arg->tail = NULL;
#else
	struct request *rq = *arg;

	l->head = rq;
	l->tail = NULL;
	for (; rq; rq = rq->rq_next)
		l->tail = rq;
	*arg = NULL;
#endif
}

/**
 * vbp_compat_rqs_give() - hand unsubmitted requests back to the block layer
 * @arg: the list handed to ->queue_rqs(); overwritten
 * @l: requests the driver did not take
 */
static inline void vbp_compat_rqs_give(vbp_compat_rqs_arg *arg,
				       struct vbp_rq_list *l)
{
#ifdef HAVE_QUEUE_RQS_RQ_LIST
	arg->head = l->head;
	arg->tail = l->tail;
#else
	*arg = l->head;
#endif
}

#endif /* VBP_COMPAT_H */
