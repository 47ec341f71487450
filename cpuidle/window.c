// SPDX-License-Identifier: GPL-2.0
/*
 * Poll window arithmetic of cpuidle_haltpoll_io.
 *
 * Two windows exist.  The classic one adapts to how long idle periods
 * last: it grows when a wakeup came shortly after the poll gave up (a
 * little more polling would have caught it) and shrinks when the CPU
 * then stayed idle for long (polling was wasted), down to zero, so an
 * idle guest halts at once.  The I/O window applies when requests are
 * outstanding on this CPU: poll until their expected completion plus a
 * margin.
 *
 * The functions run inside the idle callback (with RCU watching: it
 * stops RCU only around the halt) and touch nothing but their arguments.
 */
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/overflow.h>

#include "window.h"

/**
 * haltpoll_io_elapsed() - time between two clock readings
 * @start: earlier reading
 * @end: later reading
 *
 * Return: @end - @start, or 0 if the clock went backwards (readings from
 * two CPUs, a clock adjustment).
 */
u64 haltpoll_io_elapsed(u64 start, u64 end)
{
	return end > start ? end - start : 0;
}

/**
 * haltpoll_io_adapt() - next classic window after one idle period
 * @cur_ns: window used for this idle period
 * @block_ns: how long the CPU was idle (poll plus halt)
 * @t: tunables
 * @what: set to what was done
 *
 * A wakeup within the window keeps it.  A wakeup after the window but
 * within @t->max_ns grows it: from zero to @t->grow_start_ns, else by
 * @t->grow, saturating, never above @t->max_ns.  A longer idle period
 * shrinks it by @t->shrink if @t->allow_shrink; a result below
 * @t->grow_start_ns becomes zero.  A window above a lowered maximum is
 * clamped to it.
 *
 * Return: the window for the next idle period, in ns.
 */
u64 haltpoll_io_adapt(u64 cur_ns, u64 block_ns,
		      const struct haltpoll_io_tune *t,
		      enum haltpoll_io_adjust *what)
{
	u64 next = min(cur_ns, t->max_ns);

	*what = HALTPOLL_IO_KEEP;
	if (block_ns <= next)
		return next;

	if (block_ns <= t->max_ns) {
		if (!next) {
			next = t->grow_start_ns;
		} else if (t->grow > 1) {
			if (check_mul_overflow(next, (u64)t->grow, &next))
				next = U64_MAX;
		}
		next = min(max(next, t->grow_start_ns), t->max_ns);
		if (next > cur_ns)
			*what = HALTPOLL_IO_GROW;
		return next;
	}

	if (!t->allow_shrink || !next)
		return next;
	if (t->shrink == 1)
		return next;
	next = t->shrink ? next / t->shrink : 0;
	if (next < t->grow_start_ns)
		next = 0;
	*what = HALTPOLL_IO_SHRINK;
	return next;
}

/**
 * haltpoll_io_io_window() - poll time for an expected I/O completion
 * @now: current time
 * @last_ns: time of the latest submission or completion on this CPU
 * @service_ns: expected device service time, 0 if unknown
 * @margin_ns: slack added to the expected completion time
 * @max_ns: longest poll
 *
 * The next completion is expected @service_ns after the latest event:
 * exact for one request in flight, an upper bound for a stream of them.
 *
 * Return: ns from @now until @last_ns + @service_ns + @margin_ns, at most
 * @max_ns; 0 when there is no estimate or that point has passed (the
 * device is late, the caller falls back to the classic window).  A
 * @last_ns after @now (clock went backwards) counts as @now.
 */
u64 haltpoll_io_io_window(u64 now, u64 last_ns, u64 service_ns,
			  u64 margin_ns, u64 max_ns)
{
	u64 target, elapsed;

	if (!service_ns)
		return 0;
	if (check_add_overflow(service_ns, margin_ns, &target))
		target = U64_MAX;
	elapsed = haltpoll_io_elapsed(last_ns, now);
	if (elapsed >= target)
		return 0;
	return min(target - elapsed, max_ns);
}

/**
 * haltpoll_io_source_window() - poll time while the queue itself is watched
 * @now: current time
 * @last_ns: time of the latest submission or completion on this CPU
 * @max_ns: longest poll
 *
 * Watching a queue's used ring is cheap and finds the completion the
 * moment it lands, so the wait is bounded by the latest event, not by
 * the service time estimate: a completion later than the estimate would
 * otherwise cost a halt and an interrupt.
 *
 * Return: ns from @now until @last_ns + @max_ns, 0 once that has passed;
 * a @last_ns after @now (clock went backwards) counts as @now.
 */
u64 haltpoll_io_source_window(u64 now, u64 last_ns, u64 max_ns)
{
	u64 elapsed = haltpoll_io_elapsed(last_ns, now);

	return elapsed >= max_ns ? 0 : max_ns - elapsed;
}

/**
 * haltpoll_io_hint_stale() - has a hint slot been quiet for too long?
 * @now: current time
 * @last_ns: time of the slot's latest event
 * @stale_ns: quiet time after which its counts are not trusted
 *
 * Return: true if more than @stale_ns passed since @last_ns.
 */
bool haltpoll_io_hint_stale(u64 now, u64 last_ns, u64 stale_ns)
{
	return haltpoll_io_elapsed(last_ns, now) > stale_ns;
}
