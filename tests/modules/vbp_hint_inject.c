// SPDX-License-Identifier: GPL-2.0
/*
 * vbp_hint_inject: test-only producer of I/O completion hints, to drive
 * cpuidle_haltpoll_io's I/O-aware window before virtio_blk is wired.
 *
 * action=io: a kthread bound to @cpu repeats @loops times: count a
 * "request" with the producer API, arm a pinned hrtimer @service_us away
 * (the "device"), sleep; the timer counts the completion and wakes the
 * thread - the same pattern as a synchronous read.  Logs the mean and
 * worst delay from the timer's expiry to the thread running again.
 *
 * action=leak: count @loops requests on @cpu that never complete, as a
 * driver losing them to a reset would; cpuidle_haltpoll_io must reset
 * the stale hints.
 *
 * action=conflict: register a cpuidle driver named "vbp_test_idle" (no
 * devices, so it never runs) to check that cpuidle_haltpoll_io refuses
 * to load next to another driver.
 *
 * vbp_hints.ko is reached through symbol_get() so that this module has
 * no hard dependency and builds without its Module.symvers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpuidle.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/clock.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "../../include/vbp_hints.h"

static char *action = "io";
module_param(action, charp, 0444);
MODULE_PARM_DESC(action, "io, leak or conflict (default: io)");

static unsigned int cpu;
module_param(cpu, uint, 0444);
MODULE_PARM_DESC(cpu, "CPU for action=io and leak (default: 0)");

static unsigned int loops = 200;
module_param(loops, uint, 0444);
MODULE_PARM_DESC(loops, "Simulated requests (default: 200)");

static unsigned int service_us = 100;
module_param(service_us, uint, 0444);
MODULE_PARM_DESC(service_us, "Simulated device service time (default: 100)");

/**
 * struct vbp_inject - one simulated request stream
 * @hints: the hint slots of vbp_hints.ko
 * @timer: the simulated device
 * @done: completed by @timer
 * @finished: completed by the kthread when all requests are done
 * @issue_ns: submission time of the request in flight
 * @expire_ns: when @timer fired
 * @sum_ns: sum of wake delays
 * @max_ns: worst wake delay
 *
 * Used by the kthread and its pinned timer on one CPU; the timer only runs
 * while the kthread waits on @done, which orders the accesses.
 */
struct vbp_inject {
	struct vbp_hint_cpu __percpu *hints;
	struct hrtimer timer;
	struct completion done;
	struct completion finished;
	u64 issue_ns;
	u64 expire_ns;
	u64 sum_ns;
	u64 max_ns;
};

static enum hrtimer_restart vbp_inject_fire(struct hrtimer *t)
{
	struct vbp_inject *in = container_of(t, struct vbp_inject, timer);
	u64 now = local_clock();

	in->expire_ns = now;
	__vbp_hint_complete_at(in->hints, in->issue_ns, now);
	complete(&in->done);
	return HRTIMER_NORESTART;
}

static int vbp_inject_thread(void *data)
{
	struct vbp_inject *in = data;
	unsigned int i;
	u64 d;

	for (i = 0; i < loops; i++) {
		reinit_completion(&in->done);
		in->issue_ns = local_clock();
		__vbp_hint_submit_at(in->hints, in->issue_ns);
		hrtimer_start(&in->timer, ns_to_ktime(service_us * 1000ULL),
			      HRTIMER_MODE_REL_PINNED);
		wait_for_completion(&in->done);
		d = local_clock() - in->expire_ns;
		in->sum_ns += d;
		in->max_ns = max(in->max_ns, d);
	}
	complete(&in->finished);
	return 0;
}

static int vbp_inject_io(void)
{
	struct vbp_inject *in;
	struct task_struct *t;
	int ret = 0;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	in->hints = symbol_get(vbp_hint_cpu);
	if (!in->hints) {
		pr_err("vbp_hints.ko is not loaded\n");
		kfree(in);
		return -ENODEV;
	}
	init_completion(&in->done);
	init_completion(&in->finished);
	hrtimer_init(&in->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	in->timer.function = vbp_inject_fire;

	t = kthread_create_on_cpu(vbp_inject_thread, in, cpu, "vbp_inject/%u");
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto out;
	}
	get_task_struct(t);
	wake_up_process(t);
	/* kthread_stop() before the thread ran would keep it from running. */
	wait_for_completion(&in->finished);
	kthread_stop(t);
	put_task_struct(t);
	pr_info("cpu %u: %u requests of %u us, wake delay mean %llu ns max %llu ns\n",
		cpu, loops, service_us,
		loops ? div_u64(in->sum_ns, loops) : 0, in->max_ns);
out:
	hrtimer_cancel(&in->timer);
	symbol_put(vbp_hint_cpu);
	kfree(in);
	return ret;
}

static void vbp_inject_leak_one(void *data)
{
	struct vbp_hint_cpu __percpu *hints = (void __percpu __force *)data;
	unsigned int i;

	for (i = 0; i < loops; i++)
		__vbp_hint_submit_at(hints, local_clock());
}

static int vbp_inject_leak(void)
{
	struct vbp_hint_cpu __percpu *hints;
	int ret;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	hints = symbol_get(vbp_hint_cpu);
	if (!hints)
		return -ENODEV;
	ret = smp_call_function_single(cpu, vbp_inject_leak_one,
				       (void __force *)hints, 1);
	symbol_put(vbp_hint_cpu);
	return ret;
}

static int __cpuidle vbp_test_idle_enter(struct cpuidle_device *dev,
					 struct cpuidle_driver *drv, int index)
{
	return index;
}

static struct cpuidle_driver vbp_test_idle_driver = {
	.name = "vbp_test_idle",
	.states = {
		{
			.enter = vbp_test_idle_enter,
			.exit_latency = 1,
			.target_residency = 1,
			.name = "TEST",
			.desc = "never entered",
		},
	},
	.state_count = 1,
};

static bool vbp_conflict;

static int __init vbp_inject_init(void)
{
	int ret;

	if (!strcmp(action, "conflict")) {
		ret = cpuidle_register_driver(&vbp_test_idle_driver);
		if (ret)
			return ret;
		vbp_conflict = true;
		pr_info("registered cpuidle driver vbp_test_idle\n");
		return 0;
	}
	if (!strcmp(action, "io"))
		return vbp_inject_io();
	if (!strcmp(action, "leak"))
		return vbp_inject_leak();
	return -EINVAL;
}

static void __exit vbp_inject_exit(void)
{
	if (vbp_conflict)
		cpuidle_unregister_driver(&vbp_test_idle_driver);
}

module_init(vbp_inject_init);
module_exit(vbp_inject_exit);

MODULE_DESCRIPTION("Test producer of virtio-blk-poll I/O completion hints");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("virtio-blk-poll developers");
