# SPDX-License-Identifier: GPL-2.0
# description: QMP stop/cont or a 1 IOPS device under fio verify: no write lost
# name: faults/{how}/{kernel}
# matrix: how=stop-cont,throttle-stall-irq,throttle-stall-poll
# vars: io_timeout=5
# params: poll_queues=1 io_timeout={io_timeout}
# params[how=throttle-stall-irq]: poll_queues=0 io_timeout={io_timeout}
# env: 'ENGINE=--ioengine=io_uring --hipri=1'
# env[how=throttle-stall-irq]: ENGINE=--ioengine=libaio
# disks: 64M,num_queues=2
# timeout: 300
# lib: faults
#
# stop-cont: QMP stop for longer than io_timeout, then cont, while fio
# writes and verifies.  QEMU drains its block layer before stopping and
# the guest clock stops with the VM, so the guest may see no timeout at
# all; what counts is that every acknowledged write reads back.
# throttle-stall-*: the disk does one request a second for longer than
# io_timeout; the guest's clock keeps running, so requests time out.
vbp_wait_dev /dev/vda
fault_pattern write pat
vbp_stats_reset vda
# $ENGINE: fio options in a variable, split on purpose
# shellcheck disable=SC2086
fio --name=bg --filename=/dev/vda --direct=1 --rw=randwrite --bs=4k \
	--offset=32M --size=16M --verify=crc32c --verify_fatal=1 \
	--rate_iops=400 $ENGINE --iodepth=16 --output-format=json \
	--output=$VBP_OUT/fio-bg.json > /tmp/bg.log 2>&1 &
pid=$!
vbp_wait_io $pid vda
sleep 1
vbp_exited $pid 0 && { cat /tmp/bg.log; fail "fio ended before the stop"; }
vbp_host_step stall 120
vbp_exited $pid 0 && fail "fio had finished before the stall ended"
vbp_exited $pid 120 || { fault_states; fail "fio hangs after cont"; }
wait $pid || { cat "$VBP_OUT"/fio-bg.json; fail "fio write+verify failed across stop/cont"; }
fault_counters vda
fault_pattern verify verify
