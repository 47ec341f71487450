/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuidle_haltpoll_io private declarations.  Include first in every .c
 * file of the module (it sets pr_fmt).
 */
#ifndef HALTPOLL_IO_H
#define HALTPOLL_IO_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/types.h>

/*
 * enum haltpoll_io_stat - the counters of stats.h, HALTPOLL_IO_ST_<name>
 * indexing &struct haltpoll_io_stats; HALTPOLL_IO_NR_STATS counts them.
 */
enum haltpoll_io_stat {
#define HALTPOLL_IO_STAT(name)	HALTPOLL_IO_ST_##name,
#include "stats.h"
#undef HALTPOLL_IO_STAT
	HALTPOLL_IO_NR_STATS
};

/**
 * struct haltpoll_io_stats - idle statistics of one CPU
 * @v: the counters of stats.h, indexed by enum haltpoll_io_stat; each
 *     only grows until a reset
 *
 * Written only by its own CPU, from the idle callback with interrupts
 * disabled; reset by its own CPU in an IPI (or directly while the CPU is
 * offline, hotplug locked out).  Read locklessly by the debugfs reader:
 * each counter is a 64-bit word read with READ_ONCE(), the set as a
 * whole is not a snapshot.
 */
struct haltpoll_io_stats {
	u64 v[HALTPOLL_IO_NR_STATS];
};

/**
 * struct haltpoll_io_cpu - per-CPU state of the idle state
 * @stats: statistics
 * @window_ns: current classic window
 * @busy: this CPU runs the idle callback (unload waits for it to clear)
 *
 * Same rules as &struct haltpoll_io_stats: written by the own CPU with
 * interrupts disabled, read by others (unload, debugfs) without locks.
 */
struct haltpoll_io_cpu {
	struct haltpoll_io_stats stats;
	u64 window_ns;
	int busy;
};

DECLARE_PER_CPU(struct haltpoll_io_cpu, haltpoll_io_pcpu);

/**
 * haltpoll_io_stats_reset() - zero the statistics of one CPU
 * @cpu: the CPU
 *
 * Process context; takes the CPU hotplug lock.
 */
void haltpoll_io_stats_reset(unsigned int cpu);

#ifdef CONFIG_DEBUG_FS
/**
 * haltpoll_io_debugfs_init() - create /sys/kernel/debug/cpuidle_haltpoll_io
 *
 * Failure is not fatal (debugfs may be absent) and not reported.
 */
void haltpoll_io_debugfs_init(void);

/**
 * haltpoll_io_debugfs_exit() - remove what haltpoll_io_debugfs_init() made
 */
void haltpoll_io_debugfs_exit(void);
#else
static inline void haltpoll_io_debugfs_init(void) { }
static inline void haltpoll_io_debugfs_exit(void) { }
#endif

#endif /* HALTPOLL_IO_H */
