# SPDX-License-Identifier: GPL-2.0
# description: a malformed request: NEEDS_RESET, reset from the config interrupt
# name: faults/needs-reset-{mode}/{kernel}
# matrix: mode=irq,poll
# vars: io_timeout=60
# params: poll_queues=0 io_timeout={io_timeout}
# params[mode=poll]: poll_queues=1 io_timeout={io_timeout}
# env: ENGINE=--ioengine=libaio
# env[mode=poll]: 'ENGINE=--ioengine=io_uring --hipri=1'
# disks: 64M,num_queues=2
# timeout: 300
# lib: faults
#
# debugfs "badhdr": the next read goes out with a truncated header.  QEMU
# answers a malformed request as the spec says: it sets NEEDS_RESET and
# raises a config interrupt, and stops processing the queue.  Recovery
# must start from that interrupt, not wait for io_timeout (long here).
vbp_wait_dev /dev/vda
fault_pattern write pat
vbp_stats_reset vda
echo badhdr > "$VBP_DBG"/vda/inject || fail "inject badhdr"
t0=$(awk '{ print int($1 * 1000) }' /proc/uptime)
# $ENGINE: fio options in a variable, split on purpose
# shellcheck disable=SC2086
vbp_fio rd --name=rd --filename=/dev/vda --direct=1 --rw=randread --bs=4k \
	--offset=0 --size=16M --number_ios=256 $ENGINE --iodepth=4
vbp_result ms "$(($(awk '{ print int($1 * 1000) }' /proc/uptime) - t0))"
dmesg | grep -q "device needs reset" || fail "no 'device needs reset' message"
fault_counters vda
fault_pattern verify verify
