/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk-poll: private definitions shared by the virtio_blk source files.
 */
#ifndef VIRTBLK_H
#define VIRTBLK_H

#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/interrupt.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_blk.h>
#include <linux/workqueue.h>

#include "vbp_compat.h"
#include "inject.h"
#include "proto.h"
#include "qmap.h"
#include "vbp_hints.h"

/* Scatterlist entries embedded in every request before chaining. */
#ifdef CONFIG_ARCH_NO_SG_CHAIN
#define VIRTBLK_INLINE_SG	0
#else
#define VIRTBLK_INLINE_SG	4
#endif

/* A request is requeued at most this many times by device resets. */
#define VIRTBLK_MAX_RETRIES	3
/* Consecutive resets that found requests stuck and saw no completion. */
#define VIRTBLK_MAX_RESETS	3
/* Default for the io_timeout parameter, in seconds. */
#define VIRTBLK_DEFAULT_TIMEOUT	30
#define VIRTBLK_VQ_NAME_LEN	16
/* Requests one tasklet run of the idle completion ends at most. */
#define VIRTBLK_IDLE_BUDGET	16

/**
 * enum virtblk_rq_state - driver-owned request lifecycle
 * @VIRTBLK_RQ_IDLE: not on a virtqueue (being prepared, or requeued)
 * @VIRTBLK_RQ_INFLIGHT: on the virtqueue, owned by the device
 * @VIRTBLK_RQ_DONE: taken back from the virtqueue, completion under way
 * @VIRTBLK_RQ_DROPPED: taken back, but the block layer's fail_io_timeout
 *	fault injection swallowed the completion; only the timeout handler
 *	completes a request in this state
 *
 * Transitions into and out of %VIRTBLK_RQ_INFLIGHT happen only under the
 * lock of the request's virtqueue, together with adding the buffer to or
 * taking it from the ring, so a request is taken back exactly once no
 * matter whether an interrupt, a poller, the timeout handler or a reset
 * gets there first.
 */
enum virtblk_rq_state {
	VIRTBLK_RQ_IDLE,
	VIRTBLK_RQ_INFLIGHT,
	VIRTBLK_RQ_DONE,
	VIRTBLK_RQ_DROPPED,
};

/* virtblk_req.flags */
#define VIRTBLK_REQ_MAPPED	BIT(0)	/* sg_table allocated */
#define VIRTBLK_REQ_RANGES	BIT(1)	/* range array kmalloc()ed */

/**
 * struct virtblk_req - per-request driver data (blk-mq pdu)
 * @out_hdr: request header read by the device
 * @status: status byte written by the device
 * @state: enum virtblk_rq_state; changed under the virtqueue lock
 * @retries: times a reset requeued this request; zeroed when the request
 *	     is first prepared (RQF_DONTPREP not yet set)
 * @flags: VIRTBLK_REQ_* preparation state, owned by whoever holds the request
 * @hint_cpu: CPU whose idle hints counted the request (valid with @hint_ns)
 * @hint_ns: submission time passed to the idle hints (include/vbp_hints.h),
 *	     0 when the request was not counted there; set and cleared
 *	     under the virtqueue lock
 * @range: inline range for single-segment discard/write-zeroes/erase
 * @sg_table: data scatterlist, first %VIRTBLK_INLINE_SG entries in @sg
 * @sg: inline scatterlist chunk
 *
 * Preallocated with the request, so the common I/O path does no
 * allocation of its own.
 */
struct virtblk_req {
	struct virtio_blk_outhdr out_hdr;
	u8 status;
	u8 state;
	u8 retries;
	u8 flags;
	u16 hint_cpu;
	u64 hint_ns;
	struct virtio_blk_discard_write_zeroes range;
	struct sg_table sg_table;
	struct scatterlist sg[];
};

/*
 * enum virtblk_vq_stat - the per-virtqueue counters of stats.h,
 * VIRTBLK_VQ_ST_<name> indexing &struct virtblk_vq_stats;
 * VIRTBLK_VQ_NR_STATS counts them.
 */
enum virtblk_vq_stat {
#define VIRTBLK_VQ_STAT(name)	VIRTBLK_VQ_ST_##name,
#include "stats.h"
#undef VIRTBLK_VQ_STAT
	VIRTBLK_VQ_NR_STATS
};

/*
 * enum virtblk_dev_stat - the per-disk counters of stats.h,
 * VIRTBLK_DEV_ST_<name> indexing &struct virtblk_dev_stats;
 * VIRTBLK_DEV_NR_STATS counts them.
 */
enum virtblk_dev_stat {
#define VIRTBLK_DEV_STAT(name)	VIRTBLK_DEV_ST_##name,
#include "stats.h"
#undef VIRTBLK_DEV_STAT
	VIRTBLK_DEV_NR_STATS
};

/**
 * struct virtblk_vq_stats - per-virtqueue counters (see debugfs.c)
 * @v: the counters of stats.h, indexed by enum virtblk_vq_stat
 */
struct virtblk_vq_stats {
	u64 v[VIRTBLK_VQ_NR_STATS];
};

/**
 * struct virtblk_dev_stats - per-disk recovery counters (see debugfs.c)
 * @v: the counters of stats.h, indexed by enum virtblk_dev_stat
 */
struct virtblk_dev_stats {
	u64 v[VIRTBLK_DEV_NR_STATS];
};

struct virtblk_dev;

/**
 * struct virtblk_vq - one virtqueue and its blk-mq hardware context
 * @lock: protects @vq, @stopped, @stats, @inj and the state of requests
 *	  on @vq
 * @vq: the virtqueue; NULL while torn down (reset, freeze, removal)
 * @stopped: the hardware queue was stopped because the ring was full
 * @done: requests taken off the ring since the queue was set up; unlike
 *	@stats never reset by users, so recovery can judge progress by it
 * @stats: counters
 * @vblk: owning device (constant)
 * @hctx: blk-mq hardware context served by this queue (set by init_hctx)
 * @qid: virtqueue index (constant)
 * @poll: polled queue without interrupts; changed only by
 *	  virtblk_qswitch_set_split(), while no virtqueue exists
 * @name: virtqueue name; same rule as @poll
 * @ipollers: idle poll windows open on this queue (idle.c); under @lock
 * @imark: used-ring position the idle windows compare with; written
 *	   under @lock, read locklessly with READ_ONCE() by idle CPUs
 * @isrc: the queue as a poll source for idle CPUs (constant)
 * @itask: tasklet ending what idle CPUs found; runs on the CPU that
 *	   scheduled it, takes @lock
 * @inj: fault injection (inject.h), only in builds with VBP_INJECT=1
 */
struct virtblk_vq {
	spinlock_t lock;	/* see above: vq, stopped, stats, rq states */
	struct virtqueue *vq;
	bool stopped;
	u64 done;
	struct virtblk_vq_stats stats;
	struct virtblk_dev *vblk;
	struct blk_mq_hw_ctx *hctx;
	u16 qid;
	bool poll;
	char name[VIRTBLK_VQ_NAME_LEN];
	unsigned int ipollers;
	unsigned int imark;
	struct vbp_poll_source isrc;
	struct tasklet_struct itask;
#if VIRTBLK_INJECT
	struct virtblk_vq_inject inj;
#endif
} ____cacheline_aligned_in_smp;

/**
 * struct virtblk_dev - one virtio-blk disk
 * @vdev: the virtio device; set to NULL under @vdev_mutex by remove
 * @vdev_mutex: protects @vdev for paths that may outlive removal (getgeo)
 * @disk: the gendisk
 * @tag_set: blk-mq tag set, one hardware queue per virtqueue
 * @split: default/poll queue split; its total is fixed at probe, the
 *	   split changes only in virtblk_qswitch() (queue frozen, resets
 *	   blocked, no virtqueue); WRITE_ONCE, READ_ONCE where unlocked
 * @vqs: per-virtqueue state, virtblk_qmap_total(@split) entries (constant)
 * @qswitch_mutex: serialises poll queue changes, and with @removing
 * @removing: removal has begun; no poll queue change starts after it
 * @vqs_live: the virtqueues exist; changed only by probe, remove,
 *	      freeze/restore and reset_work, which never run concurrently
 * @poll_irq: the poll queues of the current virtqueues have an interrupt
 *	      vector (see poll_queue_irq); set with @vqs_live, same rules
 * @wce: cache mode last written through sysfs (-1: never), restored after
 *	 a reset; READ_ONCE/WRITE_ONCE
 * @index: ida index giving the disk name and minor (constant)
 * @config_work: handles config-change interrupts (capacity, NEEDS_RESET)
 * @reset_work: recovery, see recovery.c
 * @state_lock: protects @reset_blocked, @dead and @stats
 * @reset_blocked: no reset may be scheduled (freeze or removal)
 * @dead: recovery gave up; every request fails
 * @stats: recovery counters
 * @stalled_resets: consecutive resets that took back stuck requests with
 *		    no completion since the previous reset; reset_work only
 * @last_done: completion count when the last reset finished; reset_work only
 * @dbg: debugfs directory of this disk
 * @inj: fault injection (inject.h), only in builds with VBP_INJECT=1
 */
struct virtblk_dev {
	struct virtio_device *vdev;
	struct mutex vdev_mutex;	/* vdev, against removal */
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	struct virtblk_qsplit split;
	struct virtblk_vq *vqs;
	struct mutex qswitch_mutex;	/* poll queue changes, removing */
	bool removing;
	bool vqs_live;
	bool poll_irq;
	s8 wce;
	int index;
	struct work_struct config_work;
	struct work_struct reset_work;

	spinlock_t state_lock;	/* reset_blocked, dead, stats */
	bool reset_blocked;
	bool dead;
	struct virtblk_dev_stats stats;

	unsigned int stalled_resets;
	u64 last_done;
	struct dentry *dbg;
#if VIRTBLK_INJECT
	struct virtblk_dev_inject inj;
#endif
};

/* main.c */

/*
 * Module parameters, defined by the table in main.c; READ_ONCE() them.
 * io_timeout is in seconds, 0 disables timeout handling.
 */
extern unsigned int virtblk_param_num_request_queues;
extern unsigned int virtblk_param_poll_queues;
extern unsigned int virtblk_param_queue_depth;
extern unsigned int virtblk_param_io_timeout;
extern unsigned int virtblk_param_poll_queue_irq;
extern unsigned int virtblk_param_indirect_desc;

/* Values of poll_queue_irq. */
#define VIRTBLK_POLL_IRQ_OFF	0	/* poll queues get no vector */
#define VIRTBLK_POLL_IRQ_ON	1	/* always a vector, suppressed */
#define VIRTBLK_POLL_IRQ_AUTO	2	/* a vector if MSI-X has enough */
/* Workqueue for config and reset work. */
extern struct workqueue_struct *virtblk_wq;

/**
 * virtblk_init_vqs() - find the virtqueues and attach them to @vblk->vqs
 * @vblk: the device, with @vblk->split set
 *
 * Used by probe, restore and reset alike.  Polled queues get no callback
 * (hence no interrupt vector) and their used-buffer notifications are
 * disabled for good.  The caller marks the device ready.
 *
 * Return: 0 or a negative errno.
 */
int virtblk_init_vqs(struct virtblk_dev *vblk);

/**
 * virtblk_start_vqs() - set up the virtqueues of a device that was reset
 * @vblk: the device, features negotiated, not yet DRIVER_OK
 *
 * virtblk_init_vqs(), then the cache mode the user chose through sysfs,
 * which the reset may have dropped.  Used by restore and reset_work.
 *
 * Return: 0 or a negative errno.
 */
int virtblk_start_vqs(struct virtblk_dev *vblk);

/**
 * virtblk_read_capacity() - the capacity the device offers now
 * @vblk: the device
 *
 * Return: capacity in 512-byte sectors.
 */
u64 virtblk_read_capacity(struct virtblk_dev *vblk);

/**
 * virtblk_update_capacity() - read the capacity and tell the block layer
 * @vblk: the device
 * @resize: log it as a new size (config change or recovery)
 */
void virtblk_update_capacity(struct virtblk_dev *vblk, bool resize);

/**
 * virtblk_del_vqs() - detach and delete the virtqueues of a reset device
 * @vblk: the device; virtio_reset_device() must have been called
 * @orphans: receives the requests that were on a ring and were never
 *	     completed, in state %VIRTBLK_RQ_IDLE with their data unmapped
 *
 * Buffers the device completed before the reset are completed normally.
 * Used by remove, freeze and reset alike.
 */
void virtblk_del_vqs(struct virtblk_dev *vblk, struct vbp_rq_list *orphans);

/* io.c */

extern const struct blk_mq_ops virtblk_mq_ops;

/**
 * virtblk_vq_done() - virtqueue callback of interrupt-driven queues
 * @vq: the virtqueue that raised the interrupt
 */
void virtblk_vq_done(struct virtqueue *vq);

/**
 * virtblk_poll_vq_irq() - virtqueue callback of poll queues with a vector
 * @vq: the poll queue whose vector fired
 *
 * Used-buffer notifications of poll queues stay disabled, so this runs
 * only when the device notifies anyway (the first completion after a
 * queue starts, the used index passing 0 again, a device that ignores the
 * hint, a vector shared with other queues).  Counts the interrupt in
 * the queue's "interrupts" counter under its lock and leaves the used
 * buffers to the poll handler: each request on a poll queue has a
 * poller, and polled bios must not be freed in interrupt context (6.1).
 * Never re-enables notifications.
 */
void virtblk_poll_vq_irq(struct virtqueue *vq);

/**
 * virtblk_req_release() - undo request preparation
 * @rq: a request that is not on any virtqueue
 *
 * Unmaps the data and frees any range buffer; safe to call on a request
 * that was only partly prepared.
 */
void virtblk_req_release(struct request *rq);

/**
 * virtblk_drain_vq() - empty a virtqueue of a reset device and detach it
 * @bvq: the queue
 * @orphans: receives requests that were never completed, released and in
 *	     state %VIRTBLK_RQ_IDLE
 *
 * Completes what the device finished before the reset, then takes back
 * every other buffer and clears @bvq->vq, all under @bvq->lock.
 */
void virtblk_drain_vq(struct virtblk_vq *bvq, struct vbp_rq_list *orphans);

/**
 * virtblk_reap_vq() - take completed buffers off a virtqueue and end them
 * @bvq: the queue
 * @iob: completion batch or NULL
 *
 * Takes @bvq->lock.  Used by the interrupt, poll, timeout and reset paths.
 *
 * Return: number of requests taken back.
 */
unsigned int virtblk_reap_vq(struct virtblk_vq *bvq, struct io_comp_batch *iob);

/**
 * virtblk_reap_idle() - end what an idle CPU found on a queue
 * @bvq: an interrupt-driven queue
 * @budget: most requests to end
 *
 * The idle completion's softirq work (idle.c): takes @bvq->lock, reaps up
 * to @budget requests and re-arms the idle mark while windows are open.
 *
 * Return: number of requests taken back.
 */
unsigned int virtblk_reap_idle(struct virtblk_vq *bvq, unsigned int budget);

/* idle.c */

/**
 * virtblk_idle_init() - make a queue a poll source for idle CPUs
 * @bvq: the queue, before it is used
 */
void virtblk_idle_init(struct virtblk_vq *bvq);

/**
 * virtblk_idle_exit() - withdraw the poll sources of a device's queues
 * @vblk: the device
 * @n: number of queues in @vblk->vqs
 *
 * Clears every hint slot naming one of them, waits for idle CPUs to
 * leave their windows and stops the softirq pollers.  After it the
 * queues may be freed.  Sleeps.
 */
void virtblk_idle_exit(struct virtblk_dev *vblk, unsigned int n);

/**
 * virtblk_idle_rearm() - move the idle mark past what was just reaped
 * @bvq: the queue; called under @bvq->lock
 *
 * While an idle window is open, keeps notifications off and sets the
 * mark to the ring's current position; does nothing otherwise.
 */
void virtblk_idle_rearm(struct virtblk_vq *bvq);

/* recovery.c */

/**
 * virtblk_schedule_reset() - ask for a device reset
 * @vblk: the device
 * @why: short reason for the log
 *
 * Does nothing while resets are blocked or once the disk is dead.
 * Callable from any context.
 *
 * Return: true if a reset is pending or running (this one or an earlier
 * one), so a request that waits for it will be retried.
 */
bool virtblk_schedule_reset(struct virtblk_dev *vblk, const char *why);

/**
 * virtblk_device_gone() - does the device still answer?
 * @vblk: the device
 *
 * A surprise-removed PCI device reads as all-ones; its reset would wait
 * forever for the status to become 0.
 *
 * Return: true if the device status reads all-ones (or the "gone"
 * fault is injected).
 */
bool virtblk_device_gone(struct virtblk_dev *vblk);

/**
 * virtblk_bring_up() - set up a reset device, retrying with more resets
 * @vblk: the device, reset, its virtqueues deleted
 * @orphans: receives requests found on virtqueues a failed try set up
 *
 * Up to %VIRTBLK_MAX_RESETS tries of feature negotiation, virtqueue setup
 * and DRIVER_OK.  Used by reset_work and by a restore whose first
 * virtqueue setup failed.  Sleeps.
 *
 * Return: NULL once the device is up, else why it is not (for the log).
 */
const char *virtblk_bring_up(struct virtblk_dev *vblk,
			     struct vbp_rq_list *orphans);

/**
 * virtblk_mark_dead() - declare the disk dead: every request fails
 * @vblk: the device
 * @why: reason for the log
 */
void virtblk_mark_dead(struct virtblk_dev *vblk, const char *why);

/**
 * virtblk_reset_work() - reset work function, see recovery.c
 * @work: &virtblk_dev.reset_work
 */
void virtblk_reset_work(struct work_struct *work);

/**
 * virtblk_block_resets() - stop scheduling resets and wait for a running one
 * @vblk: the device
 *
 * Called before freeze and removal.  Sleeps.
 */
void virtblk_block_resets(struct virtblk_dev *vblk);

/**
 * virtblk_unblock_resets() - allow resets again after virtblk_block_resets()
 * @vblk: the device
 */
void virtblk_unblock_resets(struct virtblk_dev *vblk);

/**
 * virtblk_fail_orphans() - end requests left over by virtblk_del_vqs()
 * @vblk: the device
 * @orphans: the requests; emptied
 * @requeue: requeue requests with retries left instead of failing them
 */
void virtblk_fail_orphans(struct virtblk_dev *vblk, struct vbp_rq_list *orphans,
			  bool requeue);

/* qswitch.c */

/* /sys/block/<disk>/poll_queues, in the disk's attribute group. */
extern struct device_attribute dev_attr_poll_queues;

/**
 * virtblk_freeze_wait() - freeze the queue and wait for it to drain
 * @vblk: the device
 *
 * Starts a freeze and waits until no request is in flight, reaping the
 * poll queues meanwhile: their requests end only when somebody polls,
 * and the tasks that would may be frozen (system sleep) or may have
 * stopped polling.  Resets stay allowed.  The caller unfreezes.  Sleeps.
 *
 * Return: the number of polled requests reaped here.
 */
unsigned int virtblk_freeze_wait(struct virtblk_dev *vblk);

/**
 * virtblk_qswitch_set_split() - take a queue split into use
 * @vblk: the device, without virtqueues (probe, or virtblk_qswitch())
 * @split: the split; its total must be that of @vblk->vqs
 *
 * Sets @vblk->split and each queue's poll flag and name from it.
 */
void virtblk_qswitch_set_split(struct virtblk_dev *vblk,
			       const struct virtblk_qsplit *split);

/**
 * virtblk_qswitch() - change the number of poll queues of a live disk
 * @vblk: the device
 * @want: poll queues wanted; reduced (with a warning) so that one
 *	  interrupt-driven queue stays
 *
 * Drains the disk, resets the device, rebuilds its virtqueues with the
 * new split and remaps the hardware contexts; requests queued meanwhile
 * wait and none is lost.  Serialised with other changes and removal by
 * @vblk->qswitch_mutex.  Sleeps.
 *
 * Return: 0; -ENODEV if the disk is being removed; -EIO if it is dead or
 * the device did not come back after the reset (then it is dead).
 */
int virtblk_qswitch(struct virtblk_dev *vblk, unsigned int want);

/* debugfs.c */

#ifdef CONFIG_DEBUG_FS
/**
 * virtblk_debugfs_init() - create the module's debugfs root
 */
void virtblk_debugfs_init(void);
/**
 * virtblk_debugfs_exit() - remove the module's debugfs root
 */
void virtblk_debugfs_exit(void);
/**
 * virtblk_debugfs_add() - create the per-disk and per-queue files
 * @vblk: a device whose disk has been named
 */
void virtblk_debugfs_add(struct virtblk_dev *vblk);
/**
 * virtblk_debugfs_remove() - remove the files of one disk
 * @vblk: the device
 */
void virtblk_debugfs_remove(struct virtblk_dev *vblk);
#else
static inline void virtblk_debugfs_init(void) { }
static inline void virtblk_debugfs_exit(void) { }
static inline void virtblk_debugfs_add(struct virtblk_dev *vblk) { }
static inline void virtblk_debugfs_remove(struct virtblk_dev *vblk) { }
#endif

/**
 * virtblk_vq_of() - virtqueue state serving a hardware context
 * @hctx: the hardware context
 *
 * Return: the queue, set up by init_hctx.
 */
static inline struct virtblk_vq *virtblk_vq_of(struct blk_mq_hw_ctx *hctx)
{
	return hctx->driver_data;
}

#endif /* VIRTBLK_H */
