// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk: changing a disk's number of poll queues while it is in use.
 *
 * /sys/block/<disk>/poll_queues reads the disk's current number of poll
 * queues and, written, changes it.  The total number of queues stays
 * what probe chose (num_request_queues, the device's queues and the
 * CPUs); only how many of them are polled changes, so the hardware
 * contexts stay and only the maps, the vectors and the virtqueues are
 * rebuilt:
 *
 *  1. wait for every request in flight to finish with the queue frozen
 *     (resets stay allowed meanwhile, so a stalled device is recovered
 *     or declared dead as usual; poll queues are reaped here too);
 *  2. block resets, reset the device and delete its virtqueues, exactly
 *     as freeze does (nothing is on the rings any more);
 *  3. set the new split and bring the device up with new virtqueues
 *     (poll queues without callbacks), exactly as reset_work does;
 *  4. blk_mq_update_nr_hw_queues() with the same count: it calls
 *     ->map_queues() for the new split, re-creates the hardware contexts
 *     (->init_hctx() again), rebuilds the CPU maps and the mq/ sysfs
 *     directories; then the queue's poll capability follows the poll
 *     map (vbp_compat_set_poll());
 *  5. unfreeze and allow resets again.
 *
 * Writers are serialised by virtblk_dev.qswitch_mutex, which removal
 * also takes (to say it has started) before it deletes the disk, whose
 * sysfs files it waits for.
 */
#include "virtblk.h"

#include <linux/kstrtox.h>
#include <linux/virtio_config.h>

unsigned int virtblk_freeze_wait(struct virtblk_dev *vblk)
{
	struct request_queue *q = vblk->disk->queue;
	unsigned int i, n = virtblk_qmap_total(&vblk->split);
	unsigned int reaped = 0;

	blk_freeze_queue_start(q);
	while (!blk_mq_freeze_queue_wait_timeout(q, msecs_to_jiffies(5))) {
		for (i = 0; i < n; i++)
			if (READ_ONCE(vblk->vqs[i].poll))
				reaped += virtblk_reap_vq(&vblk->vqs[i], NULL);
	}
	return reaped;
}

void virtblk_qswitch_set_split(struct virtblk_dev *vblk,
			       const struct virtblk_qsplit *split)
{
	unsigned int i, n = virtblk_qmap_total(split);

	WRITE_ONCE(vblk->split.nr_default, split->nr_default);
	WRITE_ONCE(vblk->split.nr_poll, split->nr_poll);
	for (i = 0; i < n; i++) {
		struct virtblk_vq *bvq = &vblk->vqs[i];

		WRITE_ONCE(bvq->poll, virtblk_qmap_is_poll(split, i));
		snprintf(bvq->name, sizeof(bvq->name), "%s.%u",
			 bvq->poll ? "req_poll" : "req", bvq->qid);
	}
}

/* Steps 2 and 3 above, with the queue frozen and resets blocked. */
static const char *virtblk_qswitch_rebuild(struct virtblk_dev *vblk,
					   const struct virtblk_qsplit *split,
					   struct vbp_rq_list *orphans)
{
	if (virtblk_device_gone(vblk)) {
		virtblk_del_vqs(vblk, orphans);
		return "device is gone";
	}
	virtio_reset_device(vblk->vdev);
	virtblk_del_vqs(vblk, orphans);
	virtblk_qswitch_set_split(vblk, split);
	return virtblk_bring_up(vblk, orphans);
}

int virtblk_qswitch(struct virtblk_dev *vblk, unsigned int want)
{
	struct device *dev = &vblk->vdev->dev;
	struct request_queue *q = vblk->disk->queue;
	unsigned int total = virtblk_qmap_total(&vblk->split);
	struct vbp_rq_list orphans = { };
	struct virtblk_qsplit split;
	unsigned int old, reaped;
	const char *why;
	int err = 0;

	/* The same total; at least one interrupt-driven queue stays. */
	virtblk_qmap_split(total, total, 0, want, &split);
	if (split.nr_poll < want)
		dev_warn(dev, "%s: poll_queues=%u reduced to %u: %u queue(s) and one must use interrupts\n",
			 vblk->disk->disk_name, want, split.nr_poll, total);

	mutex_lock(&vblk->qswitch_mutex);
	old = vblk->split.nr_poll;
	if (vblk->removing) {
		err = -ENODEV;
		goto out_unlock;
	}
	if (READ_ONCE(vblk->dead)) {
		err = -EIO;
		goto out_unlock;
	}
	if (split.nr_poll == old)
		goto out_unlock;

	reaped = virtblk_freeze_wait(vblk);
	virtblk_block_resets(vblk);
	if (READ_ONCE(vblk->dead)) {
		err = -EIO;
		goto out_unfreeze;
	}

	why = virtblk_qswitch_rebuild(vblk, &split, &orphans);
	if (why) {
		virtblk_mark_dead(vblk, why);
		err = -EIO;
	}
	/* Same count: the maps and hctx types follow the new split. */
	blk_mq_update_nr_hw_queues(&vblk->tag_set, total);
	if (vbp_compat_set_poll(q, split.nr_poll))
		dev_warn(dev, "%s: could not update the queue's poll capability\n",
			 vblk->disk->disk_name);
	/* Nothing was in flight; should something be, it is not lost. */
	virtblk_fail_orphans(vblk, &orphans, !why);
	if (why)
		blk_mark_disk_dead(vblk->disk);
	else
		dev_info(dev, "%s: %u default + %u poll queues (were %u + %u; %u polled request(s) reaped)\n",
			 vblk->disk->disk_name, split.nr_default, split.nr_poll,
			 total - old, old, reaped);

out_unfreeze:
	virtblk_unblock_resets(vblk);
	blk_mq_unfreeze_queue(q);
	blk_mq_kick_requeue_list(q);
out_unlock:
	mutex_unlock(&vblk->qswitch_mutex);
	return err;
}

static ssize_t poll_queues_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct virtblk_dev *vblk = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "%u\n", READ_ONCE(vblk->split.nr_poll));
}

static ssize_t poll_queues_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct virtblk_dev *vblk = dev_to_disk(dev)->private_data;
	unsigned int n;
	int err;

	/* As the module parameter: text is refused with a message. */
	if (kstrtouint(buf, 0, &n)) {
		dev_err_ratelimited(&vblk->vdev->dev,
				    "%s: poll_queues: '%.*s' is not an unsigned integer\n",
				    vblk->disk->disk_name,
				    (int)strcspn(buf, "\n"), buf);
		return -EINVAL;
	}
	err = virtblk_qswitch(vblk, n);
	return err ? err : count;
}
DEVICE_ATTR_RW(poll_queues);
