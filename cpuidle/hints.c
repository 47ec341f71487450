// SPDX-License-Identifier: GPL-2.0
/*
 * vbp_hints: owner of the per-CPU I/O completion hints shared by
 * virtio_blk.ko (producer) and cpuidle_haltpoll_io.ko (consumer); see
 * include/vbp_hints.h.  It holds the data and nothing else, so that the
 * two can come and go in any order without depending on each other.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/percpu.h>

#include "vbp_hints.h"
#include "vbp_version.h"

DEFINE_PER_CPU(struct vbp_hint_cpu, vbp_hint_cpu);
EXPORT_PER_CPU_SYMBOL_GPL(vbp_hint_cpu);

atomic_t vbp_hint_consumers = ATOMIC_INIT(0);
EXPORT_SYMBOL_GPL(vbp_hint_consumers);

void vbp_poll_source_forget(struct vbp_poll_source *src)
{
	unsigned int cpu;

	/* Only a slot still naming @src is cleared; others stay as set. */
	for_each_possible_cpu(cpu) {
		struct vbp_poll_source __rcu **slot =
			per_cpu_ptr(&vbp_hint_cpu.src, cpu);

		cmpxchg((struct vbp_poll_source __force **)slot, src, NULL);
	}
}
EXPORT_SYMBOL_GPL(vbp_poll_source_forget);

MODULE_DESCRIPTION("Per-CPU I/O completion hints for virtio-blk-poll");
MODULE_VERSION(VBP_VERSION);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("virtio-blk-poll developers");
