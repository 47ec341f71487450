/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O completion hints: virtio_blk tells cpuidle_haltpoll_io, per CPU, how
 * many requests will complete with an interrupt on that CPU and how long
 * the device usually takes, so that an idle CPU expecting a completion
 * polls for it instead of halting.
 *
 * The data lives in vbp_hints.ko, which holds nothing else.  The producer
 * (virtio_blk.ko) and the consumer (cpuidle_haltpoll_io.ko) both depend on
 * it and on nothing of each other, so they load and unload in any order,
 * also while I/O is in flight.  Load vbp_hints.ko first (modprobe does).
 *
 * Model: each CPU has one slot.  A producer counts a request on the CPU
 * that submits it, *provided its completion interrupt is delivered to that
 * same CPU* (a blk-mq hardware queue mapped to this CPU alone, with its
 * interrupt affine to it), and counts the completion on the CPU that
 * handles it.  Every write to a slot is made by the slot's own CPU with
 * this_cpu operations, so the hot path uses no shared atomics and no
 * locks.  A completion that lands on another CPU than its submission
 * leaves the two counts off; the consumer notices a slot that has been
 * quiet for VBP_HINT_STALE_NS and resets it, so such a miss costs a few
 * short polls at most.
 *
 * Producer, in the driver:
 *
 *	t = vbp_hint_wanted() ? vbp_hint_submit() : 0;	request on the ring
 *	...
 *	if (t)
 *		vbp_hint_complete(t);			completion path
 *
 * Consumer, when it loads and when it goes:
 *
 *	vbp_hint_consumer_add();	...	vbp_hint_consumer_remove();
 *
 * Consumer, in an idle callback with interrupts disabled:
 *
 *	vbp_hint_read(&snap);
 *
 * Poll sources (idle-loop completion): with the request count, a producer
 * leaves in the slot a pointer to the queue the request went to, a
 * &struct vbp_poll_source.  An idle consumer that waits for the
 * completion may then watch that queue itself instead of waiting for its
 * interrupt, see &struct vbp_poll_ops.  The pointer is RCU-protected: the
 * consumer uses it only inside one RCU read-side section, the producer
 * calls vbp_poll_source_forget() and waits for a grace period before the
 * source (or the code of its ops) goes away.  No IPI is ever needed: a
 * slot is written by its own CPU only, and cleared by cmpxchg.
 */
#ifndef VBP_HINTS_H
#define VBP_HINTS_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/time64.h>
#include <linux/types.h>

/* Weight of a new service-time sample in the average: 1 / 2^3. */
#define VBP_HINT_EWMA_SHIFT	3
/* Longest service time sample taken into the average. */
#define VBP_HINT_SAMPLE_MAX_NS	(10 * NSEC_PER_MSEC)
/* A slot with requests counted but no event for this long is reset. */
#define VBP_HINT_STALE_NS	(10 * NSEC_PER_MSEC)

struct vbp_poll_source;

/**
 * struct vbp_poll_ops - how an idle CPU polls a queue for completions
 * @open: start a poll window on the queue: from now on the queue's
 *	completion interrupts are suppressed (first opener) and @pending
 *	may be called.  Must not spin or sleep; fails (returns false) when
 *	the queue is busy, gone or not eligible, and then the caller halts
 *	as usual and waits for the interrupt.
 * @pending: has the device completed something on the queue since the
 *	window opened or since the last @kick?  A few loads, no lock, no
 *	write: the only callback the idle loop calls repeatedly.
 * @kick: have the completions processed; runs them in softirq context
 *	(accounted as softirq, not idle), a bounded batch at a time.
 * @close: end the window: the last closer re-enables the interrupts and
 *	re-checks the ring, so a completion that raced with the end is
 *	processed (kicked) and never missed.  Called once per successful
 *	@open.
 *
 * All four are called by the consumer inside one rcu_read_lock() section
 * that also covered the read of the source pointer, on the same CPU, in
 * the idle task (preemption disabled); @open with interrupts disabled or
 * enabled, the other three with interrupts enabled (@kick and @close may
 * run softirqs before they return).
 */
struct vbp_poll_ops {
	bool (*open)(struct vbp_poll_source *src);
	bool (*pending)(struct vbp_poll_source *src);
	void (*kick)(struct vbp_poll_source *src);
	void (*close)(struct vbp_poll_source *src);
};

/**
 * struct vbp_poll_source - a queue an idle CPU can poll
 * @ops: its callbacks (constant)
 *
 * Embedded in the producer's queue structure, which recovers itself with
 * container_of().  Lifetime: see vbp_poll_source_forget().
 */
struct vbp_poll_source {
	const struct vbp_poll_ops *ops;
};

/**
 * struct vbp_hint_cpu - completion hints of one CPU
 * @issued: requests submitted on this CPU whose completion interrupt is
 *	expected on this CPU (wraps; only differences are meaningful)
 * @completed: completions of such requests handled on this CPU (wraps)
 * @last_ns: local_clock() of the latest submission or completion
 * @service_ns: moving average of the device service time, 0 until the
 *	first completion with a timestamp
 * @src: queue of the latest hinted submission that can be polled, or
 *	NULL; RCU-protected, written by its own CPU with
 *	vbp_poll_source_set() and cleared from anywhere by
 *	vbp_poll_source_forget()
 *
 * Concurrency: every field is written only by its own CPU - by producers
 * through this_cpu operations, which are atomic against interrupts on
 * that CPU, and by the consumer's idle callback (interrupts disabled)
 * when it resets a stale slot.  An interrupt-context completion that
 * nests inside a process-context one on the same CPU may overwrite the
 * outer one's @service_ns update; the average is a hint and that loss is
 * harmless.  Other CPUs only read, for statistics.
 */
struct vbp_hint_cpu {
	unsigned long issued;
	unsigned long completed;
	u64 last_ns;
	u64 service_ns;
	struct vbp_poll_source __rcu *src;
};

DECLARE_PER_CPU(struct vbp_hint_cpu, vbp_hint_cpu);

/**
 * vbp_poll_source_forget() - clear every slot that points to a source
 * @src: the source
 *
 * Producer side, process context, before the source goes away; the
 * caller then waits for an RCU grace period (synchronize_rcu()) before
 * freeing it or unloading the code of its ops.  A producer must not set
 * @src again afterwards.
 */
void vbp_poll_source_forget(struct vbp_poll_source *src);

/**
 * vbp_poll_source_set() - name the queue of this CPU's latest submission
 * @src: the source, or NULL when the queue cannot be polled
 *
 * Producer side, with preemption disabled, right after
 * vbp_hint_submit().  Writes only when the pointer changes.
 */
static inline void vbp_poll_source_set(struct vbp_poll_source *src)
{
	struct vbp_poll_source __rcu **slot = this_cpu_ptr(&vbp_hint_cpu.src);

	if (rcu_access_pointer(*slot) != src)
		rcu_assign_pointer(*slot, src);
}

/**
 * vbp_poll_source_get() - this CPU's poll source
 *
 * Consumer side, inside rcu_read_lock(), preemption disabled.
 *
 * Return: the source or NULL.
 */
static inline struct vbp_poll_source *vbp_poll_source_get(void)
{
	return rcu_dereference(*this_cpu_ptr(&vbp_hint_cpu.src));
}

/*
 * Number of loaded consumers.  Producers skip hinting while it is 0, so a
 * guest without the cpuidle module pays nothing for the hints.
 */
extern atomic_t vbp_hint_consumers;

/**
 * vbp_hint_wanted() - does any consumer read the hints?
 *
 * Producer side, any context.  A request submitted while this is false
 * is simply not counted; one submitted while it is true must be completed
 * with vbp_hint_complete_at() even if the consumer left meanwhile.
 *
 * Return: true if a consumer is loaded.
 */
static inline bool vbp_hint_wanted(void)
{
	return atomic_read(&vbp_hint_consumers) > 0;
}

/**
 * vbp_hint_consumer_add() - announce a consumer
 *
 * Called by a consumer once it is ready to use the hints.
 */
static inline void vbp_hint_consumer_add(void)
{
	atomic_inc(&vbp_hint_consumers);
}

/**
 * vbp_hint_consumer_remove() - withdraw a consumer announced before
 */
static inline void vbp_hint_consumer_remove(void)
{
	atomic_dec(&vbp_hint_consumers);
}

/**
 * vbp_hint_ewma() - fold one service time sample into the average
 * @avg: current average in ns, 0 when there is none yet
 * @sample: new sample in ns
 *
 * Samples above VBP_HINT_SAMPLE_MAX_NS count as that much: a device that
 * slow is not worth polling for, and one outlier must not blow up the
 * average.  Cannot overflow: both inputs are capped far below 2^61.
 *
 * Return: the new average.
 */
static __always_inline u64 vbp_hint_ewma(u64 avg, u64 sample)
{
	if (sample > VBP_HINT_SAMPLE_MAX_NS)
		sample = VBP_HINT_SAMPLE_MAX_NS;
	if (avg > VBP_HINT_SAMPLE_MAX_NS)
		avg = VBP_HINT_SAMPLE_MAX_NS;
	if (!avg)
		return sample ? sample : 1;
	return avg - (avg >> VBP_HINT_EWMA_SHIFT) +
	       (sample >> VBP_HINT_EWMA_SHIFT);
}

/**
 * __vbp_hint_submit_at() - vbp_hint_submit_at() on a given slot array
 * @h: the per-CPU hint slots, normally &vbp_hint_cpu (a test module that
 *	must not depend on vbp_hints.ko gets it from symbol_get())
 * @now: local_clock() of the submission
 */
static inline void __vbp_hint_submit_at(struct vbp_hint_cpu __percpu *h,
					u64 now)
{
	preempt_disable();
	this_cpu_inc(h->issued);
	this_cpu_write(h->last_ns, now);
	preempt_enable();
}

/**
 * vbp_hint_submit_at() - count a submitted request on this CPU
 * @now: local_clock() of the submission
 *
 * Call once per request, after it was made available to the device, on
 * the CPU whose interrupt will report its completion.  Any context.
 */
static inline void vbp_hint_submit_at(u64 now)
{
	__vbp_hint_submit_at(&vbp_hint_cpu, now);
}

/**
 * vbp_hint_submit() - count a submitted request on this CPU, timestamped
 *
 * As vbp_hint_submit_at() with the current time.
 *
 * Return: the submission time, to be stored with the request and passed
 * to vbp_hint_complete().
 */
static inline u64 vbp_hint_submit(void)
{
	u64 now = local_clock();

	vbp_hint_submit_at(now);
	return now;
}

/**
 * __vbp_hint_complete_at() - vbp_hint_complete_at() on a given slot array
 * @h: the per-CPU hint slots, normally &vbp_hint_cpu
 * @issue_ns: as for vbp_hint_complete_at()
 * @now: as for vbp_hint_complete_at()
 */
static inline void __vbp_hint_complete_at(struct vbp_hint_cpu __percpu *h,
					  u64 issue_ns, u64 now)
{
	preempt_disable();
	this_cpu_inc(h->completed);
	this_cpu_write(h->last_ns, now);
	if (issue_ns && (s64)(now - issue_ns) > 0)
		this_cpu_write(h->service_ns,
			       vbp_hint_ewma(this_cpu_read(h->service_ns),
					     now - issue_ns));
	preempt_enable();
}

/**
 * vbp_hint_complete_at() - count the completion of a hinted request
 * @issue_ns: what vbp_hint_submit() returned for the request, or 0 to
 *	count the request as gone without a service time sample (a request
 *	failed or cancelled after vbp_hint_submit())
 * @now: local_clock() of the completion (one reading can serve a batch)
 *
 * Call on the CPU handling the completion, only for requests that were
 * passed to vbp_hint_submit().  Any context.  A sample whose submission
 * time lies in the future (clocks of two CPUs) is ignored.
 */
static inline void vbp_hint_complete_at(u64 issue_ns, u64 now)
{
	__vbp_hint_complete_at(&vbp_hint_cpu, issue_ns, now);
}

/**
 * vbp_hint_complete() - count the completion of a hinted request, now
 * @issue_ns: as for vbp_hint_complete_at()
 */
static inline void vbp_hint_complete(u64 issue_ns)
{
	vbp_hint_complete_at(issue_ns, local_clock());
}

/**
 * struct vbp_hint_snapshot - one consistent reading of this CPU's slot
 * @inflight: requests expected to complete here (may be <= 0 after a miss)
 * @completed: the completion count, to notice a completion later on
 * @last_ns: time of the latest event
 * @service_ns: service time average, 0 if unknown
 */
struct vbp_hint_snapshot {
	long inflight;
	unsigned long completed;
	u64 last_ns;
	u64 service_ns;
};

/**
 * vbp_hint_read() - read this CPU's slot
 * @s: filled in
 *
 * Consumer side.  Call with interrupts disabled so that no producer on
 * this CPU runs in between the reads; noinstr-safe.
 */
static __always_inline void vbp_hint_read(struct vbp_hint_snapshot *s)
{
	s->completed = __this_cpu_read(vbp_hint_cpu.completed);
	s->inflight = (long)(__this_cpu_read(vbp_hint_cpu.issued) -
			     s->completed);
	s->last_ns = __this_cpu_read(vbp_hint_cpu.last_ns);
	s->service_ns = __this_cpu_read(vbp_hint_cpu.service_ns);
}

/**
 * vbp_hint_completed() - completion count of this CPU's slot
 *
 * Consumer side, for noticing a completion while polling.  Any context;
 * noinstr-safe.
 *
 * Return: the current completion count.
 */
static __always_inline unsigned long vbp_hint_completed(void)
{
	return this_cpu_read(vbp_hint_cpu.completed);
}

/**
 * vbp_hint_resync() - forget the requests counted on this CPU
 *
 * Consumer side: after a miss (a completion counted on another CPU, a
 * request lost to a device reset) the counts of this CPU disagree for
 * good; the consumer calls this when the slot has been quiet for
 * VBP_HINT_STALE_NS.  Call with interrupts disabled; noinstr-safe.
 */
static __always_inline void vbp_hint_resync(void)
{
	__this_cpu_write(vbp_hint_cpu.completed,
			 __this_cpu_read(vbp_hint_cpu.issued));
}

#endif /* VBP_HINTS_H */
