// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk statistics in debugfs:
 *
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/device      (read-only)
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/q<N>/stats  (read-only)
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/reset       (write-only)
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/inject      (write-only)
 *   /sys/kernel/debug/virtio-blk-poll/config_override
 *
 * "device" and "stats" list "name value" lines.  They are mode 0444 with
 * no write method, so a locked-down kernel (lockdown=integrity, the
 * default under Secure Boot) still lets them be read: it refuses opening
 * any debugfs file that is writable.  Writing 1 to "reset" zeroes the
 * counters of the disk and of all its queues; like "inject" and
 * "config_override" it needs lockdown off.
 *
 * "inject" takes one command for recovery testing: "reset" schedules a
 * device reset, "stall" makes every queue ignore used buffers until the
 * next reset (a hung device: requests time out after io_timeout and the
 * reset completes them), "hang" does the same across resets (requests are
 * requeued, then failed, then the disk is declared dead), "badid" makes
 * the next reap of every queue see a used id that no request owns and
 * "dupid" one that was just completed (a misbehaving device: both must be
 * rejected with a message), "badhdr" sends the next read (of any queue,
 * until a reset) with a truncated request header (a driver bug: the
 * device must flag NEEDS_RESET, and the config interrupt starts a reset
 * at once), "iderr" completes the next GET_ID with an I/O error (a
 * device failing it after writing the id), "break" marks every virtqueue
 * broken as virtio_ring does on a bad used id (recovery must reset),
 * "gone" makes the device read as surprise-removed (all-ones status: no
 * reset is tried, the disk dies), "failinit" fails the next virtqueue
 * setup of a restore or reset, "reset_delay=MS" makes reset_work wait
 * before it resets (a window for config changes while the device needs
 * its reset), "clear" ends all of these.
 *
 * "config_override" replaces configuration values that QEMU cannot be made
 * to offer (seg_max 1, a size_max below a page, MQ with one queue, a zoned
 * device) for every device probed after the write: "seg_max=N size_max=N
 * num_queues=N zoned=none|hm|ha" (any subset; zoned=hm and zoned=ha make
 * the device offer VIRTIO_BLK_F_ZONED with a host-managed or host-aware
 * model, zoned=none makes it offer no zoned model), "clear" to end.
 * Reading it shows what is set.  Each probe that applies an override says
 * so in the kernel log.
 *
 * Per-queue counters are plain u64s updated under the queue lock the I/O
 * path holds anyway, so they cost no atomics.
 */
#include "virtblk.h"

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static struct dentry *virtblk_dbg_root;

/**
 * struct virtblk_cfg_override - configuration values forced through debugfs
 * @seg_max: forced seg_max, valid with @set_seg_max
 * @size_max: forced size_max, valid with @set_size_max
 * @num_queues: forced num_queues (as if MQ were offered), valid with
 *	@set_num_queues
 * @zoned_model: forced VIRTIO_BLK_Z_* model, valid with @set_zoned;
 *	VIRTIO_BLK_Z_NONE stands for VIRTIO_BLK_F_ZONED not offered
 * @set_seg_max: @seg_max applies
 * @set_size_max: @size_max applies
 * @set_num_queues: @num_queues applies
 * @set_zoned: @zoned_model applies
 *
 * Locking: virtblk_cfg_lock; probes read a copy under it.
 */
struct virtblk_cfg_override {
	u32 seg_max;
	u32 size_max;
	u16 num_queues;
	u8 zoned_model;
	bool set_seg_max;
	bool set_size_max;
	bool set_num_queues;
	bool set_zoned;
};

/* Values of the "zoned" key, indexed by VIRTIO_BLK_Z_* model. */
static const char * const virtblk_cfg_zoned_names[] = {
	[VIRTIO_BLK_Z_NONE] = "none",
	[VIRTIO_BLK_Z_HM] = "hm",
	[VIRTIO_BLK_Z_HA] = "ha",
};

/* Name of a zoned model the probe sees (@offered: VIRTIO_BLK_F_ZONED). */
static const char *virtblk_cfg_zoned_name(bool offered, u8 model)
{
	if (!offered)
		return "none";
	if (model >= ARRAY_SIZE(virtblk_cfg_zoned_names))
		return "unknown";
	return virtblk_cfg_zoned_names[model];
}

static DEFINE_MUTEX(virtblk_cfg_lock);
static struct virtblk_cfg_override virtblk_cfg_forced;

static struct virtblk_cfg_override virtblk_cfg_get(void)
{
	struct virtblk_cfg_override o;

	mutex_lock(&virtblk_cfg_lock);
	o = virtblk_cfg_forced;
	mutex_unlock(&virtblk_cfg_lock);
	return o;
}

void virtblk_debugfs_override_cfg(struct virtio_device *vdev,
				  struct virtblk_cfg *cfg)
{
	struct virtblk_cfg_override o = virtblk_cfg_get();

	if (o.set_seg_max) {
		dev_warn(&vdev->dev, "debugfs config override: seg_max %u -> %u\n",
			 cfg->has_seg_max ? cfg->seg_max : 0, o.seg_max);
		cfg->has_seg_max = true;
		cfg->seg_max = o.seg_max;
	}
	if (o.set_size_max) {
		dev_warn(&vdev->dev, "debugfs config override: size_max %u -> %u\n",
			 cfg->has_size_max ? cfg->size_max : 0, o.size_max);
		cfg->has_size_max = true;
		cfg->size_max = o.size_max;
	}
	if (o.set_zoned) {
		dev_warn(&vdev->dev, "debugfs config override: zoned %s -> %s\n",
			 virtblk_cfg_zoned_name(cfg->has_zoned,
						cfg->zoned_model),
			 virtblk_cfg_zoned_names[o.zoned_model]);
		cfg->has_zoned = o.zoned_model != VIRTIO_BLK_Z_NONE;
		cfg->zoned_model = o.zoned_model;
	}
}

void virtblk_debugfs_override_queues(struct virtio_device *vdev,
				     u16 *num_queues)
{
	struct virtblk_cfg_override o = virtblk_cfg_get();

	if (!o.set_num_queues)
		return;
	dev_warn(&vdev->dev, "debugfs config override: num_queues %u -> %u\n",
		 *num_queues, o.num_queues);
	*num_queues = o.num_queues;
}

static int virtblk_cfg_show(struct seq_file *m, void *unused)
{
	struct virtblk_cfg_override o = virtblk_cfg_get();

	if (o.set_seg_max)
		seq_printf(m, "seg_max=%u\n", o.seg_max);
	if (o.set_size_max)
		seq_printf(m, "size_max=%u\n", o.size_max);
	if (o.set_num_queues)
		seq_printf(m, "num_queues=%u\n", o.num_queues);
	if (o.set_zoned)
		seq_printf(m, "zoned=%s\n",
			   virtblk_cfg_zoned_names[o.zoned_model]);
	return 0;
}

static int virtblk_cfg_open(struct inode *inode, struct file *file)
{
	return single_open(file, virtblk_cfg_show, NULL);
}

/* Parse "key=value ..." or "clear" into @o; the empty string is an error. */
static int virtblk_cfg_parse(char *buf, struct virtblk_cfg_override *o)
{
	char *tok, *val;
	bool any = false;
	u32 v;
	int err;

	while ((tok = strsep(&buf, " \t\n"))) {
		if (!*tok)
			continue;
		any = true;
		if (!strcmp(tok, "clear")) {
			memset(o, 0, sizeof(*o));
			continue;
		}
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		if (!strcmp(tok, "zoned")) {
			err = match_string(virtblk_cfg_zoned_names,
					   ARRAY_SIZE(virtblk_cfg_zoned_names),
					   val);
			if (err < 0)
				return err;
			o->zoned_model = err;
			o->set_zoned = true;
			continue;
		}
		err = kstrtou32(val, 0, &v);
		if (err)
			return err;
		if (!strcmp(tok, "seg_max")) {
			o->seg_max = v;
			o->set_seg_max = true;
		} else if (!strcmp(tok, "size_max")) {
			o->size_max = v;
			o->set_size_max = true;
		} else if (!strcmp(tok, "num_queues") && v <= U16_MAX) {
			o->num_queues = v;
			o->set_num_queues = true;
		} else {
			return -EINVAL;
		}
	}
	return any ? 0 : -EINVAL;
}

static ssize_t virtblk_cfg_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct virtblk_cfg_override o;
	char *buf;
	int err;

	if (count > 128)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	mutex_lock(&virtblk_cfg_lock);
	o = virtblk_cfg_forced;
	err = virtblk_cfg_parse(buf, &o);
	if (!err)
		virtblk_cfg_forced = o;
	mutex_unlock(&virtblk_cfg_lock);
	kfree(buf);
	return err ? err : count;
}

static const struct file_operations virtblk_cfg_fops = {
	.owner		= THIS_MODULE,
	.open		= virtblk_cfg_open,
	.read		= seq_read,
	.write		= virtblk_cfg_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

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
	vblk->timeouts = 0;
	vblk->resets = 0;
	vblk->requeues = 0;
	vblk->failed = 0;
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

static const struct file_operations virtblk_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= virtblk_dev_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* Leave a queue's fault setting as it is, for virtblk_set_faults(). */
#define VIRTBLK_FAULT_KEEP	-1

/*
 * Set the stall (enum virtblk_stall), bogus-id (enum virtblk_inject_id),
 * bad-header and GET_ID-error injection of every queue;
 * VIRTBLK_FAULT_KEEP leaves one unchanged.
 */
static void virtblk_set_faults(struct virtblk_dev *vblk, int stall,
			       int inject_id, int bad_hdr, int id_err)
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
		if (bad_hdr != VIRTBLK_FAULT_KEEP)
			bvq->bad_hdr = bad_hdr;
		if (id_err != VIRTBLK_FAULT_KEEP)
			bvq->id_err = id_err;
		spin_unlock_irqrestore(&bvq->lock, flags);
	}
}

static ssize_t virtblk_inject_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct virtblk_dev *vblk = file->private_data;
	const int keep = VIRTBLK_FAULT_KEEP;
	char cmd[24];
	size_t len = min(count, sizeof(cmd) - 1);
	unsigned int ms;

	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);

	if (!strcmp(cmd, "reset")) {
		virtblk_schedule_reset(vblk, "requested through debugfs");
	} else if (!strcmp(cmd, "stall")) {
		virtblk_set_faults(vblk, VIRTBLK_STALL_ONCE, keep, keep, keep);
	} else if (!strcmp(cmd, "hang")) {
		virtblk_set_faults(vblk, VIRTBLK_STALL_STICKY, keep, keep, keep);
	} else if (!strcmp(cmd, "badid")) {
		virtblk_set_faults(vblk, keep, VIRTBLK_INJECT_BADID, keep, keep);
	} else if (!strcmp(cmd, "dupid")) {
		virtblk_set_faults(vblk, keep, VIRTBLK_INJECT_DUPID, keep, keep);
	} else if (!strcmp(cmd, "badhdr")) {
		virtblk_set_faults(vblk, keep, keep, true, keep);
	} else if (!strcmp(cmd, "iderr")) {
		virtblk_set_faults(vblk, keep, keep, keep, true);
	} else if (!strcmp(cmd, "break")) {
		virtio_break_device(vblk->vdev);
	} else if (!strcmp(cmd, "gone")) {
		WRITE_ONCE(vblk->gone, true);
	} else if (!strcmp(cmd, "failinit")) {
		WRITE_ONCE(vblk->fail_init, true);
	} else if (sscanf(cmd, "reset_delay=%u", &ms) == 1 && ms <= 60000) {
		WRITE_ONCE(vblk->reset_delay_ms, ms);
	} else if (!strcmp(cmd, "clear")) {
		virtblk_set_faults(vblk, VIRTBLK_STALL_NONE,
				   VIRTBLK_INJECT_NONE, false, false);
		WRITE_ONCE(vblk->gone, false);
		WRITE_ONCE(vblk->fail_init, false);
		WRITE_ONCE(vblk->reset_delay_ms, 0);
	} else {
		return -EINVAL;
	}
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
	debugfs_create_file("config_override", 0600, virtblk_dbg_root, NULL,
			    &virtblk_cfg_fops);
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
	debugfs_create_file("inject", 0200, vblk->dbg, vblk,
			    &virtblk_inject_fops);
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
