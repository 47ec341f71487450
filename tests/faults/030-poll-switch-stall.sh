# SPDX-License-Identifier: GPL-2.0
# description: poll_queues changed while the device stalls: the change waits for recovery, nothing lost
# name: faults/poll-switch-stall-{mode}/{kernel}
# matrix: mode=irq,poll
# vars: io_timeout=5
# params: poll_queues=0 io_timeout={io_timeout}
# params[mode=poll]: poll_queues=1 io_timeout={io_timeout}
# env: ENGINE=--ioengine=libaio
# env[mode=poll]: 'ENGINE=--ioengine=io_uring --hipri=1'
# smp: 4
# disks: 64M,num_queues=4
# timeout: 300
# lib: faults
# tier[kernel=debug]: check
#
# debugfs "stall" leaves used buffers on the ring until the next reset.
# With requests stuck that way (interrupt-driven, or polled), vda goes
# from 0 to 1 poll queues (irq) or from 1 to 2 (poll): the change waits
# for the queue to drain, which only the timeout and the reset it
# schedules can bring about; then it goes through, and the stuck job
# finishes and verifies clean.
fault_stall_start
from=$(cat /sys/block/vda/poll_queues)
to=$((from + 1))
# $ENGINE: fio options in a variable, split on purpose
# shellcheck disable=SC2086
fio --name=stalled --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=32M --size=4M --verify=crc32c --verify_fatal=1 $ENGINE \
	--iodepth=8 > /tmp/stalled.log 2>&1 &
pf=$!
n=0
while [ "$(fault_inflight)" = 0 ]; do
	n=$((n + 1))
	[ $n -gt 300 ] && { cat /tmp/stalled.log; fail "no request in flight"; }
	vbp_exited $pf 0 && { cat /tmp/stalled.log; fail "fio exited at once"; }
	sleep 0.1
done
[ "$(vbp_devstat vda timeouts)" = 0 ] || fail "timed out before the change"
t0=$(date +%s)
echo $to > /sys/block/vda/poll_queues || fail "writing $to to poll_queues"
vbp_result seconds "$(($(date +%s) - t0))"
[ "$(cat /sys/block/vda/poll_queues)" = $to ] ||
	fail "poll_queues is $(cat /sys/block/vda/poll_queues), want $to"
wait $pf || { cat /tmp/stalled.log; fail "stalled fio failed"; }
vbp_log "stalled job done"
fault_counters vda
fault_pattern verify verify
