# SPDX-License-Identifier: GPL-2.0
"""cpuidle_haltpoll_io.ko and vbp_hints.ko in a guest: registration,
refusals (second load, another cpuidle driver, idle=, no hypervisor),
parameter validation, statistics, CPU hotplug, the I/O-aware window with
a simulated device, and load/unload cycles in any order during fio on the
stock virtio_blk.  Under QEMU TCG no cpuidle driver is registered, so ours
can take the system."""

import os

import vm
from caselib import KERNELS, Fail, case, fio_job, module_files, results
from vm import Disk

MODS = ("vbp_hints", "cpuidle_haltpoll_io")


def _files(ctx, kernel, inject=True):
    return module_files(kernel, MODS, ("vbp_hint_inject",) if inject else ())


LIB = r'''
P=/sys/module/cpuidle_haltpoll_io/parameters
D=/sys/kernel/debug/cpuidle_haltpoll_io
CUR=/sys/devices/system/cpu/cpuidle/current_driver
ins() { /usr/sbin/insmod /in/$1.ko $2; }
rm_() { /usr/sbin/rmmod $1; }
st() { awk -v k="$2" '$1 == k { print $2 }' $D/cpu$1; }
drv() { cat $CUR; }
'''

BASIC = LIB + r'''
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
for g in $(cat $G/available_governors 2>/dev/null); do
	echo $g > $G/current_governor || fail "governor $g"
	sleep 0.5
	vbp_log "governor $g: $(cat /sys/devices/system/cpu/cpu1/cpuidle/state*/usage | tr '\n' ' ')"
done
[ -w $G/current_governor ] && echo $g0 > $G/current_governor
ins cpuidle_haltpoll_io 2>/dev/null && fail "second load succeeded"
rm_ vbp_hints 2>/dev/null && fail "vbp_hints unloaded while in use"

# Parameters: defaults, nonsense refused, sane values taken.
for kv in force=N io_aware=Y allow_shrink=Y poll_max_ns=200000 \
	  io_margin_ns=20000 grow_start_ns=50000 grow=2 shrink=2; do
	[ "$(cat $P/${kv%%=*})" = "${kv#*=}" ] || fail "default of $kv: $(cat $P/${kv%%=*})"
done
for kv in poll_max_ns=2000001 poll_max_ns=-1 poll_max_ns=abc poll_max_ns= \
	  io_margin_ns=1000001 grow_start_ns=999 grow=0 grow=17 shrink=17 \
	  io_aware=maybe allow_shrink=2; do
	echo "${kv#*=}" > $P/${kv%%=*} 2>/dev/null && fail "accepted $kv"
done
[ "$(cat $P/poll_max_ns)" = 200000 ] || fail "refused value changed poll_max_ns"
echo 1 > $P/force 2>/dev/null && fail "force is writable"
echo 150000 > $P/poll_max_ns && [ "$(cat $P/poll_max_ns)" = 150000 ] || fail "poll_max_ns"
echo 0 > $P/shrink && echo 1 > $P/grow && echo 0 > $P/io_aware || fail "set"
echo 2 > $P/shrink && echo 2 > $P/grow && echo 1 > $P/io_aware || fail "set back"

# Statistics move and reset.
sleep 1
for c in 0 1; do
	[ "$(st $c entries)" -gt 0 ] || fail "cpu$c: no idle entries"
	[ "$(st $c halts)" -gt 0 ] || fail "cpu$c: no halts"
done
cat $D/cpu1
echo 0 > $D/cpu1 2>/dev/null && fail "cpu1 is writable"
for bad in 0-99999 x "" 1-; do
	echo "$bad" > $D/reset 2>/dev/null && fail "reset accepted '$bad'"
done
echo 1 > $D/reset || fail "reset"
[ "$(st 1 entries)" -lt 1000 ] || fail "reset did not reset"

# CPU hotplug: the device goes and comes back with the CPU.
echo 0 > /sys/devices/system/cpu/cpu1/online || fail "offline cpu1"
echo 1 > $D/reset || fail "reset offline cpu"
sleep 0.3
echo 1 > /sys/devices/system/cpu/cpu1/online || fail "online cpu1"
sleep 0.5
[ "$(st 1 entries)" -gt 0 ] || fail "cpu1 not idling in our state after online"

# I/O-aware window with a simulated 100 us device on CPU 1, then A/B.
# Generous bounds: under TCG (and a debug kernel) timers run late.
echo 2000000 > $P/poll_max_ns && echo 200000 > $P/io_margin_ns || fail "bounds"
echo 1 > $D/reset
ins vbp_hint_inject "cpu=1 loops=300 service_us=100" || fail "inject"
rm_ vbp_hint_inject
cat $D/cpu1
io=$(st 1 io_polls); iow=$(st 1 io_wakeups)
[ "$io" -gt 0 ] || fail "no I/O-aware polls"
# The debug kernel under TCG fires the timer milliseconds late, beyond
# any window: there a caught wakeup is luck, not a requirement.
[ "$iow" -gt 0 ] || [ "$SLOW_TIMERS" = 1 ] ||
	fail "no I/O-aware poll caught its wakeup"
vbp_result io_polls $io
vbp_result io_wakeups $iow
echo 0 > $P/io_aware
echo 1 > $D/reset
ins vbp_hint_inject "cpu=1 loops=300 service_us=100" || fail "inject A/B"
rm_ vbp_hint_inject
[ "$(st 1 io_polls)" = 0 ] || fail "io_aware=0 still polled for I/O"
echo 1 > $P/io_aware
echo 200000 > $P/poll_max_ns && echo 20000 > $P/io_margin_ns || fail "bounds"

# Requests that never complete (lost to a reset, completed elsewhere): the
# idle CPU resets the stale hints after 10 ms of quiet.
echo 1 > $D/reset
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
'''

CYCLES = LIB + r'''
vbp_wait_dev $DEV
fio --name=bg --filename=$DEV --direct=1 --rw=randrw --bs=4k \
	--ioengine=libaio --iodepth=4 --size=32M --time_based --runtime=600 \
	--output-format=json \
	--output=$VBP_OUT/fio-bg.json > /dev/null 2>&1 &
fpid=$!
sleep 2
i=0
while [ $i -lt 20 ]; do
	kill -0 $fpid 2>/dev/null || fail "fio died in cycle $i"
	case $((i % 4)) in
	0) ins vbp_hints || fail "vbp_hints $i"
	   ins cpuidle_haltpoll_io "poll_max_ns=$((50000 + i * 5000))" || fail "load $i" ;;
	1|2) ins cpuidle_haltpoll_io || fail "load $i" ;;
	3) ins cpuidle_haltpoll_io io_aware=0 || fail "load $i" ;;
	esac
	[ "$(drv)" = haltpoll_io ] || fail "cycle $i: driver $(drv)"
	ins vbp_hint_inject "cpu=$((i % 2)) loops=20 service_us=50" || fail "inject $i"
	rm_ vbp_hint_inject
	if [ $((i % 4)) = 2 ]; then
		echo 0 > /sys/devices/system/cpu/cpu1/online || fail "offline $i"
		sleep 0.2
		echo 1 > /sys/devices/system/cpu/cpu1/online || fail "online $i"
	fi
	sleep 0.3
	rm_ cpuidle_haltpoll_io || fail "unload $i"
	[ "$(drv)" = none ] || fail "cycle $i: left $(drv)"
	[ $((i % 4)) = 3 ] && { rm_ vbp_hints || fail "vbp_hints unload $i"; }
	i=$((i + 1))
done
kill -INT $fpid
wait $fpid	# exits non-zero when stopped by a signal; judged by its JSON
grep -q '"error" : 0,' $VBP_OUT/fio-bg.json || fail "fio reported an error"
grep -q '"io_bytes" : [1-9]' $VBP_OUT/fio-bg.json || fail "fio moved no data"
echo cycles-ok
'''

REFUSE_IDLE = LIB + r'''
ins vbp_hints || fail "vbp_hints"
ins cpuidle_haltpoll_io 2>/dev/null && fail "loaded despite idle="
dmesg | grep -q "idle= on the kernel command line" || fail "no idle= message"
rm_ vbp_hints
'''

REFUSE_BARE = LIB + r'''
grep -qw hypervisor /proc/cpuinfo && fail "guest still sees a hypervisor"
ins vbp_hints || fail "vbp_hints"
ins cpuidle_haltpoll_io 2>/dev/null && fail "loaded without a hypervisor"
dmesg | grep -q "not running under a hypervisor" || fail "no message"
ins cpuidle_haltpoll_io force=1 || fail "force=1 refused"
[ "$(drv)" = haltpoll_io ] || fail "force=1: driver $(drv)"
sleep 0.5
rm_ cpuidle_haltpoll_io || fail "unload"
rm_ vbp_hints
'''


def _basic(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        script = ("SLOW_TIMERS=%d\n" % (kernel == "debug")) + BASIC
        r = ctx.vm_ok(k, script, files=_files(ctx, k))
        res = r.read("results.txt", "")
        ctx.note(" ".join(res.split()))
        for ln in r.read("guest.log", "").splitlines():
            if "wake delay" in ln:
                ctx.note(ln.split("] ", 1)[-1])
    return fn


def _cycles(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        files = _files(ctx, k)
        if kernel != "debug":
            ctx.vm_ok(k, "DEV=/dev/vda\n" + CYCLES, driver="stock",
                      files=files, disks=[Disk(size="64M", num_queues=2)],
                      timeout=600)
            return
        # The debug kernel has no virtio_blk: the I/O runs on NVMe.
        load = "DEV=/dev/nvme0n1\n"
        for rel in vm.module_closure(k.moddir, ["nvme"]):
            name = os.path.basename(rel)
            if not name.endswith(".ko"):
                raise Fail("compressed module %s not supported here" % rel)
            files[name] = os.path.join(k.moddir, rel)
            load += "/usr/sbin/insmod /in/%s || fail %s\n" % (name, name)
        ctx.vm_ok(k, load + CYCLES, files=files,
                  disks=[Disk(size="64M", model="nvme", serial="vbp0")],
                  timeout=600)
    return fn


def _refuse_idle(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        ctx.vm_ok(k, REFUSE_IDLE, files=_files(ctx, k, inject=False),
                  append="idle=halt")
    return fn


def _refuse_bare(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        r = ctx.vm(k, REFUSE_BARE, files=_files(ctx, k, inject=False),
                   extra_args=["-cpu", "max,hypervisor=off"])
        if not r.ok:
            raise Fail(r.summary())
    return fn


# The debug kernel (tests/kernel, lockdep, KASAN, ...) catches what the
# Debian kernels would not report.
case("cpuidle/basic/debug", group="cpuidle")(_basic("debug"))
case("cpuidle/cycles-during-fio/debug", group="cpuidle")(_cycles("debug"))

for _k in KERNELS:
    case("cpuidle/basic/" + _k, quick=True, group="cpuidle")(_basic(_k))
    case("cpuidle/cycles-during-fio/" + _k, group="cpuidle")(_cycles(_k))
    case("cpuidle/refuse-idle-param/" + _k, group="cpuidle")(_refuse_idle(_k))
    case("cpuidle/refuse-bare-metal/" + _k, group="cpuidle")(_refuse_bare(_k))


# Our virtio_blk as the producer of the hints.  It counts nothing while no
# consumer is loaded (the service time average stays 0); with
# cpuidle_haltpoll_io loaded, QD1 interrupt-driven I/O must open I/O-aware
# polls that end with the completion's wakeup, and the per-CPU in-flight
# count must drain back to 0.  Removing the consumer stops the counting
# again, and the modules unload in any order afterwards.
HINTS = LIB + r'''
vbp_wait_dev /dev/vda
qd1() {	# qd1 NAME SECONDS
	vbp_fio $1 --name=$1 --filename=/dev/vda --direct=1 --rw=randread \
		--bs=4k --iodepth=1 --ioengine=io_uring --time_based \
		--runtime=$2 --size=32M
}
svc() { for c in 0 1; do st $c hint_service_ns; done | tr '\n' ' '; }
sum() { echo $(( $(st 0 $1) + $(st 1 $1) )); }
qd1 before 2
ins cpuidle_haltpoll_io || fail "load cpuidle_haltpoll_io"
[ "$(svc)" = "0 0 " ] || fail "hints counted with no consumer: service_ns $(svc)"
echo all > $D/reset
qd1 hinted 4
vbp_result io_polls $(sum io_polls)
vbp_result io_wakeups $(sum io_wakeups)
vbp_result io_completions $(sum io_completions)
vbp_result service_ns "$(svc)"
sleep 0.5
for c in 0 1; do
	[ "$(st $c hint_inflight)" = 0 ] || fail "cpu$c: $(st $c hint_inflight) hinted requests still in flight"
done
[ "$(sum io_polls)" -gt 0 ] || fail "no I/O-aware poll during QD1 I/O"
[ $(( $(sum io_wakeups) + $(sum io_completions) )) -gt 0 ] ||
	fail "no I/O-aware poll ended by the completion"
rm_ cpuidle_haltpoll_io || fail "unload cpuidle_haltpoll_io"
qd1 after 2
ins cpuidle_haltpoll_io || fail "reload cpuidle_haltpoll_io"
vbp_result service_after "$(svc)"
rm_ cpuidle_haltpoll_io || fail "unload cpuidle_haltpoll_io again"
rm_ vbp_hints 2>/dev/null && fail "vbp_hints unloaded under virtio_blk"
vbp_unload
rm_ vbp_hints || fail "unload vbp_hints"
'''


def _hints(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        r = ctx.vm_ok(k, HINTS, driver="ours",
                      files=_files(ctx, k, inject=False),
                      disks=[Disk(size="64M", num_queues=2)])
        res = results(r)
        if res.get("service_after") != res.get("service_ns"):
            raise Fail("hints changed while no consumer was loaded: %s -> %s"
                       % (res.get("service_ns"), res.get("service_after")))
        ios = sum(fio_ios(r, "hinted"))
        ctx.note("%d QD1 I/Os: %s I/O-aware polls, %s ended by a wakeup, "
                 "%s by a completion; service time per CPU %sns" % (
                     ios, res.get("io_polls"), res.get("io_wakeups"),
                     res.get("io_completions"), res.get("service_ns")))
    return fn


def fio_ios(r, name):
    job = fio_job(r, name)
    return job["read"]["total_ios"], job["write"]["total_ios"]


for _k in KERNELS + ("debug",):
    case("cpuidle/hints-from-virtio_blk/" + _k,
         group="debug" if _k == "debug" else "cpuidle")(_hints(_k))


# 50 load/unload cycles of cpuidle_haltpoll_io while fio runs on our
# virtio_blk, which feeds the hints all along: the counts must stay
# consistent (no hinted request left in flight once the I/O stops) and
# fio must see no error.
CYCLES_OURS = LIB + r'''
vbp_wait_dev /dev/vda
fio --name=bg --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--ioengine=io_uring --iodepth=1 --size=32M --time_based --runtime=600 \
	--output-format=json --output=$VBP_OUT/fio-bg.json > /dev/null 2>&1 &
fpid=$!
sleep 2
i=0
while [ $i -lt 50 ]; do
	kill -0 $fpid 2>/dev/null || fail "fio died in cycle $i"
	if [ $((i % 5)) = 4 ]; then
		ins cpuidle_haltpoll_io io_aware=0 || fail "load $i"
	else
		ins cpuidle_haltpoll_io || fail "load $i"
	fi
	[ "$(drv)" = haltpoll_io ] || fail "cycle $i: driver $(drv)"
	sleep 0.$((i % 5 + 1))
	rm_ cpuidle_haltpoll_io || fail "unload $i"
	[ "$(drv)" = none ] || fail "cycle $i: left $(drv)"
	i=$((i + 1))
done
kill -INT $fpid
wait $fpid
grep -q '"error" : 0,' $VBP_OUT/fio-bg.json || fail "fio reported an error"
grep -q '"io_bytes" : [1-9]' $VBP_OUT/fio-bg.json || fail "fio moved no data"
ins cpuidle_haltpoll_io || fail "final load"
sleep 1
for c in 0 1; do
	[ "$(st $c hint_inflight)" = 0 ] ||
		fail "cpu$c: $(st $c hint_inflight) hinted requests in flight when idle"
done
rm_ cpuidle_haltpoll_io
vbp_fio check --name=check --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --size=8M --verify=crc32c --verify_fatal=1 --ioengine=libaio \
	--iodepth=4
'''


def _cycles_ours(kernel):
    def fn(ctx):
        k = ctx.kernel(kernel)
        ctx.vm_ok(k, CYCLES_OURS, driver="ours",
                  files=_files(ctx, k, inject=False),
                  disks=[Disk(size="64M", num_queues=2)], timeout=600)
    return fn


for _k in KERNELS + ("debug",):
    case("cpuidle/cycles-with-our-driver/" + _k,
         group="debug" if _k == "debug" else "cpuidle")(_cycles_ours(_k))
