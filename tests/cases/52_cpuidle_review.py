# SPDX-License-Identifier: GPL-2.0
"""cpuidle_haltpoll_io review findings (issue 13): checks that go with
the fixes in cpuidle/main.c.

- review-rcu-watching: with the function tracer hooked into local_clock()
  (debug kernel: CONFIG_FTRACE_VALIDATE_RCU_IS_WATCHING), our idle
  callback polls in both windows and the tracer never runs while RCU is
  not watching, and lockdep stays on.
- review-haltpoll-tick: under the haltpoll governor an idle CPU stops its
  tick and the governor's poll limit adapts.  The governor registers at
  boot only where the CPU reports KVM (kvm_para_available()), which QEMU
  TCG never does; there the test-only module vbp_haltpoll_gov.ko
  (tests/modules) registers the kernel's built-in copy.  On 6.12 and the
  debug kernel (whose tick is periodic, so only the governor's choices
  are checked there): Debian's 6.1 is built without
  CONFIG_CPU_IDLE_GOV_HALTPOLL.

The use-after-free on unload (the per-CPU devices freed while the core
still writes them) has no case of its own: percpu memory is not
KASAN-tracked; cpuidle/cycles-* in 50_cpuidle.py exercise the path.
"""

import os

from caselib import case, check, module_files, results

MODS = ("vbp_hints", "cpuidle_haltpoll_io")


def _files(kernel):
    return module_files(kernel, MODS, ("vbp_hint_inject",))


def _gov_files(kernel):
    return module_files(kernel, MODS, ("vbp_hint_inject", "vbp_haltpoll_gov"))


LIB = r'''
P=/sys/module/cpuidle_haltpoll_io/parameters
D=/sys/kernel/debug/cpuidle_haltpoll_io
T=/sys/kernel/tracing
ins() { /usr/sbin/insmod /in/$1.ko $2 || fail "insmod $1 $2"; }
rm_() { /usr/sbin/rmmod $1 || fail "rmmod $1"; }
st() { awk -v k="$2" '$1 == k { print $2 }' $D/cpu$1; }
# inject: a simulated 100 us device on CPU 1 (I/O-aware polls, or short
# idle periods that grow the classic window).
inject() { ins vbp_hint_inject "cpu=1 loops=${1:-200} service_us=100"; rm_ vbp_hint_inject; }
'''

# A classic window that opens at 2 ms and never shrinks, so that most idle
# entries poll (and read the clock in the loop) even under TCG.
RCU_WATCHING = LIB + r'''
mount -t tracefs tracefs $T || fail "mount tracefs"
grep -qx local_clock $T/available_filter_functions ||
	fail "local_clock is not traceable on this kernel"
ins vbp_hints
ins cpuidle_haltpoll_io "poll_max_ns=2000000 grow_start_ns=2000000 allow_shrink=0"
echo local_clock > $T/set_ftrace_filter || fail "set_ftrace_filter"
echo function > $T/current_tracer || fail "function tracer"
inject
echo 0 > $P/io_aware
inject
sleep 0.5
grep -q "local_clock <-" $T/trace || fail "the tracer saw no local_clock call"
echo nop > $T/current_tracer
echo > $T/set_ftrace_filter
cat $D/cpu1
io=$(st 1 io_polls); polls=$(st 1 polls)
vbp_result io_polls $io
vbp_result classic_polls $((polls - io))
[ "$io" -gt 0 ] || fail "no I/O-aware poll while traced"
[ $((polls - io)) -gt 0 ] || fail "no classic-window poll while traced"
rm_ cpuidle_haltpoll_io
rm_ vbp_hints
dmesg | grep "RCU not on for" && fail "traced code ran while RCU was not watching"
grep -Eq "debug_locks: +1$" /proc/lockdep_stats || fail "lockdep turned itself off"
echo rcu-watching-ok
'''


def _rcu_watching(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        r = ctx.vm_ok(k, RCU_WATCHING, files=_files(k))
        res = results(r)
        ctx.note("traced: %s I/O-aware and %s classic polls on CPU 1" % (
            res.get("io_polls"), res.get("classic_polls")))
    return fn


# Debian's HZ; an idle CPU whose tick is stopped takes far fewer.
HZ = 250
IDLE_SECS = 3

HALTPOLL_TICK = LIB + r'''
G=/sys/devices/system/cpu/cpuidle
# Under KVM the governor registered at boot; under TCG register the
# kernel's built-in one (test-only module, see tests/modules).
if ! grep -qw haltpoll $G/available_governors; then
	/usr/sbin/insmod /in/vbp_haltpoll_gov.ko ||
		fail "vbp_haltpoll_gov: $(dmesg | grep vbp_haltpoll_gov | tail -n 1)"
	vbp_result registered_by_module 1
fi
echo haltpoll > $G/current_governor || fail "cannot select haltpoll"
[ "$(cat $G/current_governor_ro)" = haltpoll ] ||
	fail "governor is $(cat $G/current_governor_ro), not haltpoll"
C=/sys/devices/system/cpu/cpu1/cpuidle
loc1() { awk '$1 == "LOC:" { print $3 }' /proc/interrupts; }
ins vbp_hints
ins cpuidle_haltpoll_io
mount -t tracefs tracefs $T || fail "mount tracefs"
echo 1 > $T/events/power/guest_halt_poll_ns/enable || fail "trace event"
# Short idle periods on CPU 1: the governor's poll limit grows and it
# starts choosing state 0, with the tick running.
inject 300
s1=$(cat $C/state1/usage); l=$(loc1)
sleep %(secs)d
vbp_result loc_per_s $(( ($(loc1) - l) / %(secs)d ))
vbp_result state1_entries $(( $(cat $C/state1/usage) - s1 ))
vbp_result grows $(grep -c "(grow " $T/trace)
vbp_result shrinks $(grep -c "(shrink " $T/trace)
echo 0 > $T/events/power/guest_halt_poll_ns/enable
cat $D/cpu1
rm_ cpuidle_haltpoll_io
rm_ vbp_hints
''' % {"secs": IDLE_SECS}


def _haltpoll_tick(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        r = ctx.vm_ok(k, HALTPOLL_TICK, files=_gov_files(k))
        res = results(r)
        ctx.note("idle CPU 1 under haltpoll (%s): %s ticks/s, %s state-1 "
                 "entries, governor window grew %s and shrank %s times" % (
                     "registered by vbp_haltpoll_gov"
                     if "registered_by_module" in res else "KVM",
                     res["loc_per_s"], res["state1_entries"], res["grows"],
                     res["shrinks"]))
        # The debug kernel (allnoconfig based) ticks periodically: there
        # no idle CPU ever stops its tick, and only the governor's choices
        # tell the fix.
        with open(os.path.join(k.headers, ".config")) as f:
            nohz = "CONFIG_NO_HZ_IDLE=y\n" in f.read()
        if nohz:
            check(int(res["loc_per_s"]) <= HZ // 4,
                  "idle CPU 1 kept its tick: %s ticks/s" % res["loc_per_s"])
        else:
            ctx.note("periodic tick (no CONFIG_NO_HZ_IDLE): tick rate not "
                     "checked")
        check(int(res["state1_entries"]) > 0,
              "the governor never left state 0 on an idle CPU")
        check(int(res["grows"]) > 0 and int(res["shrinks"]) > 0,
              "the governor's poll limit did not adapt (grew %s, shrank %s "
              "times)" % (res["grows"], res["shrinks"]))
    return fn


case("cpuidle/review-rcu-watching/debug", group="debug")(
    _rcu_watching("debug"))
case("cpuidle/review-haltpoll-tick/6.12", group="cpuidle")(
    _haltpoll_tick("6.12"))
case("cpuidle/review-haltpoll-tick/debug", group="debug")(
    _haltpoll_tick("debug"))
