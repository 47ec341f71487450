/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuidle API compatibility wrappers for cpuidle_haltpoll_io.
 *
 * HAVE_* symbols come from compat/generated/vbp_config.h (one probe per
 * API change in compat/probes/).  The idle-state code calls the
 * vbp_cpuidle_*() wrappers below and tests no kernel version itself.
 *
 * Both wrappers are __always_inline: they run inside a cpuidle ->enter()
 * callback, where RCU may not be watching and only noinstr code may run.
 */
#ifndef VBP_COMPAT_CPUIDLE_H
#define VBP_COMPAT_CPUIDLE_H

#include "vbp_config.h"

#include <linux/cpu.h>
#include <linux/cpuidle.h>
#include <linux/irqflags.h>
#include <linux/sched/clock.h>

/**
 * vbp_cpuidle_clock() - nanosecond clock of this CPU for an idle callback
 *
 * local_clock(), the clock the hint producers use too.  Where RCU is not
 * watching, a module cannot use local_clock_noinstr() (not exported on
 * any kernel we support); local_clock() is built without function tracing
 * and only wraps it in notrace preemption accounting, so it is safe here.
 *
 * Return: local_clock() of this CPU.
 */
static __always_inline u64 vbp_cpuidle_clock(void)
{
	return local_clock();
}

/**
 * vbp_cpuidle_halt() - halt until an interrupt, then return with IRQs off
 *
 * Must be called with interrupts disabled.  Enables interrupts and halts
 * atomically (no wakeup can slip in between), so a pending interrupt
 * ends the halt at once; returns with interrupts disabled again.
 *
 * Since v6.3 (see compat/probes/cpuidle_ct_cpuidle_enter.c)
 * arch_cpu_idle() is exported, uses the platform's idle routine and
 * returns with interrupts disabled.  Before that it was neither exported
 * nor did default_idle() export in a Debian configuration, so the plain
 * "sti; hlt" (paravirtualised where the kernel is) is used and interrupts
 * are disabled again afterwards.
 */
static __always_inline void vbp_cpuidle_halt(void)
{
#ifdef HAVE_CPUIDLE_CT_CPUIDLE_ENTER
	arch_cpu_idle();
#else
	raw_safe_halt();
	raw_local_irq_disable();
#endif
}

#endif /* VBP_COMPAT_CPUIDLE_H */
