// SPDX-License-Identifier: GPL-2.0
/*
 * cpuidle_haltpoll_io statistics in debugfs:
 *
 *   /sys/kernel/debug/cpuidle_haltpoll_io/cpu<N>  (read-only)
 *   /sys/kernel/debug/cpuidle_haltpoll_io/reset   (write-only)
 *
 * one cpu<N> file per possible CPU, "name value" lines.  They are mode
 * 0444 with no write method: a locked-down kernel (lockdown=integrity, the
 * default under Secure Boot) refuses to open any debugfs file that is
 * writable, and still lets these be read.  Writing a CPU list ("1",
 * "0-3,6") or "all" to "reset" zeroes the counters of those CPUs; that
 * needs lockdown off.
 */
#include "haltpoll_io.h"

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "vbp_hints.h"

static struct dentry *haltpoll_io_dir;

/* The names of the counters, from stats.h, for "name value" lines. */
static const char * const haltpoll_io_stat_names[HALTPOLL_IO_NR_STATS] = {
#define HALTPOLL_IO_STAT(name)	(#name),
#include "stats.h"
#undef HALTPOLL_IO_STAT
};

static int haltpoll_io_cpu_show(struct seq_file *m, void *unused)
{
	unsigned int cpu = (unsigned long)m->private;
	const struct haltpoll_io_cpu *pc = per_cpu_ptr(&haltpoll_io_pcpu, cpu);
	const struct haltpoll_io_stats *st = &pc->stats;
	const struct vbp_hint_cpu *h = per_cpu_ptr(&vbp_hint_cpu, cpu);
	unsigned int i;

	for (i = 0; i < HALTPOLL_IO_NR_STATS; i++)
		seq_printf(m, "%s %llu\n", haltpoll_io_stat_names[i],
			   READ_ONCE(st->v[i]));
	seq_printf(m, "window_ns %llu\n", READ_ONCE(pc->window_ns));
	seq_printf(m, "hint_inflight %ld\n",
		   (long)(READ_ONCE(h->issued) - READ_ONCE(h->completed)));
	seq_printf(m, "hint_service_ns %llu\n", READ_ONCE(h->service_ns));
	return 0;
}

static int haltpoll_io_cpu_open(struct inode *inode, struct file *file)
{
	return single_open(file, haltpoll_io_cpu_show, inode->i_private);
}

static const struct file_operations haltpoll_io_cpu_fops = {
	.owner = THIS_MODULE,
	.open = haltpoll_io_cpu_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static ssize_t haltpoll_io_reset_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	cpumask_var_t cpus;
	unsigned int cpu;
	char *buf, *list;
	int ret = 0;

	if (len >= PAGE_SIZE)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL)) {
		kfree(buf);
		return -ENOMEM;
	}
	list = strim(buf);
	if (!strcmp(list, "all"))
		cpumask_copy(cpus, cpu_possible_mask);
	else
		ret = cpulist_parse(list, cpus);
	if (!ret && (cpumask_empty(cpus) ||
		     !cpumask_subset(cpus, cpu_possible_mask)))
		ret = -EINVAL;
	if (!ret)
		for_each_cpu(cpu, cpus)
			haltpoll_io_stats_reset(cpu);
	free_cpumask_var(cpus);
	kfree(buf);
	return ret ? ret : len;
}

static const struct file_operations haltpoll_io_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = haltpoll_io_reset_write,
};

void haltpoll_io_debugfs_init(void)
{
	unsigned int cpu;
	char name[16];

	haltpoll_io_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("reset", 0200, haltpoll_io_dir, NULL,
			    &haltpoll_io_reset_fops);
	for_each_possible_cpu(cpu) {
		snprintf(name, sizeof(name), "cpu%u", cpu);
		debugfs_create_file(name, 0444, haltpoll_io_dir,
				    (void *)(unsigned long)cpu,
				    &haltpoll_io_cpu_fops);
	}
}

void haltpoll_io_debugfs_exit(void)
{
	debugfs_remove_recursive(haltpoll_io_dir);
	haltpoll_io_dir = NULL;
}
