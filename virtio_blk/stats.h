/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of virtio_blk, each once, in the order of their debugfs
 * lines.  No include guard: included wherever VIRTBLK_VQ_STAT(name) or
 * VIRTBLK_DEV_STAT(name) is defined - for the enums indexing the counter
 * arrays (virtblk.h) and for the names debugfs.c prints; debugfs "reset"
 * zeroes the arrays.  A new counter is a new line here plus the code
 * that counts it.
 */

/* Per virtqueue, debugfs <disk>/q<N>/stats, under virtblk_vq.lock. */
#ifdef VIRTBLK_VQ_STAT
VIRTBLK_VQ_STAT(submitted)		/* requests added to the ring */
VIRTBLK_VQ_STAT(kicks)			/* device notifications sent */
VIRTBLK_VQ_STAT(kicks_avoided)		/* kicks the device did not want */
VIRTBLK_VQ_STAT(interrupts)		/* used-buffer interrupts taken */
VIRTBLK_VQ_STAT(completions)		/* completed by interrupts, timeouts, resets */
VIRTBLK_VQ_STAT(polls)			/* calls of the poll handler */
VIRTBLK_VQ_STAT(polls_empty)		/* poll calls that found nothing */
VIRTBLK_VQ_STAT(poll_completions)	/* completed by the poll handler */
VIRTBLK_VQ_STAT(idle_windows)		/* idle poll windows opened on the queue */
VIRTBLK_VQ_STAT(idle_completions)	/* completed for an idle CPU that saw them first */
#endif

/* Per disk, debugfs <disk>/device, under virtblk_dev.state_lock. */
#ifdef VIRTBLK_DEV_STAT
VIRTBLK_DEV_STAT(timeouts)		/* requests that hit io_timeout */
VIRTBLK_DEV_STAT(resets)		/* device resets performed */
VIRTBLK_DEV_STAT(requeues)		/* requests requeued by resets */
VIRTBLK_DEV_STAT(failed)		/* failed by resets (retries exhausted, dead) */
#endif
