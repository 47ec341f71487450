/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Poll window arithmetic of cpuidle_haltpoll_io: pure functions of their
 * arguments, no hardware, no per-CPU data, so KUnit can check them.
 */
#ifndef HALTPOLL_IO_WINDOW_H
#define HALTPOLL_IO_WINDOW_H

#include <linux/types.h>

/**
 * struct haltpoll_io_tune - tunables of the classic adaptive window
 * @max_ns: longest poll; a wakeup later than this counts as a long idle
 * @grow_start_ns: first non-zero window
 * @grow: factor the window grows by (1: stays at @grow_start_ns)
 * @shrink: divisor the window shrinks by (0: straight to zero)
 * @allow_shrink: shrink after long idle periods at all
 *
 * A snapshot of the module parameters, taken once per idle entry; no
 * locking, the owner copies it onto its stack.
 */
struct haltpoll_io_tune {
	u64 max_ns;
	u64 grow_start_ns;
	unsigned int grow;
	unsigned int shrink;
	bool allow_shrink;
};

/**
 * enum haltpoll_io_adjust - what haltpoll_io_adapt() did
 * @HALTPOLL_IO_KEEP: window unchanged (or only clamped to the maximum)
 * @HALTPOLL_IO_GROW: window grew
 * @HALTPOLL_IO_SHRINK: window shrank
 */
enum haltpoll_io_adjust {
	HALTPOLL_IO_KEEP,
	HALTPOLL_IO_GROW,
	HALTPOLL_IO_SHRINK,
};

u64 haltpoll_io_adapt(u64 cur_ns, u64 block_ns,
		      const struct haltpoll_io_tune *t,
		      enum haltpoll_io_adjust *what);
u64 haltpoll_io_io_window(u64 now, u64 last_ns, u64 service_ns,
			  u64 margin_ns, u64 max_ns);
u64 haltpoll_io_source_window(u64 now, u64 last_ns, u64 max_ns);
bool haltpoll_io_hint_stale(u64 now, u64 last_ns, u64 stale_ns);
u64 haltpoll_io_elapsed(u64 start, u64 end);

#endif /* HALTPOLL_IO_WINDOW_H */
