# SPDX-License-Identifier: GPL-2.0
"""Faults and bad input (issue 7): bus-master toggling, injected I/O
errors, device stalls, hot-unplug, CPU hotplug, module load cycles, a
device returning ids that are not in flight, and odd device geometries.

Every scenario ends with a data check: a crc32c-verified pattern written
(and acknowledged) before the fault must read back intact afterwards.
Cases are "faults/<scenario>/<kernel>" on 6.1, 6.12 and the debug kernel;
`make check-faults` runs them all, as does `python3 tests/run.py --only
faults/` without make ("--only 'faults/*/6.12'" for one kernel).
"""

import time

from caselib import case, check, disk_iops, fio_job, host_steps, results
from vm import Disk, HarnessError, device_add_cmd

KERNELS3 = ("6.1", "6.12", "debug")
# Short request timeout: a stuck request is noticed within seconds.
IO_TIMEOUT = 5

# Guest helpers shared by the scenarios (sourced after lib.sh).
LIB = r'''
PAT="--name=pat --filename=/dev/vda --direct=1 --rw=write --bs=64k --offset=0 --size=${PAT_SIZE:-16M} --verify=crc32c --verify_fatal=1 --ioengine=psync"
# fault_pattern write|verify NAME: the acknowledged pattern (region A).
fault_pattern() {
	if [ "$1" = write ]; then
		vbp_fio $2 $PAT
	else
		vbp_fio $2 $PAT --verify_only=1
	fi
}

# fault_states: "pid state comm" of every fio and dd task (threads too).
fault_states() {
	for f in /proc/[0-9]*/task/[0-9]*/stat; do
		line=$(cat $f 2>/dev/null) || continue
		case "$line" in
		*"(fio)"*|*"(dd)"*) echo "$line" | awk '{ print $1, $3, $2 }' ;;
		esac
	done
}

# fault_nstate STATE: number of fio and dd tasks in STATE.
fault_nstate() { fault_states | awk -v s="$1" '$2 == s' | wc -l; }

# fault_gone PID SECONDS: true once PID has exited (a zombie has), false
# if it is still running after SECONDS.
fault_gone() {
	n=0
	while :; do
		st=$(awk '{ print $3 }' /proc/$1/stat 2>/dev/null)
		if [ -z "$st" ] || [ "$st" = Z ]; then
			return 0
		fi
		n=$((n + 1))
		[ $n -gt $(($2 * 5)) ] && return 1
		sleep 0.2
	done
}

# fault_counters DISK: record our per-disk recovery counters.
fault_counters() {
	cat $VBP_DBG/$1/device
	for k in timeouts resets requeues failed dead; do
		vbp_result $k "$(vbp_devstat $1 $k)"
	done
}

# fault_stall_start: write the pattern, zero the counters of vda, then
# make its queues ignore used buffers until the next reset (debugfs).
fault_stall_start() {
	vbp_wait_dev /dev/vda
	fault_pattern write pat
	vbp_stats_reset vda
	echo stall > $VBP_DBG/vda/inject || fail "inject stall"
}

# fault_inflight: requests of vda in flight (reads + writes).
fault_inflight() { awk '{ print $1 + $2 }' /sys/block/vda/inflight; }
'''



def check_pattern(r, name="verify"):
    got = fio_job(r, name)["read"]["io_bytes"]
    check(got >= 16 << 20, "pattern check %s read only %d bytes" % (name, got))


# ------------------------------------------------------------ bus master

# Toggle the PCI bus-master bit of the disk while fio runs.  With bus
# mastering off the device can neither reach the rings nor raise an MSI-X
# interrupt; QEMU marks it broken until the next reset.  Our driver must
# time out, reset and finish the I/O; the stock driver has no timeout
# handler and is expected to hang (measured, printed as "stock hung").
BUSMASTER = LIB + r'''
vbp_wait_dev /dev/vda
bdf=$(basename "$(dirname "$(readlink -f /sys/block/vda/device)")")
cmd0=$(/usr/bin/setpci -s $bdf 4.w) || fail "setpci cannot read $bdf"
vbp_log "disk at $bdf, command register $cmd0"
fault_pattern write pat
fio --name=bg --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--offset=32M --size=32M --time_based --runtime=$RUNTIME \
	--continue_on_error=all $ENGINE --iodepth=16 > /tmp/bg.log 2>&1 &
pid=$!
sleep 3
fault_gone $pid 0 && { cat /tmp/bg.log; fail "background fio is not running"; }
i=0
while [ $i -lt $CYCLES ]; do
	/usr/bin/setpci -s $bdf 4.w=0:4 || fail "setpci off"
	sleep $OFF
	/usr/bin/setpci -s $bdf 4.w=4:4 || fail "setpci on"
	sleep $ON
	i=$((i + 1))
done
vbp_log "bus mastering toggled $CYCLES times"
if ! fault_gone $pid $BOUND; then
	fault_states
	st="$(fault_nstate D) in D, $(fault_nstate S) in S, $(fault_nstate R) in R"
	inflight=$(fault_inflight)
	vbp_result hung 1
	vbp_result hung_tasks "$st"
	vbp_result hung_inflight $inflight
	# Lost interrupts or a broken device?  A new request tells: its
	# completion reaps the whole ring, unless the device is gone.
	dd if=/dev/vda of=/dev/null bs=4k count=1 skip=4096 iflag=direct 2>/dev/null &
	probe=$!
	if fault_gone $probe 10 && fault_gone $pid 10; then
		vbp_result rescued 1
	else
		fault_states
		vbp_result rescued 0
	fi
	if [ "$DRIVER" = stock ]; then
		echo "stock hung: I/O still running ${BOUND}s after the toggling (fio tasks: $st; $inflight requests in flight)"
		exit 0
	fi
	fail "I/O still running ${BOUND}s after the toggling (fio tasks: $st; $inflight requests in flight)"
fi
wait $pid
vbp_log "background fio exited with $? (errors allowed)"
tail -n 5 /tmp/bg.log
vbp_result hung 0
dd if=/dev/vda of=/dev/null bs=4k count=1 skip=4096 iflag=direct 2>/dev/null &
probe=$!
fault_gone $probe 30 || { fault_states; fail "a read after the toggling hangs"; }
wait $probe || fail "a read after the toggling failed"
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "fio tasks left in D state"; }
[ "$DRIVER" = ours ] && fault_counters vda
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=8M --verify=crc32c --verify_fatal=1 \
	$ENGINE --iodepth=8
fault_pattern verify verify
'''


def _busmaster(kernel, poll):
    engine = _engine(poll)
    params = "poll_queues=%d" % (1 if poll else 0)
    cycles, off, on = 4, 1, 7
    env = {"ENGINE": engine, "CYCLES": cycles, "OFF": off, "ON": on,
           "RUNTIME": cycles * (off + on) + 5, "BOUND": 30}

    def fn(ctx):
        disks = [Disk(size="64M", num_queues=2)]
        r = ctx.vm_ok(kernel, BUSMASTER, driver="ours",
                      params="%s io_timeout=%d" % (params, IO_TIMEOUT),
                      env=dict(env, DRIVER="ours"), disks=disks, timeout=300)
        res = results(r)
        check(res.get("hung") == "0", "our driver: fio did not finish")
        check(int(res["resets"]) >= 1 and int(res["timeouts"]) >= 1,
              "the toggling caused no timeout/reset (%s): the fault did "
              "not happen" % res)
        check(res["dead"] == "0", "disk declared dead: %s" % res)
        check_pattern(r)
        ctx.note("ours: recovered, timeouts=%s resets=%s requeues=%s "
                 "failed=%s" % (res["timeouts"], res["resets"],
                                res["requeues"], res["failed"]))
        if kernel == "debug":
            return
        # The same with the in-tree driver: a measurement, not a verdict.
        s = ctx.vm(kernel, BUSMASTER, driver="stock", params=params,
                   env=dict(env, DRIVER="stock"),
                   disks=[Disk(size="64M", num_queues=2)], timeout=300,
                   hung_task_secs=0)
        sres = results(s)
        if sres.get("hung") == "1":
            ctx.note("stock hung: fio still running %ds after the toggling "
                     "(fio tasks: %s; %s requests in flight); a new read "
                     "%s" % (env["BOUND"], sres.get("hung_tasks"),
                             sres.get("hung_inflight"),
                             "got it going again (lost interrupts)"
                             if sres.get("rescued") == "1" else
                             "hangs too (device broken)"))
        elif s.ok:
            ctx.note("stock did NOT hang: I/O finished and the disk works "
                     "after the toggling")
        else:
            ctx.note("stock did not hang but failed: %s"
                     % s.summary().splitlines()[0])
    return fn


# ------------------------------------------------------------ blkdebug EIO

# 64 blocks of 4 KiB from 48 MiB on (outside the pattern); blkdebug fails reads of block RBAD and
# writes of block WBAD.  Exactly those must fail with EIO, the others
# complete, and what was written reads back.
BLK0 = 12288            # first 4 KiB block of the checked range (48 MiB)
NBLK = 64
RBAD, WBAD = 10, 37     # relative to BLK0
BLKDEBUG_CONF = """[inject-error]
event = "none"
iotype = "read"
errno = "5"
sector = "%d"
once = "off"
immediately = "on"

[inject-error]
event = "none"
iotype = "write"
errno = "5"
sector = "%d"
once = "off"
immediately = "on"
""" % ((BLK0 + RBAD) * 8 + 3, (BLK0 + WBAD) * 8 + 5)

BLKDEBUG = LIB + r'''
vbp_wait_dev /dev/vda
dd if=/dev/urandom of=/tmp/pat bs=4k count=$NBLK 2>/dev/null
wfail=""; rfail=""; bad=""
i=0
while [ $i -lt $NBLK ]; do
	if ! dd if=/tmp/pat of=/dev/vda bs=4k skip=$i seek=$((BLK0 + i)) \
		count=1 oflag=direct conv=notrunc 2>/tmp/err; then
		grep -q "Input/output error" /tmp/err || { cat /tmp/err; fail "write $i: not EIO"; }
		wfail="$wfail $i"
	fi
	i=$((i + 1))
done
i=0
while [ $i -lt $NBLK ]; do
	if ! dd if=/dev/vda of=/tmp/blk bs=4k skip=$((BLK0 + i)) count=1 \
		iflag=direct 2>/tmp/err; then
		grep -q "Input/output error" /tmp/err || { cat /tmp/err; fail "read $i: not EIO"; }
		rfail="$rfail $i"
	elif [ $i != $WBAD ]; then
		dd if=/tmp/pat bs=4k skip=$i count=1 2>/dev/null | cmp -s - /tmp/blk ||
			bad="$bad $i"
	fi
	i=$((i + 1))
done
vbp_log "failed writes:$wfail; failed reads:$rfail; corrupt:$bad"
vbp_result wfail "$(echo $wfail)"
vbp_result rfail "$(echo $rfail)"
vbp_result corrupt "$(echo $bad)"
fault_pattern write pat
fault_counters vda
fault_pattern verify verify
dmesg | grep "I/O error" | tail -n 20
'''


def _blkdebug(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, BLKDEBUG, driver="ours",
                      params="io_timeout=%d" % IO_TIMEOUT,
                      env={"NBLK": NBLK, "BLK0": BLK0, "WBAD": WBAD},
                      disks=[Disk(size="64M", backend="blkdebug",
                                  blkdebug_conf=BLKDEBUG_CONF,
                                  rerror="report", werror="report")],
                      timeout=300)
        res = results(r)
        check(res["wfail"] == str(WBAD),
              "failed writes: %r, want exactly block %d" % (res["wfail"],
                                                            WBAD))
        check(res["rfail"] == str(RBAD),
              "failed reads: %r, want exactly block %d" % (res["rfail"],
                                                           RBAD))
        check(res["corrupt"] == "", "blocks read back wrong: %s"
              % res["corrupt"])
        check(res["resets"] == "0" and res["timeouts"] == "0",
              "an I/O error caused a timeout/reset: %s" % res)
        dm = r.read("dmesg.txt") or ""
        for blk, op in ((RBAD, "READ"), (WBAD, "WRITE")):
            want = "sector %d op 0x%d:(%s)" % ((BLK0 + blk) * 8,
                                               1 if op == "WRITE" else 0, op)
            check(want in dm, "no kernel I/O error line with %r" % want)
        check_pattern(r)
        ctx.note("EIO on exactly read block %d and write block %d of %d"
                 % (RBAD, WBAD, NBLK))
    return fn


# ------------------------------------------------------------ stalls

# QMP stop for longer than io_timeout, then cont, while fio writes and
# verifies.  QEMU drains its block layer before stopping and the guest
# clock stops with the VM, so the guest may see no timeout at all; what
# counts is that every acknowledged write reads back.
STOPCONT = LIB + r'''
vbp_wait_dev /dev/vda
fault_pattern write pat
vbp_stats_reset vda
fio --name=bg --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=32M --size=16M --verify=crc32c --verify_fatal=1 \
	--rate_iops=400 $ENGINE --iodepth=16 --output-format=json \
	--output=$VBP_OUT/fio-bg.json > /tmp/bg.log 2>&1 &
pid=$!
sleep 2
fault_gone $pid 0 && { cat /tmp/bg.log; fail "fio ended before the stop"; }
vbp_host_step stall 120
fault_gone $pid 0 && fail "fio had finished before the stall ended"
fault_gone $pid 120 || { fault_states; fail "fio hangs after cont"; }
wait $pid || { cat $VBP_OUT/fio-bg.json; fail "fio write+verify failed across stop/cont"; }
fault_counters vda
fault_pattern verify verify
'''


def _stop_cont(v):
    v.qmp.cmd("stop")
    t0 = time.time()
    time.sleep(IO_TIMEOUT + 3)
    st = v.qmp.cmd("query-status")
    v.qmp.cmd("cont")
    return "stopped %.1fs (%s)" % (time.time() - t0, st.get("status"))


def _throttle(v):
    """Let the disk do one request a second for longer than io_timeout:
    the guest's clock keeps running, so requests time out for real."""
    disk_iops(v, 1)
    time.sleep(IO_TIMEOUT + 5)
    disk_iops(v, 0)
    return "throttled to 1 IOPS for %ds" % (IO_TIMEOUT + 5)


def _engine(poll):
    """fio engine options for polled or interrupt-driven I/O."""
    return "--ioengine=io_uring --hipri=1" if poll else "--ioengine=libaio"


def _run_ours(ctx, kernel, script, poll, **kw):
    """Run script with our driver (poll_queues=poll, io_timeout=IO_TIMEOUT)
    on a 64 MiB 2-queue disk, $ENGINE set for poll; the run must pass.
    Returns the run and its results."""
    r = ctx.vm_ok(kernel, script, driver="ours",
                  params="poll_queues=%d io_timeout=%d" % (poll, IO_TIMEOUT),
                  env={"ENGINE": _engine(poll)},
                  disks=[Disk(size="64M", num_queues=2)], timeout=300, **kw)
    return r, results(r)


def _stopcont(kernel, poll, how="stop"):
    step = _stop_cont if how == "stop" else _throttle

    def fn(ctx):
        r, res = _run_ours(ctx, kernel, STOPCONT, poll,
                           during=host_steps(stall=step))
        if how == "throttle":
            check(int(res["timeouts"]) >= 1 and int(res["resets"]) >= 1,
                  "a 1 IOPS device for %ds caused no timeout: %s"
                  % (IO_TIMEOUT + 5, res))
        bg = fio_job(r, "bg")
        check(bg["error"] == 0, "fio error %d" % bg["error"])
        check(bg["read"]["io_bytes"] >= 16 << 20,
              "fio verified only %d bytes" % bg["read"]["io_bytes"])
        check(res["dead"] == "0" and res["failed"] == "0",
              "requests failed across stop/cont: %s" % res)
        check_pattern(r)
        ctx.note("%s: all writes verified; guest saw timeouts=%s "
                 "resets=%s requeues=%s" % (
                     "stop %ds/cont" % (IO_TIMEOUT + 3) if how == "stop"
                     else "1 IOPS for %ds" % (IO_TIMEOUT + 5),
                     res["timeouts"], res["resets"], res["requeues"]))
    return fn


# debugfs "stall": used buffers are left on the ring until the next reset,
# as a hung device would.  The requests time out, the reset completes them
# and the job finishes without an error.
INJECT_STALL = LIB + r'''
fault_stall_start
t0=$(date +%s)
vbp_fio stalled --name=stalled --filename=/dev/vda --direct=1 \
	--rw=randwrite --bs=4k --offset=32M --size=4M --verify=crc32c \
	--verify_fatal=1 $ENGINE --iodepth=8
vbp_result seconds $(($(date +%s) - t0))
fault_counters vda
fault_pattern verify verify
'''


def _inject_stall(kernel, poll):
    def fn(ctx):
        r, res = _run_ours(ctx, kernel, INJECT_STALL, poll)
        check(int(res["timeouts"]) >= 1 and int(res["resets"]) >= 1,
              "stall caused no timeout/reset: %s" % res)
        check(res["dead"] == "0" and res["failed"] == "0",
              "stalled requests failed: %s" % res)
        check(int(res["seconds"]) >= IO_TIMEOUT,
              "stalled job took %ss, less than io_timeout: no stall?"
              % res["seconds"])
        check_pattern(r)
        ctx.note("stall -> %s timeouts, %s resets, %s requeues, job %ss"
                 % (res["timeouts"], res["resets"], res["requeues"],
                    res["seconds"]))
    return fn


# debugfs "hang": the device never completes anything, across resets.
# Requests are requeued, then failed; the disk is declared dead; new I/O
# fails at once with EIO.  Nothing may stay blocked.  A fresh load of the
# driver then reads the pattern back.
INJECT_HANG = LIB + r'''
vbp_wait_dev /dev/vda
fault_pattern write pat
vbp_stats_reset vda
echo hang > $VBP_DBG/vda/inject || fail "inject hang"
t0=$(date +%s)
fio --name=hung --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=32M --size=1M $ENGINE --iodepth=4 > /tmp/hung.log 2>&1 &
pid=$!
fault_gone $pid 120 || { fault_states; fail "fio on a hung device still blocked after 120s"; }
wait $pid && { cat /tmp/hung.log; fail "I/O on a hung device succeeded"; }
grep -E "Input/output error|error=" /tmp/hung.log | head -n 3
vbp_result seconds $(($(date +%s) - t0))
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "tasks left in D state"; }
fault_counters vda
# A dead disk fails I/O at once (6.12 also drops its capacity to 0).
vbp_log "dead disk size: $(cat /sys/block/vda/size) sectors"
t0=$(date +%s)
rm -f /tmp/d
dd if=/dev/vda of=/tmp/d bs=4k count=1 iflag=direct 2>&1 &&
	[ "$(wc -c < /tmp/d)" != 0 ] && fail "read data from a dead disk"
dd if=/dev/zero of=/dev/vda bs=4k count=1 oflag=direct 2>&1 &&
	fail "write to a dead disk succeeded"
vbp_result dead_read_seconds $(($(date +%s) - t0))
dmesg | grep -q "disk is dead" || fail "no 'disk is dead' message"
vbp_unload
vbp_load_ours
vbp_wait_dev /dev/vda
fault_pattern verify verify
'''


def _inject_hang(kernel, poll):
    def fn(ctx):
        r, res = _run_ours(ctx, kernel, INJECT_HANG, poll)
        check(res["dead"] == "1", "disk not declared dead: %s" % res)
        check(int(res["failed"]) >= 1, "no request failed: %s" % res)
        check(int(res["resets"]) >= 3, "fewer than 3 resets: %s" % res)
        check(int(res["requeues"]) >= 1, "nothing was requeued: %s" % res)
        check(int(res["dead_read_seconds"]) < IO_TIMEOUT,
              "I/O to the dead disk took %ss" % res["dead_read_seconds"])
        check_pattern(r)
        ctx.note("hang -> dead after %ss: timeouts=%s resets=%s requeues=%s "
                 "failed=%s" % (res["seconds"], res["timeouts"],
                                res["resets"], res["requeues"],
                                res["failed"]))
    return fn


# debugfs "badhdr": the next read goes out with a truncated header.  QEMU
# answers a malformed request as the spec says: it sets NEEDS_RESET and
# raises a config interrupt, and stops processing the queue.  Recovery
# must start from that interrupt, not wait for io_timeout (long here).
NEEDSRESET = LIB + r"""
vbp_wait_dev /dev/vda
fault_pattern write pat
vbp_stats_reset vda
echo badhdr > $VBP_DBG/vda/inject || fail "inject badhdr"
t0=$(awk '{ print int($1 * 1000) }' /proc/uptime)
vbp_fio rd --name=rd --filename=/dev/vda --direct=1 --rw=randread --bs=4k \
	--offset=0 --size=16M --number_ios=256 $ENGINE --iodepth=4
vbp_result ms $(($(awk '{ print int($1 * 1000) }' /proc/uptime) - t0))
dmesg | grep -q "device needs reset" || fail "no 'device needs reset' message"
fault_counters vda
fault_pattern verify verify
"""
NEEDSRESET_TIMEOUT = 60


def _needsreset(kernel, poll):
    def fn(ctx):
        r = ctx.vm_ok(kernel, NEEDSRESET, driver="ours",
                      params="poll_queues=%d io_timeout=%d" % (
                          poll, NEEDSRESET_TIMEOUT),
                      env={"ENGINE": _engine(poll)},
                      disks=[Disk(size="64M", num_queues=2)], timeout=300)
        res = results(r)
        check(int(res["resets"]) >= 1 and res["timeouts"] == "0",
              "NEEDS_RESET did not reset the device without a timeout: %s"
              % res)
        check(int(res["requeues"]) >= 1, "nothing was requeued: %s" % res)
        check(res["failed"] == "0" and res["dead"] == "0",
              "requests failed: %s" % res)
        check(int(res["ms"]) < NEEDSRESET_TIMEOUT * 1000,
              "reads took %sms" % res["ms"])
        check_pattern(r)
        ctx.note("malformed request -> NEEDS_RESET -> reset after the config "
                 "interrupt: resets=%s requeues=%s, 256 reads in %.1fs "
                 "(io_timeout %ds)" % (res["resets"], res["requeues"],
                                       int(res["ms"]) / 1000.0,
                                       NEEDSRESET_TIMEOUT))
    return fn


# ------------------------------------------------------------ hot-unplug

HOTUNPLUG = LIB + r'''
vbp_wait_dev /dev/vda
fault_pattern write pat
fio --name=irq --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--offset=32M --size=16M --time_based --runtime=120 \
	--continue_on_error=all --allow_file_create=0 --ioengine=libaio --iodepth=16 > /tmp/irq.log 2>&1 &
p1=$!
fio --name=poll --filename=/dev/vda --direct=1 --rw=randrw --bs=4k \
	--offset=48M --size=16M --time_based --runtime=120 \
	--continue_on_error=all --allow_file_create=0 --ioengine=io_uring --hipri=1 --iodepth=16 \
	> /tmp/poll.log 2>&1 &
p2=$!
# Unplug only once both kinds of queue are busy.
n=0
while [ "$(vbp_stat vda poll_completions)" = 0 ] ||
	[ "$(vbp_stat vda completions)" -lt 100 ]; do
	n=$((n + 1))
	[ $n -gt 300 ] && { cat /tmp/irq.log /tmp/poll.log; fail "queues not busy"; }
	sleep 0.2
done
fault_gone $p1 0 && { cat /tmp/irq.log; fail "irq fio not running"; }
fault_gone $p2 0 && { cat /tmp/poll.log; fail "poll fio not running"; }
vbp_host_step unplug 60
n=0
while [ -b /dev/vda ]; do
	n=$((n + 1)); [ $n -gt 300 ] && fail "/dev/vda still there 60s after device_del"
	sleep 0.2
done
vbp_log "/dev/vda gone"
fault_gone $p1 60 || { fault_states; fail "irq fio blocked after unplug"; }
fault_gone $p2 60 || { fault_states; fail "poll fio blocked after unplug"; }
wait $p1; e1=$?; wait $p2; e2=$?
vbp_log "fio exit codes after unplug: irq $e1, poll $e2"
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "tasks left in D state"; }
# A file in place of the node would keep devtmpfs from adding it back.
[ -e /dev/vda ] && { ls -l /dev/vda; fail "/dev/vda exists but is no block device"; }
vbp_host_step replug 120
vbp_wait_dev /dev/vda 60
fault_pattern verify verify
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=4M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8
vbp_unload
'''


def _unplug(v):
    v.qmp.cmd("device_del", id="disk0-dev")
    return "device_del sent"


def _replug(disk):
    def step(v):
        deadline = time.time() + 90
        while True:
            out = v.qmp.hmp(device_add_cmd(0, disk))
            if not out.strip():
                return "device_add ok"
            if time.time() > deadline:
                raise HarnessError("device_add: %s" % out.strip())
            time.sleep(1)       # the old device may not be finalized yet
    return step


def _hotunplug(kernel):
    def fn(ctx):
        disk = Disk(size="64M", num_queues=2, root_port=True)
        ctx.vm_ok(kernel, HOTUNPLUG, driver="ours",
                  params="poll_queues=1 io_timeout=%d" % IO_TIMEOUT,
                  disks=[disk], timeout=300,
                  during=host_steps(unplug=_unplug, replug=_replug(disk)))
        ctx.note("unplugged under irq+poll I/O, replugged, pattern intact")
    return fn


# ------------------------------------------------------------ CPU hotplug

CPUHP = LIB + r'''
vbp_wait_dev /dev/vda
fault_pattern write pat
c="--filename=/dev/vda --direct=1 --rw=randwrite --bs=4k --size=8M --verify=crc32c --verify_fatal=1 --iodepth=8"
fio --name=irq $c --offset=32M --loops=2 --ioengine=libaio \
	--output-format=json --output=$VBP_OUT/fio-irq.json > /dev/null 2>&1 &
p1=$!
fio --name=poll $c --offset=48M --loops=2 --ioengine=io_uring --hipri=1 \
	--output-format=json --output=$VBP_OUT/fio-poll.json > /dev/null 2>&1 &
p2=$!
ncpu=$(grep -c ^processor /proc/cpuinfo)
cycles=0
while ! fault_gone $p1 0 || ! fault_gone $p2 0; do
	cpu=1
	while [ $cpu -lt $ncpu ]; do
		echo 0 > /sys/devices/system/cpu/cpu$cpu/online || fail "offline cpu$cpu"
		sleep 0.2
		echo 1 > /sys/devices/system/cpu/cpu$cpu/online || fail "online cpu$cpu"
		cycles=$((cycles + 1))
		cpu=$((cpu + 1))
	done
	[ $cycles -gt 2000 ] && fail "fio does not finish"
done
wait $p1 || { cat $VBP_OUT/fio-irq.json; fail "irq fio failed across CPU hotplug"; }
wait $p2 || { cat $VBP_OUT/fio-poll.json; fail "poll fio failed across CPU hotplug"; }
vbp_result cycles $cycles
vbp_result poll_completions $(vbp_stat vda poll_completions)
grep -H . /sys/block/vda/mq/*/cpu_list
fault_pattern verify verify
'''


def _cpuhp(kernel, smp):
    def fn(ctx):
        r = ctx.vm_ok(kernel, CPUHP, driver="ours", smp=smp,
                      params="poll_queues=1 io_timeout=%d" % IO_TIMEOUT,
                      disks=[Disk(size="64M", num_queues=smp)], timeout=400)
        res = results(r)
        check(int(res["cycles"]) >= 3, "only %s CPU offline/online cycles "
              "during the I/O" % res["cycles"])
        check(int(res["poll_completions"]) > 0, "no polled completions")
        for n in ("irq", "poll"):
            check(fio_job(r, n)["error"] == 0, "%s fio error" % n)
        check_pattern(r)
        ctx.note("smp=%d: %s CPU offline/online cycles during irq+poll I/O"
                 % (smp, res["cycles"]))
    return fn


# ------------------------------------------------------------ module load

MODCYCLES = LIB + r'''
vbp_wait_dev /dev/vda
fault_pattern write pat
fio --name=busy --filename=/dev/vda --direct=1 --rw=randread --bs=4k \
	--size=16M --time_based --runtime=15 --ioengine=io_uring --hipri=1 \
	--iodepth=4 > /tmp/busy.log 2>&1 &
pid=$!
sleep 3
fault_gone $pid 0 && { cat /tmp/busy.log; fail "fio not running"; }
/usr/sbin/rmmod virtio_blk 2>/tmp/rm.err && fail "rmmod succeeded while the disk is busy"
cat /tmp/rm.err
grep -q "in use" /tmp/rm.err || fail "rmmod refused without saying the module is in use"
[ -b /dev/vda ] || fail "/dev/vda vanished after the refused rmmod"
wait $pid || { cat /tmp/busy.log; fail "fio failed after the refused rmmod"; }
vbp_unload
i=0
while [ $i -lt $CYCLES ]; do
	/usr/sbin/insmod /in/virtio_blk.ko poll_queues=1 || fail "insmod cycle $i"
	vbp_wait_dev /dev/vda 20
	/usr/sbin/rmmod virtio_blk || fail "rmmod cycle $i"
	[ -b /dev/vda ] && fail "/dev/vda still there after rmmod (cycle $i)"
	i=$((i + 1))
done
vbp_result cycles $i
vbp_load_ours poll_queues=1
vbp_wait_dev /dev/vda
fault_pattern verify verify
'''


def _modcycles(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, MODCYCLES, driver="ours", params="poll_queues=1",
                      env={"CYCLES": 100},
                      disks=[Disk(size="64M", num_queues=2)], timeout=400)
        check(results(r)["cycles"] == "100", "not all cycles ran")
        check_pattern(r)
        ctx.note("rmmod refused while busy; 100 load/unload cycles")
    return fn


# ------------------------------------------------------------ bad ids

# A device returning a used id that is not in flight: "badid" feeds a
# token no request has, "dupid" the id of a request that already
# completed, both through the driver's normal check on the next reap.
BADID = LIB + r'''
vbp_wait_dev /dev/vda
fault_pattern write pat
for what in badid dupid; do
	for eng in "--ioengine=libaio" "--ioengine=io_uring --hipri=1"; do
		case "$eng" in
		*hipri*) q="req_poll" ;;
		*) q="req" ;;
		esac
		dmesg -c > /dev/null
		echo $what > $VBP_DBG/vda/inject || fail "inject $what"
		fio --name=x --filename=/dev/vda --direct=1 --rw=randwrite \
			--bs=4k --offset=32M --size=1M --verify=crc32c \
			--verify_fatal=1 $eng --iodepth=4 > /tmp/x.log 2>&1 ||
			{ cat /tmp/x.log; fail "I/O failed after $what"; }
		dmesg | grep "$q\.[0-9]*: .*not in flight" ||
			fail "no message for $what on a $q queue ($eng)"
	done
done
fault_counters vda
fault_pattern verify verify
'''


def _badid(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, BADID, driver="ours",
                      params="poll_queues=1 io_timeout=%d" % IO_TIMEOUT,
                      disks=[Disk(size="64M", num_queues=2)], timeout=300)
        res = results(r)
        check(res["resets"] == "0" and res["failed"] == "0",
              "a bogus id caused a reset or failure: %s" % res)
        check_pattern(r)
        ctx.note("bogus and duplicate used ids rejected with a message, "
                 "irq and poll queues")
    return fn


# ------------------------------------------------------------ odd devices

SEGMAX = LIB + r'''
vbp_wait_dev /dev/vda
q=/sys/block/vda/queue
echo "max_segments $(cat $q/max_segments) max_sectors_kb $(cat $q/max_sectors_kb)"
vbp_result max_segments $(cat $q/max_segments)
vbp_fio big --name=big --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=512k --size=16M --offset=32M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=8 --iomem_align=4096
vbp_fio unaligned --name=ua --filename=/dev/vda --direct=1 --rw=write \
	--bs=12k --size=6M --offset=16M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=4
# Polled bios are REQ_NOWAIT on 6.1 and cannot be split there: with a
# 12k polled write that needs a split, 6.1's io-wq retries -EAGAIN
# forever before the driver sees anything.  Polled I/O stays within
# max_segments pages.
vbp_fio polled --name=po --filename=/dev/vda --direct=1 --rw=write \
	--bs=$(( $(cat $q/max_segments) * 4 ))k --size=6M --offset=24M \
	--verify=crc32c --verify_fatal=1 --ioengine=io_uring --hipri=1 --iodepth=4
fault_pattern write pat
fault_pattern verify verify
'''


def _segmax(kernel, packed):
    def fn(ctx):
        r = ctx.vm_ok(kernel, SEGMAX, driver="ours", params="poll_queues=1",
                      disks=[Disk(size="64M", num_queues=2, queue_size=4,
                                  packed=packed)], timeout=300)
        seg = int(results(r)["max_segments"])
        # seg-max-adjust: seg_max = queue-size - 2 = 2
        check(seg <= 2, "max_segments %d, want the device's seg_max 2" % seg)
        check_pattern(r)
        ctx.note("queue-size 4: max_segments=%d, 512k, 12k and polled I/O "
                 "verified"
                 % seg)
    return fn


TINY = LIB + r'''
vbp_wait_dev /dev/vda
echo "size $(cat /sys/block/vda/size) sectors"
vbp_result sectors $(cat /sys/block/vda/size)
if [ "$(cat /sys/block/vda/size)" = 1 ]; then
	dd if=/dev/urandom of=/tmp/s bs=512 count=1 2>/dev/null
	dd if=/tmp/s of=/dev/vda bs=512 count=1 oflag=direct || fail "write sector 0"
	dd if=/dev/vda of=/tmp/r bs=512 count=1 iflag=direct || fail "read sector 0"
	cmp /tmp/s /tmp/r || fail "sector 0 read back wrong"
	dd if=/tmp/s of=/dev/vda bs=512 seek=1 count=1 oflag=direct 2>/dev/null &&
		fail "write past the end succeeded"
fi
n=$(dd if=/dev/vda of=/dev/null bs=4k iflag=direct 2>&1 | grep -c "records in")
[ $n -ge 1 ] || fail "read of the whole disk did not end"
vbp_unload
'''


def _tiny(kernel, size, want):
    def fn(ctx):
        r = ctx.vm_ok(kernel, TINY, driver="ours", params="poll_queues=1",
                      disks=[Disk(size=size, num_queues=2)], timeout=200)
        got = results(r)["sectors"]
        check(got == str(want), "disk has %s sectors, want %d" % (got, want))
        ctx.note("capacity %s: %s sectors, I/O within bounds ok" % (size,
                                                                    got))
    return fn


MANYQ = LIB + r'''
vbp_wait_dev /dev/vda
ls /sys/block/vda/mq | wc -l
vbp_result hctxs $(ls /sys/block/vda/mq | wc -l)
cat $VBP_DBG/vda/device
fault_pattern write pat
vbp_fio poll --name=poll --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --size=8M --offset=32M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8 --numjobs=2 --offset_increment=8M
fault_pattern verify verify
'''


def _manyq(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, MANYQ, driver="ours", params="poll_queues=1",
                      smp=2, disks=[Disk(size="64M", num_queues=16)],
                      timeout=200)
        h = int(results(r)["hctxs"])
        check(2 <= h <= 3, "%d hardware queues for 2 CPUs and 16 device "
              "queues" % h)
        check_pattern(r)
        ctx.note("16 device queues on 2 CPUs: %d hardware queues" % h)
    return fn


# debugfs config_override: geometries QEMU cannot offer.  The device is
# rebound after each override so that the probe reads the forced values:
# seg_max 1 with a one-page size_max, a size_max below a page (probe
# refused with a message: the block layer cannot keep segments that
# small, and raising the limit would send the device larger segments than
# it takes), MQ with one queue (poll_queues=1 must fall back to
# interrupts) and MQ with zero queues (probe refused with a message).
CFGOVR = LIB + r"""
vbp_wait_dev /dev/vda
fault_pattern write pat
ovr=$VBP_DBG/config_override
vdev=$(basename "$(readlink -f /sys/block/vda/device)")
drv=/sys/bus/virtio/drivers/virtio_blk
echo bogus=1 > $ovr 2>/dev/null && fail "config_override took bogus=1"
# rebind OVERRIDE: apply OVERRIDE, then unbind (if bound) and bind the
# disk.
rebind() {
	echo clear > $ovr || fail "config_override clear"
	echo "$1" > $ovr || fail "config_override $1"
	vbp_log "config_override now: $(cat $ovr | tr '\n' ' ')"
	if [ -e $drv/$vdev ]; then
		echo $vdev > $drv/unbind || fail "unbind $vdev"
	fi
	echo $vdev > $drv/bind
}
q=/sys/block/vda/queue
# newlog: kernel messages since the last mark_log.
mark_log() { since=$(dmesg | wc -l); }
newlog() { dmesg | tail -n +$((since + 1)); }

rebind "seg_max=1 size_max=4096"
vbp_wait_dev /dev/vda
vbp_result seg1_segments $(cat $q/max_segments)
vbp_result seg1_segsize $(cat $q/max_segment_size)
vbp_fio seg1 --name=seg1 --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=64k --size=8M --offset=32M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=8
vbp_fio seg1ua --name=seg1ua --filename=/dev/vda --direct=1 --rw=write \
	--bs=12k --size=3M --offset=40M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=4
vbp_fio seg1poll --name=seg1poll --filename=/dev/vda --direct=1 \
	--rw=randwrite --bs=4k --size=4M --offset=44M --verify=crc32c \
	--verify_fatal=1 --ioengine=io_uring --hipri=1 --iodepth=4
[ "$(vbp_stat vda poll_completions)" != 0 ] || fail "no polled completions with seg_max 1"

mark_log
rebind "size_max=512"
sleep 1
[ -b /dev/vda ] && fail "a device with size_max 512 was bound (max_segment_size $(cat $q/max_segment_size))"
newlog | grep -q "unusable device configuration: size_max .* below the page size" ||
	{ newlog | tail; fail "no refusal message for size_max 512"; }
vbp_result small_refused 1

mark_log
rebind "num_queues=1"
vbp_wait_dev /dev/vda
cat $VBP_DBG/vda/device
vbp_result mq1_hctxs $(ls /sys/block/vda/mq | wc -l)
vbp_result mq1_poll $(vbp_devstat vda poll_queues)
newlog | grep -q "poll_queues=1 reduced to 0" ||
	fail "no message for poll_queues reduced on one queue"
vbp_fio mq1 --name=mq1 --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --size=4M --offset=48M --verify=crc32c --verify_fatal=1 \
	--ioengine=libaio --iodepth=16 --numjobs=2 --offset_increment=4M

mark_log
rebind "num_queues=0"
sleep 1
[ -b /dev/vda ] && fail "a device with MQ and zero queues was bound"
newlog | grep -q "MQ with zero queues" || fail "no message for zero queues"
vbp_result mq0_refused 1

echo clear > $ovr || fail "config_override clear"
[ -z "$(cat $ovr)" ] || fail "config_override not cleared: $(cat $ovr)"
echo $vdev > $drv/bind || fail "bind $vdev after clear"
vbp_wait_dev /dev/vda
vbp_result clear_segments $(cat $q/max_segments)
fault_pattern verify verify
"""


def _cfgovr(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, CFGOVR, driver="ours", params="poll_queues=1",
                      disks=[Disk(size="64M", num_queues=2)], timeout=300)
        res = results(r)
        check(res["seg1_segments"] == "1" and res["seg1_segsize"] == "4096",
              "seg_max=1 size_max=4096 gave %s segments of %s bytes" % (
                  res["seg1_segments"], res["seg1_segsize"]))
        check(res.get("small_refused") == "1", "size_max 512 not refused")
        check(res["mq1_hctxs"] == "1" and res["mq1_poll"] == "0",
              "MQ with 1 queue: %s hctxs, %s poll queues" % (
                  res["mq1_hctxs"], res["mq1_poll"]))
        check(res.get("mq0_refused") == "1", "zero queues not refused")
        check(int(res["clear_segments"]) > 1,
              "override still in effect after clear: %s segments"
              % res["clear_segments"])
        check_pattern(r)
        ctx.note("seg_max 1 + size_max 4096 (64k, 12k, polled I/O "
                 "verified), size_max 512 refused, MQ with 1 "
                 "queue (poll queue dropped), MQ with 0 queues refused")
    return fn


# A polled waiter on a device that stopped answering must be killable:
# it exits before the requests it leaves behind time out, and the ring's
# cleanup still ends once recovery has completed them.  The device is a
# debugfs "stall" (used buffers ignored until the next reset); io_timeout
# is long enough that fio is killed well before it.
POLLKILL = LIB + r"""
fault_stall_start
fio --name=stalled --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=32M --size=4M --ioengine=io_uring --hipri=1 --iodepth=8 \
	> /tmp/st.log 2>&1 &
pid=$!
n=0
while [ "$(fault_inflight)" = 0 ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && { cat /tmp/st.log; fail "no request in flight"; }
	sleep 0.1
done
sleep 1
fault_gone $pid 0 && { cat /tmp/st.log; fail "fio finished on a stalled disk"; }
[ "$(vbp_devstat vda poll_queues)" = 1 ] || fail "no poll queue"
vbp_result polls_at_kill $(vbp_stat vda polls)
vbp_result inflight_at_kill $(fault_inflight)
vbp_result timeouts_at_kill $(vbp_devstat vda timeouts)
t0=$(awk '{ print int($1 * 1000) }' /proc/uptime)
kill -KILL $pid
fault_gone $pid $((IO_TIMEOUT * 3 + 30)) ||
	{ fault_states; fail "killed polled fio still there $((IO_TIMEOUT * 3 + 30))s later"; }
t1=$(awk '{ print int($1 * 1000) }' /proc/uptime)
vbp_result timeouts_at_exit $(vbp_devstat vda timeouts)
vbp_result exit_ms $((t1 - t0))
wait $pid
[ "$(fault_nstate D)" = 0 ] || { fault_states; fail "tasks left in D state"; }
n=0
while [ "$(fault_inflight)" != 0 ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "requests still in flight after the exit"
	sleep 0.1
done
fault_counters vda
vbp_fio after --name=after --filename=/dev/vda --direct=1 --rw=randwrite \
	--bs=4k --offset=16M --size=4M --verify=crc32c --verify_fatal=1 \
	--ioengine=io_uring --hipri=1 --iodepth=8
fault_pattern verify verify
"""
POLLKILL_TIMEOUT = 10


def _pollkill(kernel):
    def fn(ctx):
        r = ctx.vm_ok(kernel, POLLKILL, driver="ours",
                      params="poll_queues=1 io_timeout=%d" % POLLKILL_TIMEOUT,
                      env={"IO_TIMEOUT": str(POLLKILL_TIMEOUT)},
                      disks=[Disk(size="64M", num_queues=2)], timeout=300)
        res = results(r)
        check(int(res["polls_at_kill"]) > 0,
              "fio was not polling when killed: %s" % res)
        check(res["timeouts_at_kill"] == "0",
              "a timeout fired before the kill: %s" % res)
        check(int(res["timeouts"]) >= 1 and int(res["resets"]) >= 1,
              "the stall caused no timeout/reset: %s" % res)
        ms = int(res["exit_ms"])
        check(res["timeouts_at_exit"] == "0" and
              ms < POLLKILL_TIMEOUT * 1000,
              "killed fio took %d ms to exit, not before io_timeout %ds: %s"
              % (ms, POLLKILL_TIMEOUT, res))
        check(res["dead"] == "0", "disk declared dead: %s" % res)
        check_pattern(r)
        ctx.note("SIGKILL to a polled fio with %s requests stuck: gone after "
                 "%.1fs (io_timeout %ds); timeouts=%s resets=%s "
                 "requeues=%s failed=%s" % (
                     res["inflight_at_kill"], ms / 1000.0, POLLKILL_TIMEOUT,
                     res["timeouts"], res["resets"], res["requeues"],
                     res["failed"]))
    return fn


for _k in KERNELS3:
    _g = "faults"
    case("faults/busmaster-irq/" + _k, group=_g)(_busmaster(_k, False))
    case("faults/busmaster-poll/" + _k, group=_g)(_busmaster(_k, True))
    case("faults/blkdebug-eio/" + _k, group=_g)(_blkdebug(_k))
    case("faults/stop-cont/" + _k, group=_g)(_stopcont(_k, 1))
    case("faults/throttle-stall-irq/" + _k,
         group=_g)(_stopcont(_k, 0, "throttle"))
    case("faults/throttle-stall-poll/" + _k,
         group=_g)(_stopcont(_k, 1, "throttle"))
    case("faults/inject-stall-irq/" + _k, group=_g)(_inject_stall(_k, 0))
    case("faults/inject-stall-poll/" + _k, group=_g)(_inject_stall(_k, 1))
    case("faults/inject-hang/" + _k, group=_g)(_inject_hang(_k, 1))
    case("faults/needs-reset-irq/" + _k, group=_g)(_needsreset(_k, 0))
    case("faults/needs-reset-poll/" + _k, group=_g)(_needsreset(_k, 1))
    case("faults/hot-unplug/" + _k, group=_g)(_hotunplug(_k))
    case("faults/cpu-hotplug-smp2/" + _k, group=_g)(_cpuhp(_k, 2))
    case("faults/cpu-hotplug-smp4/" + _k, group=_g)(_cpuhp(_k, 4))
    case("faults/module-cycles/" + _k, group=_g)(_modcycles(_k))
    case("faults/bad-used-id/" + _k, group=_g)(_badid(_k))
    case("faults/segmax-qs4-split/" + _k, group=_g)(_segmax(_k, False))
    case("faults/segmax-qs4-packed/" + _k, group=_g)(_segmax(_k, True))
    case("faults/capacity-512/" + _k, group=_g)(_tiny(_k, "512", 1))
    case("faults/capacity-0/" + _k, group=_g)(_tiny(_k, "0", 0))
    case("faults/queues-over-cpus/" + _k, group=_g)(_manyq(_k))
    case("faults/config-override/" + _k, group=_g)(_cfgovr(_k))
    case("faults/poll-kill/" + _k, group=_g)(_pollkill(_k))
