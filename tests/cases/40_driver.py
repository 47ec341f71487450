# SPDX-License-Identifier: GPL-2.0
"""Our virtio_blk in the VM: data integrity over the ring/queue/poll
matrix, polled I/O without interrupts, device features, queue maps and
parameter validation.  Every case runs on both Debian kernels."""

import os
import re

from caselib import (KERNELS, RESIZE_SCRIPT, ROOT, case, check, disk_iops,
                     fio_job, host_steps, resize_when_ready, results, run)
from vm import Disk

# fio write + crc32c verify, then a read-back of the same pattern from a
# fresh process.  $ENGINE is the engine for the random 4k job; the poll
# configurations use io_uring with --hipri=1.
VERIFY = r'''
vbp_wait_dev /dev/vda
common="--filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1"
i0=$(vbp_disk_irqs vda)
vbp_stats_reset vda
vbp_fio rand4k --name=rand4k $common --rw=randwrite --bs=4k --size=16M \
	$ENGINE --iodepth=8
i1=$(vbp_disk_irqs vda)
vbp_result rand4k_irqs $((i1 - i0))
vbp_result rand4k_polls $(vbp_stat vda polls)
vbp_result rand4k_poll_completions $(vbp_stat vda poll_completions)
vbp_result rand4k_submitted $(vbp_stat vda submitted)
vbp_fio seq128k --name=seq128k $common --rw=write --bs=128k --size=24M \
	--offset=32M --ioengine=libaio --iodepth=4
vbp_fio readback --name=rand4k $common --rw=randwrite --bs=4k --size=16M \
	--ioengine=psync --verify_only=1
grep -H . /sys/block/vda/mq/*/cpu_list
'''


def _verify(kernel, packed, nq, poll):
    def fn(ctx):
        params = "poll_queues=%d" % poll
        # A disk with one queue cannot give one up for polling.
        polled = poll and nq > 1
        engine = "--ioengine=io_uring --hipri=1" if polled else \
            "--ioengine=libaio"
        r = ctx.vm_ok(kernel, VERIFY, driver="ours", params=params,
                      env={"ENGINE": engine},
                      disks=[Disk(size="64M", packed=packed, num_queues=nq)])
        res = results(r)
        for name in ("rand4k", "seq128k", "readback"):
            check(fio_job(r, name)["error"] == 0, "%s: fio error" % name)
        ios = fio_job(r, "rand4k")["write"]["total_ios"] + \
            fio_job(r, "rand4k")["read"]["total_ios"]
        check(ios >= 4096, "rand4k did only %d I/Os" % ios)
        check(fio_job(r, "readback")["read"]["io_bytes"] >= 16 << 20,
              "read-back verified too little")
        irqs = int(res["rand4k_irqs"])
        polls = int(res["rand4k_polls"])
        pc = int(res["rand4k_poll_completions"])
        if polled:
            check(irqs == 0, "polled I/O raised %d interrupts" % irqs)
            check(polls > 0 and pc >= ios,
                  "poll counters: %d polls, %d completions for %d I/Os"
                  % (polls, pc, ios))
            ctx.note("%d polled I/Os, 0 interrupts, %.2f completions/poll"
                     % (ios, pc / polls))
        else:
            check(irqs > 0, "interrupt-driven I/O raised no interrupts")
            check(pc == 0, "irq queues reported %d poll completions" % pc)
        if poll and nq == 1:
            check("poll_queues=1 reduced to 0" in r.console,
                  "no warning that a 1-queue disk cannot poll")
    return fn


for _k in KERNELS:
    for _ring in ("split", "packed"):
        for _nq in (1, 2):
            for _poll in (0, 1):
                case("driver/verify/%s/%s/nq%d/poll%d" % (_k, _ring, _nq,
                                                          _poll),
                     quick=(_nq == 2 and _poll == 1 and _ring == "split"),
                     group="driver")(
                    _verify(_k, _ring == "packed", _nq, _poll))


RELOAD = r'''
vbp_wait_dev /dev/vda
c="--name=pat --filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1 --rw=randwrite --bs=4k --size=16M"
vbp_fio write $c --ioengine=libaio --iodepth=8
vbp_unload
[ -b /dev/vda ] && fail "/dev/vda still there after unload"
vbp_load_ours poll_queues=1
vbp_wait_dev /dev/vda
vbp_fio verify $c --ioengine=io_uring --hipri=1 --verify_only=1
'''


def _reload(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, RELOAD, driver="ours",
                      disks=[Disk(size="64M", num_queues=2)])
        check(fio_job(r, "verify")["read"]["io_bytes"] >= 16 << 20,
              "verify after reload read too little")
    return fn


FEATURES = r'''
vbp_wait_dev /dev/vda
[ "$(cat /sys/block/vda/serial)" = "VBP-SERIAL-42" ] ||
	fail "serial is '$(cat /sys/block/vda/serial)'"
sz=$((4 * 1024 * 1024))
# discard reads back zeros
fio --name=fill --filename=/dev/vda --rw=write --bs=64k --size=$sz \
	--direct=1 --buffer_pattern=0xa5 >/dev/null || fail "fill"
cmp -n $sz /dev/vda /dev/zero >/dev/null 2>&1 && fail "fill left zeros"
/usr/sbin/blkdiscard -o 0 -l $sz /dev/vda || fail "blkdiscard"
cmp -n $sz /dev/vda /dev/zero || fail "discarded range is not zero"
# write-zeroes reads back zeros
fio --name=fill --filename=/dev/vda --rw=write --bs=64k --size=$sz \
	--offset=$sz --direct=1 --buffer_pattern=0x5a >/dev/null || fail "fill2"
/usr/sbin/blkdiscard -z -o $sz -l $sz /dev/vda || fail "blkdiscard -z"
dd if=/dev/vda bs=1M skip=4 count=4 2>/dev/null | cmp - /dev/zero -n $sz ||
	fail "write-zeroes range is not zero"
cat /sys/block/vda/queue/discard_max_bytes /sys/block/vda/queue/write_zeroes_max_bytes
cat /sys/block/vda/cache_type
echo "write through" > /sys/block/vda/cache_type || fail "set cache_type"
[ "$(cat /sys/block/vda/cache_type)" = "write through" ] || fail "cache_type"
echo "write back" > /sys/block/vda/cache_type || fail "set cache_type back"
'''


def _features(kernel):
    def fn(ctx):
        ctx.vm_ok(kernel, FEATURES, driver="ours",
                  disks=[Disk(size="64M", serial="VBP-SERIAL-42",
                              discard=True, write_zeroes=True)])
    return fn


READONLY = r'''
vbp_wait_dev /dev/vda
[ "$(cat /sys/block/vda/ro)" = 1 ] || fail "disk not read-only"
dd if=/dev/vda of=/dev/null bs=4k count=16 || fail "read failed"
if out=$(dd if=/dev/zero of=/dev/vda bs=4k count=1 oflag=direct 2>&1); then
	fail "write to a read-only disk succeeded"
fi
echo "$out"
echo "$out" | grep -qE "Read-only|not permitted" || fail "unexpected: $out"
'''


def _readonly(kernel):
    def fn(ctx):
        ctx.vm_ok(kernel, READONLY, driver="ours",
                  disks=[Disk(size="16M", readonly=True)])
    return fn


RESIZE = RESIZE_SCRIPT + r'''
vbp_fio tail --name=tail --filename=/dev/vda --direct=1 --rw=write \
	--bs=64k --offset=64M --size=32M --verify=crc32c --ioengine=libaio
'''


def _resize(kernel):
    def fn(ctx):
        ctx.vm_ok(kernel, RESIZE, driver="ours", disks=[Disk(size="64M")],
                  during=resize_when_ready)
    return fn


SMALLRING = r'''
vbp_wait_dev /dev/vda
cat /sys/block/vda/queue/logical_block_size
[ "$(cat /sys/block/vda/queue/logical_block_size)" = "$LBS" ] ||
	fail "logical block size $(cat /sys/block/vda/queue/logical_block_size)"
vbp_fio v --name=v --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=$BS --size=8M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --iodepth=16 $HIPRI
'''


def _lbs4k(kernel):
    def fn(ctx):
        ctx.vm_ok(kernel, SMALLRING, driver="ours",
                  env={"LBS": 4096, "BS": "16k", "HIPRI": ""},
                  disks=[Disk(size="64M", logical_block_size=4096,
                              physical_block_size=4096)])
    return fn


def _qsize4(kernel, packed):
    def fn(ctx):
        ctx.vm_ok(kernel, SMALLRING, driver="ours", params="poll_queues=1",
                  env={"LBS": 512, "BS": "4k", "HIPRI": "--hipri=1"},
                  disks=[Disk(size="64M", queue_size=4, packed=packed,
                              num_queues=2)])
    return fn


# CPU -> hardware queue maps.  hctx directories are numbered default maps
# first, then poll; every CPU must appear exactly once in each map.
MAPS = r'''
vbp_wait_dev /dev/vda
for d in /sys/block/vda/mq/*; do
	echo "$(basename $d): $(cat $d/cpu_list)"
done > /out/maps.txt
cat /out/maps.txt
'''


def _maps(kernel, smp, nq, poll, want_default, want_poll):
    def fn(ctx):
        r = ctx.vm_ok(kernel, MAPS, driver="ours",
                      params="poll_queues=%d" % poll, smp=smp,
                      disks=[Disk(size="16M", num_queues=nq)])
        rows = {}
        for ln in r.read("maps.txt").splitlines():
            h, _, cpus = ln.partition(":")
            rows[int(h)] = sorted(int(c) for c in
                                  cpus.replace(",", " ").split())
        hctxs = sorted(rows)
        check(len(hctxs) == want_default + want_poll,
              "expected %d+%d hardware queues, got %s" % (
                  want_default, want_poll, rows))
        for name, ids in (("default", hctxs[:want_default]),
                          ("poll", hctxs[want_default:])):
            if not ids:
                continue
            seen = sorted(c for h in ids for c in rows[h])
            check(seen == list(range(smp)),
                  "%s map covers CPUs %s, want each of 0..%d once: %s"
                  % (name, seen, smp - 1, rows))
            sizes = [len(rows[h]) for h in ids]
            check(max(sizes) - min(sizes) <= 1,
                  "%s map is uneven: %s" % (name, rows))
        ctx.note("smp=%d num-queues=%d poll_queues=%d: %s" % (
            smp, nq, poll, rows))
    return fn


MAP_CASES = [
    # smp, device queues, poll_queues, default hctxs, poll hctxs
    (2, 2, 0, 2, 0),
    (2, 1, 0, 1, 0),
    (2, 2, 1, 1, 1),
    (4, 4, 2, 2, 2),
    (4, 2, 0, 2, 0),
    (2, 4, 0, 2, 0),        # more device queues than CPUs
    (2, 1, 1, 1, 0),        # cannot poll with one queue
]

for _k in KERNELS:
    case("driver/reload-keeps-data/" + _k, group="driver")(_reload(_k))
    case("driver/features/" + _k, quick=(_k == "6.12"),
         group="driver")(_features(_k))
    case("driver/readonly/" + _k, group="driver")(_readonly(_k))
    case("driver/qmp-resize/" + _k, group="driver")(_resize(_k))
    case("driver/lbs4096/" + _k, group="driver")(_lbs4k(_k))
    case("driver/queue-size4-packed/" + _k,
         group="driver")(_qsize4(_k, True))
    case("driver/queue-size4-split/" + _k,
         group="driver")(_qsize4(_k, False))
    for _m in MAP_CASES:
        case("driver/cpu-map/%s/smp%d-nq%d-poll%d" % ((_k,) + _m[:3]),
             quick=(_m == (4, 4, 2, 2, 2) and _k == "6.12"),
             group="driver")(_maps(_k, *_m))


# Bad and odd parameter values at load time: never refused (a bad option
# in the initramfs must not cost the root disk), but ignored or clamped
# with a message naming the value, and a working disk.  At run time text
# is refused, values out of range clamped.  Never a crash.
PARAMS = r'''
ko=/in/virtio_blk.ko
p=/sys/module/virtio_blk/parameters
vbp_load_hints
accept() {	# accept "message" "[param:]key=value" params...
	msg=$1; want=$2; shift 2
	dmesg -c >/dev/null
	/usr/sbin/insmod $ko "$@" || fail "insmod $* refused"
	vbp_wait_dev /dev/vda
	[ -z "$msg" ] || dmesg | grep -q "$msg" ||
		{ dmesg | tail; fail "no '$msg' for $*"; }
	k=${want%%=*}; v=${want#*=}
	case $k in
	param:*) k=${k#param:}; got=$(cat $p/$k) ;;
	*) got=$(vbp_devstat vda $k) ;;
	esac
	[ "$got" = "$v" ] || fail "$*: $k is $got, want $v"
	fio --name=q --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
		--size=2M --verify=crc32c --verify_fatal=1 --iodepth=8 \
		--ioengine=libaio >/dev/null || fail "I/O failed with $*"
	/usr/sbin/rmmod virtio_blk || fail "rmmod after $*"
	vbp_log "accepted $*: $k=$got"
}
accept "'-1' is not an unsigned integer, ignored" poll_queues=0 poll_queues=-1
accept "'abc' is not an unsigned integer, ignored" poll_queues=0 poll_queues=abc
accept "'' is not an unsigned integer, ignored" poll_queues=0 poll_queues
accept "'1x' is not an unsigned integer, ignored" default_queues=2 \
	num_request_queues=1x
accept "'-4' is not an unsigned integer, ignored" queue_depth=256 \
	queue_depth=-4
accept "exceeds the block layer maximum, using 10240" param:queue_depth=10240 \
	queue_depth=100000
accept "exceeds the maximum in seconds, using 3600" param:io_timeout=3600 \
	io_timeout=99999
accept "exceeds the" poll_queues=1 poll_queues=1000
accept "exceeds the" default_queues=2 num_request_queues=4000000000
accept "" default_queues=1 num_request_queues=1
accept "reduced to" poll_queues=1 poll_queues=2
accept "" queue_depth=1 queue_depth=1
accept "" queue_depth=3 queue_depth=3
accept "capped at the virtqueue size" queue_depth=256 queue_depth=5000
accept "" queue_depth=256 queue_depth=0
accept "" default_queues=2 io_timeout=0
# Run time: text is refused, a value out of range lowered.
/usr/sbin/insmod $ko || fail "plain insmod"
vbp_wait_dev /dev/vda
echo -1 > $p/poll_queues 2>/dev/null && fail "runtime poll_queues=-1 accepted"
echo 5000 > $p/io_timeout || fail "runtime io_timeout=5000 refused"
[ "$(cat $p/io_timeout)" = 3600 ] || fail "io_timeout=5000 reads $(cat $p/io_timeout)"
echo 1 > $p/poll_queues || fail "runtime poll_queues=1 refused"
[ "$(cat $p/poll_queues)" = 1 ] || fail "poll_queues reads $(cat $p/poll_queues)"
'''


def _params(kernel):
    def fn(ctx):
        ctx.vm_ok(kernel, PARAMS, files={
            "virtio_blk.ko": __import__("build").module(
                ctx.kernel(kernel), "virtio_blk"),
            "vbp_hints.ko": __import__("build").module(
                ctx.kernel(kernel), "vbp_hints")},
            disks=[Disk(size="16M", num_queues=2, queue_size=256)])
    return fn


for _k in KERNELS:
    case("driver/params/" + _k, quick=(_k == "6.1"),
         group="driver")(_params(_k))


# The same checks on the debug kernel (KASAN, lockdep, atomic-sleep and
# hung-task detection): any report fails the run.
for _ring in ("split", "packed"):
    for _poll in (0, 1):
        case("driver/verify/debug/%s/nq2/poll%d" % (_ring, _poll),
             group="debug")(_verify("debug", _ring == "packed", 2, _poll))
case("driver/reload-keeps-data/debug", group="debug")(_reload("debug"))
case("driver/features/debug", group="debug")(_features("debug"))
case("driver/params/debug", group="debug")(_params("debug"))


# Removal with I/O in flight: unbind the device from the driver while fio
# runs (on the poll queues with --hipri=1 when HIPRI=1), then bind it again
# and check the disk works and the module unloads (no leaked reference).
UNBIND = r'''
vbp_wait_dev /dev/vda
drv=/sys/bus/virtio/drivers/virtio_blk
dev=$(basename "$(readlink -f /sys/block/vda/device)")
fio --name=bg --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--ioengine=io_uring --hipri=$HIPRI --iodepth=16 --numjobs=2 \
	--time_based --runtime=60 > /tmp/bg.log 2>&1 &
pid=$!
sleep 4
kill -0 $pid || { cat /tmp/bg.log; fail "fio was not running"; }
echo "$dev" > $drv/unbind || fail "unbind $dev"
wait $pid
echo "fio ended with $? after unbind (errors expected)"
[ -b /dev/vda ] && fail "/dev/vda still present after unbind"
echo "$dev" > $drv/bind || fail "bind $dev"
vbp_wait_dev /dev/vda
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --size=8M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=$HIPRI --iodepth=8
vbp_unload
'''


def _unbind(kernel, hipri):
    def fn(ctx):
        ctx.vm_ok(kernel, UNBIND, driver="ours",
                  params="poll_queues=%d" % hipri, env={"HIPRI": hipri},
                  disks=[Disk(size="64M", num_queues=2)], timeout=240)
    return fn


for _k in KERNELS + ("debug",):
    for _h in (0, 1):
        case("driver/unbind-during-io/%s/%s" % (_k, "poll" if _h else "irq"),
             group="debug" if _k == "debug" else "driver")(_unbind(_k, _h))


# PM freeze/restore with poll queues and I/O in flight: suspend-to-idle
# with pm_test=devices runs every device's freeze callback, waits 5 s
# and restores them.  The 9p shares (host /usr, /in, /out) do not survive
# that (their driver has no freeze/restore), so everything the script needs
# afterwards is copied to tmpfs first, its output goes to the console, and
# it powers off itself with its verdict on the console.  The script is one
# function, so the shell has read all of it from 9p before it starts.
SUSPEND = r'''
suspend_test() {
vbp_wait_dev /dev/vda
[ -w /sys/power/pm_test ] || fail "no /sys/power/pm_test"
grep -qw freeze /sys/power/state || fail "no suspend-to-idle: $(cat /sys/power/state)"
mkdir -p /tmp/t
ld=/lib64/ld-linux-x86-64.so.2
for l in $($ld --list /usr/bin/fio | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
	cp "$l" /tmp/t/ || fail "copy $l"
done
cp $ld /tmp/t/ld.so && cp /usr/bin/fio /tmp/t/fio || fail "copy fio"
# fio looks up locale files under /usr whatever LC_ALL says: hide them.
mount -t tmpfs none /usr/lib/locale && mount -t tmpfs none /usr/share/locale ||
	fail "cannot hide the locale directories"
tfio() { LC_ALL=C LANG=C /tmp/t/ld.so --library-path /tmp/t /tmp/t/fio "$@"; }
v="--filename=/dev/vda --direct=1 --bs=4k --verify=crc32c --verify_fatal=1"
tfio --name=pre $v --rw=randwrite --size=8M --ioengine=libaio --iodepth=8 \
	> /tmp/pre.log 2>&1 || { cat /tmp/pre.log; fail "write before suspend"; }
busy() {	# busy NAME OFFSET ENGINE...
	n=$1; o=$2; shift 2
	tfio --name=$n --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
		--offset=$o --size=16M --iodepth=16 --time_based --runtime=$BUSY \
		"$@" > /tmp/$n.log 2>&1
	echo $? > /tmp/$n.rc
}
# Their stdio must not stay on the 9p guest.log: a subshell exiting after
# the resume would close it and wait forever on the dead 9p transport.
# The host throttles the disk so that requests always wait in the device
# (and completed polled ones on their ring) when the freeze comes.
vbp_host_step throttle 30
busy polled 16M --ioengine=io_uring --hipri=1 > /dev/null 2>&1 &
busy irq 32M --ioengine=libaio > /dev/null 2>&1 &
sleep 3
echo devices > /sys/power/pm_test || fail "pm_test"
# From here on, nothing may touch 9p.
exec > /dev/console 2>&1
fail() { echo "FAIL: $*"; echo "VBP-GUEST-RC: 1"; poweroff -f; sleep 10; }
echo "vbp: suspending"
t0=$(cut -d. -f1 /proc/uptime)
echo freeze > /sys/power/state || fail "suspend-to-idle failed"
t=$(($(cut -d. -f1 /proc/uptime) - t0))
echo "vbp: resumed after ${t}s"
# pm_test=devices waits 5 s; waiting for io_timeout would add 60 s.
[ $t -le 20 ] || fail "suspend took ${t}s: requests in flight were left to time out"
dmesg | grep -q "vda: virtqueues released for suspend" || fail "freeze did not run"
dmesg | grep -q "vda: virtqueues restored after resume" || fail "restore did not run"
dmesg | grep "virtqueues released"
t=0
while [ ! -e /tmp/polled.rc ] || [ ! -e /tmp/irq.rc ]; do
	t=$((t + 1))
	if [ $t -gt 60 ]; then
		for p in $(ls /proc | grep '^[0-9]'); do
			case "$(cat /proc/$p/comm 2>/dev/null)" in
			fio|ld.so|sh) ;;
			*) continue ;;
			esac
			for k in /proc/$p/task/*; do
				echo "== $k $(cat $k/comm) $(cut -d' ' -f3 $k/stat)"
				cat $k/stack
			done
		done
		cat /sys/kernel/debug/virtio-blk-poll/vda/q*/stats
		fail "I/O started before the suspend did not finish"
	fi
	sleep 1
done
for n in polled irq; do
	[ "$(cat /tmp/$n.rc)" = 0 ] || { cat /tmp/$n.log; fail "$n I/O failed across suspend"; }
	grep -q "io=" /tmp/$n.log || { cat /tmp/$n.log; fail "$n: no fio summary"; }
done
tfio --name=pre $v --rw=randwrite --size=8M --ioengine=libaio --iodepth=8 \
	--verify_only=1 > /tmp/post.log 2>&1 || { cat /tmp/post.log; fail "data written before suspend is gone"; }
tfio --name=after $v --rw=randwrite --offset=48M --size=8M \
	--ioengine=io_uring --hipri=1 --iodepth=8 > /tmp/after.log 2>&1 ||
	{ cat /tmp/after.log; fail "polled I/O after resume"; }
echo "vbp: suspend test passed"
echo "VBP-GUEST-RC: 0"
poweroff -f
}
suspend_test
'''


SUSPEND_IOPS = 500


def _suspend(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, SUSPEND, driver="ours",
                      params="poll_queues=1 io_timeout=60",
                      env={"BUSY": 14}, during=host_steps(
                          throttle=lambda v: disk_iops(v, SUSPEND_IOPS)),
                      disks=[Disk(size="64M", num_queues=2)], timeout=300)
        check("vbp: suspend test passed" in r.console,
              "no verdict from after the resume")
        m = re.search(r"vbp: resumed after (\d+)s", r.console)
        ctx.note("suspend with the disk at %d IOPS took %ss (5 s of it "
                 "pm_test)" % (SUSPEND_IOPS, m.group(1) if m else "?"))
        seen = sorted({ln.split("]", 1)[-1].strip()
                       for ln in r.console.splitlines()
                       if "virtqueues released" in ln})
        for ln in seen:
            ctx.note(ln)
    return fn


for _k in KERNELS + ("debug",):
    case("driver/suspend-resume/" + _k,
         group="debug" if _k == "debug" else "driver")(_suspend(_k))


# Probe failure unwinding (debug kernel: fault injection, KASAN, lockdep,
# kmemleak).  The disk is unbound, then bound again with the Nth slab
# allocation of the bind (that is, of our probe and what it calls) made to
# fail, for N = 1, 2, ... until the probe no longer reaches an N-th
# injection site.  Every failed probe must unwind cleanly: no report in
# the kernel log, no object leaked by the probe path, and afterwards the
# disk binds, keeps the data written before, and works.
PROBE_FAIL = r'''
vbp_wait_dev /dev/vda
drv=/sys/bus/virtio/drivers/virtio_blk
dev=$(basename "$(readlink -f /sys/block/vda/device)")
c="--name=pre --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k --size=8M --verify=crc32c --verify_fatal=1"
vbp_fio pre $c --ioengine=libaio --iodepth=8
echo "$dev" > $drv/unbind || fail "unbind $dev"
F=/sys/kernel/debug/failslab
K=/sys/kernel/debug/kmemleak
[ -d $F ] || fail "no failslab in debugfs"
[ -e $K ] || fail "no kmemleak in debugfs"
echo N > $F/ignore-gfp-wait
echo 0 > $F/verbose
echo clear > $K
n=0; failed=0; survived=0
while :; do
	n=$((n + 1))
	[ $n -gt $MAX ] && fail "the probe still reaches injection site $n"
	out=$(/in/fail_nth_write $n $drv/bind "$dev")
	rc=$?
	[ $rc = 2 ] && fail "fail_nth_write $n: $out"
	if [ -b /dev/vda ]; then
		[ $rc = 0 ] && survived=$((survived + 1))
		echo "$dev" > $drv/unbind || fail "unbind after site $n"
	else
		[ $rc = 0 ] || fail "bind without injection failed: $out"
		failed=$((failed + 1))
	fi
	[ $rc = 1 ] && break
done
vbp_log "probe: $n injection sites, $failed failed probes, $survived survived"
vbp_result sites $n
vbp_result failed $failed
echo Y > $F/ignore-gfp-wait
echo "$dev" > $drv/bind || fail "final bind"
vbp_wait_dev /dev/vda
vbp_fio verify $c --ioengine=libaio --iodepth=8 --verify_only=1
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=8M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8
echo scan > $K; sleep 6; echo scan > $K
cat $K > $VBP_OUT/kmemleak.txt
vbp_unload
'''

# Allocation helpers, skipped when looking for who allocated a leak.
ALLOC_FRAMES = re.compile(r"^(__?k[mvz]?alloc|__kmalloc|kmem_cache_alloc|"
                          r"kstrdup|kvasprintf|kasprintf|kmemdup|krealloc|"
                          r"__do_kmalloc|kvmalloc|__kvmalloc)")
# Virtio core code the driver calls to build its virtqueues: what it
# allocates for us is ours to free (virtblk_del_vqs()).
VIRTIO_FRAMES = re.compile(r"^(vp_|vring_|virtqueue_|__vring|vm_find|"
                           r"virtio_|setup_vq|vp_modern_)")


def _leak_owner(obj):
    """'ours' if the innermost non-allocator frames of a kmemleak report
    lead, through the virtio core only, to our module; else the name of
    the function that made the allocation."""
    frames = []
    grab = False
    for ln in obj.splitlines():
        ln = ln.strip()
        if ln.startswith("backtrace"):
            grab = True
        elif grab and ln:
            frames.append(ln.split("] ", 1)[-1])
    for f in frames:
        name = f.split("+", 1)[0]
        if ALLOC_FRAMES.match(name):
            continue
        if "[virtio_blk]" in f:
            return "ours"
        if VIRTIO_FRAMES.match(name):
            continue
        return name
    return "?"


def _probe_fail(ctx):
    prog = os.path.join(ctx.dir, "fail_nth_write")
    run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", prog,
         os.path.join(ROOT, "tests", "progs", "fail_nth_write.c")])
    # The genirq /proc code does not undo a partly failed registration of
    # an interrupt's proc entries, and warns when the vector is freed; an
    # injected failure there is the kernel's to handle, not the driver's.
    r = ctx.vm_ok("debug", PROBE_FAIL, driver="ours", params="poll_queues=1",
                  env={"MAX": 5000}, files={"fail_nth_write": prog},
                  disks=[Disk(size="64M", num_queues=2)], timeout=900,
                  allow_log=r"WARNING: .* at fs/proc/generic\.c:\d+ "
                  r"remove_proc_entry")
    res = results(r)
    check(int(res["failed"]) >= 20,
          "only %s probes failed under injection" % res["failed"])
    owners = {}
    for obj in (r.read("kmemleak.txt") or "").split("unreferenced object")[1:]:
        o = _leak_owner(obj)
        owners[o] = owners.get(o, 0) + 1
    check("ours" not in owners,
          "kmemleak: %d object(s) allocated by virtio_blk leaked "
          "(kmemleak.txt)" % owners.get("ours", 0))
    warns = sum("remove_proc_entry" in ln and "WARNING" in ln
                for ln in r.console.splitlines())
    ctx.note("%s injection sites in the probe, %s probes failed and "
             "unwound, no leak of ours; kernel-side: %d genirq proc "
             "warnings, kmemleak by allocator %s" % (
                 res["sites"], res["failed"], warns, owners or "none"))


case("driver/probe-failure/debug", group="debug")(_probe_fail)
