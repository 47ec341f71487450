/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuidle API compatibility wrappers for cpuidle_haltpoll_io.
 *
 * HAVE_* symbols come from compat/generated/vbp_config.h (one probe per
 * API change in compat/probes/).  The idle-state code calls the
 * vbp_cpuidle_*() wrappers below and tests no kernel version itself.
 *
 * Our idle states carry CPUIDLE_FLAG_RCU_IDLE: the cpuidle core calls
 * ->enter() with RCU watching and leaves it to the callback to stop RCU
 * around the halt itself, which vbp_cpuidle_halt() does.  Everything else
 * in the callback (polling, clock reads, statistics) runs with RCU
 * watching and may be traced.
 */
#ifndef VBP_COMPAT_CPUIDLE_H
#define VBP_COMPAT_CPUIDLE_H

#include "vbp_config.h"

#include <linux/context_tracking.h>
#include <linux/cpu.h>
#include <linux/cpuidle.h>
#include <linux/instrumentation.h>
#include <linux/irqflags.h>
#include <linux/sched/clock.h>

/**
 * vbp_cpuidle_clock() - nanosecond clock of this CPU for an idle callback
 *
 * local_clock(), the clock the hint producers use too.  On v6.12 it is
 * an exported function that the function tracer can hook (Debian's build
 * gives it an ftrace entry), and the noinstr local_clock_noinstr() is not
 * exported; on v6.1 it is an inline around notrace code.  So call this
 * only where RCU is watching: in our callback, anywhere but inside
 * vbp_cpuidle_halt().
 *
 * Return: local_clock() of this CPU.
 */
static __always_inline u64 vbp_cpuidle_clock(void)
{
	return local_clock();
}

/**
 * vbp_cpuidle_halt() - halt RCU-idle until an interrupt, return IRQs off
 *
 * For the ->enter() callback of a state with CPUIDLE_FLAG_RCU_IDLE, which
 * must itself be noinstr (__cpuidle, plus notrace where __cpuidle does not
 * imply it) and call this with interrupts disabled and RCU watching.
 * Tells lockdep and the IRQ tracer that interrupts are about to be
 * enabled, stops RCU (an extended quiescent state, as in any halt), then
 * enables interrupts and halts atomically (no wakeup can slip in between),
 * so a pending interrupt ends the halt at once.  Returns with interrupts
 * disabled, RCU watching again, and lockdep agreeing on both.  Only
 * noinstr code runs between stopping and restarting RCU.
 *
 * Since v6.3 (see compat/probes/cpuidle_ct_cpuidle_enter.c)
 * ct_cpuidle_enter()/ct_cpuidle_exit() wrap that bookkeeping, and
 * arch_cpu_idle() is exported, uses the platform's idle routine and
 * returns with interrupts disabled.  Before that, the same steps are
 * spelled out with the exported ct_idle_enter()/ct_idle_exit(), and the
 * plain "sti; hlt" (paravirtualised where the kernel is) halts, as neither
 * arch_cpu_idle() nor default_idle() is exported in a Debian configuration.
 */
static __always_inline void vbp_cpuidle_halt(void)
{
#ifdef HAVE_CPUIDLE_CT_CPUIDLE_ENTER
	ct_cpuidle_enter();
	arch_cpu_idle();
	ct_cpuidle_exit();
#else
	/*
	 * The IRQ tracer hears of the enable while RCU still watches;
	 * lockdep, whose view ct_idle_enter() checks, only after it.
	 */
	trace_hardirqs_on_prepare();
	lockdep_hardirqs_on_prepare();
	instrumentation_end();
	ct_idle_enter();
	lockdep_hardirqs_on(_THIS_IP_);
	raw_safe_halt();
	raw_local_irq_disable();
	lockdep_hardirqs_off(_THIS_IP_);
	ct_idle_exit();
	instrumentation_begin();
#endif
}

#endif /* VBP_COMPAT_CPUIDLE_H */
