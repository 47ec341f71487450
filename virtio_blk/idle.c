// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk idle-loop completion: each interrupt-driven queue is a poll
 * source (include/vbp_hints.h) that cpuidle_haltpoll_io can watch while
 * its CPU idles with a request in flight, so that the completion is found
 * on the used ring without an interrupt and without a halt.
 *
 * A window on a queue lasts one idle poll.  The first window opened on a
 * queue suppresses its used-buffer notifications; while any window is
 * open, the interrupt handler and every reap leave them suppressed.  The
 * last window to close enables them again and looks at the ring once
 * more, so a completion that came in between is never left waiting for
 * an interrupt that will not come.  The idle loop itself only compares
 * the ring's used index with a mark (no lock, no write); what it finds is
 * reaped and ended by the queue's tasklet, in softirq context, a budget
 * of requests at a time (a tasklet rather than irq_poll, which kernels
 * may leave out: CONFIG_IRQ_POLL).
 *
 * Lifetime: the idle loop reaches a queue only through the hint slots,
 * inside one RCU read-side section.  The virtqueue is deleted only after
 * a grace period that follows clearing bvq->vq (virtblk_del_vqs()), and
 * the queue itself only after virtblk_idle_exit().
 */
#include "virtblk.h"

#include <linux/bottom_half.h>
#include <linux/interrupt.h>
#include <linux/rcupdate.h>
#include <linux/virtio_ring.h>

#include "vbp_hints.h"

static inline struct virtblk_vq *virtblk_idle_vq(struct vbp_poll_source *src)
{
	return container_of(src, struct virtblk_vq, isrc);
}

/*
 * Remember where the used ring stands, for the lockless check.  There is
 * no accessor for the ring's last-used position alone; preparing to
 * enable notifications returns it, and disabling them again at once keeps
 * them off.  Called under bvq->lock with bvq->vq set.
 */
static void virtblk_idle_mark(struct virtblk_vq *bvq)
{
	unsigned int mark = virtqueue_enable_cb_prepare(bvq->vq);

	virtqueue_disable_cb(bvq->vq);
	WRITE_ONCE(bvq->imark, mark);
}

void virtblk_idle_rearm(struct virtblk_vq *bvq)
{
	if (bvq->ipollers && bvq->vq)
		virtblk_idle_mark(bvq);
}

/*
 * With no window open any more, turn notifications back on, with the
 * re-check: true if used buffers came in meanwhile, which then leaves
 * them off for the caller to reap.  Called under bvq->lock.
 */
static bool virtblk_idle_resume(struct virtblk_vq *bvq)
{
	if (bvq->ipollers || !bvq->vq || bvq->poll ||
	    virtqueue_enable_cb(bvq->vq))
		return false;
	virtqueue_disable_cb(bvq->vq);
	return true;
}

/* Run the tasklet now, from the idle task: bh off, bh on. */
static void virtblk_idle_sched(struct virtblk_vq *bvq)
{
	local_bh_disable();
	tasklet_schedule(&bvq->itask);
	local_bh_enable();
}

static bool virtblk_idle_open(struct vbp_poll_source *src)
{
	struct virtblk_vq *bvq = virtblk_idle_vq(src);
	unsigned long flags;
	bool ok = false;

	/* Another CPU polls or completes this queue: do not spin on it. */
	if (!spin_trylock_irqsave(&bvq->lock, flags))
		return false;
	if (bvq->vq && !bvq->poll) {
		if (!bvq->ipollers++)
			virtblk_idle_mark(bvq);
		bvq->stats.v[VIRTBLK_VQ_ST_idle_windows]++;
		ok = true;
	}
	spin_unlock_irqrestore(&bvq->lock, flags);
	return ok;
}

static bool virtblk_idle_pending(struct vbp_poll_source *src)
{
	struct virtblk_vq *bvq = virtblk_idle_vq(src);
	struct virtqueue *vq = READ_ONCE(bvq->vq);

	/* vq stays valid until the caller's RCU read-side section ends. */
	return vq && virtqueue_poll(vq, READ_ONCE(bvq->imark));
}

static void virtblk_idle_kick(struct vbp_poll_source *src)
{
	virtblk_idle_sched(virtblk_idle_vq(src));
}

static void virtblk_idle_close(struct vbp_poll_source *src)
{
	struct virtblk_vq *bvq = virtblk_idle_vq(src);
	unsigned long flags;
	bool more = false;

	spin_lock_irqsave(&bvq->lock, flags);
	/* The last window: what landed meanwhile is reaped here. */
	if (!WARN_ON_ONCE(!bvq->ipollers) && !--bvq->ipollers)
		more = virtblk_idle_resume(bvq);
	spin_unlock_irqrestore(&bvq->lock, flags);
	if (more)
		virtblk_idle_sched(bvq);
}

static const struct vbp_poll_ops virtblk_idle_ops = {
	.open		= virtblk_idle_open,
	.pending	= virtblk_idle_pending,
	.kick		= virtblk_idle_kick,
	.close		= virtblk_idle_close,
};

/*
 * The tasklet: end up to VIRTBLK_IDLE_BUDGET requests, and run again
 * (a later softirq round) if there may be more.  When it runs out of
 * work with no window open, notifications are switched back on with the
 * re-check; otherwise the next window or interrupt takes over.
 */
static void virtblk_idle_tasklet(struct tasklet_struct *t)
{
	struct virtblk_vq *bvq = from_tasklet(bvq, t, itask);
	bool again = false;
	unsigned long flags;

	if (virtblk_reap_idle(bvq, VIRTBLK_IDLE_BUDGET) < VIRTBLK_IDLE_BUDGET) {
		spin_lock_irqsave(&bvq->lock, flags);
		again = virtblk_idle_resume(bvq);
		spin_unlock_irqrestore(&bvq->lock, flags);
	} else {
		again = true;
	}
	if (again)
		tasklet_schedule(t);
}

void virtblk_idle_init(struct virtblk_vq *bvq)
{
	bvq->isrc.ops = &virtblk_idle_ops;
	tasklet_setup(&bvq->itask, virtblk_idle_tasklet);
}

void virtblk_idle_exit(struct virtblk_dev *vblk, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		vbp_poll_source_forget(&vblk->vqs[i].isrc);
	/* No idle CPU is still inside a window, nor can enter a new one. */
	synchronize_rcu();
	for (i = 0; i < n; i++)
		tasklet_kill(&vblk->vqs[i].itask);
}
