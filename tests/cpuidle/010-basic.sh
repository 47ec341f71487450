# SPDX-License-Identifier: GPL-2.0
# description: registration, refusals, parameters, statistics, hotplug, the I/O-aware window
# driver: none
# modules: vbp_hints cpuidle_haltpoll_io
# test-modules: vbp_hint_inject
# lib: cpuidle
# env: SLOW_TIMERS=0
# env[kernel=debug]: SLOW_TIMERS=1
# quick: 6.1 6.12
# group: cpuidle
# tier[kernel=debug]: check
#
# Under QEMU TCG no cpuidle driver is registered, so ours can take the
# system.  The debug kernel (tests/kernel, lockdep, KASAN, ...) catches
# what the Debian kernels would not report.
[ "$(drv)" = none ] || fail "cpuidle driver $(drv) present before the test"
ins cpuidle_haltpoll_io 2>/dev/null && fail "loaded without vbp_hints"
ins vbp_hints || fail "vbp_hints"
ins cpuidle_haltpoll_io || fail "load"
[ "$(drv)" = haltpoll_io ] || fail "current_driver is $(drv)"
[ "$(cat /sys/devices/system/cpu/cpu1/cpuidle/state0/name)" = HALTPOLL_IO ] ||
	fail "state0 name"
[ "$(cat /sys/devices/system/cpu/cpu1/cpuidle/state1/name)" = HALTPOLL_IO_1 ] ||
	fail "state1 name"

# Every governor on offer drives our states.
G=/sys/devices/system/cpu/cpuidle
g0=$(cat $G/current_governor 2>/dev/null || cat $G/current_governor_ro)
# shellcheck disable=SC2013 # one line of names
for g in $(cat $G/available_governors 2>/dev/null); do
	echo "$g" > $G/current_governor || fail "governor $g"
	sleep 0.5
	vbp_log "governor $g: $(cat /sys/devices/system/cpu/cpu1/cpuidle/state*/usage | tr '\n' ' ')"
done
[ -w $G/current_governor ] && echo "$g0" > $G/current_governor
ins cpuidle_haltpoll_io 2>/dev/null && fail "second load succeeded"
rm_ vbp_hints 2>/dev/null && fail "vbp_hints unloaded while in use"

# Parameters: defaults, nonsense refused, sane values taken.
for kv in force=N io_aware=Y allow_shrink=Y poll_max_ns=200000 \
	  io_margin_ns=20000 grow_start_ns=50000 grow=2 shrink=2; do
	[ "$(cat "$P"/${kv%%=*})" = "${kv#*=}" ] || fail "default of $kv: $(cat "$P"/${kv%%=*})"
done
for kv in poll_max_ns=2000001 poll_max_ns=-1 poll_max_ns=abc poll_max_ns= \
	  io_margin_ns=1000001 grow_start_ns=999 grow=0 grow=17 shrink=17 \
	  io_aware=maybe allow_shrink=2; do
	echo "${kv#*=}" > "$P"/${kv%%=*} 2>/dev/null && fail "accepted $kv"
done
[ "$(cat "$P"/poll_max_ns)" = 200000 ] || fail "refused value changed poll_max_ns"
echo 1 > "$P"/force 2>/dev/null && fail "force is writable"
# shellcheck disable=SC2015 # fail when any step fails
echo 150000 > "$P"/poll_max_ns && [ "$(cat "$P"/poll_max_ns)" = 150000 ] || fail "poll_max_ns"
# shellcheck disable=SC2015 # fail when any step fails
echo 0 > "$P"/shrink && echo 1 > "$P"/grow && echo 0 > "$P"/io_aware || fail "set"
# shellcheck disable=SC2015 # fail when any step fails
echo 2 > "$P"/shrink && echo 2 > "$P"/grow && echo 1 > "$P"/io_aware || fail "set back"

# Statistics move and reset.
sleep 1
for c in 0 1; do
	[ "$(st $c entries)" -gt 0 ] || fail "cpu$c: no idle entries"
	[ "$(st $c halts)" -gt 0 ] || fail "cpu$c: no halts"
done
cat "$D"/cpu1
echo 0 > "$D"/cpu1 2>/dev/null && fail "cpu1 is writable"
for bad in 0-99999 x "" 1-; do
	echo "$bad" > "$D"/reset 2>/dev/null && fail "reset accepted '$bad'"
done
echo 1 > "$D"/reset || fail "reset"
[ "$(st 1 entries)" -lt 1000 ] || fail "reset did not reset"

# CPU hotplug: the device goes and comes back with the CPU.
echo 0 > /sys/devices/system/cpu/cpu1/online || fail "offline cpu1"
echo 1 > "$D"/reset || fail "reset offline cpu"
sleep 0.3
echo 1 > /sys/devices/system/cpu/cpu1/online || fail "online cpu1"
sleep 0.5
[ "$(st 1 entries)" -gt 0 ] || fail "cpu1 not idling in our state after online"

# I/O-aware window with a simulated 100 us device on CPU 1, then A/B.
# Generous bounds: under TCG (and a debug kernel) timers run late.
# shellcheck disable=SC2015 # fail when any step fails
echo 2000000 > "$P"/poll_max_ns && echo 200000 > "$P"/io_margin_ns || fail "bounds"
echo 1 > "$D"/reset
ins vbp_hint_inject "cpu=1 loops=300 service_us=100" || fail "inject"
rm_ vbp_hint_inject
cat "$D"/cpu1
io=$(st 1 io_polls); iow=$(st 1 io_wakeups)
[ "$io" -gt 0 ] || fail "no I/O-aware polls"
# The debug kernel under TCG fires the timer milliseconds late, beyond
# any window: there a caught wakeup is luck, not a requirement.
[ "$iow" -gt 0 ] || [ "$SLOW_TIMERS" = 1 ] ||
	fail "no I/O-aware poll caught its wakeup"
vbp_result io_polls "$io"
vbp_result io_wakeups "$iow"
echo 0 > "$P"/io_aware
echo 1 > "$D"/reset
ins vbp_hint_inject "cpu=1 loops=300 service_us=100" || fail "inject A/B"
rm_ vbp_hint_inject
[ "$(st 1 io_polls)" = 0 ] || fail "io_aware=0 still polled for I/O"
echo 1 > "$P"/io_aware
# shellcheck disable=SC2015 # fail when any step fails
echo 200000 > "$P"/poll_max_ns && echo 20000 > "$P"/io_margin_ns || fail "bounds"

# Requests that never complete (lost to a reset, completed elsewhere): the
# idle CPU resets the stale hints after 10 ms of quiet.
echo 1 > "$D"/reset
ins vbp_hint_inject "action=leak cpu=1 loops=5" || fail "leak"
rm_ vbp_hint_inject
sleep 0.5
[ "$(st 1 resyncs)" -gt 0 ] || fail "stale hints not reset"
[ "$(st 1 hint_inflight)" = 0 ] || fail "hint_inflight $(st 1 hint_inflight)"
dmesg | grep vbp_hint_inject

rm_ cpuidle_haltpoll_io || fail "unload"
[ "$(drv)" = none ] || fail "driver left behind: $(drv)"

# Another cpuidle driver owns the system: refused, with its name.
ins vbp_hint_inject action=conflict || fail "conflict driver"
ins cpuidle_haltpoll_io 2>/dev/null && fail "loaded next to another driver"
dmesg | grep -q 'cpuidle driver "vbp_test_idle" already owns' ||
	fail "no message naming the other driver"
rm_ vbp_hint_inject
ins cpuidle_haltpoll_io || fail "reload"
ins vbp_hint_inject action=conflict 2>/dev/null && fail "conflict loaded over ours"
rm_ cpuidle_haltpoll_io
rm_ vbp_hints || fail "unload vbp_hints"
echo basic-ok
