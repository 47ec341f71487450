# SPDX-License-Identifier: GPL-2.0
"""cpuidle_haltpoll_io review findings (issue 13): checks that go with
the fixes in cpuidle/main.c.

- review-rcu-watching: with the function tracer hooked into local_clock()
  (debug kernel: CONFIG_FTRACE_VALIDATE_RCU_IS_WATCHING), our idle
  callback polls in both windows and the tracer never runs while RCU is
  not watching, and lockdep stays on.

The use-after-free on unload (the per-CPU devices freed while the core
still writes them) has no case of its own: percpu memory is not
KASAN-tracked; cpuidle/cycles-* in 50_cpuidle.py exercise the path.
"""

import os

import build
from caselib import case, results

MODS = ("vbp_hints", "cpuidle_haltpoll_io")


def _files(kernel):
    files = {m + ".ko": build.module(kernel, m) for m in MODS}
    files["vbp_hint_inject.ko"] = os.path.join(
        build.test_modules(kernel), "vbp_hint_inject.ko")
    return files


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


case("cpuidle/review-rcu-watching/debug", group="debug")(
    _rcu_watching("debug"))
