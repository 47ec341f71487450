# SPDX-License-Identifier: GPL-2.0
"""Review findings of the driver (issue 13): each scenario provokes one
defect the review found and checks the fixed behaviour.

    review/broken-ring/<k>        virtio_ring marks the rings broken
                                  under fio verify, and again while idle:
                                  recovery resets, nothing fails
    review/getid-error/<k>        a failed GET_ID gives no serial and a
                                  logged error (6.12 batched it as
                                  success)
    review/small-ring/<k>         no indirect descriptors, seg_max far
                                  above a 4-entry ring: max_segments fits
                                  the ring, large I/O completes
    review/progress/<k>           a user zeroing the counters does not
                                  change when a hung disk is declared
                                  dead; the timeout message names the
                                  queue's own timeout
    review/restore-fails/<k>      virtqueue setup fails in restore: the
                                  recovery brings the disk back
    review/capacity-after-reset/<k>
                                  a resize during a NEEDS_RESET recovery
                                  is seen once it ends
    review/device-gone/<k>        a device that reads all-ones is not
                                  reset: the disk dies, unbind finishes

Cases run on 6.1, 6.12 and the debug kernel (getid-error: 6.12 and
debug, where the batching exists).  The injections are debugfs "inject"
commands of our driver (virtio_blk/debugfs.c).
"""

from caselib import case, check, fio_job, host_steps, results
from vm import Disk

KERNELS3 = ("6.1", "6.12", "debug")

# mark_log, then newlog: the kernel messages since; inject CMD: debugfs.
LIB = r'''
mark_log() { since=$(dmesg | wc -l); }
newlog() { dmesg | tail -n +$((since + 1)); }
inject() { echo "$1" > $VBP_DBG/vda/inject || fail "inject $1"; }
'''


def _group(kernel):
    return "debug" if kernel == "debug" else "driver"


def _checks(conds):
    """Fail with every unmet condition of [(ok, message), ...] at once."""
    bad = [msg for ok, msg in conds if not ok]
    check(not bad, "; ".join(bad))


# ------------------------------------------------------------ broken ring

# virtio_break_device() is what virtio_ring's own checks amount to when a
# device hands back an impossible id: every later add fails with -EIO and
# nothing comes back from the ring.  Under fio verify (interrupt and
# polled queues at once) and then with nothing in flight, the driver must
# reset and retry, never fail a request.
BROKEN = LIB + r'''
vbp_wait_dev /dev/vda
vbp_stats_reset vda
c="--filename=/dev/vda --direct=1 --rw=randwrite --bs=4k --size=4M --verify=crc32c --verify_fatal=1 --iodepth=8"
fio --name=irq $c --offset=0 --loops=2 --ioengine=libaio \
	--output-format=json --output=$VBP_OUT/fio-irq.json > /dev/null 2>&1 &
p1=$!
fio --name=poll $c --offset=16M --loops=2 --ioengine=io_uring --hipri=1 \
	--output-format=json --output=$VBP_OUT/fio-poll.json > /dev/null 2>&1 &
p2=$!
# Break the rings once both jobs have requests in flight.
n=0
until [ "$(vbp_stat vda submitted)" -gt 64 ]; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "fio did not start"
	sleep 0.1
done
inject break
wait $p1 || { cat $VBP_OUT/fio-irq.json; fail "irq fio failed across a broken ring"; }
wait $p2 || { cat $VBP_OUT/fio-poll.json; fail "polled fio failed across a broken ring"; }
vbp_result busy_resets $(vbp_devstat vda resets)
vbp_result busy_failed $(vbp_devstat vda failed)
# Nothing in flight: no timeout will ever come; the next request must
# notice and recover.
inject break
t0=$(date +%s)
dd if=/dev/vda of=/dev/null bs=4k count=64 iflag=direct 2>/tmp/dd.log ||
	{ cat /tmp/dd.log; fail "read after an idle break failed"; }
vbp_result idle_seconds $(($(date +%s) - t0))
vbp_result resets $(vbp_devstat vda resets)
vbp_result failed $(vbp_devstat vda failed)
vbp_result dead $(vbp_devstat vda dead)
'''


def _broken(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, BROKEN, driver="ours",
                      params="poll_queues=1 io_timeout=30",
                      disks=[Disk(size="64M", num_queues=2)], timeout=300)
        res = results(r)
        _checks([
            (int(res["busy_resets"]) >= 1, "no reset for the broken ring"),
            (res["busy_failed"] == "0", "requests failed: %s" % res),
            (int(res["resets"]) >= int(res["busy_resets"]) + 1,
             "no reset for the idle break: %s" % res),
            (res["failed"] == "0" and res["dead"] == "0",
             "requests failed or disk dead: %s" % res),
            (int(res["idle_seconds"]) < 10,
             "read after the idle break took %ss" % res["idle_seconds"]),
        ])
        for job in ("irq", "poll"):
            check(fio_job(r, job)["error"] == 0, "fio %s error" % job)
        ctx.note("break under irq+poll fio verify: %s reset(s), 0 failed; "
                 "idle break: read done in %ss" % (res["busy_resets"],
                                                   res["idle_seconds"]))
    return fn


# ------------------------------------------------------------ GET_ID error

# One vCPU, so the completion interrupt comes to the submitting CPU and
# the request goes through the interrupt path's completion batch.
GETID = LIB + r'''
vbp_wait_dev /dev/vda
# Requests with scheduler tags are never batched.
echo none > /sys/block/vda/queue/scheduler || fail "scheduler none"
s=/sys/block/vda/serial
[ "$(cat $s)" = vbp-serial-1 ] || fail "serial is '$(cat $s)' before the fault"
mark_log
inject iderr
got=$(cat $s)
vbp_result failed_serial "$got"
newlog | grep -q "GET_ID failed" && vbp_result logged 1
[ "$(cat $s)" = vbp-serial-1 ] || fail "serial is '$(cat $s)' after the fault"
'''


def _getid(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, GETID, driver="ours", smp=1,
                      disks=[Disk(size="64M", serial="vbp-serial-1")],
                      timeout=200)
        res = results(r)
        _checks([
            (res.get("failed_serial") == "",
             "a failed GET_ID read as serial %r" % res.get("failed_serial")),
            (res.get("logged") == "1", "no kernel message for the failure"),
        ])
        ctx.note("GET_ID completed with IOERR: empty serial, error logged")
    return fn


# ------------------------------------------------------------ small ring

# queue-size 4 and no indirect descriptors: a request holds at most two
# data segments.  config_override raises seg_max to 126 (QEMU offers
# queue-size - 2); the driver must cap max_segments at what the ring
# holds, or a 64k request stops the queue with nothing in flight.
SMALLRING = LIB + r'''
vbp_wait_dev /dev/vda
vdev=$(basename "$(readlink -f /sys/block/vda/device)")
drv=/sys/bus/virtio/drivers/virtio_blk
echo "seg_max=126" > $VBP_DBG/config_override || fail "config_override"
echo $vdev > $drv/unbind || fail "unbind"
mark_log
echo $vdev > $drv/bind || fail "bind"
vbp_wait_dev /dev/vda
echo clear > $VBP_DBG/config_override
vbp_result segments $(cat /sys/block/vda/queue/max_segments)
newlog | grep -q "does not fit a 4-entry ring" && vbp_result warned 1
fio --name=big --filename=/dev/vda --direct=1 --rw=randwrite --bs=64k \
	--size=4M --verify=crc32c --verify_fatal=1 --ioengine=libaio \
	--iodepth=4 --output-format=json --output=$VBP_OUT/fio-big.json \
	> /dev/null 2>&1 &
pid=$!
vbp_exited $pid 60 || {
	grep -H . /sys/kernel/debug/block/vda/hctx*/state $VBP_DBG/vda/q*/stats
	fail "64k I/O on the small ring did not finish in 60 s ($(cat /sys/block/vda/inflight) in flight)"
}
wait $pid || { cat $VBP_OUT/fio-big.json; fail "64k I/O failed"; }
'''


def _smallring(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, SMALLRING, driver="ours",
                      disks=[Disk(size="64M", queue_size=4,
                                  extra={"indirect_desc": "off"})],
                      timeout=200)
        res = results(r)
        _checks([
            (res["segments"] == "2",
             "max_segments %s on a 4-entry ring" % res["segments"]),
            (res.get("warned") == "1", "no warning for the capped seg_max"),
        ])
        ctx.note("seg_max 126 on a 4-entry ring without indirect "
                 "descriptors: max_segments 2, 64k verify passes")
    return fn


# ------------------------------------------------------------ progress

# The recovery declares the disk dead after VIRTBLK_MAX_RESETS (3) resets
# in a row that took back requests with no completion since the reset
# before.  The first reset of a hung disk follows completions (the writes
# before the hang), so the disk dies at the 4th reset.  A loop zeroing
# the debugfs counters all the while must not change that verdict.  The
# timeout message must state the queue's timeout (sysfs io_timeout,
# 3 s), not the module parameter (30 s).
PROGRESS = LIB + r'''
vbp_wait_dev /dev/vda
echo 3000 > /sys/block/vda/queue/io_timeout || fail "set io_timeout"
dd if=/dev/zero of=/dev/vda bs=4k count=64 oflag=direct 2>/dev/null ||
	fail "write before the hang"
mark_log
( while [ ! -e /tmp/stop ]; do vbp_stats_reset vda; done ) > /dev/null 2>&1 &
zap=$!
inject hang
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=10 iflag=direct 2>/dev/null &&
	fail "a read from a hung disk succeeded"
: > /tmp/stop
wait $zap
newlog | grep "timed out after" | head -n 3
newlog | grep -q "timed out after 3000ms" && vbp_result msg_queue_timeout 1
vbp_result resets_logged $(newlog | grep -c "resetting device")
vbp_result dead $(vbp_devstat vda dead)
'''


def _progress(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, PROGRESS, driver="ours",
                      params="io_timeout=30",
                      disks=[Disk(size="64M")], timeout=300)
        res = results(r)
        _checks([
            (res["dead"] == "1", "hung disk not declared dead: %s" % res),
            (res["resets_logged"] == "4",
             "hung disk died after %s resets, want 4 (the counters a user "
             "zeroes must not count)" % res["resets_logged"]),
            (res.get("msg_queue_timeout") == "1",
             "timeout message does not name the queue's 3000 ms"),
        ])
        ctx.note("hang with counters zeroed in a loop: dead after %s "
                 "resets, as without the loop; message names 3000 ms"
                 % res["resets_logged"])
    return fn


# ------------------------------------------------------------ restore

# Suspend-to-idle with pm_test=devices; the virtqueue setup of the restore
# is made to fail once.  The restore must reset and set the device up
# again itself, and requests then complete.  As in driver/suspend-resume, 9p is gone after the resume:
# busybox only, verdict on the console.
RESTORE = LIB + r'''
restore_test() {
vbp_wait_dev /dev/vda
[ -w /sys/power/pm_test ] || fail "no /sys/power/pm_test"
dd if=/dev/urandom of=/tmp/blk bs=4k count=16 2>/dev/null
dd if=/tmp/blk of=/dev/vda bs=4k count=16 oflag=direct 2>/dev/null ||
	fail "write before suspend"
inject failinit
echo devices > /sys/power/pm_test || fail "pm_test"
exec > /dev/console 2>&1
fail() { echo "FAIL: $*"; echo "VBP-GUEST-RC: 1"; poweroff -f; sleep 10; }
echo freeze > /sys/power/state || fail "suspend-to-idle failed"
echo "vbp: resumed"
dmesg | grep -q "fault injection: virtqueue setup fails" || fail "injection did not run"
dd if=/dev/vda of=/tmp/rd bs=4k count=16 iflag=direct 2>/dev/null &
pid=$!
vbp_exited $pid 30 || fail "I/O after the failed restore did not finish in 30 s"
wait $pid || fail "read after the failed restore failed"
cmp /tmp/blk /tmp/rd || fail "data differs after the failed restore"
dmesg | grep -q "vda: virtqueue setup after resume failed: .*; resetting device" ||
	fail "no recovery ran"
echo "vbp: restore test passed"
echo "VBP-GUEST-RC: 0"
poweroff -f
}
restore_test
'''


def _restore(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, RESTORE, driver="ours",
                      params="poll_queues=1 io_timeout=60",
                      disks=[Disk(size="64M", num_queues=2)], timeout=300)
        check("vbp: restore test passed" in r.console,
              "no verdict from after the resume")
        ctx.note("failed virtqueue setup in restore: recovered by a reset, "
                 "data read back")
    return fn


# ------------------------------------------------------------ capacity

# A malformed request makes QEMU set NEEDS_RESET; reset_work is held for
# 4 s, and the host grows the disk in that window.  Its config interrupt
# only finds the device needing a reset; the new size must be there once
# the recovery is done.
CAPACITY = LIB + r'''
vbp_wait_dev /dev/vda
s0=$(cat /sys/block/vda/size)
inject reset_delay=4000
inject badhdr
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=100 iflag=direct 2>/dev/null &
pid=$!
n=0
until dmesg | grep -q "scheduling device reset: device needs reset"; do
	n=$((n + 1)); [ $n -gt 50 ] && fail "no NEEDS_RESET from the bad header"
	sleep 0.1
done
vbp_host_step resize 30
wait $pid || fail "the read with the bad header failed"
n=0
while [ "$(cat /sys/block/vda/size)" = "$s0" ]; do
	n=$((n + 1)); [ $n -gt 100 ] && break
	sleep 0.1
done
vbp_result size $(cat /sys/block/vda/size)
vbp_result resets $(vbp_devstat vda resets)
'''


def _resize(v):
    v.qmp.cmd("block_resize", **{"node-name": "disk0", "size": 96 << 20})
    return "disk0 grown to 96 MiB"


def _capacity(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, CAPACITY, driver="ours",
                      params="io_timeout=60",
                      disks=[Disk(size="64M")], timeout=200,
                      during=host_steps(resize=_resize))
        res = results(r)
        _checks([
            (int(res["resets"]) >= 1, "no reset: %s" % res),
            (res["size"] == str(96 * 2048),
             "size %s sectors after the recovery, want %d"
             % (res["size"], 96 * 2048)),
        ])
        ctx.note("resize while NEEDS_RESET was pending: new size seen "
                 "after the reset")
    return fn


# ------------------------------------------------------------ device gone

# QEMU cannot make a BAR read all-ones (a removed or disabled BAR reads 0
# under TCG), so the "gone" injection stands in for a surprise removal:
# status reads count as all-ones, and "hang" keeps what QEMU completes
# off the ring, as a vanished device would.  A request stalled past io_timeout must
# then kill the disk without a reset (which would spin for ever), and
# unbinding (removal) must finish.
GONE = LIB + r'''
vbp_wait_dev /dev/vda
vdev=$(basename "$(readlink -f /sys/block/vda/device)")
vbp_stats_reset vda
inject hang
inject gone
mark_log
t0=$(date +%s)
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=10 iflag=direct 2>/dev/null &&
	fail "a read from a gone device succeeded"
vbp_result read_seconds $(($(date +%s) - t0))
newlog | grep -q "device is gone" && vbp_result gone_logged 1
vbp_result resets $(vbp_devstat vda resets)
vbp_result dead $(vbp_devstat vda dead)
t0=$(date +%s)
echo $vdev > /sys/bus/virtio/drivers/virtio_blk/unbind || fail "unbind"
vbp_result unbind_seconds $(($(date +%s) - t0))
if [ -b /dev/vda ]; then fail "vda still there after unbind"; fi
'''


def _gone(kernel):
    def fn(ctx):
        # Not resetting the device is what virtio_dev_remove() warns
        # about ("Driver should have reset device"); with a real
        # surprise removal it would warn too.
        r = ctx.vm_ok(kernel, GONE, driver="ours", params="io_timeout=3",
                      disks=[Disk(size="64M")], timeout=200,
                      allow_log=r"WARNING: .* at drivers/virtio/virtio\.c:\d+ "
                      r"virtio_dev_remove")
        res = results(r)
        _checks([
            (res["dead"] == "1", "disk not dead: %s" % res),
            (res["resets"] == "0", "a gone device was reset: %s" % res),
            (res.get("gone_logged") == "1", "no 'device is gone' message"),
            (int(res["read_seconds"]) < 30,
             "stalled read took %ss" % res["read_seconds"]),
            (int(res["unbind_seconds"]) < 10,
             "unbind took %ss" % res["unbind_seconds"]),
        ])
        ctx.note("gone device: stalled read failed after %ss, no reset, "
                 "unbind in %ss" % (res["read_seconds"],
                                    res["unbind_seconds"]))
    return fn


for _k in KERNELS3:
    case("review/broken-ring/" + _k, group=_group(_k))(_broken(_k))
    if _k != "6.1":
        case("review/getid-error/" + _k, group=_group(_k))(_getid(_k))
    case("review/small-ring/" + _k, group=_group(_k))(_smallring(_k))
    case("review/progress/" + _k, group=_group(_k))(_progress(_k))
    case("review/restore-fails/" + _k, group=_group(_k))(_restore(_k))
    case("review/capacity-after-reset/" + _k,
         group=_group(_k))(_capacity(_k))
    case("review/device-gone/" + _k, group=_group(_k))(_gone(_k))
