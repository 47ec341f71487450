/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of cpuidle_haltpoll_io, each once, in the order of the
 * debugfs cpu<N> files.  No include guard: included wherever
 * HALTPOLL_IO_STAT(name) is defined - for enum haltpoll_io_stat (and so
 * struct haltpoll_io_stats, haltpoll_io.h), for the names debugfs.c
 * prints; the reset walks the array they index.  A new counter is a new
 * line here plus the code that counts it.
 */
HALTPOLL_IO_STAT(entries)		/* idle callbacks entered */
HALTPOLL_IO_STAT(polls)			/* entries that polled (window > 0) */
HALTPOLL_IO_STAT(poll_wakeups)		/* polls ended by a wakeup (need_resched) */
HALTPOLL_IO_STAT(poll_timeouts)		/* polls that ran to the end of their window */
HALTPOLL_IO_STAT(io_polls)		/* polls with a window for an expected I/O completion */
HALTPOLL_IO_STAT(io_wakeups)		/* of those, ended by a wakeup */
HALTPOLL_IO_STAT(io_completions)	/* of those, ended by a completion that woke nobody */
HALTPOLL_IO_STAT(io_windows)		/* of those, watching the disk queue (io_complete) */
HALTPOLL_IO_STAT(io_kicks)		/* completions found on a watched queue, to softirq */
HALTPOLL_IO_STAT(halts)			/* entries that halted */
HALTPOLL_IO_STAT(grows)			/* classic window grew */
HALTPOLL_IO_STAT(shrinks)		/* classic window shrank */
HALTPOLL_IO_STAT(resyncs)		/* stale hint slots reset */
HALTPOLL_IO_STAT(poll_ns)		/* time spent polling */
HALTPOLL_IO_STAT(halt_ns)		/* time spent halted */
