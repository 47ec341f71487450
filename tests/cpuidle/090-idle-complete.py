# SPDX-License-Identifier: GPL-2.0
"""Host side of cpuidle/idle-complete: the share of QD1 completions that
the idle loop found, against those that still came by interrupt."""


def check(ctx, r, res, kernel, var):
    ios = int(res.get("ios", 0))
    idle = int(res.get("idle_completions", 0))
    irq = int(res.get("completions", 0))
    ctx.note("%d QD1 reads on CPU 1: %d completed from the idle loop "
             "(%.0f%%), %d by interrupt (%s interrupts), %s windows, "
             "%s kicks, %s TASKLET softirqs (%s softirq ticks), %s halts"
             % (ios, idle, 100.0 * idle / max(ios, 1), irq,
                res.get("interrupts"), res.get("io_windows"),
                res.get("io_kicks"), res.get("tasklets"),
                res.get("softirq_ticks"), res.get("halts")))
    ctx.note("1000 QD1 reads of a device that answers after about 1 ms: "
             "%s completed from the idle loop, %s interrupts" % (
                 res.get("slow_idle"), res.get("slow_irq")))
