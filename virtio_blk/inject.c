// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk fault injection for the test suite, built only with
 * "make VBP_INJECT=1" (see inject.h):
 *
 *   /sys/kernel/debug/virtio-blk-poll/<disk>/inject      (write-only)
 *   /sys/kernel/debug/virtio-blk-poll/config_override
 *
 * Both need lockdown off, as every writable debugfs file does.
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
 * A new fault is one row of virtblk_inject_cmds[] plus the hook in the
 * path it acts on (inject.h).
 *
 * "config_override" replaces configuration values that QEMU cannot be made
 * to offer (seg_max 1, a size_max below a page, MQ with one queue, a zoned
 * device) for every device probed after the write: "seg_max=N size_max=N
 * num_queues=N zoned=none|hm|ha" (any subset; zoned=hm and zoned=ha make
 * the device offer VIRTIO_BLK_F_ZONED with a host-managed or host-aware
 * model, zoned=none makes it offer no zoned model), "clear" to end.
 * Reading it shows what is set.  Each probe that applies an override says
 * so in the kernel log.
 */
#include "virtblk.h"

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/virtio_config.h>

/* ---------------------------------------------------------------------
 * Per-disk "inject"
 */

/**
 * enum virtblk_inject_scope - what a row of virtblk_inject_cmds[] sets
 * @VIRTBLK_INJ_VQ: a u8 of &struct virtblk_vq_inject, on every queue
 * @VIRTBLK_INJ_DEV: an unsigned int of &struct virtblk_dev_inject
 * @VIRTBLK_INJ_ACTION: nothing: the row runs an action at once
 */
enum virtblk_inject_scope {
	VIRTBLK_INJ_VQ,
	VIRTBLK_INJ_DEV,
	VIRTBLK_INJ_ACTION,
};

/**
 * struct virtblk_inject_cmd - one command of the "inject" file
 * @name: the command; with @arg_max, the text before "=<value>"
 * @scope: enum virtblk_inject_scope
 * @offset: offset of the field in the struct @scope names
 * @value: value the command stores
 * @arg_max: nonzero: the command is "<name>=<value>", @value is ignored
 *	and the value written must not exceed @arg_max
 * @action: for %VIRTBLK_INJ_ACTION, what to do
 */
struct virtblk_inject_cmd {
	const char *name;
	u8 scope;
	u8 offset;
	u8 value;
	unsigned int arg_max;
	void (*action)(struct virtblk_dev *vblk);
};

static void virtblk_inject_do_reset(struct virtblk_dev *vblk)
{
	virtblk_schedule_reset(vblk, "requested through debugfs");
}

static void virtblk_inject_do_break(struct virtblk_dev *vblk)
{
	virtio_break_device(vblk->vdev);
}

#define VIRTBLK_INJ_VQ_ROW(cmd, field, val)				\
	{ .name = cmd, .scope = VIRTBLK_INJ_VQ, .value = val,		\
	  .offset = offsetof(struct virtblk_vq_inject, field) }
#define VIRTBLK_INJ_DEV_ROW(cmd, field, val, max)			\
	{ .name = cmd, .scope = VIRTBLK_INJ_DEV, .value = val,		\
	  .arg_max = max,						\
	  .offset = offsetof(struct virtblk_dev_inject, field) }
#define VIRTBLK_INJ_ACTION_ROW(cmd, fn)					\
	{ .name = cmd, .scope = VIRTBLK_INJ_ACTION, .action = fn }

static const struct virtblk_inject_cmd virtblk_inject_cmds[] = {
	VIRTBLK_INJ_ACTION_ROW("reset", virtblk_inject_do_reset),
	VIRTBLK_INJ_VQ_ROW("stall", stall, VIRTBLK_STALL_ONCE),
	VIRTBLK_INJ_VQ_ROW("hang", stall, VIRTBLK_STALL_STICKY),
	VIRTBLK_INJ_VQ_ROW("badid", id, VIRTBLK_INJECT_BADID),
	VIRTBLK_INJ_VQ_ROW("dupid", id, VIRTBLK_INJECT_DUPID),
	VIRTBLK_INJ_VQ_ROW("badhdr", bad_hdr, 1),
	VIRTBLK_INJ_VQ_ROW("iderr", id_err, 1),
	VIRTBLK_INJ_ACTION_ROW("break", virtblk_inject_do_break),
	VIRTBLK_INJ_DEV_ROW("gone", gone, 1, 0),
	VIRTBLK_INJ_DEV_ROW("failinit", fail_init, 1, 0),
	VIRTBLK_INJ_DEV_ROW("reset_delay", reset_delay_ms, 0, 60000),
};

/* Store @val into the field of @c, on every queue or on the device. */
static void virtblk_inject_store(struct virtblk_dev *vblk,
				 const struct virtblk_inject_cmd *c,
				 unsigned int val)
{
	unsigned int i, n = virtblk_qmap_total(&vblk->split);
	unsigned long flags;

	if (c->scope == VIRTBLK_INJ_DEV) {
		WRITE_ONCE(*(unsigned int *)((char *)&vblk->inj + c->offset),
			   val);
		return;
	}
	for (i = 0; i < n; i++) {
		struct virtblk_vq *bvq = &vblk->vqs[i];

		spin_lock_irqsave(&bvq->lock, flags);
		*((u8 *)&bvq->inj + c->offset) = val;
		spin_unlock_irqrestore(&bvq->lock, flags);
	}
}

/* Run one command of the table; false if @cmd is none of them. */
static bool virtblk_inject_run(struct virtblk_dev *vblk, const char *cmd)
{
	const struct virtblk_inject_cmd *c;
	unsigned int val;

	for (c = virtblk_inject_cmds;
	     c < virtblk_inject_cmds + ARRAY_SIZE(virtblk_inject_cmds); c++) {
		size_t len = strlen(c->name);

		if (c->arg_max) {
			if (strncmp(cmd, c->name, len) || cmd[len] != '=' ||
			    sscanf(cmd + len + 1, "%u", &val) != 1 ||
			    val > c->arg_max)
				continue;
		} else if (strcmp(cmd, c->name)) {
			continue;
		} else {
			val = c->value;
		}
		if (c->scope == VIRTBLK_INJ_ACTION)
			c->action(vblk);
		else
			virtblk_inject_store(vblk, c, val);
		return true;
	}
	return false;
}

/* "clear": every field of the table back to 0 (no fault). */
static void virtblk_inject_clear(struct virtblk_dev *vblk)
{
	const struct virtblk_inject_cmd *c;

	for (c = virtblk_inject_cmds;
	     c < virtblk_inject_cmds + ARRAY_SIZE(virtblk_inject_cmds); c++)
		if (c->scope != VIRTBLK_INJ_ACTION)
			virtblk_inject_store(vblk, c, 0);
}

static ssize_t virtblk_inject_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct virtblk_dev *vblk = file->private_data;
	char cmd[24];
	size_t len = min(count, sizeof(cmd) - 1);

	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);

	if (!strcmp(cmd, "clear"))
		virtblk_inject_clear(vblk);
	else if (!virtblk_inject_run(vblk, cmd))
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

void virtblk_inject_debugfs_add(struct virtblk_dev *vblk)
{
	debugfs_create_file("inject", 0200, vblk->dbg, vblk,
			    &virtblk_inject_fops);
}

/* ---------------------------------------------------------------------
 * Hooks (inject.h)
 */

bool virtblk_inject_stalled(struct virtblk_vq *bvq)
{
	return bvq->inj.stall != VIRTBLK_STALL_NONE;
}

bool virtblk_inject_id_pending(struct virtblk_vq *bvq)
{
	return bvq->inj.id != VIRTBLK_INJECT_NONE;
}

void *virtblk_inject_get_used(struct virtblk_vq *bvq, unsigned int *len)
{
	struct virtblk_vq_inject *inj = &bvq->inj;
	void *token;

	switch (inj->id) {
	case VIRTBLK_INJECT_BADID:
		inj->id = VIRTBLK_INJECT_NONE;
		/* One past the highest tag of the queue. */
		return (void *)(uintptr_t)(bvq->hctx->tags->nr_tags + 1);
	case VIRTBLK_INJECT_DUPID:
		token = virtqueue_get_buf(bvq->vq, len);
		if (token) {
			inj->token = token;
			inj->id = VIRTBLK_INJECT_DUPID_NEXT;
		}
		return token;
	case VIRTBLK_INJECT_DUPID_NEXT:
		inj->id = VIRTBLK_INJECT_NONE;
		return inj->token;
	}
	return virtqueue_get_buf(bvq->vq, len);
}

unsigned int virtblk_inject_hdr_len(struct virtblk_vq *bvq, struct request *rq,
				    unsigned int len)
{
	/* A header too short for the device, which must flag NEEDS_RESET. */
	if (!bvq->inj.bad_hdr || op_is_write(req_op(rq)))
		return len;
	bvq->inj.bad_hdr = 0;
	return 1;
}

void virtblk_inject_status(struct virtblk_vq *bvq, struct request *rq,
			   u8 *status)
{
	if (!bvq->inj.id_err || req_op(rq) != REQ_OP_DRV_IN)
		return;
	bvq->inj.id_err = 0;
	*status = VIRTIO_BLK_S_IOERR;
}

void virtblk_inject_reset_done(struct virtblk_vq *bvq)
{
	if (bvq->inj.stall == VIRTBLK_STALL_ONCE)
		bvq->inj.stall = VIRTBLK_STALL_NONE;
	bvq->inj.bad_hdr = 0;
}

bool virtblk_inject_fail_init(struct virtblk_dev *vblk)
{
	if (likely(!READ_ONCE(vblk->inj.fail_init)))
		return false;
	WRITE_ONCE(vblk->inj.fail_init, 0);
	dev_warn(&vblk->vdev->dev, "debugfs fault injection: virtqueue setup fails\n");
	return true;
}

bool virtblk_inject_gone(struct virtblk_dev *vblk)
{
	return READ_ONCE(vblk->inj.gone);
}

void virtblk_inject_reset_delay(struct virtblk_dev *vblk)
{
	unsigned int ms = READ_ONCE(vblk->inj.reset_delay_ms);

	if (ms)
		msleep(ms);
}

/* ---------------------------------------------------------------------
 * Module-wide "config_override"
 */

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

void virtblk_inject_override_cfg(struct virtio_device *vdev,
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

void virtblk_inject_override_queues(struct virtio_device *vdev,
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

void virtblk_inject_debugfs_init(struct dentry *root)
{
	debugfs_create_file("config_override", 0600, root, NULL,
			    &virtblk_cfg_fops);
}
