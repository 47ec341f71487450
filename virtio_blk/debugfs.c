// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk statistics in debugfs:
 *
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/device
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/q<N>/stats
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/inject      (write-only)
 *
 * Each file lists "name value" lines; writing 0 to it resets its counters.
 * "inject" takes one command for recovery testing: "reset" schedules a
 * device reset, "stall" makes every queue ignore used buffers until the
 * next reset (a hung device: requests time out after io_timeout and the
 * reset completes them), "hang" does the same across resets (requests are
 * requeued, then failed, then the disk is declared dead), "badid" makes
 * the next reap of every queue see a used id that no request owns and
 * "dupid" one that was just completed (a misbehaving device: both must be
 * rejected with a message), "clear" ends all of these.  Per-queue
 * counters are plain u64s updated under the queue lock the I/O path holds
 * anyway, so they cost no atomics.
 */
#include "virtblk.h"

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static struct dentry *virtblk_dbg_root;

static int virtblk_dbg_zero(const char __user *ubuf, size_t count)
{
	u64 val;
	int err;

	err = kstrtoull_from_user(ubuf, count, 0, &val);
	if (err)
		return err;
	return val ? -EINVAL : 0;
}

static int virtblk_qstats_show(struct seq_file *m, void *unused)
{
	struct virtblk_vq *bvq = m->private;
	struct virtblk_vq_stats s;
	unsigned long flags;

	spin_lock_irqsave(&bvq->lock, flags);
	s = bvq->stats;
	spin_unlock_irqrestore(&bvq->lock, flags);

	seq_printf(m, "type %s\n", bvq->poll ? "poll" : "default");
	seq_printf(m, "submitted %llu\n", s.submitted);
	seq_printf(m, "kicks %llu\n", s.kicks);
	seq_printf(m, "kicks_avoided %llu\n", s.kicks_avoided);
	seq_printf(m, "interrupts %llu\n", s.interrupts);
	seq_printf(m, "completions %llu\n", s.completions);
	seq_printf(m, "polls %llu\n", s.polls);
	seq_printf(m, "polls_empty %llu\n", s.polls_empty);
	seq_printf(m, "poll_completions %llu\n", s.poll_completions);
	return 0;
}

static int virtblk_qstats_open(struct inode *inode, struct file *file)
{
	return single_open(file, virtblk_qstats_show, inode->i_private);
}

static ssize_t virtblk_qstats_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct virtblk_vq *bvq = ((struct seq_file *)file->private_data)->private;
	unsigned long flags;
	int err;

	err = virtblk_dbg_zero(ubuf, count);
	if (err)
		return err;
	spin_lock_irqsave(&bvq->lock, flags);
	memset(&bvq->stats, 0, sizeof(bvq->stats));
	spin_unlock_irqrestore(&bvq->lock, flags);
	return count;
}

static const struct file_operations virtblk_qstats_fops = {
	.owner		= THIS_MODULE,
	.open		= virtblk_qstats_open,
	.read		= seq_read,
	.write		= virtblk_qstats_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int virtblk_dev_show(struct seq_file *m, void *unused)
{
	struct virtblk_dev *vblk = m->private;
	u64 timeouts, resets, requeues, failed;
	unsigned long flags;
	bool dead;

	spin_lock_irqsave(&vblk->state_lock, flags);
	timeouts = vblk->timeouts;
	resets = vblk->resets;
	requeues = vblk->requeues;
	failed = vblk->failed;
	dead = vblk->dead;
	spin_unlock_irqrestore(&vblk->state_lock, flags);

	seq_printf(m, "default_queues %u\n", vblk->split.nr_default);
	seq_printf(m, "poll_queues %u\n", vblk->split.nr_poll);
	seq_printf(m, "queue_depth %u\n", vblk->tag_set.queue_depth);
	seq_printf(m, "timeouts %llu\n", timeouts);
	seq_printf(m, "resets %llu\n", resets);
	seq_printf(m, "requeues %llu\n", requeues);
	seq_printf(m, "failed %llu\n", failed);
	seq_printf(m, "dead %d\n", dead);
	return 0;
}

static int virtblk_dev_open(struct inode *inode, struct file *file)
{
	return single_open(file, virtblk_dev_show, inode->i_private);
}

static ssize_t virtblk_dev_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct virtblk_dev *vblk = ((struct seq_file *)file->private_data)->private;
	unsigned long flags;
	int err;

	err = virtblk_dbg_zero(ubuf, count);
	if (err)
		return err;
	spin_lock_irqsave(&vblk->state_lock, flags);
	vblk->timeouts = 0;
	vblk->resets = 0;
	vblk->requeues = 0;
	vblk->failed = 0;
	spin_unlock_irqrestore(&vblk->state_lock, flags);
	return count;
}

static const struct file_operations virtblk_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= virtblk_dev_open,
	.read		= seq_read,
	.write		= virtblk_dev_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* Leave a queue's fault setting as it is, for virtblk_set_faults(). */
#define VIRTBLK_FAULT_KEEP	-1

/*
 * Set the stall (enum virtblk_stall) and bogus-id (enum virtblk_inject_id)
 * injection of every queue; VIRTBLK_FAULT_KEEP leaves one unchanged.
 */
static void virtblk_set_faults(struct virtblk_dev *vblk, int stall,
			       int inject_id)
{
	unsigned int i, n = virtblk_qmap_total(&vblk->split);
	unsigned long flags;

	for (i = 0; i < n; i++) {
		struct virtblk_vq *bvq = &vblk->vqs[i];

		spin_lock_irqsave(&bvq->lock, flags);
		if (stall != VIRTBLK_FAULT_KEEP)
			bvq->stall = stall;
		if (inject_id != VIRTBLK_FAULT_KEEP)
			bvq->inject_id = inject_id;
		spin_unlock_irqrestore(&bvq->lock, flags);
	}
}

static ssize_t virtblk_inject_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct virtblk_dev *vblk = file->private_data;
	char cmd[16];
	size_t len = min(count, sizeof(cmd) - 1);

	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);

	if (!strcmp(cmd, "reset"))
		virtblk_schedule_reset(vblk, "requested through debugfs");
	else if (!strcmp(cmd, "stall"))
		virtblk_set_faults(vblk, VIRTBLK_STALL_ONCE, VIRTBLK_FAULT_KEEP);
	else if (!strcmp(cmd, "hang"))
		virtblk_set_faults(vblk, VIRTBLK_STALL_STICKY,
				   VIRTBLK_FAULT_KEEP);
	else if (!strcmp(cmd, "badid"))
		virtblk_set_faults(vblk, VIRTBLK_FAULT_KEEP,
				   VIRTBLK_INJECT_BADID);
	else if (!strcmp(cmd, "dupid"))
		virtblk_set_faults(vblk, VIRTBLK_FAULT_KEEP,
				   VIRTBLK_INJECT_DUPID);
	else if (!strcmp(cmd, "clear"))
		virtblk_set_faults(vblk, VIRTBLK_STALL_NONE,
				   VIRTBLK_INJECT_NONE);
	else
		return -EINVAL;
	dev_warn(&vblk->vdev->dev, "%s: debugfs fault injection: %s\n",
		 vblk->disk->disk_name, cmd);
	return count;
}

static const struct file_operations virtblk_inject_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= virtblk_inject_write,
};

void virtblk_debugfs_init(void)
{
	virtblk_dbg_root = debugfs_create_dir("virtio-blk-poll", NULL);
}

void virtblk_debugfs_exit(void)
{
	debugfs_remove_recursive(virtblk_dbg_root);
	virtblk_dbg_root = NULL;
}

void virtblk_debugfs_add(struct virtblk_dev *vblk)
{
	unsigned int i, n = virtblk_qmap_total(&vblk->split);
	char name[16];

	vblk->dbg = debugfs_create_dir(vblk->disk->disk_name, virtblk_dbg_root);
	debugfs_create_file("device", 0600, vblk->dbg, vblk,
			    &virtblk_dev_fops);
	debugfs_create_file("inject", 0200, vblk->dbg, vblk,
			    &virtblk_inject_fops);
	for (i = 0; i < n; i++) {
		struct dentry *dir;

		snprintf(name, sizeof(name), "q%u", i);
		dir = debugfs_create_dir(name, vblk->dbg);
		debugfs_create_file("stats", 0600, dir, &vblk->vqs[i],
				    &virtblk_qstats_fops);
	}
}

void virtblk_debugfs_remove(struct virtblk_dev *vblk)
{
	debugfs_remove_recursive(vblk->dbg);
	vblk->dbg = NULL;
}
