// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_CPUIDLE_CT_CPUIDLE_ENTER: <linux/cpuidle.h> has ct_cpuidle_enter().
 *
 * It came with the v6.3 cpuidle noinstr rework (Peter Zijlstra, "cpuidle:
 * Fix ct_idle_*() usage" and "arch/idle: Change arch_cpu_idle() behavior:
 * always exit with IRQs disabled").  The same series exported
 * arch_cpu_idle() and made cpuidle_enter_state() warn when an ->enter()
 * callback returns with interrupts enabled; none of that can be probed by
 * compiling, so this probe stands for the whole series.
 */
#include <linux/cpuidle.h>

void probe(void);
void probe(void)
{
	ct_cpuidle_enter();
	ct_cpuidle_exit();
}
