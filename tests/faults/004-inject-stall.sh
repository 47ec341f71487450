# SPDX-License-Identifier: GPL-2.0
# description: debugfs stall: requests time out, the reset completes them
# name: faults/inject-stall-{mode}/{kernel}
# matrix: mode=irq,poll
# vars: io_timeout=5
# params: poll_queues=0 io_timeout={io_timeout}
# params[mode=poll]: poll_queues=1 io_timeout={io_timeout}
# env: ENGINE=--ioengine=libaio
# env[mode=poll]: 'ENGINE=--ioengine=io_uring --hipri=1'
# disks: 64M,num_queues=2
# timeout: 300
# lib: faults
#
# debugfs "stall": used buffers are left on the ring until the next reset,
# as a hung device would.  The requests time out, the reset completes them
# and the job finishes without an error.
fault_stall_start
t0=$(date +%s)
# $ENGINE: fio options in a variable, split on purpose
# shellcheck disable=SC2086
vbp_fio stalled --name=stalled --filename=/dev/vda --direct=1 \
	--rw=randwrite --bs=4k --offset=32M --size=4M --verify=crc32c \
	--verify_fatal=1 $ENGINE --iodepth=8
vbp_result seconds "$(($(date +%s) - t0))"
fault_counters vda
fault_pattern verify verify
