// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk-poll: virtio block driver with polled queues.
 *
 * This file holds the module and device glue: parameters, probe/remove,
 * power management, virtqueue setup, configuration handling and sysfs.
 * The I/O path is in io.c, recovery in recovery.c, statistics in
 * debugfs.c, test-only fault injection in inject.c; pure protocol and
 * queue-split logic in proto.c and qmap.c.
 */
#include "virtblk.h"

#include <linux/hdreg.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string_helpers.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include "vbp_version.h"

/* Minor numbers per disk: the whole disk plus 15 partitions. */
#define VIRTBLK_PART_SHIFT	4
/* Largest accepted io_timeout, in seconds. */
#define VIRTBLK_MAX_TIMEOUT	3600

static DEFINE_IDA(virtblk_index_ida);
static int virtblk_major;
struct workqueue_struct *virtblk_wq;

/* ---------------------------------------------------------------------
 * Module parameters
 *
 * A value above a parameter's maximum is lowered to it with a warning,
 * at load time and at run time alike.  Text that is not an unsigned
 * integer is refused with -EINVAL at run time (writes to
 * /sys/module/virtio_blk/parameters/); at load time it is logged and
 * ignored, so that a bad option in modprobe.d or on the kernel command
 * line (copied into the initramfs) cannot keep the root disk from
 * appearing.  Load time is everything before virtblk_init() runs: the
 * module loader parses the options before calling it.
 */

/* Set once virtblk_init() runs: parameter writes are run-time writes. */
static bool virtblk_params_live;

/**
 * struct virtblk_param - an unsigned int module parameter and its bounds
 * @val: the variable
 * @min: smallest value; a smaller one is raised to it with a warning
 * @max: largest value; a larger one is lowered to it with a warning
 * @max_cpus: @max is the number of possible CPUs (known only at boot)
 * @limit: what the maximum is, for the warning
 *
 * The variable is written with WRITE_ONCE() (run-time writes come while
 * probes read it) and read with READ_ONCE().
 */
struct virtblk_param {
	unsigned int *val;
	unsigned int min;
	unsigned int max;
	bool max_cpus;
	const char *limit;
};

/*
 * Set an unsigned int parameter from @val within its bounds.  Not
 * param_set_uint_minmax(): that refuses a value out of range with
 * -EINVAL, where ours lowers it, and cannot ignore garbage at load time.
 */
static int virtblk_param_set(const char *val, const struct kernel_param *kp)
{
	const struct virtblk_param *p = kp->arg;
	unsigned int max = p->max_cpus ? nr_cpu_ids : p->max;
	unsigned int n;

	/* NULL is "name" without "=value" (KERNEL_PARAM_OPS_FL_NOARG). */
	if (!val || kstrtouint(val, 0, &n)) {
		const char *s = val ?: "";
		int len = strcspn(s, "\n");

		if (READ_ONCE(virtblk_params_live)) {
			pr_err("%s: '%.*s' is not an unsigned integer\n",
			       kp->name, len, s);
			return -EINVAL;
		}
		pr_warn("%s: '%.*s' is not an unsigned integer, ignored (keeping %u)\n",
			kp->name, len, s, *p->val);
		return 0;
	}
	if (n > max) {
		pr_warn("%s=%u exceeds %s, using %u\n", kp->name, n, p->limit,
			max);
		n = max;
	}
	if (n < p->min) {
		pr_warn("%s=%u is below the minimum, using %u\n", kp->name, n,
			p->min);
		n = p->min;
	}
	WRITE_ONCE(*p->val, n);
	return 0;
}

static int virtblk_param_get(char *buf, const struct kernel_param *kp)
{
	const struct virtblk_param *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%u\n", READ_ONCE(*p->val));
}

static const struct kernel_param_ops virtblk_param_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = virtblk_param_set,
	.get = virtblk_param_get,
};

/*
 * One line of the table below per parameter; each defines the variable
 * virtblk_param_<name> (declared in virtblk.h), its bounds, its
 * kernel_param and its description, which ends in the machine-readable
 * "(range: <min>..<max>, default: <default>)" that scripts compare with
 * the documentation (MODULE_PARM_DESC() spelled out).  Bounds and
 * defaults are plain numbers or macros of plain numbers, so that they
 * stringify as written.
 *
 * VIRTBLK_PARAM(name, perm, min, max, default, limit, text): max is a
 * number; limit says what it is, in the warning about a larger value.
 */
#define VIRTBLK_PARAM(name, perm, lo, hi, def, limit, text)		\
	__VIRTBLK_PARAM(name, perm, lo, hi, false, __stringify(hi), def,	\
			limit, text)

/*
 * VIRTBLK_PARAM_CPUS(name, perm, default, text): 0 up to the number of
 * possible CPUs; more queues than CPUs are of no use.
 */
#define VIRTBLK_PARAM_CPUS(name, perm, def, text)			\
	__VIRTBLK_PARAM(name, perm, 0, 0, true, "nr_cpus", def,		\
			"the possible CPUs", text)

#define __VIRTBLK_PARAM(name, perm, lo, hi, cpus, hi_text, def, lim, text) \
	unsigned int virtblk_param_##name = def;			\
	static struct virtblk_param virtblk_param_##name##_def = {	\
		.val = &virtblk_param_##name, .min = lo, .max = hi,	\
		.max_cpus = cpus, .limit = lim,				\
	};								\
	module_param_cb(name, &virtblk_param_ops,			\
			&virtblk_param_##name##_def, perm);		\
	MODULE_INFO(parm, #name ":" text " (range: " __stringify(lo)	\
		    ".." hi_text ", default: " __stringify(def) ")")

/* queue_depth: the block layer's limit, as a number that stringifies. */
#define VIRTBLK_MAX_DEPTH	10240
static_assert(VIRTBLK_MAX_DEPTH == BLK_MQ_MAX_DEPTH);

/*		   name		       perm  min max		      default */
VIRTBLK_PARAM_CPUS(num_request_queues, 0644,			      0,
		   "Limit the number of request queues (default and poll) per disk; 0 = one per CPU");
VIRTBLK_PARAM_CPUS(poll_queues,	       0644,			      0,
		   "Number of polled queues per disk, taken from the request queues; at least one interrupt-driven queue is always kept");
VIRTBLK_PARAM(queue_depth,	       0444, 0,  VIRTBLK_MAX_DEPTH,   0,
	      "the block layer maximum",
	      "Tags per hardware queue, capped at the virtqueue size; 0 = derive from the virtqueue size");
VIRTBLK_PARAM(io_timeout,	       0644, 0,  VIRTBLK_MAX_TIMEOUT,
	      VIRTBLK_DEFAULT_TIMEOUT,
	      "the maximum in seconds",
	      "Seconds before a stuck request resets the device; 0 disables");
VIRTBLK_PARAM(poll_queue_irq,	       0644, 0,  2,		      2,
	      "the largest mode",
	      "Poll queues keep an interrupt vector, notifications suppressed (vhost-user back ends need one): 0 = never, 1 = always, 2 = if MSI-X has a vector per queue");
VIRTBLK_PARAM(indirect_desc,	       0644, 0,  1,		      0,
	      "the largest mode",
	      "Indirect descriptor tables: 0 = never, each request takes its descriptors from the ring (no table to allocate and map per request), 1 = when the device offers them");

/* ---------------------------------------------------------------------
 * Virtqueues
 */

/*
 * Does a poll queue get an interrupt vector (poll_queue_irq)?
 *
 * Without one, the virtio-pci transport gives the queue
 * VIRTIO_MSI_NO_VECTOR.  QEMU's built-in virtio-blk then just drops the
 * queue's notifications, but a vhost-user front end tells its back end
 * that the queue has no call eventfd (VHOST_USER_SET_VRING_CALL with
 * VHOST_USER_VRING_NOFD_MASK), and libvhost-user back ends
 * (qemu-storage-daemon) notify the first completion on a started queue
 * whatever the ring asks: the write to the missing eventfd breaks the
 * back end and the disk with it (Documentation/tuning.rst).  A vector
 * whose notifications stay suppressed costs one MSI-X vector per poll
 * queue, so "auto" keeps it only when the device's MSI-X table has a
 * vector for the config and for every queue; a non-PCI transport or one
 * without MSI-X has no vector to spare either way.
 */
static bool virtblk_poll_keeps_irq(struct virtblk_dev *vblk, unsigned int n)
{
	unsigned int mode = READ_ONCE(virtblk_param_poll_queue_irq);
	struct device *parent = vblk->vdev->dev.parent;
	int vecs;

	if (!vblk->split.nr_poll || mode == VIRTBLK_POLL_IRQ_OFF)
		return false;
	if (!parent || !dev_is_pci(parent))
		return true;
	vecs = pci_msix_vec_count(to_pci_dev(parent));
	if (vecs < 0 || vecs >= n + 1)
		return true;
	if (mode == VIRTBLK_POLL_IRQ_ON) {
		dev_info(&vblk->vdev->dev,
			 "poll_queue_irq=1: %d MSI-X vectors for %u queues and the config; the queues may share one vector\n",
			 vecs, n);
		return true;
	}
	dev_warn(&vblk->vdev->dev,
		 "poll_queue_irq=2: %d MSI-X vectors for %u queues and the config; poll queues get no vector (vhost-user back ends then fail: use fewer queues or more vectors)\n",
		 vecs, n);
	return false;
}

int virtblk_init_vqs(struct virtblk_dev *vblk)
{
	unsigned int i, n = virtblk_qmap_total(&vblk->split);
	/*
	 * No pre_vectors here: the virtio-pci transport reserves the config
	 * vector itself by incrementing desc->pre_vectors.
	 */
	struct irq_affinity desc = { };
	vq_callback_t **callbacks;
	struct virtqueue **vqs;
	const char **names;
	int err = -ENOMEM;
	bool poll_irq;

	vqs = kcalloc(n, sizeof(*vqs), GFP_KERNEL);
	callbacks = kcalloc(n, sizeof(*callbacks), GFP_KERNEL);
	names = kcalloc(n, sizeof(*names), GFP_KERNEL);
	if (!vqs || !callbacks || !names)
		goto out;

	poll_irq = virtblk_poll_keeps_irq(vblk, n);
	/*
	 * Poll queues come last; their vectors (if any) are left out of the
	 * affinity spreading so the default queues cover the CPUs as they
	 * would alone.
	 */
	if (poll_irq)
		desc.post_vectors = vblk->split.nr_poll;
	for (i = 0; i < n; i++) {
		if (!vblk->vqs[i].poll)
			callbacks[i] = virtblk_vq_done;
		else if (poll_irq)
			callbacks[i] = virtblk_poll_vq_irq;
		else
			callbacks[i] = NULL;	/* no MSI-X vector */
		names[i] = vblk->vqs[i].name;
	}

	err = vbp_compat_find_vqs(vblk->vdev, n, vqs, callbacks, names, &desc);
	if (err)
		goto out;

	for (i = 0; i < n; i++) {
		struct virtblk_vq *bvq = &vblk->vqs[i];

		/*
		 * Never re-enabled: polled I/O asks for no interrupt; one that
		 * comes anyway goes to virtblk_poll_vq_irq().
		 */
		if (bvq->poll)
			virtqueue_disable_cb(vqs[i]);
		spin_lock_irq(&bvq->lock);
		bvq->vq = vqs[i];
		bvq->stopped = false;
		spin_unlock_irq(&bvq->lock);
	}
	vblk->vqs_live = true;
	vblk->poll_irq = poll_irq;
out:
	kfree(names);
	kfree(callbacks);
	kfree(vqs);
	return err;
}

int virtblk_start_vqs(struct virtblk_dev *vblk)
{
	struct virtio_device *vdev = vblk->vdev;
	s8 wce = READ_ONCE(vblk->wce);
	int err;

	if (virtblk_inject_fail_init(vblk))
		return -ENOMEM;
	err = virtblk_init_vqs(vblk);
	if (err)
		return err;

	/* A device reset may have dropped the cache mode set by the user. */
	if (wce >= 0 && virtio_has_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE))
		virtio_cwrite8(vdev, offsetof(struct virtio_blk_config, wce),
			       wce);
	return 0;
}

void virtblk_del_vqs(struct virtblk_dev *vblk, struct vbp_rq_list *orphans)
{
	unsigned int i, n = virtblk_qmap_total(&vblk->split);

	for (i = 0; i < n; i++)
		virtblk_drain_vq(&vblk->vqs[i], orphans);
	if (vblk->vqs_live) {
		/* Idle CPUs may still look at a ring they loaded (idle.c). */
		synchronize_rcu();
		vblk->vdev->config->del_vqs(vblk->vdev);
		vblk->vqs_live = false;
	}
}

/* ---------------------------------------------------------------------
 * Configuration space
 */

static bool virtblk_write_cache(struct virtio_device *vdev)
{
	u8 wce;

	/* Without a configurable cache, FLUSH means there is one. */
	if (virtio_cread_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE,
				 struct virtio_blk_config, wce, &wce))
		return virtio_has_feature(vdev, VIRTIO_BLK_F_FLUSH);
	return wce;
}

static void virtblk_read_cfg(struct virtio_device *vdev,
			     struct virtblk_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_dma_size = virtio_max_dma_size(vdev);

	cfg->has_seg_max = !virtio_cread_feature(vdev, VIRTIO_BLK_F_SEG_MAX,
						 struct virtio_blk_config,
						 seg_max, &cfg->seg_max);
	cfg->has_size_max = !virtio_cread_feature(vdev, VIRTIO_BLK_F_SIZE_MAX,
						  struct virtio_blk_config,
						  size_max, &cfg->size_max);
	cfg->has_blk_size = !virtio_cread_feature(vdev, VIRTIO_BLK_F_BLK_SIZE,
						  struct virtio_blk_config,
						  blk_size, &cfg->blk_size);

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_TOPOLOGY)) {
		cfg->has_topology = true;
		virtio_cread(vdev, struct virtio_blk_config,
			     physical_block_exp, &cfg->physical_block_exp);
		virtio_cread(vdev, struct virtio_blk_config,
			     alignment_offset, &cfg->alignment_offset);
		virtio_cread(vdev, struct virtio_blk_config,
			     min_io_size, &cfg->min_io_size);
		virtio_cread(vdev, struct virtio_blk_config,
			     opt_io_size, &cfg->opt_io_size);
	}

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_DISCARD)) {
		cfg->has_discard = true;
		virtio_cread(vdev, struct virtio_blk_config,
			     max_discard_sectors, &cfg->max_discard_sectors);
		virtio_cread(vdev, struct virtio_blk_config,
			     max_discard_seg, &cfg->max_discard_seg);
		virtio_cread(vdev, struct virtio_blk_config,
			     discard_sector_alignment,
			     &cfg->discard_sector_alignment);
	}

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_WRITE_ZEROES)) {
		cfg->has_write_zeroes = true;
		virtio_cread(vdev, struct virtio_blk_config,
			     max_write_zeroes_sectors,
			     &cfg->max_write_zeroes_sectors);
	}

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_SECURE_ERASE)) {
		cfg->has_secure_erase = true;
		virtio_cread(vdev, struct virtio_blk_config,
			     max_secure_erase_sectors,
			     &cfg->max_secure_erase_sectors);
		virtio_cread(vdev, struct virtio_blk_config,
			     max_secure_erase_seg, &cfg->max_secure_erase_seg);
		virtio_cread(vdev, struct virtio_blk_config,
			     secure_erase_sector_alignment,
			     &cfg->secure_erase_sector_alignment);
	}

	/*
	 * VIRTIO_BLK_F_ZONED is not in the feature table, so ask what the
	 * device offers; the model field is defined only if it does.
	 */
	if (vdev->config->get_features(vdev) & BIT_ULL(VIRTIO_BLK_F_ZONED)) {
		cfg->has_zoned = true;
		cfg->zoned_model = vbp_compat_zoned_model(vdev);
	}
	virtblk_inject_override_cfg(vdev, cfg);
}

/* Indexed by the bit numbers of VIRTBLK_CLAMP_*. */
static const char * const virtblk_clamp_names[] = {
	"seg_max", "blk_size", "topology", "discard", "size_max",
};

/*
 * Without indirect descriptors a request takes one descriptor per data
 * segment plus the header and the status, and must fit an empty ring: a
 * request that does not would stop its queue with nothing in flight to
 * restart it.  The smallest ring decides.
 */
static int virtblk_ring_limits(struct virtblk_dev *vblk,
			       struct queue_limits *lim)
{
	struct virtio_device *vdev = vblk->vdev;
	unsigned int i, ring = UINT_MAX, n = virtblk_qmap_total(&vblk->split);

	if (virtio_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC))
		return 0;
	for (i = 0; i < n; i++)
		ring = min(ring, virtqueue_get_vring_size(vblk->vqs[i].vq));
	if (ring < 3) {
		dev_err(&vdev->dev,
			"a %u-entry ring without indirect descriptors cannot hold a request\n",
			ring);
		return -EINVAL;
	}
	if (lim->max_segments > ring - 2) {
		dev_warn(&vdev->dev,
			 "seg_max %u does not fit a %u-entry ring without indirect descriptors, using %u\n",
			 lim->max_segments, ring, ring - 2);
		lim->max_segments = ring - 2;
	}
	return 0;
}

static int virtblk_read_limits(struct virtblk_dev *vblk,
			       struct queue_limits *lim)
{
	struct virtio_device *vdev = vblk->vdev;
	struct virtblk_cfg cfg;
	unsigned int clamped, i;
	const char *reason;
	int err;

	virtblk_read_cfg(vdev, &cfg);
	err = virtblk_proto_limits(&cfg, PAGE_SIZE, lim, &clamped, &reason);
	if (err) {
		dev_err(&vdev->dev, "unusable device configuration: %s\n",
			reason);
		return err;
	}
	for (i = 0; i < ARRAY_SIZE(virtblk_clamp_names); i++)
		if (clamped & BIT(i))
			dev_warn(&vdev->dev,
				 "device %s configuration out of range, adjusted\n",
				 virtblk_clamp_names[i]);
	if (cfg.has_zoned && cfg.zoned_model == VIRTIO_BLK_Z_HA)
		dev_info(&vdev->dev,
			 "host-aware zoned device, used as a regular disk\n");
	return virtblk_ring_limits(vblk, lim);
}

u64 virtblk_read_capacity(struct virtblk_dev *vblk)
{
	u64 capacity;

	/* The capacity is always in 512-byte sectors. */
	virtio_cread(vblk->vdev, struct virtio_blk_config, capacity, &capacity);
	return capacity;
}

void virtblk_update_capacity(struct virtblk_dev *vblk, bool resize)
{
	struct virtio_device *vdev = vblk->vdev;
	unsigned int lbs = queue_logical_block_size(vblk->disk->queue);
	u64 capacity = virtblk_read_capacity(vblk);
	char size10[16], size2[16];
	u64 blocks;

	blocks = DIV_ROUND_UP_ULL(capacity, lbs >> SECTOR_SHIFT);

	string_get_size(blocks, lbs, STRING_UNITS_10, size10, sizeof(size10));
	string_get_size(blocks, lbs, STRING_UNITS_2, size2, sizeof(size2));
	dev_notice(&vdev->dev, "[%s] %s%llu %u-byte logical blocks (%s/%s)\n",
		   vblk->disk->disk_name, resize ? "new size: " : "",
		   blocks, lbs, size10, size2);

	set_capacity_and_notify(vblk->disk, capacity);
}

static void virtblk_config_work(struct work_struct *work)
{
	struct virtblk_dev *vblk = container_of(work, struct virtblk_dev,
						config_work);
	struct virtio_device *vdev = vblk->vdev;

	if (vdev->config->get_status(vdev) & VIRTIO_CONFIG_S_NEEDS_RESET) {
		virtblk_schedule_reset(vblk, "device needs reset");
		return;
	}
	virtblk_update_capacity(vblk, true);
}

static void virtblk_config_changed(struct virtio_device *vdev)
{
	struct virtblk_dev *vblk = vdev->priv;

	queue_work(virtblk_wq, &vblk->config_work);
}

/* ---------------------------------------------------------------------
 * Block device operations and sysfs
 */

/* Geometry only matters to old partitioning tools. */
static int virtblk_getgeo(struct block_device *bdev, struct hd_geometry *geo)
{
	struct virtblk_dev *vblk = bdev->bd_disk->private_data;
	struct virtio_device *vdev;
	int err = 0;

	mutex_lock(&vblk->vdev_mutex);
	vdev = vblk->vdev;
	if (!vdev) {
		err = -ENXIO;
	} else if (virtio_has_feature(vdev, VIRTIO_BLK_F_GEOMETRY)) {
		virtio_cread(vdev, struct virtio_blk_config,
			     geometry.cylinders, &geo->cylinders);
		virtio_cread(vdev, struct virtio_blk_config,
			     geometry.heads, &geo->heads);
		virtio_cread(vdev, struct virtio_blk_config,
			     geometry.sectors, &geo->sectors);
	} else {
		geo->heads = 64;
		geo->sectors = 32;
		geo->cylinders = get_capacity(bdev->bd_disk) >> 11;
	}
	mutex_unlock(&vblk->vdev_mutex);
	return err;
}

static void virtblk_free_disk(struct gendisk *disk)
{
	struct virtblk_dev *vblk = disk->private_data;

	ida_free(&virtblk_index_ida, vblk->index);
	mutex_destroy(&vblk->qswitch_mutex);
	mutex_destroy(&vblk->vdev_mutex);
	kfree(vblk->vqs);
	kfree(vblk);
}

static const struct block_device_operations virtblk_fops = {
	.owner		= THIS_MODULE,
	.getgeo		= virtblk_getgeo,
	.free_disk	= virtblk_free_disk,
};

/* Read the device serial number with a GET_ID request. */
static int virtblk_get_id(struct gendisk *disk, char *buf)
{
	struct virtblk_dev *vblk = disk->private_data;
	struct request_queue *q = disk->queue;
	struct virtblk_req *vbr;
	struct request *rq;
	int err;

	rq = blk_mq_alloc_request(q, REQ_OP_DRV_IN, 0);
	if (IS_ERR(rq))
		return PTR_ERR(rq);

	vbr = blk_mq_rq_to_pdu(rq);
	vbr->out_hdr.type = cpu_to_virtio32(vblk->vdev, VIRTIO_BLK_T_GET_ID);
	vbr->out_hdr.sector = 0;
	vbr->out_hdr.ioprio = 0;

	err = blk_rq_map_kern(q, rq, buf, VIRTIO_BLK_ID_BYTES, GFP_KERNEL);
	if (!err)
		err = blk_status_to_errno(blk_execute_rq(rq, false));
	blk_mq_free_request(rq);
	return err;
}

static ssize_t serial_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	int err;

	/* sysfs hands us a page; the id is up to 20 bytes, maybe no NUL. */
	BUILD_BUG_ON(PAGE_SIZE <= VIRTIO_BLK_ID_BYTES);
	buf[VIRTIO_BLK_ID_BYTES] = '\0';
	err = virtblk_get_id(dev_to_disk(dev), buf);
	if (!err)
		return strlen(buf);
	/* A device without GET_ID support has an empty serial. */
	if (err == -EOPNOTSUPP)
		return 0;
	/* Old devices answer GET_ID with an I/O error: empty too, but say so. */
	if (err == -EIO) {
		dev_warn_ratelimited(dev, "GET_ID failed with an I/O error: no serial\n");
		return 0;
	}
	return err;
}
static DEVICE_ATTR_RO(serial);

static const char * const virtblk_cache_types[] = {
	"write through", "write back",
};

static ssize_t cache_type_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct virtblk_dev *vblk = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "%s\n",
			  virtblk_cache_types[virtblk_write_cache(vblk->vdev)]);
}

static ssize_t cache_type_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct gendisk *disk = dev_to_disk(dev);
	struct virtblk_dev *vblk = disk->private_data;
	struct virtio_device *vdev = vblk->vdev;
	int mode, err;

	if (!virtio_has_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE))
		return -EPERM;
	mode = sysfs_match_string(virtblk_cache_types, buf);
	if (mode < 0)
		return mode;

	WRITE_ONCE(vblk->wce, mode);
	virtio_cwrite8(vdev, offsetof(struct virtio_blk_config, wce), mode);
	err = vbp_compat_set_write_cache(disk, virtblk_write_cache(vdev));
	return err ? err : count;
}
static DEVICE_ATTR_RW(cache_type);

static struct attribute *virtblk_attrs[] = {
	&dev_attr_serial.attr,
	&dev_attr_cache_type.attr,
	&dev_attr_poll_queues.attr,
	NULL,
};

static umode_t virtblk_attr_mode(struct kobject *kobj, struct attribute *a,
				 int n)
{
	struct gendisk *disk = dev_to_disk(kobj_to_dev(kobj));
	struct virtblk_dev *vblk = disk->private_data;

	/* The cache mode is read-only unless the device lets us change it. */
	if (a == &dev_attr_cache_type.attr &&
	    !virtio_has_feature(vblk->vdev, VIRTIO_BLK_F_CONFIG_WCE))
		return 0444;
	return a->mode;
}

static const struct attribute_group virtblk_attr_group = {
	.attrs		= virtblk_attrs,
	.is_visible	= virtblk_attr_mode,
};

static const struct attribute_group *virtblk_attr_groups[] = {
	&virtblk_attr_group,
	NULL,
};

/* ---------------------------------------------------------------------
 * Probe and removal
 */

static int virtblk_setup_split(struct virtblk_dev *vblk)
{
	struct virtio_device *vdev = vblk->vdev;
	unsigned int nrq = READ_ONCE(virtblk_param_num_request_queues);
	unsigned int npoll = READ_ONCE(virtblk_param_poll_queues);
	unsigned int i, n;
	u16 dev_queues;
	int err;

	if (virtio_cread_feature(vdev, VIRTIO_BLK_F_MQ,
				 struct virtio_blk_config, num_queues,
				 &dev_queues))
		dev_queues = 1;
	virtblk_inject_override_queues(vdev, &dev_queues);
	if (!dev_queues) {
		dev_err(&vdev->dev, "device offers MQ with zero queues\n");
		return -EINVAL;
	}

	err = virtblk_qmap_split(nr_cpu_ids, dev_queues, nrq, npoll,
				 &vblk->split);
	if (err)
		return err;
	if (vblk->split.nr_poll < npoll)
		dev_warn(&vdev->dev,
			 "poll_queues=%u reduced to %u: %u queue(s) available and one must use interrupts\n",
			 npoll, vblk->split.nr_poll,
			 virtblk_qmap_total(&vblk->split));

	n = virtblk_qmap_total(&vblk->split);
	vblk->vqs = kcalloc(n, sizeof(*vblk->vqs), GFP_KERNEL);
	if (!vblk->vqs)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		struct virtblk_vq *bvq = &vblk->vqs[i];

		spin_lock_init(&bvq->lock);
		bvq->vblk = vblk;
		bvq->qid = i;
		virtblk_idle_init(bvq);
	}
	virtblk_qswitch_set_split(vblk, &vblk->split);
	return 0;
}

static int virtblk_setup_tag_set(struct virtblk_dev *vblk)
{
	struct virtio_device *vdev = vblk->vdev;
	struct blk_mq_tag_set *set = &vblk->tag_set;
	unsigned int want = READ_ONCE(virtblk_param_queue_depth);
	unsigned int timeout = READ_ONCE(virtblk_param_io_timeout);
	bool indirect = virtio_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC);
	unsigned int depth;

	depth = virtblk_qmap_depth(want, vblk->vqs[0].vq->num_free, indirect);
	if (want && depth < want)
		dev_warn(&vdev->dev,
			 "queue_depth=%u capped at the virtqueue size %u\n",
			 want, depth);

	dev_info(&vdev->dev, "%u default + %u poll queues, depth %u%s%s\n",
		 vblk->split.nr_default, vblk->split.nr_poll, depth,
		 indirect ? "" : " without indirect descriptors",
		 !vblk->split.nr_poll ? "" :
		 vblk->poll_irq ? ", poll queues with a suppressed vector" :
		 ", poll queues without a vector");

	memset(set, 0, sizeof(*set));
	set->ops = &virtblk_mq_ops;
	set->nr_hw_queues = virtblk_qmap_total(&vblk->split);
	/* Poll queues can be set up later (qswitch.c) whenever there are two. */
	set->nr_maps = virtblk_qmap_total(&vblk->split) > 1 ? HCTX_MAX_TYPES : 1;
	set->queue_depth = depth;
	set->numa_node = NUMA_NO_NODE;
	set->flags = BLK_MQ_F_SHOULD_MERGE;
	set->cmd_size = sizeof(struct virtblk_req) +
			sizeof(struct scatterlist) * VIRTBLK_INLINE_SG;
	/* With io_timeout=0 the handler just rearms the timer. */
	set->timeout = (timeout ?: VIRTBLK_DEFAULT_TIMEOUT) * HZ;
	set->driver_data = vblk;

	return blk_mq_alloc_tag_set(set);
}

static int virtblk_probe(struct virtio_device *vdev)
{
	struct vbp_rq_list orphans = { };
	struct queue_limits lim = { };
	struct virtblk_dev *vblk;
	struct gendisk *disk;
	int err, index;

	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config space access is not available\n");
		return -EINVAL;
	}

	index = ida_alloc_max(&virtblk_index_ida,
			      (1 << (MINORBITS - VIRTBLK_PART_SHIFT)) - 1,
			      GFP_KERNEL);
	if (index < 0)
		return index;

	vblk = kzalloc(sizeof(*vblk), GFP_KERNEL);
	if (!vblk) {
		err = -ENOMEM;
		goto out_free_index;
	}
	vblk->vdev = vdev;
	vblk->index = index;
	vblk->wce = -1;
	mutex_init(&vblk->vdev_mutex);
	mutex_init(&vblk->qswitch_mutex);
	spin_lock_init(&vblk->state_lock);
	INIT_WORK(&vblk->config_work, virtblk_config_work);
	INIT_WORK(&vblk->reset_work, virtblk_reset_work);
	vdev->priv = vblk;

	err = virtblk_setup_split(vblk);
	if (err)
		goto out_free_vblk;

	err = virtblk_init_vqs(vblk);
	if (err)
		goto out_free_vqs;

	err = virtblk_read_limits(vblk, &lim);
	if (err)
		goto out_del_vqs;

	err = virtblk_setup_tag_set(vblk);
	if (err)
		goto out_del_vqs;

	disk = vbp_compat_alloc_disk(&vblk->tag_set, &lim,
				     virtblk_write_cache(vdev), vblk);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_free_tags;
	}
	vblk->disk = disk;
	err = vbp_compat_set_poll(disk->queue, vblk->split.nr_poll);
	if (err)
		goto out_put_disk;

	err = virtblk_proto_disk_name(index, disk->disk_name, DISK_NAME_LEN);
	if (err)
		goto out_put_disk;
	disk->major = virtblk_major;
	disk->first_minor = index << VIRTBLK_PART_SHIFT;
	disk->minors = 1 << VIRTBLK_PART_SHIFT;
	disk->private_data = vblk;
	disk->fops = &virtblk_fops;

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_RO))
		set_disk_ro(disk, 1);

	virtblk_update_capacity(vblk, false);
	virtio_device_ready(vdev);

	err = device_add_disk(&vdev->dev, disk, virtblk_attr_groups);
	if (err)
		goto out_put_disk;

	virtblk_debugfs_add(vblk);
	return 0;

out_put_disk:
	virtblk_block_resets(vblk);
	put_disk(disk);
out_free_tags:
	blk_mq_free_tag_set(&vblk->tag_set);
out_del_vqs:
	virtio_reset_device(vdev);
	virtblk_del_vqs(vblk, &orphans);
	virtblk_idle_exit(vblk, virtblk_qmap_total(&vblk->split));
out_free_vqs:
	kfree(vblk->vqs);
out_free_vblk:
	vdev->priv = NULL;
	mutex_destroy(&vblk->qswitch_mutex);
	mutex_destroy(&vblk->vdev_mutex);
	kfree(vblk);
out_free_index:
	ida_free(&virtblk_index_ida, index);
	return err;
}

static void virtblk_remove(struct virtio_device *vdev)
{
	struct virtblk_dev *vblk = vdev->priv;
	struct vbp_rq_list orphans = { };

	/* Config changes are already disabled by the virtio core. */
	flush_work(&vblk->config_work);
	virtblk_debugfs_remove(vblk);

	/* After a poll queue change under way; none starts after this. */
	mutex_lock(&vblk->qswitch_mutex);
	vblk->removing = true;
	mutex_unlock(&vblk->qswitch_mutex);

	/* Waits for outstanding I/O; a reset may still rescue a hung one. */
	del_gendisk(vblk->disk);
	virtblk_block_resets(vblk);
	flush_work(&vblk->config_work);

	mutex_lock(&vblk->vdev_mutex);
	/* A surprise-removed device would never finish its reset. */
	if (!virtblk_device_gone(vblk))
		virtio_reset_device(vdev);
	virtblk_del_vqs(vblk, &orphans);
	virtblk_fail_orphans(vblk, &orphans, false);
	virtblk_idle_exit(vblk, virtblk_qmap_total(&vblk->split));
	vblk->vdev = NULL;
	mutex_unlock(&vblk->vdev_mutex);

	blk_mq_free_tag_set(&vblk->tag_set);
	put_disk(vblk->disk);
}

#ifdef CONFIG_PM_SLEEP
static int virtblk_freeze(struct virtio_device *vdev)
{
	struct virtblk_dev *vblk = vdev->priv;
	struct request_queue *q = vblk->disk->queue;
	struct vbp_rq_list orphans = { };
	unsigned int reaped;

	/* Let in-flight I/O finish (resets still allowed), then hold new. */
	reaped = virtblk_freeze_wait(vblk);
	virtblk_block_resets(vblk);
	blk_mq_quiesce_queue_nowait(q);
	blk_mq_unfreeze_queue(q);

	virtio_reset_device(vdev);
	flush_work(&vblk->config_work);
	virtblk_del_vqs(vblk, &orphans);
	virtblk_fail_orphans(vblk, &orphans, true);
	dev_info(&vdev->dev,
		 "%s: virtqueues released for suspend (%u polled request(s) reaped)\n",
		 vblk->disk->disk_name, reaped);
	return 0;
}

static int virtblk_restore(struct virtio_device *vdev)
{
	struct virtblk_dev *vblk = vdev->priv;
	struct request_queue *q = vblk->disk->queue;
	struct vbp_rq_list orphans = { };
	const char *why = NULL;
	int err;

	err = virtblk_start_vqs(vblk);
	if (err) {
		/*
		 * Recover here, not from reset_work: the virtio core sets
		 * DRIVER_OK once this returns, which must not land in the
		 * middle of a reset.  Nothing is on the rings: the queue is
		 * still quiesced.
		 */
		dev_err(&vdev->dev, "%s: virtqueue setup after resume failed: %d; resetting device\n",
			vblk->disk->disk_name, err);
		virtio_reset_device(vdev);
		virtblk_del_vqs(vblk, &orphans);
		why = virtblk_bring_up(vblk, &orphans);
		if (why)
			virtblk_mark_dead(vblk, why);
		virtblk_fail_orphans(vblk, &orphans, !why);
	} else {
		virtio_device_ready(vdev);
	}

	virtblk_unblock_resets(vblk);
	blk_mq_unquiesce_queue(q);
	blk_mq_kick_requeue_list(q);
	if (why) {
		blk_mark_disk_dead(vblk->disk);
		return 0;
	}
	dev_info(&vdev->dev, "%s: virtqueues restored after resume\n",
		 vblk->disk->disk_name);
	return 0;
}
#endif

static const struct virtio_device_id virtblk_id_table[] = {
	{ VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, virtblk_id_table);

static unsigned int virtblk_features[] = {
	VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_GEOMETRY,
	VIRTIO_BLK_F_RO, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH,
	VIRTIO_BLK_F_TOPOLOGY, VIRTIO_BLK_F_CONFIG_WCE, VIRTIO_BLK_F_MQ,
	VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES,
	VIRTIO_BLK_F_SECURE_ERASE,
	/* Ring and transport features, negotiated by the virtio core. */
	VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX,
	VIRTIO_F_VERSION_1, VIRTIO_F_RING_PACKED, VIRTIO_F_ACCESS_PLATFORM,
};

static unsigned int virtblk_features_legacy[] = {
	VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_GEOMETRY,
	VIRTIO_BLK_F_RO, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH,
	VIRTIO_BLK_F_TOPOLOGY, VIRTIO_BLK_F_CONFIG_WCE, VIRTIO_BLK_F_MQ,
	VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES,
	VIRTIO_BLK_F_SECURE_ERASE,
	VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX,
};

/*
 * Before the features are written back: a request that takes its two or
 * three descriptors straight from the ring saves virtio_ring a table
 * allocation, its DMA mapping and its free per request, which is most of
 * the ring's cost for a 4 KiB request.  The price is ring space: without
 * tables each request takes one slot per segment plus two, which
 * virtblk_ring_limits() and the derived queue depth account for.
 */
static int virtblk_validate(struct virtio_device *vdev)
{
	if (!READ_ONCE(virtblk_param_indirect_desc))
		__virtio_clear_bit(vdev, VIRTIO_RING_F_INDIRECT_DESC);
	return 0;
}

static struct virtio_driver virtblk_driver = {
	.feature_table			= virtblk_features,
	.feature_table_size		= ARRAY_SIZE(virtblk_features),
	.feature_table_legacy		= virtblk_features_legacy,
	.feature_table_size_legacy	= ARRAY_SIZE(virtblk_features_legacy),
	.driver.name			= KBUILD_MODNAME,
	.id_table			= virtblk_id_table,
	.validate			= virtblk_validate,
	.probe				= virtblk_probe,
	.remove				= virtblk_remove,
	.config_changed			= virtblk_config_changed,
#ifdef CONFIG_PM_SLEEP
	.freeze				= virtblk_freeze,
	.restore			= virtblk_restore,
#endif
};

static int __init virtblk_init(void)
{
	int err;

	/* From now on a parameter write comes through sysfs. */
	WRITE_ONCE(virtblk_params_live, true);

	/* Recovery must make progress under memory pressure. */
	virtblk_wq = alloc_workqueue("virtio-blk-poll", WQ_MEM_RECLAIM, 0);
	if (!virtblk_wq)
		return -ENOMEM;

	virtblk_major = register_blkdev(0, "virtblk");
	if (virtblk_major < 0) {
		err = virtblk_major;
		goto out_destroy_wq;
	}

	virtblk_debugfs_init();

	err = register_virtio_driver(&virtblk_driver);
	if (err)
		goto out_unregister;
	return 0;

out_unregister:
	virtblk_debugfs_exit();
	unregister_blkdev(virtblk_major, "virtblk");
out_destroy_wq:
	destroy_workqueue(virtblk_wq);
	return err;
}

static void __exit virtblk_exit(void)
{
	unregister_virtio_driver(&virtblk_driver);
	virtblk_debugfs_exit();
	unregister_blkdev(virtblk_major, "virtblk");
	destroy_workqueue(virtblk_wq);
}

module_init(virtblk_init);
module_exit(virtblk_exit);

MODULE_DESCRIPTION("Virtio block driver with polled queues");
MODULE_VERSION(VBP_VERSION);
MODULE_AUTHOR("virtio-blk-poll developers");
MODULE_LICENSE("GPL");
