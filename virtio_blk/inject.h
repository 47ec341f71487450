/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_blk fault injection for the test suite (inject.c).
 *
 * Built only with "make VBP_INJECT=1" (the test harness does that; DKMS,
 * "make deb" and a plain "make" never do), which defines
 * CONFIG_VIRTIO_BLK_POLL_INJECT and adds inject.o.  Without it the
 * structs below do not exist (nor the fields of that type in virtblk.h)
 * and every hook is a static inline no-op, so the shipped module carries
 * neither the code, the state nor a name of it.
 */
#ifndef VIRTBLK_INJECT_H
#define VIRTBLK_INJECT_H

#include <linux/blk-mq.h>
#include <linux/types.h>
#include <linux/virtio.h>

#if IS_ENABLED(CONFIG_VIRTIO_BLK_POLL_INJECT) && IS_ENABLED(CONFIG_DEBUG_FS)
#define VIRTBLK_INJECT	1
#else
#define VIRTBLK_INJECT	0
#endif

struct dentry;
struct virtblk_cfg;
struct virtblk_dev;
struct virtblk_vq;

#if VIRTBLK_INJECT

/**
 * enum virtblk_stall - injected stall of a queue
 * @VIRTBLK_STALL_NONE: normal operation
 * @VIRTBLK_STALL_ONCE: leave used buffers on the ring until the next reset,
 *	as a hung device would; the reset completes them
 * @VIRTBLK_STALL_STICKY: never take used buffers back, even across resets;
 *	the reset requeues them, and the disk eventually dies
 */
enum virtblk_stall {
	VIRTBLK_STALL_NONE,
	VIRTBLK_STALL_ONCE,
	VIRTBLK_STALL_STICKY,
};

/**
 * enum virtblk_inject_id - injected bogus used ids
 * @VIRTBLK_INJECT_NONE: normal operation
 * @VIRTBLK_INJECT_BADID: the next reap first sees an id that no request
 *	of the queue owns
 * @VIRTBLK_INJECT_DUPID: the next used id taken off the ring is returned a
 *	second time right after it was handled
 * @VIRTBLK_INJECT_DUPID_NEXT: that second time is due; the id is in
 *	&virtblk_vq_inject.token
 *
 * The injected ids go through the same check as ids read from the ring,
 * as if the device had returned them.
 */
enum virtblk_inject_id {
	VIRTBLK_INJECT_NONE,
	VIRTBLK_INJECT_BADID,
	VIRTBLK_INJECT_DUPID,
	VIRTBLK_INJECT_DUPID_NEXT,
};

/**
 * struct virtblk_vq_inject - faults injected into one queue
 * @stall: enum virtblk_stall: ignore used buffers
 * @id: enum virtblk_inject_id: bogus used ids
 * @bad_hdr: send the next request without data out with a truncated
 *	header (a driver bug the device must answer with NEEDS_RESET)
 * @id_err: the next GET_ID taken off the ring completes with
 *	VIRTIO_BLK_S_IOERR, as from a device that failed it
 * @token: the id to return again for %VIRTBLK_INJECT_DUPID_NEXT
 *
 * Locking: the lock of the owning &struct virtblk_vq, like the ring.
 * Placed at the end of that struct, away from the fields the I/O path
 * uses.
 */
struct virtblk_vq_inject {
	u8 stall;
	u8 id;
	u8 bad_hdr;
	u8 id_err;
	void *token;
};

/**
 * struct virtblk_dev_inject - faults injected into one device
 * @gone: the device reads as removed (status all-ones)
 * @fail_init: the next virtblk_start_vqs() fails
 * @reset_delay_ms: reset_work waits this long before it resets the device
 *
 * Locking: none; every field is read and written with READ_ONCE() and
 * WRITE_ONCE().
 */
struct virtblk_dev_inject {
	unsigned int gone;
	unsigned int fail_init;
	unsigned int reset_delay_ms;
};

/**
 * virtblk_inject_debugfs_init() - create the module-wide injection files
 * @root: the module's debugfs directory
 */
void virtblk_inject_debugfs_init(struct dentry *root);

/**
 * virtblk_inject_debugfs_add() - create the "inject" file of a disk
 * @vblk: the device, its debugfs directory created
 */
void virtblk_inject_debugfs_add(struct virtblk_dev *vblk);

/**
 * virtblk_inject_override_cfg() - apply config_override to limits input
 * @vdev: the device being probed (named in the log)
 * @cfg: values read from the device; seg_max, size_max and the zoned
 *	model may be replaced
 */
void virtblk_inject_override_cfg(struct virtio_device *vdev,
				 struct virtblk_cfg *cfg);

/**
 * virtblk_inject_override_queues() - apply config_override to num_queues
 * @vdev: the device being probed (named in the log)
 * @num_queues: queues the device offers; may be replaced
 */
void virtblk_inject_override_queues(struct virtio_device *vdev,
				    u16 *num_queues);

/**
 * virtblk_inject_fail_init() - should this virtqueue setup fail?
 * @vblk: the device
 *
 * Consumes the "failinit" fault and logs it.
 *
 * Return: true if the caller must fail with -ENOMEM.
 */
bool virtblk_inject_fail_init(struct virtblk_dev *vblk);

/**
 * virtblk_inject_gone() - does the device pretend to be removed?
 * @vblk: the device
 *
 * Return: true while the "gone" fault is set.
 */
bool virtblk_inject_gone(struct virtblk_dev *vblk);

/**
 * virtblk_inject_reset_delay() - wait before a reset, if asked to
 * @vblk: the device; called by reset_work, sleeps
 */
void virtblk_inject_reset_delay(struct virtblk_dev *vblk);

/*
 * Hooks of the I/O path, called under the queue lock.  Out of line: only
 * test builds have them, and there a call costs nothing that matters.
 */

/**
 * virtblk_inject_stalled() - leave used buffers on the ring?
 * @bvq: the queue
 *
 * Return: true while "stall" (until the next reset) or "hang" is set.
 */
bool virtblk_inject_stalled(struct virtblk_vq *bvq);

/**
 * virtblk_inject_id_pending() - does the next used id come from a fault?
 * @bvq: the queue
 *
 * Return: true if virtblk_inject_get_used() must give the next id.
 */
bool virtblk_inject_id_pending(struct virtblk_vq *bvq);

/**
 * virtblk_inject_get_used() - the next used id, bogus ones included
 * @bvq: the queue, virtblk_inject_id_pending() true
 * @len: as for virtqueue_get_buf()
 *
 * "badid" gives an id that no request owns, "dupid" the next id of the
 * ring and then the same id once more.
 *
 * Return: a token, as virtqueue_get_buf() would return it, or NULL.
 */
void *virtblk_inject_get_used(struct virtblk_vq *bvq, unsigned int *len);

/**
 * virtblk_inject_hdr_len() - header length to send for a request
 * @bvq: the queue
 * @rq: the request being added to the ring
 * @len: the real header length
 *
 * Return: @len, or 1 once for the first request without data out after
 * "badhdr".
 */
unsigned int virtblk_inject_hdr_len(struct virtblk_vq *bvq, struct request *rq,
				    unsigned int len);

/**
 * virtblk_inject_status() - fail a GET_ID taken off the ring, once
 * @bvq: the queue
 * @rq: the request taken off the ring
 * @status: its status byte; set to VIRTIO_BLK_S_IOERR after "iderr"
 */
void virtblk_inject_status(struct virtblk_vq *bvq, struct request *rq,
			   u8 *status);

/**
 * virtblk_inject_reset_done() - the device was reset: once-only faults end
 * @bvq: the queue
 */
void virtblk_inject_reset_done(struct virtblk_vq *bvq);

#else /* !VIRTBLK_INJECT: no state, hooks that do nothing */

static inline void virtblk_inject_debugfs_init(struct dentry *root) { }
static inline void virtblk_inject_debugfs_add(struct virtblk_dev *vblk) { }
static inline void virtblk_inject_override_cfg(struct virtio_device *vdev,
					       struct virtblk_cfg *cfg) { }
static inline void virtblk_inject_override_queues(struct virtio_device *vdev,
						  u16 *num_queues) { }

static inline bool virtblk_inject_fail_init(struct virtblk_dev *vblk)
{
	return false;
}

static inline bool virtblk_inject_gone(struct virtblk_dev *vblk)
{
	return false;
}

static inline void virtblk_inject_reset_delay(struct virtblk_dev *vblk) { }

static inline bool virtblk_inject_stalled(struct virtblk_vq *bvq)
{
	return false;
}

static inline bool virtblk_inject_id_pending(struct virtblk_vq *bvq)
{
	return false;
}

static inline void *virtblk_inject_get_used(struct virtblk_vq *bvq,
					    unsigned int *len)
{
	return NULL;
}

static inline unsigned int virtblk_inject_hdr_len(struct virtblk_vq *bvq,
						  struct request *rq,
						  unsigned int len)
{
	return len;
}

static inline void virtblk_inject_status(struct virtblk_vq *bvq,
					 struct request *rq, u8 *status) { }
static inline void virtblk_inject_reset_done(struct virtblk_vq *bvq) { }

#endif /* VIRTBLK_INJECT */

#endif /* VIRTBLK_INJECT_H */
