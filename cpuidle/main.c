// SPDX-License-Identifier: GPL-2.0
/*
 * cpuidle_haltpoll_io: a cpuidle driver for virtual machines whose
 * idle state polls before it halts, for a window that knows about I/O.
 *
 * A guest CPU that halts costs a VM exit and, on wakeup, an entry; if the
 * wakeup comes soon, polling for it in the guest is faster.  Blind
 * polling burns host CPU time on every idle entry, though.  This driver
 * polls long when it has a reason: virtio_blk reports, per CPU, requests
 * in flight whose completion interrupt will arrive on that CPU and how
 * long the device takes (include/vbp_hints.h); an idle CPU with such
 * requests polls until their expected completion plus a margin.  Without
 * outstanding requests it falls back to an adaptive window that grows
 * when wakeups come just after the poll gave up and shrinks to zero when
 * the CPU stays idle, so an idle guest halts at once.
 *
 * The window is applied inside the state's ->enter() callback, so it
 * works with whatever governor is in charge (menu, ladder, haltpoll).
 */
#include "haltpoll_io.h"

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpuidle.h>
#include <linux/cpuidle_haltpoll.h>
#include <linux/kernel.h>
#include <linux/kvm_para.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched/idle.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "vbp_compat_cpuidle.h"
#include "vbp_hints.h"
#include "window.h"
#include "vbp_version.h"

/* Polling iterations between two clock readings. */
#define HALTPOLL_IO_RELAX_COUNT	50

/* ------------------------------------------------------------------
 * Parameters.  All but force can be changed at run time; the idle
 * callback reads each with READ_ONCE() once per idle entry.
 */

/**
 * struct haltpoll_io_uint_param - an unsigned int parameter with bounds
 * @val: the variable
 * @min: smallest value accepted
 * @max: largest value accepted
 *
 * Constant after load; @val is written with WRITE_ONCE() under the
 * module parameter lock and read with READ_ONCE() anywhere.
 */
struct haltpoll_io_uint_param {
	unsigned int *val;
	unsigned int min;
	unsigned int max;
};

/*
 * Not param_set_uint_minmax(): that refuses with -EINVAL where ours has
 * always said -ERANGE, and stores with a plain write while the idle
 * callback reads the value locklessly.
 */
static int haltpoll_io_uint_set(const char *val, const struct kernel_param *kp)
{
	const struct haltpoll_io_uint_param *p = kp->arg;
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < p->min || v > p->max)
		return -ERANGE;
	WRITE_ONCE(*p->val, v);
	return 0;
}

static int haltpoll_io_uint_get(char *buf, const struct kernel_param *kp)
{
	const struct haltpoll_io_uint_param *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%u\n", READ_ONCE(*p->val));
}

static const struct kernel_param_ops haltpoll_io_uint_ops = {
	.set = haltpoll_io_uint_set,
	.get = haltpoll_io_uint_get,
};

/*
 * One line of the table below per parameter; each defines the variable
 * param_<name>, its kernel_param and its description, which ends in a
 * machine-readable "(default: Y|N)" or "(range: <min>..<max>, default:
 * <default>)" that scripts/check-params.py compares with the
 * documentation.  Numbers are plain literals so that they stringify as
 * written.  The description is MODULE_PARM_DESC() spelled out.
 *
 * HALTPOLL_IO_BOOL(name, perm, default Y or N, text): a bool, set with
 * the kernel's param_ops_bool.
 */
#define HALTPOLL_IO_BOOL_Y	true
#define HALTPOLL_IO_BOOL_N	false

#define HALTPOLL_IO_BOOL(name, perm, def, text)				\
	static bool param_##name = HALTPOLL_IO_BOOL_##def;		\
	module_param_named(name, param_##name, bool, perm);		\
	MODULE_INFO(parm, #name ":" text " (default: " #def ")")

/*
 * HALTPOLL_IO_UINT(name, perm, min, max, default, text): an unsigned int
 * in min..max; haltpoll_io_uint_set() refuses anything else with -ERANGE
 * and keeps the value.
 */
#define HALTPOLL_IO_UINT(name, perm, lo, hi, def, text)			\
	static unsigned int param_##name = def;				\
	static struct haltpoll_io_uint_param haltpoll_io_##name##_bounds = { \
		.val = &param_##name, .min = lo, .max = hi,		\
	};								\
	module_param_cb(name, &haltpoll_io_uint_ops,			\
			&haltpoll_io_##name##_bounds, perm);		\
	MODULE_INFO(parm, #name ":" text " (range: " #lo ".." #hi	\
		    ", default: " #def ")")

/*			name		perm  min   max      default */
HALTPOLL_IO_BOOL(force,			0444,		     N,
		 "Load without a hypervisor too");
HALTPOLL_IO_BOOL(io_aware,		0644,		     Y,
		 "Poll for expected I/O completions; N: classic window only");
HALTPOLL_IO_BOOL(io_complete,		0644,		     Y,
		 "While polling for an I/O completion, watch the disk queue itself with its interrupts suppressed; N: wait for the interrupt");
HALTPOLL_IO_BOOL(allow_shrink,		0644,		     Y,
		 "Shrink the classic window after long idle periods");
HALTPOLL_IO_UINT(poll_max_ns,		0644, 0,    2000000, 200000,
		 "Longest poll in ns; 0 halts at once");
HALTPOLL_IO_UINT(io_margin_ns,		0644, 0,    1000000, 20000,
		 "Poll this long past an expected I/O completion, ns");
HALTPOLL_IO_UINT(grow_start_ns,		0644, 1000, 2000000, 50000,
		 "First classic window in ns");
HALTPOLL_IO_UINT(grow,			0644, 1,    16,      2,
		 "Classic window growth factor");
HALTPOLL_IO_UINT(shrink,		0644, 0,    16,      2,
		 "Classic window shrink divisor; 0: to zero at once");

/* ------------------------------------------------------------------
 * The idle state.
 */

DEFINE_PER_CPU(struct haltpoll_io_cpu, haltpoll_io_pcpu);

/* Set before unload starts; makes idle CPUs stop polling at once. */
static bool haltpoll_io_stopping;

/* Add to a counter of this CPU's statistics (own CPU, IRQs off). */
static __always_inline void haltpoll_io_count(struct haltpoll_io_stats *st,
					      enum haltpoll_io_stat i, u64 by)
{
	WRITE_ONCE(st->v[i], st->v[i] + by);
}

static __always_inline void haltpoll_io_tune_read(struct haltpoll_io_tune *t)
{
	t->max_ns = READ_ONCE(param_poll_max_ns);
	t->grow_start_ns = READ_ONCE(param_grow_start_ns);
	t->grow = READ_ONCE(param_grow);
	t->shrink = READ_ONCE(param_shrink);
	t->allow_shrink = READ_ONCE(param_allow_shrink);
}

/*
 * The I/O window for this CPU, or 0 when it has no request in flight, no
 * estimate, or the completion is overdue.  Resets a stale hint slot.
 * *@last_ns is the time of the slot's latest event while requests are in
 * flight, else 0 (no poll source is worth watching then).
 */
static __always_inline u64 haltpoll_io_io_limit(struct haltpoll_io_stats *st,
						u64 now, u64 max_ns,
						unsigned long *completed,
						u64 *last_ns)
{
	struct vbp_hint_snapshot h;

	vbp_hint_read(&h);
	*completed = h.completed;
	*last_ns = 0;
	if (!h.inflight)
		return 0;
	if (haltpoll_io_hint_stale(now, h.last_ns, VBP_HINT_STALE_NS)) {
		vbp_hint_resync();
		haltpoll_io_count(st, HALTPOLL_IO_ST_resyncs, 1);
		return 0;
	}
	if (h.inflight < 0)
		return 0;
	*last_ns = h.last_ns ?: 1;
	return haltpoll_io_io_window(now, h.last_ns, h.service_ns,
				     READ_ONCE(param_io_margin_ns), max_ns);
}

/*
 * Spin with interrupts enabled until a wakeup, the end of the window, an
 * I/O completion (when polling for one) or unload.  Returns true if an
 * I/O completion ended it.  RCU is watching, so interrupts are switched
 * with the traced (lockdep-aware) helpers.
 *
 * With a poll source (@src, opened by the caller), every iteration also
 * looks at the source's ring; what it finds is handed to ->kick(), which
 * ends the requests in softirq context before it returns - accounted as
 * softirq time, a budget at a time, and usually waking the task this CPU
 * idles for.  ->close() ends the window with interrupts still enabled,
 * so a completion that races with it is kicked before the CPU halts.
 */
static __always_inline bool haltpoll_io_spin(struct haltpoll_io_stats *st,
					     u64 start, u64 window, bool io,
					     unsigned long completed,
					     struct vbp_poll_source *src)
{
	unsigned int relax = 0;
	bool done = false;

	local_irq_enable();
	if (current_set_polling_and_test())
		goto out;
	while (!need_resched()) {
		/* No shortcut past the clock below: a stuck ring must time out. */
		if (src && src->ops->pending(src)) {
			haltpoll_io_count(st, HALTPOLL_IO_ST_io_kicks, 1);
			src->ops->kick(src);
		}
		cpu_relax();
		if (++relax < HALTPOLL_IO_RELAX_COUNT)
			continue;
		relax = 0;
		if (haltpoll_io_elapsed(start, vbp_cpuidle_clock()) >= window)
			break;
		if (io && vbp_hint_completed() != completed) {
			done = true;
			break;
		}
		if (READ_ONCE(haltpoll_io_stopping))
			break;
	}
out:
	if (src)
		src->ops->close(src);
	local_irq_disable();
	return done;
}

/*
 * The poll source to watch during an I/O window, opened, or NULL.
 * Called inside rcu_read_lock(), which must last until the window is
 * closed (the source's owner waits for a grace period before it goes).
 */
static __always_inline struct vbp_poll_source *
haltpoll_io_source(struct haltpoll_io_stats *st)
{
	struct vbp_poll_source *src;

	if (!READ_ONCE(param_io_complete))
		return NULL;
	src = vbp_poll_source_get();
	if (!src || !src->ops->open(src))
		return NULL;
	haltpoll_io_count(st, HALTPOLL_IO_ST_io_windows, 1);
	return src;
}

/*
 * struct haltpoll_io_idle - one pass through haltpoll_io_enter(), on its
 * stack: what the poll step found out for the halt and adapt steps.
 * @pc: this CPU's state
 * @t: the parameters, read once at entry
 * @start: clock at entry
 * @poll_end: clock when the poll ended (@start without a poll)
 * @end: clock at the wakeup
 * @window: the poll window, 0 for none
 * @io: @window came from an expected I/O completion
 */
struct haltpoll_io_idle {
	struct haltpoll_io_cpu *pc;
	struct haltpoll_io_tune t;
	u64 start;
	u64 poll_end;
	u64 end;
	u64 window;
	bool io;
};

/*
 * Step 1, poll: pick the window (I/O window if a completion is expected,
 * else the classic one; none while unloading), spin for it, and find out
 * whether a wakeup came.  Returns true if one did (the halt is skipped).
 * Counters: entries, polls, io_polls, poll_ns, resyncs (via
 * haltpoll_io_io_limit()), and the poll's outcome: poll_wakeups and
 * io_wakeups if woken, else poll_timeouts and io_completions.  Interrupts
 * are enabled only inside haltpoll_io_spin().
 */
static __always_inline bool haltpoll_io_poll(struct haltpoll_io_idle *e)
{
	struct haltpoll_io_stats *st = &e->pc->stats;
	struct vbp_poll_source *src = NULL;
	unsigned long completed = 0;
	bool io_done = false, woken;
	u64 limit = 0, last_ns = 0;
	/*
	 * Read once: a source opened below must reach the spin, which alone
	 * closes it; a second reading that zeroed the window after the open
	 * would leave the queue's interrupts suppressed for good.
	 */
	bool stopping = READ_ONCE(haltpoll_io_stopping);

	e->start = vbp_cpuidle_clock();
	haltpoll_io_tune_read(&e->t);
	haltpoll_io_count(st, HALTPOLL_IO_ST_entries, 1);

	e->window = min(e->pc->window_ns, e->t.max_ns);
	e->io = false;
	if (READ_ONCE(param_io_aware))
		limit = haltpoll_io_io_limit(st, e->start, e->t.max_ns,
					     &completed, &last_ns);
	if (stopping)
		last_ns = 0;
	/* Covers the use of the source until the spin has closed it. */
	rcu_read_lock();
	if (last_ns) {
		u64 w = haltpoll_io_source_window(e->start, last_ns,
						  e->t.max_ns);

		src = w ? haltpoll_io_source(st) : NULL;
		if (src)
			limit = max(limit, w);
	}
	if (limit) {
		e->io = true;
		e->window = limit;
	}
	if (stopping)
		e->window = 0;

	e->poll_end = e->start;
	if (e->window) {
		haltpoll_io_count(st, HALTPOLL_IO_ST_polls, 1);
		if (e->io)
			haltpoll_io_count(st, HALTPOLL_IO_ST_io_polls, 1);
		io_done = haltpoll_io_spin(st, e->start, e->window, e->io,
					   completed, src);
		e->poll_end = vbp_cpuidle_clock();
		haltpoll_io_count(st, HALTPOLL_IO_ST_poll_ns,
				  haltpoll_io_elapsed(e->start, e->poll_end));
	}
	rcu_read_unlock();

	woken = current_clr_polling_and_test();
	if (woken) {
		if (e->window) {
			haltpoll_io_count(st, HALTPOLL_IO_ST_poll_wakeups, 1);
			if (e->io)
				haltpoll_io_count(st, HALTPOLL_IO_ST_io_wakeups, 1);
		}
	} else {
		if (e->window)
			haltpoll_io_count(st, HALTPOLL_IO_ST_poll_timeouts, 1);
		if (io_done)
			haltpoll_io_count(st, HALTPOLL_IO_ST_io_completions, 1);
	}
	return woken;
}

/*
 * Step 2, halt: the only place RCU stops (inside vbp_cpuidle_halt(),
 * which also enables interrupts for the halt).  Called with interrupts
 * disabled after a poll that no wakeup ended.  Counters: halts, halt_ns.
 */
static __always_inline void haltpoll_io_halt(struct haltpoll_io_idle *e)
{
	struct haltpoll_io_stats *st = &e->pc->stats;

	haltpoll_io_count(st, HALTPOLL_IO_ST_halts, 1);
	vbp_cpuidle_halt();
	e->end = vbp_cpuidle_clock();
	haltpoll_io_count(st, HALTPOLL_IO_ST_halt_ns,
			  haltpoll_io_elapsed(e->poll_end, e->end));
}

/*
 * Step 3, adapt: the classic window learns from idle periods it chose
 * itself (not from I/O windows).  Counters: grows, shrinks.
 */
static __always_inline void haltpoll_io_adapt_window(struct haltpoll_io_idle *e)
{
	struct haltpoll_io_cpu *pc = e->pc;
	enum haltpoll_io_adjust what;

	if (e->io)
		return;
	WRITE_ONCE(pc->window_ns,
		   haltpoll_io_adapt(pc->window_ns,
				     haltpoll_io_elapsed(e->start, e->end),
				     &e->t, &what));
	if (what == HALTPOLL_IO_GROW)
		haltpoll_io_count(&pc->stats, HALTPOLL_IO_ST_grows, 1);
	else if (what == HALTPOLL_IO_SHRINK)
		haltpoll_io_count(&pc->stats, HALTPOLL_IO_ST_shrinks, 1);
}

/*
 * ->enter() of both states: poll, halt unless a wakeup came, adapt.
 * Called and returns with interrupts disabled (also on v6.1, whose
 * cpuidle_enter_state() enables them after ->enter() either way); the
 * unload handshake in haltpoll_io_quiesce() relies on interrupts staying
 * disabled from the entry to the first write of @busy and from the last
 * one to the return - the two writes here, with only the steps between.
 *
 * The states have CPUIDLE_FLAG_RCU_IDLE: RCU is watching on entry and
 * stops only inside vbp_cpuidle_halt() (step 2), so everything else here
 * may call traceable code (local_clock()).  The callback itself is
 * noinstr, as the core requires of one that stops RCU (notrace spelled
 * out for v6.1, where __cpuidle does not imply it); the steps are
 * __always_inline, so all of them sit in the instrumentable part marked
 * by instrumentation_begin()/end().
 *
 * @dev->poll_time_limit tells the governor whether the poll ran out
 * without a wakeup, as the core's own poll state does: the haltpoll
 * governor keeps choosing state 0 with the tick running until it sees
 * it set.  Here it is set whenever the CPU went on to halt - the window
 * ran out, was empty, or the completion polled for woke nobody.  (Menu
 * reads it only for CPUIDLE_FLAG_POLLING states, ladder not at all.)
 */
static notrace int __cpuidle
haltpoll_io_enter(struct cpuidle_device *dev, struct cpuidle_driver *drv,
		  int index)
{
	struct haltpoll_io_idle e;	/* no initialiser: no memset() call */
	bool woken;

	instrumentation_begin();
	e.pc = this_cpu_ptr(&haltpoll_io_pcpu);
	WRITE_ONCE(e.pc->busy, 1);

	woken = haltpoll_io_poll(&e);
	if (woken)
		e.end = e.poll_end;
	else
		haltpoll_io_halt(&e);
	haltpoll_io_adapt_window(&e);

	/* A bitfield: write its word only when the value changes. */
	if (dev->poll_time_limit != !woken)
		dev->poll_time_limit = !woken;

	/* Pairs with smp_load_acquire() in haltpoll_io_quiesce(). */
	smp_store_release(&e.pc->busy, 0);
	instrumentation_end();
	return index;
}

/*
 * Two states with the same callback, so that whatever a governor picks
 * gets the I/O-aware window.  One would do for menu and ladder, but the
 * haltpoll governor (6.12, selectable under KVM) assumes a poll state 0
 * and a halt state 1 and returns index 1 without looking at state_count.
 * The callback stops RCU itself, around the halt only.
 */
#define HALTPOLL_IO_STATE(state_name)					\
	{								\
		.enter			= haltpoll_io_enter,		\
		.flags			= CPUIDLE_FLAG_RCU_IDLE,	\
		.exit_latency		= 1,				\
		.target_residency	= 1,				\
		.power_usage		= -1,				\
		.name			= state_name,			\
		.desc			= "poll (I/O aware), then halt", \
	}

static struct cpuidle_driver haltpoll_io_driver = {
	.name = "haltpoll_io",
	.states = {
		HALTPOLL_IO_STATE("HALTPOLL_IO"),
		HALTPOLL_IO_STATE("HALTPOLL_IO_1"),
	},
	.safe_state_index = 0,
	.state_count = 2,
};

/* ------------------------------------------------------------------
 * Statistics reset, CPU hotplug, load and unload.
 */

/* Zero every counter, one word at a time for the lockless reader. */
static void haltpoll_io_stats_clear(struct haltpoll_io_stats *st)
{
	unsigned int i;

	for (i = 0; i < HALTPOLL_IO_NR_STATS; i++)
		WRITE_ONCE(st->v[i], 0);
}

static void haltpoll_io_stats_zero(void *unused)
{
	haltpoll_io_stats_clear(this_cpu_ptr(&haltpoll_io_pcpu.stats));
}

void haltpoll_io_stats_reset(unsigned int cpu)
{
	cpus_read_lock();
	if (cpu_online(cpu))
		smp_call_function_single(cpu, haltpoll_io_stats_zero, NULL, 1);
	else
		haltpoll_io_stats_clear(per_cpu_ptr(&haltpoll_io_pcpu.stats,
						    cpu));
	cpus_read_unlock();
}

static struct cpuidle_device __percpu *haltpoll_io_devices;
static int haltpoll_io_hp_state;
/* We counted ourselves in vbp_hint_consumers (init and exit only). */
static bool haltpoll_io_hinted;

/*
 * Does the host let the guest switch off its halt polling?  KVM's feature
 * word is read directly: kvm_para_has_feature() is not usable from a
 * module.
 */
static bool haltpoll_io_poll_control(void)
{
	u32 base;

	if (!IS_ENABLED(CONFIG_ARCH_CPUIDLE_HALTPOLL) || !kvm_para_available())
		return false;
	base = hypervisor_cpuid_base(KVM_SIGNATURE, 0);
	return base && (cpuid_eax(base | KVM_CPUID_FEATURES) &
			BIT(KVM_FEATURE_POLL_CONTROL));
}

static int haltpoll_io_cpu_online(unsigned int cpu)
{
	struct cpuidle_device *dev = per_cpu_ptr(haltpoll_io_devices, cpu);
	int ret;

	if (dev->registered)
		return 0;
	dev->cpu = cpu;
	ret = cpuidle_register_device(dev);
	if (ret) {
		pr_err("cannot register the idle device of CPU %u: %d\n",
		       cpu, ret);
		return ret;
	}
	/* Guest polling replaces the host's halt polling (KVM only). */
	if (haltpoll_io_poll_control())
		arch_haltpoll_enable(cpu);
	return 0;
}

static int haltpoll_io_cpu_offline(unsigned int cpu)
{
	struct cpuidle_device *dev = per_cpu_ptr(haltpoll_io_devices, cpu);

	if (!dev->registered)
		return 0;
	if (haltpoll_io_poll_control())
		arch_haltpoll_disable(cpu);
	cpuidle_unregister_device(dev);
	return 0;
}

static void haltpoll_io_nop(void *unused)
{
}

/*
 * Wait until no CPU runs haltpoll_io_enter() or can still call it, so the
 * module text can go.  Called once the devices and the driver are
 * unregistered, so no CPU picks our state any more - but one may already
 * be inside it, or on its way in from a device pointer read before.  An
 * RCU grace period does not cover that: a CPU halted in our callback is
 * RCU-idle (a quiescent state) and runs our code again when it wakes.
 * The way in (from do_idle() disabling interrupts to our first write of
 * ->busy) and the way out (from the last write of ->busy to the return)
 * run with interrupts disabled, while polling and halting enable them.
 * So: a synchronous IPI that got served shows the CPU with interrupts
 * enabled - either inside the callback with ->busy set, or outside the
 * idle path's interrupt-disabled stretch for good.  Repeat until ->busy
 * reads clear after an IPI, then send one more, which can only be served
 * once the CPU has returned from the callback.
 *
 * The core is not done with the device then: see haltpoll_io_uninit().
 */
static void haltpoll_io_quiesce(void)
{
	unsigned int cpu;
	int busy;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		do {
			smp_call_function_single(cpu, haltpoll_io_nop, NULL, 1);
			/* Pairs with smp_store_release() in haltpoll_io_enter(). */
			busy = smp_load_acquire(per_cpu_ptr(&haltpoll_io_pcpu.busy,
							    cpu));
		} while (busy);
		smp_call_function_single(cpu, haltpoll_io_nop, NULL, 1);
	}
	cpus_read_unlock();
}

static void haltpoll_io_uninit(void)
{
	if (haltpoll_io_hinted) {
		vbp_hint_consumer_remove();
		haltpoll_io_hinted = false;
	}
	haltpoll_io_debugfs_exit();
	WRITE_ONCE(haltpoll_io_stopping, true);
	if (haltpoll_io_hp_state > 0)
		cpuhp_remove_state(haltpoll_io_hp_state);
	haltpoll_io_hp_state = 0;
	cpuidle_unregister_driver(&haltpoll_io_driver);
	haltpoll_io_quiesce();
	/*
	 * After ->enter() returns, cpuidle_enter_state() still writes the
	 * device (residency, usage counters) - after enabling interrupts, so
	 * possibly after serving the handshake's last IPI - and so does the
	 * governor's ->reflect().  That CPU runs in the idle task with RCU
	 * watching and preemption disabled until its next RCU-idle entry or
	 * context switch, each a quiescent state, and those writes come
	 * first: a grace period started now ends after them.
	 */
	synchronize_rcu();
	free_percpu(haltpoll_io_devices);
	haltpoll_io_devices = NULL;
}

static int haltpoll_io_register(void)
{
	struct cpuidle_driver *other = cpuidle_get_driver();
	int ret;

	if (other) {
		pr_err("cpuidle driver \"%s\" already owns this system: unload it (modprobe -r, e.g. for a modular cpuidle-haltpoll) or keep it from registering at boot (intel_idle.max_cstate=0; initcall_blacklist=haltpoll_init for a built-in haltpoll)\n",
		       other->name);
		return -EBUSY;
	}
	ret = cpuidle_register_driver(&haltpoll_io_driver);
	if (ret == -EBUSY) {
		other = cpuidle_get_driver();
		pr_err("another cpuidle driver (%s) registered first\n",
		       other ? other->name : "?");
	} else if (ret == -ENODEV) {
		pr_err("cpuidle is disabled (cpuidle.off=1 on the kernel command line?)\n");
	} else if (ret) {
		pr_err("cannot register the cpuidle driver: %d\n", ret);
	}
	return ret;
}

static int __init haltpoll_io_init(void)
{
	int ret;

	if (boot_option_idle_override != IDLE_NO_OVERRIDE) {
		pr_info("idle= on the kernel command line overrides cpuidle, not loading\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR) && !param_force) {
		pr_info("not running under a hypervisor, not loading (force=1 overrides)\n");
		return -ENODEV;
	}

	ret = haltpoll_io_register();
	if (ret)
		return ret;

	haltpoll_io_devices = alloc_percpu(struct cpuidle_device);
	if (!haltpoll_io_devices) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "cpuidle/haltpoll_io:online",
				haltpoll_io_cpu_online,
				haltpoll_io_cpu_offline);
	if (ret < 0)
		goto fail;
	haltpoll_io_hp_state = ret;

	haltpoll_io_debugfs_init();
	vbp_hint_consumer_add();
	haltpoll_io_hinted = true;
	pr_info("registered, io_aware=%d poll_max_ns=%u\n",
		READ_ONCE(param_io_aware), READ_ONCE(param_poll_max_ns));
	return 0;

fail:
	haltpoll_io_uninit();
	return ret;
}

static void __exit haltpoll_io_exit(void)
{
	haltpoll_io_uninit();
}

module_init(haltpoll_io_init);
module_exit(haltpoll_io_exit);

MODULE_DESCRIPTION("cpuidle driver polling for virtio-blk I/O completions before halting");
MODULE_VERSION(VBP_VERSION);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("virtio-blk-poll developers");
