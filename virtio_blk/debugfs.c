// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk statistics in debugfs:
 *
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/device      (read-only)
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/q<N>/stats  (read-only)
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/reset       (write-only)
 *
 * "device" and "stats" list "name value" lines.  They are mode 0444 with
 * no write method, so a locked-down kernel (lockdown=integrity, the
 * default under Secure Boot) still lets them be read: it refuses opening
 * any debugfs file that is writable.  Writing 1 to "reset" zeroes the
 * counters of the disk and of all its queues; it needs lockdown off.
 *
 * The counters are listed once, in stats.h, which gives the arrays of
 * counters, the lines of the files and what "reset" zeroes.  Test builds (VBP_INJECT=1)
 * add the fault injection files of inject.c to the same directories.
 *
 * Per-queue counters are plain u64s updated under the queue lock the I/O
 * path holds anyway, so they cost no atomics.
 */
#include "virtblk.h"

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

static struct dentry *virtblk_dbg_root;

/*
 * "reset": writing 1 zeroes the disk's recovery counters and the counters
 * of every queue (the split and depth are not counters).
 */
static ssize_t virtblk_reset_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct virtblk_dev *vblk = file->private_data;
	unsigned int i, n = virtblk_qmap_total(&vblk->split);
	unsigned long flags;
	unsigned int val;
	int err;

	err = kstrtouint_from_user(ubuf, count, 0, &val);
	if (err)
		return err;
	if (val != 1)
		return -EINVAL;

	spin_lock_irqsave(&vblk->state_lock, flags);
	memset(&vblk->stats, 0, sizeof(vblk->stats));
	spin_unlock_irqrestore(&vblk->state_lock, flags);

	for (i = 0; i < n; i++) {
		struct virtblk_vq *bvq = &vblk->vqs[i];

		spin_lock_irqsave(&bvq->lock, flags);
		memset(&bvq->stats, 0, sizeof(bvq->stats));
		spin_unlock_irqrestore(&bvq->lock, flags);
	}
	return count;
}

static const struct file_operations virtblk_reset_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= virtblk_reset_write,
};

/* The names of the counters, from stats.h, for "name value" lines. */
static const char * const virtblk_vq_stat_names[VIRTBLK_VQ_NR_STATS] = {
#define VIRTBLK_VQ_STAT(name)	(#name),
#include "stats.h"
#undef VIRTBLK_VQ_STAT
};

static const char * const virtblk_dev_stat_names[VIRTBLK_DEV_NR_STATS] = {
#define VIRTBLK_DEV_STAT(name)	(#name),
#include "stats.h"
#undef VIRTBLK_DEV_STAT
};

/* "name value" lines of @n counters. */
static void virtblk_stats_show(struct seq_file *m, const char * const *names,
			       const u64 *val, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		seq_printf(m, "%s %llu\n", names[i], val[i]);
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
	virtblk_stats_show(m, virtblk_vq_stat_names, s.v, VIRTBLK_VQ_NR_STATS);
	return 0;
}

static int virtblk_qstats_open(struct inode *inode, struct file *file)
{
	return single_open(file, virtblk_qstats_show, inode->i_private);
}

static const struct file_operations virtblk_qstats_fops = {
	.owner		= THIS_MODULE,
	.open		= virtblk_qstats_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int virtblk_dev_show(struct seq_file *m, void *unused)
{
	struct virtblk_dev *vblk = m->private;
	struct virtblk_dev_stats s;
	unsigned long flags;
	bool dead;

	spin_lock_irqsave(&vblk->state_lock, flags);
	s = vblk->stats;
	dead = vblk->dead;
	spin_unlock_irqrestore(&vblk->state_lock, flags);

	seq_printf(m, "default_queues %u\n", vblk->split.nr_default);
	seq_printf(m, "poll_queues %u\n", vblk->split.nr_poll);
	seq_printf(m, "queue_depth %u\n", vblk->tag_set.queue_depth);
	virtblk_stats_show(m, virtblk_dev_stat_names, s.v,
			   VIRTBLK_DEV_NR_STATS);
	seq_printf(m, "dead %d\n", dead);
	return 0;
}

static int virtblk_dev_open(struct inode *inode, struct file *file)
{
	return single_open(file, virtblk_dev_show, inode->i_private);
}

static const struct file_operations virtblk_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= virtblk_dev_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

void virtblk_debugfs_init(void)
{
	virtblk_dbg_root = debugfs_create_dir("virtio-blk-poll", NULL);
	virtblk_inject_debugfs_init(virtblk_dbg_root);
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
	debugfs_create_file("device", 0444, vblk->dbg, vblk,
			    &virtblk_dev_fops);
	debugfs_create_file("reset", 0200, vblk->dbg, vblk,
			    &virtblk_reset_fops);
	virtblk_inject_debugfs_add(vblk);
	for (i = 0; i < n; i++) {
		struct dentry *dir;

		snprintf(name, sizeof(name), "q%u", i);
		dir = debugfs_create_dir(name, vblk->dbg);
		debugfs_create_file("stats", 0444, dir, &vblk->vqs[i],
				    &virtblk_qstats_fops);
	}
}

void virtblk_debugfs_remove(struct virtblk_dev *vblk)
{
	debugfs_remove_recursive(vblk->dbg);
	vblk->dbg = NULL;
}
