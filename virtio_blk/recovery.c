// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk error recovery.
 *
 * A request timeout, a device reporting VIRTIO_CONFIG_S_NEEDS_RESET, a
 * virtqueue that virtio_ring marked broken (found by submission, the
 * interrupt handler or a poller) schedules reset_work, which:
 *
 *  1. quiesces the queues, so ->queue_rq() and ->queue_rqs() stop;
 *  2. resets the device and takes every virtqueue apart with
 *     virtblk_del_vqs() (what the device had completed is completed, the
 *     rest become orphans), exactly as freeze does;
 *  3. renegotiates features and rebuilds the virtqueues with
 *     virtblk_start_vqs(), exactly as restore does, retrying a few times;
 *  4. re-reads the capacity (a config interrupt that came while the
 *     device needed the reset only asked for the reset), requeues the
 *     orphans (at most VIRTBLK_MAX_RETRIES times each, then they fail
 *     with BLK_STS_IOERR) and unquiesces.
 *
 * If the device cannot be brought back, or VIRTBLK_MAX_RESETS resets in a
 * row have to take back requests while no request at all completed in
 * between (counted by virtblk_vq.done, which users cannot reset), or the
 * device reads as all-ones (surprise removal: its reset would never
 * finish, so it is not attempted), the disk is declared dead:
 * every pending and future request fails with BLK_STS_IOERR.
 *
 * Pollers and the interrupt handler do not stop during a reset; they find
 * virtblk_vq.vq cleared under the queue lock and back off.
 */
#include "virtblk.h"

#include <linux/delay.h>
#include <linux/virtio_config.h>

bool virtblk_schedule_reset(struct virtblk_dev *vblk, const char *why)
{
	unsigned long flags;
	bool queued = false, possible;

	spin_lock_irqsave(&vblk->state_lock, flags);
	possible = !vblk->reset_blocked && !vblk->dead;
	if (possible)
		queued = queue_work(virtblk_wq, &vblk->reset_work);
	spin_unlock_irqrestore(&vblk->state_lock, flags);

	if (queued)
		dev_warn(&vblk->vdev->dev, "%s: scheduling device reset: %s\n",
			 vblk->disk->disk_name, why);
	return possible;
}

bool virtblk_device_gone(struct virtblk_dev *vblk)
{
	if (virtblk_inject_gone(vblk))
		return true;
	return vblk->vdev->config->get_status(vblk->vdev) == 0xff;
}

void virtblk_block_resets(struct virtblk_dev *vblk)
{
	unsigned long flags;

	spin_lock_irqsave(&vblk->state_lock, flags);
	vblk->reset_blocked = true;
	spin_unlock_irqrestore(&vblk->state_lock, flags);
	flush_work(&vblk->reset_work);
}

void virtblk_unblock_resets(struct virtblk_dev *vblk)
{
	unsigned long flags;

	spin_lock_irqsave(&vblk->state_lock, flags);
	vblk->reset_blocked = false;
	spin_unlock_irqrestore(&vblk->state_lock, flags);
}

void virtblk_fail_orphans(struct virtblk_dev *vblk, struct vbp_rq_list *orphans,
			  bool requeue)
{
	unsigned int requeued = 0, failed = 0;
	unsigned long flags;
	struct request *rq;

	while ((rq = vbp_rq_list_pop(orphans))) {
		struct virtblk_req *vbr = blk_mq_rq_to_pdu(rq);

		if (requeue && vbr->retries < VIRTBLK_MAX_RETRIES) {
			vbr->retries++;
			blk_mq_requeue_request(rq, false);
			requeued++;
		} else {
			blk_mq_end_request(rq, BLK_STS_IOERR);
			failed++;
		}
	}

	spin_lock_irqsave(&vblk->state_lock, flags);
	vblk->stats.v[VIRTBLK_DEV_ST_requeues] += requeued;
	vblk->stats.v[VIRTBLK_DEV_ST_failed] += failed;
	spin_unlock_irqrestore(&vblk->state_lock, flags);

	if (failed)
		dev_err(&vblk->vdev->dev, "%s: failed %u request(s) after reset%s\n",
			vblk->disk->disk_name, failed,
			requeue ? " (retries exhausted)" : "");
}

/* Completions seen so far, for the no-progress check. */
static u64 virtblk_total_done(struct virtblk_dev *vblk)
{
	unsigned int i, n = virtblk_qmap_total(&vblk->split);
	unsigned long flags;
	u64 sum = 0;

	for (i = 0; i < n; i++) {
		struct virtblk_vq *bvq = &vblk->vqs[i];

		spin_lock_irqsave(&bvq->lock, flags);
		sum += bvq->done;
		spin_unlock_irqrestore(&bvq->lock, flags);
	}
	return sum;
}

/* Bring a freshly reset device back to DRIVER_OK with new virtqueues. */
static int virtblk_reinit(struct virtblk_dev *vblk)
{
	struct virtio_device *vdev = vblk->vdev;
	u8 status;
	int err;

	virtio_add_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	virtio_add_status(vdev, VIRTIO_CONFIG_S_DRIVER);
	err = vdev->config->finalize_features(vdev);
	if (err)
		return err;
	if (virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
		virtio_add_status(vdev, VIRTIO_CONFIG_S_FEATURES_OK);
		if (!(vdev->config->get_status(vdev) &
		      VIRTIO_CONFIG_S_FEATURES_OK))
			return -ENODEV;
	}

	err = virtblk_start_vqs(vblk);
	if (err)
		return err;

	virtio_device_ready(vdev);
	status = vdev->config->get_status(vdev);
	if (status & (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED))
		return -EIO;
	return 0;
}

const char *virtblk_bring_up(struct virtblk_dev *vblk,
			     struct vbp_rq_list *orphans)
{
	struct virtio_device *vdev = vblk->vdev;
	int attempt, err;

	for (attempt = 1; ; attempt++) {
		err = virtblk_reinit(vblk);
		if (!err)
			return NULL;
		dev_warn(&vdev->dev, "%s: reset attempt %d failed: %d\n",
			 vblk->disk->disk_name, attempt, err);
		if (virtblk_device_gone(vblk)) {
			virtblk_del_vqs(vblk, orphans);
			return "device is gone";
		}
		virtio_reset_device(vdev);
		virtblk_del_vqs(vblk, orphans);
		if (attempt >= VIRTBLK_MAX_RESETS)
			return "device does not come back after reset";
		msleep(100 * attempt);
	}
}

void virtblk_mark_dead(struct virtblk_dev *vblk, const char *why)
{
	unsigned long flags;

	spin_lock_irqsave(&vblk->state_lock, flags);
	vblk->dead = true;
	spin_unlock_irqrestore(&vblk->state_lock, flags);

	dev_err(&vblk->vdev->dev,
		"%s: device did not recover (%s); disk is dead, failing all I/O\n",
		vblk->disk->disk_name, why);
}

void virtblk_reset_work(struct work_struct *work)
{
	struct virtblk_dev *vblk = container_of(work, struct virtblk_dev,
						reset_work);
	struct virtio_device *vdev = vblk->vdev;
	struct request_queue *q = vblk->disk->queue;
	struct vbp_rq_list orphans = { };
	const char *why = NULL;
	unsigned long flags;
	u64 done;

	/* Injected: a window in which the device still needs its reset. */
	virtblk_inject_reset_delay(vblk);

	blk_mq_quiesce_queue(q);

	/*
	 * A device that was pulled out reads as all-ones, and its reset
	 * would wait forever for the status to clear (and removal, which
	 * waits for this work, with it).  It will not DMA any more, so its
	 * buffers can be taken back without a reset.
	 */
	if (virtblk_device_gone(vblk)) {
		virtblk_del_vqs(vblk, &orphans);
		why = "device is gone";
		goto out;
	}

	/* Did anything complete since the previous reset finished? */
	done = virtblk_total_done(vblk);

	spin_lock_irqsave(&vblk->state_lock, flags);
	vblk->stats.v[VIRTBLK_DEV_ST_resets]++;
	spin_unlock_irqrestore(&vblk->state_lock, flags);
	dev_warn(&vdev->dev, "%s: resetting device\n", vblk->disk->disk_name);

	virtio_reset_device(vdev);
	virtblk_del_vqs(vblk, &orphans);

	/*
	 * A reset that takes back requests the device never completed, with
	 * no completion at all since the previous one, did not help.  Resets
	 * of an idle disk say nothing either way.
	 */
	if (done != vblk->last_done)
		vblk->stalled_resets = 0;
	else if (orphans.head)
		vblk->stalled_resets++;
	vblk->last_done = virtblk_total_done(vblk);

	if (vblk->stalled_resets >= VIRTBLK_MAX_RESETS)
		why = "no request completed across repeated resets";
	else
		why = virtblk_bring_up(vblk, &orphans);

out:
	if (why) {
		virtblk_mark_dead(vblk, why);
		virtblk_fail_orphans(vblk, &orphans, false);
	} else {
		/*
		 * A config interrupt that came while the device needed its
		 * reset was taken for that; a capacity change in it is
		 * picked up here.
		 */
		if (get_capacity(vblk->disk) != virtblk_read_capacity(vblk))
			virtblk_update_capacity(vblk, true);
		virtblk_fail_orphans(vblk, &orphans, true);
	}

	blk_mq_unquiesce_queue(q);
	blk_mq_start_stopped_hw_queues(q, true);
	blk_mq_kick_requeue_list(q);

	/* Only now: what is queued must be able to reach ->queue_rq(). */
	if (why)
		blk_mark_disk_dead(vblk->disk);
}
