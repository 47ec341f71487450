# SPDX-License-Identifier: GPL-2.0
# description: our idle callback polls under the function tracer with RCU watching
# kernels: debug
# driver: none
# modules: vbp_hints cpuidle_haltpoll_io
# test-modules: vbp_hint_inject
# lib: cpuidle cpuidle-review
# group: debug
# tier[kernel=debug]: check
#
# Review finding of issue 13 (cpuidle/main.c): with the function tracer
# hooked into local_clock() (debug kernel:
# CONFIG_FTRACE_VALIDATE_RCU_IS_WATCHING), our idle callback polls in both
# windows and the tracer never runs while RCU is not watching, and lockdep
# stays on.  A classic window that opens at 2 ms and never shrinks, so
# that most idle entries poll (and read the clock in the loop) even under
# TCG.
mount -t tracefs tracefs "$T" || fail "mount tracefs"
grep -qx local_clock "$T"/available_filter_functions ||
	fail "local_clock is not traceable on this kernel"
ins vbp_hints
ins cpuidle_haltpoll_io "poll_max_ns=2000000 grow_start_ns=2000000 allow_shrink=0"
echo local_clock > "$T"/set_ftrace_filter || fail "set_ftrace_filter"
echo function > "$T"/current_tracer || fail "function tracer"
inject
echo 0 > "$P"/io_aware
inject
sleep 0.5
grep -q "local_clock <-" "$T"/trace || fail "the tracer saw no local_clock call"
echo nop > "$T"/current_tracer
echo > "$T"/set_ftrace_filter
cat "$D"/cpu1
io=$(st 1 io_polls); polls=$(st 1 polls)
vbp_result io_polls "$io"
vbp_result classic_polls $((polls - io))
[ "$io" -gt 0 ] || fail "no I/O-aware poll while traced"
[ $((polls - io)) -gt 0 ] || fail "no classic-window poll while traced"
rm_ cpuidle_haltpoll_io
rm_ vbp_hints
dmesg | grep "RCU not on for" && fail "traced code ran while RCU was not watching"
grep -Eq "debug_locks: +1$" /proc/lockdep_stats || fail "lockdep turned itself off"
echo rcu-watching-ok
