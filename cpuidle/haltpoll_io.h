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

/**
 * struct haltpoll_io_stats - idle statistics of one CPU
 * @entries: idle callbacks entered
 * @polls: entries that polled (window > 0)
 * @poll_wakeups: polls ended by a wakeup (need_resched)
 * @poll_timeouts: polls that ran to the end of their window
 * @io_polls: polls whose window came from an expected I/O completion
 * @io_wakeups: of those, ended by a wakeup
 * @io_completions: of those, ended by a completion that woke nobody
 * @halts: entries that halted
 * @grows: classic window grew
 * @shrinks: classic window shrank
 * @resyncs: stale hint slots reset
 * @poll_ns: time spent polling
 * @halt_ns: time spent halted
 *
 * Written only by its own CPU, from the idle callback with interrupts
 * disabled; reset by its own CPU in an IPI (or directly while the CPU is
 * offline, hotplug locked out).  Read locklessly by the debugfs reader:
 * each field is a 64-bit word read with READ_ONCE(), the set as a whole
 * is not a snapshot.
 */
struct haltpoll_io_stats {
	u64 entries;
	u64 polls;
	u64 poll_wakeups;
	u64 poll_timeouts;
	u64 io_polls;
	u64 io_wakeups;
	u64 io_completions;
	u64 halts;
	u64 grows;
	u64 shrinks;
	u64 resyncs;
	u64 poll_ns;
	u64 halt_ns;
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
